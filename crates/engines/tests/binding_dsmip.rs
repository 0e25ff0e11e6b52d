//! RFC 5555 (DSMIPv6) in the binding engines: the HA's IPv4 home address pool and IPv4 options
//! (§2.3.1, §3.1.1, §3.2.1, §3.2.2, §4.2, §4.4.2, §4.5), the MN's IPv4 HoA request, and the
//! mutations behind the RFC 5555 knobs.

mod binding_common;
use binding_common::{a, bu, coa, hoa1, hoa2, input, BulActions, CacheActions, AH, MN1, MN2};

use mip6lab_engines::binding::{
    BindingCache, BindingUpdateList, BuInput, BuResult, CacheEvent, DsmipConfig, HaConfig,
    Ipv4CoaBinding, MnAction, MnConfig, NATKATIMEOUT_SECS,
};
use mip6lab_engines::mip4::fha::FhaIpv4Pool;
use mip6lab_wire::mh::options::MobilityOption;
use mip6lab_wire::mh::{
    ba_status, BaFlags, BindingAck, BindingUpdate, BuFlags, Ipv4AckStatus, Ipv4AddressAck,
    Ipv4CareOf, Ipv4HomeAddress, MhMessage, NatDetection, Repr,
};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddrV4};

fn v4(s: &str) -> Ipv4Addr {
    s.parse().unwrap()
}

/// 198.18.200.10 … .10 + `count` − 1.
fn pool(count: u32) -> FhaIpv4Pool {
    FhaIpv4Pool {
        first: v4("198.18.200.10"),
        count,
    }
}

fn cfg(dsmip: Option<DsmipConfig>) -> HaConfig {
    HaConfig {
        home_prefixes: vec![(a("2001:db8:1::"), 64)],
        max_lifetime_units: 100,
        dsmip,
        ..HaConfig::default()
    }
}

/// A Binding Cache with RFC 5555 and a pool of `count` addresses, `tweak`ed.
fn cache_with(count: u32, tweak: impl FnOnce(&mut DsmipConfig)) -> BindingCache {
    let mut d = DsmipConfig::new(pool(count));
    tweak(&mut d);
    BindingCache::fcfs(cfg(Some(d)))
}

fn cache(count: u32) -> BindingCache {
    cache_with(count, |_| {})
}

fn ask(address: &str) -> MobilityOption {
    MobilityOption::Ipv4HomeAddress(Ipv4HomeAddress::single(v4(address)))
}

/// The IPv4 Address Acknowledgements of the result's BA.
fn acks(r: &BuResult) -> Vec<Ipv4AddressAck> {
    r.ba.as_ref().expect("a BA").ipv4_acks().copied().collect()
}

fn success(address: &str) -> Ipv4AddressAck {
    Ipv4AddressAck {
        status: Ipv4AckStatus::Success,
        prefix_len: 32,
        reserved: 0,
        address: v4(address),
    }
}

fn failure(status: Ipv4AckStatus, address: &str) -> Ipv4AddressAck {
    Ipv4AddressAck {
        status,
        prefix_len: 0,
        reserved: 0,
        address: v4(address),
    }
}

fn nat_option(r: &BuResult) -> Option<NatDetection> {
    r.ba.as_ref()?.options.iter().find_map(|o| match o {
        MobilityOption::NatDetection(n) => Some(*n),
        _ => None,
    })
}

/// MN1 registered with the pool's first address, dynamically (the BU's sequence number 1).
fn mn1_holding_first(c: &mut BindingCache) {
    let opts = [ask("0.0.0.0")];
    let r = c.bu_result(&input(MN1, hoa1(), bu(1, 50, AH), &opts), 0);
    assert_eq!(acks(&r), vec![success("198.18.200.10")]);
}

#[test]
fn a_dynamic_request_gets_the_first_free_address_bound_to_the_binding() {
    let mut c = cache(3);
    let opts = [ask("0.0.0.0")];
    let r = c.bu_result(&input(MN1, hoa1(), bu(1, 50, AH), &opts), 1_000);
    assert_eq!(r.status, Some(ba_status::ACCEPTED));
    assert_eq!(acks(&r), vec![success("198.18.200.10")]);
    assert!(matches!(
        &r.events[..],
        [CacheEvent::Created { ipv4_coa: None, .. }, CacheEvent::Ipv4Assigned { hoa, ipv4_hoa, prefix_len: 32, .. }]
            if *hoa == hoa1() && *ipv4_hoa == v4("198.18.200.10")
    ));
    assert_eq!(
        c.get(&hoa1()).unwrap().ipv4_hoa,
        Some((v4("198.18.200.10"), 32))
    );
    assert_eq!(c.ipv4_holder(v4("198.18.200.10")), Some(hoa1()));
    // The next MN gets the next address.
    let r = c.bu_result(&input(MN2, hoa2(), bu(1, 50, AH), &opts), 1_000);
    assert_eq!(acks(&r), vec![success("198.18.200.11")]);
}

#[test]
fn a_specific_free_address_of_the_pool_is_granted() {
    let mut c = cache(3);
    let opts = [ask("198.18.200.12")];
    let r = c.bu_result(&input(MN1, hoa1(), bu(1, 50, AH), &opts), 0);
    assert_eq!(acks(&r), vec![success("198.18.200.12")]);
    assert_eq!(c.ipv4_holder(v4("198.18.200.12")), Some(hoa1()));
}

#[test]
fn another_mns_address_is_refused_with_130_and_the_ipv6_binding_stands() {
    let mut c = cache(3);
    mn1_holding_first(&mut c);
    let opts = [ask("198.18.200.10")];
    let r = c.bu_result(&input(MN2, hoa2(), bu(1, 50, AH), &opts), 0);
    assert_eq!(r.status, Some(ba_status::ACCEPTED));
    // §3.2.1: Pref-len 0 on failure, the address of the request.
    assert_eq!(
        acks(&r),
        vec![failure(
            Ipv4AckStatus::IncorrectHomeAddress,
            "198.18.200.10"
        )]
    );
    assert!(matches!(&r.events[..], [CacheEvent::Created { .. }]));
    assert_eq!(c.ipv4_holder(v4("198.18.200.10")), Some(hoa1()));
    assert_eq!(c.get(&hoa2()).unwrap().ipv4_hoa, None);
}

#[test]
fn addresses_outside_the_pool_or_not_unicast_and_prefix_requests_fail() {
    let mut c = cache(3);
    for (asked, status) in [
        ("192.0.2.5", Ipv4AckStatus::IncorrectHomeAddress),
        ("224.0.0.1", Ipv4AckStatus::InvalidAddress),
        ("255.255.255.255", Ipv4AckStatus::InvalidAddress),
        ("127.0.0.1", Ipv4AckStatus::InvalidAddress),
    ] {
        let opts = [ask(asked)];
        let r = c.bu_result(&input(MN1, hoa1(), bu(1, 50, AH), &opts), 0);
        assert_eq!(acks(&r), vec![failure(status, asked)], "{asked}");
        // Each try is a new binding: deregister it.
        c.bu_result(&input(MN1, hoa1(), bu(2, 0, AH), &[]), 0);
    }
    // A new prefix request (P) → 133; Prefix-len 0 is an error (§3.1.1) → 128.
    let prefix = MobilityOption::Ipv4HomeAddress(Ipv4HomeAddress {
        prefix_len: 24,
        p: true,
        ..Ipv4HomeAddress::single(Ipv4Addr::UNSPECIFIED)
    });
    let zero = MobilityOption::Ipv4HomeAddress(Ipv4HomeAddress {
        prefix_len: 0,
        ..Ipv4HomeAddress::single(Ipv4Addr::UNSPECIFIED)
    });
    let r = c.bu_result(&input(MN1, hoa1(), bu(1, 50, AH), &[prefix, zero]), 0);
    assert_eq!(
        acks(&r),
        vec![
            failure(Ipv4AckStatus::PrefixUnauthorized, "0.0.0.0"),
            failure(Ipv4AckStatus::ReasonUnspecified, "0.0.0.0"),
        ]
    );
    assert_eq!(c.ipv4_bound(), 0);
}

#[test]
fn an_exhausted_pool_answers_132() {
    let mut c = cache(1);
    mn1_holding_first(&mut c);
    let opts = [ask("0.0.0.0")];
    let r = c.bu_result(&input(MN2, hoa2(), bu(1, 50, AH), &opts), 0);
    assert_eq!(
        acks(&r),
        vec![failure(Ipv4AckStatus::DynamicUnavailable, "0.0.0.0")]
    );
}

#[test]
fn refreshes_keep_the_address_and_a_bu_without_the_option_releases_it() {
    let mut c = cache(3);
    mn1_holding_first(&mut c);
    // 0.0.0.0 again, or the address itself: the same one, no new assignment event.
    for (seq, asked) in [(2, "0.0.0.0"), (3, "198.18.200.10")] {
        let opts = [ask(asked)];
        let r = c.bu_result(&input(MN1, hoa1(), bu(seq, 50, AH), &opts), 0);
        assert_eq!(acks(&r), vec![success("198.18.200.10")], "{asked}");
        assert!(matches!(&r.events[..], [CacheEvent::Refreshed { .. }]));
    }
    // §4.4.2.1: a BU without the option removes the IPv4 binding, the IPv6 one stays.
    let r = c.bu_result(&input(MN1, hoa1(), bu(4, 50, AH), &[]), 0);
    assert!(acks(&r).is_empty());
    assert!(matches!(
        &r.events[..],
        [CacheEvent::Refreshed { .. }, CacheEvent::Ipv4Released { ipv4_hoa, .. }]
            if *ipv4_hoa == v4("198.18.200.10")
    ));
    assert_eq!(c.ipv4_holder(v4("198.18.200.10")), None);
    assert!(c.get(&hoa1()).is_some());
}

#[test]
fn deregistration_and_expiry_free_the_address() {
    let mut c = cache(1);
    mn1_holding_first(&mut c);
    let r = c.bu_result(&input(MN1, hoa1(), bu(2, 0, AH), &[]), 0);
    assert!(matches!(
        &r.events[..],
        [CacheEvent::Deleted { .. }, CacheEvent::Ipv4Released { hoa, .. }] if *hoa == hoa1()
    ));
    assert_eq!(c.ipv4_bound(), 0);
    // Free again: MN2 gets it, and loses it when its binding (50 units) expires.
    let opts = [ask("0.0.0.0")];
    let r = c.bu_result(&input(MN2, hoa2(), bu(1, 50, AH), &opts), 0);
    assert_eq!(acks(&r), vec![success("198.18.200.10")]);
    let t = c.expire_at(50 * 4_000);
    assert!(matches!(
        &t.events[..],
        [CacheEvent::Expired { .. }, CacheEvent::Ipv4Released { hoa, .. }] if *hoa == hoa2()
    ));
    assert_eq!(c.ipv4_holder(v4("198.18.200.10")), None);
}

#[test]
fn a_deregistration_asking_for_the_address_is_acknowledged_with_what_went() {
    let mut c = cache(1);
    mn1_holding_first(&mut c);
    let opts = [ask("198.18.200.10")];
    let r = c.bu_result(&input(MN1, hoa1(), bu(2, 0, AH), &opts), 0);
    assert_eq!(r.status, Some(ba_status::ACCEPTED));
    assert_eq!(acks(&r), vec![success("198.18.200.10")]);
    assert_eq!(c.ipv4_bound(), 0);
}

#[test]
fn without_a_pool_the_option_is_skipped_and_the_ba_is_unchanged() {
    let mut plain = BindingCache::fcfs(cfg(None));
    let mut asked = BindingCache::fcfs(cfg(None));
    let without = plain.bu_result(&input(MN1, hoa1(), bu(1, 50, AH), &[]), 0);
    let opts = [ask("0.0.0.0")];
    let with = asked.bu_result(&input(MN1, hoa1(), bu(1, 50, AH), &opts), 0);
    assert_eq!(with, without);
    assert!(acks(&with).is_empty());
    assert_eq!(asked.get(&hoa1()).unwrap().ipv4_hoa, None);
    // A = 0: still no BA, as for any BU to an HA without RFC 5555.
    let r = asked.bu_result(&input(MN1, hoa1(), bu(2, 50, BuFlags::H), &opts), 0);
    assert!(r.ba.is_none());
}

#[test]
fn with_a_pool_but_no_option_nothing_changes() {
    let mut plain = BindingCache::fcfs(cfg(None));
    let mut dsmip = cache(3);
    for (seq, lifetime, flags) in [(1, 50, AH), (2, 50, BuFlags::H), (3, 0, AH)] {
        let b = bu(seq, lifetime, flags);
        assert_eq!(
            dsmip.bu_result(&input(MN1, hoa1(), b, &[]), 0),
            plain.bu_result(&input(MN1, hoa1(), b, &[]), 0),
            "seq {seq}"
        );
    }
}

#[test]
fn an_ipv4_request_gets_a_ba_even_with_a_clear() {
    let mut c = cache(3);
    let opts = [ask("0.0.0.0")];
    let r = c.bu_result(&input(MN1, hoa1(), bu(1, 50, BuFlags::H), &opts), 0);
    assert_eq!(acks(&r), vec![success("198.18.200.10")]);
}

#[test]
fn the_ba_option_bytes_round_trip_through_the_wire_codec() {
    let mut c = cache(3);
    let opts = [ask("0.0.0.0")];
    let r = c.bu_result(&input(MN1, hoa1(), bu(9, 50, AH), &opts), 0);
    let ba = r.ba.unwrap();
    let bytes = Repr::build(MhMessage::Ba(ba.ba), &ba.options)
        .to_bytes()
        .unwrap();
    // RFC 5555 §3.2.1 Figure 4: Type 30, Length 6, Status 0, Pref-len 32 << 2, the address;
    // at a 4n offset (after the BA's fixed part at 12, padded).
    let want = [30, 6, 0, 32 << 2, 198, 18, 200, 10];
    let at = bytes
        .windows(want.len())
        .position(|w| w == want)
        .expect("option 30 in the BA");
    assert_eq!(at % 4, 0, "4n alignment");
    let back = Repr::from_bytes(&bytes).unwrap();
    assert_eq!(back.message, MhMessage::Ba(ba.ba));
    let parsed: Vec<_> = back
        .options
        .iter()
        .filter(|o| !o.is_padding())
        .cloned()
        .collect();
    assert_eq!(parsed, ba.options);
}

/// A BU from an IPv4-only network: IPv6 source = the HoA, no HAO, an IPv4 CoA option (§4.2).
fn ipv4_coa_input<'a>(opts: &'a [MobilityOption], b: BindingUpdate) -> BuInput<'a> {
    BuInput {
        hao: None,
        src: hoa1(),
        ..input(MN1, hoa1(), b, opts)
    }
}

#[test]
fn an_ipv4_care_of_address_over_udp_is_bound_and_nat_detected() {
    let mn_v4 = v4("198.18.2.3");
    let opts = [
        MobilityOption::Ipv4CareOf(Ipv4CareOf::new(mn_v4)),
        ask("0.0.0.0"),
    ];
    // No NAT: the outer source is the option's address.
    let outer = SocketAddrV4::new(mn_v4, 4191);
    let mut c = cache(3);
    let r = c.bu_udp_result(&ipv4_coa_input(&opts, bu(1, 50, AH)), outer, 0);
    assert_eq!(r.status, Some(ba_status::ACCEPTED));
    let want = Ipv4CoaBinding {
        option: mn_v4,
        outer,
        nat: false,
    };
    assert!(matches!(
        &r.events[..],
        [CacheEvent::Created { ipv4_coa: Some(b), coa, .. }, CacheEvent::Ipv4Assigned { .. }]
            if *b == want && *coa == mn_v4.to_ipv6_mapped()
    ));
    assert_eq!(c.get(&hoa1()).unwrap().ipv4_coa, Some(want));
    let ba = r.ba.as_ref().unwrap();
    assert_eq!((ba.dst, ba.udp_ipv4), (hoa1(), Some(outer)));
    assert_eq!(
        nat_option(&r),
        Some(NatDetection {
            force_udp: false,
            reserved: 0,
            refresh_time: NatDetection::NO_NAT
        })
    );
    // Through a NAT (another outer address and port), with F: keepalives every NATKATIMEOUT.
    let natted = SocketAddrV4::new(v4("198.18.3.77"), 50_000);
    let r = c.bu_udp_result(
        &ipv4_coa_input(&opts, bu(2, 50, AH | BuFlags::F)),
        natted,
        0,
    );
    assert!(matches!(
        &r.events[..],
        [CacheEvent::Refreshed { moved: true, ipv4_coa: Some(b), .. }] if b.nat && b.outer == natted
    ));
    assert_eq!(
        nat_option(&r),
        Some(NatDetection {
            force_udp: true,
            reserved: 0,
            refresh_time: NATKATIMEOUT_SECS
        })
    );
    assert_eq!(r.ba.unwrap().udp_ipv4, Some(natted));
}

#[test]
fn forced_udp_refused_is_status_144_in_udp() {
    let mn_v4 = v4("198.18.2.3");
    let opts = [MobilityOption::Ipv4CareOf(Ipv4CareOf::new(mn_v4))];
    let outer = SocketAddrV4::new(mn_v4, 4191);
    let mut c = cache_with(3, |d| d.force_udp_allowed = false);
    let r = c.bu_udp_result(&ipv4_coa_input(&opts, bu(1, 50, AH | BuFlags::F)), outer, 0);
    assert_eq!(r.status, Some(ba_status::FORCED_UDP_NOT_ACCEPTED));
    assert!(c.get(&hoa1()).is_none());
    assert!(nat_option(&r).is_some(), "§4.2: every BA to a UDP BU");
    assert_eq!(r.ba.unwrap().udp_ipv4, Some(outer));
}

#[test]
fn without_rfc_5555_the_outer_header_is_not_looked_at() {
    let mn_v4 = v4("198.18.2.3");
    let opts = [MobilityOption::Ipv4CareOf(Ipv4CareOf::new(mn_v4))];
    let mut c = BindingCache::fcfs(cfg(None));
    let i = input(MN1, hoa1(), bu(1, 50, AH), &opts);
    let r = c.bu_udp_result(&i, SocketAddrV4::new(mn_v4, 4191), 0);
    let mut plain = BindingCache::fcfs(cfg(None));
    assert_eq!(r, plain.bu_result(&i, 0));
    assert_eq!(r.ba.unwrap().udp_ipv4, None);
}

// The mutants behind the knobs: each breaks its requirement, and only that.

#[test]
fn knob_ha_ipv4_ack_missing_drops_option_30_only() {
    let opts = [ask("0.0.0.0")];
    let mut good = cache(3);
    let mut bad = cache_with(3, |d| d.omit_ipv4_ack = true);
    let g = good.bu_result(&input(MN1, hoa1(), bu(1, 50, AH), &opts), 0);
    let b = bad.bu_result(&input(MN1, hoa1(), bu(1, 50, AH), &opts), 0);
    // RFC 5555 §2.3.1 / §4.5: the BA MUST carry option 30 — the mutant's has none.
    assert_eq!(acks(&g).len(), 1);
    assert!(acks(&b).is_empty());
    // Everything else is the same: the address is bound all the same.
    assert_eq!(b.events, g.events);
    assert_eq!(b.status, g.status);
}

#[test]
fn knob_ha_ipv4_hoa_in_use_granted_hands_out_another_mns_address() {
    let opts = [ask("198.18.200.10")];
    let mut good = cache(3);
    let mut bad = cache_with(3, |d| d.grant_ipv4_in_use = true);
    for c in [&mut good, &mut bad] {
        mn1_holding_first(c);
    }
    let g = good.bu_result(&input(MN2, hoa2(), bu(1, 50, AH), &opts), 0);
    let b = bad.bu_result(&input(MN2, hoa2(), bu(1, 50, AH), &opts), 0);
    // §4.5: the HA MUST check the address is allocated to this MN.
    assert_eq!(
        acks(&g),
        vec![failure(
            Ipv4AckStatus::IncorrectHomeAddress,
            "198.18.200.10"
        )]
    );
    assert_eq!(acks(&b), vec![success("198.18.200.10")]);
    assert_eq!(bad.ipv4_holder(v4("198.18.200.10")), Some(hoa2()));
    assert_eq!(
        bad.get(&hoa1()).unwrap().ipv4_hoa.unwrap().0,
        v4("198.18.200.10")
    );
}

#[test]
fn knob_ha_ipv4_exhausted_status_answers_another_code_than_132() {
    let opts = [ask("0.0.0.0")];
    let mut bad = cache_with(1, |d| d.exhausted_status = Ipv4AckStatus::ReasonUnspecified);
    mn1_holding_first(&mut bad);
    let b = bad.bu_result(&input(MN2, hoa2(), bu(1, 50, AH), &opts), 0);
    // §4.5: MUST return 132; the mutant says 128 (still a failure, so only the code is wrong).
    assert_eq!(
        acks(&b),
        vec![failure(Ipv4AckStatus::ReasonUnspecified, "0.0.0.0")]
    );
}

#[test]
fn knob_ha_no_nat_detection_leaves_the_option_out_of_a_udp_ba() {
    let mn_v4 = v4("198.18.2.3");
    let opts = [MobilityOption::Ipv4CareOf(Ipv4CareOf::new(mn_v4))];
    let natted = SocketAddrV4::new(v4("198.18.3.77"), 50_000);
    let mut good = cache(3);
    let mut bad = cache_with(3, |d| d.omit_nat_detection = true);
    let g = good.bu_udp_result(&ipv4_coa_input(&opts, bu(1, 50, AH)), natted, 0);
    let b = bad.bu_udp_result(&ipv4_coa_input(&opts, bu(1, 50, AH)), natted, 0);
    // §3.2.2 / §4.2: a NAT was detected, the BU came in UDP: the option MUST be there.
    assert!(nat_option(&g).is_some());
    assert_eq!(nat_option(&b), None);
    assert_eq!(
        b.ba.unwrap().udp_ipv4,
        Some(natted),
        "still answered in UDP"
    );
    assert_eq!(b.events, g.events);
}

// The MN.

fn ha() -> Ipv6Addr {
    a("2001:db8:1::1")
}

fn mn(request: Option<&str>, tweak: impl FnOnce(&mut MnConfig)) -> BindingUpdateList {
    let mut cfg = MnConfig {
        ipv4_hoa_request: request.map(v4),
        ..MnConfig::default()
    };
    tweak(&mut cfg);
    let mut b = BindingUpdateList::new(cfg);
    b.add_ha(ha(), hoa1(), 1).unwrap();
    b
}

/// The IPv4 Home Address options of the BUs among `acts`, one list per BU.
fn asked_in(acts: &[MnAction]) -> Vec<Vec<Ipv4HomeAddress>> {
    acts.iter()
        .filter_map(|x| match x {
            MnAction::SendBu { options, .. } => Some(
                options
                    .iter()
                    .filter_map(|o| match o {
                        MobilityOption::Ipv4HomeAddress(h) => Some(*h),
                        _ => None,
                    })
                    .collect(),
            ),
            _ => None,
        })
        .collect()
}

fn ba(seq: u16) -> BindingAck {
    BindingAck {
        status: 0,
        flags: BaFlags(0),
        seq,
        lifetime: 50,
    }
}

#[test]
fn mn_asks_and_learns_its_dynamic_address_then_refreshes_with_it() {
    let mut b = mn(Some("0.0.0.0"), |_| {});
    let acts = b.acts_of(|b| b.register(ha(), coa(), None, 0)).unwrap();
    assert_eq!(
        asked_in(&acts),
        vec![vec![Ipv4HomeAddress::single(Ipv4Addr::UNSPECIFIED)]]
    );
    let acked = [MobilityOption::Ipv4AddressAck(success("198.18.200.10"))];
    let acts = b.ba_acts(ha(), &ba(1), &acked, 100);
    assert!(matches!(
        &acts[..],
        [MnAction::Ipv4HoaAck { status: Ipv4AckStatus::Success, address, prefix_len: 32, .. }, MnAction::Registered { .. }]
            if *address == v4("198.18.200.10")
    ));
    assert_eq!(b.ipv4_hoa(&ha()), Some((v4("198.18.200.10"), 32)));
    // The refresh (75 % of 200 s) names the address granted.
    let acts = b.timer_acts(150_000);
    assert_eq!(
        asked_in(&acts),
        vec![vec![Ipv4HomeAddress::single(v4("198.18.200.10"))]]
    );
    // A deregistration carries no request, and the address goes with the binding.
    b.ba_acts(ha(), &ba(2), &acked, 150_100);
    let acts = b
        .acts_of(|b| b.deregister(ha(), coa(), None, 160_000))
        .unwrap();
    assert_eq!(asked_in(&acts), vec![vec![]]);
    b.ba_acts(ha(), &ba(3), &[], 160_100);
    assert_eq!(b.ipv4_hoa(&ha()), None);
}

#[test]
fn mn_binds_nothing_on_a_failure_and_may_ask_again() {
    let mut b = mn(Some("198.18.200.10"), |_| {});
    b.acts_of(|b| b.register(ha(), coa(), None, 0)).unwrap();
    let refused = [MobilityOption::Ipv4AddressAck(failure(
        Ipv4AckStatus::IncorrectHomeAddress,
        "198.18.200.10",
    ))];
    let acts = b.ba_acts(ha(), &ba(1), &refused, 100);
    assert!(matches!(
        &acts[..],
        [
            MnAction::Ipv4HoaAck {
                status: Ipv4AckStatus::IncorrectHomeAddress,
                ..
            },
            MnAction::Registered { .. }
        ]
    ));
    assert_eq!(b.ipv4_hoa(&ha()), None);
    let acts = b.timer_acts(150_000);
    assert_eq!(
        asked_in(&acts),
        vec![vec![Ipv4HomeAddress::single(v4("198.18.200.10"))]]
    );
}

#[test]
fn mn_without_a_request_sends_no_option() {
    let mut b = mn(None, |_| {});
    let acts = b.acts_of(|b| b.register(ha(), coa(), None, 0)).unwrap();
    assert_eq!(asked_in(&acts), vec![vec![]]);
    let acts = b.ba_acts(ha(), &ba(1), &[], 100);
    assert!(matches!(&acts[..], [MnAction::Registered { .. }]));
}

/// An MN asking an HA that never acknowledges: what its refresh asks for.
fn refresh_after_no_ack(after_no_ack: bool) -> (Vec<MnAction>, Vec<Vec<Ipv4HomeAddress>>) {
    let mut b = mn(Some("0.0.0.0"), |c| c.ipv4_hoa_after_no_ack = after_no_ack);
    b.acts_of(|b| b.register(ha(), coa(), None, 0)).unwrap();
    let acts = b.ba_acts(ha(), &ba(1), &[], 100);
    (acts, asked_in(&b.timer_acts(150_000)))
}

#[test]
fn mn_stops_asking_an_ha_that_did_not_acknowledge_and_the_knob_does_not() {
    let (acts, refresh) = refresh_after_no_ack(false);
    assert!(matches!(
        &acts[..],
        [
            MnAction::Ipv4HoaUnsupported { .. },
            MnAction::Registered { .. }
        ]
    ));
    // §2.3.1: SHOULD NOT include the option in future BUs to that HA.
    assert_eq!(refresh, vec![vec![]]);
    // Mutant `mn.ipv4_hoa_after_no_ack`: it goes on asking.
    let (_, refresh) = refresh_after_no_ack(true);
    assert_eq!(
        refresh,
        vec![vec![Ipv4HomeAddress::single(Ipv4Addr::UNSPECIFIED)]]
    );
}

#[test]
fn mn_and_ha_agree_end_to_end() {
    let mut b = mn(Some("0.0.0.0"), |_| {});
    let mut c = cache(3);
    let acts = b.acts_of(|b| b.register(ha(), coa(), None, 0)).unwrap();
    let Some(MnAction::SendBu { bu, options, .. }) = acts.first() else {
        panic!("{acts:?}")
    };
    let r = c.bu_result(&input(MN1, hoa1(), *bu, options), 10);
    let ba = r.ba.unwrap();
    let acts = b.ba_acts(ha(), &ba.ba, &ba.options, 20);
    assert!(acts
        .iter()
        .any(|x| matches!(x, MnAction::Registered { .. })));
    let granted = b.ipv4_hoa(&ha()).expect("an IPv4 HoA");
    assert_eq!(c.get(&hoa1()).unwrap().ipv4_hoa, Some(granted));
}

#[test]
fn mn_moves_to_an_ipv4_care_of_address_over_udp_and_deregisters_the_same_way() {
    let mut b = mn(Some("0.0.0.0"), |_| {});
    let mut c = cache(3);
    let mn_v4 = v4("198.18.2.100");
    let outer = SocketAddrV4::new(mn_v4, 4191);
    let acts = b
        .acts_of(|b| b.register_from_ipv4(ha(), mn_v4, None, 0))
        .unwrap();
    // §4.2: inner source the HoA, no ACoA, the IPv4 HoA request then the IPv4 CoA option;
    // §4.1: the driver is told to send it in UDP.
    let Some(MnAction::SendBu {
        bu,
        options,
        coa: inner_src,
        ipv4_coa: Some(from),
        ..
    }) = acts.first()
    else {
        panic!("{acts:?}")
    };
    assert_eq!((*inner_src, *from), (hoa1(), mn_v4));
    assert_eq!(
        options
            .iter()
            .filter(|o| !o.is_padding())
            .cloned()
            .collect::<Vec<_>>(),
        vec![
            ask("0.0.0.0"),
            MobilityOption::Ipv4CareOf(Ipv4CareOf::new(mn_v4))
        ]
    );
    let input = ipv4_coa_input(options, *bu);
    let r = c.bu_udp_result(&input, outer, 10);
    assert_eq!(r.status, Some(ba_status::ACCEPTED));
    let ba = r.ba.unwrap();
    assert_eq!(ba.udp_ipv4, Some(outer));
    let acts = b.ba_acts(ha(), &ba.ba, &ba.options, 20);
    assert!(acts
        .iter()
        .any(|x| matches!(x, MnAction::Registered { .. })));
    assert_eq!(
        c.get(&hoa1()).unwrap().ipv4_coa.map(|x| x.option),
        Some(mn_v4)
    );
    // The deregistration follows the binding: over IPv4 again, whatever IPv6 CoA is named.
    let acts = b.acts_of(|b| b.deregister(ha(), coa(), None, 30)).unwrap();
    assert!(matches!(
        &acts[..],
        [MnAction::SendBu { ipv4_coa: Some(f), bu, .. }] if *f == mn_v4 && bu.lifetime == 0
    ));
    // A registration from an IPv6 CoA again goes the IPv6 way, with the ACoA option.
    let mut b = mn(None, |_| {});
    let acts = b.acts_of(|b| b.register(ha(), coa(), None, 0)).unwrap();
    assert!(matches!(
        &acts[..],
        [MnAction::SendBu { ipv4_coa: None, options, .. }]
            if options.contains(&MobilityOption::AlternateCoa(coa()))
    ));
}
