//! Every registered suite and the IUT contract agree: every knob a test sets exists with a value
//! the table accepts and changes the node it is set on, every event a test waits for is one the
//! contract names, and every `MIP6LAB_*` variable a test or topology passes to an IUT is
//! declared for the IUT's role and documented in the README's vendor tables (the harness's
//! peers' variables are declared and documented too).

use mip6lab_contract::env::{self, Reader};
use mip6lab_contract::{events, knobs, IutRole};
use mip6lab_lab::Topology;
use mip6lab_registry::SUITES;
use mip6lab_suite::TestPurpose;
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn readme() -> String {
    std::fs::read_to_string(root().join("containers/iut/README.md")).unwrap()
}

fn topology(name: &str) -> Topology {
    let path = root().join(format!("fixtures/topologies/{name}.toml"));
    Topology::load(&path).unwrap_or_else(|e| panic!("{}: {e:#}", path.display()))
}

fn every_test() -> Vec<TestPurpose> {
    SUITES.iter().flat_map(|s| s.tests()).collect()
}

/// One `MIP6LAB_*` setting a test purpose or its topology passes to a node.
struct Setting {
    test: &'static str,
    node: String,
    /// The IUT role the node plays (the harness's peers run the reference in that role).
    node_role: Option<IutRole>,
    name: String,
    value: String,
    /// On the IUT, which plays this role.
    on_iut: Option<IutRole>,
}

/// Every setting of every test of every suite: its topology's node env, its `iut_env`, its
/// `peer_env` and its stimulus's env.
fn settings_of_every_test() -> Vec<Setting> {
    let mut out = Vec::new();
    for tp in every_test() {
        let topo = topology(tp.topology);
        let iut = topo.iut().map(|n| n.name.clone()).unwrap_or_default();
        let mut push = |node: &str, name: &str, value: &str| {
            let spec = topo.nodes.iter().find(|n| n.name == node);
            out.push(Setting {
                test: tp.id,
                node: node.to_string(),
                node_role: spec.and_then(|n| IutRole::of_node_role(&n.role)),
                name: name.to_string(),
                value: value.to_string(),
                on_iut: (node == iut).then(|| tp.iut_role()),
            })
        };
        for node in &topo.nodes {
            for (k, v) in &node.env {
                push(&node.name, k, v);
            }
        }
        for (k, v) in tp.iut_env {
            push(&iut, k, v);
        }
        for (node, k, v) in tp.peer_env {
            push(node, k, v);
        }
        if let Some(s) = &tp.stimulus {
            for (k, v) in s.env {
                push(s.node, k, v);
            }
        }
    }
    out
}

/// Each registered suite passes its IUT settings of its own: none escapes these checks.
#[test]
fn every_suite_passes_settings_to_its_iut() {
    let settings = settings_of_every_test();
    for suite in SUITES {
        let ids: Vec<&str> = suite.tests().iter().map(|t| t.id).collect();
        assert!(
            settings
                .iter()
                .any(|s| s.on_iut.is_some() && ids.contains(&s.test)),
            "suite {} passes no setting to an IUT",
            suite.name
        );
    }
}

#[test]
fn every_knob_setting_parses_and_fits_its_node() {
    let mut checked_settings = 0;
    for s in settings_of_every_test() {
        if s.name != env::KNOBS.name || s.value.is_empty() {
            continue;
        }
        checked_settings += 1;
        let checked = knobs::check(&s.value).unwrap_or_else(|e| panic!("{}: {e}", s.test));
        let role = s.node_role.unwrap_or_else(|| {
            panic!(
                "{}: knobs on {}, a node no reference role plays",
                s.test, s.node
            )
        });
        for (k, _) in checked {
            assert!(
                k.affects(role),
                "{}: {} set on {} ({role}) changes only {:?}",
                s.test,
                k.name,
                s.node,
                k.roles
            );
        }
    }
    assert!(
        checked_settings > 20,
        "only {checked_settings} knob settings found"
    );
}

#[test]
fn every_event_a_test_waits_for_is_a_contract_event() {
    for tp in every_test() {
        if let Some(e) = tp.until_event {
            assert!(events::ALL.contains(&e), "{} waits for `{e}`", tp.id);
        }
    }
}

/// The README up to its harness-only section: the tables a vendor implements from.
fn vendor_tables(readme: &str) -> &str {
    let end = readme
        .find("### Harness and reference only")
        .expect("containers/iut/README.md has a harness-only section");
    &readme[..end]
}

/// What a test passes to the IUT is the contract's, read by the IUT's role, and in the
/// README's vendor tables; what it passes to the harness's peers is declared and documented
/// too. A reference-only setting on the IUT would make a verdict a vendor cannot earn.
#[test]
fn every_setting_a_test_or_topology_passes_is_in_the_contract() {
    let readme = readme();
    let vendor = vendor_tables(&readme);
    let settings = settings_of_every_test();
    assert!(
        settings.len() > 300,
        "only {} settings found",
        settings.len()
    );
    let mut problems = std::collections::BTreeSet::new();
    for s in settings {
        let (test, node, name) = (s.test, &s.node, &s.name);
        let Some(var) = env::find(name) else {
            problems.insert(format!(
                "{test}: {name} on {node} is not in mip6lab_contract::env"
            ));
            continue;
        };
        if !readme.contains(&format!("`{name}`")) {
            problems.insert(format!(
                "{test}: {name} on {node} is not in containers/iut/README.md"
            ));
        }
        let Some(role) = s.on_iut else { continue };
        match var.reader {
            Reader::Iut(roles) if !roles.contains(&role) => problems.insert(format!(
                "{test}: {name} is set on the IUT ({role}), but the contract has only {roles:?} \
                 read it"
            )),
            Reader::Iut(_) => false,
            _ => problems.insert(format!(
                "{test}: {name} is set on the IUT but only the harness or the reference reads it"
            )),
        };
        if !(vendor.contains(&format!("| `{name}`")) || vendor.contains(&format!(", `{name}`"))) {
            problems.insert(format!(
                "{test}: {name} is set on the IUT but not in the README's vendor tables"
            ));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}
