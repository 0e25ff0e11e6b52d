//! DNS Update option decisions at the HA (RFC 5026 §6, §8.1, §9.5).
//!
//! What the RFC fixes:
//! - §8.1: the option's Status "MUST be set to 0 and ignored by the receiver" in a BU, so a
//!   non-zero Status changes nothing here (it is reported as a [`DnsNote`]). The 7 Reserved bits
//!   "MUST be set to 0"; no receiver rule is given, so they are ignored as well (and reported).
//! - §6: R = 0 → the HA MUST update DNS with the FQDN and the HoA from the HAO, and once done MUST
//!   send a BA carrying the DNS Update option with the Status; R = 1 → the HA MUST remove the
//!   entry; without a deregistration the HA MAY remove it when the binding expires.
//! - §9.5: the MN's authorization to update the FQDN MUST be checked before the update; the MN
//!   MUST use its FQDN as IDi and it MUST be the FQDN of the option.
//! - §8.1 Status values: 0 performed, 128 reason unspecified, 129 administratively prohibited,
//!   130 DNS update failed.
//!
//! What it leaves open, and what this module chooses (each a row of [`decide`]):
//! - Which code for "not authorized for this FQDN": **129** (administratively prohibited). The
//!   RFC names no code for it; 129 is the only refusal-by-policy code, and 130 says the update
//!   was tried.
//! - DDNS outcomes ([`DnsOutcome::status`]): a server answer that refuses the update
//!   (REFUSED/NOTAUTH) or a TSIG failure → **130**; a timeout (the update may or may not have been
//!   applied) or a local error → **128**.
//! - A rejected BU (BA status ≥ 128): no DNS change and no DNS Update option in the BA; the
//!   binding was not made, so there is no HoA to put in DNS.
//! - A deregistration with R = 0: no DNS change, option Status **128** (a name cannot be added
//!   for a HoA that is going away).
//! - An identity that is not a name in either wire form: **128**.
//! - DNS updates turned off at the HA ([`DnsPolicy::enabled`] = false): **129**.

use crate::binding::auth::normalize_identity;
use mip6lab_wire::mh::DnsUpdate;
use std::net::Ipv6Addr;

/// DNS Update option Status values (RFC 5026 §8.1).
pub mod dns_status {
    pub const PERFORMED: u8 = 0;
    pub const REASON_UNSPECIFIED: u8 = 128;
    pub const ADMINISTRATIVELY_PROHIBITED: u8 = 129;
    pub const DNS_UPDATE_FAILED: u8 = 130;
}

/// What the caller's DDNS client must do.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DnsAction {
    /// Create or update FQDN → HoA (AAAA, and the reverse entry).
    Add { fqdn: String, hoa: Ipv6Addr },
    /// Remove the FQDN ↔ HoA entry.
    Remove { fqdn: String, hoa: Ipv6Addr },
}

impl DnsAction {
    pub fn fqdn(&self) -> &str {
        match self {
            DnsAction::Add { fqdn, .. } | DnsAction::Remove { fqdn, .. } => fqdn,
        }
    }
    pub fn hoa(&self) -> Ipv6Addr {
        match self {
            DnsAction::Add { hoa, .. } | DnsAction::Remove { hoa, .. } => *hoa,
        }
    }
}

/// How the DDNS client's update went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DnsOutcome {
    Ok,
    /// The server answered and refused (REFUSED, NOTAUTH, NOTZONE, …).
    Refused,
    /// TSIG signing or verification failed (BADSIG, BADKEY, BADTIME, or an unsigned reply).
    TsigFailure,
    /// No answer in time: the update may or may not have been applied.
    Timeout,
    /// Anything else (no server configured, local error).
    Other,
}

impl DnsOutcome {
    /// The BA's DNS Update option Status for this outcome (see the module docs).
    pub fn status(self) -> u8 {
        match self {
            DnsOutcome::Ok => dns_status::PERFORMED,
            DnsOutcome::Refused | DnsOutcome::TsigFailure => dns_status::DNS_UPDATE_FAILED,
            DnsOutcome::Timeout | DnsOutcome::Other => dns_status::REASON_UNSPECIFIED,
        }
    }
}

/// HA policy for DNS updates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DnsPolicy {
    /// The HA performs DNS updates at all.
    pub enabled: bool,
    /// Remove the entry when a binding expires without a deregistration (RFC 5026 §6 MAY).
    pub remove_on_expiry: bool,
}

impl Default for DnsPolicy {
    fn default() -> Self {
        DnsPolicy {
            enabled: true,
            remove_on_expiry: true,
        }
    }
}

/// Something worth reporting about the option that did not change the decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DnsNote {
    /// Status ≠ 0 in a BU (§8.1: MUST be 0, ignored by the receiver).
    BuStatusNonZero(u8),
    /// Reserved bits ≠ 0 (§8.1: MUST be 0).
    ReservedBitsSet(u8),
    /// More than one DNS Update option; the first was used.
    Duplicate,
}

/// The decision for one BU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DnsDecision {
    /// No DNS Update option in the BA, no DNS change.
    None,
    /// No DNS change; the BA carries the option with this Status (and the BU's identity).
    Reply { status: u8 },
    /// Perform `action`; the BA carries the option with [`DnsOutcome::status`] of the outcome.
    Perform(DnsAction),
}

/// The BA status class the binding part reached, as [`decide`] needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BindingOutcome {
    /// Registration (lifetime > 0) accepted.
    Registered,
    /// Deregistration accepted.
    Deregistered,
    /// BA status ≥ 128.
    Rejected,
}

/// The decision table. `opt` is the first DNS Update option of the BU (if any), `idi` the IKE
/// identity, `hoa` the HoA from the HAO. Returns the decision and the notes.
pub fn decide(
    opt: Option<&DnsUpdate>,
    idi: &str,
    hoa: Ipv6Addr,
    binding: BindingOutcome,
    policy: &DnsPolicy,
) -> (DnsDecision, Vec<DnsNote>) {
    let Some(opt) = opt else {
        return (DnsDecision::None, Vec::new());
    };
    let mut notes = Vec::new();
    if opt.status != 0 {
        notes.push(DnsNote::BuStatusNonZero(opt.status));
    }
    if opt.reserved() != 0 {
        notes.push(DnsNote::ReservedBitsSet(opt.reserved()));
    }
    let reply = |status| DnsDecision::Reply { status };
    let d = match binding {
        BindingOutcome::Rejected => DnsDecision::None,
        _ if !policy.enabled => reply(dns_status::ADMINISTRATIVELY_PROHIBITED),
        _ => match opt.fqdn() {
            None => reply(dns_status::REASON_UNSPECIFIED),
            Some(fqdn) if normalize_identity(&fqdn) != normalize_identity(idi) => {
                reply(dns_status::ADMINISTRATIVELY_PROHIBITED)
            }
            Some(fqdn) if opt.remove() => DnsDecision::Perform(DnsAction::Remove {
                fqdn: normalize_identity(&fqdn),
                hoa,
            }),
            Some(_) if binding == BindingOutcome::Deregistered => {
                reply(dns_status::REASON_UNSPECIFIED)
            }
            Some(fqdn) => DnsDecision::Perform(DnsAction::Add {
                fqdn: normalize_identity(&fqdn),
                hoa,
            }),
        },
    };
    (d, notes)
}

/// The DNS Update option for the BA: the BU's identity and R flag echoed, Status set.
pub fn ba_option(bu_opt: &DnsUpdate, status: u8) -> DnsUpdate {
    DnsUpdate {
        status,
        flags: bu_opt.flags & DnsUpdate::R,
        identity: bu_opt.identity.clone(),
    }
}
