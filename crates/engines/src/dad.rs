//! Duplicate address detection on the home link, sans-IO: the home agent's proxy DAD for an
//! auto-configured home address (RFC 5026 §5.3.2; RFC 6275 §10.4.1, which points to RFC 4862
//! §5.4), and the other side, a node that defends addresses of a prefix (a harness peer).
//!
//! Both speak [`SansIo`]: the caller sends what [`SansIo::poll_transmit`] gives (whole IPv6
//! packets, to the on-link multicast address in `dst`, port 0), hands over every IPv6 packet
//! its link tap received (its own outgoing copies left out), and calls
//! [`SansIo::handle_timeout`] at [`SansIo::next_timeout`].

use crate::binding::{in_prefix, BindingCache, BuInput};
use crate::io::{SansIo, Transmit};
use mip6lab_wire::mh::BuFlags;
use mip6lab_wire::nd::{self, Repr};
use std::collections::VecDeque;
use std::net::{Ipv6Addr, SocketAddr};

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
            .any(|(p, l)| in_prefix(hoa, *p, *l))
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

/// One proxy DAD run for `hoa`: one probe, one bounded wait, one [`DadOutcome`] event.
#[derive(Debug, Clone)]
pub struct ProxyDad {
    hoa: Ipv6Addr,
    deadline_ms: u64,
    probe_sent: bool,
    outcome: Option<DadOutcome>,
    reported: bool,
}

/// An on-link destination of a whole IPv6 packet.
fn on_link(dst: Ipv6Addr) -> SocketAddr {
    SocketAddr::from((dst, 0))
}

impl ProxyDad {
    pub fn start(hoa: Ipv6Addr, now_ms: u64, wait_ms: u64) -> ProxyDad {
        ProxyDad {
            hoa,
            deadline_ms: now_ms.saturating_add(wait_ms),
            probe_sent: false,
            outcome: None,
            reported: false,
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

    /// The outcome once known (it stays).
    pub fn outcome(&self) -> Option<DadOutcome> {
        self.outcome
    }

    /// Whether a packet another node sent on the link decides the run. Invalid ND (RFC 4861
    /// §7.1) is ignored, and so is an NS with a source address (address resolution, not a
    /// probe).
    fn decide(&self, packet: &[u8]) -> Option<DadOutcome> {
        let r = nd::parse_ipv6(packet)?.ok()?;
        if !r.is_valid() || r.repr.target() != self.hoa {
            return None;
        }
        match r.repr {
            Repr::Advertisement { .. } => Some(DadOutcome::Defended { by: r.src }),
            Repr::Solicitation { .. } if r.is_dad_probe() => Some(DadOutcome::ConcurrentProbe),
            Repr::Solicitation { .. } => None,
        }
    }
}

impl SansIo for ProxyDad {
    /// A packet another node sent on the link.
    type Input<'a> = &'a [u8];
    type Event = DadOutcome;

    fn handle_input(&mut self, _now: u64, packet: &[u8]) {
        if self.outcome.is_none() {
            self.outcome = self.decide(packet);
        }
    }

    /// [`DadOutcome::Unique`] once the wait is over without a defense.
    fn handle_timeout(&mut self, now: u64) {
        if self.outcome.is_none() && now >= self.deadline_ms {
            self.outcome = Some(DadOutcome::Unique);
        }
    }

    /// The probe, once.
    fn poll_transmit(&mut self) -> Option<Transmit> {
        if std::mem::replace(&mut self.probe_sent, true) {
            return None;
        }
        Some(Transmit {
            dst: on_link(self.probe_destination()),
            payload: self.probe_packet(),
        })
    }

    /// The outcome, once.
    fn poll_event(&mut self) -> Option<DadOutcome> {
        let o = self.outcome?;
        (!std::mem::replace(&mut self.reported, true)).then_some(o)
    }

    /// The end of the wait, until the outcome is known.
    fn next_timeout(&self) -> Option<u64> {
        self.outcome.is_none().then_some(self.deadline_ms)
    }
}

/// A node that holds every address of a prefix as far as DAD goes: it answers each valid
/// probe for one of them with a defending NA (RFC 4862 §5.4.3, RFC 4861 §7.2.4) to ff02::1,
/// and reports the defended address as an event.
#[derive(Debug, Clone)]
pub struct Defender {
    prefix: (Ipv6Addr, u8),
    /// The defender's own address (the NA's source).
    addr: Ipv6Addr,
    /// Its link-layer address (the target link-layer option).
    lladdr: [u8; 6],
    out: VecDeque<Transmit>,
    defended: VecDeque<Ipv6Addr>,
}

impl Defender {
    pub fn new(prefix: (Ipv6Addr, u8), addr: Ipv6Addr, lladdr: [u8; 6]) -> Defender {
        Defender {
            prefix,
            addr,
            lladdr,
            out: VecDeque::new(),
            defended: VecDeque::new(),
        }
    }

    /// For a valid DAD probe of an address in the prefix: the probed address and the NA to
    /// send (a whole IPv6 packet to ff02::1).
    fn answer(&self, packet: &[u8]) -> Option<(Ipv6Addr, Vec<u8>)> {
        let r = nd::parse_ipv6(packet)?.ok()?;
        let target = r.repr.target();
        if !r.is_valid() || !r.is_dad_probe() || !in_prefix(target, self.prefix.0, self.prefix.1) {
            return None;
        }
        let na = Repr::defense(target, self.lladdr)
            .to_ipv6_packet(self.addr, nd::ALL_NODES)
            .ok()?;
        Some((target, na))
    }
}

impl SansIo for Defender {
    /// A packet another node sent on the link.
    type Input<'a> = &'a [u8];
    /// An address a defense was sent for.
    type Event = Ipv6Addr;

    fn handle_input(&mut self, _now: u64, packet: &[u8]) {
        if let Some((target, na)) = self.answer(packet) {
            self.out.push_back(Transmit {
                dst: on_link(nd::ALL_NODES),
                payload: na,
            });
            self.defended.push_back(target);
        }
    }

    /// No timers.
    fn handle_timeout(&mut self, _now: u64) {}

    fn poll_transmit(&mut self) -> Option<Transmit> {
        self.out.pop_front()
    }

    fn poll_event(&mut self) -> Option<Ipv6Addr> {
        self.defended.pop_front()
    }

    fn next_timeout(&self) -> Option<u64> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::binding::{HaConfig, HaEvent, HaInput};
    use crate::io::event_after_timeout;
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
        Defender::new(
            (Ipv6Addr::new(0x2001, 0xdb8, 1, 0x100, 0, 0, 0, 0), 64),
            DEF,
            [2, 0x42, 0xc6, 0x33, 0x64, 0x90],
        )
    }

    /// What a fresh defender sends for `packet`: the defended address and the NA.
    fn defend(packet: &[u8]) -> Option<(Ipv6Addr, Vec<u8>)> {
        let mut d = defender();
        d.handle_input(0, packet);
        let na = d.poll_transmit()?;
        assert_eq!(na.dst, on_link(nd::ALL_NODES));
        let target = d.poll_event().expect("the defended address is reported");
        assert_eq!((d.poll_transmit(), d.poll_event()), (None, None));
        Some((target, na.payload))
    }

    /// `packet` seen by `d`, then the outcome reported, if any (and only once).
    fn seen(d: &mut ProxyDad, packet: &[u8]) -> Option<DadOutcome> {
        d.handle_input(0, packet);
        let o = d.poll_event();
        assert_eq!(d.poll_event(), None, "reported once");
        o
    }

    /// The outcome at `now`, if any.
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
        c.handle_input(0, HaInput::Bu(input(150, Some(HOA))));
        let status = std::iter::from_fn(|| c.poll_event()).find_map(|e| match e {
            HaEvent::Bu(r) => Some(r.status),
            _ => None,
        });
        assert_eq!(status, Some(Some(0)));
        assert!(!needs_proxy_dad(&c, &input(150, Some(HOA)), true));
    }

    #[test]
    fn silence_means_unique_and_an_advertisement_means_defended() {
        let mut d = ProxyDad::start(HOA, 100, RETRANS_TIMER_MS);
        let probe = d.poll_transmit().expect("the probe");
        assert_eq!(probe.dst.ip().to_string(), "ff02::1:ff00:100");
        assert_eq!(d.poll_transmit(), None, "one probe");
        let probe = probe.payload;
        assert_eq!(event_after_timeout(&mut d, 1_099), None);
        assert_eq!(d.next_timeout(), Some(1_100));
        assert_eq!(event_after_timeout(&mut d, 1_100), Some(DadOutcome::Unique));
        assert_eq!(d.next_timeout(), None);

        let mut d = ProxyDad::start(HOA, 0, RETRANS_TIMER_MS);
        let (target, na) = defend(&probe).expect("defended");
        assert_eq!(target, HOA);
        assert_eq!(seen(&mut d, &na), Some(DadOutcome::Defended { by: DEF }));
        d.handle_timeout(5_000);
        assert!(d.outcome().unwrap().failed(), "the outcome stays");

        // Another node's probe for the same address.
        let mut d = ProxyDad::start(HOA, 0, RETRANS_TIMER_MS);
        assert_eq!(seen(&mut d, &probe), Some(DadOutcome::ConcurrentProbe));
    }

    #[test]
    fn unrelated_or_invalid_packets_change_nothing() {
        let mut d = ProxyDad::start(HOA, 0, RETRANS_TIMER_MS);
        let other = Ipv6Addr::new(0x2001, 0xdb8, 1, 0x100, 0, 0, 0, 0x200);
        let na_other = Repr::defense(other, [2; 6])
            .to_ipv6_packet(DEF, nd::ALL_NODES)
            .unwrap();
        assert_eq!(seen(&mut d, &na_other), None);
        let mut na = Repr::defense(HOA, [2; 6])
            .to_ipv6_packet(DEF, nd::ALL_NODES)
            .unwrap();
        na[7] = 64;
        assert_eq!(seen(&mut d, &na), None, "hop limit 64 is off-link");
        // Address resolution for the HoA (source set) is not a probe.
        let ns = Repr::Solicitation {
            target: HOA,
            options: vec![nd::NdOption::SourceLinkLayer(vec![2; 6])],
        }
        .to_ipv6_packet(DEF, nd::solicited_node(HOA))
        .unwrap();
        assert_eq!(seen(&mut d, &ns), None);
        assert_eq!(defend(&ns), None);
        assert_eq!(seen(&mut d, &[0x60; 10]), None);
        assert_eq!(
            event_after_timeout(&mut d, RETRANS_TIMER_MS),
            Some(DadOutcome::Unique)
        );
        // The defender keeps to its prefix.
        let far = Ipv6Addr::new(0x2001, 0xdb8, 2, 0, 0, 0, 0, 1);
        let probe = ProxyDad::start(far, 0, 1).probe_packet();
        assert_eq!(defend(&probe), None);
    }
}
