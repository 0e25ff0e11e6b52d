//! Traffic-selector narrowing for MH and Mobile Prefix Discovery Child SAs.

use super::*;

/// Narrows a TS list to `[lo, hi]` and `protocol`: the first selector whose protocol is
/// `protocol` or any, whose addresses cover `[lo, hi]` and whose ports meet `ports`; the
/// ports become the overlap.
fn narrow_to(
    list: &[TrafficSelector],
    lo: Ipv6Addr,
    hi: Ipv6Addr,
    protocol: u8,
    ports: (u16, u16),
) -> Option<TrafficSelector> {
    list.iter().find_map(|ts| {
        let r = ts.ipv6_range()?;
        let (sp, ep) = (r.start_port.max(ports.0), r.end_port.min(ports.1));
        if (r.ip_protocol != 0 && r.ip_protocol != protocol)
            || r.start > lo
            || r.end < hi
            || sp > ep
        {
            return None;
        }
        Some(TrafficSelector::Ipv6 {
            ip_protocol: protocol,
            start_port: sp,
            end_port: ep,
            start: lo,
            end: hi,
        })
    })
}

/// Narrows a TS list to `[lo, hi]` for MH: the first selector whose protocol is MH or any
/// and whose range covers `[lo, hi]`.
pub(super) fn narrow(
    list: &[TrafficSelector],
    lo: Ipv6Addr,
    hi: Ipv6Addr,
) -> Option<TrafficSelector> {
    narrow_to(list, lo, hi, mip6lab_wire::ikev2::IPPROTO_MH, (0, u16::MAX))
}

/// Whether a TS list asks for ICMPv6 (protocol 58) rather than MH or any protocol.
pub(super) fn is_icmp6(list: &[TrafficSelector]) -> bool {
    list.iter()
        .filter_map(TrafficSelector::ipv6_range)
        .any(|r| r.ip_protocol == mip6lab_wire::ikev2::IPPROTO_ICMPV6)
}

/// Narrows a TS list to `[lo, hi]` and to Mobile Prefix Discovery: the first ICMPv6 (or
/// any-protocol) selector covering `[lo, hi]` whose port range meets types 146..=147; the
/// ports become the overlap, so no other ICMPv6 type rides on the SA.
pub(super) fn narrow_mpd(
    list: &[TrafficSelector],
    lo: Ipv6Addr,
    hi: Ipv6Addr,
) -> Option<TrafficSelector> {
    let want = TrafficSelector::icmp6_range(lo, hi, MPD_TYPES.0, MPD_TYPES.1).ipv6_range()?;
    narrow_to(
        list,
        lo,
        hi,
        mip6lab_wire::ikev2::IPPROTO_ICMPV6,
        (want.start_port, want.end_port),
    )
}

/// The address of a selector for one address.
fn single_address(ts: &TrafficSelector) -> Option<Ipv6Addr> {
    ts.ipv6_range()
        .filter(|r| r.start == r.end)
        .map(|r| r.start)
}

/// Responder: an SA for Mobile Prefix Discovery (ICMPv6 146/147) to the HA `ha` only for a
/// home address the IKE SA `sa` already holds, i.e. one of its MH Child SAs' single TSi
/// addresses (or the assigned address), never a range or another MN's address (RFC 4877
/// §4.2 PAD).
fn narrow_mpd_child(
    sa: &IkeSa,
    ha: Ipv6Addr,
    tsi: &[TrafficSelector],
    tsr: &[TrafficSelector],
) -> Result<(TrafficSelector, TrafficSelector), String> {
    let own: Vec<Ipv6Addr> = sa
        .children
        .iter()
        .filter(|c| c.tsi.iter().any(|t| t.mh_types().is_some()))
        .flat_map(|c| c.tsi.iter().filter_map(single_address))
        .chain(sa.assigned)
        .collect();
    let hoa = tsi
        .iter()
        .filter_map(single_address)
        .find(|a| own.contains(a))
        .ok_or("TSi is not one of this MN's home addresses (Mobile Prefix Discovery)")?;
    let tsi_n = narrow_mpd(tsi, hoa, hoa).ok_or("TSi does not select ICMPv6 146-147")?;
    let tsr_n = narrow_mpd(tsr, ha, ha).ok_or("TSr does not select ICMPv6 146-147 at the HA")?;
    Ok((tsi_n, tsr_n))
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
            return narrow_mpd_child(sa, ha, tsi, tsr);
        }
        let tsr_n = narrow(tsr, ha, ha).ok_or("TSr does not cover the HA address for MH")?;
        // A single address inside the allowed range, if the MN names one; else the range.
        let (lo, hi) = sa
            .allowed_tsi
            .ok_or("no home address bound to this IKE SA")?;
        let single = tsi
            .iter()
            .filter_map(single_address)
            .find(|&a| a >= lo && a <= hi);
        let tsi_n = match single {
            Some(a) => narrow(tsi, a, a),
            None => narrow(tsi, lo, hi),
        }
        .ok_or("TSi is not MH within this MN's home address or prefix")?;
        Ok((tsi_n, tsr_n))
    }
}
