//! The split suite and the IUT contract agree: every knob it sets exists with a value the
//! table accepts and changes the node it is set on, every event it waits for is one the
//! contract names, and every `MIP6LAB_*` variable it (or the harness, or a topology) uses is
//! declared in the contract and documented for vendors.

mod support;

use mip6lab_contract::{env, events, knobs, IutRole};
use mip6lab_lab::Topology;
use rstest::rstest;
use std::path::{Path, PathBuf};
use support::root;

fn topology(name: &str) -> Topology {
    let path = root().join(format!("fixtures/topologies/{name}.toml"));
    Topology::load(&path).unwrap_or_else(|e| panic!("{}: {e:#}", path.display()))
}

/// The reference role of `node` in `topology` (the harness peers run the reference too).
fn node_role(topology: &Topology, node: &str) -> Option<IutRole> {
    let spec = topology.nodes.iter().find(|n| n.name == node)?;
    IutRole::of_node_role(&spec.role)
}

#[test]
fn every_knob_setting_of_the_suite_parses_and_fits_its_node() {
    let mut settings = 0;
    for tp in mip6lab_suite_split::SUITE.tests() {
        let topo = topology(tp.topology);
        let iut = topo.iut().map(|n| n.name.clone()).unwrap_or_default();
        // (node, value) of every MIP6LAB_KNOBS the test sets: on the IUT (the reference
        // only), on harness peers, and on the stimulus.
        let mut set: Vec<(String, &str)> = Vec::new();
        set.extend(
            tp.iut_env
                .iter()
                .map(|(k, v)| (iut.clone(), *k, *v))
                .filter_map(knob),
        );
        set.extend(
            tp.peer_env
                .iter()
                .map(|(n, k, v)| (n.to_string(), *k, *v))
                .filter_map(knob),
        );
        if let Some(s) = &tp.stimulus {
            set.extend(
                s.env
                    .iter()
                    .map(|(k, v)| (s.node.to_string(), *k, *v))
                    .filter_map(knob),
            );
        }
        for (node, value) in set {
            settings += 1;
            let checked = knobs::check(value).unwrap_or_else(|e| panic!("{}: {e}", tp.id));
            let role = node_role(&topo, &node)
                .unwrap_or_else(|| panic!("{}: knobs on {node}, not an MN or HA", tp.id));
            for (k, _) in checked {
                assert!(
                    k.affects(role),
                    "{}: {} set on {node} ({role}) changes only {:?}",
                    tp.id,
                    k.name,
                    k.roles
                );
            }
        }
    }
    assert!(settings > 10, "only {settings} knob settings found");
}

fn knob((node, var, value): (String, &str, &'static str)) -> Option<(String, &'static str)> {
    (var == env::KNOBS.name).then_some((node, value))
}

#[test]
fn every_event_the_suite_waits_for_is_a_contract_event() {
    for tp in mip6lab_suite_split::SUITE.tests() {
        if let Some(e) = tp.until_event {
            assert!(events::ALL.contains(&e), "{} waits for `{e}`", tp.id);
        }
    }
}

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

/// Every setting a test purpose or a topology passes to any node: (test, node, variable).
fn settings_of_every_test() -> Vec<(&'static str, String, String, bool)> {
    let mut out = Vec::new();
    for tp in mip6lab_suite_split::SUITE.tests() {
        let topo = topology(tp.topology);
        for node in &topo.nodes {
            let is_iut = node.image == "iut";
            for k in node.env.keys() {
                out.push((tp.id, node.name.clone(), k.clone(), is_iut));
            }
        }
        let iut = topo.iut().map(|n| n.name.clone()).unwrap_or_default();
        for (k, _) in tp.iut_env {
            out.push((tp.id, iut.clone(), k.to_string(), true));
        }
        for (node, k, _) in tp.peer_env {
            out.push((tp.id, node.to_string(), k.to_string(), false));
        }
        if let Some(s) = &tp.stimulus {
            for (k, _) in s.env {
                out.push((tp.id, s.node.to_string(), k.to_string(), false));
            }
        }
    }
    out
}

/// What a test passes to the IUT is the contract's, for the IUT's role, and in the README's
/// vendor tables; what it passes to the harness's peers is declared and documented too. A
/// reference-only setting on the IUT would make a verdict a vendor cannot earn.
#[test]
fn every_setting_a_test_or_topology_passes_is_in_the_contract() {
    let readme = std::fs::read_to_string(root().join("containers/iut/README.md")).unwrap();
    let harness = harness_only_section(&readme);
    let vendor = &readme[..readme.find(harness).unwrap()];
    let settings = settings_of_every_test();
    assert!(
        settings.len() > 100,
        "only {} settings found",
        settings.len()
    );
    for (test, node, name, on_iut) in settings {
        let var = env::find(&name)
            .unwrap_or_else(|| panic!("{test}: {name} on {node} is not in mip6lab_contract::env"));
        assert!(
            readme.contains(&format!("`{name}`")),
            "{test}: {name} on {node} is not in containers/iut/README.md"
        );
        if on_iut {
            assert!(
                !var.harness_only(),
                "{test}: {name} is set on the IUT but only the harness or the reference reads it"
            );
            assert!(
                vendor.contains(&format!("| `{name}`")) || vendor.contains(&format!(", `{name}`")),
                "{test}: {name} is set on the IUT but not in the README's vendor tables"
            );
        }
    }
}

/// Timing a vendor controls is a PIXIT: the README says so in the variable's row.
#[rstest]
#[case("MIP6LAB_HOLD_SECS")]
#[case("MIP6LAB_RETRY_SECS")]
#[case("MIP6LAB_IKE_TIMEOUT_SECS")]
#[case("MIP6LAB_DAD_WAIT_MS")]
#[case("MIP6LAB_HOA_POOL_SIZE")]
fn timing_a_vendor_controls_is_marked_a_pixit(#[case] name: &str) {
    let readme = std::fs::read_to_string(root().join("containers/iut/README.md")).unwrap();
    let cell = format!("`{name}`");
    let row = readme
        .lines()
        .find(|l| l.starts_with('|') && l.contains(&cell))
        .unwrap_or_else(|| panic!("{name} has no row in the README"));
    assert!(row.contains("PIXIT"), "{name}: {row}");
}
