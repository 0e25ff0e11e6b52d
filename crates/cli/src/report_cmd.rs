//! `mip6lab report`, and what a suite run writes besides results.json and junit.xml: the
//! HTML report, each test's evidence bundle (why.txt, MANIFEST.sha256), and the gate.

use crate::{say, Args};
use anyhow::{anyhow, bail, Context, Result};
use mip6lab_capture::Transcript;
use mip6lab_report::html::{relative_link, render_compare, render_html_at};
use mip6lab_report::interop::{render_interop, render_interop_json, InteropRun, Matrix};
use mip6lab_report::{bundle, catalog, junit, ReqInfo, RunResult};
use mip6lab_suite::{IutRole, Suite};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The requirement catalogs of these suites, each file once (None when there are none).
pub fn load_catalog(root: &Path, suites: &[&Suite]) -> Option<Vec<ReqInfo>> {
    let mut paths: Vec<PathBuf> = Vec::new();
    for s in suites {
        for p in s.catalog_paths(root) {
            if !paths.contains(&p) {
                paths.push(p);
            }
        }
    }
    let (cat, errors) = catalog::load_files(&paths);
    for e in errors {
        say(&format!(
            "mip6lab: warning: requirement catalog skipped: {e}"
        ));
    }
    cat
}

/// The transcripts of a run's tests, read from their `transcript.json` (missing ones are
/// left out: a test that errored before its capture has none).
pub fn load_transcripts(run: &RunResult, run_dir: &Path) -> BTreeMap<String, Transcript> {
    let mut out = BTreeMap::new();
    for r in &run.results {
        let path = r
            .artifacts
            .iter()
            .find(|a| a.file_name().is_some_and(|n| n == "transcript.json"))
            .map(|a| run_dir.join(a))
            .unwrap_or_else(|| run_dir.join(&r.id).join("transcript.json"));
        if let Ok(text) = std::fs::read_to_string(&path) {
            match serde_json::from_str(&text) {
                Ok(t) => {
                    out.insert(r.id.clone(), t);
                }
                Err(e) => say(&format!(
                    "mip6lab: warning: {}: not a transcript: {e}",
                    path.display()
                )),
            }
        }
    }
    out
}

/// After a suite run, before results.json is written: fills in requirement levels from the
/// catalog, writes each test's why.txt and MANIFEST.sha256 (the test directories are
/// complete by now) and lists them among the test's artifacts, then writes index.html. A
/// failure here is reported and does not hide the run's results.
pub fn finish_suite(run: &mut RunResult, run_dir: &Path, root: &Path, suite: &Suite) {
    let cat = load_catalog(root, &[suite]);
    if let Some(c) = &cat {
        run.apply_levels(c);
    }
    let transcripts = load_transcripts(run, run_dir);
    for r in &mut run.results {
        let dir = run_dir.join(&r.id);
        match bundle::write_bundle(&dir, r, transcripts.get(&r.id), cat.as_deref()) {
            Ok(()) => {
                for f in [bundle::WHY, bundle::MANIFEST] {
                    let p = PathBuf::from(&r.id).join(f);
                    if !r.artifacts.contains(&p) {
                        r.artifacts.push(p);
                    }
                }
            }
            Err(e) => say(&format!(
                "mip6lab: warning: evidence bundle of {} not written: {e}",
                r.id
            )),
        }
    }
    if let Err(e) = write_index(run, run_dir, cat.as_deref(), &transcripts) {
        say(&format!("mip6lab: warning: index.html not written: {e}"));
    }
}

/// The run's HTML report, next to its results.json.
fn write_index(
    run: &RunResult,
    run_dir: &Path,
    cat: Option<&[ReqInfo]>,
    transcripts: &BTreeMap<String, Transcript>,
) -> std::io::Result<()> {
    let html = render_html_at(run, cat, transcripts, "");
    std::fs::write(run_dir.join("index.html"), html)
}

/// A run's results.json and junit.xml, in its directory.
pub fn write_run_files(run: &RunResult, run_dir: &Path) -> Result<()> {
    std::fs::write(
        run_dir.join("results.json"),
        serde_json::to_string_pretty(run)?,
    )?;
    std::fs::write(run_dir.join(JUNIT), junit::render(run))?;
    Ok(())
}

/// The files a run writes next to its test directories (the rest of a run directory is
/// evidence).
const RUN_FILES: [&str; 4] = ["results.json", JUNIT, "index.html", "baseline.json"];
const JUNIT: &str = "junit.xml";

/// The exit status of a suite: 0 when the gate passes (no test with a gating requirement
/// failed, nothing errored; see `TestResult::advisory`), else 1.
pub fn gate_exit(run: &RunResult) -> ExitCode {
    if run.gate_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

pub fn read_run(path: &Path) -> Result<RunResult> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let run: RunResult = serde_json::from_str(&text)
        .with_context(|| format!("{}: not a mip6lab results.json", path.display()))?;
    if run.schema_version > RunResult::SCHEMA_VERSION {
        say(&format!(
            "mip6lab: warning: {} has schema {}, newer than this mip6lab reads ({})",
            path.display(),
            run.schema_version,
            RunResult::SCHEMA_VERSION
        ));
    }
    Ok(run)
}

fn abs(p: &Path) -> Result<PathBuf> {
    p.canonicalize()
        .with_context(|| format!("cannot resolve {}", p.display()))
}

/// Runs given as results.json files or their directories, with their directories.
fn read_runs(args: &[&str]) -> Result<Vec<(RunResult, PathBuf)>> {
    let mut runs = Vec::new();
    for p in args {
        let mut path = PathBuf::from(p);
        if path.is_dir() {
            path = path.join("results.json");
        }
        let run = read_run(&path)?;
        let dir = abs(path.parent().unwrap_or(Path::new(".")))?;
        runs.push((run, dir));
    }
    Ok(runs)
}

/// `mip6lab report <results.json>... [--out DIR]`, or `mip6lab report --merge OUT_DIR
/// <shard>... [--allow-missing]`.
pub fn cmd_report(rest: &[String]) -> Result<ExitCode> {
    let a = Args::parse(rest, &["out", "merge"], &["allow-missing"])?;
    if let Some(out) = a.value("merge") {
        if a.has("out") {
            bail!("--merge OUT_DIR is where the merged run goes: leave out --out");
        }
        return cmd_merge(Path::new(out), &a.positional, a.has("allow-missing"));
    }
    if a.has("allow-missing") {
        bail!("--allow-missing goes with --merge");
    }
    if a.positional.is_empty() {
        bail!("usage: mip6lab report RESULTS.json... [--out DIR]");
    }
    let mut runs = read_runs(&a.positional)?;
    let out = match a.value("out") {
        Some(o) => {
            std::fs::create_dir_all(o).with_context(|| format!("cannot create {o}"))?;
            Some(abs(Path::new(o))?)
        }
        None => None,
    };
    let root = crate::repo_root().ok();
    let several = runs.len() > 1;
    let mut pages: Vec<PathBuf> = Vec::new();
    for (run, dir) in &mut runs {
        // The run's own suite's catalogs; a suite this mip6lab does not know: all of them.
        let suites = match mip6lab_registry::by_name(&run.suite) {
            Ok(s) => vec![s],
            Err(_) => mip6lab_registry::SUITES.to_vec(),
        };
        let cat = root.as_deref().and_then(|r| load_catalog(r, &suites));
        if let Some(c) = &cat {
            run.apply_levels(c);
        }
        // One run: DIR/index.html; several: DIR/<run-id>/index.html; no --out: next to
        // results.json.
        let page_dir = match &out {
            Some(o) if several => o.join(&run.run_id),
            Some(o) => o.clone(),
            None => dir.clone(),
        };
        std::fs::create_dir_all(&page_dir)?;
        let page_dir = abs(&page_dir)?;
        let base = dir_link(&page_dir, dir);
        let transcripts = load_transcripts(run, dir);
        let page = page_dir.join("index.html");
        std::fs::write(
            &page,
            render_html_at(run, cat.as_deref(), &transcripts, &base),
        )
        .with_context(|| format!("cannot write {}", page.display()))?;
        println!("{}", page.display());
        pages.push(page);
    }
    if several {
        let out_dir = match &out {
            Some(o) => o.clone(),
            None => abs(Path::new("."))?,
        };
        let link =
            |p: &Path| dir_link(&out_dir, p.parent().unwrap_or(Path::new("/"))) + "index.html";
        if runs.len() == 2 {
            let page = out_dir.join("compare.html");
            std::fs::write(
                &page,
                render_compare(&runs[0].0, &runs[1].0, &link(&pages[0]), &link(&pages[1])),
            )
            .with_context(|| format!("cannot write {}", page.display()))?;
            println!("{}", page.display());
        }
        let list: Vec<InteropRun> = runs
            .iter()
            .zip(&pages)
            .map(|((run, dir), page)| InteropRun {
                run,
                page: link(page),
                run_dir: dir_link(&out_dir, dir),
                roles: test_roles(&run.suite),
            })
            .collect();
        let matrix = Matrix::build(&list);
        // Several implementations, or one in several roles.
        if matrix.columns.len() > 1 {
            for (name, text) in [
                ("interop.html", render_interop(&matrix)),
                ("interop.json", render_interop_json(&matrix)),
            ] {
                let page = out_dir.join(name);
                std::fs::write(&page, text)
                    .with_context(|| format!("cannot write {}", page.display()))?;
                println!("{}", page.display());
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The path from directory `from` to directory `to` as a link prefix: empty, or ending in `/`.
fn dir_link(from: &Path, to: &Path) -> String {
    match relative_link(from, to) {
        l if l.is_empty() => l,
        l => format!("{l}/"),
    }
}

/// Test ID → the IUT role it puts under test, from the suite's definition (empty for a
/// suite this mip6lab does not know: the matrix then calls its roles unknown).
fn test_roles(suite: &str) -> BTreeMap<String, IutRole> {
    mip6lab_registry::by_name(suite)
        .map(|s| {
            s.tests()
                .iter()
                .map(|t| (t.id.to_string(), t.iut_role()))
                .collect()
        })
        .unwrap_or_default()
}

/// `mip6lab report --merge OUT_DIR <shard>...`: the shards checked to be one run, merged in
/// the suite's order, written as one run directory. Each shard's test directories are copied
/// into OUT_DIR, not linked: the links of index.html and the artifacts of results.json stay
/// relative to OUT_DIR as in any run, and OUT_DIR stands alone once the shards' artifacts are
/// gone (CI artifacts expire, and symlinks do not survive every artifact store).
fn cmd_merge(out: &Path, shard_args: &[&str], allow_missing: bool) -> Result<ExitCode> {
    if shard_args.is_empty() {
        bail!("usage: mip6lab report --merge OUT_DIR SHARD-RUN-DIR... [--allow-missing]");
    }
    let (shards, dirs): (Vec<RunResult>, Vec<PathBuf>) = read_runs(shard_args)?.into_iter().unzip();
    let suite = mip6lab_registry::by_name(&shards[0].suite)
        .map_err(|e| anyhow!("{e}: the merge needs the suite's test order"))?;
    let order: Vec<&str> = suite.tests().iter().map(|t| t.id).collect();
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let out = abs(out)?;
    if let Some(d) = dirs.iter().find(|d| out.starts_with(d)) {
        bail!(
            "OUT_DIR {} is inside shard {}: merge elsewhere",
            out.display(),
            d.display()
        );
    }
    if std::fs::read_dir(&out)?.next().is_some() {
        bail!("{} is not empty: merge into a new directory", out.display());
    }
    let run_id = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "merged".into());
    // Checked before anything is written: a refused merge leaves OUT_DIR empty.
    let mut run = mip6lab_report::shard::merge(shards, &order, &run_id, allow_missing)
        .map_err(|e| anyhow!(e))?;
    for dir in &dirs {
        copy_evidence(dir, &out)?;
    }
    let root = crate::repo_root().ok();
    let cat = root.as_deref().and_then(|r| load_catalog(r, &[suite]));
    if let Some(c) = &cat {
        run.apply_levels(c);
    }
    let transcripts = load_transcripts(&run, &out);
    write_index(&run, &out, cat.as_deref(), &transcripts)
        .with_context(|| format!("cannot write {}/index.html", out.display()))?;
    write_run_files(&run, &out)?;
    if let Some(m) = &run.merged {
        say(&format!("mip6lab: merged {}", m.describe()));
    }
    println!("{}", run.summary_table());
    println!("results: {}", out.display());
    print!("{}", run.closing_lines());
    Ok(gate_exit(&run))
}

/// A shard's evidence (every directory of its run directory) copied into the merged run's.
fn copy_evidence(shard_dir: &Path, out: &Path) -> Result<()> {
    for entry in std::fs::read_dir(shard_dir)? {
        let entry = entry?;
        let name = entry.file_name();
        if RUN_FILES.iter().any(|f| name == *f) || !entry.file_type()?.is_dir() {
            continue;
        }
        let dst = out.join(&name);
        if dst.exists() {
            bail!(
                "{} is in two shards (the second: {}): not one run",
                name.to_string_lossy(),
                shard_dir.display()
            );
        }
        copy_tree(&entry.path(), &dst)?;
    }
    Ok(())
}

/// A directory copied; symbolic links are copied as links (evidence links point within it).
fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to).with_context(|| format!("cannot create {}", to.display()))?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        let kind = entry.file_type()?;
        if kind.is_dir() {
            copy_tree(&src, &dst)?;
        } else if kind.is_symlink() {
            #[cfg(unix)]
            std::os::unix::fs::symlink(std::fs::read_link(&src)?, &dst)
                .with_context(|| format!("cannot link {}", dst.display()))?;
        } else {
            std::fs::copy(&src, &dst)
                .with_context(|| format!("cannot copy {} to {}", src.display(), dst.display()))?;
        }
    }
    Ok(())
}
