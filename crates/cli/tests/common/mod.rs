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
