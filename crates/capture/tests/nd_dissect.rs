//! DAD probes and defenses are shown in transcripts; the rest of ND stays housekeeping.

use mip6lab_capture::{decode_frames, Endpoints};
use mip6lab_wire::nd::{self, Repr};
use std::net::Ipv6Addr;
use support::ethernet_frame as frame;

mod support;

const HOA: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 1, 0x100, 0, 0, 0, 0x100);
const DEF: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 1, 0, 0, 0, 0, 0xd0);

#[test]
fn dad_probe_and_defense_are_readable() {
    let probe = Repr::dad_probe(HOA)
        .to_ipv6_packet(Ipv6Addr::UNSPECIFIED, nd::solicited_node(HOA))
        .unwrap();
    let na = Repr::defense(HOA, [2, 0x42, 0xc6, 0x33, 0x64, 0x90])
        .to_ipv6_packet(DEF, nd::ALL_NODES)
        .unwrap();
    let mut ep = Endpoints::default();
    ep.insert(DEF.into(), "DEF");
    let t = decode_frames(&[frame(1, &probe), frame(2, &na)], &ep);
    assert_eq!(
        t.to_text(),
        ":: -> ff02::1:ff00:100  ICMPv6 NS target=2001:db8:1:100::100 src=:: hop_limit=255 \
         checksum_ok=yes\n\
         DEF -> ff02::1  ICMPv6 NA flags=O target=2001:db8:1:100::100 hop_limit=255 \
         checksum_ok=yes {TLLA addr=*}\n"
    );
    assert_eq!(t.housekeeping, 0);
}

#[test]
fn link_local_dad_and_address_resolution_stay_housekeeping() {
    let ll: Ipv6Addr = "fe80::42:c6ff:fe33:6486".parse().unwrap();
    let kernel_dad = Repr::dad_probe(ll)
        .to_ipv6_packet(Ipv6Addr::UNSPECIFIED, nd::solicited_node(ll))
        .unwrap();
    let resolution = Repr::Solicitation {
        target: HOA,
        options: vec![nd::NdOption::SourceLinkLayer(vec![2; 6])],
    }
    .to_ipv6_packet(DEF, nd::solicited_node(HOA))
    .unwrap();
    let solicited_na = Repr::Advertisement {
        router: false,
        solicited: true,
        override_flag: true,
        target: DEF,
        options: vec![],
    }
    .to_ipv6_packet(DEF, HOA)
    .unwrap();
    let t = decode_frames(
        &[
            frame(1, &kernel_dad),
            frame(2, &resolution),
            frame(3, &solicited_na),
        ],
        &Endpoints::default(),
    );
    assert!(t.entries.is_empty(), "{}", t.to_text());
    assert_eq!(t.housekeeping, 3);
}

#[test]
fn a_bad_checksum_or_a_short_message_is_visible() {
    let mut probe = Repr::dad_probe(HOA)
        .to_ipv6_packet(Ipv6Addr::UNSPECIFIED, nd::solicited_node(HOA))
        .unwrap();
    probe[63] ^= 0xff;
    let mut short = Repr::dad_probe(HOA)
        .to_ipv6_packet(Ipv6Addr::UNSPECIFIED, nd::solicited_node(HOA))
        .unwrap();
    short.truncate(40 + 12);
    short[5] = 12;
    let t = decode_frames(&[frame(1, &probe), frame(2, &short)], &Endpoints::default());
    let text = t.to_text();
    assert!(text.contains("checksum_ok=no"), "{text}");
    assert!(text.contains("ICMPv6 malformed"), "{text}");
}
