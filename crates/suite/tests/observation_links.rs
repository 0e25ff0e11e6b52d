//! An observation of several links: one transcript in capture-time order across them, each
//! entry knowing its capture (for evidence) and its time.

use mip6lab_capture::{Decoded, Entry, Transcript};
use mip6lab_suite::{LinkCapture, Observation};
use std::time::Duration;

fn entry(frame: u64, src: &str) -> Entry {
    Entry {
        frame,
        src: src.into(),
        dst: "x".into(),
        src_addr: "2001:db8::1".parse().unwrap(),
        dst_addr: "2001:db8::2".parse().unwrap(),
        decoded: Decoded::malformed("T", "test"),
    }
}

fn link(network: &str, entries: Vec<Entry>, times_ms: &[u64]) -> LinkCapture {
    LinkCapture {
        network: network.into(),
        pcap: format!("t/{network}.pcap"),
        transcript: Transcript {
            entries,
            ..Transcript::default()
        },
        frame_times: times_ms.iter().map(|m| Duration::from_millis(*m)).collect(),
    }
}

#[test]
fn several_links_merge_in_capture_time_order_with_their_captures() {
    let obs = Observation::from_links(vec![
        link("home", vec![entry(1, "h1"), entry(2, "h2")], &[10, 30]),
        link("access", vec![entry(1, "a1")], &[20]),
    ]);
    let order: Vec<&str> = obs
        .transcript
        .entries
        .iter()
        .map(|e| e.src.as_str())
        .collect();
    assert_eq!(order, ["h1", "a1", "h2"]);
    assert_eq!(obs.pcap, "t/home.pcap");
    assert_eq!(obs.pcap_of(1), "t/access.pcap");
    assert_eq!(obs.pcap_of(2), "t/home.pcap");
    assert_eq!(obs.time_of(1), Some(Duration::from_millis(20)));
    assert_eq!(obs.time_of(2), Some(Duration::from_millis(30)));
    assert_eq!(obs.more_links[0].network, "access");
    // Past the end: no capture of its own, no time.
    assert_eq!(obs.pcap_of(9), "t/home.pcap");
    assert_eq!(obs.time_of(9), None);
}

#[test]
fn one_link_is_its_transcript_unchanged() {
    let obs = Observation::from_links(vec![link("home", vec![entry(1, "h1")], &[5])]);
    assert_eq!(obs.transcript.entries.len(), 1);
    assert!(obs.more_links.is_empty() && obs.entry_links.is_empty());
    assert_eq!(obs.pcap_of(0), "t/home.pcap");
    assert_eq!(obs.time_of(0), Some(Duration::from_millis(5)));
}
