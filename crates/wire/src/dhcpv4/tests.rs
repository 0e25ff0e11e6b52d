use super::*;
use crate::radius::{attr, vendor, wimax, Attribute};
use proptest::prelude::*;
use rstest::rstest;

fn v4(s: &str) -> Ipv4Addr {
    s.parse().unwrap()
}

const MAC: [u8; 6] = [0x02, 0x42, 0xc6, 0x33, 0x64, 0x0a];

/// The 240 octets before the options, written out field by field: op, htype 1, hlen 6,
/// hops, xid, secs, flags, ciaddr, yiaddr, siaddr, giaddr, chaddr (MAC and 10 zeros), sname
/// and file zero, the cookie.
fn fixed_part(op: u8, hops: u8, flags: [u8; 2], yiaddr: [u8; 4], giaddr: [u8; 4]) -> Vec<u8> {
    let mut b = vec![op, 1, 6, hops];
    b.extend_from_slice(&[0x5a, 0x01, 0x02, 0x03]); // xid
    b.extend_from_slice(&[0, 3]); // secs
    b.extend_from_slice(&flags);
    b.extend_from_slice(&[0; 4]); // ciaddr
    b.extend_from_slice(&yiaddr);
    b.extend_from_slice(&[0; 4]); // siaddr
    b.extend_from_slice(&giaddr);
    b.extend_from_slice(&MAC);
    b.extend_from_slice(&[0; 10]);
    b.extend_from_slice(&[0; 64 + 128]);
    b.extend_from_slice(&[0x63, 0x82, 0x53, 0x63]);
    assert_eq!(b.len(), 240);
    b
}

/// A DHCPDISCOVER with the broadcast bit, PRL 1 3 51 54 68, a client identifier, End and
/// three octets of padding.
fn discover_bytes() -> Vec<u8> {
    let mut b = fixed_part(1, 0, [0x80, 0], [0; 4], [0; 4]);
    b.extend_from_slice(&[53, 1, 1]); // DHCPDISCOVER
    b.extend_from_slice(&[61, 7, 1, 0x02, 0x42, 0xc6, 0x33, 0x64, 0x0a]); // type 1 + MAC
    b.extend_from_slice(&[55, 5, 1, 3, 51, 54, 68]);
    b.extend_from_slice(&[0, 255, 0, 0, 0]); // a Pad, End, padding
    b
}

#[test]
fn discover_known_answer() {
    let b = discover_bytes();
    let r = Repr::from_bytes(&b).unwrap();
    let mut want = Repr::new(BOOTREQUEST, 0x5a01_0203, MAC);
    want.secs = 3;
    want.flags = FLAG_BROADCAST;
    want.options = vec![
        DhcpOption::MessageType(message_type::DISCOVER),
        DhcpOption::ClientId([&[1][..], &MAC].concat()),
        DhcpOption::ParameterRequestList(vec![1, 3, 51, 54, 68]),
        DhcpOption::Pad,
        DhcpOption::End,
    ];
    want.trailing = vec![0, 0, 0];
    assert_eq!(r, want);
    assert_eq!(r.to_bytes().unwrap(), b);
    assert_eq!(r.buffer_len(), b.len());
    assert!(r.broadcast());
    assert_eq!(r.hardware_address(), MAC);
    assert_eq!(r.message_type(), Some(1));
    assert_eq!(r.home_agents(), None);
    let p = Packet::new_checked(&b[..]).unwrap();
    assert_eq!((p.op(), p.xid(), p.flags()), (1, 0x5a01_0203, 0x8000));
    assert_eq!(p.options()[..3], [53, 1, 1]);
}

/// The WiMAX-vHA-IP-MIP4 VSA (24757/64, `type ‖ length ‖ continuation ‖ value`) with
/// 192.0.2.1, by hand.
const FHA_VSA: [u8; 13] = [
    26, 13, 0, 0, 0x60, 0xb5, // Vendor-Specific, WiMAX 24757
    64, 7, 0, 192, 0, 2, 1, // vHA-IP-MIP4, length 7, continuation 0, 192.0.2.1
];

/// The NAS's relayed DHCPREQUEST: giaddr 198.51.100.1, hops 1, option 82 with circuit id
/// `eth1` and the RFC 4014 sub-option holding the FHA VSA and Framed-IP-Address 198.51.100.10,
/// placed before End.
fn relayed_request_bytes() -> Vec<u8> {
    let mut b = fixed_part(1, 1, [0, 0], [0; 4], [198, 51, 100, 1]);
    b.extend_from_slice(&[53, 1, 3]);
    b.extend_from_slice(&[50, 4, 198, 51, 100, 10]);
    b.extend_from_slice(&[54, 4, 198, 51, 100, 2]);
    b.extend_from_slice(&[82, 27]);
    b.extend_from_slice(&[1, 4, b'e', b't', b'h', b'1']);
    b.extend_from_slice(&[7, 19]);
    b.extend_from_slice(&FHA_VSA);
    b.extend_from_slice(&[8, 6, 198, 51, 100, 10]);
    b.push(255);
    b
}

#[test]
fn relayed_request_with_rfc4014_attributes() {
    let b = relayed_request_bytes();
    let r = Repr::from_bytes(&b).unwrap();
    assert_eq!(r.giaddr, v4("198.51.100.1"));
    assert_eq!(r.hops, 1);
    let subs = r.relay_agent_information().unwrap();
    assert_eq!(subs[0], RelaySubOption::CircuitId(b"eth1".to_vec()));
    let RelaySubOption::RadiusAttributes(attrs) = &subs[1] else {
        panic!("{subs:?}")
    };
    let fha = Attribute::vendor(vendor::WIMAX, wimax::VHA_IP_MIP4, &[192, 0, 2, 1]);
    assert_eq!(fha.value, FHA_VSA[2..]);
    assert_eq!(
        attrs,
        &vec![
            fha,
            Attribute::new(attr::FRAMED_IP_ADDRESS, [198, 51, 100, 10])
        ]
    );
    assert_eq!(r.to_bytes().unwrap(), b);
    // Built from the typed values, the same octets.
    let mut built = r.clone();
    built.options[3] = DhcpOption::RelayAgentInformation(vec![
        RelaySubOption::CircuitId(b"eth1".to_vec()),
        RelaySubOption::RadiusAttributes(attrs.clone()),
    ]);
    assert_eq!(built.to_bytes().unwrap(), b);
}

#[test]
fn ack_home_agents_join_instances_and_take_the_empty_form() {
    let mut ack = Repr::new(BOOTREPLY, 7, MAC);
    ack.yiaddr = v4("198.51.100.10");
    ack.options = vec![
        DhcpOption::MessageType(message_type::ACK),
        DhcpOption::ServerId(v4("198.51.100.2")),
        DhcpOption::SubnetMask(v4("255.255.255.0")),
        DhcpOption::Router(vec![v4("198.51.100.1")]),
        DhcpOption::LeaseTime(3600),
        DhcpOption::MobileIpHomeAgent(vec![v4("192.0.2.1")]),
        DhcpOption::MobileIpHomeAgent(vec![v4("192.0.2.2"), v4("192.0.2.3")]),
        DhcpOption::End,
    ];
    let b = ack.to_bytes().unwrap();
    // Option 68 on the wire: code, Len 4, the address.
    let at = b.len() - 1 - 10 - 6;
    assert_eq!(b[at..at + 6], [68, 4, 192, 0, 2, 1]);
    let r = Repr::from_bytes(&b).unwrap();
    assert_eq!(r, ack);
    assert_eq!(
        r.home_agents().unwrap(),
        vec![v4("192.0.2.1"), v4("192.0.2.2"), v4("192.0.2.3")]
    );
    assert_eq!(r.server_id(), Some(v4("198.51.100.2")));
    let mut none = fixed_part(2, 0, [0, 0], [0; 4], [0; 4]);
    none.extend_from_slice(&[68, 0, 255]);
    let r = Repr::from_bytes(&none).unwrap();
    assert_eq!(r.home_agents(), Some(vec![]));
    assert_eq!(r.to_bytes().unwrap(), none);
}

#[test]
fn no_end_no_trailing_and_overload_is_only_reported() {
    let mut b = fixed_part(2, 0, [0, 0], [0; 4], [0; 4]);
    b.extend_from_slice(&[52, 1, 3, 53, 1, 2]);
    b[44] = b'x'; // sname holds something the codec leaves raw
    let r = Repr::from_bytes(&b).unwrap();
    assert_eq!(r.overload(), Some(3));
    assert!(r.trailing.is_empty());
    assert_eq!(r.sname[0], b'x');
    assert_eq!(r.to_bytes().unwrap(), b);
}

fn with_options(options: &[u8]) -> Vec<u8> {
    let mut b = fixed_part(1, 0, [0, 0], [0; 4], [0; 4]);
    b.extend_from_slice(options);
    b
}

#[rstest]
#[case::empty(vec![], 0, "header and magic cookie need 240")]
#[case::short(vec![1; 239], 239, "of 239 octets")]
#[case::bootp_without_cookie({
    let mut b = with_options(&[]);
    b[239] = 0;
    b
}, 236, "no DHCP magic cookie (0x63825300")]
#[case::no_len_octet(with_options(&[53]), 240, "option 53 truncated")]
#[case::len_past_end(with_options(&[55, 4, 1, 3]), 241, "option 55 Len 4 runs past the end (2 octets left)")]
#[case::mask_of_3(with_options(&[1, 3, 255, 255, 0]), 241, "Subnet Mask (1) Len 3, must be 4")]
#[case::lease_of_2(with_options(&[51, 2, 0, 1]), 241, "IP Address Lease Time (51) Len 2")]
#[case::type_of_2(with_options(&[53, 2, 1, 1]), 241, "DHCP Message Type (53) Len 2, must be 1")]
#[case::server_id_of_5(with_options(&[54, 5, 1, 2, 3, 4, 5]), 241, "Server Identifier (54) Len 5")]
#[case::router_empty(with_options(&[3, 0]), 241, "Router (3) Len 0, must be a multiple of 4, at least 4")]
#[case::home_agent_of_6(with_options(&[68, 6, 1, 2, 3, 4, 5, 6]), 241, "Mobile IP Home Agent (68) Len 6, must be a multiple of 4")]
#[case::prl_empty(with_options(&[55, 0]), 241, "at least 1")]
#[case::client_id_of_1(with_options(&[61, 1, 1]), 241, "at least 2")]
#[case::suboption_truncated(with_options(&[82, 1, 1]), 242, "sub-option header truncated (1 of 2")]
#[case::suboption_past_option(with_options(&[82, 3, 1, 5, b'e']), 243, "sub-option 1 Len 5 runs past the option (1 octets left)")]
#[case::radius_attribute_short(with_options(&[82, 4, 7, 2, 26, 1]), 245, "attribute 26 with Length 1")]
#[case::radius_attribute_past(with_options(&[82, 5, 7, 3, 8, 6, 1]), 245, "attribute 8 Length 6 runs past")]
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
    let mut r = Repr::new(BOOTREQUEST, 1, MAC);
    r.options = vec![DhcpOption::Other {
        code: 77,
        data: vec![0; 256],
    }];
    assert_eq!(r.to_bytes().unwrap_err().offset, 241);
    r.options = vec![DhcpOption::RelayAgentInformation(vec![
        RelaySubOption::RadiusAttributes(vec![Attribute::new(1, vec![b'x'; 254])]),
    ])];
    assert!(r.to_bytes().is_err());
    // A malformed Subnet Mask as a test would send it: raw, and parsing names the fault.
    r.options = vec![DhcpOption::Other {
        code: code::SUBNET_MASK,
        data: vec![255, 255, 0],
    }];
    let b = r.to_bytes().unwrap();
    assert_eq!(b[240..], [1, 3, 255, 255, 0]);
    assert!(Repr::from_bytes(&b).is_err());
    let mut short = [0u8; 239];
    assert!(Repr::new(BOOTREQUEST, 1, MAC)
        .emit(&mut Packet::new_unchecked(&mut short[..]))
        .is_err());
}

#[test]
fn names() {
    assert_eq!(message_name(message_type::NAK), Some("DHCPNAK"));
    assert_eq!(option_name(68), Some("Mobile IP Home Agent"));
    assert_eq!(suboption_name(7), Some("RADIUS Attributes"));
    assert_eq!(option_name(2), None);
}

fn arb_addr() -> impl Strategy<Value = Ipv4Addr> {
    any::<u32>().prop_map(Ipv4Addr::from)
}

fn arb_attribute() -> impl Strategy<Value = Attribute> {
    (any::<u8>(), proptest::collection::vec(any::<u8>(), 0..12))
        .prop_map(|(k, v)| Attribute::new(k, v))
}

fn arb_suboption() -> impl Strategy<Value = RelaySubOption> {
    let bytes = || proptest::collection::vec(any::<u8>(), 0..10);
    prop_oneof![
        bytes().prop_map(RelaySubOption::CircuitId),
        bytes().prop_map(RelaySubOption::RemoteId),
        proptest::collection::vec(arb_attribute(), 0..4).prop_map(RelaySubOption::RadiusAttributes),
        arb_addr().prop_map(RelaySubOption::LinkSelection),
        (
            any::<u8>().prop_filter("typed", |c| !matches!(c, 1 | 2 | 5 | 7)),
            bytes()
        )
            .prop_map(|(code, data)| RelaySubOption::Other { code, data }),
    ]
}

/// Codes that no variant decodes, so `Other` parses back as `Other`.
fn arb_unknown_code() -> impl Strategy<Value = u8> {
    any::<u8>().prop_filter("decoded code", |c| {
        !matches!(*c, 0 | 1 | 3 | 50..=55 | 61 | 68 | 82 | 255)
    })
}

fn arb_option() -> impl Strategy<Value = DhcpOption> {
    let addrs = |min| proptest::collection::vec(arb_addr(), min..4);
    prop_oneof![
        Just(DhcpOption::Pad),
        arb_addr().prop_map(DhcpOption::SubnetMask),
        addrs(1).prop_map(DhcpOption::Router),
        arb_addr().prop_map(DhcpOption::RequestedAddress),
        any::<u32>().prop_map(DhcpOption::LeaseTime),
        any::<u8>().prop_map(DhcpOption::Overload),
        any::<u8>().prop_map(DhcpOption::MessageType),
        arb_addr().prop_map(DhcpOption::ServerId),
        proptest::collection::vec(any::<u8>(), 1..8).prop_map(DhcpOption::ParameterRequestList),
        proptest::collection::vec(any::<u8>(), 2..10).prop_map(DhcpOption::ClientId),
        addrs(0).prop_map(DhcpOption::MobileIpHomeAgent),
        proptest::collection::vec(arb_suboption(), 0..4)
            .prop_map(DhcpOption::RelayAgentInformation),
        (
            arb_unknown_code(),
            proptest::collection::vec(any::<u8>(), 0..12)
        )
            .prop_map(|(code, data)| DhcpOption::Other { code, data }),
    ]
}

prop_compose! {
    fn arb_repr()(
        op in any::<u8>(), htype in any::<u8>(), hlen in any::<u8>(), hops in any::<u8>(),
        xid in any::<u32>(), secs in any::<u16>(), flags in any::<u16>(),
        addrs in proptest::collection::vec(arb_addr(), 4),
        chaddr in any::<[u8; 16]>(),
        sname_byte in any::<u8>(), file_byte in any::<u8>(),
        mut options in proptest::collection::vec(arb_option(), 0..8),
        end in any::<bool>(),
        trailing in proptest::collection::vec(any::<u8>(), 0..6),
    ) -> Repr {
        let mut r = Repr::new(op, xid, [0; 6]);
        (r.htype, r.hlen, r.hops, r.secs, r.flags) = (htype, hlen, hops, secs, flags);
        (r.ciaddr, r.yiaddr, r.siaddr, r.giaddr) = (addrs[0], addrs[1], addrs[2], addrs[3]);
        r.chaddr = chaddr;
        r.sname[63] = sname_byte;
        r.file[0] = file_byte;
        if end {
            options.push(DhcpOption::End);
            r.trailing = trailing;
        }
        r.options = options;
        r
    }
}

proptest! {
    #[test]
    fn emitted_messages_parse_back(r in arb_repr()) {
        let b = r.to_bytes().unwrap();
        prop_assert_eq!(b.len(), r.buffer_len());
        prop_assert_eq!(Repr::from_bytes(&b).unwrap(), r);
    }

    /// Whatever parses re-emits the same octets; nothing panics.
    #[test]
    fn parsed_bytes_emit_identically(tail in proptest::collection::vec(any::<u8>(), 0..80)) {
        let b = with_options(&tail);
        if let Ok(r) = Repr::from_bytes(&b) {
            prop_assert_eq!(&r.to_bytes().unwrap(), &b);
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
            let at = 236 + i.index(b.len() - 236);
            b[at] = v;
        }
        b.truncate(cut.index(b.len() + 1).max(200));
        match Repr::from_bytes(&b) {
            Ok(r) => prop_assert_eq!(r.to_bytes().unwrap(), b),
            Err(e) => prop_assert!(e.offset <= b.len(), "{}", e),
        }
    }
}

/// RFC 3527 §3: Link Selection is code 5, length 4, an IPv4 address; another length stays
/// raw.
#[test]
fn link_selection_suboption() {
    let sub = RelaySubOption::LinkSelection(Ipv4Addr::new(198, 18, 2, 5));
    assert_eq!(sub.code(), 5);
    assert_eq!(sub.buffer_len(), 6);
    assert_eq!(
        option::parse_suboptions(&[5, 4, 198, 18, 2, 5], 0).unwrap(),
        vec![sub]
    );
    assert_eq!(
        option::parse_suboptions(&[5, 2, 1, 2], 0).unwrap(),
        vec![RelaySubOption::Other {
            code: 5,
            data: vec![1, 2]
        }]
    );
}
