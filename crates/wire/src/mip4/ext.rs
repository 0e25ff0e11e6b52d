//! Mobile IPv4 extensions (RFC 5944 §1.8–§1.11) in both numbering spaces: those of the
//! registration messages on UDP 434 and those of ICMP Router Discovery (Agent Advertisement).
//!
//! Three header forms exist and which one a type uses is knowledge of the type, so the list
//! is walked here rather than through [`crate::tlv`]:
//! - plain (§1.9): `Type(1) ‖ Length(1) ‖ Data`, Length counting the data;
//! - long (§1.10): `Type(1) ‖ Sub-Type(1) ‖ Length(2) ‖ Data`, Length counting the data;
//! - short (§1.11): `Type(1) ‖ Length(1) ‖ Sub-Type(1) ‖ Data`, Length counting Sub-Type and
//!   data;
//! - and One-byte Padding (type 0, §1.8, §2.1.3), a lone octet.
//!
//! Types a space does not list are read in the plain form, the only one a receiver can
//! assume (§1.8: "The Length field of the Extension is used to skip the Data field"), and kept
//! as [`RawExtension`]. Types 0–127 that are not understood make the whole message be
//! silently discarded, types 128–255 are skipped (§1.8); [`must_discard`] applies that rule.
//!
//! One exception to "the type decides the form": Dynamic HA (139) is drawn in the long form
//! by RFC 4433 §3.4 although RFC 5944 §1.10 forbids that form to skippable types, and
//! Wireshark reads it in the short form; both are read here (the long one when its Length is
//! 4), and emitted in the form they came in.
//!
//! Known types whose body is malformed (an authentication extension shorter than its SPI, a
//! Dynamic HA extension whose Length is not 4, …) are an [`Error`], not raw: the message is
//! poorly formed.

use super::{be_u16, be_u32, ipv4};
use crate::names::registry;
use crate::{Error, Result};
use std::net::Ipv4Addr;

registry! {
    /// Extension types of the registration messages (RFC 5944 §1.8, RFC 4721 §5 and §4,
    /// RFC 3115 §2, RFC 3957 §8, RFC 3519 §3.1–§3.2, RFC 3024 §3.3, RFC 2794 §2,
    /// RFC 4433 §3.4).
    pub mod reg_ext: u8;
    /// The name of a registration extension type; `None` if unlisted.
    pub fn reg_ext_name;
    PADDING = 0 => "Padding",
    MN_HA_AUTH = 32 => "MN-HA Auth",
    MN_FA_AUTH = 33 => "MN-FA Auth",
    FA_HA_AUTH = 34 => "FA-HA Auth",
    GENERALIZED_AUTH = 36 => "Generalized Auth",
    CVSE = 38 => "CVSE",
    MN_FA_KEYGEN_REQUEST = 40 => "MN-FA KeyGen Request",
    MN_FA_KEYGEN_REPLY = 41 => "MN-FA KeyGen Reply",
    MN_HA_KEYGEN_REQUEST = 42 => "MN-HA KeyGen Request",
    MN_HA_KEYGEN_REPLY = 43 => "MN-HA KeyGen Reply",
    UDP_TUNNEL_REPLY = 44 => "UDP Tunnel Reply",
    ENCAPSULATING_DELIVERY = 130 => "Encapsulating Delivery Style",
    NAI = 131 => "NAI",
    MN_FA_CHALLENGE = 132 => "MN-FA Challenge",
    NVSE = 134 => "NVSE",
    DYNAMIC_HA = 139 => "Dynamic HA",
    UDP_TUNNEL_REQUEST = 144 => "UDP Tunnel Request",
}

registry! {
    /// Extension types of ICMP Router Discovery messages (RFC 5944 §1.8, §2.1.1–§2.1.3;
    /// RFC 4721 §2).
    pub mod adv_ext: u8;
    /// The name of a Router Discovery extension type; `None` if unlisted.
    pub fn adv_ext_name;
    PADDING = 0 => "Padding",
    MOBILITY_AGENT = 16 => "Mobility Agent Advertisement",
    PREFIX_LENGTHS = 19 => "Prefix-Lengths",
    CHALLENGE = 24 => "Challenge",
}

/// Subtype of the Generalized Authentication extension: MN-AAA (RFC 4721 §5, §6).
pub const GEN_AUTH_MN_AAA: u8 = 1;
/// Subtypes of the Dynamic HA extension (RFC 4433 §3.4).
pub const DYNAMIC_HA_REQUESTED: u8 = 1;
pub const DYNAMIC_HA_REDIRECTED: u8 = 2;
/// The KeyGen subtype "from AAA" of types 40–43 (RFC 3957 §8).
pub const KEYGEN_FROM_AAA: u8 = 1;
/// The Algorithm Identifier of an MN-HA AAA KeyGen Reply: RFC 3957 §4 takes the IPsec
/// "Authentication Algorithm" values of the IANA isakmp registry (RFC 2407 §4.5), where
/// HMAC-MD5 is 1 — the MIPv4 default transform (RFC 5944 §3.5.1).
pub const KEYGEN_ALGORITHM_HMAC_MD5: u16 = 1;
/// Replay Methods of RFC 3957 §4 (0 and 1 reserved).
pub const KEYGEN_REPLAY_TIMESTAMPS: u16 = 2;
pub const KEYGEN_REPLAY_NONCES: u16 = 3;

/// Which numbering space an extension list belongs to (RFC 5944 §1.8: the two are separate).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Space {
    /// Registration Request and Reply (UDP 434).
    Registration,
    /// ICMP Router Advertisement and Solicitation.
    Discovery,
}

/// The header form of an extension with its sub-type where the form has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Form {
    /// `Type ‖ Length ‖ Data` (§1.9).
    Plain,
    /// `Type ‖ Sub-Type ‖ Length(2) ‖ Data` (§1.10).
    Long { subtype: u8 },
    /// `Type ‖ Length ‖ Sub-Type ‖ Data`, Length = 1 + data (§1.11).
    Short { subtype: u8 },
}

/// The layout of the extension at `b[pos]`: its type's, except that a Dynamic HA extension
/// is also read in the short form (Type, Length = 5, Sub-Type, address), which is how
/// Wireshark reads it and what RFC 5944 §1.10 leaves for a skippable type; the long form
/// RFC 4433 §3.4 draws wins when its Length reads 4.
fn layout_at(b: &[u8], pos: usize, space: Space) -> Option<Layout> {
    let lay = layout(space, b[pos]);
    if space == Space::Registration
        && b[pos] == reg_ext::DYNAMIC_HA
        && b.get(pos + 2..pos + 4) != Some(&[0, 4])
        && b.get(pos + 1) == Some(&5)
    {
        return Some(Layout::Short);
    }
    lay
}

/// The layout a space gives a type; `None` when the space does not list it.
fn layout(space: Space, kind: u8) -> Option<Layout> {
    use Layout::*;
    Some(match space {
        Space::Registration => match kind {
            reg_ext::PADDING => Pad,
            // CVSE puts a Reserved octet where the long form has its Sub-Type (RFC 3115
            // §2.1); Dynamic HA is drawn in the long form though skippable (RFC 4433 §3.4).
            reg_ext::GENERALIZED_AUTH
            | reg_ext::CVSE
            | reg_ext::MN_FA_KEYGEN_REQUEST..=reg_ext::MN_HA_KEYGEN_REPLY
            | reg_ext::DYNAMIC_HA => Long,
            reg_ext::UDP_TUNNEL_REPLY | reg_ext::UDP_TUNNEL_REQUEST => Short,
            reg_ext::MN_HA_AUTH..=reg_ext::FA_HA_AUTH
            | reg_ext::ENCAPSULATING_DELIVERY
            | reg_ext::NAI
            | reg_ext::MN_FA_CHALLENGE
            | reg_ext::NVSE => Plain,
            _ => return None,
        },
        Space::Discovery => match kind {
            adv_ext::PADDING => Pad,
            adv_ext::MOBILITY_AGENT | adv_ext::PREFIX_LENGTHS | adv_ext::CHALLENGE => Plain,
            _ => return None,
        },
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    Pad,
    Plain,
    Long,
    Short,
}

/// An extension kept as it came: type, form (with sub-type) and data.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RawExtension {
    pub kind: u8,
    pub form: Form,
    pub data: Vec<u8>,
}

/// CVSE and NVSE (RFC 3115 §2.1, §2.2): the vendor's SMI enterprise code, its type and value.
/// `reserved` is the CVSE's Reserved octet (in the long form's Sub-Type place) or the NVSE's
/// two Reserved octets after Length, kept for the round trip.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct VendorExtension {
    pub reserved: u16,
    pub vendor_id: u32,
    pub vendor_type: u16,
    pub value: Vec<u8>,
}

/// The Mobility Agent Advertisement extension (RFC 5944 §2.1.1), Length = 6 + 4·N.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MobilityAgentAdvertisement {
    pub sequence: u16,
    pub registration_lifetime: u16,
    /// R B H F M G r T in the high octet, U X I and 5 reserved bits in the low one.
    pub flags: AdvFlags,
    pub care_of_addresses: Vec<Ipv4Addr>,
}

/// Flags of the Mobility Agent Advertisement extension (RFC 5944 §2.1.1), reserved bits kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct AdvFlags(pub u16);

impl AdvFlags {
    pub const R: u16 = 0x8000;
    pub const B: u16 = 0x4000;
    pub const H: u16 = 0x2000;
    pub const F: u16 = 0x1000;
    pub const M: u16 = 0x0800;
    pub const G: u16 = 0x0400;
    /// `r`: sent as zero, ignored.
    pub const RESERVED_R: u16 = 0x0200;
    pub const T: u16 = 0x0100;
    pub const U: u16 = 0x0080;
    pub const X: u16 = 0x0040;
    pub const I: u16 = 0x0020;
    pub const RESERVED: u16 = 0x001f;

    pub fn has(self, bit: u16) -> bool {
        self.0 & bit != 0
    }

    /// The letters of the flags set, in wire order (`RF`, `HFT`, …); `r` for the reserved bit.
    pub fn letters(self) -> String {
        [
            (Self::R, 'R'),
            (Self::B, 'B'),
            (Self::H, 'H'),
            (Self::F, 'F'),
            (Self::M, 'M'),
            (Self::G, 'G'),
            (Self::RESERVED_R, 'r'),
            (Self::T, 'T'),
            (Self::U, 'U'),
            (Self::X, 'X'),
            (Self::I, 'I'),
        ]
        .iter()
        .filter(|(b, _)| self.has(*b))
        .map(|(_, c)| *c)
        .collect()
    }
}

/// One extension, typed where this codec knows the type's layout.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Extension {
    /// One-byte Padding, type 0 (RFC 5944 §1.8, §2.1.3).
    Padding,
    /// MN-HA (32), MN-FA (33), FA-HA (34) Authentication: SPI and Authenticator
    /// (RFC 5944 §3.5.2–§3.5.4).
    Auth {
        kind: u8,
        spi: u32,
        authenticator: Vec<u8>,
    },
    /// Generalized Authentication, type 36, long form (RFC 4721 §5); subtype 1 is MN-AAA.
    GeneralizedAuth {
        subtype: u8,
        spi: u32,
        authenticator: Vec<u8>,
    },
    /// Mobile Node NAI, type 131 (RFC 2794 §2): the NAI octets.
    Nai(Vec<u8>),
    /// MN-FA Challenge, type 132 (RFC 4721 §4).
    MnFaChallenge(Vec<u8>),
    /// CVSE, type 38 (RFC 3115 §2.1).
    Cvse(VendorExtension),
    /// NVSE, type 134 (RFC 3115 §2.2).
    Nvse(VendorExtension),
    /// Dynamic HA Address, type 139 (RFC 4433 §3.4): subtype 1 requested, 2 redirected. In
    /// the long form RFC 4433 draws, or with `short_form` in the short one (see `layout_at`).
    DynamicHa {
        subtype: u8,
        address: Ipv4Addr,
        short_form: bool,
    },
    /// KeyGen Nonce Request/Reply, types 40–43, long form (RFC 3957 §6): subtype and body
    /// kept raw; [`Extension::keygen`] reads the body.
    KeyGen {
        kind: u8,
        subtype: u8,
        body: Vec<u8>,
    },
    /// Mobility Agent Advertisement, type 16 of Router Discovery (RFC 5944 §2.1.1).
    MobilityAgent(MobilityAgentAdvertisement),
    /// Prefix-Lengths, type 19 of Router Discovery (RFC 5944 §2.1.2): one octet per router
    /// address.
    PrefixLengths(Vec<u8>),
    /// The Agent Advertisement Challenge, type 24 of Router Discovery (RFC 4721 §2).
    AdvChallenge(Vec<u8>),
    /// Any other: unknown types (plain form), and known types without a typed body here.
    Raw(RawExtension),
}

/// The body of a KeyGen extension as RFC 3957 §6 draws it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyGen<'a> {
    /// Types 40 and 42: the Mobile Node SPI, then subtype data (empty for subtype 1).
    Request { mn_spi: u32, data: &'a [u8] },
    /// Type 41 subtype 1 (§6.2, Figure 3).
    MnFaAaaReply {
        lifetime: u32,
        aaa_spi: u32,
        fa_spi: u32,
        algorithm: u16,
        nonce: &'a [u8],
    },
    /// Type 43 subtype 1 (§6.4, Figures 5 and 6).
    MnHaAaaReply {
        lifetime: u32,
        aaa_spi: u32,
        ha_spi: u32,
        algorithm: u16,
        replay_method: u16,
        nonce: &'a [u8],
    },
    /// Type 43 with another subtype: the Lifetime, then subtype data.
    MnHaReply { lifetime: u32, data: &'a [u8] },
    /// Type 41 with another subtype: data whose layout the subtype defines.
    MnFaReply { data: &'a [u8] },
}

impl KeyGen<'_> {
    /// The body octets, laid out as [`Extension::keygen`] reads them: for a body that read,
    /// `Extension::KeyGen { kind, subtype, body: kg.body() }` is the extension it came from.
    pub fn body(&self) -> Vec<u8> {
        let mut b = Vec::new();
        match *self {
            KeyGen::Request { mn_spi, data } => {
                b.extend_from_slice(&mn_spi.to_be_bytes());
                b.extend_from_slice(data);
            }
            KeyGen::MnFaAaaReply {
                lifetime,
                aaa_spi,
                fa_spi,
                algorithm,
                nonce,
            } => {
                for v in [lifetime, aaa_spi, fa_spi] {
                    b.extend_from_slice(&v.to_be_bytes());
                }
                b.extend_from_slice(&algorithm.to_be_bytes());
                b.extend_from_slice(nonce);
            }
            KeyGen::MnHaAaaReply {
                lifetime,
                aaa_spi,
                ha_spi,
                algorithm,
                replay_method,
                nonce,
            } => {
                for v in [lifetime, aaa_spi, ha_spi] {
                    b.extend_from_slice(&v.to_be_bytes());
                }
                b.extend_from_slice(&algorithm.to_be_bytes());
                b.extend_from_slice(&replay_method.to_be_bytes());
                b.extend_from_slice(nonce);
            }
            KeyGen::MnHaReply { lifetime, data } => {
                b.extend_from_slice(&lifetime.to_be_bytes());
                b.extend_from_slice(data);
            }
            KeyGen::MnFaReply { data } => b.extend_from_slice(data),
        }
        b
    }
}

impl Extension {
    /// The MN-HA AAA KeyGen Request (type 42, subtype 1, RFC 3957 §6.3): the SPI the MN will
    /// give the new MN-HA Mobility Security Association, and no subtype data.
    pub fn mn_ha_aaa_keygen_request(mn_spi: u32) -> Extension {
        Extension::KeyGen {
            kind: reg_ext::MN_HA_KEYGEN_REQUEST,
            subtype: KEYGEN_FROM_AAA,
            body: mn_spi.to_be_bytes().to_vec(),
        }
    }

    /// The MN-HA AAA KeyGen Reply (type 43, subtype 1, RFC 3957 §6.4) with the body `reply`
    /// (a [`KeyGen::MnHaAaaReply`]; another variant gives its own layout under type 43).
    pub fn mn_ha_aaa_keygen_reply(reply: &KeyGen<'_>) -> Extension {
        Extension::KeyGen {
            kind: reg_ext::MN_HA_KEYGEN_REPLY,
            subtype: KEYGEN_FROM_AAA,
            body: reply.body(),
        }
    }

    /// The Type octet.
    pub fn kind(&self) -> u8 {
        match self {
            Extension::Padding => 0,
            Extension::Auth { kind, .. } | Extension::KeyGen { kind, .. } => *kind,
            Extension::GeneralizedAuth { .. } => reg_ext::GENERALIZED_AUTH,
            Extension::Nai(_) => reg_ext::NAI,
            Extension::MnFaChallenge(_) => reg_ext::MN_FA_CHALLENGE,
            Extension::Cvse(_) => reg_ext::CVSE,
            Extension::Nvse(_) => reg_ext::NVSE,
            Extension::DynamicHa { .. } => reg_ext::DYNAMIC_HA,
            Extension::MobilityAgent(_) => adv_ext::MOBILITY_AGENT,
            Extension::PrefixLengths(_) => adv_ext::PREFIX_LENGTHS,
            Extension::AdvChallenge(_) => adv_ext::CHALLENGE,
            Extension::Raw(r) => r.kind,
        }
    }

    /// Types 128–255 may be skipped by a receiver that does not know them (§1.8).
    pub fn skippable(&self) -> bool {
        self.kind() >= 128
    }

    /// Whether `space` lists this extension's type (this codec understands it there).
    pub fn understood(&self, space: Space) -> bool {
        layout(space, self.kind()).is_some()
    }

    /// The type's name in `space` (`MN-HA Auth`, `Mobility Agent Advertisement`), else
    /// `ext N`.
    pub fn name(&self, space: Space) -> String {
        let kind = self.kind();
        match space {
            Space::Registration => reg_ext_name(kind),
            Space::Discovery => adv_ext_name(kind),
        }
        .map(str::to_owned)
        .unwrap_or_else(|| format!("ext {kind}"))
    }

    /// The header form and the data after the header, as emitted.
    fn wire_parts(&self) -> (Form, Vec<u8>) {
        let cat = |parts: &[&[u8]]| parts.concat();
        match self {
            Extension::Padding => (Form::Plain, Vec::new()),
            Extension::Auth {
                spi, authenticator, ..
            } => (Form::Plain, cat(&[&spi.to_be_bytes(), authenticator])),
            Extension::GeneralizedAuth {
                subtype,
                spi,
                authenticator,
            } => (
                Form::Long { subtype: *subtype },
                cat(&[&spi.to_be_bytes(), authenticator]),
            ),
            Extension::Nai(d)
            | Extension::MnFaChallenge(d)
            | Extension::PrefixLengths(d)
            | Extension::AdvChallenge(d) => (Form::Plain, d.clone()),
            Extension::Cvse(v) => (
                Form::Long {
                    subtype: v.reserved as u8,
                },
                cat(&[
                    &v.vendor_id.to_be_bytes(),
                    &v.vendor_type.to_be_bytes(),
                    &v.value,
                ]),
            ),
            Extension::Nvse(v) => (
                Form::Plain,
                cat(&[
                    &v.reserved.to_be_bytes(),
                    &v.vendor_id.to_be_bytes(),
                    &v.vendor_type.to_be_bytes(),
                    &v.value,
                ]),
            ),
            Extension::DynamicHa {
                subtype,
                address,
                short_form,
            } => (
                if *short_form {
                    Form::Short { subtype: *subtype }
                } else {
                    Form::Long { subtype: *subtype }
                },
                address.octets().to_vec(),
            ),
            Extension::KeyGen { subtype, body, .. } => {
                (Form::Long { subtype: *subtype }, body.clone())
            }
            Extension::MobilityAgent(m) => {
                let mut d = cat(&[
                    &m.sequence.to_be_bytes(),
                    &m.registration_lifetime.to_be_bytes(),
                    &m.flags.0.to_be_bytes(),
                ]);
                for a in &m.care_of_addresses {
                    d.extend_from_slice(&a.octets());
                }
                (Form::Plain, d)
            }
            Extension::Raw(r) => (r.form, r.data.clone()),
        }
    }

    /// Octets on the wire, header included.
    pub fn wire_len(&self) -> usize {
        if *self == Extension::Padding {
            return 1;
        }
        let (form, data) = self.wire_parts();
        header_len(form) + data.len()
    }

    /// Writes the extension at the start of `out`; returns the octets written. `Err` when the
    /// data does not fit its form's Length, a typed field is out of range, or `out` is short.
    pub fn emit(&self, out: &mut [u8]) -> Result<usize> {
        self.check()?;
        if *self == Extension::Padding {
            let o = out
                .first_mut()
                .ok_or_else(|| Error::new(0, "buffer too short for Padding"))?;
            *o = 0;
            return Ok(1);
        }
        let (form, data) = self.wire_parts();
        let h = header_len(form);
        let need = h + data.len();
        let have = out.len();
        let out = out.get_mut(..need).ok_or_else(|| {
            Error::new(
                have,
                format!("buffer of {have} octets, extension needs {need}"),
            )
        })?;
        let kind = self.kind();
        let too_long = |max: usize| {
            Error::new(
                1,
                format!(
                    "extension {kind}: {} data octets (at most {max})",
                    data.len()
                ),
            )
        };
        out[0] = kind;
        match form {
            Form::Plain => {
                out[1] = u8::try_from(data.len()).map_err(|_| too_long(255))?;
            }
            Form::Long { subtype } => {
                out[1] = subtype;
                let len = u16::try_from(data.len()).map_err(|_| too_long(65535))?;
                out[2..4].copy_from_slice(&len.to_be_bytes());
            }
            Form::Short { subtype } => {
                out[1] = u8::try_from(data.len() + 1).map_err(|_| too_long(254))?;
                out[2] = subtype;
            }
        }
        out[h..].copy_from_slice(&data);
        Ok(need)
    }

    /// Typed fields that the wire cannot hold as given.
    fn check(&self) -> Result<()> {
        let bad = |what: String| Err(Error::new(0, what));
        match self {
            Extension::Auth { kind, .. } if !(32..=34).contains(kind) => {
                bad(format!("authentication extension type {kind} (32..=34)"))
            }
            Extension::KeyGen { kind, .. } if !(40..=43).contains(kind) => {
                bad(format!("KeyGen extension type {kind} (40..=43)"))
            }
            Extension::Cvse(v) if v.reserved > 0xff => bad(format!(
                "CVSE Reserved {} does not fit one octet",
                v.reserved
            )),
            Extension::Raw(r) if r.kind == 0 => bad("raw extension of type 0 (Padding)".into()),
            // These octets read back as the long form (`layout_at`).
            Extension::DynamicHa {
                subtype: 0,
                address,
                short_form: true,
            } if address.octets()[0] == 4 => {
                bad("short-form Dynamic HA with Sub-Type 0 and 4.x.x.x reads as long".into())
            }
            _ => Ok(()),
        }
    }

    /// The body of a KeyGen extension (types 40–43) as RFC 3957 §6 draws it; `None` for other
    /// extensions or a body too short for its fixed fields.
    pub fn keygen(&self) -> Option<KeyGen<'_>> {
        let Extension::KeyGen {
            kind,
            subtype,
            body,
        } = self
        else {
            return None;
        };
        let b = body.as_slice();
        let u32_at = |at: usize| b.get(at..at + 4).map(be_u32);
        let u16_at = |at: usize| b.get(at..at + 2).map(be_u16);
        Some(match (*kind, *subtype) {
            (reg_ext::MN_FA_KEYGEN_REQUEST | reg_ext::MN_HA_KEYGEN_REQUEST, _) => KeyGen::Request {
                mn_spi: u32_at(0)?,
                data: &b[4..],
            },
            (reg_ext::MN_FA_KEYGEN_REPLY, KEYGEN_FROM_AAA) => KeyGen::MnFaAaaReply {
                lifetime: u32_at(0)?,
                aaa_spi: u32_at(4)?,
                fa_spi: u32_at(8)?,
                algorithm: u16_at(12)?,
                nonce: &b[14..],
            },
            (reg_ext::MN_FA_KEYGEN_REPLY, _) => KeyGen::MnFaReply { data: b },
            (reg_ext::MN_HA_KEYGEN_REPLY, KEYGEN_FROM_AAA) => KeyGen::MnHaAaaReply {
                lifetime: u32_at(0)?,
                aaa_spi: u32_at(4)?,
                ha_spi: u32_at(8)?,
                algorithm: u16_at(12)?,
                replay_method: u16_at(14)?,
                nonce: &b[16..],
            },
            (reg_ext::MN_HA_KEYGEN_REPLY, _) => KeyGen::MnHaReply {
                lifetime: u32_at(0)?,
                data: &b[4..],
            },
            _ => return None,
        })
    }

    /// SPI and authenticator of an authentication extension (32–34, 36).
    pub fn spi_and_authenticator(&self) -> Option<(u32, &[u8])> {
        match self {
            Extension::Auth {
                spi, authenticator, ..
            }
            | Extension::GeneralizedAuth {
                spi, authenticator, ..
            } => Some((*spi, authenticator)),
            _ => None,
        }
    }
}

fn header_len(form: Form) -> usize {
    match form {
        Form::Plain => 2,
        Form::Long { .. } => 4,
        Form::Short { .. } => 3,
    }
}

/// The index of the first extension that is neither understood in `space` nor skippable: if
/// `Some`, the whole message MUST be silently discarded (RFC 5944 §1.8).
pub fn must_discard(extensions: &[Extension], space: Space) -> Option<usize> {
    extensions
        .iter()
        .position(|e| !e.understood(space) && !e.skippable())
}

/// Octets of a list on the wire.
pub fn extensions_len(extensions: &[Extension]) -> usize {
    extensions.iter().map(Extension::wire_len).sum()
}

/// Writes a list at the start of `out`; returns the octets written.
pub fn emit_extensions(extensions: &[Extension], out: &mut [u8]) -> Result<usize> {
    let mut at = 0;
    for e in extensions {
        let rest = out.get_mut(at..).unwrap_or_default();
        at += e.emit(rest).map_err(|err| err.shifted(at))?;
    }
    Ok(at)
}

/// Where each extension of `b` starts (offsets include `base`) and its header form, walking
/// as [`parse_extensions`] does but without reading bodies.
pub fn extension_offsets(b: &[u8], base: usize, space: Space) -> Result<Vec<(usize, u8)>> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < b.len() {
        let (h, data) = header(b, pos, base, space)?;
        out.push((base + pos, b[pos]));
        pos += h + data.len();
    }
    Ok(out)
}

/// The header of the extension at `pos`: the header's length and the octets its Length
/// announces (in the short form, the Sub-Type first).
fn header(b: &[u8], pos: usize, base: usize, space: Space) -> Result<(usize, &[u8])> {
    let kind = b[pos];
    let lay = layout_at(b, pos, space).unwrap_or(Layout::Plain);
    let (h, len) = match lay {
        Layout::Pad => return Ok((1, &[])),
        Layout::Plain | Layout::Short => {
            let len = b.get(pos + 1).copied().ok_or_else(|| {
                Error::new(base + pos, format!("extension {kind}: header truncated"))
            })?;
            if lay == Layout::Short && len == 0 {
                return Err(Error::new(
                    base + pos + 1,
                    format!("extension {kind}: short-form Length 0 (at least 1, the Sub-Type)"),
                ));
            }
            (2, usize::from(len))
        }
        Layout::Long => {
            let l = b.get(pos + 2..pos + 4).ok_or_else(|| {
                Error::new(
                    base + pos,
                    format!("extension {kind}: long-form header truncated"),
                )
            })?;
            (4, usize::from(be_u16(l)))
        }
    };
    let left = b.len() - pos - h;
    b.get(pos + h..pos + h + len)
        .map(|d| (h, d))
        .ok_or_else(|| {
            Error::new(
                base + pos + 1,
                format!(
                    "extension {kind}: Length {len} runs past the message ({left} octets left)"
                ),
            )
        })
}

/// Parses the extensions of `b` in wire order; `base` is the offset of `b` in the message, so
/// errors name message offsets.
pub fn parse_extensions(b: &[u8], base: usize, space: Space) -> Result<Vec<Extension>> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < b.len() {
        let (h, data) = header(b, pos, base, space)?;
        out.push(typed(b, pos, data, base + pos, space)?);
        pos += h + data.len();
    }
    Ok(out)
}

/// The extension whose header is at `b[pos]`, with `data` after it; `at` is its message
/// offset.
fn typed(b: &[u8], pos: usize, data: &[u8], at: usize, space: Space) -> Result<Extension> {
    let kind = b[pos];
    let lay = layout_at(b, pos, space);
    if lay == Some(Layout::Pad) {
        return Ok(Extension::Padding);
    }
    let form = match lay {
        Some(Layout::Long) => Form::Long {
            subtype: b[pos + 1],
        },
        Some(Layout::Short) => Form::Short {
            subtype: b[pos + 2],
        },
        _ => Form::Plain,
    };
    let name = Extension::Raw(RawExtension {
        kind,
        form,
        data: Vec::new(),
    })
    .name(space);
    let at_least = |n: usize| {
        if data.len() < n {
            Err(Error::new(
                at + 1,
                format!("{name}: {} data octets (at least {n})", data.len()),
            ))
        } else {
            Ok(())
        }
    };
    let subtype = match form {
        Form::Long { subtype } | Form::Short { subtype } => subtype,
        Form::Plain => 0,
    };
    let vendor = |reserved: u16, d: &[u8]| VendorExtension {
        reserved,
        vendor_id: be_u32(&d[0..4]),
        vendor_type: be_u16(&d[4..6]),
        value: d[6..].to_vec(),
    };
    Ok(match (space, kind) {
        (Space::Registration, reg_ext::MN_HA_AUTH..=reg_ext::FA_HA_AUTH) => {
            at_least(4)?;
            Extension::Auth {
                kind,
                spi: be_u32(&data[..4]),
                authenticator: data[4..].to_vec(),
            }
        }
        (Space::Registration, reg_ext::GENERALIZED_AUTH) => {
            at_least(4)?;
            Extension::GeneralizedAuth {
                subtype,
                spi: be_u32(&data[..4]),
                authenticator: data[4..].to_vec(),
            }
        }
        (Space::Registration, reg_ext::NAI) => Extension::Nai(data.to_vec()),
        (Space::Registration, reg_ext::MN_FA_CHALLENGE) => Extension::MnFaChallenge(data.to_vec()),
        (Space::Registration, reg_ext::CVSE) => {
            at_least(6)?;
            Extension::Cvse(vendor(u16::from(subtype), data))
        }
        (Space::Registration, reg_ext::NVSE) => {
            at_least(8)?;
            Extension::Nvse(vendor(be_u16(&data[..2]), &data[2..]))
        }
        (Space::Registration, reg_ext::DYNAMIC_HA) => {
            // The short form's data starts with the Sub-Type.
            let short_form = matches!(form, Form::Short { .. });
            let address = &data[usize::from(short_form)..];
            if address.len() != 4 {
                return Err(Error::new(
                    at + 2,
                    format!("{name}: Length {} (always 4, RFC 4433 §3.4)", data.len()),
                ));
            }
            Extension::DynamicHa {
                subtype,
                address: ipv4(address),
                short_form,
            }
        }
        (Space::Registration, reg_ext::MN_FA_KEYGEN_REQUEST..=reg_ext::MN_HA_KEYGEN_REPLY) => {
            Extension::KeyGen {
                kind,
                subtype,
                body: data.to_vec(),
            }
        }
        (Space::Discovery, adv_ext::MOBILITY_AGENT) => {
            if data.len() < 6 || (data.len() - 6) % 4 != 0 {
                return Err(Error::new(
                    at + 1,
                    format!("{name}: Length {} (6 + 4·N)", data.len()),
                ));
            }
            Extension::MobilityAgent(MobilityAgentAdvertisement {
                sequence: be_u16(&data[0..2]),
                registration_lifetime: be_u16(&data[2..4]),
                flags: AdvFlags(be_u16(&data[4..6])),
                care_of_addresses: data[6..].chunks(4).map(ipv4).collect(),
            })
        }
        (Space::Discovery, adv_ext::PREFIX_LENGTHS) => Extension::PrefixLengths(data.to_vec()),
        (Space::Discovery, adv_ext::CHALLENGE) => Extension::AdvChallenge(data.to_vec()),
        _ => Extension::Raw(RawExtension {
            kind,
            form,
            data: match form {
                // The short form's Length counts the Sub-Type, which the form holds.
                Form::Short { .. } => data[1..].to_vec(),
                _ => data.to_vec(),
            },
        }),
    })
}
