//! The discovery judges on captures recorded from real lab runs (fixtures/pcaps), offline:
//! the reference run passes, each mutant fails for the reason its knob introduced, and
//! edited observations reach the other verdicts.
//!
//! These captures were recorded while no HA ran in `split-discovery`, so they end at the DNS
//! answer; the MN's IKE_SA_INIT, which the judges need, is spliced in from a recorded run with
//! an HA (the reference MN's, in fixtures/transcripts), sent to the HA a case names.

mod support;

use mip6lab_capture::{decode_frames, read_file, Entry, Transcript};
use mip6lab_lab::lab::find_event;
use mip6lab_lab::Topology;
use mip6lab_suite::{Observation, Outcome, Verdict};
use mip6lab_suite_split::mn_discovery::{judge_name_lookup, judge_srv_lookup};
use rstest::rstest;
use std::path::PathBuf;
use support::assert_verdict;

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
        ..Observation::default()
    }
}

/// The reference MN's IKE_SA_INIT request, as recorded in a run with an HA.
fn recorded_ike_sa_init() -> Entry {
    let p = root().join("fixtures/transcripts/TP-SPLIT-MN-CERT-FQDN-01.json");
    let t: Transcript = serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
    t.entries
        .into_iter()
        .find(|e| {
            e.src == "MN"
                && matches!(&e.decoded, mip6lab_capture::transcript::Decoded::Message(m)
                    if m.kind == "IKE_SA_INIT request")
        })
        .expect("the recorded run has the MN's IKE_SA_INIT")
}

/// `obs` with the MN's IKE_SA_INIT to `role` at `addr` appended after its last frame.
fn contacts(mut obs: Observation, role: &str, addr: &str) -> Observation {
    let mut e = recorded_ike_sa_init();
    e.frame = obs.transcript.entries.last().map_or(1, |l| l.frame + 1);
    e.dst = role.into();
    e.dst_addr = addr.parse().unwrap();
    obs.transcript.entries.push(e);
    obs
}

const HA1: &str = "2001:db8:1::a1";
const HA2: &str = "2001:db8:1::a2";

fn is_not_reached(out: &Outcome) -> bool {
    out.verdict == Verdict::Inconclusive && out.not_reached.is_some()
}

#[test]
fn reference_srv_run_passes_with_frames_as_evidence() {
    let out = judge_srv_lookup(&contacts(recorded("srv-reference"), "HA1", HA1));
    assert_verdict(&out, Verdict::Pass, "IKE_SA_INIT to HA1");
    assert!(!out.evidence.is_empty());
}

#[test]
fn reference_name_run_passes() {
    let out = judge_name_lookup(&contacts(recorded("name-reference"), "HA1", HA1));
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

/// The HA the MN chose is its first IKE_SA_INIT's destination: PASS for an offered HA of
/// the best priority, FAIL for one not offered or of a worse priority than another offered.
#[rstest]
#[case::first_to_ha1_passes(
    "srv-reference",
    "HA1",
    HA1,
    Verdict::Pass,
    "an HA the DNS answer offered"
)]
#[case::name_to_ha1_passes(
    "name-reference",
    "HA1",
    HA1,
    Verdict::Pass,
    "an HA the DNS answer offered"
)]
#[case::not_offered_fails(
    "srv-reference",
    "HA9",
    "2001:db8:1::99",
    Verdict::Fail,
    "2001:db8:1::99, which the DNS answer did not offer"
)]
#[case::name_to_another_ha_fails("name-reference", "HA2", HA2, Verdict::Fail, "did not offer")]
#[case::worse_priority_first_fails("srv-reference", "HA2", HA2, Verdict::Fail, "priority 20")]
fn the_first_ike_sa_init_names_the_chosen_ha(
    #[case] run: &str,
    #[case] role: &str,
    #[case] addr: &str,
    #[case] verdict: Verdict,
    #[case] says: &str,
) {
    let obs = contacts(recorded(run), role, addr);
    let out = if run.starts_with("srv") {
        judge_srv_lookup(&obs)
    } else {
        judge_name_lookup(&obs)
    };
    assert_verdict(&out, verdict, says);
}

#[test]
fn the_best_priority_first_then_the_next_passes() {
    let obs = contacts(contacts(recorded("srv-reference"), "HA1", HA1), "HA2", HA2);
    let out = judge_srv_lookup(&obs);
    assert_eq!(out.verdict, Verdict::Pass, "{}", out.reason);
}

/// The MN's own report of its choice decides nothing: without an IKE_SA_INIT on the wire the
/// step is not reached, whatever `ha_selected` says (an offered HA, another, or none).
#[rstest]
#[case::reported_offered_ha(Some("2001:db8:1::a1"))]
#[case::reported_other_ha(Some("2001:db8:1::99"))]
#[case::reported_worse_priority(Some("2001:db8:1::a2"))]
#[case::no_report(None)]
fn a_report_without_ike_sa_init_is_not_reached(#[case] reported: Option<&str>) {
    let mut obs = recorded("srv-reference");
    obs.iut_event = reported.map(|a| serde_json::json!({"name": "ha.example.com.", "address": a}));
    for out in [
        judge_srv_lookup(&obs),
        judge_name_lookup(&recorded("name-reference")),
    ] {
        assert!(is_not_reached(&out), "{:?} {}", out.verdict, out.reason);
        assert!(
            out.reason.contains("silence: MN's IKE_SA_INIT never came"),
            "{}",
            out.reason
        );
    }
}

#[test]
fn an_mn_that_died_is_not_reached_with_its_exit_code() {
    // Exited after the DNS answer.
    let mut obs = recorded("srv-reference");
    obs.iut_exit = Some(1);
    let out = judge_srv_lookup(&obs);
    assert!(is_not_reached(&out), "{}", out.reason);
    assert!(out.reason.contains("exited with code 1"), "{}", out.reason);
    // Exited before asking anything (a kernel-backed MN without its capabilities, say).
    obs.transcript.entries.clear();
    obs.iut_exit = Some(3);
    for out in [judge_srv_lookup(&obs), judge_name_lookup(&obs)] {
        assert!(is_not_reached(&out), "{}", out.reason);
        assert!(out.reason.contains("exited with code 3"), "{}", out.reason);
    }
}

#[test]
fn an_unreadable_frame_after_the_answer_is_cannot_judge() {
    let mut obs = recorded("srv-reference");
    let after = obs.transcript.entries.last().unwrap().frame + 1;
    obs.transcript
        .errors
        .push((after, "truncated IPv6 header".into()));
    let out = judge_srv_lookup(&obs);
    assert_eq!(out.verdict, Verdict::Inconclusive, "{}", out.reason);
    assert!(out.reason.starts_with("cannot judge"), "{}", out.reason);
    let cited: Vec<u64> = out
        .evidence
        .iter()
        .filter_map(|e| match e {
            mip6lab_report::Evidence::Frames { frames, .. } => Some(frames.clone()),
            _ => None,
        })
        .flatten()
        .collect();
    assert_eq!(cited, vec![after]);
}

#[test]
fn recorded_transcript_text() {
    let obs = recorded("srv-reference");
    insta::assert_snapshot!(obs.transcript.to_text());
}
