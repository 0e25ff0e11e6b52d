//! ICMPv6 Neighbor Discovery messages for duplicate address detection: Neighbor Solicitation
//! and Neighbor Advertisement (RFC 4861 §4.3, §4.4) with the link-layer address options
//! (§4.6.1), the ICMPv6 checksum (RFC 4443 §2.3), the solicited-node multicast address
//! (RFC 4291 §2.7.1), its Ethernet group address (RFC 2464 §7) and whole IPv6 packets around
//! them (hop limit 255, RFC 4861 §7.1).

use crate::tlv::{Format, TlvError};
use crate::view::{buffer_view, room_for, view_fields};
use crate::{ipv6ext, Error, Result};
use std::net::Ipv6Addr;

pub const NEXT_HEADER_ICMPV6: u8 = 58;
pub const TYPE_NS: u8 = 135;
pub const TYPE_NA: u8 = 136;
pub const OPT_SOURCE_LLA: u8 = 1;
pub const OPT_TARGET_LLA: u8 = 2;
/// Every ND message is sent with it, and a receiver drops any other value (RFC 4861 §7.1).
pub const HOP_LIMIT: u8 = 255;
/// ff02::1, where a node defending its address sends its advertisement (RFC 4862 §5.4.5).
pub const ALL_NODES: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1);

/// Type, code, checksum, 4 octets (reserved, or NA flags), target.
const FIXED_LEN: usize = 24;
const CHECKSUM: std::ops::Range<usize> = 2..4;

/// ff02::1:ffXX:XXXX with the low 24 bits of `a`.
pub fn solicited_node(a: Ipv6Addr) -> Ipv6Addr {
    let o = a.octets();
    Ipv6Addr::from(
        0xff02_0000_0000_0000_0000_0001_ff00_0000u128
            | u128::from(u32::from_be_bytes([0, o[13], o[14], o[15]])),
    )
}

/// 33:33 and the low 32 bits of an IPv6 multicast address.
pub fn multicast_mac(group: Ipv6Addr) -> [u8; 6] {
    let o = group.octets();
    [0x33, 0x33, o[12], o[13], o[14], o[15]]
}

/// The checksum `icmp` should carry, its checksum field taken as zero.
pub fn checksum(src: &Ipv6Addr, dst: &Ipv6Addr, icmp: &[u8]) -> u16 {
    crate::checksum::compute_ipv6(src, dst, NEXT_HEADER_ICMPV6, icmp, CHECKSUM.start)
}

/// Whether the checksum in `icmp` is right (the sum with the field is all ones).
pub fn verify_checksum(src: &Ipv6Addr, dst: &Ipv6Addr, icmp: &[u8]) -> bool {
    crate::checksum::verify_ipv6(src, dst, NEXT_HEADER_ICMPV6, icmp, CHECKSUM.start)
}

buffer_view! {
    /// A checked view of an NS or NA (the whole ICMPv6 message). `new_checked` asks for the
    /// 24-octet fixed part (type, code and options are judged by [`Repr::parse`]).
    #[derive(Debug, Clone, Copy)]
    Packet, at least FIXED_LEN, else |len| format!("ND message of {len} octets, need {FIXED_LEN}")
}

view_fields!(Packet {
    msg_type: u8 = 0;
    code: u8 = 1;
    checksum: u16 = CHECKSUM;
    /// The octet after the checksum: R, S, O flags in an NA, reserved in an NS.
    flags: u8 = 4;
    target: Ipv6Addr = 8..FIXED_LEN;
});

impl<T: AsRef<[u8]>> Packet<T> {
    /// The option octets after the fixed part.
    pub fn options(&self) -> &[u8] {
        &self.buffer.as_ref()[FIXED_LEN..]
    }

    pub fn verify_checksum(&self, src: &Ipv6Addr, dst: &Ipv6Addr) -> bool {
        verify_checksum(src, dst, self.buffer.as_ref())
    }
}

/// One ND option (RFC 4861 §4.6): link-layer addresses are kept as given (any length).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NdOption {
    SourceLinkLayer(Vec<u8>),
    TargetLinkLayer(Vec<u8>),
    Other { kind: u8, data: Vec<u8> },
}

impl NdOption {
    fn kind(&self) -> u8 {
        match self {
            NdOption::SourceLinkLayer(_) => OPT_SOURCE_LLA,
            NdOption::TargetLinkLayer(_) => OPT_TARGET_LLA,
            NdOption::Other { kind, .. } => *kind,
        }
    }

    fn data(&self) -> &[u8] {
        match self {
            NdOption::SourceLinkLayer(d) | NdOption::TargetLinkLayer(d) => d,
            NdOption::Other { data, .. } => data,
        }
    }
}

/// A Neighbor Solicitation or Advertisement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Repr {
    Solicitation {
        target: Ipv6Addr,
        options: Vec<NdOption>,
    },
    Advertisement {
        router: bool,
        solicited: bool,
        override_flag: bool,
        target: Ipv6Addr,
        options: Vec<NdOption>,
    },
}

impl Repr {
    /// The DAD probe for `target` (RFC 4862 §5.4.2): sent from ::, so no source link-layer
    /// address option (RFC 4861 §7.1.1).
    pub fn dad_probe(target: Ipv6Addr) -> Repr {
        Repr::Solicitation {
            target,
            options: Vec::new(),
        }
    }

    /// The answer of a node that holds `target`, to a DAD probe (RFC 4861 §7.2.4: to the
    /// all-nodes address, Solicited clear, Override set, with the target link-layer address).
    pub fn defense(target: Ipv6Addr, lladdr: [u8; 6]) -> Repr {
        Repr::Advertisement {
            router: false,
            solicited: false,
            override_flag: true,
            target,
            options: vec![NdOption::TargetLinkLayer(lladdr.to_vec())],
        }
    }

    pub fn icmp_type(&self) -> u8 {
        match self {
            Repr::Solicitation { .. } => TYPE_NS,
            Repr::Advertisement { .. } => TYPE_NA,
        }
    }

    pub fn target(&self) -> Ipv6Addr {
        match self {
            Repr::Solicitation { target, .. } | Repr::Advertisement { target, .. } => *target,
        }
    }

    pub fn options(&self) -> &[NdOption] {
        match self {
            Repr::Solicitation { options, .. } | Repr::Advertisement { options, .. } => options,
        }
    }

    /// Reads an ICMPv6 message of type 135 or 136 in a checked view (checksum not checked:
    /// see [`Packet::verify_checksum`]). Code must be 0 and every option non-empty (RFC 4861
    /// §7.1).
    pub fn parse<T: AsRef<[u8]>>(p: &Packet<T>) -> Result<Repr> {
        if p.code() != 0 {
            return Err(Error::new(1, format!("ND code {} is not 0", p.code())));
        }
        let target = p.target();
        let options = parse_options(p.options()).map_err(|e| e.shifted(FIXED_LEN))?;
        match p.msg_type() {
            TYPE_NS => Ok(Repr::Solicitation { target, options }),
            TYPE_NA => Ok(Repr::Advertisement {
                router: p.flags() & 0x80 != 0,
                solicited: p.flags() & 0x40 != 0,
                override_flag: p.flags() & 0x20 != 0,
                target,
                options,
            }),
            t => Err(Error::new(0, format!("ICMPv6 type {t} is not NS or NA"))),
        }
    }

    /// Parses `icmp`, all of which is the message.
    pub fn from_bytes(icmp: &[u8]) -> Result<Repr> {
        Repr::parse(&Packet::new_checked(icmp)?)
    }

    /// Octets of the message: the fixed part and each option padded to 8-octet units.
    pub fn buffer_len(&self) -> usize {
        FIXED_LEN
            + self
                .options()
                .iter()
                .map(|o| option_units(o.data()) * 8)
                .sum::<usize>()
    }

    /// Writes the message into the first [`Repr::buffer_len`] octets of the view, checksum
    /// filled in for `src` → `dst`. Options longer than the length octet can say are an error.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(
        &self,
        src: Ipv6Addr,
        dst: Ipv6Addr,
        p: &mut Packet<T>,
    ) -> Result<()> {
        emit_icmpv6(
            p.buffer.as_mut(),
            self.buffer_len(),
            "ND",
            (src, dst),
            |b| {
                b[0] = self.icmp_type();
                if let Repr::Advertisement {
                    router,
                    solicited,
                    override_flag,
                    ..
                } = self
                {
                    b[4] = u8::from(*router) << 7
                        | u8::from(*solicited) << 6
                        | u8::from(*override_flag) << 5;
                }
                b[8..FIXED_LEN].copy_from_slice(&self.target().octets());
                let mut off = FIXED_LEN;
                for o in self.options() {
                    off += emit_option(o.kind(), o.data(), &mut b[off..])
                        .map_err(|_| Error::new(off, "ND option longer than 2040 octets"))?;
                }
                Ok(())
            },
        )
    }

    /// The ICMPv6 octets, checksum filled in for `src` → `dst`.
    pub fn to_bytes(&self, src: Ipv6Addr, dst: Ipv6Addr) -> Result<Vec<u8>> {
        let mut b = vec![0u8; self.buffer_len()];
        self.emit(src, dst, &mut Packet::new_unchecked(&mut b[..]))?;
        Ok(b)
    }

    /// The whole IPv6 packet (hop limit 255, no extension headers).
    pub fn to_ipv6_packet(&self, src: Ipv6Addr, dst: Ipv6Addr) -> Result<Vec<u8>> {
        let icmp = self.to_bytes(src, dst)?;
        let plen = u16::try_from(icmp.len()).map_err(|_| Error::new(4, "packet too long"))?;
        let mut p = Vec::with_capacity(ipv6ext::FIXED_HEADER_LEN + icmp.len());
        ipv6ext::emit_fixed_header(&mut p, src, dst, NEXT_HEADER_ICMPV6, HOP_LIMIT, plen);
        p.extend_from_slice(&icmp);
        Ok(p)
    }
}

/// Writes an ICMPv6 message of `len` octets (`what` names it in errors) at the start of
/// `buf`: zeroed, filled by `body`, then the checksum for the pseudo-header `addrs`.
pub(crate) fn emit_icmpv6(
    buf: &mut [u8],
    len: usize,
    what: &str,
    (src, dst): (Ipv6Addr, Ipv6Addr),
    body: impl FnOnce(&mut [u8]) -> Result<()>,
) -> Result<()> {
    let b = room_for(buf, len, what)?;
    b.fill(0);
    body(b)?;
    let c = checksum(&src, &dst, b);
    b[CHECKSUM].copy_from_slice(&c.to_be_bytes());
    Ok(())
}

/// 8-octet units of an ND option (RFC 4861 §4.6) with `data` after Type and Length.
pub(crate) fn option_units(data: &[u8]) -> usize {
    (data.len() + 2).div_ceil(8)
}

/// Writes an ND option at the start of `out` (zero padding left as `out` has it); returns
/// its octets. `Err(())` when it is over 255 units, which the Length octet cannot say.
pub(crate) fn emit_option(
    kind: u8,
    data: &[u8],
    out: &mut [u8],
) -> core::result::Result<usize, ()> {
    let units = option_units(data);
    let len = u8::try_from(units).map_err(|_| ())?;
    out[0] = kind;
    out[1] = len;
    out[2..2 + data.len()].copy_from_slice(data);
    Ok(units * 8)
}

fn parse_options(b: &[u8]) -> Result<Vec<NdOption>> {
    Format::ND_OPTIONS
        .items(b, 0)
        .map(|item| {
            let item = item.map_err(|e| option_list_error(e, "ND option"))?;
            let data = item.value.to_vec();
            Ok(match item.kind as u8 {
                OPT_SOURCE_LLA => NdOption::SourceLinkLayer(data),
                OPT_TARGET_LLA => NdOption::TargetLinkLayer(data),
                kind => NdOption::Other { kind, data },
            })
        })
        .collect()
}

/// Words a malformed ND option list as the ND and Mobile Prefix codecs always have
/// (transcripts print these); `what` names the option ("ND option", "option").
pub(crate) fn option_list_error(e: TlvError, what: &str) -> Error {
    match e {
        TlvError::HeaderTruncated { offset, .. } => Error::new(offset, format!("{what} truncated")),
        TlvError::LengthTooSmall { offset, .. } => {
            Error::new(offset, format!("{what} with length 0"))
        }
        TlvError::Overrun { offset, length, .. } => {
            Error::new(offset, format!("{what} of {} octets truncated", length * 8))
        }
    }
}

/// An NS or NA as it came off the link, with what its IPv6 header says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub src: Ipv6Addr,
    pub dst: Ipv6Addr,
    pub hop_limit: u8,
    pub checksum_ok: bool,
    pub repr: Repr,
}

impl Received {
    /// RFC 4861 §7.1.1 / §7.1.2 validity, as far as DAD needs it: hop limit 255, checksum,
    /// a unicast target; a probe from :: goes to the solicited-node address and has no source
    /// link-layer option; an advertisement to a multicast address has Solicited clear.
    pub fn is_valid(&self) -> bool {
        let target = self.repr.target();
        if self.hop_limit != HOP_LIMIT || !self.checksum_ok || target.is_multicast() {
            return false;
        }
        match &self.repr {
            Repr::Solicitation { options, .. } if self.src.is_unspecified() => {
                self.dst == solicited_node(target)
                    && !options
                        .iter()
                        .any(|o| matches!(o, NdOption::SourceLinkLayer(_)))
            }
            Repr::Solicitation { .. } => true,
            Repr::Advertisement { solicited, .. } => !(self.dst.is_multicast() && *solicited),
        }
    }

    /// A DAD probe: a solicitation from the unspecified address (RFC 4862 §5.4.2).
    pub fn is_dad_probe(&self) -> bool {
        self.src.is_unspecified() && matches!(self.repr, Repr::Solicitation { .. })
    }
}

/// The NS or NA in a whole IPv6 packet. `None`: not IPv6, or not ICMPv6 type 135/136;
/// `Some(Err)`: one of those, malformed.
pub fn parse_ipv6(p: &[u8]) -> Option<Result<Received>> {
    let h = ipv6ext::FixedHeader::parse(p)?;
    let chain = ipv6ext::walk(h.next_header, h.payload).ok()?;
    if chain.upper != NEXT_HEADER_ICMPV6 {
        return None;
    }
    let icmp = &h.payload[chain.rest_offset..];
    if !matches!(icmp.first(), Some(&TYPE_NS | &TYPE_NA)) {
        return None;
    }
    let at = ipv6ext::FIXED_HEADER_LEN + chain.rest_offset;
    Some(
        Repr::from_bytes(icmp)
            .map_err(|e| e.shifted(at))
            .map(|repr| Received {
                src: h.src,
                dst: h.dst,
                hop_limit: h.hop_limit,
                checksum_ok: verify_checksum(&h.src, &h.dst, icmp),
                repr,
            }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const HOA: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 1, 0x100, 0, 0, 0, 0x100);

    #[test]
    fn solicited_node_and_its_mac() {
        let g = solicited_node("2001:db8:1:100::12:3456".parse().unwrap());
        assert_eq!(g, "ff02::1:ff12:3456".parse::<Ipv6Addr>().unwrap());
        assert_eq!(multicast_mac(g), [0x33, 0x33, 0xff, 0x12, 0x34, 0x56]);
        assert_eq!(multicast_mac(ALL_NODES), [0x33, 0x33, 0, 0, 0, 1]);
    }

    #[test]
    fn dad_probe_bytes_and_checksum() {
        let dst = solicited_node(HOA);
        let p = Repr::dad_probe(HOA)
            .to_ipv6_packet(Ipv6Addr::UNSPECIFIED, dst)
            .unwrap();
        assert_eq!(p.len(), 40 + 24);
        assert_eq!((p[6], p[7]), (58, 255));
        assert_eq!(&p[8..24], &[0u8; 16]);
        assert_eq!(p[40], 135);
        assert_eq!(&p[48..64], &HOA.octets());
        // Known answer: computed independently over the pseudo-header and the message.
        assert_eq!(u16::from_be_bytes([p[42], p[43]]), 0x49ee);
        let r = parse_ipv6(&p).unwrap().unwrap();
        assert!(r.checksum_ok && r.is_valid() && r.is_dad_probe());
        assert_eq!(r.repr, Repr::dad_probe(HOA));
    }

    #[test]
    fn defense_round_trips_with_flags_and_tlla() {
        let mac = [2, 0x42, 0xc6, 0x33, 0x64, 0x90];
        let src: Ipv6Addr = "2001:db8:1::d0".parse().unwrap();
        let p = Repr::defense(HOA, mac)
            .to_ipv6_packet(src, ALL_NODES)
            .unwrap();
        assert_eq!(p.len(), 40 + 32);
        assert_eq!(p[44], 0x20, "S = 0, O = 1");
        assert_eq!(&p[64..72], &[2, 1, 2, 0x42, 0xc6, 0x33, 0x64, 0x90]);
        let r = parse_ipv6(&p).unwrap().unwrap();
        assert!(r.is_valid() && !r.is_dad_probe());
        assert_eq!(r.repr, Repr::defense(HOA, mac));
    }

    #[test]
    fn invalid_messages_are_told_apart() {
        let dst = solicited_node(HOA);
        let mut p = Repr::dad_probe(HOA)
            .to_ipv6_packet(Ipv6Addr::UNSPECIFIED, dst)
            .unwrap();
        p[7] = 64;
        assert!(!parse_ipv6(&p).unwrap().unwrap().is_valid(), "hop limit");
        p[7] = 255;
        p[60] ^= 1;
        let r = parse_ipv6(&p).unwrap().unwrap();
        assert!(!r.checksum_ok && !r.is_valid(), "checksum");
        // Code 1, a zero-length option, a short message, another ICMPv6 type.
        let mut icmp = Repr::dad_probe(HOA)
            .to_bytes(Ipv6Addr::UNSPECIFIED, dst)
            .unwrap();
        icmp[1] = 1;
        assert!(Repr::from_bytes(&icmp).is_err());
        icmp[1] = 0;
        icmp.extend([1, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(Repr::from_bytes(&icmp).unwrap_err().offset, 25);
        assert!(Repr::from_bytes(&icmp[..20]).is_err());
        let mut echo = p.clone();
        echo[40] = 128;
        assert!(parse_ipv6(&echo).is_none());
        // A multicast NA with S set.
        let na = Repr::Advertisement {
            router: false,
            solicited: true,
            override_flag: true,
            target: HOA,
            options: vec![],
        };
        let p = na.to_ipv6_packet(HOA, ALL_NODES).unwrap();
        assert!(!parse_ipv6(&p).unwrap().unwrap().is_valid());
    }

    proptest! {
        #[test]
        fn parsing_never_panics(b in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = Repr::from_bytes(&b);
            let _ = parse_ipv6(&b);
            let _ = verify_checksum(&HOA, &ALL_NODES, &b);
        }

        #[test]
        fn emitted_messages_parse_back_with_a_good_checksum(
            t in any::<u128>(),
            s in any::<u128>(),
            mac in any::<[u8; 6]>(),
            ns in any::<bool>(),
        ) {
            let target = Ipv6Addr::from(t);
            let src = Ipv6Addr::from(s);
            let repr = if ns { Repr::dad_probe(target) } else { Repr::defense(target, mac) };
            let icmp = repr.to_bytes(src, ALL_NODES).unwrap();
            prop_assert!(verify_checksum(&src, &ALL_NODES, &icmp));
            prop_assert_eq!(Repr::from_bytes(&icmp).unwrap(), repr);
        }
    }
}
