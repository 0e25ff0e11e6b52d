//! Home agent discovery decisions (RFC 5026 §5.1).
//!
//! The MN learns HA candidates from DNS: by name (§5.1.1, QTYPE AAAA) or by service
//! (§5.1.2, QTYPE SRV on `_mip6._ipv6.<domain>`). SRV targets are ordered as RFC 2782 says:
//! lowest priority first; among equal priorities a weighted random pick, where weight 0 entries
//! get a small chance only when nothing else is left.

use serde::{Deserialize, Serialize};
use std::net::Ipv6Addr;

/// The SRV owner name for Mobile IPv6 HA discovery (RFC 5026 §5.1.2).
pub const MIP6_SRV_SERVICE: &str = "_mip6";
pub const MIP6_SRV_PROTO: &str = "_ipv6";

/// Builds `_mip6._ipv6.<domain>.` (always absolute).
pub fn srv_qname(domain: &str) -> String {
    srv_qname_with(MIP6_SRV_SERVICE, MIP6_SRV_PROTO, domain)
}

/// Same as [`srv_qname`] with explicit labels, so a mutant MN can be told to query the wrong name.
pub fn srv_qname_with(service: &str, proto: &str, domain: &str) -> String {
    let domain = domain.trim_end_matches('.');
    format!("{service}.{proto}.{domain}.")
}

/// One SRV answer record, as far as HA selection needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SrvTarget {
    pub priority: u16,
    pub weight: u16,
    pub port: u16,
    /// Absolute target name, e.g. `ha1.example.com.`
    pub target: String,
}

/// An HA candidate after address resolution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HaCandidate {
    pub name: String,
    pub address: Ipv6Addr,
}

/// Orders SRV targets for trying, per RFC 2782 "Usage rules".
///
/// `rand_below(n)` must return a uniformly chosen value in `0..n` (n ≥ 1); it is a parameter
/// so tests can fix the sequence. A target of "." means "service not available here" and is
/// dropped, as RFC 2782 says.
pub fn order_srv(records: &[SrvTarget], mut rand_below: impl FnMut(u32) -> u32) -> Vec<SrvTarget> {
    let mut pending: Vec<SrvTarget> = records
        .iter()
        .filter(|r| r.target != "." && !r.target.is_empty())
        .cloned()
        .collect();
    // Stable sort keeps answer order inside a priority, which the weighted pick then shuffles.
    pending.sort_by_key(|r| r.priority);
    let mut out = Vec::with_capacity(pending.len());
    while let Some(first) = pending.first() {
        let prio = first.priority;
        let end = pending
            .iter()
            .position(|r| r.priority != prio)
            .unwrap_or(pending.len());
        let mut group: Vec<SrvTarget> = pending.drain(..end).collect();
        // Zero-weight entries go first so the running sum gives them a chance only at 0.
        group.sort_by_key(|r| r.weight != 0);
        while !group.is_empty() {
            let total: u32 = group.iter().map(|r| u32::from(r.weight)).sum();
            let pick = if total == 0 {
                0
            } else {
                let x = rand_below(total + 1);
                let mut running = 0u32;
                group
                    .iter()
                    .position(|r| {
                        running += u32::from(r.weight);
                        running >= x
                    })
                    .unwrap_or(0)
            };
            out.push(group.remove(pick));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn srv(priority: u16, weight: u16, target: &str) -> SrvTarget {
        SrvTarget {
            priority,
            weight,
            port: 0,
            target: target.into(),
        }
    }

    #[test]
    fn qname_is_absolute_and_uses_mip6_ipv6_labels() {
        assert_eq!(srv_qname("example.com"), "_mip6._ipv6.example.com.");
        assert_eq!(srv_qname("example.com."), "_mip6._ipv6.example.com.");
    }

    #[test]
    fn lowest_priority_comes_first_whatever_the_weights() {
        let recs = [srv(20, 100, "b."), srv(10, 1, "a.")];
        let order = order_srv(&recs, |n| n - 1);
        assert_eq!(order[0].target, "a.");
        assert_eq!(order[1].target, "b.");
    }

    #[test]
    fn weighted_pick_follows_the_running_sum() {
        // Weights 0, 10, 30: x = 0 picks the zero-weight entry, x in 1..=10 the second,
        // x in 11..=40 the third (RFC 2782 selection algorithm).
        let recs = [
            srv(1, 10, "ten."),
            srv(1, 0, "zero."),
            srv(1, 30, "thirty."),
        ];
        assert_eq!(order_srv(&recs, |_| 0)[0].target, "zero.");
        assert_eq!(order_srv(&recs, |_| 5)[0].target, "ten.");
        assert_eq!(order_srv(&recs, |_| 11)[0].target, "thirty.");
    }

    #[test]
    fn dot_target_means_no_service() {
        assert!(order_srv(&[srv(0, 0, ".")], |_| 0).is_empty());
    }

    proptest! {
        #[test]
        fn ordering_is_a_permutation_sorted_by_priority(
            recs in proptest::collection::vec((0u16..4, 0u16..50), 0..12),
            seed in any::<u64>(),
        ) {
            let recs: Vec<_> = recs.iter().enumerate()
                .map(|(i, (p, w))| srv(*p, *w, &format!("h{i}.")))
                .collect();
            let mut state = seed;
            let order = order_srv(&recs, |n| {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                ((state >> 33) % u64::from(n)) as u32
            });
            prop_assert_eq!(order.len(), recs.len());
            prop_assert!(order.windows(2).all(|w| w[0].priority <= w[1].priority));
            let mut a: Vec<_> = order.iter().map(|r| r.target.clone()).collect();
            let mut b: Vec<_> = recs.iter().map(|r| r.target.clone()).collect();
            a.sort(); b.sort();
            prop_assert_eq!(a, b);
        }
    }
}
