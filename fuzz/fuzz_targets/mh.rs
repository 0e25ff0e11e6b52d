#![no_main]
//! Arbitrary bytes into the MH parser, the extension-header walker, the options-header and
//! RH2 parsers, and the MH dissector. Whatever parses must emit the very same octets.

use libfuzzer_sys::fuzz_target;
use mip6lab_wire::ipv6ext::{self, OptionsHeaderRepr, Rh2Repr};
use mip6lab_wire::mh::{self, Repr};
use std::net::{IpAddr, Ipv6Addr};

fuzz_target!(|data: &[u8]| {
    if let Ok(r) = Repr::from_bytes(data) {
        assert_eq!(r.to_bytes().expect("parsed MH must emit"), data);
        let _ = r.alignment_issues();
        let a = Ipv6Addr::LOCALHOST;
        let _ = mh::checksum::verify(&a, &a, data);
    }
    // A view over a longer buffer must not panic either.
    if let Ok(p) = mh::Packet::new_checked(data) {
        let _ = Repr::parse(&p);
    }

    if let Ok(h) = OptionsHeaderRepr::from_bytes(data) {
        assert_eq!(h.to_bytes().expect("parsed options header must emit"), data);
        let _ = h.alignment_issues();
    }
    if let Ok(r) = Rh2Repr::from_bytes(data) {
        assert_eq!(r.to_bytes(), data);
    }

    // First octet names the first header; the rest is the chain.
    if let Some((first, chain)) = data.split_first() {
        if let Ok(c) = ipv6ext::walk(*first, chain) {
            assert!(c.rest_offset <= chain.len());
            let _ = c.home_address();
            let _ = c.rh2();
        }
    }

    let v6 = IpAddr::V6(Ipv6Addr::LOCALHOST);
    let _ =
        mip6lab_capture::dissect::mh::dissect_mh(data, v6, v6, None, Some(Ipv6Addr::UNSPECIFIED));
});
