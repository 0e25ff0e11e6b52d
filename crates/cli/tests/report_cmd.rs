//! `mip6lab report`: re-rendering a recorded run, comparing two, and an interop matrix.

use std::path::Path;

mod common;
use common::{fresh_dir, mip6lab, root, text};

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dst = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dst);
        } else {
            std::fs::copy(e.path(), dst).unwrap();
        }
    }
}

#[test]
fn report_renders_compares_and_builds_an_interop_matrix() {
    let tmp = fresh_dir("report-cmd");
    let fixture = root().join("crates/report/tests/fixtures/run");
    let (a, b) = (tmp.join("a"), tmp.join("b"));
    copy_dir(&fixture, &a);
    copy_dir(&fixture, &b);
    // Run b: another IUT, where the SRV test now passes.
    let mut run: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(b.join("results.json")).unwrap()).unwrap();
    run["run_id"] = "run-b".into();
    run["iut"] = "vendor/mn:2".into();
    run["knobs"] = "".into();
    run["results"][0]["outcome"]["verdict"] = "PASS".into();
    std::fs::write(b.join("results.json"), run.to_string()).unwrap();

    let path = |p: &Path| p.to_str().unwrap().to_owned();
    let (a_results, out_dir) = (path(&a.join("results.json")), path(&tmp.join("out")));
    let out = mip6lab(&["report", &a_results, &path(&b), "--out", &out_dir]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let read = |p: &str| std::fs::read_to_string(tmp.join("out").join(p)).unwrap();
    let index = read("run-b/index.html");
    // Links from DIR/<run-id>/ back to the run directory.
    assert!(
        index.contains("href=\"../../b/TP-SPLIT-MN-DISC-SRV-01/home.pcap\""),
        "{index}"
    );
    let compare = read("compare.html");
    assert!(compare.contains("1 test(s) changed, new or removed; 1 unchanged."));
    let interop = read("interop.html");
    assert!(interop.contains("vendor/mn:2") && interop.contains("reference [mn.srv_proto=_udp]"));

    // One run, no --out: index.html next to results.json.
    let out = mip6lab(&["report", &a_results]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(std::fs::read_to_string(a.join("index.html"))
        .unwrap()
        .contains("href=\"TP-SPLIT-MN-DISC-SRV-01/home.pcap\""));

    let bad = mip6lab(&["report", "/nonexistent/results.json"]);
    assert_eq!(bad.status.code(), Some(2));
    std::fs::remove_dir_all(&tmp).unwrap();
}
