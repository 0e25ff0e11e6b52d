#![no_main]
//! Arbitrary bytes into the ESP parser and opener (fixed keys, CBC+HMAC and GCM: must be Err,
//! never a panic), and sequence numbers from the input through the anti-replay window.

use libfuzzer_sys::fuzz_target;
use mip6lab_wire::crypto::{DirectionKeys, Encr, Integ};
use mip6lab_wire::esp::{self, ReplayWindow, Repr};

fuzz_target!(|data: &[u8]| {
    if let Ok(r) = Repr::from_bytes(data) {
        assert_eq!(r.to_bytes(), data);
    }
    let cbc = DirectionKeys {
        encr: Encr::AesCbc { key_len: 16 },
        integ: Integ::HmacSha256_128,
        enc_key: vec![1; 16],
        integ_key: vec![2; 32],
    };
    let gcm = DirectionKeys {
        encr: Encr::AesGcm16 { key_len: 32 },
        integ: Integ::None,
        enc_key: vec![3; 36],
        integ_key: vec![],
    };
    assert!(esp::decapsulate(data, &cbc).is_err());
    assert!(esp::decapsulate(data, &gcm).is_err());

    let mut w = ReplayWindow::new();
    for c in data.chunks_exact(4) {
        let seq = u32::from_be_bytes([c[0], c[1], c[2], c[3]]);
        let ok = w.check(seq).is_ok();
        assert_eq!(w.update(seq).is_ok(), ok);
        assert!(
            w.check(seq).is_err(),
            "an accepted number is never accepted again"
        );
    }
});
