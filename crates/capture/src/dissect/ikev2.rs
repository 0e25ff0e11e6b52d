//! IKEv2 dissector: UDP 500, and UDP 4500 after the 4-octet zero non-ESP marker (RFC 7296
//! §3.1; UDP 4500 without the marker is ESP-in-UDP, see [`super::esp`]).
//!
//! Output: protocol `IKEv2`, kind `<exchange name> request|response` (from the R flag), fields
//! `ispi` and `rspi` (volatile, hex), `exchange` (number), `msgid`, `flags` (the letters of the
//! I, R and V flags that are set, `-` for none), then one child per payload in order: `SA`,
//! `KE`, `Ni`/`Nr` (by the R flag), `IDi`, `IDr`, `CERT`, `CERTREQ`, `AUTH`, `TSi`, `TSr`, `CP`,
//! `N`, `D`, `V`, `EAP`, `SK`, `SKF`, `payload N`.
//!
//! - SA: one `proposal` child per proposal (`num`, `protocol`, `spi` volatile, `transforms`
//!   listed as `TYPE:ID[-keybits]` joined by commas, e.g. `ENCR:AES_CBC-128`).
//! - KE `group` `len`; nonces `len` and `data` (volatile); IDi/IDr `id_type` (number) and `id`
//!   (FQDN text, address, or hex); AUTH `method` `len`; N `type` (number), `name`, then `spi`
//!   (volatile) and `data` when present (COOKIE and NAT detection data are volatile).
//! - CERT `encoding` `len`; for an X.509 signature certificate (4) also `subject` and `san`
//!   (`DNS:name`, `IP:address`, comma-separated, `-` for none), or `x509=unparsable`.
//! - TS: one `TS` child per selector (`proto`, `start`, `end`, `ports`, and `mh_types` for
//!   protocol 135, `icmp_types` (type range) for protocol 58).
//! - CP `cfg_type` (name); one child per attribute, kind = attribute name (`attr N` when
//!   unknown), fields `len` and, when not empty, `value` decoded (`addr/plen`, an address, or
//!   hex) — MIP6_HOME_PREFIX gives `value=prefix/plen` and a `lifetime` field; a value of the
//!   wrong length for its type is shown as hex with `malformed=yes`.
//! - SK: `decrypted=yes` with the inner payloads as children when the key log has the SA's
//!   keys, else `decrypted=no` and `reason` (`no key for this SA`, `ICV mismatch`, …).

use super::{Context, Dissector, Packet, Transport};
use crate::transcript::{Decoded, Part};
use mip6lab_wire::ikev2::{self, sk, Payload, PayloadBody, TrafficSelector};

pub struct Ikev2;

/// Subject and subjectAltName entries (`DNS:…`, `IP:…`, `email:…`; `-` when there are none)
/// of a DER certificate.
fn certificate_names(der: &[u8]) -> Option<(String, String)> {
    use x509_cert::der::Decode;
    use x509_cert::ext::pkix::name::GeneralName;
    use x509_cert::ext::pkix::SubjectAltName;
    let cert = x509_cert::Certificate::from_der(der).ok()?;
    let tbs = &cert.tbs_certificate;
    let names = match tbs.get::<SubjectAltName>() {
        Ok(Some((_, san))) => san.0,
        Ok(None) => Vec::new(),
        Err(_) => return None,
    };
    let san: Vec<String> = names
        .iter()
        .map(|n| match n {
            GeneralName::DnsName(d) => format!("DNS:{}", d.as_str()),
            GeneralName::Rfc822Name(d) => format!("email:{}", d.as_str()),
            GeneralName::IpAddress(a) => match a.as_bytes().len() {
                16 => {
                    let o: [u8; 16] = a.as_bytes().try_into().unwrap_or([0; 16]);
                    format!("IP:{}", std::net::Ipv6Addr::from(o))
                }
                4 => {
                    let o: [u8; 4] = a.as_bytes().try_into().unwrap_or([0; 4]);
                    format!("IP:{}", std::net::Ipv4Addr::from(o))
                }
                _ => format!("IP:{}", hex::encode(a.as_bytes())),
            },
            _ => "other".to_string(),
        })
        .collect();
    let san = if san.is_empty() {
        "-".to_string()
    } else {
        san.join(",")
    };
    Some((tbs.subject.to_string(), san))
}

/// The non-ESP marker on UDP 4500.
pub const NON_ESP_MARKER: [u8; 4] = [0; 4];

impl Dissector for Ikev2 {
    fn name(&self) -> &'static str {
        "IKEv2"
    }

    fn claims(&self, pkt: &Packet, payload: &[u8]) -> bool {
        match pkt.transport {
            Transport::Udp { sport, dport } => {
                sport == 500
                    || dport == 500
                    || ((sport == 4500 || dport == 4500) && payload.starts_with(&NON_ESP_MARKER))
            }
            _ => false,
        }
    }

    fn dissect(&self, pkt: &Packet, payload: &[u8], ctx: &mut Context) -> Decoded {
        let bytes = match pkt.transport {
            Transport::Udp { sport, dport }
                if (sport == 4500 || dport == 4500) && payload.starts_with(&NON_ESP_MARKER) =>
            {
                &payload[4..]
            }
            _ => payload,
        };
        dissect_ike(bytes, ctx)
    }
}

/// Decodes one IKE message (without the port-4500 marker).
pub fn dissect_ike(bytes: &[u8], ctx: &Context) -> Decoded {
    let msg = match ikev2::Message::from_bytes(bytes) {
        Ok(m) => m,
        Err(e) => return Decoded::malformed("IKEv2", e),
    };
    let response = msg.is_response();
    let exch = ikev2::exchange_name(msg.exchange)
        .map(str::to_owned)
        .unwrap_or_else(|| format!("exchange {}", msg.exchange));
    let kind = format!("{exch} {}", if response { "response" } else { "request" });
    let mut letters = String::new();
    for (bit, l) in [
        (ikev2::flags::I, 'I'),
        (ikev2::flags::R, 'R'),
        (ikev2::flags::V, 'V'),
    ] {
        if msg.flags & bit != 0 {
            letters.push(l);
        }
    }
    if letters.is_empty() {
        letters.push('-');
    }
    let mut m = Part::new("IKEv2", kind)
        .volatile("ispi", hex::encode(msg.ispi))
        .volatile("rspi", hex::encode(msg.rspi))
        .field("exchange", msg.exchange)
        .field("msgid", msg.message_id)
        .field("flags", letters);
    for p in &msg.payloads {
        let mut c = payload(p, response);
        if let PayloadBody::Sk(_) = p.body {
            c = sk_child(c, bytes, &msg, ctx);
        }
        m = m.child(c);
    }
    Decoded::Message(m)
}

fn sk_child(c: Part, bytes: &[u8], msg: &ikev2::Message, ctx: &Context) -> Part {
    let Some(keys) = ctx.keys.ike_sa(&msg.ispi, &msg.rspi) else {
        return c
            .field("decrypted", "no")
            .field("reason", "no key for this SA");
    };
    let dir = if msg.is_initiator() {
        keys.initiator()
    } else {
        keys.responder()
    };
    match sk::decrypt(bytes, &dir) {
        Ok(d) => {
            let mut c = c.field("decrypted", "yes");
            for p in &d.inner {
                c = c.child(payload(p, msg.is_response()));
            }
            c
        }
        Err(e) => c.field("decrypted", "no").field("reason", e.what),
    }
}

fn protocol_name(p: u8) -> String {
    match p {
        ikev2::protocol_id::IKE => "IKE".into(),
        ikev2::protocol_id::AH => "AH".into(),
        ikev2::protocol_id::ESP => "ESP".into(),
        n => n.to_string(),
    }
}

fn transform_id_name(t: u8, id: u16) -> String {
    let name = match (t, id) {
        (1, 12) => "AES_CBC",
        (1, 18) => "AES_GCM_8",
        (1, 19) => "AES_GCM_12",
        (1, 20) => "AES_GCM_16",
        (1, 11) => "NULL",
        (2, 2) => "HMAC_SHA1",
        (2, 5) => "HMAC_SHA2_256",
        (2, 6) => "HMAC_SHA2_384",
        (2, 7) => "HMAC_SHA2_512",
        (3, 0) => "NONE",
        (3, 2) => "HMAC_SHA1_96",
        (3, 12) => "HMAC_SHA2_256_128",
        (3, 13) => "HMAC_SHA2_384_192",
        (3, 14) => "HMAC_SHA2_512_256",
        (4, 2) => "MODP_1024",
        (4, 14) => "MODP_2048",
        (4, 19) => "ECP_256",
        (4, 20) => "ECP_384",
        (4, 31) => "CURVE25519",
        (4, 32) => "CURVE448",
        (5, 0) => "NO_ESN",
        (5, 1) => "ESN",
        _ => return id.to_string(),
    };
    name.into()
}

fn selector(s: &TrafficSelector) -> Part {
    let Some(r) = s.range() else {
        // An unknown TS type: its number and length.
        let len = match s {
            TrafficSelector::Unknown { data, .. } => data.len(),
            _ => 0,
        };
        return Part::new("IKEv2", "TS")
            .field("type", s.ts_type())
            .field("len", len);
    };
    let family = if r.start.is_ipv4() { "ipv4" } else { "ipv6" };
    let mut m = Part::new("IKEv2", "TS")
        .field("type", family)
        .field("proto", r.ip_protocol)
        .field("start", r.start)
        .field("end", r.end)
        .field("ports", format!("{}-{}", r.start_port, r.end_port));
    // Both are `None` for IPv4 selectors.
    if let Some((a, b)) = s.mh_types() {
        m = m.field("mh_types", format!("{a}-{b}"));
    }
    if let Some((a, b)) = s.icmp6_types() {
        m = m.field("icmp_types", format!("{a}-{b}"));
    }
    m
}

fn cp_attribute(a: &ikev2::CpAttribute) -> Part {
    use ikev2::cp_attr::*;
    let kind = a
        .name()
        .map(str::to_owned)
        .unwrap_or_else(|| format!("attr {}", a.attr_type));
    let mut m = Part::new("IKEv2", kind);
    if a.r {
        // Reserved: shown only when set (MUST be 0, ignored on receipt: RFC 5026 §8.2).
        m = m.field("r", 1);
    }
    m = m.field("len", a.value.len());
    if a.value.is_empty() {
        return m;
    }
    let decoded: Option<(String, Option<u32>)> = match a.attr_type {
        INTERNAL_IP6_ADDRESS | INTERNAL_IP6_SUBNET | INTERNAL_IP6_PREFIX => {
            a.as_ip6_prefix().map(|(ad, l)| (format!("{ad}/{l}"), None))
        }
        INTERNAL_IP6_DNS | INTERNAL_IP6_DHCP => a.as_ip6().map(|ad| (ad.to_string(), None)),
        INTERNAL_IP6_LINK => None,
        INTERNAL_IP4_ADDRESS | INTERNAL_IP4_NETMASK | INTERNAL_IP4_DNS | INTERNAL_IP4_NBNS
        | INTERNAL_IP4_DHCP => a.as_ip4().map(|ad| (ad.to_string(), None)),
        MIP6_HOME_PREFIX => a
            .as_home_prefix()
            .map(|p| (format!("{}/{}", p.prefix, p.prefix_len), Some(p.lifetime))),
        _ => Some((hex::encode(&a.value), None)),
    };
    match decoded {
        Some((v, lifetime)) => {
            m = m.field("value", v);
            if let Some(l) = lifetime {
                m = m.field("lifetime", l);
            }
        }
        None => {
            m = m
                .field("value", hex::encode(&a.value))
                .field("malformed", "yes")
        }
    }
    if a.r {
        m = m.field("r_bit", 1);
    }
    m
}

fn id_text(id: &ikev2::Id) -> String {
    let text = id.display();
    // The transcript splits on spaces; keep the id one token.
    text.replace(' ', "_")
}

fn payload(p: &Payload, response: bool) -> Part {
    use ikev2::notify_type as nt;
    let m = |kind: &str| Part::new("IKEv2", kind);
    let mut c = match &p.body {
        PayloadBody::Sa(sa) => {
            let mut c = m("SA");
            for pr in &sa.proposals {
                let transforms: Vec<String> = pr
                    .transforms
                    .iter()
                    .map(|t| {
                        let ty = ikev2::transform_type_name(t.transform_type)
                            .map(str::to_owned)
                            .unwrap_or_else(|| t.transform_type.to_string());
                        let mut s = format!(
                            "{ty}:{}",
                            transform_id_name(t.transform_type, t.transform_id)
                        );
                        if let Some(k) = t.key_length() {
                            s.push_str(&format!("-{k}"));
                        }
                        s
                    })
                    .collect();
                let mut pc = m("proposal")
                    .field("num", pr.number)
                    .field("protocol", protocol_name(pr.protocol_id));
                if !pr.spi.is_empty() {
                    pc = pc.volatile("spi", hex::encode(&pr.spi));
                }
                c = c.child(pc.field("transforms", transforms.join(",")));
            }
            c
        }
        PayloadBody::Ke(ke) => m("KE").field("group", ke.group).field("len", ke.data.len()),
        PayloadBody::Nonce(n) => m(if response { "Nr" } else { "Ni" })
            .field("len", n.len())
            .volatile("data", hex::encode(n)),
        PayloadBody::IdI(id) | PayloadBody::IdR(id) => {
            let k = if matches!(p.body, PayloadBody::IdI(_)) {
                "IDi"
            } else {
                "IDr"
            };
            m(k).field("id_type", id.id_type).field("id", id_text(id))
        }
        PayloadBody::Cert(x) | PayloadBody::CertReq(x) => {
            let k = if matches!(p.body, PayloadBody::Cert(_)) {
                "CERT"
            } else {
                "CERTREQ"
            };
            let c = m(k)
                .field("encoding", x.encoding)
                .field("len", x.data.len());
            match (k, x.encoding) {
                // X.509 Certificate - Signature: who it names, for identity checks (RFC 4877
                // §7.3, RFC 5026 §9.5); a certificate that does not parse says so.
                ("CERT", 4) => match certificate_names(&x.data) {
                    Some((subject, san)) => c.field("subject", subject).field("san", san),
                    None => c.field("x509", "unparsable"),
                },
                _ => c,
            }
        }
        PayloadBody::Auth(a) => {
            let c = m("AUTH").field("method", a.method);
            // A DER-encoded ECDSA signature (methods 9–11, 14) varies in length from run to
            // run; a MAC (method 2) does not.
            if matches!(a.method, 9..=11 | 14) {
                c.volatile("len", a.data.len())
            } else {
                c.field("len", a.data.len())
            }
        }
        PayloadBody::Notify(n) => {
            let mut c = m("N")
                .field("type", n.notify_type)
                .field("name", n.name().unwrap_or("unknown"));
            if n.protocol_id != 0 {
                c = c.field("protocol", protocol_name(n.protocol_id));
            }
            if !n.spi.is_empty() {
                c = c.volatile("spi", hex::encode(&n.spi));
            }
            if !n.data.is_empty() {
                c = match n.notify_type {
                    nt::COOKIE | nt::NAT_DETECTION_SOURCE_IP | nt::NAT_DETECTION_DESTINATION_IP => {
                        c.volatile("data", hex::encode(&n.data))
                    }
                    nt::INVALID_KE_PAYLOAD if n.data.len() == 2 => {
                        c.field("group", u16::from_be_bytes([n.data[0], n.data[1]]))
                    }
                    _ => c.field("data", hex::encode(&n.data)),
                };
            }
            c
        }
        PayloadBody::Delete(d) => {
            let mut c = m("D")
                .field("protocol", protocol_name(d.protocol_id))
                .field("num", d.num_spis);
            if !d.spis.is_empty() {
                c = c.volatile("spis", hex::encode(&d.spis));
            }
            c
        }
        PayloadBody::Vendor(v) => m("V").field("data", hex::encode(v)),
        PayloadBody::TsI(ts) | PayloadBody::TsR(ts) => {
            let k = if matches!(p.body, PayloadBody::TsI(_)) {
                "TSi"
            } else {
                "TSr"
            };
            ts.selectors.iter().fold(m(k), |c, s| c.child(selector(s)))
        }
        PayloadBody::Cp(cp) => {
            let name = ikev2::cfg_type_name(cp.cfg_type)
                .map(str::to_owned)
                .unwrap_or_else(|| cp.cfg_type.to_string());
            cp.attributes
                .iter()
                .fold(m("CP").field("cfg_type", name), |c, a| {
                    c.child(cp_attribute(a))
                })
        }
        PayloadBody::Eap(e) => {
            let mut c = m("EAP").field("code", e.code).field("id", e.identifier);
            if let Some(t) = e.eap_type() {
                c = c.field("type", t);
            }
            c.field("len", e.buffer_len())
        }
        PayloadBody::Sk(_) => m("SK"),
        PayloadBody::Skf(f) => m("SKF")
            .field("fragment", f.fragment_number)
            .field("total", f.total_fragments)
            .field("decrypted", "no")
            .field("reason", "fragment reassembly not supported"),
        PayloadBody::Unknown { payload_type, data } => {
            m(&format!("payload {payload_type}")).field("len", data.len())
        }
    };
    if p.critical() {
        c = c.field("critical", "yes");
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use mip6lab_wire::ikev2::{cp_attr, Cp, CpAttribute};

    #[test]
    fn odd_attributes_unknown_payloads_and_critical_bits() {
        let msg = ikev2::Message {
            ispi: [1; 8],
            rspi: [0; 8],
            version: ikev2::VERSION_2_0,
            exchange: 99,
            flags: 0,
            message_id: 5,
            payloads: vec![
                Payload::new(PayloadBody::Cp(Cp::new(
                    9,
                    vec![
                        CpAttribute::new(cp_attr::MIP6_HOME_PREFIX, vec![1, 2, 3]),
                        CpAttribute::new(4000, vec![0xab]),
                    ],
                ))),
                Payload {
                    flags: ikev2::CRITICAL,
                    body: PayloadBody::Unknown {
                        payload_type: 200,
                        data: vec![0; 3],
                    },
                },
            ],
        };
        let Decoded::Message(m) = dissect_ike(&msg.to_bytes(), &Context::default()) else {
            panic!()
        };
        assert_eq!(
            m.render(),
            "exchange 99 request ispi=* rspi=* exchange=99 msgid=5 flags=- \
             {CP cfg_type=9 {MIP6_HOME_PREFIX len=3 value=010203 malformed=yes} \
             {attr 4000 len=1 value=ab}} {payload 200 len=3 critical=yes}"
        );
    }
}
