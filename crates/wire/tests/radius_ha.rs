//! RADIUS attributes that carry home-agent assignment: RFC 5447's RADIUS twins (124, 125),
//! RFC 6572 (145–162), RFC 6911 (168–172), WiMAX (vendor 24757, format 1,1,c) and 3GPP2
//! (vendor 5535) VSAs. Known layouts both ways, malformed values as errors at offsets,
//! round trips.

use mip6lab_wire::radius::{
    self, attr, feature, feature_flags, gpp2, parse_attributes, vendor, wimax, Attribute, Repr,
    Value, VendorAttribute, VendorSpecific,
};
use proptest::prelude::*;
use rstest::rstest;
use std::net::{Ipv4Addr, Ipv6Addr};

fn h(s: &str) -> Vec<u8> {
    hex::decode(s.replace(' ', "")).unwrap()
}

fn v6(s: &str) -> Ipv6Addr {
    s.parse().unwrap()
}

fn v4(s: &str) -> Ipv4Addr {
    s.parse().unwrap()
}

/// The lab's home agent (2001:db8:1::a1) as 16 octets of hex.
const HA_HEX: &str = "20010db80001000000000000000000a1";

fn vsa(vendor_id: u32, subs: &[(u8, Value)]) -> Value {
    let subs = subs
        .iter()
        .map(|(t, v)| VendorAttribute::new(vendor_id, *t, v.to_bytes().unwrap()))
        .collect();
    Value::Vendor(VendorSpecific::from_subs(vendor_id, subs).unwrap())
}

/// One attribute on the wire (type, length, value) ↔ its name and typed value.
#[rstest]
#[case::feature_vector("7c0a 0000000000000003", "MIP6-Feature-Vector", Value::Integer64(3))]
#[case::home_link_prefix(
    "7d13 40 20010db8000101000000000000000000",
    "MIP6-Home-Link-Prefix",
    Value::HomeLinkPrefix { len: 64, prefix: v6("2001:db8:1:100::") }
)]
#[case::mobile_node_identifier("9111 6d6e31406578616d706c652e636f6d", "Mobile-Node-Identifier", Value::Text("mn1@example.com".into()))]
#[case::service_selection("9205 696d73", "Service-Selection", Value::Text("ims".into()))]
#[case::home_lma_ipv6(&format!("9312 {HA_HEX}"), "PMIP6-Home-LMA-IPv6-Address", Value::Ipv6(v6("2001:db8:1::a1")))]
#[case::visited_lma_ipv6(
    "9412 20010db80002000000000000000000a2",
    "PMIP6-Visited-LMA-IPv6-Address",
    Value::Ipv6(v6("2001:db8:2::a2"))
)]
#[case::home_lma_ipv4(
    "9506 c0000201",
    "PMIP6-Home-LMA-IPv4-Address",
    Value::Ipv4(v4("192.0.2.1"))
)]
#[case::visited_lma_ipv4(
    "9606 c6336402",
    "PMIP6-Visited-LMA-IPv4-Address",
    Value::Ipv4(v4("198.51.100.2"))
)]
#[case::home_hn_prefix(
    "970c 0040 20010db800010100",
    "PMIP6-Home-HN-Prefix",
    Value::Ipv6Prefix { reserved: 0, len: 64, prefix: v6("2001:db8:1:100::") }
)]
#[case::visited_hn_prefix(
    "980b 0038 20010db8000201",
    "PMIP6-Visited-HN-Prefix",
    Value::Ipv6Prefix { reserved: 0, len: 56, prefix: v6("2001:db8:2:100::") }
)]
#[case::home_interface_id(
    "990a 0000000000008001",
    "PMIP6-Home-Interface-ID",
    Value::Integer64(0x8001)
)]
#[case::visited_interface_id(
    "9a0a 0211223344556677",
    "PMIP6-Visited-Interface-ID",
    Value::Integer64(0x0211_2233_4455_6677)
)]
#[case::home_ipv4_hoa(
    "9b08 0018 c0000200",
    "PMIP6-Home-IPv4-HoA",
    Value::Ipv4Prefix { reserved: 0, len: 24, prefix: v4("192.0.2.0") }
)]
#[case::visited_ipv4_hoa_to_be_assigned(
    "9c08 0020 00000000",
    "PMIP6-Visited-IPv4-HoA",
    Value::Ipv4Prefix { reserved: 0, len: 32, prefix: Ipv4Addr::UNSPECIFIED }
)]
#[case::home_ipv4_hoa_reserved_bits_kept(
    "9b08 ffd8 c0000200",
    "PMIP6-Home-IPv4-HoA",
    Value::Ipv4Prefix { reserved: 0x3ff, len: 24, prefix: v4("192.0.2.0") }
)]
#[case::home_dhcp4_server(
    "9d06 c0000243",
    "PMIP6-Home-DHCP4-Server-Address",
    Value::Ipv4(v4("192.0.2.67"))
)]
#[case::visited_dhcp4_server(
    "9e06 c6336443",
    "PMIP6-Visited-DHCP4-Server-Address",
    Value::Ipv4(v4("198.51.100.67"))
)]
#[case::home_dhcp6_server(
    "9f12 20010db8000100000000000000000547",
    "PMIP6-Home-DHCP6-Server-Address",
    Value::Ipv6(v6("2001:db8:1::547"))
)]
#[case::visited_dhcp6_server(
    "a012 20010db8000200000000000000000547",
    "PMIP6-Visited-DHCP6-Server-Address",
    Value::Ipv6(v6("2001:db8:2::547"))
)]
#[case::home_ipv4_gateway(
    "a106 c00002fe",
    "PMIP6-Home-IPv4-Gateway",
    Value::Ipv4(v4("192.0.2.254"))
)]
#[case::visited_ipv4_gateway(
    "a206 c63364fe",
    "PMIP6-Visited-IPv4-Gateway",
    Value::Ipv4(v4("198.51.100.254"))
)]
#[case::framed_ipv6_address(
    "a812 20010db8000101000000000000008001",
    "Framed-IPv6-Address",
    Value::Ipv6(v6("2001:db8:1:100::8001"))
)]
#[case::dns_server_ipv6(
    "a912 20010db8000100000000000000000053",
    "DNS-Server-IPv6-Address",
    Value::Ipv6(v6("2001:db8:1::53"))
)]
#[case::route_ipv6_information(
    "aa0a 0030 20010db80001",
    "Route-IPv6-Information",
    Value::Ipv6Prefix { reserved: 0, len: 48, prefix: v6("2001:db8:1::") }
)]
#[case::delegated_prefix_pool("ab06 706f6f6c", "Delegated-IPv6-Prefix-Pool", Value::Text("pool".into()))]
#[case::stateful_address_pool("ac06 706f6f6c", "Stateful-IPv6-Address-Pool", Value::Text("pool".into()))]
#[case::wimax_home_ha(
    &format!("1a19 000060b5 0713 00 {HA_HEX}"),
    "Vendor-Specific",
    vsa(vendor::WIMAX, &[(wimax::HHA_IP_MIP6, Value::Ipv6(v6("2001:db8:1::a1")))])
)]
#[case::wimax_ha_pair_and_technology(
    "1a27 000060b5 0607 00 c0000201 4113 00 20010db80002000000000000000000a2 1707 00 00000004",
    "Vendor-Specific",
    vsa(vendor::WIMAX, &[
        (wimax::HHA_IP_MIP4, Value::Ipv4(v4("192.0.2.1"))),
        (wimax::VHA_IP_MIP6, Value::Ipv6(v6("2001:db8:2::a2"))),
        (wimax::IP_TECHNOLOGY, Value::Integer(4)),
    ])
)]
#[case::gpp2_home_agent_ipv6(
    "1a18 0000159f 0712 20010db80001000000000000000000a1",
    "Vendor-Specific",
    vsa(vendor::THREE_GPP2, &[(gpp2::HOME_AGENT_IP_ADDRESS, Value::Ipv6(v6("2001:db8:1::a1")))])
)]
#[case::gpp2_home_agent_ipv4_and_vaaa_ha(
    "1a1e 0000159f 0706 c0000201 cd12 20010db80002000000000000000000a2",
    "Vendor-Specific",
    vsa(vendor::THREE_GPP2, &[
        (gpp2::HOME_AGENT_IP_ADDRESS, Value::Ipv4(v4("192.0.2.1"))),
        (gpp2::VAAA_ASSIGNED_MIP6_HA, Value::Ipv6(v6("2001:db8:2::a2"))),
    ])
)]
fn attribute_layouts(#[case] wire: &str, #[case] name: &str, #[case] value: Value) {
    let wire = h(wire);
    let parsed = parse_attributes(&wire, 0).unwrap();
    assert_eq!(parsed.len(), 1, "one attribute");
    let a = &parsed[0];
    assert_eq!(a.display_name(), name);
    assert_eq!(a.decode().unwrap(), value);
    let built = Attribute::typed(a.kind, &value).unwrap();
    assert_eq!(&built, a);
    let mut r = Repr::new(radius::code::ACCESS_ACCEPT, 1, [0; 16]);
    r.push(built);
    assert_eq!(&r.to_bytes().unwrap()[20..], &wire[..]);
}

#[test]
fn vendor_sub_attributes_are_named_and_typed() {
    let ha = v6("2001:db8:1::a1");
    let a = Attribute::vendor(vendor::WIMAX, wimax::HHA_IP_MIP6, &ha.octets());
    // Type, length 19 (3 header octets), continuation 0, then the address.
    assert_eq!(&a.value[4..7], &[7, 19, 0]);
    let vs = a.vendor_specific().unwrap();
    let sub = &vs.subs.as_ref().unwrap()[0];
    assert_eq!(sub.continuation, Some(0));
    assert_eq!(sub.name(vendor::WIMAX), Some("WiMAX-hHA-IP-MIP6"));
    assert_eq!(sub.decode(vendor::WIMAX).unwrap(), Value::Ipv6(ha));
    assert_eq!(vs.sub(wimax::HHA_IP_MIP6), Some(&ha.octets()[..]));
    let g = Attribute::vendor(
        vendor::THREE_GPP2,
        gpp2::MIP6_HOME_AGENT_ADDRESS_ATTR_B,
        &ha.octets(),
    );
    let gs = g.vendor_specific().unwrap();
    let sub = &gs.subs.as_ref().unwrap()[0];
    assert_eq!(sub.continuation, None);
    assert_eq!(
        sub.name(vendor::THREE_GPP2),
        Some("3GPP2-MIP6-Home-Agent-Address-Attr-B")
    );
    assert_eq!(sub.decode(vendor::THREE_GPP2).unwrap(), Value::Ipv6(ha));
    // Another vendor's sub-attributes keep their number and raw value.
    let other = Attribute::vendor(9, 7, &ha.octets())
        .vendor_specific()
        .unwrap();
    let sub = &other.subs.as_ref().unwrap()[0];
    assert_eq!(sub.name(9), None);
    assert_eq!(sub.decode(9).unwrap(), Value::Octets(ha.octets().to_vec()));
    assert_eq!(radius::vendor_name(vendor::WIMAX), Some("WiMAX"));
    assert_eq!(radius::vendor_name(vendor::THREE_GPP2), Some("3GPP2"));
}

#[test]
fn wimax_continuations_are_joined() {
    // WiMAX type 99 (not listed: octets) cut over two VSAs, the first with the C bit.
    let mut r = Repr::new(radius::code::ACCESS_ACCEPT, 1, [0; 16]);
    r.push(Attribute::new(
        attr::VENDOR_SPECIFIC,
        h("000060b5 6306 80 aabbcc"),
    ));
    r.push(Attribute::new(
        attr::VENDOR_SPECIFIC,
        h("000060b5 6305 00 ddee"),
    ));
    r.push(Attribute::new(
        attr::VENDOR_SPECIFIC,
        h("000060b5 6304 00 ff"),
    ));
    assert_eq!(r.vendor_attribute(vendor::WIMAX, 99), Some(h("aabbccddee")));
    let first = r.attributes[0].vendor_specific().unwrap();
    assert!(first.subs.as_ref().unwrap()[0].continued());
    // A fixed-size type marked continued is an error, not a silently short address.
    let bad = VendorAttribute {
        vendor_type: wimax::HHA_IP_MIP6,
        continuation: Some(radius::WIMAX_CONTINUED),
        value: vec![0; 16],
    };
    let e = bad.decode(vendor::WIMAX).unwrap_err();
    assert!(e.what.contains("marked continued"), "{e}");
}

#[test]
fn feature_vector_flags_by_name() {
    assert_eq!(feature_flags(0), "none");
    assert_eq!(
        feature_flags(feature::MIP6_INTEGRATED | feature::LOCAL_HOME_AGENT_ASSIGNMENT),
        "MIP6_INTEGRATED|LOCAL_HOME_AGENT_ASSIGNMENT"
    );
    assert_eq!(
        feature_flags(feature::PMIP6_SUPPORTED | 1 << 63),
        "PMIP6_SUPPORTED|0x8000000000000000"
    );
}

/// Values that do not have their type's form: errors at offsets within the value.
#[rstest]
#[case::home_link_prefix_of_16(
    attr::MIP6_HOME_LINK_PREFIX,
    "40 20010db80001010000000000000000",
    16,
    "17 expected"
)]
#[case::home_link_prefix_length_129(
    attr::MIP6_HOME_LINK_PREFIX,
    "81 20010db8000101000000000000000000",
    0,
    "over 128"
)]
#[case::feature_vector_of_4(attr::MIP6_FEATURE_VECTOR, "00000001", 4, "8 expected")]
#[case::lma_ipv6_of_4(attr::PMIP6_HOME_LMA_IPV6_ADDRESS, "c0000201", 4, "16 expected")]
#[case::lma_ipv4_of_16(
    attr::PMIP6_HOME_LMA_IPV4_ADDRESS,
    "20010db8000101000000000000000000",
    4,
    "4 expected"
)]
#[case::hn_prefix_of_1(attr::PMIP6_HOME_HN_PREFIX, "00", 1, "2..=18 expected")]
#[case::hn_prefix_of_19(
    attr::PMIP6_VISITED_HN_PREFIX,
    "0040 20010db8000101000000000000000000 00",
    2,
    "2..=18 expected"
)]
#[case::hn_prefix_length_200(attr::PMIP6_HOME_HN_PREFIX, "00c8 20010db8", 1, "over 128")]
#[case::interface_id_of_7(attr::PMIP6_HOME_INTERFACE_ID, "00000000000080", 7, "8 expected")]
#[case::ipv4_hoa_of_5(attr::PMIP6_HOME_IPV4_HOA, "0018 c00002", 5, "6 expected")]
#[case::ipv4_hoa_length_33(attr::PMIP6_HOME_IPV4_HOA, "0021 c0000200", 1, "over 32")]
#[case::framed_ipv6_address_of_8(attr::FRAMED_IPV6_ADDRESS, "20010db800010100", 8, "16 expected")]
#[case::vendor_without_id(attr::VENDOR_SPECIFIC, "000060", 3, "Vendor-Id needs 4")]
fn malformed_values_are_errors(
    #[case] kind: u8,
    #[case] value: &str,
    #[case] offset: usize,
    #[case] what: &str,
) {
    let e = Attribute::new(kind, h(value)).decode().unwrap_err();
    assert_eq!(e.offset, offset, "{e}");
    assert!(e.what.contains(what), "{e}");
}

#[rstest]
#[case::wimax_ha_of_8(vendor::WIMAX, "070b00 20010db800010000", "16 expected")]
#[case::wimax_technology_of_2(vendor::WIMAX, "170500 0004", "4 expected")]
#[case::gpp2_ha_of_5(vendor::THREE_GPP2, "0707 c000020101", "4 or 16 expected")]
#[case::gpp2_vaaa_ha_of_4(vendor::THREE_GPP2, "cd06 c0000201", "16 expected")]
fn malformed_vendor_values_are_errors(
    #[case] vendor_id: u32,
    #[case] data: &str,
    #[case] what: &str,
) {
    let mut v = vendor_id.to_be_bytes().to_vec();
    v.extend(h(data));
    let vs = Attribute::new(attr::VENDOR_SPECIFIC, v)
        .vendor_specific()
        .unwrap();
    let e = vs.subs.unwrap()[0].decode(vendor_id).unwrap_err();
    assert!(e.what.contains(what), "{e}");
}

#[test]
fn vendor_strings_not_in_the_vendor_form_stay_raw() {
    // A WiMAX sub-attribute of Length 2 has no room for its continuation octet.
    let vs = VendorSpecific::parse(&h("000060b5 0702")).unwrap();
    assert_eq!(vs.subs, None);
    assert_eq!(vs.data, h("0702"));
    // The same octets are a valid empty sub-attribute for a vendor of the RFC 2865 form.
    let vs = VendorSpecific::parse(&h("0000159f 0702")).unwrap();
    assert_eq!(vs.subs.unwrap()[0].value, Vec::<u8>::new());
    // A Length past the String.
    assert_eq!(
        VendorSpecific::parse(&h("0000159f 0709 00")).unwrap().subs,
        None
    );
}

#[test]
fn values_that_cannot_be_emitted_are_errors() {
    let long = Value::HomeLinkPrefix {
        len: 129,
        prefix: Ipv6Addr::UNSPECIFIED,
    };
    assert!(long.to_bytes().is_err());
    let reserved = Value::Ipv4Prefix {
        reserved: 1 << 10,
        len: 8,
        prefix: v4("10.0.0.0"),
    };
    assert!(reserved.to_bytes().is_err());
    // A value of another type than the attribute's.
    let e = Attribute::typed(
        attr::PMIP6_HOME_LMA_IPV6_ADDRESS,
        &Value::Ipv4(v4("192.0.2.1")),
    )
    .unwrap_err();
    assert!(
        e.what
            .contains("is not a PMIP6-Home-LMA-IPv6-Address value"),
        "{e}"
    );
    // A sub-attribute over 255 octets, a Vendor-Specific over 253.
    let big = VendorAttribute::new(vendor::WIMAX, 99, vec![0; 253]);
    assert!(VendorSpecific::from_subs(vendor::WIMAX, vec![big]).is_err());
    let subs = vec![VendorAttribute::new(vendor::THREE_GPP2, 1, vec![0; 200]); 2];
    assert!(VendorSpecific::from_subs(vendor::THREE_GPP2, subs).is_err());
}

// ---------- round trips ----------

/// The standard HA-assignment attributes with a value of their type.
fn standard_attribute() -> impl Strategy<Value = (u8, Value)> {
    let ipv6 = any::<[u8; 16]>().prop_map(|b| Value::Ipv6(b.into()));
    let ipv4 = any::<[u8; 4]>().prop_map(|b| Value::Ipv4(b.into()));
    let text = "[a-z0-9@.]{1,60}".prop_map(Value::Text);
    let prefix = (0u8..=128, any::<[u8; 16]>()).prop_map(|(len, b)| {
        // Octets past the ones the length needs are not sent, so they read back as 0.
        let n = usize::from(len).div_ceil(8);
        let mut p = [0u8; 16];
        p[..n].copy_from_slice(&b[..n]);
        Value::Ipv6Prefix {
            reserved: 0,
            len,
            prefix: p.into(),
        }
    });
    prop_oneof![
        any::<u64>().prop_map(|v| (attr::MIP6_FEATURE_VECTOR, Value::Integer64(v))),
        (0u8..=128, any::<[u8; 16]>()).prop_map(|(len, b)| (
            attr::MIP6_HOME_LINK_PREFIX,
            Value::HomeLinkPrefix {
                len,
                prefix: b.into()
            }
        )),
        (
            prop_oneof![Just(145u8), Just(146), Just(171), Just(172)],
            text
        ),
        (
            prop_oneof![
                Just(147u8),
                Just(148),
                Just(159),
                Just(160),
                Just(168),
                Just(169)
            ],
            ipv6
        ),
        (
            prop_oneof![
                Just(149u8),
                Just(150),
                Just(157),
                Just(158),
                Just(161),
                Just(162)
            ],
            ipv4
        ),
        (prop_oneof![Just(151u8), Just(152), Just(170)], prefix),
        (153u8..=154, any::<u64>().prop_map(Value::Integer64)),
        (155u8..=156, 0u16..1024, 0u8..=32, any::<[u8; 4]>()).prop_map(|(k, r, len, a)| (
            k,
            Value::Ipv4Prefix {
                reserved: r,
                len,
                prefix: a.into()
            }
        )),
    ]
}

/// WiMAX and 3GPP2 sub-attributes of listed types with values of their type.
fn vendor_sub() -> impl Strategy<Value = (u32, u8, Value)> {
    let ipv6 = any::<[u8; 16]>().prop_map(|b| Value::Ipv6(b.into()));
    let ipv4 = any::<[u8; 4]>().prop_map(|b| Value::Ipv4(b.into()));
    let int = any::<u32>().prop_map(Value::Integer);
    prop_oneof![
        (prop_oneof![Just(7u8), Just(65)], ipv6.clone()).prop_map(|(t, v)| (vendor::WIMAX, t, v)),
        (prop_oneof![Just(6u8), Just(64)], ipv4.clone()).prop_map(|(t, v)| (vendor::WIMAX, t, v)),
        (prop_oneof![Just(13u8), Just(23), Just(72)], int.clone()).prop_map(|(t, v)| (
            vendor::WIMAX,
            t,
            v
        )),
        (
            prop_oneof![Just(8u8), Just(9), Just(52)],
            prop_oneof![ipv4.clone(), ipv6.clone()]
        )
            .prop_map(|(t, v)| (vendor::WIMAX, t, v)),
        (Just(7u8), prop_oneof![ipv4, ipv6.clone()]).prop_map(|(t, v)| (vendor::THREE_GPP2, t, v)),
        (
            prop_oneof![Just(118u8), Just(119), Just(140), Just(141), Just(205)],
            ipv6
        )
            .prop_map(|(t, v)| (vendor::THREE_GPP2, t, v)),
        (
            prop_oneof![
                Just(120u8),
                Just(168),
                Just(169),
                Just(179),
                Just(203),
                Just(207)
            ],
            int
        )
            .prop_map(|(t, v)| (vendor::THREE_GPP2, t, v)),
    ]
}

proptest! {
    /// Typed value → attribute → packet octets → parsed attribute → the same typed value.
    #[test]
    fn standard_attributes_round_trip((kind, value) in standard_attribute()) {
        let a = Attribute::typed(kind, &value).unwrap();
        let mut r = Repr::new(radius::code::ACCESS_ACCEPT, 7, [1; 16]);
        r.push(a.clone());
        let back = Repr::from_bytes(&r.to_bytes().unwrap()).unwrap();
        prop_assert_eq!(&back.attributes[0], &a);
        prop_assert_eq!(back.attributes[0].decode().unwrap(), value);
    }

    #[test]
    fn vendor_attributes_round_trip(subs in proptest::collection::vec(vendor_sub(), 1..6)) {
        let vendor_id = subs[0].0;
        let subs: Vec<(u8, Value)> = subs
            .into_iter()
            .filter(|(v, _, _)| *v == vendor_id)
            .map(|(_, t, v)| (t, v))
            .collect();
        let value = vsa(vendor_id, &subs);
        let a = Attribute::typed(attr::VENDOR_SPECIFIC, &value).unwrap();
        let back = Repr::from_bytes(&{
            let mut r = Repr::new(radius::code::ACCESS_ACCEPT, 7, [1; 16]);
            r.push(a);
            r.to_bytes().unwrap()
        }).unwrap();
        let Value::Vendor(vs) = back.attributes[0].decode().unwrap() else {
            panic!("not a VSA")
        };
        for (s, (t, v)) in vs.subs.as_ref().unwrap().iter().zip(&subs) {
            prop_assert_eq!(s.vendor_type, *t);
            prop_assert_eq!(&s.decode(vendor_id).unwrap(), v);
        }
    }

    /// Whatever the octets, decoding answers (never panics); what it reads emits the very
    /// same octets (an IPv6 prefix: octets that read back as the same prefix).
    #[test]
    fn any_value_decodes_or_errs(kind in prop_oneof![124u8..=125, 145u8..=172],
                                 value in proptest::collection::vec(any::<u8>(), 0..=40)) {
        let a = Attribute::new(kind, value.clone());
        if let Ok(v) = a.decode() {
            let again = v.to_bytes().unwrap();
            if matches!(v, Value::Ipv6Prefix { .. }) {
                // Octets short of what the length needs read as zeros: emitted, they read
                // back as the same prefix.
                prop_assert_eq!(Attribute::new(kind, again).decode().unwrap(), v);
            } else {
                prop_assert_eq!(again, value);
            }
        }
    }

    /// Any Vendor-Specific String of these vendors parses or stays raw; sub-attributes read
    /// from it lay out into the same String.
    #[test]
    fn vendor_strings_round_trip(vendor_id in prop_oneof![Just(vendor::WIMAX), Just(vendor::THREE_GPP2), Just(9u32)],
                                 data in proptest::collection::vec(any::<u8>(), 0..=60)) {
        let mut v = vendor_id.to_be_bytes().to_vec();
        v.extend_from_slice(&data);
        let vs = VendorSpecific::parse(&v).unwrap();
        prop_assert_eq!(&vs.data, &data);
        if let Some(subs) = vs.subs.clone() {
            for s in &subs {
                let _ = s.decode(vendor_id);
            }
            prop_assert_eq!(VendorSpecific::from_subs(vendor_id, subs).unwrap(), vs);
        }
    }
}

#[test]
fn prefix_bits_past_the_length_are_kept() {
    // A /8 sent with two octets, the second non-zero (RFC 3162 §2.3 forbids it; a reading
    // must not hide it).
    let a = Attribute::new(attr::PMIP6_HOME_HN_PREFIX, h("0008 20ff"));
    let v = a.decode().unwrap();
    assert_eq!(
        v,
        Value::Ipv6Prefix {
            reserved: 0,
            len: 8,
            prefix: v6("20ff::")
        }
    );
    assert_eq!(v.to_bytes().unwrap(), a.value);
}

// ---------- the lab's profile ----------

#[test]
fn ha_assignment_profile_reads_what_freeradius_sends_and_writes_it_back() {
    use mip6lab_wire::radius::HaAssignment;
    use std::net::IpAddr;
    let want = HaAssignment {
        feature_vector: Some(feature::MIP6_INTEGRATED),
        home_agents: vec![
            IpAddr::V6(v6("2001:db8:30::a1")),
            IpAddr::V4(v4("192.0.2.1")),
        ],
        visited_agents: vec![v6("2001:db8:20::a2")],
        home_link_prefix: Some((v6("2001:db8:30:100::"), 64)),
    };
    let mut r = Repr::new(radius::code::ACCESS_ACCEPT, 1, [0; 16]);
    r.push(Attribute::text(attr::USER_NAME, "mn1@msp.example.net"));
    for a in want.attributes().unwrap() {
        r.push(a);
    }
    // Attributes outside the profile are left alone: RFC 6572's LMA is not an HA here.
    r.push(Attribute::ipv6(
        attr::PMIP6_HOME_LMA_IPV6_ADDRESS,
        v6("2001:db8:9::1"),
    ));
    let b = r.to_bytes().unwrap();
    let back = HaAssignment::from_repr(&Repr::from_bytes(&b).unwrap()).unwrap();
    assert_eq!(back, want);
    assert!(back.assigns());
    assert!(!HaAssignment::default().assigns());
    // The octets as FreeRADIUS 3.2.1 writes WiMAX-hHA-IP-MIP6 and 125 (radclient).
    assert_eq!(
        &b[20 + 21 + 10..][..25],
        &h("1a19 000060b5 0713 00 20010db80030000000000000000000a1")[..]
    );
}

#[test]
fn ha_assignment_errors_name_the_packet_offset() {
    use mip6lab_wire::radius::HaAssignment;
    let mut r = Repr::new(radius::code::ACCESS_ACCEPT, 1, [0; 16]);
    r.push(Attribute::text(attr::USER_NAME, "mn"));
    // WiMAX-hHA-IP-MIP6 of 8 octets: the VSA at 24, its sub-attribute's value at 24+2+4+3.
    r.push(Attribute::vendor(
        vendor::WIMAX,
        wimax::HHA_IP_MIP6,
        &[0x20, 1, 0xd, 0xb8, 0, 0, 0, 1],
    ));
    let e = HaAssignment::from_repr(&r).unwrap_err();
    assert_eq!(e.offset, 24 + 9 + 8, "{e}");
    assert!(e.what.contains("16 expected"), "{e}");
    let mut r = Repr::new(radius::code::ACCESS_ACCEPT, 1, [0; 16]);
    r.push(Attribute::new(attr::MIP6_HOME_LINK_PREFIX, vec![64, 0x20]));
    let e = HaAssignment::from_repr(&r).unwrap_err();
    assert_eq!(e.offset, 20 + 2 + 2, "{e}");
}
