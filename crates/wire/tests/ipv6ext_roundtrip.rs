//! IPv6 extension headers: chain walking, Destination Options with the Home Address option,
//! and the type 2 Routing Header.

use mip6lab_wire::ipv6ext::{
    self, check_alignment, unrecognized_action, walk, Ipv6Option, OptionMisaligned,
    OptionsHeaderRepr, Rh2Packet, Rh2Repr, UnrecognizedAction,
};
use proptest::prelude::*;
use rstest::rstest;
use std::net::Ipv6Addr;

fn addr(s: &str) -> Ipv6Addr {
    s.parse().unwrap()
}

#[test]
fn hao_header_has_the_usual_24_octet_form() {
    let hoa = addr("2001:db8:1::100");
    let h = OptionsHeaderRepr::with_home_address(135, hoa);
    let b = h.to_bytes().unwrap();
    let mut want = vec![135, 2, 1, 2, 0, 0, 0xc9, 16];
    want.extend_from_slice(&hoa.octets());
    assert_eq!(b, want);
    assert!(h.alignment_issues().is_empty());
    let back = OptionsHeaderRepr::from_bytes(&b).unwrap();
    assert_eq!(back, h);
    assert_eq!(back.home_address(), Some(hoa));
}

#[test]
fn misaligned_hao_is_reported_but_parses() {
    let hoa = addr("2001:db8:1::100");
    // HAO right at offset 2, then PadN(4) to reach 24.
    let h = OptionsHeaderRepr {
        next_header: 59,
        options: vec![Ipv6Option::HomeAddress(hoa), Ipv6Option::PadN(vec![0; 2])],
    };
    let b = h.to_bytes().unwrap();
    assert_eq!(OptionsHeaderRepr::from_bytes(&b).unwrap(), h);
    assert_eq!(
        check_alignment(&h.options),
        vec![OptionMisaligned {
            offset: 2,
            kind: 201,
            x: 8,
            y: 6
        }]
    );
}

#[test]
fn option_type_high_bits() {
    assert_eq!(
        unrecognized_action(0xc9),
        UnrecognizedAction::DiscardAndReportUnlessMulticast
    );
    assert_eq!(unrecognized_action(0x05), UnrecognizedAction::Skip);
    assert_eq!(unrecognized_action(0x45), UnrecognizedAction::Discard);
    assert_eq!(
        unrecognized_action(0x85),
        UnrecognizedAction::DiscardAndReport
    );
    assert!(!ipv6ext::may_change_en_route(0xc9));
    assert!(ipv6ext::may_change_en_route(0x3e));
}

#[test]
fn rh2_layout_and_checks() {
    let home = addr("2001:db8:1::100");
    let r = Rh2Repr::new(135, home);
    let b = r.to_bytes();
    let mut want = vec![135, 2, 2, 1, 0, 0, 0, 0];
    want.extend_from_slice(&home.octets());
    assert_eq!(b, want);
    assert_eq!(Rh2Repr::from_bytes(&b).unwrap(), r);
    let p = Rh2Packet::new_checked(&b[..]).unwrap();
    assert_eq!(p.segments_left(), 1);
    assert_eq!(p.home_address(), home);

    let mut bad = b.clone();
    bad[2] = 0;
    assert_eq!(Rh2Repr::from_bytes(&bad).unwrap_err().offset, 2);
    let mut bad = b.clone();
    bad[1] = 3;
    assert_eq!(Rh2Repr::from_bytes(&bad).unwrap_err().offset, 1);
    assert_eq!(Rh2Repr::from_bytes(&b[..20]).unwrap_err().offset, 20);
    // Segments Left 0 and non-zero Reserved are kept, for a test to judge.
    let mut odd = b.clone();
    odd[3] = 0;
    odd[7] = 9;
    let r = Rh2Repr::from_bytes(&odd).unwrap();
    assert_eq!((r.segments_left, r.reserved), (0, 9));
    assert_eq!(r.to_bytes(), odd);
}

#[test]
fn walk_destopt_then_mh() {
    let hoa = addr("2001:db8:1::100");
    let dest = OptionsHeaderRepr::with_home_address(135, hoa)
        .to_bytes()
        .unwrap();
    let mut bytes = dest.clone();
    bytes.extend_from_slice(&[59, 0, 0, 0, 0, 0, 0, 0]);
    let c = walk(60, &bytes).unwrap();
    assert_eq!(c.headers.len(), 1);
    assert_eq!(c.headers[0].kind, 60);
    assert_eq!(c.headers[0].next_header, 135);
    assert_eq!(c.upper, 135);
    assert_eq!(c.rest_offset, 24);
    assert_eq!(c.home_address().unwrap(), Some(hoa));
    assert_eq!(c.rh2().unwrap(), None);
}

#[test]
fn walk_hbh_rh2_frag_dest() {
    let home = addr("2001:db8:1::100");
    let mut bytes = vec![43, 0, 1, 4, 0, 0, 0, 0]; // HBH with PadN(4)
    bytes.extend(Rh2Repr::new(44, home).to_bytes());
    bytes.extend([60, 0, 0, 0, 0, 0, 0, 0]); // fragment
    bytes.extend([50, 0, 1, 4, 0, 0, 0, 0]); // dest opts, then ESP
    let c = walk(0, &bytes).unwrap();
    let kinds: Vec<u8> = c.headers.iter().map(|h| h.kind).collect();
    assert_eq!(kinds, [0, 43, 44, 60]);
    assert_eq!(c.upper, 50);
    assert_eq!(c.rest_offset, bytes.len());
    assert_eq!(c.rh2().unwrap().unwrap().home_address, home);
    assert_eq!(c.home_address().unwrap(), None);
    // A routing header of another type is not an RH2.
    let mut rh0 = bytes.clone();
    rh0[10] = 0;
    assert_eq!(walk(0, &rh0).unwrap().rh2().unwrap(), None);
}

#[rstest]
#[case::header_truncated(&[135], 0)]
#[case::hdr_ext_len_past_the_end(&[135, 1, 0, 0, 0, 0, 0, 0], 1)]
fn walk_errors(#[case] chain: &[u8], #[case] offset: usize) {
    assert_eq!(walk(60, chain).unwrap_err().offset, offset);
}

#[test]
fn hao_with_a_bad_length_in_a_well_formed_header() {
    let b = [135, 1, 0xc9, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    let c = walk(60, &b).unwrap();
    assert_eq!(c.home_address().unwrap_err().offset, 3);
}

fn arb_opt() -> impl Strategy<Value = Ipv6Option> {
    prop_oneof![
        Just(Ipv6Option::Pad1),
        prop::collection::vec(any::<u8>(), 0..6).prop_map(Ipv6Option::PadN),
        any::<[u8; 16]>().prop_map(|a| Ipv6Option::HomeAddress(a.into())),
        (2u8..=200, prop::collection::vec(any::<u8>(), 0..10))
            .prop_map(|(kind, data)| Ipv6Option::Unknown { kind, data }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn options_header_round_trip(nh in any::<u8>(), opts in prop::collection::vec(arb_opt(), 0..5)) {
        let h = OptionsHeaderRepr::build(nh, &opts);
        prop_assert!(h.alignment_issues().is_empty());
        let b = h.to_bytes().unwrap();
        prop_assert_eq!(OptionsHeaderRepr::from_bytes(&b).unwrap(), h);
    }

    #[test]
    fn options_header_bytes_round_trip(nh in any::<u8>(), len in 0u8..3, body in prop::collection::vec(prop_oneof![Just(0u8), Just(1), Just(0xc9), any::<u8>()], 22)) {
        let mut b = vec![nh, len];
        b.extend_from_slice(&body[..(usize::from(len) + 1) * 8 - 2]);
        if let Ok(h) = OptionsHeaderRepr::from_bytes(&b) {
            prop_assert_eq!(h.to_bytes().unwrap(), b);
        }
    }

    #[test]
    fn rh2_round_trip(nh in any::<u8>(), sl in any::<u8>(), res in any::<u32>(), a in any::<[u8; 16]>()) {
        let r = Rh2Repr { next_header: nh, segments_left: sl, reserved: res, home_address: a.into() };
        prop_assert_eq!(Rh2Repr::from_bytes(&r.to_bytes()).unwrap(), r);
    }

    #[test]
    fn walk_is_total(first in any::<u8>(), b in prop::collection::vec(any::<u8>(), 0..64)) {
        if let Ok(c) = walk(first, &b) {
            prop_assert!(c.rest_offset <= b.len());
            let _ = c.home_address();
            let _ = c.rh2();
        }
    }
}

#[test]
fn fixed_header_round_trips_and_tells_a_cut_packet() {
    let (src, dst) = (addr("2001:db8::1"), addr("2001:db8::2"));
    let mut p = Vec::new();
    ipv6ext::emit_fixed_header(&mut p, src, dst, 50, 64, 4);
    p.extend_from_slice(&[1, 2, 3, 4]);
    let h = ipv6ext::FixedHeader::parse(&p).unwrap();
    assert_eq!(
        (h.src, h.dst, h.next_header, h.hop_limit),
        (src, dst, 50, 64)
    );
    assert_eq!((h.payload_len, h.payload), (4, &[1u8, 2, 3, 4][..]));
    assert!(h.is_complete());
    let cut = ipv6ext::FixedHeader::parse(&p[..42]).unwrap();
    assert_eq!(cut.payload, &[1u8, 2][..]);
    assert!(!cut.is_complete());
    assert!(ipv6ext::FixedHeader::parse(&p[..39]).is_none());
    p[0] = 0x45;
    assert!(ipv6ext::FixedHeader::parse(&p).is_none(), "IPv4");
}
