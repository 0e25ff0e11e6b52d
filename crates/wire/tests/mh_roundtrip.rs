//! Mobility Header codec: round trips both ways, known answers from RFC 6275 layouts,
//! checksum, alignment, and malformed input.

use mip6lab_wire::mh::options::{self, MN_ID_SUBTYPE_NAI};
use mip6lab_wire::mh::{
    self, ba_status_name, checksum, AlignmentIssue, AlignmentProblem, BaFlags, BindingAck,
    BindingError, BindingUpdate, BuFlags, DnsUpdate, FqdnForm, Ipv4AckStatus, Ipv4AddressAck,
    Ipv4CareOf, Ipv4HomeAddress, MhMessage, MobilityOption, NatDetection, Packet, Repr, TestReply,
};
use proptest::prelude::*;
use rstest::rstest;
use std::net::{Ipv4Addr, Ipv6Addr};

fn addr(s: &str) -> Ipv6Addr {
    s.parse().unwrap()
}

fn bu(seq: u16, flags: u8, lifetime: u16) -> MhMessage {
    MhMessage::Bu(BindingUpdate {
        seq,
        flags: BuFlags(flags),
        reserved: 0,
        lifetime,
    })
}

// ---------- known answers ----------

#[test]
fn bu_without_options_is_16_octets_with_padn() {
    let r = Repr::build(bu(7, BuFlags::A | BuFlags::H, 100), &[]);
    let b = r.to_bytes().unwrap();
    #[rustfmt::skip]
    let want = [
        59, 1, 5, 0, 0, 0, // proto 59, HL 1, type BU, reserved, checksum 0
        0, 7, 0xc0, 0, 0, 100, // seq 7, A|H, reserved, lifetime 100
        1, 2, 0, 0, // PadN, Length 2
    ];
    assert_eq!(b, want);
    assert_eq!(b.len(), 16);
    assert_eq!(Repr::from_bytes(&b).unwrap(), r);
}

#[test]
fn bu_with_acoa_matches_the_worked_example() {
    // PROTOCOL-FACTS 1.5: PadN(0) at 12, ACoA at 14, 32 octets, HL 3.
    let coa = addr("2001:db8:2::100");
    let r = Repr::build(
        bu(1, BuFlags::A | BuFlags::H | BuFlags::K, 0x1234),
        &[MobilityOption::AlternateCoa(coa)],
    );
    let b = r.to_bytes().unwrap();
    assert_eq!(b.len(), 32);
    assert_eq!(b[1], 3);
    assert_eq!(&b[12..14], &[1, 0]);
    assert_eq!(&b[14..16], &[3, 16]);
    assert_eq!(&b[16..32], &coa.octets());
    assert!(r.alignment_issues().is_empty());
    let back = Repr::from_bytes(&b).unwrap();
    assert_eq!(back.options[1], MobilityOption::AlternateCoa(coa));
}

#[test]
fn ba_status_134_layout() {
    let r = Repr::build(
        MhMessage::Ba(BindingAck {
            status: mh::ba_status::DAD_FAILED,
            flags: BaFlags(BaFlags::K),
            seq: 0xabcd,
            lifetime: 0,
        }),
        &[],
    );
    let b = r.to_bytes().unwrap();
    assert_eq!(
        b,
        [59, 1, 6, 0, 0, 0, 134, 0x80, 0xab, 0xcd, 0, 0, 1, 2, 0, 0]
    );
    assert_eq!(
        ba_status_name(134),
        Some("Duplicate Address Detection failed")
    );
    assert_eq!(ba_status_name(132), Some("Not home subnet"));
    assert_eq!(ba_status_name(140), None);
}

#[test]
fn be_is_24_octets_without_padding() {
    let hoa = addr("2001:db8:1::5");
    let r = Repr::build(
        MhMessage::Be(BindingError {
            status: 2,
            reserved: 0,
            home_address: hoa,
        }),
        &[],
    );
    let b = r.to_bytes().unwrap();
    assert_eq!(b.len(), 24);
    assert_eq!(b[1], 2);
    assert_eq!(&b[6..8], &[2, 0]);
    assert_eq!(&b[8..], &hoa.octets());
    assert_eq!(Repr::from_bytes(&b).unwrap(), r);
}

#[test]
fn brr_hoti_hot_layouts() {
    let brr = Repr::build(MhMessage::Brr { reserved: 0 }, &[])
        .to_bytes()
        .unwrap();
    assert_eq!(brr, [59, 0, 0, 0, 0, 0, 0, 0]);
    let hoti = Repr::build(
        MhMessage::HoTI {
            reserved: 0,
            cookie: *b"cookie01",
        },
        &[],
    )
    .to_bytes()
    .unwrap();
    assert_eq!(hoti.len(), 16);
    assert_eq!(&hoti[8..], b"cookie01");
    let hot = Repr::build(
        MhMessage::CoT(TestReply {
            nonce_index: 9,
            cookie: *b"cookie02",
            keygen_token: *b"keygen03",
        }),
        &[],
    )
    .to_bytes()
    .unwrap();
    assert_eq!(hot.len(), 24);
    assert_eq!(hot[2], 4);
    assert_eq!(&hot[6..8], &[0, 9]);
    assert_eq!(&hot[16..], b"keygen03");
}

#[test]
fn bu_flags_letters_and_lifetime() {
    assert_eq!(
        BuFlags(BuFlags::A | BuFlags::H | BuFlags::K).letters(),
        "AHK"
    );
    assert_eq!(BuFlags(0xff).letters(), "AHLKMRPF");
    assert_eq!(BuFlags(0).letters(), "");
    assert_eq!(BaFlags(0xff).letters(), "KR");
    assert_eq!(BaFlags(0xff).reserved(), 0x3f);
    assert_eq!(mh::lifetime_to_secs(150), 600);
    assert_eq!(mh::lifetime_from_secs(601), 150);
    assert_eq!(mh::lifetime_from_secs(u32::MAX), u16::MAX);
}

#[test]
fn dns_update_option_forms() {
    let text = DnsUpdate::new(0, false, "mn1.example.com", FqdnForm::Text).unwrap();
    assert_eq!(text.identity, b"mn1.example.com");
    assert_eq!(text.fqdn().as_deref(), Some("mn1.example.com"));
    assert_eq!(text.fqdn_form(), Some(FqdnForm::Text));

    let wire = DnsUpdate::new(0, true, "mn1.example.com.", FqdnForm::DnsWire).unwrap();
    assert_eq!(wire.identity, b"\x03mn1\x07example\x03com\x00");
    assert_eq!(wire.fqdn().as_deref(), Some("mn1.example.com"));
    assert!(wire.remove());
    assert_eq!(wire.reserved(), 0);

    let opaque = DnsUpdate {
        status: 0,
        flags: 0x81,
        identity: vec![0xff, 0x00, 0x01],
    };
    assert_eq!(opaque.fqdn(), None);
    assert_eq!(opaque.reserved(), 1);

    // In a BU after the ACoA, then padded to 8.
    let r = Repr::build(
        bu(3, BuFlags::A | BuFlags::H, 10),
        &[
            MobilityOption::AlternateCoa(addr("2001:db8:2::1")),
            MobilityOption::DnsUpdate(text.clone()),
        ],
    );
    let b = r.to_bytes().unwrap();
    assert_eq!(b.len() % 8, 0);
    assert!(r.alignment_issues().is_empty());
    // DNS Update at 32: type 17, length 2 + 15, status 0, flags 0.
    assert_eq!(&b[32..36], &[17, 17, 0, 0]);
    assert_eq!(&b[36..51], b"mn1.example.com");
    let back = Repr::from_bytes(&b).unwrap();
    assert_eq!(back, r);
    assert_eq!(
        back.option(options::DNS_UPDATE),
        Some(&MobilityOption::DnsUpdate(text))
    );
}

#[test]
fn mn_id_and_unknown_options_round_trip() {
    let r = Repr::build(
        bu(3, BuFlags::A, 10),
        &[
            MobilityOption::MnId {
                subtype: MN_ID_SUBTYPE_NAI,
                identifier: b"mn@example.com".to_vec(),
            },
            MobilityOption::Unknown {
                kind: 99,
                data: vec![1, 2, 3],
            },
        ],
    );
    let b = r.to_bytes().unwrap();
    assert_eq!(Repr::from_bytes(&b).unwrap(), r);
    assert_eq!(b[12], 8);
}

#[test]
fn unknown_mh_type_is_kept_raw() {
    let b = [59, 1, 42, 7, 0x12, 0x34, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    let r = Repr::from_bytes(&b).unwrap();
    assert_eq!(
        r.message,
        MhMessage::Unknown {
            kind: 42,
            data: b[6..].to_vec()
        }
    );
    assert_eq!(r.reserved, 7);
    assert_eq!(r.checksum, 0x1234);
    assert_eq!(r.to_bytes().unwrap(), b);
}

// ---------- alignment ----------

#[test]
fn alignment_violations_are_reported_not_rejected() {
    // ACoA right after the BU fixed part (offset 12, 12 mod 8 = 4) and BAD not last.
    let opts = vec![
        MobilityOption::AlternateCoa(addr("2001:db8::1")),
        MobilityOption::BindingAuthData(vec![0; 12]),
        MobilityOption::PadN(vec![0, 0]),
    ];
    let r = Repr {
        payload_proto: 59,
        reserved: 0,
        checksum: 0,
        message: bu(1, 0, 1),
        options: opts,
    };
    let b = r.to_bytes().unwrap();
    let back = Repr::from_bytes(&b).unwrap();
    assert_eq!(back, r);
    assert_eq!(
        back.alignment_issues(),
        vec![
            AlignmentIssue {
                offset: 12,
                kind: 3,
                problem: AlignmentProblem::Misaligned { x: 8, y: 6 }
            },
            AlignmentIssue {
                offset: 30,
                kind: 5,
                problem: AlignmentProblem::Misaligned { x: 8, y: 2 }
            },
            AlignmentIssue {
                offset: 30,
                kind: 5,
                problem: AlignmentProblem::AuthDataNotLast
            },
        ]
    );
}

#[test]
fn lay_out_puts_bad_last_at_8n_plus_2() {
    let r = Repr::build(
        bu(1, BuFlags::A, 1),
        &[
            MobilityOption::NonceIndices {
                home: 1,
                care_of: 2,
            },
            MobilityOption::BindingAuthData(vec![0xaa; 12]),
        ],
    );
    assert!(r.alignment_issues().is_empty(), "{:?}", r.options);
    assert_eq!(r.options.last().unwrap().kind(), options::BINDING_AUTH_DATA);
    assert_eq!(r.buffer_len() % 8, 0);
}

#[test]
fn dsmipv6_options_are_placed_at_4n() {
    // IPv4 Care-of Address option (RFC 5555 §3.1.2): aligned 4n.
    let v4coa = MobilityOption::Ipv4CareOf(Ipv4CareOf::new(Ipv4Addr::new(192, 0, 2, 1)));
    let r = Repr::build(
        bu(1, BuFlags::A | BuFlags::F, 1),
        std::slice::from_ref(&v4coa),
    );
    assert!(r.alignment_issues().is_empty());
    let b = r.to_bytes().unwrap();
    assert_eq!(&b[12..14], &[32, 6]);
    let bad = Repr {
        options: vec![
            MobilityOption::PadN(vec![]),
            v4coa,
            MobilityOption::PadN(vec![0; 6]),
        ],
        ..r
    };
    assert_eq!(
        bad.alignment_issues()[0].problem,
        AlignmentProblem::Misaligned { x: 4, y: 0 }
    );
}

#[test]
fn dsmipv6_bu_and_ba_known_answers() {
    // RFC 5555 §3.1.3 Figure 3: F is the last bit of the flag octet (MH offset 8), beside P.
    let r = Repr::build(
        bu(9, BuFlags::A | BuFlags::H | BuFlags::F, 75),
        &[
            MobilityOption::Ipv4HomeAddress(Ipv4HomeAddress::single(Ipv4Addr::UNSPECIFIED)),
            MobilityOption::Ipv4CareOf(Ipv4CareOf::new(Ipv4Addr::new(198, 51, 100, 20))),
        ],
    );
    let b = r.to_bytes().unwrap();
    assert_eq!(b[8], 0xc1);
    // 4n: the options start at 12 and 20 with 2 octets of PadN between them (12 + 8 = 20).
    assert_eq!(&b[12..20], &[29, 6, 0x80, 0, 0, 0, 0, 0]);
    assert_eq!(&b[20..28], &[32, 6, 0, 0, 198, 51, 100, 20]);
    assert!(r.alignment_issues().is_empty());
    let back = Repr::from_bytes(&b).unwrap();
    assert_eq!(back, r);
    let MhMessage::Bu(parsed) = back.message else {
        panic!()
    };
    assert!(parsed.flags.contains(BuFlags::F));
    assert_eq!(parsed.flags.letters(), "AHF");

    let ack = Ipv4AddressAck {
        status: Ipv4AckStatus::Success,
        prefix_len: 32,
        reserved: 0,
        address: Ipv4Addr::new(192, 0, 2, 33),
    };
    let nat = NatDetection {
        force_udp: false,
        reserved: 0,
        refresh_time: 110,
    };
    let ba = MhMessage::Ba(BindingAck {
        status: 0,
        flags: BaFlags(0),
        seq: 9,
        lifetime: 75,
    });
    let r = Repr::build(
        ba,
        &[
            MobilityOption::Ipv4AddressAck(ack),
            MobilityOption::NatDetection(nat),
        ],
    );
    let b = r.to_bytes().unwrap();
    assert_eq!(&b[12..20], &[30, 6, 0, 32 << 2, 192, 0, 2, 33]);
    assert_eq!(&b[20..28], &[31, 6, 0, 0, 0, 0, 0, 110]);
    assert_eq!(Repr::from_bytes(&b).unwrap(), r);
    assert_eq!(
        r.option(options::IPV4_ADDRESS_ACK),
        Some(&MobilityOption::Ipv4AddressAck(ack))
    );
}

// ---------- checksum ----------

#[test]
fn checksum_compute_verify_and_detect_flip() {
    let src = addr("2001:db8:1::100");
    let dst = addr("2001:db8:1::1");
    let r = Repr::build(
        bu(5, BuFlags::A | BuFlags::H, 60),
        &[MobilityOption::AlternateCoa(addr("2001:db8:2::7"))],
    );
    let mut b = r.to_bytes_with_checksum(&src, &dst).unwrap();
    assert!(checksum::verify(&src, &dst, &b));
    assert!(Packet::new_checked(&b[..])
        .unwrap()
        .verify_checksum(&src, &dst));
    // Compute ignores the field's current value.
    let c = u16::from_be_bytes([b[4], b[5]]);
    assert_eq!(checksum::compute(&src, &dst, &b), c);
    // A wrong address or a flipped bit fails (swapping src and dst would not: the sum
    // commutes).
    assert!(!checksum::verify(&src, &addr("2001:db8:1::2"), &b));
    b[20] ^= 0x04;
    assert!(!checksum::verify(&src, &dst, &b));
    b[20] ^= 0x04;
    b[5] ^= 1;
    assert!(!checksum::verify(&src, &dst, &b));
}

#[test]
fn checksum_known_answer_by_hand() {
    // BRR from ::1 to ::2. Sum of 16-bit words:
    // src ::1 -> 0x0001, dst ::2 -> 0x0002, length 8 -> 0x0008, next header 0x0087,
    // MH 3b00 0000 [csum] 0000 -> 0x3b00. Total 0x3b92, complement 0xc46d.
    let mut b = Repr::build(MhMessage::Brr { reserved: 0 }, &[])
        .to_bytes()
        .unwrap();
    let (s, d) = (addr("::1"), addr("::2"));
    assert_eq!(checksum::compute(&s, &d, &b), 0xc46d);
    checksum::fill(&s, &d, &mut b).unwrap();
    assert_eq!(&b[4..6], &[0xc4, 0x6d]);
    assert!(checksum::verify(&s, &d, &b));
    assert!(checksum::fill(&s, &d, &mut [0u8; 5]).is_err());
    assert!(!checksum::verify(&s, &d, &[0u8; 5]));
}

#[test]
fn pseudo_header_address_rules() {
    let (ip_src, ip_dst) = (addr("2001:db8:2::1"), addr("2001:db8:1::1"));
    let (hoa, home) = (addr("2001:db8:1::100"), addr("2001:db8:1::200"));
    assert_eq!(
        checksum::pseudo_header_addresses(ip_src, ip_dst, Some(hoa), None),
        (hoa, ip_dst)
    );
    assert_eq!(
        checksum::pseudo_header_addresses(ip_src, ip_dst, None, Some(home)),
        (ip_src, home)
    );
}

// ---------- malformed ----------

/// A BU with an Alternate CoA: 32 octets, PadN at 12 (its Length at 13), the ACoA at 14 (its
/// Length at 15).
fn bu_with_acoa() -> Vec<u8> {
    Repr::build(
        bu(1, BuFlags::A, 1),
        &[MobilityOption::AlternateCoa(addr("2001:db8::1"))],
    )
    .to_bytes()
    .unwrap()
}

#[rstest]
#[case::shorter_than_8(|b: &mut Vec<u8>| b.truncate(5), 5, "MH truncated")]
#[case::header_len_past_the_end(|b: &mut Vec<u8>| b.truncate(24), 1, "announces 32 octets")]
#[case::trailing_octets(|b: &mut Vec<u8>| b.push(0), 32, "after the MH")]
#[case::header_len_too_small_for_a_be(|b: &mut Vec<u8>| *b = vec![59, 0, 7, 0, 0, 0, 0, 0], 1, "too small for MH type 7")]
#[case::option_length_past_the_end(|b: &mut Vec<u8>| b[13] = 200, 13, "runs past the end of the MH")]
#[case::acoa_length_not_16(|b: &mut Vec<u8>| b[15] = 14, 15, "must be 16")]
#[case::dns_update_without_its_fixed_octets(
    |b: &mut Vec<u8>| *b = vec![59, 1, 5, 0, 0, 0, 0, 1, 0x80, 0, 0, 1, 17, 1, 0, 1],
    13,
    "must be at least 2"
)]
fn malformed_mh_is_an_error_at_an_offset(
    #[case] edit: fn(&mut Vec<u8>),
    #[case] offset: usize,
    #[case] what: &str,
) {
    let mut b = bu_with_acoa();
    edit(&mut b);
    let e = Repr::from_bytes(&b).unwrap_err();
    assert_eq!(e.offset, offset, "{e}");
    assert!(e.what.contains(what), "{e}");
}

#[rstest]
#[case::options_not_padded_to_8({
    let mut r = Repr::build(bu(1, 0, 1), &[]);
    r.options.clear();
    r
})]
#[case::known_type_as_unknown_message(Repr {
    payload_proto: 59,
    reserved: 0,
    checksum: 0,
    message: MhMessage::Unknown {
        kind: 5,
        data: vec![0; 10],
    },
    options: vec![],
})]
#[case::known_type_as_unknown_option(Repr::build(
    bu(1, 0, 1),
    &[MobilityOption::Unknown {
        kind: 3,
        data: vec![],
    }],
))]
fn emit_rejects_unpadded_or_inconsistent_reprs(#[case] r: Repr) {
    assert!(r.to_bytes().is_err());
}

// ---------- properties ----------

fn arb_addr() -> impl Strategy<Value = Ipv6Addr> {
    any::<[u8; 16]>().prop_map(Ipv6Addr::from)
}

fn arb_v4() -> impl Strategy<Value = Ipv4Addr> {
    any::<[u8; 4]>().prop_map(Ipv4Addr::from)
}

fn arb_option() -> impl Strategy<Value = MobilityOption> {
    prop_oneof![
        Just(MobilityOption::Pad1),
        prop::collection::vec(any::<u8>(), 0..8).prop_map(MobilityOption::PadN),
        any::<u16>().prop_map(|interval| MobilityOption::BindingRefreshAdvice { interval }),
        arb_addr().prop_map(MobilityOption::AlternateCoa),
        (any::<u16>(), any::<u16>())
            .prop_map(|(home, care_of)| MobilityOption::NonceIndices { home, care_of }),
        prop::collection::vec(any::<u8>(), 0..20).prop_map(MobilityOption::BindingAuthData),
        (any::<u8>(), prop::collection::vec(any::<u8>(), 0..30)).prop_map(
            |(subtype, identifier)| MobilityOption::MnId {
                subtype,
                identifier
            }
        ),
        (
            any::<u8>(),
            any::<u8>(),
            prop::collection::vec(any::<u8>(), 0..40)
        )
            .prop_map(
                |(status, flags, identity)| MobilityOption::DnsUpdate(DnsUpdate {
                    status,
                    flags,
                    identity
                })
            ),
        (0u8..64, any::<bool>(), 0u16..512, arb_v4()).prop_map(
            |(prefix_len, p, reserved, address)| MobilityOption::Ipv4HomeAddress(Ipv4HomeAddress {
                prefix_len,
                p,
                reserved,
                address
            })
        ),
        (any::<u8>(), 0u8..64, 0u8..4, arb_v4()).prop_map(
            |(status, prefix_len, reserved, address)| MobilityOption::Ipv4AddressAck(
                Ipv4AddressAck {
                    status: Ipv4AckStatus::from(status),
                    prefix_len,
                    reserved,
                    address
                }
            )
        ),
        (any::<bool>(), 0u16..0x8000, any::<u32>()).prop_map(
            |(force_udp, reserved, refresh_time)| MobilityOption::NatDetection(NatDetection {
                force_udp,
                reserved,
                refresh_time
            })
        ),
        (any::<u16>(), arb_v4()).prop_map(|(reserved, address)| MobilityOption::Ipv4CareOf(
            Ipv4CareOf { reserved, address }
        )),
        (any::<u8>(), prop::collection::vec(any::<u8>(), 0..30)).prop_filter_map(
            "known kind",
            |(kind, data)| (!options::is_known(kind))
                .then_some(MobilityOption::Unknown { kind, data })
        ),
    ]
}

fn arb_test_reply() -> impl Strategy<Value = TestReply> {
    (any::<u16>(), any::<[u8; 8]>(), any::<[u8; 8]>()).prop_map(|(n, c, k)| TestReply {
        nonce_index: n,
        cookie: c,
        keygen_token: k,
    })
}

fn arb_message() -> impl Strategy<Value = MhMessage> {
    prop_oneof![
        any::<u16>().prop_map(|reserved| MhMessage::Brr { reserved }),
        (any::<u16>(), any::<[u8; 8]>())
            .prop_map(|(reserved, cookie)| MhMessage::HoTI { reserved, cookie }),
        (any::<u16>(), any::<[u8; 8]>())
            .prop_map(|(reserved, cookie)| MhMessage::CoTI { reserved, cookie }),
        arb_test_reply().prop_map(MhMessage::HoT),
        arb_test_reply().prop_map(MhMessage::CoT),
        (any::<u16>(), any::<u8>(), any::<u8>(), any::<u16>()).prop_map(|(seq, f, r, l)| {
            MhMessage::Bu(BindingUpdate {
                seq,
                flags: BuFlags(f),
                reserved: r,
                lifetime: l,
            })
        }),
        (any::<u8>(), any::<u8>(), any::<u16>(), any::<u16>()).prop_map(|(s, f, seq, l)| {
            MhMessage::Ba(BindingAck {
                status: s,
                flags: BaFlags(f),
                seq,
                lifetime: l,
            })
        }),
        (any::<u8>(), any::<u8>(), arb_addr()).prop_map(|(status, reserved, home_address)| {
            MhMessage::Be(BindingError {
                status,
                reserved,
                home_address,
            })
        }),
        (
            8u8..,
            (0usize..10).prop_flat_map(|n| prop::collection::vec(any::<u8>(), n * 8 + 2))
        )
            .prop_map(|(kind, data)| MhMessage::Unknown { kind, data }),
    ]
}

fn arb_repr() -> impl Strategy<Value = Repr> {
    (
        any::<u8>(),
        any::<u8>(),
        any::<u16>(),
        arb_message(),
        prop::collection::vec(arb_option(), 0..6),
        any::<bool>(),
    )
        .prop_map(|(pp, res, csum, message, opts, laid_out)| {
            let options = match message {
                MhMessage::Unknown { .. } => vec![],
                _ if laid_out => mh::lay_out(message.options_offset(), &opts),
                _ => {
                    // Unaligned but legal: just pad the end to a multiple of 8.
                    let mut o = opts;
                    let len = message.options_offset() + options::options_len(&o);
                    if let Some(p) = MobilityOption::padding((8 - len % 8) % 8) {
                        o.push(p);
                    }
                    o
                }
            };
            Repr {
                payload_proto: pp,
                reserved: res,
                checksum: csum,
                message,
                options,
            }
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn repr_emit_parse_is_identity(r in arb_repr()) {
        let b = r.to_bytes().unwrap();
        prop_assert_eq!(b.len() % 8, 0);
        prop_assert_eq!(Repr::from_bytes(&b).unwrap(), r);
    }

    #[test]
    fn laid_out_options_are_aligned(m in arb_message(), opts in prop::collection::vec(arb_option(), 0..6)) {
        prop_assume!(!matches!(m, MhMessage::Unknown { .. }));
        // Authenticators of 8n+4 octets can end on 8 right after 8n+2; keep BAD to those, last.
        let mut opts: Vec<_> = opts.into_iter().filter(|o| o.kind() != options::BINDING_AUTH_DATA).collect();
        opts.push(MobilityOption::BindingAuthData(vec![7; 12]));
        let r = Repr::build(m, &opts);
        prop_assert!(r.alignment_issues().is_empty(), "{:?}", r.alignment_issues());
        prop_assert_eq!(r.buffer_len() % 8, 0);
    }

    #[test]
    fn dsmipv6_option_octets_round_trip(kind in 29u8..=32, data in any::<[u8; 6]>()) {
        // BU fixed part, then the option at offset 12 (4n), then PadN to 24.
        let mut b = vec![59, 2, mh::TYPE_BU, 0, 0, 0, 0, 1, 0x01, 0, 0, 1, kind, 6];
        b.extend_from_slice(&data);
        b.extend_from_slice(&[1, 2, 0, 0]);
        let r = Repr::from_bytes(&b).unwrap();
        prop_assert_eq!(r.options[0].kind(), kind);
        prop_assert_eq!(r.to_bytes().unwrap(), b);
    }

    #[test]
    fn bytes_that_parse_emit_identically(b in prop::collection::vec(any::<u8>(), 0..80)) {
        if let Ok(r) = Repr::from_bytes(&b) {
            prop_assert_eq!(r.to_bytes().unwrap(), b);
        }
    }

    #[test]
    fn framed_random_bytes_that_parse_emit_identically(
        head in any::<[u8; 6]>(),
        hl in 0u8..5,
        kind in 0u8..10,
        body in prop::collection::vec(prop_oneof![Just(0u8), Just(1), Just(2), any::<u8>()], 34),
    ) {
        let mut b = head.to_vec();
        b[1] = hl;
        b[2] = kind;
        let total = (usize::from(hl) + 1) * 8;
        b.extend_from_slice(&body[..total - 6]);
        match Repr::from_bytes(&b) {
            Ok(r) => prop_assert_eq!(r.to_bytes().unwrap(), b),
            Err(e) => prop_assert!(e.offset <= total),
        }
    }

    #[test]
    fn mutated_valid_messages_parse_or_err(r in arb_repr(), idx in any::<prop::sample::Index>(), v in any::<u8>(), cut in any::<prop::sample::Index>()) {
        let mut b = r.to_bytes().unwrap();
        let i = idx.index(b.len());
        b[i] = v;
        if let Ok(p) = Repr::from_bytes(&b) {
            prop_assert_eq!(p.to_bytes().unwrap(), b.clone());
        }
        let c = cut.index(b.len() + 1);
        if let Err(e) = Repr::from_bytes(&b[..c]) {
            prop_assert!(e.offset <= b.len());
        }
    }

    #[test]
    fn checksum_always_verifies_after_fill(r in arb_repr(), s in arb_addr(), d in arb_addr()) {
        let b = r.to_bytes_with_checksum(&s, &d).unwrap();
        prop_assert!(checksum::verify(&s, &d, &b));
    }
}
