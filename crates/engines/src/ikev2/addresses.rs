//! Home addresses for the responder's CFG_REPLY (RFC 5026 §9.2), from the policy's
//! [`crate::addresses::AddressProvider`].

use super::*;
use crate::addresses::Lease;

impl IkeEngine {
    /// A home address for `peer` (RFC 5026 §5.3.2, §9.2), held for the IKE SA `sa_id` until
    /// it is gone ([`IkeEngine::end_lease`]).
    pub(super) fn lease(
        &mut self,
        sa_id: SaId,
        pol: &ResponderPolicy,
        want: Option<Ipv6Addr>,
        peer: &Id,
    ) -> Option<Lease> {
        let lease = pol.addresses.lock().lease(&identity_key(peer), want)?;
        self.sas[sa_id].assigned = Some(lease.addr);
        Some(lease)
    }

    /// The IKE SA is gone: so is the lease of its home address.
    pub(super) fn end_lease(&mut self, sa: &IkeSa) {
        let (Some(addr), Some(peer), Some(pol)) = (
            sa.assigned,
            sa.peer_id.as_ref(),
            self.cfg.responder.as_ref(),
        ) else {
            return;
        };
        pol.addresses.lock().end_lease(&identity_key(peer), &addr);
    }
}
