//! The dual-stack mobile node's Mobile IPv4 registration client (draft-qin-mip6-dsbootstrapping-00
//! §4.1.1, §4.1.2, §4.2.1, §4.2.2), sans-IO.
//!
//! **Which way to register** (RFC 5944 §3.1): with a foreign agent care-of address, via that
//! FA ("MUST"); with a co-located CoA, directly with the FHA the NAS/AAA assigned, unless an
//! Agent Advertisement with the R bit arrives, in which case via the FA. RFC 5944 §3.1 and
//! §2.4.1 say SHOULD for the R case, RFC 4433 §5.2 says "always registers through the FA", and
//! the draft §4.1.2 says "When the MN uses FA based CoA or CcoA with R-bit set, it needs to
//! send its registration request to the FA" (no BCP 14 keyword); this client always does.
//!
//! **Agent discovery** (RFC 5944 §2.4): advertisements come in as raw ICMP with their source.
//! With an FA CoA and none heard within [`Mip4ClientConfig::first_solicit_after_ms`], the
//! client solicits: three at one per second, then doubling the interval up to
//! [`Mip4ClientConfig::max_solicit_interval_ms`] (at least one minute, §2.4 SHOULD), each
//! randomized ±10 % ("MUST randomize"). With a co-located CoA it does not solicit: the CoA came
//! by other means (§2.4: solicit "only ... when a care-of address has not been determined
//! through a link-layer protocol or other means"). It registers with the first CoA advertised
//! (§2.4 SHOULD), sends to the advertisement's IP source (§3.6.1.1 MUST), asks for no longer
//! than the advertised Registration Lifetime (§3.6.1.2 SHOULD NOT exceed) and registers again
//! when the FA's sequence number falls below 256 (§2.4.4, a rebooted FA).
//!
//! **The Request** (RFC 5944 §3.3, §3.6.1): Home Address 0.0.0.0 until a reply assigned one
//! (RFC 2794 §2, draft §4.1.1 "the temporary IPv4 home address ... is not available"); the
//! Home Agent field per [`HaField`] (RFC 4433 §5.1: ALL-ZERO-ONE-ADDR while no HA is assigned,
//! then the assigned one); D set for a co-located CoA (§3.6.1.2 SHOULD, MUST NOT otherwise),
//! T for reverse tunnelling (RFC 3024 §3.2); extensions in the §3.6.1.3 order: the NAI first
//! (RFC 2794 §2 MUST precede MN-HA and MN-FA), the Requested HA extension (RFC 4433 §3.4,
//! §5.1.2), MN-HA (32), then the MN-FA Challenge and MN-AAA (RFC 4721 §3.1: challenge before
//! MN-AAA, both after MN-HA), then MN-FA (33). Authenticators are HMAC-MD5 (the wire helper);
//! the CHAP_SPI algorithm of RFC 4721 §8 is not offered here.
//!
//! **Identification** (RFC 5944 §5.7, §5.7.1): from the caller's [`IdFn`] (an NTP timestamp
//! with random low bits, typically), forced strictly greater than the previous one (MUST), its
//! high 32 bits shifted by what a Code 133 reply taught (§3.6.2.3 MUST adjust).
//!
//! **Retransmission** (RFC 5944 §3.6.3): timestamps are in use, so each retransmission is a new
//! Request with a new Identification. The first timeout is
//! [`Mip4ClientConfig::initial_timeout_ms`] (never under 1 s, MUST), then doubled (SHOULD at
//! least twice) up to the requested Lifetime (SHOULD be no greater); after
//! [`Mip4ClientConfig::max_attempts`] Requests the client gives up.
//!
//! **The Reply** (RFC 5944 §3.6.2): the low 32 bits of Identification must match the most
//! recent Request (MUST discard otherwise); MN-FA checked when an MN-FA SA exists (a), MN-HA
//! checked for the HA's codes when an MN-HA SA exists (b), "exactly one" in both. Accepted:
//! a [`Registration`] with the profile items read from the extensions the MN-HA authenticator
//! covers, the lifetime timed from when the Request was sent (§3.6.2.2) and re-registration
//! at three quarters of it. Denied: an event with the code; codes 69, 133, 136 and 143 are
//! repaired as §3.6.2.3 and RFC 4433 §5.1 describe, a bounded number of times.
//!
//! **Key generation** (RFC 3957): with an MN-AAA SA and no MN-HA SA the Request carries the
//! MN-HA AAA KeyGen Request (42/1, [`Mip4ClientConfig::keygen_spi`]) before MN-AAA (§3 step 2
//! MUST, §6.3); the HA's reply must then carry the MN-HA AAA KeyGen Reply and an MN-HA
//! authenticator made with the key derived from it (§3 steps 8, 9: else discarded;
//! [`super::keygen::keyed_sa`]). The derived SA ([`MnEvent::MnHaKeyDerived`]) authenticates
//! the later Requests until its Lifetime runs out; the FA's codes (64–127) are not checked.

use super::{
    code_from_home_agent, count_kind, is_all_zero_one, low32, read_items, ProfileItems,
    Registration, SecurityAssociation, ALL_MOBILITY_AGENTS,
};
use crate::io::{Datagram, SansIo, Transmit};
use mip6lab_wire::dsprofile::Profile;
use mip6lab_wire::mip4::{
    auth, ext, reg_ext, AdvFlags, AgentSolicitation, Extension, Form, IcmpPacket, IcmpRepr,
    MobilityAgentAdvertisement, RawExtension, RegistrationReply, RegistrationRequest, ReplyCode,
    Repr, RrqFlags, LIFETIME_INFINITE, PORT,
};
use serde::Serialize;
use std::collections::VecDeque;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};

/// The Identification source: given `now` (ms), a 64-bit Identification (RFC 5944 §5.7.1: NTP
/// format, low bits random).
pub type IdFn = Box<dyn FnMut(u64) -> u64 + Send>;
/// The random source for solicitation jitter: fills the buffer.
pub type RngFn = Box<dyn FnMut(&mut [u8]) + Send>;

/// The minimum time between Registration Requests (RFC 5944 §3.6.3 MUST NOT be less).
pub const MIN_RETRANSMIT_MS: u64 = 1_000;
/// Solicitations at one per second before backing off (RFC 5944 §2.4 MAY send three).
pub const INITIAL_SOLICITATIONS: u32 = 3;

/// How the MN obtains its care-of address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CoaMode {
    /// A co-located CoA and the FHA the NAS/AAA assigned (draft §4.1.1 step 3): register
    /// directly with the FHA unless an FA advertises R.
    CoLocated { coa: Ipv4Addr, fha: Ipv4Addr },
    /// A foreign agent CoA (draft §4.1.2): register via the FA. `fha` when the NAS/AAA named
    /// one (draft §4.2.2: "the care-of address and the FHA FQDN or address are assigned by
    /// AAAF").
    ViaForeignAgent { fha: Option<Ipv4Addr> },
}

impl CoaMode {
    pub fn fha(&self) -> Option<Ipv4Addr> {
        match self {
            CoaMode::CoLocated { fha, .. } => Some(*fha),
            CoaMode::ViaForeignAgent { fha } => *fha,
        }
    }
}

/// What the first Request puts in its Home Agent field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum HaField {
    /// The FHA (the lab profile's `fha-address` in `rrq` is the Home Agent field); 0.0.0.0 when
    /// no FHA is known.
    Fha,
    /// 0.0.0.0: no preference (RFC 4433 §2), with the FHA in a Requested HA extension.
    Unspecified,
    /// 255.255.255.255: prefer the home domain (RFC 4433 §2), with the FHA in a Requested HA
    /// extension.
    HomeDomain,
}

/// The client's settings. [`Mip4ClientConfig::new`] conforms; the fields marked "knob" each
/// break the requirement their documentation names.
#[derive(Debug, Clone)]
pub struct Mip4ClientConfig {
    pub nai: String,
    pub mn_ha: Option<SecurityAssociation>,
    pub mn_aaa: Option<SecurityAssociation>,
    /// An SA with the foreign agent (RFC 5944 §3.6.1.3 e: then MN-FA MUST be included).
    pub mn_fa: Option<SecurityAssociation>,
    /// Requested Lifetime, seconds.
    pub lifetime_s: u16,
    pub ha_field: HaField,
    pub mode: CoaMode,
    /// Ask for a reverse tunnel (T bit, RFC 3024 §3.2).
    pub reverse_tunnel: bool,
    /// With a reverse tunnel through an FA: ask for the Encapsulating Delivery Style (RFC
    /// 3024 §3.3, extension 130): the MN then tunnels its packets to the FA itself.
    pub encapsulating_delivery: bool,
    pub profile: Profile,
    /// Co-located mode: wait this long for an advertisement (with R, say) before registering
    /// directly. 0: at once.
    pub colocated_wait_ms: u64,
    /// FA mode: solicit when no advertisement came within this long of `start`.
    pub first_solicit_after_ms: u64,
    /// The longest interval between solicitations (RFC 5944 §2.4: SHOULD be at least 1 min).
    pub max_solicit_interval_ms: u64,
    /// The first retransmission timeout (at least [`MIN_RETRANSMIT_MS`]).
    pub initial_timeout_ms: u64,
    /// Requests per registration attempt before [`MnEvent::GaveUp`].
    pub max_attempts: u32,
    /// Repairs (codes 69, 133, 136, 143) per registration before the denial stands.
    pub max_repairs: u32,
    /// Knob: register directly despite an advertisement with R. Breaks RFC 5944 §3.1 / §2.4.1
    /// (SHOULD register via the FA), RFC 4433 §5.2 and draft §4.1.2.
    pub ignore_r_bit: bool,
    /// Knob: send no NAI extension with Home Address 0.0.0.0. Breaks RFC 2794 §2 (the NAI is
    /// what makes a zero Home Address valid) and RFC 4433 §5.1 (MUST use the NAI).
    pub no_nai: bool,
    /// Knob: put the NAI after the authentication extensions. Breaks RFC 2794 §2 ("MUST
    /// appear ... before both the Mobile-Home Authentication extension and Mobile-Foreign").
    pub nai_after_auth: bool,
    /// Knob: take a reply whatever its Identification. Breaks RFC 5944 §3.6.2.1 (low 32 bits
    /// MUST match, else silently discard).
    pub skip_identification_check: bool,
    /// Knob: read no IPv6 item from the reply (only the fixed fields). Breaks draft §4.1.1
    /// (the MN "obtains ... the bootstrapping parameters for mobile IPv6").
    pub ignore_ipv6_items: bool,
    /// Knob: accept a reply whose MN-HA authenticator is missing, doubled or wrong. Breaks
    /// RFC 5944 §3.6.2.1 b (MUST check, MUST silently discard).
    pub skip_mn_ha_check: bool,
    /// Knob: retransmit after 200 ms, without backoff. Breaks RFC 5944 §3.6.3 (the minimum
    /// MUST NOT be less than 1 s; SHOULD double).
    pub fast_retransmit: bool,
    /// Knob: reuse the previous Identification in a new Request. Breaks RFC 5944 §5.7 (MUST
    /// NOT be the same as in the immediately preceding Request) and §5.7.1 (MUST be greater).
    pub reuse_identification: bool,
    /// Knob: ask for the configured Lifetime even when the FA advertises a shorter one.
    /// Breaks RFC 5944 §3.6.1.2 (SHOULD NOT exceed the advertised Registration Lifetime).
    pub exceed_advertised_lifetime: bool,
    /// The SPI the MN gives the MN-HA SA it asks key generation for (RFC 3957 §6.3; 0–255
    /// are reserved, RFC 5944 §1.6).
    pub keygen_spi: u32,
    /// Knob: no MN-HA KeyGen Request without an MN-HA SA. Breaks RFC 3957 §3 step 2 ("MUST
    /// add an MN-HA Key Generation Nonce Request extension").
    pub no_keygen_request: bool,
    /// Knob: take a reply to a KeyGen Request without checking its KeyGen Reply or its MN-HA
    /// authenticator (no SA is derived). Breaks RFC 3957 §3 steps 8 and 9 (MUST discard).
    pub skip_keygen_check: bool,
}

impl Mip4ClientConfig {
    pub fn new(nai: impl Into<String>, mode: CoaMode, profile: Profile) -> Mip4ClientConfig {
        Mip4ClientConfig {
            nai: nai.into(),
            mn_ha: None,
            mn_aaa: None,
            mn_fa: None,
            lifetime_s: 1800,
            ha_field: HaField::Fha,
            mode,
            reverse_tunnel: false,
            encapsulating_delivery: false,
            profile,
            colocated_wait_ms: 0,
            first_solicit_after_ms: 1_000,
            max_solicit_interval_ms: 60_000,
            initial_timeout_ms: MIN_RETRANSMIT_MS,
            max_attempts: 4,
            max_repairs: 2,
            ignore_r_bit: false,
            no_nai: false,
            nai_after_auth: false,
            skip_identification_check: false,
            ignore_ipv6_items: false,
            skip_mn_ha_check: false,
            fast_retransmit: false,
            reuse_identification: false,
            exceed_advertised_lifetime: false,
            keygen_spi: 256,
            no_keygen_request: false,
            skip_keygen_check: false,
        }
    }
}

/// What the client takes in.
#[derive(Debug, Clone, Copy)]
pub enum MnInput<'a> {
    /// An ICMP message (Agent Advertisement) and its IP source (port 0).
    Icmp(Datagram<'a>),
    /// A UDP datagram for port 434 (a Registration Reply).
    Udp(Datagram<'a>),
}

/// Why a Registration Reply was not taken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum DropReason {
    Malformed(String),
    NotReply,
    /// An extension 0–127 not understood (RFC 5944 §1.8: silently discard).
    UnknownExtension(u8),
    /// No Request is waiting.
    NotExpected,
    /// RFC 5944 §3.6.2.1: low 32 bits differ from the most recent Request's.
    IdentificationMismatch {
        got: u32,
        want: u32,
    },
    /// RFC 5944 §3.6.2.1 a/b: a security exception (the authenticator kind and how many).
    Authentication {
        kind: u8,
        count: usize,
    },
    /// RFC 3957 §3 step 8, §6.4: the reply to a KeyGen Request gives no usable key material.
    KeyGeneration(String),
}

/// What a driver logs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum MnEvent {
    /// A foreign agent advertised itself (first time, or anew after another agent).
    AgentDiscovered {
        agent: Ipv4Addr,
        sequence: u16,
        flags: String,
        care_of_addresses: Vec<Ipv4Addr>,
        registration_lifetime_s: u16,
    },
    AdvertisementIgnored {
        from: Ipv4Addr,
        reason: String,
    },
    SolicitationSent {
        count: u32,
    },
    /// A Registration Request went out; `src` is the IP source the driver must use
    /// (RFC 5944 §3.6.1.1).
    RequestSent {
        identification: u64,
        attempt: u32,
        src: Ipv4Addr,
        dst: Ipv4Addr,
        home_address: Ipv4Addr,
        home_agent: Ipv4Addr,
        care_of_address: Ipv4Addr,
        lifetime_s: u16,
        flags: String,
        via_foreign_agent: bool,
    },
    ReplyDropped {
        from: SocketAddr,
        reason: DropReason,
    },
    Registered(Registration),
    /// Lifetime 0 accepted.
    Deregistered,
    /// A denial the client repairs with a new Request (RFC 5944 §3.6.2.3; RFC 4433 §5.1).
    Repairing {
        code: u8,
        what: String,
    },
    Denied {
        code: u8,
        name: Option<String>,
        by_home_agent: bool,
        lifetime_s: u16,
    },
    /// No valid reply after `attempts` Requests.
    GaveUp {
        attempts: u32,
    },
    /// The registration's lifetime ran out before a re-registration succeeded.
    Expired,
    /// A reply's MN-HA AAA KeyGen Reply gave a new MN-HA SA (RFC 3957 §5), its
    /// authenticator checked with it.
    MnHaKeyDerived {
        spi: u32,
        lifetime_s: u32,
    },
}

/// Where the next Request goes and what it registers.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Target {
    /// The IP destination: the FA (advertisement source) or the FHA.
    dst: Ipv4Addr,
    coa: Ipv4Addr,
    colocated: bool,
    via_fa: Option<Ipv4Addr>,
    home_agent: Ipv4Addr,
    requested_ha: Option<Ipv4Addr>,
    challenge: Option<Vec<u8>>,
    /// The advertised Registration Lifetime when via an FA.
    max_lifetime: Option<u16>,
}

#[derive(Debug, Clone)]
struct Pending {
    target: Target,
    lifetime: u16,
    id: u64,
    last_sent: u64,
    attempts: u32,
    timeout: u64,
    next_at: u64,
    repairs: u32,
    /// When the registration this one renews runs out (`None`: nothing to lose).
    lapses_at: Option<u64>,
    /// The MN-HA SA the latest Request was signed with.
    mn_ha: Option<SecurityAssociation>,
    /// Whether the latest Request asked for key generation (RFC 3957 §6.3).
    keygen: bool,
}

#[derive(Debug, Clone)]
enum State {
    Idle,
    Discovering {
        direct_at: Option<u64>,
    },
    Registering(Pending),
    Registered {
        reg: Registration,
        target: Target,
        reregister_at: Option<u64>,
        expires_at: Option<u64>,
    },
    Stopped,
}

#[derive(Debug, Clone)]
struct Agent {
    addr: Ipv4Addr,
    adv: MobilityAgentAdvertisement,
    challenge: Option<Vec<u8>>,
}

#[derive(Debug, Clone, Copy)]
struct Solicit {
    next_at: u64,
    sent: u32,
}

/// The registration client.
pub struct Mip4Client {
    config: Mip4ClientConfig,
    ids: IdFn,
    rng: RngFn,
    state: State,
    agent: Option<Agent>,
    solicit: Option<Solicit>,
    last_id: Option<u64>,
    /// Seconds to add to the high 32 bits of Identification (Code 133 resynchronisation).
    id_offset: i64,
    /// The home address a reply assigned (RFC 5944 §3.6.1.2: MUST be used once known).
    home_address: Option<Ipv4Addr>,
    /// The HA a reply assigned (RFC 4433 §5.1.2: MUST be used in re-registrations).
    assigned_ha: Option<Ipv4Addr>,
    /// The MN-HA SA from key generation and when it lapses (`None`: never).
    derived_mn_ha: Option<(SecurityAssociation, Option<u64>)>,
    transmits: VecDeque<Transmit>,
    events: VecDeque<MnEvent>,
}

impl std::fmt::Debug for Mip4Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mip4Client")
            .field("state", &self.state)
            .field("agent", &self.agent)
            .finish_non_exhaustive()
    }
}

impl Mip4Client {
    pub fn new(config: Mip4ClientConfig, ids: IdFn, rng: RngFn) -> Mip4Client {
        Mip4Client {
            config,
            ids,
            rng,
            state: State::Idle,
            agent: None,
            solicit: None,
            last_id: None,
            id_offset: 0,
            home_address: None,
            assigned_ha: None,
            derived_mn_ha: None,
            transmits: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    pub fn config(&self) -> &Mip4ClientConfig {
        &self.config
    }

    /// The current registration, if accepted and not expired.
    pub fn registration(&self) -> Option<&Registration> {
        match &self.state {
            State::Registered { reg, .. } => Some(reg),
            _ => None,
        }
    }

    /// The MN-HA SA to sign with at `now`: the configured one, else a live derived one.
    pub fn mn_ha_sa(&self, now: u64) -> Option<&SecurityAssociation> {
        self.config.mn_ha.as_ref().or_else(|| {
            self.derived_mn_ha
                .as_ref()
                .filter(|(_, until)| until.is_none_or(|u| now < u))
                .map(|(sa, _)| sa)
        })
    }

    /// Begins: registers at once when it can, else waits for an advertisement (soliciting in
    /// FA mode).
    pub fn start(&mut self, now: u64) {
        match self.config.mode {
            CoaMode::ViaForeignAgent { .. } => {
                self.state = State::Discovering { direct_at: None };
                if self.agent.is_some() {
                    self.register_via_agent(now);
                } else {
                    self.solicit = Some(Solicit {
                        next_at: now.saturating_add(self.config.first_solicit_after_ms),
                        sent: 0,
                    });
                }
            }
            CoaMode::CoLocated { .. } => {
                if self.r_bit_applies() {
                    self.register_via_agent(now);
                } else if self.config.colocated_wait_ms == 0 {
                    self.register_direct(now);
                } else {
                    self.state = State::Discovering {
                        direct_at: Some(now.saturating_add(self.config.colocated_wait_ms)),
                    };
                }
            }
        }
    }

    /// A co-located MN heard an FA advertising R and must go through it.
    fn r_bit_applies(&self) -> bool {
        !self.config.ignore_r_bit
            && self
                .agent
                .as_ref()
                .is_some_and(|a| a.adv.flags.has(AdvFlags::R))
    }

    fn home_agent_field(&self) -> (Ipv4Addr, Option<Ipv4Addr>) {
        if let Some(ha) = self.assigned_ha {
            return (ha, None);
        }
        let fha = self.config.mode.fha();
        match self.config.ha_field {
            HaField::Fha => (fha.unwrap_or(Ipv4Addr::UNSPECIFIED), None),
            HaField::Unspecified => (Ipv4Addr::UNSPECIFIED, fha),
            HaField::HomeDomain => (Ipv4Addr::BROADCAST, fha),
        }
    }

    fn register_direct(&mut self, now: u64) {
        let CoaMode::CoLocated { coa, fha } = self.config.mode else {
            return;
        };
        let (home_agent, requested_ha) = self.home_agent_field();
        let dst = self.assigned_ha.unwrap_or(fha);
        self.begin(
            now,
            Target {
                dst,
                coa,
                colocated: true,
                via_fa: None,
                home_agent,
                // RFC 4433 §5.1.2: registering directly with ALL-ZERO-ONE-ADDR, the Requested
                // HA extension MUST name the HA the Request is sent to.
                requested_ha: requested_ha.map(|_| dst),
                challenge: None,
                max_lifetime: None,
            },
        );
    }

    fn register_via_agent(&mut self, now: u64) {
        let Some(agent) = self.agent.clone() else {
            return;
        };
        let (coa, colocated) = match self.config.mode {
            CoaMode::CoLocated { coa, .. } => (coa, true),
            // §2.4: "SHOULD pick the first address".
            CoaMode::ViaForeignAgent { .. } => match agent.adv.care_of_addresses.first() {
                Some(c) => (*c, false),
                None => return,
            },
        };
        let (home_agent, requested_ha) = self.home_agent_field();
        self.solicit = None;
        self.begin(
            now,
            Target {
                dst: agent.addr,
                coa,
                colocated,
                via_fa: Some(agent.addr),
                home_agent,
                requested_ha,
                challenge: agent.challenge.clone(),
                max_lifetime: Some(agent.adv.registration_lifetime),
            },
        );
    }

    fn begin(&mut self, now: u64, target: Target) {
        let mut lifetime = self.config.lifetime_s;
        if let Some(max) = target.max_lifetime {
            if !self.config.exceed_advertised_lifetime && max != LIFETIME_INFINITE {
                lifetime = lifetime.min(max);
            }
        }
        let timeout = if self.config.fast_retransmit {
            200
        } else {
            self.config.initial_timeout_ms.max(MIN_RETRANSMIT_MS)
        };
        let pending = Pending {
            target,
            lifetime,
            id: 0,
            last_sent: now,
            attempts: 0,
            timeout,
            next_at: now,
            repairs: 0,
            lapses_at: match &self.state {
                State::Registered { expires_at, .. } => *expires_at,
                State::Registering(p) => p.lapses_at,
                _ => None,
            },
            mn_ha: None,
            keygen: false,
        };
        self.send(now, pending);
    }

    fn next_identification(&mut self, now: u64) -> u64 {
        if let (true, Some(last)) = (self.config.reuse_identification, self.last_id) {
            return last;
        }
        let raw = (self.ids)(now);
        let high = ((raw >> 32) as i64).wrapping_add(self.id_offset) as u32;
        let mut id = u64::from(high) << 32 | (raw & 0xffff_ffff);
        if let Some(last) = self.last_id {
            if id <= last {
                id = last.wrapping_add(1);
            }
        }
        self.last_id = Some(id);
        id
    }

    /// The Request for `p` with Identification `id`, signed.
    fn request_bytes(&self, p: &Pending, id: u64) -> Vec<u8> {
        let c = &self.config;
        let t = &p.target;
        let mut flags = 0;
        if t.colocated {
            flags |= RrqFlags::D;
        }
        if c.reverse_tunnel {
            flags |= RrqFlags::T;
        }
        let nai = (!c.no_nai).then(|| Extension::Nai(c.nai.as_bytes().to_vec()));
        let mut extensions = Vec::new();
        if !c.nai_after_auth {
            extensions.extend(nai.clone());
        }
        if let Some(ha) = t.requested_ha {
            extensions.push(Extension::DynamicHa {
                subtype: ext::DYNAMIC_HA_REQUESTED,
                address: ha,
                short_form: false,
            });
        }
        // RFC 3957 §6.3: before MN-AAA; there is no MN-HA extension when it is asked for.
        if p.keygen {
            extensions.push(Extension::mn_ha_aaa_keygen_request(c.keygen_spi));
        }
        let req = Repr::Request(RegistrationRequest {
            flags: RrqFlags(flags),
            lifetime: p.lifetime,
            home_address: self.home_address.unwrap_or(Ipv4Addr::UNSPECIFIED),
            home_agent: t.home_agent,
            care_of_address: t.coa,
            identification: id,
            extensions,
        });
        let mut b = req
            .to_bytes()
            .expect("a Request of configured fields encodes");
        let sign = |b: &mut Vec<u8>, kind: u8, sa: &SecurityAssociation| {
            auth::append_authenticated(b, kind, sa.spi, &sa.key)
                .expect("the Request just encoded parses");
        };
        if let Some(sa) = &p.mn_ha {
            sign(&mut b, reg_ext::MN_HA_AUTH, sa);
        }
        if let Some(sa) = &c.mn_aaa {
            // RFC 4721 §3.1: with the FA's challenge, the Challenge extension precedes MN-AAA.
            if let (Some(ch), Some(_)) = (&t.challenge, t.via_fa) {
                b = push_extension(&b, Extension::MnFaChallenge(ch.clone()));
            }
            sign(&mut b, reg_ext::GENERALIZED_AUTH, sa);
            if sa.spi == auth::CHAP_SPI {
                // RFC 4721 §8's CHAP-style value for SPI 2, which an AAA server checks as
                // RADIUS CHAP (`aaa::dualstack`); a co-located MN has no FA challenge and
                // uses the fixed one (§3.1).
                let ch = match (&t.challenge, t.via_fa) {
                    (Some(ch), Some(_)) => ch.clone(),
                    _ => crate::aaa::dualstack::CO_LOCATED_CHALLENGE.to_vec(),
                };
                let at = auth::find_extension(&b, reg_ext::GENERALIZED_AUTH)
                    .expect("the MN-AAA extension was just appended");
                let value = auth::chap_authenticator(&b, at, &sa.key, &ch)
                    .expect("the Request just encoded parses");
                let n = b.len();
                b[n - auth::AUTHENTICATOR_LEN..].copy_from_slice(&value);
            }
        }
        if c.nai_after_auth {
            if let Some(n) = nai {
                b = push_extension(&b, n);
            }
        }
        if c.reverse_tunnel && c.encapsulating_delivery && t.via_fa.is_some() {
            // RFC 3024 §3.3: after the MN-HA (here: the home authentication) extension,
            // before MN-FA; for the FA only, which consumes it.
            b = push_extension(
                &b,
                Extension::Raw(RawExtension {
                    kind: reg_ext::ENCAPSULATING_DELIVERY,
                    form: Form::Plain,
                    data: Vec::new(),
                }),
            );
        }
        if let (Some(sa), Some(_)) = (&c.mn_fa, t.via_fa) {
            sign(&mut b, reg_ext::MN_FA_AUTH, sa);
        }
        b
    }

    /// RFC 5944 §3.6.1.1: the co-located CoA; else the home address; else 0.0.0.0.
    fn source_for(&self, t: &Target) -> Ipv4Addr {
        if t.colocated {
            t.coa
        } else {
            self.home_address.unwrap_or(Ipv4Addr::UNSPECIFIED)
        }
    }

    fn send(&mut self, now: u64, mut p: Pending) {
        let id = self.next_identification(now);
        p.id = id;
        p.attempts += 1;
        p.last_sent = now;
        p.next_at = now.saturating_add(p.timeout);
        p.mn_ha = self.mn_ha_sa(now).cloned();
        p.keygen =
            p.mn_ha.is_none() && self.config.mn_aaa.is_some() && !self.config.no_keygen_request;
        let payload = self.request_bytes(&p, id);
        self.transmits.push_back(Transmit {
            dst: SocketAddr::V4(SocketAddrV4::new(p.target.dst, PORT)),
            payload,
        });
        let mut flags = RrqFlags(0);
        flags.0 |= if p.target.colocated { RrqFlags::D } else { 0 };
        flags.0 |= if self.config.reverse_tunnel {
            RrqFlags::T
        } else {
            0
        };
        self.events.push_back(MnEvent::RequestSent {
            identification: id,
            attempt: p.attempts,
            src: self.source_for(&p.target),
            dst: p.target.dst,
            home_address: self.home_address.unwrap_or(Ipv4Addr::UNSPECIFIED),
            home_agent: p.target.home_agent,
            care_of_address: p.target.coa,
            lifetime_s: p.lifetime,
            flags: flags.letters(),
            via_foreign_agent: p.target.via_fa.is_some(),
        });
        self.state = State::Registering(p);
    }

    fn random_factor(&mut self) -> f64 {
        let mut b = [0u8; 4];
        (self.rng)(&mut b);
        0.9 + 0.2 * f64::from(u32::from_be_bytes(b)) / f64::from(u32::MAX)
    }

    fn send_solicitation(&mut self, now: u64, mut s: Solicit) {
        let payload = IcmpRepr::Solicitation(AgentSolicitation::default())
            .to_bytes()
            .expect("a solicitation encodes");
        self.transmits.push_back(Transmit {
            dst: SocketAddr::V4(SocketAddrV4::new(ALL_MOBILITY_AGENTS, 0)),
            payload,
        });
        s.sent += 1;
        self.events
            .push_back(MnEvent::SolicitationSent { count: s.sent });
        // §2.4: three at one per second, then doubling up to the maximum.
        let nominal = if s.sent < INITIAL_SOLICITATIONS {
            1_000
        } else {
            let doublings = (s.sent - INITIAL_SOLICITATIONS + 1).min(20);
            (1_000u64 << doublings).min(self.config.max_solicit_interval_ms.max(1_000))
        };
        let interval = (nominal as f64 * self.random_factor()).round() as u64;
        s.next_at = now.saturating_add(interval.max(1));
        self.solicit = Some(s);
    }

    fn on_icmp(&mut self, now: u64, src: Ipv4Addr, payload: &[u8]) {
        let ignore = |me: &mut Self, reason: String| {
            me.events
                .push_back(MnEvent::AdvertisementIgnored { from: src, reason })
        };
        let Ok(packet) = IcmpPacket::new_checked(payload) else {
            return ignore(self, "not an ICMP Router Discovery message".into());
        };
        if !packet.verify_checksum() {
            return ignore(self, "bad ICMP checksum".into());
        }
        let adv = match IcmpRepr::parse(&packet) {
            Ok(IcmpRepr::Advertisement(a)) => a,
            Ok(IcmpRepr::Solicitation(_)) => return,
            Err(e) => return ignore(self, format!("malformed: {e}")),
        };
        let Some(m) = adv.mobility_agent().cloned() else {
            return ignore(self, "no Mobility Agent Advertisement extension".into());
        };
        if !m.flags.has(AdvFlags::F) {
            return ignore(self, "F not set: no foreign agent service".into());
        }
        let ours = self.current_fa() == Some(src);
        if m.flags.has(AdvFlags::B) && !ours {
            return ignore(self, "B set: the FA takes no new registrations".into());
        }
        if m.care_of_addresses.is_empty()
            && matches!(self.config.mode, CoaMode::ViaForeignAgent { .. })
        {
            return ignore(self, "F set but no care-of address (§2.1.1 MUST)".into());
        }
        let previous = self.agent.replace(Agent {
            addr: src,
            adv: m.clone(),
            challenge: adv.challenge().map(<[u8]>::to_vec),
        });
        if previous.as_ref().map(|a| a.addr) != Some(src) {
            self.events.push_back(MnEvent::AgentDiscovered {
                agent: src,
                sequence: m.sequence,
                flags: m.flags.letters(),
                care_of_addresses: m.care_of_addresses.clone(),
                registration_lifetime_s: m.registration_lifetime,
            });
        }
        match &self.state {
            State::Discovering { .. } => match self.config.mode {
                CoaMode::ViaForeignAgent { .. } => self.register_via_agent(now),
                CoaMode::CoLocated { .. } if self.r_bit_applies() => self.register_via_agent(now),
                CoaMode::CoLocated { .. } => self.register_direct(now),
            },
            State::Registering(p) if p.target.via_fa.is_none() && self.r_bit_applies() => {
                self.register_via_agent(now)
            }
            State::Registered { target, .. } => {
                let rebooted = ours
                    && previous
                        .as_ref()
                        .is_some_and(|a| m.sequence < a.adv.sequence && m.sequence < 256);
                let r_now = target.via_fa.is_none() && self.r_bit_applies();
                // §2.4.4: a drop to 0..255 means the FA rebooted: register again.
                if rebooted || r_now {
                    self.register_via_agent(now);
                }
            }
            _ => {}
        }
    }

    fn current_fa(&self) -> Option<Ipv4Addr> {
        match &self.state {
            State::Registering(p) => p.target.via_fa,
            State::Registered { target, .. } => target.via_fa,
            _ => None,
        }
    }

    fn drop_reply(&mut self, from: SocketAddr, reason: DropReason) {
        self.events
            .push_back(MnEvent::ReplyDropped { from, reason });
    }

    fn on_udp(&mut self, now: u64, from: SocketAddr, payload: &[u8]) {
        let reply = match Repr::from_bytes(payload) {
            Ok(Repr::Reply(r)) => r,
            Ok(Repr::Request(_)) => return self.drop_reply(from, DropReason::NotReply),
            Err(e) => return self.drop_reply(from, DropReason::Malformed(e.to_string())),
        };
        if let Some(i) = ext::must_discard(&reply.extensions, ext::Space::Registration) {
            let k = reply.extensions[i].kind();
            return self.drop_reply(from, DropReason::UnknownExtension(k));
        }
        let State::Registering(p) = &self.state else {
            return self.drop_reply(from, DropReason::NotExpected);
        };
        let p = p.clone();
        if !self.config.skip_identification_check && low32(reply.identification) != low32(p.id) {
            return self.drop_reply(
                from,
                DropReason::IdentificationMismatch {
                    got: low32(reply.identification),
                    want: low32(p.id),
                },
            );
        }
        let code = u8::from(reply.code);
        // §3.6.2.1 a: with an MN-FA SA, exactly one valid MN-FA extension.
        if let (Some(sa), Some(_)) = (&self.config.mn_fa, p.target.via_fa) {
            if let Err(r) = check_auth(payload, &reply.extensions, reg_ext::MN_FA_AUTH, sa) {
                return self.drop_reply(from, r);
            }
        }
        // §3.6.2.1 b: the HA's codes carry exactly one valid MN-HA extension; after a KeyGen
        // Request, one made with the key the reply's KeyGen Reply derives (RFC 3957 §3).
        if code_from_home_agent(code) {
            match (&p.mn_ha, &self.config.mn_aaa) {
                (None, Some(aaa)) if p.keygen && !self.config.skip_keygen_check => {
                    let id = match self.config.no_nai {
                        false => self.config.nai.as_bytes().to_vec(),
                        true => self
                            .home_address
                            .unwrap_or(Ipv4Addr::UNSPECIFIED)
                            .octets()
                            .to_vec(),
                    };
                    match super::keygen::keyed_sa(payload, &reply.extensions, aaa, &id) {
                        Ok((sa, lifetime_s)) => {
                            let until = now.saturating_add(u64::from(lifetime_s) * 1_000);
                            let spi = sa.spi;
                            self.derived_mn_ha = Some((sa, Some(until)));
                            self.events
                                .push_back(MnEvent::MnHaKeyDerived { spi, lifetime_s });
                        }
                        Err(r) => return self.drop_reply(from, r),
                    }
                }
                (Some(sa), _) if !self.config.skip_mn_ha_check => {
                    let exts = &reply.extensions;
                    if let Err(r) = check_auth(payload, exts, reg_ext::MN_HA_AUTH, sa) {
                        return self.drop_reply(from, r);
                    }
                }
                _ => {}
            }
        }
        if reply.code.is_accepted() {
            self.accepted(now, p, &reply);
        } else {
            self.denied(now, p, &reply);
        }
    }

    fn accepted(&mut self, _now: u64, p: Pending, reply: &RegistrationReply) {
        if reply.lifetime == 0 {
            self.state = State::Stopped;
            self.events.push_back(MnEvent::Deregistered);
            return;
        }
        // Items only from what the MN-HA authenticator covers (§3.5.1).
        let checked = (p.mn_ha.is_some() && !self.config.skip_mn_ha_check)
            || (p.keygen && !self.config.skip_keygen_check);
        let covered = match checked {
            true => {
                let end = reply
                    .extensions
                    .iter()
                    .position(|e| e.kind() == reg_ext::MN_HA_AUTH)
                    .unwrap_or(reply.extensions.len());
                &reply.extensions[..end]
            }
            false => &reply.extensions[..],
        };
        let mut items = read_items(&self.config.profile, reply, covered);
        if self.config.ignore_ipv6_items {
            items = ProfileItems {
                thoa_v4: items.thoa_v4,
                fha_address: items.fha_address,
                ..ProfileItems::default()
            };
        }
        // The HA may not raise the Lifetime (RFC 5944 §3.4); time it from the send (§3.6.2.2).
        let granted = reply.lifetime.min(p.lifetime);
        let (expires_at, reregister_at) = if granted == LIFETIME_INFINITE {
            (None, None)
        } else {
            let ms = u64::from(granted) * 1_000;
            let rereg = (ms * 3 / 4).max(MIN_RETRANSMIT_MS).min(ms);
            (
                Some(p.last_sent.saturating_add(ms)),
                Some(p.last_sent.saturating_add(rereg)),
            )
        };
        if !reply.home_address.is_unspecified() {
            self.home_address = Some(reply.home_address);
        }
        if !is_all_zero_one(reply.home_agent) {
            self.assigned_ha = Some(reply.home_agent);
        }
        let mut target = p.target.clone();
        if let Some(ha) = self.assigned_ha {
            target.home_agent = ha;
            target.requested_ha = None;
            if target.via_fa.is_none() {
                target.dst = ha;
            }
        }
        let reg = Registration {
            code: u8::from(reply.code),
            lifetime_s: granted,
            home_address: reply.home_address,
            home_agent: reply.home_agent,
            care_of_address: p.target.coa,
            via_foreign_agent: p.target.via_fa,
            identification: p.id,
            sent_at: p.last_sent,
            expires_at,
            items,
        };
        self.events.push_back(MnEvent::Registered(reg.clone()));
        self.state = State::Registered {
            reg,
            target,
            reregister_at,
            expires_at,
        };
    }

    fn denied(&mut self, now: u64, mut p: Pending, reply: &RegistrationReply) {
        let code = u8::from(reply.code);
        let repair = |what: &str| MnEvent::Repairing {
            code,
            what: what.to_owned(),
        };
        if p.repairs < self.config.max_repairs {
            let fixed = match reply.code {
                // §3.6.2.3: retry with a Lifetime no longer than the reply's.
                ReplyCode::FaLifetimeTooLong
                    if reply.lifetime > 0 && reply.lifetime < p.lifetime =>
                {
                    p.lifetime = reply.lifetime;
                    Some(repair("lifetime lowered to the FA's maximum"))
                }
                // §3.6.2.3, §5.7.1: the HA's high 32 bits are its time of day.
                ReplyCode::HaIdentificationMismatch => {
                    let theirs = (reply.identification >> 32) as i64;
                    let ours = (p.id >> 32) as i64 - self.id_offset;
                    self.id_offset = theirs - ours;
                    Some(repair("Identification resynchronised with the HA's clock"))
                }
                // §3.6.2.3: the reply's Home Agent field is the HA's unicast address.
                ReplyCode::HaUnknownHaAddress if !is_all_zero_one(reply.home_agent) => {
                    p.target.home_agent = reply.home_agent;
                    if p.target.via_fa.is_none() {
                        p.target.dst = reply.home_agent;
                    }
                    Some(repair("home agent address from the reply"))
                }
                // RFC 4433 §5.1: register with the Redirected HA, named in a Requested HA ext.
                ReplyCode::RedirectHa => redirected_ha(&reply.extensions).map(|ha| {
                    p.target.requested_ha = Some(ha);
                    if p.target.via_fa.is_none() {
                        p.target.dst = ha;
                    }
                    repair("redirected home agent")
                }),
                _ => None,
            };
            if let Some(ev) = fixed {
                self.events.push_back(ev);
                p.repairs += 1;
                p.attempts = 0;
                // §3.6: never more than one Request per second.
                let at = p.last_sent.saturating_add(MIN_RETRANSMIT_MS).max(now);
                p.next_at = at;
                p.timeout = self.config.initial_timeout_ms.max(MIN_RETRANSMIT_MS);
                if at <= now {
                    self.send(now, p);
                } else {
                    // Sent when the timer fires; attempts 0 marks a repair, not a timeout.
                    self.state = State::Registering(p);
                }
                return;
            }
        }
        self.events.push_back(MnEvent::Denied {
            code,
            name: reply.code.name().map(str::to_owned),
            by_home_agent: code_from_home_agent(code),
            lifetime_s: reply.lifetime,
        });
        self.state = State::Stopped;
    }
}

/// The redirected HA of a REDIRECT-HA-REQ reply (RFC 4433 §3.4 subtype 2).
fn redirected_ha(extensions: &[Extension]) -> Option<Ipv4Addr> {
    extensions.iter().find_map(|e| match e {
        Extension::DynamicHa {
            subtype: ext::DYNAMIC_HA_REDIRECTED,
            address,
            ..
        } => Some(*address),
        _ => None,
    })
}

/// Exactly one extension of `kind`, carrying the right authenticator for `sa`.
pub(crate) fn check_auth(
    msg: &[u8],
    extensions: &[Extension],
    kind: u8,
    sa: &SecurityAssociation,
) -> Result<(), DropReason> {
    let count = count_kind(extensions, kind);
    let bad = DropReason::Authentication { kind, count };
    if count != 1 {
        return Err(bad);
    }
    let spi_ok = extensions
        .iter()
        .any(|e| e.kind() == kind && e.spi_and_authenticator().is_some_and(|(s, _)| s == sa.spi));
    let at = auth::find_extension(msg, kind).map_err(|_| bad.clone())?;
    match auth::verify(msg, at, &sa.key) {
        Ok(true) if spi_ok => Ok(()),
        _ => Err(bad),
    }
}

/// `msg` re-emitted with `e` appended (the codec round-trips, so earlier octets are kept).
pub(crate) fn push_extension(msg: &[u8], e: Extension) -> Vec<u8> {
    let mut r = Repr::from_bytes(msg).expect("a message this engine encoded parses");
    r.extensions_mut().push(e);
    r.to_bytes().expect("an extension of configured data fits")
}

impl SansIo for Mip4Client {
    type Input<'a> = MnInput<'a>;
    type Event = MnEvent;

    fn handle_input(&mut self, now: u64, input: MnInput<'_>) {
        match input {
            MnInput::Icmp(d) => {
                let SocketAddr::V4(src) = d.src else { return };
                self.on_icmp(now, *src.ip(), d.payload);
            }
            MnInput::Udp(d) => self.on_udp(now, d.src, d.payload),
        }
    }

    fn handle_timeout(&mut self, now: u64) {
        if let Some(s) = self.solicit {
            if s.next_at <= now && matches!(self.state, State::Discovering { .. }) {
                self.send_solicitation(now, s);
            }
        }
        match self.state.clone() {
            State::Discovering {
                direct_at: Some(at),
            } if at <= now => self.register_direct(now),
            State::Registering(mut p) if p.lapses_at.is_some_and(|l| l <= now) => {
                self.events.push_back(MnEvent::Expired);
                p.lapses_at = None;
                self.state = State::Registering(p);
                self.handle_timeout(now);
            }
            State::Registering(mut p) if p.next_at <= now => {
                if p.attempts == 0 {
                    // A repair waiting out the one-second spacing.
                    return self.send(now, p);
                }
                if p.attempts >= self.config.max_attempts {
                    self.events.push_back(MnEvent::GaveUp {
                        attempts: p.attempts,
                    });
                    self.state = State::Stopped;
                    return;
                }
                if !self.config.fast_retransmit {
                    // §3.6.3: at least twice the previous, capped at the requested Lifetime.
                    let cap = (u64::from(p.lifetime) * 1_000).max(MIN_RETRANSMIT_MS);
                    p.timeout = p.timeout.saturating_mul(2).min(cap);
                }
                self.send(now, p);
            }
            State::Registered {
                target,
                reregister_at: Some(r),
                ..
            } if r <= now => self.begin(now, target),
            _ => {}
        }
    }

    fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    fn poll_event(&mut self) -> Option<MnEvent> {
        self.events.pop_front()
    }

    fn next_timeout(&self) -> Option<u64> {
        let solicit = match self.state {
            State::Discovering { .. } => self.solicit.map(|s| s.next_at),
            _ => None,
        };
        let state = match &self.state {
            State::Discovering { direct_at } => *direct_at,
            State::Registering(p) => Some(p.lapses_at.map_or(p.next_at, |l| l.min(p.next_at))),
            State::Registered { reregister_at, .. } => *reregister_at,
            _ => None,
        };
        [solicit, state].into_iter().flatten().min()
    }
}
