//! MN Binding Update List against the HA Binding Cache, message by message.

mod binding_common;
use binding_common::{BulActions, CacheActions};
use mip6lab_engines::io::SansIo as _;

use mip6lab_engines::binding::{
    BaToSend, BindingCache, BindingUpdateList, BuInput, CacheEvent, DnsAction, DnsOutcome,
    HaConfig, MnAction, MnConfig,
};
use std::net::Ipv6Addr;

const ID: &str = "mn1.example.com";

fn a(s: &str) -> Ipv6Addr {
    s.parse().unwrap()
}

struct Lab {
    ha: BindingCache,
    mn: BindingUpdateList,
    ha_addr: Ipv6Addr,
    hoa: Ipv6Addr,
    coa: Ipv6Addr,
}

impl Lab {
    fn new(initial_seq: u16) -> Lab {
        let ha_addr = a("2001:db8:1::1");
        let hoa = a("2001:db8:1::100");
        let mut mn = BindingUpdateList::new(MnConfig::default());
        mn.add_ha(ha_addr, hoa, initial_seq).unwrap();
        Lab {
            ha: BindingCache::fcfs(HaConfig {
                home_prefixes: vec![(a("2001:db8:1::"), 64)],
                ..HaConfig::default()
            }),
            mn,
            ha_addr,
            hoa,
            coa: a("2001:db8:99::5"),
        }
    }

    /// Delivers every SendBu in `acts` to the HA, completes DNS with `dns`, and feeds the BAs
    /// back to the MN. Returns the MN's actions and the HA's cache events.
    fn deliver(
        &mut self,
        acts: Vec<MnAction>,
        dns: DnsOutcome,
        now: u64,
    ) -> (Vec<MnAction>, Vec<CacheEvent>, Vec<DnsAction>) {
        let mut out = Vec::new();
        let mut events = Vec::new();
        let mut dns_done = Vec::new();
        let mut queue = acts;
        while let Some(act) = queue.pop() {
            let MnAction::SendBu {
                hoa,
                coa,
                bu,
                options,
                ..
            } = act
            else {
                out.push(act);
                continue;
            };
            let r = self.ha.bu_result(
                &BuInput {
                    identity: ID,
                    sa_hoa: self.hoa,
                    src: coa,
                    hao: Some(hoa),
                    bu,
                    options: &options,
                    dad_failed: false,
                },
                now,
            );
            events.extend(r.events);
            let ba: Option<BaToSend> = match r.dns {
                Some((t, action)) => {
                    dns_done.push(action);
                    self.ha.dns_done(t, dns)
                }
                None => r.ba,
            };
            if let Some(ba) = ba {
                queue.extend(self.mn.ba_acts(self.ha_addr, &ba.ba, &ba.options, now));
            }
        }
        (out, events, dns_done)
    }
}

#[test]
fn register_with_dns_refresh_and_deregister() {
    let mut l = Lab::new(100);
    let acts =
        l.mn.acts_of(|b| b.register(l.ha_addr, l.coa, Some(ID), 0))
            .unwrap();
    let (mn, ev, dns) = l.deliver(acts, DnsOutcome::Ok, 10);
    assert!(matches!(ev[..], [CacheEvent::Created { .. }]));
    assert_eq!(
        dns,
        vec![DnsAction::Add {
            fqdn: ID.into(),
            hoa: l.hoa
        }]
    );
    assert!(mn.contains(&MnAction::DnsStatus {
        ha: l.ha_addr,
        status: 0,
        remove: false
    }));
    assert!(mn.iter().any(|m| matches!(m, MnAction::Registered { .. })));

    // Refresh on the MN's timer.
    let t = l.mn.next_timeout().unwrap();
    let acts = l.mn.timer_acts(t);
    let (mn, ev, dns) = l.deliver(acts, DnsOutcome::Ok, t);
    assert!(matches!(
        ev[..],
        [CacheEvent::Refreshed { moved: false, .. }]
    ));
    assert!(dns.is_empty());
    assert!(mn.iter().any(|m| matches!(m, MnAction::Registered { .. })));

    // Deregistration with DNS removal.
    let acts =
        l.mn.acts_of(|b| b.deregister(l.ha_addr, l.coa, Some(ID), t + 5))
            .unwrap();
    let (mn, ev, dns) = l.deliver(acts, DnsOutcome::Ok, t + 5);
    assert!(matches!(ev[..], [CacheEvent::Deleted { .. }]));
    assert_eq!(
        dns,
        vec![DnsAction::Remove {
            fqdn: ID.into(),
            hoa: l.hoa
        }]
    );
    assert!(mn.contains(&MnAction::Deregistered { ha: l.ha_addr }));
    assert!(l.ha.is_empty());
    assert_eq!(l.ha.addresses().lock().holder(&l.hoa), None);
}

#[test]
fn mn_restart_with_old_seq_recovers_through_135() {
    let mut l = Lab::new(30_000);
    let acts =
        l.mn.acts_of(|b| b.register(l.ha_addr, l.coa, None, 0))
            .unwrap();
    l.deliver(acts, DnsOutcome::Ok, 0);
    assert_eq!(l.ha.get(&l.hoa).unwrap().seq, 30_000);
    // The MN restarts and begins again at 1 (older than 30000 modulo 2^16).
    let mut fresh = BindingUpdateList::new(MnConfig::default());
    fresh.add_ha(l.ha_addr, l.hoa, 1).unwrap();
    l.mn = fresh;
    let acts =
        l.mn.acts_of(|b| b.register(l.ha_addr, l.coa, None, 100))
            .unwrap();
    let (mn, ev, _) = l.deliver(acts, DnsOutcome::Ok, 100);
    assert!(mn.contains(&MnAction::SeqResync {
        ha: l.ha_addr,
        seq: 30_000
    }));
    assert!(matches!(ev[..], [CacheEvent::Refreshed { .. }]));
    assert_eq!(l.ha.get(&l.hoa).unwrap().seq, 30_001);
}

#[test]
fn dns_refused_still_registers() {
    let mut l = Lab::new(7);
    let acts =
        l.mn.acts_of(|b| b.register(l.ha_addr, l.coa, Some(ID), 0))
            .unwrap();
    let (mn, _, _) = l.deliver(acts, DnsOutcome::Refused, 0);
    assert!(mn.contains(&MnAction::DnsStatus {
        ha: l.ha_addr,
        status: 130,
        remove: false
    }));
    assert!(mn.iter().any(|m| matches!(m, MnAction::Registered { .. })));
}
