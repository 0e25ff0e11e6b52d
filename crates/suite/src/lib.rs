//! Test purposes and the runner.
//!
//! A test purpose reads like its spec sentence: a *setup* (topology and the IUT's settings),
//! a *stimulus* (for an MN under test: starting it; active stimuli come with the engines), an
//! *observation* (the decoded capture and what the IUT reported) and a *verdict* from a pure
//! `judge` function, so the judgement can be tested offline on recorded captures.

pub mod observe;
pub mod pics;
pub mod requirements;
pub mod runner;
pub mod suite;

pub use mip6lab_capture::{DnsMessage, Entry, Message, Transcript};
pub use mip6lab_report::{Outcome, Verdict};
pub use pics::Pics;
pub use runner::{RunOptions, Runner};
pub use suite::Suite;

use std::time::Duration;

/// What the harness observed during one test.
#[derive(Debug, Clone, Default)]
pub struct Observation {
    pub transcript: Transcript,
    /// The capture file the frame numbers refer to (relative to the run directory).
    pub pcap: String,
    /// The event the test waited for, as the IUT reported it (None when it never came).
    pub iut_event: Option<serde_json::Value>,
    /// The IUT's exit code, when it ended on its own during the test.
    pub iut_exit: Option<i64>,
    /// Image → version line of each peer that reported one.
    pub peer_versions: std::collections::BTreeMap<String, String>,
}

/// One test purpose.
pub struct TestPurpose {
    /// Stable ID, e.g. `TP-SPLIT-MN-DISC-SRV-01`.
    pub id: &'static str,
    pub title: &'static str,
    /// Requirement IDs from `fixtures/requirements/` that this test verifies.
    pub requirements: &'static [&'static str],
    /// A topology under `fixtures/topologies/`.
    pub topology: &'static str,
    /// Settings for the IUT node (the contract's `MIP6LAB_*` variables).
    pub iut_env: &'static [(&'static str, &'static str)],
    /// The IUT event that ends the observation early (the reference reports it; a vendor
    /// IUT that does not is observed for `observe_for`).
    pub until_event: Option<&'static str>,
    /// Upper bound on the observation.
    pub observe_for: Duration,
    pub judge: fn(&Observation) -> Outcome,
    /// PICS items the IUT must declare supported (e.g. `ha.hoa.autoconf`); an IUT whose PICS
    /// file says `false` gets NOT-APPLICABLE without a lab.
    pub pics: &'static [&'static str],
    /// The harness's active peer (e.g. the tester MN for an HA under test), started once the
    /// IUT is ready; `until_event` is then awaited on this node instead of the IUT. Any other
    /// `after_iut` node of the topology starts just before it.
    pub stimulus: Option<Stimulus>,
    /// Settings of the harness's peers for this test: (node, variable, value), e.g. the
    /// harness HA's `MIP6LAB_KNOBS` to provoke BA status 134.
    pub peer_env: &'static [(&'static str, &'static str, &'static str)],
}

impl TestPurpose {
    /// A test purpose on `topology` without settings, PICS items or stimulus, observed until
    /// the watched node reports `done` (at most 45 s). Suites override fields with `..`.
    pub const fn new(
        id: &'static str,
        title: &'static str,
        requirements: &'static [&'static str],
        topology: &'static str,
        judge: fn(&Observation) -> Outcome,
    ) -> TestPurpose {
        TestPurpose {
            id,
            title,
            requirements,
            topology,
            iut_env: &[],
            until_event: Some("done"),
            observe_for: Duration::from_secs(45),
            judge,
            pics: &[],
            stimulus: None,
            peer_env: &[],
        }
    }
}

/// A tester node of the topology started after the IUT, with its settings.
#[derive(Debug, Clone, Copy)]
pub struct Stimulus {
    /// Node name in the topology (marked `after_iut = true` there).
    pub node: &'static str,
    pub env: &'static [(&'static str, &'static str)],
}
