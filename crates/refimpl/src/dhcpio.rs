//! The DHCPv6 server port, shared by the roles that serve on it (`dhcpv6-stimulus`,
//! `dhcp-server`): UDP 547 on every address, joined to All_DHCP_Relay_Agents_and_Servers
//! and All_DHCP_Servers (RFC 8415 §7.1) on the interface of the node's own address.

use crate::config::Config;
use crate::events::emit;
use crate::mhio;
use crate::netwait::if_index;
use anyhow::{Context, Result};
use mip6lab_engines::io::SansIo;
use mip6lab_wire::dhcpv6::{ALL_RELAY_AGENTS_AND_SERVERS, ALL_SERVERS, SERVER_PORT};
use serde_json::json;
use std::net::{Ipv6Addr, SocketAddrV6};
use tokio::net::UdpSocket;

/// Sends every datagram `engine` has queued; a failed send is an `error` event line, not the
/// role's end (the next request gets its answer).
pub async fn send_queued<E: SansIo>(sock: &UdpSocket, engine: &mut E) {
    while let Some(t) = engine.poll_transmit() {
        if let Err(e) = sock.send_to(&t.payload, t.dst).await {
            emit(
                "error",
                json!({ "reason": format!("send to {}: {e}", t.dst) }),
            );
        }
    }
}

/// The bound, joined socket and the interface it listens on.
pub struct ServerSocket {
    pub sock: UdpSocket,
    pub ifname: String,
    pub ifindex: u32,
}

/// Binds [::]:547 and joins both server groups on the interface of `MIP6LAB_ADDR` (or of
/// the first awaited address), or `eth0` when neither is set.
pub async fn open_server_socket(cfg: &Config) -> Result<ServerSocket> {
    let ifname = match cfg.own_addr() {
        Ok(a) => mhio::interface_of(a)?,
        Err(_) => "eth0".to_string(),
    };
    let ifindex = if_index(&ifname)?;
    let bind = SocketAddrV6::new(Ipv6Addr::UNSPECIFIED, SERVER_PORT, 0, 0);
    let sock = UdpSocket::bind(bind)
        .await
        .with_context(|| format!("bind {bind}"))?;
    for group in [ALL_RELAY_AGENTS_AND_SERVERS, ALL_SERVERS] {
        sock.join_multicast_v6(&group, ifindex)
            .with_context(|| format!("join {group} on {ifname}"))?;
    }
    Ok(ServerSocket {
        sock,
        ifname,
        ifindex,
    })
}

/// The interface's link-layer address (`/sys/class/net/<if>/address`), for a DUID-LL.
pub fn link_layer_address(ifname: &str) -> Option<Vec<u8>> {
    let text = std::fs::read_to_string(format!("/sys/class/net/{ifname}/address")).ok()?;
    let octets: Option<Vec<u8>> = text
        .trim()
        .split(':')
        .map(|h| u8::from_str_radix(h, 16).ok())
        .collect();
    octets.filter(|o| !o.is_empty() && o.iter().any(|b| *b != 0))
}
