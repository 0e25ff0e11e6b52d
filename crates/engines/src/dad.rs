//! Duplicate address detection on the home link, sans-IO: the home agent's proxy DAD for an
//! auto-configured home address (RFC 5026 §5.3.2; RFC 6275 §10.4.1, which points to RFC 4862
//! §5.4), and the other side, a node that defends addresses of a prefix (a harness peer).
//!
//! The caller sends the probe, hands over every IPv6 packet its link tap received (its own
//! outgoing copies left out) and asks [`ProxyDad::poll`] when the wait is over.

use crate::binding::{in_prefix, BindingCache, BuInput};
use mip6lab_wire::mh::BuFlags;
use mip6lab_wire::nd::{self, Repr};
use std::net::Ipv6Addr;

/// RFC 4861 §10 RetransTimer: how long a DAD probe waits for a defense (DupAddrDetectTransmits
/// is 1, RFC 4862 §5.1).
pub const RETRANS_TIMER_MS: u64 = 1_000;

/// Whether a BU calls for proxy DAD before it is accepted: an auto-configured HoA
/// (`autoconf`), a registration (lifetime ≠ 0, H set, with a HAO) that would create a binding
/// (none exists for the HoA), on the SA made for that HoA and on a home prefix. A BU that the
/// cache refuses or discards anyway is not worth a probe.
pub fn needs_proxy_dad(cache: &BindingCache, input: &BuInput<'_>, autoconf: bool) -> bool {
    let Some(hoa) = input.hao else {
        return false;
    };
    autoconf
        && input.bu.lifetime != 0
        && input.bu.flags.contains(BuFlags::H)
        && input.sa_hoa == hoa
        && input.src != hoa
        && cache.get(&hoa).is_none()
        && cache
            .config()
            .home_prefixes
            .iter()
            .any(|(p, l)| in_prefix(&hoa, p, *l))
}

/// How a proxy DAD ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DadOutcome {
    /// Nobody answered within the wait: the address may be bound.
    Unique,
    /// A node advertised the address (RFC 4862 §5.4.4).
    Defended { by: Ipv6Addr },
    /// Another node probes for the same address (RFC 4862 §5.4.3).
    ConcurrentProbe,
}

impl DadOutcome {
    pub fn failed(self) -> bool {
        self != DadOutcome::Unique
    }

    pub fn name(self) -> &'static str {
        match self {
            DadOutcome::Unique => "unique",
            DadOutcome::Defended { .. } => "defended",
            DadOutcome::ConcurrentProbe => "concurrent_probe",
        }
    }
}

/// One proxy DAD run for `hoa`: one probe, one bounded wait.
#[derive(Debug, Clone)]
pub struct ProxyDad {
    hoa: Ipv6Addr,
    deadline_ms: u64,
    outcome: Option<DadOutcome>,
}

impl ProxyDad {
    pub fn start(hoa: Ipv6Addr, now_ms: u64, wait_ms: u64) -> ProxyDad {
        ProxyDad {
            hoa,
            deadline_ms: now_ms.saturating_add(wait_ms),
            outcome: None,
        }
    }

    pub fn hoa(&self) -> Ipv6Addr {
        self.hoa
    }

    /// Where the probe goes: the HoA's solicited-node address.
    pub fn probe_destination(&self) -> Ipv6Addr {
        nd::solicited_node(self.hoa)
    }

    /// The probe as a whole IPv6 packet: NS from :: to the solicited-node address, target
    /// the HoA, hop limit 255, no source link-layer option (RFC 4862 §5.4.2).
    pub fn probe_packet(&self) -> Vec<u8> {
        Repr::dad_probe(self.hoa)
            .to_ipv6_packet(Ipv6Addr::UNSPECIFIED, self.probe_destination())
            .expect("a probe has no options to overflow")
    }

    /// A packet another node sent on the link. Invalid ND (RFC 4861 §7.1) is ignored, and so
    /// is an NS with a source address (address resolution, not a probe).
    pub fn on_packet(&mut self, packet: &[u8]) -> Option<DadOutcome> {
        if self.outcome.is_some() {
            return self.outcome;
        }
        let r = nd::parse_ipv6(packet)?.ok()?;
        if !r.is_valid() || r.repr.target() != self.hoa {
            return None;
        }
        let o = match r.repr {
            Repr::Advertisement { .. } => DadOutcome::Defended { by: r.src },
            Repr::Solicitation { .. } if r.is_dad_probe() => DadOutcome::ConcurrentProbe,
            Repr::Solicitation { .. } => return None,
        };
        self.outcome = Some(o);
        self.outcome
    }

    /// The outcome once known, or [`DadOutcome::Unique`] once the wait is over.
    pub fn poll(&mut self, now_ms: u64) -> Option<DadOutcome> {
        if self.outcome.is_none() && now_ms >= self.deadline_ms {
            self.outcome = Some(DadOutcome::Unique);
        }
        self.outcome
    }

    /// Milliseconds left of the wait (0 once it is over).
    pub fn remaining_ms(&self, now_ms: u64) -> u64 {
        self.deadline_ms.saturating_sub(now_ms)
    }
}

/// A node that holds every address of a prefix as far as DAD goes: it answers each valid
/// probe for one of them with a defending NA (RFC 4862 §5.4.3, RFC 4861 §7.2.4).
#[derive(Debug, Clone)]
pub struct Defender {
    pub prefix: (Ipv6Addr, u8),
    /// The defender's own address (the NA's source).
    pub addr: Ipv6Addr,
    /// Its link-layer address (the target link-layer option).
    pub lladdr: [u8; 6],
}

impl Defender {
    /// For a valid DAD probe of an address in the prefix: the probed address and the NA to
    /// send (a whole IPv6 packet to ff02::1).
    pub fn on_packet(&self, packet: &[u8]) -> Option<(Ipv6Addr, Vec<u8>)> {
        let r = nd::parse_ipv6(packet)?.ok()?;
        let target = r.repr.target();
        if !r.is_valid() || !r.is_dad_probe() || !in_prefix(&target, &self.prefix.0, self.prefix.1)
        {
            return None;
        }
        let na = Repr::defense(target, self.lladdr)
            .to_ipv6_packet(self.addr, nd::ALL_NODES)
            .ok()?;
        Some((target, na))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::binding::HaConfig;
    use mip6lab_wire::mh::BindingUpdate;

    const HOA: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 1, 0x100, 0, 0, 0, 0x100);
    const COA: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 1, 0, 0, 0, 0, 0x100);
    const DEF: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 1, 0, 0, 0, 0, 0xd0);

    fn cache() -> BindingCache {
        BindingCache::fcfs(HaConfig {
            home_prefixes: vec![(Ipv6Addr::new(0x2001, 0xdb8, 1, 0x100, 0, 0, 0, 0), 64)],
            ..HaConfig::default()
        })
    }

    fn input(lifetime: u16, hao: Option<Ipv6Addr>) -> BuInput<'static> {
        BuInput {
            identity: "mn1.example.com",
            sa_hoa: HOA,
            src: COA,
            hao,
            bu: BindingUpdate {
                seq: 1,
                flags: BuFlags(BuFlags::A | BuFlags::H),
                reserved: 0,
                lifetime,
            },
            options: &[],
            dad_failed: false,
        }
    }

    fn defender() -> Defender {
        Defender {
            prefix: (Ipv6Addr::new(0x2001, 0xdb8, 1, 0x100, 0, 0, 0, 0), 64),
            addr: DEF,
            lladdr: [2, 0x42, 0xc6, 0x33, 0x64, 0x90],
        }
    }

    #[test]
    fn only_a_new_autoconfigured_registration_is_probed() {
        let c = cache();
        assert!(needs_proxy_dad(&c, &input(150, Some(HOA)), true));
        assert!(
            !needs_proxy_dad(&c, &input(150, Some(HOA)), false),
            "assigned"
        );
        assert!(!needs_proxy_dad(&c, &input(0, Some(HOA)), true), "dereg");
        assert!(!needs_proxy_dad(&c, &input(150, None), true), "no HAO");
        let mut other = input(150, Some(HOA));
        other.sa_hoa = Ipv6Addr::new(0x2001, 0xdb8, 1, 0x100, 0, 0, 0, 9);
        assert!(!needs_proxy_dad(&c, &other, true), "another SA's HoA");
        let off = Ipv6Addr::new(0x2001, 0xdb8, 9, 0, 0, 0, 0, 1);
        let mut foreign = input(150, Some(off));
        foreign.sa_hoa = off;
        assert!(!needs_proxy_dad(&c, &foreign, true), "off the home prefix");
        // Once bound, a refresh is not probed again.
        let mut c = cache();
        let r = c.process_bu(&input(150, Some(HOA)), 0);
        assert_eq!(r.status, Some(0), "{r:?}");
        assert!(!needs_proxy_dad(&c, &input(150, Some(HOA)), true));
    }

    #[test]
    fn silence_means_unique_and_an_advertisement_means_defended() {
        let mut d = ProxyDad::start(HOA, 100, RETRANS_TIMER_MS);
        let probe = d.probe_packet();
        assert_eq!(d.probe_destination().to_string(), "ff02::1:ff00:100");
        assert_eq!(d.poll(1_099), None);
        assert_eq!(d.remaining_ms(600), 500);
        assert_eq!(d.poll(1_100), Some(DadOutcome::Unique));

        let mut d = ProxyDad::start(HOA, 0, RETRANS_TIMER_MS);
        let (target, na) = defender().on_packet(&probe).expect("defended");
        assert_eq!(target, HOA);
        assert_eq!(d.on_packet(&na), Some(DadOutcome::Defended { by: DEF }));
        assert!(d.poll(5_000).unwrap().failed(), "the outcome stays");

        // Another node's probe for the same address.
        let mut d = ProxyDad::start(HOA, 0, RETRANS_TIMER_MS);
        assert_eq!(d.on_packet(&probe), Some(DadOutcome::ConcurrentProbe));
    }

    #[test]
    fn unrelated_or_invalid_packets_change_nothing() {
        let mut d = ProxyDad::start(HOA, 0, RETRANS_TIMER_MS);
        let other = Ipv6Addr::new(0x2001, 0xdb8, 1, 0x100, 0, 0, 0, 0x200);
        let na_other = Repr::defense(other, [2; 6])
            .to_ipv6_packet(DEF, nd::ALL_NODES)
            .unwrap();
        assert_eq!(d.on_packet(&na_other), None);
        let mut na = Repr::defense(HOA, [2; 6])
            .to_ipv6_packet(DEF, nd::ALL_NODES)
            .unwrap();
        na[7] = 64;
        assert_eq!(d.on_packet(&na), None, "hop limit 64 is off-link");
        // Address resolution for the HoA (source set) is not a probe.
        let ns = Repr::Solicitation {
            target: HOA,
            options: vec![nd::NdOption::SourceLinkLayer(vec![2; 6])],
        }
        .to_ipv6_packet(DEF, nd::solicited_node(HOA))
        .unwrap();
        assert_eq!(d.on_packet(&ns), None);
        assert_eq!(defender().on_packet(&ns), None);
        assert_eq!(d.on_packet(&[0x60; 10]), None);
        assert_eq!(d.poll(RETRANS_TIMER_MS), Some(DadOutcome::Unique));
        // The defender keeps to its prefix.
        let far = Ipv6Addr::new(0x2001, 0xdb8, 2, 0, 0, 0, 0, 1);
        let probe = ProxyDad::start(far, 0, 1).probe_packet();
        assert_eq!(defender().on_packet(&probe), None);
    }
}
