//! RFC 5555 UDP encapsulation (§4.1) for Mobility Header traffic: a whole IPv6 packet with
//! ESP inside a UDP datagram over IPv4, port 4191 at the HA. The kernel has no such tunnel, so
//! the HA and the MN seal and open the inner packets themselves (like their raw-socket ESP).

use crate::mhio;
use anyhow::{anyhow, Context, Result};
use mip6lab_engines::tunnel::UDP_TUNNEL_PORT;
use mip6lab_engines_io::ikev2::esp_io::{
    open_ipv6_packet, seal_ipv6_packet, Inbound, InboundSas, InnerMessage, MhFlow, OutboundSa,
    RecvError,
};
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use tokio::net::UdpSocket;

/// One end of UDP 4191 traffic, bound to an IPv4 address of this node.
pub struct UdpEncapsulation {
    sock: UdpSocket,
}

/// One datagram as it came: its sender and its payload.
pub struct Datagram {
    pub from: SocketAddrV4,
    pub payload: Vec<u8>,
}

impl UdpEncapsulation {
    /// Binds `addr`, port 4191 (the HA's port; the MN uses it as its source port too, so the
    /// HA's answers come back to the same socket).
    pub async fn bind(addr: Ipv4Addr) -> Result<UdpEncapsulation> {
        let at = SocketAddrV4::new(addr, UDP_TUNNEL_PORT);
        let sock = UdpSocket::bind(at)
            .await
            .with_context(|| format!("bind UDP {at} (RFC 5555 encapsulation)"))?;
        Ok(UdpEncapsulation { sock })
    }

    /// `msg` protected by `sa` along `flow`, sealed into an IPv6 packet and sent in UDP to
    /// `to`. Gives the ESP sequence number used.
    pub async fn send<M: InnerMessage>(
        &self,
        sa: &mut OutboundSa,
        msg: &M,
        flow: &MhFlow,
        to: SocketAddrV4,
    ) -> Result<u32> {
        let iv = mhio::random_iv(sa);
        let (packet, report) = seal_ipv6_packet(sa, msg, flow, &iv)
            .map_err(|e| anyhow!("seal {} for UDP {to}: {e}", msg.describe()))?;
        tokio::time::timeout(mhio::SEND_TIMEOUT, self.sock.send_to(&packet, to))
            .await
            .map_err(|_| anyhow!("send to UDP {to}: timed out"))?
            .with_context(|| format!("send to UDP {to}"))?;
        Ok(report.seq)
    }

    /// The next datagram (cancel-safe: nothing is read until it is returned).
    pub async fn recv(&self) -> Result<Datagram> {
        let mut buf = vec![0u8; 65536];
        let (n, from) = self.sock.recv_from(&mut buf).await?;
        let SocketAddr::V4(from) = from else {
            return Err(anyhow!("UDP 4191 datagram from {from}: not IPv4"));
        };
        buf.truncate(n);
        Ok(Datagram { from, payload: buf })
    }
}

impl Datagram {
    /// The inner packet opened with `sas`: `Ok(None)` for an IPv4 payload (data traffic, not
    /// ours to open) or an SPI none of `sas` has.
    pub fn open(&self, sas: &mut InboundSas) -> Result<Option<Inbound>, RecvError> {
        // §4.1: the version nibble after the UDP header says what is inside.
        match self.payload.first().map(|b| b >> 4) {
            Some(6) => open_ipv6_packet(sas, &self.payload),
            Some(4) => Ok(None),
            _ => Err(RecvError::Malformed(format!(
                "UDP 4191 payload from {} is neither IPv4 nor IPv6",
                self.from
            ))),
        }
    }
}

/// A receive on an optional socket: never ready without one (for `select!`).
pub async fn recv_if(udp: Option<&UdpEncapsulation>) -> Result<Datagram> {
    match udp {
        Some(u) => u.recv().await,
        None => std::future::pending().await,
    }
}
