//! The dual-stack encoding profile: which registry entry carries each item that
//! draft-qin-mip6-dsbootstrapping-00 names, in which message. The draft defines no code points
//! (§5: no IANA considerations), so this is a lab choice, argued in
//! `fixtures/profiles/dualstack.md` and written as data in `fixtures/profiles/dualstack.toml`.
//!
//! Codecs and dissectors ask the profile instead of hard-coding numbers: a MIPv4 dissector that
//! meets NVSE 134 / org 32473 / type 1 asks [`Profile::item_of`] and gets
//! [`Item::Ipv6HomeAddress`]; an emitter asks [`Profile::carrier_of`].
//!
//! **A vendor with other code points** writes its own TOML in the same format (one `[[row]]`
//! per item and message; the lab file's header lists the fields) and loads it with
//! [`Profile::from_toml`]; nothing else changes. Choosing the file by an environment variable
//! or a CLI flag is left to the harness that wires this in.

use serde::Deserialize;
use std::fmt;

/// The lab profile's text, compiled in.
pub const LAB_TOML: &str = include_str!("../../../fixtures/profiles/dualstack.toml");

/// Critical Vendor/Organization Specific Extension type (RFC 3115 §2.1).
pub const CVSE: u8 = 38;
/// Normal Vendor/Organization Specific Extension type (RFC 3115 §2.2).
pub const NVSE: u8 = 134;
/// RADIUS Vendor-Specific attribute type (RFC 2865 §5.26).
const RADIUS_VENDOR_SPECIFIC: i64 = 26;
/// Largest SMI enterprise code: the Vendor/Org-ID's high octet is 0 (RFC 3115 §2.1, RFC 2865
/// §5.26).
const MAX_ENTERPRISE: i64 = 0x00ff_ffff;

macro_rules! keyed {
    ($(#[$m:meta])* pub enum $name:ident { $($(#[$d:meta])* $v:ident = $k:literal,)* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($(#[$d])* $v,)* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v,)*];

            /// The key the TOML uses.
            pub fn key(self) -> &'static str {
                match self { $($name::$v => $k,)* }
            }

            pub fn from_key(key: &str) -> Option<$name> {
                match key { $($k => Some($name::$v),)* _ => None }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.key())
            }
        }
    };
}

keyed! {
    /// An item the draft names (its §3, §4.1.1, §4.1.2, §4.2.1).
    pub enum Item {
        /// The MN's NAI (§3: identity configured out of band).
        Nai = "nai",
        /// The Foreign Home Agent the NAS/AAA assigns (§3, §4.1.1).
        FhaAddress = "fha-address",
        /// The co-located care-of address the NAS/AAA assigns (§4.1.1).
        CoLocatedCoa = "co-located-coa",
        /// The temporary IPv4 home address (§2 THOAv4; RFC 2794 dynamic HoA, §4.1.1).
        ThoaV4 = "thoa-v4",
        /// The IPv6 home address, from the FHA's reply (§4.1.1).
        Ipv6HomeAddress = "ipv6-hoa",
        /// The IPv6 home prefix, where an address is not given whole.
        Ipv6HomePrefix = "ipv6-home-prefix",
        /// The IPv6 home agent's address (§4.1.1 "HA assignment", §4.2.1).
        Ipv6HaAddress = "ipv6-ha-address",
        /// The IPv6 care-of address (§4.1.1).
        Ipv6CareOf = "ipv6-coa",
        /// MN-AAA authentication of the registration (§4: [MIP4CHAL]).
        MnAaaAuth = "mn-aaa-auth",
        /// MN-HA (here MN-FHA) authentication of the registration.
        MnHaAuth = "mn-ha-auth",
        /// The MN asks the AAA for MN-HA key material (§6: [MIPKEYS]).
        MnHaKeygenRequest = "mn-ha-keygen-request",
        /// The key material for the MN (§6: [MIPKEYS]).
        MnHaKeygenReply = "mn-ha-keygen-reply",
        /// The MN-HA key for the FHA, from the AAAH.
        MnHaKey = "mn-ha-key",
    }
}

keyed! {
    /// A message an item travels in.
    pub enum Message {
        /// NAS → AAA at network access (draft steps 1–2).
        AccessRequest = "access-request",
        /// AAA → NAS (step 3).
        AccessAccept = "access-accept",
        /// FHA → AAAH (step 5).
        FhaAccessRequest = "fha-access-request",
        /// AAAH → FHA (step 5).
        FhaAccessAccept = "fha-access-accept",
        /// MN → FHA Registration Request (step 4).
        Rrq = "rrq",
        /// FHA → MN Registration Reply (step 6).
        Rrp = "rrp",
        /// MN → IPv6 HA Binding Update.
        Bu = "bu",
        /// IPv6 HA → MN Binding Acknowledgement.
        Ba = "ba",
    }
}

keyed! {
    /// A fixed field of the Mobile IPv4 registration messages (RFC 5944 §3.3, §3.4).
    pub enum Mip4Field {
        HomeAddress = "home-address",
        HomeAgent = "home-agent",
        /// In the Request only (RFC 5944 §3.3; the Reply has none, §3.4).
        CareOfAddress = "care-of-address",
    }
}

/// Which protocol a message or carrier belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Radius,
    Mip4,
    MobilityHeader,
}

impl Message {
    pub fn family(self) -> Family {
        match self {
            Message::AccessRequest
            | Message::AccessAccept
            | Message::FhaAccessRequest
            | Message::FhaAccessAccept => Family::Radius,
            Message::Rrq | Message::Rrp => Family::Mip4,
            Message::Bu | Message::Ba => Family::MobilityHeader,
        }
    }
}

/// Where an item sits on the wire. Plain numbers, so any codec can match on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Carrier {
    /// A Mobile IPv4 extension, with its subtype where the type has subtypes.
    Mip4Extension { kind: u8, subtype: Option<u8> },
    /// A CVSE (38) or NVSE (134): organization (SMI code) and vendor type (RFC 3115 §2).
    Mip4Vendor {
        kind: u8,
        org: u32,
        vendor_type: u16,
    },
    /// A fixed field of the RRQ/RRP.
    Mip4Field(Mip4Field),
    /// A RADIUS attribute (not Vendor-Specific).
    RadiusAttribute(u8),
    /// A Vendor-Specific (26) sub-attribute: vendor (SMI code) and vendor type.
    RadiusVendor { vendor: u32, kind: u8 },
    /// A mobility option type.
    MobilityOption(u8),
}

impl Carrier {
    pub fn family(&self) -> Family {
        match self {
            Carrier::Mip4Extension { .. } | Carrier::Mip4Vendor { .. } | Carrier::Mip4Field(_) => {
                Family::Mip4
            }
            Carrier::RadiusAttribute(_) | Carrier::RadiusVendor { .. } => Family::Radius,
            Carrier::MobilityOption(_) => Family::MobilityHeader,
        }
    }
}

impl fmt::Display for Carrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Carrier::Mip4Extension {
                kind,
                subtype: None,
            } => write!(f, "MIPv4 extension {kind}"),
            Carrier::Mip4Extension {
                kind,
                subtype: Some(s),
            } => write!(f, "MIPv4 extension {kind} subtype {s}"),
            Carrier::Mip4Vendor {
                kind,
                org,
                vendor_type,
            } => {
                let name = if *kind == CVSE { "CVSE" } else { "NVSE" };
                write!(f, "{name} {kind} org {org} type {vendor_type}")
            }
            Carrier::Mip4Field(field) => write!(f, "MIPv4 {field} field"),
            Carrier::RadiusAttribute(t) => write!(f, "RADIUS attribute {t}"),
            Carrier::RadiusVendor { vendor, kind } => {
                write!(f, "RADIUS Vendor-Specific {vendor}/{kind}")
            }
            Carrier::MobilityOption(t) => write!(f, "mobility option {t}"),
        }
    }
}

/// One row: `item` travels in `message` as `carrier`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub item: Item,
    pub message: Message,
    pub carrier: Carrier,
    /// Where the code point is defined (RFC and section, or vendor dictionary).
    pub source: String,
    /// The choice rests on a lab convention rather than a registry entry for this item.
    pub convention: bool,
    pub note: String,
}

/// What is wrong with a profile file; `row` is 1-based in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileError {
    pub row: Option<usize>,
    pub what: String,
}

impl fmt::Display for ProfileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.row {
            Some(r) => write!(f, "profile row {r}: {}", self.what),
            None => write!(f, "profile: {}", self.what),
        }
    }
}

impl std::error::Error for ProfileError {}

/// A dual-stack encoding profile: rows, each item at most once per message, each carrier
/// naming one item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    rows: Vec<Row>,
}

/// The lab's profile ([`Profile::lab`]), what a decoder uses unless handed a vendor's.
impl Default for Profile {
    fn default() -> Profile {
        Profile::lab()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    row: Vec<RawRow>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawRow {
    item: String,
    message: String,
    carrier: String,
    #[serde(rename = "type")]
    kind: Option<i64>,
    subtype: Option<i64>,
    org: Option<i64>,
    vendor: Option<i64>,
    vendor_type: Option<i64>,
    field: Option<String>,
    source: String,
    convention: bool,
    #[serde(default)]
    note: String,
}

impl RawRow {
    /// The carrier the row describes, with every number in range and no field left over.
    fn carrier(&self) -> Result<Carrier, String> {
        let num = |name: &str, v: Option<i64>, lo: i64, hi: i64| -> Result<i64, String> {
            let v = v.ok_or_else(|| format!("carrier {} needs `{name}`", self.carrier))?;
            if (lo..=hi).contains(&v) {
                Ok(v)
            } else {
                Err(format!("`{name}` {v} is out of range {lo}..={hi}"))
            }
        };
        let allowed: &[&str] = match self.carrier.as_str() {
            "mip4-ext" => &["type", "subtype"],
            "mip4-vendor" => &["type", "org", "vendor-type"],
            "mip4-field" => &["field"],
            "radius-attr" | "mobility-option" => &["type"],
            "radius-vsa" => &["vendor", "type"],
            other => {
                return Err(format!(
                    "unknown carrier `{other}` (mip4-ext, mip4-vendor, mip4-field, radius-attr, \
                     radius-vsa, mobility-option)"
                ))
            }
        };
        let given = [
            ("type", self.kind.is_some()),
            ("subtype", self.subtype.is_some()),
            ("org", self.org.is_some()),
            ("vendor", self.vendor.is_some()),
            ("vendor-type", self.vendor_type.is_some()),
            ("field", self.field.is_some()),
        ];
        if let Some((extra, _)) = given.iter().find(|(n, set)| *set && !allowed.contains(n)) {
            return Err(format!(
                "`{extra}` does not apply to carrier {}",
                self.carrier
            ));
        }
        Ok(match self.carrier.as_str() {
            "mip4-ext" => {
                let kind = num("type", self.kind, 0, 255)? as u8;
                if kind == CVSE || kind == NVSE {
                    return Err(format!(
                        "type {kind} is a vendor extension: use carrier mip4-vendor"
                    ));
                }
                let subtype = match self.subtype {
                    Some(_) => Some(num("subtype", self.subtype, 0, 255)? as u8),
                    None => None,
                };
                Carrier::Mip4Extension { kind, subtype }
            }
            "mip4-vendor" => {
                let kind = num("type", self.kind, 0, 255)? as u8;
                if kind != CVSE && kind != NVSE {
                    return Err(format!(
                        "mip4-vendor type {kind} must be {CVSE} (CVSE) or {NVSE} (NVSE)"
                    ));
                }
                Carrier::Mip4Vendor {
                    kind,
                    org: num("org", self.org, 0, MAX_ENTERPRISE)? as u32,
                    vendor_type: num("vendor-type", self.vendor_type, 0, 0xffff)? as u16,
                }
            }
            "mip4-field" => {
                let f = self.field.as_deref().unwrap_or_default();
                Carrier::Mip4Field(Mip4Field::from_key(f).ok_or_else(|| {
                    format!("unknown field `{f}` (home-address, home-agent, care-of-address)")
                })?)
            }
            "radius-attr" => {
                let t = num("type", self.kind, 1, 255)?;
                if t == RADIUS_VENDOR_SPECIFIC {
                    return Err("type 26 is Vendor-Specific: use carrier radius-vsa".into());
                }
                Carrier::RadiusAttribute(t as u8)
            }
            "radius-vsa" => Carrier::RadiusVendor {
                vendor: num("vendor", self.vendor, 1, MAX_ENTERPRISE)? as u32,
                kind: num("type", self.kind, 0, 255)? as u8,
            },
            // 0 and 1 are Pad1 and PadN (RFC 6275 §6.2.2, §6.2.3).
            _ => Carrier::MobilityOption(num("type", self.kind, 2, 255)? as u8),
        })
    }

    fn into_row(self) -> Result<Row, String> {
        let item =
            Item::from_key(&self.item).ok_or_else(|| format!("unknown item `{}`", self.item))?;
        let message = Message::from_key(&self.message)
            .ok_or_else(|| format!("unknown message `{}`", self.message))?;
        let carrier = self.carrier()?;
        if carrier.family() != message.family() {
            return Err(format!("{carrier} cannot travel in message {message}"));
        }
        if carrier == Carrier::Mip4Field(Mip4Field::CareOfAddress) && message == Message::Rrp {
            return Err("a Registration Reply has no Care-of Address field (RFC 5944 §3.4)".into());
        }
        if self.source.trim().is_empty() {
            return Err("`source` is empty: say where the code point is defined".into());
        }
        Ok(Row {
            item,
            message,
            carrier,
            source: self.source,
            convention: self.convention,
            note: self.note,
        })
    }
}

impl Profile {
    /// Reads and validates a profile. Errors name the row (1-based) and what is wrong with it:
    /// an unknown item, message or carrier, a number out of range, a field that does not
    /// belong, a carrier in the wrong protocol, an item twice in one message, or one carrier
    /// for two items.
    pub fn from_toml(text: &str) -> Result<Profile, ProfileError> {
        let raw: RawFile = toml::from_str(text).map_err(|e| ProfileError {
            row: None,
            what: e.to_string().trim_end().to_owned(),
        })?;
        let mut rows: Vec<Row> = Vec::with_capacity(raw.row.len());
        for (i, r) in raw.row.into_iter().enumerate() {
            let at = |what: String| ProfileError {
                row: Some(i + 1),
                what,
            };
            let label = format!("item `{}` in `{}`", r.item, r.message);
            let row = r.into_row().map_err(|e| at(format!("{label}: {e}")))?;
            if let Some(j) = rows
                .iter()
                .position(|o| o.item == row.item && o.message == row.message)
            {
                return Err(at(format!("{label} again (row {} has it already)", j + 1)));
            }
            if let Some(j) = rows
                .iter()
                .position(|o| o.carrier == row.carrier && o.item != row.item)
            {
                return Err(at(format!(
                    "{label}: {} already carries `{}` (row {})",
                    row.carrier,
                    rows[j].item,
                    j + 1
                )));
            }
            rows.push(row);
        }
        Ok(Profile { rows })
    }

    /// The lab's profile (`fixtures/profiles/dualstack.toml`, compiled in; its tests keep it
    /// valid).
    pub fn lab() -> Profile {
        Profile::from_toml(LAB_TOML).expect("fixtures/profiles/dualstack.toml is valid")
    }

    /// The item the profile carries in a CVSE/NVSE of `kind` (38, 134) with this
    /// organization and vendor type, for naming it in a transcript.
    pub fn vendor_item(&self, kind: u8, org: u32, vendor_type: u16) -> Option<Item> {
        self.item_of(&Carrier::Mip4Vendor {
            kind,
            org,
            vendor_type,
        })
    }

    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    /// How `item` travels in `message`, if the profile carries it there.
    pub fn carrier_of(&self, item: Item, message: Message) -> Option<&Carrier> {
        self.row(item, message).map(|r| &r.carrier)
    }

    /// The row for `item` in `message`.
    pub fn row(&self, item: Item, message: Message) -> Option<&Row> {
        self.rows
            .iter()
            .find(|r| r.item == item && r.message == message)
    }

    /// Every row that carries `item`, in file order.
    pub fn rows_of(&self, item: Item) -> impl Iterator<Item = &Row> {
        self.rows.iter().filter(move |r| r.item == item)
    }

    /// The item `carrier` carries in this profile (the same in every message it is in).
    pub fn item_of(&self, carrier: &Carrier) -> Option<Item> {
        self.rows
            .iter()
            .find(|r| r.carrier == *carrier)
            .map(|r| r.item)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One row in TOML, the fields after `item`/`message` as given.
    fn one(item: &str, message: &str, rest: &str) -> String {
        format!(
            "[[row]]\nitem = \"{item}\"\nmessage = \"{message}\"\n{rest}\n\
             source = \"test\"\nconvention = true\n"
        )
    }

    fn err(text: &str) -> ProfileError {
        Profile::from_toml(text).unwrap_err()
    }

    #[test]
    fn the_lab_profile_loads_and_covers_every_item() {
        let p = Profile::lab();
        for item in Item::ALL {
            assert!(p.rows_of(*item).next().is_some(), "{item} has no row");
        }
        // Every item the MN needs for Mobile IPv6 reaches it in the FHA's reply.
        for item in [
            Item::Ipv6HomeAddress,
            Item::Ipv6HaAddress,
            Item::Ipv6CareOf,
            Item::ThoaV4,
        ] {
            assert!(p.carrier_of(item, Message::Rrp).is_some(), "{item}");
        }
    }

    #[test]
    fn lookups_go_both_ways() {
        let p = Profile::lab();
        for r in p.rows() {
            assert_eq!(p.item_of(&r.carrier), Some(r.item), "{}", r.carrier);
            assert_eq!(p.carrier_of(r.item, r.message), Some(&r.carrier));
        }
        assert_eq!(
            p.item_of(&Carrier::Mip4Vendor {
                kind: NVSE,
                org: 32473,
                vendor_type: 1
            }),
            Some(Item::Ipv6HomeAddress)
        );
        assert_eq!(
            p.item_of(&Carrier::Mip4Extension {
                kind: 131,
                subtype: None
            }),
            Some(Item::Nai)
        );
        assert_eq!(
            p.carrier_of(Item::ThoaV4, Message::Rrq),
            Some(&Carrier::Mip4Field(Mip4Field::HomeAddress))
        );
        assert_eq!(p.item_of(&Carrier::RadiusAttribute(97)), None);
        assert_eq!(p.carrier_of(Item::Nai, Message::Bu), None);
    }

    #[test]
    fn keys_round_trip() {
        for i in Item::ALL {
            assert_eq!(Item::from_key(i.key()), Some(*i));
        }
        for m in Message::ALL {
            assert_eq!(Message::from_key(m.key()), Some(*m));
        }
    }

    #[test]
    fn a_vendor_profile_with_other_numbers_loads() {
        let text = [
            one(
                "ipv6-hoa",
                "rrp",
                "carrier = \"mip4-ext\"\ntype = 200\nsubtype = 3",
            ),
            one(
                "ipv6-hoa",
                "bu",
                "carrier = \"mobility-option\"\ntype = 240",
            ),
        ]
        .concat();
        let p = Profile::from_toml(&text).unwrap();
        assert_eq!(
            p.item_of(&Carrier::Mip4Extension {
                kind: 200,
                subtype: Some(3)
            }),
            Some(Item::Ipv6HomeAddress)
        );
        assert_eq!(p.rows().len(), 2);
    }

    #[test]
    fn bad_rows_say_which_row_and_why() {
        let good = one("nai", "rrq", "carrier = \"mip4-ext\"\ntype = 131");
        let cases: &[(&str, &str)] = &[
            ("no-such-item", "unknown item `no-such-item`"),
            ("nai-in-bad-message", "unknown message `rrx`"),
            ("wrong-carrier", "unknown carrier `mip4-extension`"),
            ("type-range", "`type` 300 is out of range 0..=255"),
            ("org-range", "`org` 16777216 is out of range 0..=16777215"),
            ("missing", "carrier mip4-vendor needs `vendor-type`"),
            ("extra", "`org` does not apply to carrier mip4-ext"),
            ("family", "RADIUS attribute 8 cannot travel in message rrq"),
            ("vsa-as-attr", "type 26 is Vendor-Specific"),
            ("vendor-as-ext", "type 134 is a vendor extension"),
            (
                "not-vendor",
                "mip4-vendor type 39 must be 38 (CVSE) or 134 (NVSE)",
            ),
            (
                "rrp-coa",
                "a Registration Reply has no Care-of Address field",
            ),
            ("padn", "`type` 1 is out of range 2..=255"),
            ("twice", "item `nai` in `rrq` again (row 1 has it already)"),
            (
                "shared",
                "MIPv4 extension 131 already carries `nai` (row 1)",
            ),
        ];
        for (case, want) in cases {
            let bad = match *case {
                "no-such-item" => one("no-such-item", "rrq", "carrier = \"mip4-ext\"\ntype = 1"),
                "nai-in-bad-message" => one("nai", "rrx", "carrier = \"mip4-ext\"\ntype = 1"),
                "wrong-carrier" => one("nai", "rrp", "carrier = \"mip4-extension\""),
                "type-range" => one("nai", "rrp", "carrier = \"mip4-ext\"\ntype = 300"),
                "org-range" => one(
                    "nai",
                    "rrp",
                    "carrier = \"mip4-vendor\"\ntype = 38\norg = 16777216\nvendor-type = 1",
                ),
                "missing" => one(
                    "nai",
                    "rrp",
                    "carrier = \"mip4-vendor\"\ntype = 38\norg = 1",
                ),
                "extra" => one("nai", "rrp", "carrier = \"mip4-ext\"\ntype = 1\norg = 5"),
                "family" => one(
                    "co-located-coa",
                    "rrq",
                    "carrier = \"radius-attr\"\ntype = 8",
                ),
                "vsa-as-attr" => one(
                    "nai",
                    "access-request",
                    "carrier = \"radius-attr\"\ntype = 26",
                ),
                "vendor-as-ext" => one("nai", "rrp", "carrier = \"mip4-ext\"\ntype = 134"),
                "not-vendor" => one(
                    "nai",
                    "rrp",
                    "carrier = \"mip4-vendor\"\ntype = 39\norg = 1\nvendor-type = 1",
                ),
                "rrp-coa" => one(
                    "co-located-coa",
                    "rrp",
                    "carrier = \"mip4-field\"\nfield = \"care-of-address\"",
                ),
                "padn" => one("nai", "bu", "carrier = \"mobility-option\"\ntype = 1"),
                "twice" => one("nai", "rrq", "carrier = \"mip4-ext\"\ntype = 200"),
                _ => one("thoa-v4", "rrp", "carrier = \"mip4-ext\"\ntype = 131"),
            };
            let e = err(&format!("{good}{bad}"));
            assert_eq!(e.row, Some(2), "{case}: {e}");
            assert!(e.to_string().contains(want), "{case}: {e}");
            assert!(e.to_string().starts_with("profile row 2: "), "{case}: {e}");
        }
    }

    #[test]
    fn malformed_toml_and_unknown_fields_are_errors() {
        let e = err("[[row]]\nitem = \"nai\"\n");
        assert_eq!(e.row, None);
        assert!(e.what.contains("missing field"), "{e}");
        let e = err(&one(
            "nai",
            "rrq",
            "carrier = \"mip4-ext\"\ntype = 131\ncolour = 1",
        ));
        assert!(e.what.contains("unknown field `colour`"), "{e}");
        let e = err(&one("nai", "rrq", "carrier = \"mip4-ext\"\ntype = 131")
            .replace("source = \"test\"", "source = \" \""));
        assert!(e.what.contains("`source` is empty"), "{e}");
        assert_eq!(Profile::from_toml("").unwrap().rows().len(), 0);
    }
}
