//! The NAS's DHCPv6 relay agent (RFC 6611 §3 (c): "DHCP relay and NAS are either co-located
//! ..."), sans-IO.
//!
//! Towards the server ([`RelayInput::Client`]): every message a client or a downstream relay
//! sends on an access link goes out as a new Relay-forward to each configured server
//! (RFC 8415 §19, §19.1): peer-address = the datagram's source, the received message copied
//! octet for octet into the Relay Message option (§19.4: a relay "MUST NOT change anything
//! in the packet being encapsulated"), an Interface-Id option naming the access link, and —
//! when the NAS holds unexpired AAA-assigned home agent information for that client and the
//! client named the home network in an HNIDF — an RSOO (RFC 6422 §3) holding one IDINF
//! (RFC 6610 §3.2.2) per such network (RFC 6610 §4.2, RFC 6611 §4.2.1 (3)).
//!
//! Towards the client ([`RelayInput::Server`]): the Relay Message option's content of a
//! Relay-reply, as the octets the server sent (RFC 8415 §19.2 and RFC 6422 §5: relays "MUST
//! NOT modify" it), to the peer-address on the link the Interface-Id (or else the
//! link-address) names.
//!
//! AAA side ([`RelayInput::Assignment`]): the information is kept for
//! [`RelayConfig::hold_ms`] after it arrives, or until the assignment's own expiry if
//! sooner (RFC 6611 §4.2.1 (1): "The NAS may keep the received information for a
//! configurable duration"); held means `now < expiry`. Once it is no longer held the RSOO is
//! left out (§4.2.1 (3)).
//!
//! Two readings of the texts, for the interpretation note: (a) RFC 6610 §4.2 has the relay
//! send IDINFs in an RSOO, but RFC 6610 §6 never registered 69 as RSOO-enabled, which RFC 6422
//! §4 asks of every option in an RSOO; the relay follows RFC 6610/6611 (the server side decides
//! what it accepts). (b) RFC 6611 §4.2.2 (3) puts "the received AAA AVP" in the RSOO in the ASP
//! case, where the client sends no HNIDF; an IDINF must answer a client's HNIDF (RFC 6610
//! §4.2) and nothing else may carry AAA data there, so without an HNIDF the RSOO is left out
//! ([`Withheld::NoHnidf`]).
//!
//! The hop limit of 8 for multicast destinations (RFC 8415 §19) is the driver's to set.

use super::assignment::{ClientIdentity, ClientMatch, HaAssignment};
use super::encapsulation::is_link_local;
use crate::io::{SansIo, Transmit};
use mip6lab_wire::dhcpv6::{
    self, code, msg_type, option::emit_options, DhcpOption, Fqdn, Repr, ALL_SERVERS, CLIENT_PORT,
    HOP_COUNT_LIMIT, RELAY_HEADER_LEN, SERVER_PORT,
};
use mip6lab_wire::tlv::Format;
use std::collections::VecDeque;
use std::net::{Ipv6Addr, SocketAddr, SocketAddrV6};

/// One access link of the NAS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessLink {
    /// The name inputs use for it (e.g. the interface name).
    pub name: String,
    /// A global (GUA or ULA) address from the link's prefix: the link-address of Relay-forwards
    /// for clients on it (RFC 8415 §19.1.1).
    pub link_address: Ipv6Addr,
    /// The Interface-Id option's opaque value for it (RFC 8415 §21.18).
    pub interface_id: Vec<u8>,
    /// The interface index link-local destinations on it need (`SocketAddrV6::scope_id`).
    pub scope_id: u32,
}

/// The relay's settings. [`RelayConfig::new`] gives the conforming behaviour; the fields
/// marked "knob" each break one requirement, named in their documentation, for mutants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelayConfig {
    pub links: Vec<AccessLink>,
    /// Where Relay-forwards go. RFC 8415 §19: without configuration, All_DHCP_Servers.
    pub servers: Vec<Ipv6Addr>,
    /// How long the NAS keeps AAA-assigned information after it arrives; `None`: until the
    /// access session ends ([`RelayInput::SessionEnded`]) or the assignment's own expiry.
    pub hold_ms: Option<u64>,
    /// RFC 6422 §5's switch: when set, a Relay-forward from a downstream relay that carries an
    /// RSOO at any encapsulation level is silently discarded.
    pub block_forwards_with_rsoo: bool,
    /// Knob: with the switch set, look for an RSOO in the outer encapsulation only. Breaks
    /// RFC 6422 §5 ("MUST examine all Relay-Forward encapsulations, not just the outer").
    pub block_checks_outer_only: bool,
    /// Knob: keep supplying the RSOO after the information expired (hold time or its own
    /// expiry; the end of the session still removes it). Breaks RFC 6611 §4.2.1 (3) ("the
    /// NAS/DHCP relay does not include the Relay-Supplied Options option").
    pub rsoo_even_when_expired: bool,
    /// Knob: append an OPTION_STATUS_CODE (Success, [`MODIFIED_REPLY_TEXT`]) to every message
    /// relayed to a client. Breaks RFC 8415 §19.2 and RFC 6422 §5 ("MUST NOT modify").
    pub modify_relay_reply: bool,
    /// Knob: send Relay-forwards without the Interface-Id option. Breaks RFC 8415 §19.1.1's
    /// MUST when the link-address cannot identify the interface (a link-local link-address,
    /// or two links with the same one); with distinct global link-addresses, replies still
    /// route by link-address.
    pub omit_interface_id: bool,
    /// Knob: send the relay-supplied options under this option code instead of OPTION_RSOO
    /// (66). Breaks RFC 6610 §4.2 ("MUST encapsulate these options in a Relay-Supplied
    /// Options option") and RFC 6422 §3.
    pub rsoo_option_code_override: Option<u16>,
    /// Knob: leave the client's HNIDF out of each supplied IDINF. Breaks RFC 6610 §4.2 ("each
    /// Identified Home Network Information option must contain a Home Network ID FQDN option
    /// identical to the one sent by the client").
    pub omit_hnidf_in_idinf: bool,
    /// Knob: no matching of names: the held network's HA goes out in an IDINF under every
    /// HNIDF the client sent, also those of networks the AAA assigned nothing for. Breaks
    /// RFC 6610 §4.2 (the relay's IDINFs "MUST correspond to home networks identified in"
    /// the client's HNIDFs: an IDINF naming a network must carry that network's information).
    pub idinf_for_unrequested_network: bool,
    /// Knob: put the held HA also as a bare HAA (72) in the RSOO. Breaks RFC 6422 §5 (relays
    /// "MUST NOT send non-RSOO-enabled options" in it; 72 never is, RFC 6610 §4.2 puts only
    /// containers there).
    pub rsoo_bare_haa: bool,
    /// Knob: each IDINF in the RSOO holds its HNIDF and nothing else. Breaks RFC 6610 §3.2.2
    /// (the container holds "one or more options, specifying information about the home
    /// network").
    pub empty_idinf: bool,
}

/// The text of the status option the `modify_relay_reply` knob appends.
pub const MODIFIED_REPLY_TEXT: &str = "modified by relay";

impl RelayConfig {
    /// Conforming defaults: All_DHCP_Servers, information held until the session ends, no
    /// RSOO blocking, every knob off.
    pub fn new(links: Vec<AccessLink>) -> RelayConfig {
        RelayConfig {
            links,
            servers: vec![ALL_SERVERS],
            hold_ms: None,
            block_forwards_with_rsoo: false,
            block_checks_outer_only: false,
            rsoo_even_when_expired: false,
            modify_relay_reply: false,
            omit_interface_id: false,
            rsoo_option_code_override: None,
            omit_hnidf_in_idinf: false,
            idinf_for_unrequested_network: false,
            rsoo_bare_haa: false,
            empty_idinf: false,
        }
    }
}

/// What the relay is handed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RelayInput<'a> {
    /// A DHCPv6 message received on an access link (port 547): from a client, or a
    /// Relay-forward from a downstream relay.
    Client {
        interface: &'a str,
        src: Ipv6Addr,
        payload: &'a [u8],
    },
    /// A datagram from the server side (port 547).
    Server { src: SocketAddr, payload: &'a [u8] },
    /// Home agent information from the AAA side; it replaces any held for the same
    /// [`ClientMatch`].
    Assignment(HaAssignment),
    /// The access session ended: information for this client is no longer held.
    SessionEnded(ClientMatch),
}

/// Which side a dropped datagram came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Client,
    Server,
}

/// Why a datagram was not relayed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DropReason {
    /// It does not parse as the message its type says (the codec's error).
    Malformed(String),
    /// A Relay-forward whose hop-count reached HOP_COUNT_LIMIT (RFC 8415 §19.1.2).
    HopCountLimit(u8),
    /// A type a relay discards when it arrives from the client side: Advertise, Reply,
    /// Reconfigure (RFC 8415 §16.3, §16.10, §16.11) and Relay-reply (which only a server
    /// sends, towards the relay).
    NotFromClient(u8),
    /// From the server side, anything but a Relay-reply.
    NotRelayReply(u8),
    /// A Relay-reply without a Relay Message option.
    NoRelayMessage,
    /// Received on, or addressed by Interface-Id / link-address to, a link the relay lacks.
    UnknownLink,
    /// RFC 6422 §5: RSOO forwarding is disabled and a nested Relay-forward carries one.
    RsooBlocked,
}

/// Why no RSOO went into a Relay-forward.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Withheld {
    /// No AAA information for this client.
    NoAssignment,
    /// Information there was is no longer held (hold time or its own expiry passed).
    Expired,
    /// The client sent no HNIDF: an IDINF must answer one (RFC 6610 §4.2), so there is
    /// nothing the relay may supply (the RFC 6611 §4.2.2 ASP case).
    NoHnidf,
    /// No held home network that names a home agent matches the client's HNIDFs.
    NoMatchingHnidf,
}

/// What the relay did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RelayEvent {
    /// A Relay-forward went to the servers.
    Forwarded {
        interface: String,
        peer: Ipv6Addr,
        hop_count: u8,
        /// The home networks of the IDINFs in its RSOO (empty: no RSOO).
        rsoo_networks: Vec<Fqdn>,
    },
    /// The RSOO was left out, and why.
    RsooWithheld {
        peer: Ipv6Addr,
        reason: Withheld,
    },
    /// A Relay-reply's message went to the client (or downstream relay) at `to`.
    Relayed {
        interface: Option<String>,
        to: SocketAddr,
        msg_type: u8,
        /// True only under the `modify_relay_reply` knob.
        modified: bool,
    },
    Dropped {
        side: Side,
        reason: DropReason,
    },
    /// AAA information arrived; held until `expires_at` (`None`: until the session ends).
    AssignmentStored {
        client: ClientMatch,
        expires_at: Option<u64>,
    },
    /// Information is no longer held.
    AssignmentExpired {
        client: ClientMatch,
    },
}

#[derive(Debug, Clone)]
struct Held {
    assignment: HaAssignment,
    expires_at: Option<u64>,
    expired: bool,
}

/// The relay engine.
#[derive(Debug)]
pub struct Relay {
    config: RelayConfig,
    held: Vec<Held>,
    transmits: VecDeque<Transmit>,
    events: VecDeque<RelayEvent>,
}

impl Relay {
    pub fn new(config: RelayConfig) -> Relay {
        Relay {
            config,
            held: Vec::new(),
            transmits: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    pub fn config(&self) -> &RelayConfig {
        &self.config
    }

    /// Whether information for `who` is held at `now` (not expired).
    pub fn holds(&self, now: u64, who: &ClientIdentity<'_>) -> bool {
        self.held
            .iter()
            .any(|h| h.assignment.client.matches(who) && !is_expired(h, now))
    }

    fn drop_datagram(&mut self, side: Side, reason: DropReason) {
        self.events.push_back(RelayEvent::Dropped { side, reason });
    }

    fn store(&mut self, now: u64, assignment: HaAssignment) {
        let by_hold = self.config.hold_ms.map(|h| now.saturating_add(h));
        let expires_at = match (by_hold, assignment.expires_at) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.held
            .retain(|h| h.assignment.client != assignment.client);
        self.events.push_back(RelayEvent::AssignmentStored {
            client: assignment.client.clone(),
            expires_at,
        });
        self.held.push(Held {
            assignment,
            expires_at,
            expired: false,
        });
    }

    fn on_client_message(&mut self, now: u64, interface: &str, src: Ipv6Addr, payload: &[u8]) {
        let Some(link) = self
            .config
            .links
            .iter()
            .find(|l| l.name == interface)
            .cloned()
        else {
            return self.drop_datagram(Side::Client, DropReason::UnknownLink);
        };
        let Some(&t) = payload.first() else {
            return self.drop_datagram(Side::Client, DropReason::Malformed("empty".into()));
        };
        if matches!(
            t,
            msg_type::ADVERTISE | msg_type::REPLY | msg_type::RECONFIGURE | msg_type::RELAY_REPL
        ) {
            return self.drop_datagram(Side::Client, DropReason::NotFromClient(t));
        }
        let received = match Repr::from_bytes(payload) {
            Ok(r) => r,
            Err(e) => {
                return self.drop_datagram(Side::Client, DropReason::Malformed(e.to_string()))
            }
        };
        let hop_count = match &received {
            Repr::Relay { hop_count, .. } if *hop_count >= HOP_COUNT_LIMIT => {
                return self.drop_datagram(Side::Client, DropReason::HopCountLimit(*hop_count));
            }
            Repr::Relay { hop_count, .. } => hop_count + 1,
            _ => 0,
        };
        let blocked = if self.config.block_checks_outer_only {
            received.msg_type() == msg_type::RELAY_FORW
                && received.options_with(code::RSOO).next().is_some()
        } else {
            carries_rsoo(&received)
        };
        if self.config.block_forwards_with_rsoo && blocked {
            return self.drop_datagram(Side::Client, DropReason::RsooBlocked);
        }
        // RFC 8415 §19.1.2: from a relay with a global source, link-address 0; otherwise (and
        // always for a client, §19.1.1) an address of the access link.
        let link_address = if hop_count > 0 && is_global(src) {
            Ipv6Addr::UNSPECIFIED
        } else {
            link.link_address
        };
        let (peer, client) = client_of(&received, src);
        let (rsoo, networks) = self.relay_supplied(now, &link.name, peer, client);
        let mut options = Vec::new();
        if !self.config.omit_interface_id {
            options.push(DhcpOption::InterfaceId(link.interface_id.clone()));
        }
        options.extend(rsoo);
        // The received octets, whatever the codec would re-emit (RFC 8415 §19.4).
        options.push(DhcpOption::Other {
            code: code::RELAY_MSG,
            data: payload.to_vec(),
        });
        let forward = Repr::Relay {
            msg_type: msg_type::RELAY_FORW,
            hop_count,
            link_address,
            peer_address: src,
            options,
        };
        let bytes = match forward.to_bytes() {
            Ok(b) => b,
            Err(e) => {
                return self.drop_datagram(Side::Client, DropReason::Malformed(e.to_string()))
            }
        };
        for server in &self.config.servers {
            self.transmits.push_back(Transmit {
                dst: SocketAddr::V6(SocketAddrV6::new(*server, SERVER_PORT, 0, 0)),
                payload: bytes.clone(),
            });
        }
        self.events.push_back(RelayEvent::Forwarded {
            interface: link.name,
            peer: src,
            hop_count,
            rsoo_networks: networks,
        });
    }

    /// The RSOO for the client of a message (or nothing, with a [`RelayEvent::RsooWithheld`]),
    /// and the home networks its IDINFs are for.
    fn relay_supplied(
        &mut self,
        now: u64,
        interface: &str,
        peer: Ipv6Addr,
        client: Option<&Repr>,
    ) -> (Option<DhcpOption>, Vec<Fqdn>) {
        // A message the relay cannot read (a type unknown to it) gets no RSOO and no remark.
        let Some(client) = client else {
            return (None, Vec::new());
        };
        let duid = client.options().iter().find_map(|o| match o {
            DhcpOption::ClientId(d) => Some(d),
            _ => None,
        });
        let who = ClientIdentity {
            interface,
            peer,
            duid,
        };
        let held = self
            .held
            .iter()
            .rev()
            .find(|h| h.assignment.client.matches(&who));
        let outcome = match held {
            None => Err(Withheld::NoAssignment),
            Some(h) if is_expired(h, now) && !self.config.rsoo_even_when_expired => {
                Err(Withheld::Expired)
            }
            Some(h) => self.idinfs_for(h, client),
        };
        match outcome {
            Ok((idinfs, networks)) => (Some(self.wrap(idinfs)), networks),
            Err(reason) => {
                self.events
                    .push_back(RelayEvent::RsooWithheld { peer, reason });
                (None, Vec::new())
            }
        }
    }

    /// One IDINF per HNIDF of the client that a held home network with a home agent matches,
    /// in the client's order (RFC 6610 §4.2: IDINFs "MUST correspond to home networks
    /// identified in Home Network ID FQDN options in the client request"). An assignment
    /// without a home network id answers the first HNIDF only.
    fn idinfs_for(
        &self,
        held: &Held,
        client: &Repr,
    ) -> Result<(Vec<DhcpOption>, Vec<Fqdn>), Withheld> {
        let hnidfs: Vec<&Fqdn> = client
            .options()
            .iter()
            .filter_map(|o| match o {
                DhcpOption::Mip6Hnidf(n) => Some(n),
                _ => None,
            })
            .collect();
        if hnidfs.is_empty() {
            return Err(Withheld::NoHnidf);
        }
        let mut idinfs = Vec::new();
        let mut networks = Vec::new();
        for (i, hnidf) in hnidfs.iter().enumerate() {
            let network = held.assignment.networks.iter().find(|n| {
                n.names_a_home_agent() && (n.home_network_id.is_some() || i == 0) && n.is_for(hnidf)
            });
            if let Some(n) = network {
                let carried = (!self.config.omit_hnidf_in_idinf).then_some(*hnidf);
                idinfs.push(n.to_idinf(carried));
                networks.push((*hnidf).clone());
            }
        }
        if self.config.idinf_for_unrequested_network {
            // Knob: no name matching: the held HA goes out under every other HNIDF too.
            if let Some(n) = held
                .assignment
                .networks
                .iter()
                .find(|n| n.names_a_home_agent())
            {
                let unmatched: Vec<_> = hnidfs
                    .iter()
                    .filter(|h| !networks.contains(**h))
                    .copied()
                    .collect();
                for hnidf in unmatched {
                    idinfs.push(n.to_idinf(Some(hnidf)));
                    networks.push(hnidf.clone());
                }
            }
        }
        if idinfs.is_empty() {
            Err(Withheld::NoMatchingHnidf)
        } else {
            if self.config.empty_idinf {
                for idinf in &mut idinfs {
                    if let DhcpOption::Mip6Idinf(inner) = idinf {
                        inner.retain(|o| matches!(o, DhcpOption::Mip6Hnidf(_)));
                    }
                }
            }
            if self.config.rsoo_bare_haa {
                // Knob: the HA also as a bare HAA, an option not RSOO-enabled.
                let bare = held
                    .assignment
                    .networks
                    .iter()
                    .flat_map(|n| n.ha_addresses.iter())
                    .next()
                    .map(|a| DhcpOption::Mip6Haa(*a));
                idinfs.extend(bare);
            }
            Ok((idinfs, networks))
        }
    }

    /// The RSOO around the IDINFs (or, under the knob, the same content under another code).
    fn wrap(&self, idinfs: Vec<DhcpOption>) -> DhcpOption {
        match self.config.rsoo_option_code_override {
            None => DhcpOption::Rsoo(idinfs),
            Some(code) => {
                let mut data = vec![0; dhcpv6::option::options_len(&idinfs)];
                // Emission only fails past 65535 octets, which IDINFs of one assignment
                // do not reach; an empty value would still show the knob.
                let _ = emit_options(&idinfs, &mut data, 0);
                DhcpOption::Other { code, data }
            }
        }
    }

    fn on_server_message(&mut self, payload: &[u8]) {
        let Some(&t) = payload.first() else {
            return self.drop_datagram(Side::Server, DropReason::Malformed("empty".into()));
        };
        if t != msg_type::RELAY_REPL {
            return self.drop_datagram(Side::Server, DropReason::NotRelayReply(t));
        }
        if payload.len() < RELAY_HEADER_LEN {
            let what = format!("Relay-reply of {} octets", payload.len());
            return self.drop_datagram(Side::Server, DropReason::Malformed(what));
        }
        let address_at = |at: usize| {
            let mut a = [0u8; 16];
            a.copy_from_slice(&payload[at..at + 16]);
            Ipv6Addr::from(a)
        };
        let (link_address, peer) = (address_at(2), address_at(18));
        // Only the top level is read: the relayed message is not the relay's to judge.
        let mut interface_id = None;
        let mut relayed = None;
        for item in Format::DHCPV6_OPTIONS.items(&payload[RELAY_HEADER_LEN..], RELAY_HEADER_LEN) {
            let item = match item {
                Ok(i) => i,
                Err(e) => {
                    let what = mip6lab_wire::Error::from(e).to_string();
                    return self.drop_datagram(Side::Server, DropReason::Malformed(what));
                }
            };
            match item.kind {
                code::INTERFACE_ID if interface_id.is_none() => interface_id = Some(item.value),
                code::RELAY_MSG if relayed.is_none() => relayed = Some(item.value),
                _ => {}
            }
        }
        let Some(relayed) = relayed.filter(|m| !m.is_empty()) else {
            return self.drop_datagram(Side::Server, DropReason::NoRelayMessage);
        };
        // RFC 8415 §19.2: the link the Interface-Id names, else the link-address's.
        let link = match interface_id {
            Some(id) => self.config.links.iter().find(|l| l.interface_id == id),
            None if !link_address.is_unspecified() => self
                .config
                .links
                .iter()
                .find(|l| l.link_address == link_address),
            None => None,
        };
        let routed_without_link = interface_id.is_none() && link_address.is_unspecified();
        if link.is_none() && !(routed_without_link && is_global(peer)) {
            return self.drop_datagram(Side::Server, DropReason::UnknownLink);
        }
        let inner_type = relayed[0];
        let port = if inner_type == msg_type::RELAY_REPL {
            SERVER_PORT
        } else {
            CLIENT_PORT
        };
        let scope_id = match link {
            Some(l) if is_link_local(peer) => l.scope_id,
            _ => 0,
        };
        let to = SocketAddr::V6(SocketAddrV6::new(peer, port, 0, scope_id));
        let mut out = relayed.to_vec();
        if self.config.modify_relay_reply {
            let status = DhcpOption::StatusCode {
                status: 0,
                message: MODIFIED_REPLY_TEXT.into(),
            };
            let at = out.len();
            out.resize(at + status.buffer_len(), 0);
            let _ = status.emit(&mut out[at..], at);
        }
        self.transmits.push_back(Transmit {
            dst: to,
            payload: out,
        });
        self.events.push_back(RelayEvent::Relayed {
            interface: link.map(|l| l.name.clone()),
            to,
            msg_type: inner_type,
            modified: self.config.modify_relay_reply,
        });
    }

    fn expire(&mut self, now: u64) {
        let mut expired = Vec::new();
        for h in &mut self.held {
            if !h.expired && is_expired(h, now) {
                h.expired = true;
                expired.push(h.assignment.client.clone());
            }
        }
        // Expired entries stay (marked) until replaced or the session ends, so a later
        // message is told "expired" rather than "no assignment".
        self.events.extend(
            expired
                .into_iter()
                .map(|client| RelayEvent::AssignmentExpired { client }),
        );
    }
}

fn is_expired(h: &Held, now: u64) -> bool {
    h.expired || h.expires_at.is_some_and(|e| now >= e)
}

/// The client's address and message inside what arrived: the message itself from a client;
/// through a downstream relay's Relay-forward, the innermost peer-address and message.
/// `None` for a message of a type the relay cannot read.
fn client_of(received: &Repr, src: Ipv6Addr) -> (Ipv6Addr, Option<&Repr>) {
    let mut peer = src;
    let mut m = received;
    loop {
        match m {
            Repr::Relay { peer_address, .. } => {
                peer = *peer_address;
                match m.relayed() {
                    Some(inner) => m = inner,
                    None => return (peer, None),
                }
            }
            Repr::ClientServer { .. } => return (peer, Some(m)),
            Repr::Other { .. } => return (peer, None),
        }
    }
}

/// Whether any Relay-forward encapsulation holds an RSOO (RFC 6422 §5: "MUST examine all
/// Relay-Forward encapsulations, not just the outer encapsulation").
fn carries_rsoo(m: &Repr) -> bool {
    let mut level = Some(m);
    while let Some(r) = level {
        if r.msg_type() == msg_type::RELAY_FORW && r.options_with(code::RSOO).next().is_some() {
            return true;
        }
        level = r.relayed();
    }
    false
}

/// A global unicast address, GUA or ULA (RFC 8415 §19.1.1's "globally scoped").
fn is_global(a: Ipv6Addr) -> bool {
    !a.is_unspecified() && !a.is_loopback() && !a.is_multicast() && !is_link_local(a)
}

impl SansIo for Relay {
    type Input<'a> = RelayInput<'a>;
    type Event = RelayEvent;

    fn handle_input(&mut self, now: u64, input: RelayInput<'_>) {
        self.expire(now);
        match input {
            RelayInput::Client {
                interface,
                src,
                payload,
            } => self.on_client_message(now, interface, src, payload),
            RelayInput::Server { payload, .. } => self.on_server_message(payload),
            RelayInput::Assignment(a) => self.store(now, a),
            RelayInput::SessionEnded(client) => {
                let before = self.held.len();
                self.held.retain(|h| h.assignment.client != client);
                if self.held.len() != before {
                    self.events
                        .push_back(RelayEvent::AssignmentExpired { client });
                }
            }
        }
    }

    /// Expiry of held information.
    fn handle_timeout(&mut self, now: u64) {
        self.expire(now);
    }

    fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    fn poll_event(&mut self) -> Option<RelayEvent> {
        self.events.pop_front()
    }

    /// The next expiry of held information.
    fn next_timeout(&self) -> Option<u64> {
        self.held
            .iter()
            .filter(|h| !h.expired)
            .filter_map(|h| h.expires_at)
            .min()
    }
}
