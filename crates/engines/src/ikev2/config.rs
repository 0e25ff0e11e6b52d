//! Engine configuration: timers, limits, suites, the responder's policy, and what to
//! ask for as initiator.

use super::*;
use crate::addresses::SharedAddresses;
use crate::binding::{HoaAuthorizer, HoaPolicy, LeasePool};

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
#[derive(Debug, Clone)]
pub struct ResponderPolicy {
    /// This HA's address: TSr of MH Child SAs is narrowed to it.
    pub ha_addr: Ipv6Addr,
    /// Home addresses for INTERNAL_IP6_ADDRESS (RFC 5026 §5.3.1, §9.2), shared with the
    /// HA's Binding Cache so that an address held by either side is used for both.
    pub addresses: SharedAddresses,
    /// Answer to MIP6_HOME_PREFIX: `Some` → the prefix (MN auto-configures, RFC 5026 §5.3.2);
    /// `None` → N(USE_ASSIGNED_HoA) and an address from `addresses`.
    pub home_prefix: Option<HomePrefix>,
    /// INTERNAL_IP6_DNS to return when asked.
    pub dns: Option<Ipv6Addr>,
    /// Demand a COOKIE when this many responder SAs are half open (0: always).
    pub cookie_threshold: Option<usize>,
    /// How long one cookie secret is used (RFC 7296 §2.6: changed periodically).
    pub cookie_secret_lifetime_ms: u64,
    /// Require a CP in IKE_AUTH (else FAILED_CP_REQUIRED and no Child SA).
    pub require_cp: bool,
    /// Answer N(INTERNAL_ADDRESS_FAILURE) when no address is left (RFC 4877 §9 MUST); off
    /// only to build a mutant, which sends a CFG_REPLY without an address instead.
    pub address_failure_notify: bool,
}

impl ResponderPolicy {
    /// A policy for an HA at `ha_addr` with home addresses from `addresses`.
    pub fn with_addresses(ha_addr: Ipv6Addr, addresses: SharedAddresses) -> ResponderPolicy {
        ResponderPolicy {
            ha_addr,
            addresses,
            home_prefix: None,
            dns: None,
            cookie_threshold: None,
            cookie_secret_lifetime_ms: 60_000,
            require_cp: false,
            address_failure_notify: true,
        }
    }

    /// A policy for an HA at `ha_addr` with its own pool of 256 addresses after `pool_base`,
    /// requests granted inside `pool_base`/64 first come, first served.
    pub fn new(ha_addr: Ipv6Addr, pool_base: Ipv6Addr) -> ResponderPolicy {
        ResponderPolicy::with_addresses(ha_addr, Self::pool(pool_base, 64, 256).into())
    }

    /// The reference provider for [`ResponderPolicy::new`]: FCFS over `base/prefix_len`,
    /// `size` addresses after `base` handed out in order.
    pub fn pool(base: Ipv6Addr, prefix_len: u8, size: u32) -> HoaAuthorizer {
        let mut a = HoaAuthorizer::new(HoaPolicy::Fcfs);
        a.add_pool(base, prefix_len);
        a.set_lease_pool(LeasePool::new(base, prefix_len, size));
        a
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

/// IKE engine configuration.
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
    /// [`IkeEngine::set_unix_time`].
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

    pub(super) fn uses_certs(&self) -> bool {
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

/// What [`IkeEngine::initiate`] sets up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitiateRequest {
    /// The responder: its address and port.
    pub peer: SocketAddr,
    /// Sent as IDr when `Some`; also picks the shared key.
    pub peer_id: Option<Id>,
    /// The CFG_REQUEST attributes (no CP when `None`).
    pub cfg_request: Option<Vec<CpAttribute>>,
    /// The Child SA of IKE_AUTH.
    pub child: Option<ChildRequest>,
    /// Send N(INITIAL_CONTACT) in IKE_AUTH.
    pub initial_contact: bool,
    /// Authenticate with EAP (RFC 7296 §2.16): no AUTH in the first IKE_AUTH, then EAP
    /// rounds, then AUTH with the MSK. Needs [`IkeEngine::set_eap_client`].
    pub eap: bool,
}

impl InitiateRequest {
    /// A dynamic home address: CFG_REQUEST with an empty INTERNAL_IP6_ADDRESS, MH Child SA.
    pub fn dynamic_hoa(ha: Ipv6Addr) -> InitiateRequest {
        InitiateRequest {
            peer: SocketAddr::from((ha, IKE_PORT)),
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
            peer: SocketAddr::from((ha, IKE_PORT)),
            peer_id: None,
            cfg_request: Some(vec![CpAttribute::request(cp_attr::MIP6_HOME_PREFIX)]),
            child: Some(ChildRequest::mh(None, ha)),
            initial_contact: false,
            eap: false,
        }
    }
}
