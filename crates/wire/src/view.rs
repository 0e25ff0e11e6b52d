//! The part of every checked view that does not depend on the format: the struct holding the
//! buffer, `new_unchecked` and `into_inner` (and `new_checked` where the view has a
//! `check_len`). Each module writes its own checks and field accessors.

/// Declares `pub struct $name<T: AsRef<[u8]>>` with the attributes given (docs, derives) and
/// its buffer-only constructors. With `checked by check_len`, also a `new_checked` that wraps
/// the buffer and runs the view's own `check_len`; with `at least MIN, else DESCRIBE`, a
/// `new_checked` that only asks for MIN octets (see [`require_len`]).
macro_rules! buffer_view {
    ($(#[$attr:meta])* $name:ident) => {
        $(#[$attr])*
        pub struct $name<T: AsRef<[u8]>> {
            buffer: T,
        }

        impl<T: AsRef<[u8]>> $name<T> {
            /// A view to emit into; accessors may panic until the buffer would pass
            /// `new_checked`.
            pub const fn new_unchecked(buffer: T) -> $name<T> {
                $name { buffer }
            }

            pub fn into_inner(self) -> T {
                self.buffer
            }
        }
    };
    ($(#[$attr:meta])* $name:ident, at least $min:expr, else $describe:expr) => {
        $crate::view::buffer_view!($(#[$attr])* $name);

        impl<T: AsRef<[u8]>> $name<T> {
            pub fn new_checked(buffer: T) -> $crate::Result<$name<T>> {
                $crate::view::require_len(buffer.as_ref(), $min, $describe)?;
                Ok($name { buffer })
            }
        }
    };
    ($(#[$attr:meta])* $name:ident, checked by check_len) => {
        $crate::view::buffer_view!($(#[$attr])* $name);

        impl<T: AsRef<[u8]>> $name<T> {
            pub fn new_checked(buffer: T) -> $crate::Result<$name<T>> {
                let view = $name { buffer };
                view.check_len()?;
                Ok(view)
            }
        }
    };
}

pub(crate) use buffer_view;

/// `Ok` when `buffer` holds at least `min` octets; otherwise the error at the buffer's end,
/// its text written by `describe` from the length found.
pub(crate) fn require_len<S: Into<String>>(
    buffer: &[u8],
    min: usize,
    describe: impl FnOnce(usize) -> S,
) -> crate::Result<()> {
    if buffer.len() < min {
        return Err(crate::Error::new(buffer.len(), describe(buffer.len())));
    }
    Ok(())
}
