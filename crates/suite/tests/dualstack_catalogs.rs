//! The dual-stack suite's requirement catalogs (`fixtures/requirements/dsbootstrap.toml`,
//! `rfc5555.toml`, `rfc5944.toml`) against the real loader: the draft's level is never promoted
//! to capitals, every step of its four message sequences has an entry, code points the draft
//! does not define are attributed to the lab profile, and imported statements say where they
//! come from.

use mip6lab_suite::requirements::{ActorRole, Catalog, Keyword, Kind, Source};
use std::collections::BTreeSet;
use std::path::PathBuf;

fn load(name: &str) -> Catalog {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/requirements")
        .join(name);
    Catalog::load(&path).unwrap_or_else(|e| panic!("{e:#}"))
}

fn roles(c: &Catalog) -> BTreeSet<ActorRole> {
    c.iter().map(|r| r.role).collect()
}

#[test]
fn the_draft_has_no_capital_keyword_and_only_its_roles() {
    let c = load("dsbootstrap.toml");
    let draft = Source::draft("draft-qin-mip6-dsbootstrapping-00").unwrap();
    assert!(c.iter().all(|r| r.source == draft));
    let capitals: Vec<&str> = c
        .iter()
        .filter(|r| matches!(r.keyword, Keyword::Capital(_)))
        .map(|r| r.id.as_str())
        .collect();
    assert!(capitals.is_empty(), "promoted to capitals: {capitals:?}");
    assert!(c.iter().any(|r| r.kind() == Kind::Lowercase));
    let allowed = BTreeSet::from([
        ActorRole::Mn,
        ActorRole::Fa,
        ActorRole::Fha,
        ActorRole::Ha,
        ActorRole::Aaa,
        ActorRole::Nas,
        ActorRole::Any,
    ]);
    assert!(roles(&c).is_subset(&allowed), "{:?}", roles(&c));
}

/// Figures 2 and 5 (co-located) have 12 messages, Figures 3 and 6 (through an FA) 14: each is
/// an in-effect entry whose `part` names its figure.
#[test]
fn every_step_of_the_four_message_sequences_has_an_entry() {
    let c = load("dsbootstrap.toml");
    for (figure, section, steps) in [
        (2, "4.1.1", 12),
        (3, "4.1.2", 14),
        (5, "4.2.1", 12),
        (6, "4.2.2", 14),
    ] {
        let prefix = format!("Figure {figure} (");
        let entries: Vec<_> = c
            .iter()
            .filter(|r| r.part.as_deref().is_some_and(|p| p.starts_with(&prefix)))
            .collect();
        assert_eq!(entries.len(), steps, "Figure {figure}");
        for r in entries {
            assert_eq!(r.section, section, "{}", r.id);
            assert_eq!(r.keyword, Keyword::InEffect, "{}", r.id);
        }
    }
}

/// The draft names items but defines no code point: an `observe` that names one of the lab's
/// conventional carriers says it is the lab profile's.
#[test]
fn lab_profile_code_points_are_attributed_to_the_profile() {
    let c = load("dsbootstrap.toml");
    let conventions = ["NVSE", "24757", "32473", "155", "168"];
    let unattributed: Vec<&str> = c
        .iter()
        .filter(|r| {
            r.observe.as_deref().is_some_and(|o| {
                conventions.iter().any(|x| o.contains(x)) && !o.contains("lab profile: ")
            })
        })
        .map(|r| r.id.as_str())
        .collect();
    assert!(unattributed.is_empty(), "{unattributed:?}");
}

#[test]
fn rfc5555_declares_what_it_leaves_out() {
    let c = load("rfc5555.toml");
    assert!(c.iter().all(|r| r.source == Source::Rfc(5555)));
    assert!(roles(&c).is_subset(&BTreeSet::from([
        ActorRole::Mn,
        ActorRole::Ha,
        ActorRole::Any
    ])));
    let declared: BTreeSet<&str> = c
        .out_of_scope()
        .iter()
        .flat_map(|o| o.sections.iter().map(String::as_str))
        .collect();
    for section in ["2.1", "2.4", "4.4.4", "5"] {
        assert!(
            declared.contains(section),
            "RFC 5555 §{section} not declared"
        );
    }
}

/// RFC 5944's home agent is the draft's FHA; the imported RFCs are the profile's, each entry
/// saying where it is used.
#[test]
fn rfc5944_binds_mn_fa_fha_and_imports_the_profiles_rfcs() {
    let c = load("rfc5944.toml");
    let allowed = BTreeSet::from([ActorRole::Mn, ActorRole::Fa, ActorRole::Fha, ActorRole::Any]);
    assert!(roles(&c).is_subset(&allowed), "{:?}", roles(&c));
    let sources: BTreeSet<Source> = c.iter().map(|r| r.source).collect();
    let expected: BTreeSet<Source> = [5944, 2794, 3024, 3957, 4721].map(Source::Rfc).into();
    assert_eq!(sources, expected);
    for r in c.iter().filter(|r| r.source != Source::Rfc(5944)) {
        assert!(r.imported_by.is_some(), "{} has no imported_by", r.id);
    }
    assert!(c
        .out_of_scope()
        .iter()
        .all(|o| o.source == Source::Rfc(5944)));
    assert!(!c.out_of_scope().is_empty());
}
