//! Baselines, PICS and reruns as the command line meets them; nothing here needs Docker (every
//! suite invocation is refused before a lab would start).

use mip6lab_report::baseline::Baseline;
use mip6lab_report::Verdict;
use mip6lab_suite::Pics;
use std::path::{Path, PathBuf};

mod common;
use common::{mip6lab, root, text};

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("mip6lab-baseline-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

const REFERENCE_HEADER: &str = "\
Expected verdicts of the reference IUT: every test of the split suite passes.
Generated from mip6lab_split::all() by crates/cli/tests/baseline.rs; after adding or renaming a
test, regenerate it: MIP6LAB_UPDATE_BASELINE=1 cargo test -p mip6lab --test baseline";

#[test]
fn reference_baseline_is_up_to_date() {
    let want = Baseline {
        verdicts: mip6lab_suite_split::SUITE
            .tests()
            .iter()
            .map(|t| (t.id.to_string(), Verdict::Pass))
            .collect(),
        ..Baseline::default()
    };
    let text = want.render(REFERENCE_HEADER);
    let path = root().join("fixtures/baselines/reference.toml");
    if std::env::var_os("MIP6LAB_UPDATE_BASELINE").is_some_and(|v| v == "1") {
        std::fs::write(&path, &text).unwrap();
        return;
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    if have != text {
        let old = Baseline::parse(&have).unwrap_or_default();
        let added: Vec<&String> = want
            .verdicts
            .keys()
            .filter(|k| !old.verdicts.contains_key(*k))
            .collect();
        let gone: Vec<&String> = old
            .verdicts
            .keys()
            .filter(|k| !want.verdicts.contains_key(*k))
            .collect();
        panic!(
            "fixtures/baselines/reference.toml is out of date with mip6lab_split::all() \
             (not in the file: {added:?}; no longer tests: {gone:?}); regenerate it with\n  \
             MIP6LAB_UPDATE_BASELINE=1 cargo test -p mip6lab --test baseline"
        );
    }
}

#[test]
fn reference_pics_supports_every_item_the_suite_needs() {
    let pics = Pics::load(&root().join("fixtures/pics/reference.toml")).unwrap();
    for tp in mip6lab_suite_split::SUITE.tests() {
        assert_eq!(pics.unmet(tp.pics), None, "{}", tp.id);
    }
}

fn write_run(dir: &Path, verdicts: &[(&str, &str)]) -> PathBuf {
    let src = root().join("crates/report/tests/fixtures/run/results.json");
    let mut run: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(src).unwrap()).unwrap();
    let template = run["results"][0].clone();
    run["results"] = verdicts
        .iter()
        .map(|(id, v)| {
            let mut t = template.clone();
            t["id"] = (*id).into();
            t["outcome"]["verdict"] = (*v).into();
            t
        })
        .collect::<Vec<_>>()
        .into();
    std::fs::create_dir_all(dir).unwrap();
    let p = dir.join("results.json");
    std::fs::write(&p, run.to_string()).unwrap();
    p
}

#[test]
fn check_and_write() {
    let d = tmp("check");
    let reference = "fixtures/baselines/reference.toml";
    let ids: Vec<&str> = mip6lab_suite_split::SUITE
        .tests()
        .iter()
        .map(|t| t.id)
        .collect();
    let (srv, name) = ("TP-SPLIT-MN-DISC-SRV-01", "TP-SPLIT-MN-DISC-NAME-01");
    assert!(ids.contains(&srv) && ids.contains(&name));
    let all_pass: Vec<(&str, &str)> = ids.iter().map(|id| (*id, "PASS")).collect();

    // The reference IUT, all PASS: unchanged. A run directory stands for its results.json.
    let run_dir = d.join("pass");
    write_run(&run_dir, &all_pass);
    let out = mip6lab(&["baseline", "check", run_dir.to_str().unwrap(), reference]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains(": ok\n"),
        "{}",
        text(&out.stdout)
    );

    // A mutant: SRV fails and a test is gone.
    let mutant = write_run(&d.join("mutant"), &[(srv, "FAIL")]);
    let out = mip6lab(&["baseline", "check", mutant.to_str().unwrap(), reference]);
    assert_eq!(out.status.code(), Some(1));
    let s = text(&out.stdout);
    assert!(
        s.contains(&format!("REGRESSION  {srv}  PASS -> FAIL")),
        "{s}"
    );
    assert!(
        s.contains(&format!("MISSING     {name}  baseline PASS")),
        "{s}"
    );

    // Its own baseline accepts it; the fixed IUT then improves, with a new test.
    let own = d.join("mutant.toml");
    let out = mip6lab(&[
        "baseline",
        "write",
        mutant.to_str().unwrap(),
        own.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let written = std::fs::read_to_string(&own).unwrap();
    assert!(
        written.contains(&format!("\"{srv}\" = \"FAIL\"")),
        "{written}"
    );
    assert!(written.starts_with("# Expected verdicts of IUT reference with knobs"));
    let out = mip6lab(&[
        "baseline",
        "check",
        mutant.to_str().unwrap(),
        own.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let fixed = write_run(&d.join("fixed"), &[(srv, "PASS"), ("TP-NEW-01", "FAIL")]);
    let out = mip6lab(&[
        "baseline",
        "check",
        fixed.to_str().unwrap(),
        own.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "only improvements and new tests");
    let s = text(&out.stdout);
    assert!(
        s.contains(&format!("IMPROVED    {srv}  FAIL -> PASS")),
        "{s}"
    );
    assert!(
        s.contains("NEW         TP-NEW-01  FAIL (not in the baseline)"),
        "{s}"
    );

    // Bad input is a usage error (2), naming the problem.
    std::fs::write(d.join("bad.toml"), "[verdicts]\n\"TP-A\" = \"GREEN\"\n").unwrap();
    let out = mip6lab(&[
        "baseline",
        "check",
        mutant.to_str().unwrap(),
        d.join("bad.toml").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("`GREEN` is not a verdict"),
        "{}",
        text(&out.stderr)
    );
    let out = mip6lab(&["baseline", "check", mutant.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("usage: mip6lab baseline check"));
    let out = mip6lab(&["baseline", "show", "a", "b"]);
    assert!(text(&out.stderr).contains("unknown baseline command `show`"));
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn suite_options_are_checked_before_any_lab() {
    let d = tmp("suite");
    let refuse = |args: &[&str], want: &str| {
        let out = mip6lab(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let e = text(&out.stderr);
        assert!(e.contains(want), "{args:?}: {e}");
    };
    refuse(
        &["suite", "split", "--iut-image", "vendor/mn:1"],
        "--iut-image vendor/mn:1 needs --pics FILE",
    );
    refuse(
        &[
            "suite",
            "split",
            "--iut-image",
            "v",
            "--pics",
            "/nonexistent/p.toml",
        ],
        "cannot read the PICS file /nonexistent/p.toml",
    );
    let bad = d.join("pics.toml");
    std::fs::write(
        &bad,
        "[iut]\nname = \"v\"\n[pics]\nha.dns_update = \"yes\"\n",
    )
    .unwrap();
    refuse(
        &[
            "suite",
            "split",
            "--iut-image",
            "v",
            "--pics",
            bad.to_str().unwrap(),
        ],
        "[pics] ha.dns_update = \"yes\": must be true or false",
    );
    std::fs::write(&bad, "[iut]\nname = \"v\"\nmodel = \"x\"\n[pics]\n").unwrap();
    refuse(
        &[
            "suite",
            "split",
            "--iut-image",
            "v",
            "--pics",
            bad.to_str().unwrap(),
        ],
        "unknown key `model` in [iut]",
    );
    let pics = "fixtures/pics/reference.toml";
    refuse(
        &[
            "suite",
            "split",
            "--iut-image",
            "v",
            "--pics",
            pics,
            "--baseline",
            "/nonexistent/b.toml",
        ],
        "cannot read /nonexistent/b.toml",
    );
    refuse(&["suite", "split", "--rerun", "0"], "N must be at least 1");
    refuse(
        &["suite", "split", "--rerun", "two"],
        "--rerun two: not a number",
    );
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn list_and_usage_mention_the_new_options() {
    let out = mip6lab(&["--help"]);
    let s = text(&out.stdout);
    for flag in [
        "--pics FILE",
        "--rerun N",
        "--baseline FILE",
        "baseline check",
        "baseline write",
    ] {
        assert!(s.contains(flag), "{flag} not in the usage");
    }
}
