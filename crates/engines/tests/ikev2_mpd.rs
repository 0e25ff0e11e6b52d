//! Mobile Prefix Discovery SAs (RFC 5026 §5.3.2 MAY, RFC 4877 §4.3): the MN with an assigned
//! HoA asks for an ICMPv6 146/147 Child SA with CREATE_CHILD_SA, sends an MPS over it and gets
//! the MPA, then asks for an MH SA for a HoA auto-configured from the advertised prefix. The
//! engine against itself, in memory.

mod ikev2_common;

use ikev2_common::*;
use mip6lab_engines::ikev2::{
    ChildRequest, ChildSa, Event, InitiateRequest, ResponderPolicy, MPD_TYPES,
};
use mip6lab_wire::esp;
use mip6lab_wire::ikev2::{cp_attr, notify_type, TrafficSelector, IPPROTO_ICMPV6};
use mip6lab_wire::mpd::{self, MpdOption, PrefixInfo};
use std::net::Ipv6Addr;

fn assigned_hoa(t: &Pair) -> Ipv6Addr {
    t.mn_events
        .iter()
        .filter_map(Event::config_reply)
        .find_map(|(cp, _)| cp.attribute(cp_attr::INTERNAL_IP6_ADDRESS)?.as_ip6_prefix())
        .expect("an assigned HoA")
        .0
}

fn refused(ev: &[Event]) -> usize {
    ev.iter()
        .filter(|e| {
            matches!(e, Event::ChildSaFailed { notify_type: n, sent_by_us: false, .. }
                if *n == notify_type::TS_UNACCEPTABLE)
        })
        .count()
}

/// An MPS from the MN under `mn_sa` (pseudo-header source = HoA, the HAO's address), opened by
/// the HA with `ha_sa`; the HA's MPA back (destination = HoA, the RH2's address).
fn mps_mpa_over_esp(mn_sa: &ChildSa, ha_sa: &ChildSa, hoa: Ipv6Addr, prefix: PrefixInfo) {
    let mps = mpd::Repr::Solicitation {
        identifier: 0x1234,
        options: vec![],
    };
    let icmp = mps.to_bytes(hoa, ha_addr()).unwrap();
    let iv = vec![0x11; mn_sa.outbound.encr.iv_len()];
    let pkt = esp::encapsulate(mn_sa.outbound_spi, 1, 58, &icmp, &iv, &mn_sa.outbound).unwrap();
    let (nh, payload) = esp::decapsulate(&pkt, &ha_sa.inbound).unwrap();
    assert_eq!(nh, 58);
    assert!(mpd::Packet::new_checked(&payload[..])
        .unwrap()
        .verify_checksum(&hoa, &ha_addr()));
    assert_eq!(mpd::Repr::from_bytes(&payload).unwrap(), mps);
    let mpa = mpd::Repr::Advertisement {
        identifier: 0x1234,
        managed: false,
        other: false,
        options: vec![MpdOption::PrefixInfo(prefix)],
    };
    let icmp = mpa.to_bytes(ha_addr(), hoa).unwrap();
    let iv = vec![0x22; ha_sa.outbound.encr.iv_len()];
    let pkt = esp::encapsulate(ha_sa.outbound_spi, 1, 58, &icmp, &iv, &ha_sa.outbound).unwrap();
    let (_, payload) = esp::decapsulate(&pkt, &mn_sa.inbound).unwrap();
    let got = mpd::Repr::from_bytes(&payload).unwrap();
    assert_eq!(got.prefixes().next(), Some(&prefix));
}

#[test]
fn mpd_child_sa_then_mh_sa_for_an_autoconfigured_hoa() {
    let mut ha = ha_config();
    ha.responder.as_mut().unwrap().home_prefix = Some(home_prefix());
    // Assigned addresses from the home prefix, as the reference HA does.
    ha.responder.as_mut().unwrap().addresses =
        ResponderPolicy::pool(home_prefix().prefix, 64, 256).into();
    let mut t = Pair::new(mn_config(), ha);
    let sa = t.initiate_and_run(InitiateRequest::dynamic_hoa(ha_addr()));
    let hoa = assigned_hoa(&t);
    let new: Ipv6Addr = "2001:db8:1:200::abcd".parse().unwrap();
    assert_ne!(hoa, new);
    // Before Mobile Prefix Discovery, an MH SA for another address in the prefix is refused.
    t.mn.create_child(t.now, sa, ChildRequest::mh(Some(new), ha_addr()))
        .unwrap();
    t.run();
    assert_eq!(refused(&t.mn_events), 1);
    // The MPS/MPA SA for the assigned HoA.
    t.mn.create_child(t.now, sa, ChildRequest::mobile_prefix(hoa, ha_addr()))
        .unwrap();
    t.run();
    let (m, h) = (children(&t.mn_events), children(&t.ha_events));
    assert_eq!((m.len(), h.len()), (2, 2));
    let want = |a: Ipv6Addr| TrafficSelector::Ipv6 {
        ip_protocol: IPPROTO_ICMPV6,
        start_port: 146 << 8,
        end_port: (147 << 8) | 0xff,
        start: a,
        end: a,
    };
    assert_eq!(m[1].tsi, vec![want(hoa)]);
    assert_eq!(m[1].tsr, vec![want(ha_addr())]);
    assert_eq!(h[1].tsi, m[1].tsi);
    assert!(m[1].transport && h[1].transport);
    assert_eq!(m[1].tsi[0].icmp6_types(), Some(MPD_TYPES));
    let advertised = PrefixInfo::home_prefix(home_prefix().prefix, 64, 3600);
    mps_mpa_over_esp(&m[1], &h[1], hoa, advertised);
    // Now the auto-configured HoA gets its MH SA (RFC 5026 §5.3.2).
    t.mn.create_child(t.now, sa, ChildRequest::mh(Some(new), ha_addr()))
        .unwrap();
    t.run();
    let m = children(&t.mn_events);
    assert_eq!(m.len(), 3, "{:#?}", t.mn_events);
    assert_eq!(m[2].tsi, vec![TrafficSelector::mh_range(new, new, 5, 6)]);
    // Still nothing outside the home prefix.
    let outside: Ipv6Addr = "2001:db8:7::1".parse().unwrap();
    t.mn.create_child(t.now, sa, ChildRequest::mh(Some(outside), ha_addr()))
        .unwrap();
    t.run();
    assert_eq!(refused(&t.mn_events), 2);
}

#[test]
fn mpd_child_sa_only_for_the_mns_own_home_address() {
    let mut t = Pair::default();
    let sa = t.initiate_and_run(InitiateRequest::dynamic_hoa(ha_addr()));
    let hoa = assigned_hoa(&t);
    // Another address (another MN's HoA, or a range) is refused.
    let other = Ipv6Addr::from(u128::from(hoa) + 1);
    t.mn.create_child(t.now, sa, ChildRequest::mobile_prefix(other, ha_addr()))
        .unwrap();
    t.run();
    let mut range = ChildRequest::mobile_prefix(hoa, ha_addr());
    range.tsi = vec![TrafficSelector::icmp6_range(
        Ipv6Addr::UNSPECIFIED,
        Ipv6Addr::from(u128::MAX),
        146,
        147,
    )];
    t.mn.create_child(t.now, sa, range).unwrap();
    t.run();
    assert_eq!(refused(&t.mn_events), 2);
    // Any protocol and any port towards the HA is narrowed to ICMPv6 146..147.
    let mut wide = ChildRequest::mobile_prefix(hoa, ha_addr());
    wide.tsr = vec![TrafficSelector::Ipv6 {
        ip_protocol: 0,
        start_port: 0,
        end_port: 0xffff,
        start: ha_addr(),
        end: ha_addr(),
    }];
    t.mn.create_child(t.now, sa, wide).unwrap();
    t.run();
    let h = children(&t.ha_events);
    assert_eq!(h.len(), 2);
    assert_eq!(
        h[1].tsr,
        vec![TrafficSelector::icmp6_range(ha_addr(), ha_addr(), 146, 147)]
    );
    // Without a home prefix to advertise, the MPD SA does not open the prefix to MH SAs.
    let new = Ipv6Addr::from(u128::from(hoa) ^ 0x0200_0000_0000_1000);
    t.mn.create_child(t.now, sa, ChildRequest::mh(Some(new), ha_addr()))
        .unwrap();
    t.run();
    assert_eq!(refused(&t.mn_events), 3);
}
