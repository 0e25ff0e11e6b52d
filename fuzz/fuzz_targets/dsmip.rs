#![no_main]
//! Arbitrary bytes as the payload of a UDP 4191 datagram (RFC 5555 §4.1) through the standard
//! dissectors, as a bare IP packet through `slice_ip`, and as a mobility option list (the
//! DSMIPv6 options 29–32 among them): no panics, and options that parse emit the same octets.

use libfuzzer_sys::fuzz_target;
use mip6lab_capture::dissect::{slice_ip, Context, Dissectors, Packet, Transport};
use mip6lab_wire::mh::options::{emit_options, options_len, parse_options};
use std::net::{IpAddr, Ipv4Addr};
use std::sync::OnceLock;

static DISSECTORS: OnceLock<Dissectors> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let _ = slice_ip(data);
    let outer = Packet {
        src: IpAddr::V4(Ipv4Addr::new(198, 51, 100, 20)),
        dst: IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)),
        transport: Transport::Udp {
            sport: 61000,
            dport: 4191,
        },
        ext_first: None,
        ext: Vec::new(),
        hop_limit: 64,
    };
    let d = DISSECTORS.get_or_init(Dissectors::standard);
    let _ = d.dissect(&outer, data, &mut Context::default());

    if let Ok(opts) = parse_options(data, 0) {
        let mut out = vec![0u8; options_len(&opts)];
        let n = emit_options(&opts, &mut out).expect("parsed options must emit");
        assert_eq!(&out[..n], data);
    }
});
