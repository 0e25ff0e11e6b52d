//! The home agent's Binding Cache (RFC 6275 §9.5.1, §9.5.4, §10.3.1, §10.3.2).
//!
//! In the [`SansIo`] vocabulary: the input [`HaInput::Bu`] is a home registration BU that the
//! caller's IPsec layer has already accepted, with the IKE identity (IDi) and the HoA the SA
//! was created for; out come [`HaEvent`]s: how the BU was taken ([`BuResult`]), binding
//! changes, and the BA to send (or, first, the DNS update it waits for, answered with
//! [`HaInput::DnsDone`]). [`SansIo::next_timeout`] / [`SansIo::handle_timeout`] expire
//! bindings.
//!
//! Order of tests (RFC 6275 §9.5.1 validation, then §10.3.1):
//! 1. H = 0 → discard: this engine is a home agent only, and a correspondent registration
//!    without Nonce Indices and Binding Authorization Data is silently discarded (§9.5.1).
//! 2. H = 1 with a Nonce Indices option → discard (§9.5.1: MUST NOT be present).
//! 3. No HAO on a registration → discard (§10.3.1: an HAO MUST be present; only a
//!    deregistration at home may omit it, §10.3.2, and then the HoA is the source address).
//! 4. HoA not unicast routable → discard (§9.5.1).
//! 5. HoA ≠ the HoA of the SA → discard (RFC 6275 §10.3.1: the HoA identifies the SA; RFC 4877
//!    §4.2: one MN's SA must not be usable for another's HoA).
//! 6. Not configured as an HA → **131** (§10.3.1, MUST).
//! 7. HoA off-link for the home prefixes → **132** (§10.3.1).
//! 8. HoA not authorized for IDi → **129** Administratively prohibited. RFC 5026 §9.2 and
//!    RFC 4877 §4.2 require the check but name no code; RFC 6275 §10.3.1 says "any other reason"
//!    gets "an appropriate value". 133 is not used for this: RFC 6275 §10.3.2 gives it the
//!    meaning "no home registration entry for this MN" on deregistration.
//! 9. Sequence not newer than the cached one (modulo 2^16) → **135** with the last accepted
//!    number (§9.5.1). Done after authorization so a BU for another MN's HoA learns nothing.
//! 10. Deregistration (Lifetime 0 or CoA = HoA) without a cache entry → **133** (§10.3.2).
//! 11. New entry and the cache is full → **130** (§9.5.2 insufficient resources).
//! 12. New entry and the caller's proxy DAD failed → **134** (§10.3.1).
//!
//! Otherwise status 0 (1 if the home prefix becomes deprecated during the binding), Sequence
//! copied, Lifetime = min(BU Lifetime, configured maximum, remaining valid lifetime of the home
//! prefix) in 4-s units (§10.3.1), K = BU K ∧ the HA can move its IKE endpoint.
//!
//! When a BA is sent (§9.5.4): always for a rejection (131 is MUST, 130 and 135 are MUST even
//! with A = 0, the others SHOULD per §10.3.1); on acceptance only if A = 1 — or if the BU carried a
//! DNS Update option, since RFC 5026 §6 says the HA MUST send a BA with the option's Status.
//!
//! RFC 5555 (DSMIPv6), with [`HaConfig::dsmip`] set ([`crate::binding::dsmip`]): an accepted BU's
//! IPv4 Home Address options get an IPv4 Address Acknowledgement each in the BA (§2.3.1, §4.5),
//! and such a BU always gets a BA, whatever its A flag (§2.3.1: the HA MUST send one). A BU that
//! came UDP-encapsulated over IPv4 ([`HaInput::BuOverUdp`]: the driver knows the outer header,
//! this engine does not) with an IPv4 Care-of Address option binds that IPv4 CoA: it needs no
//! HAO (its IPv6 source is the HoA, §4.2), the BA goes back in UDP to the outer source with a
//! NAT Detection option (§4.2 MUST), and the F flag is refused with **144** when the HA does
//! not allow forced UDP (§4.5). Without `dsmip` the options are skipped as unknown (RFC 6275
//! §6.1.7) and the outer header is not looked at.

use crate::addresses::SharedAddresses;
use crate::binding::dns::{self, BindingOutcome, DnsAction, DnsDecision, DnsNote, DnsOutcome};
use crate::binding::dsmip::{self, DsmipConfig, Ipv4CoaBinding, Ipv4Leases};
use crate::binding::{in_prefix, lifetime_ms, seq_newer, HoaAuthorizer, HoaDenied, HoaPolicy};
use crate::binding::{normalize_identity, DnsPolicy};
use crate::io::{SansIo, Transmit};
use mip6lab_wire::mh::options::MobilityOption;
use mip6lab_wire::mh::{
    ba_status, BaFlags, BindingAck, BindingUpdate, BuFlags, DnsUpdate, Ipv4AddressAck,
    Ipv4HomeAddress,
};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddrV4};

/// HA configuration.
#[derive(Debug, Clone)]
pub struct HaConfig {
    /// false → every home registration gets 131.
    pub ha_function: bool,
    /// On-link home prefixes (the HA's Prefix List).
    pub home_prefixes: Vec<(Ipv6Addr, u8)>,
    /// Largest Lifetime granted, in 4-s units.
    pub max_lifetime_units: u16,
    /// Largest number of Binding Cache entries.
    pub max_entries: usize,
    /// The HA can move its IKE endpoint (BA K flag, RFC 6275 §10.3.1).
    pub can_move_ike_endpoint: bool,
    pub dns: DnsPolicy,
    /// When the home prefixes stop being valid (absolute ms), if ever. The granted lifetime
    /// never outlasts it (§10.3.1); at or after it the HoA is off-link (132).
    pub prefix_valid_until_ms: Option<u64>,
    /// When the home prefixes become deprecated (absolute ms), if ever: a binding that outlasts
    /// it is accepted with status 1, "accepted but prefix discovery necessary" (§10.3.1).
    pub prefix_preferred_until_ms: Option<u64>,
    /// Add a Binding Refresh Advice option (§10.3.1 MAY) with this percentage of the granted
    /// lifetime as the Refresh Interval (always < the Lifetime, as §10.3.1 requires).
    pub refresh_advice_percent: Option<u8>,
    /// RFC 5555 support (IPv4 home addresses, IPv4 care-of addresses); `None`: not offered.
    pub dsmip: Option<DsmipConfig>,
}

impl Default for HaConfig {
    fn default() -> Self {
        HaConfig {
            ha_function: true,
            home_prefixes: Vec::new(),
            max_lifetime_units: 0xffff,
            max_entries: 1024,
            can_move_ike_endpoint: false,
            dns: DnsPolicy::default(),
            prefix_valid_until_ms: None,
            prefix_preferred_until_ms: None,
            refresh_advice_percent: None,
            dsmip: None,
        }
    }
}

/// One BU and what the caller knows about it.
#[derive(Debug, Clone, Copy)]
pub struct BuInput<'a> {
    /// IKE identity (IDi) of the SA that protected the BU.
    pub identity: &'a str,
    /// The HoA the SA was created for (the TSi address of the MH Child SA).
    pub sa_hoa: Ipv6Addr,
    /// IPv6 source address.
    pub src: Ipv6Addr,
    /// Home Address destination option, if present.
    pub hao: Option<Ipv6Addr>,
    pub bu: BindingUpdate,
    pub options: &'a [MobilityOption],
    /// The caller's proxy DAD for this HoA failed (only consulted for a new entry).
    pub dad_failed: bool,
}

/// One Binding Cache entry (a home registration).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindingCacheEntry {
    pub identity: String,
    pub hoa: Ipv6Addr,
    pub coa: Ipv6Addr,
    pub seq: u16,
    /// Granted lifetime in 4-s units.
    pub lifetime_units: u16,
    pub created_ms: u64,
    pub expires_ms: u64,
    /// The BA had K = 1.
    pub k: bool,
    /// The FQDN this HA put in DNS for this HoA (after a successful Add).
    pub dns_fqdn: Option<String>,
    /// The IPv4 home address (and prefix length) bound with this HoA (RFC 5555 §4.5).
    pub ipv4_hoa: Option<(Ipv4Addr, u8)>,
    /// The IPv4 care-of address, for a binding made from an IPv4-only network (RFC 5555
    /// §4.2); then `coa` is its IPv4-mapped form.
    pub ipv4_coa: Option<Ipv4CoaBinding>,
}

/// Changes to the Binding Cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CacheEvent {
    Created {
        identity: String,
        hoa: Ipv6Addr,
        coa: Ipv6Addr,
        expires_ms: u64,
        /// The IPv4 care-of address (RFC 5555 §4.2); `coa` is then its IPv4-mapped form.
        ipv4_coa: Option<Ipv4CoaBinding>,
    },
    Refreshed {
        hoa: Ipv6Addr,
        coa: Ipv6Addr,
        /// The CoA changed.
        moved: bool,
        expires_ms: u64,
        ipv4_coa: Option<Ipv4CoaBinding>,
    },
    /// Deregistered by the MN.
    Deleted { identity: String, hoa: Ipv6Addr },
    /// Lifetime ran out.
    Expired { identity: String, hoa: Ipv6Addr },
    /// An IPv4 home address is now bound with `hoa` (RFC 5555 §4.5): newly, or in place of
    /// another (that one's [`CacheEvent::Ipv4Released`] comes first).
    Ipv4Assigned {
        identity: String,
        hoa: Ipv6Addr,
        ipv4_hoa: Ipv4Addr,
        prefix_len: u8,
    },
    /// The IPv4 home address of `hoa` is free again: deregistration, expiry, or a BU that no
    /// longer asks for it (RFC 5555 §4.4.2.1).
    Ipv4Released {
        identity: String,
        hoa: Ipv6Addr,
        ipv4_hoa: Ipv4Addr,
    },
}

/// Why a BU got no BA at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiscardReason {
    NotHomeRegistration,
    NonceIndicesWithH,
    MissingHao,
    HoaNotUnicast,
    SaHoaMismatch,
}

/// A BA and where it goes (RH2 to the HoA, destination the CoA; §9.5.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaToSend {
    pub ba: BindingAck,
    pub options: Vec<MobilityOption>,
    pub hoa: Ipv6Addr,
    /// Destination address: the CoA of the BU (or the source of a rejected one); the HoA when
    /// the CoA is an IPv4 address (RFC 5555 §4.5).
    pub dst: Ipv6Addr,
    /// Send it UDP-encapsulated in IPv4 to this address and port: the BU came that way
    /// (RFC 5555 §4.2: the HA MUST answer in UDP).
    pub udp_ipv4: Option<SocketAddrV4>,
}

impl BaToSend {
    /// The DNS Update option in the BA, if any.
    pub fn dns_update(&self) -> Option<&DnsUpdate> {
        self.options.iter().find_map(|o| match o {
            MobilityOption::DnsUpdate(d) => Some(d),
            _ => None,
        })
    }

    /// The IPv4 Address Acknowledgement options in the BA (RFC 5555 §3.2.1).
    pub fn ipv4_acks(&self) -> impl Iterator<Item = &Ipv4AddressAck> {
        self.options.iter().filter_map(|o| match o {
            MobilityOption::Ipv4AddressAck(a) => Some(a),
            _ => None,
        })
    }
}

/// A BA held until the caller's DDNS client reports ([`HaInput::DnsDone`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DnsTicket(pub u64);

#[derive(Debug, Clone)]
struct PendingDns {
    ba: BaToSend,
    bu_opt: DnsUpdate,
    action: DnsAction,
    identity: String,
}

/// How a BU was taken ([`HaEvent::Bu`]; its BA, DNS action and binding changes come as
/// their own events).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BuResult {
    /// The BU status (also when no BA is sent); `None` when discarded.
    pub status: Option<u8>,
    /// Send this BA now.
    pub ba: Option<BaToSend>,
    /// Run this DNS action, then answer with [`HaInput::DnsDone`] for the ticket to get the BA.
    pub dns: Option<(DnsTicket, DnsAction)>,
    pub discarded: Option<DiscardReason>,
    /// Why HoA authorization failed (status 129).
    pub denied: Option<HoaDenied>,
    pub events: Vec<CacheEvent>,
    pub dns_notes: Vec<DnsNote>,
}

impl BuResult {
    /// The RFC 6275 §6.1.8 name of [`BuResult::status`].
    pub fn status_name(&self) -> Option<&'static str> {
        self.status.and_then(mip6lab_wire::mh::ba_status_name)
    }
}

/// What the timers did: bindings expired, and the DNS removals owed for them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TickResult {
    pub events: Vec<CacheEvent>,
    /// DNS removals for expired bindings (policy `remove_on_expiry`); no BA follows them.
    pub dns: Vec<DnsAction>,
}

/// The HA's Binding Cache, keyed by HoA. Not `Clone`: a copy would share the address
/// provider with the original.
#[derive(Debug)]
pub struct BindingCache {
    cfg: HaConfig,
    /// Home-address authorization, shared with the IKE responder of the same HA.
    auth: SharedAddresses,
    entries: HashMap<Ipv6Addr, BindingCacheEntry>,
    pending: BTreeMap<DnsTicket, PendingDns>,
    next_ticket: u64,
    events: VecDeque<HaEvent>,
    /// Which binding holds each IPv4 home address (RFC 5555).
    ipv4_leases: Ipv4Leases,
}

/// What the Binding Cache takes in.
#[derive(Debug, Clone)]
pub enum HaInput<'a> {
    /// A home registration BU, already IPsec-verified, with its IKE context.
    Bu(BuInput<'a>),
    /// The same, for a BU that came UDP-encapsulated over IPv4 (RFC 5555 §4.1, UDP port 4191
    /// at the HA): `outer` is that packet's IPv4 source address and UDP source port.
    BuOverUdp {
        bu: BuInput<'a>,
        outer: SocketAddrV4,
    },
    /// The driver's DDNS client finished the action of [`HaEvent::UpdateDns`] `ticket`.
    DnsDone {
        ticket: DnsTicket,
        outcome: DnsOutcome,
    },
}

/// What the Binding Cache reports. For a BU, in this order: [`HaEvent::Bu`], the binding
/// changes, then the BA or the DNS update the BA waits for (the BA follows
/// [`HaInput::DnsDone`]). BAs are events, not transmits: they go over the BU's ESP SA with a
/// type 2 routing header, which the driver builds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HaEvent {
    /// How the BU was taken: [`BuResult`] without the BA, DNS action and binding changes,
    /// which follow as their own events.
    Bu(BuResult),
    /// A binding was created, refreshed, deleted or expired.
    Binding(CacheEvent),
    /// Send this BA.
    SendBa(BaToSend),
    /// Run this DNS action, then answer with [`HaInput::DnsDone`] for `ticket`.
    UpdateDns {
        ticket: DnsTicket,
        action: DnsAction,
    },
    /// A DNS removal for an expired binding (policy `remove_on_expiry`); nothing follows.
    RemoveDns(DnsAction),
}

fn is_unicast_routable(a: &Ipv6Addr) -> bool {
    !(a.is_multicast()
        || a.is_unspecified()
        || a.is_loopback()
        || (a.segments()[0] & 0xffc0) == 0xfe80)
}

impl BindingCache {
    /// A cache that authorizes home addresses with `auth` (a provider, or a handle shared
    /// with the IKE responder).
    pub fn new(cfg: HaConfig, auth: impl Into<SharedAddresses>) -> BindingCache {
        BindingCache {
            cfg,
            auth: auth.into(),
            entries: HashMap::new(),
            pending: BTreeMap::new(),
            next_ticket: 1,
            events: VecDeque::new(),
            ipv4_leases: Ipv4Leases::default(),
        }
    }

    /// A cache with FCFS authorization from the home prefixes.
    pub fn fcfs(cfg: HaConfig) -> BindingCache {
        let mut auth = HoaAuthorizer::new(HoaPolicy::Fcfs);
        for (p, l) in &cfg.home_prefixes {
            auth.add_pool(*p, *l);
        }
        BindingCache::new(cfg, auth)
    }

    pub fn config(&self) -> &HaConfig {
        &self.cfg
    }

    /// The home-address provider this cache authorizes with.
    pub fn addresses(&self) -> &SharedAddresses {
        &self.auth
    }

    pub fn get(&self, hoa: &Ipv6Addr) -> Option<&BindingCacheEntry> {
        self.entries.get(hoa)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn entries(&self) -> impl Iterator<Item = &BindingCacheEntry> {
        self.entries.values()
    }

    /// The IPv6 HoA whose binding holds IPv4 home address `a` (RFC 5555).
    pub fn ipv4_holder(&self, a: Ipv4Addr) -> Option<Ipv6Addr> {
        self.ipv4_leases.holder(a)
    }

    /// Number of IPv4 home addresses bound.
    pub fn ipv4_bound(&self) -> usize {
        self.ipv4_leases.len()
    }

    /// Number of BAs waiting for a DNS outcome.
    pub fn pending_dns(&self) -> usize {
        self.pending.len()
    }

    /// Earliest expiry time, if any binding exists.
    fn earliest_expiry(&self) -> Option<u64> {
        self.entries.values().map(|e| e.expires_ms).min()
    }

    /// Processes one home registration BU; `outer`: it came in UDP over IPv4 from there.
    fn process_bu(
        &mut self,
        input: &BuInput<'_>,
        outer: Option<SocketAddrV4>,
        now_ms: u64,
    ) -> BuResult {
        let mut res = BuResult::default();
        let bu = input.bu;
        let dsmip = self.cfg.dsmip.clone();
        // Without RFC 5555 the outer header and options 29-32 mean nothing here.
        let outer = outer.filter(|_| dsmip.is_some());
        let ipv4_coa = outer.and_then(|o| {
            input.options.iter().find_map(|opt| match opt {
                MobilityOption::Ipv4CareOf(c) => Some(Ipv4CoaBinding::new(c.address, o)),
                _ => None,
            })
        });
        let ipv4_requests: Vec<Ipv4HomeAddress> = match dsmip {
            Some(_) => input
                .options
                .iter()
                .filter_map(|o| match o {
                    MobilityOption::Ipv4HomeAddress(h) => Some(*h),
                    _ => None,
                })
                .collect(),
            None => Vec::new(),
        };
        let discard = |mut r: BuResult, why| {
            r.discarded = Some(why);
            r
        };
        if !bu.flags.contains(BuFlags::H) {
            return discard(res, DiscardReason::NotHomeRegistration);
        }
        if input
            .options
            .iter()
            .any(|o| matches!(o, MobilityOption::NonceIndices { .. }))
        {
            return discard(res, DiscardReason::NonceIndicesWithH);
        }
        let hoa = input.hao.unwrap_or(input.src);
        let coa = match &ipv4_coa {
            // RFC 5555 §4.2: the IPv6 source is the HoA; the CoA is the outer IPv4 source.
            Some(c) => c.outer.ip().to_ipv6_mapped(),
            None => input
                .options
                .iter()
                .find_map(|o| match o {
                    MobilityOption::AlternateCoa(a) => Some(*a),
                    _ => None,
                })
                .unwrap_or(input.src),
        };
        let dereg = bu.lifetime == 0 || (ipv4_coa.is_none() && coa == hoa);
        if input.hao.is_none() && !dereg && ipv4_coa.is_none() {
            return discard(res, DiscardReason::MissingHao);
        }
        // The BA goes to the HoA inside the UDP tunnel when the CoA is IPv4 (§4.5).
        let ba_dst = if ipv4_coa.is_some() { hoa } else { coa };
        // §4.2: a BA to a BU that came in UDP MUST carry the NAT Detection option.
        let nat_option = match (&dsmip, outer) {
            (Some(d), Some(_)) if !d.omit_nat_detection => Some(MobilityOption::NatDetection(
                dsmip::nat_detection(d, ipv4_coa.as_ref(), bu.flags.contains(BuFlags::F)),
            )),
            _ => None,
        };
        if !is_unicast_routable(&hoa) {
            return discard(res, DiscardReason::HoaNotUnicast);
        }
        if input.sa_hoa != hoa {
            return discard(res, DiscardReason::SaHoaMismatch);
        }
        let dns_opts: Vec<&DnsUpdate> = input
            .options
            .iter()
            .filter_map(|o| match o {
                MobilityOption::DnsUpdate(d) => Some(d),
                _ => None,
            })
            .collect();
        let dns_opt = dns_opts.first().copied();
        let identity = normalize_identity(input.identity);

        let reject = |mut r: BuResult, status: u8, seq: u16| {
            r.status = Some(status);
            r.ba = Some(BaToSend {
                ba: BindingAck {
                    status,
                    flags: BaFlags(0),
                    seq,
                    lifetime: 0,
                },
                options: nat_option.iter().cloned().collect(),
                hoa,
                dst: ba_dst,
                udp_ipv4: outer,
            });
            r
        };
        if !self.cfg.ha_function {
            return reject(res, ba_status::HOME_REGISTRATION_NOT_SUPPORTED, bu.seq);
        }
        let prefix_valid = self.cfg.prefix_valid_until_ms.is_none_or(|v| v > now_ms);
        if !prefix_valid
            || !self
                .cfg
                .home_prefixes
                .iter()
                .any(|(p, l)| in_prefix(hoa, *p, *l))
        {
            return reject(res, ba_status::NOT_HOME_SUBNET, bu.seq);
        }
        if let Err(d) = self.auth.lock().authorize(&identity, &hoa) {
            res.denied = Some(d);
            return reject(res, ba_status::ADMINISTRATIVELY_PROHIBITED, bu.seq);
        }
        let existing = self.entries.get(&hoa).cloned();
        if let Some(e) = &existing {
            if e.identity != identity {
                // Cannot happen while the authorizer holds the address for e.identity; kept as
                // a guard so an address is never bound to two identities.
                res.denied = Some(HoaDenied::InUseByOther {
                    holder: e.identity.clone(),
                });
                return reject(res, ba_status::ADMINISTRATIVELY_PROHIBITED, bu.seq);
            }
            if !seq_newer(bu.seq, e.seq) {
                return reject(res, ba_status::SEQUENCE_OUT_OF_WINDOW, e.seq);
            }
        }
        if outer.is_some()
            && bu.flags.contains(BuFlags::F)
            && dsmip.as_ref().is_some_and(|d| !d.force_udp_allowed)
        {
            return reject(res, ba_status::FORCED_UDP_NOT_ACCEPTED, bu.seq);
        }
        let ipv4_current = existing.as_ref().and_then(|e| e.ipv4_hoa);
        let mut ipv4_acks: Vec<Ipv4AddressAck> = Vec::new();
        let k = bu.flags.contains(BuFlags::K) && self.cfg.can_move_ike_endpoint;
        let (outcome, granted) = if dereg {
            let Some(e) = existing else {
                return reject(res, ba_status::NOT_HOME_AGENT, bu.seq);
            };
            self.entries.remove(&hoa);
            self.auth.lock().release(&identity, &hoa);
            res.events.push(CacheEvent::Deleted {
                identity: e.identity.clone(),
                hoa,
            });
            // §4.4.2.1: Lifetime 0 removes every binding of the MN, the IPv4 one too.
            if let Some((a, _)) = e.ipv4_hoa {
                self.release_ipv4(&mut res, &e.identity, hoa, a);
            }
            ipv4_acks = dsmip::dereg_acks(e.ipv4_hoa, &ipv4_requests);
            (BindingOutcome::Deregistered, 0)
        } else {
            if existing.is_none() {
                if self.entries.len() >= self.cfg.max_entries {
                    return reject(res, ba_status::INSUFFICIENT_RESOURCES, bu.seq);
                }
                if input.dad_failed {
                    return reject(res, ba_status::DAD_FAILED, bu.seq);
                }
            }
            let mut granted = bu.lifetime.min(self.cfg.max_lifetime_units);
            if let Some(v) = self.cfg.prefix_valid_until_ms {
                let left = u16::try_from(v.saturating_sub(now_ms) / 4_000).unwrap_or(u16::MAX);
                if left == 0 {
                    // Less than one lifetime unit of the prefix left: as good as invalid.
                    return reject(res, ba_status::NOT_HOME_SUBNET, bu.seq);
                }
                granted = granted.min(left);
            }
            if let Err(d) = self.auth.lock().claim(&identity, hoa) {
                res.denied = Some(d);
                return reject(res, ba_status::ADMINISTRATIVELY_PROHIBITED, bu.seq);
            }
            let expires_ms = now_ms.saturating_add(lifetime_ms(granted));
            // RFC 5555: the IPv4 HoA follows this BU's options (none: released, §4.4.2.1).
            let ipv4_hoa = match &dsmip {
                Some(d) => {
                    let v4 = dsmip::decide(d, &self.ipv4_leases, hoa, ipv4_current, &ipv4_requests);
                    ipv4_acks = v4.acks;
                    v4.granted
                }
                None => None,
            };
            match existing {
                Some(mut e) => {
                    let moved = e.coa != coa;
                    e.coa = coa;
                    e.seq = bu.seq;
                    e.lifetime_units = granted;
                    e.expires_ms = expires_ms;
                    e.k = k;
                    e.ipv4_hoa = ipv4_hoa;
                    e.ipv4_coa = ipv4_coa;
                    self.entries.insert(hoa, e);
                    res.events.push(CacheEvent::Refreshed {
                        hoa,
                        coa,
                        moved,
                        expires_ms,
                        ipv4_coa,
                    });
                }
                None => {
                    self.entries.insert(
                        hoa,
                        BindingCacheEntry {
                            identity: identity.clone(),
                            hoa,
                            coa,
                            seq: bu.seq,
                            lifetime_units: granted,
                            created_ms: now_ms,
                            expires_ms,
                            k,
                            dns_fqdn: None,
                            ipv4_hoa,
                            ipv4_coa,
                        },
                    );
                    res.events.push(CacheEvent::Created {
                        identity: identity.clone(),
                        hoa,
                        coa,
                        expires_ms,
                        ipv4_coa,
                    });
                }
            }
            let old = ipv4_current.map(|(a, _)| a);
            let new = ipv4_hoa.map(|(a, _)| a);
            if let Some(a) = old.filter(|a| Some(*a) != new) {
                self.release_ipv4(&mut res, &identity, hoa, a);
            }
            if let Some((a, prefix_len)) = ipv4_hoa.filter(|(a, _)| Some(*a) != old) {
                self.ipv4_leases.claim(a, hoa);
                res.events.push(CacheEvent::Ipv4Assigned {
                    identity: identity.clone(),
                    hoa,
                    ipv4_hoa: a,
                    prefix_len,
                });
            }
            (BindingOutcome::Registered, granted)
        };

        let deprecated_during = !dereg
            && self
                .cfg
                .prefix_preferred_until_ms
                .is_some_and(|p| p < now_ms.saturating_add(lifetime_ms(granted)));
        let status = if deprecated_during {
            ba_status::ACCEPTED_PREFIX_DISCOVERY
        } else {
            ba_status::ACCEPTED
        };
        res.status = Some(status);
        let mut ba = BaToSend {
            ba: BindingAck {
                status,
                flags: BaFlags(if k { BaFlags::K } else { 0 }),
                seq: bu.seq,
                lifetime: granted,
            },
            options: Vec::new(),
            hoa,
            // A deregistration's BA also goes to the CoA (the HoA when at home).
            dst: ba_dst,
            udp_ipv4: outer,
        };
        if let Some(pct) = self.cfg.refresh_advice_percent.filter(|_| !dereg) {
            let interval = u32::from(granted) * u32::from(pct.min(99)) / 100;
            if interval > 0 {
                ba.options.push(MobilityOption::BindingRefreshAdvice {
                    interval: interval as u16,
                });
            }
        }
        if !dsmip.as_ref().is_some_and(|d| d.omit_ipv4_ack) {
            ba.options
                .extend(ipv4_acks.into_iter().map(MobilityOption::Ipv4AddressAck));
        }
        ba.options.extend(nat_option);
        // RFC 5555 §2.3.1 and §4.2: the MN learns its IPv4 HoA and the NAT only from a BA.
        let ba_owed = !ipv4_requests.is_empty() || outer.is_some();
        let (decision, mut notes) = dns::decide(dns_opt, &identity, hoa, outcome, &self.cfg.dns);
        if dns_opts.len() > 1 {
            notes.push(DnsNote::Duplicate);
        }
        res.dns_notes = notes;
        match (decision, dns_opt) {
            (DnsDecision::Reply { status }, Some(o)) => {
                ba.options
                    .push(MobilityOption::DnsUpdate(dns::ba_option(o, status)));
                res.ba = Some(ba);
            }
            (DnsDecision::Perform(action), Some(o)) => {
                if self.pending.len() >= self.cfg.max_entries.max(1) * 2 {
                    ba.options.push(MobilityOption::DnsUpdate(dns::ba_option(
                        o,
                        dns::dns_status::REASON_UNSPECIFIED,
                    )));
                    res.ba = Some(ba);
                } else {
                    let t = DnsTicket(self.next_ticket);
                    self.next_ticket += 1;
                    self.pending.insert(
                        t,
                        PendingDns {
                            ba,
                            bu_opt: o.clone(),
                            action: action.clone(),
                            identity,
                        },
                    );
                    res.dns = Some((t, action));
                }
            }
            _ => {
                if bu.flags.contains(BuFlags::A) || ba_owed {
                    res.ba = Some(ba);
                }
            }
        }
        res
    }

    /// The DDNS client finished the action of `ticket`: returns the held BA with the DNS Update
    /// option's Status set from `outcome`, or `None` for an unknown ticket. A successful Add is
    /// remembered on the entry (for removal on expiry); a successful Remove forgets it.
    fn dns_complete(&mut self, ticket: DnsTicket, outcome: DnsOutcome) -> Option<BaToSend> {
        let p = self.pending.remove(&ticket)?;
        if outcome == DnsOutcome::Ok {
            if let Some(e) = self.entries.get_mut(&p.action.hoa()) {
                if e.identity == p.identity {
                    e.dns_fqdn = match &p.action {
                        DnsAction::Add { fqdn, .. } => Some(fqdn.clone()),
                        DnsAction::Remove { .. } => None,
                    };
                }
            }
        }
        let mut ba = p.ba;
        ba.options.push(MobilityOption::DnsUpdate(dns::ba_option(
            &p.bu_opt,
            outcome.status(),
        )));
        Some(ba)
    }

    /// Expires bindings whose lifetime ended at or before `now_ms`.
    fn expire(&mut self, now_ms: u64) -> TickResult {
        let mut out = TickResult::default();
        let mut gone: Vec<Ipv6Addr> = self
            .entries
            .values()
            .filter(|e| e.expires_ms <= now_ms)
            .map(|e| e.hoa)
            .collect();
        gone.sort();
        for hoa in gone {
            let Some(e) = self.entries.remove(&hoa) else {
                continue;
            };
            self.auth.lock().release(&e.identity, &hoa);
            if self.cfg.dns.remove_on_expiry {
                if let Some(fqdn) = e.dns_fqdn.clone() {
                    out.dns.push(DnsAction::Remove { fqdn, hoa });
                }
            }
            out.events.push(CacheEvent::Expired {
                identity: e.identity.clone(),
                hoa,
            });
            if let Some((a, _)) = e.ipv4_hoa {
                self.ipv4_leases.release(a, hoa);
                out.events.push(CacheEvent::Ipv4Released {
                    identity: e.identity,
                    hoa,
                    ipv4_hoa: a,
                });
            }
        }
        out
    }

    /// Frees IPv4 HoA `a` of binding `hoa` and reports it.
    fn release_ipv4(&mut self, res: &mut BuResult, identity: &str, hoa: Ipv6Addr, a: Ipv4Addr) {
        self.ipv4_leases.release(a, hoa);
        res.events.push(CacheEvent::Ipv4Released {
            identity: identity.to_string(),
            hoa,
            ipv4_hoa: a,
        });
    }
}

impl SansIo for BindingCache {
    type Input<'a> = HaInput<'a>;
    type Event = HaEvent;

    fn handle_input(&mut self, now: u64, input: HaInput<'_>) {
        match input {
            HaInput::Bu(bu) => self.take_bu(&bu, None, now),
            HaInput::BuOverUdp { bu, outer } => self.take_bu(&bu, Some(outer), now),
            HaInput::DnsDone { ticket, outcome } => {
                if let Some(ba) = self.dns_complete(ticket, outcome) {
                    self.events.push_back(HaEvent::SendBa(ba));
                }
            }
        }
    }

    /// Expires bindings: their changes, then the DNS removals owed for them.
    fn handle_timeout(&mut self, now: u64) {
        let t = self.expire(now);
        self.events
            .extend(t.events.into_iter().map(HaEvent::Binding));
        self.events
            .extend(t.dns.into_iter().map(HaEvent::RemoveDns));
    }

    /// None: BAs are [`HaEvent::SendBa`] events (ESP with a type 2 routing header, built by
    /// the driver).
    fn poll_transmit(&mut self) -> Option<Transmit> {
        None
    }

    fn poll_event(&mut self) -> Option<HaEvent> {
        self.events.pop_front()
    }

    /// The earliest binding expiry.
    fn next_timeout(&self) -> Option<u64> {
        self.earliest_expiry()
    }
}

impl BindingCache {
    /// One BU's events: how it was taken, the binding changes, then the BA or the DNS update
    /// it waits for.
    fn take_bu(&mut self, bu: &BuInput<'_>, outer: Option<SocketAddrV4>, now: u64) {
        let mut r = self.process_bu(bu, outer, now);
        let changes = std::mem::take(&mut r.events);
        let (ba, dns) = (r.ba.take(), r.dns.take());
        self.events.push_back(HaEvent::Bu(r));
        self.events
            .extend(changes.into_iter().map(HaEvent::Binding));
        // A BA goes now; only without one does a DNS update come first.
        match (ba, dns) {
            (Some(ba), _) => self.events.push_back(HaEvent::SendBa(ba)),
            (None, Some((ticket, action))) => {
                self.events.push_back(HaEvent::UpdateDns { ticket, action })
            }
            (None, None) => {}
        }
    }
}
