//! RADIUS dissector: UDP to or from ports 1812 (auth), 1813 (accounting) and 3799 (dynamic
//! authorization), decoded with `mip6lab_wire::radius`; EAP inside EAP-Message with
//! `mip6lab_wire::eap`.
//!
//! Message kind: the code name (`Access-Request`, `Access-Challenge`, …). Fields: `code`,
//! `id` and `authenticator` (both volatile: they change every run). One child per attribute,
//! kind = its RFC name (`Attr-N` if unknown), field `value`; values that differ from run to
//! run (User-Password, State, Message-Authenticator, Class, Proxy-State, the MS-MPPE keys,
//! Acct-Session-Id, and the clock readings Acct-Delay-Time and Event-Timestamp) are volatile.
//! Proxy-State's length is volatile too. Acct-Status-Type shows its value's name (`1 (Start)`). Consecutive EAP-Message attributes are shown once as an `EAP` child (the
//! joined packet, `EAP Response/Identity …`) with `fragments` when more than one.
//! Vendor-Specific: field `vendor`, sub-attributes as children named by the vendor's
//! dictionary (`MS-MPPE-Recv-Key`, `WiMAX-hHA-IP-MIP6`, `3GPP2-Home-Agent-IP-Address`; `vsa N`
//! if unlisted), typed values for WiMAX and 3GPP2, WiMAX's continuation octet as
//! `continuation` when not 0. MIP6-Feature-Vector shows its flags by name
//! (`0x0000000000000001 (MIP6_INTEGRATED)`), WiMAX-IP-Technology its value's name.

use super::{Context, Dissector, Packet, Transport};
use crate::transcript::{Decoded, Part};
use mip6lab_wire::dsprofile::{Carrier, Item, Profile};
use mip6lab_wire::eap;
use mip6lab_wire::radius::{
    self, attr, feature_flags, ms, vendor, wimax, Attribute, Repr, Value, VendorAttribute,
};

pub struct Radius;

const PORTS: [u16; 3] = [radius::AUTH_PORT, radius::ACCT_PORT, radius::DYNAUTH_PORT];

impl Dissector for Radius {
    fn name(&self) -> &'static str {
        "RADIUS"
    }

    fn claims(&self, pkt: &Packet, _: &[u8]) -> bool {
        matches!(pkt.transport, Transport::Udp { sport, dport }
            if PORTS.contains(&sport) || PORTS.contains(&dport))
    }

    fn dissect(&self, _: &Packet, payload: &[u8], ctx: &mut Context) -> Decoded {
        dissect_radius_with(payload, &ctx.profile)
    }
}

/// Decodes one RADIUS packet (a UDP payload; octets after Length are padding), with the lab's
/// dual-stack profile.
pub fn dissect_radius(payload: &[u8]) -> Decoded {
    dissect_radius_with(payload, &Profile::lab())
}

/// [`dissect_radius`] with the dual-stack `profile` saying which vendor attributes carry the
/// RFC 3957 key material (fresh every run, so volatile).
pub fn dissect_radius_with(payload: &[u8], profile: &Profile) -> Decoded {
    let repr = match radius::Packet::new_checked(payload).and_then(|p| Repr::parse(&p)) {
        Ok(r) => r,
        Err(e) => return Decoded::malformed("RADIUS", e),
    };
    let kind = repr
        .code_name()
        .map(str::to_owned)
        .unwrap_or_else(|| format!("code {}", repr.code));
    let mut m = Part::new("RADIUS", kind)
        .field("code", repr.code)
        .volatile("id", repr.identifier)
        .volatile("authenticator", hex::encode(repr.authenticator));
    let mut i = 0;
    while i < repr.attributes.len() {
        let a = &repr.attributes[i];
        if a.kind == attr::EAP_MESSAGE {
            let n = repr.attributes[i..]
                .iter()
                .take_while(|x| x.kind == attr::EAP_MESSAGE)
                .count();
            let joined: Vec<u8> = repr.attributes[i..i + n]
                .iter()
                .flat_map(|x| x.value.iter().copied())
                .collect();
            let mut c = eap_message(&joined);
            if n > 1 {
                c = c.field("fragments", n);
            }
            m = m.child(c);
            i += n;
            continue;
        }
        m = m.child(attribute_message(a, profile));
        i += 1;
    }
    Decoded::Message(m)
}

fn volatile_attribute(kind: u8) -> bool {
    matches!(
        kind,
        attr::USER_PASSWORD
            | attr::CHAP_PASSWORD
            | attr::CHAP_CHALLENGE
            | attr::STATE
            | attr::CLASS
            | attr::PROXY_STATE
            | attr::MESSAGE_AUTHENTICATOR
            | attr::ACCT_SESSION_ID
            // A proxy adds the seconds the request waited (RFC 2866 §5.2): 0 or 1 by chance.
            | attr::ACCT_DELAY_TIME
            | attr::EVENT_TIMESTAMP
    )
}

/// One attribute as a transcript child (also the DHCPv4 dissector's, for RFC 4014 sub-options).
pub(crate) fn attribute_message(a: &Attribute, profile: &Profile) -> Part {
    let m = Part::new("RADIUS", a.display_name());
    match a.decode() {
        Ok(Value::Vendor(v)) => {
            let mut m = m.field("vendor", v.vendor_id);
            match &v.subs {
                Some(subs) => {
                    for s in subs {
                        m = m.child(vendor_attribute_message(v.vendor_id, s, profile));
                    }
                }
                None => m = m.field("data", format!("0x{}", hex::encode(&v.data))),
            }
            m
        }
        Ok(Value::Integer(n)) if a.kind == attr::ACCT_STATUS_TYPE => {
            m.field("value", named(n, radius::acct_status_name(n)))
        }
        Ok(Value::Integer64(n)) if a.kind == attr::MIP6_FEATURE_VECTOR => m.field(
            "value",
            format!(
                "{} ({})",
                value_text(&Value::Integer64(n)),
                feature_flags(n)
            ),
        ),
        Ok(v) => {
            let text = value_text(&v);
            if a.kind == attr::PROXY_STATE {
                // A proxy's opaque state, in FreeRADIUS a request counter: even its length
                // depends on how many requests came before.
                m.volatile("len", a.value.len()).volatile("value", text)
            } else if volatile_attribute(a.kind) {
                m.field("len", a.value.len()).volatile("value", text)
            } else {
                m.field("value", text)
            }
        }
        Err(e) => m.field("malformed", e.to_string()),
    }
}

/// `n (Name)`, or `n` when the value has no name.
fn named(n: u32, name: Option<&str>) -> String {
    match name {
        Some(name) => format!("{n} ({name})"),
        None => n.to_string(),
    }
}

/// Vendor values that differ every run: MPPE keys are salted and encrypted, MS-CHAP-Error (2)
/// carries the server's fresh challenge (RFC 2548 §2.1.5), and WiMAX's MSK and MN-HA keys
/// are salted and encrypted like the MPPE keys. So are the attributes the dual-stack profile
/// has carry the RFC 3957 MN-HA key (salted) and its nonce (random).
fn volatile_vendor_attribute(vendor_id: u32, t: u8, profile: &Profile) -> Volatility {
    let carrier = Carrier::RadiusVendor {
        vendor: vendor_id,
        kind: t,
    };
    match (vendor_id, t) {
        (vendor::MICROSOFT, ms::MPPE_SEND_KEY | ms::MPPE_RECV_KEY)
        | (vendor::WIMAX, wimax::MSK | wimax::MN_HHA_MIP6_KEY | wimax::MN_VHA_MIP6_KEY) => {
            Volatility::ValueOnly
        }
        (vendor::MICROSOFT, 2) => Volatility::WholeValue,
        _ if matches!(
            profile.item_of(&carrier),
            Some(Item::MnHaKey | Item::MnHaKeygenReply)
        ) =>
        {
            Volatility::ValueOnly
        }
        _ => Volatility::Stable,
    }
}

enum Volatility {
    Stable,
    /// The length is stable, the value is not.
    ValueOnly,
    /// Neither is shown.
    WholeValue,
}

/// One sub-attribute of a Vendor-Specific: its dictionary name (`vsa N` if unlisted), WiMAX's
/// continuation octet when not 0, and its value: typed for the vendors whose tables give a
/// type (Microsoft's stay hex), `malformed` when it does not have that type's form.
fn vendor_attribute_message(vendor_id: u32, s: &VendorAttribute, profile: &Profile) -> Part {
    let name = s
        .name(vendor_id)
        .map(str::to_owned)
        .unwrap_or_else(|| format!("vsa {}", s.vendor_type));
    let mut c = Part::new("RADIUS", name);
    if let Some(cont) = s.continuation.filter(|c| *c != 0) {
        c = c.field("continuation", format!("{cont:#04x}"));
    }
    let value = match s.decode(vendor_id) {
        Ok(Value::Integer(n))
            if (vendor_id, s.vendor_type) == (vendor::WIMAX, wimax::IP_TECHNOLOGY) =>
        {
            named(n, radius::wimax_ip_technology_name(n))
        }
        Ok(v) => value_text(&v),
        Err(e) => return c.field("malformed", e.to_string()),
    };
    match volatile_vendor_attribute(vendor_id, s.vendor_type, profile) {
        Volatility::Stable => c.field("value", value),
        Volatility::ValueOnly => c.field("len", s.value.len()).volatile("value", value),
        Volatility::WholeValue => c.volatile("value", value),
    }
}

fn value_text(v: &Value) -> String {
    match v {
        Value::Text(s) => format!("{s:?}"),
        Value::Octets(b) => format!("0x{}", hex::encode(b)),
        Value::Integer(n) => n.to_string(),
        Value::Integer64(n) => format!("0x{n:016x}"),
        Value::Ipv4(a) => a.to_string(),
        Value::Ipv6(a) => a.to_string(),
        Value::Ipv6Prefix { len, prefix, .. } | Value::HomeLinkPrefix { len, prefix } => {
            format!("{prefix}/{len}")
        }
        Value::Ipv4Prefix { len, prefix, .. } => format!("{prefix}/{len}"),
        Value::Vendor(v) => format!("vendor {}", v.vendor_id),
    }
}

/// The EAP packet of the EAP-Message attributes (or an EAPOL-EAP body), as an
/// `EAP <describe>` child.
pub(crate) fn eap_message(b: &[u8]) -> Part {
    let e = match eap::Repr::from_bytes(b) {
        Ok(e) => e,
        Err(e) => {
            return Part::new("EAP", "EAP")
                .field("len", b.len())
                .field("malformed", e.to_string())
        }
    };
    let mut m = Part::new("EAP", format!("EAP {}", e.describe())).volatile("id", e.identifier);
    if let Some(id) = e.identity() {
        m = m.field("identity", format!("{:?}", String::from_utf8_lossy(id)));
    } else if let Some(ch) = e.md5_challenge() {
        m = match ch {
            Ok(c) => m
                .field("value_len", c.value.len())
                .volatile("value", hex::encode(&c.value)),
            Err(err) => m.field("malformed", err.to_string()),
        };
    } else if e.method == Some(eap::method::MSCHAPV2) {
        m = match eap::mschapv2::Packet::parse(&e.data) {
            Ok(p) => {
                let op = match p.opcode {
                    eap::mschapv2::OP_CHALLENGE => "Challenge".to_owned(),
                    eap::mschapv2::OP_RESPONSE => "Response".to_owned(),
                    eap::mschapv2::OP_SUCCESS => "Success".to_owned(),
                    eap::mschapv2::OP_FAILURE => "Failure".to_owned(),
                    eap::mschapv2::OP_CHANGE_PASSWORD => "Change-Password".to_owned(),
                    n => n.to_string(),
                };
                m.field("op", op).field("len", e.data.len())
            }
            Err(err) => m.field("malformed", err.to_string()),
        };
    } else if e.method == Some(eap::method::NAK) {
        m = m.field(
            "desired",
            e.data
                .iter()
                .map(|t| {
                    eap::method_name(*t)
                        .map(str::to_owned)
                        .unwrap_or_else(|| t.to_string())
                })
                .collect::<Vec<_>>()
                .join(","),
        );
    } else if !e.data.is_empty() {
        m = m.field("len", e.data.len());
    }
    m
}
