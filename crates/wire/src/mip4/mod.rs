//! Mobile IPv4 (RFC 5944): Registration Request and Reply on UDP 434 with their extensions,
//! the authenticators that protect them, and Agent Advertisement / Solicitation (ICMP Router
//! Discovery with the Mobility Agent extensions).
//!
//! - [`Packet`] / [`Repr`]: Registration Request (type 1, §3.3) and Reply (type 3, §3.4), every
//!   flag raw ([`RrqFlags`]), the reply [`ReplyCode`] typed, the extension list in order.
//! - [`ext`]: extensions in their plain, long and short forms (§1.9–§1.11), typed where the
//!   layout is known (RFC 5944, 2794, 3115, 3957, 4433, 4721), unknown ones kept raw, and the
//!   skippable rule ([`must_discard`]).
//! - [`auth`]: HMAC-MD5 authenticators of the MN-HA, MN-FA, FA-HA (§3.5.1) and MN-AAA
//!   (RFC 4721 §6) extensions, the CHAP_SPI variant (RFC 4721 §8), constant-time checks.
//! - [`agent`]: Agent Advertisement (ICMP type 9) and Agent Solicitation (ICMP type 10) with
//!   the ICMP checksum.
//!
//! Round trip: every message that parses re-emits identically (reserved flag bits, unknown
//! extensions and vendor reserved fields are kept). Agent messages re-emit with a correct
//! checksum, so those whose checksum was wrong do not (see [`agent`]).

pub mod agent;
pub mod auth;
pub mod ext;
#[cfg(test)]
mod tests;

use crate::view::{buffer_view, require_len, room_for, view_fields};
use crate::{Error, Result};
use std::net::Ipv4Addr;

pub use agent::{AgentAdvertisement, AgentSolicitation, IcmpPacket, IcmpRepr, RouterAddress};
pub use ext::{
    adv_ext, must_discard, reg_ext, AdvFlags, Extension, Form, KeyGen, MobilityAgentAdvertisement,
    RawExtension, Space, VendorExtension,
};

/// The agents' UDP port (RFC 5944 §3.3).
pub const PORT: u16 = 434;
/// Message types on UDP 434 (RFC 5944 §1.8).
pub const REGISTRATION_REQUEST: u8 = 1;
pub const REGISTRATION_REPLY: u8 = 3;
/// Octets before the extensions.
pub const REQUEST_LEN: usize = 24;
pub const REPLY_LEN: usize = 20;
/// Lifetime meaning "infinity" (§3.3, §3.4).
pub const LIFETIME_INFINITE: u16 = 0xffff;

pub(crate) fn be_u16(b: &[u8]) -> u16 {
    u16::from_be_bytes([b[0], b[1]])
}

pub(crate) fn be_u32(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

pub(crate) fn ipv4(b: &[u8]) -> Ipv4Addr {
    Ipv4Addr::new(b[0], b[1], b[2], b[3])
}

/// The flags octet of a Registration Request (RFC 5944 §3.3; T from RFC 3024 §3.2), all bits
/// kept as received.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct RrqFlags(pub u8);

impl RrqFlags {
    /// Simultaneous bindings.
    pub const S: u8 = 0x80;
    /// Broadcast datagrams.
    pub const B: u8 = 0x40;
    /// Decapsulation by the mobile node (co-located care-of address).
    pub const D: u8 = 0x20;
    /// Minimal encapsulation.
    pub const M: u8 = 0x10;
    /// GRE encapsulation.
    pub const G: u8 = 0x08;
    /// `r`: sent as zero, ignored.
    pub const RESERVED_R: u8 = 0x04;
    /// Reverse tunnelling requested (RFC 3024).
    pub const T: u8 = 0x02;
    /// `x`: sent as zero, ignored.
    pub const RESERVED_X: u8 = 0x01;

    pub fn has(self, bit: u8) -> bool {
        self.0 & bit != 0
    }

    /// The letters of the flags set, in wire order (`ST`, `DT`, …).
    pub fn letters(self) -> String {
        [
            (Self::S, 'S'),
            (Self::B, 'B'),
            (Self::D, 'D'),
            (Self::M, 'M'),
            (Self::G, 'G'),
            (Self::RESERVED_R, 'r'),
            (Self::T, 'T'),
            (Self::RESERVED_X, 'x'),
        ]
        .iter()
        .filter(|(b, _)| self.has(*b))
        .map(|(_, c)| *c)
        .collect()
    }
}

macro_rules! reply_codes {
    ($($(#[$doc:meta])* $variant:ident = $value:literal => $name:literal,)*) => {
        /// The Code of a Registration Reply. `Other` holds only values not listed (build one
        /// with `ReplyCode::from(u8)`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ReplyCode {
            $($(#[$doc])* $variant,)*
            Other(u8),
        }

        impl From<u8> for ReplyCode {
            fn from(v: u8) -> ReplyCode {
                match v {
                    $($value => ReplyCode::$variant,)*
                    other => ReplyCode::Other(other),
                }
            }
        }

        impl From<ReplyCode> for u8 {
            fn from(c: ReplyCode) -> u8 {
                match c {
                    $(ReplyCode::$variant => $value,)*
                    ReplyCode::Other(v) => v,
                }
            }
        }

        impl ReplyCode {
            /// The RFC's wording (`accepted`, `MISSING_NAI`, …); `None` for `Other`.
            pub fn name(self) -> Option<&'static str> {
                match self {
                    $(ReplyCode::$variant => Some($name),)*
                    ReplyCode::Other(_) => None,
                }
            }
        }
    };
}

reply_codes! {
    /// RFC 5944 §3.4.
    Accepted = 0 => "accepted",
    AcceptedNoSimultaneousBindings = 1 => "accepted, simultaneous bindings unsupported",
    FaUnspecified = 64 => "FA: reason unspecified",
    FaAdminProhibited = 65 => "FA: administratively prohibited",
    FaInsufficientResources = 66 => "FA: insufficient resources",
    FaMnFailedAuth = 67 => "FA: mobile node failed authentication",
    FaHaFailedAuth = 68 => "FA: home agent failed authentication",
    FaLifetimeTooLong = 69 => "FA: requested Lifetime too long",
    FaPoorlyFormedRequest = 70 => "FA: poorly formed Request",
    FaPoorlyFormedReply = 71 => "FA: poorly formed Reply",
    FaEncapsulationUnavailable = 72 => "FA: requested encapsulation unavailable",
    FaReservedUnavailable = 73 => "FA: reserved and unavailable",
    /// RFC 3024 §3.4.
    FaReverseTunnelUnavailable = 74 => "FA: requested reverse tunnel unavailable",
    FaReverseTunnelMandatory = 75 => "FA: reverse tunnel is mandatory and 'T' bit not set",
    FaMnTooDistant = 76 => "FA: mobile node too distant",
    FaInvalidCareOfAddress = 77 => "FA: invalid care-of address",
    FaRegistrationTimeout = 78 => "FA: registration timeout",
    /// RFC 3024 §3.4.
    FaDeliveryStyleUnsupported = 79 => "FA: delivery style not supported",
    FaHomeNetworkUnreachable = 80 => "FA: home network unreachable",
    FaHaHostUnreachable = 81 => "FA: home agent host unreachable",
    FaHaPortUnreachable = 82 => "FA: home agent port unreachable",
    FaHaUnreachable = 88 => "FA: home agent unreachable",
    /// RFC 4433 §7.
    NonzeroHaRequired = 90 => "NONZERO-HA-REQD",
    /// RFC 2794 §5.
    NonzeroHomeAddrRequired = 96 => "NONZERO_HOMEADDR_REQD",
    MissingNai = 97 => "MISSING_NAI",
    MissingHomeAgent = 98 => "MISSING_HOME_AGENT",
    MissingHomeAddr = 99 => "MISSING_HOMEADDR",
    /// RFC 3115 §2.4.
    FaUnknownCvseFromMn = 100 => "FA: unsupported CVSE from the MN",
    FaUnknownCvseFromHa = 101 => "FA: unsupported CVSE from the HA",
    /// RFC 4721 §10.
    UnknownChallenge = 104 => "unknown_challenge",
    MissingChallenge = 105 => "missing_challenge",
    StaleChallenge = 106 => "stale_challenge",
    /// RFC 3957 §7.
    MissingMnFa = 107 => "MISSING_MN_FA",
    /// RFC 4721 §10.
    FaBadAaaAuth = 108 => "fa_bad_aaa_auth",
    HaWrongChallenge = 109 => "ha_wrong_challenge",
    HaUnspecified = 128 => "HA: reason unspecified",
    HaAdminProhibited = 129 => "HA: administratively prohibited",
    HaInsufficientResources = 130 => "HA: insufficient resources",
    HaMnFailedAuth = 131 => "HA: mobile node failed authentication",
    HaFaFailedAuth = 132 => "HA: foreign agent failed authentication",
    HaIdentificationMismatch = 133 => "HA: registration Identification mismatch",
    HaPoorlyFormedRequest = 134 => "HA: poorly formed Request",
    HaTooManyBindings = 135 => "HA: too many simultaneous mobility bindings",
    HaUnknownHaAddress = 136 => "HA: unknown home agent address",
    /// RFC 3024 §3.4.
    HaReverseTunnelUnavailable = 137 => "HA: requested reverse tunnel unavailable",
    HaReverseTunnelMandatory = 138 => "HA: reverse tunnel is mandatory and 'T' bit not set",
    HaEncapsulationUnavailable = 139 => "HA: requested encapsulation unavailable",
    /// RFC 3115 §2.4.
    HaUnknownCvseFromMn = 140 => "HA: unsupported CVSE from the MN",
    HaUnknownCvseFromFa = 141 => "HA: unsupported CVSE from the FA",
    /// RFC 3519 §3.5.
    HaUdpEncapUnavailable = 142 => "HA: requested UDP tunnel encapsulation unavailable",
    /// RFC 4433 §7.
    RedirectHa = 143 => "REDIRECT-HA-REQ",
    /// RFC 4721 §10.
    HaBadAaaAuth = 144 => "ha_bad_aaa_auth",
    /// RFC 5944 §3.4 (denied by the foreign agent).
    FaInvalidHaAddress = 194 => "FA: invalid home agent address",
}

impl ReplyCode {
    /// Codes 0 and 1 accept the registration (RFC 5944 §3.4).
    pub fn is_accepted(self) -> bool {
        u8::from(self) <= 1
    }
}

/// Fixed octets of a message type; `None` for types other than 1 and 3.
fn fixed_len(msg_type: u8) -> Option<usize> {
    match msg_type {
        REGISTRATION_REQUEST => Some(REQUEST_LEN),
        REGISTRATION_REPLY => Some(REPLY_LEN),
        _ => None,
    }
}

buffer_view! {
    /// A checked view of a Registration Request or Reply (a UDP 434 payload; the message ends
    /// with the payload, RFC 5944 §1.8). `new_checked` asks for a known type and its fixed part.
    #[derive(Debug, Clone, PartialEq, Eq)]
    Packet, checked by check_len
}

mod field {
    use core::ops::Range;
    pub const TYPE: usize = 0;
    /// Flags in a Request, Code in a Reply.
    pub const FLAGS_OR_CODE: usize = 1;
    pub const LIFETIME: Range<usize> = 2..4;
    pub const HOME_ADDRESS: Range<usize> = 4..8;
    pub const HOME_AGENT: Range<usize> = 8..12;
    pub const CARE_OF_ADDRESS: Range<usize> = 12..16;
}

view_fields!(Packet {
    msg_type, set_msg_type: u8 = field::TYPE;
    /// The flags octet of a Request; the Code of a Reply.
    flags_or_code, set_flags_or_code: u8 = field::FLAGS_OR_CODE;
    lifetime, set_lifetime: u16 = field::LIFETIME;
});

impl<T: AsRef<[u8]>> Packet<T> {
    /// The type is 1 or 3 and the buffer holds its fixed part.
    pub fn check_len(&self) -> Result<()> {
        let b = self.buffer.as_ref();
        require_len(b, 1, |_| "Mobile IP message of 0 octets")?;
        let Some(fixed) = fixed_len(b[0]) else {
            return Err(Error::new(
                0,
                format!("Mobile IP message type {} (1 or 3 known)", b[0]),
            ));
        };
        require_len(b, fixed, |n| {
            format!(
                "Mobile IP type {} truncated: {n} octets, need {fixed}",
                b[0]
            )
        })
    }

    fn addr(&self, r: core::ops::Range<usize>) -> Ipv4Addr {
        ipv4(&self.buffer.as_ref()[r])
    }

    pub fn home_address(&self) -> Ipv4Addr {
        self.addr(field::HOME_ADDRESS)
    }

    pub fn home_agent(&self) -> Ipv4Addr {
        self.addr(field::HOME_AGENT)
    }

    /// The Care-of Address of a Request (in a Reply these octets begin the Identification).
    pub fn care_of_address(&self) -> Ipv4Addr {
        self.addr(field::CARE_OF_ADDRESS)
    }

    /// Offset of Identification: 16 in a Request, 12 in a Reply.
    fn identification_at(&self) -> usize {
        fixed_len(self.msg_type()).unwrap_or(REQUEST_LEN) - 8
    }

    pub fn identification(&self) -> u64 {
        let at = self.identification_at();
        let mut o = [0u8; 8];
        o.copy_from_slice(&self.buffer.as_ref()[at..at + 8]);
        u64::from_be_bytes(o)
    }

    /// Offset of the extensions (24 in a Request, 20 in a Reply).
    pub fn extensions_at(&self) -> usize {
        fixed_len(self.msg_type()).unwrap_or(REQUEST_LEN)
    }

    /// The extension octets: the rest of the buffer.
    pub fn extensions(&self) -> &[u8] {
        &self.buffer.as_ref()[self.extensions_at()..]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    fn set_addr(&mut self, r: core::ops::Range<usize>, a: Ipv4Addr) {
        self.buffer.as_mut()[r].copy_from_slice(&a.octets());
    }

    pub fn set_home_address(&mut self, a: Ipv4Addr) {
        self.set_addr(field::HOME_ADDRESS, a)
    }

    pub fn set_home_agent(&mut self, a: Ipv4Addr) {
        self.set_addr(field::HOME_AGENT, a)
    }

    pub fn set_care_of_address(&mut self, a: Ipv4Addr) {
        self.set_addr(field::CARE_OF_ADDRESS, a)
    }

    /// Writes Identification where the message type (set first) puts it.
    pub fn set_identification(&mut self, id: u64) {
        let at = self.identification_at();
        self.buffer.as_mut()[at..at + 8].copy_from_slice(&id.to_be_bytes());
    }
}

/// A Registration Request (RFC 5944 §3.3).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RegistrationRequest {
    pub flags: RrqFlags,
    pub lifetime: u16,
    pub home_address: Ipv4Addr,
    pub home_agent: Ipv4Addr,
    pub care_of_address: Ipv4Addr,
    pub identification: u64,
    pub extensions: Vec<Extension>,
}

/// A Registration Reply (RFC 5944 §3.4).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RegistrationReply {
    pub code: ReplyCode,
    pub lifetime: u16,
    pub home_address: Ipv4Addr,
    pub home_agent: Ipv4Addr,
    pub identification: u64,
    pub extensions: Vec<Extension>,
}

/// A message on UDP 434 this codec reads.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Repr {
    Request(RegistrationRequest),
    Reply(RegistrationReply),
}

impl Repr {
    /// Decodes a checked view (the extensions run to the end of the buffer).
    pub fn parse<T: AsRef<[u8]>>(p: &Packet<T>) -> Result<Repr> {
        p.check_len()?;
        let extensions =
            ext::parse_extensions(p.extensions(), p.extensions_at(), Space::Registration)?;
        Ok(match p.msg_type() {
            REGISTRATION_REQUEST => Repr::Request(RegistrationRequest {
                flags: RrqFlags(p.flags_or_code()),
                lifetime: p.lifetime(),
                home_address: p.home_address(),
                home_agent: p.home_agent(),
                care_of_address: p.care_of_address(),
                identification: p.identification(),
                extensions,
            }),
            _ => Repr::Reply(RegistrationReply {
                code: ReplyCode::from(p.flags_or_code()),
                lifetime: p.lifetime(),
                home_address: p.home_address(),
                home_agent: p.home_agent(),
                identification: p.identification(),
                extensions,
            }),
        })
    }

    pub fn from_bytes(b: &[u8]) -> Result<Repr> {
        Repr::parse(&Packet::new_checked(b)?)
    }

    pub fn msg_type(&self) -> u8 {
        match self {
            Repr::Request(_) => REGISTRATION_REQUEST,
            Repr::Reply(_) => REGISTRATION_REPLY,
        }
    }

    pub fn extensions(&self) -> &[Extension] {
        match self {
            Repr::Request(r) => &r.extensions,
            Repr::Reply(r) => &r.extensions,
        }
    }

    pub fn extensions_mut(&mut self) -> &mut Vec<Extension> {
        match self {
            Repr::Request(r) => &mut r.extensions,
            Repr::Reply(r) => &mut r.extensions,
        }
    }

    pub fn identification(&self) -> u64 {
        match self {
            Repr::Request(r) => r.identification,
            Repr::Reply(r) => r.identification,
        }
    }

    fn fixed_len(&self) -> usize {
        match self {
            Repr::Request(_) => REQUEST_LEN,
            Repr::Reply(_) => REPLY_LEN,
        }
    }

    pub fn buffer_len(&self) -> usize {
        self.fixed_len() + ext::extensions_len(self.extensions())
    }

    /// Writes the message into the first [`Repr::buffer_len`] octets of the view.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, p: &mut Packet<T>) -> Result<()> {
        let len = self.buffer_len();
        let out = room_for(p.buffer.as_mut(), len, "the message")?;
        let fixed = self.fixed_len();
        ext::emit_extensions(self.extensions(), &mut out[fixed..]).map_err(|e| e.shifted(fixed))?;
        let mut v = Packet::new_unchecked(&mut out[..]);
        v.set_msg_type(self.msg_type());
        match self {
            Repr::Request(r) => {
                v.set_flags_or_code(r.flags.0);
                v.set_lifetime(r.lifetime);
                v.set_home_address(r.home_address);
                v.set_home_agent(r.home_agent);
                v.set_care_of_address(r.care_of_address);
            }
            Repr::Reply(r) => {
                v.set_flags_or_code(r.code.into());
                v.set_lifetime(r.lifetime);
                v.set_home_address(r.home_address);
                v.set_home_agent(r.home_agent);
            }
        }
        v.set_identification(self.identification());
        Ok(())
    }

    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut v = vec![0u8; self.buffer_len()];
        self.emit(&mut Packet::new_unchecked(&mut v[..]))?;
        Ok(v)
    }

    /// The message emitted, then an authentication extension of type `kind` (32, 33, 34, or
    /// 36 for MN-AAA) with `spi` and the HMAC-MD5 authenticator keyed with `key`
    /// ([`auth::append_authenticated`]). `self` is left unchanged.
    pub fn to_bytes_signed(&self, kind: u8, spi: u32, key: &[u8]) -> Result<Vec<u8>> {
        let mut b = self.to_bytes()?;
        auth::append_authenticated(&mut b, kind, spi, key)?;
        Ok(b)
    }

    /// The first extension that makes the message to be silently discarded (RFC 5944 §1.8).
    pub fn must_discard(&self) -> Option<&Extension> {
        must_discard(self.extensions(), Space::Registration).map(|i| &self.extensions()[i])
    }

    /// The NAI extension's text (RFC 2794 §2), lossily decoded.
    pub fn nai(&self) -> Option<String> {
        self.extensions().iter().find_map(|e| match e {
            Extension::Nai(n) => Some(String::from_utf8_lossy(n).into_owned()),
            _ => None,
        })
    }
}
