//! The sources and the IUT contract agree: every `MIP6LAB_*` variable a suite, the harness or a
//! topology names is declared in the contract and documented for vendors, on the README side
//! its reader says. What each test purpose of every registered suite passes to which node (knobs,
//! IUT settings for the IUT's role, events) is checked in `crates/registry/tests/contract.rs`.

mod support;

use mip6lab_contract::env;
use rstest::rstest;
use std::path::{Path, PathBuf};
use support::root;

/// `MIP6LAB_*` names in the text, except Rust paths to constants (`crate::MIP6LAB_VERSION`).
fn env_names(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("MIP6LAB_") {
        let before = &rest[..at];
        let len = rest[at..]
            .find(|c: char| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
            .unwrap_or(rest.len() - at);
        let name = &rest[at..at + len];
        if !before.ends_with("::") && name.len() > "MIP6LAB_".len() {
            names.push(name.to_string());
        }
        rest = &rest[at + len..];
    }
    names
}

fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == ext))
        .collect();
    out.sort();
    out
}

#[rstest]
#[case::split_suite("suites/split/src", "rs")]
#[case::integrated_suite("suites/integrated/src", "rs")]
#[case::dualstack_suite("suites/dualstack/src", "rs")]
#[case::suite_framework("crates/suite/src", "rs")]
#[case::topologies("fixtures/topologies", "toml")]
#[case::lab("crates/lab/src", "rs")]
#[case::reference("crates/refimpl/src", "rs")]
fn every_variable_used_is_declared_and_documented(#[case] dir: &str, #[case] ext: &str) {
    let readme = std::fs::read_to_string(root().join("containers/iut/README.md")).unwrap();
    let mut seen = 0;
    for path in files(&root().join(dir), ext) {
        let text = std::fs::read_to_string(&path).unwrap();
        for name in env_names(&text) {
            seen += 1;
            assert!(
                env::find(&name).is_some(),
                "{}: {name} is not declared in mip6lab_contract::env",
                path.display()
            );
            assert!(
                readme.contains(&format!("`{name}`")),
                "{}: {name} is not in containers/iut/README.md",
                path.display()
            );
        }
    }
    assert!(seen > 0, "no MIP6LAB_ variable found under {dir}");
}

/// The README's harness-only section: from its heading to the next `## ` heading.
fn harness_only_section(readme: &str) -> &str {
    let start = readme
        .find("### Harness and reference only")
        .expect("containers/iut/README.md has a harness-only section");
    let rest = &readme[start..];
    let end = rest[4..].find("\n## ").map_or(rest.len(), |i| i + 4);
    &rest[..end]
}

#[test]
fn every_declared_variable_is_documented_where_its_reader_says() {
    let readme = std::fs::read_to_string(root().join("containers/iut/README.md")).unwrap();
    let harness = harness_only_section(&readme);
    for v in env::ALL {
        let cell = format!("`{}`", v.name);
        assert!(
            readme.contains(&cell),
            "{} is not in the IUT README",
            v.name
        );
        // A vendor must be able to tell which variables are not for its image.
        let row = |text: &str| {
            text.lines()
                .any(|l| l.starts_with('|') && l.contains(&cell))
        };
        assert_eq!(
            row(harness),
            v.harness_only(),
            "{}: harness-only is {}, the README says otherwise",
            v.name,
            v.harness_only()
        );
    }
}

/// Timing a vendor controls is a PIXIT: the README says so in the variable's row.
#[rstest]
#[case("MIP6LAB_HOLD_SECS")]
#[case("MIP6LAB_RETRY_SECS")]
#[case("MIP6LAB_IKE_TIMEOUT_SECS")]
#[case("MIP6LAB_DAD_WAIT_MS")]
#[case("MIP6LAB_HOA_POOL_SIZE")]
#[case("MIP6LAB_DS_ADV_WAIT_MS")]
fn timing_a_vendor_controls_is_marked_a_pixit(#[case] name: &str) {
    let readme = std::fs::read_to_string(root().join("containers/iut/README.md")).unwrap();
    let cell = format!("`{name}`");
    let row = readme
        .lines()
        .find(|l| l.starts_with('|') && l.contains(&cell))
        .unwrap_or_else(|| panic!("{name} has no row in the README"));
    assert!(row.contains("PIXIT"), "{name}: {row}");
}
