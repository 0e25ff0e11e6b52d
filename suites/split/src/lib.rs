//! The split scenario suite (RFC 5026). One module per group of test purposes; [`all`]
//! lists them in the order they run.

pub mod ha_aaa_dns;
pub mod ha_authorization;
pub mod ha_dad;
pub mod ha_iut;
pub mod ha_security;
pub mod mn_bootstrap;
pub mod mn_discovery;
pub mod mn_registration;

use mip6lab_suite::{Suite, TestPurpose};

/// The split suite: RFC 5026 with the RFC 4877 and RFC 6275 rules it relies on.
pub static SUITE: Suite = Suite {
    name: "split",
    title: "RFC 5026 split scenario: an MN or an HA under test",
    catalogs: &["rfc5026.toml"],
    pending: "rfc5026-pending.txt",
    reference_baseline: "reference.toml",
    tests: all,
};

pub fn all() -> Vec<TestPurpose> {
    let mut v = vec![
        mn_discovery::srv_lookup(),
        mn_discovery::msp_srv_answer(),
        mn_discovery::name_lookup(),
    ];
    v.extend(mn_registration::all());
    v.extend(mn_bootstrap::all());
    v.extend(ha_iut::all());
    v.extend(ha_authorization::all());
    v.extend(ha_dad::all());
    v.extend(ha_security::all());
    v.extend(ha_aaa_dns::all());
    v
}
