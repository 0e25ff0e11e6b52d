//! Questions test purposes ask of an observation. Each answer carries the frames that
//! show it, so a verdict can cite them.
//!
//! Judges read typed views ([`BindingUpdate`], [`IkeMessage`], [`RadiusMessage`],
//! [`DhcpMessage`], [`EapolFrame`], [`Mip4Message`], [`TunnelledPacket`], DNS records through
//! [`DnsView`], …) derived here from the transcript tree, so they work the
//! same on a fresh decode and on a recorded JSON transcript. This module is the one place that
//! reads the tree's fields by name.

mod access;
mod dhcp;
mod dhcp4;
mod dns;
mod esp;
mod ike;
mod links;
mod mip4;
mod mobility;
mod nd;
mod tunnel;

pub use access::{
    acct_status, mip6_feature, radius_code, AccessOrder, EapCode, EapOutcome, EapPacket,
    EapolFrame, RadiusAttribute, RadiusMessage,
};
pub use dhcp::{
    first_difference, option_code, same_message, Container, ContainerKind, DhcpBody, DhcpMessage,
    DhcpMessageType, DhcpOpt, Duid, RelayHeader, RelayedExchange,
};
pub use dhcp4::{Dhcp4Message, RelayAgentInfo};
pub use dns::{DnsRcode, DnsView, RData, Record, Srv, TsigError, UpdateOperation};
pub use esp::EspPacket;
pub use ike::{
    id_type, notify, AltName, Certificate, CfgType, ConfigPayload, CpAttribute, CpAttributeType,
    CpValue, Exchange, Identity, IkeMessage, IkeSpi, Notify, Proposal, SecurityProtocol,
    TrafficSelector, Transform,
};
pub use mip4::{
    KeyGenPeer, KeyGenReply, Mip4Extension, Mip4ExtensionKind, Mip4Kind, Mip4Message,
    Mip4Registration, MobilityAgentExtension, OtherExtension, VendorExtension,
};
pub use mip6lab_wire::dhcpv4::message_type as dhcp4_message_type;
pub use mip6lab_wire::dhcpv6::code as dhcp_option;
pub use mip6lab_wire::dhcpv6::option::embed_ipv4;
pub use mip6lab_wire::dsprofile::Item as ProfileItem;
pub use mip6lab_wire::mip4::{AdvFlags, ReplyCode, RrqFlags};
pub use mip6lab_wire::nd::solicited_node;
pub use mip6lab_wire::radius::HaAssignment;
pub use mobility::{
    BindingAck, BindingUpdate, Carrier, DnsUpdateOption, Flags, Ipv4AddressAck,
    Ipv4HomeAddressOption, MobilityMessage, MobilityOption, NatDetection,
};
pub use nd::{MobilePrefixMessage, NeighborMessage, PrefixInformation};
pub use tunnel::{Tunnel, TunnelledPacket, Via};

use crate::Observation;
use mip6lab_capture::{Decoded, DnsMessage, Entry, Part};
use mip6lab_report::Outcome;
use std::net::IpAddr;

/// A field of a transcript part, parsed (`None` when absent or not of type `T`).
fn parsed<T: std::str::FromStr>(m: &Part, name: &str) -> Option<T> {
    m.get(name).and_then(|v| v.parse().ok())
}

/// A number shown with its name after it (`1 (MN-AAA)`, `0 (accepted)`).
fn leading_number<T: std::str::FromStr>(m: &Part, name: &str) -> Option<T> {
    m.get(name)?.split_whitespace().next()?.parse().ok()
}

/// Text values are shown quoted (`"mn1@example.com"`); the text itself.
fn unquoted(v: &str) -> &str {
    v.strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(v)
}

/// `yes` / `no` fields; anything else (`unknown`) is `None`.
fn yes_no(v: &str) -> Option<bool> {
    match v {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    }
}

/// `address/length`, as CP attributes and prefixes are shown.
fn address_and_length<A: std::str::FromStr>(v: &str) -> Option<(A, u8)> {
    let (a, l) = v.split_once('/')?;
    Some((a.parse().ok()?, l.parse().ok()?))
}

impl Observation {
    /// Payloads of `protocol` the dissector rejected, with its reason: a judge that would
    /// conclude "no message" must look here first.
    pub fn malformed_of(&self, protocol: &str) -> Vec<(&Entry, &str)> {
        self.transcript
            .entries
            .iter()
            .filter_map(|e| match &e.decoded {
                Decoded::Malformed {
                    protocol: p,
                    reason,
                } if p == protocol => Some((e, reason.as_str())),
                _ => None,
            })
            .collect()
    }
}

/// The capture file the frame numbers of `obs` refer to.
pub fn pcap(obs: &Observation) -> &str {
    obs.pcap.as_str()
}

/// Frames in capture order, each once.
pub fn sorted_frames(v: impl IntoIterator<Item = u64>) -> Vec<u64> {
    let mut v: Vec<u64> = v.into_iter().collect();
    v.sort_unstable();
    v.dedup();
    v
}

pub use mip6lab_wire::addr::{in_prefix, reverse_name, same_name};

/// The value, or `?` when there is none: reasons name what they could not read.
pub fn or_unknown<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map_or_else(|| "?".to_owned(), |v| v.to_string())
}

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
    m.answer_records()
        .into_iter()
        .chain(m.additional_records())
        .filter(|r| r.name.eq_ignore_ascii_case(name))
        .filter_map(|r| match r.data {
            RData::Aaaa(a) => Some(IpAddr::V6(a)),
            _ => None,
        })
        .collect()
}

/// The first IKE_SA_INIT request `role` put on the wire (to any address): the HA it turned
/// to, as the capture shows it. Never the IUT's own report of its choice.
pub fn first_ike_sa_init<'a>(obs: &'a Observation, role: &'a str) -> Option<IkeMessage<'a>> {
    obs.ike_requests(Exchange::IkeSaInit, Some(role)).next()
}

/// "Then uses an HA from the answer", judged from the destination of `role`'s first
/// IKE_SA_INIT. Without one, the step was never reached (INCONCLUSIVE, naming the last
/// step, `last_step`, and what stopped the flow: the IUT's exit or silence); an unreadable
/// frame after that step makes it "cannot judge".
pub fn uses_offered_ha(
    obs: &Observation,
    role: &str,
    offered: &[IpAddr],
    earlier_frames: &[u64],
    last_step: &str,
) -> Outcome {
    let pcap = obs.pcap.as_str();
    let mut frames = earlier_frames.to_vec();
    let Some(init) = first_ike_sa_init(obs, role) else {
        let after = earlier_frames.iter().copied().max().unwrap_or(0);
        if let Some(o) = obs.cannot_judge(None, after, "which HA the node contacted") {
            return o;
        }
        let next = format!("{role}'s IKE_SA_INIT");
        return Outcome::not_reached(last_step, stopped_by(obs, &next)).with_frames(pcap, frames);
    };
    let e = init.entry;
    frames.push(e.frame);
    if offered.contains(&e.dst_addr) {
        Outcome::pass(format!(
            "{role} sent its first IKE_SA_INIT to {} ({}), an HA the DNS answer offered",
            e.dst, e.dst_addr
        ))
        .with_frames(pcap, frames)
    } else {
        Outcome::fail(format!(
            "{role} sent its first IKE_SA_INIT to {}, which the DNS answer did not offer \
             (offered: {})",
            e.dst_addr,
            list(offered)
        ))
        .with_frames(pcap, frames)
    }
}

/// What stopped the IUT's flow before `next` (a step it had to take): its exit, with the
/// code, else silence. For [`Outcome::not_reached`].
pub fn stopped_by(obs: &Observation, next: &str) -> String {
    match obs.iut_exit {
        Some(code) => format!("the IUT exited with code {code} before {next}"),
        None => format!("silence: {next} never came within the observation"),
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

// Raw transcript parts, for tools that show them as they are (the CLI's IUT check); judges
// read the typed views above.

/// Decoded messages of `protocol` (`IKEv2`, `ESP`, `MH`) sent by `src` (any role if `None`).
pub fn messages<'a>(
    obs: &'a Observation,
    protocol: &'a str,
    src: Option<&'a str>,
) -> impl Iterator<Item = (&'a Entry, &'a Part)> + 'a {
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
) -> impl Iterator<Item = (&'a Entry, &'a Part)> + 'a {
    messages(obs, "IKEv2", src).filter(move |(_, m)| m.kind == kind)
}

/// Mobility Header messages of `kind` (`BU`, `BA`) sent by `src`, with the message that
/// carried them: the ESP packet (decrypted) or the plain MH packet.
pub fn mh<'a>(
    obs: &'a Observation,
    kind: &'a str,
    src: Option<&'a str>,
) -> impl Iterator<Item = (&'a Entry, &'a Part, &'a Part)> + 'a {
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
pub fn all_of<'a>(m: &'a Part, kind: &str) -> Vec<&'a Part> {
    let mut out = Vec::new();
    fn walk<'a>(m: &'a Part, kind: &str, out: &mut Vec<&'a Part>) {
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
pub fn decrypted(m: &Part) -> bool {
    m.get("decrypted") == Some("yes")
        || m.find("SK").and_then(|s| s.get("decrypted")) == Some("yes")
}

/// A frame the harness could not read: evidence that it cannot judge, never of absence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    pub frame: u64,
    pub why: String,
}

impl Observation {
    /// Frames from `src` (any role if `None`) at or after frame `from` that the harness could
    /// not decrypt or parse: IKEv2 SK payloads and ESP packets without keys, and frames whose
    /// decoding failed (their sender is unknown, so they count for every `src`). A judge that
    /// would conclude "absent" must first check this is empty.
    pub fn unreadable(&self, src: Option<&str>, from: u64) -> Vec<Unreadable> {
        let mut out: Vec<Unreadable> = self
            .ike_messages(src)
            .filter(|m| m.frame() >= from && m.sk_decrypted == Some(false))
            .map(|m| Unreadable {
                frame: m.frame(),
                why: "IKEv2 SK payload the harness could not decrypt".into(),
            })
            .chain(
                self.esp_packets(src)
                    .filter(|p| p.entry.frame >= from && !p.decrypted)
                    .map(|p| Unreadable {
                        frame: p.entry.frame,
                        why: "ESP packet the harness could not decrypt".into(),
                    }),
            )
            .chain(
                self.transcript
                    .errors
                    .iter()
                    .filter(|(f, _)| *f >= from)
                    .map(|(f, e)| Unreadable {
                        frame: *f,
                        why: format!("undecodable: {e}"),
                    }),
            )
            .collect();
        out.sort_by_key(|u| u.frame);
        out.dedup_by_key(|u| u.frame);
        out
    }

    /// INCONCLUSIVE "cannot judge" when frames from `src` after `from` are unreadable, with
    /// those frames as evidence; `None` when everything was readable.
    pub fn cannot_judge(&self, src: Option<&str>, from: u64, what: &str) -> Option<Outcome> {
        let u = self.unreadable(src, from);
        let first = u.first()?;
        let reason = format!(
            "cannot judge {what}: {} frame(s) unreadable, first frame {} ({})",
            u.len(),
            first.frame,
            first.why
        );
        Some(Outcome::inconclusive(reason).with_frames(pcap(self), u.iter().map(|x| x.frame)))
    }
}

/// IKEv2 SK payloads the harness could not open: a reason to be INCONCLUSIVE, not to FAIL.
pub fn undecrypted_ike(obs: &Observation) -> Vec<u64> {
    obs.ike_messages(None)
        .filter(|m| m.sk_decrypted == Some(false))
        .map(|m| m.frame())
        .collect()
}

#[cfg(test)]
mod tests;
