//! Offline companion of crates/registry/tests/hollow_iuts.rs: every judge of an IUT, on an
//! empty capture, with and without the event a liar prints, and with the exit codes the
//! contract allows, gives no PASS. (The Docker tests add the harness peers' own traffic around a silent IUT.)

use mip6lab_suite::{Observation, Verdict};
use mip6lab_suite_split::SUITE;

fn liar_event(until: Option<&str>) -> Option<serde_json::Value> {
    let kind = until?;
    let data = match kind {
        "ha_selected" => {
            serde_json::json!({"address":"2001:db8:1::a1","candidates":[{"address":"2001:db8:1::a1","name":"ha1.example.com."},{"address":"2001:db8:1::a2","name":"ha2.example.com."}],"name":"ha1.example.com."})
        }
        _ => serde_json::json!({"hoa":"2001:db8:1:100::8001"}),
    };
    Some(serde_json::json!({"event": kind, "data": data}))
}

#[test]
fn no_judge_passes_an_empty_capture() {
    let (mut passed, mut judged) = (Vec::new(), 0);
    for tp in SUITE.tests() {
        if tp.is_lab_check() {
            continue;
        }
        judged += 1;
        for (event, exit) in [
            (false, None),
            (true, None),
            (true, Some(0)),
            (false, Some(1)),
        ] {
            let obs = Observation {
                pcap: "home.pcap".into(),
                iut_event: if event {
                    liar_event(tp.until_event)
                } else {
                    None
                },
                iut_exit: exit,
                ..Observation::default()
            };
            let o = (tp.judge)(&obs);
            if o.verdict == Verdict::Pass {
                passed.push(format!(
                    "{} (event {event}, exit {exit:?}): {}",
                    tp.id, o.reason
                ));
            }
        }
    }
    assert!(judged > 40, "only {judged} judges");
    assert!(
        passed.is_empty(),
        "{} PASS on an empty capture:\n{}",
        passed.len(),
        passed.join("\n")
    );
}
