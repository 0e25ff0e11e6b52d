//! A test's evidence bundle, written into its directory once its artifacts are complete:
//!
//! - `why.txt`: the verdict, the reason, the requirements verified (with their sentence and
//!   level when the catalog knows them) and the frames that decided, each with its transcript
//!   line;
//! - `MANIFEST.sha256`: one `sha256sum` line per file of the test directory, sorted by path,
//!   so `cd <TP-ID> && sha256sum -c MANIFEST.sha256` checks the bundle has not changed.

use crate::{Evidence, ReqInfo, TestResult};
use mip6lab_capture::{transcript::summary, Transcript};
use sha2::{Digest, Sha256};
use std::fmt::Write as _;
use std::io::Read;
use std::path::{Path, PathBuf};

pub const WHY: &str = "why.txt";
pub const MANIFEST: &str = "MANIFEST.sha256";

/// The text of `why.txt`.
pub fn why_text(
    r: &TestResult,
    transcript: Option<&Transcript>,
    catalog: Option<&[ReqInfo]>,
) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "test:     {} — {}", r.id, r.title);
    let advisory = if r.advisory() && r.outcome.verdict == crate::Verdict::Fail {
        format!(" (advisory: {})", crate::ADVISORY_MEANS)
    } else {
        String::new()
    };
    let _ = writeln!(s, "verdict:  {}{advisory}", r.outcome.verdict);
    if !r.runs.is_empty() {
        let flaky = if r.flaky {
            " (FLAKY: the verdict changed between runs; the verdict above is the worst run's)"
        } else {
            ""
        };
        let _ = writeln!(s, "runs:     {}{flaky}", r.runs_text());
    }
    let _ = writeln!(s, "reason:   {}", r.outcome.reason);
    if r.lab_check {
        s.push_str(
            "kind:     lab check: it judges the harness's own peers, not the IUT; its verdict \
             counts neither for nor against the IUT\n",
        );
    }
    if let Some(code) = r.iut_exit {
        let _ = writeln!(s, "IUT exit: {code}");
    }
    if r.tester_timed_out {
        s.push_str(
            "tester:   timed out (it neither reported the awaited event nor exited in time)\n",
        );
    }
    let _ = writeln!(s, "duration: {} ms", r.duration_ms);
    s.push_str("\nrequirements:\n");
    if r.requirements.is_empty() {
        s.push_str("  (none declared)\n");
    }
    for id in &r.requirements {
        let info = catalog.and_then(|c| c.iter().find(|q| &q.id == id));
        let level = r
            .requirement_level(id, info)
            .unwrap_or("level unknown, counted as MUST");
        let kind = r
            .requirement_kinds
            .get(id)
            .map(String::as_str)
            .or(info.map(ReqInfo::kind))
            .filter(|k| *k != crate::catalog::kind::CAPITAL)
            .map(|k| format!(", {}", k.replace('-', " ")))
            .unwrap_or_default();
        let _ = writeln!(s, "  {id} [{level}{kind}]");
        if let Some(q) = info {
            if !q.section.is_empty() {
                let _ = writeln!(s, "    section {}", q.section);
            }
            if !q.text.is_empty() {
                let _ = writeln!(s, "    \"{}\"", q.text.trim());
            }
        }
    }
    s.push_str("\nevidence:\n");
    if r.outcome.evidence.is_empty() {
        s.push_str("  (none recorded)\n");
    }
    for e in &r.outcome.evidence {
        match e {
            Evidence::Frames { pcap, frames } => {
                let list: Vec<String> = frames.iter().map(u64::to_string).collect();
                let _ = writeln!(s, "  {pcap} frames {}", list.join(", "));
                for f in frames {
                    let line = transcript
                        .and_then(|t| t.entries.iter().find(|e| e.frame == *f))
                        .map(|e| format!("{} -> {}  {}", e.src, e.dst, summary(&e.decoded)))
                        .unwrap_or_else(|| "(not in the transcript)".into());
                    let _ = writeln!(s, "    frame {f}: {line}");
                }
            }
            Evidence::Report { source, detail } => {
                let _ = writeln!(s, "  reported by {source}: {detail}");
            }
        }
    }
    s
}

/// Writes `why.txt`, then `MANIFEST.sha256` over every file of `dir` (why.txt included).
/// Creates `dir` when a test left nothing (a harness error before the lab came up).
pub fn write_bundle(
    dir: &Path,
    r: &TestResult,
    transcript: Option<&Transcript>,
    catalog: Option<&[ReqInfo]>,
) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join(WHY), why_text(r, transcript, catalog))?;
    std::fs::write(dir.join(MANIFEST), manifest(dir)?)
}

/// `sha256sum`-compatible lines over every regular file below `dir` except the manifest
/// itself, sorted by their path relative to `dir` (`/`-separated).
pub fn manifest(dir: &Path) -> std::io::Result<String> {
    let mut files = Vec::new();
    walk(dir, Path::new(""), &mut files)?;
    files.retain(|p| p != Path::new(MANIFEST));
    let mut named: Vec<(String, PathBuf)> = files
        .into_iter()
        .map(|p| {
            let name = p
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            (name, p)
        })
        .collect();
    named.sort();
    let mut out = String::new();
    for (name, rel) in named {
        let digest = sha256_file(&dir.join(&rel))?;
        // sha256sum's escaping: a name with `\` or a newline gets a leading `\`.
        if name.contains('\\') || name.contains('\n') {
            let n = name.replace('\\', "\\\\").replace('\n', "\\n");
            let _ = writeln!(out, "\\{digest}  {n}");
        } else {
            let _ = writeln!(out, "{digest}  {name}");
        }
    }
    Ok(out)
}

fn walk(base: &Path, rel: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for e in std::fs::read_dir(base.join(rel))? {
        let e = e?;
        let ty = e.file_type()?;
        let p = rel.join(e.file_name());
        if ty.is_dir() {
            walk(base, &p, out)?;
        } else if ty.is_file() {
            out.push(p);
        }
    }
    Ok(())
}

pub fn sha256_file(p: &Path) -> std::io::Result<String> {
    let mut f = std::fs::File::open(p)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex::encode(h.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Outcome;

    fn tmp(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("mip6lab-bundle-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn manifest_is_sorted_and_sha256sum_compatible() {
        let d = tmp("m");
        std::fs::create_dir_all(d.join("logs")).unwrap();
        std::fs::write(d.join("logs/mn.log"), b"abc").unwrap();
        std::fs::write(d.join("home.pcap"), b"").unwrap();
        let r = TestResult {
            id: "TP-X".into(),
            requirements: vec!["R1".into()],
            outcome: Outcome::fail("bad <qname>").with_frames("TP-X/home.pcap", [7]),
            ..TestResult::default()
        };
        write_bundle(&d, &r, None, None).unwrap();
        let m = std::fs::read_to_string(d.join(MANIFEST)).unwrap();
        let names: Vec<&str> = m.lines().map(|l| &l[66..]).collect();
        assert_eq!(names, ["home.pcap", "logs/mn.log", "why.txt"]);
        assert!(m.starts_with(
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  home.pcap\n"
        ));
        assert!(m.contains(
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  logs/mn.log"
        ));
        let why = std::fs::read_to_string(d.join(WHY)).unwrap();
        assert!(why.contains("verdict:  FAIL"), "{why}");
        assert!(why.contains("R1 [level unknown, counted as MUST]"), "{why}");
        assert!(why.contains("frame 7: (not in the transcript)"), "{why}");
        assert!(!why.contains("runs:"), "{why}");
        assert!(
            !why.contains("lab check") && !why.contains("IUT exit"),
            "{why}"
        );
        let lab = TestResult {
            lab_check: true,
            iut_exit: Some(2),
            tester_timed_out: true,
            ..r.clone()
        };
        let why = why_text(&lab, None, None);
        assert!(why.contains("kind:     lab check"), "{why}");
        assert!(why.contains("IUT exit: 2\n"), "{why}");
        assert!(why.contains("tester:   timed out"), "{why}");
        let flaky = TestResult {
            flaky: true,
            runs: vec![crate::Verdict::Pass, crate::Verdict::Fail],
            ..r.clone()
        };
        assert!(why_text(&flaky, None, None).contains("runs:     PASS, FAIL (FLAKY:"));
        // The system's sha256sum, where there is one, agrees.
        if let Ok(out) = std::process::Command::new("sha256sum")
            .args(["-c", "--quiet", MANIFEST])
            .current_dir(&d)
            .output()
        {
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stdout)
            );
        }
        std::fs::remove_dir_all(&d).unwrap();
    }
}
