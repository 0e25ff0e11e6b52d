//! Foreign home agent under test (draft-qin-mip6-dsbootstrapping §4.1, §4.2; as the Mobile
//! IPv4 home agent, RFC 5944 §3.8 with the profile's extensions): the harness's MNs register
//! with it — the co-located MN directly from its DHCPv4 CoA, MN-FA through the harness's FA
//! (topology `dualstack-fha-iut`). It checks them with the AAAH (FreeRADIUS), answers with the
//! temporary IPv4 home address and the IPv6 items in the lab's profile
//! (fixtures/profiles/dualstack.toml), and tunnels their traffic. Verdicts are read from the
//! access, core and home links' captures.
//!
//! Observations end with the tester MN's `done` (after its Mobile IPv6 half), or its exit.

use crate::{registration_for, MN_FA_NAI, MN_NAI};
use mip6lab_suite::observe::{
    radius_code, Mip4ExtensionKind as Ext, Mip4Message, Mip4Registration, Via,
};
use mip6lab_suite::{IutRole, Observation, Outcome, Stimulus, TestPurpose};
use std::net::IpAddr;

const TOPOLOGY: &str = "dualstack-fha-iut";
/// The FHA's role on the access link (where the MNs' Requests go), and on the core link.
const FHA: &str = "FHA";
const FHA_CORE: &str = "FHA-core";
const AAA: &str = "AAA";
/// The ASP's AAA server (the draft's AAAF; AAAV in the lab's transcripts).
const AAAF: &str = "AAAV";

/// A test purpose with the FHA under test, driven by the harness's MN `node` with `env`.
const fn tp(
    id: &'static str,
    title: &'static str,
    requirements: &'static [&'static str],
    node: &'static str,
    env: &'static [(&'static str, &'static str)],
    judge: fn(&Observation) -> Outcome,
) -> TestPurpose {
    crate::test_purpose(IutRole::Fha, TOPOLOGY, id, title, requirements, judge)
        .stimulus(Stimulus { node, env })
}

/// The co-located tester's registration with the FHA's Reply, or the outcome when the Request
/// was never sent (INCONCLUSIVE) or never answered (FAIL: RFC 5944 §3.8.2.2 "In all cases,
/// the home agent MUST send a Registration Reply to the source").
fn answered<'a>(
    obs: &'a Observation,
    nai: &str,
) -> Result<(Mip4Registration<'a>, Mip4Message<'a>), Outcome> {
    let reg = registration_for(obs, nai, "the tester MN's network access and DHCPv4")?;
    let Some(reply) = reg.home_reply.clone() else {
        let sent_to = reg
            .relayed_request
            .as_ref()
            .unwrap_or(&reg.request)
            .entry
            .dst
            .clone();
        let o = if sent_to == FHA || reg.relayed_request.is_some() {
            Outcome::fail(format!(
                "the FHA sent no Registration Reply to the Request from {nai}"
            ))
        } else {
            Outcome::inconclusive(format!(
                "the Request from {nai} went to {sent_to}, not the FHA"
            ))
        };
        return Err(obs.with_entries(o, &[reg.request.entry]));
    };
    Ok((reg, reply))
}

/// The FHA's accepting Reply, or the outcome when it denied (FAIL: the tester is a valid,
/// authorized subscriber) or was silent.
fn accepted<'a>(
    obs: &'a Observation,
    nai: &str,
) -> Result<(Mip4Registration<'a>, Mip4Message<'a>), Outcome> {
    let (reg, reply) = answered(obs, nai)?;
    if !reply.accepted() {
        return Err(obs.with_entries(
            Outcome::fail(format!(
                "the FHA denied {nai}, a subscriber with valid MN-AAA credentials (code {} {})",
                mip6lab_suite::observe::or_unknown(reply.code()),
                reply.code_name().unwrap_or("")
            )),
            &[reg.request.entry, reply.entry],
        ));
    }
    Ok((reg, reply))
}

/// Draft §4.1.1 figure 2 step 6 ("Reg Rep."): the FHA answers the co-located MN's Request
/// (RFC 5944 §3.8.2.2: to its source), accepting a subscriber the AAAH authorizes.
#[mip6lab_suite::test_purpose]
pub fn accepts_the_co_located_mn() -> TestPurpose {
    tp(
        "TP-DS-FHA-ACCEPT-01",
        "FHA answers the co-located MN's Registration Request, to its source, accepting it",
        &[
            "DSB-4.1.1-FHA-MUST-3",
            "DSB-2-FHA-MUST-1",
            "RFC5944-3.8.2.2-FHA-MUST-2",
            "RFC5944-3.8.2-FHA-MUST-1",
        ],
        "mn",
        &[],
        judge_accepts_the_co_located_mn,
    )
}

pub fn judge_accepts_the_co_located_mn(obs: &Observation) -> Outcome {
    let (reg, reply) = mip6lab_suite::try_step!(accepted(obs, MN_NAI));
    let entries = [reg.request.entry, reply.entry];
    let o = if reply.entry.dst_addr != reg.request.entry.src_addr {
        Outcome::fail(format!(
            "the Reply went to {}, not to the Request's source {}",
            reply.entry.dst_addr, reg.request.entry.src_addr
        ))
    } else {
        Outcome::pass(format!(
            "Reply code {} to {}",
            mip6lab_suite::observe::or_unknown(reply.code()),
            reply.entry.dst_addr
        ))
    };
    obs.with_entries(o, &entries)
}

/// RFC 5944 §3.8.1: "the home agent MUST put that home address into the Home Address field of
/// the Registration Reply"; RFC 2794 §3: "The Registration Reply MUST include a nonzero Home
/// Agent address and mobile node's Home Address"; draft §4.1.1: the temporary IPv4 home
/// address (the Request asked with 0.0.0.0).
#[mip6lab_suite::test_purpose]
pub fn assigns_a_temporary_ipv4_home_address() -> TestPurpose {
    tp(
        "TP-DS-FHA-THOA-01",
        "accepting Reply to a Request with Home Address 0.0.0.0 carries a unicast THoAv4 and the FHA's address",
        &[
            "RFC5944-3.8.1-FHA-MUST-2",
            "RFC2794-3-FHA-MUST-2",
            "RFC5944-3.8.3.2-FHA-MUST-6",
            "DSB-4.1.1-FHA-SHOULD-1",
        ],
        "mn",
        &[],
        judge_assigns_a_temporary_ipv4_home_address,
    )
}

pub fn judge_assigns_a_temporary_ipv4_home_address(obs: &Observation) -> Outcome {
    let (reg, reply) = mip6lab_suite::try_step!(accepted(obs, MN_NAI));
    let entries = [reg.request.entry, reply.entry];
    if reg
        .request
        .home_address()
        .is_some_and(|a| !a.is_unspecified())
    {
        return obs.with_entries(
            Outcome::inconclusive("the tester's Request did not ask with Home Address 0.0.0.0"),
            &entries,
        );
    }
    let fha = reply.entry.src_addr;
    let o = match (reply.home_address(), reply.home_agent()) {
        (Some(h), _) if h.is_unspecified() || h.is_broadcast() || h.is_multicast() => {
            Outcome::fail(format!(
                "the accepting Reply's Home Address is {h}, not a unicast address"
            ))
        }
        (_, Some(ha)) if ha.is_unspecified() || IpAddr::V4(ha) != fha => Outcome::fail(format!(
            "the Reply's Home Agent field is {ha}, not the FHA's address {fha}"
        )),
        (Some(h), Some(ha)) => Outcome::pass(format!("THoAv4 {h}, home agent {ha}")),
        _ => Outcome::inconclusive("the Reply's Home Address or Home Agent could not be read"),
    };
    obs.with_entries(o, &entries)
}

/// RFC 2794 §3: "If the mobile node includes the Mobile Node NAI extension in its Registration
/// Request, then the Registration Reply MUST include the Mobile Node NAI extension."
#[mip6lab_suite::test_purpose]
pub fn echoes_the_nai() -> TestPurpose {
    tp(
        "TP-DS-FHA-NAI-01",
        "Reply to a Request with the NAI extension carries the MN's NAI",
        &["RFC2794-3-FHA-MUST-1"],
        "mn",
        &[],
        judge_echoes_the_nai,
    )
}

pub fn judge_echoes_the_nai(obs: &Observation) -> Outcome {
    let (reg, reply) = mip6lab_suite::try_step!(answered(obs, MN_NAI));
    let o = match reply.nai() {
        Some(n) if n == MN_NAI => Outcome::pass(format!("the Reply carries NAI {n}")),
        Some(n) => Outcome::fail(format!(
            "the Reply's NAI is {n}, not the Request's {MN_NAI}"
        )),
        None => Outcome::fail("the Reply has no Mobile Node NAI extension"),
    };
    obs.with_entries(o, &[reg.request.entry, reply.entry])
}

/// Draft §4.1.1: "After the mobile node is authenticated by the FHA and AAAH, the IPv6 HoA, HA
/// assignment, temporary IPv4 home address and IPv6 care-of address should be appended in
/// mobile IPv4 registration reply" (lowercase: advisory). Carried in the lab's profile.
#[mip6lab_suite::test_purpose]
pub fn appends_the_ipv6_items() -> TestPurpose {
    tp(
        "TP-DS-FHA-IPV6-ITEMS-01",
        "accepting Reply carries the IPv6 HoA, the IPv6 HA and the IPv6 CoA (lab profile)",
        &["DSB-4.1.1-FHA-SHOULD-1", "DSB-4.1.2-FHA-SHOULD-1"],
        "mn",
        &[],
        judge_appends_the_ipv6_items,
    )
}

pub fn judge_appends_the_ipv6_items(obs: &Observation) -> Outcome {
    let (reg, reply) = mip6lab_suite::try_step!(accepted(obs, MN_NAI));
    let mut missing = Vec::new();
    if reply.ipv6_home_address().is_none() && reply.ipv6_home_prefix().is_none() {
        missing.push("IPv6 HoA (or home prefix)");
    }
    if reply.ipv6_home_agent().is_none() {
        missing.push("IPv6 HA");
    }
    if reply.ipv6_care_of_address().is_none() {
        missing.push("IPv6 CoA");
    }
    let o = if missing.is_empty() {
        Outcome::pass(format!(
            "IPv6 HoA {}, HA {}, CoA {} (lab profile)",
            mip6lab_suite::observe::or_unknown(reply.ipv6_home_address()),
            mip6lab_suite::observe::or_unknown(reply.ipv6_home_agent()),
            mip6lab_suite::observe::or_unknown(reply.ipv6_care_of_address())
        ))
    } else {
        Outcome::fail(format!(
            "the accepting Reply lacks: {} (in the lab's profile, fixtures/profiles/dualstack.toml)",
            missing.join(", ")
        ))
    };
    obs.with_entries(o, &[reg.request.entry, reply.entry])
}

/// RFC 5944 §3.8.2.2 / §3.4: "The home agent MUST NOT increase the Lifetime above that
/// specified by the mobile node in the Registration Request."
#[mip6lab_suite::test_purpose]
pub fn never_raises_the_lifetime() -> TestPurpose {
    tp(
        "TP-DS-FHA-LIFETIME-01",
        "accepting Reply's Lifetime is at most the Request's",
        &[
            "RFC5944-3.8.2.2-FHA-MUST-NOT-1",
            "RFC5944-3.4-FHA-MUST-NOT-1",
        ],
        "mn",
        &[],
        judge_never_raises_the_lifetime,
    )
}

pub fn judge_never_raises_the_lifetime(obs: &Observation) -> Outcome {
    let (reg, reply) = mip6lab_suite::try_step!(accepted(obs, MN_NAI));
    let o = match (reg.request.lifetime(), reply.lifetime()) {
        (Some(asked), Some(granted)) if granted > asked => Outcome::fail(format!(
            "the Reply grants {granted} s, more than the {asked} s asked for"
        )),
        (Some(asked), Some(granted)) => {
            Outcome::pass(format!("{granted} s granted for {asked} s asked"))
        }
        _ => Outcome::inconclusive("a Lifetime could not be read"),
    };
    obs.with_entries(o, &[reg.request.entry, reply.entry])
}

/// Draft §4.1.1 figure 2 step 5 ("Access Request") and "After the mobile node is
/// authenticated by the FHA and AAAH …": the FHA has the AAAH check the MN (with the MN-AAA
/// authenticator, RFC 4721) before it accepts it.
#[mip6lab_suite::test_purpose]
pub fn asks_the_aaah_before_accepting() -> TestPurpose {
    tp(
        "TP-DS-FHA-AAA-01",
        "FHA sends an Access-Request for the MN's NAI to the AAAH before its accepting Reply",
        &[
            "DSB-4.1.1-FHA-MUST-2",
            "DSB-4.1.1-FHA-SHOULD-2",
            "DSB-4.1-FHA-MUST-1",
        ],
        "mn",
        &[],
        judge_asks_the_aaah_before_accepting,
    )
}

pub fn judge_asks_the_aaah_before_accepting(obs: &Observation) -> Outcome {
    let (reg, reply) = mip6lab_suite::try_step!(accepted(obs, MN_NAI));
    let asked = obs.radius_messages().find(|m| {
        m.is(radius_code::ACCESS_REQUEST)
            && m.entry.src == FHA_CORE
            && m.entry.dst == AAA
            && m.user_name() == Some(MN_NAI)
            && m.position > reg.request.position
            && m.position < reply.position
    });
    let o = match asked {
        Some(q) => {
            let answer = obs.radius_response_to(&q);
            let mut entries = vec![reg.request.entry, q.entry, reply.entry];
            entries.extend(answer.as_ref().map(|a| a.entry));
            return obs.with_entries(
                Outcome::pass(format!(
                    "Access-Request for {MN_NAI} to the AAAH, answered {}, before the accepting Reply",
                    answer
                        .map(|a| if a.is(radius_code::ACCESS_ACCEPT) { "Access-Accept" } else { "otherwise" })
                        .unwrap_or("not at all")
                )),
                &entries,
            );
        }
        None => Outcome::fail(format!(
            "the FHA accepted {MN_NAI} without an Access-Request to the AAAH between the \
             Request and its Reply"
        )),
    };
    obs.with_entries(o, &[reg.request.entry, reply.entry])
}

/// RFC 5944 §3.8.2.1: "If the Authenticator is invalid, the home agent MUST reject the mobile
/// node's registration"; draft §2: the MN "must be authenticated". The tester's MN-AAA key is
/// wrong; the AAAH's Access-Reject on the core link is the positive control.
#[mip6lab_suite::test_purpose]
pub fn denies_a_wrong_mn_aaa_authenticator() -> TestPurpose {
    tp(
        "TP-DS-FHA-DENY-01",
        "FHA denies an MN whose MN-AAA authenticator the AAAH rejects, and assigns it nothing",
        &["RFC5944-3.8.2.1-FHA-MUST-5", "DSB-2-FHA-MUST-1"],
        "mn",
        &[("MIP6LAB_MN_AAA_KEY", "not-the-key")],
        judge_denies_a_wrong_mn_aaa_authenticator,
    )
    // Denied, the tester exits without `done`.
    .until_event(None)
}

pub fn judge_denies_a_wrong_mn_aaa_authenticator(obs: &Observation) -> Outcome {
    let (reg, reply) = mip6lab_suite::try_step!(answered(obs, MN_NAI));
    let rejected = obs.radius_messages().find(|m| {
        m.is(radius_code::ACCESS_REJECT)
            && m.entry.src == AAA
            && m.position > reg.request.position
            && m.position < reply.position
    });
    let mut entries = vec![reg.request.entry, reply.entry];
    entries.extend(rejected.as_ref().map(|m| m.entry));
    let vouched = obs.radius_messages().any(|m| {
        m.is(radius_code::ACCESS_ACCEPT)
            && m.entry.src == AAA
            && m.position > reg.request.position
            && m.position < reply.position
    });
    let o = if reply.accepted() && vouched && rejected.is_none() {
        // The positive control failed: the AAAH took the stimulus's credentials.
        Outcome::inconclusive(
            "the AAAH accepted the tester's MN-AAA authenticator: the wrong-key stimulus did not              take effect",
        )
    } else if reply.accepted() {
        Outcome::fail(format!(
            "the FHA accepted an MN with a wrong MN-AAA authenticator (THoAv4 {})",
            mip6lab_suite::observe::or_unknown(reply.home_address())
        ))
    } else if rejected.is_none() {
        Outcome::inconclusive(
            "the FHA denied the MN, but no Access-Reject from the AAAH came before: whether it \
             checked the authenticator cannot be seen",
        )
    } else {
        Outcome::pass(format!(
            "the AAAH rejected the MN-AAA authenticator and the FHA denied (code {} {})",
            mip6lab_suite::observe::or_unknown(reply.code()),
            reply.code_name().unwrap_or("")
        ))
    };
    obs.with_entries(o, &entries)
}

/// RFC 3957 §3 / §6.4: a Reply to a Request with the MN-HA Key Generation Nonce Request carries
/// the MN-HA AAA KeyGen Reply "before the MN-HA Authentication extension", and that subsequent
/// MN-HA authentication; RFC 5944 §3.8.2.1: a Reply "MUST contain a valid Mobile-Home
/// Authentication Extension"; RFC 4721 §6: MN-HA, and no MN-AAA, in the response.
#[mip6lab_suite::test_purpose]
pub fn answers_key_generation() -> TestPurpose {
    tp(
        "TP-DS-FHA-KEYGEN-01",
        "Reply to a KeyGen Request: MN-HA KeyGen Reply, then one MN-HA authentication, no MN-AAA",
        &[
            "RFC3957-6.4-FHA-MUST-1",
            "RFC3957-3-FHA-MUST-1",
            "RFC5944-3.8.2.1-FHA-MUST-6",
            "RFC4721-6-FHA-MUST-1",
            "RFC4721-6-FHA-MUST-NOT-1",
        ],
        "mn",
        &[],
        judge_answers_key_generation,
    )
}

pub fn judge_answers_key_generation(obs: &Observation) -> Outcome {
    let (reg, reply) = mip6lab_suite::try_step!(accepted(obs, MN_NAI));
    let entries = [reg.request.entry, reply.entry];
    if !reg.request.has_extension(Ext::MnHaKeyGenRequest) {
        return obs.with_entries(
            Outcome::inconclusive("the tester's Request asked for no MN-HA key generation"),
            &entries,
        );
    }
    let kinds = reply.extension_kinds();
    let mn_ha: Vec<usize> = kinds
        .iter()
        .enumerate()
        .filter(|(_, k)| **k == Ext::MnHaAuth)
        .map(|(i, _)| i)
        .collect();
    let o = match (
        reply.extension_index(Ext::MnHaKeyGenReply),
        mn_ha.as_slice(),
    ) {
        (None, _) => Outcome::fail("the Reply has no MN-HA AAA KeyGen Reply"),
        (_, []) => Outcome::fail("the Reply has no MN-HA authentication extension"),
        (_, [_, _, ..]) => {
            Outcome::fail("the Reply has more than one MN-HA authentication extension")
        }
        (Some(k), [m]) if k > *m => Outcome::fail(
            "the MN-HA AAA KeyGen Reply comes after the MN-HA authentication extension",
        ),
        _ if reply.has_extension(Ext::MnAaaAuth) => {
            Outcome::fail("the Reply carries an MN-AAA authentication extension")
        }
        (Some(_), [_]) => Outcome::pass(format!(
            "KeyGen Reply then MN-HA authentication (SPI {})",
            mip6lab_suite::observe::or_unknown(reply.spi_of(Ext::MnHaAuth))
        )),
    };
    obs.with_entries(o, &entries)
}

/// Draft §4 / §4.1.1: "An IPv4 tunnel is built between mobile node and FHA", and IPv6 packets
/// to the MN "are encapsulated in the IPv4 tunnel": the tester's echo through the tunnel is
/// answered through it, and the HA's BA reaches the MN inside IPv6-in-IPv4 from the FHA.
#[mip6lab_suite::test_purpose]
pub fn tunnels_to_the_mn() -> TestPurpose {
    tp(
        "TP-DS-FHA-TUNNEL-01",
        "FHA answers the MN's tunnelled echo through the tunnel and tunnels the HA's BA to it",
        &["DSB-4-FHA-MUST-2", "DSB-4-FHA-MUST-3"],
        "mn",
        &[],
        judge_tunnels_to_the_mn,
    )
}

pub fn judge_tunnels_to_the_mn(obs: &Observation) -> Outcome {
    let (reg, reply) = mip6lab_suite::try_step!(accepted(obs, MN_NAI));
    let mn = reg.request.entry.src_addr;
    let echo = obs
        .tunnelled_packets(None)
        .into_iter()
        .find(|p| p.via() == Via::IpInIp && p.entry.src_addr == mn && p.icmp_type() == Some(8));
    let Some(echo) = echo else {
        return obs.with_entries(
            Outcome::not_reached(
                "the FHA's accepting Reply",
                "the tester MN sent no echo through the tunnel (see its log)",
            ),
            &[reply.entry],
        );
    };
    let back = obs.tunnelled_packets(Some(FHA)).into_iter().find(|p| {
        p.via() == Via::IpInIp
            && p.entry.dst_addr == mn
            && p.icmp_type() == Some(0)
            && p.position > echo.position
    });
    let Some(back) = back else {
        return obs.with_entries(
            Outcome::fail("the FHA returned no echo reply through the MN–FHA tunnel"),
            &[reply.entry, echo.entry],
        );
    };
    let ba = obs
        .binding_acks_from(FHA)
        .find(|b| b.tunnel().is_some_and(|t| t.via == Via::Ipv6InIpv4) && b.entry.dst_addr == mn);
    let mut entries = vec![reply.entry, echo.entry, back.entry];
    let o = match ba {
        Some(ba) => {
            entries.push(ba.entry);
            Outcome::pass("echo answered through the tunnel; the HA's BA reached the MN in IPv6-in-IPv4")
        }
        None => match obs.binding_updates(None).find(|b| b.tunnel().is_some() && b.entry.src_addr == mn) {
            Some(bu) => {
                entries.push(bu.entry);
                Outcome::fail("the MN's tunnelled BU got no BA back through the MN–FHA tunnel")
            }
            None => Outcome::pass(
                "echo answered through the tunnel (the tester's Mobile IPv6 half did not reach a BU)",
            ),
        },
    };
    obs.with_entries(o, &entries)
}

/// RFC 5944 §3.8.1: "when sending a Registration Reply to a foreign agent, if the home agent
/// shares a Mobility Security Association with the foreign agent, the home agent MUST include a
/// Foreign-Home Authentication Extension" (§3.8.3.3 item (e)); draft §4.1.2 figure 3 step 6.
/// The FHA is configured with the FA-HA SA (PIXIT `MIP6LAB_FA_HA_SA`).
#[mip6lab_suite::test_purpose]
pub fn authenticates_to_the_fa() -> TestPurpose {
    tp(
        "TP-DS-FHA-FA-HA-01",
        "Reply to the FA's relayed Request goes to the FA with one Foreign-Home authentication",
        &[
            "RFC5944-3.8.1-FHA-MUST-4",
            "RFC5944-3.8.3.3-FHA-MUST-3",
            "DSB-4.1.2-FHA-MUST-2",
        ],
        "mn-fa",
        &[],
        judge_authenticates_to_the_fa,
    )
    .pics(&["fha.fa_ha_sa"])
}

pub fn judge_authenticates_to_the_fa(obs: &Observation) -> Outcome {
    let (reg, reply) = mip6lab_suite::try_step!(answered(obs, MN_FA_NAI));
    let Some(relayed) = reg.relayed_request.clone() else {
        return obs.with_entries(
            Outcome::inconclusive("the tester's Request reached the FHA without the FA"),
            &[reg.request.entry, reply.entry],
        );
    };
    let entries = [relayed.entry, reply.entry];
    let fa_ha = reply
        .extension_kinds()
        .iter()
        .filter(|k| **k == Ext::FaHaAuth)
        .count();
    let o = if reply.entry.dst_addr != relayed.entry.src_addr {
        Outcome::fail(format!(
            "the Reply went to {}, not to the FA that relayed the Request ({})",
            reply.entry.dst_addr, relayed.entry.src_addr
        ))
    } else if fa_ha != 1 {
        Outcome::fail(format!(
            "the Reply to the FA has {fa_ha} Foreign-Home authentication extensions, not one"
        ))
    } else {
        Outcome::pass(format!(
            "Reply to the FA with FA-HA authentication (SPI {})",
            mip6lab_suite::observe::or_unknown(reply.spi_of(Ext::FaHaAuth))
        ))
    };
    obs.with_entries(o, &entries)
}

/// RFC 3957 §3: "Any registration reply containing the MN-HA Key Generation Nonce From AAA
/// extension MUST also contain a subsequent Mobile Home Authentication extension, created
/// using the generated MN-HA key". The harness's MN is the verifier: it derives the key from
/// its MN-AAA key and the nonce, checks the authenticator, and only then uses the registration
/// (its echo through the tunnel); a Reply that fails the check it discards, asking again.
#[mip6lab_suite::test_purpose]
pub fn signs_with_the_generated_key() -> TestPurpose {
    tp(
        "TP-DS-FHA-MN-HA-KEY-01",
        "the keyed Reply's MN-HA authenticator verifies at the MN with the key generated from the nonce",
        &["RFC3957-3-FHA-MUST-1", "RFC5944-3.8.2.1-FHA-MUST-6"],
        "mn",
        &[],
        judge_signs_with_the_generated_key,
    )
}

pub fn judge_signs_with_the_generated_key(obs: &Observation) -> Outcome {
    let (reg, reply) = mip6lab_suite::try_step!(accepted(obs, MN_NAI));
    if !reply.has_extension(Ext::MnHaKeyGenReply) {
        return obs.with_entries(
            Outcome::inconclusive(
                "the Reply carries no MN-HA KeyGen Reply: no generated key to check",
            ),
            &[reply.entry],
        );
    }
    let mn = reg.request.entry.src_addr;
    let again = obs
        .registration_requests(None)
        .into_iter()
        .find(|m| m.position > reply.position && m.nai() == Some(MN_NAI));
    let used = obs
        .tunnelled_packets(None)
        .into_iter()
        .find(|p| p.position > reply.position && p.entry.src_addr == mn);
    match (used, again) {
        (Some(u), a) if a.as_ref().is_none_or(|a| u.position < a.position) => obs.with_entries(
            Outcome::pass(
                "the harness's MN verified the Reply and used it (traffic through the tunnel)",
            ),
            &[reply.entry, u.entry],
        ),
        (_, Some(a)) => obs.with_entries(
            Outcome::fail(
                "the harness's MN discarded the Reply (its MN-HA authenticator did not verify \
                 with the generated key) and asked again",
            ),
            &[reply.entry, a.entry],
        ),
        _ => obs.with_entries(
            Outcome::inconclusive("the harness's MN neither used the Reply nor asked again"),
            &[reply.entry],
        ),
    }
}

/// Draft §4.2.1 (subscription in the ASP, figure 5 steps 5-6): the NAS authenticates the MN
/// with the AAAF, which assigns the FHA; "However, the FHA sends the authentication messages
/// to/from AAAH". The harness's NAS asks the AAAF (its `MIP6LAB_RADIUS`).
#[mip6lab_suite::test_purpose]
pub fn asks_the_aaah_in_the_asp_case() -> TestPurpose {
    tp(
        "TP-DS-FHA-ASP-01",
        "ASP case: the FHA checks the MN with the AAAH, not the AAAF the NAS used, and accepts it",
        &[
            "DSB-4.2.1-FHA-MUST-1",
            "DSB-4.2.1-FHA-MUST-2",
            "DSB-4.2.1-FHA-MUST-3",
        ],
        "mn",
        &[],
        judge_asks_the_aaah_in_the_asp_case,
    )
    .peer_env(&[("nas", "MIP6LAB_RADIUS", "[2001:db8:30::19]:1812")])
}

pub fn judge_asks_the_aaah_in_the_asp_case(obs: &Observation) -> Outcome {
    // The positive control: the MN's access went through the AAAF.
    let Some(access) = crate::asp_access(obs) else {
        return crate::not_the_asp_case();
    };
    let o = judge_asks_the_aaah_before_accepting(obs);
    let to_aaaf = obs.radius_messages().find(|m| {
        m.is(radius_code::ACCESS_REQUEST) && m.entry.src == FHA_CORE && m.entry.dst == AAAF
    });
    match to_aaaf {
        Some(q) if o.verdict != mip6lab_suite::Verdict::Pass => obs.with_entries(
            Outcome::fail("the FHA asked the AAAF, not the AAAH (draft §4.2.1)"),
            &[access.entry, q.entry],
        ),
        _ => o,
    }
}
