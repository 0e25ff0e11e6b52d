//! Property tests: arbitrary BU sequences at the HA and arbitrary event sequences at the MN.

mod binding_common;
use binding_common::{BulActions, CacheActions};
use mip6lab_engines::io::SansIo as _;

use mip6lab_engines::binding::{
    seq_newer, BindingCache, BindingUpdateList, BuInput, DnsOutcome, DnsTicket, HaConfig,
    HoaAuthorizer, HoaPolicy, MnAction, MnConfig,
};
use mip6lab_wire::mh::options::MobilityOption;
use mip6lab_wire::mh::{BaFlags, BindingAck, BindingUpdate, BuFlags, DnsUpdate, FqdnForm};
use proptest::prelude::*;
use std::net::Ipv6Addr;

const IDS: [&str; 3] = ["mn1.example.com", "mn2.example.com", "MN3.example.com."];
const MAX_ENTRIES: usize = 3;

fn addr(i: u8) -> Ipv6Addr {
    match i {
        0..=5 => Ipv6Addr::new(0x2001, 0xdb8, 1, 0, 0, 0, 0, 0x100 + u16::from(i)),
        6 => "2001:db8:2::1".parse().unwrap(),  // off-link
        7 => "ff02::1".parse().unwrap(),        // multicast
        _ => "2001:db8:99::5".parse().unwrap(), // the CoA
    }
}

#[derive(Debug, Clone)]
enum Step {
    Bu {
        id: usize,
        hoa: u8,
        sa_match: bool,
        hao: bool,
        seq: u16,
        flags: u8,
        lifetime: u16,
        acoa: Option<u8>,
        dns: Option<(bool, usize, u8)>,
        nonce: bool,
        dad_failed: bool,
    },
    Advance(u32),
    DnsDone(u8, u8),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        6 => (
            0..IDS.len(),
            0u8..9,
            prop::bool::weighted(0.9),
            prop::bool::weighted(0.9),
            prop_oneof![0u16..8, 65530u16..=65535, any::<u16>()],
            any::<u8>(),
            prop_oneof![Just(0u16), 1u16..20, any::<u16>()],
            prop::option::of(0u8..9),
            prop::option::of((any::<bool>(), 0..IDS.len() + 1, any::<u8>())),
            prop::bool::weighted(0.05),
            prop::bool::weighted(0.1),
        )
            .prop_map(
                |(id, hoa, sa_match, hao, seq, flags, lifetime, acoa, dns, nonce, dad_failed)| {
                    Step::Bu {
                        id,
                        hoa,
                        sa_match,
                        hao,
                        seq,
                        flags,
                        lifetime,
                        acoa,
                        dns,
                        nonce,
                        dad_failed,
                    }
                }
            ),
        2 => (0u32..120_000).prop_map(Step::Advance),
        1 => (any::<u8>(), 0u8..5).prop_map(|(t, o)| Step::DnsDone(t, o)),
    ]
}

fn outcome(o: u8) -> DnsOutcome {
    [
        DnsOutcome::Ok,
        DnsOutcome::Refused,
        DnsOutcome::TsigFailure,
        DnsOutcome::Timeout,
        DnsOutcome::Other,
    ][usize::from(o) % 5]
}

fn check_invariants(c: &BindingCache) -> Result<(), TestCaseError> {
    prop_assert!(c.len() <= MAX_ENTRIES, "cache over its limit");
    for e in c.entries() {
        // The address is held by exactly the identity of its binding.
        prop_assert_eq!(
            c.addresses().lock().holder(&e.hoa),
            Some(e.identity.clone())
        );
        // Never another MN's configured address.
        if e.hoa == addr(0) {
            prop_assert_eq!(e.identity.as_str(), IDS[0]);
        }
        if e.hoa == addr(1) {
            prop_assert_eq!(e.identity.as_str(), IDS[1]);
        }
    }
    // Nothing else holds addresses: freed on deletion and expiry.
    prop_assert_eq!(c.addresses().lock().held_count(), c.len());
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, .. ProptestConfig::default() })]

    #[test]
    fn ha_arbitrary_bus(steps in prop::collection::vec(step(), 1..60)) {
        // Both modes over one address space: addr(0) is configured for mn1, addr(1) for mn2,
        // the rest of the /64 is FCFS.
        let mut auth = HoaAuthorizer::new(HoaPolicy::Both);
        auth.add_pool("2001:db8:1::".parse().unwrap(), 64);
        auth.configure(IDS[0], addr(0));
        auth.configure(IDS[1], addr(1));
        let mut c = BindingCache::new(
            HaConfig {
                home_prefixes: vec![("2001:db8:1::".parse().unwrap(), 64)],
                max_lifetime_units: 30,
                max_entries: MAX_ENTRIES,
                can_move_ike_endpoint: true,
                ..HaConfig::default()
            },
            auth,
        );
        let mut now = 0u64;
        let mut tickets: Vec<DnsTicket> = Vec::new();
        for s in steps {
            match s {
                Step::Bu { id, hoa, sa_match, hao, seq, flags, lifetime, acoa, dns, nonce, dad_failed } => {
                    let h = addr(hoa);
                    let mut opts = Vec::new();
                    if let Some(x) = acoa { opts.push(MobilityOption::AlternateCoa(addr(x))); }
                    if nonce { opts.push(MobilityOption::NonceIndices { home: 1, care_of: 2 }); }
                    if let Some((r, who, st)) = dns {
                        let name = IDS.get(who).copied().unwrap_or("evil.example.com");
                        let mut d = DnsUpdate::new(0, r, name, FqdnForm::Text).unwrap();
                        d.status = st;
                        opts.push(MobilityOption::DnsUpdate(d));
                    }
                    let before = c.get(&h).cloned();
                    let bu = BindingUpdate { seq, flags: BuFlags(flags), reserved: 0, lifetime };
                    let input = BuInput {
                        identity: IDS[id],
                        sa_hoa: if sa_match { h } else { addr(5) },
                        src: addr(8),
                        hao: hao.then_some(h),
                        bu,
                        options: &opts,
                        dad_failed,
                    };
                    let r = c.bu_result(&input, now);
                    if let Some(st) = r.status {
                        let changed = before != c.get(&h).cloned();
                        // §9.5.4: status < 128 exactly when a BCE was created, updated or deleted.
                        prop_assert_eq!(st < 128, changed);
                        if let Some(ba) = &r.ba {
                            prop_assert_eq!(ba.ba.status, st);
                            if st == 135 {
                                prop_assert_eq!(Some(ba.ba.seq), before.as_ref().map(|e| e.seq));
                            } else {
                                prop_assert_eq!(ba.ba.seq, seq);
                            }
                            if ba.ba.flags.contains(BaFlags::K) {
                                prop_assert!(bu.flags.contains(BuFlags::K));
                            }
                        }
                        if let Some(e) = c.get(&h).filter(|_| st < 128) {
                            prop_assert!(e.lifetime_units <= 30 && e.lifetime_units <= lifetime);
                        }
                    } else {
                        prop_assert!(r.discarded.is_some() && r.ba.is_none() && r.events.is_empty());
                    }
                    if let Some((t, _)) = r.dns { tickets.push(t); }
                }
                Step::Advance(ms) => {
                    now += u64::from(ms);
                    let next = c.next_timeout();
                    let t = c.expire_at(now);
                    if next.is_some_and(|n| n <= now) { prop_assert!(!t.events.is_empty()); }
                    prop_assert!(c.next_timeout().is_none_or(|n| n > now));
                }
                Step::DnsDone(i, o) => {
                    if !tickets.is_empty() {
                        let t = tickets.remove(usize::from(i) % tickets.len());
                        let ba = c.dns_done(t, outcome(o));
                        prop_assert!(ba.is_some_and(|b| b.dns_update().is_some()));
                    }
                }
            }
            check_invariants(&c)?;
        }
    }

    #[test]
    fn mn_arbitrary_events(
        initial in any::<u16>(),
        events in prop::collection::vec(
            (0u8..6, any::<u8>(), any::<u16>(), 0u16..300, 0u32..50_000, any::<bool>()),
            1..80,
        ),
    ) {
        let ha: Ipv6Addr = "2001:db8:1::1".parse().unwrap();
        let hoa: Ipv6Addr = "2001:db8:1::100".parse().unwrap();
        let coa: Ipv6Addr = "2001:db8:99::5".parse().unwrap();
        let mut b = BindingUpdateList::new(MnConfig::default());
        b.add_ha(ha, hoa, initial).unwrap();
        let mut now = 0u64;
        let mut last_seq: Option<u16> = None;
        let mut hoa_n = 0u16;
        for (kind, status, seq, lifetime, dt, flag) in events {
            now += u64::from(dt);
            let acts = match kind {
                0 => b.acts_of(|b| b.register(ha, coa, flag.then_some("mn1.example.com"), now)).unwrap_or_default(),
                1 => b.acts_of(|b| b.deregister(ha, coa, flag.then_some("mn1.example.com"), now)).unwrap_or_default(),
                2 | 3 => {
                    // Usually answer the last BU, sometimes anything.
                    let s = if flag { last_seq.unwrap_or(seq) } else { seq };
                    let st = if kind == 2 { [0, 1, 128, 129, 133, 134, 135][usize::from(status) % 7] } else { status };
                    b.ba_acts(ha, &BindingAck { status: st, flags: BaFlags(0), seq: s, lifetime }, &[], now)
                }
                4 => {
                    hoa_n += 1;
                    let _ = b.set_hoa(ha, Ipv6Addr::new(0x2001, 0xdb8, 1, 0, 0, 0, 1, hoa_n));
                    Vec::new()
                }
                _ => b.timer_acts(now),
            };
            // After a 135 the MN continues from the HA's number, whether its next BU goes out
            // in the same batch or after giving up and registering again later.
            if let Some(MnAction::SeqResync { seq, .. }) =
                acts.iter().find(|x| matches!(x, MnAction::SeqResync { .. }))
            {
                last_seq = Some(*seq);
            }
            for a in &acts {
                if let MnAction::SendBu { bu, .. } = a {
                    prop_assert!(bu.flags.contains(BuFlags::A | BuFlags::H));
                    // Each BU is newer than the previous one (or than the HA's number).
                    if let Some(l) = last_seq {
                        prop_assert!(seq_newer(bu.seq, l));
                    }
                    last_seq = Some(bu.seq);
                }
            }
            if b.next_timeout().is_some_and(|n| n <= now) {
                // A due timer is handled by a tick, which leaves none due at `now`.
                for a in b.timer_acts(now) {
                    if let MnAction::SendBu { bu, .. } = a {
                        prop_assert!(last_seq.is_none_or(|l| seq_newer(bu.seq, l)));
                        last_seq = Some(bu.seq);
                    }
                }
                prop_assert!(b.next_timeout().is_none_or(|m| m > now));
            }
        }
    }
}
