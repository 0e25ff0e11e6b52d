//! IKEv2 messages (RFC 7296 §3): the fixed header, the generic payload chain and every payload
//! type a Mobile IPv6 bootstrap uses, plus the SK payload's encryption ([`sk`]).
//!
//! Round trip: `Message::from_bytes(m.to_bytes()) == m` for every valid `Message`, and bytes that
//! parse re-emit identically. To make the second hold, reserved octets, the critical bit and
//! raw unknowns are kept. The fields that are derived on emit (Next Payload, lengths,
//! counts, Last Substruc) are checked on parse and an inconsistent value is an error, so the
//! parse is strict there.
//!
//! Exceptions, by design: a `Message` whose SK/SKF payload is not the last one emits bytes that
//! do not parse back (SK ends the chain, RFC 7296 §3.14).

pub mod payload;
pub mod registry;
pub mod sk;
pub mod ts;

pub use payload::*;
pub use registry::*;
pub use ts::*;

use crate::error::{Error, Result};
use crate::view::buffer_view;

/// Exchange types (RFC 7296 §3.1).
pub mod exchange {
    pub const IKE_SA_INIT: u8 = 34;
    pub const IKE_AUTH: u8 = 35;
    pub const CREATE_CHILD_SA: u8 = 36;
    pub const INFORMATIONAL: u8 = 37;
}

/// The name of an exchange type.
pub fn exchange_name(t: u8) -> Option<&'static str> {
    Some(match t {
        exchange::IKE_SA_INIT => "IKE_SA_INIT",
        exchange::IKE_AUTH => "IKE_AUTH",
        exchange::CREATE_CHILD_SA => "CREATE_CHILD_SA",
        exchange::INFORMATIONAL => "INFORMATIONAL",
        _ => return None,
    })
}

/// Header flags (RFC 7296 §3.1).
pub mod flags {
    /// Sent by the original initiator.
    pub const I: u8 = 0x08;
    /// Version: the sender can speak a higher major version (MUST be 0).
    pub const V: u8 = 0x10;
    /// Response.
    pub const R: u8 = 0x20;
}

/// IKE header length.
pub const HEADER_LEN: usize = 28;
/// Version octet for IKEv2.0.
pub const VERSION_2_0: u8 = 0x20;

pub(crate) fn be16(b: &[u8], at: usize, what: &str) -> Result<u16> {
    match b.get(at..at.saturating_add(2)) {
        Some(s) if s.len() == 2 => Ok(u16::from_be_bytes([s[0], s[1]])),
        // The octets end before the field, or inside it: the error is where they end, never
        // past the input.
        _ => Err(Error::new(at.min(b.len()), format!("truncated {what}"))),
    }
}

buffer_view! {
    /// A checked view of an IKE message: the header fields, then the payload chain's octets.
    /// `new_checked` asks for the 28-octet header (the Length field is judged by
    /// [`Message::parse`]).
    #[derive(Debug, Clone, Copy)]
    Packet, at least HEADER_LEN, else |_| "truncated IKE header"
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// The payload chain: everything after the header.
    pub fn payload_octets(&self) -> &[u8] {
        &self.b()[HEADER_LEN..]
    }

    fn b(&self) -> &[u8] {
        self.buffer.as_ref()
    }

    pub fn ispi(&self) -> [u8; 8] {
        let mut s = [0; 8];
        s.copy_from_slice(&self.b()[0..8]);
        s
    }

    pub fn rspi(&self) -> [u8; 8] {
        let mut s = [0; 8];
        s.copy_from_slice(&self.b()[8..16]);
        s
    }

    pub fn next_payload(&self) -> u8 {
        self.b()[16]
    }

    pub fn version(&self) -> u8 {
        self.b()[17]
    }

    pub fn exchange(&self) -> u8 {
        self.b()[18]
    }

    pub fn flags(&self) -> u8 {
        self.b()[19]
    }

    pub fn message_id(&self) -> u32 {
        u32::from_be_bytes([self.b()[20], self.b()[21], self.b()[22], self.b()[23]])
    }

    pub fn length(&self) -> u32 {
        u32::from_be_bytes([self.b()[24], self.b()[25], self.b()[26], self.b()[27]])
    }

    pub fn is_response(&self) -> bool {
        self.flags() & flags::R != 0
    }

    pub fn is_initiator(&self) -> bool {
        self.flags() & flags::I != 0
    }
}

/// An IKE message: header fields and its payloads in order. The header's Next Payload and
/// Length are derived from the payloads on emit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub ispi: [u8; 8],
    pub rspi: [u8; 8],
    /// The whole version octet (0x20 for 2.0).
    pub version: u8,
    pub exchange: u8,
    /// The whole flags octet, unknown bits included.
    pub flags: u8,
    pub message_id: u32,
    pub payloads: Vec<Payload>,
}

impl Message {
    /// Reads the message in a checked view; the Length field must equal the view's length.
    pub fn parse<T: AsRef<[u8]>>(p: &Packet<T>) -> Result<Message> {
        let length = p.length();
        let have = p.b().len();
        if length as usize != have {
            return Err(Error::new(
                24,
                format!("IKE length {length} does not match the {have} octets received"),
            ));
        }
        let payloads =
            parse_chain(p.payload_octets(), p.next_payload()).map_err(|e| e.shifted(HEADER_LEN))?;
        Ok(Message {
            ispi: p.ispi(),
            rspi: p.rspi(),
            version: p.version(),
            exchange: p.exchange(),
            flags: p.flags(),
            message_id: p.message_id(),
            payloads,
        })
    }

    /// Parses a whole message; the Length field must equal the buffer's length.
    pub fn from_bytes(bytes: &[u8]) -> Result<Message> {
        Message::parse(&Packet::new_checked(bytes)?)
    }

    pub fn buffer_len(&self) -> usize {
        HEADER_LEN + chain_len(&self.payloads)
    }

    /// Writes the message into the first [`Message::buffer_len`] octets of the view (which
    /// must hold that many).
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, p: &mut Packet<T>) {
        let len = self.buffer_len();
        let out = p.buffer.as_mut();
        out[0..8].copy_from_slice(&self.ispi);
        out[8..16].copy_from_slice(&self.rspi);
        out[16] = self.payloads.first().map_or(0, |p| p.body.payload_type());
        out[17] = self.version;
        out[18] = self.exchange;
        out[19] = self.flags;
        out[20..24].copy_from_slice(&self.message_id.to_be_bytes());
        out[24..28].copy_from_slice(&(len as u32).to_be_bytes());
        emit_chain(&self.payloads, &mut out[HEADER_LEN..len]);
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut v = vec![0; self.buffer_len()];
        self.emit(&mut Packet::new_unchecked(&mut v[..]));
        v
    }

    pub fn is_response(&self) -> bool {
        self.flags & flags::R != 0
    }

    pub fn is_initiator(&self) -> bool {
        self.flags & flags::I != 0
    }
}

/// One payload: the octet after Next Payload in its generic header (critical bit 0x80 and the
/// seven reserved bits, kept as received) and its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payload {
    pub flags: u8,
    pub body: PayloadBody,
}

/// The critical bit of the generic payload header (RFC 7296 §3.2).
pub const CRITICAL: u8 = 0x80;

impl Payload {
    /// A payload with the critical bit and reserved bits clear.
    pub fn new(body: PayloadBody) -> Payload {
        Payload { flags: 0, body }
    }

    pub fn critical(&self) -> bool {
        self.flags & CRITICAL != 0
    }

    /// Generic header + body.
    pub fn buffer_len(&self) -> usize {
        4 + self.body.body_len()
    }
}

/// Total length of a payload chain.
pub fn chain_len(payloads: &[Payload]) -> usize {
    payloads.iter().map(Payload::buffer_len).sum()
}

/// Parses a payload chain that starts with a payload of type `first` and fills `buf` exactly.
/// An SK or SKF payload ends the chain (its Next Payload names its first inner payload).
/// Offsets in errors are relative to `buf`.
pub fn parse_chain(buf: &[u8], first: u8) -> Result<Vec<Payload>> {
    let mut out = Vec::new();
    let mut at = 0usize;
    let mut next = first;
    while next != payload_type::NONE {
        let rest = &buf[at..];
        if rest.len() < 4 {
            return Err(Error::new(at, "truncated generic payload header"));
        }
        let np = rest[0];
        let flags = rest[1];
        let len = usize::from(u16::from_be_bytes([rest[2], rest[3]]));
        if len < 4 {
            return Err(Error::new(at + 2, "payload length below 4"));
        }
        if len > rest.len() {
            return Err(Error::new(
                at + 2,
                format!(
                    "payload length {len} exceeds the {} octets left",
                    rest.len()
                ),
            ));
        }
        let body = PayloadBody::parse(next, np, &rest[4..len]).map_err(|e| e.shifted(at + 4))?;
        let ends = matches!(body, PayloadBody::Sk(_) | PayloadBody::Skf(_));
        out.push(Payload { flags, body });
        at += len;
        if ends {
            if at != buf.len() {
                return Err(Error::new(at, "payload after the SK payload"));
            }
            return Ok(out);
        }
        next = np;
    }
    if at != buf.len() {
        return Err(Error::new(at, "octets after the last payload"));
    }
    Ok(out)
}

/// Writes a payload chain into `out` (exactly [`chain_len`] octets).
pub fn emit_chain(payloads: &[Payload], out: &mut [u8]) {
    let mut at = 0;
    for (i, p) in payloads.iter().enumerate() {
        let len = p.buffer_len();
        let np = match &p.body {
            PayloadBody::Sk(sk) => sk.first_inner,
            PayloadBody::Skf(skf) => skf.first_inner,
            _ => payloads
                .get(i + 1)
                .map_or(payload_type::NONE, |n| n.body.payload_type()),
        };
        out[at] = np;
        out[at + 1] = p.flags;
        // Bodies longer than 65531 octets cannot be represented; the length wraps and the
        // result will not parse back (documented exception, never produced by parse).
        out[at + 2..at + 4].copy_from_slice(&(len as u16).to_be_bytes());
        p.body.emit_body(&mut out[at + 4..at + len]);
        at += len;
    }
}

/// A payload chain as bytes.
pub fn chain_to_bytes(payloads: &[Payload]) -> Vec<u8> {
    let mut v = vec![0; chain_len(payloads)];
    emit_chain(payloads, &mut v);
    v
}
