//! The JUnit XML, read back with an independent parser (roxmltree).

use mip6lab_report::{junit, Outcome, RunResult, TestResult, Verdict};
use proptest::prelude::*;

fn test(id: &str, o: Outcome) -> TestResult {
    TestResult {
        id: id.into(),
        title: "title".into(),
        requirements: vec!["R1".into()],
        outcome: o,
        duration_ms: 10,
        ..TestResult::default()
    }
}

fn run(results: Vec<TestResult>) -> RunResult {
    RunResult {
        results,
        duration_ms: 100,
        ..RunResult::begin("r1", "split", "vendor/mn:1", "", 1_795_598_244)
    }
}

fn attr<T: std::str::FromStr>(n: roxmltree::Node, name: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    n.attribute(name)
        .unwrap_or_else(|| panic!("<{}> has no {name}", n.tag_name().name()))
        .parse()
        .unwrap()
}

/// Checks the document's structure and returns its testcases.
fn check(xml: &str, r: &RunResult) {
    let doc = roxmltree::Document::parse(xml).expect("well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let suites: Vec<_> = root
        .children()
        .filter(|n| n.has_tag_name("testsuite"))
        .collect();
    assert_eq!(suites.len(), 1);
    for n in [root, suites[0]] {
        let cases: Vec<_> = suites[0]
            .children()
            .filter(|n| n.has_tag_name("testcase"))
            .collect();
        let has = |tag: &str| {
            cases
                .iter()
                .filter(|c| c.children().any(|x| x.has_tag_name(tag)))
                .count()
        };
        assert_eq!(attr::<usize>(n, "tests"), cases.len());
        assert_eq!(attr::<usize>(n, "failures"), has("failure"));
        assert_eq!(attr::<usize>(n, "errors"), has("error"));
        assert_eq!(attr::<usize>(n, "skipped"), has("skipped"));
        assert_eq!(cases.len(), r.results.len());
    }
    let cases: Vec<_> = suites[0]
        .children()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    for (c, t) in cases.iter().zip(&r.results) {
        assert!(c.attribute("classname").is_some() && c.attribute("name").is_some());
        let _: f64 = attr(*c, "time");
        let tag = match t.outcome.verdict {
            _ if t.flaky => Some("failure"),
            Verdict::Pass => None,
            Verdict::Fail => Some("failure"),
            Verdict::Error => Some("error"),
            Verdict::Inconclusive | Verdict::NotApplicable => Some("skipped"),
        };
        let kids: Vec<_> = c
            .children()
            .filter(|n| {
                n.is_element() && !n.has_tag_name("system-out") && !n.has_tag_name("properties")
            })
            .collect();
        match tag {
            None => assert!(kids.is_empty()),
            Some(tag) => {
                assert_eq!(kids.len(), 1);
                let k = kids[0];
                assert_eq!(k.tag_name().name(), tag);
                let msg = k.attribute("message").expect("a message");
                let clean: String = t
                    .outcome
                    .reason
                    .chars()
                    .filter(|c| junit::xml_char(*c))
                    .collect();
                if t.flaky {
                    assert_eq!(msg, format!("FLAKY (runs {}): {clean}", t.runs_text()));
                    assert_eq!(k.attribute("type"), Some("FLAKY"));
                } else if tag == "skipped" {
                    assert_eq!(msg, format!("{}: {clean}", t.outcome.verdict));
                } else {
                    assert_eq!(msg, clean, "the message reads back unchanged");
                    let text = k.text().unwrap_or("");
                    assert!(text.starts_with(&clean), "{text:?}");
                }
            }
        }
    }
}

#[test]
fn every_verdict_maps_as_documented() {
    let r = run(vec![
        test("A", Outcome::pass("ok")),
        test(
            "B",
            Outcome::fail("QNAME \"_mip6._udp\" <bad> & worse").with_frames("B/home.pcap", [3]),
        ),
        test("C", Outcome::error("harness: docker gone")),
        test("D", Outcome::inconclusive("no answer")),
        test("E", Outcome::new(Verdict::NotApplicable, "PICS: no DHCPv6")),
    ]);
    let xml = junit::render(&r);
    check(&xml, &r);
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let skipped: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("skipped"))
        .map(|n| n.attribute("message").unwrap())
        .collect();
    assert_eq!(
        skipped,
        ["INCONCLUSIVE: no answer", "NOT-APPLICABLE: PICS: no DHCPv6"]
    );
    let props: Vec<(&str, &str)> = doc
        .descendants()
        .filter(|n| n.has_tag_name("property"))
        .map(|n| (n.attribute("name").unwrap(), n.attribute("value").unwrap()))
        .collect();
    assert!(props.contains(&("iut", "vendor/mn:1")));
    assert!(props.contains(&("started", "2026-11-25T09:17:24Z")));
    assert!(props.contains(&("mip6lab_version", mip6lab_report::MIP6LAB_VERSION)));
}

#[test]
fn advisory_fail_is_still_a_failure_with_its_own_type() {
    let mut t = test("A", Outcome::fail("weak"));
    t.requirement_levels.insert("R1".into(), "SHOULD".into());
    let r = run(vec![t]);
    let xml = junit::render(&r);
    check(&xml, &r);
    assert!(xml.contains("type=\"FAIL-ADVISORY\""));
    assert!(r.gate_ok());
}

#[test]
fn flaky_is_a_failure_with_its_runs_as_properties() {
    let mut flaky = test("A", Outcome::inconclusive("no answer"));
    flaky.flaky = true;
    flaky.runs = vec![Verdict::Pass, Verdict::Inconclusive];
    let mut stable = test("B", Outcome::pass("ok"));
    stable.runs = vec![Verdict::Pass, Verdict::Pass];
    let r = run(vec![flaky, stable]);
    let xml = junit::render(&r);
    check(&xml, &r);
    assert!(
        xml.contains("failures=\"1\" errors=\"0\" skipped=\"0\""),
        "{xml}"
    );
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let case_props = |name: &str| -> Vec<(String, String)> {
        doc.descendants()
            .find(|n| {
                n.has_tag_name("testcase")
                    && n.attribute("name").is_some_and(|a| a.starts_with(name))
            })
            .unwrap()
            .descendants()
            .filter(|n| n.has_tag_name("property"))
            .map(|n| {
                (
                    n.attribute("name").unwrap().to_string(),
                    n.attribute("value").unwrap().to_string(),
                )
            })
            .collect()
    };
    assert_eq!(
        case_props("A "),
        [
            ("flaky".to_string(), "true".to_string()),
            ("runs".to_string(), "PASS, INCONCLUSIVE".to_string())
        ]
    );
    assert_eq!(case_props("B ")[0], ("flaky".into(), "false".into()));
    assert!(xml.contains("runs: PASS, INCONCLUSIVE (FLAKY)"));
    assert!(!r.gate_ok(), "flaky blocks the gate");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn any_reason_gives_well_formed_xml(reason in any::<String>(), ctl in "[\\x00-\\x1f\u{FFFE}\u{FFFF}<>&\"']{0,8}", v in 0usize..5, flaky in any::<bool>()) {
        let verdict = [Verdict::Pass, Verdict::Fail, Verdict::Error, Verdict::Inconclusive, Verdict::NotApplicable][v];
        let reason = format!("{reason}{ctl}");
        let mut t = test("P", Outcome::new(verdict, reason.clone()));
        if flaky {
            t.flaky = true;
            t.runs = vec![Verdict::Pass, verdict];
        }
        t.title = reason.clone();
        t.requirements = vec![reason.clone()];
        let mut r = run(vec![t, test("Q", Outcome::fail(reason.clone()))]);
        r.suite = reason.clone();
        r.knobs = reason;
        let xml = junit::render(&r);
        check(&xml, &r);
    }
}

#[test]
fn a_merge_with_a_missing_shard_has_an_error_case_per_shard() {
    let mut r = run(vec![test("A", Outcome::pass("ok"))]);
    r.merged = Some(mip6lab_report::Merged {
        n: 3,
        selected_total: 3,
        missing: vec![2, 3],
        ..Default::default()
    });
    let xml = junit::render(&r);
    let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
    let root = doc.root_element();
    assert_eq!(attr::<usize>(root, "tests"), 3);
    assert_eq!(attr::<usize>(root, "errors"), 2);
    let missing: Vec<_> = doc
        .descendants()
        .filter(|n| n.attribute("classname") == Some("split.shards"))
        .collect();
    assert_eq!(missing.len(), 2);
    let error = missing[1].first_element_child().unwrap();
    assert_eq!(error.attribute("type"), Some("MISSING-SHARD"));
    assert_eq!(
        error.attribute("message"),
        Some("shard 3/3 missing: its tests did not run")
    );

    // A shard's own file says which shard it is.
    r.merged = None;
    r.partition = Some(mip6lab_report::Partition {
        k: 2,
        n: 3,
        selected_total: 3,
        tests: vec!["A".into()],
    });
    let xml = junit::render(&r);
    check(&xml, &r);
    assert!(
        xml.contains("<property name=\"partition\" value=\"2/3\"/>"),
        "{xml}"
    );
}
