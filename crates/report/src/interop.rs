//! The interop matrix of several runs: `interop.html` (static, no script) and
//! `interop.json` (the same matrix for CI and for diffing).
//!
//! A row per test purpose, a column per implementation in one IUT role, a cell per verdict
//! with its one-line reason and a link to the test's evidence (`why.txt`). Rows are grouped
//! by suite, then by the role under test, then by the strongest BCP 14 level among the
//! test's requirements. A column is an implementation (the IUT as its run records it, the
//! reference's knobs included) in one role; for each suite the newest run of that
//! implementation in that role fills it, so an image run as HA and then as MN keeps both
//! columns.

use crate::html::{badge, h, head_styled, href, test_badge, truncate, vclass, VERDICTS};
use crate::{bundle, norm_level, RunResult, TestResult, Verdict};
use mip6lab_contract::IutRole;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// The version of `interop.json`'s shape.
pub const SCHEMA_VERSION: u32 = 1;

/// The count of a column's rows that its runs lack (`counts` in `interop.json`).
pub const NOT_RUN: &str = "not run";
/// The count of a column's flaky cells (also counted under their worst verdict).
pub const FLAKY: &str = "FLAKY";

/// Level groups, strongest first; a test whose requirements have no known level is in the
/// last.
pub const LEVEL_GROUPS: [&str; 4] = ["MUST", "SHOULD", "MAY", "unknown"];
/// The index of `unknown` in [`LEVEL_GROUPS`].
const UNKNOWN_LEVEL: usize = 3;

/// Characters of a reason a cell shows; the full text is in its tooltip.
const REASON_CHARS: usize = 80;

/// One run given to the matrix, with its files as seen from the matrix's directory.
#[derive(Debug, Clone)]
pub struct InteropRun<'a> {
    pub run: &'a RunResult,
    /// The run's report page (`index.html`), relative to the matrix's directory.
    pub page: String,
    /// The run directory, relative to the matrix's directory: empty or ending in `/`.
    pub run_dir: String,
    /// Test ID → the IUT role the test puts under test (from the suite's definition). A test
    /// missing here is of unknown role.
    pub roles: BTreeMap<String, IutRole>,
}

/// The IUT a run tested, as the matrix names an implementation: its PICS's `[iut] name`, else
/// the image (or `reference`), with the reference's knobs when it ran mutated.
pub fn iut_label(r: &RunResult) -> String {
    // The PICS's name of the implementation outlives the image tag, which changes with
    // every change of the recipe.
    let name = r
        .pics
        .get("iut.name")
        .and_then(|v| v.as_str())
        .filter(|n| !n.is_empty())
        .unwrap_or(&r.iut);
    if r.knobs.is_empty() {
        name.to_string()
    } else {
        format!("{name} [{}]", r.knobs)
    }
}

/// The matrix, as `interop.json` writes it.
#[derive(Debug, Clone, Serialize)]
pub struct Matrix<'a> {
    pub schema_version: u32,
    pub columns: Vec<Column>,
    /// In display order: by suite, role, level group, then test ID.
    pub rows: Vec<Row>,
    /// Row by row, column by column; a (row, column) with no cell was not run there, or is
    /// not of the column's role or suites.
    pub cells: Vec<Cell<'a>>,
}

/// One implementation in one role.
#[derive(Debug, Clone, Serialize)]
pub struct Column {
    /// `<implementation> as <role>`: how cells name their column.
    pub key: String,
    pub implementation: String,
    /// The role token (`mn`, `ha`, `dhcp-server`, …) or `unknown`.
    pub role: String,
    /// The runs behind the column, one per suite (the newest of this implementation in this
    /// role), by suite name.
    pub runs: Vec<Source>,
    /// Cells by verdict (every verdict present, zero or not), [`FLAKY`], and [`NOT_RUN`].
    pub counts: BTreeMap<String, usize>,
    #[serde(skip)]
    role_id: Option<IutRole>,
}

/// The run a column shows for one suite.
#[derive(Debug, Clone, Serialize)]
pub struct Source {
    pub run_id: String,
    pub suite: String,
    pub started_utc: String,
    pub started_unix: u64,
    /// The run's report page, relative to the matrix's directory.
    pub page: String,
}

/// One test purpose of one suite.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub suite: String,
    pub role: String,
    /// One of [`LEVEL_GROUPS`].
    pub level_group: String,
    /// The strongest level among the test's requirements, as recorded (`MUST NOT`, `MAY`, …).
    pub level: Option<String>,
    /// How that requirement states it when not in BCP 14 capitals (`lowercase`, `in-effect`,
    /// `not-an-obligation`).
    pub kind: Option<String>,
    pub test: String,
    pub title: String,
    pub requirements: Vec<String>,
    #[serde(skip)]
    role_id: Option<IutRole>,
    #[serde(skip)]
    group_rank: usize,
}

/// A test's result in one column.
#[derive(Debug, Clone, Serialize)]
pub struct Cell<'a> {
    pub suite: String,
    pub test: String,
    /// The column's [`Column::key`].
    pub column: String,
    pub run_id: String,
    pub verdict: Verdict,
    /// A FAIL that does not gate (see [`TestResult::advisory`]).
    pub advisory: bool,
    pub flaky: bool,
    /// The full reason; the page shows its first line, shortened.
    pub reason: String,
    /// The test's `why.txt`, relative to the matrix's directory.
    pub link: String,
    #[serde(skip)]
    at: (usize, usize),
    #[serde(skip)]
    result: &'a TestResult,
}

/// A role as columns and rows sort it: in [`IutRole::ALL`]'s order, unknown last.
type RoleKey = (bool, Option<IutRole>);

/// A column's runs: suite → (the index of its newest run, that run's tests in the column's
/// role).
type BySuite<'a> = BTreeMap<String, (usize, Vec<&'a TestResult>)>;

fn role_order(r: Option<IutRole>) -> RoleKey {
    (r.is_none(), r)
}

fn role_name(r: Option<IutRole>) -> String {
    r.map_or_else(|| "unknown".to_string(), |r| r.token().to_string())
}

/// The index in [`LEVEL_GROUPS`] of a BCP 14 level.
fn level_group(level: &str) -> usize {
    match norm_level(level).as_str() {
        "MUST" | "MUST NOT" | "REQUIRED" | "SHALL" | "SHALL NOT" => 0,
        "SHOULD" | "SHOULD NOT" | "RECOMMENDED" | "NOT RECOMMENDED" => 1,
        "MAY" | "OPTIONAL" => 2,
        _ => UNKNOWN_LEVEL,
    }
}

/// The strongest known level among a test's requirements: (group, level, kind when not
/// capital). Among equals, a capital statement wins.
fn strongest_level(t: &TestResult) -> Option<(usize, String, Option<String>)> {
    t.requirements
        .iter()
        .filter_map(|id| {
            let level = t.requirement_level(id, None)?;
            let kind = t
                .requirement_kinds
                .get(id)
                .filter(|k| k.as_str() != crate::catalog::kind::CAPITAL)
                .cloned();
            Some((level_group(level), norm_level(level), kind))
        })
        .filter(|(g, _, _)| *g < UNKNOWN_LEVEL)
        .min_by_key(|(g, _, kind)| (*g, kind.is_some()))
}

/// Whether a run puts role `role` under test. Its PICS decides when it declares roles
/// (`role.<token>`): a role not declared true was NOT-APPLICABLE throughout. Without role
/// items (older runs, unknown roles), a role counts when any of its tests was not
/// NOT-APPLICABLE.
fn run_plays(r: &InteropRun, role: Option<IutRole>, tests: &[&TestResult]) -> bool {
    let declares_roles = r.run.pics.keys().any(|k| k.starts_with("role."));
    match role {
        Some(role) if declares_roles => {
            r.run.pics.get(&role.pics_item()) == Some(&serde_json::Value::Bool(true))
        }
        _ => tests
            .iter()
            .any(|t| t.outcome.verdict != Verdict::NotApplicable),
    }
}

/// A run's IUT tests (lab checks left out: they are about the harness) by role.
fn tests_by_role<'a>(r: &InteropRun<'a>) -> BTreeMap<RoleKey, Vec<&'a TestResult>> {
    let mut by_role: BTreeMap<_, Vec<&TestResult>> = BTreeMap::new();
    for t in r.run.iut_results() {
        let role = r.roles.get(&t.id).copied();
        by_role.entry(role_order(role)).or_default().push(t);
    }
    by_role
}

/// The link to a test's evidence: its `why.txt` as the run lists it, else where the run
/// writes it.
fn evidence_link(r: &InteropRun, t: &TestResult) -> String {
    let why = t
        .artifacts
        .iter()
        .find(|a| a.file_name().is_some_and(|n| n == bundle::WHY))
        .map(|a| a.to_string_lossy().replace('\\', "/"))
        .unwrap_or_else(|| format!("{}/{}", t.id, bundle::WHY));
    format!("{}{why}", r.run_dir)
}

/// The first line of a reason, shortened to [`REASON_CHARS`].
pub fn one_line(reason: &str) -> String {
    let mut lines = reason.lines().map(str::trim).filter(|l| !l.is_empty());
    let first = lines.next().unwrap_or("");
    let first: String = first.split_whitespace().collect::<Vec<_>>().join(" ");
    if lines.next().is_some() && first.chars().count() < REASON_CHARS {
        format!("{first} …")
    } else {
        truncate(&first, REASON_CHARS)
    }
}

impl<'a> Matrix<'a> {
    /// The matrix of these runs: for each implementation, role and suite, the newest run (the
    /// later given on a tie).
    pub fn build(runs: &[InteropRun<'a>]) -> Matrix<'a> {
        // (role, implementation) → its runs by suite.
        let mut chosen: BTreeMap<(RoleKey, String), BySuite<'a>> = BTreeMap::new();
        for (i, r) in runs.iter().enumerate() {
            for (role, tests) in tests_by_role(r) {
                if !run_plays(r, role.1, &tests) {
                    continue;
                }
                let by_suite = chosen.entry((role, iut_label(r.run))).or_default();
                let newer = by_suite
                    .get(&r.run.suite)
                    .is_none_or(|(j, _)| r.run.started_unix >= runs[*j].run.started_unix);
                if newer {
                    by_suite.insert(r.run.suite.clone(), (i, tests));
                }
            }
        }

        // Rows: every test a chosen run has in its column's role.
        let mut rows: BTreeMap<(String, RoleKey, String), Row> = BTreeMap::new();
        for ((role, _), by_suite) in &chosen {
            for (suite, (_, tests)) in by_suite {
                for t in tests {
                    let level = strongest_level(t);
                    let row = rows
                        .entry((suite.clone(), *role, t.id.clone()))
                        .or_insert_with(|| Row {
                            suite: suite.clone(),
                            role: role_name(role.1),
                            level_group: String::new(),
                            level: None,
                            kind: None,
                            test: t.id.clone(),
                            title: t.title.clone(),
                            requirements: t.requirements.clone(),
                            role_id: role.1,
                            group_rank: UNKNOWN_LEVEL,
                        });
                    // The strongest level any run records for the test.
                    if let Some((g, l, k)) = level.filter(|(g, _, _)| *g < row.group_rank) {
                        (row.group_rank, row.level, row.kind) = (g, Some(l), k);
                    }
                }
            }
        }
        let mut rows: Vec<Row> = rows.into_values().collect();
        for row in &mut rows {
            row.level_group = LEVEL_GROUPS[row.group_rank].to_string();
        }
        rows.sort_by(|a, b| {
            (&a.suite, role_order(a.role_id), a.group_rank, &a.test).cmp(&(
                &b.suite,
                role_order(b.role_id),
                b.group_rank,
                &b.test,
            ))
        });

        let mut columns = Vec::new();
        let mut cells = Vec::new();
        for (c, ((role, implementation), by_suite)) in chosen.iter().enumerate() {
            let key = format!("{implementation} as {}", role_name(role.1));
            let mut counts: BTreeMap<String, usize> = VERDICTS
                .iter()
                .map(|v| (v.to_string(), 0))
                .chain([(FLAKY.to_string(), 0), (NOT_RUN.to_string(), 0)])
                .collect();
            for (ri, row) in rows.iter().enumerate() {
                let Some((run_index, tests)) = by_suite
                    .get(&row.suite)
                    .filter(|_| role_order(row.role_id) == *role)
                else {
                    continue;
                };
                let Some(&t) = tests.iter().find(|t| t.id == row.test) else {
                    *counts.entry(NOT_RUN.into()).or_default() += 1;
                    continue;
                };
                let r = &runs[*run_index];
                *counts.entry(t.outcome.verdict.to_string()).or_default() += 1;
                if t.flaky {
                    *counts.entry(FLAKY.into()).or_default() += 1;
                }
                cells.push(Cell {
                    suite: row.suite.clone(),
                    test: row.test.clone(),
                    column: key.clone(),
                    run_id: r.run.run_id.clone(),
                    verdict: t.outcome.verdict,
                    advisory: t.outcome.verdict == Verdict::Fail && t.advisory(),
                    flaky: t.flaky,
                    reason: t.outcome.reason.clone(),
                    link: evidence_link(r, t),
                    at: (ri, c),
                    result: t,
                });
            }
            let sources = by_suite
                .iter()
                .map(|(suite, (i, _))| {
                    let r = &runs[*i];
                    Source {
                        run_id: r.run.run_id.clone(),
                        suite: suite.clone(),
                        started_utc: r.run.started_utc(),
                        started_unix: r.run.started_unix,
                        page: r.page.clone(),
                    }
                })
                .collect();
            columns.push(Column {
                key,
                implementation: implementation.clone(),
                role: role_name(role.1),
                runs: sources,
                counts,
                role_id: role.1,
            });
        }
        // Row by row, as the page reads.
        cells.sort_by_key(|c| c.at);
        Matrix {
            schema_version: SCHEMA_VERSION,
            columns,
            rows,
            cells,
        }
    }

    /// Whether column `c` holds a run of row `r`'s suite in its role: an empty cell there
    /// means the run lacks the test.
    pub fn covers(&self, r: usize, c: usize) -> bool {
        let (row, col) = (&self.rows[r], &self.columns[c]);
        col.role_id == row.role_id && col.runs.iter().any(|s| s.suite == row.suite)
    }

    /// The cell of row `r` in column `c`, if the column's run has the test.
    pub fn cell(&self, r: usize, c: usize) -> Option<&Cell<'a>> {
        self.cells
            .binary_search_by_key(&(r, c), |x| x.at)
            .ok()
            .map(|i| &self.cells[i])
    }

    /// How many implementations the columns show.
    pub fn implementations(&self) -> usize {
        let mut names: Vec<&str> = self
            .columns
            .iter()
            .map(|c| c.implementation.as_str())
            .collect();
        names.sort_unstable();
        names.dedup();
        names.len()
    }
}

/// `interop.json`: the matrix, pretty-printed (stable order, for diffs).
pub fn render_interop_json(m: &Matrix) -> String {
    let mut s = serde_json::to_string_pretty(m).expect("string keys and plain values serialize");
    s.push('\n');
    s
}

const CSS: &str = "
main{max-width:none}
.scroll{overflow:auto;max-height:85vh;border:1px solid #c8c8c8;margin:8px 0 16px}
table.interop{border-collapse:separate;border-spacing:0;margin:0}
table.interop th,table.interop td{border:0;border-right:1px solid #d6d6d6;border-bottom:1px solid #d6d6d6}
table.interop tr.cols th{position:sticky;top:0;z-index:2;background:#f0f0f0;min-width:9em;max-width:14em;word-break:break-word}
table.interop .rowhead{position:sticky;left:0;z-index:1;background:#fff;min-width:15em;max-width:22em}
table.interop tr.cols th.corner{left:0;z-index:3}
table.interop tr.sum th,table.interop tr.sum td{background:#fafafa;font-size:12px}
table.interop tr.group th{background:#e8eef7;font-weight:600}
table.interop tr.group th span{position:sticky;left:8px}
td.cell{min-width:9em;max-width:14em}
td.cell .r1{display:-webkit-box;-webkit-line-clamp:3;-webkit-box-orient:vertical;overflow:hidden;font-size:12px;margin-top:2px;color:#1b1b1b}
td.off{background:repeating-linear-gradient(135deg,#f3f3f3 0 6px,#e9e9e9 6px 12px)}
.lvl{font-size:12px}
dl.legend{display:grid;grid-template-columns:max-content 1fr;gap:4px 12px;margin:6px 0 14px}
dl.legend dt{text-align:right}dl.legend dd{margin:0}
.swatch{display:inline-block;width:2.2em;height:1.1em;border:1px solid #c8c8c8;vertical-align:middle}
";

/// `interop.html`: the matrix as a static page.
pub fn render_interop(m: &Matrix) -> String {
    let mut o = String::new();
    head_styled(&mut o, "mip6lab interop matrix", CSS);
    let _ = writeln!(
        o,
        "<header><h1>mip6lab: interop matrix</h1><p>{} implementation(s) in {} column(s) \
         (implementation × IUT role); {} test purpose(s). Each column shows, for each suite, \
         the newest run of that implementation in that role (<a href=\"#runs\">which \
         runs</a>, <a href=\"#legend\">legend</a>).</p></header>\n<main>",
        m.implementations(),
        m.columns.len(),
        m.rows.len()
    );
    if m.columns.is_empty() {
        o.push_str("<p class=\"muted\">No run put an IUT role under test.</p>\n");
    } else {
        group_index(&mut o, m);
        grid(&mut o, m);
    }
    sources(&mut o, m);
    legend(&mut o);
    o.push_str("</main>\n</body>\n</html>\n");
    o
}

fn legend(o: &mut String) {
    o.push_str("<h2 id=\"legend\">Legend</h2>\n<dl class=\"legend\">\n");
    let means = |v: Verdict| match v {
        Verdict::Pass => "the IUT did what the requirement asks, seen on the wire",
        Verdict::Fail => "the IUT broke the requirement",
        Verdict::Error => "the harness failed; nothing was verified",
        Verdict::Inconclusive => "the requirement was never exercised",
        Verdict::NotApplicable => {
            "the run left the test out: the IUT's PICS says it does not support what the test needs"
        }
    };
    for v in VERDICTS {
        let _ = writeln!(o, "<dt>{}</dt><dd>{}</dd>", badge(v), means(v));
    }
    let _ = writeln!(
        o,
        "<dt><span class=\"adv\">advisory</span></dt><dd>a FAIL that does not gate: {}</dd>\n\
         <dt><span class=\"flaky\">FLAKY</span></dt><dd>reruns gave different verdicts; the \
         cell shows the worst</dd>\n\
         <dt><span class=\"swatch\"></span></dt><dd>not run: the column's run has no such \
         test (not the same as NOT-APPLICABLE, which the run decided)</dd>\n\
         <dt><span class=\"swatch\" style=\"background:repeating-linear-gradient(135deg,#f3f3f3 0 6px,#e9e9e9 6px 12px)\"></span></dt>\
         <dd>the column has no run of this suite in this role</dd>\n\
         <dt>reason</dt><dd>the first line of the test's reason (hover for all of it); it \
         links to the test's evidence, <code>why.txt</code></dd>\n\
         <dt>rows</dt><dd>by suite, role under test, then the strongest BCP 14 level among \
         the test's requirements; lab checks (the harness's own peers) are left out</dd>",
        h(crate::ADVISORY_MEANS)
    );
    o.push_str("</dl>\n");
}

fn sources(o: &mut String, m: &Matrix) {
    o.push_str(
        "<h2 id=\"runs\">Columns and their runs</h2>\n<table>\n<thead><tr><th scope=\"col\">Column</th>\
         <th scope=\"col\">Implementation</th><th scope=\"col\">Role</th>\
         <th scope=\"col\">Suite</th><th scope=\"col\">Run</th><th scope=\"col\">Started</th>\
         </tr></thead>\n<tbody>\n",
    );
    for (c, col) in m.columns.iter().enumerate() {
        for s in &col.runs {
            let _ = writeln!(
                o,
                "<tr><th scope=\"row\">C{}</th><td>{}</td><td>{}</td><td>{}</td>\
                 <td><a href=\"{}\"><code>{}</code></a></td><td>{}</td></tr>",
                c + 1,
                h(&col.implementation),
                h(&col.role),
                h(&s.suite),
                href(&s.page),
                h(&s.run_id),
                h(&s.started_utc)
            );
        }
    }
    o.push_str("</tbody>\n</table>\n");
}

fn group_name(row: &Row) -> String {
    let level = match row.group_rank {
        UNKNOWN_LEVEL => "level unknown",
        _ => &row.level_group,
    };
    format!("suite {} · role {} · {level}", row.suite, row.role)
}

fn group_anchor(row: &Row) -> String {
    let s: String = format!("{}-{}-{}", row.suite, row.role, row.level_group)
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!("g-{s}")
}

/// Links to the row groups, with their sizes.
fn group_index(o: &mut String, m: &Matrix) {
    let mut groups: Vec<(&Row, usize)> = Vec::new();
    for row in &m.rows {
        match groups.last_mut() {
            Some((first, n)) if group_name(first) == group_name(row) => *n += 1,
            _ => groups.push((row, 1)),
        }
    }
    o.push_str("<h2>Test purposes</h2>\n<p>");
    let links: Vec<String> = groups
        .iter()
        .map(|(row, n)| {
            format!(
                "<a href=\"#{}\">{}</a> ({n})",
                group_anchor(row),
                h(&group_name(row))
            )
        })
        .collect();
    o.push_str(&links.join(" · "));
    o.push_str("</p>\n");
}

fn grid(o: &mut String, m: &Matrix) {
    o.push_str(
        "<div class=\"scroll\"><table class=\"interop\">\n<thead><tr class=\"cols\">\
         <th scope=\"col\" class=\"rowhead corner\">Test purpose</th>",
    );
    for (c, col) in m.columns.iter().enumerate() {
        let from: Vec<String> = col
            .runs
            .iter()
            .map(|s| format!("{}: run {}, {}", s.suite, s.run_id, s.started_utc))
            .collect();
        let _ = write!(
            o,
            "<th scope=\"col\" title=\"{}\">{}<br><span class=\"muted\">as {} · C{}</span></th>",
            h(&from.join("\n")),
            h(&col.implementation),
            h(&col.role),
            c + 1
        );
    }
    o.push_str("</tr>\n<tr class=\"sum\"><th scope=\"row\" class=\"rowhead\">Summary</th>");
    for col in &m.columns {
        let mut parts: Vec<String> = VERDICTS
            .iter()
            .filter_map(|v| {
                let n = col.counts.get(&v.to_string()).copied().unwrap_or(0);
                (n > 0).then(|| format!("{} {n}", badge(*v)))
            })
            .collect();
        for (what, label) in [
            (FLAKY, "<span class=\"flaky\">FLAKY</span>"),
            (NOT_RUN, "not run"),
        ] {
            let n = col.counts.get(what).copied().unwrap_or(0);
            if n > 0 {
                parts.push(format!("{label} {n}"));
            }
        }
        let _ = write!(o, "<td>{}</td>", parts.join("<br>"));
    }
    o.push_str("</tr></thead>\n<tbody>\n");
    let mut group = String::new();
    for (r, row) in m.rows.iter().enumerate() {
        let name = group_name(row);
        if name != group {
            let _ = writeln!(
                o,
                "<tr class=\"group\" id=\"{}\"><th colspan=\"{}\"><span>{}</span></th></tr>",
                group_anchor(row),
                m.columns.len() + 1,
                h(&name)
            );
            group = name;
        }
        let level = match (&row.level, &row.kind) {
            (Some(l), Some(k)) => format!("{l} ({})", k.replace('-', " ")),
            (Some(l), None) => l.clone(),
            (None, _) => "level unknown (counts as MUST)".into(),
        };
        let _ = write!(
            o,
            "<tr><th scope=\"row\" class=\"rowhead\" title=\"{}\"><code>{}</code><br>\
             <span class=\"muted lvl\">{}</span></th>",
            h(&format!(
                "{}\nrequirements: {}",
                row.title,
                row.requirements.join(", ")
            )),
            h(&row.test),
            h(&level)
        );
        for c in 0..m.columns.len() {
            match m.cell(r, c) {
                Some(cell) => {
                    let short = match one_line(&cell.reason) {
                        s if s.is_empty() => "(no reason recorded)".to_string(),
                        s => s,
                    };
                    let _ = write!(
                        o,
                        "<td class=\"cell v-{}\">{}<a class=\"r1\" href=\"{}\" title=\"{}\">{}</a></td>",
                        vclass(cell.verdict),
                        test_badge(cell.result),
                        href(&cell.link),
                        h(&cell.reason),
                        h(&short)
                    );
                }
                None if m.covers(r, c) => {
                    o.push_str("<td class=\"notrun\" title=\"not run\"></td>");
                }
                None => o.push_str("<td class=\"off\"></td>"),
            }
        }
        o.push_str("</tr>\n");
    }
    o.push_str("</tbody>\n</table></div>\n");
}
