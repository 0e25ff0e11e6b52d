#![no_main]
//! Arbitrary bytes into the Mobile Prefix Discovery codec (ICMPv6 146/147, what the MN, the
//! HA and the capture's ESP dissector parse). Whatever parses must emit a message that parses
//! back to the same thing with a good checksum (reserved bits are not kept: octets may differ).

use libfuzzer_sys::fuzz_target;
use mip6lab_wire::mpd::{Packet, Repr};
use std::net::Ipv6Addr;

fuzz_target!(|data: &[u8]| {
    let (s, d) = (Ipv6Addr::LOCALHOST, Ipv6Addr::UNSPECIFIED);
    if let Ok(p) = Packet::new_checked(data) {
        let _ = (p.identifier(), p.managed(), p.other(), p.checksum());
        let _ = p.verify_checksum(&s, &d);
    }
    if let Ok(r) = Repr::from_bytes(data) {
        let out = r.to_bytes(s, d).expect("parsed MPS/MPA must emit");
        assert!(Packet::new_checked(&out[..]).unwrap().verify_checksum(&s, &d));
        assert_eq!(Repr::from_bytes(&out).expect("emitted MPS/MPA must parse"), r);
        let _ = r.prefixes().map(|p| p.network()).count();
    }
});
