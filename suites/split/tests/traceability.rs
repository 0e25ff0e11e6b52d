//! The split suite's declaration: its test purposes trace to its requirement catalogs (every
//! cited ID exists, and the uncovered `wire` requirements are exactly those listed as pending,
//! so the gap is explicit and shrinks as test purposes land), every module is in the run
//! order, and each test's IUT role is the one its topology puts under test.

use mip6lab_suite::requirements::{Keyword, Kind};
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

/// Every keyword is in its sentence as written: a capital keyword in capitals, a lowercase one
/// in lowercase. This keeps the catalog from calling a lowercase "must" a MUST.
#[test]
fn every_keyword_is_in_its_text_as_written() {
    let catalog = SUITE.catalog(&root()).unwrap();
    for r in &catalog {
        assert!(
            r.keyword_is_in_text(),
            "{}: `{}` not in its text",
            r.id,
            r.keyword
        );
        match r.keyword {
            Keyword::Capital(l) => assert!(r.text.contains(l.as_str()), "{}", r.id),
            Keyword::Lowercase(l) => {
                assert!(
                    r.text.contains(&l.as_str().to_ascii_lowercase()),
                    "{}",
                    r.id
                )
            }
            Keyword::InEffect => assert!(r.justification.is_some(), "{}", r.id),
        }
    }
}

/// Issue #12's re-read: these sentences oblige nobody as written; they keep their IDs (tests
/// and the knob table cite them) but never gate and need no test.
#[test]
fn entries_found_not_to_be_obligations_stay_so() {
    let catalog = SUITE.catalog(&root()).unwrap();
    for id in [
        "RFC5026-5.1.2-MN-MUST-1",
        "RFC5026-5.1.2-MN-MUST-4",
        "RFC5026-9.1-MN-MUST-2",
        "RFC5026-9.1-HA-MUST-1",
        "RFC5026-9.1-HA-MUST-2",
        "RFC5026-9.2-HA-MUST-10",
    ] {
        let r = catalog.get(id).unwrap_or_else(|| panic!("{id} is gone"));
        assert_eq!(r.kind(), Kind::NotAnObligation, "{id}");
        assert!(r.revised.is_some(), "{id} says what changed");
    }
}

/// The report reads the catalog with its own light parser: it must give each requirement the
/// kind the suite's validated catalog gives it, or results.json would gate on another kind.
#[test]
fn the_report_sees_the_same_kinds() {
    let catalog = SUITE.catalog(&root()).unwrap();
    let (seen, errors) = mip6lab_report::catalog::load_files(&SUITE.catalog_paths(&root()));
    assert!(errors.is_empty(), "{errors:?}");
    let seen = seen.expect("the catalog files");
    assert_eq!(seen.len(), catalog.len());
    for q in &seen {
        let r = catalog.get(&q.id).unwrap();
        assert_eq!(q.kind(), r.kind().as_str(), "{}", q.id);
        assert_eq!(q.level, r.level.as_str(), "{}", q.id);
    }
}
