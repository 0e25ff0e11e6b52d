//! The PICS and the suite agree: every item of the reference PICS (the template vendors copy)
//! is read by at least one test purpose, or is a role item the runner reads; every item a test
//! purpose reads is declared there. An item no test reads would let a vendor declare a
//! feature the suite never checks; an undeclared one would make its tests NOT-APPLICABLE
//! against the reference.

use mip6lab_suite::Pics;
use std::collections::BTreeSet;
use std::path::PathBuf;

fn reference_pics() -> Pics {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    Pics::load(&root.join("fixtures/pics/reference.toml")).unwrap()
}

/// The items the suite reads: each test purpose's `.pics(...)` and the role item the runner
/// adds for the role it puts under test.
fn items_read() -> BTreeSet<String> {
    let mut read = BTreeSet::new();
    for tp in mip6lab_suite_split::SUITE.tests() {
        read.insert(tp.iut_role().pics_item());
        read.extend(tp.pics.iter().map(|s| s.to_string()));
    }
    read
}

#[test]
fn every_reference_pics_item_is_read_by_a_test() {
    let read = items_read();
    let pics = reference_pics();
    let unused: Vec<&String> = pics.items.keys().filter(|i| !read.contains(*i)).collect();
    assert!(
        unused.is_empty(),
        "fixtures/pics/reference.toml declares items no test purpose reads: {unused:?}"
    );
}

#[test]
fn every_item_a_test_reads_is_in_the_reference_pics() {
    let pics = reference_pics();
    let undeclared: Vec<String> = items_read()
        .into_iter()
        .filter(|i| pics.get(i).is_none())
        .collect();
    assert!(
        undeclared.is_empty(),
        "test purposes read items fixtures/pics/reference.toml does not declare: {undeclared:?}"
    );
}
