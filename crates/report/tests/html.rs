//! The HTML report rendered from a recorded run (a trimmed copy of a real
//! `reports/<run-id>/`, under tests/fixtures/run): content, escaping, and — with Chromium —
//! that a browser loads it without errors.

use mip6lab_capture::transcript::{Decoded, Entry, Part};
use mip6lab_capture::Transcript;
use mip6lab_report::html::{render_compare, render_html};
use mip6lab_report::{Outcome, ReqInfo, RunResult, TestResult, Verdict};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/run")
}

fn load() -> (RunResult, BTreeMap<String, Transcript>) {
    let run: RunResult =
        serde_json::from_str(&std::fs::read_to_string(fixture().join("results.json")).unwrap())
            .unwrap();
    let mut ts = BTreeMap::new();
    for r in &run.results {
        let p = fixture().join(&r.id).join("transcript.json");
        let t: Transcript = serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
        ts.insert(r.id.clone(), t);
    }
    (run, ts)
}

const XSS: &str = "<script>alert(1)</script>";

/// The recorded run, plus a test whose reason, title and DNS name come from a hostile IUT,
/// with a Mobility Header exchange between three endpoints.
fn hostile() -> (RunResult, BTreeMap<String, Transcript>) {
    let (mut run, mut ts) = load();
    let id = "TP-SPLIT-MN-HOSTILE-01";
    run.results.push(TestResult {
        id: id.into(),
        title: format!("title {XSS}"),
        requirements: vec!["RFC5026-X-SHOULD-1".into()],
        outcome: Outcome::fail(XSS)
            .with_frames(&format!("{id}/home.pcap"), [11])
            .with_report("MN", "\"><img src=x onerror=alert(2)>"),
        duration_ms: 1200,
        artifacts: vec![PathBuf::from(format!("{id}/logs/mn\"><b>.log"))],
        ..TestResult::default()
    });
    let e = |frame, src: &str, dst: &str, kind: &str| Entry {
        frame,
        src: src.into(),
        dst: dst.into(),
        src_addr: "2001:db8::1".parse().unwrap(),
        dst_addr: "2001:db8::2".parse().unwrap(),
        decoded: Decoded::Message(Part::new("MH", kind).field("seq", 7)),
    };
    let mut t = Transcript::default();
    t.entries.push(e(10, "MN", "HA1", "BU"));
    t.entries.push(e(11, "HA1", "MN", &format!("BA {XSS}")));
    t.entries.push(e(12, "MN", "CN", "HoTI"));
    t.entries.push(e(13, "MN", "MN", "loop"));
    ts.insert(id.into(), t);
    (run, ts)
}

fn catalog() -> Vec<ReqInfo> {
    vec![
        ReqInfo {
            id: "RFC5026-5.1.2-MN-MUST-1".into(),
            section: "5.1.2".into(),
            level: "MUST".into(),
            text: "The mobile node MUST query _mip6._ipv6.<home domain> for SRV records.".into(),
            ..ReqInfo::default()
        },
        ReqInfo {
            id: "RFC5026-X-SHOULD-1".into(),
            level: "SHOULD".into(),
            text: "A sentence & <more>.".into(),
            ..ReqInfo::default()
        },
        ReqInfo {
            id: "RFC5026-UNTESTED-1".into(),
            level: "MAY".into(),
            ..ReqInfo::default()
        },
    ]
}

#[test]
fn fixture_is_a_real_run() {
    let (run, ts) = load();
    assert_eq!(
        run.schema_version, 1,
        "the fixture stays a v1 file: v1 must keep reading"
    );
    assert_eq!(run.results.len(), 2);
    assert_eq!(ts.len(), 2);
}

#[test]
fn summary_matrix_and_ladder() {
    let (run, ts) = load();
    let html = render_html(&run, None, &ts);
    assert!(html.starts_with("<!DOCTYPE html>"));
    // Counts: one PASS, one FAIL.
    assert!(html.contains("<div><b>2</b>tests</div>"), "{html}");
    assert!(html.contains("<div><b>1</b><span class=\"badge pass\">PASS</span></div>"));
    assert!(html.contains("<div><b>1</b><span class=\"badge fail\">FAIL</span></div>"));
    assert!(html.contains("<div><b>0</b><span class=\"badge error\">ERROR</span></div>"));
    // Matrix: one row per requirement, without a catalog the level is unknown.
    assert_eq!(
        html.matches("<tr><th scope=\"row\"><code>RFC5026-").count(),
        2
    );
    assert!(html.contains("No requirement catalog was found"));
    assert!(html.contains("Gate: failed — 1 blocking"));
    // A ladder per test, with the failing evidence arrow in red.
    assert_eq!(html.matches("<svg ").count(), 2);
    assert!(html.contains("DNS query SRV _mip6._udp.example.com."));
    assert!(html.contains("stroke=\"#b3261e\" stroke-width=\"2.5\""));
    // Links are relative to the run directory.
    assert!(html.contains("href=\"TP-SPLIT-MN-DISC-SRV-01/home.pcap\""));
    assert!(html.contains("href=\"TP-SPLIT-MN-DISC-SRV-01/logs/mn.log\""));
    assert!(html.contains("href=\"TP-SPLIT-MN-DISC-SRV-01/transcript.json\""));
    assert!(!html.contains("http://") || !html.contains("src=\"http"));
    assert!(!html.contains("<script"), "no script needed");
}

#[test]
fn catalog_gives_sentences_levels_and_advisory_fails() {
    let (mut run, ts) = hostile();
    let cat = catalog();
    run.apply_levels(&cat);
    let html = render_html(&run, Some(&cat), &ts);
    assert!(html.contains("The mobile node MUST query _mip6._ipv6.&lt;home domain&gt;"));
    assert!(html.contains("A sentence &amp; &lt;more&gt;."));
    assert!(html.contains("1 catalog requirement(s) no test of this run verifies"));
    assert!(html.contains("<span class=\"adv\">advisory</span>"));
    // The SHOULD test's FAIL does not block; the MUST one does.
    assert!(html.contains("Gate: failed — 1 blocking"));
    assert!(html.contains("(1 advisory FAIL: no requirement of this test gates"));
    assert!(html.contains("Gate profile: default: only BCP 14 capitals"));
}

#[test]
fn everything_from_the_iut_is_escaped() {
    let (run, ts) = hostile();
    let html = render_html(&run, None, &ts);
    assert!(!html.contains(XSS));
    assert!(!html.contains("<script"));
    assert!(!html.contains("<img"));
    assert!(!html.contains("<b>.log"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("href=\"TP-SPLIT-MN-HOSTILE-01/logs/mn%22%3E%3Cb%3E.log\""));
    // Three lanes and a self-message.
    assert!(html.contains(">CN</text>"));
    assert!(html.contains("MH BA &lt;script&gt;"));
}

#[test]
fn shards_and_incomplete_merges_are_shown() {
    let (mut run, ts) = load();
    run.results
        .iter_mut()
        .for_each(|r| r.outcome = Outcome::pass("ok"));
    run.partition = Some(mip6lab_report::Partition {
        k: 1,
        n: 2,
        selected_total: 4,
        tests: run.results.iter().map(|r| r.id.clone()).collect(),
    });
    let html = render_html(&run, None, &ts);
    assert!(
        html.contains("shard 1/2: 2 of 4 selected test(s)"),
        "{html}"
    );
    assert!(html.contains("Gate: passed") && !html.contains("INCOMPLETE"));

    run.partition = None;
    run.merged = Some(mip6lab_report::Merged {
        n: 2,
        selected_total: 4,
        shards: vec![mip6lab_report::shard::MergedShard {
            k: 1,
            run_id: "r1".into(),
            host: "ci-1".into(),
            tests: 2,
        }],
        missing: vec![2],
    });
    let html = render_html(&run, None, &ts);
    assert!(html.contains("1 of 2 shard(s): 1/2 (r1 on ci-1)"), "{html}");
    let incomplete = html
        .find("INCOMPLETE — shard(s) 2 of 2 missing: 2 of 4")
        .expect("banner");
    let summary = html.find("<h2>Summary</h2>").unwrap();
    assert!(incomplete < summary, "the banner comes first");
    assert!(html.contains("Gate: failed — no test here blocks, but shards are missing"));
    assert!(!html.contains("Gate: passed"));
}

#[test]
fn compare() {
    let (a, _) = load();
    let (mut b, _) = hostile();
    b.run_id = "later".into();
    b.knobs.clear();
    b.results[0].outcome = Outcome::pass("now fine");
    let c = render_compare(&a, &b, "a/index.html", "b/index.html");
    assert!(
        c.contains("2 test(s) changed, new or removed; 1 unchanged."),
        "{c}"
    );
    assert!(c.contains(">changed<") && c.contains(">new<"));
    assert!(!c.contains(XSS));
}

fn chromium() -> Option<&'static str> {
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|b| {
            std::process::Command::new(b)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
}

fn browser(bin: &str, args: &[&str], page: &Path) -> std::process::Output {
    let profile = page.with_file_name("profile");
    std::process::Command::new(bin)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-extensions",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap()
}

#[test]
// Not a skip: ignored only under plain `cargo test` because it needs chromium; `just test`
// and CI run it with --include-ignored, where a missing prerequisite fails it.
#[ignore = "needs chromium: run with --include-ignored (just test)"]
fn chromium_renders_it_without_errors() {
    let bin = chromium().expect("chromium is not installed (apt-get install chromium)");
    let dir = std::env::temp_dir().join(format!("mip6lab-html-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let (mut run, ts) = hostile();
    let cat = catalog();
    run.apply_levels(&cat);
    let page = dir.join("index.html");
    std::fs::write(&page, render_html(&run, Some(&cat), &ts)).unwrap();

    let png = dir.join("shot.png");
    let out = browser(
        bin,
        &[
            &format!("--screenshot={}", png.display()),
            "--window-size=1280,2000",
        ],
        &page,
    );
    let log = String::from_utf8_lossy(&out.stderr);
    let img = std::fs::read(&png).unwrap_or_else(|e| panic!("no screenshot ({e}): {log}"));
    assert!(
        img.len() > 1000 && img.starts_with(b"\x89PNG\r\n\x1a\n"),
        "{log}"
    );

    let out = browser(bin, &["--dump-dom"], &page);
    let log = String::from_utf8_lossy(&out.stderr);
    let dom = String::from_utf8_lossy(&out.stdout);
    assert!(dom.contains("Requirement matrix"), "{log}");
    assert!(dom.contains("<svg"), "the ladder is in the DOM");
    assert!(!dom.contains("<script>alert"), "hostile text stayed text");
    let console: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("CONSOLE") || l.contains("Uncaught"))
        .collect();
    assert!(console.is_empty(), "console messages: {console:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn flaky_tests_show_in_the_matrix_the_table_and_the_gate() {
    let (mut run, ts) = load();
    let plain = render_html(&run, Some(&catalog()), &ts);
    assert!(!plain.contains(">FLAKY<"), "no reruns, no flaky column");
    let r = &mut run.results[1];
    r.outcome.verdict = Verdict::Inconclusive;
    r.flaky = true;
    r.runs = vec![Verdict::Pass, Verdict::Inconclusive];
    let html = render_html(&run, Some(&catalog()), &ts);
    let badge = "<span class=\"flaky\" title=\"runs: PASS, INCONCLUSIVE\">FLAKY</span>";
    // Requirement matrix, tests table and the test's own heading.
    assert!(html.matches(badge).count() >= 3, "{html}");
    assert!(html.contains("<div><b>1</b><span class=\"flaky\">FLAKY</span></div>"));
    assert!(html.contains("<strong>Runs:</strong> <span class=\"badge pass\">PASS</span>"));
    assert!(html.contains("Gate: failed — 2 blocking"), "{html}");
}

#[test]
fn lab_checks_and_blocking_causes_have_their_own_sections() {
    let (mut run, ts) = load();
    run.results[0].lab_check = true;
    let lab_id = run.results[0].id.clone();
    run.results.push(TestResult {
        id: "TP-SPLIT-HA-NOT-REACHED-01".into(),
        outcome: Outcome::not_reached("IKE_AUTH", "N(NO_PROPOSAL_CHOSEN) to the Child SA"),
        ..TestResult::default()
    });
    let html = render_html(&run, None, &ts);
    let lab = html
        .find("<h2>Lab checks</h2>")
        .expect("a lab checks section");
    let tests = html.find("<h2>Tests</h2>").unwrap();
    assert!(tests < lab);
    let row = format!("<a href=\"#t-{lab_id}\">{lab_id}</a>");
    assert!(
        html[lab..].contains(&lab_id),
        "the lab check is listed there"
    );
    assert!(
        !html[tests..lab].contains(&row),
        "and not among the IUT's tests"
    );
    let causes = html
        .find("<h2>Not exercised: what stopped the flow</h2>")
        .expect("a blocking-cause table");
    assert!(html[causes..].contains("N(NO_PROPOSAL_CHOSEN) to the Child SA"));
    assert!(html[causes..tests].contains("TP-SPLIT-HA-NOT-REACHED-01"));
}
