//! Foreign agent under test (draft-qin-mip6-dsbootstrapping §4.1.2, §4.2.2; RFC 5944 §2.1,
//! §3.7 with RFC 2794, RFC 3024 and the FA-HA authentication): the harness's MN-FA, on the
//! visited link, learns it from its advertisements and registers through it with its care-of
//! address and a reverse tunnel in the Encapsulating Delivery Style; MN-R, co-located, because
//! of its R bit (topology `dualstack-fa-iut`). It relays to the harness's FHA. Verdicts are read
//! from the visited and access links' captures.

use crate::{registration_for, MN_FA_NAI, MN_R_NAI};
use mip6lab_suite::observe::{AdvFlags, Mip4ExtensionKind as Ext, Mip4Message, Mip4Registration};
use mip6lab_suite::{IutRole, Observation, Outcome, Stimulus, TestPurpose};
use std::time::Duration;

const TOPOLOGY: &str = "dualstack-fa-iut";
/// The FA's role on the visited link (its advertisements, the MNs' side); on the access link
/// it is `FA`, its care-of address.
const FA_VISITED: &str = "FA-visited";
const FHA: &str = "FHA";

/// A test purpose with the FA under test, driven by the harness's MN `node`.
const fn tp(
    id: &'static str,
    title: &'static str,
    requirements: &'static [&'static str],
    node: &'static str,
    judge: fn(&Observation) -> Outcome,
) -> TestPurpose {
    crate::test_purpose(IutRole::Fa, TOPOLOGY, id, title, requirements, judge)
        .stimulus(Stimulus { node, env: &[] })
}

/// MN-FA's registration with the FA's relayed copy, or why there is none: never sent
/// (INCONCLUSIVE), or not relayed (FAIL: RFC 5944 §3.7.2 "MUST relay the Request to the
/// indicated home agent" unless it denies, which must be answered).
fn relayed<'a>(
    obs: &'a Observation,
    nai: &str,
) -> Result<(Mip4Registration<'a>, Mip4Message<'a>), Outcome> {
    let reg = registration_for(obs, nai, "the FA's advertisements")?;
    if reg.request.entry.dst != FA_VISITED {
        return Err(obs.with_entries(
            Outcome::inconclusive(format!(
                "the tester's Request went to {}, not to the FA",
                reg.request.entry.dst
            )),
            &[reg.request.entry],
        ));
    }
    match reg.relayed_request.clone() {
        Some(r) => Ok((reg, r)),
        None => {
            let o = match &reg.reply {
                Some(denial) if !denial.accepted() => Outcome::fail(format!(
                    "the FA denied the Request itself (code {} {}) instead of relaying it",
                    mip6lab_suite::observe::or_unknown(denial.code()),
                    denial.code_name().unwrap_or("")
                )),
                _ => Outcome::fail("the FA did not relay the Request to the FHA"),
            };
            Err(obs.with_entries(o, &[reg.request.entry]))
        }
    }
}

/// RFC 5944 §2.1.1: "An Agent Advertisement MUST include at least one care-of address if the
/// 'F' bit is set", R only with F; draft §4 2-b: an FA that requires registration sets R
/// (PIXIT `MIP6LAB_FA_REGISTRATION_REQUIRED=yes`).
#[mip6lab_suite::test_purpose]
pub fn advertises_its_service() -> TestPurpose {
    tp(
        "TP-DS-FA-ADV-01",
        "Agent Advertisements: F with a care-of address, R (registration required)",
        &[
            "RFC5944-2.1.1-FA-MUST-1",
            "RFC5944-2.1.1-FA-MUST-NOT-2",
            "RFC5944-2.1.1-FA-MUST-2",
            "RFC5944-2.1.1-FA-MUST-3",
            "DSB-4-FA-MUST-2",
            "RFC5944-2.3-FA-MUST-1",
        ],
        "mn-fa",
        judge_advertises_its_service,
    )
    .pics(&["fa.registration_required"])
}

pub fn judge_advertises_its_service(obs: &Observation) -> Outcome {
    let ads = obs.agent_advertisements(Some(FA_VISITED));
    let Some(first) = ads.first() else {
        return Outcome::fail("the FA sent no Agent Advertisement on the visited link");
    };
    let entries: Vec<_> = ads.iter().map(|a| a.entry).collect();
    for a in &ads {
        let (Some(f), Some(r), Some(h)) = (
            a.has_agent_flag(AdvFlags::F),
            a.has_agent_flag(AdvFlags::R),
            a.has_agent_flag(AdvFlags::H),
        ) else {
            return obs.with_entries(
                Outcome::inconclusive("an advertisement's flags could not be read"),
                &[a.entry],
            );
        };
        let coas = a.care_of_addresses().unwrap_or_default();
        let fault = if f && coas.is_empty() {
            Some("F set without a care-of address")
        } else if r && !f {
            Some("R set without F")
        } else if !f && !h {
            Some("neither F nor H set")
        } else if !r {
            Some("R clear although registration is required (PIXIT)")
        } else if !f {
            Some("F clear: no foreign agent service offered")
        } else {
            None
        };
        if let Some(fault) = fault {
            return obs.with_entries(
                Outcome::fail(format!("an Agent Advertisement has {fault}")),
                &[a.entry],
            );
        }
    }
    let o = Outcome::pass(format!(
        "{} advertisement(s), F and R set, care-of address(es) {:?}",
        ads.len(),
        first.care_of_addresses().unwrap_or_default()
    ));
    obs.with_entries(o, &entries)
}

/// Draft §4.1.2 figure 3 "Relay"; RFC 5944 §3.7.2.2: the FA relays the accepted Request to the
/// home agent and "MUST NOT modify any of the fields beginning with the fixed portion of the
/// Registration Request up through and including the Mobile-Home Authentication Extension or
/// other authentication extension supplied by the mobile node"; the relayed copy's IP source is
/// the care-of address.
#[mip6lab_suite::test_purpose]
pub fn relays_the_request_unchanged() -> TestPurpose {
    tp(
        "TP-DS-FA-RELAY-01",
        "FA relays MN-FA's Request to the FHA from its care-of address, fixed part and MN extensions unchanged",
        &[
            "DSB-4.1.2-FA-MUST-1",
            "DSB-4-FA-MUST-1",
            "RFC5944-3.7.2-FA-MUST-1",
            "RFC5944-3.7.2.2-FA-MUST-1",
            "RFC5944-3.7.2.2-FA-MUST-NOT-1",
            "RFC5944-3.7.2.2-FA-MUST-4",
            "RFC4721-3.2-FA-MUST-NOT-1",
        ],
        "mn-fa",
        judge_relays_the_request_unchanged,
    )
}

pub fn judge_relays_the_request_unchanged(obs: &Observation) -> Outcome {
    let (reg, copy) = mip6lab_suite::try_step!(relayed(obs, MN_FA_NAI));
    let rrq = &reg.request;
    let entries = [rrq.entry, copy.entry];
    let fixed = |m: &Mip4Message| {
        (
            m.flags().map(|f| f.0),
            m.lifetime(),
            m.home_address(),
            m.home_agent(),
            m.care_of_address(),
            m.identification(),
        )
    };
    // The MN's extensions up to its authentication, in order, must survive the relay.
    let mn_part: Vec<Ext> = rrq
        .extension_kinds()
        .into_iter()
        .filter(|k| !matches!(k, Ext::EncapsulatingDelivery | Ext::MnFaAuth | Ext::Padding))
        .collect();
    let copy_part: Vec<Ext> = copy
        .extension_kinds()
        .into_iter()
        .filter(|k| !matches!(k, Ext::FaHaAuth | Ext::Padding))
        .take(mn_part.len())
        .collect();
    let o = if copy.entry.dst != FHA {
        Outcome::fail(format!(
            "the FA relayed the Request to {}, not the FHA",
            copy.entry.dst
        ))
    } else if Some(copy.entry.src_addr) != rrq.care_of_address().map(std::net::IpAddr::V4) {
        Outcome::fail(format!(
            "the relayed Request comes from {}, not the care-of address {}",
            copy.entry.src_addr,
            mip6lab_suite::observe::or_unknown(rrq.care_of_address())
        ))
    } else if fixed(&copy) != fixed(rrq) {
        Outcome::fail(format!(
            "the relayed Request's fixed portion differs: {:?} relayed for {:?}",
            fixed(&copy),
            fixed(rrq)
        ))
    } else if copy_part != mn_part {
        Outcome::fail(format!(
            "the MN's extensions were not relayed as they were: {copy_part:?} for {mn_part:?}"
        ))
    } else {
        Outcome::pass(format!(
            "relayed to the FHA from {} with the fixed portion and {:?} unchanged",
            copy.entry.src_addr, mn_part
        ))
    };
    obs.with_entries(o, &entries)
}

/// RFC 5944 §3.7.1: "When relaying a Registration Request from a mobile node to its home agent,
/// if the foreign agent shares a Mobility Security Association with the home agent, it MUST
/// add a Foreign-Home Authentication Extension" (PIXIT `MIP6LAB_FA_HA_SA`).
#[mip6lab_suite::test_purpose]
pub fn authenticates_to_the_fha() -> TestPurpose {
    tp(
        "TP-DS-FA-FA-HA-01",
        "the relayed Request carries one Foreign-Home authentication extension, last",
        &["RFC5944-3.7.1-FA-MUST-3"],
        "mn-fa",
        judge_authenticates_to_the_fha,
    )
    .pics(&["fa.fa_ha_sa"])
}

pub fn judge_authenticates_to_the_fha(obs: &Observation) -> Outcome {
    let (reg, copy) = mip6lab_suite::try_step!(relayed(obs, MN_FA_NAI));
    let kinds = copy.extension_kinds();
    let fa_ha: Vec<usize> = kinds
        .iter()
        .enumerate()
        .filter(|(_, k)| **k == Ext::FaHaAuth)
        .map(|(i, _)| i)
        .collect();
    let o = match fa_ha.as_slice() {
        [] => Outcome::fail("the relayed Request has no Foreign-Home authentication extension"),
        [i] if *i + 1 != kinds.len() => {
            Outcome::fail("the Foreign-Home authentication extension is not the last extension")
        }
        [_] => Outcome::pass(format!(
            "FA-HA authentication (SPI {}) appended",
            mip6lab_suite::observe::or_unknown(copy.spi_of(Ext::FaHaAuth))
        )),
        _ => Outcome::fail("the relayed Request has more than one Foreign-Home authentication"),
    };
    obs.with_entries(o, &[reg.request.entry, copy.entry])
}

/// RFC 3024 §3.3: the foreign agent "MUST consume this extension (that is, it must not relay it
/// to the home agent or include it in replies to the mobile node)"; §3.1: an FA setting T
/// supports reverse tunnelling (its advertisement).
#[mip6lab_suite::test_purpose]
pub fn consumes_the_encapsulating_delivery_style() -> TestPurpose {
    tp(
        "TP-DS-FA-EDS-01",
        "FA consumes the Encapsulating Delivery Style extension: not relayed, not in the Reply",
        &["RFC3024-3.3-FA-MUST-1"],
        "mn-fa",
        judge_consumes_the_encapsulating_delivery_style,
    )
    .pics(&["fa.reverse_tunnel"])
}

pub fn judge_consumes_the_encapsulating_delivery_style(obs: &Observation) -> Outcome {
    let (reg, copy) = mip6lab_suite::try_step!(relayed(obs, MN_FA_NAI));
    let mut entries = vec![reg.request.entry, copy.entry];
    if !reg.request.has_extension(Ext::EncapsulatingDelivery) {
        return obs.with_entries(
            Outcome::inconclusive("the tester's Request carried no Encapsulating Delivery Style"),
            &entries,
        );
    }
    entries.extend(reg.reply.as_ref().map(|r| r.entry));
    let o = if copy.has_extension(Ext::EncapsulatingDelivery) {
        Outcome::fail("the FA relayed the Encapsulating Delivery Style extension to the FHA")
    } else if reg
        .reply
        .as_ref()
        .is_some_and(|r| r.has_extension(Ext::EncapsulatingDelivery))
    {
        Outcome::fail("the Reply to the MN carries the Encapsulating Delivery Style extension")
    } else {
        Outcome::pass("the extension went neither to the FHA nor back to the MN")
    };
    obs.with_entries(o, &entries)
}

/// Draft §4.1.2 figure 3 step 6 (the FA relays the Reply); RFC 5944 §3.7.3.2: the FA "MUST NOT
/// modify any of the fields beginning with the fixed portion of the Registration Reply up
/// through and including the Mobile-Home Authentication Extension" and "MUST process and
/// remove any Extensions that are not covered by any authorization-enabling extension" (the
/// FA-HA authentication after MN-HA).
#[mip6lab_suite::test_purpose]
pub fn relays_the_reply() -> TestPurpose {
    tp(
        "TP-DS-FA-REPLY-01",
        "FA relays the FHA's Reply to the MN, up to MN-HA unchanged, without what follows MN-HA",
        &[
            "DSB-4.1.2-FA-MUST-2",
            "DSB-4-FA-MUST-3",
            "RFC5944-3.7.3.2-FA-MUST-3",
            "RFC5944-3.7.3.2-FA-MUST-NOT-1",
            "RFC5944-3.7.3.2-FA-MUST-2",
        ],
        "mn-fa",
        judge_relays_the_reply,
    )
}

pub fn judge_relays_the_reply(obs: &Observation) -> Outcome {
    let (reg, copy) = mip6lab_suite::try_step!(relayed(obs, MN_FA_NAI));
    let home = mip6lab_suite::try_step!(home_reply(obs, &reg));
    let Some(to_mn) = reg.reply.clone().filter(|r| r.entry.src == FA_VISITED) else {
        return obs.with_entries(
            Outcome::fail("the FA did not relay the FHA's Reply to the MN"),
            &[copy.entry, home.entry],
        );
    };
    let entries = [home.entry, to_mn.entry];
    let fixed = |m: &Mip4Message| {
        (
            m.code(),
            m.lifetime(),
            m.home_address(),
            m.home_agent(),
            m.identification(),
        )
    };
    let covered = |m: &Mip4Message| -> Vec<Ext> {
        let kinds = m.extension_kinds();
        let end = kinds
            .iter()
            .position(|k| *k == Ext::MnHaAuth)
            .map_or(kinds.len(), |i| i + 1);
        kinds[..end]
            .iter()
            .copied()
            .filter(|k| *k != Ext::Padding)
            .collect()
    };
    let o = if fixed(&to_mn) != fixed(&home) {
        Outcome::fail(format!(
            "the relayed Reply's fixed portion differs: {:?} for {:?}",
            fixed(&to_mn),
            fixed(&home)
        ))
    } else if covered(&to_mn) != covered(&home) {
        Outcome::fail(format!(
            "the extensions up to MN-HA changed: {:?} for {:?}",
            covered(&to_mn),
            covered(&home)
        ))
    } else if after_mn_ha(&to_mn).contains(&Ext::FaHaAuth) {
        Outcome::fail("the relayed Reply still carries the FHA's Foreign-Home authentication")
    } else if !after_mn_ha(&home).contains(&Ext::FaHaAuth) {
        Outcome::inconclusive("the FHA's Reply had nothing after MN-HA for the FA to remove")
    } else {
        Outcome::pass("Reply relayed up to MN-HA unchanged, the FA-HA authentication removed")
    };
    obs.with_entries(o, &entries)
}

/// Draft §4 2-b and §4.1.2: with its R bit set, the FA takes a co-located MN's Request (D set)
/// and "forwards the registration messages to/from the FHA"; RFC 2794 §3: with Home Address
/// 0.0.0.0 the FA keys its pending Request by the NAI (not denied with 96).
#[mip6lab_suite::test_purpose]
pub fn relays_a_co_located_request() -> TestPurpose {
    tp(
        "TP-DS-FA-R-BIT-01",
        "FA requiring registration relays a co-located MN's Request (D set, Home Address 0.0.0.0) and its Reply",
        &["DSB-4-FA-MUST-3", "RFC2794-3-FA-MUST-1", "RFC5944-3.7.2-FA-MUST-1"],
        "mn-r",
        judge_relays_a_co_located_request,
    )
    // MN-R registers only, and exits.
    .until_event(None)
    .pics(&["fa.registration_required"])
}

pub fn judge_relays_a_co_located_request(obs: &Observation) -> Outcome {
    let (reg, copy) = mip6lab_suite::try_step!(relayed(obs, MN_R_NAI));
    let mut entries = vec![reg.request.entry, copy.entry];
    let d_kept = copy.has_flag(mip6lab_suite::observe::RrqFlags::D) == Some(true);
    let o = match &reg.reply {
        Some(r) if r.entry.src == FA_VISITED && r.accepted() && d_kept => {
            entries.push(r.entry);
            Outcome::pass(
                "the co-located Request (D set) went through the FA and the Reply came back",
            )
        }
        Some(r) if r.entry.src == FA_VISITED && !r.accepted() && reg.home_reply.is_none() => {
            entries.push(r.entry);
            Outcome::fail(format!(
                "the FA denied the co-located Request itself (code {})",
                mip6lab_suite::observe::or_unknown(r.code())
            ))
        }
        _ if !d_kept => Outcome::fail("the relayed Request lost the D bit"),
        _ => Outcome::fail("the FA did not relay the FHA's Reply to the co-located MN"),
    };
    obs.with_entries(o, &entries)
}

/// RFC 5944 §2.3.2: "After booting, an agent MUST use the number 0 for its first
/// advertisement. Each subsequent advertisement MUST use the sequence number one greater, with
/// the exception that the sequence number 0xffff MUST be followed by sequence number 256."
/// The FA starts with the test: its first advertisement is on the capture.
#[mip6lab_suite::test_purpose]
pub fn numbers_its_advertisements() -> TestPurpose {
    tp(
        "TP-DS-FA-SEQUENCE-01",
        "Agent Advertisements numbered from 0 after booting, each one more (0xffff then 256)",
        &["RFC5944-2.3.2-FA-MUST-1", "RFC5944-2.3.2-FA-MUST-2"],
        "mn-fa",
        judge_numbers_its_advertisements,
    )
    // Held 6 s after its binding, the tester keeps the capture running over two more of the
    // FA's 3-s advertisements.
    .stimulus(Stimulus {
        node: "mn-fa",
        env: &[("MIP6LAB_HOLD_SECS", "6")],
    })
}

pub fn judge_numbers_its_advertisements(obs: &Observation) -> Outcome {
    let ads = obs.agent_advertisements(Some(FA_VISITED));
    let seqs: Vec<Option<u16>> = ads.iter().map(|a| a.advertisement_sequence()).collect();
    let entries: Vec<_> = ads.iter().map(|a| a.entry).collect();
    let Some(first) = seqs.first() else {
        return Outcome::fail("the FA sent no Agent Advertisement on the visited link");
    };
    if seqs.len() < 2 {
        return obs.with_entries(
            Outcome::inconclusive("one advertisement seen: no successor to check its number"),
            &entries,
        );
    }
    let o = match first {
        None => Outcome::inconclusive("an advertisement's sequence number could not be read"),
        Some(n) if *n != 0 => Outcome::fail(format!(
            "the FA's first advertisement after it started has sequence number {n}, not 0"
        )),
        Some(_) => {
            let bad = seqs.windows(2).find_map(|w| match (w[0], w[1]) {
                (Some(a), Some(b)) => {
                    let want = if a == 0xffff { 256 } else { a.wrapping_add(1) };
                    (b != want).then(|| format!("{a} was followed by {b}, not {want}"))
                }
                _ => Some("a sequence number could not be read".to_string()),
            });
            match bad {
                Some(why) => Outcome::fail(format!("advertisement sequence: {why}")),
                None => Outcome::pass(format!(
                    "{} advertisements numbered 0, 1, … in order",
                    seqs.len()
                )),
            }
        }
    };
    obs.with_entries(o, &entries)
}

/// RFC 5944 §3.7.2.3 (via §3.7.2.1 item 3): a Request whose Lifetime exceeds the FA's maximum
/// is denied with Code 69 ("requested Lifetime too long"), not relayed and not changed
/// (§3.7.2.2 "MUST NOT modify"). The harness's MN-FA asks for 3600 s against the FA's 1800 s
/// (its stimuli `mn.mip4_exceed_advertised_lifetime`, `mn.mip4_lifetime_s`).
#[mip6lab_suite::test_purpose]
pub fn denies_a_too_long_lifetime() -> TestPurpose {
    crate::test_purpose(
        IutRole::Fa,
        TOPOLOGY,
        "TP-DS-FA-LIFETIME-01",
        "FA denies a Request whose Lifetime exceeds its maximum with Code 69, relaying nothing",
        &[
            "RFC5944-3.7.2.3-FA-MUST-3",
            "RFC5944-3.7.2.2-FA-MUST-NOT-1",
            "RFC5944-2.1.1-FA-MUST-4",
        ],
        judge_denies_a_too_long_lifetime,
    )
    .stimulus(Stimulus {
        node: "mn-fa",
        env: &[(
            "MIP6LAB_KNOBS",
            "mn.mip4_exceed_advertised_lifetime=true,mn.mip4_lifetime_s=3600",
        )],
    })
    // Denied, the tester gives up and exits.
    .until_event(None)
    .observe_for(Duration::from_secs(60))
}

pub fn judge_denies_a_too_long_lifetime(obs: &Observation) -> Outcome {
    let reg = mip6lab_suite::try_step!(registration_for(obs, MN_FA_NAI, "the FA's advertisements"));
    let rrq = &reg.request;
    let max = obs
        .agent_advertisements(Some(FA_VISITED))
        .into_iter()
        .find_map(|a| a.registration_lifetime());
    let (Some(asked), Some(max)) = (rrq.lifetime(), max) else {
        return obs.with_entries(
            Outcome::inconclusive(
                "the Request's or the advertisement's lifetime could not be read",
            ),
            &[rrq.entry],
        );
    };
    if asked <= max {
        return obs.with_entries(
            Outcome::inconclusive(format!(
                "the tester asked for {asked} s, within the FA's {max} s: nothing to deny"
            )),
            &[rrq.entry],
        );
    }
    let mut entries = vec![rrq.entry];
    entries.extend(reg.relayed_request.as_ref().map(|r| r.entry));
    entries.extend(reg.reply.as_ref().map(|r| r.entry));
    let o = match (&reg.relayed_request, &reg.reply) {
        (Some(copy), _) => Outcome::fail(format!(
            "the FA relayed a Request for {asked} s (its maximum {max} s) as {} s",
            mip6lab_suite::observe::or_unknown(copy.lifetime())
        )),
        (None, Some(r)) if r.entry.src == FA_VISITED && r.code() == Some(69) => Outcome::pass(
            format!("{asked} s against {max} s: denied with Code 69, nothing relayed"),
        ),
        (None, Some(r)) => Outcome::fail(format!(
            "the FA answered {asked} s against {max} s with Code {}, not 69",
            mip6lab_suite::observe::or_unknown(r.code())
        )),
        (None, None) => Outcome::fail(format!(
            "the FA neither relayed nor denied the Request for {asked} s"
        )),
    };
    obs.with_entries(o, &entries)
}

/// RFC 2794 §3: a Reply to a Request with Home Address 0.0.0.0 and the NAI must carry the NAI,
/// the Home Agent and the Home Address; "If not, the foreign agent SHOULD send the Registration
/// Reply to the mobile node, changing the Code to" 97, 98 or 99. The harness's FHA leaves the NAI
/// out (`fha.no_nai_echo`).
#[mip6lab_suite::test_purpose]
pub fn flags_a_reply_without_the_nai() -> TestPurpose {
    tp(
        "TP-DS-FA-NAI-REPLY-01",
        "FA relays an accepting Reply without the NAI with its Code changed to 97",
        &["RFC2794-3-FA-SHOULD-1"],
        "mn-fa",
        judge_flags_a_reply_without_the_nai,
    )
    .peer_env(&[("fha", "MIP6LAB_KNOBS", "fha.no_nai_echo=true")])
    .until_event(None)
    .observe_for(Duration::from_secs(60))
}

pub fn judge_flags_a_reply_without_the_nai(obs: &Observation) -> Outcome {
    let (reg, _) = mip6lab_suite::try_step!(relayed(obs, MN_FA_NAI));
    let home = mip6lab_suite::try_step!(home_reply(obs, &reg));
    if home.nai().is_some() || !home.accepted() {
        return obs.with_entries(
            Outcome::inconclusive("the harness's Reply was not an accepting one without the NAI"),
            &[home.entry],
        );
    }
    let o = match reg.reply.as_ref().filter(|r| r.entry.src == FA_VISITED) {
        None => Outcome::fail("the FA relayed nothing to the MN"),
        Some(r) if matches!(r.code(), Some(97..=99)) => Outcome::pass(format!(
            "relayed with Code {} (the Reply lacked the NAI)",
            mip6lab_suite::observe::or_unknown(r.code())
        )),
        Some(r) => Outcome::fail(format!(
            "the FA relayed a Reply without the NAI with Code {}, not 97-99",
            mip6lab_suite::observe::or_unknown(r.code())
        )),
    };
    let mut entries = vec![home.entry];
    entries.extend(reg.reply.as_ref().map(|r| r.entry));
    obs.with_entries(o, &entries)
}

/// RFC 5944 §3.7.3.2: the FA "MUST process and remove any Extensions that are not covered by
/// any authorization-enabling extension". The harness's FHA puts its MN-HA KeyGen Reply after
/// the MN-HA authentication (`fha.keygen_after_mn_ha`): uncovered, it must not reach the MN.
#[mip6lab_suite::test_purpose]
pub fn removes_uncovered_extensions() -> TestPurpose {
    tp(
        "TP-DS-FA-UNCOVERED-01",
        "FA removes every extension after MN-HA from the Reply it relays (a KeyGen Reply there)",
        &["RFC5944-3.7.3.2-FA-MUST-2"],
        "mn-fa",
        judge_removes_uncovered_extensions,
    )
    .peer_env(&[("fha", "MIP6LAB_KNOBS", "fha.keygen_after_mn_ha=true")])
    .until_event(None)
    .observe_for(Duration::from_secs(60))
}

pub fn judge_removes_uncovered_extensions(obs: &Observation) -> Outcome {
    let (reg, _) = mip6lab_suite::try_step!(relayed(obs, MN_FA_NAI));
    let home = mip6lab_suite::try_step!(home_reply(obs, &reg));
    let uncovered: Vec<Ext> = after_mn_ha(&home)
        .into_iter()
        .filter(|k| *k != Ext::FaHaAuth)
        .collect();
    if uncovered.is_empty() {
        return obs.with_entries(
            Outcome::inconclusive("the harness's Reply had no extension after MN-HA but FA-HA"),
            &[home.entry],
        );
    }
    let o = match reg.reply.as_ref().filter(|r| r.entry.src == FA_VISITED) {
        None => Outcome::fail("the FA relayed nothing to the MN"),
        Some(r) if after_mn_ha(r).is_empty() => Outcome::pass(format!(
            "{uncovered:?} after MN-HA removed from the relayed Reply"
        )),
        Some(r) => Outcome::fail(format!(
            "the relayed Reply still carries {:?} after MN-HA",
            after_mn_ha(r)
        )),
    };
    let mut entries = vec![home.entry];
    entries.extend(reg.reply.as_ref().map(|r| r.entry));
    obs.with_entries(o, &entries)
}

/// The extensions after the MN-HA authentication, in order (none without one): what no
/// authorization-enabling extension covers (RFC 5944 §3.7.3.2).
fn after_mn_ha(m: &Mip4Message) -> Vec<Ext> {
    let kinds = m.extension_kinds();
    match kinds.iter().position(|k| *k == Ext::MnHaAuth) {
        Some(i) => kinds[i + 1..]
            .iter()
            .copied()
            .filter(|k| *k != Ext::Padding)
            .collect(),
        None => Vec::new(),
    }
}

/// RFC 5944 §3.7.1 / §3.7.3.1: with an FA-HA SA, the FA "MUST check the required
/// Foreign-Home Authentication Extension in the Registration Reply" and, when it fails, "MUST
/// also reject the mobile node's registration and SHOULD send a Registration Reply to the
/// mobile node with Code 68". The harness's FHA signs its Replies to the FA with another key
/// (`fha.fa_ha_auth_wrong_key`).
#[mip6lab_suite::test_purpose]
pub fn checks_the_fhas_authentication() -> TestPurpose {
    tp(
        "TP-DS-FA-FA-HA-CHECK-01",
        "FA rejects a Reply whose Foreign-Home authenticator does not verify (no acceptance relayed)",
        &[
            "RFC5944-3.7.1-FA-MUST-4",
            "RFC5944-3.7.3.1-FA-MUST-5",
            "RFC5944-3.7.3.1-FA-MUST-6",
        ],
        "mn-fa",
        judge_checks_the_fhas_authentication,
    )
    .peer_env(&[("fha", "MIP6LAB_KNOBS", "fha.fa_ha_auth_wrong_key=true")])
    .until_event(None)
    .observe_for(Duration::from_secs(60))
    .pics(&["fa.fa_ha_sa"])
}

pub fn judge_checks_the_fhas_authentication(obs: &Observation) -> Outcome {
    let (reg, _) = mip6lab_suite::try_step!(relayed(obs, MN_FA_NAI));
    let home = mip6lab_suite::try_step!(home_reply(obs, &reg));
    if !home.accepted() || !home.has_extension(Ext::FaHaAuth) {
        return obs.with_entries(
            Outcome::inconclusive("the harness's Reply was not an accepting one with FA-HA"),
            &[home.entry],
        );
    }
    let to_mn = reg.reply.clone().filter(|r| r.entry.src == FA_VISITED);
    let mut entries = vec![home.entry];
    entries.extend(to_mn.as_ref().map(|r| r.entry));
    let o = match to_mn {
        Some(r) if r.accepted() => Outcome::fail(
            "the FA relayed the acceptance of a Reply whose FA-HA authenticator is wrong",
        ),
        Some(r) if r.code() == Some(68) => {
            Outcome::pass("the FA rejected the Reply and told the MN with Code 68")
        }
        Some(r) => Outcome::pass(format!(
            "the FA rejected the Reply (Code {} to the MN; 68 is the SHOULD)",
            mip6lab_suite::observe::or_unknown(r.code())
        )),
        None => Outcome::pass("the FA relayed nothing of the Reply to the MN"),
    };
    obs.with_entries(o, &entries)
}

/// The harness's FHA's Reply to the relayed Request, or INCONCLUSIVE: the stimulus of the
/// FA's Reply handling never came.
fn home_reply<'a>(
    obs: &Observation,
    reg: &Mip4Registration<'a>,
) -> Result<Mip4Message<'a>, Outcome> {
    reg.home_reply.clone().ok_or_else(|| {
        obs.with_entries(
            Outcome::inconclusive("the harness's FHA did not answer"),
            &[reg.request.entry],
        )
    })
}
