//! The integrated suite's judges on the committed recordings of the reference roles
//! (fixtures/pcaps/integrated-reference/{msp,asp,dns}, `just record-integrated`): what each
//! flow exercises PASSes, and a judge whose flow did not happen there never PASSes.

use mip6lab_lab::Topology;
use mip6lab_suite::{Observation, Verdict};
use mip6lab_suite_integrated::{mn_access as mn, nas_relay as nas};
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn recorded(flow: &str) -> Observation {
    let dir = root()
        .join("fixtures/pcaps/integrated-reference")
        .join(flow);
    let topo = Topology::load(&root().join("fixtures/topologies/record-integrated.toml")).unwrap();
    Observation::from_recording(&dir, &topo, &[dir.join("keys.log")]).unwrap()
}

type Judge = fn(&Observation) -> mip6lab_suite::Outcome;

fn verdicts(obs: &Observation, judges: &[(&str, Judge)]) -> Vec<(String, Verdict, String)> {
    judges
        .iter()
        .map(|(name, j)| {
            let o = j(obs);
            (name.to_string(), o.verdict, o.reason)
        })
        .collect()
}

#[test]
fn the_msp_flow_passes_the_msp_judges_of_both_roles() {
    let obs = recorded("msp");
    let judges: &[(&str, Judge)] = &[
        ("access", mn::judge_access_before_dhcp),
        ("ir", mn::judge_msp_information_request),
        ("oro", mn::judge_oro_sub_options),
        ("idinf", mn::judge_uses_idinf_ha),
        ("eap", nas::judge_relays_eap),
        ("rsoo", nas::judge_rsoo_with_assignment),
        ("reply", nas::judge_reply_unchanged),
    ];
    for (name, v, reason) in verdicts(&obs, judges) {
        assert_eq!(v, Verdict::Pass, "{name}: {reason}");
    }
    // The recording held the information, so the expiry judge sees an RSOO: FAIL, rightly.
    assert_eq!(nas::judge_no_rsoo_after_expiry(&obs).verdict, Verdict::Fail);
}

#[test]
fn the_asp_flow_passes_the_asp_judge_and_is_no_rsoo_evidence() {
    let obs = recorded("asp");
    let o = mn::judge_asp_information_request(&obs);
    assert_eq!(o.verdict, Verdict::Pass, "{}", o.reason);
    let o = mn::judge_asp_case(&obs);
    assert_eq!(o.verdict, Verdict::Pass, "{}", o.reason);
    // No HNIDF was sent: no IDINF is due, and the RSOO judge cannot judge.
    let o = nas::judge_rsoo_with_assignment(&obs);
    assert_eq!(o.verdict, Verdict::Inconclusive, "{}", o.reason);
    // The MSP judges see a request without an HNIDF.
    assert_eq!(
        mn::judge_msp_information_request(&obs).verdict,
        Verdict::Fail
    );
}

#[test]
fn the_dns_flow_passes_the_fallback_judge_and_nothing_that_needs_a_reply() {
    let obs = recorded("dns");
    let o = mn::judge_dns_fallback(&obs);
    assert_eq!(o.verdict, Verdict::Pass, "{}", o.reason);
    let o = mn::judge_uses_idinf_ha(&obs);
    assert_eq!(o.verdict, Verdict::Inconclusive, "{}", o.reason);
    // The relay's server address had no host, so its Relay-forward never reached the wire:
    // whatever the reply judge says, it is no PASS.
    let o = nas::judge_reply_unchanged(&obs);
    assert_ne!(o.verdict, Verdict::Pass, "{}", o.reason);
}
