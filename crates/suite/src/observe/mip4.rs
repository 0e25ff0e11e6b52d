//! Mobile IPv4 (RFC 5944) as judges read it: Registration Requests and Replies with their
//! extensions in order, Agent Advertisements and Solicitations, as the capture's MIPv4
//! dissector shows them (`crates/capture/src/dissect/mip4.rs`), and the pairing of a Request
//! with its Reply, and of what a foreign agent relayed.
//!
//! Order: [`Mip4Message::position`] is the entry's index in the observation's transcript,
//! which is capture order (across links once merged); frame numbers are evidence only.
//! Every accessor returns `None` (or an empty list) for a field that is absent or does not
//! read: a view never panics on a transcript, however it was made.
//!
//! The Identification is volatile (shown `*` in text transcripts) but its value stays in the
//! part, so pairing works on fresh decodes and on JSON transcripts alike.

use super::tunnel::Tunnel;
use super::{leading_number, parsed, unquoted};
use crate::Observation;
use mip6lab_capture::{Decoded, Entry, Part};
use mip6lab_wire::dsprofile::Item;
use mip6lab_wire::mip4::ext::{adv_ext_name, reg_ext_name};
use mip6lab_wire::mip4::{AdvFlags, ReplyCode, RrqFlags};
use std::net::{Ipv4Addr, Ipv6Addr};

const PROTOCOL: &str = "MIPv4";

/// What a MIPv4 entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mip4Kind {
    /// Registration Request (UDP 434, type 1; RFC 5944 §3.3).
    Request,
    /// Registration Reply (type 3; §3.4).
    Reply,
    /// ICMP Router Advertisement with a Mobility Agent Advertisement extension (§2.1).
    AgentAdvertisement,
    /// ICMP Router Advertisement without one.
    RouterAdvertisement,
    /// Agent Solicitation (ICMP type 10; §2.2).
    AgentSolicitation,
    /// Another UDP 434 message type (shown `type N`, e.g. RFC 3519's Tunnel Data).
    Other,
}

impl Mip4Kind {
    fn of(kind: &str) -> Mip4Kind {
        match kind {
            "RRQ" => Mip4Kind::Request,
            "RRP" => Mip4Kind::Reply,
            "AgentAdv" => Mip4Kind::AgentAdvertisement,
            "RouterAdv" => Mip4Kind::RouterAdvertisement,
            "AgentSol" => Mip4Kind::AgentSolicitation,
            _ => Mip4Kind::Other,
        }
    }

    /// Whether its extensions are numbered in the registration space (UDP 434) rather than
    /// the Router Discovery one (RFC 5944 §1.8: the two are separate).
    fn registration(self) -> bool {
        matches!(self, Mip4Kind::Request | Mip4Kind::Reply | Mip4Kind::Other)
    }
}

/// Which extension an entry of [`Mip4Message::extensions`] is, without its data: what
/// [`Mip4Message::extension_index`] looks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mip4ExtensionKind {
    Padding,
    /// Mobile Node NAI (131, RFC 2794 §2).
    Nai,
    /// Mobile-Home Authentication (32, RFC 5944 §3.5.2).
    MnHaAuth,
    /// Mobile-Foreign Authentication (33, §3.5.3).
    MnFaAuth,
    /// Foreign-Home Authentication (34, §3.5.4).
    FaHaAuth,
    /// Generalized Authentication (36) with the MN-AAA subtype 1 (RFC 4721 §6).
    MnAaaAuth,
    /// Generalized Authentication with another subtype.
    GeneralizedAuth,
    /// MN-HA / MN-FA Key Generation Nonce Request and Reply (42, 43, 40, 41; RFC 3957 §8).
    MnHaKeyGenRequest,
    MnHaKeyGenReply,
    MnFaKeyGenRequest,
    MnFaKeyGenReply,
    /// Normal Vendor/Organization Specific Extension (134, RFC 3115 §2.2).
    Nvse,
    /// Critical Vendor/Organization Specific Extension (38, RFC 3115 §2.1).
    Cvse,
    /// Encapsulating Delivery Style (130, RFC 3024 §3.3).
    EncapsulatingDelivery,
    /// MN-FA Challenge (132, RFC 4721 §3) in a Request.
    MnFaChallenge,
    /// Dynamic HA (139, RFC 4433 §3.4).
    DynamicHa,
    /// Mobility Agent Advertisement (16, RFC 5944 §2.1.1).
    MobilityAgent,
    /// Prefix-Lengths (19, §2.1.2).
    PrefixLengths,
    /// Challenge (24, RFC 4721 §2) in an Agent Advertisement.
    AdvChallenge,
    /// Any other type: named but not typed here (UDP Tunnel Request, …) or unknown (`ext N`).
    Other,
}

/// Whom a Key Generation extension is for (RFC 3957 §8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyGenPeer {
    HomeAgent,
    ForeignAgent,
}

/// An MN-HA or MN-FA Key Generation Nonce Reply (RFC 3957 §6.2, §6.4). The nonce is volatile
/// and not kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyGenReply {
    pub peer: KeyGenPeer,
    pub subtype: Option<u8>,
    pub lifetime: Option<u32>,
    pub aaa_spi: Option<u32>,
    /// `ha_spi` of an MN-HA reply, `fa_spi` of an MN-FA one.
    pub peer_spi: Option<u32>,
    pub algorithm: Option<u16>,
    /// The replay method (MN-HA replies only).
    pub replay: Option<u16>,
}

/// A CVSE or NVSE (RFC 3115), with the lab profile's item where the profile names it
/// (`profile_item=ipv6-hoa address=…`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VendorExtension<'a> {
    /// CVSE (type 38) rather than NVSE (134).
    pub critical: bool,
    /// Organization (SMI network management private enterprise code).
    pub vendor: Option<u32>,
    pub vendor_type: Option<u16>,
    /// The value as shown: `0x` and hex.
    pub value: Option<&'a str>,
    /// The profile's item key (`ipv6-hoa`, `ipv6-home-prefix`, `ipv6-ha-address`,
    /// `ipv6-coa`), when the profile names this vendor type.
    pub profile_item: Option<&'a str>,
    /// The value read as an IPv6 address, when it is 16 octets of a profile item.
    pub address: Option<Ipv6Addr>,
}

impl VendorExtension<'_> {
    /// The profile item, typed.
    pub fn item(&self) -> Option<Item> {
        Item::from_key(self.profile_item?)
    }

    /// The value's octets.
    pub fn value_bytes(&self) -> Option<Vec<u8>> {
        let hex = self.value?.strip_prefix("0x")?;
        if hex.len() % 2 != 0 || !hex.is_ascii() {
            return None;
        }
        (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).ok())
            .collect()
    }

    /// The value read as a prefix: length (one octet) then 16 octets, as the profile lays out
    /// the IPv6 home prefix.
    pub fn prefix(&self) -> Option<(Ipv6Addr, u8)> {
        let b = self.value_bytes()?;
        let (&len, rest) = b.split_first()?;
        let octets = <[u8; 16]>::try_from(rest).ok()?;
        (len <= 128).then_some((Ipv6Addr::from(octets), len))
    }
}

/// The Mobility Agent Advertisement extension of an Agent Advertisement (RFC 5944 §2.1.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MobilityAgentExtension {
    /// The sequence number (volatile: shown `*`, kept in the part).
    pub sequence: Option<u16>,
    pub registration_lifetime: Option<u16>,
    /// The flags (R B H F M G r T U X I and the reserved bits); `None` if unreadable.
    pub flags: Option<AdvFlags>,
    /// The care-of addresses offered; `None` if one does not read.
    pub care_of_addresses: Option<Vec<Ipv4Addr>>,
}

/// An extension this view does not type (or that the dissector could not).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OtherExtension<'a> {
    /// As shown (`UDP Tunnel Request`, `ext 200`).
    pub name: &'a str,
    /// The type number, from the name.
    pub ext_type: Option<u8>,
    pub subtype: Option<u8>,
    /// The data as shown (`0x…`).
    pub data: Option<&'a str>,
}

impl OtherExtension<'_> {
    /// Types 128–255 are skipped when not understood, 0–127 make the message be discarded
    /// (RFC 5944 §1.8).
    pub fn skippable(&self) -> Option<bool> {
        self.ext_type.map(|t| t >= 128)
    }
}

/// One extension of a MIPv4 message, in wire order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mip4Extension<'a> {
    Padding,
    /// The NAI as shown, without the quotes (non-UTF-8 octets as U+FFFD, escapes as Rust
    /// writes them).
    Nai(Option<&'a str>),
    MnHaAuth {
        spi: Option<u32>,
    },
    MnFaAuth {
        spi: Option<u32>,
    },
    FaHaAuth {
        spi: Option<u32>,
    },
    /// Generalized Authentication (RFC 4721 §5); subtype 1 is MN-AAA.
    GeneralizedAuth {
        subtype: Option<u8>,
        spi: Option<u32>,
    },
    KeyGenRequest {
        peer: KeyGenPeer,
        subtype: Option<u8>,
        mn_spi: Option<u32>,
    },
    KeyGenReply(KeyGenReply),
    Vendor(VendorExtension<'a>),
    EncapsulatingDelivery,
    /// MN-FA Challenge in a Request (RFC 4721 §3); the value is volatile.
    MnFaChallenge(Option<&'a str>),
    /// Challenge in an Agent Advertisement (RFC 4721 §2); the value is volatile.
    AdvChallenge(Option<&'a str>),
    DynamicHa {
        subtype: Option<u8>,
        address: Option<Ipv4Addr>,
    },
    MobilityAgent(MobilityAgentExtension),
    /// Prefix lengths, one per router address; `None` if one does not read.
    PrefixLengths(Option<Vec<u8>>),
    Other(OtherExtension<'a>),
}

/// The letters' bits, as the dissector names them in `order`; `None` for a letter it does not.
fn bits_of(letters: &str, order: &[(char, u16)]) -> Option<u16> {
    letters.chars().try_fold(0u16, |acc, c| {
        order
            .iter()
            .find(|(l, _)| *l == c)
            .map(|(_, bit)| acc | bit)
    })
}

const RRQ_LETTERS: [(char, u16); 8] = [
    ('S', RrqFlags::S as u16),
    ('B', RrqFlags::B as u16),
    ('D', RrqFlags::D as u16),
    ('M', RrqFlags::M as u16),
    ('G', RrqFlags::G as u16),
    ('r', RrqFlags::RESERVED_R as u16),
    ('T', RrqFlags::T as u16),
    ('x', RrqFlags::RESERVED_X as u16),
];

const ADV_LETTERS: [(char, u16); 11] = [
    ('R', AdvFlags::R),
    ('B', AdvFlags::B),
    ('H', AdvFlags::H),
    ('F', AdvFlags::F),
    ('M', AdvFlags::M),
    ('G', AdvFlags::G),
    ('r', AdvFlags::RESERVED_R),
    ('T', AdvFlags::T),
    ('U', AdvFlags::U),
    ('X', AdvFlags::X),
    ('I', AdvFlags::I),
];

/// Comma-separated values, each parsed; `None` if one does not parse. Absent is empty.
fn list<T: std::str::FromStr>(v: Option<&str>, each: impl Fn(&str) -> &str) -> Option<Vec<T>> {
    match v {
        None | Some("") => Some(Vec::new()),
        Some(v) => v.split(',').map(|x| each(x).parse().ok()).collect(),
    }
}

/// The type number of an extension shown as `name` in a space.
fn type_of(name: &str, registration: bool) -> Option<u8> {
    if let Some(n) = name.strip_prefix("ext ") {
        return n.parse().ok();
    }
    let named = if registration {
        reg_ext_name
    } else {
        adv_ext_name
    };
    (0..=u8::MAX).find(|t| named(*t) == Some(name))
}

impl<'a> Mip4Extension<'a> {
    fn from_part(m: &'a Part, registration: bool) -> Mip4Extension<'a> {
        let spi = || parsed(m, "spi");
        let subtype = || leading_number(m, "subtype");
        let keygen_reply = |peer, peer_spi| {
            Mip4Extension::KeyGenReply(KeyGenReply {
                peer,
                subtype: subtype(),
                lifetime: parsed(m, "lifetime"),
                aaa_spi: parsed(m, "aaa_spi"),
                peer_spi: parsed(m, peer_spi),
                algorithm: parsed(m, "algorithm"),
                replay: parsed(m, "replay"),
            })
        };
        let vendor = |critical| {
            Mip4Extension::Vendor(VendorExtension {
                critical,
                vendor: parsed(m, "vendor"),
                vendor_type: parsed(m, "vendor_type"),
                value: m.get("value"),
                profile_item: m.get("profile_item"),
                address: parsed(m, "address"),
            })
        };
        let other = || {
            Mip4Extension::Other(OtherExtension {
                name: &m.kind,
                ext_type: type_of(&m.kind, registration),
                subtype: subtype(),
                data: m.get("data"),
            })
        };
        if !registration {
            return match m.kind.as_str() {
                "Padding" => Mip4Extension::Padding,
                "Mobility Agent Advertisement" => {
                    let flags = bits_of(m.get("flags").unwrap_or_default(), &ADV_LETTERS);
                    let reserved = match m.get("reserved") {
                        None => Some(0),
                        Some(r) => r.parse::<u16>().ok(),
                    };
                    Mip4Extension::MobilityAgent(MobilityAgentExtension {
                        sequence: parsed(m, "seq"),
                        registration_lifetime: parsed(m, "reg_lifetime"),
                        flags: flags.zip(reserved).map(|(f, r)| AdvFlags(f | r)),
                        care_of_addresses: list(m.get("coa"), str::trim),
                    })
                }
                "Prefix-Lengths" => Mip4Extension::PrefixLengths(list(m.get("value"), str::trim)),
                "Challenge" => Mip4Extension::AdvChallenge(m.get("value")),
                _ => other(),
            };
        }
        match m.kind.as_str() {
            "Padding" => Mip4Extension::Padding,
            "NAI" => Mip4Extension::Nai(m.get("value").map(unquoted)),
            "MN-HA Auth" => Mip4Extension::MnHaAuth { spi: spi() },
            "MN-FA Auth" => Mip4Extension::MnFaAuth { spi: spi() },
            "FA-HA Auth" => Mip4Extension::FaHaAuth { spi: spi() },
            "Generalized Auth" => Mip4Extension::GeneralizedAuth {
                subtype: subtype(),
                spi: spi(),
            },
            "MN-HA KeyGen Request" | "MN-FA KeyGen Request" => Mip4Extension::KeyGenRequest {
                peer: if m.kind.starts_with("MN-HA") {
                    KeyGenPeer::HomeAgent
                } else {
                    KeyGenPeer::ForeignAgent
                },
                subtype: subtype(),
                mn_spi: parsed(m, "mn_spi"),
            },
            "MN-HA KeyGen Reply" => keygen_reply(KeyGenPeer::HomeAgent, "ha_spi"),
            "MN-FA KeyGen Reply" => keygen_reply(KeyGenPeer::ForeignAgent, "fa_spi"),
            "NVSE" => vendor(false),
            "CVSE" => vendor(true),
            "Encapsulating Delivery Style" => Mip4Extension::EncapsulatingDelivery,
            "MN-FA Challenge" => Mip4Extension::MnFaChallenge(m.get("value")),
            "Dynamic HA" => Mip4Extension::DynamicHa {
                subtype: subtype(),
                address: parsed(m, "address"),
            },
            _ => other(),
        }
    }

    /// Which extension this is.
    pub fn kind(&self) -> Mip4ExtensionKind {
        use Mip4ExtensionKind as K;
        match self {
            Mip4Extension::Padding => K::Padding,
            Mip4Extension::Nai(_) => K::Nai,
            Mip4Extension::MnHaAuth { .. } => K::MnHaAuth,
            Mip4Extension::MnFaAuth { .. } => K::MnFaAuth,
            Mip4Extension::FaHaAuth { .. } => K::FaHaAuth,
            Mip4Extension::GeneralizedAuth { subtype, .. } => {
                if *subtype == Some(mip6lab_wire::mip4::ext::GEN_AUTH_MN_AAA) {
                    K::MnAaaAuth
                } else {
                    K::GeneralizedAuth
                }
            }
            Mip4Extension::KeyGenRequest { peer, .. } => match peer {
                KeyGenPeer::HomeAgent => K::MnHaKeyGenRequest,
                KeyGenPeer::ForeignAgent => K::MnFaKeyGenRequest,
            },
            Mip4Extension::KeyGenReply(r) => match r.peer {
                KeyGenPeer::HomeAgent => K::MnHaKeyGenReply,
                KeyGenPeer::ForeignAgent => K::MnFaKeyGenReply,
            },
            Mip4Extension::Vendor(v) if v.critical => K::Cvse,
            Mip4Extension::Vendor(_) => K::Nvse,
            Mip4Extension::EncapsulatingDelivery => K::EncapsulatingDelivery,
            Mip4Extension::MnFaChallenge(_) => K::MnFaChallenge,
            Mip4Extension::AdvChallenge(_) => K::AdvChallenge,
            Mip4Extension::DynamicHa { .. } => K::DynamicHa,
            Mip4Extension::MobilityAgent(_) => K::MobilityAgent,
            Mip4Extension::PrefixLengths(_) => K::PrefixLengths,
            Mip4Extension::Other(_) => K::Other,
        }
    }

    /// The SPI of an authentication extension (MN-HA, MN-FA, FA-HA, Generalized).
    pub fn spi(&self) -> Option<u32> {
        match self {
            Mip4Extension::MnHaAuth { spi }
            | Mip4Extension::MnFaAuth { spi }
            | Mip4Extension::FaHaAuth { spi }
            | Mip4Extension::GeneralizedAuth { spi, .. } => *spi,
            _ => None,
        }
    }
}

/// A Mobile IPv4 message on the wire: a Registration Request or Reply, an Agent
/// Advertisement or Solicitation. Accessors of another kind's fields return `None`.
#[derive(Debug, Clone)]
pub struct Mip4Message<'a> {
    pub entry: &'a Entry,
    /// Index of the entry in the observation's transcript: capture order.
    pub position: usize,
    /// The sender's and receiver's roles ([`Observation::role_of`] when the entry shows only
    /// an address).
    pub src: &'a str,
    pub dst: &'a str,
    pub kind: Mip4Kind,
    /// The tunnel it came through, if it did.
    pub tunnel: Option<Tunnel>,
    pub extensions: Vec<Mip4Extension<'a>>,
    /// The transcript part, for what the view does not type.
    pub part: &'a Part,
}

impl<'a> Mip4Message<'a> {
    /// The view of a MIPv4 entry; `None` for any other.
    pub fn from_entry(
        entry: &'a Entry,
        position: usize,
        src: &'a str,
        dst: &'a str,
    ) -> Option<Mip4Message<'a>> {
        let Decoded::Message(m) = &entry.decoded else {
            return None;
        };
        if m.protocol != PROTOCOL {
            return None;
        }
        let kind = Mip4Kind::of(&m.kind);
        Some(Mip4Message {
            entry,
            position,
            src,
            dst,
            kind,
            tunnel: Tunnel::of_part(m),
            extensions: m
                .children
                .iter()
                .map(|c| Mip4Extension::from_part(c, kind.registration()))
                .collect(),
            part: m,
        })
    }

    pub fn frame(&self) -> u64 {
        self.entry.frame
    }

    pub fn is_request(&self) -> bool {
        self.kind == Mip4Kind::Request
    }

    pub fn is_reply(&self) -> bool {
        self.kind == Mip4Kind::Reply
    }

    pub fn is_agent_advertisement(&self) -> bool {
        self.kind == Mip4Kind::AgentAdvertisement
    }

    pub fn is_solicitation(&self) -> bool {
        self.kind == Mip4Kind::AgentSolicitation
    }

    fn is_registration(&self) -> bool {
        matches!(self.kind, Mip4Kind::Request | Mip4Kind::Reply)
    }

    // ---- Registration Request and Reply (RFC 5944 §3.3, §3.4) ----

    /// A Request's flags (S B D M G r T x); `None` for other kinds or unreadable letters.
    pub fn flags(&self) -> Option<RrqFlags> {
        if !self.is_request() {
            return None;
        }
        // The dissector leaves `flags` out when none is set.
        let bits = bits_of(self.part.get("flags").unwrap_or_default(), &RRQ_LETTERS)?;
        u8::try_from(bits).ok().map(RrqFlags)
    }

    /// Whether a Request has the flag `bit` (`RrqFlags::D`, …) set.
    pub fn has_flag(&self, bit: u8) -> Option<bool> {
        self.flags().map(|f| f.has(bit))
    }

    /// The registration Lifetime of a Request or Reply (seconds; 0 deregisters).
    pub fn lifetime(&self) -> Option<u16> {
        self.is_registration()
            .then(|| parsed(self.part, "lifetime"))
            .flatten()
    }

    /// Home Address (0.0.0.0 asks for one, RFC 2794).
    pub fn home_address(&self) -> Option<Ipv4Addr> {
        self.is_registration()
            .then(|| parsed(self.part, "hoa"))
            .flatten()
    }

    pub fn home_agent(&self) -> Option<Ipv4Addr> {
        self.is_registration()
            .then(|| parsed(self.part, "ha"))
            .flatten()
    }

    /// A Request's Care-of Address (the Reply has none).
    pub fn care_of_address(&self) -> Option<Ipv4Addr> {
        self.is_request()
            .then(|| parsed(self.part, "coa"))
            .flatten()
    }

    /// The 64-bit Identification (volatile in text, kept in the part).
    pub fn identification(&self) -> Option<u64> {
        let v = self
            .is_registration()
            .then(|| self.part.get("id"))
            .flatten()?;
        u64::from_str_radix(v.strip_prefix("0x")?, 16).ok()
    }

    /// A Reply's Code.
    pub fn code(&self) -> Option<u8> {
        self.is_reply()
            .then(|| leading_number(self.part, "code"))
            .flatten()
    }

    /// A Reply's Code, typed.
    pub fn reply_code(&self) -> Option<ReplyCode> {
        self.code().map(ReplyCode::from)
    }

    /// The Code's name as shown (`accepted`, `MISSING_NAI`); `None` for an unnamed code.
    pub fn code_name(&self) -> Option<&'a str> {
        if !self.is_reply() {
            return None;
        }
        let v = self.part.get("code")?;
        let (_, name) = v.split_once(" (")?;
        name.strip_suffix(')')
    }

    /// A Reply that accepts the registration (code 0 or 1, RFC 5944 §3.4).
    pub fn accepted(&self) -> bool {
        matches!(self.code(), Some(0 | 1))
    }

    /// The type of the first extension that is neither understood nor skippable, which makes
    /// the whole message be discarded (RFC 5944 §1.8), as the dissector reports it.
    pub fn discard(&self) -> Option<u8> {
        parsed(self.part, "discard")
    }

    /// The Mobile Node NAI (the first NAI extension's value).
    pub fn nai(&self) -> Option<&'a str> {
        self.extensions.iter().find_map(|e| match e {
            Mip4Extension::Nai(n) => *n,
            _ => None,
        })
    }

    /// The kinds of the extensions, in order.
    pub fn extension_kinds(&self) -> Vec<Mip4ExtensionKind> {
        self.extensions.iter().map(Mip4Extension::kind).collect()
    }

    /// The index of the first extension of `kind` (to judge order: "MN-AAA after the NAI").
    pub fn extension_index(&self, kind: Mip4ExtensionKind) -> Option<usize> {
        self.extensions.iter().position(|e| e.kind() == kind)
    }

    /// The first extension of `kind`.
    pub fn extension(&self, kind: Mip4ExtensionKind) -> Option<&Mip4Extension<'a>> {
        self.extensions.iter().find(|e| e.kind() == kind)
    }

    pub fn has_extension(&self, kind: Mip4ExtensionKind) -> bool {
        self.extension_index(kind).is_some()
    }

    /// The SPI of the first extension of `kind` (an authentication extension).
    pub fn spi_of(&self, kind: Mip4ExtensionKind) -> Option<u32> {
        self.extension(kind)?.spi()
    }

    /// The first MN-HA or MN-FA Key Generation Nonce Reply for `peer`.
    pub fn keygen_reply(&self, peer: KeyGenPeer) -> Option<&KeyGenReply> {
        self.extensions.iter().find_map(|e| match e {
            Mip4Extension::KeyGenReply(r) if r.peer == peer => Some(r),
            _ => None,
        })
    }

    /// CVSEs and NVSEs, in order.
    pub fn vendor_extensions(&self) -> Vec<&VendorExtension<'a>> {
        self.extensions
            .iter()
            .filter_map(|e| match e {
                Mip4Extension::Vendor(v) => Some(v),
                _ => None,
            })
            .collect()
    }

    /// The vendor extensions the lab's profile names (a Reply's IPv6 HoA, home prefix, IPv6
    /// HA and IPv6 CoA), in order.
    pub fn profile_items(&self) -> Vec<&VendorExtension<'a>> {
        self.vendor_extensions()
            .into_iter()
            .filter(|v| v.profile_item.is_some())
            .collect()
    }

    /// The first vendor extension carrying the profile's `item`.
    pub fn profile_item(&self, item: Item) -> Option<&VendorExtension<'a>> {
        self.profile_items()
            .into_iter()
            .find(|v| v.item() == Some(item))
    }

    /// The IPv6 home address the Reply carries (profile item `ipv6-hoa`).
    pub fn ipv6_home_address(&self) -> Option<Ipv6Addr> {
        self.profile_item(Item::Ipv6HomeAddress)?.address
    }

    /// The IPv6 home prefix the Reply carries (profile item `ipv6-home-prefix`).
    pub fn ipv6_home_prefix(&self) -> Option<(Ipv6Addr, u8)> {
        self.profile_item(Item::Ipv6HomePrefix)?.prefix()
    }

    /// The IPv6 home agent the Reply names (profile item `ipv6-ha-address`).
    pub fn ipv6_home_agent(&self) -> Option<Ipv6Addr> {
        self.profile_item(Item::Ipv6HaAddress)?.address
    }

    /// The IPv6 care-of address the Reply gives (profile item `ipv6-coa`).
    pub fn ipv6_care_of_address(&self) -> Option<Ipv6Addr> {
        self.profile_item(Item::Ipv6CareOf)?.address
    }

    // ---- Agent Advertisement and Solicitation (RFC 5944 §2) ----

    /// The ICMP Router Advertisement's lifetime (seconds).
    pub fn router_lifetime(&self) -> Option<u16> {
        matches!(
            self.kind,
            Mip4Kind::AgentAdvertisement | Mip4Kind::RouterAdvertisement
        )
        .then(|| parsed(self.part, "lifetime"))
        .flatten()
    }

    /// The router addresses of an advertisement (preferences dropped); `None` if one does
    /// not read.
    pub fn routers(&self) -> Option<Vec<Ipv4Addr>> {
        if self.is_registration() {
            return None;
        }
        list(self.part.get("routers"), |r| {
            r.split_once('/').map_or(r, |(a, _)| a)
        })
    }

    /// Whether the ICMP checksum verified.
    pub fn checksum_ok(&self) -> Option<bool> {
        self.part.get("checksum_ok").and_then(super::yes_no)
    }

    /// The Mobility Agent Advertisement extension.
    pub fn mobility_agent(&self) -> Option<&MobilityAgentExtension> {
        self.extensions.iter().find_map(|e| match e {
            Mip4Extension::MobilityAgent(a) => Some(a),
            _ => None,
        })
    }

    /// The advertisement's flags (R, B, H, F, …).
    pub fn agent_flags(&self) -> Option<AdvFlags> {
        self.mobility_agent()?.flags
    }

    /// Whether the advertisement has the flag `bit` (`AdvFlags::R`, …) set.
    pub fn has_agent_flag(&self, bit: u16) -> Option<bool> {
        self.agent_flags().map(|f| f.has(bit))
    }

    /// The registration lifetime the agent accepts (seconds).
    pub fn registration_lifetime(&self) -> Option<u16> {
        self.mobility_agent()?.registration_lifetime
    }

    /// The care-of addresses the agent offers.
    pub fn care_of_addresses(&self) -> Option<Vec<Ipv4Addr>> {
        self.mobility_agent()?.care_of_addresses.clone()
    }

    /// The advertisement's sequence number (volatile in text, kept in the part).
    pub fn advertisement_sequence(&self) -> Option<u16> {
        self.mobility_agent()?.sequence
    }
}

/// A registration as the capture shows it, hop by hop: the MN's Request, the copy a foreign
/// agent relayed to the home agent (none when the Request went there directly), the home
/// agent's Reply, and the Reply the MN got (the agent's relayed copy, or its own denial).
#[derive(Debug, Clone)]
pub struct Mip4Registration<'a> {
    pub request: Mip4Message<'a>,
    pub relayed_request: Option<Mip4Message<'a>>,
    /// The home agent's Reply: to the relayed copy, or to the Request when direct.
    pub home_reply: Option<Mip4Message<'a>>,
    /// The Reply to the Request's sender, from where the Request went.
    pub reply: Option<Mip4Message<'a>>,
}

impl Mip4Registration<'_> {
    /// Whether a foreign agent relayed the Request.
    pub fn through_agent(&self) -> bool {
        self.relayed_request.is_some()
    }

    /// The frames of every hop seen, in capture order, for evidence.
    pub fn frames(&self) -> Vec<u64> {
        let mut hops: Vec<&Mip4Message> = [
            Some(&self.request),
            self.relayed_request.as_ref(),
            self.home_reply.as_ref(),
            self.reply.as_ref(),
        ]
        .into_iter()
        .flatten()
        .collect();
        hops.sort_by_key(|m| m.position);
        hops.dedup_by_key(|m| m.position);
        hops.iter().map(|m| m.frame()).collect()
    }
}

/// The low-order 32 bits of an Identification: what a Reply copies from its Request even when
/// the home agent corrects the high-order ones (RFC 5944 §5.7).
fn low_32(id: u64) -> u32 {
    (id & 0xffff_ffff) as u32
}

/// The same message a hop later: same Identification and NAI, later, and neither from the
/// same sender nor to the same receiver (so not a retransmission).
fn next_hop_of(m: &Mip4Message, earlier: &Mip4Message) -> bool {
    m.kind == earlier.kind
        && m.position > earlier.position
        && earlier.identification().is_some()
        && m.identification() == earlier.identification()
        && m.nai() == earlier.nai()
        && m.entry.src_addr != earlier.entry.src_addr
        && m.entry.dst_addr != earlier.entry.dst_addr
}

impl Observation {
    /// Every MIPv4 message, in capture order (malformed ones are in
    /// [`Observation::malformed_mip4`]).
    pub fn mip4_messages(&self) -> impl Iterator<Item = Mip4Message<'_>> + '_ {
        self.transcript
            .entries
            .iter()
            .enumerate()
            .filter_map(move |(position, e)| {
                Mip4Message::from_entry(
                    e,
                    position,
                    self.role_or_name(&e.src, &e.src_addr),
                    self.role_or_name(&e.dst, &e.dst_addr),
                )
            })
    }

    /// MIPv4 messages of `kind` sent by `src` (any role if `None`), in capture order.
    pub fn mip4_of_kind<'a>(
        &'a self,
        kind: Mip4Kind,
        src: Option<&'a str>,
    ) -> impl Iterator<Item = Mip4Message<'a>> + 'a {
        self.mip4_messages()
            .filter(move |m| m.kind == kind && src.is_none_or(|s| m.src == s))
    }

    /// Registration Requests sent by `src` (any role if `None`).
    pub fn registration_requests<'a>(&'a self, src: Option<&'a str>) -> Vec<Mip4Message<'a>> {
        self.mip4_of_kind(Mip4Kind::Request, src).collect()
    }

    /// Registration Replies sent by `src` (any role if `None`).
    pub fn registration_replies<'a>(&'a self, src: Option<&'a str>) -> Vec<Mip4Message<'a>> {
        self.mip4_of_kind(Mip4Kind::Reply, src).collect()
    }

    /// Agent Advertisements sent by `src` (any role if `None`).
    pub fn agent_advertisements<'a>(&'a self, src: Option<&'a str>) -> Vec<Mip4Message<'a>> {
        self.mip4_of_kind(Mip4Kind::AgentAdvertisement, src)
            .collect()
    }

    /// Agent Solicitations sent by `src` (any role if `None`).
    pub fn agent_solicitations<'a>(&'a self, src: Option<&'a str>) -> Vec<Mip4Message<'a>> {
        self.mip4_of_kind(Mip4Kind::AgentSolicitation, src)
            .collect()
    }

    /// The Reply to `request`: the first later Reply from the address the Request went to,
    /// back to its sender, with the low-order 32 bits of its Identification (RFC 5944 §5.7:
    /// copied even when the high-order ones are corrected).
    pub fn registration_reply_to<'a>(&'a self, request: &Mip4Message) -> Option<Mip4Message<'a>> {
        let id = low_32(request.identification()?);
        self.mip4_of_kind(Mip4Kind::Reply, None).find(|m| {
            m.position > request.position
                && m.identification().map(low_32) == Some(id)
                && m.entry.src_addr == request.entry.dst_addr
                && m.entry.dst_addr == request.entry.src_addr
        })
    }

    /// The copy of `request` the agent that received it relayed on (RFC 5944 §3.7.2.2, to
    /// the home agent): the first later Request with the same Identification and NAI on
    /// another hop.
    pub fn relayed_request<'a>(&'a self, request: &Mip4Message) -> Option<Mip4Message<'a>> {
        if !request.is_request() {
            return None;
        }
        self.mip4_of_kind(Mip4Kind::Request, None)
            .find(|m| next_hop_of(m, request))
    }

    /// The copy of `reply` (the home agent's, to a foreign agent) that agent relayed to the
    /// mobile node (§3.7.3.2): the first later Reply with the same Identification and NAI on
    /// another hop.
    pub fn relayed_reply<'a>(&'a self, reply: &Mip4Message) -> Option<Mip4Message<'a>> {
        if !reply.is_reply() {
            return None;
        }
        self.mip4_of_kind(Mip4Kind::Reply, None)
            .find(|m| next_hop_of(m, reply))
    }

    /// `request`'s registration, hop by hop ([`Mip4Registration`]).
    pub fn registration_of<'a>(&'a self, request: &Mip4Message<'a>) -> Mip4Registration<'a> {
        let relayed_request = self.relayed_request(request);
        let reply = self.registration_reply_to(request);
        let home_reply = match &relayed_request {
            Some(relayed) => self.registration_reply_to(relayed),
            None => reply.clone(),
        };
        Mip4Registration {
            request: request.clone(),
            relayed_request,
            home_reply,
            reply,
        }
    }

    /// The first registration whose Request `src` sent with NAI `nai`.
    pub fn registration_by_nai<'a>(
        &'a self,
        src: &'a str,
        nai: &str,
    ) -> Option<Mip4Registration<'a>> {
        let request = self
            .mip4_of_kind(Mip4Kind::Request, Some(src))
            .find(|m| m.nai() == Some(nai))?;
        Some(self.registration_of(&request))
    }

    /// MIPv4 payloads the dissector rejected, with its reason: a judge that would conclude
    /// "no message" must look here first.
    pub fn malformed_mip4(&self) -> Vec<(&Entry, &str)> {
        self.malformed_of(PROTOCOL)
    }
}
