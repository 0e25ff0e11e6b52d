//! Picking payloads out of decoded IKEv2 messages in tests.
#![allow(dead_code)] // each test binary uses its own subset

use mip6lab_wire::ikev2::{cp_attr, Cp};
use std::net::Ipv6Addr;

/// The first payload of `$payloads` whose body is `$variant(..)`, its content cloned
/// (`Option`).
#[allow(unused_macros)]
macro_rules! first_payload {
    ($payloads:expr, $variant:path) => {
        $payloads.iter().find_map(|p| match &p.body {
            $variant(x) => Some(x.clone()),
            _ => None,
        })
    };
}
#[allow(unused_imports)]
pub(crate) use first_payload;

/// The address and prefix length of the INTERNAL_IP6_ADDRESS attribute of `cp` (panics
/// without one).
pub fn internal_ip6_address(cp: &Cp) -> (Ipv6Addr, u8) {
    cp.attribute(cp_attr::INTERNAL_IP6_ADDRESS)
        .and_then(|a| a.as_ip6_prefix())
        .expect("INTERNAL_IP6_ADDRESS with a value")
}
