//! Wire formats, pure: checked views over borrowed bytes and owned `Repr`s that parse and
//! emit them exactly (smoltcp's pattern). No I/O, no clocks, no randomness here; callers pass
//! nonces, IVs and keys in.
//!
//! Every parser is total: malformed input is an [`Error`] naming what and at which offset,
//! never a panic. Unknown types, options and attributes are kept as raw values.

pub mod crypto;
pub mod eap;
pub mod error;
pub mod esp;
pub mod ikev2;
pub mod ipv6ext;
pub mod mh;
pub mod mpd;
pub mod nd;
pub mod radius;
pub mod tlv;

pub use error::{Error, Result};
