//! Test purposes and the runner.
//!
//! A test purpose reads like its spec sentence: a *setup* (topology and the IUT's settings),
//! a *stimulus* (for an MN under test: starting it; active stimuli come with the engines), an
//! *observation* (the decoded capture and what the IUT reported) and a *verdict* from a pure
//! `judge` function, so the judgement can be tested offline on recorded captures.
//!
//! A test purpose is one function in a suite crate's module: `#[test_purpose] pub fn x() ->
//! TestPurpose`, built by [`TestPurpose::new`] on a [`TestBed`] (scenario, IUT role, topology)
//! and the setters for what differs from the defaults. The attribute registers it; the crate's
//! [`Suite`] runs its modules in the order it lists them, each module's test purposes in the
//! order they are written.

// `#[test_purpose]` names this crate by its path, also in this crate's own tests.
extern crate self as mip6lab_suite;

pub mod images;
pub mod observe;
pub mod partition;
pub mod pics;
pub mod requirements;
pub mod runner;
pub mod suite;
pub mod synth;

#[doc(hidden)]
pub use inventory;
pub use mip6lab_capture::{DnsMessage, Entry, Part, Transcript};
pub use mip6lab_contract::IutRole;
pub use mip6lab_report::{Outcome, Verdict};
pub use mip6lab_suite_macros::test_purpose;
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
    /// When each frame of `pcap` was captured (index = frame number − 1).
    pub frame_times: Vec<Duration>,
    /// The topology's other links, in its order (none for a one-link topology). With
    /// several links `transcript` holds the entries of all of them in capture-time order
    /// ([`Observation::from_links`]), and `entry_links` says which link each came from.
    pub more_links: Vec<LinkObservation>,
    /// Per entry of `transcript`: 0 for `pcap`, i for `more_links[i − 1]`; empty when every
    /// entry is from `pcap`.
    pub entry_links: Vec<usize>,
}

/// The capture of one link after the topology's first (the integrated scenario's access, ASP
/// and home links).
#[derive(Debug, Clone, Default)]
pub struct LinkObservation {
    /// The topology network it is the capture of.
    pub network: String,
    /// The capture file (relative to the run directory); its entries' frame numbers refer
    /// to it.
    pub pcap: String,
    /// When each frame was captured (index = frame number − 1).
    pub frame_times: Vec<Duration>,
}

/// One link's capture, decoded: what [`Observation::from_links`] merges.
#[derive(Debug, Clone, Default)]
pub struct LinkCapture {
    pub network: String,
    pub pcap: String,
    pub transcript: Transcript,
    /// When each frame was captured (index = frame number − 1).
    pub frame_times: Vec<Duration>,
}

impl Observation {
    /// The observation of several links' captures (the first network's first): their
    /// entries in one transcript in capture-time order. Every link of a lab is captured in
    /// its namespace against one clock, so a message that causes another on a second link
    /// (the NAS relaying a request, or sending EAP-Success once the Access-Accept came) comes
    /// before it: the node's processing time lies between them, far above the clock's
    /// microsecond. Equal times keep link order, and within a link the capture's. Frame
    /// numbers stay each capture's own ([`Observation::pcap_of`] says which).
    pub fn from_links(links: Vec<LinkCapture>) -> Observation {
        let mut links = links.into_iter();
        let Some(first) = links.next() else {
            return Observation::default();
        };
        let more: Vec<LinkCapture> = links.collect();
        if more.is_empty() {
            return Observation {
                transcript: first.transcript,
                pcap: first.pcap,
                frame_times: first.frame_times,
                ..Observation::default()
            };
        }
        let mut keyed = Vec::new();
        let mut merged = Transcript::default();
        let mut more_links = Vec::new();
        for (link, l) in std::iter::once(first.clone()).chain(more).enumerate() {
            // An entry whose frame has no time takes the time of the one before it.
            let mut last = Duration::ZERO;
            for (i, e) in l.transcript.entries.into_iter().enumerate() {
                let t = usize::try_from(e.frame)
                    .ok()
                    .and_then(|n| n.checked_sub(1))
                    .and_then(|n| l.frame_times.get(n));
                if let Some(t) = t {
                    last = *t;
                }
                keyed.push(((last, link, i), e));
            }
            merged.errors.extend(l.transcript.errors);
            merged.setup += l.transcript.setup;
            merged.housekeeping += l.transcript.housekeeping;
            if link > 0 {
                more_links.push(LinkObservation {
                    network: l.network,
                    pcap: l.pcap,
                    frame_times: l.frame_times,
                });
            }
        }
        keyed.sort_by_key(|(k, _)| *k);
        let entry_links = keyed.iter().map(|((_, link, _), _)| *link).collect();
        merged.entries = keyed.into_iter().map(|(_, e)| e).collect();
        Observation {
            transcript: merged,
            pcap: first.pcap,
            frame_times: first.frame_times,
            more_links,
            entry_links,
            ..Observation::default()
        }
    }

    /// The observation of a recording (`mip6lab record`): one pcap per network of
    /// `topology` in `dir` (`<network>.pcap`), decoded as a test's captures are
    /// ([`runner::decode_links`]) and merged by [`Observation::from_links`]. For offline
    /// judge tests.
    pub fn from_recording(
        dir: &std::path::Path,
        topology: &mip6lab_lab::Topology,
        keylogs: &[std::path::PathBuf],
    ) -> anyhow::Result<Observation> {
        let pcaps: Vec<_> = topology
            .networks
            .iter()
            .map(|n| dir.join(format!("{}.pcap", n.name)))
            .collect();
        let links = runner::decode_links(&pcaps, &[], keylogs, &topology.endpoints())?;
        Ok(Observation::from_links(links))
    }

    /// The capture the entry at `position` of `transcript` came from.
    pub fn pcap_of(&self, position: usize) -> &str {
        match self.entry_links.get(position) {
            Some(&i) if i > 0 => self
                .more_links
                .get(i - 1)
                .map_or(self.pcap.as_str(), |l| l.pcap.as_str()),
            _ => self.pcap.as_str(),
        }
    }

    /// The capture `entry` (an entry of `transcript`) came from.
    pub fn pcap_of_entry(&self, entry: &Entry) -> &str {
        let position = self
            .transcript
            .entries
            .iter()
            .position(|e| std::ptr::eq(e, entry));
        self.pcap_of(position.unwrap_or(0))
    }

    /// `o` with `entries` as its evidence, each frame named in the capture it came from (on a
    /// multi-link observation, frame numbers belong to their own link's capture).
    pub fn with_entries(&self, o: Outcome, entries: &[&Entry]) -> Outcome {
        entries
            .iter()
            .fold(o, |o, e| o.with_frames(self.pcap_of_entry(e), [e.frame]))
    }

    /// When the entry at `position` of `transcript` was captured, if known.
    pub fn time_of(&self, position: usize) -> Option<Duration> {
        let e = self.transcript.entries.get(position)?;
        let times = match self.entry_links.get(position) {
            Some(&i) if i > 0 => &self.more_links.get(i - 1)?.frame_times,
            _ => &self.frame_times,
        };
        times
            .get(usize::try_from(e.frame).ok()?.checked_sub(1)?)
            .copied()
    }
}

/// The deployment a test purpose belongs to (RFC 5026's split scenario, RFC 6611's
/// integrated one, the dual-stack draft's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scenario {
    Split,
    Integrated,
    DualStack,
}

/// Where a test purpose runs: its scenario, the role the IUT plays there, and the topology
/// (`fixtures/topologies/<name>.toml`) whose `iut` node the IUT is.
#[derive(Debug, Clone, Copy)]
pub struct TestBed {
    pub scenario: Scenario,
    pub iut: IutRole,
    pub topology: &'static str,
}

impl TestBed {
    pub const fn new(scenario: Scenario, iut: IutRole, topology: &'static str) -> TestBed {
        TestBed {
            scenario,
            iut,
            topology,
        }
    }
}

/// One test purpose. Built one way: [`TestPurpose::new`], then the setters for what differs
/// from its defaults; registered with its suite by `#[test_purpose]` on the function that
/// builds it.
#[derive(Clone, Copy)]
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
    scenario: Scenario,
    iut_role: IutRole,
    reference_verdict: Verdict,
    lab_check: bool,
}

impl TestPurpose {
    /// A test purpose on `bed` without settings, PICS items or stimulus, observed until the
    /// watched node reports `done` (at most 45 s); the reference IUT is expected to PASS it.
    pub const fn new(
        bed: TestBed,
        id: &'static str,
        title: &'static str,
        requirements: &'static [&'static str],
        judge: fn(&Observation) -> Outcome,
    ) -> TestPurpose {
        TestPurpose {
            id,
            title,
            requirements,
            topology: bed.topology,
            iut_env: &[],
            until_event: Some("done"),
            observe_for: Duration::from_secs(45),
            judge,
            pics: &[],
            stimulus: None,
            peer_env: &[],
            scenario: bed.scenario,
            iut_role: bed.iut,
            reference_verdict: Verdict::Pass,
            lab_check: false,
        }
    }

    pub const fn iut_env(mut self, env: &'static [(&'static str, &'static str)]) -> Self {
        self.iut_env = env;
        self
    }

    pub const fn peer_env(
        mut self,
        env: &'static [(&'static str, &'static str, &'static str)],
    ) -> Self {
        self.peer_env = env;
        self
    }

    pub const fn pics(mut self, items: &'static [&'static str]) -> Self {
        self.pics = items;
        self
    }

    /// The tester node that drives the test, started once the IUT is ready.
    pub const fn stimulus(mut self, stimulus: Stimulus) -> Self {
        self.stimulus = Some(stimulus);
        self
    }

    /// The event that ends the observation; `None`: the watched node's exit (or the bound).
    pub const fn until_event(mut self, event: Option<&'static str>) -> Self {
        self.until_event = event;
        self
    }

    pub const fn observe_for(mut self, bound: Duration) -> Self {
        self.observe_for = bound;
        self
    }

    /// What the reference IUT is expected to get, when not PASS (e.g. an advisory test the
    /// reference deliberately fails); the reference baseline is checked against it.
    pub const fn expect_from_reference(mut self, verdict: Verdict) -> Self {
        self.reference_verdict = verdict;
        self
    }

    /// A self-check of the harness's own peers (e.g. that BIND serves the SRV records the
    /// MN tests rely on), not a verdict on the IUT: its FAIL makes the test ERROR "lab
    /// broken: …", and reports list it apart from the IUT's verdicts.
    pub const fn lab_check(mut self) -> Self {
        self.lab_check = true;
        self
    }

    /// Whether this test judges the harness's own peers ([`TestPurpose::lab_check`]).
    pub const fn is_lab_check(&self) -> bool {
        self.lab_check
    }

    pub const fn scenario(&self) -> Scenario {
        self.scenario
    }

    /// The role the IUT plays in this test.
    pub const fn iut_role(&self) -> IutRole {
        self.iut_role
    }

    /// The verdict the reference IUT is expected to get.
    pub const fn reference_verdict(&self) -> Verdict {
        self.reference_verdict
    }
}

/// A registered test purpose: the function that builds it and where it is declared, which
/// gives the run order ([`Suite::tests`]). Written by `#[test_purpose]`.
#[doc(hidden)]
pub struct Registration {
    pub build: fn() -> TestPurpose,
    pub module: &'static str,
    pub line: u32,
}

inventory::collect!(Registration);

/// What `#[test_purpose]` expands to, after the function.
#[doc(hidden)]
#[macro_export]
macro_rules! register_test_purpose {
    ($build:ident) => {
        $crate::inventory::submit! {
            $crate::Registration {
                build: $build,
                module: ::core::module_path!(),
                line: ::core::line!(),
            }
        }
    };
}

/// A judge's step: the value in `Ok`, or the judge returns the [`Outcome`] in `Err` (what
/// `?` would do, were a judge's return type a `Result`).
#[macro_export]
macro_rules! try_step {
    ($result:expr) => {
        match $result {
            Ok(value) => value,
            Err(outcome) => return outcome,
        }
    };
}

/// A tester node of the topology started after the IUT, with its settings.
#[derive(Debug, Clone, Copy)]
pub struct Stimulus {
    /// Node name in the topology (marked `after_iut = true` there).
    pub node: &'static str,
    pub env: &'static [(&'static str, &'static str)],
}
