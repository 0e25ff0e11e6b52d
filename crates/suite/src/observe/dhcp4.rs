//! DHCPv4 (RFC 2131) as judges read it: the dual-stack scenario's co-located care-of address
//! from the server through the NAS's relay, with the home agent in option 68 (RFC 2132 §9.3)
//! and the relay's option 82 (RFC 3046) carrying RFC 4014 RADIUS attributes and RFC 3527
//! link selection, as the capture's DHCPv4 dissector shows them
//! (`crates/capture/src/dissect/dhcpv4.rs`).
//!
//! Order: [`Dhcp4Message::position`] is the entry's index in the observation's transcript.
//! The transaction ID is volatile (shown `*`) but kept in the part, so exchanges pair on it.

use super::{leading_number, parsed};
use crate::Observation;
use mip6lab_capture::{Decoded, Entry, Part};
use mip6lab_wire::dhcpv4::{message_type, BOOTREPLY, FLAG_BROADCAST};
use std::net::Ipv4Addr;

const PROTOCOL: &str = "DHCPv4";

/// Comma-joined IPv4 addresses; `None` if one does not read (empty for the zero-length form).
fn addresses(v: &str) -> Option<Vec<Ipv4Addr>> {
    if v.is_empty() {
        return Some(Vec::new());
    }
    v.split(',').map(|a| a.parse().ok()).collect()
}

/// The Relay Agent Information option (82, RFC 3046) a relay added.
#[derive(Debug, Clone, Copy)]
pub struct RelayAgentInfo<'a> {
    pub part: &'a Part,
}

impl<'a> RelayAgentInfo<'a> {
    fn sub(&self, name: &str) -> Option<&'a Part> {
        self.part.children.iter().find(|c| c.kind == name)
    }

    /// Agent Circuit ID (sub-option 1), as shown (`0x…`).
    pub fn circuit_id(&self) -> Option<&'a str> {
        self.sub("Agent Circuit ID")?.get("id")
    }

    /// Agent Remote ID (sub-option 2), as shown.
    pub fn remote_id(&self) -> Option<&'a str> {
        self.sub("Agent Remote ID")?.get("id")
    }

    /// Link Selection (sub-option 5, RFC 3527): the client's subnet.
    pub fn link_selection(&self) -> Option<Ipv4Addr> {
        parsed(self.sub("Link Selection")?, "subnet")
    }

    /// The RADIUS Attributes sub-option (7, RFC 4014): its attributes, shown as the RADIUS
    /// dissector shows them.
    pub fn radius_attributes(&self) -> &'a [Part] {
        self.sub("RADIUS Attributes")
            .map_or(&[], |p| p.children.as_slice())
    }

    /// The shown value of the Vendor-Specific sub-attribute `name` of `vendor` in the RADIUS
    /// Attributes sub-option (e.g. 24757, `WiMAX-vHA-IP-MIP4`: the FHA the AAAH assigned).
    pub fn vendor_attribute(&self, vendor: u32, name: &str) -> Option<&'a str> {
        let id = vendor.to_string();
        self.radius_attributes()
            .iter()
            .filter(|a| a.kind == "Vendor-Specific" && a.get("vendor") == Some(id.as_str()))
            .flat_map(|a| &a.children)
            .find(|s| s.kind == name)?
            .get("value")
    }
}

/// A DHCPv4 message on the wire.
#[derive(Debug, Clone)]
pub struct Dhcp4Message<'a> {
    pub entry: &'a Entry,
    /// Index of the entry in the observation's transcript: capture order.
    pub position: usize,
    /// The sender's and receiver's roles ([`Observation::role_of`] when the entry shows only
    /// an address).
    pub src: &'a str,
    pub dst: &'a str,
    /// The DHCP Message Type (option 53; `dhcpv4::message_type`), `None` for BOOTP.
    pub message_type: Option<u8>,
    pub part: &'a Part,
}

impl<'a> Dhcp4Message<'a> {
    pub fn frame(&self) -> u64 {
        self.entry.frame
    }

    /// Whether the message is of type `t` (`dhcpv4::message_type::ACK`, …).
    pub fn is(&self, t: u8) -> bool {
        self.message_type == Some(t)
    }

    /// The message's name as shown (`DHCPOFFER`, `BOOTREQUEST`, `message type 9`).
    pub fn name(&self) -> &'a str {
        &self.part.kind
    }

    pub fn op(&self) -> Option<u8> {
        parsed(self.part, "op")
    }

    /// A reply from a server (op BOOTREPLY), directly or relayed.
    pub fn is_reply(&self) -> bool {
        self.op() == Some(BOOTREPLY)
    }

    pub fn hops(&self) -> Option<u8> {
        parsed(self.part, "hops")
    }

    /// The transaction ID (volatile in text, kept in the part).
    pub fn xid(&self) -> Option<u32> {
        u32::from_str_radix(self.part.get("xid")?.strip_prefix("0x")?, 16).ok()
    }

    /// The BROADCAST flag (RFC 2131 §2).
    pub fn broadcast(&self) -> Option<bool> {
        let flags = self.part.get("flags")?.strip_prefix("0x")?;
        u16::from_str_radix(flags, 16)
            .ok()
            .map(|f| f & FLAG_BROADCAST != 0)
    }

    pub fn ciaddr(&self) -> Option<Ipv4Addr> {
        parsed(self.part, "ciaddr")
    }

    /// The address the server gives the client.
    pub fn yiaddr(&self) -> Option<Ipv4Addr> {
        parsed(self.part, "yiaddr")
    }

    pub fn siaddr(&self) -> Option<Ipv4Addr> {
        parsed(self.part, "siaddr")
    }

    /// The relay's address (0.0.0.0 from the client itself).
    pub fn giaddr(&self) -> Option<Ipv4Addr> {
        parsed(self.part, "giaddr")
    }

    /// The first option shown as `name` (its RFC 2132 name, or `option N`).
    pub fn option(&self, name: &str) -> Option<&'a Part> {
        self.part.children.iter().find(|c| c.kind == name)
    }

    pub fn subnet_mask(&self) -> Option<Ipv4Addr> {
        parsed(self.option("Subnet Mask")?, "address")
    }

    pub fn requested_address(&self) -> Option<Ipv4Addr> {
        parsed(self.option("Requested IP Address")?, "address")
    }

    pub fn server_identifier(&self) -> Option<Ipv4Addr> {
        parsed(self.option("Server Identifier")?, "address")
    }

    /// IP Address Lease Time (seconds).
    pub fn lease_time(&self) -> Option<u32> {
        parsed(self.option("IP Address Lease Time")?, "seconds")
    }

    /// Parameter Request List (option 55): the option codes asked for.
    pub fn parameter_request_list(&self) -> Option<Vec<u8>> {
        let codes = self.option("Parameter Request List")?.get("codes")?;
        if codes.is_empty() {
            return Some(Vec::new());
        }
        codes.split(',').map(|c| c.parse().ok()).collect()
    }

    pub fn routers(&self) -> Option<Vec<Ipv4Addr>> {
        addresses(self.option("Router")?.get("addresses")?)
    }

    /// Mobile IP Home Agent (option 68): the home agents offered; empty for the zero-length
    /// form (none available).
    pub fn mobile_ip_home_agents(&self) -> Option<Vec<Ipv4Addr>> {
        addresses(self.option("Mobile IP Home Agent")?.get("addresses")?)
    }

    /// The relay's option 82.
    pub fn relay_agent_information(&self) -> Option<RelayAgentInfo<'a>> {
        self.option("Relay Agent Information")
            .map(|part| RelayAgentInfo { part })
    }
}

impl Observation {
    /// Every DHCPv4 message, in capture order.
    pub fn dhcp4_messages(&self) -> impl Iterator<Item = Dhcp4Message<'_>> + '_ {
        self.transcript
            .entries
            .iter()
            .enumerate()
            .filter_map(move |(position, e)| {
                let Decoded::Message(m) = &e.decoded else {
                    return None;
                };
                (m.protocol == PROTOCOL).then(|| Dhcp4Message {
                    entry: e,
                    position,
                    src: self.role_or_name(&e.src, &e.src_addr),
                    dst: self.role_or_name(&e.dst, &e.dst_addr),
                    message_type: m
                        .children
                        .iter()
                        .find(|c| c.kind == "DHCP Message Type")
                        .and_then(|c| leading_number(c, "value")),
                    part: m,
                })
            })
    }

    /// DHCPv4 messages of type `t` sent by `src` (any role if `None`), in capture order.
    pub fn dhcp4_of_type<'a>(
        &'a self,
        t: u8,
        src: Option<&'a str>,
    ) -> impl Iterator<Item = Dhcp4Message<'a>> + 'a {
        self.dhcp4_messages()
            .filter(move |m| m.is(t) && src.is_none_or(|s| m.src == s))
    }

    /// The server's replies to `request` on every hop they crossed (server → relay, relay →
    /// client), in capture order: later BOOTREPLYs with its transaction ID that answer its
    /// type (RFC 2131 §3.1: OFFER a DISCOVER; ACK or NAK a REQUEST; ACK an INFORM), since
    /// the exchange keeps one transaction ID throughout.
    pub fn dhcp4_replies_to<'a>(&'a self, request: &Dhcp4Message) -> Vec<Dhcp4Message<'a>> {
        let Some(xid) = request.xid() else {
            return Vec::new();
        };
        let answers = |m: &Dhcp4Message| match request.message_type {
            Some(message_type::DISCOVER) => m.is(message_type::OFFER),
            Some(message_type::REQUEST) => m.is(message_type::ACK) || m.is(message_type::NAK),
            Some(message_type::INFORM) => m.is(message_type::ACK),
            // BOOTP: any reply.
            None => m.message_type.is_none(),
            Some(_) => false,
        };
        self.dhcp4_messages()
            .filter(|m| {
                m.position > request.position && m.is_reply() && m.xid() == Some(xid) && answers(m)
            })
            .collect()
    }

    /// The lease `client` got: the last DHCPACK answering its last DHCPREQUEST (as it reached
    /// the client's link when the relay's copy is there too). Its `yiaddr` is the address,
    /// e.g. the dual-stack MN's co-located care-of address.
    pub fn dhcp4_lease<'a>(&'a self, client: &str) -> Option<Dhcp4Message<'a>> {
        let request = self
            .dhcp4_of_type(message_type::REQUEST, None)
            .filter(|m| m.src == client)
            .last()?;
        self.dhcp4_replies_to(&request)
            .into_iter()
            .rfind(|m| m.is(message_type::ACK))
    }

    /// DHCPv4 payloads the dissector rejected, with its reason.
    pub fn malformed_dhcp4(&self) -> Vec<(&Entry, &str)> {
        self.malformed_of(PROTOCOL)
    }
}
