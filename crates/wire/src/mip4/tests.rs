//! Mobile IPv4 codec tests: hand-made vectors drawn from the RFC layouts, known answers for
//! the authenticators (expected values computed independently with Python's hmac/hashlib),
//! malformed input, and property round trips.

use super::agent::{self, IcmpPacket};
use super::auth;
use super::ext::{
    self, extension_offsets, parse_extensions, AdvFlags, Extension, Form, KeyGen,
    MobilityAgentAdvertisement, RawExtension, Space, VendorExtension,
};
use super::*;
use proptest::prelude::*;

fn h(s: &str) -> Vec<u8> {
    hex::decode(s.split_whitespace().collect::<String>()).unwrap()
}

fn v4(s: &str) -> Ipv4Addr {
    s.parse().unwrap()
}

const KEY: &[u8] = b"mip4-mn-ha-secret";

/// RFC 5944 §3.3 layout: S and T set, lifetime 1800, HoA 0.0.0.0 (RFC 2794 §2: asks for one),
/// HA 192.0.2.1, CoA 198.51.100.2, Identification 0x0102030405060708, then the NAI (131) and
/// the MN-HA Authentication extension (32) with SPI 256.
const RRQ: &str = "01 82 0708 00000000 c0000201 c6336402 0102030405060708
    83 0e 6d6e406578616d706c652e636f6d
    20 14 00000100 c0e450032aee93bdf50117c22aa9ccaf";

fn rrq_repr() -> RegistrationRequest {
    RegistrationRequest {
        flags: RrqFlags(RrqFlags::S | RrqFlags::T),
        lifetime: 1800,
        home_address: Ipv4Addr::UNSPECIFIED,
        home_agent: v4("192.0.2.1"),
        care_of_address: v4("198.51.100.2"),
        identification: 0x0102_0304_0506_0708,
        extensions: vec![Extension::Nai(b"mn@example.com".to_vec())],
    }
}

#[test]
fn registration_request_decodes_field_by_field() {
    let b = h(RRQ);
    let p = Packet::new_checked(&b[..]).unwrap();
    assert_eq!(p.msg_type(), REGISTRATION_REQUEST);
    assert_eq!(p.flags_or_code(), 0x82);
    assert_eq!(p.extensions_at(), 24);
    let Repr::Request(r) = Repr::parse(&p).unwrap() else {
        panic!("not a request")
    };
    assert!(r.flags.has(RrqFlags::S) && r.flags.has(RrqFlags::T));
    assert!(!r.flags.has(RrqFlags::D));
    assert_eq!(r.flags.letters(), "ST");
    assert_eq!(r.lifetime, 1800);
    assert_eq!(r.home_address, Ipv4Addr::UNSPECIFIED);
    assert_eq!(r.home_agent, v4("192.0.2.1"));
    assert_eq!(r.care_of_address, v4("198.51.100.2"));
    assert_eq!(r.identification, 0x0102_0304_0506_0708);
    assert_eq!(r.extensions.len(), 2);
    assert_eq!(r.extensions[0], Extension::Nai(b"mn@example.com".to_vec()));
    assert_eq!(
        r.extensions[1].spi_and_authenticator(),
        Some((256, &h("c0e450032aee93bdf50117c22aa9ccaf")[..]))
    );
    assert_eq!(Repr::Request(r).to_bytes().unwrap(), b);
}

#[test]
fn signing_a_request_gives_the_rfc_5944_hmac_md5() {
    let signed = Repr::Request(rrq_repr())
        .to_bytes_signed(ext::reg_ext::MN_HA_AUTH, 256, KEY)
        .unwrap();
    assert_eq!(signed, h(RRQ));
    let at = auth::find_extension(&signed, ext::reg_ext::MN_HA_AUTH).unwrap();
    assert_eq!(at, 24 + 16);
    assert!(auth::verify(&signed, at, KEY).unwrap());
    assert!(!auth::verify(&signed, at, b"other key").unwrap());
}

#[test]
fn tampering_any_covered_octet_or_the_authenticator_fails_the_check() {
    let b = h(RRQ);
    let at = auth::find_extension(&b, 32).unwrap();
    for i in 0..b.len() {
        let mut t = b.clone();
        t[i] ^= 0x01;
        // A changed Length octet may leave no extension at `at`: an error is a failure too.
        assert!(
            !auth::verify(&t, at, KEY).unwrap_or(false),
            "octet {i} changed, still verifies"
        );
    }
}

#[test]
fn octets_after_the_extension_are_not_covered() {
    let mut b = h(RRQ);
    let at = auth::find_extension(&b, 32).unwrap();
    // An MN-FA extension appended later (RFC 5944 G.2 order) does not change MN-HA's value.
    auth::append_authenticated(&mut b, ext::reg_ext::MN_FA_AUTH, 7, b"fa").unwrap();
    assert!(auth::verify(&b, at, KEY).unwrap());
    let fa = auth::find_extension(&b, 33).unwrap();
    assert!(auth::verify(&b, fa, b"fa").unwrap());
    let n = b.len();
    b[n - 1] ^= 0x80;
    assert!(!auth::verify(&b, fa, b"fa").unwrap());
    assert!(auth::verify(&b, at, KEY).unwrap());
}

#[test]
fn mn_aaa_uses_hmac_md5_over_the_long_header_and_chap_spi_its_own_md5() {
    let mut b = h(RRQ);
    let at =
        auth::append_authenticated(&mut b, ext::reg_ext::GENERALIZED_AUTH, 3, b"aaa-key").unwrap();
    assert_eq!(&b[at..at + 4], &[36, 1, 0, 20]);
    assert_eq!(&b[at + 8..], &h("369bc3c5b96891159a875bcf93c979d0")[..]);
    assert!(auth::verify(&b, at, b"aaa-key").unwrap());
    let r = Repr::from_bytes(&b).unwrap();
    assert_eq!(
        r.extensions()[2],
        Extension::GeneralizedAuth {
            subtype: 1,
            spi: 3,
            authenticator: h("369bc3c5b96891159a875bcf93c979d0"),
        }
    );

    // RFC 4721 §8 with SPI CHAP_SPI and the challenge 01..08.
    let mut c = h(RRQ);
    c.extend_from_slice(&[36, 1, 0, 20, 0, 0, 0, 2]);
    c.extend_from_slice(&[0; 16]);
    let challenge: Vec<u8> = (1..=8).collect();
    let a = auth::chap_authenticator(&c, h(RRQ).len(), b"aaa-key", &challenge).unwrap();
    assert_eq!(a[..], h("67f121f238f4397472b4c2cb89d46d50")[..]);
    let n = c.len();
    c[n - 16..].copy_from_slice(&a);
    assert!(auth::verify_chap(&c, h(RRQ).len(), b"aaa-key", &challenge).unwrap());
    c[10] ^= 1;
    assert!(!auth::verify_chap(&c, h(RRQ).len(), b"aaa-key", &challenge).unwrap());
    assert!(auth::chap_authenticator(&c, h(RRQ).len(), b"k", &[]).is_err());
    // The same value as RADIUS CHAP computes it from the split parts (RFC 2865 §5.3).
    c[10] ^= 1;
    let (ident, chal) = auth::chap_radius_parts(&c, h(RRQ).len(), &challenge).unwrap();
    assert_eq!(ident, challenge[0]);
    assert!(chal.len() <= 253);
    let via_radius = crate::radius::chap_response(ident, b"aaa-key", &chal);
    assert_eq!(via_radius, a);
    assert!(auth::chap_radius_parts(&c, h(RRQ).len(), &[]).is_err());
}

#[test]
fn authenticator_offsets_must_name_an_authentication_extension() {
    let b = h(RRQ);
    assert!(auth::authenticator(&b, 24, KEY).is_err(), "NAI is not one");
    assert!(auth::authenticator(&b, 200, KEY).is_err());
    assert!(auth::find_extension(&b, 33).is_err());
    let mut short = b.clone();
    short.truncate(b.len() - 14);
    assert!(auth::verify(&short, 40, KEY).is_err());
    let mut wrong_len = b.clone();
    wrong_len.pop();
    wrong_len[41] = 19;
    assert!(
        !auth::verify(&wrong_len, 40, KEY).unwrap(),
        "15-octet authenticator"
    );
}

#[test]
fn registration_reply_codes_are_typed() {
    let b = h("03 61 0000 c0000264 c0000201 0102030405060708 83 02 6d6e");
    let Repr::Reply(r) = Repr::from_bytes(&b).unwrap() else {
        panic!()
    };
    assert_eq!(r.code, ReplyCode::MissingNai);
    assert_eq!(r.code.name(), Some("MISSING_NAI"));
    assert_eq!(r.home_address, v4("192.0.2.100"));
    assert_eq!(r.identification, 0x0102_0304_0506_0708);
    assert_eq!(Repr::Reply(r).to_bytes().unwrap(), b);
    for (v, c) in [
        (0, ReplyCode::Accepted),
        (1, ReplyCode::AcceptedNoSimultaneousBindings),
        (69, ReplyCode::FaLifetimeTooLong),
        (88, ReplyCode::FaHaUnreachable),
        (90, ReplyCode::NonzeroHaRequired),
        (107, ReplyCode::MissingMnFa),
        (133, ReplyCode::HaIdentificationMismatch),
        (143, ReplyCode::RedirectHa),
        (144, ReplyCode::HaBadAaaAuth),
        (194, ReplyCode::FaInvalidHaAddress),
        (200, ReplyCode::Other(200)),
    ] {
        assert_eq!(ReplyCode::from(v), c);
        assert_eq!(u8::from(c), v);
    }
    assert!(ReplyCode::from(1).is_accepted() && !ReplyCode::from(64).is_accepted());
}

#[test]
fn the_three_extension_forms_and_typed_bodies() {
    let b = h("
        24 01 0008 00000003 aabbccdd
        26 00 0008 00000009 0001 beef
        86 0a 0000 0000159f 0002 0102
        8b 01 0004 c0000201
        2b 01 0014 00000e10 00000100 00000200 0001 0002 00112233
        28 01 0004 00000101
        90 06 00 00 8000 0400
        c8 02 abcd
        00
        84 04 01020304");
    let e = parse_extensions(&b, 24, Space::Registration).unwrap();
    assert_eq!(
        e[0],
        Extension::GeneralizedAuth {
            subtype: 1,
            spi: 3,
            authenticator: h("aabbccdd")
        }
    );
    assert_eq!(
        e[1],
        Extension::Cvse(VendorExtension {
            reserved: 0,
            vendor_id: 9,
            vendor_type: 1,
            value: h("beef")
        })
    );
    assert_eq!(
        e[2],
        Extension::Nvse(VendorExtension {
            reserved: 0,
            vendor_id: 5535,
            vendor_type: 2,
            value: h("0102")
        })
    );
    assert_eq!(
        e[3],
        Extension::DynamicHa {
            subtype: ext::DYNAMIC_HA_REQUESTED,
            address: v4("192.0.2.1"),
            short_form: false,
        }
    );
    assert_eq!(
        e[4].keygen(),
        Some(KeyGen::MnHaAaaReply {
            lifetime: 3600,
            aaa_spi: 256,
            ha_spi: 512,
            algorithm: 1,
            replay_method: 2,
            nonce: &h("00112233")
        })
    );
    assert_eq!(
        e[5].keygen(),
        Some(KeyGen::Request {
            mn_spi: 257,
            data: &[]
        })
    );
    assert_eq!(
        e[6],
        Extension::Raw(RawExtension {
            kind: 144,
            form: Form::Short { subtype: 0 },
            data: h("00 8000 0400")
        })
    );
    assert_eq!(
        e[7],
        Extension::Raw(RawExtension {
            kind: 200,
            form: Form::Plain,
            data: h("abcd")
        })
    );
    assert_eq!(e[8], Extension::Padding);
    assert_eq!(e[9], Extension::MnFaChallenge(h("01020304")));
    assert_eq!(
        must_discard(&e, Space::Registration),
        None,
        "200 is skippable"
    );
    let offsets: Vec<usize> = extension_offsets(&b, 24, Space::Registration)
        .unwrap()
        .into_iter()
        .map(|(at, _)| at)
        .collect();
    assert_eq!(offsets, [24, 36, 48, 60, 68, 92, 100, 108, 112, 113]);
    let mut out = vec![0; ext::extensions_len(&e)];
    ext::emit_extensions(&e, &mut out).unwrap();
    assert_eq!(out, b);
}

#[test]
fn dynamic_ha_is_also_read_in_the_short_form() {
    // Type 139, Length 5, Sub-Type 2 (redirected), 192.0.2.9: how Wireshark reads it.
    let b = h("8b 05 02 c0000209 8b 02 0004 c000020a");
    let e = parse_extensions(&b, 0, Space::Registration).unwrap();
    assert_eq!(
        e,
        [
            Extension::DynamicHa {
                subtype: ext::DYNAMIC_HA_REDIRECTED,
                address: v4("192.0.2.9"),
                short_form: true,
            },
            Extension::DynamicHa {
                subtype: 2,
                address: v4("192.0.2.10"),
                short_form: false,
            }
        ]
    );
    let mut out = vec![0; ext::extensions_len(&e)];
    ext::emit_extensions(&e, &mut out).unwrap();
    assert_eq!(out, b);
    // Length 5 but a long-form Length of 4 after it: the RFC 4433 figure wins.
    let e = parse_extensions(&h("8b 05 0004 c0000209"), 0, Space::Registration).unwrap();
    assert!(matches!(
        e[0],
        Extension::DynamicHa {
            subtype: 5,
            short_form: false,
            ..
        }
    ));
}

#[test]
fn unknown_non_skippable_extensions_discard_the_message() {
    // Type 100 unknown (< 128): kept raw in the plain form, and the message must go.
    let b = h("01 00 0000 c0000264 c0000201 c6336402 0000000000000001 64 01 ff 83 01 61");
    let r = Repr::from_bytes(&b).unwrap();
    assert_eq!(
        r.must_discard(),
        Some(&Extension::Raw(RawExtension {
            kind: 100,
            form: Form::Plain,
            data: vec![0xff]
        }))
    );
    assert_eq!(r.to_bytes().unwrap(), b);
    // The Mobility Agent extension is not one of the registration space.
    let e = parse_extensions(&h("10 06 000100000000"), 0, Space::Registration).unwrap();
    assert_eq!(must_discard(&e, Space::Registration), Some(0));
    let e = parse_extensions(&h("10 06 000100000000"), 0, Space::Discovery).unwrap();
    assert_eq!(must_discard(&e, Space::Discovery), None);
}

#[test]
fn malformed_messages_name_their_offset() {
    let e = |s: &str| Repr::from_bytes(&h(s)).unwrap_err();
    assert_eq!(e("").offset, 0);
    assert_eq!(e("02 00").offset, 0, "type 2 is not a registration message");
    assert_eq!(e("01 00 0000 00000000").offset, 8, "fixed part truncated");
    let rrp = "03 00 0000 c0000264 c0000201 0102030405060708";
    let err = e(&format!("{rrp} 83 05 6d6e"));
    assert_eq!(err.offset, 21);
    assert!(err.what.contains("runs past"), "{err}");
    let err = e(&format!("{rrp} 8b 01 0005 c000020101"));
    assert!(err.what.contains("always 4"), "{err}");
    assert_eq!(e(&format!("{rrp} 20 03 000001")).offset, 21);
    assert_eq!(
        e(&format!("{rrp} 24 01 00")).offset,
        20,
        "long header truncated"
    );
    assert_eq!(e(&format!("{rrp} 83")).offset, 20);
    assert!(e(&format!("{rrp} 90 00")).what.contains("short-form"));
}

#[test]
fn emit_refuses_what_the_wire_cannot_hold() {
    let mut r = rrq_repr();
    r.extensions = vec![Extension::Nai(vec![b'a'; 256])];
    assert!(Repr::Request(r.clone()).to_bytes().is_err());
    r.extensions = vec![Extension::Auth {
        kind: 35,
        spi: 1,
        authenticator: vec![],
    }];
    assert!(Repr::Request(r.clone()).to_bytes().is_err());
    r.extensions = vec![];
    let mut small = [0u8; 23];
    assert!(Repr::Request(r)
        .emit(&mut Packet::new_unchecked(&mut small[..]))
        .is_err());
    let mut b = h("01");
    assert!(auth::append_authenticated(&mut b, 32, 1, KEY).is_err());
    let mut b = h(RRQ);
    assert!(auth::append_authenticated(&mut b, 131, 1, KEY).is_err());
}

/// RFC 5944 §2.1 and G.1: code 16, one router 198.51.100.1 (preference 0), lifetime 1800;
/// Mobility Agent Advertisement seq 1, registration lifetime 600, R and F, CoA 198.51.100.1;
/// Prefix-Lengths 24; Challenge deadbeef; One-byte Padding to an even length.
const ADV: &str = "09 10 2b61 01 02 0708 c6336401 00000000
    10 0a 0001 0258 9000 c6336401
    13 01 18
    18 04 deadbeef
    00";

#[test]
fn agent_advertisement_decodes_and_its_checksum_is_right() {
    let b = h(ADV);
    let p = IcmpPacket::new_checked(&b[..]).unwrap();
    assert!(p.verify_checksum());
    assert_eq!(agent::checksum(&b), 0x2b61);
    let IcmpRepr::Advertisement(a) = IcmpRepr::parse(&p).unwrap() else {
        panic!()
    };
    assert_eq!(a.code, agent::CODE_NOT_COMMON_TRAFFIC);
    assert_eq!(a.lifetime, 1800);
    assert_eq!(
        a.routers,
        [RouterAddress {
            address: v4("198.51.100.1"),
            preference: 0,
            extra: vec![]
        }]
    );
    let m = a.mobility_agent().unwrap();
    assert_eq!(m.sequence, 1);
    assert_eq!(m.registration_lifetime, 600);
    assert_eq!(m.flags.letters(), "RF");
    assert_eq!(m.care_of_addresses, [v4("198.51.100.1")]);
    assert_eq!(a.extensions[1], Extension::PrefixLengths(vec![24]));
    assert_eq!(a.challenge(), Some(&h("deadbeef")[..]));
    assert_eq!(a.extensions[3], Extension::Padding);
    assert_eq!(IcmpRepr::Advertisement(a).to_bytes().unwrap(), b);

    let mut bad = b.clone();
    bad[2] ^= 1;
    assert!(!IcmpPacket::new_checked(&bad[..]).unwrap().verify_checksum());
    assert!(
        IcmpRepr::from_bytes(&bad).is_ok(),
        "parse does not judge the checksum"
    );
}

#[test]
fn agent_solicitation_and_malformed_advertisements() {
    let b = h("0a 00 f5ff 00000000");
    assert_eq!(
        IcmpRepr::from_bytes(&b).unwrap(),
        IcmpRepr::Solicitation(AgentSolicitation::default())
    );
    assert!(IcmpPacket::new_checked(&b[..]).unwrap().verify_checksum());
    assert_eq!(
        IcmpRepr::Solicitation(AgentSolicitation::default())
            .to_bytes()
            .unwrap(),
        b
    );
    let e = |s: &str| IcmpRepr::from_bytes(&h(s)).unwrap_err();
    assert_eq!(e("09 00 0000 0002").offset, 6, "header truncated");
    assert_eq!(e("08 00 0000 00000000").offset, 0, "echo is not ours");
    assert_eq!(
        e("09 00 0000 01 01 0000 00000000").offset,
        5,
        "entry size 1"
    );
    assert!(e("09 00 0000 02 02 0000 c6336401 00000000")
        .what
        .contains("router entries"));
    let err = e("09 00 0000 00 02 0000 10 07 0001 0258 9000 c6");
    assert!(err.what.contains("6 + 4"), "{err}");
    assert_eq!(err.offset, 9);
}

#[test]
fn larger_router_entries_keep_their_extra_words() {
    let a = AgentAdvertisement {
        code: 0,
        lifetime: 9000,
        addr_entry_size: 3,
        routers: vec![RouterAddress {
            address: v4("192.0.2.9"),
            preference: 0xffff_fffe,
            extra: vec![1, 2, 3, 4],
        }],
        extensions: vec![],
    };
    let b = IcmpRepr::Advertisement(a.clone()).to_bytes().unwrap();
    assert_eq!(b.len(), 20);
    assert_eq!(
        IcmpRepr::from_bytes(&b).unwrap(),
        IcmpRepr::Advertisement(a.clone())
    );
    let mut wrong = a;
    wrong.addr_entry_size = 2;
    assert!(IcmpRepr::Advertisement(wrong).to_bytes().is_err());
}

// ---------- properties ----------

fn ip() -> impl Strategy<Value = Ipv4Addr> {
    any::<u32>().prop_map(Ipv4Addr::from)
}

fn bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), 0..max)
}

/// Unknown types of a space, so that they come back raw.
fn raw(space: Space) -> impl Strategy<Value = Extension> {
    (1u8.., bytes(40))
        .prop_filter("unlisted type", move |(k, _)| {
            !Extension::Raw(RawExtension {
                kind: *k,
                form: Form::Plain,
                data: vec![],
            })
            .understood(space)
        })
        .prop_map(|(kind, data)| {
            Extension::Raw(RawExtension {
                kind,
                form: Form::Plain,
                data,
            })
        })
}

fn vendor(reserved: impl Strategy<Value = u16>) -> impl Strategy<Value = VendorExtension> {
    (reserved, any::<u32>(), any::<u16>(), bytes(30)).prop_map(
        |(reserved, vendor_id, vendor_type, value)| VendorExtension {
            reserved,
            vendor_id,
            vendor_type,
            value,
        },
    )
}

fn reg_extension() -> impl Strategy<Value = Extension> {
    prop_oneof![
        Just(Extension::Padding),
        (32u8..=34, any::<u32>(), bytes(20)).prop_map(|(kind, spi, authenticator)| {
            Extension::Auth {
                kind,
                spi,
                authenticator,
            }
        }),
        (any::<u8>(), any::<u32>(), bytes(20)).prop_map(|(subtype, spi, authenticator)| {
            Extension::GeneralizedAuth {
                subtype,
                spi,
                authenticator,
            }
        }),
        bytes(60).prop_map(Extension::Nai),
        bytes(20).prop_map(Extension::MnFaChallenge),
        vendor(0u16..=255).prop_map(Extension::Cvse),
        vendor(any::<u16>()).prop_map(Extension::Nvse),
        (any::<u8>(), ip()).prop_map(|(subtype, address)| Extension::DynamicHa {
            subtype,
            address,
            short_form: false
        }),
        (any::<u8>(), ip())
            .prop_filter("not the ambiguous octets", |(s, a)| *s != 0
                || a.octets()[0] != 4)
            .prop_map(|(subtype, address)| Extension::DynamicHa {
                subtype,
                address,
                short_form: true
            }),
        (40u8..=43, any::<u8>(), bytes(40)).prop_map(|(kind, subtype, body)| {
            Extension::KeyGen {
                kind,
                subtype,
                body,
            }
        }),
        (prop_oneof![Just(44u8), Just(144u8)], any::<u8>(), bytes(10)).prop_map(
            |(kind, subtype, data)| Extension::Raw(RawExtension {
                kind,
                form: Form::Short { subtype },
                data
            })
        ),
        raw(Space::Registration),
    ]
}

fn adv_extension() -> impl Strategy<Value = Extension> {
    prop_oneof![
        Just(Extension::Padding),
        (
            any::<u16>(),
            any::<u16>(),
            any::<u16>(),
            proptest::collection::vec(ip(), 0..5)
        )
            .prop_map(
                |(sequence, registration_lifetime, flags, care_of_addresses)| {
                    Extension::MobilityAgent(MobilityAgentAdvertisement {
                        sequence,
                        registration_lifetime,
                        flags: AdvFlags(flags),
                        care_of_addresses,
                    })
                }
            ),
        bytes(8).prop_map(Extension::PrefixLengths),
        bytes(16).prop_map(Extension::AdvChallenge),
        raw(Space::Discovery),
    ]
}

fn arb_repr() -> impl Strategy<Value = Repr> {
    let exts = || proptest::collection::vec(reg_extension(), 0..6);
    prop_oneof![
        (
            any::<u8>(),
            any::<u16>(),
            ip(),
            ip(),
            ip(),
            any::<u64>(),
            exts()
        )
            .prop_map(
                |(
                    f,
                    lifetime,
                    home_address,
                    home_agent,
                    care_of_address,
                    identification,
                    extensions,
                )| {
                    Repr::Request(RegistrationRequest {
                        flags: RrqFlags(f),
                        lifetime,
                        home_address,
                        home_agent,
                        care_of_address,
                        identification,
                        extensions,
                    })
                }
            ),
        (any::<u8>(), any::<u16>(), ip(), ip(), any::<u64>(), exts()).prop_map(
            |(code, lifetime, home_address, home_agent, identification, extensions)| {
                Repr::Reply(RegistrationReply {
                    code: ReplyCode::from(code),
                    lifetime,
                    home_address,
                    home_agent,
                    identification,
                    extensions,
                })
            }
        ),
    ]
}

fn arb_icmp() -> impl Strategy<Value = IcmpRepr> {
    let router = (ip(), any::<u32>()).prop_map(|(address, preference)| RouterAddress {
        address,
        preference,
        extra: vec![],
    });
    prop_oneof![
        (
            any::<u8>(),
            any::<u16>(),
            proptest::collection::vec(router, 0..4),
            proptest::collection::vec(adv_extension(), 0..5)
        )
            .prop_map(|(code, lifetime, routers, extensions)| {
                IcmpRepr::Advertisement(AgentAdvertisement {
                    code,
                    lifetime,
                    addr_entry_size: 2,
                    routers,
                    extensions,
                })
            }),
        (any::<u8>(), any::<u32>(), bytes(8)).prop_map(|(code, reserved, trailing)| {
            IcmpRepr::Solicitation(AgentSolicitation {
                code,
                reserved,
                trailing,
            })
        }),
    ]
}

/// Bytes that start like a registration message or an advertisement more often than chance.
fn message_bytes(first: u8) -> impl Strategy<Value = Vec<u8>> {
    (any::<bool>(), bytes(120)).prop_map(move |(lead, mut b)| {
        if lead && !b.is_empty() {
            b[0] = first;
        }
        b
    })
}

proptest! {
    #[test]
    fn repr_round_trips(r in arb_repr()) {
        let b = r.to_bytes().unwrap();
        prop_assert_eq!(b.len(), r.buffer_len());
        prop_assert_eq!(Repr::from_bytes(&b).unwrap(), r);
    }

    #[test]
    fn icmp_round_trips_with_a_good_checksum(r in arb_icmp()) {
        let b = r.to_bytes().unwrap();
        prop_assert!(IcmpPacket::new_checked(&b[..]).unwrap().verify_checksum());
        prop_assert_eq!(IcmpRepr::from_bytes(&b).unwrap(), r);
    }

    #[test]
    fn parsed_registration_bytes_emit_identically(b in message_bytes(1), reply in any::<bool>()) {
        let mut b = b;
        if reply && !b.is_empty() && b[0] == 1 {
            b[0] = 3;
        }
        if let Ok(r) = Repr::from_bytes(&b) {
            prop_assert_eq!(r.to_bytes().unwrap(), b.clone());
            let _ = r.must_discard();
            for (at, _) in extension_offsets(&b[r.buffer_len() - ext::extensions_len(r.extensions())..], 0, Space::Registration).unwrap() {
                let _ = auth::verify(&b, at, KEY);
            }
        }
    }

    #[test]
    fn parsed_icmp_bytes_emit_identically_when_the_checksum_is_right(
        b in message_bytes(9), solicit in any::<bool>()
    ) {
        let mut b = b;
        if b.len() >= 4 {
            if solicit {
                b[0] = 10;
            }
            let c = agent::checksum(&b);
            b[2..4].copy_from_slice(&c.to_be_bytes());
        }
        if let Ok(r) = IcmpRepr::from_bytes(&b) {
            prop_assert_eq!(r.to_bytes().unwrap(), b.clone());
        }
    }

    #[test]
    fn signed_messages_verify_and_any_flipped_bit_fails(
        r in arb_repr(), spi in any::<u32>(), key in bytes(40), kind in prop_oneof![Just(32u8), Just(33), Just(34), Just(36)],
        flip in any::<prop::sample::Index>(), bit in 0u8..8
    ) {
        let b = r.to_bytes_signed(kind, spi, &key).unwrap();
        let at = r.buffer_len();
        prop_assert!(auth::verify(&b, at, &key).unwrap());
        let mut t = b.clone();
        t[flip.index(b.len())] ^= 1 << bit;
        prop_assert!(!auth::verify(&t, at, &key).unwrap_or(false));
    }
}

/// RFC 3957 §5 against an independent computation:
/// `(printf '00112233445566778899aabbccddeeff' | xxd -r -p; printf 'mn-ds@example.com') |
///  openssl dgst -sha1 -hmac 'mn-ds-aaa-key'` → 06e2f80c…fac1a.
#[test]
fn rfc_3957_key_is_hmac_sha1_of_nonce_then_nai() {
    let nonce = h("00112233445566778899aabbccddeeff");
    let key = auth::mn_ha_key_from_aaa(b"mn-ds-aaa-key", &nonce, b"mn-ds@example.com");
    assert_eq!(key.to_vec(), h("06e2f80c8172362e764a05e523eee568e24fac1a"));
    // The order matters: identifier first is another key.
    let mut swapped = b"mn-ds@example.com".to_vec();
    swapped.extend_from_slice(&nonce);
    assert_ne!(
        auth::mn_ha_key_from_aaa(b"mn-ds-aaa-key", &swapped, &[]),
        key
    );
}

#[test]
fn mn_ha_keygen_extensions_are_built_as_rfc_3957_draws_them() {
    let req = Extension::mn_ha_aaa_keygen_request(0x100);
    let mut b = vec![0; req.wire_len()];
    req.emit(&mut b).unwrap();
    // Figure 4: Type 42, Subtype 1, Length 4 (no subtype data), the MN SPI.
    assert_eq!(b, h("2a 01 0004 00000100"));
    let nonce = h("00112233445566778899aabbccddeeff");
    let body = KeyGen::MnHaAaaReply {
        lifetime: 3600,
        aaa_spi: 2,
        ha_spi: 0x100,
        algorithm: ext::KEYGEN_ALGORITHM_HMAC_MD5,
        replay_method: ext::KEYGEN_REPLAY_TIMESTAMPS,
        nonce: &nonce,
    };
    let rep = Extension::mn_ha_aaa_keygen_reply(&body);
    let mut b = vec![0; rep.wire_len()];
    rep.emit(&mut b).unwrap();
    // Figures 5 and 6: Lifetime, AAA SPI, HA SPI, Algorithm, Replay Method, nonce.
    assert_eq!(
        b,
        h("2b 01 0020 00000e10 00000002 00000100 0001 0002 00112233445566778899aabbccddeeff")
    );
    let back = parse_extensions(&b, 0, Space::Registration).unwrap();
    assert_eq!(back, vec![rep]);
    assert_eq!(back[0].keygen(), Some(body));
}

fn keygen_extension() -> impl Strategy<Value = Extension> {
    (40u8..=43, prop_oneof![Just(1u8), any::<u8>()], bytes(40)).prop_map(|(kind, subtype, body)| {
        Extension::KeyGen {
            kind,
            subtype,
            body,
        }
    })
}

proptest! {
    /// A KeyGen body that reads re-encodes to the same octets, whatever type and subtype.
    #[test]
    fn keygen_bodies_round_trip(e in keygen_extension()) {
        let Extension::KeyGen { body, .. } = &e else { unreachable!() };
        if let Some(kg) = e.keygen() {
            prop_assert_eq!(&kg.body(), body);
        }
    }

    #[test]
    fn keygen_constructors_read_back(
        spi in any::<u32>(), lifetime in any::<u32>(), aaa_spi in any::<u32>(),
        algorithm in any::<u16>(), replay_method in any::<u16>(), nonce in bytes(40)
    ) {
        let req = Extension::mn_ha_aaa_keygen_request(spi);
        prop_assert_eq!(req.keygen(), Some(KeyGen::Request { mn_spi: spi, data: &[] }));
        let body = KeyGen::MnHaAaaReply {
            lifetime, aaa_spi, ha_spi: spi, algorithm, replay_method, nonce: &nonce,
        };
        let rep = Extension::mn_ha_aaa_keygen_reply(&body);
        let mut b = vec![0; rep.wire_len()];
        rep.emit(&mut b).unwrap();
        let back = parse_extensions(&b, 0, Space::Registration).unwrap();
        prop_assert_eq!(back[0].keygen(), Some(body));
    }

    /// The key function never panics and always gives 20 octets that depend on every input.
    #[test]
    fn mn_ha_keys_differ_with_the_nonce(key in bytes(64), nonce in bytes(32), nai in bytes(40)) {
        let k = auth::mn_ha_key_from_aaa(&key, &nonce, &nai);
        let mut other = nonce.clone();
        other.push(0);
        prop_assert_ne!(auth::mn_ha_key_from_aaa(&key, &other, &nai), k);
    }
}
