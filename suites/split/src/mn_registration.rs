//! MN under test: IKEv2 with the harness's HA, home address, protected BU with the DNS
//! Update option, deregistration (RFC 5026 §5.2, §5.3, §6, §9.5; RFC 4877 §4).

use mip6lab_suite::{Observation, Outcome, TestPurpose};
use std::time::Duration;

pub fn registration_psk() -> TestPurpose {
    TestPurpose {
        id: "TP-SPLIT-MN-REG-PSK-01",
        title: "MN registers its assigned HoA with a protected BU carrying its FQDN",
        requirements: &["RFC5026-5.2-MN-MUST-1"],
        topology: "split-mn-iut",
        iut_env: &[],
        until_event: Some("done"),
        observe_for: Duration::from_secs(40),
        judge: judge_registration,
        pics: &[],
        stimulus: None,
    }
}

pub fn judge_registration(obs: &Observation) -> Outcome {
    Outcome::inconclusive(format!("draft judge: {}", obs.transcript.to_text()))
}
