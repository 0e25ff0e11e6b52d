//! The requirement catalog (`fixtures/requirements/*.toml`) and traceability from test purposes
//! to requirements.
//!
//! A catalog lists every normative statement of an RFC (or an Internet-Draft) as a
//! `[[requirement]]` table, and may declare the sections it leaves out as `[[out_of_scope]]`
//! tables (the file's header comment documents the fields). [`Catalog::load`] parses and
//! validates it; [`trace`]
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

/// Who a requirement binds: an actor of the deployment as the catalogs name it (`role = "MN"`).
/// Not the role of an implementation under test ([`crate::IutRole`]): a requirement may bind
/// the DNS server, the operator or every implementation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ActorRole {
    Mn,
    Ha,
    Dns,
    Aaa,
    /// The operator (mobility service provider) and its deployment.
    Msp,
    /// The network access server with its co-located DHCPv6 relay agent (RFC 6611): relay
    /// rules (RFC 6610 §4.2, RFC 6422 §5) bind it too.
    Nas,
    /// The DHCPv6 server (RFC 6610 §4.3, RFC 6422 §6).
    Dhcp,
    /// The Mobile IPv4 foreign agent (RFC 5944; the dual-stack draft's FA).
    Fa,
    /// The dual-stack draft's foreign home agent: the Mobile IPv4 home agent of its flows
    /// (RFC 5944's "home agent" when a catalog imports Mobile IPv4 statements).
    Fha,
    /// Every implementation that sends or receives the item.
    Any,
}

impl ActorRole {
    pub const ALL: [ActorRole; 10] = [
        ActorRole::Mn,
        ActorRole::Ha,
        ActorRole::Dns,
        ActorRole::Aaa,
        ActorRole::Msp,
        ActorRole::Nas,
        ActorRole::Dhcp,
        ActorRole::Fa,
        ActorRole::Fha,
        ActorRole::Any,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ActorRole::Mn => "MN",
            ActorRole::Ha => "HA",
            ActorRole::Dns => "DNS",
            ActorRole::Aaa => "AAA",
            ActorRole::Msp => "MSP",
            ActorRole::Nas => "NAS",
            ActorRole::Dhcp => "DHCP",
            ActorRole::Fa => "FA",
            ActorRole::Fha => "FHA",
            ActorRole::Any => "ANY",
        }
    }

    pub fn parse(s: &str) -> Option<ActorRole> {
        ActorRole::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

impl fmt::Display for ActorRole {
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

/// The Internet-Drafts a catalog may cite (`draft = "…"`), each with the short name its
/// requirement IDs start with: a draft has no number to put after `RFC`.
const DRAFTS: [(&str, &str); 1] = [("draft-qin-mip6-dsbootstrapping-00", "DSB")];

/// The document a statement comes from: an RFC (`rfc = 5026`) or an Internet-Draft
/// (`draft = "draft-qin-mip6-dsbootstrapping-00"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Source {
    Rfc(u32),
    Draft {
        name: &'static str,
        /// What its IDs start with (`DSB`).
        id_prefix: &'static str,
    },
}

impl Source {
    /// A known draft by its full name (with the version).
    pub fn draft(name: &str) -> Option<Source> {
        DRAFTS
            .into_iter()
            .find(|(n, _)| *n == name)
            .map(|(name, id_prefix)| Source::Draft { name, id_prefix })
    }

    /// What requirement IDs from this source start with: `RFC5026`, `DSB`.
    pub fn id_prefix(self) -> String {
        match self {
            Source::Rfc(n) => format!("RFC{n}"),
            Source::Draft { id_prefix, .. } => id_prefix.to_string(),
        }
    }

    pub fn rfc(self) -> Option<u32> {
        match self {
            Source::Rfc(n) => Some(n),
            Source::Draft { .. } => None,
        }
    }

    /// The source of an on-disk table: exactly one of `rfc` and `draft`.
    fn of_fields(rfc: Option<u32>, draft: Option<&str>) -> Result<Source, String> {
        let known = || {
            DRAFTS
                .iter()
                .map(|(n, _)| *n)
                .collect::<Vec<_>>()
                .join(", ")
        };
        match (rfc, draft) {
            (Some(n), None) => Ok(Source::Rfc(n)),
            (None, Some(d)) => Source::draft(d)
                .ok_or_else(|| format!("unknown draft `{d}` (known drafts: {})", known())),
            (Some(_), Some(_)) => Err("both `rfc` and `draft`: give one source".into()),
            (None, None) => Err("no source: give `rfc` or `draft`".into()),
        }
    }
}

/// `RFC 5026`, or the draft's name.
impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Rfc(n) => write!(f, "RFC {n}"),
            Source::Draft { name, .. } => f.write_str(name),
        }
    }
}

/// One catalog entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    pub id: String,
    /// The RFC or draft holding the sentence (for an imported statement: the imported RFC).
    pub source: Source,
    pub section: String,
    pub level: Level,
    pub role: ActorRole,
    /// The sentence, verbatim.
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
    /// The ID's stable part before the level: `RFC5026-5.1.2-MN-`, `DSB-4.1.1-FA-`.
    fn id_stem(&self) -> String {
        format!(
            "{}-{}-{}-",
            self.source.id_prefix(),
            self.section,
            self.role
        )
    }

    /// True for a sentence without a capitalized key word that is normative all the same.
    pub fn normative_in_effect(&self) -> bool {
        !matches!(self.keyword, Keyword::Capital(_))
    }

    /// The mechanical honesty check: the keyword occurs in the text as a whole word, in the
    /// case the entry claims (an in-effect entry has no word to find).
    pub fn keyword_is_in_text(&self) -> bool {
        self.keyword.word().is_none_or(|w| has_word(&self.text, &w))
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
    rfc: Option<u32>,
    draft: Option<String>,
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
struct RawOutOfScope {
    rfc: Option<u32>,
    draft: Option<String>,
    sections: Vec<String>,
    reason: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCatalog {
    #[serde(default)]
    requirement: Vec<RawRequirement>,
    #[serde(default)]
    out_of_scope: Vec<RawOutOfScope>,
}

/// Sections of a source the catalog deliberately leaves out, and why: the scope made
/// reviewable. A section is a number (`4.3`) or a range (`3.9-3.11`), as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutOfScope {
    pub source: Source,
    pub sections: Vec<String>,
    pub reason: String,
}

/// A validated requirement catalog, in file (RFC text) order.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    entries: Vec<Requirement>,
    index: HashMap<String, usize>,
    out_of_scope: Vec<OutOfScope>,
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
            let one = Catalog::load(path)?;
            for r in one.entries {
                if all.index.contains_key(&r.id) {
                    bail!("{}: {} is in another catalog too", path.display(), r.id);
                }
                all.index.insert(r.id.clone(), all.entries.len());
                all.entries.push(r);
            }
            all.out_of_scope.extend(one.out_of_scope);
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
            let source = Source::of_fields(r.rfc, r.draft.as_deref());
            if let Err(e) = &source {
                bad(e.clone());
            }
            let level = Level::parse(&r.level);
            if level.is_none() {
                bad(format!("unknown level `{}`", r.level));
            }
            let role = ActorRole::parse(&r.role);
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
            let (Ok(source), Some(level), Some(role), Some(testability), Some(keyword)) =
                (source, level, role, testability, keyword)
            else {
                continue;
            };
            entries.push(Requirement {
                id: r.id,
                source,
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
        let out_of_scope = out_of_scope_of(raw.out_of_scope, &mut problems);
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
        Ok(Catalog {
            entries,
            index,
            out_of_scope,
        })
    }

    /// The declared out-of-scope sections, in file order.
    pub fn out_of_scope(&self) -> &[OutOfScope] {
        &self.out_of_scope
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

    pub fn count_by_role(&self) -> BTreeMap<ActorRole, usize> {
        count(self.iter().map(|r| r.role))
    }

    /// Entries per RFC or draft (imported statements count under the imported RFC).
    pub fn count_by_source(&self) -> BTreeMap<Source, usize> {
        count(self.iter().map(|r| r.source))
    }

    /// One line per dimension, for reports:
    /// `MUST 3, MAY 1 | capital 2, in-effect 2 | MN 2, HA 2 | wire 3, config 1`, then
    /// `| out of scope 2` when the catalog declares out-of-scope sections.
    pub fn summary(&self) -> String {
        fn join<K: fmt::Display>(m: BTreeMap<K, usize>) -> String {
            m.iter()
                .map(|(k, n)| format!("{k} {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        }
        let out_of_scope = match self.out_of_scope.len() {
            0 => String::new(),
            n => format!(" | out of scope {n}"),
        };
        format!(
            "{} requirements | {} | {} | {} | {}{out_of_scope}",
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

/// Validates the `[[out_of_scope]]` tables: a source, at least one section, none blank, and
/// a reason.
fn out_of_scope_of(raw: Vec<RawOutOfScope>, problems: &mut Vec<String>) -> Vec<OutOfScope> {
    let mut declared = Vec::with_capacity(raw.len());
    for (i, o) in raw.into_iter().enumerate() {
        let mut bad = |msg: &str| problems.push(format!("out_of_scope #{}: {msg}", i + 1));
        let source = Source::of_fields(o.rfc, o.draft.as_deref());
        if let Err(e) = &source {
            bad(e);
        }
        if o.sections.is_empty() {
            bad("no sections");
        }
        if o.sections.iter().any(|s| s.trim().is_empty()) {
            bad("a blank section");
        }
        if o.reason.trim().is_empty() {
            bad("empty reason (say why the sections are left out)");
        }
        if let Ok(source) = source {
            declared.push(OutOfScope {
                source,
                sections: o.sections,
                reason: o.reason,
            });
        }
    }
    declared
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

/// ID rules: unique; `RFC<rfc>-<section>-<role>-<LEVEL>-<k>` (a draft's: `DSB-…`) matching
/// the entry's source, section and role; per `RFC…-<LEVEL>-` prefix, k = 1, 2, 3, … in file order. An ID is a
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
        let Some((level_part, k)) =
            r.id.strip_prefix(&stem)
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
            ("not wire requirements, or not obligations", &self.not_wire),
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
#[path = "requirements_tests.rs"]
mod tests;
