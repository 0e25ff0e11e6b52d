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
