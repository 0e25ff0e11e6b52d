//! What a server does with relay encapsulations (RFC 8415 §9, §18.3.10, §19.3), shared by the
//! stimulus and the reference server: read the Relay-forward levels around a client message,
//! build the Relay-reply chain back through the same relays, and address the answer.

use mip6lab_wire::dhcpv6::{code, msg_type, DhcpOption, Duid, Repr};
use std::net::{Ipv6Addr, SocketAddr, SocketAddrV6};

/// One Relay-forward level, as a server keeps it to answer through it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelayLevel {
    pub hop_count: u8,
    pub link_address: Ipv6Addr,
    pub peer_address: Ipv6Addr,
    /// The level's first Interface-Id option, copied into its Relay-reply.
    pub interface_id: Option<Vec<u8>>,
    /// The content of each RSOO (RFC 6422 §3) at this level, in wire order (an empty RSOO
    /// counts, as an empty list).
    pub rsoos: Vec<Vec<DhcpOption>>,
}

/// The Relay-forward levels around a message, outermost first, and the message they carry
/// (`message` itself when it is not a Relay-forward). `None`: a Relay-forward without a
/// Relay Message option.
pub fn unwrap_relay_forwards(message: &Repr) -> Option<(Vec<RelayLevel>, &Repr)> {
    let mut levels = Vec::new();
    let mut m = message;
    while let Repr::Relay {
        msg_type: msg_type::RELAY_FORW,
        hop_count,
        link_address,
        peer_address,
        options,
    } = m
    {
        levels.push(RelayLevel {
            hop_count: *hop_count,
            link_address: *link_address,
            peer_address: *peer_address,
            interface_id: options.iter().find_map(|o| match o {
                DhcpOption::InterfaceId(d) => Some(d.clone()),
                _ => None,
            }),
            rsoos: options
                .iter()
                .filter_map(|o| match o {
                    DhcpOption::Rsoo(inner) => Some(inner.clone()),
                    _ => None,
                })
                .collect(),
        });
        m = m.relayed()?;
    }
    Some((levels, m))
}

/// The Relay-reply chain for the relays a request came through (outermost first): each
/// level's hop-count, link-address and peer-address, its Interface-Id if it had one, and the
/// next level (or the Reply's octets, as given) in a Relay Message option.
pub fn wrap_in_relay_replies(levels: &[RelayLevel], reply: &[u8]) -> mip6lab_wire::Result<Vec<u8>> {
    let mut inner = reply.to_vec();
    for level in levels.iter().rev() {
        let mut options = Vec::new();
        options.extend(level.interface_id.clone().map(DhcpOption::InterfaceId));
        options.push(DhcpOption::Other {
            code: code::RELAY_MSG,
            data: inner,
        });
        inner = Repr::Relay {
            msg_type: msg_type::RELAY_REPL,
            hop_count: level.hop_count,
            link_address: level.link_address,
            peer_address: level.peer_address,
            options,
        }
        .to_bytes()?;
    }
    Ok(inner)
}

/// Where an answer to a datagram from `from` goes: its source at `port` (RFC 8415 §18.3.10);
/// a link-local source without a zone gets `default_scope`, the receiving interface.
pub fn reply_destination(from: SocketAddr, port: u16, default_scope: u32) -> SocketAddr {
    let (ip, scope) = match from {
        SocketAddr::V6(a) => (*a.ip(), a.scope_id()),
        SocketAddr::V4(a) => (a.ip().to_ipv6_mapped(), 0),
    };
    let scope = if scope == 0 && is_link_local(ip) {
        default_scope
    } else {
        scope
    };
    SocketAddr::V6(SocketAddrV6::new(ip, port, 0, scope))
}

/// The DUID with the last octet of its data inverted: same type and layout, another value
/// (what a Reply with a wrong Client Identifier carries).
pub fn altered_duid(d: &Duid) -> Duid {
    let mut b = vec![0u8; d.buffer_len()];
    d.emit(&mut b);
    if let Some(last) = b.last_mut() {
        *last ^= 0xff;
    }
    Duid::parse(&b, 0).expect("the same layout parses")
}

pub(crate) fn is_link_local(a: Ipv6Addr) -> bool {
    a.segments()[0] & 0xffc0 == 0xfe80
}
