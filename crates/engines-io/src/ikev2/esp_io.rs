//! A thin tokio driver for Mobility Header messages over ESP in transport mode (RFC 4877),
//! for kernels without ESP (no `CONFIG_INET6_ESP`) and without Mobile IPv6
//! (no `CONFIG_IPV6_MIP6`): ESP is built and opened here, with [`mip6lab_wire::esp`], and
//! carried on a raw IPv6 socket of protocol 50 (Linux only: `libc` raw sockets,
//! `AF_PACKET`).
//!
//! # Sending ([`EspSocket::send_message`])
//!
//! MH octets with the checksum of RFC 6275 §6.1.1 (pseudo-header source = the HAO address
//! when one is sent, destination = the RH2 address when one is sent, see
//! [`mip6lab_wire::mh::checksum`]) → [`esp::encapsulate`] with next header 135, the SA's SPI,
//! its next sequence number and the caller's IV → `sendmsg` with ancillary data:
//!
//! - `IPV6_PKTINFO`: the IPv6 source address ([`MhFlow::src`], the care-of address of a BU).
//! - `IPV6_DSTOPTS`: a Destination Options header with the Home Address option
//!   ([`OptionsHeaderRepr::with_home_address`]). Linux keeps `IPV6_DSTOPTS` as the
//!   *destination options after the routing header* (`ipv6_txoptions.dst1opt`, pushed with
//!   the fragmentable part right before the upper-layer header); `IPV6_RTHDRDSTOPTS` would be
//!   the one before a routing header. So the chain on the wire is
//!   `IPv6 → [RH] → DestOpt(HAO) → ESP → (MH)`: ESP after the header that holds the HAO, as
//!   RFC 6275 §6.3 and RFC 4877 want (the HAO is visible to the HA before ESP processing).
//!   The test checks this ordering on the wire.
//! - `IPV6_RTHDR`: a type 2 routing header ([`Rh2Repr`]) for a BA to a mobile node away
//!   from home. With the RFC 3542 API the header given holds the *intermediate* address and
//!   the `sendmsg` destination is the final one; Linux writes the first address of the given
//!   header into the IPv6 destination and the `sendmsg` destination into the header. So the
//!   driver passes `RH2(care-of)` and sends to the home address: on the wire the IPv6
//!   destination is the care-of address and the RH2 holds the home address.
//!
//!   **Linux refuses routing type 2 with `EINVAL` unless built with `CONFIG_IPV6_MIP6`.**
//!   On `EINVAL`, when [`EspSocket::kernel_refuses_rh2`] confirms that this is the cause
//!   (and the source is an address of this host, as `IPV6_PKTINFO` would demand), the
//!   driver falls back to a second raw socket with `IPV6_HDRINCL`, on which
//!   it writes the IPv6 header, the RH2 (and the HAO header, if any) itself:
//!   [`RthdrPath::HdrIncl`] in the [`SendReport`].
//!
//! # Receiving
//!
//! Raw IPv6 sockets do not return the IPv6 header. [`EspSocket::recv`] takes the source
//! from `msg_name`, the destination from `IPV6_RECVPKTINFO`, and the HAO and RH2 from
//! `IPV6_RECVDSTOPTS` / `IPV6_RECVRTHDR`, then: SPI → [`InboundSa`] (unknown SPIs are
//! counted and skipped, RFC 4303 §3.4.2) → [`ReplayWindow::check`] → [`esp::open`] (ICV
//! first) → [`ReplayWindow::update`] → next header 135 → [`mh::Repr`], and the MH checksum
//! is verified with the recovered addresses.
//!
//! What a kernel without ESP and MIPv6 does (observed on 6.18, `CONFIG_INET6_ESP` and
//! `CONFIG_IPV6_MIP6` not set):
//! - plain `IPv6 → ESP` on loopback is delivered to every raw socket of protocol 50 (raw
//!   delivery happens before the missing protocol handler; no ICMP is sent back).
//! - `IPv6 → DestOpt(HAO) → ESP` is **dropped by the receiving stack** before raw delivery:
//!   option type 0xC9 is unknown to it and its two high bits say "discard and send a
//!   Parameter Problem" (`Ip6InHdrErrors`, `Icmp6OutParmProblems` grow).
//! - `IPv6 → RH2(Segments Left 1) → ESP` is dropped the same way (unknown routing type
//!   with Segments Left ≠ 0). With Segments Left 0 it would be delivered, with the header
//!   in `IPV6_RTHDR` ancillary data.
//!
//! So on such a kernel a BU with HAO or a BA with RH2 can only be *received* below IPv6:
//! [`PacketTap`] reads the interface with an `AF_PACKET` socket (it sees the whole IPv6
//! packet, before the stack drops it), walks the extension headers with
//! [`ipv6ext::walk`], and opens the ESP the same way. On a kernel with `CONFIG_IPV6_MIP6`
//! the raw socket path sees them too.
//!
//! ICMPv6 Mobile Prefix Discovery (146/147, RFC 6275 §6.7–6.8) travels the same way, with
//! ESP next header 58: [`EspSocket::send_message`], and `recv_any` on either receiver, which gives
//! an [`Inbound`] (MH or MPD).
//!
//! Every wait is bounded by a timeout parameter.

use mip6lab_engines::ikev2::ChildSa;
use mip6lab_wire::crypto::DirectionKeys;
use mip6lab_wire::esp::{self, Replay, ReplayWindow};
use mip6lab_wire::ipv6ext::{self, OptionsHeaderRepr, Rh2Repr};
use mip6lab_wire::mh;
use mip6lab_wire::mpd;
use std::ffi::{c_int, c_void, CString};
use std::fmt;
use std::io;
use std::mem::size_of;
use std::net::Ipv6Addr;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::time::Duration;
use tokio::io::unix::AsyncFd;

// The AF_PACKET helpers serve the EAPOL driver too (`crate::eapol`).
pub(crate) mod sys;
mod tap;

use sys::*;
pub use sys::{open_packet_socket, packet_recvfrom};
pub use tap::*;

/// The outbound half of a Child SA: keys, SPI and the next sequence number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundSa {
    pub spi: u32,
    pub keys: DirectionKeys,
    /// The sequence number of the next packet (1 first; 0 once the 32-bit space is used up).
    pub next_seq: u32,
}

impl OutboundSa {
    pub fn new(spi: u32, keys: DirectionKeys) -> OutboundSa {
        OutboundSa {
            spi,
            keys,
            next_seq: 1,
        }
    }

    /// The outbound direction of a Child SA the engine set up.
    pub fn from_child(c: &ChildSa) -> OutboundSa {
        OutboundSa::new(c.outbound_spi, c.outbound.clone())
    }

    /// Takes the next sequence number. No ESN: after 2^32 − 1 packets the SA must be rekeyed
    /// (RFC 4303 §3.3.3), and this refuses.
    pub fn take_seq(&mut self) -> io::Result<u32> {
        if self.next_seq == 0 {
            return Err(io::Error::other(
                "ESP sequence numbers exhausted (no ESN): rekey the Child SA",
            ));
        }
        let s = self.next_seq;
        self.next_seq = s.wrapping_add(1);
        Ok(s)
    }
}

/// The inbound half of a Child SA with its anti-replay window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundSa {
    pub spi: u32,
    pub keys: DirectionKeys,
    pub window: ReplayWindow,
}

impl InboundSa {
    pub fn new(spi: u32, keys: DirectionKeys) -> InboundSa {
        InboundSa {
            spi,
            keys,
            window: ReplayWindow::new(),
        }
    }

    pub fn from_child(c: &ChildSa) -> InboundSa {
        InboundSa::new(c.inbound_spi, c.inbound.clone())
    }
}

/// The inbound SAs a receiver knows, looked up by SPI.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InboundSas {
    pub sas: Vec<InboundSa>,
}

impl InboundSas {
    pub fn new() -> InboundSas {
        InboundSas::default()
    }

    /// Adds (or replaces, by SPI) an SA.
    pub fn insert(&mut self, sa: InboundSa) {
        self.sas.retain(|s| s.spi != sa.spi);
        self.sas.push(sa);
    }

    pub fn get_mut(&mut self, spi: u32) -> Option<&mut InboundSa> {
        self.sas.iter_mut().find(|s| s.spi == spi)
    }

    pub fn get(&self, spi: u32) -> Option<&InboundSa> {
        self.sas.iter().find(|s| s.spi == spi)
    }
}

/// The addresses and extension headers of one MH flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MhFlow {
    /// IPv6 source (`IPV6_PKTINFO`): the care-of address of a BU sent from abroad.
    pub src: Ipv6Addr,
    /// IPv6 destination: the HA for a BU, the care-of address for a BA with RH2.
    pub dst: Ipv6Addr,
    /// Home Address option in a Destination Options header (after any RH, before ESP).
    pub hao: Option<Ipv6Addr>,
    /// Type 2 routing header holding this (home) address.
    pub rh2: Option<Ipv6Addr>,
}

impl MhFlow {
    /// No extension headers.
    pub fn plain(src: Ipv6Addr, dst: Ipv6Addr) -> MhFlow {
        MhFlow {
            src,
            dst,
            hao: None,
            rh2: None,
        }
    }

    /// MN → HA BU from a care-of address: source = `coa`, HAO = `hoa`.
    pub fn bu_from_care_of(coa: Ipv6Addr, ha: Ipv6Addr, hoa: Ipv6Addr) -> MhFlow {
        MhFlow {
            src: coa,
            dst: ha,
            hao: Some(hoa),
            rh2: None,
        }
    }

    /// HA → MN BA to a care-of address: destination = `coa`, RH2 = `hoa`.
    pub fn ba_to_care_of(ha: Ipv6Addr, coa: Ipv6Addr, hoa: Ipv6Addr) -> MhFlow {
        MhFlow {
            src: ha,
            dst: coa,
            hao: None,
            rh2: Some(hoa),
        }
    }

    /// The MH checksum pseudo-header addresses (HAO as source, RH2 as destination).
    pub fn checksum_addrs(&self) -> (Ipv6Addr, Ipv6Addr) {
        mh::checksum::pseudo_header_addresses(self.src, self.dst, self.hao, self.rh2)
    }
}

/// A message that travels inside ESP along an [`MhFlow`], with its checksum over the flow's
/// pseudo-header addresses: an MH, or a Mobile Prefix Solicitation or Advertisement (the
/// ICMPv6 checksum takes the same addresses: the HAO's HoA as source, RFC 6275 §11.3.1; the
/// RH2's HoA as final destination).
pub trait InnerMessage {
    /// ESP's Next Header for it.
    const NEXT_HEADER: u8;
    /// Its octets with the checksum for the pseudo-header addresses `src` → `dst`.
    fn to_bytes_for(&self, src: Ipv6Addr, dst: Ipv6Addr) -> mip6lab_wire::Result<Vec<u8>>;
    /// What it is, for messages about it (`MH`, `ICMPv6 146`).
    fn describe(&self) -> String;
    /// Parses `bytes`, all of which is the message.
    fn parse(bytes: &[u8]) -> mip6lab_wire::Result<Self>
    where
        Self: Sized;
    /// Whether the checksum of `bytes` holds for the pseudo-header addresses `src` → `dst`.
    fn checksum_ok(src: Ipv6Addr, dst: Ipv6Addr, bytes: &[u8]) -> bool;
}

impl InnerMessage for mh::Repr {
    const NEXT_HEADER: u8 = mh::NEXT_HEADER;
    fn to_bytes_for(&self, src: Ipv6Addr, dst: Ipv6Addr) -> mip6lab_wire::Result<Vec<u8>> {
        self.to_bytes_with_checksum(&src, &dst)
    }
    fn describe(&self) -> String {
        "MH".into()
    }
    fn parse(bytes: &[u8]) -> mip6lab_wire::Result<Self> {
        mh::Repr::from_bytes(bytes)
    }
    fn checksum_ok(src: Ipv6Addr, dst: Ipv6Addr, bytes: &[u8]) -> bool {
        mh::checksum::verify(&src, &dst, bytes)
    }
}

impl InnerMessage for mpd::Repr {
    const NEXT_HEADER: u8 = mip6lab_wire::nd::NEXT_HEADER_ICMPV6;
    fn to_bytes_for(&self, src: Ipv6Addr, dst: Ipv6Addr) -> mip6lab_wire::Result<Vec<u8>> {
        self.to_bytes(src, dst)
    }
    fn describe(&self) -> String {
        format!("ICMPv6 {}", self.icmp_type())
    }
    fn parse(bytes: &[u8]) -> mip6lab_wire::Result<Self> {
        mpd::Repr::from_bytes(bytes)
    }
    fn checksum_ok(src: Ipv6Addr, dst: Ipv6Addr, bytes: &[u8]) -> bool {
        mip6lab_wire::nd::verify_checksum(&src, &dst, bytes)
    }
}

/// How a type 2 routing header went out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RthdrPath {
    /// `IPV6_RTHDR` ancillary data (the kernel built it: needs `CONFIG_IPV6_MIP6`).
    Cmsg,
    /// The kernel refused type 2 (`EINVAL`): written by hand on an `IPV6_HDRINCL` socket.
    HdrIncl,
}

/// What [`EspSocket::send_message`] sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendReport {
    pub spi: u32,
    pub seq: u32,
    /// The ESP packet (header to ICV), e.g. to replay it.
    pub esp: Vec<u8>,
    /// The MH octets inside (checksum filled).
    pub mh: Vec<u8>,
    /// `Some` when an RH2 was sent.
    pub rthdr: Option<RthdrPath>,
}

/// Which socket a packet came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// The raw ESP socket (headers from ancillary data).
    RawSocket,
    /// The `AF_PACKET` tap (the whole IPv6 packet).
    Tap,
    /// A whole IPv6 packet that came out of a tunnel (RFC 5555 UDP 4191,
    /// [`open_ipv6_packet`]).
    Tunnel,
}

/// An opened, parsed packet: an MH ([`Received`]) or a Mobile Prefix Solicitation or
/// Advertisement ([`ReceivedMpd`], ICMPv6 146/147, RFC 6275 §6.7, §6.8), with what is known
/// of the packet around it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received<M = mh::Repr> {
    pub via: Via,
    /// IPv6 source.
    pub src: Ipv6Addr,
    /// IPv6 destination (`None` if the kernel gave no `IPV6_PKTINFO`).
    pub dst: Option<Ipv6Addr>,
    pub hao: Option<Ipv6Addr>,
    pub rh2: Option<Rh2Repr>,
    /// Extension headers before ESP, in order (Next Header values: 60, 43, …). From the tap
    /// this is the wire order; from the raw socket it is rebuilt from ancillary data (RH
    /// first, then destination options).
    pub ext_headers: Vec<u8>,
    pub spi: u32,
    pub seq: u32,
    pub repr: M,
    /// The MH or ICMPv6 octets (after ESP).
    pub payload: Vec<u8>,
    /// MH or ICMPv6 checksum with HAO / RH2 applied; `None` if the destination is unknown.
    pub checksum_ok: Option<bool>,
    /// The ESP packet as received.
    pub esp: Vec<u8>,
}

/// An opened Mobile Prefix Solicitation or Advertisement.
pub type ReceivedMpd = Received<mpd::Repr>;

/// What [`EspEndpoint::recv_any`] opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inbound {
    Mh(Received),
    Mpd(ReceivedMpd),
}

impl Inbound {
    /// The SPI of the SA that protected it.
    pub fn spi(&self) -> u32 {
        match self {
            Inbound::Mh(r) => r.spi,
            Inbound::Mpd(r) => r.spi,
        }
    }
}

/// Why a receive did not give an MH. Packets with an unknown SPI are not errors: they are
/// counted in [`RecvStats`] and skipped.
#[derive(Debug)]
pub enum RecvError {
    Io(io::Error),
    /// Nothing acceptable before the timeout.
    TimedOut,
    /// Shorter than an ESP header.
    Malformed(String),
    /// Refused by the anti-replay window (before the ICV check).
    Replay {
        spi: u32,
        seq: u32,
        why: Replay,
    },
    /// ICV, decryption or padding failure.
    Integrity {
        spi: u32,
        seq: u32,
        detail: String,
    },
    /// Authentic, but the next header is not 135.
    NotMh {
        spi: u32,
        seq: u32,
        next_header: u8,
    },
    /// Authentic, next header 135, but the MH does not parse.
    Mh {
        spi: u32,
        seq: u32,
        detail: String,
    },
    /// Authentic ICMPv6 146/147 that does not parse.
    Mpd {
        spi: u32,
        seq: u32,
        detail: String,
    },
}

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecvError::Io(e) => write!(f, "I/O: {e}"),
            RecvError::TimedOut => write!(f, "timed out"),
            RecvError::Malformed(s) => write!(f, "malformed ESP: {s}"),
            RecvError::Replay { spi, seq, why } => {
                write!(f, "SPI {spi:#010x} seq {seq}: replay ({why:?})")
            }
            RecvError::Integrity { spi, seq, detail } => {
                write!(f, "SPI {spi:#010x} seq {seq}: {detail}")
            }
            RecvError::NotMh {
                spi,
                seq,
                next_header,
            } => write!(
                f,
                "SPI {spi:#010x} seq {seq}: next header {next_header}, not MH"
            ),
            RecvError::Mh { spi, seq, detail } => {
                write!(f, "SPI {spi:#010x} seq {seq}: bad MH: {detail}")
            }
            RecvError::Mpd { spi, seq, detail } => {
                write!(
                    f,
                    "SPI {spi:#010x} seq {seq}: bad Mobile Prefix message: {detail}"
                )
            }
        }
    }
}

impl std::error::Error for RecvError {}

impl From<io::Error> for RecvError {
    fn from(e: io::Error) -> Self {
        RecvError::Io(e)
    }
}

/// Packets skipped while receiving.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RecvStats {
    /// ESP with an SPI no [`InboundSa`] has.
    pub unknown_spi: u64,
    /// Tap only: IPv6 packets that are not ESP or whose header chain does not parse.
    pub not_esp: u64,
}

/// The packet around an ESP payload, as far as it is known.
struct Meta {
    via: Via,
    src: Ipv6Addr,
    dst: Option<Ipv6Addr>,
    hao: Option<Ipv6Addr>,
    rh2: Option<Rh2Repr>,
    ext_headers: Vec<u8>,
}

/// An authentic ESP payload and where it came from.
struct Opened {
    meta: Meta,
    spi: u32,
    seq: u32,
    next_header: u8,
    payload: Vec<u8>,
    esp: Vec<u8>,
}

impl Opened {
    /// The pseudo-header addresses of the inner checksum (HAO as source, RH2 as final
    /// destination), when the destination is known.
    fn checksum_addrs(&self) -> Option<(Ipv6Addr, Ipv6Addr)> {
        let m = &self.meta;
        m.dst.map(|dst| {
            mh::checksum::pseudo_header_addresses(m.src, dst, m.hao, m.rh2.map(|r| r.home_address))
        })
    }
}

/// SPI lookup, anti-replay, ESP open. `Ok(None)`: unknown SPI.
fn open_esp(sas: &mut InboundSas, bytes: &[u8], meta: Meta) -> Result<Option<Opened>, RecvError> {
    let p = esp::Packet::new_checked(bytes).map_err(|e| RecvError::Malformed(e.to_string()))?;
    let (spi, seq) = (p.spi(), p.seq());
    let Some(sa) = sas.get_mut(spi) else {
        return Ok(None);
    };
    sa.window
        .check(seq)
        .map_err(|why| RecvError::Replay { spi, seq, why })?;
    let d = esp::open(bytes, &sa.keys).map_err(|e| RecvError::Integrity {
        spi,
        seq,
        detail: e.to_string(),
    })?;
    sa.window
        .update(seq)
        .map_err(|why| RecvError::Replay { spi, seq, why })?;
    Ok(Some(Opened {
        meta,
        spi,
        seq,
        next_header: d.next_header,
        payload: d.payload,
        esp: bytes.to_vec(),
    }))
}

impl Opened {
    /// The parsed message `repr` with the packet facts.
    fn into_received<M>(self, repr: M, checksum_ok: Option<bool>) -> Received<M> {
        let m = self.meta;
        Received {
            via: m.via,
            src: m.src,
            dst: m.dst,
            hao: m.hao,
            rh2: m.rh2,
            ext_headers: m.ext_headers,
            spi: self.spi,
            seq: self.seq,
            repr,
            payload: self.payload,
            checksum_ok,
            esp: self.esp,
        }
    }
}

/// An opened payload parsed as `M`; a parse failure is `malformed(spi, seq, reason)`.
fn parse_opened<M: InnerMessage>(
    o: Opened,
    malformed: fn(u32, u32, String) -> RecvError,
) -> Result<Received<M>, RecvError> {
    let repr = M::parse(&o.payload).map_err(|e| malformed(o.spi, o.seq, e.to_string()))?;
    let checksum_ok = o
        .checksum_addrs()
        .map(|(s, t)| M::checksum_ok(s, t, &o.payload));
    Ok(o.into_received(repr, checksum_ok))
}

/// An opened payload as an MH (next header 135) or Mobile Prefix Discovery (58, 146/147).
fn classify(o: Opened) -> Result<Inbound, RecvError> {
    if o.next_header == mh::NEXT_HEADER {
        return parse_opened(o, |spi, seq, detail| RecvError::Mh { spi, seq, detail })
            .map(Inbound::Mh);
    }
    if mpd::is_mpd(o.next_header, &o.payload) {
        return parse_opened(o, |spi, seq, detail| RecvError::Mpd { spi, seq, detail })
            .map(Inbound::Mpd);
    }
    Err(RecvError::NotMh {
        spi: o.spi,
        seq: o.seq,
        next_header: o.next_header,
    })
}

/// What one read of a receive loop gave.
enum Packet {
    /// An ESP packet at this range of the buffer, and what is known of the packet around it.
    Esp(Meta, std::ops::Range<usize>),
    /// Not for this receiver (the tap's outgoing copies, another interface).
    Ignored,
    /// Not ESP, or a header chain that does not parse (counted in [`RecvStats::not_esp`]).
    NotEsp,
}

/// The receive loop of [`EspSocket`] and [`PacketTap`]: `read`s packets from `fd` until one
/// opens with a known SPI, for up to `timeout`; unknown SPIs and non-ESP packets are counted
/// in `stats` and skipped, any other failure of a packet ends it with that error.
async fn recv_loop<X>(
    fd: &AsyncFd<OwnedFd>,
    stats: &mut RecvStats,
    sas: &mut InboundSas,
    timeout: Duration,
    open: Opener<X>,
    read: impl Fn(RawFd, &mut [u8]) -> io::Result<Packet>,
) -> Result<X, RecvError> {
    let fut = async {
        let mut buf = vec![0u8; 65536];
        loop {
            let mut g = fd.readable().await?;
            let packet = match g.try_io(|inner| read(inner.as_raw_fd(), &mut buf)) {
                Ok(r) => r?,
                Err(_would_block) => continue,
            };
            match packet {
                Packet::Esp(meta, range) => match open(sas, &buf[range], meta)? {
                    Some(r) => return Ok(r),
                    None => stats.unknown_spi += 1,
                },
                Packet::Ignored => {}
                Packet::NotEsp => stats.not_esp += 1,
            }
        }
    };
    tokio::time::timeout(timeout, fut)
        .await
        .map_err(|_| RecvError::TimedOut)?
}

/// How a receive loop turns an ESP packet into what its caller wants.
type Opener<X> = fn(&mut InboundSas, &[u8], Meta) -> Result<Option<X>, RecvError>;

/// [`open_esp`] then [`classify`]; `Ok(None)`: unknown SPI.
fn open_any(sas: &mut InboundSas, bytes: &[u8], m: Meta) -> Result<Option<Inbound>, RecvError> {
    open_esp(sas, bytes, m)?.map(classify).transpose()
}

/// Like [`open_any`], MH only: anything else is [`RecvError::NotMh`] (the packet is consumed).
fn open_mh(sas: &mut InboundSas, bytes: &[u8], m: Meta) -> Result<Option<Received>, RecvError> {
    match open_any(sas, bytes, m)? {
        None => Ok(None),
        Some(Inbound::Mh(r)) => Ok(Some(r)),
        Some(Inbound::Mpd(r)) => Err(RecvError::NotMh {
            spi: r.spi,
            seq: r.seq,
            next_header: mip6lab_wire::nd::NEXT_HEADER_ICMPV6,
        }),
    }
}

fn timed_out() -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, "ESP socket: timed out")
}

/// One end of ESP traffic that opens what it receives: a raw ESP socket ([`EspSocket`], which
/// also sends) or an `AF_PACKET` tap ([`PacketTap`]). `S` is what the kind of socket keeps.
pub struct EspEndpoint<S> {
    fd: AsyncFd<OwnedFd>,
    socket: S,
    /// Reads one packet from `fd` (see [`recv_loop`]).
    read: fn(&S, RawFd, &mut [u8]) -> io::Result<Packet>,
    pub stats: RecvStats,
}

/// A raw IPv6 socket of protocol 50 (ESP) with an async face.
pub type EspSocket = EspEndpoint<RawEspSocket>;

/// What a raw ESP socket keeps besides its descriptor.
pub struct RawEspSocket {
    /// The `IPV6_HDRINCL` socket for routing headers the kernel refuses, made on first use.
    hdrincl: std::sync::OnceLock<AsyncFd<OwnedFd>>,
    refuses_rh2: std::sync::OnceLock<bool>,
}

impl<S> EspEndpoint<S> {
    /// Waits up to `timeout` for an ESP packet with a known SPI and opens it (see the module
    /// documentation): an MH only. Unknown SPIs are skipped and counted; any other failure of
    /// a packet ends the call with that error (the packet is consumed).
    pub async fn recv(
        &mut self,
        sas: &mut InboundSas,
        timeout: Duration,
    ) -> Result<Received, RecvError> {
        self.recv_with(sas, timeout, open_mh).await
    }

    /// Like [`EspEndpoint::recv`], also for ICMPv6 Mobile Prefix Discovery (146/147) inside
    /// ESP (an MPS with HAO, an MPA with RH2: only the tap sees them on a kernel without
    /// MIPv6).
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
        let (socket, read) = (&self.socket, self.read);
        recv_loop(&self.fd, &mut self.stats, sas, timeout, open, |fd, buf| {
            read(socket, fd, buf)
        })
        .await
    }
}

/// One read of the raw ESP socket: the packet facts come from ancillary data.
fn read_raw_socket(_: &RawEspSocket, fd: RawFd, buf: &mut [u8]) -> io::Result<Packet> {
    let m = recvmsg6(fd, buf)?;
    let hao = m
        .dstopts
        .iter()
        .filter_map(|d| OptionsHeaderRepr::from_bytes(d).ok())
        .find_map(|h| h.home_address());
    let rh2 = m.rthdrs.iter().find_map(|r| Rh2Repr::from_bytes(r).ok());
    let mut ext_headers = vec![ipv6ext::ROUTING; m.rthdrs.len()];
    ext_headers.extend(vec![ipv6ext::DESTINATION_OPTIONS; m.dstopts.len()]);
    let meta = Meta {
        via: Via::RawSocket,
        src: m.src,
        dst: m.dst,
        hao,
        rh2,
        ext_headers,
    };
    Ok(Packet::Esp(meta, 0..m.len))
}

impl EspEndpoint<RawEspSocket> {
    /// Opens the socket (needs `CAP_NET_RAW`: `EPERM` without it), bound to `bind` when
    /// given (only packets to that address are received), with `IPV6_RECVPKTINFO`,
    /// `IPV6_RECVDSTOPTS` and `IPV6_RECVRTHDR` on. Call inside a tokio runtime.
    pub fn open(bind: Option<Ipv6Addr>) -> io::Result<EspSocket> {
        let fd = new_socket(
            libc::AF_INET6,
            libc::SOCK_RAW,
            c_int::from(esp::IPPROTO_ESP),
        )?;
        let raw = fd.as_raw_fd();
        for opt in [
            libc::IPV6_RECVPKTINFO,
            libc::IPV6_RECVDSTOPTS,
            libc::IPV6_RECVRTHDR,
        ] {
            set_int(raw, libc::IPPROTO_IPV6, opt, 1)?;
        }
        if let Some(a) = bind {
            bind6(raw, a)?;
        }
        Ok(EspEndpoint {
            fd: register(fd)?,
            socket: RawEspSocket {
                hdrincl: std::sync::OnceLock::new(),
                refuses_rh2: std::sync::OnceLock::new(),
            },
            read: read_raw_socket,
            stats: RecvStats::default(),
        })
    }

    fn hdrincl_socket(&self) -> io::Result<&AsyncFd<OwnedFd>> {
        if let Some(s) = self.socket.hdrincl.get() {
            return Ok(s);
        }
        let fd = new_socket(
            libc::AF_INET6,
            libc::SOCK_RAW,
            c_int::from(esp::IPPROTO_ESP),
        )?;
        set_int(fd.as_raw_fd(), libc::IPPROTO_IPV6, libc::IPV6_HDRINCL, 1)?;
        let _ = self.socket.hdrincl.set(register(fd)?);
        Ok(self.socket.hdrincl.get().expect("just set"))
    }

    /// Whether this kernel refuses type 2 routing headers from sockets (no
    /// `CONFIG_IPV6_MIP6`): asked once with a sticky `IPV6_RTHDR` on a scratch socket, which
    /// runs the same check as the ancillary data and sends nothing. An `EINVAL` from
    /// `sendmsg` only leads to the `IPV6_HDRINCL` path when this says yes, so other
    /// `EINVAL`s (a source address that is not local, …) are reported as they are.
    pub fn kernel_refuses_rh2(&self) -> bool {
        *self.socket.refuses_rh2.get_or_init(|| {
            let Ok(fd) = new_socket(
                libc::AF_INET6,
                libc::SOCK_RAW,
                c_int::from(esp::IPPROTO_ESP),
            ) else {
                return false;
            };
            let rh = Rh2Repr::new(esp::IPPROTO_ESP, Ipv6Addr::LOCALHOST).to_bytes();
            // SAFETY: `rh` lives across the call and its length is passed.
            let r = unsafe {
                libc::setsockopt(
                    fd.as_raw_fd(),
                    libc::IPPROTO_IPV6,
                    libc::IPV6_RTHDR,
                    rh.as_ptr() as *const c_void,
                    rh.len() as libc::socklen_t,
                )
            };
            r < 0 && io::Error::last_os_error().raw_os_error() == Some(libc::EINVAL)
        })
    }

    /// Sends `msg` (an MH, an MPS with [`MhFlow::bu_from_care_of`], an MPA with
    /// [`MhFlow::ba_to_care_of`]) protected by `sa` along `flow`: checksum per
    /// [`MhFlow::checksum_addrs`], ESP with the SA's next sequence number and `iv` (the
    /// cipher's IV length), HAO / RH2 as the flow says. Bounded by `timeout`.
    pub async fn send_message<M: InnerMessage>(
        &self,
        sa: &mut OutboundSa,
        msg: &M,
        flow: &MhFlow,
        iv: &[u8],
        timeout: Duration,
    ) -> io::Result<SendReport> {
        let (cs, cd) = flow.checksum_addrs();
        let bytes = msg
            .to_bytes_for(cs, cd)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e.to_string()))?;
        self.send_payload(sa, M::NEXT_HEADER, bytes, flow, iv, timeout)
            .await
    }

    /// Like [`EspSocket::send_message`] with the inner octets as given (any next header, any
    /// checksum): for conformance tests that send what a correct sender would not.
    pub async fn send_payload(
        &self,
        sa: &mut OutboundSa,
        next_header: u8,
        payload: Vec<u8>,
        flow: &MhFlow,
        iv: &[u8],
        timeout: Duration,
    ) -> io::Result<SendReport> {
        let seq = sa.take_seq()?;
        let pkt = esp::encapsulate(sa.spi, seq, next_header, &payload, iv, &sa.keys)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e.to_string()))?;
        let rthdr = self.send_esp(&pkt, flow, timeout).await?;
        Ok(SendReport {
            spi: sa.spi,
            seq,
            esp: pkt,
            mh: payload,
            rthdr,
        })
    }

    /// Sends ready ESP octets (e.g. a captured packet, to replay it) along `flow`. Returns
    /// how an RH2 went out, if the flow has one.
    pub async fn send_esp(
        &self,
        esp_bytes: &[u8],
        flow: &MhFlow,
        timeout: Duration,
    ) -> io::Result<Option<RthdrPath>> {
        let fut = async {
            let mut cmsgs: Vec<Cmsg> = Vec::new();
            let mut pktinfo = flow.src.octets().to_vec();
            pktinfo.extend_from_slice(&0u32.to_ne_bytes());
            cmsgs.push((libc::IPPROTO_IPV6, libc::IPV6_PKTINFO, pktinfo));
            let dstopts = match flow.hao {
                Some(hoa) => Some(
                    OptionsHeaderRepr::with_home_address(esp::IPPROTO_ESP, hoa)
                        .to_bytes()
                        .map_err(|e| io::Error::other(e.to_string()))?,
                ),
                None => None,
            };
            if let Some(d) = &dstopts {
                cmsgs.push((libc::IPPROTO_IPV6, libc::IPV6_DSTOPTS, d.clone()));
            }
            let mut dest = flow.dst;
            if let Some(hoa) = flow.rh2 {
                // RFC 3542: the header holds the next hop (care-of), sendmsg the final
                // destination (home); Linux swaps them into place.
                let next = if dstopts.is_some() {
                    ipv6ext::DESTINATION_OPTIONS
                } else {
                    esp::IPPROTO_ESP
                };
                cmsgs.push((
                    libc::IPPROTO_IPV6,
                    libc::IPV6_RTHDR,
                    Rh2Repr::new(next, flow.dst).to_bytes(),
                ));
                dest = hoa;
            }
            let r = send_ready(&self.fd, |fd| sendmsg6(fd, dest, esp_bytes, &cmsgs)).await;
            match r {
                Ok(_) => Ok(flow.rh2.map(|_| RthdrPath::Cmsg)),
                Err(e)
                    if flow.rh2.is_some()
                        && e.raw_os_error() == Some(libc::EINVAL)
                        && self.kernel_refuses_rh2()
                        && is_local(flow.src) =>
                {
                    let pkt = ipv6_packet(flow, esp_bytes)?;
                    self.send_ipv6_now(&pkt).await?;
                    Ok(Some(RthdrPath::HdrIncl))
                }
                Err(e) => Err(e),
            }
        };
        tokio::time::timeout(timeout, fut)
            .await
            .map_err(|_| timed_out())?
    }

    async fn send_ipv6_now(&self, packet: &[u8]) -> io::Result<usize> {
        let dst: [u8; 16] = packet
            .get(24..40)
            .and_then(|d| d.try_into().ok())
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no IPv6 header"))?;
        let s = self.hdrincl_socket()?;
        send_ready(s, |fd| sendmsg6(fd, Ipv6Addr::from(dst), packet, &[])).await
    }

    /// Sends a whole IPv6 packet as given (header included, `IPV6_HDRINCL`), routed to the
    /// IPv6 destination in it: for headers the socket API will not produce (see
    /// [`ipv6_packet`]). The kernel neither fills in nor checks the header (the source need
    /// not be local): the caller owns what goes out.
    pub async fn send_ipv6(&self, packet: &[u8], timeout: Duration) -> io::Result<usize> {
        tokio::time::timeout(timeout, self.send_ipv6_now(packet))
            .await
            .map_err(|_| timed_out())?
    }
}

/// Like [`ipv6_packet`] with any upper layer `next_header` instead of ESP (e.g. ICMPv6 sent
/// in the clear, what a conforming MN would not do).
pub fn ipv6_packet_with(flow: &MhFlow, next_header: u8, upper: &[u8]) -> io::Result<Vec<u8>> {
    let mut p = ipv6_packet(flow, upper)?;
    // The header whose Next Header said ESP: the HAO's Destination Options, else the RH2, else
    // the IPv6 header itself.
    let at = match (flow.hao, flow.rh2) {
        (Some(_), Some(_)) => 40 + Rh2Repr::new(0, Ipv6Addr::UNSPECIFIED).to_bytes().len(),
        (Some(_), None) | (None, Some(_)) => 40,
        (None, None) => 6,
    };
    p[at] = next_header;
    Ok(p)
}

/// The whole packet for `IPV6_HDRINCL`: IPv6 header (`flow.src` → `flow.dst`, hop limit
/// 64), the RH2 (Segments Left 1) if the flow has one, the Destination Options header with
/// the HAO (after the RH, RFC 8200 §4.1 order) if it has one, then `esp_bytes`.
pub fn ipv6_packet(flow: &MhFlow, esp_bytes: &[u8]) -> io::Result<Vec<u8>> {
    let mut ext = Vec::new();
    let mut first = esp::IPPROTO_ESP;
    if let Some(hoa) = flow.hao {
        ext = OptionsHeaderRepr::with_home_address(esp::IPPROTO_ESP, hoa)
            .to_bytes()
            .map_err(|e| io::Error::other(e.to_string()))?;
        first = ipv6ext::DESTINATION_OPTIONS;
    }
    if let Some(hoa) = flow.rh2 {
        let mut rh = Rh2Repr::new(first, hoa).to_bytes();
        rh.extend_from_slice(&ext);
        ext = rh;
        first = ipv6ext::ROUTING;
    }
    let plen = u16::try_from(ext.len() + esp_bytes.len())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "packet too long"))?;
    let mut p = Vec::with_capacity(ipv6ext::FIXED_HEADER_LEN + usize::from(plen));
    ipv6ext::emit_fixed_header(&mut p, flow.src, flow.dst, first, 64, plen);
    p.extend_from_slice(&ext);
    p.extend_from_slice(esp_bytes);
    Ok(p)
}
