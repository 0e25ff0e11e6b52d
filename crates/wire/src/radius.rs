//! RADIUS (RFC 2865): a checked view ([`Packet`]) and an owned [`Repr`], plus the
//! authenticators and attribute ciphers a NAS needs.
//!
//! Layout: Code(1) ‖ Identifier(1) ‖ Length(2, 20..=4096) ‖ Authenticator(16) ‖ attributes,
//! each attribute `Type(1) ‖ Length(1, whole attribute, 2..=255) ‖ Value`.
//!
//! Attributes stay raw ([`Attribute`]: type and value octets) so that any packet that parses
//! emits the very same octets; [`Attribute::decode`] gives the typed [`Value`] of the ones this
//! lab names (text, integers, addresses, IPv6 prefixes, Vendor-Specific with its
//! sub-attributes) and [`Attribute::typed`] builds one from a [`Value`]. The names and types
//! are one registry per attribute space (`dictionary.rs`): the standard space, with the
//! attributes that carry home-agent assignment (RFC 5447's 124/125, RFC 6572's 145–162,
//! RFC 6911's 168–172), and the Microsoft, WiMAX and 3GPP2 vendor spaces (`vsa.rs`: WiMAX's
//! `type ‖ length ‖ continuation` sub-attributes). [`HaAssignment`] reads and writes the lab's
//! profile of them (`fixtures/requirements/radius-ha-assignment.md`).
//!
//! Crypto (MD5 and HMAC-MD5, as RFC 2865/2866/3579/2548 define them):
//! - Response Authenticator `MD5(Code‖ID‖Length‖RequestAuth‖Attributes‖Secret)`
//!   ([`response_authenticator`], [`verify_response_authenticator`]);
//! - Accounting-Request authenticator with 16 zero octets in place
//!   ([`accounting_request_authenticator`], [`Repr::sign_accounting_request`],
//!   [`verify_accounting_request`]);
//! - Message-Authenticator (RFC 3579 §3.2) HMAC-MD5 keyed with the secret over the packet with
//!   the attribute's value zeroed and, in a reply, the Request Authenticator in the
//!   authenticator field ([`message_authenticator`], [`Repr::sign_request`],
//!   [`Repr::sign_response`], [`verify_message_authenticator`]);
//! - User-Password hiding (RFC 2865 §5.2: [`hide_password`], [`unhide_password`]) and the CHAP
//!   Response of a CHAP-Password (RFC 2865 §5.3: [`chap_response`]);
//! - MS-MPPE-Send/Recv-Key (RFC 2548 §2.4.2–2.4.3, salt-based: [`decrypt_mppe_key`],
//!   [`encrypt_mppe_key`]) and the MSK they carry ([`msk_from_mppe`]).
//!
//! Attribute values of at most 253 octets; EAP-Message splits a longer EAP packet across
//! consecutive attributes ([`eap_message_attributes`], [`Repr::eap_message`]).

use crate::names::registry;
use crate::tlv::{Format, TlvError};
use crate::view::{buffer_view, require_len, room_for, view_fields};
use crate::{Error, Result};
use hmac::{Hmac, Mac};
use md5::{Digest, Md5};
use std::net::Ipv6Addr;

mod dictionary;
mod ha_profile;
mod vsa;

pub use dictionary::{
    attr, attr_info, decode_value, feature, feature_flags, feature_name, gpp2, gpp2_attr_info, ms,
    ms_attr_info, vendor, vendor_attr_info, vendor_name, wimax, wimax_attr_info,
    wimax_ip_technology, wimax_ip_technology_name, AttrType, Value,
};
pub use ha_profile::HaAssignment;
pub use vsa::{joined_vendor_value, VendorAttribute, VendorSpecific, WIMAX_CONTINUED};

/// Smallest and largest packet (RFC 2865 §3).
pub const MIN_LEN: usize = 20;
pub const MAX_LEN: usize = 4096;
/// Largest attribute value (the Length octet counts the 2 header octets).
pub const MAX_VALUE_LEN: usize = 253;
/// Authentication and accounting ports (RFC 2865 §3, RFC 2866 §3); dynamic authorization
/// (RFC 5176 §3).
pub const AUTH_PORT: u16 = 1812;
pub const ACCT_PORT: u16 = 1813;
pub const DYNAUTH_PORT: u16 = 3799;

registry! {
    /// Packet codes (RFC 2865 §3, RFC 2866 §4, RFC 5176 §2.3).
    pub mod code: u8;
    /// The RFC name of a packet code (`Access-Request`, …); `None` for codes not listed.
    pub fn code_name;
    ACCESS_REQUEST = 1 => "Access-Request",
    ACCESS_ACCEPT = 2 => "Access-Accept",
    ACCESS_REJECT = 3 => "Access-Reject",
    ACCOUNTING_REQUEST = 4 => "Accounting-Request",
    ACCOUNTING_RESPONSE = 5 => "Accounting-Response",
    ACCESS_CHALLENGE = 11 => "Access-Challenge",
    STATUS_SERVER = 12 => "Status-Server",
    STATUS_CLIENT = 13 => "Status-Client",
    DISCONNECT_REQUEST = 40 => "Disconnect-Request",
    DISCONNECT_ACK = 41 => "Disconnect-ACK",
    DISCONNECT_NAK = 42 => "Disconnect-NAK",
    COA_REQUEST = 43 => "CoA-Request",
    COA_ACK = 44 => "CoA-ACK",
    COA_NAK = 45 => "CoA-NAK",
}

/// Whether a code is a reply, whose authenticator is computed over the request's.
pub fn is_response(c: u8) -> bool {
    use code::*;
    matches!(
        c,
        ACCESS_ACCEPT
            | ACCESS_REJECT
            | ACCOUNTING_RESPONSE
            | ACCESS_CHALLENGE
            | DISCONNECT_ACK
            | DISCONNECT_NAK
            | COA_ACK
            | COA_NAK
    )
}

/// The RFC name of an attribute type.
pub fn attr_name(t: u8) -> Option<&'static str> {
    attr_info(t).map(|(n, _)| n)
}

/// Service-Type values used here (RFC 2865 §5.6).
pub mod service_type {
    pub const LOGIN: u32 = 1;
    pub const FRAMED: u32 = 2;
    pub const AUTHENTICATE_ONLY: u32 = 8;
}

registry! {
    /// Acct-Status-Type values (RFC 2866 §5.1).
    pub mod acct_status: u32;
    /// The RFC name of an Acct-Status-Type value; `None` for values not listed.
    pub fn acct_status_name;
    START = 1 => "Start",
    STOP = 2 => "Stop",
    INTERIM_UPDATE = 3 => "Interim-Update",
    ACCOUNTING_ON = 7 => "Accounting-On",
    ACCOUNTING_OFF = 8 => "Accounting-Off",
}

/// Microsoft's SMI number and its MPPE key vendor types (RFC 2548 §2.4.2, §2.4.3).
pub const VENDOR_MICROSOFT: u32 = vendor::MICROSOFT;
pub const MS_MPPE_SEND_KEY: u8 = ms::MPPE_SEND_KEY;
pub const MS_MPPE_RECV_KEY: u8 = ms::MPPE_RECV_KEY;

mod field {
    use core::ops::Range;
    pub const CODE: usize = 0;
    pub const IDENTIFIER: usize = 1;
    pub const LENGTH: Range<usize> = 2..4;
    pub const AUTHENTICATOR: Range<usize> = 4..20;
    pub const ATTRIBUTES: usize = 20;
}

buffer_view! {
    /// A read/write view of a RADIUS packet at the start of a buffer. Octets after Length are
    /// padding (RFC 2865 §3) and ignored. Use [`Packet::new_checked`] before the accessors.
    #[derive(Debug, Clone, PartialEq, Eq)]
    Packet, checked by check_len
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// The buffer holds the 20-octet header and all that Length announces, which is
    /// 20..=4096.
    pub fn check_len(&self) -> Result<()> {
        let b = self.buffer.as_ref();
        require_len(b, MIN_LEN, |n| {
            format!("RADIUS truncated: {n} octets, at least 20 needed")
        })?;
        let len = self.length() as usize;
        if !(MIN_LEN..=MAX_LEN).contains(&len) {
            return Err(Error::new(
                field::LENGTH.start,
                format!("Length {len} outside 20..=4096"),
            ));
        }
        if b.len() < len {
            return Err(Error::new(
                field::LENGTH.start,
                format!("Length {len} announced, only {} octets present", b.len()),
            ));
        }
        Ok(())
    }

    pub fn authenticator(&self) -> [u8; 16] {
        let mut a = [0u8; 16];
        a.copy_from_slice(&self.buffer.as_ref()[field::AUTHENTICATOR]);
        a
    }

    /// The attribute octets (offset 20 up to Length).
    pub fn attributes(&self) -> &[u8] {
        &self.buffer.as_ref()[field::ATTRIBUTES..self.length() as usize]
    }

    /// The packet without padding (the first Length octets).
    pub fn as_bytes(&self) -> &[u8] {
        &self.buffer.as_ref()[..self.length() as usize]
    }
}

view_fields!(Packet {
    code, set_code: u8 = field::CODE;
    identifier, set_identifier: u8 = field::IDENTIFIER;
    length, set_length: u16 = field::LENGTH;
});

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    pub fn set_authenticator(&mut self, a: &[u8; 16]) {
        self.buffer.as_mut()[field::AUTHENTICATOR].copy_from_slice(a);
    }
}

/// One attribute, raw: its type and value octets (0..=253 of them).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Attribute {
    pub kind: u8,
    pub value: Vec<u8>,
}

impl Attribute {
    pub fn new(kind: u8, value: impl Into<Vec<u8>>) -> Attribute {
        Attribute {
            kind,
            value: value.into(),
        }
    }

    pub fn text(kind: u8, s: &str) -> Attribute {
        Attribute::new(kind, s.as_bytes())
    }

    pub fn integer(kind: u8, v: u32) -> Attribute {
        Attribute::new(kind, v.to_be_bytes())
    }

    pub fn ipv6(kind: u8, a: Ipv6Addr) -> Attribute {
        Attribute::new(kind, a.octets())
    }

    /// Framed-IPv6-Prefix style value: reserved 0, length, the prefix octets the length needs.
    pub fn ipv6_prefix(kind: u8, prefix: Ipv6Addr, len: u8) -> Attribute {
        let n = usize::from(len.min(128)).div_ceil(8);
        let mut v = vec![0, len];
        v.extend_from_slice(&prefix.octets()[..n]);
        Attribute::new(kind, v)
    }

    /// A Vendor-Specific attribute with one sub-attribute.
    /// In the vendor's format: WiMAX's has a continuation octet (here 0) after the length.
    pub fn vendor(vendor_id: u32, vendor_type: u8, value: &[u8]) -> Attribute {
        let continuation = VendorAttribute::new(vendor_id, vendor_type, []).continuation;
        let header = 2 + usize::from(continuation.is_some());
        let mut v = vendor_id.to_be_bytes().to_vec();
        v.push(vendor_type);
        v.push((value.len() + header).min(255) as u8);
        v.extend(continuation);
        v.extend_from_slice(value);
        Attribute::new(attr::VENDOR_SPECIFIC, v)
    }

    pub fn name(&self) -> Option<&'static str> {
        attr_name(self.kind)
    }

    /// Octets on the wire.
    pub fn wire_len(&self) -> usize {
        2 + self.value.len()
    }

    /// Reads the value by its type's data type (octets for unknown types). `Err` (offset
    /// within the value) when the value does not have that type's form.
    pub fn decode(&self) -> Result<Value> {
        let ty = attr_info(self.kind).map_or(AttrType::Octets, |(_, t)| t);
        decode_value(ty, &self.display_name(), &self.value)
    }

    /// The attribute of type `kind` whose value reads as `value`. `Err` (offset within the
    /// value) when `value` is not of `kind`'s type, cannot be emitted (see
    /// [`Value::to_bytes`]) or needs more than 253 octets.
    pub fn typed(kind: u8, value: &Value) -> Result<Attribute> {
        let a = Attribute::new(kind, value.to_bytes()?);
        if a.value.len() > MAX_VALUE_LEN {
            return Err(Error::new(
                0,
                format!(
                    "{} value of {} octets (at most 253)",
                    a.display_name(),
                    a.value.len()
                ),
            ));
        }
        match a.decode() {
            Ok(back) if back == *value => Ok(a),
            _ => Err(Error::new(
                0,
                format!("{value:?} is not a {} value", a.display_name()),
            )),
        }
    }

    /// The name, or `Attr-N` for an unlisted type.
    pub fn display_name(&self) -> String {
        self.name()
            .map(str::to_owned)
            .unwrap_or_else(|| format!("Attr-{}", self.kind))
    }

    /// Vendor-Specific: Vendor-Id and sub-attributes. `Err` if this is not type 26 or the
    /// value is shorter than the Vendor-Id.
    pub fn vendor_specific(&self) -> Result<VendorSpecific> {
        if self.kind != attr::VENDOR_SPECIFIC {
            return Err(Error::new(
                0,
                format!("attribute {} is not Vendor-Specific", self.kind),
            ));
        }
        VendorSpecific::parse(&self.value)
    }
}

/// Parses the attribute octets of a packet; `base` is their offset in the packet (20), so
/// errors name packet offsets.
pub fn parse_attributes(b: &[u8], base: usize) -> Result<Vec<Attribute>> {
    Format::RADIUS_ATTRIBUTES
        .items(b, base)
        .map(|item| {
            let item = item.map_err(attribute_list_error)?;
            Ok(Attribute::new(item.kind as u8, item.value))
        })
        .collect()
}

/// Words a malformed attribute list as the RADIUS codec always has (transcripts print these).
fn attribute_list_error(e: TlvError) -> Error {
    match e {
        TlvError::HeaderTruncated { offset, left, .. } => Error::new(
            offset,
            format!("attribute header truncated ({left} octet left)"),
        ),
        TlvError::LengthTooSmall {
            offset,
            kind,
            length,
        } => Error::new(
            offset,
            format!("attribute {kind} with Length {length} (at least 2)"),
        ),
        TlvError::Overrun {
            offset,
            kind,
            length,
            left,
        } => Error::new(
            offset,
            format!("attribute {kind} Length {length} runs past the packet ({left} octets left)"),
        ),
    }
}

/// An owned RADIUS packet.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Repr {
    pub code: u8,
    pub identifier: u8,
    pub authenticator: [u8; 16],
    /// In wire order, raw.
    pub attributes: Vec<Attribute>,
}

impl Repr {
    pub fn new(code: u8, identifier: u8, authenticator: [u8; 16]) -> Repr {
        Repr {
            code,
            identifier,
            authenticator,
            attributes: Vec::new(),
        }
    }

    /// Parses the packet in a checked view (its first Length octets; padding ignored).
    pub fn parse<T: AsRef<[u8]>>(p: &Packet<T>) -> Result<Repr> {
        p.check_len()?;
        Ok(Repr {
            code: p.code(),
            identifier: p.identifier(),
            authenticator: p.authenticator(),
            attributes: parse_attributes(p.attributes(), field::ATTRIBUTES)?,
        })
    }

    /// Parses `b`, which must hold exactly one packet (no padding after Length).
    pub fn from_bytes(b: &[u8]) -> Result<Repr> {
        let p = Packet::new_checked(b)?;
        let len = p.length() as usize;
        if b.len() != len {
            return Err(Error::new(
                len,
                format!("{} octets after the packet's Length {len}", b.len() - len),
            ));
        }
        Repr::parse(&p)
    }

    pub fn buffer_len(&self) -> usize {
        MIN_LEN
            + self
                .attributes
                .iter()
                .map(Attribute::wire_len)
                .sum::<usize>()
    }

    /// Checks that the packet can be emitted: values of at most 253 octets, at most 4096 in all.
    pub fn validate(&self) -> Result<()> {
        let mut off = field::ATTRIBUTES;
        for a in &self.attributes {
            if a.value.len() > MAX_VALUE_LEN {
                return Err(Error::new(
                    off + 1,
                    format!(
                        "{} value of {} octets (at most 253)",
                        a.display_name(),
                        a.value.len()
                    ),
                ));
            }
            off += a.wire_len();
        }
        if off > MAX_LEN {
            return Err(Error::new(
                field::LENGTH.start,
                format!("packet of {off} octets (at most 4096)"),
            ));
        }
        Ok(())
    }

    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, p: &mut Packet<T>) -> Result<()> {
        self.validate()?;
        let len = self.buffer_len();
        let out = room_for(p.buffer.as_mut(), len, "RADIUS")?;
        out[field::CODE] = self.code;
        out[field::IDENTIFIER] = self.identifier;
        out[field::LENGTH].copy_from_slice(&(len as u16).to_be_bytes());
        out[field::AUTHENTICATOR].copy_from_slice(&self.authenticator);
        let mut off = field::ATTRIBUTES;
        for a in &self.attributes {
            off += Format::RADIUS_ATTRIBUTES
                .emit(u16::from(a.kind), &a.value, &mut out[off..])
                .map_err(|e| e.shifted(off))?;
        }
        Ok(())
    }

    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut v = vec![0u8; self.buffer_len()];
        self.emit(&mut Packet::new_unchecked(&mut v[..]))?;
        Ok(v)
    }

    pub fn code_name(&self) -> Option<&'static str> {
        code_name(self.code)
    }

    pub fn push(&mut self, a: Attribute) -> &mut Repr {
        self.attributes.push(a);
        self
    }

    /// The first attribute of a type.
    pub fn attribute(&self, kind: u8) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.kind == kind)
    }

    /// The value of the first attribute of a type.
    pub fn value(&self, kind: u8) -> Option<&[u8]> {
        self.attribute(kind).map(|a| a.value.as_slice())
    }

    /// All Vendor-Specific attributes that parse, in order.
    pub fn vendor_specifics(&self) -> impl Iterator<Item = VendorSpecific> + '_ {
        self.attributes
            .iter()
            .filter(|a| a.kind == attr::VENDOR_SPECIFIC)
            .filter_map(|a| a.vendor_specific().ok())
    }

    /// The first sub-attribute `vendor_type` of vendor `vendor_id`; WiMAX values continued
    /// over several sub-attributes come joined.
    pub fn vendor_attribute(&self, vendor_id: u32, vendor_type: u8) -> Option<Vec<u8>> {
        let vsas: Vec<VendorSpecific> = self.vendor_specifics().collect();
        joined_vendor_value(&vsas, vendor_id, vendor_type)
    }

    /// The EAP packet carried in the EAP-Message attributes, joined in order (RFC 3579
    /// §3.1); `None` if there is none.
    pub fn eap_message(&self) -> Option<Vec<u8>> {
        let mut it = self
            .attributes
            .iter()
            .filter(|a| a.kind == attr::EAP_MESSAGE)
            .peekable();
        it.peek()?;
        Some(it.flat_map(|a| a.value.iter().copied()).collect())
    }

    /// Appends EAP-Message attributes carrying `eap`.
    pub fn push_eap_message(&mut self, eap: &[u8]) -> &mut Repr {
        self.attributes.extend(eap_message_attributes(eap));
        self
    }

    /// Offset in the emitted packet of the first Message-Authenticator's value.
    fn message_authenticator_offset(&self) -> Option<usize> {
        let mut off = field::ATTRIBUTES;
        for a in &self.attributes {
            if a.kind == attr::MESSAGE_AUTHENTICATOR {
                return Some(off + 2);
            }
            off += a.wire_len();
        }
        None
    }

    /// Fills the Message-Authenticator (appending one if absent) of a request whose
    /// authenticator field is already final (Access-Request: its random Request
    /// Authenticator; Status-Server likewise). Returns the emitted packet.
    pub fn sign_request(&mut self, secret: &[u8]) -> Result<Vec<u8>> {
        self.ensure_message_authenticator();
        let auth = self.authenticator;
        let mut b = self.to_bytes()?;
        self.fill_message_authenticator(&mut b, &auth, secret);
        Ok(b)
    }

    /// Signs an Accounting-Request (or CoA/Disconnect request): Message-Authenticator if one
    /// is present (computed with 16 zero octets as authenticator), then the request
    /// authenticator `MD5(Code‖ID‖Length‖0¹⁶‖Attributes‖Secret)` (RFC 2866 §3, RFC 5176 §3.5).
    pub fn sign_accounting_request(&mut self, secret: &[u8]) -> Result<Vec<u8>> {
        self.authenticator = [0; 16];
        let mut b = self.to_bytes()?;
        if self.message_authenticator_offset().is_some() {
            self.fill_message_authenticator(&mut b, &[0; 16], secret);
        }
        let a = accounting_request_authenticator(&b, secret)?;
        b[field::AUTHENTICATOR].copy_from_slice(&a);
        self.authenticator = a;
        Ok(b)
    }

    /// Signs a reply to a request with `request_auth`: fills the Message-Authenticator if
    /// present (`with_ma` appends one if absent), computed with the Request Authenticator in
    /// place, then the Response Authenticator (RFC 3579 §3.2 order).
    pub fn sign_response(
        &mut self,
        request_auth: &[u8; 16],
        secret: &[u8],
        with_ma: bool,
    ) -> Result<Vec<u8>> {
        if with_ma {
            self.ensure_message_authenticator();
        }
        self.authenticator = *request_auth;
        let mut b = self.to_bytes()?;
        if self.message_authenticator_offset().is_some() {
            self.fill_message_authenticator(&mut b, request_auth, secret);
        }
        let a = response_authenticator(&b, request_auth, secret)?;
        b[field::AUTHENTICATOR].copy_from_slice(&a);
        self.authenticator = a;
        Ok(b)
    }

    fn ensure_message_authenticator(&mut self) {
        if self.message_authenticator_offset().is_none() {
            self.attributes
                .push(Attribute::new(attr::MESSAGE_AUTHENTICATOR, [0u8; 16]));
        }
    }

    fn fill_message_authenticator(&mut self, b: &mut [u8], auth: &[u8; 16], secret: &[u8]) {
        if let Ok(ma) = message_authenticator(b, auth, secret) {
            if let Some(off) = self.message_authenticator_offset() {
                b[off..off + 16].copy_from_slice(&ma);
            }
            if let Some(a) = self
                .attributes
                .iter_mut()
                .find(|a| a.kind == attr::MESSAGE_AUTHENTICATOR)
            {
                a.value = ma.to_vec();
            }
        }
    }
}

/// EAP-Message attributes carrying `eap`, cut into values of at most 253 octets (RFC 3579
/// §3.1). An empty `eap` gives one empty attribute (an EAP-Start).
pub fn eap_message_attributes(eap: &[u8]) -> Vec<Attribute> {
    if eap.is_empty() {
        return vec![Attribute::new(attr::EAP_MESSAGE, Vec::new())];
    }
    eap.chunks(MAX_VALUE_LEN)
        .map(|c| Attribute::new(attr::EAP_MESSAGE, c))
        .collect()
}

fn md5_parts(parts: &[&[u8]]) -> [u8; 16] {
    let mut h = Md5::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

fn checked(packet: &[u8]) -> Result<&[u8]> {
    let len = usize::from(Packet::new_checked(packet)?.length());
    Ok(&packet[..len])
}

/// Response Authenticator of a reply (RFC 2865 §3): MD5 over the reply with the Request
/// Authenticator in place of its own, then the secret. `reply` is the emitted reply (its
/// authenticator field is ignored).
pub fn response_authenticator(
    reply: &[u8],
    request_auth: &[u8; 16],
    secret: &[u8],
) -> Result<[u8; 16]> {
    let b = checked(reply)?;
    Ok(md5_parts(&[
        &b[..4],
        request_auth,
        &b[field::ATTRIBUTES..],
        secret,
    ]))
}

/// Whether a reply's authenticator is right for the request it answers.
pub fn verify_response_authenticator(
    reply: &[u8],
    request_auth: &[u8; 16],
    secret: &[u8],
) -> Result<bool> {
    let want = response_authenticator(reply, request_auth, secret)?;
    Ok(subtle::ConstantTimeEq::ct_eq(&want[..], &reply[field::AUTHENTICATOR]).into())
}

/// Accounting-Request authenticator (RFC 2866 §3): MD5 with 16 zero octets in place.
pub fn accounting_request_authenticator(request: &[u8], secret: &[u8]) -> Result<[u8; 16]> {
    response_authenticator(request, &[0; 16], secret)
}

/// Whether an Accounting-Request's authenticator is `MD5(Code‖ID‖Length‖0¹⁶‖Attributes‖Secret)`
/// (RFC 2866 §3: how the server authenticates the client).
pub fn verify_accounting_request(request: &[u8], secret: &[u8]) -> Result<bool> {
    let want = accounting_request_authenticator(request, secret)?;
    Ok(subtle::ConstantTimeEq::ct_eq(&want[..], &request[field::AUTHENTICATOR]).into())
}

/// Message-Authenticator (RFC 3579 §3.2): HMAC-MD5 keyed with the secret over the packet with
/// `auth` in the authenticator field and the first Message-Authenticator's value zeroed.
/// `auth` is the packet's own authenticator for an Access-Request and the Request
/// Authenticator for a reply. `Err` if the packet does not parse or has no such attribute.
pub fn message_authenticator(packet: &[u8], auth: &[u8; 16], secret: &[u8]) -> Result<[u8; 16]> {
    let b = checked(packet)?;
    let off = find_message_authenticator(b)?;
    let mut mac = <Hmac<Md5> as Mac>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(&b[..4]);
    mac.update(auth);
    mac.update(&b[field::ATTRIBUTES..off]);
    mac.update(&[0u8; 16]);
    mac.update(&b[off + 16..]);
    Ok(mac.finalize().into_bytes().into())
}

/// Offset of the first Message-Authenticator's value; `Err` if none or not 16 octets.
fn find_message_authenticator(b: &[u8]) -> Result<usize> {
    let mut off = field::ATTRIBUTES;
    for a in parse_attributes(&b[field::ATTRIBUTES..], field::ATTRIBUTES)? {
        if a.kind == attr::MESSAGE_AUTHENTICATOR {
            if a.value.len() != 16 {
                return Err(Error::new(
                    off + 1,
                    format!("Message-Authenticator of {} octets (16)", a.value.len()),
                ));
            }
            return Ok(off + 2);
        }
        off += a.wire_len();
    }
    Err(Error::new(b.len(), "no Message-Authenticator"))
}

/// Checks a packet's Message-Authenticator: `Ok(None)` if it has none, `Ok(Some(ok))`
/// otherwise. `auth` as for [`message_authenticator`].
pub fn verify_message_authenticator(
    packet: &[u8],
    auth: &[u8; 16],
    secret: &[u8],
) -> Result<Option<bool>> {
    let b = checked(packet)?;
    let has = parse_attributes(&b[field::ATTRIBUTES..], field::ATTRIBUTES)?
        .iter()
        .any(|a| a.kind == attr::MESSAGE_AUTHENTICATOR);
    if !has {
        return Ok(None);
    }
    let off = find_message_authenticator(b)?;
    let want = message_authenticator(b, auth, secret)?;
    Ok(Some(
        subtle::ConstantTimeEq::ct_eq(&want[..], &b[off..off + 16]).into(),
    ))
}

/// The CHAP Response (RFC 1994 §4.1) a CHAP-Password carries after its CHAP Ident octet
/// (RFC 2865 §5.3): `MD5(Ident ‖ secret ‖ Challenge)`, the Challenge being the CHAP-Challenge
/// attribute (§5.40) or, without one, the Request Authenticator.
pub fn chap_response(ident: u8, secret: &[u8], challenge: &[u8]) -> [u8; 16] {
    md5_parts(&[&[ident], secret, challenge])
}

/// User-Password hiding (RFC 2865 §5.2): the password padded with zeros to a multiple of 16,
/// each block XORed with `MD5(secret ‖ previous)`, previous being the Request Authenticator
/// for the first block and the previous ciphertext block after. Passwords of up to 128
/// octets; `Err` for longer ones.
pub fn hide_password(password: &[u8], request_auth: &[u8; 16], secret: &[u8]) -> Result<Vec<u8>> {
    if password.len() > 128 {
        return Err(Error::new(
            128,
            format!("password of {} octets (at most 128)", password.len()),
        ));
    }
    let n = password.len().div_ceil(16).max(1) * 16;
    let mut out = password.to_vec();
    out.resize(n, 0);
    let mut prev: [u8; 16] = *request_auth;
    for block in out.chunks_mut(16) {
        let b = md5_parts(&[secret, &prev]);
        for (c, k) in block.iter_mut().zip(b) {
            *c ^= k;
        }
        prev.copy_from_slice(block);
    }
    Ok(out)
}

/// Reverses [`hide_password`]; trailing zero octets (the padding) are removed. `Err` when the
/// value is not 16..=128 octets in multiples of 16.
pub fn unhide_password(hidden: &[u8], request_auth: &[u8; 16], secret: &[u8]) -> Result<Vec<u8>> {
    if hidden.is_empty() || hidden.len() % 16 != 0 || hidden.len() > 128 {
        return Err(Error::new(
            hidden.len().min(128),
            format!(
                "User-Password of {} octets (16..=128, a multiple of 16)",
                hidden.len()
            ),
        ));
    }
    let mut out = Vec::with_capacity(hidden.len());
    let mut prev: &[u8] = request_auth;
    for block in hidden.chunks(16) {
        let b = md5_parts(&[secret, prev]);
        out.extend(block.iter().zip(b).map(|(c, k)| c ^ k));
        prev = block;
    }
    while out.last() == Some(&0) {
        out.pop();
    }
    Ok(out)
}

/// Encrypts an MS-MPPE-Send/Recv-Key value (RFC 2548 §2.4.2): `salt` (its high bit is set
/// here), then `key-length ‖ key ‖ zero padding` to a multiple of 16, each block XORed with
/// `b(1) = MD5(S ‖ R ‖ A)`, `b(i) = MD5(S ‖ c(i-1))` (R: Request Authenticator, A: salt).
pub fn encrypt_mppe_key(
    key: &[u8],
    salt: u16,
    request_auth: &[u8; 16],
    secret: &[u8],
) -> Result<Vec<u8>> {
    if key.len() > 240 {
        return Err(Error::new(0, format!("MPPE key of {} octets", key.len())));
    }
    let salt = (salt | 0x8000).to_be_bytes();
    let mut p = vec![key.len() as u8];
    p.extend_from_slice(key);
    p.resize(p.len().div_ceil(16) * 16, 0);
    let mut b = md5_parts(&[secret, request_auth, &salt]);
    for block in p.chunks_mut(16) {
        for (c, k) in block.iter_mut().zip(b) {
            *c ^= k;
        }
        b = md5_parts(&[secret, block]);
    }
    let mut out = salt.to_vec();
    out.extend_from_slice(&p);
    Ok(out)
}

/// Decrypts an MS-MPPE-Send/Recv-Key value (RFC 2548 §2.4.2, §2.4.3): the key, without its
/// length octet and padding. `Err` on a bad layout (offsets within the value).
pub fn decrypt_mppe_key(value: &[u8], request_auth: &[u8; 16], secret: &[u8]) -> Result<Vec<u8>> {
    if value.len() < 18 || (value.len() - 2) % 16 != 0 {
        return Err(Error::new(
            value.len().min(2),
            format!(
                "MPPE key value of {} octets (salt, then a multiple of 16)",
                value.len()
            ),
        ));
    }
    let (salt, c) = value.split_at(2);
    if salt[0] & 0x80 == 0 {
        return Err(Error::new(0, "MPPE salt without its high bit set"));
    }
    let mut p = Vec::with_capacity(c.len());
    let mut b = md5_parts(&[secret, request_auth, salt]);
    for block in c.chunks(16) {
        p.extend(block.iter().zip(b).map(|(x, k)| x ^ k));
        b = md5_parts(&[secret, block]);
    }
    let len = usize::from(p[0]);
    if len + 1 > p.len() {
        return Err(Error::new(
            2,
            format!(
                "MPPE key length {len} exceeds the {} octets decrypted (wrong secret?)",
                p.len() - 1
            ),
        ));
    }
    Ok(p[1..=len].to_vec())
}

/// The MSK from an Access-Accept's MS-MPPE keys: `MS-MPPE-Recv-Key ‖ MS-MPPE-Send-Key`, the
/// RFC 5216 §2.3 convention (the Recv-Key carries the first 32 octets of the MSK, the
/// Send-Key the second), which strongSwan's eap-radius and FreeRADIUS follow. `Ok(None)` if
/// either key is absent. `request_auth` is the Request Authenticator of the Access-Request
/// answered.
pub fn msk_from_mppe(
    accept: &Repr,
    request_auth: &[u8; 16],
    secret: &[u8],
) -> Result<Option<Vec<u8>>> {
    let (Some(recv), Some(send)) = (
        accept.vendor_attribute(VENDOR_MICROSOFT, MS_MPPE_RECV_KEY),
        accept.vendor_attribute(VENDOR_MICROSOFT, MS_MPPE_SEND_KEY),
    ) else {
        return Ok(None);
    };
    let mut msk = decrypt_mppe_key(&recv, request_auth, secret)?;
    msk.extend(decrypt_mppe_key(&send, request_auth, secret)?);
    Ok(Some(msk))
}
