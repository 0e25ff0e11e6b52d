//! The interop matrix: three implementations in two roles (one run twice as different roles
//! and once more, newer, as the same role), two suites; its structure, its page and its JSON.

use mip6lab_contract::IutRole;
use mip6lab_report::interop::{
    iut_label, one_line, render_interop, render_interop_json, InteropRun, Matrix,
};
use mip6lab_report::{Outcome, RunResult, TestResult, Verdict};
use std::collections::BTreeMap;
use std::path::PathBuf;

const HOSTILE: &str = "BA status <script>alert(1)</script> & \"quoted\"\nsecond line of detail";

/// A test citing requirements of these levels (`R-<id>-<k>`).
fn test(id: &str, outcome: Outcome, levels: &[&str]) -> TestResult {
    let requirements: Vec<String> = (0..levels.len()).map(|k| format!("R-{id}-{k}")).collect();
    TestResult {
        id: id.into(),
        title: format!("title of {id}"),
        requirement_levels: requirements
            .iter()
            .zip(levels)
            .map(|(r, l)| (r.clone(), l.to_string()))
            .collect(),
        requirements,
        outcome,
        ..TestResult::default()
    }
}

/// NOT-APPLICABLE, its requirements at the levels the other runs record for the test.
fn na(id: &str, why: &str) -> TestResult {
    let levels: &[&str] = match id {
        "TP-MN-B" => &["MAY"],
        "TP-MN-S" => &["MAY", "SHOULD"],
        "TP-HA-B" => &["SHOULD"],
        _ => &["MUST"],
    };
    test(id, Outcome::new(Verdict::NotApplicable, why), levels)
}

/// A run whose PICS declares these roles (`role.<token>`); none: no PICS at all.
fn run(
    run_id: &str,
    suite: &str,
    iut: &str,
    started: u64,
    roles: &[(&str, bool)],
    results: Vec<TestResult>,
) -> RunResult {
    let mut r = RunResult::begin(run_id, suite, iut, "", started);
    r.pics = roles
        .iter()
        .map(|(role, on)| (format!("role.{role}"), (*on).into()))
        .collect();
    r.results = results;
    r
}

fn roles() -> BTreeMap<String, IutRole> {
    [
        ("TP-MN-A", IutRole::Mn),
        ("TP-MN-S", IutRole::Mn),
        ("TP-MN-B", IutRole::Mn),
        ("TP-HA-A", IutRole::Ha),
        ("TP-HA-B", IutRole::Ha),
        ("TP-LAB-1", IutRole::Ha),
        ("TP-INT-HA-1", IutRole::Ha),
    ]
    .into_iter()
    .map(|(t, r)| (t.to_string(), r))
    .collect()
}

/// The MN tests NOT-APPLICABLE, as a run of an image that does not play MN records them.
fn mn_na() -> Vec<TestResult> {
    ["TP-MN-A", "TP-MN-S", "TP-MN-B"]
        .into_iter()
        .map(|t| na(t, "PICS: role.mn = false"))
        .collect()
}

fn ha_na() -> Vec<TestResult> {
    ["TP-HA-A", "TP-HA-B"]
        .into_iter()
        .map(|t| na(t, "PICS: role.ha = false"))
        .collect()
}

fn runs() -> Vec<RunResult> {
    let pass = |id: &str, levels: &[&str]| test(id, Outcome::pass(format!("{id} ok")), levels);
    // vendor/a: as HA, then as MN, then as HA again (newer).
    let a1 = run(
        "a1",
        "split",
        "vendor/a:1",
        100,
        &[("ha", true), ("mn", false)],
        [
            mn_na(),
            vec![
                test("TP-HA-A", Outcome::fail("old failure"), &["MUST"]),
                pass("TP-HA-B", &["SHOULD"]),
            ],
        ]
        .concat(),
    );
    let a2 = run(
        "a2",
        "split",
        "vendor/a:1",
        200,
        &[("mn", true), ("ha", false)],
        [
            vec![
                pass("TP-MN-A", &["MUST"]),
                na("TP-MN-B", "PICS: mn.optional_thing = false"),
                // TP-MN-S: this run lacks it.
            ],
            ha_na(),
        ]
        .concat(),
    );
    let mut a3 = run(
        "a3",
        "split",
        "vendor/a:1",
        300,
        &[("ha", true), ("mn", false)],
        [
            mn_na(),
            // TP-HA-B: this run lacks it, though a1 had it.
            vec![pass("TP-HA-A", &["MUST"])],
        ]
        .concat(),
    );
    // Its why.txt where the run lists it.
    a3.results[3].artifacts = vec![PathBuf::from("TP-HA-A/bundle/why.txt")];
    // vendor/b: both roles in one run, and the integrated suite as HA.
    let mut b1 = run(
        "b1",
        "split",
        "vendor/b:2",
        150,
        &[("mn", true), ("ha", true)],
        vec![
            test("TP-MN-A", Outcome::fail(HOSTILE), &["MUST"]),
            pass("TP-MN-B", &["MAY"]),
            test(
                "TP-MN-S",
                Outcome::inconclusive("not exercised"),
                &["MAY", "SHOULD"],
            ),
            pass("TP-HA-A", &["MUST"]),
            test("TP-HA-B", Outcome::fail("no retransmission"), &["SHOULD"]),
            TestResult {
                lab_check: true,
                ..test("TP-LAB-1", Outcome::pass("BIND answers"), &[])
            },
        ],
    );
    b1.results[1].flaky = true;
    b1.results[1].runs = vec![Verdict::Pass, Verdict::Pass];
    let b2 = run(
        "b2",
        "integrated",
        "vendor/b:2",
        160,
        &[("ha", true)],
        vec![pass("TP-INT-HA-1", &["MUST"])],
    );
    // reference: no PICS recorded; both roles judged.
    let c1 = run(
        "c1",
        "split",
        "reference",
        50,
        &[],
        vec![
            pass("TP-MN-A", &["MUST"]),
            pass("TP-MN-B", &["MAY"]),
            pass("TP-MN-S", &["SHOULD"]),
            pass("TP-HA-A", &["MUST"]),
            pass("TP-HA-B", &["SHOULD"]),
        ],
    );
    vec![a1, a2, a3, b1, b2, c1]
}

fn inputs(runs: &[RunResult]) -> Vec<InteropRun<'_>> {
    runs.iter()
        .map(|r| InteropRun {
            run: r,
            page: format!("{}/index.html", r.run_id),
            run_dir: format!("runs/{}/", r.run_id),
            roles: roles(),
        })
        .collect()
}

fn col(m: &Matrix, key: &str) -> usize {
    m.columns
        .iter()
        .position(|c| c.key == key)
        .unwrap_or_else(|| panic!("no column {key}"))
}

fn row(m: &Matrix, suite: &str, test: &str) -> usize {
    m.rows
        .iter()
        .position(|r| r.suite == suite && r.test == test)
        .unwrap_or_else(|| panic!("no row {suite}/{test}"))
}

#[test]
fn columns_are_implementation_by_role_and_the_newest_run_wins_per_column() {
    let runs = runs();
    let m = Matrix::build(&inputs(&runs));
    let keys: Vec<&str> = m.columns.iter().map(|c| c.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "reference as mn",
            "vendor/a:1 as mn",
            "vendor/b:2 as mn",
            "reference as ha",
            "vendor/a:1 as ha",
            "vendor/b:2 as ha",
        ]
    );
    assert_eq!(m.implementations(), 3);
    let runs_of = |key: &str| -> Vec<(String, String)> {
        m.columns[col(&m, key)]
            .runs
            .iter()
            .map(|s| (s.suite.clone(), s.run_id.clone()))
            .collect()
    };
    let pair = |s: &str, r: &str| (s.to_string(), r.to_string());
    // a1 (HA) lost to the newer a3; a2 (MN) keeps its column.
    assert_eq!(runs_of("vendor/a:1 as ha"), [pair("split", "a3")]);
    assert_eq!(runs_of("vendor/a:1 as mn"), [pair("split", "a2")]);
    // One run, two roles: two columns; a second suite joins the HA column.
    assert_eq!(runs_of("vendor/b:2 as mn"), [pair("split", "b1")]);
    assert_eq!(
        runs_of("vendor/b:2 as ha"),
        [pair("integrated", "b2"), pair("split", "b1")]
    );
    let a3 = &m.columns[col(&m, "vendor/a:1 as ha")].runs[0];
    assert_eq!(
        (a3.started_unix, a3.started_utc.as_str(), a3.page.as_str()),
        (300, "1970-01-01T00:05:00Z", "a3/index.html")
    );
    // The newest wins even when given first.
    let mut reversed = runs.clone();
    reversed.reverse();
    let m2 = Matrix::build(&inputs(&reversed));
    assert_eq!(
        m2.columns[col(&m2, "vendor/a:1 as ha")].runs[0].run_id,
        "a3"
    );
}

#[test]
fn rows_group_by_suite_role_and_strongest_level() {
    let runs = runs();
    let m = Matrix::build(&inputs(&runs));
    let rows: Vec<(&str, &str, &str, &str)> = m
        .rows
        .iter()
        .map(|r| {
            (
                r.suite.as_str(),
                r.role.as_str(),
                r.level_group.as_str(),
                r.test.as_str(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("integrated", "ha", "MUST", "TP-INT-HA-1"),
            ("split", "mn", "MUST", "TP-MN-A"),
            ("split", "mn", "SHOULD", "TP-MN-S"),
            ("split", "mn", "MAY", "TP-MN-B"),
            ("split", "ha", "MUST", "TP-HA-A"),
            ("split", "ha", "SHOULD", "TP-HA-B"),
        ],
        "lab checks are not rows"
    );
    let s = &m.rows[row(&m, "split", "TP-MN-S")];
    assert_eq!(s.level.as_deref(), Some("SHOULD"), "MAY and SHOULD: SHOULD");
    assert_eq!(s.title, "title of TP-MN-S");
}

#[test]
fn cells_tell_not_run_from_not_applicable_and_carry_reason_and_link() {
    let runs = runs();
    let m = Matrix::build(&inputs(&runs));
    let (a_mn, a_ha, b_mn, b_ha) = (
        col(&m, "vendor/a:1 as mn"),
        col(&m, "vendor/a:1 as ha"),
        col(&m, "vendor/b:2 as mn"),
        col(&m, "vendor/b:2 as ha"),
    );
    let ha_a = row(&m, "split", "TP-HA-A");
    let cell = m.cell(ha_a, a_ha).expect("a3 has TP-HA-A");
    assert_eq!(
        (cell.verdict, cell.run_id.as_str(), cell.reason.as_str()),
        (Verdict::Pass, "a3", "TP-HA-A ok")
    );
    assert_eq!(cell.link, "runs/a3/TP-HA-A/bundle/why.txt");
    // a1 had TP-HA-B, but a3 fills the column: not run.
    let ha_b = row(&m, "split", "TP-HA-B");
    assert!(m.cell(ha_b, a_ha).is_none() && m.covers(ha_b, a_ha));
    let mn_s = row(&m, "split", "TP-MN-S");
    assert!(m.cell(mn_s, a_mn).is_none() && m.covers(mn_s, a_mn));
    // NOT-APPLICABLE is a cell.
    let mn_b = row(&m, "split", "TP-MN-B");
    let na = m.cell(mn_b, a_mn).expect("a2 judged TP-MN-B");
    assert_eq!(na.verdict, Verdict::NotApplicable);
    assert_eq!(na.reason, "PICS: mn.optional_thing = false");
    // Other roles and suites the column has no run of: neither a cell nor "not run".
    let int = row(&m, "integrated", "TP-INT-HA-1");
    assert!(m.cell(int, a_ha).is_none() && !m.covers(int, a_ha));
    assert!(!m.covers(ha_a, a_mn));
    assert_eq!(m.cell(int, b_ha).unwrap().run_id, "b2");
    let hostile = m.cell(row(&m, "split", "TP-MN-A"), b_mn).unwrap();
    assert_eq!(hostile.link, "runs/b1/TP-MN-A/why.txt");
    assert!(!hostile.advisory);
    let advisory = m.cell(ha_b, b_ha).unwrap();
    assert!(advisory.advisory && advisory.verdict == Verdict::Fail);
    assert!(m.cell(mn_b, b_mn).unwrap().flaky);
    let counts = |c: usize| -> Vec<(&str, usize)> {
        m.columns[c]
            .counts
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(k, n)| (k.as_str(), *n))
            .collect()
    };
    assert_eq!(counts(a_ha), [("PASS", 1), ("not run", 1)]);
    assert_eq!(
        counts(a_mn),
        [("NOT-APPLICABLE", 1), ("PASS", 1), ("not run", 1)]
    );
    assert_eq!(
        counts(b_mn),
        [("FAIL", 1), ("FLAKY", 1), ("INCONCLUSIVE", 1), ("PASS", 1)]
    );
    assert_eq!(m.columns[b_ha].counts["PASS"], 2);
}

#[test]
fn a_role_the_pics_does_not_declare_gets_no_column_and_without_pics_na_decides() {
    // Declared roles decide, even when a test of another role was judged.
    let mut only_ha = run(
        "x",
        "split",
        "vendor/x",
        1,
        &[("ha", true)],
        [mn_na(), ha_na()].concat(),
    );
    only_ha.results[0].outcome = Outcome::fail("judged anyway");
    // No role items: a role whose tests are all NOT-APPLICABLE gets no column.
    let old = run(
        "y",
        "split",
        "vendor/y",
        1,
        &[],
        [
            mn_na(),
            vec![test("TP-HA-A", Outcome::pass("ok"), &["MUST"])],
        ]
        .concat(),
    );
    let runs = [only_ha, old];
    let m = Matrix::build(&inputs(&runs));
    let keys: Vec<&str> = m.columns.iter().map(|c| c.key.as_str()).collect();
    assert_eq!(keys, ["vendor/x as ha", "vendor/y as ha"]);
}

#[test]
fn tests_of_unknown_role_and_level_come_last() {
    let mut r = run(
        "u",
        "split",
        "reference",
        1,
        &[],
        vec![
            test("TP-HA-A", Outcome::pass("ok"), &[]),
            test("TP-ELSEWHERE", Outcome::pass("ok"), &["MUST"]),
        ],
    );
    r.knobs = "ha.x=1".into();
    assert_eq!(iut_label(&r), "reference [ha.x=1]");
    let runs = [r];
    let m = Matrix::build(&inputs(&runs));
    let keys: Vec<&str> = m.columns.iter().map(|c| c.key.as_str()).collect();
    assert_eq!(
        keys,
        ["reference [ha.x=1] as ha", "reference [ha.x=1] as unknown"]
    );
    assert_eq!(
        (m.rows[0].level_group.as_str(), m.rows[0].level.as_deref()),
        ("unknown", None)
    );
    let html = render_interop(&m);
    assert!(html.contains("level unknown (counts as MUST)"));
    assert!(html.contains("suite split · role unknown · MUST"));
    assert!(html.contains("suite split · role ha · level unknown"));
}

#[test]
fn the_page_has_tests_as_rows_reasons_links_and_escapes_them() {
    let runs = runs();
    let m = Matrix::build(&inputs(&runs));
    let html = render_interop(&m);
    assert!(!html.contains("<script>"), "hostile text stays text");
    assert!(!html.contains("<script"), "and the page needs no script");
    // The cell: badge, first line only, the whole reason in the tooltip, linked to why.txt.
    let short = one_line(HOSTILE);
    assert_eq!(short, "BA status <script>alert(1)</script> & \"quoted\" …");
    let cell = "<td class=\"cell v-fail\"><span class=\"badge fail\">FAIL</span>\
         <a class=\"r1\" href=\"runs/b1/TP-MN-A/why.txt\" title=\"BA status \
         &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quoted&quot;\nsecond line of \
         detail\">BA status &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quoted&quot; \
         …</a></td>";
    assert!(html.contains(cell), "{html}");
    assert!(
        html.contains("<span class=\"badge fail\">FAIL</span> <span class=\"adv\">advisory</span>")
    );
    // Column headers in column order, each naming implementation, role and column number.
    let heads: Vec<usize> = [
        "reference<br><span class=\"muted\">as mn · C1</span>",
        "vendor/a:1<br><span class=\"muted\">as mn · C2</span>",
        "vendor/b:2<br><span class=\"muted\">as mn · C3</span>",
        "reference<br><span class=\"muted\">as ha · C4</span>",
        "vendor/a:1<br><span class=\"muted\">as ha · C5</span>",
        "vendor/b:2<br><span class=\"muted\">as ha · C6</span>",
    ]
    .iter()
    .map(|h| html.find(h).unwrap_or_else(|| panic!("no header {h}")))
    .collect();
    assert!(heads.windows(2).all(|w| w[0] < w[1]));
    // Which run each column comes from: run id (linked), date, suite.
    assert!(html.contains(
        "<tr><th scope=\"row\">C5</th><td>vendor/a:1</td><td>ha</td><td>split</td>\
         <td><a href=\"a3/index.html\"><code>a3</code></a></td><td>1970-01-01T00:05:00Z</td></tr>"
    ));
    // Groups in order, each a heading row spanning the columns.
    let groups: Vec<usize> = [
        "suite integrated · role ha · MUST",
        "suite split · role mn · MUST",
        "suite split · role mn · SHOULD",
        "suite split · role mn · MAY",
        "suite split · role ha · MUST",
        "suite split · role ha · SHOULD",
    ]
    .iter()
    .map(|g| {
        html.find(&format!("<th colspan=\"7\"><span>{g}</span>"))
            .unwrap_or_else(|| panic!("no group {g}"))
    })
    .collect();
    assert!(groups.windows(2).all(|w| w[0] < w[1]));
    // Not run: empty cells; NOT-APPLICABLE: a badge.
    let not_run = "<td class=\"notrun\" title=\"not run\"></td>";
    let total_not_run: usize = m.columns.iter().map(|c| c.counts["not run"]).sum();
    assert_eq!(html.matches(not_run).count(), total_not_run);
    assert_eq!(total_not_run, 2);
    assert!(html.contains("<span class=\"badge na\">NOT-APPLICABLE</span>"));
    // Rows × columns: every cell drawn once.
    let drawn = html.matches("<td class=\"cell ").count()
        + html.matches(not_run).count()
        + html.matches("<td class=\"off\"></td>").count();
    assert_eq!(drawn, m.rows.len() * m.columns.len());
    assert_eq!(html.matches("<td class=\"cell ").count(), m.cells.len());
    // Summary row and legend.
    assert!(html.contains("<tr class=\"sum\">"));
    assert!(html.contains("<h2 id=\"legend\">Legend</h2>"));
    assert!(html.contains("<a href=\"#legend\">legend</a>"));
    assert!(html.contains("position:sticky;left:0"));
}

#[test]
fn the_json_has_rows_columns_and_cells() {
    let runs = runs();
    let m = Matrix::build(&inputs(&runs));
    let v: serde_json::Value = serde_json::from_str(&render_interop_json(&m)).unwrap();
    assert_eq!(v["schema_version"], 1);
    let keys = |x: &serde_json::Value| -> Vec<String> {
        let mut k: Vec<String> = x.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(
        keys(&v),
        ["cells", "columns", "rows", "schema_version"].map(String::from)
    );
    let c = &v["columns"][4];
    assert_eq!(
        keys(c),
        ["counts", "implementation", "key", "role", "runs"].map(String::from)
    );
    assert_eq!(c["key"], "vendor/a:1 as ha");
    assert_eq!(c["role"], "ha");
    assert_eq!(c["counts"]["not run"], 1);
    assert_eq!(c["counts"]["ERROR"], 0);
    assert_eq!(
        c["runs"][0],
        serde_json::json!({"run_id": "a3", "suite": "split", "started_utc":
            "1970-01-01T00:05:00Z", "started_unix": 300, "page": "a3/index.html"})
    );
    let r = &v["rows"][1];
    assert_eq!(
        r,
        &serde_json::json!({"suite": "split", "role": "mn", "level_group": "MUST",
            "level": "MUST", "kind": null, "test": "TP-MN-A", "title": "title of TP-MN-A",
            "requirements": ["R-TP-MN-A-0"]})
    );
    let cells = v["cells"].as_array().unwrap();
    assert_eq!(cells.len(), m.cells.len());
    let na = cells
        .iter()
        .find(|c| c["test"] == "TP-MN-B" && c["column"] == "vendor/a:1 as mn")
        .unwrap();
    assert_eq!(
        na,
        &serde_json::json!({"suite": "split", "test": "TP-MN-B", "column":
            "vendor/a:1 as mn", "run_id": "a2", "verdict": "NOT-APPLICABLE",
            "advisory": false, "flaky": false, "reason": "PICS: mn.optional_thing = false",
            "link": "runs/a2/TP-MN-B/why.txt"})
    );
    // Not run: no cell.
    assert!(!cells
        .iter()
        .any(|c| c["test"] == "TP-MN-S" && c["column"] == "vendor/a:1 as mn"));
    let hostile = cells
        .iter()
        .find(|c| c["test"] == "TP-MN-A" && c["column"] == "vendor/b:2 as mn")
        .unwrap();
    assert_eq!(hostile["reason"], HOSTILE, "the full reason, unescaped");
}

#[test]
fn a_row_shows_its_strongest_level_and_how_it_is_stated() {
    let with_kinds = |id: &str, reqs: &[(&str, &str)]| {
        let levels: Vec<&str> = reqs.iter().map(|(l, _)| *l).collect();
        let mut t = test(id, Outcome::pass("ok"), &levels);
        for (k, (_, kind)) in reqs.iter().enumerate() {
            t.requirement_kinds
                .insert(format!("R-{id}-{k}"), kind.to_string());
        }
        t
    };
    let r = run(
        "k",
        "split",
        "reference",
        1,
        &[],
        vec![
            with_kinds("TP-HA-A", &[("must", "lowercase"), ("MUST", "capital")]),
            with_kinds("TP-HA-B", &[("SHOULD", "capital"), ("MUST", "lowercase")]),
        ],
    );
    let runs = [r];
    let m = Matrix::build(&inputs(&runs));
    let levels: Vec<(&str, Option<&str>, Option<&str>)> = m
        .rows
        .iter()
        .map(|r| (r.test.as_str(), r.level.as_deref(), r.kind.as_deref()))
        .collect();
    assert_eq!(
        levels,
        [
            ("TP-HA-A", Some("MUST"), None),
            ("TP-HA-B", Some("MUST"), Some("lowercase")),
        ]
    );
    assert!(render_interop(&m).contains("MUST (lowercase)"));
    // A long reason: one line of at most 80 characters.
    let long = one_line(&"word ".repeat(40));
    assert_eq!(long.chars().count(), 80);
    assert!(long.ends_with('…'));
}
