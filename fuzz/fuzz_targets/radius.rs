#![no_main]
//! Arbitrary bytes into the RADIUS and EAP parsers, the attribute decoders, the
//! authenticator checks, the attribute ciphers and the RADIUS dissector. Whatever parses must
//! emit the very same octets.

use libfuzzer_sys::fuzz_target;
use mip6lab_wire::{eap, radius};

fuzz_target!(|data: &[u8]| {
    let auth = [7u8; 16];
    if let Ok(r) = radius::Repr::from_bytes(data) {
        assert_eq!(r.to_bytes().expect("parsed RADIUS must emit"), data);
        for a in &r.attributes {
            let _ = a.decode();
        }
        if let Some(e) = r.eap_message() {
            if let Ok(p) = eap::Repr::from_bytes(&e) {
                assert_eq!(p.to_bytes().expect("parsed EAP must emit"), e);
                let _ = p.md5_challenge();
            }
        }
        let _ = radius::msk_from_mppe(&r, &auth, b"s");
        let _ = radius::verify_response_authenticator(data, &auth, b"s");
        let _ = radius::verify_message_authenticator(data, &auth, b"s");
    }
    if let Ok(p) = radius::Packet::new_checked(data) {
        let _ = radius::Repr::parse(&p);
    }
    if let Ok(e) = eap::Repr::from_bytes(data) {
        assert_eq!(e.to_bytes().expect("parsed EAP must emit"), data);
    }
    let _ = eap::Md5Challenge::parse(data);
    let _ = radius::unhide_password(data, &auth, b"s");
    let _ = radius::decrypt_mppe_key(data, &auth, b"s");
    let _ = mip6lab_capture::dissect::radius::dissect_radius(data);
});
