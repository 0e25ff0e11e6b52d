//! DHCPv6 (RFC 8415) with the MIPv6 bootstrapping options of RFC 6610 and the Relay-Supplied
//! Options option of RFC 6422, as a conformance tool needs it:
//!
//! - every RFC 8415 message type (§7.3): types 1–11 in the client/server format (§8), 12 and
//!   13 (Relay-forward, Relay-reply) in the relay format (§9) with hop-count, link-address
//!   and peer-address; any other type is kept raw ([`Repr::Other`]);
//! - options in wire order, duplicates kept, unknown codes kept raw ([`DhcpOption::Other`]);
//! - a Relay Message option's content is decoded by its own msg-type (a client message, or
//!   a relay message when relays are nested), never assumed;
//! - containers (RSOO; MIP6 VDINF, IDINF, UDINF) decoded recursively;
//! - nesting (relay messages and containers together) is limited to [`MAX_NESTING`] levels;
//! - errors name what and the offset in the outermost buffer; nothing panics on any input.
//!
//! Parsing checks encodings (lengths, labels, DUID layouts), not message rules: a
//! Relay-forward without a Relay Message option, an empty RSOO or container (RFC 6422 §3 and
//! RFC 6610 §3.2 say "one or more"), an HNP prefix-len over 128 or a hop-count at or over
//! [`HOP_COUNT_LIMIT`] parse, and judging them is the caller's business.
//!
//! Round trip: `emit(parse(x)) == x` for every `x` that parses (parsing keeps every octet:
//! there are no reserved bits and no padding in DHCPv6). Emitting writes what a `Repr` holds
//! without judging it, so a test can send messages parsing rejects.

pub mod fqdn;
pub mod option;
#[cfg(test)]
mod tests;

pub use fqdn::Fqdn;
pub use option::{code, duid_type, ipv4_embedded, option_name, status_name, DhcpOption, Duid};

use crate::names::registry;
use crate::view::{buffer_view, require_len, room_for};
use crate::{Error, Result};
use std::net::Ipv6Addr;

/// UDP port clients listen on (RFC 8415 §7.2).
pub const CLIENT_PORT: u16 = 546;
/// UDP port servers and relay agents listen on (RFC 8415 §7.2).
pub const SERVER_PORT: u16 = 547;
/// All_DHCP_Relay_Agents_and_Servers (RFC 8415 §7.1).
pub const ALL_RELAY_AGENTS_AND_SERVERS: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 1, 2);
/// All_DHCP_Servers (RFC 8415 §7.1).
pub const ALL_SERVERS: Ipv6Addr = Ipv6Addr::new(0xff05, 0, 0, 0, 0, 0, 1, 3);
/// A relay agent discards a message whose hop-count reached this (RFC 8415 §7.6, §19.1.2).
pub const HOP_COUNT_LIMIT: u8 = 8;
/// Relay messages and option containers nested deeper than this are an error: far more than
/// HOP_COUNT_LIMIT relays with containers inside need, and a bound on recursion for hostile
/// input (a 64 KiB message could otherwise nest thousands deep).
pub const MAX_NESTING: usize = 32;

registry! {
    /// Message types (RFC 8415 §7.3).
    pub mod msg_type: u8;
    /// The message type's name as RFC 8415 §7.3 writes it (`INFORMATION-REQUEST`, `RELAY-FORW`).
    pub fn message_name;
    SOLICIT = 1 => "SOLICIT",
    ADVERTISE = 2 => "ADVERTISE",
    REQUEST = 3 => "REQUEST",
    CONFIRM = 4 => "CONFIRM",
    RENEW = 5 => "RENEW",
    REBIND = 6 => "REBIND",
    REPLY = 7 => "REPLY",
    RELEASE = 8 => "RELEASE",
    DECLINE = 9 => "DECLINE",
    RECONFIGURE = 10 => "RECONFIGURE",
    INFORMATION_REQUEST = 11 => "INFORMATION-REQUEST",
    RELAY_FORW = 12 => "RELAY-FORW",
    RELAY_REPL = 13 => "RELAY-REPL",
}

/// Whether `t` uses the relay format of §9.
pub fn is_relay_type(t: u8) -> bool {
    matches!(t, msg_type::RELAY_FORW | msg_type::RELAY_REPL)
}

/// Whether `t` is a client/server message of §8 (RFC 8415 types 1–11).
pub fn is_client_server_type(t: u8) -> bool {
    (msg_type::SOLICIT..=msg_type::INFORMATION_REQUEST).contains(&t)
}

/// msg-type and transaction-id (§8).
pub const CLIENT_SERVER_HEADER_LEN: usize = 4;
/// msg-type, hop-count, link-address, peer-address (§9).
pub const RELAY_HEADER_LEN: usize = 34;

mod field {
    use std::ops::Range;
    pub const MSG_TYPE: usize = 0;
    pub const TRANSACTION_ID: Range<usize> = 1..4;
    pub const HOP_COUNT: usize = 1;
    pub const LINK_ADDRESS: Range<usize> = 2..18;
    pub const PEER_ADDRESS: Range<usize> = 18..34;
}

/// An error when nesting reaches past [`MAX_NESTING`] (`offset`: the option that nests).
pub(crate) fn check_depth(depth: usize, offset: usize) -> Result<()> {
    if depth > MAX_NESTING {
        Err(Error::new(
            offset,
            format!("relay messages and containers nested deeper than {MAX_NESTING} levels"),
        ))
    } else {
        Ok(())
    }
}

buffer_view! {
    /// A read view of a DHCPv6 message (a UDP payload, or a Relay Message option's data).
    /// [`Packet::new_checked`] makes every accessor safe.
    #[derive(Debug, Clone, PartialEq, Eq)]
    Packet
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// At least 4 octets (every DHCPv6 message has msg-type and 3 more), 34 for a relay
    /// message.
    pub fn new_checked(buffer: T) -> Result<Packet<T>> {
        let b = buffer.as_ref();
        let Some(&t) = b.first() else {
            return Err(Error::new(0, "empty DHCPv6 message"));
        };
        let need = Packet::<T>::header_len_of(t);
        require_len(b, need, |n| {
            let name = message_name(t).unwrap_or("message");
            format!("DHCPv6 {name} of {n} octets, header needs {need}")
        })?;
        Ok(Packet { buffer })
    }

    fn header_len_of(t: u8) -> usize {
        if is_relay_type(t) {
            RELAY_HEADER_LEN
        } else {
            CLIENT_SERVER_HEADER_LEN
        }
    }

    pub fn msg_type(&self) -> u8 {
        self.buffer.as_ref()[field::MSG_TYPE]
    }

    /// Octets before the options: 34 for a relay message, 4 otherwise.
    pub fn header_len(&self) -> usize {
        Packet::<T>::header_len_of(self.msg_type())
    }

    /// The 24-bit transaction-id of a client/server message (octets 1–3 raw otherwise).
    pub fn transaction_id(&self) -> u32 {
        let b = &self.buffer.as_ref()[field::TRANSACTION_ID];
        u32::from_be_bytes([0, b[0], b[1], b[2]])
    }

    /// Relay messages: hop-count (octet 1 raw otherwise).
    pub fn hop_count(&self) -> u8 {
        self.buffer.as_ref()[field::HOP_COUNT]
    }

    /// Relay messages only: link-address (`None` for other types).
    pub fn link_address(&self) -> Option<Ipv6Addr> {
        self.relay_address(field::LINK_ADDRESS)
    }

    /// Relay messages only: peer-address (`None` for other types).
    pub fn peer_address(&self) -> Option<Ipv6Addr> {
        self.relay_address(field::PEER_ADDRESS)
    }

    fn relay_address(&self, r: std::ops::Range<usize>) -> Option<Ipv6Addr> {
        if !is_relay_type(self.msg_type()) {
            return None;
        }
        let mut a = [0u8; 16];
        a.copy_from_slice(&self.buffer.as_ref()[r]);
        Some(Ipv6Addr::from(a))
    }

    /// The octets after the header: the options of RFC 8415 types, raw otherwise.
    pub fn options(&self) -> &[u8] {
        &self.buffer.as_ref()[self.header_len()..]
    }
}

/// A DHCPv6 message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Repr {
    /// Types 1–11 (§8). `transaction_id` is 24 bits.
    ClientServer {
        msg_type: u8,
        transaction_id: u32,
        options: Vec<DhcpOption>,
    },
    /// Relay-forward (12) or Relay-reply (13) (§9).
    Relay {
        msg_type: u8,
        hop_count: u8,
        link_address: Ipv6Addr,
        peer_address: Ipv6Addr,
        options: Vec<DhcpOption>,
    },
    /// Any other msg-type (types of other RFCs, or unassigned): the octets after msg-type.
    Other { msg_type: u8, body: Vec<u8> },
}

impl Repr {
    pub fn msg_type(&self) -> u8 {
        match self {
            Repr::ClientServer { msg_type, .. }
            | Repr::Relay { msg_type, .. }
            | Repr::Other { msg_type, .. } => *msg_type,
        }
    }

    /// The options in wire order (none for [`Repr::Other`]).
    pub fn options(&self) -> &[DhcpOption] {
        match self {
            Repr::ClientServer { options, .. } | Repr::Relay { options, .. } => options,
            Repr::Other { .. } => &[],
        }
    }

    /// Every top-level option with this code, in wire order.
    pub fn options_with(&self, code: u16) -> impl Iterator<Item = &DhcpOption> {
        self.options().iter().filter(move |o| o.code() == code)
    }

    /// The first Relay Message option's message.
    pub fn relayed(&self) -> Option<&Repr> {
        self.options().iter().find_map(|o| match o {
            DhcpOption::RelayMsg(m) => Some(&**m),
            _ => None,
        })
    }

    /// Follows Relay Message options down to the message the relays carry.
    pub fn innermost(&self) -> &Repr {
        let mut m = self;
        while let Some(inner) = m.relayed() {
            m = inner;
        }
        m
    }

    /// Decodes a checked view.
    pub fn parse<T: AsRef<[u8]>>(p: &Packet<T>) -> Result<Repr> {
        Repr::parse_view(p, 0, 0)
    }

    /// Parses `b`, all of which is the message.
    pub fn from_bytes(b: &[u8]) -> Result<Repr> {
        Repr::parse_at(b, 0, 0)
    }

    /// A message at offset `base` of the outermost buffer, inside `depth` levels of nesting.
    pub(crate) fn parse_at(b: &[u8], base: usize, depth: usize) -> Result<Repr> {
        let p = Packet::new_checked(b).map_err(|e| e.shifted(base))?;
        Repr::parse_view(&p, base, depth)
    }

    fn parse_view<T: AsRef<[u8]>>(p: &Packet<T>, base: usize, depth: usize) -> Result<Repr> {
        let t = p.msg_type();
        let options = || option::parse_options(p.options(), base + p.header_len(), depth);
        Ok(match (p.link_address(), p.peer_address()) {
            (Some(link_address), Some(peer_address)) => Repr::Relay {
                msg_type: t,
                hop_count: p.hop_count(),
                link_address,
                peer_address,
                options: options()?,
            },
            _ if is_client_server_type(t) => Repr::ClientServer {
                msg_type: t,
                transaction_id: p.transaction_id(),
                options: options()?,
            },
            _ => Repr::Other {
                msg_type: t,
                body: p.buffer.as_ref()[1..].to_vec(),
            },
        })
    }

    /// Octets of the message.
    pub fn buffer_len(&self) -> usize {
        match self {
            Repr::ClientServer { options, .. } => {
                CLIENT_SERVER_HEADER_LEN + option::options_len(options)
            }
            Repr::Relay { options, .. } => RELAY_HEADER_LEN + option::options_len(options),
            Repr::Other { body, .. } => 1 + body.len(),
        }
    }

    /// Writes the message into the first [`Repr::buffer_len`] octets of the view. Fails when
    /// the view is short, a transaction-id exceeds 24 bits or an option exceeds 65535 octets.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, p: &mut Packet<T>) -> Result<()> {
        let len = self.buffer_len();
        let out = room_for(p.buffer.as_mut(), len, "DHCPv6 message")?;
        self.emit_into(out, 0)
    }

    /// Emits into `out` of exactly [`Repr::buffer_len`] octets at `base` of the outermost one.
    pub(crate) fn emit_into(&self, out: &mut [u8], base: usize) -> Result<()> {
        out[field::MSG_TYPE] = self.msg_type();
        match self {
            Repr::ClientServer {
                transaction_id,
                options,
                ..
            } => {
                if *transaction_id > 0x00ff_ffff {
                    return Err(Error::new(
                        base + 1,
                        format!("transaction-id 0x{transaction_id:x} exceeds 24 bits"),
                    ));
                }
                out[field::TRANSACTION_ID].copy_from_slice(&transaction_id.to_be_bytes()[1..]);
                option::emit_options(
                    options,
                    &mut out[CLIENT_SERVER_HEADER_LEN..],
                    base + CLIENT_SERVER_HEADER_LEN,
                )
            }
            Repr::Relay {
                hop_count,
                link_address,
                peer_address,
                options,
                ..
            } => {
                out[field::HOP_COUNT] = *hop_count;
                out[field::LINK_ADDRESS].copy_from_slice(&link_address.octets());
                out[field::PEER_ADDRESS].copy_from_slice(&peer_address.octets());
                option::emit_options(
                    options,
                    &mut out[RELAY_HEADER_LEN..],
                    base + RELAY_HEADER_LEN,
                )
            }
            Repr::Other { body, .. } => {
                out[1..].copy_from_slice(body);
                Ok(())
            }
        }
    }

    /// The message's octets.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut b = vec![0u8; self.buffer_len()];
        self.emit(&mut Packet::new_unchecked(&mut b[..]))?;
        Ok(b)
    }
}
