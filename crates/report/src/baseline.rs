//! Expected-verdict baselines: a committed file per IUT (test ID → verdict) that a run is
//! compared with, so CI can gate on *changes* rather than on absolute verdicts.
//!
//! ```toml
//! [verdicts]
//! "TP-SPLIT-MN-DISC-SRV-01" = "PASS"
//! "TP-SPLIT-MN-DISC-NAME-01" = "FAIL"
//! ```
//!
//! A change to PASS is an improvement; every other change is a regression: a PASS lost, but
//! also FAIL → INCONCLUSIVE or FAIL → NOT-APPLICABLE, which would otherwise let a known
//! failure disappear unreviewed. Tests missing from the run count against it too; tests new
//! to the baseline do not. A flaky test carries the verdict of its worst run, so it is never
//! taken for a PASS, and is listed as flaky whatever its comparison.

use crate::{RunResult, Verdict};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Baseline {
    pub verdicts: BTreeMap<String, Verdict>,
    /// Test ID → a comment written after its line (not read back).
    pub notes: BTreeMap<String, String>,
}

impl Baseline {
    /// Reads a baseline's text; errors name the offending key.
    pub fn parse(text: &str) -> Result<Baseline, String> {
        let table: toml::Table = text.parse().map_err(|e| format!("not TOML: {e}"))?;
        let mut b = Baseline::default();
        for (k, v) in table {
            if k != "verdicts" {
                return Err(format!(
                    "unknown key `{k}`: a baseline has one table, [verdicts]"
                ));
            }
            let toml::Value::Table(t) = v else {
                return Err("`verdicts` must be a table: [verdicts]".into());
            };
            for (id, v) in t {
                let toml::Value::String(s) = &v else {
                    return Err(format!(
                        "verdicts.\"{id}\" = {v}: a verdict is a string, e.g. \"PASS\""
                    ));
                };
                let verdict = s
                    .parse()
                    .map_err(|e: String| format!("verdicts.\"{id}\": {e}"))?;
                b.verdicts.insert(id, verdict);
            }
        }
        Ok(b)
    }

    pub fn load(path: &std::path::Path) -> Result<Baseline, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Baseline::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// The verdicts of a run; each flaky test gets a note with its runs, and each expected
    /// FAIL, INCONCLUSIVE or ERROR its reason, so the file says why it expects it.
    pub fn from_run(run: &RunResult) -> Baseline {
        let mut b = Baseline::default();
        for r in &run.results {
            b.verdicts.insert(r.id.clone(), r.outcome.verdict);
            if r.flaky {
                b.notes.insert(
                    r.id.clone(),
                    format!("flaky in run {}: {}", run.run_id, r.runs_text()),
                );
            } else if matches!(
                r.outcome.verdict,
                Verdict::Fail | Verdict::Inconclusive | Verdict::Error
            ) {
                b.notes
                    .insert(r.id.clone(), short_reason(&r.outcome.reason));
            }
        }
        b
    }

    /// The file's text: `header` lines as comments, then the verdicts sorted by test ID.
    pub fn render(&self, header: &str) -> String {
        let mut o = String::new();
        for line in header.lines() {
            let _ = writeln!(o, "# {line}");
        }
        if !header.is_empty() {
            o.push('\n');
        }
        o.push_str("[verdicts]\n");
        for (id, v) in &self.verdicts {
            // A TOML basic string is also a quoted key; toml escapes it.
            let key = toml::Value::String(id.clone()).to_string();
            let note = self
                .notes
                .get(id)
                .map(|n| format!("  # {}", n.replace('\n', " ")))
                .unwrap_or_default();
            let _ = writeln!(o, "{key} = \"{v}\"{note}");
        }
        o
    }

    /// Only the given tests (a run of `--only` is compared with that part of the baseline).
    pub fn restricted_to<'a>(&self, ids: impl IntoIterator<Item = &'a str>) -> Baseline {
        let ids: Vec<&str> = ids.into_iter().collect();
        let keep = |id: &String| ids.contains(&id.as_str());
        Baseline {
            verdicts: self
                .verdicts
                .iter()
                .filter(|(id, _)| keep(id))
                .map(|(k, v)| (k.clone(), *v))
                .collect(),
            notes: self
                .notes
                .iter()
                .filter(|(id, _)| keep(id))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        }
    }
}

/// A reason on one line, at most 200 characters.
fn short_reason(reason: &str) -> String {
    let line = reason.split_whitespace().collect::<Vec<_>>().join(" ");
    match line.char_indices().nth(200) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line,
    }
}

/// How one test's verdict relates to the baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Unchanged,
    Improvement,
    Regression,
}

/// A change to PASS improves; any other change regresses (see the module doc).
pub fn classify(baseline: Verdict, now: Verdict) -> Change {
    if baseline == now {
        Change::Unchanged
    } else if now == Verdict::Pass {
        Change::Improvement
    } else {
        Change::Regression
    }
}

/// One test in a comparison.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    pub id: String,
    /// None: the test is not in the baseline.
    pub baseline: Option<Verdict>,
    /// None: the test is not in the run.
    pub now: Option<Verdict>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub flaky: bool,
    /// The verdicts of the test's runs (empty: it ran once).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub runs: Vec<Verdict>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Comparison {
    pub regressions: Vec<Entry>,
    pub improvements: Vec<Entry>,
    /// In the run, not in the baseline.
    pub new: Vec<Entry>,
    /// In the baseline, not in the run.
    pub missing: Vec<Entry>,
    /// Every flaky test of the run, whichever list above it is also in.
    pub flaky: Vec<Entry>,
    pub unchanged: usize,
}

/// Compares a run with a baseline; tests in run order, then missing ones in baseline order.
pub fn compare(baseline: &Baseline, run: &RunResult) -> Comparison {
    let mut c = Comparison::default();
    for r in &run.results {
        let was = baseline.verdicts.get(&r.id).copied();
        let e = Entry {
            id: r.id.clone(),
            baseline: was,
            now: Some(r.outcome.verdict),
            flaky: r.flaky,
            runs: r.runs.clone(),
        };
        if r.flaky {
            c.flaky.push(e.clone());
        }
        match was.map(|b| classify(b, r.outcome.verdict)) {
            None => c.new.push(e),
            Some(Change::Unchanged) => c.unchanged += 1,
            Some(Change::Improvement) => c.improvements.push(e),
            Some(Change::Regression) => c.regressions.push(e),
        }
    }
    for (id, v) in &baseline.verdicts {
        if !run.results.iter().any(|r| &r.id == id) {
            c.missing.push(Entry {
                id: id.clone(),
                baseline: Some(*v),
                now: None,
                flaky: false,
                runs: Vec::new(),
            });
        }
    }
    c
}

impl Comparison {
    /// The baseline gate: no regression and no test missing (improvements and new tests are
    /// reported, not failed).
    pub fn ok(&self) -> bool {
        self.regressions.is_empty() && self.missing.is_empty()
    }

    /// One line per test that is not unchanged, then a summary line.
    pub fn to_text(&self) -> String {
        let mut o = String::new();
        let v = |v: Option<Verdict>| v.map(|v| v.to_string()).unwrap_or_else(|| "-".into());
        let runs = |e: &Entry| {
            if e.flaky {
                let r: Vec<String> = e.runs.iter().map(Verdict::to_string).collect();
                format!(" (FLAKY: runs {})", r.join(", "))
            } else {
                String::new()
            }
        };
        for e in &self.regressions {
            let _ = writeln!(
                o,
                "REGRESSION  {}  {} -> {}{}",
                e.id,
                v(e.baseline),
                v(e.now),
                runs(e)
            );
        }
        for e in &self.missing {
            let _ = writeln!(
                o,
                "MISSING     {}  baseline {}, not in this run",
                e.id,
                v(e.baseline)
            );
        }
        for e in &self.improvements {
            let _ = writeln!(o, "IMPROVED    {}  {} -> {}", e.id, v(e.baseline), v(e.now));
        }
        for e in &self.new {
            let _ = writeln!(
                o,
                "NEW         {}  {}{} (not in the baseline)",
                e.id,
                v(e.now),
                runs(e)
            );
        }
        for e in self.flaky.iter().filter(|e| e.baseline == e.now) {
            let _ = writeln!(
                o,
                "FLAKY       {}  {} as in the baseline{}",
                e.id,
                v(e.now),
                runs(e)
            );
        }
        let _ = writeln!(
            o,
            "baseline: {} unchanged, {} regression(s), {} missing, {} improvement(s), {} new, {} flaky: {}",
            self.unchanged,
            self.regressions.len(),
            self.missing.len(),
            self.improvements.len(),
            self.new.len(),
            self.flaky.len(),
            if !self.ok() {
                "FAILED"
            } else if self.improvements.is_empty() && self.new.is_empty() {
                "ok"
            } else {
                "ok (update the baseline to keep the improvements and new tests: mip6lab baseline write)"
            }
        );
        o
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Outcome, TestResult};
    use Verdict::*;

    fn run(tests: &[(&str, Verdict)]) -> RunResult {
        let mut r = RunResult::begin("r1", "split", "vendor/mn:1", "", 0);
        for (id, v) in tests {
            r.results.push(TestResult {
                id: id.to_string(),
                outcome: Outcome::new(*v, "x"),
                ..TestResult::default()
            });
        }
        r
    }

    fn baseline(tests: &[(&str, Verdict)]) -> Baseline {
        Baseline {
            verdicts: tests.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
            ..Baseline::default()
        }
    }

    fn ids(es: &[Entry]) -> Vec<&str> {
        es.iter().map(|e| e.id.as_str()).collect()
    }

    #[test]
    fn classify_every_pair() {
        for b in Verdict::ALL {
            for n in Verdict::ALL {
                let want = if b == n {
                    Change::Unchanged
                } else if n == Pass {
                    Change::Improvement
                } else {
                    Change::Regression
                };
                assert_eq!(classify(b, n), want, "{b} -> {n}");
            }
        }
        // The cases that matter most, spelled out.
        assert_eq!(classify(Pass, NotApplicable), Change::Regression);
        assert_eq!(classify(Fail, NotApplicable), Change::Regression);
        assert_eq!(classify(Fail, Inconclusive), Change::Regression);
        assert_eq!(classify(Error, Pass), Change::Improvement);
    }

    #[test]
    fn regressions_improvements_new_and_missing() {
        let b = baseline(&[
            ("A", Pass),
            ("B", Pass),
            ("C", Fail),
            ("D", Fail),
            ("E", Pass),
        ]);
        let r = run(&[
            ("A", Pass),
            ("B", Fail),
            ("C", Pass),
            ("D", Fail),
            ("N", Inconclusive),
        ]);
        let c = compare(&b, &r);
        assert_eq!(ids(&c.regressions), ["B"]);
        assert_eq!(ids(&c.improvements), ["C"]);
        assert_eq!(ids(&c.new), ["N"]);
        assert_eq!(ids(&c.missing), ["E"]);
        assert_eq!(c.unchanged, 2);
        assert!(!c.ok());
        let text = c.to_text();
        assert!(text.contains("REGRESSION  B  PASS -> FAIL"), "{text}");
        assert!(text.contains("MISSING     E  baseline PASS"), "{text}");
        assert!(text.contains("IMPROVED    C  FAIL -> PASS"), "{text}");
        assert!(text.contains("NEW         N  INCONCLUSIVE"), "{text}");
        assert!(text.ends_with(": FAILED\n"), "{text}");
    }

    #[test]
    fn improvements_and_new_tests_alone_pass() {
        let c = compare(&baseline(&[("A", Fail)]), &run(&[("A", Pass), ("B", Fail)]));
        assert!(c.ok());
        assert!(c.to_text().contains(": ok (update the baseline"));
        let same = compare(&baseline(&[("A", Pass)]), &run(&[("A", Pass)]));
        assert!(same.ok());
        assert!(same.to_text().ends_with(": ok\n"));
        // An empty run misses everything.
        assert!(!compare(&baseline(&[("A", Pass)]), &run(&[])).ok());
    }

    #[test]
    fn flaky_tests_are_listed_and_never_pass() {
        let mut r = run(&[("A", Fail), ("B", Fail)]);
        for t in &mut r.results {
            t.flaky = true;
            t.runs = vec![Pass, Fail];
        }
        let c = compare(&baseline(&[("A", Pass), ("B", Fail)]), &r);
        assert_eq!(ids(&c.regressions), ["A"]);
        assert_eq!(ids(&c.flaky), ["A", "B"]);
        assert_eq!(c.unchanged, 1);
        let text = c.to_text();
        assert!(
            text.contains("REGRESSION  A  PASS -> FAIL (FLAKY: runs PASS, FAIL)"),
            "{text}"
        );
        assert!(
            text.contains("FLAKY       B  FAIL as in the baseline"),
            "{text}"
        );
        let json = serde_json::to_value(&c).unwrap();
        assert_eq!(json["regressions"][0]["runs"][1], "FAIL");
        assert_eq!(json["regressions"][0]["flaky"], true);
    }

    #[test]
    fn parse_render_round_trip_and_errors() {
        let mut b = baseline(&[
            ("TP-B", Fail),
            ("TP-A", Pass),
            ("odd \"id\"", NotApplicable),
        ]);
        b.notes
            .insert("TP-B".into(), "flaky in run r: PASS, FAIL".into());
        let text = b.render("Expected verdicts.\nSecond line.");
        assert!(text.starts_with("# Expected verdicts.\n# Second line.\n\n[verdicts]\n"));
        assert!(text.contains("\"TP-B\" = \"FAIL\"  # flaky in run r: PASS, FAIL\n"));
        let back = Baseline::parse(&text).unwrap();
        assert_eq!(back.verdicts, b.verdicts);
        assert!(Baseline::parse("[verdicts]\n\"A\" = \"PASSED\"")
            .unwrap_err()
            .contains("verdicts.\"A\": `PASSED` is not a verdict"));
        assert!(Baseline::parse("[verdicts]\nA = true")
            .unwrap_err()
            .contains("verdicts.\"A\" = true"));
        assert!(Baseline::parse("[verdict]\nA = \"PASS\"")
            .unwrap_err()
            .contains("unknown key `verdict`"));
        assert!(Baseline::parse("verdicts = 1").is_err());
        assert!(Baseline::parse("[verdicts\n")
            .unwrap_err()
            .contains("not TOML"));
        assert_eq!(Baseline::parse("").unwrap(), Baseline::default());
    }

    #[test]
    fn from_run_and_restriction() {
        let mut r = run(&[("A", Pass), ("B", Error)]);
        r.results[1].flaky = true;
        r.results[1].runs = vec![Pass, Error];
        let b = Baseline::from_run(&r);
        assert_eq!(b.verdicts, baseline(&[("A", Pass), ("B", Error)]).verdicts);
        assert_eq!(b.notes["B"], "flaky in run r1: PASS, ERROR");
        let only = b.restricted_to(["B"]);
        assert_eq!(only.verdicts.len(), 1);
        assert!(compare(&only, &run(&[("B", Error)])).ok());
    }

    /// An expected FAIL carries its reason on one line; a PASS carries none.
    #[test]
    fn expected_failures_say_why() {
        let mut r = run(&[("A", Pass), ("C", Fail)]);
        r.results[1].outcome.reason = "no RSOO\nat all".into();
        let b = Baseline::from_run(&r);
        assert_eq!(b.notes["C"], "no RSOO at all");
        assert!(!b.notes.contains_key("A"));
        assert!(b.render("").contains("\"C\" = \"FAIL\"  # no RSOO at all"));
        assert_eq!(short_reason(&"x".repeat(300)).chars().count(), 201);
    }
}
