//! `mip6lab bench-suite`: a suite with one lab at a time and with the default number of
//! labs, side by side in one command: wall times and their ratio, the harness's peak memory,
//! the slowest tests and where the labs' time goes. A measurement, not a test: it asserts
//! nothing about the times.

use crate::report_cmd::read_run;
use anyhow::{bail, Context, Result};
use mip6lab_report::RunResult;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// One measured run of the suite.
struct Measured {
    label: String,
    jobs: usize,
    wall: Duration,
    /// Peak resident memory of the `mip6lab suite` process, in MiB.
    peak_mib: f64,
    run: RunResult,
    /// The run built an image (its time is not a warm run's).
    built_images: bool,
}

pub fn cmd_bench_suite(rest: &[String]) -> Result<ExitCode> {
    let a = crate::Args::parse(rest, &["jobs", "out"], &[])?;
    let name = *a
        .positional
        .first()
        .ok_or_else(|| anyhow::anyhow!("which suite? e.g. `mip6lab bench-suite split`"))?;
    crate::suite_by_name(name)?;
    let jobs = match a.value("jobs") {
        Some(n) => n
            .parse::<usize>()
            .ok()
            .filter(|n| *n >= 1)
            .with_context(|| format!("--jobs {n}: a number of labs, at least 1"))?,
        None => mip6lab_lab::slots::default_jobs(),
    };
    let out = match a.value("out") {
        Some(o) => PathBuf::from(o),
        None => crate::repo_root()?
            .join("reports")
            .join(format!("bench-{}", crate::utc_stamp())),
    };
    std::fs::create_dir_all(&out).with_context(|| format!("cannot create {}", out.display()))?;
    let exe = std::env::current_exe()?;
    let mut runs = Vec::new();
    for (label, j) in [("--jobs 1", 1), ("default", jobs)] {
        eprintln!("bench: suite {name} with {j} lab(s) at once ({label}) …");
        runs.push(measure(
            &exe,
            name,
            label,
            j,
            &out.join(format!("jobs-{j}")),
        )?);
    }
    print!("{}", render(name, &runs));
    println!("runs: {}", out.display());
    Ok(ExitCode::SUCCESS)
}

fn measure(exe: &Path, suite: &str, label: &str, jobs: usize, dir: &Path) -> Result<Measured> {
    std::fs::create_dir_all(dir)?;
    let log = dir.join("suite.log");
    let log_file = std::fs::File::create(&log)?;
    let started = Instant::now();
    let child = std::process::Command::new(exe)
        .args(["suite", suite, "--jobs", &jobs.to_string(), "--out"])
        .arg(dir)
        .stdout(log_file.try_clone()?)
        .stderr(log_file)
        .spawn()
        .with_context(|| format!("cannot run {}", exe.display()))?;
    let (status, maxrss_kib) = wait_with_rusage(child.id())?;
    let wall = started.elapsed();
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    // Exit 1 is a gate verdict (a run that finished); anything else is a run that broke.
    if !matches!(status, 0 | 1) {
        bail!(
            "suite run with --jobs {jobs} ended with status {status}; see {}",
            log.display()
        );
    }
    let run = read_run(&dir.join("latest").join("results.json"))?;
    Ok(Measured {
        label: label.to_string(),
        jobs,
        wall,
        peak_mib: maxrss_kib as f64 / 1024.0,
        run,
        built_images: text.contains("building image"),
    })
}

/// Waits for `pid` and returns its exit status (128+signal if killed) and peak RSS in KiB.
fn wait_with_rusage(pid: u32) -> Result<(i32, i64)> {
    let mut status = 0;
    // SAFETY: wait4 on our own child with owned out-parameters.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::wait4(pid as i32, &mut status, 0, &mut usage) };
    if r < 0 {
        bail!(
            "waiting for the suite run: {}",
            std::io::Error::last_os_error()
        );
    }
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        128 + libc::WTERMSIG(status)
    };
    Ok((code, usage.ru_maxrss))
}

const STAGES: [&str; 5] = ["lab_up", "iut_start", "observation", "teardown", "decode"];

fn render(suite: &str, runs: &[Measured]) -> String {
    let mut s = format!("\nbench-suite {suite}\n");
    s.push_str(&format!(
        "{:<10} {:>5} {:>9} {:>10} {:>7}  verdicts\n",
        "run", "labs", "wall (s)", "peak MiB", "tests"
    ));
    for m in runs {
        s.push_str(&format!(
            "{:<10} {:>5} {:>9.1} {:>10.0} {:>7}  {}{}\n",
            m.label,
            m.jobs,
            m.wall.as_secs_f64(),
            m.peak_mib,
            m.run.results.len(),
            m.run.closing_lines().lines().last().unwrap_or_default(),
            if m.built_images {
                "  (built images: not a warm run)"
            } else {
                ""
            }
        ));
    }
    if let [one, many] = runs {
        s.push_str(&format!(
            "ratio default/--jobs 1: {:.2}\n",
            many.wall.as_secs_f64() / one.wall.as_secs_f64().max(0.001)
        ));
    }
    for m in runs {
        s.push_str(&format!(
            "\nwhere the labs' time goes ({}, {} lab run(s)), seconds summed over labs:\n",
            m.label,
            m.run
                .results
                .iter()
                .filter(|r| !r.stages_ms.is_empty())
                .count()
        ));
        let totals = stage_totals(&m.run);
        for st in STAGES {
            s.push_str(&format!(
                "  {st:<12} {:>8.1}\n",
                *totals.get(st).unwrap_or(&0) as f64 / 1000.0
            ));
        }
    }
    if let Some(m) = runs.last() {
        let mut slow: Vec<_> = m.run.results.iter().collect();
        slow.sort_by_key(|r| std::cmp::Reverse(r.duration_ms));
        s.push_str(&format!("\nslowest tests ({}):\n", m.label));
        for r in slow.iter().take(8) {
            let stages: Vec<String> = STAGES
                .iter()
                .filter_map(|st| {
                    let ms = r.stages_ms.get(*st)?;
                    Some(format!("{st} {:.1}", *ms as f64 / 1000.0))
                })
                .collect();
            s.push_str(&format!(
                "  {:>6.1}s  {}  [{}]\n",
                r.duration_ms as f64 / 1000.0,
                r.id,
                stages.join(", ")
            ));
        }
    }
    s
}

fn stage_totals(run: &RunResult) -> BTreeMap<&'static str, u64> {
    let mut t = BTreeMap::new();
    for r in &run.results {
        for st in STAGES {
            *t.entry(st).or_insert(0) += r.stages_ms.get(st).copied().unwrap_or(0);
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use mip6lab_report::{Outcome, TestResult};

    fn run_with(stages: &[(&str, u64)]) -> RunResult {
        RunResult {
            results: vec![TestResult {
                id: "T1".into(),
                outcome: Outcome::pass("ok"),
                duration_ms: 2500,
                stages_ms: stages.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
                ..TestResult::default()
            }],
            ..RunResult::default()
        }
    }

    #[test]
    fn the_table_gives_ratio_stages_and_slowest_tests() {
        let m = |label: &str, jobs, secs| Measured {
            label: label.into(),
            jobs,
            wall: Duration::from_secs(secs),
            peak_mib: 100.0,
            run: run_with(&[("lab_up", 1500), ("decode", 250)]),
            built_images: false,
        };
        let text = render("split", &[m("--jobs 1", 1, 100), m("default", 4, 40)]);
        assert!(text.contains("ratio default/--jobs 1: 0.40"), "{text}");
        assert!(text.contains("lab_up            1.5"), "{text}");
        assert!(
            text.contains("2.5s  T1  [lab_up 1.5, decode 0.2]"),
            "{text}"
        );
    }
}
