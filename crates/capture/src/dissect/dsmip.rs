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

/// IPv4 packets carrying a whole IPv4 (protocol 4, RFC 2003) or IPv6 (41) packet: the
/// dual-stack scenario's userspace tunnels between an MN or FA and the FHA. The inner packet is
/// decoded as [`Dsmip`]'s is, with `via=ipip` (or `via=ip6in4`) and no port.
pub struct IpInIp {
    inner: Dissectors,
}

impl IpInIp {
    pub fn new() -> IpInIp {
        IpInIp {
            inner: Dissectors::tunnelled(),
        }
    }
}

impl Default for IpInIp {
    fn default() -> IpInIp {
        IpInIp::new()
    }
}

impl Dissector for IpInIp {
    fn name(&self) -> &'static str {
        "IP-in-IP"
    }

    fn claims(&self, pkt: &Packet, _: &[u8]) -> bool {
        pkt.src.is_ipv4()
            && matches!(
                pkt.transport,
                Transport::Other {
                    next_header: 4 | 41
                }
            )
    }

    fn dissect(&self, pkt: &Packet, payload: &[u8], ctx: &mut Context) -> Decoded {
        decode(pkt, payload, ctx, &self.inner)
    }
}

/// Decodes the encapsulated `payload` of `outer` (UDP 4191, or IP protocol 4/41) with
/// `inner` dissectors.
pub fn decode(outer: &Packet, payload: &[u8], ctx: &mut Context, inner: &Dissectors) -> Decoded {
    let (protocol, via, tunnel) = match outer.transport {
        Transport::Other { next_header: 4 } => ("IP-in-IP", "ipip", "IPv4-in-IPv4"),
        Transport::Other { next_header: 41 } => ("IP-in-IP", "ip6in4", "IPv6-in-IPv4"),
        _ => ("DSMIPv6", "udp4191", "UDP 4191"),
    };
    let what = format!("{tunnel} payload");
    let version = payload.first().map(|b| b >> 4);
    if !matches!(version, Some(4 | 6)) {
        let why = match version {
            None => format!("empty {what}"),
            Some(v) => format!("{what} has IP version {v}, not 4 or 6"),
        };
        return Decoded::malformed(protocol, why);
    }
    let (pkt, data) = match super::slice_ip(payload) {
        Ok(Some(sliced)) => sliced,
        Ok(None) => return Decoded::malformed(protocol, format!("{what} has no IP header")),
        Err(e) => return Decoded::malformed(protocol, format!("inner packet: {e}")),
    };
    let mut via = vec![field("via", via, false), field("from", outer.src, false)];
    if let Transport::Udp { sport, .. } = outer.transport {
        via.push(field("sport", sport, true));
    }
    via.push(field("inner_src", pkt.src, false));
    via.push(field("inner_dst", pkt.dst, false));
    match inner.dissect(&pkt, data, ctx) {
        Decoded::Message(mut m) => {
            m.fields.splice(0..0, via);
            Decoded::Message(m)
        }
        Decoded::Malformed {
            protocol: inner_protocol,
            reason,
        } => Decoded::Malformed {
            protocol: inner_protocol,
            reason: format!("{reason} (via {tunnel} from {})", outer.src),
        },
        _ => {
            let next_header = match pkt.transport {
                Transport::Udp { .. } => 17,
                Transport::Tcp { .. } => 6,
                Transport::Icmpv6 { .. } => 58,
                Transport::Other { next_header } => next_header,
            };
            let kind = if protocol == "DSMIPv6" {
                "UDP-4191"
            } else {
                "inner"
            };
            let mut m = Part::new(protocol, kind);
            m.fields.extend(via);
            let m = m.field("next_header", next_header).field("len", data.len());
            // ICMPv4 inside (e.g. an echo through the tunnel): its type and code.
            let m = match (next_header, data) {
                (1, [t, c, ..]) => m.field("icmp_type", t).field("icmp_code", c),
                _ => m,
            };
            Decoded::Message(m)
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
