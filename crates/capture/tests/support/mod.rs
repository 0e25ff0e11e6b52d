//! Helpers the capture tests share: running tshark over a pcap, reading its numbers, and
//! tallying our decode against it.
// Each test binary compiles this module and uses only some of it.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// The values tshark prints for `fields` in each frame of `file`, by frame number; the first
/// field must be `frame.number`. Repeats of a field are joined with `,`; empty ones are left
/// out.
pub fn tshark_fields(
    file: &Path,
    fields: &[&'static str],
) -> BTreeMap<u64, BTreeMap<&'static str, String>> {
    let mut cmd = Command::new("tshark");
    cmd.arg("-r")
        .arg(file)
        .args(["-T", "fields", "-E", "separator=\t"])
        .args(["-E", "occurrence=a", "-E", "aggregator=,"]);
    for f in fields {
        cmd.args(["-e", f]);
    }
    let out = match cmd.output() {
        Ok(o) => o,
        Err(e) => panic!("cannot run tshark ({e}): apt-get install tshark"),
    };
    assert!(
        out.status.success(),
        "tshark -r {}: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|line| {
            let cols: Vec<&str> = line.split('\t').collect();
            let values = fields[1..]
                .iter()
                .zip(&cols[1..])
                .filter(|(_, v)| !v.is_empty())
                .map(|(k, v)| (*k, v.to_string()))
                .collect();
            (cols[0].parse().unwrap(), values)
        })
        .collect()
}

/// `0x1f`, `31`, `True`/`False` → a number.
pub fn num(s: &str) -> Option<u64> {
    let s = s.trim();
    match s {
        "True" => Some(1),
        "False" => Some(0),
        _ => match s.strip_prefix("0x") {
            Some(h) => u64::from_str_radix(h, 16).ok(),
            None => s.parse().ok(),
        },
    }
}

/// Fields that agree (counted by a key: a protocol or a field name) and the disagreements;
/// each cross-check adds its own `cmp`.
#[derive(Default)]
pub struct Tally {
    pub agree: BTreeMap<&'static str, u64>,
    pub disagree: Vec<String>,
}

impl Tally {
    pub fn assert_no_disagreement(&self) {
        assert!(
            self.disagree.is_empty(),
            "{} disagreement(s):\n{}",
            self.disagree.len(),
            self.disagree.join("\n")
        );
    }
}
