//! The forward DNS update delegated to the MSA's AAA server (RFC 5026 §6, §7, §9.5), HA under
//! test on topology `split-ha-iut-aaa-dns`: the HA sends the MN's FQDN-HoA pair to its AAA
//! server (the MSP's), which proxies it to the MSA's AAA server; that one updates the MN's
//! AAAA by RFC 2136 under its own TSIG key. The reverse entry stays the HA's (§7).
//!
//! RFC 5026 leaves the HA-AAA protocol open (§6: "out of the scope of this document"); the
//! contract (containers/iut/README.md, `MIP6LAB_DNS_FORWARD=aaa`) fixes it to RADIUS
//! accounting: an Accounting-Request (RFC 2866) with User-Name = FQDN and Framed-IPv6-Address
//! (RFC 6911) = HoA, Start to add, Stop to remove. Transcript roles: the HA is `HA1`, the MSP's
//! AAA server `AAA`, the MSA's `AAA2`, BIND `DNS`, the tester MN `MN`.
//!
//! Two test purposes share the lab run: one judges the HA under test, the other the AAA
//! chain it drives (the lab's reference peers, FreeRADIUS and BIND). Whatever the HA did not do
//! leaves the AAA test INCONCLUSIVE, never failed.

use crate::ha_iut::{
    adds_aaaa, adds_ptr, answer_code, answered_registration, deletes_aaaa, deletes_ptr, lookup,
    update_accepted, Binding,
};
use mip6lab_suite::observe::{
    acct_status, pcap, radius_code, response_to, reverse_name, same_name, sorted_frames as sorted,
    DnsView, RData, RadiusMessage,
};
use mip6lab_suite::try_step;
use mip6lab_suite::{DnsMessage, Entry, Observation, Outcome, TestPurpose};
use std::net::Ipv6Addr;

const TOPOLOGY: &str = "split-ha-iut-aaa-dns";
const PICS: &[&str] = &[
    "ha.auth.psk",
    "ha.hoa.assigned",
    "ha.dns_update",
    "ha.dns.via_aaa",
];
const HA: &str = "HA1";
/// The MSP's AAA server (the HA's RADIUS server) and the MSA's.
const MSP_AAA: &str = "AAA";
const MSA_AAA: &str = "AAA2";

fn tp(
    id: &'static str,
    title: &'static str,
    requirements: &'static [&'static str],
    judge: fn(&Observation) -> Outcome,
) -> TestPurpose {
    crate::ha_iut::driven_by_tester(TOPOLOGY, id, title, requirements, judge).pics(PICS)
}

// ------------------------------------------------------------------------ RADIUS traffic

/// A RADIUS message with its entry.
type Rad<'a> = RadiusMessage<'a>;

/// RADIUS messages with `code` (Accounting-Request, …) from `src` to `dst`.
fn radius<'a>(obs: &'a Observation, code: u8, src: &str, dst: &str) -> Vec<Rad<'a>> {
    obs.radius_messages()
        .filter(|m| m.entry.src == src && m.entry.dst == dst && m.is(code))
        .collect()
}

const START: u32 = acct_status::START;
const STOP: u32 = acct_status::STOP;

fn carries_pair(m: &RadiusMessage, status: u32, fqdn: &str, hoa: Ipv6Addr) -> bool {
    m.acct_status() == Some(status)
        && m.user_name().is_some_and(|u| same_name(u, fqdn))
        && m.framed_ipv6_address() == Some(hoa)
}

/// "User-Name=…, Framed-IPv6-Address=…" of a request, for reasons.
fn describe(m: &RadiusMessage) -> String {
    let shown = |name: &str| m.attribute(name).unwrap_or("absent");
    format!(
        "Acct-Status-Type={}, User-Name={}, Framed-IPv6-Address={}",
        shown("Acct-Status-Type"),
        shown("User-Name"),
        shown("Framed-IPv6-Address")
    )
}

/// The Accounting-Response to `req`: back from its destination, same Identifier, later.
fn answer_to<'a>(obs: &'a Observation, req: &Rad) -> Option<Rad<'a>> {
    radius(
        obs,
        radius_code::ACCOUNTING_RESPONSE,
        &req.entry.dst,
        &req.entry.src,
    )
    .into_iter()
    .find(|m| m.entry.frame > req.entry.frame && m.identifier == req.identifier)
}

/// The first request of `src` to `dst` after `after` carrying (status, FQDN, HoA).
fn pair_request<'a>(
    obs: &'a Observation,
    src: &str,
    dst: &str,
    after: u64,
    status: u32,
    fqdn: &str,
    hoa: Ipv6Addr,
) -> Option<Rad<'a>> {
    radius(obs, radius_code::ACCOUNTING_REQUEST, src, dst)
        .into_iter()
        .find(|m| m.entry.frame > after && carries_pair(m, status, fqdn, hoa))
}

// ------------------------------------------------------------------------ DNS traffic

type Upd<'a> = (
    (&'a Entry, &'a DnsMessage),
    Option<(&'a Entry, &'a DnsMessage)>,
);

fn updates_from<'a>(obs: &'a Observation, src: &str, after: u64) -> Vec<Upd<'a>> {
    obs.transcript
        .dns()
        .filter(|(e, m)| e.src == src && !m.response && m.is_update() && e.frame > after)
        .map(|(e, m)| ((e, m), response_to(obs, e)))
        .collect()
}

fn push_update(frames: &mut Vec<u64>, u: &Upd) {
    frames.push(u.0 .0.frame);
    frames.extend(u.1.map(|(e, _)| e.frame));
}

/// NOERROR, with the server's own signature when the request was signed (RFC 8945 §5.3).
fn accepted_signed(u: &Upd) -> Result<(), String> {
    match u.1 {
        None => Err("no answer".into()),
        Some((_, r)) if !update_accepted(r) => Err(answer_code(r)),
        Some((_, r)) if u.0 .1.tsig && !r.tsig => Err("NOERROR without TSIG".into()),
        Some(_) => Ok(()),
    }
}

/// The tester's registration and deregistration, and the FQDN its DNS Update option names.
fn registration(obs: &Observation) -> Result<(Binding<'_>, Option<Binding<'_>>, String), Outcome> {
    let (reg, dereg) = answered_registration(obs)?;
    let fqdn = reg.registered_fqdn(obs)?.to_owned();
    Ok((reg, dereg, fqdn))
}

/// A deregistration whose DNS Update option has R set, if the tester sent one.
fn removal<'a>(dereg: Option<Binding<'a>>) -> Option<Binding<'a>> {
    dereg.filter(Binding::removes_dns)
}

// ------------------------------------------------------------- the HA's side (§6, §7)

/// §6: "the Home Agent sends to the AAA server the FQDN-HoA pair through the AAA protocol";
/// §7: "even in this last case, the Home Agent is always required to perform a DNS update for
/// the reverse entry, since this is always performed in the DNS server of the MSP".
#[mip6lab_suite::test_purpose]
pub fn ha_delegates() -> TestPurpose {
    tp(
        "TP-SPLIT-HA-AAA-DNS-01",
        "HA delegating the forward update sends its AAA server the FQDN-HoA pair, and still \
         adds the PTR itself (TSIG)",
        &["RFC5026-6-HA-MUST-5", "RFC5026-7-HA-MUST-1"],
        judge_ha_delegates,
    )
}

pub fn judge_ha_delegates(obs: &Observation) -> Outcome {
    let (reg, dereg, fqdn) = try_step!(registration(obs));
    let p = pcap(obs);
    let hoa = reg.hoa;
    let mut frames = reg.frames();
    let end = dereg.as_ref().map_or(u64::MAX, |d| d.bu.frame());
    let own_aaaa: Vec<Upd> = updates_from(obs, HA, reg.bu.frame())
        .into_iter()
        .filter(|u| u.0 .0.frame < end && adds_aaaa(u.0 .1, &fqdn, hoa))
        .collect();
    let to_aaa: Vec<Rad> = radius(obs, radius_code::ACCOUNTING_REQUEST, HA, MSP_AAA)
        .into_iter()
        .filter(|m| m.entry.frame > reg.bu.frame() && m.entry.frame < end)
        .collect();
    let Some(req) = pair_request(obs, HA, MSP_AAA, reg.bu.frame(), START, &fqdn, hoa) else {
        frames.extend(to_aaa.iter().map(|m| m.entry.frame));
        let why = match (to_aaa.first(), own_aaaa.first()) {
            (Some(m), _) => format!(
                "its AAA request does not carry the FQDN-HoA pair Start/{fqdn}/{hoa}: {}",
                describe(m)
            ),
            (None, Some(u)) => {
                push_update(&mut frames, u);
                format!(
                    "it sent no AAA request, and updated the MSA's zone itself instead ({})",
                    accepted_signed(u)
                        .err()
                        .unwrap_or_else(|| "accepted".into())
                )
            }
            (None, None) => "it sent no AAA request to its AAA server".into(),
        };
        return Outcome::fail(format!(
            "after the BU with DNS Update for {fqdn} (HoA {hoa}), configured to have the \
             MSA's AAA server update the forward entry, {why}"
        ))
        .with_frames(p, sorted(frames));
    };
    frames.push(req.entry.frame);
    let answer = answer_to(obs, &req);
    frames.extend(answer.as_ref().map(|m| m.entry.frame));
    if let Some(u) = own_aaaa.first() {
        push_update(&mut frames, u);
        return Outcome::fail(format!(
            "the HA sent the pair to its AAA server but also added {fqdn} AAAA itself: the \
             forward entry of the MSA's domain is the MSA's AAA server's update"
        ))
        .with_frames(p, sorted(frames));
    }
    // §7: the PTR, in the MSP's reverse zone, is the HA's own update, secured (§9.5).
    let ptr: Vec<Upd> = updates_from(obs, HA, reg.bu.frame())
        .into_iter()
        .filter(|u| u.0 .0.frame < end && adds_ptr(u.0 .1, hoa, &fqdn))
        .collect();
    let Some(ptr) = ptr.first() else {
        return Outcome::fail(format!(
            "the HA delegated {fqdn} AAAA {hoa} to its AAA server but added no PTR {} -> \
             {fqdn}: the reverse entry is always the HA's (§7)",
            reverse_name(hoa)
        ))
        .with_frames(p, sorted(frames));
    };
    push_update(&mut frames, ptr);
    if !ptr.0 .1.tsig {
        return Outcome::fail("the HA's PTR UPDATE is not signed (no TSIG/SIG(0))")
            .with_frames(p, sorted(frames));
    }
    if let Err(why) = accepted_signed(ptr) {
        return Outcome::fail(format!(
            "the MSP's DNS did not accept the HA's PTR UPDATE ({why})"
        ))
        .with_frames(p, sorted(frames));
    }
    let answered = if answer.is_some() {
        "answered"
    } else {
        "unanswered"
    };
    let ba = match reg.ba_dns() {
        Some(o) => format!(
            "BA DNS Update Status {}",
            mip6lab_suite::observe::or_unknown(o.status)
        ),
        None => "BA without DNS Update option".into(),
    };
    // Removal on R = 1, stated as seen (TP-SPLIT-HA-DNS-DEL-01 judges removal).
    let removed = match removal(dereg) {
        None => String::new(),
        Some(d) => {
            let stop = pair_request(obs, HA, MSP_AAA, d.bu.frame(), STOP, &fqdn, hoa);
            let ptr_del = updates_from(obs, HA, d.bu.frame())
                .into_iter()
                .find(|u| deletes_ptr(u.0 .1, hoa, &fqdn));
            frames.push(d.bu.frame());
            frames.extend(stop.as_ref().map(|m| m.entry.frame));
            if let Some(u) = &ptr_del {
                push_update(&mut frames, u);
            }
            format!(
                "; on R = 1: {}, {}",
                if stop.is_some() {
                    "Accounting Stop with the pair"
                } else {
                    "no Accounting Stop"
                },
                if ptr_del.is_some() {
                    "PTR deleted"
                } else {
                    "PTR not deleted"
                }
            )
        }
    };
    Outcome::pass(format!(
        "Accounting-Request (Start) to its AAA server with User-Name {fqdn} and \
         Framed-IPv6-Address {hoa} ({answered}); no AAAA UPDATE of its own; TSIG-signed PTR \
         {} -> {fqdn} accepted by the MSP's DNS; {ba}{removed}",
        reverse_name(hoa)
    ))
    .with_frames(p, sorted(frames))
}

// --------------------------------------------------------- the AAA side (§6, §9.5)

/// §6: "This message is proxied by the AAA infrastructure of the MSP and is received by the
/// AAA server of the MSA. The AAA server of the MSA performs the DNS update based on [RFC
/// 2136]"; §9.5: "a security association is required between the AAA server and DNS server
/// for the dynamic DNS update".
#[mip6lab_suite::test_purpose]
pub fn aaa_updates_dns() -> TestPurpose {
    tp(
        "TP-SPLIT-AAA-DNS-UPDATE-01",
        "The MSP's AAA proxies the HA's FQDN-HoA pair to the MSA's AAA, which adds the AAAA by \
         a TSIG-signed RFC 2136 UPDATE",
        &[
            "RFC5026-6-AAA-MUST-1",
            "RFC5026-6-AAA-MUST-2",
            "RFC5026-9.5-AAA-MUST-1",
        ],
        judge_aaa_updates_dns,
    )
    .lab_check()
}

pub fn judge_aaa_updates_dns(obs: &Observation) -> Outcome {
    let (reg, dereg, fqdn) = match registration(obs) {
        Ok(x) => x,
        Err(o) => return o.unexercised("the AAA servers"),
    };
    let p = pcap(obs);
    let hoa = reg.hoa;
    let Some(req) = pair_request(obs, HA, MSP_AAA, reg.bu.frame(), START, &fqdn, hoa) else {
        return Outcome::inconclusive(format!(
            "the HA never sent its AAA server the pair {fqdn}/{hoa} (TP-SPLIT-HA-AAA-DNS-01 \
             judges that): nothing for the AAA servers to proxy or update"
        ))
        .with_frames(p, reg.frames());
    };
    let mut frames = vec![reg.bu.frame(), req.entry.frame];
    // §6 AAA-MUST-1: the MSP's AAA server proxies it to the MSA's.
    let Some(proxied) = pair_request(obs, MSP_AAA, MSA_AAA, req.entry.frame, START, &fqdn, hoa)
    else {
        let other = radius(obs, radius_code::ACCOUNTING_REQUEST, MSP_AAA, MSA_AAA)
            .into_iter()
            .find(|m| m.entry.frame > req.entry.frame);
        let why = match (other, answer_to(obs, &req)) {
            (Some(m), _) => {
                frames.push(m.entry.frame);
                format!("it forwarded {} instead", describe(&m))
            }
            (None, Some(a)) => {
                frames.push(a.entry.frame);
                "it answered the HA itself without proxying".into()
            }
            (None, None) => "it forwarded nothing to the MSA's AAA server".into(),
        };
        return Outcome::fail(format!(
            "the MSP's AAA server did not proxy the HA's pair {fqdn}/{hoa} to the MSA's AAA \
             server: {why}"
        ))
        .with_frames(p, sorted(frames));
    };
    frames.push(proxied.entry.frame);
    let end = dereg.as_ref().map_or(u64::MAX, |d| d.bu.frame());
    // §6 AAA-MUST-2: the MSA's AAA server sends the RFC 2136 UPDATE.
    let ups: Vec<Upd> = updates_from(obs, MSA_AAA, proxied.entry.frame)
        .into_iter()
        .filter(|u| u.0 .0.frame < end)
        .collect();
    let Some(add) = ups.iter().find(|u| adds_aaaa(u.0 .1, &fqdn, hoa)) else {
        return Outcome::fail(format!(
            "the MSA's AAA server got the pair but sent no DNS UPDATE adding {fqdn} AAAA \
             {hoa} ({} UPDATE(s) from it)",
            ups.len()
        ))
        .with_frames(p, sorted(frames));
    };
    push_update(&mut frames, add);
    // §9.5 AAA-MUST-1: under its security association with the DNS server.
    if !add.0 .1.tsig {
        return Outcome::fail(format!(
            "the MSA's AAA server's UPDATE adding {fqdn} is unsigned: no security association \
             with the DNS server (TSIG/SIG(0)) protects it ({})",
            accepted_signed(add)
                .err()
                .unwrap_or_else(|| "accepted".into())
        ))
        .with_frames(p, sorted(frames));
    }
    if let Err(why) = accepted_signed(add) {
        return Outcome::fail(format!(
            "the DNS server did not accept the MSA's AAA server's signed UPDATE adding {fqdn} \
             ({why})"
        ))
        .with_frames(p, sorted(frames));
    }
    // What DNS then answers the tester, before it deregisters.
    let from = reg.last_frame();
    let seen = lookup(obs, "AAAA", &fqdn, from, end);
    if let Some(l) = &seen {
        frames.extend(&l.frames);
        if !l.data.contains(&RData::Aaaa(hoa)) {
            return Outcome::fail(format!(
                "after the BA, DNS answers {fqdn} AAAA with [{}], not the HoA {hoa}",
                l.shown()
            ))
            .with_frames(p, sorted(frames));
        }
    }
    // The answers back along the chain, and the removal on Stop, as seen.
    let back = answer_to(obs, &proxied).is_some() && answer_to(obs, &req).is_some();
    let removed = match removal(dereg) {
        None => String::new(),
        Some(d) => {
            let del = updates_from(obs, MSA_AAA, d.bu.frame())
                .into_iter()
                .find(|u| deletes_aaaa(u.0 .1, &fqdn, hoa) && accepted_signed(u).is_ok());
            if let Some(u) = &del {
                push_update(&mut frames, u);
            }
            format!(
                "; on the HA's Stop the MSA's AAA server {} the AAAA",
                if del.is_some() {
                    "deleted"
                } else {
                    "did not delete"
                }
            )
        }
    };
    Outcome::pass(format!(
        "the MSP's AAA server proxied the HA's Accounting-Request ({fqdn}, {hoa}) to the MSA's \
         AAA server, which sent a TSIG-signed UPDATE adding {fqdn} AAAA {hoa}, accepted with a \
         signed NOERROR; {}{}{removed}",
        if back {
            "the answers went back to the HA"
        } else {
            "the answers did not all go back to the HA"
        },
        if seen.is_some() {
            "; the tester's lookup then returns the HoA"
        } else {
            ""
        }
    ))
    .with_frames(p, sorted(frames))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_capture_is_inconclusive() {
        for t in crate::assert_empty_capture_inconclusive(&["ha_aaa_dns"]) {
            assert_eq!(t.topology, TOPOLOGY);
        }
    }

    /// One RADIUS Accounting-Request from the HA to its AAA server, as the dissector shows it.
    fn request(attrs: &[(&str, &str)]) -> Observation {
        use mip6lab_suite::{Part, Transcript};
        let m = attrs.iter().fold(
            Part::new("RADIUS", "Accounting-Request").field("code", 4),
            |m, (k, v)| m.child(Part::new("RADIUS", *k).field("value", *v)),
        );
        let entry = Entry {
            frame: 1,
            src: HA.into(),
            dst: MSP_AAA.into(),
            src_addr: "2001:db8:1::a1".parse().unwrap(),
            dst_addr: "2001:db8:1::1a".parse().unwrap(),
            decoded: mip6lab_capture::Decoded::Message(m),
        };
        Observation {
            transcript: Transcript {
                entries: vec![entry],
                ..Transcript::default()
            },
            ..Observation::default()
        }
    }

    #[test]
    fn attributes_read_as_the_dissector_shows_them() {
        let hoa: Ipv6Addr = "2001:db8:1:100::8001".parse().unwrap();
        let full = request(&[
            ("Acct-Status-Type", "1 (Start)"),
            ("User-Name", "\"mn1.example.com\""),
            ("Framed-IPv6-Address", "2001:db8:1:100::8001"),
        ]);
        let m = full.radius_messages().next().unwrap();
        assert!(carries_pair(&m, START, "mn1.example.com.", hoa));
        assert!(!carries_pair(&m, STOP, "mn1.example.com", hoa));
        assert!(!carries_pair(&m, START, "mn2.example.com", hoa));
        let partial = request(&[
            ("Acct-Status-Type", "1 (Start)"),
            ("User-Name", "\"mn1.example.com\""),
        ]);
        let no_hoa = partial.radius_messages().next().unwrap();
        assert!(!carries_pair(&no_hoa, START, "mn1.example.com", hoa));
        assert!(describe(&no_hoa).contains("Framed-IPv6-Address=absent"));
    }
}
