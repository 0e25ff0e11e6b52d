#![no_main]
//! Arbitrary bytes into the DHCPv4 codec (header, options, option 82 with its RFC 4014 RADIUS
//! attributes) and its dissector. Whatever parses must emit the very same octets.

use libfuzzer_sys::fuzz_target;
use mip6lab_wire::dhcpv4::{option, Packet, Repr};

fuzz_target!(|data: &[u8]| {
    if let Ok(p) = Packet::new_checked(data) {
        let _ = (p.op(), p.xid(), p.flags(), p.yiaddr(), p.giaddr(), p.chaddr());
        let _ = Repr::parse(&p);
    }
    if let Ok(r) = Repr::from_bytes(data) {
        assert_eq!(r.to_bytes().expect("parsed DHCPv4 must emit"), data);
        let _ = (r.message_type(), r.server_id(), r.home_agents(), r.hardware_address());
        let _ = r.relay_agent_information();
    }
    // The options area alone, as a relay or a judge walks it.
    if let Ok((options, trailing)) = option::parse_options(data, 0) {
        let mut out = vec![0; option::options_len(&options)];
        option::emit_options(&options, &mut out, 0).expect("parsed options must emit");
        assert_eq!([out.as_slice(), trailing].concat(), data);
    }
    let _ = mip6lab_capture::dissect::dhcpv4::dissect_dhcpv4(data);
});
