//! The foreign agent of the dual-stack scenario (draft-qin-mip6-dsbootstrapping-00 §4.1.2,
//! §4.2.2: the NAS/FA "Relay"s the MN's registration to the FHA and its reply back), sans-IO.
//!
//! **Advertisements** (RFC 5944 §2.1, §2.1.1, §2.3): ICMP Router Advertisements with the
//! Mobility Agent Advertisement extension (type 16): F set, R when
//! [`ForeignAgentConfig::registration_required`] (never without F, §2.1.1 MUST NOT), T when it
//! offers reverse tunnels (RFC 3024 §3.1), its care-of addresses (at least one with F, MUST),
//! the longest Registration Lifetime it accepts. Sequence numbers start at 0 and go up by one,
//! 0xffff being followed by 256 (§2.3.2 MUST). Sent every
//! [`ForeignAgentConfig::adv_interval_ms`] (no longer than a third of the ICMP Lifetime, §2.1
//! SHOULD), randomized ±10 % (SHOULD), to 224.0.0.1; a solicitation is answered unicast to its
//! source, or multicast when the source is 0.0.0.0, multicast answers no more often than once
//! a second (§2.3: MUST limit the rate). The Transmits of ICMP messages carry port 0.
//!
//! **Requests from the MN** (RFC 5944 §3.7.2; RFC 2794 §3; RFC 3024 §4.2; RFC 4433 §5.2): the
//! checks below, in this order, each denial a Reply with the Request's Home Address, Home Agent
//! and Identification (§3.7.2.3), no more than one a second to one MN (§3.7.2):
//! reserved bits set or extensions malformed → 70; the NAI after an authentication extension
//! (RFC 2794 §2) → 70; Home Address 0.0.0.0 without an NAI → 70; no authorization-enabling
//! extension, MN-HA or MN-AAA (§3.3 MUST) → 70; MN-FA missing, doubled or wrong when an MN-FA
//! SA exists → silently discarded and 67 (§3.7.2.1); D clear, Lifetime non-zero and a CoA it
//! does not offer → 77; T set and no reverse tunnels → 74, T clear and reverse tunnels
//! mandatory → 75 (RFC 3024 §4.2.1); Lifetime above its maximum → 69 with the maximum
//! (§3.7.2.3); the Home Agent field one of its own addresses → 194 (§3.7.2); Home Agent
//! ALL-ZERO-ONE-ADDR: forwarded to the Requested HA extension's address, else to the FHA the
//! NAI's realm maps to ([`ForeignAgentConfig::fha_by_realm`]), else 90 NONZERO-HA-REQD (RFC 4433
//! §5.2); more pending than [`ForeignAgentConfig::max_pending`] → 66 (§3.7.1).
//!
//! **Relaying** (RFC 5944 §3.7.2.2): the Request unchanged through the last
//! authorization-enabling extension (MN-HA 32 or MN-AAA 36), the extensions after it (MN-FA,
//! FA-only ones) processed and removed, an FA-HA extension (34) appended when an FA-HA SA with
//! that HA exists and the Lifetime is non-zero (MUST). The driver sends it from the care-of
//! address (§3.7.2.2 "IP Source Address: the care-of address"), to the HA, port 434. Pending
//! entries are keyed by the NAI when the Home Address is 0.0.0.0 (RFC 2794 §3 MUST), else by the
//! Home Address, with the Identification; one pending for more than
//! [`ForeignAgentConfig::pending_timeout_ms`] (7 s, §3.7.1 MAY) is denied with 78.
//!
//! **Replies from the HA** (RFC 5944 §3.7.3): matched by Home Address (the NAI disambiguating)
//! or by NAI for a zero-Home-Address request, and by the low 32 bits of Identification, else
//! silently discarded; FA-HA checked when an SA exists ("exactly one", else discarded and 68 to
//! the MN); for an NAI request that was accepted, no NAI → 97, Home Agent 0 → 98, Home Address
//! 0 → 99 (RFC 2794 §3 SHOULD change the Code; applied to accepted replies only, since a
//! denial need not assign an address). Extensions the MN-HA authenticator does not cover and
//! the FA-HA extension are removed, MN-FA appended when an MN-FA SA exists (§3.7.3.2). Sent to
//! the reply's Home Address, or 255.255.255.255 when it is 0.0.0.0 (§3.7.2.3), at the MN's
//! port. The visitor list then holds accepted registrations for min(granted, own maximum).
//!
//! Not covered: the IP TTL 255 check of RFC 3024 §4.2.1 (code 76; the driver sees the TTL),
//! challenges (RFC 4721), and acting as home agent for a Request naming it.

use super::mn::check_auth;
use super::{
    count_kind, denial_for, is_all_zero_one, low32, nai_of, realm_of, SecurityAssociation,
};
use crate::io::{Datagram, SansIo, Transmit};
use mip6lab_wire::dsprofile::Profile;
use mip6lab_wire::mip4::agent::{ALL_SYSTEMS, CODE_NOT_COMMON_TRAFFIC, CODE_ROUTES_COMMON_TRAFFIC};
use mip6lab_wire::mip4::{
    auth, ext, reg_ext, AdvFlags, AgentAdvertisement, Extension, IcmpPacket, IcmpRepr,
    MobilityAgentAdvertisement, Packet, RegistrationReply, RegistrationRequest, ReplyCode, Repr,
    RouterAddress, RrqFlags, LIFETIME_INFINITE, PORT,
};
use serde::Serialize;
use std::collections::{BTreeMap, VecDeque};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, SocketAddrV4};

/// The random source for advertisement jitter: fills the buffer.
pub type RngFn = Box<dyn FnMut(&mut [u8]) + Send>;

/// Denials to one MN no more often than this (RFC 5944 §3.7.2).
pub const DENIAL_SPACING_MS: u64 = 1_000;
/// Multicast advertisements no more often than this (RFC 5944 §2.3: MUST limit the rate).
pub const MIN_MULTICAST_GAP_MS: u64 = 1_000;

/// The foreign agent's settings. [`ForeignAgentConfig::new`] conforms; the fields marked
/// "knob" each break the requirement their documentation names.
#[derive(Debug, Clone)]
pub struct ForeignAgentConfig {
    /// Its address on the MN's link (advertisement source, the MN's RRQ destination).
    pub address: Ipv4Addr,
    /// How the Replies carry the dual-stack items it reads for its visitors.
    pub profile: Profile,
    /// The care-of addresses it offers (§3.7.1: "MUST be configured with a care-of address").
    pub care_of_addresses: Vec<Ipv4Addr>,
    /// The ICMP Lifetime of its advertisements, seconds.
    pub adv_lifetime_s: u16,
    pub adv_interval_ms: u64,
    /// The longest registration Lifetime it accepts (advertised; 69 above it).
    pub registration_lifetime_s: u16,
    /// R: registration through it required even with a co-located CoA (§2.1.1).
    pub registration_required: bool,
    /// T: it offers reverse tunnels (RFC 3024 §3.1).
    pub reverse_tunnel: bool,
    /// Deny Requests without T with 75 (RFC 3024 §4.2.1 MAY).
    pub reverse_tunnel_mandatory: bool,
    /// ICMP Code 0 (routes common traffic) or 16 (§2.1).
    pub routes_common_traffic: bool,
    /// Realm → FHA, for Requests with Home Agent ALL-ZERO-ONE-ADDR (RFC 4433 §5.2: "means
    /// outside the scope of this specification").
    pub fha_by_realm: Vec<(String, Ipv4Addr)>,
    /// FA-HA SAs by home agent (§3.7.1).
    pub fa_ha: Vec<(Ipv4Addr, SecurityAssociation)>,
    /// MN-FA SAs by NAI (§3.7.1, §3.7.2.1).
    pub mn_fa: Vec<(String, SecurityAssociation)>,
    /// How long a Request may stay pending before 78 (§3.7.1: MAY after 7 s).
    pub pending_timeout_ms: u64,
    /// §3.7.1: "MAY configure a maximum number of pending registrations (typically 5)".
    pub max_pending: usize,
    /// The first sequence number. §2.3.2: MUST be 0 after booting; tests start near the wrap.
    pub initial_sequence: u16,
    /// Knob: advertise without F. Breaks RFC 5944 §2.1.1 (R MUST NOT be set without F; an
    /// FA's service is announced by F).
    pub clear_f_bit: bool,
    /// Knob: advertise F with no care-of address. Breaks RFC 5944 §2.1.1 ("MUST include at
    /// least one care-of address if the 'F' bit is set").
    pub omit_care_of_addresses: bool,
    /// Knob: 0xffff is followed by 0. Breaks RFC 5944 §2.3.2 ("MUST be followed by sequence
    /// number 256").
    pub sequence_wraps_to_zero: bool,
    /// Knob: relay without FA-HA although an FA-HA SA exists. Breaks RFC 5944 §3.7.1,
    /// §3.7.2.2 (MUST add).
    pub skip_fa_ha_auth: bool,
    /// Knob: relay a reply whose FA-HA extension is missing or wrong. Breaks RFC 5944 §3.7.3.1
    /// (MUST check, MUST silently discard).
    pub skip_fa_ha_check: bool,
    /// Knob: relay a Request whose MN-FA extension is missing or wrong. Breaks RFC 5944
    /// §3.7.2.1 (MUST check, MUST silently discard).
    pub skip_mn_fa_check: bool,
    /// Knob: relay a Request whose Lifetime exceeds the maximum. Breaks RFC 5944 §3.7.2.3
    /// (deny with 69) and its own advertised Registration Lifetime (§2.1.1).
    pub ignore_lifetime_limit: bool,
    /// Knob: lower a too-long Lifetime in the relayed Request instead of denying. Breaks RFC
    /// 5944 §3.7.2.2 ("MUST NOT modify any of the fields beginning with the fixed portion").
    pub clamp_lifetime_in_relay: bool,
    /// Knob: relay an accepted reply to an NAI request unchanged when it lacks the NAI, the
    /// Home Agent or the Home Address. Breaks RFC 2794 §3 (SHOULD change the Code to 97/98/99).
    pub skip_nai_reply_checks: bool,
    /// Knob: relay the reply's extensions after MN-HA. Breaks RFC 5944 §3.7.3.2 ("MUST process
    /// and remove any Extensions that are not covered").
    pub keep_uncovered_extensions: bool,
    /// Knob: deny Requests with Home Address 0.0.0.0 with 96 NONZERO_HOMEADDR_REQD (an FA
    /// that cannot key by NAI, RFC 2794 §3). Conformant for such an FA, but it breaks the
    /// draft's dynamic THoAv4 (§4.1.1).
    pub nai_keying_unsupported: bool,
}

impl ForeignAgentConfig {
    pub fn new(address: Ipv4Addr, care_of_addresses: Vec<Ipv4Addr>) -> ForeignAgentConfig {
        ForeignAgentConfig {
            address,
            profile: Profile::lab(),
            care_of_addresses,
            adv_lifetime_s: 90,
            adv_interval_ms: 30_000,
            registration_lifetime_s: 1800,
            registration_required: false,
            reverse_tunnel: true,
            reverse_tunnel_mandatory: false,
            routes_common_traffic: true,
            fha_by_realm: Vec::new(),
            fa_ha: Vec::new(),
            mn_fa: Vec::new(),
            pending_timeout_ms: 7_000,
            max_pending: 5,
            initial_sequence: 0,
            clear_f_bit: false,
            omit_care_of_addresses: false,
            sequence_wraps_to_zero: false,
            skip_fa_ha_auth: false,
            skip_fa_ha_check: false,
            skip_mn_fa_check: false,
            ignore_lifetime_limit: false,
            clamp_lifetime_in_relay: false,
            skip_nai_reply_checks: false,
            keep_uncovered_extensions: false,
            nai_keying_unsupported: false,
        }
    }

    fn fa_ha_for(&self, ha: Ipv4Addr) -> Option<&SecurityAssociation> {
        self.fa_ha.iter().find(|(a, _)| *a == ha).map(|(_, s)| s)
    }

    fn mn_fa_for(&self, nai: Option<&[u8]>) -> Option<&SecurityAssociation> {
        let nai = nai?;
        self.mn_fa
            .iter()
            .find(|(n, _)| n.as_bytes() == nai)
            .map(|(_, s)| s)
    }

    fn is_own(&self, a: Ipv4Addr) -> bool {
        a == self.address || self.care_of_addresses.contains(&a)
    }
}

/// What the foreign agent takes in.
#[derive(Debug, Clone, Copy)]
pub enum FaInput<'a> {
    /// An ICMP message from the MN's link (an Agent Solicitation) and its IP source.
    Icmp(Datagram<'a>),
    /// A UDP 434 datagram: a Request from an MN or a Reply from a home agent.
    Udp(Datagram<'a>),
    /// An ICMP error for a Request relayed to this home agent (§3.7.3: deny with 80–95).
    HaUnreachable { home_agent: Ipv4Addr },
}

/// What a driver logs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum FaEvent {
    AdvertisementSent {
        sequence: u16,
        to: Ipv4Addr,
    },
    /// A Request relayed to a home agent.
    Relayed {
        nai: Option<String>,
        home_address: Ipv4Addr,
        home_agent: Ipv4Addr,
        identification: u64,
        fa_ha: bool,
    },
    /// A Reply the FA generated to deny a Request (`sent` false when rate-limited).
    Denied {
        to: SocketAddr,
        code: u8,
        reason: String,
        sent: bool,
    },
    /// A message silently discarded (security exceptions included).
    Discarded {
        from: SocketAddr,
        reason: String,
    },
    /// A home agent's Reply relayed to the MN; `code_rewritten` the HA's Code when the FA
    /// changed it (RFC 2794 §3).
    ReplyRelayed {
        to: SocketAddr,
        code: u8,
        code_rewritten: Option<u8>,
        home_address: Ipv4Addr,
        lifetime_s: u16,
    },
    VisitorAdded {
        nai: Option<String>,
        home_address: Ipv4Addr,
        care_of_address: Ipv4Addr,
        lifetime_s: u16,
        /// The reply's Home Agent: the tunnel's far end.
        home_agent: Ipv4Addr,
        /// Whether it asked for the Encapsulating Delivery Style (RFC 3024 §5.2): its
        /// packets come tunnelled from its home address and are re-tunnelled to the HA.
        encapsulating_delivery: bool,
        /// The dual-stack items of the accepted Reply, read through the profile (draft
        /// §4.1.2: the FA supports the IPv6 HoA, IPv6 CoA, THoAv4 extensions), for routing
        /// the visitor's IPv6 traffic.
        items: super::ProfileItems,
    },
    VisitorRemoved {
        nai: Option<String>,
        home_address: Ipv4Addr,
        reason: String,
    },
}

/// A Request relayed and not yet answered.
#[derive(Debug, Clone)]
struct Pending {
    mn: SocketAddr,
    nai: Option<Vec<u8>>,
    home_address: Ipv4Addr,
    home_agent_field: Ipv4Addr,
    /// Where it was relayed.
    ha: Ipv4Addr,
    care_of_address: Ipv4Addr,
    identification: u64,
    lifetime: u16,
    deadline: u64,
    /// T set with the Encapsulating Delivery Style extension (RFC 3024 §3.3).
    encapsulating_delivery: bool,
}

impl Pending {
    /// The fields a denial copies.
    fn as_request(&self) -> RegistrationRequest {
        RegistrationRequest {
            flags: RrqFlags(0),
            lifetime: self.lifetime,
            home_address: self.home_address,
            home_agent: self.home_agent_field,
            care_of_address: self.care_of_address,
            identification: self.identification,
            extensions: self.nai.clone().map(Extension::Nai).into_iter().collect(),
        }
    }

    /// Same MN and same Identification (a retransmission replaces the entry).
    fn same(&self, other: &Pending) -> bool {
        self.identification == other.identification && self.key() == other.key()
    }

    /// RFC 2794 §3: the NAI keys a zero-Home-Address request, the Home Address others.
    fn key(&self) -> (Ipv4Addr, Option<&[u8]>) {
        if self.home_address.is_unspecified() {
            (self.home_address, self.nai.as_deref())
        } else {
            (self.home_address, None)
        }
    }
}

/// An entry of the visitor list (§3.7.1).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Visitor {
    nai: Option<Vec<u8>>,
    home_address: Ipv4Addr,
    care_of_address: Ipv4Addr,
    home_agent: Ipv4Addr,
    mn: SocketAddr,
    expires_at: Option<u64>,
}

/// The foreign agent.
pub struct ForeignAgent {
    config: ForeignAgentConfig,
    rng: RngFn,
    started: bool,
    sequence: u16,
    next_adv_at: u64,
    last_multicast_at: Option<u64>,
    pending: Vec<Pending>,
    visitors: Vec<Visitor>,
    last_denial: BTreeMap<SocketAddr, u64>,
    transmits: VecDeque<Transmit>,
    events: VecDeque<FaEvent>,
}

impl std::fmt::Debug for ForeignAgent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ForeignAgent")
            .field("sequence", &self.sequence)
            .field("pending", &self.pending)
            .field("visitors", &self.visitors)
            .finish_non_exhaustive()
    }
}

fn text(nai: Option<&[u8]>) -> Option<String> {
    nai.map(|n| String::from_utf8_lossy(n).into_owned())
}

fn v4(a: Ipv4Addr, port: u16) -> SocketAddr {
    SocketAddr::V4(SocketAddrV4::new(a, port))
}

impl ForeignAgent {
    pub fn new(config: ForeignAgentConfig, rng: RngFn) -> ForeignAgent {
        ForeignAgent {
            sequence: config.initial_sequence,
            config,
            rng,
            started: false,
            next_adv_at: 0,
            last_multicast_at: None,
            pending: Vec::new(),
            visitors: Vec::new(),
            last_denial: BTreeMap::new(),
            transmits: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    pub fn config(&self) -> &ForeignAgentConfig {
        &self.config
    }

    /// Starts advertising: the first advertisement at once.
    pub fn start(&mut self, now: u64) {
        self.started = true;
        self.multicast_advertisement(now);
    }

    /// Requests relayed and not answered yet.
    pub fn pending_count(&self) -> usize {
        self.pending.len()
    }

    /// (NAI, home address, care-of address) of each visitor.
    pub fn visitors(&self) -> Vec<(Option<String>, Ipv4Addr, Ipv4Addr)> {
        self.visitors
            .iter()
            .map(|v| (text(v.nai.as_deref()), v.home_address, v.care_of_address))
            .collect()
    }

    /// The advertisement with the next sequence number (§2.3.2).
    fn advertisement(&mut self) -> (u16, Vec<u8>) {
        let c = &self.config;
        let mut flags = 0;
        if !c.clear_f_bit {
            flags |= AdvFlags::F;
        }
        if c.registration_required {
            flags |= AdvFlags::R;
        }
        if c.reverse_tunnel {
            flags |= AdvFlags::T;
        }
        let sequence = self.sequence;
        let repr = IcmpRepr::Advertisement(AgentAdvertisement {
            code: if c.routes_common_traffic {
                CODE_ROUTES_COMMON_TRAFFIC
            } else {
                CODE_NOT_COMMON_TRAFFIC
            },
            lifetime: c.adv_lifetime_s,
            addr_entry_size: 2,
            // §2.3.1: only its own address.
            routers: vec![RouterAddress {
                address: c.address,
                preference: 0,
                extra: Vec::new(),
            }],
            extensions: vec![Extension::MobilityAgent(MobilityAgentAdvertisement {
                sequence,
                registration_lifetime: c.registration_lifetime_s,
                flags: AdvFlags(flags),
                care_of_addresses: if c.omit_care_of_addresses {
                    Vec::new()
                } else {
                    c.care_of_addresses.iter().copied().take(60).collect()
                },
            })],
        });
        self.sequence = match self.sequence {
            0xffff if self.config.sequence_wraps_to_zero => 0,
            0xffff => 256,
            s => s + 1,
        };
        (
            sequence,
            repr.to_bytes()
                .expect("an advertisement of ≤ 60 CoAs encodes"),
        )
    }

    fn send_advertisement(&mut self, to: Ipv4Addr) {
        let (sequence, payload) = self.advertisement();
        self.transmits.push_back(Transmit {
            dst: v4(to, 0),
            payload,
        });
        self.events
            .push_back(FaEvent::AdvertisementSent { sequence, to });
    }

    fn multicast_advertisement(&mut self, now: u64) {
        self.send_advertisement(ALL_SYSTEMS);
        self.last_multicast_at = Some(now);
        let mut b = [0u8; 4];
        (self.rng)(&mut b);
        let factor = 0.9 + 0.2 * f64::from(u32::from_be_bytes(b)) / f64::from(u32::MAX);
        let interval = (self.config.adv_interval_ms.max(1) as f64 * factor).round() as u64;
        self.next_adv_at = now.saturating_add(interval.max(1));
    }

    fn on_icmp(&mut self, now: u64, src: Ipv4Addr, payload: &[u8]) {
        let Ok(p) = IcmpPacket::new_checked(payload) else {
            return;
        };
        if !p.verify_checksum() || !matches!(IcmpRepr::parse(&p), Ok(IcmpRepr::Solicitation(_))) {
            return;
        }
        if !self.started {
            return;
        }
        if src.is_unspecified() {
            // A multicast answer, rate-limited (§2.3).
            if self
                .last_multicast_at
                .is_none_or(|t| now >= t.saturating_add(MIN_MULTICAST_GAP_MS))
            {
                self.multicast_advertisement(now);
            }
        } else {
            self.send_advertisement(src);
        }
    }

    /// Sends (or, rate-limited, only logs) a denial of `req` from `mn`.
    fn deny(
        &mut self,
        now: u64,
        mn: SocketAddr,
        req: &RegistrationRequest,
        code: ReplyCode,
        lifetime: u16,
        reason: &str,
    ) {
        let sent = self
            .last_denial
            .get(&mn)
            .is_none_or(|t| now >= t.saturating_add(DENIAL_SPACING_MS));
        let code_u8 = u8::from(code);
        self.events.push_back(FaEvent::Denied {
            to: mn,
            code: code_u8,
            reason: reason.to_owned(),
            sent,
        });
        if !sent {
            return;
        }
        self.last_denial.insert(mn, now);
        let reply = denial_for(req, code_u8, lifetime);
        let mut b = Repr::Reply(reply)
            .to_bytes()
            .expect("a denial of request fields encodes");
        // §3.7.1: MUST add MN-FA to a Reply to an MN it shares an SA with.
        if let Some(sa) = self.config.mn_fa_for(nai_of(&req.extensions)) {
            let _ = auth::append_authenticated(&mut b, reg_ext::MN_FA_AUTH, sa.spi, &sa.key);
        }
        self.transmits.push_back(Transmit {
            dst: reply_destination(req.home_address, mn.port()),
            payload: b,
        });
    }

    fn discard(&mut self, from: SocketAddr, reason: impl Into<String>) {
        self.events.push_back(FaEvent::Discarded {
            from,
            reason: reason.into(),
        });
    }

    fn on_udp(&mut self, now: u64, from: SocketAddr, payload: &[u8]) {
        match Packet::new_checked(payload).map(|p| p.msg_type()) {
            Ok(mip6lab_wire::mip4::REGISTRATION_REQUEST) => self.on_request(now, from, payload),
            Ok(_) => self.on_reply(now, from, payload),
            Err(e) => self.discard(from, format!("malformed: {e}")),
        }
    }

    fn on_request(&mut self, now: u64, mn: SocketAddr, payload: &[u8]) {
        let req = match Repr::from_bytes(payload) {
            Ok(Repr::Request(r)) => r,
            Ok(Repr::Reply(_)) => return,
            Err(e) => {
                // The fixed part parsed (on_udp checked it): deny with its fields (§3.7.2.3).
                let p = Packet::new_unchecked(payload);
                let fixed = RegistrationRequest {
                    flags: RrqFlags(p.flags_or_code()),
                    lifetime: p.lifetime(),
                    home_address: p.home_address(),
                    home_agent: p.home_agent(),
                    care_of_address: p.care_of_address(),
                    identification: p.identification(),
                    extensions: Vec::new(),
                };
                let l = fixed.lifetime;
                return self.deny(
                    now,
                    mn,
                    &fixed,
                    ReplyCode::FaPoorlyFormedRequest,
                    l,
                    &format!("malformed extensions: {e}"),
                );
            }
        };
        if let Some(i) = ext::must_discard(&req.extensions, ext::Space::Registration) {
            let k = req.extensions[i].kind();
            return self.discard(mn, format!("extension {k} not understood (§1.8)"));
        }
        let c = &self.config;
        let l = req.lifetime;
        let poorly = |why: &str| Some((ReplyCode::FaPoorlyFormedRequest, l, why.to_owned()));
        let nai = nai_of(&req.extensions).map(<[u8]>::to_vec);
        let position = |k: u8| req.extensions.iter().position(|e| e.kind() == k);
        let first_auth = [reg_ext::MN_HA_AUTH, reg_ext::MN_FA_AUTH]
            .into_iter()
            .filter_map(position)
            .min();
        let has_auth = count_kind(&req.extensions, reg_ext::MN_HA_AUTH) > 0
            || req.extensions.iter().any(|e| {
                matches!(
                    e,
                    Extension::GeneralizedAuth {
                        subtype: ext::GEN_AUTH_MN_AAA,
                        ..
                    }
                )
            });
        let mut denial = if req.flags.0 & (RrqFlags::RESERVED_R | RrqFlags::RESERVED_X) != 0 {
            poorly("reserved flag bits set (§3.7.2.1)")
        } else if let (Some(n), Some(a)) = (position(reg_ext::NAI), first_auth) {
            (n > a)
                .then(|| poorly("NAI after an authentication extension (RFC 2794 §2)"))
                .flatten()
        } else if req.home_address.is_unspecified() && nai.is_none() {
            poorly("Home Address 0.0.0.0 without an NAI (RFC 2794 §2)")
        } else {
            None
        };
        if denial.is_none() && !has_auth {
            denial = poorly("no authorization-enabling extension (§3.3 MUST)");
        }
        if let Some((code, lifetime, why)) = denial {
            return self.deny(now, mn, &req, code, lifetime, &why);
        }
        // §3.7.2.1: an MN-FA SA makes exactly one valid MN-FA extension mandatory.
        if let Some(sa) = c.mn_fa_for(nai.as_deref()) {
            if !c.skip_mn_fa_check {
                if let Err(r) = check_auth(payload, &req.extensions, reg_ext::MN_FA_AUTH, sa) {
                    self.discard(mn, format!("MN-FA authentication failed: {r:?}"));
                    return self.deny(
                        now,
                        mn,
                        &req,
                        ReplyCode::FaMnFailedAuth,
                        l,
                        "MN-FA authentication failed",
                    );
                }
            }
        }
        let d = req.flags.has(RrqFlags::D);
        let t = req.flags.has(RrqFlags::T);
        let too_long =
            l > c.registration_lifetime_s && c.registration_lifetime_s != LIFETIME_INFINITE;
        let denial = if !d && l != 0 && !c.care_of_addresses.contains(&req.care_of_address) {
            Some((
                ReplyCode::FaInvalidCareOfAddress,
                l,
                "care-of address not offered (§3.7.2.1)",
            ))
        } else if t && !c.reverse_tunnel {
            Some((
                ReplyCode::FaReverseTunnelUnavailable,
                l,
                "no reverse tunnels (RFC 3024 §4.2.1)",
            ))
        } else if !t && c.reverse_tunnel_mandatory {
            Some((
                ReplyCode::FaReverseTunnelMandatory,
                l,
                "reverse tunnel mandatory (RFC 3024 §4.2.1)",
            ))
        } else if too_long && !c.ignore_lifetime_limit && !c.clamp_lifetime_in_relay {
            let max = c.registration_lifetime_s;
            Some((
                ReplyCode::FaLifetimeTooLong,
                max,
                "Lifetime above the maximum (§3.7.2.3)",
            ))
        } else if c.is_own(req.home_agent) {
            Some((
                ReplyCode::FaInvalidHaAddress,
                l,
                "Home Agent is this FA (§3.7.2)",
            ))
        } else if req.home_address.is_unspecified() && c.nai_keying_unsupported {
            Some((
                ReplyCode::NonzeroHomeAddrRequired,
                l,
                "cannot key pending requests by NAI (RFC 2794 §3)",
            ))
        } else {
            None
        };
        if let Some((code, lifetime, why)) = denial {
            return self.deny(now, mn, &req, code, lifetime, why);
        }
        let Some(ha) = self.home_agent_for(&req, nai.as_deref()) else {
            return self.deny(
                now,
                mn,
                &req,
                ReplyCode::NonzeroHaRequired,
                l,
                "no home agent for ALL-ZERO-ONE-ADDR (RFC 4433 §5.2)",
            );
        };
        let entry = Pending {
            mn,
            nai: nai.clone(),
            home_address: req.home_address,
            home_agent_field: req.home_agent,
            ha,
            care_of_address: req.care_of_address,
            identification: req.identification,
            lifetime: l,
            deadline: now.saturating_add(self.config.pending_timeout_ms),
            encapsulating_delivery: req.flags.has(RrqFlags::T)
                && req
                    .extensions
                    .iter()
                    .any(|e| e.kind() == reg_ext::ENCAPSULATING_DELIVERY),
        };
        self.pending.retain(|p| !p.same(&entry));
        if self.pending.len() >= self.config.max_pending {
            return self.deny(
                now,
                mn,
                &req,
                ReplyCode::FaInsufficientResources,
                l,
                "too many pending registrations (§3.7.1)",
            );
        }
        let mut relayed =
            strip_after_authorization(payload, &[reg_ext::MN_HA_AUTH, reg_ext::GENERALIZED_AUTH]);
        if too_long && self.config.clamp_lifetime_in_relay {
            relayed[2..4].copy_from_slice(&self.config.registration_lifetime_s.to_be_bytes());
        }
        let mut fa_ha = false;
        if let Some(sa) = self.config.fa_ha_for(ha) {
            if l != 0
                && !self.config.skip_fa_ha_auth
                && auth::append_authenticated(&mut relayed, reg_ext::FA_HA_AUTH, sa.spi, &sa.key)
                    .is_ok()
            {
                fa_ha = true;
            }
        }
        self.transmits.push_back(Transmit {
            dst: v4(ha, PORT),
            payload: relayed,
        });
        self.events.push_back(FaEvent::Relayed {
            nai: text(nai.as_deref()),
            home_address: req.home_address,
            home_agent: ha,
            identification: req.identification,
            fa_ha,
        });
        self.pending.push(entry);
    }

    /// Where to relay: the Home Agent field, or for ALL-ZERO-ONE-ADDR the Requested HA
    /// extension (RFC 4433 §5.2 MUST) or the realm's FHA; `None` → 90.
    fn home_agent_for(&self, req: &RegistrationRequest, nai: Option<&[u8]>) -> Option<Ipv4Addr> {
        if !is_all_zero_one(req.home_agent) {
            return Some(req.home_agent);
        }
        let requested = req.extensions.iter().find_map(|e| match e {
            Extension::DynamicHa {
                subtype: ext::DYNAMIC_HA_REQUESTED,
                address,
                ..
            } => Some(*address),
            _ => None,
        });
        if let Some(a) = requested {
            // "not a routable unicast address" → 90.
            let bad =
                is_all_zero_one(a) || a.is_multicast() || a.is_loopback() || self.config.is_own(a);
            return (!bad).then_some(a);
        }
        let realm = realm_of(nai?)?;
        self.config
            .fha_by_realm
            .iter()
            .find(|(r, _)| r.as_bytes().eq_ignore_ascii_case(realm))
            .map(|(_, a)| *a)
    }

    fn on_reply(&mut self, now: u64, from: SocketAddr, payload: &[u8]) {
        let reply = match Repr::from_bytes(payload) {
            Ok(Repr::Reply(r)) => r,
            Ok(Repr::Request(_)) => return,
            Err(e) => return self.discard(from, format!("malformed Reply: {e}")),
        };
        if let Some(i) = ext::must_discard(&reply.extensions, ext::Space::Registration) {
            let k = reply.extensions[i].kind();
            return self.discard(from, format!("extension {k} not understood (§1.8)"));
        }
        let Some(i) = self.match_pending(from, &reply) else {
            return self.discard(from, "no pending Request matches (§3.7.3.1)");
        };
        let p = self.pending.remove(i);
        // §3.7.3.1: with an FA-HA SA, exactly one valid FA-HA extension.
        if let Some(sa) = self.config.fa_ha_for(p.ha) {
            if !self.config.skip_fa_ha_check {
                if let Err(r) = check_auth(payload, &reply.extensions, reg_ext::FA_HA_AUTH, sa) {
                    self.discard(from, format!("FA-HA authentication failed: {r:?}"));
                    let req = p.as_request();
                    return self.deny(
                        now,
                        p.mn,
                        &req,
                        ReplyCode::FaHaFailedAuth,
                        p.lifetime,
                        "FA-HA authentication failed (§3.7.3.1)",
                    );
                }
            }
        }
        let original = u8::from(reply.code);
        let mut code = original;
        if p.nai.is_some() && reply.code.is_accepted() && !self.config.skip_nai_reply_checks {
            code = if nai_of(&reply.extensions).is_none() {
                u8::from(ReplyCode::MissingNai)
            } else if reply.home_agent.is_unspecified() {
                u8::from(ReplyCode::MissingHomeAgent)
            } else if reply.home_address.is_unspecified() {
                u8::from(ReplyCode::MissingHomeAddr)
            } else {
                original
            };
        }
        let mut out = reply.clone();
        out.code = code.into();
        if !self.config.keep_uncovered_extensions {
            // §3.7.3.2: only what MN-HA covers; with no MN-HA, all but the FA-HA extension.
            if let Some(at) = out
                .extensions
                .iter()
                .rposition(|e| e.kind() == reg_ext::MN_HA_AUTH)
            {
                out.extensions.truncate(at + 1);
            }
        }
        out.extensions.retain(|e| e.kind() != reg_ext::FA_HA_AUTH);
        let mut b = Repr::Reply(out)
            .to_bytes()
            .expect("a parsed Reply re-encodes");
        if let Some(sa) = self.config.mn_fa_for(p.nai.as_deref()) {
            let _ = auth::append_authenticated(&mut b, reg_ext::MN_FA_AUTH, sa.spi, &sa.key);
        }
        let to = reply_destination(reply.home_address, p.mn.port());
        self.transmits.push_back(Transmit {
            dst: to,
            payload: b,
        });
        self.events.push_back(FaEvent::ReplyRelayed {
            to,
            code,
            code_rewritten: (code != original).then_some(original),
            home_address: reply.home_address,
            lifetime_s: reply.lifetime,
        });
        self.update_visitors(now, &p, &reply, ReplyCode::from(code).is_accepted());
    }

    /// §3.7.3.1: the pending Request with the reply's Home Address (NAI disambiguating), or
    /// a zero-Home-Address one with its NAI; low 32 bits of Identification equal.
    fn match_pending(&self, from: SocketAddr, reply: &RegistrationReply) -> Option<usize> {
        let nai = nai_of(&reply.extensions);
        let id = low32(reply.identification);
        let from_ha = |p: &Pending| IpAddr::V4(p.ha) == from.ip();
        let candidates: Vec<usize> = (0..self.pending.len())
            .filter(|&i| {
                let p = &self.pending[i];
                low32(p.identification) == id
                    && if p.home_address.is_unspecified() {
                        match nai {
                            Some(n) => p.nai.as_deref() == Some(n),
                            // No NAI in the reply (it should have one): the HA it went to.
                            None => from_ha(p),
                        }
                    } else {
                        p.home_address == reply.home_address
                            && nai.is_none_or(|n| p.nai.as_deref().is_none_or(|m| m == n))
                    }
            })
            .collect();
        candidates.first().copied()
    }

    fn update_visitors(
        &mut self,
        now: u64,
        p: &Pending,
        reply: &RegistrationReply,
        accepted: bool,
    ) {
        let same = |v: &Visitor| match &p.nai {
            Some(n) => v.nai.as_deref() == Some(n.as_slice()),
            None => v.home_address == p.home_address,
        };
        if !accepted {
            // §3.7.3.2: a denial removes the pending entry only.
            return;
        }
        if reply.lifetime == 0 {
            if let Some(i) = self.visitors.iter().position(same) {
                let v = self.visitors.remove(i);
                self.events.push_back(FaEvent::VisitorRemoved {
                    nai: text(v.nai.as_deref()),
                    home_address: v.home_address,
                    reason: "deregistered".into(),
                });
            }
            return;
        }
        let max = self.config.registration_lifetime_s;
        let lifetime = if max == LIFETIME_INFINITE {
            reply.lifetime
        } else {
            reply.lifetime.min(max)
        };
        let expires_at = (lifetime != LIFETIME_INFINITE)
            .then(|| now.saturating_add(u64::from(lifetime) * 1_000));
        let v = Visitor {
            nai: p.nai.clone(),
            home_address: reply.home_address,
            care_of_address: p.care_of_address,
            home_agent: reply.home_agent,
            mn: p.mn,
            expires_at,
        };
        self.visitors.retain(|o| !same(o));
        self.events.push_back(FaEvent::VisitorAdded {
            nai: text(v.nai.as_deref()),
            home_address: v.home_address,
            care_of_address: v.care_of_address,
            lifetime_s: lifetime,
            home_agent: v.home_agent,
            encapsulating_delivery: p.encapsulating_delivery,
            items: super::read_items(&self.config.profile, reply, &reply.extensions),
        });
        self.visitors.push(v);
    }

    fn ha_unreachable(&mut self, now: u64, ha: Ipv4Addr) {
        let (gone, kept): (Vec<Pending>, Vec<Pending>) = std::mem::take(&mut self.pending)
            .into_iter()
            .partition(|p| p.ha == ha);
        self.pending = kept;
        for p in gone {
            let req = p.as_request();
            self.deny(
                now,
                p.mn,
                &req,
                ReplyCode::FaHaUnreachable,
                p.lifetime,
                "home agent unreachable (§3.7.3)",
            );
        }
    }
}

/// §3.7.2.3: the Home Address when non-zero, else 255.255.255.255; the MN's UDP port.
fn reply_destination(home_address: Ipv4Addr, port: u16) -> SocketAddr {
    let a = if home_address.is_unspecified() {
        Ipv4Addr::BROADCAST
    } else {
        home_address
    };
    v4(a, port)
}

/// The message through the end of its last extension whose type is in `kinds` (the
/// authorization-enabling ones), the extensions after it removed (§3.7.2.2). Without one,
/// the message unchanged.
fn strip_after_authorization(msg: &[u8], kinds: &[u8]) -> Vec<u8> {
    let Ok(p) = Packet::new_checked(msg) else {
        return msg.to_vec();
    };
    let Ok(offsets) =
        ext::extension_offsets(p.extensions(), p.extensions_at(), ext::Space::Registration)
    else {
        return msg.to_vec();
    };
    let Some(last) = offsets.iter().rposition(|(_, k)| kinds.contains(k)) else {
        return msg.to_vec();
    };
    let end = offsets.get(last + 1).map_or(msg.len(), |(at, _)| *at);
    msg[..end].to_vec()
}

impl SansIo for ForeignAgent {
    type Input<'a> = FaInput<'a>;
    type Event = FaEvent;

    fn handle_input(&mut self, now: u64, input: FaInput<'_>) {
        match input {
            FaInput::Icmp(d) => {
                if let SocketAddr::V4(s) = d.src {
                    self.on_icmp(now, *s.ip(), d.payload);
                }
            }
            FaInput::Udp(d) => self.on_udp(now, d.src, d.payload),
            FaInput::HaUnreachable { home_agent } => self.ha_unreachable(now, home_agent),
        }
    }

    fn handle_timeout(&mut self, now: u64) {
        if self.started && self.next_adv_at <= now {
            self.multicast_advertisement(now);
        }
        let (due, kept): (Vec<Pending>, Vec<Pending>) = std::mem::take(&mut self.pending)
            .into_iter()
            .partition(|p| p.deadline <= now);
        self.pending = kept;
        for p in due {
            let req = p.as_request();
            self.deny(
                now,
                p.mn,
                &req,
                ReplyCode::FaRegistrationTimeout,
                p.lifetime,
                "no Reply from the home agent (§3.7.1)",
            );
        }
        let (gone, kept): (Vec<Visitor>, Vec<Visitor>) = std::mem::take(&mut self.visitors)
            .into_iter()
            .partition(|v| v.expires_at.is_some_and(|e| e <= now));
        self.visitors = kept;
        for v in gone {
            self.events.push_back(FaEvent::VisitorRemoved {
                nai: text(v.nai.as_deref()),
                home_address: v.home_address,
                reason: "lifetime expired".into(),
            });
        }
        // Old rate-limit stamps no longer matter.
        self.last_denial
            .retain(|_, t| now < t.saturating_add(DENIAL_SPACING_MS));
    }

    fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    fn poll_event(&mut self) -> Option<FaEvent> {
        self.events.pop_front()
    }

    fn next_timeout(&self) -> Option<u64> {
        let adv = self.started.then_some(self.next_adv_at);
        let pending = self.pending.iter().map(|p| p.deadline).min();
        let visitors = self.visitors.iter().filter_map(|v| v.expires_at).min();
        [adv, pending, visitors].into_iter().flatten().min()
    }
}
