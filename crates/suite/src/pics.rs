//! The IUT's PICS (protocol implementation conformance statement): which optional features it
//! supports. A test purpose lists the items it needs; an IUT that does not declare one of them
//! `true` gets NOT-APPLICABLE for that test, without a lab.
//!
//! ```toml
//! [iut]
//! name = "vendor MN 1.2"      # required; `version` is the only other key
//!
//! [pics]
//! ha.hoa.assigned = true      # dotted keys and "quoted.keys" name the same item
//! "ha.dns_update" = false
//! ```
//!
//! An item the file does not mention counts as unsupported: a PICS says what an IUT does, and
//! silence is not a claim of support.

use anyhow::{bail, Context, Result};
use std::collections::BTreeMap;
use std::path::Path;

const IUT_KEYS: [&str; 2] = ["name", "version"];

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pics {
    /// `[iut] name`.
    pub iut_name: String,
    /// `[iut] version` (empty when not given).
    pub iut_version: String,
    /// Item (dotted name) → supported.
    pub items: BTreeMap<String, bool>,
}

impl Pics {
    pub fn load(path: &Path) -> Result<Pics> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the PICS file {}", path.display()))?;
        Pics::parse(&text).with_context(|| format!("PICS file {}", path.display()))
    }

    pub fn parse(text: &str) -> Result<Pics> {
        let table: toml::Table = text.parse().context("not TOML")?;
        let mut pics = Pics::default();
        let (mut iut, mut items) = (None, None);
        for (k, v) in table {
            match (k.as_str(), v) {
                ("iut", toml::Value::Table(t)) => iut = Some(t),
                ("pics", toml::Value::Table(t)) => items = Some(t),
                ("iut" | "pics", _) => bail!("`{k}` must be a table: [{k}]"),
                _ => bail!("unknown key `{k}`: a PICS file has the tables [iut] and [pics]"),
            }
        }
        let iut = iut.context("no [iut] table (with name = \"...\")")?;
        for (k, v) in iut {
            if !IUT_KEYS.contains(&k.as_str()) {
                bail!(
                    "unknown key `{k}` in [iut] (known: {})",
                    IUT_KEYS.join(", ")
                );
            }
            let toml::Value::String(s) = v else {
                bail!("[iut] {k} = {v}: must be a string");
            };
            match k.as_str() {
                "name" => pics.iut_name = s,
                _ => pics.iut_version = s,
            }
        }
        if pics.iut_name.trim().is_empty() {
            bail!("[iut] has no name (name = \"...\")");
        }
        let items = items.context("no [pics] table (it may be empty: no optional feature)")?;
        flatten("", items, &mut pics.items)?;
        Ok(pics)
    }

    /// Whether the item is declared, and how.
    pub fn get(&self, item: &str) -> Option<bool> {
        self.items.get(item).copied()
    }

    /// Why a test needing `required` does not apply to this IUT (`PICS: ha.dns_update = false`),
    /// or None when every item is declared true.
    pub fn unmet(&self, required: &[&str]) -> Option<String> {
        let why: Vec<String> = required
            .iter()
            .filter_map(|item| match self.get(item) {
                Some(true) => None,
                Some(false) => Some(format!("{item} = false")),
                None => Some(format!("{item} not declared (counts as unsupported)")),
            })
            .collect();
        (!why.is_empty()).then(|| format!("PICS: {}", why.join(", ")))
    }

    /// As `RunResult.pics` records it: each item, plus `iut.name` (and `iut.version`).
    pub fn to_run_map(&self) -> BTreeMap<String, serde_json::Value> {
        let mut m: BTreeMap<String, serde_json::Value> = self
            .items
            .iter()
            .map(|(k, v)| (k.clone(), (*v).into()))
            .collect();
        m.insert("iut.name".into(), self.iut_name.clone().into());
        if !self.iut_version.is_empty() {
            m.insert("iut.version".into(), self.iut_version.clone().into());
        }
        m
    }
}

/// Dotted TOML keys (`ha.hoa.assigned = true`) arrive as nested tables: back to one name each.
fn flatten(prefix: &str, t: toml::Table, out: &mut BTreeMap<String, bool>) -> Result<()> {
    for (k, v) in t {
        let name = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        if k.is_empty()
            || !k.split('.').all(|p| {
                !p.is_empty()
                    && p.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            })
        {
            bail!(
                "[pics] `{name}`: an item name is dot-separated words of letters, digits, _ and -"
            );
        }
        match v {
            toml::Value::Boolean(b) => {
                // `"a.b" = true` next to `a.b = false` are two TOML keys but one item.
                if out.insert(name.clone(), b).is_some() {
                    bail!("[pics] {name} is declared twice");
                }
            }
            toml::Value::Table(sub) => flatten(&name, sub, out)?,
            other => bail!("[pics] {name} = {other}: must be true or false"),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
[iut]
name = "vendor HA"
version = "1.2"

[pics]
ha.hoa.assigned = true
ha.hoa.autoconf = false
"ha.dns_update" = true

[pics.mn.discovery]
srv = true
"#;

    #[test]
    fn dotted_quoted_and_subtable_items_read_the_same() {
        let p = Pics::parse(GOOD).unwrap();
        assert_eq!(p.iut_name, "vendor HA");
        assert_eq!(p.iut_version, "1.2");
        let names: Vec<&str> = p.items.keys().map(String::as_str).collect();
        assert_eq!(
            names,
            [
                "ha.dns_update",
                "ha.hoa.assigned",
                "ha.hoa.autoconf",
                "mn.discovery.srv"
            ]
        );
        assert_eq!(p.get("ha.hoa.autoconf"), Some(false));
        assert_eq!(p.get("ha.auth.eap"), None);
        let m = p.to_run_map();
        assert_eq!(m["ha.hoa.assigned"], true);
        assert_eq!(m["iut.name"], "vendor HA");
    }

    #[test]
    fn unmet_items_name_themselves() {
        let p = Pics::parse(GOOD).unwrap();
        assert_eq!(p.unmet(&[]), None);
        assert_eq!(p.unmet(&["ha.hoa.assigned", "ha.dns_update"]), None);
        assert_eq!(
            p.unmet(&["ha.hoa.assigned", "ha.hoa.autoconf"]).as_deref(),
            Some("PICS: ha.hoa.autoconf = false")
        );
        assert_eq!(
            p.unmet(&["ha.auth.eap", "ha.hoa.autoconf"]).as_deref(),
            Some("PICS: ha.auth.eap not declared (counts as unsupported), ha.hoa.autoconf = false")
        );
    }

    fn err(text: &str) -> String {
        format!("{:#}", Pics::parse(text).unwrap_err())
    }

    #[test]
    fn errors_are_clear() {
        let e = err("[iut]\nname = \"x\"\nvendor = \"y\"\n[pics]\n");
        assert!(e.contains("unknown key `vendor` in [iut]"), "{e}");
        let e = err("[iut]\nname = \"x\"\n[pics]\nha.dns_update = \"yes\"\n");
        assert!(
            e.contains("[pics] ha.dns_update = \"yes\": must be true or false"),
            "{e}"
        );
        let e = err("[iut]\nname = \"x\"\n[pics]\n\"ha.dns_update\" = 1\n");
        assert!(e.contains("ha.dns_update = 1"), "{e}");
        let e = err("[iut]\nname = \"x\"\n[pics]\n\"a.b\" = true\na.b = false\n");
        assert!(e.contains("a.b is declared twice"), "{e}");
        let e = err("[iut]\nname = \"x\"\n[pics]\n\"a..b\" = true\n");
        assert!(e.contains("`a..b`"), "{e}");
        let e = err("[iut]\nname = 3\n[pics]\n");
        assert!(e.contains("[iut] name = 3: must be a string"), "{e}");
        assert!(err("[pics]\n").contains("no [iut] table"));
        assert!(err("[iut]\nversion = \"1\"\n[pics]\n").contains("[iut] has no name"));
        assert!(err("[iut]\nname = \"x\"\n").contains("no [pics] table"));
        assert!(err("[iut]\nname = \"x\"\n[pics]\n[pic]\n").contains("unknown key `pic`"));
        assert!(err("iut = 1").contains("`iut` must be a table"));
        assert!(err("[iut\n").contains("not TOML"));
        // An empty [pics]: nothing optional is supported.
        let p = Pics::parse("[iut]\nname = \"x\"\n[pics]\n").unwrap();
        assert!(p.unmet(&["ha.dns_update"]).is_some());
    }

    #[test]
    fn the_reference_pics_declares_every_listed_item() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let p = Pics::load(&root.join("fixtures/pics/reference.toml")).unwrap();
        for item in [
            "ha.hoa.assigned",
            "ha.hoa.autoconf",
            "ha.dns_update",
            "ha.auth.psk",
            "ha.auth.cert",
            "ha.auth.eap",
            "mn.discovery.srv",
            "mn.discovery.name",
            "mn.hoa.autoconf",
            "mn.dns_update",
        ] {
            assert_eq!(p.get(item), Some(true), "{item}");
        }
        assert!(p.items.values().all(|v| *v));
        let e = format!(
            "{:#}",
            Pics::load(Path::new("/nonexistent/pics.toml")).unwrap_err()
        );
        assert!(e.contains("/nonexistent/pics.toml"), "{e}");
    }
}
