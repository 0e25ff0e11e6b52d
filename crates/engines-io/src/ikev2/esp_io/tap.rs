//! A passive AF_PACKET tap on ESP frames.

use super::sys::*;
use super::*;

/// An `AF_PACKET` reader of one interface's IPv6 packets, whole (IPv6 header and extension
/// headers included), for ESP the kernel drops before raw-socket delivery (HAO or RH2 on a
/// kernel without MIPv6). Outgoing copies are ignored: only packets the interface received
/// (on `lo`: each packet once). It receives like [`EspSocket`], walking the extension headers
/// (HAO, RH2) itself.
pub type PacketTap = EspEndpoint<AfPacketTap>;

/// What an `AF_PACKET` tap keeps besides its descriptor.
pub struct AfPacketTap {
    ifindex: c_int,
}

impl EspEndpoint<AfPacketTap> {
    /// Opens the tap on `ifname` (e.g. `lo`); needs `CAP_NET_RAW`. Open it before the
    /// packets of interest are sent. Call inside a tokio runtime.
    pub fn open(ifname: &str) -> io::Result<PacketTap> {
        let (fd, ifindex) = open_packet_socket(ifname)?;
        Ok(EspEndpoint {
            fd: register(fd)?,
            socket: AfPacketTap { ifindex },
            read: read_tap,
            stats: RecvStats::default(),
        })
    }
}

/// One read of the tap: the interface's received IPv6 packets carrying ESP.
fn read_tap(tap: &AfPacketTap, fd: RawFd, buf: &mut [u8]) -> io::Result<Packet> {
    let (n, pkttype, idx) = packet_recvfrom(fd, buf)?;
    if pkttype == libc::PACKET_OUTGOING || idx != tap.ifindex {
        return Ok(Packet::Ignored);
    }
    Ok(match parse_ipv6_esp(&buf[..n]) {
        Some((meta, at, end)) => Packet::Esp(meta, at..end),
        None => Packet::NotEsp,
    })
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
