//! DHCPv4 (RFC 2131) with the options the dual-stack access network uses: the co-located
//! care-of address in `yiaddr`, the Foreign Home Agent in the Mobile IP Home Agent option (68),
//! and the NAS's relay agent information (option 82, RFC 3046) carrying the AAA's answer in
//! the RADIUS Attributes sub-option (7, RFC 4014).
//!
//! - the fixed header of RFC 2131 §2 (Figure 1, Table 1) with every field kept as sent
//!   (`sname` and `file` raw, `chaddr` all 16 octets), then the magic cookie 99.130.83.99
//!   (RFC 2131 §3; Kea's `DHCP_OPTIONS_COOKIE` 0x63825363): a message without it (plain BOOTP)
//!   is an error;
//! - options in wire order, duplicates kept, Pad (0) and End (255) kept as items, unknown
//!   codes kept raw ([`DhcpOption::Other`]), octets after End kept raw
//!   ([`Repr::trailing`]);
//! - **option overload** (52, RFC 2131 §4.1) is decoded as an option, but the options it says
//!   `sname` and `file` carry are not: those fields stay raw octets (they round-trip), and
//!   [`Repr::overload`] tells a caller to look there. The lab's client never asks for it.
//! - Long options split across several instances (RFC 2131 §4.1: "the client concatenates the
//!   values of multiple instances") are kept as the instances; [`Repr::home_agents`] joins
//!   option 68 that way.
//!
//! Parsing checks encodings (each typed option's length), not message rules: a message
//! without a DHCP Message Type, or a reply with a zero `yiaddr`, parses, and judging it is the
//! caller's business.
//!
//! Round trip: `emit(parse(x)) == x` for every `x` that parses. Emitting writes what a `Repr`
//! holds without judging it, so a test can send messages parsing rejects.
//!
//! Code points (RFC 2132, RFC 3046, RFC 4014 are not in the lab's spec folder): checked
//! against ISC Kea's `src/lib/dhcp/dhcp4.h` (the `DHO_*` option codes with their RFC 2132
//! references, message types 1–8, ports 67/68, the cookie, `BOOTP_BROADCAST` 0x8000, the
//! `RAI_OPTION_*` sub-option codes 1 RFC 3046, 2 RFC 3046, 7 RFC 4014) and Wireshark's
//! `packet-dhcp.c` header ("RFC 4014 RADIUS Attributes Suboption (add subopt 7 to RFC 3046)").
//! Option 68's "zero or more" addresses: RFC 2132's figure as PcapDotNet quotes it, and Kea
//! accepting an empty `mobile-ip-home-agent`; option 68 in RFC 2132 §8.13 (minimum length 0,
//! a multiple of 4) checked against public quotes of the RFC (fixtures/profiles/dualstack.md,
//! "Sources checked"). The other RFC 2132 section numbers cited (§3.x, §9.x) are the lab's
//! reading.

pub mod option;
#[cfg(test)]
mod tests;

pub use option::{
    code, message_name, message_type, option_name, suboption, suboption_name, DhcpOption,
    RelaySubOption,
};

use crate::view::{buffer_view, require_len, room_for, view_fields};
use crate::{Error, Result};
use std::net::Ipv4Addr;

/// UDP port servers and relay agents listen on (RFC 2131 §4.1).
pub const SERVER_PORT: u16 = 67;
/// UDP port clients listen on (RFC 2131 §4.1).
pub const CLIENT_PORT: u16 = 68;
/// The first four octets of the options area (RFC 2131 §3: 99, 130, 83, 99).
pub const MAGIC_COOKIE: [u8; 4] = [99, 130, 83, 99];
/// Octets before the magic cookie (RFC 2131 Figure 1).
pub const HEADER_LEN: usize = 236;
/// Header and cookie: the shortest DHCP message.
pub const MIN_LEN: usize = HEADER_LEN + MAGIC_COOKIE.len();
/// The BROADCAST bit of `flags` (RFC 2131 §2, Figure 2: the leftmost bit).
pub const FLAG_BROADCAST: u16 = 0x8000;
/// `op` values (RFC 2131 Table 1).
pub const BOOTREQUEST: u8 = 1;
pub const BOOTREPLY: u8 = 2;
/// `htype` of Ethernet ("Assigned Numbers", RFC 2131 Table 1: "'1' = 10mb ethernet").
pub const HTYPE_ETHERNET: u8 = 1;

mod field {
    use std::ops::Range;
    pub const OP: usize = 0;
    pub const HTYPE: usize = 1;
    pub const HLEN: usize = 2;
    pub const HOPS: usize = 3;
    pub const XID: Range<usize> = 4..8;
    pub const SECS: Range<usize> = 8..10;
    pub const FLAGS: Range<usize> = 10..12;
    pub const CIADDR: Range<usize> = 12..16;
    pub const YIADDR: Range<usize> = 16..20;
    pub const SIADDR: Range<usize> = 20..24;
    pub const GIADDR: Range<usize> = 24..28;
    pub const CHADDR: Range<usize> = 28..44;
    pub const SNAME: Range<usize> = 44..108;
    pub const FILE: Range<usize> = 108..236;
    pub const COOKIE: Range<usize> = 236..240;
}

buffer_view! {
    /// A read/write view of a DHCPv4 message (a UDP payload). [`Packet::new_checked`] makes
    /// every accessor safe.
    #[derive(Debug, Clone, PartialEq, Eq)]
    Packet, checked by check_len
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// The 236-octet header and the magic cookie are there.
    pub fn check_len(&self) -> Result<()> {
        let b = self.buffer.as_ref();
        require_len(b, MIN_LEN, |n| {
            format!("DHCPv4 message of {n} octets, header and magic cookie need {MIN_LEN}")
        })?;
        if b[field::COOKIE] != MAGIC_COOKIE {
            return Err(Error::new(
                field::COOKIE.start,
                format!(
                    "no DHCP magic cookie (0x{}; plain BOOTP is not supported)",
                    hex_of(&b[field::COOKIE])
                ),
            ));
        }
        Ok(())
    }

    pub fn chaddr(&self) -> [u8; 16] {
        let mut a = [0u8; 16];
        a.copy_from_slice(&self.buffer.as_ref()[field::CHADDR]);
        a
    }

    pub fn sname(&self) -> &[u8] {
        &self.buffer.as_ref()[field::SNAME]
    }

    pub fn file(&self) -> &[u8] {
        &self.buffer.as_ref()[field::FILE]
    }

    /// The octets after the magic cookie.
    pub fn options(&self) -> &[u8] {
        &self.buffer.as_ref()[MIN_LEN..]
    }
}

view_fields!(Packet {
    op, set_op: u8 = field::OP;
    htype, set_htype: u8 = field::HTYPE;
    hlen, set_hlen: u8 = field::HLEN;
    hops, set_hops: u8 = field::HOPS;
    xid, set_xid: u32 = field::XID;
    secs, set_secs: u16 = field::SECS;
    flags, set_flags: u16 = field::FLAGS;
    ciaddr, set_ciaddr: Ipv4Addr = field::CIADDR;
    yiaddr, set_yiaddr: Ipv4Addr = field::YIADDR;
    siaddr, set_siaddr: Ipv4Addr = field::SIADDR;
    giaddr, set_giaddr: Ipv4Addr = field::GIADDR;
});

fn hex_of(b: &[u8]) -> String {
    b.iter().map(|o| format!("{o:02x}")).collect()
}

/// A DHCPv4 message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repr {
    pub op: u8,
    pub htype: u8,
    pub hlen: u8,
    pub hops: u8,
    pub xid: u32,
    pub secs: u16,
    /// The BROADCAST bit ([`FLAG_BROADCAST`]) and the 15 bits RFC 2131 §2 says MUST be zero,
    /// as sent.
    pub flags: u16,
    pub ciaddr: Ipv4Addr,
    pub yiaddr: Ipv4Addr,
    pub siaddr: Ipv4Addr,
    pub giaddr: Ipv4Addr,
    /// All 16 octets; the hardware address is the first `hlen` ([`Repr::hardware_address`]).
    pub chaddr: [u8; 16],
    pub sname: [u8; 64],
    pub file: [u8; 128],
    /// The options after the cookie in wire order, Pad and End included.
    pub options: Vec<DhcpOption>,
    /// Octets after the End option (padding), as sent; empty when there is no End.
    pub trailing: Vec<u8>,
}

impl Repr {
    /// A message with every header field zero but these (`htype` Ethernet, `hlen` 6, `chaddr`
    /// the MAC) and no options.
    pub fn new(op: u8, xid: u32, mac: [u8; 6]) -> Repr {
        let mut chaddr = [0u8; 16];
        chaddr[..6].copy_from_slice(&mac);
        Repr {
            op,
            htype: HTYPE_ETHERNET,
            hlen: 6,
            hops: 0,
            xid,
            secs: 0,
            flags: 0,
            ciaddr: Ipv4Addr::UNSPECIFIED,
            yiaddr: Ipv4Addr::UNSPECIFIED,
            siaddr: Ipv4Addr::UNSPECIFIED,
            giaddr: Ipv4Addr::UNSPECIFIED,
            chaddr,
            sname: [0; 64],
            file: [0; 128],
            options: Vec::new(),
            trailing: Vec::new(),
        }
    }

    /// Whether the BROADCAST bit is set.
    pub fn broadcast(&self) -> bool {
        self.flags & FLAG_BROADCAST != 0
    }

    /// The first `hlen` octets of `chaddr` (all 16 when `hlen` is larger).
    pub fn hardware_address(&self) -> &[u8] {
        &self.chaddr[..usize::from(self.hlen).min(16)]
    }

    /// Every option with this code, in wire order.
    pub fn options_with(&self, code: u8) -> impl Iterator<Item = &DhcpOption> {
        self.options.iter().filter(move |o| o.code() == code)
    }

    /// The value of the first DHCP Message Type option (53).
    pub fn message_type(&self) -> Option<u8> {
        self.options.iter().find_map(|o| match o {
            DhcpOption::MessageType(t) => Some(*t),
            _ => None,
        })
    }

    /// The first Server Identifier (54).
    pub fn server_id(&self) -> Option<Ipv4Addr> {
        self.options.iter().find_map(|o| match o {
            DhcpOption::ServerId(a) => Some(*a),
            _ => None,
        })
    }

    /// The value of the first Option Overload (52): 1 `file`, 2 `sname`, 3 both hold options
    /// (which this codec leaves raw in those fields).
    pub fn overload(&self) -> Option<u8> {
        self.options.iter().find_map(|o| match o {
            DhcpOption::Overload(v) => Some(*v),
            _ => None,
        })
    }

    /// The addresses of every Mobile IP Home Agent option (68), instances concatenated in
    /// order (RFC 2131 §4.1); `None` when there is no such option, `Some(empty)` for the
    /// zero-length form.
    pub fn home_agents(&self) -> Option<Vec<Ipv4Addr>> {
        let mut found = false;
        let mut all = Vec::new();
        for o in &self.options {
            if let DhcpOption::MobileIpHomeAgent(a) = o {
                found = true;
                all.extend_from_slice(a);
            }
        }
        found.then_some(all)
    }

    /// The sub-options of the first Relay Agent Information option (82).
    pub fn relay_agent_information(&self) -> Option<&[RelaySubOption]> {
        self.options.iter().find_map(|o| match o {
            DhcpOption::RelayAgentInformation(s) => Some(s.as_slice()),
            _ => None,
        })
    }

    /// Decodes a checked view.
    pub fn parse<T: AsRef<[u8]>>(p: &Packet<T>) -> Result<Repr> {
        let (options, trailing) = option::parse_options(p.options(), MIN_LEN)?;
        let mut sname = [0u8; 64];
        sname.copy_from_slice(p.sname());
        let mut file = [0u8; 128];
        file.copy_from_slice(p.file());
        Ok(Repr {
            op: p.op(),
            htype: p.htype(),
            hlen: p.hlen(),
            hops: p.hops(),
            xid: p.xid(),
            secs: p.secs(),
            flags: p.flags(),
            ciaddr: p.ciaddr(),
            yiaddr: p.yiaddr(),
            siaddr: p.siaddr(),
            giaddr: p.giaddr(),
            chaddr: p.chaddr(),
            sname,
            file,
            options,
            trailing: trailing.to_vec(),
        })
    }

    /// Parses `b`, all of which is the message.
    pub fn from_bytes(b: &[u8]) -> Result<Repr> {
        Repr::parse(&Packet::new_checked(b)?)
    }

    /// Octets of the message.
    pub fn buffer_len(&self) -> usize {
        MIN_LEN + option::options_len(&self.options) + self.trailing.len()
    }

    /// Writes the message into the first [`Repr::buffer_len`] octets of the view. Fails when
    /// the view is short or an option's value exceeds 255 octets.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, p: &mut Packet<T>) -> Result<()> {
        let len = self.buffer_len();
        room_for(p.buffer.as_mut(), len, "DHCPv4 message")?;
        p.set_op(self.op);
        p.set_htype(self.htype);
        p.set_hlen(self.hlen);
        p.set_hops(self.hops);
        p.set_xid(self.xid);
        p.set_secs(self.secs);
        p.set_flags(self.flags);
        p.set_ciaddr(self.ciaddr);
        p.set_yiaddr(self.yiaddr);
        p.set_siaddr(self.siaddr);
        p.set_giaddr(self.giaddr);
        let b = p.buffer.as_mut();
        b[field::CHADDR].copy_from_slice(&self.chaddr);
        b[field::SNAME].copy_from_slice(&self.sname);
        b[field::FILE].copy_from_slice(&self.file);
        b[field::COOKIE].copy_from_slice(&MAGIC_COOKIE);
        let options_end = len - self.trailing.len();
        option::emit_options(&self.options, &mut b[MIN_LEN..options_end], MIN_LEN)?;
        b[options_end..len].copy_from_slice(&self.trailing);
        Ok(())
    }

    /// The message's octets.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut b = vec![0u8; self.buffer_len()];
        self.emit(&mut Packet::new_unchecked(&mut b[..]))?;
        Ok(b)
    }
}
