//! A suite as a value: its name, the requirement catalogs its tests cite, the list of
//! requirements it does not cover yet, the reference IUT's expected verdicts and its tests.
//! Each suite crate under `suites/` exports one [`Suite`]; the registry (`crates/registry`)
//! lists them, and the command line, the reports, the baselines and the traceability checks
//! find a suite there and nowhere else.

use crate::requirements::{parse_pending, trace, Catalog, Trace};
use crate::TestPurpose;
use anyhow::Context;
use std::path::{Path, PathBuf};

/// Requirement catalogs and pending lists live here, under the repository root.
pub const REQUIREMENTS_DIR: &str = "fixtures/requirements";
/// Expected-verdict baselines live here, under the repository root.
pub const BASELINES_DIR: &str = "fixtures/baselines";

pub struct Suite {
    /// What `mip6lab suite <name>` calls it; also the `suite` of its results.
    pub name: &'static str,
    pub title: &'static str,
    /// The requirement catalogs its tests cite: file names under `fixtures/requirements/`.
    pub catalogs: &'static [&'static str],
    /// The catalogs' `wire` requirements no test covers yet: a file under
    /// `fixtures/requirements/`, one ID per line.
    pub pending: &'static str,
    /// The reference IUT's expected verdicts: a file under `fixtures/baselines/`.
    pub reference_baseline: &'static str,
    /// Its test purposes, in run order.
    pub tests: fn() -> Vec<TestPurpose>,
}

impl Suite {
    /// The test purposes in run order.
    pub fn tests(&self) -> Vec<TestPurpose> {
        (self.tests)()
    }

    /// The topologies its tests run in, each once, in the order tests first use them.
    pub fn topologies(&self) -> Vec<&'static str> {
        let mut out: Vec<&'static str> = Vec::new();
        for tp in self.tests() {
            if !out.contains(&tp.topology) {
                out.push(tp.topology);
            }
        }
        out
    }

    pub fn catalog_paths(&self, root: &Path) -> Vec<PathBuf> {
        self.catalogs
            .iter()
            .map(|c| root.join(REQUIREMENTS_DIR).join(c))
            .collect()
    }

    pub fn pending_path(&self, root: &Path) -> PathBuf {
        root.join(REQUIREMENTS_DIR).join(self.pending)
    }

    pub fn reference_baseline_path(&self, root: &Path) -> PathBuf {
        root.join(BASELINES_DIR).join(self.reference_baseline)
    }

    /// Its catalogs, read and validated as one.
    pub fn catalog(&self, root: &Path) -> anyhow::Result<Catalog> {
        Catalog::load_all(&self.catalog_paths(root))
    }

    /// Traceability: every cited ID is in the catalogs, every test cites one, and the
    /// uncovered `wire` requirements are exactly the pending list. The text describes the
    /// coverage; the error says what is out of date.
    pub fn check_traceability(&self, root: &Path) -> anyhow::Result<String> {
        let catalog = self.catalog(root)?;
        let tests = self.tests();
        let cited: Vec<(&str, &[&str])> = tests.iter().map(|t| (t.id, t.requirements)).collect();
        let t: Trace = trace(&catalog, &cited);
        let mut problems = Vec::new();
        for u in &t.unknown {
            problems.push(format!(
                "{} cites {}, which no catalog holds",
                u.test, u.requirement
            ));
        }
        for id in &t.tests_citing_nothing {
            problems.push(format!("{id} cites no requirement"));
        }
        let path = self.pending_path(root);
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        let pending = parse_pending(&text);
        let check = t.check_pending(&catalog, &pending);
        if !check.is_ok() {
            problems.push(format!("{} is out of date:\n{check}", path.display()));
        }
        if !problems.is_empty() {
            anyhow::bail!("suite {}: {}", self.name, problems.join("\n"));
        }
        let mut out = format!(
            "suite {}: catalog: {}\ncoverage: {}\n",
            self.name,
            catalog.summary(),
            t.coverage
        );
        for (req, by) in &t.covered_by {
            out.push_str(&format!("  {req} <- {}\n", by.join(", ")));
        }
        out.push_str(&format!(
            "pending wire requirements: {} (listed in {})\n",
            pending.len(),
            path.display()
        ));
        Ok(out)
    }
}
