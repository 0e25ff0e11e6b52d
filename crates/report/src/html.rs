//! The HTML report: one static, self-contained page per run (`index.html`, next to
//! `results.json`), plus `compare.html` (two runs); `interop.html` is [`crate::interop`]'s.
//!
//! Pages carry their CSS inline, fetch nothing and need no script; ladder diagrams are inline
//! SVG. Everything that comes from a run (reasons, DNS names, log paths) is escaped: an IUT
//! controls much of that text.

use crate::markup::escape_markup;
use crate::{Evidence, ReqInfo, RunResult, TestResult, Verdict};
use mip6lab_capture::transcript::{summary, Decoded, Entry};
use mip6lab_capture::Transcript;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Component, Path};

pub(crate) const VERDICTS: [Verdict; 5] = [
    Verdict::Pass,
    Verdict::Fail,
    Verdict::Error,
    Verdict::Inconclusive,
    Verdict::NotApplicable,
];

/// Arrows drawn per ladder at most; a longer transcript says how many it left out.
pub const LADDER_MAX: usize = 300;

/// The report of one run, with links relative to the run directory (the page is written next
/// to `results.json`). `transcripts` maps test IDs to their decoded captures.
pub fn render_html(
    run: &RunResult,
    catalog: Option<&[ReqInfo]>,
    transcripts: &BTreeMap<String, Transcript>,
) -> String {
    render_html_at(run, catalog, transcripts, "")
}

/// As [`render_html`], for a page written elsewhere: `link_base` is the path from the page's
/// directory to the run directory (empty, or ending in `/`).
pub fn render_html_at(
    run: &RunResult,
    catalog: Option<&[ReqInfo]>,
    transcripts: &BTreeMap<String, Transcript>,
    link_base: &str,
) -> String {
    let mut o = String::new();
    head(&mut o, &format!("mip6lab {} — {}", run.suite, run.run_id));
    let _ = writeln!(
        o,
        "<header><h1>mip6lab report: suite <code>{}</code></h1>",
        h(&run.suite)
    );
    meta(&mut o, run);
    o.push_str("</header>\n<main>\n");
    gate(&mut o, run);
    summary_badges(&mut o, run);
    matrix(&mut o, run, catalog);
    blocking_cause_table(&mut o, run);
    overview(&mut o, run);
    lab_checks(&mut o, run);
    for (i, r) in run.results.iter().enumerate() {
        test_section(&mut o, i, r, catalog, transcripts.get(&r.id), link_base);
    }
    o.push_str("</main>\n");
    let _ = writeln!(
        o,
        "<footer>Written by mip6lab {}. Raw data: <a href=\"{}\">results.json</a>, \
         <a href=\"{}\">junit.xml</a>.</footer>",
        h(&run.mip6lab_version),
        href(&format!("{link_base}results.json")),
        href(&format!("{link_base}junit.xml"))
    );
    o.push_str("</body>\n</html>\n");
    o
}

/// HTML escaping for text and quoted attributes; drops characters HTML cannot carry.
pub fn h(s: &str) -> String {
    escape_markup(s, "&#39;", |c, o| match c {
        '\n' | '\t' => o.push(c),
        c if c.is_control() => o.push('\u{FFFD}'),
        c => o.push(c),
    })
}

/// A relative link: percent-encodes everything but unreserved characters and `/`, so no
/// path can become a scheme (`javascript:`) or break out of the attribute.
pub fn href(path: &str) -> String {
    let mut o = String::new();
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            o.push(b as char);
        } else {
            let _ = write!(o, "%{b:02X}");
        }
    }
    o
}

/// The path from directory `from` to `to`, `/`-separated; both absolute (canonical).
pub fn relative_link(from: &Path, to: &Path) -> String {
    let f: Vec<Component> = from.components().collect();
    let t: Vec<Component> = to.components().collect();
    let common = f.iter().zip(&t).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".into(); f.len() - common];
    parts.extend(
        t[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

/// Links to the sections of `tests`, comma-separated.
fn test_links(tests: &[&TestResult]) -> String {
    tests
        .iter()
        .map(|r| format!("<a href=\"#{}\">{}</a>", anchor(&r.id), h(&r.id)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn anchor(id: &str) -> String {
    let s: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("t-{s}")
}

pub(crate) fn vclass(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "pass",
        Verdict::Fail => "fail",
        Verdict::Error => "error",
        Verdict::Inconclusive => "inconc",
        Verdict::NotApplicable => "na",
    }
}

pub(crate) fn badge(v: Verdict) -> String {
    format!("<span class=\"badge {}\">{v}</span>", vclass(v))
}

pub(crate) fn test_badge(r: &TestResult) -> String {
    let mut b = badge(r.outcome.verdict);
    if r.outcome.verdict == Verdict::Fail && r.advisory() {
        b.push_str(" <span class=\"adv\">advisory</span>");
    }
    if r.flaky {
        let _ = write!(
            b,
            " <span class=\"flaky\" title=\"runs: {}\">FLAKY</span>",
            h(&r.runs_text())
        );
    }
    b
}

const CSS: &str = "
:root{color-scheme:light}
body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;color:#1b1b1b;background:#fff}
header,main,footer{max-width:1200px;margin:0 auto;padding:0 20px}
header{border-bottom:1px solid #ccc;padding-bottom:8px}
h1{font-size:1.5em;margin:16px 0 8px}h2{font-size:1.25em;margin:0 0 6px}h3{font-size:1.05em;margin:14px 0 6px}
table{border-collapse:collapse;margin:6px 0 14px}
th,td{border:1px solid #c8c8c8;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f0f0f0}
table.meta th{background:none;border:none;padding:1px 12px 1px 0;font-weight:600}
table.meta td{border:none;padding:1px 0}
code,pre{font-family:ui-monospace,'DejaVu Sans Mono',Menlo,Consolas,monospace;font-size:13px}
pre{background:#f6f6f6;border:1px solid #ddd;padding:8px;overflow-x:auto;white-space:pre}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;color:#fff;font-weight:700;font-size:12px;letter-spacing:.02em}
.pass{background:#1a7f37}.fail{background:#b3261e}.error{background:#6f2da8}.inconc{background:#8a5a00}.na{background:#545b64}
.adv{font-size:12px;border:1px solid #8a5a00;color:#6b4600;border-radius:10px;padding:0 6px}
.flaky{font-size:12px;font-weight:700;border:2px dashed #b3261e;color:#b3261e;border-radius:10px;padding:0 6px}
.counts{display:flex;gap:10px;flex-wrap:wrap;margin:10px 0 16px}
.counts div{border:1px solid #ccc;border-radius:6px;padding:6px 12px;min-width:90px}
.counts b{display:block;font-size:1.6em}
.gate{padding:8px 12px;border-radius:6px;margin:12px 0;font-weight:600}
.gate.ok{background:#e6f4ea;border:1px solid #1a7f37}.gate.bad{background:#fce8e6;border:1px solid #b3261e}
section.test{border:1px solid #ccc;border-radius:6px;padding:12px 16px;margin:18px 0}
.reason{font-size:1.05em;margin:6px 0}
.ladder{overflow-x:auto;border:1px solid #ddd;background:#fcfcfc;margin:6px 0}
.ladder svg{display:block}
mark{background:#fff2a8;color:inherit}
mark.bad{background:#fcd2cd}
.muted{color:#555}
a{color:#0b57b0}
footer{color:#555;border-top:1px solid #ccc;margin-top:24px;padding:8px 20px 24px}
";

fn head(o: &mut String, title: &str) {
    head_styled(o, title, "");
}

/// The page's head with the report's CSS, then `extra_css` (a page's own rules), and the
/// opening `<body>`.
pub(crate) fn head_styled(o: &mut String, title: &str, extra_css: &str) {
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{CSS}{extra_css}</style>\n</head>\n<body>\n",
        h(title)
    );
}

fn fmt_ms(ms: u64) -> String {
    format!("{:.1} s", ms as f64 / 1000.0)
}

fn meta(o: &mut String, run: &RunResult) {
    let mut rows: Vec<(&str, String)> = vec![
        ("Run", format!("<code>{}</code>", h(&run.run_id))),
        ("IUT", h(&run.iut)),
        (
            "Knobs",
            if run.knobs.is_empty() {
                "none".into()
            } else {
                format!("<code>{}</code>", h(&run.knobs))
            },
        ),
        ("Started", h(&run.started_utc())),
        ("Duration", fmt_ms(run.duration_ms)),
        ("Host", or_unknown(&run.host)),
        ("mip6lab", or_unknown(&run.mip6lab_version)),
        ("Schema", run.schema_version.to_string()),
    ];
    let peers = run
        .peer_versions
        .iter()
        .map(|(k, v)| format!("{} {}", h(k), h(v)));
    rows.push(("Peers", comma_list(peers, "versions not recorded")));
    let pics = run.pics.iter().map(|(k, v)| {
        let v = match v {
            serde_json::Value::String(s) => s.clone(),
            v => v.to_string(),
        };
        format!("<code>{}</code>={}", h(k), h(&v))
    });
    rows.push(("PICS", comma_list(pics, "none given")));
    if let Some(p) = &run.partition {
        rows.push(("Partition", h(&p.describe())));
    }
    if let Some(m) = &run.merged {
        rows.push(("Merged from", h(&m.describe())));
    }
    o.push_str("<table class=\"meta\">\n");
    for (k, v) in rows {
        let _ = writeln!(o, "<tr><th scope=\"row\">{k}</th><td>{v}</td></tr>");
    }
    o.push_str("</table>\n");
}

/// The items joined with `, `, or `none` (muted) when there are none.
fn comma_list(items: impl Iterator<Item = String>, none: &str) -> String {
    let items: Vec<String> = items.collect();
    if items.is_empty() {
        format!("<span class=\"muted\">{none}</span>")
    } else {
        items.join(", ")
    }
}

fn or_unknown(s: &str) -> String {
    if s.is_empty() {
        "<span class=\"muted\">unknown</span>".into()
    } else {
        h(s)
    }
}

fn gate(o: &mut String, run: &RunResult) {
    // A merge without all its shards is not the run it names: say so before anything else.
    if let Some(m) = run.merged.as_ref().filter(|m| !m.missing.is_empty()) {
        let _ = writeln!(
            o,
            "<p class=\"gate bad\">INCOMPLETE — {}. This report is not the whole run; the gate fails.</p>",
            h(&m.missing_text())
        );
    }
    let blocking: Vec<&TestResult> = run.results.iter().filter(|r| r.blocks_gate()).collect();
    let advisory = run
        .results
        .iter()
        .filter(|r| r.outcome.verdict == Verdict::Fail && r.advisory())
        .count();
    let adv = if advisory > 0 {
        format!(" ({advisory} advisory FAIL: {})", crate::ADVISORY_MEANS)
    } else {
        String::new()
    };
    if blocking.is_empty() && !run.missing_shards().is_empty() {
        let _ = writeln!(
            o,
            "<p class=\"gate bad\">Gate: failed — no test here blocks, but shards are missing{adv}.</p>"
        );
    } else if blocking.is_empty() {
        let _ = writeln!(
            o,
            "<p class=\"gate ok\">Gate: passed — no test with a gating requirement failed, nothing errored or was flaky{adv}.</p>"
        );
    } else {
        let _ = writeln!(
            o,
            "<p class=\"gate bad\">Gate: failed — {} blocking: {}{adv}.</p>",
            blocking.len(),
            test_links(&blocking)
        );
    }
    let _ = writeln!(
        o,
        "<p class=\"muted\">Gate profile: {}.</p>",
        h(crate::gate_profile(run.strict))
    );
}

fn summary_badges(o: &mut String, run: &RunResult) {
    o.push_str("<h2>Summary</h2>\n<div class=\"counts\">\n");
    // The IUT's verdicts; lab checks have their own section.
    let iut: Vec<&TestResult> = run.iut_results().collect();
    let _ = writeln!(o, "<div><b>{}</b>tests</div>", iut.len());
    for v in VERDICTS {
        let n = iut.iter().filter(|r| r.outcome.verdict == v).count();
        let _ = writeln!(o, "<div><b>{n}</b>{}</div>", badge(v));
    }
    // Only runs with reruns can tell flaky tests apart.
    if run.results.iter().any(|r| !r.runs.is_empty()) {
        let _ = writeln!(
            o,
            "<div><b>{}</b><span class=\"flaky\">FLAKY</span></div>",
            run.count_flaky()
        );
    }
    o.push_str("</div>\n");
}

fn matrix(o: &mut String, run: &RunResult, catalog: Option<&[ReqInfo]>) {
    let mut by_req: BTreeMap<&str, Vec<&TestResult>> = BTreeMap::new();
    for r in &run.results {
        for q in &r.requirements {
            by_req.entry(q.as_str()).or_default().push(r);
        }
    }
    o.push_str("<h2>Requirement matrix</h2>\n");
    if catalog.is_none() {
        o.push_str(
            "<p class=\"muted\">No requirement catalog was found; levels are unknown and count \
             as MUST.</p>\n",
        );
    }
    if let Some(cat) = catalog {
        let _ = writeln!(
            o,
            "<p>Catalog: {}.</p>",
            h(&crate::catalog::Counts::of(cat).summary())
        );
    }
    o.push_str(
        "<table class=\"matrix\">\n<thead><tr><th scope=\"col\">Requirement</th>\
         <th scope=\"col\">Level</th><th scope=\"col\">Requirement text</th>\
         <th scope=\"col\">Tests and verdicts</th></tr></thead>\n<tbody>\n",
    );
    let find = |id: &str| catalog.and_then(|c| c.iter().find(|q| q.id == id));
    for (id, tests) in &by_req {
        let info = find(id);
        let level = tests
            .iter()
            .find_map(|t| t.requirement_levels.get(*id).cloned())
            .or_else(|| info.map(|q| q.level.clone()))
            .filter(|l| !l.is_empty())
            .map(|l| {
                let kind = tests
                    .iter()
                    .find_map(|t| t.requirement_kinds.get(*id).map(String::as_str))
                    .or(info.map(ReqInfo::kind))
                    .filter(|k| *k != crate::catalog::kind::CAPITAL);
                match kind {
                    Some(k) => format!("{l} ({})", k.replace('-', " ")),
                    None => l,
                }
            });
        let text = match info {
            Some(q) => {
                let sec = if q.section.is_empty() {
                    String::new()
                } else {
                    format!("<span class=\"muted\">§{}</span> ", h(&q.section))
                };
                format!("{sec}{}", h(q.text.trim()))
            }
            None => "<span class=\"muted\">not in the catalog</span>".into(),
        };
        let cells: Vec<String> = tests
            .iter()
            .map(|t| {
                format!(
                    "<a href=\"#{}\">{}</a> {}",
                    anchor(&t.id),
                    h(&t.id),
                    test_badge(t)
                )
            })
            .collect();
        let _ = writeln!(
            o,
            "<tr><th scope=\"row\"><code>{}</code></th><td>{}</td><td>{text}</td><td>{}</td></tr>",
            h(id),
            level
                .map(|l| h(&l))
                .unwrap_or_else(|| "<span class=\"muted\">unknown</span>".into()),
            cells.join("<br>")
        );
    }
    o.push_str("</tbody>\n</table>\n");
    if let Some(cat) = catalog {
        let untested: Vec<&ReqInfo> = cat
            .iter()
            .filter(|q| !by_req.contains_key(q.id.as_str()))
            .collect();
        if !untested.is_empty() {
            let _ = writeln!(
                o,
                "<details><summary>{} catalog requirement(s) no test of this run verifies</summary>\n<table>",
                untested.len()
            );
            for q in untested {
                let _ = writeln!(
                    o,
                    "<tr><th scope=\"row\"><code>{}</code></th><td>{}</td><td>{}</td><td>{}</td></tr>",
                    h(&q.id),
                    h(&q.level),
                    h(q.text.trim()),
                    h(&q.testability)
                );
            }
            o.push_str("</table>\n</details>\n");
        }
    }
}

/// INCONCLUSIVE tests by the first thing that stopped their flow: one cause often hides
/// many requirements.
fn blocking_cause_table(o: &mut String, run: &RunResult) {
    let causes = crate::blocking_causes(run.iut_results());
    if causes.is_empty() {
        return;
    }
    o.push_str(
        "<h2>Not exercised: what stopped the flow</h2>\n<table class=\"causes\">\n<thead><tr>\
         <th scope=\"col\">First blocking cause</th><th scope=\"col\">Tests</th>\
         <th scope=\"col\">INCONCLUSIVE tests</th></tr></thead>\n<tbody>\n",
    );
    for (cause, tests) in causes {
        let _ = writeln!(
            o,
            "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td></tr>",
            h(&cause),
            tests.len(),
            test_links(&tests)
        );
    }
    o.push_str("</tbody>\n</table>\n");
}

/// The checks of the harness's own peers, apart from the IUT's verdicts.
fn lab_checks(o: &mut String, run: &RunResult) {
    let checks: Vec<&TestResult> = run.lab_checks().collect();
    if checks.is_empty() {
        return;
    }
    o.push_str(
        "<h2>Lab checks</h2>\n<p class=\"muted\">These judge the harness's own peers (DNS, \
         AAA), not the IUT: they count neither for nor against it. A failed one is an ERROR: \
         the lab is broken and the run vouches for nothing.</p>\n",
    );
    test_rows(o, &checks);
}

fn overview(o: &mut String, run: &RunResult) {
    o.push_str("<h2>Tests</h2>\n");
    test_rows(o, &run.iut_results().collect::<Vec<_>>());
}

fn test_rows(o: &mut String, results: &[&TestResult]) {
    o.push_str(
        "<table class=\"tests\">\n<thead><tr><th scope=\"col\">Test</th>\
         <th scope=\"col\">Verdict</th><th scope=\"col\">Level</th><th scope=\"col\">Time</th>\
         <th scope=\"col\">Reason</th></tr></thead>\n<tbody>\n",
    );
    for r in results {
        let _ =
            writeln!(
            o,
            "<tr><th scope=\"row\"><a href=\"#{}\">{}</a><br><span class=\"muted\">{}</span></th>\
             <td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            anchor(&r.id),
            h(&r.id),
            h(&r.title),
            test_badge(r),
            if r.requirements.iter().all(|q| r.requirement_levels.contains_key(q)) {
                h(&r.level())
            } else {
                "<span class=\"muted\">unknown: MUST</span>".into()
            },
            fmt_ms(r.duration_ms),
            h(&r.outcome.reason)
        );
    }
    o.push_str("</tbody>\n</table>\n");
}

fn evidence_frames(r: &TestResult) -> BTreeSet<u64> {
    r.outcome
        .evidence
        .iter()
        .flat_map(|e| match e {
            Evidence::Frames { frames, .. } => frames.clone(),
            Evidence::Report { .. } => Vec::new(),
        })
        .collect()
}

fn failing(r: &TestResult) -> bool {
    matches!(r.outcome.verdict, Verdict::Fail | Verdict::Error)
}

fn line_of(e: &Entry) -> String {
    format!("{} -> {}  {}", e.src, e.dst, summary(&e.decoded))
}

fn test_section(
    o: &mut String,
    idx: usize,
    r: &TestResult,
    catalog: Option<&[ReqInfo]>,
    t: Option<&Transcript>,
    base: &str,
) {
    let _ = writeln!(
        o,
        "<section class=\"test\" id=\"{}\">\n<h2>{} {}</h2>\n<p class=\"muted\">{}</p>",
        anchor(&r.id),
        test_badge(r),
        h(&r.id),
        h(&r.title)
    );
    let _ = writeln!(
        o,
        "<p class=\"reason\"><strong>Reason:</strong> {}</p>",
        h(&r.outcome.reason)
    );
    let _ = writeln!(o, "<p>Duration {}.</p>", fmt_ms(r.duration_ms));
    if !r.runs.is_empty() {
        let _ = writeln!(
            o,
            "<p><strong>Runs:</strong> {}{}</p>",
            r.runs
                .iter()
                .map(|v| badge(*v))
                .collect::<Vec<_>>()
                .join(" "),
            if r.flaky {
                " — <strong>FLAKY</strong>: the verdict changed between runs; shown is the worst \
                 run, and it blocks the gate"
            } else {
                ""
            }
        );
    }
    // Requirements.
    o.push_str("<h3>Requirements</h3>\n<ul>\n");
    if r.requirements.is_empty() {
        o.push_str("<li class=\"muted\">none declared</li>\n");
    }
    for id in &r.requirements {
        let info = catalog.and_then(|c| c.iter().find(|q| &q.id == id));
        let level = r.requirement_level(id, info).unwrap_or("level unknown");
        let text = info
            .map(|q| format!(": “{}”", h(q.text.trim())))
            .unwrap_or_default();
        let _ = writeln!(o, "<li><code>{}</code> [{}]{text}</li>", h(id), h(level));
    }
    o.push_str("</ul>\n");
    // Evidence.
    o.push_str("<h3>Evidence</h3>\n<ul>\n");
    if r.outcome.evidence.is_empty() {
        o.push_str("<li class=\"muted\">none recorded</li>\n");
    }
    for e in &r.outcome.evidence {
        match e {
            Evidence::Frames { pcap, frames } => {
                let _ = writeln!(
                    o,
                    "<li><a href=\"{}\">{}</a> frame(s) {}<ul>",
                    href(&format!("{base}{pcap}")),
                    h(pcap),
                    frames
                        .iter()
                        .map(u64::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                for f in frames {
                    let line = t
                        .and_then(|t| t.entries.iter().find(|e| e.frame == *f))
                        .map(line_of)
                        .unwrap_or_else(|| "(not in the transcript)".into());
                    let _ = writeln!(o, "<li>frame {f}: <code>{}</code></li>", h(&line));
                }
                o.push_str("</ul></li>\n");
            }
            Evidence::Report { source, detail } => {
                let _ = writeln!(
                    o,
                    "<li>reported by {}: <code>{}</code></li>",
                    h(source),
                    h(detail)
                );
            }
        }
    }
    o.push_str("</ul>\n");
    // Ladder and transcript.
    let ev = evidence_frames(r);
    o.push_str("<h3>Message ladder</h3>\n");
    match t {
        Some(t) if !t.entries.is_empty() => {
            let _ = writeln!(
                o,
                "<div class=\"ladder\">{}</div>",
                ladder_svg(t, &ev, failing(r), idx)
            );
        }
        _ => o.push_str("<p class=\"muted\">No decoded messages for this test.</p>\n"),
    }
    if let Some(t) = t {
        let _ = writeln!(
            o,
            "<details><summary>Transcript ({} entries, {} setup frames, {} housekeeping frames)</summary>\n<pre>",
            t.entries.len(),
            t.setup,
            t.housekeeping
        );
        for e in &t.entries {
            let line = format!("{:>5}  {}", e.frame, line_of(e));
            if ev.contains(&e.frame) {
                let cls = if failing(r) { " class=\"bad\"" } else { "" };
                let _ = writeln!(o, "<mark{cls}>{}</mark>", h(&line));
            } else {
                let _ = writeln!(o, "{}", h(&line));
            }
        }
        for (f, err) in &t.errors {
            let _ = writeln!(o, "{}", h(&format!("! frame {f}: {err}")));
        }
        o.push_str("</pre>\n</details>\n");
    }
    // Artifacts.
    o.push_str("<h3>Files</h3>\n<ul class=\"files\">\n");
    if r.artifacts.is_empty() {
        o.push_str("<li class=\"muted\">none</li>\n");
    }
    let mut arts: Vec<String> = r
        .artifacts
        .iter()
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .collect();
    // Logs last, the IUT-facing files first.
    arts.sort_by_key(|a| (a.contains("/logs/"), a.clone()));
    for a in arts {
        let _ = writeln!(
            o,
            "<li><a href=\"{}\">{}</a></li>",
            href(&format!("{base}{a}")),
            h(&a)
        );
    }
    o.push_str("</ul>\n</section>\n");
}

/// A short label for an arrow.
fn label(d: &Decoded) -> String {
    match d {
        Decoded::Dns(m) => {
            let kind = if m.response {
                format!("DNS resp {}", m.rcode)
            } else {
                "DNS query".into()
            };
            let op = if m.opcode == "QUERY" {
                String::new()
            } else {
                format!(" {}", m.opcode)
            };
            let an = if m.response && !m.answers.is_empty() {
                format!(" ({} an)", m.answers.len())
            } else {
                String::new()
            };
            format!("{kind}{op} {} {}{an}", m.qtype, m.qname)
        }
        Decoded::Message(m) => format!("{} {}", m.protocol, m.kind),
        other => summary(other),
    }
}

pub(crate) fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// The ladder (sequence) diagram of a transcript as inline SVG: one lane per endpoint, in
/// order of first appearance; one arrow per entry; evidence arrows drawn thick and blue, or
/// red when the test failed.
pub fn ladder_svg(t: &Transcript, evidence: &BTreeSet<u64>, failed: bool, idx: usize) -> String {
    let mut lanes: Vec<&str> = Vec::new();
    for e in &t.entries {
        for n in [e.src.as_str(), e.dst.as_str()] {
            if !lanes.contains(&n) {
                lanes.push(n);
            }
        }
    }
    const LEFT: usize = 64;
    const GAP: usize = 320;
    const TOP: usize = 44;
    const ROW: usize = 26;
    let shown = t.entries.len().min(LADDER_MAX);
    let x = |n: &str| LEFT + 90 + GAP * lanes.iter().position(|l| *l == n).unwrap_or(0);
    let width = LEFT + 180 + GAP * (lanes.len().saturating_sub(1)) + 120;
    let height = TOP + ROW * shown + 24;
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\" role=\"img\" aria-labelledby=\"ladder-{idx}\" \
         font-family=\"ui-monospace,DejaVu Sans Mono,monospace\" font-size=\"11\">\
         <title id=\"ladder-{idx}\">Message ladder: {} messages between {}</title>",
        t.entries.len(),
        h(&lanes.join(", "))
    );
    for l in &lanes {
        let lx = x(l);
        let _ = write!(
            s,
            "<rect x=\"{}\" y=\"6\" width=\"170\" height=\"24\" rx=\"4\" fill=\"#e8eef7\" stroke=\"#5a6b85\"/>\
             <text x=\"{lx}\" y=\"22\" text-anchor=\"middle\" font-weight=\"700\" font-size=\"12\">{}</text>\
             <line x1=\"{lx}\" y1=\"30\" x2=\"{lx}\" y2=\"{}\" stroke=\"#9aa5b5\" stroke-dasharray=\"4 3\"/>",
            lx - 85,
            h(&truncate(l, 24)),
            height - 8
        );
    }
    for (i, e) in t.entries.iter().take(shown).enumerate() {
        let y = TOP + ROW * i + 16;
        let is_ev = evidence.contains(&e.frame);
        let (color, w) = match (is_ev, failed) {
            (true, true) => ("#b3261e", 2.5),
            (true, false) => ("#0b57b0", 2.5),
            _ => ("#3c4043", 1.0),
        };
        let full = format!("frame {}: {}", e.frame, line_of(e));
        let _ = write!(s, "<g><title>{}</title>", h(&full));
        if is_ev {
            let fill = if failed { "#fce8e6" } else { "#e3edfb" };
            let _ = write!(
                s,
                "<rect x=\"2\" y=\"{}\" width=\"{}\" height=\"{ROW}\" fill=\"{fill}\"/>",
                y - 18,
                width - 4
            );
        }
        let _ = write!(
            s,
            "<text x=\"8\" y=\"{}\" fill=\"#555\">#{}</text>",
            y + 4,
            e.frame
        );
        let (x1, x2) = (x(&e.src), x(&e.dst));
        let lbl = label(&e.decoded);
        if x1 == x2 {
            // A message to itself: a small loop.
            let _ = write!(
                s,
                "<path d=\"M{x1} {} h30 v10 h-24\" fill=\"none\" stroke=\"{color}\" stroke-width=\"{w}\"/>\
                 <polygon points=\"{x1},{} {},{} {},{}\" fill=\"{color}\"/>\
                 <text x=\"{}\" y=\"{}\" fill=\"{color}\">{}</text>",
                y - 6,
                y + 4,
                x1 + 7,
                y,
                x1 + 7,
                y + 8,
                x1 + 36,
                y + 2,
                h(&truncate(&lbl, 40))
            );
        } else {
            let dir: i64 = if x2 > x1 { 1 } else { -1 };
            let tip = x2 as i64;
            let base = tip - dir * 9;
            let _ = write!(
                s,
                "<line x1=\"{x1}\" y1=\"{y}\" x2=\"{base}\" y2=\"{y}\" stroke=\"{color}\" stroke-width=\"{w}\"/>\
                 <polygon points=\"{tip},{y} {base},{} {base},{}\" fill=\"{color}\"/>",
                y - 4,
                y + 4
            );
            let span = x1.abs_diff(x2);
            let mid = (x1 + x2) / 2;
            let weight = if is_ev { " font-weight=\"700\"" } else { "" };
            let _ = write!(
                s,
                "<text x=\"{mid}\" y=\"{}\" text-anchor=\"middle\" fill=\"{color}\"{weight}>{}</text>",
                y - 4,
                h(&truncate(&lbl, span * 10 / 68))
            );
        }
        s.push_str("</g>");
    }
    if t.entries.len() > shown {
        let _ = write!(
            s,
            "<text x=\"8\" y=\"{}\" fill=\"#555\">… {} more entries not drawn (see the transcript)</text>",
            height - 6,
            t.entries.len() - shown
        );
    }
    s.push_str("</svg>");
    s
}

/// What changed between two runs, test by test.
pub fn render_compare(a: &RunResult, b: &RunResult, a_link: &str, b_link: &str) -> String {
    let mut o = String::new();
    head(
        &mut o,
        &format!("mip6lab compare {} → {}", a.run_id, b.run_id),
    );
    o.push_str("<header><h1>mip6lab: comparison of two runs</h1>\n<table class=\"meta\">\n");
    for (k, r, link) in [("Before", a, a_link), ("After", b, b_link)] {
        let _ = writeln!(
            o,
            "<tr><th scope=\"row\">{k}</th><td><a href=\"{}\"><code>{}</code></a> — suite {}, IUT {}{}, started {}</td></tr>",
            href(link),
            h(&r.run_id),
            h(&r.suite),
            h(&r.iut),
            if r.knobs.is_empty() { String::new() } else { format!(" (knobs {})", h(&r.knobs)) },
            h(&r.started_utc())
        );
    }
    o.push_str("</table></header>\n<main>\n");
    let find = |r: &'_ RunResult, id: &str| r.results.iter().find(|t| t.id == id).cloned();
    let mut ids: Vec<String> = a.results.iter().map(|t| t.id.clone()).collect();
    for t in &b.results {
        if !ids.contains(&t.id) {
            ids.push(t.id.clone());
        }
    }
    let mut changed = Vec::new();
    let mut same = Vec::new();
    for id in &ids {
        let (x, y) = (find(a, id), find(b, id));
        let what = match (&x, &y) {
            (Some(x), Some(y)) if x.outcome.verdict == y.outcome.verdict => "unchanged",
            (Some(_), Some(_)) => "changed",
            (None, Some(_)) => "new",
            (Some(_), None) => "removed",
            (None, None) => continue,
        };
        let row = (id.clone(), what, x, y);
        if what == "unchanged" {
            same.push(row);
        } else {
            changed.push(row);
        }
    }
    let _ = writeln!(
        o,
        "<p>{} test(s) changed, new or removed; {} unchanged.</p>",
        changed.len(),
        same.len()
    );
    let table = |o: &mut String,
                 rows: &[(String, &str, Option<TestResult>, Option<TestResult>)]| {
        o.push_str(
            "<table>\n<thead><tr><th scope=\"col\">Test</th><th scope=\"col\">Change</th>\
             <th scope=\"col\">Before</th><th scope=\"col\">After</th>\
             <th scope=\"col\">Reason after</th></tr></thead>\n<tbody>\n",
        );
        for (id, what, x, y) in rows {
            let cell = |t: &Option<TestResult>| {
                t.as_ref()
                    .map(test_badge)
                    .unwrap_or_else(|| "<span class=\"muted\">absent</span>".into())
            };
            let reason = y.as_ref().or(x.as_ref()).map(|t| h(&t.outcome.reason));
            let _ = writeln!(
                o,
                "<tr><th scope=\"row\">{}</th><td>{what}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                h(id),
                cell(x),
                cell(y),
                reason.unwrap_or_default()
            );
        }
        o.push_str("</tbody>\n</table>\n");
    };
    o.push_str("<h2>Changed, new and removed</h2>\n");
    if changed.is_empty() {
        o.push_str("<p class=\"muted\">none</p>\n");
    } else {
        table(&mut o, &changed);
    }
    o.push_str("<h2>Unchanged</h2>\n");
    table(&mut o, &same);
    o.push_str("</main>\n</body>\n</html>\n");
    o
}
