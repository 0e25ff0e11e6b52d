//! Traffic-selector narrowing for MH and Mobile Prefix Discovery Child SAs.

use super::*;

pub(super) fn v6_range(ts: &TrafficSelector) -> Option<(u8, u16, u16, Ipv6Addr, Ipv6Addr)> {
    match ts {
        TrafficSelector::Ipv6 {
            ip_protocol,
            start_port,
            end_port,
            start,
            end,
        } => Some((*ip_protocol, *start_port, *end_port, *start, *end)),
        _ => None,
    }
}

/// Narrows a TS list to `[lo, hi]` for MH: the first selector whose protocol is MH or any
/// and whose range covers `[lo, hi]`.
pub(super) fn narrow(
    list: &[TrafficSelector],
    lo: Ipv6Addr,
    hi: Ipv6Addr,
) -> Option<TrafficSelector> {
    list.iter().find_map(|ts| {
        let (proto, sp, ep, s, e) = v6_range(ts)?;
        if (proto != 0 && proto != mip6lab_wire::ikev2::IPPROTO_MH) || s > lo || e < hi || sp > ep {
            return None;
        }
        Some(TrafficSelector::Ipv6 {
            ip_protocol: mip6lab_wire::ikev2::IPPROTO_MH,
            start_port: sp,
            end_port: ep,
            start: lo,
            end: hi,
        })
    })
}

/// Whether a TS list asks for ICMPv6 (protocol 58) rather than MH or any protocol.
pub(super) fn is_icmp6(list: &[TrafficSelector]) -> bool {
    list.iter()
        .filter_map(v6_range)
        .any(|(proto, ..)| proto == mip6lab_wire::ikev2::IPPROTO_ICMPV6)
}

/// Narrows a TS list to `[lo, hi]` and to Mobile Prefix Discovery: the first ICMPv6 (or
/// any-protocol) selector covering `[lo, hi]` whose port range meets types 146..=147; the
/// ports become the overlap, so no other ICMPv6 type rides on the SA.
pub(super) fn narrow_mpd(
    list: &[TrafficSelector],
    lo: Ipv6Addr,
    hi: Ipv6Addr,
) -> Option<TrafficSelector> {
    let TrafficSelector::Ipv6 {
        start_port: want_sp,
        end_port: want_ep,
        ..
    } = TrafficSelector::icmp6_range(lo, hi, MPD_TYPES.0, MPD_TYPES.1)
    else {
        return None;
    };
    list.iter().find_map(|ts| {
        let (proto, sp, ep, s, e) = v6_range(ts)?;
        let icmp = mip6lab_wire::ikev2::IPPROTO_ICMPV6;
        let (sp, ep) = (sp.max(want_sp), ep.min(want_ep));
        if (proto != 0 && proto != icmp) || s > lo || e < hi || sp > ep {
            return None;
        }
        Some(TrafficSelector::Ipv6 {
            ip_protocol: icmp,
            start_port: sp,
            end_port: ep,
            start: lo,
            end: hi,
        })
    })
}

pub(super) use crate::binding::prefix_range;

impl IkeEngine {
    /// Responder-side TS narrowing for an MH Child SA: TSi to the peer's HoA (or home prefix),
    /// TSr to the HA address. As original initiator, the selectors are accepted as offered.
    pub(super) fn narrow_child(
        &self,
        sa_id: SaId,
        tsi: &[TrafficSelector],
        tsr: &[TrafficSelector],
    ) -> Result<(TrafficSelector, TrafficSelector), String> {
        let sa = &self.sas[sa_id];
        let Some(pol) = self
            .cfg
            .responder
            .as_ref()
            .filter(|_| sa.role == IkeRole::Responder)
        else {
            let a = tsi.first().cloned().ok_or("empty TSi")?;
            let b = tsr.first().cloned().ok_or("empty TSr")?;
            return Ok((a, b));
        };
        let ha = pol.ha_addr;
        if is_icmp6(tsi) || is_icmp6(tsr) {
            return self.narrow_mpd_child(sa_id, tsi, tsr);
        }
        let tsr_n = narrow(tsr, ha, ha).ok_or("TSr does not cover the HA address for MH")?;
        // A single address inside the allowed range, if the MN names one; else the range.
        let (lo, hi) = sa
            .allowed_tsi
            .ok_or("no home address bound to this IKE SA")?;
        let single = tsi.iter().find_map(|t| {
            let (_, _, _, s, e) = v6_range(t)?;
            (s == e && s >= lo && s <= hi).then_some(s)
        });
        let tsi_n = match single {
            Some(a) => narrow(tsi, a, a),
            None => narrow(tsi, lo, hi),
        }
        .ok_or("TSi is not MH within this MN's home address or prefix")?;
        Ok((tsi_n, tsr_n))
    }

    /// Responder: an SA for Mobile Prefix Discovery (ICMPv6 146/147) only for a home address
    /// this IKE SA already holds, i.e. one of its MH Child SAs' single TSi addresses (or the
    /// assigned address), never a range or another MN's address (RFC 4877 §4.2 PAD).
    pub(super) fn narrow_mpd_child(
        &self,
        sa_id: SaId,
        tsi: &[TrafficSelector],
        tsr: &[TrafficSelector],
    ) -> Result<(TrafficSelector, TrafficSelector), String> {
        let sa = &self.sas[sa_id];
        let ha = self
            .cfg
            .responder
            .as_ref()
            .ok_or("not a responder")?
            .ha_addr;
        let own: Vec<Ipv6Addr> = sa
            .children
            .iter()
            .filter(|c| c.tsi.iter().any(|t| t.mh_types().is_some()))
            .flat_map(|c| c.tsi.iter().filter_map(v6_range))
            .filter(|(_, _, _, s, e)| s == e)
            .map(|(_, _, _, s, _)| s)
            .chain(sa.assigned)
            .collect();
        let hoa = tsi
            .iter()
            .filter_map(v6_range)
            .find(|(_, _, _, s, e)| s == e && own.contains(s))
            .map(|(_, _, _, s, _)| s)
            .ok_or("TSi is not one of this MN's home addresses (Mobile Prefix Discovery)")?;
        let tsi_n = narrow_mpd(tsi, hoa, hoa).ok_or("TSi does not select ICMPv6 146-147")?;
        let tsr_n =
            narrow_mpd(tsr, ha, ha).ok_or("TSr does not select ICMPv6 146-147 at the HA")?;
        Ok((tsi_n, tsr_n))
    }
}
