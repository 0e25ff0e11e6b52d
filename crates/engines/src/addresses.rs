//! Home addresses, one source for the whole HA (RFC 5026 §9.2, RFC 4877 §9).
//!
//! An [`AddressProvider`] answers two questions about the same address space:
//! - at IKE time, which home address an identity gets in its CFG_REPLY
//!   ([`AddressProvider::lease`], held while the IKE SA lives);
//! - at binding time, whether an identity may bind a home address
//!   ([`AddressProvider::authorize`], [`AddressProvider::claim`]).
//!
//! The IKE responder and the Binding Cache share one instance through [`SharedAddresses`], so
//! an address one of them hands out is seen as used by the other without copying state.
//! [`crate::binding::HoaAuthorizer`] is the reference provider (configured addresses, a pool,
//! first-come-first-served); a DHCPv6- or AAA-backed provider implements the same trait.

use crate::binding::HoaDenied;
use std::net::Ipv6Addr;
use std::sync::{Arc, Mutex, MutexGuard};

/// A home address handed out for a CFG_REPLY, with the prefix length to send with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lease {
    pub addr: Ipv6Addr,
    pub prefix_len: u8,
}

/// Who may use which home address, and who holds which. Identities are compared in the form
/// of [`crate::binding::normalize_identity`].
pub trait AddressProvider: Send + std::fmt::Debug {
    /// May `identity` bind `addr`? Changes nothing.
    fn authorize(&self, identity: &str, addr: &Ipv6Addr) -> Result<(), HoaDenied>;

    /// Authorizes `addr` for `identity` and marks it held by a binding (idempotent for the
    /// same identity).
    fn claim(&mut self, identity: &str, addr: Ipv6Addr) -> Result<(), HoaDenied>;

    /// The binding of `identity` on `addr` is gone. Returns whether `identity` had it bound.
    fn release(&mut self, identity: &str, addr: &Ipv6Addr) -> bool;

    /// A home address for the CFG_REPLY of `identity`, which may have `requested` one. The
    /// address is held for `identity` until [`AddressProvider::end_lease`] (its IKE SA is
    /// gone); `None` when there is none to give.
    fn lease(&mut self, identity: &str, requested: Option<Ipv6Addr>) -> Option<Lease>;

    /// The IKE SA that got `addr` for `identity` is gone.
    fn end_lease(&mut self, identity: &str, addr: &Ipv6Addr);

    /// The identity that holds `addr` by a binding or a reservation, if any.
    fn holder(&self, addr: &Ipv6Addr) -> Option<String>;

    /// How many addresses bindings or reservations hold.
    fn held_count(&self) -> usize;
}

/// One provider shared by the engines of one HA (the IKE responder and the Binding Cache).
/// Clones share the same provider.
#[derive(Clone)]
pub struct SharedAddresses(Arc<Mutex<dyn AddressProvider>>);

impl SharedAddresses {
    pub fn new(provider: impl AddressProvider + 'static) -> SharedAddresses {
        SharedAddresses(Arc::new(Mutex::new(provider)))
    }

    /// The provider, for one call or a few. A panic while it was held leaves it usable: every
    /// method keeps the provider consistent before it can panic.
    pub fn lock(&self) -> MutexGuard<'_, dyn AddressProvider + 'static> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Both handles name the same provider.
    pub fn same(&self, other: &SharedAddresses) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl<P: AddressProvider + 'static> From<P> for SharedAddresses {
    fn from(provider: P) -> SharedAddresses {
        SharedAddresses::new(provider)
    }
}

impl std::fmt::Debug for SharedAddresses {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Opaque: printing must not wait for (or deadlock on) the lock.
        f.write_str("SharedAddresses(..)")
    }
}
