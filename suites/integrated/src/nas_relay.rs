//! NAS/DHCPv6 relay under test in the integrated scenario (RFC 6611 §4.2.1, RFC 6610 §4.2,
//! RFC 6422 §5): the harness's MN (reference, wpa_supplicant, MSP case) authenticates at the
//! NAS, whose RADIUS goes to the harness's AAAV (FreeRADIUS, proxying to the AAAH, which
//! assigns HA1), and asks for home network information through the NAS's relay to Kea.
//! Verdicts are read from the access, ASP and home links' captures.

use crate::{nas_under_test, same_fqdn, HOME_NETWORK, MSP_HA};
use mip6lab_suite::observe::{same_message, ContainerKind, DhcpMessage, EapOutcome, RadiusMessage};
use mip6lab_suite::{try_step, Observation, Outcome, Stimulus, TestPurpose};
use std::net::{IpAddr, Ipv6Addr};

const TOPOLOGY: &str = "integrated-nas-iut";
/// The NAI the tester MN authenticates with (fixtures/freeradius/users).
const MN_NAI: &str = "mn1-access@example.com";
/// The home link prefix the AAAH assigns with HA1.
const MSP_PREFIX: (Ipv6Addr, u8) = (Ipv6Addr::new(0x2001, 0xdb8, 1, 0x100, 0, 0, 0, 0), 64);

/// A test purpose with the NAS under test ([`crate::test_purpose`]), driven by the tester MN.
pub(crate) const fn tp(
    id: &'static str,
    title: &'static str,
    requirements: &'static [&'static str],
    iut_env: &'static [(&'static str, &'static str)],
    judge: fn(&Observation) -> Outcome,
) -> TestPurpose {
    crate::test_purpose(
        nas_under_test(TOPOLOGY),
        id,
        title,
        requirements,
        iut_env,
        judge,
    )
    .stimulus(Stimulus {
        node: "mn",
        env: &[],
    })
}

/// RFC 6611 §4.2.1 (1): the NAS carries the MN's EAP to the AAA server (RFC 3579), and
/// RFC 3579 §2.6.3: the authenticator sends EAP-Success only on the Access-Accept.
#[mip6lab_suite::test_purpose]
pub fn relays_eap() -> TestPurpose {
    tp(
        "TP-INT-NAS-EAP-01",
        "NAS relays the MN's EAP over RADIUS and sends EAP-Success only after the Access-Accept",
        &["RFC6611-4.2.1-NAS-MUST-1"],
        &[],
        judge_relays_eap,
    )
    .pics(&["nas.access.8021x"])
}

pub fn judge_relays_eap(obs: &Observation) -> Outcome {
    let Some(identity) = obs.eap_identity_of("MN") else {
        // The tester's EAPOL-Start shows it was there: a NAS that never asks for its
        // identity (IEEE 802.1X: Request/Identity on EAPOL-Start) authenticates nobody.
        let start = obs
            .eapol_frames()
            .find(|f| f.src() == "MN" && f.packet_type == "Start");
        let nas_spoke = obs.eapol_frames().any(|f| f.src() == "NAS-access");
        return match start {
            Some(s) if !nas_spoke => Outcome::fail(
                "the MN sent EAPOL-Start and the NAS never asked for its identity (no EAP Request)",
            )
            .with_frames(obs.pcap_of(s.position), [s.entry.frame]),
            _ => Outcome::not_reached(
                "tester start",
                "the tester MN sent no EAP Response/Identity",
            ),
        };
    };
    let request = obs
        .radius_messages()
        .find(|m| m.entry.src == "NAS" && m.user_name() == Some(identity) && m.eap().is_some());
    let Some(request) = request else {
        return Outcome::fail(format!(
            "the MN identified as `{identity}`, but the NAS sent no Access-Request with its EAP"
        ));
    };
    let order = obs.access_order("MN", "NAS");
    let pcap = obs.pcap_of(request.position);
    match (order.outcome.as_ref(), order.accept_first()) {
        (Some((_, EapOutcome::Success)), Some(true)) => Outcome::pass(format!(
            "EAP for `{identity}` relayed in RADIUS; EAP-Success after the Access-Accept"
        ))
        .with_frames(pcap, [request.entry.frame]),
        (Some((f, EapOutcome::Success)), _) => Outcome::fail(
            "the NAS sent EAP-Success to the MN before any Access-Accept for it reached the NAS",
        )
        .with_frames(obs.pcap_of(f.position), [f.entry.frame]),
        (Some((_, EapOutcome::Failure)), _) => Outcome::not_reached(
            "EAP relayed",
            "the AAA server refused the tester's credentials (EAP Failure)",
        ),
        (None, _) => Outcome::not_reached(
            "EAP relayed",
            "no EAP Success or Failure reached the MN within the window",
        ),
    }
}

/// The Access-Accept for the tester that reached the NAS, if it assigned an HA (the
/// information a relay may supply); or why the flow cannot be judged.
fn assigned_accept(obs: &Observation) -> Result<RadiusMessage<'_>, Outcome> {
    let Some(accept) = obs.access_accept_for(MN_NAI, Some("NAS")) else {
        return Err(Outcome::not_reached(
            "EAP relayed",
            "no Access-Accept for the tester reached the NAS",
        ));
    };
    if accept.ha_assignment().is_err() {
        return Err(Outcome::inconclusive(
            "the Access-Accept the NAS got assigns no HA: the harness's AAA did not provide it",
        )
        .with_frames(obs.pcap_of(accept.position), [accept.entry.frame]));
    }
    Ok(accept)
}

/// The NAS's first Relay-forward of the tester MN's Information-request, with what it
/// relayed, or why the flow did not get there.
fn relayed_request(obs: &Observation) -> Result<(DhcpMessage<'_>, DhcpMessage<'_>), Outcome> {
    let Some(request) = obs.information_requests_from("MN").into_iter().next() else {
        return Err(Outcome::not_reached(
            "network access",
            "the tester MN sent no Information-request (its access was not authorized)",
        ));
    };
    // Matched by transaction ID: the relay acts within microseconds, so its Relay-forward on
    // another link is no later in capture time by any margin worth relying on.
    let forward = obs.relay_forwards(Some("NAS")).into_iter().find(|f| {
        f.innermost()
            .is_some_and(|inner| inner.transaction_id == request.transaction_id)
    });
    match forward {
        Some(f) => Ok((request, f)),
        None => Err(Outcome::fail(
            "the NAS did not relay the MN's Information-request to the DHCPv6 server",
        )
        .with_frames(obs.pcap_of(request.position), [request.frame()])),
    }
}

/// RFC 6611 §4.2.1 (3): the NAS relays the request and adds the AAA-assigned HA in an RSOO
/// (RFC 6422 §5), as an IDINF (RFC 6610 §4.2: containers only inside an RSOO, matching the
/// client's HNIDF, with an identical HNIDF; INTERP-6611-3/4).
#[mip6lab_suite::test_purpose]
pub fn rsoo_with_assignment() -> TestPurpose {
    tp(
        "TP-INT-NAS-RSOO-01",
        "NAS relays the request with an RSOO IDINF holding the AAA-assigned HA and prefix",
        &[
            "RFC6611-4.2.1-NAS-MUST-2",
            "RFC6611-4.2.1-NAS-MUST-3",
            "RFC6610-4.2-NAS-MUST-1",
            "RFC6610-4.2-NAS-MUST-2",
            "RFC6610-4.2-NAS-MUST-3",
            "RFC6422-5-NAS-MAY-1",
            // The AAA's RFC 5447-profile attributes carried through to the relay's RSOO.
            "RFC6611-3-NAS-SHALL-1",
            "RFC6611-3-NAS-SHALL-2",
            "RFC6611-4.1-NAS-MUST-1",
            "RFC6610-4.2-NAS-MAY-1",
        ],
        &[],
        judge_rsoo_with_assignment,
    )
}

pub fn judge_rsoo_with_assignment(obs: &Observation) -> Outcome {
    // The positive control: the AAA's answer to the NAS assigned an HA.
    let accept = try_step!(assigned_accept(obs));
    let (request, forward) = try_step!(relayed_request(obs));
    if request.hnidfs().is_empty() {
        return Outcome::inconclusive(
            "the tester's request names no home network (no HNIDF): no IDINF is due from the relay",
        )
        .with_frames(obs.pcap_of(request.position), [request.frame()]);
    }
    let pcap = obs.pcap_of(forward.position);
    let evidence = |o: Outcome| o.with_frames(pcap, [accept.entry.frame, forward.frame()]);
    if forward
        .innermost()
        .is_none_or(|inner| !same_message(inner, &request.body))
    {
        return evidence(Outcome::fail(
            "the Relay-forward's Relay Message is not the MN's Information-request as sent",
        ));
    }
    if forward
        .containers()
        .iter()
        .any(|c| c.kind == ContainerKind::Idinf)
    {
        return evidence(Outcome::fail(
            "the relay put an IDINF outside the RSOO (RFC 6610 §4.2: only inside an RSOO)",
        ));
    }
    let idinfs: Vec<_> = forward
        .rsoo_containers()
        .into_iter()
        .filter(|c| c.kind == ContainerKind::Idinf)
        .collect();
    let Some(idinf) = idinfs.first() else {
        return evidence(Outcome::fail(
            "no RSOO with an IDINF, although the NAS holds the AAA's HA assignment",
        ));
    };
    let ha: Ipv6Addr = MSP_HA.parse().expect("a constant address");
    let client_hnidfs = request.hnidfs();
    match &idinf.hnidf {
        None => evidence(Outcome::fail(
            "the RSOO's IDINF has no HNIDF (RFC 6610 §4.2: identical to the client's)",
        )),
        Some(h) if !client_hnidfs.iter().any(|c| *c == h) => evidence(Outcome::fail(format!(
            "the RSOO's IDINF names `{h}`, not an HNIDF the MN sent ({client_hnidfs:?})"
        ))),
        Some(_) if !idinf.haas.contains(&ha) => evidence(Outcome::fail(format!(
            "the RSOO's IDINF holds HAs {:?}, not the AAA-assigned {ha}",
            idinf.haas
        ))),
        Some(_) if idinf.hnp() != Some(MSP_PREFIX) => evidence(Outcome::fail(format!(
            "the RSOO's IDINF holds prefix {:?}, not the AAA-assigned {}/{}",
            idinf.hnp(),
            MSP_PREFIX.0,
            MSP_PREFIX.1
        ))),
        Some(h) => evidence(Outcome::pass(format!(
            "RSOO {{IDINF {{HNIDF {h}, HAA {ha}, HNP {}/{}}}}} around the MN's request",
            MSP_PREFIX.0, MSP_PREFIX.1
        ))),
    }
}

/// RFC 6610 §4.2: the relay's IDINFs "MUST correspond to home networks identified in Home
/// Network ID FQDN options in the client request". The tester names a network the AAA did
/// not assign, then the one it did (its NAI's realm): the IDINF for the second is the
/// positive control, without which a relay that never adds an IDINF would pass by default.
#[mip6lab_suite::test_purpose]
pub fn no_idinf_for_another_network() -> TestPurpose {
    tp(
        "TP-INT-NAS-MATCH-01",
        "NAS supplies IDINFs only for named networks it holds the AAA's information for",
        &["RFC6610-4.2-NAS-MUST-2"],
        &[],
        judge_no_idinf_for_another_network,
    )
    .stimulus(Stimulus {
        node: "mn",
        env: OTHER_NETWORK,
    })
}

/// The tester names a home network other than its NAI's realm, then its realm.
const OTHER_NETWORK: &[(&str, &str)] = &[("MIP6LAB_HOME_NETWORK_ID", "example.net,example.com")];

pub fn judge_no_idinf_for_another_network(obs: &Observation) -> Outcome {
    // The positive control: the AAA's answer to the NAS assigned an HA.
    try_step!(assigned_accept(obs));
    let (request, forward) = try_step!(relayed_request(obs));
    let named = request.hnidfs();
    let idinfs: Vec<_> = forward
        .rsoo_containers()
        .into_iter()
        .filter(|c| c.kind == ContainerKind::Idinf)
        .collect();
    if !idinfs.iter().any(|c| {
        c.hnidf
            .as_deref()
            .is_some_and(|h| same_fqdn(h, HOME_NETWORK))
    }) {
        return Outcome::not_reached(
            "Relay-forward",
            format!(
                "the relay added no IDINF for {HOME_NETWORK}, which the MN named and the AAA \
                 assigned (TP-INT-NAS-RSOO-01 judges that); without it, leaving out the \
                 others of {named:?} shows nothing"
            ),
        )
        .with_frames(obs.pcap_of(forward.position), [forward.frame()]);
    }
    // The AAA assigned an HA for the NAI's realm only: any other IDINF names a network whose
    // information the relay does not have.
    let stray: Vec<String> = idinfs
        .into_iter()
        .filter(|c| {
            !c.hnidf
                .as_deref()
                .is_some_and(|h| same_fqdn(h, HOME_NETWORK))
        })
        .map(|c| c.hnidf.unwrap_or_else(|| "(no HNIDF)".into()))
        .collect();
    let o = if stray.is_empty() {
        Outcome::pass(format!(
            "the MN named {named:?}; the relay's IDINF is for {HOME_NETWORK} alone, the network \
             the AAA assigned an HA for"
        ))
    } else {
        Outcome::fail(format!(
            "the relay supplied IDINFs for {stray:?} (the MN named {named:?}), but the AAA \
             assigned an HA for {HOME_NETWORK} only"
        ))
    };
    o.with_frames(obs.pcap_of(forward.position), [forward.frame()])
}

/// RFC 6422 §5: relays "MUST NOT modify" the Relay-reply's message; RFC 6611 §4.2.1 (5): the
/// relay delivers the server's Reply to the MN.
#[mip6lab_suite::test_purpose]
pub fn reply_unchanged() -> TestPurpose {
    tp(
        "TP-INT-NAS-REPLY-01",
        "NAS hands the server's Reply to the MN unchanged",
        &["RFC6422-5-NAS-MUST-NOT-1", "RFC6611-4.2.1-NAS-MUST-4"],
        &[],
        judge_reply_unchanged,
    )
}

pub fn judge_reply_unchanged(obs: &Observation) -> Outcome {
    let (request, forward) = try_step!(relayed_request(obs));
    let Some(relay_reply) = obs
        .relay_replies(Some("NAS"))
        .into_iter()
        .find(|r| r.position > forward.position)
    else {
        return Outcome::not_reached(
            "Relay-forward",
            "the DHCPv6 server sent no Relay-reply to the NAS",
        );
    };
    let Some(inner) = relay_reply.innermost() else {
        return Outcome::inconclusive("the server's Relay-reply holds no readable message")
            .with_frames(obs.pcap_of(relay_reply.position), [relay_reply.frame()]);
    };
    let Some(reply) = obs.reply_to(&request) else {
        return Outcome::fail("the server's Reply never reached the MN")
            .with_frames(obs.pcap_of(relay_reply.position), [relay_reply.frame()]);
    };
    let frames = [relay_reply.frame(), reply.frame()];
    if same_message(inner, &reply.body) {
        Outcome::pass("the Reply reached the MN as the server sent it")
            .with_frames(obs.pcap_of(reply.position), frames)
    } else {
        Outcome::fail(format!(
            "the Reply the MN got differs from the server's: {}",
            mip6lab_suite::observe::first_difference(inner, &reply.body)
                .unwrap_or_else(|| "(unknown)".into())
        ))
        .with_frames(obs.pcap_of(reply.position), frames)
    }
}

/// RFC 6422 §5: relays "MUST NOT send non-RSOO-enabled options" in the RSOO. The lab's
/// RSOO-enabled set is IANA's ({65}) and RFC 6610's containers (50, 69, 70: INTERP-6611-4).
#[mip6lab_suite::test_purpose]
pub fn rsoo_holds_only_enabled_options() -> TestPurpose {
    tp(
        "TP-INT-NAS-RSOO-ENABLED-01",
        "NAS puts only RSOO-enabled options in its RSOO",
        &["RFC6422-5-NAS-MUST-NOT-2"],
        &[],
        judge_rsoo_holds_only_enabled_options,
    )
}

/// IANA's RSOO-enabled option (65) and RFC 6610's containers (INTERP-6611-4).
const RSOO_ENABLED: [u16; 4] = [50, 65, 69, 70];

pub fn judge_rsoo_holds_only_enabled_options(obs: &Observation) -> Outcome {
    let (_, forward) = try_step!(relayed_request(obs));
    let evidence = |o: Outcome| o.with_frames(obs.pcap_of(forward.position), [forward.frame()]);
    let Some(rsoo) = forward.rsoo() else {
        return Outcome::not_reached(
            "Relay-forward",
            "the relay added no RSOO (TP-INT-NAS-RSOO-01 judges that): nothing to examine",
        );
    };
    let Some(codes) = rsoo.iter().map(|o| o.code()).collect::<Option<Vec<u16>>>() else {
        return evidence(Outcome::inconclusive(
            "an option inside the RSOO could not be read: its code cannot be judged",
        ));
    };
    let other: Vec<u16> = codes
        .iter()
        .copied()
        .filter(|c| !RSOO_ENABLED.contains(c))
        .collect();
    if other.is_empty() {
        evidence(Outcome::pass(format!(
            "the RSOO holds options {codes:?}, all RSOO-enabled"
        )))
    } else {
        evidence(Outcome::fail(format!(
            "the RSOO holds options {other:?}, which are not RSOO-enabled (the lab's set: \
             {RSOO_ENABLED:?})"
        )))
    }
}

/// RFC 6610 §3.2.2: an IDINF holds "one or more options, specifying information about the
/// home network"; §3.3: the HNP's prefix-len is the prefix's length. The NAS's RSOO IDINF.
#[mip6lab_suite::test_purpose]
pub fn idinf_well_formed() -> TestPurpose {
    tp(
        "TP-INT-NAS-IDINF-FORM-01",
        "NAS's RSOO IDINF holds the home network's information in well-formed options",
        &["RFC6610-3.2.2-ANY-MUST-1", "RFC6610-3.3-ANY-MUST-1"],
        &[],
        judge_idinf_well_formed,
    )
}

pub fn judge_idinf_well_formed(obs: &Observation) -> Outcome {
    if let Some((e, reason)) = obs
        .malformed_dhcp()
        .into_iter()
        .find(|(e, _)| e.src == "NAS")
    {
        return obs.with_entries(
            Outcome::fail(format!("the NAS's Relay-forward does not parse: {reason}")),
            &[e],
        );
    }
    let (_, forward) = try_step!(relayed_request(obs));
    let evidence = |o: Outcome| o.with_frames(obs.pcap_of(forward.position), [forward.frame()]);
    let idinfs: Vec<_> = forward
        .rsoo_containers()
        .into_iter()
        .filter(|c| c.kind == ContainerKind::Idinf)
        .collect();
    if idinfs.is_empty() {
        return evidence(Outcome::not_reached(
            "Relay-forward",
            "the relay added no IDINF (TP-INT-NAS-RSOO-01 judges that): nothing to examine",
        ));
    }
    let faults = crate::container_faults(&idinfs);
    if faults.is_empty() {
        evidence(Outcome::pass(format!(
            "{} IDINF(s), each with the network's information (HAA {:?}, HNP {:?})",
            idinfs.len(),
            idinfs
                .iter()
                .flat_map(|c| c.haas.clone())
                .collect::<Vec<_>>(),
            idinfs
                .iter()
                .flat_map(|c| c.hnps.clone())
                .collect::<Vec<_>>()
        )))
    } else {
        evidence(Outcome::fail(format!(
            "the RSOO carries {}",
            faults.join("; ")
        )))
    }
}

/// The tester as the subscriber whose home agent is dual stack (fixtures/freeradius/users).
const DUAL_STACK_HA: &[(&str, &str)] = &[
    ("MIP6LAB_ACCESS_USER", DUAL_STACK_NAI),
    ("MIP6LAB_ACCESS_PASSWORD", "mn3-access-secret"),
];
const DUAL_STACK_NAI: &str = "mn3-access@example.com";

/// RFC 6610 §3.4: an IPv4 home agent "is specified as an IPv4-Embedded IPv6 address using the
/// Well-Known Prefix" (64:ff9b::/96, RFC 6052). The AAA assigns the tester an IPv4 HA next to
/// its IPv6 one; the relay's IDINF carries it so.
#[mip6lab_suite::test_purpose]
pub fn ipv4_home_agent_embedded() -> TestPurpose {
    tp(
        "TP-INT-NAS-IPV4-HA-01",
        "NAS passes the AAA's IPv4 HA on as an IPv4-embedded HAA (64:ff9b::/96)",
        &["RFC6610-3.4-ANY-MUST-1"],
        &[],
        judge_ipv4_home_agent_embedded,
    )
    .stimulus(Stimulus {
        node: "mn",
        env: DUAL_STACK_HA,
    })
}

pub fn judge_ipv4_home_agent_embedded(obs: &Observation) -> Outcome {
    // The positive control: the AAA's answer assigned an IPv4 home agent.
    let Some(accept) = obs.access_accept_for(DUAL_STACK_NAI, Some("NAS")) else {
        return Outcome::not_reached(
            "EAP relayed",
            format!("no Access-Accept for `{DUAL_STACK_NAI}` reached the NAS"),
        );
    };
    let v4 = accept.ha_assignment().ok().and_then(|a| {
        a.home_agents.iter().find_map(|h| match h {
            IpAddr::V4(v4) => Some(*v4),
            IpAddr::V6(_) => None,
        })
    });
    let Some(v4) = v4 else {
        return Outcome::inconclusive(
            "the Access-Accept the NAS got assigns no IPv4 home agent: the harness's AAA did \
             not provide the stimulus",
        )
        .with_frames(obs.pcap_of(accept.position), [accept.entry.frame]);
    };
    let (_, forward) = try_step!(relayed_request(obs));
    let evidence = |o: Outcome| o.with_frames(obs.pcap_of(forward.position), [forward.frame()]);
    let haas: Vec<Ipv6Addr> = forward
        .rsoo_containers()
        .into_iter()
        .flat_map(|c| c.haas)
        .collect();
    let embedded = mip6lab_suite::observe::embed_ipv4(v4);
    if haas.contains(&embedded) {
        return evidence(Outcome::pass(format!(
            "the AAA's IPv4 home agent {v4} is in the RSOO as {embedded}"
        )));
    }
    // The IPv4 address in another IPv6 form (mapped, compatible, another prefix).
    let other: Vec<&Ipv6Addr> = haas
        .iter()
        .filter(|a| a.octets()[12..] == v4.octets())
        .collect();
    match other.first() {
        Some(a) => evidence(Outcome::fail(format!(
            "the AAA's IPv4 home agent {v4} is in the RSOO as {a}, not under the Well-Known \
             Prefix 64:ff9b::/96"
        ))),
        None => evidence(Outcome::not_reached(
            "Relay-forward",
            format!(
                "the relay's RSOO holds no form of the IPv4 home agent {v4} (HAAs {haas:?}): \
                 nothing to judge"
            ),
        )),
    }
}

/// The ASP case (RFC 6611 §4.2.2): the tester MN names no home network.
const ASP_CASE: &[(&str, &str)] = &[("MIP6LAB_HOME_NETWORK_ID", "")];

/// RFC 6611 §4.2.2 (1): in the ASP case too, the NAS "interacts with the AAAH ... to
/// authenticate the mobile node".
#[mip6lab_suite::test_purpose]
pub fn relays_eap_asp() -> TestPurpose {
    tp(
        "TP-INT-NAS-ASP-EAP-01",
        "NAS (ASP case) relays the MN's EAP over RADIUS, EAP-Success only after the Access-Accept",
        &["RFC6611-4.2.2-NAS-MUST-1"],
        &[],
        judge_relays_eap,
    )
    .stimulus(Stimulus {
        node: "mn",
        env: ASP_CASE,
    })
    .pics(&["nas.access.8021x"])
}

/// RFC 6611 §4.2.2 (3), (5): the relay forwards the MN's Information-request to the server
/// and relays the server's Reply back to the MN (unchanged, RFC 6422 §5).
#[mip6lab_suite::test_purpose]
pub fn relays_asp_exchange() -> TestPurpose {
    tp(
        "TP-INT-NAS-ASP-RELAY-01",
        "NAS (ASP case) relays the Information-request to the server and its Reply to the MN",
        &["RFC6611-4.2.2-NAS-MUST-2", "RFC6611-4.2.2-NAS-MUST-4"],
        &[],
        judge_reply_unchanged,
    )
    .stimulus(Stimulus {
        node: "mn",
        env: ASP_CASE,
    })
}

/// RFC 6611 §4.2.1 (3): once the held information expired, the NAS "MUST NOT" add it. The
/// PIXIT hold time is 0 s here, so it has expired when the request comes.
#[mip6lab_suite::test_purpose]
pub fn no_rsoo_after_expiry() -> TestPurpose {
    tp(
        "TP-INT-NAS-EXPIRY-01",
        "NAS adds no RSOO once the AAA's HA information is no longer held",
        // The configurable hold time (the MAY) is what this test sets to 0 s.
        &["RFC6611-4.2.1-NAS-MUST-NOT-1", "RFC6611-4.2.1-NAS-MAY-1"],
        &[("MIP6LAB_HA_INFO_HOLD_SECS", "0")],
        judge_no_rsoo_after_expiry,
    )
    .pics(&["nas.hold_time"])
}

pub fn judge_no_rsoo_after_expiry(obs: &Observation) -> Outcome {
    // The positive control: the AAA's answer to the NAS assigned an HA.
    try_step!(assigned_accept(obs));
    let (_, forward) = try_step!(relayed_request(obs));
    let o = match forward.rsoo() {
        Some(_) => Outcome::fail(
            "the Relay-forward carries an RSOO although the hold time (0 s) had passed",
        ),
        None => Outcome::pass("the expired HA information stayed out of the Relay-forward"),
    };
    o.with_frames(obs.pcap_of(forward.position), [forward.frame()])
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_home_network_constant_is_the_nai_realm() {
        assert!(super::MN_NAI.ends_with(&format!("@{}", crate::HOME_NETWORK)));
    }
}
