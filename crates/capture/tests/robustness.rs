//! Decoders never panic: arbitrary bytes, and recorded captures with bytes flipped or cut,
//! go through the reader and the dissectors and come out as frames, housekeeping or errors.

use mip6lab_capture::read::LinkType;
use mip6lab_capture::{decode_frames, read_bytes, Endpoints, Frame};
use proptest::prelude::*;
use std::net::Ipv6Addr;
use std::path::PathBuf;
use support::{addr, ethernet_frame, ipv6, udp};

mod support;

fn recorded() -> Vec<Vec<u8>> {
    let dir =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/pcaps/split-discovery");
    let mut v: Vec<Vec<u8>> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "pcap"))
        .map(|e| std::fs::read(e.path()).unwrap())
        .collect();
    assert!(!v.is_empty(), "no recorded captures in {}", dir.display());
    v.sort();
    v
}

fn decode_all(bytes: &[u8]) {
    if let Ok(out) = read_bytes("fuzz", bytes) {
        let t = decode_frames(&out.frames, &Endpoints::default());
        let _ = t.to_text();
    }
}

#[test]
fn recorded_captures_decode_without_errors() {
    for bytes in recorded() {
        let out = read_bytes("recorded", &bytes).unwrap();
        assert!(out.error.is_none());
        let t = decode_frames(&out.frames, &Endpoints::default());
        assert!(t.errors.is_empty(), "{:?}", t.errors);
        assert!(t.dns().count() >= 2);
    }
}

#[test]
fn truncated_capture_reports_the_frame_it_stopped_at() {
    let bytes = &recorded()[0];
    let out = read_bytes("cut", &bytes[..bytes.len() - 7]).unwrap();
    let err = out.error.expect("a cut record must be reported");
    assert!(err.to_string().contains("frame"), "{err}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_files_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        decode_all(&bytes);
    }

    #[test]
    fn corrupted_recordings_never_panic(
        which in 0usize..4,
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..16),
        cut in any::<prop::sample::Index>(),
    ) {
        let all = recorded();
        let mut bytes = all[which % all.len()].clone();
        for (i, b) in flips {
            let i = i.index(bytes.len());
            bytes[i] ^= b;
        }
        let keep = cut.index(bytes.len() + 1);
        bytes.truncate(keep.max(24));
        decode_all(&bytes);
    }

    #[test]
    fn arbitrary_frames_never_panic(data in proptest::collection::vec(any::<u8>(), 0..1600)) {
        let f = Frame { number: 1, timestamp: std::time::Duration::ZERO, link: LinkType::Ethernet, data };
        let t = decode_frames(&[f], &Endpoints::default());
        let _ = t.to_text();
    }

    /// Well-formed Ethernet/IPv6/UDP to port 53 around arbitrary bytes: the DNS decoder's turn.
    #[test]
    fn arbitrary_dns_payloads_never_panic(
        dns in proptest::collection::vec(any::<u8>(), 0..600),
        to_server in any::<bool>(),
    ) {
        let (sport, dport): (u16, u16) = if to_server { (40000, 53) } else { (53, 40000) };
        let (mn, dns_server) = (addr("2001:db8:1::100"), addr("2001:db8:1::53"));
        let f = ethernet_frame(1, &ipv6(mn, dns_server, 17, 64, &udp(sport, dport, &dns)));
        let t = decode_frames(&[f], &Endpoints::default());
        prop_assert_eq!(t.entries.len() + t.errors.len(), 1);
        let _ = t.to_text();
    }

    /// Well-formed Ethernet/IPv6 from :: around an ICMPv6 NS or NA with arbitrary octets
    /// after the type: the ND dissector's turn.
    #[test]
    fn arbitrary_nd_payloads_never_panic(
        body in proptest::collection::vec(any::<u8>(), 0..200),
        na in any::<bool>(),
    ) {
        let icmp = [&[if na { 136 } else { 135 }][..], &body].concat();
        let solicited_node = addr("ff02::1:ff00:100");
        let f = ethernet_frame(1, &ipv6(Ipv6Addr::UNSPECIFIED, solicited_node, 58, 255, &icmp));
        let t = decode_frames(&[f], &Endpoints::default());
        prop_assert!(t.entries.len() + t.errors.len() + t.housekeeping as usize == 1);
        let _ = t.to_text();
    }
}
