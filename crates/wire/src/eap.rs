//! EAP (RFC 3748 §4): a checked view ([`Packet`]) and an owned [`Repr`], with the
//! Identity (§5.1) and MD5-Challenge (§5.4) types decoded; other types stay raw.
//!
//! Layout: Code(1) ‖ Identifier(1) ‖ Length(2, whole packet) ‖ [Type(1) ‖ Type-Data] — Type
//! only in Requests and Responses. Success and Failure are 4 octets (§4.2); any octets a
//! peer puts after their header up to Length are kept raw, so every packet that parses emits
//! the same octets.

pub mod mschapv2;

use crate::names::registry;
use crate::view::{buffer_view, require_len, room_for, view_fields};
use crate::{Error, Result};
use md5::{Digest, Md5};

registry! {
    pub mod code: u8;
    pub fn code_name;
    REQUEST = 1 => "Request",
    RESPONSE = 2 => "Response",
    SUCCESS = 3 => "Success",
    FAILURE = 4 => "Failure",
}

registry! {
    /// Method types (RFC 3748 §5, IANA EAP registry).
    pub mod method: u8;
    pub fn method_name;
    IDENTITY = 1 => "Identity",
    NOTIFICATION = 2 => "Notification",
    NAK = 3 => "Nak",
    MD5_CHALLENGE = 4 => "MD5-Challenge",
    OTP = 5 => "OTP",
    GTC = 6 => "GTC",
    TLS = 13 => "TLS",
    TTLS = 21 => "TTLS",
    PEAP = 25 => "PEAP",
    MSCHAPV2 = 26 => "MSCHAPv2",
    EXPANDED = 254 => "Expanded",
}

buffer_view! {
    /// A view of an EAP packet at the start of a buffer (octets after Length are ignored).
    #[derive(Debug, Clone, PartialEq, Eq)]
    Packet, checked by check_len
}

view_fields!(Packet {
    code: u8 = 0;
    identifier: u8 = 1;
    length: u16 = 2..4;
});

impl<T: AsRef<[u8]>> Packet<T> {
    /// 4-octet header present, Length at least 4 (5 for a Request/Response, which carry a
    /// Type) and no longer than the buffer.
    pub fn check_len(&self) -> Result<()> {
        let b = self.buffer.as_ref();
        require_len(b, 4, |n| {
            format!("EAP truncated: {n} octets, at least 4 needed")
        })?;
        let len = usize::from(self.length());
        let min = if matches!(self.code(), code::REQUEST | code::RESPONSE) {
            5
        } else {
            4
        };
        if len < min {
            return Err(Error::new(
                2,
                format!("EAP Length {len} (at least {min} for code {})", self.code()),
            ));
        }
        if len > b.len() {
            return Err(Error::new(
                2,
                format!(
                    "EAP Length {len} announced, only {} octets present",
                    b.len()
                ),
            ));
        }
        Ok(())
    }

    /// The Type of a Request/Response.
    pub fn method(&self) -> Option<u8> {
        matches!(self.code(), code::REQUEST | code::RESPONSE).then(|| self.buffer.as_ref()[4])
    }

    /// Type-Data of a Request/Response; for other codes, the octets after the header.
    pub fn data(&self) -> &[u8] {
        let start = if self.method().is_some() { 5 } else { 4 };
        &self.buffer.as_ref()[start..usize::from(self.length())]
    }
}

/// An owned EAP packet.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Repr {
    pub code: u8,
    pub identifier: u8,
    /// The Type: `Some` exactly for Requests and Responses.
    pub method: Option<u8>,
    /// Type-Data (Request/Response) or whatever follows the header (other codes), raw.
    pub data: Vec<u8>,
}

impl Repr {
    pub fn request(identifier: u8, method: u8, data: impl Into<Vec<u8>>) -> Repr {
        Repr {
            code: code::REQUEST,
            identifier,
            method: Some(method),
            data: data.into(),
        }
    }

    pub fn response(identifier: u8, method: u8, data: impl Into<Vec<u8>>) -> Repr {
        Repr {
            code: code::RESPONSE,
            identifier,
            method: Some(method),
            data: data.into(),
        }
    }

    pub fn success(identifier: u8) -> Repr {
        Repr {
            code: code::SUCCESS,
            identifier,
            method: None,
            data: Vec::new(),
        }
    }

    pub fn failure(identifier: u8) -> Repr {
        Repr {
            code: code::FAILURE,
            identifier,
            method: None,
            data: Vec::new(),
        }
    }

    pub fn parse<T: AsRef<[u8]>>(p: &Packet<T>) -> Result<Repr> {
        p.check_len()?;
        Ok(Repr {
            code: p.code(),
            identifier: p.identifier(),
            method: p.method(),
            data: p.data().to_vec(),
        })
    }

    /// Parses `b`, which must be exactly one EAP packet.
    pub fn from_bytes(b: &[u8]) -> Result<Repr> {
        let p = Packet::new_checked(b)?;
        let len = usize::from(p.length());
        if b.len() != len {
            return Err(Error::new(
                len,
                format!("{} octets after the EAP Length {len}", b.len() - len),
            ));
        }
        Repr::parse(&p)
    }

    pub fn buffer_len(&self) -> usize {
        4 + usize::from(self.method.is_some()) + self.data.len()
    }

    pub fn validate(&self) -> Result<()> {
        let rr = matches!(self.code, code::REQUEST | code::RESPONSE);
        if rr != self.method.is_some() {
            return Err(Error::new(
                4,
                format!(
                    "EAP code {} {} a Type",
                    self.code,
                    if rr { "needs" } else { "has no" }
                ),
            ));
        }
        if self.buffer_len() > usize::from(u16::MAX) {
            return Err(Error::new(2, "EAP packet over 65535 octets"));
        }
        Ok(())
    }

    /// Writes the packet into the first [`Repr::buffer_len`] octets of the view.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, p: &mut Packet<T>) -> Result<()> {
        self.validate()?;
        let len = self.buffer_len();
        let out = room_for(p.buffer.as_mut(), len, "EAP")?;
        out[0] = self.code;
        out[1] = self.identifier;
        out[2..4].copy_from_slice(&(len as u16).to_be_bytes());
        let data_at = match self.method {
            Some(m) => {
                out[4] = m;
                5
            }
            None => 4,
        };
        out[data_at..].copy_from_slice(&self.data);
        Ok(())
    }

    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut v = vec![0u8; self.buffer_len()];
        self.emit(&mut Packet::new_unchecked(&mut v[..]))?;
        Ok(v)
    }

    /// Short description as transcripts print it: `Response/Identity`, `Success`, …
    pub fn describe(&self) -> String {
        let c = code_name(self.code)
            .map(str::to_owned)
            .unwrap_or_else(|| format!("code {}", self.code));
        match self.method {
            Some(m) => format!(
                "{c}/{}",
                method_name(m)
                    .map(str::to_owned)
                    .unwrap_or_else(|| format!("type {m}"))
            ),
            None => c,
        }
    }

    /// The identity of a Response/Identity (or the displayable message of a
    /// Request/Identity).
    pub fn identity(&self) -> Option<&[u8]> {
        (self.method == Some(method::IDENTITY)).then_some(self.data.as_slice())
    }

    /// The MD5-Challenge Type-Data of a Request or Response of that type.
    pub fn md5_challenge(&self) -> Option<Result<Md5Challenge>> {
        (self.method == Some(method::MD5_CHALLENGE)).then(|| Md5Challenge::parse(&self.data))
    }
}

/// MD5-Challenge Type-Data (RFC 3748 §5.4, the CHAP format of RFC 1994 §4.1):
/// Value-Size(1) ‖ Value ‖ Name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Md5Challenge {
    /// The challenge (in a Request) or the 16-octet response hash (in a Response).
    pub value: Vec<u8>,
    pub name: Vec<u8>,
}

impl Md5Challenge {
    /// Parses Type-Data; `Err` offsets are within the Type-Data.
    pub fn parse(d: &[u8]) -> Result<Md5Challenge> {
        let Some((&size, rest)) = d.split_first() else {
            return Err(Error::new(0, "MD5-Challenge without Value-Size"));
        };
        let size = usize::from(size);
        if size == 0 {
            return Err(Error::new(0, "MD5-Challenge Value-Size 0"));
        }
        if size > rest.len() {
            return Err(Error::new(
                0,
                format!(
                    "MD5-Challenge Value-Size {size}, only {} octets follow",
                    rest.len()
                ),
            ));
        }
        Ok(Md5Challenge {
            value: rest[..size].to_vec(),
            name: rest[size..].to_vec(),
        })
    }

    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        if self.value.is_empty() || self.value.len() > 255 {
            return Err(Error::new(
                0,
                format!(
                    "MD5-Challenge value of {} octets (1..=255)",
                    self.value.len()
                ),
            ));
        }
        let mut v = vec![self.value.len() as u8];
        v.extend_from_slice(&self.value);
        v.extend_from_slice(&self.name);
        Ok(v)
    }
}

/// The MD5-Challenge response value: `MD5(Identifier ‖ secret ‖ challenge)` (RFC 3748 §5.4,
/// RFC 1994 §4.1), where Identifier is that of the Request (and of the Response).
pub fn md5_challenge_response(identifier: u8, secret: &[u8], challenge: &[u8]) -> [u8; 16] {
    let mut h = Md5::new();
    h.update([identifier]);
    h.update(secret);
    h.update(challenge);
    h.finalize().into()
}

/// The Response a peer sends to an MD5-Challenge Request with password `secret`.
pub fn answer_md5_challenge(request: &Repr, secret: &[u8], name: &[u8]) -> Result<Repr> {
    let ch = request
        .md5_challenge()
        .ok_or_else(|| Error::new(4, "not an MD5-Challenge"))?
        .map_err(|e| e.shifted(5))?;
    let value = md5_challenge_response(request.identifier, secret, &ch.value).to_vec();
    let data = Md5Challenge {
        value,
        name: name.to_vec(),
    }
    .to_bytes()?;
    Ok(Repr::response(
        request.identifier,
        method::MD5_CHALLENGE,
        data,
    ))
}
