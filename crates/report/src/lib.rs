//! Verdicts, results of a run, and what a run writes: results JSON, JUnit XML, the HTML
//! report (`html`), the interop matrix of several implementations (`interop`), and each
//! test's evidence bundle (`bundle`).
//!
//! This crate knows nothing of labs or containers: it renders what a run left on disk, so a
//! report can be re-rendered anywhere from `results.json` and the transcripts.

pub mod baseline;
pub mod bundle;
pub mod catalog;
pub mod flaky;
pub mod html;
pub mod interop;
pub mod junit;
mod markup;
pub mod shard;

pub use catalog::ReqInfo;
pub use shard::{Merged, Partition};

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

/// How the reason of a failed lab self-check starts ([`Outcome::lab_check`]).
pub const LAB_BROKEN: &str = "lab broken: ";

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
    /// The outcome of a lab self-check (a test judging the harness's own peers): its FAIL
    /// means the lab is broken, so the run cannot vouch for anything; an ERROR, never a FAIL
    /// of the IUT. Other verdicts pass through.
    pub fn lab_check(self) -> Outcome {
        if self.verdict != Verdict::Fail {
            return self;
        }
        Outcome {
            verdict: Verdict::Error,
            reason: format!("{LAB_BROKEN}{}", self.reason),
            ..self
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
    /// Requirement ID → how its sentence states it (`capital`, `lowercase`, `in-effect`,
    /// `not-an-obligation`; see [`catalog::kind`]) where the catalog knows it. A requirement
    /// missing here counts as capital.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub requirement_kinds: BTreeMap<String, String>,
    /// Judged under the strict profile (`--strict`): lowercase and in-effect requirements
    /// gate like capitals. Copied from the run by [`RunResult::apply_levels`].
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub strict: bool,
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
    /// A check of the harness's own peers (BIND, FreeRADIUS), not of the IUT: its verdict is
    /// listed apart and never counts for or against the IUT; its FAIL is an ERROR ("lab
    /// broken").
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub lab_check: bool,
    /// The IUT's exit code, when it ended on its own during the observation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iut_exit: Option<i64>,
    /// The harness's tester (the stimulus) neither reported the awaited event nor exited
    /// within the test's bound: whatever the verdict, the tester was starved or stuck.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub tester_timed_out: bool,
    /// Where the test's lab run spent its time, in ms, by stage (`lab_up`: peers started or
    /// reset; `iut_start`; `observation`; `teardown`: evidence collected and containers
    /// removed; `decode`). Empty for a test judged on another test's run.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub stages_ms: BTreeMap<String, u64>,
}

impl TestResult {
    /// Advisory: no requirement the test verifies gates (see [`requirement_gates`]): each
    /// has a known level below MUST (SHOULD, RECOMMENDED, MAY and their negations), or is not
    /// an obligation, or (unless `strict`) is stated without a BCP 14 capital. Its FAIL is
    /// reported but does not fail a run. A test without requirements, or with any
    /// requirement of unknown level and kind, is not advisory.
    pub fn advisory(&self) -> bool {
        !self.requirements.is_empty()
            && self.requirements.iter().all(|r| {
                !requirement_gates(
                    self.requirement_levels.get(r).map(String::as_str),
                    self.requirement_kinds.get(r).map(String::as_str),
                    self.strict,
                )
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

    /// The level of requirement `id`: the one recorded with the result, else the catalog's
    /// (`info`); `None` when the one that applies is missing or empty.
    pub fn requirement_level<'a>(&'a self, id: &str, info: Option<&'a ReqInfo>) -> Option<&'a str> {
        self.requirement_levels
            .get(id)
            .map(String::as_str)
            .or(info.map(|q| q.level.as_str()))
            .filter(|l| !l.is_empty())
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

pub(crate) fn norm_level(l: &str) -> String {
    l.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_uppercase()
}

/// What an advisory FAIL means, for reports.
pub const ADVISORY_MEANS: &str = "no requirement of this test gates: each is below MUST, not \
     stated with a BCP 14 capital (advisory unless --strict), or not an obligation";

/// The gate's profile in words, for reports.
pub fn gate_profile(strict: bool) -> &'static str {
    if strict {
        "strict: MUST-level requirements gate whether the RFC writes them in capitals, in \
         lowercase or only in effect"
    } else {
        "default: only BCP 14 capitals (MUST, MUST NOT, REQUIRED, SHALL) gate; lowercase and \
         in-effect requirements are advisory (--strict gates them too)"
    }
}

/// RFC 2119 levels below MUST.
pub fn level_is_advisory(level: &str) -> bool {
    matches!(
        norm_level(level).as_str(),
        "SHOULD" | "SHOULD NOT" | "RECOMMENDED" | "NOT RECOMMENDED" | "MAY" | "OPTIONAL"
    )
}

/// Kinds of statement that do not gate: a non-obligation never; a lowercase or in-effect
/// one unless the profile is strict. Capital (and unknown) kinds gate.
pub fn kind_is_advisory(kind: &str, strict: bool) -> bool {
    match kind {
        catalog::kind::NOT_AN_OBLIGATION => true,
        catalog::kind::LOWERCASE | catalog::kind::IN_EFFECT => !strict,
        _ => false,
    }
}

/// Whether a FAIL on a requirement of this level and kind fails the run's gate. Unknown
/// (`None`) counts as MUST and capital: what the catalog cannot vouch for gates.
pub fn requirement_gates(level: Option<&str>, kind: Option<&str>, strict: bool) -> bool {
    let below_must = level.is_some_and(level_is_advisory);
    let advisory_kind = kind.is_some_and(|k| kind_is_advisory(k, strict));
    !(below_must || advisory_kind)
}

/// Verdict counts of a set of results. A flaky test counts once, under `flaky`, not under
/// its worst verdict.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub passed: usize,
    pub failed: usize,
    pub inconclusive: usize,
    pub not_applicable: usize,
    pub errors: usize,
    pub flaky: usize,
}

impl Tally {
    pub fn of<'a>(results: impl IntoIterator<Item = &'a TestResult>) -> Tally {
        let mut t = Tally::default();
        for r in results {
            let n = match (r.flaky, r.outcome.verdict) {
                (true, _) => &mut t.flaky,
                (false, Verdict::Pass) => &mut t.passed,
                (false, Verdict::Fail) => &mut t.failed,
                (false, Verdict::Inconclusive) => &mut t.inconclusive,
                (false, Verdict::NotApplicable) => &mut t.not_applicable,
                (false, Verdict::Error) => &mut t.errors,
            };
            *n += 1;
        }
        t
    }

    /// What JUnit calls skipped: nothing was verified, nothing went wrong.
    pub fn skipped(&self) -> usize {
        self.inconclusive + self.not_applicable
    }

    /// What JUnit calls failures and errors: FAIL, ERROR and flaky.
    pub fn not_ok(&self) -> usize {
        self.failed + self.errors + self.flaky
    }
}

/// INCONCLUSIVE tests grouped by what first stopped the flow ([`NotReached::stopped_by`]);
/// those without a recorded cause under "(no cause recorded)". Largest group first.
pub fn blocking_causes<'a>(
    results: impl IntoIterator<Item = &'a TestResult>,
) -> Vec<(String, Vec<&'a TestResult>)> {
    let mut groups: BTreeMap<String, Vec<&TestResult>> = BTreeMap::new();
    for r in results {
        if r.outcome.verdict != Verdict::Inconclusive {
            continue;
        }
        let cause = r
            .outcome
            .not_reached
            .as_ref()
            .map(|n| n.stopped_by.trim())
            .filter(|c| !c.is_empty())
            .unwrap_or(NO_CAUSE_RECORDED);
        groups.entry(cause.to_string()).or_default().push(r);
    }
    let mut out: Vec<(String, Vec<&TestResult>)> = groups.into_iter().collect();
    out.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then_with(|| a.0.cmp(&b.0)));
    out
}

/// The group of INCONCLUSIVE tests whose judge named no blocking cause.
pub const NO_CAUSE_RECORDED: &str = "(no cause recorded)";

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
    /// The gate's profile: strict (`--strict`) gates lowercase and in-effect requirements
    /// too; by default only BCP 14 capitals gate. Absent in older files: the default.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub strict: bool,
    /// This run is one shard of a partitioned run (`mip6lab suite --partition K/N`). Optional
    /// fields, absent in older files and ignored by older readers: the schema stays 2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition: Option<Partition>,
    /// This run was merged from shards (`mip6lab report --merge`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merged: Option<Merged>,
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

    /// Fills each test's `requirement_levels` and `requirement_kinds` from a requirement
    /// catalog, and gives each test the run's profile (`strict`).
    pub fn apply_levels(&mut self, catalog: &[ReqInfo]) {
        for r in &mut self.results {
            r.strict = self.strict;
            for id in &r.requirements {
                if let Some(q) = catalog.iter().find(|q| &q.id == id) {
                    if !q.level.trim().is_empty() {
                        r.requirement_levels
                            .insert(id.clone(), norm_level(&q.level));
                    }
                    r.requirement_kinds.insert(id.clone(), q.kind().to_string());
                }
            }
        }
    }

    /// The gate: no test with a gating requirement failed (a capital MUST-level one, or of
    /// unknown level; with `strict`, lowercase and in-effect MUSTs too), nothing errored,
    /// nothing was flaky.
    /// A merge with a shard missing (`--allow-missing`) never passes: its tests did not run.
    pub fn gate_ok(&self) -> bool {
        !self.results.iter().any(TestResult::blocks_gate) && self.missing_shards().is_empty()
    }

    /// The shards (K of K/N) a merged run lacks; empty for any other run.
    pub fn missing_shards(&self) -> &[usize] {
        self.merged.as_ref().map_or(&[], |m| &m.missing)
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

    /// The verdicts about the IUT: every result but the lab checks.
    pub fn iut_results(&self) -> impl Iterator<Item = &TestResult> {
        self.results.iter().filter(|r| !r.lab_check)
    }

    /// The checks of the harness's own peers ([`TestResult::lab_check`]).
    pub fn lab_checks(&self) -> impl Iterator<Item = &TestResult> {
        self.results.iter().filter(|r| r.lab_check)
    }

    /// The closing lines of a terminal run: the breakdown of the IUT's verdicts (and of the
    /// lab checks, when there are any), then the line CI log readers parse, `suite: N passed,
    /// M failed, K skipped` (failed: FAIL, ERROR and flaky; skipped: INCONCLUSIVE and
    /// NOT-APPLICABLE, as in the JUnit file).
    pub fn closing_lines(&self) -> String {
        let t = Tally::of(self.iut_results());
        let mut out = format!(
            "verdicts: {} passed, {} failed, {} inconclusive, {} not applicable, {} errors{}\n",
            t.passed,
            t.failed,
            t.inconclusive,
            t.not_applicable,
            t.errors,
            if t.flaky > 0 {
                format!(", {} flaky", t.flaky)
            } else {
                String::new()
            }
        );
        let lab = Tally::of(self.lab_checks());
        if lab != Tally::default() {
            out.push_str(&format!(
                "lab checks (the harness's peers, not the IUT): {} passed, {} broken, {} other\n",
                lab.passed,
                lab.failed + lab.errors,
                lab.skipped() + lab.flaky
            ));
        }
        if let Some(m) = self.merged.as_ref().filter(|m| !m.missing.is_empty()) {
            out.push_str(&format!(
                "INCOMPLETE: {}; the gate fails\n",
                m.missing_text()
            ));
        }
        out.push_str(&format!(
            "suite: {} passed, {} failed, {} skipped\n",
            t.passed,
            t.not_ok(),
            t.skipped()
        ));
        out
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
        let mut lab_heading = false;
        for r in self.iut_results().chain(self.lab_checks()) {
            let runs = if r.runs.is_empty() {
                String::new()
            } else {
                format!(" [runs: {}]", r.runs_text())
            };
            if r.lab_check && !std::mem::replace(&mut lab_heading, true) {
                out.push_str("lab checks (the harness's own peers, not the IUT):\n");
            }
            out.push_str(&format!(
                "{:<w$}  {:<vw$} {:>6} ms  {}{runs}\n",
                r.id,
                r.verdict_label(),
                r.duration_ms,
                r.outcome.reason
            ));
        }
        // The IUT's verdicts; lab checks are not about the IUT.
        let iut: Vec<&TestResult> = self.iut_results().collect();
        let count = |v: Verdict| iut.iter().filter(|r| r.outcome.verdict == v).count();
        let flaky = iut.iter().filter(|r| r.flaky).count();
        let passed = iut
            .iter()
            .filter(|r| r.outcome.verdict == Verdict::Pass && !r.flaky)
            .count();
        out.push_str(&format!(
            "{} tests: {} pass, {} fail, {} inconclusive, {} not applicable, {} error{}{}\n",
            iut.len(),
            passed,
            count(Verdict::Fail),
            count(Verdict::Inconclusive),
            count(Verdict::NotApplicable),
            count(Verdict::Error),
            if flaky > 0 {
                format!(" ({flaky} FLAKY, counted by their worst run)")
            } else {
                String::new()
            },
            match self.results.len() - iut.len() {
                0 => String::new(),
                n => format!("; {n} lab check(s) apart"),
            }
        ));
        let causes = blocking_causes(self.iut_results());
        if !causes.is_empty() {
            out.push_str("INCONCLUSIVE by first blocking cause:\n");
            for (cause, tests) in causes {
                let ids: Vec<&str> = tests.iter().map(|r| r.id.as_str()).collect();
                out.push_str(&format!(
                    "  {:>3}  {cause}: {}\n",
                    tests.len(),
                    ids.join(", ")
                ));
            }
        }
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

    #[rstest::rstest]
    #[case::capital_must("MUST", "capital", false, true)]
    #[case::capital_must_strict("MUST", "capital", true, true)]
    #[case::lowercase_must("MUST", "lowercase", false, false)]
    #[case::lowercase_must_strict("MUST", "lowercase", true, true)]
    #[case::in_effect_must("MUST", "in-effect", false, false)]
    #[case::in_effect_must_strict("MUST", "in-effect", true, true)]
    #[case::in_effect_must_not_strict("MUST NOT", "in-effect", true, true)]
    #[case::not_an_obligation("MUST", "not-an-obligation", false, false)]
    #[case::not_an_obligation_strict("MUST", "not-an-obligation", true, false)]
    #[case::capital_should("SHOULD", "capital", false, false)]
    #[case::lowercase_should_strict("SHOULD", "lowercase", true, false)]
    #[case::unknown_kind("MUST", "", false, true)]
    fn gate_by_level_and_kind(
        #[case] level: &str,
        #[case] kind: &str,
        #[case] strict: bool,
        #[case] gates: bool,
    ) {
        let kind = (!kind.is_empty()).then_some(kind);
        assert_eq!(requirement_gates(Some(level), kind, strict), gates);
        // The same through a run: catalog → results.json → gate.
        let mut run = RunResult::begin("r", "split", "reference", "", 0);
        run.strict = strict;
        run.results.push(TestResult {
            id: "A".into(),
            requirements: vec!["R1".into()],
            outcome: Outcome::fail("no"),
            ..TestResult::default()
        });
        let keyword = match kind {
            Some("capital") => level.to_string(),
            Some("lowercase") => level.to_ascii_lowercase(),
            Some(_) => "in-effect".to_string(),
            None => String::new(),
        };
        run.apply_levels(&[ReqInfo {
            id: "R1".into(),
            level: level.into(),
            keyword,
            not_an_obligation: if kind == Some("not-an-obligation") {
                "an example".into()
            } else {
                String::new()
            },
            ..ReqInfo::default()
        }]);
        let back: RunResult = serde_json::from_str(&serde_json::to_string(&run).unwrap()).unwrap();
        assert_eq!(back.strict, strict);
        assert_eq!(back.gate_ok(), !gates);
        assert_eq!(back.results[0].verdict_label() == "FAIL(advisory)", !gates);
    }

    #[test]
    fn default_gates_capitals_only_and_strict_gates_every_must() {
        let mut run = RunResult::begin("r", "split", "reference", "", 0);
        let fail = |id: &str, reqs: &[&str]| TestResult {
            id: id.into(),
            requirements: reqs.iter().map(|r| r.to_string()).collect(),
            outcome: Outcome::fail("no"),
            ..TestResult::default()
        };
        run.results.push(fail("LOWER", &["R-must", "R-effect"]));
        run.results.push(fail("EXAMPLE", &["R-example"]));
        let req = |id: &str, keyword: &str, not: &str| ReqInfo {
            id: id.into(),
            level: "MUST".into(),
            keyword: keyword.into(),
            not_an_obligation: not.into(),
            ..ReqInfo::default()
        };
        let cat = [
            req("R-must", "must", ""),
            req("R-effect", "in-effect", ""),
            req("R-example", "in-effect", "an example"),
            req("R-MUST", "MUST", ""),
        ];
        run.apply_levels(&cat);
        assert_eq!(run.results[0].requirement_kinds["R-effect"], "in-effect");
        assert!(
            run.gate_ok(),
            "lowercase and in-effect FAILs are advisory by default"
        );
        run.strict = true;
        run.apply_levels(&cat);
        assert!(!run.gate_ok(), "strict: they gate");
        assert!(!run.results[0].advisory() && run.results[1].advisory());
        run.strict = false;
        run.results.push(fail("MIXED", &["R-must", "R-MUST"]));
        run.apply_levels(&cat);
        assert!(!run.gate_ok(), "one capital MUST among them gates");
        // A file written before kinds existed: levels alone decide, as before.
        let mut old = run.clone();
        for r in &mut old.results {
            r.requirement_kinds.clear();
        }
        old.results.truncate(1);
        let json = serde_json::to_string(&old).unwrap();
        assert!(!json.contains("requirement_kinds") && !json.contains("strict"));
        let old: RunResult = serde_json::from_str(&json).unwrap();
        assert!(!old.gate_ok(), "no kind known: a MUST gates");
    }

    fn result(id: &str, outcome: Outcome) -> TestResult {
        TestResult {
            id: id.into(),
            outcome,
            ..TestResult::default()
        }
    }

    #[test]
    fn a_failed_lab_check_is_an_error_and_stays_apart() {
        let broken = Outcome::fail("BIND gave no SRV answer").lab_check();
        assert_eq!(broken.verdict, Verdict::Error);
        assert_eq!(broken.reason, "lab broken: BIND gave no SRV answer");
        assert_eq!(Outcome::pass("ok").lab_check(), Outcome::pass("ok"));
        let mut run = RunResult::begin("r", "split", "x", "", 0);
        run.results.push(result("IUT-1", Outcome::fail("no BU")));
        run.results.push(TestResult {
            lab_check: true,
            ..result("LAB-1", Outcome::pass("BIND answers"))
        });
        assert_eq!(run.iut_results().count(), 1);
        assert_eq!(run.lab_checks().next().unwrap().id, "LAB-1");
        let table = run.summary_table();
        assert!(table.contains("1 tests: 0 pass, 1 fail"), "{table}");
        assert!(table.contains("1 lab check(s) apart"), "{table}");
        let lab = table.find("lab checks (the harness's own peers").unwrap();
        assert!(table.find("IUT-1").unwrap() < lab && lab < table.find("LAB-1").unwrap());
        let closing = run.closing_lines();
        assert!(
            closing.ends_with("suite: 0 passed, 1 failed, 0 skipped\n"),
            "{closing}"
        );
        assert!(closing.contains("lab checks (the harness's peers, not the IUT): 1 passed"));
        let back: RunResult = serde_json::from_str(&serde_json::to_string(&run).unwrap()).unwrap();
        assert!(back.results[1].lab_check && !back.results[0].lab_check);
    }

    #[test]
    fn the_closing_line_counts_skipped_apart_from_failed() {
        let mut run = RunResult::begin("r", "split", "x", "", 0);
        for (i, o) in [
            Outcome::pass("a"),
            Outcome::pass("b"),
            Outcome::fail("c"),
            Outcome::inconclusive("d"),
            Outcome::not_reached("IKE_SA_INIT", "NO_PROPOSAL_CHOSEN"),
            Outcome::new(Verdict::NotApplicable, "PICS"),
            Outcome::error("docker"),
        ]
        .into_iter()
        .enumerate()
        {
            run.results.push(result(&format!("T{i}"), o));
        }
        run.results.push(TestResult {
            flaky: true,
            runs: vec![Verdict::Pass, Verdict::Fail],
            ..result("T9", Outcome::fail("sometimes"))
        });
        let lines: Vec<String> = run.closing_lines().lines().map(String::from).collect();
        assert_eq!(
            lines,
            [
                "verdicts: 2 passed, 1 failed, 2 inconclusive, 1 not applicable, 1 errors, 1 flaky",
                "suite: 2 passed, 3 failed, 3 skipped",
            ]
        );
        // What CI log readers match: `N passed, N failed` alone on a line, one word and a
        // colon before it, `, N skipped` after it.
        let parsed: Vec<&String> = lines
            .iter()
            .filter(|l| {
                let rest = l.split_once(": ").map_or(l.as_str(), |(w, r)| {
                    if w.contains(' ') {
                        l.as_str()
                    } else {
                        r
                    }
                });
                let words: Vec<&str> = rest.split(", ").collect();
                let counted = |s: &str, what: &str| {
                    s.strip_suffix(what)
                        .is_some_and(|n| n.trim().parse::<u32>().is_ok())
                };
                (words.len() == 2 || words.len() == 3 && counted(words[2], " skipped"))
                    && counted(words[0], " passed")
                    && counted(words[1], " failed")
            })
            .collect();
        assert_eq!(parsed, [&lines[1]], "exactly one line for CI to read");
    }

    #[test]
    fn inconclusive_tests_group_by_their_first_blocking_cause() {
        let results = [
            result(
                "A",
                Outcome::not_reached("IKE_SA_INIT", "NO_PROPOSAL_CHOSEN"),
            ),
            result("B", Outcome::not_reached("IKE_AUTH", "NO_PROPOSAL_CHOSEN")),
            result("C", Outcome::fail("x").unexercised("the BU")),
            result("D", Outcome::inconclusive("no key")),
            result("E", Outcome::fail("not grouped")),
        ];
        let groups = blocking_causes(&results);
        let flat: Vec<(&str, Vec<&str>)> = groups
            .iter()
            .map(|(c, t)| (c.as_str(), t.iter().map(|r| r.id.as_str()).collect()))
            .collect();
        assert_eq!(
            flat,
            [
                ("NO_PROPOSAL_CHOSEN", vec!["A", "B"]),
                (NO_CAUSE_RECORDED, vec!["D"]),
                ("x", vec!["C"]),
            ]
        );
        let mut run = RunResult::begin("r", "split", "x", "", 0);
        run.results.extend(results);
        let table = run.summary_table();
        assert!(
            table.contains(
                "INCONCLUSIVE by first blocking cause:\n    2  NO_PROPOSAL_CHOSEN: A, B\n"
            ),
            "{table}"
        );
    }

    #[test]
    fn utc() {
        assert_eq!(utc_rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(utc_rfc3339(1_795_598_244), "2026-11-25T09:17:24Z");
    }
}
