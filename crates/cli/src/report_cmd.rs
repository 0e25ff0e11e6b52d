//! `mip6lab report`, and what a suite run writes besides results.json and junit.xml: the
//! HTML report, each test's evidence bundle (why.txt, MANIFEST.sha256), and the gate.

use crate::{say, Args};
use anyhow::{bail, Context, Result};
use mip6lab_capture::Transcript;
use mip6lab_report::html::{
    iut_label, relative_link, render_compare, render_html_at, render_interop,
};
use mip6lab_report::{bundle, catalog, ReqInfo, RunResult};
use mip6lab_suite::Suite;
use std::collections::{BTreeMap, BTreeSet};
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
    let html = render_html_at(run, cat.as_deref(), &transcripts, "");
    if let Err(e) = std::fs::write(run_dir.join("index.html"), html) {
        say(&format!("mip6lab: warning: index.html not written: {e}"));
    }
}

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

/// `mip6lab report <results.json>... [--out DIR]`.
pub fn cmd_report(rest: &[String]) -> Result<ExitCode> {
    let a = Args::parse(rest, &["out"], &[])?;
    if a.positional.is_empty() {
        bail!("usage: mip6lab report RESULTS.json... [--out DIR]");
    }
    let mut runs: Vec<(RunResult, PathBuf)> = Vec::new();
    for p in &a.positional {
        let mut path = PathBuf::from(p);
        if path.is_dir() {
            path = path.join("results.json");
        }
        let run = read_run(&path)?;
        let dir = abs(path.parent().unwrap_or(Path::new(".")))?;
        runs.push((run, dir));
    }
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
        let base = relative_link(&page_dir, dir);
        let base = if base.is_empty() {
            base
        } else {
            format!("{base}/")
        };
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
        let link = |p: &Path| {
            relative_link(&out_dir, p.parent().unwrap_or(Path::new("/"))) + "/index.html"
        };
        if runs.len() == 2 {
            let page = out_dir.join("compare.html");
            std::fs::write(
                &page,
                render_compare(&runs[0].0, &runs[1].0, &link(&pages[0]), &link(&pages[1])),
            )
            .with_context(|| format!("cannot write {}", page.display()))?;
            println!("{}", page.display());
        }
        let iuts: BTreeSet<String> = runs.iter().map(|(r, _)| iut_label(r)).collect();
        if iuts.len() > 1 {
            let list: Vec<(&RunResult, String)> = runs
                .iter()
                .zip(&pages)
                .map(|((r, _), p)| (r, link(p)))
                .collect();
            let page = out_dir.join("interop.html");
            std::fs::write(&page, render_interop(&list))
                .with_context(|| format!("cannot write {}", page.display()))?;
            println!("{}", page.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}
