//! HA Binding Cache: RFC 6275 §9.5.1, §9.5.4, §10.3.1, §10.3.2 rules.

mod binding_common;
use binding_common::{a, bu, coa, hoa1, hoa2, input, CacheActions, AH, MN1, MN2};
use mip6lab_engines::io::SansIo as _;

use mip6lab_engines::binding::{
    ha::DiscardReason, seq_newer, BindingCache, CacheEvent, HaConfig, HoaAuthorizer, HoaDenied,
    HoaPolicy,
};
use mip6lab_wire::mh::options::MobilityOption;
use mip6lab_wire::mh::{ba_status, BaFlags, BuFlags};

fn cfg() -> HaConfig {
    HaConfig {
        home_prefixes: vec![(a("2001:db8:1::"), 64)],
        max_lifetime_units: 100,
        max_entries: 4,
        ..HaConfig::default()
    }
}

#[test]
fn seq_comparison_modulo_2_16() {
    assert!(seq_newer(1, 0));
    assert!(seq_newer(0, 65535), "65535 -> 0 is newer");
    assert!(!seq_newer(5, 5));
    assert!(!seq_newer(4, 5));
    // RFC 6275 §9.5.1 example: last 15 → 0..=15 and 32783..=65535 are not newer.
    assert!(!seq_newer(0, 15));
    assert!(!seq_newer(32783, 15));
    assert!(!seq_newer(65535, 15));
    assert!(seq_newer(32782, 15));
    assert!(seq_newer(16, 15));
}

#[test]
fn accept_creates_entry_and_sends_ba() {
    let mut c = BindingCache::fcfs(cfg());
    let r = c.bu_result(&input(MN1, hoa1(), bu(7, 50, AH), &[]), 1_000);
    assert_eq!(r.status, Some(ba_status::ACCEPTED));
    let ba = r.ba.expect("A=1 → BA");
    assert_eq!(ba.ba.status, 0);
    assert_eq!(ba.ba.seq, 7);
    assert_eq!(ba.ba.lifetime, 50);
    assert_eq!(ba.dst, coa());
    assert_eq!(ba.hoa, hoa1());
    assert!(matches!(r.events[..], [CacheEvent::Created { .. }]));
    let e = c.get(&hoa1()).unwrap();
    assert_eq!(e.expires_ms, 1_000 + 50 * 4_000);
    assert_eq!(c.next_timeout(), Some(201_000));
}

#[test]
fn lifetime_clamped_to_configured_max() {
    let mut c = BindingCache::fcfs(cfg());
    let r = c.bu_result(&input(MN1, hoa1(), bu(1, 60_000, AH), &[]), 0);
    assert_eq!(r.ba.unwrap().ba.lifetime, 100);
    assert_eq!(c.get(&hoa1()).unwrap().expires_ms, 400_000);
}

#[test]
fn refresh_with_newer_seq_and_moved_coa() {
    let mut c = BindingCache::fcfs(cfg());
    c.bu_result(&input(MN1, hoa1(), bu(1, 10, AH), &[]), 0);
    let opts = [MobilityOption::AlternateCoa(a("2001:db8:77::1"))];
    let r = c.bu_result(&input(MN1, hoa1(), bu(2, 20, AH), &opts), 5_000);
    assert_eq!(r.status, Some(0));
    assert!(matches!(
        r.events[..],
        [CacheEvent::Refreshed { moved: true, .. }]
    ));
    assert_eq!(c.get(&hoa1()).unwrap().coa, a("2001:db8:77::1"));
    assert_eq!(r.ba.unwrap().dst, a("2001:db8:77::1"));
}

#[test]
fn old_seq_gets_135_with_last_accepted_even_without_a() {
    let mut c = BindingCache::fcfs(cfg());
    c.bu_result(&input(MN1, hoa1(), bu(10, 10, AH), &[]), 0);
    let r = c.bu_result(&input(MN1, hoa1(), bu(10, 10, BuFlags::H), &[]), 1);
    let ba = r.ba.expect("135 is sent even with A=0");
    assert_eq!(ba.ba.status, ba_status::SEQUENCE_OUT_OF_WINDOW);
    assert_eq!(ba.ba.seq, 10);
    let r = c.bu_result(&input(MN1, hoa1(), bu(9, 10, AH), &[]), 1);
    assert_eq!(r.ba.unwrap().ba.seq, 10);
    assert!(r.events.is_empty());
}

#[test]
fn seq_wraparound_accepted() {
    let mut c = BindingCache::fcfs(cfg());
    c.bu_result(&input(MN1, hoa1(), bu(65535, 10, AH), &[]), 0);
    let r = c.bu_result(&input(MN1, hoa1(), bu(0, 10, AH), &[]), 1);
    assert_eq!(r.status, Some(0));
    assert_eq!(c.get(&hoa1()).unwrap().seq, 0);
}

#[test]
fn accepted_without_a_sends_no_ba() {
    let mut c = BindingCache::fcfs(cfg());
    let r = c.bu_result(&input(MN1, hoa1(), bu(1, 10, BuFlags::H), &[]), 0);
    assert_eq!(r.status, Some(0));
    assert!(r.ba.is_none());
    assert_eq!(c.len(), 1);
}

#[test]
fn h_clear_is_discarded() {
    let mut c = BindingCache::fcfs(cfg());
    let r = c.bu_result(&input(MN1, hoa1(), bu(1, 10, BuFlags::A), &[]), 0);
    assert_eq!(r.discarded, Some(DiscardReason::NotHomeRegistration));
    assert!(r.ba.is_none());
}

#[test]
fn nonce_indices_with_h_discarded() {
    let mut c = BindingCache::fcfs(cfg());
    let o = [MobilityOption::NonceIndices {
        home: 1,
        care_of: 2,
    }];
    let r = c.bu_result(&input(MN1, hoa1(), bu(1, 10, AH), &o), 0);
    assert_eq!(r.discarded, Some(DiscardReason::NonceIndicesWithH));
}

#[test]
fn missing_hao_and_bad_hoa_discarded() {
    let mut c = BindingCache::fcfs(cfg());
    // A registration (ACoA ≠ source, so not "CoA = HoA") without an HAO.
    let o = [MobilityOption::AlternateCoa(a("2001:db8:77::1"))];
    let mut i = input(MN1, hoa1(), bu(1, 10, AH), &o);
    i.hao = None;
    assert_eq!(
        c.bu_result(&i, 0).discarded,
        Some(DiscardReason::MissingHao)
    );
    let m = a("ff02::1");
    let i = input(MN1, m, bu(1, 10, AH), &[]);
    assert_eq!(
        c.bu_result(&i, 0).discarded,
        Some(DiscardReason::HoaNotUnicast)
    );
}

#[test]
fn sa_hoa_mismatch_discarded() {
    let mut c = BindingCache::fcfs(cfg());
    let mut i = input(MN1, hoa1(), bu(1, 10, AH), &[]);
    i.sa_hoa = hoa2();
    let r = c.bu_result(&i, 0);
    assert_eq!(r.discarded, Some(DiscardReason::SaHoaMismatch));
    assert!(c.is_empty());
}

#[test]
fn not_ha_gets_131() {
    let mut c = BindingCache::fcfs(HaConfig {
        ha_function: false,
        ..cfg()
    });
    let r = c.bu_result(&input(MN1, hoa1(), bu(1, 10, BuFlags::H), &[]), 0);
    assert_eq!(
        r.ba.unwrap().ba.status,
        ba_status::HOME_REGISTRATION_NOT_SUPPORTED
    );
}

#[test]
fn off_link_hoa_gets_132() {
    let mut c = BindingCache::fcfs(cfg());
    let h = a("2001:db8:2::1");
    let r = c.bu_result(&input(MN1, h, bu(1, 10, AH), &[]), 0);
    assert_eq!(r.ba.unwrap().ba.status, ba_status::NOT_HOME_SUBNET);
}

#[test]
fn hoa_of_other_identity_gets_129() {
    let mut c = BindingCache::fcfs(cfg());
    c.bu_result(&input(MN1, hoa1(), bu(1, 10, AH), &[]), 0);
    let r = c.bu_result(&input(MN2, hoa1(), bu(500, 10, AH), &[]), 1);
    let ba = r.ba.unwrap();
    assert_eq!(ba.ba.status, ba_status::ADMINISTRATIVELY_PROHIBITED);
    // No leak of MN1's sequence number.
    assert_eq!(ba.ba.seq, 500);
    assert!(matches!(r.denied, Some(HoaDenied::InUseByOther { .. })));
    assert_eq!(c.get(&hoa1()).unwrap().identity, MN1);
}

#[test]
fn configured_address_of_other_mn_refused() {
    let mut auth = HoaAuthorizer::new(HoaPolicy::Both);
    auth.add_pool(a("2001:db8:1::"), 64);
    assert!(auth.configure(MN1, hoa1()));
    let mut c = BindingCache::new(cfg(), auth);
    let r = c.bu_result(&input(MN2, hoa1(), bu(1, 10, AH), &[]), 0);
    assert_eq!(
        r.ba.unwrap().ba.status,
        ba_status::ADMINISTRATIVELY_PROHIBITED
    );
    assert!(matches!(
        r.denied,
        Some(HoaDenied::ConfiguredForOther { .. })
    ));
    let r = c.bu_result(&input(MN1, hoa1(), bu(1, 10, AH), &[]), 0);
    assert_eq!(r.status, Some(0));
}

#[test]
fn configured_mode_refuses_unlisted() {
    let mut auth = HoaAuthorizer::new(HoaPolicy::Configured);
    auth.configure(MN1, hoa1());
    let mut c = BindingCache::new(cfg(), auth);
    let r = c.bu_result(&input(MN1, hoa2(), bu(1, 10, AH), &[]), 0);
    assert_eq!(r.status, Some(ba_status::ADMINISTRATIVELY_PROHIBITED));
    assert_eq!(r.denied, Some(HoaDenied::NotConfigured));
}

#[test]
fn dereg_by_lifetime_zero_deletes_and_frees() {
    let mut c = BindingCache::fcfs(cfg());
    c.bu_result(&input(MN1, hoa1(), bu(1, 10, AH), &[]), 0);
    assert_eq!(c.addresses().lock().holder(&hoa1()).as_deref(), Some(MN1));
    let r = c.bu_result(&input(MN1, hoa1(), bu(2, 0, AH), &[]), 10);
    let ba = r.ba.unwrap();
    assert_eq!((ba.ba.status, ba.ba.lifetime, ba.ba.seq), (0, 0, 2));
    assert!(matches!(r.events[..], [CacheEvent::Deleted { .. }]));
    assert!(c.is_empty());
    assert_eq!(c.addresses().lock().holder(&hoa1()).as_deref(), None);
    // Now MN2 may take it (FCFS).
    let r = c.bu_result(&input(MN2, hoa1(), bu(1, 10, AH), &[]), 20);
    assert_eq!(r.status, Some(0));
}

#[test]
fn dereg_at_home_coa_equals_hoa_without_hao() {
    let mut c = BindingCache::fcfs(cfg());
    c.bu_result(&input(MN1, hoa1(), bu(1, 10, AH), &[]), 0);
    let mut i = input(MN1, hoa1(), bu(2, 10, AH), &[]);
    i.hao = None;
    i.src = hoa1();
    let r = c.bu_result(&i, 10);
    assert_eq!(r.status, Some(0));
    assert!(c.is_empty());
    assert_eq!(r.ba.unwrap().ba.lifetime, 0);
}

#[test]
fn dereg_without_entry_gets_133() {
    let mut c = BindingCache::fcfs(cfg());
    let r = c.bu_result(&input(MN1, hoa1(), bu(1, 0, AH), &[]), 0);
    assert_eq!(r.ba.unwrap().ba.status, ba_status::NOT_HOME_AGENT);
}

#[test]
fn cache_full_gets_130_even_without_a() {
    let mut c = BindingCache::fcfs(HaConfig {
        max_entries: 1,
        ..cfg()
    });
    c.bu_result(&input(MN1, hoa1(), bu(1, 10, AH), &[]), 0);
    let r = c.bu_result(&input(MN2, hoa2(), bu(1, 10, BuFlags::H), &[]), 0);
    assert_eq!(r.ba.unwrap().ba.status, ba_status::INSUFFICIENT_RESOURCES);
    assert_eq!(c.len(), 1);
    assert_eq!(c.addresses().lock().holder(&hoa2()).as_deref(), None);
}

#[test]
fn dad_failure_gets_134_only_for_new_entry() {
    let mut c = BindingCache::fcfs(cfg());
    let mut i = input(MN1, hoa1(), bu(1, 10, AH), &[]);
    i.dad_failed = true;
    assert_eq!(c.bu_result(&i, 0).status, Some(ba_status::DAD_FAILED));
    assert!(c.is_empty());
    i.dad_failed = false;
    c.bu_result(&i, 0);
    let mut i = input(MN1, hoa1(), bu(2, 10, AH), &[]);
    i.dad_failed = true;
    assert_eq!(c.bu_result(&i, 0).status, Some(0));
}

#[test]
fn k_flag_only_when_both_sides_can() {
    let k = AH | BuFlags::K;
    let mut c = BindingCache::fcfs(cfg());
    let r = c.bu_result(&input(MN1, hoa1(), bu(1, 10, k), &[]), 0);
    assert!(!r.ba.unwrap().ba.flags.contains(BaFlags::K));
    let mut c = BindingCache::fcfs(HaConfig {
        can_move_ike_endpoint: true,
        ..cfg()
    });
    let r = c.bu_result(&input(MN1, hoa1(), bu(1, 10, k), &[]), 0);
    assert!(r.ba.unwrap().ba.flags.contains(BaFlags::K));
    let r = c.bu_result(&input(MN1, hoa1(), bu(2, 10, AH), &[]), 0);
    assert!(!r.ba.unwrap().ba.flags.contains(BaFlags::K));
}

#[test]
fn expiry_and_fcfs_reuse() {
    let mut c = BindingCache::fcfs(cfg());
    c.bu_result(&input(MN1, hoa1(), bu(1, 1, AH), &[]), 0);
    assert!(c.expire_at(3_999).events.is_empty());
    let t = c.expire_at(4_000);
    assert_eq!(
        t.events,
        vec![CacheEvent::Expired {
            identity: MN1.into(),
            hoa: hoa1()
        }]
    );
    assert!(c.next_timeout().is_none());
    let r = c.bu_result(&input(MN2, hoa1(), bu(9, 10, AH), &[]), 5_000);
    assert_eq!(r.status, Some(0));
    assert_eq!(c.get(&hoa1()).unwrap().identity, MN2);
}

#[test]
fn identity_compared_case_insensitively() {
    let mut c = BindingCache::fcfs(cfg());
    c.bu_result(&input("MN1.Example.COM.", hoa1(), bu(1, 10, AH), &[]), 0);
    let r = c.bu_result(&input(MN1, hoa1(), bu(2, 10, AH), &[]), 0);
    assert_eq!(r.status, Some(0));
}

#[test]
fn dereg_keeps_ike_reservation() {
    let mut auth = HoaAuthorizer::new(HoaPolicy::Fcfs);
    auth.add_pool(a("2001:db8:1::"), 64);
    auth.reserve(MN1, hoa1()).unwrap();
    let mut c = BindingCache::new(cfg(), auth);
    c.bu_result(&input(MN1, hoa1(), bu(1, 10, AH), &[]), 0);
    c.bu_result(&input(MN1, hoa1(), bu(2, 0, AH), &[]), 1);
    assert!(c.is_empty());
    assert_eq!(c.addresses().lock().holder(&hoa1()).as_deref(), Some(MN1));
    let r = c.bu_result(&input(MN2, hoa1(), bu(1, 10, AH), &[]), 2);
    assert_eq!(r.status, Some(ba_status::ADMINISTRATIVELY_PROHIBITED));
}

#[test]
fn prefix_lifetimes_bound_the_binding() {
    let mut c = BindingCache::fcfs(HaConfig {
        prefix_valid_until_ms: Some(41_000),
        prefix_preferred_until_ms: Some(20_000),
        ..cfg()
    });
    // 41 s of validity left at t=0 → at most 10 units; deprecated at 20 s → status 1.
    let r = c.bu_result(&input(MN1, hoa1(), bu(1, 50, AH), &[]), 0);
    assert_eq!(r.status, Some(ba_status::ACCEPTED_PREFIX_DISCOVERY));
    assert_eq!(
        r.status_name(),
        Some("Accepted but prefix discovery necessary")
    );
    assert_eq!(r.ba.unwrap().ba.lifetime, 10);
    // Short binding ending before deprecation → 0.
    let r = c.bu_result(&input(MN1, hoa1(), bu(2, 2, AH), &[]), 0);
    assert_eq!(r.status, Some(0));
    // Prefix invalid → off-link.
    let r = c.bu_result(&input(MN1, hoa1(), bu(3, 2, AH), &[]), 41_000);
    assert_eq!(r.status, Some(ba_status::NOT_HOME_SUBNET));
    let r = c.bu_result(&input(MN1, hoa1(), bu(3, 2, AH), &[]), 38_000);
    assert_eq!(r.status, Some(ba_status::NOT_HOME_SUBNET), "under 4 s left");
}

#[test]
fn refresh_advice_below_lifetime() {
    let mut c = BindingCache::fcfs(HaConfig {
        refresh_advice_percent: Some(100),
        ..cfg()
    });
    let r = c.bu_result(&input(MN1, hoa1(), bu(1, 40, AH), &[]), 0);
    let ba = r.ba.unwrap();
    assert_eq!(
        ba.options,
        vec![MobilityOption::BindingRefreshAdvice { interval: 39 }]
    );
    let r = c.bu_result(&input(MN1, hoa1(), bu(2, 0, AH), &[]), 0);
    assert!(r.ba.unwrap().options.is_empty(), "none on deregistration");
}
