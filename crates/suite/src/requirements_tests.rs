//! Unit tests of the catalog parser, its validation and traceability.

use super::*;
use rstest::rstest;

fn entry(id: &str, section: &str, role: &str, level: &str, testability: &str) -> String {
    let extra = match testability {
        "wire" => "observe = \"the query\"".to_string(),
        _ => "reason = \"needs PIXIT\"".to_string(),
    };
    format!(
        "[[requirement]]\nid = \"{id}\"\nrfc = 5026\nsection = \"{section}\"\n\
         level = \"{level}\"\nrole = \"{role}\"\ntext = \"It {level} act.\"\n\
         testability = \"{testability}\"\n{extra}\n\n"
    )
}

fn small() -> String {
    [
        entry("RFC5026-5.1.1-MN-MUST-1", "5.1.1", "MN", "MUST", "wire"),
        entry("RFC5026-5.1.1-MN-MUST-2", "5.1.1", "MN", "MUST", "wire"),
        entry(
            "RFC5026-5.1.2-DNS-RECOMMENDED-1",
            "5.1.2",
            "DNS",
            "RECOMMENDED",
            "wire",
        ),
        entry("RFC5026-6-HA-MUST-NOT-1", "6", "HA", "MUST NOT", "wire"),
        entry("RFC5026-5.2-MN-SHOULD-1", "5.2", "MN", "SHOULD", "config"),
    ]
    .concat()
}

fn err(text: &str) -> String {
    format!("{:#}", Catalog::parse(text).unwrap_err())
}

#[test]
fn loads_and_counts() {
    let c = Catalog::parse(&small()).unwrap();
    assert_eq!(c.len(), 5);
    assert_eq!(
        c.get("RFC5026-6-HA-MUST-NOT-1").unwrap().level,
        Level::MustNot
    );
    assert!(c.get("RFC5026-6-HA-MUST-1").is_none());
    assert_eq!(c.count_by_level()[&Level::Must], 2);
    assert_eq!(c.count_by_testability()[&Testability::Wire], 4);
    assert_eq!(c.count_by_role()[&ActorRole::Mn], 3);
    let ids: Vec<&str> = c.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids[0], "RFC5026-5.1.1-MN-MUST-1");
    assert_eq!((&c).into_iter().count(), 5);
    assert!(c
        .summary()
        .starts_with("5 requirements | MUST 2, MUST NOT 1,"));
}

#[test]
fn numbering_must_be_contiguous() {
    let t = entry("RFC5026-6-HA-MUST-1", "6", "HA", "MUST", "wire")
        + &entry("RFC5026-6-HA-MUST-3", "6", "HA", "MUST", "wire");
    let e = err(&t);
    assert!(
        e.contains("RFC5026-6-HA-MUST-3: numbering not contiguous"),
        "{e}"
    );
    assert!(e.contains("expected `RFC5026-6-HA-MUST-2`"), "{e}");
    let t = entry("RFC5026-6-HA-MUST-2", "6", "HA", "MUST", "wire");
    assert!(err(&t).contains("expected `RFC5026-6-HA-MUST-1`"));
    // Out of text order.
    let t = entry("RFC5026-6-HA-MUST-2", "6", "HA", "MUST", "wire")
        + &entry("RFC5026-6-HA-MUST-1", "6", "HA", "MUST", "wire");
    assert!(err(&t).contains("not contiguous"));
    // Another section, role or level numbers on its own.
    let t = entry("RFC5026-6-HA-MUST-1", "6", "HA", "MUST", "wire")
        + &entry("RFC5026-6-MN-MUST-1", "6", "MN", "MUST", "wire")
        + &entry("RFC5026-6-HA-MAY-1", "6", "HA", "MAY", "wire")
        + &entry("RFC5026-7-HA-MUST-1", "7", "HA", "MUST", "wire");
    assert_eq!(Catalog::parse(&t).unwrap().len(), 4);
}

/// A catalog with one bad entry is refused, the error naming what is wrong.
#[rstest]
#[case::duplicate_id(
    small() + &entry("RFC5026-5.1.1-MN-MUST-1", "5.1.1", "MN", "MUST", "wire"),
    "RFC5026-5.1.1-MN-MUST-1: duplicate id"
)]
#[case::role_not_the_ids(
    entry("RFC5026-5.1.1-HA-MUST-1", "5.1.1", "MN", "MUST", "wire"),
    "expected `RFC5026-5.1.1-MN-MUST-<k>`"
)]
#[case::level_with_a_space(
    entry("RFC5026-6-HA-MUST NOT-1", "6", "HA", "MUST NOT", "wire"),
    "expected `RFC5026-6-HA-MUST-NOT-<k>`"
)]
#[case::number_not_a_number(
    entry("RFC5026-6-HA-MUST-x", "6", "HA", "MUST", "wire"),
    "`x` is not a number"
)]
#[case::number_with_a_leading_zero(
    entry("RFC5026-6-HA-MUST-01", "6", "HA", "MUST", "wire"),
    "`01` is not a number"
)]
#[case::unknown_level(
    entry("RFC5026-6-HA-MUSTN'T-1", "6", "HA", "MUSTN'T", "wire"),
    "RFC5026-6-HA-MUSTN'T-1: unknown level `MUSTN'T`"
)]
#[case::unknown_role(
    entry("RFC5026-6-CN-MUST-1", "6", "CN", "MUST", "wire"),
    "RFC5026-6-CN-MUST-1: unknown role `CN`"
)]
#[case::unknown_testability(
    entry("RFC5026-6-HA-MUST-1", "6", "HA", "MUST", "maybe"),
    "unknown testability `maybe`"
)]
#[case::config_without_a_reason(
    entry("RFC5026-6-HA-MUST-1", "6", "HA", "MUST", "config")
        .replace("reason = \"needs PIXIT\"", ""),
    "RFC5026-6-HA-MUST-1: testability `config` needs a reason"
)]
#[case::wire_without_observe(
    entry("RFC5026-6-HA-MUST-1", "6", "HA", "MUST", "wire")
        .replace("observe = \"the query\"", "observe = \" \""),
    "a wire requirement needs `observe`"
)]
#[case::normative_in_effect_without_a_justification(
    entry("RFC5026-6-HA-MUST-1", "6", "HA", "MUST", "wire") + "normative_in_effect = true\n",
    "needs a justification"
)]
#[case::unknown_field(
    entry("RFC5026-6-HA-MUST-1", "6", "HA", "MUST", "wire") + "colour = \"red\"\n",
    "unknown field"
)]
fn a_bad_entry_is_named(#[case] text: String, #[case] names: &str) {
    let e = err(&text);
    assert!(e.contains(names), "{e}");
}

#[test]
fn all_problems_are_reported_together() {
    let t = entry("RFC5026-6-HA-MUST-1", "6", "HA", "MUST", "wire")
        + &entry("RFC5026-6-HA-MUST-1", "6", "HA", "MUST", "wire")
        + &entry("RFC5026-7-XX-MUST-1", "7", "XX", "MUST", "wire");
    let e = err(&t);
    assert!(e.starts_with("2 problem(s):"), "{e}");
}

#[test]
fn trace_reports_unknown_uncovered_and_coverage() {
    let c = Catalog::parse(&small()).unwrap();
    let t = trace(
        &c,
        &[
            ("TP-A", &["RFC5026-5.1.1-MN-MUST-1", "RFC5026-9-MN-MUST-1"]),
            (
                "TP-B",
                &["RFC5026-5.1.1-MN-MUST-1", "RFC5026-5.2-MN-SHOULD-1"],
            ),
            ("TP-C", &[]),
        ],
    );
    assert_eq!(
        t.unknown,
        vec![UnknownCitation {
            test: "TP-A".into(),
            requirement: "RFC5026-9-MN-MUST-1".into()
        }]
    );
    assert_eq!(
        t.uncovered_wire,
        vec![
            "RFC5026-5.1.1-MN-MUST-2",
            "RFC5026-5.1.2-DNS-RECOMMENDED-1",
            "RFC5026-6-HA-MUST-NOT-1"
        ]
    );
    assert_eq!(t.tests_citing_nothing, vec!["TP-C"]);
    assert_eq!(
        t.covered_by["RFC5026-5.1.1-MN-MUST-1"],
        vec!["TP-A", "TP-B"]
    );
    assert_eq!(
        t.coverage,
        Coverage {
            requirements: 5,
            wire: 4,
            wire_covered: 1,
            cited: 2,
            tests: 3
        }
    );
    assert_eq!(
        t.coverage.to_string(),
        "3 tests; wire requirements covered 1/4 (25.0%); 2 of 5 requirements cited"
    );
}

#[test]
fn pending_list_is_checked_both_ways() {
    let c = Catalog::parse(&small()).unwrap();
    let t = trace(&c, &[("TP-A", &["RFC5026-5.1.1-MN-MUST-1"])]);
    let exact = parse_pending(
        "# pending\nRFC5026-5.1.1-MN-MUST-2\n\nRFC5026-5.1.2-DNS-RECOMMENDED-1  # AAAA\n\
         RFC5026-6-HA-MUST-NOT-1\n",
    );
    assert!(t.check_pending(&c, &exact).is_ok());

    let off = parse_pending(
        "RFC5026-5.1.1-MN-MUST-1\nRFC5026-5.1.1-MN-MUST-2\nRFC5026-5.1.1-MN-MUST-2\n\
         RFC5026-9-HA-MUST-1\nRFC5026-5.2-MN-SHOULD-1\n",
    );
    let p = t.check_pending(&c, &off);
    assert!(!p.is_ok());
    assert_eq!(p.stale, vec!["RFC5026-5.1.1-MN-MUST-1"]);
    assert_eq!(
        p.new_gaps,
        vec!["RFC5026-5.1.2-DNS-RECOMMENDED-1", "RFC5026-6-HA-MUST-NOT-1"]
    );
    assert_eq!(p.unknown, vec!["RFC5026-9-HA-MUST-1"]);
    assert_eq!(p.not_wire, vec!["RFC5026-5.2-MN-SHOULD-1"]);
    assert_eq!(p.duplicates, vec!["RFC5026-5.1.1-MN-MUST-2"]);
    let shown = p.to_string();
    assert!(shown.contains("covered now, remove from the pending list (1):"));
    assert!(shown.contains("  RFC5026-6-HA-MUST-NOT-1\n"));
}

/// One MN entry of section 6 (`RFC5026-6-MN-<ID level>-1`) with these extra lines.
fn keyed(id_level: &str, level: &str, text: &str, extra: &str) -> String {
    format!(
        "[[requirement]]\nid = \"RFC5026-6-MN-{id_level}-1\"\nrfc = 5026\nsection = \"6\"\n\
         level = \"{level}\"\nrole = \"MN\"\ntext = \"{text}\"\ntestability = \"wire\"\n\
         observe = \"the BU\"\n{extra}\n"
    )
}

#[rstest]
#[case::capital(
    "MUST",
    "MUST",
    "The MN MUST send it.",
    "keyword = \"MUST\"",
    Kind::Capital
)]
#[case::capital_negation(
    "MUST NOT",
    "MUST NOT",
    "It MUST NOT send it.",
    "keyword = \"MUST NOT\"",
    Kind::Capital
)]
#[case::synonym(
    "MUST",
    "MUST",
    "It is REQUIRED.",
    "keyword = \"REQUIRED\"",
    Kind::Capital
)]
#[case::lowercase(
    "MUST",
    "MUST",
    "The MN must send it.",
    "keyword = \"must\"\njustification = \"j\"",
    Kind::Lowercase
)]
#[case::lowercase_required(
    "MUST",
    "MUST",
    "The MN is required to send it.",
    "keyword = \"required\"\njustification = \"j\"",
    Kind::Lowercase
)]
#[case::in_effect(
    "MUST",
    "MUST",
    "The MN sends it.",
    "keyword = \"in-effect\"\njustification = \"j\"",
    Kind::InEffect
)]
#[case::legacy_in_effect(
    "MUST",
    "MUST",
    "The MN sends it.",
    "normative_in_effect = true\njustification = \"j\"",
    Kind::InEffect
)]
#[case::legacy_capital(
    "MUST",
    "MUST",
    "The MN MUST send it.",
    "normative_in_effect = false",
    Kind::Capital
)]
#[case::not_an_obligation(
    "MUST",
    "MUST",
    "As an example, the MN sends it.",
    "keyword = \"in-effect\"\njustification = \"j\"\nnot_an_obligation = \"an example\"",
    Kind::NotAnObligation
)]
#[case::level_revised(
    "MUST",
    "MAY",
    "The MN can send it.",
    "keyword = \"in-effect\"\njustification = \"j\"\nrevised = \"can is a permission\"",
    Kind::InEffect
)]
fn valid_keywords(
    #[case] id_level: &str,
    #[case] level: &str,
    #[case] text: &str,
    #[case] extra: &str,
    #[case] kind: Kind,
) {
    let t = keyed(&id_level.replace(' ', "-"), level, text, extra);
    let c = Catalog::parse(&t).unwrap_or_else(|e| panic!("{e:#}\n{t}"));
    let r = c.iter().next().unwrap();
    assert_eq!(r.kind(), kind);
    assert_eq!(r.normative_in_effect(), kind != Kind::Capital);
    assert_eq!(c.count_by_kind()[&kind], 1);
}

#[rstest]
#[case::capital_not_in_text(
    "The MN must send it.",
    "keyword = \"MUST\"",
    "keyword `MUST` is not in its text"
)]
#[case::lowercase_not_in_text(
    "The MN MUST send it.",
    "keyword = \"must\"\njustification = \"j\"",
    "keyword `must` is not in its text"
)]
#[case::part_of_a_word(
    "The MN mustn't send it.",
    "keyword = \"must\"\njustification = \"j\"",
    "keyword `must` is not in its text"
)]
#[case::weaker_word(
    "The MN SHOULD send it.",
    "keyword = \"SHOULD\"",
    "keyword `SHOULD` says SHOULD but level is MUST"
)]
#[case::unknown_word(
    "The MN shall send it.",
    "keyword = \"Must\"",
    "unknown keyword `Must`"
)]
#[case::lowercase_without_justification(
    "The MN must send it.",
    "keyword = \"must\"",
    "needs a justification"
)]
#[case::in_effect_without_justification(
    "The MN sends it.",
    "keyword = \"in-effect\"",
    "needs a justification"
)]
#[case::legacy_flag_contradicts(
    "The MN MUST send it.",
    "keyword = \"MUST\"\nnormative_in_effect = true\njustification = \"j\"",
    "contradicts keyword `MUST`"
)]
#[case::legacy_capital_not_in_text(
    "The MN sends it.",
    "normative_in_effect = false",
    "keyword `MUST` is not in its text"
)]
#[case::blank_not_an_obligation(
    "The MN MUST send it.",
    "keyword = \"MUST\"\nnot_an_obligation = \" \"",
    "empty not_an_obligation"
)]
fn invalid_keywords(#[case] text: &str, #[case] extra: &str, #[case] problem: &str) {
    let e = err(&keyed("MUST", "MUST", text, extra));
    assert!(e.contains("RFC5026-6-MN-MUST-1: "), "{e}");
    assert!(e.contains(problem), "{e}");
}

#[test]
fn a_changed_level_keeps_the_id_and_says_why() {
    let e = err(&keyed(
        "MUST",
        "MAY",
        "The MN can send it.",
        "keyword = \"in-effect\"\njustification = \"j\"",
    ));
    assert!(e.contains("level is MAY but the id says MUST"), "{e}");
    // The numbering follows the id's level part: a second MUST-numbered entry is 2.
    let t = keyed(
        "MUST",
        "MAY",
        "The MN can send it.",
        "keyword = \"in-effect\"\njustification = \"j\"\nrevised = \"r\"",
    ) + &keyed("MUST", "MUST", "The MN MUST send it.", "")
        .replace("MN-MUST-1", "MN-MUST-2");
    assert_eq!(Catalog::parse(&t).unwrap().len(), 2);
    let t = keyed("MAY", "MAY", "The MN MAY send it.", "")
        + &keyed(
            "MUST",
            "MAY",
            "The MN can send it.",
            "keyword = \"in-effect\"\njustification = \"j\"\nrevised = \"r\"",
        );
    assert_eq!(
        Catalog::parse(&t).unwrap().len(),
        2,
        "MAY-1 and MUST-1 number apart"
    );
}

#[test]
fn obligations_alone_need_tests() {
    let t = keyed("MUST", "MUST", "The MN MUST send it.", "")
        + &keyed(
            "MUST",
            "MUST",
            "As an example, the MN sends it.",
            "keyword = \"in-effect\"\njustification = \"j\"\nnot_an_obligation = \"an example\"",
        )
        .replace("MN-MUST-1", "MN-MUST-2");
    let c = Catalog::parse(&t).unwrap();
    let tr = trace(&c, &[("TP-A", &["RFC5026-6-MN-MUST-2"])]);
    assert_eq!(tr.uncovered_wire, vec!["RFC5026-6-MN-MUST-1"]);
    assert_eq!(tr.coverage.wire, 1);
    let p = tr.check_pending(
        &c,
        &parse_pending("RFC5026-6-MN-MUST-1\nRFC5026-6-MN-MUST-2\n"),
    );
    assert_eq!(p.not_wire, vec!["RFC5026-6-MN-MUST-2"]);
    assert!(
        c.summary().contains("| capital 1, not-an-obligation 1 |"),
        "{}",
        c.summary()
    );
}

#[test]
fn keyword_words() {
    assert_eq!(
        Keyword::parse("must not"),
        Some(Keyword::Lowercase(Level::MustNot))
    );
    assert_eq!(
        Keyword::parse("NOT RECOMMENDED"),
        Some(Keyword::Capital(Level::NotRecommended))
    );
    assert_eq!(Keyword::parse("Must"), None);
    assert_eq!(Keyword::InEffect.to_string(), "in-effect");
    assert!(has_word("it MUST  NOT be", "MUST NOT"));
    assert!(!has_word("it MUSTER", "MUST"));
    assert_eq!(Level::Required.strength(), Level::Must);
}

#[test]
fn level_id_forms() {
    assert_eq!(Level::NotRecommended.id_form(), "NOT-RECOMMENDED");
    assert_eq!(Level::parse("SHALL NOT"), Some(Level::ShallNot));
    assert_eq!(Level::parse("must"), None);
}

#[test]
fn actor_roles_round_trip() {
    for role in ActorRole::ALL {
        assert_eq!(ActorRole::parse(role.as_str()), Some(role));
    }
    assert_eq!(ActorRole::parse("NAS"), Some(ActorRole::Nas));
    assert_eq!(ActorRole::parse("DHCP"), Some(ActorRole::Dhcp));
    assert_eq!(ActorRole::parse("nas"), None);
    let t = entry("RFC6611-4.2.1-NAS-MUST-1", "4.2.1", "NAS", "MUST", "wire")
        .replace("rfc = 5026", "rfc = 6611");
    let c = Catalog::parse(&t).unwrap();
    assert_eq!(c.count_by_role()[&ActorRole::Nas], 1);
}

#[test]
fn foreign_agent_and_foreign_home_agent_roles() {
    assert_eq!(ActorRole::parse("FA"), Some(ActorRole::Fa));
    assert_eq!(ActorRole::parse("FHA"), Some(ActorRole::Fha));
    let t = entry("RFC5944-3.7-FA-MUST-1", "3.7", "FA", "MUST", "wire")
        .replace("rfc = 5026", "rfc = 5944")
        + &entry("RFC5944-3.8-FHA-MUST-1", "3.8", "FHA", "MUST", "wire")
            .replace("rfc = 5026", "rfc = 5944");
    let c = Catalog::parse(&t).unwrap();
    assert_eq!(c.count_by_role()[&ActorRole::Fa], 1);
    assert_eq!(c.count_by_role()[&ActorRole::Fha], 1);
}

/// One entry of the dual-stack draft (no `rfc`, `draft = …`).
fn draft_entry(id: &str, section: &str, role: &str) -> String {
    entry(id, section, role, "MUST", "wire").replace(
        "rfc = 5026",
        "draft = \"draft-qin-mip6-dsbootstrapping-00\"",
    )
}

#[test]
fn draft_entries_are_named_by_the_drafts_prefix() {
    let t = draft_entry("DSB-4.1.1-FA-MUST-1", "4.1.1", "FA")
        + &draft_entry("DSB-4.1.1-FA-MUST-2", "4.1.1", "FA")
        + &entry("RFC5944-3.7-FA-MUST-1", "3.7", "FA", "MUST", "wire")
            .replace("rfc = 5026", "rfc = 5944");
    let c = Catalog::parse(&t).unwrap();
    let r = c.get("DSB-4.1.1-FA-MUST-2").unwrap();
    assert_eq!(r.source.id_prefix(), "DSB");
    assert_eq!(r.source.rfc(), None);
    assert_eq!(r.source.to_string(), "draft-qin-mip6-dsbootstrapping-00");
    let rfc = c.get("RFC5944-3.7-FA-MUST-1").unwrap().source;
    assert_eq!(
        (rfc.rfc(), rfc.to_string()),
        (Some(5944), "RFC 5944".into())
    );
    let by_source = c.count_by_source();
    assert_eq!(
        by_source[&Source::draft("draft-qin-mip6-dsbootstrapping-00").unwrap()],
        2
    );
    assert_eq!(by_source[&Source::Rfc(5944)], 1);
}

/// Draft entries are checked like RFC entries: stem, numbering, exactly one known source.
#[rstest]
#[case::rfc_prefix_on_a_draft_entry(
    draft_entry("RFC0-4.1.1-FA-MUST-1", "4.1.1", "FA"),
    "expected `DSB-4.1.1-FA-MUST-<k>`"
)]
#[case::role_not_the_ids(
    draft_entry("DSB-4.1.1-FHA-MUST-1", "4.1.1", "FA"),
    "expected `DSB-4.1.1-FA-MUST-<k>`"
)]
#[case::numbering_gap(
    draft_entry("DSB-4.1.1-FA-MUST-1", "4.1.1", "FA")
        + &draft_entry("DSB-4.1.1-FA-MUST-3", "4.1.1", "FA"),
    "expected `DSB-4.1.1-FA-MUST-2`"
)]
#[case::unknown_draft(
    draft_entry("DSB-4.1.1-FA-MUST-1", "4.1.1", "FA").replace("-00\"", "-01\""),
    "unknown draft `draft-qin-mip6-dsbootstrapping-01`"
)]
#[case::both_sources(
    draft_entry("DSB-4.1.1-FA-MUST-1", "4.1.1", "FA") + "rfc = 5944\n",
    "both `rfc` and `draft`"
)]
#[case::no_source(
    entry("RFC5026-6-HA-MUST-1", "6", "HA", "MUST", "wire").replace("rfc = 5026\n", ""),
    "RFC5026-6-HA-MUST-1: no source"
)]
fn a_bad_draft_entry_is_named(#[case] text: String, #[case] names: &str) {
    let e = err(&text);
    assert!(e.contains(names), "{e}");
}

#[test]
fn out_of_scope_declarations_are_kept_and_counted() {
    let t = small()
        + "[[out_of_scope]]\nrfc = 5944\nsections = [\"4.4\", \"4.5-4.6\"]\n\
           reason = \"broadcast datagrams: the lab sends none\"\n\n\
           [[out_of_scope]]\ndraft = \"draft-qin-mip6-dsbootstrapping-00\"\n\
           sections = [\"6\"]\nreason = \"IANA\"\n";
    let c = Catalog::parse(&t).unwrap();
    let o = c.out_of_scope();
    assert_eq!(o.len(), 2);
    assert_eq!(o[0].source, Source::Rfc(5944));
    assert_eq!(o[0].sections, ["4.4", "4.5-4.6"]);
    assert_eq!(o[1].source.id_prefix(), "DSB");
    assert!(c.summary().ends_with("| wire 4, config 1 | out of scope 2"));
    // Without declarations the line is what it always was.
    assert!(Catalog::parse(&small())
        .unwrap()
        .summary()
        .ends_with("| wire 4, config 1"));
}

#[rstest]
#[case::blank_reason("rfc = 5944\nsections = [\"4\"]\nreason = \" \"", "empty reason")]
#[case::no_sections("rfc = 5944\nsections = []\nreason = \"r\"", "no sections")]
#[case::blank_section(
    "rfc = 5944\nsections = [\"4\", \"\"]\nreason = \"r\"",
    "a blank section"
)]
#[case::no_source("sections = [\"4\"]\nreason = \"r\"", "no source")]
#[case::unknown_draft(
    "draft = \"draft-x-00\"\nsections = [\"4\"]\nreason = \"r\"",
    "unknown draft"
)]
#[case::missing_reason("rfc = 5944\nsections = [\"4\"]", "missing field `reason`")]
#[case::unknown_field(
    "rfc = 5944\nsections = [\"4\"]\nreason = \"r\"\nwhy = 1",
    "unknown field"
)]
fn a_bad_out_of_scope_declaration_is_refused(#[case] table: &str, #[case] problem: &str) {
    let e = err(&format!("{}[[out_of_scope]]\n{table}\n", small()));
    assert!(e.contains(problem), "{e}");
    if !problem.starts_with("missing") && !problem.starts_with("unknown field") {
        assert!(e.contains("out_of_scope #1: "), "{e}");
    }
}

#[test]
fn catalogs_merge_their_out_of_scope_declarations() {
    let dir = std::env::temp_dir().join(format!("mip6lab-oos-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let declare =
        |rfc: u32| format!("[[out_of_scope]]\nrfc = {rfc}\nsections = [\"9\"]\nreason = \"r\"\n");
    std::fs::write(dir.join("a.toml"), small() + &declare(5944)).unwrap();
    std::fs::write(
        dir.join("b.toml"),
        draft_entry("DSB-4.1.1-FA-MUST-1", "4.1.1", "FA") + &declare(5555),
    )
    .unwrap();
    let c = Catalog::load_all(&[dir.join("a.toml"), dir.join("b.toml")]).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(c.len(), 6);
    let sources: Vec<Source> = c.out_of_scope().iter().map(|o| o.source).collect();
    assert_eq!(sources, [Source::Rfc(5944), Source::Rfc(5555)]);
}
