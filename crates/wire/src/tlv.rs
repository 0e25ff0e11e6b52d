//! Aligned type-length-value lists, the shape shared by Mobility options, RADIUS attributes,
//! Mobile IPv4 extensions and DHCPv6 options.
//!
//! Also used for IPv6 Destination options (the Mobility options' layout) and ND options in
//! ND and Mobile Prefix messages (Length in 8-octet units).
//!
//! A [`Format`] says how an item's header is laid out; [`Format::items`] walks a buffer in
//! wire order and yields every item as a raw [`Item`]: duplicates are kept, unknown types are
//! kept (the caller decides what it knows), padding items are items too. A malformed list
//! ends the walk with one [`TlvError`] naming the offset; nothing here panics on any input.
//! [`Format::emit`] writes one item back; parse then emit gives the same octets.
//!
//! Each codec keeps its own wording for errors (transcripts print them), so [`TlvError`]
//! carries the facts and the codec words them; `Error::from` gives a generic wording.
//!
//! Options with `xn+y` alignment rules and Pad1/PadN padding (IPv6 and Mobility options)
//! implement [`AlignedOption`]; [`misplaced`] judges a received list and [`lay_out`] pads a
//! list to be sent.
//!
//! Mobile IPv4 long extensions (RFC 5944 §1.10: Type, Sub-Type, 16-bit Length) are not a
//! `Format`: which types use them is the MIPv4 codec's knowledge, and it reads those itself.

use crate::{Error, Result};

/// The header layout of one TLV list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Format {
    /// Octets of the Type field: 1 or 2.
    type_octets: usize,
    /// Octets of the Length field: 1 or 2.
    length_octets: usize,
    /// Whether Length counts the header too (RADIUS, ND) or only the value (the others).
    length_counts_header: bool,
    /// Octets per unit of Length: 1, or 8 for ND options.
    length_unit: usize,
    /// A type that is a single octet with neither Length nor value (Pad1).
    single_octet_type: Option<u16>,
}

impl Format {
    /// Mobility options (RFC 6275 §6.2.1): Type(1), Length(1) of the value; Pad1 (type 0)
    /// is a lone octet.
    pub const MOBILITY_OPTIONS: Format = Format {
        type_octets: 1,
        length_octets: 1,
        length_counts_header: false,
        length_unit: 1,
        single_octet_type: Some(0),
    };

    /// IPv6 Hop-by-Hop and Destination options (RFC 8200 §4.2): the Mobility option layout,
    /// Pad1 being type 0 there too.
    pub const IPV6_OPTIONS: Format = Format::MOBILITY_OPTIONS;

    /// RADIUS attributes (RFC 2865 §5): Type(1), Length(1) of the whole attribute (≥ 2).
    pub const RADIUS_ATTRIBUTES: Format = Format {
        type_octets: 1,
        length_octets: 1,
        length_counts_header: true,
        length_unit: 1,
        single_octet_type: None,
    };

    /// Neighbor Discovery options (RFC 4861 §4.6), also in Mobile Prefix messages: Type(1),
    /// Length(1) of the whole option in units of 8 octets (0 is invalid); the sender pads the
    /// value to fill the units.
    pub const ND_OPTIONS: Format = Format {
        type_octets: 1,
        length_octets: 1,
        length_counts_header: true,
        length_unit: 8,
        single_octet_type: None,
    };

    /// Mobile IPv4 extensions in the simple and short forms (RFC 5944 §1.9, §1.11): Type(1),
    /// Length(1) of the value; the One-byte Padding extension (type 0, §2.1.3) is a lone octet.
    pub const MIPV4_EXTENSIONS: Format = Format {
        type_octets: 1,
        length_octets: 1,
        length_counts_header: false,
        length_unit: 1,
        single_octet_type: Some(0),
    };

    /// DHCPv6 options (RFC 8415 §21.1): option-code(2), option-len(2) of the value.
    pub const DHCPV6_OPTIONS: Format = Format {
        type_octets: 2,
        length_octets: 2,
        length_counts_header: false,
        length_unit: 1,
        single_octet_type: None,
    };

    /// Sub-options of the DHCPv4 Relay Agent Information option (RFC 3046 §2.0): SubOpt(1),
    /// Len(1) of the value, no padding items.
    pub const DHCPV4_SUBOPTIONS: Format = Format {
        type_octets: 1,
        length_octets: 1,
        length_counts_header: false,
        length_unit: 1,
        single_octet_type: None,
    };

    /// Octets of Type and Length.
    pub fn header_len(&self) -> usize {
        self.type_octets + self.length_octets
    }

    /// The longest value the Length field can describe.
    pub fn max_value_len(&self) -> usize {
        let max_length = ((1usize << (8 * self.length_octets)) - 1) * self.length_unit;
        if self.length_counts_header {
            max_length - self.header_len()
        } else {
            max_length
        }
    }

    /// Whether items of this type are a lone octet.
    pub fn is_single_octet(&self, kind: u16) -> bool {
        self.single_octet_type == Some(kind)
    }

    /// Octets on the wire of an item of type `kind` with a value of `value_len` octets.
    pub fn item_len(&self, kind: u16, value_len: usize) -> usize {
        if self.is_single_octet(kind) {
            self.type_octets
        } else {
            self.header_len() + value_len
        }
    }

    /// The items of `buf` in wire order. `base` is the offset of `buf` in the outermost
    /// buffer; every offset reported (items and errors) includes it.
    pub fn items<'a>(&self, buf: &'a [u8], base: usize) -> Items<'a> {
        Items {
            format: *self,
            buf,
            pos: 0,
            base,
            failed: false,
        }
    }

    /// Writes the header of an item at the start of `out`, leaving `value_len` octets after it
    /// for the caller; returns the header length (1 for a single-octet type).
    pub fn emit_header(&self, kind: u16, value_len: usize, out: &mut [u8]) -> Result<usize> {
        if usize::from(kind) >= 1usize << (8 * self.type_octets) {
            return Err(Error::new(
                0,
                format!("type {kind} does not fit the Type field"),
            ));
        }
        let header = if self.is_single_octet(kind) {
            if value_len != 0 {
                return Err(Error::new(
                    0,
                    format!("type {kind} is a lone octet, no value"),
                ));
            }
            self.type_octets
        } else {
            self.header_len()
        };
        if value_len > self.max_value_len() {
            return Err(Error::new(
                self.type_octets,
                format!(
                    "type {kind} value of {value_len} octets (at most {})",
                    self.max_value_len()
                ),
            ));
        }
        let need = header + value_len;
        if need % self.length_unit != 0 {
            return Err(Error::new(
                self.type_octets,
                format!(
                    "type {kind} item of {need} octets is not a whole number of {}-octet units",
                    self.length_unit
                ),
            ));
        }
        if out.len() < need {
            return Err(Error::new(
                out.len(),
                format!("buffer of {} octets, item needs {need}", out.len()),
            ));
        }
        write_be(&mut out[..self.type_octets], usize::from(kind));
        if header > self.type_octets {
            let length = if self.length_counts_header {
                need / self.length_unit
            } else {
                value_len
            };
            write_be(&mut out[self.type_octets..header], length);
        }
        Ok(header)
    }

    /// Writes the Type and Length of an option at the start of `out`, which must hold the
    /// whole option ([`Format::item_len`] octets), and gives back the octets of its value.
    pub fn emit_option_header<'o>(
        &self,
        kind: u8,
        value_len: usize,
        out: &'o mut [u8],
    ) -> Result<&'o mut [u8]> {
        let have = out.len();
        let out = out
            .get_mut(..self.item_len(u16::from(kind), value_len))
            .ok_or_else(|| Error::new(have, "buffer too short for option"))?;
        let header = self.emit_header(u16::from(kind), value_len, out)?;
        Ok(&mut out[header..])
    }

    /// Writes one whole item at the start of `out`; returns the octets written.
    pub fn emit(&self, kind: u16, value: &[u8], out: &mut [u8]) -> Result<usize> {
        let header = self.emit_header(kind, value.len(), out)?;
        out[header..header + value.len()].copy_from_slice(value);
        Ok(header + value.len())
    }

    /// The items as one buffer, in order.
    pub fn to_bytes<'v>(
        &self,
        items: impl IntoIterator<Item = (u16, &'v [u8])>,
    ) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        for (kind, value) in items {
            let at = out.len();
            out.resize(at + self.item_len(kind, value.len()), 0);
            self.emit(kind, value, &mut out[at..])
                .map_err(|e| e.shifted(at))?;
        }
        Ok(out)
    }
}

/// An option in a list whose members have `xn+y` alignment rules and Pad1/PadN padding: IPv6
/// options (RFC 8200 §4.2) and Mobility options (RFC 6275 §6.2).
pub trait AlignedOption: Sized + Clone {
    /// The option's `xn+y` rule as `(x, y)`, offsets counted from the start of the enclosing
    /// header; `None` when it has none.
    fn alignment(&self) -> Option<(usize, usize)>;
    /// Octets on the wire, Type and Length included.
    fn wire_len(&self) -> usize;
    fn is_padding(&self) -> bool;
    /// Padding of `n` octets in all (Pad1 for 1, PadN for more); `None` for 0.
    fn padding(n: usize) -> Option<Self>;
}

/// An option placed against its rule: `opts[index]` at `offset` wants `x·n + y`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Misplaced {
    pub index: usize,
    pub offset: usize,
    pub x: usize,
    pub y: usize,
}

/// The options of `opts` (the first at header offset `start`) that break their rule.
pub fn misplaced<O: AlignedOption>(start: usize, opts: &[O]) -> Vec<Misplaced> {
    let mut out = Vec::new();
    let mut offset = start;
    for (index, o) in opts.iter().enumerate() {
        if let Some((x, y)) = o.alignment() {
            if offset % x != y {
                out.push(Misplaced {
                    index,
                    offset,
                    x,
                    y,
                });
            }
        }
        offset += o.wire_len();
    }
    out
}

/// Drops the padding in `opts`, inserts what each option's rule needs (the first option at
/// header offset `start`) and pads the end so that the header ends on a multiple of 8.
pub fn lay_out<O: AlignedOption>(start: usize, opts: &[O]) -> Vec<O> {
    let mut out = Vec::new();
    let mut offset = start;
    let pad_to = |out: &mut Vec<O>, offset: &mut usize, x: usize, y: usize| {
        let gap = (y + x - *offset % x) % x;
        if let Some(p) = O::padding(gap) {
            out.push(p);
        }
        *offset += gap;
    };
    for o in opts.iter().filter(|o| !o.is_padding()) {
        if let Some((x, y)) = o.alignment() {
            pad_to(&mut out, &mut offset, x, y);
        }
        offset += o.wire_len();
        out.push(o.clone());
    }
    pad_to(&mut out, &mut offset, 8, 0);
    out
}

fn write_be(out: &mut [u8], v: usize) {
    let n = out.len();
    for (i, o) in out.iter_mut().enumerate() {
        *o = (v >> (8 * (n - 1 - i))) as u8;
    }
}

fn read_be(b: &[u8]) -> usize {
    b.iter().fold(0, |acc, &o| (acc << 8) | usize::from(o))
}

/// One item as found on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Item<'a> {
    /// Offset of the Type field in the outermost buffer.
    pub offset: usize,
    pub kind: u16,
    /// The value octets (empty for a single-octet type).
    pub value: &'a [u8],
    /// The whole item, header included.
    pub raw: &'a [u8],
}

impl Item<'_> {
    /// Offset of the value in the outermost buffer.
    pub fn value_offset(&self) -> usize {
        self.offset + self.raw.len() - self.value.len()
    }
}

/// Why a TLV list does not parse. Offsets are in the outermost buffer; `length` is the Length
/// field's value as sent (in its units).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlvError {
    /// The buffer ends inside an item's header: `left` octets remained at `offset` (the
    /// item's start); `kind` when the Type field itself was complete.
    HeaderTruncated {
        offset: usize,
        kind: Option<u16>,
        left: usize,
    },
    /// A Length that counts the header is smaller than the header (`offset`: the Length
    /// field).
    LengthTooSmall {
        offset: usize,
        kind: u16,
        length: usize,
    },
    /// The item's Length runs past the buffer (`offset`: the Length field; `left`: octets
    /// from the item's start to the end of the buffer).
    Overrun {
        offset: usize,
        kind: u16,
        length: usize,
        left: usize,
    },
}

impl TlvError {
    pub fn offset(&self) -> usize {
        match *self {
            TlvError::HeaderTruncated { offset, .. }
            | TlvError::LengthTooSmall { offset, .. }
            | TlvError::Overrun { offset, .. } => offset,
        }
    }
}

impl From<TlvError> for Error {
    fn from(e: TlvError) -> Error {
        let what = match e {
            TlvError::HeaderTruncated { left, .. } => {
                format!("item header truncated ({left} octets left)")
            }
            TlvError::LengthTooSmall { kind, length, .. } => {
                format!("type {kind} with Length {length}, shorter than its header")
            }
            TlvError::Overrun {
                kind, length, left, ..
            } => format!("type {kind} Length {length} runs past the end ({left} octets left)"),
        };
        Error::new(e.offset(), what)
    }
}

/// The walk over a TLV list; see [`Format::items`]. Ends after the first error.
#[derive(Debug, Clone)]
pub struct Items<'a> {
    format: Format,
    buf: &'a [u8],
    pos: usize,
    base: usize,
    failed: bool,
}

impl<'a> Iterator for Items<'a> {
    type Item = core::result::Result<Item<'a>, TlvError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.pos >= self.buf.len() {
            return None;
        }
        let item = self.step();
        self.failed = item.is_err();
        Some(item)
    }
}

impl<'a> Items<'a> {
    fn step(&mut self) -> core::result::Result<Item<'a>, TlvError> {
        let f = self.format;
        let rest = &self.buf[self.pos..];
        let offset = self.base + self.pos;
        let kind = rest.get(..f.type_octets).map(|t| read_be(t) as u16).ok_or(
            TlvError::HeaderTruncated {
                offset,
                kind: None,
                left: rest.len(),
            },
        )?;
        if f.is_single_octet(kind) {
            let raw = &rest[..f.type_octets];
            self.pos += raw.len();
            return Ok(Item {
                offset,
                kind,
                value: &[],
                raw,
            });
        }
        let header = f.header_len();
        let length =
            rest.get(f.type_octets..header)
                .map(read_be)
                .ok_or(TlvError::HeaderTruncated {
                    offset,
                    kind: Some(kind),
                    left: rest.len(),
                })?;
        let length_offset = offset + f.type_octets;
        let total = if f.length_counts_header {
            let octets = length * f.length_unit;
            if octets < header {
                return Err(TlvError::LengthTooSmall {
                    offset: length_offset,
                    kind,
                    length,
                });
            }
            octets
        } else {
            header + length
        };
        let raw = rest.get(..total).ok_or(TlvError::Overrun {
            offset: length_offset,
            kind,
            length,
            left: rest.len(),
        })?;
        self.pos += total;
        Ok(Item {
            offset,
            kind,
            value: &raw[header..],
            raw,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Offset, type and value of each item walked.
    type Walked = Vec<(usize, u16, Vec<u8>)>;

    fn walk(f: Format, b: &[u8], base: usize) -> (Walked, Option<TlvError>) {
        let mut items = Vec::new();
        for r in f.items(b, base) {
            match r {
                Ok(i) => items.push((i.offset, i.kind, i.value.to_vec())),
                Err(e) => return (items, Some(e)),
            }
        }
        (items, None)
    }

    #[test]
    fn one_octet_layout_keeps_order_duplicates_unknowns_and_pad1() {
        // Pad1, type 7 twice (duplicate), unknown type 200, empty value.
        let b = [0, 7, 2, 0xaa, 0xbb, 7, 1, 0xcc, 200, 0];
        let (items, err) = walk(Format::MIPV4_EXTENSIONS, &b, 10);
        assert_eq!(err, None);
        assert_eq!(
            items,
            vec![
                (10, 0, vec![]),
                (11, 7, vec![0xaa, 0xbb]),
                (15, 7, vec![0xcc]),
                (18, 200, vec![]),
            ]
        );
        let again = Format::MIPV4_EXTENSIONS
            .to_bytes(Format::MIPV4_EXTENSIONS.items(&b, 0).map(|i| {
                let i = i.unwrap();
                (i.kind, i.value)
            }))
            .unwrap();
        assert_eq!(again, b);
    }

    #[test]
    fn two_octet_layout_reads_dhcpv6_options() {
        // Client Identifier (1) with 4 octets, then an unknown code 0xfffe with none, then
        // Client Identifier again.
        let b = [0, 1, 0, 4, 1, 2, 3, 4, 0xff, 0xfe, 0, 0, 0, 1, 0, 1, 9];
        let (items, err) = walk(Format::DHCPV6_OPTIONS, &b, 4);
        assert_eq!(err, None);
        assert_eq!(
            items,
            vec![
                (4, 1, vec![1, 2, 3, 4]),
                (12, 0xfffe, vec![]),
                (16, 1, vec![9]),
            ]
        );
        // Type 0 is an ordinary option in DHCPv6 (no Pad1 there).
        let (items, _) = walk(Format::DHCPV6_OPTIONS, &[0, 0, 0, 1, 5], 0);
        assert_eq!(items, vec![(0, 0, vec![5])]);
        let again = Format::DHCPV6_OPTIONS
            .to_bytes(items_of(Format::DHCPV6_OPTIONS, &b))
            .unwrap();
        assert_eq!(again, b);
    }

    fn items_of(f: Format, b: &[u8]) -> Vec<(u16, &[u8])> {
        f.items(b, 0)
            .map(|i| i.map(|i| (i.kind, i.value)).unwrap())
            .collect()
    }

    #[test]
    fn radius_length_counts_the_header() {
        let b = [1, 5, b'b', b'o', b'b', 80, 2];
        let (items, err) = walk(Format::RADIUS_ATTRIBUTES, &b, 20);
        assert_eq!(err, None);
        assert_eq!(items, vec![(20, 1, b"bob".to_vec()), (25, 80, vec![])]);
        assert_eq!(Format::RADIUS_ATTRIBUTES.max_value_len(), 253);
        // Type 0 is not padding in RADIUS.
        assert_eq!(
            walk(Format::RADIUS_ATTRIBUTES, &[0], 20).1,
            Some(TlvError::HeaderTruncated {
                offset: 20,
                kind: Some(0),
                left: 1
            })
        );
    }

    #[rstest::rstest]
    #[case::value_past_the_end(Format::MOBILITY_OPTIONS, &[1, 4, 0, 0], TlvError::Overrun { offset: 101, kind: 1, length: 4, left: 4 })]
    #[case::length_missing_after_pad1(Format::MOBILITY_OPTIONS, &[0, 3], TlvError::HeaderTruncated { offset: 101, kind: Some(3), left: 1 })]
    #[case::radius_length_below_header(Format::RADIUS_ATTRIBUTES, &[1, 1], TlvError::LengthTooSmall { offset: 101, kind: 1, length: 1 })]
    #[case::dhcpv6_code_truncated(Format::DHCPV6_OPTIONS, &[0], TlvError::HeaderTruncated { offset: 100, kind: None, left: 1 })]
    #[case::dhcpv6_length_truncated(Format::DHCPV6_OPTIONS, &[0, 1, 0], TlvError::HeaderTruncated { offset: 100, kind: Some(1), left: 3 })]
    #[case::dhcpv6_second_option_past_the_end(Format::DHCPV6_OPTIONS, &[0, 1, 0, 0, 0, 9, 1, 0, 0], TlvError::Overrun { offset: 106, kind: 9, length: 256, left: 5 })]
    fn malformed_lists_are_errors_at_offsets(
        #[case] format: Format,
        #[case] list: &[u8],
        #[case] want: TlvError,
    ) {
        assert_eq!(walk(format, list, 100).1, Some(want));
        assert_eq!(Error::from(want).offset, want.offset());
    }

    #[test]
    fn nd_options_count_8_octet_units() {
        // Source link-layer address (1 unit), then an unknown type 99 of 2 units.
        let mut b = vec![1, 1, 0, 0x11, 0x22, 0x33, 0x44, 0x55];
        b.extend_from_slice(&[99, 2]);
        b.extend_from_slice(&[7; 14]);
        let (items, err) = walk(Format::ND_OPTIONS, &b, 24);
        assert_eq!(err, None);
        assert_eq!(items[0], (24, 1, vec![0, 0x11, 0x22, 0x33, 0x44, 0x55]));
        assert_eq!((items[1].0, items[1].1, items[1].2.len()), (32, 99, 14));
        assert_eq!(
            Format::ND_OPTIONS
                .to_bytes(items_of(Format::ND_OPTIONS, &b))
                .unwrap(),
            b
        );
        assert_eq!(
            walk(Format::ND_OPTIONS, &[1, 0, 0, 0, 0, 0, 0, 0], 24).1,
            Some(TlvError::LengthTooSmall {
                offset: 25,
                kind: 1,
                length: 0
            })
        );
        assert_eq!(
            walk(Format::ND_OPTIONS, &[1, 2, 0, 0, 0, 0, 0, 0], 24).1,
            Some(TlvError::Overrun {
                offset: 25,
                kind: 1,
                length: 2,
                left: 8
            })
        );
        assert!(
            Format::ND_OPTIONS.emit(1, &[0; 5], &mut [0; 16]).is_err(),
            "7 octets are not whole units"
        );
        assert_eq!(Format::ND_OPTIONS.max_value_len(), 255 * 8 - 2);
    }

    #[test]
    fn the_walk_stops_after_an_error() {
        let mut it = Format::MOBILITY_OPTIONS.items(&[2, 9, 0], 0);
        assert!(it.next().unwrap().is_err());
        assert!(it.next().is_none());
    }

    #[test]
    fn emit_checks_lengths_and_room() {
        let f = Format::MOBILITY_OPTIONS;
        let mut out = [0u8; 4];
        assert_eq!(f.emit(3, &[1, 2], &mut out).unwrap(), 4);
        assert_eq!(out, [3, 2, 1, 2]);
        assert!(f.emit(3, &[1, 2, 3], &mut out).is_err(), "no room");
        assert!(
            f.emit(3, &[0; 256], &mut [0; 300]).is_err(),
            "Length overflows"
        );
        assert!(f.emit(0, &[1], &mut out).is_err(), "Pad1 has no value");
        assert!(f.emit(256, &[], &mut out).is_err(), "type overflows");
        assert_eq!(f.emit(0, &[], &mut out).unwrap(), 1);
        let r = Format::RADIUS_ATTRIBUTES;
        assert_eq!(r.emit(26, &[7], &mut out).unwrap(), 3);
        assert_eq!(&out[..3], &[26, 3, 7]);
        assert!(r.emit(1, &[0; 254], &mut [0; 300]).is_err());
        let d = Format::DHCPV6_OPTIONS;
        assert_eq!(d.emit(0x1234, &[], &mut out).unwrap(), 4);
        assert_eq!(out, [0x12, 0x34, 0, 0]);
    }
}
