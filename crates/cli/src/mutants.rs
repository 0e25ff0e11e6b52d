//! `mip6lab mutants <suite>`: proof that the suite discriminates. The reference IUT runs once
//! as is (no test may fail) and once per mutant (a knob set to break its requirement; at least
//! one test must fail). The knob → failing-tests map is printed and saved.

use crate::{refimpl_binary, repo_root, say, suite_by_name, utc_stamp, Args};
use anyhow::Result;
use mip6lab_contract::knobs::{self, Knob};
use mip6lab_lab::lab::Iut;
use mip6lab_lab::Engine;
use mip6lab_report::Verdict;
use mip6lab_suite::{RunOptions, Runner};
use std::path::PathBuf;
use std::process::ExitCode;

pub fn cmd_mutants(rest: &[String]) -> Result<ExitCode> {
    let a = Args::parse(rest, &["out"], &["first-catch"])?;
    // CI's budget: each mutant stops at the first test that catches it (the clean run still
    // runs every test). Without the flag every test runs and the map is complete.
    let first_catch = a.has("first-catch");
    let default = mip6lab_registry::default_suite().name;
    let name = a.positional.first().copied().unwrap_or(default);
    let tests = suite_by_name(name)?.tests();
    let root = repo_root()?;
    let binary = refimpl_binary()?;
    let mutants: Vec<String> = knobs::mutants().collect();
    let base = match a.value("out") {
        Some(o) => PathBuf::from(o),
        None => root.join("reports"),
    };
    let dir = base.join(format!("{}-mutants-{name}", utc_stamp()));
    std::fs::create_dir_all(&dir)?;
    let dir = dir.canonicalize()?;
    let rt = tokio::runtime::Runtime::new()?;
    let mut rows = Vec::new();
    let mut all = vec![String::new()];
    all.extend(mutants.iter().cloned());
    for (i, knobs) in all.iter().enumerate() {
        let label = if knobs.is_empty() { "(none)" } else { knobs };
        let knob = knobs
            .split_once('=')
            .and_then(|(name, _)| knobs::find(name));
        // A knob changes some roles of the reference: only tests with one of them under test
        // can see it (an MN knob cannot change an HA under test).
        let mut selected: Vec<mip6lab_suite::TestPurpose> = tests
            .iter()
            .filter(|t| knob.is_none_or(|k| knob_applies(k, t)))
            .copied()
            .collect();
        // Tests that cite a requirement the knob breaks go first: with --first-catch the
        // mutant is then usually caught by the first test, not after half the suite. The
        // order changes nothing else (every test still runs without --first-catch).
        if let Some(k) = knob {
            selected.sort_by_key(|t| !k.breaks().iter().any(|r| t.requirements.contains(r)));
        }
        say(&format!(
            "[{}/{}] mutant {label}: {} test(s)",
            i + 1,
            all.len(),
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
        });
        let results: Vec<mip6lab_report::TestResult> = rt.block_on(async {
            Engine::connect().await?;
            if first_catch && !knobs.is_empty() {
                let mut out = Vec::new();
                for tp in &selected {
                    let rec = runner.run_test(tp).await;
                    let caught = rec.result.outcome.verdict == Verdict::Fail;
                    out.push(rec.result);
                    if caught {
                        break;
                    }
                }
                runner.close().await?;
                anyhow::Ok(out)
            } else {
                anyhow::Ok(runner.run_all(&selected, |_, _| {}).await.0.results)
            }
        })?;
        let run = mip6lab_report::RunResult {
            results,
            ..Default::default()
        };
        let failing: Vec<String> = run
            .results
            .iter()
            .filter(|r| r.outcome.verdict == Verdict::Fail)
            .map(|r| r.id.clone())
            .collect();
        let errors: Vec<String> = run
            .results
            .iter()
            .filter(|r| r.outcome.verdict == Verdict::Error)
            .map(|r| format!("{}: {}", r.id, r.outcome.reason))
            .collect();
        rows.push((knobs.clone(), failing, errors));
    }
    let mut ok = true;
    let mut report = serde_json::Map::new();
    println!("{:<28} {:<14} tests that FAIL", "mutant", "result");
    for (knobs, failing, errors) in &rows {
        let label = if knobs.is_empty() {
            "(none)"
        } else {
            knobs.as_str()
        };
        let verdict = match (knobs.is_empty(), failing.is_empty(), errors.is_empty()) {
            (_, _, false) => "ERROR",
            (true, true, true) => "clean",
            (true, false, true) => "FALSE FAILURES",
            (false, false, true) => "caught",
            (false, true, true) => "NOT CAUGHT",
        };
        ok &= matches!(verdict, "clean" | "caught");
        println!("{label:<28} {verdict:<14} {}", failing.join(", "));
        for e in errors {
            println!("{:<28} {e}", "");
        }
        report.insert(
            label.to_string(),
            serde_json::json!({ "verdict": verdict, "failing": failing, "errors": errors }),
        );
    }
    let caught = rows
        .iter()
        .filter(|(k, f, e)| !k.is_empty() && !f.is_empty() && e.is_empty())
        .count();
    println!(
        "mutants: {caught} passed, {} failed",
        mutants.len() - caught
    );
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

/// Whether `knob` changes the role under test in `tp` (the knob table names its roles).
fn knob_applies(knob: &Knob, tp: &mip6lab_suite::TestPurpose) -> bool {
    knob.affects(tp.iut_role())
}

#[cfg(test)]
mod tests {
    use super::*;

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
    }
}
