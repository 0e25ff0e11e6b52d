//! DSMIPv6 UDP encapsulation (RFC 5555 §2.3.2.2, §4.1): UDP to or from port 4191 carrying a
//! whole IPv4 or IPv6 packet, told apart by its version nibble, with no header between.
//!
//! The inner packet is sliced like a captured one ([`super::slice_ip`]) and decoded by the
//! standard dissectors (without this one, so nested tunnels stay opaque). A decoded inner
//! message is shown as itself (a BU stays a `BU`) with these fields first: `via=udp4191`,
//! `from` (the outer source, e.g. the MN's IPv4 care-of address or its NAT's), `sport`
//! (volatile: a NAT picks it), and `inner_src` / `inner_dst`. The transcript entry keeps the
//! outer addresses. Anything else inside gives a `DSMIPv6 UDP-4191` part with the same fields,
//! plus `next_header` and `len`.

use super::{Context, Dissector, Dissectors, Packet, Transport};
use crate::transcript::{Decoded, Field, Part};

/// The HA's UDP port for DSMIPv6 encapsulation (RFC 5555 §2.3.2.2, §8).
pub const PORT: u16 = 4191;

pub struct Dsmip {
    inner: Dissectors,
}

impl Dsmip {
    pub fn new() -> Dsmip {
        Dsmip {
            inner: Dissectors::tunnelled(),
        }
    }
}

impl Default for Dsmip {
    fn default() -> Dsmip {
        Dsmip::new()
    }
}

impl Dissector for Dsmip {
    fn name(&self) -> &'static str {
        "DSMIPv6"
    }

    fn claims(&self, pkt: &Packet, _: &[u8]) -> bool {
        pkt.is_udp_port(PORT)
    }

    fn dissect(&self, pkt: &Packet, payload: &[u8], ctx: &mut Context) -> Decoded {
        decode(pkt, payload, ctx, &self.inner)
    }
}

/// Decodes the UDP 4191 `payload` of `outer` with `inner` dissectors.
pub fn decode(outer: &Packet, payload: &[u8], ctx: &mut Context, inner: &Dissectors) -> Decoded {
    let version = payload.first().map(|b| b >> 4);
    if !matches!(version, Some(4 | 6)) {
        let what = match version {
            None => "empty UDP 4191 payload".to_owned(),
            Some(v) => format!("UDP 4191 payload has IP version {v}, not 4 or 6"),
        };
        return Decoded::malformed("DSMIPv6", what);
    }
    let (pkt, data) = match super::slice_ip(payload) {
        Ok(Some(sliced)) => sliced,
        Ok(None) => return Decoded::malformed("DSMIPv6", "UDP 4191 payload has no IP header"),
        Err(e) => return Decoded::malformed("DSMIPv6", format!("inner packet: {e}")),
    };
    let sport = match outer.transport {
        Transport::Udp { sport, .. } => sport,
        _ => 0,
    };
    let via = [
        field("via", "udp4191", false),
        field("from", outer.src, false),
        field("sport", sport, true),
        field("inner_src", pkt.src, false),
        field("inner_dst", pkt.dst, false),
    ];
    match inner.dissect(&pkt, data, ctx) {
        Decoded::Message(mut m) => {
            m.fields.splice(0..0, via);
            Decoded::Message(m)
        }
        Decoded::Malformed { protocol, reason } => Decoded::Malformed {
            protocol,
            reason: format!("{reason} (via UDP 4191 from {})", outer.src),
        },
        _ => {
            let next_header = match pkt.transport {
                Transport::Udp { .. } => 17,
                Transport::Tcp { .. } => 6,
                Transport::Icmpv6 { .. } => 58,
                Transport::Other { next_header } => next_header,
            };
            let mut m = Part::new("DSMIPv6", "UDP-4191");
            m.fields.extend(via);
            Decoded::Message(m.field("next_header", next_header).field("len", data.len()))
        }
    }
}

fn field(name: &str, value: impl ToString, volatile: bool) -> Field {
    Field {
        name: name.into(),
        value: value.to_string(),
        volatile,
    }
}
