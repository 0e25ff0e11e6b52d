//! DHCPv6 server under test in the integrated scenario (RFC 6611 §4.2.1 (4), §4.2.2 (4);
//! RFC 6610 §3.1, §4.3, §4.4; RFC 6422 §6). The harness's stimulus relay (RELAY, role
//! `dhcpv6-relay-stimulus`) sends the server (DHCP) nine Relay-forwards, one per shape, each
//! around an Information-request of its own client (DUID-LL 00:00:5e:00:53:NN, NN = the
//! shape's number; `crates/engines/src/dhcpv6/relay_stimulus.rs`). All tests here judge that
//! one run, read from the ASP link's capture: the Relay-forward of a shape, and the Relay-reply
//! the server sent back for that client.
//!
//! The server is configured (topology `integrated-dhcp-iut`) with HA2 for a VDINF, a Home
//! Network ID FQDN table holding `example.net` → HA2, and options 50 and 69 RSOO-enabled
//! (INTERP-6611-4: with 69 enabled by the lab, a server that drops the RSOO's IDINF cannot
//! claim RFC 6422's letter, so it FAILs, not INCONCLUSIVE). HA1 is the AAA's assignment the
//! relay supplies; the decoy is an address only a rule-breaking server sends.
//!
//! Not exercised: a shape whose Relay-forward is not on the wire, or a server that answered
//! no shape at all, is INCONCLUSIVE. A shape left unanswered while others were answered FAILs
//! the tests whose requirement is an answer (an Information-request gets a Reply, RFC 8415
//! §18.3.6, which RFC 6610 §4.3 refers a server to; RFC 6422 §6 "still answers"; RFC 6611
//! §4.2.1 (4) "follows the behavior described in [RFC6610]") and TP-INT-DHCP-CLIENT-ID-01;
//! the others, which judge a Reply's content, are INCONCLUSIVE on it.

use crate::{ASP_HA, DECOY_HA, HOME_NETWORK, MSP_HA, TABLE_NETWORK};
use mip6lab_suite::observe::{same_name, Container, ContainerKind, DhcpBody, DhcpOpt};
use mip6lab_suite::{
    try_step, IutRole, Observation, Outcome, Scenario, Stimulus, TestBed, TestPurpose,
};
use std::net::Ipv6Addr;
use std::time::Duration;

const TOPOLOGY: &str = "integrated-dhcp-iut";
/// The stimulus relay's and the server's roles in the topology.
const RELAY: &str = "RELAY";
pub(crate) const SERVER: &str = "DHCP";
/// The home link prefix the AAAH assigned with HA1 (in the `msp` RSOO).
const MSP_PREFIX: (Ipv6Addr, u8) = (Ipv6Addr::new(0x2001, 0xdb8, 1, 0x100, 0, 0, 0, 0), 64);
/// The name in the non-RSOO-enabled option 24 of `not-enabled`.
const RSOO_DECOY_DOMAIN: &str = "rsoo-decoy.example.";
/// The network no one knows (`unknown-network`).
const UNKNOWN_NETWORK: &str = "unknown.example";

/// One of the stimulus relay's shapes: its number (its client's DUID-LL ends in it) and name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    pub number: u8,
    pub name: &'static str,
}

impl Shape {
    /// The client's link-layer address, hex as the transcript shows it.
    pub fn client_lladdr(self) -> String {
        format!("00005e0053{:02x}", self.number)
    }
}

pub const MSP: Shape = Shape {
    number: 1,
    name: "msp",
};
pub const ASP: Shape = Shape {
    number: 2,
    name: "asp",
};
pub const NOT_ENABLED: Shape = Shape {
    number: 3,
    name: "not-enabled",
};
pub const NESTED: Shape = Shape {
    number: 4,
    name: "nested",
};
pub const OWN_CANDIDATE: Shape = Shape {
    number: 5,
    name: "own-candidate",
};
pub const UNKNOWN: Shape = Shape {
    number: 6,
    name: "unknown-network",
};
pub const TWO_NETWORKS: Shape = Shape {
    number: 7,
    name: "two-networks",
};
pub const NO_RSOO: Shape = Shape {
    number: 8,
    name: "no-rsoo",
};
pub const UNRESTRICTED: Shape = Shape {
    number: 12,
    name: "unrestricted",
};
/// Every shape, in the order the relay sends them.
pub const SHAPES: [Shape; 9] = [
    MSP,
    ASP,
    NOT_ENABLED,
    NESTED,
    OWN_CANDIDATE,
    UNKNOWN,
    TWO_NETWORKS,
    NO_RSOO,
    UNRESTRICTED,
];

/// A test purpose with the DHCPv6 server under test, driven by the stimulus relay, observed
/// until the relay reports `relay_stimulus_done`: at most 9 shapes × 2 attempts × 2 s, so
/// 45 s bounds even a server that answers nothing.
pub(crate) const fn tp(
    id: &'static str,
    title: &'static str,
    requirements: &'static [&'static str],
    judge: fn(&Observation) -> Outcome,
) -> TestPurpose {
    TestPurpose::new(
        TestBed::new(Scenario::Integrated, IutRole::DhcpServer, TOPOLOGY),
        id,
        title,
        requirements,
        judge,
    )
    .stimulus(Stimulus {
        node: "relay",
        env: &[],
    })
    .until_event(Some("relay_stimulus_done"))
    .observe_for(Duration::from_secs(45))
}

fn address(s: &str) -> Ipv6Addr {
    s.parse().expect("a constant address")
}

/// What a judge does with a shape the server left unanswered while it answered others.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unanswered {
    /// The requirement is (also) that a Reply comes.
    Fails,
    /// The requirement is about a Reply's content: nothing to judge.
    NotJudged,
}

/// A shape's exchange that the server answered.
pub(crate) struct Answered<'a> {
    forward: mip6lab_suite::observe::DhcpMessage<'a>,
    relay_reply: mip6lab_suite::observe::DhcpMessage<'a>,
    /// The Reply inside the Relay-reply.
    pub(crate) reply: DhcpBody<'a>,
}

impl Answered<'_> {
    /// `o` with the Relay-forward and the Relay-reply as evidence.
    pub(crate) fn evidence(&self, obs: &Observation, o: Outcome) -> Outcome {
        o.with_frames(
            obs.pcap_of(self.relay_reply.position),
            [self.forward.frame(), self.relay_reply.frame()],
        )
    }
}

/// Whether the server answered any shape's request at all.
fn answered_any(obs: &Observation) -> bool {
    SHAPES.iter().any(|s| {
        obs.relayed_exchange(RELAY, SERVER, &s.client_lladdr())
            .is_some_and(|e| e.relay_reply.is_some())
    })
}

/// The server's answer to `shape`, or the outcome when there is none to judge.
pub(crate) fn answered(
    obs: &Observation,
    shape: Shape,
    unanswered: Unanswered,
) -> Result<Answered<'_>, Outcome> {
    let Some(exchange) = obs.relayed_exchange(RELAY, SERVER, &shape.client_lladdr()) else {
        return Err(Outcome::not_reached(
            "the stimulus relay's start",
            format!(
                "the relay's `{}` Relay-forward (client 00:00:5e:00:53:{:02x}) is not on the wire",
                shape.name, shape.number
            ),
        ));
    };
    let Some(relay_reply) = exchange.relay_reply.clone() else {
        if !answered_any(obs) {
            return Err(Outcome::not_reached(
                "the relay's Relay-forwards",
                "the server answered none of the relay's requests (no Relay-reply at all)",
            ));
        }
        let pcap = obs.pcap_of(exchange.forward.position);
        let why = format!(
            "the server answered other shapes' requests but sent no Relay-reply to `{}`",
            shape.name
        );
        return Err(match unanswered {
            Unanswered::Fails => Outcome::fail(format!(
                "{why} (an Information-request gets a Reply: RFC 8415 §18.3.6)"
            )),
            Unanswered::NotJudged => Outcome::inconclusive(format!(
                "{why}: no Reply to judge here (TP-INT-DHCP-CLIENT-ID-01 fails the missing answer)"
            )),
        }
        .with_frames(pcap, [exchange.forward.frame()]));
    };
    let Some(reply) = exchange.reply().cloned() else {
        return Err(Outcome::fail(format!(
            "the server's Relay-reply to `{}` holds no readable message",
            shape.name
        ))
        .with_frames(obs.pcap_of(relay_reply.position), [relay_reply.frame()]));
    };
    Ok(Answered {
        forward: exchange.forward,
        relay_reply,
        reply,
    })
}

/// The containers of `kind` at the Reply's top level.
pub(crate) fn containers_of<'a>(reply: &DhcpBody<'a>, kind: ContainerKind) -> Vec<Container<'a>> {
    reply
        .containers()
        .into_iter()
        .filter(|c| c.kind == kind)
        .collect()
}

/// A container as a reason shows it.
pub(crate) fn show(c: &Container) -> String {
    let mut parts = Vec::new();
    if let Some(h) = &c.hnidf {
        parts.push(format!("HNIDF {h}"));
    }
    parts.extend(c.haas.iter().map(|a| format!("HAA {a}")));
    parts.extend(c.hnps.iter().map(|(p, l)| format!("HNP {p}/{l}")));
    parts.extend(c.hafs.iter().map(|h| format!("HAF {h}")));
    format!("{:?} {{{}}}", c.kind, parts.join(", "))
}

pub(crate) fn show_all(cs: &[Container]) -> String {
    if cs.is_empty() {
        return "none".into();
    }
    cs.iter().map(show).collect::<Vec<_>>().join(", ")
}

/// An error status (RFC 8415 §21.13: anything but Success, 0) at the Reply's top level.
fn error_status(reply: &DhcpBody) -> Option<(u16, String)> {
    reply.options.iter().find_map(|o| match o {
        DhcpOpt::StatusCode { status, message } if *status != 0 => Some((*status, message.clone())),
        _ => None,
    })
}

/// RFC 6611 §4.2.1 (4): with the client's HNIDF naming the MSP and the AAA's HA in the
/// relay's RSOO, the server returns that information in an IDINF (RFC 6610 §3.1: the HNIDF
/// inside it; RFC 6422 §6: an RSOO option it has no candidate for is added).
#[mip6lab_suite::test_purpose]
pub fn msp_idinf_from_rsoo() -> TestPurpose {
    tp(
        "TP-INT-DHCP-MSP-01",
        "Server returns the AAA-assigned HA from the RSOO in an IDINF for the MSP the client named",
        &[
            "RFC6611-4.2.1-DHCP-MUST-2",
            "RFC6611-4.2.1-DHCP-MUST-3",
            "RFC6611-4.2.1-DHCP-MUST-4",
            "RFC6422-6-DHCP-SHOULD-2",
            "RFC6610-3.1-DHCP-MUST-1",
        ],
        judge_msp_idinf_from_rsoo,
    )
}

pub fn judge_msp_idinf_from_rsoo(obs: &Observation) -> Outcome {
    let a = try_step!(answered(obs, MSP, Unanswered::NotJudged));
    let verdict = |o: Outcome| a.evidence(obs, o);
    let Some(supplied) = a
        .forward
        .rsoo_containers()
        .into_iter()
        .find(|c| c.kind == ContainerKind::Idinf)
    else {
        return verdict(Outcome::inconclusive(
            "the relay's `msp` Relay-forward carries no RSOO IDINF: nothing was supplied",
        ));
    };
    let top_hnidfs = a.reply.hnidfs();
    if !top_hnidfs.is_empty() {
        return verdict(Outcome::fail(format!(
            "the Reply carries HNIDF {top_hnidfs:?} at its top level, not inside the IDINF it \
             identifies (RFC 6610 §3.1)"
        )));
    }
    let idinfs = containers_of(&a.reply, ContainerKind::Idinf);
    if let Some(bare) = idinfs.iter().find(|c| c.hnidf.is_none()) {
        return verdict(Outcome::fail(format!(
            "the Reply's {} has no HNIDF: RFC 6610 §3.1 puts the HNIDF inside the IDINF it \
             identifies",
            show(bare)
        )));
    }
    let Some(idinf) = idinfs.iter().find(|c| c.names(HOME_NETWORK)) else {
        return verdict(Outcome::fail(format!(
            "the Reply has no IDINF for {HOME_NETWORK} (IDINFs: {}), although the client named it \
             and the relay's RSOO supplied {} with 69 RSOO-enabled by configuration",
            show_all(&idinfs),
            show(&supplied)
        )));
    };
    let ha1 = address(MSP_HA);
    let same_content =
        idinf.haas == supplied.haas && idinf.hnps == supplied.hnps && idinf.hafs == supplied.hafs;
    if !idinf.haas.contains(&ha1) {
        return verdict(Outcome::fail(format!(
            "the Reply's IDINF for {HOME_NETWORK} is {}, not the AAA's HA {ha1} from the RSOO \
             (RFC 6611 §4.2.1 (4), INTERP-6611-5)",
            show(idinf)
        )));
    }
    if !same_content {
        return verdict(Outcome::fail(format!(
            "the Reply's IDINF {} is not the RSOO's {} (RFC 6422 §6: the option as supplied)",
            show(idinf),
            show(&supplied)
        )));
    }
    if idinf.hnp() != Some(MSP_PREFIX) {
        return verdict(Outcome::fail(format!(
            "the Reply's IDINF {} lost the AAA's prefix {}/{}",
            show(idinf),
            MSP_PREFIX.0,
            MSP_PREFIX.1
        )));
    }
    verdict(Outcome::pass(format!(
        "the Reply carries {}, the RSOO's information, with its HNIDF inside",
        show(idinf)
    )))
}

/// RFC 6611 §4.2.2 (4): a request asking for VDINF without an HNIDF is the ASP case: the
/// server answers with its configured HA in a VDINF and does not use the RSOO's information.
#[mip6lab_suite::test_purpose]
pub fn asp_vdinf_from_configuration() -> TestPurpose {
    tp(
        "TP-INT-DHCP-ASP-01",
        "Server answers the ASP case with its configured HA in a VDINF, ignoring the RSOO",
        &[
            "RFC6611-4.2.2-DHCP-MUST-2",
            "RFC6611-4.2.2-DHCP-MUST-3",
            "RFC6611-4.2.2-DHCP-MUST-NOT-1",
        ],
        judge_asp_vdinf_from_configuration,
    )
    .pics(&["dhcp.vdinf"])
}

pub fn judge_asp_vdinf_from_configuration(obs: &Observation) -> Outcome {
    let a = try_step!(answered(obs, ASP, Unanswered::NotJudged));
    let verdict = |o: Outcome| a.evidence(obs, o);
    let decoy = address(DECOY_HA);
    if a.reply.haas_anywhere().contains(&decoy) {
        return verdict(Outcome::fail(format!(
            "the Reply carries {decoy}, the HA of the relay's RSOO, which the ASP case does not use \
             (RFC 6611 §4.2.2 (4))"
        )));
    }
    let idinfs = containers_of(&a.reply, ContainerKind::Idinf);
    if !idinfs.is_empty() {
        return verdict(Outcome::fail(format!(
            "the ASP-case Reply (no HNIDF, ORO [50]) carries IDINFs: {}",
            show_all(&idinfs)
        )));
    }
    let ha2 = address(ASP_HA);
    let vdinfs = containers_of(&a.reply, ContainerKind::Vdinf);
    match vdinfs.iter().find(|c| c.haas.contains(&ha2)) {
        Some(v) => verdict(Outcome::pass(format!(
            "the Reply carries {}, the configured ASP HA, and nothing from the RSOO",
            show(v)
        ))),
        None => verdict(Outcome::fail(format!(
            "the Reply has no VDINF with the configured ASP HA {ha2} (VDINFs: {})",
            show_all(&vdinfs)
        ))),
    }
}

/// RFC 6422 §6: the server examines each option in an RSOO and silently discards those not
/// RSOO-enabled (option 24) while it takes the enabled IDINF, and answers as usual.
#[mip6lab_suite::test_purpose]
pub fn drops_non_rsoo_enabled() -> TestPurpose {
    tp(
        "TP-INT-DHCP-RSOO-ENABLED-01",
        "Server drops a non-RSOO-enabled option from the RSOO and keeps the enabled IDINF",
        &["RFC6422-6-DHCP-MUST-1", "RFC6422-6-DHCP-MUST-2"],
        judge_drops_non_rsoo_enabled,
    )
}

pub fn judge_drops_non_rsoo_enabled(obs: &Observation) -> Outcome {
    let a = try_step!(answered(obs, NOT_ENABLED, Unanswered::Fails));
    let verdict = |o: Outcome| a.evidence(obs, o);
    let supplied_24 = a
        .forward
        .rsoo()
        .is_some_and(|r| r.iter().any(|o| o.code() == Some(24)));
    if !supplied_24 {
        return verdict(Outcome::inconclusive(
            "the relay's `not-enabled` RSOO carries no option 24: nothing to discard",
        ));
    }
    if a.reply
        .domain_list()
        .iter()
        .any(|n| same_name(n, RSOO_DECOY_DOMAIN))
    {
        return verdict(Outcome::fail(format!(
            "the Reply carries option 24 naming {RSOO_DECOY_DOMAIN}, taken from the RSOO although \
             it is not RSOO-enabled"
        )));
    }
    if let Some((status, message)) = error_status(&a.reply) {
        return verdict(Outcome::fail(format!(
            "the Reply carries status {status} ({message}): a non-enabled option is discarded \
             silently"
        )));
    }
    let ha1 = address(MSP_HA);
    let idinfs = containers_of(&a.reply, ContainerKind::Idinf);
    if !idinfs
        .iter()
        .any(|c| c.names(HOME_NETWORK) && c.haas.contains(&ha1))
    {
        return verdict(Outcome::fail(format!(
            "the RSOO's enabled IDINF (HAA {ha1}) is missing from the Reply (IDINFs: {}): each \
             option of an RSOO is judged on its own",
            show_all(&idinfs)
        )));
    }
    verdict(Outcome::pass(
        "the Reply took the RSOO's IDINF and dropped its option 24, silently",
    ))
}

/// RFC 6422 §6: with an RSOO at two relay levels, the server forwards at most one IDINF, by
/// default the innermost relay's (the one closest to the client).
#[mip6lab_suite::test_purpose]
pub fn innermost_rsoo_wins() -> TestPurpose {
    tp(
        "TP-INT-DHCP-NESTED-01",
        "Server forwards one IDINF from nested RSOOs, the innermost relay's",
        &[
            "RFC6422-6-DHCP-MUST-3",
            "RFC6422-6-DHCP-MUST-NOT-1",
            "RFC6422-6-DHCP-MUST-4",
        ],
        judge_innermost_rsoo_wins,
    )
}

pub fn judge_innermost_rsoo_wins(obs: &Observation) -> Outcome {
    let a = try_step!(answered(obs, NESTED, Unanswered::NotJudged));
    let verdict = |o: Outcome| a.evidence(obs, o);
    if a.forward.relay_levels().len() < 2 {
        return verdict(Outcome::inconclusive(
            "the relay's `nested` Relay-forward has one relay level: no conflict to resolve",
        ));
    }
    let (ha1, decoy) = (address(MSP_HA), address(DECOY_HA));
    // Both RSOOs speak of the client's one network; an IDINF for any other is no choice
    // between them, and no IDINF the client asked for.
    let (idinfs, others): (Vec<_>, Vec<_>) = containers_of(&a.reply, ContainerKind::Idinf)
        .into_iter()
        .partition(|c| c.names(HOME_NETWORK));
    if !others.is_empty() {
        return verdict(Outcome::fail(format!(
            "the Reply carries IDINFs for networks the client did not name: {}",
            show_all(&others)
        )));
    }
    let o = match idinfs.as_slice() {
        [] => Outcome::fail(
            "the Reply carries no IDINF: by default the innermost relay's is forwarded",
        ),
        [one] if one.haas.contains(&decoy) => Outcome::fail(format!(
            "the Reply forwards {}, the outer relay's value, not the innermost ({ha1})",
            show(one)
        )),
        [one] if one.haas.contains(&ha1) => Outcome::pass(format!(
            "one IDINF forwarded, the innermost relay's: {}",
            show(one)
        )),
        [one] => Outcome::fail(format!(
            "the Reply's one IDINF {} is neither relay's",
            show(one)
        )),
        many => Outcome::fail(format!(
            "the Reply forwards {} IDINFs from the conflicting RSOOs: {}",
            many.len(),
            show_all(many)
        )),
    };
    if o.verdict == mip6lab_suite::Verdict::Pass && a.reply.haas_anywhere().contains(&decoy) {
        return verdict(Outcome::fail(format!(
            "the outer relay's HA {decoy} appears in the Reply"
        )));
    }
    verdict(o)
}

/// RFC 6422 §6: an RSOO option for which the server already has a candidate (its own VDINF)
/// is discarded.
#[mip6lab_suite::test_purpose]
pub fn own_candidate_preferred() -> TestPurpose {
    tp(
        "TP-INT-DHCP-OWN-CANDIDATE-01",
        "Server keeps its own VDINF and discards the RSOO's",
        &["RFC6422-6-DHCP-SHOULD-3"],
        judge_own_candidate_preferred,
    )
    .pics(&["dhcp.vdinf"])
}

pub fn judge_own_candidate_preferred(obs: &Observation) -> Outcome {
    let a = try_step!(answered(obs, OWN_CANDIDATE, Unanswered::NotJudged));
    let verdict = |o: Outcome| a.evidence(obs, o);
    let (ha2, decoy) = (address(ASP_HA), address(DECOY_HA));
    let vdinfs = containers_of(&a.reply, ContainerKind::Vdinf);
    if a.reply.haas_anywhere().contains(&decoy) {
        return verdict(Outcome::fail(format!(
            "the Reply carries the RSOO's VDINF HA {decoy} although the server has its own VDINF \
             (VDINFs: {})",
            show_all(&vdinfs)
        )));
    }
    match vdinfs.as_slice() {
        [one] if one.haas.contains(&ha2) => verdict(Outcome::pass(format!(
            "the Reply carries one VDINF, the server's own: {}",
            show(one)
        ))),
        other => verdict(Outcome::fail(format!(
            "the Reply should carry one VDINF, the server's own with {ha2}; it carries {}",
            show_all(other)
        ))),
    }
}

/// RFC 6611 §4.2.1 (4): without the requested information the server follows RFC 6610: it
/// answers, leaving out what it does not have, and invents no home agent.
#[mip6lab_suite::test_purpose]
pub fn nothing_for_an_unknown_network() -> TestPurpose {
    tp(
        "TP-INT-DHCP-UNKNOWN-01",
        "Server answers a request for an unknown network without an IDINF or an invented HA",
        &["RFC6611-4.2.1-DHCP-MUST-5"],
        judge_nothing_for_an_unknown_network,
    )
}

pub fn judge_nothing_for_an_unknown_network(obs: &Observation) -> Outcome {
    let a = try_step!(answered(obs, UNKNOWN, Unanswered::Fails));
    let verdict = |o: Outcome| a.evidence(obs, o);
    let idinfs = containers_of(&a.reply, ContainerKind::Idinf);
    if !idinfs.is_empty() {
        return verdict(Outcome::fail(format!(
            "the Reply to a request naming only {UNKNOWN_NETWORK} carries IDINFs: {}",
            show_all(&idinfs)
        )));
    }
    if let Some(o) = invented_ha(&a.reply) {
        return verdict(o);
    }
    if let Some((status, message)) = error_status(&a.reply) {
        return verdict(Outcome::fail(format!(
            "the Reply carries status {status} ({message}) for information it does not have"
        )));
    }
    verdict(Outcome::pass(format!(
        "the Reply leaves out what the server does not have for {UNKNOWN_NETWORK}, no HA invented"
    )))
}

/// A FAIL when the Reply names a home agent the server was not configured with (it has only
/// the ASP's).
fn invented_ha(reply: &DhcpBody) -> Option<Outcome> {
    let ha2 = address(ASP_HA);
    let foreign: Vec<Ipv6Addr> = reply
        .haas_anywhere()
        .into_iter()
        .filter(|a| *a != ha2)
        .collect();
    (!foreign.is_empty()).then(|| {
        Outcome::fail(format!(
            "the Reply names home agents {foreign:?}, none of them configured for it (the server \
             has only {ha2}) and none supplied in this request"
        ))
    })
}

/// RFC 6610 §4.3: a server with a Home Network ID FQDN table includes, for each HNIDF of the
/// request found in it, that entry's IDINF, with the HNIDF inside.
#[mip6lab_suite::test_purpose]
pub fn one_idinf_per_network() -> TestPurpose {
    tp(
        "TP-INT-DHCP-TWO-NETWORKS-01",
        "Server answers two named networks with one IDINF each, its table's entry with its HNIDF",
        &[
            "RFC6610-4.3-DHCP-SHOULD-1",
            "RFC6610-4.3-DHCP-SHOULD-2",
            "RFC6610-4.3-DHCP-MUST-1",
        ],
        judge_one_idinf_per_network,
    )
    .pics(&["dhcp.hnidf_table"])
}

pub fn judge_one_idinf_per_network(obs: &Observation) -> Outcome {
    let a = try_step!(answered(obs, TWO_NETWORKS, Unanswered::NotJudged));
    let verdict = |o: Outcome| a.evidence(obs, o);
    let idinfs = containers_of(&a.reply, ContainerKind::Idinf);
    if let Some(bare) = idinfs.iter().find(|c| c.hnidf.is_none()) {
        return verdict(Outcome::fail(format!(
            "the Reply's {} has no HNIDF identifying its home network (RFC 6610 §4.3)",
            show(bare)
        )));
    }
    let top = a.reply.hnidfs();
    if !top.is_empty() {
        return verdict(Outcome::fail(format!(
            "the Reply carries HNIDF {top:?} at its top level instead of inside the IDINFs"
        )));
    }
    let stray: Vec<&Container> = idinfs
        .iter()
        .filter(|c| !c.names(HOME_NETWORK) && !c.names(TABLE_NETWORK))
        .collect();
    if let Some(stray) = stray.first() {
        return verdict(Outcome::fail(format!(
            "the Reply carries {}, for a network the client did not name",
            show(stray)
        )));
    }
    let per = |net: &str| idinfs.iter().filter(|c| c.names(net)).collect::<Vec<_>>();
    let (table, rsoo) = (per(TABLE_NETWORK), per(HOME_NETWORK));
    let (ha1, ha2) = (address(MSP_HA), address(ASP_HA));
    let o = match table.as_slice() {
        [] => Outcome::fail(format!(
            "the client named {TABLE_NETWORK}, which is in the server's table, and the Reply has \
             no IDINF for it (IDINFs: {})",
            show_all(&idinfs)
        )),
        [one] if !one.haas.contains(&ha2) => Outcome::fail(format!(
            "the Reply's IDINF for {TABLE_NETWORK} is {}, not the table's entry ({ha2})",
            show(one)
        )),
        [_] if rsoo.len() > 1 || rsoo.iter().any(|c| !c.haas.contains(&ha1)) => {
            Outcome::fail(format!(
                "the Reply's IDINFs for {HOME_NETWORK} are {}: one, with the RSOO's {ha1}, was due",
                show_all(&rsoo.into_iter().cloned().collect::<Vec<_>>())
            ))
        }
        [one] => Outcome::pass(format!(
            "one IDINF per network named, each with its HNIDF: {}{}",
            show(one),
            rsoo.first()
                .map(|c| format!(", {}", show(c)))
                .unwrap_or_else(|| format!(
                    " ({HOME_NETWORK}'s RSOO IDINF left out; TP-INT-DHCP-MSP-01 judges that)"
                ))
        )),
        many => Outcome::fail(format!(
            "the Reply carries {} IDINFs for {TABLE_NETWORK}: {}",
            many.len(),
            show_all(&many.iter().map(|c| (*c).clone()).collect::<Vec<_>>())
        )),
    };
    verdict(o)
}

/// RFC 6610 §4.4: without the NAS's information the server may fail to provide it, or
/// provide what it was configured with, and nothing else: here it has nothing for
/// example.com, so no IDINF for it, and never an HA other clients' RSOOs carried.
#[mip6lab_suite::test_purpose]
pub fn nothing_without_rsoo() -> TestPurpose {
    tp(
        "TP-INT-DHCP-NO-RSOO-01",
        "Server without the NAS's information gives no IDINF for the MSP, nor an HA from earlier RSOOs",
        &["RFC6610-4.4-DHCP-MAY-1", "RFC6611-4.2.1-DHCP-MUST-5"],
        judge_nothing_without_rsoo,
    )
}

pub fn judge_nothing_without_rsoo(obs: &Observation) -> Outcome {
    let a = try_step!(answered(obs, NO_RSOO, Unanswered::Fails));
    let verdict = |o: Outcome| a.evidence(obs, o);
    if a.forward.rsoo().is_some() {
        return verdict(Outcome::inconclusive(
            "the relay's `no-rsoo` Relay-forward carries an RSOO after all",
        ));
    }
    let ha1 = address(MSP_HA);
    let idinfs = containers_of(&a.reply, ContainerKind::Idinf);
    if let Some(idinf) = idinfs.iter().find(|c| c.names(HOME_NETWORK)) {
        let whence = if idinf.haas.contains(&ha1) {
            format!(", with {ha1}, the HA earlier clients' RSOOs carried")
        } else {
            String::new()
        };
        return verdict(Outcome::fail(format!(
            "the Reply carries {}{whence}: the server has no information for {HOME_NETWORK} \
             without the NAS's",
            show(idinf)
        )));
    }
    if let Some(o) = invented_ha(&a.reply) {
        return verdict(o);
    }
    verdict(Outcome::pass(format!(
        "no IDINF for {HOME_NETWORK} without the NAS's information, no HA from elsewhere"
    )))
}

/// RFC 6611 §4.2.1 (4) and §4.2.2 (4): the server identifies the client by its CLIENTID;
/// RFC 6610 §4.3: otherwise it behaves as RFC 8415 says: every relayed Information-request
/// gets a Relay-reply to the relay (hop-count, link-address, peer-address and Interface-Id as
/// in the Relay-forward, level by level) around a Reply with SERVERID, the client's CLIENTID
/// and the request's transaction-id.
#[mip6lab_suite::test_purpose]
pub fn answers_each_client() -> TestPurpose {
    tp(
        "TP-INT-DHCP-CLIENT-ID-01",
        "Server answers every relayed request in a Relay-reply to the client it identified by CLIENTID",
        &[
            "RFC6611-4.2.1-DHCP-MUST-1",
            "RFC6611-4.2.2-DHCP-MUST-1",
            "RFC6610-4.3-DHCP-MUST-2",
        ],
        judge_answers_each_client,
    )
}

pub fn judge_answers_each_client(obs: &Observation) -> Outcome {
    let mut judged = Vec::new();
    let mut frames = Vec::new();
    let mut pcap = None;
    for shape in SHAPES {
        let a = try_step!(answered(obs, shape, Unanswered::Fails));
        if let Some(why) = reply_fault(&a) {
            return a.evidence(obs, Outcome::fail(format!("`{}`: {why}", shape.name)));
        }
        judged.push(shape.name);
        frames.extend([a.forward.frame(), a.relay_reply.frame()]);
        pcap.get_or_insert(obs.pcap_of(a.relay_reply.position));
    }
    // Every exchange is on the one link the relay stimulus and the server share.
    Outcome::pass(format!(
        "all {} relayed requests answered in Relay-replies to the relay, each Reply to its client \
         (CLIENTID, transaction-id) with a SERVERID: {}",
        judged.len(),
        judged.join(", ")
    ))
    .with_frames(pcap.unwrap_or_default(), frames)
}

/// What is wrong with the Relay-reply and Reply of an exchange, per RFC 8415 §18.3.10/§19.3
/// and §16.10 (the client side's checks).
fn reply_fault(a: &Answered) -> Option<String> {
    let request = a.forward.innermost()?;
    if a.reply.msg_type != mip6lab_suite::observe::DhcpMessageType::Reply {
        return Some(format!(
            "the Relay-reply carries {:?}, not a Reply",
            a.reply.msg_type
        ));
    }
    if a.reply.transaction_id != request.transaction_id {
        return Some(format!(
            "the Reply's transaction-id {:?} is not the request's {:?}",
            a.reply.transaction_id, request.transaction_id
        ));
    }
    match (a.reply.client_id(), request.client_id()) {
        (None, _) => return Some("the Reply carries no Client Identifier".into()),
        (Some(got), Some(sent)) if got != sent => {
            return Some(format!(
                "the Reply's Client Identifier {got} is not the client's {sent}"
            ))
        }
        _ => {}
    }
    if a.reply.server_id().is_none() {
        return Some("the Reply carries no Server Identifier".into());
    }
    let (sent, got) = (a.forward.relay_levels(), a.relay_reply.relay_levels());
    if sent.len() != got.len() {
        return Some(format!(
            "the Relay-reply has {} relay levels, the Relay-forward {}",
            got.len(),
            sent.len()
        ));
    }
    for (level, (f, r)) in sent.iter().zip(&got).enumerate() {
        let header = |b: &DhcpBody| {
            b.relay
                .map(|h| (h.hop_count, h.link_address, h.peer_address))
        };
        if header(f) != header(r) {
            return Some(format!(
                "relay level {level}: the Relay-reply's hop-count/link-address/peer-address {:?} \
                 are not the Relay-forward's {:?}",
                header(r),
                header(f)
            ));
        }
        if f.interface_id() != r.interface_id() {
            return Some(format!(
                "relay level {level}: Interface-Id {:?} was not copied (got {:?})",
                f.interface_id(),
                r.interface_id()
            ));
        }
    }
    None
}

/// RFC 6422 §6: apart from the options it adds from an RSOO, the server builds its Reply as
/// it normally would: the MSP case with an RSOO and without one get the same Reply but for
/// the RSOO's IDINF.
#[mip6lab_suite::test_purpose]
pub fn rsoo_changes_nothing_else() -> TestPurpose {
    tp(
        "TP-INT-DHCP-SAME-REPLY-01",
        "Server's Reply with an RSOO is its Reply without one plus the RSOO's options",
        &["RFC6422-6-DHCP-SHOULD-4"],
        judge_rsoo_changes_nothing_else,
    )
}

pub fn judge_rsoo_changes_nothing_else(obs: &Observation) -> Outcome {
    let with = try_step!(answered(obs, MSP, Unanswered::NotJudged));
    let without = try_step!(answered(obs, NO_RSOO, Unanswered::NotJudged));
    // The RSOO adds IDINFs; everything else is compared by code, in order.
    let codes = |b: &DhcpBody| {
        b.options
            .iter()
            .filter_map(DhcpOpt::code)
            .filter(|c| *c != mip6lab_suite::observe::dhcp_option::MIP6_IDINF)
            .collect::<Vec<_>>()
    };
    let frames = [
        with.forward.frame(),
        with.relay_reply.frame(),
        without.forward.frame(),
        without.relay_reply.frame(),
    ];
    let pcap = obs.pcap_of(with.relay_reply.position);
    let o = if codes(&with.reply) != codes(&without.reply) {
        Outcome::fail(format!(
            "with the RSOO the Reply's other options are {:?}, without it {:?}",
            codes(&with.reply),
            codes(&without.reply)
        ))
    } else if with.reply.server_id() != without.reply.server_id() {
        Outcome::fail("the Server Identifier differs between the Replies with and without an RSOO")
    } else {
        Outcome::pass(format!(
            "the Replies with and without an RSOO carry the same other options {:?}",
            codes(&with.reply)
        ))
    };
    o.with_frames(pcap, frames)
}

/// Every shape the server answered, with its exchange, in shape order.
pub(crate) fn every_answer(obs: &Observation) -> Vec<(Shape, Answered<'_>)> {
    SHAPES
        .iter()
        .filter_map(|s| Some((*s, answered(obs, *s, Unanswered::NotJudged).ok()?)))
        .collect()
}

/// RFC 6610 §3.2.1, §3.2.2: a container holds "one or more options, specifying information"
/// about its network; §3.3: the HNP's prefix-len is the prefix's length. Every container of
/// every Reply the server sent.
#[mip6lab_suite::test_purpose]
pub fn containers_well_formed() -> TestPurpose {
    tp(
        "TP-INT-DHCP-FORM-01",
        "Server's containers hold their network's information in well-formed options",
        &[
            "RFC6610-3.2.1-ANY-MUST-1",
            "RFC6610-3.2.2-ANY-MUST-1",
            "RFC6610-3.3-ANY-MUST-1",
        ],
        judge_containers_well_formed,
    )
}

pub fn judge_containers_well_formed(obs: &Observation) -> Outcome {
    if let Some((e, reason)) = obs
        .malformed_dhcp()
        .into_iter()
        .find(|(e, _)| e.src == SERVER)
    {
        return obs.with_entries(
            Outcome::fail(format!("the server's Relay-reply does not parse: {reason}")),
            &[e],
        );
    }
    let answers = every_answer(obs);
    let mut kinds = Vec::new();
    for (shape, a) in &answers {
        let containers = a.reply.containers();
        let faults = crate::container_faults(&containers);
        if let Some(first) = faults.first() {
            return a.evidence(
                obs,
                Outcome::fail(format!("the Reply to `{}` carries {first}", shape.name)),
            );
        }
        kinds.extend(containers.iter().map(|c| c.kind));
    }
    match answers.last() {
        Some((_, last)) if !kinds.is_empty() => last.evidence(
            obs,
            Outcome::pass(format!(
                "{} containers in {} Replies, each with its network's information ({kinds:?})",
                kinds.len(),
                answers.len()
            )),
        ),
        // The positive control: containers to examine.
        _ => Outcome::not_reached(
            "the server's Replies",
            "no Reply carried a container: nothing to examine (TP-INT-DHCP-MSP-01 and -ASP-01 \
             judge their absence)",
        ),
    }
}

/// RFC 6610 §3.3, §3.4, §3.5: the HNP, HAA and HAF "should only appear in one of the Home
/// Network Information options", never at a Reply's top level.
#[mip6lab_suite::test_purpose]
pub fn sub_options_only_in_containers() -> TestPurpose {
    tp(
        "TP-INT-DHCP-PLACEMENT-01",
        "Server sends HNP, HAA and HAF only inside a Home Network Information option",
        // §3.5's HAF too, though the lab's server is given none to send: not cited.
        &["RFC6610-3.3-ANY-SHOULD-1", "RFC6610-3.4-ANY-SHOULD-1"],
        judge_sub_options_only_in_containers,
    )
}

pub fn judge_sub_options_only_in_containers(obs: &Observation) -> Outcome {
    let answers = every_answer(obs);
    let mut inside = 0;
    for (shape, a) in &answers {
        let stray: Vec<u16> = [71u16, 72, 73]
            .into_iter()
            .filter(|c| a.reply.option(*c).is_some())
            .collect();
        if !stray.is_empty() {
            return a.evidence(
                obs,
                Outcome::fail(format!(
                    "the Reply to `{}` carries options {stray:?} at its top level, outside any \
                     container",
                    shape.name
                )),
            );
        }
        inside += a
            .reply
            .containers()
            .iter()
            .filter(|c| !c.haas.is_empty() || !c.hnps.is_empty() || !c.hafs.is_empty())
            .count();
    }
    // The positive control: the server did send these options, inside containers.
    match answers.last() {
        Some((_, last)) if inside > 0 => last.evidence(
            obs,
            Outcome::pass(format!(
                "HNP/HAA/HAF only inside containers ({inside} of them) in {} Replies",
                answers.len()
            )),
        ),
        _ => Outcome::not_reached(
            "the server's Replies",
            "no Reply carried an HNP, HAA or HAF at all: nothing to examine",
        ),
    }
}
