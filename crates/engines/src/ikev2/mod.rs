//! A sans-IO IKEv2 engine (RFC 7296) for Mobile IPv6 bootstrapping (RFC 4877, RFC 5026 §5.3):
//! datagrams and timer ticks in, datagrams and [`Event`]s out. No sockets, clocks or
//! randomness inside: the caller passes `now` (milliseconds on any monotonic clock) to every
//! call and a random source (SPIs, nonces, DH private values, IVs) at construction.
//!
//! One [`IkeEngine`] plays both roles at once: [`IkeEngine::initiate`] starts an IKE SA as the
//! original initiator, and an IKE_SA_INIT request that arrives creates a responder SA.
//!
//! What it does:
//! - IKE_SA_INIT with COOKIE (responder demands one above a half-open threshold, initiator
//!   retries with it) and INVALID_KE_PAYLOAD (initiator retries with the requested group).
//! - IKE_AUTH with a shared key (§2.15) or a certificate (below); CP: the initiator sends what CFG_REQUEST attributes
//!   it is told to; the responder assigns INTERNAL_IP6_ADDRESS from a pool (RFC 5026 §5.3.1)
//!   and answers MIP6_HOME_PREFIX either with a prefix (RFC 5026 §5.3.2, the MN then
//!   auto-configures and runs CREATE_CHILD_SA) or, when auto-configuration is not allowed,
//!   with N(USE_ASSIGNED_HoA) and an INTERNAL_IP6_ADDRESS in the same IKE_AUTH response
//!   (the HA sends that notify; the MN uses the address in its next CREATE_CHILD_SA).
//! - Child SAs for the Mobility Header (protocol 135 selectors, RFC 4877), transport mode by
//!   USE_TRANSPORT_MODE; Child SAs for Mobile Prefix Discovery (ICMPv6 146–147 selectors,
//!   [`ChildRequest::mobile_prefix`]) that a responder grants only for a HoA the IKE SA already
//!   holds, after which (home prefix configured) MH SAs for other addresses of the prefix are
//!   allowed (RFC 5026 §5.3.2: MPD, auto-configuration, CREATE_CHILD_SA), ESP with AES-CBC + HMAC or AES-GCM-16, keys from `ChildKeys::derive`.
//! - CREATE_CHILD_SA (new Child SA, rekey of a Child SA), INFORMATIONAL (Delete of the IKE SA
//!   or Child SAs, empty liveness checks).
//! - A window of one request per direction, retransmission with bounded exponential backoff
//!   and a limit ([`Event::Failed`] after it), and the cached response resent on a duplicate
//!   request.
//! - Test hooks on every outgoing message: one on the structure before encryption, one on
//!   the final bytes ([`Hooks`]).
//! - Key-log lines for every IKE and ESP SA ([`Event::KeyLog`]).
//! - EAP in IKE_AUTH (RFC 7296 §2.16): the initiator leaves AUTH out and runs an
//!   [`EapClient`]; the responder asks an [`EapBackend`] in the engine, or the driver's
//!   backend through [`Event::EapForBackend`] and [`IkeInput::EapAnswer`] (a RADIUS round
//!   takes its time; no thread, nothing polled); both end with AUTH keyed by the MSK.
//!   The responder's first answer carries a shared-key AUTH when it has a key for IDi.
//!
//! - Certificates ([`AuthConfig::Cert`], [`cert`]): ECDSA P-256, CERT (X.509 Certificate -
//!   Signature), CERTREQ for the trust anchors, AUTH method 14 (RFC 7427, when both sent
//!   SIGNATURE_HASH_ALGORITHMS) or 9 (RFC 4754); the peer's certificate must chain to a
//!   trust anchor, be valid at [`IkeEngine::set_unix_time`], and bind its ID (ID_FQDN =
//!   subjectAltName dNSName, RFC 4877 / RFC 5026 §5.2), else AUTHENTICATION_FAILED (the
//!   responder in its IKE_AUTH response, the initiator in an INFORMATIONAL). Also the HA's
//!   signature AUTH in the first IKE_AUTH response of EAP, and mixed PSK/certificate.
//!
//! Not done: certificate chains (intermediates), revocation, RSA keys, hash-and-URL
//! certificates, IKE SA rekeying, NAT traversal/UDP 4500, fragmentation, PFS (KE) in
//! CREATE_CHILD_SA.

macro_rules! find_body {
    ($payloads:expr, $variant:ident) => {
        $payloads.iter().find_map(|x| match &x.body {
            PayloadBody::$variant(v) => Some(v),
            _ => None,
        })
    };
}

mod addresses;
mod auth;
pub mod cert;
mod config;
mod cookies;
pub mod dh;
mod eap;
mod initiator;
mod input;
pub mod keylog;
mod proposals;
mod requests;
mod responder;
mod sa;
mod selectors;

pub use cert::{Credential, TrustAnchor};
pub use config::{
    AuthConfig, ChildRequest, Config, EspSuite, InitiateRequest, Limits, ResponderPolicy,
    Retransmit, ANY6, MPD_TYPES,
};
pub use dh::{DhGroup, DhKey};
pub use eap::{EapBackend, EapBackendFactory, EapClient, EapClientFactory, EapForBackend, EapStep};
pub use keylog::KeyLogEntry;

use eap::*;
use proposals::*;
use sa::*;
use selectors::*;

use crate::io::{Datagram, SansIo, Transmit};
use mip6lab_wire::crypto::{
    psk_auth, signed_octets, ChildKeys, DirectionKeys, Encr, IkeKeys, Integ, Prf, Suite,
};
use mip6lab_wire::ikev2::{
    auth_method, cfg_type, cp_attr, exchange, flags, notify_type, protocol_id, sk, transform_type,
    Auth, Cert, Cp, CpAttribute, Delete, HomePrefix, Id, Ke, Message, Notify, Payload, PayloadBody,
    Proposal, Sa, TrafficSelector, Transform, Ts, VERSION_2_0,
};
use std::collections::VecDeque;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};

/// The IKE port (RFC 7296 §2): where an initiator sends unless told otherwise.
pub const IKE_PORT: u16 = 500;

/// The random source: fills the buffer with random octets.
pub type RngFn = Box<dyn FnMut(&mut [u8]) + Send>;

/// Which end of the IKE SA this engine is (the original initiator or responder).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IkeRole {
    Initiator,
    Responder,
}

/// An IKE SA as this engine names it: its own SPI (SPIi for the initiator, SPIr for the
/// responder).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SaId(pub [u8; 8]);

/// An established Child SA, from this end's point of view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildSa {
    /// SPI of ESP packets this end receives (it chose it).
    pub inbound_spi: u32,
    /// SPI of ESP packets this end sends (the peer chose it).
    pub outbound_spi: u32,
    pub inbound: DirectionKeys,
    pub outbound: DirectionKeys,
    pub tsi: Vec<TrafficSelector>,
    pub tsr: Vec<TrafficSelector>,
    /// Both sides agreed on transport mode.
    pub transport: bool,
    /// The inbound SPI of the Child SA this one rekeyed.
    pub rekeyed: Option<u32>,
}

/// What the engine reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    IkeSaEstablished {
        sa: SaId,
        role: IkeRole,
        ispi: [u8; 8],
        rspi: [u8; 8],
        peer_id: Id,
        keys: IkeKeys,
        group: DhGroup,
    },
    /// The initiator got a CFG_REPLY (and maybe N(USE_ASSIGNED_HoA)) in IKE_AUTH.
    ConfigReply {
        sa: SaId,
        cp: Cp,
        use_assigned_hoa: bool,
    },
    /// The responder gave this configuration to a peer.
    ConfigAssigned {
        sa: SaId,
        cp: Cp,
        use_assigned_hoa: bool,
    },
    ChildSaEstablished {
        sa: SaId,
        child: ChildSa,
    },
    /// A Child SA could not be set up: the error notify the peer sent (or this end sent, as
    /// responder); the IKE SA stays.
    ChildSaFailed {
        sa: SaId,
        notify_type: u16,
        notify_data: Vec<u8>,
        sent_by_us: bool,
    },
    ChildSaDeleted {
        sa: SaId,
        inbound_spi: u32,
        by_peer: bool,
    },
    IkeSaDeleted {
        sa: SaId,
        by_peer: bool,
    },
    /// An empty INFORMATIONAL was answered.
    LivenessOk {
        sa: SaId,
    },
    /// The initiator retries IKE_SA_INIT (cookie or another group).
    InitRetry {
        sa: SaId,
        reason: String,
    },
    KeyLog(KeyLogEntry),
    /// The IKE SA is gone: retransmissions ran out, authentication failed, an unacceptable
    /// answer.
    Failed {
        sa: SaId,
        reason: String,
    },
    /// The responder needs the driver's EAP backend ([`IkeEngine::set_eap_via_driver`]):
    /// answer with [`IkeInput::EapAnswer`] for `sa`.
    EapForBackend {
        sa: SaId,
        message: EapForBackend,
    },
    /// An incoming datagram was ignored (malformed, unknown SPI, bad ICV, …).
    Dropped {
        reason: String,
    },
}

impl Event {
    /// The CFG_REPLY of a [`Event::ConfigReply`] and whether it came with USE_ASSIGNED_HoA.
    pub fn config_reply(&self) -> Option<(&Cp, bool)> {
        match self {
            Event::ConfigReply {
                cp,
                use_assigned_hoa,
                ..
            } => Some((cp, *use_assigned_hoa)),
            _ => None,
        }
    }
}

/// What [`IkeEngine::handle_input`] takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IkeInput<'a> {
    /// A received IKE datagram and its sender.
    Datagram(Datagram<'a>),
    /// The answer of the driver's EAP backend to [`Event::EapForBackend`] for `sa`.
    EapAnswer { sa: SaId, step: EapStep },
}

impl<'a> From<Datagram<'a>> for IkeInput<'a> {
    fn from(d: Datagram<'a>) -> IkeInput<'a> {
        IkeInput::Datagram(d)
    }
}

/// An outgoing message as built, before encryption: the header (its payloads are the
/// unencrypted ones) and, for an encrypted message, the payloads to put into SK.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    pub message: Message,
    pub inner: Option<Vec<Payload>>,
}

/// Hook on the structure of every outgoing message (before encryption).
pub type ReprHook = Box<dyn FnMut(&mut Outgoing) + Send>;

/// Hook on the final bytes of every outgoing message.
pub type BytesHook = Box<dyn FnMut(&Outgoing, &mut Vec<u8>) + Send>;

/// Test hooks. Retransmissions resend the bytes as hooked the first time.
#[derive(Default)]
pub struct Hooks {
    pub repr: Option<ReprHook>,
    pub bytes: Option<BytesHook>,
}

/// The engine. See the module documentation.
pub struct IkeEngine {
    cfg: Config,
    rng: RngFn,
    hooks: Hooks,
    sas: SaTable,
    out: VecDeque<Transmit>,
    events: VecDeque<Event>,
    cookies: CookieSecrets,
    /// The sender of the datagram being handled: where answers outside an SA go, the
    /// address of a new responder SA's peer, and part of the cookie (RFC 7296 §2.6).
    from: Option<SocketAddr>,
    now: u64,
    eap_backend: Option<EapResponder>,
    eap_client: Option<EapClientFactory>,
    unix_time: Option<u64>,
}

fn p(body: PayloadBody) -> Payload {
    Payload::new(body)
}

/// An identity in the form bindings record it (the Binding Cache's identities, see
/// [`crate::binding::normalize_identity`]): an address formatted, a name in ASCII lower case
/// without a trailing dot.
fn identity_key(id: &Id) -> String {
    use mip6lab_wire::ikev2::id_type;
    match <[u8; 16]>::try_from(&id.data[..]) {
        Ok(o) if id.id_type == id_type::IPV6_ADDR => Ipv6Addr::from(o).to_string(),
        _ => crate::binding::normalize_identity(&String::from_utf8_lossy(&id.data)),
    }
}

fn notify(t: u16, data: impl Into<Vec<u8>>) -> Payload {
    p(PayloadBody::Notify(Notify::new(t, data)))
}

fn find_notify(payloads: &[Payload], t: u16) -> Option<&Notify> {
    payloads.iter().find_map(|x| match &x.body {
        PayloadBody::Notify(n) if n.notify_type == t => Some(n),
        _ => None,
    })
}

fn first_error_notify(payloads: &[Payload]) -> Option<&Notify> {
    payloads.iter().find_map(|x| match &x.body {
        PayloadBody::Notify(n) if n.is_error() => Some(n),
        _ => None,
    })
}

/// Unknown critical payloads (RFC 7296 §2.5): the first one's type.
fn unsupported_critical(payloads: &[Payload]) -> Option<u8> {
    payloads.iter().find_map(|x| match &x.body {
        PayloadBody::Unknown { payload_type, .. } if x.critical() => Some(*payload_type),
        _ => None,
    })
}

impl IkeEngine {
    pub fn new(cfg: Config, mut rng: RngFn) -> IkeEngine {
        let mut cookie_secret = [0u8; 32];
        rng(&mut cookie_secret);
        IkeEngine {
            cookies: CookieSecrets {
                version: 0,
                current: cookie_secret,
                previous: None,
                since: 0,
            },
            from: None,
            cfg,
            rng,
            hooks: Hooks::default(),
            sas: SaTable::default(),
            out: VecDeque::new(),
            events: VecDeque::new(),
            now: 0,
            eap_backend: None,
            eap_client: None,
            unix_time: None,
        }
    }

    /// The wall-clock time (Unix seconds) at which peer certificates are checked for
    /// validity; drivers set it before passing input. Without it, certificates are refused.
    pub fn set_unix_time(&mut self, unix_secs: u64) {
        self.unix_time = Some(unix_secs);
    }

    pub fn config(&self) -> &Config {
        &self.cfg
    }

    pub fn set_hooks(&mut self, hooks: Hooks) {
        self.hooks = hooks;
    }

    /// As responder: authenticate peers that send no AUTH with EAP through this backend.
    pub fn set_eap_backend(&mut self, f: EapBackendFactory) {
        self.eap_backend = Some(EapResponder::Local(f));
    }

    /// As responder: authenticate peers that send no AUTH with EAP through a backend the
    /// driver runs (e.g. a RADIUS relay): each EAP message for it comes out as
    /// [`Event::EapForBackend`], and its answer goes in as [`IkeInput::EapAnswer`].
    pub fn set_eap_via_driver(&mut self) {
        self.eap_backend = Some(EapResponder::Driver);
    }

    /// As initiator: the EAP method for [`InitiateRequest::eap`].
    pub fn set_eap_client(&mut self, f: EapClientFactory) {
        self.eap_client = Some(f);
    }

    /// The next datagram to send, with its destination: the peer of its IKE SA, or the
    /// sender of the datagram it answers.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.out.pop_front()
    }

    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// IKE SAs held (any state).
    pub fn sa_count(&self) -> usize {
        self.sas.len()
    }

    /// Responder SAs waiting for IKE_AUTH.
    pub fn half_open_count(&self) -> usize {
        self.sas
            .iter()
            .filter(|s| s.state == State::HalfOpen)
            .count()
    }

    /// Datagrams and events waiting to be taken.
    pub fn queued(&self) -> (usize, usize) {
        (self.out.len(), self.events.len())
    }

    /// The Child SAs of an IKE SA.
    pub fn children(&self, sa: SaId) -> Vec<ChildSa> {
        self.sa(sa).map(|s| s.children.clone()).unwrap_or_default()
    }

    /// The IKE keys of an established SA.
    pub fn ike_keys(&self, sa: SaId) -> Option<IkeKeys> {
        self.sa(sa).and_then(|s| s.keys.clone())
    }

    pub fn is_established(&self, sa: SaId) -> bool {
        self.sa(sa).is_some_and(|s| s.state == State::Established)
    }

    /// When [`IkeEngine::handle_timeout`] next has something to do.
    pub fn next_timeout(&self) -> Option<u64> {
        let mut t: Option<u64> = None;
        for s in self.sas.iter() {
            if let Some(o) = &s.outstanding {
                let d = self.backoff(o.retransmits);
                let at = o.sent_at.saturating_add(d);
                t = Some(t.map_or(at, |x| x.min(at)));
            }
            if s.state == State::HalfOpen {
                let at = s
                    .created
                    .saturating_add(self.cfg.limits.half_open_timeout_ms);
                t = Some(t.map_or(at, |x| x.min(at)));
            }
        }
        t
    }

    fn backoff(&self, retransmits: u32) -> u64 {
        let r = &self.cfg.retransmit;
        r.initial_ms
            .saturating_mul(1u64 << retransmits.min(20))
            .min(r.max_interval_ms.max(r.initial_ms))
    }

    fn sa(&self, id: SaId) -> Option<&IkeSa> {
        self.sas.get(id)
    }

    /// Forgets an IKE SA and ends the lease of its home address.
    fn remove_sa(&mut self, sa_id: SaId) {
        if let Some(sa) = self.sas.remove(sa_id) {
            self.end_lease(&sa);
        }
    }

    fn random(&mut self, n: usize) -> Vec<u8> {
        let mut v = vec![0u8; n];
        (self.rng)(&mut v);
        v
    }

    fn random_spi8(&mut self) -> [u8; 8] {
        loop {
            let mut s = [0u8; 8];
            (self.rng)(&mut s);
            if s != [0; 8] && !self.sas.contains(SaId(s)) {
                return s;
            }
        }
    }

    fn random_esp_spi(&mut self) -> u32 {
        let mut tries = 0;
        loop {
            let mut s = [0u8; 4];
            (self.rng)(&mut s);
            let v = u32::from_be_bytes(s);
            tries += 1;
            // SPIs 1..=255 are reserved (RFC 4303 §2.1).
            if v > 255 || tries > 16 {
                return v.max(256);
            }
        }
    }

    fn event(&mut self, e: Event) {
        if self.events.len() >= self.cfg.limits.max_queue {
            self.events.pop_front();
        }
        self.events.push_back(e);
    }

    fn send_to(&mut self, dst: SocketAddr, payload: Vec<u8>) {
        if self.out.len() >= self.cfg.limits.max_queue {
            self.out.pop_front();
        }
        self.out.push_back(Transmit { dst, payload });
    }

    /// Sends to the sender of the datagram being handled (answers outside an IKE SA, and
    /// answers to requests, RFC 7296 §2.11).
    fn reply_raw(&mut self, payload: Vec<u8>) {
        let dst = self
            .from
            .unwrap_or(SocketAddr::from((Ipv6Addr::UNSPECIFIED, IKE_PORT)));
        self.send_to(dst, payload);
    }

    /// Sends on an IKE SA, to its peer.
    fn send_on(&mut self, sa_id: SaId, payload: Vec<u8>) {
        let dst = self.sas[sa_id].peer;
        self.send_to(dst, payload);
    }

    fn drop_in(&mut self, reason: impl Into<String>) {
        self.event(Event::Dropped {
            reason: reason.into(),
        });
    }

    /// Builds, hooks and encodes a message. `keys` seals `inner` into SK when given.
    fn build(
        &mut self,
        message: Message,
        inner: Option<Vec<Payload>>,
        keys: Option<&DirectionKeys>,
    ) -> Vec<u8> {
        let mut o = Outgoing { message, inner };
        if let Some(h) = self.hooks.repr.as_mut() {
            h(&mut o);
        }
        let mut bytes = match (&o.inner, keys) {
            (Some(inner), Some(k)) => {
                let iv = self.random(k.encr.iv_len());
                sk::encrypt(&o.message, inner, &iv, k).unwrap_or_else(|_| o.message.to_bytes())
            }
            _ => o.message.to_bytes(),
        };
        if let Some(h) = self.hooks.bytes.as_mut() {
            h(&o, &mut bytes);
        }
        bytes
    }

    fn header(sa: &IkeSa, exch: u8, response: bool, msg_id: u32) -> Message {
        Message {
            ispi: sa.ispi,
            rspi: sa.rspi,
            version: VERSION_2_0,
            exchange: exch,
            flags: sa.my_flags(response),
            message_id: msg_id,
            payloads: Vec::new(),
        }
    }
}

impl SansIo for IkeEngine {
    type Input<'a> = IkeInput<'a>;
    type Event = Event;

    fn handle_input(&mut self, now: u64, input: IkeInput<'_>) {
        IkeEngine::handle_input(self, now, input)
    }

    fn handle_timeout(&mut self, now: u64) {
        IkeEngine::handle_timeout(self, now)
    }

    fn poll_transmit(&mut self) -> Option<Transmit> {
        IkeEngine::poll_transmit(self)
    }

    fn poll_event(&mut self) -> Option<Event> {
        IkeEngine::poll_event(self)
    }

    fn next_timeout(&self) -> Option<u64> {
        IkeEngine::next_timeout(self)
    }
}
