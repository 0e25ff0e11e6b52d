#![no_main]
//! Arbitrary bytes into the ND codec, as an ICMPv6 message and as a whole IPv6 packet (what
//! `mip6lab_engines::dad` and the capture's ND dissector parse). Whatever parses must emit a
//! message that parses back to the same thing (reserved bits are not kept: octets may differ).

use libfuzzer_sys::fuzz_target;
use mip6lab_wire::nd::{self, Repr};
use std::net::Ipv6Addr;

fuzz_target!(|data: &[u8]| {
    let a = Ipv6Addr::UNSPECIFIED;
    if let Ok(r) = Repr::from_bytes(data) {
        let out = r.to_bytes(a, nd::ALL_NODES).expect("parsed ND must emit");
        assert!(nd::verify_checksum(&a, &nd::ALL_NODES, &out));
        assert_eq!(Repr::from_bytes(&out).expect("emitted ND must parse"), r);
    }
    let _ = nd::verify_checksum(&a, &a, data);
    if let Some(Ok(r)) = nd::parse_ipv6(data) {
        let _ = (r.is_valid(), r.is_dad_probe());
    }
});
