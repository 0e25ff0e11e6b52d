//! Mobility Header (RFC 6275 §6.1): a checked view ([`Packet`]) and an owned [`Repr`].
//!
//! Layout: Payload Proto(1) ‖ Header Len(1) ‖ MH Type(1) ‖ Reserved(1) ‖ Checksum(2) ‖
//! message data (fixed part per type, then mobility options). Header Len counts 8-octet units
//! after the first 8, so the MH is `(HL + 1) · 8` octets.
//!
//! Round trip: [`Repr::from_bytes`] then [`Repr::to_bytes`] gives back the same octets for any
//! input that parses — checksum, Reserved octets, reserved flag bits, Payload Proto and
//! padding options are all kept as received. Conversely `from_bytes(to_bytes(r)) == r` for any
//! `r` that `to_bytes` accepts.

pub mod checksum;
pub mod options;

pub use options::{
    check_alignment, lay_out, AlignmentIssue, AlignmentProblem, DnsUpdate, FqdnForm, Ipv4AckStatus,
    Ipv4AddressAck, Ipv4CareOf, Ipv4HomeAddress, MobilityOption, NatDetection,
};

use crate::names::registry;
use crate::view::{buffer_view, require_len, room_for, view_fields};
use crate::{Error, Result};
use std::net::Ipv6Addr;

/// Next Header value naming the Mobility Header.
pub const NEXT_HEADER: u8 = 135;
/// Payload Proto a sender puts in (IPPROTO_NONE, §6.1.1).
pub const PAYLOAD_PROTO_NONE: u8 = 59;
/// Largest MH: Header Len 255.
pub const MAX_LEN: usize = 256 * 8;

pub const TYPE_BRR: u8 = 0;
pub const TYPE_HOTI: u8 = 1;
pub const TYPE_COTI: u8 = 2;
pub const TYPE_HOT: u8 = 3;
pub const TYPE_COT: u8 = 4;
pub const TYPE_BU: u8 = 5;
pub const TYPE_BA: u8 = 6;
pub const TYPE_BE: u8 = 7;

/// Short name of an MH type as transcripts print it (`BU`, `BA`, …); `None` if unassigned here.
pub fn type_name(kind: u8) -> Option<&'static str> {
    Some(match kind {
        TYPE_BRR => "BRR",
        TYPE_HOTI => "HoTI",
        TYPE_COTI => "CoTI",
        TYPE_HOT => "HoT",
        TYPE_COT => "CoT",
        TYPE_BU => "BU",
        TYPE_BA => "BA",
        TYPE_BE => "BE",
        _ => return None,
    })
}

registry! {
    /// Binding Acknowledgement status codes (RFC 6275 §6.1.8; 144 from RFC 5555 §4.5).
    pub mod ba_status: u8;
    /// The name of a BA status (RFC 6275 §6.1.8, RFC 5555 §4.5); `None` for other codes.
    pub fn ba_status_name;
    ACCEPTED = 0 => "Binding Update accepted",
    ACCEPTED_PREFIX_DISCOVERY = 1 => "Accepted but prefix discovery necessary",
    REASON_UNSPECIFIED = 128 => "Reason unspecified",
    ADMINISTRATIVELY_PROHIBITED = 129 => "Administratively prohibited",
    INSUFFICIENT_RESOURCES = 130 => "Insufficient resources",
    HOME_REGISTRATION_NOT_SUPPORTED = 131 => "Home registration not supported",
    NOT_HOME_SUBNET = 132 => "Not home subnet",
    NOT_HOME_AGENT = 133 => "Not home agent for this mobile node",
    DAD_FAILED = 134 => "Duplicate Address Detection failed",
    SEQUENCE_OUT_OF_WINDOW = 135 => "Sequence number out of window",
    EXPIRED_HOME_NONCE_INDEX = 136 => "Expired home nonce index",
    EXPIRED_CARE_OF_NONCE_INDEX = 137 => "Expired care-of nonce index",
    EXPIRED_NONCES = 138 => "Expired nonces",
    REGISTRATION_TYPE_CHANGE_DISALLOWED = 139 => "Registration type change disallowed",
    /// The HA refuses the F flag (RFC 5555 §4.5); the MN MAY retry without F (§4.4.2).
    FORCED_UDP_NOT_ACCEPTED = 144 => "Forcing UDP encapsulation not accepted",
    INVALID_CARE_OF_ADDRESS = 174 => "Invalid Care-of Address",
}

registry! {
    /// Binding Error status codes (RFC 6275 §6.1.9).
    pub mod be_status: u8;
    /// The RFC 6275 §6.1.9 name of a BE status.
    pub fn be_status_name;
    UNKNOWN_BINDING_FOR_HAO = 1 => "Unknown binding for Home Address destination option",
    UNRECOGNIZED_MH_TYPE = 2 => "Unrecognized MH Type value",
}

/// The RFC 5026 §8.1 name of a DNS Update option status.
pub fn dns_update_status_name(status: u8) -> Option<&'static str> {
    Some(match status {
        0 => "DNS update performed",
        128 => "Reason unspecified",
        129 => "Administratively prohibited",
        130 => "DNS update failed",
        _ => return None,
    })
}

/// Lifetime fields count 4-second units (§6.1.7).
pub fn lifetime_to_secs(units: u16) -> u32 {
    u32::from(units) * 4
}

/// Seconds to lifetime units, rounded down and capped at the field's maximum.
pub fn lifetime_from_secs(secs: u32) -> u16 {
    u16::try_from(secs / 4).unwrap_or(u16::MAX)
}

mod field {
    use core::ops::Range;
    pub const PAYLOAD_PROTO: usize = 0;
    pub const HEADER_LEN: usize = 1;
    pub const MH_TYPE: usize = 2;
    pub const RESERVED: usize = 3;
    pub const CHECKSUM: Range<usize> = 4..6;
    pub const DATA: usize = 6;
}

buffer_view! {
    /// A read/write view of an MH at the start of a buffer. The buffer may be longer than the MH;
    /// accessors only look at the first [`Packet::total_len`] octets. Accessors index directly,
    /// so use [`Packet::new_checked`] (or [`Packet::check_len`]) before calling them.
    #[derive(Debug, Clone, PartialEq, Eq)]
    Packet, checked by check_len
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// The buffer holds the 8-octet minimum and all that Header Len announces.
    pub fn check_len(&self) -> Result<()> {
        let b = self.buffer.as_ref();
        require_len(b, 8, |n| {
            format!("MH truncated: {n} octets, at least 8 needed")
        })?;
        let total = self.total_len();
        if b.len() < total {
            return Err(Error::new(
                field::HEADER_LEN,
                format!(
                    "Header Len {} announces {total} octets, only {} present",
                    self.header_len(),
                    b.len()
                ),
            ));
        }
        Ok(())
    }

    /// The MH's length in octets, `(Header Len + 1) · 8`.
    pub fn total_len(&self) -> usize {
        (usize::from(self.header_len()) + 1) * 8
    }

    /// MhMessage Data: from offset 6 to the end of the MH.
    pub fn message_data(&self) -> &[u8] {
        &self.buffer.as_ref()[field::DATA..self.total_len()]
    }

    /// The whole MH (the first `total_len` octets).
    pub fn as_bytes(&self) -> &[u8] {
        &self.buffer.as_ref()[..self.total_len()]
    }

    /// See [`checksum`] for which addresses to pass.
    pub fn verify_checksum(&self, src: &Ipv6Addr, dst: &Ipv6Addr) -> bool {
        checksum::verify(src, dst, self.as_bytes())
    }
}

view_fields!(Packet {
    payload_proto, set_payload_proto: u8 = field::PAYLOAD_PROTO;
    header_len, set_header_len: u8 = field::HEADER_LEN;
    mh_type, set_mh_type: u8 = field::MH_TYPE;
    reserved, set_reserved: u8 = field::RESERVED;
    checksum, set_checksum: u16 = field::CHECKSUM;
});

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    pub fn message_data_mut(&mut self) -> &mut [u8] {
        let end = self.total_len();
        &mut self.buffer.as_mut()[field::DATA..end]
    }

    /// Computes and stores the checksum; see [`checksum`] for which addresses to pass.
    pub fn fill_checksum(&mut self, src: &Ipv6Addr, dst: &Ipv6Addr) {
        let end = self.total_len();
        let c = checksum::compute(src, dst, &self.buffer.as_ref()[..end]);
        self.set_checksum(c);
    }
}

/// Binding Update flags (the octet at MH offset 8): RFC 6275 §6.1.7 A H L K, then M (RFC 5380),
/// R (RFC 3963), P (RFC 5213), F (RFC 5555 §3.1.3, Figure 3: force UDP encapsulation) — so every
/// bit of the octet has a name and the octet is kept whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct BuFlags(pub u8);

impl BuFlags {
    pub const A: u8 = 0x80;
    pub const H: u8 = 0x40;
    pub const L: u8 = 0x20;
    pub const K: u8 = 0x10;
    pub const M: u8 = 0x08;
    pub const R: u8 = 0x04;
    pub const P: u8 = 0x02;
    pub const F: u8 = 0x01;
    const LETTERS: [(u8, char); 8] = [
        (Self::A, 'A'),
        (Self::H, 'H'),
        (Self::L, 'L'),
        (Self::K, 'K'),
        (Self::M, 'M'),
        (Self::R, 'R'),
        (Self::P, 'P'),
        (Self::F, 'F'),
    ];

    pub fn contains(self, mask: u8) -> bool {
        self.0 & mask == mask
    }

    /// Letters of the set flags in RFC order, e.g. `AHK`; empty if none.
    pub fn letters(self) -> String {
        Self::LETTERS
            .iter()
            .filter(|(m, _)| self.0 & m != 0)
            .map(|(_, c)| *c)
            .collect()
    }
}

/// Binding Acknowledgement flags (the octet at MH offset 7): K (RFC 6275 §6.1.8) and the NEMO
/// R flag (RFC 3963); the other six bits are reserved and kept raw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct BaFlags(pub u8);

impl BaFlags {
    pub const K: u8 = 0x80;
    pub const R: u8 = 0x40;
    pub const RESERVED_MASK: u8 = 0x3f;

    pub fn contains(self, mask: u8) -> bool {
        self.0 & mask == mask
    }

    pub fn reserved(self) -> u8 {
        self.0 & Self::RESERVED_MASK
    }

    /// Letters of the set named flags (`K`, `R`), in bit order.
    pub fn letters(self) -> String {
        [(Self::K, 'K'), (Self::R, 'R')]
            .iter()
            .filter(|(m, _)| self.0 & m != 0)
            .map(|(_, c)| *c)
            .collect()
    }
}

/// Binding Update fixed part (§6.1.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BindingUpdate {
    pub seq: u16,
    pub flags: BuFlags,
    /// The octet after the flags (reserved), raw.
    pub reserved: u8,
    /// In 4-s units; see [`lifetime_to_secs`].
    pub lifetime: u16,
}

/// Binding Acknowledgement fixed part (§6.1.8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BindingAck {
    pub status: u8,
    pub flags: BaFlags,
    pub seq: u16,
    /// In 4-s units; undefined when `status >= 128`.
    pub lifetime: u16,
}

/// What a Home Test and a Care-of Test carry (§6.1.5, §6.1.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TestReply {
    pub nonce_index: u16,
    pub cookie: [u8; 8],
    pub keygen_token: [u8; 8],
}

/// Binding Error fixed part (§6.1.9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BindingError {
    pub status: u8,
    pub reserved: u8,
    pub home_address: Ipv6Addr,
}

impl BindingUpdate {
    pub fn lifetime_secs(&self) -> u32 {
        lifetime_to_secs(self.lifetime)
    }
}

impl BindingAck {
    pub fn lifetime_secs(&self) -> u32 {
        lifetime_to_secs(self.lifetime)
    }

    pub fn status_name(&self) -> Option<&'static str> {
        ba_status_name(self.status)
    }
}

/// The message a Mobility Header carries, fixed part only (options live in [`Repr`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum MhMessage {
    /// Binding Refresh Request (§6.1.2); `reserved` is the 16-bit field at offset 6.
    Brr {
        reserved: u16,
    },
    /// Home Test Init (§6.1.3).
    HoTI {
        reserved: u16,
        cookie: [u8; 8],
    },
    /// Care-of Test Init (§6.1.4).
    CoTI {
        reserved: u16,
        cookie: [u8; 8],
    },
    /// Home Test (§6.1.5).
    HoT(TestReply),
    /// Care-of Test (§6.1.6).
    CoT(TestReply),
    Bu(BindingUpdate),
    Ba(BindingAck),
    Be(BindingError),
    /// An MH type not listed above: all of MhMessage Data (offset 6 on), options included, raw.
    /// `kind` must be 8 or more.
    Unknown {
        kind: u8,
        data: Vec<u8>,
    },
}

impl MhMessage {
    pub fn mh_type(&self) -> u8 {
        match self {
            MhMessage::Brr { .. } => TYPE_BRR,
            MhMessage::HoTI { .. } => TYPE_HOTI,
            MhMessage::CoTI { .. } => TYPE_COTI,
            MhMessage::HoT(_) => TYPE_HOT,
            MhMessage::CoT(_) => TYPE_COT,
            MhMessage::Bu(_) => TYPE_BU,
            MhMessage::Ba(_) => TYPE_BA,
            MhMessage::Be(_) => TYPE_BE,
            MhMessage::Unknown { kind, .. } => *kind,
        }
    }

    /// MH offset where the options start (end of the fixed part).
    pub fn options_offset(&self) -> usize {
        field::DATA
            + match self {
                MhMessage::Brr { .. } => 2,
                MhMessage::HoTI { .. } | MhMessage::CoTI { .. } => 10,
                MhMessage::HoT(_) | MhMessage::CoT(_) => 18,
                MhMessage::Bu(_) | MhMessage::Ba(_) => 6,
                MhMessage::Be(_) => 18,
                MhMessage::Unknown { data, .. } => data.len(),
            }
    }

    /// Options start offset for a known type; `None` for others.
    pub fn fixed_end(mh_type: u8) -> Option<usize> {
        Some(match mh_type {
            TYPE_BRR => 8,
            TYPE_HOTI | TYPE_COTI => 16,
            TYPE_HOT | TYPE_COT | TYPE_BE => 24,
            TYPE_BU | TYPE_BA => 12,
            _ => return None,
        })
    }

    /// Parses the fixed part from MhMessage Data `d` (MH offset 6 on) of a known type.
    fn parse_fixed(mh_type: u8, d: &[u8]) -> MhMessage {
        let u16_at = |i: usize| u16::from_be_bytes([d[i], d[i + 1]]);
        let arr8 = |i: usize| {
            let mut a = [0u8; 8];
            a.copy_from_slice(&d[i..i + 8]);
            a
        };
        match mh_type {
            TYPE_BRR => MhMessage::Brr {
                reserved: u16_at(0),
            },
            TYPE_HOTI => MhMessage::HoTI {
                reserved: u16_at(0),
                cookie: arr8(2),
            },
            TYPE_COTI => MhMessage::CoTI {
                reserved: u16_at(0),
                cookie: arr8(2),
            },
            TYPE_HOT | TYPE_COT => {
                let reply = TestReply {
                    nonce_index: u16_at(0),
                    cookie: arr8(2),
                    keygen_token: arr8(10),
                };
                if mh_type == TYPE_HOT {
                    MhMessage::HoT(reply)
                } else {
                    MhMessage::CoT(reply)
                }
            }
            TYPE_BU => MhMessage::Bu(BindingUpdate {
                seq: u16_at(0),
                flags: BuFlags(d[2]),
                reserved: d[3],
                lifetime: u16_at(4),
            }),
            TYPE_BA => MhMessage::Ba(BindingAck {
                status: d[0],
                flags: BaFlags(d[1]),
                seq: u16_at(2),
                lifetime: u16_at(4),
            }),
            TYPE_BE => {
                let mut a = [0u8; 16];
                a.copy_from_slice(&d[2..18]);
                MhMessage::Be(BindingError {
                    status: d[0],
                    reserved: d[1],
                    home_address: Ipv6Addr::from(a),
                })
            }
            _ => MhMessage::Unknown {
                kind: mh_type,
                data: d.to_vec(),
            },
        }
    }

    /// Writes the fixed part into `d` (MH offset 6 on), which is exactly its length.
    fn emit_fixed(&self, d: &mut [u8]) {
        match self {
            MhMessage::Brr { reserved } => d.copy_from_slice(&reserved.to_be_bytes()),
            MhMessage::HoTI { reserved, cookie } | MhMessage::CoTI { reserved, cookie } => {
                d[..2].copy_from_slice(&reserved.to_be_bytes());
                d[2..].copy_from_slice(cookie);
            }
            MhMessage::HoT(t) | MhMessage::CoT(t) => {
                d[..2].copy_from_slice(&t.nonce_index.to_be_bytes());
                d[2..10].copy_from_slice(&t.cookie);
                d[10..].copy_from_slice(&t.keygen_token);
            }
            MhMessage::Bu(b) => {
                d[..2].copy_from_slice(&b.seq.to_be_bytes());
                d[2] = b.flags.0;
                d[3] = b.reserved;
                d[4..].copy_from_slice(&b.lifetime.to_be_bytes());
            }
            MhMessage::Ba(b) => {
                d[0] = b.status;
                d[1] = b.flags.0;
                d[2..4].copy_from_slice(&b.seq.to_be_bytes());
                d[4..].copy_from_slice(&b.lifetime.to_be_bytes());
            }
            MhMessage::Be(b) => {
                d[0] = b.status;
                d[1] = b.reserved;
                d[2..].copy_from_slice(&b.home_address.octets());
            }
            MhMessage::Unknown { data, .. } => d.copy_from_slice(data),
        }
    }
}

/// An owned Mobility Header.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Repr {
    /// 59 on send; kept as received.
    pub payload_proto: u8,
    /// The Reserved octet at offset 3, raw.
    pub reserved: u8,
    /// As received, or as to be written; see [`Repr::to_bytes_with_checksum`].
    pub checksum: u16,
    pub message: MhMessage,
    /// Mobility options in wire order, padding included. Must be empty for
    /// `MhMessage::Unknown`, whose options stay inside its raw data.
    pub options: Vec<MobilityOption>,
}

impl Repr {
    /// A ready-to-send MH: Payload Proto 59, zero Reserved and checksum, and `options` laid out
    /// with the padding that alignment and the 8-octet length need (existing padding dropped).
    /// For `MhMessage::Unknown` the options are ignored and must already be in its data.
    pub fn build(message: MhMessage, options: &[MobilityOption]) -> Repr {
        let options = match message {
            MhMessage::Unknown { .. } => Vec::new(),
            _ => lay_out(message.options_offset(), options),
        };
        Repr {
            payload_proto: PAYLOAD_PROTO_NONE,
            reserved: 0,
            checksum: 0,
            message,
            options,
        }
    }

    /// Parses the MH in a checked view (only its first `total_len` octets).
    pub fn parse<T: AsRef<[u8]>>(p: &Packet<T>) -> Result<Repr> {
        p.check_len()?;
        let kind = p.mh_type();
        let data = p.message_data();
        let (message, options) = match MhMessage::fixed_end(kind) {
            Some(end) => {
                let fixed = data.get(..end - field::DATA).ok_or_else(|| {
                    Error::new(
                        field::HEADER_LEN,
                        format!(
                            "Header Len {} too small for MH type {kind} ({end} octets needed before options)",
                            p.header_len()
                        ),
                    )
                })?;
                let message = MhMessage::parse_fixed(kind, fixed);
                let options = options::parse_options(&data[end - field::DATA..], end)?;
                (message, options)
            }
            None => (
                MhMessage::Unknown {
                    kind,
                    data: data.to_vec(),
                },
                Vec::new(),
            ),
        };
        Ok(Repr {
            payload_proto: p.payload_proto(),
            reserved: p.reserved(),
            checksum: p.checksum(),
            message,
            options,
        })
    }

    /// Parses `b`, which must hold exactly one MH (no trailing octets).
    pub fn from_bytes(b: &[u8]) -> Result<Repr> {
        let p = Packet::new_checked(b)?;
        let total = p.total_len();
        if b.len() != total {
            return Err(Error::new(
                total,
                format!("{} octets after the MH's {total}", b.len() - total),
            ));
        }
        Repr::parse(&p)
    }

    /// Octets the MH takes: fixed part plus options (whether or not a valid multiple of 8).
    pub fn buffer_len(&self) -> usize {
        self.message.options_offset() + options::options_len(&self.options)
    }

    /// Checks that the Repr can be emitted and will parse back to itself.
    pub fn validate(&self) -> Result<()> {
        let len = self.buffer_len();
        if let MhMessage::Unknown { kind, .. } = self.message {
            if MhMessage::fixed_end(kind).is_some() {
                return Err(Error::new(
                    field::MH_TYPE,
                    format!("MhMessage::Unknown with known MH type {kind}"),
                ));
            }
            if !self.options.is_empty() {
                return Err(Error::new(
                    field::DATA,
                    "options given for an unknown MH type (put them in its data)",
                ));
            }
        }
        if len % 8 != 0 || len > MAX_LEN {
            return Err(Error::new(
                field::HEADER_LEN,
                format!("MH length {len} is not a multiple of 8 up to {MAX_LEN} (pad the options)"),
            ));
        }
        let mut off = self.message.options_offset();
        for o in &self.options {
            o.validate().map_err(|e| e.shifted(off))?;
            off += o.wire_len();
        }
        Ok(())
    }

    /// Writes the MH (with the stored checksum) into the start of the view's buffer.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, p: &mut Packet<T>) -> Result<()> {
        self.validate()?;
        let len = self.buffer_len();
        let out = room_for(p.buffer.as_mut(), len, "MH")?;
        out[field::PAYLOAD_PROTO] = self.payload_proto;
        out[field::HEADER_LEN] = (len / 8 - 1) as u8;
        out[field::MH_TYPE] = self.message.mh_type();
        out[field::RESERVED] = self.reserved;
        out[field::CHECKSUM].copy_from_slice(&self.checksum.to_be_bytes());
        let opt_off = self.message.options_offset();
        self.message.emit_fixed(&mut out[field::DATA..opt_off]);
        options::emit_options(&self.options, &mut out[opt_off..])
            .map_err(|e| e.shifted(opt_off))?;
        Ok(())
    }

    /// The MH as octets, with the stored checksum.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut v = vec![0u8; self.buffer_len()];
        self.emit(&mut Packet::new_unchecked(&mut v[..]))?;
        Ok(v)
    }

    /// The MH as octets with a freshly computed checksum; see [`checksum`] for which
    /// addresses to pass (home address as source when an HAO is sent, RH2 home address as
    /// destination when an RH2 is sent).
    pub fn to_bytes_with_checksum(&self, src: &Ipv6Addr, dst: &Ipv6Addr) -> Result<Vec<u8>> {
        let mut v = self.to_bytes()?;
        checksum::fill(src, dst, &mut v)?;
        Ok(v)
    }

    /// Alignment violations among the options (empty when well laid out).
    pub fn alignment_issues(&self) -> Vec<AlignmentIssue> {
        check_alignment(self.message.options_offset(), &self.options)
    }

    /// The first option of the given type.
    pub fn option(&self, kind: u8) -> Option<&MobilityOption> {
        self.options.iter().find(|o| o.kind() == kind)
    }
}
