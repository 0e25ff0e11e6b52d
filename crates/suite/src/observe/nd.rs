//! ICMPv6 the judges look at: Neighbor Solicitations and Advertisements of duplicate address
//! detection (RFC 4862 §5.4) and Mobile Prefix Discovery (RFC 6275 §6.7, §6.8).

use super::mobility::{Carrier, Flags};
use super::{parsed, yes_no};
use crate::Observation;
use mip6lab_capture::{Decoded, Entry, Part};
use std::net::Ipv6Addr;

/// A Neighbor Solicitation or Advertisement.
#[derive(Debug, Clone)]
pub struct NeighborMessage<'a> {
    pub entry: &'a Entry,
    pub advertisement: bool,
    pub target: Option<Ipv6Addr>,
    pub hop_limit: Option<u8>,
    pub checksum_ok: Option<bool>,
    /// NA flags (R, S, O).
    pub flags: Flags,
    /// Whether a Source Link-Layer Address option is present.
    pub source_link_layer: bool,
}

/// A Mobile Prefix Solicitation (`advertisement == false`) or Advertisement.
#[derive(Debug, Clone)]
pub struct MobilePrefixMessage<'a> {
    pub entry: &'a Entry,
    pub carrier: Carrier,
    pub advertisement: bool,
    pub identifier: Option<u16>,
    pub home_address: Option<Ipv6Addr>,
    pub routed_to: Option<Ipv6Addr>,
    pub prefixes: Vec<PrefixInformation>,
}

/// A Prefix Information option of an MPA.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrefixInformation {
    pub prefix: Option<(Ipv6Addr, u8)>,
    /// L, A, R letters.
    pub flags: Flags,
}

impl PrefixInformation {
    /// The A flag: usable for address auto-configuration.
    pub fn autonomous(&self) -> bool {
        self.flags.has('A')
    }
}

fn neighbor_message<'a>(e: &'a Entry, m: &'a Part) -> Option<NeighborMessage<'a>> {
    let advertisement = match (m.protocol.as_str(), m.kind.as_str()) {
        ("ICMPv6", "NS") => false,
        ("ICMPv6", "NA") => true,
        _ => return None,
    };
    Some(NeighborMessage {
        entry: e,
        advertisement,
        target: parsed(m, "target"),
        hop_limit: parsed(m, "hop_limit"),
        checksum_ok: m.get("checksum_ok").and_then(yes_no),
        flags: Flags(m.get("flags").unwrap_or_default().to_owned()),
        source_link_layer: m.children.iter().any(|c| c.kind == "SLLA"),
    })
}

fn mobile_prefix<'a>(
    e: &'a Entry,
    carrier: Carrier,
    m: &'a Part,
) -> Option<MobilePrefixMessage<'a>> {
    let advertisement = match m.kind.as_str() {
        "MPS" => false,
        "MPA" => true,
        _ => return None,
    };
    Some(MobilePrefixMessage {
        entry: e,
        carrier,
        advertisement,
        identifier: parsed(m, "identifier"),
        home_address: parsed(m, "hao"),
        routed_to: parsed(m, "rh2"),
        prefixes: super::all_of(m, "PrefixInfo")
            .into_iter()
            .map(|p| PrefixInformation {
                prefix: p.get("prefix").and_then(super::address_and_length),
                flags: Flags(p.get("flags").unwrap_or_default().to_owned()),
            })
            .collect(),
    })
}

impl Observation {
    /// Neighbor Solicitations and Advertisements shown in the transcript (DAD for addresses
    /// that are not link-local), in capture order.
    pub fn neighbor_discovery(&self) -> impl Iterator<Item = NeighborMessage<'_>> + '_ {
        self.transcript
            .entries
            .iter()
            .filter_map(|e| match &e.decoded {
                Decoded::Message(m) => neighbor_message(e, m),
                _ => None,
            })
    }

    /// Mobile Prefix Solicitations and Advertisements sent by `src`: those inside decrypted
    /// ESP first, then those in the clear.
    pub fn mobile_prefix_from<'a>(
        &'a self,
        src: &'a str,
    ) -> impl Iterator<Item = MobilePrefixMessage<'a>> + 'a {
        let from = move |e: &&Entry| e.src == src;
        let in_esp = self.transcript.entries.iter().filter(from).filter_map(|e| {
            let Decoded::Message(m) = &e.decoded else {
                return None;
            };
            if m.protocol != "ESP" {
                return None;
            }
            let carrier = Carrier::Esp {
                next_header: parsed(m, "next_header"),
            };
            ["MPS", "MPA"]
                .iter()
                .find_map(|k| m.find(k))
                .and_then(|inner| mobile_prefix(e, carrier, inner))
        });
        let plain = self
            .transcript
            .entries
            .iter()
            .filter(from)
            .filter_map(|e| match &e.decoded {
                Decoded::Message(m) if m.protocol == "ICMPv6" => {
                    mobile_prefix(e, Carrier::Plain, m)
                }
                _ => None,
            });
        in_esp.chain(plain)
    }
}
