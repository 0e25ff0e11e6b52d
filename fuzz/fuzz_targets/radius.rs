#![no_main]
//! Arbitrary bytes into the RADIUS and EAP parsers, the attribute decoders (the typed
//! home-agent attributes and the WiMAX/3GPP2 Vendor-Specific sub-attributes among them), the
//! authenticator checks, the attribute ciphers and the RADIUS dissector. Whatever parses must
//! emit the very same octets; a typed value read from an attribute emits its value octets.

use libfuzzer_sys::fuzz_target;
use mip6lab_wire::{eap, radius};

fuzz_target!(|data: &[u8]| {
    let auth = [7u8; 16];
    if let Ok(r) = radius::Repr::from_bytes(data) {
        assert_eq!(r.to_bytes().expect("parsed RADIUS must emit"), data);
        for a in &r.attributes {
            typed_value_round_trips(a);
        }
        let _ = r.vendor_attribute(radius::vendor::WIMAX, radius::wimax::HHA_IP_MIP6);
        if let Ok(ha) = radius::HaAssignment::from_repr(&r) {
            let _ = ha.attributes();
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

/// A value that decodes emits its octets again (an IPv6 prefix its shortest form, read back
/// as the same prefix); the
/// sub-attributes of a Vendor-Specific lay out into the same String.
fn typed_value_round_trips(a: &radius::Attribute) {
    match a.decode() {
        Ok(radius::Value::Vendor(vs)) => {
            if let Some(subs) = vs.subs.clone() {
                for s in &subs {
                    let _ = s.decode(vs.vendor_id);
                }
                let again = radius::VendorSpecific::from_subs(vs.vendor_id, subs)
                    .expect("parsed sub-attributes must lay out");
                assert_eq!(again, vs);
            }
        }
        Ok(v @ radius::Value::Ipv6Prefix { .. }) => {
            // Prefix octets may be sent past (or short of) what the length needs; the
            // shortest form reads back as the same prefix.
            let b = v.to_bytes().expect("a parsed prefix must emit");
            let again = radius::Attribute::new(a.kind, b).decode();
            assert_eq!(again.expect("an emitted prefix must parse"), v);
        }
        Ok(v) => assert_eq!(v.to_bytes().expect("a parsed value must emit"), a.value),
        Err(_) => {}
    }
}
