//! Container tests: the split suite in a real lab (BIND + the reference MN).
//!
//! They need Docker, so plain `cargo test` lists them as ignored; `just test` (and CI) runs
//! them with `--include-ignored`, where a missing Docker is a failure, never a skip.

mod support;

use mip6lab_lab::lab::Iut;
use mip6lab_lab::Engine;
use mip6lab_suite::{Runner, TestPurpose, Verdict};
use mip6lab_suite_split::{mn_discovery, SUITE};
use rstest::rstest;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use support::{root, split_runner};

/// One test of this binary at a time: the reference run already fills the host's lab slots,
/// and the mutant cases' timing stays their own.
static SERIAL: Mutex<()> = Mutex::new(());

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
        .join("debug")
}

fn binary(name: &str) -> PathBuf {
    let p = target_dir().join(name);
    assert!(
        p.is_file(),
        "{} is missing: build the binaries first (`cargo build --workspace --bins`, as `just test` does)",
        p.display()
    );
    p
}

/// The reference IUT (the binaries must be built).
fn reference() -> Iut {
    Iut::Reference {
        binary: binary("mip6lab-refimpl"),
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Runtime::new().unwrap()
}

async fn engine() -> Engine {
    Engine::connect()
        .await
        .unwrap_or_else(|e| panic!("container tests need Docker: {e:#}"))
}

fn run_suite(tests: &[TestPurpose], knobs: &str) -> mip6lab_report::RunResult {
    let run_id = format!("test-{:08x}", std::process::id() ^ rand_suffix());
    let (runner, _) = split_runner(run_id, reference(), knobs);
    let (run, records) = runtime().block_on(runner.run_all(tests, |_, _| {}));
    for r in &records {
        eprintln!(
            "{} {} — {}\n{}",
            r.result.id,
            r.result.outcome.verdict,
            r.result.outcome.reason,
            r.transcript.to_text()
        );
    }
    run
}

fn rand_suffix() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0)
}

fn leftovers_of_pid(pid: u32) -> usize {
    runtime().block_on(async {
        let found = engine().await.find(None).await.unwrap();
        found
            .containers
            .iter()
            .chain(found.networks.iter())
            .filter(|(_, _, p)| *p == pid)
            .count()
    })
}

#[test]
// Not a skip: ignored only under plain `cargo test` because it needs Docker and real peers; `just test`
// and CI run it with --include-ignored, where a missing prerequisite fails it.
#[ignore = "needs Docker: run with --include-ignored (just test)"]
fn reference_passes_every_test_with_evidence_and_stable_transcripts() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let tests = SUITE.tests();
    // The suite as two shards (`--partition 1/2`, `2/2`) run at once, each on several labs:
    // every transcript must match its snapshot in any shard, under parallel labs, and with
    // another run sharing the host.
    let groups = mip6lab_suite::partition::lab_groups(&tests);
    let jobs = mip6lab_lab::slots::default_jobs().div_ceil(2);
    let shards: Vec<(Vec<TestPurpose>, Runner, PathBuf)> = (1..=2)
        .map(|k| {
            let part: Vec<TestPurpose> = mip6lab_suite::partition::shard(&groups, k, 2)
                .into_iter()
                .map(|i| tests[i])
                .collect();
            let run_id = format!("self{k}-{:08x}", std::process::id() ^ rand_suffix());
            let (runner, run_dir) = split_runner(run_id, reference(), "");
            (part, runner.with_jobs(jobs), run_dir)
        })
        .collect();
    let started = Instant::now();
    let finished = runtime().block_on(futures_util::future::join_all(
        shards
            .iter()
            .map(|(part, runner, _)| runner.run_all(part, |_, _| {})),
    ));
    eprintln!(
        "suite split against the reference, two shards at once, {jobs} labs each: {:?}",
        started.elapsed()
    );
    let mut snapshots = insta::Settings::clone_current();
    snapshots.set_prepend_module_to_snapshot(true);
    let mut seen = 0;
    for ((run, records), (_, _, run_dir)) in finished.iter().zip(&shards) {
        seen += run.results.len();
        check_reference_run(run, records, run_dir, &snapshots);
    }
    assert_eq!(seen, tests.len(), "the shards cover the suite");
    assert_eq!(leftovers_of_pid(std::process::id()), 0);
}

fn check_reference_run(
    run: &mip6lab_report::RunResult,
    records: &[mip6lab_suite::runner::TestRecord],
    run_dir: &Path,
    snapshots: &insta::Settings,
) {
    for (r, rec) in run.results.iter().zip(records) {
        assert_eq!(
            r.outcome.verdict,
            Verdict::Pass,
            "{}: {}\n{}",
            r.id,
            r.outcome.reason,
            rec.transcript.to_text()
        );
        assert!(
            !r.outcome.evidence.is_empty(),
            "{} passed without evidence",
            r.id
        );
        // A test whose lab run another test shared points at that run's evidence.
        let own = run_dir.join(&r.id);
        assert!(
            r.artifacts.iter().any(|a| a.ends_with("home.pcap"))
                || own.join("scenario.txt").is_file(),
            "{}: no capture",
            r.id
        );
        // The MSP's DNS state at the end of each lab run is part of the evidence.
        if let Some(state) = r.artifacts.iter().find(|a| a.ends_with("state/dns.txt")) {
            let text = std::fs::read_to_string(run_dir.join(state)).unwrap();
            assert!(text.contains("_mip6._ipv6.example.com."), "{text}");
        }
        snapshots.bind(|| insta::assert_snapshot!(r.id.clone(), rec.transcript.to_text()));
    }
}

/// A mutation of the reference MN fails its test, the reason naming what went wrong.
#[rstest]
#[case::srv_query_for_the_wrong_protocol_label(
    mn_discovery::srv_lookup(),
    "mn.srv_proto=_udp",
    "_mip6._udp.example.com."
)]
#[case::name_lookup_with_qtype_a(mn_discovery::name_lookup(), "mn.name_qtype=A", "QTYPE A")]
// Not a skip: ignored only under plain `cargo test` because it needs Docker and real peers; `just test`
// and CI run it with --include-ignored, where a missing prerequisite fails it.
#[ignore = "needs Docker: run with --include-ignored (just test)"]
fn a_mutated_reference_fails_naming_the_fault(
    #[case] test: TestPurpose,
    #[case] knobs: &str,
    #[case] reason_names: &str,
) {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let run = run_suite(&[test], knobs);
    let r = &run.results[0];
    assert_eq!(r.outcome.verdict, Verdict::Fail, "{}", r.outcome.reason);
    assert!(
        r.outcome.reason.contains(reason_names),
        "the reason does not name {reason_names}: {}",
        r.outcome.reason
    );
}

#[test]
// Not a skip: ignored only under plain `cargo test` because it needs Docker and real peers; `just test`
// and CI run it with --include-ignored, where a missing prerequisite fails it.
#[ignore = "needs Docker: run with --include-ignored (just test)"]
fn a_panicking_test_leaves_nothing_behind() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let out = std::env::temp_dir().join("mip6lab-tests/panic");
    let rt = runtime();
    let run_id = std::sync::Arc::new(Mutex::new(String::new()));
    let seen = run_id.clone();
    let joined = rt.block_on(async move {
        tokio::spawn(async move {
            let topo = mip6lab_lab::Topology::load(
                &root().join("fixtures/topologies/split-discovery.toml"),
            )
            .unwrap();
            let lab = mip6lab_lab::Lab::up_with(
                topo,
                mip6lab_lab::LabOptions {
                    root: root(),
                    out_dir: out,
                    iut: reference(),
                },
                Vec::new(),
                std::sync::Arc::new(mip6lab_suite::images::ReferenceImages),
            )
            .await
            .unwrap();
            *seen.lock().unwrap() = lab.run_id.clone();
            let found = engine().await.find(Some(&lab.run_id)).await.unwrap();
            assert!(!found.containers.is_empty(), "the lab should be up here");
            panic!("deliberate panic with a lab up");
        })
        .await
    });
    assert!(joined.is_err(), "the task should have panicked");
    let id = run_id.lock().unwrap().clone();
    assert!(!id.is_empty());
    let found = rt.block_on(async { engine().await.find(Some(&id)).await.unwrap() });
    assert!(
        found.containers.is_empty() && found.networks.is_empty(),
        "run {id} left {} container(s), {} network(s)",
        found.containers.len(),
        found.networks.len()
    );
}

#[test]
// Not a skip: ignored only under plain `cargo test` because it needs Docker and real peers; `just test`
// and CI run it with --include-ignored, where a missing prerequisite fails it.
#[ignore = "needs Docker: run with --include-ignored (just test)"]
fn ctrl_c_during_a_run_tears_the_lab_down() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let out = std::env::temp_dir().join("mip6lab-tests/sigint");
    let child = std::process::Command::new(binary("mip6lab"))
        .args(["suite", "split", "--out"])
        .arg(&out)
        .env("MIP6LAB_ROOT", root())
        .env("MIP6LAB_REFIMPL", binary("mip6lab-refimpl"))
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id();
    // Whatever happens below, the child does not outlive the test.
    struct Reap(std::process::Child);
    impl Drop for Reap {
        fn drop(&mut self) {
            if self.0.try_wait().ok().flatten().is_none() {
                let _ = self.0.kill();
                let _ = self.0.wait();
            }
        }
    }
    let mut child = Reap(child);
    let deadline = Instant::now() + Duration::from_secs(120);
    while leftovers_of_pid(pid) == 0 {
        assert!(Instant::now() < deadline, "the lab never came up");
        if let Some(st) = child.0.try_wait().unwrap() {
            panic!("mip6lab ended ({st}) before the lab came up");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    // SAFETY: signalling our own child.
    unsafe { libc_kill(pid as i32, 2) };
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(st) = child.0.try_wait().unwrap() {
            break st;
        }
        if Instant::now() > deadline {
            let _ = child.0.kill();
            panic!("mip6lab did not end within 60 s of SIGINT");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(!status.success(), "an interrupted run must not exit 0");
    assert_eq!(leftovers_of_pid(pid), 0, "SIGINT left lab objects behind");
}

extern "C" {
    #[link_name = "kill"]
    fn libc_kill(pid: i32, sig: i32) -> i32;
}

#[test]
// Not a skip: ignored only under plain `cargo test` because it needs Docker and real peers; `just test`
// and CI run it with --include-ignored, where a missing prerequisite fails it.
#[ignore = "needs Docker: run with --include-ignored (just test)"]
fn gc_removes_what_a_sigkill_left_behind() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let out = std::env::temp_dir().join("mip6lab-tests/sigkill");
    let mut child = std::process::Command::new(binary("mip6lab"))
        .args(["suite", "split", "--out"])
        .arg(&out)
        .env("MIP6LAB_ROOT", root())
        .env("MIP6LAB_REFIMPL", binary("mip6lab-refimpl"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id();
    let deadline = Instant::now() + Duration::from_secs(120);
    while leftovers_of_pid(pid) == 0 {
        if Instant::now() > deadline || child.try_wait().unwrap().is_some() {
            let _ = child.kill();
            panic!("the lab never came up");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    child.kill().unwrap(); // SIGKILL: no handler runs, so the lab stays behind
    child.wait().unwrap();
    // A create the daemon accepted just before the kill may still land: let it settle.
    let mut last = leftovers_of_pid(pid);
    loop {
        std::thread::sleep(Duration::from_millis(1500));
        let now = leftovers_of_pid(pid);
        if now == last {
            break;
        }
        last = now;
    }
    assert!(last > 0, "nothing was left to collect");
    let gc = std::process::Command::new(binary("mip6lab"))
        .arg("gc")
        .env("MIP6LAB_ROOT", root())
        .output()
        .unwrap();
    assert!(
        gc.status.success(),
        "{}",
        String::from_utf8_lossy(&gc.stderr)
    );
    assert!(String::from_utf8_lossy(&gc.stdout).contains("removed"));
    assert_eq!(
        leftovers_of_pid(pid),
        0,
        "gc left objects of the killed run"
    );
}
