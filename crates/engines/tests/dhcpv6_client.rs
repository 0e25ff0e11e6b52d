//! The mobile node's integrated-mode DHCPv6 client (`dhcpv6::Client`): the
//! Information-request read back with the wire codec (RFC 8415 §18.2.6, RFC 6610 §4.1.1,
//! RFC 6611 §4.2.1 (2) and §4.2.2 (2)), its timing (RFC 8415 §15, §7.6) and the Reply rules
//! (RFC 8415 §16.10, §18.2.10, §21.23, §21.25; RFC 6610 §4.1.2).

mod dhcpv6_common;
use dhcpv6_common::seeded_rng;
use mip6lab_engines::dhcpv6::client::{
    ChosenHomeAgent, DiscardReason, Discarded, DropReason, HaCandidate, InfoKind, ReplyOutcome,
    RngFn, INF_MAX_RT_MS,
};
use mip6lab_engines::dhcpv6::{Client, ClientConfig, ClientEvent, HomeNetworkRequest};
use mip6lab_engines::io::{Datagram, SansIo};
use mip6lab_wire::dhcpv6::{code, msg_type, DhcpOption, Duid, Fqdn, Repr};
use rstest::rstest;
use std::net::{Ipv6Addr, SocketAddr, SocketAddrV6};

const MSP: &str = "msp.example.net";
const HA: &str = "2001:db8:f::1";

fn a(s: &str) -> Ipv6Addr {
    s.parse().unwrap()
}

fn name(s: &str) -> Fqdn {
    Fqdn::from_dotted(s).unwrap()
}

fn duid() -> Duid {
    Duid::Ll {
        hardware_type: 1,
        link_layer_address: vec![2, 0, 0, 0, 0, 1],
    }
}

fn server_duid() -> Duid {
    Duid::En {
        enterprise_number: 2495,
        identifier: vec![5],
    }
}

/// The same octet over and over: 0x00 gives RAND = -0.1, 0xff gives +0.1.
fn constant_rng(b: u8) -> RngFn {
    Box::new(move |buf: &mut [u8]| buf.fill(b))
}

fn identified() -> HomeNetworkRequest {
    HomeNetworkRequest::Identified {
        home_networks: vec![name(MSP)],
    }
}

fn config(request: HomeNetworkRequest) -> ClientConfig {
    let mut c = ClientConfig::new(duid(), request, 7);
    c.initial_delay = false;
    c
}

fn client_with(request: HomeNetworkRequest, tweak: impl FnOnce(&mut ClientConfig)) -> Client {
    let mut c = config(request);
    tweak(&mut c);
    Client::new(c, seeded_rng(42))
}

/// Starts at 0 and returns the first Information-request, parsed.
fn first_request(c: &mut Client) -> Repr {
    c.start(0);
    let (t, _) = c.drain();
    assert_eq!(t.len(), 1);
    Repr::from_bytes(&t[0].payload).unwrap()
}

fn xid(m: &Repr) -> u32 {
    let Repr::ClientServer { transaction_id, .. } = m else {
        panic!()
    };
    *transaction_id
}

#[rstest]
#[case::msp(identified(), true, vec![69, 50, 49, 71, 72, 73, 32, 83], vec![MSP])]
#[case::msp_idinf_only(identified(), false, vec![69, 49, 71, 72, 73, 32, 83], vec![MSP])]
#[case::two_msps(HomeNetworkRequest::Identified { home_networks: vec![name(MSP), name("b.example.org")] },
    true, vec![69, 50, 49, 71, 72, 73, 32, 83], vec![MSP, "b.example.org"])]
#[case::asp(HomeNetworkRequest::Visited, true, vec![50, 49, 71, 72, 73, 32, 83], vec![])]
#[case::no_preference(HomeNetworkRequest::Unrestricted, true, vec![70, 49, 71, 72, 73, 32, 83], vec![])]
fn the_information_request_carries_what_the_rules_ask(
    #[case] request: HomeNetworkRequest,
    #[case] also_vdinf: bool,
    #[case] oro: Vec<u16>,
    #[case] hnidfs: Vec<&str>,
) {
    let mut c = client_with(request, |c| c.msp_also_requests_vdinf = also_vdinf);
    c.start(0);
    let (t, _) = SansIo::drain(&mut c);
    assert_eq!(
        t[0].dst,
        SocketAddr::V6(SocketAddrV6::new(a("ff02::1:2"), 547, 0, 7))
    );
    let m = Repr::from_bytes(&t[0].payload).unwrap();
    assert_eq!(m.msg_type(), msg_type::INFORMATION_REQUEST);
    assert!(xid(&m) <= 0x00ff_ffff);
    let mut expected = vec![
        DhcpOption::ClientId(duid()),
        DhcpOption::ElapsedTime(0),
        DhcpOption::Oro(oro),
    ];
    expected.extend(hnidfs.iter().map(|h| DhcpOption::Mip6Hnidf(name(h))));
    assert_eq!(m.options(), &expected[..]);
}

#[rstest]
#[case::low(0x00, 0)]
#[case::high(0xff, 1000)]
fn the_first_request_waits_a_random_0_to_1_s(#[case] rng: u8, #[case] delay: u64) {
    let mut cfg = config(identified());
    cfg.initial_delay = true;
    let mut c = Client::new(cfg, constant_rng(rng));
    c.start(500);
    assert_eq!(c.next_timeout(), Some(500 + delay));
    if delay > 0 {
        c.handle_timeout(500 + delay - 1);
        assert!(SansIo::drain(&mut c).0.is_empty());
    }
    c.handle_timeout(500 + delay);
    assert_eq!(SansIo::drain(&mut c).0.len(), 1);
}

/// Drives the client through `n` transmissions without an answer, returning the times and
/// the requests.
fn transmissions(c: &mut Client, n: usize) -> Vec<(u64, Repr)> {
    c.start(0);
    let mut out = Vec::new();
    let mut now = 0;
    loop {
        for t in c.drain().0 {
            out.push((now, Repr::from_bytes(&t.payload).unwrap()));
        }
        if out.len() >= n {
            return out;
        }
        now = c.next_timeout().expect("still retransmitting");
        c.handle_timeout(now);
    }
}

#[rstest]
#[case::rand_minus(constant_rng(0x00), 900)]
#[case::rand_plus(constant_rng(0xff), 1100)]
fn the_first_timeout_is_irt_with_rand_at_its_extremes(#[case] rng: RngFn, #[case] rt: u64) {
    let mut c = Client::new(config(identified()), rng);
    let times: Vec<u64> = transmissions(&mut c, 2).iter().map(|x| x.0).collect();
    assert_eq!(times, [0, rt]);
}

#[rstest]
fn retransmissions_double_within_rand_and_stay_near_inf_max_rt(
    #[values(1, 2, 3, 99, 12345)] seed: u64,
) {
    let mut c = Client::new(config(identified()), seeded_rng(seed));
    let sent = transmissions(&mut c, 20);
    let first_xid = xid(&sent[0].1);
    let times: Vec<u64> = sent.iter().map(|x| x.0).collect();
    let rts: Vec<u64> = times.windows(2).map(|w| w[1] - w[0]).collect();
    assert!((900..=1100).contains(&rts[0]), "RT1 {}", rts[0]);
    let mrt = INF_MAX_RT_MS;
    for w in rts.windows(2) {
        let (prev, rt) = (w[0] as f64, w[1] as f64);
        let doubled = (1.9 * prev - 1.0..=2.1 * prev + 1.0).contains(&rt);
        let capped = (0.9 * mrt as f64 - 1.0..=1.1 * mrt as f64 + 1.0).contains(&rt);
        assert!(doubled || capped, "RT {rt} after {prev}");
        assert!(rt <= 1.1 * mrt as f64 + 1.0);
    }
    assert!(
        rts.last().unwrap() >= &(mrt * 9 / 10),
        "reaches MRT by 20 sends"
    );
    for (i, (t, m)) in sent.iter().enumerate() {
        assert_eq!(xid(m), first_xid, "RFC 8415 §16.1: same transaction-id");
        let elapsed = m.options_with(code::ELAPSED_TIME).next().unwrap();
        let want = u16::try_from(t / 10).unwrap_or(0xffff);
        assert_eq!(
            elapsed,
            &DhcpOption::ElapsedTime(want),
            "send {i} at {t} ms"
        );
    }
    assert_eq!(sent[19].1.options()[1], DhcpOption::ElapsedTime(0xffff));
}

#[test]
fn a_maximum_duration_ends_the_exchange_exactly_then() {
    let mut c = client_with(identified(), |c| c.max_duration_ms = Some(10_000));
    let sent = transmissions(&mut c, 4);
    assert!(sent.last().unwrap().0 < 10_000);
    let mut now = sent.last().unwrap().0;
    let mut gave_up = None;
    while let Some(t) = c.next_timeout() {
        assert!(t <= 10_000);
        now = t;
        c.handle_timeout(now);
        let (tx, e) = SansIo::drain(&mut c);
        if let Some(ClientEvent::GaveUp { attempts }) = e.last() {
            assert!(tx.is_empty());
            gave_up = Some((now, *attempts));
        }
    }
    let (at, attempts) = gave_up.expect("gave up");
    assert_eq!(at, 10_000);
    assert!(attempts >= 4);
    assert_eq!(now, 10_000);
}

fn reply(x: u32, options: Vec<DhcpOption>) -> Vec<u8> {
    Repr::ClientServer {
        msg_type: msg_type::REPLY,
        transaction_id: x,
        options,
    }
    .to_bytes()
    .unwrap()
}

/// SERVERID and CLIENTID, then these.
fn valid(more: Vec<DhcpOption>) -> Vec<DhcpOption> {
    let mut o = vec![
        DhcpOption::ServerId(server_duid()),
        DhcpOption::ClientId(duid()),
    ];
    o.extend(more);
    o
}

fn answer(c: &mut Client, now: u64, payload: &[u8]) -> Vec<ClientEvent> {
    let src = SocketAddr::V6(SocketAddrV6::new(a("fe80::1"), 547, 0, 7));
    c.handle_input(now, Datagram::new(src, payload));
    c.drain().1
}

fn configured(e: &[ClientEvent]) -> ReplyOutcome {
    match e {
        [ClientEvent::Configured(o)] => o.clone(),
        other => panic!("not configured: {other:?}"),
    }
}

fn idinf(hnidf: &str, more: Vec<DhcpOption>) -> DhcpOption {
    let mut o = vec![DhcpOption::Mip6Hnidf(name(hnidf))];
    o.extend(more);
    DhcpOption::Mip6Idinf(o)
}

fn haa(s: &str) -> DhcpOption {
    DhcpOption::Mip6Haa(a(s))
}

#[rstest]
#[case::malformed(|_x| vec![7, 0, 0], None)]
#[case::advertise(|x| Repr::ClientServer { msg_type: msg_type::ADVERTISE, transaction_id: x,
    options: valid(vec![]) }.to_bytes().unwrap(), Some(DropReason::NotReply(msg_type::ADVERTISE)))]
#[case::relay_reply(|_x| Repr::Relay { msg_type: msg_type::RELAY_REPL, hop_count: 0,
    link_address: Ipv6Addr::UNSPECIFIED, peer_address: Ipv6Addr::UNSPECIFIED, options: vec![] }
    .to_bytes().unwrap(), Some(DropReason::NotReply(msg_type::RELAY_REPL)))]
#[case::other_transaction(|x| reply(x ^ 1, valid(vec![])), Some(DropReason::TransactionMismatch { got: 0 }))]
#[case::no_server_id(|x| reply(x, vec![DhcpOption::ClientId(duid())]), Some(DropReason::NoServerId))]
#[case::no_client_id(|x| reply(x, vec![DhcpOption::ServerId(server_duid())]), Some(DropReason::ClientIdMismatch))]
#[case::other_client_id(|x| reply(x, vec![DhcpOption::ServerId(server_duid()),
    DhcpOption::ClientId(Duid::Uuid([1; 16]))]), Some(DropReason::ClientIdMismatch))]
fn a_reply_that_fails_validation_is_dropped_and_the_exchange_goes_on(
    #[case] make: fn(u32) -> Vec<u8>,
    #[case] why: Option<DropReason>,
) {
    let mut c = client_with(identified(), |_| {});
    let x = xid(&first_request(&mut c));
    let e = answer(&mut c, 10, &make(x));
    match (&e[..], why) {
        ([ClientEvent::Dropped(DropReason::Malformed(_))], None) => {}
        ([ClientEvent::Dropped(DropReason::TransactionMismatch { got })], Some(_)) => {
            assert_eq!(*got, x ^ 1)
        }
        ([ClientEvent::Dropped(got)], Some(want)) => assert_eq!(got, &want),
        (other, want) => panic!("{other:?}, wanted {want:?}"),
    }
    // Still waiting: the proper reply is taken.
    let o = configured(&answer(
        &mut c,
        20,
        &reply(x, valid(vec![idinf(MSP, vec![haa(HA)])])),
    ));
    assert!(o.chosen.is_some());
}

#[test]
fn a_reply_outside_an_exchange_is_stray() {
    let mut c = client_with(identified(), |_| {});
    let e = answer(&mut c, 0, &reply(1, valid(vec![])));
    assert_eq!(e, [ClientEvent::Dropped(DropReason::NotExpected)]);
    let x = xid(&first_request(&mut c));
    configured(&answer(&mut c, 5, &reply(x, valid(vec![]))));
    let e = answer(&mut c, 6, &reply(x, valid(vec![])));
    assert_eq!(e, [ClientEvent::Dropped(DropReason::NotExpected)]);
}

#[rstest]
#[case::unspec_fail(1)]
#[case::use_multicast(5)]
fn a_reply_with_unspecfail_or_usemulticast_is_not_taken(#[case] status: u16) {
    let mut c = client_with(identified(), |_| {});
    let x = xid(&first_request(&mut c));
    let st = DhcpOption::StatusCode {
        status,
        message: "no".into(),
    };
    let e = answer(&mut c, 10, &reply(x, valid(vec![st])));
    assert_eq!(
        e,
        [ClientEvent::ServerStatus {
            status,
            message: "no".into()
        }]
    );
    let next = c.next_timeout().unwrap();
    c.handle_timeout(next);
    assert_eq!(SansIo::drain(&mut c).0.len(), 1, "retransmits");
}

#[test]
fn a_reply_with_another_status_is_processed() {
    let mut c = client_with(identified(), |_| {});
    let x = xid(&first_request(&mut c));
    let st = DhcpOption::StatusCode {
        status: 2,
        message: String::new(),
    };
    let o = configured(&answer(
        &mut c,
        10,
        &reply(x, valid(vec![st, idinf(MSP, vec![haa(HA)])])),
    ));
    assert!(o.chosen.is_some());
}

fn inf_max_rt(v: u32) -> DhcpOption {
    DhcpOption::Other {
        code: 83,
        data: v.to_be_bytes().to_vec(),
    }
}

#[rstest]
#[case::valid_low(60, 60_000)]
#[case::valid_high(86_400, 86_400_000)]
#[case::too_low(59, INF_MAX_RT_MS)]
#[case::too_high(86_401, INF_MAX_RT_MS)]
fn inf_max_rt_is_taken_in_its_range_even_with_a_failure_status(
    #[case] value: u32,
    #[case] mrt: u64,
) {
    let mut c = client_with(identified(), |_| {});
    let x = xid(&first_request(&mut c));
    let fail = DhcpOption::StatusCode {
        status: 1,
        message: String::new(),
    };
    answer(&mut c, 1, &reply(x, valid(vec![fail, inf_max_rt(value)])));
    assert_eq!(c.max_retransmission_time_ms(), mrt);
}

#[test]
fn a_new_inf_max_rt_caps_the_next_retransmissions() {
    let mut c = client_with(identified(), |_| {});
    let x = xid(&first_request(&mut c));
    answer(&mut c, 1, &reply(x, valid(vec![inf_max_rt(60)])));
    let sent = transmissions(&mut c, 12);
    let times: Vec<u64> = sent.iter().map(|s| s.0).collect();
    let last_rt = times[11] - times[10];
    assert!((54_000..=66_000).contains(&last_rt), "RT {last_rt}");
}

fn chosen(kind: InfoKind, id: Option<&str>, ha: HaCandidate) -> Option<ChosenHomeAgent> {
    Some(ChosenHomeAgent {
        kind,
        home_network_id: id.map(name),
        home_agent: ha,
        prefix: None,
    })
}

fn discards(list: &[(u16, DiscardReason)]) -> Vec<Discarded> {
    list.iter()
        .map(|&(code, reason)| Discarded { code, reason })
        .collect()
}

use DiscardReason::*;

#[rstest]
#[case::matched_idinf(vec![idinf(MSP, vec![haa(HA)])],
    chosen(InfoKind::Identified, Some(MSP), HaCandidate::Address(a(HA))), vec![])]
#[case::matched_without_case(vec![idinf("Msp.EXAMPLE.net", vec![haa(HA)])],
    chosen(InfoKind::Identified, Some("Msp.EXAMPLE.net"), HaCandidate::Address(a(HA))), vec![])]
#[case::unmatched_idinf(vec![idinf("other.example.org", vec![haa(HA)])], None,
    vec![(69, UnmatchedIdinf)])]
#[case::idinf_without_hnidf(vec![DhcpOption::Mip6Idinf(vec![haa(HA)])], None, vec![(69, Incomplete)])]
#[case::no_home_agent(vec![idinf(MSP, vec![DhcpOption::Mip6Hnp { prefix_len: 64, prefix: a("2001:db8:f::") }])],
    None, vec![(69, Incomplete)])]
#[case::bare_options(vec![haa(HA), DhcpOption::Mip6Hnidf(name(MSP)),
    DhcpOption::Mip6Haf(name("ha.example.net")), DhcpOption::Mip6Hnp { prefix_len: 64, prefix: a("2001:db8::") }],
    None, vec![(72, OutsideContainer), (49, OutsideContainer), (73, OutsideContainer), (71, OutsideContainer)])]
#[case::not_requested(vec![DhcpOption::Mip6Udinf(vec![haa(HA)])], None, vec![(70, NotRequested)])]
#[case::idinf_preferred(vec![DhcpOption::Mip6Vdinf(vec![haa("2001:db8:a::1")]), idinf(MSP, vec![haa(HA)])],
    chosen(InfoKind::Identified, Some(MSP), HaCandidate::Address(a(HA))), vec![])]
#[case::vdinf_when_no_idinf(vec![DhcpOption::Mip6Vdinf(vec![haa("2001:db8:a::1")])],
    chosen(InfoKind::Visited, None, HaCandidate::Address(a("2001:db8:a::1"))), vec![])]
#[case::ipv4_embedded_skipped(vec![idinf(MSP, vec![haa("64:ff9b::c000:201"), DhcpOption::Mip6Haf(name("ha.msp.example.net"))])],
    chosen(InfoKind::Identified, Some(MSP), HaCandidate::Fqdn(name("ha.msp.example.net"))), vec![])]
#[case::unknown_sub_option_ignored(vec![idinf(MSP, vec![DhcpOption::Other { code: 999, data: vec![1] }, haa(HA)])],
    chosen(InfoKind::Identified, Some(MSP), HaCandidate::Address(a(HA))), vec![])]
fn home_network_information_follows_rfc_6610(
    #[case] options: Vec<DhcpOption>,
    #[case] want: Option<ChosenHomeAgent>,
    #[case] dropped: Vec<(u16, DiscardReason)>,
) {
    let mut c = client_with(identified(), |_| {});
    let x = xid(&first_request(&mut c));
    let o = configured(&answer(&mut c, 10, &reply(x, valid(options))));
    assert_eq!(o.chosen, want);
    assert_eq!(o.discarded, discards(&dropped));
    assert_eq!(o.server, server_duid());
}

#[test]
fn the_first_usable_candidate_wins_within_a_kind_and_the_prefix_comes_along() {
    let mut c = client_with(HomeNetworkRequest::Visited, |_| {});
    let x = xid(&first_request(&mut c));
    let hnp = DhcpOption::Mip6Hnp {
        prefix_len: 64,
        prefix: a("2001:db8:a::"),
    };
    let first = DhcpOption::Mip6Vdinf(vec![hnp, haa("2001:db8:a::1"), haa("2001:db8:a::2")]);
    let second = DhcpOption::Mip6Vdinf(vec![haa("2001:db8:b::1")]);
    let o = configured(&answer(&mut c, 10, &reply(x, valid(vec![first, second]))));
    assert_eq!(o.info.len(), 2);
    let ch = o.chosen.unwrap();
    assert_eq!(ch.home_agent, HaCandidate::Address(a("2001:db8:a::1")));
    assert_eq!(ch.prefix, Some((64, a("2001:db8:a::"))));
}

#[test]
fn an_ipv4_embedded_address_is_usable_with_ipv4_transport() {
    let mut c = client_with(identified(), |c| c.ipv4_transport = true);
    let x = xid(&first_request(&mut c));
    let v4 = idinf(MSP, vec![haa("64:ff9b::c000:201"), haa(HA)]);
    let o = configured(&answer(&mut c, 10, &reply(x, valid(vec![v4]))));
    assert_eq!(
        o.chosen.unwrap().home_agent,
        HaCandidate::Address(a("64:ff9b::c000:201"))
    );
}

#[rstest]
#[case::default(None, Some(86_400))]
#[case::below_minimum(Some(100), Some(600))]
#[case::given(Some(7_200), Some(7_200))]
#[case::infinity(Some(u32::MAX), None)]
fn the_refresh_time_starts_a_new_exchange(#[case] irt: Option<u32>, #[case] refresh: Option<u32>) {
    let mut c = client_with(identified(), |_| {});
    let x = xid(&first_request(&mut c));
    let more = irt
        .map(|t| vec![DhcpOption::InformationRefreshTime(t)])
        .unwrap_or_default();
    let o = configured(&answer(&mut c, 1_000, &reply(x, valid(more))));
    assert_eq!(o.refresh_s, refresh);
    let at = refresh.map(|s| 1_000 + u64::from(s) * 1000);
    assert_eq!(c.next_timeout(), at);
    if let Some(at) = at {
        c.handle_timeout(at - 1);
        assert!(SansIo::drain(&mut c).0.is_empty());
        c.handle_timeout(at);
        let (t, _) = SansIo::drain(&mut c);
        let m = Repr::from_bytes(&t[0].payload).unwrap();
        assert_ne!(xid(&m), x, "a new transaction");
        assert_eq!(m.options()[1], DhcpOption::ElapsedTime(0));
    }
}

/// What the client emits and concludes in one fixed scenario: its first request and the
/// outcome of a Reply with an unmatched IDINF and a matched one.
fn scenario(tweak: impl FnOnce(&mut ClientConfig)) -> (Repr, ReplyOutcome) {
    let mut cfg = config(identified());
    tweak(&mut cfg);
    let sends_client_id = !cfg.omit_client_id;
    let mut c = Client::new(cfg, seeded_rng(7));
    let req = first_request(&mut c);
    let mut options = vec![DhcpOption::ServerId(server_duid())];
    if sends_client_id {
        options.push(DhcpOption::ClientId(duid()));
    }
    options.push(idinf("other.example.org", vec![haa("2001:db8:e::1")]));
    options.push(idinf(MSP, vec![haa(HA)]));
    let o = configured(&answer(&mut c, 10, &reply(xid(&req), options)));
    (req, o)
}

fn without_code(m: &Repr, c: u16) -> Vec<DhcpOption> {
    m.options()
        .iter()
        .filter(|o| o.code() != c)
        .cloned()
        .collect()
}

#[test]
fn knob_omit_client_id_only_drops_the_client_id() {
    let (d, k) = (scenario(|_| {}), scenario(|c| c.omit_client_id = true));
    assert_eq!(k.0.options_with(code::CLIENTID).count(), 0);
    assert_eq!(k.0.options(), &without_code(&d.0, code::CLIENTID)[..]);
    assert_eq!(k.1, d.1);
}

#[test]
fn a_reply_echoing_a_client_id_never_sent_is_dropped() {
    let mut c = client_with(identified(), |c| c.omit_client_id = true);
    let x = xid(&first_request(&mut c));
    let e = answer(&mut c, 1, &reply(x, valid(vec![])));
    assert_eq!(e, [ClientEvent::Dropped(DropReason::UnexpectedClientId)]);
}

#[test]
fn knob_omit_hnidf_only_drops_the_hnidf() {
    let (d, k) = (scenario(|_| {}), scenario(|c| c.omit_hnidf = true));
    assert_eq!(k.0.options(), &without_code(&d.0, code::MIP6_HNIDF)[..]);
    assert_eq!(
        k.0.options_with(code::ORO).next(),
        d.0.options_with(code::ORO).next()
    );
}

#[test]
fn knob_oro_override_only_replaces_the_oro() {
    let (d, k) = (
        scenario(|_| {}),
        scenario(|c| c.oro_override = Some(vec![50, 69])),
    );
    assert_eq!(
        k.0.options_with(code::ORO).next(),
        Some(&DhcpOption::Oro(vec![50, 69]))
    );
    assert_eq!(without_code(&k.0, code::ORO), without_code(&d.0, code::ORO));
    assert_eq!(k.1.chosen, d.1.chosen);
}

#[test]
fn knob_keep_unmatched_idinf_only_keeps_that_idinf() {
    let (d, k) = (
        scenario(|_| {}),
        scenario(|c| c.keep_unmatched_idinf = true),
    );
    assert_eq!(
        k.0,
        Repr::ClientServer {
            msg_type: msg_type::INFORMATION_REQUEST,
            transaction_id: xid(&d.0),
            options: d.0.options().to_vec(),
        }
    );
    assert_eq!(d.1.discarded, discards(&[(69, UnmatchedIdinf)]));
    assert!(k.1.discarded.is_empty());
    assert_eq!(
        k.1.chosen.unwrap().home_agent,
        HaCandidate::Address(a("2001:db8:e::1")),
        "the unmatched one is first on the wire"
    );
    assert_eq!(d.1.chosen.unwrap().home_agent, HaCandidate::Address(a(HA)));
}

#[test]
fn knob_use_stray_haa_takes_a_top_level_haa() {
    let stray_only = |tweak: fn(&mut ClientConfig)| {
        let mut c = client_with(identified(), tweak);
        let x = xid(&first_request(&mut c));
        configured(&answer(
            &mut c,
            10,
            &reply(x, valid(vec![haa("2001:db8:e::1")])),
        ))
    };
    let d = stray_only(|_| {});
    assert_eq!(d.discarded, discards(&[(72, OutsideContainer)]));
    assert!(d.chosen.is_none());
    let k = stray_only(|c| c.use_stray_haa = true);
    assert!(k.discarded.is_empty());
    assert_eq!(
        k.chosen.unwrap().home_agent,
        HaCandidate::Address(a("2001:db8:e::1"))
    );
}

#[test]
fn knob_hnidf_as_text_sends_dotted_text_that_does_not_parse() {
    let mut cfg = config(identified());
    cfg.hnidf_as_text = true;
    let c = Client::new(cfg, seeded_rng(7));
    let req = c.information_request(1, 0);
    assert_eq!(
        req.options_with(code::MIP6_HNIDF).next(),
        Some(&DhcpOption::Other {
            code: code::MIP6_HNIDF,
            data: MSP.trim_end_matches('.').as_bytes().to_vec(),
        })
    );
    let bytes = req.to_bytes().unwrap();
    assert!(
        Repr::from_bytes(&bytes).is_err(),
        "text is no RFC 3315 §8 name"
    );
}
