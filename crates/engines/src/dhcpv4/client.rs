//! The mobile node's DHCPv4 client on the access link, sans-IO: INIT → SELECTING →
//! REQUESTING → BOUND (RFC 2131 §3.1, §4.4.1, Figure 5).
//!
//! - DHCPDISCOVER: `ciaddr` 0, the BROADCAST bit when configured (§4.1: a client that cannot
//!   receive unicast before it has an address SHOULD set it), a fresh random `xid`, a
//!   Client-identifier when configured and the Parameter Request List 1, 3, 51, 54, 68 (Subnet
//!   Mask, Router, Lease Time, Server Identifier, Mobile IP Home Agent); broadcast to
//!   255.255.255.255:67 (§4.4.1). The first one waits a random 1–10 s when configured
//!   (§4.4.1 SHOULD).
//! - The first acceptable DHCPOFFER (§4.4.1: "e.g., the first DHCPOFFER message") — a
//!   BOOTREPLY with our `xid` and `chaddr`, a Server Identifier and a non-zero `yiaddr` — is
//!   answered by a broadcast DHCPREQUEST with the same `xid` and `secs` (§3.1 (3) MUST),
//!   Requested IP Address = `yiaddr` and the Server Identifier (Table 5: MUST in SELECTING),
//!   and the same Parameter Request List (§4.4.1: "MUST include that list in all subsequent
//!   messages"). DHCPACKs arriving while selecting are discarded (§4.4.1 "must be silently
//!   discarded"), so are replies with another `xid`.
//! - DHCPACK from the selected server: BOUND, [`ClientEvent::Bound`] with the [`Lease`]; the
//!   lease runs from the first DHCPREQUEST's transmission (§4.4.1). DHCPNAK: the
//!   configuration restarts (§3.1 (5)).
//! - Retransmission (§4.1): 4 s, 8 s, 16 s, … up to 64 s, each randomized by a uniform
//!   −1…+1 s from the injected random source. DISCOVERs go on at 64 s; a DHCPREQUEST is sent
//!   [`REQUEST_TRANSMISSIONS`] times (§3.1 (5)'s example: four retransmissions, about a
//!   minute) and then the client reverts to INIT.
//!
//! Not done here: renewing and rebinding (§4.4.5): when the lease expires the client restarts
//! from INIT ([`ClientEvent::LeaseExpired`]); the ARP check of the offered address and
//! DHCPDECLINE (§4.4.1 SHOULD) are the driver's (it has the link); DHCPRELEASE.
//!
//! The datagrams go to 255.255.255.255:67 from 0.0.0.0:68 (§4.1: "must have the source
//! address field in the IP header set to 0"), which a driver sends through a raw or
//! `SO_BROADCAST` socket bound to the access interface.

use crate::io::{Datagram, SansIo, Transmit};
use mip6lab_wire::dhcpv4::{
    code, message_type, DhcpOption, Repr, BOOTREPLY, BOOTREQUEST, FLAG_BROADCAST, SERVER_PORT,
};
use std::collections::VecDeque;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};

/// First retransmission delay and the cap (RFC 2131 §4.1: "4 seconds", "up to a maximum of
/// 64 seconds"), and the randomization (±1 s), in milliseconds.
pub const FIRST_RETRANSMIT_MS: u64 = 4_000;
pub const MAX_RETRANSMIT_MS: u64 = 64_000;
pub const RANDOMIZATION_MS: u64 = 1_000;
/// Transmissions of one DHCPREQUEST before reverting to INIT (RFC 2131 §3.1 (5): "might
/// retransmit the DHCPREQUEST message four times").
pub const REQUEST_TRANSMISSIONS: u32 = 5;
/// The random wait before the first DHCPDISCOVER (RFC 2131 §4.4.1: "between one and ten
/// seconds").
pub const INITIAL_DELAY_MS: std::ops::RangeInclusive<u64> = 1_000..=10_000;
/// Octets the client pads its messages to with zeros after End: the BOOTP message size
/// (RFC 2131 Figure 1's 236-octet header and a 64-octet vendor area), which relays and servers
/// built for BOOTP expect.
pub const MIN_MESSAGE_LEN: usize = 300;
/// Under the `no_backoff` knob: every retransmission after this long.
pub const NO_BACKOFF_MS: u64 = 1_000;

/// The random source: fills the buffer.
pub type RngFn = Box<dyn FnMut(&mut [u8]) + Send>;

/// The client's settings. [`ClientConfig::new`] conforms; the fields marked "knob" each break
/// the requirement their documentation names (knob names as the reference would take them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientConfig {
    pub mac: [u8; 6],
    /// The Client-identifier option's value, type octet first (RFC 2132 §9.14); `None`: no
    /// option (the server then keys on `chaddr`).
    pub client_id: Option<Vec<u8>>,
    /// Set the BROADCAST bit (RFC 2131 §4.1 SHOULD for a client that cannot receive unicast
    /// datagrams before it is configured — the reference MN on a raw socket can, a kernel
    /// stack usually cannot).
    pub broadcast: bool,
    /// Wait a random 1–10 s before the first DHCPDISCOVER (RFC 2131 §4.4.1 SHOULD).
    pub initial_delay: bool,
    /// Knob `mn.dhcp4_ignores_option68`: leave the Mobile IP Home Agent option out of the
    /// lease. Breaks draft-qin-mip6-dsbootstrapping §4.1.1 (the MN uses the FHA the NAS/AAA
    /// assigned; the lab's profile carries it in option 68, RFC 2132 §8.13).
    pub ignore_option68: bool,
    /// Knob `mn.dhcp4_no_option68_request`: leave 68 out of the Parameter Request List, so
    /// a server that sends only requested options never gives the FHA. Breaks the same
    /// assignment (draft §4.1.1) through RFC 2132 §9.8's request mechanism.
    pub no_option68_request: bool,
    /// Knob `mn.dhcp4_no_server_id`: send the DHCPREQUEST without the Server Identifier.
    /// Breaks RFC 2131 §4.4.1 Table 5 (Server identifier: MUST after SELECTING) and §3.1 (3)
    /// ("The client ... MUST include the 'server identifier' option").
    pub omit_server_id: bool,
    /// Knob `mn.dhcp4_no_backoff`: retransmit every [`NO_BACKOFF_MS`], without randomized
    /// exponential backoff. Breaks RFC 2131 §4.1 ("MUST adopt a retransmission strategy that
    /// incorporates a randomized exponential backoff algorithm").
    pub no_backoff: bool,
}

impl ClientConfig {
    /// Conforming: no Client-identifier, the BROADCAST bit, the random initial wait.
    pub fn new(mac: [u8; 6]) -> ClientConfig {
        ClientConfig {
            mac,
            client_id: None,
            broadcast: true,
            initial_delay: true,
            ignore_option68: false,
            no_option68_request: false,
            omit_server_id: false,
            no_backoff: false,
        }
    }

    /// The Parameter Request List: Subnet Mask, Router, IP Address Lease Time, Server
    /// Identifier, Mobile IP Home Agent (unless the knob).
    pub fn parameter_request_list(&self) -> Vec<u8> {
        let mut prl = vec![
            code::SUBNET_MASK,
            code::ROUTER,
            code::LEASE_TIME,
            code::SERVER_ID,
        ];
        if !self.no_option68_request {
            prl.push(code::MOBILE_IP_HOME_AGENT);
        }
        prl
    }
}

/// What the DHCPACK gave the node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    /// `yiaddr`: the co-located care-of address.
    pub address: Ipv4Addr,
    pub subnet_mask: Option<Ipv4Addr>,
    pub routers: Vec<Ipv4Addr>,
    /// IP Address Lease Time, seconds (`None`: the ACK had none; 0xffffffff is infinite,
    /// RFC 2132 §9.2).
    pub lease_s: Option<u32>,
    pub server_id: Ipv4Addr,
    /// The Mobile IP Home Agent option's addresses in order of preference (all instances
    /// joined); empty when the ACK had none (or under the `ignore_option68` knob).
    pub home_agents: Vec<Ipv4Addr>,
    /// When the lease began: the first transmission of the DHCPREQUEST (RFC 2131 §4.4.1).
    pub started_at: u64,
}

impl Lease {
    /// The Foreign Home Agent: the first Mobile IP Home Agent address.
    pub fn fha(&self) -> Option<Ipv4Addr> {
        self.home_agents.first().copied()
    }

    /// When the lease runs out; `None` for an infinite or unstated lease.
    pub fn expires_at(&self) -> Option<u64> {
        match self.lease_s {
            Some(u32::MAX) | None => None,
            Some(s) => Some(self.started_at.saturating_add(u64::from(s) * 1000)),
        }
    }
}

/// Why a datagram was not taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DropReason {
    Malformed(String),
    /// Not a BOOTREPLY (`op`).
    NotReply(u8),
    /// No DHCP Message Type option.
    NoMessageType,
    /// `chaddr` is not this client's.
    OtherClient,
    /// Not the `xid` of the exchange in progress (RFC 2131 §4.4.1: discard).
    XidMismatch {
        got: u32,
    },
    /// A message type the client does not take in its state (e.g. a DHCPACK while selecting,
    /// §4.4.1).
    Unexpected {
        message_type: u8,
    },
    /// A DHCPOFFER without a Server Identifier, which the DHCPREQUEST must name.
    NoServerId,
    /// A DHCPOFFER or DHCPACK with `yiaddr` 0.
    NoAddress,
    /// A DHCPACK or DHCPNAK from a server other than the one selected.
    OtherServer {
        got: Ipv4Addr,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientEvent {
    /// A message went out (`attempt` 1 is its first transmission).
    Sent {
        message_type: u8,
        xid: u32,
        attempt: u32,
    },
    Dropped(DropReason),
    /// The offer the client took.
    Offered {
        server_id: Ipv4Addr,
        address: Ipv4Addr,
    },
    /// A DHCPNAK: the configuration restarts.
    Nak {
        server_id: Option<Ipv4Addr>,
        message: Option<String>,
    },
    /// DHCPREQUEST unanswered after [`REQUEST_TRANSMISSIONS`]: back to INIT (RFC 2131
    /// §3.1 (5): "SHOULD notify the user").
    RequestUnanswered,
    Bound(Lease),
    /// The lease ran out (renewal is not implemented): back to INIT.
    LeaseExpired,
}

/// One exchange: the `xid`, and the retransmission state of the message in flight.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Exchange {
    xid: u32,
    /// When the first DHCPDISCOVER of this configuration attempt went out (for `secs`).
    began: u64,
    /// `secs` of the last DHCPDISCOVER, which the DHCPREQUEST repeats.
    secs: u16,
    /// Transmissions of the message in flight so far.
    attempts: u32,
    next_at: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    Idle,
    Delaying {
        until: u64,
    },
    Selecting(Exchange),
    Requesting {
        exchange: Exchange,
        server_id: Ipv4Addr,
        address: Ipv4Addr,
        first_sent: u64,
    },
    Bound {
        lease: Lease,
    },
}

/// The client engine.
pub struct Client {
    config: ClientConfig,
    rng: RngFn,
    state: State,
    transmits: VecDeque<Transmit>,
    events: VecDeque<ClientEvent>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.config)
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

impl Client {
    pub fn new(config: ClientConfig, rng: RngFn) -> Client {
        Client {
            config,
            rng,
            state: State::Idle,
            transmits: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// The lease in force, if bound.
    pub fn lease(&self) -> Option<&Lease> {
        match &self.state {
            State::Bound { lease } => Some(lease),
            _ => None,
        }
    }

    /// Starts configuring (on attaching to a link, or again after a change of link): after
    /// the random initial wait if configured, else at once.
    pub fn start(&mut self, now: u64) {
        if self.config.initial_delay {
            let span = INITIAL_DELAY_MS.end() - INITIAL_DELAY_MS.start();
            let delay = INITIAL_DELAY_MS.start() + self.random_below(span + 1);
            self.state = State::Delaying { until: now + delay };
        } else {
            self.begin(now);
        }
    }

    fn random_u32(&mut self) -> u32 {
        let mut b = [0u8; 4];
        (self.rng)(&mut b);
        u32::from_be_bytes(b)
    }

    /// Uniform in `0..n` (n > 0), near enough for timers.
    fn random_below(&mut self, n: u64) -> u64 {
        u64::from(self.random_u32()) % n
    }

    /// The wait after transmission `attempt` (1-based): 4 s doubled per retransmission up to
    /// 64 s, plus a uniform −1…+1 s (RFC 2131 §4.1).
    fn retransmit_delay(&mut self, attempt: u32) -> u64 {
        if self.config.no_backoff {
            return NO_BACKOFF_MS;
        }
        let doublings = attempt.saturating_sub(1).min(4);
        let base = (FIRST_RETRANSMIT_MS << doublings).min(MAX_RETRANSMIT_MS);
        base - RANDOMIZATION_MS + self.random_below(2 * RANDOMIZATION_MS + 1)
    }

    /// INIT: a new `xid` and the first DHCPDISCOVER.
    fn begin(&mut self, now: u64) {
        let exchange = Exchange {
            xid: self.random_u32(),
            began: now,
            secs: 0,
            attempts: 0,
            next_at: now,
        };
        self.send_discover(now, exchange);
    }

    fn send_discover(&mut self, now: u64, mut exchange: Exchange) {
        exchange.attempts += 1;
        exchange.secs =
            u16::try_from(now.saturating_sub(exchange.began) / 1000).unwrap_or(u16::MAX);
        exchange.next_at = now + self.retransmit_delay(exchange.attempts);
        let mut m = self.message(message_type::DISCOVER, &exchange);
        m.options.push(DhcpOption::End);
        self.transmit(m, exchange.attempts);
        self.state = State::Selecting(exchange);
    }

    fn send_request(
        &mut self,
        now: u64,
        mut exchange: Exchange,
        server_id: Ipv4Addr,
        address: Ipv4Addr,
        first_sent: u64,
    ) {
        exchange.attempts += 1;
        exchange.next_at = now + self.retransmit_delay(exchange.attempts);
        let mut m = self.message(message_type::REQUEST, &exchange);
        // Table 5: Requested IP address MUST and Server identifier MUST in SELECTING.
        m.options.insert(1, DhcpOption::RequestedAddress(address));
        if !self.config.omit_server_id {
            m.options.insert(2, DhcpOption::ServerId(server_id));
        }
        m.options.push(DhcpOption::End);
        self.transmit(m, exchange.attempts);
        self.state = State::Requesting {
            exchange,
            server_id,
            address,
            first_sent,
        };
    }

    /// The header and the options every client message carries: type, Client-identifier,
    /// Parameter Request List.
    fn message(&self, kind: u8, exchange: &Exchange) -> Repr {
        let mut m = Repr::new(BOOTREQUEST, exchange.xid, self.config.mac);
        m.secs = exchange.secs;
        if self.config.broadcast {
            m.flags = FLAG_BROADCAST;
        }
        m.options.push(DhcpOption::MessageType(kind));
        if let Some(id) = &self.config.client_id {
            m.options.push(DhcpOption::ClientId(id.clone()));
        }
        m.options.push(DhcpOption::ParameterRequestList(
            self.config.parameter_request_list(),
        ));
        m
    }

    fn transmit(&mut self, mut m: Repr, attempt: u32) {
        m.trailing = vec![0; MIN_MESSAGE_LEN.saturating_sub(m.buffer_len())];
        let kind = m.message_type().unwrap_or(0);
        let xid = m.xid;
        let payload = m
            .to_bytes()
            .expect("a client message of configured options fits");
        self.transmits.push_back(Transmit {
            dst: SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::BROADCAST, SERVER_PORT)),
            payload,
        });
        self.events.push_back(ClientEvent::Sent {
            message_type: kind,
            xid,
            attempt,
        });
    }

    fn drop_datagram(&mut self, reason: DropReason) {
        self.events.push_back(ClientEvent::Dropped(reason));
    }

    fn on_datagram(&mut self, now: u64, payload: &[u8]) {
        let m = match Repr::from_bytes(payload) {
            Ok(m) => m,
            Err(e) => return self.drop_datagram(DropReason::Malformed(e.to_string())),
        };
        if m.op != BOOTREPLY {
            return self.drop_datagram(DropReason::NotReply(m.op));
        }
        if m.hardware_address() != self.config.mac {
            return self.drop_datagram(DropReason::OtherClient);
        }
        let Some(kind) = m.message_type() else {
            return self.drop_datagram(DropReason::NoMessageType);
        };
        let xid = match &self.state {
            State::Selecting(e) | State::Requesting { exchange: e, .. } => e.xid,
            _ => return self.drop_datagram(DropReason::Unexpected { message_type: kind }),
        };
        if m.xid != xid {
            return self.drop_datagram(DropReason::XidMismatch { got: m.xid });
        }
        match (std::mem::replace(&mut self.state, State::Idle), kind) {
            (State::Selecting(exchange), message_type::OFFER) => self.on_offer(now, exchange, &m),
            (
                State::Requesting {
                    exchange,
                    server_id,
                    address,
                    first_sent,
                },
                message_type::ACK | message_type::NAK,
            ) => {
                let from = m.server_id();
                if from.is_some_and(|s| s != server_id) {
                    self.state = State::Requesting {
                        exchange,
                        server_id,
                        address,
                        first_sent,
                    };
                    return self.drop_datagram(DropReason::OtherServer {
                        got: from.unwrap_or(Ipv4Addr::UNSPECIFIED),
                    });
                }
                if kind == message_type::NAK {
                    let message = m.options.iter().find_map(|o| match o {
                        DhcpOption::Other { code: 56, data } => {
                            Some(String::from_utf8_lossy(data).into_owned())
                        }
                        _ => None,
                    });
                    self.events.push_back(ClientEvent::Nak {
                        server_id: from,
                        message,
                    });
                    return self.begin(now);
                }
                self.on_ack(server_id, first_sent, &m, (exchange, address))
            }
            (other, _) => {
                self.state = other;
                self.drop_datagram(DropReason::Unexpected { message_type: kind })
            }
        }
    }

    fn on_offer(&mut self, now: u64, exchange: Exchange, offer: &Repr) {
        let Some(server_id) = offer.server_id() else {
            self.state = State::Selecting(exchange);
            return self.drop_datagram(DropReason::NoServerId);
        };
        if offer.yiaddr.is_unspecified() {
            self.state = State::Selecting(exchange);
            return self.drop_datagram(DropReason::NoAddress);
        }
        self.events.push_back(ClientEvent::Offered {
            server_id,
            address: offer.yiaddr,
        });
        let request = Exchange {
            attempts: 0,
            ..exchange
        };
        self.send_request(now, request, server_id, offer.yiaddr, now);
    }

    fn on_ack(
        &mut self,
        server_id: Ipv4Addr,
        started_at: u64,
        ack: &Repr,
        (exchange, address): (Exchange, Ipv4Addr),
    ) {
        if ack.yiaddr.is_unspecified() {
            self.state = State::Requesting {
                exchange,
                server_id,
                address,
                first_sent: started_at,
            };
            return self.drop_datagram(DropReason::NoAddress);
        }
        let mut lease = Lease {
            address: ack.yiaddr,
            subnet_mask: None,
            routers: Vec::new(),
            lease_s: None,
            server_id,
            home_agents: Vec::new(),
            started_at,
        };
        for o in &ack.options {
            match o {
                DhcpOption::SubnetMask(m) if lease.subnet_mask.is_none() => {
                    lease.subnet_mask = Some(*m)
                }
                DhcpOption::Router(r) => lease.routers.extend_from_slice(r),
                DhcpOption::LeaseTime(s) if lease.lease_s.is_none() => lease.lease_s = Some(*s),
                _ => {}
            }
        }
        if !self.config.ignore_option68 {
            lease.home_agents = ack.home_agents().unwrap_or_default();
        }
        self.state = State::Bound {
            lease: lease.clone(),
        };
        self.events.push_back(ClientEvent::Bound(lease));
    }
}

impl SansIo for Client {
    /// A datagram received on port 68.
    type Input<'a> = Datagram<'a>;
    type Event = ClientEvent;

    fn handle_input(&mut self, now: u64, input: Datagram<'_>) {
        self.on_datagram(now, input.payload);
    }

    /// The initial wait, retransmissions and the lease's end.
    fn handle_timeout(&mut self, now: u64) {
        match std::mem::replace(&mut self.state, State::Idle) {
            State::Delaying { until } if now >= until => self.begin(now),
            State::Selecting(e) if now >= e.next_at => self.send_discover(now, e),
            State::Requesting {
                exchange,
                server_id,
                address,
                first_sent,
            } if now >= exchange.next_at => {
                if exchange.attempts >= REQUEST_TRANSMISSIONS {
                    self.events.push_back(ClientEvent::RequestUnanswered);
                    self.begin(now);
                } else {
                    self.send_request(now, exchange, server_id, address, first_sent);
                }
            }
            State::Bound { lease } if lease.expires_at().is_some_and(|t| now >= t) => {
                self.events.push_back(ClientEvent::LeaseExpired);
                self.begin(now);
            }
            other => self.state = other,
        }
    }

    fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    fn poll_event(&mut self) -> Option<ClientEvent> {
        self.events.pop_front()
    }

    fn next_timeout(&self) -> Option<u64> {
        match &self.state {
            State::Delaying { until } => Some(*until),
            State::Selecting(e) | State::Requesting { exchange: e, .. } => Some(e.next_at),
            State::Bound { lease } => lease.expires_at(),
            State::Idle => None,
        }
    }
}
