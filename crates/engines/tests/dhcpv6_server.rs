//! The reference DHCPv6 server (`dhcpv6::server`): every rule read back from the octets it
//! sends, with the requests built by the wire codec. The shapes are those of the integrated
//! suite's server contract (`msp` … `no-rsoo`, numbered 1–8), each from the documentation
//! MAC DUID-LL client 00:00:5e:00:53:NN; each mutation is shown to change the wire of at
//! least one of them.

use mip6lab_engines::dhcpv6::server::{
    Answer, Case, HomeNetworkEntry, IgnoreReason, RsooDropReason, Server, ServerConfig,
    ServerEvent, ServerMutations, Source, IANA_RSOO_ENABLED,
};
use mip6lab_engines::io::{Datagram, SansIo, Transmit};
use mip6lab_wire::dhcpv6::{code, msg_type, DhcpOption, Duid, Fqdn, Repr};
use proptest::prelude::*;
use rstest::rstest;
use std::net::{Ipv6Addr, SocketAddr};

const HA1: &str = "2001:db8:1::a1";
const HA2: &str = "2001:db8:2::a2";
const DECOY: &str = "2001:db8:2::dec0";
const RELAY: &str = "2001:db8:2::b";
const OUTER_RELAY: &str = "2001:db8:2::c";
const LINK: &str = "2001:db8:3::1";
const CLIENT_LL: &str = "fe80::200:5eff:fe00:5301";
const XID: u32 = 0x00c0_ffee;

fn a(s: &str) -> Ipv6Addr {
    s.parse().unwrap()
}

fn name(s: &str) -> Fqdn {
    Fqdn::from_dotted(s).unwrap()
}

fn client_duid(nn: u8) -> Duid {
    Duid::Ll {
        hardware_type: 1,
        link_layer_address: vec![0, 0, 0x5e, 0, 0x53, nn],
    }
}

fn server_duid() -> Duid {
    Duid::En {
        enterprise_number: 32473,
        identifier: b"server".to_vec(),
    }
}

/// The lab's configuration: VDINF HA2, table example.net=HA2, 50 and 69 RSOO-enabled.
fn lab_config() -> ServerConfig {
    let mut c = ServerConfig::new(server_duid(), 5);
    c.vdinf_ha = Some(a(HA2));
    c.home_networks = vec![HomeNetworkEntry {
        network: name("example.net"),
        ha: a(HA2),
    }];
    c.rsoo_enabled = vec![50, 69];
    c
}

fn information_request(nn: u8, oro: &[u16], hnidfs: &[&str]) -> Repr {
    let mut options = vec![
        DhcpOption::ClientId(client_duid(nn)),
        DhcpOption::ElapsedTime(0),
        DhcpOption::Oro(oro.to_vec()),
    ];
    options.extend(hnidfs.iter().map(|h| DhcpOption::Mip6Hnidf(name(h))));
    Repr::ClientServer {
        msg_type: msg_type::INFORMATION_REQUEST,
        transaction_id: XID,
        options,
    }
}

fn idinf(network: &str, ha: &str) -> DhcpOption {
    DhcpOption::Mip6Idinf(vec![
        DhcpOption::Mip6Hnidf(name(network)),
        DhcpOption::Mip6Haa(a(ha)),
        DhcpOption::Mip6Hnp {
            prefix_len: 64,
            prefix: a("2001:db8:1:100::"),
        },
    ])
}

/// A Relay-forward around `inner`, with an Interface-Id naming the hop and `rsoo` (if any).
fn forward(inner: Repr, hop_count: u8, peer: &str, rsoo: Option<Vec<DhcpOption>>) -> Repr {
    let mut options = vec![DhcpOption::InterfaceId(
        format!("if{hop_count}").into_bytes(),
    )];
    options.extend(rsoo.map(DhcpOption::Rsoo));
    options.push(DhcpOption::RelayMsg(Box::new(inner)));
    Repr::Relay {
        msg_type: msg_type::RELAY_FORW,
        hop_count,
        link_address: a(LINK),
        peer_address: a(peer),
        options,
    }
}

/// The contract's shapes, as the relay stimulus sends them.
fn shape(n: u8) -> Repr {
    let msp = || information_request(n, &[code::MIP6_IDINF], &["example.com"]);
    let asp = || information_request(n, &[code::MIP6_VDINF], &[]);
    match n {
        1 => forward(msp(), 0, CLIENT_LL, Some(vec![idinf("example.com", HA1)])),
        2 => forward(asp(), 0, CLIENT_LL, Some(vec![idinf("example.com", DECOY)])),
        3 => forward(
            msp(),
            0,
            CLIENT_LL,
            Some(vec![
                idinf("example.com", HA1),
                DhcpOption::Other {
                    code: 24,
                    data: name("rsoo-decoy.example.").to_bytes(),
                },
            ]),
        ),
        4 => forward(
            forward(msp(), 0, CLIENT_LL, Some(vec![idinf("example.com", HA1)])),
            1,
            RELAY,
            Some(vec![idinf("example.com", DECOY)]),
        ),
        5 => forward(
            asp(),
            0,
            CLIENT_LL,
            Some(vec![DhcpOption::Mip6Vdinf(vec![DhcpOption::Mip6Haa(a(
                DECOY,
            ))])]),
        ),
        6 => forward(
            information_request(n, &[code::MIP6_IDINF], &["unknown.example"]),
            0,
            CLIENT_LL,
            None,
        ),
        7 => forward(
            information_request(n, &[code::MIP6_IDINF], &["example.com", "example.net"]),
            0,
            CLIENT_LL,
            Some(vec![idinf("example.com", HA1)]),
        ),
        8 => forward(msp(), 0, CLIENT_LL, None),
        _ => unreachable!("shapes are 1..=8"),
    }
}

fn from_relay() -> SocketAddr {
    SocketAddr::new(a(RELAY).into(), 547)
}

fn serve(
    config: ServerConfig,
    from: SocketAddr,
    request: &Repr,
) -> (Vec<Transmit>, Vec<ServerEvent>) {
    let bytes = request.to_bytes().unwrap();
    serve_bytes(config, from, &bytes)
}

fn serve_bytes(
    config: ServerConfig,
    from: SocketAddr,
    bytes: &[u8],
) -> (Vec<Transmit>, Vec<ServerEvent>) {
    let mut s = Server::new(config);
    s.handle_input(0, Datagram::new(from, bytes));
    s.drain()
}

/// What the server sent for one request: the Relay-reply levels (outermost first), the
/// Reply, the raw datagram and the event.
struct Served {
    levels: Vec<Repr>,
    reply: Repr,
    datagram: Transmit,
    answer: Answer,
}

impl Served {
    fn options(&self) -> &[DhcpOption] {
        self.reply.options()
    }

    fn with_code(&self, c: u16) -> Vec<&DhcpOption> {
        self.options().iter().filter(|o| o.code() == c).collect()
    }

    fn idinfs(&self) -> Vec<&DhcpOption> {
        self.with_code(code::MIP6_IDINF)
    }

    /// Every HAA anywhere in the Reply, in wire order.
    fn home_agents(&self) -> Vec<Ipv6Addr> {
        fn walk(options: &[DhcpOption], out: &mut Vec<Ipv6Addr>) {
            for o in options {
                match o {
                    DhcpOption::Mip6Haa(a) => out.push(*a),
                    o => walk(o.contained().unwrap_or_default(), out),
                }
            }
        }
        let mut out = Vec::new();
        walk(self.options(), &mut out);
        out
    }

    /// Whether these 16 octets appear anywhere in the datagram.
    fn carries_octets_of(&self, addr: &str) -> bool {
        let needle = a(addr).octets();
        self.datagram.payload.windows(16).any(|w| w == needle)
    }
}

fn serve_one(config: ServerConfig, request: &Repr) -> Served {
    let (transmits, events) = serve(config, from_relay(), request);
    assert_eq!(transmits.len(), 1, "{events:?}");
    let datagram = transmits.into_iter().next().unwrap();
    let mut levels = Vec::new();
    let mut m = Repr::from_bytes(&datagram.payload).unwrap();
    while m.msg_type() == msg_type::RELAY_REPL {
        let inner = m.relayed().expect("a Relay Message in each level").clone();
        levels.push(m);
        m = inner;
    }
    let answer = match events.as_slice() {
        [ServerEvent::Answered(a)] => a.clone(),
        other => panic!("one answer expected: {other:?}"),
    };
    Served {
        levels,
        reply: m,
        datagram,
        answer,
    }
}

fn lab(n: u8) -> Served {
    serve_one(lab_config(), &shape(n))
}

fn mutated(n: u8, set: fn(&mut ServerMutations)) -> Served {
    let mut c = lab_config();
    set(&mut c.mutations);
    serve_one(c, &shape(n))
}

fn inner_haas(o: &DhcpOption) -> Vec<Ipv6Addr> {
    o.contained()
        .unwrap()
        .iter()
        .filter_map(|i| match i {
            DhcpOption::Mip6Haa(a) => Some(*a),
            _ => None,
        })
        .collect()
}

fn inner_hnidfs(o: &DhcpOption) -> Vec<Fqdn> {
    o.contained()
        .unwrap()
        .iter()
        .filter_map(|i| match i {
            DhcpOption::Mip6Hnidf(n) => Some(n.clone()),
            _ => None,
        })
        .collect()
}

// --- Every shape of the contract, conforming -------------------------------------------

#[rstest]
fn every_reply_identifies_server_and_client_and_goes_back_through_the_relays(
    #[values(1, 2, 3, 4, 5, 6, 7, 8)] n: u8,
) {
    let s = lab(n);
    let request = shape(n);
    // Reply with the request's transaction-id, SERVERID first, the client's CLIENTID echoed
    // (RFC 8415 §18.3.6; RFC 6611 §4.2.1 (4), §4.2.2 (4)); no status for missing information.
    let Repr::ClientServer {
        msg_type,
        transaction_id,
        options,
    } = &s.reply
    else {
        panic!("{:?}", s.reply)
    };
    assert_eq!((*msg_type, *transaction_id), (msg_type::REPLY, XID));
    assert_eq!(options[0], DhcpOption::ServerId(server_duid()));
    assert_eq!(options[1], DhcpOption::ClientId(client_duid(n)));
    assert!(s.with_code(code::STATUS_CODE).is_empty());
    // No HNIDF, HAA or HNP at the top level (RFC 6610 §3.1, §4.1.2).
    for c in [
        code::MIP6_HNIDF,
        code::MIP6_HAA,
        code::MIP6_HNP,
        code::MIP6_HAF,
    ] {
        assert!(s.with_code(c).is_empty(), "shape {n}: top-level {c}");
    }
    // One Relay-reply per Relay-forward, each copying its level (RFC 8415 §19.3).
    let mut forward = &request;
    assert_eq!(s.levels.len(), if n == 4 { 2 } else { 1 });
    for level in &s.levels {
        let (
            Repr::Relay {
                hop_count: fh,
                link_address: fl,
                peer_address: fp,
                options: fo,
                ..
            },
            Repr::Relay {
                hop_count: rh,
                link_address: rl,
                peer_address: rp,
                options: ro,
                ..
            },
        ) = (forward, level)
        else {
            panic!("relay levels")
        };
        assert_eq!((rh, rl, rp), (fh, fl, fp));
        assert_eq!(ro[0], fo[0], "Interface-Id copied");
        assert!(ro.iter().all(|o| o.code() != code::RSOO));
        forward = forward.relayed().unwrap();
    }
    assert_eq!(s.datagram.dst, from_relay());
    assert_eq!(s.answer.relay_hops, s.levels.len());
}

#[test]
fn shape_1_msp_the_rsoo_idinf_goes_to_the_client_unchanged() {
    let s = lab(1);
    assert_eq!(s.idinfs(), vec![&idinf("example.com", HA1)]);
    assert_eq!(s.answer.case, Case::Msp);
    assert_eq!(s.answer.sent[0].source, Source::Rsoo { relay: 1 });
    assert_eq!(s.answer.sent[0].network, Some(name("example.com")));
    assert!(s.answer.rsoo_discarded.is_empty());
}

#[test]
fn shape_2_asp_the_configured_vdinf_and_nothing_from_the_rsoo() {
    let s = lab(2);
    assert_eq!(
        s.options()[2..],
        [DhcpOption::Mip6Vdinf(vec![DhcpOption::Mip6Haa(a(HA2))])]
    );
    assert!(!s.carries_octets_of(DECOY));
    assert_eq!(s.answer.case, Case::Asp);
    assert_eq!(s.answer.rsoo_discarded.len(), 1);
    assert_eq!(s.answer.rsoo_discarded[0].reason, RsooDropReason::AspCase);
}

#[test]
fn shape_3_a_non_rsoo_enabled_option_is_dropped_the_rest_kept() {
    let s = lab(3);
    assert_eq!(s.idinfs(), vec![&idinf("example.com", HA1)]);
    assert!(s.with_code(24).is_empty());
    let d = &s.answer.rsoo_discarded;
    assert_eq!(d.len(), 1);
    assert_eq!(
        (d[0].code, d[0].reason),
        (24, RsooDropReason::NotRsooEnabled)
    );
}

#[test]
fn shape_4_nested_rsoos_the_innermost_value_only() {
    let s = lab(4);
    assert_eq!(s.idinfs(), vec![&idinf("example.com", HA1)]);
    assert!(!s.carries_octets_of(DECOY));
    let d = &s.answer.rsoo_discarded;
    assert_eq!(d.len(), 1);
    assert_eq!((d[0].relay, d[0].reason), (2, RsooDropReason::Conflict));
}

#[test]
fn shape_5_the_own_vdinf_wins_over_the_rsoo_one() {
    let s = lab(5);
    assert_eq!(s.home_agents(), vec![a(HA2)]);
    assert_eq!(s.with_code(code::MIP6_VDINF).len(), 1);
    assert!(!s.carries_octets_of(DECOY));
}

#[test]
fn shape_6_an_unknown_network_gets_a_reply_without_any_home_agent() {
    let s = lab(6);
    assert_eq!(s.options().len(), 2, "{:?}", s.options());
    assert!(s.home_agents().is_empty());
}

#[test]
fn shape_7_one_idinf_per_network_each_with_its_hnidf() {
    let s = lab(7);
    let idinfs = s.idinfs();
    assert_eq!(idinfs.len(), 2);
    assert_eq!(idinfs[0], &idinf("example.com", HA1));
    assert_eq!(inner_hnidfs(idinfs[1]), vec![name("example.net")]);
    assert_eq!(inner_haas(idinfs[1]), vec![a(HA2)]);
    let sources: Vec<Source> = s.answer.sent.iter().map(|o| o.source).collect();
    assert_eq!(sources, vec![Source::Rsoo { relay: 1 }, Source::Table]);
}

#[test]
fn shape_8_without_an_rsoo_no_idinf_is_invented() {
    let s = lab(8);
    assert!(s.idinfs().is_empty());
    assert!(s.home_agents().is_empty());
}

// --- Each mutation changes the wire of a shape -----------------------------------------

/// (mutation, the shape that shows it, what its Reply holds under the mutation and not
/// without it).
type Shows = fn(&Served) -> bool;

#[rstest]
#[case::ignore_rsoo(|m: &mut ServerMutations| m.ignore_rsoo = true, 1,
    (|s: &Served| s.idinfs().is_empty()) as Shows)]
#[case::idinf_without_hnidf_rsoo(|m: &mut ServerMutations| m.idinf_without_hnidf = true, 1,
    (|s: &Served| inner_hnidfs(s.idinfs()[0]).is_empty()) as Shows)]
#[case::idinf_without_hnidf_table(|m: &mut ServerMutations| m.idinf_without_hnidf = true, 7,
    (|s: &Served| s.idinfs().iter().all(|i| inner_hnidfs(i).is_empty())) as Shows)]
#[case::vdinf_from_rsoo(|m: &mut ServerMutations| m.vdinf_from_rsoo = true, 2,
    (|s: &Served| s.home_agents() == vec![a(DECOY)]) as Shows)]
#[case::no_vdinf(|m: &mut ServerMutations| m.no_vdinf = true, 2,
    (|s: &Served| s.with_code(code::MIP6_VDINF).is_empty()) as Shows)]
#[case::keep_non_rsoo_enabled(|m: &mut ServerMutations| m.keep_non_rsoo_enabled = true, 3,
    (|s: &Served| s.with_code(24).len() == 1) as Shows)]
#[case::outermost_rsoo(|m: &mut ServerMutations| m.outermost_rsoo = true, 4,
    (|s: &Served| s.home_agents() == vec![a(DECOY)]) as Shows)]
#[case::every_rsoo_value(|m: &mut ServerMutations| m.every_rsoo_value = true, 4,
    (|s: &Served| s.idinfs().len() == 2 && s.home_agents() == vec![a(HA1), a(DECOY)]) as Shows)]
#[case::rsoo_over_own_candidate(|m: &mut ServerMutations| m.rsoo_over_own_candidate = true, 5,
    (|s: &Served| s.home_agents() == vec![a(DECOY)]) as Shows)]
#[case::idinf_for_every_table_entry_6(|m: &mut ServerMutations| m.idinf_for_every_table_entry = true, 6,
    (|s: &Served| s.home_agents() == vec![a(HA2)] && s.idinfs().len() == 1) as Shows)]
#[case::idinf_for_every_table_entry_1(|m: &mut ServerMutations| m.idinf_for_every_table_entry = true, 1,
    (|s: &Served| s.idinfs().len() == 2) as Shows)]
fn each_mutation_shows_on_the_wire(
    #[case] set: fn(&mut ServerMutations),
    #[case] n: u8,
    #[case] shows: Shows,
) {
    assert!(!shows(&lab(n)), "shape {n} shows it without the mutation");
    assert!(shows(&mutated(n, set)), "shape {n} does not show it");
}

#[rstest]
fn a_wrong_client_id_shows_on_every_shape(#[values(1, 2, 3, 4, 5, 6, 7, 8)] n: u8) {
    let s = mutated(n, |m| m.wrong_client_id = true);
    let DhcpOption::ClientId(sent) = &s.options()[1] else {
        panic!("{:?}", s.options())
    };
    assert_eq!(sent.duid_type(), client_duid(n).duid_type());
    assert_ne!(sent, &client_duid(n));
}

#[test]
fn ignoring_the_rsoo_leaves_the_table_answer_alone() {
    let s = mutated(7, |m| m.ignore_rsoo = true);
    assert_eq!(s.home_agents(), vec![a(HA2)]);
    assert!(!s.answer.rsoo_examined);
}

// --- Rules the shapes do not reach -----------------------------------------------------

#[test]
fn a_direct_request_gets_a_reply_on_port_546_on_the_receiving_interface() {
    let from: SocketAddr = format!("[{CLIENT_LL}]:546").parse().unwrap();
    let ir = information_request(9, &[code::MIP6_VDINF], &[]);
    let (t, e) = serve(lab_config(), from, &ir);
    assert_eq!(t.len(), 1, "{e:?}");
    let SocketAddr::V6(dst) = t[0].dst else {
        panic!()
    };
    assert_eq!(
        (*dst.ip(), dst.port(), dst.scope_id()),
        (a(CLIENT_LL), 546, 5)
    );
    let reply = Repr::from_bytes(&t[0].payload).unwrap();
    assert_eq!(reply.msg_type(), msg_type::REPLY);
    assert_eq!(
        reply.options()[2],
        DhcpOption::Mip6Vdinf(vec![DhcpOption::Mip6Haa(a(HA2))])
    );
}

#[test]
fn an_hnidf_is_answered_whatever_the_oro_and_the_vdinf_only_when_asked() {
    // RFC 6611 §4.2.1 (2) asks for 50 with an HNIDF (INTERP-6611-1): IDINF and VDINF.
    let ir = information_request(9, &[code::MIP6_VDINF], &["example.net"]);
    let s = serve_one(lab_config(), &forward(ir, 0, CLIENT_LL, None));
    assert_eq!(s.idinfs().len(), 1);
    assert_eq!(s.home_agents(), vec![a(HA2), a(HA2)]);
    assert_eq!(s.answer.sent[1].source, Source::Configured);
    // Without 50 in the ORO no VDINF, configured or not.
    let ir = information_request(9, &[code::MIP6_IDINF], &[]);
    let s = serve_one(lab_config(), &forward(ir, 0, CLIENT_LL, None));
    assert_eq!(s.options().len(), 2);
}

#[test]
fn the_aaa_idinf_replaces_the_table_one_for_the_same_network() {
    let ir = information_request(9, &[code::MIP6_IDINF], &["EXAMPLE.net"]);
    let request = forward(ir, 0, CLIENT_LL, Some(vec![idinf("example.net", HA1)]));
    let s = serve_one(lab_config(), &request);
    assert_eq!(s.idinfs(), vec![&idinf("example.net", HA1)]);
    assert_eq!(s.answer.sent[0].source, Source::Rsoo { relay: 1 });
}

#[test]
fn table_names_match_without_case_and_answer_with_the_client_spelling() {
    let ir = information_request(9, &[code::MIP6_IDINF], &["Example.NET", "example.net"]);
    let s = serve_one(lab_config(), &forward(ir, 0, CLIENT_LL, None));
    // The same network named twice: one IDINF, its HNIDF as the client first sent it.
    assert_eq!(s.idinfs().len(), 1);
    let hnidf = &inner_hnidfs(s.idinfs()[0])[0];
    assert_eq!(hnidf.to_string(), name("Example.NET").to_string());
    assert_eq!(s.answer.hnidfs.len(), 1);
}

#[test]
fn rsoo_idinfs_for_other_networks_or_none_are_dropped() {
    let no_hnidf = DhcpOption::Mip6Idinf(vec![DhcpOption::Mip6Haa(a(DECOY))]);
    let ir = information_request(9, &[code::MIP6_IDINF], &["example.com"]);
    let request = forward(
        ir,
        0,
        CLIENT_LL,
        Some(vec![idinf("elsewhere.example", DECOY), no_hnidf]),
    );
    let s = serve_one(lab_config(), &request);
    assert!(s.idinfs().is_empty());
    assert!(!s.carries_octets_of(DECOY));
    let reasons: Vec<RsooDropReason> = s.answer.rsoo_discarded.iter().map(|d| d.reason).collect();
    assert_eq!(
        reasons,
        vec![
            RsooDropReason::NoHomeNetwork,
            RsooDropReason::UnrequestedNetwork
        ]
    );
}

#[test]
fn an_rsoo_option_the_server_has_no_candidate_for_is_added_in_the_msp_case() {
    // RFC 6422 §6 SHOULD add: no VDINF configured, the relay's goes out, ORO or not.
    let mut c = lab_config();
    c.vdinf_ha = None;
    let vdinf = DhcpOption::Mip6Vdinf(vec![DhcpOption::Mip6Haa(a(HA1))]);
    let ir = information_request(9, &[code::MIP6_IDINF], &["example.com"]);
    let s = serve_one(c, &forward(ir, 0, CLIENT_LL, Some(vec![vdinf.clone()])));
    assert_eq!(s.with_code(code::MIP6_VDINF), vec![&vdinf]);
    // With its own VDINF requested, the relay's is discarded (RFC 6422 §6 SHOULD).
    let ir = information_request(9, &[code::MIP6_VDINF], &["example.com"]);
    let s = serve_one(lab_config(), &forward(ir, 0, CLIENT_LL, Some(vec![vdinf])));
    assert_eq!(s.home_agents(), vec![a(HA2)]);
    assert_eq!(
        s.answer.rsoo_discarded[0].reason,
        RsooDropReason::OwnCandidate
    );
}

#[test]
fn rsoo_enabled_is_ianas_list_plus_the_configured_codes() {
    assert_eq!(IANA_RSOO_ENABLED, &[65]);
    let erp = DhcpOption::Other {
        code: 65,
        data: name("erp.example.").to_bytes(),
    };
    let ir = information_request(9, &[code::MIP6_IDINF], &["example.com"]);
    let request = forward(
        ir,
        0,
        CLIENT_LL,
        Some(vec![erp.clone(), idinf("example.com", HA1)]),
    );
    // Nothing configured: 65 passes, 69 does not (RFC 6422 to the letter, INTERP-6611-4).
    let s = serve_one(ServerConfig::new(server_duid(), 0), &request);
    assert_eq!(s.options()[2..], *std::slice::from_ref(&erp));
    assert_eq!(
        s.answer.rsoo_discarded[0].reason,
        RsooDropReason::NotRsooEnabled
    );
    let s = serve_one(lab_config(), &request);
    assert_eq!(s.options()[2..], [idinf("example.com", HA1), erp]);
}

#[test]
fn conflicting_values_in_one_rsoo_keep_the_first() {
    let ir = information_request(9, &[code::MIP6_IDINF], &["example.com"]);
    let request = forward(
        ir,
        0,
        CLIENT_LL,
        Some(vec![idinf("example.com", HA1), idinf("example.com", DECOY)]),
    );
    let s = serve_one(lab_config(), &request);
    assert_eq!(s.home_agents(), vec![a(HA1)]);
}

#[test]
fn a_request_without_client_id_is_answered_without_one() {
    let ir = Repr::ClientServer {
        msg_type: msg_type::INFORMATION_REQUEST,
        transaction_id: XID,
        options: vec![DhcpOption::Oro(vec![code::MIP6_VDINF])],
    };
    let s = serve_one(lab_config(), &forward(ir, 0, CLIENT_LL, None));
    assert!(s.with_code(code::CLIENTID).is_empty());
    assert_eq!(s.home_agents(), vec![a(HA2)]);
}

#[rstest]
#[case::another_server(DhcpOption::ServerId(Duid::En { enterprise_number: 1, identifier: b"x".to_vec() }),
    Some(IgnoreReason::ForAnotherServer))]
#[case::its_own_server_id(DhcpOption::ServerId(server_duid()), None)]
#[case::ia_na(DhcpOption::Other { code: 3, data: vec![0; 12] }, Some(IgnoreReason::CarriesIa(3)))]
#[case::ia_pd(DhcpOption::Other { code: 25, data: vec![0; 12] }, Some(IgnoreReason::CarriesIa(25)))]
fn rfc_8415_16_12_discards(#[case] extra: DhcpOption, #[case] expected: Option<IgnoreReason>) {
    let Repr::ClientServer {
        msg_type,
        transaction_id,
        mut options,
    } = information_request(9, &[code::MIP6_VDINF], &[])
    else {
        unreachable!()
    };
    options.push(extra);
    let ir = Repr::ClientServer {
        msg_type,
        transaction_id,
        options,
    };
    let (t, e) = serve(lab_config(), from_relay(), &forward(ir, 0, CLIENT_LL, None));
    match expected {
        Some(reason) => {
            assert!(t.is_empty());
            assert_eq!(
                e,
                vec![ServerEvent::Ignored {
                    from: from_relay(),
                    reason
                }]
            );
        }
        None => assert_eq!(t.len(), 1),
    }
}

#[test]
fn other_messages_are_ignored_and_say_why() {
    let reasons = |bytes: &[u8]| -> IgnoreReason {
        let (t, e) = serve_bytes(lab_config(), from_relay(), bytes);
        assert!(t.is_empty());
        match e.as_slice() {
            [ServerEvent::Ignored { reason, .. }] => reason.clone(),
            other => panic!("{other:?}"),
        }
    };
    let solicit = Repr::ClientServer {
        msg_type: msg_type::SOLICIT,
        transaction_id: 1,
        options: vec![],
    };
    assert_eq!(
        reasons(&forward(solicit, 0, CLIENT_LL, None).to_bytes().unwrap()),
        IgnoreReason::NotInformationRequest(msg_type::SOLICIT)
    );
    let empty_forward = Repr::Relay {
        msg_type: msg_type::RELAY_FORW,
        hop_count: 0,
        link_address: a(LINK),
        peer_address: a(CLIENT_LL),
        options: vec![],
    };
    assert_eq!(
        reasons(&empty_forward.to_bytes().unwrap()),
        IgnoreReason::NoRelayMessage
    );
    assert!(matches!(reasons(&[11, 0]), IgnoreReason::Malformed(_)));
    // A Relay-reply is a server's, never a request.
    let mut reply = empty_forward.to_bytes().unwrap();
    reply[0] = msg_type::RELAY_REPL;
    assert_eq!(
        reasons(&reply),
        IgnoreReason::NotInformationRequest(msg_type::RELAY_REPL)
    );
}

#[test]
fn an_outer_relay_from_another_address_gets_its_relay_reply() {
    let s = serve_one(lab_config(), &shape(4));
    let (t, _) = serve(
        lab_config(),
        SocketAddr::new(a(OUTER_RELAY).into(), 547),
        &shape(4),
    );
    assert_eq!(t[0].dst, SocketAddr::new(a(OUTER_RELAY).into(), 547));
    assert_eq!(t[0].payload, s.datagram.payload);
}

proptest! {
    #[test]
    fn any_bytes_get_an_event_and_never_a_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let (t, e) = serve_bytes(lab_config(), from_relay(), &bytes);
        prop_assert_eq!(e.len(), 1);
        prop_assert!(t.len() <= 1);
    }

    #[test]
    fn damaged_shapes_never_panic(n in 1u8..=8, at in any::<prop::sample::Index>(), value in any::<u8>(), cut in any::<prop::sample::Index>()) {
        let mut bytes = shape(n).to_bytes().unwrap();
        let i = at.index(bytes.len());
        bytes[i] = value;
        let keep = cut.index(bytes.len() + 1);
        let mut c = lab_config();
        c.mutations = ServerMutations {
            every_rsoo_value: n % 2 == 0,
            rsoo_over_own_candidate: n % 3 == 0,
            idinf_for_every_table_entry: true,
            ..ServerMutations::default()
        };
        let (_, e) = serve_bytes(c, from_relay(), &bytes[..keep]);
        prop_assert_eq!(e.len(), 1);
    }
}

#[test]
fn knob_empty_containers_strips_each_containers_information() {
    let s = mutated(1, |m| m.empty_containers = true);
    let idinfs = s.idinfs();
    assert_eq!(idinfs.len(), 1);
    assert_eq!(inner_hnidfs(idinfs[0]), vec![name("example.com")]);
    assert!(inner_haas(idinfs[0]).is_empty());
    let s = mutated(2, |m| m.empty_containers = true);
    let vdinf = s
        .reply
        .options()
        .iter()
        .find(|o| o.code() == code::MIP6_VDINF);
    assert_eq!(vdinf.and_then(|v| v.contained()).map(|i| i.len()), Some(0));
}

#[test]
fn knob_bare_haa_too_repeats_the_has_at_the_top_level() {
    let s = mutated(1, |m| m.bare_haa_too = true);
    assert!(s
        .reply
        .options()
        .iter()
        .any(|o| *o == DhcpOption::Mip6Haa(a(HA1))));
    // Conforming: HAAs only inside containers.
    let s = lab(1);
    assert!(!s
        .reply
        .options()
        .iter()
        .any(|o| matches!(o, DhcpOption::Mip6Haa(_))));
}
