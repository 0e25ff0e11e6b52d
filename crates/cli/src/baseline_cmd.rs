//! `mip6lab baseline check|write`, and the baseline comparison `mip6lab suite --baseline`
//! prints and saves.

use crate::report_cmd::read_run;
use crate::{say, Args};
use anyhow::{anyhow, bail, Context, Result};
use mip6lab_report::baseline::{compare, Baseline, Comparison};
use mip6lab_report::{RunResult, Verdict};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "usage: mip6lab baseline check RESULTS.json BASELINE.toml\n       \
                     mip6lab baseline write RESULTS.json OUT.toml";

pub fn load(path: &Path) -> Result<Baseline> {
    Baseline::load(path).map_err(|e| anyhow!("baseline {e}"))
}

/// A run directory stands for its results.json, as in `mip6lab report`.
fn results_path(arg: &str) -> PathBuf {
    let p = PathBuf::from(arg);
    if p.is_dir() {
        p.join("results.json")
    } else {
        p
    }
}

/// The comparison as a terminal shows it.
pub fn print(c: &Comparison, baseline: &Path, run: &RunResult) {
    println!(
        "baseline {} vs run {} (IUT {}):",
        baseline.display(),
        run.run_id,
        run.iut
    );
    print!("{}", c.to_text());
}

/// `baseline.json` in the run directory: the comparison, its baseline file and whether it
/// passed.
pub fn save(c: &Comparison, baseline: &Path, run_dir: &Path) -> Result<()> {
    let mut v = serde_json::to_value(c)?;
    if let Some(m) = v.as_object_mut() {
        m.insert("baseline".into(), baseline.display().to_string().into());
        m.insert("ok".into(), c.ok().into());
    }
    let path = run_dir.join("baseline.json");
    std::fs::write(&path, serde_json::to_string_pretty(&v)? + "\n")
        .with_context(|| format!("cannot write {}", path.display()))
}

/// 0 when nothing regressed and nothing is missing, else 1.
pub fn exit(c: &Comparison) -> ExitCode {
    if c.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

pub fn cmd_baseline(rest: &[String]) -> Result<ExitCode> {
    let Some((sub, rest)) = rest.split_first() else {
        bail!("{USAGE}");
    };
    let a = Args::parse(rest, &[], &[])?;
    let [results, file] = a.positional[..] else {
        bail!("{USAGE}");
    };
    let results = results_path(results);
    match sub.as_str() {
        "check" => {
            let run = read_run(&results)?;
            let file = Path::new(file);
            let c = compare(&load(file)?, &run);
            print(&c, file, &run);
            Ok(exit(&c))
        }
        "write" => {
            let run = read_run(&results)?;
            let b = Baseline::from_run(&run);
            let knobs = if run.knobs.is_empty() {
                String::new()
            } else {
                format!(" with knobs {}", run.knobs)
            };
            let header = format!(
                "Expected verdicts of IUT {}{knobs}, suite {}, from run {} ({}).\n\
                 Written by `mip6lab baseline write`; compare a run with it by\n\
                 `mip6lab suite {} --baseline FILE` or `mip6lab baseline check`.",
                run.iut,
                run.suite,
                run.run_id,
                run.started_utc(),
                run.suite
            );
            std::fs::write(file, b.render(&header))
                .with_context(|| format!("cannot write {file}"))?;
            let flaky = run.count_flaky();
            if flaky > 0 {
                say(&format!(
                    "mip6lab: warning: {flaky} test(s) were flaky: the baseline expects their \
                     worst run's verdict (noted in a comment)"
                ));
            }
            let errors = run.count(Verdict::Error);
            if errors > 0 {
                say(&format!(
                    "mip6lab: warning: {errors} test(s) ERROR: the baseline now accepts a harness \
                     fault for them"
                ));
            }
            println!(
                "{file}: {} verdict(s) from {}",
                b.verdicts.len(),
                run.run_id
            );
            Ok(ExitCode::SUCCESS)
        }
        other => bail!("unknown baseline command `{other}`\n{USAGE}"),
    }
}
