//! Home address authorization (RFC 5026 §9.2, RFC 4877 §4.2 and §7.1).
//!
//! RFC 5026 §9.2: the HA MUST authorize each HoA allocation and use by linking it to the
//! identity authenticated in IKEv2, and MUST implement at least two modes:
//! - **configured**: each identity has a list of addresses it may use;
//! - **first-come-first-served** (FCFS): any address of the pool not used by another MN;
//!   addresses are marked used "for at least as long as the binding exists" and are associated
//!   with the identity that made the allocation.
//!
//! In addition the HA MUST NOT let anyone have an address configured for another MN, when both
//! modes share the address space. [`HoaAuthorizer`] does both, and never lets one address be
//! held by two identities at once. An address is held by a binding ([`HoaAuthorizer::claim`],
//! done by the Binding Cache) and/or by an IKE-time reservation ([`HoaAuthorizer::reserve`],
//! [`HoaAuthorizer::allocate`]; RFC 4877 §9: a HoA lives as long as the IKE SA), and is free when
//! neither is left.
//!
//! It is also the reference [`AddressProvider`]: IKE-time leases for CFG_REPLY come from a
//! [`LeasePool`] ([`HoaAuthorizer::set_lease_pool`]) and are held while the IKE SA lives.

use crate::addresses::{AddressProvider, Lease};
use crate::binding::{in_prefix, prefix_range};
use std::collections::HashMap;
use std::net::Ipv6Addr;

/// Which authorization modes are on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HoaPolicy {
    /// Only configured addresses.
    Configured,
    /// Only FCFS from the pool prefixes.
    Fcfs,
    /// An identity with configured addresses gets those; anyone may also take a free pool address.
    Both,
}

/// Why an identity may not use (or be given) an address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HoaDenied {
    /// The address is configured for another identity (RFC 5026 §9.2, last paragraph).
    ConfiguredForOther { owner: String },
    /// The address is marked used by another identity's allocation or binding (§9.2, FCFS).
    InUseByOther { holder: String },
    /// Configured mode and the address is not in this identity's list.
    NotConfigured,
    /// FCFS mode and the address is outside every pool prefix.
    OutsidePool,
    /// No free address was found (allocation only).
    PoolExhausted,
}

/// Identity comparison form: ASCII lower case, no trailing dot. IKE IDi FQDNs and the DNS Update
/// option's FQDN are compared in this form (DNS names are case-insensitive, RFC 4343).
pub fn normalize_identity(id: &str) -> String {
    id.trim_end_matches('.').to_ascii_lowercase()
}

/// The HA's table of authorized and used home addresses.
#[derive(Debug, Clone)]
pub struct HoaAuthorizer {
    mode: HoaPolicy,
    /// identity (normalized) → its configured addresses.
    configured: HashMap<String, Vec<Ipv6Addr>>,
    /// address → identity it is configured for.
    configured_owner: HashMap<Ipv6Addr, String>,
    /// FCFS pool prefixes.
    pool: Vec<(Ipv6Addr, u8)>,
    /// address → who holds it now and why.
    used: HashMap<Ipv6Addr, Holder>,
    /// Refuse an address configured for another identity (§9.2 MUST; off only to build a
    /// mutant).
    guard_configured: bool,
    /// Where IKE-time leases come from; none without it.
    lease_pool: Option<LeasePool>,
    /// IKE-time leases (address, identity), one per IKE SA that got one.
    leases: Vec<(Ipv6Addr, String)>,
}

/// Where [`AddressProvider::lease`] finds addresses for CFG_REPLY (RFC 5026 §5.3.1, §9.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeasePool {
    /// Addresses handed out in order: `base + 1 ..= base + size`.
    pub base: Ipv6Addr,
    pub size: u32,
    /// A requested address is granted inside `base/prefix_len` (not its all-zero address);
    /// also the prefix length sent with every leased address.
    pub prefix_len: u8,
    /// Offer an identity its configured addresses first, and keep other identities' ones out
    /// of leases. Off only to build a mutant (no address from the configured list).
    pub use_configured: bool,
    /// FCFS (§9.2): refuse a requested address another identity holds (by a lease, a
    /// binding or a reservation). Off only to build a mutant.
    pub guard_used: bool,
}

impl LeasePool {
    /// `size` addresses after `base`, requests granted inside `base/prefix_len`.
    pub fn new(base: Ipv6Addr, prefix_len: u8, size: u32) -> LeasePool {
        LeasePool {
            base,
            size,
            prefix_len,
            use_configured: true,
            guard_used: true,
        }
    }
}

/// Why an address is marked used: an IKE-time reservation (allocation for a CFG_REPLY, or the
/// HoA of an MH Child SA; RFC 4877 §9: the HoA lives as long as the IKE SA), a binding, or both.
/// It is free again only when neither is left.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Holder {
    identity: String,
    reserved: bool,
    bound: bool,
}

impl HoaAuthorizer {
    pub fn new(mode: HoaPolicy) -> HoaAuthorizer {
        HoaAuthorizer {
            mode,
            configured: HashMap::new(),
            configured_owner: HashMap::new(),
            pool: Vec::new(),
            used: HashMap::new(),
            guard_configured: true,
            lease_pool: None,
            leases: Vec::new(),
        }
    }

    /// Where IKE-time leases come from.
    pub fn set_lease_pool(&mut self, pool: LeasePool) {
        self.lease_pool = Some(pool);
    }

    /// Off: addresses configured for one identity are not refused to others (a mutant of the
    /// §9.2 MUST); the configured lists still say what each identity is offered first.
    pub fn set_guard_configured(&mut self, on: bool) {
        self.guard_configured = on;
    }

    /// The identity `addr` is configured for, when that keeps others away from it.
    fn guarded_owner(&self, addr: &Ipv6Addr) -> Option<&String> {
        self.configured_owner
            .get(addr)
            .filter(|_| self.guard_configured)
    }

    pub fn mode(&self) -> HoaPolicy {
        self.mode
    }

    /// Configures `addr` for `identity`. Returns `false` (and changes nothing) if the address is
    /// already configured for another identity.
    pub fn configure(&mut self, identity: &str, addr: Ipv6Addr) -> bool {
        let id = normalize_identity(identity);
        match self.configured_owner.get(&addr) {
            Some(o) if *o != id => return false,
            Some(_) => return true,
            None => {}
        }
        self.configured_owner.insert(addr, id.clone());
        self.configured.entry(id).or_default().push(addr);
        true
    }

    /// Adds an FCFS pool prefix.
    pub fn add_pool(&mut self, prefix: Ipv6Addr, len: u8) {
        self.pool.push((prefix, len));
    }

    /// Addresses configured for `identity`.
    pub fn configured_for(&self, identity: &str) -> &[Ipv6Addr] {
        self.configured
            .get(&normalize_identity(identity))
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// The identity that holds `addr` now, if any.
    pub fn holder(&self, addr: &Ipv6Addr) -> Option<&str> {
        self.used.get(addr).map(|h| h.identity.as_str())
    }

    /// Number of addresses marked used.
    pub fn used_count(&self) -> usize {
        self.used.len()
    }

    fn in_pool(&self, addr: &Ipv6Addr) -> bool {
        self.pool.iter().any(|(p, l)| in_prefix(*addr, *p, *l))
    }

    /// May `identity` use `addr`? Does not change anything.
    pub fn authorize(&self, identity: &str, addr: &Ipv6Addr) -> Result<(), HoaDenied> {
        let id = normalize_identity(identity);
        if let Some(h) = self.used.get(addr) {
            if h.identity != id {
                return Err(HoaDenied::InUseByOther {
                    holder: h.identity.clone(),
                });
            }
        }
        if let Some(owner) = self.configured_owner.get(addr) {
            if *owner == id {
                return match self.mode {
                    HoaPolicy::Configured | HoaPolicy::Both => Ok(()),
                    // FCFS only: configured lists still reserve addresses (§9.2 last paragraph),
                    // but the owner may take its own address if it lies in the pool.
                    HoaPolicy::Fcfs if self.in_pool(addr) => Ok(()),
                    HoaPolicy::Fcfs => Err(HoaDenied::OutsidePool),
                };
            }
            if self.guard_configured {
                return Err(HoaDenied::ConfiguredForOther {
                    owner: owner.clone(),
                });
            }
        }
        match self.mode {
            HoaPolicy::Configured => Err(HoaDenied::NotConfigured),
            HoaPolicy::Fcfs | HoaPolicy::Both if self.in_pool(addr) => Ok(()),
            HoaPolicy::Fcfs => Err(HoaDenied::OutsidePool),
            HoaPolicy::Both => Err(HoaDenied::NotConfigured),
        }
    }

    fn mark(&mut self, identity: &str, addr: Ipv6Addr, bound: bool) -> Result<(), HoaDenied> {
        self.authorize(identity, &addr)?;
        let h = self.used.entry(addr).or_insert_with(|| Holder {
            identity: normalize_identity(identity),
            reserved: false,
            bound: false,
        });
        if bound {
            h.bound = true;
        } else {
            h.reserved = true;
        }
        Ok(())
    }

    fn unmark(&mut self, identity: &str, addr: &Ipv6Addr, bound: bool) -> bool {
        let id = normalize_identity(identity);
        let Some(h) = self.used.get_mut(addr).filter(|h| h.identity == id) else {
            return false;
        };
        let was = if bound {
            std::mem::replace(&mut h.bound, false)
        } else {
            std::mem::replace(&mut h.reserved, false)
        };
        if !h.bound && !h.reserved {
            self.used.remove(addr);
        }
        was
    }

    /// Authorizes `addr` for `identity` and marks it used by a binding (idempotent for the same
    /// identity). The Binding Cache calls this; see [`HoaAuthorizer::release`].
    pub fn claim(&mut self, identity: &str, addr: Ipv6Addr) -> Result<(), HoaDenied> {
        self.mark(identity, addr, true)
    }

    /// The binding of `identity` on `addr` is gone; the address stays used while a reservation
    /// remains. Returns whether `identity` had it bound.
    pub fn release(&mut self, identity: &str, addr: &Ipv6Addr) -> bool {
        self.unmark(identity, addr, true)
    }

    /// Authorizes `addr` for `identity` and reserves it at IKE time (the HoA of an MH Child SA or
    /// of a CFG_REPLY), until [`HoaAuthorizer::unreserve`] (IKE SA deleted).
    pub fn reserve(&mut self, identity: &str, addr: Ipv6Addr) -> Result<(), HoaDenied> {
        self.mark(identity, addr, false)
    }

    /// Drops the IKE-time reservation; the address stays used while a binding remains.
    pub fn unreserve(&mut self, identity: &str, addr: &Ipv6Addr) -> bool {
        self.unmark(identity, addr, false)
    }

    /// Is `addr` bound (by a binding) at the moment?
    pub fn is_bound(&self, addr: &Ipv6Addr) -> bool {
        self.used.get(addr).is_some_and(|h| h.bound)
    }

    /// Picks and reserves a HoA for `identity` (e.g. for an IKEv2 CFG_REPLY, RFC 5026 §5.3.1):
    /// its configured addresses first, then `preferred` if authorized, then pool addresses
    /// built from the pool prefix and `next_iid()` (up to `tries` attempts). Never returns an
    /// address configured for, or used by, another identity, nor the all-zero IID of the pool.
    pub fn allocate(
        &mut self,
        identity: &str,
        preferred: Option<Ipv6Addr>,
        mut next_iid: impl FnMut() -> u64,
        tries: usize,
    ) -> Result<Ipv6Addr, HoaDenied> {
        if matches!(self.mode, HoaPolicy::Configured | HoaPolicy::Both) {
            let own: Vec<Ipv6Addr> = self.configured_for(identity).to_vec();
            if let Some(a) = own
                .iter()
                .copied()
                .find(|a| self.authorize(identity, a).is_ok())
            {
                self.reserve(identity, a)?;
                return Ok(a);
            }
            if self.mode == HoaPolicy::Configured {
                return Err(HoaDenied::NotConfigured);
            }
        }
        if let Some(p) = preferred {
            if self.reserve(identity, p).is_ok() {
                return Ok(p);
            }
        }
        let Some(&(prefix, len)) = self.pool.first() else {
            return Err(HoaDenied::PoolExhausted);
        };
        let host_bits = 128 - u32::from(len.min(128));
        for _ in 0..tries {
            let iid = u128::from(next_iid());
            let host_mask = if host_bits == 0 {
                0
            } else if host_bits >= 128 {
                u128::MAX
            } else {
                (1u128 << host_bits) - 1
            };
            if iid & host_mask == 0 && host_mask != 0 {
                // The all-zero IID is the Subnet-Router anycast address (RFC 4291 §2.6.1).
                continue;
            }
            let a = Ipv6Addr::from((u128::from(prefix) & !host_mask) | (iid & host_mask));
            if self.reserve(identity, a).is_ok() {
                return Ok(a);
            }
        }
        Err(HoaDenied::PoolExhausted)
    }
}

impl HoaAuthorizer {
    /// The identities holding `addr`: its IKE-time leases, then a binding or reservation.
    fn holders<'a>(&'a self, addr: &'a Ipv6Addr) -> impl Iterator<Item = &'a str> + 'a {
        self.leases
            .iter()
            .filter(move |(a, _)| a == addr)
            .map(|(_, id)| id.as_str())
            .chain(self.used.get(addr).map(|h| h.identity.as_str()))
    }

    /// The address to lease (see [`AddressProvider::lease`]), without recording it.
    fn pick_lease(&self, id: &str, requested: Option<Ipv6Addr>) -> Option<Ipv6Addr> {
        let pool = self.lease_pool?;
        let in_use = |a: &Ipv6Addr| self.holders(a).next().is_some();
        let used_by_other = |a: &Ipv6Addr| self.holders(a).any(|h| h != id);
        let others =
            |a: &Ipv6Addr| pool.use_configured && self.guarded_owner(a).is_some_and(|o| o != id);
        if let Some(w) = requested {
            // The all-zero address of the prefix is the Subnet-Router anycast (RFC 4291).
            let inside = in_prefix(w, pool.base, pool.prefix_len)
                && w != prefix_range(pool.base, pool.prefix_len).0;
            if inside && !(pool.guard_used && used_by_other(&w)) && !others(&w) {
                return Some(w);
            }
        }
        if pool.use_configured {
            if let Some(mine) = self
                .configured
                .get(id)
                .and_then(|own| own.iter().find(|a| !used_by_other(a)))
            {
                return Some(*mine);
            }
        }
        let base = u128::from(pool.base);
        (1..=u128::from(pool.size))
            .map(|n| Ipv6Addr::from(base + n))
            .find(|a| !in_use(a) && !others(a))
    }
}

impl AddressProvider for HoaAuthorizer {
    fn authorize(&self, identity: &str, addr: &Ipv6Addr) -> Result<(), HoaDenied> {
        HoaAuthorizer::authorize(self, identity, addr)
    }

    fn claim(&mut self, identity: &str, addr: Ipv6Addr) -> Result<(), HoaDenied> {
        HoaAuthorizer::claim(self, identity, addr)
    }

    fn release(&mut self, identity: &str, addr: &Ipv6Addr) -> bool {
        HoaAuthorizer::release(self, identity, addr)
    }

    /// The requested address when it is inside the lease prefix, not held by another identity
    /// and not configured for one; else the identity's first configured address no other
    /// identity holds; else the first pool address nobody holds that is nobody's configured
    /// one. An identity may have again what it holds already (RFC 5026 §9.2 FCFS).
    fn lease(&mut self, identity: &str, requested: Option<Ipv6Addr>) -> Option<Lease> {
        let id = normalize_identity(identity);
        let addr = self.pick_lease(&id, requested)?;
        let prefix_len = self.lease_pool.map_or(128, |p| p.prefix_len);
        self.leases.push((addr, id));
        Some(Lease { addr, prefix_len })
    }

    fn end_lease(&mut self, identity: &str, addr: &Ipv6Addr) {
        let id = normalize_identity(identity);
        if let Some(at) = self.leases.iter().position(|(a, h)| a == addr && *h == id) {
            self.leases.remove(at);
        }
    }

    fn holder(&self, addr: &Ipv6Addr) -> Option<String> {
        HoaAuthorizer::holder(self, addr).map(str::to_string)
    }

    fn held_count(&self) -> usize {
        self.used_count()
    }
}
