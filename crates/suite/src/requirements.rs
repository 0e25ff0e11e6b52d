//! The requirement catalog (`fixtures/requirements/*.toml`) and traceability from test purposes
//! to requirements.
//!
//! A catalog lists every normative statement of an RFC as a `[[requirement]]` table (the file's
//! header comment documents the fields). [`Catalog::load`] parses and validates it; [`trace`]
//! checks which requirements the test purposes cite and which `wire` requirements no test covers
//! yet; [`Trace::check_pending`] compares that gap with the committed list of pending IDs.

use anyhow::{bail, Context};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::path::Path;

/// Requirement level (BCP 14 key words).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Level {
    Must,
    MustNot,
    Shall,
    ShallNot,
    Required,
    Should,
    ShouldNot,
    Recommended,
    NotRecommended,
    May,
    Optional,
}

impl Level {
    pub const ALL: [Level; 11] = [
        Level::Must,
        Level::MustNot,
        Level::Shall,
        Level::ShallNot,
        Level::Required,
        Level::Should,
        Level::ShouldNot,
        Level::Recommended,
        Level::NotRecommended,
        Level::May,
        Level::Optional,
    ];

    /// The key word as the catalog's `level` field spells it (`MUST NOT`).
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Must => "MUST",
            Level::MustNot => "MUST NOT",
            Level::Shall => "SHALL",
            Level::ShallNot => "SHALL NOT",
            Level::Required => "REQUIRED",
            Level::Should => "SHOULD",
            Level::ShouldNot => "SHOULD NOT",
            Level::Recommended => "RECOMMENDED",
            Level::NotRecommended => "NOT RECOMMENDED",
            Level::May => "MAY",
            Level::Optional => "OPTIONAL",
        }
    }

    /// The key word as requirement IDs spell it (`MUST-NOT`).
    pub fn id_form(self) -> String {
        self.as_str().replace(' ', "-")
    }

    pub fn parse(s: &str) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.as_str() == s)
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who a requirement binds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    Mn,
    Ha,
    Dns,
    Aaa,
    /// The operator (mobility service provider) and its deployment.
    Msp,
    /// Every implementation that sends or receives the item.
    Any,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Mn,
        Role::Ha,
        Role::Dns,
        Role::Aaa,
        Role::Msp,
        Role::Any,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Mn => "MN",
            Role::Ha => "HA",
            Role::Dns => "DNS",
            Role::Aaa => "AAA",
            Role::Msp => "MSP",
            Role::Any => "ANY",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a requirement can be verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Testability {
    /// Observable in traffic or peer state by a harness that plays the peer.
    Wire,
    /// Needs a PICS/PIXIT answer to be tested.
    Config,
    Untestable,
}

impl Testability {
    pub const ALL: [Testability; 3] = [
        Testability::Wire,
        Testability::Config,
        Testability::Untestable,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Testability::Wire => "wire",
            Testability::Config => "config",
            Testability::Untestable => "untestable",
        }
    }

    pub fn parse(s: &str) -> Option<Testability> {
        Testability::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

impl fmt::Display for Testability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One catalog entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    pub id: String,
    pub rfc: u32,
    pub section: String,
    pub level: Level,
    pub role: Role,
    /// The RFC sentence, verbatim.
    pub text: String,
    /// For a sentence split into several entries: which obligation this one is.
    pub part: Option<String>,
    /// True for a sentence without a capitalized key word that is normative all the same.
    pub normative_in_effect: bool,
    pub justification: Option<String>,
    pub testability: Testability,
    /// Why the requirement is not `wire`.
    pub reason: Option<String>,
    pub pics: Option<String>,
    /// For `wire`: what a test observes.
    pub observe: Option<String>,
    /// For an imported statement: where the catalog's RFC relies on it.
    pub imported_by: Option<String>,
}

impl Requirement {
    /// The ID without its trailing number: `RFC5026-5.1.2-MN-MUST-`.
    fn id_prefix(&self) -> String {
        format!(
            "RFC{}-{}-{}-{}-",
            self.rfc,
            self.section,
            self.role,
            self.level.id_form()
        )
    }
}

/// The on-disk form, with plain strings so that errors can name the entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRequirement {
    id: String,
    rfc: u32,
    section: String,
    level: String,
    role: String,
    text: String,
    part: Option<String>,
    #[serde(default)]
    normative_in_effect: bool,
    justification: Option<String>,
    testability: String,
    reason: Option<String>,
    pics: Option<String>,
    observe: Option<String>,
    imported_by: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCatalog {
    #[serde(default)]
    requirement: Vec<RawRequirement>,
}

/// A validated requirement catalog, in file (RFC text) order.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    entries: Vec<Requirement>,
    index: HashMap<String, usize>,
}

fn blank(s: &Option<String>) -> bool {
    s.as_deref().is_none_or(|s| s.trim().is_empty())
}

impl Catalog {
    /// Reads and validates a catalog file.
    pub fn load(path: impl AsRef<Path>) -> anyhow::Result<Catalog> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading requirement catalog {}", path.display()))?;
        Catalog::parse(&text).with_context(|| format!("requirement catalog {}", path.display()))
    }

    /// Reads several catalog files as one (a suite citing more than one); an ID in two files
    /// is an error.
    pub fn load_all(paths: &[impl AsRef<Path>]) -> anyhow::Result<Catalog> {
        let mut all = Catalog::default();
        for path in paths {
            let path = path.as_ref();
            for r in Catalog::load(path)?.entries {
                if all.index.contains_key(&r.id) {
                    bail!("{}: {} is in another catalog too", path.display(), r.id);
                }
                all.index.insert(r.id.clone(), all.entries.len());
                all.entries.push(r);
            }
        }
        Ok(all)
    }

    /// Parses and validates catalog text. The error lists every problem found, each naming
    /// its entry.
    pub fn parse(text: &str) -> anyhow::Result<Catalog> {
        let raw: RawCatalog = toml::from_str(text).context("not a valid catalog")?;
        let mut problems = Vec::new();
        let mut entries = Vec::with_capacity(raw.requirement.len());
        for (i, r) in raw.requirement.into_iter().enumerate() {
            let name = if r.id.trim().is_empty() {
                format!("entry #{}", i + 1)
            } else {
                r.id.clone()
            };
            let mut bad = |msg: String| problems.push(format!("{name}: {msg}"));
            let level = Level::parse(&r.level);
            if level.is_none() {
                bad(format!("unknown level `{}`", r.level));
            }
            let role = Role::parse(&r.role);
            if role.is_none() {
                bad(format!("unknown role `{}`", r.role));
            }
            let testability = Testability::parse(&r.testability);
            if testability.is_none() {
                bad(format!("unknown testability `{}`", r.testability));
            }
            if r.section.trim().is_empty() {
                bad("empty section".into());
            }
            if r.text.trim().is_empty() {
                bad("empty text".into());
            }
            if r.normative_in_effect && blank(&r.justification) {
                bad("normative_in_effect = true needs a justification".into());
            }
            if matches!(testability, Some(t) if t != Testability::Wire) && blank(&r.reason) {
                bad(format!("testability `{}` needs a reason", r.testability));
            }
            if testability == Some(Testability::Wire) && blank(&r.observe) {
                bad("a wire requirement needs `observe`".into());
            }
            if r.imported_by.is_some() && blank(&r.imported_by) {
                bad("empty imported_by".into());
            }
            let (Some(level), Some(role), Some(testability)) = (level, role, testability) else {
                continue;
            };
            entries.push(Requirement {
                id: r.id,
                rfc: r.rfc,
                section: r.section,
                level,
                role,
                text: r.text,
                part: r.part,
                normative_in_effect: r.normative_in_effect,
                justification: r.justification,
                testability,
                reason: r.reason,
                pics: r.pics,
                observe: r.observe,
                imported_by: r.imported_by,
            });
        }
        problems.extend(check_ids(&entries));
        if !problems.is_empty() {
            bail!(
                "{} problem(s):\n  {}",
                problems.len(),
                problems.join("\n  ")
            );
        }
        let index = entries
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id.clone(), i))
            .collect();
        Ok(Catalog { entries, index })
    }

    pub fn get(&self, id: &str) -> Option<&Requirement> {
        self.index.get(id).map(|&i| &self.entries[i])
    }

    pub fn contains(&self, id: &str) -> bool {
        self.index.contains_key(id)
    }

    /// The entries in file order.
    pub fn iter(&self) -> std::slice::Iter<'_, Requirement> {
        self.entries.iter()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn count_by_level(&self) -> BTreeMap<Level, usize> {
        count(self.iter().map(|r| r.level))
    }

    pub fn count_by_testability(&self) -> BTreeMap<Testability, usize> {
        count(self.iter().map(|r| r.testability))
    }

    pub fn count_by_role(&self) -> BTreeMap<Role, usize> {
        count(self.iter().map(|r| r.role))
    }

    /// One line per dimension, for reports: `MUST 3, MAY 1 | MN 2, HA 2 | wire 3, config 1`.
    pub fn summary(&self) -> String {
        fn join<K: fmt::Display>(m: BTreeMap<K, usize>) -> String {
            m.iter()
                .map(|(k, n)| format!("{k} {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        }
        format!(
            "{} requirements | {} | {} | {}",
            self.len(),
            join(self.count_by_level()),
            join(self.count_by_role()),
            join(self.count_by_testability())
        )
    }
}

impl<'a> IntoIterator for &'a Catalog {
    type Item = &'a Requirement;
    type IntoIter = std::slice::Iter<'a, Requirement>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

fn count<K: Ord>(keys: impl Iterator<Item = K>) -> BTreeMap<K, usize> {
    let mut m = BTreeMap::new();
    for k in keys {
        *m.entry(k).or_insert(0) += 1;
    }
    m
}

/// ID rules: unique; `RFC<rfc>-<section>-<role>-<LEVEL>-<k>` matching the entry's fields; and
/// per prefix, k = 1, 2, 3, … in file order.
fn check_ids(entries: &[Requirement]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    let mut next_k: HashMap<String, u32> = HashMap::new();
    for r in entries {
        if !seen.insert(r.id.as_str()) {
            problems.push(format!("{}: duplicate id", r.id));
            continue;
        }
        let prefix = r.id_prefix();
        let Some(k) = r.id.strip_prefix(&prefix) else {
            problems.push(format!(
                "{}: id does not match its fields (expected `{prefix}<k>`)",
                r.id
            ));
            continue;
        };
        let expected = next_k.entry(prefix.clone()).or_insert(1);
        match k.parse::<u32>() {
            Ok(k) if k.to_string() == r.id[prefix.len()..] && k == *expected => *expected += 1,
            Ok(k) if k.to_string() == r.id[prefix.len()..] => {
                problems.push(format!(
                    "{}: numbering not contiguous: expected `{prefix}{}` here (k counts from 1 \
                     in text order)",
                    r.id, *expected
                ));
                *expected = k.max(*expected) + 1;
            }
            _ => problems.push(format!("{}: `{k}` is not a number k >= 1", r.id)),
        }
    }
    problems
}

/// A test citing a requirement ID the catalog does not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownCitation {
    pub test: String,
    pub requirement: String,
}

/// Coverage numbers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Coverage {
    pub requirements: usize,
    pub wire: usize,
    pub wire_covered: usize,
    /// Distinct catalog requirements cited by at least one test (any testability).
    pub cited: usize,
    pub tests: usize,
}

impl Coverage {
    /// Percentage of `wire` requirements that at least one test cites.
    pub fn wire_percent(&self) -> f64 {
        if self.wire == 0 {
            100.0
        } else {
            100.0 * self.wire_covered as f64 / self.wire as f64
        }
    }
}

impl fmt::Display for Coverage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} tests; wire requirements covered {}/{} ({:.1}%); {} of {} requirements cited",
            self.tests,
            self.wire_covered,
            self.wire,
            self.wire_percent(),
            self.cited,
            self.requirements
        )
    }
}

/// The result of [`trace`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Trace {
    /// Citations of IDs that are not in the catalog, in test order.
    pub unknown: Vec<UnknownCitation>,
    /// `wire` requirements no test cites, in catalog order.
    pub uncovered_wire: Vec<String>,
    /// Tests that cite no requirement at all.
    pub tests_citing_nothing: Vec<String>,
    /// For each cited catalog requirement, the tests citing it.
    pub covered_by: BTreeMap<String, Vec<String>>,
    pub coverage: Coverage,
}

/// Traces test purposes (test id, cited requirement ids) against a catalog.
pub fn trace(catalog: &Catalog, tests: &[(&str, &[&str])]) -> Trace {
    let mut t = Trace::default();
    for &(test, reqs) in tests {
        if reqs.is_empty() {
            t.tests_citing_nothing.push(test.to_string());
        }
        for &req in reqs {
            if catalog.contains(req) {
                let by = t.covered_by.entry(req.to_string()).or_default();
                if !by.iter().any(|x| x == test) {
                    by.push(test.to_string());
                }
            } else {
                t.unknown.push(UnknownCitation {
                    test: test.to_string(),
                    requirement: req.to_string(),
                });
            }
        }
    }
    let wire: Vec<&Requirement> = catalog
        .iter()
        .filter(|r| r.testability == Testability::Wire)
        .collect();
    t.uncovered_wire = wire
        .iter()
        .filter(|r| !t.covered_by.contains_key(&r.id))
        .map(|r| r.id.clone())
        .collect();
    t.coverage = Coverage {
        requirements: catalog.len(),
        wire: wire.len(),
        wire_covered: wire.len() - t.uncovered_wire.len(),
        cited: t.covered_by.len(),
        tests: tests.len(),
    };
    t
}

/// How the committed list of pending (uncovered `wire`) IDs differs from a [`Trace`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PendingCheck {
    /// Listed as pending but cited by a test now: remove them from the list.
    pub stale: Vec<String>,
    /// Uncovered `wire` requirements missing from the list.
    pub new_gaps: Vec<String>,
    /// Listed IDs that are not in the catalog.
    pub unknown: Vec<String>,
    /// Listed IDs that are in the catalog but not `wire`.
    pub not_wire: Vec<String>,
    /// IDs listed more than once.
    pub duplicates: Vec<String>,
}

impl PendingCheck {
    pub fn is_ok(&self) -> bool {
        self.stale.is_empty()
            && self.new_gaps.is_empty()
            && self.unknown.is_empty()
            && self.not_wire.is_empty()
            && self.duplicates.is_empty()
    }
}

impl fmt::Display for PendingCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let groups = [
            ("covered now, remove from the pending list", &self.stale),
            (
                "uncovered wire requirements missing from the pending list",
                &self.new_gaps,
            ),
            ("not in the catalog", &self.unknown),
            ("not wire requirements", &self.not_wire),
            ("listed more than once", &self.duplicates),
        ];
        for (what, ids) in groups {
            if !ids.is_empty() {
                writeln!(f, "{what} ({}):", ids.len())?;
                for id in ids {
                    writeln!(f, "  {id}")?;
                }
            }
        }
        Ok(())
    }
}

/// Parses a pending list: one ID per line; blank lines and `#` comments are ignored.
pub fn parse_pending(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

impl Trace {
    /// Compares the committed pending list with the uncovered `wire` requirements.
    pub fn check_pending(&self, catalog: &Catalog, pending: &[String]) -> PendingCheck {
        let mut c = PendingCheck::default();
        let mut listed = BTreeSet::new();
        for id in pending {
            if !listed.insert(id.as_str()) {
                c.duplicates.push(id.clone());
                continue;
            }
            match catalog.get(id) {
                None => c.unknown.push(id.clone()),
                Some(r) if r.testability != Testability::Wire => c.not_wire.push(id.clone()),
                Some(_) if self.covered_by.contains_key(id) => c.stale.push(id.clone()),
                Some(_) => {}
            }
        }
        c.new_gaps = self
            .uncovered_wire
            .iter()
            .filter(|id| !listed.contains(id.as_str()))
            .cloned()
            .collect();
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str, section: &str, role: &str, level: &str, testability: &str) -> String {
        let extra = match testability {
            "wire" => "observe = \"the query\"".to_string(),
            _ => "reason = \"needs PIXIT\"".to_string(),
        };
        format!(
            "[[requirement]]\nid = \"{id}\"\nrfc = 5026\nsection = \"{section}\"\n\
             level = \"{level}\"\nrole = \"{role}\"\ntext = \"A sentence.\"\n\
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
        assert_eq!(c.count_by_role()[&Role::Mn], 3);
        let ids: Vec<&str> = c.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids[0], "RFC5026-5.1.1-MN-MUST-1");
        assert_eq!((&c).into_iter().count(), 5);
        assert!(c
            .summary()
            .starts_with("5 requirements | MUST 2, MUST NOT 1,"));
    }

    #[test]
    fn duplicate_ids_are_named() {
        let t = small() + &entry("RFC5026-5.1.1-MN-MUST-1", "5.1.1", "MN", "MUST", "wire");
        assert!(err(&t).contains("RFC5026-5.1.1-MN-MUST-1: duplicate id"));
    }

    #[test]
    fn id_must_match_fields() {
        let t = entry("RFC5026-5.1.1-HA-MUST-1", "5.1.1", "MN", "MUST", "wire");
        assert!(err(&t).contains("expected `RFC5026-5.1.1-MN-MUST-<k>`"));
        let t = entry("RFC5026-6-HA-MUST NOT-1", "6", "HA", "MUST NOT", "wire");
        assert!(err(&t).contains("expected `RFC5026-6-HA-MUST-NOT-<k>`"));
        let t = entry("RFC5026-6-HA-MUST-x", "6", "HA", "MUST", "wire");
        assert!(err(&t).contains("`x` is not a number"));
        let t = entry("RFC5026-6-HA-MUST-01", "6", "HA", "MUST", "wire");
        assert!(err(&t).contains("`01` is not a number"));
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

    #[test]
    fn unknown_values_and_missing_fields_are_named() {
        let t = entry("RFC5026-6-HA-MUSTN'T-1", "6", "HA", "MUSTN'T", "wire");
        assert!(err(&t).contains("RFC5026-6-HA-MUSTN'T-1: unknown level `MUSTN'T`"));
        let t = entry("RFC5026-6-CN-MUST-1", "6", "CN", "MUST", "wire");
        assert!(err(&t).contains("RFC5026-6-CN-MUST-1: unknown role `CN`"));
        let t = entry("RFC5026-6-HA-MUST-1", "6", "HA", "MUST", "maybe");
        assert!(err(&t).contains("unknown testability `maybe`"));
        let t = entry("RFC5026-6-HA-MUST-1", "6", "HA", "MUST", "config")
            .replace("reason = \"needs PIXIT\"", "");
        assert!(err(&t).contains("RFC5026-6-HA-MUST-1: testability `config` needs a reason"));
        let t = entry("RFC5026-6-HA-MUST-1", "6", "HA", "MUST", "wire")
            .replace("observe = \"the query\"", "observe = \" \"");
        assert!(err(&t).contains("a wire requirement needs `observe`"));
        let t = entry("RFC5026-6-HA-MUST-1", "6", "HA", "MUST", "wire")
            + "normative_in_effect = true\n";
        assert!(err(&t).contains("needs a justification"));
        let t = entry("RFC5026-6-HA-MUST-1", "6", "HA", "MUST", "wire") + "colour = \"red\"\n";
        assert!(err(&t).contains("unknown field"));
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

    #[test]
    fn level_id_forms() {
        assert_eq!(Level::NotRecommended.id_form(), "NOT-RECOMMENDED");
        assert_eq!(Level::parse("SHALL NOT"), Some(Level::ShallNot));
        assert_eq!(Level::parse("must"), None);
    }
}
