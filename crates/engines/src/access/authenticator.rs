//! One port's IEEE 802.1X pass-through authenticator.
//!
//! While nobody authenticates and nobody is authorized, an EAP-Request/Identity goes to the
//! PAE group address every `request_identity_every_ms` (802.1X txPeriod). A supplicant
//! starts with EAPOL-Start (answered with a Request/Identity of its own) or by answering the
//! group's Request/Identity. From its Response/Identity on, every EAP Response is relayed
//! to the AAA server, each EAP Request of an Access-Challenge goes back in an EAPOL-EAP PDU,
//! and the Access-Accept or Access-Reject ends the authentication with the EAP-Success or
//! EAP-Failure the server sent (or one made here with the Identifier of the last Response,
//! RFC 3748 §4.2, when the server sent none).
//!
//! Choices:
//! - Frames to a supplicant go to its own MAC address (the group's Request/Identity aside):
//!   the access link is a bridge that other stations may share, and IEEE 802.1X-2010 §11.1.1
//!   lets a PAE on a shared medium address its peer individually; wpa_supplicant with the
//!   `wired` driver takes both. The transcript then names the supplicant.
//! - The supplicant's own EAP-Response/Identity is relayed as received (RFC 3579 §2.1), not
//!   remade by [`RadiusEapInput::Start`] (which gives Identifier 0, for IKEv2's IDi): the
//!   server sees the supplicant's Identifier and octets.
//! - Calling-Station-Id is the supplicant's MAC (RFC 3580 §3.21, [`calling_station_id`]);
//!   Called-Station-Id, unless configured, the NAS's own (RFC 3580 §3.20).
//! - A supplicant that stops answering a relayed Request is given up after
//!   `supplicant_timeout_ms` (802.1X suppTimeout), and the port asks for an identity again.
//! - A failed (rejected or timed-out) re-authentication leaves the port unauthorized.

use crate::aaa::{EapOutcome, RadiusEap, RadiusEapInput, RelayConfig};
use crate::io::{Datagram, SansIo, Transmit};
use mip6lab_wire::radius::{self, HaAssignment};
use mip6lab_wire::{eap, eapol};
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

/// The authenticator's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthenticatorConfig {
    /// The NAS's MAC address on the access link (source of its frames).
    pub own_mac: [u8; 6],
    /// Secret, NAS-Identifier, NAS-IPv6-Address, … of the Access-Requests. Its
    /// Calling-Station-Id is replaced by each supplicant's MAC ([`calling_station_id`]); an
    /// unset Called-Station-Id becomes the NAS's MAC.
    pub radius: RelayConfig,
    /// The AAA server.
    pub server: SocketAddr,
    /// How long a RADIUS request waits for its answer before it is sent again.
    pub radius_retransmit_ms: u64,
    /// 802.1X txPeriod: the interval of EAP-Request/Identity to the PAE group while no one is
    /// authenticating or authorized.
    pub request_identity_every_ms: u64,
    /// How many of those before the port stops asking (`None`: forever). The count starts
    /// again whenever the port returns to asking.
    pub max_identity_requests: Option<u32>,
    /// 802.1X suppTimeout: how long a Request sent to the supplicant waits for its Response.
    pub supplicant_timeout_ms: u64,
    /// Protocol Version of the EAPOL PDUs sent (2, IEEE 802.1X-2004, as hostapd sends).
    pub eapol_version: u8,
    /// Mutation: send EAP-Success to the supplicant as soon as its Response/Identity comes,
    /// without waiting for the AAA server (the classic authenticator bug). The relay goes
    /// on; only an Access-Accept authorizes.
    pub success_before_accept: bool,
    /// Mutation: ignore the home-agent attributes of the Access-Accept
    /// ([`AuthenticatorEvent::Authorized`] with `assignment: None`).
    pub drop_assignment: bool,
}

impl AuthenticatorConfig {
    /// Lab defaults: RADIUS retransmission after 2 s, a Request/Identity every second
    /// forever, 30 s for the supplicant, EAPOL version 2, no mutation.
    pub fn new(own_mac: [u8; 6], radius: RelayConfig, server: SocketAddr) -> AuthenticatorConfig {
        AuthenticatorConfig {
            own_mac,
            radius,
            server,
            radius_retransmit_ms: 2000,
            request_identity_every_ms: 1000,
            max_identity_requests: None,
            supplicant_timeout_ms: 30_000,
            eapol_version: 2,
            success_before_accept: false,
            drop_assignment: false,
        }
    }
}

/// What the driver feeds the authenticator.
#[derive(Debug, Clone, Copy)]
pub enum AuthenticatorInput<'a> {
    /// An EAPOL PDU (the octets after the ethertype) from `src`.
    Frame { src: [u8; 6], payload: &'a [u8] },
    /// A datagram on the RADIUS socket.
    Radius(Datagram<'a>),
}

/// An EAPOL PDU to send on the access link with ethertype 0x888E.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EapolFrame {
    pub dst: [u8; 6],
    pub payload: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum AuthenticatorEvent {
    /// The supplicant is authorized (Access-Accept relayed as EAP-Success). `assignment`:
    /// the lab's HA-assignment attributes of the Access-Accept (`None` when it has none, when
    /// they do not parse — then `assignment_error` says why — or with `drop_assignment`).
    Authorized {
        supplicant: [u8; 6],
        identity: Vec<u8>,
        assignment: Option<HaAssignment>,
        assignment_error: Option<String>,
        accept: radius::Repr,
    },
    /// Access-Reject (relayed as EAP-Failure).
    Refused {
        supplicant: [u8; 6],
        identity: Vec<u8>,
    },
    /// No authentic answer from the AAA server after the retransmissions; `discarded` lists
    /// the replies not accepted. The port asks for an identity again.
    AaaTimedOut {
        supplicant: [u8; 6],
        discarded: Vec<String>,
    },
    /// The supplicant did not answer a Request within `supplicant_timeout_ms`.
    SupplicantTimedOut { supplicant: [u8; 6] },
    /// EAPOL-Logoff: the supplicant is no longer authorized.
    Logoff { supplicant: [u8; 6] },
    /// A frame not acted on, and why (unparsable, not an EAP Response, a wrong Identifier,
    /// from a second supplicant while one is authenticating or authorized, ...).
    Ignored { src: [u8; 6], reason: String },
    /// A RADIUS datagram while no authentication waits for one.
    RadiusIgnored { src: SocketAddr, reason: String },
}

/// The random source each authentication's [`RadiusEap`] draws from.
type SharedRandom = Box<dyn FnMut() -> [u8; 16] + Send>;

/// One supplicant's authentication in progress.
struct Session {
    supplicant: [u8; 6],
    /// From its Response/Identity (empty before).
    identity: Vec<u8>,
    /// The Identifier of the last EAP Request sent to it.
    last_request_id: u8,
    /// The RADIUS side, from the Response/Identity on.
    relay: Option<RadiusEap<SharedRandom>>,
    /// While a Request waits for the supplicant's Response.
    supplicant_deadline: Option<u64>,
}

/// An IEEE 802.1X pass-through authenticator for one port.
pub struct Authenticator {
    cfg: AuthenticatorConfig,
    random: Arc<Mutex<dyn FnMut() -> [u8; 16] + Send>>,
    /// Identifier of the next Request/Identity made here.
    next_eap_id: u8,
    /// When the next Request/Identity goes to the PAE group (`None`: not asking).
    identity_timer: Option<u64>,
    identity_requests: u32,
    /// The Identifier of the last Request/Identity sent to the group.
    group_request_id: Option<u8>,
    session: Option<Session>,
    authorized: Option<[u8; 6]>,
    frames: VecDeque<EapolFrame>,
    transmits: VecDeque<Transmit>,
    events: VecDeque<AuthenticatorEvent>,
}

/// A MAC address as RFC 3580 §3.21 writes it in Calling-Station-Id: `02-42-C6-33-64-8A`.
pub fn calling_station_id(mac: &[u8; 6]) -> String {
    mac.iter()
        .map(|o| format!("{o:02X}"))
        .collect::<Vec<_>>()
        .join("-")
}

impl Authenticator {
    /// `random` gives 16 random octets (the first EAP Identifier; RADIUS Identifiers and
    /// Request Authenticators). The first Request/Identity is due at `now`.
    pub fn new<R>(cfg: AuthenticatorConfig, random: R, now: u64) -> Authenticator
    where
        R: FnMut() -> [u8; 16] + Send + 'static,
    {
        let random: Arc<Mutex<dyn FnMut() -> [u8; 16] + Send>> = Arc::new(Mutex::new(random));
        let next_eap_id = draw(&random)[0];
        Authenticator {
            cfg,
            random,
            next_eap_id,
            identity_timer: Some(now),
            identity_requests: 0,
            group_request_id: None,
            session: None,
            authorized: None,
            frames: VecDeque::new(),
            transmits: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    pub fn config(&self) -> &AuthenticatorConfig {
        &self.cfg
    }

    /// The next EAPOL PDU for the access link.
    pub fn poll_frame(&mut self) -> Option<EapolFrame> {
        self.frames.pop_front()
    }

    /// The supplicant the port is authorized for.
    pub fn authorized(&self) -> Option<[u8; 6]> {
        self.authorized
    }

    /// The supplicant authenticating now, if any.
    pub fn authenticating(&self) -> Option<[u8; 6]> {
        self.session.as_ref().map(|s| s.supplicant)
    }

    fn ignore(&mut self, src: [u8; 6], reason: impl Into<String>) {
        self.events.push_back(AuthenticatorEvent::Ignored {
            src,
            reason: reason.into(),
        });
    }

    fn send_eap(&mut self, dst: [u8; 6], e: &[u8]) {
        let payload = eapol::Repr {
            version: self.cfg.eapol_version,
            packet_type: eapol::packet_type::EAP,
            body: e.to_vec(),
            padding: Vec::new(),
        }
        .to_bytes()
        .expect("an EAP packet fits an EAPOL body");
        self.frames.push_back(EapolFrame { dst, payload });
    }

    /// A Request/Identity of this NAS's making, to `dst`; its Identifier.
    fn send_identity_request(&mut self, dst: [u8; 6]) -> u8 {
        let id = self.next_eap_id;
        self.next_eap_id = id.wrapping_add(1);
        let e = eap::Repr::request(id, eap::method::IDENTITY, Vec::new());
        self.send_eap(dst, &e.to_bytes().expect("Request/Identity"));
        id
    }

    /// Back to asking the group for an identity, from `now`.
    fn idle(&mut self, now: u64) {
        self.session = None;
        self.identity_requests = 0;
        self.identity_timer = (self.authorized.is_none()).then_some(now);
    }

    /// A new authentication of `supplicant`, which answers `request_id` next.
    fn open_session(&mut self, now: u64, supplicant: [u8; 6], request_id: u8) {
        self.identity_timer = None;
        self.group_request_id = None;
        self.session = Some(Session {
            supplicant,
            identity: Vec::new(),
            last_request_id: request_id,
            relay: None,
            supplicant_deadline: Some(now + self.cfg.supplicant_timeout_ms),
        });
    }

    fn on_frame(&mut self, now: u64, src: [u8; 6], payload: &[u8]) {
        if src == self.cfg.own_mac {
            return self.ignore(src, "a frame of this NAS's own");
        }
        let pdu = match eapol::Repr::from_bytes(payload) {
            Ok(p) => p,
            Err(e) => return self.ignore(src, format!("unparsable EAPOL: {e}")),
        };
        let busy_with = self
            .session
            .as_ref()
            .map(|s| s.supplicant)
            .or(self.authorized)
            .filter(|&m| m != src);
        if let Some(other) = busy_with {
            let what = if self.session.is_some() {
                "authenticating"
            } else {
                "authorized"
            };
            return self.ignore(
                src,
                format!(
                    "{}: the port is {what} for {}",
                    pdu.type_name(),
                    eapol::mac_text(&other)
                ),
            );
        }
        match pdu.packet_type {
            eapol::packet_type::START => {
                // (Re-)authentication: whatever ran for this supplicant is dropped.
                let id = self.send_identity_request(src);
                self.open_session(now, src, id);
            }
            eapol::packet_type::LOGOFF => {
                if self.session.is_none() && self.authorized.is_none() {
                    return self.ignore(src, "EAPOL-Logoff from a supplicant not on the port");
                }
                self.authorized = None;
                self.events
                    .push_back(AuthenticatorEvent::Logoff { supplicant: src });
                self.idle(now);
            }
            eapol::packet_type::EAP => match pdu.eap_packet() {
                Some(Ok(e)) => self.on_eap(now, src, &e, &pdu.body),
                Some(Err(err)) => self.ignore(src, format!("unparsable EAP in EAPOL: {err}")),
                None => unreachable!("an EAPOL-EAP PDU has an EAP packet"),
            },
            _ => {
                let name = pdu.type_name();
                self.ignore(src, format!("{name} is not handled by this authenticator"))
            }
        }
    }

    fn on_eap(&mut self, now: u64, src: [u8; 6], e: &eap::Repr, raw: &[u8]) {
        if e.code != eap::code::RESPONSE {
            return self.ignore(src, format!("EAP {} is not an EAP Response", e.describe()));
        }
        if self.session.is_none() {
            // Only an answer to the group's Request/Identity opens an authentication.
            match self.group_request_id {
                Some(id) if id == e.identifier && e.identity().is_some() => {
                    self.open_session(now, src, id)
                }
                _ => {
                    return self.ignore(
                        src,
                        format!(
                            "EAP {} id={} answers no Request of this NAS",
                            e.describe(),
                            e.identifier
                        ),
                    )
                }
            }
        }
        let s = self.session.as_mut().expect("a session");
        if e.identifier != s.last_request_id {
            let expected = s.last_request_id;
            return self.ignore(
                src,
                format!(
                    "EAP {} Identifier {} does not match the last Request's {expected}",
                    e.describe(),
                    e.identifier
                ),
            );
        }
        if s.relay.as_ref().is_some_and(|r| r.next_timeout().is_some()) {
            return self.ignore(
                src,
                format!(
                    "EAP {}: the AAA server has not answered the last Response yet",
                    e.describe()
                ),
            );
        }
        let first = s.relay.is_none();
        if first && e.identity().is_none() {
            // The AAA server learns who is authenticating from the Response/Identity.
            return self.ignore(
                src,
                format!("EAP {} before the Response/Identity", e.describe()),
            );
        }
        s.supplicant_deadline = None;
        if first {
            s.identity = e.identity().unwrap_or_default().to_vec();
            let mut radius = self.cfg.radius.clone();
            radius.calling_station_id = Some(calling_station_id(&src));
            if radius.called_station_id.is_none() {
                radius.called_station_id = Some(calling_station_id(&self.cfg.own_mac));
            }
            let shared = self.random.clone();
            let random: SharedRandom = Box::new(move || draw(&shared));
            s.relay = Some(RadiusEap::new(
                radius,
                self.cfg.server,
                self.cfg.radius_retransmit_ms,
                random,
            ));
        }
        let relay = s.relay.as_mut().expect("a relay");
        relay.handle_input(now, RadiusEapInput::Response { eap: raw });
        if first && self.cfg.success_before_accept {
            let ok = eap::Repr::success(e.identifier)
                .to_bytes()
                .expect("Success");
            self.send_eap(src, &ok);
        }
        self.drain_relay(now, None);
    }

    fn on_radius(&mut self, now: u64, d: Datagram<'_>) {
        let Some(relay) = self.session.as_mut().and_then(|s| s.relay.as_mut()) else {
            self.events.push_back(AuthenticatorEvent::RadiusIgnored {
                src: d.src,
                reason: "no authentication is waiting for the AAA server".into(),
            });
            return;
        };
        relay.handle_input(now, RadiusEapInput::Datagram(d));
        self.drain_relay(now, Some(d.payload));
    }

    /// Moves the relay's datagrams out and acts on its outcome; `datagram` is what was just
    /// fed to it (the Access-Accept, when the outcome is a success).
    fn drain_relay(&mut self, now: u64, datagram: Option<&[u8]>) {
        let Some(s) = self.session.as_mut() else {
            return;
        };
        let Some(relay) = s.relay.as_mut() else {
            return;
        };
        while let Some(t) = relay.poll_transmit() {
            self.transmits.push_back(t);
        }
        let Some(outcome) = relay.poll_event() else {
            return;
        };
        let (supplicant, last_id) = (s.supplicant, s.last_request_id);
        match outcome {
            EapOutcome::Continue(request) => {
                // An unparsable Request is passed on as it is; its Identifier is octet 1.
                s.last_request_id = request.get(1).copied().unwrap_or(last_id);
                s.supplicant_deadline = Some(now + self.cfg.supplicant_timeout_ms);
                self.send_eap(supplicant, &request);
            }
            EapOutcome::Success { eap: msg, .. } => {
                let identity = std::mem::take(&mut s.identity);
                let msg =
                    msg.unwrap_or_else(|| eap::Repr::success(last_id).to_bytes().expect("EAP"));
                self.send_eap(supplicant, &msg);
                let accept = datagram
                    .and_then(|d| radius::Repr::from_bytes(d).ok())
                    .expect("the relay accepted this datagram as an Access-Accept");
                let (assignment, assignment_error) = if self.cfg.drop_assignment {
                    (None, None)
                } else {
                    match HaAssignment::from_repr(&accept) {
                        Ok(a) if a == HaAssignment::default() => (None, None),
                        Ok(a) => (Some(a), None),
                        Err(e) => (None, Some(e.to_string())),
                    }
                };
                self.authorized = Some(supplicant);
                self.session = None;
                self.events.push_back(AuthenticatorEvent::Authorized {
                    supplicant,
                    identity,
                    assignment,
                    assignment_error,
                    accept,
                });
            }
            EapOutcome::Failure { eap: msg } => {
                let identity = std::mem::take(&mut s.identity);
                let msg =
                    msg.unwrap_or_else(|| eap::Repr::failure(last_id).to_bytes().expect("EAP"));
                self.send_eap(supplicant, &msg);
                self.authorized = None;
                self.events.push_back(AuthenticatorEvent::Refused {
                    supplicant,
                    identity,
                });
                self.idle(now + self.cfg.request_identity_every_ms);
            }
            EapOutcome::TimedOut { discarded } => {
                self.authorized = None;
                self.events.push_back(AuthenticatorEvent::AaaTimedOut {
                    supplicant,
                    discarded,
                });
                self.idle(now);
            }
            EapOutcome::Invalid(e) => self.ignore(supplicant, format!("not relayed: {e}")),
        }
    }
}

/// 16 octets from the shared random source.
fn draw(random: &Mutex<dyn FnMut() -> [u8; 16] + Send>) -> [u8; 16] {
    let mut r = random.lock().unwrap_or_else(|e| e.into_inner());
    (*r)()
}

impl SansIo for Authenticator {
    type Input<'a> = AuthenticatorInput<'a>;
    type Event = AuthenticatorEvent;

    fn handle_input(&mut self, now: u64, input: AuthenticatorInput<'_>) {
        match input {
            AuthenticatorInput::Frame { src, payload } => self.on_frame(now, src, payload),
            AuthenticatorInput::Radius(d) => self.on_radius(now, d),
        }
    }

    fn handle_timeout(&mut self, now: u64) {
        if let Some(s) = self.session.as_mut() {
            if s.supplicant_deadline.is_some_and(|t| now >= t) {
                let supplicant = s.supplicant;
                self.events
                    .push_back(AuthenticatorEvent::SupplicantTimedOut { supplicant });
                if self.authorized == Some(supplicant) {
                    self.authorized = None;
                }
                self.idle(now);
            } else if let Some(relay) = s.relay.as_mut() {
                relay.handle_timeout(now);
                self.drain_relay(now, None);
            }
        }
        if self.identity_timer.is_some_and(|t| now >= t) {
            let id = self.send_identity_request(eapol::PAE_GROUP_ADDRESS);
            self.group_request_id = Some(id);
            self.identity_requests += 1;
            let more = self
                .cfg
                .max_identity_requests
                .is_none_or(|max| self.identity_requests < max);
            self.identity_timer = more.then_some(now + self.cfg.request_identity_every_ms);
        }
    }

    fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    fn poll_event(&mut self) -> Option<AuthenticatorEvent> {
        self.events.pop_front()
    }

    fn next_timeout(&self) -> Option<u64> {
        let session = self.session.as_ref().and_then(|s| {
            let relay = s.relay.as_ref().and_then(|r| r.next_timeout());
            [s.supplicant_deadline, relay].into_iter().flatten().min()
        });
        [self.identity_timer, session].into_iter().flatten().min()
    }
}
