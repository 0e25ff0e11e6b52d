//! The mobile node's DHCPv6 client in the integrated scenario (RFC 6611 §4.2 (2) and (5)),
//! sans-IO: one Information-request exchange at a time (RFC 8415 §18.2.6) with the
//! retransmission of §15, and the RFC 6610 §4.1.2 rules for the home network information in
//! the Reply.
//!
//! The Information-request holds, in this order: OPTION_CLIENTID (the configured DUID;
//! RFC 8415 §18.2.6 SHOULD, RFC 6611 §4.2.1 (2) SHALL), OPTION_ELAPSED_TIME (MUST; 0 in the
//! first transmission, then hundredths of a second since it, §21.9), OPTION_ORO (MUST; see
//! [`ClientConfig::oro`]) and, when asking for IDINF, one OPTION_MIP6_HNIDF per home network
//! (RFC 6610 §4.1.1: "MUST include a Client Home Network ID FQDN option").
//!
//! Timing (RFC 8415 §7.6, §15, §18.2.6): the first transmission waits a random 0..=1 s
//! (INF_MAX_DELAY); RT = IRT + RAND·IRT with IRT = INF_TIMEOUT (1 s), then
//! RT = 2·RTprev + RAND·RTprev, and RT = MRT + RAND·MRT once it passes MRT = INF_MAX_RT
//! (3600 s, or a valid OPTION_INF_MAX_RT a server sent, §21.25); RAND is uniform in
//! [-0.1, +0.1] from the injected random source. MRC and MRD are 0 for Information-request;
//! [`ClientConfig::max_duration_ms`] sets an MRD so a node can fall back to DNS (RFC 6611 §4.3).
//! After a Reply, a new exchange starts when the information refresh time runs out
//! (§21.23: IRT_DEFAULT 86400 s without the option, at least IRT_MINIMUM 600 s, never for
//! 0xffffffff), as RFC 6610 §4.1 asks ("SHOULD attempt to reconfigure when the IRT expires").

use super::assignment::same_fqdn;
use crate::io::{Datagram, SansIo, Transmit};
use mip6lab_wire::dhcpv6::{
    code, ipv4_embedded, msg_type, DhcpOption, Duid, Fqdn, Repr, ALL_RELAY_AGENTS_AND_SERVERS,
    SERVER_PORT,
};
use std::collections::VecDeque;
use std::net::{Ipv6Addr, SocketAddr, SocketAddrV6};

/// RFC 8415 §7.6 (milliseconds).
pub const INF_MAX_DELAY_MS: u64 = 1_000;
pub const INF_TIMEOUT_MS: u64 = 1_000;
pub const INF_MAX_RT_MS: u64 = 3_600_000;
pub const IRT_DEFAULT_S: u32 = 86_400;
pub const IRT_MINIMUM_S: u32 = 600;
/// OPTION_INF_MAX_RT (RFC 8415 §21.25); the wire codec keeps it raw.
pub const OPTION_INF_MAX_RT: u16 = 83;
/// The valid range of an OPTION_INF_MAX_RT value, seconds (§21.25).
pub const INF_MAX_RT_RANGE_S: std::ops::RangeInclusive<u32> = 60..=86_400;
/// Status codes a Reply is not taken for (RFC 8415 §18.2.10): UnspecFail, UseMulticast.
const UNSPEC_FAIL: u16 = 1;
const USE_MULTICAST: u16 = 5;

/// The random source: fills the buffer.
pub type RngFn = Box<dyn FnMut(&mut [u8]) + Send>;

/// Which home network information the node asks for (RFC 6610 §4.1.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HomeNetworkRequest {
    /// RFC 6611 §4.2.1, home agent in the MSP: IDINF for the networks these HNIDFs name.
    Identified { home_networks: Vec<Fqdn> },
    /// RFC 6611 §4.2.2, home agent in the ASP: VDINF.
    Visited,
    /// RFC 6610 §4.1.1, no preference: UDINF only.
    Unrestricted,
}

/// Which container a piece of home network information came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InfoKind {
    Visited,
    Identified,
    Unrestricted,
}

impl InfoKind {
    pub fn option_code(self) -> u16 {
        match self {
            InfoKind::Visited => code::MIP6_VDINF,
            InfoKind::Identified => code::MIP6_IDINF,
            InfoKind::Unrestricted => code::MIP6_UDINF,
        }
    }
}

/// The client's settings. [`ClientConfig::new`] conforms; the fields marked "knob" each break
/// the requirement their documentation names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientConfig {
    pub duid: Duid,
    pub request: HomeNetworkRequest,
    /// The interface index for ff02::1:2 (`SocketAddrV6::scope_id`).
    pub scope_id: u32,
    /// Wait the random 0..=INF_MAX_DELAY before the first Information-request (RFC 8415
    /// §18.2.6 MUST for the first one on an interface).
    pub initial_delay: bool,
    /// MRD: give up this long after the first transmission (`None`: RFC 8415 §18.2.6's MRD 0,
    /// retransmit until answered).
    pub max_duration_ms: Option<u64>,
    /// Whether an HAA holding an IPv4-embedded address (64:ff9b::/96) is a usable candidate:
    /// RFC 6610 §4.1.2 says it may only be used over IPv4.
    pub ipv4_transport: bool,
    /// In the MSP case, also list VDINF in the ORO. RFC 6611 §4.2.1 (2) says the client
    /// "SHALL include ... the Option Code for the Visited Home Network Information option",
    /// while its step (4) answers in an IDINF, and RFC 6610 §4.1.1 has a client that wants an
    /// IDINF request the IDINF with an HNIDF. Listing both meets both texts (RFC 6610 §4.1.1
    /// lets a client "request both options"); the IDINF is preferred when both come back.
    pub msp_also_requests_vdinf: bool,
    /// Knob: send no OPTION_CLIENTID. Breaks RFC 6611 §4.2.1 (2) / §4.2.2 (2) (SHALL include)
    /// and RFC 8415 §18.2.6's SHOULD.
    pub omit_client_id: bool,
    /// Knob: send no HNIDF while asking for IDINF. Breaks RFC 6610 §4.1.1 (MUST include).
    pub omit_hnidf: bool,
    /// Knob: send this ORO instead of [`ClientConfig::oro`]'s. Breaks whatever it leaves out
    /// (RFC 6610 §4.1.1's MUST also request 49, 71, 72, 73; RFC 8415 §21.23/§21.25's MUSTs).
    pub oro_override: Option<Vec<u16>>,
    /// Knob: keep an IDINF without an HNIDF matching one sent. Breaks RFC 6610 §4.1.2 ("MUST
    /// silently discard that Identified Home Network Information option").
    pub keep_unmatched_idinf: bool,
    /// Knob: discard every container of a Reply that holds containers of more than one kind.
    /// Breaks RFC 6610 §4.1.2 ("should be prepared to receive any MIPv6 Home Network
    /// Information options they request").
    pub single_container_kind: bool,
    /// Knob: take an HAA found outside any container as a candidate. Breaks RFC 6610 §4.1.2
    /// (49, 71, 72, 73 outside a container "MUST" be discarded).
    pub use_stray_haa: bool,
    /// Knob: send each HNIDF as dotted text instead of the DNS wire format. Breaks RFC 6610
    /// §3.1 (the FQDN "is encoded in accordance with RFC 3315, Section 8").
    pub hnidf_as_text: bool,
    /// Knob: take no home agent given as an HAF. Breaks RFC 6610 §4.1.2 ("must be prepared to
    /// handle home agent addresses in the form of either" HAA or HAF) and §3.5.
    pub ignore_haf: bool,
}

impl ClientConfig {
    pub fn new(duid: Duid, request: HomeNetworkRequest, scope_id: u32) -> ClientConfig {
        ClientConfig {
            duid,
            request,
            scope_id,
            initial_delay: true,
            max_duration_ms: None,
            ipv4_transport: false,
            msp_also_requests_vdinf: true,
            omit_client_id: false,
            omit_hnidf: false,
            oro_override: None,
            keep_unmatched_idinf: false,
            single_container_kind: false,
            use_stray_haa: false,
            hnidf_as_text: false,
            ignore_haf: false,
        }
    }

    /// The containers asked for, preferred first.
    pub fn requested_kinds(&self) -> Vec<InfoKind> {
        match &self.request {
            HomeNetworkRequest::Identified { .. } if self.msp_also_requests_vdinf => {
                vec![InfoKind::Identified, InfoKind::Visited]
            }
            HomeNetworkRequest::Identified { .. } => vec![InfoKind::Identified],
            HomeNetworkRequest::Visited => vec![InfoKind::Visited],
            HomeNetworkRequest::Unrestricted => vec![InfoKind::Unrestricted],
        }
    }

    /// The ORO: the containers, then HNIDF, HNP, HAA, HAF (RFC 6610 §4.1.1: "MUST also
    /// request" them; this also covers RFC 6611 §4.2.2 (2)'s option code of the Home Network
    /// Identifier option), then Information Refresh Time and INF_MAX_RT (RFC 8415 §18.2.6,
    /// §21.23, §21.25: MUST).
    pub fn oro(&self) -> Vec<u16> {
        if let Some(o) = &self.oro_override {
            return o.clone();
        }
        let mut oro: Vec<u16> = self
            .requested_kinds()
            .iter()
            .map(|k| k.option_code())
            .collect();
        oro.extend([
            code::MIP6_HNIDF,
            code::MIP6_HNP,
            code::MIP6_HAA,
            code::MIP6_HAF,
            code::INFORMATION_REFRESH_TIME,
            OPTION_INF_MAX_RT,
        ]);
        oro
    }

    /// The HNIDFs the message carries.
    pub fn hnidfs(&self) -> &[Fqdn] {
        match &self.request {
            HomeNetworkRequest::Identified { home_networks } if !self.omit_hnidf => home_networks,
            _ => &[],
        }
    }
}

/// A home agent the node can try.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HaCandidate {
    Address(Ipv6Addr),
    /// To resolve (A/AAAA, RFC 6610 §3.5).
    Fqdn(Fqdn),
}

/// One Home Network Information option the client kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HomeNetworkInfo {
    pub kind: InfoKind,
    /// The HNIDF inside (IDINF; others may carry one too).
    pub home_network_id: Option<Fqdn>,
    /// Home agents in wire order (HAA and HAF options as they come).
    pub home_agents: Vec<HaCandidate>,
    pub prefixes: Vec<(u8, Ipv6Addr)>,
}

/// Why an option of a Reply was not used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiscardReason {
    /// An HNIDF, HNP, HAA or HAF outside any container (RFC 6610 §4.1.2 MUST discard).
    OutsideContainer,
    /// A container the ORO did not ask for.
    NotRequested,
    /// An IDINF without an HNIDF matching one the client sent (RFC 6610 §4.1.2 MUST discard).
    UnmatchedIdinf,
    /// A container naming no home agent (no HAA, no HAF), or an IDINF without an HNIDF:
    /// "does not contain complete configuration information" (RFC 6610 §4.1.2 MUST discard).
    Incomplete,
    /// Knob `single_container_kind`: a container in a Reply that holds more than one kind.
    MixedKinds,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Discarded {
    pub code: u16,
    pub reason: DiscardReason,
}

/// What a Reply taught the node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyOutcome {
    pub server: Duid,
    /// Kept containers, in preference then wire order.
    pub info: Vec<HomeNetworkInfo>,
    /// The first usable home agent of the first container that has one (RFC 6610 §4.1.2:
    /// "SHOULD choose the first one that it can employ"), with that container's kind, home
    /// network id and first prefix. `None`: DNS discovery is the fallback (RFC 6611 §4.3).
    pub chosen: Option<ChosenHomeAgent>,
    pub discarded: Vec<Discarded>,
    /// The refresh time in force, seconds (`None`: infinity).
    pub refresh_s: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChosenHomeAgent {
    pub kind: InfoKind,
    pub home_network_id: Option<Fqdn>,
    pub home_agent: HaCandidate,
    pub prefix: Option<(u8, Ipv6Addr)>,
}

/// Why a datagram was not taken as the Reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DropReason {
    Malformed(String),
    /// No exchange is waiting for a Reply.
    NotExpected,
    /// Not a Reply (RFC 8415 §16: clients discard the other types they receive).
    NotReply(u8),
    TransactionMismatch {
        got: u32,
    },
    /// RFC 8415 §16.10: no Server Identifier.
    NoServerId,
    /// RFC 8415 §16.10: the Client Identifier is missing or not this client's DUID.
    ClientIdMismatch,
    /// RFC 8415 §16.10: a Client Identifier although none was sent.
    UnexpectedClientId,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientEvent {
    /// An Information-request went out (`attempt` 1 is the first transmission).
    Sent {
        transaction_id: u32,
        attempt: u32,
        elapsed_cs: u16,
    },
    Dropped(DropReason),
    /// A Reply with UnspecFail or UseMulticast: not taken; the exchange goes on (RFC 8415
    /// §18.2.10; this client always multicasts, and its backoff limits the rate).
    ServerStatus {
        status: u16,
        message: String,
    },
    /// A valid Reply was processed.
    Configured(ReplyOutcome),
    /// MRD passed without a Reply.
    GaveUp {
        attempts: u32,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    Idle,
    Delaying { until: u64 },
    Exchanging(Exchange),
    Done { refresh_at: Option<u64> },
    Failed,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Exchange {
    transaction_id: u32,
    first_sent: u64,
    rt: u64,
    next_at: u64,
    attempts: u32,
}

/// The client engine.
pub struct Client {
    config: ClientConfig,
    rng: RngFn,
    state: State,
    /// MRT in force: INF_MAX_RT, or a server's valid OPTION_INF_MAX_RT.
    mrt_ms: u64,
    transmits: VecDeque<Transmit>,
    events: VecDeque<ClientEvent>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.config)
            .field("state", &self.state)
            .field("mrt_ms", &self.mrt_ms)
            .finish_non_exhaustive()
    }
}

impl Client {
    pub fn new(config: ClientConfig, rng: RngFn) -> Client {
        Client {
            config,
            rng,
            state: State::Idle,
            mrt_ms: INF_MAX_RT_MS,
            transmits: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// MRT now in force (ms).
    pub fn max_retransmission_time_ms(&self) -> u64 {
        self.mrt_ms
    }

    /// Starts an exchange (the first on the interface, or again after a change of link,
    /// RFC 6610 §4.1: "SHOULD reconfigure whenever a change in the attached network is
    /// detected"): after the random initial delay if configured, else at once.
    pub fn start(&mut self, now: u64) {
        if self.config.initial_delay {
            let delay = (self.random_unit() * INF_MAX_DELAY_MS as f64).round() as u64;
            self.state = State::Delaying { until: now + delay };
        } else {
            self.begin_exchange(now);
        }
    }

    fn random_u32(&mut self) -> u32 {
        let mut b = [0u8; 4];
        (self.rng)(&mut b);
        u32::from_be_bytes(b)
    }

    /// Uniform in [0, 1].
    fn random_unit(&mut self) -> f64 {
        f64::from(self.random_u32()) / f64::from(u32::MAX)
    }

    /// `base` + RAND·`base`, RAND uniform in [-0.1, +0.1] (RFC 8415 §15).
    fn randomized(&mut self, base: u64) -> u64 {
        let rand = self.random_unit() * 0.2 - 0.1;
        (base as f64 * (1.0 + rand)).round() as u64
    }

    fn begin_exchange(&mut self, now: u64) {
        let transaction_id = self.random_u32() & 0x00ff_ffff;
        let rt = self.randomized(INF_TIMEOUT_MS);
        let exchange = Exchange {
            transaction_id,
            first_sent: now,
            rt,
            next_at: now + rt,
            attempts: 0,
        };
        self.send(now, exchange);
    }

    /// Transmits the Information-request of `exchange` at `now` and waits in it.
    fn send(&mut self, now: u64, mut exchange: Exchange) {
        exchange.attempts += 1;
        let elapsed_cs = u16::try_from((now - exchange.first_sent) / 10).unwrap_or(0xffff);
        let message = self.information_request(exchange.transaction_id, elapsed_cs);
        let payload = message
            .to_bytes()
            .expect("an Information-request of configured options fits 64 KiB");
        let dst = SocketAddrV6::new(
            ALL_RELAY_AGENTS_AND_SERVERS,
            SERVER_PORT,
            0,
            self.config.scope_id,
        );
        self.transmits.push_back(Transmit {
            dst: SocketAddr::V6(dst),
            payload,
        });
        self.events.push_back(ClientEvent::Sent {
            transaction_id: exchange.transaction_id,
            attempt: exchange.attempts,
            elapsed_cs,
        });
        self.state = State::Exchanging(exchange);
    }

    /// The Information-request as this client builds it.
    pub fn information_request(&self, transaction_id: u32, elapsed_cs: u16) -> Repr {
        let mut options = Vec::new();
        if !self.config.omit_client_id {
            options.push(DhcpOption::ClientId(self.config.duid.clone()));
        }
        options.push(DhcpOption::ElapsedTime(elapsed_cs));
        options.push(DhcpOption::Oro(self.config.oro()));
        options.extend(self.config.hnidfs().iter().map(|n| {
            if self.config.hnidf_as_text {
                DhcpOption::Other {
                    code: code::MIP6_HNIDF,
                    data: n.to_string().trim_end_matches('.').as_bytes().to_vec(),
                }
            } else {
                DhcpOption::Mip6Hnidf(n.clone())
            }
        }));
        Repr::ClientServer {
            msg_type: msg_type::INFORMATION_REQUEST,
            transaction_id,
            options,
        }
    }

    fn retransmit(&mut self, now: u64, mut exchange: Exchange) {
        if let Some(mrd) = self.config.max_duration_ms {
            if now >= exchange.first_sent.saturating_add(mrd) {
                self.state = State::Failed;
                self.events.push_back(ClientEvent::GaveUp {
                    attempts: exchange.attempts,
                });
                return;
            }
        }
        // RT = 2·RTprev + RAND·RTprev; past MRT, RT = MRT + RAND·MRT (RFC 8415 §15).
        let prev = exchange.rt;
        let mut rt = prev + self.randomized(prev);
        if self.mrt_ms != 0 && rt > self.mrt_ms {
            rt = self.randomized(self.mrt_ms);
        }
        exchange.rt = rt;
        exchange.next_at = now + rt;
        self.send(now, exchange);
    }

    fn on_datagram(&mut self, now: u64, payload: &[u8]) {
        let reply = match Repr::from_bytes(payload) {
            Ok(r) => r,
            Err(e) => return self.drop_reply(DropReason::Malformed(e.to_string())),
        };
        let State::Exchanging(exchange) = &self.state else {
            return self.drop_reply(DropReason::NotExpected);
        };
        let Repr::ClientServer {
            msg_type: msg_type::REPLY,
            transaction_id,
            options,
        } = &reply
        else {
            return self.drop_reply(DropReason::NotReply(reply.msg_type()));
        };
        if *transaction_id != exchange.transaction_id {
            let got = *transaction_id;
            return self.drop_reply(DropReason::TransactionMismatch { got });
        }
        let Some(server) = options.iter().find_map(|o| match o {
            DhcpOption::ServerId(d) => Some(d.clone()),
            _ => None,
        }) else {
            return self.drop_reply(DropReason::NoServerId);
        };
        let client_id = options.iter().find_map(|o| match o {
            DhcpOption::ClientId(d) => Some(d),
            _ => None,
        });
        match (self.config.omit_client_id, client_id) {
            (false, Some(d)) if *d == self.config.duid => {}
            (false, _) => return self.drop_reply(DropReason::ClientIdMismatch),
            (true, Some(_)) => return self.drop_reply(DropReason::UnexpectedClientId),
            (true, None) => {}
        }
        // RFC 8415 §18.2.10: INF_MAX_RT is processed whatever the status.
        self.take_inf_max_rt(options);
        if let Some((status, message)) = options.iter().find_map(|o| match o {
            DhcpOption::StatusCode { status, message } => Some((*status, message.clone())),
            _ => None,
        }) {
            if status == UNSPEC_FAIL || status == USE_MULTICAST {
                self.events
                    .push_back(ClientEvent::ServerStatus { status, message });
                return;
            }
        }
        let refresh_s = refresh_seconds(options);
        let outcome = self.home_network_information(server, options, refresh_s);
        self.state = State::Done {
            refresh_at: refresh_s.map(|s| now + u64::from(s) * 1000),
        };
        self.events.push_back(ClientEvent::Configured(outcome));
    }

    fn drop_reply(&mut self, reason: DropReason) {
        self.events.push_back(ClientEvent::Dropped(reason));
    }

    fn take_inf_max_rt(&mut self, options: &[DhcpOption]) {
        let value = options.iter().find_map(|o| match o {
            DhcpOption::Other { code, data } if *code == OPTION_INF_MAX_RT => {
                <[u8; 4]>::try_from(data.as_slice())
                    .ok()
                    .map(u32::from_be_bytes)
            }
            _ => None,
        });
        if let Some(v) = value.filter(|v| INF_MAX_RT_RANGE_S.contains(v)) {
            self.mrt_ms = u64::from(v) * 1000;
        }
    }

    /// RFC 6610 §4.1.2 over the Reply's top-level options.
    fn home_network_information(
        &self,
        server: Duid,
        options: &[DhcpOption],
        refresh_s: Option<u32>,
    ) -> ReplyOutcome {
        let oro = self.config.oro();
        let sent = self.config.hnidfs();
        let mut discarded = Vec::new();
        let mut kept: Vec<HomeNetworkInfo> = Vec::new();
        let container_codes = [code::MIP6_VDINF, code::MIP6_IDINF, code::MIP6_UDINF];
        let mixed = container_codes
            .iter()
            .filter(|c| options.iter().any(|o| o.code() == **c))
            .count()
            > 1;
        for o in options {
            let c = o.code();
            let discard = |reason| Discarded { code: c, reason };
            let kind = match o {
                DhcpOption::Mip6Haa(a) if self.config.use_stray_haa => {
                    kept.push(HomeNetworkInfo {
                        kind: InfoKind::Unrestricted,
                        home_network_id: None,
                        home_agents: vec![HaCandidate::Address(*a)],
                        prefixes: Vec::new(),
                    });
                    continue;
                }
                DhcpOption::Mip6Hnidf(_)
                | DhcpOption::Mip6Hnp { .. }
                | DhcpOption::Mip6Haa(_)
                | DhcpOption::Mip6Haf(_) => {
                    discarded.push(discard(DiscardReason::OutsideContainer));
                    continue;
                }
                DhcpOption::Mip6Vdinf(_) => InfoKind::Visited,
                DhcpOption::Mip6Idinf(_) => InfoKind::Identified,
                DhcpOption::Mip6Udinf(_) => InfoKind::Unrestricted,
                _ => continue,
            };
            if !oro.contains(&c) {
                discarded.push(discard(DiscardReason::NotRequested));
                continue;
            }
            if mixed && self.config.single_container_kind {
                discarded.push(discard(DiscardReason::MixedKinds));
                continue;
            }
            let info = read_container(kind, o.contained().unwrap_or(&[]));
            if kind == InfoKind::Identified {
                let Some(id) = &info.home_network_id else {
                    discarded.push(discard(DiscardReason::Incomplete));
                    continue;
                };
                if !self.config.keep_unmatched_idinf && !sent.iter().any(|s| same_fqdn(s, id)) {
                    discarded.push(discard(DiscardReason::UnmatchedIdinf));
                    continue;
                }
            }
            if info.home_agents.is_empty() {
                discarded.push(discard(DiscardReason::Incomplete));
                continue;
            }
            kept.push(info);
        }
        let preference = self.config.requested_kinds();
        let rank = |k: InfoKind| {
            preference
                .iter()
                .position(|p| *p == k)
                .unwrap_or(usize::MAX)
        };
        kept.sort_by_key(|i| rank(i.kind)); // stable: wire order within a kind
        let chosen = kept.iter().find_map(|info| {
            let ha = info.home_agents.iter().find(|h| self.usable(h))?.clone();
            Some(ChosenHomeAgent {
                kind: info.kind,
                home_network_id: info.home_network_id.clone(),
                home_agent: ha,
                prefix: info.prefixes.first().copied(),
            })
        });
        ReplyOutcome {
            server,
            info: kept,
            chosen,
            discarded,
            refresh_s,
        }
    }

    /// An IPv4-embedded HAA is for IPv4 transport only (RFC 6610 §4.1.2).
    fn usable(&self, ha: &HaCandidate) -> bool {
        match ha {
            HaCandidate::Address(a) => {
                !a.is_unspecified()
                    && !a.is_multicast()
                    && (self.config.ipv4_transport || ipv4_embedded(a).is_none())
            }
            HaCandidate::Fqdn(n) => !self.config.ignore_haf && !n.labels().is_empty(),
        }
    }
}

/// The sub-options of a container that RFC 6610 defines there; others are ignored (RFC 8415
/// §16: unknown options are ignored, not a reason to discard).
fn read_container(kind: InfoKind, inner: &[DhcpOption]) -> HomeNetworkInfo {
    let mut info = HomeNetworkInfo {
        kind,
        home_network_id: None,
        home_agents: Vec::new(),
        prefixes: Vec::new(),
    };
    for o in inner {
        match o {
            DhcpOption::Mip6Hnidf(n) if info.home_network_id.is_none() => {
                info.home_network_id = Some(n.clone())
            }
            DhcpOption::Mip6Haa(a) => info.home_agents.push(HaCandidate::Address(*a)),
            DhcpOption::Mip6Haf(n) => info.home_agents.push(HaCandidate::Fqdn(n.clone())),
            DhcpOption::Mip6Hnp { prefix_len, prefix } => {
                info.prefixes.push((*prefix_len, *prefix))
            }
            _ => {}
        }
    }
    info
}

/// The refresh time a Reply sets, seconds; `None` for infinity (RFC 8415 §21.23).
fn refresh_seconds(options: &[DhcpOption]) -> Option<u32> {
    let irt = options
        .iter()
        .find_map(|o| match o {
            DhcpOption::InformationRefreshTime(t) => Some(*t),
            _ => None,
        })
        .unwrap_or(IRT_DEFAULT_S);
    (irt != u32::MAX).then_some(irt.max(IRT_MINIMUM_S))
}

impl SansIo for Client {
    /// A datagram received on port 546.
    type Input<'a> = Datagram<'a>;
    type Event = ClientEvent;

    fn handle_input(&mut self, now: u64, input: Datagram<'_>) {
        self.on_datagram(now, input.payload);
    }

    /// The initial delay, retransmissions, MRD and the refresh.
    fn handle_timeout(&mut self, now: u64) {
        match std::mem::replace(&mut self.state, State::Idle) {
            State::Delaying { until } if now >= until => self.begin_exchange(now),
            State::Exchanging(e) if now >= e.next_at || self.mrd_passed(&e, now) => {
                self.retransmit(now, e)
            }
            State::Done {
                refresh_at: Some(at),
            } if now >= at => self.begin_exchange(now),
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
            State::Exchanging(e) => Some(match self.config.max_duration_ms {
                Some(mrd) => e.next_at.min(e.first_sent.saturating_add(mrd)),
                None => e.next_at,
            }),
            State::Done { refresh_at } => *refresh_at,
            State::Idle | State::Failed => None,
        }
    }
}

impl Client {
    fn mrd_passed(&self, e: &Exchange, now: u64) -> bool {
        self.config
            .max_duration_ms
            .is_some_and(|mrd| now >= e.first_sent.saturating_add(mrd))
    }
}
