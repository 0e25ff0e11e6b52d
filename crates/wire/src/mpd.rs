//! ICMPv6 Mobile Prefix Discovery (RFC 6275 §6.7, §6.8): the Mobile Prefix Solicitation
//! (type 146) an MN away from home sends to its HA, and the Mobile Prefix Advertisement
//! (type 147) that answers it with Prefix Information options (RFC 4861 §4.6.2 with the
//! Router Address flag of RFC 6275 §7.2).
//!
//! Checksum: the ICMPv6 checksum (RFC 4443 §2.3, [`crate::nd::checksum`]) over a pseudo-header
//! whose source is the home address when the packet carries a Home Address option, and whose
//! destination is the final one (the home address of a type 2 routing header): RFC 6275
//! §11.3.1 (upper-layer checksums "using the home address as the value of the source") and
//! RFC 8200 §8.1. [`crate::mh::checksum::pseudo_header_addresses`] gives both addresses.

use crate::nd::{self, NEXT_HEADER_ICMPV6};
use crate::tlv::Format;
use crate::view::{buffer_view, require_len, view_fields};
use crate::{Error, Result};
use std::net::Ipv6Addr;

pub const TYPE_MPS: u8 = 146;
pub const TYPE_MPA: u8 = 147;
pub const OPT_PREFIX_INFO: u8 = 3;
/// Type, code, checksum, identifier, 16 bits of flags/reserved.
pub const HEADER_LEN: usize = 8;
/// Type, length 4, prefix length, flags, two lifetimes, Reserved2, prefix.
const PREFIX_INFO_LEN: usize = 32;

mod field {
    pub const TYPE: usize = 0;
    pub const CODE: usize = 1;
    pub const CHECKSUM: std::ops::Range<usize> = 2..4;
    pub const IDENTIFIER: std::ops::Range<usize> = 4..6;
    pub const FLAGS: usize = 6;
}

const FLAG_M: u8 = 0x80;
const FLAG_O: u8 = 0x40;
const PI_L: u8 = 0x80;
const PI_A: u8 = 0x40;
const PI_R: u8 = 0x20;

buffer_view! {
    /// A read view of an MPS or MPA at the start of a buffer (the whole ICMPv6 message).
    /// [`Packet::new_checked`] makes every accessor safe.
    #[derive(Debug, Clone, PartialEq, Eq)]
    Packet
}

view_fields!(Packet {
    msg_type: u8 = field::TYPE;
    code: u8 = field::CODE;
    checksum: u16 = field::CHECKSUM;
    identifier: u16 = field::IDENTIFIER;
});

impl<T: AsRef<[u8]>> Packet<T> {
    /// At least the 8-octet header, and type 146 or 147.
    pub fn new_checked(buffer: T) -> Result<Packet<T>> {
        let b = buffer.as_ref();
        require_len(b, HEADER_LEN, |n| {
            format!("Mobile Prefix message of {n} octets, need {HEADER_LEN}")
        })?;
        if !matches!(b[field::TYPE], TYPE_MPS | TYPE_MPA) {
            return Err(Error::new(
                field::TYPE,
                format!("ICMPv6 type {} is not 146 or 147", b[field::TYPE]),
            ));
        }
        Ok(Packet { buffer })
    }

    /// MPA: Managed Address Configuration; always false for an MPS (reserved there).
    pub fn managed(&self) -> bool {
        self.msg_type() == TYPE_MPA && self.buffer.as_ref()[field::FLAGS] & FLAG_M != 0
    }

    /// MPA: Other Stateful Configuration.
    pub fn other(&self) -> bool {
        self.msg_type() == TYPE_MPA && self.buffer.as_ref()[field::FLAGS] & FLAG_O != 0
    }

    /// The option octets after the header.
    pub fn options(&self) -> &[u8] {
        &self.buffer.as_ref()[HEADER_LEN..]
    }

    /// The checksum with `src`/`dst` as the pseudo-header addresses (see the module docs).
    pub fn verify_checksum(&self, src: &Ipv6Addr, dst: &Ipv6Addr) -> bool {
        nd::verify_checksum(src, dst, self.buffer.as_ref())
    }
}

/// A Prefix Information option (RFC 4861 §4.6.2; R flag of RFC 6275 §7.2: the Prefix field
/// holds a whole address of the sending router, of which the first `prefix_len` bits are
/// the prefix).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrefixInfo {
    pub prefix_len: u8,
    pub on_link: bool,
    pub autonomous: bool,
    pub router_address: bool,
    pub valid_lifetime: u32,
    pub preferred_lifetime: u32,
    pub prefix: Ipv6Addr,
}

impl PrefixInfo {
    /// A home prefix as a home agent advertises it (RFC 6275 §10.6.1): on-link, autonomous,
    /// R clear (the Prefix field holds the prefix, not the HA's address), valid and preferred
    /// for `lifetime` seconds.
    pub fn home_prefix(prefix: Ipv6Addr, prefix_len: u8, lifetime: u32) -> PrefixInfo {
        PrefixInfo {
            prefix_len,
            on_link: true,
            autonomous: true,
            router_address: false,
            valid_lifetime: lifetime,
            preferred_lifetime: lifetime,
            prefix,
        }
    }

    /// The prefix with the bits after `prefix_len` cleared (with R, the router's address
    /// otherwise fills them).
    pub fn network(&self) -> Ipv6Addr {
        let len = u32::from(self.prefix_len.min(128));
        let mask = if len == 0 {
            0
        } else {
            u128::MAX << (128 - len)
        };
        Ipv6Addr::from(u128::from(self.prefix) & mask)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MpdOption {
    PrefixInfo(PrefixInfo),
    /// Any other ND option, kept (receivers ignore unknown options, RFC 6275 §6.7/§6.8).
    Other {
        kind: u8,
        data: Vec<u8>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Repr {
    Solicitation {
        identifier: u16,
        options: Vec<MpdOption>,
    },
    Advertisement {
        identifier: u16,
        managed: bool,
        other: bool,
        options: Vec<MpdOption>,
    },
}

impl Repr {
    pub fn icmp_type(&self) -> u8 {
        match self {
            Repr::Solicitation { .. } => TYPE_MPS,
            Repr::Advertisement { .. } => TYPE_MPA,
        }
    }

    pub fn identifier(&self) -> u16 {
        match self {
            Repr::Solicitation { identifier, .. } | Repr::Advertisement { identifier, .. } => {
                *identifier
            }
        }
    }

    pub fn options(&self) -> &[MpdOption] {
        match self {
            Repr::Solicitation { options, .. } | Repr::Advertisement { options, .. } => options,
        }
    }

    /// The Prefix Information options, in order.
    pub fn prefixes(&self) -> impl Iterator<Item = &PrefixInfo> {
        self.options().iter().filter_map(|o| match o {
            MpdOption::PrefixInfo(p) => Some(p),
            MpdOption::Other { .. } => None,
        })
    }

    /// Reads a type 146/147 message in a checked view (checksum not checked:
    /// [`Packet::verify_checksum`]). Code must be 0; reserved bits are ignored (RFC 6275 §6.7,
    /// §6.8).
    pub fn parse<T: AsRef<[u8]>>(p: &Packet<T>) -> Result<Repr> {
        if p.code() != 0 {
            return Err(Error::new(
                field::CODE,
                format!("Mobile Prefix code {} is not 0", p.code()),
            ));
        }
        let options = parse_options(p.options()).map_err(|e| e.shifted(HEADER_LEN))?;
        let identifier = p.identifier();
        Ok(match p.msg_type() {
            TYPE_MPS => Repr::Solicitation {
                identifier,
                options,
            },
            _ => Repr::Advertisement {
                identifier,
                managed: p.managed(),
                other: p.other(),
                options,
            },
        })
    }

    /// Parses `icmp`, all of which is the message.
    pub fn from_bytes(icmp: &[u8]) -> Result<Repr> {
        Repr::parse(&Packet::new_checked(icmp)?)
    }

    /// Octets of the message: the header and each option padded to 8-octet units.
    pub fn buffer_len(&self) -> usize {
        HEADER_LEN
            + self
                .options()
                .iter()
                .map(|o| match o {
                    MpdOption::PrefixInfo(_) => PREFIX_INFO_LEN,
                    MpdOption::Other { data, .. } => nd::option_units(data) * 8,
                })
                .sum::<usize>()
    }

    /// Writes the message into the first [`Repr::buffer_len`] octets of the view, with the
    /// checksum for the pseudo-header addresses `src` → `dst` (the HoA as `src` when a Home
    /// Address option is sent, see the module docs). Options longer than the length octet can
    /// say are an error.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(
        &self,
        src: Ipv6Addr,
        dst: Ipv6Addr,
        p: &mut Packet<T>,
    ) -> Result<()> {
        let len = self.buffer_len();
        nd::emit_icmpv6(p.buffer.as_mut(), len, "Mobile Prefix", (src, dst), |b| {
            b[field::TYPE] = self.icmp_type();
            b[field::IDENTIFIER].copy_from_slice(&self.identifier().to_be_bytes());
            if let Repr::Advertisement { managed, other, .. } = self {
                b[field::FLAGS] =
                    if *managed { FLAG_M } else { 0 } | if *other { FLAG_O } else { 0 };
            }
            let mut off = HEADER_LEN;
            for o in self.options() {
                match o {
                    MpdOption::PrefixInfo(p) => {
                        let out = &mut b[off..off + PREFIX_INFO_LEN];
                        out[0] = OPT_PREFIX_INFO;
                        out[1] = (PREFIX_INFO_LEN / 8) as u8;
                        out[2] = p.prefix_len;
                        out[3] = if p.on_link { PI_L } else { 0 }
                            | if p.autonomous { PI_A } else { 0 }
                            | if p.router_address { PI_R } else { 0 };
                        out[4..8].copy_from_slice(&p.valid_lifetime.to_be_bytes());
                        out[8..12].copy_from_slice(&p.preferred_lifetime.to_be_bytes());
                        out[16..32].copy_from_slice(&p.prefix.octets());
                        off += PREFIX_INFO_LEN;
                    }
                    MpdOption::Other { kind, data } => {
                        off += nd::emit_option(*kind, data, &mut b[off..])
                            .map_err(|_| Error::new(off, "option longer than 2040 octets"))?;
                    }
                }
            }
            Ok(())
        })
    }

    /// The ICMPv6 octets with the checksum for `src` → `dst` (see [`Repr::emit`]).
    pub fn to_bytes(&self, src: Ipv6Addr, dst: Ipv6Addr) -> Result<Vec<u8>> {
        let mut b = vec![0u8; self.buffer_len()];
        self.emit(src, dst, &mut Packet::new_unchecked(&mut b[..]))?;
        Ok(b)
    }
}

fn parse_options(b: &[u8]) -> Result<Vec<MpdOption>> {
    Format::ND_OPTIONS
        .items(b, 0)
        .map(|item| {
            let item = item.map_err(|e| nd::option_list_error(e, "option"))?;
            let opt = item.raw;
            Ok(match item.kind as u8 {
                OPT_PREFIX_INFO => {
                    if opt.len() != PREFIX_INFO_LEN {
                        return Err(Error::new(
                            item.offset + 1,
                            format!("Prefix Information of {} octets, not 32", opt.len()),
                        ));
                    }
                    let u32_at =
                        |i: usize| u32::from_be_bytes([opt[i], opt[i + 1], opt[i + 2], opt[i + 3]]);
                    let mut a = [0u8; 16];
                    a.copy_from_slice(&opt[16..32]);
                    MpdOption::PrefixInfo(PrefixInfo {
                        prefix_len: opt[2],
                        on_link: opt[3] & PI_L != 0,
                        autonomous: opt[3] & PI_A != 0,
                        router_address: opt[3] & PI_R != 0,
                        valid_lifetime: u32_at(4),
                        preferred_lifetime: u32_at(8),
                        prefix: Ipv6Addr::from(a),
                    })
                }
                kind => MpdOption::Other {
                    kind,
                    data: item.value.to_vec(),
                },
            })
        })
        .collect()
}

/// Whether an IPv6 next header / ICMPv6 type pair is Mobile Prefix Discovery.
pub fn is_mpd(next_header: u8, icmp: &[u8]) -> bool {
    next_header == NEXT_HEADER_ICMPV6 && matches!(icmp.first(), Some(&TYPE_MPS | &TYPE_MPA))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const HOA: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 1, 0x100, 0, 0, 0, 0x8000);
    const HA: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 1, 0, 0, 0, 0, 0xa1);
    const COA: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 1, 0, 0, 0, 0, 0x100);

    fn home() -> PrefixInfo {
        PrefixInfo {
            prefix_len: 64,
            on_link: true,
            autonomous: true,
            router_address: false,
            valid_lifetime: 3600,
            preferred_lifetime: 1800,
            prefix: Ipv6Addr::new(0x2001, 0xdb8, 1, 0x100, 0, 0, 0, 0),
        }
    }

    #[test]
    fn solicitation_bytes_and_checksum_over_the_home_address() {
        let mps = Repr::Solicitation {
            identifier: 0xbeef,
            options: vec![],
        };
        // Sent from the CoA with HAO = HoA: the pseudo-header source is the HoA.
        let (s, d) = crate::mh::checksum::pseudo_header_addresses(COA, HA, Some(HOA), None);
        assert_eq!((s, d), (HOA, HA));
        let b = mps.to_bytes(s, d).unwrap();
        assert_eq!(b.len(), 8);
        assert_eq!(&b[..2], &[146, 0]);
        assert_eq!(&b[4..8], &[0xbe, 0xef, 0, 0]);
        // Known answer, computed independently over the pseudo-header (HoA, HA, length 8,
        // next header 58) and the message.
        assert_eq!(u16::from_be_bytes([b[2], b[3]]), 0xd1b7);
        let p = Packet::new_checked(&b[..]).unwrap();
        assert!(p.verify_checksum(&HOA, &HA));
        assert!(
            !p.verify_checksum(&COA, &HA),
            "the CoA is not the pseudo-header source"
        );
        assert_eq!(Repr::from_bytes(&b).unwrap(), mps);
    }

    #[test]
    fn advertisement_round_trips_with_flags_and_prefixes() {
        let with_router = PrefixInfo {
            router_address: true,
            prefix: Ipv6Addr::new(0x2001, 0xdb8, 1, 0x100, 0, 0, 0, 0xa1),
            ..home()
        };
        let mpa = Repr::Advertisement {
            identifier: 7,
            managed: false,
            other: true,
            options: vec![
                MpdOption::PrefixInfo(home()),
                MpdOption::PrefixInfo(with_router),
                // Unknown options are kept whole (padding included).
                MpdOption::Other {
                    kind: 200,
                    data: vec![1, 2, 3, 0, 0, 0],
                },
            ],
        };
        let b = mpa.to_bytes(HA, HOA).unwrap();
        assert_eq!(b.len(), 8 + 32 + 32 + 8);
        assert_eq!(b[6], 0x40, "O set, M clear");
        assert_eq!(&b[8..12], &[3, 4, 64, 0xc0]);
        assert_eq!(b[43], 0xe0, "L, A and R");
        assert_eq!(&b[12..16], &3600u32.to_be_bytes());
        let r = Repr::from_bytes(&b).unwrap();
        assert_eq!(r, mpa);
        let ps: Vec<_> = r.prefixes().collect();
        assert_eq!(ps.len(), 2);
        assert_eq!(ps[1].network(), home().prefix);
        assert!(Packet::new_checked(&b[..])
            .unwrap()
            .verify_checksum(&HA, &HOA));
    }

    #[test]
    fn malformed_messages_are_errors_with_offsets() {
        assert!(Repr::from_bytes(&[146, 0, 0, 0, 0]).is_err());
        assert!(Repr::from_bytes(&[135, 0, 0, 0, 0, 0, 0, 0]).is_err());
        assert_eq!(
            Repr::from_bytes(&[146, 1, 0, 0, 0, 0, 0, 0])
                .unwrap_err()
                .offset,
            1
        );
        let mut b = Repr::Advertisement {
            identifier: 1,
            managed: false,
            other: false,
            options: vec![MpdOption::PrefixInfo(home())],
        }
        .to_bytes(HA, HOA)
        .unwrap();
        b[9] = 3;
        assert_eq!(
            Repr::from_bytes(&b).unwrap_err().offset,
            9,
            "Prefix Information of 24"
        );
        b[9] = 0;
        assert_eq!(Repr::from_bytes(&b).unwrap_err().offset, 9, "length 0");
        b[9] = 5;
        assert!(Repr::from_bytes(&b).is_err(), "truncated");
        b.truncate(9);
        assert_eq!(Repr::from_bytes(&b).unwrap_err().offset, 8);
    }

    #[test]
    fn reserved_bits_are_ignored() {
        let mut b = Repr::Solicitation {
            identifier: 1,
            options: vec![],
        }
        .to_bytes(HOA, HA)
        .unwrap();
        b[6] = 0xff;
        b[7] = 0xff;
        let p = Packet::new_checked(&b[..]).unwrap();
        assert!(!p.managed() && !p.other());
        assert!(matches!(
            Repr::from_bytes(&b).unwrap(),
            Repr::Solicitation { identifier: 1, .. }
        ));
    }

    fn arb_prefix() -> impl Strategy<Value = PrefixInfo> {
        (
            any::<u8>(),
            any::<[bool; 3]>(),
            any::<u32>(),
            any::<u32>(),
            any::<u128>(),
        )
            .prop_map(|(prefix_len, f, valid_lifetime, preferred_lifetime, p)| {
                PrefixInfo {
                    prefix_len,
                    on_link: f[0],
                    autonomous: f[1],
                    router_address: f[2],
                    valid_lifetime,
                    preferred_lifetime,
                    prefix: Ipv6Addr::from(p),
                }
            })
    }

    proptest! {
        #[test]
        fn parsing_never_panics(b in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = Repr::from_bytes(&b);
            if let Ok(p) = Packet::new_checked(&b[..]) {
                let _ = (p.identifier(), p.managed(), p.other(), p.checksum(), p.options().len());
                let _ = p.verify_checksum(&HOA, &HA);
            }
        }

        #[test]
        fn emitted_messages_parse_back_with_a_good_checksum(
            id in any::<u16>(),
            mps in any::<bool>(),
            flags in any::<[bool; 2]>(),
            prefixes in proptest::collection::vec(arb_prefix(), 0..4),
            s in any::<u128>(),
            d in any::<u128>(),
        ) {
            let options: Vec<_> = prefixes.into_iter().map(MpdOption::PrefixInfo).collect();
            let repr = if mps {
                Repr::Solicitation { identifier: id, options }
            } else {
                Repr::Advertisement { identifier: id, managed: flags[0], other: flags[1], options }
            };
            let (src, dst) = (Ipv6Addr::from(s), Ipv6Addr::from(d));
            let b = repr.to_bytes(src, dst).unwrap();
            prop_assert!(Packet::new_checked(&b[..]).unwrap().verify_checksum(&src, &dst));
            prop_assert_eq!(Repr::from_bytes(&b).unwrap(), repr);
        }
    }
}
