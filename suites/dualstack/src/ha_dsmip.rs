//! IPv6 home agent under test (DSMIPv6, RFC 5555) in the dual-stack scenario: the harness's MN
//! bootstraps through its Mobile IPv4 registration with the harness's FHA, then does IKEv2 and
//! the Binding Update with the HA the Registration Reply named, through the MN–FHA tunnel,
//! asking for an IPv4 home address; then it moves the binding to its IPv4 care-of address,
//! BUs in UDP 4191 to the HA's IPv4 address (topology `dualstack-ha-iut`). Verdicts are read
//! from the captures of the home and access links, the ESP decrypted with the tester's keys.
//!
//! The observation ends with the tester's `done` (after its deregistration): every step
//! judged comes before it.

use mip6lab_suite::observe::{
    BindingAck, BindingUpdate, Exchange, Ipv4AddressAck, NatDetection, Via,
};
use mip6lab_suite::{IutRole, Observation, Outcome, Stimulus, TestPurpose};
use std::net::{IpAddr, Ipv4Addr};

const TOPOLOGY: &str = "dualstack-ha-iut";
/// The HA's roles: on the home link, and on the access link where it takes UDP 4191.
const HA: &str = "HA";
const HA_ACCESS: &str = "HA-access";
/// The tester MN's IPv6 CoA (the Registration Reply's), the source of its tunnelled BUs.
const MN_COA6: &str = "MN-CoA6";

/// A test purpose with the HA under test, driven by the tester MN through its whole flow.
const fn tp(
    id: &'static str,
    title: &'static str,
    requirements: &'static [&'static str],
    judge: fn(&Observation) -> Outcome,
) -> TestPurpose {
    crate::test_purpose(IutRole::Ha, TOPOLOGY, id, title, requirements, judge).stimulus(Stimulus {
        node: "mn",
        env: &[],
    })
}

/// The HA's BA answering `bu` (same sequence number, from `from`, later in the capture).
fn ba_to<'a>(
    obs: &'a Observation,
    bu: &BindingUpdate<'_>,
    from: &'a str,
) -> Option<BindingAck<'a>> {
    obs.binding_acks_from(from)
        .find(|ba| ba.seq.is_some() && ba.seq == bu.seq && ba.entry.frame > bu.entry.frame)
}

/// The tester's first BU of its Mobile IPv6 half with the IKE_AUTH before it, or why the
/// flow never got there (INCONCLUSIVE).
fn first_tunnelled_bu(obs: &Observation) -> Result<BindingUpdate<'_>, Outcome> {
    if let Some(bu) = obs.binding_updates_from(MN_COA6).find(|b| b.registers()) {
        return Ok(bu);
    }
    let last = match obs.ike_responses(Exchange::IkeAuth, Some(HA)).next() {
        Some(_) => "IKE_AUTH with the HA",
        None => match obs.ike_requests(Exchange::IkeSaInit, Some(MN_COA6)).next() {
            Some(_) => "the tester's IKE_SA_INIT to the HA",
            None => "the tester's Mobile IPv4 registration",
        },
    };
    Err(Outcome::not_reached(
        last,
        "the tester MN sent no Binding Update from its IPv6 CoA (see its log)",
    ))
}

/// Draft §4.1.1 (figure 2, last steps): the MN bootstrapped by the Mobile IPv4 registration
/// sends its BU to the IPv6 HA the Reply named, through the MN–FHA tunnel, and gets its BA;
/// RFC 5555 §2.3.1: after accepting it, the HA sends a BA.
#[mip6lab_suite::test_purpose]
pub fn accepts_the_bootstrapped_mn() -> TestPurpose {
    tp(
        "TP-DS-HA-BU-01",
        "HA named in the Registration Reply accepts the BU the MN sends through the MN–FHA tunnel",
        &["RFC5555-2.3.1-HA-MUST-1"],
        judge_accepts_the_bootstrapped_mn,
    )
    .pics(&["ha.auth.psk"])
}

pub fn judge_accepts_the_bootstrapped_mn(obs: &Observation) -> Outcome {
    let bu = mip6lab_suite::try_step!(first_tunnelled_bu(obs));
    let Some(ba) = ba_to(obs, &bu, HA) else {
        return obs.with_entries(
            Outcome::fail(format!(
                "the HA sent no Binding Acknowledgement to the BU (seq {}) from {MN_COA6}",
                mip6lab_suite::observe::or_unknown(bu.seq)
            )),
            &[bu.entry],
        );
    };
    let o = if ba.accepted() {
        Outcome::pass(format!(
            "the BU from the Reply's IPv6 CoA, tunnelled by the FHA, got an accepting BA (status {})",
            ba.status.unwrap_or_default()
        ))
    } else {
        Outcome::fail(format!(
            "the HA rejected the bootstrapped MN's BU (status {:?})",
            ba.status
        ))
    };
    obs.with_entries(o, &[bu.entry, ba.entry])
}

/// RFC 5555 §2.3.1: "if the binding update included an IPv4 home address option, the binding
/// acknowledgement MUST include the IPv4 address acknowledgment option"; §4.5: with the
/// unspecified address the HA SHOULD allocate one, and MUST include the acknowledgement.
#[mip6lab_suite::test_purpose]
pub fn acknowledges_the_ipv4_home_address() -> TestPurpose {
    tp(
        "TP-DS-HA-IPV4-HOA-01",
        "BA to a BU with an IPv4 Home Address option carries an IPv4 Address Acknowledgement",
        &[
            "RFC5555-2.3.1-HA-MUST-2",
            "RFC5555-4.5-HA-MUST-11",
            "RFC5555-4.5-HA-SHOULD-2",
        ],
        judge_acknowledges_the_ipv4_home_address,
    )
    .pics(&["ha.auth.psk", "ha.dsmip.ipv4_home_address"])
}

pub fn judge_acknowledges_the_ipv4_home_address(obs: &Observation) -> Outcome {
    let bu = mip6lab_suite::try_step!(first_tunnelled_bu(obs));
    // The positive control: the stimulus did ask.
    if bu.ipv4_home_address().is_none() {
        return obs.with_entries(
            Outcome::inconclusive(
                "the tester's BU carried no IPv4 Home Address option (MIP6LAB_MN_IPV4_HOA_REQUEST)",
            ),
            &[bu.entry],
        );
    }
    let Some(ba) = ba_to(obs, &bu, HA) else {
        return obs.with_entries(
            Outcome::fail(
                "the HA sent no Binding Acknowledgement to the BU asking for an IPv4 home address",
            ),
            &[bu.entry],
        );
    };
    let entries = [bu.entry, ba.entry];
    if !ba.accepted() {
        return obs.with_entries(
            Outcome::inconclusive(format!(
                "the HA rejected the BU itself (status {:?}): the IPv4 home address was not reached",
                ba.status
            )),
            &entries,
        );
    }
    let o = match ack_tuple(&ba) {
        None => Outcome::fail(
            "the accepting BA has no IPv4 Address Acknowledgement although the BU carried an \
             IPv4 Home Address option",
        ),
        Some((Some(status), Some(address), len)) if status < 128 => {
            if address.is_unspecified() || address.is_broadcast() || address.is_multicast() {
                Outcome::fail(format!(
                    "the IPv4 Address Acknowledgement grants {address}, not a unicast address"
                ))
            } else {
                Outcome::pass(format!(
                    "IPv4 Address Acknowledgement status {status}: {address}/{}",
                    mip6lab_suite::observe::or_unknown(len)
                ))
            }
        }
        // §4.5: a refusal still answers with the option (e.g. 132, none available).
        Some((Some(status), address, _)) => Outcome::pass(format!(
            "IPv4 Address Acknowledgement present, status {status} (refused; address {})",
            mip6lab_suite::observe::or_unknown(address)
        )),
        Some((None, _, _)) => {
            Outcome::inconclusive("the IPv4 Address Acknowledgement's status could not be read")
        }
    };
    obs.with_entries(o, &entries)
}

/// The tester's first BU in UDP 4191 (after its move to the IPv4 CoA), with the IPv4 CoA it
/// names, or why the flow never got there.
fn first_udp_bu(obs: &Observation) -> Result<(BindingUpdate<'_>, Ipv4Addr), Outcome> {
    let bu = obs.binding_updates(None).find(|b| {
        b.registers()
            && b.tunnel().is_some_and(|t| t.via == Via::Udp4191)
            && b.entry.dst == HA_ACCESS
    });
    let Some(bu) = bu else {
        let last = match obs.binding_acks_from(HA).find(|ba| ba.accepted()) {
            Some(_) => "the accepting BA to the tunnelled BU",
            None => "the tunnelled BU",
        };
        return Err(Outcome::not_reached(
            last,
            "the tester MN sent no BU in UDP 4191 from its IPv4 CoA (MIP6LAB_MN_IPV4_COA_HA)",
        ));
    };
    let Some(coa) = bu.ipv4_care_of_address() else {
        return Err(obs.with_entries(
            Outcome::inconclusive("the tester's BU in UDP carries no readable IPv4 CoA option"),
            &[bu.entry],
        ));
    };
    Ok((bu, coa))
}

/// RFC 5555 §4.2: "the home agent MUST encapsulate binding acknowledgements in a UDP header
/// whenever the binding update is encapsulated in UDP", and the NAT detection option "MUST be
/// present in the binding acknowledgement message if the binding update was encapsulated in
/// UDP"; §4.5: the HA detects a NAT by comparing the IPv4 CoA option with the outer source.
#[mip6lab_suite::test_purpose]
pub fn answers_a_udp_bu_in_udp() -> TestPurpose {
    tp(
        "TP-DS-HA-UDP-01",
        "BA to a BU in UDP 4191 goes back in UDP with the NAT Detection option (no NAT: F clear)",
        &[
            "RFC5555-4.2-HA-MUST-1",
            "RFC5555-4.2-HA-MUST-2",
            "RFC5555-4.5-HA-MUST-1",
        ],
        judge_answers_a_udp_bu_in_udp,
    )
    .pics(&["ha.auth.psk", "ha.dsmip.udp"])
}

pub fn judge_answers_a_udp_bu_in_udp(obs: &Observation) -> Outcome {
    let (bu, coa) = mip6lab_suite::try_step!(first_udp_bu(obs));
    let outer = udp_source(&bu);
    // Either of the HA's roles may answer; the UDP one is the one asked for.
    let ba = ba_to(obs, &bu, HA_ACCESS).or_else(|| ba_to(obs, &bu, HA));
    let Some(ba) = ba else {
        return obs.with_entries(
            Outcome::fail("the HA sent no Binding Acknowledgement to the BU in UDP 4191"),
            &[bu.entry],
        );
    };
    let entries = [bu.entry, ba.entry];
    let back_in_udp = ba.tunnel().is_some_and(|t| t.via == Via::Udp4191)
        && ba.entry.dst_addr == bu.entry.src_addr;
    let o = if !back_in_udp {
        Outcome::fail(format!(
            "the BA to the BU in UDP did not go back in UDP 4191 to {} (it went {:?} to {})",
            bu.entry.src_addr,
            ba.tunnel().map(|t| t.via),
            ba.entry.dst
        ))
    } else {
        match ba.nat_detection() {
            None => Outcome::fail("the BA in UDP has no NAT Detection option"),
            // No NAT in this lab: the option's CoA is the outer source; F is the HA's choice.
            Some(NatDetection {
                force_udp,
                refresh_time,
            }) if outer == Some(IpAddr::V4(coa)) && force_udp != Some(true) => {
                Outcome::pass(format!(
                    "BA in UDP 4191 to {coa} with NAT Detection (F clear, refresh {})",
                    mip6lab_suite::observe::or_unknown(refresh_time)
                ))
            }
            Some(n) => Outcome::pass(format!(
                "BA in UDP 4191 with NAT Detection (F {:?}; outer source {:?}, IPv4 CoA {coa})",
                n.force_udp, outer
            )),
        }
    };
    obs.with_entries(o, &entries)
}

/// Both tester MNs ask for the same IPv4 home address and hold their bindings 20 s: whichever
/// asks second asks while the first holds it.
const SAME_ADDRESS: &str = "198.18.200.10";
const BOTH_ASK_FOR_IT: &[(&str, &str, &str)] = &[
    ("mn", "MIP6LAB_MN_IPV4_HOA_REQUEST", SAME_ADDRESS),
    ("mn", "MIP6LAB_HOLD_SECS", "20"),
];
/// Both ask for any address and hold their bindings 20 s.
const BOTH_ASK_FOR_ANY: &[(&str, &str, &str)] = &[("mn", "MIP6LAB_HOLD_SECS", "20")];

/// The two tester MNs' BUs on the home link, by their IPv6 CoAs.
const TESTERS: [&str; 2] = [MN_COA6, "MN-FA-CoA6"];

/// A grant seen on the wire, and a later BU of the other tester asking while it was held.
struct Contested<'a> {
    holder: &'a str,
    granted: Ipv4Addr,
    grant: BindingAck<'a>,
    second: BindingUpdate<'a>,
}

/// The first IPv4 home address granted to one tester, and the other tester's next BU asking
/// for `wanted` (any address when `None`) before any deregistration; or why there is none.
fn contested<'a>(obs: &'a Observation, wanted: Option<Ipv4Addr>) -> Result<Contested<'a>, Outcome> {
    // Each tester's first grant; the earlier of the two is the one contested.
    let grants = TESTERS.iter().filter_map(|holder| {
        obs.binding_updates_from(holder).find_map(|bu| {
            let ba = ba_to(obs, &bu, HA)?;
            match ba.ipv4_address_ack() {
                Some(Ipv4AddressAck {
                    status: Some(s),
                    address: Some(a),
                    ..
                }) if s < 128 && ba.accepted() => Some((*holder, a, ba)),
                _ => None,
            }
        })
    });
    let Some((holder, granted, grant)) = grants.min_by_key(|(_, _, ba)| ba.entry.frame) else {
        return Err(Outcome::not_reached(
            "the testers' BUs asking for an IPv4 home address",
            "the HA granted neither tester an IPv4 home address, so nothing was held to contest",
        ));
    };
    let other = TESTERS
        .iter()
        .find(|t| **t != holder)
        .copied()
        .unwrap_or(MN_COA6);
    let asks =
        |bu: &BindingUpdate<'_>| match (bu.ipv4_home_address().and_then(|h| h.address), wanted) {
            (Some(a), Some(w)) => a == w,
            (Some(a), None) => a.is_unspecified(),
            _ => false,
        };
    let second = obs
        .binding_updates_from(other)
        .find(|bu| bu.registers() && bu.entry.frame > grant.entry.frame && asks(bu));
    let Some(second) = second else {
        return Err(obs.with_entries(
            Outcome::not_reached(
                format!("the grant of {granted} to {holder}"),
                format!("{other} sent no BU asking for it afterwards"),
            ),
            &[grant.entry],
        ));
    };
    // The holder still held it: nobody deregistered in between.
    let released = obs.binding_updates(None).any(|b| {
        b.deregisters() && b.entry.frame > grant.entry.frame && b.entry.frame < second.entry.frame
    });
    if released {
        return Err(obs.with_entries(
            Outcome::inconclusive(format!(
                "a deregistration came between the grant of {granted} and {other}'s BU: the \
                 address may have been free again"
            )),
            &[grant.entry, second.entry],
        ));
    }
    Ok(Contested {
        holder,
        granted,
        grant,
        second,
    })
}

/// RFC 5555 §4.5: "If the IPv4 home address option contains a valid unicast IPv4 address, the
/// home agent MUST check that this address is allocated to the mobile node that has the IPv6
/// home address included in the home address option."
#[mip6lab_suite::test_purpose]
pub fn refuses_an_ipv4_home_address_in_use() -> TestPurpose {
    tp(
        "TP-DS-HA-IPV4-HOA-IN-USE-01",
        "an IPv4 home address another MN holds is not granted to a second MN asking for it",
        &["RFC5555-4.5-HA-MUST-7"],
        judge_refuses_an_ipv4_home_address_in_use,
    )
    .stimulus(Stimulus {
        node: "mn-fa",
        env: &[
            ("MIP6LAB_MN_IPV4_HOA_REQUEST", SAME_ADDRESS),
            ("MIP6LAB_HOLD_SECS", "20"),
        ],
    })
    .peer_env(BOTH_ASK_FOR_IT)
    .pics(&["ha.auth.psk", "ha.dsmip.ipv4_home_address"])
}

pub fn judge_refuses_an_ipv4_home_address_in_use(obs: &Observation) -> Outcome {
    let wanted: Ipv4Addr = SAME_ADDRESS.parse().expect("a constant address");
    let c = mip6lab_suite::try_step!(contested(obs, Some(wanted)));
    let Some(ba) = ba_to(obs, &c.second, HA) else {
        return obs.with_entries(
            Outcome::fail("the HA sent no Binding Acknowledgement to the second MN's BU"),
            &[c.grant.entry, c.second.entry],
        );
    };
    let entries = [c.grant.entry, c.second.entry, ba.entry];
    let o = match (ba.accepted(), ack_tuple(&ba)) {
        (true, Some((Some(s), Some(a), _))) if s < 128 && a == c.granted => Outcome::fail(format!(
            "the HA granted {a} to the second MN while {} held it",
            c.holder
        )),
        (true, Some((Some(s), Some(a), _))) if s < 128 => Outcome::inconclusive(format!(
            "the HA granted {a} instead of the {} asked for: whether it checked the request \
             cannot be seen",
            c.granted
        )),
        (true, Some((Some(s), _, _))) => Outcome::pass(format!(
            "the second MN's request for {}, held by {}, was refused (IPv4 Address \
             Acknowledgement status {s})",
            c.granted, c.holder
        )),
        (false, _) => Outcome::pass(format!(
            "the HA rejected the second MN's BU asking for {} (status {:?})",
            c.granted, ba.status
        )),
        (true, _) => Outcome::fail(
            "the BA accepting the second MN's BU has no readable IPv4 Address Acknowledgement",
        ),
    };
    obs.with_entries(o, &entries)
}

/// RFC 5555 §4.5: "If the IPv4 home address option contained the unspecified IPv4 address,
/// the home agent SHOULD dynamically allocate an IPv4 home address to the mobile node. If
/// none is available, the home agent MUST return error code 132 in the status field of the
/// IPv4 address acknowledgement option." The HA is configured with one address (PIXIT).
#[mip6lab_suite::test_purpose]
pub fn answers_132_when_none_is_left() -> TestPurpose {
    tp(
        "TP-DS-HA-IPV4-EXHAUSTED-01",
        "with its only IPv4 home address held, the HA answers a request for any with status 132",
        &["RFC5555-4.5-HA-MUST-9"],
        judge_answers_132_when_none_is_left,
    )
    .iut_env(&[("MIP6LAB_HA_IPV4_HOA_POOL", "198.18.200.10-198.18.200.10")])
    .stimulus(Stimulus {
        node: "mn-fa",
        env: &[
            ("MIP6LAB_MN_IPV4_HOA_REQUEST", "0.0.0.0"),
            ("MIP6LAB_HOLD_SECS", "20"),
        ],
    })
    .peer_env(BOTH_ASK_FOR_ANY)
    .pics(&["ha.auth.psk", "ha.dsmip.ipv4_home_address"])
}

pub fn judge_answers_132_when_none_is_left(obs: &Observation) -> Outcome {
    let c = mip6lab_suite::try_step!(contested(obs, None));
    let Some(ba) = ba_to(obs, &c.second, HA) else {
        return obs.with_entries(
            Outcome::fail("the HA sent no Binding Acknowledgement to the second MN's BU"),
            &[c.grant.entry, c.second.entry],
        );
    };
    let entries = [c.grant.entry, c.second.entry, ba.entry];
    if !ba.accepted() {
        return obs.with_entries(
            Outcome::inconclusive(format!(
                "the HA rejected the second MN's BU itself (status {:?}): its IPv4 request was \
                 not reached",
                ba.status
            )),
            &entries,
        );
    }
    let o = match ack_tuple(&ba) {
        Some((Some(132), _, _)) => Outcome::pass(format!(
            "{} held the only IPv4 home address ({}); the second request for any got status 132",
            c.holder, c.granted
        )),
        Some((Some(s), Some(a), _)) if s < 128 => Outcome::fail(format!(
            "the HA granted {a} although its one configured address {} was held by {} \
             (is MIP6LAB_HA_IPV4_HOA_POOL's PIXIT applied?)",
            c.granted, c.holder
        )),
        Some((Some(s), _, _)) => Outcome::fail(format!(
            "no IPv4 home address was left and the HA answered status {s}, not 132"
        )),
        _ => Outcome::fail("the accepting BA has no readable IPv4 Address Acknowledgement"),
    };
    obs.with_entries(o, &entries)
}

/// The BU's outer IPv4 source when it came in UDP 4191.
fn udp_source(bu: &BindingUpdate<'_>) -> Option<IpAddr> {
    bu.tunnel()
        .filter(|t| t.via == Via::Udp4191)
        .and_then(|t| t.from)
}

/// The BA's IPv4 Address Acknowledgement as (status, address, prefix length).
fn ack_tuple(ba: &BindingAck<'_>) -> Option<(Option<u8>, Option<Ipv4Addr>, Option<u8>)> {
    ba.ipv4_address_ack()
        .map(|a| (a.status, a.address, a.prefix_len))
}

/// Draft §4.2.1 figure 5 (subscription in the ASP): the BA to the MN bootstrapped through the
/// ASP's access (the harness's NAS asks the AAAF) — the HA's part does not change.
#[mip6lab_suite::test_purpose]
pub fn accepts_the_mn_of_the_asp_case() -> TestPurpose {
    tp(
        "TP-DS-HA-ASP-01",
        "ASP case: the HA the Reply named accepts the BU through the MN–FHA tunnel",
        &["DSB-4.2.1-HA-MUST-2"],
        judge_accepts_the_mn_of_the_asp_case,
    )
    .peer_env(&[("nas", "MIP6LAB_RADIUS", "[2001:db8:30::19]:1812")])
    .pics(&["ha.auth.psk"])
}

pub fn judge_accepts_the_mn_of_the_asp_case(obs: &Observation) -> Outcome {
    if crate::asp_access(obs).is_none() {
        return crate::not_the_asp_case();
    }
    judge_accepts_the_bootstrapped_mn(obs)
}
