//! MN Binding Update List (RFC 6275 §11.7.1, §11.7.3, §11.8; RFC 5026 §5.3.2, §6).

mod binding_common;
use binding_common::BulActions;
use mip6lab_engines::io::SansIo as _;

use mip6lab_engines::binding::{BindingUpdateList, BulState, MnAction, MnConfig, MnError};
use mip6lab_wire::mh::options::MobilityOption;
use mip6lab_wire::mh::{ba_status, BaFlags, BindingAck, BindingUpdate, BuFlags};
use std::net::Ipv6Addr;

fn a(s: &str) -> Ipv6Addr {
    s.parse().unwrap()
}
fn ha() -> Ipv6Addr {
    a("2001:db8:1::1")
}
fn hoa() -> Ipv6Addr {
    a("2001:db8:1::100")
}
fn coa() -> Ipv6Addr {
    a("2001:db8:99::5")
}

fn bul(initial: u16) -> BindingUpdateList {
    let mut b = BindingUpdateList::new(MnConfig::default());
    b.add_ha(ha(), hoa(), initial).unwrap();
    b
}

/// A list whose first BU (sequence number `initial`, from the CoA, no DNS update) went out at
/// 0 and waits for its BA.
fn registering(initial: u16) -> BindingUpdateList {
    let mut b = bul(initial);
    b.acts_of(|b| b.register(ha(), coa(), None, 0)).unwrap();
    b
}

fn sent(acts: &[MnAction]) -> Vec<(BindingUpdate, Vec<MobilityOption>)> {
    acts.iter()
        .filter_map(|x| match x {
            MnAction::SendBu { bu, options, .. } => Some((*bu, options.clone())),
            _ => None,
        })
        .collect()
}

fn ba(status: u8, seq: u16, lifetime: u16) -> BindingAck {
    BindingAck {
        status,
        flags: BaFlags(0),
        seq,
        lifetime,
    }
}

#[test]
fn first_bu_has_a_h_k_acoa_and_initial_seq() {
    let mut b = bul(42);
    let acts = b.acts_of(|b| b.register(ha(), coa(), None, 0)).unwrap();
    let s = sent(&acts);
    assert_eq!(s.len(), 1);
    let (bu, opts) = &s[0];
    assert_eq!(bu.seq, 42);
    assert!(bu.flags.contains(BuFlags::A | BuFlags::H | BuFlags::K));
    assert_eq!(bu.lifetime, 150);
    assert!(opts.contains(&MobilityOption::AlternateCoa(coa())));
    assert_eq!(b.state(&ha()), Some(BulState::Pending { dereg: false }));
    assert_eq!(
        b.next_timeout(),
        Some(1_500),
        "InitialBindackTimeoutFirstReg"
    );
}

#[test]
fn retransmission_backoff_new_seq_then_failure() {
    let mut b = BindingUpdateList::new(MnConfig {
        max_transmissions: 8,
        ..MnConfig::default()
    });
    b.add_ha(ha(), hoa(), 65534).unwrap();
    b.acts_of(|b| b.register(ha(), coa(), None, 0)).unwrap();
    let mut t = 0;
    let mut seqs = vec![65534u16];
    let mut gaps = Vec::new();
    loop {
        let next = b.next_timeout().unwrap();
        gaps.push(next - t);
        t = next;
        let acts = b.timer_acts(t);
        if acts.contains(&MnAction::RegistrationFailed { ha: ha() }) {
            break;
        }
        let s = sent(&acts);
        assert_eq!(s.len(), 1);
        seqs.push(s[0].0.seq);
    }
    assert_eq!(
        gaps,
        vec![1_500, 3_000, 6_000, 12_000, 24_000, 32_000, 32_000, 32_000]
    );
    assert_eq!(
        seqs,
        vec![65534, 65535, 0, 1, 2, 3, 4, 5],
        "each resend has a newer seq"
    );
    assert_eq!(b.state(&ha()), Some(BulState::Failed));
    assert_eq!(b.next_timeout(), None);
}

#[test]
fn ba_accepted_sets_lifetime_from_send_time_and_refreshes() {
    let mut b = bul(1);
    b.acts_of(|b| b.register(ha(), coa(), None, 1_000)).unwrap();
    let acts = b.ba_acts(ha(), &ba(0, 1, 100), &[], 1_300);
    assert_eq!(
        acts,
        vec![MnAction::Registered {
            ha: ha(),
            lifetime_units: 100,
            expires_ms: 1_000 + 400_000,
            ike_endpoint_movable: false,
        }]
    );
    assert_eq!(b.state(&ha()), Some(BulState::Registered));
    // Refresh at 75 % of the lifetime; 1 s initial timeout now (not first registration).
    assert_eq!(b.next_timeout(), Some(1_000 + 300_000));
    let s = sent(&b.timer_acts(301_000));
    assert_eq!(s[0].0.seq, 2);
    assert_eq!(b.next_timeout(), Some(302_000));
}

#[test]
fn refresh_advice_shortens_refresh() {
    let mut b = registering(1);
    b.ba_acts(
        ha(),
        &ba(0, 1, 100),
        &[MobilityOption::BindingRefreshAdvice { interval: 10 }],
        10,
    );
    assert_eq!(b.next_timeout(), Some(40_000));
}

#[test]
fn ba_with_wrong_seq_ignored() {
    let mut b = registering(1);
    assert!(b.ba_acts(ha(), &ba(0, 9, 100), &[], 10).is_empty());
    assert_eq!(b.state(&ha()), Some(BulState::Pending { dereg: false }));
    // A BA for an earlier transmission of the same attempt still counts.
    b.timer_acts(1_500);
    let acts = b.ba_acts(ha(), &ba(0, 1, 100), &[], 1_600);
    assert!(matches!(
        acts[0],
        MnAction::Registered {
            expires_ms: 400_000,
            ..
        }
    ));
}

#[test]
fn ba_without_outstanding_bu_ignored() {
    let mut b = bul(1);
    assert!(b.ba_acts(ha(), &ba(0, 1, 100), &[], 10).is_empty());
    assert!(b
        .ba_acts(a("2001:db8::9"), &ba(0, 1, 100), &[], 10)
        .is_empty());
}

#[test]
fn status_135_resyncs_and_resends() {
    let mut b = registering(1);
    let acts = b.ba_acts(
        ha(),
        &ba(ba_status::SEQUENCE_OUT_OF_WINDOW, 5000, 0),
        &[],
        10,
    );
    assert_eq!(
        acts[0],
        MnAction::SeqResync {
            ha: ha(),
            seq: 5000
        }
    );
    assert_eq!(sent(&acts)[0].0.seq, 5001);
    let acts = b.ba_acts(ha(), &ba(0, 5001, 10), &[], 20);
    assert!(matches!(acts[0], MnAction::Registered { .. }));
}

#[test]
fn status_134_new_hoa_via_create_child_sa() {
    let mut b = registering(1);
    let acts = b.ba_acts(ha(), &ba(ba_status::DAD_FAILED, 1, 0), &[], 10);
    assert_eq!(
        acts,
        vec![MnAction::NewHoaViaCreateChildSa {
            ha: ha(),
            old_hoa: hoa()
        }]
    );
    assert_eq!(b.state(&ha()), Some(BulState::Failed));
    // The old HoA must not be used again (RFC 6275 §11.7.1).
    assert_eq!(
        b.acts_of(|b| b.register(ha(), coa(), None, 20)),
        Err(MnError::HoaRefused)
    );
    assert_eq!(b.set_hoa(ha(), hoa()), Err(MnError::HoaRefused));
    let new = a("2001:db8:1::101");
    b.set_hoa(ha(), new).unwrap();
    let acts = b.acts_of(|b| b.register(ha(), coa(), None, 30)).unwrap();
    assert!(matches!(acts[0], MnAction::SendBu { hoa, .. } if hoa == new));
    assert_eq!(sent(&acts)[0].0.seq, 2, "sequence continues");
}

#[test]
fn other_rejection_stops() {
    let mut b = registering(1);
    let acts = b.ba_acts(
        ha(),
        &ba(ba_status::ADMINISTRATIVELY_PROHIBITED, 1, 0),
        &[],
        10,
    );
    assert_eq!(
        acts,
        vec![MnAction::Rejected {
            ha: ha(),
            status: 129
        }]
    );
    assert!(b.timer_acts(100_000).is_empty());
}

#[test]
fn status_1_asks_for_prefix_solicitation() {
    let mut b = registering(1);
    let acts = b.ba_acts(
        ha(),
        &ba(ba_status::ACCEPTED_PREFIX_DISCOVERY, 1, 10),
        &[],
        10,
    );
    assert!(acts.contains(&MnAction::SendMobilePrefixSolicitation { ha: ha() }));
}

#[test]
fn k_in_ba_reported() {
    let mut b = registering(1);
    let mut x = ba(0, 1, 10);
    x.flags = BaFlags(BaFlags::K);
    let acts = b.ba_acts(ha(), &x, &[], 10);
    assert!(matches!(
        acts[0],
        MnAction::Registered {
            ike_endpoint_movable: true,
            ..
        }
    ));
}

#[test]
fn dns_option_in_bu_and_status_from_ba() {
    let mut b = bul(1);
    let acts = b
        .acts_of(|b| b.register(ha(), coa(), Some("mn1.example.com"), 0))
        .unwrap();
    let (_, opts) = &sent(&acts)[0];
    let d = opts
        .iter()
        .find_map(|o| match o {
            MobilityOption::DnsUpdate(d) => Some(d.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(d.fqdn().as_deref(), Some("mn1.example.com"));
    assert!(!d.remove());
    assert_eq!(d.status, 0);
    let mut back = d.clone();
    back.status = 130;
    let acts = b.ba_acts(ha(), &ba(0, 1, 10), &[MobilityOption::DnsUpdate(back)], 10);
    assert!(acts.contains(&MnAction::DnsStatus {
        ha: ha(),
        status: 130,
        remove: false
    }));
    // Refreshes do not repeat the DNS option.
    let s = sent(&b.timer_acts(30_000));
    assert!(!s[0]
        .1
        .iter()
        .any(|o| matches!(o, MobilityOption::DnsUpdate(_))));
}

#[test]
fn deregistration_with_r_flag() {
    let mut b = registering(1);
    b.ba_acts(ha(), &ba(0, 1, 100), &[], 10);
    let acts = b
        .acts_of(|b| b.deregister(ha(), coa(), Some("mn1.example.com"), 20))
        .unwrap();
    let (bu, opts) = &sent(&acts)[0];
    assert_eq!(bu.lifetime, 0);
    assert_eq!(bu.seq, 2);
    assert!(opts
        .iter()
        .any(|o| matches!(o, MobilityOption::DnsUpdate(d) if d.remove())));
    assert_eq!(b.state(&ha()), Some(BulState::Pending { dereg: true }));
    assert_eq!(
        b.next_timeout(),
        Some(1_020),
        "1 s: not a first registration"
    );
    let acts = b.ba_acts(ha(), &ba(0, 2, 0), &[], 30);
    assert_eq!(acts, vec![MnAction::Deregistered { ha: ha() }]);
    assert_eq!(b.state(&ha()), Some(BulState::Idle));
    assert_eq!(b.next_timeout(), None);
}

#[test]
fn deregistration_at_home_has_no_acoa() {
    let mut b = bul(1);
    let acts = b.acts_of(|b| b.deregister(ha(), hoa(), None, 0)).unwrap();
    assert!(sent(&acts)[0].1.iter().all(|o| o.is_padding()));
}

#[test]
fn binding_expires_if_refresh_unanswered() {
    let mut b = BindingUpdateList::new(MnConfig {
        max_transmissions: 1,
        ..MnConfig::default()
    });
    b.add_ha(ha(), hoa(), 1).unwrap();
    b.acts_of(|b| b.register(ha(), coa(), None, 0)).unwrap();
    b.ba_acts(ha(), &ba(0, 1, 10), &[], 5);
    let mut all = Vec::new();
    for t in (0..=40_000).step_by(500) {
        all.extend(b.timer_acts(t));
    }
    assert!(all.contains(&MnAction::RegistrationFailed { ha: ha() }));
    assert!(all.contains(&MnAction::BindingExpired { ha: ha() }));
}

#[test]
fn caller_errors() {
    let mut b = bul(1);
    assert_eq!(b.add_ha(ha(), hoa(), 1), Err(MnError::AlreadyKnown));
    assert_eq!(
        b.acts_of(|b| b.register(a("2001:db8::9"), coa(), None, 0)),
        Err(MnError::UnknownHa)
    );
}
