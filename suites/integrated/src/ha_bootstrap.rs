//! Home agent under test in the integrated scenario (RFC 6611 §4.4): the harness's MN learns
//! HA1 through the integrated flow (802.1X at the harness's NAS, the AAAH's assignment in the
//! NAS's RSOO, Kea's IDINF), then bootstraps with it as in the split scenario (RFC 5026):
//! IKEv2 with a home address from the HA, then the Binding Update. The split suite's HA tests
//! judge the HA's RFC 5026 behaviour in depth; this one judges that it holds when the MN
//! comes through the integrated flow. Verdicts are read from the three links' captures, the
//! IKEv2 and ESP decrypted with the tester MN's keys.

use crate::{same_fqdn, HOME_NETWORK, MSP_HA};
use mip6lab_suite::observe::{CfgType, ContainerKind, CpAttributeType, Exchange};
use mip6lab_suite::{IutRole, Observation, Outcome, Scenario, Stimulus, TestBed, TestPurpose};
use std::net::{IpAddr, Ipv6Addr};
use std::time::Duration;

const TOPOLOGY: &str = "integrated-ha-iut";
/// The HA's role in the topology.
const HA: &str = "HA1";

/// RFC 6611 §4.4: "the HoA, IPsec Security Association setup, and Authentication and
/// Authorization with the MSA are bootstrapped via the same mechanism as ... [RFC5026]".
#[mip6lab_suite::test_purpose]
pub fn bootstraps_the_integrated_mn() -> TestPurpose {
    TestPurpose::new(
        TestBed::new(Scenario::Integrated, IutRole::Ha, TOPOLOGY),
        "TP-INT-HA-BOOTSTRAP-01",
        "HA the MN learned by DHCPv6 gives it a home address in IKEv2 and accepts its BU",
        &["RFC6611-4.4-ANY-MUST-1"],
        judge_bootstraps_the_integrated_mn,
    )
    .stimulus(Stimulus {
        node: "mn",
        env: &[],
    })
    // Every step judged comes before the MN's `registered`; its whole flow (`done`, after
    // the deregistration) ends the transcript where the flow does, not where the harness
    // happened to stop capturing.
    .until_event(Some("done"))
    .observe_for(Duration::from_secs(60))
    .pics(&["ha.auth.psk"])
}

pub fn judge_bootstraps_the_integrated_mn(obs: &Observation) -> Outcome {
    let ha: Ipv6Addr = MSP_HA.parse().expect("a constant address");
    // The positive control: the MN learned this HA through the integrated flow.
    let learned = obs
        .information_requests_from("MN")
        .into_iter()
        .find_map(|r| obs.reply_to(&r))
        .filter(|reply| {
            reply.containers().iter().any(|c| {
                c.kind == ContainerKind::Idinf
                    && c.haas.contains(&ha)
                    && c.hnidf
                        .as_deref()
                        .is_some_and(|h| same_fqdn(h, HOME_NETWORK))
            })
        });
    let Some(reply) = learned else {
        return Outcome::not_reached(
            "tester access and DHCPv6",
            format!("the tester MN did not learn {ha} from an IDINF (see the NAS and Kea logs)"),
        );
    };
    let Some(init) = obs
        .ike_requests(Exchange::IkeSaInit, Some("MN"))
        .find(|m| m.entry.dst_addr == IpAddr::V6(ha))
    else {
        return Outcome::not_reached(
            "DHCPv6 Reply",
            format!("the tester MN sent no IKE_SA_INIT to {ha}"),
        )
        .with_frames(obs.pcap_of(reply.position), [reply.frame()]);
    };
    let Some(auth) = obs.ike_responses(Exchange::IkeAuth, Some(HA)).last() else {
        let why = match obs.ike_responses(Exchange::IkeSaInit, Some(HA)).next() {
            None => "the HA answered the MN's IKE_SA_INIT with nothing",
            Some(_) => "the HA completed no IKE_AUTH with the MN",
        };
        return obs.with_entries(Outcome::fail(why), &[init.entry]);
    };
    if !auth.decrypted() {
        return obs.with_entries(
            Outcome::inconclusive(
                "the HA's IKE_AUTH response was not decrypted (no key log from the tester MN)",
            ),
            &[auth.entry],
        );
    }
    let home = auth.config(CfgType::Reply).and_then(|c| {
        c.internal_address()
            .map(|a| format!("home address {a}"))
            .or_else(|| {
                c.first(&CpAttributeType::Mip6HomePrefix)
                    .and_then(|p| p.prefix())
                    .map(|(p, l)| format!("home prefix {p}/{l}"))
            })
    });
    let Some(home) = home else {
        return obs.with_entries(
            Outcome::fail(
                "the HA's IKE_AUTH response gives the MN neither a home address nor a home \
                 prefix (RFC 5026 §5.3)",
            ),
            &[init.entry, auth.entry],
        );
    };
    let Some(bu) = obs.binding_updates_from("MN").find(|b| b.registers()) else {
        return obs.with_entries(
            Outcome::not_reached(
                format!("IKE_AUTH ({home})"),
                "the tester MN sent no Binding Update",
            ),
            &[auth.entry],
        );
    };
    let Some(ba) = obs.binding_acks_from(HA).next() else {
        return obs.with_entries(
            Outcome::fail("the HA sent no Binding Acknowledgement to the MN's BU"),
            &[init.entry, auth.entry, bu.entry],
        );
    };
    let o = if ba.accepted() {
        Outcome::pass(format!(
            "learned by DHCPv6 (IDINF), IKEv2 with {home}, BU accepted (status {})",
            ba.status.unwrap_or_default()
        ))
    } else {
        Outcome::fail(format!(
            "the HA rejected the MN's BU (status {:?})",
            ba.status
        ))
    };
    obs.with_entries(o, &[init.entry, auth.entry, bu.entry, ba.entry])
}
