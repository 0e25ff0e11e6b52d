//! Traceability of the split suite to the RFC 5026 requirement catalog: every cited ID exists,
//! and the uncovered `wire` requirements are exactly those listed as pending, so the gap is
//! explicit and shrinks as test purposes land.

use mip6lab_suite::requirements::{parse_pending, trace, Catalog};
use std::path::PathBuf;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/requirements")
}

#[test]
fn suite_traces_to_the_rfc5026_catalog() {
    let catalog =
        Catalog::load(fixtures().join("rfc5026.toml")).unwrap_or_else(|e| panic!("{e:#}"));
    println!("catalog: {}", catalog.summary());

    let suite = mip6lab_suite_split::all();
    let tests: Vec<(&str, &[&str])> = suite.iter().map(|t| (t.id, t.requirements)).collect();
    let t = trace(&catalog, &tests);
    println!("coverage: {}", t.coverage);
    for (req, by) in &t.covered_by {
        println!("  {req} <- {}", by.join(", "));
    }

    let unknown: Vec<String> = t
        .unknown
        .iter()
        .map(|u| format!("{} cites {}", u.test, u.requirement))
        .collect();
    assert!(
        unknown.is_empty(),
        "unknown requirement IDs:\n  {}",
        unknown.join("\n  ")
    );
    assert!(
        t.tests_citing_nothing.is_empty(),
        "tests citing no requirement: {:?}",
        t.tests_citing_nothing
    );

    let path = fixtures().join("rfc5026-pending.txt");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    let pending = parse_pending(&text);
    let check = t.check_pending(&catalog, &pending);
    assert!(check.is_ok(), "{} is out of date:\n{check}", path.display());
    println!(
        "pending wire requirements: {} (listed in {})",
        pending.len(),
        path.display()
    );
}
