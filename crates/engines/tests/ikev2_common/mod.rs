//! Shared helpers of the IKEv2 engine tests: a seeded random source, an MN/HA pair wired
//! back to back in memory, and event collection.
#![allow(dead_code)]

use mip6lab_engines::ikev2::{
    Config, Event, IkeEngine, InitiateRequest, ResponderPolicy, RngFn, SaId, IKE_PORT,
};
use mip6lab_engines::io::Datagram;
use mip6lab_wire::ikev2::{HomePrefix, Id};
use std::net::{IpAddr, Ipv6Addr, SocketAddr};

pub const PSK: &[u8] = b"mip6lab-test-psk";

pub fn ha_addr() -> Ipv6Addr {
    "2001:db8:1::a1".parse().unwrap()
}

pub fn pool() -> Ipv6Addr {
    "2001:db8:1:100::".parse().unwrap()
}

/// A deterministic random source (xorshift64*).
pub fn rng(seed: u64) -> RngFn {
    let mut s = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    Box::new(move |b: &mut [u8]| {
        for x in b {
            s ^= s >> 12;
            s ^= s << 25;
            s ^= s >> 27;
            *x = (s.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 56) as u8;
        }
    })
}

pub fn mn_config() -> Config {
    Config::new(
        Id::fqdn("mn1.example.com"),
        vec![(Id::fqdn("ha1.example.com"), PSK.to_vec())],
    )
}

pub fn ha_config() -> Config {
    let mut c = Config::new(
        Id::fqdn("ha1.example.com"),
        vec![(Id::fqdn("mn1.example.com"), PSK.to_vec())],
    );
    c.responder = Some(ResponderPolicy::new(ha_addr(), pool()));
    c
}

pub fn home_prefix() -> HomePrefix {
    HomePrefix {
        lifetime: 3600,
        prefix: "2001:db8:1:200::".parse().unwrap(),
        prefix_len: 64,
    }
}

/// MN and HA engines connected in memory; `now` is virtual time in milliseconds.
pub struct Pair {
    pub mn: IkeEngine,
    pub ha: IkeEngine,
    pub now: u64,
    pub mn_events: Vec<Event>,
    pub ha_events: Vec<Event>,
    /// Datagrams MN→HA and HA→MN moved so far.
    pub to_ha: Vec<Vec<u8>>,
    pub to_mn: Vec<Vec<u8>>,
}

impl Pair {
    pub fn new(mn: Config, ha: Config) -> Pair {
        Pair {
            mn: IkeEngine::new(mn, rng(1)),
            ha: IkeEngine::new(ha, rng(2)),
            now: 1_000,
            mn_events: Vec::new(),
            ha_events: Vec::new(),
            to_ha: Vec::new(),
            to_mn: Vec::new(),
        }
    }

    pub fn default() -> Pair {
        Pair::new(mn_config(), ha_config())
    }

    /// The MN initiates `req`, then [`Pair::run`].
    pub fn initiate_and_run(&mut self, req: InitiateRequest) -> SaId {
        let sa = self.mn.initiate(self.now, req);
        self.run();
        sa
    }

    /// Moves datagrams both ways until both are quiet (bounded).
    pub fn run(&mut self) {
        for _ in 0..100 {
            let mut moved = false;
            while let Some(t) = self.mn.poll_transmit() {
                assert_eq!(t.dst, SocketAddr::from((ha_addr(), IKE_PORT)));
                self.ha
                    .handle_input(self.now, Datagram::new(test_peer(), &t.payload));
                self.to_ha.push(t.payload);
                moved = true;
            }
            while let Some(t) = self.ha.poll_transmit() {
                assert_eq!(t.dst, test_peer(), "the HA answers where the MN wrote from");
                self.mn
                    .handle_input(self.now, Datagram::new(test_peer(), &t.payload));
                self.to_mn.push(t.payload);
                moved = true;
            }
            self.collect();
            if !moved {
                return;
            }
        }
        panic!("exchange did not settle");
    }

    pub fn collect(&mut self) {
        while let Some(e) = self.mn.poll_event() {
            self.mn_events.push(e);
        }
        while let Some(e) = self.ha.poll_event() {
            self.ha_events.push(e);
        }
    }
}

impl Pair {
    /// The MN failed with a reason containing `reason_has`, the HA failed too, and neither
    /// keeps an IKE SA.
    pub fn assert_both_failed(&self, reason_has: &str) {
        assert!(
            failed_with(&self.mn_events, reason_has),
            "{:#?}",
            self.mn_events
        );
        assert!(failed_with(&self.ha_events, ""), "{:#?}", self.ha_events);
        assert_eq!((self.mn.sa_count(), self.ha.sa_count()), (0, 0));
    }
}

/// Whether `ev` holds a failure whose reason contains `reason_has`.
pub fn failed_with(ev: &[Event], reason_has: &str) -> bool {
    ev.iter()
        .any(|e| matches!(e, Event::Failed { reason, .. } if reason.contains(reason_has)))
}

pub fn established(ev: &[Event]) -> bool {
    established_sa(ev).is_some()
}

/// The first IKE SA `ev` reports established.
pub fn established_sa(ev: &[Event]) -> Option<SaId> {
    ev.iter().find_map(|e| match e {
        Event::IkeSaEstablished { sa, .. } => Some(*sa),
        _ => None,
    })
}

pub fn children(ev: &[Event]) -> Vec<mip6lab_engines::ikev2::ChildSa> {
    ev.iter()
        .filter_map(|e| match e {
            Event::ChildSaEstablished { child, .. } => Some(child.clone()),
            _ => None,
        })
        .collect()
}

/// The address the in-memory peers write from.
pub fn test_peer() -> SocketAddr {
    SocketAddr::from(("2001:db8:2::10".parse::<Ipv6Addr>().unwrap(), IKE_PORT))
}

/// Test shorthand over the engine's sans-IO verbs: bytes in (from a test address), bytes out.
pub trait Wire {
    /// `handle_input` of a datagram from `from`, port 500.
    fn recv_from(&mut self, now: u64, from: IpAddr, bytes: &[u8]);
    /// `handle_input` of a datagram from [`test_peer`].
    fn recv(&mut self, now: u64, bytes: &[u8]);
    /// The payload of the next transmit.
    fn send(&mut self) -> Option<Vec<u8>>;
}

impl Wire for IkeEngine {
    fn recv_from(&mut self, now: u64, from: IpAddr, bytes: &[u8]) {
        self.handle_input(now, Datagram::new(SocketAddr::new(from, IKE_PORT), bytes));
    }

    fn recv(&mut self, now: u64, bytes: &[u8]) {
        self.handle_input(now, Datagram::new(test_peer(), bytes));
    }

    fn send(&mut self) -> Option<Vec<u8>> {
        self.poll_transmit().map(|t| t.payload)
    }
}
