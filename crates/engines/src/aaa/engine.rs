//! The EAP relay in the vocabulary every engine speaks ([`SansIo`]): one authentication
//! relayed to one AAA server, with the RADIUS Identifiers, Request Authenticators and the
//! retransmission timer kept inside and the clock coming in with every input.

use super::{round_event, EapOutcome, RelayConfig, RelayError, RelaySession};
use crate::io::{Datagram, SansIo, Transmit};
use std::collections::VecDeque;
use std::net::SocketAddr;

/// What the NAS side feeds the relay.
#[derive(Debug, Clone, Copy)]
pub enum RadiusEapInput<'a> {
    /// Start with the peer's identity (IKEv2 IDi): an EAP-Response/Identity is relayed.
    Start { identity: &'a [u8] },
    /// The peer's next EAP Response.
    Response { eap: &'a [u8] },
    /// A datagram arrived on the relay's socket.
    Datagram(Datagram<'a>),
}

/// [`super::EapRelay`] as a [`SansIo`] engine: each round ends in one [`EapOutcome`] event;
/// retransmissions are its transmits when the timer is due.
pub struct RadiusEap<R>
where
    R: FnMut() -> [u8; 16],
{
    session: RelaySession<R>,
    server: SocketAddr,
    /// How long a request waits for its answer before it is sent again (or given up).
    retransmit_ms: u64,
    deadline: Option<u64>,
    transmits: VecDeque<Transmit>,
    events: VecDeque<EapOutcome>,
    /// Replies not accepted during the current round (reported if it times out).
    discarded: Vec<String>,
}

impl<R> RadiusEap<R>
where
    R: FnMut() -> [u8; 16],
{
    /// `random` gives 16 random octets (Request Authenticators and the first Identifier).
    pub fn new(cfg: RelayConfig, server: SocketAddr, retransmit_ms: u64, random: R) -> Self {
        RadiusEap {
            session: RelaySession::new(cfg, random),
            server,
            retransmit_ms,
            deadline: None,
            transmits: VecDeque::new(),
            events: VecDeque::new(),
            discarded: Vec::new(),
        }
    }

    /// The session (relay state, the peer's last EAP Identifier).
    pub fn session(&self) -> &RelaySession<R> {
        &self.session
    }

    fn begin(&mut self, now: u64, request: Result<Vec<u8>, RelayError>) {
        match request {
            Ok(d) => {
                self.discarded.clear();
                self.send(now, d);
            }
            Err(e) => self.events.push_back(EapOutcome::Invalid(e)),
        }
    }

    fn send(&mut self, now: u64, payload: Vec<u8>) {
        self.transmits.push_back(Transmit {
            dst: self.server,
            payload,
        });
        self.deadline = Some(now + self.retransmit_ms);
    }

    /// A reply (or, `None`, the timer) for the pending request.
    fn settle(&mut self, now: u64, reply: Option<Vec<u8>>) {
        match round_event(self.session.relay_mut(), reply, &mut self.discarded) {
            Ok(outcome) => {
                self.deadline = None;
                self.events.push_back(outcome);
            }
            Err(Some(again)) => self.send(now, again),
            // Not the answer: the request keeps its timer.
            Err(None) => {}
        }
    }
}

impl<R> SansIo for RadiusEap<R>
where
    R: FnMut() -> [u8; 16],
{
    type Input<'a> = RadiusEapInput<'a>;
    type Event = EapOutcome;

    fn handle_input(&mut self, now: u64, input: RadiusEapInput<'_>) {
        match input {
            RadiusEapInput::Start { identity } => {
                let r = self.session.begin_start(identity);
                self.begin(now, r);
            }
            RadiusEapInput::Response { eap } => {
                let r = self.session.begin_step(eap);
                self.begin(now, r);
            }
            // Only the server's datagrams can be its answer.
            RadiusEapInput::Datagram(d) if d.src == self.server => {
                if self.deadline.is_some() {
                    self.settle(now, Some(d.payload.to_vec()));
                }
            }
            RadiusEapInput::Datagram(d) => self
                .discarded
                .push(format!("a datagram from {}, not the server", d.src)),
        }
    }

    fn handle_timeout(&mut self, now: u64) {
        if self.deadline.is_some_and(|t| now >= t) {
            self.deadline = None;
            self.settle(now, None);
        }
    }

    fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    fn poll_event(&mut self) -> Option<EapOutcome> {
        self.events.pop_front()
    }

    fn next_timeout(&self) -> Option<u64> {
        self.deadline
    }
}
