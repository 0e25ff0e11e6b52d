//! The split suite's declaration: its test purposes trace to its requirement catalogs (every
//! cited ID exists, and the uncovered `wire` requirements are exactly those listed as pending,
//! so the gap is explicit and shrinks as test purposes land), every module is in the run
//! order, and each test's IUT role is the one its topology puts under test.

use mip6lab_suite_split::SUITE;
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn suite_traces_to_its_catalogs() {
    match SUITE.check_traceability(&root()) {
        Ok(report) => println!("{report}"),
        Err(e) => panic!("{e:#}"),
    }
}

#[test]
fn suite_declaration_is_consistent() {
    assert_eq!(SUITE.check(), Ok(()));
    assert_eq!(SUITE.check_topologies(&root()), Ok(()));
}
