//! Mobile IPv6 home registration, sans-IO (RFC 6275 §9.5.1, §10.3, §11.7, §11.8; RFC 5026 §5.3.2,
//! §6, §8.1, §9.2, §9.5; RFC 4877 §4.2).
//!
//! Inputs in, decisions out; time is always a `now_ms: u64` parameter and nothing here reads a
//! clock, opens a socket or draws a random number.
//!
//! - [`ha`]: the home agent's Binding Cache. It takes an already IPsec-verified home
//!   registration BU together with the IKE identity and the SA's HoA, and returns the BA to send,
//!   cache events, and DNS actions for the caller's DDNS client.
//! - [`auth`]: HoA authorization (RFC 5026 §9.2): configured per-identity addresses and
//!   first-come-first-served from a pool.
//! - [`dns`]: the DNS Update option decision table (RFC 5026 §6, §8.1, §9.5).
//! - [`dsmip`]: RFC 5555 at the home agent: the IPv4 home address pool and the IPv4 options of
//!   a home registration.
//! - [`mn`]: the mobile node's Binding Update List (RFC 6275 §11.7.1, §11.7.3, §11.8), with
//!   RFC 5555's IPv4 home address request.
//! - [`seq_newer`]: the modulo-2^16 sequence number comparison (RFC 6275 §9.5.1).

pub mod auth;
pub mod dns;
pub mod dsmip;
pub mod ha;
pub mod mn;

pub use auth::{normalize_identity, HoaAuthorizer, HoaDenied, HoaPolicy, LeasePool};
pub use dns::{dns_status, DnsAction, DnsDecision, DnsNote, DnsOutcome, DnsPolicy};
pub use dsmip::{DsmipConfig, Ipv4CoaBinding, NATKATIMEOUT_SECS};
pub use ha::{
    BaToSend, BindingCache, BindingCacheEntry, BuInput, BuResult, CacheEvent, DiscardReason,
    DnsTicket, HaConfig, HaEvent, HaInput, TickResult,
};
pub use mn::{BaInput, BindingUpdateList, BulState, MnAction, MnConfig, MnError};

/// True if `new` is newer than `last` under RFC 6275 §9.5.1: a number is "less than or equal to"
/// the last one when it lies in `last` and the 32768 values before it (inclusive), modulo 2^16.
/// So `new` is newer exactly when `new - last (mod 2^16)` is in `1..=32767`; 65535 → 0 is newer.
pub fn seq_newer(new: u16, last: u16) -> bool {
    let d = new.wrapping_sub(last);
    d != 0 && d < 0x8000
}

/// Milliseconds in a BU/BA Lifetime of `units` (4-s units, RFC 6275 §6.1.7).
pub fn lifetime_ms(units: u16) -> u64 {
    u64::from(units) * 4_000
}

pub use mip6lab_wire::addr::{in_prefix, prefix_range};
