//! The events the reference emits are the contract's (`mip6lab_contract::events::ALL`), and
//! the contract names no event the reference never emits.

use mip6lab_contract::events;
use std::path::Path;

/// The reference's sources, concatenated.
fn sources() -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut all = String::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "rs") {
            all.push_str(&std::fs::read_to_string(path).unwrap());
        }
    }
    all
}

/// The string literal an `emit(` call starts with (the event kind), when it is one.
fn emitted_literals(src: &str) -> Vec<&str> {
    src.match_indices("emit(")
        .filter(|(at, _)| !src[..*at].ends_with('.') && !src[..*at].ends_with("fn "))
        .filter_map(|(at, call)| {
            let args = src[at + call.len()..].trim_start();
            let lit = args.strip_prefix('"')?;
            Some(&lit[..lit.find('"')?])
        })
        .collect()
}

#[test]
fn every_emitted_kind_is_a_contract_event() {
    let src = sources();
    let kinds = emitted_literals(&src);
    assert!(kinds.len() > 20, "only {} emit calls found", kinds.len());
    for k in kinds {
        assert!(
            events::ALL.contains(&k),
            "the reference emits `{k}`, not in mip6lab_contract::events"
        );
    }
}

#[test]
fn every_contract_event_is_emitted_somewhere() {
    // Kinds passed through a helper (`create_child_for(…, "child_sa", …)`) are literals too.
    let src = sources();
    for k in events::ALL {
        assert!(
            src.contains(&format!("\"{k}\"")),
            "the contract names `{k}`, which the reference never emits"
        );
    }
}
