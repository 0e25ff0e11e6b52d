//! The DHCPv6 server judges on synthesised captures: the stimulus relay's real Relay-forwards
//! (`mip6lab_engines::dhcpv6::relay_stimulus`), and Relay-replies built here from what each
//! shape expects of a conforming server (or, per test, of one that breaks the rule), written
//! into a pcap and decoded as a lab's capture is (`mip6lab_suite::synth`).

use mip6lab_engines::dhcpv6::relay_stimulus::{self as stim, Shape};
use mip6lab_suite::synth::{observation_of, UdpDatagram};
use mip6lab_suite::{Observation, Outcome, Verdict};
use mip6lab_suite_integrated::dhcp_server as server;
use mip6lab_suite_integrated::dhcp_udinf as udinf;
use mip6lab_wire::dhcpv6::{msg_type, DhcpOption, Duid, Fqdn, Repr};
use std::net::Ipv6Addr;

const RELAY: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 2, 0, 0, 0, 0, 0xb);
const DHCP: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 2, 0, 0, 0, 0, 0x47);

type Judge = fn(&Observation) -> Outcome;

const JUDGES: &[(&str, Judge)] = &[
    ("msp", server::judge_msp_idinf_from_rsoo),
    ("asp", server::judge_asp_vdinf_from_configuration),
    ("rsoo-enabled", server::judge_drops_non_rsoo_enabled),
    ("nested", server::judge_innermost_rsoo_wins),
    ("own-candidate", server::judge_own_candidate_preferred),
    ("unknown", server::judge_nothing_for_an_unknown_network),
    ("two-networks", server::judge_one_idinf_per_network),
    ("no-rsoo", server::judge_nothing_without_rsoo),
    ("client-id", server::judge_answers_each_client),
    ("same-reply", server::judge_rsoo_changes_nothing_else),
    ("udinf", udinf::judge_udinf_holds_information),
    ("haf", udinf::judge_haf_well_formed_in_containers),
];

fn fqdn(s: &str) -> Fqdn {
    Fqdn::from_dotted(s).unwrap()
}

fn idinf(network: &str, ha: Ipv6Addr, prefix: bool) -> DhcpOption {
    let mut o = vec![
        DhcpOption::Mip6Hnidf(fqdn(network)),
        DhcpOption::Mip6Haa(ha),
    ];
    if prefix {
        o.push(DhcpOption::Mip6Hnp {
            prefix_len: stim::MSP_PREFIX.0,
            prefix: stim::MSP_PREFIX.1,
        });
    }
    DhcpOption::Mip6Idinf(o)
}

fn vdinf(ha: Ipv6Addr) -> DhcpOption {
    DhcpOption::Mip6Vdinf(vec![DhcpOption::Mip6Haa(ha)])
}

/// What a conforming server puts after SERVERID and CLIENTID, per the shape's expectation.
fn conforming_options(shape: Shape) -> Vec<DhcpOption> {
    match shape {
        Shape::Msp | Shape::NotEnabled => vec![idinf(stim::HOME_NETWORK, stim::HA1, true)],
        Shape::Asp | Shape::OwnCandidate => vec![vdinf(stim::HA2)],
        Shape::Nested => vec![idinf(stim::HOME_NETWORK, stim::HA1, false)],
        Shape::UnknownNetwork | Shape::NoRsoo => vec![],
        Shape::Unrestricted => vec![DhcpOption::Mip6Udinf(vec![DhcpOption::Mip6Haf(fqdn(
            "ha2.example.com",
        ))])],
        Shape::DownstreamPlain | Shape::DownstreamRsoo | Shape::DownstreamNested => {
            unreachable!("{shape} is sent to a relay, not to a server")
        }
        Shape::TwoNetworks => vec![
            idinf(stim::HOME_NETWORK, stim::HA1, false),
            idinf(stim::TABLE_NETWORK, stim::HA2, false),
        ],
    }
}

fn server_duid() -> Duid {
    Duid::En {
        enterprise_number: 32473,
        identifier: b"server".to_vec(),
    }
}

/// A Reply to `shape`'s client: SERVERID, CLIENTID, then `options`.
fn reply_with(shape: Shape, options: Vec<DhcpOption>) -> Repr {
    let mut all = vec![
        DhcpOption::ServerId(server_duid()),
        DhcpOption::ClientId(shape.client_duid()),
    ];
    all.extend(options);
    Repr::ClientServer {
        msg_type: msg_type::REPLY,
        transaction_id: shape.transaction_id(),
        options: all,
    }
}

fn conforming(shape: Shape) -> Option<Repr> {
    Some(reply_with(shape, conforming_options(shape)))
}

/// The Relay-reply around `reply` for `forward`: each level's header and Interface-Id copied.
fn relay_reply(forward: &Repr, reply: Repr) -> Repr {
    let Repr::Relay {
        hop_count,
        link_address,
        peer_address,
        options,
        ..
    } = forward
    else {
        return reply;
    };
    let mut out: Vec<DhcpOption> = options
        .iter()
        .filter(|o| matches!(o, DhcpOption::InterfaceId(_)))
        .cloned()
        .collect();
    let inner = relay_reply(forward.relayed().expect("a relayed message"), reply);
    out.push(DhcpOption::RelayMsg(Box::new(inner)));
    Repr::Relay {
        msg_type: msg_type::RELAY_REPL,
        hop_count: *hop_count,
        link_address: *link_address,
        peer_address: *peer_address,
        options: out,
    }
}

fn datagram(src: Ipv6Addr, dst: Ipv6Addr, m: &Repr) -> UdpDatagram {
    UdpDatagram {
        src: (src, 547),
        dst: (dst, 547),
        payload: m.to_bytes().unwrap(),
    }
}

/// The run: for each shape `sent` lets through, the relay's Relay-forward and, when `answer`
/// gives a Reply, the server's Relay-reply (or the whole Relay-reply `answer_relayed` builds).
fn run_with(
    sent: impl Fn(Shape) -> bool,
    relayed: impl Fn(Shape, &Repr) -> Option<Repr>,
) -> Observation {
    let mut datagrams = Vec::new();
    for shape in stim::SHAPES.into_iter().filter(|s| sent(*s)) {
        let forward = shape.relay_forward(RELAY);
        datagrams.push(datagram(RELAY, DHCP, &forward));
        if let Some(r) = relayed(shape, &forward) {
            datagrams.push(datagram(DHCP, RELAY, &r));
        }
    }
    observation_of("asp", &datagrams, &[(RELAY, "RELAY"), (DHCP, "DHCP")]).unwrap()
}

/// Every shape sent; `answer` gives each Reply (None: unanswered), wrapped as it should be.
fn run(answer: impl Fn(Shape) -> Option<Repr>) -> Observation {
    run_with(|_| true, |s, f| answer(s).map(|r| relay_reply(f, r)))
}

/// Conforming except for `shape`, answered with `options` after SERVERID and CLIENTID.
fn run_except(shape: Shape, options: Vec<DhcpOption>) -> Observation {
    let options = std::cell::RefCell::new(Some(options));
    run(|s| {
        if s == shape {
            Some(reply_with(s, options.borrow_mut().take().unwrap()))
        } else {
            conforming(s)
        }
    })
}

fn verdict(obs: &Observation, judge: Judge) -> (Verdict, String) {
    let o = judge(obs);
    (o.verdict, o.reason)
}

fn assert_fails(obs: &Observation, judge: Judge, needle: &str) {
    let (v, reason) = verdict(obs, judge);
    assert_eq!(v, Verdict::Fail, "{reason}");
    assert!(reason.contains(needle), "`{needle}` not in: {reason}");
    assert!(
        !judge(obs).evidence.is_empty(),
        "a FAIL shows its frames: {reason}"
    );
}

#[test]
fn the_judges_know_the_relays_shapes() {
    assert_eq!(server::SHAPES.len(), stim::SHAPES.len());
    for (mine, theirs) in server::SHAPES.iter().zip(stim::SHAPES) {
        assert_eq!((mine.number, mine.name), (theirs.number(), theirs.name()));
        let mac: String = theirs
            .client_mac()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(mine.client_lladdr(), mac);
    }
}

#[test]
fn a_conforming_server_passes_every_test() {
    let obs = run(conforming);
    for (name, judge) in JUDGES {
        let (v, reason) = verdict(&obs, *judge);
        assert_eq!(v, Verdict::Pass, "{name}: {reason}");
    }
}

#[test]
fn a_silent_server_or_no_stimulus_gets_no_pass() {
    for obs in [run(|_| None), run_with(|_| false, |_, _| None)] {
        for (name, judge) in JUDGES {
            let (v, reason) = verdict(&obs, *judge);
            assert_eq!(v, Verdict::Inconclusive, "{name}: {reason}");
        }
    }
}

#[test]
fn a_shape_missing_from_the_wire_is_not_exercised() {
    let obs = run_with(
        |s| s != Shape::NotEnabled,
        |s, f| conforming(s).map(|r| relay_reply(f, r)),
    );
    let o = server::judge_drops_non_rsoo_enabled(&obs);
    assert_eq!(o.verdict, Verdict::Inconclusive, "{}", o.reason);
    assert!(o.not_reached.is_some());
    // The others still judge their own shapes.
    let (v, reason) = verdict(&obs, server::judge_msp_idinf_from_rsoo);
    assert_eq!(v, Verdict::Pass, "{reason}");
}

#[test]
fn a_shape_left_unanswered_fails_where_the_answer_is_the_requirement() {
    for (shape, judge) in [
        (
            Shape::NotEnabled,
            server::judge_drops_non_rsoo_enabled as Judge,
        ),
        (
            Shape::UnknownNetwork,
            server::judge_nothing_for_an_unknown_network,
        ),
        (Shape::NoRsoo, server::judge_nothing_without_rsoo),
    ] {
        let obs = run(|s| if s == shape { None } else { conforming(s) });
        assert_fails(&obs, judge, "RFC 8415 §18.3.6");
        assert_fails(&obs, server::judge_answers_each_client, "RFC 8415 §18.3.6");
    }
    // Where the requirement is about a Reply's content: nothing to judge.
    let obs = run(|s| if s == Shape::Msp { None } else { conforming(s) });
    let (v, reason) = verdict(&obs, server::judge_msp_idinf_from_rsoo);
    assert_eq!(v, Verdict::Inconclusive, "{reason}");
}

#[test]
fn msp_fails_without_the_rsoo_idinf_or_with_the_servers_own() {
    let obs = run_except(Shape::Msp, vec![]);
    assert_fails(
        &obs,
        server::judge_msp_idinf_from_rsoo,
        "no IDINF for example.com",
    );
    let obs = run_except(Shape::Msp, vec![idinf(stim::HOME_NETWORK, stim::HA2, true)]);
    assert_fails(&obs, server::judge_msp_idinf_from_rsoo, "not the AAA's HA");
    let obs = run_except(
        Shape::Msp,
        vec![
            DhcpOption::Mip6Hnidf(fqdn(stim::HOME_NETWORK)),
            idinf(stim::HOME_NETWORK, stim::HA1, true),
        ],
    );
    assert_fails(&obs, server::judge_msp_idinf_from_rsoo, "top level");
    let obs = run_except(
        Shape::Msp,
        vec![idinf(stim::HOME_NETWORK, stim::HA1, false)],
    );
    assert_fails(&obs, server::judge_msp_idinf_from_rsoo, "not the RSOO's");
    let obs = run_except(
        Shape::Msp,
        vec![DhcpOption::Mip6Idinf(vec![DhcpOption::Mip6Haa(stim::HA1)])],
    );
    assert_fails(&obs, server::judge_msp_idinf_from_rsoo, "has no HNIDF");
}

#[test]
fn asp_fails_on_the_rsoo_ha_or_without_the_configured_vdinf() {
    let obs = run_except(
        Shape::Asp,
        vec![DhcpOption::Mip6Vdinf(vec![
            DhcpOption::Mip6Haa(stim::HA2),
            DhcpOption::Mip6Haa(stim::DECOY_HA),
        ])],
    );
    assert_fails(
        &obs,
        server::judge_asp_vdinf_from_configuration,
        "2001:db8:2::dec0",
    );
    let obs = run_except(Shape::Asp, vec![]);
    assert_fails(&obs, server::judge_asp_vdinf_from_configuration, "no VDINF");
    let obs = run_except(
        Shape::Asp,
        vec![
            vdinf(stim::HA2),
            idinf(stim::HOME_NETWORK, stim::HA1, false),
        ],
    );
    assert_fails(&obs, server::judge_asp_vdinf_from_configuration, "IDINF");
}

#[test]
fn a_non_enabled_option_taken_from_the_rsoo_fails() {
    let domain_list = DhcpOption::Other {
        code: 24,
        data: [
            fqdn("example.org").to_bytes(),
            fqdn(stim::RSOO_DECOY_DOMAIN).to_bytes(),
        ]
        .concat(),
    };
    let obs = run_except(
        Shape::NotEnabled,
        vec![idinf(stim::HOME_NETWORK, stim::HA1, true), domain_list],
    );
    assert_fails(
        &obs,
        server::judge_drops_non_rsoo_enabled,
        "rsoo-decoy.example.",
    );
    // Dropping the whole RSOO is no way to discard one option.
    let obs = run_except(Shape::NotEnabled, vec![]);
    assert_fails(
        &obs,
        server::judge_drops_non_rsoo_enabled,
        "judged on its own",
    );
    // An option 24 of the server's own is none of the RSOO's business.
    let own = DhcpOption::Other {
        code: 24,
        data: fqdn("example.org").to_bytes(),
    };
    let obs = run_except(
        Shape::NotEnabled,
        vec![idinf(stim::HOME_NETWORK, stim::HA1, true), own],
    );
    let (v, reason) = verdict(&obs, server::judge_drops_non_rsoo_enabled);
    assert_eq!(v, Verdict::Pass, "{reason}");
}

#[test]
fn nested_rsoos_fail_with_two_idinfs_or_the_outer_value() {
    let obs = run_except(
        Shape::Nested,
        vec![
            idinf(stim::HOME_NETWORK, stim::HA1, false),
            idinf(stim::HOME_NETWORK, stim::DECOY_HA, false),
        ],
    );
    assert_fails(&obs, server::judge_innermost_rsoo_wins, "2 IDINFs");
    let obs = run_except(
        Shape::Nested,
        vec![idinf(stim::HOME_NETWORK, stim::DECOY_HA, false)],
    );
    assert_fails(
        &obs,
        server::judge_innermost_rsoo_wins,
        "outer relay's value",
    );
    let obs = run_except(Shape::Nested, vec![]);
    assert_fails(&obs, server::judge_innermost_rsoo_wins, "no IDINF");
    let obs = run_except(
        Shape::Nested,
        vec![
            idinf(stim::HOME_NETWORK, stim::HA1, false),
            idinf(stim::TABLE_NETWORK, stim::HA2, false),
        ],
    );
    assert_fails(&obs, server::judge_innermost_rsoo_wins, "did not name");
}

#[test]
fn the_rsoo_vdinf_over_the_servers_own_fails() {
    let obs = run_except(Shape::OwnCandidate, vec![vdinf(stim::DECOY_HA)]);
    assert_fails(
        &obs,
        server::judge_own_candidate_preferred,
        "2001:db8:2::dec0",
    );
    let obs = run_except(
        Shape::OwnCandidate,
        vec![vdinf(stim::HA2), vdinf(stim::HA2)],
    );
    assert_fails(&obs, server::judge_own_candidate_preferred, "one VDINF");
}

#[test]
fn an_invented_home_agent_fails() {
    let invented: Ipv6Addr = "2001:db8:9::1".parse().unwrap();
    let obs = run_except(
        Shape::UnknownNetwork,
        vec![idinf("unknown.example", invented, false)],
    );
    assert_fails(&obs, server::judge_nothing_for_an_unknown_network, "IDINF");
    let obs = run_except(Shape::UnknownNetwork, vec![vdinf(invented)]);
    assert_fails(
        &obs,
        server::judge_nothing_for_an_unknown_network,
        "2001:db8:9::1",
    );
    let obs = run_except(
        Shape::UnknownNetwork,
        vec![DhcpOption::StatusCode {
            status: 6,
            message: "no such network".into(),
        }],
    );
    assert_fails(
        &obs,
        server::judge_nothing_for_an_unknown_network,
        "status 6",
    );
    // An unrequested VDINF with the configured HA is no invention (RFC 8415 §18.3.6).
    let obs = run_except(Shape::UnknownNetwork, vec![vdinf(stim::HA2)]);
    let (v, reason) = verdict(&obs, server::judge_nothing_for_an_unknown_network);
    assert_eq!(v, Verdict::Pass, "{reason}");
}

#[test]
fn two_networks_fail_without_the_table_entry_or_its_hnidf() {
    let obs = run_except(
        Shape::TwoNetworks,
        vec![idinf(stim::HOME_NETWORK, stim::HA1, false)],
    );
    assert_fails(
        &obs,
        server::judge_one_idinf_per_network,
        "example.net, which is in the server's table",
    );
    let obs = run_except(
        Shape::TwoNetworks,
        vec![
            idinf(stim::HOME_NETWORK, stim::HA1, false),
            DhcpOption::Mip6Idinf(vec![DhcpOption::Mip6Haa(stim::HA2)]),
        ],
    );
    assert_fails(&obs, server::judge_one_idinf_per_network, "has no HNIDF");
    let obs = run_except(
        Shape::TwoNetworks,
        vec![
            idinf(stim::HOME_NETWORK, stim::HA1, false),
            idinf(stim::TABLE_NETWORK, stim::DECOY_HA, false),
        ],
    );
    assert_fails(
        &obs,
        server::judge_one_idinf_per_network,
        "not the table's entry",
    );
}

#[test]
fn an_idinf_from_earlier_rsoos_fails_without_one() {
    let obs = run_except(
        Shape::NoRsoo,
        vec![idinf(stim::HOME_NETWORK, stim::HA1, true)],
    );
    assert_fails(
        &obs,
        server::judge_nothing_without_rsoo,
        "earlier clients' RSOOs",
    );
}

#[test]
fn a_reply_to_the_wrong_client_or_a_mangled_relay_reply_fails() {
    // No Client Identifier: still found by transaction-id, and failed.
    let obs = run(|s| {
        let mut r = conforming(s)?;
        if s == Shape::Asp {
            let Repr::ClientServer { options, .. } = &mut r else {
                unreachable!()
            };
            options.retain(|o| !matches!(o, DhcpOption::ClientId(_)));
        }
        Some(r)
    });
    assert_fails(
        &obs,
        server::judge_answers_each_client,
        "no Client Identifier",
    );
    // Another transaction-id: found by DUID, and failed.
    let obs = run(|s| {
        let mut r = conforming(s)?;
        if let (Shape::NoRsoo, Repr::ClientServer { transaction_id, .. }) = (s, &mut r) {
            *transaction_id ^= 1;
        }
        Some(r)
    });
    assert_fails(&obs, server::judge_answers_each_client, "transaction-id");
    // The Interface-Id not copied back.
    let obs = run_with(
        |_| true,
        |s, f| {
            let mut rr = relay_reply(f, conforming(s)?);
            if let (Shape::Msp, Repr::Relay { options, .. }) = (s, &mut rr) {
                options.retain(|o| !matches!(o, DhcpOption::InterfaceId(_)));
            }
            Some(rr)
        },
    );
    assert_fails(&obs, server::judge_answers_each_client, "Interface-Id");
    // One relay level answered for two.
    let obs = run_with(
        |_| true,
        |s, f| {
            let reply = conforming(s)?;
            Some(match s {
                Shape::Nested => relay_reply(f.relayed().unwrap(), reply),
                _ => relay_reply(f, reply),
            })
        },
    );
    assert_fails(&obs, server::judge_answers_each_client, "relay levels");
}

#[test]
fn an_rsoo_that_changes_other_options_fails() {
    let obs = run_except(
        Shape::Msp,
        vec![
            idinf(stim::HOME_NETWORK, stim::HA1, true),
            DhcpOption::InformationRefreshTime(600),
        ],
    );
    assert_fails(
        &obs,
        server::judge_rsoo_changes_nothing_else,
        "other options",
    );
}
