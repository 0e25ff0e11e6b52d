//! Agent Advertisement and Agent Solicitation (RFC 5944 §2.1, §2.2): ICMP Router
//! Advertisement (type 9) and Router Solicitation (type 10) of ICMP Router Discovery, the
//! advertisement carrying the Mobility Agent extensions after its router addresses.
//!
//! Router Advertisement layout (RFC 5944 Appendix G.1, after RFC 1256 §3): Type(1) ‖ Code(1)
//! ‖ Checksum(2) ‖ Num Addrs(1) ‖ Addr Entry Size(1, in 32-bit words) ‖ Lifetime(2) ‖ Num
//! Addrs entries of Router Address(4) ‖ Preference Level(4) (‖ any further words of a larger
//! entry size, kept raw) ‖ extensions ([`super::ext`], Router Discovery space) to the end.
//! Num Addrs may be 0 in an Agent Advertisement (§2.1). Code 0: the agent routes common
//! traffic; 16: it does not (§2.1).
//!
//! Solicitation: Type(1) ‖ Code(1) ‖ Checksum(2) ‖ Reserved(4); octets after that are kept raw.
//!
//! The checksum is the Internet checksum of the whole ICMP message (no pseudo-header).
//! [`IcmpRepr::parse`] does not judge it ([`IcmpPacket::verify_checksum`] does); emitting
//! writes the right one. So bytes round-trip exactly when their checksum is right.

use super::ext::{self, Extension, Space};
use super::{be_u16, be_u32, ipv4};
use crate::view::{buffer_view, require_len, room_for, view_fields};
use crate::{Error, Result};
use std::net::Ipv4Addr;

/// IP protocol number of ICMP.
pub const IPPROTO_ICMP: u8 = 1;
pub const ROUTER_ADVERTISEMENT: u8 = 9;
pub const ROUTER_SOLICITATION: u8 = 10;
/// Advertisement codes (RFC 5944 §2.1).
pub const CODE_ROUTES_COMMON_TRAFFIC: u8 = 0;
pub const CODE_NOT_COMMON_TRAFFIC: u8 = 16;
/// Fixed octets of either message.
pub const HEADER_LEN: usize = 8;
const CHECKSUM: core::ops::Range<usize> = 2..4;
/// All systems on this link, where multicast advertisements go (RFC 5944 §2.1).
pub const ALL_SYSTEMS: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 1);

/// The ICMP checksum (the Internet checksum of the whole message, no pseudo-header) `icmp`
/// should carry, its checksum field taken as zero.
pub fn checksum(icmp: &[u8]) -> u16 {
    crate::checksum::Checksum::new()
        .add_bytes_without_field(icmp, CHECKSUM.start)
        .checksum()
}

buffer_view! {
    /// A checked view of an ICMP Router Advertisement or Solicitation (the whole ICMP
    /// message). `new_checked` asks for type 9 or 10, the 8-octet header and, in an
    /// advertisement, the router entries Num Addrs and Addr Entry Size announce.
    #[derive(Debug, Clone, PartialEq, Eq)]
    IcmpPacket, checked by check_len
}

view_fields!(IcmpPacket {
    msg_type, set_msg_type: u8 = 0;
    code, set_code: u8 = 1;
    checksum, set_checksum: u16 = CHECKSUM;
    /// Advertisement: routers listed.
    num_addrs, set_num_addrs: u8 = 4;
    /// Advertisement: 32-bit words per router entry (2 in RFC 1256).
    addr_entry_size, set_addr_entry_size: u8 = 5;
    /// Advertisement: seconds the router addresses stay valid.
    lifetime, set_lifetime: u16 = 6..8;
    /// Solicitation: the reserved word.
    reserved, set_reserved: u32 = 4..8;
});

impl<T: AsRef<[u8]>> IcmpPacket<T> {
    pub fn check_len(&self) -> Result<()> {
        let b = self.buffer.as_ref();
        require_len(b, HEADER_LEN, |n| {
            format!("ICMP Router Discovery message of {n} octets, need 8")
        })?;
        match b[0] {
            ROUTER_SOLICITATION => Ok(()),
            ROUTER_ADVERTISEMENT => {
                let size = usize::from(self.addr_entry_size());
                if self.num_addrs() > 0 && size < 2 {
                    return Err(Error::new(
                        5,
                        format!("Addr Entry Size {size} (at least 2: address and preference)"),
                    ));
                }
                let need = self.extensions_at();
                require_len(b, need, |n| {
                    format!(
                        "{} router entries of {size} words need {need} octets, {n} present",
                        self.num_addrs()
                    )
                })
            }
            t => Err(Error::new(0, format!("ICMP type {t} (9 or 10 known)"))),
        }
    }

    /// Where an advertisement's extensions start: after its router entries.
    pub fn extensions_at(&self) -> usize {
        HEADER_LEN + usize::from(self.num_addrs()) * usize::from(self.addr_entry_size()) * 4
    }

    /// Whether the checksum is right (the sum over the message is all ones).
    pub fn verify_checksum(&self) -> bool {
        let b = self.buffer.as_ref();
        b.len() >= HEADER_LEN && checksum(b) == self.checksum()
    }
}

/// One router entry of an advertisement.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RouterAddress {
    pub address: Ipv4Addr,
    /// Preference Level, a signed 32-bit number (RFC 1256), kept as its bits.
    pub preference: u32,
    /// Words beyond the two of RFC 1256 when Addr Entry Size is larger (normally empty).
    pub extra: Vec<u8>,
}

/// An ICMP Router Advertisement, with the Mobility Agent extensions when it is an Agent
/// Advertisement.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AgentAdvertisement {
    pub code: u8,
    pub lifetime: u16,
    /// Words per router entry: 2, or whatever the sender wrote (kept for the round trip).
    pub addr_entry_size: u8,
    pub routers: Vec<RouterAddress>,
    pub extensions: Vec<Extension>,
}

impl AgentAdvertisement {
    /// The Mobility Agent Advertisement extension (what makes this an Agent Advertisement).
    pub fn mobility_agent(&self) -> Option<&ext::MobilityAgentAdvertisement> {
        self.extensions.iter().find_map(|e| match e {
            Extension::MobilityAgent(m) => Some(m),
            _ => None,
        })
    }

    /// The Agent Advertisement Challenge (RFC 4721 §2).
    pub fn challenge(&self) -> Option<&[u8]> {
        self.extensions.iter().find_map(|e| match e {
            Extension::AdvChallenge(c) => Some(c.as_slice()),
            _ => None,
        })
    }
}

/// An ICMP Router Solicitation: an Agent Solicitation when sent with TTL 1 (RFC 5944 §2.2).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct AgentSolicitation {
    pub code: u8,
    pub reserved: u32,
    /// Octets after the 8-octet header (RFC 1256 defines none), kept raw.
    pub trailing: Vec<u8>,
}

/// An ICMP Router Discovery message this codec reads.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum IcmpRepr {
    Advertisement(AgentAdvertisement),
    Solicitation(AgentSolicitation),
}

impl IcmpRepr {
    /// Decodes a checked view; the checksum is not judged.
    pub fn parse<T: AsRef<[u8]>>(p: &IcmpPacket<T>) -> Result<IcmpRepr> {
        p.check_len()?;
        let b = p.buffer.as_ref();
        if p.msg_type() == ROUTER_SOLICITATION {
            return Ok(IcmpRepr::Solicitation(AgentSolicitation {
                code: p.code(),
                reserved: p.reserved(),
                trailing: b[HEADER_LEN..].to_vec(),
            }));
        }
        let size = usize::from(p.addr_entry_size()) * 4;
        let at = p.extensions_at();
        let routers = b[HEADER_LEN..at]
            .chunks(size.max(1))
            .map(|e| RouterAddress {
                address: ipv4(&e[0..4]),
                preference: be_u32(&e[4..8]),
                extra: e[8..].to_vec(),
            })
            .collect();
        Ok(IcmpRepr::Advertisement(AgentAdvertisement {
            code: p.code(),
            lifetime: be_u16(&b[6..8]),
            addr_entry_size: p.addr_entry_size(),
            routers,
            extensions: ext::parse_extensions(&b[at..], at, Space::Discovery)?,
        }))
    }

    pub fn from_bytes(b: &[u8]) -> Result<IcmpRepr> {
        IcmpRepr::parse(&IcmpPacket::new_checked(b)?)
    }

    pub fn buffer_len(&self) -> usize {
        match self {
            IcmpRepr::Solicitation(s) => HEADER_LEN + s.trailing.len(),
            IcmpRepr::Advertisement(a) => {
                HEADER_LEN
                    + a.routers.len() * usize::from(a.addr_entry_size) * 4
                    + ext::extensions_len(&a.extensions)
            }
        }
    }

    /// Checks that the fields fit: at most 255 routers, each entry of the declared size.
    fn validate(&self) -> Result<()> {
        let IcmpRepr::Advertisement(a) = self else {
            return Ok(());
        };
        if a.routers.len() > 255 {
            return Err(Error::new(
                4,
                format!("{} routers (at most 255)", a.routers.len()),
            ));
        }
        let extra = usize::from(a.addr_entry_size).checked_sub(2).map(|w| w * 4);
        for (i, r) in a.routers.iter().enumerate() {
            if extra != Some(r.extra.len()) {
                return Err(Error::new(
                    HEADER_LEN + i * usize::from(a.addr_entry_size) * 4,
                    format!(
                        "router entry of {} octets, Addr Entry Size {} words",
                        8 + r.extra.len(),
                        a.addr_entry_size
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Writes the message, checksum included, into the first [`IcmpRepr::buffer_len`] octets.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, p: &mut IcmpPacket<T>) -> Result<()> {
        self.validate()?;
        let len = self.buffer_len();
        let out = room_for(p.buffer.as_mut(), len, "the ICMP message")?;
        let mut v = IcmpPacket::new_unchecked(&mut out[..]);
        match self {
            IcmpRepr::Solicitation(s) => {
                v.set_msg_type(ROUTER_SOLICITATION);
                v.set_code(s.code);
                v.set_reserved(s.reserved);
                out[HEADER_LEN..].copy_from_slice(&s.trailing);
            }
            IcmpRepr::Advertisement(a) => {
                v.set_msg_type(ROUTER_ADVERTISEMENT);
                v.set_code(a.code);
                v.set_num_addrs(a.routers.len() as u8);
                v.set_addr_entry_size(a.addr_entry_size);
                v.set_lifetime(a.lifetime);
                let mut at = HEADER_LEN;
                for r in &a.routers {
                    out[at..at + 4].copy_from_slice(&r.address.octets());
                    out[at + 4..at + 8].copy_from_slice(&r.preference.to_be_bytes());
                    out[at + 8..at + 8 + r.extra.len()].copy_from_slice(&r.extra);
                    at += 8 + r.extra.len();
                }
                ext::emit_extensions(&a.extensions, &mut out[at..]).map_err(|e| e.shifted(at))?;
            }
        }
        let c = checksum(out);
        out[CHECKSUM].copy_from_slice(&c.to_be_bytes());
        Ok(())
    }

    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut v = vec![0u8; self.buffer_len()];
        self.emit(&mut IcmpPacket::new_unchecked(&mut v[..]))?;
        Ok(v)
    }
}
