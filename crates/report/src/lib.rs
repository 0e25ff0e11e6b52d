//! Verdicts, results of a run, and what a run writes: results JSON, JUnit XML, the HTML
//! report (`html`), and each test's evidence bundle (`bundle`).
//!
//! This crate knows nothing of labs or containers: it renders what a run left on disk, so a
//! report can be re-rendered anywhere from `results.json` and the transcripts.

pub mod baseline;
pub mod bundle;
pub mod catalog;
pub mod flaky;
pub mod html;
pub mod junit;

pub use catalog::ReqInfo;

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The version of mip6lab that wrote a result (the workspace version).
pub const MIP6LAB_VERSION: &str = env!("CARGO_PKG_VERSION");

/// ETSI-style verdicts, plus ERROR for faults of the harness itself. The default is ERROR: a
/// result nobody judged must not pass a gate.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING-KEBAB-CASE")]
pub enum Verdict {
    Pass,
    Fail,
    Inconclusive,
    NotApplicable,
    #[default]
    Error,
}

impl Verdict {
    pub const ALL: [Verdict; 5] = [
        Verdict::Pass,
        Verdict::Fail,
        Verdict::Inconclusive,
        Verdict::NotApplicable,
        Verdict::Error,
    ];

    /// Rank for "the worst of several runs": PASS < NOT-APPLICABLE < INCONCLUSIVE < FAIL <
    /// ERROR. ERROR is worst because nothing at all was verified.
    pub fn severity(self) -> u8 {
        match self {
            Verdict::Pass => 0,
            Verdict::NotApplicable => 1,
            Verdict::Inconclusive => 2,
            Verdict::Fail => 3,
            Verdict::Error => 4,
        }
    }
}

impl std::str::FromStr for Verdict {
    type Err = String;
    /// The names [`Verdict`]'s `Display` writes, in any case.
    fn from_str(s: &str) -> Result<Verdict, String> {
        Verdict::ALL
            .into_iter()
            .find(|v| v.to_string().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                format!("`{s}` is not a verdict (PASS, FAIL, INCONCLUSIVE, NOT-APPLICABLE, ERROR)")
            })
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Verdict::Pass => "PASS",
            Verdict::Fail => "FAIL",
            Verdict::Inconclusive => "INCONCLUSIVE",
            Verdict::NotApplicable => "NOT-APPLICABLE",
            Verdict::Error => "ERROR",
        })
    }
}

/// Where a verdict's evidence is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Evidence {
    /// Frames of a capture file (1-based, as Wireshark counts).
    Frames { pcap: String, frames: Vec<u64> },
    /// A state report of the IUT or a peer (e.g. the MN's chosen HA).
    Report { source: String, detail: String },
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    pub verdict: Verdict,
    /// One line: the check that decided.
    pub reason: String,
    pub evidence: Vec<Evidence>,
    /// Set when the requirement was never exercised because the flow stopped earlier: the
    /// report groups INCONCLUSIVE tests by what stopped them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_reached: Option<NotReached>,
}

/// Why a judge could not see its requirement exercised: the last step of the flow that
/// happened, and what stopped the flow there (a notify, a silence, an exit, an unreadable
/// frame).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotReached {
    pub last_step: String,
    pub stopped_by: String,
}

impl Outcome {
    pub fn new(verdict: Verdict, reason: impl Into<String>) -> Outcome {
        Outcome {
            verdict,
            reason: reason.into(),
            evidence: Vec::new(),
            not_reached: None,
        }
    }
    /// INCONCLUSIVE: the requirement was never exercised because the flow stopped after
    /// `last_step`, stopped by `stopped_by`. Never a FAIL: the IUT did not get that far.
    pub fn not_reached(last_step: impl Into<String>, stopped_by: impl Into<String>) -> Outcome {
        let (last_step, stopped_by) = (last_step.into(), stopped_by.into());
        Outcome {
            verdict: Verdict::Inconclusive,
            reason: format!("not exercised: the flow stopped after {last_step}: {stopped_by}"),
            evidence: Vec::new(),
            not_reached: Some(NotReached {
                last_step,
                stopped_by,
            }),
        }
    }
    pub fn pass(reason: impl Into<String>) -> Outcome {
        Outcome::new(Verdict::Pass, reason)
    }
    pub fn fail(reason: impl Into<String>) -> Outcome {
        Outcome::new(Verdict::Fail, reason)
    }
    pub fn inconclusive(reason: impl Into<String>) -> Outcome {
        Outcome::new(Verdict::Inconclusive, reason)
    }
    pub fn error(reason: impl Into<String>) -> Outcome {
        Outcome::new(Verdict::Error, reason)
    }
    /// A FAIL of a step this test does not judge becomes INCONCLUSIVE here: `what` (the
    /// requirement's part of the flow) was never exercised. Other verdicts pass through.
    pub fn unexercised(self, what: &str) -> Outcome {
        if self.verdict != Verdict::Fail {
            return self;
        }
        Outcome {
            verdict: Verdict::Inconclusive,
            reason: format!("not exercised ({what}): {}", self.reason),
            evidence: self.evidence,
            not_reached: Some(NotReached {
                last_step: String::new(),
                stopped_by: self.reason,
            }),
        }
    }
    pub fn with_frames(mut self, pcap: &str, frames: impl IntoIterator<Item = u64>) -> Outcome {
        let frames: Vec<u64> = frames.into_iter().collect();
        if !frames.is_empty() {
            self.evidence.push(Evidence::Frames {
                pcap: pcap.to_string(),
                frames,
            });
        }
        self
    }
    pub fn with_report(mut self, source: &str, detail: impl Into<String>) -> Outcome {
        self.evidence.push(Evidence::Report {
            source: source.into(),
            detail: detail.into(),
        });
        self
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TestResult {
    pub id: String,
    pub title: String,
    /// Requirement IDs (`fixtures/requirements/`) this test verifies.
    pub requirements: Vec<String>,
    /// Requirement ID → its level (`MUST`, `SHOULD`, `MAY`, …) where the catalog knows it
    /// (schema 2; empty in v1 files). A requirement missing here counts as MUST.
    #[serde(default)]
    pub requirement_levels: BTreeMap<String, String>,
    pub outcome: Outcome,
    pub duration_ms: u64,
    /// Files left for this test (pcaps, transcripts, logs), relative to the run directory.
    pub artifacts: Vec<PathBuf>,
    /// The verdicts of its runs differed (`--rerun`): `outcome` is the worst run's.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub flaky: bool,
    /// Each run's verdict, in order, when the test ran more than once (empty: ran once).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub runs: Vec<Verdict>,
}

impl TestResult {
    /// Advisory: every requirement the test verifies has a known level below MUST (SHOULD,
    /// RECOMMENDED, MAY and their negations). Its FAIL is reported but does not fail a run.
    /// A test without requirements, or with any requirement of unknown level, is not advisory.
    pub fn advisory(&self) -> bool {
        !self.requirements.is_empty()
            && self.requirements.iter().all(|r| {
                self.requirement_levels
                    .get(r)
                    .is_some_and(|l| level_is_advisory(l))
            })
    }

    /// Whether this result makes the run fail its gate: a FAIL of a non-advisory test, any
    /// ERROR (a harness fault leaves the requirement unverified whatever its level), or a
    /// flaky test (a verdict that changes between reruns verifies nothing, whatever its level).
    pub fn blocks_gate(&self) -> bool {
        if self.flaky {
            return true;
        }
        match self.outcome.verdict {
            Verdict::Fail => !self.advisory(),
            Verdict::Error => true,
            Verdict::Pass | Verdict::Inconclusive | Verdict::NotApplicable => false,
        }
    }

    /// The verdict as a terminal shows it: `FAIL(advisory)`, `FLAKY(FAIL)`, or the verdict.
    pub fn verdict_label(&self) -> String {
        if self.flaky {
            format!("FLAKY({})", self.outcome.verdict)
        } else if self.outcome.verdict == Verdict::Fail && self.advisory() {
            "FAIL(advisory)".into()
        } else {
            self.outcome.verdict.to_string()
        }
    }

    /// `PASS, FAIL, PASS`: the verdict of each run (empty when it ran once).
    pub fn runs_text(&self) -> String {
        self.runs
            .iter()
            .map(Verdict::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The strongest known level of the test's requirements (`MUST` when any is unknown).
    pub fn level(&self) -> String {
        if self.requirements.is_empty() || !self.advisory() {
            return "MUST".into();
        }
        let rank = |l: &str| match norm_level(l).as_str() {
            "SHOULD" | "SHOULD NOT" | "RECOMMENDED" | "NOT RECOMMENDED" => 1,
            _ => 0,
        };
        self.requirements
            .iter()
            .filter_map(|r| self.requirement_levels.get(r))
            .max_by_key(|l| rank(l))
            .map(|l| norm_level(l))
            .unwrap_or_else(|| "MUST".into())
    }
}

fn norm_level(l: &str) -> String {
    l.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_uppercase()
}

/// RFC 2119 levels below MUST.
pub fn level_is_advisory(level: &str) -> bool {
    matches!(
        norm_level(level).as_str(),
        "SHOULD" | "SHOULD NOT" | "RECOMMENDED" | "NOT RECOMMENDED" | "MAY" | "OPTIONAL"
    )
}

/// One run of a suite. Schema 2 added `host`, `mip6lab_version`, `pics`, `peer_versions` and
/// each test's `requirement_levels`; all default when a v1 file is read.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RunResult {
    pub schema_version: u32,
    pub run_id: String,
    pub suite: String,
    /// `reference` (the built-in reference IUT) or the IUT's image tag.
    pub iut: String,
    /// Mutation knobs of the reference IUT (empty: none).
    pub knobs: String,
    pub started_unix: u64,
    pub duration_ms: u64,
    /// The machine the run ran on.
    #[serde(default)]
    pub host: String,
    /// The mip6lab version that ran it.
    #[serde(default)]
    pub mip6lab_version: String,
    /// The IUT's PICS (protocol implementation conformance statement), free-form for now.
    #[serde(default)]
    pub pics: BTreeMap<String, serde_json::Value>,
    /// Reference peers' versions, e.g. `"bind": "9.18.28"`.
    #[serde(default)]
    pub peer_versions: BTreeMap<String, String>,
    pub results: Vec<TestResult>,
}

impl RunResult {
    pub const SCHEMA_VERSION: u32 = 2;

    /// A result with the run metadata this process knows (version, host); the caller fills in
    /// the rest.
    pub fn begin(run_id: &str, suite: &str, iut: &str, knobs: &str, started_unix: u64) -> Self {
        RunResult {
            schema_version: Self::SCHEMA_VERSION,
            run_id: run_id.into(),
            suite: suite.into(),
            iut: iut.into(),
            knobs: knobs.into(),
            started_unix,
            host: this_host(),
            mip6lab_version: MIP6LAB_VERSION.into(),
            ..RunResult::default()
        }
    }

    /// Fills each test's `requirement_levels` from a requirement catalog.
    pub fn apply_levels(&mut self, catalog: &[ReqInfo]) {
        for r in &mut self.results {
            for id in &r.requirements {
                if let Some(q) = catalog.iter().find(|q| &q.id == id) {
                    if !q.level.trim().is_empty() {
                        r.requirement_levels
                            .insert(id.clone(), norm_level(&q.level));
                    }
                }
            }
        }
    }

    /// The gate: no MUST-level (or unknown-level) test failed, nothing errored, nothing was
    /// flaky.
    pub fn gate_ok(&self) -> bool {
        !self.results.iter().any(TestResult::blocks_gate)
    }

    /// The start time as `YYYY-MM-DDTHH:MM:SSZ`.
    pub fn started_utc(&self) -> String {
        utc_rfc3339(self.started_unix)
    }

    pub fn count(&self, v: Verdict) -> usize {
        self.results
            .iter()
            .filter(|r| r.outcome.verdict == v)
            .count()
    }

    pub fn count_flaky(&self) -> usize {
        self.results.iter().filter(|r| r.flaky).count()
    }

    /// Tests that passed in every run; a flaky test is never one of them.
    pub fn count_passed(&self) -> usize {
        self.results
            .iter()
            .filter(|r| r.outcome.verdict == Verdict::Pass && !r.flaky)
            .count()
    }

    /// A run passes when nothing failed, errored or was flaky.
    pub fn ok(&self) -> bool {
        self.count(Verdict::Fail) == 0 && self.count(Verdict::Error) == 0 && self.count_flaky() == 0
    }

    /// The per-test summary a terminal shows.
    pub fn summary_table(&self) -> String {
        let mut out = String::new();
        let w = self.results.iter().map(|r| r.id.len()).max().unwrap_or(4);
        let vw = self
            .results
            .iter()
            .map(|r| r.verdict_label().len())
            .max()
            .unwrap_or(0)
            .max(14);
        for r in &self.results {
            let runs = if r.runs.is_empty() {
                String::new()
            } else {
                format!(" [runs: {}]", r.runs_text())
            };
            out.push_str(&format!(
                "{:<w$}  {:<vw$} {:>6} ms  {}{runs}\n",
                r.id,
                r.verdict_label(),
                r.duration_ms,
                r.outcome.reason
            ));
        }
        let flaky = self.count_flaky();
        out.push_str(&format!(
            "{} tests: {} pass, {} fail, {} inconclusive, {} not applicable, {} error{}\n",
            self.results.len(),
            self.count_passed(),
            self.count(Verdict::Fail),
            self.count(Verdict::Inconclusive),
            self.count(Verdict::NotApplicable),
            self.count(Verdict::Error),
            if flaky > 0 {
                format!(" ({flaky} FLAKY, counted by their worst run)")
            } else {
                String::new()
            }
        ));
        out
    }
}

/// The host name, from the kernel (empty when unknown).
pub fn this_host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .or_else(|_| std::env::var("HOSTNAME"))
        .unwrap_or_default()
}

/// Seconds since the epoch as `YYYY-MM-DDTHH:MM:SSZ` (proleptic Gregorian, UTC).
pub fn utc_rfc3339(secs: u64) -> String {
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Days to civil date (the era-based algorithm published by H. Hinnant).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_schema_v1() {
        let v1 = r#"{"schema_version":1,"run_id":"r","suite":"split","iut":"reference",
            "knobs":"","started_unix":0,"duration_ms":5,"results":[{"id":"A","title":"t",
            "requirements":["R1"],"outcome":{"verdict":"FAIL","reason":"x","evidence":[]},
            "duration_ms":1,"artifacts":["A/home.pcap"]}]}"#;
        let r: RunResult = serde_json::from_str(v1).unwrap();
        assert_eq!(r.schema_version, 1);
        assert!(r.pics.is_empty() && r.peer_versions.is_empty() && r.host.is_empty());
        assert!(r.results[0].requirement_levels.is_empty());
        assert!(!r.gate_ok(), "an unknown level counts as MUST");
        let back: RunResult = serde_json::from_str(&serde_json::to_string(&r).unwrap()).unwrap();
        assert_eq!(back.results[0].id, "A");
    }

    #[test]
    fn gate_levels() {
        let mut t = TestResult {
            id: "A".into(),
            requirements: vec!["R1".into(), "R2".into()],
            outcome: Outcome::fail("no"),
            ..TestResult::default()
        };
        let mut run = RunResult::begin("r", "split", "reference", "", 0);
        run.results.push(t.clone());
        assert!(!run.gate_ok());
        let cat = |l1: &str, l2: &str| {
            vec![
                ReqInfo {
                    id: "R1".into(),
                    level: l1.into(),
                    ..ReqInfo::default()
                },
                ReqInfo {
                    id: "R2".into(),
                    level: l2.into(),
                    ..ReqInfo::default()
                },
            ]
        };
        run.apply_levels(&cat("SHOULD", "may"));
        assert!(run.gate_ok(), "all advisory: FAIL does not fail the run");
        assert_eq!(run.results[0].level(), "SHOULD");
        run.results[0].requirement_levels.clear();
        run.apply_levels(&cat("SHOULD", "MUST"));
        assert!(!run.gate_ok());
        run.results[0].requirement_levels.remove("R2");
        assert!(!run.gate_ok(), "unknown level counts as MUST");
        t.requirement_levels = [("R1".into(), "MAY".into()), ("R2".into(), "MAY".into())].into();
        t.outcome = Outcome::error("harness");
        assert!(t.blocks_gate(), "ERROR always blocks");
        assert_eq!(run.mip6lab_version, MIP6LAB_VERSION);
    }

    #[test]
    fn utc() {
        assert_eq!(utc_rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(utc_rfc3339(1_795_598_244), "2026-11-25T09:17:24Z");
    }
}
