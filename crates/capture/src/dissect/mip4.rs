//! Mobile IPv4 dissector: Registration Request / Reply on UDP 434 over IPv4 and Agent
//! Advertisement / Solicitation (ICMP types 9 and 10), decoded with `mip6lab_wire::mip4`.
//!
//! etherparse slices ICMPv4 but `slice` hands every non-UDP/TCP/ICMPv6 payload on as
//! `Transport::Other` with the IP payload, so ICMP arrives as `Other { next_header: 1 }`
//! with the whole ICMP message, which is all this dissector needs.
//!
//! Entries print as
//! `MIPv4 RRQ flags=ST lifetime=1800 hoa=0.0.0.0 ha=192.0.2.1 coa=198.51.100.2 id=* {NAI
//! value="mn@example.com"} {MN-HA Auth spi=256 authenticator=*}`,
//! `MIPv4 RRP code=0 (accepted) lifetime=1800 hoa=… ha=… id=* {…}` and
//! `MIPv4 AgentAdv code=16 lifetime=1800 routers=198.51.100.1 checksum=* checksum_ok=yes
//! {Mobility Agent Advertisement seq=* reg_lifetime=600 flags=RF coa=198.51.100.1} …`.
//! Volatile: Identification, authenticators, challenges, KeyGen nonces, the advertisement
//! sequence number and the ICMP checksum. A message carrying an extension that is neither
//! understood nor skippable gets `discard=<type>` (RFC 5944 §1.8). A registration message of
//! another type (e.g. RFC 3519's Tunnel Data, type 4) is named by type; anything that does
//! not parse is `MIPv4 malformed: …`.

use super::{Context, Dissector, Packet, Transport};
use crate::transcript::{Decoded, Part};
use mip6lab_wire::dsprofile::Profile;
use mip6lab_wire::mip4::{
    self, agent, ext, Extension, IcmpRepr, KeyGen, Repr, Space, VendorExtension,
};

pub struct Mip4;

const PROTOCOL: &str = "MIPv4";

impl Dissector for Mip4 {
    fn name(&self) -> &'static str {
        PROTOCOL
    }

    fn claims(&self, pkt: &Packet, payload: &[u8]) -> bool {
        let icmp = pkt.transport
            == Transport::Other {
                next_header: agent::IPPROTO_ICMP,
            }
            && matches!(
                payload.first(),
                Some(&agent::ROUTER_ADVERTISEMENT | &agent::ROUTER_SOLICITATION)
            );
        icmp || (pkt.src.is_ipv4() && pkt.is_udp_port(mip4::PORT))
    }

    fn dissect(&self, pkt: &Packet, payload: &[u8], ctx: &mut Context) -> Decoded {
        if matches!(pkt.transport, Transport::Udp { .. }) {
            registration(payload, &ctx.profile)
        } else {
            dissect_agent(payload)
        }
    }
}

/// Decodes one UDP 434 payload, vendor extensions named by the lab's profile.
pub fn dissect_registration(payload: &[u8]) -> Decoded {
    registration(payload, &Profile::lab())
}

/// Decodes one UDP 434 payload, vendor extensions named by `profile`.
pub fn registration(payload: &[u8], profile: &Profile) -> Decoded {
    match payload.first() {
        Some(&(mip4::REGISTRATION_REQUEST | mip4::REGISTRATION_REPLY)) => {}
        Some(t) => {
            return Decoded::Message(
                Part::new(PROTOCOL, format!("type {t}")).field("len", payload.len()),
            )
        }
        None => return Decoded::malformed(PROTOCOL, "empty UDP 434 payload"),
    }
    let repr = match Repr::from_bytes(payload) {
        Ok(r) => r,
        Err(e) => return Decoded::malformed(PROTOCOL, e),
    };
    let mut m = match &repr {
        Repr::Request(r) => flags(Part::new(PROTOCOL, "RRQ"), r.flags.letters())
            .field("lifetime", r.lifetime)
            .field("hoa", r.home_address)
            .field("ha", r.home_agent)
            .field("coa", r.care_of_address),
        Repr::Reply(r) => {
            let code = u8::from(r.code);
            let code = match r.code.name() {
                Some(n) => format!("{code} ({n})"),
                None => code.to_string(),
            };
            Part::new(PROTOCOL, "RRP")
                .field("code", code)
                .field("lifetime", r.lifetime)
                .field("hoa", r.home_address)
                .field("ha", r.home_agent)
        }
    };
    m = m.volatile("id", format!("0x{:016x}", repr.identification()));
    if let Some(e) = repr.must_discard() {
        m = m.field("discard", e.kind());
    }
    for e in repr.extensions() {
        m = m.child(named_by_profile(
            extension(e, Space::Registration),
            e,
            profile,
        ));
    }
    Decoded::Message(m)
}

/// Decodes one ICMP Router Advertisement or Solicitation (the whole ICMP message).
pub fn dissect_agent(icmp: &[u8]) -> Decoded {
    let p = match agent::IcmpPacket::new_checked(icmp) {
        Ok(p) => p,
        Err(e) => return Decoded::malformed(PROTOCOL, e),
    };
    let repr = match IcmpRepr::parse(&p) {
        Ok(r) => r,
        Err(e) => return Decoded::malformed(PROTOCOL, e),
    };
    let mut m = match &repr {
        IcmpRepr::Solicitation(s) => {
            let mut m = Part::new(PROTOCOL, "AgentSol");
            if s.code != 0 {
                m = m.field("code", s.code);
            }
            m
        }
        IcmpRepr::Advertisement(a) => {
            let kind = if a.mobility_agent().is_some() {
                "AgentAdv"
            } else {
                "RouterAdv"
            };
            let routers: Vec<String> = a
                .routers
                .iter()
                .map(|r| match r.preference {
                    0 => r.address.to_string(),
                    p => format!("{}/pref={}", r.address, p as i32),
                })
                .collect();
            let mut m = Part::new(PROTOCOL, kind)
                .field("code", a.code)
                .field("lifetime", a.lifetime);
            if !routers.is_empty() {
                m = m.field("routers", routers.join(","));
            }
            if a.addr_entry_size != 2 {
                m = m.field("entry_size", a.addr_entry_size);
            }
            m
        }
    };
    m = m
        .volatile("checksum", format!("0x{:04x}", p.checksum()))
        .field(
            "checksum_ok",
            if p.verify_checksum() { "yes" } else { "no" },
        );
    if let IcmpRepr::Advertisement(a) = &repr {
        if let Some(i) = mip4::must_discard(&a.extensions, Space::Discovery) {
            m = m.field("discard", a.extensions[i].kind());
        }
        for e in &a.extensions {
            m = m.child(extension(e, Space::Discovery));
        }
    }
    Decoded::Message(m)
}

/// `flags=…` when any flag is set, as the other dissectors show flags.
fn flags(m: Part, letters: String) -> Part {
    if letters.is_empty() {
        m
    } else {
        m.field("flags", letters)
    }
}

fn hex(b: &[u8]) -> String {
    format!("0x{}", hex::encode(b))
}

/// A CVSE/NVSE the profile names: its item, and an IPv6 address value as an address.
fn named_by_profile(m: Part, e: &Extension, profile: &Profile) -> Part {
    let (kind, v) = match e {
        Extension::Cvse(v) => (ext::reg_ext::CVSE, v),
        Extension::Nvse(v) => (ext::reg_ext::NVSE, v),
        _ => return m,
    };
    let Some(item) = profile.vendor_item(kind, v.vendor_id, v.vendor_type) else {
        return m;
    };
    let m = m.field("profile_item", item.key());
    match <[u8; 16]>::try_from(v.value.as_slice()) {
        Ok(a) => m.field("address", std::net::Ipv6Addr::from(a)),
        Err(_) => m,
    }
}

fn vendor(m: Part, v: &VendorExtension) -> Part {
    m.field("vendor", v.vendor_id)
        .field("vendor_type", v.vendor_type)
        .field("value", hex(&v.value))
}

/// One extension as a child part named by its type.
fn extension(e: &Extension, space: Space) -> Part {
    let m = Part::new(PROTOCOL, e.name(space));
    match e {
        Extension::Padding => m,
        Extension::Auth {
            spi, authenticator, ..
        } => m
            .field("spi", spi)
            .volatile("authenticator", hex(authenticator)),
        Extension::GeneralizedAuth {
            subtype,
            spi,
            authenticator,
        } => {
            let m = if *subtype == ext::GEN_AUTH_MN_AAA {
                m.field("subtype", "1 (MN-AAA)")
            } else {
                m.field("subtype", subtype)
            };
            m.field("spi", spi)
                .volatile("authenticator", hex(authenticator))
        }
        Extension::Nai(n) => m.field("value", format!("{:?}", String::from_utf8_lossy(n))),
        Extension::MnFaChallenge(c) | Extension::AdvChallenge(c) => m.volatile("value", hex(c)),
        Extension::Cvse(v) | Extension::Nvse(v) => vendor(m, v),
        Extension::DynamicHa {
            subtype,
            address,
            short_form,
        } => {
            let s = match *subtype {
                ext::DYNAMIC_HA_REQUESTED => "1 (requested)".to_owned(),
                ext::DYNAMIC_HA_REDIRECTED => "2 (redirected)".to_owned(),
                s => s.to_string(),
            };
            let m = m.field("subtype", s).field("address", address);
            // RFC 4433 draws the long form; say so when the sender used the short one.
            if *short_form {
                m.field("form", "short")
            } else {
                m
            }
        }
        Extension::KeyGen { subtype, body, .. } => {
            let m = m.field("subtype", subtype);
            match e.keygen() {
                Some(KeyGen::Request { mn_spi, data }) => {
                    let m = m.field("mn_spi", mn_spi);
                    if data.is_empty() {
                        m
                    } else {
                        m.field("data", hex(data))
                    }
                }
                Some(KeyGen::MnFaAaaReply {
                    lifetime,
                    aaa_spi,
                    fa_spi,
                    algorithm,
                    nonce,
                }) => m
                    .field("lifetime", lifetime)
                    .field("aaa_spi", aaa_spi)
                    .field("fa_spi", fa_spi)
                    .field("algorithm", algorithm)
                    .volatile("nonce", hex(nonce)),
                Some(KeyGen::MnHaAaaReply {
                    lifetime,
                    aaa_spi,
                    ha_spi,
                    algorithm,
                    replay_method,
                    nonce,
                }) => m
                    .field("lifetime", lifetime)
                    .field("aaa_spi", aaa_spi)
                    .field("ha_spi", ha_spi)
                    .field("algorithm", algorithm)
                    .field("replay", replay_method)
                    .volatile("nonce", hex(nonce)),
                Some(KeyGen::MnHaReply { lifetime, data }) => {
                    m.field("lifetime", lifetime).field("data", hex(data))
                }
                Some(KeyGen::MnFaReply { data }) => m.field("data", hex(data)),
                None => m.field("data", hex(body)),
            }
        }
        Extension::MobilityAgent(a) => {
            let coas: Vec<String> = a.care_of_addresses.iter().map(|c| c.to_string()).collect();
            let m = m
                .volatile("seq", a.sequence)
                .field("reg_lifetime", a.registration_lifetime);
            let mut m = flags(m, a.flags.letters());
            if a.flags.0 & mip4::AdvFlags::RESERVED != 0 {
                m = m.field("reserved", a.flags.0 & mip4::AdvFlags::RESERVED);
            }
            if !coas.is_empty() {
                m = m.field("coa", coas.join(","));
            }
            m
        }
        Extension::PrefixLengths(p) => m.field(
            "value",
            p.iter().map(u8::to_string).collect::<Vec<_>>().join(","),
        ),
        Extension::Raw(r) => {
            let m = match r.form {
                mip4::Form::Plain => m,
                mip4::Form::Long { subtype } | mip4::Form::Short { subtype } => {
                    m.field("subtype", subtype)
                }
            };
            m.field("data", hex(&r.data))
        }
    }
}
