//! NAS under test in the dual-stack scenario (draft-qin-mip6-dsbootstrapping §4.1.1 steps 1-3,
//! figure 2): the harness's co-located MN authenticates with 802.1X at it — its RADIUS goes to
//! the AAAH (FreeRADIUS), whose Access-Accept assigns the FHA (WiMAX-vHA-IP-MIP4, the lab's
//! profile) — then asks for its co-located CoA by DHCPv4 through its relay to Kea (topology
//! `dualstack-nas-iut`). "NAS and AAAH should assign the proper Foreign Home Agent and the
//! co-located address": the lab's NAS passes the assignment to the DHCPv4 server in option 82's
//! RADIUS Attributes sub-option (RFC 4014), which Kea copies into option 68.

use mip6lab_suite::observe::{dhcp4_message_type as t, radius_code, EapOutcome};
use mip6lab_suite::{IutRole, Observation, Outcome, Stimulus, TestPurpose};
use std::time::Duration;

const TOPOLOGY: &str = "dualstack-nas-iut";
/// The NAS's roles: on the core link (RADIUS, DHCPv4 to Kea) and on the access link.
const NAS: &str = "NAS";
const NAS_ACCESS: &str = "NAS-access";
const AAA: &str = "AAA";
/// The ASP's AAA server (the draft's AAAF; AAAV in the lab's transcripts).
const AAAF: &str = "AAAV";
const DHCP4: &str = "DHCP4";
/// The tester's 802.1X identity (topology env).
const ACCESS_USER: &str = "mn-ds-access@example.com";
/// The WiMAX vendor and the lab profile's FHA carrier.
const WIMAX: u32 = 24757;
const FHA_ATTRIBUTE: &str = "WiMAX-vHA-IP-MIP4";

const fn tp(
    id: &'static str,
    title: &'static str,
    requirements: &'static [&'static str],
    judge: fn(&Observation) -> Outcome,
) -> TestPurpose {
    crate::test_purpose(IutRole::NasRelay, TOPOLOGY, id, title, requirements, judge)
        .stimulus(Stimulus {
            node: "mn",
            env: &[],
        })
        .observe_for(Duration::from_secs(120))
        .pics(&["nas.access.8021x"])
}

/// Draft §4.1.1 figure 2 steps 2 ("Access Request", NAS to AAAH) and 3 ("Access Rep.", NAS to
/// the MN): the NAS carries the MN's 802.1X authentication to the AAAH and the outcome back.
#[mip6lab_suite::test_purpose]
pub fn authenticates_the_mn_with_the_aaah() -> TestPurpose {
    tp(
        "TP-DS-NAS-ACCESS-01",
        "NAS sends the MN's EAP to the AAAH in an Access-Request and its Access-Accept back as EAP-Success",
        &["DSB-4.1.1-NAS-MUST-1", "DSB-4.1.1-NAS-MUST-2"],
        judge_authenticates_the_mn_with_the_aaah,
    )
}

pub fn judge_authenticates_the_mn_with_the_aaah(obs: &Observation) -> Outcome {
    judge_access_through(obs, AAA)
}

/// The MN's 802.1X carried by the NAS to the AAA server `aaa` and its outcome back.
fn judge_access_through(obs: &Observation, aaa: &str) -> Outcome {
    let Some(identity) = obs.eap_identity_of("MN") else {
        return Outcome::not_reached(
            "the MN's 802.1X start",
            "the MN sent no EAP Response/Identity (see its log)",
        );
    };
    let request = obs
        .radius_messages()
        .find(|m| m.is(radius_code::ACCESS_REQUEST) && m.entry.src == NAS && m.entry.dst == aaa);
    let Some(request) = request else {
        return Outcome::fail(format!(
            "the NAS sent no Access-Request to {aaa} for the MN's identity {identity}"
        ));
    };
    let order = obs.access_order("MN", NAS);
    let mut entries = vec![request.entry];
    let o = match (order.accept, order.outcome) {
        (None, _) => {
            Outcome::inconclusive(format!("{aaa} sent the NAS no Access-Accept for the MN"))
        }
        (Some(a), None) => {
            entries.push(a.entry);
            Outcome::fail(format!(
                "the NAS sent the MN no EAP outcome after {aaa}'s Access-Accept"
            ))
        }
        (Some(a), Some((f, EapOutcome::Success))) if f.position > a.position => {
            entries.extend([a.entry, f.entry]);
            Outcome::pass(format!(
                "Access-Request for {identity} to {aaa}, its Access-Accept relayed as EAP-Success"
            ))
        }
        (Some(a), Some((f, outcome))) => {
            entries.extend([a.entry, f.entry]);
            Outcome::fail(format!(
                "after {aaa}'s Access-Accept the MN got {outcome:?} (or it came before the Accept)"
            ))
        }
    };
    obs.with_entries(o, &entries)
}

/// Draft §4.1.1: "At the network access authentication phase, NAS and AAAH should assign the
/// proper Foreign Home Agent and the co-located address to the mobile node" (lowercase
/// should: advisory). The FHA the AAAH assigned reaches the DHCPv4 server in the relayed
/// request (RFC 4014 RADIUS Attributes sub-option, lab profile).
#[mip6lab_suite::test_purpose]
pub fn passes_the_fha_assignment_on() -> TestPurpose {
    tp(
        "TP-DS-NAS-FHA-01",
        "NAS relays the MN's DHCPv4 request with the AAAH's FHA assignment (RFC 4014 sub-option)",
        &["DSB-4.1.1-NAS-SHOULD-1"],
        judge_passes_the_fha_assignment_on,
    )
    .pics(&["nas.access.8021x", "nas.dhcp4.rfc4014"])
}

pub fn judge_passes_the_fha_assignment_on(obs: &Observation) -> Outcome {
    let Some(accept) = obs.access_accept_for(ACCESS_USER, Some(NAS)) else {
        return Outcome::not_reached(
            "the MN's 802.1X",
            "the AAAH sent the NAS no Access-Accept for the MN",
        );
    };
    let assigned = accept
        .vendor_attributes(WIMAX)
        .into_iter()
        .find(|a| a.name == FHA_ATTRIBUTE)
        .and_then(|a| a.value);
    let Some(assigned) = assigned else {
        return obs.with_entries(
            Outcome::inconclusive("the AAAH's Access-Accept assigns no FHA"),
            &[accept.entry],
        );
    };
    let relayed = obs.dhcp4_messages().find(|m| {
        (m.is(t::DISCOVER) || m.is(t::REQUEST)) && m.entry.src == NAS && m.entry.dst == DHCP4
    });
    let Some(relayed) = relayed else {
        let from_mn = obs
            .dhcp4_messages()
            .any(|m| m.entry.dst != DHCP4 && !m.is_reply() && m.entry.src != NAS_ACCESS);
        return obs.with_entries(
            if from_mn {
                Outcome::fail("the NAS relayed none of the MN's DHCPv4 requests to the server")
            } else {
                Outcome::not_reached("the MN's 802.1X", "the MN sent no DHCPv4 request")
            },
            &[accept.entry],
        );
    };
    let carried = relayed
        .relay_agent_information()
        .and_then(|i| i.vendor_attribute(WIMAX, FHA_ATTRIBUTE));
    let o = match carried {
        Some(v) if v == assigned => Outcome::pass(format!(
            "the relayed {} carries {FHA_ATTRIBUTE} {v} (RFC 4014), as the AAAH assigned",
            relayed.name()
        )),
        Some(v) => Outcome::fail(format!(
            "the relayed request carries {FHA_ATTRIBUTE} {v}, the AAAH assigned {assigned}"
        )),
        None => Outcome::fail(format!(
            "the relayed {} passes no FHA assignment on (no RFC 4014 {FHA_ATTRIBUTE} in option 82)",
            relayed.name()
        )),
    };
    obs.with_entries(o, &[accept.entry, relayed.entry])
}

/// Draft §4.2.1 (subscription in the ASP, figure 5 steps 2-3): "The authentication messages
/// are sent to/from AAAF at NAS": the NAS, configured with the ASP's AAA server (`MIP6LAB_RADIUS`
/// at the AAAF, which proxies to the AAAH and assigns the FHA), carries the MN's 802.1X there
/// and the outcome back.
#[mip6lab_suite::test_purpose]
pub fn authenticates_the_mn_with_the_aaaf() -> TestPurpose {
    tp(
        "TP-DS-NAS-ASP-01",
        "ASP case: NAS sends the MN's EAP to the AAAF and its Access-Accept back as EAP-Success",
        &[
            "DSB-4.2.1-NAS-MUST-1",
            "DSB-4.2.1-NAS-MUST-2",
            "DSB-4.2.1-NAS-MUST-3",
        ],
        judge_authenticates_the_mn_with_the_aaaf,
    )
    .iut_env(&[("MIP6LAB_RADIUS", "[2001:db8:30::19]:1812")])
}

pub fn judge_authenticates_the_mn_with_the_aaaf(obs: &Observation) -> Outcome {
    judge_access_through(obs, AAAF)
}
