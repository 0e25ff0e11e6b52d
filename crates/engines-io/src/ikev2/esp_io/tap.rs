//! A passive AF_PACKET tap on ESP frames.

use super::sys::*;
use super::*;

/// An `AF_PACKET` reader of one interface's IPv6 packets, whole (IPv6 header and extension
/// headers included), for ESP the kernel drops before raw-socket delivery (HAO or RH2 on a
/// kernel without MIPv6). Outgoing copies are ignored: only packets the interface received
/// (on `lo`: each packet once).
pub struct PacketTap {
    fd: AsyncFd<OwnedFd>,
    ifindex: c_int,
    pub stats: RecvStats,
}

impl PacketTap {
    /// Opens the tap on `ifname` (e.g. `lo`); needs `CAP_NET_RAW`. Open it before the
    /// packets of interest are sent. Call inside a tokio runtime.
    pub fn open(ifname: &str) -> io::Result<PacketTap> {
        let (fd, ifindex) = open_packet_socket(ifname)?;
        Ok(PacketTap {
            fd: register(fd)?,
            ifindex,
            stats: RecvStats::default(),
        })
    }

    /// Waits up to `timeout` for an IPv6 packet carrying ESP with a known SPI, walks its
    /// extension headers (HAO, RH2) and opens it like [`EspSocket::recv`].
    pub async fn recv(
        &mut self,
        sas: &mut InboundSas,
        timeout: Duration,
    ) -> Result<Received, RecvError> {
        self.recv_with(sas, timeout, open_mh).await
    }

    /// Like [`PacketTap::recv`], also for ICMPv6 Mobile Prefix Discovery (146/147) inside ESP
    /// (an MPS with HAO, an MPA with RH2: only the tap sees them on a kernel without MIPv6).
    pub async fn recv_any(
        &mut self,
        sas: &mut InboundSas,
        timeout: Duration,
    ) -> Result<Inbound, RecvError> {
        self.recv_with(sas, timeout, open_any).await
    }

    async fn recv_with<X>(
        &mut self,
        sas: &mut InboundSas,
        timeout: Duration,
        open: Opener<X>,
    ) -> Result<X, RecvError> {
        let ifindex = self.ifindex;
        recv_loop(&self.fd, &mut self.stats, sas, timeout, open, |fd, buf| {
            let (n, pkttype, idx) = packet_recvfrom(fd, buf)?;
            if pkttype == libc::PACKET_OUTGOING || idx != ifindex {
                return Ok(Packet::Ignored);
            }
            Ok(match parse_ipv6_esp(&buf[..n]) {
                Some((meta, at, end)) => Packet::Esp(meta, at..end),
                None => Packet::NotEsp,
            })
        })
        .await
    }
}

/// IPv6 header and extension headers up to ESP: the metadata and the ESP octets' range.
fn parse_ipv6_esp(p: &[u8]) -> Option<(Meta, usize, usize)> {
    let h = ipv6ext::FixedHeader::parse(p).filter(ipv6ext::FixedHeader::is_complete)?;
    let chain = ipv6ext::walk(h.next_header, h.payload).ok()?;
    if chain.upper != esp::IPPROTO_ESP {
        return None;
    }
    let meta = Meta {
        via: Via::Tap,
        src: h.src,
        dst: Some(h.dst),
        hao: chain.home_address().ok().flatten(),
        rh2: chain.rh2().ok().flatten(),
        ext_headers: chain.headers.iter().map(|h| h.kind).collect(),
    };
    let start = ipv6ext::FIXED_HEADER_LEN;
    Some((meta, start + chain.rest_offset, start + h.payload_len))
}
