//! Every registered suite's declaration: its test purposes trace to its requirement catalogs
//! (every cited ID exists, and the uncovered `wire` requirements are exactly those listed as
//! pending, so the gap is explicit and shrinks as test purposes land), every module is in the
//! run order, each test's IUT role is the one its topology puts under test, and the report
//! reads the catalogs as the suite does; the reference PICS and the test purposes agree.

use mip6lab_registry::SUITES;
use mip6lab_suite::requirements::Keyword;
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn every_suite_traces_to_its_catalogs() {
    for suite in SUITES {
        match suite.check_traceability(&root()) {
            Ok(report) => println!("{report}"),
            Err(e) => panic!("{e:#}"),
        }
    }
}

#[test]
fn every_suite_declaration_is_consistent() {
    for suite in SUITES {
        assert_eq!(suite.check(), Ok(()));
        assert_eq!(suite.check_topologies(&root()), Ok(()), "{}", suite.name);
    }
}

/// Every keyword is in its sentence as written: a capital keyword in capitals, a lowercase one
/// in lowercase. This keeps a catalog from calling a lowercase "must" a MUST.
#[test]
fn every_keyword_is_in_its_text_as_written() {
    for suite in SUITES {
        let catalog = suite.catalog(&root()).unwrap();
        for r in &catalog {
            assert!(
                r.keyword_is_in_text(),
                "{}: `{}` not in its text",
                r.id,
                r.keyword
            );
            match r.keyword {
                Keyword::Capital(l) => assert!(r.text.contains(l.as_str()), "{}", r.id),
                Keyword::Lowercase(l) => assert!(
                    r.text.contains(&l.as_str().to_ascii_lowercase()),
                    "{}",
                    r.id
                ),
                Keyword::InEffect => assert!(r.justification.is_some(), "{}", r.id),
            }
        }
    }
}

/// The report reads the catalogs with its own light parser: it must give each requirement the
/// kind the suite's validated catalog gives it, or results.json would gate on another kind.
#[test]
fn the_report_sees_the_same_kinds() {
    for suite in SUITES {
        let catalog = suite.catalog(&root()).unwrap();
        let (seen, errors) = mip6lab_report::catalog::load_files(&suite.catalog_paths(&root()));
        assert!(errors.is_empty(), "{errors:?}");
        let seen = seen.expect("the catalog files");
        assert_eq!(seen.len(), catalog.len(), "{}", suite.name);
        for q in &seen {
            let r = catalog.get(&q.id).unwrap();
            assert_eq!(q.kind(), r.kind().as_str(), "{}", q.id);
            assert_eq!(q.level, r.level.as_str(), "{}", q.id);
        }
    }
}

/// The items the suites read: each test purpose's `.pics(...)` and the role item the runner
/// adds for the role it puts under test.
fn pics_items_read() -> std::collections::BTreeSet<String> {
    let mut read = std::collections::BTreeSet::new();
    for suite in SUITES {
        for tp in suite.tests() {
            read.insert(tp.iut_role().pics_item());
            read.extend(tp.pics.iter().map(|s| s.to_string()));
        }
    }
    read
}

fn reference_pics() -> mip6lab_suite::Pics {
    mip6lab_suite::Pics::load(&root().join("fixtures/pics/reference.toml")).unwrap()
}

/// Every item of the reference PICS (the template vendors copy) is read by a test purpose of
/// some suite: an item no test reads would let a vendor declare a feature no suite checks.
#[test]
fn every_reference_pics_item_is_read_by_a_test() {
    let read = pics_items_read();
    let pics = reference_pics();
    let unused: Vec<&String> = pics.items.keys().filter(|i| !read.contains(*i)).collect();
    assert!(
        unused.is_empty(),
        "fixtures/pics/reference.toml declares items no test purpose reads: {unused:?}"
    );
}

/// Every item a test purpose reads is declared in the reference PICS: an undeclared one would
/// make its tests NOT-APPLICABLE against the reference.
#[test]
fn every_item_a_test_reads_is_in_the_reference_pics() {
    let pics = reference_pics();
    let undeclared: Vec<String> = pics_items_read()
        .into_iter()
        .filter(|i| pics.get(i).is_none())
        .collect();
    assert!(
        undeclared.is_empty(),
        "test purposes read items fixtures/pics/reference.toml does not declare: {undeclared:?}"
    );
}
