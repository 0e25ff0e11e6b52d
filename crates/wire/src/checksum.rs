//! The Internet checksum (RFC 1071), the one copy every codec and engine uses.
//!
//! [`Checksum`] is an accumulator: feed it a pseudo-header and octets in any pieces (odd-length
//! pieces included: the next piece carries on mid-word), then read the folded sum or its
//! complement. Thin forms on top:
//! - [`internet_checksum`]: no pseudo-header (IPv4 header, ICMP);
//! - [`udp_ipv4_checksum`]: UDP over IPv4 (RFC 768 pseudo-header, 0 sent as 0xFFFF);
//! - [`compute_ipv6`] / [`verify_ipv6`]: the IPv6 upper-layer checksum (RFC 8200 §8.1) that
//!   the Mobility Header (RFC 6275 §6.1.1) and ICMPv6 (RFC 4443 §2.3) carry.

use std::net::{Ipv4Addr, Ipv6Addr};

/// IP protocol number of UDP, as the IPv4 pseudo-header carries it.
const IPPROTO_UDP: u8 = 17;
/// Where the UDP checksum field sits in the UDP header.
const UDP_CHECKSUM_OFFSET: usize = 6;

/// A running ones'-complement sum of 16-bit big-endian words (RFC 1071 §4.1). Octets may come
/// in pieces of any length; a missing last octet counts as zero (RFC 1071 §1 (1)).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Checksum {
    /// Carries kept unfolded until the end; a u64 cannot overflow on any real input.
    sum: u64,
    /// Whether an odd number of octets went in: the next octet is a word's low half.
    odd: bool,
}

impl Checksum {
    pub const fn new() -> Self {
        Checksum { sum: 0, odd: false }
    }

    /// Adds `bytes`, continuing the word an odd-length earlier piece left half filled.
    #[must_use]
    pub fn add_bytes(mut self, bytes: &[u8]) -> Self {
        let mut rest = bytes;
        if self.odd {
            let Some((&low, tail)) = rest.split_first() else {
                return self;
            };
            self.sum += u64::from(low);
            self.odd = false;
            rest = tail;
        }
        let mut words = rest.chunks_exact(2);
        for w in &mut words {
            self.sum += u64::from(u16::from_be_bytes([w[0], w[1]]));
        }
        if let [high] = words.remainder() {
            self.sum += u64::from(*high) << 8;
            self.odd = true;
        }
        self
    }

    /// Adds `bytes` with the 2-octet field at `field_offset` (even) taken as zero, whatever it
    /// holds: how a checksum is computed over a message whose field is not cleared. Octets of
    /// the field past the end of `bytes` are simply absent.
    #[must_use]
    pub fn add_bytes_without_field(self, bytes: &[u8], field_offset: usize) -> Self {
        debug_assert!(field_offset % 2 == 0, "checksum fields are word aligned");
        let before = &bytes[..field_offset.min(bytes.len())];
        let after = bytes.get(field_offset + 2..).unwrap_or(&[]);
        let zeros = &[0, 0][..(bytes.len() - before.len()).min(2)];
        self.add_bytes(before).add_bytes(zeros).add_bytes(after)
    }

    /// Adds a 32-bit number as two words (pseudo-header lengths are 32 bits wide in IPv6; for
    /// IPv4 a length that fits 16 bits adds the same as the 16-bit field would).
    #[must_use]
    fn add_u32(self, n: u32) -> Self {
        self.add_bytes(&n.to_be_bytes())
    }

    /// Adds the IPv4 pseudo-header of RFC 768 (also TCP's, RFC 793): source, destination, a
    /// zero octet, the protocol, and `len`, the upper-layer length.
    #[must_use]
    pub fn ipv4_pseudo_header(
        self,
        src: Ipv4Addr,
        dst: Ipv4Addr,
        protocol: u8,
        len: usize,
    ) -> Self {
        self.add_bytes(&src.octets())
            .add_bytes(&dst.octets())
            .add_bytes(&[0, protocol])
            .add_u32(len as u32)
    }

    /// Adds the IPv6 pseudo-header of RFC 8200 §8.1: source, (final) destination, the 32-bit
    /// upper-layer length, three zero octets and the next header.
    #[must_use]
    pub fn ipv6_pseudo_header(
        self,
        src: Ipv6Addr,
        dst: Ipv6Addr,
        next_header: u8,
        len: usize,
    ) -> Self {
        // Nothing here is near 4 GiB; truncating keeps the function total.
        self.add_bytes(&src.octets())
            .add_bytes(&dst.octets())
            .add_u32(len as u32)
            .add_bytes(&[0, next_header])
    }

    /// The ones'-complement sum folded to 16 bits: 0xFFFF over octets that carry a right
    /// checksum.
    pub fn sum(self) -> u16 {
        let mut s = self.sum;
        while s >> 16 != 0 {
            s = (s & 0xffff) + (s >> 16);
        }
        s as u16
    }

    /// The complement of [`Checksum::sum`]: the checksum to write into a zeroed (or skipped)
    /// field, and 0 over octets that already carry a right one.
    pub fn checksum(self) -> u16 {
        !self.sum()
    }
}

/// The Internet checksum of `bytes` alone (no pseudo-header): what an IPv4 header or an ICMP
/// message carries when computed with its field zero; 0 over octets carrying a right one.
pub fn internet_checksum(bytes: &[u8]) -> u16 {
    Checksum::new().add_bytes(bytes).checksum()
}

/// The UDP checksum over the IPv4 pseudo-header and `udp` (header and data) as they are. With
/// the checksum field zero it is the value to send, a computed 0 given as 0xFFFF (RFC 768: 0
/// means "no checksum"); over a datagram carrying a right checksum it gives 0.
pub fn udp_ipv4_checksum(src: Ipv4Addr, dst: Ipv4Addr, udp: &[u8]) -> u16 {
    let sum = Checksum::new()
        .ipv4_pseudo_header(src, dst, IPPROTO_UDP, udp.len())
        .add_bytes(udp)
        .checksum();
    let field = UDP_CHECKSUM_OFFSET..UDP_CHECKSUM_OFFSET + 2;
    if sum == 0 && udp.get(field) == Some(&[0, 0]) {
        0xffff
    } else {
        sum
    }
}

/// The IPv6 upper-layer checksum `data` should carry in the 2-octet field at `field_offset`
/// (even), computed with that field taken as zero whatever it holds now. Any length.
pub fn compute_ipv6(
    src: &Ipv6Addr,
    dst: &Ipv6Addr,
    next_header: u8,
    data: &[u8],
    field_offset: usize,
) -> u16 {
    Checksum::new()
        .ipv6_pseudo_header(*src, *dst, next_header, data.len())
        .add_bytes_without_field(data, field_offset)
        .checksum()
}

/// Whether the IPv6 upper-layer checksum in the field at `field_offset` is right: the sum over
/// pseudo-header and data, field included, is all ones (so both encodings of zero pass).
/// `false` when `data` is too short to hold the field.
pub fn verify_ipv6(
    src: &Ipv6Addr,
    dst: &Ipv6Addr,
    next_header: u8,
    data: &[u8],
    field_offset: usize,
) -> bool {
    data.len() >= field_offset + 2
        && Checksum::new()
            .ipv6_pseudo_header(*src, *dst, next_header, data.len())
            .add_bytes(data)
            .sum()
            == 0xffff
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// RFC 1071 the slow way: whole words, odd tail padded, end-around carry after each add.
    fn naive_sum(bytes: &[u8]) -> u16 {
        let mut padded = bytes.to_vec();
        if padded.len() % 2 == 1 {
            padded.push(0);
        }
        let mut s: u32 = 0;
        for i in (0..padded.len()).step_by(2) {
            s += u32::from(padded[i]) * 256 + u32::from(padded[i + 1]);
            if s > 0xffff {
                s -= 0xffff;
            }
        }
        s as u16
    }

    #[test]
    fn rfc_1071_example() {
        // RFC 1071 §3: 00 01 f2 03 f4 f5 f6 f7 sums to 0xddf2.
        let b = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        assert_eq!(Checksum::new().add_bytes(&b).sum(), 0xddf2);
        assert_eq!(internet_checksum(&b), !0xddf2);
    }

    #[test]
    fn ipv4_header_known_answer() {
        // A commonly worked header: 4500 0073 0000 4000 4011 ____ c0a8 0001 c0a8 00c7 -> b861.
        let mut h = [
            0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0x00, 0x00, 0xc0, 0xa8,
            0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7,
        ];
        assert_eq!(internet_checksum(&h), 0xb861);
        h[10..12].copy_from_slice(&0xb861u16.to_be_bytes());
        assert_eq!(internet_checksum(&h), 0);
    }

    #[test]
    fn field_short_of_the_end_counts_what_is_there() {
        // Three octets, field at 2: only the first word counts.
        assert_eq!(
            Checksum::new()
                .add_bytes_without_field(&[0x12, 0x34, 0xff], 2)
                .sum(),
            0x1234
        );
        assert_eq!(
            Checksum::new().add_bytes_without_field(&[0x12], 2).sum(),
            0x1200
        );
    }

    fn arb_v6() -> impl Strategy<Value = Ipv6Addr> {
        any::<u128>().prop_map(Ipv6Addr::from)
    }

    proptest! {
        #[test]
        fn equals_the_naive_sum(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            prop_assert_eq!(Checksum::new().add_bytes(&bytes).sum(), naive_sum(&bytes));
        }

        #[test]
        fn pieces_of_any_length_sum_as_one(
            bytes in proptest::collection::vec(any::<u8>(), 0..300),
            cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..5),
        ) {
            let mut at: Vec<usize> = cuts.iter().map(|c| c.index(bytes.len() + 1)).collect();
            at.sort_unstable();
            let mut acc = Checksum::new();
            let mut from = 0;
            for cut in at.into_iter().chain([bytes.len()]) {
                acc = acc.add_bytes(&bytes[from..cut]);
                from = cut;
            }
            prop_assert_eq!(acc.sum(), naive_sum(&bytes));
        }

        #[test]
        fn inserted_checksum_verifies(
            mut bytes in proptest::collection::vec(any::<u8>(), 2..300),
            field in any::<prop::sample::Index>(),
        ) {
            // Any even offset inside the octets, odd lengths included.
            let at = field.index(bytes.len() / 2) * 2;
            let c = Checksum::new().add_bytes_without_field(&bytes, at).checksum();
            bytes[at..at + 2].copy_from_slice(&c.to_be_bytes());
            prop_assert_eq!(Checksum::new().add_bytes(&bytes).sum(), 0xffff);
            prop_assert_eq!(naive_sum(&bytes), 0xffff);
            prop_assert_eq!(internet_checksum(&bytes), 0);
        }

        #[test]
        fn ipv6_pseudo_header_matches_a_built_one(
            s in arb_v6(), d in arb_v6(), nh in any::<u8>(),
            mut data in proptest::collection::vec(any::<u8>(), 2..200),
        ) {
            let mut pseudo = s.octets().to_vec();
            pseudo.extend_from_slice(&d.octets());
            pseudo.extend_from_slice(&(data.len() as u32).to_be_bytes());
            pseudo.extend_from_slice(&[0, 0, 0, nh]);
            pseudo.extend_from_slice(&data);
            let got = Checksum::new().ipv6_pseudo_header(s, d, nh, data.len()).add_bytes(&data).sum();
            prop_assert_eq!(got, naive_sum(&pseudo));
            let c = compute_ipv6(&s, &d, nh, &data, 0);
            data[..2].copy_from_slice(&c.to_be_bytes());
            prop_assert!(verify_ipv6(&s, &d, nh, &data, 0));
        }

        #[test]
        fn udp_over_ipv4_verifies_after_filling(
            s in any::<u32>(), d in any::<u32>(),
            payload in proptest::collection::vec(any::<u8>(), 0..200),
        ) {
            let (s, d) = (Ipv4Addr::from(s), Ipv4Addr::from(d));
            let mut udp = vec![0x10, 0x5f, 0x10, 0x5f];
            udp.extend_from_slice(&((8 + payload.len()) as u16).to_be_bytes());
            udp.extend_from_slice(&[0, 0]);
            udp.extend_from_slice(&payload);
            let mut pseudo = s.octets().to_vec();
            pseudo.extend_from_slice(&d.octets());
            pseudo.extend_from_slice(&[0, IPPROTO_UDP]);
            pseudo.extend_from_slice(&(udp.len() as u16).to_be_bytes());
            pseudo.extend_from_slice(&udp);
            let c = udp_ipv4_checksum(s, d, &udp);
            prop_assert_ne!(c, 0, "0 is never sent: it means no checksum");
            prop_assert_eq!(c, match !naive_sum(&pseudo) { 0 => 0xffff, n => n });
            udp[6..8].copy_from_slice(&c.to_be_bytes());
            prop_assert_eq!(udp_ipv4_checksum(s, d, &udp), 0);
        }
    }
}
