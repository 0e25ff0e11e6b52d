//! Home AAA server (AAAH) under test in the integrated scenario (RFC 6611 §4.2.1/§4.2.2 step
//! (1)): the harness's MN authenticates for network access at the harness's NAS, whose RADIUS
//! goes to the harness's AAAV (FreeRADIUS), which proxies realm example.com to the AAAH under
//! test. The IUT is configured with two subscribers (topology `integrated-aaa-iut`): the
//! tester's usual NAI, allowed Mobile IPv6 with HA1 and the home link prefix, and a second one
//! allowed network access only. Verdicts are read from the AAAH's own answers on the wire
//! (source `AAA`, towards the AAAV), in the lab's RADIUS profile
//! (`fixtures/requirements/radius-ha-assignment.md`).
//!
//! The observation ends when the tester's access is authorized (EAP-Success), or when the
//! tester gives up (EAP-Failure, or no outcome within its 20 s): the AAAH's answer comes
//! before either, and nothing after it concerns the AAAH.

use crate::MSP_HA;
use mip6lab_suite::observe::{mip6_feature, radius_code, RadiusMessage};
use mip6lab_suite::{
    try_step, IutRole, Observation, Outcome, Scenario, Stimulus, TestBed, TestPurpose,
};
use std::net::{IpAddr, Ipv6Addr};
use std::time::Duration;

const TOPOLOGY: &str = "integrated-aaa-iut";
/// The subscriber allowed Mobile IPv6 (the tester's default NAI).
const MIP6_NAI: &str = "mn1-access@example.com";
/// The subscriber allowed network access only (`MIP6LAB_AAA_USERS` of the topology).
const ACCESS_ONLY_NAI: &str = "mn2-access@example.com";
/// The home link prefix the IUT is configured to assign with HA1.
const MSP_PREFIX: (Ipv6Addr, u8) = (Ipv6Addr::new(0x2001, 0xdb8, 1, 0x100, 0, 0, 0, 0), 64);
/// The tester authenticates as the access-only subscriber.
const AS_ACCESS_ONLY: &[(&str, &str)] = &[
    ("MIP6LAB_ACCESS_USER", ACCESS_ONLY_NAI),
    ("MIP6LAB_ACCESS_PASSWORD", "mn2-access-secret"),
];
/// The AAAH's role in the topology.
const AAAH: &str = "AAA";

/// A test purpose with the AAAH under test, driven by the tester MN; observed until its
/// whole flow is done (or it gives up), at most 60 s. Ending at its access would cut the
/// transcript wherever the MN's next steps happen to be when the harness stops capturing.
const fn tp(
    id: &'static str,
    title: &'static str,
    requirements: &'static [&'static str],
    stimulus_env: &'static [(&'static str, &'static str)],
    judge: fn(&Observation) -> Outcome,
) -> TestPurpose {
    crate::test_purpose(
        TestBed::new(Scenario::Integrated, IutRole::Aaa, TOPOLOGY),
        id,
        title,
        requirements,
        &[],
        judge,
    )
    .stimulus(Stimulus {
        node: "mn",
        env: stimulus_env,
    })
    .until_event(Some("done"))
    .observe_for(Duration::from_secs(60))
}

/// What the AAAH said to the requests for one user.
enum Answer<'a> {
    /// Its first Access-Accept or Access-Reject.
    Final(RadiusMessage<'a>),
    /// No Access-Request for the user reached it: the harness's flow stopped before.
    NoRequest,
    /// Requests reached it, none was answered with Accept or Reject.
    Unanswered {
        first_request: RadiusMessage<'a>,
        requests: usize,
        challenged: bool,
    },
}

fn answer_for<'a>(obs: &'a Observation, user: &str) -> Answer<'a> {
    let requests: Vec<RadiusMessage> = obs
        .radius_messages()
        .filter(|m| {
            m.is(radius_code::ACCESS_REQUEST) && m.entry.dst == AAAH && m.user_name() == Some(user)
        })
        .collect();
    let final_answer = requests
        .iter()
        .filter_map(|q| obs.radius_response_to(q))
        .find(|a| a.is(radius_code::ACCESS_ACCEPT) || a.is(radius_code::ACCESS_REJECT));
    if let Some(a) = final_answer {
        return Answer::Final(a);
    }
    let challenged = requests.iter().any(|q| obs.radius_response_to(q).is_some());
    let count = requests.len();
    match requests.into_iter().next() {
        None => Answer::NoRequest,
        Some(first_request) => Answer::Unanswered {
            first_request,
            requests: count,
            challenged,
        },
    }
}

impl<'a> Answer<'a> {
    /// The Accept or Reject, or the verdict when there is none: INCONCLUSIVE when no request
    /// reached the AAAH; `silence` (FAIL or INCONCLUSIVE, as the test decides) when it
    /// answered none.
    fn final_or(
        self,
        obs: &Observation,
        user: &str,
        silence: fn(String) -> Outcome,
    ) -> Result<RadiusMessage<'a>, Outcome> {
        match self {
            Answer::Final(a) => Ok(a),
            Answer::NoRequest => Err(Outcome::not_reached(
                "tester access",
                format!("no Access-Request for `{user}` reached the AAA server"),
            )),
            Answer::Unanswered {
                first_request,
                requests,
                challenged,
            } => Err(silence(format!(
                "the AAA server answered none of the {requests} Access-Request(s) for `{user}` \
                 with an Access-Accept or Access-Reject ({})",
                if challenged {
                    "only Access-Challenges"
                } else {
                    "no answer at all"
                }
            ))
            .with_frames(
                obs.pcap_of(first_request.position),
                [first_request.entry.frame],
            )),
        }
    }
}

/// RFC 6611 §4.2.1 (1) (and §4.2.2 (1), whose step the AAAH takes alike: the access request
/// carries nothing of whether the MN will then ask for an ASP or an MSP home agent): for an
/// MN allowed Mobile IPv6, the AAAH returns the assigned home agent of the home MSP to the
/// NAS in its Access-Accept.
#[mip6lab_suite::test_purpose]
pub fn assigns_home_agent() -> TestPurpose {
    tp(
        "TP-INT-AAA-ASSIGN-01",
        "AAA server's Access-Accept for an MN allowed Mobile IPv6 carries the HA assignment",
        &[
            "RFC6611-4.2.1-AAA-MUST-1",
            "RFC6611-4.2.1-AAA-MUST-2",
            "RFC6611-4.2.1-AAA-MUST-3",
            "RFC6611-4.2.2-AAA-MUST-2",
            "RFC6611-3-AAA-SHALL-1",
        ],
        &[],
        judge_assigns_home_agent,
    )
    .pics(&["aaa.radius", "aaa.eap_md5"])
}

pub fn judge_assigns_home_agent(obs: &Observation) -> Outcome {
    // Silence is a failure here: the AAAH owes this subscriber an answer with its HA.
    let answer = try_step!(answer_for(obs, MIP6_NAI).final_or(obs, MIP6_NAI, Outcome::fail));
    let evidence = |o: Outcome| o.with_frames(obs.pcap_of(answer.position), [answer.entry.frame]);
    if answer.is(radius_code::ACCESS_REJECT) {
        return evidence(Outcome::fail(format!(
            "the AAA server rejected `{MIP6_NAI}`, a subscriber with valid credentials allowed Mobile IPv6"
        )));
    }
    let a = match answer.ha_assignment() {
        Ok(a) => a,
        Err(e) => return evidence(Outcome::fail(format!("the Access-Accept's {e}"))),
    };
    let ha = IpAddr::V6(MSP_HA.parse().expect("a constant address"));
    let (prefix, len) = MSP_PREFIX;
    let integrated = a
        .feature_vector
        .is_some_and(|v| v & mip6_feature::MIP6_INTEGRATED != 0);
    let o = if !a.assigns() {
        Outcome::fail("the Access-Accept assigns no home agent (no WiMAX-hHA-IP-MIP6, no MIP6-Home-Link-Prefix)")
    } else if !a.home_agents.contains(&ha) {
        Outcome::fail(format!(
            "the Access-Accept assigns home agents {:?}, not the configured {ha}",
            a.home_agents
        ))
    } else if a.home_link_prefix != Some(MSP_PREFIX) {
        Outcome::fail(format!(
            "the Access-Accept assigns home link prefix {:?}, not the configured {prefix}/{len}",
            a.home_link_prefix
        ))
    } else if !integrated {
        Outcome::fail(format!(
            "the Access-Accept assigns {ha} but its MIP6-Feature-Vector ({:?}) lacks MIP6_INTEGRATED",
            a.feature_vector
        ))
    } else {
        Outcome::pass(format!(
            "Access-Accept for `{MIP6_NAI}`: MIP6_INTEGRATED, home agent {ha}, home link prefix {prefix}/{len}"
        ))
    };
    evidence(o)
}

/// RFC 6611 §4.2.1 (1) and §4.2.2 (1): "the AAAH verifies in the AAA profile that the mobile
/// node is allowed to use the Mobile IPv6 service". A subscriber allowed network access only
/// gets no home agent: an Access-Accept without the profile's attributes, or an
/// Access-Reject.
#[mip6lab_suite::test_purpose]
pub fn refuses_home_agent() -> TestPurpose {
    tp(
        "TP-INT-AAA-REFUSE-01",
        "AAA server assigns no HA to a subscriber not allowed Mobile IPv6",
        &["RFC6611-4.2.1-AAA-MUST-2", "RFC6611-4.2.2-AAA-MUST-1"],
        AS_ACCESS_ONLY,
        judge_refuses_home_agent,
    )
    .pics(&["aaa.radius", "aaa.eap_md5"])
}

pub fn judge_refuses_home_agent(obs: &Observation) -> Outcome {
    // The positive control: the AAAH answered the subscriber at all (silence assigns
    // nothing, but shows nothing either).
    let answer = try_step!(answer_for(obs, ACCESS_ONLY_NAI).final_or(
        obs,
        ACCESS_ONLY_NAI,
        Outcome::inconclusive
    ));
    let evidence = |o: Outcome| o.with_frames(obs.pcap_of(answer.position), [answer.entry.frame]);
    if answer.is(radius_code::ACCESS_REJECT) {
        return evidence(Outcome::pass(format!(
            "Access-Reject for `{ACCESS_ONLY_NAI}`: no home agent assigned"
        )));
    }
    let a = match answer.ha_assignment() {
        Ok(a) => a,
        Err(e) => return evidence(Outcome::fail(format!("the Access-Accept's {e}"))),
    };
    let integrated = a
        .feature_vector
        .is_some_and(|v| v & mip6_feature::MIP6_INTEGRATED != 0);
    let o = if a.assigns() {
        Outcome::fail(format!(
            "the Access-Accept for `{ACCESS_ONLY_NAI}`, whose profile does not allow Mobile IPv6, \
             assigns home agents {:?} (visited {:?}), prefix {:?}",
            a.home_agents, a.visited_agents, a.home_link_prefix
        ))
    } else if integrated {
        Outcome::fail(format!(
            "the Access-Accept for `{ACCESS_ONLY_NAI}` authorizes integrated-scenario Mobile IPv6 \
             (MIP6-Feature-Vector with MIP6_INTEGRATED), which its profile does not allow"
        ))
    } else {
        Outcome::pass(format!(
            "Access-Accept for `{ACCESS_ONLY_NAI}` (network access) without any home agent assignment"
        ))
    };
    evidence(o)
}
