//! JUnit XML in the shape Jenkins, GitLab and most CI tools read: one testsuite, one
//! testcase per test purpose.
//!
//! | verdict        | JUnit                                                              |
//! | -------------- | ------------------------------------------------------------------ |
//! | PASS           | a plain testcase                                                   |
//! | FAIL           | `<failure type="FAIL">` (`type="FAIL-ADVISORY"` when no requirement gates: see `TestResult::advisory`) |
//! | ERROR          | `<error type="ERROR">`: the harness failed, nothing was verified   |
//! | INCONCLUSIVE   | `<skipped message="INCONCLUSIVE: …">`                              |
//! | NOT-APPLICABLE | `<skipped message="NOT-APPLICABLE: …">`                            |
//! | flaky (any)    | `<failure type="FLAKY" message="FLAKY (runs PASS, FAIL): …">`       |
//!
//! A lab self-check (it judges the harness's own peers, not the IUT) has the classname
//! `<suite>.lab`; its failure is an ERROR ("lab broken: …").
//!
//! A merge that lacks shards (`mip6lab report --merge --allow-missing`) has one testcase per
//! missing shard, classname `<suite>.shards`, with `<error type="MISSING-SHARD">`: CI must not
//! read the merge as the whole run. A shard's own file has the property `partition` (`K/N`).
//!
//! A flaky test (its verdict changed between reruns) is a failure whatever its worst verdict,
//! as it is for the gate; a testcase that ran more than once has `<properties>` `flaky` and
//! `runs`.
//!
//! INCONCLUSIVE is neither pass nor fail: the requirement was not verified. JUnit has no such
//! state, and `skipped` is the honest one: a CI gate that counts passes never counts it as
//! one. The message keeps the verdict name, so the two skipped kinds stay apart.
//!
//! Text is escaped for XML 1.0; characters XML 1.0 cannot carry (C0 controls other than tab,
//! newline and carriage return; U+FFFE, U+FFFF) are dropped. In attributes, tab, newline and
//! carriage return are written as character references so a parser reads them back unchanged.

use crate::markup::escape_markup;
use crate::{Evidence, RunResult, TestResult, Verdict};
use std::fmt::Write;

/// The JUnit element a result becomes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Pass,
    Failure,
    Error,
    Skipped,
}

fn kind(r: &TestResult) -> Kind {
    if r.flaky {
        return Kind::Failure;
    }
    match r.outcome.verdict {
        Verdict::Pass => Kind::Pass,
        Verdict::Fail => Kind::Failure,
        Verdict::Error => Kind::Error,
        Verdict::Inconclusive | Verdict::NotApplicable => Kind::Skipped,
    }
}

pub fn render(run: &RunResult) -> String {
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let count = |k: Kind| run.results.iter().filter(|r| kind(r) == k).count();
    let missing = run.missing_shards();
    let (failures, errors, skipped) = (
        count(Kind::Failure),
        count(Kind::Error) + missing.len(),
        count(Kind::Skipped),
    );
    let tests = run.results.len() + missing.len();
    let partition = match &run.partition {
        Some(p) => format!(
            "      <property name=\"partition\" value=\"{}/{}\"/>\n",
            p.k, p.n
        ),
        None => String::new(),
    };
    let _ = writeln!(
        x,
        "<testsuites name=\"mip6lab\" tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\" time=\"{:.3}\">",
        tests,
        run.duration_ms as f64 / 1000.0
    );
    let _ = writeln!(
        x,
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\" time=\"{:.3}\">",
        esc(&run.suite),
        tests,
        run.duration_ms as f64 / 1000.0
    );
    let _ = writeln!(
        x,
        "    <properties>\n      <property name=\"run_id\" value=\"{}\"/>\n      <property name=\"iut\" value=\"{}\"/>\n      <property name=\"knobs\" value=\"{}\"/>\n      <property name=\"started\" value=\"{}\"/>\n      <property name=\"host\" value=\"{}\"/>\n      <property name=\"mip6lab_version\" value=\"{}\"/>\n{partition}    </properties>",
        esc(&run.run_id),
        esc(&run.iut),
        esc(&run.knobs),
        run.started_utc(),
        esc(&run.host),
        esc(&run.mip6lab_version)
    );
    for r in &run.results {
        let _ = write!(
            x,
            "    <testcase classname=\"{}\" name=\"{}\" time=\"{:.3}\"",
            esc(&classname(run, r)),
            esc(&format!("{} {}", r.id, r.title)),
            r.duration_ms as f64 / 1000.0
        );
        let detail = details(r);
        let body = match (r.flaky, r.outcome.verdict) {
            (true, v) => format!(
                "      <failure message=\"{}\" type=\"FLAKY\">{}</failure>\n",
                esc(&format!(
                    "FLAKY (runs {}): {}",
                    r.runs_text(),
                    r.outcome.reason
                )),
                esc_text(&format!("worst verdict {v}: {detail}"))
            ),
            (false, Verdict::Pass) => String::new(),
            (false, Verdict::Fail) => format!(
                "      <failure message=\"{}\" type=\"{}\">{}</failure>\n",
                esc(&r.outcome.reason),
                if r.advisory() {
                    "FAIL-ADVISORY"
                } else {
                    "FAIL"
                },
                esc_text(&detail)
            ),
            (false, Verdict::Error) => format!(
                "      <error message=\"{}\" type=\"ERROR\">{}</error>\n",
                esc(&r.outcome.reason),
                esc_text(&detail)
            ),
            (false, v @ (Verdict::Inconclusive | Verdict::NotApplicable)) => format!(
                "      <skipped message=\"{}: {}\"/>\n",
                v,
                esc(&r.outcome.reason)
            ),
        };
        let props = if r.runs.is_empty() {
            String::new()
        } else {
            format!(
                "      <properties>\n        <property name=\"flaky\" value=\"{}\"/>\n        <property name=\"runs\" value=\"{}\"/>\n      </properties>\n",
                r.flaky,
                esc(&r.runs_text())
            )
        };
        let runs = if r.runs.is_empty() {
            String::new()
        } else {
            format!(
                "runs: {}{}\n",
                r.runs_text(),
                if r.flaky { " (FLAKY)" } else { "" }
            )
        };
        let out = format!(
            "      <system-out>{}</system-out>\n",
            esc_text(&format!(
                "verdict: {}\n{runs}requirements: {}\n{detail}",
                r.outcome.verdict,
                r.requirements.join(", ")
            ))
        );
        let _ = write!(x, ">\n{props}{body}{out}    </testcase>\n");
    }
    for k in missing {
        let n = run.merged.as_ref().map_or(0, |m| m.n);
        let _ = writeln!(
            x,
            "    <testcase classname=\"{}.shards\" name=\"shard {k}/{n}\" time=\"0.000\">\n      <error message=\"shard {k}/{n} missing: its tests did not run\" type=\"MISSING-SHARD\"/>\n    </testcase>",
            esc(&run.suite)
        );
    }
    x.push_str("  </testsuite>\n</testsuites>\n");
    x
}

/// The suite's name; a lab self-check (it judges the harness's peers, not the IUT) is
/// `<suite>.lab`, so CI lists it apart.
fn classname(run: &RunResult, r: &TestResult) -> String {
    if r.lab_check {
        format!("{}.lab", run.suite)
    } else {
        run.suite.clone()
    }
}

fn details(r: &TestResult) -> String {
    let mut s = format!("{}\n", r.outcome.reason);
    for e in &r.outcome.evidence {
        match e {
            Evidence::Frames { pcap, frames } => {
                let f: Vec<String> = frames.iter().map(u64::to_string).collect();
                let _ = writeln!(s, "evidence: {pcap} frames {}", f.join(","));
            }
            Evidence::Report { source, detail } => {
                let _ = writeln!(s, "evidence: report from {source}: {detail}");
            }
        }
    }
    s
}

/// XML 1.0 attribute escaping (also safe in text); characters XML cannot carry are dropped,
/// tab, newline and carriage return become character references.
pub fn esc(s: &str) -> String {
    escape(s, true)
}

/// XML 1.0 text escaping: like [`esc`], but tab and newline stay literal.
pub fn esc_text(s: &str) -> String {
    escape(s, false)
}

/// Whether XML 1.0 can carry the character at all.
pub fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
}

fn escape(s: &str, attr: bool) -> String {
    escape_markup(s, "&apos;", |c, o| match c {
        // A literal CR is read back as LF (end-of-line handling).
        '\r' => o.push_str("&#13;"),
        '\n' if attr => o.push_str("&#10;"),
        '\t' if attr => o.push_str("&#9;"),
        c if !xml_char(c) => {}
        c => o.push(c),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Outcome;

    fn run() -> RunResult {
        let t = |id: &str, o: Outcome| TestResult {
            id: id.into(),
            title: "t <&>".into(),
            requirements: vec!["RFC5026-5.1.2-MN-1".into()],
            outcome: o,
            duration_ms: 1500,
            ..TestResult::default()
        };
        RunResult {
            duration_ms: 3000,
            results: vec![
                t("A", Outcome::pass("ok")),
                t(
                    "B",
                    Outcome::fail("QNAME was \"_mip6._udp\"").with_frames("home.pcap", [3]),
                ),
                t("C", Outcome::inconclusive("no answer")),
            ],
            ..RunResult::begin("r1", "split", "reference", "", 0)
        }
    }

    #[test]
    fn counts_and_escaping() {
        let x = render(&run());
        assert!(x.contains("tests=\"3\" failures=\"1\" errors=\"0\" skipped=\"1\""));
        assert!(x.contains("t &lt;&amp;&gt;"));
        assert!(x.contains("message=\"QNAME was &quot;_mip6._udp&quot;\""));
        assert!(x.contains("home.pcap frames 3"));
        assert!(!run().ok());
    }

    #[test]
    fn lab_checks_have_their_own_class() {
        let mut r = run();
        r.results[0].lab_check = true;
        let x = render(&r);
        let lab = format!("classname=\"{}.lab\"", r.suite);
        assert_eq!(x.matches(&lab).count(), 1, "{x}");
        assert_eq!(x.matches(&format!("classname=\"{}\"", r.suite)).count(), 2);
    }
}
