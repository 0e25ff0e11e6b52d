//! The requirement catalog as the report needs it: for each requirement ID, its sentence and
//! its RFC 2119 level. Files are TOML with `[[requirement]]` tables
//! (`fixtures/requirements/*.toml`); only the fields below are read, others are ignored.

use serde::Deserialize;
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
