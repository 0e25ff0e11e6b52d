//! IPv6 extension headers as Mobile IPv6 uses them: walking a chain (RFC 8200 §4), option
//! TLVs of Hop-by-Hop / Destination Options headers with the Home Address option (RFC 6275
//! §6.3), and the type 2 Routing Header (RFC 6275 §6.4).
//!
//! As everywhere in this crate, parsers are total and keep what they do not understand raw,
//! so that parse → emit gives back the same octets.

use crate::tlv::{self, AlignedOption, Format, Item, TlvError};
use crate::view::{buffer_view, require_len, room_for, view_fields};
use crate::{Error, Result};
use std::net::Ipv6Addr;

pub const HOP_BY_HOP: u8 = 0;
pub const ROUTING: u8 = 43;
pub const FRAGMENT: u8 = 44;
pub const ESP: u8 = 50;
pub const AH: u8 = 51;
pub const NO_NEXT_HEADER: u8 = 59;
pub const DESTINATION_OPTIONS: u8 = 60;
pub const MOBILITY: u8 = 135;

/// Option types inside Hop-by-Hop / Destination Options headers.
pub const OPT_PAD1: u8 = 0;
pub const OPT_PADN: u8 = 1;
/// Home Address option (RFC 6275 §6.3): 0xC9, Length 16, alignment 8n+6.
pub const OPT_HOME_ADDRESS: u8 = 201;

/// Routing Type of the type 2 Routing Header.
pub const ROUTING_TYPE_2: u8 = 2;

/// Header types [`walk`] steps over. ESP (its payload is encrypted) and MH are where it stops.
pub fn is_walkable(next_header: u8) -> bool {
    matches!(
        next_header,
        HOP_BY_HOP | ROUTING | FRAGMENT | AH | DESTINATION_OPTIONS
    )
}

/// One extension header in a chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExtHeader<'a> {
    /// The Next Header value that named this header (60 for Destination Options, …).
    pub kind: u8,
    /// Offset of the header in the walked buffer.
    pub offset: usize,
    /// The header's own Next Header field.
    pub next_header: u8,
    /// The whole header, its first two octets included.
    pub bytes: &'a [u8],
}

impl<'a> ExtHeader<'a> {
    /// The octets after Next Header and Hdr Ext Len.
    pub fn body(&self) -> &'a [u8] {
        self.bytes.get(2..).unwrap_or(&[])
    }

    /// Options of a Hop-by-Hop or Destination Options header; `None` for other kinds.
    pub fn options(&self) -> Option<Result<Vec<Ipv6Option>>> {
        matches!(self.kind, HOP_BY_HOP | DESTINATION_OPTIONS)
            .then(|| parse_options(self.body(), self.offset + 2))
    }

    /// The type 2 Routing Header this is, if it is one; `Some(Err)` if malformed.
    pub fn rh2(&self) -> Option<Result<Rh2Repr>> {
        (self.kind == ROUTING && self.bytes.get(2) == Some(&ROUTING_TYPE_2))
            .then(|| Rh2Repr::from_bytes(self.bytes).map_err(|e| e.shifted(self.offset)))
    }
}

/// Octets of the fixed IPv6 header (RFC 8200 §3).
pub const FIXED_HEADER_LEN: usize = 40;

/// The fixed header of a whole IPv6 packet (RFC 8200 §3), in front of the chain [`walk`]
/// reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixedHeader<'a> {
    pub src: Ipv6Addr,
    pub dst: Ipv6Addr,
    pub next_header: u8,
    pub hop_limit: u8,
    /// Payload Length as the header says it.
    pub payload_len: usize,
    /// The octets after the header, up to Payload Length (fewer when the packet is cut short).
    pub payload: &'a [u8],
}

impl<'a> FixedHeader<'a> {
    /// The header at the start of `packet`; `None` when it is shorter than the header or not
    /// IPv6.
    pub fn parse(packet: &'a [u8]) -> Option<FixedHeader<'a>> {
        let p = packet;
        if p.len() < FIXED_HEADER_LEN || p[0] >> 4 != 6 {
            return None;
        }
        let address = |at: usize| -> Ipv6Addr {
            let mut a = [0u8; 16];
            a.copy_from_slice(&p[at..at + 16]);
            a.into()
        };
        let payload_len = usize::from(u16::from_be_bytes([p[4], p[5]]));
        let end = (FIXED_HEADER_LEN + payload_len).min(p.len());
        Some(FixedHeader {
            src: address(8),
            dst: address(24),
            next_header: p[6],
            hop_limit: p[7],
            payload_len,
            payload: &p[FIXED_HEADER_LEN..end],
        })
    }

    /// Whether all the octets Payload Length announces are there.
    pub fn is_complete(&self) -> bool {
        self.payload.len() == self.payload_len
    }
}

/// Appends a fixed IPv6 header (traffic class and flow label 0) for `payload_len` octets.
pub fn emit_fixed_header(
    out: &mut Vec<u8>,
    src: Ipv6Addr,
    dst: Ipv6Addr,
    next_header: u8,
    hop_limit: u8,
    payload_len: u16,
) {
    out.extend_from_slice(&0x6000_0000u32.to_be_bytes());
    out.extend_from_slice(&payload_len.to_be_bytes());
    out.push(next_header);
    out.push(hop_limit);
    out.extend_from_slice(&src.octets());
    out.extend_from_slice(&dst.octets());
}

/// A walked chain: the headers, the Next Header after the last one, and where the rest (the
/// upper-layer payload, MH, or ESP) starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chain<'a> {
    pub headers: Vec<ExtHeader<'a>>,
    pub upper: u8,
    pub rest_offset: usize,
}

impl Chain<'_> {
    /// The address of the first Home Address option in a Destination Options header.
    pub fn home_address(&self) -> Result<Option<Ipv6Addr>> {
        for h in self
            .headers
            .iter()
            .filter(|h| h.kind == DESTINATION_OPTIONS)
        {
            if let Some(opts) = h.options() {
                if let Some(a) = opts?.iter().find_map(Ipv6Option::home_address) {
                    return Ok(Some(a));
                }
            }
        }
        Ok(None)
    }

    /// The first type 2 Routing Header.
    pub fn rh2(&self) -> Result<Option<Rh2Repr>> {
        self.headers.iter().find_map(ExtHeader::rh2).transpose()
    }
}

/// Walks the extension headers in `bytes`, the first named by `first_next_header`, stopping
/// at the first header that is not walkable (see [`is_walkable`]) or at the end of `bytes`
/// when the chain ends exactly there.
pub fn walk(first_next_header: u8, bytes: &[u8]) -> Result<Chain<'_>> {
    let mut headers = Vec::new();
    let mut nh = first_next_header;
    let mut off = 0usize;
    while is_walkable(nh) {
        let rest = &bytes[off..];
        let (next, len_octet) = match rest {
            [a, b, ..] => (*a, usize::from(*b)),
            _ => {
                // A chain handed over without its payload may end right here.
                if rest.is_empty() {
                    break;
                }
                return Err(Error::new(off, format!("extension header {nh} truncated")));
            }
        };
        let len = match nh {
            FRAGMENT => 8,
            AH => (len_octet + 2) * 4,
            _ => (len_octet + 1) * 8,
        };
        let h = rest.get(..len).ok_or_else(|| {
            Error::new(
                off + 1,
                format!(
                    "extension header {nh} of {len} octets, only {} present",
                    rest.len()
                ),
            )
        })?;
        headers.push(ExtHeader {
            kind: nh,
            offset: off,
            next_header: next,
            bytes: h,
        });
        off += len;
        nh = next;
    }
    Ok(Chain {
        headers,
        upper: nh,
        rest_offset: off,
    })
}

/// What a node that does not know an option type must do, from its two high bits
/// (RFC 8200 §4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnrecognizedAction {
    /// 00: skip it.
    Skip,
    /// 01: discard the packet.
    Discard,
    /// 10: discard and send ICMP Parameter Problem code 2.
    DiscardAndReport,
    /// 11: as 10, but no ICMP if the destination is multicast (the HAO's case).
    DiscardAndReportUnlessMulticast,
}

pub fn unrecognized_action(kind: u8) -> UnrecognizedAction {
    match kind >> 6 {
        0 => UnrecognizedAction::Skip,
        1 => UnrecognizedAction::Discard,
        2 => UnrecognizedAction::DiscardAndReport,
        _ => UnrecognizedAction::DiscardAndReportUnlessMulticast,
    }
}

/// The third-highest bit: the option data may change en route (RFC 8200 §4.2).
pub fn may_change_en_route(kind: u8) -> bool {
    kind & 0x20 != 0
}

/// One option of a Hop-by-Hop or Destination Options header.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Ipv6Option {
    Pad1,
    /// PadN: its data (zeros on send, kept as received).
    PadN(Vec<u8>),
    HomeAddress(Ipv6Addr),
    /// Any other type, raw. `kind` must not be 0, 1 or 201.
    Unknown {
        kind: u8,
        data: Vec<u8>,
    },
}

impl Ipv6Option {
    pub fn kind(&self) -> u8 {
        match self {
            Ipv6Option::Pad1 => OPT_PAD1,
            Ipv6Option::PadN(_) => OPT_PADN,
            Ipv6Option::HomeAddress(_) => OPT_HOME_ADDRESS,
            Ipv6Option::Unknown { kind, .. } => *kind,
        }
    }

    pub fn home_address(&self) -> Option<Ipv6Addr> {
        match self {
            Ipv6Option::HomeAddress(a) => Some(*a),
            _ => None,
        }
    }

    /// Pad1 for 1, PadN for 2..=257 octets in all.
    pub fn padding(n: usize) -> Option<Ipv6Option> {
        match n {
            1 => Some(Ipv6Option::Pad1),
            2..=257 => Some(Ipv6Option::PadN(vec![0; n - 2])),
            _ => None,
        }
    }

    pub fn is_padding(&self) -> bool {
        matches!(self, Ipv6Option::Pad1 | Ipv6Option::PadN(_))
    }

    pub fn data_len(&self) -> usize {
        match self {
            Ipv6Option::Pad1 => 0,
            Ipv6Option::PadN(d) | Ipv6Option::Unknown { data: d, .. } => d.len(),
            Ipv6Option::HomeAddress(_) => 16,
        }
    }

    pub fn wire_len(&self) -> usize {
        match self {
            Ipv6Option::Pad1 => 1,
            _ => 2 + self.data_len(),
        }
    }

    /// `(x, y)` of the option's `xn+y` alignment, counted from the header start.
    pub fn alignment(kind: u8) -> Option<(usize, usize)> {
        (kind == OPT_HOME_ADDRESS).then_some((8, 6))
    }

    pub fn validate(&self) -> Result<()> {
        if self.data_len() > 255 {
            return Err(Error::new(0, "option data over 255 octets"));
        }
        if let Ipv6Option::Unknown { kind, .. } = self {
            if matches!(*kind, OPT_PAD1 | OPT_PADN | OPT_HOME_ADDRESS) {
                return Err(Error::new(
                    0,
                    format!("Unknown option with known type {kind}"),
                ));
            }
        }
        Ok(())
    }

    /// Writes the option at the start of `out`; returns the octets written.
    pub fn emit(&self, out: &mut [u8]) -> Result<usize> {
        self.validate()?;
        let value = Format::IPV6_OPTIONS.emit_option_header(self.kind(), self.data_len(), out)?;
        match self {
            Ipv6Option::Pad1 => {}
            Ipv6Option::PadN(d) | Ipv6Option::Unknown { data: d, .. } => value.copy_from_slice(d),
            Ipv6Option::HomeAddress(a) => value.copy_from_slice(&a.octets()),
        }
        Ok(self.wire_len())
    }

    /// Parses one option at the start of `b` (`base`: its offset, for errors).
    pub fn parse(b: &[u8], base: usize) -> Result<(Ipv6Option, usize)> {
        let item = Format::IPV6_OPTIONS
            .items(b, base)
            .next()
            .ok_or_else(|| Error::new(base, "option missing"))?
            .map_err(option_list_error)?;
        Ok((Ipv6Option::decode(&item)?, item.raw.len()))
    }

    fn decode(item: &Item<'_>) -> Result<Ipv6Option> {
        let d = item.value;
        Ok(match item.kind as u8 {
            OPT_PAD1 => Ipv6Option::Pad1,
            OPT_PADN => Ipv6Option::PadN(d.to_vec()),
            OPT_HOME_ADDRESS => {
                let a: [u8; 16] = d.try_into().map_err(|_| {
                    Error::new(
                        item.offset + 1,
                        format!("Home Address option Length {}, must be 16", d.len()),
                    )
                })?;
                Ipv6Option::HomeAddress(Ipv6Addr::from(a))
            }
            kind => Ipv6Option::Unknown {
                kind,
                data: d.to_vec(),
            },
        })
    }
}

/// Words a malformed option list as this codec always has (transcripts print these).
fn option_list_error(e: TlvError) -> Error {
    match e {
        TlvError::Overrun {
            offset,
            kind,
            length,
            ..
        } => Error::new(
            offset,
            format!("option {kind} Length {length} runs past the end of the header"),
        ),
        TlvError::HeaderTruncated { offset, .. } => {
            Error::new(offset + 1, "option Length truncated")
        }
        other => other.into(),
    }
}

/// Parses options filling `b` exactly.
pub fn parse_options(b: &[u8], base: usize) -> Result<Vec<Ipv6Option>> {
    Format::IPV6_OPTIONS
        .items(b, base)
        .map(|item| Ipv6Option::decode(&item.map_err(option_list_error)?))
        .collect()
}

/// A misplaced option: type `kind` at header offset `offset` wants `x·n + y`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OptionMisaligned {
    pub offset: usize,
    pub kind: u8,
    pub x: usize,
    pub y: usize,
}

impl AlignedOption for Ipv6Option {
    fn alignment(&self) -> Option<(usize, usize)> {
        Ipv6Option::alignment(self.kind())
    }

    fn wire_len(&self) -> usize {
        Ipv6Option::wire_len(self)
    }

    fn is_padding(&self) -> bool {
        Ipv6Option::is_padding(self)
    }

    fn padding(n: usize) -> Option<Ipv6Option> {
        Ipv6Option::padding(n)
    }
}

/// Options (starting at header offset 2) that break their alignment rule.
pub fn check_alignment(opts: &[Ipv6Option]) -> Vec<OptionMisaligned> {
    tlv::misplaced(2, opts)
        .into_iter()
        .map(|m| OptionMisaligned {
            offset: m.offset,
            kind: opts[m.index].kind(),
            x: m.x,
            y: m.y,
        })
        .collect()
}

/// Drops padding from `opts`, inserts what alignment needs (from header offset 2) and pads
/// the header to a multiple of 8 octets.
pub fn lay_out(opts: &[Ipv6Option]) -> Vec<Ipv6Option> {
    tlv::lay_out(2, opts)
}

buffer_view! {
    /// A checked view of a Hop-by-Hop or Destination Options header: Next Header, Hdr Ext Len,
    /// then the options, `(Hdr Ext Len + 1) · 8` octets in all.
    #[derive(Debug, Clone, Copy)]
    OptionsHeaderPacket
}

impl<T: AsRef<[u8]>> OptionsHeaderPacket<T> {
    /// Both fixed octets present and the buffer exactly as long as Hdr Ext Len says.
    pub fn new_checked(buffer: T) -> Result<OptionsHeaderPacket<T>> {
        let b = buffer.as_ref();
        let len = match b {
            [_, l, ..] => (usize::from(*l) + 1) * 8,
            _ => return Err(Error::new(b.len(), "options header truncated")),
        };
        if b.len() != len {
            return Err(Error::new(
                1,
                format!("Hdr Ext Len says {len} octets, buffer has {}", b.len()),
            ));
        }
        Ok(OptionsHeaderPacket { buffer })
    }

    pub fn next_header(&self) -> u8 {
        self.buffer.as_ref()[0]
    }

    pub fn hdr_ext_len(&self) -> u8 {
        self.buffer.as_ref()[1]
    }

    /// The option octets (padding options included).
    pub fn options(&self) -> &[u8] {
        &self.buffer.as_ref()[2..]
    }
}

/// A Hop-by-Hop or Destination Options header (same format, RFC 8200 §4.3, §4.6).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OptionsHeaderRepr {
    pub next_header: u8,
    /// In wire order, padding included.
    pub options: Vec<Ipv6Option>,
}

impl OptionsHeaderRepr {
    /// A header with `options` laid out (see [`lay_out`]).
    pub fn build(next_header: u8, options: &[Ipv6Option]) -> OptionsHeaderRepr {
        OptionsHeaderRepr {
            next_header,
            options: lay_out(options),
        }
    }

    /// The usual Destination Options header with an HAO: `NH 02 | 01 02 00 00 | C9 10 <HoA>`,
    /// 24 octets, the HAO at offset 6.
    pub fn with_home_address(next_header: u8, home: Ipv6Addr) -> OptionsHeaderRepr {
        Self::build(next_header, &[Ipv6Option::HomeAddress(home)])
    }

    /// Reads the header in a checked view.
    pub fn parse<T: AsRef<[u8]>>(p: &OptionsHeaderPacket<T>) -> Result<OptionsHeaderRepr> {
        Ok(OptionsHeaderRepr {
            next_header: p.next_header(),
            options: parse_options(p.options(), 2)?,
        })
    }

    /// Parses `b`, which must be exactly one header.
    pub fn from_bytes(b: &[u8]) -> Result<OptionsHeaderRepr> {
        OptionsHeaderRepr::parse(&OptionsHeaderPacket::new_checked(b)?)
    }

    pub fn buffer_len(&self) -> usize {
        2 + self.options.iter().map(Ipv6Option::wire_len).sum::<usize>()
    }

    /// Writes the header into the first [`OptionsHeaderRepr::buffer_len`] octets of the view;
    /// the options must fill a multiple of 8 octets ([`OptionsHeaderRepr::build`] pads them).
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, p: &mut OptionsHeaderPacket<T>) -> Result<()> {
        let len = self.buffer_len();
        if len % 8 != 0 || len > 256 * 8 {
            return Err(Error::new(
                1,
                format!("options header of {len} octets is not a multiple of 8 (pad it)"),
            ));
        }
        let v = room_for(p.buffer.as_mut(), len, "the header")?;
        v[0] = self.next_header;
        v[1] = (len / 8 - 1) as u8;
        let mut i = 2;
        for o in &self.options {
            i += o.emit(&mut v[i..]).map_err(|e| e.shifted(i))?;
        }
        Ok(())
    }

    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut v = vec![0u8; self.buffer_len()];
        self.emit(&mut OptionsHeaderPacket::new_unchecked(&mut v[..]))?;
        Ok(v)
    }

    pub fn home_address(&self) -> Option<Ipv6Addr> {
        self.options.iter().find_map(Ipv6Option::home_address)
    }

    pub fn alignment_issues(&self) -> Vec<OptionMisaligned> {
        check_alignment(&self.options)
    }
}

mod rh2_field {
    pub const NEXT_HEADER: usize = 0;
    pub const HDR_EXT_LEN: usize = 1;
    pub const ROUTING_TYPE: usize = 2;
    pub const SEGMENTS_LEFT: usize = 3;
    pub const RESERVED: core::ops::Range<usize> = 4..8;
    pub const HOME_ADDRESS: core::ops::Range<usize> = 8..24;
}

/// Length of a type 2 Routing Header.
pub const RH2_LEN: usize = 24;

buffer_view! {
    /// A view of a type 2 Routing Header. `new_checked` only checks there are 24 octets; the
    /// Hdr Ext Len and Routing Type values are judged by [`Rh2Repr::parse`].
    #[derive(Debug, Clone, PartialEq, Eq)]
    Rh2Packet, at least RH2_LEN,
    else |len| format!("type 2 routing header truncated: {len} of 24 octets")
}

view_fields!(Rh2Packet {
    next_header, set_next_header: u8 = rh2_field::NEXT_HEADER;
    hdr_ext_len, set_hdr_ext_len: u8 = rh2_field::HDR_EXT_LEN;
    routing_type, set_routing_type: u8 = rh2_field::ROUTING_TYPE;
    segments_left, set_segments_left: u8 = rh2_field::SEGMENTS_LEFT;
    reserved, set_reserved: u32 = rh2_field::RESERVED;
    home_address, set_home_address: Ipv6Addr = rh2_field::HOME_ADDRESS;
});

/// A type 2 Routing Header (RFC 6275 §6.4.1). Hdr Ext Len (2) and Routing Type (2) are fixed
/// and checked on parse; Segments Left (MUST be 1) and Reserved are kept as received.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rh2Repr {
    pub next_header: u8,
    pub segments_left: u8,
    pub reserved: u32,
    pub home_address: Ipv6Addr,
}

impl Rh2Repr {
    /// What a sender writes: Segments Left 1, Reserved 0.
    pub fn new(next_header: u8, home_address: Ipv6Addr) -> Rh2Repr {
        Rh2Repr {
            next_header,
            segments_left: 1,
            reserved: 0,
            home_address,
        }
    }

    pub fn parse<T: AsRef<[u8]>>(p: &Rh2Packet<T>) -> Result<Rh2Repr> {
        require_len(p.buffer.as_ref(), RH2_LEN, |_| {
            "type 2 routing header truncated"
        })?;
        if p.routing_type() != ROUTING_TYPE_2 {
            return Err(Error::new(
                rh2_field::ROUTING_TYPE,
                format!("Routing Type {}, not 2", p.routing_type()),
            ));
        }
        if p.hdr_ext_len() != 2 {
            return Err(Error::new(
                rh2_field::HDR_EXT_LEN,
                format!(
                    "type 2 routing header Hdr Ext Len {}, must be 2",
                    p.hdr_ext_len()
                ),
            ));
        }
        Ok(Rh2Repr {
            next_header: p.next_header(),
            segments_left: p.segments_left(),
            reserved: p.reserved(),
            home_address: p.home_address(),
        })
    }

    /// Parses `b`, which must be exactly the 24-octet header.
    pub fn from_bytes(b: &[u8]) -> Result<Rh2Repr> {
        let r = Rh2Repr::parse(&Rh2Packet::new_checked(b)?)?;
        if b.len() != RH2_LEN {
            return Err(Error::new(
                RH2_LEN,
                "octets after the type 2 routing header",
            ));
        }
        Ok(r)
    }

    pub fn buffer_len(&self) -> usize {
        RH2_LEN
    }

    /// Writes the header; the view must hold 24 octets (as `new_checked` ensures).
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, p: &mut Rh2Packet<T>) {
        p.set_next_header(self.next_header);
        p.set_hdr_ext_len(2);
        p.set_routing_type(ROUTING_TYPE_2);
        p.set_segments_left(self.segments_left);
        p.set_reserved(self.reserved);
        p.set_home_address(self.home_address);
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut v = vec![0u8; RH2_LEN];
        self.emit(&mut Rh2Packet::new_unchecked(&mut v[..]));
        v
    }
}
