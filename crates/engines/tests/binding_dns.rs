//! DNS Update option decision table (RFC 5026 §6, §8.1, §9.5): one test per row, then the same
//! rows through the Binding Cache.

mod binding_common;
use binding_common::CacheActions;

use mip6lab_engines::binding::dns::{ba_option, decide, BindingOutcome};
use mip6lab_engines::binding::{
    dns_status, BindingCache, BuInput, DnsAction, DnsDecision, DnsNote, DnsOutcome, DnsPolicy,
    HaConfig,
};
use mip6lab_wire::mh::options::MobilityOption;
use mip6lab_wire::mh::{ba_status, BindingUpdate, BuFlags, DnsUpdate, FqdnForm};
use std::net::Ipv6Addr;

const IDI: &str = "mn1.example.com";

fn hoa() -> Ipv6Addr {
    "2001:db8:1::100".parse().unwrap()
}
fn opt(remove: bool, fqdn: &str) -> DnsUpdate {
    DnsUpdate::new(0, remove, fqdn, FqdnForm::Text).unwrap()
}
fn on() -> DnsPolicy {
    DnsPolicy::default()
}
fn add() -> DnsDecision {
    DnsDecision::Perform(DnsAction::Add {
        fqdn: IDI.into(),
        hoa: hoa(),
    })
}

// ---- decide(): one test per row --------------------------------------------------------------

#[test]
fn row_no_option() {
    let (d, n) = decide(None, IDI, hoa(), BindingOutcome::Registered, &on());
    assert_eq!(d, DnsDecision::None);
    assert!(n.is_empty());
}

#[test]
fn row_binding_rejected_no_dns_change() {
    let o = opt(false, IDI);
    let (d, _) = decide(Some(&o), IDI, hoa(), BindingOutcome::Rejected, &on());
    assert_eq!(d, DnsDecision::None);
}

#[test]
fn row_policy_disabled_129() {
    let o = opt(false, IDI);
    let p = DnsPolicy {
        enabled: false,
        ..on()
    };
    let (d, _) = decide(Some(&o), IDI, hoa(), BindingOutcome::Registered, &p);
    assert_eq!(d, DnsDecision::Reply { status: 129 });
}

#[test]
fn row_identity_not_a_name_128() {
    let o = DnsUpdate {
        status: 0,
        flags: 0,
        identity: vec![0xff, 0x00, 0x01],
    };
    let (d, _) = decide(Some(&o), IDI, hoa(), BindingOutcome::Registered, &on());
    assert_eq!(
        d,
        DnsDecision::Reply {
            status: dns_status::REASON_UNSPECIFIED
        }
    );
}

#[test]
fn row_fqdn_not_idi_129() {
    let o = opt(false, "victim.example.com");
    let (d, _) = decide(Some(&o), IDI, hoa(), BindingOutcome::Registered, &on());
    assert_eq!(
        d,
        DnsDecision::Reply {
            status: dns_status::ADMINISTRATIVELY_PROHIBITED
        }
    );
    // Also for removal: the MN may not remove another's name.
    let o = opt(true, "victim.example.com");
    let (d, _) = decide(Some(&o), IDI, hoa(), BindingOutcome::Deregistered, &on());
    assert_eq!(d, DnsDecision::Reply { status: 129 });
}

#[test]
fn row_r0_add() {
    let o = opt(false, IDI);
    let (d, _) = decide(Some(&o), IDI, hoa(), BindingOutcome::Registered, &on());
    assert_eq!(d, add());
}

#[test]
fn row_r0_add_case_and_wire_form_insensitive() {
    let o = DnsUpdate::new(0, false, "MN1.Example.Com", FqdnForm::DnsWire).unwrap();
    let (d, _) = decide(
        Some(&o),
        "mn1.example.com.",
        hoa(),
        BindingOutcome::Registered,
        &on(),
    );
    assert_eq!(d, add());
}

#[test]
fn row_r1_remove() {
    let o = opt(true, IDI);
    for b in [BindingOutcome::Registered, BindingOutcome::Deregistered] {
        let (d, _) = decide(Some(&o), IDI, hoa(), b, &on());
        assert_eq!(
            d,
            DnsDecision::Perform(DnsAction::Remove {
                fqdn: IDI.into(),
                hoa: hoa()
            })
        );
    }
}

#[test]
fn row_dereg_with_r0_128() {
    let o = opt(false, IDI);
    let (d, _) = decide(Some(&o), IDI, hoa(), BindingOutcome::Deregistered, &on());
    assert_eq!(d, DnsDecision::Reply { status: 128 });
}

#[test]
fn row_bu_status_nonzero_ignored() {
    let mut o = opt(false, IDI);
    o.status = 130;
    let (d, n) = decide(Some(&o), IDI, hoa(), BindingOutcome::Registered, &on());
    assert_eq!(d, add(), "§8.1: ignored by the receiver");
    assert_eq!(n, vec![DnsNote::BuStatusNonZero(130)]);
}

#[test]
fn row_reserved_bits_ignored() {
    let mut o = opt(false, IDI);
    o.flags |= 0x05;
    let (d, n) = decide(Some(&o), IDI, hoa(), BindingOutcome::Registered, &on());
    assert_eq!(d, add());
    assert_eq!(n, vec![DnsNote::ReservedBitsSet(0x05)]);
}

#[test]
fn outcome_to_status() {
    assert_eq!(DnsOutcome::Ok.status(), 0);
    assert_eq!(DnsOutcome::Refused.status(), 130);
    assert_eq!(DnsOutcome::TsigFailure.status(), 130);
    assert_eq!(DnsOutcome::Timeout.status(), 128);
    assert_eq!(DnsOutcome::Other.status(), 128);
}

#[test]
fn ba_option_echoes_identity_and_r_clears_reserved() {
    let mut o = opt(true, IDI);
    o.flags |= 0x01;
    o.status = 7;
    let b = ba_option(&o, 130);
    assert_eq!(b.status, 130);
    assert!(b.remove());
    assert_eq!(b.reserved(), 0);
    assert_eq!(b.identity, o.identity);
}

// ---- through the Binding Cache -----------------------------------------------------------

fn cache(policy: DnsPolicy) -> BindingCache {
    BindingCache::fcfs(HaConfig {
        home_prefixes: vec![("2001:db8:1::".parse().unwrap(), 64)],
        dns: policy,
        ..HaConfig::default()
    })
}

fn bu_in(seq: u16, lifetime: u16, flags: u8, opts: &[MobilityOption]) -> BuInput<'_> {
    BuInput {
        identity: IDI,
        sa_hoa: hoa(),
        src: "2001:db8:99::5".parse().unwrap(),
        hao: Some(hoa()),
        bu: BindingUpdate {
            seq,
            flags: BuFlags(flags),
            reserved: 0,
            lifetime,
        },
        options: opts,
        dad_failed: false,
    }
}

const AH: u8 = BuFlags::A | BuFlags::H;

#[test]
fn ha_add_waits_for_dns_then_ba_carries_status() {
    for (outcome, status) in [
        (DnsOutcome::Ok, 0),
        (DnsOutcome::Refused, 130),
        (DnsOutcome::TsigFailure, 130),
        (DnsOutcome::Timeout, 128),
    ] {
        let mut c = cache(on());
        let o = [MobilityOption::DnsUpdate(opt(false, IDI))];
        let r = c.bu_result(&bu_in(1, 10, AH, &o), 0);
        assert!(r.ba.is_none(), "BA held until DNS is done");
        let (t, action) = r.dns.expect("DNS action");
        assert_eq!(
            action,
            DnsAction::Add {
                fqdn: IDI.into(),
                hoa: hoa()
            }
        );
        assert_eq!(c.pending_dns(), 1);
        let ba = c.dns_done(t, outcome).unwrap();
        assert_eq!(ba.ba.status, ba_status::ACCEPTED);
        assert_eq!(ba.dns_update().unwrap().status, status);
        assert!(c.dns_done(t, outcome).is_none(), "ticket used once");
        let expect = (outcome == DnsOutcome::Ok).then(|| IDI.to_string());
        assert_eq!(c.get(&hoa()).unwrap().dns_fqdn, expect);
    }
}

#[test]
fn ha_dns_option_forces_ba_even_with_a_clear() {
    let mut c = cache(on());
    let o = [MobilityOption::DnsUpdate(opt(false, "other.example.com"))];
    let r = c.bu_result(&bu_in(1, 10, BuFlags::H, &o), 0);
    assert!(r.dns.is_none());
    let ba = r.ba.expect("RFC 5026 §6: BA with the option");
    assert_eq!(ba.dns_update().unwrap().status, 129);
    assert_eq!(ba.ba.status, 0, "the binding itself is accepted");
}

#[test]
fn ha_rejected_bu_no_dns() {
    let mut c = cache(on());
    let o = [MobilityOption::DnsUpdate(opt(false, IDI))];
    let r = c.bu_result(&bu_in(1, 0, AH, &o), 0); // dereg without entry → 133
    assert_eq!(r.status, Some(ba_status::NOT_HOME_AGENT));
    assert!(r.dns.is_none());
    assert!(r.ba.unwrap().dns_update().is_none());
}

#[test]
fn ha_dereg_with_r1_removes() {
    let mut c = cache(on());
    let o = [MobilityOption::DnsUpdate(opt(false, IDI))];
    let (t, _) = c.bu_result(&bu_in(1, 10, AH, &o), 0).dns.unwrap();
    c.dns_done(t, DnsOutcome::Ok);
    let o = [MobilityOption::DnsUpdate(opt(true, IDI))];
    let r = c.bu_result(&bu_in(2, 0, AH, &o), 10);
    let (t, action) = r.dns.unwrap();
    assert_eq!(
        action,
        DnsAction::Remove {
            fqdn: IDI.into(),
            hoa: hoa()
        }
    );
    let ba = c.dns_done(t, DnsOutcome::Ok).unwrap();
    assert!(ba.dns_update().unwrap().remove());
    assert_eq!(ba.ba.lifetime, 0);
    assert!(c.is_empty());
}

#[test]
fn ha_removal_on_expiry_policy() {
    for remove_on_expiry in [true, false] {
        let mut c = cache(DnsPolicy {
            enabled: true,
            remove_on_expiry,
        });
        let o = [MobilityOption::DnsUpdate(opt(false, IDI))];
        let (t, _) = c.bu_result(&bu_in(1, 1, AH, &o), 0).dns.unwrap();
        c.dns_done(t, DnsOutcome::Ok);
        let tick = c.expire_at(4_000);
        assert_eq!(tick.events.len(), 1);
        if remove_on_expiry {
            assert_eq!(
                tick.dns,
                vec![DnsAction::Remove {
                    fqdn: IDI.into(),
                    hoa: hoa()
                }]
            );
        } else {
            assert!(tick.dns.is_empty());
        }
    }
}

#[test]
fn ha_no_removal_on_expiry_if_add_failed() {
    let mut c = cache(on());
    let o = [MobilityOption::DnsUpdate(opt(false, IDI))];
    let (t, _) = c.bu_result(&bu_in(1, 1, AH, &o), 0).dns.unwrap();
    c.dns_done(t, DnsOutcome::Refused);
    assert!(c.expire_at(4_000).dns.is_empty());
}

#[test]
fn ha_duplicate_option_noted() {
    let mut c = cache(on());
    let o = [
        MobilityOption::DnsUpdate(opt(false, IDI)),
        MobilityOption::DnsUpdate(opt(true, IDI)),
    ];
    let r = c.bu_result(&bu_in(1, 10, AH, &o), 0);
    assert!(r.dns_notes.contains(&DnsNote::Duplicate));
    assert!(matches!(r.dns, Some((_, DnsAction::Add { .. }))));
}
