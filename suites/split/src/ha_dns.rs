//! HA under test, DNS: the update on registration and its security (§6, §9.5), removal on
//! deregistration (§6), FQDN authorization (§9.5). Driven by the tester MN of `ha_iut`.

use crate::ha_iut::*;
use mip6lab_suite::observe::{
    or_unknown, pcap, reverse_name, same_name, sorted_frames as sorted, RData,
};
use mip6lab_suite::try_step;
use mip6lab_suite::{Observation, Outcome, TestPurpose};

// ------------------------------------------------- DNS update on registration (§6)

/// §6: the HA "MUST update the DNS entry with the identifier provided by the Mobile Node and
/// the Home Address included in the Home Address Option" (RFC 2136), does the reverse entry
/// too, and "As soon as the Home Agent has updated the DNS, it MUST send a Binding
/// Acknowledgement … including the DNS Update mobility option with the correct value in the
/// Status field"; §8.1: Status 0 "DNS update performed", < 128 only on success.
#[mip6lab_suite::test_purpose]
pub fn dns_registration() -> TestPurpose {
    tp(
        "TP-SPLIT-HA-DNS-ADD-01",
        "HA adds AAAA and PTR for the MN's FQDN and HoA, then sends a BA with DNS Update \
         Status 0",
        &[
            "RFC5026-6-HA-MUST-1",
            "RFC5026-6-HA-MUST-2",
            "RFC5026-6-HA-MUST-3",
            "RFC5026-6-HA-MUST-4",
            "RFC5026-6-HA-MUST-6",
            "RFC5026-8.1-HA-MUST-2",
            "RFC5026-8.1-HA-MUST-4",
            "RFC5026-8.1-ANY-MUST-1",
            "RFC5026-8.1-ANY-MUST-2",
            "RFC5026-8.1-ANY-MUST-3",
        ],
        PICS_DNS,
        &[],
        DEFAULT_TESTER,
        judge_dns_registration,
    )
}

/// The checks of a registration whose DNS Update the HA should perform: the AAAA (and,
/// when `want_ptr`, the PTR) UPDATE accepted by BIND before the BA, and the BA's option.
/// On success: the frames and a description of what the HA did.
pub(crate) fn registration_updated(
    obs: &Observation,
    reg: &Binding,
    want_ptr: bool,
) -> Result<(Vec<u64>, String), Outcome> {
    let p = pcap(obs);
    let fqdn = reg.registered_fqdn(obs)?;
    let hoa = reg.hoa;
    let Some(ba) = &reg.ba else {
        return Err(
            Outcome::fail("the HA sent no Binding Acknowledgement to the tester's BU")
                .with_frames(p, reg.frames()),
        );
    };
    let ba_e = ba.entry;
    let ups = updates(obs);
    let after: Vec<&Upd> = ups
        .iter()
        .filter(|u| u.0 .0.frame > reg.bu.frame())
        .collect();
    let mut frames = reg.frames();
    let Some(aaaa) = after.iter().find(|u| adds_aaaa(u.0 .1, fqdn, hoa)) else {
        return Err(Outcome::fail(format!(
            "after the BU the HA sent no DNS UPDATE adding {fqdn} AAAA {hoa} ({} UPDATE(s) \
             from it)",
            after.len()
        ))
        .with_frames(p, sorted(frames)));
    };
    frames.push(aaaa.0 .0.frame);
    frames.extend(aaaa.1.map(|(e, _)| e.frame));
    if !accepted(aaaa) {
        return Err(Outcome::fail(format!(
            "the MSP's DNS did not accept the HA's AAAA UPDATE ({}): {fqdn} was not added",
            rcode(aaaa)
        ))
        .with_frames(p, sorted(frames)));
    }
    let ptr = after.iter().find(|u| adds_ptr(u.0 .1, hoa, fqdn));
    match ptr {
        Some(u) => {
            frames.push(u.0 .0.frame);
            frames.extend(u.1.map(|(e, _)| e.frame));
            if want_ptr && !accepted(u) {
                return Err(Outcome::fail(format!(
                    "the MSP's DNS did not accept the HA's PTR UPDATE ({})",
                    rcode(u)
                ))
                .with_frames(p, sorted(frames)));
            }
        }
        None if want_ptr => {
            return Err(Outcome::fail(format!(
                "the HA added {fqdn} AAAA {hoa} but no PTR {} -> {fqdn} (the reverse entry is \
                 always the HA's, §6)",
                reverse_name(hoa)
            ))
            .with_frames(p, sorted(frames)))
        }
        None => {}
    }
    // "As soon as the Home Agent has updated the DNS": the BA comes after BIND's answer.
    let done = aaaa.1.map_or(u64::MAX, |(e, _)| e.frame);
    if ba_e.frame < done {
        return Err(Outcome::fail(
            "the HA sent the BA before the MSP's DNS had answered its UPDATE",
        )
        .with_frames(p, sorted(frames)));
    }
    let Some(opt) = ba.dns_update() else {
        return Err(Outcome::fail(
            "the HA's BA carries no DNS Update option (type 17) after updating DNS",
        )
        .with_frames(p, sorted(frames)));
    };
    let status: u16 = opt.status.map_or(999, u16::from);
    if status != 0 {
        let why = if status >= 128 {
            "which says the update was not completed, yet the MSP's DNS accepted it"
        } else {
            "not the defined success value 0"
        };
        return Err(
            Outcome::fail(format!("the BA's DNS Update Status is {status}, {why}"))
                .with_frames(p, sorted(frames)),
        );
    }
    if let Some(r) = &opt.reserved {
        return Err(
            Outcome::fail(format!("the BA's DNS Update option has Reserved = {r}"))
                .with_frames(p, sorted(frames)),
        );
    }
    if opt.remove != Some(false) || !same_name(opt.fqdn.as_deref().unwrap_or(""), fqdn) {
        return Err(Outcome::fail(format!(
            "the BA's DNS Update option has r={} fqdn={}, not the BU's R = 0 and {fqdn}",
            or_unknown(opt.remove.map(u8::from)),
            or_unknown(opt.fqdn.as_ref())
        ))
        .with_frames(p, sorted(frames)));
    }
    let what = format!(
        "UPDATE {fqdn} AAAA {hoa}{} accepted, then BA with DNS Update (type 17, R = 0, same \
         FQDN) Status 0",
        if ptr.is_some() { " and its PTR" } else { "" }
    );
    Ok((frames, what))
}

pub fn judge_dns_registration(obs: &Observation) -> Outcome {
    let (reg, dereg) = try_step!(answered_registration(obs));
    let (mut frames, what) = try_step!(registration_updated(obs, &reg, true));
    let p = pcap(obs);
    let fqdn = reg.fqdn().unwrap_or(MN_FQDN);
    let hoa = reg.hoa;
    // What DNS then answers the tester, before it deregisters.
    let from = reg.last_frame();
    let to = dereg.as_ref().map_or(u64::MAX, |d| d.bu.frame());
    let aaaa = lookup(obs, "AAAA", fqdn, from, to);
    let ptr = lookup(obs, "PTR", &reverse_name(hoa), from, to);
    for l in aaaa.iter().chain(&ptr) {
        frames.extend(&l.frames);
    }
    if let Some(l) = &aaaa {
        if !l.data.contains(&RData::Aaaa(hoa)) {
            return Outcome::fail(format!(
                "after the BA, DNS answers {fqdn} AAAA with [{}], not the HoA {hoa}",
                l.shown()
            ))
            .with_frames(p, sorted(frames));
        }
    }
    if let Some(l) = &ptr {
        if !l
            .data
            .iter()
            .any(|d| matches!(d, RData::Ptr(n) if same_name(n, fqdn)))
        {
            return Outcome::fail(format!(
                "after the BA, DNS answers PTR {hoa} with [{}], not {fqdn}",
                l.shown()
            ))
            .with_frames(p, sorted(frames));
        }
    }
    let confirmed = match (&aaaa, &ptr) {
        (Some(_), Some(_)) => "; the tester's AAAA and PTR lookups then return the HoA and FQDN",
        _ => "; (the tester's lookups are not in the capture: judged on BIND's UPDATE answers)",
    };
    Outcome::pass(format!("{what}{confirmed}")).with_frames(p, sorted(frames))
}

// ---------------------------------------------------------- secured updates (§6, §9.5)

/// §6: "the node performing this update must share a security association with the DNS
/// server"; §9.5: the HA "MUST have a security association of some type with the DNS
/// server", "REQUIRED even if the DNS server is in the same administrative domain".
#[mip6lab_suite::test_purpose]
pub fn dns_secured() -> TestPurpose {
    tp(
        "TP-SPLIT-HA-DNS-SEC-01",
        "Every DNS UPDATE of the HA is signed (TSIG/SIG(0)) and accepted by the MSP's DNS",
        &[
            "RFC5026-6-ANY-MUST-1",
            "RFC5026-6-ANY-MUST-2",
            "RFC5026-9.5-HA-MUST-1",
            "RFC5026-9.5-HA-REQUIRED-1",
        ],
        PICS_DNS,
        &[],
        DEFAULT_TESTER,
        judge_dns_secured,
    )
}

/// Each of `ups` is signed, and BIND (which verifies the signature) answered NOERROR with
/// its own signature; Ok holds their frames.
fn signed_updates(obs: &Observation, ups: &[&Upd]) -> Result<Vec<u64>, Outcome> {
    let p = pcap(obs);
    let mut frames = Vec::new();
    for u in ups {
        let ((e, m), resp) = u;
        frames.push(e.frame);
        if !m.tsig {
            return Err(Outcome::fail(format!(
                "the HA sent an unsigned DNS UPDATE for zone {}",
                m.qname
            ))
            .with_frames(p, [e.frame]));
        }
        let Some((re, rm)) = resp else {
            return Err(Outcome::inconclusive(format!(
                "the MSP's DNS did not answer the HA's signed UPDATE for zone {}",
                m.qname
            ))
            .with_frames(p, [e.frame]));
        };
        frames.push(re.frame);
        // BIND answers NOTAUTH with a TSIG error (BADSIG/BADKEY/BADTIME) to a signature it
        // cannot verify: the reason names both.
        if !update_accepted(rm) || !rm.tsig {
            return Err(Outcome::fail(format!(
                "the MSP's DNS did not accept the HA's signed UPDATE for zone {} ({}{})",
                m.qname,
                answer_code(rm),
                if rm.tsig { "" } else { ", unsigned answer" }
            ))
            .with_frames(p, [e.frame, re.frame]));
        }
    }
    Ok(frames)
}

pub fn judge_dns_secured(obs: &Observation) -> Outcome {
    let ups = updates(obs);
    if ups.is_empty() {
        let why = match answered_registration(obs) {
            Err(o) => o.reason,
            Ok(_) => "the HA sent no DNS UPDATE at all".into(),
        };
        return Outcome::inconclusive(format!("no DNS UPDATE from the HA to judge: {why}"));
    }
    let all: Vec<&Upd> = ups.iter().collect();
    match signed_updates(obs, &all) {
        Ok(frames) => Outcome::pass(format!(
            "all {} DNS UPDATE(s) of the HA carry a TSIG/SIG(0) signature, and the MSP's DNS \
             accepted each with a signed NOERROR",
            ups.len()
        ))
        .with_frames(pcap(obs), sorted(frames)),
        Err(o) => o,
    }
}

/// §6: "it is RECOMMENDED that the Home Agent perform DNS entry updates for the Mobile
/// Node"; "The dynamic DNS update SHOULD be performed in a secure way; … the usage of TKEY
/// and TSEC or DNSSEC is recommended", for registration and for removal; §9.5: "MAY be
/// established either using DNSSEC or TSIG/TKEY".
#[mip6lab_suite::test_purpose]
pub fn dns_by_ha_secured() -> TestPurpose {
    tp(
        "TP-SPLIT-HA-DNS-SEC-02",
        "HA itself updates DNS for the MN, registration and removal secured by TSIG or SIG(0)",
        &[
            "RFC5026-6-HA-RECOMMENDED-1",
            "RFC5026-6-HA-SHOULD-1",
            "RFC5026-6-HA-RECOMMENDED-2",
            "RFC5026-6-HA-SHOULD-2",
            "RFC5026-6-HA-RECOMMENDED-3",
            "RFC5026-9.5-HA-MAY-1",
        ],
        PICS_DNS,
        &[],
        DEFAULT_TESTER,
        judge_dns_by_ha_secured,
    )
}

pub fn judge_dns_by_ha_secured(obs: &Observation) -> Outcome {
    let (reg, dereg) = try_step!(bindings(obs));
    let p = pcap(obs);
    let fqdn = try_step!(reg.registered_fqdn(obs));
    let ups = updates(obs);
    let adds: Vec<&Upd> = ups
        .iter()
        .filter(|u| u.0 .0.frame > reg.bu.frame() && adds_aaaa(u.0 .1, fqdn, reg.hoa))
        .collect();
    if adds.is_empty() {
        // The AAA server may do the forward update (§6), but none reached the DNS either.
        return Outcome::fail(format!(
            "after the tester's BU with DNS Update, the HA sent no UPDATE adding {fqdn}"
        ))
        .with_frames(p, reg.frames());
    }
    let Some(dereg) = dereg.filter(Binding::removes_dns) else {
        return Outcome::inconclusive(
            "the tester did not deregister with R set, so no removal to judge",
        )
        .with_frames(p, reg.frames());
    };
    let removals: Vec<&Upd> = ups
        .iter()
        .filter(|u| u.0 .0.frame > dereg.bu.frame() && deletes_aaaa(u.0 .1, fqdn, reg.hoa))
        .collect();
    if removals.is_empty() {
        return Outcome::inconclusive(format!(
            "the HA sent no UPDATE removing {fqdn} after R = 1 (TP-SPLIT-HA-DNS-DEL-01 judges \
             that), so no removal to judge"
        ))
        .with_frames(p, dereg.frames());
    }
    let mut frames = try_step!(signed_updates(obs, &adds));
    match signed_updates(obs, &removals) {
        Ok(f) => frames.extend(f),
        Err(o) => return o,
    }
    Outcome::pass(format!(
        "the HA itself added and removed {fqdn}; both UPDATEs were TSIG/SIG(0)-signed and \
         accepted with a signed answer"
    ))
    .with_frames(p, sorted(frames))
}

// --------------------------------------------------- DNS removal on deregistration (§6)

/// §6: "the Home Agent MUST remove the DNS entry identified by the FQDN provided by the
/// Mobile Node and the Home Address included in the Home Address Option" (RFC 2136).
#[mip6lab_suite::test_purpose]
pub fn dns_removal() -> TestPurpose {
    tp(
        "TP-SPLIT-HA-DNS-DEL-01",
        "On a deregistration BU with R = 1 the HA deletes the AAAA and PTR it added",
        &["RFC5026-6-HA-MUST-7", "RFC5026-6-HA-MUST-8"],
        PICS_DNS,
        &[],
        DEFAULT_TESTER,
        judge_dns_removal,
    )
}

pub fn judge_dns_removal(obs: &Observation) -> Outcome {
    let (reg, dereg) = try_step!(answered_registration(obs));
    let p = pcap(obs);
    let fqdn = try_step!(reg.registered_fqdn(obs));
    let hoa = reg.hoa;
    let ups = updates(obs);
    let added = ups
        .iter()
        .find(|u| u.0 .0.frame > reg.bu.frame() && adds_aaaa(u.0 .1, fqdn, hoa) && accepted(u));
    let Some(added) = added else {
        return Outcome::inconclusive(format!(
            "the HA never added {fqdn} AAAA {hoa} (TP-SPLIT-HA-DNS-ADD-01 judges that), so \
             there is nothing to remove"
        ))
        .with_frames(p, reg.frames());
    };
    let ptr_added = ups
        .iter()
        .any(|u| u.0 .0.frame > reg.bu.frame() && adds_ptr(u.0 .1, hoa, fqdn) && accepted(u));
    let Some(dereg) = dereg else {
        return Outcome::inconclusive("the tester did not deregister within the observation")
            .with_frames(p, reg.frames());
    };
    let mut frames = vec![added.0 .0.frame, dereg.bu.frame()];
    if !dereg.removes_dns() {
        return Outcome::inconclusive(
            "the tester's deregistration BU has no DNS Update with R set",
        )
        .with_frames(p, sorted(frames));
    }
    let after: Vec<&Upd> = ups
        .iter()
        .filter(|u| u.0 .0.frame > dereg.bu.frame())
        .collect();
    let Some(del) = after.iter().find(|u| deletes_aaaa(u.0 .1, fqdn, hoa)) else {
        return Outcome::fail(format!(
            "after the BU with R = 1 the HA sent no DNS UPDATE deleting {fqdn} AAAA {hoa} ({} \
             UPDATE(s) from it)",
            after.len()
        ))
        .with_frames(p, sorted(frames));
    };
    frames.push(del.0 .0.frame);
    frames.extend(del.1.map(|(e, _)| e.frame));
    if !accepted(del) {
        return Outcome::fail(format!(
            "the MSP's DNS did not accept the HA's deletion of {fqdn} ({})",
            rcode(del)
        ))
        .with_frames(p, sorted(frames));
    }
    let ptr_del = after.iter().find(|u| deletes_ptr(u.0 .1, hoa, fqdn));
    if ptr_added && !ptr_del.is_some_and(|u| accepted(u)) {
        return Outcome::fail(format!(
            "the HA deleted {fqdn} AAAA but left the PTR {} -> {fqdn} it had added",
            reverse_name(hoa)
        ))
        .with_frames(p, sorted(frames));
    }
    if let Some(u) = ptr_del {
        frames.push(u.0 .0.frame);
        frames.extend(u.1.map(|(e, _)| e.frame));
    }
    // What the tester's lookups then get back.
    let from = dereg.last_frame();
    let aaaa = lookup(obs, "AAAA", fqdn, from, u64::MAX);
    let ptr = lookup(obs, "PTR", &reverse_name(hoa), from, u64::MAX);
    for l in aaaa.iter().chain(&ptr) {
        frames.extend(&l.frames);
    }
    if let Some(l) = aaaa.as_ref().filter(|l| !l.data.is_empty()) {
        return Outcome::fail(format!(
            "after deregistration DNS still answers {fqdn} AAAA [{}]",
            l.shown()
        ))
        .with_frames(p, sorted(frames));
    }
    if let Some(l) = ptr.as_ref().filter(|l| !l.data.is_empty()) {
        return Outcome::fail(format!(
            "after deregistration DNS still answers PTR {hoa} [{}]",
            l.shown()
        ))
        .with_frames(p, sorted(frames));
    }
    let ba = match dereg.ba_dns() {
        Some(o) => format!("; BA DNS Update Status {}", or_unknown(o.status)),
        None if dereg.ba.is_some() => "; BA without DNS Update option".into(),
        None => "; no BA".into(),
    };
    let seen = if aaaa.is_some() && ptr.is_some() {
        "; the tester's AAAA and PTR lookups then get no record"
    } else {
        "; (no tester lookups in the capture: judged on BIND's UPDATE answers)"
    };
    Outcome::pass(format!(
        "after R = 1 the HA deleted {fqdn} AAAA{} (accepted){ba}{seen}",
        if ptr_del.is_some() {
            " and the PTR"
        } else {
            ""
        }
    ))
    .with_frames(p, sorted(frames))
}

// ------------------------------------------------------- FQDN authorization (§9.5)

/// §9.5: "the authorization of the Mobile Node to update a FQDN MUST be checked prior to the
/// performance of the update"; §8.1: "Values greater than or equal to 128 indicate that the
/// dynamic DNS update was not completed by the HA" (129: Administratively prohibited).
#[mip6lab_suite::test_purpose]
pub fn fqdn_authorization() -> TestPurpose {
    tp(
        "TP-SPLIT-HA-DNS-AUTHZ-01",
        "HA refuses a DNS Update for an FQDN other than the MN's IDi: no UPDATE, BA Status >= \
         128",
        &["RFC5026-9.5-ANY-MUST-1", "RFC5026-8.1-HA-MUST-3"],
        PICS_DNS,
        &[],
        FOREIGN_FQDN_TESTER,
        judge_fqdn_authorization,
    )
}

pub fn judge_fqdn_authorization(obs: &Observation) -> Outcome {
    let p = pcap(obs);
    let a = match ike_auth(obs) {
        Ok(a) => a,
        Err(o) => return o.unexercised("the FQDN authorization"),
    };
    let idi = a
        .req
        .idi
        .as_ref()
        .map_or_else(String::new, |i| i.id.clone());
    let (reg, _) = match bindings(obs) {
        Ok(x) => x,
        Err(o) => return o.unexercised("the FQDN authorization"),
    };
    let Some(fqdn) = reg.fqdn().filter(|f| same_name(f, FOREIGN_FQDN)) else {
        return Outcome::inconclusive(format!(
            "the tester's BU does not name {FOREIGN_FQDN} (DNS Update: {:?}; knob not applied?)",
            reg.fqdn()
        ))
        .with_frames(p, reg.frames());
    };
    if same_name(&idi, fqdn) {
        return Outcome::inconclusive(format!("the tester's IDi is {idi} itself"))
            .with_frames(p, reg.frames());
    }
    let mut frames = vec![a.req.frame()];
    frames.extend(reg.frames());
    if let Some(u) = updates(obs).iter().find(|u| mentions(u.0 .1, fqdn)) {
        frames.push(u.0 .0.frame);
        return Outcome::fail(format!(
            "the HA sent a DNS UPDATE for {fqdn}, which the MN (IDi {idi}) is not authorized \
             for ({})",
            rcode(u)
        ))
        .with_frames(p, sorted(frames));
    }
    // A BU that gets no BA at all tells the MN nothing: §8.1 fails here too.
    if let Err(o) = answered_registration(obs) {
        return o;
    }
    let Some(opt) = reg.ba_dns() else {
        let st = or_unknown(reg.ba.as_ref().and_then(|b| b.status));
        return Outcome::fail(format!(
            "no UPDATE for {fqdn}, but the BA (Status {st}) has no DNS Update option telling \
             the MN that the update was not done"
        ))
        .with_frames(p, sorted(frames));
    };
    let status: u16 = opt.status.map_or(0, u16::from);
    if status < 128 {
        return Outcome::fail(format!(
            "no UPDATE for {fqdn}, yet the BA's DNS Update Status is {status} (< 128: \
             performed)"
        ))
        .with_frames(p, sorted(frames));
    }
    let name = match status {
        129 => "Administratively prohibited, as expected",
        128 => "Reason unspecified (129 would name the refusal)",
        130 => "DNS update failed (129 would name the refusal)",
        _ => "not a defined value (129 would name the refusal)",
    };
    Outcome::pass(format!(
        "IDi {idi} asked for {fqdn}: no UPDATE for it reached the DNS, and the BA's DNS Update \
         Status is {status}, {name}"
    ))
    .with_frames(p, sorted(frames))
}
