//! Dual-stack MN under test, its Mobile IPv4 half (draft-qin-mip6-dsbootstrapping §4.1; RFC
//! 5944 §3.6 with the profile's extensions: RFC 2794 NAI, RFC 4721 MN-AAA, RFC 3957 key
//! generation): how it registers with the harness's FHA — directly from its co-located CoA
//! (topology `dualstack-mn-iut`: 802.1X at the harness's NAS, the CoA and the FHA by DHCPv4
//! from Kea through the NAS's relay), through the harness's FA with the FA's CoA, or through it
//! because of the R bit (topology `dualstack-mn-fa-iut`, the MN on the visited link) — and how
//! it uses the Reply: IKEv2 with the Reply's IPv6 HA from the Reply's IPv6 CoA, through the
//! MN–FHA tunnel. Verdicts are read from the captures of the links.

use crate::malformed_note;
use mip6lab_suite::observe::{
    AdvFlags, Exchange, Mip4ExtensionKind as Ext, Mip4Message, Mip4Registration, RrqFlags,
    TunnelledPacket, Via,
};
use mip6lab_suite::{IutRole, Observation, Outcome, TestPurpose};
use std::net::IpAddr;
use std::time::Duration;

const CO_LOCATED: &str = "dualstack-mn-iut";
const VISITED: &str = "dualstack-mn-fa-iut";
/// The harness's FHA (its access-link role) and FA (its visited-link role).
const FHA: &str = "FHA";
const FA_VISITED: &str = "FA-visited";
/// The FA's care-of address, as its advertisements carry it.
const FA_COA: &str = "198.18.2.4";
/// The relays of the harness, whose copies of a Request are not the MN's.
const RELAYS: [&str; 2] = ["FA", FA_VISITED];

/// A test purpose with the MN under test in `topology`, observed until it reports `done`, at
/// most 120 s (802.1X, DHCPv4 with its initial wait, the registration, IKEv2, BU/BA).
const fn tp(
    topology: &'static str,
    id: &'static str,
    title: &'static str,
    requirements: &'static [&'static str],
    judge: fn(&Observation) -> Outcome,
) -> TestPurpose {
    crate::test_purpose(IutRole::Mn, topology, id, title, requirements, judge)
        .observe_for(Duration::from_secs(120))
}

/// The MN's first Registration Request (not a relay's copy), hop by hop.
fn first_registration(obs: &Observation) -> Result<Mip4Registration<'_>, Outcome> {
    match obs
        .registration_requests(None)
        .into_iter()
        .find(|m| !RELAYS.contains(&m.entry.src.as_str()))
    {
        Some(r) => Ok(obs.registration_of(&r)),
        None => Err(Outcome::not_reached(
            "network access and DHCPv4",
            format!(
                "the MN sent no Mobile IPv4 Registration Request{}",
                malformed_note(obs)
            ),
        )),
    }
}

/// Draft §4 item 1: "When the MN acquires a co-located CoA (CCoA), it registers directly with
/// the FHA without the interaction of a Mobile IP foreign agent" (figure 2 step 4); RFC 5944
/// §3.1 (MUST register directly), §3.6.1.1 (IP source = the care-of address), §3.6.1.2 (SHOULD
/// set D; the Care-of Address field).
#[mip6lab_suite::test_purpose]
pub fn registers_directly_with_a_co_located_coa() -> TestPurpose {
    tp(
        CO_LOCATED,
        "TP-DS-MN-DIRECT-01",
        "MN with a co-located CoA registers directly with the FHA: D set, from the CoA it names",
        &[
            "DSB-4-MN-MUST-2",
            "DSB-4.1.1-MN-MUST-1",
            "DSB-4.1.1-MN-MUST-5",
            "RFC5944-3.1-MN-MUST-2",
            "RFC5944-3.6.1.1-MN-MUST-1",
            "RFC5944-3.6.1.2-MN-SHOULD-1",
            "RFC5944-3.6.1.2-MN-MUST-4",
        ],
        judge_registers_directly_with_a_co_located_coa,
    )
    .pics(&["mn.dualstack.co_located"])
}

pub fn judge_registers_directly_with_a_co_located_coa(obs: &Observation) -> Outcome {
    let reg = mip6lab_suite::try_step!(first_registration(obs));
    let rrq = &reg.request;
    let coa = rrq.care_of_address();
    let o = if rrq.entry.dst != FHA {
        Outcome::fail(format!(
            "the Request went to {}, not straight to the FHA",
            rrq.entry.dst
        ))
    } else if coa.map(IpAddr::V4) != Some(rrq.entry.src_addr) {
        Outcome::fail(format!(
            "the Request came from {} but names care-of address {}",
            rrq.entry.src_addr,
            mip6lab_suite::observe::or_unknown(coa)
        ))
    } else {
        match rrq.has_flag(RrqFlags::D) {
            Some(true) => Outcome::pass(format!(
                "Request straight to the FHA from its co-located CoA {}, D set",
                rrq.entry.src_addr
            )),
            Some(false) => Outcome::fail("the Request from a co-located CoA has D clear"),
            None => Outcome::inconclusive("the Request's flags could not be read"),
        }
    };
    obs.with_entries(o, &[rrq.entry])
}

/// RFC 5944 §3.6.1.2 ("Otherwise, the Home Address field MUST be set to zeroes") and RFC 2794 §2
/// (the NAI "MUST appear in the Registration Request before both the Mobile-Home
/// Authentication extension and Mobile-Foreign Authentication extension"); draft §4.1.1 "The
/// temporary IPv4 home address packed in RRQ is not available, the procedure of getting the
/// temporary IPv4 home address is depicted in [RFC2794]".
#[mip6lab_suite::test_purpose]
pub fn asks_for_a_home_address_by_nai() -> TestPurpose {
    tp(
        CO_LOCATED,
        "TP-DS-MN-NAI-01",
        "Request with Home Address 0.0.0.0 carries the NAI before every authentication extension",
        &[
            "RFC5944-3.6.1.2-MN-MUST-2",
            "RFC2794-2-MN-MUST-1",
            "DSB-4.1.1-MN-MUST-2",
        ],
        judge_asks_for_a_home_address_by_nai,
    )
}

pub fn judge_asks_for_a_home_address_by_nai(obs: &Observation) -> Outcome {
    let reg = mip6lab_suite::try_step!(first_registration(obs));
    let rrq = &reg.request;
    let auth = [
        Ext::MnHaAuth,
        Ext::MnFaAuth,
        Ext::MnAaaAuth,
        Ext::GeneralizedAuth,
    ];
    let first_auth = auth.iter().filter_map(|k| rrq.extension_index(*k)).min();
    let o = match (
        rrq.home_address(),
        rrq.extension_index(Ext::Nai),
        first_auth,
    ) {
        (Some(h), _, _) if !h.is_unspecified() => Outcome::inconclusive(format!(
            "the MN asked for Home Address {h}: it has one configured, so the NAI procedure was \
             not exercised"
        )),
        (None, _, _) => Outcome::inconclusive("the Request's Home Address could not be read"),
        (_, None, _) => {
            Outcome::fail("the Request asks for Home Address 0.0.0.0 without the NAI extension")
        }
        (_, Some(n), Some(a)) if n > a => {
            Outcome::fail("the NAI extension comes after an authentication extension (RFC 2794 §2)")
        }
        (_, Some(_), _) => Outcome::pass(format!(
            "Home Address 0.0.0.0 with NAI {} ahead of the authentication",
            rrq.nai().unwrap_or("?")
        )),
    };
    obs.with_entries(o, &[rrq.entry])
}

/// RFC 3957 §3: "If the mobile node does not have a Mobility Security Association with the home
/// agent, it MUST add an MN-HA Key Generation Nonce Request From AAA extension", then the
/// MN-AAA authentication (§3, §6.3 "MUST appear in the Registration Request before the MN-AAA
/// Authentication extension"); RFC 5944 §3.3: an authorization-enabling extension in every
/// Request. The MN has no MN-HA SA with the harness's FHA (PIXIT: MN-AAA key only).
#[mip6lab_suite::test_purpose]
pub fn asks_for_mn_ha_keys() -> TestPurpose {
    tp(
        CO_LOCATED,
        "TP-DS-MN-KEYGEN-01",
        "Request without an MN-HA SA carries the MN-HA KeyGen Request, then MN-AAA authentication",
        &[
            "RFC3957-3-MN-MUST-1",
            "RFC3957-3-MN-MUST-2",
            "RFC3957-6.3-MN-MUST-1",
            "RFC5944-3.3-MN-MUST-1",
        ],
        judge_asks_for_mn_ha_keys,
    )
    .pics(&["mn.mip4.keygen"])
}

pub fn judge_asks_for_mn_ha_keys(obs: &Observation) -> Outcome {
    let reg = mip6lab_suite::try_step!(first_registration(obs));
    let rrq = &reg.request;
    let o = match (
        rrq.extension_index(Ext::MnHaKeyGenRequest),
        rrq.extension_index(Ext::MnAaaAuth),
        rrq.has_extension(Ext::MnHaAuth),
    ) {
        (_, _, true) => Outcome::inconclusive(
            "the Request carries MN-HA authentication: the MN has an MN-HA SA, so key generation \
             was not due",
        ),
        (None, _, _) => Outcome::fail("the Request has no MN-HA KeyGen Request"),
        (Some(_), None, _) => {
            Outcome::fail("the KeyGen Request is not followed by MN-AAA authentication")
        }
        (Some(k), Some(a), _) if k > a => {
            Outcome::fail("the KeyGen Request comes after the MN-AAA authentication")
        }
        (Some(_), Some(_), _) => Outcome::pass(format!(
            "MN-HA KeyGen Request, then MN-AAA authentication (SPI {})",
            mip6lab_suite::observe::or_unknown(rrq.spi_of(Ext::MnAaaAuth))
        )),
    };
    obs.with_entries(o, &[rrq.entry])
}

/// Draft §4.1.1: "Finally, the mobile node obtains the mobility in mobile IPv4 network and the
/// bootstrapping parameters for mobile IPv6 protocol", then (figure 2) the BU to the HA; §4:
/// the MN's IPv6 packets "are encapsulated in the IPv4 tunnel". Judged by where its IKEv2 goes:
/// from the Reply's IPv6 CoA to the Reply's IPv6 HA, through the MN–FHA tunnel.
#[mip6lab_suite::test_purpose]
pub fn uses_the_ipv6_items_of_the_reply() -> TestPurpose {
    tp(
        CO_LOCATED,
        "TP-DS-MN-IPV6-ITEMS-01",
        "MN's IKEv2 goes from the Reply's IPv6 CoA to the Reply's IPv6 HA, through the MN–FHA tunnel",
        &[
            "DSB-4.1.1-MN-MUST-3",
            "DSB-4-MN-MUST-8",
            "DSB-4-MN-MUST-7",
            "DSB-4.1.1-MN-MUST-6",
            "DSB-4-MN-MUST-1",
        ],
        judge_uses_the_ipv6_items_of_the_reply,
    )
    .pics(&["mn.dualstack.mip6_bootstrap"])
}

pub fn judge_uses_the_ipv6_items_of_the_reply(obs: &Observation) -> Outcome {
    let reg = mip6lab_suite::try_step!(first_registration(obs));
    let Some(reply) = accepted_reply(&reg) else {
        return obs.with_entries(
            Outcome::inconclusive("the harness's FHA sent no accepting Reply"),
            &[reg.request.entry],
        );
    };
    let (Some(ha), Some(coa)) = (reply.ipv6_home_agent(), reply.ipv6_care_of_address()) else {
        return obs.with_entries(
            Outcome::inconclusive("the harness's Reply lacks the IPv6 HA or CoA"),
            &[reply.entry],
        );
    };
    let mn = reg.request.entry.src_addr;
    let inits: Vec<_> = obs.ike_requests(Exchange::IkeSaInit, None).collect();
    let Some(first) = inits.first() else {
        // The positive control is the Reply itself: accepted, with the HA and CoA, on the
        // MN's link. An MN that goes no further has not used them (PICS
        // mn.dualstack.mip6_bootstrap).
        return obs.with_entries(
            Outcome::fail(format!(
                "the MN sent no IKE_SA_INIT to the Reply's IPv6 HA {ha} ({})",
                mip6lab_suite::observe::stopped_by(obs, "an IKE_SA_INIT")
            )),
            &[reply.entry],
        );
    };
    // The copy on the MN's own link: inside the tunnel, when it went that way.
    let Some((init, t)) = inits
        .iter()
        .find_map(|m| obs.tunnel_of(m.entry).map(|t| (m, t)))
    else {
        return obs.with_entries(
            Outcome::fail(format!(
                "the MN's IKE_SA_INIT ({} → {}) went outside the MN–FHA tunnel",
                first.entry.src_addr, first.entry.dst_addr
            )),
            &[reply.entry, first.entry],
        );
    };
    let (src, dst) = (t.tunnel.inner_src, t.tunnel.inner_dst);
    let o = if dst != Some(IpAddr::V6(ha)) {
        Outcome::fail(format!(
            "the MN's IKE_SA_INIT went to {}, not the Reply's IPv6 HA {ha}",
            mip6lab_suite::observe::or_unknown(dst)
        ))
    } else if src != Some(IpAddr::V6(coa)) {
        Outcome::fail(format!(
            "the MN's IKE_SA_INIT came from {}, not the Reply's IPv6 CoA {coa}",
            mip6lab_suite::observe::or_unknown(src)
        ))
    } else if t.via() != Via::Ipv6InIpv4 || t.entry.src_addr != mn {
        Outcome::fail(format!(
            "the IKE_SA_INIT went {:?} from {}, not through the MN–FHA tunnel from {mn}",
            t.via(),
            t.entry.src_addr
        ))
    } else if t.position < reply.position {
        Outcome::inconclusive("the MN's IKE_SA_INIT came before the Reply it should follow")
    } else {
        Outcome::pass(format!(
            "IKE_SA_INIT {coa} → {ha} inside IPv6-in-IPv4 from {mn}"
        ))
    };
    obs.with_entries(o, &[reply.entry, init.entry])
}

/// The Reply the MN got, when it accepted the registration.
fn accepted_reply<'a>(reg: &Mip4Registration<'a>) -> Option<Mip4Message<'a>> {
    reg.reply.clone().filter(|r| r.accepted())
}

/// Draft §4 item 2-a: "When the MN acquires a CoA from a Mobile IP foreign agent (FA) on the
/// foreign network, the MN must register through the FA and use the FA based CoA"; RFC 5944
/// §3.1 ("MUST register via that foreign agent"), §3.6.1.2 (D "MUST NOT be set"; the Care-of
/// Address field). The MN on the visited link hears the harness's FA.
#[mip6lab_suite::test_purpose]
pub fn registers_through_the_fa() -> TestPurpose {
    tp(
        VISITED,
        "TP-DS-MN-VIA-FA-01",
        "MN with the FA's CoA registers through the FA, naming that CoA, D clear",
        &[
            "DSB-4-MN-MUST-3",
            "DSB-4-MN-MUST-4",
            "DSB-4.1.2-MN-MUST-1",
            "DSB-4.1.2-MN-MUST-3",
            "RFC5944-3.1-MN-MUST-1",
            "RFC5944-3.6.1.2-MN-MUST-NOT-1",
        ],
        judge_registers_through_the_fa,
    )
    .pics(&["mn.dualstack.fa_coa"])
}

pub fn judge_registers_through_the_fa(obs: &Observation) -> Outcome {
    let heard = obs
        .agent_advertisements(Some(FA_VISITED))
        .into_iter()
        .next();
    let Some(adv) = heard else {
        return Outcome::inconclusive("the harness's FA sent no Agent Advertisement");
    };
    let reg = mip6lab_suite::try_step!(first_registration(obs));
    let rrq = &reg.request;
    let entries = [adv.entry, rrq.entry];
    let coa = rrq.care_of_address().map(|a| a.to_string());
    let o = if rrq.entry.dst != FA_VISITED {
        Outcome::fail(format!(
            "the Request went to {}, not through the FA",
            rrq.entry.dst
        ))
    } else if coa.as_deref() != Some(FA_COA) {
        Outcome::fail(format!(
            "the Request names care-of address {}, not the FA's {FA_COA}",
            coa.unwrap_or_else(|| "?".into())
        ))
    } else {
        match rrq.has_flag(RrqFlags::D) {
            Some(true) => Outcome::fail("the Request through the FA with its CoA has D set"),
            Some(false) => Outcome::pass(format!(
                "Request through the FA naming its CoA {FA_COA}, D clear"
            )),
            None => Outcome::inconclusive("the Request's flags could not be read"),
        }
    };
    obs.with_entries(o, &entries)
}

/// Draft §4 item 2-b: "When the MN acquires a CCoA but the FA requires the MN to register via
/// the FA (R-bit set in Agent Advertisement), the MN must send the registration request to the
/// FA"; RFC 5944 §2.4.1 / §3.1 (SHOULD register through the FA). The MN, co-located on the
/// visited link, waits for an advertisement (PIXIT `MIP6LAB_DS_ADV_WAIT_MS`); the harness's FA
/// advertises R.
#[mip6lab_suite::test_purpose]
pub fn honours_the_r_bit() -> TestPurpose {
    tp(
        VISITED,
        "TP-DS-MN-R-BIT-01",
        "MN with a co-located CoA that hears the R bit registers through the FA, D set",
        &[
            "DSB-4-MN-MUST-5",
            "DSB-4.1.2-MN-MUST-1",
            "RFC5944-2.4.1-MN-SHOULD-1",
            "RFC5944-3.1-MN-SHOULD-1",
        ],
        judge_honours_the_r_bit,
    )
    .iut_env(&[
        ("MIP6LAB_DS_MODE", "co-located"),
        ("MIP6LAB_DS_ADV_WAIT_MS", "5000"),
        // Registration only: its co-located CoA has no route to the FHA in this lab.
        ("MIP6LAB_DS_ECHO", ""),
        ("MIP6LAB_HA_NAME", ""),
    ])
    .until_event(None)
    .pics(&["mn.dualstack.co_located", "mn.dualstack.r_bit"])
}

pub fn judge_honours_the_r_bit(obs: &Observation) -> Outcome {
    let r_bit = obs
        .agent_advertisements(Some(FA_VISITED))
        .into_iter()
        .find(|a| a.has_agent_flag(AdvFlags::R) == Some(true));
    let Some(adv) = r_bit else {
        return Outcome::inconclusive(
            "the harness's FA sent no Agent Advertisement with the R bit",
        );
    };
    let reg = mip6lab_suite::try_step!(first_registration(obs));
    let rrq = &reg.request;
    let entries = [adv.entry, rrq.entry];
    if rrq.position < adv.position {
        return obs.with_entries(
            Outcome::inconclusive("the MN registered before the FA's first advertisement with R"),
            &entries,
        );
    }
    let o = match rrq.has_flag(RrqFlags::D) {
        Some(false) => Outcome::inconclusive(
            "the MN registered with D clear (an FA CoA): the co-located case was not exercised",
        ),
        _ if rrq.entry.dst == FA_VISITED => {
            Outcome::pass("co-located Request (D set) sent through the FA that advertised R")
        }
        _ => Outcome::fail(format!(
            "the MN registered with {} directly despite the FA's R bit",
            rrq.entry.dst
        )),
    };
    obs.with_entries(o, &entries)
}

/// RFC 5944 §3.6.1.2: "If the mobile node is registering with a foreign agent, the Lifetime
/// SHOULD NOT exceed the value in the Registration Lifetime field of the Agent Advertisement
/// message". The harness's FA advertises 600 s (its stimulus `fa.registration_lifetime_s`).
#[mip6lab_suite::test_purpose]
pub fn keeps_to_the_advertised_lifetime() -> TestPurpose {
    tp(
        VISITED,
        "TP-DS-MN-LIFETIME-01",
        "Request through the FA asks for no more than the advertised Registration Lifetime",
        &["RFC5944-3.6.1.2-MN-SHOULD-NOT-1"],
        judge_keeps_to_the_advertised_lifetime,
    )
    .peer_env(&[("fa", "MIP6LAB_KNOBS", "fa.registration_lifetime_s=600")])
    .pics(&["mn.dualstack.fa_coa"])
}

pub fn judge_keeps_to_the_advertised_lifetime(obs: &Observation) -> Outcome {
    let Some(adv) = obs
        .agent_advertisements(Some(FA_VISITED))
        .into_iter()
        .next()
    else {
        return Outcome::inconclusive("the harness's FA sent no Agent Advertisement");
    };
    let reg = mip6lab_suite::try_step!(first_registration(obs));
    let rrq = &reg.request;
    let entries = [adv.entry, rrq.entry];
    if rrq.entry.dst != FA_VISITED {
        return obs.with_entries(
            Outcome::inconclusive("the MN did not register through the FA"),
            &entries,
        );
    }
    let o = match (adv.registration_lifetime(), rrq.lifetime()) {
        (Some(max), Some(asked)) if asked > max => Outcome::fail(format!(
            "the MN asked for {asked} s through an FA that advertises {max} s"
        )),
        (Some(max), Some(asked)) => Outcome::pass(format!("{asked} s asked, {max} s advertised")),
        _ => Outcome::inconclusive("a lifetime could not be read"),
    };
    obs.with_entries(o, &entries)
}

/// What the MN did after an accepting Reply: traffic through the tunnel (it took the Reply), a
/// new Request with the same NAI first (it did not), or neither.
enum Taken<'a> {
    Used(TunnelledPacket<'a>),
    Discarded(Mip4Message<'a>),
    Unknown,
}

fn taken<'a>(
    obs: &'a Observation,
    reg: &Mip4Registration<'a>,
    reply: &Mip4Message<'a>,
) -> Taken<'a> {
    let again = obs.registration_requests(None).into_iter().find(|m| {
        m.position > reply.position
            && m.nai() == reg.request.nai()
            && !RELAYS.contains(&m.entry.src.as_str())
    });
    let used = obs
        .tunnelled_packets(None)
        .into_iter()
        .find(|p| p.position > reply.position && p.entry.src_addr == reg.request.entry.src_addr);
    match (used, again) {
        (Some(u), Some(a)) if u.position < a.position => Taken::Used(u),
        (_, Some(a)) => Taken::Discarded(a),
        (Some(u), None) => Taken::Used(u),
        (None, None) => Taken::Unknown,
    }
}

/// The judge of an accepting Reply the MN must discard; `why` says what the harness's FHA did
/// wrong in it.
fn judge_discarded(obs: &Observation, why: &str) -> Outcome {
    match first_registration(obs) {
        Ok(reg) => judge_taken(obs, &reg, why),
        Err(o) => o,
    }
}

/// The same for the registration `reg` and its Reply.
fn judge_taken(obs: &Observation, reg: &Mip4Registration<'_>, why: &str) -> Outcome {
    let Some(reply) = accepted_reply(reg) else {
        return obs.with_entries(
            Outcome::inconclusive("the harness's FHA sent no accepting Reply"),
            &[reg.request.entry],
        );
    };
    match taken(obs, reg, &reply) {
        Taken::Used(p) => obs.with_entries(
            Outcome::fail(format!(
                "the MN used a Reply with {why}: it sent traffic through the tunnel"
            )),
            &[reply.entry, p.entry],
        ),
        Taken::Discarded(again) => obs.with_entries(
            Outcome::pass(format!(
                "the MN discarded the Reply with {why} and sent a new Request"
            )),
            &[reply.entry, again.entry],
        ),
        // Silence proves no discard: only a new Request shows the MN went on without it.
        Taken::Unknown => obs.with_entries(
            Outcome::inconclusive(format!(
                "the MN neither used the Reply with {why} nor asked again ({})",
                mip6lab_suite::observe::stopped_by(obs, "a new Request")
            )),
            &[reply.entry],
        ),
    }
}

/// RFC 3957 §3: "if no MN-HA Key Generation Nonce Reply extension is present, the mobile node
/// MUST discard the Registration Reply". The harness's FHA leaves it out (`fha.no_keygen_reply`,
/// still signing with the derived key).
#[mip6lab_suite::test_purpose]
pub fn discards_a_reply_without_keygen_reply() -> TestPurpose {
    tp(
        CO_LOCATED,
        "TP-DS-MN-KEYGEN-CHECK-01",
        "MN that asked for key generation discards a Reply without the MN-HA KeyGen Reply",
        &["RFC3957-3-MN-MUST-4"],
        judge_discards_a_reply_without_keygen_reply,
    )
    .peer_env(&[("fha", "MIP6LAB_KNOBS", "fha.no_keygen_reply=true")])
    .until_event(None)
    .observe_for(Duration::from_secs(60))
    .pics(&["mn.mip4.keygen"])
}

pub fn judge_discards_a_reply_without_keygen_reply(obs: &Observation) -> Outcome {
    let reg = mip6lab_suite::try_step!(first_registration(obs));
    if reg
        .reply
        .as_ref()
        .is_some_and(|r| r.has_extension(Ext::MnHaKeyGenReply))
    {
        return obs.with_entries(
            Outcome::inconclusive("the harness's Reply carried a KeyGen Reply after all"),
            &[reg.request.entry],
        );
    }
    judge_discarded(obs, "no MN-HA KeyGen Reply")
}

/// RFC 3957 §3: the MN checks the Reply's MN-HA authenticator with the key it derives; "If the
/// check fails, the MN MUST discard the Registration Reply". The harness's FHA signs with
/// another key (`fha.mn_ha_auth_wrong_key`).
#[mip6lab_suite::test_purpose]
pub fn discards_a_reply_signed_with_another_key() -> TestPurpose {
    tp(
        CO_LOCATED,
        "TP-DS-MN-MN-HA-CHECK-01",
        "MN discards a keyed Reply whose MN-HA authenticator does not verify with the derived key",
        &["RFC3957-3-MN-MUST-5", "RFC5944-3.6.2.1-MN-MUST-4"],
        judge_discards_a_reply_signed_with_another_key,
    )
    .peer_env(&[("fha", "MIP6LAB_KNOBS", "fha.mn_ha_auth_wrong_key=true")])
    .until_event(None)
    .observe_for(Duration::from_secs(60))
    .pics(&["mn.mip4.keygen"])
}

pub fn judge_discards_a_reply_signed_with_another_key(obs: &Observation) -> Outcome {
    judge_discarded(obs, "an MN-HA authenticator made with another key")
}

/// RFC 5944 §3.6.2.1: "the low-order 32 bits of the Identification field in the Registration
/// Reply MUST be compared to the low-order 32 bits of the Identification field in the most
/// recent Registration Request sent to the replying agent. If they do not match, the Reply MUST
/// be silently discarded." The harness's FHA answers with the bits changed
/// (`fha.reply_identification_mismatch`), its MN-HA authenticator valid.
#[mip6lab_suite::test_purpose]
pub fn discards_a_reply_to_another_request() -> TestPurpose {
    tp(
        CO_LOCATED,
        "TP-DS-MN-ID-CHECK-01",
        "MN discards a Reply whose Identification does not match its Request's",
        &[
            "RFC5944-3.6.2.1-MN-MUST-2",
            "RFC5944-3.6.2.1-MN-MUST-3",
            "RFC5944-5.7-MN-MUST-1",
        ],
        judge_discards_a_reply_to_another_request,
    )
    .peer_env(&[(
        "fha",
        "MIP6LAB_KNOBS",
        "fha.reply_identification_mismatch=true",
    )])
    .until_event(None)
    .observe_for(Duration::from_secs(60))
}

pub fn judge_discards_a_reply_to_another_request(obs: &Observation) -> Outcome {
    let reg = mip6lab_suite::try_step!(first_registration(obs));
    // The pairing by Identification finds no Reply: look for the FHA's answer by NAI.
    let reply = obs.registration_replies(Some(FHA)).into_iter().find(|r| {
        r.position > reg.request.position && r.nai() == reg.request.nai() && r.accepted()
    });
    let Some(reply) = reply else {
        return obs.with_entries(
            Outcome::inconclusive("the harness's FHA sent no accepting Reply"),
            &[reg.request.entry],
        );
    };
    let low = |m: &Mip4Message| m.identification().map(|i| i as u32);
    if low(&reply) == low(&reg.request) {
        return obs.with_entries(
            Outcome::inconclusive("the harness's Reply matched the Request's Identification"),
            &[reg.request.entry, reply.entry],
        );
    }
    let mismatched = Mip4Registration {
        reply: Some(reply),
        ..reg
    };
    judge_taken(obs, &mismatched, "another Request's Identification")
}

/// RFC 5944 §3.6.3: "The minimum time between Registration Requests MUST NOT be less than 1
/// second. Each successive retransmission timeout period SHOULD be at least twice the previous
/// period"; §5.7: "The Identification field in a new Registration Request MUST NOT be the same
/// as in an immediately preceding Request". The harness's FHA leaves the first two Requests
/// unanswered (`fha.ignore_first_requests=2`).
#[mip6lab_suite::test_purpose]
pub fn retransmits_with_backoff() -> TestPurpose {
    tp(
        CO_LOCATED,
        "TP-DS-MN-RETRANSMIT-01",
        "unanswered Requests are repeated no sooner than 1 s, backing off, each with a new Identification",
        &[
            "RFC5944-3.6.3-MN-MUST-NOT-1",
            "RFC5944-3.6.3-MN-SHOULD-1",
            "RFC5944-5.7-MN-MUST-NOT-1",
        ],
        judge_retransmits_with_backoff,
    )
    .peer_env(&[("fha", "MIP6LAB_KNOBS", "fha.ignore_first_requests=2")])
}

pub fn judge_retransmits_with_backoff(obs: &Observation) -> Outcome {
    let sent: Vec<Mip4Message> = obs
        .registration_requests(None)
        .into_iter()
        .filter(|m| !RELAYS.contains(&m.entry.src.as_str()) && m.entry.dst == FHA)
        .collect();
    let entries: Vec<_> = sent.iter().take(3).map(|m| m.entry).collect();
    if sent.len() < 3 {
        return obs.with_entries(
            Outcome::not_reached(
                "the MN's first Registration Request",
                format!(
                    "{} Request(s) seen: two retransmissions are needed",
                    sent.len()
                ),
            ),
            &entries,
        );
    }
    let times: Vec<_> = sent[..3]
        .iter()
        .filter_map(|m| obs.time_of(m.position))
        .collect();
    if times.len() < 3 {
        return obs.with_entries(Outcome::inconclusive("a capture time is missing"), &entries);
    }
    let gaps: Vec<f64> = times
        .windows(2)
        .map(|w| w[1].saturating_sub(w[0]).as_secs_f64())
        .collect();
    let ids: Vec<Option<u64>> = sent[..3].iter().map(|m| m.identification()).collect();
    let o = if gaps[0] < 0.95 || gaps[1] < 0.95 {
        Outcome::fail(format!(
            "Requests {:.2} s and {:.2} s apart: less than 1 s",
            gaps[0], gaps[1]
        ))
    } else if ids.windows(2).any(|w| w[0].is_some() && w[0] == w[1]) {
        Outcome::fail("a retransmitted Request repeats the previous Request's Identification")
    } else if gaps[1] < 2.0 * gaps[0] - 0.1 {
        Outcome::fail(format!(
            "no backoff: {:.2} s, then {:.2} s (SHOULD be at least twice)",
            gaps[0], gaps[1]
        ))
    } else {
        Outcome::pass(format!(
            "retransmitted after {:.2} s, then {:.2} s, each with a new Identification",
            gaps[0], gaps[1]
        ))
    };
    obs.with_entries(o, &entries)
}
