//! The NAS's DHCPv6 relay (`dhcpv6::Relay`): every rule read back from the emitted octets
//! with the wire codec. RFC 8415 §19 relaying, RFC 6422 §5, RFC 6610 §4.2 and RFC 6611
//! §4.2.1 (1) and (3).

use mip6lab_engines::dhcpv6::relay::{DropReason, Side, Withheld, MODIFIED_REPLY_TEXT};
use mip6lab_engines::dhcpv6::{
    AccessLink, ClientIdentity, ClientMatch, HaAssignment, HomeNetworkAssignment, Relay,
    RelayConfig, RelayEvent, RelayInput,
};
use mip6lab_engines::io::{SansIo, Transmit};
use mip6lab_wire::dhcpv6::{code, msg_type, DhcpOption, Duid, Fqdn, Repr, ALL_SERVERS};
use rstest::rstest;
use std::net::{Ipv6Addr, SocketAddr, SocketAddrV6};

const MAC: [u8; 6] = [2, 0, 0, 0, 0, 1];
const ACC0_GUA: &str = "2001:db8:a0::1";
const ACC1_GUA: &str = "2001:db8:a1::1";
const MN_LL: &str = "fe80::ff:fe00:1";
const SERVER: &str = "2001:db8:5::547";
const MSP: &str = "msp.example.net";

fn a(s: &str) -> Ipv6Addr {
    s.parse().unwrap()
}

fn name(s: &str) -> Fqdn {
    Fqdn::from_dotted(s).unwrap()
}

fn mn_duid() -> Duid {
    Duid::Ll {
        hardware_type: 1,
        link_layer_address: MAC.to_vec(),
    }
}

fn links() -> Vec<AccessLink> {
    vec![
        AccessLink {
            name: "acc0".into(),
            link_address: a(ACC0_GUA),
            interface_id: b"acc0".to_vec(),
            scope_id: 3,
        },
        AccessLink {
            name: "acc1".into(),
            link_address: a(ACC1_GUA),
            interface_id: b"acc1".to_vec(),
            scope_id: 4,
        },
    ]
}

fn relay_with(tweak: impl FnOnce(&mut RelayConfig)) -> Relay {
    let mut c = RelayConfig::new(links());
    c.servers = vec![a(SERVER)];
    tweak(&mut c);
    Relay::new(c)
}

fn relay() -> Relay {
    relay_with(|_| {})
}

/// An Information-request as the MN sends it, with these HNIDFs.
fn info_request(hnidfs: &[&str]) -> Vec<u8> {
    let mut options = vec![
        DhcpOption::ClientId(mn_duid()),
        DhcpOption::ElapsedTime(0),
        DhcpOption::Oro(vec![69, 50, 49, 71, 72, 73, 32, 83]),
    ];
    options.extend(hnidfs.iter().map(|h| DhcpOption::Mip6Hnidf(name(h))));
    Repr::ClientServer {
        msg_type: msg_type::INFORMATION_REQUEST,
        transaction_id: 0x123456,
        options,
    }
    .to_bytes()
    .unwrap()
}

fn msp_network() -> HomeNetworkAssignment {
    HomeNetworkAssignment {
        home_network_id: Some(name(MSP)),
        ha_addresses: vec![a("2001:db8:f::1")],
        ha_fqdn: Some(name("ha.msp.example.net")),
        home_link_prefix: Some((64, a("2001:db8:f::"))),
    }
}

fn assignment(client: ClientMatch, networks: Vec<HomeNetworkAssignment>) -> HaAssignment {
    HaAssignment {
        client,
        networks,
        expires_at: None,
    }
}

fn on_acc0() -> ClientMatch {
    ClientMatch::Interface("acc0".into())
}

fn assign(r: &mut Relay, now: u64, x: HaAssignment) {
    r.handle_input(now, RelayInput::Assignment(x));
}

fn from_client(
    r: &mut Relay,
    now: u64,
    iface: &str,
    src: &str,
    payload: &[u8],
) -> (Vec<Transmit>, Vec<RelayEvent>) {
    r.drain();
    r.handle_input(
        now,
        RelayInput::Client {
            interface: iface,
            src: a(src),
            payload,
        },
    );
    r.drain()
}

fn from_server(r: &mut Relay, payload: &[u8]) -> (Vec<Transmit>, Vec<RelayEvent>) {
    r.drain();
    let src = SocketAddr::V6(SocketAddrV6::new(a(SERVER), 547, 0, 0));
    r.handle_input(0, RelayInput::Server { src, payload });
    r.drain()
}

/// The one Relay-forward sent, parsed.
fn forwarded(t: &[Transmit]) -> Repr {
    assert_eq!(t.len(), 1, "one Relay-forward: {t:?}");
    Repr::from_bytes(&t[0].payload).unwrap()
}

fn rsoo(m: &Repr) -> Option<Vec<DhcpOption>> {
    m.options_with(code::RSOO)
        .next()
        .map(|o| o.contained().unwrap().to_vec())
}

/// The Relay Message option's data as sent, found by walking the raw octets.
fn relay_msg_octets(forward: &[u8]) -> Vec<u8> {
    let mut pos = 34;
    while pos + 4 <= forward.len() {
        let c = u16::from_be_bytes([forward[pos], forward[pos + 1]]);
        let len = usize::from(u16::from_be_bytes([forward[pos + 2], forward[pos + 3]]));
        if c == code::RELAY_MSG {
            return forward[pos + 4..pos + 4 + len].to_vec();
        }
        pos += 4 + len;
    }
    panic!("no Relay Message option");
}

fn withheld(e: &[RelayEvent]) -> Option<Withheld> {
    e.iter().find_map(|x| match x {
        RelayEvent::RsooWithheld { reason, .. } => Some(reason.clone()),
        _ => None,
    })
}

fn dropped(e: &[RelayEvent]) -> Option<(Side, DropReason)> {
    e.iter().find_map(|x| match x {
        RelayEvent::Dropped { side, reason } => Some((*side, reason.clone())),
        _ => None,
    })
}

#[test]
fn a_client_message_becomes_a_relay_forward_with_its_octets_untouched() {
    let mut r = relay();
    let msg = info_request(&[MSP]);
    let (t, e) = from_client(&mut r, 0, "acc0", MN_LL, &msg);
    assert_eq!(
        t[0].dst,
        SocketAddr::V6(SocketAddrV6::new(a(SERVER), 547, 0, 0))
    );
    let Repr::Relay {
        msg_type,
        hop_count,
        link_address,
        peer_address,
        options,
    } = forwarded(&t)
    else {
        panic!("not a relay message")
    };
    assert_eq!(msg_type, msg_type::RELAY_FORW);
    assert_eq!(hop_count, 0, "RFC 8415 §19.1.1");
    assert_eq!(
        link_address,
        a(ACC0_GUA),
        "a global address of the access link"
    );
    assert_eq!(peer_address, a(MN_LL), "the datagram's source");
    assert_eq!(options[0], DhcpOption::InterfaceId(b"acc0".to_vec()));
    assert_eq!(relay_msg_octets(&t[0].payload), msg);
    assert_eq!(withheld(&e), Some(Withheld::NoAssignment));
}

/// RFC 8415 §19.1.1: for a client the link-address is the access link's, whatever source
/// address the client used (link-address 0 is only for a downstream relay, §19.1.2).
#[rstest]
#[case::link_local_source(MN_LL, "acc0", ACC0_GUA)]
#[case::global_source("2001:db8:a0::99", "acc0", ACC0_GUA)]
#[case::other_link(MN_LL, "acc1", ACC1_GUA)]
fn a_clients_link_address_is_its_access_links(
    #[case] src: &str,
    #[case] iface: &str,
    #[case] link: &str,
) {
    let (t, _) = from_client(&mut relay(), 0, iface, src, &info_request(&[]));
    let Repr::Relay {
        link_address,
        options,
        ..
    } = forwarded(&t)
    else {
        panic!()
    };
    assert_eq!(link_address, a(link));
    assert_eq!(
        options[0],
        DhcpOption::InterfaceId(iface.as_bytes().to_vec())
    );
}

#[test]
fn without_configured_servers_it_sends_to_all_dhcp_servers_and_to_each_server_listed() {
    let msg = info_request(&[]);
    let mut r = Relay::new(RelayConfig::new(links()));
    let (t, _) = from_client(&mut r, 0, "acc0", MN_LL, &msg);
    assert_eq!(t.len(), 1);
    assert_eq!(t[0].dst.ip(), ALL_SERVERS);
    let mut r = relay_with(|c| c.servers = vec![a(SERVER), a("2001:db8:5::548")]);
    let (t, _) = from_client(&mut r, 0, "acc0", MN_LL, &msg);
    let dsts: Vec<_> = t.iter().map(|x| x.dst.ip()).collect();
    assert_eq!(dsts, [a(SERVER), a("2001:db8:5::548")]);
    assert_eq!(t[0].payload, t[1].payload);
}

#[rstest]
#[case::address_prefix_and_name(msp_network())]
#[case::address_only(HomeNetworkAssignment { ha_fqdn: None, home_link_prefix: None, ..msp_network() })]
#[case::name_only(HomeNetworkAssignment { ha_addresses: vec![], home_link_prefix: None, ..msp_network() })]
#[case::two_addresses(HomeNetworkAssignment { ha_addresses: vec![a("2001:db8:f::1"), a("64:ff9b::c000:201")], ..msp_network() })]
fn a_held_assignment_goes_into_an_rsoo_as_one_idinf(#[case] network: HomeNetworkAssignment) {
    let mut r = relay();
    assign(&mut r, 0, assignment(on_acc0(), vec![network.clone()]));
    // The client writes the name in its own case: the IDINF carries it as sent.
    let (t, e) = from_client(
        &mut r,
        5,
        "acc0",
        MN_LL,
        &info_request(&["MSP.Example.net"]),
    );
    let inner = rsoo(&forwarded(&t)).expect("an RSOO");
    let mut expected = vec![DhcpOption::Mip6Hnidf(name("MSP.Example.net"))];
    expected.extend(network.ha_addresses.iter().map(|x| DhcpOption::Mip6Haa(*x)));
    if let Some((prefix_len, prefix)) = network.home_link_prefix {
        expected.push(DhcpOption::Mip6Hnp { prefix_len, prefix });
    }
    if let Some(n) = network.ha_fqdn {
        expected.push(DhcpOption::Mip6Haf(n));
    }
    assert_eq!(inner, vec![DhcpOption::Mip6Idinf(expected)]);
    assert!(e
        .iter()
        .any(|x| matches!(x, RelayEvent::Forwarded { rsoo_networks, .. }
        if rsoo_networks == &vec![name("MSP.Example.net")])));
    // Interface-Id, then the RSOO, then the relayed message.
    let codes: Vec<u16> = forwarded(&t).options().iter().map(|o| o.code()).collect();
    assert_eq!(codes, [code::INTERFACE_ID, code::RSOO, code::RELAY_MSG]);
}

#[rstest]
#[case::no_assignment(None, &[MSP], Withheld::NoAssignment)]
#[case::asp_case_without_hnidf(Some(msp_network()), &[], Withheld::NoHnidf)]
#[case::other_home_network(Some(msp_network()), &["other.example.org"], Withheld::NoMatchingHnidf)]
#[case::no_home_agent(Some(HomeNetworkAssignment { ha_addresses: vec![], ha_fqdn: None, ..msp_network() }), &[MSP], Withheld::NoMatchingHnidf)]
fn without_a_usable_match_the_rsoo_is_left_out(
    #[case] network: Option<HomeNetworkAssignment>,
    #[case] hnidfs: &[&str],
    #[case] why: Withheld,
) {
    let mut r = relay();
    if let Some(n) = network {
        assign(&mut r, 0, assignment(on_acc0(), vec![n]));
    }
    let (t, e) = from_client(&mut r, 1, "acc0", MN_LL, &info_request(hnidfs));
    assert_eq!(rsoo(&forwarded(&t)), None);
    assert_eq!(withheld(&e), Some(why));
}

#[rstest]
#[case::interface(ClientMatch::Interface("acc0".into()), true)]
#[case::other_interface(ClientMatch::Interface("acc1".into()), false)]
#[case::peer(ClientMatch::PeerAddress(a(MN_LL)), true)]
#[case::other_peer(ClientMatch::PeerAddress(a("fe80::2")), false)]
#[case::duid(ClientMatch::Duid(mn_duid()), true)]
#[case::other_duid(ClientMatch::Duid(Duid::Uuid([7; 16])), false)]
#[case::mac_in_duid(ClientMatch::LinkLayerAddress(MAC.to_vec()), true)]
#[case::other_mac(ClientMatch::LinkLayerAddress(vec![2, 0, 0, 0, 0, 9]), false)]
fn an_assignment_applies_to_the_client_it_names(#[case] client: ClientMatch, #[case] hit: bool) {
    let mut r = relay();
    assign(&mut r, 0, assignment(client, vec![msp_network()]));
    let (t, _) = from_client(&mut r, 1, "acc0", MN_LL, &info_request(&[MSP]));
    assert_eq!(rsoo(&forwarded(&t)).is_some(), hit);
}

#[test]
fn idinfs_follow_the_clients_hnidfs_and_an_unnamed_network_answers_only_the_first() {
    let other = HomeNetworkAssignment {
        home_network_id: Some(name("msp2.example.org")),
        ha_addresses: vec![a("2001:db8:e::1")],
        ..Default::default()
    };
    let unnamed = HomeNetworkAssignment {
        home_network_id: None,
        ha_addresses: vec![a("2001:db8:d::1")],
        ..Default::default()
    };
    let mut r = relay();
    assign(&mut r, 0, assignment(on_acc0(), vec![other, unnamed]));
    let req = info_request(&["first.example.com", "msp2.example.org", "third.example.com"]);
    let (t, _) = from_client(&mut r, 1, "acc0", MN_LL, &req);
    let ids: Vec<Vec<DhcpOption>> = rsoo(&forwarded(&t))
        .unwrap()
        .iter()
        .map(|o| o.contained().unwrap().to_vec())
        .collect();
    assert_eq!(
        ids,
        vec![
            vec![
                DhcpOption::Mip6Hnidf(name("first.example.com")),
                DhcpOption::Mip6Haa(a("2001:db8:d::1"))
            ],
            vec![
                DhcpOption::Mip6Hnidf(name("msp2.example.org")),
                DhcpOption::Mip6Haa(a("2001:db8:e::1"))
            ],
        ]
    );
}

/// Held means `now < expiry`: the hold time (from arrival) or the assignment's own expiry,
/// whichever comes first.
#[rstest]
#[case::hold_time(Some(1_000), None, 1_000)]
#[case::own_expiry_first(Some(5_000), Some(700), 700)]
#[case::hold_time_first(Some(300), Some(700), 300)]
#[case::own_expiry_only(None, Some(2_000), 2_000)]
fn the_rsoo_stops_exactly_when_the_information_expires(
    #[case] hold_ms: Option<u64>,
    #[case] expires_at: Option<u64>,
    #[case] expiry: u64,
) {
    let mut r = relay_with(|c| c.hold_ms = hold_ms);
    let mut x = assignment(on_acc0(), vec![msp_network()]);
    x.expires_at = expires_at;
    assign(&mut r, 0, x);
    assert_eq!(r.next_timeout(), Some(expiry));
    let who = ClientIdentity {
        interface: "acc0",
        peer: a(MN_LL),
        duid: None,
    };
    assert!(r.holds(expiry - 1, &who));
    assert!(!r.holds(expiry, &who));
    let req = info_request(&[MSP]);
    let (t, _) = from_client(&mut r, expiry - 1, "acc0", MN_LL, &req);
    assert!(rsoo(&forwarded(&t)).is_some(), "held at expiry - 1");
    r.handle_timeout(expiry);
    let (_, e) = SansIo::drain(&mut r);
    assert_eq!(e, vec![RelayEvent::AssignmentExpired { client: on_acc0() }]);
    assert_eq!(r.next_timeout(), None);
    let (t, e) = from_client(&mut r, expiry, "acc0", MN_LL, &req);
    assert_eq!(rsoo(&forwarded(&t)), None, "gone at expiry");
    assert_eq!(withheld(&e), Some(Withheld::Expired));
}

#[test]
fn expiry_is_checked_on_input_even_without_the_timer() {
    let mut r = relay_with(|c| c.hold_ms = Some(10));
    assign(&mut r, 0, assignment(on_acc0(), vec![msp_network()]));
    let (t, e) = from_client(&mut r, 10, "acc0", MN_LL, &info_request(&[MSP]));
    assert_eq!(rsoo(&forwarded(&t)), None);
    assert_eq!(withheld(&e), Some(Withheld::Expired));
}

#[test]
fn a_new_assignment_replaces_the_old_and_the_end_of_the_session_removes_it() {
    let mut r = relay_with(|c| c.hold_ms = Some(100));
    assign(&mut r, 0, assignment(on_acc0(), vec![msp_network()]));
    assign(&mut r, 90, assignment(on_acc0(), vec![msp_network()]));
    assert_eq!(r.next_timeout(), Some(190));
    let (t, _) = from_client(&mut r, 150, "acc0", MN_LL, &info_request(&[MSP]));
    assert!(rsoo(&forwarded(&t)).is_some());
    r.handle_input(151, RelayInput::SessionEnded(on_acc0()));
    let (t, e) = from_client(&mut r, 152, "acc0", MN_LL, &info_request(&[MSP]));
    assert_eq!(rsoo(&forwarded(&t)), None);
    assert_eq!(withheld(&e), Some(Withheld::NoAssignment));
}

/// A Relay-forward `depth` levels deep around the MN's Information-request, the outermost
/// with this hop-count (each inner one lower).
fn nested_forward(depth: u8, outer_hop: u8, rsoo_at: Option<u8>) -> Vec<u8> {
    let mut m = Repr::from_bytes(&info_request(&[MSP])).unwrap();
    let mut peer = a(MN_LL);
    for level in 0..depth {
        let mut options = vec![DhcpOption::InterfaceId(vec![level])];
        if rsoo_at == Some(level) {
            options.push(DhcpOption::Rsoo(vec![DhcpOption::Other {
                code: 65,
                data: vec![1],
            }]));
        }
        options.push(DhcpOption::RelayMsg(Box::new(m)));
        m = Repr::Relay {
            msg_type: msg_type::RELAY_FORW,
            hop_count: outer_hop + 1 + level - depth,
            link_address: a("2001:db8:77::1"),
            peer_address: peer,
            options,
        };
        peer = a(&format!("fe80::77:{level}"));
    }
    m.to_bytes().unwrap()
}

#[rstest]
#[case::one_below(1, 0, "fe80::77:0", 1, ACC0_GUA)]
#[case::global_source(2, 1, "2001:db8:77::9", 2, "::")]
#[case::just_under_the_limit(7, 7, "fe80::77:6", 8, ACC0_GUA)]
fn a_relay_forward_is_wrapped_again_one_hop_higher(
    #[case] depth: u8,
    #[case] hop: u8,
    #[case] src: &str,
    #[case] expect_hop: u8,
    #[case] expect_link: &str,
) {
    let mut r = relay();
    assign(
        &mut r,
        0,
        assignment(ClientMatch::Duid(mn_duid()), vec![msp_network()]),
    );
    let inner = nested_forward(depth, hop, None);
    let (t, _) = from_client(&mut r, 1, "acc0", src, &inner);
    let outer = forwarded(&t);
    let Repr::Relay {
        hop_count,
        link_address,
        peer_address,
        ..
    } = &outer
    else {
        panic!()
    };
    assert_eq!(*hop_count, expect_hop, "RFC 8415 §19.1.2: received + 1");
    assert_eq!(*link_address, a(expect_link));
    assert_eq!(*peer_address, a(src));
    assert_eq!(relay_msg_octets(&t[0].payload), inner);
    // The client inside is found through the encapsulations.
    assert!(rsoo(&outer).is_some());
    let mut levels = 0;
    let mut m = &outer;
    while let Some(i) = m.relayed() {
        levels += 1;
        m = i;
    }
    assert_eq!(levels, usize::from(depth) + 1);
    assert_eq!(m.msg_type(), msg_type::INFORMATION_REQUEST);
}

#[test]
fn a_relay_forward_at_the_hop_count_limit_is_discarded() {
    let mut r = relay();
    let (t, e) = from_client(&mut r, 0, "acc0", "fe80::77:7", &nested_forward(8, 8, None));
    assert!(t.is_empty());
    assert_eq!(
        dropped(&e),
        Some((Side::Client, DropReason::HopCountLimit(8)))
    );
}

#[rstest]
#[case::outer(Some(1), true, true)]
#[case::innermost(Some(0), true, true)]
#[case::none(None, true, false)]
#[case::switch_off(Some(0), false, false)]
fn rsoo_blocking_looks_at_every_encapsulation(
    #[case] rsoo_at: Option<u8>,
    #[case] block: bool,
    #[case] discarded: bool,
) {
    let mut r = relay_with(|c| c.block_forwards_with_rsoo = block);
    let (t, e) = from_client(
        &mut r,
        0,
        "acc0",
        "fe80::77:1",
        &nested_forward(2, 1, rsoo_at),
    );
    assert_eq!(t.is_empty(), discarded);
    assert_eq!(
        dropped(&e).is_some_and(|d| d == (Side::Client, DropReason::RsooBlocked)),
        discarded
    );
}

/// The knob `block_checks_outer_only` misses an RSOO inside and still catches one outside.
#[rstest]
#[case::outer(Some(1), true)]
#[case::innermost(Some(0), false)]
fn the_outer_only_knob_misses_an_inner_rsoo(#[case] rsoo_at: Option<u8>, #[case] discarded: bool) {
    let mut r = relay_with(|c| {
        c.block_forwards_with_rsoo = true;
        c.block_checks_outer_only = true;
    });
    let (t, _) = from_client(
        &mut r,
        0,
        "acc0",
        "fe80::77:1",
        &nested_forward(2, 1, rsoo_at),
    );
    assert_eq!(t.is_empty(), discarded);
}

#[rstest]
#[case::advertise(msg_type::ADVERTISE)]
#[case::reply(msg_type::REPLY)]
#[case::reconfigure(msg_type::RECONFIGURE)]
fn server_messages_from_the_client_side_are_discarded(#[case] t: u8) {
    let msg = Repr::ClientServer {
        msg_type: t,
        transaction_id: 1,
        options: vec![],
    }
    .to_bytes()
    .unwrap();
    let (tx, e) = from_client(&mut relay(), 0, "acc0", MN_LL, &msg);
    assert!(tx.is_empty());
    assert_eq!(
        dropped(&e),
        Some((Side::Client, DropReason::NotFromClient(t)))
    );
}

#[test]
fn a_relay_reply_from_the_client_side_is_discarded() {
    let mut msg = nested_forward(1, 0, None);
    msg[0] = msg_type::RELAY_REPL;
    let (tx, e) = from_client(&mut relay(), 0, "acc0", MN_LL, &msg);
    assert!(tx.is_empty());
    assert_eq!(
        dropped(&e),
        Some((
            Side::Client,
            DropReason::NotFromClient(msg_type::RELAY_REPL)
        ))
    );
}

#[rstest]
#[case::truncated_option(vec![11, 0, 0, 1, 0, 1, 0, 9, 0])]
#[case::short_header(vec![11, 0])]
#[case::empty(vec![])]
fn a_malformed_client_message_is_dropped(#[case] msg: Vec<u8>) {
    let (tx, e) = from_client(&mut relay(), 0, "acc0", MN_LL, &msg);
    assert!(tx.is_empty());
    assert!(matches!(
        dropped(&e),
        Some((Side::Client, DropReason::Malformed(_)))
    ));
}

#[test]
fn an_unknown_message_type_is_forwarded_as_received() {
    let msg = vec![200, 1, 2, 3, 4, 5];
    let (t, e) = from_client(&mut relay(), 0, "acc0", MN_LL, &msg);
    assert_eq!(
        relay_msg_octets(&t[0].payload),
        msg,
        "RFC 8415 §19: MUST forward"
    );
    assert_eq!(rsoo(&forwarded(&t)), None);
    assert_eq!(withheld(&e), None, "nothing to match an assignment against");
}

#[test]
fn a_message_on_an_unknown_link_is_dropped() {
    let (t, e) = from_client(&mut relay(), 0, "eth9", MN_LL, &info_request(&[]));
    assert!(t.is_empty());
    assert_eq!(dropped(&e), Some((Side::Client, DropReason::UnknownLink)));
}

fn reply_bytes() -> Vec<u8> {
    Repr::ClientServer {
        msg_type: msg_type::REPLY,
        transaction_id: 0x123456,
        options: vec![
            DhcpOption::ServerId(Duid::En {
                enterprise_number: 2495,
                identifier: vec![1, 2],
            }),
            DhcpOption::ClientId(mn_duid()),
            DhcpOption::Other {
                code: 4242,
                data: vec![9, 9],
            },
            DhcpOption::Mip6Idinf(vec![
                DhcpOption::Mip6Hnidf(name(MSP)),
                DhcpOption::Mip6Haa(a("2001:db8:f::1")),
            ]),
        ],
    }
    .to_bytes()
    .unwrap()
}

/// A Relay-reply with these top-level options before the Relay Message option.
fn relay_reply(link: &str, peer: &str, before: Vec<DhcpOption>, inner: &[u8]) -> Vec<u8> {
    let mut options = before;
    options.push(DhcpOption::Other {
        code: code::RELAY_MSG,
        data: inner.to_vec(),
    });
    Repr::Relay {
        msg_type: msg_type::RELAY_REPL,
        hop_count: 0,
        link_address: a(link),
        peer_address: a(peer),
        options,
    }
    .to_bytes()
    .unwrap()
}

fn iid(s: &[u8]) -> Vec<DhcpOption> {
    vec![DhcpOption::InterfaceId(s.to_vec())]
}

#[rstest]
#[case::reply(reply_bytes(), 546)]
// The relay does not judge the message: octets the codec rejects go out the same.
#[case::unparsable(vec![7, 0, 0, 1, 0, 2, 0, 40, 1], 546)]
#[case::to_a_downstream_relay(relay_reply(ACC0_GUA, MN_LL, iid(b"x"), &reply_bytes()), 547)]
fn a_relay_reply_payload_is_relayed_byte_for_byte(#[case] inner: Vec<u8>, #[case] port: u16) {
    let mut r = relay();
    let (t, e) = from_server(&mut r, &relay_reply("::", MN_LL, iid(b"acc1"), &inner));
    assert_eq!(t.len(), 1);
    assert_eq!(t[0].payload, inner);
    // The link the Interface-Id names, with its scope for the link-local peer.
    assert_eq!(
        t[0].dst,
        SocketAddr::V6(SocketAddrV6::new(a(MN_LL), port, 0, 4))
    );
    assert!(
        matches!(&e[..], [RelayEvent::Relayed { interface: Some(i), modified: false, .. }] if i == "acc1")
    );
}

#[rstest]
#[case::interface_id_wins(ACC0_GUA, iid(b"acc1"), Some(4))]
#[case::by_link_address(ACC1_GUA, vec![], Some(4))]
#[case::unknown_interface_id(ACC0_GUA, iid(b"zzz"), None)]
#[case::unknown_link_address("2001:db8:99::1", vec![], None)]
#[case::nothing_to_route_a_link_local_peer("::", vec![], None)]
fn a_relay_reply_goes_to_the_link_it_names(
    #[case] link: &str,
    #[case] before: Vec<DhcpOption>,
    #[case] scope: Option<u32>,
) {
    let (t, e) = from_server(
        &mut relay(),
        &relay_reply(link, MN_LL, before, &reply_bytes()),
    );
    match scope {
        Some(s) => assert_eq!(
            t[0].dst,
            SocketAddr::V6(SocketAddrV6::new(a(MN_LL), 546, 0, s))
        ),
        None => {
            assert!(t.is_empty());
            assert_eq!(dropped(&e), Some((Side::Server, DropReason::UnknownLink)));
        }
    }
}

#[test]
fn a_relay_reply_to_a_global_peer_without_a_link_is_routed() {
    let inner = reply_bytes();
    let (t, _) = from_server(
        &mut relay(),
        &relay_reply("::", "2001:db8:77::9", vec![], &inner),
    );
    assert_eq!(
        t[0].dst,
        SocketAddr::V6(SocketAddrV6::new(a("2001:db8:77::9"), 546, 0, 0))
    );
    assert_eq!(t[0].payload, inner);
}

#[rstest]
#[case::reply_not_relayed(reply_bytes(), DropReason::NotRelayReply(msg_type::REPLY))]
#[case::relay_forward(
    nested_forward(1, 0, None),
    DropReason::NotRelayReply(msg_type::RELAY_FORW)
)]
#[case::no_relay_message(
    Repr::Relay { msg_type: msg_type::RELAY_REPL, hop_count: 0, link_address: a(ACC0_GUA),
                  peer_address: a(MN_LL), options: iid(b"acc0") }.to_bytes().unwrap(),
    DropReason::NoRelayMessage)]
fn what_is_not_a_relay_reply_with_a_message_is_dropped(
    #[case] msg: Vec<u8>,
    #[case] why: DropReason,
) {
    let (t, e) = from_server(&mut relay(), &msg);
    assert!(t.is_empty());
    assert_eq!(dropped(&e), Some((Side::Server, why)));
}

#[test]
fn a_relay_reply_with_a_broken_option_list_is_dropped() {
    let mut msg = relay_reply(ACC0_GUA, MN_LL, iid(b"acc0"), &reply_bytes());
    msg.push(0); // a dangling octet: no room for an option header
    let (t, e) = from_server(&mut relay(), &msg);
    assert!(t.is_empty());
    assert!(matches!(
        dropped(&e),
        Some((Side::Server, DropReason::Malformed(_)))
    ));
}

/// What the relay emits in one fixed scenario: the forward while held, the forward after
/// expiry, and the relayed reply.
struct Outputs {
    fresh: Vec<u8>,
    expired: Vec<u8>,
    reply: Vec<u8>,
}

fn scenario(tweak: impl FnOnce(&mut RelayConfig)) -> Outputs {
    let mut r = relay_with(|c| {
        c.hold_ms = Some(100);
        tweak(c)
    });
    assign(&mut r, 0, assignment(on_acc0(), vec![msp_network()]));
    let req = info_request(&[MSP]);
    let fresh = from_client(&mut r, 50, "acc0", MN_LL, &req).0[0]
        .payload
        .clone();
    r.handle_timeout(100);
    let expired = from_client(&mut r, 150, "acc0", MN_LL, &req).0[0]
        .payload
        .clone();
    let reply = from_server(
        &mut r,
        &relay_reply(ACC0_GUA, MN_LL, iid(b"acc0"), &reply_bytes()),
    )
    .0[0]
        .payload
        .clone();
    Outputs {
        fresh,
        expired,
        reply,
    }
}

fn without(m: &[u8], c: u16) -> Repr {
    let Repr::Relay {
        msg_type,
        hop_count,
        link_address,
        peer_address,
        options,
    } = Repr::from_bytes(m).unwrap()
    else {
        panic!()
    };
    Repr::Relay {
        msg_type,
        hop_count,
        link_address,
        peer_address,
        options: options.into_iter().filter(|o| o.code() != c).collect(),
    }
}

#[test]
fn the_defaults_conform() {
    let d = scenario(|_| {});
    assert!(rsoo(&Repr::from_bytes(&d.fresh).unwrap()).is_some());
    assert_eq!(rsoo(&Repr::from_bytes(&d.expired).unwrap()), None);
    assert_eq!(d.reply, reply_bytes());
}

#[test]
fn knob_rsoo_even_when_expired_only_keeps_the_rsoo_after_expiry() {
    let (d, k) = (
        scenario(|_| {}),
        scenario(|c| c.rsoo_even_when_expired = true),
    );
    assert_eq!((&k.fresh, &k.reply), (&d.fresh, &d.reply));
    assert_eq!(k.expired, d.fresh, "the same RSOO as while held");
}

#[test]
fn knob_modify_relay_reply_only_changes_the_relayed_reply() {
    let (d, k) = (scenario(|_| {}), scenario(|c| c.modify_relay_reply = true));
    assert_eq!((&k.fresh, &k.expired), (&d.fresh, &d.expired));
    let Repr::ClientServer { options, .. } = Repr::from_bytes(&k.reply).unwrap() else {
        panic!()
    };
    assert_eq!(k.reply[..d.reply.len()], d.reply[..]);
    assert_eq!(
        options.last(),
        Some(&DhcpOption::StatusCode {
            status: 0,
            message: MODIFIED_REPLY_TEXT.into()
        })
    );
}

#[test]
fn knob_omit_interface_id_only_drops_that_option() {
    let (d, k) = (scenario(|_| {}), scenario(|c| c.omit_interface_id = true));
    assert_eq!(k.reply, d.reply);
    for (got, base) in [(&k.fresh, &d.fresh), (&k.expired, &d.expired)] {
        let got = Repr::from_bytes(got).unwrap();
        assert_eq!(got.options_with(code::INTERFACE_ID).count(), 0);
        assert_eq!(got, without(base, code::INTERFACE_ID));
    }
}

#[test]
fn knob_rsoo_option_code_override_only_renames_the_rsoo() {
    let (d, k) = (
        scenario(|_| {}),
        scenario(|c| c.rsoo_option_code_override = Some(0xfe00)),
    );
    assert_eq!((&k.expired, &k.reply), (&d.expired, &d.reply));
    let got = Repr::from_bytes(&k.fresh).unwrap();
    assert_eq!(rsoo(&got), None);
    let Some(DhcpOption::Other { data, .. }) = got.options_with(0xfe00).next() else {
        panic!("no option 0xfe00")
    };
    let base = Repr::from_bytes(&d.fresh).unwrap();
    let rsoo_data = mip6lab_wire::dhcpv6::option::parse_options(data, 0, 0).unwrap();
    assert_eq!(Some(rsoo_data), rsoo(&base));
    assert_eq!(without(&k.fresh, 0xfe00), without(&d.fresh, code::RSOO));
}

#[test]
fn knob_omit_hnidf_in_idinf_only_drops_the_hnidf_inside() {
    let (d, k) = (scenario(|_| {}), scenario(|c| c.omit_hnidf_in_idinf = true));
    assert_eq!((&k.expired, &k.reply), (&d.expired, &d.reply));
    let idinf = |m: &[u8]| {
        rsoo(&Repr::from_bytes(m).unwrap()).unwrap()[0]
            .contained()
            .unwrap()
            .to_vec()
    };
    let mut base = idinf(&d.fresh);
    assert_eq!(base.remove(0), DhcpOption::Mip6Hnidf(name(MSP)));
    assert_eq!(idinf(&k.fresh), base);
}

/// RFC 6611 §4.2.1 end to end: the MN's request through the relay, a server that copies the
/// relay-supplied IDINF into its Reply (step (4)), the Relay-reply back through the relay, and
/// the MN choosing the AAA-assigned home agent.
#[test]
fn the_msp_flow_delivers_the_aaa_assigned_home_agent_to_the_client() {
    use mip6lab_engines::dhcpv6::client::{HaCandidate, InfoKind};
    use mip6lab_engines::dhcpv6::{Client, ClientConfig, ClientEvent, HomeNetworkRequest};
    use mip6lab_engines::io::Datagram;

    let mut cfg = ClientConfig::new(
        mn_duid(),
        HomeNetworkRequest::Identified {
            home_networks: vec![name(MSP)],
        },
        3,
    );
    cfg.initial_delay = false;
    let mut mn = Client::new(cfg, Box::new(|b: &mut [u8]| b.fill(0x5a)));
    let mut nas = relay();
    assign(
        &mut nas,
        0,
        assignment(
            ClientMatch::LinkLayerAddress(MAC.to_vec()),
            vec![msp_network()],
        ),
    );
    mn.start(10);
    let request = mn.poll_transmit().unwrap();
    let (t, _) = from_client(&mut nas, 10, "acc0", MN_LL, &request.payload);
    let forward = forwarded(&t);
    let supplied = rsoo(&forward).unwrap();
    let inner = forward.relayed().unwrap();
    let Repr::ClientServer { transaction_id, .. } = inner else {
        panic!()
    };
    let mut options = vec![
        DhcpOption::ServerId(Duid::Uuid([3; 16])),
        inner.options_with(code::CLIENTID).next().unwrap().clone(),
    ];
    options.extend(supplied);
    let server_reply = Repr::ClientServer {
        msg_type: msg_type::REPLY,
        transaction_id: *transaction_id,
        options,
    }
    .to_bytes()
    .unwrap();
    let (t, _) = from_server(
        &mut nas,
        &relay_reply(ACC0_GUA, MN_LL, iid(b"acc0"), &server_reply),
    );
    assert_eq!(t[0].payload, server_reply);
    let src = SocketAddr::V6(SocketAddrV6::new(a("fe80::1"), 547, 0, 3));
    mn.handle_input(20, Datagram::new(src, &t[0].payload));
    let mut outcome = None;
    while let Some(e) = mn.poll_event() {
        if let ClientEvent::Configured(o) = e {
            outcome = Some(o);
        }
    }
    let chosen = outcome.expect("configured").chosen.expect("a home agent");
    assert_eq!(chosen.kind, InfoKind::Identified);
    assert_eq!(chosen.home_network_id, Some(name(MSP)));
    assert_eq!(chosen.home_agent, HaCandidate::Address(a("2001:db8:f::1")));
    assert_eq!(chosen.prefix, Some((64, a("2001:db8:f::"))));
}

#[test]
fn knob_idinf_for_unrequested_network_supplies_the_held_ha_under_the_named_network() {
    let mut r = relay_with(|c| c.idinf_for_unrequested_network = true);
    assign(&mut r, 0, assignment(on_acc0(), vec![msp_network()]));
    let (t, e) = from_client(
        &mut r,
        1,
        "acc0",
        MN_LL,
        &info_request(&["other.example.org"]),
    );
    let Some(inner) = rsoo(&forwarded(&t)) else {
        panic!("no RSOO: {e:?}")
    };
    let Some(DhcpOption::Mip6Idinf(idinf)) = inner.first() else {
        panic!("{inner:?}")
    };
    // The client's name on the held network's HA.
    let named = Fqdn::from_dotted("other.example.org").unwrap();
    assert_eq!(idinf.first(), Some(&DhcpOption::Mip6Hnidf(named)));
    assert!(idinf
        .iter()
        .any(|o| matches!(o, DhcpOption::Mip6Haa(a) if msp_network().ha_addresses.contains(a))));
    // Conforming, the same request gets no RSOO.
    let mut r = relay();
    assign(&mut r, 0, assignment(on_acc0(), vec![msp_network()]));
    let (t, _) = from_client(
        &mut r,
        1,
        "acc0",
        MN_LL,
        &info_request(&["other.example.org"]),
    );
    assert_eq!(rsoo(&forwarded(&t)), None);
}

#[test]
fn knob_rsoo_bare_haa_puts_a_non_rsoo_enabled_option_in_the_rsoo() {
    let mut r = relay_with(|c| c.rsoo_bare_haa = true);
    assign(&mut r, 0, assignment(on_acc0(), vec![msp_network()]));
    let (t, e) = from_client(&mut r, 1, "acc0", MN_LL, &info_request(&[MSP]));
    let Some(inner) = rsoo(&forwarded(&t)) else {
        panic!("no RSOO: {e:?}")
    };
    assert!(matches!(inner.first(), Some(DhcpOption::Mip6Idinf(_))));
    assert!(matches!(inner.last(), Some(DhcpOption::Mip6Haa(_))));
    // Conforming: containers only.
    let mut r = relay();
    assign(&mut r, 0, assignment(on_acc0(), vec![msp_network()]));
    let (t, _) = from_client(&mut r, 1, "acc0", MN_LL, &info_request(&[MSP]));
    let inner = rsoo(&forwarded(&t)).expect("an RSOO");
    assert!(inner.iter().all(|o| matches!(o, DhcpOption::Mip6Idinf(_))));
}

#[test]
fn knob_empty_idinf_leaves_only_the_hnidf_in_the_idinf() {
    let mut r = relay_with(|c| c.empty_idinf = true);
    assign(&mut r, 0, assignment(on_acc0(), vec![msp_network()]));
    let (t, e) = from_client(&mut r, 1, "acc0", MN_LL, &info_request(&[MSP]));
    let Some(inner) = rsoo(&forwarded(&t)) else {
        panic!("no RSOO: {e:?}")
    };
    assert_eq!(
        inner,
        vec![DhcpOption::Mip6Idinf(vec![DhcpOption::Mip6Hnidf(name(
            MSP
        ))])]
    );
}
