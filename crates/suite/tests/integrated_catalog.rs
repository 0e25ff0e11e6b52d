//! The integrated scenario's requirement catalog (`fixtures/requirements/rfc6611.toml`, RFC 6611
//! with RFC 6610 and RFC 6422) against the real loader: it loads, it is as complete as issue
//! #15 asks, its roles are the integrated scenario's, and its IDs do not collide with the split
//! catalog's.

use mip6lab_suite::requirements::{ActorRole, Catalog, Kind, Requirement, Source};
use std::collections::BTreeSet;
use std::path::PathBuf;

fn requirements_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/requirements")
}

fn catalog() -> Catalog {
    Catalog::load(requirements_dir().join("rfc6611.toml")).unwrap_or_else(|e| panic!("{e:#}"))
}

#[test]
fn loads_with_the_real_loader() {
    let c = catalog();
    assert!(c.len() >= 100, "{}", c.summary());
    println!("{}", c.summary());
}

/// "about 50 keyword obligations": capitals that gate by default.
#[test]
fn has_at_least_forty_capital_keyword_obligations() {
    let capitals = catalog()
        .iter()
        .filter(|r| r.kind() == Kind::Capital)
        .count();
    assert!(capitals >= 40, "{capitals} capital-keyword obligations");
}

/// Each RFC is there with statements of its own, and nothing else is.
#[test]
fn entries_are_of_the_three_rfcs() {
    let c = catalog();
    let sources: BTreeSet<Source> = c.iter().map(|r| r.source).collect();
    assert_eq!(
        sources,
        BTreeSet::from([Source::Rfc(6422), Source::Rfc(6610), Source::Rfc(6611)])
    );
}

/// Every step (1)-(5) of the two procedures of RFC 6611 section 4.2 has an entry, named so
/// in its `part`.
#[test]
fn every_procedure_step_has_an_entry() {
    let c = catalog();
    let mut missing = Vec::new();
    for section in ["4.2.1", "4.2.2"] {
        for step in 1..=5 {
            let prefix = format!("step ({step})");
            let found = c.iter().any(|r| {
                r.source == Source::Rfc(6611)
                    && r.section == section
                    && r.part.as_deref().is_some_and(|p| p.starts_with(&prefix))
            });
            if !found {
                missing.push(format!("RFC 6611 {section} {prefix}"));
            }
        }
    }
    assert!(missing.is_empty(), "no entry for {missing:?}");
}

#[test]
fn roles_are_the_integrated_scenarios() {
    let allowed = [
        ActorRole::Mn,
        ActorRole::Nas,
        ActorRole::Dhcp,
        ActorRole::Aaa,
        ActorRole::Ha,
        ActorRole::Any,
    ];
    let c = catalog();
    let stray: Vec<(&str, ActorRole)> = c
        .iter()
        .filter(|r| !allowed.contains(&r.role))
        .map(|r| (r.id.as_str(), r.role))
        .collect();
    assert!(stray.is_empty(), "{stray:?}");
    // The relay and server rules are where the new roles come from.
    let roles: BTreeSet<ActorRole> = c.iter().map(|r| r.role).collect();
    for needed in [
        ActorRole::Mn,
        ActorRole::Nas,
        ActorRole::Dhcp,
        ActorRole::Aaa,
    ] {
        assert!(roles.contains(&needed), "no {needed} entry");
    }
}

#[test]
fn ids_are_unique_across_the_catalogs() {
    let dir = requirements_dir();
    let both = Catalog::load_all(&[dir.join("rfc5026.toml"), dir.join("rfc6611.toml")])
        .unwrap_or_else(|e| panic!("{e:#}"));
    assert_eq!(
        both.len(),
        Catalog::load(dir.join("rfc5026.toml")).unwrap().len() + catalog().len()
    );
}

/// Where an entry's verdict rests on the interpretation note it names the item, and every item
/// of the note is named by some entry and exists in the note.
#[test]
fn interpretation_items_are_linked() {
    let note = std::fs::read_to_string(requirements_dir().join("rfc6611-interpretation.md"))
        .expect("the interpretation note");
    let c = catalog();
    let fields = |r: &Requirement| -> String {
        [
            &r.justification,
            &r.not_an_obligation,
            &r.reason,
            &r.observe,
            &r.pics,
        ]
        .into_iter()
        .flatten()
        .cloned()
        .collect::<Vec<_>>()
        .join(" ")
    };
    for n in 1..=5 {
        let item = format!("INTERP-6611-{n}");
        assert!(
            note.contains(&format!("## {item} ")),
            "{item} not in the note"
        );
        assert!(
            c.iter().any(|r| fields(r).contains(&item)),
            "no entry names {item}"
        );
    }
    for r in &c {
        let text = fields(r);
        for (i, _) in text.match_indices("INTERP-6611-") {
            let n = text[i + "INTERP-6611-".len()..]
                .chars()
                .next()
                .and_then(|d| d.to_digit(10));
            assert!(
                matches!(n, Some(1..=5)),
                "{} names an unknown interpretation item",
                r.id
            );
        }
    }
}
