//! The Foreign Home Agent (FHA) of draft-qin-mip6-dsbootstrapping-00, sans-IO: the Mobile IPv4
//! home agent in the access network that registers a dual-stack MN (directly with a co-located
//! CoA, or relayed by an FA: draft §4 cases 1 and 2, figures 2, 3, 5, 6), checks it with the
//! AAAH (directly, or through the AAAF that proxies by realm, §4.2.1, §4.2.2: the FHA only
//! knows one RADIUS server) and answers with the temporary IPv4 home address (THoAv4) and the
//! IPv6 items the MN needs for Mobile IPv6 (§4.1.1: "the IPv6 HoA, HA assignment, temporary
//! IPv4 home address and IPv6 care-of address should be appended in mobile IPv4 registration
//! reply" — a lowercase "should"; the draft defines no encoding, the profile does).
//!
//! Per Registration Request (RFC 5944 §3.8.2, the home agent's processing; §3.7 is the FA's):
//! 1. Parse. Not a Request → discarded; a fixed part that parses with bad extensions → 134.
//!    An unknown extension 0–127 → silently discarded (§1.8).
//! 2. Reserved bits r/x set → 134 (§3.8.2.3). Home Agent field not this FHA → 136 with the
//!    FHA's address (§3.8.3.2). M or G asked → 139 (only IP-in-IP here, §4.1).
//! 3. Home Address 0.0.0.0 without an NAI → 97 MISSING_NAI. RFC 2794 §3, §5 define 97 for the
//!    FA's rewriting of a reply and are silent on the HA; answering it from the FHA is the
//!    lab's choice (the MN learns what is missing). An NAI after MN-HA or MN-FA
//!    authentication → 134 (RFC 2794 §2 "MUST appear … before"). A non-zero Home Address
//!    that is not the THoAv4 bound to this NAI → 129 (RFC 5944 §3.8.3.2).
//! 4. Authentication (§3.8.2.1 a): MN-HA (32) with a configured SA for the NAI and SPI
//!    (none → silently discarded, wrong → 131); else MN-AAA (36/1, RFC 4721 §6) with SPI
//!    CHAP_SPI, verified by the AAA server (see [`crate::aaa::dualstack`] for the RADIUS form,
//!    a lab convention); MN-AAA with another SPI or no AAA server is an SA the FHA does not
//!    have → silently discarded; neither extension → silently discarded. FA-HA (34) with the
//!    relaying FA (§3.8.2.1 c, d): required (exactly one, valid) when an SA with the source
//!    exists and Lifetime ≠ 0 → else 132; present without an SA → discarded.
//! 5. RADIUS (when MN-AAA): Access-Request with User-Name = NAI (profile), CHAP-Password and
//!    CHAP-Challenge, NAS-IP-Address, Service-Type Framed, Message-Authenticator; retransmitted
//!    (same Identifier and authenticator, RFC 5080 §2.2.1) every `retransmit_ms` up to
//!    `max_retransmits` times; no answer → [`FhaEvent::AaaTimedOut`] and no reply (no code
//!    fits; the MN retransmits its request, RFC 5944 §3.6.3). A reply with a wrong Response
//!    Authenticator or Message-Authenticator is discarded (RFC 2865 §3, RFC 3579 §3.2).
//!    Access-Reject (or Access-Challenge, which this exchange has no round for) → 129.
//! 6. Identification (§3.8.2.1 b, §5.7.1, timestamps): the high 32 bits within
//!    `replay_window_s` of the caller's time of day and the whole value above every one
//!    accepted for the NAI, else 133 with the FHA's time in the high 32 bits.
//! 7. Accept: Lifetime 0 deregisters (§3.8.2.2); otherwise the THoAv4 (the Accept's, the
//!    NAI's current one, or the next free one of the pool; none → 130), the IPv6 items (the
//!    Accept's, else configured; the IPv6 CoA from `ipv6_coa_prefix` when the Accept has
//!    none), the Lifetime capped at `max_lifetime` (§3.8.2.2 "MUST NOT increase"). Code 1
//!    when the MN set S (no simultaneous bindings here, §3.8.3.2), 0 otherwise.
//!
//! The reply (§3.8.3) goes to the request's source (the MN, or the FA that relayed it):
//! Home Address = THoAv4, Home Agent = this FHA, Identification copied; extensions in §3.8.3.3
//! order: the NAI (RFC 2794 §3 "MUST include"), the IPv6 items where the profile's `rrp` rows
//! put them, the MN-HA AAA KeyGen Reply (below), the MN-HA authentication when the FHA has an
//! MN-HA key for the NAI, the MN-FA Challenge echoed (RFC 4721 §3.4), then FA-HA when it
//! shares an SA with the FA. RFC 5944 §3.8.3.3 wants MN-HA in every reply; with MN-AAA only,
//! no configured key and no key generation the FHA has none, so that reply goes without it.
//!
//! **Key generation** (RFC 3957; draft §6 "[MIPKEYS] can be used to create Mobility Security
//! Associations between the MN and FHA"): a Request with the MN-HA AAA KeyGen Request (42,
//! subtype 1) MUST also carry MN-AAA (§3 step 3; else 134). The AAAH's Access-Accept brings
//! the MN-HA key and the nonce it derived it from (§5; the profile's `mn-ha-key` and
//! `mn-ha-keygen-reply` rows in `fha-access-accept`, a lab convention). The reply then carries
//! the MN-HA AAA KeyGen Reply (43/1: `keygen_lifetime_s`, AAA SPI = the Request's MN-AAA SPI,
//! HA SPI = the MN's SPI from 42, HMAC-MD5, timestamps, the nonce) before the MN-HA extension
//! computed with that key (§6.4 "MUST appear … before", §3 "created using the generated MN-HA
//! key"), and the FHA keeps the key as the NAI's MN-HA SA for later registrations until the
//! Lifetime runs out. An Accept without the key material → 128: no code names it (RFC 3957
//! §7 defines only the FA's 107; RFC 5944 §3.8.2.3 asks for "a Code that indicates the reason"
//! and §3.4's HA codes have none closer), and the MN cannot check that denial anyway (RFC
//! 3957 §3 step 8 makes it discard a reply without 43). A KeyGen Request of another subtype
//! gets 128 too. Denials after the Accept (133, 130) carry 43 and MN-HA like an acceptance.
//!
//! Bindings (§3.8.1): THoAv4 → CoA, NAI, Identification, Lifetime, IPv6 items; a new
//! registration of the NAI replaces the old one; expiry removes it silently (§3.8 "MUST NOT
//! generate a Registration Reply to indicate that the Lifetime has expired"). Tunnel events
//! ([`FhaEvent::TunnelUp`], [`FhaEvent::TunnelDown`]) tell a driver to build or remove the
//! IP-in-IP tunnel between the FHA and the CoA (co-located, or the FA's).
//!
//! Mutation knobs ([`FhaKnobs`]) break one requirement each, for testing MN judges.

mod process;
mod reply;
#[cfg(test)]
mod tests;

use crate::io::{Datagram, SansIo, Transmit};
use mip6lab_wire::dsprofile::Profile;
use mip6lab_wire::mip4::{ReplyCode, LIFETIME_INFINITE};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};

/// A Mobility Security Association of the FHA with an MN, by NAI (RFC 5944 §3.8.1: "MUST be
/// configured with the Mobility Security Association of each authorized mobile node").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FhaMnHaSa {
    pub nai: String,
    pub spi: u32,
    pub key: Vec<u8>,
}

/// A Mobility Security Association with a foreign agent (RFC 5944 §3.8.1, FA-HA).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FhaFaHaSa {
    /// The FA's address, as the source of the relayed requests.
    pub fa: Ipv4Addr,
    pub spi: u32,
    pub key: Vec<u8>,
}

/// The RADIUS server the FHA asks: the AAAH, or the AAAF that proxies to it by realm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FhaAaaPeer {
    pub server: SocketAddr,
    pub secret: Vec<u8>,
    /// NAS-Identifier (32), if any.
    pub nas_identifier: Option<String>,
    /// How long a request waits for its answer before it is sent again.
    pub retransmit_ms: u64,
    /// Retransmissions before giving up (RFC 5080 §2.2.1: a few).
    pub max_retransmits: u32,
}

/// Consecutive IPv4 addresses the FHA hands out as THoAv4 (RFC 5944 §3.8.1 "MAY … dynamically
/// associate a home address"; RFC 2794).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FhaIpv4Pool {
    pub first: Ipv4Addr,
    pub count: u32,
}

impl FhaIpv4Pool {
    /// The addresses, in order.
    pub fn iter(self) -> impl Iterator<Item = Ipv4Addr> {
        let base = u32::from(self.first);
        (0..self.count).filter_map(move |i| base.checked_add(i).map(Ipv4Addr::from))
    }

    /// Whether `a` is one of the pool's addresses.
    pub fn contains(self, a: Ipv4Addr) -> bool {
        u32::from(a)
            .checked_sub(u32::from(self.first))
            .is_some_and(|d| d < self.count)
    }
}

/// Mutations, each breaking one requirement (off by default).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FhaKnobs {
    /// Leave the IPv6 HoA, home prefix, IPv6 HA and IPv6 CoA out of the reply: breaks draft
    /// §4.1.1 ("should be appended in mobile IPv4 registration reply", lowercase).
    pub no_ipv6_items_in_rrp: bool,
    /// Answer an accepted registration with Home Address 0.0.0.0: breaks RFC 5944 §3.8.1
    /// ("MUST put that home address into the Home Address field") and RFC 2794 §3 (non-zero
    /// Home Address in the reply).
    pub no_thoa: bool,
    /// Leave the NAI out of the reply: breaks RFC 2794 §3 ("MUST include the Mobile Node NAI
    /// extension").
    pub no_nai_echo: bool,
    /// Grant more Lifetime than asked: breaks RFC 5944 §3.8.2.2 ("MUST NOT increase the
    /// Lifetime") and §3.8.3.2.
    pub lifetime_raised: bool,
    /// Accept MN-AAA without asking the AAA server: breaks RFC 5944 §3.8.2.1 a ("MUST either
    /// check the Authenticator value … or verify that the Authenticator Value has been
    /// checked") and draft §4.1.1 ("authenticated by the FHA and AAAH").
    pub skip_aaa_check: bool,
    /// Answer a KeyGen Request without the MN-HA AAA KeyGen Reply (still signing with the
    /// derived key): breaks RFC 3957 §3 (key material "supplied to the mobile node in
    /// extensions to the Mobile IP Registration Reply"; the MN MUST discard such a reply,
    /// step 8).
    pub no_keygen_reply: bool,
    /// Compute the MN-HA authenticator of a keyed reply with a key other than the derived one:
    /// breaks RFC 3957 §3 ("MUST also contain a subsequent Mobile Home Authentication
    /// extension, created using the generated MN-HA key").
    pub mn_ha_auth_wrong_key: bool,
    /// Put the MN-HA AAA KeyGen Reply after the MN-HA extension: breaks RFC 3957 §6.4 ("MUST
    /// appear in the Registration Reply before the MN-HA Authentication extension").
    pub keygen_after_mn_ha: bool,
    /// Stimulus for an MN under test: the Reply's Identification differs from the Request's in
    /// its low-order 32 bits (signed as sent), which the MN MUST silently discard (RFC 5944
    /// §3.6.2.1, §5.7).
    pub reply_identification_mismatch: bool,
    /// Stimulus for an FA under test: the Foreign-Home authenticator of a Reply to an FA made
    /// with another key, which the FA MUST reject (RFC 5944 §3.7.3.1).
    pub fa_ha_auth_wrong_key: bool,
}

/// The FHA's settings.
#[derive(Debug, Clone)]
pub struct FhaConfig {
    /// The FHA's IPv4 address: the Home Agent field (RFC 5944 §3.8.3.2), the tunnel's local
    /// end, NAS-IP-Address.
    pub address: Ipv4Addr,
    /// The longest Lifetime granted, in seconds (RFC 5944 §3.8.3.2).
    pub max_lifetime: u16,
    pub thoa_pool: FhaIpv4Pool,
    /// IPv6 items used when the Access-Accept has none (or without AAA).
    pub ipv6_hoa: Option<Ipv6Addr>,
    pub ipv6_home_prefix: Option<(Ipv6Addr, u8)>,
    pub ipv6_ha: Option<Ipv6Addr>,
    /// The prefix the MN's IPv6 CoA (its tunnel-side address) comes from when the Accept has
    /// none: the prefix with the THoAv4 in the last 32 bits (a lab choice; the draft does not
    /// say how the CoA is chosen). Lengths over 96 give no CoA.
    pub ipv6_coa_prefix: Option<(Ipv6Addr, u8)>,
    pub mn_ha: Vec<FhaMnHaSa>,
    pub fa_ha: Vec<FhaFaHaSa>,
    /// Timestamp tolerance in seconds (RFC 5944 §5.7.1: 7 by default, "SHOULD be greater
    /// than 3").
    pub replay_window_s: u32,
    /// The caller's time of day: NTP seconds (RFC 5944 §5.7.1) at `now` = 0; the FHA's clock
    /// at `now` is this plus `now / 1000`.
    pub ntp_at_zero: u64,
    /// The RADIUS server for MN-AAA; `None`: MN-AAA registrations are discarded.
    pub aaa: Option<FhaAaaPeer>,
    /// The Lifetime of an MN-HA key from key generation, seconds (RFC 3957 §6.4; the RFC
    /// gives no default).
    pub keygen_lifetime_s: u32,
    /// Where the items travel (`Profile::lab()` or a vendor's).
    pub profile: Profile,
    pub knobs: FhaKnobs,
}

impl FhaConfig {
    pub fn new(address: Ipv4Addr, thoa_pool: FhaIpv4Pool) -> FhaConfig {
        FhaConfig {
            address,
            max_lifetime: 1800,
            thoa_pool,
            ipv6_hoa: None,
            ipv6_home_prefix: None,
            ipv6_ha: None,
            ipv6_coa_prefix: None,
            mn_ha: Vec::new(),
            fa_ha: Vec::new(),
            replay_window_s: 7,
            ntp_at_zero: 0,
            aaa: None,
            keygen_lifetime_s: 3600,
            profile: Profile::lab(),
            knobs: FhaKnobs::default(),
        }
    }

    fn mn_ha_sa(&self, nai: &str, spi: Option<u32>) -> Option<&FhaMnHaSa> {
        self.mn_ha
            .iter()
            .find(|s| s.nai == nai && spi.is_none_or(|p| p == s.spi))
    }
}

/// The IPv6 items of a binding (draft §4.1.1).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FhaIpv6Items {
    pub hoa: Option<Ipv6Addr>,
    pub home_prefix: Option<(Ipv6Addr, u8)>,
    pub ha: Option<Ipv6Addr>,
    pub coa: Option<Ipv6Addr>,
}

/// One mobility binding (RFC 5944 §3.8.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FhaBinding {
    pub nai: String,
    pub thoa: Ipv4Addr,
    /// The tunnel's far end: the co-located CoA or the FA's.
    pub coa: Ipv4Addr,
    /// Where the request came from (the MN, or the FA that relayed it).
    pub via: SocketAddr,
    pub identification: u64,
    /// Granted, in seconds; 0xffff is infinite.
    pub lifetime: u16,
    /// When it expires (`now` units); `None` for an infinite Lifetime.
    pub expires_at: Option<u64>,
    /// Reverse tunnelling asked (T, RFC 3024).
    pub reverse: bool,
    pub ipv6: FhaIpv6Items,
    /// The MN-HA key the AAAH sent, if any (the SA itself is kept per NAI, see the module
    /// doc).
    pub aaa_mn_ha_key: Option<Vec<u8>>,
}

/// Why a tunnel went away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FhaTunnelDown {
    Deregistered,
    Expired,
    /// A new registration of the NAI with another CoA.
    Replaced,
}

/// What the FHA reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FhaEvent {
    /// A registration was accepted (also on renewal).
    Registered {
        binding: FhaBinding,
        code: ReplyCode,
    },
    /// Build the IP-in-IP tunnel `fha` ↔ `coa` for `thoa` (and its IPv6 traffic).
    TunnelUp {
        thoa: Ipv4Addr,
        fha: Ipv4Addr,
        coa: Ipv4Addr,
        reverse: bool,
    },
    /// Remove the tunnel of `thoa` to `coa`.
    TunnelDown {
        thoa: Ipv4Addr,
        coa: Ipv4Addr,
        why: FhaTunnelDown,
    },
    /// A denial was sent with `code`.
    Denied {
        nai: Option<String>,
        code: ReplyCode,
        why: String,
    },
    /// A datagram got no answer (RFC 5944 "silently discard", or not a request at all).
    Discarded { src: SocketAddr, why: String },
    /// An Access-Request went to the AAA server (`attempt` 0 first, then retransmissions).
    AaaRequest { nai: String, attempt: u32 },
    /// The AAA server did not answer; the registration got no reply.
    AaaTimedOut { nai: String },
}

/// What the FHA is fed.
#[derive(Debug, Clone, Copy)]
pub enum FhaInput<'a> {
    /// A UDP 434 datagram (RFC 5944 §3.3): from the MN or the FA that relays.
    Registration(Datagram<'a>),
    /// A datagram on the FHA's RADIUS socket.
    Radius(Datagram<'a>),
}

/// A registration waiting for the AAA server.
#[derive(Debug, Clone)]
struct PendingAaa {
    ctx: process::Checked,
    /// The Access-Request as sent (retransmitted unchanged).
    datagram: Vec<u8>,
    authenticator: [u8; 16],
    deadline: u64,
    retransmits: u32,
}

/// The Foreign Home Agent.
pub struct Fha {
    cfg: FhaConfig,
    random: Box<dyn FnMut() -> [u8; 16] + Send>,
    bindings: BTreeMap<Ipv4Addr, FhaBinding>,
    /// The highest Identification accepted per NAI (RFC 5944 §5.7.1), kept across
    /// deregistration.
    last_id: HashMap<String, u64>,
    /// By RADIUS Identifier.
    pending: BTreeMap<u8, PendingAaa>,
    /// MN-HA SAs from key generation (RFC 3957), by NAI, with when they lapse.
    derived: HashMap<String, (FhaMnHaSa, u64)>,
    next_radius_id: u8,
    transmits: VecDeque<Transmit>,
    events: VecDeque<FhaEvent>,
}

impl Fha {
    /// `random` gives 16 random octets (Request Authenticators, the first RADIUS Identifier).
    pub fn new(cfg: FhaConfig, mut random: Box<dyn FnMut() -> [u8; 16] + Send>) -> Fha {
        let next_radius_id = random()[0];
        Fha {
            cfg,
            random,
            bindings: BTreeMap::new(),
            last_id: HashMap::new(),
            pending: BTreeMap::new(),
            derived: HashMap::new(),
            next_radius_id,
            transmits: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    pub fn config(&self) -> &FhaConfig {
        &self.cfg
    }

    /// The binding table, by THoAv4.
    pub fn bindings(&self) -> &BTreeMap<Ipv4Addr, FhaBinding> {
        &self.bindings
    }

    pub fn binding_of(&self, nai: &str) -> Option<&FhaBinding> {
        self.bindings.values().find(|b| b.nai == nai)
    }

    /// Registrations waiting for the AAA server.
    pub fn pending_aaa(&self) -> usize {
        self.pending.len()
    }

    /// The MN-HA SA for `nai` (with `spi` when given): a live one from key generation, else a
    /// configured one.
    fn mn_ha_sa(&self, now: u64, nai: &str, spi: Option<u32>) -> Option<FhaMnHaSa> {
        self.derived
            .get(nai)
            .filter(|(sa, until)| now < *until && spi.is_none_or(|p| p == sa.spi))
            .map(|(sa, _)| sa.clone())
            .or_else(|| self.cfg.mn_ha_sa(nai, spi).cloned())
    }

    /// The MN-HA SA from key generation for `nai`, if one is live.
    pub fn derived_mn_ha(&self, now: u64, nai: &str) -> Option<&FhaMnHaSa> {
        self.derived
            .get(nai)
            .filter(|(_, until)| now < *until)
            .map(|(sa, _)| sa)
    }

    /// The FHA's time of day in NTP seconds at `now` (RFC 5944 §5.7.1).
    fn time_of_day(&self, now: u64) -> u64 {
        self.cfg.ntp_at_zero.saturating_add(now / 1000)
    }

    fn discard(&mut self, src: SocketAddr, why: impl Into<String>) {
        self.events.push_back(FhaEvent::Discarded {
            src,
            why: why.into(),
        });
    }

    fn expire(&mut self, now: u64) {
        let due: Vec<Ipv4Addr> = self
            .bindings
            .values()
            .filter(|b| b.expires_at.is_some_and(|t| now >= t))
            .map(|b| b.thoa)
            .collect();
        for thoa in due {
            if let Some(b) = self.bindings.remove(&thoa) {
                self.events.push_back(FhaEvent::TunnelDown {
                    thoa,
                    coa: b.coa,
                    why: FhaTunnelDown::Expired,
                });
            }
        }
    }

    fn retransmit(&mut self, now: u64) {
        let Some(peer) = self.cfg.aaa.clone() else {
            return;
        };
        let due: Vec<u8> = self
            .pending
            .iter()
            .filter(|(_, p)| now >= p.deadline)
            .map(|(id, _)| *id)
            .collect();
        for id in due {
            let Some(p) = self.pending.get_mut(&id) else {
                continue;
            };
            if p.retransmits >= peer.max_retransmits {
                let nai = p.ctx.nai.clone();
                self.pending.remove(&id);
                self.events.push_back(FhaEvent::AaaTimedOut { nai });
                continue;
            }
            p.retransmits += 1;
            p.deadline = now.saturating_add(peer.retransmit_ms.max(1));
            let (payload, nai, attempt) = (p.datagram.clone(), p.ctx.nai.clone(), p.retransmits);
            self.transmits.push_back(Transmit {
                dst: peer.server,
                payload,
            });
            self.events.push_back(FhaEvent::AaaRequest { nai, attempt });
        }
    }
}

impl SansIo for Fha {
    type Input<'a> = FhaInput<'a>;
    type Event = FhaEvent;

    fn handle_input(&mut self, now: u64, input: FhaInput<'_>) {
        // Expired bindings go first, so a late renewal starts afresh.
        self.expire(now);
        match input {
            FhaInput::Registration(d) => self.on_registration(now, d),
            FhaInput::Radius(d) => self.on_radius(now, d),
        }
    }

    fn handle_timeout(&mut self, now: u64) {
        self.expire(now);
        self.retransmit(now);
    }

    fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    fn poll_event(&mut self) -> Option<FhaEvent> {
        self.events.pop_front()
    }

    fn next_timeout(&self) -> Option<u64> {
        let expiries = self.bindings.values().filter_map(|b| b.expires_at);
        let deadlines = self.pending.values().map(|p| p.deadline);
        expiries.chain(deadlines).min()
    }
}
