//! `mip6lab interop`: every third-party implementation packaged as an IUT
//! (`containers/iut/interop.toml`) built, run through its suite with its PICS, compared with
//! its committed expected verdicts, then the interop matrix over all the runs.

use crate::{repo_root, say, Args};
use anyhow::{anyhow, bail, Context, Result};
use mip6lab_lab::Engine;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The manifest, relative to the repository root.
pub const MANIFEST: &str = "containers/iut/interop.toml";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    implementation: Vec<Implementation>,
}

/// One packaged implementation: `containers/iut/<name>/` is its image recipe.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Implementation {
    name: String,
    suite: String,
    pics: PathBuf,
    baseline: PathBuf,
    /// Files of `containers/iut/shared/` its recipe copies in (one copy of each helper).
    #[serde(default)]
    shared: Vec<String>,
}

fn load(root: &Path) -> Result<Manifest> {
    let path = root.join(MANIFEST);
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let m: Manifest = toml::from_str(&text).with_context(|| format!("{}", path.display()))?;
    for i in &m.implementation {
        let recipe = root.join("containers/iut").join(&i.name);
        if !recipe.join("Dockerfile").is_file() {
            bail!(
                "{MANIFEST}: `{}` has no {}/Dockerfile",
                i.name,
                recipe.display()
            );
        }
        for f in [&i.pics, &i.baseline] {
            if !root.join(f).is_file() {
                bail!(
                    "{MANIFEST}: `{}` names {}, which does not exist",
                    i.name,
                    f.display()
                );
            }
        }
        for s in &i.shared {
            if !root.join("containers/iut/shared").join(s).is_file() {
                bail!(
                    "{MANIFEST}: `{}` shares {s}, not in containers/iut/shared/",
                    i.name
                );
            }
        }
    }
    let mut names: Vec<&str> = m.implementation.iter().map(|i| i.name.as_str()).collect();
    names.sort_unstable();
    if let Some(w) = names.windows(2).find(|w| w[0] == w[1]) {
        bail!("{MANIFEST}: `{}` is listed twice", w[0]);
    }
    Ok(m)
}

pub fn cmd_interop(rest: &[String]) -> Result<ExitCode> {
    let a = Args::parse(rest, &["only", "out"], &["list", "write-baselines"])?;
    if let Some(p) = a.positional.first() {
        bail!("unexpected argument `{p}` (mip6lab interop [--only NAME]... [--out DIR] [--write-baselines])");
    }
    let root = repo_root()?;
    let manifest = load(&root)?;
    if a.has("list") {
        for i in &manifest.implementation {
            println!("{:<16} {:<11} {}", i.name, i.suite, i.pics.display());
        }
        return Ok(ExitCode::SUCCESS);
    }
    let only: Vec<&str> = a.values("only");
    if let Some(unknown) = only
        .iter()
        .find(|o| !manifest.implementation.iter().any(|i| i.name == **o))
    {
        bail!("--only {unknown}: not in {MANIFEST} (`mip6lab interop --list`)");
    }
    let chosen: Vec<&Implementation> = manifest
        .implementation
        .iter()
        .filter(|i| only.is_empty() || only.contains(&i.name.as_str()))
        .collect();
    let out = a
        .value("out")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("reports/interop"));
    let rt = tokio::runtime::Runtime::new()?;
    let engine = rt.block_on(Engine::connect())?;
    let mut runs = Vec::new();
    let mut regressions = Vec::new();
    for (k, i) in chosen.iter().enumerate() {
        say(&format!(
            "== interop [{}/{}] {} ({} suite) ==",
            k + 1,
            chosen.len(),
            i.name,
            i.suite
        ));
        let recipe = root.join("containers/iut").join(&i.name);
        let extra: Vec<(&str, Vec<u8>)> = i
            .shared
            .iter()
            .map(|s| {
                std::fs::read(root.join("containers/iut/shared").join(s))
                    .map(|d| (s.as_str(), d))
                    .with_context(|| format!("containers/iut/shared/{s}"))
            })
            .collect::<Result<_>>()?;
        let tag = rt
            .block_on(engine.ensure_image(&format!("iut-{}", i.name), &recipe, &extra))
            .with_context(|| format!("building the {} IUT image", i.name))?;
        let base = out.join(&i.name);
        let args: Vec<String> = [
            i.suite.as_str(),
            "--iut-image",
            &tag,
            "--pics",
            &root.join(&i.pics).to_string_lossy(),
            "--baseline",
            &root.join(&i.baseline).to_string_lossy(),
            "--out",
            &base.to_string_lossy(),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        // The suite's exit status is the baseline comparison's (0: as expected).
        let code = crate::cmd_suite(&args)?;
        if code != ExitCode::SUCCESS {
            regressions.push(i.name.clone());
        }
        let run = std::fs::canonicalize(base.join("latest"))
            .map_err(|e| anyhow!("{}: no run recorded ({e})", i.name))?;
        let run = run.to_string_lossy().into_owned();
        if a.has("write-baselines") {
            let baseline = root.join(&i.baseline).to_string_lossy().into_owned();
            crate::baseline_cmd::cmd_baseline(&["write".into(), run.clone(), baseline])?;
        }
        runs.push(run);
    }
    // The reference IUT's column of each suite, beside the implementations (not with --only).
    if only.is_empty() {
        let mut suites: Vec<&str> = chosen.iter().map(|i| i.suite.as_str()).collect();
        suites.sort_unstable();
        suites.dedup();
        for suite in suites {
            say(&format!("== interop: the reference IUT ({suite} suite) =="));
            let baseline = crate::suite_by_name(suite)?.reference_baseline_path(&root);
            let base = out.join(format!("reference-{suite}"));
            let args: Vec<String> = [
                suite,
                "--baseline",
                &baseline.to_string_lossy(),
                "--out",
                &base.to_string_lossy(),
            ]
            .iter()
            .map(|s| s.to_string())
            .collect();
            if crate::cmd_suite(&args)? != ExitCode::SUCCESS {
                regressions.push(format!("reference ({suite})"));
            }
            let run = std::fs::canonicalize(base.join("latest"))
                .map_err(|e| anyhow!("reference ({suite}): no run recorded ({e})"))?;
            runs.push(run.to_string_lossy().into_owned());
        }
    }
    let mut report_args = runs.clone();
    report_args.extend(["--out".to_string(), out.to_string_lossy().into_owned()]);
    crate::report_cmd::cmd_report(&report_args)?;
    say(&format!(
        "interop: {} implementation(s) run; matrix in {}",
        runs.len(),
        out.display()
    ));
    if a.has("write-baselines") {
        say("interop: baselines rewritten from these runs: review the diff before committing");
        return Ok(ExitCode::SUCCESS);
    }
    if regressions.is_empty() {
        say("interop: every implementation's verdicts match its baseline");
        Ok(ExitCode::SUCCESS)
    } else {
        say(&format!(
            "interop: verdicts differ from the baseline for: {}",
            regressions.join(", ")
        ));
        Ok(ExitCode::from(1))
    }
}

#[cfg(test)]
mod tests {
    /// The committed manifest names recipes, PICS and baselines that exist.
    #[test]
    fn the_manifest_is_consistent() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let m = super::load(&root).unwrap();
        assert!(!m.implementation.is_empty());
        for i in &m.implementation {
            assert!(
                mip6lab_registry::by_name(&i.suite).is_ok(),
                "{}: no suite `{}`",
                i.name,
                i.suite
            );
        }
    }
}
