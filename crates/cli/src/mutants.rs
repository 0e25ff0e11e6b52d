//! `mip6lab mutants <suite>`: proof that the suite discriminates. The reference IUT runs once
//! as is (no test may fail) and once per mutant (a knob set to break its requirements). A
//! mutant is caught only by a FAIL of a test citing one of the requirements the knob breaks
//! (the knob table's `breaks`), with the IUT alive and the tester not timed out: an ERROR,
//! an INCONCLUSIVE, a crash, a starved tester or a FAIL of another requirement proves nothing
//! about the knob. The knob → catching test map is printed and saved.

use crate::{refimpl_binary, repo_root, say, suite_by_name, utc_stamp, Args};
use anyhow::Result;
use mip6lab_contract::knobs::{self, Knob};
use mip6lab_contract::IutRole;
use mip6lab_lab::lab::Iut;
use mip6lab_lab::Engine;
use mip6lab_report::{TestResult, Verdict};
use mip6lab_suite::{RunOptions, Runner, TestPurpose};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

pub fn cmd_mutants(rest: &[String]) -> Result<ExitCode> {
    let a = Args::parse(rest, &["out", "jobs"], &["first-catch"])?;
    // CI's budget: each mutant stops at the first test that catches it (the clean run still
    // runs every test). Without the flag every test runs and the map is complete.
    let first_catch = a.has("first-catch");
    let default = mip6lab_registry::default_suite().name;
    let name = a.positional.first().copied().unwrap_or(default);
    let suite = suite_by_name(name)?;
    let tests = suite.tests();
    let roles: BTreeMap<String, IutRole> = tests
        .iter()
        .map(|t| (t.id.to_string(), t.iut_role()))
        .collect();
    let root = repo_root()?;
    let binary = refimpl_binary()?;
    // The mutants of this suite: those breaking a requirement of its catalogs (a knob of
    // another scenario's role has nothing here to catch it).
    let catalog = suite.catalog(&root)?;
    let (mutants, elsewhere): (Vec<String>, Vec<String>) = knobs::mutants().partition(|m| {
        m.split_once('=')
            .and_then(|(k, _)| knobs::find(k))
            .is_some_and(|k| k.breaks().iter().any(|id| catalog.get(id).is_some()))
    });
    if !elsewhere.is_empty() {
        say(&format!(
            "{} mutant(s) break requirements of other suites' catalogs only: not run here",
            elsewhere.len()
        ));
    }
    let base = match a.value("out") {
        Some(o) => PathBuf::from(o),
        None => root.join("reports"),
    };
    let dir = base.join(format!("{}-mutants-{name}", utc_stamp()));
    std::fs::create_dir_all(&dir)?;
    let dir = dir.canonicalize()?;
    let rt = tokio::runtime::Runtime::new()?;
    let jobs =
        match a.value("jobs") {
            Some(n) => n.parse::<usize>().ok().filter(|n| *n >= 1).ok_or_else(|| {
                anyhow::anyhow!("--jobs {n}: a number of labs at once, at least 1")
            })?,
            None => mip6lab_lab::slots::default_jobs(),
        };
    let mut all = vec![String::new()];
    all.extend(mutants.iter().cloned());
    let total = all.len();
    // One mutant's run: the clean one spreads its tests over `jobs` labs; each mutant runs
    // its tests in order on one lab (first-catch stops at the first catch), and `jobs`
    // mutants run at once.
    let run_mutant = |i: usize, knobs: String| {
        let (root, dir, binary, tests) = (&root, &dir, &binary, &tests);
        async move {
            let label = if knobs.is_empty() { "(none)" } else { &knobs };
            let knob = knobs
                .split_once('=')
                .and_then(|(name, _)| knobs::find(name));
            let selected = select(tests, knob);
            say(&format!(
                "[{}/{total}] mutant {label}: {} test(s)",
                i + 1,
                selected.len()
            ));
            let run_id = format!("k{i}");
            let runner = Runner::new(RunOptions {
                root: root.clone(),
                run_dir: dir.join(&run_id),
                run_id,
                suite: name.to_string(),
                iut: Iut::Reference {
                    binary: binary.clone(),
                },
                knobs: knobs.clone(),
            })
            .with_jobs(if knob.is_none() { jobs } else { 1 });
            let results = match (first_catch, knob) {
                (true, Some(k)) => {
                    let mut out = Vec::new();
                    for tp in &selected {
                        let rec = runner.run_test(tp).await;
                        let caught = catches(k, &rec.result, tp.iut_role()).is_ok();
                        out.push(rec.result);
                        if caught {
                            break;
                        }
                    }
                    runner.close().await?;
                    out
                }
                _ => runner.run_all(&selected, |_, _| {}).await.0.results,
            };
            anyhow::Ok((knobs, results))
        }
    };
    let outcomes: Vec<(String, Vec<TestResult>)> = rt.block_on(async {
        use futures_util::StreamExt;
        Engine::connect().await?;
        let clean = run_mutant(0, String::new()).await?;
        let rest: Vec<Result<(String, Vec<TestResult>)>> =
            futures_util::stream::iter(all.iter().enumerate().skip(1))
                .map(|(i, k)| run_mutant(i, k.clone()))
                // In knob order whatever finished first.
                .buffered(jobs)
                .collect()
                .await;
        let mut v = vec![clean];
        for r in rest {
            v.push(r?);
        }
        anyhow::Ok(v)
    })?;
    let rows: Vec<Row> = outcomes
        .iter()
        .map(|(knobs, results)| {
            let knob = knobs
                .split_once('=')
                .and_then(|(name, _)| knobs::find(name));
            Row::of(knobs, knob, results, &roles)
        })
        .collect();
    let mut ok = true;
    let mut report = serde_json::Map::new();
    let mut map = format!(
        "{:<40} {:<28} catching test: its FAIL reason\n",
        "mutant", "result"
    );
    for row in &rows {
        ok &= row.ok();
        map.push_str(&row.text());
        report.insert(row.label().to_string(), row.json());
    }
    let caught = rows.iter().filter(|r| r.caught.is_some()).count();
    map.push_str(&format!(
        "mutants: {caught} passed, {} failed\n",
        mutants.len() - caught
    ));
    print!("{map}");
    std::fs::write(dir.join("mutants.txt"), &map)?;
    std::fs::write(
        dir.join("mutants.json"),
        serde_json::to_string_pretty(&report)?,
    )?;
    println!("results: {}", dir.display());
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The tests a knob can change, those citing a requirement it breaks first. A knob changes
/// some roles of the reference: only tests with one of them under test can see it (an MN
/// knob cannot change an HA under test). The order makes --first-catch stop early; without
/// it every test still runs.
fn select(tests: &[TestPurpose], knob: Option<&Knob>) -> Vec<TestPurpose> {
    let mut selected: Vec<TestPurpose> = tests
        .iter()
        .filter(|t| knob.is_none_or(|k| knob_applies(k, t)))
        .copied()
        .collect();
    if let Some(k) = knob {
        selected.sort_by_key(|t| !cites_broken(k, t.requirements));
    }
    selected
}

/// Whether `knob` changes the role under test in `tp` (the knob table names its roles).
fn knob_applies(knob: &Knob, tp: &TestPurpose) -> bool {
    knob.affects(tp.iut_role())
}

fn cites_broken<S: AsRef<str>>(knob: &Knob, requirements: &[S]) -> bool {
    requirements
        .iter()
        .any(|r| knob.breaks().contains(&r.as_ref()))
}

/// Why a result does not catch a knob.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Miss {
    /// Not a FAIL (PASS, INCONCLUSIVE, NOT-APPLICABLE, ERROR), or a lab self-check.
    NoFail,
    /// A FAIL of a test citing none of the requirements the knob breaks.
    OtherRequirement,
    /// The IUT crashed during the test: whatever the judge saw follows from the crash.
    Crashed,
    /// The harness's tester was starved or stuck until the test's bound.
    TesterTimedOut,
}

/// Whether the IUT ended abnormally: an HA runs until removed, so any exit; an MN's exit 0
/// (done) and 1 (unrecoverable failure, e.g. every HA refused it) are the contract's.
fn crashed(r: &TestResult, role: IutRole) -> bool {
    match (r.iut_exit, role) {
        (None, _) => false,
        (Some(_), IutRole::Ha) => true,
        (Some(code), _) => !matches!(code, 0 | 1),
    }
}

/// Whether `r` catches `knob`: a FAIL of an IUT test citing a requirement the knob breaks,
/// with the IUT alive and the tester in time.
fn catches(knob: &Knob, r: &TestResult, role: IutRole) -> Result<(), Miss> {
    if r.outcome.verdict != Verdict::Fail || r.lab_check {
        return Err(Miss::NoFail);
    }
    if !cites_broken(knob, &r.requirements) {
        return Err(Miss::OtherRequirement);
    }
    if crashed(r, role) {
        return Err(Miss::Crashed);
    }
    if r.tester_timed_out {
        return Err(Miss::TesterTimedOut);
    }
    Ok(())
}

/// One line of the map: a knob (or the clean run) and what its tests did.
struct Row {
    knobs: String,
    /// The first qualifying catch: test and its FAIL reason.
    caught: Option<(String, String)>,
    /// Every FAIL, with why it does not count when it does not.
    failing: Vec<(String, String, Option<Miss>)>,
    errors: Vec<String>,
    /// Tests whose IUT crashed, with the exit code.
    crashes: Vec<(String, i64)>,
}

impl Row {
    fn of(
        knobs: &str,
        knob: Option<&Knob>,
        results: &[TestResult],
        roles: &BTreeMap<String, IutRole>,
    ) -> Row {
        let role = |r: &TestResult| roles.get(&r.id).copied().unwrap_or(IutRole::Mn);
        let mut row = Row {
            knobs: knobs.to_string(),
            caught: None,
            failing: Vec::new(),
            errors: Vec::new(),
            crashes: Vec::new(),
        };
        for r in results {
            if let (true, Some(code)) = (crashed(r, role(r)), r.iut_exit) {
                row.crashes.push((r.id.clone(), code));
            }
            match r.outcome.verdict {
                Verdict::Error => row.errors.push(format!("{}: {}", r.id, r.outcome.reason)),
                Verdict::Fail => {
                    let miss = knob.and_then(|k| catches(k, r, role(r)).err());
                    if knob.is_some() && miss.is_none() && row.caught.is_none() {
                        row.caught = Some((r.id.clone(), r.outcome.reason.clone()));
                    }
                    row.failing
                        .push((r.id.clone(), r.outcome.reason.clone(), miss));
                }
                _ => {}
            }
        }
        row
    }

    fn label(&self) -> &str {
        if self.knobs.is_empty() {
            "(none)"
        } else {
            &self.knobs
        }
    }

    /// `clean`/`FALSE FAILURES`/`ERROR` for the run without a knob; `caught` or `not
    /// caught (…)` for a mutant.
    fn verdict(&self) -> String {
        if self.knobs.is_empty() {
            return match (self.failing.is_empty(), self.errors.is_empty()) {
                (true, true) => "clean".into(),
                (_, false) => "ERROR".into(),
                (false, true) => "FALSE FAILURES".into(),
            };
        }
        if self.caught.is_some() {
            return "caught".into();
        }
        let missed = |m: Miss| self.failing.iter().any(|f| f.2 == Some(m));
        let why = if !self.crashes.is_empty() {
            "crashed"
        } else if missed(Miss::TesterTimedOut) {
            "tester timed out"
        } else if !self.errors.is_empty() {
            "errors"
        } else if missed(Miss::OtherRequirement) {
            "only other requirements FAIL"
        } else {
            ""
        };
        match why {
            "" => "NOT CAUGHT".into(),
            why => format!("NOT CAUGHT ({why})"),
        }
    }

    fn ok(&self) -> bool {
        matches!(self.verdict().as_str(), "clean" | "caught")
    }

    fn text(&self) -> String {
        let what = match &self.caught {
            Some((test, reason)) => format!("{test}: {reason}"),
            None => String::new(),
        };
        let mut out = format!("{:<40} {:<28} {what}\n", self.label(), self.verdict());
        let pad = "";
        for (test, reason, miss) in &self.failing {
            if self.caught.as_ref().is_some_and(|(t, _)| t == test) {
                continue;
            }
            let note = match miss {
                Some(m) => format!(" (does not count: {})", miss_text(*m)),
                None => String::new(),
            };
            out.push_str(&format!("{pad:<40} FAIL {test}{note}: {reason}\n"));
        }
        for (test, code) in &self.crashes {
            out.push_str(&format!("{pad:<40} crash {test}: the IUT exited {code}\n"));
        }
        for e in &self.errors {
            out.push_str(&format!("{pad:<40} ERROR {e}\n"));
        }
        out
    }

    fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "verdict": self.verdict(),
            "caught_by": self.caught.as_ref().map(|(t, r)| serde_json::json!({"test": t, "reason": r})),
            "failing": self.failing.iter().map(|(t, r, m)| serde_json::json!({
                "test": t,
                "reason": r,
                "counts": m.is_none(),
                "why_not": m.map(miss_text),
            })).collect::<Vec<_>>(),
            "crashes": self.crashes.iter().map(|(t, c)| serde_json::json!({"test": t, "exit": c})).collect::<Vec<_>>(),
            "errors": self.errors,
        })
    }
}

fn miss_text(m: Miss) -> &'static str {
    match m {
        Miss::NoFail => "not a FAIL of the IUT",
        Miss::OtherRequirement => "the test cites none of the requirements the knob breaks",
        Miss::Crashed => "the IUT crashed",
        Miss::TesterTimedOut => "the harness's tester timed out",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mip6lab_report::Outcome;

    #[test]
    fn a_knob_applies_to_the_tests_of_its_roles_only() {
        let tests = mip6lab_suite_split::SUITE.tests();
        let on = |topology: &str| tests.iter().find(|t| t.topology == topology).unwrap();
        let (mn_test, ha_test) = (on("split-mn-iut"), on("split-ha-iut"));
        let mn_knob = knobs::find("mn.srv_proto").unwrap();
        let ha_knob = knobs::find("ha.no_rh2").unwrap();
        assert!(knob_applies(mn_knob, mn_test));
        assert!(!knob_applies(mn_knob, ha_test));
        assert!(knob_applies(ha_knob, ha_test));
        assert!(!knob_applies(ha_knob, mn_test));
        let selected = select(&tests, Some(mn_knob));
        assert!(cites_broken(mn_knob, selected[0].requirements));
        assert!(selected.iter().all(|t| t.iut_role() == IutRole::Mn));
    }

    fn result(id: &str, requirements: &[&str], outcome: Outcome) -> TestResult {
        TestResult {
            id: id.into(),
            requirements: requirements.iter().map(|s| s.to_string()).collect(),
            outcome,
            ..TestResult::default()
        }
    }

    #[test]
    fn only_a_fail_citing_a_broken_requirement_with_a_live_iut_and_tester_catches() {
        let knob = knobs::find("ha.no_cookies").unwrap();
        let cited = knob.breaks()[0];
        let fail = || {
            result(
                "T",
                &[cited],
                Outcome::fail("flood answered without COOKIE"),
            )
        };
        let ha = IutRole::Ha;
        assert_eq!(catches(knob, &fail(), ha), Ok(()));
        let other = result("T", &["RFC-OTHER-MUST-1"], Outcome::fail("x"));
        assert_eq!(catches(knob, &other, ha), Err(Miss::OtherRequirement));
        for o in [
            Outcome::error("docker"),
            Outcome::inconclusive("no key"),
            Outcome::not_reached("IKE_SA_INIT", "silence"),
        ] {
            assert_eq!(
                catches(knob, &result("T", &[cited], o), ha),
                Err(Miss::NoFail)
            );
        }
        let starved = TestResult {
            tester_timed_out: true,
            ..fail()
        };
        assert_eq!(catches(knob, &starved, ha), Err(Miss::TesterTimedOut));
        let dead = TestResult {
            iut_exit: Some(101),
            ..fail()
        };
        assert_eq!(catches(knob, &dead, ha), Err(Miss::Crashed));
        // An MN's exit 1 is the contract's "unrecoverable failure", not a crash.
        let mn = knobs::find("mn.srv_proto").unwrap();
        let gave_up = TestResult {
            iut_exit: Some(1),
            ..result("T", mn.breaks(), Outcome::fail("SRV QNAME _udp"))
        };
        assert_eq!(catches(mn, &gave_up, IutRole::Mn), Ok(()));
        assert_eq!(catches(mn, &gave_up, IutRole::Ha), Err(Miss::Crashed));
    }

    #[test]
    fn the_map_names_the_catching_test_and_why_others_do_not_count() {
        let knob = knobs::find("ha.no_cookies").unwrap();
        let cited = knob.breaks()[0];
        let roles: BTreeMap<String, IutRole> = ["A", "B", "C"]
            .iter()
            .map(|t| (t.to_string(), IutRole::Ha))
            .collect();
        let starved = TestResult {
            tester_timed_out: true,
            ..result("A", &[cited], Outcome::fail("the MN got no IKE SA"))
        };
        let row = Row::of(
            "ha.no_cookies=true",
            Some(knob),
            std::slice::from_ref(&starved),
            &roles,
        );
        assert!(row.caught.is_none());
        assert_eq!(row.verdict(), "NOT CAUGHT (tester timed out)");
        assert!(!row.ok());
        let caught = result("B", &[cited], Outcome::fail("no COOKIE in 40 answers"));
        let row = Row::of(
            "ha.no_cookies=true",
            Some(knob),
            &[starved.clone(), caught],
            &roles,
        );
        assert_eq!(row.verdict(), "caught");
        assert!(row.ok());
        let text = row.text();
        assert!(text.contains("B: no COOKIE in 40 answers"), "{text}");
        assert!(
            text.contains("FAIL A (does not count: the harness's tester timed out)"),
            "{text}"
        );
        assert_eq!(row.json()["caught_by"]["test"], "B");
        let crash = TestResult {
            iut_exit: Some(139),
            ..result("C", &["RFC-OTHER-MUST-1"], Outcome::fail("no BA"))
        };
        let row = Row::of("ha.no_cookies=true", Some(knob), &[crash], &roles);
        assert_eq!(row.verdict(), "NOT CAUGHT (crashed)");
        assert!(row.text().contains("crash C: the IUT exited 139"));
        // The clean run: nothing may fail or err.
        let clean_run = |o: Outcome| Row::of("", None, &[result("A", &[cited], o)], &roles);
        assert_eq!(clean_run(Outcome::pass("ok")).verdict(), "clean");
        assert_eq!(clean_run(Outcome::fail("x")).verdict(), "FALSE FAILURES");
    }
}
