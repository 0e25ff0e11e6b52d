//! Neighbor Discovery that a test looks at: duplicate address detection (RFC 4862 §5.4) for
//! addresses that are not link-local, i.e. probes (NS from ::) and advertisements to a
//! multicast group (a defense, or an unsolicited NA). The rest of ND, address resolution and
//! the kernels' own link-local DAD, stays link housekeeping: it varies with timing.
//!
//! Fields: NS `target` `src` (`::` for a probe) `hop_limit` `checksum_ok`; NA `flags` (R S O
//! letters) `target` `hop_limit` `checksum_ok`; options as children `SLLA` / `TLLA` with a
//! volatile `addr` (Docker's MACs vary), `opt N`.

use super::{flag_letters, Icmpv6Dissector, Packet, Transport};
use crate::transcript::{Decoded, Part};
use mip6lab_wire::nd::{self, NdOption, Repr};
use std::net::{IpAddr, Ipv6Addr};

fn is_link_local(a: Ipv6Addr) -> bool {
    a.segments()[0] & 0xffc0 == 0xfe80
}

/// Whether an ICMPv6 payload (the whole ICMPv6 message) is ND a transcript shows.
pub fn shown(pkt: &Packet, icmp: &[u8]) -> bool {
    let (
        Transport::Icmpv6 {
            kind: nd::TYPE_NS | nd::TYPE_NA,
        },
        IpAddr::V6(src),
        IpAddr::V6(dst),
    ) = (&pkt.transport, pkt.src, pkt.dst)
    else {
        return false;
    };
    // A malformed NS/NA is shown (as malformed): it is not the kernel's housekeeping.
    let Ok(repr) = Repr::from_bytes(icmp) else {
        return true;
    };
    if is_link_local(repr.target()) {
        return false;
    }
    match repr {
        Repr::Solicitation { .. } => src.is_unspecified(),
        Repr::Advertisement { .. } => dst.is_multicast(),
    }
}

fn lladdr(d: &[u8]) -> String {
    d.iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// Neighbor Solicitations and Advertisements (ICMPv6 135, 136): the DAD probes and defenses.
pub const ND: Icmpv6Dissector = Icmpv6Dissector {
    types: &[nd::TYPE_NS, nd::TYPE_NA],
    decode: dissect_nd,
};

fn dissect_nd(pkt: &Packet, icmp: &[u8]) -> Decoded {
    let repr = match Repr::from_bytes(icmp) {
        Ok(r) => r,
        Err(e) => return Decoded::malformed("ICMPv6", e),
    };
    let checksum_ok = match (pkt.src, pkt.dst) {
        (IpAddr::V6(s), IpAddr::V6(d)) => nd::verify_checksum(&s, &d, icmp),
        _ => false,
    };
    let mut m = match &repr {
        Repr::Solicitation { target, .. } => Part::new("ICMPv6", "NS")
            .field("target", target)
            .field("src", pkt.src),
        Repr::Advertisement {
            router,
            solicited,
            override_flag,
            target,
            ..
        } => {
            let flags = flag_letters(&[(*router, 'R'), (*solicited, 'S'), (*override_flag, 'O')]);
            Part::new("ICMPv6", "NA")
                .field("flags", flags)
                .field("target", target)
        }
    };
    m = m
        .field("hop_limit", pkt.hop_limit)
        .field("checksum_ok", if checksum_ok { "yes" } else { "no" });
    for o in repr.options() {
        m = m.child(match o {
            NdOption::SourceLinkLayer(d) => Part::new("ICMPv6", "SLLA").volatile("addr", lladdr(d)),
            NdOption::TargetLinkLayer(d) => Part::new("ICMPv6", "TLLA").volatile("addr", lladdr(d)),
            NdOption::Other { kind, data } => {
                Part::new("ICMPv6", format!("opt {kind}")).field("len", data.len() + 2)
            }
        });
    }
    Decoded::Message(m)
}
