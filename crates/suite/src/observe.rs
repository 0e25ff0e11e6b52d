//! Questions test purposes ask of an observation. Each answer carries the frames that
//! show it, so a verdict can cite them.

use crate::Observation;
use mip6lab_capture::{Decoded, DnsMessage, Entry, Message};
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

/// Decoded messages of `protocol` (`IKEv2`, `ESP`, `MH`) sent by `src` (any role if `None`).
pub fn messages<'a>(
    obs: &'a Observation,
    protocol: &'a str,
    src: Option<&'a str>,
) -> impl Iterator<Item = (&'a Entry, &'a Message)> + 'a {
    obs.transcript
        .entries
        .iter()
        .filter_map(move |e| match &e.decoded {
            Decoded::Message(m) if m.protocol == protocol && src.is_none_or(|s| e.src == s) => {
                Some((e, m))
            }
            _ => None,
        })
}

/// IKEv2 messages whose kind is `kind` (e.g. `IKE_AUTH request`) sent by `src`.
pub fn ike<'a>(
    obs: &'a Observation,
    kind: &'a str,
    src: Option<&'a str>,
) -> impl Iterator<Item = (&'a Entry, &'a Message)> + 'a {
    messages(obs, "IKEv2", src).filter(move |(_, m)| m.kind == kind)
}

/// Mobility Header messages of `kind` (`BU`, `BA`) sent by `src`, with the message that
/// carried them: the ESP packet (decrypted) or the plain MH packet.
pub fn mh<'a>(
    obs: &'a Observation,
    kind: &'a str,
    src: Option<&'a str>,
) -> impl Iterator<Item = (&'a Entry, &'a Message, &'a Message)> + 'a {
    obs.transcript
        .entries
        .iter()
        .filter_map(move |e| match &e.decoded {
            Decoded::Message(m)
                if (m.protocol == "ESP" || m.protocol == "MH")
                    && src.is_none_or(|s| e.src == s) =>
            {
                m.find(kind).map(|inner| (e, m, inner))
            }
            _ => None,
        })
}

/// Every part of `kind` under `m` (depth first, `m` included).
pub fn all_of<'a>(m: &'a Message, kind: &str) -> Vec<&'a Message> {
    let mut out = Vec::new();
    fn walk<'a>(m: &'a Message, kind: &str, out: &mut Vec<&'a Message>) {
        if m.kind == kind {
            out.push(m);
        }
        for c in &m.children {
            walk(c, kind, out);
        }
    }
    walk(m, kind, &mut out);
    out
}

/// Whether an ESP packet was decrypted (the harness had its keys).
pub fn decrypted(m: &Message) -> bool {
    m.get("decrypted") == Some("yes")
        || m.find("SK").and_then(|s| s.get("decrypted")) == Some("yes")
}

/// IKEv2 SK payloads the harness could not open: a reason to be INCONCLUSIVE, not to FAIL.
pub fn undecrypted_ike(obs: &Observation) -> Vec<u64> {
    messages(obs, "IKEv2", None)
        .filter(|(_, m)| {
            m.find("SK")
                .is_some_and(|s| s.get("decrypted") != Some("yes"))
        })
        .map(|(e, _)| e.frame)
        .collect()
}
