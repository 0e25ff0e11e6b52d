//! MN under test: which Home Network Information containers it asks for (RFC 6610 §4.1.1)
//! and what it does with the ones it gets (§4.1.2). Same lab as [`crate::mn_access`]: the
//! NAS relays the MN's Information-request to the harness's stimulus server (STIM), whose
//! Reply shape each test chooses (`crates/engines/src/dhcpv6/stimulus.rs`); HA2 is the home
//! agent STIM names, HA1 the one DNS discovery finds.

use crate::mn_access::{first_request, stimulus_reply, tp};
use crate::{HOME_NETWORK, MSP_HA, STIMULUS_SERVER};
use mip6lab_suite::observe::{dns_queries_from, first_ike_sa_init, ContainerKind};
use mip6lab_suite::{try_step, Observation, Outcome, TestPurpose};
use std::net::{IpAddr, Ipv6Addr};

/// The home agent STIM names (topology integrated-mn-iut).
const HA2: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 2, 0, 0, 0, 0, 0xa2);
const VDINF: u16 = 50;
const IDINF: u16 = 69;
const UDINF: u16 = 70;

/// The MSP case, relayed to STIM answering with one container of each kind requested.
const MSP: &[(&str, &str)] = &[("MIP6LAB_HOME_NETWORK_ID", HOME_NETWORK)];
const EVERY_REQUESTED: &[(&str, &str, &str)] = &[
    ("nas", "MIP6LAB_DHCP_SERVERS", STIMULUS_SERVER),
    ("stim", "MIP6LAB_DHCP_SHAPE", "every-requested"),
];
/// No preference as to the home network (RFC 6610 §4.1.1).
const NO_PREFERENCE: &[(&str, &str)] = &[("MIP6LAB_NO_HA_PREFERENCE", "yes")];
/// STIM answers with an IDINF per HNIDF that names no home agent (no HAA, no HAF).
const INCOMPLETE: &[(&str, &str, &str)] = &[
    ("nas", "MIP6LAB_DHCP_SERVERS", STIMULUS_SERVER),
    ("stim", "MIP6LAB_DHCP_SHAPE", "incomplete-idinf"),
];

/// RFC 6610 §4.1.1: "If the mobile node has no preference as to the home network ..., it
/// SHOULD request the Unrestricted Home Network Information option, and SHOULD NOT request
/// either the Visited ... or the Identified Home Network Information option."
#[mip6lab_suite::test_purpose]
pub fn no_preference_asks_unrestricted() -> TestPurpose {
    tp(
        "TP-INT-MN-NO-PREFERENCE-01",
        "MN without a home network preference asks for UDINF, and neither VDINF nor IDINF",
        &["RFC6610-4.1.1-MN-SHOULD-1", "RFC6610-4.1.1-MN-SHOULD-NOT-1"],
        NO_PREFERENCE,
        judge_no_preference_asks_unrestricted,
    )
    .peer_env(EVERY_REQUESTED)
    .pics(&["mn.dhcp.no_preference"])
}

pub fn judge_no_preference_asks_unrestricted(obs: &Observation) -> Outcome {
    let r = try_step!(first_request(obs));
    let ev = (obs.pcap_of(r.position), r.frame());
    let Some(oro) = r.oro() else {
        return Outcome::fail("the Information-request has no ORO: it asks for no container")
            .with_frames(ev.0, [ev.1]);
    };
    let others: Vec<&str> = [(VDINF, "VDINF (50)"), (IDINF, "IDINF (69)")]
        .into_iter()
        .filter(|(c, _)| oro.contains(c))
        .map(|(_, n)| n)
        .collect();
    let outcome = match (oro.contains(&UDINF), others.is_empty()) {
        (true, true) => Outcome::pass("the ORO lists UDINF (70) and neither VDINF nor IDINF"),
        (false, true) => Outcome::fail(format!(
            "with no home network preference the ORO ({oro:?}) does not list UDINF (70)"
        )),
        (true, false) => Outcome::fail(format!(
            "with no home network preference the ORO lists {} besides UDINF (70)",
            others.join(" and ")
        )),
        (false, false) => Outcome::fail(format!(
            "with no home network preference the ORO lists {} instead of UDINF (70)",
            others.join(" and ")
        )),
    };
    outcome.with_frames(ev.0, [ev.1])
}

/// RFC 6610 §4.1.1: "A client that wishes to be configured with both the Visited ... and the
/// Identified Home Network Information option may request both options in the Option Request
/// Option"; §4.1.2: clients "should be prepared to receive any MIPv6 Home Network Information
/// options they request". STIM answers the MSP-case request with one container of each kind
/// its ORO lists, each naming HA2.
#[mip6lab_suite::test_purpose]
pub fn every_requested_container() -> TestPurpose {
    tp(
        "TP-INT-MN-EVERY-REQUESTED-01",
        "MN asking for VDINF and IDINF together takes the Reply holding both and bootstraps with its HA",
        &["RFC6610-4.1.1-MN-MAY-1", "RFC6610-4.1.2-MN-SHOULD-1"],
        MSP,
        judge_every_requested_container,
    )
    .peer_env(EVERY_REQUESTED)
    .pics(&[
        "mn.dhcp.msp",
        "mn.dhcp.visited_and_identified",
        "mn.integrated.bootstrap",
    ])
}

pub fn judge_every_requested_container(obs: &Observation) -> Outcome {
    let r = try_step!(first_request(obs));
    let request_ev = (obs.pcap_of(r.position), r.frame());
    let oro = r.oro().unwrap_or_default();
    if !(oro.contains(&VDINF) && oro.contains(&IDINF)) {
        return Outcome::fail(format!(
            "the PICS says the MN asks for VDINF and IDINF together; its ORO is {oro:?}"
        ))
        .with_frames(request_ev.0, [request_ev.1]);
    }
    let reply = try_step!(stimulus_reply(obs, &r));
    let kinds: Vec<ContainerKind> = reply.containers().iter().map(|c| c.kind).collect();
    if !(kinds.contains(&ContainerKind::Vdinf) && kinds.contains(&ContainerKind::Idinf)) {
        return Outcome::inconclusive(format!(
            "the Reply holds {kinds:?}, not both a VDINF and an IDINF: the stimulus did not happen"
        ))
        .with_frames(obs.pcap_of(reply.position), [reply.frame()]);
    }
    match first_ike_sa_init(obs, "MN") {
        Some(init) if init.entry.dst_addr == IpAddr::V6(HA2) => obs.with_entries(
            Outcome::pass(format!(
                "asked for VDINF and IDINF, got both naming {HA2}; IKE_SA_INIT to {HA2}"
            )),
            &[r.entry, reply.entry, init.entry],
        ),
        Some(init) => obs.with_entries(
            Outcome::fail(format!(
                "every container of the Reply named {HA2}; the MN's IKE_SA_INIT went to {}",
                init.entry.dst_addr
            )),
            &[reply.entry, init.entry],
        ),
        None => obs.with_entries(
            Outcome::fail(format!(
                "the Reply held the VDINF and the IDINF the MN asked for, both naming {HA2}; \
                 the MN contacted no HA"
            )),
            &[reply.entry],
        ),
    }
}

/// RFC 6610 §4.1.2: "If a Home Network Information option does not contain complete
/// configuration information, the client MUST silently discard that Home Network Information
/// option." STIM's only container (an IDINF per HNIDF, with an HNP) names no home agent, so
/// an MN that discards it has no home network information from DHCPv6 and does what it
/// declares (PICS `mn.dhcp.dns_fallback`) for that case: DNS discovery (RFC 6611 §4.3).
#[mip6lab_suite::test_purpose]
pub fn incomplete_container_discarded() -> TestPurpose {
    tp(
        "TP-INT-MN-INCOMPLETE-01",
        "MN discards a container naming no HA and falls back as if none had come (DNS discovery)",
        &["RFC6610-4.1.2-MN-MUST-3"],
        MSP,
        judge_incomplete_container_discarded,
    )
    .peer_env(INCOMPLETE)
    .pics(&[
        "mn.dhcp.msp",
        "mn.dhcp.dns_fallback",
        "mn.integrated.bootstrap",
    ])
}

pub fn judge_incomplete_container_discarded(obs: &Observation) -> Outcome {
    let r = try_step!(first_request(obs));
    let reply = try_step!(stimulus_reply(obs, &r));
    let reply_ev = (obs.pcap_of(reply.position), reply.frame());
    let containers = reply.containers();
    let complete = containers
        .iter()
        .any(|c| !c.haas.is_empty() || !c.hafs.is_empty());
    if containers.is_empty() || complete {
        return Outcome::inconclusive(
            "the Reply does not hold only containers without a home agent: the stimulus did not happen",
        )
        .with_frames(reply_ev.0, [reply_ev.1]);
    }
    let srv = dns_queries_from(obs, "MN").find(|(_, m)| m.qtype == "SRV");
    let expected: Ipv6Addr = MSP_HA.parse().expect("a constant address");
    match (srv, first_ike_sa_init(obs, "MN")) {
        (Some((q, _)), Some(init)) if init.entry.dst_addr == IpAddr::V6(expected) => obs
            .with_entries(
                Outcome::pass(
                    "the Reply's only container named no HA; the MN went on as without one: SRV \
                     query, IKE_SA_INIT to the DNS-discovered HA1",
                ),
                &[reply.entry, q, init.entry],
            ),
        (_, Some(init)) => obs.with_entries(
            Outcome::fail(format!(
                "after a Reply whose only container named no HA the MN went to {}, not to the \
                 HA DNS discovery gives ({expected})",
                init.entry.dst_addr
            )),
            &[reply.entry, init.entry],
        ),
        (Some((q, _)), None) => obs.with_entries(
            Outcome::fail("the MN queried SRV after the incomplete Reply but contacted no HA"),
            &[reply.entry, q],
        ),
        (None, None) => Outcome::fail(
            "after a Reply whose only container named no HA the MN neither fell back to DNS \
             discovery (its PICS says it does when DHCPv6 gives no HA) nor contacted any HA: \
             it acted on the incomplete container instead of discarding it",
        )
        .with_frames(reply_ev.0, [reply_ev.1]),
    }
}
