//! Runs test purposes in labs and collects results.

use crate::images::ReferenceImages;
use crate::suite::TOPOLOGIES_DIR;
use crate::{LinkCapture, Observation, Pics, TestPurpose};
use anyhow::{Context, Result};
use mip6lab_capture::read::read_file;
use mip6lab_capture::{Endpoints, Transcript};
use mip6lab_lab::lab::{Artifacts, Iut, Prepare};
use mip6lab_lab::{Lab, LabOptions, Topology};
use mip6lab_report::{flaky, Outcome, RunResult, TestResult, Verdict};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct RunOptions {
    pub root: PathBuf,
    /// `reports/<run-id>`; each test writes into its own subdirectory.
    pub run_dir: PathBuf,
    pub run_id: String,
    pub suite: String,
    pub iut: Iut,
    /// Mutation knobs passed to the IUT as `MIP6LAB_KNOBS`.
    pub knobs: String,
}

impl RunOptions {
    /// A run of `suite` against `iut` in a fresh directory under the system's temporary one
    /// (`mip6lab-tests/<run_id>`), as the container tests run it.
    pub fn scratch(
        root: PathBuf,
        suite: &str,
        iut: Iut,
        knobs: &str,
        run_id: String,
    ) -> RunOptions {
        let run_dir = std::env::temp_dir().join("mip6lab-tests").join(&run_id);
        RunOptions {
            root,
            run_dir,
            run_id,
            suite: suite.into(),
            iut,
            knobs: knobs.into(),
        }
    }
}

// PICS and reruns live on the Runner, not in RunOptions, so that callers building RunOptions
// literally (the mutants command, the lab tests) keep compiling unchanged.
pub struct Runner {
    pub opts: RunOptions,
    /// The IUT's PICS. None: no PICS was given and every test runs, whatever items it needs.
    pub pics: Option<Pics>,
    /// Extra runs of each test (`--rerun N`); a test whose verdicts differ is flaky.
    pub reruns: u32,
    /// An upper bound on every observation window (`None`: each test's own). Only for IUTs
    /// whose capture stays empty however long one waits (the hollow IUTs' CI runs): a real
    /// IUT needs the windows the tests declare.
    pub observe_cap: Option<Duration>,
    /// Observations by scenario: test purposes with the same setup and stimulus judge one
    /// lab run (the first one's directory holds its evidence).
    scenarios: std::sync::Mutex<std::collections::HashMap<String, Shared>>,
    /// Labs run at once by [`Runner::run_all`] (`--jobs`); 1 runs the tests one after
    /// another in selection order.
    pub jobs: usize,
    /// Per lab worker, its last test's lab, kept for its next test when the `reuse` peers
    /// fit ([`Lab::reusable_for`]); [`Runner::close`] removes them.
    warm: std::sync::Mutex<Vec<Option<Lab>>>,
}

type Shared = Result<Observed, String>;

/// One lab run's observation, the files it rests on, and what the harness saw besides the
/// wire: how the IUT and the tester ended.
#[derive(Clone)]
struct Observed {
    obs: Observation,
    files: Vec<PathBuf>,
    /// The IUT exited 2 (a configuration error, per the contract): its stderr line.
    config_error: Option<String>,
    /// The tester (stimulus) neither reported the awaited event nor exited in time.
    tester_timed_out: bool,
    /// Milliseconds by stage of the lab run (empty for a test judged on another's run).
    stages_ms: std::collections::BTreeMap<String, u64>,
}

/// What one test leaves, besides its result.
pub struct TestRecord {
    pub result: TestResult,
    pub transcript: Transcript,
    pub peer_versions: std::collections::BTreeMap<String, String>,
}

impl Runner {
    pub fn new(opts: RunOptions) -> Runner {
        Runner {
            opts,
            pics: None,
            reruns: 0,
            observe_cap: None,
            scenarios: Default::default(),
            jobs: 1,
            warm: Default::default(),
        }
    }

    /// Runs up to `jobs` labs at once (at least 1).
    pub fn with_jobs(mut self, jobs: usize) -> Runner {
        self.jobs = jobs.max(1);
        self
    }

    pub fn with_pics(mut self, pics: Option<Pics>) -> Runner {
        self.pics = pics;
        self
    }

    pub fn with_reruns(mut self, reruns: u32) -> Runner {
        self.reruns = reruns;
        self
    }

    /// Caps every observation window at `cap` (see [`Runner::observe_cap`]).
    pub fn with_observe_cap(mut self, cap: Duration) -> Runner {
        self.observe_cap = Some(cap);
        self
    }

    pub async fn run_all(
        &self,
        tests: &[TestPurpose],
        progress: impl FnMut(usize, &TestRecord),
    ) -> (RunResult, Vec<TestRecord>) {
        self.run_all_with(tests, |_, _| {}, progress).await
    }

    /// As [`Runner::run_all`], with a call as each test starts too (`i` counts from 0).
    pub async fn run_all_with(
        &self,
        tests: &[TestPurpose],
        mut starting: impl FnMut(usize, &TestPurpose),
        mut progress: impl FnMut(usize, &TestRecord),
    ) -> (RunResult, Vec<TestRecord>) {
        let started = Instant::now();
        let started_unix = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let records = if self.jobs <= 1 {
            let mut records = Vec::new();
            for (i, tp) in tests.iter().enumerate() {
                starting(i, tp);
                let rec = self.run_test(tp).await;
                progress(i, &rec);
                records.push(rec);
            }
            records
        } else {
            self.run_parallel(tests, &mut starting, &mut progress).await
        };
        if let Err(e) = self.close().await {
            eprintln!("warning: removing the last lab: {e:#}");
        }
        let run = RunResult {
            schema_version: RunResult::SCHEMA_VERSION,
            run_id: self.opts.run_id.clone(),
            suite: self.opts.suite.clone(),
            host: mip6lab_report::this_host(),
            mip6lab_version: mip6lab_report::MIP6LAB_VERSION.into(),
            pics: self.pics.as_ref().map(Pics::to_run_map).unwrap_or_default(),
            peer_versions: records
                .iter()
                .flat_map(|r| r.peer_versions.clone())
                .collect(),
            iut: match &self.opts.iut {
                Iut::Reference { .. } => "reference".into(),
                Iut::Image(tag) => tag.clone(),
                Iut::None => "none".into(),
            },
            knobs: self.opts.knobs.clone(),
            started_unix,
            duration_ms: started.elapsed().as_millis() as u64,
            results: records.iter().map(|r| r.result.clone()).collect(),
            // The gate's profile is the caller's (`mip6lab suite --strict`).
            strict: false,
            // So is a shard's place (`--partition`).
            ..RunResult::default()
        };
        (run, records)
    }

    /// `jobs` lab workers take lab-sharing groups ([`crate::partition::lab_groups`]) from
    /// one queue, each preferring a group on its kept lab's topology (reused peers), and
    /// run them; records come back in selection order whatever finished first.
    async fn run_parallel(
        &self,
        tests: &[TestPurpose],
        starting: &mut dyn FnMut(usize, &TestPurpose),
        progress: &mut dyn FnMut(usize, &TestRecord),
    ) -> Vec<TestRecord> {
        use std::cell::RefCell;
        let queue = RefCell::new(std::collections::VecDeque::from(
            crate::partition::lab_groups(tests),
        ));
        let done: RefCell<Vec<Option<TestRecord>>> =
            RefCell::new((0..tests.len()).map(|_| None).collect());
        let callbacks = RefCell::new((starting, progress));
        let worker = |w: usize| {
            let (queue, done, callbacks) = (&queue, &done, &callbacks);
            async move {
                let mut last_topology: Option<&str> = None;
                loop {
                    let group = {
                        let mut q = queue.borrow_mut();
                        let same = q
                            .iter()
                            .position(|g| Some(tests[g[0]].topology) == last_topology);
                        match same.or((!q.is_empty()).then_some(0)) {
                            Some(at) => q.remove(at),
                            None => None,
                        }
                    };
                    let Some(group) = group else {
                        // Nothing left for this worker: its kept lab would only hold a host
                        // slot that another worker (of this run or another) waits for.
                        if let Some(lab) = self.take_warm(w) {
                            if let Err(e) = lab.close().await {
                                eprintln!("warning: removing a finished worker's lab: {e:#}");
                            }
                        }
                        break;
                    };
                    for i in group {
                        let tp = &tests[i];
                        (callbacks.borrow_mut().0)(i, tp);
                        let rec = self.run_test_on(tp, w).await;
                        (callbacks.borrow_mut().1)(i, &rec);
                        done.borrow_mut()[i] = Some(rec);
                        last_topology = Some(tp.topology);
                    }
                }
            }
        };
        // One task, workers interleaved at their awaits: the harness's own work is small
        // beside the containers', and decoding runs on the blocking pool.
        futures_util::future::join_all((0..self.jobs).map(worker)).await;
        done.into_inner()
            .into_iter()
            .map(|r| r.expect("every queued test ran"))
            .collect()
    }

    /// Removes the labs kept for a next test, if any. [`Runner::run_all`] does this at its
    /// end; callers of [`Runner::run_test`] call it when done (else the labs go when the
    /// runner is dropped).
    pub async fn close(&self) -> Result<()> {
        let labs: Vec<Lab> = self
            .warm
            .lock()
            .map(|mut w| w.iter_mut().filter_map(Option::take).collect())
            .unwrap_or_default();
        let mut first_error = None;
        for r in futures_util::future::join_all(labs.into_iter().map(Lab::close)).await {
            if let Err(e) = r {
                first_error.get_or_insert(e);
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    fn take_warm(&self, worker: usize) -> Option<Lab> {
        self.warm
            .lock()
            .ok()
            .and_then(|mut w| w.get_mut(worker).and_then(Option::take))
    }

    fn keep_warm(&self, worker: usize, lab: Lab) {
        if let Ok(mut w) = self.warm.lock() {
            if w.len() <= worker {
                w.resize_with(worker + 1, || None);
            }
            w[worker] = Some(lab);
        }
    }

    /// Why the IUT's PICS rules the test out, if it does.
    /// A test also needs the role it puts under test (`role.mn`, `role.ha`, …), so an HA
    /// image is never judged as an MN.
    pub fn not_applicable(&self, tp: &TestPurpose) -> Option<String> {
        let pics = self.pics.as_ref()?;
        let role = tp.iut_role().pics_item();
        let mut needed: Vec<&str> = vec![role.as_str()];
        needed.extend(tp.pics.iter().copied());
        pics.unmet(&needed)
    }

    /// A test with its reruns: one run, then `reruns` more in `<TP-ID>/rerun-<k>/`, folded
    /// into one result by [`flaky::aggregate`]. A test the PICS rules out runs no lab at all.
    pub async fn run_test(&self, tp: &TestPurpose) -> TestRecord {
        self.run_test_on(tp, 0).await
    }

    /// [`Runner::run_test`] on lab worker `worker`'s kept lab.
    async fn run_test_on(&self, tp: &TestPurpose, worker: usize) -> TestRecord {
        let first = self.run_one_on(tp, worker).await;
        if self.reruns == 0 || first.result.outcome.verdict == Verdict::NotApplicable {
            return first;
        }
        let mut records = vec![first];
        for k in 1..=self.reruns {
            let dir = self.opts.run_dir.join(tp.id).join(format!("rerun-{k}"));
            records.push(self.run_in(tp, &dir, worker).await);
        }
        combine(records)
    }

    /// One run of a test in `<run-dir>/<TP-ID>/`, or NOT-APPLICABLE without a lab when the
    /// PICS does not declare every item it needs.
    pub async fn run_one(&self, tp: &TestPurpose) -> TestRecord {
        self.run_one_on(tp, 0).await
    }

    async fn run_one_on(&self, tp: &TestPurpose, worker: usize) -> TestRecord {
        if let Some(reason) = self.not_applicable(tp) {
            return TestRecord {
                result: self.result(tp, Outcome::new(Verdict::NotApplicable, reason), 0, &[]),
                transcript: Transcript::default(),
                peer_versions: Default::default(),
            };
        }
        self.run_in(tp, &self.opts.run_dir.join(tp.id), worker)
            .await
    }

    async fn run_in(&self, tp: &TestPurpose, dir: &Path, worker: usize) -> TestRecord {
        let started = Instant::now();
        let observed = self.observe_shared(tp, dir, worker).await.map_err(|e| {
            let e = format!("{e:#}");
            // The IUT's own refusal is not the harness's fault.
            match e.starts_with(IUT_CONFIGURATION_ERROR) {
                true => e,
                false => format!("harness: {e}"),
            }
        });
        let (outcome, observed) = match observed {
            Ok(o) => (judge(tp, &o.obs, o.config_error.as_deref()), o),
            Err(reason) => (
                Outcome::error(reason),
                Observed {
                    obs: Observation::default(),
                    files: Vec::new(),
                    config_error: None,
                    tester_timed_out: false,
                    stages_ms: Default::default(),
                },
            ),
        };
        let mut result = self.result(
            tp,
            outcome,
            started.elapsed().as_millis() as u64,
            &observed.files,
        );
        result.iut_exit = observed.obs.iut_exit;
        result.tester_timed_out = observed.tester_timed_out;
        result.stages_ms = observed.stages_ms.clone();
        let Observation {
            transcript,
            peer_versions,
            ..
        } = observed.obs;
        TestRecord {
            result,
            transcript,
            peer_versions,
        }
    }

    fn result(
        &self,
        tp: &TestPurpose,
        outcome: Outcome,
        duration_ms: u64,
        artifacts: &[PathBuf],
    ) -> TestResult {
        TestResult {
            id: tp.id.to_string(),
            title: tp.title.to_string(),
            lab_check: tp.is_lab_check(),
            requirements: tp.requirements.iter().map(|s| s.to_string()).collect(),
            outcome,
            duration_ms,
            artifacts: artifacts
                .iter()
                .filter_map(|p| {
                    p.strip_prefix(&self.opts.run_dir)
                        .ok()
                        .map(Path::to_path_buf)
                })
                .collect(),
            ..TestResult::default()
        }
    }

    /// The scenario of a test: everything that decides what happens in its lab.
    fn scenario_key(&self, tp: &TestPurpose, dir: &Path) -> String {
        // Reruns observe afresh: the directory under the test's own is part of the key.
        let round = dir
            .strip_prefix(self.opts.run_dir.join(tp.id))
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| dir.display().to_string());
        format!("{}|{round}", crate::partition::scenario_of(tp))
    }

    /// [`Runner::observe`] once per scenario; later tests of the scenario note where the
    /// evidence is.
    async fn observe_shared(
        &self,
        tp: &TestPurpose,
        dir: &Path,
        worker: usize,
    ) -> Result<Observed> {
        let key = self.scenario_key(tp, dir);
        let cached = self
            .scenarios
            .lock()
            .ok()
            .and_then(|m| m.get(&key).cloned());
        if let Some(shared) = cached {
            std::fs::create_dir_all(dir)?;
            let first = shared
                .as_ref()
                .ok()
                .and_then(|o| o.files.first())
                .and_then(|f| f.parent())
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            std::fs::write(
                dir.join("scenario.txt"),
                format!(
                    "same setup and stimulus as the run in {first}: judged on its observation\n"
                ),
            )?;
            return shared
                .map(|mut o| {
                    o.stages_ms.clear();
                    o
                })
                .map_err(|e| anyhow::anyhow!("{e}"));
        }
        let res = self.observe(tp, dir, worker).await;
        let shared: Shared = match &res {
            Ok(v) => Ok(v.clone()),
            Err(e) => Err(format!("{e:#}")),
        };
        if let Ok(mut m) = self.scenarios.lock() {
            m.insert(key, shared);
        }
        res
    }

    /// One lab run for `tp`, in stages: the lab's plan (topology and settings), the lab up
    /// (a fresh one or the last test's), the observation, the decoding of the capture, and
    /// the evidence files. Returns the observation and the files it rests on.
    async fn observe(&self, tp: &TestPurpose, dir: &Path, worker: usize) -> Result<Observed> {
        let plan = self.plan(tp)?;
        let mut stages = std::collections::BTreeMap::new();
        let mut clock = Instant::now();
        let mut lap = |stage: &str| {
            stages.insert(stage.to_string(), clock.elapsed().as_millis() as u64);
            clock = Instant::now();
        };
        let mut lab = self.lab_up(&plan, dir, worker).await?;
        lap("lab_up");
        let window = self
            .observe_cap
            .map_or(tp.observe_for, |c| c.min(tp.observe_for));
        let watched = watch(&mut lab, tp, &plan, window).await?;
        lap("iut_start");
        stages.insert("observation".into(), watched.observed_ms);
        if let Some(s) = stages.get_mut("iut_start") {
            *s = s.saturating_sub(watched.observed_ms);
        }
        // Frames still in flight when the IUT reported should reach the capture.
        lab.settle_captures().await;
        let artifacts = lab.end_test().await?;
        self.keep_warm(worker, lab);
        let mut lap = |stage: &str| {
            stages.insert(stage.to_string(), clock.elapsed().as_millis() as u64);
            clock = Instant::now();
        };
        lap("teardown");
        // Off the runtime's threads: other labs' waits go on while this capture decodes.
        let links = {
            let (artifacts, endpoints) = (artifacts.clone(), plan.endpoints.clone());
            tokio::task::spawn_blocking(move || {
                decode_links(
                    &artifacts.pcaps,
                    &artifacts.setup_frames,
                    &artifacts.keylogs,
                    &endpoints,
                )
            })
            .await
            .context("decoding the capture")??
        };
        lap("decode");
        let files = write_evidence(dir, &links, &artifacts)?;
        let captures = links
            .into_iter()
            .map(|l| LinkCapture {
                pcap: Path::new(&l.pcap)
                    .strip_prefix(&self.opts.run_dir)
                    .map_or(l.pcap.clone(), |p| p.display().to_string()),
                ..l
            })
            .collect();
        Ok(Observed {
            obs: Observation {
                iut_event: watched.event,
                iut_exit: watched.iut_exit,
                peer_versions: artifacts.versions,
                ..Observation::from_links(captures)
            },
            files,
            config_error: watched.config_error,
            tester_timed_out: watched.tester_timed_out,
            stages_ms: stages,
        })
    }

    /// The lab a test needs: its topology with the test's peer settings, the IUT's settings
    /// (with the run's knobs) and the stimulus's. No Docker yet.
    fn plan(&self, tp: &TestPurpose) -> Result<LabPlan> {
        let topo_path = self
            .opts
            .root
            .join(TOPOLOGIES_DIR)
            .join(format!("{}.toml", tp.topology));
        let mut topology = Topology::load(&topo_path)?;
        for (node, key, value) in tp.peer_env {
            let n = topology
                .nodes
                .iter_mut()
                .find(|n| n.name == *node && n.image != "iut")
                .with_context(|| {
                    format!("{}: topology {} has no peer `{node}`", tp.id, tp.topology)
                })?;
            n.env.insert(key.to_string(), value.to_string());
        }
        let endpoints = topology.endpoints();
        let mut iut_env: Vec<(String, String)> = tp
            .iut_env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        if !self.opts.knobs.is_empty() {
            iut_env.push(("MIP6LAB_KNOBS".into(), self.opts.knobs.clone()));
        }
        let stimulus_env: Vec<(String, String)> = tp
            .stimulus
            .iter()
            .flat_map(|s| s.env.iter())
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        // The IUT and the testers are created while the peers come up; started later.
        let mut prepare: Vec<Prepare> = Vec::new();
        if let Some(n) = topology.iut() {
            prepare.push((n.name.clone(), iut_env.clone()));
        }
        for n in topology.nodes.iter().filter(|n| n.after_iut) {
            let e = match tp.stimulus {
                Some(st) if st.node == n.name => stimulus_env.clone(),
                _ => Vec::new(),
            };
            prepare.push((n.name.clone(), e));
        }
        Ok(LabPlan {
            topology,
            endpoints,
            iut_env,
            stimulus_env,
            prepare,
        })
    }

    /// The worker's last lab when its peers fit the plan, else a new lab (the old one goes
    /// first: it would hold a lab slot). Its peers are up and ready, the IUT and the testers
    /// created.
    async fn lab_up(&self, plan: &LabPlan, dir: &Path, worker: usize) -> Result<Lab> {
        let opts = LabOptions {
            root: self.opts.root.clone(),
            out_dir: dir.to_path_buf(),
            iut: self.opts.iut.clone(),
        };
        let fresh = |opts: LabOptions| {
            Lab::up_with(
                plan.topology.clone(),
                opts,
                plan.prepare.clone(),
                Arc::new(ReferenceImages),
            )
        };
        let kept = self.take_warm(worker);
        Ok(match kept {
            Some(mut lab) if lab.reusable_for(&plan.topology) => {
                match lab
                    .next_test(plan.topology.clone(), opts.clone(), plan.prepare.clone())
                    .await
                {
                    Ok(()) => lab,
                    Err(e) => {
                        eprintln!("note: a fresh lab, the kept one failed: {e:#}");
                        lab.close().await?;
                        fresh(opts).await?
                    }
                }
            }
            kept => {
                if let Some(old) = kept {
                    old.close().await?;
                }
                fresh(opts).await?
            }
        })
    }
}

/// How the reason of an IUT's configuration error starts.
pub const IUT_CONFIGURATION_ERROR: &str = "IUT configuration error: ";

/// The verdict on an observation: ERROR when the IUT refused its configuration (exit 2, per
/// the contract: nothing was tested), else the judge's; a lab self-check's FAIL is an ERROR
/// ("lab broken").
pub fn judge(tp: &TestPurpose, obs: &Observation, config_error: Option<&str>) -> Outcome {
    if let Some(line) = config_error {
        return Outcome::error(format!("{IUT_CONFIGURATION_ERROR}{line}"));
    }
    let outcome = (tp.judge)(obs);
    if tp.is_lab_check() {
        outcome.lab_check()
    } else {
        outcome
    }
}

/// What a test's lab is made of ([`Runner::plan`]).
struct LabPlan {
    /// The topology with the test's peer settings.
    topology: Topology,
    /// Roles by address, for the transcript.
    endpoints: Endpoints,
    /// The IUT's settings, the run's knobs included.
    iut_env: Vec<(String, String)>,
    stimulus_env: Vec<(String, String)>,
    /// The nodes created while the peers come up: the IUT and the `after_iut` testers.
    prepare: Vec<Prepare>,
}

/// What the watched node reported, and how the IUT and the tester ended.
struct Watched {
    /// The event the test waited for (None when it never came or none was awaited).
    event: Option<serde_json::Value>,
    /// The IUT's exit code, when it ended on its own during the test.
    iut_exit: Option<i64>,
    /// The IUT exited 2: its stderr line.
    config_error: Option<String>,
    /// The tester (stimulus) neither reported the awaited event nor exited in time.
    tester_timed_out: bool,
    /// From the last start (IUT or stimulus) to the end of the observation.
    observed_ms: u64,
}

/// The observation proper: starts the IUT, the other testers and the stimulus, and waits
/// for the watched node's event (or exit) within the test's bound.
async fn watch(
    lab: &mut Lab,
    tp: &TestPurpose,
    plan: &LabPlan,
    window: Duration,
) -> Result<Watched> {
    let iut = match lab.start_iut(&plan.iut_env).await {
        Ok(iut) => iut,
        // An HA that refuses its configuration exits before its ready line.
        Err(e) => match lab.iut_configuration_error().await {
            Some(line) => anyhow::bail!("{IUT_CONFIGURATION_ERROR}{line}"),
            None => return Err(e),
        },
    };
    // Other tester peers (e.g. a first MN that holds an address the stimulus then asks for)
    // start before the stimulus, in topology order, with their topology settings and the
    // test's `peer_env`.
    let stimulus = tp.stimulus.map(|s| s.node);
    let others: Vec<String> = lab
        .topology
        .nodes
        .iter()
        .filter(|n| n.after_iut && Some(n.name.as_str()) != stimulus)
        .map(|n| n.name.clone())
        .collect();
    for name in &others {
        lab.start_after_iut(name, &[]).await?;
    }
    // The node whose report ends the observation: the stimulus when there is one (the
    // harness's MN towards an HA under test), else the IUT.
    let watched = match &tp.stimulus {
        Some(st) => lab.start_after_iut(st.node, &plan.stimulus_env).await?,
        None => iut.clone(),
    };
    let observing = Instant::now();
    let (event, watched_exit) = match tp.until_event {
        Some(kind) => {
            let event = lab.wait_event(&watched, kind, window).await?;
            (event, lab.wait_exit(&watched, Duration::ZERO).await?)
        }
        None => (None, lab.wait_exit(&watched, window).await?),
    };
    let tester_timed_out = tp.stimulus.is_some() && event.is_none() && watched_exit.is_none();
    let iut_exit = lab.wait_exit(&iut, Duration::ZERO).await?;
    let config_error = match iut_exit {
        Some(2) => lab.iut_configuration_error().await,
        _ => None,
    };
    Ok(Watched {
        event,
        iut_exit,
        config_error,
        tester_timed_out,
        observed_ms: observing.elapsed().as_millis() as u64,
    })
}

/// The captures `pcaps` (one per network, the lab names each after its network), decoded in
/// that order with the role names of `endpoints`, decrypted with the keys of `keylogs` (an
/// unreadable key log is a warning: its frames stay undecrypted); `setup_frames[i]` of the
/// i-th capture's first frames came before the IUT started.
pub fn decode_links(
    pcaps: &[PathBuf],
    setup_frames: &[u64],
    keylogs: &[PathBuf],
    endpoints: &Endpoints,
) -> Result<Vec<LinkCapture>> {
    anyhow::ensure!(
        !pcaps.is_empty(),
        "the topology has no network, so nothing was captured"
    );
    let mut ctx = mip6lab_capture::dissect::Context::default();
    for k in keylogs {
        match mip6lab_capture::keylog::KeyLog::load(k) {
            Ok(log) => {
                ctx.keys.ike.extend(log.ike);
                ctx.keys.esp.extend(log.esp);
            }
            Err(e) => eprintln!("warning: key log {}: {e}", k.display()),
        }
    }
    let dissectors = mip6lab_capture::dissect::Dissectors::standard();
    let mut links = Vec::new();
    for (i, pcap) in pcaps.iter().enumerate() {
        let read = read_file(pcap)?;
        if let Some(e) = read.error {
            anyhow::bail!("capture {} unreadable: {e}", pcap.display());
        }
        let setup = setup_frames.get(i).copied().unwrap_or(0);
        links.push(LinkCapture {
            network: pcap
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default(),
            pcap: pcap.display().to_string(),
            transcript: mip6lab_capture::decode_with(
                &read.frames,
                endpoints,
                setup,
                &dissectors,
                &mut ctx,
            ),
            frame_times: read.frames.iter().map(|f| f.timestamp).collect(),
        });
    }
    Ok(links)
}

/// Writes the transcript (text and JSON) into `dir`; returns every evidence file of the
/// test: captures, logs, peer state, key logs and the transcripts.
fn write_evidence(
    dir: &Path,
    links: &[LinkCapture],
    artifacts: &Artifacts,
) -> Result<Vec<PathBuf>> {
    let mut files = artifacts.pcaps.clone();
    files.extend(artifacts.logs.iter().cloned());
    files.extend(artifacts.state.iter().cloned());
    files.extend(artifacts.keylogs.iter().cloned());
    // The first link's transcript keeps its name; the others are named by their network.
    for (i, l) in links.iter().enumerate() {
        let stem = match i {
            0 => "transcript".to_string(),
            _ => format!("transcript-{}", l.network),
        };
        let (text, json) = (
            dir.join(format!("{stem}.txt")),
            dir.join(format!("{stem}.json")),
        );
        std::fs::write(&text, l.transcript.to_text())?;
        std::fs::write(&json, serde_json::to_string_pretty(&l.transcript)?)?;
        files.extend([text, json]);
    }
    Ok(files)
}

/// The runs of one test as one record: the result by [`flaky::aggregate`], the transcript of
/// the run whose verdict it carries, the peer versions of all runs.
fn combine(records: Vec<TestRecord>) -> TestRecord {
    let verdicts: Vec<Verdict> = records.iter().map(|r| r.result.outcome.verdict).collect();
    let worst = flaky::worst_run(&verdicts).unwrap_or(0);
    let mut peer_versions = std::collections::BTreeMap::new();
    let mut results = Vec::new();
    let mut transcript = Transcript::default();
    for (i, r) in records.into_iter().enumerate() {
        peer_versions.extend(r.peer_versions);
        results.push(r.result);
        if i == worst {
            transcript = r.transcript;
        }
    }
    TestRecord {
        result: flaky::aggregate(results),
        transcript,
        peer_versions,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{IutRole, Observation, Scenario, TestBed};

    fn judge(_: &Observation) -> Outcome {
        Outcome::pass("ok")
    }

    fn tp(pics: &'static [&'static str]) -> TestPurpose {
        // A topology that does not exist: reaching the lab would be an ERROR.
        let bed = TestBed::new(Scenario::Split, IutRole::Mn, "no-such-topology");
        TestPurpose::new(bed, "TP-PICS-01", "needs PICS items", &["R1"], judge)
            .until_event(None)
            .observe_for(Duration::from_secs(1))
            .pics(pics)
    }

    fn runner(pics: Option<&str>, reruns: u32) -> Runner {
        let dir = std::env::temp_dir().join(format!("mip6lab-runner-{}", std::process::id()));
        Runner::new(RunOptions {
            root: dir.clone(),
            run_dir: dir,
            run_id: "r".into(),
            suite: "unit".into(),
            iut: Iut::None,
            knobs: String::new(),
        })
        .with_pics(pics.map(|t| Pics::parse(t).unwrap()))
        .with_reruns(reruns)
    }

    const PICS: &str = "[iut]\nname = \"x\"\n[pics]\nrole.mn = true\nha.dns_update = false\n\
                        mn.dns_update = true\n";

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(f)
    }

    #[test]
    fn pics_false_or_undeclared_is_not_applicable_without_a_lab() {
        let r = runner(Some(PICS), 2);
        let rec = block_on(r.run_test(&tp(&["mn.dns_update", "ha.dns_update"])));
        assert_eq!(rec.result.outcome.verdict, Verdict::NotApplicable);
        assert_eq!(rec.result.outcome.reason, "PICS: ha.dns_update = false");
        assert!(rec.result.runs.is_empty(), "a PICS verdict is not rerun");
        assert!(rec.result.artifacts.is_empty());
        assert_eq!(rec.result.requirements, ["R1"]);
        let rec = block_on(r.run_one(&tp(&["ha.auth.eap"])));
        assert_eq!(
            rec.result.outcome.reason,
            "PICS: ha.auth.eap not declared (counts as unsupported)"
        );
        let (run, _) = block_on(r.run_all(&[tp(&["ha.dns_update"])], |_, _| {}));
        assert_eq!(run.pics["ha.dns_update"], false);
        assert_eq!(run.pics["iut.name"], "x");
        assert_eq!(run.count(Verdict::NotApplicable), 1);
    }

    #[test]
    fn an_iut_without_the_role_is_not_applicable() {
        let ha_only = "[iut]\nname = \"x\"\n[pics]\nrole.ha = true\nrole.mn = false\n";
        let rec = block_on(runner(Some(ha_only), 0).run_one(&tp(&[])));
        assert_eq!(rec.result.outcome.verdict, Verdict::NotApplicable);
        assert_eq!(rec.result.outcome.reason, "PICS: role.mn = false");
    }

    #[test]
    fn supported_items_or_no_pics_reach_the_lab() {
        // The missing topology makes the lab fail: an ERROR shows the test got past the PICS.
        for (pics, needs) in [
            (Some(PICS), &["mn.dns_update"][..]),
            (None, &["ha.dns_update"][..]),
        ] {
            let rec = block_on(runner(pics, 0).run_one(&tp(needs)));
            assert_eq!(rec.result.outcome.verdict, Verdict::Error, "{pics:?}");
            assert!(rec.result.outcome.reason.contains("no-such-topology"));
        }
    }

    #[test]
    fn reruns_are_recorded_and_combined() {
        let (run, _) = block_on(runner(None, 2).run_all(&[tp(&[])], |_, _| {}));
        let r = &run.results[0];
        assert_eq!(r.runs, [Verdict::Error; 3]);
        assert!(!r.flaky, "the same verdict three times");
        assert!(run.pics.is_empty());
    }

    fn failing(_: &Observation) -> Outcome {
        Outcome::fail("BIND gave no SRV answer")
    }

    #[test]
    fn a_lab_check_fails_as_a_broken_lab_and_an_iut_refusing_its_settings_errs() {
        let bed = TestBed::new(Scenario::Split, IutRole::Mn, "no-such-topology");
        let tp = TestPurpose::new(bed, "TP-LAB-01", "BIND serves SRV", &["R1"], failing);
        let obs = Observation::default();
        assert_eq!(super::judge(&tp, &obs, None).verdict, Verdict::Fail);
        let lab = super::judge(&tp.lab_check(), &obs, None);
        assert_eq!(lab.verdict, Verdict::Error);
        assert_eq!(lab.reason, "lab broken: BIND gave no SRV answer");
        let refused = super::judge(&tp, &obs, Some("MIP6LAB_DNS is required"));
        assert_eq!(refused.verdict, Verdict::Error);
        assert_eq!(
            refused.reason,
            "IUT configuration error: MIP6LAB_DNS is required"
        );
        // The record says the test judges the lab, so reports list it apart.
        let r = runner(None, 0);
        let rec = block_on(r.run_one(&tp.lab_check()));
        assert!(rec.result.lab_check);
        assert!(!block_on(r.run_one(&tp)).result.lab_check);
    }

    #[test]
    fn combine_keeps_the_worst_runs_transcript() {
        let rec = |v: Verdict, frames: u64| TestRecord {
            result: TestResult {
                id: "A".into(),
                outcome: Outcome::new(v, v.to_string()),
                ..TestResult::default()
            },
            transcript: Transcript {
                setup: frames,
                ..Transcript::default()
            },
            peer_versions: [(format!("peer{frames}"), "1".to_string())].into(),
        };
        let c = combine(vec![
            rec(Verdict::Pass, 1),
            rec(Verdict::Fail, 2),
            rec(Verdict::Pass, 3),
        ]);
        assert!(c.result.flaky);
        assert_eq!(c.result.outcome.verdict, Verdict::Fail);
        assert_eq!(c.transcript.setup, 2);
        assert_eq!(c.peer_versions.len(), 3);
    }
}
