#![no_main]
//! Arbitrary bytes as a capture file: reading and dissecting must never panic.

use libfuzzer_sys::fuzz_target;
use mip6lab_capture::{decode_frames, read_bytes, Endpoints};

fuzz_target!(|data: &[u8]| {
    if let Ok(out) = read_bytes("fuzz", data) {
        let t = decode_frames(&out.frames, &Endpoints::default());
        let _ = t.to_text();
    }
});
