//! The home AAA server (AAAH) of RFC 6611 §4.2.1/§4.2.2 step (1), RADIUS side: it
//! authenticates the MN for network access and, for a subscriber whose profile allows Mobile
//! IPv6, returns the assigned home agent to the NAS in the Access-Accept, in the lab's RADIUS
//! profile (`fixtures/requirements/radius-ha-assignment.md`: MIP6-Feature-Vector 124 with
//! MIP6_INTEGRATED, WiMAX-hHA-IP-MIP6, MIP6-Home-Link-Prefix 125).
//!
//! Sans-IO: [`AaaServer`] takes Access-Request datagrams with their source and gives the
//! replies ([`SansIo::poll_transmit`]) and one [`ServerEvent`] per datagram.
//!
//! - RFC 2865: only Access-Request is served; every reply carries the Response Authenticator
//!   over the request's authenticator and the one shared secret. Proxy-State attributes are
//!   copied into the reply unmodified and in order (§5.33: the AAAV proxies to this server).
//!   A retransmission (the same request again from the same client, RFC 5080 §2.2.2) gets
//!   the reply already sent, not a second evaluation.
//! - RFC 3579: a request with EAP-Message must carry a valid Message-Authenticator (§3.2),
//!   and a request whose Message-Authenticator is wrong is discarded; every reply carries one.
//!   EAP-Message is split and joined at 253 octets.
//! - EAP-MD5 (RFC 3748 §5.4): Response/Identity → Access-Challenge with an MD5-Challenge
//!   Request (Identifier one above the Response's, 16 random octets) and a random State;
//!   Response/MD5-Challenge with that State → Access-Accept with EAP-Success, or
//!   Access-Reject with EAP-Failure. A Nak, an unknown identity or an unknown State is
//!   refused with EAP-Failure. PAP (User-Password, RFC 2865 §5.2) is answered too, for
//!   readiness probes.
//! - Authorization (RFC 6611 §4.2.1 (1)): the Access-Accept of a subscriber with a
//!   [`Mip6Authorization`] carries the assignment; one without (network access only) gets an
//!   Access-Accept with none of the profile's attributes — the lab's reading of "not
//!   allowed to use the Mobile IPv6 service": access granted, no home agent.

use crate::io::{Datagram, SansIo, Transmit};
use mip6lab_wire::eap;
use mip6lab_wire::radius::{self, attr, code, feature, Attribute, HaAssignment, Repr};
use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, Ipv6Addr, SocketAddr};

/// How long an EAP conversation waits for the peer's next Response (FreeRADIUS's
/// `timer_expire` default).
pub const SESSION_TIMEOUT_MS: u64 = 60_000;
/// Replies kept for retransmitted requests.
const REPLY_CACHE: usize = 256;

/// A subscriber's Mobile IPv6 authorization: the home agent and home link prefix assigned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mip6Authorization {
    pub home_agent: Ipv6Addr,
    pub home_link_prefix: (Ipv6Addr, u8),
}

impl Mip6Authorization {
    /// The lab profile's attributes: 124 = MIP6_INTEGRATED, the HA, 125.
    pub fn assignment(&self) -> HaAssignment {
        HaAssignment {
            feature_vector: Some(feature::MIP6_INTEGRATED),
            home_agents: vec![IpAddr::V6(self.home_agent)],
            visited_agents: Vec::new(),
            home_link_prefix: Some(self.home_link_prefix),
        }
    }
}

/// One entry of the users table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscriber {
    /// The NAI, as the User-Name and the EAP identity carry it.
    pub nai: String,
    pub password: Vec<u8>,
    /// `None`: network access only, no Mobile IPv6 service.
    pub mip6: Option<Mip6Authorization>,
}

/// The server's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConfig {
    /// The shared secret of every RADIUS client.
    pub secret: Vec<u8>,
    pub subscribers: Vec<Subscriber>,
    /// Mutation: never put the HA assignment in an Access-Accept.
    pub no_ha_assignment: bool,
    /// Mutation: assign a home agent to every subscriber, allowed Mobile IPv6 or not (the
    /// first allowed subscriber's, the deployment's home agent).
    pub ignore_mip6_authorization: bool,
}

impl ServerConfig {
    pub fn new(secret: impl Into<Vec<u8>>, subscribers: Vec<Subscriber>) -> ServerConfig {
        ServerConfig {
            secret: secret.into(),
            subscribers,
            no_ha_assignment: false,
            ignore_mip6_authorization: false,
        }
    }

    fn subscriber(&self, nai: &[u8]) -> Option<&Subscriber> {
        self.subscribers.iter().find(|s| s.nai.as_bytes() == nai)
    }

    /// What an Access-Accept for `s` assigns, with the mutations applied.
    fn authorization_of(&self, s: &Subscriber) -> Option<Mip6Authorization> {
        if self.no_ha_assignment {
            return None;
        }
        if self.ignore_mip6_authorization {
            return s
                .mip6
                .or_else(|| self.subscribers.iter().find_map(|o| o.mip6));
        }
        s.mip6
    }
}

/// What the server did with one datagram.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerEvent {
    /// A reply went to `client`: `code` (Access-Challenge, -Accept or -Reject), for `user`
    /// (the NAI, when the request named one), with `assignment` in an Access-Accept that
    /// carries one, and why.
    Answered {
        client: SocketAddr,
        code: u8,
        user: Option<String>,
        assignment: Option<HaAssignment>,
        reason: String,
    },
    /// A retransmitted request got the reply already sent.
    Repeated { client: SocketAddr, identifier: u8 },
    /// No reply (RFC 2865 §3, RFC 3579 §3.2: silently discarded), and why.
    Discarded { client: SocketAddr, reason: String },
}

/// An EAP-MD5 conversation waiting for the peer's Response.
#[derive(Debug, Clone)]
struct Session {
    nai: Vec<u8>,
    eap_identifier: u8,
    challenge: [u8; 16],
    expires_at: u64,
}

/// A reply sent, for retransmissions of its request.
#[derive(Debug, Clone)]
struct Sent {
    client: SocketAddr,
    request: Vec<u8>,
    reply: Vec<u8>,
}

/// What a request is answered with, before signing.
struct Answer {
    code: u8,
    eap: Option<eap::Repr>,
    state: Option<[u8; 16]>,
    user: Option<String>,
    assignment: Option<HaAssignment>,
    reason: String,
}

/// The RADIUS server: one secret, one users table, EAP-MD5 and PAP.
pub struct AaaServer<R>
where
    R: FnMut() -> [u8; 16],
{
    cfg: ServerConfig,
    random: R,
    sessions: HashMap<[u8; 16], Session>,
    sent: VecDeque<Sent>,
    transmits: VecDeque<Transmit>,
    events: VecDeque<ServerEvent>,
}

impl<R> AaaServer<R>
where
    R: FnMut() -> [u8; 16],
{
    /// `random` gives 16 random octets (States and MD5 challenges).
    pub fn new(cfg: ServerConfig, random: R) -> Self {
        AaaServer {
            cfg,
            random,
            sessions: HashMap::new(),
            sent: VecDeque::new(),
            transmits: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    pub fn config(&self) -> &ServerConfig {
        &self.cfg
    }

    fn on_datagram(&mut self, now: u64, client: SocketAddr, datagram: &[u8]) {
        let discard = |reason: String| ServerEvent::Discarded { client, reason };
        let request = match radius::Packet::new_checked(datagram).and_then(|p| Repr::parse(&p)) {
            Ok(r) => r,
            Err(e) => return self.events.push_back(discard(format!("malformed: {e}"))),
        };
        if request.code != code::ACCESS_REQUEST {
            let name = request
                .code_name()
                .map_or_else(|| format!("code {}", request.code), str::to_owned);
            return self
                .events
                .push_back(discard(format!("{name}: only Access-Request is served")));
        }
        let packet = radius::Packet::new_unchecked(datagram).as_bytes().to_vec();
        // A retransmission repeats the request octet for octet (Identifier and Request
        // Authenticator included).
        if let Some(s) = self
            .sent
            .iter()
            .find(|s| s.client == client && s.request == packet)
        {
            self.transmits.push_back(Transmit {
                dst: client,
                payload: s.reply.clone(),
            });
            return self.events.push_back(ServerEvent::Repeated {
                client,
                identifier: request.identifier,
            });
        }
        let eap_message = request.eap_message();
        match radius::verify_message_authenticator(
            &packet,
            &request.authenticator,
            &self.cfg.secret,
        ) {
            Ok(Some(true)) => {}
            Ok(Some(false)) => {
                return self.events.push_back(discard(
                    "wrong Message-Authenticator (another secret?)".into(),
                ))
            }
            Ok(None) if eap_message.is_some() => {
                return self.events.push_back(discard(
                    "EAP-Message without Message-Authenticator (RFC 3579 §3.2)".into(),
                ))
            }
            Ok(None) => {}
            Err(e) => return self.events.push_back(discard(format!("{e}"))),
        }
        self.sessions.retain(|_, s| s.expires_at > now);
        let answer = match eap_message {
            Some(m) => self.eap_answer(now, &request, &m),
            None => self.pap_answer(&request),
        };
        let answer = match answer {
            Ok(a) => a,
            Err(reason) => return self.events.push_back(discard(reason)),
        };
        match self.sign(&request, &answer) {
            Ok(reply) => {
                self.remember(client, packet, &reply);
                self.transmits.push_back(Transmit {
                    dst: client,
                    payload: reply,
                });
                self.events.push_back(ServerEvent::Answered {
                    client,
                    code: answer.code,
                    user: answer.user,
                    assignment: answer.assignment,
                    reason: answer.reason,
                });
            }
            Err(e) => self
                .events
                .push_back(discard(format!("cannot build the reply: {e}"))),
        }
    }

    /// The EAP-MD5 step `eap_message` asks for; `Err` to discard the request.
    fn eap_answer(
        &mut self,
        now: u64,
        request: &Repr,
        eap_message: &[u8],
    ) -> Result<Answer, String> {
        let e = eap::Repr::from_bytes(eap_message).map_err(|e| format!("EAP-Message: {e}"))?;
        if e.code != eap::code::RESPONSE {
            return Err(format!("EAP-Message is a {}, not a Response", e.describe()));
        }
        let user_name = request.value(attr::USER_NAME).map(<[u8]>::to_vec);
        let shown = |n: &[u8]| String::from_utf8_lossy(n).into_owned();
        let refuse = |user: Option<&[u8]>, reason: String| Answer {
            code: code::ACCESS_REJECT,
            eap: Some(eap::Repr::failure(e.identifier)),
            state: None,
            user: user.map(shown),
            assignment: None,
            reason,
        };
        if let Some(identity) = e.identity() {
            let Some(s) = self.cfg.subscriber(identity) else {
                return Ok(refuse(Some(identity), "unknown identity".into()));
            };
            let (state, challenge) = ((self.random)(), (self.random)());
            let eap_identifier = e.identifier.wrapping_add(1);
            self.sessions.insert(
                state,
                Session {
                    nai: s.nai.as_bytes().to_vec(),
                    eap_identifier,
                    challenge,
                    expires_at: now + SESSION_TIMEOUT_MS,
                },
            );
            let data = eap::Md5Challenge {
                value: challenge.to_vec(),
                name: Vec::new(),
            }
            .to_bytes()
            .map_err(|e| e.to_string())?;
            return Ok(Answer {
                code: code::ACCESS_CHALLENGE,
                eap: Some(eap::Repr::request(
                    eap_identifier,
                    eap::method::MD5_CHALLENGE,
                    data,
                )),
                state: Some(state),
                user: Some(s.nai.clone()),
                assignment: None,
                reason: "EAP-MD5 challenge".into(),
            });
        }
        let session = request
            .value(attr::STATE)
            .and_then(|s| <[u8; 16]>::try_from(s).ok())
            .and_then(|s| self.sessions.remove(&s));
        let Some(session) = session else {
            return Ok(refuse(
                user_name.as_deref(),
                "no EAP conversation with this State".into(),
            ));
        };
        let user = Some(session.nai.as_slice());
        if e.identifier != session.eap_identifier {
            return Ok(refuse(
                user,
                format!(
                    "EAP Identifier {} answers no Request (expected {})",
                    e.identifier, session.eap_identifier
                ),
            ));
        }
        let Some(Ok(answer)) = e.md5_challenge() else {
            return Ok(refuse(
                user,
                format!("{} instead of the MD5-Challenge's answer", e.describe()),
            ));
        };
        let Some(s) = self.cfg.subscriber(&session.nai).cloned() else {
            return Ok(refuse(user, "the subscriber is gone".into()));
        };
        let want =
            eap::md5_challenge_response(session.eap_identifier, &s.password, &session.challenge);
        if answer.value != want {
            return Ok(refuse(user, "wrong password (EAP-MD5)".into()));
        }
        Ok(self.accept(&s, Some(eap::Repr::success(e.identifier)), "EAP-MD5"))
    }

    /// PAP (User-Password): for probes.
    fn pap_answer(&self, request: &Repr) -> Result<Answer, String> {
        let user = request
            .value(attr::USER_NAME)
            .ok_or("neither EAP-Message nor User-Name")?;
        let hidden = request
            .value(attr::USER_PASSWORD)
            .ok_or("neither EAP-Message nor User-Password")?;
        let password = radius::unhide_password(hidden, &request.authenticator, &self.cfg.secret)
            .map_err(|e| format!("User-Password: {e}"))?;
        let shown = String::from_utf8_lossy(user).into_owned();
        match self.cfg.subscriber(user) {
            Some(s) if s.password == password => Ok(self.accept(&s.clone(), None, "PAP")),
            found => Ok(Answer {
                code: code::ACCESS_REJECT,
                eap: None,
                state: None,
                user: Some(shown),
                assignment: None,
                reason: if found.is_some() {
                    "wrong password (PAP)".into()
                } else {
                    "unknown user".into()
                },
            }),
        }
    }

    fn accept(&self, s: &Subscriber, eap_msg: Option<eap::Repr>, method: &str) -> Answer {
        let assignment = self.cfg.authorization_of(s).map(|m| m.assignment());
        let reason = match (&assignment, s.mip6.is_some()) {
            (Some(_), true) => format!("{method}; Mobile IPv6 allowed: HA assigned"),
            (Some(_), false) => format!("{method}; network access only, yet an HA assigned"),
            (None, true) => format!("{method}; Mobile IPv6 allowed, no HA assigned"),
            (None, false) => format!("{method}; network access only: no HA assignment"),
        };
        Answer {
            code: code::ACCESS_ACCEPT,
            eap: eap_msg,
            state: None,
            user: Some(s.nai.clone()),
            assignment,
            reason,
        }
    }

    /// The reply: assignment, EAP-Message, State, Message-Authenticator, then the request's
    /// Proxy-States in order; signed over the request's authenticator.
    fn sign(&self, request: &Repr, a: &Answer) -> Result<Vec<u8>, String> {
        let mut r = Repr::new(a.code, request.identifier, [0; 16]);
        if let Some(assignment) = &a.assignment {
            for x in assignment.attributes().map_err(|e| e.to_string())? {
                r.push(x);
            }
        }
        if let Some(e) = &a.eap {
            r.push_eap_message(&e.to_bytes().map_err(|e| e.to_string())?);
        }
        if let Some(s) = a.state {
            r.push(Attribute::new(attr::STATE, s.to_vec()));
        }
        r.push(Attribute::new(attr::MESSAGE_AUTHENTICATOR, [0u8; 16]));
        for p in request
            .attributes
            .iter()
            .filter(|x| x.kind == attr::PROXY_STATE)
        {
            r.push(p.clone());
        }
        r.sign_response(&request.authenticator, &self.cfg.secret, true)
            .map_err(|e| e.to_string())
    }

    fn remember(&mut self, client: SocketAddr, request: Vec<u8>, reply: &[u8]) {
        if self.sent.len() == REPLY_CACHE {
            self.sent.pop_front();
        }
        self.sent.push_back(Sent {
            client,
            request,
            reply: reply.to_vec(),
        });
    }
}

impl<R> SansIo for AaaServer<R>
where
    R: FnMut() -> [u8; 16],
{
    type Input<'a> = Datagram<'a>;
    type Event = ServerEvent;

    fn handle_input(&mut self, now: u64, d: Datagram<'_>) {
        self.on_datagram(now, d.src, d.payload);
    }

    fn handle_timeout(&mut self, now: u64) {
        self.sessions.retain(|_, s| s.expires_at > now);
    }

    fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    fn poll_event(&mut self) -> Option<ServerEvent> {
        self.events.pop_front()
    }

    fn next_timeout(&self) -> Option<u64> {
        self.sessions.values().map(|s| s.expires_at).min()
    }
}
