//! DSMIPv6 UDP encapsulation (RFC 5555 §4.1) on hand-built Ethernet/IPv4/UDP 4191 frames: a BU
//! with the IPv4 HoA and CoA options (with and without an HAO), a BA with the IPv4 Address
//! Acknowledgement and NAT Detection options back through a NAT, an inner IPv4 packet, nested
//! tunnels, and payloads that are not IP.

use mip6lab_capture::dissect::{slice, slice_ip, Transport};
use mip6lab_capture::{decode_frames, Decoded, Endpoints, Frame};
use mip6lab_wire::ipv6ext::OptionsHeaderRepr;
use mip6lab_wire::mh::{
    BaFlags, BindingAck, BuFlags, Ipv4AckStatus, Ipv4AddressAck, Ipv4CareOf, Ipv4HomeAddress,
    MhMessage, MobilityOption, NatDetection, Repr,
};
use std::net::{IpAddr, Ipv4Addr};
use support::{addr, binding_update, ethernet_v4_frame, ipv4, ipv6, udp, HA, HOA};

mod support;

const MN_V4: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 20);
const NAT_V4: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 9);
const HA_V4: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 1);

fn endpoints() -> Endpoints {
    let mut e = support::endpoints();
    e.insert(IpAddr::V4(MN_V4), "MN-CoAv4");
    e.insert(IpAddr::V4(NAT_V4), "NAT");
    e.insert(IpAddr::V4(HA_V4), "HAv4");
    e
}

/// Frame `n`: IPv4 `src` → `dst`, UDP `sport` → `dport`, carrying `inner`.
fn tunnelled(
    n: u64,
    (src, sport): (Ipv4Addr, u16),
    (dst, dport): (Ipv4Addr, u16),
    inner: &[u8],
) -> Frame {
    ethernet_v4_frame(n, &ipv4(src, dst, 17, &udp(sport, dport, inner)))
}

fn bu() -> Repr {
    binding_update(
        7,
        BuFlags::A | BuFlags::H | BuFlags::F,
        100,
        &[
            MobilityOption::Ipv4HomeAddress(Ipv4HomeAddress::single(Ipv4Addr::UNSPECIFIED)),
            MobilityOption::Ipv4CareOf(Ipv4CareOf::new(MN_V4)),
        ],
    )
}

fn ba() -> Repr {
    Repr::build(
        MhMessage::Ba(BindingAck {
            status: 0,
            flags: BaFlags(0),
            seq: 7,
            lifetime: 100,
        }),
        &[
            MobilityOption::Ipv4AddressAck(Ipv4AddressAck {
                status: Ipv4AckStatus::Success,
                prefix_len: 32,
                reserved: 0,
                address: Ipv4Addr::new(192, 0, 2, 77),
            }),
            MobilityOption::NatDetection(NatDetection {
                force_udp: false,
                reserved: 0,
                refresh_time: 110,
            }),
        ],
    )
}

#[test]
fn bu_and_ba_inside_udp_4191_decode_as_mh() {
    let (ha, hoa) = (addr(HA), addr(HOA));
    // §4.4.2: inner source is the IPv6 HoA; the checksum covers the inner addresses.
    let bu_plain = ipv6(
        hoa,
        ha,
        135,
        64,
        &bu().to_bytes_with_checksum(&hoa, &ha).unwrap(),
    );
    // The same BU with an HAO, as an RFC 6275 sender would write it.
    let dest = OptionsHeaderRepr::with_home_address(135, hoa)
        .to_bytes()
        .unwrap();
    let bu_hao = ipv6(
        addr("2001:db8:2::100"),
        ha,
        60,
        64,
        &[dest, bu().to_bytes_with_checksum(&hoa, &ha).unwrap()].concat(),
    );
    let ba = ipv6(
        ha,
        hoa,
        135,
        64,
        &ba().to_bytes_with_checksum(&ha, &hoa).unwrap(),
    );
    let frames = [
        tunnelled(1, (MN_V4, 4191), (HA_V4, 4191), &bu_plain),
        tunnelled(2, (NAT_V4, 61000), (HA_V4, 4191), &bu_hao),
        tunnelled(3, (HA_V4, 4191), (NAT_V4, 61000), &ba),
    ];
    let t = decode_frames(&frames, &endpoints());
    let text = t.to_text();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines,
        [
            "MN-CoAv4 -> HAv4  MH BU via=udp4191 from=198.51.100.20 sport=* \
             inner_src=2001:db8:1::100 inner_dst=2001:db8:1::1 type=5 seq=* flags=AHF \
             lifetime=100 checksum=* checksum_ok=yes \
             {IPv4-HoA prefix_len=32 p=0 address=0.0.0.0} \
             {IPv4-CoA address=198.51.100.20} {PadN len=2}",
            "NAT -> HAv4  MH BU via=udp4191 from=203.0.113.9 sport=* \
             inner_src=2001:db8:2::100 inner_dst=2001:db8:1::1 type=5 seq=* flags=AHF \
             lifetime=100 hao=2001:db8:1::100 checksum=* checksum_ok=yes \
             {IPv4-HoA prefix_len=32 p=0 address=0.0.0.0} \
             {IPv4-CoA address=198.51.100.20} {PadN len=2}",
            "HAv4 -> NAT  MH BA via=udp4191 from=192.0.2.1 sport=* \
             inner_src=2001:db8:1::1 inner_dst=2001:db8:1::100 type=6 status=0 \
             status_name=Binding Update accepted flags= seq=* lifetime=100 checksum=* \
             checksum_ok=yes {IPv4-AddrAck status=0 status_name=Success prefix_len=32 \
             address=192.0.2.77} {NAT-Detect f=0 refresh=110} {PadN len=2}",
        ]
    );
    assert!(t.errors.is_empty(), "{:?}", t.errors);
    // The JSON keeps the volatile source port.
    let Decoded::Message(m) = &t.entries[1].decoded else {
        panic!()
    };
    assert_eq!(m.get("sport"), Some("61000"));
    assert_eq!(m.protocol, "MH");
}

#[test]
fn inner_ipv4_and_nested_tunnels_are_named_not_unwrapped() {
    // An IPv4 packet to the IPv4 HoA (ICMP echo), tunnelled by the HA (RFC 5555 §4.1).
    let echo = ipv4(
        HA_V4,
        Ipv4Addr::new(192, 0, 2, 77),
        1,
        &[8, 0, 0xf7, 0xff, 0, 0, 0, 0],
    );
    // A tunnel inside a tunnel: only the outer one is unwrapped.
    let inner_tunnel = ipv4(MN_V4, HA_V4, 17, &udp(4191, 4191, &echo));
    let frames = [
        tunnelled(1, (HA_V4, 4191), (MN_V4, 4191), &echo),
        tunnelled(2, (MN_V4, 4191), (HA_V4, 4191), &inner_tunnel),
    ];
    let text = decode_frames(&frames, &endpoints()).to_text();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines,
        [
            "HAv4 -> MN-CoAv4  DSMIPv6 UDP-4191 via=udp4191 from=192.0.2.1 sport=* \
             inner_src=192.0.2.1 inner_dst=192.0.2.77 next_header=1 len=8 icmp_type=8 icmp_code=0",
            "MN-CoAv4 -> HAv4  DSMIPv6 UDP-4191 via=udp4191 from=198.51.100.20 sport=* \
             inner_src=198.51.100.20 inner_dst=192.0.2.1 next_header=17 len=28",
        ]
    );
}

#[test]
fn payloads_that_are_not_ip_are_malformed_not_panics() {
    let (ha, hoa) = (addr(HA), addr(HOA));
    let good = ipv6(hoa, ha, 135, 64, &bu().to_bytes().unwrap());
    // A good IPv6 packet whose MH announces more than it has: the MH's own error, marked.
    let bad_mh = ipv6(hoa, ha, 135, 64, &[59, 5, 5, 0, 0, 0, 0, 0]);
    let cases: [(&[u8], &str); 4] = [
        (&[], "empty UDP 4191 payload"),
        (&[0x50, 0, 0, 0], "IP version 5"),
        (&good[..30], "inner packet"),
        (
            &bad_mh,
            "only 8 present at offset 1 (via UDP 4191 from 198.51.100.20)",
        ),
    ];
    for (i, (payload, want)) in cases.iter().enumerate() {
        let f = tunnelled(i as u64 + 1, (MN_V4, 4191), (HA_V4, 4191), payload);
        let t = decode_frames(&[f], &endpoints());
        let e = &t.entries[0];
        let Decoded::Malformed { reason, .. } = &e.decoded else {
            panic!("case {i}: {:?}", e.decoded)
        };
        assert!(reason.contains(want), "case {i}: {reason}");
    }
}

#[test]
fn slice_ip_matches_slice_of_a_frame() {
    let (ha, hoa) = (addr(HA), addr(HOA));
    let inner = ipv6(hoa, ha, 135, 64, &bu().to_bytes().unwrap());
    let f = support::ethernet_frame(1, &inner);
    let (a, pa) = slice(&f).unwrap().unwrap();
    let (b, pb) = slice_ip(&inner).unwrap().unwrap();
    assert_eq!((a, pa), (b, pb));
    let (outer, _) = slice(&tunnelled(1, (MN_V4, 5000), (HA_V4, 4191), &inner))
        .unwrap()
        .unwrap();
    assert_eq!(
        outer.transport,
        Transport::Udp {
            sport: 5000,
            dport: 4191
        }
    );
}
