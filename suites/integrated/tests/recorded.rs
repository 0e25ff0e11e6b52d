//! The integrated suite's judges on the committed recordings of the reference roles
//! (fixtures/pcaps/integrated-reference/{msp,asp,dns}, `just record-integrated`): what each
//! flow exercises PASSes, and a judge whose flow did not happen there never PASSes.

mod support;

use mip6lab_suite::{Observation, Verdict};
use mip6lab_suite_integrated::{mn_access as mn, nas_relay as nas};
use support::recorded;

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

/// The AAA server's judges read the AAAH's (FreeRADIUS's, in the recordings) answers to the
/// AAAV; the cases the recordings do not show are the same recordings with the RADIUS
/// rewritten (support::recorded_with).
mod aaa_server {
    use super::support::{recorded, recorded_with, Edit};
    use mip6lab_suite::{Observation, Outcome, Verdict};
    use mip6lab_suite_integrated::aaa_server::{
        judge_assigns_home_agent, judge_refuses_home_agent,
    };
    use mip6lab_wire::radius::{attr, code, vendor, Attribute, Repr};

    const MN1: &[u8] = b"mn1-access@example.com";
    const MN2: &[u8] = b"mn2-access@example.com";

    fn is_wimax(a: &Attribute) -> bool {
        a.vendor_specific()
            .is_ok_and(|v| v.vendor_id == vendor::WIMAX)
    }

    /// Without the profile's assignment attributes; `keep_feature_vector` keeps 124.
    fn strip(r: &mut Repr, keep_feature_vector: bool) {
        r.attributes.retain(|a| {
            !(a.kind == attr::MIP6_HOME_LINK_PREFIX
                || is_wimax(a)
                || (a.kind == attr::MIP6_FEATURE_VECTOR && !keep_feature_vector))
        });
    }

    /// The access authentication of mn1 as that of mn2 (same length, so EAP lengths hold).
    fn as_mn2(r: &mut Repr) {
        for a in &mut r.attributes {
            if let Some(at) = a.value.windows(MN1.len()).position(|w| w == MN1) {
                a.value[at..at + MN1.len()].copy_from_slice(MN2);
            }
        }
    }

    fn accept_to_reject(r: &mut Repr) {
        if r.code == code::ACCESS_ACCEPT {
            r.code = code::ACCESS_REJECT;
            strip(r, false);
        }
    }

    fn no_accept(r: &mut Repr) -> Edit {
        if r.code == code::ACCESS_ACCEPT {
            Edit::Drop
        } else {
            Edit::Keep
        }
    }

    fn check(o: Outcome, v: Verdict, reason_has: &str) {
        assert_eq!(o.verdict, v, "{}", o.reason);
        assert!(o.reason.contains(reason_has), "{}", o.reason);
    }

    fn edited(f: fn(&mut Repr)) -> Observation {
        recorded_with("msp", |r| {
            f(r);
            Edit::Keep
        })
    }

    #[test]
    fn freeradius_assigning_ha1_passes_in_both_cases_the_mn_then_takes() {
        // The ASP case's access is the MSP case's: the AAAH cannot tell them apart.
        for flow in ["msp", "asp"] {
            let o = judge_assigns_home_agent(&recorded(flow));
            check(
                o,
                Verdict::Pass,
                "home agent 2001:db8:1::a1, home link prefix 2001:db8:1:100::/64",
            );
        }
        // Nothing for mn2 in the recordings: the refusal judge cannot judge.
        let o = judge_refuses_home_agent(&recorded("msp"));
        check(
            o,
            Verdict::Inconclusive,
            "no Access-Request for `mn2-access@example.com`",
        );
    }

    #[test]
    fn an_accept_without_the_assignment_a_reject_or_silence_fails_the_assignment() {
        check(
            judge_assigns_home_agent(&edited(|r| strip(r, false))),
            Verdict::Fail,
            "assigns no home agent",
        );
        check(
            judge_assigns_home_agent(&edited(|r| strip(r, true))),
            Verdict::Fail,
            "assigns no home agent",
        );
        check(
            judge_assigns_home_agent(&edited(accept_to_reject)),
            Verdict::Fail,
            "rejected `mn1-access@example.com`",
        );
        check(
            judge_assigns_home_agent(&recorded_with("msp", no_accept)),
            Verdict::Fail,
            "only Access-Challenges",
        );
        // No request for mn1 at all: the harness's flow, not the AAAH.
        check(
            judge_assigns_home_agent(&edited(as_mn2)),
            Verdict::Inconclusive,
            "no Access-Request for `mn1-access@example.com`",
        );
    }

    #[test]
    fn the_refusal_passes_without_assignment_or_with_reject_and_needs_an_answer() {
        check(
            judge_refuses_home_agent(&edited(as_mn2)),
            Verdict::Fail,
            "assigns home agents [2001:db8:1::a1]",
        );
        check(
            judge_refuses_home_agent(&edited(|r| {
                as_mn2(r);
                strip(r, true)
            })),
            Verdict::Fail,
            "MIP6_INTEGRATED",
        );
        check(
            judge_refuses_home_agent(&edited(|r| {
                as_mn2(r);
                strip(r, false)
            })),
            Verdict::Pass,
            "without any home agent assignment",
        );
        check(
            judge_refuses_home_agent(&edited(|r| {
                as_mn2(r);
                accept_to_reject(r)
            })),
            Verdict::Pass,
            "Access-Reject for `mn2-access@example.com`",
        );
        let silent = recorded_with("msp", |r| {
            as_mn2(r);
            no_accept(r)
        });
        check(
            judge_refuses_home_agent(&silent),
            Verdict::Inconclusive,
            "answered none of the",
        );
    }
}
