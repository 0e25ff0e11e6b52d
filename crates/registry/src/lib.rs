//! Every conformance suite, by name. The command line (`suite`, `list`, `mutants`, `report`,
//! `iut check`), the baseline and the traceability checks find suites here.
//!
//! Adding a suite: a crate under `suites/` (a workspace member by the `suites/*` glob)
//! exporting one `Suite`, its fixtures (catalog and pending list under
//! `fixtures/requirements/`, reference baseline under `fixtures/baselines/`, topologies), its
//! dependency in this crate's Cargo.toml, and one line in [`SUITES`].

use mip6lab_suite::Suite;

/// The registered suites; the first is the default of `mip6lab list` and `mip6lab mutants`.
pub static SUITES: &[&Suite] = &[
    &mip6lab_suite_split::SUITE,
    &mip6lab_suite_integrated::SUITE,
    &mip6lab_suite_dualstack::SUITE,
];

/// Suites announced but not written yet: named in the error for them.
const PLANNED: &[&str] = &["dsmip"];

/// The suite `mip6lab list` and `mip6lab mutants` use when none is named.
pub fn default_suite() -> &'static Suite {
    SUITES[0]
}

pub fn names() -> Vec<&'static str> {
    SUITES.iter().map(|s| s.name).collect()
}

/// The suite called `name`; the error names the available ones.
pub fn by_name(name: &str) -> Result<&'static Suite, String> {
    if let Some(s) = SUITES.iter().find(|s| s.name == name) {
        return Ok(s);
    }
    let available = names().join(", ");
    if PLANNED.contains(&name) {
        Err(format!(
            "suite `{name}` is not written yet; available: {available}"
        ))
    } else {
        Err(format!("no suite `{name}`; available: {available}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn root() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
    }

    /// Every registered suite, whatever it is: a consistent declaration (modules, IDs,
    /// scenario), topologies whose IUT plays the declared role, and traceability to its
    /// catalogs with an up-to-date pending list.
    #[test]
    fn every_suite_is_consistent_and_traces_to_its_catalogs() {
        for suite in SUITES {
            assert_eq!(suite.check(), Ok(()));
            assert_eq!(suite.check_topologies(&root()), Ok(()));
            if let Err(e) = suite.check_traceability(&root()) {
                panic!("{e:#}");
            }
        }
    }

    /// In every suite an empty observation (the flow never reached the IUT) is never a PASS.
    #[test]
    fn nothing_observed_is_never_a_pass() {
        let obs = mip6lab_suite::Observation::default();
        for suite in SUITES {
            for t in suite.tests() {
                let o = (t.judge)(&obs);
                assert_ne!(
                    o.verdict,
                    mip6lab_suite::Verdict::Pass,
                    "{}: {}",
                    t.id,
                    o.reason
                );
            }
        }
    }

    #[test]
    fn names_are_unique_and_unknown_names_list_the_available() {
        let mut n = names();
        n.sort();
        n.dedup();
        assert_eq!(n.len(), SUITES.len());
        assert_eq!(by_name("split").map(|s| s.name), Ok("split"));
        // Written from the registry, so a new suite needs no edit here.
        let available = names().join(", ");
        assert_eq!(
            by_name("dsmip").err(),
            Some(format!(
                "suite `dsmip` is not written yet; available: {available}"
            ))
        );
        assert_eq!(
            by_name("nope").err(),
            Some(format!("no suite `nope`; available: {available}"))
        );
    }
}
