//! ESP dissector: IP protocol 50, and UDP 4500 without the non-ESP marker (ESP-in-UDP,
//! RFC 3948). A lone 0xFF octet on UDP 4500 is a NAT-keepalive.
//!
//! Output: protocol `ESP`, kind `ESP`, fields `spi` (volatile, hex), `seq` (not volatile: it
//! is deterministic per SA), `decrypted=yes|no` (+ `reason` when no), and once decrypted
//! `next_header`; an inner MH (135) is decoded by [`super::mh::dissect_mh`] and becomes the
//! child, as does an inner Mobile Prefix Solicitation/Advertisement (ICMPv6 146/147, by
//! [`super::mpd::dissect_mpd`]), other inner protocols give a `payload` child with `len`, and 59 (no next header)
//! gives none.

use super::{Context, Dissector, Packet, Transport};
use crate::transcript::{Decoded, Part};
use mip6lab_wire::esp;
use mip6lab_wire::ipv6ext;
use std::net::Ipv6Addr;

pub struct Esp;

impl Dissector for Esp {
    fn name(&self) -> &'static str {
        "ESP"
    }

    fn claims(&self, pkt: &Packet, payload: &[u8]) -> bool {
        match pkt.transport {
            Transport::Other { next_header } => next_header == esp::IPPROTO_ESP,
            Transport::Udp { sport, dport } => {
                (sport == 4500 || dport == 4500)
                    && !payload.starts_with(&super::ikev2::NON_ESP_MARKER)
            }
            _ => false,
        }
    }

    fn dissect(&self, pkt: &Packet, payload: &[u8], ctx: &mut Context) -> Decoded {
        if payload == [0xff] && matches!(pkt.transport, Transport::Udp { .. }) {
            return Decoded::Message(Part::new("ESP", "NAT-keepalive"));
        }
        let p = match esp::Packet::new_checked(payload) {
            Ok(p) => p,
            Err(e) => return Decoded::malformed("ESP", e),
        };
        let m = Part::new("ESP", "ESP")
            .volatile("spi", format!("0x{:08x}", p.spi()))
            .field("seq", p.seq());
        let Some(sa) = ctx.keys.esp_sa(p.spi(), pkt.src, pkt.dst) else {
            return Decoded::Message(
                m.field("decrypted", "no")
                    .field("reason", "no key for this SA"),
            );
        };
        let d = match esp::open(payload, &sa.keys()) {
            Ok(d) => d,
            Err(e) => return Decoded::Message(m.field("decrypted", "no").field("reason", e.what)),
        };
        let m = m
            .field("decrypted", "yes")
            .field("next_header", d.next_header);
        Decoded::Message(match d.next_header {
            135 => {
                let (hao, rh2) = ext_addresses(pkt);
                let inner = super::mh::dissect_mh(&d.payload, pkt.src, pkt.dst, hao, rh2);
                m.child(inner_part("MH", inner, d.payload.len()))
            }
            58 if mip6lab_wire::mpd::is_mpd(58, &d.payload) => {
                let (hao, rh2) = ext_addresses(pkt);
                let inner = super::mpd::dissect_mpd(&d.payload, pkt.src, pkt.dst, hao, rh2);
                m.child(inner_part("ICMPv6", inner, d.payload.len()))
            }
            59 => m,
            _ => m.child(Part::new("ESP", "payload").field("len", d.payload.len())),
        })
    }
}

/// What the `protocol` dissector made of a decrypted payload of `len` octets, as a child of the
/// ESP part: its part, else a `malformed` part with the reason, else a `payload` part.
fn inner_part(protocol: &str, inner: Decoded, len: usize) -> Part {
    match inner {
        Decoded::Message(part) => part,
        Decoded::Malformed { reason, .. } => {
            Part::new(protocol, "malformed").field("reason", reason.replace(' ', "_"))
        }
        _ => Part::new(protocol, "payload").field("len", len),
    }
}

/// HAO and RH2 addresses of the packet carrying the ESP (transport mode puts ESP after
/// them); a malformed chain counts as absent here, the MH dissector reports it for plain MH.
fn ext_addresses(pkt: &Packet) -> (Option<Ipv6Addr>, Option<Ipv6Addr>) {
    let Some(first) = pkt.ext_first else {
        return (None, None);
    };
    match ipv6ext::walk(first, &pkt.ext) {
        Ok(chain) => (
            chain.home_address().ok().flatten(),
            chain.rh2().ok().flatten().map(|r| r.home_address),
        ),
        Err(_) => (None, None),
    }
}
