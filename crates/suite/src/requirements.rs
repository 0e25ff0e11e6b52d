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

    /// The level an ID spells (`MUST-NOT`).
    fn from_id_form(s: &str) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.id_form() == s)
    }

    /// Synonyms share a strength (RFC 2119: MUST = REQUIRED = SHALL, SHOULD = RECOMMENDED,
    /// MAY = OPTIONAL, and the same for the negations).
    pub fn strength(self) -> Level {
        match self {
            Level::Must | Level::Shall | Level::Required => Level::Must,
            Level::MustNot | Level::ShallNot => Level::MustNot,
            Level::Should | Level::Recommended => Level::Should,
            Level::ShouldNot | Level::NotRecommended => Level::ShouldNot,
            Level::May | Level::Optional => Level::May,
        }
    }
}

/// How the sentence states its obligation, as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Keyword {
    /// A BCP 14 key word in capitals (`MUST`): the only kind that gates by default.
    Capital(Level),
    /// The same word in lowercase (`must`, `is required`): normative in effect, not BCP 14.
    Lowercase(Level),
    /// No key word: indicative procedure text ("the Mobile Node constructs a DNS request"),
    /// a field definition, or another verb ("requires", "is expected to").
    InEffect,
}

impl Keyword {
    pub const IN_EFFECT: &'static str = "in-effect";

    /// `MUST`, `must not`, or `in-effect`, as the catalog's `keyword` field spells it.
    pub fn parse(s: &str) -> Option<Keyword> {
        if s == Self::IN_EFFECT {
            return Some(Keyword::InEffect);
        }
        if let Some(l) = Level::parse(s) {
            return Some(Keyword::Capital(l));
        }
        Level::ALL
            .into_iter()
            .find(|l| l.as_str().to_ascii_lowercase() == s)
            .map(Keyword::Lowercase)
    }

    /// The word as written in the sentence (`None` for in-effect).
    pub fn word(self) -> Option<String> {
        match self {
            Keyword::Capital(l) => Some(l.as_str().to_string()),
            Keyword::Lowercase(l) => Some(l.as_str().to_ascii_lowercase()),
            Keyword::InEffect => None,
        }
    }

    /// The level the word expresses (`None` for in-effect).
    pub fn level(self) -> Option<Level> {
        match self {
            Keyword::Capital(l) | Keyword::Lowercase(l) => Some(l),
            Keyword::InEffect => None,
        }
    }
}

impl fmt::Display for Keyword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.word().as_deref().unwrap_or(Keyword::IN_EFFECT))
    }
}

/// What kind of statement an entry is, for counts and for the gate: only `Capital` entries
/// gate by default; `Lowercase` and `InEffect` gate under the strict profile; a
/// `NotAnObligation` never gates and needs no test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Capital,
    Lowercase,
    InEffect,
    NotAnObligation,
}

impl Kind {
    pub const ALL: [Kind; 4] = [
        Kind::Capital,
        Kind::Lowercase,
        Kind::InEffect,
        Kind::NotAnObligation,
    ];

    /// As results.json and the report spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Capital => "capital",
            Kind::Lowercase => "lowercase",
            Kind::InEffect => "in-effect",
            Kind::NotAnObligation => "not-an-obligation",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether `word` occurs in `text` as a whole word (case-sensitive; inner spaces match any
/// run of whitespace).
fn has_word(text: &str, word: &str) -> bool {
    let words: Vec<&str> = text
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
        .collect();
    let want: Vec<&str> = word.split_whitespace().collect();
    words.windows(want.len()).any(|w| w == want.as_slice())
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
    /// The key word as written (or in-effect).
    pub keyword: Keyword,
    /// Why a lowercase or in-effect sentence is normative all the same.
    pub justification: Option<String>,
    /// Set when the sentence, read as written, obliges nobody: why.
    pub not_an_obligation: Option<String>,
    /// What a re-read changed in this entry, and why.
    pub revised: Option<String>,
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
    /// The ID's stable part before the level: `RFC5026-5.1.2-MN-`.
    fn id_stem(&self) -> String {
        format!("RFC{}-{}-{}-", self.rfc, self.section, self.role)
    }

    /// True for a sentence without a capitalized key word that is normative all the same.
    pub fn normative_in_effect(&self) -> bool {
        !matches!(self.keyword, Keyword::Capital(_))
    }

    pub fn is_obligation(&self) -> bool {
        self.not_an_obligation.is_none()
    }

    pub fn kind(&self) -> Kind {
        match (self.is_obligation(), self.keyword) {
            (false, _) => Kind::NotAnObligation,
            (true, Keyword::Capital(_)) => Kind::Capital,
            (true, Keyword::Lowercase(_)) => Kind::Lowercase,
            (true, Keyword::InEffect) => Kind::InEffect,
        }
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
    keyword: Option<String>,
    /// Before `keyword`: true for in-effect; still read, and checked against `keyword`.
    normative_in_effect: Option<bool>,
    justification: Option<String>,
    not_an_obligation: Option<String>,
    revised: Option<String>,
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
            let keyword = match (&r.keyword, level) {
                (Some(k), _) => {
                    let parsed = Keyword::parse(k);
                    if parsed.is_none() {
                        bad(format!(
                            "unknown keyword `{k}` (a BCP 14 key word in capitals or in \
                             lowercase, as written, or `{}`)",
                            Keyword::IN_EFFECT
                        ));
                    }
                    parsed
                }
                // Catalogs written before `keyword` said only whether it was in effect.
                (None, Some(l)) if r.normative_in_effect != Some(true) => Some(Keyword::Capital(l)),
                (None, _) => Some(Keyword::InEffect),
            };
            if let Some(k) = keyword {
                problems_of_keyword(&r, k, level, &mut bad);
            }
            if r.not_an_obligation.is_some() && blank(&r.not_an_obligation) {
                bad("empty not_an_obligation (say why the sentence obliges nobody)".into());
            }
            if r.revised.is_some() && blank(&r.revised) {
                bad("empty revised".into());
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
            let (Some(level), Some(role), Some(testability), Some(keyword)) =
                (level, role, testability, keyword)
            else {
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
                keyword,
                justification: r.justification,
                not_an_obligation: r.not_an_obligation,
                revised: r.revised,
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

    /// Capital / lowercase / in-effect / not an obligation.
    pub fn count_by_kind(&self) -> BTreeMap<Kind, usize> {
        count(self.iter().map(Requirement::kind))
    }

    pub fn count_by_testability(&self) -> BTreeMap<Testability, usize> {
        count(self.iter().map(|r| r.testability))
    }

    pub fn count_by_role(&self) -> BTreeMap<Role, usize> {
        count(self.iter().map(|r| r.role))
    }

    /// One line per dimension, for reports:
    /// `MUST 3, MAY 1 | capital 2, in-effect 2 | MN 2, HA 2 | wire 3, config 1`.
    pub fn summary(&self) -> String {
        fn join<K: fmt::Display>(m: BTreeMap<K, usize>) -> String {
            m.iter()
                .map(|(k, n)| format!("{k} {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        }
        format!(
            "{} requirements | {} | {} | {} | {}",
            self.len(),
            join(self.count_by_level()),
            join(self.count_by_kind()),
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

/// The checks of an entry's `keyword` against its level, text and justification.
fn problems_of_keyword(
    r: &RawRequirement,
    keyword: Keyword,
    level: Option<Level>,
    bad: &mut impl FnMut(String),
) {
    if let (Some(said), Some(level)) = (keyword.level(), level) {
        if said.strength() != level.strength() {
            bad(format!(
                "keyword `{keyword}` says {} but level is {level} (level is the strength the \
                 sentence has as written)",
                said.strength()
            ));
        }
    }
    // The mechanical check that keeps the catalog honest: the word is in the sentence, in
    // the case the entry claims.
    if let Some(word) = keyword.word() {
        if !has_word(&r.text, &word) {
            bad(format!("keyword `{word}` is not in its text as written"));
        }
    }
    let capital = matches!(keyword, Keyword::Capital(_));
    if !capital && blank(&r.justification) {
        bad(format!(
            "keyword `{keyword}` (no BCP 14 capital) needs a justification"
        ));
    }
    if let (Some(in_effect), Some(_)) = (r.normative_in_effect, &r.keyword) {
        if in_effect == capital {
            bad(format!(
                "normative_in_effect = {in_effect} contradicts keyword `{keyword}` (leave \
                 normative_in_effect out: keyword decides)"
            ));
        }
    }
}

/// ID rules: unique; `RFC<rfc>-<section>-<role>-<LEVEL>-<k>` matching the entry's rfc,
/// section and role; per `RFC…-<LEVEL>-` prefix, k = 1, 2, 3, … in file order. An ID is a
/// stable name: its LEVEL records the level at creation, and an entry whose `level` was
/// corrected since keeps its ID and says why in `revised`.
fn check_ids(entries: &[Requirement]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    let mut next_k: HashMap<String, u32> = HashMap::new();
    for r in entries {
        if !seen.insert(r.id.as_str()) {
            problems.push(format!("{}: duplicate id", r.id));
            continue;
        }
        let stem = r.id_stem();
        let expected_form = format!("{stem}{}-<k>", r.level.id_form());
        let Some((level_part, k)) = r
            .id
            .strip_prefix(&stem)
            .and_then(|rest| rest.rsplit_once('-'))
        else {
            problems.push(format!(
                "{}: id does not match its fields (expected `{expected_form}`)",
                r.id
            ));
            continue;
        };
        let Some(id_level) = Level::from_id_form(level_part) else {
            problems.push(format!(
                "{}: id does not match its fields (expected `{expected_form}`)",
                r.id
            ));
            continue;
        };
        if id_level != r.level && blank(&r.revised) {
            problems.push(format!(
                "{}: level is {} but the id says {id_level}: keep the id (a stable name) and \
                 say in `revised` why the level changed",
                r.id, r.level
            ));
        }
        let prefix = format!("{stem}{level_part}-");
        let expected = next_k.entry(prefix.clone()).or_insert(1);
        match k.parse::<u32>() {
            Ok(n) if n.to_string() == k && n == *expected => *expected += 1,
            Ok(n) if n.to_string() == k => {
                problems.push(format!(
                    "{}: numbering not contiguous: expected `{prefix}{}` here (k counts from 1 \
                     in text order)",
                    r.id, *expected
                ));
                *expected = n.max(*expected) + 1;
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
    /// `wire` obligations no test cites, in catalog order (an entry that is not an
    /// obligation needs no test).
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
        .filter(|r| r.testability == Testability::Wire && r.is_obligation())
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
    /// Listed IDs that are in the catalog but not `wire`, or not an obligation.
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
            (
                "not wire requirements, or not obligations",
                &self.not_wire,
            ),
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
                Some(r) if r.testability != Testability::Wire || !r.is_obligation() => {
                    c.not_wire.push(id.clone())
                }
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

    /// One MN entry of section 6 (`RFC5026-6-MN-<ID level>-1`) with these extra lines.
    fn keyed(id_level: &str, level: &str, text: &str, extra: &str) -> String {
        format!(
            "[[requirement]]\nid = \"RFC5026-6-MN-{id_level}-1\"\nrfc = 5026\nsection = \"6\"\n\
             level = \"{level}\"\nrole = \"MN\"\ntext = \"{text}\"\ntestability = \"wire\"\n\
             observe = \"the BU\"\n{extra}\n"
        )
    }

    #[rstest]
    #[case::capital("MUST", "MUST", "The MN MUST send it.", "keyword = \"MUST\"", Kind::Capital)]
    #[case::capital_negation("MUST NOT", "MUST NOT", "It MUST NOT send it.", "keyword = \"MUST NOT\"", Kind::Capital)]
    #[case::synonym("MUST", "MUST", "It is REQUIRED.", "keyword = \"REQUIRED\"", Kind::Capital)]
    #[case::lowercase("MUST", "MUST", "The MN must send it.", "keyword = \"must\"\njustification = \"j\"", Kind::Lowercase)]
    #[case::lowercase_required("MUST", "MUST", "The MN is required to send it.", "keyword = \"required\"\njustification = \"j\"", Kind::Lowercase)]
    #[case::in_effect("MUST", "MUST", "The MN sends it.", "keyword = \"in-effect\"\njustification = \"j\"", Kind::InEffect)]
    #[case::legacy_in_effect("MUST", "MUST", "The MN sends it.", "normative_in_effect = true\njustification = \"j\"", Kind::InEffect)]
    #[case::legacy_capital("MUST", "MUST", "The MN MUST send it.", "normative_in_effect = false", Kind::Capital)]
    #[case::not_an_obligation("MUST", "MUST", "As an example, the MN sends it.", "keyword = \"in-effect\"\njustification = \"j\"\nnot_an_obligation = \"an example\"", Kind::NotAnObligation)]
    #[case::level_revised("MUST", "MAY", "The MN can send it.", "keyword = \"in-effect\"\njustification = \"j\"\nrevised = \"can is a permission\"", Kind::InEffect)]
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
    #[case::capital_not_in_text("The MN must send it.", "keyword = \"MUST\"", "keyword `MUST` is not in its text")]
    #[case::lowercase_not_in_text("The MN MUST send it.", "keyword = \"must\"\njustification = \"j\"", "keyword `must` is not in its text")]
    #[case::part_of_a_word("The MN mustn't send it.", "keyword = \"must\"\njustification = \"j\"", "keyword `must` is not in its text")]
    #[case::weaker_word("The MN SHOULD send it.", "keyword = \"SHOULD\"", "keyword `SHOULD` says SHOULD but level is MUST")]
    #[case::unknown_word("The MN shall send it.", "keyword = \"Must\"", "unknown keyword `Must`")]
    #[case::lowercase_without_justification("The MN must send it.", "keyword = \"must\"", "needs a justification")]
    #[case::in_effect_without_justification("The MN sends it.", "keyword = \"in-effect\"", "needs a justification")]
    #[case::legacy_flag_contradicts("The MN MUST send it.", "keyword = \"MUST\"\nnormative_in_effect = true\njustification = \"j\"", "contradicts keyword `MUST`")]
    #[case::legacy_capital_not_in_text("The MN sends it.", "normative_in_effect = false", "keyword `MUST` is not in its text")]
    #[case::blank_not_an_obligation("The MN MUST send it.", "keyword = \"MUST\"\nnot_an_obligation = \" \"", "empty not_an_obligation")]
    fn invalid_keywords(#[case] text: &str, #[case] extra: &str, #[case] problem: &str) {
        let e = err(&keyed("MUST", "MUST", text, extra));
        assert!(e.contains("RFC5026-6-MN-MUST-1: "), "{e}");
        assert!(e.contains(problem), "{e}");
    }

    #[test]
    fn a_changed_level_keeps_the_id_and_says_why() {
        let e = err(&keyed("MUST", "MAY", "The MN can send it.", "keyword = \"in-effect\"\njustification = \"j\""));
        assert!(e.contains("level is MAY but the id says MUST"), "{e}");
        // The numbering follows the id's level part: a second MUST-numbered entry is 2.
        let t = keyed("MUST", "MAY", "The MN can send it.", "keyword = \"in-effect\"\njustification = \"j\"\nrevised = \"r\"")
            + &keyed("MUST", "MUST", "The MN MUST send it.", "").replace("MN-MUST-1", "MN-MUST-2");
        assert_eq!(Catalog::parse(&t).unwrap().len(), 2);
        let t = keyed("MAY", "MAY", "The MN MAY send it.", "")
            + &keyed("MUST", "MAY", "The MN can send it.", "keyword = \"in-effect\"\njustification = \"j\"\nrevised = \"r\"");
        assert_eq!(Catalog::parse(&t).unwrap().len(), 2, "MAY-1 and MUST-1 number apart");
    }

    #[test]
    fn obligations_alone_need_tests() {
        let t = keyed("MUST", "MUST", "The MN MUST send it.", "")
            + &keyed("MUST", "MUST", "As an example, the MN sends it.", "keyword = \"in-effect\"\njustification = \"j\"\nnot_an_obligation = \"an example\"").replace("MN-MUST-1", "MN-MUST-2");
        let c = Catalog::parse(&t).unwrap();
        let tr = trace(&c, &[("TP-A", &["RFC5026-6-MN-MUST-2"])]);
        assert_eq!(tr.uncovered_wire, vec!["RFC5026-6-MN-MUST-1"]);
        assert_eq!(tr.coverage.wire, 1);
        let p = tr.check_pending(&c, &parse_pending("RFC5026-6-MN-MUST-1\nRFC5026-6-MN-MUST-2\n"));
        assert_eq!(p.not_wire, vec!["RFC5026-6-MN-MUST-2"]);
        assert!(c.summary().contains("| capital 1, not-an-obligation 1 |"), "{}", c.summary());
    }

    #[test]
    fn keyword_words() {
        assert_eq!(Keyword::parse("must not"), Some(Keyword::Lowercase(Level::MustNot)));
        assert_eq!(Keyword::parse("NOT RECOMMENDED"), Some(Keyword::Capital(Level::NotRecommended)));
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
}
