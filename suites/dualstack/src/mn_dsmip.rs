//! Dual-stack MN under test, its DSMIPv6 half (RFC 5555): after its Mobile IPv4 registration
//! with the harness's FHA (co-located CoA, topology `dualstack-mn-iut`), the BU/BA with the
//! harness's HA through the MN–FHA tunnel, its IPv4 home address, and its BUs from its IPv4
//! care-of address. Verdicts are read from the home and access links' captures, the ESP
//! decrypted with the MN's keys (the IUT contract's key log).

use mip6lab_suite::observe::{BindingAck, BindingUpdate, Via};
use mip6lab_suite::{IutRole, Observation, Outcome, TestPurpose};
use std::time::Duration;

const TOPOLOGY: &str = "dualstack-mn-iut";
/// The MN's IPv6 CoA (the Registration Reply's): the source of its tunnelled BUs.
const MN_COA6: &str = "MN-CoA6";
const HA: &str = "HA";
const HA_ACCESS: &str = "HA-access";

/// A test purpose with the MN under test, observed until it reports `done` (after its
/// deregistration), at most 120 s (802.1X, DHCPv4 with its initial wait, the registration).
const fn tp(
    id: &'static str,
    title: &'static str,
    requirements: &'static [&'static str],
    judge: fn(&Observation) -> Outcome,
) -> TestPurpose {
    crate::test_purpose(IutRole::Mn, TOPOLOGY, id, title, requirements, judge)
        .observe_for(Duration::from_secs(120))
}

/// The MN's BUs in capture order: from its IPv6 CoA through the tunnel, and in UDP 4191 to the
/// HA's IPv4 address (whose outer source is its IPv4 CoA, which has no role name).
fn mn_bus(obs: &Observation) -> impl Iterator<Item = BindingUpdate<'_>> {
    obs.binding_updates(None).filter(|b| {
        b.entry.src == MN_COA6
            || (b.tunnel().is_some_and(|t| t.via == Via::Udp4191) && b.entry.dst == HA_ACCESS)
    })
}

/// The harness HA's BA answering `bu`.
fn ba_to<'a>(obs: &'a Observation, bu: &BindingUpdate<'_>) -> Option<BindingAck<'a>> {
    [HA, HA_ACCESS].into_iter().find_map(|from| {
        obs.binding_acks_from(from)
            .find(|ba| ba.seq.is_some() && ba.seq == bu.seq && ba.entry.frame > bu.entry.frame)
    })
}

/// RFC 5555 §2.3.1: when an accepting BA has no IPv4 Address Acknowledgement although the BU
/// carried an IPv4 Home Address option, the MN "MUST assume that the home agent does not
/// support the IPv4 home address option and therefore SHOULD NOT include the option in future
/// binding updates to that home agent address". The harness's HA leaves the option out.
#[mip6lab_suite::test_purpose]
pub fn stops_asking_an_ha_without_ipv4_support() -> TestPurpose {
    tp(
        "TP-DS-MN-IPV4-HOA-NO-ACK-01",
        "after a BA without IPv4 Address Acknowledgement, no IPv4 Home Address option to that HA",
        &["RFC5555-2.3.1-MN-MUST-1", "RFC5555-2.3.1-MN-SHOULD-NOT-1"],
        judge_stops_asking_an_ha_without_ipv4_support,
    )
    .peer_env(&[("ha", "MIP6LAB_KNOBS", "ha.ipv4_ack_missing=true")])
    .pics(&["mn.dsmip.ipv4_home_address", "mn.dsmip.udp"])
}

pub fn judge_stops_asking_an_ha_without_ipv4_support(obs: &Observation) -> Outcome {
    let Some(asked) = mn_bus(obs).find(|b| b.registers() && b.ipv4_home_address().is_some()) else {
        return match mn_bus(obs).next() {
            Some(bu) => obs.with_entries(
                Outcome::inconclusive(
                    "the MN's BUs carry no IPv4 Home Address option (PICS \
                     mn.dsmip.ipv4_home_address: MIP6LAB_MN_IPV4_HOA_REQUEST)",
                ),
                &[bu.entry],
            ),
            None => Outcome::not_reached(
                "the Mobile IPv4 registration",
                "the MN sent no Binding Update (see its log)",
            ),
        };
    };
    let Some(ba) = ba_to(obs, &asked) else {
        return obs.with_entries(
            Outcome::inconclusive("the harness's HA did not answer the MN's BU"),
            &[asked.entry],
        );
    };
    // The positive control: the stimulus is what the test needs.
    if !ba.accepted() || ba.ipv4_address_ack().is_some() {
        return obs.with_entries(
            Outcome::inconclusive(
                "the harness's BA was not an accepting one without IPv4 Address Acknowledgement",
            ),
            &[asked.entry, ba.entry],
        );
    }
    let Some(next) = mn_bus(obs).find(|b| b.registers() && b.entry.frame > ba.entry.frame) else {
        return obs.with_entries(
            Outcome::inconclusive(
                "the MN sent no further registering BU to the HA (PICS mn.dsmip.udp: its move to \
                 its IPv4 CoA, MIP6LAB_MN_IPV4_COA_HA)",
            ),
            &[asked.entry, ba.entry],
        );
    };
    let o = if next.ipv4_home_address().is_some() {
        Outcome::fail(
            "the MN asked again for an IPv4 home address in its next BU to the HA that had \
             answered without IPv4 Address Acknowledgement",
        )
    } else {
        Outcome::pass("the MN's next BU to that HA carries no IPv4 Home Address option")
    };
    obs.with_entries(o, &[asked.entry, ba.entry, next.entry])
}

/// RFC 5555 §4.2: "A mobile node MUST always tunnel binding updates in UDP when located in an
/// IPv4-only network" (§4.1: "MUST always be used to send the binding update message"), with
/// the IPv4 CoA option (§3.1.2, §4.2's figure): a BU registering an IPv4 care-of address.
#[mip6lab_suite::test_purpose]
pub fn sends_ipv4_care_of_bus_in_udp() -> TestPurpose {
    tp(
        "TP-DS-MN-UDP-01",
        "BU from the IPv4 CoA goes in UDP 4191 to the HA's IPv4 address, with the IPv4 CoA option",
        &["RFC5555-4.2-MN-MUST-1"],
        judge_sends_ipv4_care_of_bus_in_udp,
    )
    .pics(&["mn.dsmip.udp"])
}

pub fn judge_sends_ipv4_care_of_bus_in_udp(obs: &Observation) -> Outcome {
    // Every BU the MN sent that names an IPv4 CoA, whatever way it went.
    let v4: Vec<BindingUpdate> = obs
        .binding_updates(None)
        .filter(|b| b.ipv4_care_of_address().is_some())
        .collect();
    let Some(first) = v4.first() else {
        let last = match mn_bus(obs).next() {
            Some(_) => "the MN's BU from its IPv6 CoA",
            None => "the Mobile IPv4 registration",
        };
        return Outcome::not_reached(
            last,
            "the MN sent no BU from an IPv4 care-of address (MIP6LAB_MN_IPV4_COA_HA)",
        );
    };
    let entries: Vec<_> = v4.iter().map(|b| b.entry).collect();
    let stray = v4
        .iter()
        .find(|b| !b.tunnel().is_some_and(|t| t.via == Via::Udp4191));
    let o = match stray {
        Some(b) => Outcome::fail(format!(
            "a BU naming an IPv4 CoA went {:?}, not in UDP 4191",
            b.tunnel().map(|t| t.via)
        )),
        None => {
            let coa = first.ipv4_care_of_address();
            let outer = first.tunnel().and_then(|t| t.from);
            if coa.is_none() || coa.map(std::net::IpAddr::V4) != outer {
                Outcome::fail(format!(
                    "the BU in UDP names IPv4 CoA {} but came from {} (no NAT in this lab)",
                    mip6lab_suite::observe::or_unknown(coa),
                    mip6lab_suite::observe::or_unknown(outer)
                ))
            } else {
                Outcome::pass(format!(
                    "{} BU(s) from IPv4 CoA {} in UDP 4191 to {}",
                    v4.len(),
                    mip6lab_suite::observe::or_unknown(coa),
                    first.entry.dst
                ))
            }
        }
    };
    obs.with_entries(o, &entries)
}
