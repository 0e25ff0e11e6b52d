//! Home-address allocation for the responder's CFG_REPLY (RFC 5026 §9.2).

use super::*;

impl Engine {
    /// A home address for `peer` (RFC 5026 §5.3.2, §9.2): the one it proposed if that is on
    /// the home prefix, not used by another identity and nobody else's configured address;
    /// else its own configured address; else the next pool address nobody holds that is
    /// nobody's configured one. FCFS: an address is used while an IKE SA or a binding holds
    /// it, and only for identities other than the holder's, who may have it again.
    pub(super) fn allocate(
        &self,
        pol: &ResponderPolicy,
        want: Option<Ipv6Addr>,
        peer: &Id,
    ) -> Option<Ipv6Addr> {
        let base = u128::from(pol.pool_base);
        let me = identity_key(peer);
        let holders = |a: Ipv6Addr| {
            self.sas
                .iter()
                .filter(move |s| s.assigned == Some(a))
                .map(|s| s.peer_id.as_ref().map(identity_key).unwrap_or_default())
                .chain(self.bound_hoas.get(&a).cloned())
        };
        let in_use = |a: Ipv6Addr| holders(a).next().is_some();
        let used_by_other = |a: Ipv6Addr| holders(a).any(|h| h != me);
        let others = |a: Ipv6Addr| {
            pol.guard_configured && pol.configured.iter().any(|(id, x)| *x == a && id != peer)
        };
        let (plo, phi) = prefix_range(pol.pool_base, pol.pool_prefix_len);
        if let Some(w) = want {
            // The mutant `guard_used = false` grants it whoever holds it.
            if w > plo && w <= phi && !(pol.guard_used && used_by_other(w)) && !others(w) {
                return Some(w);
            }
        }
        if let Some(mine) = pol
            .configured
            .iter()
            .filter(|(id, _)| id == peer)
            .map(|(_, a)| *a)
            .find(|a| !used_by_other(*a))
        {
            return Some(mine);
        }
        (1..=u128::from(pol.pool_size))
            .map(|n| Ipv6Addr::from(base + n))
            .find(|a| !in_use(*a) && !others(*a))
    }
}
