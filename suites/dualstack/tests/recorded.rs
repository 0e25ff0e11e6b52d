//! The dual-stack suite's judges on the committed recordings of the reference roles
//! (fixtures/pcaps/dualstack-reference/{integrated,asp}, `just record-dualstack`): what those
//! flows exercise PASSes; a judge whose stimulus is not in them does not.

use mip6lab_lab::Topology;
use mip6lab_suite::{Observation, Outcome, Verdict};
use mip6lab_suite_dualstack::{
    fa_relay as fa, fha_registration as fha, ha_dsmip as ha, nas_access as nas,
};
use std::path::PathBuf;

fn recorded(flow: &str) -> Observation {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = root.join("fixtures/pcaps/dualstack-reference").join(flow);
    let topology = Topology::load(&root.join("fixtures/topologies/record-dualstack.toml")).unwrap();
    Observation::from_recording(&dir, &topology, &[dir.join("keys.log")]).unwrap()
}

type Judge = fn(&Observation) -> Outcome;

#[test]
fn both_recordings_pass_the_judges_of_what_they_show() {
    let judges: &[(&str, Judge)] = &[
        ("fha accept", fha::judge_accepts_the_co_located_mn),
        ("fha thoa", fha::judge_assigns_a_temporary_ipv4_home_address),
        ("fha nai", fha::judge_echoes_the_nai),
        ("fha ipv6 items", fha::judge_appends_the_ipv6_items),
        ("fha lifetime", fha::judge_never_raises_the_lifetime),
        ("fha keygen", fha::judge_answers_key_generation),
        ("fha tunnel", fha::judge_tunnels_to_the_mn),
        ("fha fa-ha", fha::judge_authenticates_to_the_fa),
        ("fha mn-ha key", fha::judge_signs_with_the_generated_key),
        ("fa adv", fa::judge_advertises_its_service),
        ("fa relay", fa::judge_relays_the_request_unchanged),
        ("fa fa-ha", fa::judge_authenticates_to_the_fha),
        (
            "fa eds",
            fa::judge_consumes_the_encapsulating_delivery_style,
        ),
        ("fa reply", fa::judge_relays_the_reply),
        ("fa r bit", fa::judge_relays_a_co_located_request),
        ("ha bu", ha::judge_accepts_the_bootstrapped_mn),
        ("ha ipv4 hoa", ha::judge_acknowledges_the_ipv4_home_address),
        ("ha udp", ha::judge_answers_a_udp_bu_in_udp),
    ];
    for flow in ["integrated", "asp"] {
        let obs = recorded(flow);
        for (name, judge) in judges {
            let o = judge(&obs);
            assert_eq!(o.verdict, Verdict::Pass, "{flow} {name}: {}", o.reason);
        }
    }
}

#[test]
fn the_fha_asks_the_aaah_in_both_cases() {
    // Integrated and ASP alike (§4.2.1: "the FHA sends the authentication messages to/from
    // AAAH"); only the NAS's 802.1X goes through the AAAF in the ASP case.
    for flow in ["integrated", "asp"] {
        let o = fha::judge_asks_the_aaah_before_accepting(&recorded(flow));
        assert_eq!(o.verdict, Verdict::Pass, "{flow}: {}", o.reason);
    }
}

#[test]
fn stimuli_the_recordings_lack_are_never_a_pass() {
    let obs = recorded("integrated");
    // Every MN-AAA key was right: the AAAH accepted, so the denial was not exercised.
    let o = fha::judge_denies_a_wrong_mn_aaa_authenticator(&obs);
    assert_eq!(o.verdict, Verdict::Inconclusive, "{}", o.reason);
    // One MN asked for an IPv4 home address: nothing contested.
    let o = ha::judge_refuses_an_ipv4_home_address_in_use(&obs);
    assert_eq!(o.verdict, Verdict::Inconclusive, "{}", o.reason);
}

#[test]
fn the_asp_recording_passes_the_asp_judges_and_the_integrated_one_does_not() {
    let asp = recorded("asp");
    for (name, judge) in [
        (
            "nas asp",
            nas::judge_authenticates_the_mn_with_the_aaaf as Judge,
        ),
        ("fha asp", fha::judge_asks_the_aaah_in_the_asp_case),
    ] {
        let o = judge(&asp);
        assert_eq!(o.verdict, Verdict::Pass, "{name}: {}", o.reason);
    }
    let integrated = recorded("integrated");
    assert_eq!(
        nas::judge_authenticates_the_mn_with_the_aaah(&integrated).verdict,
        Verdict::Pass
    );
    assert_ne!(
        nas::judge_authenticates_the_mn_with_the_aaaf(&integrated).verdict,
        Verdict::Pass
    );
    assert_eq!(
        fha::judge_asks_the_aaah_in_the_asp_case(&integrated).verdict,
        Verdict::Inconclusive
    );
}
