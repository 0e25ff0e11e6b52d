//! Test shorthand over the binding engines' sans-IO verbs: each call, then what it queued
//! (the Binding Update List's actions; the Binding Cache's events gathered the way its
//! [`BuResult`] and [`TickResult`] describe them).
#![allow(dead_code)]

use mip6lab_engines::binding::{
    BaInput, BaToSend, BindingCache, BindingUpdateList, BuInput, BuResult, DnsOutcome, DnsTicket,
    HaEvent, HaInput, MnAction, MnError, TickResult,
};
use mip6lab_engines::io::SansIo;
use mip6lab_wire::mh::options::MobilityOption;
use mip6lab_wire::mh::BindingAck;
use std::net::{Ipv6Addr, SocketAddrV4};

pub trait BulActions {
    /// `call` (`register` or `deregister`), then the actions it queued.
    fn acts_of(
        &mut self,
        call: impl FnOnce(&mut BindingUpdateList) -> Result<(), MnError>,
    ) -> Result<Vec<MnAction>, MnError>;
    /// A BA as input, then the queued actions.
    fn ba_acts(
        &mut self,
        ha: Ipv6Addr,
        ba: &BindingAck,
        options: &[MobilityOption],
        now: u64,
    ) -> Vec<MnAction>;
    /// The timers at `now`, then the queued actions.
    fn timer_acts(&mut self, now: u64) -> Vec<MnAction>;
}

fn drain(b: &mut BindingUpdateList) -> Vec<MnAction> {
    std::iter::from_fn(|| b.poll_event()).collect()
}

impl BulActions for BindingUpdateList {
    fn acts_of(
        &mut self,
        call: impl FnOnce(&mut BindingUpdateList) -> Result<(), MnError>,
    ) -> Result<Vec<MnAction>, MnError> {
        call(self)?;
        Ok(drain(self))
    }

    fn ba_acts(
        &mut self,
        ha: Ipv6Addr,
        ba: &BindingAck,
        options: &[MobilityOption],
        now: u64,
    ) -> Vec<MnAction> {
        self.handle_input(now, BaInput { ha, ba, options });
        drain(self)
    }

    fn timer_acts(&mut self, now: u64) -> Vec<MnAction> {
        self.handle_timeout(now);
        drain(self)
    }
}

pub trait CacheActions {
    /// A BU as input, then its events as one [`BuResult`].
    fn bu_result(&mut self, input: &BuInput<'_>, now: u64) -> BuResult;
    /// The same for a BU that came in UDP over IPv4 from `outer` (RFC 5555 §4.1).
    fn bu_udp_result(&mut self, input: &BuInput<'_>, outer: SocketAddrV4, now: u64) -> BuResult;
    /// The DNS outcome for `ticket` as input, then the BA it released, if any.
    fn dns_done(&mut self, ticket: DnsTicket, outcome: DnsOutcome) -> Option<BaToSend>;
    /// The timers at `now`, then what expired.
    fn expire_at(&mut self, now: u64) -> TickResult;
}

impl CacheActions for BindingCache {
    fn bu_result(&mut self, input: &BuInput<'_>, now: u64) -> BuResult {
        self.handle_input(now, HaInput::Bu(*input));
        gather(self)
    }

    fn bu_udp_result(&mut self, input: &BuInput<'_>, outer: SocketAddrV4, now: u64) -> BuResult {
        let bu = *input;
        self.handle_input(now, HaInput::BuOverUdp { bu, outer });
        gather(self)
    }

    fn dns_done(&mut self, ticket: DnsTicket, outcome: DnsOutcome) -> Option<BaToSend> {
        self.handle_input(0, HaInput::DnsDone { ticket, outcome });
        let ba = match self.poll_event() {
            Some(HaEvent::SendBa(b)) => Some(b),
            None => None,
            Some(other) => panic!("after a DNS outcome: {other:?}"),
        };
        assert_eq!(self.poll_event(), None);
        ba
    }

    fn expire_at(&mut self, now: u64) -> TickResult {
        self.handle_timeout(now);
        let mut t = TickResult::default();
        while let Some(e) = self.poll_event() {
            match e {
                HaEvent::Binding(c) => {
                    assert!(t.dns.is_empty(), "changes before DNS removals");
                    t.events.push(c)
                }
                HaEvent::RemoveDns(a) => t.dns.push(a),
                other => panic!("from the timers: {other:?}"),
            }
        }
        t
    }
}

/// A BU's events as one [`BuResult`]: the summary first, then changes, then the BA or the DNS
/// update it waits for.
fn gather(c: &mut BindingCache) -> BuResult {
    let mut r = None::<BuResult>;
    let (mut events, mut ba, mut dns) = (Vec::new(), None, None);
    while let Some(e) = c.poll_event() {
        match e {
            HaEvent::Bu(b) => {
                assert!(
                    r.is_none() && events.is_empty(),
                    "the BU summary comes first"
                );
                r = Some(b);
            }
            HaEvent::Binding(c) => events.push(c),
            HaEvent::SendBa(b) => ba = Some(b),
            HaEvent::UpdateDns { ticket, action } => dns = Some((ticket, action)),
            HaEvent::RemoveDns(a) => panic!("a BU removed DNS records of {a:?}"),
        }
    }
    let mut r = r.expect("a BU summary");
    assert!(
        ba.is_none() || dns.is_none(),
        "a BA, or the DNS update it waits for"
    );
    r.events = events;
    r.ba = ba;
    r.dns = dns;
    r
}

/// The home-registration fixtures the HA tests share: two MNs, their home addresses on
/// 2001:db8:1::/64, one care-of address.
pub const MN1: &str = "mn1.example.com";
pub const MN2: &str = "mn2.example.com";
pub const AH: u8 = mip6lab_wire::mh::BuFlags::A | mip6lab_wire::mh::BuFlags::H;

pub fn a(s: &str) -> Ipv6Addr {
    s.parse().unwrap()
}
pub fn hoa1() -> Ipv6Addr {
    a("2001:db8:1::100")
}
pub fn hoa2() -> Ipv6Addr {
    a("2001:db8:1::200")
}
pub fn coa() -> Ipv6Addr {
    a("2001:db8:99::5")
}

pub fn bu(seq: u16, lifetime: u16, flags: u8) -> mip6lab_wire::mh::BindingUpdate {
    mip6lab_wire::mh::BindingUpdate {
        seq,
        flags: mip6lab_wire::mh::BuFlags(flags),
        reserved: 0,
        lifetime,
    }
}

/// A BU from `coa()` with the HAO `hoa`, on an SA for `hoa` of identity `id`.
pub fn input<'a>(
    id: &'a str,
    hoa: Ipv6Addr,
    b: mip6lab_wire::mh::BindingUpdate,
    opts: &'a [MobilityOption],
) -> BuInput<'a> {
    BuInput {
        identity: id,
        sa_hoa: hoa,
        src: coa(),
        hao: Some(hoa),
        bu: b,
        options: opts,
        dad_failed: false,
    }
}
