//! The split scenario suite (RFC 5026). One module per group of test purposes; each test
//! purpose is a `#[test_purpose]` function, and [`SUITE`] declares the order the modules run
//! in.

pub mod ha_aaa_dns;
pub mod ha_authorization;
pub mod ha_binding;
pub mod ha_dad;
pub mod ha_dns;
pub mod ha_home_address;
pub mod ha_iut;
pub mod ha_security;
pub mod mn_bootstrap;
pub mod mn_discovery;
pub mod mn_registration;

use mip6lab_suite::{IutRole, Scenario, Suite, TestBed};

/// The split suite: RFC 5026 with the RFC 4877 and RFC 6275 rules it relies on.
pub static SUITE: Suite = Suite {
    name: "split",
    title: "RFC 5026 split scenario: an MN or an HA under test",
    scenario: Scenario::Split,
    catalogs: &["rfc5026.toml"],
    pending: "rfc5026-pending.txt",
    reference_baseline: "reference.toml",
    crate_path: module_path!(),
    // MN under test first (discovery, then registration on one set of peers, then its
    // variants), then the HA under test; tests sharing peers stay together.
    modules: &[
        "mn_discovery",
        "mn_registration",
        "mn_bootstrap",
        "ha_home_address",
        "ha_dns",
        "ha_binding",
        "ha_authorization",
        "ha_dad",
        "ha_security",
        "ha_aaa_dns",
    ],
};

/// For the modules' tests: each test purpose of `modules` (this crate's module names) judges
/// an empty capture INCONCLUSIVE, since the tester never reached the IUT. Returns them.
#[cfg(test)]
pub(crate) fn assert_empty_capture_inconclusive(
    modules: &[&str],
) -> Vec<mip6lab_suite::TestPurpose> {
    let purposes: Vec<_> = modules
        .iter()
        .flat_map(|m| SUITE.tests_in(&format!("{}::{m}", module_path!())))
        .collect();
    assert!(!purposes.is_empty(), "no test purposes in {modules:?}");
    let obs = mip6lab_suite::Observation::default();
    for t in &purposes {
        let o = (t.judge)(&obs);
        assert_eq!(
            o.verdict,
            mip6lab_suite::Verdict::Inconclusive,
            "{}: {}",
            t.id,
            o.reason
        );
    }
    purposes
}

/// The test bed of a test purpose with an MN under test in `topology`.
pub(crate) const fn mn_under_test(topology: &'static str) -> TestBed {
    TestBed::new(Scenario::Split, IutRole::Mn, topology)
}

/// The test bed of a test purpose with an HA under test in `topology`.
pub(crate) const fn ha_under_test(topology: &'static str) -> TestBed {
    TestBed::new(Scenario::Split, IutRole::Ha, topology)
}
