//! Tunnelled traffic as judges read it: packets the capture's tunnel dissectors opened
//! (`crates/capture/src/dissect/dsmip.rs`): IPv4-in-IPv4 (RFC 2003) and IPv6-in-IPv4 between
//! an MN or FA and the FHA, and DSMIPv6's UDP 4191 (RFC 5555 §4.1).
//!
//! The transcript entry keeps the outer addresses and roles; the inner message is shown as
//! itself (a BU stays a BU inside its ESP part) with `via`, `from`, `sport`, `inner_src` and
//! `inner_dst` first. So the other views see tunnelled messages like any other: a Binding
//! Update inside IPv6-in-IPv4 or UDP 4191 is in [`Observation::binding_updates`], and
//! [`Observation::tunnel_of`] on its entry says which tunnel carried it. An inner packet no
//! dissector took is an opaque part (`IP-in-IP inner`, `DSMIPv6 UDP-4191`) with its
//! `next_header`, `len` and, for ICMPv4, `icmp_type` / `icmp_code`.

use super::parsed;
use crate::Observation;
use mip6lab_capture::{Decoded, Entry, Part};
use std::net::IpAddr;

/// The encapsulation a tunnelled packet came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Via {
    /// IPv4 in IPv4 (IP protocol 4, RFC 2003).
    IpInIp,
    /// IPv6 in IPv4 (IP protocol 41).
    Ipv6InIpv4,
    /// DSMIPv6 UDP encapsulation to or from port 4191 (RFC 5555 §4.1).
    Udp4191,
}

impl Via {
    /// The `via=` value as the dissector shows it; `None` for any other.
    pub fn parse(shown: &str) -> Option<Via> {
        match shown {
            "ipip" => Some(Via::IpInIp),
            "ip6in4" => Some(Via::Ipv6InIpv4),
            "udp4191" => Some(Via::Udp4191),
            _ => None,
        }
    }

    /// As the dissector shows it (`ipip`, `ip6in4`, `udp4191`).
    pub fn as_str(self) -> &'static str {
        match self {
            Via::IpInIp => "ipip",
            Via::Ipv6InIpv4 => "ip6in4",
            Via::Udp4191 => "udp4191",
        }
    }
}

impl std::fmt::Display for Via {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The tunnel fields the dissector puts first in a tunnelled message's part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tunnel {
    pub via: Via,
    /// The outer source address (the tunnel entry point: the MN's CoA, the FA, the FHA, …).
    pub from: Option<IpAddr>,
    /// The outer UDP source port (UDP 4191 only; a NAT may pick it).
    pub sport: Option<u16>,
    pub inner_src: Option<IpAddr>,
    pub inner_dst: Option<IpAddr>,
}

impl Tunnel {
    /// The tunnel of a part that has a readable `via` field; `None` for one sent in the clear.
    pub fn of_part(m: &Part) -> Option<Tunnel> {
        Some(Tunnel {
            via: Via::parse(m.get("via")?)?,
            from: parsed(m, "from"),
            sport: parsed(m, "sport"),
            inner_src: parsed(m, "inner_src"),
            inner_dst: parsed(m, "inner_dst"),
        })
    }
}

/// A packet that travelled inside a tunnel, with the roles of its outer addresses.
#[derive(Debug, Clone)]
pub struct TunnelledPacket<'a> {
    pub entry: &'a Entry,
    /// Index of the entry in the observation's transcript: capture order.
    pub position: usize,
    /// The outer sender's and receiver's roles ([`Observation::role_of`] when the entry shows
    /// only an address).
    pub src: &'a str,
    pub dst: &'a str,
    pub tunnel: Tunnel,
    /// The inner message (`ESP`, `IKEv2`, `MIPv4`, …) or the opaque part.
    pub inner: &'a Part,
}

impl<'a> TunnelledPacket<'a> {
    pub fn frame(&self) -> u64 {
        self.entry.frame
    }

    pub fn via(&self) -> Via {
        self.tunnel.via
    }

    pub fn outer_src(&self) -> IpAddr {
        self.entry.src_addr
    }

    pub fn outer_dst(&self) -> IpAddr {
        self.entry.dst_addr
    }

    /// The inner message's protocol (`ESP`, `IKEv2`, `MIPv4`; `IP-in-IP` or `DSMIPv6` when
    /// no dissector took the inner packet).
    pub fn inner_protocol(&self) -> &'a str {
        &self.inner.protocol
    }

    /// Whether no dissector took the inner packet (only its protocol number and length are
    /// known).
    pub fn is_opaque(&self) -> bool {
        matches!(
            (self.inner.protocol.as_str(), self.inner.kind.as_str()),
            ("IP-in-IP", "inner") | ("DSMIPv6", "UDP-4191")
        )
    }

    /// The inner packet's IP protocol, for an opaque one.
    pub fn next_header(&self) -> Option<u8> {
        parsed(self.inner, "next_header")
    }

    /// The ICMPv4 type of an opaque inner ICMPv4 packet (8 echo request, 0 echo reply).
    pub fn icmp_type(&self) -> Option<u8> {
        parsed(self.inner, "icmp_type")
    }

    /// The first part of `kind` in the inner message (`BU`, `BA`, `IKE_AUTH request`, …).
    pub fn find(&self, kind: &str) -> Option<&'a Part> {
        self.inner.find(kind)
    }

    /// Whether the outer packet went between `a` and `b`, either way.
    pub fn between(&self, a: IpAddr, b: IpAddr) -> bool {
        let (s, d) = (self.outer_src(), self.outer_dst());
        (s == a && d == b) || (s == b && d == a)
    }
}

impl Observation {
    /// Packets that came through a tunnel, sent (outer source) by `src` (any role if
    /// `None`), in capture order.
    pub fn tunnelled_packets<'a>(
        &'a self,
        src: Option<&'a str>,
    ) -> impl Iterator<Item = TunnelledPacket<'a>> + 'a {
        self.transcript
            .entries
            .iter()
            .enumerate()
            .filter_map(move |(position, e)| self.tunnelled(position, e))
            .filter(move |p| src.is_none_or(|s| p.src == s))
    }

    /// The tunnel that carried `entry` (an entry of this observation's transcript, such as a
    /// view's `entry`); `None` when it came in the clear.
    pub fn tunnel_of<'a>(&'a self, entry: &Entry) -> Option<TunnelledPacket<'a>> {
        let position = self
            .transcript
            .entries
            .iter()
            .position(|e| std::ptr::eq(e, entry))?;
        self.tunnelled(position, &self.transcript.entries[position])
    }

    fn tunnelled<'a>(&'a self, position: usize, e: &'a Entry) -> Option<TunnelledPacket<'a>> {
        let Decoded::Message(m) = &e.decoded else {
            return None;
        };
        Some(TunnelledPacket {
            entry: e,
            position,
            src: self.role_or_name(&e.src, &e.src_addr),
            dst: self.role_or_name(&e.dst, &e.dst_addr),
            tunnel: Tunnel::of_part(m)?,
            inner: m,
        })
    }
}
