//! IKEv2 payload bodies (RFC 7296 §3.3–§3.16, RFC 5026 §8.2, RFC 7383 for SKF).

use super::be16;
use super::registry::*;
use super::ts::Ts;
use crate::error::{Error, Result};
use std::net::{Ipv4Addr, Ipv6Addr};

/// Octets of `items` back to back.
pub(super) fn list_len<T>(items: &[T], len: impl Fn(&T) -> usize) -> usize {
    items.iter().map(len).sum()
}

/// Writes `items` back to back from the start of `out`, telling each whether it is the last
/// (SA proposals and transforms say so in their first octet, RFC 7296 §3.3.1).
pub(super) fn emit_list<T>(
    out: &mut [u8],
    items: &[T],
    len: impl Fn(&T) -> usize,
    emit: impl Fn(&T, &mut [u8], bool),
) {
    let mut at = 0;
    for (i, item) in items.iter().enumerate() {
        let l = len(item);
        emit(item, &mut out[at..at + l], i + 1 == items.len());
        at += l;
    }
}

pub(super) fn reserved3(b: &[u8]) -> [u8; 3] {
    [b[1], b[2], b[3]]
}

/// The body ID and AUTH payloads share: a type octet, three reserved octets, then the data.
fn parse_typed_data(b: &[u8], payload: &str) -> Result<(u8, [u8; 3], Vec<u8>)> {
    if b.len() < 4 {
        return Err(Error::new(b.len(), format!("truncated {payload} payload")));
    }
    Ok((b[0], reserved3(b), b[4..].to_vec()))
}

/// A payload body, by type. Unknown types keep their type number and raw body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PayloadBody {
    Sa(Sa),
    Ke(Ke),
    IdI(Id),
    IdR(Id),
    Cert(Cert),
    CertReq(Cert),
    Auth(Auth),
    /// Ni or Nr: the nonce value.
    Nonce(Vec<u8>),
    Notify(Notify),
    Delete(Delete),
    Vendor(Vec<u8>),
    TsI(Ts),
    TsR(Ts),
    Sk(Sk),
    Cp(Cp),
    Eap(Eap),
    Skf(Skf),
    Unknown {
        payload_type: u8,
        data: Vec<u8>,
    },
}

impl PayloadBody {
    /// Parses the body of a payload of type `ptype`; `next` is the Next Payload octet of its
    /// generic header (needed by SK/SKF, which keep it as their first inner type).
    pub fn parse(ptype: u8, next: u8, b: &[u8]) -> Result<PayloadBody> {
        use payload_type as t;
        Ok(match ptype {
            t::SA => PayloadBody::Sa(Sa::parse(b)?),
            t::KE => PayloadBody::Ke(Ke::parse(b)?),
            t::IDI => PayloadBody::IdI(Id::parse(b)?),
            t::IDR => PayloadBody::IdR(Id::parse(b)?),
            t::CERT => PayloadBody::Cert(Cert::parse(b)?),
            t::CERTREQ => PayloadBody::CertReq(Cert::parse(b)?),
            t::AUTH => PayloadBody::Auth(Auth::parse(b)?),
            t::NONCE => PayloadBody::Nonce(b.to_vec()),
            t::N => PayloadBody::Notify(Notify::parse(b)?),
            t::D => PayloadBody::Delete(Delete::parse(b)?),
            t::V => PayloadBody::Vendor(b.to_vec()),
            t::TSI => PayloadBody::TsI(Ts::parse(b)?),
            t::TSR => PayloadBody::TsR(Ts::parse(b)?),
            t::SK => PayloadBody::Sk(Sk {
                first_inner: next,
                data: b.to_vec(),
            }),
            t::CP => PayloadBody::Cp(Cp::parse(b)?),
            t::EAP => PayloadBody::Eap(Eap::parse(b)?),
            t::SKF => PayloadBody::Skf(Skf::parse(next, b)?),
            other => PayloadBody::Unknown {
                payload_type: other,
                data: b.to_vec(),
            },
        })
    }

    pub fn payload_type(&self) -> u8 {
        use payload_type as t;
        match self {
            PayloadBody::Sa(_) => t::SA,
            PayloadBody::Ke(_) => t::KE,
            PayloadBody::IdI(_) => t::IDI,
            PayloadBody::IdR(_) => t::IDR,
            PayloadBody::Cert(_) => t::CERT,
            PayloadBody::CertReq(_) => t::CERTREQ,
            PayloadBody::Auth(_) => t::AUTH,
            PayloadBody::Nonce(_) => t::NONCE,
            PayloadBody::Notify(_) => t::N,
            PayloadBody::Delete(_) => t::D,
            PayloadBody::Vendor(_) => t::V,
            PayloadBody::TsI(_) => t::TSI,
            PayloadBody::TsR(_) => t::TSR,
            PayloadBody::Sk(_) => t::SK,
            PayloadBody::Cp(_) => t::CP,
            PayloadBody::Eap(_) => t::EAP,
            PayloadBody::Skf(_) => t::SKF,
            PayloadBody::Unknown { payload_type, .. } => *payload_type,
        }
    }

    /// Body length (without the 4-octet generic header).
    pub fn body_len(&self) -> usize {
        match self {
            PayloadBody::Sa(x) => x.buffer_len(),
            PayloadBody::Ke(x) => x.buffer_len(),
            PayloadBody::IdI(x) | PayloadBody::IdR(x) => x.buffer_len(),
            PayloadBody::Cert(x) | PayloadBody::CertReq(x) => x.buffer_len(),
            PayloadBody::Auth(x) => x.buffer_len(),
            PayloadBody::Nonce(x) | PayloadBody::Vendor(x) => x.len(),
            PayloadBody::Notify(x) => x.buffer_len(),
            PayloadBody::Delete(x) => x.buffer_len(),
            PayloadBody::TsI(x) | PayloadBody::TsR(x) => x.buffer_len(),
            PayloadBody::Sk(x) => x.data.len(),
            PayloadBody::Cp(x) => x.buffer_len(),
            PayloadBody::Eap(x) => x.buffer_len(),
            PayloadBody::Skf(x) => 4 + x.data.len(),
            PayloadBody::Unknown { data, .. } => data.len(),
        }
    }

    /// Writes the body into `out` (exactly [`PayloadBody::body_len`] octets).
    pub fn emit_body(&self, out: &mut [u8]) {
        match self {
            PayloadBody::Sa(x) => x.emit(out),
            PayloadBody::Ke(x) => x.emit(out),
            PayloadBody::IdI(x) | PayloadBody::IdR(x) => x.emit(out),
            PayloadBody::Cert(x) | PayloadBody::CertReq(x) => x.emit(out),
            PayloadBody::Auth(x) => x.emit(out),
            PayloadBody::Nonce(x) | PayloadBody::Vendor(x) => out.copy_from_slice(x),
            PayloadBody::Notify(x) => x.emit(out),
            PayloadBody::Delete(x) => x.emit(out),
            PayloadBody::TsI(x) | PayloadBody::TsR(x) => x.emit(out),
            PayloadBody::Sk(x) => out.copy_from_slice(&x.data),
            PayloadBody::Cp(x) => x.emit(out),
            PayloadBody::Eap(x) => x.emit(out),
            PayloadBody::Skf(x) => {
                out[0..2].copy_from_slice(&x.fragment_number.to_be_bytes());
                out[2..4].copy_from_slice(&x.total_fragments.to_be_bytes());
                out[4..].copy_from_slice(&x.data);
            }
            PayloadBody::Unknown { data, .. } => out.copy_from_slice(data),
        }
    }

    /// The body alone as bytes (e.g. RestOfIDx for AUTH, §2.15).
    pub fn body_bytes(&self) -> Vec<u8> {
        let mut v = vec![0; self.body_len()];
        self.emit_body(&mut v);
        v
    }
}

// ---------------------------------------------------------------- SA

/// SA payload: proposals in order (RFC 7296 §3.3).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Sa {
    pub proposals: Vec<Proposal>,
}

/// A proposal substructure. Last Substruc, Proposal Length, SPI Size and Num Transforms are
/// derived on emit and checked on parse.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Proposal {
    /// Octet 1, reserved.
    pub reserved: u8,
    pub number: u8,
    pub protocol_id: u8,
    pub spi: Vec<u8>,
    pub transforms: Vec<Transform>,
}

/// A transform substructure.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Transform {
    /// Octet 1, reserved.
    pub reserved1: u8,
    pub transform_type: u8,
    /// Octet 5, reserved.
    pub reserved2: u8,
    pub transform_id: u16,
    pub attributes: Vec<Attribute>,
}

/// A transform attribute (RFC 7296 §3.3.5): TV (AF = 1) or TLV (AF = 0). `ty` is 15 bits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attribute {
    Tv { ty: u16, value: u16 },
    Tlv { ty: u16, value: Vec<u8> },
}

impl Attribute {
    pub fn key_length(bits: u16) -> Attribute {
        Attribute::Tv {
            ty: super::ATTR_KEY_LENGTH,
            value: bits,
        }
    }

    fn len(&self) -> usize {
        match self {
            Attribute::Tv { .. } => 4,
            Attribute::Tlv { value, .. } => 4 + value.len(),
        }
    }
}

impl Transform {
    pub fn new(transform_type: u8, transform_id: u16) -> Transform {
        Transform {
            transform_type,
            transform_id,
            ..Transform::default()
        }
    }

    pub fn with_key_length(mut self, bits: u16) -> Transform {
        self.attributes.push(Attribute::key_length(bits));
        self
    }

    /// The Key Length attribute value, in bits.
    pub fn key_length(&self) -> Option<u16> {
        self.attributes.iter().find_map(|a| match a {
            Attribute::Tv { ty, value } if *ty == super::ATTR_KEY_LENGTH => Some(*value),
            _ => None,
        })
    }

    fn buffer_len(&self) -> usize {
        8 + self.attributes.iter().map(Attribute::len).sum::<usize>()
    }

    fn parse(b: &[u8]) -> Result<Transform> {
        // b is the whole transform, already length-checked (>= 8).
        let mut attributes = Vec::new();
        let mut at = 8;
        while at < b.len() {
            let first = be16(b, at, "transform attribute")?;
            let ty = first & 0x7fff;
            if first & 0x8000 != 0 {
                let value = be16(b, at + 2, "transform attribute")?;
                attributes.push(Attribute::Tv { ty, value });
                at += 4;
            } else {
                let len = usize::from(be16(b, at + 2, "transform attribute")?);
                let value = b
                    .get(at + 4..at + 4 + len)
                    .ok_or_else(|| Error::new(at + 2, "attribute length exceeds transform"))?;
                attributes.push(Attribute::Tlv {
                    ty,
                    value: value.to_vec(),
                });
                at += 4 + len;
            }
        }
        Ok(Transform {
            reserved1: b[1],
            transform_type: b[4],
            reserved2: b[5],
            transform_id: u16::from_be_bytes([b[6], b[7]]),
            attributes,
        })
    }

    fn emit(&self, out: &mut [u8], last: bool) {
        out[0] = if last { 0 } else { 3 };
        out[1] = self.reserved1;
        out[2..4].copy_from_slice(&(self.buffer_len() as u16).to_be_bytes());
        out[4] = self.transform_type;
        out[5] = self.reserved2;
        out[6..8].copy_from_slice(&self.transform_id.to_be_bytes());
        let mut at = 8;
        for a in &self.attributes {
            match a {
                Attribute::Tv { ty, value } => {
                    out[at..at + 2].copy_from_slice(&(0x8000 | ty).to_be_bytes());
                    out[at + 2..at + 4].copy_from_slice(&value.to_be_bytes());
                }
                Attribute::Tlv { ty, value } => {
                    out[at..at + 2].copy_from_slice(&(ty & 0x7fff).to_be_bytes());
                    out[at + 2..at + 4].copy_from_slice(&(value.len() as u16).to_be_bytes());
                    out[at + 4..at + 4 + value.len()].copy_from_slice(value);
                }
            }
            at += a.len();
        }
    }
}

/// Walks a list of substructures `[last(1) | x(1) | len(2) | …]` where `more` marks that one
/// follows. Returns each one's slice and start offset.
fn substructs<'a>(b: &'a [u8], more: u8, min: usize, what: &str) -> Result<Vec<(usize, &'a [u8])>> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < b.len() {
        let last = b[at];
        let len = usize::from(be16(b, at + 2, what)?);
        if len < min {
            return Err(Error::new(at + 2, format!("{what} length below {min}")));
        }
        let s = b
            .get(at..at + len)
            .ok_or_else(|| Error::new(at + 2, format!("{what} length exceeds its container")))?;
        let end = at + len == b.len();
        match (last, end) {
            (0, true) => {}
            (0, false) => {
                return Err(Error::new(
                    at,
                    format!("{what} marked last but more follow"),
                ))
            }
            (m, false) if m == more => {}
            (m, true) if m == more => {
                return Err(Error::new(
                    at,
                    format!("{what} marked more but none follows"),
                ))
            }
            _ => {
                return Err(Error::new(
                    at,
                    format!("bad Last Substruc {last} in {what}"),
                ))
            }
        }
        out.push((at, s));
        at += len;
    }
    Ok(out)
}

impl Proposal {
    fn buffer_len(&self) -> usize {
        8 + self.spi.len() + list_len(&self.transforms, Transform::buffer_len)
    }

    fn parse(b: &[u8]) -> Result<Proposal> {
        let spi_size = usize::from(b[6]);
        let num = usize::from(b[7]);
        let spi = b
            .get(8..8 + spi_size)
            .ok_or_else(|| Error::new(6, "SPI size exceeds proposal"))?;
        let base = 8 + spi_size;
        let mut transforms = Vec::new();
        for (at, t) in substructs(&b[base..], 3, 8, "transform").map_err(|e| e.shifted(base))? {
            transforms.push(Transform::parse(t).map_err(|e| e.shifted(base + at))?);
        }
        if transforms.len() != num {
            return Err(Error::new(
                7,
                format!("proposal says {num} transforms, holds {}", transforms.len()),
            ));
        }
        Ok(Proposal {
            reserved: b[1],
            number: b[4],
            protocol_id: b[5],
            spi: spi.to_vec(),
            transforms,
        })
    }

    fn emit(&self, out: &mut [u8], last: bool) {
        out[0] = if last { 0 } else { 2 };
        out[1] = self.reserved;
        out[2..4].copy_from_slice(&(self.buffer_len() as u16).to_be_bytes());
        out[4] = self.number;
        out[5] = self.protocol_id;
        out[6] = self.spi.len() as u8;
        out[7] = self.transforms.len() as u8;
        out[8..8 + self.spi.len()].copy_from_slice(&self.spi);
        emit_list(
            &mut out[8 + self.spi.len()..],
            &self.transforms,
            Transform::buffer_len,
            Transform::emit,
        );
    }

    /// The first transform of a type.
    pub fn transform(&self, transform_type: u8) -> Option<&Transform> {
        self.transforms
            .iter()
            .find(|t| t.transform_type == transform_type)
    }
}

impl Sa {
    pub fn parse(b: &[u8]) -> Result<Sa> {
        let mut proposals = Vec::new();
        for (at, p) in substructs(b, 2, 8, "proposal")? {
            proposals.push(Proposal::parse(p).map_err(|e| e.shifted(at))?);
        }
        Ok(Sa { proposals })
    }

    pub fn buffer_len(&self) -> usize {
        list_len(&self.proposals, Proposal::buffer_len)
    }

    pub fn emit(&self, out: &mut [u8]) {
        emit_list(out, &self.proposals, Proposal::buffer_len, Proposal::emit);
    }
}

// ---------------------------------------------------------------- KE, ID, CERT, AUTH

/// Key Exchange payload (RFC 7296 §3.4).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Ke {
    pub group: u16,
    pub reserved: u16,
    pub data: Vec<u8>,
}

impl Ke {
    pub fn parse(b: &[u8]) -> Result<Ke> {
        Ok(Ke {
            group: be16(b, 0, "KE payload")?,
            reserved: be16(b, 2, "KE payload")?,
            data: b[4..].to_vec(),
        })
    }
    pub fn buffer_len(&self) -> usize {
        4 + self.data.len()
    }
    pub fn emit(&self, out: &mut [u8]) {
        out[0..2].copy_from_slice(&self.group.to_be_bytes());
        out[2..4].copy_from_slice(&self.reserved.to_be_bytes());
        out[4..].copy_from_slice(&self.data);
    }
}

/// Identification payload, IDi or IDr (RFC 7296 §3.5).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Id {
    pub id_type: u8,
    pub reserved: [u8; 3],
    pub data: Vec<u8>,
}

impl Id {
    pub fn new(id_type: u8, data: impl Into<Vec<u8>>) -> Id {
        Id {
            id_type,
            reserved: [0; 3],
            data: data.into(),
        }
    }
    pub fn fqdn(name: &str) -> Id {
        Id::new(id_type::FQDN, name.as_bytes())
    }
    pub fn rfc822(addr: &str) -> Id {
        Id::new(id_type::RFC822_ADDR, addr.as_bytes())
    }
    pub fn ipv6(a: Ipv6Addr) -> Id {
        Id::new(id_type::IPV6_ADDR, a.octets())
    }
    pub fn ipv4(a: Ipv4Addr) -> Id {
        Id::new(id_type::IPV4_ADDR, a.octets())
    }
    pub fn key_id(k: &[u8]) -> Id {
        Id::new(id_type::KEY_ID, k)
    }

    /// A readable form: text for FQDN/RFC 822 (hex if not printable ASCII), addresses, hex
    /// otherwise.
    pub fn display(&self) -> String {
        match (self.id_type, self.data.len()) {
            (id_type::FQDN | id_type::RFC822_ADDR, _)
                if self.data.iter().all(|c| c.is_ascii_graphic()) =>
            {
                String::from_utf8_lossy(&self.data).into_owned()
            }
            (id_type::IPV6_ADDR, 16) => {
                let mut o = [0u8; 16];
                o.copy_from_slice(&self.data);
                Ipv6Addr::from(o).to_string()
            }
            (id_type::IPV4_ADDR, 4) => {
                Ipv4Addr::new(self.data[0], self.data[1], self.data[2], self.data[3]).to_string()
            }
            _ => hex(&self.data),
        }
    }

    pub fn parse(b: &[u8]) -> Result<Id> {
        let (id_type, reserved, data) = parse_typed_data(b, "ID")?;
        Ok(Id {
            id_type,
            reserved,
            data,
        })
    }
    pub fn buffer_len(&self) -> usize {
        4 + self.data.len()
    }
    pub fn emit(&self, out: &mut [u8]) {
        out[0] = self.id_type;
        out[1..4].copy_from_slice(&self.reserved);
        out[4..].copy_from_slice(&self.data);
    }
}

/// Lower-case hex of some octets.
pub fn hex(b: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(b.len() * 2);
    for x in b {
        let _ = write!(s, "{x:02x}");
    }
    s
}

/// CERT and CERTREQ payloads (RFC 7296 §3.6, §3.7): encoding and raw data.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Cert {
    pub encoding: u8,
    pub data: Vec<u8>,
}

impl Cert {
    pub fn parse(b: &[u8]) -> Result<Cert> {
        let (&encoding, data) = b
            .split_first()
            .ok_or_else(|| Error::new(0, "truncated CERT payload"))?;
        Ok(Cert {
            encoding,
            data: data.to_vec(),
        })
    }
    pub fn buffer_len(&self) -> usize {
        1 + self.data.len()
    }
    pub fn emit(&self, out: &mut [u8]) {
        out[0] = self.encoding;
        out[1..].copy_from_slice(&self.data);
    }
}

/// Authentication payload (RFC 7296 §3.8).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Auth {
    pub method: u8,
    pub reserved: [u8; 3],
    pub data: Vec<u8>,
}

impl Auth {
    pub fn new(method: u8, data: impl Into<Vec<u8>>) -> Auth {
        Auth {
            method,
            reserved: [0; 3],
            data: data.into(),
        }
    }
    pub fn parse(b: &[u8]) -> Result<Auth> {
        let (method, reserved, data) = parse_typed_data(b, "AUTH")?;
        Ok(Auth {
            method,
            reserved,
            data,
        })
    }
    pub fn buffer_len(&self) -> usize {
        4 + self.data.len()
    }
    pub fn emit(&self, out: &mut [u8]) {
        out[0] = self.method;
        out[1..4].copy_from_slice(&self.reserved);
        out[4..].copy_from_slice(&self.data);
    }
}

// ---------------------------------------------------------------- N, D

/// Notify payload (RFC 7296 §3.10). SPI Size is derived from `spi`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Notify {
    pub protocol_id: u8,
    pub spi: Vec<u8>,
    pub notify_type: u16,
    pub data: Vec<u8>,
}

impl Notify {
    /// A notify about the IKE SA (protocol 0, no SPI).
    pub fn new(notify_type: u16, data: impl Into<Vec<u8>>) -> Notify {
        Notify {
            protocol_id: 0,
            spi: Vec::new(),
            notify_type,
            data: data.into(),
        }
    }
    pub fn name(&self) -> Option<&'static str> {
        notify_name(self.notify_type)
    }
    /// Types below 16384 report errors (§3.10.1).
    pub fn is_error(&self) -> bool {
        self.notify_type < 16384
    }
    pub fn parse(b: &[u8]) -> Result<Notify> {
        if b.len() < 4 {
            return Err(Error::new(b.len(), "truncated Notify payload"));
        }
        let spi_size = usize::from(b[1]);
        let spi = b
            .get(4..4 + spi_size)
            .ok_or_else(|| Error::new(1, "SPI size exceeds Notify payload"))?;
        Ok(Notify {
            protocol_id: b[0],
            spi: spi.to_vec(),
            notify_type: u16::from_be_bytes([b[2], b[3]]),
            data: b[4 + spi_size..].to_vec(),
        })
    }
    pub fn buffer_len(&self) -> usize {
        4 + self.spi.len() + self.data.len()
    }
    pub fn emit(&self, out: &mut [u8]) {
        out[0] = self.protocol_id;
        out[1] = self.spi.len() as u8;
        out[2..4].copy_from_slice(&self.notify_type.to_be_bytes());
        out[4..4 + self.spi.len()].copy_from_slice(&self.spi);
        out[4 + self.spi.len()..].copy_from_slice(&self.data);
    }
}

/// Delete payload (RFC 7296 §3.11). The SPIs are kept as one run of `num_spis × spi_size`
/// octets, so a zero SPI size with a non-zero count still round-trips.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Delete {
    pub protocol_id: u8,
    pub spi_size: u8,
    pub num_spis: u16,
    pub spis: Vec<u8>,
}

impl Delete {
    pub fn parse(b: &[u8]) -> Result<Delete> {
        if b.len() < 4 {
            return Err(Error::new(b.len(), "truncated Delete payload"));
        }
        let num_spis = u16::from_be_bytes([b[2], b[3]]);
        let want = usize::from(b[1]) * usize::from(num_spis);
        if b.len() - 4 != want {
            return Err(Error::new(
                2,
                format!(
                    "Delete holds {} SPI octets, header says {want}",
                    b.len() - 4
                ),
            ));
        }
        Ok(Delete {
            protocol_id: b[0],
            spi_size: b[1],
            num_spis,
            spis: b[4..].to_vec(),
        })
    }
    pub fn buffer_len(&self) -> usize {
        4 + self.spis.len()
    }
    pub fn emit(&self, out: &mut [u8]) {
        out[0] = self.protocol_id;
        out[1] = self.spi_size;
        out[2..4].copy_from_slice(&self.num_spis.to_be_bytes());
        out[4..].copy_from_slice(&self.spis);
    }
    /// The SPIs one by one (none if the SPI size is 0).
    pub fn spi_list(&self) -> Vec<&[u8]> {
        if self.spi_size == 0 {
            return Vec::new();
        }
        self.spis.chunks(usize::from(self.spi_size)).collect()
    }
}

// ---------------------------------------------------------------- CP

/// Configuration payload (RFC 7296 §3.15).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Cp {
    pub cfg_type: u8,
    pub reserved: [u8; 3],
    pub attributes: Vec<CpAttribute>,
}

/// A configuration attribute. The value is kept raw (so any length round-trips); typed
/// constructors and accessors decode the ones a MIPv6 bootstrap uses.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CpAttribute {
    /// The reserved top bit of the type field (MUST be 0 on send, ignored on receipt).
    pub r: bool,
    /// 15-bit attribute type.
    pub attr_type: u16,
    pub value: Vec<u8>,
}

/// The MIP6_HOME_PREFIX value of a CFG_REPLY (RFC 5026 §8.2): 21 octets, in the order
/// lifetime, prefix, prefix length. The RFC does not name the lifetime's unit (UNCONFIRMED;
/// seconds is the likely reading), so it is kept as a plain number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HomePrefix {
    pub lifetime: u32,
    pub prefix: Ipv6Addr,
    pub prefix_len: u8,
}

impl CpAttribute {
    pub fn new(attr_type: u16, value: impl Into<Vec<u8>>) -> CpAttribute {
        CpAttribute {
            r: false,
            attr_type,
            value: value.into(),
        }
    }

    /// A zero-length attribute, as in a CFG_REQUEST.
    pub fn request(attr_type: u16) -> CpAttribute {
        CpAttribute::new(attr_type, Vec::new())
    }

    /// INTERNAL_IP6_ADDRESS with a value: 16-octet address + 1-octet prefix length.
    pub fn internal_ip6_address(addr: Ipv6Addr, prefix_len: u8) -> CpAttribute {
        let mut v = addr.octets().to_vec();
        v.push(prefix_len);
        CpAttribute::new(cp_attr::INTERNAL_IP6_ADDRESS, v)
    }

    pub fn internal_ip6_dns(addr: Ipv6Addr) -> CpAttribute {
        CpAttribute::new(cp_attr::INTERNAL_IP6_DNS, addr.octets())
    }

    /// MIP6_HOME_PREFIX with its 21-octet value (RFC 5026 §8.2).
    pub fn mip6_home_prefix(p: HomePrefix) -> CpAttribute {
        let mut v = p.lifetime.to_be_bytes().to_vec();
        v.extend_from_slice(&p.prefix.octets());
        v.push(p.prefix_len);
        CpAttribute::new(cp_attr::MIP6_HOME_PREFIX, v)
    }

    pub fn name(&self) -> Option<&'static str> {
        cp_attr_name(self.attr_type)
    }

    /// Address and prefix length of a 17-octet INTERNAL_IP6_ADDRESS / _SUBNET / _PREFIX value.
    pub fn as_ip6_prefix(&self) -> Option<(Ipv6Addr, u8)> {
        if self.value.len() != 17 {
            return None;
        }
        let mut o = [0u8; 16];
        o.copy_from_slice(&self.value[..16]);
        Some((o.into(), self.value[16]))
    }

    /// A 16-octet address value (INTERNAL_IP6_DNS, INTERNAL_IP6_DHCP).
    pub fn as_ip6(&self) -> Option<Ipv6Addr> {
        let o: [u8; 16] = self.value.as_slice().try_into().ok()?;
        Some(o.into())
    }

    /// A 4-octet IPv4 value.
    pub fn as_ip4(&self) -> Option<Ipv4Addr> {
        let o: [u8; 4] = self.value.as_slice().try_into().ok()?;
        Some(o.into())
    }

    /// The MIP6_HOME_PREFIX value, if it is 21 octets.
    pub fn as_home_prefix(&self) -> Option<HomePrefix> {
        if self.value.len() != 21 {
            return None;
        }
        let mut o = [0u8; 16];
        o.copy_from_slice(&self.value[4..20]);
        Some(HomePrefix {
            lifetime: u32::from_be_bytes([
                self.value[0],
                self.value[1],
                self.value[2],
                self.value[3],
            ]),
            prefix: o.into(),
            prefix_len: self.value[20],
        })
    }

    fn buffer_len(&self) -> usize {
        4 + self.value.len()
    }

    fn emit(&self, out: &mut [u8]) {
        let t = (self.attr_type & 0x7fff) | if self.r { 0x8000 } else { 0 };
        out[..2].copy_from_slice(&t.to_be_bytes());
        out[2..4].copy_from_slice(&(self.value.len() as u16).to_be_bytes());
        out[4..].copy_from_slice(&self.value);
    }
}

impl Cp {
    pub fn new(cfg_type: u8, attributes: Vec<CpAttribute>) -> Cp {
        Cp {
            cfg_type,
            reserved: [0; 3],
            attributes,
        }
    }

    pub fn parse(b: &[u8]) -> Result<Cp> {
        if b.len() < 4 {
            return Err(Error::new(b.len(), "truncated CP payload"));
        }
        let mut attributes = Vec::new();
        let mut at = 4;
        while at < b.len() {
            let t = be16(b, at, "configuration attribute")?;
            let len = usize::from(be16(b, at + 2, "configuration attribute")?);
            let value = b
                .get(at + 4..at + 4 + len)
                .ok_or_else(|| Error::new(at + 2, "attribute length exceeds CP payload"))?;
            attributes.push(CpAttribute {
                r: t & 0x8000 != 0,
                attr_type: t & 0x7fff,
                value: value.to_vec(),
            });
            at += 4 + len;
        }
        Ok(Cp {
            cfg_type: b[0],
            reserved: reserved3(b),
            attributes,
        })
    }

    pub fn buffer_len(&self) -> usize {
        4 + list_len(&self.attributes, CpAttribute::buffer_len)
    }

    pub fn emit(&self, out: &mut [u8]) {
        out[0] = self.cfg_type;
        out[1..4].copy_from_slice(&self.reserved);
        emit_list(
            &mut out[4..],
            &self.attributes,
            CpAttribute::buffer_len,
            |a, o, _| a.emit(o),
        );
    }

    /// The first attribute of a type.
    pub fn attribute(&self, attr_type: u16) -> Option<&CpAttribute> {
        self.attributes.iter().find(|a| a.attr_type == attr_type)
    }
}

// ---------------------------------------------------------------- EAP, SK, SKF

/// EAP payload (RFC 7296 §3.16): one EAP message (RFC 3748). Its Length field is derived and
/// must equal the payload body length on parse.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Eap {
    pub code: u8,
    pub identifier: u8,
    /// Everything after the 4-octet EAP header: Type and Type-Data for Request/Response.
    pub data: Vec<u8>,
}

impl Eap {
    /// The EAP method type of a Request (1) or Response (2).
    pub fn eap_type(&self) -> Option<u8> {
        match self.code {
            1 | 2 => self.data.first().copied(),
            _ => None,
        }
    }
    pub fn parse(b: &[u8]) -> Result<Eap> {
        let len = usize::from(be16(b, 2, "EAP message")?);
        if len != b.len() {
            return Err(Error::new(
                2,
                format!("EAP length {len} does not match the {} octets", b.len()),
            ));
        }
        Ok(Eap {
            code: b[0],
            identifier: b[1],
            data: b[4..].to_vec(),
        })
    }
    pub fn buffer_len(&self) -> usize {
        4 + self.data.len()
    }
    pub fn emit(&self, out: &mut [u8]) {
        out[0] = self.code;
        out[1] = self.identifier;
        out[2..4].copy_from_slice(&(self.buffer_len() as u16).to_be_bytes());
        out[4..].copy_from_slice(&self.data);
    }
}

/// Encrypted and authenticated payload (RFC 7296 §3.14), still sealed: `data` is
/// IV ‖ ciphertext ‖ ICV. [`super::sk`] opens and seals it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Sk {
    /// The generic header's Next Payload: the type of the first inner payload.
    pub first_inner: u8,
    pub data: Vec<u8>,
}

/// Encrypted fragment payload (RFC 7383 §2.5), sealed. Reassembly is not implemented.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Skf {
    /// Type of the first inner payload (non-zero only in fragment 1).
    pub first_inner: u8,
    pub fragment_number: u16,
    pub total_fragments: u16,
    /// IV ‖ ciphertext ‖ ICV.
    pub data: Vec<u8>,
}

impl Skf {
    fn parse(next: u8, b: &[u8]) -> Result<Skf> {
        Ok(Skf {
            first_inner: next,
            fragment_number: be16(b, 0, "SKF payload")?,
            total_fragments: be16(b, 2, "SKF payload")?,
            data: b[4..].to_vec(),
        })
    }
}
