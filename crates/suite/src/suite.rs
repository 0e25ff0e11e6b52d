//! A suite as a value: its name, the requirement catalogs its tests cite, the list of
//! requirements it does not cover yet, the reference IUT's expected verdicts and its tests.
//! Each suite crate under `suites/` exports one [`Suite`]; the registry (`crates/registry`)
//! lists them, and the command line, the reports, the baselines and the traceability checks
//! find a suite there and nowhere else.

use crate::requirements::{parse_pending, trace, Catalog, Trace};
use crate::{Registration, Scenario, TestPurpose};
use anyhow::Context;
use mip6lab_lab::Topology;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Requirement catalogs and pending lists live here, under the repository root.
pub const REQUIREMENTS_DIR: &str = "fixtures/requirements";
/// Topologies live here, under the repository root.
pub const TOPOLOGIES_DIR: &str = "fixtures/topologies";
/// Expected-verdict baselines live here, under the repository root.
pub const BASELINES_DIR: &str = "fixtures/baselines";

pub struct Suite {
    /// What `mip6lab suite <name>` calls it; also the `suite` of its results.
    pub name: &'static str,
    pub title: &'static str,
    /// Every test purpose of the suite belongs to this scenario.
    pub scenario: Scenario,
    /// The requirement catalogs its tests cite: file names under `fixtures/requirements/`.
    pub catalogs: &'static [&'static str],
    /// The catalogs' `wire` requirements no test covers yet: a file under
    /// `fixtures/requirements/`, one ID per line.
    pub pending: &'static str,
    /// The reference IUT's expected verdicts: a file under `fixtures/baselines/`.
    pub reference_baseline: &'static str,
    /// The suite crate's module path (`module_path!()` in its lib.rs): its test purposes are
    /// the `#[test_purpose]` functions under it.
    pub crate_path: &'static str,
    /// Its modules (below `crate_path`) in run order, declared once: tests run module by
    /// module, each module's in the order they are written. The order keeps tests on the same
    /// peers together, so a lab stays warm between them.
    pub modules: &'static [&'static str],
}

impl Suite {
    /// The test purposes in run order: by module as [`Suite::modules`] lists them (a module
    /// it does not list goes last, and [`Suite::check`] reports it), then by line.
    pub fn tests(&self) -> Vec<TestPurpose> {
        let mut found: Vec<&Registration> = self.registrations().collect();
        found.sort_by_key(|r| (self.module_rank(r.module), r.module, r.line));
        found.into_iter().map(|r| (r.build)()).collect()
    }

    /// The test purposes of one module (its `module_path!()`), in run order.
    pub fn tests_in(&self, module: &str) -> Vec<TestPurpose> {
        let mut found: Vec<&Registration> = self
            .registrations()
            .filter(|r| r.module == module)
            .collect();
        found.sort_by_key(|r| r.line);
        found.into_iter().map(|r| (r.build)()).collect()
    }

    fn registrations(&self) -> impl Iterator<Item = &'static Registration> + '_ {
        inventory::iter::<Registration>.into_iter().filter(|r| {
            r.module == self.crate_path
                || r.module
                    .strip_prefix(self.crate_path)
                    .is_some_and(|rest| rest.starts_with("::"))
        })
    }

    /// The module's position in [`Suite::modules`] (by its first segment below the crate).
    fn module_rank(&self, module: &str) -> usize {
        let below = module
            .strip_prefix(self.crate_path)
            .and_then(|m| m.strip_prefix("::"))
            .unwrap_or("");
        let first = below.split("::").next().unwrap_or("");
        self.modules
            .iter()
            .position(|m| *m == first)
            .unwrap_or(self.modules.len())
    }

    /// What is wrong with the suite's declaration: test IDs used twice, modules with test
    /// purposes that [`Suite::modules`] does not list (or listed ones without any), test
    /// purposes of another scenario.
    pub fn check(&self) -> Result<(), String> {
        let mut problems = Vec::new();
        let tests = self.tests();
        let mut ids = BTreeSet::new();
        for tp in &tests {
            if !ids.insert(tp.id) {
                problems.push(format!("{} is declared twice", tp.id));
            }
        }
        let mut used = BTreeSet::new();
        for r in self.registrations() {
            let rank = self.module_rank(r.module);
            if rank == self.modules.len() {
                problems.push(format!(
                    "module {} has test purposes but is not in the suite's `modules`",
                    r.module
                ));
            }
            used.insert(rank);
        }
        for (i, m) in self.modules.iter().enumerate() {
            if !used.contains(&i) {
                problems.push(format!("module {m} is listed but has no test purpose"));
            }
        }
        for tp in &tests {
            if tp.scenario() != self.scenario {
                problems.push(format!(
                    "{} is a {:?} test purpose in a {:?} suite",
                    tp.id,
                    tp.scenario(),
                    self.scenario
                ));
            }
        }
        if tests.is_empty() {
            problems.push("no test purpose is registered".into());
        }
        problems.dedup();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(format!("suite {}: {}", self.name, problems.join("; ")))
        }
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

    /// Each test's topology exists, has an `iut` node, and that node's role is the IUT role
    /// the test declares (`HA1` for [`IutRole::Ha`](crate::IutRole), `MN` for `Mn`: the
    /// role's token in capitals, an index allowed after it; `DHCP` for `DhcpServer`).
    pub fn check_topologies(&self, root: &Path) -> Result<(), String> {
        let mut problems = Vec::new();
        for tp in self.tests() {
            let path = root
                .join(TOPOLOGIES_DIR)
                .join(format!("{}.toml", tp.topology));
            let topology = match Topology::load(&path) {
                Ok(t) => t,
                Err(e) => {
                    problems.push(format!("{}: {e:#}", tp.id));
                    continue;
                }
            };
            let Some(iut) = topology.iut() else {
                problems.push(format!(
                    "{}: topology {} has no iut node",
                    tp.id, tp.topology
                ));
                continue;
            };
            // The DHCPv6 server's node is `DHCP`, as Kea's is where the harness runs it.
            let want = match tp.iut_role() {
                crate::IutRole::DhcpServer => "DHCP".to_string(),
                other => other.token().to_ascii_uppercase(),
            };
            let role = iut.role.trim_end_matches(|c: char| c.is_ascii_digit());
            if role != want {
                problems.push(format!(
                    "{} declares an IUT role {} but topology {} puts its IUT in role {}",
                    tp.id,
                    tp.iut_role(),
                    tp.topology,
                    iut.role
                ));
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(format!("suite {}: {}", self.name, problems.join("\n")))
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{IutRole, Observation, Outcome, TestBed};

    fn judge(_: &Observation) -> Outcome {
        Outcome::pass("ok")
    }

    const BED: TestBed = TestBed::new(Scenario::Split, IutRole::Ha, "t");

    // Declared out of run order on purpose: the suite's `modules` decides, then the line.
    mod later {
        use super::*;

        #[crate::test_purpose]
        fn second() -> TestPurpose {
            TestPurpose::new(BED, "TP-L-2", "second of later", &["R"], judge)
        }

        #[crate::test_purpose]
        fn first() -> TestPurpose {
            TestPurpose::new(
                BED,
                "TP-L-1",
                "first of later? no: declared second",
                &["R"],
                judge,
            )
        }
    }

    mod sooner {
        use super::*;

        #[crate::test_purpose]
        fn only() -> TestPurpose {
            TestPurpose::new(BED, "TP-S-1", "only of sooner", &["R"], judge)
        }
    }

    mod stray {
        use super::*;

        #[crate::test_purpose]
        fn twice() -> TestPurpose {
            TestPurpose::new(BED, "TP-S-1", "same ID as sooner's", &["R"], judge)
                .expect_from_reference(crate::Verdict::Fail)
        }
    }

    fn suite(modules: &'static [&'static str]) -> Suite {
        Suite {
            name: "unit",
            title: "unit",
            scenario: Scenario::Split,
            catalogs: &[],
            pending: "none.txt",
            reference_baseline: "none.toml",
            crate_path: module_path!(),
            modules,
        }
    }

    #[test]
    fn tests_run_in_module_order_then_declaration_order() {
        let s = suite(&["sooner", "later", "stray"]);
        let ids: Vec<&str> = s.tests().iter().map(|t| t.id).collect();
        assert_eq!(ids, ["TP-S-1", "TP-L-2", "TP-L-1", "TP-S-1"]);
        let later: Vec<&str> = s
            .tests_in(&format!("{}::later", module_path!()))
            .iter()
            .map(|t| t.id)
            .collect();
        assert_eq!(later, ["TP-L-2", "TP-L-1"]);
        assert_eq!(s.tests()[3].reference_verdict(), crate::Verdict::Fail);
        assert_eq!(s.tests()[0].reference_verdict(), crate::Verdict::Pass);
        assert_eq!(s.tests()[0].iut_role(), IutRole::Ha);
        assert_eq!(s.topologies(), ["t"]);
    }

    #[test]
    fn check_names_duplicates_unlisted_and_empty_modules() {
        let e = suite(&["sooner", "later", "stray"]).check().unwrap_err();
        assert!(e.contains("TP-S-1 is declared twice"), "{e}");
        let e = suite(&["later", "nothing_here"]).check().unwrap_err();
        assert!(
            e.contains("::sooner has test purposes but is not in"),
            "{e}"
        );
        assert!(
            e.contains("module nothing_here is listed but has no test purpose"),
            "{e}"
        );
        // Unlisted modules still run, after the listed ones.
        let ids: Vec<&str> = suite(&["later"]).tests().iter().map(|t| t.id).collect();
        assert_eq!(ids[..2], ["TP-L-2", "TP-L-1"]);
        assert_eq!(ids.len(), 4);
    }

    #[test]
    fn a_declared_role_other_than_the_topologys_is_reported() {
        let root = std::env::temp_dir().join(format!("mip6lab-suite-{}", std::process::id()));
        std::fs::create_dir_all(root.join(TOPOLOGIES_DIR)).unwrap();
        // The repository's own topologies: one with an HA under test, one with an MN.
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(TOPOLOGIES_DIR);
        let topo = |name: &str| std::fs::read_to_string(fixtures.join(name)).unwrap();
        let path = root.join(TOPOLOGIES_DIR).join("t.toml");
        std::fs::write(&path, topo("split-ha-iut.toml")).unwrap();
        let s = suite(&["sooner", "later", "stray"]);
        assert_eq!(s.check_topologies(&root), Ok(()));
        std::fs::write(&path, topo("split-mn-iut.toml")).unwrap();
        let e = s.check_topologies(&root).unwrap_err();
        assert!(
            e.contains("TP-S-1 declares an IUT role ha but topology t puts its IUT in role MN"),
            "{e}"
        );
        std::fs::remove_dir_all(&root).unwrap();
    }
}
