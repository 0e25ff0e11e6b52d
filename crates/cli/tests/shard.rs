//! Sharded runs: `mip6lab suite --partition K/N` and `mip6lab report --merge`.

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;
use common::{fresh_dir, mip6lab, root, text};

const SRV: &str = "TP-SPLIT-MN-DISC-SRV-01";
const NAME: &str = "TP-SPLIT-MN-DISC-NAME-01";

fn read_json(p: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

fn path(p: &Path) -> String {
    p.to_str().unwrap().to_owned()
}

/// `mip6lab suite` where Docker cannot be reached.
fn suite_without_docker(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mip6lab"))
        .arg("suite")
        .args(args)
        .current_dir(root())
        .env("DOCKER_HOST", "unix:///nonexistent/docker.sock")
        .env("MIP6LAB_REFIMPL", "/nonexistent/mip6lab-refimpl")
        .output()
        .unwrap()
}

#[test]
fn a_partition_out_of_range_is_a_one_line_error() {
    for (spec, want) in [
        (
            "5/4",
            "mip6lab: error: --partition 5/4: K must be between 1 and 4\n",
        ),
        (
            "0/4",
            "mip6lab: error: --partition 0/4: K must be between 1 and 4\n",
        ),
        (
            "2",
            "mip6lab: error: --partition 2: expected K/N, e.g. 2/4 (shard 2 of 4)\n",
        ),
    ] {
        let out = suite_without_docker(&["split", "--partition", spec]);
        assert_eq!(out.status.code(), Some(2));
        assert_eq!(text(&out.stderr), want);
    }
}

#[test]
fn an_empty_shard_needs_no_docker_and_writes_a_valid_run() {
    let tmp = fresh_dir("empty-shard");
    let out_dir = path(&tmp);
    // One test selected, two shards: shard 1 has it (and needs Docker), shard 2 is empty.
    let first = suite_without_docker(&[
        "split",
        "--only",
        SRV,
        "--partition",
        "1/2",
        "--out",
        &out_dir,
    ]);
    assert_eq!(first.status.code(), Some(2));
    let e = text(&first.stderr);
    assert!(e.contains("Docker is not available"), "{e}");

    let out = suite_without_docker(&[
        "split",
        "--only",
        SRV,
        "--partition",
        "2/2",
        "--out",
        &out_dir,
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("mip6lab: suite split: shard 2/2: 0 of 1 selected test(s), ")
    );
    let run = read_json(&tmp.join("latest/results.json"));
    assert_eq!(
        run["partition"],
        json!({"k": 2, "n": 2, "selected_total": 1, "tests": []})
    );
    assert_eq!(run["results"], json!([]));
    assert!(tmp.join("latest/junit.xml").is_file() && tmp.join("latest/index.html").is_file());
    std::fs::remove_dir_all(&tmp).unwrap();
}

/// The recorded fixture run split into two shards of a two-test selection: shard 1 has the
/// NAME test, shard 2 the SRV test (the suite runs SRV first). Every artifact exists.
fn make_shards(tmp: &Path) -> (PathBuf, PathBuf) {
    let fixture = root().join("crates/report/tests/fixtures/run");
    let full = read_json(&fixture.join("results.json"));
    let mut dirs = Vec::new();
    for (k, id) in [(1, NAME), (2, SRV)] {
        let dir = tmp.join(format!("shard-{k}"));
        let mut run = full.clone();
        run["run_id"] = format!("run-{k}").into();
        run["host"] = format!("ci-{k}").into();
        run["partition"] = json!({"k": k, "n": 2, "selected_total": 2, "tests": [id]});
        let result = full["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .unwrap()
            .clone();
        for a in result["artifacts"].as_array().unwrap() {
            let p = dir.join(a.as_str().unwrap());
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, format!("evidence of {id}")).unwrap();
        }
        std::fs::copy(
            fixture.join(id).join("transcript.json"),
            dir.join(id).join("transcript.json"),
        )
        .unwrap();
        run["results"] = json!([result]);
        std::fs::write(dir.join("results.json"), run.to_string()).unwrap();
        dirs.push(dir);
    }
    (dirs[0].clone(), dirs[1].clone())
}

/// Every relative link of a page that points at a file, resolved from its directory.
fn local_links(page: &Path) -> Vec<PathBuf> {
    let html = std::fs::read_to_string(page).unwrap();
    html.split("href=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .filter(|l| !l.starts_with('#') && !l.contains("://"))
        .map(|l| page.parent().unwrap().join(l))
        .collect()
}

#[test]
fn merge_joins_shards_in_suite_order_with_working_evidence_links() {
    let tmp = fresh_dir("merge");
    let (one, two) = make_shards(&tmp);
    let merged = tmp.join("merged");
    let srv_results = two.join("results.json");
    let advisory_fail = read_json(&srv_results);
    let mut error = advisory_fail.clone();
    error["results"][0]["outcome"]["verdict"] = "ERROR".into();
    std::fs::write(&srv_results, error.to_string()).unwrap();
    // Shards in any order; the SRV test is an ERROR: the gate fails, exit 1.
    let out = mip6lab(&[
        "report",
        "--merge",
        &path(&merged),
        &path(&two),
        &path(&one.join("results.json")),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("suite: 1 passed, 1 failed, 0 skipped"));
    let run = read_json(&merged.join("results.json"));
    let ids: Vec<&str> = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [SRV, NAME]);
    assert_eq!(run["run_id"], "merged");
    assert_eq!(run["merged"]["shards"][1]["run_id"], "run-2");
    assert!(run.get("partition").is_none());
    let junit = std::fs::read_to_string(merged.join("junit.xml")).unwrap();
    assert!(
        junit.contains("tests=\"2\" failures=\"0\" errors=\"1\""),
        "{junit}"
    );
    let page = merged.join("index.html");
    let links = local_links(&page);
    assert!(links.len() > 8, "{links:?}");
    for l in links {
        assert!(l.exists(), "broken link {}", l.display());
    }
    assert!(std::fs::read_to_string(merged.join(SRV).join("home.pcap"))
        .unwrap()
        .contains(SRV));

    // The fixture's FAIL cites a requirement that is not an obligation (advisory): the gate
    // passes, exit 0. A merged directory is reused only when empty.
    std::fs::write(&srv_results, advisory_fail.to_string()).unwrap();
    let again = mip6lab(&[
        "report",
        "--merge",
        &path(&merged),
        &path(&one),
        &path(&two),
    ]);
    assert_eq!(again.status.code(), Some(2));
    assert!(text(&again.stderr).contains("is not empty"));
    let passed = tmp.join("passed");
    let out = mip6lab(&[
        "report",
        "--merge",
        &path(&passed),
        &path(&one),
        &path(&two),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("suite: 1 passed, 1 failed, 0 skipped"));
    std::fs::remove_dir_all(&tmp).unwrap();
}

#[test]
fn a_missing_or_repeated_shard_is_refused_unless_allowed() {
    let tmp = fresh_dir("merge-missing");
    let (one, _) = make_shards(&tmp);
    let merged = tmp.join("merged");
    let out = mip6lab(&["report", "--merge", &path(&merged), &path(&one)]);
    assert_eq!(out.status.code(), Some(2));
    let e = text(&out.stderr);
    assert!(e.contains("shard(s) 2 of 2 missing (given: 1)"), "{e}");
    assert_eq!(
        std::fs::read_dir(&merged).unwrap().count(),
        0,
        "nothing written"
    );

    let out = mip6lab(&[
        "report",
        "--merge",
        &path(&merged),
        &path(&one),
        &path(&one),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("shard 1/2 given twice"));

    // Allowed: the one test passes, yet the gate fails for the missing shard.
    let out = mip6lab(&[
        "report",
        "--merge",
        &path(&merged),
        &path(&one),
        "--allow-missing",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("INCOMPLETE: shard(s) 2 of 2 missing: 1 of 2 selected"));
    let html = std::fs::read_to_string(merged.join("index.html")).unwrap();
    assert!(
        html.contains("INCOMPLETE — shard(s) 2 of 2 missing"),
        "{html}"
    );
    let junit = std::fs::read_to_string(merged.join("junit.xml")).unwrap();
    assert!(junit.contains("type=\"MISSING-SHARD\""), "{junit}");

    let bad = mip6lab(&[
        "report",
        "--merge",
        &path(&tmp.join("x")),
        &path(&one),
        "--out",
        "y",
    ]);
    assert_eq!(bad.status.code(), Some(2));
    std::fs::remove_dir_all(&tmp).unwrap();
}
