//! The Mobility Header checksum (RFC 6275 §6.1.1, pseudo-header of RFC 8200 §8.1).
//!
//! The checksum covers an IPv6 pseudo-header (source, destination, upper-layer length,
//! three zero octets, next header 135) followed by the whole MH with its checksum field taken
//! as zero. Which addresses go into the pseudo-header is the caller's business, and it is
//! easy to get wrong:
//!
//! * **source**: the home address from the Home Address destination option when the packet
//!   carries one (a BU sent from a care-of address); otherwise the IPv6 source address;
//! * **destination**: the *final* destination. A sender that adds a type 2 routing header
//!   (a BA to a mobile node away from home) uses the home address inside the RH2; a capture
//!   of that packet still shows the care-of address in the IPv6 header, so a checker must
//!   also take the RH2 address. Without an RH2 it is the IPv6 destination address.
//!
//! [`pseudo_header_addresses`] applies these rules.

use crate::{Error, Result};
use std::net::Ipv6Addr;

/// Next Header value of the Mobility Header, as it appears in the pseudo-header.
const NEXT_HEADER_MH: u8 = 135;

/// Offset of the checksum field inside the MH.
const CHECKSUM_OFFSET: usize = 4;

/// The addresses for the pseudo-header, from what a packet carries: `hao` is the address of a
/// Home Address option, `rh2` the home address of a type 2 routing header (both if present).
pub fn pseudo_header_addresses(
    ip_src: Ipv6Addr,
    ip_dst: Ipv6Addr,
    hao: Option<Ipv6Addr>,
    rh2: Option<Ipv6Addr>,
) -> (Ipv6Addr, Ipv6Addr) {
    (hao.unwrap_or(ip_src), rh2.unwrap_or(ip_dst))
}

/// The checksum `mh` should carry, computed with its checksum field taken as zero (whatever
/// the field holds now). Works on any length; an MH shorter than 6 octets has no field.
pub fn compute(src: &Ipv6Addr, dst: &Ipv6Addr, mh: &[u8]) -> u16 {
    crate::checksum::compute_ipv6(src, dst, NEXT_HEADER_MH, mh, CHECKSUM_OFFSET)
}

/// Writes the checksum into `mh[4..6]`. `Err` if `mh` is too short to have the field.
pub fn fill(src: &Ipv6Addr, dst: &Ipv6Addr, mh: &mut [u8]) -> Result<()> {
    let c = compute(src, dst, mh);
    match mh.get_mut(CHECKSUM_OFFSET..CHECKSUM_OFFSET + 2) {
        Some(field) => {
            field.copy_from_slice(&c.to_be_bytes());
            Ok(())
        }
        None => Err(Error::new(mh.len(), "MH too short for a checksum field")),
    }
}

/// Whether the checksum in `mh` is right. The sum over pseudo-header and MH (field included)
/// must be all ones; this accepts both encodings of zero (0x0000 and 0xffff) a sender may use.
pub fn verify(src: &Ipv6Addr, dst: &Ipv6Addr, mh: &[u8]) -> bool {
    crate::checksum::verify_ipv6(src, dst, NEXT_HEADER_MH, mh, CHECKSUM_OFFSET)
}
