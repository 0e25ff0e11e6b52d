//! Running the `mip6lab` binary from the repository root, for the command-line tests.
#![allow(dead_code)] // each test binary uses its own subset

use std::path::{Path, PathBuf};
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

/// `mip6lab record <topology> --out <out>` with each `node:VAR=value` of `env`, a 90 s bound;
/// the exit status and everything it printed.
pub fn record(topology: &str, out: &Path, env: &[&str]) -> (Option<i32>, String) {
    let mut args = vec![
        "record",
        topology,
        "--out",
        out.to_str().unwrap(),
        "--timeout",
        "90",
    ];
    for e in env {
        args.extend(["--env", e]);
    }
    let o = mip6lab(&args);
    (
        o.status.code(),
        format!("{}{}", text(&o.stdout), text(&o.stderr)),
    )
}

/// The transcript of `link` of a recording, decrypted with the key logs the `key_nodes`
/// wrote (those that wrote any).
pub fn transcript(topology: &str, out: &Path, link: &str, key_nodes: &[&str]) -> String {
    let pcap = out.join(format!("{link}.pcap"));
    let keys: Vec<PathBuf> = key_nodes
        .iter()
        .map(|n| out.join(format!("keys/{n}/keys.log")))
        .filter(|k| k.exists())
        .collect();
    let mut args = vec!["decode", pcap.to_str().unwrap(), "--topology", topology];
    for k in &keys {
        args.extend(["--keys", k.to_str().unwrap()]);
    }
    stdout_of_success(&args)
}
