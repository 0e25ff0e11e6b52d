//! HA under test: resistance to an IKE_SA_INIT flood (RFC 5026 §9.1) and the binding of a
//! certificate to the identity an MN claims (RFC 4877 §7.3). The harness's MN is the stimulus,
//! with BIND and FreeRADIUS around as in every split test.

use mip6lab_suite::observe::{id_type, notify, or_unknown, pcap, AltName, Exchange, IkeMessage};
use mip6lab_suite::{Observation, Outcome, TestPurpose};
use std::net::IpAddr;
use std::time::Duration;

const COOKIE: u16 = notify::COOKIE;

// ------------------------------------------------------------------ cookies (§9.1)

/// Requests the tester leaves half open before its own exchange: more than the 16 half-open
/// SAs an HA of modest means might keep, so that an HA without cookies is seen to drop or
/// delay the legitimate MN.
const FLOOD: &str = "mn.init_flood=20";
const FLOOD_SIZE: usize = 20;
/// Full answers (half-open SAs) to the flood without any COOKIE demand that make a FAIL: half
/// the flood, well above the reference's 4 and common defaults of 10 or fewer.
const COOKIE_LIMIT: usize = FLOOD_SIZE / 2;
/// INVALID_KE_PAYLOAD (RFC 7296 §3.10.1): the responder wants another DH group.
const INVALID_KE_PAYLOAD: u16 = 17;

/// §9.1: "DoS attacks of moderate intensity should be foiled during the IKEv2 transaction";
/// "IKEv2 implementations are expected to generate their cookies without any saved state".
/// The tester sends 20 IKE_SA_INIT requests it never continues, then registers.
#[mip6lab_suite::test_purpose]
pub fn cookies_under_flood() -> TestPurpose {
    crate::ha_iut::tp(
        "TP-SPLIT-HA-COOKIE-01",
        "HA answers an IKE_SA_INIT flood with stateless cookies and still serves the MN",
        &["RFC5026-9.1-HA-SHOULD-1", "RFC5026-9.1-HA-SHOULD-2"],
        &["ha.auth.psk", "ha.hoa.assigned"],
        &[],
        &[("MIP6LAB_KNOBS", FLOOD)],
        judge_cookies_under_flood,
    )
    // A mutant that drops the MN never reports `done`; the rest is bounded here.
    .observe_for(Duration::from_secs(25))
}

pub fn judge_cookies_under_flood(obs: &Observation) -> Outcome {
    let inits: Vec<IkeMessage> = obs.ike_requests(Exchange::IkeSaInit, Some("MN")).collect();
    // The legitimate MN is the one whose SPI goes on to IKE_AUTH, or (if it never got
    // there) the one whose request was repeated; every flood request has its own SPI.
    let spi = |m: &IkeMessage| m.ispi;
    let legit = obs
        .ike_requests(Exchange::IkeAuth, Some("MN"))
        .next()
        .map(|m| spi(&m))
        .or_else(|| {
            inits
                .iter()
                .map(spi)
                .find(|s| inits.iter().filter(|m| spi(m) == *s).count() > 1)
        });
    // Flood requests: SPIs sent once and never taken further.
    let flood_spis: Vec<_> = inits
        .iter()
        .map(spi)
        .filter(|s| Some(*s) != legit && inits.iter().filter(|x| spi(x) == *s).count() == 1)
        .collect();
    let flood = flood_spis.len();
    if flood < FLOOD_SIZE / 2 {
        return Outcome::inconclusive(format!(
            "the tester's flood did not reach the HA ({flood} stray IKE_SA_INIT requests seen)"
        ));
    }
    let answers: Vec<IkeMessage> = obs
        .ike_responses(Exchange::IkeSaInit, Some("HA1"))
        .collect();
    let to_flood: Vec<&IkeMessage> = answers
        .iter()
        .filter(|m| flood_spis.contains(&spi(m)))
        .collect();
    // Full answers: each leaves a half-open SA at the HA.
    let full: Vec<u64> = to_flood
        .iter()
        .filter(|m| m.has_sa && m.has_ke && !m.has_notify(COOKIE))
        .map(|m| m.frame())
        .collect();
    if answers.is_empty() {
        return Outcome::not_reached(
            format!("the tester's flood of {flood} IKE_SA_INIT requests"),
            "silence: the HA answered none of them, nor the tester's own request",
        )
        .with_frames(pcap(obs), inits.iter().map(|m| m.frame()).take(3));
    }
    // An HA that wants another DH group answers statelessly; the tester adapts its flood to
    // the group named, so only a group it cannot offer leaves every answer so.
    if !to_flood.is_empty() && to_flood.iter().all(|m| m.has_notify(INVALID_KE_PAYLOAD)) {
        return Outcome::not_reached(
            format!("the tester's flood of {flood} IKE_SA_INIT requests"),
            "the HA answered each with INVALID_KE_PAYLOAD: it wants a DH group the tester \
             does not offer, so no request reached its half-open state",
        )
        .with_frames(pcap(obs), to_flood.iter().map(|m| m.frame()).take(3));
    }
    let cookies: Vec<IkeMessage> = obs
        .ike_responses(Exchange::IkeSaInit, Some("HA1"))
        .filter(|m| m.has_notify(COOKIE))
        .collect();
    let auth_done = obs
        .ike_responses(Exchange::IkeAuth, Some("HA1"))
        .find(IkeMessage::has_auth)
        .map(|m| m.entry);
    let Some(ce) = cookies.first().map(|m| m.entry) else {
        // §9.1 SHOULD: a moderate flood is foiled with cookies, not by keeping state for it.
        if full.len() >= COOKIE_LIMIT {
            return Outcome::fail(format!(
                "the HA answered {} of {flood} flood IKE_SA_INIT requests with full responses \
                 (SA, KE: a half-open SA each) and demanded no COOKIE",
                full.len()
            ))
            .with_frames(pcap(obs), full.iter().copied().take(3));
        }
        return match auth_done {
            Some(ae) => Outcome::inconclusive(format!(
                "the HA demanded no COOKIE during a flood of {flood} requests, kept state for \
                 only {} of them and served the MN: the flood did not reach its cookie threshold",
                full.len()
            ))
            .with_frames(pcap(obs), [ae.frame]),
            None => Outcome::fail(format!(
                "during a flood of {flood} half-open IKE_SA_INIT requests the HA demanded no \
                 COOKIE and the legitimate MN got no IKE SA"
            ))
            .with_frames(pcap(obs), inits.iter().map(|m| m.frame()).take(3)),
        };
    };
    // Stateless: a COOKIE answer names no responder SPI (RFC 7296 §2.6, §3.10.1).
    if let Some(m) = cookies.iter().find(|m| m.rspi.is_some_and(|r| r.0 != 0)) {
        return Outcome::fail(format!(
            "a COOKIE answer carries responder SPI {}: the HA kept state for it",
            or_unknown(m.rspi)
        ))
        .with_frames(pcap(obs), [m.frame()]);
    }
    let Some(legit) = legit else {
        return Outcome::inconclusive("the tester's own IKE_SA_INIT could not be told apart")
            .with_frames(pcap(obs), [ce.frame]);
    };
    let Some(re) = inits
        .iter()
        .find(|m| spi(m) == legit && m.has_notify(COOKIE))
        .map(|m| m.entry)
    else {
        return match auth_done {
            Some(ae) => Outcome::inconclusive(
                "the HA demanded cookies from the flood but not from the tester's own request",
            )
            .with_frames(pcap(obs), [ce.frame, ae.frame]),
            None => {
                Outcome::inconclusive("the tester never repeated its IKE_SA_INIT with the cookie")
                    .with_frames(pcap(obs), [ce.frame])
            }
        };
    };
    let full = obs
        .ike_responses(Exchange::IkeSaInit, Some("HA1"))
        .find(|m| m.frame() > re.frame && spi(m) == legit && m.has_sa && m.has_ke);
    let Some(fe) = full.map(|m| m.entry) else {
        return Outcome::fail(
            "the HA did not accept the repeated IKE_SA_INIT that carried its own cookie",
        )
        .with_frames(pcap(obs), [ce.frame, re.frame]);
    };
    match auth_done {
        Some(ae) => Outcome::pass(format!(
            "{} COOKIE answers with responder SPI 0 during a flood of {flood}; the MN's request \
             with the cookie was accepted and IKE_AUTH completed",
            cookies.len()
        ))
        .with_frames(pcap(obs), [ce.frame, re.frame, fe.frame, ae.frame]),
        None => Outcome::fail("the HA accepted the cookie but did not complete IKE_AUTH")
            .with_frames(pcap(obs), [ce.frame, re.frame, fe.frame]),
    }
}

// ------------------------------------------------- certificate and IDi (RFC 4877 §7.3)

const PROPOSED_HOA: &str = "2001:db8:1:100::77";

/// RFC 4877 §7.3: "If the mobile node presents its home address in the IDi payload, then the
/// home agent MUST verify that the home address matches the address in an iPAddress field in
/// the SubjectAltName extension." The tester authenticates with mn1's certificate (only a
/// dNSName) and presents the home address it asks for as an ID_IPV6_ADDR IDi.
#[mip6lab_suite::test_purpose]
pub fn certificate_must_name_the_idi_address() -> TestPurpose {
    crate::ha_iut::tp(
        "TP-SPLIT-HA-CERT-IDI-ADDR-01",
        "HA refuses a home address in IDi that the MN's certificate does not carry",
        &["RFC4877-7.3-HA-MUST-1"],
        &["ha.auth.cert"],
        &[("MIP6LAB_AUTH", "cert")],
        &[
            ("MIP6LAB_AUTH", "cert"),
            (
                "MIP6LAB_KNOBS",
                "mn.request_hoa=2001:db8:1:100::77,mn.idi_type=hoa",
            ),
        ],
        judge_certificate_must_name_the_idi_address,
    )
    .until_event(None)
    .observe_for(Duration::from_secs(30))
}

pub fn judge_certificate_must_name_the_idi_address(obs: &Observation) -> Outcome {
    let Some(qm) = obs.ike_requests(Exchange::IkeAuth, Some("MN")).next() else {
        return Outcome::inconclusive("the tester sent no IKE_AUTH request");
    };
    let qe = qm.entry;
    if !qm.decrypted() {
        return Outcome::inconclusive("the tester's IKE_AUTH request could not be decrypted")
            .with_frames(pcap(obs), [qe.frame]);
    }
    // The stimulus as sent: IDi an address, and a certificate without it.
    let idi = qm.idi.as_ref();
    if idi.and_then(|i| i.id_type) != Some(id_type::ID_IPV6_ADDR)
        || idi.map(|i| i.id.as_str()) != Some(PROPOSED_HOA)
    {
        return Outcome::inconclusive(format!(
            "the tester did not present {PROPOSED_HOA} as an ID_IPV6_ADDR IDi"
        ))
        .with_frames(pcap(obs), [qe.frame]);
    }
    let cert = qm.certificates.first();
    let san = cert.and_then(|c| c.alt_names_text()).unwrap_or_default();
    let proposed: Option<IpAddr> = PROPOSED_HOA.parse().ok();
    if cert
        .and_then(|c| c.alt_names.as_ref())
        .is_some_and(|names| {
            names
                .iter()
                .any(|n| matches!(n, AltName::Ip(a) if Some(*a) == proposed))
        })
    {
        return Outcome::inconclusive(format!(
            "the tester's certificate does carry {PROPOSED_HOA} (san {san})"
        ))
        .with_frames(pcap(obs), [qe.frame]);
    }
    let Some(rm) = obs.ike_responses(Exchange::IkeAuth, Some("HA1")).next() else {
        return Outcome::fail("the HA did not answer the IKE_AUTH request")
            .with_frames(pcap(obs), [qe.frame]);
    };
    let re = rm.entry;
    if !rm.decrypted() {
        return Outcome::inconclusive("the HA's IKE_AUTH response could not be decrypted")
            .with_frames(pcap(obs), [qe.frame, re.frame]);
    }
    if rm.has_auth() || !rm.configs.is_empty() || rm.has_sa {
        return Outcome::fail(format!(
            "IDi {PROPOSED_HOA} with a certificate naming only {san}: the HA completed IKE_AUTH"
        ))
        .with_frames(pcap(obs), [qe.frame, re.frame]);
    }
    if rm.has_notify(notify::AUTHENTICATION_FAILED) {
        Outcome::pass(format!(
            "IDi {PROPOSED_HOA}, certificate subjectAltName {san}: AUTHENTICATION_FAILED"
        ))
        .with_frames(pcap(obs), [qe.frame, re.frame])
    } else {
        Outcome::fail(format!(
            "the HA refused the IKE_AUTH request but not with AUTHENTICATION_FAILED ({:?})",
            rm.notifies
                .iter()
                .filter_map(|n| n.notify_type.map(|t| t.to_string()))
                .collect::<Vec<_>>()
        ))
        .with_frames(pcap(obs), [qe.frame, re.frame])
    }
}
