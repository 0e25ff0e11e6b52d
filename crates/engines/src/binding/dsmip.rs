//! RFC 5555 (DSMIPv6) at the home agent: the IPv4 home address pool, and what a home
//! registration's IPv4 options ask for (§2.3, §2.5, §3.1.1, §3.2.1, §3.2.2, §4.2, §4.5).
//!
//! The Binding Cache ([`crate::binding::ha`]) calls [`decide`] once a BU is accepted for its
//! IPv6 HoA; the IPv4 HoA then lives and dies with that binding (same lifetime; freed on
//! deregistration, on expiry, and by a BU that no longer carries the option, §4.4.2.1).
//!
//! Each IPv4 Home Address option of the BU gets one IPv4 Address Acknowledgement, in order:
//! - Prefix-len 0 → **128** (§3.1.1: "invalid and MUST be considered an error"; no code names
//!   it, so reason unspecified);
//! - P = 1 on a new request → **133**: this HA delegates no IPv4 prefixes (§4.5: failure "with
//!   the appropriate error code"); on a refresh P is ignored (§3.1.1);
//! - a second address request in one BU → **129**: one IPv4 HoA per MN here;
//! - 0.0.0.0 → the MN's current IPv4 HoA, else the pool's first free address, else **132**
//!   (§4.5 MUST);
//! - any other address: not a unicast address → **131**; the MN's own, or free in the pool →
//!   granted; held by another MN, or outside the pool → **130** (§4.5: the HA MUST check the
//!   address is allocated to this MN; it is never swapped for another one, since the field
//!   MUST carry the MN's address, §3.2.1).
//!
//! A success says Pref-len 32; a failure Pref-len 0 and the address of the request (§3.2.1).

use crate::mip4::fha::FhaIpv4Pool;
use mip6lab_wire::mh::{Ipv4AckStatus, Ipv4AddressAck, Ipv4HomeAddress, NatDetection};
use std::collections::BTreeMap;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddrV4};

/// NATKATIMEOUT (RFC 5555 §6): the NAT keepalive interval the HA suggests by default.
pub const NATKATIMEOUT_SECS: u32 = 110;

/// Prefix length of a single IPv4 home address (§3.1.1).
pub const SINGLE_ADDRESS_PREFIX_LEN: u8 = 32;

/// The HA's RFC 5555 settings; `HaConfig::dsmip = None` is an HA without RFC 5555, which
/// skips options 29–32 as RFC 6275 §6.1.7 says for options it does not understand (so a BU's
/// IPv4 Home Address option gets no acknowledgement, and the MN concludes the HA lacks
/// support, §2.3.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DsmipConfig {
    /// The IPv4 home addresses this HA hands out and defends.
    pub ipv4_hoa_pool: FhaIpv4Pool,
    /// Refresh time of the NAT Detection option when a NAT was detected (§3.2.2: the HA MUST
    /// be configured with one; NATKATIMEOUT recommended).
    pub nat_refresh_secs: u32,
    /// The HA accepts a BU's F flag (forced UDP encapsulation); if not, such a BU that came in
    /// UDP gets status 144 (§4.5).
    pub force_udp_allowed: bool,
    /// Mutant `ha.ipv4_ack_missing`: no IPv4 Address Acknowledgement in the BA.
    pub omit_ipv4_ack: bool,
    /// Mutant `ha.ipv4_hoa_in_use_granted`: grant an address another MN holds.
    pub grant_ipv4_in_use: bool,
    /// The status for a dynamic request the pool cannot serve (132, §4.5; another value only
    /// as mutant `ha.ipv4_exhausted_status`).
    pub exhausted_status: Ipv4AckStatus,
    /// Mutant `ha.no_nat_detection`: no NAT Detection option in a BA to a BU that came in UDP.
    pub omit_nat_detection: bool,
}

impl DsmipConfig {
    /// Conforming settings with this pool.
    pub fn new(ipv4_hoa_pool: FhaIpv4Pool) -> DsmipConfig {
        DsmipConfig {
            ipv4_hoa_pool,
            nat_refresh_secs: NATKATIMEOUT_SECS,
            force_udp_allowed: true,
            omit_ipv4_ack: false,
            grant_ipv4_in_use: false,
            exhausted_status: Ipv4AckStatus::DynamicUnavailable,
            omit_nat_detection: false,
        }
    }
}

/// The IPv4 care-of address of a binding made from an IPv4-only network (§2.3.2, §4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ipv4CoaBinding {
    /// The address of the BU's IPv4 Care-of Address option.
    pub option: Ipv4Addr,
    /// The outer IPv4 source address and UDP source port of the BU: where the BA and the
    /// tunnelled packets go (§2.3.2.2: the HA MUST store the port).
    pub outer: SocketAddrV4,
    /// The two addresses differ: a NAT is in the path (§4.2).
    pub nat: bool,
}

impl Ipv4CoaBinding {
    pub fn new(option: Ipv4Addr, outer: SocketAddrV4) -> Ipv4CoaBinding {
        Ipv4CoaBinding {
            option,
            outer,
            nat: option != *outer.ip(),
        }
    }
}

/// Which MN (by IPv6 HoA) holds each IPv4 home address.
#[derive(Debug, Clone, Default)]
pub(crate) struct Ipv4Leases {
    holders: BTreeMap<Ipv4Addr, Ipv6Addr>,
}

impl Ipv4Leases {
    pub(crate) fn holder(&self, a: Ipv4Addr) -> Option<Ipv6Addr> {
        self.holders.get(&a).copied()
    }

    pub(crate) fn claim(&mut self, a: Ipv4Addr, hoa: Ipv6Addr) {
        self.holders.insert(a, hoa);
    }

    /// Frees `a` if `hoa` holds it (a mutant may have handed it to another MN since).
    pub(crate) fn release(&mut self, a: Ipv4Addr, hoa: Ipv6Addr) {
        if self.holder(a) == Some(hoa) {
            self.holders.remove(&a);
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.holders.len()
    }
}

/// What the IPv4 Home Address options of one accepted BU come to.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Ipv4Decision {
    /// One per option, in the BU's order.
    pub acks: Vec<Ipv4AddressAck>,
    /// The IPv4 HoA (and prefix length) the binding holds from now on.
    pub granted: Option<(Ipv4Addr, u8)>,
}

/// A unicast address an MN could hold: not 0/8, loopback, link-local, multicast, 240/4 or
/// the limited broadcast (RFC 1122 §3.2.1.3, RFC 3927, RFC 5771, RFC 1112 §4).
pub fn is_valid_unicast(a: Ipv4Addr) -> bool {
    !(a.octets()[0] == 0
        || a.is_loopback()
        || a.is_link_local()
        || a.is_multicast()
        || a.octets()[0] >= 240)
}

fn ack(status: Ipv4AckStatus, address: Ipv4Addr, prefix_len: u8) -> Ipv4AddressAck {
    Ipv4AddressAck {
        status,
        prefix_len,
        reserved: 0,
        address,
    }
}

fn failure(status: Ipv4AckStatus, address: Ipv4Addr) -> Ipv4AddressAck {
    // §3.2.1: Pref-len MUST be zero on failure.
    ack(status, address, 0)
}

/// The IPv4 HoA requests of an accepted BU of the MN with IPv6 HoA `hoa`, which holds
/// `current` (see the module documentation for the rules).
pub(crate) fn decide(
    cfg: &DsmipConfig,
    leases: &Ipv4Leases,
    hoa: Ipv6Addr,
    current: Option<(Ipv4Addr, u8)>,
    requests: &[Ipv4HomeAddress],
) -> Ipv4Decision {
    let mut out = Ipv4Decision::default();
    let free = |a: Ipv4Addr| leases.holder(a).is_none_or(|h| h == hoa);
    for r in requests {
        let a = if r.prefix_len == 0 {
            failure(Ipv4AckStatus::ReasonUnspecified, r.address)
        } else if r.p && current.is_none() {
            failure(Ipv4AckStatus::PrefixUnauthorized, r.address)
        } else if out.granted.is_some() {
            failure(Ipv4AckStatus::AdministrativelyProhibited, r.address)
        } else if r.requests_dynamic() {
            let pick = current.map(|(c, _)| c).or_else(|| {
                cfg.ipv4_hoa_pool
                    .iter()
                    .find(|a| leases.holder(*a).is_none())
            });
            match pick {
                Some(p) => ack(Ipv4AckStatus::Success, p, SINGLE_ADDRESS_PREFIX_LEN),
                None => failure(cfg.exhausted_status, r.address),
            }
        } else if !is_valid_unicast(r.address) {
            failure(Ipv4AckStatus::InvalidAddress, r.address)
        } else if current.is_some_and(|(c, _)| c == r.address)
            || (cfg.ipv4_hoa_pool.contains(r.address) && (free(r.address) || cfg.grant_ipv4_in_use))
        {
            ack(Ipv4AckStatus::Success, r.address, SINGLE_ADDRESS_PREFIX_LEN)
        } else {
            failure(Ipv4AckStatus::IncorrectHomeAddress, r.address)
        };
        if a.status.is_success() {
            out.granted = Some((a.address, a.prefix_len));
        }
        out.acks.push(a);
    }
    out
}

/// The NAT Detection option of a BA to a BU that came in UDP (§3.2.2, §4.2): a detected NAT
/// (or none that can be ruled out, without an IPv4 CoA option to compare with) gets the
/// configured refresh time; no NAT gets all ones. F tells the MN to keep UDP when it asked
/// for it with the BU's F flag and the HA agreed.
pub(crate) fn nat_detection(
    cfg: &DsmipConfig,
    coa: Option<&Ipv4CoaBinding>,
    force_udp: bool,
) -> NatDetection {
    let nat = coa.is_none_or(|c| c.nat);
    NatDetection {
        force_udp: force_udp && cfg.force_udp_allowed,
        reserved: 0,
        refresh_time: if nat {
            cfg.nat_refresh_secs
        } else {
            NatDetection::NO_NAT
        },
    }
}

/// The acknowledgements of a deregistration's IPv4 Home Address options (§4.4.2.1: Lifetime 0
/// removes every binding, the IPv4 one too): the address removed, or 130 when the MN held none.
pub(crate) fn dereg_acks(
    current: Option<(Ipv4Addr, u8)>,
    requests: &[Ipv4HomeAddress],
) -> Vec<Ipv4AddressAck> {
    requests
        .iter()
        .map(|r| match current {
            Some((a, len)) => ack(Ipv4AckStatus::Success, a, len),
            None => failure(Ipv4AckStatus::IncorrectHomeAddress, r.address),
        })
        .collect()
}
