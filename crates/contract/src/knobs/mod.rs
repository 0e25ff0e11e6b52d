//! The reference implementation's knobs: settings (`MIP6LAB_KNOBS=name=value,…`) that either
//! make it break a requirement on purpose (a *mutant*: the suite proves it discriminates by
//! catching each one) or make it provoke something in the peer under test (a *stimulus*, set
//! on a harness peer: an MN that names a foreign FQDN, an HA that is down).
//!
//! Each knob is declared once, in `table.rs`: the [`Knobs`] field the reference reads, its
//! row in [`KNOBS`] (roles, accepted values, conforming default, kind, the catalog
//! requirements a mutant breaks) and its parse arm all come from that one row.

use crate::IutRole;
use std::fmt;
use std::net::Ipv6Addr;

mod table;

pub use table::{Knobs, KNOBS};

/// What a knob does when set away from its default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KnobKind {
    /// Set to `value`, the reference breaks the requirements `breaks` (catalog IDs).
    Mutant {
        value: &'static str,
        breaks: &'static [&'static str],
    },
    /// Provokes a situation for the peer under test; breaks nothing by itself.
    Stimulus,
}

/// The values a knob accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Values {
    /// `true`/`false` (also `yes`/`no`, `1`/`0`).
    Flag,
    /// A whole number in `min..=max`.
    Int { min: u32, max: u32 },
    /// Any text.
    Text,
    /// A DNS RR type mnemonic, any case (kept upper-case; the MN checks it when it queries).
    RecordType,
    /// One of these words.
    OneOf(&'static [&'static str]),
    /// An IPv6 address; empty: none.
    Ipv6,
    /// A mobility option type (0..=255) the decoder does not know; empty: none.
    UnknownMhOption,
}

/// A knob value that its [`Values`] accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Flag(bool),
    Int(u32),
    Text(String),
    Addr(Ipv6Addr),
    /// Empty, for knobs whose default is "none".
    Unset,
}

impl Values {
    /// `text` as a value of this kind, or `None` when it is not one.
    pub fn check(&self, text: &str) -> Option<Value> {
        match *self {
            Values::Flag => match text {
                "true" | "yes" | "1" => Some(Value::Flag(true)),
                "false" | "no" | "0" => Some(Value::Flag(false)),
                _ => None,
            },
            Values::Int { min, max } => text
                .parse::<u32>()
                .ok()
                .filter(|n| (min..=max).contains(n))
                .map(Value::Int),
            Values::Text => Some(Value::Text(text.to_string())),
            Values::RecordType => Some(Value::Text(text.to_ascii_uppercase())),
            Values::OneOf(words) => words.contains(&text).then(|| Value::Text(text.to_string())),
            Values::Ipv6 | Values::UnknownMhOption if text.is_empty() => Some(Value::Unset),
            Values::Ipv6 => text.parse().ok().map(Value::Addr),
            Values::UnknownMhOption => text
                .parse::<u8>()
                .ok()
                .filter(|t| !mip6lab_wire::mh::options::is_known(*t))
                .map(|t| Value::Int(t.into())),
        }
    }

    /// The accepted values, for error lines and `mip6lab knobs`.
    pub fn describe(&self) -> String {
        match self {
            Values::Flag => "true/false".into(),
            Values::Int { min, max } => format!("a number {min}..={max}"),
            Values::Text => "any text".into(),
            Values::RecordType => "a DNS record type (AAAA, A, …)".into(),
            Values::OneOf(words) => format!("one of {}", words.join(", ")),
            Values::Ipv6 => "an IPv6 address".into(),
            Values::UnknownMhOption => "an unassigned mobility option type (0..=255)".into(),
        }
    }
}

/// One knob of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Knob {
    /// `role.name`, as set in `MIP6LAB_KNOBS`.
    pub name: &'static str,
    /// The IUT roles whose behaviour it changes: a mutant can only be caught by tests with
    /// one of them under test.
    pub roles: &'static [IutRole],
    pub values: Values,
    /// The conforming value, as knob text (empty: none).
    pub default: &'static str,
    pub kind: KnobKind,
    /// One line: what the knob changes.
    pub text: &'static str,
}

impl Knob {
    /// The catalog requirement IDs a mutant breaks; none for a stimulus.
    pub fn breaks(&self) -> &'static [&'static str] {
        match self.kind {
            KnobKind::Mutant { breaks, .. } => breaks,
            KnobKind::Stimulus => &[],
        }
    }

    pub fn is_stimulus(&self) -> bool {
        self.kind == KnobKind::Stimulus
    }

    /// The `name=value` setting that breaks the requirements, for a mutant.
    pub fn mutant(&self) -> Option<String> {
        match self.kind {
            KnobKind::Mutant { value, .. } => Some(format!("{}={value}", self.name)),
            KnobKind::Stimulus => None,
        }
    }

    pub fn affects(&self, role: IutRole) -> bool {
        self.roles.contains(&role)
    }

    /// `REQ-ID[, REQ-ID]: text` for a mutant, `stimulus: text` for a stimulus (the
    /// reference's `--list-knobs` line after the name).
    pub fn summary(&self) -> String {
        match self.kind {
            KnobKind::Mutant { breaks, .. } => format!("{}: {}", breaks.join(", "), self.text),
            KnobKind::Stimulus => format!("stimulus: {}", self.text),
        }
    }

    /// `text` checked against the accepted values.
    pub fn check(&self, text: &str) -> Result<Value, KnobError> {
        self.values.check(text).ok_or_else(|| self.bad_value(text))
    }

    fn bad_value(&self, text: &str) -> KnobError {
        KnobError::BadValue {
            knob: self.name,
            value: text.to_string(),
            accepted: self.values.describe(),
        }
    }
}

/// A knob setting the table refuses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KnobError {
    /// An item without `=`.
    NotNameValue(String),
    Unknown(String),
    BadValue {
        knob: &'static str,
        value: String,
        accepted: String,
    },
}

impl fmt::Display for KnobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KnobError::NotNameValue(item) => {
                write!(f, "knob `{item}` is not of the form name=value")
            }
            KnobError::Unknown(name) => {
                let known: Vec<&str> = KNOBS.iter().map(|k| k.name).collect();
                write!(
                    f,
                    "unknown knob `{name}`; known knobs: {}",
                    known.join(", ")
                )
            }
            KnobError::BadValue {
                knob,
                value,
                accepted,
            } => write!(f, "knob `{knob}`: `{value}` is not {accepted}"),
        }
    }
}

impl std::error::Error for KnobError {}

/// The knob called `name`.
pub fn find(name: &str) -> Option<&'static Knob> {
    KNOBS.iter().find(|k| k.name == name)
}

/// The `name=value` items of a `MIP6LAB_KNOBS` setting (comma-separated, blanks ignored).
fn items(spec: &str) -> impl Iterator<Item = Result<(&str, &str), KnobError>> {
    spec.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|item| {
            item.split_once('=')
                .map(|(n, v)| (n.trim(), v.trim()))
                .ok_or_else(|| KnobError::NotNameValue(item.to_string()))
        })
}

/// A `MIP6LAB_KNOBS` setting checked against the table: each knob with its value.
pub fn check(spec: &str) -> Result<Vec<(&'static Knob, Value)>, KnobError> {
    items(spec)
        .map(|item| {
            let (name, text) = item?;
            let knob = find(name).ok_or_else(|| KnobError::Unknown(name.to_string()))?;
            Ok((knob, knob.check(text)?))
        })
        .collect()
}

/// Every mutant setting (`name=value`), in table order: what `mip6lab mutants` runs.
pub fn mutants() -> impl Iterator<Item = String> {
    KNOBS.iter().filter_map(Knob::mutant)
}

/// A field type of [`Knobs`], made from a checked [`Value`].
pub trait KnobValue: Sized {
    /// `None` when the value's kind does not fit the field (a table error, caught by tests).
    fn from_value(v: Value) -> Option<Self>;
}

impl KnobValue for bool {
    fn from_value(v: Value) -> Option<bool> {
        match v {
            Value::Flag(b) => Some(b),
            _ => None,
        }
    }
}

macro_rules! knob_int {
    ($($t:ty),*) => {$(
        impl KnobValue for $t {
            fn from_value(v: Value) -> Option<$t> {
                match v {
                    Value::Int(n) => <$t>::try_from(n).ok(),
                    _ => None,
                }
            }
        }
    )*};
}
knob_int!(u8, u16, u32);

impl KnobValue for String {
    fn from_value(v: Value) -> Option<String> {
        match v {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }
}

impl KnobValue for Option<Ipv6Addr> {
    fn from_value(v: Value) -> Option<Option<Ipv6Addr>> {
        match v {
            Value::Addr(a) => Some(Some(a)),
            Value::Unset => Some(None),
            _ => None,
        }
    }
}

impl KnobValue for Option<u8> {
    fn from_value(v: Value) -> Option<Option<u8>> {
        match v {
            Value::Int(n) => u8::try_from(n).ok().map(Some),
            Value::Unset => Some(None),
            _ => None,
        }
    }
}

/// `text` for the knob `name` as its field's type (used by the generated parse arms).
fn typed<T: KnobValue>(name: &str, text: &str) -> Result<T, KnobError> {
    let knob = find(name).ok_or_else(|| KnobError::Unknown(name.to_string()))?;
    T::from_value(knob.check(text)?).ok_or_else(|| knob.bad_value(text))
}

impl Knobs {
    /// A `MIP6LAB_KNOBS` setting applied over the defaults; later items win.
    pub fn parse(spec: &str) -> Result<Knobs, KnobError> {
        let mut k = Knobs::default();
        for item in items(spec) {
            let (name, text) = item?;
            k.set(name, text)?;
        }
        Ok(k)
    }
}

/// Generates, from one row per knob: the [`Knobs`] struct (one field each), its conforming
/// `Default`, the parse arm (`Knobs::set`) and the row of [`KNOBS`].
macro_rules! knob_table {
    ($(
        $(#[$doc:meta])*
        $field:ident: $ty:ty {
            name: $name:literal, roles: $roles:expr,
            values: $values:expr, default: $default:literal,
            kind: $kind:expr,
            text: $text:literal $(,)?
        }
    ),* $(,)?) => {
        /// The knob settings the reference runs with; `Default` is the conforming behaviour.
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct Knobs {
            $($(#[$doc])* pub $field: $ty,)*
        }

        /// Every knob, in the order `--list-knobs` and `mip6lab knobs` print them.
        pub const KNOBS: &[Knob] = &[$(Knob {
            name: $name,
            roles: $roles,
            values: $values,
            default: $default,
            kind: $kind,
            text: $text,
        }),*];

        impl Default for Knobs {
            fn default() -> Knobs {
                Knobs {
                    // A default that does not parse is a table error: the tests check each.
                    $($field: typed($name, $default)
                        .unwrap_or_else(|e| panic!("knob table default: {e}")),)*
                }
            }
        }

        impl Knobs {
            /// Sets the knob `name` from its text.
            pub(super) fn set(&mut self, name: &str, text: &str) -> Result<(), KnobError> {
                match name {
                    $($name => self.$field = typed($name, text)?,)*
                    _ => return Err(KnobError::Unknown(name.to_string())),
                }
                Ok(())
            }
        }
    };
}
use knob_table;
