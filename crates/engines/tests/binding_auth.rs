//! HoA authorization (RFC 5026 §9.2): configured and FCFS modes.

use mip6lab_engines::binding::{normalize_identity, HoaAuthorizer, HoaDenied, HoaPolicy};
use std::net::Ipv6Addr;

fn a(s: &str) -> Ipv6Addr {
    s.parse().unwrap()
}

fn both() -> HoaAuthorizer {
    let mut z = HoaAuthorizer::new(HoaPolicy::Both);
    z.add_pool(a("2001:db8:1::"), 64);
    z
}

#[test]
fn identity_normalization() {
    assert_eq!(normalize_identity("MN.Example.COM."), "mn.example.com");
}

#[test]
fn configure_same_address_for_two_identities_refused() {
    let mut z = both();
    assert!(z.configure("mn1", a("2001:db8:1::1")));
    assert!(z.configure("mn1", a("2001:db8:1::1")));
    assert!(!z.configure("mn2", a("2001:db8:1::1")));
    assert_eq!(z.configured_for("mn2"), &[] as &[Ipv6Addr]);
}

#[test]
fn configured_mode() {
    let mut z = HoaAuthorizer::new(HoaPolicy::Configured);
    z.configure("mn1", a("2001:db8:1::1"));
    assert!(z.authorize("mn1", &a("2001:db8:1::1")).is_ok());
    assert_eq!(
        z.authorize("mn1", &a("2001:db8:1::2")),
        Err(HoaDenied::NotConfigured)
    );
    assert_eq!(
        z.authorize("mn2", &a("2001:db8:1::1")),
        Err(HoaDenied::ConfiguredForOther {
            owner: "mn1".into()
        })
    );
}

#[test]
fn fcfs_mode_pool_and_use() {
    let mut z = HoaAuthorizer::new(HoaPolicy::Fcfs);
    z.add_pool(a("2001:db8:1::"), 64);
    assert_eq!(
        z.authorize("mn1", &a("2001:db8:2::1")),
        Err(HoaDenied::OutsidePool)
    );
    z.claim("mn1", a("2001:db8:1::5")).unwrap();
    z.claim("MN1.", a("2001:db8:1::5")).unwrap();
    assert_eq!(
        z.claim("mn2", a("2001:db8:1::5")),
        Err(HoaDenied::InUseByOther {
            holder: "mn1".into()
        })
    );
    assert!(
        !z.release("mn2", &a("2001:db8:1::5")),
        "only the holder frees"
    );
    assert!(z.release("mn1", &a("2001:db8:1::5")));
    z.claim("mn2", a("2001:db8:1::5")).unwrap();
    assert_eq!(z.holder(&a("2001:db8:1::5")), Some("mn2"));
}

#[test]
fn fcfs_never_takes_a_configured_address_of_another() {
    let mut z = both();
    z.configure("mn1", a("2001:db8:1::1"));
    assert!(matches!(
        z.claim("mn2", a("2001:db8:1::1")),
        Err(HoaDenied::ConfiguredForOther { .. })
    ));
    // Allocation: the iid source keeps proposing mn1's address first.
    let mut iids = [1u64, 1, 2].into_iter();
    let got = z
        .allocate(
            "mn2",
            Some(a("2001:db8:1::1")),
            || iids.next().unwrap_or(3),
            5,
        )
        .unwrap();
    assert_eq!(got, a("2001:db8:1::2"));
    assert_eq!(z.holder(&got), Some("mn2"));
}

#[test]
fn allocate_prefers_configured() {
    let mut z = both();
    z.configure("mn1", a("2001:db8:1::1"));
    let got = z
        .allocate("mn1", Some(a("2001:db8:1::9")), || 7, 3)
        .unwrap();
    assert_eq!(got, a("2001:db8:1::1"));
}

#[test]
fn allocate_preferred_then_exhaustion() {
    let mut z = HoaAuthorizer::new(HoaPolicy::Fcfs);
    z.add_pool(a("2001:db8:1::"), 126);
    let p = z
        .allocate("mn1", Some(a("2001:db8:1::2")), || 0, 1)
        .unwrap();
    assert_eq!(p, a("2001:db8:1::2"));
    let mut n = 0u64;
    let mut next = || {
        n += 1;
        n
    };
    let x1 = z.allocate("mnx", None, &mut next, 8).unwrap();
    let x2 = z.allocate("mny", None, &mut next, 8).unwrap();
    assert_eq!((x1, x2), (a("2001:db8:1::1"), a("2001:db8:1::3")));
    // A /126 has 3 usable addresses (IID 0 is the Subnet-Router anycast), all taken now.
    assert_eq!(
        z.allocate("mn2", None, || 1, 16),
        Err(HoaDenied::PoolExhausted)
    );
}

#[test]
fn configured_mode_allocation_without_config_fails() {
    let mut z = HoaAuthorizer::new(HoaPolicy::Configured);
    assert_eq!(
        z.allocate("mn1", None, || 1, 4),
        Err(HoaDenied::NotConfigured)
    );
}

#[test]
fn reservation_and_binding_both_keep_the_address() {
    let mut z = both();
    let x = a("2001:db8:1::7");
    z.reserve("mn1", x).unwrap();
    z.claim("mn1", x).unwrap();
    assert!(z.release("mn1", &x));
    assert_eq!(z.holder(&x), Some("mn1"), "IKE SA still holds it");
    assert!(z.claim("mn2", x).is_err());
    assert!(z.unreserve("mn1", &x));
    assert_eq!(z.holder(&x), None);
    // Other order: reservation dropped first, binding keeps it.
    z.reserve("mn2", x).unwrap();
    z.claim("mn2", x).unwrap();
    assert!(z.unreserve("mn2", &x));
    assert!(z.is_bound(&x));
    assert!(z.reserve("mn1", x).is_err());
    assert!(z.release("mn2", &x));
    assert_eq!(z.used_count(), 0);
}
