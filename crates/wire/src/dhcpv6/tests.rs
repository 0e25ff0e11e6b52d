use super::*;
use proptest::prelude::*;
use rstest::rstest;

fn a(s: &str) -> Ipv6Addr {
    s.parse().unwrap()
}

fn fqdn(s: &str) -> Fqdn {
    Fqdn::from_dotted(s).unwrap()
}

fn llt() -> Duid {
    Duid::Llt {
        hardware_type: 1,
        time: 0x2b3c_4d5e,
        link_layer_address: vec![0x02, 0x42, 0xac, 0x11, 0x00, 0x02],
    }
}

/// Information-request of RFC 6610 §4.1.1 with every octet written out by hand.
const INFO_REQUEST: &[u8] = &[
    11, 0x12, 0x34, 0x56, // INFORMATION-REQUEST, transaction-id
    0, 1, 0, 14, // OPTION_CLIENTID, 14
    0, 1, 0, 1, 0x2b, 0x3c, 0x4d, 0x5e, 0x02, 0x42, 0xac, 0x11, 0x00, 0x02, // DUID-LLT
    0, 8, 0, 2, 0, 0, // OPTION_ELAPSED_TIME 0
    0, 6, 0, 12, 0, 69, 0, 49, 0, 71, 0, 72, 0, 73, 0, 32, // ORO 69 49 71 72 73 32
    0, 49, 0, 17, // OPTION_MIP6_HNIDF, 17
    3, b'm', b's', b'p', 7, b'e', b'x', b'a', b'm', b'p', b'l', b'e', 3, b'n', b'e', b't', 0, 0,
    49, 0, 1, 0, // a second HNIDF: the root name, kept after the first
];

#[test]
fn information_request_known_answer() {
    let r = Repr::from_bytes(INFO_REQUEST).unwrap();
    let want = Repr::ClientServer {
        msg_type: msg_type::INFORMATION_REQUEST,
        transaction_id: 0x123456,
        options: vec![
            DhcpOption::ClientId(llt()),
            DhcpOption::ElapsedTime(0),
            DhcpOption::Oro(vec![69, 49, 71, 72, 73, 32]),
            DhcpOption::Mip6Hnidf(fqdn("msp.example.net")),
            DhcpOption::Mip6Hnidf(Fqdn::new(vec![]).unwrap()),
        ],
    };
    assert_eq!(r, want);
    assert_eq!(r.to_bytes().unwrap(), INFO_REQUEST);
    assert_eq!(r.buffer_len(), INFO_REQUEST.len());
    assert_eq!(r.options_with(code::MIP6_HNIDF).count(), 2);
    let p = Packet::new_checked(INFO_REQUEST).unwrap();
    assert_eq!((p.msg_type(), p.transaction_id()), (11, 0x123456));
    assert_eq!(p.link_address(), None);
    assert_eq!(fqdn("msp.example.net").to_string(), "msp.example.net.");
}

/// A Reply as RFC 6610 §4.3 has it: IDINF with its HNIDF, HNP, HAA (IPv4-embedded) and HAF.
fn reply() -> Repr {
    Repr::ClientServer {
        msg_type: msg_type::REPLY,
        transaction_id: 0x123456,
        options: vec![
            DhcpOption::ServerId(Duid::En {
                enterprise_number: 9,
                identifier: vec![0x0c, 0xc0, 0x84, 0xd3, 0x03, 0x00, 0x09, 0x12],
            }),
            DhcpOption::ClientId(llt()),
            DhcpOption::Mip6Idinf(vec![
                DhcpOption::Mip6Hnidf(fqdn("msp.example.net")),
                DhcpOption::Mip6Hnp {
                    prefix_len: 64,
                    prefix: a("2001:db8:100::"),
                },
                DhcpOption::Mip6Haa(a("64:ff9b::c000:201")),
                DhcpOption::Mip6Haf(fqdn("ha1.msp.example.net")),
            ]),
            DhcpOption::InformationRefreshTime(86400),
            DhcpOption::StatusCode {
                status: 0,
                message: "ok".into(),
            },
            DhcpOption::Other {
                code: 23,
                data: a("2001:db8::53").octets().to_vec(),
            },
        ],
    }
}

#[test]
fn reply_with_identified_home_network_round_trips() {
    let b = reply().to_bytes().unwrap();
    // DUID-EN example of RFC 8415 §11.3 (Figure 6) as SERVERID.
    assert_eq!(
        &b[4..22],
        &[0, 2, 0, 14, 0, 2, 0, 0, 0, 9, 12, 192, 132, 211, 3, 0, 9, 18]
    );
    let r = Repr::from_bytes(&b).unwrap();
    assert_eq!(r, reply());
    let idinf = r.options_with(code::MIP6_IDINF).next().unwrap();
    let inner = idinf.contained().unwrap();
    assert_eq!(inner[1].data_len(), 17, "HNP option-len is 17");
    let DhcpOption::Mip6Haa(haa) = inner[2] else {
        panic!()
    };
    assert_eq!(ipv4_embedded(&haa), Some("192.0.2.1".parse().unwrap()));
    assert_eq!(ipv4_embedded(&a("2001:db8::1")), None);
    // RFC 6052 §2.4's example of the Well-Known Prefix, and back.
    let v4 = "192.0.2.33".parse().unwrap();
    assert_eq!(super::option::embed_ipv4(v4), a("64:ff9b::c000:221"));
    assert_eq!(ipv4_embedded(&super::option::embed_ipv4(v4)), Some(v4));
    assert_eq!(ipv4_embedded(&v4.to_ipv6_mapped()), None);
}

/// Relay-forward from a second relay around a first relay's Relay-forward around the client's
/// message; the inner relay adds an RSOO holding an IDINF, and an Interface-Id.
fn nested_relay() -> Repr {
    let client = Repr::from_bytes(INFO_REQUEST).unwrap();
    let first = Repr::Relay {
        msg_type: msg_type::RELAY_FORW,
        hop_count: 0,
        link_address: a("2001:db8:1::1"),
        peer_address: a("fe80::1"),
        options: vec![
            DhcpOption::InterfaceId(b"eth0".to_vec()),
            DhcpOption::RelayMsg(Box::new(client)),
            DhcpOption::Rsoo(vec![DhcpOption::Mip6Idinf(vec![
                DhcpOption::Mip6Hnidf(fqdn("msp.example.net")),
                DhcpOption::Mip6Haa(a("2001:db8:100::a1")),
            ])]),
        ],
    };
    Repr::Relay {
        msg_type: msg_type::RELAY_FORW,
        hop_count: 1,
        link_address: Ipv6Addr::UNSPECIFIED,
        peer_address: a("2001:db8:1::1"),
        options: vec![DhcpOption::RelayMsg(Box::new(first))],
    }
}

#[test]
fn nested_relays_decode_each_message_by_its_own_type() {
    let b = nested_relay().to_bytes().unwrap();
    assert_eq!(&b[..2], &[12, 1]);
    let r = Repr::from_bytes(&b).unwrap();
    assert_eq!(r, nested_relay());
    let first = r.relayed().unwrap();
    assert!(matches!(first, Repr::Relay { hop_count: 0, .. }));
    assert_eq!(
        r.innermost().msg_type(),
        msg_type::INFORMATION_REQUEST,
        "the client message under two relays"
    );
    assert_eq!(
        Packet::new_checked(&b[..]).unwrap().peer_address(),
        Some(a("2001:db8:1::1"))
    );
}

#[test]
fn a_relay_message_holding_a_reply_is_a_reply() {
    // A Relay-reply's Relay Message option holds the server's Reply: msg-type 7 decides.
    let relay = Repr::Relay {
        msg_type: msg_type::RELAY_REPL,
        hop_count: 0,
        link_address: a("2001:db8:1::1"),
        peer_address: a("fe80::1"),
        options: vec![DhcpOption::RelayMsg(Box::new(reply()))],
    };
    let r = Repr::from_bytes(&relay.to_bytes().unwrap()).unwrap();
    assert_eq!(r.relayed(), Some(&reply()));
}

#[test]
fn other_message_types_are_kept_raw() {
    // LEASEQUERY (14, RFC 5007) is not an RFC 8415 type.
    let b = [14, 1, 2, 3, 0, 1, 0, 9];
    let r = Repr::from_bytes(&b).unwrap();
    assert_eq!(
        r,
        Repr::Other {
            msg_type: 14,
            body: b[1..].to_vec()
        }
    );
    assert_eq!(r.to_bytes().unwrap(), b);
    assert!(r.options().is_empty());
}

/// A message nested `levels` deep: relay messages in relay messages, the last holding a
/// client message.
fn relays(levels: usize) -> Vec<u8> {
    let mut m = Repr::ClientServer {
        msg_type: msg_type::SOLICIT,
        transaction_id: 1,
        options: vec![],
    };
    for _ in 0..levels {
        m = Repr::Relay {
            msg_type: msg_type::RELAY_FORW,
            hop_count: 0,
            link_address: Ipv6Addr::UNSPECIFIED,
            peer_address: Ipv6Addr::UNSPECIFIED,
            options: vec![DhcpOption::RelayMsg(Box::new(m))],
        };
    }
    m.to_bytes().unwrap()
}

/// Containers in containers, `levels` deep, as one Reply.
fn containers(levels: usize) -> Vec<u8> {
    let mut o = DhcpOption::Mip6Haa(Ipv6Addr::LOCALHOST);
    for _ in 0..levels {
        o = DhcpOption::Rsoo(vec![o]);
    }
    Repr::ClientServer {
        msg_type: msg_type::REPLY,
        transaction_id: 1,
        options: vec![o],
    }
    .to_bytes()
    .unwrap()
}

#[test]
fn nesting_is_limited() {
    assert!(Repr::from_bytes(&relays(MAX_NESTING)).is_ok());
    let e = Repr::from_bytes(&relays(MAX_NESTING + 1)).unwrap_err();
    // The Relay Message option of the 33rd relay: 33 relay headers and 32 option headers in.
    assert_eq!(
        e.offset,
        (MAX_NESTING + 1) * RELAY_HEADER_LEN + MAX_NESTING * 4
    );
    assert!(e.what.contains("nested deeper"), "{e}");
    assert!(Repr::from_bytes(&containers(MAX_NESTING)).is_ok());
    assert!(Repr::from_bytes(&containers(MAX_NESTING + 1)).is_err());
}

fn with_option(code: u16, data: &[u8]) -> Vec<u8> {
    let mut b = vec![7, 0, 0, 1];
    b.extend_from_slice(&code.to_be_bytes());
    b.extend_from_slice(&(data.len() as u16).to_be_bytes());
    b.extend_from_slice(data);
    b
}

#[rstest]
#[case::empty(vec![], 0, "empty")]
#[case::short_header(vec![7, 0, 0], 3, "header needs 4")]
#[case::short_relay_header(vec![12; 33], 33, "header needs 34")]
#[case::truncated_option_header(vec![7, 0, 0, 1, 0, 1, 0], 4, "option header truncated (3 of 4")]
#[case::option_len_past_end(vec![7, 0, 0, 1, 0, 2, 0, 5, 0, 1, 0], 6, "option-len 5 runs past the end (3 octets")]
#[case::relay_msg_past_end({
    let mut b = relays(1);
    b[37] += 1;
    b
}, 36, "option 9 option-len")]
#[case::nesting_too_deep(relays(MAX_NESTING + 1), 34 * 33 + 4 * 32, "nested deeper than 32")]
#[case::containers_too_deep(containers(MAX_NESTING + 1), 4 + 4 * 32, "nested deeper than 32")]
#[case::inner_message_truncated(with_option(9, &[7, 0]), 10, "header needs 4")]
#[case::label_too_long(with_option(49, &[64, 0]), 8, "label length octet 0x40")]
#[case::compressed_label(with_option(73, &[2, b'h', b'a', 0xc0, 12]), 11, "compression pointer")]
#[case::label_past_end(with_option(49, &[5, b'a', b'b', 0]), 8, "label of 5 octets runs past")]
#[case::no_root_label(with_option(49, &[2, b'h', b'a']), 11, "without the root label")]
#[case::empty_fqdn(with_option(73, &[]), 8, "without the root label")]
#[case::octets_after_root(with_option(49, &[1, b'a', 0, 0]), 11, "1 octets after the root")]
#[case::name_over_255({
    let mut n = Vec::new();
    for _ in 0..4 {
        n.push(63);
        n.extend_from_slice(&[b'x'; 63]);
    }
    n.push(0);
    with_option(49, &n)
}, 8, "domain name of 257 octets")]
#[case::hnp_of_16(with_option(71, &[64; 16]), 6, "OPTION_MIP6_HNP option-len 16, must be 17")]
#[case::haa_of_4(with_option(72, &[192, 0, 2, 1]), 6, "OPTION_MIP6_HAA option-len 4")]
#[case::elapsed_of_3(with_option(8, &[0, 0, 0]), 6, "OPTION_ELAPSED_TIME option-len 3")]
#[case::irt_of_2(with_option(32, &[0, 0]), 6, "OPTION_INFORMATION_REFRESH_TIME option-len 2")]
#[case::odd_oro(with_option(6, &[0, 49, 0]), 6, "odd")]
#[case::status_short(with_option(13, &[0]), 6, "at least 2")]
#[case::status_not_utf8(with_option(13, &[0, 0, b'o', 0xff]), 11, "not UTF-8")]
#[case::duid_empty(with_option(1, &[0, 1]), 8, "DUID of 2 octets")]
#[case::duid_over_130(with_option(2, &[0x11; 131]), 8, "DUID of 131 octets")]
#[case::duid_llt_short(with_option(1, &[0, 1, 0, 1, 0, 0, 0]), 10, "DUID-LLT with 5 octets")]
#[case::duid_uuid_15(with_option(1, &[[0, 4].as_slice(), &[7; 15]].concat()), 10, "DUID-UUID with 15")]
#[case::bad_option_in_container(with_option(69, &[0, 72, 0, 1, 0]), 10, "OPTION_MIP6_HAA option-len 1")]
#[case::bad_option_in_rsoo(with_option(66, &[0, 49, 0, 1]), 10, "runs past the end")]
fn malformed_messages_are_errors_at_offsets(
    #[case] bytes: Vec<u8>,
    #[case] offset: usize,
    #[case] what: &str,
) {
    let e = Repr::from_bytes(&bytes).unwrap_err();
    assert_eq!(e.offset, offset, "{e}");
    assert!(e.what.contains(what), "{e}");
}

#[test]
fn emit_refuses_what_the_wire_cannot_hold_and_sends_the_rest_as_is() {
    let too_wide = Repr::ClientServer {
        msg_type: 1,
        transaction_id: 0x0100_0000,
        options: vec![],
    };
    assert_eq!(too_wide.to_bytes().unwrap_err().offset, 1);
    let too_long = Repr::ClientServer {
        msg_type: 1,
        transaction_id: 0,
        options: vec![DhcpOption::InterfaceId(vec![0; 70_000])],
    };
    assert!(too_long.to_bytes().is_err());
    // A malformed HNP as a test would send it: raw, and parsing names the fault.
    let bad = Repr::ClientServer {
        msg_type: 7,
        transaction_id: 0,
        options: vec![DhcpOption::Other {
            code: code::MIP6_HNP,
            data: vec![64; 16],
        }],
    };
    let b = bad.to_bytes().unwrap();
    let mut want = with_option(71, &[64; 16]);
    want[..4].copy_from_slice(&[7, 0, 0, 0]);
    assert_eq!(b, want);
    assert!(Repr::from_bytes(&b).is_err());
    let mut short = [0u8; 3];
    assert!(Repr::ClientServer {
        msg_type: 1,
        transaction_id: 0,
        options: vec![]
    }
    .emit(&mut Packet::new_unchecked(&mut short[..]))
    .is_err());
}

#[test]
fn fqdn_constructor_checks_labels_and_length() {
    assert!(Fqdn::from_dotted("a..b").is_err(), "empty label");
    assert!(Fqdn::from_dotted(&"x".repeat(64)).is_err());
    assert!(Fqdn::new(vec![vec![b'x'; 63]; 4]).is_err(), "257 octets");
    assert_eq!(Fqdn::new(vec![vec![b'x'; 63]; 3]).unwrap().wire_len(), 193);
    assert_eq!(Fqdn::from_dotted(".").unwrap().to_bytes(), [0]);
    let odd = Fqdn::new(vec![b"a.b\\".to_vec(), vec![0xff]]).unwrap();
    assert_eq!(odd.to_string(), "a\\046b\\092.\\255.");
}

fn arb_fqdn() -> impl Strategy<Value = Fqdn> {
    proptest::collection::vec(proptest::collection::vec(any::<u8>(), 1..=20), 0..5)
        .prop_map(|labels| Fqdn::new(labels).unwrap())
}

fn arb_duid() -> impl Strategy<Value = Duid> {
    let bytes = |n| proptest::collection::vec(any::<u8>(), 0..n);
    prop_oneof![
        (any::<u16>(), any::<u32>(), bytes(20)).prop_map(|(h, t, l)| Duid::Llt {
            hardware_type: h,
            time: t,
            link_layer_address: l
        }),
        (any::<u32>(), bytes(20)).prop_map(|(e, i)| Duid::En {
            enterprise_number: e,
            identifier: i
        }),
        (any::<u16>(), bytes(20)).prop_map(|(h, l)| Duid::Ll {
            hardware_type: h,
            link_layer_address: l
        }),
        any::<[u8; 16]>().prop_map(Duid::Uuid),
        (5u16.., proptest::collection::vec(any::<u8>(), 1..=128)).prop_map(|(t, d)| Duid::Other {
            duid_type: t,
            data: d
        }),
    ]
}

/// Codes that no variant decodes, so `Other` parses back as `Other`.
fn arb_unknown_code() -> impl Strategy<Value = u16> {
    any::<u16>().prop_filter("decoded code", |c| {
        !matches!(
            *c,
            1 | 2 | 6 | 8 | 9 | 13 | 18 | 32 | 49 | 50 | 66 | 69..=73
        )
    })
}

fn arb_leaf() -> impl Strategy<Value = DhcpOption> {
    let addr = any::<u128>().prop_map(Ipv6Addr::from);
    prop_oneof![
        arb_duid().prop_map(DhcpOption::ClientId),
        arb_duid().prop_map(DhcpOption::ServerId),
        proptest::collection::vec(any::<u16>(), 0..8).prop_map(DhcpOption::Oro),
        any::<u16>().prop_map(DhcpOption::ElapsedTime),
        (any::<u16>(), "\\PC{0,12}")
            .prop_map(|(status, message)| DhcpOption::StatusCode { status, message }),
        proptest::collection::vec(any::<u8>(), 0..10).prop_map(DhcpOption::InterfaceId),
        any::<u32>().prop_map(DhcpOption::InformationRefreshTime),
        arb_fqdn().prop_map(DhcpOption::Mip6Hnidf),
        arb_fqdn().prop_map(DhcpOption::Mip6Haf),
        (any::<u8>(), addr.clone())
            .prop_map(|(prefix_len, prefix)| DhcpOption::Mip6Hnp { prefix_len, prefix }),
        addr.prop_map(DhcpOption::Mip6Haa),
        (
            arb_unknown_code(),
            proptest::collection::vec(any::<u8>(), 0..12)
        )
            .prop_map(|(code, data)| DhcpOption::Other { code, data }),
    ]
}

fn arb_options() -> impl Strategy<Value = Vec<DhcpOption>> {
    let option = arb_leaf().prop_recursive(4, 24, 4, |inner| {
        let list = proptest::collection::vec(inner, 0..4);
        prop_oneof![
            list.clone().prop_map(DhcpOption::Rsoo),
            list.clone().prop_map(DhcpOption::Mip6Vdinf),
            list.clone().prop_map(DhcpOption::Mip6Idinf),
            list.clone().prop_map(DhcpOption::Mip6Udinf),
            (1u8..=11, 0u32..=0xff_ffff, list).prop_map(|(t, x, options)| {
                DhcpOption::RelayMsg(Box::new(Repr::ClientServer {
                    msg_type: t,
                    transaction_id: x,
                    options,
                }))
            }),
        ]
    });
    proptest::collection::vec(option, 0..6)
}

fn arb_repr() -> impl Strategy<Value = Repr> {
    let addr = || any::<u128>().prop_map(Ipv6Addr::from);
    prop_oneof![
        (1u8..=11, 0u32..=0xff_ffff, arb_options()).prop_map(|(t, x, options)| {
            Repr::ClientServer {
                msg_type: t,
                transaction_id: x,
                options,
            }
        }),
        (12u8..=13, any::<u8>(), addr(), addr(), arb_options()).prop_map(
            |(t, h, l, p, options)| Repr::Relay {
                msg_type: t,
                hop_count: h,
                link_address: l,
                peer_address: p,
                options,
            }
        ),
        (14u8.., proptest::collection::vec(any::<u8>(), 3..12))
            .prop_map(|(t, body)| Repr::Other { msg_type: t, body }),
    ]
}

proptest! {
    #[test]
    fn emitted_messages_parse_back(r in arb_repr()) {
        let b = r.to_bytes().unwrap();
        prop_assert_eq!(b.len(), r.buffer_len());
        prop_assert_eq!(Repr::from_bytes(&b).unwrap(), r);
    }

    #[test]
    fn relayed_messages_parse_back(r in arb_repr(), hops in 1usize..4) {
        let mut m = r;
        for h in 0..hops {
            m = Repr::Relay {
                msg_type: msg_type::RELAY_FORW,
                hop_count: h as u8,
                link_address: Ipv6Addr::UNSPECIFIED,
                peer_address: Ipv6Addr::LOCALHOST,
                options: vec![DhcpOption::RelayMsg(Box::new(m))],
            };
        }
        let b = m.to_bytes().unwrap();
        prop_assert_eq!(Repr::from_bytes(&b).unwrap(), m);
    }

    /// Whatever parses re-emits the same octets; nothing panics.
    #[test]
    fn parsed_bytes_emit_identically(b in proptest::collection::vec(any::<u8>(), 0..120)) {
        if let Ok(r) = Repr::from_bytes(&b) {
            prop_assert_eq!(&r.to_bytes().unwrap(), &b);
        }
        if let Ok(p) = Packet::new_checked(&b[..]) {
            let _ = (p.transaction_id(), p.hop_count(), p.link_address(), p.peer_address());
            prop_assert!(p.options().len() <= b.len());
        }
    }

    /// Valid messages with a few octets changed: still parse-emit exact, or an error inside
    /// the buffer.
    #[test]
    fn mutated_messages_round_trip_or_fail_inside(
        r in arb_repr(),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut b = r.to_bytes().unwrap();
        for (i, v) in edits {
            let at = i.index(b.len());
            b[at] = v;
        }
        b.truncate(cut.index(b.len() + 1).max(1));
        match Repr::from_bytes(&b) {
            Ok(r) => prop_assert_eq!(r.to_bytes().unwrap(), b),
            Err(e) => prop_assert!(e.offset <= b.len(), "{}", e),
        }
    }
}
