//! First-come-first-served home addresses at one responder with several MNs (RFC 5026 §9.2)
//! and INTERNAL_ADDRESS_FAILURE when none is left (RFC 4877 §9): an address is used while an
//! IKE SA or a binding of the identity that got it holds it, and that identity may have it
//! again; nobody else may.

mod ikev2_common;

use ikev2_common::*;
use mip6lab_engines::addresses::SharedAddresses;
use mip6lab_engines::binding::{HoaAuthorizer, HoaPolicy, LeasePool};
use mip6lab_engines::ikev2::{Config, Event, IkeEngine, InitiateRequest, SaId};
use mip6lab_wire::ikev2::{cp_attr, notify_type, CpAttribute, Id};
use std::net::Ipv6Addr;

const MN1: &str = "mn1.example.com";
const MN2: &str = "mn2.example.com";

fn addr(s: &str) -> Ipv6Addr {
    s.parse().unwrap()
}

/// The requested address of the tests, on the home prefix, outside the pool.
fn x() -> Ipv6Addr {
    addr("2001:db8:1:100::1234")
}

/// An HA that knows the shared key of mn1 and mn2, with `pool_size` pool addresses, and the
/// address provider it shares with its (here absent) Binding Cache.
fn ha_with(
    pool_size: u32,
    tweak: impl FnOnce(&mut Config, &mut LeasePool),
) -> (IkeEngine, SharedAddresses) {
    let mut c = ha_config();
    c.psks.push((Id::fqdn(MN2), PSK.to_vec()));
    let mut leases = LeasePool::new(pool(), 64, pool_size);
    tweak(&mut c, &mut leases);
    let mut auth = HoaAuthorizer::new(HoaPolicy::Fcfs);
    auth.add_pool(pool(), 64);
    auth.set_lease_pool(leases);
    let addresses = SharedAddresses::new(auth);
    c.responder.as_mut().unwrap().addresses = addresses.clone();
    (IkeEngine::new(c, rng(2)), addresses)
}

fn ha(pool_size: u32, tweak: impl FnOnce(&mut Config, &mut LeasePool)) -> IkeEngine {
    ha_with(pool_size, tweak).0
}

/// What one MN's IKE_SA_INIT + IKE_AUTH with the HA brought it.
struct Attached {
    mn: IkeEngine,
    sa: SaId,
    /// The INTERNAL_IP6_ADDRESS of the CFG_REPLY, if any.
    hoa: Option<Ipv6Addr>,
    cfg_reply: bool,
    /// Error notifies the HA sent for the Child SA (e.g. INTERNAL_ADDRESS_FAILURE).
    child_errors: Vec<u16>,
}

/// Moves datagrams between `mn` and `ha` until both are quiet; returns the MN's events.
fn pump(mn: &mut IkeEngine, ha: &mut IkeEngine, now: u64) -> Vec<Event> {
    let mut ev = Vec::new();
    for _ in 0..100 {
        let mut moved = false;
        while let Some(d) = mn.send() {
            ha.recv(now, &d);
            moved = true;
        }
        while let Some(d) = ha.send() {
            mn.recv(now, &d);
            moved = true;
        }
        while let Some(e) = mn.poll_event() {
            ev.push(e);
        }
        while ha.poll_event().is_some() {}
        if !moved {
            return ev;
        }
    }
    panic!("exchange did not settle");
}

/// `id` attaches (seed: a distinct MN engine), asking for `want` or for any address.
fn attach(ha: &mut IkeEngine, id: &str, want: Option<Ipv6Addr>, seed: u64) -> Attached {
    let mut c = mn_config();
    c.local_id = Id::fqdn(id);
    let mut mn = IkeEngine::new(c, rng(seed));
    let mut req = InitiateRequest::dynamic_hoa(ha_addr());
    if let Some(w) = want {
        req.cfg_request = Some(vec![CpAttribute::internal_ip6_address(w, 64)]);
    }
    let sa = mn.initiate(1_000, req);
    let ev = pump(&mut mn, ha, 1_000);
    assert!(mn.is_established(sa), "{id}: {ev:#?}");
    let cp = ev.iter().find_map(Event::config_reply).map(|(cp, _)| cp);
    let hoa = cp
        .and_then(|c| c.attribute(cp_attr::INTERNAL_IP6_ADDRESS))
        .and_then(|a| a.as_ip6_prefix())
        .map(|(a, _)| a);
    let child_errors = ev
        .iter()
        .filter_map(|e| match e {
            Event::ChildSaFailed { notify_type, .. } => Some(*notify_type),
            _ => None,
        })
        .collect();
    Attached {
        mn,
        sa,
        hoa,
        cfg_reply: cp.is_some(),
        child_errors,
    }
}

fn leave(a: &mut Attached, ha: &mut IkeEngine) {
    a.mn.delete_ike(2_000, a.sa).unwrap();
    pump(&mut a.mn, ha, 2_000);
    assert!(!a.mn.is_established(a.sa));
}

#[test]
fn another_identity_is_refused_an_address_the_first_holds_its_holder_is_not() {
    let mut h = ha(256, |_, _| {});
    let a = attach(&mut h, MN1, Some(x()), 10);
    assert_eq!(a.hoa, Some(x()), "the first to ask gets the free address");
    let b = attach(&mut h, MN2, Some(x()), 11);
    let given = b.hoa.expect("B gets another address");
    assert_ne!(given, x(), "B must not get A's address");
    // The identity that made the allocation, on a second IKE SA, gets it again.
    let a2 = attach(&mut h, MN1, Some(x()), 12);
    assert_eq!(a2.hoa, Some(x()));
    assert_eq!(h.sa_count(), 3);
}

#[test]
fn a_binding_keeps_the_address_used_after_the_ike_sa_and_frees_it_when_gone() {
    let (mut h, bindings) = ha_with(256, |_, _| {});
    let mut a = attach(&mut h, MN1, Some(x()), 10);
    assert_eq!(a.hoa, Some(x()));
    // The Binding Cache records identities as the IDi says them; case and a final dot differ.
    bindings.lock().claim("MN1.Example.COM.", x()).unwrap();
    leave(&mut a, &mut h);
    assert_eq!(h.sa_count(), 0);
    let mut b = attach(&mut h, MN2, Some(x()), 11);
    assert_ne!(b.hoa, Some(x()), "bound to mn1: not for mn2");
    leave(&mut b, &mut h);
    let mut a2 = attach(&mut h, MN1, Some(x()), 12);
    assert_eq!(a2.hoa, Some(x()), "bound to mn1: mn1 may have it again");
    leave(&mut a2, &mut h);
    // Neither a binding nor an IKE SA left: free for anyone.
    assert!(bindings.lock().release("MN1.Example.COM.", &x()));
    let b2 = attach(&mut h, MN2, Some(x()), 13);
    assert_eq!(b2.hoa, Some(x()));
}

#[test]
fn a_bound_pool_address_is_not_handed_out() {
    let (mut h, bindings) = ha_with(2, |_, _| {});
    let first = addr("2001:db8:1:100::1");
    bindings.lock().claim(MN1, first).unwrap();
    let b = attach(&mut h, MN2, None, 11);
    assert_eq!(b.hoa, Some(addr("2001:db8:1:100::2")));
}

#[test]
fn exhausted_pool_answers_internal_address_failure_with_or_without_a_request() {
    let mut h = ha(1, |_, _| {});
    let a = attach(&mut h, MN1, None, 10);
    let only = a.hoa.expect("the pool's one address");
    assert_eq!(only, addr("2001:db8:1:100::1"));
    for (seed, want) in [(11, None), (12, Some(only))] {
        let b = attach(&mut h, MN2, want, seed);
        assert_eq!(b.hoa, None, "{want:?}");
        assert!(!b.cfg_reply, "no CFG_REPLY with the failure ({want:?})");
        assert_eq!(
            b.child_errors,
            [notify_type::INTERNAL_ADDRESS_FAILURE],
            "{want:?}"
        );
    }
    // Once A leaves (no binding), the address is free again.
    let mut a = a;
    leave(&mut a, &mut h);
    let b = attach(&mut h, MN2, None, 13);
    assert_eq!(b.hoa, Some(only));
}

#[test]
fn mutants_hand_out_a_used_address_or_hide_the_failure() {
    let mut h = ha(256, |_, leases| leases.guard_used = false);
    attach(&mut h, MN1, Some(x()), 10);
    assert_eq!(attach(&mut h, MN2, Some(x()), 11).hoa, Some(x()));

    let mut h = ha(1, |c, _| {
        c.responder.as_mut().unwrap().address_failure_notify = false
    });
    attach(&mut h, MN1, None, 10);
    let b = attach(&mut h, MN2, None, 11);
    assert!(
        b.cfg_reply && b.hoa.is_none(),
        "a CFG_REPLY without address"
    );
    assert!(!b
        .child_errors
        .contains(&notify_type::INTERNAL_ADDRESS_FAILURE));
}
