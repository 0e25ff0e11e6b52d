//! The split catalog's own history (the checks every suite shares are in
//! crates/registry/tests/suites.rs).

use mip6lab_suite::requirements::Kind;
use mip6lab_suite_split::SUITE;
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
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
