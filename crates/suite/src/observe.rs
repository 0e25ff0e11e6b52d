//! Questions test purposes ask of an observation. Each answer carries the frames that
//! show it, so a verdict can cite them.

use crate::Observation;
use mip6lab_capture::{DnsMessage, Entry};
use mip6lab_report::Outcome;
use std::net::IpAddr;

/// DNS queries sent by `role`, in capture order.
pub fn dns_queries_from<'a>(
    obs: &'a Observation,
    role: &'a str,
) -> impl Iterator<Item = (&'a Entry, &'a DnsMessage)> + 'a {
    obs.transcript
        .dns()
        .filter(move |(e, m)| e.src == role && !m.response)
}

/// The response to a query: same ID, opposite direction, later in the capture.
pub fn response_to<'a>(obs: &'a Observation, query: &Entry) -> Option<(&'a Entry, &'a DnsMessage)> {
    let id = query.dns()?.id;
    obs.transcript.dns().find(|(e, m)| {
        m.response
            && m.id == id
            && e.frame > query.frame
            && e.src_addr == query.dst_addr
            && e.dst_addr == query.src_addr
    })
}

/// IPv6 addresses in AAAA records for `name` anywhere in a response.
pub fn aaaa_records(m: &DnsMessage, name: &str) -> Vec<IpAddr> {
    m.answers
        .iter()
        .chain(&m.additionals)
        .filter(|r| r.rtype == "AAAA" && r.name.eq_ignore_ascii_case(name))
        .filter_map(|r| r.data.parse().ok())
        .collect()
}

/// "Then uses an HA from the answer": judged from traffic the node sends to one of the
/// `offered` addresses; failing that, from the address the IUT reports choosing.
pub fn uses_offered_ha(
    obs: &Observation,
    role: &str,
    offered: &[IpAddr],
    earlier_frames: &[u64],
) -> Outcome {
    let pcap = obs.pcap.as_str();
    if let Some(e) = obs
        .transcript
        .entries
        .iter()
        .find(|e| e.src == role && offered.contains(&e.dst_addr))
    {
        let mut frames = earlier_frames.to_vec();
        frames.push(e.frame);
        return Outcome::pass(format!(
            "{role} contacted {} ({}), an HA the DNS answer offered",
            e.dst, e.dst_addr
        ))
        .with_frames(pcap, frames);
    }
    let reported = obs
        .iut_event
        .as_ref()
        .and_then(|ev| ev.get("address"))
        .and_then(|a| a.as_str())
        .and_then(|a| a.parse::<IpAddr>().ok());
    match reported {
        Some(a) if offered.contains(&a) => Outcome::pass(format!(
            "{role} chose {a}, an HA the DNS answer offered (reported by the IUT; no traffic to \
             the HA yet)"
        ))
        .with_frames(pcap, earlier_frames.iter().copied())
        .with_report(role, format!("ha_selected {a}")),
        Some(a) => Outcome::fail(format!(
            "{role} chose {a}, which the DNS answer did not offer (offered: {})",
            list(offered)
        ))
        .with_frames(pcap, earlier_frames.iter().copied())
        .with_report(role, format!("ha_selected {a}")),
        None => Outcome::inconclusive(format!(
            "no evidence that {role} used an offered HA ({}): no traffic to it and no report",
            list(offered)
        ))
        .with_frames(pcap, earlier_frames.iter().copied()),
    }
}

pub fn list(a: &[IpAddr]) -> String {
    if a.is_empty() {
        return "none".into();
    }
    a.iter()
        .map(IpAddr::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// "QTYPE QNAME" of each query, for reasons that say what was asked instead.
pub fn describe_queries<'a>(qs: impl Iterator<Item = (&'a Entry, &'a DnsMessage)>) -> String {
    let v: Vec<String> = qs
        .map(|(e, m)| format!("{} {} (frame {})", m.qtype, m.qname, e.frame))
        .collect();
    if v.is_empty() {
        "nothing".into()
    } else {
        v.join(", ")
    }
}
