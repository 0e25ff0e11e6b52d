//! The stimulus DHCPv6 server (`dhcpv6::stimulus`): each reply shape read back with the wire
//! codec, and fed to the reference client (`dhcpv6::Client`), directly and through the NAS
//! relay (`dhcpv6::Relay`), whose outcome must be what the shape's documentation says a
//! conforming client does. A client mutant (`keep_unmatched_idinf`) shows the decoy is where
//! a rule-breaking client goes.

mod dhcpv6_common;
use dhcpv6_common::seeded_rng;
use mip6lab_engines::dhcpv6::client::{ClientEvent, DropReason, HaCandidate};
use mip6lab_engines::dhcpv6::stimulus::{
    Answer, IgnoreReason, OfferedHa, WithheldReason, DECOY_HA_NAME, IPV4_EMBEDDED_HA,
    TRANSACTION_ID_FLIP,
};
use mip6lab_engines::dhcpv6::{
    AccessLink, Client, ClientConfig, Expectation, HomeNetworkRequest, Relay, RelayConfig,
    RelayInput, Shape, Stimulus, StimulusConfig, StimulusEvent, SHAPES,
};
use mip6lab_engines::io::{Datagram, SansIo, Transmit};
use mip6lab_wire::dhcpv6::{code, msg_type, DhcpOption, Duid, Fqdn, Repr};
use rstest::rstest;
use std::net::{Ipv6Addr, SocketAddr, SocketAddrV6};

const MSP: &str = "msp.example.net";
const HA: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0xf, 0, 0, 0, 0, 1);
const DECOY: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0xd, 0, 0, 0, 0, 0xdec0);
const PREFIX: (u8, Ipv6Addr) = (64, Ipv6Addr::new(0x2001, 0xdb8, 1, 0x100, 0, 0, 0, 0));
const MN_LL: Ipv6Addr = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0xff, 0xfe00, 1);
const RELAY_ADDR: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 5, 0, 0, 0, 0, 1);
const ACCESS_LINK: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0xa0, 0, 0, 0, 0, 1);
const SERVER: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 5, 0, 0, 0, 0, 0x547);

fn name(s: &str) -> Fqdn {
    Fqdn::from_dotted(s).unwrap()
}

fn server_duid() -> Duid {
    Duid::En {
        enterprise_number: 32473,
        identifier: b"stimulus".to_vec(),
    }
}

/// The requests a mobile node makes (RFC 6611 §4.2.1, §4.2.2; RFC 6610 §4.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Case {
    /// IDINF with an HNIDF, VDINF also in the ORO (the reference MN's MSP request).
    Msp,
    /// IDINF with an HNIDF only.
    MspIdinfOnly,
    /// VDINF, no HNIDF.
    Asp,
    /// UDINF only.
    Unrestricted,
}

fn client_config(case: Case) -> ClientConfig {
    let request = match case {
        Case::Msp | Case::MspIdinfOnly => HomeNetworkRequest::Identified {
            home_networks: vec![name(MSP)],
        },
        Case::Asp => HomeNetworkRequest::Visited,
        Case::Unrestricted => HomeNetworkRequest::Unrestricted,
    };
    let mut c = ClientConfig::new(
        Duid::Ll {
            hardware_type: 1,
            link_layer_address: vec![2, 0, 0, 0, 0, 1],
        },
        request,
        7,
    );
    c.initial_delay = false;
    c.msp_also_requests_vdinf = case != Case::MspIdinfOnly;
    c
}

fn stimulus_config(shape: Shape) -> StimulusConfig {
    let mut c = StimulusConfig::new(server_duid(), HA, DECOY, shape, 7);
    c.home_link_prefix = Some(PREFIX);
    c
}

fn from_mn() -> SocketAddr {
    SocketAddr::V6(SocketAddrV6::new(MN_LL, 546, 0, 7))
}

/// The answer event, or the reason it was withheld.
fn answer_of(events: &[StimulusEvent]) -> Result<&Answer, WithheldReason> {
    match events {
        [StimulusEvent::Answered(a)] => Ok(a),
        [StimulusEvent::Withheld { reason, .. }] => Err(*reason),
        other => panic!("one answer or withholding expected: {other:?}"),
    }
}

/// What the client did with what it got, as an [`Expectation`]; a dropped or missing Reply
/// must lead to a retransmission with the same transaction-id.
fn client_outcome(client: &mut Client, replies: &[Transmit], xid: u32) -> Expectation {
    for r in replies {
        client.handle_input(10, Datagram::new(r.dst, &r.payload));
    }
    let (_, events) = client.drain();
    match events.first() {
        Some(ClientEvent::Configured(o)) => match &o.chosen {
            Some(c) => match &c.home_agent {
                HaCandidate::Address(a) => Expectation::UseHomeAgent(*a),
                HaCandidate::Fqdn(_) => Expectation::UseNamedHomeAgent,
            },
            None => Expectation::NoHomeAgent,
        },
        Some(ClientEvent::Dropped(_)) | None => {
            assert!(
                events.iter().all(|e| matches!(e, ClientEvent::Dropped(_))),
                "{events:?}"
            );
            let at = client.next_timeout().expect("a retransmission is due");
            client.handle_timeout(at);
            let (t, e) = client.drain();
            assert_eq!(t.len(), 1, "one retransmission");
            assert!(
                matches!(e[0], ClientEvent::Sent { transaction_id, attempt: 2, .. } if transaction_id == xid),
                "{e:?}"
            );
            Expectation::Retransmit
        }
        Some(other) => panic!("unexpected client event {other:?}"),
    }
}

/// One exchange, client straight to the server: what the server said, and what the client did.
fn exchange(shape: Shape, case: Case) -> (Result<Answer, WithheldReason>, Expectation) {
    exchange_with(shape, client_config(case))
}

fn exchange_with(
    shape: Shape,
    config: ClientConfig,
) -> (Result<Answer, WithheldReason>, Expectation) {
    let mut client = Client::new(config, seeded_rng(42));
    client.start(0);
    let (t, e) = SansIo::drain(&mut client);
    let ClientEvent::Sent { transaction_id, .. } = e[0] else {
        panic!("{e:?}")
    };
    let mut server = Stimulus::new(stimulus_config(shape));
    server.handle_input(0, Datagram::new(from_mn(), &t[0].payload));
    let (replies, events) = SansIo::drain(&mut server);
    let answer = answer_of(&events).cloned();
    if let Ok(a) = &answer {
        assert_eq!(
            a.to,
            from_mn(),
            "a Reply goes to the client's source, port 546"
        );
        assert!(replies
            .iter()
            .all(|r| r.dst == a.to && r.payload == a.reply.payload));
        assert_eq!(replies.len() as u32, a.copies);
    } else {
        assert!(replies.is_empty());
    }
    let outcome = client_outcome(&mut client, &replies, transaction_id);
    (answer, outcome)
}

fn expectation_of(answer: &Result<Answer, WithheldReason>) -> Expectation {
    match answer {
        Ok(a) => a.reply.expectation,
        Err(_) => Expectation::Retransmit,
    }
}

use Case::*;
use Expectation::{NoHomeAgent as None_, Retransmit, UseHomeAgent, UseNamedHomeAgent};

/// The module documentation's table, written out per request: the reference client must
/// do this, and the server must predict it.
#[rstest]
#[case::proper_msp(Shape::Proper, Msp, UseHomeAgent(HA))]
#[case::proper_asp(Shape::Proper, Asp, UseHomeAgent(HA))]
#[case::proper_udinf(Shape::Proper, Unrestricted, UseHomeAgent(HA))]
#[case::vdinf_asp(Shape::Vdinf, Asp, UseHomeAgent(HA))]
#[case::vdinf_msp(Shape::Vdinf, Msp, UseHomeAgent(HA))]
#[case::vdinf_not_requested(Shape::Vdinf, MspIdinfOnly, None_)]
#[case::udinf(Shape::Udinf, Unrestricted, UseHomeAgent(HA))]
#[case::udinf_not_requested(Shape::Udinf, Asp, None_)]
#[case::idinf_matching(Shape::IdinfMatching, Msp, UseHomeAgent(HA))]
#[case::idinf_matching_idinf_only(Shape::IdinfMatching, MspIdinfOnly, UseHomeAgent(HA))]
#[case::idinf_matching_without_hnidf(Shape::IdinfMatching, Asp, None_)]
#[case::idinf_unmatched(Shape::IdinfUnmatched, Msp, None_)]
#[case::idinf_without_hnidf(Shape::IdinfWithoutHnidf, Msp, None_)]
#[case::incomplete_idinf(Shape::IncompleteIdinf, Msp, None_)]
#[case::stray_msp(Shape::StrayTopLevel, Msp, None_)]
#[case::stray_asp(Shape::StrayTopLevel, Asp, None_)]
#[case::first_usable_msp(Shape::FirstUsable, Msp, UseHomeAgent(HA))]
#[case::first_usable_idinf_only(Shape::FirstUsable, MspIdinfOnly, UseHomeAgent(HA))]
#[case::first_usable_asp(Shape::FirstUsable, Asp, UseHomeAgent(HA))]
#[case::first_usable_udinf(Shape::FirstUsable, Unrestricted, UseHomeAgent(HA))]
#[case::malformed_msp(Shape::MalformedOption, Msp, Retransmit)]
#[case::malformed_asp(Shape::MalformedOption, Asp, Retransmit)]
#[case::wrong_xid(Shape::WrongTransactionId, Msp, Retransmit)]
#[case::no_server_id(Shape::NoServerId, Asp, Retransmit)]
#[case::wrong_client_id(Shape::WrongClientId, Msp, Retransmit)]
#[case::silent(Shape::Silent, Msp, Retransmit)]
#[case::duplicate(Shape::Duplicate, Asp, UseHomeAgent(HA))]
#[case::haf_only_msp(Shape::HafOnly, Msp, UseNamedHomeAgent)]
#[case::haf_only_asp(Shape::HafOnly, Asp, UseNamedHomeAgent)]
#[case::every_requested_msp(Shape::EveryRequested, Msp, UseHomeAgent(HA))]
#[case::every_requested_asp(Shape::EveryRequested, Asp, UseHomeAgent(HA))]
#[case::every_requested_udinf(Shape::EveryRequested, Unrestricted, UseHomeAgent(HA))]
fn the_reference_client_does_what_the_shape_says(
    #[case] shape: Shape,
    #[case] case: Case,
    #[case] expected: Expectation,
) {
    let (answer, outcome) = exchange(shape, case);
    assert_eq!(outcome, expected, "{shape} / {case:?}: the client");
    assert_eq!(
        expectation_of(&answer),
        expected,
        "{shape} / {case:?}: the server's prediction"
    );
}

#[test]
fn every_shape_and_request_the_prediction_matches_the_client() {
    for info in SHAPES {
        for case in [Msp, MspIdinfOnly, Asp, Unrestricted] {
            let (answer, outcome) = exchange(info.shape, case);
            assert_eq!(expectation_of(&answer), outcome, "{} / {case:?}", info.name);
            // The decoy is never where a conforming client goes.
            assert_ne!(outcome, UseHomeAgent(DECOY), "{} / {case:?}", info.name);
        }
    }
}

/// The knob `single_container_kind` discards a Reply holding a VDINF and an IDINF: no HA.
#[test]
fn a_client_taking_one_container_kind_only_finds_no_ha_in_every_requested() {
    let mut c = client_config(Msp);
    c.single_container_kind = true;
    let (_, outcome) = exchange_with(Shape::EveryRequested, c);
    assert_eq!(outcome, None_);
}

#[test]
fn a_client_that_keeps_unmatched_idinfs_goes_to_the_decoy() {
    for shape in [Shape::IdinfUnmatched, Shape::FirstUsable] {
        let mut c = client_config(Msp);
        c.keep_unmatched_idinf = true;
        let (_, outcome) = exchange_with(shape, c);
        assert_eq!(outcome, UseHomeAgent(DECOY), "{shape}");
    }
}

#[test]
fn shape_names_parse_print_and_are_listed_once() {
    for (i, info) in SHAPES.iter().enumerate() {
        assert_eq!(info.name.parse::<Shape>(), Ok(info.shape));
        assert_eq!(info.shape.to_string(), info.name);
        assert_eq!(info.shape.info(), info);
        assert!(SHAPES[..i]
            .iter()
            .all(|o| o.shape != info.shape && o.name != info.name));
        assert!(!info.summary.is_empty() && !info.conforming_client.is_empty());
    }
    assert_eq!(SHAPES.len(), 17);
    let e = "bogus".parse::<Shape>().unwrap_err().to_string();
    assert!(e.contains("`bogus`"), "{e}");
    for info in SHAPES {
        assert!(e.contains(info.name), "{e}");
    }
}

/// The client's Information-request (MSP case) and the server's answer to it, parsed.
fn reply_to(shape: Shape, case: Case) -> (Repr, Answer) {
    let (answer, _) = exchange(shape, case);
    let answer = answer.expect("answered");
    (Repr::from_bytes(&answer.reply.payload).unwrap(), answer)
}

fn top_codes(r: &Repr) -> Vec<u16> {
    r.options().iter().map(DhcpOption::code).collect()
}

fn contained(o: &DhcpOption) -> Vec<u16> {
    o.contained()
        .unwrap()
        .iter()
        .map(DhcpOption::code)
        .collect()
}

#[test]
fn proper_replies_echo_the_client_and_carry_the_ha() {
    let (r, a) = reply_to(Shape::Proper, Msp);
    assert_eq!(r.msg_type(), msg_type::REPLY);
    assert_eq!(
        top_codes(&r),
        vec![code::SERVERID, code::CLIENTID, code::MIP6_IDINF]
    );
    assert_eq!(r.options()[0], DhcpOption::ServerId(server_duid()));
    assert_eq!(
        Some(&r.options()[1]),
        a.request
            .client_id
            .clone()
            .map(DhcpOption::ClientId)
            .as_ref()
    );
    assert_eq!(
        r.options()[2],
        DhcpOption::Mip6Idinf(vec![
            DhcpOption::Mip6Hnidf(name(MSP)),
            DhcpOption::Mip6Haa(HA),
            DhcpOption::Mip6Hnp {
                prefix_len: PREFIX.0,
                prefix: PREFIX.1
            },
        ])
    );
    assert_eq!(a.reply.option_codes, top_codes(&r));
    assert_eq!(
        a.reply.home_agents,
        vec![OfferedHa {
            container: Some(code::MIP6_IDINF),
            address: HA
        }]
    );
    assert_eq!(a.request.hnidfs, vec![name(MSP)]);
    assert_eq!(a.request.count, 1);
    assert_eq!((a.request.relay_hops, a.request.relayed_for), (0, None));
    let (r, _) = reply_to(Shape::Proper, Asp);
    assert_eq!(
        contained(&r.options()[2]),
        vec![code::MIP6_HAA, code::MIP6_HNP]
    );
    assert_eq!(r.options()[2].code(), code::MIP6_VDINF);
    let (r, _) = reply_to(Shape::Proper, Unrestricted);
    assert_eq!(r.options()[2].code(), code::MIP6_UDINF);
}

#[test]
fn rule_breaking_containers_carry_the_decoy_and_nothing_usable() {
    let (r, a) = reply_to(Shape::IdinfUnmatched, Msp);
    let DhcpOption::Mip6Idinf(inner) = &r.options()[2] else {
        panic!("{r:?}")
    };
    assert_eq!(
        inner[0],
        DhcpOption::Mip6Hnidf(name("unrequested.msp.example.net"))
    );
    assert_eq!(inner[1], DhcpOption::Mip6Haa(DECOY));
    assert!(a.reply.home_agents.iter().all(|h| h.address == DECOY));

    let (r, _) = reply_to(Shape::IdinfWithoutHnidf, Msp);
    assert_eq!(
        contained(&r.options()[2]),
        vec![code::MIP6_HAA, code::MIP6_HNP]
    );

    let (r, a) = reply_to(Shape::IncompleteIdinf, Msp);
    assert_eq!(
        contained(&r.options()[2]),
        vec![code::MIP6_HNIDF, code::MIP6_HNP]
    );
    assert!(a.reply.home_agents.is_empty());

    let (r, a) = reply_to(Shape::StrayTopLevel, Msp);
    assert_eq!(
        top_codes(&r),
        vec![
            code::SERVERID,
            code::CLIENTID,
            code::MIP6_HNIDF,
            code::MIP6_HAA,
            code::MIP6_HNP,
            code::MIP6_HAF
        ]
    );
    assert_eq!(r.options()[5], DhcpOption::Mip6Haf(name(DECOY_HA_NAME)));
    assert_eq!(
        a.reply.home_agents,
        vec![OfferedHa {
            container: None,
            address: DECOY
        }]
    );
}

#[test]
fn first_usable_puts_an_unusable_candidate_first() {
    let (r, _) = reply_to(Shape::FirstUsable, Msp);
    let idinfs: Vec<&DhcpOption> = r.options_with(code::MIP6_IDINF).collect();
    assert_eq!(idinfs.len(), 2);
    assert_eq!(
        idinfs[0].contained().unwrap()[..2],
        [
            DhcpOption::Mip6Hnidf(name("unrequested.msp.example.net")),
            DhcpOption::Mip6Haa(DECOY)
        ]
    );
    assert_eq!(
        idinfs[1].contained().unwrap()[..3],
        [
            DhcpOption::Mip6Hnidf(name(MSP)),
            DhcpOption::Mip6Haa(IPV4_EMBEDDED_HA),
            DhcpOption::Mip6Haa(HA)
        ]
    );
    assert!(mip6lab_wire::dhcpv6::ipv4_embedded(&IPV4_EMBEDDED_HA).is_some());
    let (r, _) = reply_to(Shape::FirstUsable, Asp);
    let vdinfs: Vec<&DhcpOption> = r.options_with(code::MIP6_VDINF).collect();
    assert_eq!(contained(vdinfs[0]), vec![code::MIP6_HNP]);
    assert_eq!(
        contained(vdinfs[1]),
        vec![code::MIP6_HAA, code::MIP6_HAA, code::MIP6_HNP]
    );
}

#[test]
fn discard_shapes_break_exactly_their_rule() {
    // Malformed: the last option's length runs 2 octets past the end; all before it parses.
    let (answer, _) = exchange(Shape::MalformedOption, Msp);
    let a = answer.unwrap();
    let p = &a.reply.payload;
    let e = Repr::from_bytes(p).unwrap_err().to_string();
    assert!(e.contains("runs past the end"), "{e}");
    assert_eq!(&p[p.len() - 6..], &[0, 32, 0, 4, 0, 0]);
    let head = Repr::from_bytes(&p[..p.len() - 6]).unwrap();
    assert_eq!(
        top_codes(&head),
        vec![code::SERVERID, code::CLIENTID, code::MIP6_IDINF]
    );
    assert_eq!(
        a.reply.option_codes,
        vec![
            code::SERVERID,
            code::CLIENTID,
            code::MIP6_IDINF,
            code::INFORMATION_REFRESH_TIME
        ]
    );
    assert_eq!(a.reply.home_agents[0].address, DECOY);

    let (r, a) = reply_to(Shape::WrongTransactionId, Msp);
    let Repr::ClientServer { transaction_id, .. } = r else {
        panic!()
    };
    assert_eq!(
        transaction_id,
        a.request.transaction_id ^ TRANSACTION_ID_FLIP
    );
    assert_eq!(a.reply.transaction_id, transaction_id);

    let (r, _) = reply_to(Shape::NoServerId, Msp);
    assert_eq!(top_codes(&r), vec![code::CLIENTID, code::MIP6_IDINF]);

    let (r, a) = reply_to(Shape::WrongClientId, Msp);
    let sent = a.request.client_id.clone().unwrap();
    let DhcpOption::ClientId(got) = &r.options()[1] else {
        panic!()
    };
    assert_ne!(*got, sent);
    assert_eq!(got.duid_type(), sent.duid_type());
    // Without a Client Identifier sent, any one in the Reply is wrong (RFC 8415 §16.10).
    let mut c = client_config(Asp);
    c.omit_client_id = true;
    let (answer, outcome) = exchange_with(Shape::WrongClientId, c);
    assert_eq!(outcome, Retransmit);
    let r = Repr::from_bytes(&answer.unwrap().reply.payload).unwrap();
    assert!(r.options().contains(&DhcpOption::ClientId(server_duid())));
}

#[test]
fn duplicate_sends_the_same_reply_twice_and_the_copy_answers_nothing() {
    let mut client = Client::new(client_config(Msp), seeded_rng(1));
    client.start(0);
    let (t, _) = SansIo::drain(&mut client);
    let mut server = Stimulus::new(stimulus_config(Shape::Duplicate));
    server.handle_input(0, Datagram::new(from_mn(), &t[0].payload));
    let (replies, _) = SansIo::drain(&mut server);
    assert_eq!(replies.len(), 2);
    assert_eq!(replies[0], replies[1]);
    for r in &replies {
        client.handle_input(5, Datagram::new(r.dst, &r.payload));
    }
    let (_, e) = SansIo::drain(&mut client);
    assert!(matches!(e[0], ClientEvent::Configured(_)), "{e:?}");
    assert_eq!(e[1], ClientEvent::Dropped(DropReason::NotExpected));
}

#[test]
fn answering_from_the_third_request_lets_the_client_retransmit_twice() {
    let mut client = Client::new(client_config(Msp), seeded_rng(9));
    let mut config = stimulus_config(Shape::Proper);
    config.answer_from = 3;
    config.answer_limit = Some(1);
    let mut server = Stimulus::new(config);
    client.start(0);
    let mut now = 0;
    let mut seen = Vec::new();
    for attempt in 1..=4u32 {
        let (t, _) = SansIo::drain(&mut client);
        assert_eq!(t.len(), 1, "attempt {attempt}");
        server.handle_input(now, Datagram::new(from_mn(), &t[0].payload));
        let (replies, events) = SansIo::drain(&mut server);
        let request = match &events[..] {
            [StimulusEvent::Withheld {
                request, reason, ..
            }] => {
                let want = if attempt < 3 {
                    WithheldReason::BeforeAnswerFrom
                } else {
                    WithheldReason::LimitReached
                };
                assert_eq!(*reason, want, "attempt {attempt}");
                request.clone()
            }
            [StimulusEvent::Answered(a)] => {
                assert_eq!(attempt, 3);
                a.request.clone()
            }
            other => panic!("{other:?}"),
        };
        assert_eq!(request.count, attempt);
        seen.push((request.transaction_id, request.elapsed_cs.unwrap()));
        for r in &replies {
            client.handle_input(now, Datagram::new(r.dst, &r.payload));
        }
        let (_, e) = SansIo::drain(&mut client);
        if attempt == 3 {
            let Some(ClientEvent::Configured(o)) = e.first() else {
                panic!("{e:?}")
            };
            assert_eq!(
                o.chosen.as_ref().unwrap().home_agent,
                HaCandidate::Address(HA)
            );
            // Start a new exchange at the refresh, to see the limit.
            client.start(now);
        } else {
            now = client.next_timeout().unwrap();
            client.handle_timeout(now);
        }
    }
    // One transaction-id across the retransmissions, elapsed time rising.
    assert!(seen[..3].iter().all(|(x, _)| *x == seen[0].0));
    assert!(seen[0].1 == 0 && seen[1].1 > 0 && seen[2].1 > seen[1].1);
}

fn access_link() -> AccessLink {
    AccessLink {
        name: "acc0".into(),
        link_address: ACCESS_LINK,
        interface_id: b"acc0".to_vec(),
        scope_id: 3,
    }
}

/// Client → relay → server → relay → client: the client's outcome, and the Relay-reply.
fn relayed_exchange(shape: Shape, case: Case) -> (Expectation, Expectation, Repr) {
    let mut client = Client::new(client_config(case), seeded_rng(3));
    let mut relay_config = RelayConfig::new(vec![access_link()]);
    relay_config.servers = vec![SERVER];
    let mut relay = Relay::new(relay_config);
    let mut server = Stimulus::new(stimulus_config(shape));
    client.start(0);
    let (t, e) = SansIo::drain(&mut client);
    let ClientEvent::Sent { transaction_id, .. } = e[0] else {
        panic!()
    };
    relay.handle_input(
        0,
        RelayInput::Client {
            interface: "acc0",
            src: MN_LL,
            payload: &t[0].payload,
        },
    );
    let (forwards, _) = SansIo::drain(&mut relay);
    let relay_src = SocketAddr::V6(SocketAddrV6::new(RELAY_ADDR, 547, 0, 0));
    server.handle_input(0, Datagram::new(relay_src, &forwards[0].payload));
    let (relay_replies, events) = SansIo::drain(&mut server);
    let answer = answer_of(&events).cloned();
    let predicted = expectation_of(&answer);
    let mut to_client = Vec::new();
    let mut relay_reply = None;
    for r in &relay_replies {
        assert_eq!(
            r.dst, relay_src,
            "a Relay-reply goes to the relay, port 547"
        );
        // A malformed Reply inside makes the whole chain unparsable for the codec; the relay
        // reads only its own level.
        relay_reply = Repr::from_bytes(&r.payload).ok();
        relay.handle_input(
            1,
            RelayInput::Server {
                src: SocketAddr::V6(SocketAddrV6::new(SERVER, 547, 0, 0)),
                payload: &r.payload,
            },
        );
        let (t, _) = SansIo::drain(&mut relay);
        to_client.extend(t);
    }
    assert_eq!(
        to_client.len(),
        relay_replies.len(),
        "the relay passes each on"
    );
    let outcome = client_outcome(&mut client, &to_client, transaction_id);
    let relay_reply = relay_reply.unwrap_or(Repr::Other {
        msg_type: 0,
        body: vec![],
    });
    (outcome, predicted, relay_reply)
}

#[test]
fn through_the_nas_relay_every_shape_provokes_the_same() {
    for info in SHAPES {
        for case in [Msp, Asp] {
            let (direct_answer, direct) = exchange(info.shape, case);
            let (outcome, predicted, _) = relayed_exchange(info.shape, case);
            assert_eq!(outcome, direct, "{} / {case:?}", info.name);
            assert_eq!(predicted, expectation_of(&direct_answer), "{}", info.name);
        }
    }
}

#[test]
fn the_relay_reply_echoes_the_relay_forward() {
    let (_, _, r) = relayed_exchange(Shape::Proper, Msp);
    let Repr::Relay {
        msg_type: t,
        hop_count,
        link_address,
        peer_address,
        options,
    } = &r
    else {
        panic!("{r:?}")
    };
    assert_eq!(
        (*t, *hop_count, *link_address, *peer_address),
        (msg_type::RELAY_REPL, 0, ACCESS_LINK, MN_LL)
    );
    assert_eq!(options[0], DhcpOption::InterfaceId(b"acc0".to_vec()));
    assert_eq!(r.relayed().unwrap().msg_type(), msg_type::REPLY);
}

fn information_request(hnidf: Option<&str>) -> Repr {
    let mut options = vec![
        DhcpOption::ElapsedTime(0),
        DhcpOption::Oro(vec![code::MIP6_IDINF, code::MIP6_VDINF]),
    ];
    options.extend(hnidf.map(|h| DhcpOption::Mip6Hnidf(name(h))));
    Repr::ClientServer {
        msg_type: msg_type::INFORMATION_REQUEST,
        transaction_id: 0x123456,
        options,
    }
}

#[test]
fn nested_relays_get_nested_relay_replies() {
    let relay_a: Ipv6Addr = "2001:db8:a1::a".parse().unwrap();
    let inner = Repr::Relay {
        msg_type: msg_type::RELAY_FORW,
        hop_count: 0,
        link_address: ACCESS_LINK,
        peer_address: MN_LL,
        options: vec![
            DhcpOption::InterfaceId(b"A-port".to_vec()),
            DhcpOption::Rsoo(vec![DhcpOption::Mip6Idinf(vec![
                DhcpOption::Mip6Hnidf(name(MSP)),
                DhcpOption::Mip6Haa(DECOY),
            ])]),
            DhcpOption::RelayMsg(Box::new(information_request(Some(MSP)))),
        ],
    };
    let outer = Repr::Relay {
        msg_type: msg_type::RELAY_FORW,
        hop_count: 1,
        link_address: Ipv6Addr::UNSPECIFIED,
        peer_address: relay_a,
        options: vec![DhcpOption::RelayMsg(Box::new(inner))],
    };
    let mut server = Stimulus::new(stimulus_config(Shape::Proper));
    let from = SocketAddr::V6(SocketAddrV6::new(RELAY_ADDR, 547, 0, 0));
    server.handle_input(0, Datagram::new(from, &outer.to_bytes().unwrap()));
    let (t, e) = SansIo::drain(&mut server);
    let a = answer_of(&e).unwrap();
    assert_eq!((a.request.relay_hops, a.request.rsoo), (2, true));
    assert_eq!(a.request.relayed_for, Some(MN_LL));
    // The RSOO's decoy is reported, never used.
    assert!(a.reply.home_agents.iter().all(|h| h.address == HA));
    let r = Repr::from_bytes(&t[0].payload).unwrap();
    let Repr::Relay {
        hop_count: 1,
        link_address,
        peer_address,
        options,
        ..
    } = &r
    else {
        panic!("{r:?}")
    };
    assert_eq!(
        (*link_address, *peer_address),
        (Ipv6Addr::UNSPECIFIED, relay_a)
    );
    assert_eq!(options.len(), 1, "no Interface-Id was there to copy");
    let Repr::Relay {
        msg_type: msg_type::RELAY_REPL,
        hop_count: 0,
        peer_address,
        options,
        ..
    } = r.relayed().unwrap()
    else {
        panic!()
    };
    assert_eq!(*peer_address, MN_LL);
    assert_eq!(options[0], DhcpOption::InterfaceId(b"A-port".to_vec()));
    let Repr::ClientServer { transaction_id, .. } = r.innermost() else {
        panic!()
    };
    assert_eq!(*transaction_id, 0x123456);
}

#[test]
fn what_is_not_an_information_request_is_ignored_with_a_reason() {
    let mut server = Stimulus::new(stimulus_config(Shape::Proper));
    let solicit = Repr::ClientServer {
        msg_type: msg_type::SOLICIT,
        transaction_id: 1,
        options: vec![],
    };
    let no_message = Repr::Relay {
        msg_type: msg_type::RELAY_FORW,
        hop_count: 0,
        link_address: ACCESS_LINK,
        peer_address: MN_LL,
        options: vec![DhcpOption::InterfaceId(b"x".to_vec())],
    };
    let inputs = [
        solicit.to_bytes().unwrap(),
        no_message.to_bytes().unwrap(),
        vec![11, 0, 0, 1, 0, 6, 0, 9],
    ];
    for p in &inputs {
        server.handle_input(0, Datagram::new(from_mn(), p));
    }
    let (t, e) = SansIo::drain(&mut server);
    assert!(t.is_empty());
    let reasons: Vec<IgnoreReason> = e
        .into_iter()
        .map(|e| match e {
            StimulusEvent::Ignored { reason, .. } => reason,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        reasons[0],
        IgnoreReason::NotInformationRequest(msg_type::SOLICIT)
    );
    assert_eq!(reasons[1], IgnoreReason::NoRelayMessage);
    assert!(
        matches!(&reasons[2], IgnoreReason::Malformed(m) if m.contains("runs past")),
        "{reasons:?}"
    );
    // Nothing counted: the next Information-request is the first.
    server.handle_input(
        0,
        Datagram::new(from_mn(), &information_request(None).to_bytes().unwrap()),
    );
    let (_, e) = SansIo::drain(&mut server);
    assert_eq!(answer_of(&e).unwrap().request.count, 1);
}

#[test]
fn a_link_local_source_without_a_zone_gets_the_configured_interface() {
    let mut server = Stimulus::new(stimulus_config(Shape::Proper));
    let bare = SocketAddr::V6(SocketAddrV6::new(MN_LL, 546, 0, 0));
    server.handle_input(
        0,
        Datagram::new(bare, &information_request(Some(MSP)).to_bytes().unwrap()),
    );
    let (t, _) = SansIo::drain(&mut server);
    assert_eq!(
        t[0].dst,
        SocketAddr::V6(SocketAddrV6::new(MN_LL, 546, 0, 7))
    );
}
