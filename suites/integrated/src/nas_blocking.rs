//! RFC 6422 §5's blocking switch at the NAS/DHCPv6 relay under test. The IUT is configured
//! with the switch set (`MIP6LAB_RSOO_BLOCK_FORWARDS=yes`; PICS `nas.rsoo.block_switch`); on
//! its access link the harness plays a relay below it (the tester node, role
//! `dhcpv6-relay-stimulus` with `MIP6LAB_RELAY_SHAPES=downstream`, so the transcript names it
//! MN) and sends it three Relay-forwards, each around an Information-request of its own client
//! (DUID-LL 00:00:5e:00:53:NN; `crates/engines/src/dhcpv6/relay_stimulus.rs`):
//!
//! - `downstream-plain` (NN 09): no RSOO, the positive control: a relay that relays none of
//!   the three shows nothing about the switch (INCONCLUSIVE);
//! - `downstream-rsoo` (NN 0a): an RSOO in the Relay-forward itself;
//! - `downstream-nested` (NN 0b): the RSOO only in the inner of two encapsulations.
//!
//! Both tests judge one run, from the access link (what the tester sent) and the ASP link (what
//! the NAS relayed to the DHCPv6 server). Not covered: a NAS that enforces IEEE 802.1X port
//! control drops an unauthenticated relay's traffic, the control included (INCONCLUSIVE).

use mip6lab_suite::observe::DhcpMessage;
use mip6lab_suite::{Observation, Outcome, Stimulus, TestPurpose};
use std::time::Duration;

/// The role the transcript gives the tester node that plays the downstream relay.
const DOWNSTREAM: &str = "MN";

/// One downstream shape: its name and its client's link-layer address (hex, as in the
/// transcript).
#[derive(Debug, Clone, Copy)]
struct Shape {
    name: &'static str,
    client: &'static str,
}

const PLAIN: Shape = Shape {
    name: "downstream-plain",
    client: "00005e005309",
};
const RSOO_OUTER: Shape = Shape {
    name: "downstream-rsoo",
    client: "00005e00530a",
};
const RSOO_NESTED: Shape = Shape {
    name: "downstream-nested",
    client: "00005e00530b",
};

/// The switch set; the tester node plays the downstream relay (at most 3 shapes × 2 attempts
/// × 2 s).
const fn tp(
    id: &'static str,
    title: &'static str,
    requirements: &'static [&'static str],
    judge: fn(&Observation) -> Outcome,
) -> TestPurpose {
    crate::nas_relay::tp(
        id,
        title,
        requirements,
        &[("MIP6LAB_RSOO_BLOCK_FORWARDS", "yes")],
        judge,
    )
    .pics(&["nas.rsoo.block_switch"])
    .stimulus(Stimulus {
        node: "mn",
        env: &[
            ("MIP6LAB_ROLE", "dhcpv6-relay-stimulus"),
            // The NAS's address on the access link (topology host NAS-access).
            ("MIP6LAB_DHCP_SERVERS", "2001:db8:10::a"),
            ("MIP6LAB_RELAY_SHAPES", "downstream"),
        ],
    })
    .until_event(Some("relay_stimulus_done"))
    .observe_for(Duration::from_secs(30))
}

/// RFC 6422 §5: with the switch set, a Relay-forward carrying an RSOO is silently discarded.
#[mip6lab_suite::test_purpose]
pub fn blocks_outer_rsoo() -> TestPurpose {
    tp(
        "TP-INT-NAS-RSOO-BLOCK-01",
        "NAS with the RSOO blocking switch set discards a downstream Relay-forward carrying an RSOO",
        &["RFC6422-5-NAS-MUST-2"],
        judge_blocks_outer_rsoo,
    )
}

pub fn judge_blocks_outer_rsoo(obs: &Observation) -> Outcome {
    judge_blocked(obs, RSOO_OUTER)
}

/// RFC 6422 §5: the switch "MUST examine all Relay-Forward encapsulations, not just the
/// outer encapsulation".
#[mip6lab_suite::test_purpose]
pub fn blocks_nested_rsoo() -> TestPurpose {
    tp(
        "TP-INT-NAS-RSOO-BLOCK-02",
        "NAS with the RSOO blocking switch set finds an RSOO in an inner encapsulation too",
        &["RFC6422-5-NAS-MUST-3"],
        judge_blocks_nested_rsoo,
    )
}

pub fn judge_blocks_nested_rsoo(obs: &Observation) -> Outcome {
    judge_blocked(obs, RSOO_NESTED)
}

/// The tester's Relay-forward of `shape` on the access link, if it is in the capture.
fn sent<'a>(obs: &'a Observation, shape: Shape) -> Option<DhcpMessage<'a>> {
    obs.relay_forwards(Some(DOWNSTREAM))
        .into_iter()
        .find(|m| is_of(m, shape))
}

/// Whether a message's innermost client message is `shape`'s Information-request.
fn is_of(m: &DhcpMessage, shape: Shape) -> bool {
    m.innermost()
        .and_then(|i| i.client_id())
        .and_then(|d| d.link_layer_address())
        .is_some_and(|ll| ll.eq_ignore_ascii_case(shape.client))
}

/// The NAS's Relay-forward towards the server that carries `shape`'s request.
fn relayed<'a>(obs: &'a Observation, shape: Shape) -> Option<DhcpMessage<'a>> {
    obs.relay_forwards(Some("NAS"))
        .into_iter()
        .find(|m| is_of(m, shape))
}

fn judge_blocked(obs: &Observation, shape: Shape) -> Outcome {
    let Some(offered) = sent(obs, shape) else {
        return Outcome::not_reached(
            "downstream relay",
            format!(
                "the tester's `{}` Relay-forward is not in the access link's capture",
                shape.name
            ),
        );
    };
    // The control: a relay that relays no downstream Relay-forward at all says nothing about
    // its switch.
    if relayed(obs, PLAIN).is_none() {
        let control = sent(obs, PLAIN);
        let o = Outcome::not_reached(
            "relaying a downstream relay",
            format!(
                "the NAS relayed not even the `{}` Relay-forward, which carries no RSOO: \
                 whether it blocks for the RSOO cannot be told apart",
                PLAIN.name
            ),
        );
        return match control {
            Some(c) => o.with_frames(obs.pcap_of(c.position), [c.frame()]),
            None => o,
        };
    }
    if let Some(forward) = relayed(obs, shape) {
        return Outcome::fail(format!(
            "with the blocking switch set, the NAS relayed the `{}` Relay-forward (RSOO {}) to \
             the server instead of discarding it",
            shape.name,
            if shape.client == RSOO_NESTED.client {
                "in the inner encapsulation"
            } else {
                "in the Relay-forward itself"
            }
        ))
        .with_frames(obs.pcap_of(forward.position), [forward.frame()]);
    }
    // "Silently": nothing goes back to the downstream relay about it either.
    let answer = obs
        .dhcp_messages()
        .find(|m| m.src == "NAS-access" && m.dst == DOWNSTREAM && is_of(m, shape));
    if let Some(a) = answer {
        return Outcome::fail(format!(
            "the NAS did not relay the `{}` Relay-forward but answered the downstream relay \
             for it: the discard is to be silent",
            shape.name
        ))
        .with_frames(obs.pcap_of(a.position), [a.frame()]);
    }
    Outcome::pass(format!(
        "the NAS relayed the control `{}` and discarded `{}` silently",
        PLAIN.name, shape.name
    ))
    .with_frames(obs.pcap_of(offered.position), [offered.frame()])
}
