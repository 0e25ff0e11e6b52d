#![no_main]
//! Arbitrary bytes into the IKEv2 message parser, the SK opener (fixed keys, both suites: it
//! must say Err, since nobody can forge the ICV) and the IKEv2 dissector with keys for the
//! message's own SPIs. Whatever parses must emit the very same octets.

use libfuzzer_sys::fuzz_target;
use mip6lab_capture::dissect::ikev2::dissect_ike;
use mip6lab_capture::dissect::Context;
use mip6lab_capture::keylog::IkeSaKeys;
use mip6lab_wire::crypto::{IkeKeys, Suite};
use mip6lab_wire::ikev2::{self, sk};

fuzz_target!(|data: &[u8]| {
    let parsed = ikev2::Message::from_bytes(data);
    if let Ok(m) = &parsed {
        assert_eq!(m.to_bytes(), data);
    }
    // Inner chains as a decrypted SK would hand them over: first octet = first payload type.
    if let Some((first, rest)) = data.split_first() {
        if let Ok(p) = ikev2::parse_chain(rest, *first) {
            assert_eq!(ikev2::chain_to_bytes(&p), rest);
        }
    }
    for suite in [Suite::AES128_SHA256, Suite::AES256GCM16_SHA256] {
        let k = IkeKeys::derive(suite, &[1; 32], &[2; 16], &[3; 16], &[4; 8], &[5; 8]).unwrap();
        assert!(sk::decrypt_ike(data, &k).is_err());
        if let Ok(m) = &parsed {
            let mut ctx = Context::default();
            ctx.keys.ike.push(IkeSaKeys {
                ispi: m.ispi,
                rspi: m.rspi,
                encr: suite.encr,
                integ: k.suite.integ,
                sk_ei: k.sk_ei.clone(),
                sk_er: k.sk_er.clone(),
                sk_ai: k.sk_ai.clone(),
                sk_ar: k.sk_ar.clone(),
            });
            let _ = dissect_ike(data, &ctx);
        }
    }
    let _ = dissect_ike(data, &Context::default());
});
