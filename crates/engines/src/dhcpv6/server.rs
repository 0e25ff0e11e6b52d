//! The reference DHCPv6 server of the integrated scenario, sans-IO: it answers
//! Information-requests (RFC 8415 §18.3.6), sent directly or inside Relay-forwards (nested
//! any number of times), with the home network information of RFC 6610, taking the home
//! agent the AAA assigned from the relay's RSOO (RFC 6611 §4.2.1 (4), RFC 6422 §6) or its
//! own configuration (RFC 6611 §4.2.2 (4), RFC 6610 §4.3). It is the default IUT when the
//! integrated suite puts a DHCPv6 server under test; [`ServerMutations`] are its knobs.
//!
//! # The Reply
//!
//! SERVERID (its DUID), a copy of the client's CLIENTID when it sent one (RFC 8415 §18.3.6;
//! RFC 6611 §4.2.1 (4), §4.2.2 (4): the server identifies the client by it), then:
//! 1. one IDINF per home network the client named in an HNIDF and the server has information
//!    for, in the client's order: the RSOO's IDINF for it, else `IDINF {HNIDF as the client
//!    sent it, HAA}` from the Home Network ID table (RFC 6610 §4.3); nothing for a network it
//!    has no information for (RFC 6610 §4.1.2, §4.3: "zero or more"; §4.4 "may fail to
//!    provide information");
//! 2. `VDINF {HAA}` with the configured home agent when the ORO lists 50 (RFC 6611 §4.2.2
//!    (4): "if configured to do so"), and `UDINF {HAA or HAF}` with its configured
//!    unrestricted home agent when the ORO lists 70 (RFC 6610 §3.2.3);
//! 3. any other option an RSOO supplied that survived the rules below.
//!
//! A request with no HNIDF is the ASP case (RFC 6611 §4.2.2; INTERP-6611-2 of
//! `fixtures/requirements/rfc6611-interpretation.md`); with one, the MSP case (§4.2.1 (4)).
//!
//! # Readings this server takes
//!
//! - **An IDINF answers an HNIDF.** An IDINF, from an RSOO or the table, is sent only for a
//!   home network the client named in an HNIDF (RFC 6610 §4.2: a relay's IDINFs "MUST
//!   correspond to home networks identified in" the client's HNIDFs; §4.3: "for each match";
//!   §4.1.2: a client discards any other). The RSOO's IDINF goes out as the relay supplied it
//!   (§4.2.1 (4) "extracts ... and includes it"), its HNIDF being the relay's copy of the
//!   client's (RFC 6610 §4.2 "identical"); an RSOO IDINF without an HNIDF names no network
//!   and is dropped. Home networks compare as domain names do (RFC 4343).
//! - **What the ORO decides.** The HNIDF is the request for an IDINF: IDINFs answer HNIDFs
//!   whether or not the ORO lists 69 (RFC 6610 §4.3 looks the FQDN up "from any Home Network
//!   ID FQDN options provided by the client"; an RFC 6611 §4.2.1 (2) client lists only 50,
//!   INTERP-6611-1). The server's own VDINF goes only to a client whose ORO lists 50 (RFC 8415
//!   §18.3: the configured options the ORO identifies; §18.3.6's MAY for unrequested options
//!   is not used). Options taken from an RSOO are sent whether or not the ORO lists them: the
//!   relay supplied them for this client (RFC 6422 §6 adds them to the candidates; RFC 8415
//!   §18.3.6 allows unrequested options; Kea's `processRSOO` does the same).
//! - **ASP case.** Nothing from an RSOO is used (RFC 6611 §4.2.2 (4): "the DHCP server does
//!   not use the received information in the Relay-Supplied Options option"); the RSOOs are
//!   still examined, and what they held is reported as discarded.
//! - **RSOO-enabled** (RFC 6422 §6): IANA's list ({65}, [`IANA_RSOO_ENABLED`]) plus the
//!   configured codes ([`ServerConfig::rsoo_enabled`]; the lab adds 50 and 69,
//!   INTERP-6611-4). Any other option in an RSOO is silently discarded.
//! - **Candidates.** An option's candidate key is its code, except an IDINF's, which is its
//!   home network: IDINFs for different networks do not conflict (RFC 6610 §4.3, one per
//!   FQDN). Nested RSOOs: the innermost relay's value of a key is taken, and only the first
//!   of a key (RFC 6422 §6 MUST: at most one, by default the innermost). An RSOO option whose
//!   key the server has its own candidate for (one it would send) is discarded (RFC 6422 §6
//!   SHOULD) — except an IDINF, where the AAA's assignment from the RSOO replaces the table's
//!   for the same network (RFC 6611 §4.2.1 (4), INTERP-6611-5).
//!
//! # Answering
//!
//! A Reply to a client goes to the datagram's source, port 546; a relayed one goes back in
//! Relay-replies copying each level's hop-count, link-address, peer-address and Interface-Id
//! (RFC 8415 §18.3.10, §19.3), to the source, port 547. An Information-request carrying a
//! SERVERID not its own or an IA option is discarded (RFC 8415 §16.12); any other message
//! is ignored (this server assigns no leases). Every datagram raises one [`ServerEvent`].

use super::assignment::same_fqdn;
use super::encapsulation::{
    altered_duid, reply_destination, unwrap_relay_forwards, wrap_in_relay_replies, RelayLevel,
};
use crate::io::{Datagram, SansIo, Transmit};
use mip6lab_wire::dhcpv6::{
    code, msg_type, DhcpOption, Duid, Fqdn, Repr, CLIENT_PORT, SERVER_PORT,
};
use std::collections::VecDeque;
use std::net::{Ipv6Addr, SocketAddr};

/// IANA's "Options Permitted in the Relay-Supplied Options Option": 65, the ERP Local Domain
/// Name option (RFC 6440); RFC 6610 registered none of its own (INTERP-6611-4).
pub const IANA_RSOO_ENABLED: &[u16] = &[65];

/// OPTION_IA_NA, OPTION_IA_TA, OPTION_IA_PD: an Information-request with one is discarded
/// (RFC 8415 §16.12).
const IA_OPTIONS: [u16; 3] = [3, 4, 25];

/// One row of the Home Network ID FQDN table (RFC 6610 §4.3): the home network and the home
/// agent its IDINF names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HomeNetworkEntry {
    pub network: Fqdn,
    pub ha: Ipv6Addr,
}

/// Ways to break the server on purpose, each named after what it breaks (the knobs
/// `dhcp-server.*`). `Default`: all off, the conforming server.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServerMutations {
    /// Never look into an RSOO: the AAA's HA is not in the Reply (RFC 6611 §4.2.1 (4)).
    pub ignore_rsoo: bool,
    /// Send every IDINF without its HNIDF (RFC 6610 §3.1, §4.3 MUST).
    pub idinf_without_hnidf: bool,
    /// In the ASP case, put the first HAA found in an RSOO (any container, innermost relay
    /// first) into the VDINF instead of the configured HA (RFC 6611 §4.2.2 (4) note).
    pub vdinf_from_rsoo: bool,
    /// Never send the configured VDINF (RFC 6611 §4.2.2 (4)).
    pub no_vdinf: bool,
    /// Take every option of an RSOO as RSOO-enabled (RFC 6422 §6 MUST examine, MUST discard).
    pub keep_non_rsoo_enabled: bool,
    /// On nested RSOOs, take the outermost relay's value (RFC 6422 §6: innermost by default).
    pub outermost_rsoo: bool,
    /// On nested RSOOs, send every relay's value (RFC 6422 §6: at most one).
    pub every_rsoo_value: bool,
    /// Let an RSOO option replace the server's own candidate of its key, in every case, the
    /// ASP case too (RFC 6422 §6 SHOULD discard; RFC 6611 §4.2.2 (4)).
    pub rsoo_over_own_candidate: bool,
    /// Send the IDINF of every table entry, named or not by the client (RFC 6610 §4.3: "for
    /// each match").
    pub idinf_for_every_table_entry: bool,
    /// Put a CLIENTID other than the client's in the Reply (its DUID's last octet inverted,
    /// the server's own DUID when the client sent none) (RFC 6611 §4.2.1 (4), §4.2.2 (4)).
    pub wrong_client_id: bool,
    /// Send every container without its information: an IDINF with its HNIDF only, an empty
    /// VDINF (RFC 6610 §3.2.1, §3.2.2: "one or more options, specifying information").
    pub empty_containers: bool,
    /// Also send each container's HAAs at the Reply's top level (RFC 6610 §3.4: the HAA
    /// "should only appear in one of the Home Network Information options").
    pub bare_haa_too: bool,
    /// Also send each container's HAFs at the Reply's top level (RFC 6610 §3.5: the HAF
    /// "should only appear in one of the Home Network Information options").
    pub bare_haf_too: bool,
    /// Send every HAF's name as dotted text, not in DNS wire format (RFC 6610 §3.5 MUST:
    /// "encoded in accordance with RFC 3315, Section 8").
    pub haf_as_text: bool,
}

/// The server's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConfig {
    /// Its DUID (OPTION_SERVERID).
    pub duid: Duid,
    /// The home agent it allocates in a VDINF (RFC 6611 §4.2.2 (4)); `None`: not configured.
    pub vdinf_ha: Option<Ipv6Addr>,
    /// The home agent it gives in a UDINF to a client asking for one (RFC 6610 §3.2.3); an
    /// HAA or an HAF. `None`: not configured.
    pub udinf_ha: Option<HomeAgentRef>,
    /// The Home Network ID FQDN table (RFC 6610 §4.3); empty: none.
    pub home_networks: Vec<HomeNetworkEntry>,
    /// Option codes taken as RSOO-enabled besides [`IANA_RSOO_ENABLED`] (RFC 6422 §6 SHOULD:
    /// an administrator-configurable list).
    pub rsoo_enabled: Vec<u16>,
    /// The interface index for link-local destinations whose source carried none.
    pub scope_id: u32,
    pub mutations: ServerMutations,
}

impl ServerConfig {
    /// Nothing configured but its DUID: answers with no home network information.
    pub fn new(duid: Duid, scope_id: u32) -> ServerConfig {
        ServerConfig {
            duid,
            vdinf_ha: None,
            udinf_ha: None,
            home_networks: Vec::new(),
            rsoo_enabled: Vec::new(),
            scope_id,
            mutations: ServerMutations::default(),
        }
    }

    pub fn is_rsoo_enabled(&self, code: u16) -> bool {
        IANA_RSOO_ENABLED.contains(&code) || self.rsoo_enabled.contains(&code)
    }
}

/// A home agent as a server names it: by address (HAA) or by name (HAF).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HomeAgentRef {
    Address(Ipv6Addr),
    Name(Fqdn),
}

impl HomeAgentRef {
    /// `2001:db8::1` or a domain name.
    pub fn parse(text: &str) -> Result<HomeAgentRef, String> {
        if let Ok(a) = text.parse::<Ipv6Addr>() {
            return Ok(HomeAgentRef::Address(a));
        }
        Fqdn::from_dotted(text)
            .map(HomeAgentRef::Name)
            .map_err(|e| format!("`{text}` is neither an IPv6 address nor a domain name: {e}"))
    }

    /// OPTION_MIP6_HAA or OPTION_MIP6_HAF.
    pub fn option(&self) -> DhcpOption {
        match self {
            HomeAgentRef::Address(a) => DhcpOption::Mip6Haa(*a),
            HomeAgentRef::Name(n) => DhcpOption::Mip6Haf(n.clone()),
        }
    }
}

/// Where an option of the Reply came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The configured VDINF home agent.
    Configured,
    /// The Home Network ID table.
    Table,
    /// An RSOO; `relay` 1 is the relay closest to the client, 2 the one outside it, ….
    Rsoo { relay: usize },
}

/// What the request asks for (module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Case {
    /// The client sent an HNIDF: its MSP's home agent (RFC 6611 §4.2.1).
    Msp,
    /// No HNIDF: the visited network's (RFC 6611 §4.2.2).
    Asp,
}

/// One home network information option, or RSOO-supplied option, of a Reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentOption {
    pub code: u16,
    pub source: Source,
    /// The home network an IDINF is for.
    pub network: Option<Fqdn>,
    /// The HAAs inside it, in order.
    pub home_agents: Vec<Ipv6Addr>,
}

/// Why an option found in an RSOO is not in the Reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RsooDropReason {
    /// Not RSOO-enabled (RFC 6422 §6 MUST silently discard).
    NotRsooEnabled,
    /// A relay closer to the client supplied a value for the same key, or the same RSOO did
    /// before it (RFC 6422 §6: at most one, the innermost).
    Conflict,
    /// An IDINF without an HNIDF: it names no home network.
    NoHomeNetwork,
    /// An IDINF for a network the client named in no HNIDF (RFC 6610 §4.2, §4.3).
    UnrequestedNetwork,
    /// The server has its own candidate for it (RFC 6422 §6 SHOULD discard).
    OwnCandidate,
    /// The ASP case (RFC 6611 §4.2.2 (4)).
    AspCase,
}

impl RsooDropReason {
    /// `not_rsoo_enabled`, `conflict`, … (event data).
    pub fn token(self) -> &'static str {
        match self {
            RsooDropReason::NotRsooEnabled => "not_rsoo_enabled",
            RsooDropReason::Conflict => "conflict",
            RsooDropReason::NoHomeNetwork => "no_home_network",
            RsooDropReason::UnrequestedNetwork => "unrequested_network",
            RsooDropReason::OwnCandidate => "own_candidate",
            RsooDropReason::AspCase => "asp_case",
        }
    }
}

/// An option of an RSOO left out of the Reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RsooDiscard {
    /// 1: the relay closest to the client.
    pub relay: usize,
    pub code: u16,
    /// The home network of an IDINF.
    pub network: Option<Fqdn>,
    pub reason: RsooDropReason,
}

/// One Information-request answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub from: SocketAddr,
    pub to: SocketAddr,
    /// Relay-forward levels around the request (0: sent directly).
    pub relay_hops: usize,
    pub transaction_id: u32,
    pub client_id: Option<Duid>,
    pub case: Case,
    /// The client's HNIDFs, duplicates left out.
    pub hnidfs: Vec<Fqdn>,
    pub oro: Vec<u16>,
    /// Whether the RSOOs were looked at (not under [`ServerMutations::ignore_rsoo`]).
    pub rsoo_examined: bool,
    /// The Reply's options after SERVERID and CLIENTID.
    pub sent: Vec<SentOption>,
    pub rsoo_discarded: Vec<RsooDiscard>,
    /// The Reply's top-level option codes in wire order.
    pub option_codes: Vec<u16>,
}

/// Why a datagram got no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IgnoreReason {
    Malformed(String),
    /// A Relay-forward without a Relay Message option.
    NoRelayMessage,
    /// Not an Information-request (the innermost message's type).
    NotInformationRequest(u8),
    /// An Information-request with a SERVERID not its own (RFC 8415 §16.12).
    ForAnotherServer,
    /// An Information-request with this IA option (RFC 8415 §16.12).
    CarriesIa(u16),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerEvent {
    Answered(Answer),
    Ignored {
        from: SocketAddr,
        reason: IgnoreReason,
    },
}

/// The key under which options compete (module documentation).
#[derive(Debug, Clone)]
enum Key {
    Code(u16),
    /// An IDINF for this home network.
    Network(Fqdn),
}

impl Key {
    fn of(option: &DhcpOption) -> Option<Key> {
        match option {
            DhcpOption::Mip6Idinf(_) => idinf_network(option).cloned().map(Key::Network),
            o => Some(Key::Code(o.code())),
        }
    }

    fn same(&self, other: &Key) -> bool {
        match (self, other) {
            (Key::Code(a), Key::Code(b)) => a == b,
            (Key::Network(a), Key::Network(b)) => same_fqdn(a, b),
            _ => false,
        }
    }
}

/// An option that may go into the Reply.
#[derive(Debug, Clone)]
struct Candidate {
    option: DhcpOption,
    key: Key,
    source: Source,
}

/// The home network an IDINF is for: its first HNIDF.
fn idinf_network(option: &DhcpOption) -> Option<&Fqdn> {
    match option {
        DhcpOption::Mip6Idinf(inner) => inner.iter().find_map(|o| match o {
            DhcpOption::Mip6Hnidf(n) => Some(n),
            _ => None,
        }),
        _ => None,
    }
}

/// The HAAs directly inside a container.
fn home_agents_in(option: &DhcpOption) -> Vec<Ipv6Addr> {
    option
        .contained()
        .unwrap_or_default()
        .iter()
        .filter_map(|o| match o {
            DhcpOption::Mip6Haa(a) => Some(*a),
            _ => None,
        })
        .collect()
}

/// What the client's Information-request holds that the answer depends on.
struct Request {
    transaction_id: u32,
    client_id: Option<Duid>,
    oro: Vec<u16>,
    hnidfs: Vec<Fqdn>,
}

impl Request {
    fn case(&self) -> Case {
        if self.hnidfs.is_empty() {
            Case::Asp
        } else {
            Case::Msp
        }
    }

    fn named(&self, network: &Fqdn) -> bool {
        self.hnidfs.iter().any(|h| same_fqdn(h, network))
    }
}

/// The server engine.
#[derive(Debug)]
pub struct Server {
    config: ServerConfig,
    transmits: VecDeque<Transmit>,
    events: VecDeque<ServerEvent>,
}

impl Server {
    pub fn new(config: ServerConfig) -> Server {
        Server {
            config,
            transmits: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    pub fn config(&self) -> &ServerConfig {
        &self.config
    }

    fn on_datagram(&mut self, from: SocketAddr, payload: &[u8]) {
        let ignored = |reason| ServerEvent::Ignored { from, reason };
        let message = match Repr::from_bytes(payload) {
            Ok(m) => m,
            Err(e) => {
                return self
                    .events
                    .push_back(ignored(IgnoreReason::Malformed(e.to_string())))
            }
        };
        let Some((levels, inner)) = unwrap_relay_forwards(&message) else {
            return self.events.push_back(ignored(IgnoreReason::NoRelayMessage));
        };
        let Repr::ClientServer {
            msg_type: msg_type::INFORMATION_REQUEST,
            transaction_id,
            options,
        } = inner
        else {
            let t = inner.msg_type();
            return self
                .events
                .push_back(ignored(IgnoreReason::NotInformationRequest(t)));
        };
        let server_id = options.iter().find_map(|o| match o {
            DhcpOption::ServerId(d) => Some(d),
            _ => None,
        });
        if server_id.is_some_and(|d| *d != self.config.duid) {
            return self
                .events
                .push_back(ignored(IgnoreReason::ForAnotherServer));
        }
        if let Some(ia) = options.iter().find(|o| IA_OPTIONS.contains(&o.code())) {
            return self
                .events
                .push_back(ignored(IgnoreReason::CarriesIa(ia.code())));
        }
        let mut hnidfs: Vec<Fqdn> = Vec::new();
        for o in options {
            if let DhcpOption::Mip6Hnidf(n) = o {
                if !hnidfs.iter().any(|h| same_fqdn(h, n)) {
                    hnidfs.push(n.clone());
                }
            }
        }
        let request = Request {
            transaction_id: *transaction_id,
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
            hnidfs,
        };
        self.answer(from, &levels, request);
    }

    fn answer(&mut self, from: SocketAddr, levels: &[RelayLevel], request: Request) {
        let m = &self.config.mutations;
        let mut discarded = Vec::new();
        let supplied = if m.ignore_rsoo {
            Vec::new()
        } else {
            self.examine_rsoos(levels, &mut discarded)
        };
        let own = self.own_candidates(&request, levels);
        let chosen = self.merge(&request, own, supplied, &mut discarded);
        let sent: Vec<SentOption> = chosen
            .iter()
            .map(|c| SentOption {
                code: c.option.code(),
                source: c.source,
                network: match &c.key {
                    Key::Network(n) => Some(n.clone()),
                    Key::Code(_) => None,
                },
                home_agents: home_agents_in(&c.option),
            })
            .collect();
        let client_id = match (&request.client_id, m.wrong_client_id) {
            (Some(d), false) => Some(d.clone()),
            (Some(d), true) => Some(altered_duid(d)),
            (None, false) => None,
            (None, true) => Some(self.config.duid.clone()),
        };
        let mut options = vec![DhcpOption::ServerId(self.config.duid.clone())];
        options.extend(client_id.map(DhcpOption::ClientId));
        options.extend(chosen.into_iter().map(|c| {
            match c.option {
                DhcpOption::Mip6Idinf(inner) if m.idinf_without_hnidf => DhcpOption::Mip6Idinf(
                    inner
                        .into_iter()
                        .filter(|o| o.code() != code::MIP6_HNIDF)
                        .collect(),
                ),
                o => o,
            }
        }));
        if m.bare_haa_too {
            let bare: Vec<DhcpOption> = options
                .iter()
                .filter_map(container_options)
                .flatten()
                .filter(|o| matches!(o, DhcpOption::Mip6Haa(_)))
                .cloned()
                .collect();
            options.extend(bare);
        }
        if m.bare_haf_too {
            let bare: Vec<DhcpOption> = options
                .iter()
                .filter_map(container_options)
                .flatten()
                .filter(|o| matches!(o, DhcpOption::Mip6Haf(_)))
                .cloned()
                .collect();
            options.extend(bare);
        }
        if m.haf_as_text {
            for inner in options.iter_mut().filter_map(container_options_mut) {
                for o in inner.iter_mut() {
                    if let DhcpOption::Mip6Haf(n) = o {
                        *o = DhcpOption::Other {
                            code: code::MIP6_HAF,
                            data: n.to_string().trim_end_matches('.').as_bytes().to_vec(),
                        };
                    }
                }
            }
        }
        if m.empty_containers {
            for o in &mut options {
                match o {
                    DhcpOption::Mip6Idinf(inner) => {
                        inner.retain(|i| matches!(i, DhcpOption::Mip6Hnidf(_)))
                    }
                    DhcpOption::Mip6Vdinf(inner) | DhcpOption::Mip6Udinf(inner) => inner.clear(),
                    _ => {}
                }
            }
        }
        let option_codes = options.iter().map(DhcpOption::code).collect();
        let reply = Repr::ClientServer {
            msg_type: msg_type::REPLY,
            transaction_id: request.transaction_id,
            options,
        };
        // The request's own length bounds the reply's (the RSOOs it copies are inside it);
        // only a 64 KiB request near the limit could overflow, and then nothing is sent.
        let built = reply.to_bytes().and_then(|bytes| {
            if levels.is_empty() {
                Ok((bytes, CLIENT_PORT))
            } else {
                wrap_in_relay_replies(levels, &bytes).map(|b| (b, SERVER_PORT))
            }
        });
        let (payload, port) = match built {
            Ok(p) => p,
            Err(e) => {
                return self.events.push_back(ServerEvent::Ignored {
                    from,
                    reason: IgnoreReason::Malformed(format!("reply cannot be built: {e}")),
                })
            }
        };
        let to = reply_destination(from, port, self.config.scope_id);
        self.transmits.push_back(Transmit { dst: to, payload });
        self.events.push_back(ServerEvent::Answered(Answer {
            from,
            to,
            relay_hops: levels.len(),
            transaction_id: request.transaction_id,
            client_id: request.client_id.clone(),
            case: request.case(),
            hnidfs: request.hnidfs,
            oro: request.oro,
            rsoo_examined: !m.ignore_rsoo,
            sent,
            rsoo_discarded: discarded,
            option_codes,
        }));
    }

    /// RFC 6422 §6 over every RSOO, innermost relay first: RSOO-enabled options only, the
    /// first of each key.
    fn examine_rsoos(
        &self,
        levels: &[RelayLevel],
        discarded: &mut Vec<RsooDiscard>,
    ) -> Vec<Candidate> {
        let m = &self.config.mutations;
        let count = levels.len();
        // `levels` is outermost first: level i is relay `count - i` from the client.
        let mut order: Vec<usize> = (0..count).collect();
        if !m.outermost_rsoo {
            order.reverse();
        }
        let mut supplied: Vec<Candidate> = Vec::new();
        for i in order {
            let relay = count - i;
            for option in levels[i].rsoos.iter().flatten() {
                let drop = |reason| RsooDiscard {
                    relay,
                    code: option.code(),
                    network: idinf_network(option).cloned(),
                    reason,
                };
                if !self.config.is_rsoo_enabled(option.code()) && !m.keep_non_rsoo_enabled {
                    discarded.push(drop(RsooDropReason::NotRsooEnabled));
                    continue;
                }
                let Some(key) = Key::of(option) else {
                    discarded.push(drop(RsooDropReason::NoHomeNetwork));
                    continue;
                };
                if !m.every_rsoo_value && supplied.iter().any(|c| c.key.same(&key)) {
                    discarded.push(drop(RsooDropReason::Conflict));
                    continue;
                }
                supplied.push(Candidate {
                    option: option.clone(),
                    key,
                    source: Source::Rsoo { relay },
                });
            }
        }
        supplied
    }

    /// What the server would send of its own: the table's IDINF for each network the client
    /// named, and the configured VDINF when the ORO lists 50.
    fn own_candidates(&self, request: &Request, levels: &[RelayLevel]) -> Vec<Candidate> {
        let c = &self.config;
        let m = &c.mutations;
        let table_idinf = |network: &Fqdn, ha: Ipv6Addr| Candidate {
            option: DhcpOption::Mip6Idinf(vec![
                DhcpOption::Mip6Hnidf(network.clone()),
                DhcpOption::Mip6Haa(ha),
            ]),
            key: Key::Network(network.clone()),
            source: Source::Table,
        };
        let mut own = Vec::new();
        for h in &request.hnidfs {
            if let Some(e) = c.home_networks.iter().find(|e| same_fqdn(&e.network, h)) {
                own.push(table_idinf(h, e.ha));
            }
        }
        if m.idinf_for_every_table_entry {
            for e in &c.home_networks {
                let listed = own.iter().any(|o: &Candidate| match &o.key {
                    Key::Network(n) => same_fqdn(n, &e.network),
                    Key::Code(_) => false,
                });
                if !listed {
                    own.push(table_idinf(&e.network, e.ha));
                }
            }
        }
        if request.oro.contains(&code::MIP6_VDINF) && !m.no_vdinf {
            let from_rsoo = (m.vdinf_from_rsoo && request.case() == Case::Asp)
                .then(|| first_rsoo_home_agent(levels))
                .flatten();
            let vdinf = match from_rsoo {
                Some((relay, ha)) => Some((ha, Source::Rsoo { relay })),
                None => c.vdinf_ha.map(|ha| (ha, Source::Configured)),
            };
            if let Some((ha, source)) = vdinf {
                own.push(Candidate {
                    option: DhcpOption::Mip6Vdinf(vec![DhcpOption::Mip6Haa(ha)]),
                    key: Key::Code(code::MIP6_VDINF),
                    source,
                });
            }
        }
        if request.oro.contains(&code::MIP6_UDINF) {
            if let Some(ha) = &c.udinf_ha {
                own.push(Candidate {
                    option: DhcpOption::Mip6Udinf(vec![ha.option()]),
                    key: Key::Code(code::MIP6_UDINF),
                    source: Source::Configured,
                });
            }
        }
        own
    }

    /// The server's own candidates with the RSOO's added (module documentation), in the
    /// Reply's order: IDINFs in the client's HNIDF order (then the table's others), the
    /// VDINF, then the rest as supplied.
    fn merge(
        &self,
        request: &Request,
        own: Vec<Candidate>,
        supplied: Vec<Candidate>,
        discarded: &mut Vec<RsooDiscard>,
    ) -> Vec<Candidate> {
        let m = &self.config.mutations;
        let usable = request.case() == Case::Msp || m.rsoo_over_own_candidate;
        let mut chosen = own;
        for candidate in supplied {
            let Source::Rsoo { relay } = candidate.source else {
                continue;
            };
            let network = match &candidate.key {
                Key::Network(n) => Some(n.clone()),
                Key::Code(_) => None,
            };
            let drop = |reason| RsooDiscard {
                relay,
                code: candidate.option.code(),
                network: network.clone(),
                reason,
            };
            if !usable {
                discarded.push(drop(RsooDropReason::AspCase));
                continue;
            }
            if network.as_ref().is_some_and(|n| !request.named(n)) {
                discarded.push(drop(RsooDropReason::UnrequestedNetwork));
                continue;
            }
            match chosen.iter().position(|c| c.key.same(&candidate.key)) {
                // Only under `every_rsoo_value` does a second value of a key get here.
                Some(i) if matches!(chosen[i].source, Source::Rsoo { .. }) => {
                    chosen.push(candidate)
                }
                // RFC 6611 §4.2.1 (4): the AAA's assignment for the network.
                Some(i) if network.is_some() || m.rsoo_over_own_candidate => chosen[i] = candidate,
                Some(_) => discarded.push(drop(RsooDropReason::OwnCandidate)),
                None => chosen.push(candidate),
            }
        }
        let after_idinfs = request.hnidfs.len();
        chosen.sort_by_key(|c| match &c.key {
            Key::Network(n) => request
                .hnidfs
                .iter()
                .position(|h| same_fqdn(h, n))
                .unwrap_or(after_idinfs),
            Key::Code(code::MIP6_VDINF) => after_idinfs + 1,
            Key::Code(_) => after_idinfs + 2,
        });
        chosen
    }
}

/// The first HAA inside any RSOO's containers, innermost relay first, with that relay's
/// number (what [`ServerMutations::vdinf_from_rsoo`] takes).
fn first_rsoo_home_agent(levels: &[RelayLevel]) -> Option<(usize, Ipv6Addr)> {
    let count = levels.len();
    levels.iter().enumerate().rev().find_map(|(i, level)| {
        level
            .rsoos
            .iter()
            .flatten()
            .flat_map(home_agents_in)
            .next()
            .map(|ha| (count - i, ha))
    })
}

/// The options inside a container (VDINF, IDINF, UDINF).
fn container_options(o: &DhcpOption) -> Option<&Vec<DhcpOption>> {
    match o {
        DhcpOption::Mip6Vdinf(i) | DhcpOption::Mip6Idinf(i) | DhcpOption::Mip6Udinf(i) => Some(i),
        _ => None,
    }
}

fn container_options_mut(o: &mut DhcpOption) -> Option<&mut Vec<DhcpOption>> {
    match o {
        DhcpOption::Mip6Vdinf(i) | DhcpOption::Mip6Idinf(i) | DhcpOption::Mip6Udinf(i) => Some(i),
        _ => None,
    }
}

impl SansIo for Server {
    /// A datagram received on port 547.
    type Input<'a> = Datagram<'a>;
    type Event = ServerEvent;

    fn handle_input(&mut self, _now: u64, input: Datagram<'_>) {
        self.on_datagram(input.src, input.payload);
    }

    /// The server keeps no timers and no state between requests.
    fn handle_timeout(&mut self, _now: u64) {}

    fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    fn poll_event(&mut self) -> Option<ServerEvent> {
        self.events.pop_front()
    }

    fn next_timeout(&self) -> Option<u64> {
        None
    }
}
