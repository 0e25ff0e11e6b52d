//! Mobile IPv4 roles of the dual-stack bootstrapping scenario (draft-qin-mip6-dsbootstrapping-00
//! §4.1.1, §4.1.2, §4.2.1, §4.2.2), sans-IO:
//!
//! - [`mn`]: the dual-stack mobile node's registration client (RFC 5944 §2.4, §3.6; NAI and
//!   dynamic home address, RFC 2794; dynamic HA, RFC 4433 §5.1; MN-AAA, RFC 4721 §3.1), which
//!   reads the draft's items out of the Registration Reply into a [`Registration`];
//! - [`fa`]: the foreign agent (RFC 5944 §2.3, §3.7) that advertises itself and relays
//!   registrations between the MN and the Foreign Home Agent (draft §4.1.2 "Relay");
//! - [`fha`]: the Foreign Home Agent (the MIPv4 home agent that hands out the IPv6 items);
//! - [`keygen`]: the MN's side of RFC 3957 MN-HA key generation (draft §6), which gives the
//!   MN and the FHA the MN-HA SA RFC 5944 §3.8.3.3 needs for every reply.
//!
//! Shared here: the security associations, the profile items of a reply ([`ProfileItems`],
//! read with [`read_items`] and written with [`write_items`] through the dual-stack profile,
//! `mip6lab_wire::dsprofile`), the [`Registration`] outcome and small address rules.
//!
//! Where the items go in a reply: [`write_items`] puts the extension carriers in the reply's
//! extension list; emitting it with `Repr::to_bytes_signed` then appends the MN-HA
//! authenticator after them, so the items are covered by it (RFC 5944 §3.5.1) and an FA keeps
//! them (RFC 5944 §3.7.3.2: it "MUST process and remove any Extensions that are not covered
//! by any authorization-enabling extension").
//!
//! Bytes are built and read with `mip6lab_wire::mip4`; nothing here opens a socket.

pub mod fa;
pub mod fha;
pub mod keygen;
pub mod mn;

#[cfg(test)]
mod tests_fa;
#[cfg(test)]
mod tests_keygen;
#[cfg(test)]
mod tests_mn;

use mip6lab_wire::dsprofile::{Carrier, Item, Message, Mip4Field, Profile, CVSE, NVSE};
use mip6lab_wire::mip4::{
    Extension, Form, RawExtension, RegistrationReply, RegistrationRequest, VendorExtension,
};
use serde::Serialize;
use std::net::{Ipv4Addr, Ipv6Addr};

pub use fa::{FaEvent, FaInput, ForeignAgent, ForeignAgentConfig};
pub use mn::{CoaMode, HaField, Mip4Client, Mip4ClientConfig, MnEvent, MnInput};

/// "All Mobility Agents" (RFC 5944 §3.6.1.1, §2.3: agents MUST process packets sent to it).
pub const ALL_MOBILITY_AGENTS: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 11);

/// A Mobility Security Association: SPI and secret, HMAC-MD5 (RFC 5944 §3.5.1, §5.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityAssociation {
    pub spi: u32,
    pub key: Vec<u8>,
}

impl SecurityAssociation {
    pub fn new(spi: u32, key: impl Into<Vec<u8>>) -> SecurityAssociation {
        SecurityAssociation {
            spi,
            key: key.into(),
        }
    }
}

/// RFC 4433 §2's ALL-ZERO-ONE-ADDR: 0.0.0.0 (no preference) or 255.255.255.255 (prefer the
/// home domain) in the Home Agent field asks the network to assign a home agent.
pub fn is_all_zero_one(a: Ipv4Addr) -> bool {
    a.is_unspecified() || a.is_broadcast()
}

/// The low-order 32 bits of an Identification, the part agents match on (RFC 5944 §3.6.2.1,
/// §3.7.3.1, §5.7).
pub fn low32(identification: u64) -> u32 {
    identification as u32
}

/// Whether a Reply's Code is the home agent's (accepted, or an HA denial), so that the MN
/// must check its MN-HA authenticator (RFC 5944 §3.6.2.1 b). 64–127 and 194 are the foreign
/// agent's (§3.4; RFC 2794 §6 puts 96–99 in the FA range).
pub fn code_from_home_agent(code: u8) -> bool {
    code <= 1 || (code >= 128 && code != 194)
}

/// The draft's items as one reply carried them (draft §4.1.1: "the IPv6 HoA, HA assignment,
/// temporary IPv4 home address and IPv6 care-of address should be appended in mobile IPv4
/// registration reply"). `None` where the reply did not carry the item.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ProfileItems {
    /// THoAv4: RFC 2794 §3 makes the HA's reply carry a non-zero Home Address.
    pub thoa_v4: Option<Ipv4Addr>,
    /// The FHA (the reply's Home Agent field in the lab profile).
    pub fha_address: Option<Ipv4Addr>,
    pub ipv6_hoa: Option<Ipv6Addr>,
    /// Prefix length and prefix.
    pub ipv6_home_prefix: Option<(u8, Ipv6Addr)>,
    pub ipv6_ha: Option<Ipv6Addr>,
    pub ipv6_coa: Option<Ipv6Addr>,
    /// Carriers the profile names whose value could not be read (wrong length, item twice).
    pub problems: Vec<String>,
}

impl ProfileItems {
    /// Whether the reply gave the MN what it needs for Mobile IPv6: an IPv6 home address (or
    /// prefix), the IPv6 HA and a THoAv4 (draft §4.1.1's list; the draft says "should", so
    /// the judge decides what is missing, not this type).
    pub fn complete_for_mip6(&self) -> bool {
        (self.ipv6_hoa.is_some() || self.ipv6_home_prefix.is_some())
            && self.ipv6_ha.is_some()
            && self.thoa_v4.is_some()
    }
}

/// The items of the reply the profile carries in a Registration Reply, in this order.
pub const REPLY_ITEMS: [Item; 6] = [
    Item::ThoaV4,
    Item::FhaAddress,
    Item::Ipv6HomeAddress,
    Item::Ipv6HomePrefix,
    Item::Ipv6HaAddress,
    Item::Ipv6CareOf,
];

/// Octets of an item's value in an extension: 4 for IPv4 addresses, 16 for IPv6 ones, 17 for
/// a prefix (length octet then 16 octets, `fixtures/profiles/dualstack.md`).
fn value_len(item: Item) -> Option<usize> {
    match item {
        Item::ThoaV4 | Item::FhaAddress | Item::CoLocatedCoa => Some(4),
        Item::Ipv6HomeAddress | Item::Ipv6HaAddress | Item::Ipv6CareOf => Some(16),
        Item::Ipv6HomePrefix => Some(17),
        _ => None,
    }
}

/// Whether `e` is the extension `carrier` names, and its value octets.
fn carried<'e>(carrier: &Carrier, e: &'e Extension) -> Option<&'e [u8]> {
    match (carrier, e) {
        (
            Carrier::Mip4Vendor {
                kind,
                org,
                vendor_type,
            },
            Extension::Nvse(v) | Extension::Cvse(v),
        ) if e.kind() == *kind && v.vendor_id == *org && v.vendor_type == *vendor_type => {
            Some(&v.value)
        }
        (Carrier::Mip4Extension { kind, subtype }, Extension::Raw(r)) if r.kind == *kind => {
            let got = match r.form {
                Form::Plain => None,
                Form::Long { subtype } | Form::Short { subtype } => Some(subtype),
            };
            (got == *subtype).then_some(r.data.as_slice())
        }
        _ => None,
    }
}

fn set_v4(slot: &mut Option<Ipv4Addr>, a: Ipv4Addr) {
    // A zero address is "not assigned" (RFC 2794 §3 asks for non-zero ones).
    if !a.is_unspecified() {
        *slot = Some(a);
    }
}

/// Reads the reply's items through `profile` (`Profile::carrier_of(item, Message::Rrp)`).
/// `extensions` are the extensions to take items from (the MN passes those its
/// authenticator covers).
pub fn read_items(
    profile: &Profile,
    reply: &RegistrationReply,
    extensions: &[Extension],
) -> ProfileItems {
    let mut out = ProfileItems::default();
    for item in REPLY_ITEMS {
        let Some(carrier) = profile.carrier_of(item, Message::Rrp) else {
            continue;
        };
        let value: Vec<u8> = match carrier {
            Carrier::Mip4Field(Mip4Field::HomeAddress) => reply.home_address.octets().to_vec(),
            Carrier::Mip4Field(Mip4Field::HomeAgent) => reply.home_agent.octets().to_vec(),
            _ => {
                let found: Vec<&[u8]> = extensions
                    .iter()
                    .filter_map(|e| carried(carrier, e))
                    .collect();
                match found.as_slice() {
                    [] => continue,
                    [one] => one.to_vec(),
                    _ => {
                        out.problems
                            .push(format!("{item}: {} carriers ({carrier})", found.len()));
                        continue;
                    }
                }
            }
        };
        if Some(value.len()) != value_len(item) {
            out.problems.push(format!(
                "{item}: {} value octets in {carrier} (want {})",
                value.len(),
                value_len(item).unwrap_or(0)
            ));
            continue;
        }
        let v6 = |b: &[u8]| Ipv6Addr::from(<[u8; 16]>::try_from(b).expect("16 octets"));
        let v4 = |b: &[u8]| Ipv4Addr::new(b[0], b[1], b[2], b[3]);
        match item {
            Item::ThoaV4 => set_v4(&mut out.thoa_v4, v4(&value)),
            Item::FhaAddress => set_v4(&mut out.fha_address, v4(&value)),
            Item::Ipv6HomeAddress => out.ipv6_hoa = Some(v6(&value)),
            Item::Ipv6HaAddress => out.ipv6_ha = Some(v6(&value)),
            Item::Ipv6CareOf => out.ipv6_coa = Some(v6(&value)),
            Item::Ipv6HomePrefix => {
                if value[0] > 128 {
                    out.problems
                        .push(format!("{item}: prefix length {} (at most 128)", value[0]));
                } else {
                    out.ipv6_home_prefix = Some((value[0], v6(&value[1..])));
                }
            }
            _ => {}
        }
    }
    out
}

/// The extension that carries `value` as `carrier` names it. A typed subtype of a plain
/// `mip4-ext` carrier is written in the short form for skippable types and in the long form
/// otherwise (RFC 5944 §1.10, §1.11).
pub(crate) fn carrier_extension(carrier: &Carrier, value: Vec<u8>) -> Option<Extension> {
    Some(match *carrier {
        Carrier::Mip4Vendor {
            kind,
            org,
            vendor_type,
        } => {
            let v = VendorExtension {
                reserved: 0,
                vendor_id: org,
                vendor_type,
                value,
            };
            match kind {
                NVSE => Extension::Nvse(v),
                CVSE => Extension::Cvse(v),
                _ => return None,
            }
        }
        Carrier::Mip4Extension { kind, subtype } => Extension::Raw(RawExtension {
            kind,
            form: match subtype {
                None => Form::Plain,
                Some(subtype) if kind >= 128 => Form::Short { subtype },
                Some(subtype) => Form::Long { subtype },
            },
            data: value,
        }),
        _ => return None,
    })
}

/// Writes `items` into `reply` where `profile` puts them in a Registration Reply: fixed
/// fields set, extension carriers appended to `reply.extensions` (before any authenticator
/// the caller appends when emitting). Items the profile does not carry in the reply are left
/// out. For the FHA and for test stimuli.
pub fn write_items(profile: &Profile, items: &ProfileItems, reply: &mut RegistrationReply) {
    let v6 = |a: Option<Ipv6Addr>| a.map(|a| a.octets().to_vec());
    for item in REPLY_ITEMS {
        let value = match item {
            Item::ThoaV4 => items.thoa_v4.map(|a| a.octets().to_vec()),
            Item::FhaAddress => items.fha_address.map(|a| a.octets().to_vec()),
            Item::Ipv6HomeAddress => v6(items.ipv6_hoa),
            Item::Ipv6HaAddress => v6(items.ipv6_ha),
            Item::Ipv6CareOf => v6(items.ipv6_coa),
            Item::Ipv6HomePrefix => items.ipv6_home_prefix.map(|(len, p)| {
                let mut v = vec![len];
                v.extend_from_slice(&p.octets());
                v
            }),
            _ => None,
        };
        let (Some(value), Some(carrier)) = (value, profile.carrier_of(item, Message::Rrp)) else {
            continue;
        };
        let v4 = |v: &[u8]| Ipv4Addr::new(v[0], v[1], v[2], v[3]);
        match carrier {
            Carrier::Mip4Field(Mip4Field::HomeAddress) if value.len() == 4 => {
                reply.home_address = v4(&value)
            }
            Carrier::Mip4Field(Mip4Field::HomeAgent) if value.len() == 4 => {
                reply.home_agent = v4(&value)
            }
            c => {
                if let Some(e) = carrier_extension(c, value) {
                    reply.extensions.push(e);
                }
            }
        }
    }
}

/// The NAI of a request or reply, as octets.
pub(crate) fn nai_of(extensions: &[Extension]) -> Option<&[u8]> {
    extensions.iter().find_map(|e| match e {
        Extension::Nai(n) => Some(n.as_slice()),
        _ => None,
    })
}

/// The realm of an NAI: what follows the last `@` (RFC 4282 §2.1 form `user@realm`).
pub fn realm_of(nai: &[u8]) -> Option<&[u8]> {
    let at = nai.iter().rposition(|&b| b == b'@')?;
    Some(&nai[at + 1..])
}

/// How many extensions of `kind` a list holds (RFC 5944 §3.6.2.1, §3.7.2.1, §3.7.3.1 want
/// "exactly one" authentication extension of a kind).
pub(crate) fn count_kind(extensions: &[Extension], kind: u8) -> usize {
    extensions.iter().filter(|e| e.kind() == kind).count()
}

/// The outcome of an accepted registration, as the MN saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Registration {
    /// 0 or 1 (RFC 5944 §3.4).
    pub code: u8,
    /// The granted Lifetime, seconds (0xffff: infinite).
    pub lifetime_s: u16,
    /// The reply's Home Address field (the THoAv4 with a zero-HoA request, RFC 2794 §3).
    pub home_address: Ipv4Addr,
    /// The reply's Home Agent field: the assigned FHA (RFC 4433 §5.1.1, §5.1.2).
    pub home_agent: Ipv4Addr,
    /// The care-of address registered.
    pub care_of_address: Ipv4Addr,
    /// The foreign agent the registration went through; `None` when direct.
    pub via_foreign_agent: Option<Ipv4Addr>,
    pub identification: u64,
    /// When the answered Request was sent (ms), where the MN starts timing the lifetime
    /// (RFC 5944 §3.6.2.2).
    pub sent_at: u64,
    /// `sent_at` + lifetime; `None` for an infinite one.
    pub expires_at: Option<u64>,
    pub items: ProfileItems,
}

/// The request fields a denial copies (RFC 5944 §3.7.2.3: "the Home Address, Home Agent, and
/// Identification fields within the Registration Reply are copied from the corresponding
/// fields of the Registration Request").
pub(crate) fn denial_for(req: &RegistrationRequest, code: u8, lifetime: u16) -> RegistrationReply {
    RegistrationReply {
        code: code.into(),
        lifetime,
        home_address: req.home_address,
        home_agent: req.home_agent,
        identification: req.identification,
        // RFC 2794 §3: a reply to an NAI request carries the NAI, so the MN can match it.
        extensions: nai_of(&req.extensions)
            .map(|n| vec![Extension::Nai(n.to_vec())])
            .unwrap_or_default(),
    }
}
