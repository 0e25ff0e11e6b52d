//! The requirement catalog as the report needs it: for each requirement ID, its sentence and
//! its RFC 2119 level. Files are TOML with `[[requirement]]` tables
//! (`fixtures/requirements/*.toml`); only the fields below are read, others are ignored.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct ReqInfo {
    pub id: String,
    pub section: String,
    /// `MUST`, `SHOULD`, `MAY`, … as the catalog spells it.
    pub level: String,
    pub role: String,
    /// The requirement's sentence.
    pub text: String,
    pub testability: String,
    /// The key word as written: `MUST` (capitals), `must` (lowercase) or `in-effect`; empty in
    /// catalogs written before the field.
    pub keyword: String,
    /// Older catalogs' flag for what `keyword = "in-effect"` says now.
    pub normative_in_effect: bool,
    /// Non-empty when the sentence obliges nobody: why.
    pub not_an_obligation: String,
}

/// What kind of statement a requirement is. Only `CAPITAL` gates by default.
pub mod kind {
    pub const CAPITAL: &str = "capital";
    pub const LOWERCASE: &str = "lowercase";
    pub const IN_EFFECT: &str = "in-effect";
    pub const NOT_AN_OBLIGATION: &str = "not-an-obligation";
    pub const ALL: [&str; 4] = [CAPITAL, LOWERCASE, IN_EFFECT, NOT_AN_OBLIGATION];
}

impl ReqInfo {
    /// One of [`kind::ALL`]. A catalog without `keyword`: capital unless it said
    /// `normative_in_effect`.
    pub fn kind(&self) -> &'static str {
        let keyword = self.keyword.trim();
        if !self.not_an_obligation.trim().is_empty() {
            kind::NOT_AN_OBLIGATION
        } else if keyword == kind::IN_EFFECT || (keyword.is_empty() && self.normative_in_effect) {
            kind::IN_EFFECT
        } else if keyword.chars().any(|c| c.is_ascii_lowercase()) {
            kind::LOWERCASE
        } else {
            kind::CAPITAL
        }
    }
}

/// A catalog's size by level and by kind, for the report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    pub total: usize,
    /// `MUST` → n, in the catalog's spelling.
    pub by_level: BTreeMap<String, usize>,
    /// [`kind::ALL`] → n; every kind is present, zero or not.
    pub by_kind: BTreeMap<&'static str, usize>,
}

impl Counts {
    pub fn of(catalog: &[ReqInfo]) -> Counts {
        let mut c = Counts {
            total: catalog.len(),
            by_kind: kind::ALL.iter().map(|k| (*k, 0)).collect(),
            ..Counts::default()
        };
        for r in catalog {
            *c.by_level.entry(r.level.trim().to_string()).or_insert(0) += 1;
            *c.by_kind.entry(r.kind()).or_insert(0) += 1;
        }
        c
    }

    /// `153 requirements; by level: MUST 111, MAY 17; by kind: capital 67, lowercase 25, …`
    /// (kinds in gating order).
    pub fn summary(&self) -> String {
        let levels: Vec<String> = self
            .by_level
            .iter()
            .map(|(l, n)| format!("{l} {n}"))
            .collect();
        let kinds: Vec<String> = kind::ALL
            .iter()
            .map(|k| format!("{} {}", k.replace('-', " "), self.by_kind[k]))
            .collect();
        format!(
            "{} requirements; by level: {}; by kind: {}",
            self.total,
            levels.join(", "),
            kinds.join(", ")
        )
    }
}

#[derive(Deserialize)]
struct File {
    #[serde(default)]
    requirement: Vec<ReqInfo>,
}

/// Parses one catalog file's text.
pub fn parse(text: &str) -> Result<Vec<ReqInfo>, String> {
    let f: File = toml::from_str(text).map_err(|e| e.to_string())?;
    Ok(f.requirement
        .into_iter()
        .filter(|r| !r.id.is_empty())
        .collect())
}

/// Loads one catalog file; a missing file is `Ok(None)`, an unreadable or malformed one an
/// error naming the file.
pub fn load(path: &Path) -> Result<Option<Vec<ReqInfo>>, String> {
    match std::fs::read_to_string(path) {
        Ok(t) => parse(&t)
            .map(Some)
            .map_err(|e| format!("{}: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

/// Loads every `*.toml` of a directory (sorted by name); a missing directory or one with no
/// catalog is `Ok(None)`. Files that do not parse are reported in the second value and skipped,
/// so one broken catalog does not hide a report.
pub fn load_dir(dir: &Path) -> (Option<Vec<ReqInfo>>, Vec<String>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return (None, Vec::new());
    };
    let mut files: Vec<_> = rd
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    load_files(&files)
}

/// Loads these catalog files, in order, as one list; missing files are left out (`None`
/// when none is there). Files that do not parse are reported in the second value and
/// skipped, so one broken catalog does not hide a report.
pub fn load_files(files: &[impl AsRef<Path>]) -> (Option<Vec<ReqInfo>>, Vec<String>) {
    let (mut all, mut errors, mut any) = (Vec::new(), Vec::new(), false);
    for f in files {
        let f = f.as_ref();
        match load(f) {
            Ok(Some(v)) => {
                any = true;
                all.extend(v);
            }
            Ok(None) => {}
            Err(e) => errors.push(e),
        }
    }
    (any.then_some(all), errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_fields_it_needs_and_ignores_the_rest() {
        let t = r#"
            title = "RFC 5026"
            [[requirement]]
            id = "RFC5026-5.1.2-MN-MUST-1"
            section = "5.1.2"
            level = "MUST"
            role = "MN"
            text = "The MN MUST query _mip6._ipv6.<domain> SRV."
            testability = "observable"
            extra = 3
            [[requirement]]
            id = "RFC5026-X-SHOULD-1"
            level = "SHOULD"
        "#;
        let v = parse(t).unwrap();
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].section, "5.1.2");
        assert_eq!(v[1].text, "");
        assert!(parse("[[requirement]\n").is_err());
    }

    #[test]
    fn kinds_and_counts() {
        let t = r#"
            [[requirement]]
            id = "A"
            level = "MUST"
            keyword = "MUST"
            [[requirement]]
            id = "B"
            level = "MUST"
            keyword = "must"
            [[requirement]]
            id = "C"
            level = "MUST"
            keyword = "in-effect"
            [[requirement]]
            id = "D"
            level = "MUST"
            keyword = "must"
            not_an_obligation = "restates another RFC"
            [[requirement]]
            id = "E"
            level = "SHOULD"
            normative_in_effect = true
            [[requirement]]
            id = "F"
            level = "MAY"
        "#;
        let v = parse(t).unwrap();
        let kinds: Vec<&str> = v.iter().map(ReqInfo::kind).collect();
        assert_eq!(
            kinds,
            [
                "capital",
                "lowercase",
                "in-effect",
                "not-an-obligation",
                "in-effect",
                "capital"
            ]
        );
        let c = Counts::of(&v);
        assert_eq!(c.by_level["MUST"], 4);
        assert_eq!(
            c.summary(),
            "6 requirements; by level: MAY 1, MUST 4, SHOULD 1; by kind: capital 2, \
             lowercase 1, in effect 2, not an obligation 1"
        );
        assert_eq!(Counts::of(&[]).by_kind["lowercase"], 0);
    }

    #[test]
    fn missing_file_is_none() {
        assert_eq!(load(Path::new("/nonexistent/x.toml")), Ok(None));
        assert_eq!(load_dir(Path::new("/nonexistent")).0, None);
        assert_eq!(load_files(&[Path::new("/nonexistent/x.toml")]).0, None);
    }

    #[test]
    fn files_load_in_order_and_a_broken_one_is_reported_and_skipped() {
        let dir = std::env::temp_dir().join(format!("mip6lab-catalogs-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let one = |id: &str| format!("[[requirement]]\nid = \"{id}\"\nlevel = \"MUST\"\n");
        std::fs::write(dir.join("b.toml"), one("B-1")).unwrap();
        std::fs::write(dir.join("a.toml"), one("A-1")).unwrap();
        std::fs::write(dir.join("bad.toml"), "[[requirement]\n").unwrap();
        let (cat, errors) =
            load_files(&[dir.join("b.toml"), dir.join("bad.toml"), dir.join("a.toml")]);
        let ids: Vec<String> = cat.unwrap().into_iter().map(|r| r.id).collect();
        assert_eq!(ids, ["B-1", "A-1"]);
        assert_eq!(errors.len(), 1);
        assert!(errors[0].contains("bad.toml"), "{errors:?}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
