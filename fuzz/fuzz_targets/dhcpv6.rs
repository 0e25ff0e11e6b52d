#![no_main]
//! Arbitrary bytes into the DHCPv6 codec (messages, nested relay messages, RSOO and RFC 6610
//! containers) and its dissector. Whatever parses must emit the very same octets.

use libfuzzer_sys::fuzz_target;
use mip6lab_wire::dhcpv6::{Packet, Repr};

fuzz_target!(|data: &[u8]| {
    if let Ok(p) = Packet::new_checked(data) {
        let _ = (p.msg_type(), p.transaction_id(), p.hop_count());
        let _ = (p.link_address(), p.peer_address(), p.options().len());
        let _ = Repr::parse(&p);
    }
    if let Ok(r) = Repr::from_bytes(data) {
        assert_eq!(r.to_bytes().expect("parsed DHCPv6 must emit"), data);
        let _ = r.innermost().msg_type();
    }
    let _ = mip6lab_capture::dissect::dhcpv6::dissect_dhcpv6(data);
});
