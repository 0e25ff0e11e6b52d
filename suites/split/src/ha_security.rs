//! HA under test: resistance to an IKE_SA_INIT flood (RFC 5026 §9.1) and the binding of a
//! certificate to the identity an MN claims (RFC 4877 §7.3). The harness's MN is the stimulus,
//! with BIND and FreeRADIUS around as in every split test.

use mip6lab_suite::observe::{all_of, ike};
use mip6lab_suite::{Entry, Message, Observation, Outcome, TestPurpose};
use std::time::Duration;

fn pcap(obs: &Observation) -> &str {
    obs.pcap.as_str()
}

const COOKIE: &str = "16390";

fn has_notify(m: &Message, kind: &str) -> bool {
    all_of(m, "N").iter().any(|n| n.get("type") == Some(kind))
}

// ------------------------------------------------------------------ cookies (§9.1)

/// Requests the tester leaves half open before its own exchange: more than the 16 half-open
/// SAs an HA of modest means might keep, so that an HA without cookies is seen to drop or
/// delay the legitimate MN.
const FLOOD: &str = "mn.init_flood=20";
const FLOOD_SIZE: usize = 20;

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
    let inits: Vec<(&Entry, &Message)> = ike(obs, "IKE_SA_INIT request", Some("MN")).collect();
    // The legitimate MN is the one whose SPI goes on to IKE_AUTH, or (if it never got
    // there) the one whose request was repeated; every flood request has its own SPI.
    let spi = |m: &Message| m.get("ispi").unwrap_or_default().to_string();
    let legit = ike(obs, "IKE_AUTH request", Some("MN"))
        .next()
        .map(|(_, m)| spi(m))
        .or_else(|| {
            inits
                .iter()
                .map(|(_, m)| spi(m))
                .find(|s| inits.iter().filter(|(_, m)| spi(m) == *s).count() > 1)
        });
    // Flood requests: SPIs sent once and never taken further.
    let flood = inits
        .iter()
        .filter(|(_, m)| {
            let s = spi(m);
            Some(&s) != legit.as_ref() && inits.iter().filter(|(_, x)| spi(x) == s).count() == 1
        })
        .count();
    if flood < FLOOD_SIZE / 2 {
        return Outcome::inconclusive(format!(
            "the tester's flood did not reach the HA ({flood} stray IKE_SA_INIT requests seen)"
        ));
    }
    let cookies: Vec<(&Entry, &Message)> = ike(obs, "IKE_SA_INIT response", Some("HA1"))
        .filter(|(_, m)| has_notify(m, COOKIE))
        .collect();
    let auth_done =
        ike(obs, "IKE_AUTH response", Some("HA1")).find(|(_, m)| m.find("AUTH").is_some());
    let Some((ce, _)) = cookies.first() else {
        return match auth_done {
            Some((ae, _)) => Outcome::inconclusive(format!(
                "the HA demanded no COOKIE during a flood of {flood} requests but served the MN: \
                 its cookie threshold is above this flood"
            ))
            .with_frames(pcap(obs), [ae.frame]),
            None => Outcome::fail(format!(
                "during a flood of {flood} half-open IKE_SA_INIT requests the HA demanded no \
                 COOKIE and the legitimate MN got no IKE SA"
            ))
            .with_frames(pcap(obs), inits.iter().map(|(e, _)| e.frame).take(3)),
        };
    };
    // Stateless: a COOKIE answer names no responder SPI (RFC 7296 §2.6, §3.10.1).
    if let Some((e, m)) = cookies
        .iter()
        .find(|(_, m)| m.get("rspi").is_some_and(|r| r.chars().any(|c| c != '0')))
    {
        return Outcome::fail(format!(
            "a COOKIE answer carries responder SPI {}: the HA kept state for it",
            m.get("rspi").unwrap_or("?")
        ))
        .with_frames(pcap(obs), [e.frame]);
    }
    let Some(legit) = legit else {
        return Outcome::inconclusive("the tester's own IKE_SA_INIT could not be told apart")
            .with_frames(pcap(obs), [ce.frame]);
    };
    let Some((re, _)) = inits
        .iter()
        .find(|(_, m)| spi(m) == legit && has_notify(m, COOKIE))
    else {
        return match auth_done {
            Some((ae, _)) => Outcome::inconclusive(
                "the HA demanded cookies from the flood but not from the tester's own request",
            )
            .with_frames(pcap(obs), [ce.frame, ae.frame]),
            None => {
                Outcome::inconclusive("the tester never repeated its IKE_SA_INIT with the cookie")
                    .with_frames(pcap(obs), [ce.frame])
            }
        };
    };
    let full = ike(obs, "IKE_SA_INIT response", Some("HA1")).find(|(e, m)| {
        e.frame > re.frame && spi(m) == legit && m.find("SA").is_some() && m.find("KE").is_some()
    });
    let Some((fe, _)) = full else {
        return Outcome::fail(
            "the HA did not accept the repeated IKE_SA_INIT that carried its own cookie",
        )
        .with_frames(pcap(obs), [ce.frame, re.frame]);
    };
    match auth_done {
        Some((ae, _)) => Outcome::pass(format!(
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
    let Some((qe, qm)) = ike(obs, "IKE_AUTH request", Some("MN")).next() else {
        return Outcome::inconclusive("the tester sent no IKE_AUTH request");
    };
    if qm.find("SK").and_then(|s| s.get("decrypted")) != Some("yes") {
        return Outcome::inconclusive("the tester's IKE_AUTH request could not be decrypted")
            .with_frames(pcap(obs), [qe.frame]);
    }
    // The stimulus as sent: IDi an address, and a certificate without it.
    let idi = qm.find("IDi");
    if idi.and_then(|i| i.get("id_type")) != Some("5")
        || idi.and_then(|i| i.get("id")) != Some(PROPOSED_HOA)
    {
        return Outcome::inconclusive(format!(
            "the tester did not present {PROPOSED_HOA} as an ID_IPV6_ADDR IDi"
        ))
        .with_frames(pcap(obs), [qe.frame]);
    }
    let san = qm.find("CERT").and_then(|c| c.get("san")).unwrap_or("");
    if san.split(',').any(|n| n == format!("IP:{PROPOSED_HOA}")) {
        return Outcome::inconclusive(format!(
            "the tester's certificate does carry {PROPOSED_HOA} (san {san})"
        ))
        .with_frames(pcap(obs), [qe.frame]);
    }
    let Some((re, rm)) = ike(obs, "IKE_AUTH response", Some("HA1")).next() else {
        return Outcome::fail("the HA did not answer the IKE_AUTH request")
            .with_frames(pcap(obs), [qe.frame]);
    };
    if rm.find("SK").and_then(|s| s.get("decrypted")) != Some("yes") {
        return Outcome::inconclusive("the HA's IKE_AUTH response could not be decrypted")
            .with_frames(pcap(obs), [qe.frame, re.frame]);
    }
    if rm.find("AUTH").is_some() || rm.find("CP").is_some() || rm.find("SA").is_some() {
        return Outcome::fail(format!(
            "IDi {PROPOSED_HOA} with a certificate naming only {san}: the HA completed IKE_AUTH"
        ))
        .with_frames(pcap(obs), [qe.frame, re.frame]);
    }
    if has_notify(rm, "24") {
        Outcome::pass(format!(
            "IDi {PROPOSED_HOA}, certificate subjectAltName {san}: AUTHENTICATION_FAILED"
        ))
        .with_frames(pcap(obs), [qe.frame, re.frame])
    } else {
        Outcome::fail(format!(
            "the HA refused the IKE_AUTH request but not with AUTHENTICATION_FAILED ({:?})",
            all_of(rm, "N")
                .iter()
                .filter_map(|n| n.get("type"))
                .collect::<Vec<_>>()
        ))
        .with_frames(pcap(obs), [qe.frame, re.frame])
    }
}
