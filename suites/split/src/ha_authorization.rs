//! HA under test: who may get and use which home address, and who may get service at all
//! (RFC 5026 §4, §5.2, §5.3.2, §5.4, §9.1, §9.2; RFC 4877 §4.2, §8, §10). The harness's MN
//! (the reference MN, started once the HA is ready) is the stimulus; BIND and FreeRADIUS are
//! around as in every split test.

use crate::ha_iut::error_notifies;
use mip6lab_suite::observe::{
    in_prefix, notify, or_unknown, pcap, radius_code, CfgType, CpAttribute, CpAttributeType,
    DnsView, Exchange, IkeMessage,
};
use mip6lab_suite::try_step;
use mip6lab_suite::{Observation, Outcome, Stimulus, TestPurpose};
use std::net::Ipv6Addr;
use std::time::Duration;

const HOME: (Ipv6Addr, u8) = (Ipv6Addr::new(0x2001, 0xdb8, 1, 0x100, 0, 0, 0, 0), 64);
/// Configured addresses the HA under test is given (`MIP6LAB_CONFIGURED_HOAS`).
const CONFIGURED: &[(&str, &str)] = &[(
    "MIP6LAB_CONFIGURED_HOAS",
    "mn1.example.com=2001:db8:1:100::99,mn2.example.com=2001:db8:1:100::98",
)];
const MN1_CONFIGURED: &str = "2001:db8:1:100::99";
const MN2_CONFIGURED: &str = "2001:db8:1:100::98";

/// A test purpose with an HA under test and the harness MN (with `tester` settings) as the
/// stimulus; PSK and an assigned HoA unless a test says otherwise.
const fn tp(
    id: &'static str,
    title: &'static str,
    requirements: &'static [&'static str],
    tester: &'static [(&'static str, &'static str)],
    judge: fn(&Observation) -> Outcome,
) -> TestPurpose {
    crate::ha_iut::tp(
        id,
        title,
        requirements,
        &["ha.auth.psk", "ha.hoa.assigned"],
        &[],
        tester,
        judge,
    )
}

fn in_home(a: Ipv6Addr) -> bool {
    in_prefix(a, HOME.0, HOME.1)
}

/// The address of the first INTERNAL_IP6_ADDRESS in `m`'s CP of `cfg_type`, as shown.
fn cp_addr(m: &IkeMessage, cfg_type: CfgType) -> Option<String> {
    m.config(cfg_type)?
        .internal_address()
        .map(|a| a.to_string())
}

/// The Notify types of `m`, as reasons list them.
fn notify_types(m: &IkeMessage) -> Vec<String> {
    m.notifies
        .iter()
        .filter_map(|n| n.notify_type.map(|t| t.to_string()))
        .collect()
}

/// The HA's IKE_AUTH answer carrying the CFG_REPLY, with the tester's request before it.
fn assignment(obs: &Observation) -> Result<(u64, u64, Option<String>, Option<String>), Outcome> {
    let Some(qm) = obs.ike_requests(Exchange::IkeAuth, Some("MN")).next() else {
        return Err(Outcome::not_reached(
            "the start of IKEv2",
            "the tester MN sent no IKE_AUTH request (did the HA answer IKE_SA_INIT?)",
        ));
    };
    let Some(rm) = obs
        .ike_responses(Exchange::IkeAuth, Some("HA1"))
        .find(|m| cp_addr(m, CfgType::Reply).is_some() || m.has_auth())
    else {
        // The address is judged in an IKE_AUTH answer; a refusal or silence stops it earlier.
        let stopped_by = match obs.ike_responses(Exchange::IkeAuth, Some("HA1")).last() {
            Some(m) if !m.decrypted() => {
                return Err(Outcome::inconclusive(
                    "the HA's IKE_AUTH response could not be decrypted",
                )
                .with_frames(pcap(obs), [qm.frame(), m.frame()]))
            }
            Some(m) => format!(
                "the HA refused it (no AUTH; notifies: {})",
                error_notifies(&m)
            ),
            None => "silence: the HA did not answer it".into(),
        };
        return Err(
            Outcome::not_reached("the tester's IKE_AUTH request", stopped_by)
                .with_frames(pcap(obs), [qm.frame()]),
        );
    };
    if !rm.decrypted() {
        return Err(Outcome::inconclusive(
            "the HA's IKE_AUTH response could not be decrypted (no key log from the tester)",
        )
        .with_frames(pcap(obs), [qm.frame(), rm.frame()]));
    }
    Ok((
        qm.frame(),
        rm.frame(),
        cp_addr(&qm, CfgType::Request),
        cp_addr(&rm, CfgType::Reply),
    ))
}

// ------------------------------------------------------- a proposed HoA (§5.3.2)

/// §5.3.2: "If the Home Address is valid, the Home Agent replies with a CFG_REPLY, including
/// an INTERNAL_IP6_ADDRESS with the same address."
#[mip6lab_suite::test_purpose]
pub fn proposed_valid() -> TestPurpose {
    tp(
        "TP-SPLIT-HA-PROPOSED-VALID-01",
        "HA returns a valid proposed home address unchanged",
        &["RFC5026-5.3.2-HA-MUST-1"],
        &[("MIP6LAB_KNOBS", "mn.request_hoa=2001:db8:1:100::1234")],
        judge_proposed_valid,
    )
}

pub fn judge_proposed_valid(obs: &Observation) -> Outcome {
    let (q, r, asked, given) = try_step!(assignment(obs));
    let Some(asked) = asked else {
        return Outcome::inconclusive("the tester proposed no address").with_frames(pcap(obs), [q]);
    };
    match given {
        Some(g) if g == asked => Outcome::pass(format!("proposed {asked}; CFG_REPLY returns {g}")),
        Some(g) => Outcome::fail(format!(
            "proposed {asked} (on the home prefix, unused), but the HA assigned {g}"
        )),
        None => Outcome::fail("the CFG_REPLY carries no INTERNAL_IP6_ADDRESS"),
    }
    .with_frames(pcap(obs), [q, r])
}

/// §5.3.2: "If the Home Address provided by the Mobile Node is not valid, the Home Agent
/// assigns a different Home Address including an INTERNAL_IP6_ADDRESS attribute with a new
/// value." The tester proposes an address off the home prefix.
#[mip6lab_suite::test_purpose]
pub fn proposed_invalid() -> TestPurpose {
    tp(
        "TP-SPLIT-HA-PROPOSED-INVALID-01",
        "HA replaces a proposed home address that is off the home prefix",
        &["RFC5026-5.3.2-HA-MUST-2"],
        &[("MIP6LAB_KNOBS", "mn.request_hoa=2001:db8:99::1")],
        judge_proposed_invalid,
    )
}

pub fn judge_proposed_invalid(obs: &Observation) -> Outcome {
    let (q, r, asked, given) = try_step!(assignment(obs));
    let asked = asked.unwrap_or_default();
    match given {
        Some(g) if g != asked && g.parse().is_ok_and(in_home) => Outcome::pass(format!(
            "proposed {asked} (off the home prefix); the HA assigned {g} instead"
        )),
        Some(g) => Outcome::fail(format!(
            "proposed {asked} (off the home prefix); the HA answered {g}"
        )),
        None => Outcome::fail("the CFG_REPLY carries no INTERNAL_IP6_ADDRESS"),
    }
    .with_frames(pcap(obs), [q, r])
}

// ---------------------------------------------------- HoA authorization (§9.2)

/// §9.2: "Home agents MUST implement at least the following two modes of authorization:
/// Configuration: … The mobile node is allowed to request these addresses, or if the mobile
/// node requests any home address, these addresses are returned to it."
#[mip6lab_suite::test_purpose]
pub fn configured_returned() -> TestPurpose {
    tp(
        "TP-SPLIT-HA-CONFIGURED-01",
        "HA returns the MN's configured home address when it asks for any",
        &[
            "RFC5026-9.2-HA-MUST-4",
            "RFC5026-9.2-HA-MUST-6",
            "RFC5026-9.2-HA-MUST-7",
            "RFC5026-9.2-HA-MUST-3",
            "RFC4877-10-HA-MUST-1",
        ],
        &[],
        judge_configured_returned,
    )
    .iut_env(CONFIGURED)
    .pics(&["ha.auth.psk", "ha.hoa.assigned", "ha.hoa.configured"])
}

pub fn judge_configured_returned(obs: &Observation) -> Outcome {
    let (q, r, _, given) = try_step!(assignment(obs));
    match given.as_deref() {
        Some(MN1_CONFIGURED) => Outcome::pass(format!(
            "mn1.example.com asked for any address and got its configured {MN1_CONFIGURED}"
        )),
        Some(g) => Outcome::fail(format!(
            "mn1.example.com is configured with {MN1_CONFIGURED}, but the HA assigned {g}"
        )),
        None => Outcome::fail("the CFG_REPLY carries no INTERNAL_IP6_ADDRESS"),
    }
    .with_frames(pcap(obs), [q, r])
}

/// §9.2: "the home agent MUST ensure that the requested address is not the authorized
/// address of any other mobile node"; "the home agent MUST authorize each home address
/// allocation and use." The tester (mn1) asks for mn2's configured address.
#[mip6lab_suite::test_purpose]
pub fn others_address_refused() -> TestPurpose {
    tp(
        "TP-SPLIT-HA-OTHERS-HOA-01",
        "HA never hands one MN another MN's configured home address",
        &[
            "RFC5026-9.2-HA-MUST-11",
            "RFC5026-9.2-HA-MUST-1",
            "RFC5026-9.2-HA-MUST-2",
            "RFC5026-9.2-HA-MUST-5",
            "RFC4877-10-HA-SHOULD-1",
        ],
        &[("MIP6LAB_KNOBS", "mn.request_hoa=2001:db8:1:100::98")],
        judge_others_address_refused,
    )
    .iut_env(CONFIGURED)
    .pics(&["ha.auth.psk", "ha.hoa.assigned", "ha.hoa.configured"])
}

pub fn judge_others_address_refused(obs: &Observation) -> Outcome {
    let (q, r, asked, given) = try_step!(assignment(obs));
    if asked.as_deref() != Some(MN2_CONFIGURED) {
        return Outcome::inconclusive("the tester did not ask for mn2's address")
            .with_frames(pcap(obs), [q]);
    }
    match given.as_deref() {
        Some(MN2_CONFIGURED) => Outcome::fail(format!(
            "mn1.example.com asked for {MN2_CONFIGURED}, configured for mn2.example.com, and got it"
        )),
        Some(g) => Outcome::pass(format!(
            "mn1.example.com asked for mn2's {MN2_CONFIGURED} and was given {g}"
        )),
        None => {
            let n = obs
                .ike_responses(Exchange::IkeAuth, Some("HA1"))
                .flat_map(|m| notify_types(&m))
                .collect::<Vec<_>>();
            Outcome::pass(format!(
                "mn1.example.com asked for mn2's {MN2_CONFIGURED}: no address assigned (notify {n:?})"
            ))
        }
    }
    .with_frames(pcap(obs), [q, r])
}

/// RFC 4877 §4.2: "The home agent MUST be able to prevent a mobile node from using its
/// security association to send a Binding Update on behalf of another mobile node"; §4.2 /
/// §10: the identity is tied to the home address. The tester sends a BU whose HAO is not the
/// HoA of its SA, then (the control) a BU for its own HoA, which the HA must answer: silence
/// after the forged BU counts as a refusal only when the HA is seen reading BUs.
#[mip6lab_suite::test_purpose]
pub fn sa_bound_to_hoa() -> TestPurpose {
    tp(
        "TP-SPLIT-HA-SA-HOA-01",
        "HA refuses a BU for a home address other than the one of the protecting SA",
        &["RFC4877-4.2-HA-MUST-1", "RFC4877-4.2-HA-MUST-2"],
        &[(
            "MIP6LAB_KNOBS",
            "mn.bu_hoa=2001:db8:1:100::4242,mn.bu_transmissions=1,mn.bu_hoa_control=true",
        )],
        judge_sa_bound_to_hoa,
    )
    .until_event(None)
    .observe_for(Duration::from_secs(30))
}

/// The HAO of the tester's forged BU (`mn.bu_hoa`).
const FORGED_HOA: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 1, 0x100, 0, 0, 0, 0x4242);

pub fn judge_sa_bound_to_hoa(obs: &Observation) -> Outcome {
    let forged = FORGED_HOA;
    let p = pcap(obs);
    let Some(be) = obs
        .binding_updates_from("MN")
        .find(|b| b.home_address == Some(forged))
        .map(|b| b.entry)
    else {
        return obs
            .cannot_judge(Some("MN"), 0, "the tester's forged BU")
            .unwrap_or_else(|| {
                Outcome::not_reached(
                    "the tester's IKEv2 exchange",
                    format!("the tester sent no BU with HAO {forged} (see the IKE_AUTH answer)"),
                )
            });
    };
    // The control: the tester's next BU, for the HoA of its SA.
    let control = obs
        .binding_updates_from("MN")
        .find(|b| b.frame() > be.frame && b.home_address != Some(forged));
    let end = control.as_ref().map_or(u64::MAX, |c| c.frame());
    let before_control = |f: u64| f > be.frame && f < end;
    if let Some(ba) = obs
        .binding_acks_from("HA1")
        .find(|b| before_control(b.frame()) && b.accepted())
    {
        return Outcome::fail(format!(
            "the HA accepted (status {}) a BU for {forged} sent on an SA for another HoA",
            or_unknown(ba.status)
        ))
        .with_frames(p, [be.frame, ba.frame()]);
    }
    if let Some((ue, _)) = obs
        .transcript
        .dns()
        .find(|(e, m)| e.src == "HA1" && !m.response && before_control(e.frame))
    {
        return Outcome::fail("the HA updated DNS after the forged BU")
            .with_frames(p, [be.frame, ue.frame]);
    }
    // A refusal with a status is an answer of its own; no control needed.
    if let Some(ba) = obs
        .binding_acks_from("HA1")
        .find(|b| before_control(b.frame()))
    {
        return Outcome::pass(format!(
            "the HA rejected the BU for {forged} (status {})",
            or_unknown(ba.status)
        ))
        .with_frames(p, [be.frame, ba.frame()]);
    }
    if let Some(o) = obs.cannot_judge(Some("HA1"), be.frame, "the HA's answer to the forged BU") {
        return o;
    }
    let Some(control) = control else {
        return Outcome::not_reached(
            format!("the forged BU for {forged}"),
            "the tester sent no control BU for its own HoA, so the HA's silence proves nothing",
        )
        .with_frames(p, [be.frame]);
    };
    match obs
        .binding_acks_from("HA1")
        .find(|b| b.frame() > control.frame())
    {
        Some(ba) => Outcome::pass(format!(
            "the HA discarded the BU for {forged} (no BA, no DNS update), and answered the \
             control BU for the SA's own HoA (status {})",
            or_unknown(ba.status)
        ))
        .with_frames(p, [be.frame, control.frame(), ba.frame()]),
        None => Outcome::not_reached(
            "the forged BU and the control BU for the SA's own HoA",
            "silence: the HA answered neither, so its silence after the forged BU proves nothing",
        )
        .with_frames(p, [be.frame, control.frame()]),
    }
}

// --------------------------------------------------- authentication (§4, §5.4, §9.1)

/// §4: "The user must be authenticated in order for the MSP to grant the service"; §9.1:
/// "the authentication will fail unless the MN has valid credentials". The tester presents a
/// wrong shared key.
#[mip6lab_suite::test_purpose]
pub fn authentication_required() -> TestPurpose {
    tp(
        "TP-SPLIT-HA-AUTH-REQUIRED-01",
        "HA refuses an MN that fails IKEv2 authentication",
        &["RFC5026-4-HA-MUST-1", "RFC5026-9.1-HA-MUST-3"],
        &[("MIP6LAB_PSK", "not-the-mn1-key")],
        judge_authentication_required,
    )
    .until_event(None)
    .observe_for(Duration::from_secs(30))
}

pub fn judge_authentication_required(obs: &Observation) -> Outcome {
    let Some(qe) = obs
        .ike_requests(Exchange::IkeAuth, Some("MN"))
        .next()
        .map(|m| m.entry)
    else {
        return Outcome::inconclusive("the tester sent no IKE_AUTH request");
    };
    let Some(rm) = obs.ike_responses(Exchange::IkeAuth, Some("HA1")).next() else {
        return Outcome::fail("the HA did not answer the IKE_AUTH request with a wrong key")
            .with_frames(pcap(obs), [qe.frame]);
    };
    let re = rm.entry;
    if !rm.decrypted() {
        return Outcome::inconclusive("the HA's IKE_AUTH response could not be decrypted")
            .with_frames(pcap(obs), [qe.frame, re.frame]);
    }
    let granted = cp_addr(&rm, CfgType::Reply).is_some() || rm.has_sa;
    if granted || obs.binding_acks_from("HA1").next().is_some() {
        return Outcome::fail(
            "the HA granted service (CFG_REPLY, Child SA or BA) to an MN with a wrong key",
        )
        .with_frames(pcap(obs), [qe.frame, re.frame]);
    }
    if rm.has_notify(notify::AUTHENTICATION_FAILED) {
        Outcome::pass("wrong key: the HA answered AUTHENTICATION_FAILED and granted nothing")
            .with_frames(pcap(obs), [qe.frame, re.frame])
    } else {
        Outcome::fail(format!(
            "wrong key: the HA granted nothing but did not say AUTHENTICATION_FAILED (notify {:?})",
            notify_types(&rm)
        ))
        .with_frames(pcap(obs), [qe.frame, re.frame])
    }
}

const EAP_HA: &[(&str, &str)] = &[("MIP6LAB_AUTH", "eap")];

/// §5.4: "the Home Agent may need to contact the MSA in order to authenticate the Mobile Node
/// and authorize mobility service"; "if the Mobile Node is provided with other types of
/// credentials, the AAA infrastructure must be used"; RFC 4877 §8: "the home agent MUST
/// acquire the mobile node's identity from the corresponding AAA server"; §4: service "must be
/// explicitly authorized by the MSA".
#[mip6lab_suite::test_purpose]
pub fn eap_through_aaa() -> TestPurpose {
    tp(
        "TP-SPLIT-HA-EAP-AAA-01",
        "HA authenticates an EAP MN through the MSA's AAA server",
        &[
            "RFC5026-5.4-HA-MAY-1",
            "RFC5026-5.4-HA-MUST-1",
            "RFC5026-4-HA-MUST-2",
            "RFC4877-8-HA-MUST-1",
        ],
        EAP_HA,
        judge_eap_through_aaa,
    )
    .iut_env(EAP_HA)
    .pics(&["ha.auth.eap"])
}

/// Frames of the RADIUS messages with `code`.
fn radius(obs: &Observation, code: u8) -> Vec<u64> {
    obs.radius_messages()
        .filter(|m| m.is(code))
        .map(|m| m.entry.frame)
        .collect()
}

/// EAP code 3: Success, 4: Failure (RFC 3748 §4.2).
const EAP_SUCCESS: u8 = 3;
const EAP_FAILURE: u8 = 4;

/// The HA's IKE_AUTH answers after frame `after`.
fn auth_answers_after(obs: &Observation, after: u64) -> Vec<IkeMessage<'_>> {
    obs.ike_responses(Exchange::IkeAuth, Some("HA1"))
        .filter(|m| m.frame() > after)
        .collect()
}

/// What is judged: the HA authenticated the EAP MN through the AAA server (Access-Request,
/// Access-Accept, then EAP-Success and the HA's AUTH over the MSK). The Child SA, the home
/// address and the BA are other tests' requirements.
pub fn judge_eap_through_aaa(obs: &Observation) -> Outcome {
    let p = pcap(obs);
    let requests: Vec<u64> = obs
        .radius_messages()
        .filter(|m| {
            m.entry.src == "HA1" && m.entry.dst == "AAA" && m.is(radius_code::ACCESS_REQUEST)
        })
        .map(|m| m.entry.frame)
        .collect();
    let Some(first) = requests.first().copied() else {
        let Some(q) = obs.ike_requests(Exchange::IkeAuth, Some("MN")).next() else {
            return Outcome::not_reached(
                "the start of IKEv2",
                "the tester sent no IKE_AUTH request (did the HA answer IKE_SA_INIT?)",
            );
        };
        return Outcome::fail(
            "the HA sent no RADIUS Access-Request to the AAA server for the EAP MN",
        )
        .with_frames(p, [q.frame()]);
    };
    let accepts = radius(obs, radius_code::ACCESS_ACCEPT);
    let Some(accept) = accepts.first().copied() else {
        return Outcome::inconclusive("the AAA server did not accept the tester's credentials")
            .with_frames(p, [first]);
    };
    if let Some(o) = obs.cannot_judge(Some("HA1"), accept, "the HA's IKE_AUTH answers") {
        return o;
    }
    let answers = auth_answers_after(obs, accept);
    if let Some(m) = answers.iter().find(|m| {
        m.eap_code == Some(Some(EAP_FAILURE)) || m.has_notify(notify::AUTHENTICATION_FAILED)
    }) {
        return Outcome::fail(format!(
            "the AAA server accepted the MN, but the HA refused it (EAP code {}, notifies {:?})",
            or_unknown(m.eap_code.flatten()),
            notify_types(m)
        ))
        .with_frames(p, [first, accept, m.frame()]);
    }
    let Some(success) = answers
        .iter()
        .find(|m| m.eap_code == Some(Some(EAP_SUCCESS)))
    else {
        return Outcome::fail(
            "the AAA server accepted the MN, but the HA did not pass EAP-Success on to it",
        )
        .with_frames(p, [first, accept]);
    };
    let Some(final_auth) = answers
        .iter()
        .find(|m| m.frame() > success.frame() && m.has_auth())
    else {
        return match obs
            .ike_requests(Exchange::IkeAuth, Some("MN"))
            .find(|m| m.frame() > success.frame())
        {
            Some(q) => Outcome::fail(
                "after EAP-Success the HA did not authenticate itself with the MSK (no AUTH in \
                 its last IKE_AUTH answer)",
            )
            .with_frames(p, [first, accept, success.frame(), q.frame()]),
            None => Outcome::not_reached(
                "EAP-Success to the tester",
                "the tester sent no final IKE_AUTH request with its AUTH",
            )
            .with_frames(p, [first, accept, success.frame()]),
        };
    };
    // The Child SA of the same answer is another test's requirement; named, not judged.
    let child = match error_notifies(final_auth).as_str() {
        "none" => String::new(),
        errs => format!(" (its Child SA answer: {errs}, not judged here)"),
    };
    Outcome::pass(format!(
        "{} Access-Request(s) from the HA to the AAA server, Access-Accept, EAP-Success to the MN \
         and the HA's AUTH: authenticated through the MSA's AAA server{child}",
        requests.len()
    ))
    .with_frames(p, [first, accept, success.frame(), final_auth.frame()])
}

/// §4: service "must be explicitly authorized by the MSA": an Access-Reject ends it.
#[mip6lab_suite::test_purpose]
pub fn eap_rejected_by_aaa() -> TestPurpose {
    tp(
        "TP-SPLIT-HA-EAP-REJECT-01",
        "HA refuses service when the AAA server rejects the MN",
        &["RFC5026-4-HA-MUST-2", "RFC5026-9.5-HA-MUST-2"],
        &[
            ("MIP6LAB_AUTH", "eap"),
            ("MIP6LAB_EAP_PASSWORD", "wrong-password"),
        ],
        judge_eap_rejected,
    )
    .iut_env(EAP_HA)
    .until_event(None)
    .observe_for(Duration::from_secs(30))
    .pics(&["ha.auth.eap"])
}

pub fn judge_eap_rejected(obs: &Observation) -> Outcome {
    let p = pcap(obs);
    let rejects = radius(obs, radius_code::ACCESS_REJECT);
    let Some(reject) = rejects.first().copied() else {
        return Outcome::not_reached(
            "the tester's EAP IKE_AUTH",
            "the AAA server sent no Access-Reject (did the HA ask it?)",
        );
    };
    if let Some(ba) = obs.binding_acks_from("HA1").next() {
        return Outcome::fail("the AAA server rejected the MN, yet the HA answered its BU")
            .with_frames(p, [reject, ba.frame()]);
    }
    let answers = auth_answers_after(obs, reject);
    if let Some(m) = answers
        .iter()
        .find(|m| cp_addr(m, CfgType::Reply).is_some() || m.has_sa)
    {
        return Outcome::fail("the AAA server rejected the MN, yet the HA completed IKE_AUTH")
            .with_frames(p, [reject, m.frame()]);
    }
    if let Some(o) = obs.cannot_judge(
        Some("HA1"),
        reject,
        "the HA's answer after the Access-Reject",
    ) {
        return o;
    }
    // The control: the HA's own answer shows it was alive and acted on the reject.
    if let Some(m) = answers
        .iter()
        .find(|m| m.eap_code == Some(Some(EAP_FAILURE)))
    {
        return Outcome::pass("Access-Reject → EAP-Failure to the MN, no SA, no binding")
            .with_frames(p, [reject, m.frame()]);
    }
    if let Some(m) = answers
        .iter()
        .find(|m| m.has_notify(notify::AUTHENTICATION_FAILED))
    {
        return Outcome::pass("Access-Reject → AUTHENTICATION_FAILED to the MN, no SA, no binding")
            .with_frames(p, [reject, m.frame()]);
    }
    match answers.first() {
        Some(m) => Outcome::pass(format!(
            "Access-Reject → the HA answered the MN without a Child SA, address or binding \
             (EAP code {}, notifies {:?})",
            or_unknown(m.eap_code.flatten()),
            notify_types(m)
        ))
        .with_frames(p, [reject, m.frame()]),
        None => Outcome::not_reached(
            "the AAA server's Access-Reject to the HA",
            "silence: the HA sent the MN nothing after it, so no refusal is seen",
        )
        .with_frames(p, [reject]),
    }
}

/// §9.1: "the responder must present the initiator with a valid certificate containing the
/// responder's public key"; §5.2: the HA authenticates to the MN with a public key signature.
#[mip6lab_suite::test_purpose]
pub fn ha_signs_with_certificate() -> TestPurpose {
    tp(
        "TP-SPLIT-HA-CERT-01",
        "HA authenticates itself with a certificate and a signature",
        &[
            "RFC5026-9.1-HA-MUST-1",
            "RFC5026-9.1-HA-MUST-2",
            "RFC5026-5.2-HA-MUST-1",
        ],
        &[("MIP6LAB_AUTH", "cert")],
        judge_ha_signs,
    )
    .iut_env(&[("MIP6LAB_AUTH", "cert")])
    .pics(&["ha.auth.cert"])
}

pub fn judge_ha_signs(obs: &Observation) -> Outcome {
    let p = pcap(obs);
    let Some(rm) = obs.ike_responses(Exchange::IkeAuth, Some("HA1")).next() else {
        return match obs.ike_requests(Exchange::IkeAuth, Some("MN")).next() {
            Some(q) => Outcome::not_reached(
                "the tester's IKE_AUTH request",
                "silence: the HA sent no IKE_AUTH response",
            )
            .with_frames(p, [q.frame()]),
            None => Outcome::not_reached(
                "the start of IKEv2",
                "the tester sent no IKE_AUTH request (did the HA answer IKE_SA_INIT?)",
            ),
        };
    };
    let re = rm.entry;
    if !rm.decrypted() {
        return Outcome::inconclusive("the HA's IKE_AUTH response could not be decrypted")
            .with_frames(p, [re.frame]);
    }
    let method = rm.auth_method_text();
    if !rm.has_auth() {
        return Outcome::not_reached(
            "the tester's IKE_AUTH request",
            format!(
                "the HA refused it (no AUTH; notifies: {})",
                error_notifies(&rm)
            ),
        )
        .with_frames(p, [re.frame]);
    }
    if rm.certificates.is_empty() {
        return Outcome::fail("the HA's IKE_AUTH response carries no CERT")
            .with_frames(p, [re.frame]);
    }
    if !rm.auth_is_signature() {
        return Outcome::fail(format!("the HA's AUTH method {method} is not a signature"))
            .with_frames(p, [re.frame]);
    }
    if let Some(o) = obs.cannot_judge(Some("MN"), re.frame, "the tester's verdict on the CERT") {
        return o;
    }
    // The tester tells a responder whose CERT or AUTH does not verify with an INFORMATIONAL
    // carrying AUTHENTICATION_FAILED (RFC 7296 §2.21.2).
    if let Some(m) = obs
        .ike_messages(Some("MN"))
        .find(|m| m.frame() > re.frame && m.has_notify(notify::AUTHENTICATION_FAILED))
    {
        return Outcome::fail(
            "the tester could not verify the HA's certificate or signature against the lab CA: \
             it answered AUTHENTICATION_FAILED",
        )
        .with_frames(p, [re.frame, m.frame()]);
    }
    // Anything else the tester sent on afterwards (a BU, an IKE request) shows it verified.
    let went_on = obs
        .binding_updates_from("MN")
        .map(|b| (b.frame(), "a Binding Update"))
        .chain(
            obs.ike_messages(Some("MN"))
                .filter(|m| !m.response)
                .map(|m| (m.frame(), "an IKE request")),
        )
        .filter(|(f, _)| *f > re.frame)
        .min_by_key(|(f, _)| *f);
    match went_on {
        Some((f, what)) => Outcome::pass(format!(
            "CERT and AUTH method {method}; the tester verified them against the lab CA and went \
             on ({what})"
        ))
        .with_frames(p, [re.frame, f]),
        None => Outcome::not_reached(
            "the HA's IKE_AUTH response with CERT and a signature AUTH",
            format!(
                "the tester sent nothing after it (the response's notifies: {})",
                error_notifies(&rm)
            ),
        )
        .with_frames(p, [re.frame]),
    }
}

// ------------------------------------------------------------ robustness and options

/// §8.2: the reserved bit of the attribute type "MUST be set to zero and MUST be ignored on
/// receipt". The tester sets it on MIP6_HOME_PREFIX in its CFG_REQUEST.
#[mip6lab_suite::test_purpose]
pub fn cp_reserved_bit_ignored() -> TestPurpose {
    tp(
        "TP-SPLIT-HA-CP-RESERVED-01",
        "HA ignores the reserved bit of a MIP6_HOME_PREFIX request and sends it as zero",
        &["RFC5026-8.2-ANY-MUST-2"],
        &[
            ("MIP6LAB_HOA_MODE", "autoconf"),
            ("MIP6LAB_KNOBS", "mn.cp_reserved_bit=true"),
        ],
        judge_cp_reserved_bit_ignored,
    )
    .pics(&["ha.auth.psk", "ha.hoa.autoconf"])
}

/// The first MIP6_HOME_PREFIX of `m`'s CP of `cfg_type`.
fn home_prefix_attr(m: &IkeMessage, cfg_type: CfgType) -> Option<CpAttribute> {
    m.config(cfg_type)?
        .first(&CpAttributeType::Mip6HomePrefix)
        .cloned()
}

pub fn judge_cp_reserved_bit_ignored(obs: &Observation) -> Outcome {
    let Some(qm) = obs.ike_requests(Exchange::IkeAuth, Some("MN")).next() else {
        return Outcome::inconclusive("the tester sent no IKE_AUTH request");
    };
    let qe = qm.entry;
    if !home_prefix_attr(&qm, CfgType::Request).is_some_and(|a| a.reserved_bit) {
        return Outcome::inconclusive(
            "the tester's MIP6_HOME_PREFIX request has no reserved bit set",
        )
        .with_frames(pcap(obs), [qe.frame]);
    }
    let Some(rm) = obs.ike_responses(Exchange::IkeAuth, Some("HA1")).next() else {
        return Outcome::fail("the HA did not answer the IKE_AUTH request")
            .with_frames(pcap(obs), [qe.frame]);
    };
    let re = rm.entry;
    let Some(reply) = home_prefix_attr(&rm, CfgType::Reply) else {
        return Outcome::fail(format!(
            "with the reserved bit set the HA sent no home prefix (notify {:?})",
            notify_types(&rm)
        ))
        .with_frames(pcap(obs), [qe.frame, re.frame]);
    };
    if reply.reserved_bit {
        return Outcome::fail("the HA's MIP6_HOME_PREFIX reply has the reserved bit set")
            .with_frames(pcap(obs), [qe.frame, re.frame]);
    }
    Outcome::pass(format!(
        "reserved bit ignored: the HA answered with the prefix {} and a zero reserved bit",
        or_unknown(reply.value.as_ref())
    ))
    .with_frames(pcap(obs), [qe.frame, re.frame])
}

/// §6: "If there is no explicit de-registration BU from the Mobile Node, then the HA MAY use
/// the binding cache entry expiration as a trigger to remove the DNS entry." The tester
/// registers for 8 s and leaves without deregistering.
#[mip6lab_suite::test_purpose]
pub fn dns_removed_on_expiry() -> TestPurpose {
    tp(
        "TP-SPLIT-HA-DNS-EXPIRY-01",
        "HA removes the MN's DNS entry when its binding expires",
        &["RFC5026-6-HA-MAY-1"],
        &[
            // A 4-s binding, expired well before the tester leaves.
            ("MIP6LAB_HOLD_SECS", "5"),
            ("MIP6LAB_KNOBS", "mn.skip_dereg=true,mn.lifetime_units=1"),
        ],
        judge_dns_removed_on_expiry,
    )
    .pics(&[
        "ha.auth.psk",
        "ha.hoa.assigned",
        "ha.dns_update",
        "ha.dns.remove_on_expiry",
    ])
    .observe_for(Duration::from_secs(40))
}

pub fn judge_dns_removed_on_expiry(obs: &Observation) -> Outcome {
    let fqdn = "mn1.example.com";
    let Some(be) = obs
        .binding_acks_from("HA1")
        .find(|b| b.status == Some(0) && !b.deregisters())
        .map(|b| b.entry)
    else {
        return Outcome::inconclusive("the tester was never registered");
    };
    if obs.binding_updates_from("MN").any(|b| b.deregisters()) {
        return Outcome::inconclusive("the tester deregistered: the stimulus failed");
    }
    let removal = obs.transcript.dns().find(|(e, m)| {
        e.src == "HA1"
            && e.frame > be.frame
            && !m.response
            && m.authority_records().iter().any(|r| {
                r.operation().deletes() && matches!(r.rtype, "AAAA" | "ANY") && r.owned_by(fqdn)
            })
    });
    match removal {
        Some((e, _)) => Outcome::pass(
            "no deregistration; when the binding expired the HA deleted the AAAA of mn1.example.com",
        )
        .with_frames(pcap(obs), [be.frame, e.frame]),
        None => Outcome::fail("the binding expired and the HA left the DNS entry in place")
            .with_frames(pcap(obs), [be.frame]),
    }
}

// ------------------------- FCFS with two MNs (§9.2), an exhausted pool (RFC 4877 §9)

/// Two tester MNs: `mn` (role MN, mn1.example.com) registers first and stays registered;
/// `mn2` (role MN2, the stimulus) acts once A is registered and is done long before A leaves.
const TWO_MNS: &str = "split-ha-iut-two-mns";
/// The address MN A asks for, and MN B after it.
const FCFS_HOA: &str = "2001:db8:1:100::1234";
/// A asks for FCFS_HOA (B's settings repeat the address: constants cannot be concatenated).
const A_ASKS: &[(&str, &str, &str)] =
    &[("mn", "MIP6LAB_KNOBS", "mn.request_hoa=2001:db8:1:100::1234")];

/// A test purpose with MN A (`peer_env` settings) and the stimulus MN B (`b_env`); PSK.
#[allow(clippy::too_many_arguments)]
const fn two_mns(
    id: &'static str,
    title: &'static str,
    requirements: &'static [&'static str],
    pics: &'static [&'static str],
    iut_env: &'static [(&'static str, &'static str)],
    peer_env: &'static [(&'static str, &'static str, &'static str)],
    b_env: &'static [(&'static str, &'static str)],
    judge: fn(&Observation) -> Outcome,
) -> TestPurpose {
    TestPurpose::new(
        crate::ha_under_test(TWO_MNS),
        id,
        title,
        requirements,
        judge,
    )
    .iut_env(iut_env)
    .pics(pics)
    .peer_env(peer_env)
    .stimulus(Stimulus {
        node: "mn2",
        env: b_env,
    })
}

/// One MN's IKE_AUTH request and the HA's answer to it, both decrypted.
struct Auth<'a> {
    req: IkeMessage<'a>,
    resp: IkeMessage<'a>,
}

impl Auth<'_> {
    fn asked(&self) -> Option<String> {
        cp_addr(&self.req, CfgType::Request)
    }
    fn given(&self) -> Option<String> {
        cp_addr(&self.resp, CfgType::Reply)
    }
    fn idi(&self) -> Option<&str> {
        self.req.idi.as_ref().map(|i| i.id.as_str())
    }
    fn frames(&self) -> [u64; 2] {
        [self.req.frame(), self.resp.frame()]
    }
}

/// The first IKE_AUTH request of tester `mn` (`MN` or `MN2`) and the HA's answer to it.
fn auth_of<'a>(obs: &'a Observation, mn: &'a str, who: &str) -> Result<Auth<'a>, Outcome> {
    let Some(req) = obs.ike_requests(Exchange::IkeAuth, Some(mn)).next() else {
        return Err(Outcome::inconclusive(format!(
            "{who} sent no IKE_AUTH request (see logs/{}.log)",
            if mn == "MN" { "mn" } else { "mn2" }
        )));
    };
    let Some(resp) = obs
        .ike_responses(Exchange::IkeAuth, Some("HA1"))
        .find(|m| m.entry.dst == mn && m.frame() > req.frame())
    else {
        return Err(
            Outcome::fail(format!("the HA did not answer {who}'s IKE_AUTH request"))
                .with_frames(pcap(obs), [req.frame()]),
        );
    };
    let frames = [req.frame(), resp.frame()];
    for m in [&req, &resp] {
        if !m.decrypted() {
            return Err(Outcome::inconclusive(format!(
                "{who}'s IKE_AUTH (frame {}) could not be decrypted (no key log from the tester)",
                m.frame()
            ))
            .with_frames(pcap(obs), frames));
        }
    }
    Ok(Auth { req, resp })
}

/// The HA's first BA accepting a registration (status < 128, lifetime > 0) sent to MN A.
fn a_registered(obs: &Observation) -> Option<u64> {
    obs.binding_acks_from("HA1")
        .find(|b| b.entry.dst == "MN" && !b.deregisters() && b.accepted())
        .map(|b| b.frame())
}

/// A frame before `until` where MN A gave up what it holds (deregistration or IKE SA
/// deletion): B then no longer asked while A's binding existed.
fn a_left_before(obs: &Observation, until: u64) -> Option<u64> {
    let dereg = obs
        .binding_updates_from("MN")
        .find(|b| b.frame() < until && b.deregisters())
        .map(|b| b.frame());
    let delete = obs
        .ike_requests(Exchange::Informational, Some("MN"))
        .find(|m| m.frame() < until && m.has_delete)
        .map(|m| m.frame());
    dereg.or(delete)
}

/// MN A asked for FCFS_HOA, got it and is registered: the allocation the tests build on.
/// Returns A's exchange and the frame of its BA.
fn a_holds_fcfs_hoa(obs: &Observation) -> Result<(Auth<'_>, u64), Outcome> {
    let a = auth_of(obs, "MN", "MN A (mn1.example.com)")?;
    if a.asked().as_deref() != Some(FCFS_HOA) {
        return Err(
            Outcome::inconclusive(format!("MN A did not ask for {FCFS_HOA}"))
                .with_frames(pcap(obs), [a.req.frame()]),
        );
    }
    match a.given() {
        Some(g) if g == FCFS_HOA => {}
        other => {
            return Err(Outcome::fail(format!(
                "MN A asked for {FCFS_HOA}, on the home prefix and used by nobody, and was \
                 given {} (notify {:?}): FCFS lets an MN request any unused address",
                other.as_deref().unwrap_or("no address"),
                notify_types(&a.resp)
            ))
            .with_frames(pcap(obs), a.frames()))
        }
    }
    let Some(ba) = a_registered(obs) else {
        return Err(Outcome::inconclusive(format!(
            "MN A got {FCFS_HOA} but was never registered: no binding to hold it"
        ))
        .with_frames(pcap(obs), a.frames()));
    };
    Ok((a, ba))
}

/// §9.2 FCFS: "the home agent maintains a pool of 'used' addresses, and allows mobile nodes
/// to request any address, as long as it is not used by another mobile node. Addresses MUST
/// be marked as used for at least as long as the binding exists, and are associated with the
/// identity of the mobile node that made the allocation." MN A (mn1) asks for an unused
/// address and registers it; while its binding exists MN B (mn2) asks for the same address.
#[mip6lab_suite::test_purpose]
pub fn fcfs_used_address_refused() -> TestPurpose {
    two_mns(
        "TP-SPLIT-HA-FCFS-01",
        "HA gives a requested free address to the first MN and refuses it to a second one",
        &[
            "RFC5026-9.2-HA-MUST-8",
            "RFC5026-9.2-HA-MUST-9",
            "RFC5026-9.2-HA-MUST-10",
        ],
        &["ha.auth.psk", "ha.hoa.assigned", "ha.hoa.fcfs"],
        &[],
        A_ASKS,
        &[(
            "MIP6LAB_KNOBS",
            "mn.start_delay_ms=1500,mn.request_hoa=2001:db8:1:100::1234",
        )],
        judge_fcfs_used_address_refused,
    )
}

pub fn judge_fcfs_used_address_refused(obs: &Observation) -> Outcome {
    let (a, ba) = try_step!(a_holds_fcfs_hoa(obs));
    let b = try_step!(auth_of(obs, "MN2", "MN B (mn2.example.com)"));
    let mut frames = vec![a.req.frame(), a.resp.frame(), ba];
    frames.extend(b.frames());
    if b.asked().as_deref() != Some(FCFS_HOA) || b.req.frame() < ba {
        return Outcome::inconclusive(format!(
            "MN B did not ask for {FCFS_HOA} after MN A was registered"
        ))
        .with_frames(pcap(obs), frames);
    }
    if let Some(f) = a_left_before(obs, b.resp.frame()) {
        frames.push(f);
        return Outcome::inconclusive("MN A left before the HA answered MN B: not exercised")
            .with_frames(pcap(obs), frames);
    }
    match b.given() {
        Some(g) if g == FCFS_HOA => Outcome::fail(format!(
            "mn2.example.com was given {FCFS_HOA}, which mn1.example.com got first and holds \
             with a binding"
        ))
        .with_frames(pcap(obs), frames),
        Some(g) => Outcome::pass(format!(
            "mn1.example.com asked for {FCFS_HOA} and got it; while its binding existed \
             mn2.example.com asked for it and was given {g}"
        ))
        .with_frames(pcap(obs), frames),
        None => Outcome::pass(format!(
            "mn1.example.com asked for {FCFS_HOA} and got it; while its binding existed \
             mn2.example.com asked for it and got no address (notify {:?})",
            notify_types(&b.resp)
        ))
        .with_frames(pcap(obs), frames),
    }
}

/// §9.2: used addresses "are associated with the identity of the mobile node that made the
/// allocation": while mn1's binding holds the address, mn1 asking again (a second IKE SA,
/// from another care-of address) gets it; TP-SPLIT-HA-FCFS-01 shows that mn2 does not.
#[mip6lab_suite::test_purpose]
pub fn fcfs_identity_gets_it_again() -> TestPurpose {
    two_mns(
        "TP-SPLIT-HA-FCFS-IDENTITY-01",
        "HA gives a used address again to the identity that allocated it",
        &["RFC5026-9.2-HA-MUST-10", "RFC4877-10-HA-MUST-1"],
        &["ha.auth.psk", "ha.hoa.assigned", "ha.hoa.fcfs"],
        &[],
        &[
            ("mn", "MIP6LAB_KNOBS", "mn.request_hoa=2001:db8:1:100::1234"),
            ("mn2", "MIP6LAB_ID", "mn1.example.com"),
        ],
        &[(
            "MIP6LAB_KNOBS",
            "mn.start_delay_ms=1500,mn.request_hoa=2001:db8:1:100::1234,mn.stop_after_ike=true",
        )],
        judge_fcfs_identity_gets_it_again,
    )
}

pub fn judge_fcfs_identity_gets_it_again(obs: &Observation) -> Outcome {
    let (a, ba) = try_step!(a_holds_fcfs_hoa(obs));
    let again = try_step!(auth_of(obs, "MN2", "the second MN of mn1.example.com"));
    let mut frames = vec![a.req.frame(), a.resp.frame(), ba];
    frames.extend(again.frames());
    if again.idi() != a.idi() || again.asked().as_deref() != Some(FCFS_HOA) {
        return Outcome::inconclusive(format!(
            "the second MN did not ask for {FCFS_HOA} as {} (IDi {:?})",
            a.idi().unwrap_or("?"),
            again.idi()
        ))
        .with_frames(pcap(obs), frames);
    }
    if again.req.frame() < ba {
        return Outcome::inconclusive("the second MN asked before MN A was registered")
            .with_frames(pcap(obs), frames);
    }
    if let Some(f) = a_left_before(obs, again.resp.frame()) {
        frames.push(f);
        return Outcome::inconclusive("MN A left before the HA answered: not exercised")
            .with_frames(pcap(obs), frames);
    }
    match again.given() {
        Some(g) if g == FCFS_HOA => Outcome::pass(format!(
            "{FCFS_HOA}, bound to mn1.example.com, was given to mn1.example.com again on a \
             second IKE SA"
        ))
        .with_frames(pcap(obs), frames),
        other => Outcome::fail(format!(
            "mn1.example.com, which allocated {FCFS_HOA} and holds its binding, asked for it \
             again and was given {} (notify {:?})",
            other.as_deref().unwrap_or("no address"),
            notify_types(&again.resp)
        ))
        .with_frames(pcap(obs), frames),
    }
}

/// RFC 4877 §9: "In case the home agent is unable to allocate a home address for the mobile
/// node during the IKE_AUTH exchange, it MUST send a Notify Payload with an
/// INTERNAL_ADDRESS_FAILURE message." PIXIT: the HA's pool holds one address
/// (`MIP6LAB_HOA_POOL_SIZE=1`); MN A takes it, then MN B asks for any address.
#[mip6lab_suite::test_purpose]
pub fn pool_exhausted_address_failure() -> TestPurpose {
    two_mns(
        "TP-SPLIT-HA-ADDR-FAILURE-01",
        "HA answers INTERNAL_ADDRESS_FAILURE when its home address pool is exhausted",
        &["RFC4877-9-HA-MUST-1"],
        &["ha.auth.psk", "ha.hoa.assigned", "ha.hoa.pool_size"],
        &[("MIP6LAB_HOA_POOL_SIZE", "1")],
        &[],
        &[("MIP6LAB_KNOBS", "mn.start_delay_ms=1500")],
        judge_pool_exhausted_address_failure,
    )
}

pub fn judge_pool_exhausted_address_failure(obs: &Observation) -> Outcome {
    let a = try_step!(auth_of(obs, "MN", "MN A (mn1.example.com)"));
    let Some(only) = a.given() else {
        return Outcome::inconclusive(format!(
            "MN A got no address (notify {:?}): the one-address pool was not taken",
            notify_types(&a.resp)
        ))
        .with_frames(pcap(obs), a.frames());
    };
    let b = try_step!(auth_of(obs, "MN2", "MN B (mn2.example.com)"));
    let mut frames = a.frames().to_vec();
    frames.extend(b.frames());
    if b.req.frame() < a.resp.frame() {
        return Outcome::inconclusive("MN B asked before MN A had its address")
            .with_frames(pcap(obs), frames);
    }
    if let Some(f) = a_left_before(obs, b.resp.frame()) {
        frames.push(f);
        return Outcome::inconclusive("MN A gave its address back before MN B asked")
            .with_frames(pcap(obs), frames);
    }
    let notifies = notify_types(&b.resp);
    let failure = b.resp.has_notify(notify::INTERNAL_ADDRESS_FAILURE);
    match b.given() {
        Some(g) if g == only => Outcome::fail(format!(
            "the pool's only address {only}, held by MN A, was given to MN B as well"
        ))
        .with_frames(pcap(obs), frames),
        Some(g) => Outcome::inconclusive(format!(
            "MN B was given {g}: the pool was not exhausted (does the HA honour \
             MIP6LAB_HOA_POOL_SIZE=1?)"
        ))
        .with_frames(pcap(obs), frames),
        None if failure => Outcome::pass(format!(
            "MN A holds the pool's only address {only}; MN B's IKE_AUTH answer carries \
             INTERNAL_ADDRESS_FAILURE (36) and no address"
        ))
        .with_frames(pcap(obs), frames),
        None => Outcome::fail(format!(
            "no address left for MN B, and the HA's IKE_AUTH answer has no \
             INTERNAL_ADDRESS_FAILURE (notify {notifies:?})"
        ))
        .with_frames(pcap(obs), frames),
    }
}
