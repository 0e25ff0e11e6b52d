//! The IPv6 upper-layer checksum (RFC 8200 §8.1): the Internet checksum over a pseudo-header
//! (source, destination, upper-layer length, next header) and the upper-layer octets. The
//! Mobility Header (RFC 6275 §6.1.1) and ICMPv6 (RFC 4443 §2.3) both use it.

use std::net::Ipv6Addr;

/// Adds `bytes` as big-endian 16-bit words (odd tail padded with a zero octet). `skip_word`
/// names a word index left out of the sum (the checksum field while computing).
fn add_words(mut acc: u64, bytes: &[u8], skip_word: Option<usize>) -> u64 {
    for (i, pair) in bytes.chunks(2).enumerate() {
        if Some(i) == skip_word {
            continue;
        }
        let hi = u64::from(pair.first().copied().unwrap_or(0));
        let lo = u64::from(pair.get(1).copied().unwrap_or(0));
        acc += (hi << 8) | lo;
    }
    acc
}

fn fold(mut acc: u64) -> u16 {
    while acc >> 16 != 0 {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    acc as u16
}

fn pseudo_sum(src: &Ipv6Addr, dst: &Ipv6Addr, next_header: u8, len: usize) -> u64 {
    let mut acc = add_words(0, &src.octets(), None);
    acc = add_words(acc, &dst.octets(), None);
    // Upper-layer length is a 32-bit field; nothing here is near that, but stay total.
    let len = len as u64 & 0xffff_ffff;
    acc + (len >> 16) + (len & 0xffff) + u64::from(next_header)
}

/// The checksum `data` should carry in the 2-octet field at `field_offset` (even), computed
/// with that field taken as zero whatever it holds now. Works on any length.
pub fn compute(
    src: &Ipv6Addr,
    dst: &Ipv6Addr,
    next_header: u8,
    data: &[u8],
    field_offset: usize,
) -> u16 {
    let acc = pseudo_sum(src, dst, next_header, data.len());
    !fold(add_words(acc, data, Some(field_offset / 2)))
}

/// Whether the checksum in the field at `field_offset` is right: the sum over pseudo-header
/// and data, field included, is all ones (so both encodings of zero pass). `false` when `data`
/// is too short to hold the field.
pub fn verify(
    src: &Ipv6Addr,
    dst: &Ipv6Addr,
    next_header: u8,
    data: &[u8],
    field_offset: usize,
) -> bool {
    if data.len() < field_offset + 2 {
        return false;
    }
    fold(add_words(
        pseudo_sum(src, dst, next_header, data.len()),
        data,
        None,
    )) == 0xffff
}
