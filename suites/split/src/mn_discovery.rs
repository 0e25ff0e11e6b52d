//! MN under test: home agent discovery by DNS (RFC 5026 §5.1).
//! The harness serves the MSP zone from BIND; the MN is told only a domain or an HA name.

use mip6lab_suite::observe::{
    aaaa_records, describe_queries, dns_queries_from, first_ike_sa_init, response_to,
    uses_offered_ha, DnsRcode, DnsView,
};
use mip6lab_suite::try_step;
use mip6lab_suite::{DnsMessage, Entry, Observation, Outcome, TestPurpose};
use std::net::IpAddr;
use std::time::Duration;

pub const DOMAIN: &str = "example.com";
pub const SRV_QNAME: &str = "_mip6._ipv6.example.com.";
pub const HA_NAME: &str = "ha1.example.com.";

/// The MN, told `iut_env`, observed until its IKE SA with the HA it picked is up. The HAs of
/// the SRV answer run in the topology (the reference HA), so the MN's IKE_SA_INIT reaches
/// the wire and the judges read the HA it chose from there; the reference's
/// `ike_established` report only ends the observation early (it comes after IKE_SA_INIT).
const fn discovery(
    id: &'static str,
    title: &'static str,
    requirements: &'static [&'static str],
    iut_env: &'static [(&'static str, &'static str)],
    judge: fn(&Observation) -> Outcome,
) -> TestPurpose {
    TestPurpose::new(
        crate::mn_under_test("split-discovery"),
        id,
        title,
        requirements,
        judge,
    )
    .iut_env(iut_env)
    .until_event(Some("ike_established"))
    .observe_for(Duration::from_secs(20))
}

const BY_DOMAIN: &[(&str, &str)] = &[("MIP6LAB_DOMAIN", DOMAIN)];

/// §5.1.2: "the Mobile constructs a request with QNAME set to "_mip6._ipv6.example.com" and
/// QTYPE to SRV"; the service name "is "mip6" and the protocol name is "ipv6"". The MN then
/// picks one HA from the reply (or its additional-section AAAA records). RFC 2782: "A client
/// MUST attempt to contact the target host with the lowest-numbered priority it can reach",
/// judged from the destination of the MN's first IKE_SA_INIT.
#[mip6lab_suite::test_purpose]
pub fn srv_lookup() -> TestPurpose {
    discovery(
        "TP-SPLIT-MN-DISC-SRV-01",
        "MN discovers its HA with an SRV query for _mip6._ipv6.<domain>",
        &[
            "RFC5026-5.1.2-MN-MUST-1",
            "RFC2782-Priority-MN-MUST-1",
            "RFC5026-5.1.2-MN-MUST-3",
            "RFC5026-5.1.2-MN-MUST-4",
            "RFC5026-5.1.2-MN-MAY-1",
        ],
        BY_DOMAIN,
        judge_srv_lookup,
    )
    .pics(&["mn.discovery.srv"])
}

/// The MSP's DNS, as the lab provides it, answers the way §5.1.2 describes: SRV records under
/// "_mip6._ipv6" ("the service name … is "mip6" and the protocol name is "ipv6"") and, "if
/// there is room in the SRV reply, it is RECOMMENDED that the DNS server also return the IP
/// addresses of the Home Agents in AAAA records as part of the additional data section".
/// This checks the harness's own peer (BIND), so a vendor MN is never judged on a broken lab;
/// it shares the SRV test's lab run. It is a lab check, not a verdict on the IUT: its judge
/// reads only BIND's answer, and a FAIL here means the lab is broken.
#[mip6lab_suite::test_purpose]
pub fn msp_srv_answer() -> TestPurpose {
    discovery(
        "TP-SPLIT-DNS-SRV-ANSWER-01",
        "The MSP's DNS answers _mip6._ipv6 SRV with the HAs' AAAA records as additional data",
        &[
            "RFC5026-5.1.2-MSP-MUST-1",
            "RFC5026-5.1.2-DNS-RECOMMENDED-1",
        ],
        BY_DOMAIN,
        judge_msp_srv_answer,
    )
    .lab_check()
}

/// The DNS server's answer to the MN's `qtype` query `q`; without one, INCONCLUSIVE.
fn answer_to_mn<'a>(
    obs: &'a Observation,
    q: &Entry,
    qtype: &str,
) -> Result<(&'a Entry, &'a DnsMessage), Outcome> {
    response_to(obs, q).ok_or_else(|| {
        Outcome::inconclusive(format!(
            "the DNS server did not answer the MN's {qtype} query"
        ))
        .with_frames(obs.pcap.as_str(), [q.frame])
    })
}

pub fn judge_srv_lookup(obs: &Observation) -> Outcome {
    let pcap = obs.pcap.as_str();
    if let Some(o) = died_before_asking(obs) {
        return o;
    }
    let Some((q, qm)) = dns_queries_from(obs, "MN").find(|(_, m)| m.qtype == "SRV") else {
        return Outcome::fail(format!(
            "the MN sent no SRV query (QTYPE 33); it asked for {}{}",
            describe_queries(dns_queries_from(obs, "MN")),
            exit_note(obs)
        ));
    };
    if !qm.qname.eq_ignore_ascii_case(SRV_QNAME) {
        return Outcome::fail(format!(
            "SRV QNAME was `{}`, expected `{SRV_QNAME}` (service mip6, protocol ipv6)",
            qm.qname
        ))
        .with_frames(pcap, [q.frame]);
    }
    let (r, rm) = try_step!(answer_to_mn(obs, q, "SRV"));
    if rm.response_code() != DnsRcode::NoError {
        return Outcome::inconclusive(format!("the DNS server answered {}", rm.rcode))
            .with_frames(pcap, [q.frame, r.frame]);
    }
    // Addresses of the SRV targets: from this answer's additional section, or from the
    // MN's own follow-up AAAA queries.
    let targets: Vec<(u16, String)> = rm
        .srv_answers(None)
        .into_iter()
        .map(|s| (s.priority, s.target))
        .collect();
    let mut frames = vec![q.frame, r.frame];
    let mut offered = Vec::new();
    let mut by_priority: Vec<(u16, &str, Vec<IpAddr>)> = Vec::new();
    for (prio, t) in &targets {
        let mut addrs = aaaa_records(rm, t);
        for (fq, _) in dns_queries_from(obs, "MN").filter(|(_, m)| m.qname.eq_ignore_ascii_case(t))
        {
            if let Some((fr, frm)) = response_to(obs, fq) {
                addrs.extend(aaaa_records(frm, t));
                frames.extend([fq.frame, fr.frame]);
            }
        }
        offered.extend(addrs.iter().copied());
        by_priority.push((*prio, t, addrs));
    }
    // RFC 2782 (named by §5.1.2): the lowest priority value that has an address comes first;
    // weight only orders targets of equal priority. The MN's choice is the destination of its
    // first IKE_SA_INIT.
    let best = by_priority
        .iter()
        .filter(|(_, _, a)| !a.is_empty())
        .map(|(p, _, _)| *p)
        .min();
    if let (Some(best), Some(init)) = (best, first_ike_sa_init(obs, "MN")) {
        let (frame, addr) = (init.frame(), init.entry.dst_addr);
        if let Some((p, t, _)) = by_priority.iter().find(|(_, _, a)| a.contains(&addr)) {
            if *p > best {
                let want: Vec<&str> = by_priority
                    .iter()
                    .filter(|(q, _, a)| *q == best && !a.is_empty())
                    .map(|(_, t, _)| *t)
                    .collect();
                return Outcome::fail(format!(
                    "the MN sent its first IKE_SA_INIT to {t} ({addr}, SRV priority {p}), not \
                     to {} (priority {best}): RFC 2782 takes the lowest priority value first",
                    want.join(" or ")
                ))
                .with_frames(pcap, frames.iter().copied().chain([frame]));
            }
        }
    }
    uses_offered_ha(
        obs,
        "MN",
        &offered,
        &frames,
        "the DNS answer to its SRV query",
    )
}

/// `; it exited with code N` when the MN ended during the test.
fn exit_note(obs: &Observation) -> String {
    obs.iut_exit
        .map_or_else(String::new, |c| format!("; it exited with code {c}"))
}

/// A MN that exited with an error before it asked DNS anything never reached discovery (a
/// kernel-backed MN started without its capabilities, say): not a failure of discovery.
fn died_before_asking(obs: &Observation) -> Option<Outcome> {
    let code = obs.iut_exit.filter(|c| *c != 0)?;
    if dns_queries_from(obs, "MN").next().is_some() {
        return None;
    }
    Some(Outcome::not_reached(
        "the MN's start",
        format!("the MN exited with code {code} before any DNS query"),
    ))
}

/// §5.1.1: "The Mobile Node constructs a DNS request by setting the QNAME to the name of the
/// Home Agent. The request has QTYPE set to "AAAA"".
#[mip6lab_suite::test_purpose]
pub fn name_lookup() -> TestPurpose {
    discovery(
        "TP-SPLIT-MN-DISC-NAME-01",
        "MN configured with an HA name looks it up with QTYPE AAAA",
        &["RFC5026-5.1.1-MN-MUST-1", "RFC5026-5.1.1-MN-MUST-2"],
        &[("MIP6LAB_HA_NAME", "ha1.example.com")],
        judge_name_lookup,
    )
    .pics(&["mn.discovery.name"])
}

pub fn judge_name_lookup(obs: &Observation) -> Outcome {
    let pcap = obs.pcap.as_str();
    if let Some(o) = died_before_asking(obs) {
        return o;
    }
    let Some((q, qm)) =
        dns_queries_from(obs, "MN").find(|(_, m)| m.qname.eq_ignore_ascii_case(HA_NAME))
    else {
        return Outcome::fail(format!(
            "the MN sent no query for its HA name `{HA_NAME}`; it asked for {}{}",
            describe_queries(dns_queries_from(obs, "MN")),
            exit_note(obs)
        ));
    };
    if qm.qtype != "AAAA" {
        return Outcome::fail(format!(
            "the query for `{HA_NAME}` had QTYPE {}, expected AAAA",
            qm.qtype
        ))
        .with_frames(pcap, [q.frame]);
    }
    let (r, rm) = try_step!(answer_to_mn(obs, q, "AAAA"));
    let offered = aaaa_records(rm, HA_NAME);
    uses_offered_ha(
        obs,
        "MN",
        &offered,
        &[q.frame, r.frame],
        "the DNS answer to its AAAA query",
    )
}

pub fn judge_msp_srv_answer(obs: &Observation) -> Outcome {
    let pcap = obs.pcap.as_str();
    let Some((q, _)) = dns_queries_from(obs, "MN")
        .find(|(_, m)| m.qtype == "SRV" && m.qname.eq_ignore_ascii_case(SRV_QNAME))
    else {
        return Outcome::inconclusive(format!(
            "no SRV query for {SRV_QNAME} to answer (the MN asked for {})",
            describe_queries(dns_queries_from(obs, "MN"))
        ));
    };
    let Some((r, rm)) = response_to(obs, q) else {
        return Outcome::fail("the MSP's DNS did not answer the SRV query")
            .with_frames(pcap, [q.frame]);
    };
    let targets: Vec<String> = rm
        .srv_answers(Some(SRV_QNAME))
        .into_iter()
        .map(|s| s.target)
        .collect();
    if targets.is_empty() {
        return Outcome::fail(format!(
            "the answer holds no SRV record owned by {SRV_QNAME}"
        ))
        .with_frames(pcap, [q.frame, r.frame]);
    }
    let missing: Vec<&String> = targets
        .iter()
        .filter(|t| aaaa_records(rm, t).is_empty())
        .collect();
    if !missing.is_empty() {
        return Outcome::fail(format!("no AAAA in the additional section for {missing:?}"))
            .with_frames(pcap, [q.frame, r.frame]);
    }
    Outcome::pass(format!(
        "SRV {SRV_QNAME} → {}; each target's AAAA is in the additional section",
        targets.join(", ")
    ))
    .with_frames(pcap, [q.frame, r.frame])
}
