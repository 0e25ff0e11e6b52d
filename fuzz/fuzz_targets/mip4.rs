#![no_main]
//! Arbitrary bytes into the Mobile IPv4 parsers (Registration Request/Reply, the extension
//! lists of both spaces, Agent Advertisement/Solicitation), the authenticator checks and the
//! MIPv4 dissector. Whatever parses must emit the very same octets (an ICMP message when its
//! checksum is right, since emitting writes the right one); a parsed message signed again
//! must verify.

use libfuzzer_sys::fuzz_target;
use mip6lab_capture::dissect::mip4::{dissect_agent, dissect_registration};
use mip6lab_wire::mip4::{self, agent, auth, ext, Space};

fuzz_target!(|data: &[u8]| {
    if let Ok(r) = mip4::Repr::from_bytes(data) {
        assert_eq!(r.to_bytes().expect("parsed MIPv4 must emit"), data);
        let _ = r.must_discard();
        let _ = r.nai();
        for e in r.extensions() {
            // A KeyGen body that reads re-encodes to the octets it came from.
            if let (Some(kg), ext::Extension::KeyGen { body, .. }) = (e.keygen(), e) {
                assert_eq!(&kg.body(), body);
            }
        }
        let start = r.buffer_len() - ext::extensions_len(r.extensions());
        let offsets = ext::extension_offsets(&data[start..], start, Space::Registration)
            .expect("a parsed list walks");
        assert_eq!(offsets.len(), r.extensions().len());
        for (at, _) in offsets {
            let _ = auth::verify(data, at, b"k");
            let _ = auth::verify_chap(data, at, b"k", b"challenge");
        }
        let signed = r.to_bytes_signed(32, 256, b"k").expect("a parsed message signs");
        assert!(auth::verify(&signed, data.len(), b"k").unwrap());
    }
    if let Ok(i) = mip4::IcmpRepr::from_bytes(data) {
        let again = i.to_bytes().expect("parsed ICMP must emit");
        let p = agent::IcmpPacket::new_checked(data).unwrap();
        if p.verify_checksum() {
            assert_eq!(again, data);
        } else {
            assert_eq!(again[4..], data[4..]);
        }
    }
    for space in [Space::Registration, Space::Discovery] {
        if let Ok(list) = ext::parse_extensions(data, 0, space) {
            let mut out = vec![0; ext::extensions_len(&list)];
            ext::emit_extensions(&list, &mut out).expect("parsed extensions must emit");
            assert_eq!(out, data);
            let _ = mip4::must_discard(&list, space);
        }
    }
    let _ = dissect_registration(data);
    let _ = dissect_agent(data);
});
