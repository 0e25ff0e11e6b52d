//! The knob table against itself, the requirement catalogs and its parser.

use mip6lab_contract::knobs::{self, KnobKind, Knobs, KNOBS};
use rstest::rstest;
use std::collections::BTreeSet;
use std::path::Path;

/// Every requirement ID of every catalog under fixtures/requirements/.
fn catalog_ids() -> BTreeSet<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/requirements");
    let mut ids = BTreeSet::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let doc: toml::Table = std::fs::read_to_string(&path).unwrap().parse().unwrap();
            for r in doc["requirement"].as_array().unwrap() {
                ids.insert(r["id"].as_str().unwrap().to_string());
            }
        }
    }
    assert!(!ids.is_empty(), "no catalog under {}", dir.display());
    ids
}

#[test]
fn every_requirement_a_knob_breaks_is_in_a_catalog() {
    let ids = catalog_ids();
    for k in KNOBS {
        for id in k.breaks() {
            assert!(
                ids.contains(*id),
                "{} breaks {id}, not in the catalog",
                k.name
            );
        }
    }
}

#[test]
fn every_knob_has_its_roles_and_every_mutant_a_requirement() {
    for k in KNOBS {
        assert!(!k.roles.is_empty(), "{} affects no role", k.name);
        // The name's prefix is the role it changes (`mn.` → MN), as the docs promise.
        assert!(
            k.roles.iter().any(|r| k
                .name
                .strip_prefix(r.token())
                .is_some_and(|n| n.starts_with('.'))),
            "{} does not start with one of its roles",
            k.name
        );
        if let KnobKind::Mutant { breaks, .. } = k.kind {
            assert!(!breaks.is_empty(), "mutant {} breaks nothing", k.name);
        }
        assert!(!k.text.is_empty(), "{} has no description", k.name);
    }
}

#[test]
fn names_are_unique() {
    for (i, k) in KNOBS.iter().enumerate() {
        assert!(
            KNOBS[..i].iter().all(|o| o.name != k.name),
            "{} twice",
            k.name
        );
    }
}

#[test]
fn each_default_parses_and_each_mutant_changes_its_knob() {
    let conforming = Knobs::default();
    for k in KNOBS {
        // The declared default, set explicitly, is the default.
        let set = Knobs::parse(&format!("{}={}", k.name, k.default)).unwrap();
        assert_eq!(set, conforming, "{}'s declared default", k.name);
        let Some(m) = k.mutant() else { continue };
        let mutated = Knobs::parse(&m).unwrap_or_else(|e| panic!("{m}: {e}"));
        assert_ne!(mutated, conforming, "{m} changes nothing");
        // Applying it twice is the same as once: a mutant is a value, not a toggle.
        assert_eq!(Knobs::parse(&format!("{m},{m}")).unwrap(), mutated);
    }
    let mutants: Vec<String> = knobs::mutants().collect();
    let mutant_knobs = KNOBS.iter().filter(|k| !k.is_stimulus()).count();
    assert_eq!(mutants.len(), mutant_knobs);
}

#[rstest]
#[case::name_qtype_upper_cased("mn.name_qtype=a", |k: &Knobs| k.name_qtype == "A")]
#[case::flag_words("mn.no_hao=yes", |k: &Knobs| k.no_hao)]
#[case::flag_digits("ha.no_rh2=1", |k: &Knobs| k.ha_no_rh2)]
#[case::address("mn.request_hoa=2001:db8:1:100::1234",
    |k: &Knobs| k.request_hoa == Some("2001:db8:1:100::1234".parse().unwrap()))]
#[case::unknown_option("mn.bu_unknown_option=200", |k: &Knobs| k.bu_unknown_option == Some(200))]
#[case::blanks_and_several(" mn.skip_dereg=true , mn.lifetime_units=1 ,",
    |k: &Knobs| k.skip_dereg && k.lifetime_units == 1)]
#[case::later_wins("mn.start_delay_ms=1,mn.start_delay_ms=1500", |k: &Knobs| k.start_delay_ms == 1500)]
#[case::top_of_range("mn.dns_opt_reserved=127", |k: &Knobs| k.dns_opt_reserved == 127)]
#[case::empty_is_conforming("", |k: &Knobs| *k == Knobs::default())]
fn accepted_settings(#[case] spec: &str, #[case] holds: fn(&Knobs) -> bool) {
    let k = Knobs::parse(spec).unwrap_or_else(|e| panic!("{spec}: {e}"));
    assert!(holds(&k), "{spec}: {k:?}");
    assert!(knobs::check(spec).is_ok());
}

#[rstest]
#[case::unknown("mn.bogus=1", "unknown knob `mn.bogus`; known knobs: mn.srv_service")]
#[case::no_value("mn.srv_proto", "knob `mn.srv_proto` is not of the form name=value")]
#[case::flag("mn.no_hao=maybe", "knob `mn.no_hao`: `maybe` is not true/false")]
#[case::range(
    "mn.dns_opt_reserved=128",
    "knob `mn.dns_opt_reserved`: `128` is not a number 0..=127"
)]
#[case::zero_transmissions("mn.bu_transmissions=0", "`0` is not a number 1..=255")]
#[case::word("mn.idi_type=email", "`email` is not one of fqdn, ipv6, hoa")]
#[case::address("mn.request_hoa=2001:db8::zz", "`2001:db8::zz` is not an IPv6 address")]
#[case::known_option("ha.ba_unknown_option=17", "is not an unassigned mobility option type")]
#[case::too_big("mn.init_flood=1001", "`1001` is not a number 0..=1000")]
fn refused_settings_name_the_knob_and_the_accepted_values(
    #[case] spec: &str,
    #[case] message: &str,
) {
    let e = Knobs::parse(spec).unwrap_err().to_string();
    assert!(e.contains(message), "{spec}: {e}");
    assert_eq!(knobs::check(spec).unwrap_err().to_string(), e);
}
