//! A sans-IO IKEv2 engine (RFC 7296) for Mobile IPv6 bootstrapping (RFC 4877, RFC 5026 §5.3):
//! datagrams and timer ticks in, datagrams and [`Event`]s out. No sockets, clocks or
//! randomness inside: the caller passes `now` (milliseconds on any monotonic clock) to every
//! call and a random source (SPIs, nonces, DH private values, IVs) at construction.
//!
//! One [`Engine`] plays both roles at once: [`Engine::initiate`] starts an IKE SA as the
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
//!   [`EapClient`]; the responder relays to an [`EapBackend`] (which may answer later:
//!   [`EapStep::Pending`], polled from [`Engine::tick`]); both end with AUTH keyed by the MSK.
//!   The responder's first answer carries a shared-key AUTH when it has a key for IDi.
//!
//! - Certificates ([`AuthConfig::Cert`], [`cert`]): ECDSA P-256, CERT (X.509 Certificate -
//!   Signature), CERTREQ for the trust anchors, AUTH method 14 (RFC 7427, when both sent
//!   SIGNATURE_HASH_ALGORITHMS) or 9 (RFC 4754); the peer's certificate must chain to a
//!   trust anchor, be valid at [`Engine::set_unix_time`], and bind its ID (ID_FQDN =
//!   subjectAltName dNSName, RFC 4877 / RFC 5026 §5.2), else AUTHENTICATION_FAILED (the
//!   responder in its IKE_AUTH response, the initiator in an INFORMATIONAL). Also the HA's
//!   signature AUTH in the first IKE_AUTH response of EAP, and mixed PSK/certificate.
//!
//! Not done: certificate chains (intermediates), revocation, RSA keys, hash-and-URL
//! certificates, IKE SA rekeying, NAT traversal/UDP 4500, fragmentation, PFS (KE) in
//! CREATE_CHILD_SA.

pub mod cert;
pub mod dh;
#[cfg(feature = "tokio")]
pub mod esp_io;
pub mod keylog;
#[cfg(feature = "tokio")]
pub mod udp;

pub use cert::{Credential, TrustAnchor};
pub use dh::{DhGroup, DhKey};
pub use keylog::KeyLogEntry;

use mip6lab_wire::crypto::{
    psk_auth, signed_octets, ChildKeys, DirectionKeys, Encr, IkeKeys, Integ, Prf, Suite,
};
use mip6lab_wire::ikev2::{
    auth_method, cfg_type, cp_attr, exchange, flags, notify_type, protocol_id, sk, transform_type,
    Auth, Cert, Cp, CpAttribute, Delete, HomePrefix, Id, Ke, Message, Notify, Packet, Payload,
    PayloadBody, Proposal, Sa, TrafficSelector, Transform, Ts, VERSION_2_0,
};
use std::collections::VecDeque;
use std::net::{IpAddr, Ipv6Addr};

/// The random source: fills the buffer with random octets.
pub type RngFn = Box<dyn FnMut(&mut [u8]) + Send>;

/// Which end of the IKE SA this engine is (the original initiator or responder).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Initiator,
    Responder,
}

/// An IKE SA as this engine names it: its own SPI (SPIi for the initiator, SPIr for the
/// responder).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SaId(pub [u8; 8]);

/// Retransmission of requests: the first timeout, doubling up to `max_interval_ms`, and the
/// number of retransmissions after which the exchange fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retransmit {
    pub initial_ms: u64,
    pub max_interval_ms: u64,
    pub max_retransmits: u32,
}

impl Default for Retransmit {
    fn default() -> Self {
        Retransmit {
            initial_ms: 500,
            max_interval_ms: 4000,
            max_retransmits: 5,
        }
    }
}

/// Bounds on state kept for arbitrary input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// IKE SAs of any state.
    pub max_sas: usize,
    /// Responder SAs after IKE_SA_INIT and before IKE_AUTH.
    pub max_half_open: usize,
    /// How long a half-open responder SA is kept.
    pub half_open_timeout_ms: u64,
    /// Child SAs per IKE SA.
    pub max_children: usize,
    /// Queued outgoing datagrams and events (the oldest are dropped past this).
    pub max_queue: usize,
    /// Queued requests waiting for the window.
    pub max_pending_requests: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_sas: 64,
            max_half_open: 16,
            half_open_timeout_ms: 30_000,
            max_children: 8,
            max_queue: 256,
            max_pending_requests: 8,
        }
    }
}

/// An ESP transform set for Child SAs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EspSuite {
    pub encr: Encr,
    /// [`Integ::None`] with AES-GCM.
    pub integ: Integ,
}

impl EspSuite {
    pub const AES128_SHA256: EspSuite = EspSuite {
        encr: Encr::AesCbc { key_len: 16 },
        integ: Integ::HmacSha256_128,
    };
    pub const AES128GCM16: EspSuite = EspSuite {
        encr: Encr::AesGcm16 { key_len: 16 },
        integ: Integ::None,
    };
}

/// What the responder does with a CFG_REQUEST.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponderPolicy {
    /// This HA's address: TSr of MH Child SAs is narrowed to it.
    pub ha_addr: Ipv6Addr,
    /// Home addresses handed out for INTERNAL_IP6_ADDRESS: `base + 1 ..= base + size`.
    pub pool_base: Ipv6Addr,
    pub pool_prefix_len: u8,
    pub pool_size: u32,
    /// Answer to MIP6_HOME_PREFIX: `Some` → the prefix (MN auto-configures, RFC 5026 §5.3.2);
    /// `None` → N(USE_ASSIGNED_HoA) and an address from the pool.
    pub home_prefix: Option<HomePrefix>,
    /// INTERNAL_IP6_DNS to return when asked.
    pub dns: Option<Ipv6Addr>,
    /// Demand a COOKIE when this many responder SAs are half open (0: always).
    pub cookie_threshold: Option<usize>,
    /// How long one cookie secret is used (RFC 7296 §2.6: changed periodically).
    pub cookie_secret_lifetime_ms: u64,
    /// Require a CP in IKE_AUTH (else FAILED_CP_REQUIRED and no Child SA).
    pub require_cp: bool,
    /// Home addresses configured per MN identity (RFC 5026 §9.2 "configured" mode): returned
    /// to that MN when it asks for any address, never handed to another MN.
    pub configured: Vec<(Id, Ipv6Addr)>,
    /// Refuse another MN's configured address (§9.2 MUST; off only to build a mutant).
    pub guard_configured: bool,
    /// FCFS (§9.2): refuse a requested address that another identity holds (by an IKE SA or a
    /// binding, [`Engine::set_bound_hoas`]); off only to build a mutant.
    pub guard_used: bool,
    /// Answer N(INTERNAL_ADDRESS_FAILURE) when no address is left (RFC 4877 §9 MUST); off
    /// only to build a mutant, which sends a CFG_REPLY without an address instead.
    pub address_failure_notify: bool,
}

impl ResponderPolicy {
    /// A policy for an HA at `ha_addr` with a pool of 256 addresses in `pool_base`/64.
    pub fn new(ha_addr: Ipv6Addr, pool_base: Ipv6Addr) -> ResponderPolicy {
        ResponderPolicy {
            ha_addr,
            pool_base,
            pool_prefix_len: 64,
            pool_size: 256,
            home_prefix: None,
            dns: None,
            cookie_threshold: None,
            cookie_secret_lifetime_ms: 60_000,
            require_cp: false,
            configured: Vec::new(),
            guard_configured: true,
            guard_used: true,
            address_failure_notify: true,
        }
    }
}

/// How this end authenticates itself in IKE_AUTH.
#[derive(Debug, Clone)]
pub enum AuthConfig {
    /// Shared Key MIC with the key of the peer's ID in [`Config::psks`].
    Psk,
    /// An ECDSA P-256 certificate: CERT (X.509 Certificate - Signature) and a signature
    /// AUTH, method 14 (RFC 7427) when the peer announced SHA2-256 in
    /// SIGNATURE_HASH_ALGORITHMS, else method 9 (RFC 4754).
    Cert(Credential),
}

/// Engine configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Our identity (IDi as initiator, IDr as responder).
    pub local_id: Id,
    /// Peer identities and their shared keys. The responder looks IDi up here; the
    /// initiator uses the key of [`InitiateRequest::peer_id`] or the first entry.
    pub psks: Vec<(Id, Vec<u8>)>,
    /// IKE proposals, one per suite, each offering every group in `groups`.
    pub ike_suites: Vec<Suite>,
    /// DH groups in preference order; the initiator's first KE uses the first one.
    pub groups: Vec<DhGroup>,
    /// ESP proposals for Child SAs.
    pub esp_suites: Vec<EspSuite>,
    pub retransmit: Retransmit,
    pub limits: Limits,
    /// Addresses written into ESP key-log lines (`*` when unknown).
    pub local_addr: Option<IpAddr>,
    pub peer_addr: Option<IpAddr>,
    /// How this engine answers as a responder; `None` refuses IKE_SA_INIT requests.
    pub responder: Option<ResponderPolicy>,
    /// Nonce length (16..=256).
    pub nonce_len: usize,
    /// How this end authenticates ([`AuthConfig::Psk`] by default).
    pub auth: AuthConfig,
    /// CAs whose certificates authenticate peers that sign their AUTH (methods 9 and 14).
    /// When not empty, this end sends CERTREQ with their key hashes. A peer's shared-key
    /// AUTH is still checked against `psks`. Validity is checked at the time given to
    /// [`Engine::set_unix_time`].
    pub trust_anchors: Vec<TrustAnchor>,
    /// Send SIGNATURE_HASH_ALGORITHMS (RFC 7427) in IKE_SA_INIT when certificates are in
    /// use (a credential or trust anchors), and sign with method 14 when the peer did too.
    pub rfc7427: bool,
    /// A peer's certificate must name its IDi/IDr in subjectAltName (RFC 4877 §7.3: an
    /// address ID must be an iPAddress of the certificate). Off only to build a mutant.
    pub cert_binds_id: bool,
}

impl Config {
    pub fn new(local_id: Id, psks: Vec<(Id, Vec<u8>)>) -> Config {
        Config {
            local_id,
            psks,
            ike_suites: vec![Suite::AES128_SHA256, Suite::AES256GCM16_SHA256],
            groups: vec![DhGroup::Curve25519, DhGroup::Ecp256, DhGroup::Modp2048],
            esp_suites: vec![EspSuite::AES128_SHA256, EspSuite::AES128GCM16],
            retransmit: Retransmit::default(),
            limits: Limits::default(),
            local_addr: None,
            peer_addr: None,
            responder: None,
            nonce_len: 32,
            auth: AuthConfig::Psk,
            trust_anchors: Vec::new(),
            rfc7427: true,
            cert_binds_id: true,
        }
    }

    /// Certificate authentication both ways: this end signs with `cred` and trusts `ca`.
    /// `psks` may stay empty.
    pub fn with_cert(local_id: Id, cred: Credential, ca: TrustAnchor) -> Config {
        let mut c = Config::new(local_id, Vec::new());
        c.auth = AuthConfig::Cert(cred);
        c.trust_anchors = vec![ca];
        c
    }

    fn uses_certs(&self) -> bool {
        matches!(self.auth, AuthConfig::Cert(_)) || !self.trust_anchors.is_empty()
    }
}

/// A Child SA to ask for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildRequest {
    pub tsi: Vec<TrafficSelector>,
    pub tsr: Vec<TrafficSelector>,
    /// Send USE_TRANSPORT_MODE.
    pub transport: bool,
}

/// The whole IPv6 address range.
pub const ANY6: (Ipv6Addr, Ipv6Addr) = (
    Ipv6Addr::UNSPECIFIED,
    Ipv6Addr::new(
        0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff,
    ),
);

impl ChildRequest {
    /// MH (protocol 135) selectors for BU and BA (MH types 5..=6) between `hoa` (any address
    /// when `None`, to be narrowed by the HA) and the HA, transport mode (RFC 4877 §7.2.1).
    pub fn mh(hoa: Option<Ipv6Addr>, ha: Ipv6Addr) -> ChildRequest {
        let (s, e) = hoa.map_or(ANY6, |a| (a, a));
        ChildRequest {
            tsi: vec![TrafficSelector::mh_range(s, e, 5, 6)],
            tsr: vec![TrafficSelector::mh_range(ha, ha, 5, 6)],
            transport: true,
        }
    }

    /// ICMPv6 selectors for Mobile Prefix Solicitation and Advertisement (types 146..=147,
    /// any code) between `hoa` and the HA, transport mode (RFC 4877 §4.3, RFC 6275 §5.4):
    /// the SA an MN asks for with CREATE_CHILD_SA before Mobile Prefix Discovery.
    pub fn mobile_prefix(hoa: Ipv6Addr, ha: Ipv6Addr) -> ChildRequest {
        ChildRequest {
            tsi: vec![TrafficSelector::icmp6_range(
                hoa,
                hoa,
                MPD_TYPES.0,
                MPD_TYPES.1,
            )],
            tsr: vec![TrafficSelector::icmp6_range(
                ha,
                ha,
                MPD_TYPES.0,
                MPD_TYPES.1,
            )],
            transport: true,
        }
    }
}

/// ICMPv6 Mobile Prefix Solicitation and Advertisement (RFC 6275 §6.7, §6.8).
pub const MPD_TYPES: (u8, u8) = (146, 147);

/// What [`Engine::initiate`] sets up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitiateRequest {
    /// Sent as IDr when `Some`; also picks the shared key.
    pub peer_id: Option<Id>,
    /// The CFG_REQUEST attributes (no CP when `None`).
    pub cfg_request: Option<Vec<CpAttribute>>,
    /// The Child SA of IKE_AUTH.
    pub child: Option<ChildRequest>,
    /// Send N(INITIAL_CONTACT) in IKE_AUTH.
    pub initial_contact: bool,
    /// Authenticate with EAP (RFC 7296 §2.16): no AUTH in the first IKE_AUTH, then EAP
    /// rounds, then AUTH with the MSK. Needs [`Engine::set_eap_client`].
    pub eap: bool,
}

impl InitiateRequest {
    /// A dynamic home address: CFG_REQUEST with an empty INTERNAL_IP6_ADDRESS, MH Child SA.
    pub fn dynamic_hoa(ha: Ipv6Addr) -> InitiateRequest {
        InitiateRequest {
            peer_id: None,
            cfg_request: Some(vec![CpAttribute::request(cp_attr::INTERNAL_IP6_ADDRESS)]),
            child: Some(ChildRequest::mh(None, ha)),
            initial_contact: false,
            eap: false,
        }
    }

    /// The home prefix: CFG_REQUEST with an empty MIP6_HOME_PREFIX (RFC 5026 §5.3.2).
    pub fn home_prefix(ha: Ipv6Addr) -> InitiateRequest {
        InitiateRequest {
            peer_id: None,
            cfg_request: Some(vec![CpAttribute::request(cp_attr::MIP6_HOME_PREFIX)]),
            child: Some(ChildRequest::mh(None, ha)),
            initial_contact: false,
            eap: false,
        }
    }
}

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
        role: Role,
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
    /// An incoming datagram was ignored (malformed, unknown SPI, bad ICV, …).
    Dropped {
        reason: String,
    },
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

/// One step of the responder's EAP backend (RFC 7296 §2.16).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EapStep {
    /// Send this EAP message to the peer.
    Send(Vec<u8>),
    /// EAP succeeded: the MSK and the EAP-Success to send.
    Success { msk: Vec<u8>, final_msg: Vec<u8> },
    /// EAP failed: the EAP-Failure to send.
    Failure(Vec<u8>),
    /// The backend has no answer yet (e.g. waiting on RADIUS); call again.
    Pending,
}

/// The responder's EAP authenticator, one per IKE SA (a RADIUS relay implements it).
/// Messages are whole EAP packets (code, identifier, length, data).
pub trait EapBackend {
    /// The first IKE_AUTH arrived without AUTH: start EAP for this IDi (its data).
    fn start(&mut self, identity: &[u8]) -> EapStep;
    /// The peer's EAP message.
    fn step(&mut self, eap_msg: &[u8]) -> EapStep;
    /// Called from [`Engine::tick`] after a [`EapStep::Pending`] until it has an answer.
    fn poll(&mut self) -> EapStep {
        EapStep::Pending
    }
}

/// The initiator's EAP peer method, one per IKE SA.
pub trait EapClient {
    /// The answer to an EAP Request (whole EAP packets); `None` gives up.
    fn step(&mut self, eap_request: &[u8]) -> Option<Vec<u8>>;
    /// The MSK once the method has derived it.
    fn msk(&self) -> Option<Vec<u8>>;
}

/// Makes the EAP backend of a new responder IKE SA.
pub type EapBackendFactory = Box<dyn FnMut() -> Box<dyn EapBackend + Send> + Send>;
/// Makes the EAP client of a new initiator IKE SA.
pub type EapClientFactory = Box<dyn FnMut() -> Box<dyn EapClient + Send> + Send>;

struct EapCtx {
    backend: Option<Box<dyn EapBackend + Send>>,
    client: Option<Box<dyn EapClient + Send>>,
    /// Responder: the first IKE_AUTH request (its CP, SA, TSi, TSr are answered at the end).
    first_inner: Vec<Payload>,
    idi: Option<Id>,
    msk: Option<Vec<u8>>,
    /// Responder: the request waiting on the backend, and the payloads to put before EAP.
    awaiting: Option<(u32, Vec<Payload>)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Initiator: IKE_SA_INIT sent.
    InitSent,
    /// Initiator: IKE_AUTH sent.
    AuthSent,
    /// Responder: IKE_SA_INIT answered, waiting for IKE_AUTH.
    HalfOpen,
    Established,
}

#[derive(Debug, Clone)]
enum ReqKind {
    Init,
    Auth,
    AuthEap,
    AuthFinal,
    CreateChild {
        spi: u32,
        nonce: Vec<u8>,
        req: ChildRequest,
        rekey_of: Option<u32>,
    },
    DeleteIke,
    DeleteChildren(Vec<u32>),
    Liveness,
}

#[derive(Debug, Clone)]
enum PendingReq {
    CreateChild {
        req: ChildRequest,
        rekey_of: Option<u32>,
    },
    DeleteIke,
    DeleteChildren(Vec<u32>),
    Liveness,
}

#[derive(Debug, Clone)]
struct Outstanding {
    msg_id: u32,
    bytes: Vec<u8>,
    kind: ReqKind,
    sent_at: u64,
    retransmits: u32,
}

struct IkeSa {
    role: Role,
    state: State,
    ispi: [u8; 8],
    rspi: [u8; 8],
    created: u64,
    // IKE_SA_INIT material.
    group: DhGroup,
    dh: Option<DhKey>,
    ni: Vec<u8>,
    nr: Vec<u8>,
    cookie: Option<Vec<u8>>,
    init_retries: u32,
    /// Our IKE_SA_INIT message as sent (request or response), for AUTH.
    my_init: Vec<u8>,
    /// The peer's IKE_SA_INIT message.
    peer_init: Vec<u8>,
    /// The responder's IKE_SA_INIT request bytes (to spot retransmissions).
    init_request: Vec<u8>,
    keys: Option<IkeKeys>,
    psk: Vec<u8>,
    peer_id: Option<Id>,
    // Initiator's IKE_AUTH.
    auth_req: Option<InitiateRequest>,
    auth_child_spi: u32,
    eap: Option<EapCtx>,
    // Windows.
    next_req_id: u32,
    outstanding: Option<Outstanding>,
    pending: VecDeque<PendingReq>,
    peer_next_id: u32,
    last_response: Option<(u32, Vec<u8>)>,
    children: Vec<ChildSa>,
    /// Responder: addresses or range the peer may use as TSi (its HoA or the home prefix).
    allowed_tsi: Option<(Ipv6Addr, Ipv6Addr)>,
    assigned: Option<Ipv6Addr>,
    /// The peer's SIGNATURE_HASH_ALGORITHMS (RFC 7427), empty when it sent none.
    peer_hashes: Vec<u16>,
}

impl IkeSa {
    fn local_spi(&self) -> [u8; 8] {
        match self.role {
            Role::Initiator => self.ispi,
            Role::Responder => self.rspi,
        }
    }

    fn my_keys(&self) -> Option<DirectionKeys> {
        let k = self.keys.as_ref()?;
        Some(match self.role {
            Role::Initiator => k.initiator(),
            Role::Responder => k.responder(),
        })
    }

    fn peer_keys(&self) -> Option<DirectionKeys> {
        let k = self.keys.as_ref()?;
        Some(match self.role {
            Role::Initiator => k.responder(),
            Role::Responder => k.initiator(),
        })
    }

    fn my_flags(&self, response: bool) -> u8 {
        let mut f = 0;
        if self.role == Role::Initiator {
            f |= flags::I;
        }
        if response {
            f |= flags::R;
        }
        f
    }
}

/// The responder's cookie secrets: the current one and the one before it.
struct CookieSecrets {
    version: u8,
    current: [u8; 32],
    previous: Option<(u8, [u8; 32])>,
    /// When `current` was made (engine milliseconds).
    since: u64,
}

/// The engine. See the module documentation.
pub struct Engine {
    cfg: Config,
    rng: RngFn,
    hooks: Hooks,
    sas: Vec<IkeSa>,
    out: VecDeque<Vec<u8>>,
    events: VecDeque<Event>,
    cookies: CookieSecrets,
    /// The sender of the datagram being handled, when the driver says
    /// ([`Engine::handle_datagram_from`]): part of the cookie (RFC 7296 §2.6).
    from: Option<std::net::IpAddr>,
    now: u64,
    eap_backend: Option<EapBackendFactory>,
    eap_client: Option<EapClientFactory>,
    unix_time: Option<u64>,
    /// Home addresses held by bindings, with the (normalized) identity holding each: the
    /// HA's Binding Cache, as its driver last said ([`Engine::set_bound_hoas`]).
    bound_hoas: std::collections::HashMap<Ipv6Addr, String>,
}

fn p(body: PayloadBody) -> Payload {
    Payload::new(body)
}

/// An identity in the form bindings record it (`Engine::set_bound_hoas`): an address
/// formatted, a name in ASCII lower case without a trailing dot.
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

macro_rules! find_body {
    ($payloads:expr, $variant:ident) => {
        $payloads.iter().find_map(|x| match &x.body {
            PayloadBody::$variant(v) => Some(v),
            _ => None,
        })
    };
}

/// Unknown critical payloads (RFC 7296 §2.5): the first one's type.
fn unsupported_critical(payloads: &[Payload]) -> Option<u8> {
    payloads.iter().find_map(|x| match &x.body {
        PayloadBody::Unknown { payload_type, .. } if x.critical() => Some(*payload_type),
        _ => None,
    })
}

fn ike_proposals(suites: &[Suite], groups: &[DhGroup]) -> Sa {
    let mut proposals = Vec::new();
    for (i, s) in suites.iter().enumerate() {
        let mut t = vec![Transform::new(transform_type::ENCR, s.encr.id())
            .with_key_length((s.encr.key_len() * 8) as u16)];
        t.push(Transform::new(transform_type::PRF, s.prf.id()));
        if !s.encr.is_aead() {
            t.push(Transform::new(transform_type::INTEG, s.integ.id()));
        }
        for g in groups {
            t.push(Transform::new(transform_type::DH, g.id()));
        }
        proposals.push(Proposal {
            number: (i + 1) as u8,
            protocol_id: protocol_id::IKE,
            transforms: t,
            ..Proposal::default()
        });
    }
    Sa { proposals }
}

fn esp_proposals(suites: &[EspSuite], spi: u32) -> Sa {
    let mut proposals = Vec::new();
    for (i, s) in suites.iter().enumerate() {
        let mut t = vec![Transform::new(transform_type::ENCR, s.encr.id())
            .with_key_length((s.encr.key_len() * 8) as u16)];
        if !s.encr.is_aead() {
            t.push(Transform::new(transform_type::INTEG, s.integ.id()));
        }
        t.push(Transform::new(transform_type::ESN, 0));
        proposals.push(Proposal {
            number: (i + 1) as u8,
            protocol_id: protocol_id::ESP,
            spi: spi.to_be_bytes().to_vec(),
            transforms: t,
            ..Proposal::default()
        });
    }
    Sa { proposals }
}

fn encr_of(t: &Transform) -> Option<Encr> {
    Encr::from_id(t.transform_id, t.key_length()?)
}

/// The IKE suite and groups of a proposal, if every type has an acceptable transform.
/// Returns (proposal with one transform per type, suite, acceptable groups in proposal order).
fn pick_ike(prop: &Proposal, groups: &[DhGroup]) -> Option<(Proposal, Suite, Vec<DhGroup>)> {
    if prop.protocol_id != protocol_id::IKE {
        return None;
    }
    let of = |ty: u8| {
        prop.transforms
            .iter()
            .filter(move |t| t.transform_type == ty)
    };
    let encr_t = of(transform_type::ENCR).find(|t| encr_of(t).is_some())?;
    let encr = encr_of(encr_t)?;
    let prf_t = of(transform_type::PRF).find(|t| Prf::from_id(t.transform_id).is_some())?;
    let prf = Prf::from_id(prf_t.transform_id)?;
    let integ_t = if encr.is_aead() {
        None
    } else {
        Some(
            of(transform_type::INTEG)
                .find(|t| matches!(Integ::from_id(t.transform_id), Some(i) if i != Integ::None))?,
        )
    };
    let integ = integ_t.map_or(Integ::None, |t| {
        Integ::from_id(t.transform_id).unwrap_or(Integ::None)
    });
    let offered: Vec<DhGroup> = of(transform_type::DH)
        .filter_map(|t| DhGroup::from_id(t.transform_id))
        .filter(|g| groups.contains(g))
        .collect();
    if offered.is_empty() {
        return None;
    }
    let mut t = vec![encr_t.clone(), prf_t.clone()];
    if let Some(i) = integ_t {
        t.push(i.clone());
    }
    t.push(Transform::new(transform_type::DH, offered[0].id()));
    Some((
        Proposal {
            reserved: 0,
            number: prop.number,
            protocol_id: protocol_id::IKE,
            spi: Vec::new(),
            transforms: t,
        },
        Suite { encr, integ, prf },
        offered,
    ))
}

/// An acceptable ESP proposal: (answer proposal with our SPI, suite, peer's SPI).
fn pick_esp(sa: &Sa, ours: &[EspSuite], my_spi: u32) -> Option<(Proposal, EspSuite, u32)> {
    for prop in &sa.proposals {
        if prop.protocol_id != protocol_id::ESP || prop.spi.len() != 4 {
            continue;
        }
        let of = |ty: u8| {
            prop.transforms
                .iter()
                .filter(move |t| t.transform_type == ty)
        };
        for s in ours {
            let Some(e) = of(transform_type::ENCR).find(|t| encr_of(t) == Some(s.encr)) else {
                continue;
            };
            let i = if s.encr.is_aead() {
                None
            } else {
                match of(transform_type::INTEG).find(|t| t.transform_id == s.integ.id()) {
                    Some(i) => Some(i),
                    None => continue,
                }
            };
            let has_esn = of(transform_type::ESN).next().is_some();
            if has_esn && !of(transform_type::ESN).any(|t| t.transform_id == 0) {
                continue;
            }
            let mut t = vec![e.clone()];
            if let Some(i) = i {
                t.push(i.clone());
            }
            if has_esn {
                t.push(Transform::new(transform_type::ESN, 0));
            }
            let peer_spi = u32::from_be_bytes([prop.spi[0], prop.spi[1], prop.spi[2], prop.spi[3]]);
            return Some((
                Proposal {
                    reserved: 0,
                    number: prop.number,
                    protocol_id: protocol_id::ESP,
                    spi: my_spi.to_be_bytes().to_vec(),
                    transforms: t,
                },
                *s,
                peer_spi,
            ));
        }
    }
    None
}

/// The suite and SPI of a responder's chosen ESP proposal.
fn chosen_esp(sa: &Sa) -> Option<(EspSuite, u32)> {
    let prop = sa.proposals.first()?;
    if prop.protocol_id != protocol_id::ESP || prop.spi.len() != 4 || sa.proposals.len() != 1 {
        return None;
    }
    let encr = encr_of(prop.transform(transform_type::ENCR)?)?;
    let integ = if encr.is_aead() {
        Integ::None
    } else {
        Integ::from_id(prop.transform(transform_type::INTEG)?.transform_id)?
    };
    let spi = u32::from_be_bytes([prop.spi[0], prop.spi[1], prop.spi[2], prop.spi[3]]);
    Some((EspSuite { encr, integ }, spi))
}

fn v6_range(ts: &TrafficSelector) -> Option<(u8, u16, u16, Ipv6Addr, Ipv6Addr)> {
    match ts {
        TrafficSelector::Ipv6 {
            ip_protocol,
            start_port,
            end_port,
            start,
            end,
        } => Some((*ip_protocol, *start_port, *end_port, *start, *end)),
        _ => None,
    }
}

/// Narrows a TS list to `[lo, hi]` for MH: the first selector whose protocol is MH or any
/// and whose range covers `[lo, hi]`.
fn narrow(list: &[TrafficSelector], lo: Ipv6Addr, hi: Ipv6Addr) -> Option<TrafficSelector> {
    list.iter().find_map(|ts| {
        let (proto, sp, ep, s, e) = v6_range(ts)?;
        if (proto != 0 && proto != mip6lab_wire::ikev2::IPPROTO_MH) || s > lo || e < hi || sp > ep {
            return None;
        }
        Some(TrafficSelector::Ipv6 {
            ip_protocol: mip6lab_wire::ikev2::IPPROTO_MH,
            start_port: sp,
            end_port: ep,
            start: lo,
            end: hi,
        })
    })
}

/// Whether a TS list asks for ICMPv6 (protocol 58) rather than MH or any protocol.
fn is_icmp6(list: &[TrafficSelector]) -> bool {
    list.iter()
        .filter_map(v6_range)
        .any(|(proto, ..)| proto == mip6lab_wire::ikev2::IPPROTO_ICMPV6)
}

/// Narrows a TS list to `[lo, hi]` and to Mobile Prefix Discovery: the first ICMPv6 (or
/// any-protocol) selector covering `[lo, hi]` whose port range meets types 146..=147; the
/// ports become the overlap, so no other ICMPv6 type rides on the SA.
fn narrow_mpd(list: &[TrafficSelector], lo: Ipv6Addr, hi: Ipv6Addr) -> Option<TrafficSelector> {
    let TrafficSelector::Ipv6 {
        start_port: want_sp,
        end_port: want_ep,
        ..
    } = TrafficSelector::icmp6_range(lo, hi, MPD_TYPES.0, MPD_TYPES.1)
    else {
        return None;
    };
    list.iter().find_map(|ts| {
        let (proto, sp, ep, s, e) = v6_range(ts)?;
        let icmp = mip6lab_wire::ikev2::IPPROTO_ICMPV6;
        let (sp, ep) = (sp.max(want_sp), ep.min(want_ep));
        if (proto != 0 && proto != icmp) || s > lo || e < hi || sp > ep {
            return None;
        }
        Some(TrafficSelector::Ipv6 {
            ip_protocol: icmp,
            start_port: sp,
            end_port: ep,
            start: lo,
            end: hi,
        })
    })
}

fn prefix_range(prefix: Ipv6Addr, len: u8) -> (Ipv6Addr, Ipv6Addr) {
    let len = u32::from(len.min(128));
    let mask: u128 = if len == 0 {
        0
    } else {
        u128::MAX << (128 - len)
    };
    let p = u128::from(prefix) & mask;
    (Ipv6Addr::from(p), Ipv6Addr::from(p | !mask))
}

fn esp_spi_from(b: &[u8]) -> Option<u32> {
    let a: [u8; 4] = b.try_into().ok()?;
    Some(u32::from_be_bytes(a))
}

impl Engine {
    pub fn new(cfg: Config, mut rng: RngFn) -> Engine {
        let mut cookie_secret = [0u8; 32];
        rng(&mut cookie_secret);
        Engine {
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
            sas: Vec::new(),
            out: VecDeque::new(),
            events: VecDeque::new(),
            now: 0,
            eap_backend: None,
            eap_client: None,
            unix_time: None,
            bound_hoas: Default::default(),
        }
    }

    /// The home addresses bindings hold now, each with the identity (IDi) that holds it. RFC
    /// 5026 §9.2 FCFS: an address stays used "for at least as long as the binding exists",
    /// also after the IKE SA that allocated it is gone; the HA driver calls this whenever its
    /// Binding Cache changes.
    pub fn set_bound_hoas(&mut self, bound: impl IntoIterator<Item = (Ipv6Addr, String)>) {
        self.bound_hoas = bound
            .into_iter()
            .map(|(a, id)| (a, crate::binding::normalize_identity(&id)))
            .collect();
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
        self.eap_backend = Some(f);
    }

    /// As initiator: the EAP method for [`InitiateRequest::eap`].
    pub fn set_eap_client(&mut self, f: EapClientFactory) {
        self.eap_client = Some(f);
    }

    /// The next datagram to send.
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
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

    /// When [`Engine::tick`] next has something to do.
    pub fn next_timeout(&self) -> Option<u64> {
        let mut t: Option<u64> = None;
        for s in &self.sas {
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
        self.sas.iter().find(|s| s.local_spi() == id.0)
    }

    fn idx(&self, id: SaId) -> Option<usize> {
        self.sas.iter().position(|s| s.local_spi() == id.0)
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
            if s != [0; 8] && !self.sas.iter().any(|x| x.local_spi() == s) {
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

    fn send_raw(&mut self, b: Vec<u8>) {
        if self.out.len() >= self.cfg.limits.max_queue {
            self.out.pop_front();
        }
        self.out.push_back(b);
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

    // ------------------------------------------------------------ initiator

    /// Starts an IKE SA as the original initiator; the first datagram is queued.
    pub fn initiate(&mut self, now: u64, req: InitiateRequest) -> SaId {
        self.now = now;
        let ispi = self.random_spi8();
        let group = self
            .cfg
            .groups
            .first()
            .copied()
            .unwrap_or(DhGroup::Curve25519);
        let dh = DhKey::generate(group, &mut *self.rng);
        let ni = self.random(self.cfg.nonce_len.clamp(16, 256));
        let psk = req
            .peer_id
            .as_ref()
            .and_then(|id| self.cfg.psks.iter().find(|(i, _)| i == id))
            .or(self.cfg.psks.first())
            .map(|(_, k)| k.clone())
            .unwrap_or_default();
        let sa = IkeSa {
            role: Role::Initiator,
            state: State::InitSent,
            ispi,
            rspi: [0; 8],
            created: now,
            group,
            dh: Some(dh),
            ni,
            nr: Vec::new(),
            cookie: None,
            init_retries: 0,
            my_init: Vec::new(),
            peer_init: Vec::new(),
            init_request: Vec::new(),
            keys: None,
            psk,
            peer_id: None,
            auth_req: Some(req),
            auth_child_spi: 0,
            eap: None,
            next_req_id: 0,
            outstanding: None,
            pending: VecDeque::new(),
            peer_next_id: 0,
            last_response: None,
            children: Vec::new(),
            allowed_tsi: None,
            assigned: None,
            peer_hashes: Vec::new(),
        };
        if self.sas.len() >= self.cfg.limits.max_sas {
            self.sas.remove(0);
        }
        self.sas.push(sa);
        let i = self.sas.len() - 1;
        self.send_init(i, now);
        SaId(ispi)
    }

    fn send_init(&mut self, i: usize, now: u64) {
        let sa = &self.sas[i];
        let mut payloads = Vec::new();
        if let Some(c) = &sa.cookie {
            payloads.push(notify(notify_type::COOKIE, c.clone()));
        }
        payloads.push(p(PayloadBody::Sa(ike_proposals(
            &self.cfg.ike_suites,
            &self.cfg.groups,
        ))));
        let dh = sa.dh.as_ref().expect("initiator has a DH key");
        payloads.push(p(PayloadBody::Ke(Ke {
            group: dh.group.id(),
            reserved: 0,
            data: dh.public.clone(),
        })));
        payloads.push(p(PayloadBody::Nonce(sa.ni.clone())));
        payloads.extend(self.hash_notify());
        let mut m = Self::header(sa, exchange::IKE_SA_INIT, false, 0);
        m.rspi = [0; 8];
        m.payloads = payloads;
        let bytes = self.build(m, None, None);
        let sa = &mut self.sas[i];
        sa.my_init = bytes.clone();
        sa.next_req_id = 1;
        sa.outstanding = Some(Outstanding {
            msg_id: 0,
            bytes: bytes.clone(),
            kind: ReqKind::Init,
            sent_at: now,
            retransmits: 0,
        });
        self.send_raw(bytes);
    }

    fn fail(&mut self, i: usize, reason: impl Into<String>) {
        let sa = self.sas.remove(i);
        self.release(&sa);
        self.event(Event::Failed {
            sa: SaId(sa.local_spi()),
            reason: reason.into(),
        });
    }

    fn release(&mut self, _sa: &IkeSa) {
        // Pool addresses are derived from the SAs that hold them; nothing else to free.
    }

    fn on_init_response(&mut self, i: usize, bytes: &[u8], m: Message) {
        let id = SaId(self.sas[i].ispi);
        if let Some(n) = find_notify(&m.payloads, notify_type::COOKIE) {
            let sa = &mut self.sas[i];
            if sa.init_retries >= 3 || n.data.is_empty() || n.data.len() > 64 {
                return self.fail(i, "COOKIE demanded again (or bad cookie)");
            }
            sa.init_retries += 1;
            sa.cookie = Some(n.data.clone());
            self.event(Event::InitRetry {
                sa: id,
                reason: "responder demanded a COOKIE".into(),
            });
            return self.send_init(i, self.now);
        }
        if let Some(n) = find_notify(&m.payloads, notify_type::INVALID_KE_PAYLOAD) {
            let want = (n.data.len() == 2).then(|| u16::from_be_bytes([n.data[0], n.data[1]]));
            let g = want
                .and_then(DhGroup::from_id)
                .filter(|g| self.cfg.groups.contains(g));
            let sa = &mut self.sas[i];
            match g {
                Some(g) if sa.init_retries < 3 && g != sa.group => {
                    sa.init_retries += 1;
                    sa.group = g;
                    sa.dh = Some(DhKey::generate(g, &mut *self.rng));
                    self.event(Event::InitRetry {
                        sa: id,
                        reason: format!("INVALID_KE_PAYLOAD: responder wants group {}", g.id()),
                    });
                    return self.send_init(i, self.now);
                }
                _ => {
                    return self.fail(
                        i,
                        format!("INVALID_KE_PAYLOAD asking for unsupported group {want:?}"),
                    )
                }
            }
        }
        if let Some(n) = first_error_notify(&m.payloads) {
            let name = n.name().unwrap_or("unknown error");
            return self.fail(
                i,
                format!("IKE_SA_INIT refused: {name} ({})", n.notify_type),
            );
        }
        if m.rspi == [0; 8] {
            return self.drop_in("IKE_SA_INIT response with zero SPIr");
        }
        let (Some(sa_p), Some(ke), Some(nr)) = (
            find_body!(m.payloads, Sa),
            find_body!(m.payloads, Ke),
            find_body!(m.payloads, Nonce),
        ) else {
            return self.fail(i, "IKE_SA_INIT response lacks SA, KE or Nonce");
        };
        if sa_p.proposals.len() != 1 || !(16..=256).contains(&nr.len()) {
            return self.fail(i, "IKE_SA_INIT response: not one proposal, or bad nonce");
        }
        let group = self.sas[i].group;
        let Some((_, suite, groups)) = pick_ike(&sa_p.proposals[0], &[group]) else {
            return self.fail(i, "responder chose a proposal we cannot use");
        };
        let offered = self.cfg.ike_suites.iter().any(|s| {
            s.encr == suite.encr
                && s.prf == suite.prf
                && (s.encr.is_aead() || s.integ == suite.integ)
        });
        if !offered || groups != [group] || ke.group != group.id() {
            return self.fail(i, "responder's choice was not offered");
        }
        let sa = &mut self.sas[i];
        let shared = match sa.dh.as_ref().map(|d| d.shared(&ke.data)) {
            Some(Ok(s)) => s,
            Some(Err(e)) => return self.fail(i, format!("bad KE: {e}")),
            None => return self.fail(i, "no DH key"),
        };
        sa.rspi = m.rspi;
        sa.nr = nr.clone();
        sa.peer_init = bytes.to_vec();
        sa.peer_hashes = find_notify(&m.payloads, cert::SIGNATURE_HASH_ALGORITHMS)
            .map(|n| cert::parse_hashes(&n.data))
            .unwrap_or_default();
        let keys =
            match IkeKeys::from_shared_secret(suite, &shared, &sa.ni, &sa.nr, &sa.ispi, &sa.rspi) {
                Ok(k) => k,
                Err(e) => return self.fail(i, format!("key derivation: {e}")),
            };
        // Logged now, not at establishment: an IKE_AUTH that fails (wrong key, EAP
        // failure) must still be decryptable in the capture.
        let entry = keylog::ike_entry(&sa.ispi, &sa.rspi, &keys);
        sa.keys = Some(keys);
        sa.dh = None;
        sa.outstanding = None;
        self.event(Event::KeyLog(entry));
        self.send_auth(i);
    }

    fn send_auth(&mut self, i: usize) {
        let spi = self.random_esp_spi();
        let now = self.now;
        let sa = &mut self.sas[i];
        sa.auth_child_spi = spi;
        let req = sa.auth_req.clone().unwrap_or(InitiateRequest {
            peer_id: None,
            cfg_request: None,
            child: None,
            initial_contact: false,
            eap: false,
        });
        let keys = sa.keys.clone().expect("keys");
        let idi = self.cfg.local_id.clone();
        let rest = PayloadBody::IdI(idi.clone()).body_bytes();
        let so = signed_octets(keys.suite.prf, &sa.my_init, &sa.nr, &keys.sk_pi, &rest);
        let psk = sa.psk.clone();
        let (my_cert, my_auth) = self.my_auth(i, keys.suite.prf, &so, &psk);
        let mut inner = vec![p(PayloadBody::IdI(idi))];
        if !req.eap {
            inner.extend(my_cert);
        }
        inner.extend(self.certreq());
        if req.initial_contact {
            inner.push(notify(notify_type::INITIAL_CONTACT, vec![]));
        }
        if let Some(idr) = &req.peer_id {
            inner.push(p(PayloadBody::IdR(idr.clone())));
        }
        if !req.eap {
            inner.push(my_auth);
        }
        if let Some(attrs) = &req.cfg_request {
            inner.push(p(PayloadBody::Cp(Cp::new(
                cfg_type::REQUEST,
                attrs.clone(),
            ))));
        }
        if let Some(c) = &req.child {
            if c.transport {
                inner.push(notify(notify_type::USE_TRANSPORT_MODE, vec![]));
            }
            inner.push(p(PayloadBody::Sa(esp_proposals(&self.cfg.esp_suites, spi))));
            inner.push(p(PayloadBody::TsI(Ts::new(c.tsi.clone()))));
            inner.push(p(PayloadBody::TsR(Ts::new(c.tsr.clone()))));
        }
        let sa = &self.sas[i];
        let m = Self::header(sa, exchange::IKE_AUTH, false, 1);
        let k = keys.initiator();
        let bytes = self.build(m, Some(inner), Some(&k));
        let client = if req.eap {
            self.eap_client.as_mut().map(|f| f())
        } else {
            None
        };
        let sa = &mut self.sas[i];
        if req.eap {
            sa.eap = Some(EapCtx {
                backend: None,
                client,
                first_inner: Vec::new(),
                idi: None,
                msk: None,
                awaiting: None,
            });
        }
        sa.state = State::AuthSent;
        sa.next_req_id = 2;
        sa.outstanding = Some(Outstanding {
            msg_id: 1,
            bytes: bytes.clone(),
            kind: ReqKind::Auth,
            sent_at: now,
            retransmits: 0,
        });
        self.send_raw(bytes);
    }

    /// Sends one more IKE_AUTH request (EAP rounds, the final AUTH).
    fn send_auth_msg(&mut self, i: usize, inner: Vec<Payload>, kind: ReqKind) {
        self.send_request(i, exchange::IKE_AUTH, inner, kind);
    }

    /// Sends an encrypted request on SA `i` with its next message ID and keeps it for
    /// retransmission until the response comes.
    fn send_request(&mut self, i: usize, exch: u8, inner: Vec<Payload>, kind: ReqKind) {
        let sa = &self.sas[i];
        let msg_id = sa.next_req_id;
        let m = Self::header(sa, exch, false, msg_id);
        let k = sa.my_keys().expect("keys of an SA past IKE_SA_INIT");
        let bytes = self.build(m, Some(inner), Some(&k));
        let now = self.now;
        let sa = &mut self.sas[i];
        sa.next_req_id = msg_id.wrapping_add(1);
        sa.outstanding = Some(Outstanding {
            msg_id,
            bytes: bytes.clone(),
            kind,
            sent_at: now,
            retransmits: 0,
        });
        self.send_raw(bytes);
    }

    /// Initiator: the EAP payload of an IKE_AUTH response.
    fn initiator_eap(&mut self, i: usize, inner: &[Payload]) {
        let Some(eap) = find_body!(inner, Eap).cloned() else {
            return self.fail(i, "IKE_AUTH response (EAP) without an EAP payload");
        };
        let bytes = PayloadBody::Eap(eap.clone()).body_bytes();
        match eap.code {
            1 => {
                let answer = self.sas[i]
                    .eap
                    .as_mut()
                    .and_then(|c| c.client.as_mut())
                    .and_then(|c| c.step(&bytes));
                match answer.map(|a| mip6lab_wire::ikev2::Eap::parse(&a)) {
                    Some(Ok(e)) => {
                        self.send_auth_msg(i, vec![p(PayloadBody::Eap(e))], ReqKind::AuthEap)
                    }
                    _ => self.fail(i, "the EAP client has no (valid) answer"),
                }
            }
            3 => {
                let msk = self.sas[i]
                    .eap
                    .as_ref()
                    .and_then(|c| c.client.as_ref())
                    .and_then(|c| c.msk());
                let Some(msk) = msk else {
                    return self.fail(i, "EAP Success but the method has no MSK");
                };
                let sa = &mut self.sas[i];
                let keys = sa.keys.clone().expect("keys");
                let rest = PayloadBody::IdI(self.cfg.local_id.clone()).body_bytes();
                let so = signed_octets(keys.suite.prf, &sa.my_init, &sa.nr, &keys.sk_pi, &rest);
                let auth = psk_auth(keys.suite.prf, &msk, &so);
                if let Some(c) = sa.eap.as_mut() {
                    c.msk = Some(msk);
                }
                self.send_auth_msg(
                    i,
                    vec![p(PayloadBody::Auth(Auth::new(
                        auth_method::SHARED_KEY_MIC,
                        auth,
                    )))],
                    ReqKind::AuthFinal,
                )
            }
            4 => self.fail(i, "EAP Failure"),
            c => self.fail(i, format!("unexpected EAP code {c}")),
        }
    }

    fn on_auth_response(&mut self, i: usize, kind: ReqKind, inner: Vec<Payload>) {
        if let Some(n) = find_notify(&inner, notify_type::AUTHENTICATION_FAILED) {
            let _ = n;
            return self.fail(i, "responder sent AUTHENTICATION_FAILED");
        }
        if self.sas[i].eap.is_some() {
            match kind {
                ReqKind::Auth => {
                    let Some(idr) = find_body!(inner, IdR).cloned() else {
                        return self.fail(i, "first IKE_AUTH response (EAP) without IDr");
                    };
                    // A responder AUTH here is checked with the shared key, if there is one.
                    if let Some(auth) = find_body!(inner, Auth) {
                        let sa = &self.sas[i];
                        let keys = sa.keys.clone().expect("keys");
                        let rest = PayloadBody::IdR(idr.clone()).body_bytes();
                        let so = signed_octets(
                            keys.suite.prf,
                            &sa.peer_init,
                            &sa.ni,
                            &keys.sk_pr,
                            &rest,
                        );
                        let wanted = sa.auth_req.as_ref().and_then(|r| r.peer_id.clone());
                        if auth.method != auth_method::SHARED_KEY_MIC {
                            if let Some(w) = wanted.filter(|w| *w != idr) {
                                let why = format!(
                                    "responder is {}, not the IDr asked for ({})",
                                    idr.display(),
                                    w.display()
                                );
                                return self.initiator_auth_failed(i, why);
                            }
                            if let Err(e) =
                                self.verify_peer_auth(keys.suite.prf, auth, &inner, &idr, &so, None)
                            {
                                let why = format!("responder's certificate AUTH: {e}");
                                return self.initiator_auth_failed(i, why);
                            }
                        } else if !sa.psk.is_empty()
                            && psk_auth(keys.suite.prf, &sa.psk, &so) != auth.data
                        {
                            return self.fail(i, "responder's AUTH does not verify");
                        }
                    }
                    self.sas[i].peer_id = Some(idr);
                    return self.initiator_eap(i, &inner);
                }
                ReqKind::AuthEap => return self.initiator_eap(i, &inner),
                _ => {
                    let sa = &self.sas[i];
                    let (Some(auth), Some(idr), Some(msk)) = (
                        find_body!(inner, Auth),
                        sa.peer_id.clone(),
                        sa.eap.as_ref().and_then(|c| c.msk.clone()),
                    ) else {
                        return self.fail(i, "final IKE_AUTH response without AUTH");
                    };
                    let keys = sa.keys.clone().expect("keys");
                    let rest = PayloadBody::IdR(idr.clone()).body_bytes();
                    let so =
                        signed_octets(keys.suite.prf, &sa.peer_init, &sa.ni, &keys.sk_pr, &rest);
                    if psk_auth(keys.suite.prf, &msk, &so) != auth.data {
                        return self.fail(i, "responder's AUTH (MSK) does not verify");
                    }
                    return self.initiator_complete(i, inner, idr, keys);
                }
            }
        }
        let (Some(idr), Some(auth)) = (find_body!(inner, IdR), find_body!(inner, Auth)) else {
            let why = first_error_notify(&inner)
                .map(|n| format!("{} ({})", n.name().unwrap_or("error"), n.notify_type))
                .unwrap_or_else(|| "no IDr or AUTH".into());
            return self.fail(i, format!("IKE_AUTH response without IDr/AUTH: {why}"));
        };
        let sa = &self.sas[i];
        let keys = sa.keys.clone().expect("keys");
        let wanted = sa.auth_req.as_ref().and_then(|r| r.peer_id.clone());
        if auth.method != auth_method::SHARED_KEY_MIC {
            // A signature binds the responder to IDr through its certificate: it must be the
            // one asked for.
            if let Some(w) = wanted.filter(|w| w != idr) {
                let why = format!(
                    "responder is {}, not the IDr asked for ({})",
                    idr.display(),
                    w.display()
                );
                return self.initiator_auth_failed(i, why);
            }
        }
        let rest = PayloadBody::IdR(idr.clone()).body_bytes();
        let so = signed_octets(keys.suite.prf, &sa.peer_init, &sa.ni, &keys.sk_pr, &rest);
        let psk = sa.psk.clone();
        if let Err(e) = self.verify_peer_auth(keys.suite.prf, auth, &inner, idr, &so, Some(&psk)) {
            let why = if auth.method == auth_method::SHARED_KEY_MIC {
                "responder's AUTH does not verify".to_string()
            } else {
                format!("responder's certificate AUTH: {e}")
            };
            return self.initiator_auth_failed(i, why);
        }
        let idr = idr.clone();
        self.initiator_complete(i, inner, idr, keys);
    }

    // ------------------------------------------------------------ authentication

    /// This end's CERT (with a certificate) and AUTH over `so`; `psk` for a shared key.
    fn my_auth(&self, i: usize, prf: Prf, so: &[u8], psk: &[u8]) -> (Option<Payload>, Payload) {
        match &self.cfg.auth {
            AuthConfig::Cert(c) => {
                let rfc7427 =
                    self.cfg.rfc7427 && self.sas[i].peer_hashes.contains(&cert::hash_alg::SHA2_256);
                let method = if rfc7427 {
                    cert::AUTH_DIGITAL_SIGNATURE
                } else {
                    cert::AUTH_ECDSA_SHA256_P256
                };
                (
                    Some(p(PayloadBody::Cert(Cert {
                        encoding: cert::CERT_X509_SIGNATURE,
                        data: c.cert_der().to_vec(),
                    }))),
                    p(PayloadBody::Auth(Auth::new(method, c.sign(method, so)))),
                )
            }
            AuthConfig::Psk => (
                None,
                p(PayloadBody::Auth(Auth::new(
                    auth_method::SHARED_KEY_MIC,
                    psk_auth(prf, psk, so),
                ))),
            ),
        }
    }

    /// CERTREQ naming the trusted CAs (SHA-1 of their SubjectPublicKeyInfo), if any.
    fn certreq(&self) -> Option<Payload> {
        if self.cfg.trust_anchors.is_empty() {
            return None;
        }
        let data = self
            .cfg
            .trust_anchors
            .iter()
            .flat_map(|a| a.spki_sha1())
            .collect();
        Some(p(PayloadBody::CertReq(Cert {
            encoding: cert::CERT_X509_SIGNATURE,
            data,
        })))
    }

    /// SIGNATURE_HASH_ALGORITHMS for IKE_SA_INIT, when certificates are in use.
    fn hash_notify(&self) -> Option<Payload> {
        (self.cfg.rfc7427 && self.cfg.uses_certs()).then(|| {
            let data: Vec<u8> = cert::SUPPORTED_HASHES
                .iter()
                .flat_map(|h| h.to_be_bytes())
                .collect();
            notify(cert::SIGNATURE_HASH_ALGORITHMS, data)
        })
    }

    /// Verifies the peer's AUTH over `so`: a shared key against `psk`, a signature (methods 9
    /// and 14) with the first X.509 CERT, which must chain to a trust anchor and bind `id`.
    fn verify_peer_auth(
        &self,
        prf: Prf,
        auth: &Auth,
        inner: &[Payload],
        id: &Id,
        so: &[u8],
        psk: Option<&[u8]>,
    ) -> Result<(), String> {
        if auth.method == auth_method::SHARED_KEY_MIC {
            let psk = psk
                .filter(|k| !k.is_empty())
                .ok_or("no shared key for the peer's ID")?;
            return if psk_auth(prf, psk, so) == auth.data {
                Ok(())
            } else {
                Err("AUTH does not verify".into())
            };
        }
        if self.cfg.trust_anchors.is_empty() {
            return Err(format!("AUTH method {}, and no trusted CA", auth.method));
        }
        let c = inner
            .iter()
            .find_map(|x| match &x.body {
                PayloadBody::Cert(c) if c.encoding == cert::CERT_X509_SIGNATURE => Some(c),
                _ => None,
            })
            .ok_or("signature AUTH without a CERT (X.509 Certificate - Signature)")?;
        let bound = self.cfg.cert_binds_id.then_some(id);
        let key = cert::verify_peer_cert(&c.data, &self.cfg.trust_anchors, self.unix_time, bound)?;
        cert::verify_auth(auth.method, &auth.data, &key, so)
            .map_err(|e| format!("AUTH (method {}) does not verify: {e}", auth.method))
    }

    /// Initiator: the responder failed authentication. Tells it in an INFORMATIONAL with
    /// N(AUTHENTICATION_FAILED) (RFC 7296 §2.21.2), not waiting for an answer, and fails.
    fn initiator_auth_failed(&mut self, i: usize, why: String) {
        let sa = &self.sas[i];
        let msg_id = sa.next_req_id;
        let m = Self::header(sa, exchange::INFORMATIONAL, false, msg_id);
        if let Some(k) = sa.my_keys() {
            let inner = vec![notify(notify_type::AUTHENTICATION_FAILED, vec![])];
            let b = self.build(m, Some(inner), Some(&k));
            self.send_raw(b);
        }
        self.fail(i, why);
    }

    /// Initiator: the responder is authenticated; the IKE SA is up, then CP and Child SA.
    fn initiator_complete(&mut self, i: usize, inner: Vec<Payload>, idr: Id, keys: IkeKeys) {
        let id = SaId(self.sas[i].ispi);
        let req = self.sas[i].auth_req.clone();
        let sa = &mut self.sas[i];
        sa.state = State::Established;
        sa.peer_id = Some(idr.clone());
        let (ispi, rspi, group) = (sa.ispi, sa.rspi, sa.group);
        self.event(Event::IkeSaEstablished {
            sa: id,
            role: Role::Initiator,
            ispi,
            rspi,
            peer_id: idr,
            keys: keys.clone(),
            group,
        });
        let use_assigned = find_notify(&inner, notify_type::USE_ASSIGNED_HOA).is_some();
        if let Some(cp) = find_body!(inner, Cp) {
            self.event(Event::ConfigReply {
                sa: id,
                cp: cp.clone(),
                use_assigned_hoa: use_assigned,
            });
        }
        if let Some(c) = req.and_then(|r| r.child) {
            let ni = self.sas[i].ni.clone();
            let nr = self.sas[i].nr.clone();
            let spi = self.sas[i].auth_child_spi;
            self.finish_child(i, &inner, spi, &ni, &nr, &c, None);
        }
        self.pump(i);
    }

    /// Completes a Child SA from a response (IKE_AUTH or CREATE_CHILD_SA) as initiator of
    /// the exchange.
    #[allow(clippy::too_many_arguments)]
    fn finish_child(
        &mut self,
        i: usize,
        inner: &[Payload],
        my_spi: u32,
        ni: &[u8],
        nr: &[u8],
        req: &ChildRequest,
        rekey_of: Option<u32>,
    ) {
        let id = SaId(self.sas[i].local_spi());
        let err = inner.iter().find_map(|x| match &x.body {
            PayloadBody::Notify(n)
                if n.is_error() && n.notify_type != notify_type::USE_ASSIGNED_HOA =>
            {
                Some(n.clone())
            }
            _ => None,
        });
        if let Some(n) = err {
            return self.event(Event::ChildSaFailed {
                sa: id,
                notify_type: n.notify_type,
                notify_data: n.data,
                sent_by_us: false,
            });
        }
        let (Some(sa_p), Some(tsi), Some(tsr)) = (
            find_body!(inner, Sa),
            find_body!(inner, TsI),
            find_body!(inner, TsR),
        ) else {
            return self.event(Event::ChildSaFailed {
                sa: id,
                notify_type: notify_type::INVALID_SYNTAX,
                notify_data: b"response lacks SA, TSi or TSr".to_vec(),
                sent_by_us: false,
            });
        };
        let chosen = chosen_esp(sa_p).filter(|(s, _)| self.cfg.esp_suites.contains(s));
        let Some((suite, peer_spi)) = chosen else {
            return self.event(Event::ChildSaFailed {
                sa: id,
                notify_type: notify_type::NO_PROPOSAL_CHOSEN,
                notify_data: b"responder chose an ESP proposal not offered".to_vec(),
                sent_by_us: true,
            });
        };
        let transport = find_notify(inner, notify_type::USE_TRANSPORT_MODE).is_some();
        let sa = &self.sas[i];
        let keys = sa.keys.as_ref().expect("keys");
        let Ok(ck) = ChildKeys::derive(
            keys.suite.prf,
            &keys.sk_d,
            None,
            ni,
            nr,
            suite.encr,
            suite.integ,
        ) else {
            return;
        };
        // This end started the exchange: it is the "initiator" of the Child SA's KEYMAT.
        let child = ChildSa {
            inbound_spi: my_spi,
            outbound_spi: peer_spi,
            inbound: ck.responder,
            outbound: ck.initiator,
            tsi: tsi.selectors.clone(),
            tsr: tsr.selectors.clone(),
            transport: transport && req.transport,
            rekeyed: rekey_of,
        };
        self.add_child(i, child);
        if let Some(old) = rekey_of {
            self.queue(i, PendingReq::DeleteChildren(vec![old]));
        }
    }

    fn add_child(&mut self, i: usize, child: ChildSa) {
        let id = SaId(self.sas[i].local_spi());
        let (l, r) = (self.cfg.local_addr, self.cfg.peer_addr);
        self.event(Event::KeyLog(keylog::esp_entry(
            child.outbound_spi,
            l,
            r,
            &child.outbound,
        )));
        self.event(Event::KeyLog(keylog::esp_entry(
            child.inbound_spi,
            r,
            l,
            &child.inbound,
        )));
        let sa = &mut self.sas[i];
        if sa.children.len() >= self.cfg.limits.max_children {
            sa.children.remove(0);
        }
        sa.children.push(child.clone());
        self.event(Event::ChildSaEstablished { sa: id, child });
    }

    // ------------------------------------------------------------ requests after AUTH

    fn queue(&mut self, i: usize, r: PendingReq) {
        let max = self.cfg.limits.max_pending_requests;
        let sa = &mut self.sas[i];
        if sa.pending.len() >= max {
            return;
        }
        sa.pending.push_back(r);
        self.pump(i);
    }

    /// Sends the next queued request if the window is free.
    fn pump(&mut self, i: usize) {
        if i >= self.sas.len() {
            return;
        }
        let sa = &self.sas[i];
        if sa.state != State::Established || sa.outstanding.is_some() {
            return;
        }
        let Some(r) = self.sas[i].pending.pop_front() else {
            return;
        };
        let (exch, inner, kind) = match r {
            PendingReq::Liveness => (exchange::INFORMATIONAL, vec![], ReqKind::Liveness),
            PendingReq::DeleteIke => (
                exchange::INFORMATIONAL,
                vec![p(PayloadBody::Delete(Delete {
                    protocol_id: protocol_id::IKE,
                    spi_size: 0,
                    num_spis: 0,
                    spis: vec![],
                }))],
                ReqKind::DeleteIke,
            ),
            PendingReq::DeleteChildren(spis) => {
                let mut b = Vec::new();
                for s in &spis {
                    b.extend_from_slice(&s.to_be_bytes());
                }
                (
                    exchange::INFORMATIONAL,
                    vec![p(PayloadBody::Delete(Delete {
                        protocol_id: protocol_id::ESP,
                        spi_size: 4,
                        num_spis: spis.len() as u16,
                        spis: b,
                    }))],
                    ReqKind::DeleteChildren(spis),
                )
            }
            PendingReq::CreateChild { req, rekey_of } => {
                let spi = self.random_esp_spi();
                let nonce = self.random(self.cfg.nonce_len.clamp(16, 256));
                let mut inner = Vec::new();
                if let Some(old) = rekey_of {
                    inner.push(p(PayloadBody::Notify(Notify {
                        protocol_id: protocol_id::ESP,
                        spi: old.to_be_bytes().to_vec(),
                        notify_type: notify_type::REKEY_SA,
                        data: vec![],
                    })));
                }
                if req.transport {
                    inner.push(notify(notify_type::USE_TRANSPORT_MODE, vec![]));
                }
                inner.push(p(PayloadBody::Sa(esp_proposals(&self.cfg.esp_suites, spi))));
                inner.push(p(PayloadBody::Nonce(nonce.clone())));
                inner.push(p(PayloadBody::TsI(Ts::new(req.tsi.clone()))));
                inner.push(p(PayloadBody::TsR(Ts::new(req.tsr.clone()))));
                (
                    exchange::CREATE_CHILD_SA,
                    inner,
                    ReqKind::CreateChild {
                        spi,
                        nonce,
                        req,
                        rekey_of,
                    },
                )
            }
        };
        self.send_request(i, exch, inner, kind);
    }

    fn with_sa(&mut self, now: u64, sa: SaId, r: PendingReq) -> Result<(), String> {
        self.now = now;
        let i = self.idx(sa).ok_or("no such IKE SA")?;
        if self.sas[i].state != State::Established {
            return Err("IKE SA not established".into());
        }
        self.queue(i, r);
        Ok(())
    }

    /// CREATE_CHILD_SA for a new Child SA (e.g. for an auto-configured HoA,
    /// RFC 5026 §5.3.2).
    pub fn create_child(&mut self, now: u64, sa: SaId, req: ChildRequest) -> Result<(), String> {
        self.with_sa(
            now,
            sa,
            PendingReq::CreateChild {
                req,
                rekey_of: None,
            },
        )
    }

    /// CREATE_CHILD_SA rekeying the Child SA whose inbound SPI is `inbound_spi`; the old one
    /// is deleted once the new one is up.
    pub fn rekey_child(&mut self, now: u64, sa: SaId, inbound_spi: u32) -> Result<(), String> {
        let i = self.idx(sa).ok_or("no such IKE SA")?;
        let c = self.sas[i]
            .children
            .iter()
            .find(|c| c.inbound_spi == inbound_spi)
            .ok_or("no such Child SA")?;
        let req = ChildRequest {
            tsi: if self.sas[i].role == Role::Initiator {
                c.tsi.clone()
            } else {
                c.tsr.clone()
            },
            tsr: if self.sas[i].role == Role::Initiator {
                c.tsr.clone()
            } else {
                c.tsi.clone()
            },
            transport: c.transport,
        };
        self.with_sa(
            now,
            sa,
            PendingReq::CreateChild {
                req,
                rekey_of: Some(inbound_spi),
            },
        )
    }

    pub fn delete_child(&mut self, now: u64, sa: SaId, inbound_spi: u32) -> Result<(), String> {
        self.with_sa(now, sa, PendingReq::DeleteChildren(vec![inbound_spi]))
    }

    pub fn delete_ike(&mut self, now: u64, sa: SaId) -> Result<(), String> {
        self.with_sa(now, sa, PendingReq::DeleteIke)
    }

    /// An empty INFORMATIONAL request (liveness check, RFC 7296 §1.4).
    pub fn liveness_check(&mut self, now: u64, sa: SaId) -> Result<(), String> {
        self.with_sa(now, sa, PendingReq::Liveness)
    }

    // ------------------------------------------------------------ timers

    /// Retransmits, gives up, and expires half-open SAs.
    pub fn tick(&mut self, now: u64) {
        self.now = now;
        // EAP backends that had no answer yet.
        let waiting: Vec<[u8; 8]> = self
            .sas
            .iter()
            .filter(|s| s.eap.as_ref().is_some_and(|c| c.awaiting.is_some()))
            .map(|s| s.local_spi())
            .collect();
        for spi in waiting {
            let Some(i) = self.idx(SaId(spi)) else {
                continue;
            };
            let Some(c) = self.sas[i].eap.as_mut() else {
                continue;
            };
            let step = match c.backend.as_mut() {
                Some(b) => b.poll(),
                None => continue,
            };
            if step != EapStep::Pending {
                if let Some((msg_id, head)) = c.awaiting.take() {
                    self.responder_eap_step(i, msg_id, step, head);
                }
            }
        }
        let mut i = 0;
        while i < self.sas.len() {
            let sa = &self.sas[i];
            if sa.state == State::HalfOpen
                && now
                    >= sa
                        .created
                        .saturating_add(self.cfg.limits.half_open_timeout_ms)
            {
                self.fail(i, "half-open IKE SA expired before IKE_AUTH completed");
                continue;
            }
            if let Some(o) = &sa.outstanding {
                let due = o.sent_at.saturating_add(self.backoff(o.retransmits));
                if now >= due {
                    if o.retransmits >= self.cfg.retransmit.max_retransmits {
                        let what = format!(
                            "no response to message {} after {} retransmissions",
                            o.msg_id, o.retransmits
                        );
                        self.fail(i, what);
                        continue;
                    }
                    let bytes = o.bytes.clone();
                    let o = self.sas[i].outstanding.as_mut().expect("outstanding");
                    o.retransmits += 1;
                    o.sent_at = now;
                    self.send_raw(bytes);
                }
            }
            i += 1;
        }
    }

    // ------------------------------------------------------------ input

    /// Takes one received IKE datagram (UDP payload on port 500, no non-ESP marker).
    /// [`Engine::handle_datagram`] for a datagram from `from`: a responder binds its cookies
    /// to the initiator's address.
    pub fn handle_datagram_from(&mut self, now: u64, from: std::net::IpAddr, bytes: &[u8]) {
        self.from = Some(from);
        self.handle_datagram(now, bytes);
        self.from = None;
    }

    pub fn handle_datagram(&mut self, now: u64, bytes: &[u8]) {
        self.now = now;
        let h = match Packet::new_checked(bytes) {
            Ok(h) => h,
            Err(e) => return self.drop_in(format!("not IKE: {e}")),
        };
        if h.version() >> 4 != 2 {
            // A higher major version in a request: INVALID_MAJOR_VERSION, sent as 2.0 and
            // unprotected (RFC 7296 §2.5, §3.1). Anything else with a bad version is dropped.
            if h.version() >> 4 > 2 && !h.is_response() && self.cfg.responder.is_some() {
                let m = Message {
                    ispi: h.ispi(),
                    rspi: h.rspi(),
                    version: VERSION_2_0,
                    exchange: h.exchange(),
                    flags: flags::R,
                    message_id: h.message_id(),
                    payloads: vec![notify(notify_type::INVALID_MAJOR_VERSION, vec![])],
                };
                let b = self.build(m, None, None);
                self.send_raw(b);
            }
            return self.drop_in(format!("IKE major version {}", h.version() >> 4));
        }
        let from_initiator = h.is_initiator();
        let response = h.is_response();
        if h.exchange() == exchange::IKE_SA_INIT && !response {
            if !from_initiator || h.rspi() != [0; 8] || h.message_id() != 0 {
                return self.drop_in("IKE_SA_INIT request with bad flags, SPIr or Message ID");
            }
            // A retransmission of a request we answered?
            if let Some(sa) = self
                .sas
                .iter()
                .find(|s| s.role == Role::Responder && s.ispi == h.ispi())
            {
                if sa.init_request == bytes && sa.state == State::HalfOpen {
                    let r = sa.my_init.clone();
                    self.send_raw(r);
                } else {
                    self.drop_in("IKE_SA_INIT for an SPIi that has an SA already");
                }
                return;
            }
            return self.responder_init(bytes);
        }
        let my_spi = if from_initiator { h.rspi() } else { h.ispi() };
        let want_role = if from_initiator {
            Role::Responder
        } else {
            Role::Initiator
        };
        let Some(i) = self
            .sas
            .iter()
            .position(|s| s.role == want_role && s.local_spi() == my_spi)
        else {
            return self.drop_in("unknown IKE SA");
        };
        let m = match Message::from_bytes(bytes) {
            Ok(m) => m,
            Err(e) => return self.drop_in(format!("malformed: {e}")),
        };
        if h.exchange() == exchange::IKE_SA_INIT {
            // A response to our IKE_SA_INIT.
            let sa = &self.sas[i];
            if sa.state != State::InitSent || h.message_id() != 0 {
                return self.drop_in("IKE_SA_INIT response out of state");
            }
            if unsupported_critical(&m.payloads).is_some() {
                return self.fail(
                    i,
                    "IKE_SA_INIT response with an unsupported critical payload",
                );
            }
            return self.on_init_response(i, bytes, m);
        }
        if self.sas[i].keys.is_none() {
            return self.drop_in("encrypted message before keys");
        }
        if h.rspi() != self.sas[i].rspi {
            return self.drop_in("SPIr mismatch");
        }
        if response {
            let Some(o) = &self.sas[i].outstanding else {
                return self.drop_in("response without a request");
            };
            if o.msg_id != h.message_id() {
                return self.drop_in("response with an unexpected Message ID");
            }
            let keys = self.sas[i].peer_keys().expect("keys");
            let d = match sk::decrypt(bytes, &keys) {
                Ok(d) => d,
                Err(e) => return self.drop_in(format!("cannot open SK: {e}")),
            };
            let o = self.sas[i].outstanding.take().expect("outstanding");
            self.on_response(i, o, d.inner);
        } else {
            let sa = &self.sas[i];
            let mid = h.message_id();
            if let Some((last_id, last)) = &sa.last_response {
                if *last_id == mid {
                    let r = last.clone();
                    return self.send_raw(r);
                }
            }
            if mid != sa.peer_next_id {
                return self.drop_in("request outside the window");
            }
            if sa
                .eap
                .as_ref()
                .and_then(|c| c.awaiting.as_ref())
                .is_some_and(|(m, _)| *m == mid)
            {
                return self.drop_in("request still with the EAP backend");
            }
            let keys = sa.peer_keys().expect("keys");
            let d = match sk::decrypt(bytes, &keys) {
                Ok(d) => d,
                Err(e) => return self.drop_in(format!("cannot open SK: {e}")),
            };
            self.on_request(i, h.exchange(), mid, d.inner);
        }
    }

    fn on_response(&mut self, i: usize, o: Outstanding, inner: Vec<Payload>) {
        let id = SaId(self.sas[i].local_spi());
        match o.kind {
            ReqKind::Init => {}
            ReqKind::Auth | ReqKind::AuthEap | ReqKind::AuthFinal => {
                return self.on_auth_response(i, o.kind, inner)
            }
            ReqKind::CreateChild {
                spi,
                nonce,
                req,
                rekey_of,
            } => {
                let nr = find_body!(inner, Nonce).cloned();
                match nr {
                    Some(nr) if first_error_notify(&inner).is_none() => {
                        self.finish_child(i, &inner, spi, &nonce, &nr, &req, rekey_of)
                    }
                    _ => self.finish_child(i, &inner, spi, &nonce, &[], &req, rekey_of),
                }
            }
            ReqKind::DeleteIke => {
                let sa = self.sas.remove(i);
                self.release(&sa);
                return self.event(Event::IkeSaDeleted {
                    sa: id,
                    by_peer: false,
                });
            }
            ReqKind::DeleteChildren(spis) => {
                for s in spis {
                    self.sas[i].children.retain(|c| c.inbound_spi != s);
                    self.event(Event::ChildSaDeleted {
                        sa: id,
                        inbound_spi: s,
                        by_peer: false,
                    });
                }
            }
            ReqKind::Liveness => self.event(Event::LivenessOk { sa: id }),
        }
        self.pump(i);
    }

    fn respond(&mut self, i: usize, exch: u8, msg_id: u32, inner: Vec<Payload>) {
        let sa = &self.sas[i];
        let m = Self::header(sa, exch, true, msg_id);
        let k = sa.my_keys().expect("keys");
        let bytes = self.build(m, Some(inner), Some(&k));
        let sa = &mut self.sas[i];
        sa.peer_next_id = msg_id.wrapping_add(1);
        sa.last_response = Some((msg_id, bytes.clone()));
        self.send_raw(bytes);
    }

    fn on_request(&mut self, i: usize, exch: u8, msg_id: u32, inner: Vec<Payload>) {
        if let Some(t) = unsupported_critical(&inner) {
            return self.respond(
                i,
                exch,
                msg_id,
                vec![notify(notify_type::UNSUPPORTED_CRITICAL_PAYLOAD, vec![t])],
            );
        }
        match (exch, self.sas[i].state) {
            (exchange::IKE_AUTH, State::HalfOpen) if self.sas[i].role == Role::Responder => {
                self.responder_auth(i, msg_id, inner)
            }
            (exchange::INFORMATIONAL, State::Established) => {
                self.on_informational(i, msg_id, inner)
            }
            (exchange::CREATE_CHILD_SA, State::Established) => {
                self.on_create_child(i, msg_id, inner)
            }
            _ => self.drop_in("request of an unexpected exchange in this state"),
        }
    }

    fn on_informational(&mut self, i: usize, msg_id: u32, inner: Vec<Payload>) {
        let id = SaId(self.sas[i].local_spi());
        let mut reply = Vec::new();
        let mut delete_ike = false;
        let mut gone = Vec::new();
        if find_notify(&inner, notify_type::AUTHENTICATION_FAILED).is_some() {
            // The initiator refused our authentication (RFC 7296 §2.21.2).
            self.respond(i, exchange::INFORMATIONAL, msg_id, vec![]);
            return self.fail(i, "peer sent AUTHENTICATION_FAILED in an INFORMATIONAL");
        }
        for d in inner.iter().filter_map(|x| match &x.body {
            PayloadBody::Delete(d) => Some(d),
            _ => None,
        }) {
            if d.protocol_id == protocol_id::IKE {
                delete_ike = true;
            } else if d.protocol_id == protocol_id::ESP {
                for s in d.spi_list().into_iter().filter_map(esp_spi_from) {
                    // The peer names its inbound SPI, which is our outbound one.
                    if let Some(c) = self.sas[i].children.iter().find(|c| c.outbound_spi == s) {
                        gone.push(c.inbound_spi);
                    }
                }
            }
        }
        if delete_ike {
            self.respond(i, exchange::INFORMATIONAL, msg_id, vec![]);
            let sa = self.sas.remove(i);
            self.release(&sa);
            return self.event(Event::IkeSaDeleted {
                sa: id,
                by_peer: true,
            });
        }
        if !gone.is_empty() {
            let mut b = Vec::new();
            for s in &gone {
                b.extend_from_slice(&s.to_be_bytes());
            }
            reply.push(p(PayloadBody::Delete(Delete {
                protocol_id: protocol_id::ESP,
                spi_size: 4,
                num_spis: gone.len() as u16,
                spis: b,
            })));
            for s in &gone {
                self.sas[i].children.retain(|c| c.inbound_spi != *s);
                self.event(Event::ChildSaDeleted {
                    sa: id,
                    inbound_spi: *s,
                    by_peer: true,
                });
            }
        }
        self.respond(i, exchange::INFORMATIONAL, msg_id, reply);
    }

    fn on_create_child(&mut self, i: usize, msg_id: u32, inner: Vec<Payload>) {
        let id = SaId(self.sas[i].local_spi());
        let fail = |e: &mut Engine, t: u16, why: &str| {
            e.respond(
                i,
                exchange::CREATE_CHILD_SA,
                msg_id,
                vec![notify(t, vec![])],
            );
            e.event(Event::ChildSaFailed {
                sa: id,
                notify_type: t,
                notify_data: why.as_bytes().to_vec(),
                sent_by_us: true,
            });
        };
        if find_body!(inner, Ke).is_some() {
            // PFS is not implemented; a KE we cannot use means no acceptable proposal.
            return fail(
                self,
                notify_type::NO_PROPOSAL_CHOSEN,
                "KE (PFS) not supported",
            );
        }
        let (Some(sa_p), Some(ni), Some(tsi), Some(tsr)) = (
            find_body!(inner, Sa),
            find_body!(inner, Nonce),
            find_body!(inner, TsI),
            find_body!(inner, TsR),
        ) else {
            return fail(
                self,
                notify_type::INVALID_SYNTAX,
                "missing SA/Nonce/TSi/TSr",
            );
        };
        if sa_p
            .proposals
            .iter()
            .any(|p| p.protocol_id == protocol_id::IKE)
        {
            return fail(
                self,
                notify_type::NO_ADDITIONAL_SAS,
                "IKE SA rekey not supported",
            );
        }
        if !(16..=256).contains(&ni.len()) {
            return fail(self, notify_type::INVALID_SYNTAX, "bad nonce length");
        }
        let rekey_of = inner.iter().find_map(|x| match &x.body {
            PayloadBody::Notify(n) if n.notify_type == notify_type::REKEY_SA => {
                esp_spi_from(&n.spi)
            }
            _ => None,
        });
        let old = rekey_of.and_then(|s| {
            self.sas[i]
                .children
                .iter()
                .find(|c| c.outbound_spi == s)
                .map(|c| c.inbound_spi)
        });
        if rekey_of.is_some() && old.is_none() {
            return fail(
                self,
                notify_type::CHILD_SA_NOT_FOUND,
                "REKEY_SA of an unknown SA",
            );
        }
        let (ni, sa_p, tsi, tsr) = (ni.clone(), sa_p.clone(), tsi.clone(), tsr.clone());
        let transport = find_notify(&inner, notify_type::USE_TRANSPORT_MODE).is_some();
        let (tsi_n, tsr_n) = match self.narrow_child(i, &tsi.selectors, &tsr.selectors) {
            Ok(x) => x,
            Err(why) => return fail(self, notify_type::TS_UNACCEPTABLE, &why),
        };
        let my_spi = self.random_esp_spi();
        let Some((prop, suite, peer_spi)) = pick_esp(&sa_p, &self.cfg.esp_suites, my_spi) else {
            return fail(
                self,
                notify_type::NO_PROPOSAL_CHOSEN,
                "no acceptable ESP proposal",
            );
        };
        let nr = self.random(self.cfg.nonce_len.clamp(16, 256));
        let keys = self.sas[i].keys.clone().expect("keys");
        let Ok(ck) = ChildKeys::derive(
            keys.suite.prf,
            &keys.sk_d,
            None,
            &ni,
            &nr,
            suite.encr,
            suite.integ,
        ) else {
            return fail(self, notify_type::NO_PROPOSAL_CHOSEN, "key derivation");
        };
        let mut reply = Vec::new();
        if transport {
            reply.push(notify(notify_type::USE_TRANSPORT_MODE, vec![]));
        }
        reply.push(p(PayloadBody::Sa(Sa {
            proposals: vec![prop],
        })));
        reply.push(p(PayloadBody::Nonce(nr)));
        reply.push(p(PayloadBody::TsI(Ts::new(vec![tsi_n.clone()]))));
        reply.push(p(PayloadBody::TsR(Ts::new(vec![tsr_n.clone()]))));
        self.respond(i, exchange::CREATE_CHILD_SA, msg_id, reply);
        // The peer started this exchange: it is the KEYMAT "initiator".
        let child = ChildSa {
            inbound_spi: my_spi,
            outbound_spi: peer_spi,
            inbound: ck.initiator,
            outbound: ck.responder,
            tsi: vec![tsi_n],
            tsr: vec![tsr_n],
            transport,
            rekeyed: old,
        };
        let mpd = child.tsi.iter().any(|t| t.icmp6_types().is_some());
        self.add_child(i, child);
        // RFC 5026 §5.3.2: after Mobile Prefix Discovery an MN with an assigned HoA may
        // auto-configure one from the home prefix and ask for its MH SA; allowed only where
        // the HA allows auto-configuration at all (it would advertise the prefix).
        let prefix = self
            .cfg
            .responder
            .as_ref()
            .and_then(|p| p.home_prefix)
            .filter(|_| self.sas[i].role == Role::Responder);
        if let (true, Some(hp)) = (mpd, prefix) {
            self.sas[i].allowed_tsi = Some(prefix_range(hp.prefix, hp.prefix_len));
        }
    }

    /// Responder-side TS narrowing for an MH Child SA: TSi to the peer's HoA (or home prefix),
    /// TSr to the HA address. As original initiator, the selectors are accepted as offered.
    fn narrow_child(
        &self,
        i: usize,
        tsi: &[TrafficSelector],
        tsr: &[TrafficSelector],
    ) -> Result<(TrafficSelector, TrafficSelector), String> {
        let sa = &self.sas[i];
        let Some(pol) = self
            .cfg
            .responder
            .as_ref()
            .filter(|_| sa.role == Role::Responder)
        else {
            let a = tsi.first().cloned().ok_or("empty TSi")?;
            let b = tsr.first().cloned().ok_or("empty TSr")?;
            return Ok((a, b));
        };
        let ha = pol.ha_addr;
        if is_icmp6(tsi) || is_icmp6(tsr) {
            return self.narrow_mpd_child(i, tsi, tsr);
        }
        let tsr_n = narrow(tsr, ha, ha).ok_or("TSr does not cover the HA address for MH")?;
        // A single address inside the allowed range, if the MN names one; else the range.
        let (lo, hi) = sa
            .allowed_tsi
            .ok_or("no home address bound to this IKE SA")?;
        let single = tsi.iter().find_map(|t| {
            let (_, _, _, s, e) = v6_range(t)?;
            (s == e && s >= lo && s <= hi).then_some(s)
        });
        let tsi_n = match single {
            Some(a) => narrow(tsi, a, a),
            None => narrow(tsi, lo, hi),
        }
        .ok_or("TSi is not MH within this MN's home address or prefix")?;
        Ok((tsi_n, tsr_n))
    }

    /// Responder: an SA for Mobile Prefix Discovery (ICMPv6 146/147) only for a home address
    /// this IKE SA already holds, i.e. one of its MH Child SAs' single TSi addresses (or the
    /// assigned address), never a range or another MN's address (RFC 4877 §4.2 PAD).
    fn narrow_mpd_child(
        &self,
        i: usize,
        tsi: &[TrafficSelector],
        tsr: &[TrafficSelector],
    ) -> Result<(TrafficSelector, TrafficSelector), String> {
        let sa = &self.sas[i];
        let ha = self
            .cfg
            .responder
            .as_ref()
            .ok_or("not a responder")?
            .ha_addr;
        let own: Vec<Ipv6Addr> = sa
            .children
            .iter()
            .filter(|c| c.tsi.iter().any(|t| t.mh_types().is_some()))
            .flat_map(|c| c.tsi.iter().filter_map(v6_range))
            .filter(|(_, _, _, s, e)| s == e)
            .map(|(_, _, _, s, _)| s)
            .chain(sa.assigned)
            .collect();
        let hoa = tsi
            .iter()
            .filter_map(v6_range)
            .find(|(_, _, _, s, e)| s == e && own.contains(s))
            .map(|(_, _, _, s, _)| s)
            .ok_or("TSi is not one of this MN's home addresses (Mobile Prefix Discovery)")?;
        let tsi_n = narrow_mpd(tsi, hoa, hoa).ok_or("TSi does not select ICMPv6 146-147")?;
        let tsr_n =
            narrow_mpd(tsr, ha, ha).ok_or("TSr does not select ICMPv6 146-147 at the HA")?;
        Ok((tsi_n, tsr_n))
    }

    // ------------------------------------------------------------ responder

    /// RFC 7296 §2.6: `<VersionIDofSecret> | Hash(Ni | IPi | SPIi | <secret>)`, here as an
    /// HMAC keyed with the secret; nothing is stored per request.
    fn cookie_with(&self, version: u8, secret: &[u8; 32], ni: &[u8], ispi: &[u8; 8]) -> Vec<u8> {
        let mut d = ni.to_vec();
        match self.from {
            Some(std::net::IpAddr::V6(a)) => d.extend_from_slice(&a.octets()),
            Some(std::net::IpAddr::V4(a)) => d.extend_from_slice(&a.octets()),
            None => {}
        }
        d.extend_from_slice(ispi);
        let mut c = vec![version];
        c.extend_from_slice(&Prf::HmacSha256.compute(secret, &d));
        c
    }

    /// Rotates the cookie secret once it is older than its lifetime, so that a harvested
    /// cookie soon stops working; the previous secret still verifies cookies handed out just
    /// before the change.
    fn rotate_cookie_secret(&mut self) {
        let Some(pol) = self.cfg.responder.as_ref() else {
            return;
        };
        if self.now.saturating_sub(self.cookies.since) < pol.cookie_secret_lifetime_ms {
            return;
        }
        let mut next = [0u8; 32];
        (self.rng)(&mut next);
        let old = std::mem::replace(&mut self.cookies.current, next);
        self.cookies.previous = Some((self.cookies.version, old));
        self.cookies.version = self.cookies.version.wrapping_add(1);
        self.cookies.since = self.now;
    }

    fn cookie_for(&self, ni: &[u8], ispi: &[u8; 8]) -> Vec<u8> {
        self.cookie_with(self.cookies.version, &self.cookies.current, ni, ispi)
    }

    fn cookie_valid(&self, got: &[u8], ni: &[u8], ispi: &[u8; 8]) -> bool {
        let Some(&v) = got.first() else {
            return false;
        };
        if v == self.cookies.version {
            return got == self.cookie_for(ni, ispi).as_slice();
        }
        matches!(&self.cookies.previous, Some((pv, ps))
            if *pv == v && got == self.cookie_with(*pv, ps, ni, ispi).as_slice())
    }

    fn responder_init(&mut self, bytes: &[u8]) {
        let Some(pol) = self.cfg.responder.clone() else {
            return self.drop_in("IKE_SA_INIT request but no responder policy");
        };
        let m = match Message::from_bytes(bytes) {
            Ok(m) => m,
            Err(e) => return self.drop_in(format!("malformed IKE_SA_INIT: {e}")),
        };
        let reply_plain = |e: &mut Engine, payloads: Vec<Payload>| {
            let msg = Message {
                ispi: m.ispi,
                rspi: [0; 8],
                version: VERSION_2_0,
                exchange: exchange::IKE_SA_INIT,
                flags: flags::R,
                message_id: 0,
                payloads,
            };
            let b = e.build(msg, None, None);
            e.send_raw(b);
        };
        if let Some(t) = unsupported_critical(&m.payloads) {
            return reply_plain(
                self,
                vec![notify(notify_type::UNSUPPORTED_CRITICAL_PAYLOAD, vec![t])],
            );
        }
        let (Some(sa_p), Some(ke), Some(ni)) = (
            find_body!(m.payloads, Sa),
            find_body!(m.payloads, Ke),
            find_body!(m.payloads, Nonce),
        ) else {
            return reply_plain(self, vec![notify(notify_type::INVALID_SYNTAX, vec![])]);
        };
        if !(16..=256).contains(&ni.len()) {
            return reply_plain(self, vec![notify(notify_type::INVALID_SYNTAX, vec![])]);
        }
        let half = self.half_open_count();
        if half >= self.cfg.limits.max_half_open || self.sas.len() >= self.cfg.limits.max_sas {
            return self.drop_in("too many IKE SAs: IKE_SA_INIT ignored");
        }
        if let Some(th) = pol.cookie_threshold {
            if half >= th {
                self.rotate_cookie_secret();
                let got = match m.payloads.first().map(|x| &x.body) {
                    Some(PayloadBody::Notify(n)) if n.notify_type == notify_type::COOKIE => {
                        Some(n.data.clone())
                    }
                    _ => None,
                };
                if !got.is_some_and(|g| self.cookie_valid(&g, ni, &m.ispi)) {
                    let want = self.cookie_for(ni, &m.ispi);
                    return reply_plain(self, vec![notify(notify_type::COOKIE, want)]);
                }
            }
        }
        let mut choice = None;
        for prop in &sa_p.proposals {
            if let Some(c) = pick_ike(prop, &self.cfg.groups) {
                choice = Some(c);
                break;
            }
        }
        let Some((mut prop, suite, groups)) = choice else {
            return reply_plain(self, vec![notify(notify_type::NO_PROPOSAL_CHOSEN, vec![])]);
        };
        let ke_group = DhGroup::from_id(ke.group).filter(|g| groups.contains(g));
        let Some(group) = ke_group else {
            // Our preferred group among those offered in the chosen proposal.
            let want = self
                .cfg
                .groups
                .iter()
                .find(|g| groups.contains(g))
                .copied()
                .unwrap_or(groups[0]);
            return reply_plain(
                self,
                vec![notify(
                    notify_type::INVALID_KE_PAYLOAD,
                    want.id().to_be_bytes(),
                )],
            );
        };
        if let Some(t) = prop
            .transforms
            .iter_mut()
            .find(|t| t.transform_type == transform_type::DH)
        {
            t.transform_id = group.id();
        }
        let dh = DhKey::generate(group, &mut *self.rng);
        let shared = match dh.shared(&ke.data) {
            Ok(s) => s,
            Err(_) => return reply_plain(self, vec![notify(notify_type::INVALID_SYNTAX, vec![])]),
        };
        let nr = self.random(self.cfg.nonce_len.clamp(16, 256));
        let rspi = self.random_spi8();
        let Ok(keys) = IkeKeys::from_shared_secret(suite, &shared, ni, &nr, &m.ispi, &rspi) else {
            return;
        };
        let peer_hashes = find_notify(&m.payloads, cert::SIGNATURE_HASH_ALGORITHMS)
            .map(|n| cert::parse_hashes(&n.data))
            .unwrap_or_default();
        let mut payloads = vec![
            p(PayloadBody::Sa(Sa {
                proposals: vec![prop],
            })),
            p(PayloadBody::Ke(Ke {
                group: group.id(),
                reserved: 0,
                data: dh.public.clone(),
            })),
            p(PayloadBody::Nonce(nr.clone())),
        ];
        payloads.extend(self.certreq());
        // RFC 7427 §4: sent back only to a peer that sent it.
        if find_notify(&m.payloads, cert::SIGNATURE_HASH_ALGORITHMS).is_some() {
            payloads.extend(self.hash_notify());
        }
        let msg = Message {
            ispi: m.ispi,
            rspi,
            version: VERSION_2_0,
            exchange: exchange::IKE_SA_INIT,
            flags: flags::R,
            message_id: 0,
            payloads,
        };
        let out = self.build(msg, None, None);
        self.sas.push(IkeSa {
            role: Role::Responder,
            state: State::HalfOpen,
            ispi: m.ispi,
            rspi,
            created: self.now,
            group,
            dh: None,
            ni: ni.clone(),
            nr,
            cookie: None,
            init_retries: 0,
            my_init: out.clone(),
            peer_init: bytes.to_vec(),
            init_request: bytes.to_vec(),
            keys: Some(keys),
            psk: Vec::new(),
            peer_id: None,
            auth_req: None,
            auth_child_spi: 0,
            eap: None,
            next_req_id: 0,
            outstanding: None,
            pending: VecDeque::new(),
            peer_next_id: 1,
            last_response: None,
            children: Vec::new(),
            allowed_tsi: None,
            assigned: None,
            peer_hashes,
        });
        if let Some(k) = &self.sas.last().and_then(|s| s.keys.clone()) {
            self.event(Event::KeyLog(keylog::ike_entry(&m.ispi, &rspi, k)));
        }
        self.send_raw(out);
    }

    /// A home address for `peer` (RFC 5026 §5.3.2, §9.2): the one it proposed if that is on
    /// the home prefix, not used by another identity and nobody else's configured address;
    /// else its own configured address; else the next pool address nobody holds that is
    /// nobody's configured one. FCFS: an address is used while an IKE SA or a binding holds
    /// it, and only for identities other than the holder's, who may have it again.
    fn allocate(
        &self,
        pol: &ResponderPolicy,
        want: Option<Ipv6Addr>,
        peer: &Id,
    ) -> Option<Ipv6Addr> {
        let base = u128::from(pol.pool_base);
        let me = identity_key(peer);
        let holders = |a: Ipv6Addr| {
            self.sas
                .iter()
                .filter(move |s| s.assigned == Some(a))
                .map(|s| s.peer_id.as_ref().map(identity_key).unwrap_or_default())
                .chain(self.bound_hoas.get(&a).cloned())
        };
        let in_use = |a: Ipv6Addr| holders(a).next().is_some();
        let used_by_other = |a: Ipv6Addr| holders(a).any(|h| h != me);
        let others = |a: Ipv6Addr| {
            pol.guard_configured && pol.configured.iter().any(|(id, x)| *x == a && id != peer)
        };
        let (plo, phi) = prefix_range(pol.pool_base, pol.pool_prefix_len);
        if let Some(w) = want {
            // The mutant `guard_used = false` grants it whoever holds it.
            if w > plo && w <= phi && !(pol.guard_used && used_by_other(w)) && !others(w) {
                return Some(w);
            }
        }
        if let Some(mine) = pol
            .configured
            .iter()
            .filter(|(id, _)| id == peer)
            .map(|(_, a)| *a)
            .find(|a| !used_by_other(*a))
        {
            return Some(mine);
        }
        (1..=u128::from(pol.pool_size))
            .map(|n| Ipv6Addr::from(base + n))
            .find(|a| !in_use(*a) && !others(*a))
    }

    fn responder_auth(&mut self, i: usize, msg_id: u32, inner: Vec<Payload>) {
        let auth_fail = |e: &mut Engine, why: &str| {
            e.respond(
                i,
                exchange::IKE_AUTH,
                msg_id,
                vec![notify(notify_type::AUTHENTICATION_FAILED, vec![])],
            );
            e.fail(i, format!("IKE_AUTH: {why}"));
        };
        if self.sas[i].eap.is_some() {
            return self.responder_eap(i, msg_id, inner);
        }
        let Some(idi) = find_body!(inner, IdI).cloned() else {
            return auth_fail(self, "no IDi");
        };
        let Some(auth) = find_body!(inner, Auth) else {
            let Some(f) = self.eap_backend.as_mut() else {
                return auth_fail(self, "no AUTH, and no EAP backend");
            };
            let mut backend = f();
            let step = backend.start(&idi.data);
            let idr = self.cfg.local_id.clone();
            let mut head = vec![p(PayloadBody::IdR(idr.clone()))];
            // With a certificate, or a shared key for this IDi, the responder authenticates
            // with it now; without one, only the final MSK AUTH does (EAP-only, RFC 5998
            // style).
            if matches!(self.cfg.auth, AuthConfig::Cert(_)) {
                let keys = self.sas[i].keys.clone().expect("keys");
                let sa = &self.sas[i];
                let rest_r = PayloadBody::IdR(idr).body_bytes();
                let so_r = signed_octets(keys.suite.prf, &sa.my_init, &sa.ni, &keys.sk_pr, &rest_r);
                let (c, a) = self.my_auth(i, keys.suite.prf, &so_r, &[]);
                head.extend(c);
                head.push(a);
            } else if let Some(psk) = self
                .cfg
                .psks
                .iter()
                .find(|(pid, _)| pid.id_type == idi.id_type && pid.data == idi.data)
                .map(|(_, k)| k.clone())
            {
                let keys = self.sas[i].keys.clone().expect("keys");
                let sa = &self.sas[i];
                let rest_r = PayloadBody::IdR(idr).body_bytes();
                let so_r = signed_octets(keys.suite.prf, &sa.my_init, &sa.ni, &keys.sk_pr, &rest_r);
                head.push(p(PayloadBody::Auth(Auth::new(
                    auth_method::SHARED_KEY_MIC,
                    psk_auth(keys.suite.prf, &psk, &so_r),
                ))));
            }
            self.sas[i].eap = Some(EapCtx {
                backend: Some(backend),
                client: None,
                first_inner: inner.clone(),
                idi: Some(idi),
                msk: None,
                awaiting: None,
            });
            return self.responder_eap_step(i, msg_id, step, head);
        };
        let idi = &idi;
        let psk = self
            .cfg
            .psks
            .iter()
            .find(|(pid, _)| pid.id_type == idi.id_type && pid.data == idi.data)
            .map(|(_, k)| k.clone());
        if auth.method == auth_method::SHARED_KEY_MIC && psk.is_none() {
            return auth_fail(self, "unknown IDi");
        }
        let keys = self.sas[i].keys.clone().expect("keys");
        let sa = &self.sas[i];
        let rest = PayloadBody::IdI(idi.clone()).body_bytes();
        let so = signed_octets(keys.suite.prf, &sa.peer_init, &sa.nr, &keys.sk_pi, &rest);
        if let Err(e) =
            self.verify_peer_auth(keys.suite.prf, auth, &inner, idi, &so, psk.as_deref())
        {
            let why = if auth.method == auth_method::SHARED_KEY_MIC {
                "AUTH does not verify".to_string()
            } else {
                format!("certificate AUTH: {e}")
            };
            return auth_fail(self, &why);
        }
        let psk = match (psk, &self.cfg.auth) {
            (Some(k), _) => k,
            (None, AuthConfig::Cert(_)) => Vec::new(),
            (None, AuthConfig::Psk) => {
                return auth_fail(self, "no shared key to authenticate this end to IDi")
            }
        };
        let idi = idi.clone();
        self.responder_complete(i, msg_id, inner, psk, idi, true);
    }

    /// Responder: an IKE_AUTH request during EAP.
    fn responder_eap(&mut self, i: usize, msg_id: u32, inner: Vec<Payload>) {
        let auth_fail = |e: &mut Engine, why: &str| {
            e.respond(
                i,
                exchange::IKE_AUTH,
                msg_id,
                vec![notify(notify_type::AUTHENTICATION_FAILED, vec![])],
            );
            e.fail(i, format!("IKE_AUTH (EAP): {why}"));
        };
        self.sas[i].created = self.now;
        let ctx = self.sas[i].eap.as_ref().expect("EAP context");
        if let Some(msk) = ctx.msk.clone() {
            let (first, idi) = (ctx.first_inner.clone(), ctx.idi.clone());
            let (Some(auth), Some(idi)) = (find_body!(inner, Auth), idi) else {
                return auth_fail(self, "expected AUTH after EAP Success");
            };
            let keys = self.sas[i].keys.clone().expect("keys");
            let sa = &self.sas[i];
            let rest = PayloadBody::IdI(idi.clone()).body_bytes();
            let so = signed_octets(keys.suite.prf, &sa.peer_init, &sa.nr, &keys.sk_pi, &rest);
            if psk_auth(keys.suite.prf, &msk, &so) != auth.data {
                return auth_fail(self, "AUTH (MSK) does not verify");
            }
            return self.responder_complete(i, msg_id, first, msk, idi, false);
        }
        let Some(eap) = find_body!(inner, Eap) else {
            return auth_fail(self, "expected an EAP payload");
        };
        let bytes = PayloadBody::Eap(eap.clone()).body_bytes();
        let step = match self.sas[i].eap.as_mut().and_then(|c| c.backend.as_mut()) {
            Some(b) => b.step(&bytes),
            None => return auth_fail(self, "no EAP backend"),
        };
        self.responder_eap_step(i, msg_id, step, vec![]);
    }

    /// Responder: answers with what the EAP backend said.
    fn responder_eap_step(&mut self, i: usize, msg_id: u32, step: EapStep, head: Vec<Payload>) {
        let mut reply = head;
        let eap_payload =
            |m: &[u8]| mip6lab_wire::ikev2::Eap::parse(m).map(|e| p(PayloadBody::Eap(e)));
        match step {
            EapStep::Pending => {
                if let Some(c) = self.sas[i].eap.as_mut() {
                    c.awaiting = Some((msg_id, reply));
                }
            }
            EapStep::Send(m) => match eap_payload(&m) {
                Ok(x) => {
                    reply.push(x);
                    self.respond(i, exchange::IKE_AUTH, msg_id, reply);
                }
                Err(_) => {
                    self.respond(
                        i,
                        exchange::IKE_AUTH,
                        msg_id,
                        vec![notify(notify_type::AUTHENTICATION_FAILED, vec![])],
                    );
                    self.fail(i, "the EAP backend sent a malformed EAP message");
                }
            },
            EapStep::Success { msk, final_msg } => {
                if let Ok(x) = eap_payload(&final_msg) {
                    reply.push(x);
                }
                if let Some(c) = self.sas[i].eap.as_mut() {
                    c.msk = Some(msk);
                }
                self.respond(i, exchange::IKE_AUTH, msg_id, reply);
            }
            EapStep::Failure(m) => {
                if let Ok(x) = eap_payload(&m) {
                    reply.push(x);
                }
                self.respond(i, exchange::IKE_AUTH, msg_id, reply);
                self.fail(i, "EAP Failure");
            }
        }
    }

    /// Responder: the peer is authenticated with `key` (PSK or MSK); AUTH, CP and the Child
    /// SA of `inner` (the request that carried them) are answered.
    fn responder_complete(
        &mut self,
        i: usize,
        msg_id: u32,
        inner: Vec<Payload>,
        psk: Vec<u8>,
        idi: Id,
        with_idr: bool,
    ) {
        let id = SaId(self.sas[i].rspi);
        let pol = self
            .cfg
            .responder
            .clone()
            .expect("responder SA needs a policy");
        let keys = self.sas[i].keys.clone().expect("keys");
        let sa = &self.sas[i];
        let idr = self.cfg.local_id.clone();
        let rest_r = PayloadBody::IdR(idr.clone()).body_bytes();
        let so_r = signed_octets(keys.suite.prf, &sa.my_init, &sa.ni, &keys.sk_pr, &rest_r);
        let mut reply = Vec::new();
        if with_idr {
            // IDr, [CERT,] AUTH: the configured credential.
            reply.push(p(PayloadBody::IdR(idr)));
            let (c, a) = self.my_auth(i, keys.suite.prf, &so_r, &psk);
            reply.extend(c);
            reply.push(a);
        } else {
            // After EAP: AUTH keyed by the MSK.
            reply.push(p(PayloadBody::Auth(Auth::new(
                auth_method::SHARED_KEY_MIC,
                psk_auth(keys.suite.prf, &psk, &so_r),
            ))));
        }
        {
            let sa = &mut self.sas[i];
            sa.state = State::Established;
            sa.psk = psk;
            sa.peer_id = Some(idi.clone());
        }
        // CP (RFC 7296 §2.19, RFC 5026 §5.3).
        let cp_req = find_body!(inner, Cp).filter(|c| c.cfg_type == cfg_type::REQUEST);
        let mut child_error: Option<u16> = None;
        let mut use_assigned = false;
        if let Some(cp) = cp_req {
            let mut attrs = Vec::new();
            let wants_prefix = cp.attribute(cp_attr::MIP6_HOME_PREFIX).is_some();
            let wants_addr = cp.attribute(cp_attr::INTERNAL_IP6_ADDRESS);
            if let (true, Some(hp), None) = (wants_prefix, pol.home_prefix, wants_addr) {
                attrs.push(CpAttribute::mip6_home_prefix(hp));
                self.sas[i].allowed_tsi = Some(prefix_range(hp.prefix, hp.prefix_len));
            } else if wants_prefix || wants_addr.is_some() {
                let want = wants_addr.and_then(|a| a.as_ip6_prefix()).map(|(a, _)| a);
                match self.allocate(&pol, want, &idi) {
                    Some(a) => {
                        attrs.push(CpAttribute::internal_ip6_address(a, pol.pool_prefix_len));
                        self.sas[i].assigned = Some(a);
                        self.sas[i].allowed_tsi = Some((a, a));
                        if wants_prefix && wants_addr.is_none() {
                            use_assigned = true;
                        }
                    }
                    None if pol.address_failure_notify => {
                        child_error = Some(notify_type::INTERNAL_ADDRESS_FAILURE)
                    }
                    // Mutant: a CFG_REPLY without an address; the Child SA then fails for
                    // want of a HoA (TS_UNACCEPTABLE), never naming the cause.
                    None => {}
                }
            }
            if cp.attribute(cp_attr::INTERNAL_IP6_DNS).is_some() {
                if let Some(d) = pol.dns {
                    attrs.push(CpAttribute::internal_ip6_dns(d));
                }
            }
            if child_error.is_none() {
                if use_assigned {
                    reply.push(notify(notify_type::USE_ASSIGNED_HOA, vec![]));
                }
                let cp = Cp::new(cfg_type::REPLY, attrs);
                reply.push(p(PayloadBody::Cp(cp.clone())));
                self.event(Event::ConfigAssigned {
                    sa: id,
                    cp,
                    use_assigned_hoa: use_assigned,
                });
            }
        } else if pol.require_cp {
            child_error = Some(notify_type::FAILED_CP_REQUIRED);
        }
        // Child SA.
        let child_req = (
            find_body!(inner, Sa),
            find_body!(inner, TsI),
            find_body!(inner, TsR),
        );
        let mut new_child = None;
        if let (Some(sa_p), Some(tsi), Some(tsr)) = child_req {
            let res = match child_error {
                Some(e) => Err(e),
                None => self
                    .narrow_child(i, &tsi.selectors, &tsr.selectors)
                    .map_err(|_| notify_type::TS_UNACCEPTABLE),
            };
            let my_spi = self.random_esp_spi();
            match res.and_then(|ts| {
                pick_esp(sa_p, &self.cfg.esp_suites, my_spi)
                    .map(|c| (ts, c))
                    .ok_or(notify_type::NO_PROPOSAL_CHOSEN)
            }) {
                Ok(((tsi_n, tsr_n), (prop, suite, peer_spi))) => {
                    let transport = find_notify(&inner, notify_type::USE_TRANSPORT_MODE).is_some();
                    let sa = &self.sas[i];
                    if let Ok(ck) = ChildKeys::derive(
                        keys.suite.prf,
                        &keys.sk_d,
                        None,
                        &sa.ni,
                        &sa.nr,
                        suite.encr,
                        suite.integ,
                    ) {
                        if transport {
                            reply.push(notify(notify_type::USE_TRANSPORT_MODE, vec![]));
                        }
                        reply.push(p(PayloadBody::Sa(Sa {
                            proposals: vec![prop],
                        })));
                        reply.push(p(PayloadBody::TsI(Ts::new(vec![tsi_n.clone()]))));
                        reply.push(p(PayloadBody::TsR(Ts::new(vec![tsr_n.clone()]))));
                        new_child = Some(ChildSa {
                            inbound_spi: my_spi,
                            outbound_spi: peer_spi,
                            inbound: ck.initiator,
                            outbound: ck.responder,
                            tsi: vec![tsi_n],
                            tsr: vec![tsr_n],
                            transport,
                            rekeyed: None,
                        });
                    }
                }
                Err(e) => child_error = Some(e),
            }
        }
        if let Some(e) = child_error {
            reply.push(notify(e, vec![]));
        }
        self.respond(i, exchange::IKE_AUTH, msg_id, reply);
        let sa = &self.sas[i];
        let (ispi, rspi, group) = (sa.ispi, sa.rspi, sa.group);
        self.event(Event::IkeSaEstablished {
            sa: id,
            role: Role::Responder,
            ispi,
            rspi,
            peer_id: idi,
            keys: keys.clone(),
            group,
        });
        if let Some(c) = new_child {
            self.add_child(i, c);
        } else if let Some(e) = child_error {
            self.event(Event::ChildSaFailed {
                sa: id,
                notify_type: e,
                notify_data: vec![],
                sent_by_us: true,
            });
        }
    }
}
