//! The dual-stack scenario suite (draft-qin-mip6-dsbootstrapping-00, with the Mobile IPv4
//! registration of RFC 5944 and the extensions of the lab's encoding profile, and DSMIPv6,
//! RFC 5555). One module per IUT role; each test purpose is a `#[test_purpose]` function, and
//! [`SUITE`] declares the order the modules run in:
//! - [`mn_dsmip`]: the MN's DSMIPv6 half (RFC 5555: its IPv4 home address, its BUs from its
//!   IPv4 care-of address);
//! - [`ha_dsmip`]: the IPv6 home agent the Registration Reply names (RFC 5555 BU/BA through
//!   the MN–FHA tunnel, the IPv4 home address, BUs in UDP 4191).
//!
//! Every link of the scenario (visited, access, core, home) is captured; judges read one
//! transcript in capture-time order across them.

pub mod ha_dsmip;
pub mod mn_dsmip;

use mip6lab_suite::{Scenario, Suite};

/// The dual-stack suite.
pub static SUITE: Suite = Suite {
    name: "dualstack",
    title: "draft-qin-mip6-dsbootstrapping dual-stack scenario: an MN, a foreign agent, a foreign \
            home agent or an IPv6 home agent under test",
    scenario: Scenario::DualStack,
    catalogs: &["rfc5555.toml"],
    pending: "dualstack-pending.txt",
    reference_baseline: "reference-dualstack.toml",
    crate_path: module_path!(),
    modules: &["mn_dsmip", "ha_dsmip"],
};

#[cfg(test)]
mod tests {
    #[test]
    fn the_suite_declaration_is_consistent() {
        super::SUITE.check().unwrap();
    }

    /// An empty observation (the flow never reached the IUT) is never a PASS.
    #[test]
    fn nothing_observed_is_never_a_pass() {
        let obs = mip6lab_suite::Observation::default();
        for t in super::SUITE.tests() {
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
