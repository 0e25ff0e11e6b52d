//! The integrated scenario suite (RFC 6611, with the RFC 6610 options and RFC 6422 RSOO it
//! uses). One module per IUT role; each test purpose is a `#[test_purpose]` function, and
//! [`SUITE`] declares the order the modules run in:
//! - [`mn_access`]: the MN (network access, its Information-request, what it does with the
//!   Reply);
//! - [`mn_containers`]: the containers the MN asks for and what it does with them;
//! - [`nas_relay`]: the NAS and its DHCPv6 relay (RADIUS, the RSOO, the Reply passed on);
//! - [`nas_blocking`]: the relay's RSOO blocking switch (RFC 6422 §5), towards a harness
//!   relay below it;
//! - [`dhcp_server`]: the DHCPv6 server (the RSOO's IDINF in the MSP case, its own VDINF in
//!   the ASP case, RSOO-enabled options, nested RSOOs, its Home Network ID FQDN table), driven
//!   by the harness's stimulus relay;
//! - [`dhcp_udinf`]: the server's UDINF and HAF, in the same run.
//!
//! Every link of the scenario (access, ASP, home) is captured; judges read one transcript in
//! capture-time order across them.

pub mod aaa_server;
pub mod dhcp_server;
pub mod dhcp_udinf;
pub mod ha_bootstrap;
pub mod mn_access;
pub mod mn_containers;
pub mod nas_blocking;
pub mod nas_relay;

use mip6lab_suite::{IutRole, Observation, Outcome, Scenario, Suite, TestBed, TestPurpose};
use std::time::Duration;

/// The integrated suite.
pub static SUITE: Suite = Suite {
    name: "integrated",
    title: "RFC 6611 integrated scenario: an MN, a NAS/DHCPv6 relay, a DHCPv6 server, the home \
            AAA server or an HA under test",
    scenario: Scenario::Integrated,
    catalogs: &["rfc6611.toml"],
    pending: "rfc6611-pending.txt",
    reference_baseline: "reference-integrated.toml",
    crate_path: module_path!(),
    modules: &[
        "mn_access",
        "mn_containers",
        "nas_relay",
        "nas_blocking",
        "dhcp_server",
        "dhcp_udinf",
        "aaa_server",
        "ha_bootstrap",
    ],
};

/// The home network the MSP case names (RFC 6611 §4.2.1): the realm of the MN's NAI.
pub(crate) const HOME_NETWORK: &str = "example.com";
/// The MSP's HA, as the AAAH assigns it (fixtures/freeradius/users).
pub(crate) const MSP_HA: &str = "2001:db8:1::a1";
/// The ASP's HA (HA2): the VDINF a DHCPv6 server under test is configured with, and its
/// Home Network ID FQDN table's entry for [`TABLE_NETWORK`].
pub(crate) const ASP_HA: &str = "2001:db8:2::a2";
/// The network in a DHCPv6 server under test's Home Network ID FQDN table (RFC 6610 §4.3).
pub(crate) const TABLE_NETWORK: &str = "example.net";
/// The stimulus DHCPv6 server's address, and the HA it names where a conforming MN must
/// not go.
pub(crate) const STIMULUS_SERVER: &str = "2001:db8:2::48";
pub(crate) const DECOY_HA: &str = "2001:db8:2::dec0";

/// Two FQDNs name the same domain (DNS names compare case-insensitively; the root dot is
/// optional in the transcript's text).
pub(crate) fn same_fqdn(a: &str, b: &str) -> bool {
    a.trim_end_matches('.')
        .eq_ignore_ascii_case(b.trim_end_matches('.'))
}

/// What in `containers` breaks RFC 6610 §3's forms: a container without "one or more
/// options, specifying information" about its network (an IDINF's HNIDF only names it),
/// an HNP whose prefix-len is no prefix length, an option inside that could not be read.
pub(crate) fn container_faults(containers: &[mip6lab_suite::observe::Container]) -> Vec<String> {
    use mip6lab_suite::observe::{ContainerKind, DhcpOpt};
    let mut faults = Vec::new();
    for c in containers {
        let information = c
            .options
            .iter()
            .filter(|o| !matches!(o, DhcpOpt::Hnidf(_)))
            .count();
        if information == 0 {
            let which = match c.kind {
                ContainerKind::Idinf => "an IDINF with no information besides its HNIDF",
                ContainerKind::Vdinf => "an empty VDINF",
                ContainerKind::Udinf => "an empty UDINF",
            };
            faults.push(which.to_string());
        }
        for (prefix, len) in &c.hnps {
            if *len > 128 {
                faults.push(format!("an HNP {prefix} with prefix-len {len} (over 128)"));
            }
        }
        for o in &c.options {
            if let DhcpOpt::Unreadable { code, .. } = o {
                faults.push(format!(
                    "option {code} inside a {:?} could not be read",
                    c.kind
                ));
            }
        }
    }
    faults
}

/// A test purpose of this suite on `bed`, the IUT configured by `iut_env`: observed until the
/// MN (the IUT, or the harness's tester MN) reports its IKE SA with the HA it learned, at most
/// 60 s. Every step a judge reads (access, DHCPv6, the first IKE_SA_INIT) comes before that.
pub(crate) const fn test_purpose(
    bed: TestBed,
    id: &'static str,
    title: &'static str,
    requirements: &'static [&'static str],
    iut_env: &'static [(&'static str, &'static str)],
    judge: fn(&Observation) -> Outcome,
) -> TestPurpose {
    TestPurpose::new(bed, id, title, requirements, judge)
        .iut_env(iut_env)
        .until_event(Some("ike_established"))
        .observe_for(Duration::from_secs(60))
}

/// The test bed of a test purpose with an MN under test in `topology`.
pub(crate) const fn mn_under_test(topology: &'static str) -> TestBed {
    TestBed::new(Scenario::Integrated, IutRole::Mn, topology)
}

/// The test bed of a test purpose with the NAS/relay under test in `topology`.
pub(crate) const fn nas_under_test(topology: &'static str) -> TestBed {
    TestBed::new(Scenario::Integrated, IutRole::NasRelay, topology)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_suite_declaration_is_consistent() {
        super::SUITE.check().unwrap();
    }
}
