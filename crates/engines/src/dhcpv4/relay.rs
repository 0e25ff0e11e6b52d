//! The NAS's DHCPv4 relay agent, sans-IO (RFC 2131 §4.1; RFC 3046 Relay Agent Information;
//! RFC 4014 RADIUS Attributes sub-option).
//!
//! Towards the server ([`RelayInput::Client`], a BOOTREQUEST received on an access link):
//! - `giaddr` 0 becomes the link's address (RFC 2131 §4.1: the server answers "to the 'DHCP
//!   server' port on the BOOTP relay agent whose address appears in 'giaddr'"), or, for a
//!   link whose address the servers cannot reach, the relay's server-side address with the
//!   link's in a Link Selection sub-option (RFC 3527); a non-zero `giaddr` (a relay below
//!   us) is kept, and one naming an address of this relay is a spoof, dropped (RFC 3046
//!   §2.1.1);
//! - `hops` is incremented; a request whose `hops` exceeds [`RelayConfig::max_hops`] is
//!   dropped (RFC 1542 §4.1.1, checked against public quotes of the RFC, not in the spec
//!   folder);
//! - with `giaddr` 0, a request that already carries option 82 is dropped (RFC 3046 §2.1's
//!   rule for a packet from an untrusted circuit); from a relay below (non-zero `giaddr`) it
//!   is forwarded without relay agent options of ours, whether or not it has option 82
//!   (RFC 3046 §2.1.1: "WITHOUT adding any relay agent options");
//! - otherwise option 82 is added after the client's options, before End: the Agent Circuit
//!   ID (sub-option 1) naming the link, and — when the caller handed the NAS attributes for
//!   this client ([`RelayInput::Attributes`], keyed by `chaddr`) — the RADIUS Attributes
//!   sub-option (7, RFC 4014) holding them in the caller's order. Octets of zero padding
//!   after End make room for it, so a 300-octet request stays 300 octets when it can.
//! - The result goes to each configured server on port 67.
//!
//! Towards the client ([`RelayInput::Server`], a BOOTREPLY): the link is the one the Agent
//! Circuit ID names, else the one whose address is `giaddr`; option 82 is removed (RFC 3046
//! §2.1: the relay agent strips it before forwarding to the client)
//! and the reply is handed to
//! the driver as a [`ClientDelivery`] saying how RFC 2131 §4.1 delivers it: with the
//! BROADCAST bit set, or when there is no address to unicast to (a DHCPNAK), as a broadcast;
//! otherwise unicast to `ciaddr` when set, else to `yiaddr` at the link-layer address
//! `chaddr` (the client has no address yet and answers no ARP: the driver writes the frame
//! itself or adds a static neighbour entry). Replies are otherwise relayed octet for octet.
//!
//! Which attributes go in: [`rfc4014_attributes`] takes them out of the Access-Accept by the
//! dual-stack profile (the FHA's carrier first, so that a server-side expression can find the
//! address at a fixed offset, then the co-located CoA's Framed-IP-Address).

use crate::io::{SansIo, Transmit};
use mip6lab_wire::dhcpv4::{
    code, DhcpOption, RelaySubOption, Repr, BOOTREPLY, BOOTREQUEST, SERVER_PORT,
};
use mip6lab_wire::dsprofile::{Carrier, Item, Message, Profile};
use mip6lab_wire::radius::{self, attr, Attribute};
use std::collections::VecDeque;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};

/// One access link of the NAS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessLink {
    /// The name inputs use for it (the interface name).
    pub name: String,
    /// The NAS's address on the link: `giaddr` for requests from it.
    pub address: Ipv4Addr,
    /// The Agent Circuit ID naming it (RFC 3046 §2.0: opaque, "agent-local").
    pub circuit_id: Vec<u8>,
    /// RFC 3527: when the servers cannot reach `address`, the relay's address they can reach:
    /// it becomes `giaddr`, and a Link Selection sub-option carries `address` to pick the
    /// client's subnet. `None`: `giaddr` is `address` (RFC 2131 §4.1).
    pub server_side: Option<Ipv4Addr>,
}

/// The relay's settings. [`RelayConfig::new`] conforms; the fields marked "knob" each break
/// the requirement their documentation names (knob names as the reference would take them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelayConfig {
    pub links: Vec<AccessLink>,
    /// Where requests go (port 67).
    pub servers: Vec<Ipv4Addr>,
    /// Requests whose `hops` exceeds this are dropped. RFC 1542 §4.1.1 (not in the
    /// spec folder) has relays discard above 16 and a configurable threshold, 4 by default.
    pub max_hops: u8,
    /// Knob `nas.dhcp4_no_rfc4014`: never add the RADIUS Attributes sub-option. Breaks
    /// draft-qin-mip6-dsbootstrapping §4.1.1 ("NAS and AAAH should assign the proper Foreign
    /// Home Agent and the co-located address"): the server never learns the AAA's FHA, which
    /// the lab's profile has the NAS pass on in RFC 4014's sub-option.
    pub omit_rfc4014: bool,
    /// Knob `nas.dhcp4_keeps_option82`: relay replies with option 82 still in them. Breaks
    /// RFC 3046 §2.1 (the option "MUST be removed" by the relay agent before the reply goes
    /// to the client; checked against public quotes, RFC 3046 is not in the spec folder).
    pub keep_option82: bool,
    /// Knob `nas.dhcp4_no_circuit_id`: option 82 without the Agent Circuit ID (an empty
    /// option 82, which also breaks RFC 3046 §2.0's minimum length of 2). Breaks RFC 3046 §2.0's purpose of the sub-option, as the original option 82
    /// request in IANA's archive words it: "intended for use by agents in relaying DHCP
    /// responses back to the proper circuit"; replies then find their link by `giaddr` only.
    pub omit_circuit_id: bool,
    /// Knob `nas.dhcp4_ignores_broadcast_bit`: unicast every reply to `yiaddr`, BROADCAST bit
    /// or not. Breaks RFC 2131 §4.1 ("If this bit is set to 1, the DHCP message SHOULD be
    /// sent as an IP broadcast").
    pub ignore_broadcast_bit: bool,
}

impl RelayConfig {
    /// Conforming: every knob off, `max_hops` 4.
    pub fn new(links: Vec<AccessLink>, servers: Vec<Ipv4Addr>) -> RelayConfig {
        RelayConfig {
            links,
            servers,
            max_hops: 4,
            omit_rfc4014: false,
            keep_option82: false,
            omit_circuit_id: false,
            ignore_broadcast_bit: false,
        }
    }
}

/// What the relay is handed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RelayInput<'a> {
    /// A datagram received on an access link on port 67.
    Client {
        interface: &'a str,
        payload: &'a [u8],
    },
    /// A datagram from the server side on port 67.
    Server { src: SocketAddr, payload: &'a [u8] },
    /// The RADIUS attributes to pass on for the client with this MAC (from its Access-Accept,
    /// e.g. by [`rfc4014_attributes`]); replaces any held for it. An empty list removes them.
    Attributes {
        chaddr: [u8; 6],
        attributes: Vec<Attribute>,
    },
    /// The client's access session ended: its attributes are no longer passed on.
    SessionEnded { chaddr: [u8; 6] },
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
    Malformed(String),
    /// From an access link, not a BOOTREQUEST (`op`).
    NotRequest(u8),
    /// From the server side, not a BOOTREPLY (`op`).
    NotReply(u8),
    /// `hops` exceeded [`RelayConfig::max_hops`].
    HopLimit(u8),
    /// An interface, circuit or `giaddr` that names none of the relay's links.
    UnknownLink,
    /// `giaddr` 0 and an option 82 already there: the client put it in (RFC 3046 §2.1).
    Option82FromClient,
    /// A non-zero `giaddr` naming one of this relay's own addresses (RFC 3046 §2.1.1).
    GiaddrSpoofed(Ipv4Addr),
    /// The request with option 82 would exceed 255 octets of option value.
    Oversized(String),
}

/// A reply to put on an access link: to port 68 of `dst`, at the link-layer broadcast
/// address when `broadcast`, else at `chaddr` (RFC 2131 §4.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientDelivery {
    pub interface: String,
    /// The client's hardware address (`chaddr`, `hlen` octets).
    pub chaddr: Vec<u8>,
    /// 255.255.255.255 when `broadcast`, else `ciaddr` or `yiaddr`.
    pub dst: Ipv4Addr,
    pub broadcast: bool,
    pub payload: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RelayEvent {
    /// A request went to the servers.
    Forwarded {
        interface: String,
        chaddr: Vec<u8>,
        hops: u8,
        /// Whether this relay added option 82 (false when a relay below had).
        added_option82: bool,
        /// RADIUS attributes in the RFC 4014 sub-option (0: none added).
        rfc4014_attributes: usize,
    },
    /// A reply was handed to the driver for the access link.
    Delivered {
        interface: String,
        dst: Ipv4Addr,
        broadcast: bool,
        message_type: Option<u8>,
        /// Whether option 82 was taken out.
        stripped_option82: bool,
    },
    Dropped {
        side: Side,
        reason: DropReason,
    },
    AttributesStored {
        chaddr: [u8; 6],
        count: usize,
    },
    AttributesRemoved {
        chaddr: [u8; 6],
    },
}

/// The relay engine.
#[derive(Debug)]
pub struct Relay {
    config: RelayConfig,
    held: Vec<([u8; 6], Vec<Attribute>)>,
    transmits: VecDeque<Transmit>,
    deliveries: VecDeque<ClientDelivery>,
    events: VecDeque<RelayEvent>,
}

impl Relay {
    pub fn new(config: RelayConfig) -> Relay {
        Relay {
            config,
            held: Vec::new(),
            transmits: VecDeque::new(),
            deliveries: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    pub fn config(&self) -> &RelayConfig {
        &self.config
    }

    /// The next reply to put on an access link (the drivers drain this beside
    /// [`SansIo::poll_transmit`], which carries the requests to the servers).
    pub fn poll_delivery(&mut self) -> Option<ClientDelivery> {
        self.deliveries.pop_front()
    }

    /// The attributes held for a client.
    pub fn attributes_for(&self, chaddr: &[u8]) -> Option<&[Attribute]> {
        self.held
            .iter()
            .find(|(mac, _)| mac[..] == *chaddr)
            .map(|(_, a)| a.as_slice())
    }

    fn drop_datagram(&mut self, side: Side, reason: DropReason) {
        self.events.push_back(RelayEvent::Dropped { side, reason });
    }

    fn store(&mut self, chaddr: [u8; 6], attributes: Vec<Attribute>) {
        self.held.retain(|(mac, _)| *mac != chaddr);
        if attributes.is_empty() {
            self.events
                .push_back(RelayEvent::AttributesRemoved { chaddr });
            return;
        }
        self.events.push_back(RelayEvent::AttributesStored {
            chaddr,
            count: attributes.len(),
        });
        self.held.push((chaddr, attributes));
    }

    fn on_client_message(&mut self, interface: &str, payload: &[u8]) {
        let Some(link) = self
            .config
            .links
            .iter()
            .find(|l| l.name == interface)
            .cloned()
        else {
            return self.drop_datagram(Side::Client, DropReason::UnknownLink);
        };
        let mut m = match Repr::from_bytes(payload) {
            Ok(m) => m,
            Err(e) => {
                return self.drop_datagram(Side::Client, DropReason::Malformed(e.to_string()))
            }
        };
        if m.op != BOOTREQUEST {
            return self.drop_datagram(Side::Client, DropReason::NotRequest(m.op));
        }
        if m.hops > self.config.max_hops {
            return self.drop_datagram(Side::Client, DropReason::HopLimit(m.hops));
        }
        let has_82 = m.relay_agent_information().is_some();
        let first_hop = m.giaddr.is_unspecified();
        if first_hop && has_82 {
            return self.drop_datagram(Side::Client, DropReason::Option82FromClient);
        }
        let own = |a: Ipv4Addr| {
            self.config
                .links
                .iter()
                .any(|l| l.address == a || l.server_side == Some(a))
        };
        if !first_hop && own(m.giaddr) {
            return self.drop_datagram(Side::Client, DropReason::GiaddrSpoofed(m.giaddr));
        }
        if first_hop {
            m.giaddr = link.server_side.unwrap_or(link.address);
        }
        m.hops += 1;
        let mut rfc4014_attributes = 0;
        // RFC 3046 §2.1.1: from a relay below, forwarded without relay agent options of ours.
        if first_hop {
            let mut subs = Vec::new();
            if !self.config.omit_circuit_id {
                subs.push(RelaySubOption::CircuitId(link.circuit_id.clone()));
            }
            if link.server_side.is_some() {
                subs.push(RelaySubOption::LinkSelection(link.address));
            }
            let held = self.attributes_for(m.hardware_address()).map(<[_]>::to_vec);
            if let Some(attrs) = held.filter(|_| !self.config.omit_rfc4014) {
                rfc4014_attributes = attrs.len();
                subs.push(RelaySubOption::RadiusAttributes(attrs));
            }
            let option = DhcpOption::RelayAgentInformation(subs);
            let room = option.buffer_len();
            let at = m
                .options
                .iter()
                .position(|o| *o == DhcpOption::End)
                .unwrap_or(m.options.len());
            m.options.insert(at, option);
            // Zero padding after End absorbs the option where it can.
            let pad = m.trailing.iter().rev().take_while(|o| **o == 0).count();
            let keep = m.trailing.len() - pad.min(room);
            m.trailing.truncate(keep);
        }
        let bytes = match m.to_bytes() {
            Ok(b) => b,
            Err(e) => {
                return self.drop_datagram(Side::Client, DropReason::Oversized(e.to_string()))
            }
        };
        for server in &self.config.servers {
            self.transmits.push_back(Transmit {
                dst: SocketAddr::V4(SocketAddrV4::new(*server, SERVER_PORT)),
                payload: bytes.clone(),
            });
        }
        self.events.push_back(RelayEvent::Forwarded {
            interface: link.name,
            chaddr: m.hardware_address().to_vec(),
            hops: m.hops,
            added_option82: !has_82,
            rfc4014_attributes,
        });
    }

    fn on_server_message(&mut self, payload: &[u8]) {
        let mut m = match Repr::from_bytes(payload) {
            Ok(m) => m,
            Err(e) => {
                return self.drop_datagram(Side::Server, DropReason::Malformed(e.to_string()))
            }
        };
        if m.op != BOOTREPLY {
            return self.drop_datagram(Side::Server, DropReason::NotReply(m.op));
        }
        let circuit = m.relay_agent_information().and_then(|subs| {
            subs.iter().find_map(|s| match s {
                RelaySubOption::CircuitId(id) => Some(id.clone()),
                _ => None,
            })
        });
        let by_circuit =
            circuit.and_then(|id| self.config.links.iter().find(|l| l.circuit_id == id));
        let Some(link) = by_circuit
            .or_else(|| {
                self.config
                    .links
                    .iter()
                    .find(|l| l.address == m.giaddr || l.server_side == Some(m.giaddr))
            })
            .cloned()
        else {
            return self.drop_datagram(Side::Server, DropReason::UnknownLink);
        };
        let had_82 = m.relay_agent_information().is_some();
        let strip = had_82 && !self.config.keep_option82;
        let out = if strip {
            m.options
                .retain(|o| o.code() != code::RELAY_AGENT_INFORMATION);
            match m.to_bytes() {
                Ok(b) => b,
                Err(e) => {
                    return self.drop_datagram(Side::Server, DropReason::Malformed(e.to_string()))
                }
            }
        } else {
            payload.to_vec()
        };
        let (dst, broadcast) = delivery_address(&m, self.config.ignore_broadcast_bit);
        self.deliveries.push_back(ClientDelivery {
            interface: link.name.clone(),
            chaddr: m.hardware_address().to_vec(),
            dst,
            broadcast,
            payload: out,
        });
        self.events.push_back(RelayEvent::Delivered {
            interface: link.name,
            dst,
            broadcast,
            message_type: m.message_type(),
            stripped_option82: strip,
        });
    }
}

/// RFC 2131 §4.1's delivery of a reply to the client: broadcast when the BROADCAST bit asks
/// for it (unless `ignore_bit`) or there is no address to unicast to, else `ciaddr`, else
/// `yiaddr`.
fn delivery_address(m: &Repr, ignore_bit: bool) -> (Ipv4Addr, bool) {
    if m.broadcast() && !ignore_bit {
        return (Ipv4Addr::BROADCAST, true);
    }
    if !m.ciaddr.is_unspecified() {
        return (m.ciaddr, false);
    }
    if !m.yiaddr.is_unspecified() {
        return (m.yiaddr, false);
    }
    (Ipv4Addr::BROADCAST, true)
}

/// The attributes of an Access-Accept the NAS passes on in the RFC 4014 sub-option, by the
/// dual-stack profile: the FHA's carrier in the Access-Accept first (the lab's: the
/// Vendor-Specific attribute holding WiMAX-vHA-IP-MIP4, 24757/64), then the co-located CoA's
/// (the lab's: Framed-IP-Address, 8), each attribute whole and in the Accept's order; empty
/// when the Accept has neither.
pub fn rfc4014_attributes(accept: &radius::Repr, profile: &Profile) -> Vec<Attribute> {
    let mut out = Vec::new();
    for item in [Item::FhaAddress, Item::CoLocatedCoa] {
        let Some(carrier) = profile.carrier_of(item, Message::AccessAccept) else {
            continue;
        };
        out.extend(
            accept
                .attributes
                .iter()
                .filter(|a| carries(a, carrier))
                .filter(|a| !out.contains(*a))
                .cloned()
                .collect::<Vec<_>>(),
        );
    }
    out
}

/// Whether attribute `a` is (or, for a Vendor-Specific, holds) `carrier`.
fn carries(a: &Attribute, carrier: &Carrier) -> bool {
    match *carrier {
        Carrier::RadiusAttribute(t) => a.kind == t,
        Carrier::RadiusVendor { vendor, kind } => {
            a.kind == attr::VENDOR_SPECIFIC
                && a.vendor_specific().is_ok_and(|v| {
                    v.vendor_id == vendor && v.subs.iter().flatten().any(|s| s.vendor_type == kind)
                })
        }
        _ => false,
    }
}

impl SansIo for Relay {
    type Input<'a> = RelayInput<'a>;
    type Event = RelayEvent;

    fn handle_input(&mut self, _now: u64, input: RelayInput<'_>) {
        match input {
            RelayInput::Client { interface, payload } => self.on_client_message(interface, payload),
            RelayInput::Server { payload, .. } => self.on_server_message(payload),
            RelayInput::Attributes { chaddr, attributes } => self.store(chaddr, attributes),
            RelayInput::SessionEnded { chaddr } => {
                let before = self.held.len();
                self.held.retain(|(mac, _)| *mac != chaddr);
                if self.held.len() != before {
                    self.events
                        .push_back(RelayEvent::AttributesRemoved { chaddr });
                }
            }
        }
    }

    /// Nothing times out: held attributes last until replaced or the session ends.
    fn handle_timeout(&mut self, _now: u64) {}

    /// Requests to the servers.
    fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    fn poll_event(&mut self) -> Option<RelayEvent> {
        self.events.pop_front()
    }

    fn next_timeout(&self) -> Option<u64> {
        None
    }
}
