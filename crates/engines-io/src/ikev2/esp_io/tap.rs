//! A passive AF_PACKET tap on ESP frames, and whole IPv6 packets with ESP for tunnels.

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

/// Opens a whole IPv6 packet carrying ESP that came out of a tunnel (RFC 5555 §4.1: IPv6 in
/// UDP 4191), like a received one: `Ok(None)` for an unknown SPI; a packet that is not ESP is
/// [`RecvError::Malformed`].
pub fn open_ipv6_packet(sas: &mut InboundSas, packet: &[u8]) -> Result<Option<Inbound>, RecvError> {
    let (mut meta, at, end) = parse_ipv6_esp(packet)
        .ok_or_else(|| RecvError::Malformed("not an IPv6 packet carrying ESP".into()))?;
    meta.via = Via::Tunnel;
    open_any(sas, &packet[at..end], meta)
}

/// `msg` protected by `sa` as a whole IPv6 packet along `flow` (IPv6 header, the flow's HAO or
/// RH2, ESP), for a tunnel to carry instead of the raw socket (RFC 5555 §4.1: every BU over an
/// IPv4 care-of address goes in UDP). `iv`: the cipher's IV length.
pub fn seal_ipv6_packet<M: InnerMessage>(
    sa: &mut OutboundSa,
    msg: &M,
    flow: &MhFlow,
    iv: &[u8],
) -> io::Result<(Vec<u8>, SendReport)> {
    let (cs, cd) = flow.checksum_addrs();
    let payload = msg
        .to_bytes_for(cs, cd)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e.to_string()))?;
    let seq = sa.take_seq()?;
    let esp_bytes = esp::encapsulate(sa.spi, seq, M::NEXT_HEADER, &payload, iv, &sa.keys)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e.to_string()))?;
    let packet = ipv6_packet(flow, &esp_bytes)?;
    let report = SendReport {
        spi: sa.spi,
        seq,
        esp: esp_bytes,
        mh: payload,
        rthdr: flow.rh2.map(|_| RthdrPath::HdrIncl),
    };
    Ok((packet, report))
}
