//! A stimulus DHCPv6 server, sans-IO: it answers Information-requests (RFC 8415 §18.3.6),
//! sent directly or inside Relay-forwards, with a configured reply [`Shape`] — most of them
//! replies a conforming server never sends (malformed, or breaking an RFC 6610 §3/§4.3 or
//! RFC 8415 §16.10 rule), which a real server such as Kea cannot be made to send. Tests of a
//! mobile node's DHCPv6 client (RFC 6610 §4.1.2, RFC 8415 §15, §16.10) use it.
//!
//! # Judging by the home agent
//!
//! Two home agent addresses are configured: [`StimulusConfig::ha`], a usable one, and
//! [`StimulusConfig::decoy_ha`]. Every rule-breaking shape puts the decoy where a conforming
//! client must not take it from, and `ha` only where it must be taken, so a test judges the
//! client by where its next IKE_SA_INIT goes: to `ha`, to nobody it learned by DHCPv6 (it falls
//! back to DNS discovery, RFC 6611 §4.3), or — if it breaks the rule — to the decoy.
//!
//! # The containers a reply uses
//!
//! What the client's Information-request asked for decides the container (read from its ORO
//! and HNIDFs):
//! - *answered containers*: one IDINF {HNIDF h, HAA a, HNP} per HNIDF h the client sent when
//!   its ORO lists IDINF (69); otherwise one VDINF {HAA a, HNP} when the ORO lists 50, else one
//!   UDINF {HAA a, HNP} when it lists 70, else a VDINF all the same (unrequested). HNP is there
//!   only when [`StimulusConfig::home_link_prefix`] is set.
//! - The *plain* container code is VDINF (50) unless the ORO lists UDINF (70) and not VDINF.
//! - The *unrequested name* is the client's first HNIDF with an `unrequested` label in front
//!   (a client matching names by suffix takes it), or `unrequested.invalid.` without an HNIDF;
//!   it never equals an HNIDF the client sent (compared as RFC 4343 does).
//! - [`IPV4_EMBEDDED_HA`] is 64:ff9b::192.0.2.1, an IPv4 home agent (RFC 6610 §3.4), which an
//!   IPv6-only client cannot employ (RFC 6610 §4.1.2).
//!
//! A client counts only containers its ORO requested (the reference client,
//! `dhcpv6::client`, ignores the others): "requested" below means the container's code is in
//! the client's ORO.
//!
//! # Shapes, and what a conforming client does
//!
//! | shape | the Reply | a conforming client |
//! |---|---|---|
//! | `proper` | the answered containers with `ha` | contacts `ha` if the container is requested; else none (DNS) |
//! | `vdinf` | VDINF {HAA ha, HNP} (the ASP case) | `ha` if VDINF is requested; else none (DNS) |
//! | `udinf` | UDINF {HAA ha, HNP} | `ha` if UDINF is requested; else none (DNS) |
//! | `idinf-matching` | IDINF {HNIDF h, HAA ha, HNP} per HNIDF h sent (nothing without one) | `ha` if it sent an HNIDF and IDINF is requested; else none (DNS) |
//! | `idinf-unmatched` | IDINF {HNIDF = the unrequested name, HAA decoy, HNP} | discards it (§4.1.2 MUST): none (DNS) |
//! | `idinf-without-hnidf` | IDINF {HAA decoy, HNP}: no HNIDF at all | discards it (§4.1.2: no HNIDF corresponding to one sent): none (DNS) |
//! | `incomplete-idinf` | IDINF {HNIDF h, HNP} per HNIDF h sent (IDINF {HNP} without one): no HAA, no HAF | discards it (§4.1.2 incomplete): none (DNS) |
//! | `stray-top-level` | HNIDF (the client's first, or `stray.invalid.`), HAA decoy, HNP (or 2001:db8::/64), HAF [`DECOY_HA_NAME`], all at top level, no container | discards them (§4.1.2 MUST): none (DNS) |
//! | `first-usable` | with an HNIDF sent: IDINF {unrequested name, HAA decoy, HNP}, then IDINF {HNIDF first sent, HAA [`IPV4_EMBEDDED_HA`], HAA ha, HNP}; without: plain {HNP} (no home agent), then plain {HAA [`IPV4_EMBEDDED_HA`], HAA ha, HNP} | the first candidate it can employ (§4.1.2 SHOULD): `ha` if the container is requested; else none (DNS) |
//! | `malformed-option` | the answered containers with the decoy, then OPTION_INFORMATION_REFRESH_TIME whose option-len 4 runs 2 octets past the end of the message | discards the Reply, retransmits (no RFC sentence says so: options that cannot be delimited, RFC 8415 §21.1, make no message to take; the reference client discards it) |
//! | `wrong-transaction-id` | the answered containers with the decoy; transaction-id XOR 0x800001 | discards it (§16.10 MUST), retransmits |
//! | `no-server-id` | the answered containers with the decoy; no Server Identifier | discards it (§16.10 MUST), retransmits |
//! | `wrong-client-id` | the answered containers with the decoy; Client Identifier = the client's DUID with its last octet inverted (or, when the client sent none, the server's own DUID) | discards it (§16.10), retransmits |
//! | `silent` | no reply | retransmits (RFC 8415 §15) |
//! | `duplicate` | the `proper` Reply, sent twice back to back | uses the first (as `proper`); the copy answers no exchange |
//! | `haf-only` | the answered containers with HAF [`StimulusConfig::ha_name`] in place of HAA ha | resolves the name (RFC 6610 §3.5 MUST, §4.1.2 MUST handle either form) and contacts its address |
//! | `every-requested` | one container of each kind the ORO lists, in ORO order (an IDINF per HNIDF sent), each {HAA ha, HNP} | takes any of them (§4.1.2 "prepared to receive any ... they request"): contacts ha |
//!
//! Unless a shape says otherwise a Reply carries, in this order, OPTION_SERVERID (the
//! configured DUID), OPTION_CLIENTID (a copy of the client's, when it sent one) and the
//! shape's options. Bytes come from the wire codec except the malformed tail, built by hand.
//!
//! # Answering
//!
//! The server counts the Information-requests it receives (retransmissions included) and
//! answers only the [`StimulusConfig::answer_from`]th and later (at most
//! [`StimulusConfig::answer_limit`] of them): answering from the 3rd lets a test watch two
//! retransmissions first. A Reply to a client goes to the datagram's source, port 546
//! (RFC 8415 §18.3.10). A Relay-forward (any nesting) is answered with Relay-replies that copy
//! each level's hop-count, link-address, peer-address and Interface-Id option (RFC 8415
//! §18.3.10, §19.3), to the datagram's source, port 547. An RSOO in a Relay-forward is
//! reported, never used.

use super::assignment::same_fqdn;
use super::encapsulation::{
    altered_duid, reply_destination, unwrap_relay_forwards, wrap_in_relay_replies,
};
use crate::io::{Datagram, SansIo, Transmit};
use mip6lab_wire::dhcpv6::{
    code, msg_type, DhcpOption, Duid, Fqdn, Repr, CLIENT_PORT, SERVER_PORT,
};
use std::collections::VecDeque;
use std::fmt;
use std::net::{Ipv6Addr, SocketAddr};
use std::str::FromStr;

/// 64:ff9b::192.0.2.1: an IPv4 home agent in the RFC 6610 §3.4 form (192.0.2.1 is TEST-NET-1).
pub const IPV4_EMBEDDED_HA: Ipv6Addr = Ipv6Addr::new(0x64, 0xff9b, 0, 0, 0, 0, 0xc000, 0x0201);
/// The HAF of `stray-top-level`: `.invalid` never resolves (RFC 6761 §6.4), so a query for it
/// shows a client that used a stray option.
pub const DECOY_HA_NAME: &str = "decoy-ha.invalid.";
/// The HNP `stray-top-level` sends when no home link prefix is configured.
pub const STRAY_PREFIX: (u8, Ipv6Addr) = (64, Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0));
/// What `wrong-transaction-id` XORs into the transaction-id (never 0, so never the same).
pub const TRANSACTION_ID_FLIP: u32 = 0x80_0001;

/// A recipe for the Reply; see the module documentation for each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Shape {
    Proper,
    Vdinf,
    Udinf,
    IdinfMatching,
    IdinfUnmatched,
    IdinfWithoutHnidf,
    IncompleteIdinf,
    StrayTopLevel,
    FirstUsable,
    MalformedOption,
    WrongTransactionId,
    NoServerId,
    WrongClientId,
    Silent,
    Duplicate,
    HafOnly,
    EveryRequested,
}

/// One row of [`SHAPES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShapeInfo {
    pub shape: Shape,
    pub name: &'static str,
    /// What the Reply holds.
    pub summary: &'static str,
    /// What a conforming client does with it.
    pub conforming_client: &'static str,
}

/// Every shape: name, what the Reply holds, what a conforming client does.
pub const SHAPES: &[ShapeInfo] = &[
    ShapeInfo {
        shape: Shape::Proper,
        name: "proper",
        summary: "IDINF {HNIDF, HAA ha, HNP} per HNIDF sent, else VDINF/UDINF {HAA ha, HNP}",
        conforming_client: "contacts ha",
    },
    ShapeInfo {
        shape: Shape::Vdinf,
        name: "vdinf",
        summary: "VDINF {HAA ha, HNP} (the ASP case)",
        conforming_client: "contacts ha if it requested VDINF",
    },
    ShapeInfo {
        shape: Shape::Udinf,
        name: "udinf",
        summary: "UDINF {HAA ha, HNP}",
        conforming_client: "contacts ha if it requested UDINF",
    },
    ShapeInfo {
        shape: Shape::IdinfMatching,
        name: "idinf-matching",
        summary: "IDINF {HNIDF as sent, HAA ha, HNP} per HNIDF the client sent",
        conforming_client: "contacts ha if it sent an HNIDF and requested IDINF",
    },
    ShapeInfo {
        shape: Shape::IdinfUnmatched,
        name: "idinf-unmatched",
        summary: "IDINF {HNIDF the client did not send, HAA decoy, HNP}",
        conforming_client: "discards it (RFC 6610 §4.1.2): no HA, DNS fallback",
    },
    ShapeInfo {
        shape: Shape::IdinfWithoutHnidf,
        name: "idinf-without-hnidf",
        summary: "IDINF {HAA decoy, HNP} without an HNIDF",
        conforming_client: "discards it (RFC 6610 §4.1.2): no HA, DNS fallback",
    },
    ShapeInfo {
        shape: Shape::IncompleteIdinf,
        name: "incomplete-idinf",
        summary: "IDINF {HNIDF as sent, HNP}: neither HAA nor HAF",
        conforming_client: "discards it (RFC 6610 §4.1.2): no HA, DNS fallback",
    },
    ShapeInfo {
        shape: Shape::StrayTopLevel,
        name: "stray-top-level",
        summary: "HNIDF, HAA decoy, HNP, HAF decoy-ha.invalid. at top level, no container",
        conforming_client: "discards them (RFC 6610 §4.1.2): no HA, DNS fallback",
    },
    ShapeInfo {
        shape: Shape::FirstUsable,
        name: "first-usable",
        summary: "an unusable container (unmatched IDINF with decoy, or no HA), then one with \
                  HAA 64:ff9b::192.0.2.1 and HAA ha",
        conforming_client: "contacts ha, the first HA it can employ (RFC 6610 §4.1.2)",
    },
    ShapeInfo {
        shape: Shape::MalformedOption,
        name: "malformed-option",
        summary: "containers with the decoy, then an option running past the message's end",
        conforming_client: "discards the Reply, retransmits",
    },
    ShapeInfo {
        shape: Shape::WrongTransactionId,
        name: "wrong-transaction-id",
        summary: "containers with the decoy, transaction-id not the client's",
        conforming_client: "discards the Reply (RFC 8415 §16.10), retransmits",
    },
    ShapeInfo {
        shape: Shape::NoServerId,
        name: "no-server-id",
        summary: "containers with the decoy, no Server Identifier",
        conforming_client: "discards the Reply (RFC 8415 §16.10), retransmits",
    },
    ShapeInfo {
        shape: Shape::WrongClientId,
        name: "wrong-client-id",
        summary: "containers with the decoy, a Client Identifier not the client's",
        conforming_client: "discards the Reply (RFC 8415 §16.10), retransmits",
    },
    ShapeInfo {
        shape: Shape::Silent,
        name: "silent",
        summary: "no reply",
        conforming_client: "retransmits (RFC 8415 §15)",
    },
    ShapeInfo {
        shape: Shape::Duplicate,
        name: "duplicate",
        summary: "the proper Reply twice",
        conforming_client: "contacts ha; the second copy answers no exchange",
    },
    ShapeInfo {
        shape: Shape::HafOnly,
        name: "haf-only",
        summary: "the answered containers with HAF ha-name instead of HAA ha",
        conforming_client:
            "looks ha-name up (RFC 6610 §3.5) and contacts the address it resolves to",
    },
    ShapeInfo {
        shape: Shape::EveryRequested,
        name: "every-requested",
        summary: "one container per kind the ORO lists (IDINF per HNIDF sent), each {HAA ha, HNP}",
        conforming_client: "contacts ha (RFC 6610 §4.1.2: prepared to receive any it requests)",
    },
];

impl Shape {
    pub fn info(self) -> &'static ShapeInfo {
        SHAPES
            .iter()
            .find(|i| i.shape == self)
            .expect("every shape has a row in SHAPES")
    }

    pub fn name(self) -> &'static str {
        self.info().name
    }

    /// The shape names, comma-separated (for error messages).
    pub fn names() -> String {
        SHAPES.iter().map(|i| i.name).collect::<Vec<_>>().join(", ")
    }
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An unknown shape name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownShape(pub String);

impl fmt::Display for UnknownShape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown DHCPv6 reply shape `{}` (shapes: {})",
            self.0,
            Shape::names()
        )
    }
}

impl std::error::Error for UnknownShape {}

impl FromStr for Shape {
    type Err = UnknownShape;

    fn from_str(s: &str) -> Result<Shape, UnknownShape> {
        SHAPES
            .iter()
            .find(|i| i.name == s)
            .map(|i| i.shape)
            .ok_or_else(|| UnknownShape(s.to_string()))
    }
}

/// What a conforming client does with the answer to one Information-request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expectation {
    /// Takes the Reply and contacts this home agent.
    UseHomeAgent(Ipv6Addr),
    /// Takes the Reply, resolves the HAF it names and contacts that address.
    UseNamedHomeAgent,
    /// Takes the Reply, finds no home agent it may use: DNS discovery (RFC 6611 §4.3).
    NoHomeAgent,
    /// Discards the Reply, or gets none, and retransmits (RFC 8415 §15).
    Retransmit,
}

impl Expectation {
    /// `use_home_agent`, `no_home_agent`, `retransmit` (event data).
    pub fn token(self) -> &'static str {
        match self {
            Expectation::UseHomeAgent(_) => "use_home_agent",
            Expectation::UseNamedHomeAgent => "use_named_home_agent",
            Expectation::NoHomeAgent => "no_home_agent",
            Expectation::Retransmit => "retransmit",
        }
    }
}

/// The server's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StimulusConfig {
    /// Its DUID, sent in OPTION_SERVERID.
    pub duid: Duid,
    /// The home agent a conforming client ends up using.
    pub ha: Ipv6Addr,
    /// The home agent only a client that breaks a rule uses.
    pub decoy_ha: Ipv6Addr,
    /// The HNP (prefix-len, prefix) put next to home agents.
    pub home_link_prefix: Option<(u8, Ipv6Addr)>,
    /// The home agent's FQDN `haf-only` sends (it should resolve to `ha`).
    pub ha_name: Option<Fqdn>,
    pub shape: Shape,
    /// Answer the Information-requests counted from this one on (1: every one).
    pub answer_from: u32,
    /// Answer at most this many (`None`: no limit).
    pub answer_limit: Option<u32>,
    /// The interface index for link-local destinations whose source carried none.
    pub scope_id: u32,
}

impl StimulusConfig {
    /// Answers every request, no prefix.
    pub fn new(
        duid: Duid,
        ha: Ipv6Addr,
        decoy_ha: Ipv6Addr,
        shape: Shape,
        scope_id: u32,
    ) -> StimulusConfig {
        StimulusConfig {
            duid,
            ha,
            decoy_ha,
            home_link_prefix: None,
            ha_name: None,
            shape,
            answer_from: 1,
            answer_limit: None,
            scope_id,
        }
    }
}

/// What the server read from one Information-request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestSummary {
    pub from: SocketAddr,
    /// 1 for the first Information-request received, counting retransmissions.
    pub count: u32,
    pub transaction_id: u32,
    /// Relay-forward levels around it (0: sent directly).
    pub relay_hops: usize,
    /// The client's address as the relay closest to it saw it (the innermost
    /// peer-address); `None` when sent directly.
    pub relayed_for: Option<Ipv6Addr>,
    /// Whether a Relay-forward around it carried an RSOO.
    pub rsoo: bool,
    /// Top-level option codes in wire order.
    pub option_codes: Vec<u16>,
    pub client_id: Option<Duid>,
    pub oro: Vec<u16>,
    pub hnidfs: Vec<Fqdn>,
    pub elapsed_cs: Option<u16>,
}

impl RequestSummary {
    fn requested(&self, code: u16) -> bool {
        self.oro.contains(&code)
    }
}

/// Where a home agent address sits in a Reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OfferedHa {
    /// The container's code (50, 69, 70), `None` at top level.
    pub container: Option<u16>,
    pub address: Ipv6Addr,
}

/// A Reply as built for one request, before any relay wrapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuiltReply {
    pub payload: Vec<u8>,
    pub transaction_id: u32,
    /// Top-level option codes in wire order (the malformed one included).
    pub option_codes: Vec<u16>,
    pub home_agents: Vec<OfferedHa>,
    pub expectation: Expectation,
}

/// What was sent for one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub request: RequestSummary,
    pub shape: Shape,
    pub to: SocketAddr,
    /// The same datagram was sent this many times.
    pub copies: u32,
    pub reply: BuiltReply,
}

/// Why an Information-request got no answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WithheldReason {
    /// The `silent` shape.
    Silent,
    /// Before [`StimulusConfig::answer_from`].
    BeforeAnswerFrom,
    /// [`StimulusConfig::answer_limit`] answers were sent.
    LimitReached,
}

/// Why a datagram was not taken as an Information-request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IgnoreReason {
    Malformed(String),
    /// Another message type (the innermost one, after any relays).
    NotInformationRequest(u8),
    /// A Relay-forward without a Relay Message option.
    NoRelayMessage,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StimulusEvent {
    Answered(Answer),
    Withheld {
        request: RequestSummary,
        reason: WithheldReason,
        expectation: Expectation,
    },
    Ignored {
        from: SocketAddr,
        reason: IgnoreReason,
    },
}

/// The server engine.
#[derive(Debug)]
pub struct Stimulus {
    config: StimulusConfig,
    received: u32,
    answered: u32,
    transmits: VecDeque<Transmit>,
    events: VecDeque<StimulusEvent>,
}

impl Stimulus {
    pub fn new(config: StimulusConfig) -> Stimulus {
        Stimulus {
            config,
            received: 0,
            answered: 0,
            transmits: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    pub fn config(&self) -> &StimulusConfig {
        &self.config
    }

    fn on_datagram(&mut self, from: SocketAddr, payload: &[u8]) {
        let ignore = |reason| StimulusEvent::Ignored { from, reason };
        let message = match Repr::from_bytes(payload) {
            Ok(m) => m,
            Err(e) => {
                return self
                    .events
                    .push_back(ignore(IgnoreReason::Malformed(e.to_string())))
            }
        };
        let Some((levels, m)) = unwrap_relay_forwards(&message) else {
            return self.events.push_back(ignore(IgnoreReason::NoRelayMessage));
        };
        let rsoo = levels.iter().any(|l| !l.rsoos.is_empty());
        let Repr::ClientServer {
            msg_type: msg_type::INFORMATION_REQUEST,
            transaction_id,
            options,
        } = m
        else {
            let t = m.msg_type();
            return self
                .events
                .push_back(ignore(IgnoreReason::NotInformationRequest(t)));
        };
        self.received += 1;
        let request = RequestSummary {
            from,
            count: self.received,
            transaction_id: *transaction_id,
            relay_hops: levels.len(),
            relayed_for: levels.last().map(|l| l.peer_address),
            rsoo,
            option_codes: options.iter().map(DhcpOption::code).collect(),
            client_id: options.iter().find_map(|o| match o {
                DhcpOption::ClientId(d) => Some(d.clone()),
                _ => None,
            }),
            oro: options
                .iter()
                .find_map(|o| match o {
                    DhcpOption::Oro(c) => Some(c.clone()),
                    _ => None,
                })
                .unwrap_or_default(),
            hnidfs: options
                .iter()
                .filter_map(|o| match o {
                    DhcpOption::Mip6Hnidf(n) => Some(n.clone()),
                    _ => None,
                })
                .collect(),
            elapsed_cs: options.iter().find_map(|o| match o {
                DhcpOption::ElapsedTime(t) => Some(*t),
                _ => None,
            }),
        };
        let withheld = if self.config.shape == Shape::Silent {
            Some(WithheldReason::Silent)
        } else if request.count < self.config.answer_from {
            Some(WithheldReason::BeforeAnswerFrom)
        } else if self.config.answer_limit.is_some_and(|l| self.answered >= l) {
            Some(WithheldReason::LimitReached)
        } else {
            None
        };
        if let Some(reason) = withheld {
            return self.events.push_back(StimulusEvent::Withheld {
                request,
                reason,
                expectation: Expectation::Retransmit,
            });
        }
        let reply = self.reply_for(&request);
        let (payload, to) = if levels.is_empty() {
            (reply.payload.clone(), self.destination(from, CLIENT_PORT))
        } else {
            match wrap_in_relay_replies(&levels, &reply.payload) {
                Ok(p) => (p, self.destination(from, SERVER_PORT)),
                Err(e) => {
                    return self
                        .events
                        .push_back(ignore(IgnoreReason::Malformed(e.to_string())))
                }
            }
        };
        let copies = if self.config.shape == Shape::Duplicate {
            2
        } else {
            1
        };
        for _ in 0..copies {
            self.transmits.push_back(Transmit {
                dst: to,
                payload: payload.clone(),
            });
        }
        self.answered += 1;
        self.events.push_back(StimulusEvent::Answered(Answer {
            request,
            shape: self.config.shape,
            to,
            copies,
            reply,
        }));
    }

    /// The datagram's source at `port`; a link-local one without a zone gets the configured
    /// interface.
    fn destination(&self, from: SocketAddr, port: u16) -> SocketAddr {
        reply_destination(from, port, self.config.scope_id)
    }

    /// The Reply the configured shape gives `request` (for the `silent` shape, the `proper`
    /// one it does not send).
    pub fn reply_for(&self, request: &RequestSummary) -> BuiltReply {
        let c = &self.config;
        let shape = c.shape;
        let mut transaction_id = request.transaction_id;
        let mut server_id = Some(c.duid.clone());
        let mut client_id = request.client_id.clone();
        let mut malformed_tail = false;
        let body = match shape {
            Shape::Proper | Shape::Duplicate | Shape::Silent => self.answered(request, c.ha),
            Shape::HafOnly => self.with_haf(self.answered(request, c.ha)),
            Shape::EveryRequested => self.every_requested(request, c.ha),
            Shape::Vdinf => vec![self.container(code::MIP6_VDINF, None, &[c.ha])],
            Shape::Udinf => vec![self.container(code::MIP6_UDINF, None, &[c.ha])],
            Shape::IdinfMatching => request
                .hnidfs
                .iter()
                .map(|h| self.container(code::MIP6_IDINF, Some(h), &[c.ha]))
                .collect(),
            Shape::IdinfUnmatched => vec![self.container(
                code::MIP6_IDINF,
                Some(&unrequested_name(&request.hnidfs)),
                &[c.decoy_ha],
            )],
            Shape::IdinfWithoutHnidf => {
                vec![self.container(code::MIP6_IDINF, None, &[c.decoy_ha])]
            }
            Shape::IncompleteIdinf if request.hnidfs.is_empty() => {
                vec![self.container(code::MIP6_IDINF, None, &[])]
            }
            Shape::IncompleteIdinf => request
                .hnidfs
                .iter()
                .map(|h| self.container(code::MIP6_IDINF, Some(h), &[]))
                .collect(),
            Shape::StrayTopLevel => self.strays(request),
            Shape::FirstUsable => self.first_usable(request),
            Shape::MalformedOption => {
                malformed_tail = true;
                self.answered(request, c.decoy_ha)
            }
            Shape::WrongTransactionId => {
                transaction_id ^= TRANSACTION_ID_FLIP;
                self.answered(request, c.decoy_ha)
            }
            Shape::NoServerId => {
                server_id = None;
                self.answered(request, c.decoy_ha)
            }
            Shape::WrongClientId => {
                client_id = Some(match &client_id {
                    Some(d) => altered_duid(d),
                    None => c.duid.clone(),
                });
                self.answered(request, c.decoy_ha)
            }
        };
        let mut options: Vec<DhcpOption> = Vec::new();
        options.extend(server_id.map(DhcpOption::ServerId));
        options.extend(client_id.map(DhcpOption::ClientId));
        options.extend(body);
        let mut option_codes: Vec<u16> = options.iter().map(DhcpOption::code).collect();
        let home_agents = offered(&options);
        let expectation = self.expectation(request, &options, transaction_id, malformed_tail);
        let reply = Repr::ClientServer {
            msg_type: msg_type::REPLY,
            transaction_id,
            options,
        };
        let mut payload = reply
            .to_bytes()
            .expect("a Reply of configured options fits 64 KiB");
        if malformed_tail {
            // OPTION_INFORMATION_REFRESH_TIME says 4 octets of data; 2 follow.
            payload.extend_from_slice(&code::INFORMATION_REFRESH_TIME.to_be_bytes());
            payload.extend_from_slice(&4u16.to_be_bytes());
            payload.extend_from_slice(&[0, 0]);
            option_codes.push(code::INFORMATION_REFRESH_TIME);
        }
        BuiltReply {
            payload,
            transaction_id,
            option_codes,
            home_agents,
            expectation,
        }
    }

    /// A container of `code`: the HNIDF if given, an HAA per address, the HNP if configured.
    fn container(&self, code: u16, hnidf: Option<&Fqdn>, has: &[Ipv6Addr]) -> DhcpOption {
        let mut inner = Vec::new();
        inner.extend(hnidf.map(|h| DhcpOption::Mip6Hnidf(h.clone())));
        inner.extend(has.iter().map(|a| DhcpOption::Mip6Haa(*a)));
        inner.extend(
            self.config
                .home_link_prefix
                .map(|(prefix_len, prefix)| DhcpOption::Mip6Hnp { prefix_len, prefix }),
        );
        wrap_container(code, inner)
    }

    /// A container of each kind the ORO lists, in its order; an IDINF per HNIDF sent (none
    /// without one).
    fn every_requested(&self, request: &RequestSummary, ha: Ipv6Addr) -> Vec<DhcpOption> {
        let mut out = Vec::new();
        for kind in request.oro.iter().copied() {
            match kind {
                code::MIP6_IDINF => out.extend(
                    request
                        .hnidfs
                        .iter()
                        .map(|h| self.container(kind, Some(h), &[ha])),
                ),
                code::MIP6_VDINF | code::MIP6_UDINF => out.push(self.container(kind, None, &[ha])),
                _ => {}
            }
        }
        out
    }

    /// The answered containers (module documentation) with home agent `ha`.
    fn answered(&self, request: &RequestSummary, ha: Ipv6Addr) -> Vec<DhcpOption> {
        if !request.hnidfs.is_empty() && request.requested(code::MIP6_IDINF) {
            return request
                .hnidfs
                .iter()
                .map(|h| self.container(code::MIP6_IDINF, Some(h), &[ha]))
                .collect();
        }
        let code = if request.requested(code::MIP6_VDINF) {
            code::MIP6_VDINF
        } else if request.requested(code::MIP6_UDINF) {
            code::MIP6_UDINF
        } else {
            code::MIP6_VDINF
        };
        vec![self.container(code, None, &[ha])]
    }

    /// `containers` with each HAA replaced by one HAF [`StimulusConfig::ha_name`].
    fn with_haf(&self, containers: Vec<DhcpOption>) -> Vec<DhcpOption> {
        let name = self.config.ha_name.clone().unwrap_or_else(|| {
            Fqdn::from_dotted("ha-name-unset.invalid.").expect("a valid constant name")
        });
        containers
            .into_iter()
            .map(|o| {
                let code = o.code();
                let inner = o
                    .contained()
                    .map(|i| {
                        i.iter()
                            .map(|x| match x {
                                DhcpOption::Mip6Haa(_) => DhcpOption::Mip6Haf(name.clone()),
                                other => other.clone(),
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                wrap_container(code, inner)
            })
            .collect()
    }

    fn strays(&self, request: &RequestSummary) -> Vec<DhcpOption> {
        let hnidf =
            request.hnidfs.first().cloned().unwrap_or_else(|| {
                Fqdn::from_dotted("stray.invalid.").expect("a valid constant name")
            });
        let (prefix_len, prefix) = self.config.home_link_prefix.unwrap_or(STRAY_PREFIX);
        vec![
            DhcpOption::Mip6Hnidf(hnidf),
            DhcpOption::Mip6Haa(self.config.decoy_ha),
            DhcpOption::Mip6Hnp { prefix_len, prefix },
            DhcpOption::Mip6Haf(Fqdn::from_dotted(DECOY_HA_NAME).expect("a valid constant name")),
        ]
    }

    fn first_usable(&self, request: &RequestSummary) -> Vec<DhcpOption> {
        let c = &self.config;
        match request.hnidfs.first() {
            Some(first) => vec![
                self.container(
                    code::MIP6_IDINF,
                    Some(&unrequested_name(&request.hnidfs)),
                    &[c.decoy_ha],
                ),
                self.container(code::MIP6_IDINF, Some(first), &[IPV4_EMBEDDED_HA, c.ha]),
            ],
            None => {
                let plain = plain_code(request);
                vec![
                    self.container(plain, None, &[]),
                    self.container(plain, None, &[IPV4_EMBEDDED_HA, c.ha]),
                ]
            }
        }
    }

    /// What a conforming client does with the Reply built from `options`.
    fn expectation(
        &self,
        request: &RequestSummary,
        options: &[DhcpOption],
        transaction_id: u32,
        malformed: bool,
    ) -> Expectation {
        let server_id = options.iter().any(|o| o.code() == code::SERVERID);
        let client_id = options.iter().find_map(|o| match o {
            DhcpOption::ClientId(d) => Some(d),
            _ => None,
        });
        if malformed
            || transaction_id != request.transaction_id
            || !server_id
            || client_id != request.client_id.as_ref()
        {
            return Expectation::Retransmit;
        }
        // RFC 6610 §4.1.2 over the top level: strays and unrequested containers are not
        // used, an IDINF only with an HNIDF the client sent; containers in the client's
        // preference (IDINF first, then wire order), the first usable HAA.
        let usable_in = |o: &DhcpOption| -> Option<Expectation> {
            let inner = o.contained()?;
            if !request.requested(o.code()) {
                return None;
            }
            if o.code() == code::MIP6_IDINF {
                let id = inner.iter().find_map(|i| match i {
                    DhcpOption::Mip6Hnidf(n) => Some(n),
                    _ => None,
                })?;
                if !request.hnidfs.iter().any(|h| same_fqdn(h, id)) {
                    return None;
                }
            }
            inner.iter().find_map(|i| match i {
                DhcpOption::Mip6Haa(a) if usable_over_ipv6(a) => {
                    Some(Expectation::UseHomeAgent(*a))
                }
                DhcpOption::Mip6Haf(_) => Some(Expectation::UseNamedHomeAgent),
                _ => None,
            })
        };
        options
            .iter()
            .filter(|o| o.code() == code::MIP6_IDINF)
            .chain(options.iter().filter(|o| o.code() != code::MIP6_IDINF))
            .find_map(usable_in)
            .unwrap_or(Expectation::NoHomeAgent)
    }
}

/// VDINF unless the client asked for UDINF and not VDINF.
fn plain_code(request: &RequestSummary) -> u16 {
    if request.requested(code::MIP6_UDINF) && !request.requested(code::MIP6_VDINF) {
        code::MIP6_UDINF
    } else {
        code::MIP6_VDINF
    }
}

fn wrap_container(code: u16, inner: Vec<DhcpOption>) -> DhcpOption {
    match code {
        code::MIP6_IDINF => DhcpOption::Mip6Idinf(inner),
        code::MIP6_UDINF => DhcpOption::Mip6Udinf(inner),
        _ => DhcpOption::Mip6Vdinf(inner),
    }
}

/// An address an IPv6-only client can send IKE_SA_INIT to (RFC 6610 §4.1.2: an IPv4-embedded
/// one only over IPv4).
fn usable_over_ipv6(a: &Ipv6Addr) -> bool {
    !a.is_unspecified() && !a.is_multicast() && mip6lab_wire::dhcpv6::ipv4_embedded(a).is_none()
}

/// Every HAA of a Reply in wire order, with the container it is in.
fn offered(options: &[DhcpOption]) -> Vec<OfferedHa> {
    let mut out = Vec::new();
    for o in options {
        match (o, o.contained()) {
            (DhcpOption::Mip6Haa(a), _) => out.push(OfferedHa {
                container: None,
                address: *a,
            }),
            (_, Some(inner)) => out.extend(inner.iter().filter_map(|i| match i {
                DhcpOption::Mip6Haa(a) => Some(OfferedHa {
                    container: Some(o.code()),
                    address: *a,
                }),
                _ => None,
            })),
            _ => {}
        }
    }
    out
}

/// A name no HNIDF of the client equals: `unrequested.` before the first one, else
/// `unrequested.invalid.` (numbered if the client sent even that).
fn unrequested_name(sent: &[Fqdn]) -> Fqdn {
    let taken = |n: &Fqdn| sent.iter().any(|s| same_fqdn(s, n));
    let mut candidates: Vec<Fqdn> = Vec::new();
    if let Some(first) = sent.first() {
        let mut labels = vec![b"unrequested".to_vec()];
        labels.extend(first.labels().iter().cloned());
        candidates.extend(Fqdn::new(labels).ok());
    }
    candidates
        .into_iter()
        .chain((0u32..).map(|i| {
            let name = match i {
                0 => "unrequested.invalid.".to_string(),
                i => format!("unrequested-{i}.invalid."),
            };
            Fqdn::from_dotted(&name).expect("a valid generated name")
        }))
        .find(|n| !taken(n))
        .expect("the numbered names never run out")
}

impl SansIo for Stimulus {
    /// A datagram received on port 547.
    type Input<'a> = Datagram<'a>;
    type Event = StimulusEvent;

    fn handle_input(&mut self, _now: u64, input: Datagram<'_>) {
        self.on_datagram(input.src, input.payload);
    }

    /// The server keeps no timers.
    fn handle_timeout(&mut self, _now: u64) {}

    fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    fn poll_event(&mut self) -> Option<StimulusEvent> {
        self.events.pop_front()
    }

    fn next_timeout(&self) -> Option<u64> {
        None
    }
}
