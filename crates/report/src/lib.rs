//! Verdicts, results of a run, and what a run writes: JUnit XML and results JSON.

pub mod junit;

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// ETSI-style verdicts, plus ERROR for faults of the harness itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING-KEBAB-CASE")]
pub enum Verdict {
    Pass,
    Fail,
    Inconclusive,
    NotApplicable,
    Error,
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    pub verdict: Verdict,
    /// One line: the check that decided.
    pub reason: String,
    pub evidence: Vec<Evidence>,
}

impl Outcome {
    pub fn new(verdict: Verdict, reason: impl Into<String>) -> Outcome {
        Outcome {
            verdict,
            reason: reason.into(),
            evidence: Vec::new(),
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

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TestResult {
    pub id: String,
    pub title: String,
    pub requirements: Vec<String>,
    pub outcome: Outcome,
    pub duration_ms: u64,
    /// Files left for this test (pcaps, transcripts, logs), relative to the run directory.
    pub artifacts: Vec<PathBuf>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunResult {
    pub schema_version: u32,
    pub run_id: String,
    pub suite: String,
    pub iut: String,
    pub knobs: String,
    pub started_unix: u64,
    pub duration_ms: u64,
    pub results: Vec<TestResult>,
}

impl RunResult {
    pub const SCHEMA_VERSION: u32 = 1;

    pub fn count(&self, v: Verdict) -> usize {
        self.results
            .iter()
            .filter(|r| r.outcome.verdict == v)
            .count()
    }

    /// A run passes when nothing failed or errored.
    pub fn ok(&self) -> bool {
        self.count(Verdict::Fail) == 0 && self.count(Verdict::Error) == 0
    }

    /// The per-test summary a terminal shows.
    pub fn summary_table(&self) -> String {
        let mut out = String::new();
        let w = self.results.iter().map(|r| r.id.len()).max().unwrap_or(4);
        for r in &self.results {
            out.push_str(&format!(
                "{:<w$}  {:<14} {:>6} ms  {}\n",
                r.id,
                r.outcome.verdict.to_string(),
                r.duration_ms,
                r.outcome.reason
            ));
        }
        out.push_str(&format!(
            "{} tests: {} pass, {} fail, {} inconclusive, {} not applicable, {} error\n",
            self.results.len(),
            self.count(Verdict::Pass),
            self.count(Verdict::Fail),
            self.count(Verdict::Inconclusive),
            self.count(Verdict::NotApplicable),
            self.count(Verdict::Error),
        ));
        out
    }
}
