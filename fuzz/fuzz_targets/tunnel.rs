#![no_main]
//! Arbitrary bytes into the dual-stack tunnel codec (`mip6lab_engines::tunnel`): an FHA with
//! two mobile nodes (one IP-in-IP, one in UDP 4191) and those two nodes' own tunnels.
//!
//! The first byte picks the entry point and how the rest is framed; the rest is the packet:
//! - bits 0–2: 0 `decapsulate` of the raw bytes; 1 the same inside a right outer IPv4 header
//!   (protocol 4, or 41 with bit 6); 2 inside right outer IPv4 and UDP headers (UDP checksum
//!   zero with bit 6); 3 `decapsulate_udp`; 4 `encapsulate` at a mobile node and back through
//!   the FHA; 5 `encapsulate` at the FHA and back through the node; 6 `encapsulate_to`;
//!   7 `inspect_inner`;
//! - bit 3: repair the inner packet first (its length field, an IPv4 header checksum), so
//!   the checks past them are reached;
//! - bits 4–5: the outer source (mobile node 1, mobile node 2, the FHA itself, a stranger);
//! - bit 7: the UDP source port a NAT picked instead of 4191.
//!
//! Never a panic; whatever is delivered is a readable inner packet from a known peer; what is
//! encapsulated carries right checksums and comes back out of the other end unchanged unless
//! the one rule the sender does not apply drops it (inner-to-peer, nested).

use libfuzzer_sys::fuzz_target;
use mip6lab_engines::tunnel::{
    inspect_inner, Config, Decapsulated, DropReason, Encapsulated, Encapsulation, IpVersion,
    OuterHeader, Peer, Prefix, Tunnels, IPPROTO_IPIP, IPPROTO_IPV6, IPPROTO_UDP, UDP_TUNNEL_PORT,
};
use mip6lab_wire::checksum::{internet_checksum, udp_ipv4_checksum};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddrV4};

const FHA: Ipv4Addr = Ipv4Addr::new(198, 18, 250, 2);
const MN1_COA: Ipv4Addr = Ipv4Addr::new(198, 18, 250, 11);
const MN2_COA: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 7);
const STRANGER: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 99);
const MN1_HOA4: Ipv4Addr = Ipv4Addr::new(198, 18, 251, 1);
const MN2_HOA4: Ipv4Addr = Ipv4Addr::new(198, 18, 251, 2);
const MN1_HOA6: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0x16, 0, 0, 0, 0, 1);
const MN2_HOA6: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0x16, 0, 0, 0, 0, 2);
const NAT_PORT: u16 = 61000;

/// The FHA's side: mobile node 1 over IP-in-IP, mobile node 2 in UDP from 4191.
fn fha() -> Tunnels {
    let mut t = Tunnels::new(Config::default(), vec![FHA]);
    t.add_peer(Peer {
        remote: MN1_COA,
        local: FHA,
        encapsulation: Encapsulation::Ip,
        routes: vec![Prefix::V4(MN1_HOA4, 32), Prefix::V6(MN1_HOA6, 128)],
    })
    .unwrap();
    t.add_peer(Peer {
        remote: MN2_COA,
        local: FHA,
        encapsulation: Encapsulation::Udp {
            port: UDP_TUNNEL_PORT,
        },
        routes: vec![Prefix::V4(MN2_HOA4, 32), Prefix::V6(MN2_HOA6, 128)],
    })
    .unwrap();
    t
}

/// A mobile node reverse-tunnelling everything to the FHA.
fn mobile_node(coa: Ipv4Addr, encapsulation: Encapsulation) -> Tunnels {
    let mut t = Tunnels::new(Config::default(), vec![coa]);
    t.add_peer(Peer {
        remote: FHA,
        local: coa,
        encapsulation,
        routes: vec![
            Prefix::V4(Ipv4Addr::UNSPECIFIED, 0),
            Prefix::V6(Ipv6Addr::UNSPECIFIED, 0),
        ],
    })
    .unwrap();
    t
}

fn mn1() -> Tunnels {
    mobile_node(MN1_COA, Encapsulation::Ip)
}

fn mn2() -> Tunnels {
    let udp = Encapsulation::Udp {
        port: UDP_TUNNEL_PORT,
    };
    mobile_node(MN2_COA, udp)
}

/// Sets an inner packet's length field to its octets and, for IPv4, its header checksum.
fn repair(p: &mut [u8]) {
    match p.first().map(|b| b >> 4) {
        Some(4) if p.len() >= 20 => {
            let ihl = usize::from(p[0] & 0x0f) * 4;
            if let Ok(total) = u16::try_from(p.len()) {
                p[2..4].copy_from_slice(&total.to_be_bytes());
            }
            if (20..=p.len()).contains(&ihl) {
                p[10..12].copy_from_slice(&[0, 0]);
                let c = internet_checksum(&p[..ihl]);
                p[10..12].copy_from_slice(&c.to_be_bytes());
            }
        }
        Some(6) if p.len() >= 40 => {
            if let Ok(payload) = u16::try_from(p.len() - 40) {
                p[4..6].copy_from_slice(&payload.to_be_bytes());
            }
        }
        _ => {}
    }
}

/// `payload` behind a right outer IPv4 header (as a raw socket would read it).
fn outer(src: Ipv4Addr, dst: Ipv4Addr, protocol: u8, payload: &[u8]) -> Option<Vec<u8>> {
    let total = u16::try_from(20 + payload.len()).ok()?;
    let h = OuterHeader {
        tos: 0,
        total,
        id: 9,
        df: false,
        ttl: 64,
        protocol,
        src,
        dst,
    };
    let mut p = Vec::with_capacity(usize::from(total));
    h.emit(&mut p);
    p.extend_from_slice(payload);
    Some(p)
}

/// A right UDP header (to the tunnel port) in front of `inner`; checksum zero when asked.
fn udp(src: Ipv4Addr, dst: Ipv4Addr, sport: u16, inner: &[u8], no_checksum: bool) -> Vec<u8> {
    let mut d = Vec::with_capacity(8 + inner.len());
    d.extend_from_slice(&sport.to_be_bytes());
    d.extend_from_slice(&UDP_TUNNEL_PORT.to_be_bytes());
    d.extend_from_slice(&(((8 + inner.len()) & 0xffff) as u16).to_be_bytes());
    d.extend_from_slice(&[0, 0]);
    d.extend_from_slice(inner);
    if !no_checksum {
        let c = udp_ipv4_checksum(src, dst, &d);
        d[6..8].copy_from_slice(&c.to_be_bytes());
    }
    d
}

/// What any delivery must be: from a known peer, a readable inner packet of the outer's.
fn check_delivered(t: &Tunnels, d: &Decapsulated<'_>) {
    assert!(t.peer(d.peer).is_some(), "delivered from an unknown peer");
    let info = inspect_inner(d.packet).expect("a delivered packet reads");
    assert_eq!(info.version, d.version);
    assert_ne!(info.ttl, 0, "TTL 0 must be discarded after decapsulation");
}

/// An encapsulated packet carries right checksums, and the far end gives back `inner`.
fn round_trip(sent: &Encapsulated, inner: &[u8], far: &mut Tunnels) {
    let p = &sent.packet;
    assert_eq!(internet_checksum(&p[..20]), 0, "outer header checksum");
    assert_eq!(usize::from(u16::from_be_bytes([p[2], p[3]])), p.len());
    if let Encapsulation::Udp { .. } = sent.encapsulation {
        assert_eq!(udp_ipv4_checksum(sent.local, sent.remote, &p[20..]), 0);
        let (to, payload) = sent.udp_datagram().expect("a UDP tunnel sends a datagram");
        assert_eq!((*to.ip(), payload), (sent.remote, inner));
        let from = SocketAddrV4::new(sent.local, UDP_TUNNEL_PORT);
        expect_back(far.decapsulate_udp(from, sent.remote, payload), inner);
    }
    expect_back(far.decapsulate(p), inner);
}

fn expect_back(got: Result<Decapsulated<'_>, DropReason>, inner: &[u8]) {
    match got {
        Ok(d) => assert_eq!(d.packet, inner),
        // The sender does not look for these; the receiver must.
        Err(DropReason::InnerToPeer | DropReason::Nested) => {}
        Err(e) => panic!("encapsulated, then dropped at the far end: {e}"),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let mut inner = rest.to_vec();
    if selector & 0x08 != 0 {
        repair(&mut inner);
    }
    let src = [MN1_COA, MN2_COA, FHA, STRANGER][usize::from(selector >> 4 & 3)];
    let sport = if selector & 0x80 != 0 {
        NAT_PORT
    } else {
        UDP_TUNNEL_PORT
    };
    let bit6 = selector & 0x40 != 0;
    let mut fha = fha();
    match selector & 7 {
        0 => {
            if let Ok(d) = fha.decapsulate(&inner) {
                check_delivered(&fha, &d);
            }
        }
        1 => {
            let protocol = if bit6 { IPPROTO_IPV6 } else { IPPROTO_IPIP };
            if let Some(p) = outer(src, FHA, protocol, &inner) {
                if let Ok(d) = fha.decapsulate(&p) {
                    check_delivered(&fha, &d);
                    assert_eq!((d.peer, d.packet), (MN1_COA, &inner[..]));
                }
            }
        }
        2 => {
            let datagram = udp(src, FHA, sport, &inner, bit6);
            if let Some(p) = outer(src, FHA, IPPROTO_UDP, &datagram) {
                if let Ok(d) = fha.decapsulate(&p) {
                    check_delivered(&fha, &d);
                    assert_eq!((d.peer, d.packet), (MN2_COA, &inner[..]));
                }
            }
        }
        3 => {
            let from = SocketAddrV4::new(src, sport);
            if let Ok(d) = fha.decapsulate_udp(from, FHA, &inner) {
                check_delivered(&fha, &d);
                assert_eq!((d.peer, d.packet), (MN2_COA, &inner[..]));
            }
        }
        4 => {
            let mut mn = if bit6 { mn2() } else { mn1() };
            if let Ok(e) = mn.encapsulate(&inner) {
                assert_eq!(e.remote, FHA);
                round_trip(&e, &inner, &mut fha);
            }
        }
        5 => {
            if let Ok(e) = fha.encapsulate(&inner) {
                let mut mn = if e.remote == MN1_COA { mn1() } else { mn2() };
                assert_eq!(mn.locals(), &[e.remote]);
                round_trip(&e, &inner, &mut mn);
            }
        }
        6 => {
            let before = fha.counters().clone();
            match fha.encapsulate_to(src, &inner) {
                Ok(e) => {
                    assert_eq!(e.remote, src);
                    let mut mn = if src == MN1_COA { mn1() } else { mn2() };
                    round_trip(&e, &inner, &mut mn);
                }
                Err(e) => assert_eq!(
                    fha.counters().dropped(e.name()),
                    before.dropped(e.name()) + 1,
                    "every drop is counted"
                ),
            }
        }
        _ => {
            if let Ok(info) = inspect_inner(&inner) {
                let version = if inner[0] >> 4 == 4 {
                    IpVersion::V4
                } else {
                    IpVersion::V6
                };
                assert_eq!(info.version, version);
            }
        }
    }
});
