//! DHCPv6 server under test: the Unrestricted Home Network Information option and the Home
//! Agent FQDN option (RFC 6610 §3.2.3, §3.5). Same run as [`crate::dhcp_server`]: its shape
//! `unrestricted` (client 00:00:5e:00:53:0c) asks for a UDINF (ORO [70], no HNIDF, no RSOO);
//! the server is configured (`MIP6LAB_DHCP_UDINF_HA=ha2.example.com`, PICS `dhcp.udinf`) to
//! answer it with HA2 by name.

use crate::dhcp_server::{
    answered, containers_of, every_answer, show, show_all, tp, Unanswered, SERVER, UNRESTRICTED,
};
use mip6lab_suite::observe::ContainerKind;
use mip6lab_suite::{try_step, Observation, Outcome, TestPurpose};

/// RFC 6610 §3.2.3: the UDINF's "Options: One or more options, specifying information about
/// some home network as specified by the DHCP server administrator."
#[mip6lab_suite::test_purpose]
pub fn udinf_holds_information() -> TestPurpose {
    tp(
        "TP-INT-DHCP-UDINF-01",
        "Server asked for a UDINF sends one holding the configured home network information",
        &["RFC6610-3.2.3-ANY-MUST-1"],
        judge_udinf_holds_information,
    )
    .pics(&["dhcp.udinf"])
}

pub fn judge_udinf_holds_information(obs: &Observation) -> Outcome {
    let a = try_step!(answered(obs, UNRESTRICTED, Unanswered::NotJudged));
    let udinfs = containers_of(&a.reply, ContainerKind::Udinf);
    if udinfs.is_empty() {
        // The positive control: a UDINF to examine.
        return a.evidence(
            obs,
            Outcome::inconclusive(
                "the Reply to `unrestricted` holds no UDINF, although the server is configured \
                 with one: no UDINF to examine",
            ),
        );
    }
    let faults = crate::container_faults(&udinfs);
    match faults.first() {
        Some(f) => a.evidence(obs, Outcome::fail(format!("the Reply carries {f}"))),
        None => a.evidence(
            obs,
            Outcome::pass(format!(
                "the UDINF holds the configured information: {}",
                show_all(&udinfs)
            )),
        ),
    }
}

/// RFC 6610 §3.5: the HAF's name "is encoded in accordance with RFC 3315, Section 8" (MUST),
/// and the option "should only appear in one of the Home Network Information options".
/// Every Reply the server sent, every HAF in it.
#[mip6lab_suite::test_purpose]
pub fn haf_well_formed_in_containers() -> TestPurpose {
    tp(
        "TP-INT-DHCP-HAF-01",
        "Server's HAF carries the name in RFC 3315 §8 form, inside a container only",
        &["RFC6610-3.5-ANY-MUST-1", "RFC6610-3.5-ANY-SHOULD-1"],
        judge_haf_well_formed_in_containers,
    )
    .pics(&["dhcp.udinf"])
}

pub fn judge_haf_well_formed_in_containers(obs: &Observation) -> Outcome {
    // A name not in DNS wire form leaves the server's message unreadable as RFC 6610 options.
    if let Some((e, reason)) = obs
        .malformed_dhcp()
        .into_iter()
        .find(|(e, _)| e.src == SERVER)
    {
        return obs.with_entries(
            Outcome::fail(format!(
                "the server's Relay-reply does not parse as RFC 8415/6610 options: {reason}"
            )),
            &[e],
        );
    }
    let answers = every_answer(obs);
    let mut named = Vec::new();
    for (shape, a) in &answers {
        if a.reply.option(73).is_some() {
            return a.evidence(
                obs,
                Outcome::fail(format!(
                    "the Reply to `{}` carries an HAF (73) at its top level, outside any container",
                    shape.name
                )),
            );
        }
        for c in a.reply.containers() {
            if !c.hafs.is_empty() {
                named.push((shape.name, show(&c)));
            }
        }
    }
    // The positive control: an HAF to examine.
    match (named.first(), answers.last()) {
        (Some((shape, container)), Some((_, last))) => last.evidence(
            obs,
            Outcome::pass(format!(
                "{} HAF(s), each a well-formed name inside a container (first: {container} in \
                 the Reply to `{shape}`)",
                named.len()
            )),
        ),
        _ => Outcome::not_reached(
            "the server's Replies",
            "no Reply carried an HAF: nothing to examine",
        ),
    }
}
