//! What the split suite's test binaries share; each uses its own part.
#![allow(dead_code)]

pub mod snapshot;

use mip6lab_lab::lab::Iut;
use mip6lab_suite::{Outcome, RunOptions, Runner, Verdict};
use mip6lab_suite_split::SUITE;
use std::path::PathBuf;

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// A runner of the split suite against `iut` with `knobs`, writing into a fresh run
/// directory named `run_id` (returned too).
pub fn split_runner(run_id: String, iut: Iut, knobs: &str) -> (Runner, PathBuf) {
    let opts = RunOptions::scratch(root(), SUITE.name, iut, knobs, run_id);
    let run_dir = opts.run_dir.clone();
    std::fs::create_dir_all(&run_dir).unwrap();
    let runner = Runner::new(opts)
        // As `mip6lab suite` runs by default: transcripts must match their snapshots whatever
        // the number of labs at once.
        .with_jobs(mip6lab_lab::slots::default_jobs());
    (runner, run_dir)
}

/// `o` has verdict `v` and a reason containing `reason_has`.
pub fn assert_verdict(o: &Outcome, v: Verdict, reason_has: &str) {
    assert_eq!(o.verdict, v, "{}", o.reason);
    assert!(
        o.reason.contains(reason_has),
        "`{reason_has}` not in: {}",
        o.reason
    );
}
