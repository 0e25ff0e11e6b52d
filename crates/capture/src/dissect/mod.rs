//! Layer 2–4 dissection with etherparse, then one application dissector per protocol.
//!
//! A protocol plugs in as a [`Dissector`] listed in [`Dissectors::standard`]: it claims the
//! payloads it understands (by port, by next header) and turns them into a [`Decoded`]. Keys
//! and state that span packets (IKE SAs, ESP SAs) live in the shared [`Context`].

pub mod dhcpv4;
pub mod dhcpv6;
pub mod dns;
pub mod dsmip;
pub mod eapol;
pub mod esp;
pub mod ikev2;
pub mod mh;
pub mod mip4;
pub mod mpd;
pub mod nd;
pub mod radius;

use crate::keylog::KeyLog;
use crate::read::{Frame, LinkType};
use crate::transcript::{Decoded, Part};
use etherparse::{NetSlice, SlicedPacket, TransportSlice};
use mip6lab_wire::mh::checksum::pseudo_header_addresses;
use std::net::{IpAddr, Ipv6Addr};

pub use dns::dns;

/// What the lower layers say about a frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packet {
    pub src: IpAddr,
    pub dst: IpAddr,
    pub transport: Transport,
    /// IPv6 extension headers between the fixed header and the payload, raw and in order
    /// (Hop-by-Hop, Destination Options with HAO, Routing type 2, …); `ext_first` is the
    /// Next Header value naming the first of them. Empty for IPv4 or none.
    pub ext_first: Option<u8>,
    pub ext: Vec<u8>,
    /// IPv6 hop limit (IPv4: TTL); ND is only valid with 255 (RFC 4861 §7.1).
    pub hop_limit: u8,
}

/// Per-capture state shared by the dissectors: keys to decrypt with, and what earlier packets
/// established (e.g. which SPIs belong to which IKE SA).
#[derive(Debug, Default)]
pub struct Context {
    pub keys: KeyLog,
    /// The dual-stack encoding profile naming vendor-extension items (the lab's unless a
    /// vendor supplies theirs, `mip6lab_wire::dsprofile::Profile::from_toml`).
    pub profile: mip6lab_wire::dsprofile::Profile,
}

/// One application protocol's dissector.
pub trait Dissector: Send + Sync {
    /// Protocol name as the transcript prints it (e.g. `MH`, `IKEv2`).
    fn name(&self) -> &'static str;
    /// Whether this dissector takes the payload of `pkt`.
    fn claims(&self, pkt: &Packet, payload: &[u8]) -> bool;
    /// Decodes a claimed payload. Must not panic on any input: malformed input becomes
    /// [`Decoded::Malformed`] with the offset of the fault.
    fn dissect(&self, pkt: &Packet, payload: &[u8], ctx: &mut Context) -> Decoded;
}

/// A dissector of some ICMPv6 message types (ND, Mobile Prefix Discovery): claims the
/// messages of `types`, decodes them with `decode`.
pub struct Icmpv6Dissector {
    pub types: &'static [u8],
    pub decode: fn(&Packet, &[u8]) -> Decoded,
}

impl Dissector for Icmpv6Dissector {
    fn name(&self) -> &'static str {
        "ICMPv6"
    }

    fn claims(&self, pkt: &Packet, _: &[u8]) -> bool {
        pkt.is_icmpv6_of(self.types)
    }

    fn dissect(&self, pkt: &Packet, icmp: &[u8], _: &mut Context) -> Decoded {
        (self.decode)(pkt, icmp)
    }
}

/// The dissectors a decode uses, tried in order; the first that claims a payload decodes it.
pub struct Dissectors(pub Vec<Box<dyn Dissector>>);

impl Dissectors {
    pub fn standard() -> Dissectors {
        let mut d = Dissectors::tunnelled();
        // First: a datagram from or to the HA's 4191 is a tunnel whatever port the NAT chose
        // for the other end; it claims nothing else.
        d.0.insert(0, Box::new(dsmip::Dsmip::new()));
        d.0.insert(1, Box::new(dsmip::IpInIp::new()));
        d
    }

    /// The dissectors for a packet found inside a tunnel (UDP 4191 or IP-in-IP, [`dsmip`]): the standard
    /// ones without the tunnel's own, so a tunnel nested in a tunnel is not unwrapped again
    /// (which bounds the recursion on crafted input).
    pub fn tunnelled() -> Dissectors {
        Dissectors(vec![
            Box::new(nd::ND),
            Box::new(mpd::MPD),
            Box::new(dns::Dns),
            Box::new(mh::Mh),
            Box::new(ikev2::Ikev2),
            Box::new(esp::Esp),
            Box::new(radius::Radius),
            Box::new(dhcpv6::Dhcpv6),
            Box::new(dhcpv4::Dhcpv4),
            Box::new(mip4::Mip4),
        ])
    }

    pub fn dissect(&self, pkt: &Packet, payload: &[u8], ctx: &mut Context) -> Decoded {
        match self.0.iter().find(|d| d.claims(pkt, payload)) {
            Some(d) => d.dissect(pkt, payload, ctx),
            // Other ICMPv6 (MLD, RS/RA, errors) is named by type only.
            None => match pkt.transport {
                Transport::Icmpv6 { kind } => Decoded::Icmpv6 { kind },
                _ => Decoded::Unknown {
                    length: payload.len(),
                },
            },
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transport {
    Udp { sport: u16, dport: u16 },
    Tcp { sport: u16, dport: u16 },
    Icmpv6 { kind: u8 },
    Other { next_header: u8 },
}

impl Packet {
    /// Whether this is UDP from or to `port`.
    pub fn is_udp_port(&self, port: u16) -> bool {
        matches!(self.transport, Transport::Udp { sport, dport } if sport == port || dport == port)
    }

    /// Whether this is an ICMPv6 message of one of `kinds`.
    pub fn is_icmpv6_of(&self, kinds: &[u8]) -> bool {
        matches!(self.transport, Transport::Icmpv6 { kind } if kinds.contains(&kind))
    }
}

/// The letters of the flags that are set, in order (e.g. `LA` for on-link and autonomous).
fn flag_letters(flags: &[(bool, char)]) -> String {
    flags
        .iter()
        .filter(|(set, _)| *set)
        .map(|(_, c)| *c)
        .collect()
}

/// Adds the `hao` / `rh2` fields and `checksum` / `checksum_ok` to a message whose checksum
/// covers the Mobile IPv6 pseudo-header (HAO replaces the source, RH2 gives the final
/// destination). `verify` checks the message against a pseudo-header's addresses.
fn with_mip6_checksum(
    mut m: Part,
    (src, dst): (IpAddr, IpAddr),
    hao: Option<Ipv6Addr>,
    rh2: Option<Ipv6Addr>,
    checksum: u16,
    verify: impl FnOnce(&Ipv6Addr, &Ipv6Addr) -> bool,
) -> Part {
    if let Some(a) = hao {
        m = m.field("hao", a);
    }
    if let Some(a) = rh2 {
        m = m.field("rh2", a);
    }
    let ok = match (src, dst) {
        (IpAddr::V6(s), IpAddr::V6(d)) => {
            let (s, d) = pseudo_header_addresses(s, d, hao, rh2);
            if verify(&s, &d) {
                "yes"
            } else {
                "no"
            }
        }
        _ => "unknown",
    };
    m.volatile("checksum", format!("0x{checksum:04x}"))
        .field("checksum_ok", ok)
}

/// The frames carrying UDP from or to `port` (e.g. one harness socket's exchange).
pub fn frames_on_udp_port(frames: &[Frame], port: u16) -> Vec<Frame> {
    frames
        .iter()
        .filter(|f| matches!(slice(f), Ok(Some((p, _))) if p.is_udp_port(port)))
        .cloned()
        .collect()
}

/// The UDP payloads from or to `port`, in frame order (e.g. every IKE message on 500).
pub fn udp_payloads(frames: &[Frame], port: u16) -> Vec<Vec<u8>> {
    frames
        .iter()
        .filter_map(|f| match slice(f) {
            Ok(Some((p, payload))) if p.is_udp_port(port) => Some(payload.to_vec()),
            _ => None,
        })
        .collect()
}

/// The ICMP error messages among `frames` (ICMPv4 Destination Unreachable, Source Quench,
/// Redirect, Time Exceeded, Parameter Problem; ICMPv6 types 1–4), as (frame number, what and
/// from where), after frame `setup` (a recording's setup frames hold readiness probes that
/// meet closed ports): nodes that run their tunnels in userspace must let none leak.
pub fn icmp_errors(frames: &[Frame], setup: u64) -> Vec<(u64, String)> {
    frames
        .iter()
        .filter(|f| f.number > setup)
        .filter_map(|f| {
            let (p, payload) = slice(f).ok().flatten()?;
            let code = payload.get(1).copied().unwrap_or_default();
            let what = match (p.transport, payload.first().copied()) {
                (Transport::Other { next_header: 1 }, Some(t @ (3 | 4 | 5 | 11 | 12))) => {
                    format!("ICMPv4 type {t} code {code}")
                }
                (Transport::Icmpv6 { kind: t @ 1..=4 }, _) => {
                    format!("ICMPv6 type {t} code {code}")
                }
                _ => return None,
            };
            Some((f.number, format!("{what} from {}", p.src)))
        })
        .collect()
}

/// L2–L4 of a frame and its application payload; `Err` says why it could not be sliced.
pub fn slice(frame: &Frame) -> Result<Option<(Packet, &[u8])>, String> {
    let sliced = match frame.link {
        LinkType::Ethernet => SlicedPacket::from_ethernet(&frame.data),
        LinkType::RawIp => SlicedPacket::from_ip(&frame.data),
        LinkType::LinuxSll => SlicedPacket::from_linux_sll(&frame.data),
        LinkType::Other(t) => return Err(format!("link type {t} is not supported")),
    }
    .map_err(|e| e.to_string())?;
    from_sliced(sliced)
}

/// L3–L4 of a bare IPv4 or IPv6 packet (the version nibble decides), as [`slice`] gives them
/// for a frame: for packets carried inside others (UDP 4191, RFC 5555 §4.1).
pub fn slice_ip(packet: &[u8]) -> Result<Option<(Packet, &[u8])>, String> {
    from_sliced(SlicedPacket::from_ip(packet).map_err(|e| e.to_string())?)
}

/// The [`Packet`] and application payload of an etherparse slicing.
fn from_sliced(sliced: SlicedPacket<'_>) -> Result<Option<(Packet, &[u8])>, String> {
    let (src, dst, next_header, ext_first, ext, hop_limit) = match &sliced.net {
        Some(NetSlice::Ipv6(v6)) => {
            let h = v6.header();
            let exts = v6.extensions();
            (
                IpAddr::V6(h.source_addr()),
                IpAddr::V6(h.destination_addr()),
                v6.payload().ip_number.0,
                exts.first_header().map(|n| n.0),
                exts.slice().to_vec(),
                h.hop_limit(),
            )
        }
        Some(NetSlice::Ipv4(v4)) => {
            let h = v4.header();
            (
                IpAddr::V4(h.source_addr()),
                IpAddr::V4(h.destination_addr()),
                v4.payload().ip_number.0,
                None,
                Vec::new(),
                h.ttl(),
            )
        }
        // ARP and non-IP frames are link housekeeping, not messages under test.
        _ => return Ok(None),
    };
    let (transport, payload): (Transport, &[u8]) = match &sliced.transport {
        Some(TransportSlice::Udp(u)) => (
            Transport::Udp {
                sport: u.source_port(),
                dport: u.destination_port(),
            },
            u.payload(),
        ),
        Some(TransportSlice::Tcp(t)) => (
            Transport::Tcp {
                sport: t.source_port(),
                dport: t.destination_port(),
            },
            t.payload(),
        ),
        // The whole ICMPv6 message: ND needs the octets after the type, code and checksum.
        Some(TransportSlice::Icmpv6(i)) => (Transport::Icmpv6 { kind: i.type_u8() }, i.slice()),
        // MH (135), ESP (50) and others etherparse does not slice: the IP payload as is.
        _ => (
            Transport::Other { next_header },
            match &sliced.net {
                Some(NetSlice::Ipv6(v6)) => v6.payload().payload,
                Some(NetSlice::Ipv4(v4)) => v4.payload().payload,
                _ => &[][..],
            },
        ),
    };
    Ok(Some((
        Packet {
            src,
            dst,
            transport,
            ext_first,
            ext,
            hop_limit,
        },
        payload,
    )))
}
