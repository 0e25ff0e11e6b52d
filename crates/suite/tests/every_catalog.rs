//! Every requirement catalog under `fixtures/requirements/` loads with the real loader, whether
//! or not a suite lists it yet, and no ID is in two of them.

use mip6lab_suite::requirements::Catalog;
use std::path::PathBuf;

fn catalog_files() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/requirements");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_catalog_file_loads_and_validates() {
    let files = catalog_files();
    assert!(files.len() >= 3, "{files:?}");
    let mut problems = Vec::new();
    for f in &files {
        match Catalog::load(f) {
            Ok(c) if c.is_empty() => problems.push(format!("{}: no requirement", f.display())),
            Ok(c) => println!("{}: {}", f.display(), c.summary()),
            Err(e) => problems.push(format!("{e:#}")),
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn no_id_is_in_two_catalogs() {
    Catalog::load_all(&catalog_files()).unwrap_or_else(|e| panic!("{e:#}"));
}
