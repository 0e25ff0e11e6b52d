//! MN under test: the variants of bootstrapping around the registration — certificate and
//! EAP authentication (RFC 4877 §7.3, §8), the auto-configured home address (RFC 5026
//! §5.3.2, incl. USE_ASSIGNED_HoA and BA status 134) and HA failover (§5.1.2).

use crate::mn_registration::{
    assigned, bus, child_requests, distinct_ike_sas_to, failover, flow_stopped, gave_up,
    ha1_ike_auth_response, idi_text, ike_auth_request, internal_address, mpd_messages, prefix_of,
    proposed, requested_attribute, tp, tsi_address, within, IKE_GIVE_UP_BOUND,
};
use mip6lab_suite::observe::{
    id_type, notify, or_unknown, pcap, same_name, Carrier, CfgType, CpAttributeType, Exchange,
    IkeMessage, TrafficSelector,
};
use mip6lab_suite::try_step;
use mip6lab_suite::{Observation, Outcome, TestPurpose};
use std::net::Ipv6Addr;

const AUTOCONF: &[(&str, &str)] = &[
    ("MIP6LAB_DOMAIN", "example.com"),
    ("MIP6LAB_HOA_MODE", "autoconf"),
];

// ------------------------------------------------------------- authentication

/// RFC 4877 §7.3: "When PKI-based authentication is used …, the identity presented by the
/// mobile node in the IDi payload MUST correspond to the identity in the certificate";
/// RFC 5026 §9.5: "the authorization information about the FQDN for DNS update MUST be
/// present in the certificate". The harness HA verifies the certificate against IDi.
#[mip6lab_suite::test_purpose]
pub fn auth_cert() -> TestPurpose {
    with_certificate(tp(
        "TP-SPLIT-MN-AUTH-CERT-01",
        "MN authenticates with a certificate whose identity is its IDi FQDN",
        &["RFC4877-7.3-MN-MUST-3", "RFC5026-9.5-MN-MUST-3"],
        judge_auth_cert,
    ))
}

/// The MN and the harness HA authenticate with certificates (one lab run for the tests that
/// judge the certificate exchange).
const fn with_certificate(tp: TestPurpose) -> TestPurpose {
    tp.iut_env(&[("MIP6LAB_DOMAIN", "example.com"), ("MIP6LAB_AUTH", "cert")])
        .peer_env(&[("ha", "MIP6LAB_AUTH", "cert")])
        .pics(&["mn.auth.cert"])
}

pub fn judge_auth_cert(obs: &Observation) -> Outcome {
    let m = try_step!(ike_auth_request(obs));
    let e = m.entry;
    let Some(cert) = m.certificates.first() else {
        return Outcome::fail("the MN's IKE_AUTH request carries no CERT payload")
            .with_frames(pcap(obs), [e.frame]);
    };
    let method = m.auth_method_text();
    if !m.auth_is_signature() {
        return Outcome::fail(format!(
            "AUTH method {method} is not a signature (1, 9–11, 14) although a certificate was sent"
        ))
        .with_frames(pcap(obs), [e.frame]);
    }
    let idi = idi_text(&m);
    let Some(rm) = obs.ike_responses(Exchange::IkeAuth, Some("HA1")).next() else {
        return flow_stopped(obs, "HA1's IKE_AUTH response").with_frames(pcap(obs), [e.frame]);
    };
    let re = rm.entry;
    // The harness HA refuses a certificate whose subjectAltName is not IDi.
    if rm.has_notify(notify::AUTHENTICATION_FAILED) {
        return Outcome::fail(format!(
            "the HA refused the MN's certificate for IDi `{idi}` (AUTHENTICATION_FAILED)"
        ))
        .with_frames(pcap(obs), [e.frame, re.frame]);
    }
    if !rm.has_auth() {
        return Outcome::inconclusive("the HA's IKE_AUTH response has no AUTH")
            .with_frames(pcap(obs), [e.frame, re.frame]);
    }
    Outcome::pass(format!(
        "CERT (encoding {}) with AUTH method {method} for IDi `{idi}`; the HA verified the \
         certificate against IDi",
        or_unknown(cert.encoding)
    ))
    .with_frames(pcap(obs), [e.frame, re.frame])
}

/// RFC 5026 §9.5: "if the certificate type is 'X.509 Certificate - Signature' …, then the
/// FQDN may appear in the subjectAltName attribute extension". Same setup as
/// TP-SPLIT-MN-AUTH-CERT-01 (one lab run for both).
#[mip6lab_suite::test_purpose]
pub fn cert_fqdn_in_subject_alt_name() -> TestPurpose {
    with_certificate(tp(
        "TP-SPLIT-MN-CERT-FQDN-01",
        "MN's X.509 certificate carries its FQDN as a subjectAltName dNSName",
        &["RFC5026-9.5-MN-MAY-1"],
        judge_cert_fqdn,
    ))
}

/// RFC 4877 §9: "The mobile node MAY include multiple instances of the INTERNAL_IP6_ADDRESS
/// to request multiple home address to the assigned by the home agent." The MN is asked
/// (`MIP6LAB_HOA_COUNT=2`) for two; the harness HA returns one, which the MN must then use.
#[mip6lab_suite::test_purpose]
pub fn several_home_addresses() -> TestPurpose {
    tp(
        "TP-SPLIT-MN-HOA-MULTI-01",
        "MN asks for several home addresses with several INTERNAL_IP6_ADDRESS attributes",
        &["RFC4877-9-MN-MAY-1"],
        judge_several_home_addresses,
    )
    .iut_env(&[
        ("MIP6LAB_DOMAIN", "example.com"),
        ("MIP6LAB_HOA_COUNT", "2"),
    ])
    .pics(&["mn.hoa.multiple"])
}

/// The certificate is the lab's (fixtures/pki/mn1.pem): what it holds is never credited to
/// the MN. The MN's part is what it does with it: it sends it in CERT, and names itself in
/// IDi (ID_FQDN) by the FQDN the certificate's subjectAltName carries.
pub fn judge_cert_fqdn(obs: &Observation) -> Outcome {
    let m = try_step!(ike_auth_request(obs));
    let e = m.entry;
    let Some(cert) = m.certificates.first() else {
        return Outcome::fail(
            "the MN, configured for certificate authentication, sent no CERT payload in its \
             IKE_AUTH request",
        )
        .with_frames(pcap(obs), [e.frame]);
    };
    if cert.encoding != Some(4) {
        return Outcome::inconclusive(format!(
            "the MN's CERT has encoding {}, not X.509 Certificate - Signature (4)",
            or_unknown(cert.encoding)
        ))
        .with_frames(pcap(obs), [e.frame]);
    }
    let Some(san) = cert.alt_names_text() else {
        return Outcome::inconclusive(
            "cannot judge: the harness could not parse the MN's X.509 certificate",
        )
        .with_frames(pcap(obs), [e.frame]);
    };
    let Some(idi) = m.idi.as_ref() else {
        return Outcome::fail("the MN's IKE_AUTH request has no IDi")
            .with_frames(pcap(obs), [e.frame]);
    };
    if idi.id_type != Some(id_type::ID_FQDN) {
        return Outcome::inconclusive(format!(
            "the MN's IDi has ID type {} (`{}`), not ID_FQDN: it does not name itself by an \
             FQDN, so the certificate's dNSName is not its identity here",
            or_unknown(idi.id_type),
            idi.id
        ))
        .with_frames(pcap(obs), [e.frame]);
    }
    let names: Vec<&str> = cert.dns_names();
    if names.is_empty() {
        return Outcome::inconclusive(format!(
            "the certificate the MN sent has no dNSName (subjectAltName {san}); the lab's \
             certificate has one, so the MN sent another"
        ))
        .with_frames(pcap(obs), [e.frame]);
    }
    if names.iter().any(|n| same_name(n, &idi.id)) {
        Outcome::pass(format!(
            "the MN sent its X.509 certificate in CERT and names itself in IDi (ID_FQDN) `{}`, \
             the dNSName in that certificate's subjectAltName",
            idi.id
        ))
        .with_frames(pcap(obs), [e.frame])
    } else {
        Outcome::fail(format!(
            "the MN's IDi `{}` is not the dNSName {names:?} of the certificate it sent",
            idi.id
        ))
        .with_frames(pcap(obs), [e.frame])
    }
}

/// RFC 4877 §8: "The mobile node indicates that it wants to use EAP by including the IDi
/// payload but leaving out the AUTH payload in the first message during the IKE_AUTH
/// exchange." The harness HA relays EAP to FreeRADIUS (the MSA's AAA, RFC 5026 §5.4).
#[mip6lab_suite::test_purpose]
pub fn auth_eap() -> TestPurpose {
    tp(
        "TP-SPLIT-MN-AUTH-EAP-01",
        "MN asks for EAP by leaving AUTH out of its first IKE_AUTH request",
        &["RFC4877-8-MN-MUST-1"],
        judge_auth_eap,
    )
    .iut_env(&[("MIP6LAB_DOMAIN", "example.com"), ("MIP6LAB_AUTH", "eap")])
    .peer_env(&[("ha", "MIP6LAB_AUTH", "eap")])
    .pics(&["mn.auth.eap"])
}

pub fn judge_auth_eap(obs: &Observation) -> Outcome {
    let m = try_step!(ike_auth_request(obs));
    let e = m.entry;
    if m.idi.is_none() {
        return Outcome::fail("the first IKE_AUTH request has no IDi")
            .with_frames(pcap(obs), [e.frame]);
    }
    if m.has_auth() {
        return Outcome::fail(
            "the first IKE_AUTH request carries AUTH: the MN did not ask for EAP",
        )
        .with_frames(pcap(obs), [e.frame]);
    }
    let eap: Vec<u64> = obs
        .ike_requests(Exchange::IkeAuth, Some("MN"))
        .filter(|m| m.eap_code.is_some())
        .map(|m| m.frame())
        .collect();
    let last = obs
        .ike_requests(Exchange::IkeAuth, Some("MN"))
        .filter(IkeMessage::has_auth)
        .last();
    match (eap.first(), last) {
        (Some(x), Some(l)) => Outcome::pass(format!(
            "IDi without AUTH, then {} EAP round(s), then AUTH from the MSK",
            eap.len()
        ))
        .with_frames(pcap(obs), [e.frame, *x, l.frame()]),
        _ => flow_stopped(obs, "the MN's IKE_AUTH request with AUTH after EAP")
            .with_frames(pcap(obs), [e.frame]),
    }
}

// ------------------------------------------------------ auto-configured HoA (§5.3.2)

/// §5.3.2: "the Mobile Node includes the MIP6_HOME_PREFIX attribute in the CFG_REQUEST"
/// (§8.2: length 0), "auto-configures a Home Address from the prefix returned in the
/// CFG_REPLY message and runs a CREATE_CHILD_SA exchange to create security associations for
/// the new Home Address"; RFC 4877 §7.3: its HoA as the TSi address.
#[mip6lab_suite::test_purpose]
pub fn hoa_autoconf() -> TestPurpose {
    tp(
        "TP-SPLIT-MN-HOA-AUTOCONF-01",
        "MN asks for the home prefix, auto-configures a HoA and creates SAs for it",
        &[
            "RFC5026-5.3.2-MN-MUST-3",
            "RFC5026-5.3.2-MN-MUST-4",
            "RFC5026-5.3.2-MN-MUST-5",
            "RFC5026-5.3.2-MN-MUST-6",
            "RFC5026-8.2-MN-MUST-1",
            "RFC4877-7.3-MN-MUST-2",
            "RFC4877-4.4-ANY-MUST-1",
        ],
        judge_hoa_autoconf,
    )
    .iut_env(AUTOCONF)
    .pics(&["mn.hoa.autoconf"])
}

pub fn judge_hoa_autoconf(obs: &Observation) -> Outcome {
    let m = try_step!(ike_auth_request(obs));
    let e = m.entry;
    let attr = try_step!(requested_attribute(
        obs,
        &m,
        &CpAttributeType::Mip6HomePrefix,
        "MIP6_HOME_PREFIX"
    ));
    if attr.len != Some(0) {
        return Outcome::fail(format!(
            "MIP6_HOME_PREFIX in the CFG_REQUEST has length {}, not 0 (§8.2)",
            or_unknown(attr.len)
        ))
        .with_frames(pcap(obs), [e.frame]);
    }
    let rm = try_step!(ha1_ike_auth_response(obs, e.frame));
    let re = rm.entry;
    let Some(prefix) = prefix_of(&rm) else {
        return flow_stopped(obs, "a home prefix in HA1's CFG_REPLY")
            .with_frames(pcap(obs), [e.frame, re.frame]);
    };
    let Some(cm) = child_requests(obs, re.frame).into_iter().next() else {
        // A BU after the reply shows the MN went on without SAs for the new HoA.
        if let Some(b) = bus(obs).into_iter().find(|b| b.frame() > re.frame) {
            return Outcome::fail(
                "the MN sent a BU after the CFG_REPLY without a CREATE_CHILD_SA: no SA for the \
                 auto-configured HoA",
            )
            .with_frames(pcap(obs), [e.frame, re.frame, b.frame()]);
        }
        return flow_stopped(obs, "the MN's CREATE_CHILD_SA for its auto-configured HoA")
            .with_frames(pcap(obs), [e.frame, re.frame]);
    };
    let ce = cm.entry;
    let Some(hoa) = tsi_address(&cm) else {
        return Outcome::fail("the CREATE_CHILD_SA TSi is not a single home address")
            .with_frames(pcap(obs), [e.frame, re.frame, ce.frame]);
    };
    if !within(hoa, prefix) {
        return Outcome::fail(format!(
            "the CREATE_CHILD_SA TSi {hoa} is outside the home prefix the HA returned"
        ))
        .with_frames(pcap(obs), [e.frame, re.frame, ce.frame]);
    }
    let Some(bu) = bus(obs)
        .into_iter()
        .find(|b| b.frame() > ce.frame && !b.deregisters())
    else {
        return flow_stopped(obs, "a BU for the new HoA after its CREATE_CHILD_SA")
            .with_frames(pcap(obs), [e.frame, re.frame, ce.frame]);
    };
    let be = bu.entry;
    if bu.home_address != Some(hoa) {
        return Outcome::fail(format!(
            "the BU is for HoA {}, not the auto-configured {hoa} of the new SA",
            bu.home_address
                .map_or_else(|| "none".to_owned(), |h| h.to_string())
        ))
        .with_frames(pcap(obs), [e.frame, re.frame, ce.frame, be.frame]);
    }
    Outcome::pass(format!(
        "MIP6_HOME_PREFIX (length 0) requested; HoA {hoa} auto-configured from the reply, SAs \
         created for it with CREATE_CHILD_SA (TSi = HoA), BU sent for it"
    ))
    .with_frames(pcap(obs), [e.frame, re.frame, ce.frame, be.frame])
}

/// §5.3.2: "If the Mobile Node gets a "USE_ASSIGNED_HoA" Notify Payload …, it looks for an
/// INTERNAL_IP6_ADDRESS attribute and MUST use the address contained in it in the
/// subsequent CREATE_CHILD_SA exchange."
#[mip6lab_suite::test_purpose]
pub fn use_assigned_hoa() -> TestPurpose {
    tp(
        "TP-SPLIT-MN-USE-ASSIGNED-01",
        "MN told USE_ASSIGNED_HoA uses the assigned address in CREATE_CHILD_SA",
        &["RFC5026-5.3.2-MN-MUST-7"],
        judge_use_assigned_hoa,
    )
    .iut_env(AUTOCONF)
    .peer_env(&[("ha", "MIP6LAB_HA_AUTOCONF", "no")])
    .pics(&["mn.hoa.autoconf"])
}

pub fn judge_use_assigned_hoa(obs: &Observation) -> Outcome {
    let Some(rm) = obs.ike_responses(Exchange::IkeAuth, Some("HA1")).last() else {
        return flow_stopped(obs, "HA1's IKE_AUTH response");
    };
    let re = rm.entry;
    if !rm.has_notify(notify::USE_ASSIGNED_HOA) {
        return Outcome::inconclusive(
            "the harness HA sent no USE_ASSIGNED_HoA (did the MN ask for MIP6_HOME_PREFIX?)",
        )
        .with_frames(pcap(obs), [re.frame]);
    }
    let Some(assigned) = internal_address(&rm, CfgType::Reply) else {
        return Outcome::inconclusive("USE_ASSIGNED_HoA came without INTERNAL_IP6_ADDRESS")
            .with_frames(pcap(obs), [re.frame]);
    };
    let Some(cm) = child_requests(obs, re.frame).into_iter().next() else {
        if let Some(b) = bus(obs).into_iter().find(|b| b.frame() > re.frame) {
            return Outcome::fail(
                "the MN sent a BU after USE_ASSIGNED_HoA without a CREATE_CHILD_SA for the \
                 assigned address",
            )
            .with_frames(pcap(obs), [re.frame, b.frame()]);
        }
        return flow_stopped(obs, "the MN's CREATE_CHILD_SA after USE_ASSIGNED_HoA")
            .with_frames(pcap(obs), [re.frame]);
    };
    let ce = cm.entry;
    match tsi_address(&cm) {
        Some(a) if a == assigned => Outcome::pass(format!(
            "USE_ASSIGNED_HoA with {assigned}; the MN's CREATE_CHILD_SA uses it as TSi"
        ))
        .with_frames(pcap(obs), [re.frame, ce.frame]),
        other => Outcome::fail(format!(
            "the HA assigned {assigned}, the CREATE_CHILD_SA TSi is {}",
            other.map_or_else(|| "a range".into(), |a| a.to_string())
        ))
        .with_frames(pcap(obs), [re.frame, ce.frame]),
    }
}

/// §5.3.2: "If the Mobile Node receives a Binding Acknowledgement with status 134 (DAD
/// failed), it MUST stop using the current Home Address, configure a new HoA, and then run
/// IKEv2 CREATE_CHILD_SA exchange … The Mobile Node does not need to run IKE_INIT and
/// IKE_AUTH exchanges again. … the Mobile Node sends a Binding Update for the new Home
/// Address." The harness HA answers the first BU for an auto-configured HoA with 134.
#[mip6lab_suite::test_purpose]
pub fn dad_failed_134() -> TestPurpose {
    tp(
        "TP-SPLIT-MN-DAD-134-01",
        "After BA status 134 the MN picks a new HoA and creates SAs for it with CREATE_CHILD_SA",
        &[
            "RFC5026-5.3.2-MN-MUST-8",
            "RFC5026-5.3.2-MN-MUST-9",
            "RFC5026-5.3.2-MN-MUST-10",
            "RFC5026-5.3.2-MN-MUST-11",
        ],
        judge_dad_failed_134,
    )
    .iut_env(AUTOCONF)
    .peer_env(&[("ha", "MIP6LAB_KNOBS", "ha.dad_fail_first=true")])
    .pics(&["mn.hoa.autoconf"])
}

pub fn judge_dad_failed_134(obs: &Observation) -> Outcome {
    let p = pcap(obs);
    let Some(ba) = obs.binding_acks_from("HA1").find(|b| b.status == Some(134)) else {
        return flow_stopped(obs, "HA1's BA with status 134 (the stimulus)");
    };
    let be = ba.entry;
    let old = ba.routed_to;
    let old_text = old.map_or_else(String::new, |a| a.to_string());
    let inits_after = obs
        .ike_requests(Exchange::IkeSaInit, Some("MN"))
        .filter(|m| m.frame() > be.frame)
        .count();
    let later: Vec<_> = bus(obs)
        .into_iter()
        .filter(|b| b.frame() > be.frame)
        .collect();
    if let Some(b) = later
        .iter()
        .find(|b| old.is_some() && b.home_address == old)
    {
        return Outcome::fail(format!(
            "after status 134 the MN sent another BU for the refused HoA {old_text}"
        ))
        .with_frames(p, [be.frame, b.frame()]);
    }
    let Some(cm) = child_requests(obs, be.frame).into_iter().next() else {
        if inits_after > 0 {
            return Outcome::fail(format!(
                "after status 134 the MN ran IKE_SA_INIT again ({inits_after}) instead of a \
                 CREATE_CHILD_SA on its IKE SA"
            ))
            .with_frames(p, [be.frame]);
        }
        return flow_stopped(
            obs,
            "the MN's CREATE_CHILD_SA for a new HoA after status 134",
        )
        .with_frames(p, [be.frame]);
    };
    let ce = cm.entry;
    if inits_after > 0 {
        return Outcome::fail("the MN ran IKE_SA_INIT again after status 134")
            .with_frames(p, [be.frame, ce.frame]);
    }
    let Some(new) = tsi_address(&cm).filter(|a| Some(*a) != old) else {
        return Outcome::fail("the CREATE_CHILD_SA after 134 is not for a new single HoA")
            .with_frames(p, [be.frame, ce.frame]);
    };
    match later
        .iter()
        .find(|b| b.frame() > ce.frame && b.home_address == Some(new))
    {
        Some(b) => Outcome::pass(format!(
            "BA 134 for {old_text}; CREATE_CHILD_SA on the same IKE SA for new HoA {new}; BU \
             for {new}"
        ))
        .with_frames(p, [be.frame, ce.frame, b.frame()]),
        None => flow_stopped(obs, &format!("a BU for the new HoA {new} after its SA"))
            .with_frames(p, [be.frame, ce.frame]),
    }
}

// ------------------------------------ Mobile Prefix Discovery, then autoconf (§5.3.2)

pub fn judge_mpd_switch(obs: &Observation) -> Outcome {
    let p = pcap(obs);
    let mps = mpd_messages(obs, false, "MN");
    let Some(sm) = mps.iter().find(|m| m.carrier != Carrier::Plain) else {
        if let Some(m) = mps.first() {
            return Outcome::fail(
                "the MN sent its Mobile Prefix Solicitation without ESP (RFC 4877 §4.3: \
                 protected like BUs, on an SA with ICMPv6 selectors)",
            )
            .with_frames(p, [m.entry.frame]);
        }
        return flow_stopped(
            obs,
            "a Mobile Prefix Solicitation (ICMPv6 146) from the MN after registering its \
             assigned HoA",
        );
    };
    let se = sm.entry;
    let Some(hao) = sm.home_address else {
        return Outcome::fail("the MN's MPS carries no Home Address option (RFC 6275 §6.7)")
            .with_frames(p, [se.frame]);
    };
    let id = sm.identifier;
    let Some(am) = mpd_messages(obs, true, "HA1")
        .into_iter()
        .find(|m| m.carrier != Carrier::Plain && m.entry.frame > se.frame && m.identifier == id)
    else {
        return Outcome::inconclusive("the harness HA sent no MPA over ESP for the MN's MPS")
            .with_frames(p, [se.frame]);
    };
    let ae = am.entry;
    let Some(prefix) = am
        .prefixes
        .iter()
        .filter(|x| x.autonomous())
        .find_map(|x| x.prefix)
    else {
        return Outcome::inconclusive("the harness HA's MPA has no autonomous prefix")
            .with_frames(p, [se.frame, ae.frame]);
    };
    let Some((ce, new)) = child_requests(obs, ae.frame)
        .into_iter()
        .find_map(|m| tsi_address(&m).map(|a| (m.entry, a)))
    else {
        return flow_stopped(
            obs,
            "the MN's CREATE_CHILD_SA for a new HoA after the Mobile Prefix Advertisement",
        )
        .with_frames(p, [se.frame, ae.frame]);
    };
    if !within(new, prefix) {
        return Outcome::fail(format!(
            "the CREATE_CHILD_SA TSi {new} is outside the advertised prefix"
        ))
        .with_frames(p, [se.frame, ae.frame, ce.frame]);
    }
    if new == hao {
        return Outcome::fail(format!(
            "the CREATE_CHILD_SA after the MPA is for the HoA in use ({hao}), not a new one"
        ))
        .with_frames(p, [se.frame, ae.frame, ce.frame]);
    }
    let Some(be) = bus(obs)
        .into_iter()
        .find(|b| b.frame() > ce.frame && b.home_address == Some(new) && !b.deregisters())
        .map(|b| b.entry)
    else {
        return flow_stopped(obs, &format!("a BU for the auto-configured HoA {new}"))
            .with_frames(p, [se.frame, ae.frame, ce.frame]);
    };
    // Informative: RFC 4877 §4.3 (SHOULD) wants ICMPv6 types as selectors, i.e. the MPS on
    // an SA of its own rather than on the MH SA.
    let spi = obs.esp_packet_in(se.frame).and_then(|e| e.spi);
    let own_sa = obs
        .ike_responses(Exchange::CreateChildSa, Some("HA1"))
        .any(|m| {
            m.frame() < se.frame
                && m.first_tsi().is_some_and(|t| t.protocol == Some(58))
                && m.proposals
                    .iter()
                    .any(|p| p.esp_spi().is_some_and(|x| Some(x) == spi))
        });
    let on = if own_sa {
        "on its ICMPv6 146-147 SA"
    } else {
        "not on an SA with ICMPv6 selectors"
    };
    Outcome::pass(format!(
        "ESP-protected MPS with HAO {hao} ({on}); MPA from HA1 with the same Identifier; \
         CREATE_CHILD_SA with TSi = {new} (in the advertised prefix, not {hao}); BU for {new}"
    ))
    .with_frames(p, [se.frame, ae.frame, ce.frame, be.frame])
}

// ------------------------------------------------------------ HA failover (§5.1.2)

/// §5.1.2: "If the Home Agent of choice does not respond to the IKE_SA_INIT messages or if
/// IKEv2 authentication fails, the Mobile Node SHOULD try the next Home Agent on the list."
#[mip6lab_suite::test_purpose]
pub fn failover_no_answer() -> TestPurpose {
    tp(
        "TP-SPLIT-MN-FAILOVER-SILENT-01",
        "MN whose first HA does not answer IKE_SA_INIT tries the next HA",
        &["RFC5026-5.1.2-MN-SHOULD-1"],
        judge_failover_no_answer,
    )
    .iut_env(&[
        ("MIP6LAB_DOMAIN", "example.com"),
        // PIXIT: a lab link answers in well under a millisecond, so one second is ample. An
        // MN that ignores it gives up on its own schedule within the window below.
        ("MIP6LAB_IKE_TIMEOUT_SECS", "1"),
    ])
    .peer_env(&[("ha", "MIP6LAB_KNOBS", "ha.silent=true")])
    // Giving up on HA1, then IKEv2 with HA2 and the registration.
    .observe_for(IKE_GIVE_UP_BOUND.saturating_add(std::time::Duration::from_secs(30)))
}

pub fn judge_failover_no_answer(obs: &Observation) -> Outcome {
    if obs
        .ike_responses(Exchange::IkeSaInit, Some("HA1"))
        .next()
        .is_some()
    {
        return Outcome::inconclusive("HA1 answered: the stimulus (a silent HA) did not happen");
    }
    failover(obs, "did not answer IKE_SA_INIT")
}

#[mip6lab_suite::test_purpose]
pub fn failover_auth_failed() -> TestPurpose {
    tp(
        "TP-SPLIT-MN-FAILOVER-AUTH-01",
        "MN whose authentication fails with the first HA tries the next HA",
        &["RFC5026-5.1.2-MN-SHOULD-1"],
        judge_failover_auth_failed,
    )
    .peer_env(&[("ha", "MIP6LAB_PSK", "not-the-mn1-key")])
}

pub fn judge_failover_auth_failed(obs: &Observation) -> Outcome {
    let refused = obs
        .ike_responses(Exchange::IkeAuth, Some("HA1"))
        .any(|m| m.has_notify(notify::AUTHENTICATION_FAILED));
    if !refused {
        return flow_stopped(obs, "HA1's AUTHENTICATION_FAILED (the stimulus)");
    }
    failover(obs, "refused authentication")
}

// ------------------------------------------------------ several home addresses

pub fn judge_several_home_addresses(obs: &Observation) -> Outcome {
    let m = try_step!(ike_auth_request(obs));
    let e = m.entry;
    let asked = m
        .configs
        .iter()
        .filter(|c| c.cfg_type == CfgType::Request)
        .flat_map(|c| c.all(&CpAttributeType::InternalIp6Address))
        .count();
    if asked < 2 {
        return Outcome::fail(format!(
            "asked for two home addresses, the MN's CFG_REQUEST has {asked} INTERNAL_IP6_ADDRESS"
        ))
        .with_frames(pcap(obs), [e.frame]);
    }
    // What the HA gave, and that the MN registered one of them and nothing else.
    let given: Vec<String> = obs
        .ike_responses(Exchange::IkeAuth, Some("HA1"))
        .flat_map(|r| r.configs)
        .filter(|c| c.cfg_type == CfgType::Reply)
        .flat_map(|c| {
            c.all(&CpAttributeType::InternalIp6Address)
                .filter_map(|a| a.address())
                .map(|a| a.to_string())
                .collect::<Vec<_>>()
        })
        .collect();
    let Some(bu) = bus(obs).into_iter().next() else {
        return flow_stopped(obs, "a BU for a home address the HA gave")
            .with_frames(pcap(obs), [e.frame]);
    };
    let be = bu.entry;
    let hoa = bu.home_address.map_or_else(String::new, |h| h.to_string());
    if given.contains(&hoa) {
        Outcome::pass(format!(
            "{asked} INTERNAL_IP6_ADDRESS in the CFG_REQUEST; the HA gave {given:?} and the MN \
             registered {hoa}"
        ))
        .with_frames(pcap(obs), [e.frame, be.frame])
    } else {
        Outcome::fail(format!(
            "the HA gave {given:?}, but the MN registered {hoa}"
        ))
        .with_frames(pcap(obs), [e.frame, be.frame])
    }
}

// ------------------------------------------------- pre-configured home prefix (§5.3.2)

const PRECONF: &[(&str, &str)] = &[
    ("MIP6LAB_DOMAIN", "example.com"),
    ("MIP6LAB_MN_HOME_PREFIX", "2001:db8:1:100::/64"),
];

/// §5.3.2: "the Mobile Node creates a Home Address based on the pre-configured prefix and
/// sends it to the Home Agent, including an INTERNAL_IP6_ADDRESS attribute in a
/// Configuration Payload of type CFG_REQUEST."
#[mip6lab_suite::test_purpose]
pub fn hoa_preconfigured() -> TestPurpose {
    tp(
        "TP-SPLIT-MN-HOA-PRECONF-01",
        "MN with a pre-configured home prefix proposes a HoA from it in INTERNAL_IP6_ADDRESS",
        &["RFC5026-5.3.2-MN-MUST-1"],
        judge_hoa_preconfigured,
    )
    .iut_env(PRECONF)
    .pics(&["mn.hoa.preconfigured"])
}

pub fn judge_hoa_preconfigured(obs: &Observation) -> Outcome {
    let m = try_step!(ike_auth_request(obs));
    let e = m.entry;
    let home = (Ipv6Addr::new(0x2001, 0xdb8, 1, 0x100, 0, 0, 0, 0), 64);
    match proposed(&m) {
        Some(a) if within(a, home) => Outcome::pass(format!(
            "INTERNAL_IP6_ADDRESS proposes {a}, built on the pre-configured prefix"
        ))
        .with_frames(pcap(obs), [e.frame]),
        Some(a) => Outcome::fail(format!(
            "the proposed HoA {a} is not on the pre-configured prefix 2001:db8:1:100::/64"
        ))
        .with_frames(pcap(obs), [e.frame]),
        None => Outcome::fail(
            "the CFG_REQUEST proposes no address (empty or missing INTERNAL_IP6_ADDRESS)",
        )
        .with_frames(pcap(obs), [e.frame]),
    }
}

/// §5.3.2: "If the Home Address provided by the Mobile Node is not valid, the Home Agent
/// assigns a different Home Address … the Mobile Node MUST use the address sent by the Home
/// Agent"; RFC 4877 §9: it "MUST stop using its old home address and start using the newly
/// allocated home address". The harness HA holds the MN's proposal as another MN's address.
#[mip6lab_suite::test_purpose]
pub fn hoa_reassigned() -> TestPurpose {
    tp(
        "TP-SPLIT-MN-HOA-REASSIGNED-01",
        "MN whose proposed HoA is refused uses the one the HA assigns instead",
        &[
            "RFC5026-5.3.2-MN-MUST-2",
            "RFC4877-9-MN-MUST-1",
            "RFC4877-9-MN-MUST-2",
        ],
        judge_hoa_reassigned,
    )
    .iut_env(PRECONF)
    .peer_env(&[(
        "ha",
        "MIP6LAB_CONFIGURED_HOAS",
        "mn2.example.com=2001:db8:1:100::100",
    )])
    .pics(&["mn.hoa.preconfigured"])
}

pub fn judge_hoa_reassigned(obs: &Observation) -> Outcome {
    let m = try_step!(ike_auth_request(obs));
    let e = m.entry;
    let Some(asked) = proposed(&m) else {
        return Outcome::inconclusive("the MN proposed no address, so nothing was refused")
            .with_frames(pcap(obs), [e.frame]);
    };
    let rm = try_step!(ha1_ike_auth_response(obs, e.frame));
    let re = rm.entry;
    let Some(given) = assigned(&rm).filter(|g| *g != asked) else {
        return Outcome::inconclusive(format!(
            "the harness HA did not assign another address than the proposed {asked}"
        ))
        .with_frames(pcap(obs), [e.frame, re.frame]);
    };
    let later = bus(obs);
    if let Some(be) = later
        .iter()
        .find(|b| b.home_address == Some(asked))
        .map(|b| b.entry)
    {
        // Both in use: the new one taken up (MUST-2) but the old one not dropped (MUST-1).
        if let Some(ne) = later
            .iter()
            .find(|b| b.frame() < be.frame && b.home_address == Some(given))
            .map(|b| b.entry)
        {
            return Outcome::fail(format!(
                "the MN registered the assigned {given}, then still sent a BU for its old \
                 HoA {asked} (RFC 4877 §9: stop using it)"
            ))
            .with_frames(pcap(obs), [e.frame, re.frame, ne.frame, be.frame]);
        }
        return Outcome::fail(format!(
            "the HA assigned {given}, but the MN sent a BU for its own proposal {asked}"
        ))
        .with_frames(pcap(obs), [e.frame, re.frame, be.frame]);
    }
    match later.iter().find(|b| b.home_address == Some(given)) {
        Some(b) => Outcome::pass(format!(
            "proposed {asked}, the HA assigned {given}, the MN registered {given}"
        ))
        .with_frames(pcap(obs), [e.frame, re.frame, b.frame()]),
        None => flow_stopped(obs, &format!("a BU for the assigned HoA {given}"))
            .with_frames(pcap(obs), [e.frame, re.frame]),
    }
}

// ------------------------------------------------ no HA usable (§5.1.2, last part)

/// §5.1.2: "If none of the Home Agents respond, the Mobile Node SHOULD try again after a
/// period of time that is configurable on the Mobile Node."
#[mip6lab_suite::test_purpose]
pub fn retry_after_period() -> TestPurpose {
    tp(
        "TP-SPLIT-MN-RETRY-01",
        "MN that no HA answers tries the list again after its configured period",
        &["RFC5026-5.1.2-MN-SHOULD-2"],
        judge_retry_after_period,
    )
    .iut_env(&[
        ("MIP6LAB_DOMAIN", "example.com"),
        // PIXITs: the period before the list is tried again (§5.1.2 "configurable"), and the
        // IKE give-up time (see IKE_GIVE_UP_BOUND).
        ("MIP6LAB_RETRY_SECS", "1"),
        ("MIP6LAB_IKE_TIMEOUT_SECS", "1"),
    ])
    .peer_env(&[
        ("ha", "MIP6LAB_KNOBS", "ha.silent=true"),
        ("ha2", "MIP6LAB_KNOBS", "ha.silent=true"),
    ])
    .until_event(None)
    // Both HAs given up on, the period, then the new IKE_SA_INIT to HA1: an MN on its own
    // IKE schedule needs two give-ups; the reference exits after its second round (~5 s).
    .observe_for(
        IKE_GIVE_UP_BOUND
            .saturating_mul(2)
            .saturating_add(std::time::Duration::from_secs(30)),
    )
}

pub fn judge_retry_after_period(obs: &Observation) -> Outcome {
    let ha1 = distinct_ike_sas_to(obs, "HA1");
    let ha2 = distinct_ike_sas_to(obs, "HA2");
    if obs
        .ike_responses(Exchange::IkeSaInit, None)
        .next()
        .is_some()
    {
        return Outcome::inconclusive("an HA answered: the stimulus (no HA answers) failed");
    }
    let (Some(first), Some(second)) = (ha1.first(), ha2.first()) else {
        return flow_stopped(obs, "the MN's IKE_SA_INIT to both HAs of the list");
    };
    match ha1.iter().find(|(f, _)| *f > second.0) {
        Some(again) => Outcome::pass(
            "no HA answered; after trying HA1 and HA2 the MN started a new IKE SA with HA1",
        )
        .with_frames(pcap(obs), [first.0, second.0, again.0]),
        None => gave_up(
            obs,
            "no HA answered HA1's and HA2's IKE_SA_INIT",
            "trying the list again after its configured period",
            &[first.0, second.0],
        ),
    }
}

/// §5.1.2: "If IKEv2 authentication fails with all Home Agents, it is an unrecoverable error
/// on the Mobile Node." Observed on the wire: after both refusals, no new IKE SA.
#[mip6lab_suite::test_purpose]
pub fn unrecoverable_auth_failure() -> TestPurpose {
    tp(
        "TP-SPLIT-MN-AUTH-ALL-FAIL-01",
        "MN whose authentication fails with every HA stops (unrecoverable)",
        &["RFC5026-5.1.2-MN-MUST-2"],
        judge_unrecoverable,
    )
    .peer_env(&[
        ("ha", "MIP6LAB_PSK", "not-the-mn1-key"),
        ("ha2", "MIP6LAB_PSK", "not-the-mn1-key"),
    ])
    .until_event(None)
    .observe_for(std::time::Duration::from_secs(30))
}

pub fn judge_unrecoverable(obs: &Observation) -> Outcome {
    let p = pcap(obs);
    let refusals: Vec<_> = obs
        .ike_responses(Exchange::IkeAuth, None)
        .filter(|m| m.has_notify(notify::AUTHENTICATION_FAILED))
        .map(|m| m.entry)
        .collect();
    let from = |r: &str| refusals.iter().find(|e| e.src == r).map(|e| e.frame);
    let Some(a) = from("HA1") else {
        return flow_stopped(obs, "HA1's AUTHENTICATION_FAILED");
    };
    // The positive control: refused by HA1, the MN went on to HA2 — alive, and acting on a
    // refusal. Without it, its silence after HA2 would prove nothing.
    let Some(b) = from("HA2").filter(|b| *b > a) else {
        return flow_stopped(obs, "the MN's IKE_AUTH with HA2 after HA1 refused it")
            .with_frames(p, [a]);
    };
    let moved_on = obs
        .ike_requests(Exchange::IkeSaInit, Some("MN"))
        .find(|m| m.entry.dst == "HA2" && m.frame() > a && m.frame() < b)
        .map_or(b, |m| m.frame());
    if let Some(e) = obs
        .ike_requests(Exchange::IkeSaInit, Some("MN"))
        .find(|m| m.frame() > b)
        .map(|m| m.entry)
    {
        return Outcome::fail(format!(
            "authentication failed with every HA, yet the MN started IKEv2 again (to {})",
            e.dst
        ))
        .with_frames(p, [a, moved_on, b, e.frame]);
    }
    // A frame of the MN's that cannot be read may be a new attempt.
    if let Some(o) = obs.cannot_judge(Some("MN"), b + 1, "whether the MN stopped") {
        return o;
    }
    Outcome::pass(match obs.iut_exit {
        Some(c) => format!(
            "HA1 refused authentication and the MN moved on to HA2, which refused it too; the \
             MN then stopped (exit code {c}) and started no new IKE SA"
        ),
        None => "HA1 refused authentication and the MN moved on to HA2, which refused it too; \
                 no new IKE SA within the observation"
            .to_string(),
    })
    .with_frames(p, [a, moved_on, b])
}

// ------------------------------------------------------------- HA certificate (§9.1)

/// §9.1: "If the Mobile Node can detect that the certificate is not trustworthy, the attack
/// will be foiled when the Mobile Node attempts to set up the IKE SA." The harness HA presents
/// a certificate from a CA the MN does not trust, issued to another name. RFC 4306 §1.2: "The
/// recipients of messages 3 and 4 MUST verify that all signatures and MACs are computed
/// correctly and that the names in the ID payloads correspond to the keys used to generate
/// the AUTH payload."
#[mip6lab_suite::test_purpose]
pub fn untrusted_ha_certificate() -> TestPurpose {
    tp(
        "TP-SPLIT-MN-UNTRUSTED-HA-01",
        "MN refuses an HA whose certificate it cannot trust",
        &["RFC5026-9.1-MN-MUST-2", "RFC4306-1.2-MN-MUST-1"],
        judge_untrusted_ha_certificate,
    )
    .iut_env(&[("MIP6LAB_DOMAIN", "example.com"), ("MIP6LAB_AUTH", "cert")])
    .peer_env(&[
        ("ha", "MIP6LAB_AUTH", "cert"),
        ("ha", "MIP6LAB_CERT", "/etc/mip6lab/pki/untrusted-cert.pem"),
        ("ha", "MIP6LAB_KEY", "/etc/mip6lab/pki/untrusted-key.pem"),
    ])
    .until_event(None)
    .observe_for(std::time::Duration::from_secs(30))
    .pics(&["mn.auth.cert"])
}

pub fn judge_untrusted_ha_certificate(obs: &Observation) -> Outcome {
    let p = pcap(obs);
    let Some(rm) = obs.ike_responses(Exchange::IkeAuth, Some("HA1")).next() else {
        return flow_stopped(obs, "HA1's IKE_AUTH response with its certificate");
    };
    let re = rm.entry;
    if !rm.decrypted() {
        return Outcome::inconclusive(
            "HA1's IKE_AUTH response was not decrypted: cannot see the certificate it presented",
        )
        .with_frames(p, [re.frame]);
    }
    if rm.certificates.is_empty() {
        return Outcome::inconclusive("HA1's IKE_AUTH response carries no CERT: no stimulus")
            .with_frames(p, [re.frame]);
    }
    let used: Vec<u64> = bus(obs)
        .into_iter()
        .filter(|b| b.entry.dst == "HA1")
        .map(|b| b.frame())
        .chain(
            obs.ike_requests(Exchange::CreateChildSa, Some("MN"))
                .filter(|m| m.entry.dst == "HA1")
                .map(|m| m.frame()),
        )
        .collect();
    if let Some(f) = used.first() {
        return Outcome::fail(
            "the MN went on with HA1 (CREATE_CHILD_SA or BU) after an untrusted certificate",
        )
        .with_frames(p, [re.frame, *f]);
    }
    if let Some(o) = obs.cannot_judge(Some("MN"), re.frame, "whether the MN used HA1") {
        return o;
    }
    // The positive control: after HA1's certificate the MN acted on the wire — it told HA1
    // (INFORMATIONAL: AUTHENTICATION_FAILED or Delete) or turned to another HA. Silence
    // alone would not show that it checked the certificate at all.
    let told_ha1 = obs
        .ike_requests(Exchange::Informational, Some("MN"))
        .find(|m| {
            m.entry.dst == "HA1"
                && m.frame() > re.frame
                && (m.has_delete || m.has_notify(notify::AUTHENTICATION_FAILED))
        })
        .map(|m| {
            (
                m.frame(),
                "told HA1 (INFORMATIONAL with AUTHENTICATION_FAILED or Delete)",
            )
        });
    let next_ha = obs
        .ike_requests(Exchange::IkeSaInit, Some("MN"))
        .find(|m| m.frame() > re.frame)
        .map(|m| (m.frame(), "started IKEv2 anew"));
    match told_ha1.or(next_ha) {
        Some((f, how)) => Outcome::pass(format!(
            "HA1 presented an untrusted certificate; the MN {how} and used no SA with HA1"
        ))
        .with_frames(p, [re.frame, f]),
        // An exit without a word on the wire cannot be told from a crash: not reached.
        None => flow_stopped(
            obs,
            "the MN's refusal on the wire (INFORMATIONAL to HA1, or IKEv2 with another HA)",
        )
        .with_frames(p, [re.frame]),
    }
}

/// RFC 4877 §4.3: "The home agent and mobile node SHOULD support Mobility Header message type
/// as an IPsec selector." Seen in the MN's traffic selectors for its MH Child SA.
#[mip6lab_suite::test_purpose]
pub fn mh_type_selectors() -> TestPurpose {
    tp(
        "TP-SPLIT-MN-TS-MHTYPE-01",
        "MN's Child SA selectors name protocol 135 and the MH types of BU and BA",
        &["RFC4877-4.3-ANY-SHOULD-1"],
        judge_mh_type_selectors,
    )
}

/// The MH types of the MN's BU/BA SA (RFC 6275 §6.1: BU 5, BA 6): what RFC 4877 §4.3's
/// selector narrows to ("BU 0x0500, BA 0x0600" in the port fields).
const BU_BA_TYPES: std::ops::RangeInclusive<u8> = 5..=6;

pub fn judge_mh_type_selectors(obs: &Observation) -> Outcome {
    let m = try_step!(ike_auth_request(obs));
    let e = m.entry;
    let selectors: Vec<(&str, &TrafficSelector)> = [("TSi", &m.tsi), ("TSr", &m.tsr)]
        .into_iter()
        .flat_map(|(side, ts)| ts.iter().flatten().map(move |t| (side, t)))
        .collect();
    if selectors.is_empty() {
        return Outcome::fail("the IKE_AUTH request proposes no traffic selectors")
            .with_frames(pcap(obs), [e.frame]);
    }
    // Every selector of the MH SA must name protocol 135 and only the BU/BA types: a wildcard
    // (ports 0–65535, i.e. MH types 0–255) selects every MH message, not BU/BA.
    for (side, ts) in &selectors {
        let reason = match (ts.protocol, ts.mh_types) {
            (Some(135), Some((a, b))) if BU_BA_TYPES.contains(&a) && BU_BA_TYPES.contains(&b) => {
                continue
            }
            (Some(135), Some((a, b))) => format!(
                "{side} selects MH types {a}-{b}, not only BU (5) and BA (6): the MH type is \
                 not used as a selector"
            ),
            (Some(135), None) => format!(
                "{side} selects protocol 135 with port fields {} that encode no MH type range",
                ts.ports
                    .map_or_else(|| "?".to_owned(), |(a, b)| format!("{a}-{b}"))
            ),
            (p, _) => format!(
                "{side} selects protocol {} without MH types: all traffic, not BU/BA only",
                or_unknown(p)
            ),
        };
        return Outcome::fail(reason).with_frames(pcap(obs), [e.frame]);
    }
    let ranges: Vec<String> = selectors
        .iter()
        .filter_map(|(side, t)| t.mh_types.map(|(a, b)| format!("{side} {a}-{b}")))
        .collect();
    Outcome::pass(format!(
        "every selector names protocol 135 (MH) narrowed to the BU/BA types in the port \
         fields ({})",
        ranges.join(", ")
    ))
    .with_frames(pcap(obs), [e.frame])
}

// -------------------------------------------- no home address (RFC 4877 §9)

/// RFC 4877 §9: "When the mobile node receives a Notify Payload with an
/// INTERNAL_ADDRESS_FAILURE message, it SHOULD terminate the IKE_AUTH exchange. The mobile node
/// then should initiate a new IKE_SA_INIT and IKE_AUTH exchange and try to auto-configure a
/// home address … The mobile node MAY also switch to another home agent." The harness HA has
/// no address and no prefix to give; HA2 is a normal HA.
#[mip6lab_suite::test_purpose]
pub fn internal_address_failure() -> TestPurpose {
    tp(
        "TP-SPLIT-MN-ADDR-FAILURE-01",
        "MN refused a home address ends that IKE SA and starts anew (auto-configuration or another HA)",
        &[
            "RFC4877-9-MN-SHOULD-2",
            "RFC4877-9-MN-SHOULD-3",
            "RFC4877-9-MN-MAY-2",
        ],
        judge_internal_address_failure,
    )
    .peer_env(&[("ha", "MIP6LAB_KNOBS", "ha.no_address=true")])
}

/// §5.3.2: "Later, if the Mobile Node wants to use an auto-configured Home Address (e.g.,
/// based on CGA), it can run Mobile Prefix Discovery, obtain a prefix, auto-configure a new
/// Home Address, and then perform a new CREATE_CHILD_SA exchange." The MN registers the HoA
/// the harness HA assigns (§5.3.1), then is asked (`MIP6LAB_SWITCH_TO_AUTOCONF`) to switch.
#[mip6lab_suite::test_purpose]
pub fn mpd_switch() -> TestPurpose {
    tp(
        "TP-SPLIT-MN-MPD-SWITCH-01",
        "MN runs Mobile Prefix Discovery over ESP, then CREATE_CHILD_SA and a BU for an \
         auto-configured HoA",
        &["RFC5026-5.3.2-MN-MAY-1"],
        judge_mpd_switch,
    )
    .iut_env(&[
        ("MIP6LAB_DOMAIN", "example.com"),
        ("MIP6LAB_SWITCH_TO_AUTOCONF", "yes"),
    ])
    .pics(&["mn.hoa.mpd_switch"])
}

pub fn judge_internal_address_failure(obs: &Observation) -> Outcome {
    let p = pcap(obs);
    let Some(failure) = obs
        .ike_responses(Exchange::IkeAuth, Some("HA1"))
        .find(|m| m.has_notify(notify::INTERNAL_ADDRESS_FAILURE))
    else {
        return flow_stopped(obs, "HA1's INTERNAL_ADDRESS_FAILURE");
    };
    let fe = failure.entry;
    let old_spi = failure.ispi;
    let inits = || obs.ike_requests(Exchange::IkeSaInit, Some("MN"));
    if let Some(e) = bus(obs)
        .into_iter()
        .find(|b| b.entry.dst == "HA1" && b.frame() > fe.frame)
        .map(|b| b.entry)
    {
        let again = inits().any(|x| x.frame() > fe.frame && x.frame() < e.frame);
        if !again {
            return Outcome::fail("the MN sent a BU on the SA that got INTERNAL_ADDRESS_FAILURE")
                .with_frames(p, [fe.frame, e.frame]);
        }
    }
    let Some(ne) = inits()
        .find(|m| m.frame() > fe.frame && m.ispi != old_spi)
        .map(|m| m.entry)
    else {
        return gave_up(
            obs,
            "HA1 answered INTERNAL_ADDRESS_FAILURE",
            "a new IKE_SA_INIT (for auto-configuration or with another HA)",
            &[fe.frame],
        );
    };
    let autoconf = obs.ike_requests(Exchange::IkeAuth, Some("MN")).find(|m| {
        m.frame() > ne.frame
            && m.config(CfgType::Request)
                .and_then(|c| c.first(&CpAttributeType::Mip6HomePrefix))
                .is_some()
    });
    let deleted = obs
        .ike_requests(Exchange::Informational, Some("MN"))
        .any(|m| m.frame() > fe.frame && m.frame() < ne.frame && m.has_delete);
    let how = match (autoconf, ne.dst.as_str()) {
        (Some(_), _) => "a new IKE SA asking for MIP6_HOME_PREFIX (auto-configuration)".to_string(),
        (None, d) => format!("a new IKE SA with {d}"),
    };
    Outcome::pass(format!(
        "INTERNAL_ADDRESS_FAILURE: the MN {} the refused IKE SA and started {how}",
        if deleted { "deleted" } else { "abandoned" }
    ))
    .with_frames(p, [fe.frame, ne.frame])
}
