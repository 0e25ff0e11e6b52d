//! `mip6lab mutants <suite>`: proof that the suite discriminates. The reference IUT runs once
//! as is (no test may fail) and once per mutant (a knob set to break its requirement; at least
//! one test must fail). The knob → failing-tests map is printed and saved.

use crate::{refimpl_binary, repo_root, say, suite_by_name, utc_stamp, Args};
use anyhow::{bail, Context, Result};
use mip6lab_lab::lab::Iut;
use mip6lab_lab::Engine;
use mip6lab_report::Verdict;
use mip6lab_suite::{RunOptions, Runner};
use std::path::PathBuf;
use std::process::ExitCode;

/// Knob → the requirement ID its catalog line names (`mip6lab-refimpl --list-knobs`:
/// `name   REQ-ID: what`); stimulus knobs name none.
fn knob_requirements(binary: &std::path::Path) -> Vec<(String, String)> {
    let Ok(out) = std::process::Command::new(binary)
        .arg("--list-knobs")
        .output()
    else {
        return Vec::new();
    };
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let mut it = l.split_whitespace();
            let name = it.next()?;
            let req = it.next()?.strip_suffix(':')?;
            req.starts_with("RFC")
                .then(|| (name.to_string(), req.to_string()))
        })
        .collect()
}

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
    let out = std::process::Command::new(&binary)
        .arg("--list-mutants")
        .output()
        .with_context(|| format!("cannot run {}", binary.display()))?;
    let mutants: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    if !out.status.success() || mutants.is_empty() {
        bail!("the reference IUT listed no mutants");
    }
    let broken = knob_requirements(&binary);
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
        // A knob changes one role of the reference: only tests with that role under test
        // can see it (an MN knob cannot change an HA under test).
        let mut selected: Vec<mip6lab_suite::TestPurpose> = tests
            .iter()
            .filter(|t| knobs.is_empty() || knob_applies(&root, knobs, t))
            .map(copy_tp)
            .collect();
        // Tests that cite the requirement the knob breaks go first: with --first-catch the
        // mutant is then usually caught by the first test, not after half the suite. The
        // order changes nothing else (every test still runs without --first-catch).
        let knob = knobs.split_once('=').map_or(knobs.as_str(), |(k, _)| k);
        if let Some(req) = broken.iter().find(|(k, _)| k == knob).map(|(_, r)| r) {
            selected.sort_by_key(|t| !t.requirements.contains(&req.as_str()));
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

/// The role the test puts under test, in capitals (`MN`, `HA`).
fn iut_role(_root: &std::path::Path, tp: &mip6lab_suite::TestPurpose) -> Option<String> {
    Some(tp.iut_role().token().to_ascii_uppercase())
}

/// Whether a knob (`mn.…`, `ha.…`) belongs to the role under test in `tp`.
fn knob_applies(root: &std::path::Path, knob: &str, tp: &mip6lab_suite::TestPurpose) -> bool {
    let Some(role) = iut_role(root, tp) else {
        return true;
    };
    match knob.split('.').next() {
        Some("mn") => role == "MN",
        Some("ha") => role.starts_with("HA"),
        _ => true,
    }
}

fn copy_tp(t: &mip6lab_suite::TestPurpose) -> mip6lab_suite::TestPurpose {
    *t
}
