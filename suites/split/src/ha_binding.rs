//! HA under test, the binding: BAs protected and routed (RFC 4877 §4), DNS Update Status in a
//! BU ignored (§8.1), unknown mobility options skipped (RFC 6275 §6.1.7).

use crate::ha_dns::registration_updated;
use crate::ha_iut::*;
use mip6lab_suite::observe::{
    notify, or_unknown, pcap, sorted_frames as sorted, Carrier, SecurityProtocol,
};
use mip6lab_suite::try_step;
use mip6lab_suite::{Observation, Outcome, TestPurpose};

// ---------------------------------------------------------- Status in a BU (§8.1)

/// §8.1: Status "MUST be set to 0 and ignored by the receiver when the DNS Update mobility
/// option is included in a Binding Update message".
#[mip6lab_suite::test_purpose]
pub fn bu_status_ignored() -> TestPurpose {
    tp(
        "TP-SPLIT-HA-DNS-BU-STATUS-01",
        "HA ignores a non-zero Status in the BU's DNS Update option: it updates DNS, BA Status \
         0",
        &["RFC5026-8.1-HA-MUST-1"],
        PICS_DNS,
        &[],
        BU_STATUS_TESTER,
        judge_bu_status_ignored,
    )
}

pub fn judge_bu_status_ignored(obs: &Observation) -> Outcome {
    let (reg, _) = try_step!(answered_registration(obs));
    let p = pcap(obs);
    let sent = reg
        .dns_option()
        .and_then(|o| o.status)
        .map_or_else(|| "none".to_owned(), |s| s.to_string());
    if sent == "0" || sent == "none" {
        return Outcome::inconclusive(format!(
            "the tester's BU has DNS Update Status {sent}, not the non-zero value of the \
             stimulus (knob not applied?)"
        ))
        .with_frames(p, reg.frames());
    }
    match registration_updated(obs, &reg, false) {
        Ok((frames, what)) => Outcome::pass(format!("BU with DNS Update Status {sent}: {what}"))
            .with_frames(p, sorted(frames)),
        Err(o) => Outcome {
            reason: format!("BU with DNS Update Status {sent}: {}", o.reason),
            ..o
        },
    }
}

/// An unassigned mobility option type: no implementation understands it.
const UNKNOWN_OPTION: u8 = 200;

/// RFC 6275 §6.1.7, relied on by RFC 5026 §8.1 (the DNS Update option rides in BUs among
/// other options): "The receiver MUST ignore and skip any options that it does not
/// understand." The tester's BU carries an option of the unassigned type 200.
#[mip6lab_suite::test_purpose]
pub fn unknown_option_skipped() -> TestPurpose {
    tp(
        "TP-SPLIT-HA-UNKNOWN-OPT-01",
        "HA skips a mobility option it does not understand and processes the BU",
        &["RFC6275-6.1.7-HA-MUST-1"],
        PICS_DNS,
        &[],
        &[("MIP6LAB_KNOBS", "mn.bu_unknown_option=200")],
        judge_unknown_option_skipped,
    )
}

pub fn judge_unknown_option_skipped(obs: &Observation) -> Outcome {
    let (reg, _) = try_step!(answered_registration(obs));
    let p = pcap(obs);
    if !reg.bu.has_unknown_option(UNKNOWN_OPTION) {
        return Outcome::inconclusive(
            "the tester's BU carries no option of type 200 (knob not applied?)",
        )
        .with_frames(p, reg.frames());
    }
    match registration_updated(obs, &reg, false) {
        Ok((frames, what)) => {
            Outcome::pass(format!("BU with an option of unassigned type 200: {what}"))
                .with_frames(p, sorted(frames))
        }
        Err(o) => Outcome {
            reason: format!("BU with an option of unassigned type 200: {}", o.reason),
            ..o
        },
    }
}

// ------------------------------------------------ BA protected and routed (RFC 4877 §4)

/// RFC 4877 §4.1: ESP for BAs "MUST be supported and used"; §4.2: the HA "MUST use the Type
/// 2 Routing header in Binding Acknowledgements" with transport mode; §4.3: transport mode
/// and a non-null authentication algorithm; RFC 3776 §3 packet format.
#[mip6lab_suite::test_purpose]
pub fn ba_protected() -> TestPurpose {
    tp(
        "TP-SPLIT-HA-BA-ESP-01",
        "HA's BAs go in transport-mode ESP with integrity, to the CoA, with a type 2 routing \
         header holding the HoA",
        &[
            "RFC4877-4.2-HA-MUST-3",
            "RFC4877-4.1-ANY-MUST-1",
            "RFC4877-4.1-ANY-MUST-2",
            "RFC4877-4.3-ANY-MUST-1",
            "RFC4877-4.3-ANY-MUST-2",
            "RFC4877-3-ANY-MUST-1",
            "RFC5026-4-ANY-MUST-1",
        ],
        PICS_ASSIGNED,
        &[],
        DEFAULT_TESTER,
        judge_ba_protected,
    )
}

pub fn judge_ba_protected(obs: &Observation) -> Outcome {
    let p = pcap(obs);
    // A BA outside ESP fails "MUST be used", whatever else happened.
    if let Some(b) = obs
        .binding_acks_from("HA1")
        .find(|b| b.carrier == Carrier::Plain)
    {
        return Outcome::fail("the HA sent a Binding Acknowledgement without ESP")
            .with_frames(p, [b.frame()]);
    }
    let a = try_step!(ike_auth(obs));
    let (reg, dereg) = try_step!(answered_registration(obs));
    let mut frames = vec![a.resp.frame()];
    // The Child SA the BAs use: transport mode, ESP with integrity (or an AEAD cipher).
    if !a.resp.has_notify(notify::USE_TRANSPORT_MODE) {
        return Outcome::fail(
            "the HA's IKE_AUTH response has no USE_TRANSPORT_MODE: the MH Child SA is not in \
             transport mode",
        )
        .with_frames(p, sorted(frames));
    }
    let chosen = a
        .resp
        .proposals
        .first()
        .filter(|pr| pr.protocol == SecurityProtocol::Esp);
    let Some(chosen) = chosen else {
        return Outcome::fail("the HA's IKE_AUTH response accepts no ESP proposal for MH")
            .with_frames(p, sorted(frames));
    };
    let transforms = chosen.transforms_text();
    let aead = chosen.transforms.iter().any(|t| t.is_aead());
    let integ = chosen.transforms.iter().any(|t| t.is_integrity());
    if !aead && !integ {
        return Outcome::fail(format!(
            "the ESP Child SA has no payload authentication ({transforms})"
        ))
        .with_frames(p, sorted(frames));
    }
    let mut checked = 0;
    for b in std::iter::once(&reg).chain(dereg.as_ref()) {
        let Some(ba) = &b.ba else { continue };
        let e = ba.entry;
        frames.extend(b.frames());
        let coa = b.bu.entry.src_addr;
        if e.dst_addr != coa {
            return Outcome::fail(format!(
                "the BA goes to {}, not the care-of address {coa} the BU came from",
                e.dst_addr
            ))
            .with_frames(p, sorted(frames));
        }
        if ba.esp_next_header() != Some(135) {
            return Outcome::fail(format!(
                "the ESP payload of the BA has next header {}, not MH (135): not transport \
                 mode",
                or_unknown(ba.esp_next_header())
            ))
            .with_frames(p, sorted(frames));
        }
        match ba.routed_to {
            None => {
                return Outcome::fail(format!(
                    "the BA to {coa} has no type 2 routing header (HoA {})",
                    b.hoa
                ))
                .with_frames(p, sorted(frames))
            }
            Some(r) if r != b.hoa => {
                return Outcome::fail(format!(
                    "the BA's type 2 routing header holds {r}, not the HoA {}",
                    b.hoa
                ))
                .with_frames(p, sorted(frames))
            }
            Some(_) => {}
        }
        if ba.checksum_ok != Some(true) {
            return Outcome::fail("the BA's MH checksum is wrong (pseudo-header with the HoA)")
                .with_frames(p, sorted(frames));
        }
        checked += 1;
    }
    Outcome::pass(format!(
        "{checked} BA(s) in transport-mode ESP ({transforms}) to the CoA {}, type 2 routing \
         header = HoA {}, checksum correct",
        reg.bu.entry.src_addr, reg.hoa
    ))
    .with_frames(p, sorted(frames))
}
