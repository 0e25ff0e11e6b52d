//! The reference address provider (`HoaAuthorizer` as `AddressProvider`): IKE-time leases
//! for CFG_REPLY (RFC 5026 §5.3.1, §9.2) over the same address space as binding-time
//! authorization, and one instance shared by both sides.

use mip6lab_engines::addresses::{AddressProvider, Lease, SharedAddresses};
use mip6lab_engines::binding::{HoaAuthorizer, HoaDenied, HoaPolicy, LeasePool};
use rstest::rstest;
use std::net::Ipv6Addr;

const MN1: &str = "mn1.example.com";
const MN2: &str = "mn2.example.com";

fn a(s: &str) -> Ipv6Addr {
    s.parse().unwrap()
}

/// Leases from 2001:db8:1::8000 + 1..=3, requests inside 2001:db8:1::/64; mn1 has ::c1
/// configured, mn2 ::c2.
fn provider(tweak: impl FnOnce(&mut LeasePool)) -> HoaAuthorizer {
    let mut p = HoaAuthorizer::new(HoaPolicy::Fcfs);
    p.add_pool(a("2001:db8:1::"), 64);
    assert!(p.configure(MN1, a("2001:db8:1::c1")));
    assert!(p.configure(MN2, a("2001:db8:1::c2")));
    let mut pool = LeasePool::new(a("2001:db8:1::8000"), 64, 3);
    tweak(&mut pool);
    p.set_lease_pool(pool);
    p
}

/// What holds addresses before the lease under test.
#[derive(Debug, Clone, Copy)]
enum Held {
    Nothing,
    LeasedTo(&'static str, &'static str),
    BoundBy(&'static str, &'static str),
}

#[rstest]
#[case::first_pool_address(Held::Nothing, "mn3", None, Some("2001:db8:1::8001"))]
#[case::requested_and_free(Held::Nothing, MN2, Some("2001:db8:1::99"), Some("2001:db8:1::99"))]
#[case::requested_off_prefix(
    Held::Nothing,
    "mn3",
    Some("2001:db8:2::99"),
    Some("2001:db8:1::8001")
)]
#[case::requested_subnet_router_anycast(
    Held::Nothing,
    "mn3",
    Some("2001:db8:1::"),
    Some("2001:db8:1::8001")
)]
#[case::requested_but_leased_to_other(
    Held::LeasedTo(MN1, "2001:db8:1::99"),
    "mn3",
    Some("2001:db8:1::99"),
    Some("2001:db8:1::8001")
)]
#[case::requested_but_bound_by_other(
    Held::BoundBy(MN1, "2001:db8:1::99"),
    "mn3",
    Some("2001:db8:1::99"),
    Some("2001:db8:1::8001")
)]
#[case::requested_and_held_by_self(
    Held::BoundBy(MN2, "2001:db8:1::99"),
    MN2,
    Some("2001:db8:1::99"),
    Some("2001:db8:1::99")
)]
#[case::self_in_another_spelling(
    Held::LeasedTo("MN2.Example.COM.", "2001:db8:1::99"),
    MN2,
    Some("2001:db8:1::99"),
    Some("2001:db8:1::99")
)]
#[case::requested_configured_for_other(
    Held::Nothing,
    MN2,
    Some("2001:db8:1::c1"),
    Some("2001:db8:1::c2")
)]
#[case::own_configured_first(Held::Nothing, MN1, None, Some("2001:db8:1::c1"))]
#[case::pool_skips_held(
    Held::LeasedTo(MN1, "2001:db8:1::8001"),
    "mn3",
    None,
    Some("2001:db8:1::8002")
)]
#[case::unconfigured_identity_gets_the_pool(
    Held::Nothing,
    "mn3",
    Some("2001:db8:1::c2"),
    Some("2001:db8:1::8001")
)]
fn lease_picks(
    #[case] held: Held,
    #[case] who: &str,
    #[case] requested: Option<&str>,
    #[case] expected: Option<&str>,
) {
    let mut p = provider(|_| {});
    match held {
        Held::Nothing => {}
        Held::LeasedTo(id, x) => {
            // The address of an earlier lease is whatever that identity asked for.
            assert_eq!(p.lease(id, Some(a(x))).map(|l| l.addr), Some(a(x)));
        }
        Held::BoundBy(id, x) => p.claim(id, a(x)).unwrap(),
    }
    let got = p.lease(who, requested.map(a));
    assert_eq!(got.map(|l| l.addr), expected.map(a));
    if let Some(l) = got {
        assert_eq!(
            l.prefix_len, 64,
            "the lease prefix's length goes into CFG_REPLY"
        );
    }
}

#[rstest]
#[case::guard_used_off_grants_a_held_request(
    |p: &mut LeasePool| p.guard_used = false, MN2, Some("2001:db8:1::99"), Some("2001:db8:1::99"))]
#[case::no_configured_list(
    |p: &mut LeasePool| p.use_configured = false, MN1, None, Some("2001:db8:1::8001"))]
#[case::no_configured_list_grants_anothers(
    |p: &mut LeasePool| p.use_configured = false, MN2, Some("2001:db8:1::c1"), Some("2001:db8:1::c1"))]
#[case::empty_pool(|p: &mut LeasePool| p.size = 0, "mn3", None, None)]
#[case::empty_pool_grants_a_request(
    |p: &mut LeasePool| p.size = 0, "mn3", Some("2001:db8:1::98"), Some("2001:db8:1::98"))]
fn lease_mutants(
    #[case] tweak: fn(&mut LeasePool),
    #[case] who: &str,
    #[case] requested: Option<&str>,
    #[case] expected: Option<&str>,
) {
    let mut p = provider(tweak);
    // mn1 holds ::99 by a lease.
    p.lease(MN1, Some(a("2001:db8:1::99"))).unwrap();
    assert_eq!(
        p.lease(who, requested.map(a)).map(|l| l.addr),
        expected.map(a)
    );
}

#[test]
fn pool_exhaustion_and_end_of_lease() {
    let mut p = provider(|_| {});
    let leased: Vec<Option<Lease>> = (0..3).map(|n| p.lease(&format!("x{n}"), None)).collect();
    assert!(leased.iter().all(Option::is_some));
    assert_eq!(p.lease("x9", None), None, "three addresses, all leased");
    p.end_lease("x1", &a("2001:db8:1::8002"));
    assert_eq!(
        p.lease("x9", None).map(|l| l.addr),
        Some(a("2001:db8:1::8002"))
    );
}

#[test]
fn an_address_leased_twice_by_one_identity_stays_held_until_both_end() {
    let mut p = provider(|_| {});
    let x = a("2001:db8:1::99");
    p.lease(MN1, Some(x)).unwrap();
    p.lease(MN1, Some(x)).unwrap();
    p.end_lease(MN1, &x);
    assert_ne!(p.lease(MN2, Some(x)).map(|l| l.addr), Some(x));
    p.end_lease(MN1, &x);
    assert_eq!(p.lease(MN2, Some(x)).map(|l| l.addr), Some(x));
}

#[test]
fn ending_a_lease_of_another_identity_changes_nothing() {
    let mut p = provider(|_| {});
    let x = a("2001:db8:1::99");
    p.lease(MN1, Some(x)).unwrap();
    p.end_lease(MN2, &x);
    assert_ne!(p.lease(MN2, Some(x)).map(|l| l.addr), Some(x));
}

/// A binding decides on bindings and reservations; an IKE lease alone does not bar another
/// identity's BU (the IKE SA's selectors do that).
#[test]
fn binding_authorization_does_not_see_leases() {
    let mut p = provider(|_| {});
    let x = a("2001:db8:1::99");
    p.lease(MN1, Some(x)).unwrap();
    assert_eq!(AddressProvider::authorize(&p, MN2, &x), Ok(()));
    assert_eq!(AddressProvider::holder(&p, &x), None);
}

#[rstest]
#[case::guarded(true, Err(HoaDenied::ConfiguredForOther { owner: MN1.into() }))]
#[case::unguarded(false, Ok(()))]
fn binding_another_identitys_configured_address(
    #[case] guard: bool,
    #[case] expected: Result<(), HoaDenied>,
) {
    let mut p = provider(|_| {});
    p.set_guard_configured(guard);
    assert_eq!(p.authorize(MN2, &a("2001:db8:1::c1")), expected);
    // The owner may always bind its own.
    assert_eq!(p.authorize(MN1, &a("2001:db8:1::c1")), Ok(()));
}

/// One instance for the IKE responder and the Binding Cache: a binding made through one
/// handle keeps the address from leases through the other, and freeing it frees both.
#[test]
fn shared_handles_see_one_state() {
    let for_bindings = SharedAddresses::new(provider(|_| {}));
    let for_ike = for_bindings.clone();
    assert!(for_ike.same(&for_bindings));
    let x = a("2001:db8:1::99");
    for_bindings.lock().claim(MN1, x).unwrap();
    assert_eq!(for_ike.lock().holder(&x).as_deref(), Some(MN1));
    assert_eq!(for_ike.lock().held_count(), 1);
    assert_ne!(for_ike.lock().lease(MN2, Some(x)).map(|l| l.addr), Some(x));
    assert!(for_bindings.lock().release(MN1, &x));
    assert_eq!(for_ike.lock().lease(MN2, Some(x)).map(|l| l.addr), Some(x));
}
