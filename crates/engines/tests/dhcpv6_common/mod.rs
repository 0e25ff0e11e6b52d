//! What the DHCPv6 engine tests share.

use mip6lab_engines::dhcpv6::client::RngFn;

/// A seeded xorshift, different per seed: runs are reproducible.
pub fn seeded_rng(seed: u64) -> RngFn {
    let mut s = seed | 1;
    Box::new(move |buf: &mut [u8]| {
        for b in buf {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            *b = (s >> 24) as u8;
        }
    })
}
