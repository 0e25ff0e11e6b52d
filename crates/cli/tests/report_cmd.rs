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
    let (a, b, c) = (tmp.join("a"), tmp.join("b"), tmp.join("c"));
    copy_dir(&fixture, &a);
    copy_dir(&fixture, &b);
    copy_dir(&fixture, &c);
    let edit = |dir: &Path, f: &dyn Fn(&mut serde_json::Value)| {
        let file = dir.join("results.json");
        let mut run: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        f(&mut run);
        std::fs::write(&file, run.to_string()).unwrap();
    };
    // Run b: another IUT, where the SRV test now passes.
    edit(&b, &|run| {
        run["run_id"] = "run-b".into();
        run["iut"] = "vendor/mn:2".into();
        run["knobs"] = "".into();
        run["results"][0]["outcome"]["verdict"] = "PASS".into();
    });
    // Run c: that IUT again, later, without the NAME test: its column is c's.
    edit(&c, &|run| {
        run["run_id"] = "run-c".into();
        run["iut"] = "vendor/mn:2".into();
        run["knobs"] = "".into();
        run["started_unix"] = (run["started_unix"].as_u64().unwrap() + 60).into();
        run["results"][0]["outcome"]["reason"] = "no SRV <query>".into();
        run["results"].as_array_mut().unwrap().truncate(1);
    });

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

    // Three runs, two of one IUT: the matrix takes its newest, and says so in interop.json.
    let out3 = tmp.join("out3");
    let out = mip6lab(&[
        "report",
        &path(&c),
        &a_results,
        &path(&b),
        "--out",
        &path(&out3),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let printed = text(&out.stdout);
    assert!(printed.contains("interop.html") && printed.contains("interop.json"));
    assert!(
        !printed.contains("compare.html"),
        "three runs: no comparison"
    );
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out3.join("interop.json")).unwrap()).unwrap();
    let cols: Vec<(&str, &str)> = m["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["key"].as_str().unwrap(),
                c["runs"][0]["run_id"].as_str().unwrap(),
            )
        })
        .collect();
    // The roles come from the split suite's definition of the tests.
    assert_eq!(
        cols,
        [
            (
                "reference [mn.srv_proto=_udp] as mn",
                "20261125T091402Z-split-93cd"
            ),
            ("vendor/mn:2 as mn", "run-c"),
        ]
    );
    assert_eq!(m["columns"][1]["runs"][0]["page"], "run-c/index.html");
    assert_eq!(m["columns"][1]["counts"]["not run"], 1);
    let srv = m["cells"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["column"] == "vendor/mn:2 as mn")
        .unwrap();
    assert_eq!(srv["test"], "TP-SPLIT-MN-DISC-SRV-01");
    assert_eq!(srv["reason"], "no SRV <query>");
    // why.txt relative to the matrix's directory.
    assert_eq!(srv["link"], "../c/TP-SPLIT-MN-DISC-SRV-01/why.txt");
    let page = std::fs::read_to_string(out3.join("interop.html")).unwrap();
    assert!(page
        .contains("href=\"../c/TP-SPLIT-MN-DISC-SRV-01/why.txt\" title=\"no SRV &lt;query&gt;\""));
    assert!(page.contains("<td class=\"notrun\" title=\"not run\"></td>"));

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
