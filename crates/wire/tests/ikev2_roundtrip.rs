//! Property tests: every payload Repr and whole messages round-trip exactly, and any bytes
//! that parse re-emit identically; arbitrary bytes never panic the parser.

use mip6lab_wire::ikev2::*;
use proptest::collection::vec;
use proptest::prelude::*;
use std::net::{Ipv4Addr, Ipv6Addr};

fn bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    vec(any::<u8>(), 0..max)
}

fn attribute() -> impl Strategy<Value = Attribute> {
    prop_oneof![
        (0u16..0x8000, any::<u16>()).prop_map(|(ty, value)| Attribute::Tv { ty, value }),
        (0u16..0x8000, bytes(8)).prop_map(|(ty, value)| Attribute::Tlv { ty, value }),
    ]
}

fn transform() -> impl Strategy<Value = Transform> {
    (
        any::<u8>(),
        1u8..6,
        any::<u8>(),
        any::<u16>(),
        vec(attribute(), 0..3),
    )
        .prop_map(
            |(reserved1, transform_type, reserved2, transform_id, attributes)| Transform {
                reserved1,
                transform_type,
                reserved2,
                transform_id,
                attributes,
            },
        )
}

fn sa() -> impl Strategy<Value = Sa> {
    vec(
        (
            any::<u8>(),
            any::<u8>(),
            1u8..4,
            prop_oneof![Just(0usize), Just(4), Just(8)],
            vec(transform(), 0..5),
        )
            .prop_flat_map(|(reserved, number, protocol_id, spi_len, transforms)| {
                vec(any::<u8>(), spi_len).prop_map(move |spi| Proposal {
                    reserved,
                    number,
                    protocol_id,
                    spi,
                    transforms: transforms.clone(),
                })
            }),
        0..3,
    )
    .prop_map(|proposals| Sa { proposals })
}

fn ipv6() -> impl Strategy<Value = Ipv6Addr> {
    any::<[u8; 16]>().prop_map(Ipv6Addr::from)
}

fn selector() -> impl Strategy<Value = TrafficSelector> {
    prop_oneof![
        (
            any::<u8>(),
            any::<u16>(),
            any::<u16>(),
            any::<[u8; 4]>(),
            any::<[u8; 4]>()
        )
            .prop_map(
                |(ip_protocol, start_port, end_port, a, b)| TrafficSelector::Ipv4 {
                    ip_protocol,
                    start_port,
                    end_port,
                    start: Ipv4Addr::from(a),
                    end: Ipv4Addr::from(b),
                }
            ),
        (any::<u8>(), any::<u16>(), any::<u16>(), ipv6(), ipv6()).prop_map(
            |(ip_protocol, start_port, end_port, start, end)| TrafficSelector::Ipv6 {
                ip_protocol,
                start_port,
                end_port,
                start,
                end,
            }
        ),
        (9u8..=255, any::<u8>(), bytes(12)).prop_map(|(ts_type, octet1, data)| {
            TrafficSelector::Unknown {
                ts_type,
                octet1,
                data,
            }
        }),
    ]
}

fn cp_attribute() -> impl Strategy<Value = CpAttribute> {
    prop_oneof![
        (any::<bool>(), 0u16..0x8000, bytes(24)).prop_map(|(r, attr_type, value)| CpAttribute {
            r,
            attr_type,
            value
        }),
        (ipv6(), any::<u8>()).prop_map(|(a, l)| CpAttribute::internal_ip6_address(a, l)),
        (any::<u32>(), ipv6(), any::<u8>()).prop_map(|(lifetime, prefix, prefix_len)| {
            CpAttribute::mip6_home_prefix(HomePrefix {
                lifetime,
                prefix,
                prefix_len,
            })
        }),
        Just(CpAttribute::request(cp_attr::MIP6_HOME_PREFIX)),
    ]
}

/// Any payload but SK/SKF (those must be last).
fn plain_body() -> impl Strategy<Value = PayloadBody> {
    prop_oneof![
        sa().prop_map(PayloadBody::Sa),
        (any::<u16>(), any::<u16>(), bytes(40)).prop_map(
            |(group, reserved, data)| PayloadBody::Ke(Ke {
                group,
                reserved,
                data
            })
        ),
        (any::<u8>(), any::<[u8; 3]>(), bytes(20), any::<bool>()).prop_map(
            |(id_type, reserved, data, i)| {
                let id = Id {
                    id_type,
                    reserved,
                    data,
                };
                if i {
                    PayloadBody::IdI(id)
                } else {
                    PayloadBody::IdR(id)
                }
            }
        ),
        (any::<u8>(), bytes(20), any::<bool>()).prop_map(|(encoding, data, req)| {
            let c = Cert { encoding, data };
            if req {
                PayloadBody::CertReq(c)
            } else {
                PayloadBody::Cert(c)
            }
        }),
        (any::<u8>(), any::<[u8; 3]>(), bytes(40)).prop_map(|(method, reserved, data)| {
            PayloadBody::Auth(Auth {
                method,
                reserved,
                data,
            })
        }),
        bytes(64).prop_map(PayloadBody::Nonce),
        (
            any::<u8>(),
            prop_oneof![Just(0usize), Just(4), Just(8)],
            any::<u16>(),
            bytes(20)
        )
            .prop_flat_map(|(protocol_id, n, notify_type, data)| {
                vec(any::<u8>(), n).prop_map(move |spi| {
                    PayloadBody::Notify(Notify {
                        protocol_id,
                        spi,
                        notify_type,
                        data: data.clone(),
                    })
                })
            }),
        (any::<u8>(), 0u8..9, 0u16..5).prop_flat_map(|(protocol_id, spi_size, num_spis)| {
            vec(any::<u8>(), usize::from(spi_size) * usize::from(num_spis)).prop_map(move |spis| {
                PayloadBody::Delete(Delete {
                    protocol_id,
                    spi_size,
                    num_spis,
                    spis,
                })
            })
        }),
        bytes(20).prop_map(PayloadBody::Vendor),
        (any::<[u8; 3]>(), vec(selector(), 0..4), any::<bool>()).prop_map(
            |(reserved, selectors, i)| {
                let ts = Ts {
                    reserved,
                    selectors,
                };
                if i {
                    PayloadBody::TsI(ts)
                } else {
                    PayloadBody::TsR(ts)
                }
            }
        ),
        (any::<u8>(), any::<[u8; 3]>(), vec(cp_attribute(), 0..5)).prop_map(
            |(cfg_type, reserved, attributes)| PayloadBody::Cp(Cp {
                cfg_type,
                reserved,
                attributes
            })
        ),
        (any::<u8>(), any::<u8>(), bytes(20)).prop_map(
            |(code, identifier, data)| PayloadBody::Eap(Eap {
                code,
                identifier,
                data
            })
        ),
        (prop_oneof![1u8..33, 49u8..53, 54u8..=255], bytes(20))
            .prop_map(|(payload_type, data)| PayloadBody::Unknown { payload_type, data }),
    ]
}

fn last_body() -> impl Strategy<Value = PayloadBody> {
    prop_oneof![
        (any::<u8>(), bytes(60))
            .prop_map(|(first_inner, data)| PayloadBody::Sk(Sk { first_inner, data })),
        (any::<u8>(), any::<u16>(), any::<u16>(), bytes(60)).prop_map(
            |(first_inner, fragment_number, total_fragments, data)| PayloadBody::Skf(Skf {
                first_inner,
                fragment_number,
                total_fragments,
                data
            })
        ),
    ]
}

fn payload(body: impl Strategy<Value = PayloadBody>) -> impl Strategy<Value = Payload> {
    (any::<u8>(), body).prop_map(|(flags, body)| Payload { flags, body })
}

fn message() -> impl Strategy<Value = Message> {
    (
        any::<[u8; 8]>(),
        any::<[u8; 8]>(),
        any::<u8>(),
        any::<u8>(),
        any::<u8>(),
        any::<u32>(),
        vec(payload(plain_body()), 0..6),
        proptest::option::of(payload(last_body())),
    )
        .prop_map(
            |(ispi, rspi, version, exchange, flags, message_id, mut payloads, last)| {
                payloads.extend(last);
                Message {
                    ispi,
                    rspi,
                    version,
                    exchange,
                    flags,
                    message_id,
                    payloads,
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn each_payload_round_trips(p in payload(plain_body())) {
        let bytes = chain_to_bytes(std::slice::from_ref(&p));
        prop_assert_eq!(bytes.len(), p.buffer_len());
        let back = parse_chain(&bytes, p.body.payload_type()).unwrap();
        prop_assert_eq!(back, vec![p]);
    }

    #[test]
    fn messages_round_trip(m in message()) {
        let bytes = m.to_bytes();
        let back = Message::from_bytes(&bytes).unwrap();
        prop_assert_eq!(&back, &m);
        prop_assert_eq!(back.to_bytes(), bytes);
    }

    #[test]
    fn arbitrary_bytes_never_panic(b in bytes(200)) {
        if let Ok(m) = Message::from_bytes(&b) {
            prop_assert_eq!(m.to_bytes(), b);
        }
    }

    #[test]
    fn mutated_messages_parse_or_err_and_reemit(m in message(), at in any::<prop::sample::Index>(), v in any::<u8>()) {
        let mut bytes = m.to_bytes();
        let i = at.index(bytes.len());
        bytes[i] = v;
        match Message::from_bytes(&bytes) {
            Ok(back) => prop_assert_eq!(back.to_bytes(), bytes),
            Err(e) => prop_assert!(e.offset <= bytes.len()),
        }
    }

    #[test]
    fn truncation_is_an_error(m in message(), cut in any::<prop::sample::Index>()) {
        let bytes = m.to_bytes();
        let n = cut.index(bytes.len());
        let e = Message::from_bytes(&bytes[..n]).unwrap_err();
        prop_assert!(e.offset <= bytes.len());
    }
}

/// The notify types strongSwan and our peers send are named from the IANA registry.
#[rstest::rstest]
#[case(16397, "ADDITIONAL_IP4_ADDRESS")]
#[case(16404, "MULTIPLE_AUTH_SUPPORTED")]
#[case(16406, "REDIRECT_SUPPORTED")]
#[case(16417, "EAP_ONLY_AUTHENTICATION")]
#[case(16418, "CHILDLESS_IKEV2_SUPPORTED")]
#[case(16420, "IKEV2_MESSAGE_ID_SYNC_SUPPORTED")]
#[case(16430, "IKEV2_FRAGMENTATION_SUPPORTED")]
#[case(16431, "SIGNATURE_HASH_ALGORITHMS")]
#[case(42, "USE_ASSIGNED_HoA")]
fn notify_types_are_named(#[case] value: u16, #[case] name: &str) {
    assert_eq!(notify_name(value), Some(name));
}

/// Private-use values and values not confirmed against the registry stay unnamed.
#[rstest::rstest]
#[case(0)]
#[case(16429)]
#[case(16441)]
#[case(8192)]
#[case(40960)]
fn unconfirmed_and_private_notify_types_are_unnamed(#[case] value: u16) {
    assert_eq!(notify_name(value), None);
}
