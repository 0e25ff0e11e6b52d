//! The one error type of the codecs: what was wrong, and where.

/// A parse or emit failure: `what` failed at byte `offset` of the buffer handed to the
/// outermost parser (offsets of nested structures are translated to that buffer).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} at offset {offset}")]
pub struct Error {
    pub offset: usize,
    pub what: String,
}

impl Error {
    pub fn new(offset: usize, what: impl Into<String>) -> Error {
        Error {
            offset,
            what: what.into(),
        }
    }

    /// The same error seen from an enclosing buffer where this one starts at `base`.
    pub fn shifted(mut self, base: usize) -> Error {
        self.offset += base;
        self
    }
}

pub type Result<T> = core::result::Result<T, Error>;
