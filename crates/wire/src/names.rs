//! Registries written as one table each, so a value and its name are written once.

/// Declares a registry: `pub mod MODULE` with a constant per entry, and `pub fn NAME_OF`
/// giving an entry's name (`None` for values not in the table). Attributes before `pub mod`,
/// `pub fn` and each entry (docs) go to the module, the function and the constant.
macro_rules! registry {
    (
        $(#[$mod_attr:meta])* pub mod $module:ident: $ty:ty;
        $(#[$fn_attr:meta])* pub fn $name_of:ident;
        $($(#[$doc:meta])* $konst:ident = $value:literal => $name:literal,)*
    ) => {
        $(#[$mod_attr])*
        pub mod $module {
            $($(#[$doc])* pub const $konst: $ty = $value;)*
        }

        $(#[$fn_attr])*
        pub fn $name_of(value: $ty) -> Option<&'static str> {
            Some(match value {
                $($value => $name,)*
                _ => return None,
            })
        }
    };
}

pub(crate) use registry;

/// A registry whose entries also carry a kind (e.g. how a value is read): as [`registry!`],
/// but `pub fn INFO_OF -> KIND` gives `(name, KIND::Variant)` and each entry is written
/// `CONST = value => "Name" Variant,`.
macro_rules! typed_registry {
    (
        $(#[$mod_attr:meta])* pub mod $module:ident: $ty:ty;
        $(#[$fn_attr:meta])* pub fn $info_of:ident -> $kind:ident;
        $($(#[$doc:meta])* $konst:ident = $value:literal => $name:literal $variant:ident,)*
    ) => {
        $(#[$mod_attr])*
        pub mod $module {
            $($(#[$doc])* pub const $konst: $ty = $value;)*
        }

        $(#[$fn_attr])*
        pub fn $info_of(value: $ty) -> Option<(&'static str, $kind)> {
            Some(match value {
                $($value => ($name, $kind::$variant),)*
                _ => return None,
            })
        }
    };
}

pub(crate) use typed_registry;
