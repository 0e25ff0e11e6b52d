//! Dual-stack MN under test, its network access (draft-qin-mip6-dsbootstrapping §4.1.1:
//! "NAS and AAAH should assign the proper Foreign Home Agent and the co-located address to the
//! mobile node"): after 802.1X at the harness's NAS, DHCPv4 through the NAS's relay to Kea
//! gives the co-located CoA and, in option 68, the FHA the AAAH assigned (topology
//! `dualstack-mn-iut`). The MN's DHCPv4 client follows RFC 2131 (catalog dhcpv4-access.toml),
//! then registers with that FHA from that CoA.

use mip6lab_suite::observe::{dhcp4_message_type as t, Dhcp4Message};
use mip6lab_suite::{IutRole, Observation, Outcome, TestPurpose};
use std::net::IpAddr;
use std::time::Duration;

const TOPOLOGY: &str = "dualstack-mn-iut";
/// The relays of the harness, whose copies of a message are not the MN's.
const RELAYS: [&str; 2] = ["FA", "FA-visited"];

const fn tp(
    id: &'static str,
    title: &'static str,
    requirements: &'static [&'static str],
    judge: fn(&Observation) -> Outcome,
) -> TestPurpose {
    crate::test_purpose(IutRole::Mn, TOPOLOGY, id, title, requirements, judge)
        .observe_for(Duration::from_secs(120))
        .pics(&["mn.dualstack.dhcp4"])
}

/// The MN's own DHCPv4 messages of `kind` (not the NAS's relayed copies: hops 0).
fn from_client(obs: &Observation, kind: u8) -> Vec<Dhcp4Message<'_>> {
    obs.dhcp4_messages()
        .filter(|m| m.is(kind) && m.hops() == Some(0) && !m.is_reply())
        .collect()
}

/// RFC 2131 §3.1 step 3: "The client broadcasts a DHCPREQUEST message that MUST include the
/// 'server identifier' option to indicate which server it has selected", and "The 'requested
/// IP address' option MUST be set to the value of 'yiaddr' in the DHCPOFFER message".
#[mip6lab_suite::test_purpose]
pub fn requests_the_offered_address() -> TestPurpose {
    tp(
        "TP-DS-MN-DHCP4-REQUEST-01",
        "DHCPREQUEST names the offering server and asks for the offered address",
        &["RFC2131-3.1-MN-MUST-1", "RFC2131-3.1-MN-MUST-2"],
        judge_requests_the_offered_address,
    )
}

pub fn judge_requests_the_offered_address(obs: &Observation) -> Outcome {
    let offers: Vec<Dhcp4Message> = obs
        .dhcp4_messages()
        .filter(|m| m.is(t::OFFER) && !RELAYS.contains(&m.src))
        .collect();
    let Some(offer) = offers.last() else {
        return Outcome::not_reached(
            "network access",
            "no DHCPOFFER reached the MN (the NAS relays only after 802.1X)",
        );
    };
    let Some(request) = from_client(obs, t::REQUEST)
        .into_iter()
        .find(|r| r.position > offer.position)
    else {
        return obs.with_entries(
            Outcome::fail("the MN sent no DHCPREQUEST after the DHCPOFFER"),
            &[offer.entry],
        );
    };
    let entries = [offer.entry, request.entry];
    let o = match (request.server_identifier(), offer.server_identifier()) {
        (None, _) => Outcome::fail("the DHCPREQUEST has no 'server identifier' option"),
        (Some(a), Some(b)) if a != b => Outcome::fail(format!(
            "the DHCPREQUEST names server {a}, the DHCPOFFER came from {b}"
        )),
        _ if request.requested_address() != offer.yiaddr() => Outcome::fail(format!(
            "the DHCPREQUEST asks for {}, the DHCPOFFER offered {}",
            mip6lab_suite::observe::or_unknown(request.requested_address()),
            mip6lab_suite::observe::or_unknown(offer.yiaddr())
        )),
        (Some(a), _) => Outcome::pass(format!(
            "DHCPREQUEST for {} to server {a}",
            mip6lab_suite::observe::or_unknown(offer.yiaddr())
        )),
    };
    obs.with_entries(o, &entries)
}

/// Draft §4 ("the mobile IPv4 registration messages are sent to/from the FHA") and §4.1.1
/// step 4 (the MN sends its Request to the FHA): the FHA is the one the access network assigned,
/// option 68 of the MN's DHCPACK, and the Request comes from the leased co-located CoA.
#[mip6lab_suite::test_purpose]
pub fn registers_with_the_assigned_fha() -> TestPurpose {
    tp(
        "TP-DS-MN-DHCP4-FHA-01",
        "MN registers with the FHA of its DHCPACK's option 68, from the leased address",
        &["DSB-4-MN-MUST-6", "DSB-4.1.1-MN-MUST-1"],
        judge_registers_with_the_assigned_fha,
    )
}

pub fn judge_registers_with_the_assigned_fha(obs: &Observation) -> Outcome {
    let ack = obs
        .dhcp4_messages()
        .filter(|m| m.is(t::ACK) && !RELAYS.contains(&m.src) && m.hops().is_some())
        .find(|m| m.mobile_ip_home_agents().is_some_and(|h| !h.is_empty()));
    let Some(ack) = ack else {
        return Outcome::not_reached(
            "network access",
            "no DHCPACK with option 68 reached the MN (see the NAS and Kea logs)",
        );
    };
    let fha = ack.mobile_ip_home_agents().unwrap_or_default()[0];
    let lease = ack.yiaddr();
    let rrq = obs
        .registration_requests(None)
        .into_iter()
        .find(|m| m.position > ack.position && !RELAYS.contains(&m.entry.src.as_str()));
    let Some(rrq) = rrq else {
        // The stimulus reached the MN; it did not use it.
        return obs.with_entries(
            Outcome::fail(format!(
                "the MN sent no Registration Request to {fha}, the FHA its DHCPACK named ({})",
                mip6lab_suite::observe::stopped_by(obs, "a Registration Request")
            )),
            &[ack.entry],
        );
    };
    let entries = [ack.entry, rrq.entry];
    let o = if rrq.entry.dst_addr != IpAddr::V4(fha) {
        Outcome::fail(format!(
            "the Request went to {}, not to {fha}, the FHA of option 68",
            rrq.entry.dst_addr
        ))
    } else if lease.map(IpAddr::V4) != Some(rrq.entry.src_addr) {
        Outcome::fail(format!(
            "the Request came from {}, not from the leased {}",
            rrq.entry.src_addr,
            mip6lab_suite::observe::or_unknown(lease)
        ))
    } else {
        Outcome::pass(format!(
            "Request to {fha} (option 68) from the leased {}",
            rrq.entry.src_addr
        ))
    };
    obs.with_entries(o, &entries)
}

/// RFC 2131 §4.1: "The client MUST adopt a retransmission strategy that incorporates a
/// randomized exponential backoff algorithm"; the first retransmission after 4 ± 1 s, the next
/// 8 ± 1 s (SHOULD). The harness's NAS relays to a server that is not there
/// (`MIP6LAB_DHCP4_SERVER` 198.18.3.99): nothing answers.
#[mip6lab_suite::test_purpose]
pub fn backs_off_when_unanswered() -> TestPurpose {
    tp(
        "TP-DS-MN-DHCP4-BACKOFF-01",
        "unanswered DHCPDISCOVERs are retransmitted after about 4 s, then about 8 s",
        &[
            "RFC2131-4.1-MN-MUST-1",
            "RFC2131-4.1-MN-SHOULD-1",
            "RFC2131-4.1-MN-SHOULD-2",
        ],
        judge_backs_off_when_unanswered,
    )
    .peer_env(&[("nas", "MIP6LAB_DHCP4_SERVER", "198.18.3.99")])
    .until_event(None)
    .observe_for(Duration::from_secs(45))
}

pub fn judge_backs_off_when_unanswered(obs: &Observation) -> Outcome {
    if obs.dhcp4_messages().any(|m| m.is(t::OFFER)) {
        return Outcome::inconclusive("a DHCPOFFER came: the retransmissions were not provoked");
    }
    let discovers = from_client(obs, t::DISCOVER);
    let times: Vec<_> = discovers
        .iter()
        .filter_map(|d| obs.time_of(d.position))
        .collect();
    let entries: Vec<_> = discovers.iter().map(|d| d.entry).collect();
    if times.len() < 3 || times.len() != discovers.len() {
        return obs.with_entries(
            Outcome::inconclusive(format!(
                "{} DHCPDISCOVER(s) within the observation: two retransmissions are needed",
                discovers.len()
            )),
            &entries,
        );
    }
    let gaps: Vec<f64> = times
        .windows(2)
        .map(|w| w[1].saturating_sub(w[0]).as_secs_f64())
        .collect();
    let (first, second) = (gaps[0], gaps[1]);
    // ±1 s of randomization, and half a second for the capture's timing.
    let o = if second <= first {
        Outcome::fail(format!(
            "no exponential backoff: {first:.1} s, then {second:.1} s"
        ))
    } else if !(2.5..=5.5).contains(&first) || !(6.5..=9.5).contains(&second) {
        Outcome::fail(format!(
            "retransmissions after {first:.1} s and {second:.1} s (RFC 2131 §4.1: 4 ± 1 s, then 8 ± 1 s)"
        ))
    } else {
        Outcome::pass(format!(
            "DHCPDISCOVER retransmitted after {first:.1} s, then {second:.1} s"
        ))
    };
    obs.with_entries(o, &entries)
}

/// Draft §4.2.1 (subscription in the ASP, figure 5 steps 1 and 4): the same MN behaviour when
/// its network access goes through the ASP's AAA server, which assigns the FHA: it registers
/// with that FHA from the leased address. The harness's NAS asks the AAAF.
#[mip6lab_suite::test_purpose]
pub fn registers_with_the_fha_the_aaaf_assigned() -> TestPurpose {
    tp(
        "TP-DS-MN-ASP-01",
        "ASP case: MN registers with the FHA the AAAF assigned (option 68), from the leased address",
        &["DSB-4.2.1-MN-MUST-1", "DSB-4.2.1-MN-MUST-2"],
        judge_registers_with_the_fha_the_aaaf_assigned,
    )
    .peer_env(&[("nas", "MIP6LAB_RADIUS", "[2001:db8:30::19]:1812")])
}

pub fn judge_registers_with_the_fha_the_aaaf_assigned(obs: &Observation) -> Outcome {
    if crate::asp_access(obs).is_none() {
        return crate::not_the_asp_case();
    }
    judge_registers_with_the_assigned_fha(obs)
}
