//! The discovery judges on captures recorded from real lab runs (fixtures/pcaps), offline:
//! the reference run passes, each mutant fails for the reason its knob introduced, and
//! edited observations reach the other verdicts.

use mip6lab_capture::{decode_frames, read_file};
use mip6lab_lab::lab::find_event;
use mip6lab_lab::Topology;
use mip6lab_suite::{Observation, Verdict};
use mip6lab_suite_split::mn_discovery::{judge_name_lookup, judge_srv_lookup};
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn recorded(name: &str) -> Observation {
    let dir = root().join("fixtures/pcaps/split-discovery");
    let topo = Topology::load(&root().join("fixtures/topologies/split-discovery.toml")).unwrap();
    let read = read_file(&dir.join(format!("{name}.pcap"))).unwrap();
    assert!(read.error.is_none(), "{:?}", read.error);
    let log = std::fs::read_to_string(dir.join(format!("{name}.mn.log"))).unwrap();
    Observation {
        transcript: decode_frames(&read.frames, &topo.endpoints()),
        pcap: format!("{name}.pcap"),
        iut_event: find_event(&log, "ha_selected"),
        iut_exit: None,
        peer_versions: Default::default(),
    }
}

#[test]
fn reference_srv_run_passes_with_frames_as_evidence() {
    let out = judge_srv_lookup(&recorded("srv-reference"));
    assert_eq!(out.verdict, Verdict::Pass, "{}", out.reason);
    assert!(!out.evidence.is_empty());
}

#[test]
fn reference_name_run_passes() {
    let out = judge_name_lookup(&recorded("name-reference"));
    assert_eq!(out.verdict, Verdict::Pass, "{}", out.reason);
}

#[test]
fn srv_mutant_fails_naming_the_wrong_qname() {
    let out = judge_srv_lookup(&recorded("srv-mutant-udp"));
    assert_eq!(out.verdict, Verdict::Fail);
    insta::assert_snapshot!(out.reason, @"SRV QNAME was `_mip6._udp.example.com.`, expected `_mip6._ipv6.example.com.` (service mip6, protocol ipv6)");
}

#[test]
fn name_mutant_fails_on_qtype() {
    let out = judge_name_lookup(&recorded("name-mutant-a"));
    assert_eq!(out.verdict, Verdict::Fail);
    assert!(out.reason.contains("QTYPE A,"), "{}", out.reason);
}

#[test]
fn each_judge_rejects_the_other_tests_traffic() {
    // An MN that looks up a name instead of SRV, and the reverse.
    let srv_on_name = judge_srv_lookup(&recorded("name-reference"));
    assert_eq!(srv_on_name.verdict, Verdict::Fail);
    assert!(
        srv_on_name.reason.contains("AAAA ha1.example.com."),
        "{}",
        srv_on_name.reason
    );
    let name_on_srv = judge_name_lookup(&recorded("srv-reference"));
    assert_eq!(name_on_srv.verdict, Verdict::Fail);
}

#[test]
fn unanswered_query_is_inconclusive_not_pass() {
    let mut obs = recorded("srv-reference");
    obs.transcript
        .entries
        .retain(|e| e.src != "DNS" || e.dst != "MN");
    let out = judge_srv_lookup(&obs);
    assert_eq!(out.verdict, Verdict::Inconclusive, "{}", out.reason);
}

#[test]
fn choosing_an_ha_that_was_not_offered_fails() {
    let mut obs = recorded("srv-reference");
    obs.iut_event =
        Some(serde_json::json!({"name": "ha9.example.com.", "address": "2001:db8:1::99"}));
    let out = judge_srv_lookup(&obs);
    assert_eq!(out.verdict, Verdict::Fail, "{}", out.reason);
    assert!(out.reason.contains("2001:db8:1::99"));
}

#[test]
fn choosing_the_less_preferred_srv_target_first_fails() {
    // ha2 is offered with priority 20, ha1 with 10: RFC 2782 wants ha1 first.
    let mut obs = recorded("srv-reference");
    obs.iut_event =
        Some(serde_json::json!({"name": "ha2.example.com.", "address": "2001:db8:1::a2"}));
    let out = judge_srv_lookup(&obs);
    assert_eq!(out.verdict, Verdict::Fail, "{}", out.reason);
    assert!(
        out.reason.contains("priority 20") && out.reason.contains("ha1.example.com."),
        "{}",
        out.reason
    );
}

#[test]
fn no_report_and_no_traffic_to_the_ha_is_inconclusive() {
    let mut obs = recorded("srv-reference");
    obs.iut_event = None;
    let out = judge_srv_lookup(&obs);
    assert_eq!(out.verdict, Verdict::Inconclusive, "{}", out.reason);
}

#[test]
fn recorded_transcript_text() {
    let obs = recorded("srv-reference");
    insta::assert_snapshot!(obs.transcript.to_text());
}
