//! IPv4 tunnels of the dual-stack scenario, sans-IO: IPv4-in-IPv4 (protocol 4, RFC 2003),
//! IPv6-in-IPv4 (protocol 41, RFC 4213 §3.5) and the UDP encapsulation of RFC 5555 §4.1
//! (`IPv4 | UDP | IPv4-or-IPv6`, port 4191, the receiver reads the version nibble), between
//! this node and any number of peers (the FHA has one per registered MN or FA care-of
//! address), each keyed by its outer IPv4 address.
//!
//! [`Tunnels::encapsulate`] takes an inner packet (read from a TUN device), picks the peer
//! whose routes hold its destination (longest prefix), and returns the whole outer packet;
//! [`Tunnels::decapsulate`] takes a whole received IPv4 packet (a raw socket's read) and
//! [`Tunnels::decapsulate_udp`] a UDP payload, and return the inner packet or a typed
//! [`DropReason`]. Every drop is counted ([`Tunnels::counters`]); nothing here ever produces an
//! ICMP error in answer to a tunnel packet, so a harness node never adds ICMP of its own to
//! the capture a judge reads.
//!
//! Not a [`crate::io::SansIo`] engine: there are no timers and each packet gives exactly one
//! answer at once, so a function returning it is simpler than a queue.
//!
//! Why here and not in `mip6lab-wire`: the outer header is a few fixed fields, but what to do
//! with a packet (which peer, which checks, which RFC rule drops it) is protocol logic.
//!
//! The rules applied (RFC 2003 unless named):
//! - §3.1: the outer TOS is the inner one (IPv6 traffic class for protocol 41); the outer TTL
//!   is the configured one, enough to reach the tunnel exit; DF set in the inner header MUST
//!   be set in the outer one, and MAY be set when clear inside, as §5.1 describes
//!   ([`DfPolicy`]). An IPv6 inner packet has no DF bit: with the static tunnel MTU the
//!   driver uses (RFC 4213 §3.2.1), DF stays clear unless [`DfPolicy::Always`].
//! - §3.1: the inner TTL is decremented only when tunnelling is part of forwarding, and that
//!   is not done here: packets reach the TUN device through the kernel's routing, which
//!   already decremented it when forwarding. A datagram with TTL 0 (hop limit 0) MUST NOT be
//!   encapsulated, and after decapsulation one with TTL 0 MUST be discarded. No ICMP Time
//!   Exceeded is sent (§3.1 SHOULD; see above: no ICMP of our own).
//! - §3.2 (written for a router): a datagram whose source is one of the router's own
//!   addresses, or the tunnel destination, MUST NOT be tunnelled and SHOULD be discarded
//!   (routing loops). §3.2 says "on any of its network interfaces"; the check here knows only
//!   this node's tunnel addresses ([`Tunnels::locals`]). A host tunnelling its own packets
//!   is exempt (see [`Tunnels::set_host`]): a reading of "router", not a rule of RFC 2003.
//! - §6.2 (a SHOULD, for hosts): admit encapsulated datagrams only from "an authentically
//!   identified, trusted source" or in the other categories it lists; here the peer table
//!   (registered tunnel ends, known by outer address alone, not authenticated) stands in.
//! - Lab rules, in no RFC: not forwarding an inner IPv4 packet addressed to the peer it came
//!   from (it would go straight back to the encapsulator: a reflection, not a delivery), nor
//!   a nested tunnel packet addressed to this node (recursive decapsulation). RFC 2003 has no
//!   nested-encapsulation rule; RFC 5944 §4.2.3 has one for a home agent intercepting an
//!   already encapsulated datagram (discard when its outer source is the MN's care-of
//!   address), which is another case.
//! - Identification: a per-peer counter (RFC 791 uniqueness for the fragmentable case; RFC
//!   6864 §4.1 allows any value when DF is set, the counter serves there too).

use mip6lab_wire::checksum::{internet_checksum, udp_ipv4_checksum};
use std::collections::BTreeMap;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddrV4};

/// IP protocol numbers of the outer header.
pub const IPPROTO_IPIP: u8 = 4;
pub const IPPROTO_IPV6: u8 = 41;
pub const IPPROTO_UDP: u8 = 17;
/// The UDP port of RFC 5555's encapsulation at the home agent (§8).
pub const UDP_TUNNEL_PORT: u16 = 4191;
pub const IPV4_HEADER_LEN: usize = 20;
pub const IPV6_HEADER_LEN: usize = 40;
pub const UDP_HEADER_LEN: usize = 8;
/// The largest outer overhead of any mode (IPv4 + UDP): what the TUN MTU leaves room for.
pub const MAX_OVERHEAD: usize = IPV4_HEADER_LEN + UDP_HEADER_LEN;

const FLAG_DF: u16 = 0x4000;
const FLAG_MF: u16 = 0x2000;
const OFFSET_MASK: u16 = 0x1fff;

/// How a peer's packets travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encapsulation {
    /// Directly in IPv4: protocol 4 for an IPv4 inner packet, 41 for IPv6.
    Ip,
    /// In UDP (RFC 5555 §4.1); `port` is the peer's UDP port (4191 at a home agent; at the HA,
    /// the source port its BUs came from, which a NAT may have changed).
    Udp { port: u16 },
}

/// An inner prefix routed to a peer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prefix {
    V4(Ipv4Addr, u8),
    V6(Ipv6Addr, u8),
}

impl Prefix {
    /// The prefix length when `a` is inside, else `None`.
    pub fn matches(&self, a: IpAddr) -> Option<u8> {
        match (self, a) {
            (Prefix::V4(p, l), IpAddr::V4(a)) if *l <= 32 => {
                let mask = u32::MAX.checked_shl(32 - u32::from(*l)).unwrap_or(0);
                (u32::from(*p) & mask == u32::from(a) & mask).then_some(*l)
            }
            (Prefix::V6(p, l), IpAddr::V6(a)) if *l <= 128 => {
                let mask = u128::MAX.checked_shl(128 - u32::from(*l)).unwrap_or(0);
                (u128::from(*p) & mask == u128::from(a) & mask).then_some(*l)
            }
            _ => None,
        }
    }
}

/// One tunnel: its two outer addresses, how packets travel, which inner prefixes it carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Peer {
    /// The peer's outer address (a care-of address, the FHA's address): the table's key.
    pub remote: Ipv4Addr,
    /// This node's outer address for this tunnel (one of [`Tunnels::locals`]).
    pub local: Ipv4Addr,
    pub encapsulation: Encapsulation,
    /// Inner destinations sent to this peer (the MN's home addresses at the FHA; everything,
    /// `0.0.0.0/0` and `::/0`, at an MN reverse-tunnelling).
    pub routes: Vec<Prefix>,
}

/// The DF bit of the outer header (RFC 2003 §3.1: copied when set inside, MAY be set always).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DfPolicy {
    /// DF as in the inner IPv4 header; clear for an IPv6 inner packet.
    CopyInner,
    /// DF always set (path MTU discovery on the tunnel, RFC 2003 §5.1).
    Always,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Outer TTL: enough to reach the tunnel exit.
    pub ttl: u8,
    pub df: DfPolicy,
    /// The largest outer packet sent (the link MTU): a larger one is dropped, since a raw
    /// socket that writes its own header does not fragment.
    pub max_outer: usize,
    /// This node's UDP port for [`Encapsulation::Udp`] (4191 at the FHA).
    pub udp_port: u16,
    /// First Identification of each peer's counter (a caller's random value).
    pub id_seed: u16,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            ttl: 64,
            df: DfPolicy::CopyInner,
            max_outer: 1500,
            udp_port: UDP_TUNNEL_PORT,
            id_seed: 1,
        }
    }
}

/// Why an inner packet is unreadable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InnerError {
    Empty,
    /// The version nibble is neither 4 nor 6.
    Version(u8),
    /// Shorter than its fixed header.
    TooShort,
    /// IPv4 IHL under 5 or past the total length.
    HeaderLength,
    /// The length field disagrees with the octets carried (IPv6 jumbograms included).
    TotalLength,
    /// IPv4 header checksum wrong.
    Checksum,
}

/// Why a packet is not sent or not delivered. [`DropReason::name`] keys the counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DropReason {
    // Encapsulation.
    /// No peer's routes hold the inner destination (or no peer at that address).
    NoPeer,
    /// TTL or hop limit 0 (RFC 2003 §3.1 MUST NOT encapsulate; MUST discard after decap).
    TtlZero,
    /// Inner source is this node's tunnel address (RFC 2003 §3.2: the router's own address).
    SourceIsLocal,
    /// Inner source is the tunnel destination (RFC 2003 §3.2).
    SourceIsPeer,
    /// The outer packet would exceed [`Config::max_outer`].
    TooBig,
    /// The inner packet is unreadable (either direction).
    BadInner(InnerError),
    // Decapsulation.
    /// Shorter than an IPv4 header, or than its own length fields.
    Truncated,
    NotIpv4,
    BadOuterHeader,
    OuterChecksum,
    /// A fragment: the kernel reassembles before a raw socket reads, so this came some other way.
    Fragment,
    /// Outer destination not an address of this node.
    NotForUs,
    /// Outer protocol neither 4, 41 nor UDP to this node's tunnel port.
    NotTunnel,
    UdpLength,
    UdpChecksum,
    /// Outer source not in the peer table (standing in for RFC 2003 §6.2's trusted source).
    UnknownPeer,
    /// Known peer, but the packet came to another of this node's addresses than its tunnel's.
    WrongLocal,
    /// Known peer, other encapsulation (or other UDP port) than the one registered.
    WrongEncapsulation,
    /// Protocol 4 carrying IPv6 or 41 carrying IPv4.
    VersionMismatch,
    /// Inner IPv4 destination is the peer the packet came from (a lab rule, not RFC 2003).
    InnerToPeer,
    /// Inner packet is itself a tunnel packet to this node (a lab rule, not RFC 2003).
    Nested,
}

impl DropReason {
    pub fn name(&self) -> &'static str {
        match self {
            DropReason::NoPeer => "no-peer",
            DropReason::TtlZero => "ttl-zero",
            DropReason::SourceIsLocal => "source-is-local",
            DropReason::SourceIsPeer => "source-is-peer",
            DropReason::TooBig => "too-big",
            DropReason::BadInner(_) => "bad-inner",
            DropReason::Truncated => "truncated",
            DropReason::NotIpv4 => "not-ipv4",
            DropReason::BadOuterHeader => "bad-outer-header",
            DropReason::OuterChecksum => "outer-checksum",
            DropReason::Fragment => "fragment",
            DropReason::NotForUs => "not-for-us",
            DropReason::NotTunnel => "not-tunnel",
            DropReason::UdpLength => "udp-length",
            DropReason::UdpChecksum => "udp-checksum",
            DropReason::UnknownPeer => "unknown-peer",
            DropReason::WrongLocal => "wrong-local",
            DropReason::WrongEncapsulation => "wrong-encapsulation",
            DropReason::VersionMismatch => "version-mismatch",
            DropReason::InnerToPeer => "inner-to-peer",
            DropReason::Nested => "nested",
        }
    }
}

impl fmt::Display for DropReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DropReason::BadInner(e) => write!(f, "bad-inner ({e:?})"),
            d => f.write_str(d.name()),
        }
    }
}

/// The IP version of an inner packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IpVersion {
    V4,
    V6,
}

/// The fields of an inner packet the rules read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InnerInfo {
    pub version: IpVersion,
    pub src: IpAddr,
    pub dst: IpAddr,
    /// TTL or hop limit.
    pub ttl: u8,
    /// TOS or traffic class.
    pub tos: u8,
    /// IPv4 DF (false for IPv6).
    pub df: bool,
    /// IPv4 protocol or IPv6 next header.
    pub protocol: u8,
}

/// Reads and checks an inner packet: version, header and total lengths matching the octets,
/// IPv4 header checksum.
pub fn inspect_inner(p: &[u8]) -> Result<InnerInfo, InnerError> {
    let first = *p.first().ok_or(InnerError::Empty)?;
    match first >> 4 {
        4 => {
            if p.len() < IPV4_HEADER_LEN {
                return Err(InnerError::TooShort);
            }
            let ihl = usize::from(first & 0x0f) * 4;
            let total = usize::from(be16(p, 2));
            if ihl < IPV4_HEADER_LEN || ihl > total || ihl > p.len() {
                return Err(InnerError::HeaderLength);
            }
            if total != p.len() {
                return Err(InnerError::TotalLength);
            }
            if internet_checksum(&p[..ihl]) != 0 {
                return Err(InnerError::Checksum);
            }
            Ok(InnerInfo {
                version: IpVersion::V4,
                src: IpAddr::V4(v4(&p[12..16])),
                dst: IpAddr::V4(v4(&p[16..20])),
                ttl: p[8],
                tos: p[1],
                df: be16(p, 6) & FLAG_DF != 0,
                protocol: p[9],
            })
        }
        6 => {
            if p.len() < IPV6_HEADER_LEN {
                return Err(InnerError::TooShort);
            }
            if usize::from(be16(p, 4)) + IPV6_HEADER_LEN != p.len() {
                return Err(InnerError::TotalLength);
            }
            Ok(InnerInfo {
                version: IpVersion::V6,
                src: IpAddr::V6(v6(&p[8..24])),
                dst: IpAddr::V6(v6(&p[24..40])),
                ttl: p[7],
                tos: ((be16(p, 0) >> 4) & 0xff) as u8,
                df: false,
                protocol: p[6],
            })
        }
        v => Err(InnerError::Version(v)),
    }
}

/// An outer packet to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encapsulated {
    pub remote: Ipv4Addr,
    pub local: Ipv4Addr,
    pub encapsulation: Encapsulation,
    /// The whole outer packet: IPv4 header (checksummed), the UDP header when
    /// [`Encapsulation::Udp`], the inner packet.
    pub packet: Vec<u8>,
}

impl Encapsulated {
    /// What a UDP socket sends (the inner packet), with the destination; `None` for
    /// [`Encapsulation::Ip`].
    pub fn udp_datagram(&self) -> Option<(SocketAddrV4, &[u8])> {
        match self.encapsulation {
            Encapsulation::Udp { port } => Some((
                SocketAddrV4::new(self.remote, port),
                self.packet.get(MAX_OVERHEAD..)?,
            )),
            Encapsulation::Ip => None,
        }
    }
}

/// A delivered inner packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decapsulated<'a> {
    /// The peer it came from.
    pub peer: Ipv4Addr,
    pub version: IpVersion,
    /// The inner packet, as received.
    pub packet: &'a [u8],
}

/// Packets handled and dropped so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counters {
    pub encapsulated: u64,
    pub decapsulated: u64,
    /// Drops by [`DropReason::name`].
    pub drops: BTreeMap<&'static str, u64>,
}

impl Counters {
    pub fn dropped(&self, name: &str) -> u64 {
        self.drops.get(name).copied().unwrap_or(0)
    }
}

#[derive(Debug, Clone)]
struct PeerState {
    peer: Peer,
    next_id: u16,
}

/// Why [`Tunnels::add_peer`] refused a peer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeerError {
    /// The peer's `local` is not one of this node's addresses.
    LocalUnknown(Ipv4Addr),
    /// The peer's `remote` is one of this node's addresses.
    RemoteIsLocal(Ipv4Addr),
}

impl fmt::Display for PeerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PeerError::LocalUnknown(a) => write!(f, "{a} is not a tunnel address of this node"),
            PeerError::RemoteIsLocal(a) => write!(f, "{a} is this node's own address"),
        }
    }
}

impl std::error::Error for PeerError {}

/// This node's tunnels: its outer addresses and the peer table.
#[derive(Debug, Clone)]
pub struct Tunnels {
    config: Config,
    locals: Vec<Ipv4Addr>,
    peers: BTreeMap<Ipv4Addr, PeerState>,
    counters: Counters,
    /// RFC 3024 §5.2.1 at a foreign agent: visitor (its home address, the outer source of its
    /// Encapsulating Delivery Style packets, §5.2.2) → the home agent its packets are
    /// re-tunnelled to.
    reverse: BTreeMap<Ipv4Addr, Ipv4Addr>,
    /// Whether a decapsulated packet whose destination routes to another peer is
    /// re-encapsulated to it (a foreign agent between its visitors and their home agents)
    /// instead of handed to the local stack.
    relay: bool,
    /// A host tunnelling its own packets (an MN in RFC 3024's Encapsulating Delivery Style,
    /// whose outer source is its home address, the inner source too, §5.2.2): RFC 2003 §3.2's
    /// rule against tunnelling a packet from one's own address, written for a router as its
    /// loop guard, is not applied (the exemption is the lab's reading of "router").
    host: bool,
}

impl Tunnels {
    /// Tunnels ending at `locals` (this node's outer addresses), no peer yet.
    pub fn new(config: Config, locals: Vec<Ipv4Addr>) -> Tunnels {
        Tunnels {
            config,
            locals,
            peers: BTreeMap::new(),
            counters: Counters::default(),
            reverse: BTreeMap::new(),
            relay: false,
            host: false,
        }
    }

    /// See the `host` field: on for an MN that tunnels from its home address.
    pub fn set_host(&mut self, on: bool) {
        self.host = on;
    }

    /// Relays between peers (see [`Tunnels::relay_target`]); off by default.
    pub fn set_relay(&mut self, on: bool) {
        self.relay = on;
    }

    /// Re-tunnels everything decapsulated from `visitor` to `home_agent` (RFC 3024 §5.2.1:
    /// "decapsulates … re-encapsulates, and sends it to the home agent"); `None` ends it.
    pub fn set_reverse_tunnel(&mut self, visitor: Ipv4Addr, home_agent: Option<Ipv4Addr>) {
        match home_agent {
            Some(ha) => self.reverse.insert(visitor, ha),
            None => self.reverse.remove(&visitor),
        };
    }

    /// Where a packet decapsulated from peer `from` goes next: the reverse tunnel of `from`
    /// whatever the destination; else, when relaying, the peer the destination routes to
    /// (never back to `from`); else `None`, the local stack.
    pub fn relay_target(&self, from: Ipv4Addr, inner: &[u8]) -> Option<Ipv4Addr> {
        if let Some(ha) = self.reverse.get(&from) {
            return Some(*ha);
        }
        if !self.relay {
            return None;
        }
        let dst = inspect_inner(inner).ok()?.dst;
        self.route(dst).filter(|r| *r != from)
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn locals(&self) -> &[Ipv4Addr] {
        &self.locals
    }

    /// Adds a peer, or replaces the one at the same outer address (a re-registration from
    /// the same care-of address: its Identification counter goes on).
    pub fn add_peer(&mut self, peer: Peer) -> Result<(), PeerError> {
        if !self.locals.contains(&peer.local) {
            return Err(PeerError::LocalUnknown(peer.local));
        }
        if self.locals.contains(&peer.remote) {
            return Err(PeerError::RemoteIsLocal(peer.remote));
        }
        let next_id = self
            .peers
            .get(&peer.remote)
            .map_or(self.config.id_seed, |s| s.next_id);
        self.peers.insert(peer.remote, PeerState { peer, next_id });
        Ok(())
    }

    /// Removes the peer at `remote`; whether there was one.
    pub fn remove_peer(&mut self, remote: Ipv4Addr) -> bool {
        self.peers.remove(&remote).is_some()
    }

    /// Routes `prefix` to the peer at `remote`, creating the peer when missing, else keeping
    /// its other routes (an FA's care-of address serves many MNs; the FHA's `TunnelUp` of
    /// each names one home address). `local` and `encapsulation` replace the peer's.
    pub fn attach(
        &mut self,
        remote: Ipv4Addr,
        local: Ipv4Addr,
        encapsulation: Encapsulation,
        prefix: Prefix,
    ) -> Result<(), PeerError> {
        let mut routes = self
            .peer(remote)
            .map(|p| p.routes.clone())
            .unwrap_or_default();
        if !routes.contains(&prefix) {
            routes.push(prefix);
        }
        self.add_peer(Peer {
            remote,
            local,
            encapsulation,
            routes,
        })
    }

    /// Takes `prefix` off the peer at `remote` (a `TunnelDown`), removing the peer when no
    /// route is left; whether the prefix was there.
    pub fn detach(&mut self, remote: Ipv4Addr, prefix: Prefix) -> bool {
        let Some(s) = self.peers.get_mut(&remote) else {
            return false;
        };
        let before = s.peer.routes.len();
        s.peer.routes.retain(|r| *r != prefix);
        let found = s.peer.routes.len() != before;
        if s.peer.routes.is_empty() {
            self.peers.remove(&remote);
        }
        found
    }

    pub fn peer(&self, remote: Ipv4Addr) -> Option<&Peer> {
        self.peers.get(&remote).map(|s| &s.peer)
    }

    pub fn peers(&self) -> impl Iterator<Item = &Peer> {
        self.peers.values().map(|s| &s.peer)
    }

    pub fn counters(&self) -> &Counters {
        &self.counters
    }

    /// The peer whose routes hold `dst` most specifically (ties: the lowest outer address).
    pub fn route(&self, dst: IpAddr) -> Option<Ipv4Addr> {
        let mut best: Option<(u8, Ipv4Addr)> = None;
        for s in self.peers.values() {
            let len = s.peer.routes.iter().filter_map(|r| r.matches(dst)).max();
            if let Some(l) = len {
                if best.is_none_or(|(b, _)| l > b) {
                    best = Some((l, s.peer.remote));
                }
            }
        }
        best.map(|(_, r)| r)
    }

    fn count(&mut self, d: DropReason) -> DropReason {
        *self.counters.drops.entry(d.name()).or_insert(0) += 1;
        d
    }

    /// Encapsulates an inner packet for the peer whose routes hold its destination.
    pub fn encapsulate(&mut self, inner: &[u8]) -> Result<Encapsulated, DropReason> {
        let info = inspect_inner(inner).map_err(|e| self.count(DropReason::BadInner(e)))?;
        let remote = self
            .route(info.dst)
            .ok_or_else(|| self.count(DropReason::NoPeer))?;
        self.encapsulate_checked(remote, inner, &info)
            .map_err(|d| self.count(d))
    }

    /// Encapsulates an inner packet for the peer at `remote`.
    pub fn encapsulate_to(
        &mut self,
        remote: Ipv4Addr,
        inner: &[u8],
    ) -> Result<Encapsulated, DropReason> {
        let info = inspect_inner(inner).map_err(|e| self.count(DropReason::BadInner(e)))?;
        self.encapsulate_checked(remote, inner, &info)
            .map_err(|d| self.count(d))
    }

    fn encapsulate_checked(
        &mut self,
        remote: Ipv4Addr,
        inner: &[u8],
        info: &InnerInfo,
    ) -> Result<Encapsulated, DropReason> {
        let config = self.config.clone();
        let s = self.peers.get_mut(&remote).ok_or(DropReason::NoPeer)?;
        if info.ttl == 0 {
            return Err(DropReason::TtlZero);
        }
        if let IpAddr::V4(src) = info.src {
            if !self.host && (src == s.peer.local || self.locals.contains(&src)) {
                return Err(DropReason::SourceIsLocal);
            }
            if src == remote {
                return Err(DropReason::SourceIsPeer);
            }
        }
        let (protocol, udp_len) = match s.peer.encapsulation {
            Encapsulation::Ip => match info.version {
                IpVersion::V4 => (IPPROTO_IPIP, 0),
                IpVersion::V6 => (IPPROTO_IPV6, 0),
            },
            Encapsulation::Udp { .. } => (IPPROTO_UDP, UDP_HEADER_LEN),
        };
        let total = IPV4_HEADER_LEN + udp_len + inner.len();
        if total > config.max_outer || total > usize::from(u16::MAX) {
            return Err(DropReason::TooBig);
        }
        let df = match config.df {
            DfPolicy::Always => true,
            DfPolicy::CopyInner => info.df,
        };
        let id = s.next_id;
        s.next_id = s.next_id.wrapping_add(1);
        let header = OuterHeader {
            tos: info.tos,
            total: total as u16,
            id,
            df,
            ttl: config.ttl,
            protocol,
            src: s.peer.local,
            dst: remote,
        };
        let mut packet = Vec::with_capacity(total);
        header.emit(&mut packet);
        if let Encapsulation::Udp { port } = s.peer.encapsulation {
            let len = (UDP_HEADER_LEN + inner.len()) as u16;
            let start = packet.len();
            packet.extend_from_slice(&config.udp_port.to_be_bytes());
            packet.extend_from_slice(&port.to_be_bytes());
            packet.extend_from_slice(&len.to_be_bytes());
            packet.extend_from_slice(&[0, 0]);
            packet.extend_from_slice(inner);
            let sum = udp_ipv4_checksum(s.peer.local, remote, &packet[start..]);
            packet[start + 6..start + 8].copy_from_slice(&sum.to_be_bytes());
        } else {
            packet.extend_from_slice(inner);
        }
        let out = Encapsulated {
            remote,
            local: s.peer.local,
            encapsulation: s.peer.encapsulation,
            packet,
        };
        self.counters.encapsulated += 1;
        Ok(out)
    }

    /// Decapsulates a whole received IPv4 packet (protocol 4, 41, or UDP to
    /// [`Config::udp_port`]).
    pub fn decapsulate<'a>(&mut self, outer: &'a [u8]) -> Result<Decapsulated<'a>, DropReason> {
        self.decapsulate_outer(outer).map_err(|d| self.count(d))
    }

    fn decapsulate_outer<'a>(&mut self, p: &'a [u8]) -> Result<Decapsulated<'a>, DropReason> {
        let first = *p.first().ok_or(DropReason::Truncated)?;
        if first >> 4 != 4 {
            return Err(DropReason::NotIpv4);
        }
        if p.len() < IPV4_HEADER_LEN {
            return Err(DropReason::Truncated);
        }
        let ihl = usize::from(first & 0x0f) * 4;
        let total = usize::from(be16(p, 2));
        if ihl < IPV4_HEADER_LEN || ihl > total {
            return Err(DropReason::BadOuterHeader);
        }
        if total > p.len() {
            return Err(DropReason::Truncated);
        }
        if internet_checksum(&p[..ihl]) != 0 {
            return Err(DropReason::OuterChecksum);
        }
        if be16(p, 6) & (FLAG_MF | OFFSET_MASK) != 0 {
            return Err(DropReason::Fragment);
        }
        let (src, dst) = (v4(&p[12..16]), v4(&p[16..20]));
        if !self.locals.contains(&dst) {
            return Err(DropReason::NotForUs);
        }
        // Octets past the total length (link padding) are not the packet's.
        let payload = &p[ihl..total];
        let (encapsulation, inner, want) = match p[9] {
            IPPROTO_IPIP => (Encapsulation::Ip, payload, Some(IpVersion::V4)),
            IPPROTO_IPV6 => (Encapsulation::Ip, payload, Some(IpVersion::V6)),
            IPPROTO_UDP => {
                if payload.len() < UDP_HEADER_LEN || be16(payload, 2) != self.config.udp_port {
                    return Err(DropReason::NotTunnel);
                }
                if usize::from(be16(payload, 4)) != payload.len() {
                    return Err(DropReason::UdpLength);
                }
                if be16(payload, 6) != 0 && udp_ipv4_checksum(src, dst, payload) != 0 {
                    return Err(DropReason::UdpChecksum);
                }
                let port = be16(payload, 0);
                (
                    Encapsulation::Udp { port },
                    &payload[UDP_HEADER_LEN..],
                    None,
                )
            }
            _ => return Err(DropReason::NotTunnel),
        };
        self.deliver(src, dst, encapsulation, inner, want)
    }

    /// Decapsulates a UDP datagram's payload that came from `src` to this node's `dst` on
    /// [`Config::udp_port`] (the kernel checked the UDP header).
    pub fn decapsulate_udp<'a>(
        &mut self,
        src: SocketAddrV4,
        dst: Ipv4Addr,
        payload: &'a [u8],
    ) -> Result<Decapsulated<'a>, DropReason> {
        let r = if self.locals.contains(&dst) {
            let e = Encapsulation::Udp { port: src.port() };
            self.deliver(*src.ip(), dst, e, payload, None)
        } else {
            Err(DropReason::NotForUs)
        };
        r.map_err(|d| self.count(d))
    }

    fn deliver<'a>(
        &mut self,
        src: Ipv4Addr,
        dst: Ipv4Addr,
        encapsulation: Encapsulation,
        inner: &'a [u8],
        want: Option<IpVersion>,
    ) -> Result<Decapsulated<'a>, DropReason> {
        let s = self.peers.get(&src).ok_or(DropReason::UnknownPeer)?;
        if s.peer.local != dst {
            return Err(DropReason::WrongLocal);
        }
        if s.peer.encapsulation != encapsulation {
            return Err(DropReason::WrongEncapsulation);
        }
        // The version nibble decides before the rest is read (RFC 5555 §4.1 for UDP).
        let nibble = inner.first().map(|b| b >> 4);
        if let (Some(w), Some(n)) = (want, nibble) {
            let ok = matches!((w, n), (IpVersion::V4, 4) | (IpVersion::V6, 6));
            if !ok {
                return Err(DropReason::VersionMismatch);
            }
        }
        let info = inspect_inner(inner).map_err(DropReason::BadInner)?;
        if info.ttl == 0 {
            return Err(DropReason::TtlZero);
        }
        if let IpAddr::V4(d) = info.dst {
            if d == src {
                return Err(DropReason::InnerToPeer);
            }
            let tunnel = matches!(info.protocol, IPPROTO_IPIP | IPPROTO_IPV6);
            if tunnel && self.locals.contains(&d) {
                return Err(DropReason::Nested);
            }
        }
        self.counters.decapsulated += 1;
        Ok(Decapsulated {
            peer: src,
            version: info.version,
            packet: inner,
        })
    }
}

/// The fields of an outer IPv4 header this module writes (no options).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OuterHeader {
    pub tos: u8,
    pub total: u16,
    pub id: u16,
    pub df: bool,
    pub ttl: u8,
    pub protocol: u8,
    pub src: Ipv4Addr,
    pub dst: Ipv4Addr,
}

impl OuterHeader {
    /// Appends the 20-octet header with its checksum.
    pub fn emit(&self, out: &mut Vec<u8>) {
        let start = out.len();
        out.push(0x45);
        out.push(self.tos);
        out.extend_from_slice(&self.total.to_be_bytes());
        out.extend_from_slice(&self.id.to_be_bytes());
        let flags = if self.df { FLAG_DF } else { 0 };
        out.extend_from_slice(&flags.to_be_bytes());
        out.push(self.ttl);
        out.push(self.protocol);
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(&self.src.octets());
        out.extend_from_slice(&self.dst.octets());
        let sum = internet_checksum(&out[start..]);
        out[start + 10..start + 12].copy_from_slice(&sum.to_be_bytes());
    }
}

fn be16(p: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([p[at], p[at + 1]])
}

fn v4(b: &[u8]) -> Ipv4Addr {
    Ipv4Addr::new(b[0], b[1], b[2], b[3])
}

fn v6(b: &[u8]) -> Ipv6Addr {
    let mut a = [0u8; 16];
    a.copy_from_slice(&b[..16]);
    Ipv6Addr::from(a)
}

#[cfg(test)]
mod tests;
