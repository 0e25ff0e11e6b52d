//! The dual-stack scenario suite (draft-qin-mip6-dsbootstrapping-00, with the Mobile IPv4
//! registration of RFC 5944 and the extensions of the lab's encoding profile, and DSMIPv6,
//! RFC 5555). One module per IUT role; each test purpose is a `#[test_purpose]` function, and
//! [`SUITE`] declares the order the modules run in:
//! - [`mn_access`]: the MN's network access (its DHCPv4 client, the FHA of option 68);
//! - [`mn_registration`]: the MN's Mobile IPv4 half (directly, through the FA, the R bit; the
//!   NAI, key generation; using the Reply's IPv6 items);
//! - [`mn_dsmip`]: the MN's DSMIPv6 half (RFC 5555: its IPv4 home address, its BUs from its
//!   IPv4 care-of address);
//! - [`fa_relay`]: the foreign agent (advertisements, relaying Request and Reply, FA-HA, the
//!   Encapsulating Delivery Style, the R bit);
//! - [`fha_registration`]: the foreign home agent (the registration, the AAAH check, the
//!   THoAv4 and the IPv6 items in the Reply, key generation, the tunnel, FA-HA);
//! - [`ha_dsmip`]: the IPv6 home agent the Registration Reply names (RFC 5555 BU/BA through
//!   the MN–FHA tunnel, the IPv4 home address, BUs in UDP 4191);
//! - [`nas_access`]: the NAS (802.1X with the AAAH, the FHA assignment passed to DHCPv4).
//!
//! Every link of the scenario (visited, access, core, home) is captured; judges read one
//! transcript in capture-time order across them.

pub mod fa_relay;
pub mod fha_registration;
pub mod ha_dsmip;
pub mod mn_access;
pub mod mn_dsmip;
pub mod mn_registration;
pub mod nas_access;

use mip6lab_suite::observe::Mip4Registration;
use mip6lab_suite::{IutRole, Observation, Outcome, Scenario, Suite, TestBed, TestPurpose};
use std::time::Duration;

/// The dual-stack suite.
pub static SUITE: Suite = Suite {
    name: "dualstack",
    title: "draft-qin-mip6-dsbootstrapping dual-stack scenario: an MN, a foreign agent, a foreign \
            home agent or an IPv6 home agent under test",
    scenario: Scenario::DualStack,
    catalogs: &[
        "dsbootstrap.toml",
        "rfc5944.toml",
        "rfc5555.toml",
        "dhcpv4-access.toml",
    ],
    pending: "dualstack-pending.txt",
    reference_baseline: "reference-dualstack.toml",
    crate_path: module_path!(),
    modules: &[
        "mn_access",
        "mn_registration",
        "mn_dsmip",
        "fa_relay",
        "fha_registration",
        "ha_dsmip",
        "nas_access",
    ],
};

/// A test purpose of this suite: `iut` under test in `topology`, observed until the watched node
/// (the test's stimulus, else the IUT) reports `done`, at most 90 s; each module adds its
/// stimulus and bound.
pub(crate) const fn test_purpose(
    iut: IutRole,
    topology: &'static str,
    id: &'static str,
    title: &'static str,
    requirements: &'static [&'static str],
    judge: fn(&Observation) -> Outcome,
) -> TestPurpose {
    TestPurpose::new(
        TestBed::new(Scenario::DualStack, iut, topology),
        id,
        title,
        requirements,
        judge,
    )
    .until_event(Some("done"))
    .observe_for(Duration::from_secs(90))
}

/// The harness's MNs' NAIs (fixtures/topologies/record-dualstack.toml and its IUT variants):
/// co-located CoA on the access link, through the FA, co-located behind the FA's R bit.
pub(crate) const MN_NAI: &str = "mn-ds@example.com";
pub(crate) const MN_FA_NAI: &str = "mn-ds2@example.com";
pub(crate) const MN_R_NAI: &str = "mn-ds3@example.com";

/// The first Registration Request sent with `nai` (from any address: a co-located CoA has no
/// role name), hop by hop; or the INCONCLUSIVE outcome naming `last_step` when there is none.
pub(crate) fn registration_for<'a>(
    obs: &'a Observation,
    nai: &str,
    last_step: &str,
) -> Result<Mip4Registration<'a>, Outcome> {
    match obs
        .registration_requests(None)
        .into_iter()
        .find(|m| m.nai() == Some(nai))
    {
        Some(request) => Ok(obs.registration_of(&request)),
        None => Err(Outcome::not_reached(
            last_step,
            format!(
                "no Registration Request with NAI {nai} was sent (see the MN's log){}",
                malformed_note(obs)
            ),
        )),
    }
}

/// The ASP case's positive control (draft §4.2): the harness's NAS asked the ASP's AAA server
/// (the AAAF, AAAV in transcripts) for the MN's access; `None` in the integrated case.
pub(crate) fn asp_access(obs: &Observation) -> Option<mip6lab_suite::observe::RadiusMessage<'_>> {
    obs.radius_messages().find(|m| {
        m.is(mip6lab_suite::observe::radius_code::ACCESS_REQUEST)
            && m.entry.src == "NAS"
            && m.entry.dst == "AAAV"
    })
}

/// The INCONCLUSIVE outcome of an ASP-case test whose control failed.
pub(crate) fn not_the_asp_case() -> Outcome {
    Outcome::inconclusive("the harness's NAS did not ask the AAAF: not the ASP case")
}

/// A note on Mobile IPv4 payloads the dissector could not read: "nothing seen" is then
/// uncertain.
pub(crate) fn malformed_note(obs: &Observation) -> String {
    match obs.malformed_mip4().len() {
        0 => String::new(),
        n => format!("; {n} Mobile IPv4 payload(s) could not be read"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_suite_declaration_is_consistent() {
        super::SUITE.check().unwrap();
    }
}
