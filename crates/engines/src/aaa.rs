//! EAP over RADIUS, NAS side (RFC 3579): the HA's relay between the MN's IKEv2 EAP and the
//! MSA's AAA server (RFC 5026 §5.2, RFC 4877 §4.3 "EAP with AAA", RFC 7296 §2.16).
//!
//! Sans-IO. [`EapRelay`] turns each EAP message from the IKE peer into an Access-Request
//! (EAP-Message split at 253 octets, Message-Authenticator, the last State echoed, User-Name,
//! NAS-Identifier, NAS-IPv6-Address, Service-Type, optional Called/Calling-Station-Id) with
//! the RADIUS Identifier and Request Authenticator the caller picks, and turns each reply
//! datagram into a [`RelayEvent`]:
//!
//! - Access-Challenge → [`RelayEvent::Challenge`]: the EAP Request to hand to the peer;
//! - Access-Accept → [`RelayEvent::Accept`]: EAP-Success and the MSK, recovered from the
//!   MS-MPPE-Recv-Key and MS-MPPE-Send-Key (RFC 2548 §2.4.2–2.4.3) as
//!   `MSK = Recv-Key ‖ Send-Key`: the RFC 5216 §2.3 convention (Recv-Key carries the first 32
//!   octets of the MSK), which FreeRADIUS (rlm_eap) and strongSwan's eap-radius both follow.
//!   Methods that derive no keys (EAP-MD5) give `msk: None`; RFC 4877 §4.3 needs a
//!   key-generating method for IKEv2 EAP authentication, so a caller should refuse those;
//! - Access-Reject → [`RelayEvent::Reject`] with the EAP-Failure, if any;
//! - anything not authentic or not for the pending request → [`RelayEvent::Discarded`]
//!   (RFC 2865 §3 and RFC 3579 §3.2 say "silently discard"; here it is an event with the
//!   reason, and the request stays pending). Every reply must have a correct Response
//!   Authenticator, and a correct Message-Authenticator whenever it carries EAP-Message (or
//!   any Message-Authenticator at all).
//!
//! Retransmission (RFC 2865 §2.5, RFC 5080 §2.2.1): on the caller's timer,
//! [`EapRelay::on_timeout`] gives the same datagram (same Identifier and Request
//! Authenticator) up to `max_retransmits` times, then [`RelayEvent::TimedOut`].
//!
//! For the IKE engine: [`RadiusEapBackend`] is [`crate::ikev2::EapBackend`] over a
//! [`RelayBackend`] (an [`EapRelay`] with its transport closure, see [`exchange`]), each
//! [`EapOutcome`] mapped by [`outcome_to_step`]; an Access-Accept without an MSK (EAP-MD5)
//! becomes an EAP-Failure for the peer ([`NO_MSK_REASON`]); the RADIUS round runs inside
//! `start`/`step`. A driver that must not block takes the engine's EAP events instead and
//! runs each round on a [`RelaySession`] (e.g. `mip6lab_engines_io::aaa::exchange_udp`). [`MschapV2Client`] is the initiator's EAP-MSCHAPv2 peer
//! ([`crate::ikev2::EapClient`]), with the MSK the AAA server gives the HA.
//!
//! The other end, the home AAA server of RFC 6611 (EAP-MD5, the HA assignment in the
//! Access-Accept), is [`server::AaaServer`].
use mip6lab_wire::eap;
use mip6lab_wire::radius::{self, attr, code, Attribute, Repr};
use std::net::Ipv6Addr;

/// What the NAS says about itself in every Access-Request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelayConfig {
    /// The shared secret with the AAA server.
    pub secret: Vec<u8>,
    /// NAS-Identifier (32): the HA's name.
    pub nas_identifier: Option<String>,
    /// NAS-IPv6-Address (95): the HA's address (RFC 3162 §2.1).
    pub nas_ipv6_address: Option<Ipv6Addr>,
    /// Service-Type (6); `Framed` (2) by default.
    pub service_type: Option<u32>,
    /// Called-Station-Id (30), e.g. the HA address the MN reached.
    pub called_station_id: Option<String>,
    /// Calling-Station-Id (31), e.g. the MN's care-of address.
    pub calling_station_id: Option<String>,
    /// Retransmissions of a request before giving up (RFC 5080 §2.2.1 suggests a few).
    pub max_retransmits: u32,
}

impl RelayConfig {
    pub fn new(secret: impl Into<Vec<u8>>) -> RelayConfig {
        RelayConfig {
            secret: secret.into(),
            nas_identifier: None,
            nas_ipv6_address: None,
            service_type: Some(radius::service_type::FRAMED),
            called_station_id: None,
            calling_station_id: None,
            max_retransmits: 3,
        }
    }
}

/// What a reply (or the timer) means for the exchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RelayEvent {
    /// Access-Challenge: relay this EAP Request to the peer, then call
    /// [`EapRelay::request`] with its answer.
    Challenge { eap: Vec<u8> },
    /// Access-Accept: the peer is authenticated. `eap` is the EAP-Success to relay (RFC 3579
    /// §2.6.3), `msk` the key from the MS-MPPE attributes if the method derived one.
    Accept {
        eap: Option<Vec<u8>>,
        msk: Option<Vec<u8>>,
        reply: Repr,
    },
    /// Access-Reject: `eap` is the EAP-Failure to relay, if the server sent one.
    Reject { eap: Option<Vec<u8>>, reply: Repr },
    /// Send this datagram again (same Identifier and Request Authenticator).
    Retransmit(Vec<u8>),
    /// No valid reply after all retransmissions; the exchange is over.
    TimedOut,
    /// The datagram was not accepted as the reply (malformed, not for the pending request,
    /// or not authentic); the request is still pending.
    Discarded { reason: String },
}

/// Errors of the caller's own making.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RelayError {
    /// A request is already pending: wait for its reply or its time-out.
    Busy,
    /// The exchange ended (Accept, Reject or time-out).
    Finished,
    /// The EAP message from the peer is not an EAP Response.
    NotAResponse(String),
    /// The Access-Request could not be built (e.g. over 4096 octets).
    Encode(String),
}

impl std::fmt::Display for RelayError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RelayError::Busy => write!(f, "a RADIUS request is already pending"),
            RelayError::Finished => write!(f, "the EAP exchange is finished"),
            RelayError::NotAResponse(s) => write!(f, "not an EAP Response: {s}"),
            RelayError::Encode(s) => write!(f, "cannot build the Access-Request: {s}"),
        }
    }
}

impl std::error::Error for RelayError {}

#[derive(Debug, Clone)]
struct Pending {
    identifier: u8,
    authenticator: [u8; 16],
    datagram: Vec<u8>,
    retransmits: u32,
}

/// One EAP authentication relayed to one AAA server.
#[derive(Debug, Clone)]
pub struct EapRelay {
    cfg: RelayConfig,
    user_name: Option<Vec<u8>>,
    state: Option<Vec<u8>>,
    pending: Option<Pending>,
    finished: bool,
}

impl EapRelay {
    pub fn new(cfg: RelayConfig) -> EapRelay {
        EapRelay {
            cfg,
            user_name: None,
            state: None,
            pending: None,
            finished: false,
        }
    }

    pub fn config(&self) -> &RelayConfig {
        &self.cfg
    }

    /// The User-Name sent in every Access-Request (the peer's identity from its first
    /// EAP-Response/Identity, or from [`EapRelay::start`]).
    pub fn user_name(&self) -> Option<&[u8]> {
        self.user_name.as_deref()
    }

    pub fn is_pending(&self) -> bool {
        self.pending.is_some()
    }

    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// Starts with the peer's identity (IKEv2 IDi, RFC 7296 §2.16): relays an
    /// EAP-Response/Identity with EAP Identifier 0 carrying it, as a NAS does that does not
    /// send its own EAP-Request/Identity first.
    pub fn start(
        &mut self,
        identity: &[u8],
        identifier: u8,
        authenticator: [u8; 16],
    ) -> Result<Vec<u8>, RelayError> {
        let id = eap::Repr::response(0, eap::method::IDENTITY, identity)
            .to_bytes()
            .map_err(|e| RelayError::Encode(e.to_string()))?;
        self.user_name = Some(identity.to_vec());
        self.request(&id, identifier, authenticator)
    }

    /// The Access-Request relaying `eap` (an EAP Response from the peer), with RADIUS
    /// Identifier `identifier` and Request Authenticator `authenticator` (16 random octets,
    /// RFC 2865 §3: new for every request). The returned datagram goes to the AAA server.
    pub fn request(
        &mut self,
        eap_msg: &[u8],
        identifier: u8,
        authenticator: [u8; 16],
    ) -> Result<Vec<u8>, RelayError> {
        if self.finished {
            return Err(RelayError::Finished);
        }
        if self.pending.is_some() {
            return Err(RelayError::Busy);
        }
        let e =
            eap::Repr::from_bytes(eap_msg).map_err(|e| RelayError::NotAResponse(e.to_string()))?;
        if e.code != eap::code::RESPONSE {
            return Err(RelayError::NotAResponse(e.describe()));
        }
        if self.user_name.is_none() {
            if let Some(id) = e.identity() {
                self.user_name = Some(id.to_vec());
            }
        }
        let mut r = Repr::new(code::ACCESS_REQUEST, identifier, authenticator);
        if let Some(u) = &self.user_name {
            r.push(Attribute::new(attr::USER_NAME, u.clone()));
        }
        if let Some(s) = self.cfg.service_type {
            r.push(Attribute::integer(attr::SERVICE_TYPE, s));
        }
        if let Some(n) = &self.cfg.nas_identifier {
            r.push(Attribute::text(attr::NAS_IDENTIFIER, n));
        }
        if let Some(a) = self.cfg.nas_ipv6_address {
            r.push(Attribute::ipv6(attr::NAS_IPV6_ADDRESS, a));
        }
        if let Some(s) = &self.cfg.called_station_id {
            r.push(Attribute::text(attr::CALLED_STATION_ID, s));
        }
        if let Some(s) = &self.cfg.calling_station_id {
            r.push(Attribute::text(attr::CALLING_STATION_ID, s));
        }
        if let Some(s) = &self.state {
            r.push(Attribute::new(attr::STATE, s.clone()));
        }
        r.push_eap_message(eap_msg);
        let datagram = r
            .sign_request(&self.cfg.secret)
            .map_err(|e| RelayError::Encode(e.to_string()))?;
        self.pending = Some(Pending {
            identifier,
            authenticator,
            datagram: datagram.clone(),
            retransmits: 0,
        });
        Ok(datagram)
    }

    /// The caller's retransmission timer fired for the pending request.
    pub fn on_timeout(&mut self) -> RelayEvent {
        let Some(p) = self.pending.as_mut() else {
            return RelayEvent::Discarded {
                reason: "timer without a pending request".into(),
            };
        };
        if p.retransmits >= self.cfg.max_retransmits {
            self.pending = None;
            self.finished = true;
            return RelayEvent::TimedOut;
        }
        p.retransmits += 1;
        RelayEvent::Retransmit(p.datagram.clone())
    }

    /// A datagram from the AAA server.
    pub fn on_reply(&mut self, datagram: &[u8]) -> RelayEvent {
        let discard = |reason: String| RelayEvent::Discarded { reason };
        let Some(p) = self.pending.as_ref() else {
            return discard("no request pending".into());
        };
        let reply = match radius::Packet::new_checked(datagram).and_then(|x| Repr::parse(&x)) {
            Ok(r) => r,
            Err(e) => return discard(format!("malformed: {e}")),
        };
        if reply.identifier != p.identifier {
            return discard(format!(
                "Identifier {} does not match the pending request's {}",
                reply.identifier, p.identifier
            ));
        }
        let name = reply
            .code_name()
            .map(str::to_owned)
            .unwrap_or_else(|| format!("code {}", reply.code));
        let secret = &self.cfg.secret;
        match radius::verify_response_authenticator(datagram, &p.authenticator, secret) {
            Ok(true) => {}
            Ok(false) => return discard(format!("{name}: wrong Response Authenticator")),
            Err(e) => return discard(format!("{name}: {e}")),
        }
        let eap_msg = reply.eap_message();
        match radius::verify_message_authenticator(datagram, &p.authenticator, secret) {
            Ok(Some(true)) => {}
            Ok(Some(false)) => return discard(format!("{name}: wrong Message-Authenticator")),
            Ok(None) if eap_msg.is_some() => {
                return discard(format!(
                    "{name}: EAP-Message without Message-Authenticator (RFC 3579 §3.2)"
                ))
            }
            Ok(None) => {}
            Err(e) => return discard(format!("{name}: {e}")),
        }
        let request_auth = p.authenticator;
        match reply.code {
            code::ACCESS_CHALLENGE => {
                let Some(eap_msg) = eap_msg else {
                    return discard("Access-Challenge without EAP-Message".into());
                };
                self.pending = None;
                self.state = reply.value(attr::STATE).map(<[u8]>::to_vec);
                RelayEvent::Challenge { eap: eap_msg }
            }
            code::ACCESS_ACCEPT => {
                let msk = match radius::msk_from_mppe(&reply, &request_auth, secret) {
                    Ok(m) => m,
                    Err(e) => return discard(format!("Access-Accept: MS-MPPE key: {e}")),
                };
                self.pending = None;
                self.finished = true;
                RelayEvent::Accept {
                    eap: eap_msg,
                    msk,
                    reply,
                }
            }
            code::ACCESS_REJECT => {
                self.pending = None;
                self.finished = true;
                RelayEvent::Reject {
                    eap: eap_msg,
                    reply,
                }
            }
            _ => discard(format!("{name} is not an answer to an Access-Request")),
        }
    }
}

/// The result of one relayed EAP round, as an IKE responder needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EapOutcome {
    /// Send this EAP Request to the peer and relay its answer.
    Continue(Vec<u8>),
    /// Authenticated: send `eap` (EAP-Success) to the peer; `msk` for the AUTH payloads
    /// (RFC 7296 §2.16), `None` if the method derived no key.
    Success {
        eap: Option<Vec<u8>>,
        msk: Option<Vec<u8>>,
    },
    /// Refused: send `eap` (EAP-Failure) to the peer.
    Failure { eap: Option<Vec<u8>> },
    /// No authentic answer from the AAA server; `discarded` lists the replies not accepted.
    TimedOut { discarded: Vec<String> },
    /// Nothing was relayed: the EAP message from the peer is not acceptable (not an EAP
    /// Response) or the exchange is already over.
    Invalid(RelayError),
}

/// The NAS side of one EAP authentication between rounds: the [`EapRelay`], its random
/// source and the RADIUS Identifiers. [`RelaySession::begin_start`] and
/// [`RelaySession::begin_step`] give the Access-Request of the next round; a driver runs the
/// round ([`exchange`], or an async equivalent) on [`RelaySession::relay_mut`].
pub struct RelaySession<R>
where
    R: FnMut() -> [u8; 16],
{
    relay: EapRelay,
    random: R,
    next_id: u8,
    /// The Identifier of the peer's last EAP Response.
    pub last_eap_id: u8,
}

impl<R> RelaySession<R>
where
    R: FnMut() -> [u8; 16],
{
    /// `random` gives 16 random octets (Request Authenticators, and the first RADIUS
    /// Identifier).
    pub fn new(cfg: RelayConfig, mut random: R) -> Self {
        let next_id = random()[0];
        RelaySession {
            relay: EapRelay::new(cfg),
            random,
            next_id,
            last_eap_id: 0,
        }
    }

    pub fn relay(&self) -> &EapRelay {
        &self.relay
    }

    pub fn relay_mut(&mut self) -> &mut EapRelay {
        &mut self.relay
    }

    /// The Access-Request relaying an EAP-Response/Identity made of `identity` (the IKEv2
    /// IDi).
    pub fn begin_start(&mut self, identity: &[u8]) -> Result<Vec<u8>, RelayError> {
        let auth = (self.random)();
        let id = self.bump();
        self.relay.start(identity, id, auth)
    }

    /// The Access-Request relaying the peer's EAP Response.
    pub fn begin_step(&mut self, eap_msg: &[u8]) -> Result<Vec<u8>, RelayError> {
        if let Ok(e) = eap::Repr::from_bytes(eap_msg) {
            self.last_eap_id = e.identifier;
        }
        let auth = (self.random)();
        let id = self.bump();
        self.relay.request(eap_msg, id, auth)
    }

    /// An EAP-Failure to send the peer when the server sent none (time-out, invalid input):
    /// Identifier of the peer's last Response, as RFC 3748 §4.2 allows.
    pub fn failure_message(&self) -> Vec<u8> {
        vec![eap::code::FAILURE, self.last_eap_id, 0, 4]
    }

    fn bump(&mut self) -> u8 {
        let id = self.next_id;
        self.next_id = self.next_id.wrapping_add(1);
        id
    }
}

/// A [`RelaySession`] with a blocking transport: `start`/`step` in, one [`EapOutcome`] out
/// per EAP round, which is the shape of an IKE responder's EAP backend.
/// Maps onto `ikev2::EapStep` as: `Continue(m)` → `Send(m)`; `Success { msk: Some(k), eap }`
/// → `Success { msk: k, final_msg: eap or EAP-Success }`; `Success { msk: None, .. }` (a
/// method without keys, EAP-MD5) → `Failure` (RFC 4877 §4.3 needs a key-generating method);
/// `Failure`, `TimedOut`, `Invalid` → `Failure(eap or EAP-Failure)` (see
/// [`RelaySession::failure_message`]).
pub struct RelayBackend<T, R>
where
    T: FnMut(Option<&[u8]>) -> Option<Vec<u8>>,
    R: FnMut() -> [u8; 16],
{
    session: RelaySession<R>,
    transport: T,
}

impl<T, R> RelayBackend<T, R>
where
    T: FnMut(Option<&[u8]>) -> Option<Vec<u8>>,
    R: FnMut() -> [u8; 16],
{
    /// `transport` as for [`exchange`]; `random` as for [`RelaySession::new`].
    pub fn new(cfg: RelayConfig, transport: T, random: R) -> Self {
        RelayBackend {
            session: RelaySession::new(cfg, random),
            transport,
        }
    }

    pub fn relay(&self) -> &EapRelay {
        self.session.relay()
    }

    /// The Identifier of the peer's last EAP Response.
    pub fn last_eap_id(&self) -> u8 {
        self.session.last_eap_id
    }

    /// Relays an EAP-Response/Identity made of `identity` (the IKEv2 IDi).
    pub fn start(&mut self, identity: &[u8]) -> EapOutcome {
        match self.session.begin_start(identity) {
            Ok(d) => self.round(d),
            Err(e) => EapOutcome::Invalid(e),
        }
    }

    /// Relays the peer's EAP Response.
    pub fn step(&mut self, eap_msg: &[u8]) -> EapOutcome {
        match self.session.begin_step(eap_msg) {
            Ok(d) => self.round(d),
            Err(e) => EapOutcome::Invalid(e),
        }
    }

    /// See [`RelaySession::failure_message`].
    pub fn failure_message(&self) -> Vec<u8> {
        self.session.failure_message()
    }

    fn round(&mut self, datagram: Vec<u8>) -> EapOutcome {
        exchange(&mut self.session.relay, datagram, &mut self.transport)
    }
}

/// Where [`RadiusEapBackend`] writes why an exchange ended the way it did (one line per
/// RADIUS round), for a caller that cannot reach into the engine that owns the backend.
pub type Notes = std::sync::Arc<std::sync::Mutex<Vec<String>>>;

/// The reason given when the AAA server accepts but derived no MSK.
pub const NO_MSK_REASON: &str = "Access-Accept without MS-MPPE keys: the EAP method derived no \
     MSK (EAP-MD5?); IKEv2 EAP needs a key-generating method (RFC 7296 §2.16, RFC 4877 §4.3)";

/// Maps one relayed round onto the IKE engine's [`EapStep`](crate::ikev2::EapStep), with the
/// reason for a failure. `last_eap_id` is the Identifier of the peer's last EAP Response
/// (for an EAP-Success or EAP-Failure the server did not send).
pub fn outcome_to_step(outcome: EapOutcome, last_eap_id: u8) -> (crate::ikev2::EapStep, String) {
    use crate::ikev2::EapStep;
    let fail = |id: u8| eap::Repr::failure(id).to_bytes().expect("EAP-Failure");
    let id_of = |m: &Option<Vec<u8>>| {
        m.as_deref()
            .and_then(|b| eap::Repr::from_bytes(b).ok())
            .map_or(last_eap_id, |e| e.identifier)
    };
    match outcome {
        EapOutcome::Continue(m) => {
            let what = eap::Repr::from_bytes(&m)
                .map(|e| e.describe())
                .unwrap_or_else(|e| format!("malformed EAP ({e})"));
            (EapStep::Send(m), format!("Access-Challenge: EAP {what}"))
        }
        EapOutcome::Success {
            eap,
            msk: Some(msk),
        } => {
            let id = id_of(&eap);
            let final_msg = eap.unwrap_or_else(|| eap::Repr::success(id).to_bytes().expect("EAP"));
            let why = format!("Access-Accept: MSK of {} octets", msk.len());
            (EapStep::Success { msk, final_msg }, why)
        }
        EapOutcome::Success { eap, msk: None } => {
            (EapStep::Failure(fail(id_of(&eap))), NO_MSK_REASON.into())
        }
        EapOutcome::Failure { eap } => {
            let m = eap.unwrap_or_else(|| fail(last_eap_id));
            (EapStep::Failure(m), "Access-Reject".into())
        }
        EapOutcome::TimedOut { discarded } => (
            EapStep::Failure(fail(last_eap_id)),
            format!("no answer from the AAA server (discarded replies: {discarded:?})"),
        ),
        EapOutcome::Invalid(e) => (
            EapStep::Failure(fail(last_eap_id)),
            format!("not relayed: {e}"),
        ),
    }
}

/// The engine's [`EapBackend`](crate::ikev2::EapBackend) as a blocking RADIUS relay: the HA
/// of RFC 5026 §5.2 passing the MN's IKEv2 EAP to the MSA's AAA server, each round inside
/// `start`/`step` (the transport is bounded by its own timer). An Access-Accept without keys
/// (EAP-MD5) is an EAP-Failure for the peer, with [`NO_MSK_REASON`]. A driver that must not
/// block runs the rounds itself instead: the engine's EAP events
/// ([`crate::ikev2::Event::EapForBackend`]) and a [`RelaySession`].
pub struct RadiusEapBackend<T, R>
where
    T: FnMut(Option<&[u8]>) -> Option<Vec<u8>>,
    R: FnMut() -> [u8; 16],
{
    backend: Box<RelayBackend<T, R>>,
    notes: Option<Notes>,
    reason: Option<String>,
}

impl<T, R> RadiusEapBackend<T, R>
where
    T: FnMut(Option<&[u8]>) -> Option<Vec<u8>>,
    R: FnMut() -> [u8; 16],
{
    /// RADIUS rounds inside `start`/`step`.
    pub fn inline(backend: RelayBackend<T, R>) -> Self {
        RadiusEapBackend {
            backend: Box::new(backend),
            notes: None,
            reason: None,
        }
    }

    /// Also appends each round's outcome (and every failure reason) to `notes`.
    pub fn with_notes(mut self, notes: Notes) -> Self {
        self.notes = Some(notes);
        self
    }

    /// Why the last round ended as it did (`None` before the first one).
    pub fn last_reason(&self) -> Option<&str> {
        self.reason.as_deref()
    }

    fn finish(&mut self, outcome: EapOutcome) -> crate::ikev2::EapStep {
        let (step, why) = outcome_to_step(outcome, self.backend.last_eap_id());
        if let Some(n) = &self.notes {
            n.lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(why.clone());
        }
        self.reason = Some(why);
        step
    }
}

impl<T, R> crate::ikev2::EapBackend for RadiusEapBackend<T, R>
where
    T: FnMut(Option<&[u8]>) -> Option<Vec<u8>>,
    R: FnMut() -> [u8; 16],
{
    fn start(&mut self, identity: &[u8]) -> crate::ikev2::EapStep {
        let out = self.backend.start(identity);
        self.finish(out)
    }

    fn step(&mut self, eap_msg: &[u8]) -> crate::ikev2::EapStep {
        let out = self.backend.step(eap_msg);
        self.finish(out)
    }
}

/// An EAP-MSCHAPv2 peer (RFC 2759, draft-kamath-pppext-eap-mschapv2) as the IKE initiator's
/// [`EapClient`](crate::ikev2::EapClient): answers Identity with `user`, Naks any other method
/// for MSCHAPv2, checks the server's Authenticator Response before acknowledging Success, and
/// derives the MSK the way the AAA server does (RFC 3079 §3.4): the server's receive key then
/// its send key, 16 octets each.
pub struct MschapV2Client {
    user: Vec<u8>,
    password: String,
    random: Box<dyn FnMut() -> [u8; 16] + Send>,
    /// Authenticator challenge, peer challenge, NT-Response of the answered Challenge.
    sent: Option<([u8; 16], [u8; 16], [u8; 24])>,
    msk: Option<Vec<u8>>,
    /// Whether the server proved it knows the password (Authenticator Response matched).
    pub server_proved: bool,
}

impl MschapV2Client {
    pub fn new(
        user: impl Into<Vec<u8>>,
        password: impl Into<String>,
        random: Box<dyn FnMut() -> [u8; 16] + Send>,
    ) -> MschapV2Client {
        MschapV2Client {
            user: user.into(),
            password: password.into(),
            random,
            sent: None,
            msk: None,
            server_proved: false,
        }
    }
}

/// The EAP-MSCHAPv2 server's MPPE keys as the peer derives them from `password` and its
/// NT-Response `nt` (RFC 3079 §3.4): the receive key, then the send key. Their concatenation
/// is the MSK.
pub fn mschapv2_server_keys(password: &str, nt: &[u8; 24]) -> ([u8; 16], [u8; 16]) {
    use mip6lab_wire::eap::mschapv2;
    let hh = mschapv2::hash_nt_password_hash(&mschapv2::nt_password_hash(password));
    let mk = mschapv2::master_key(&hh, nt);
    (
        mschapv2::asymmetric_start_key(&mk, false, true),
        mschapv2::asymmetric_start_key(&mk, true, true),
    )
}

impl crate::ikev2::EapClient for MschapV2Client {
    fn step(&mut self, eap_request: &[u8]) -> Option<Vec<u8>> {
        use mip6lab_wire::eap::mschapv2;
        let req = eap::Repr::from_bytes(eap_request).ok()?;
        if req.code != eap::code::REQUEST {
            return None;
        }
        let resp = match req.method? {
            eap::method::IDENTITY => {
                eap::Repr::response(req.identifier, eap::method::IDENTITY, self.user.clone())
            }
            eap::method::MSCHAPV2 => {
                let p = mschapv2::Packet::parse(&req.data).ok()?;
                let out = match p.opcode {
                    mschapv2::OP_CHALLENGE => {
                        let pc = (self.random)();
                        let r = mschapv2::response(&p, &pc, &self.user, &self.password).ok()?;
                        let data = &r.header.as_ref()?.data;
                        let nt: [u8; 24] = data.get(25..49)?.try_into().ok()?;
                        self.sent = Some((p.challenge()?, pc, nt));
                        r
                    }
                    mschapv2::OP_SUCCESS => {
                        let (ac, pc, nt) = self.sent?;
                        let want = mschapv2::authenticator_response(
                            &self.password,
                            &nt,
                            &pc,
                            &ac,
                            &self.user,
                        );
                        let msg = &p.header.as_ref()?.data;
                        if !msg.starts_with(want.as_bytes()) {
                            // The server does not know the password: give up.
                            return None;
                        }
                        self.server_proved = true;
                        let (recv, send) = mschapv2_server_keys(&self.password, &nt);
                        self.msk = Some([recv, send].concat());
                        mschapv2::Packet {
                            opcode: mschapv2::OP_SUCCESS,
                            header: None,
                        }
                    }
                    // Failure (wrong password): acknowledge; the server ends with EAP-Failure.
                    op => mschapv2::Packet {
                        opcode: op,
                        header: None,
                    },
                };
                eap::Repr::response(req.identifier, eap::method::MSCHAPV2, out.to_bytes())
            }
            _ => eap::Repr::response(
                req.identifier,
                eap::method::NAK,
                vec![eap::method::MSCHAPV2],
            ),
        };
        resp.to_bytes().ok()
    }

    fn msk(&self) -> Option<Vec<u8>> {
        self.msk.clone()
    }
}

/// Runs one request/reply round: `datagram` (from [`EapRelay::start`] or
/// [`EapRelay::request`]) goes out through `transact`, which sends a datagram to the AAA
/// server and returns the next datagram received from it, or `None` when the retransmission
/// timer fires first. Discarded replies are skipped (the timer keeps running in `transact`).
pub fn exchange(
    relay: &mut EapRelay,
    datagram: Vec<u8>,
    transact: &mut impl FnMut(Option<&[u8]>) -> Option<Vec<u8>>,
) -> EapOutcome {
    let mut discarded = Vec::new();
    let mut send = Some(datagram);
    loop {
        let got = transact(send.as_deref());
        match round_event(relay, got, &mut discarded) {
            Ok(outcome) => return outcome,
            Err(again) => send = again,
        }
    }
}

/// Feeds the reply (or, `None`, the timer) to the relay: the round's outcome, or what to
/// send before the next wait (`Err(Some)` a retransmission, `Err(None)` nothing). The step
/// of [`exchange`], for drivers that wait their own way.
pub fn round_event(
    relay: &mut EapRelay,
    reply: Option<Vec<u8>>,
    discarded: &mut Vec<String>,
) -> Result<EapOutcome, Option<Vec<u8>>> {
    let ev = match reply {
        Some(reply) => relay.on_reply(&reply),
        None => relay.on_timeout(),
    };
    match ev {
        RelayEvent::Challenge { eap } => Ok(EapOutcome::Continue(eap)),
        RelayEvent::Accept { eap, msk, .. } => Ok(EapOutcome::Success { eap, msk }),
        RelayEvent::Reject { eap, .. } => Ok(EapOutcome::Failure { eap }),
        RelayEvent::Retransmit(d) => Err(Some(d)),
        RelayEvent::TimedOut => Ok(EapOutcome::TimedOut {
            discarded: std::mem::take(discarded),
        }),
        RelayEvent::Discarded { reason } => {
            discarded.push(reason);
            Err(None)
        }
    }
}

mod engine;
pub use engine::{RadiusEap, RadiusEapInput};

pub mod dualstack;
pub mod server;
pub use server::{AaaServer, Mip6Authorization, ServerConfig, ServerEvent, Subscriber};

#[cfg(test)]
mod server_tests;
#[cfg(test)]
mod tests;
