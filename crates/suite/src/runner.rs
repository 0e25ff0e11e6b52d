//! Runs test purposes in labs and collects results.

use crate::{Observation, TestPurpose};
use anyhow::{Context, Result};
use mip6lab_capture::read::read_file;
use mip6lab_capture::{decode_test_frames, Transcript};
use mip6lab_lab::lab::Iut;
use mip6lab_lab::{Lab, LabOptions, Topology};
use mip6lab_report::{Outcome, RunResult, TestResult};
use std::path::{Path, PathBuf};
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

pub struct Runner {
    pub opts: RunOptions,
}

/// What one test leaves, besides its result.
pub struct TestRecord {
    pub result: TestResult,
    pub transcript: Transcript,
    pub peer_versions: std::collections::BTreeMap<String, String>,
}

impl Runner {
    pub fn new(opts: RunOptions) -> Runner {
        Runner { opts }
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
        let mut records = Vec::new();
        for (i, tp) in tests.iter().enumerate() {
            starting(i, tp);
            let rec = self.run_one(tp).await;
            progress(i, &rec);
            records.push(rec);
        }
        let run = RunResult {
            schema_version: RunResult::SCHEMA_VERSION,
            run_id: self.opts.run_id.clone(),
            suite: self.opts.suite.clone(),
            host: mip6lab_report::this_host(),
            mip6lab_version: mip6lab_report::MIP6LAB_VERSION.into(),
            pics: Default::default(),
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
        };
        (run, records)
    }

    pub async fn run_one(&self, tp: &TestPurpose) -> TestRecord {
        let started = Instant::now();
        let dir = self.opts.run_dir.join(tp.id);
        let (outcome, transcript, artifacts, peer_versions) = match self.observe(tp, &dir).await {
            Ok((obs, artifacts)) => {
                let outcome = (tp.judge)(&obs);
                (outcome, obs.transcript, artifacts, obs.peer_versions)
            }
            Err(e) => (
                Outcome::error(format!("harness: {e:#}")),
                Transcript::default(),
                Vec::new(),
                Default::default(),
            ),
        };
        TestRecord {
            result: TestResult {
                id: tp.id.to_string(),
                title: tp.title.to_string(),
                requirements: tp.requirements.iter().map(|s| s.to_string()).collect(),
                requirement_levels: Default::default(),
                outcome,
                duration_ms: started.elapsed().as_millis() as u64,
                artifacts: artifacts
                    .iter()
                    .filter_map(|p| {
                        p.strip_prefix(&self.opts.run_dir)
                            .ok()
                            .map(Path::to_path_buf)
                    })
                    .collect(),
            },
            transcript,
            peer_versions,
        }
    }

    async fn observe(&self, tp: &TestPurpose, dir: &Path) -> Result<(Observation, Vec<PathBuf>)> {
        let topo_path = self
            .opts
            .root
            .join("fixtures/topologies")
            .join(format!("{}.toml", tp.topology));
        let topology = Topology::load(&topo_path)?;
        let endpoints = topology.endpoints();
        let mut lab = Lab::up(
            topology,
            LabOptions {
                root: self.opts.root.clone(),
                out_dir: dir.to_path_buf(),
                iut: self.opts.iut.clone(),
            },
        )
        .await?;
        let mut env: Vec<(String, String)> = tp
            .iut_env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        if !self.opts.knobs.is_empty() {
            env.push(("MIP6LAB_KNOBS".into(), self.opts.knobs.clone()));
        }
        let iut = lab.start_iut(&env).await?;
        let iut_event = match tp.until_event {
            Some(kind) => lab.wait_event(&iut, kind, tp.observe_for).await?,
            None => {
                lab.wait_exit(&iut, tp.observe_for).await?;
                None
            }
        };
        let iut_exit = lab.wait_exit(&iut, Duration::ZERO).await?;
        // Frames still in flight when the IUT reported should reach the capture.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let artifacts = lab.down().await?;
        let pcap = artifacts
            .pcaps
            .first()
            .context("the topology has no network, so nothing was captured")?
            .clone();
        let read = read_file(&pcap)?;
        if let Some(e) = read.error {
            anyhow::bail!("capture unreadable: {e}");
        }
        let setup = artifacts.setup_frames.first().copied().unwrap_or(0);
        let transcript = decode_test_frames(&read.frames, &endpoints, setup);
        std::fs::write(dir.join("transcript.txt"), transcript.to_text())?;
        std::fs::write(
            dir.join("transcript.json"),
            serde_json::to_string_pretty(&transcript)?,
        )?;
        let rel = |p: &Path| {
            p.strip_prefix(&self.opts.run_dir)
                .unwrap_or(p)
                .display()
                .to_string()
        };
        let mut files = artifacts.pcaps.clone();
        files.extend(artifacts.logs.iter().cloned());
        files.extend(artifacts.state.iter().cloned());
        files.push(dir.join("transcript.txt"));
        files.push(dir.join("transcript.json"));
        Ok((
            Observation {
                transcript,
                pcap: rel(&pcap),
                iut_event,
                iut_exit,
                peer_versions: artifacts.versions.clone(),
            },
            files,
        ))
    }
}
