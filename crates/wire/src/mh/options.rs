//! Mobility options (RFC 6275 §6.2): TLVs after an MH message's fixed part.
//!
//! Parsing keeps everything needed to re-emit the exact octets: padding options are kept as
//! parsed (PadN with its content, even when non-zero), reserved bits stay raw, and unknown
//! types stay as `Unknown { kind, data }`. Alignment is never enforced while parsing; use
//! [`check_alignment`] to judge a sender and [`lay_out`] to build a well-formed list.

use crate::tlv::{self, AlignedOption, Format, Item, TlvError};
use crate::{Error, Result};
use std::net::Ipv6Addr;

mod dsmip;
pub use dsmip::{Ipv4AckStatus, Ipv4AddressAck, Ipv4CareOf, Ipv4HomeAddress, NatDetection};

pub const PAD1: u8 = 0;
pub const PADN: u8 = 1;
pub const BINDING_REFRESH_ADVICE: u8 = 2;
pub const ALTERNATE_COA: u8 = 3;
pub const NONCE_INDICES: u8 = 4;
pub const BINDING_AUTH_DATA: u8 = 5;
/// Mobile Node Identifier option (RFC 4283 §3).
pub const MN_ID: u8 = 8;
/// DNS Update option (RFC 5026 §8.1).
pub const DNS_UPDATE: u8 = 17;
/// IPv4 Home Address option (RFC 5555 §3.1.1).
pub const IPV4_HOME_ADDRESS: u8 = 29;
/// IPv4 Address Acknowledgement option (RFC 5555 §3.2.1).
pub const IPV4_ADDRESS_ACK: u8 = 30;
/// NAT Detection option (RFC 5555 §3.2.2).
pub const NAT_DETECTION: u8 = 31;
/// IPv4 Care-of Address option (RFC 5555 §3.1.2).
pub const IPV4_CARE_OF_ADDRESS: u8 = 32;

/// MN-ID subtype for a Network Access Identifier (RFC 4283 §3.1).
pub const MN_ID_SUBTYPE_NAI: u8 = 1;

/// Types this module decodes; anything else is `Unknown`.
pub fn is_known(kind: u8) -> bool {
    matches!(
        kind,
        PAD1 | PADN
            | BINDING_REFRESH_ADVICE
            | ALTERNATE_COA
            | NONCE_INDICES
            | BINDING_AUTH_DATA
            | MN_ID
            | DNS_UPDATE
            | IPV4_HOME_ADDRESS
            | IPV4_ADDRESS_ACK
            | NAT_DETECTION
            | IPV4_CARE_OF_ADDRESS
    )
}

/// One mobility option.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum MobilityOption {
    /// One octet of padding (§6.2.2).
    Pad1,
    /// Padding of `2 + data.len()` octets (§6.2.3). Senders put zeros; the data is kept as
    /// received so a non-zero fill round-trips and can be reported.
    PadN(Vec<u8>),
    /// Refresh Interval in units of 4 s (§6.2.4).
    BindingRefreshAdvice { interval: u16 },
    /// Alternate Care-of Address (§6.2.5).
    AlternateCoa(Ipv6Addr),
    /// Nonce Indices (§6.2.6).
    NonceIndices { home: u16, care_of: u16 },
    /// Binding Authorization Data: the authenticator (§6.2.7).
    BindingAuthData(Vec<u8>),
    /// Mobile Node Identifier (RFC 4283 §3): subtype (1 = NAI) and identifier.
    MnId { subtype: u8, identifier: Vec<u8> },
    /// DNS Update (RFC 5026 §8.1).
    DnsUpdate(DnsUpdate),
    /// IPv4 Home Address, in a BU (RFC 5555 §3.1.1).
    Ipv4HomeAddress(Ipv4HomeAddress),
    /// IPv4 Address Acknowledgement, in a BA (RFC 5555 §3.2.1).
    Ipv4AddressAck(Ipv4AddressAck),
    /// NAT Detection, in a BA (RFC 5555 §3.2.2).
    NatDetection(NatDetection),
    /// IPv4 Care-of Address, in a BU (RFC 5555 §3.1.2).
    Ipv4CareOf(Ipv4CareOf),
    /// Any other type, data kept raw. `kind` must not be a type listed in [`is_known`].
    Unknown { kind: u8, data: Vec<u8> },
}

/// How the MN identity of a DNS Update option is written.
///
/// RFC 5026 §8.1 only says the identity is "in FQDN format" and does not say which wire form;
/// PROTOCOL-FACTS marks this UNCONFIRMED. We therefore never normalize: the identity stays as
/// raw octets, and decoding accepts both plausible forms (they cannot be confused, since the
/// text form never holds a zero octet and the label form always ends in one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FqdnForm {
    /// Printable ASCII, dot-separated, no terminator (as IKEv2 ID_FQDN carries it).
    Text,
    /// Uncompressed DNS labels ending in the root label (RFC 1035 §3.1).
    DnsWire,
}

/// The DNS Update option body (RFC 5026 §8.1).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DnsUpdate {
    /// 0 in a BU; in a BA, < 128 means the update was done.
    pub status: u8,
    /// The octet holding R (0x80) and 7 reserved bits, raw so reserved bits round-trip.
    pub flags: u8,
    /// MN identity, raw (see [`FqdnForm`]).
    pub identity: Vec<u8>,
}

impl DnsUpdate {
    /// R: remove the FQDN ↔ HoA entry.
    pub const R: u8 = 0x80;

    /// A DNS Update with the identity written in `form`. `Err` if the name cannot be written
    /// that way (empty label, label over 63 octets, non-printable text, or too long to fit).
    pub fn new(status: u8, remove: bool, fqdn: &str, form: FqdnForm) -> Result<DnsUpdate> {
        let identity = match form {
            FqdnForm::Text => {
                if fqdn.is_empty() || !fqdn.bytes().all(|b| b.is_ascii_graphic()) {
                    return Err(Error::new(0, "FQDN text must be non-empty printable ASCII"));
                }
                fqdn.as_bytes().to_vec()
            }
            FqdnForm::DnsWire => {
                let mut out = Vec::new();
                for label in fqdn.trim_end_matches('.').split('.') {
                    if label.is_empty() || label.len() > 63 {
                        return Err(Error::new(out.len(), "FQDN label empty or over 63 octets"));
                    }
                    out.push(label.len() as u8);
                    out.extend_from_slice(label.as_bytes());
                }
                out.push(0);
                out
            }
        };
        if identity.len() > 253 {
            return Err(Error::new(0, "FQDN too long for a DNS Update option"));
        }
        Ok(DnsUpdate {
            status,
            flags: if remove { Self::R } else { 0 },
            identity,
        })
    }

    pub fn remove(&self) -> bool {
        self.flags & Self::R != 0
    }

    /// The 7 reserved bits (MUST be 0 on send).
    pub fn reserved(&self) -> u8 {
        self.flags & !Self::R
    }

    /// Which form the identity is in, if either parses.
    pub fn fqdn_form(&self) -> Option<FqdnForm> {
        if decode_labels(&self.identity).is_some() {
            Some(FqdnForm::DnsWire)
        } else if !self.identity.is_empty() && self.identity.iter().all(u8::is_ascii_graphic) {
            Some(FqdnForm::Text)
        } else {
            None
        }
    }

    /// The identity as a dotted name (no trailing dot), when it is in either form.
    pub fn fqdn(&self) -> Option<String> {
        match self.fqdn_form()? {
            FqdnForm::DnsWire => decode_labels(&self.identity),
            FqdnForm::Text => Some(String::from_utf8_lossy(&self.identity).into_owned()),
        }
    }
}

/// Decodes uncompressed DNS labels that fill `b` exactly and end in the root label.
fn decode_labels(b: &[u8]) -> Option<String> {
    let mut labels = Vec::new();
    let mut i = 0usize;
    loop {
        let len = usize::from(*b.get(i)?);
        if len == 0 {
            break;
        }
        if len > 63 {
            return None;
        }
        let label = b.get(i + 1..i + 1 + len)?;
        if !label.iter().all(u8::is_ascii_graphic) {
            return None;
        }
        labels.push(String::from_utf8_lossy(label).into_owned());
        i += 1 + len;
    }
    if i + 1 != b.len() || labels.is_empty() {
        return None;
    }
    Some(labels.join("."))
}

impl MobilityOption {
    pub fn kind(&self) -> u8 {
        match self {
            MobilityOption::Pad1 => PAD1,
            MobilityOption::PadN(_) => PADN,
            MobilityOption::BindingRefreshAdvice { .. } => BINDING_REFRESH_ADVICE,
            MobilityOption::AlternateCoa(_) => ALTERNATE_COA,
            MobilityOption::NonceIndices { .. } => NONCE_INDICES,
            MobilityOption::BindingAuthData(_) => BINDING_AUTH_DATA,
            MobilityOption::MnId { .. } => MN_ID,
            MobilityOption::DnsUpdate(_) => DNS_UPDATE,
            MobilityOption::Ipv4HomeAddress(_) => IPV4_HOME_ADDRESS,
            MobilityOption::Ipv4AddressAck(_) => IPV4_ADDRESS_ACK,
            MobilityOption::NatDetection(_) => NAT_DETECTION,
            MobilityOption::Ipv4CareOf(_) => IPV4_CARE_OF_ADDRESS,
            MobilityOption::Unknown { kind, .. } => *kind,
        }
    }

    /// PadN of `n` octets in all (`n >= 2`), or Pad1 for `n == 1`. `None` for 0 or > 257.
    pub fn padding(n: usize) -> Option<MobilityOption> {
        match n {
            1 => Some(MobilityOption::Pad1),
            2..=257 => Some(MobilityOption::PadN(vec![0; n - 2])),
            _ => None,
        }
    }

    pub fn is_padding(&self) -> bool {
        matches!(self, MobilityOption::Pad1 | MobilityOption::PadN(_))
    }

    /// The Option Length field: octets after Type and Length (Pad1 has none; 0 here).
    pub fn data_len(&self) -> usize {
        match self {
            MobilityOption::Pad1 => 0,
            MobilityOption::PadN(d) | MobilityOption::BindingAuthData(d) => d.len(),
            MobilityOption::BindingRefreshAdvice { .. } => 2,
            MobilityOption::AlternateCoa(_) => 16,
            MobilityOption::NonceIndices { .. } => 4,
            MobilityOption::MnId { identifier, .. } => 1 + identifier.len(),
            MobilityOption::DnsUpdate(d) => 2 + d.identity.len(),
            MobilityOption::Ipv4HomeAddress(_)
            | MobilityOption::Ipv4AddressAck(_)
            | MobilityOption::NatDetection(_)
            | MobilityOption::Ipv4CareOf(_) => dsmip::LENGTH,
            MobilityOption::Unknown { data, .. } => data.len(),
        }
    }

    /// Octets on the wire, Type and Length included.
    pub fn wire_len(&self) -> usize {
        match self {
            MobilityOption::Pad1 => 1,
            _ => 2 + self.data_len(),
        }
    }

    /// Checks that the option can be written: Length fits an octet, and an `Unknown` does not
    /// use a type that parsing would decode (that would break the round trip).
    pub fn validate(&self) -> Result<()> {
        if self.data_len() > 255 {
            return Err(Error::new(
                0,
                format!("option {} data over 255 octets", self.kind()),
            ));
        }
        match self {
            MobilityOption::Unknown { kind, .. } if is_known(*kind) => Err(Error::new(
                0,
                format!("Unknown option with known type {kind}"),
            )),
            MobilityOption::Ipv4HomeAddress(o) => o.validate(),
            MobilityOption::Ipv4AddressAck(o) => o.validate(),
            MobilityOption::NatDetection(o) => o.validate(),
            _ => Ok(()),
        }
    }

    /// Writes the option at the start of `out`; returns the octets written.
    pub fn emit(&self, out: &mut [u8]) -> Result<usize> {
        self.validate()?;
        let d = Format::MOBILITY_OPTIONS.emit_option_header(self.kind(), self.data_len(), out)?;
        match self {
            MobilityOption::Pad1 => {}
            MobilityOption::PadN(v) | MobilityOption::BindingAuthData(v) => d.copy_from_slice(v),
            MobilityOption::Unknown { data, .. } => d.copy_from_slice(data),
            MobilityOption::BindingRefreshAdvice { interval } => {
                d.copy_from_slice(&interval.to_be_bytes())
            }
            MobilityOption::AlternateCoa(a) => d.copy_from_slice(&a.octets()),
            MobilityOption::NonceIndices { home, care_of } => {
                d[..2].copy_from_slice(&home.to_be_bytes());
                d[2..].copy_from_slice(&care_of.to_be_bytes());
            }
            MobilityOption::MnId {
                subtype,
                identifier,
            } => {
                d[0] = *subtype;
                d[1..].copy_from_slice(identifier);
            }
            MobilityOption::DnsUpdate(u) => {
                d[0] = u.status;
                d[1] = u.flags;
                d[2..].copy_from_slice(&u.identity);
            }
            MobilityOption::Ipv4HomeAddress(o) => d.copy_from_slice(&o.to_data()),
            MobilityOption::Ipv4AddressAck(o) => d.copy_from_slice(&o.to_data()),
            MobilityOption::NatDetection(o) => d.copy_from_slice(&o.to_data()),
            MobilityOption::Ipv4CareOf(o) => d.copy_from_slice(&o.to_data()),
        }
        Ok(self.wire_len())
    }

    /// Parses one option at the start of `b`; `base` is the offset of `b` in the outermost
    /// buffer, for error offsets. Returns the option and the octets it used.
    pub fn parse(b: &[u8], base: usize) -> Result<(MobilityOption, usize)> {
        let item = Format::MOBILITY_OPTIONS
            .items(b, base)
            .next()
            .ok_or_else(|| Error::new(base, "mobility option missing"))?
            .map_err(option_list_error)?;
        Ok((MobilityOption::decode(&item)?, item.raw.len()))
    }

    /// Decodes the option in one walked item (known types by their layout, others raw).
    fn decode(item: &Item<'_>) -> Result<MobilityOption> {
        let kind = item.kind as u8;
        if kind == PAD1 {
            return Ok(MobilityOption::Pad1);
        }
        let d = item.value;
        let len = d.len();
        // Errors about a value's size point at its Length octet.
        let length_offset = item.offset + 1;
        let want = |n: usize, name: &str| -> Result<()> {
            if len == n {
                Ok(())
            } else {
                Err(Error::new(
                    length_offset,
                    format!("{name} option Length {len}, must be {n}"),
                ))
            }
        };
        let opt = match kind {
            PADN => MobilityOption::PadN(d.to_vec()),
            BINDING_REFRESH_ADVICE => {
                want(2, "Binding Refresh Advice")?;
                MobilityOption::BindingRefreshAdvice {
                    interval: u16::from_be_bytes([d[0], d[1]]),
                }
            }
            ALTERNATE_COA => {
                want(16, "Alternate Care-of Address")?;
                let mut a = [0u8; 16];
                a.copy_from_slice(d);
                MobilityOption::AlternateCoa(Ipv6Addr::from(a))
            }
            NONCE_INDICES => {
                want(4, "Nonce Indices")?;
                MobilityOption::NonceIndices {
                    home: u16::from_be_bytes([d[0], d[1]]),
                    care_of: u16::from_be_bytes([d[2], d[3]]),
                }
            }
            BINDING_AUTH_DATA => MobilityOption::BindingAuthData(d.to_vec()),
            MN_ID => match d.split_first() {
                Some((subtype, identifier)) => MobilityOption::MnId {
                    subtype: *subtype,
                    identifier: identifier.to_vec(),
                },
                None => {
                    return Err(Error::new(
                        length_offset,
                        "Mobile Node Identifier option without a Subtype",
                    ))
                }
            },
            DNS_UPDATE => match d {
                [status, flags, identity @ ..] => MobilityOption::DnsUpdate(DnsUpdate {
                    status: *status,
                    flags: *flags,
                    identity: identity.to_vec(),
                }),
                _ => {
                    return Err(Error::new(
                        length_offset,
                        format!("DNS Update option Length {len}, must be at least 2"),
                    ))
                }
            },
            IPV4_HOME_ADDRESS | IPV4_ADDRESS_ACK | NAT_DETECTION | IPV4_CARE_OF_ADDRESS => {
                want(dsmip::LENGTH, dsmip::name(kind))?;
                let mut v = [0u8; dsmip::LENGTH];
                v.copy_from_slice(d);
                dsmip::decode(kind, v)
            }
            _ => MobilityOption::Unknown {
                kind,
                data: d.to_vec(),
            },
        };
        Ok(opt)
    }
}

/// Words a malformed option list as the MH codec always has (transcripts print these).
fn option_list_error(e: TlvError) -> Error {
    match e {
        TlvError::Overrun {
            offset,
            kind,
            length,
            left,
        } => Error::new(
            offset,
            format!(
                "mobility option {kind} Length {length} runs past the end of the MH ({} octets left)",
                left.saturating_sub(2)
            ),
        ),
        TlvError::HeaderTruncated { offset, .. } => {
            Error::new(offset + 1, "mobility option Length truncated")
        }
        other => other.into(),
    }
}

/// Parses options filling `b` exactly; `base` is the offset of `b` in the MH (or outer buffer).
pub fn parse_options(b: &[u8], base: usize) -> Result<Vec<MobilityOption>> {
    Format::MOBILITY_OPTIONS
        .items(b, base)
        .map(|item| MobilityOption::decode(&item.map_err(option_list_error)?))
        .collect()
}

/// Total wire length of a list of options.
pub fn options_len(opts: &[MobilityOption]) -> usize {
    opts.iter().map(MobilityOption::wire_len).sum()
}

/// Writes options back to back; returns the octets written.
pub fn emit_options(opts: &[MobilityOption], out: &mut [u8]) -> Result<usize> {
    let mut i = 0;
    for o in opts {
        let rest = out
            .get_mut(i..)
            .ok_or_else(|| Error::new(i, "buffer too short for options"))?;
        i += o.emit(rest).map_err(|e| e.shifted(i))?;
    }
    Ok(i)
}

/// The `xn+y` alignment an option type needs, as `(x, y)`, offsets counted from the start of
/// the MH. BAD's 8n+2 is the implicit one of §6.2.7 (it comes last). MN-ID (RFC 4283 §3) and
/// DNS Update (RFC 5026 §8.1) state none. The DSMIPv6 options 29–32 are 4n (RFC 5555 §3.1.1,
/// §3.1.2, §3.2.1, §3.2.2).
pub fn alignment(kind: u8) -> Option<(usize, usize)> {
    match kind {
        BINDING_REFRESH_ADVICE | NONCE_INDICES => Some((2, 0)),
        IPV4_HOME_ADDRESS..=IPV4_CARE_OF_ADDRESS => Some((4, 0)),
        ALTERNATE_COA => Some((8, 6)),
        BINDING_AUTH_DATA => Some((8, 2)),
        _ => None,
    }
}

/// What is wrong with where an option sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlignmentProblem {
    /// The option's Type octet is not at an offset `x·n + y`.
    Misaligned { x: usize, y: usize },
    /// Something (padding included) follows a Binding Authorization Data option, which must
    /// be last with nothing after it (§6.2.7, §9.5.1, §11.7.3).
    AuthDataNotLast,
}

/// An alignment violation: the option of type `kind` at MH offset `offset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlignmentIssue {
    pub offset: usize,
    pub kind: u8,
    pub problem: AlignmentProblem,
}

impl AlignedOption for MobilityOption {
    fn alignment(&self) -> Option<(usize, usize)> {
        alignment(self.kind())
    }

    fn wire_len(&self) -> usize {
        MobilityOption::wire_len(self)
    }

    fn is_padding(&self) -> bool {
        MobilityOption::is_padding(self)
    }

    fn padding(n: usize) -> Option<MobilityOption> {
        MobilityOption::padding(n)
    }
}

/// Reports options that break the alignment rules, for options starting at MH offset `start`
/// (the end of the message's fixed part). Parsing never rejects these; tests judge with this.
pub fn check_alignment(start: usize, opts: &[MobilityOption]) -> Vec<AlignmentIssue> {
    let misplaced = tlv::misplaced(start, opts);
    let mut issues = Vec::new();
    let mut offset = start;
    for (i, o) in opts.iter().enumerate() {
        if let Some(m) = misplaced.iter().find(|m| m.index == i) {
            issues.push(AlignmentIssue {
                offset,
                kind: o.kind(),
                problem: AlignmentProblem::Misaligned { x: m.x, y: m.y },
            });
        }
        if o.kind() == BINDING_AUTH_DATA && i + 1 != opts.len() {
            issues.push(AlignmentIssue {
                offset,
                kind: o.kind(),
                problem: AlignmentProblem::AuthDataNotLast,
            });
        }
        offset += o.wire_len();
    }
    issues
}

/// Builds a padded option list: drops any padding in `opts`, inserts Pad1/PadN so each option
/// meets its alignment (counting from MH offset `start`), and pads the end so that the MH
/// (ending at `start` + options) is a multiple of 8 octets. A trailing BAD option is aligned
/// 8n+2; only an authenticator of 8n+4 octets (e.g. the 12-octet RR one) then ends on a
/// multiple of 8, otherwise end padding follows it and [`check_alignment`] will say so.
pub fn lay_out(start: usize, opts: &[MobilityOption]) -> Vec<MobilityOption> {
    tlv::lay_out(start, opts)
}
