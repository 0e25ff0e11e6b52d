//! Running the `mip6lab` binary from the repository root, for the command-line tests.
#![allow(dead_code)] // each test binary uses its own subset

use std::path::PathBuf;
use std::process::{Command, Output};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn mip6lab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mip6lab"))
        .args(args)
        .current_dir(root())
        .env_remove("MIP6LAB_ROOT")
        .output()
        .unwrap()
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Runs `mip6lab`, checks that it succeeded (showing its stderr if not) and returns its
/// stdout.
pub fn stdout_of_success(args: &[&str]) -> String {
    let out = mip6lab(args);
    assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
    text(&out.stdout)
}

/// A fresh, empty directory under the system's temp directory, `mip6lab-{name}-{pid}`.
pub fn fresh_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("mip6lab-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}
