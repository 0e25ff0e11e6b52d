//! HA under test: the harness's MN (the reference MN, started once the HA is ready) drives
//! IKEv2, BUs with the DNS Update option and deregistration against it, with BIND and
//! FreeRADIUS around (RFC 5026 §5.3, §6, §8, §9; RFC 4877 §4).

use mip6lab_suite::TestPurpose;

pub fn all() -> Vec<TestPurpose> {
    Vec::new()
}
