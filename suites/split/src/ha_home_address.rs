//! HA under test, home addresses: assigned (§5.3.1), home prefix and auto-configuration
//! (§5.3.2, §8.2), USE_ASSIGNED_HoA (§10). Driven by the tester MN of `ha_iut`.

use crate::ha_iut::*;
use mip6lab_suite::observe::{
    notify, or_unknown, pcap, sorted_frames as sorted, CfgType, ConfigPayload, CpAttributeType,
};
use mip6lab_suite::try_step;
use mip6lab_suite::{Observation, Outcome, TestPurpose};
use std::net::IpAddr;

/// The tester's IKE_AUTH exchange and the HA's CFG_REPLY in it, when the tester's
/// CFG_REQUEST asked for `asked` (else INCONCLUSIVE, `not_asked` saying so) and the HA's
/// response holds a CFG_REPLY (else FAIL).
fn answered_cfg_request<'a>(
    obs: &'a Observation,
    asked: &CpAttributeType,
    not_asked: &str,
) -> Result<(IkeAuth<'a>, ConfigPayload), Outcome> {
    let a = ike_auth(obs)?;
    let frames = [a.req.frame(), a.resp.frame()];
    let request = a.req.config(CfgType::Request);
    if request.and_then(|c| c.first(asked)).is_none() {
        return Err(Outcome::inconclusive(not_asked).with_frames(pcap(obs), sorted(frames)));
    }
    let Some(reply) = a.resp.config(CfgType::Reply).cloned() else {
        return Err(Outcome::fail("the HA's IKE_AUTH response has no CFG_REPLY")
            .with_frames(pcap(obs), sorted(frames)));
    };
    Ok((a, reply))
}

// ------------------------------------------------------------ HoA assigned (§5.3.1)

/// §5.3.1: "When the Home Agent processes the message, it allocates a HoA and sends it a
/// CFG_REPLY message"; RFC 4877 §4.1: "it must reply with a valid home address"; §4.4: SAs
/// based on the home address.
#[mip6lab_suite::test_purpose]
pub fn hoa_assigned() -> TestPurpose {
    tp(
        "TP-SPLIT-HA-HOA-ASSIGNED-01",
        "HA answers INTERNAL_IP6_ADDRESS with a HoA on the home prefix; Child SA TSi = HoA",
        &[
            "RFC5026-5.3.1-HA-MUST-1",
            "RFC4877-4.1-HA-MUST-1",
            "RFC4877-4.4-ANY-MUST-1",
        ],
        PICS_ASSIGNED,
        &[],
        DEFAULT_TESTER,
        judge_hoa_assigned,
    )
}

pub fn judge_hoa_assigned(obs: &Observation) -> Outcome {
    let (a, reply) = try_step!(answered_cfg_request(
        obs,
        &CpAttributeType::InternalIp6Address,
        "the tester's IKE_AUTH carries no CFG_REQUEST with INTERNAL_IP6_ADDRESS",
    ));
    let frames = [a.req.frame(), a.resp.frame()];
    let Some(attr) = reply.first(&CpAttributeType::InternalIp6Address) else {
        return Outcome::fail("the HA's CFG_REPLY has no INTERNAL_IP6_ADDRESS")
            .with_frames(pcap(obs), sorted(frames));
    };
    let Some((hoa, plen)) = cp_value(attr).filter(|_| attr.len == Some(17)) else {
        return Outcome::fail(format!(
            "the CFG_REPLY's INTERNAL_IP6_ADDRESS is not an address and prefix length \
             (len={}, value={})",
            or_unknown(attr.len),
            attr.value
                .as_ref()
                .map_or_else(|| "none".to_owned(), |v| v.to_string())
        ))
        .with_frames(pcap(obs), sorted(frames));
    };
    if !in_home_prefix(hoa) {
        return Outcome::fail(format!(
            "the HA assigned {hoa}, outside the home prefix {}/{}",
            HOME_PREFIX.0, HOME_PREFIX.1
        ))
        .with_frames(pcap(obs), sorted(frames));
    }
    // The Subnet-Router anycast address is no host's address (RFC 4291 §2.6.1).
    if hoa == HOME_PREFIX.0 {
        return Outcome::fail(format!(
            "the HA assigned {hoa}, the home prefix's Subnet-Router anycast address"
        ))
        .with_frames(pcap(obs), sorted(frames));
    }
    let tsi = a.resp.tsi.clone().unwrap_or_default();
    if tsi.is_empty() {
        // The selectors are judged on a Child SA; without one they were never exercised.
        return Outcome::not_reached(
            format!("IKE_AUTH assigned {hoa}"),
            format!(
                "the HA set up no Child SA (no TSi; notifies: {})",
                error_notifies(&a.resp)
            ),
        )
        .with_frames(pcap(obs), sorted(frames));
    }
    let hoa_ip = Some(IpAddr::V6(hoa));
    if let Some(t) = tsi.iter().find(|t| t.start != hoa_ip || t.end != hoa_ip) {
        return Outcome::fail(format!(
            "the Child SA's TSi is {}-{}, not narrowed to the assigned HoA {hoa}",
            or_unknown(t.start),
            or_unknown(t.end)
        ))
        .with_frames(pcap(obs), sorted(frames));
    }
    // §4.4: the other end of the SA is the HA's own address, not a range with the CoA.
    let ha = a.resp.entry.src_addr;
    let tsr = a.resp.tsr.clone().unwrap_or_default();
    if tsr.is_empty() {
        return Outcome::fail("the HA's IKE_AUTH response has TSi but no TSr")
            .with_frames(pcap(obs), sorted(frames));
    }
    if let Some(t) = tsr
        .iter()
        .find(|t| t.start != Some(ha) || t.end != Some(ha))
    {
        return Outcome::fail(format!(
            "the Child SA's TSr is {}-{}, not the HA's address {ha}",
            or_unknown(t.start),
            or_unknown(t.end)
        ))
        .with_frames(pcap(obs), sorted(frames));
    }
    Outcome::pass(format!(
        "CFG_REPLY assigns {hoa}/{plen} on the home prefix; the Child SA's selectors are that \
         HoA and the HA's address {ha}"
    ))
    .with_frames(pcap(obs), sorted(frames))
}

// -------------------------------------------------------- home prefix (§5.3.2, §8.2)

/// §5.3.2: the HA "MUST include in the CFG_REPLY payload prefix information for one prefix
/// on the home link"; §8.2: type 16, R bit 0, Length 21 in a CFG_REPLY.
#[mip6lab_suite::test_purpose]
pub fn home_prefix() -> TestPurpose {
    tp(
        "TP-SPLIT-HA-HOME-PREFIX-01",
        "HA answers MIP6_HOME_PREFIX with one home-link prefix (type 16, length 21, R = 0)",
        &[
            "RFC5026-5.3.2-HA-MUST-3",
            "RFC5026-8.2-HA-MUST-1",
            "RFC5026-8.2-ANY-MUST-1",
            "RFC5026-8.2-ANY-MUST-3",
        ],
        PICS_AUTOCONF,
        &[],
        AUTOCONF_TESTER,
        judge_home_prefix,
    )
}

pub fn judge_home_prefix(obs: &Observation) -> Outcome {
    let (a, reply) = try_step!(answered_cfg_request(
        obs,
        &CpAttributeType::Mip6HomePrefix,
        "the tester's IKE_AUTH carries no CFG_REQUEST with MIP6_HOME_PREFIX \
         (MIP6LAB_HOA_MODE=autoconf not applied?)",
    ));
    let frames = [a.req.frame(), a.resp.frame()];
    let prefixes: Vec<_> = reply.all(&CpAttributeType::Mip6HomePrefix).collect();
    let Some(attr) = prefixes.first() else {
        let n: Vec<String> = notifies(&a.resp)
            .iter()
            .filter(|(t, _)| *t < notify::FIRST_STATUS_TYPE)
            .map(|(t, n)| format!("{n}({t})"))
            .collect();
        let kinds: Vec<&str> = reply.attributes.iter().map(|c| c.name.as_str()).collect();
        return Outcome::fail(format!(
            "the HA's CFG_REPLY has no MIP6_HOME_PREFIX attribute (type 16); it holds [{}]{}",
            kinds.join(", "),
            if n.is_empty() {
                String::new()
            } else {
                format!(", with {}", n.join(", "))
            }
        ))
        .with_frames(pcap(obs), sorted(frames));
    };
    if prefixes.len() > 1 {
        return Outcome::fail(format!(
            "the CFG_REPLY holds {} MIP6_HOME_PREFIX attributes, not one",
            prefixes.len()
        ))
        .with_frames(pcap(obs), sorted(frames));
    }
    if attr.len != Some(21) {
        return Outcome::fail(format!(
            "MIP6_HOME_PREFIX in the CFG_REPLY has Length {}, not 21",
            or_unknown(attr.len)
        ))
        .with_frames(pcap(obs), sorted(frames));
    }
    if attr.reserved_bit {
        return Outcome::fail("MIP6_HOME_PREFIX in the CFG_REPLY has the R bit set")
            .with_frames(pcap(obs), sorted(frames));
    }
    let Some((prefix, plen)) = cp_value(attr) else {
        return Outcome::fail("MIP6_HOME_PREFIX in the CFG_REPLY does not decode")
            .with_frames(pcap(obs), sorted(frames));
    };
    if (prefix, plen) != HOME_PREFIX {
        return Outcome::fail(format!(
            "the CFG_REPLY offers {prefix}/{plen}, not the home link's prefix {}/{}",
            HOME_PREFIX.0, HOME_PREFIX.1
        ))
        .with_frames(pcap(obs), sorted(frames));
    }
    let lifetime = or_unknown(attr.lifetime);
    if attr.lifetime == Some(0) {
        return Outcome::fail(format!(
            "the CFG_REPLY offers {prefix}/{plen} with Prefix Lifetime 0 (not valid)"
        ))
        .with_frames(pcap(obs), sorted(frames));
    }
    Outcome::pass(format!(
        "CFG_REPLY carries one MIP6_HOME_PREFIX (type 16, Length 21, R = 0): {prefix}/{plen}, \
         lifetime {lifetime} s"
    ))
    .with_frames(pcap(obs), sorted(frames))
}

// ------------------------------------------------ USE_ASSIGNED_HoA (§5.3.2, §10)

/// §5.3.2: an HA that does not allow auto-configuration answers MIP6_HOME_PREFIX with
/// "a Notify Payload type USE_ASSIGNED_HoA and the related Home Address in a
/// INTERNAL_IP6_ADDRESS attribute"; §10: its number is 42.
#[mip6lab_suite::test_purpose]
pub fn use_assigned_hoa() -> TestPurpose {
    tp(
        "TP-SPLIT-HA-USE-ASSIGNED-01",
        "HA without auto-configuration answers MIP6_HOME_PREFIX with N(USE_ASSIGNED_HoA) and \
         an INTERNAL_IP6_ADDRESS",
        &[
            "RFC5026-5.3.2-HA-MUST-4",
            "RFC5026-5.3.2-HA-MUST-5",
            "RFC5026-10-ANY-MUST-1",
        ],
        PICS_ASSIGNED,
        HA_NO_AUTOCONF,
        AUTOCONF_TESTER,
        judge_use_assigned_hoa,
    )
}

pub fn judge_use_assigned_hoa(obs: &Observation) -> Outcome {
    let a = try_step!(ike_auth(obs));
    let frames = [a.req.frame(), a.resp.frame()];
    if a.req
        .config(CfgType::Request)
        .and_then(|c| c.first(&CpAttributeType::Mip6HomePrefix))
        .is_none()
    {
        return Outcome::inconclusive(
            "the tester's IKE_AUTH carries no CFG_REQUEST with MIP6_HOME_PREFIX",
        )
        .with_frames(pcap(obs), sorted(frames));
    }
    let ns = notifies(&a.resp);
    if !ns.iter().any(|(t, _)| *t == notify::USE_ASSIGNED_HOA) {
        let shown: Vec<String> = ns.iter().map(|(t, n)| format!("{n}({t})")).collect();
        return Outcome::fail(format!(
            "the HA (auto-configuration off) sent no Notify USE_ASSIGNED_HoA (42); notifies: {}",
            if shown.is_empty() {
                "none".into()
            } else {
                shown.join(", ")
            }
        ))
        .with_frames(pcap(obs), sorted(frames));
    }
    let assigned = a
        .resp
        .config(CfgType::Reply)
        .and_then(|c| c.first(&CpAttributeType::InternalIp6Address))
        .and_then(cp_value);
    let Some((hoa, plen)) = assigned else {
        return Outcome::fail(
            "the HA sent USE_ASSIGNED_HoA without an INTERNAL_IP6_ADDRESS in a CFG_REPLY",
        )
        .with_frames(pcap(obs), sorted(frames));
    };
    if !in_home_prefix(hoa) || hoa == HOME_PREFIX.0 {
        return Outcome::fail(format!(
            "USE_ASSIGNED_HoA names {hoa}, not a host address on the home prefix {}/{}",
            HOME_PREFIX.0, HOME_PREFIX.1
        ))
        .with_frames(pcap(obs), sorted(frames));
    }
    Outcome::pass(format!(
        "IKE_AUTH response: Notify USE_ASSIGNED_HoA (type 42) and CFG_REPLY \
         INTERNAL_IP6_ADDRESS {hoa}/{plen}"
    ))
    .with_frames(pcap(obs), sorted(frames))
}
