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

/// The first `len` octets of `buffer`, to emit a `what` (`MH`, `the header`, …) of that
/// length into; an error at the buffer's end when it is shorter.
pub(crate) fn room_for<'b>(
    buffer: &'b mut [u8],
    len: usize,
    what: &str,
) -> crate::Result<&'b mut [u8]> {
    let have = buffer.len();
    buffer.get_mut(..len).ok_or_else(|| {
        crate::Error::new(have, format!("buffer of {have} octets, {what} needs {len}"))
    })
}

/// Fixed-position fields of a checked view, one line each:
/// `$(#[doc])* getter[, setter]: Type = POSITION;`. The getter reads the field big-endian;
/// the setter, on views over a mutable buffer, writes it. POSITION is an octet's offset (for
/// `u8`) or a range of octets; accessors index directly, as the hand-written ones do.
macro_rules! view_fields {
    ($view:ident {
        $($(#[$doc:meta])* $get:ident $(, $set:ident)?: $ty:ty = $at:expr;)*
    }) => {
        impl<T: AsRef<[u8]>> $view<T> {
            $(
                $(#[$doc])*
                pub fn $get(&self) -> $ty {
                    let octets = $crate::view::Position::octets($at);
                    $crate::view::Field::read(&self.buffer.as_ref()[octets])
                }
            )*
        }

        impl<T: AsRef<[u8]> + AsMut<[u8]>> $view<T> {
            $($(
                pub fn $set(&mut self, value: $ty) {
                    let octets = $crate::view::Position::octets($at);
                    $crate::view::Field::write(value, &mut self.buffer.as_mut()[octets]);
                }
            )?)*
        }
    };
}

pub(crate) use view_fields;

/// Where a field sits: one octet's offset, or a range of octets.
pub(crate) trait Position {
    fn octets(self) -> core::ops::Range<usize>;
}

impl Position for usize {
    fn octets(self) -> core::ops::Range<usize> {
        self..self + 1
    }
}

impl Position for core::ops::Range<usize> {
    fn octets(self) -> core::ops::Range<usize> {
        self
    }
}

/// A value a field holds, in network byte order.
pub(crate) trait Field {
    fn read(octets: &[u8]) -> Self;
    fn write(self, octets: &mut [u8]);
}

macro_rules! be_integer_field {
    ($($int:ty),*) => {$(
        impl Field for $int {
            fn read(octets: &[u8]) -> $int {
                <$int>::from_be_bytes(octets.try_into().expect("field width"))
            }
            fn write(self, octets: &mut [u8]) {
                octets.copy_from_slice(&self.to_be_bytes());
            }
        }
    )*};
}

be_integer_field!(u8, u16, u32, u128);

impl Field for std::net::Ipv6Addr {
    fn read(octets: &[u8]) -> std::net::Ipv6Addr {
        u128::read(octets).into()
    }
    fn write(self, octets: &mut [u8]) {
        octets.copy_from_slice(&self.octets());
    }
}

impl Field for std::net::Ipv4Addr {
    fn read(octets: &[u8]) -> std::net::Ipv4Addr {
        u32::read(octets).into()
    }
    fn write(self, octets: &mut [u8]) {
        octets.copy_from_slice(&self.octets());
    }
}
