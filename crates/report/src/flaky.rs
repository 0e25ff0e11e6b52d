//! Reruns of one test folded into one result (`mip6lab suite --rerun N`).
//!
//! The result is the worst run's (by [`Verdict::severity`]), so a verdict that changes between
//! runs can never come out as PASS; it is marked `flaky` and every run's verdict is kept.

use crate::{TestResult, Verdict};

/// The index of the worst verdict; the first of equals, so a stable test keeps its first run.
pub fn worst_run(verdicts: &[Verdict]) -> Option<usize> {
    let mut best: Option<usize> = None;
    for (i, v) in verdicts.iter().enumerate() {
        if best.is_none_or(|b| v.severity() > verdicts[b].severity()) {
            best = Some(i);
        }
    }
    best
}

/// One result from the runs of a test, in run order. One run comes back unchanged. Several:
/// the worst run's result, with `runs` set to every run's verdict, `flaky` when they differ,
/// the durations summed and the artifacts of all runs (the worst run's first, so its
/// transcript is the one a report shows). No runs at all is an ERROR: nothing was judged.
pub fn aggregate(runs: Vec<TestResult>) -> TestResult {
    let verdicts: Vec<Verdict> = runs.iter().map(|r| r.outcome.verdict).collect();
    let Some(worst) = worst_run(&verdicts) else {
        return TestResult {
            outcome: crate::Outcome::error("the test did not run"),
            ..TestResult::default()
        };
    };
    if runs.len() == 1 {
        return runs.into_iter().next().unwrap_or_default();
    }
    let duration_ms = runs.iter().map(|r| r.duration_ms).sum();
    let mut artifacts = runs[worst].artifacts.clone();
    for r in &runs {
        for a in &r.artifacts {
            if !artifacts.contains(a) {
                artifacts.push(a.clone());
            }
        }
    }
    let flaky = verdicts.iter().any(|v| *v != verdicts[0]);
    let mut out = runs.into_iter().nth(worst).unwrap_or_default();
    out.duration_ms = duration_ms;
    out.artifacts = artifacts;
    out.flaky = flaky;
    out.runs = verdicts;
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Outcome, RunResult};
    use std::path::PathBuf;

    fn run(v: Verdict, reason: &str, dir: &str) -> TestResult {
        TestResult {
            id: "TP-A".into(),
            requirements: vec!["R1".into()],
            outcome: Outcome::new(v, reason),
            duration_ms: 10,
            artifacts: vec![
                PathBuf::from(format!("{dir}/home.pcap")),
                PathBuf::from("TP-A/why.txt"),
            ],
            ..TestResult::default()
        }
    }

    #[test]
    fn one_run_is_unchanged() {
        let r = aggregate(vec![run(Verdict::Pass, "ok", "TP-A")]);
        assert!(!r.flaky && r.runs.is_empty());
        assert_eq!(r.outcome.reason, "ok");
        assert_eq!(r.duration_ms, 10);
    }

    #[test]
    fn stable_reruns_keep_the_first_run_and_record_every_verdict() {
        let r = aggregate(vec![
            run(Verdict::Fail, "first", "TP-A"),
            run(Verdict::Fail, "second", "TP-A/rerun-1"),
        ]);
        assert!(!r.flaky);
        assert_eq!(r.runs, [Verdict::Fail, Verdict::Fail]);
        assert_eq!(r.outcome.reason, "first");
        assert_eq!(r.duration_ms, 20);
        assert_eq!(
            r.artifacts.len(),
            3,
            "why.txt is listed once: {:?}",
            r.artifacts
        );
    }

    #[test]
    fn differing_verdicts_are_flaky_with_the_worst_run_never_pass() {
        let r = aggregate(vec![
            run(Verdict::Pass, "ok", "TP-A"),
            run(Verdict::Inconclusive, "no answer", "TP-A/rerun-1"),
            run(Verdict::Pass, "ok", "TP-A/rerun-2"),
        ]);
        assert!(r.flaky);
        assert_eq!(r.outcome.verdict, Verdict::Inconclusive);
        assert_eq!(r.outcome.reason, "no answer");
        assert_eq!(
            r.runs,
            [Verdict::Pass, Verdict::Inconclusive, Verdict::Pass]
        );
        assert_eq!(r.runs_text(), "PASS, INCONCLUSIVE, PASS");
        assert_eq!(r.verdict_label(), "FLAKY(INCONCLUSIVE)");
        // The worst run's evidence comes first.
        assert_eq!(r.artifacts[0], PathBuf::from("TP-A/rerun-1/home.pcap"));
        // INCONCLUSIVE alone would not block the gate; flaky does, even when advisory.
        let mut run_result = RunResult::begin("r", "split", "reference", "", 0);
        run_result.results.push(r.clone());
        assert!(!run_result.gate_ok() && !run_result.ok());
        assert_eq!(run_result.count_passed(), 0);
        let mut adv = r;
        adv.outcome.verdict = Verdict::Fail;
        adv.requirement_levels.insert("R1".into(), "MAY".into());
        assert!(adv.blocks_gate());
    }

    #[test]
    fn worst_order() {
        use Verdict::*;
        assert_eq!(worst_run(&[]), None);
        assert_eq!(worst_run(&[Pass, NotApplicable]), Some(1));
        assert_eq!(worst_run(&[Fail, Inconclusive, Error, Fail]), Some(2));
        assert_eq!(worst_run(&[Fail, Pass, Fail]), Some(0));
        assert_eq!(aggregate(Vec::new()).outcome.verdict, Error);
    }

    #[test]
    fn results_json_stays_compatible() {
        // Fields absent in files written before reruns existed, and not written when unused.
        let old = r#"{"id":"A","title":"t","requirements":[],"outcome":{"verdict":"PASS",
            "reason":"ok","evidence":[]},"duration_ms":1,"artifacts":[]}"#;
        let t: TestResult = serde_json::from_str(old).unwrap();
        assert!(!t.flaky && t.runs.is_empty());
        let json = serde_json::to_string(&t).unwrap();
        assert!(!json.contains("flaky") && !json.contains("runs"), "{json}");
        let f = aggregate(vec![
            run(Verdict::Pass, "ok", "a"),
            run(Verdict::Fail, "no", "b"),
        ]);
        let json = serde_json::to_string(&f).unwrap();
        assert!(json.contains(r#""flaky":true"#), "{json}");
        assert!(json.contains(r#""runs":["PASS","FAIL"]"#), "{json}");
        let back: TestResult = serde_json::from_str(&json).unwrap();
        assert_eq!(back.runs, f.runs);
        assert!(back.flaky);
    }

    #[test]
    fn verdict_names_parse_back() {
        for v in Verdict::ALL {
            assert_eq!(v.to_string().parse::<Verdict>(), Ok(v));
        }
        assert_eq!("not-applicable".parse(), Ok(Verdict::NotApplicable));
        assert!("PASSED".parse::<Verdict>().unwrap_err().contains("PASSED"));
    }
}
