//! Wire formats, pure: checked views over borrowed bytes and owned `Repr`s that parse and
//! emit them exactly (smoltcp's pattern). No I/O, no clocks, no randomness here; callers pass
//! nonces, IVs and keys in.
//!
//! # The codec shape
//!
//! Every protocol module (`mh`, `ikev2`, `esp`, `eap`, `eapol`, `radius`, `nd`, `mpd`, `ipv6ext`,
//! `mip4`, `dhcpv4`) provides, for each message it carries:
//!
//! - a checked view `Packet<T: AsRef<[u8]>>` (`Rh2Packet`, `OptionsHeaderPacket` where a
//!   module has more than one): `new_checked(buffer)` checks what every accessor needs (so
//!   accessors never panic), `new_unchecked(buffer)` is for emitting into, field accessors
//!   read the wire fields raw, `into_inner()` gives the buffer back;
//! - an owned `Repr` (IKEv2's is `Message`) with
//!   - `Repr::parse(&Packet<T>) -> Result<Repr>`: decode a checked view,
//!   - `Repr::buffer_len(&self) -> usize`: octets `emit` writes,
//!   - `Repr::emit(&self, &mut Packet<T>)`: write into a view of at least `buffer_len`
//!     octets (`Result` where emitting can fail; ICMPv6 messages also take the pseudo-header
//!     addresses of their checksum),
//!   - `Repr::from_bytes(&[u8])` and `Repr::to_bytes(&self)`: the same on a whole buffer.
//!
//! Round trip: bytes that parse re-emit identically (reserved bits and unknown items are
//! kept raw where the format allows; a module's docs name any exception). Sub-structures
//! (IKEv2 payloads, Mobility options, RADIUS attributes) parse from and emit into plain
//! slices inside their message; type-length-value lists walk through [`tlv`].
//!
//! Every parser is total: malformed input is one [`Error`] naming what and the byte offset in
//! the buffer handed to the outermost parser, never a panic. Unknown types, options and
//! attributes are kept as raw values.

pub mod addr;
pub mod checksum;
pub mod crypto;
pub mod dhcpv4;
pub mod dhcpv6;
pub mod dsprofile;
pub mod eap;
pub mod eapol;
pub mod error;
pub mod esp;
pub mod ikev2;
pub mod ipv6ext;
pub mod mh;
pub mod mip4;
pub mod mpd;
mod names;
pub mod nd;
pub mod radius;
pub mod tlv;
mod view;

pub use error::{Error, Result};
