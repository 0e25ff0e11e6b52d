//! IKEv2 messages (RFC 7296) as judges read them: exchange, direction, SPIs, and the payloads
//! (in the clear or inside a decrypted SK payload) with typed contents.

use super::{address_and_length, parsed};
use crate::Observation;
use mip6lab_capture::{Entry, Part};
use std::fmt;
use std::net::IpAddr;

/// Exchange types (RFC 7296 §3.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exchange {
    IkeSaInit,
    IkeAuth,
    CreateChildSa,
    Informational,
    /// Any other exchange, by the name the transcript gives it.
    Other(String),
}

impl Exchange {
    fn from_name(name: &str) -> Exchange {
        match name {
            "IKE_SA_INIT" => Exchange::IkeSaInit,
            "IKE_AUTH" => Exchange::IkeAuth,
            "CREATE_CHILD_SA" => Exchange::CreateChildSa,
            "INFORMATIONAL" => Exchange::Informational,
            other => Exchange::Other(other.to_owned()),
        }
    }
}

/// Notify message types the judges name (RFC 7296 §3.10.1, RFC 5026 §10).
pub mod notify {
    pub use mip6lab_wire::ikev2::notify_type::{
        AUTHENTICATION_FAILED, COOKIE, INTERNAL_ADDRESS_FAILURE, USE_ASSIGNED_HOA,
        USE_TRANSPORT_MODE,
    };
    /// Types below this are errors (RFC 7296 §3.10.1).
    pub const FIRST_STATUS_TYPE: u16 = 16384;
}

/// Identification types (RFC 7296 §3.5).
pub mod id_type {
    pub use mip6lab_wire::ikev2::id_type::{FQDN as ID_FQDN, IPV6_ADDR as ID_IPV6_ADDR};
}

/// An IKE SPI (8 octets), shown in hex as the transcript does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IkeSpi(pub u64);

impl fmt::Display for IkeSpi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

/// A Notify payload: its type by number and its name (`unknown` when unnamed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notify {
    pub notify_type: Option<u16>,
    pub name: String,
}

/// CFG types (RFC 7296 §3.15).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CfgType {
    Request,
    Reply,
    Set,
    Ack,
    Other(String),
}

/// A Configuration payload and its attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigPayload {
    pub cfg_type: CfgType,
    pub attributes: Vec<CpAttribute>,
}

/// Attribute types the judges ask about (RFC 7296 §3.15.1, RFC 5026 §8.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CpAttributeType {
    InternalIp6Address,
    Mip6HomePrefix,
    /// Any other, by the name the transcript gives it (`attr N` when unnamed).
    Other(String),
}

/// A decoded CP attribute value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CpValue {
    /// An address with a prefix length (INTERNAL_IP6_ADDRESS, MIP6_HOME_PREFIX, …).
    Prefix(IpAddr, u8),
    Address(IpAddr),
    /// Hex: an attribute without a decoding, or one of the wrong length (`malformed`).
    Raw(String),
}

impl fmt::Display for CpValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CpValue::Prefix(a, l) => write!(f, "{a}/{l}"),
            CpValue::Address(a) => write!(f, "{a}"),
            CpValue::Raw(s) => f.write_str(s),
        }
    }
}

/// One CP attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CpAttribute {
    pub attr_type: CpAttributeType,
    /// The name the transcript gives the type.
    pub name: String,
    /// The Length field.
    pub len: Option<usize>,
    pub value: Option<CpValue>,
    /// MIP6_HOME_PREFIX's Prefix Lifetime.
    pub lifetime: Option<u32>,
    /// The reserved (R) bit of the attribute type (RFC 5026 §8.2: MUST be 0).
    pub reserved_bit: bool,
}

impl CpAttribute {
    /// The address of an `address/plen` or address value.
    pub fn address(&self) -> Option<IpAddr> {
        match self.value {
            Some(CpValue::Prefix(a, _)) | Some(CpValue::Address(a)) => Some(a),
            _ => None,
        }
    }

    /// The address and prefix length of an `address/plen` value.
    pub fn prefix(&self) -> Option<(IpAddr, u8)> {
        match self.value {
            Some(CpValue::Prefix(a, l)) => Some((a, l)),
            _ => None,
        }
    }
}

impl ConfigPayload {
    /// The attributes of `attr_type`, in order.
    pub fn all(&self, attr_type: &CpAttributeType) -> impl Iterator<Item = &CpAttribute> {
        let t = attr_type.clone();
        self.attributes.iter().filter(move |a| a.attr_type == t)
    }

    /// The first attribute of `attr_type`.
    pub fn first(&self, attr_type: &CpAttributeType) -> Option<&CpAttribute> {
        self.all(attr_type).next()
    }

    /// The address of the first INTERNAL_IP6_ADDRESS.
    pub fn internal_address(&self) -> Option<IpAddr> {
        self.first(&CpAttributeType::InternalIp6Address)
            .and_then(CpAttribute::address)
    }
}

/// IDi or IDr.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub id_type: Option<u8>,
    /// FQDN text, an address, or hex.
    pub id: String,
}

/// One traffic selector of TSi/TSr.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrafficSelector {
    pub protocol: Option<u8>,
    pub start: Option<IpAddr>,
    pub end: Option<IpAddr>,
    pub ports: Option<(u16, u16)>,
    /// For protocol 135, the MH type range the port fields encode (RFC 4877 §4.3).
    pub mh_types: Option<(u8, u8)>,
    /// For protocol 58, the ICMPv6 type range.
    pub icmp_types: Option<(u8, u8)>,
}

impl TrafficSelector {
    /// The single address this selector names (start = end).
    pub fn single_address(&self) -> Option<IpAddr> {
        self.start.filter(|s| Some(*s) == self.end)
    }
}

/// A transform of a proposal, e.g. `ENCR:AES_CBC-128`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transform {
    /// `ENCR`, `PRF`, `INTEG`, `DH`, `ESN` (or the number).
    pub transform_type: String,
    /// `AES_CBC`, `HMAC_SHA2_256_128`, `NONE`, … (or the number).
    pub id: String,
    pub key_bits: Option<u16>,
}

impl fmt::Display for Transform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.transform_type, self.id)?;
        if let Some(k) = self.key_bits {
            write!(f, "-{k}")?;
        }
        Ok(())
    }
}

impl Transform {
    fn parse(s: &str) -> Option<Transform> {
        let (t, rest) = s.split_once(':')?;
        let (id, key_bits) = match rest.rsplit_once('-') {
            Some((id, k)) if k.parse::<u16>().is_ok() => (id, k.parse().ok()),
            _ => (rest, None),
        };
        Some(Transform {
            transform_type: t.to_owned(),
            id: id.to_owned(),
            key_bits,
        })
    }

    /// An AES-GCM cipher: encryption and integrity in one.
    pub fn is_aead(&self) -> bool {
        self.transform_type == "ENCR" && self.id.starts_with("AES_GCM")
    }

    /// An integrity algorithm other than NONE.
    pub fn is_integrity(&self) -> bool {
        self.transform_type == "INTEG" && self.id != "NONE"
    }
}

/// Security protocols of proposals and notifies (RFC 7296 §3.3.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecurityProtocol {
    Ike,
    Ah,
    Esp,
    /// Any other, as shown (its number).
    Other(String),
}

impl SecurityProtocol {
    fn from_name(name: &str) -> SecurityProtocol {
        match name {
            "IKE" => SecurityProtocol::Ike,
            "AH" => SecurityProtocol::Ah,
            "ESP" => SecurityProtocol::Esp,
            other => SecurityProtocol::Other(other.to_owned()),
        }
    }
}

/// A proposal of an SA payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    pub number: Option<u8>,
    pub protocol: SecurityProtocol,
    /// The SPI in hex, when the proposal carries one.
    pub spi: Option<String>,
    pub transforms: Vec<Transform>,
}

impl Proposal {
    /// The SPI as a 32-bit ESP/AH SPI.
    pub fn esp_spi(&self) -> Option<u32> {
        self.spi
            .as_deref()
            .and_then(|s| u32::from_str_radix(s, 16).ok())
    }

    /// `ENCR:…,INTEG:…`: the transforms as the transcript lists them.
    pub fn transforms_text(&self) -> String {
        self.transforms
            .iter()
            .map(Transform::to_string)
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// A CERT payload; for an X.509 signature certificate the names it carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    pub encoding: Option<u8>,
    pub subject: Option<String>,
    /// subjectAltName entries; `None` when the certificate is not X.509 or does not parse.
    pub alt_names: Option<Vec<AltName>>,
}

/// A subjectAltName entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AltName {
    Dns(String),
    Ip(IpAddr),
    /// Any other, as shown (`email:…`, `other`).
    Other(String),
}

impl fmt::Display for AltName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AltName::Dns(d) => write!(f, "DNS:{d}"),
            AltName::Ip(a) => write!(f, "IP:{a}"),
            AltName::Other(s) => f.write_str(s),
        }
    }
}

impl Certificate {
    /// The subjectAltName as the transcript shows it: comma-separated, `-` for none.
    pub fn alt_names_text(&self) -> Option<String> {
        let names = self.alt_names.as_ref()?;
        Some(if names.is_empty() {
            "-".into()
        } else {
            names
                .iter()
                .map(AltName::to_string)
                .collect::<Vec<_>>()
                .join(",")
        })
    }

    /// The dNSName entries.
    pub fn dns_names(&self) -> Vec<&str> {
        self.alt_names
            .iter()
            .flatten()
            .filter_map(|n| match n {
                AltName::Dns(d) => Some(d.as_str()),
                _ => None,
            })
            .collect()
    }
}

/// One IKEv2 message with its payloads, those inside SK included when it was decrypted.
#[derive(Debug, Clone)]
pub struct IkeMessage<'a> {
    pub entry: &'a Entry,
    pub exchange: Exchange,
    pub response: bool,
    pub message_id: Option<u32>,
    pub ispi: Option<IkeSpi>,
    pub rspi: Option<IkeSpi>,
    /// `None` without an SK payload; else whether the harness decrypted it.
    pub sk_decrypted: Option<bool>,
    pub notifies: Vec<Notify>,
    pub configs: Vec<ConfigPayload>,
    pub idi: Option<Identity>,
    pub idr: Option<Identity>,
    /// The selectors of the first TSi / TSr payload (`None` without one).
    pub tsi: Option<Vec<TrafficSelector>>,
    pub tsr: Option<Vec<TrafficSelector>>,
    /// Whether an SA payload is present, and the proposals of all SA payloads.
    pub has_sa: bool,
    pub proposals: Vec<Proposal>,
    pub certificates: Vec<Certificate>,
    /// The AUTH payload's method, when there is an AUTH payload (`Some(None)` if unreadable).
    pub auth_method: Option<Option<u8>>,
    /// The EAP payload's code, when there is an EAP payload.
    pub eap_code: Option<Option<u8>>,
    pub has_ke: bool,
    pub has_delete: bool,
}

impl IkeMessage<'_> {
    /// Whether the SK payload was decrypted (false also when there is none).
    pub fn decrypted(&self) -> bool {
        self.sk_decrypted == Some(true)
    }

    /// Whether a Notify of `notify_type` is present.
    pub fn has_notify(&self, notify_type: u16) -> bool {
        self.notifies
            .iter()
            .any(|n| n.notify_type == Some(notify_type))
    }

    /// The first CP payload of `cfg_type`.
    pub fn config(&self, cfg_type: CfgType) -> Option<&ConfigPayload> {
        self.configs.iter().find(|c| c.cfg_type == cfg_type)
    }

    /// The first TSi selector.
    pub fn first_tsi(&self) -> Option<&TrafficSelector> {
        self.tsi.as_ref().and_then(|t| t.first())
    }

    pub fn has_auth(&self) -> bool {
        self.auth_method.is_some()
    }

    /// AUTH by signature: RSA (1), ECDSA (9–11) or Digital Signature (14) (RFC 7296 §3.8,
    /// RFC 4754, RFC 7427).
    pub fn auth_is_signature(&self) -> bool {
        matches!(self.auth_method, Some(Some(1 | 9 | 10 | 11 | 14)))
    }

    /// The AUTH method as reasons name it: the number, or `none`.
    pub fn auth_method_text(&self) -> String {
        self.auth_method
            .flatten()
            .map_or_else(|| "none".to_owned(), |m| m.to_string())
    }

    pub fn frame(&self) -> u64 {
        self.entry.frame
    }

    /// Whether this is a request (`response == false`) or response of `exchange`.
    pub fn is(&self, exchange: &Exchange, response: bool) -> bool {
        self.exchange == *exchange && self.response == response
    }

    fn parse<'a>(entry: &'a Entry, m: &'a Part) -> IkeMessage<'a> {
        let (exchange, response) = match m.kind.rsplit_once(' ') {
            Some((x, "response")) => (Exchange::from_name(x), true),
            Some((x, _)) => (Exchange::from_name(x), false),
            None => (Exchange::from_name(&m.kind), false),
        };
        let first = |kind: &str| m.children.iter().find_map(|c| c.find(kind));
        let all = |kind: &str| {
            m.children
                .iter()
                .flat_map(move |c| super::all_of(c, kind))
                .collect::<Vec<_>>()
        };
        let spi = |name: &str| {
            m.get(name)
                .and_then(|s| u64::from_str_radix(s, 16).ok())
                .map(IkeSpi)
        };
        let identity = |i: &Part| Identity {
            id_type: parsed(i, "id_type"),
            id: i.get("id").unwrap_or_default().to_owned(),
        };
        let selectors = |t: &Part| t.children.iter().map(selector).collect::<Vec<_>>();
        IkeMessage {
            entry,
            exchange,
            response,
            message_id: parsed(m, "msgid"),
            ispi: spi("ispi"),
            rspi: spi("rspi"),
            sk_decrypted: first("SK").map(|s| s.get("decrypted") == Some("yes")),
            notifies: all("N")
                .into_iter()
                .map(|n| Notify {
                    notify_type: parsed(n, "type"),
                    name: n.get("name").unwrap_or("?").to_owned(),
                })
                .collect(),
            configs: all("CP").into_iter().map(config).collect(),
            idi: first("IDi").map(identity),
            idr: first("IDr").map(identity),
            tsi: first("TSi").map(selectors),
            tsr: first("TSr").map(selectors),
            has_sa: first("SA").is_some(),
            proposals: all("proposal")
                .into_iter()
                .map(|p| Proposal {
                    number: parsed(p, "num"),
                    protocol: SecurityProtocol::from_name(p.get("protocol").unwrap_or_default()),
                    spi: p.get("spi").map(str::to_owned),
                    transforms: p
                        .get("transforms")
                        .unwrap_or_default()
                        .split(',')
                        .filter_map(Transform::parse)
                        .collect(),
                })
                .collect(),
            certificates: all("CERT")
                .into_iter()
                .map(|c| Certificate {
                    encoding: parsed(c, "encoding"),
                    subject: c.get("subject").map(str::to_owned),
                    alt_names: c.get("san").map(|s| {
                        s.split(',')
                            .filter(|n| *n != "-" && !n.is_empty())
                            .map(alt_name)
                            .collect()
                    }),
                })
                .collect(),
            auth_method: first("AUTH").map(|a| parsed(a, "method")),
            eap_code: first("EAP").map(|e| parsed(e, "code")),
            has_ke: first("KE").is_some(),
            has_delete: first("D").is_some(),
        }
    }
}

fn alt_name(s: &str) -> AltName {
    if let Some(d) = s.strip_prefix("DNS:") {
        return AltName::Dns(d.to_owned());
    }
    match s.strip_prefix("IP:").and_then(|a| a.parse().ok()) {
        Some(a) => AltName::Ip(a),
        None => AltName::Other(s.to_owned()),
    }
}

fn range<T: std::str::FromStr>(s: &str) -> Option<(T, T)> {
    let (a, b) = s.split_once('-')?;
    Some((a.parse().ok()?, b.parse().ok()?))
}

fn selector(t: &Part) -> TrafficSelector {
    TrafficSelector {
        protocol: parsed(t, "proto"),
        start: parsed(t, "start"),
        end: parsed(t, "end"),
        ports: t.get("ports").and_then(range),
        mh_types: t.get("mh_types").and_then(range),
        icmp_types: t.get("icmp_types").and_then(range),
    }
}

fn config(c: &Part) -> ConfigPayload {
    let cfg_type = match c.get("cfg_type").unwrap_or_default() {
        "CFG_REQUEST" => CfgType::Request,
        "CFG_REPLY" => CfgType::Reply,
        "CFG_SET" => CfgType::Set,
        "CFG_ACK" => CfgType::Ack,
        other => CfgType::Other(other.to_owned()),
    };
    let attributes = c
        .children
        .iter()
        .map(|a| {
            let value = a.get("value").map(|v| {
                if let Some((addr, len)) = address_and_length(v) {
                    CpValue::Prefix(addr, len)
                } else if let Ok(addr) = v.parse() {
                    CpValue::Address(addr)
                } else {
                    CpValue::Raw(v.to_owned())
                }
            });
            CpAttribute {
                attr_type: match a.kind.as_str() {
                    "INTERNAL_IP6_ADDRESS" => CpAttributeType::InternalIp6Address,
                    "MIP6_HOME_PREFIX" => CpAttributeType::Mip6HomePrefix,
                    other => CpAttributeType::Other(other.to_owned()),
                },
                name: a.kind.clone(),
                len: parsed(a, "len"),
                value,
                lifetime: parsed(a, "lifetime"),
                reserved_bit: a.get("r").is_some() || a.get("r_bit").is_some(),
            }
        })
        .collect();
    ConfigPayload {
        cfg_type,
        attributes,
    }
}

impl Observation {
    /// IKEv2 messages sent by `src` (any role if `None`), in capture order.
    pub fn ike_messages<'a>(
        &'a self,
        src: Option<&'a str>,
    ) -> impl Iterator<Item = IkeMessage<'a>> + 'a {
        super::messages(self, "IKEv2", src).map(|(e, m)| IkeMessage::parse(e, m))
    }

    /// Requests of `exchange` sent by `src` (any role if `None`).
    pub fn ike_requests<'a>(
        &'a self,
        exchange: Exchange,
        src: Option<&'a str>,
    ) -> impl Iterator<Item = IkeMessage<'a>> + 'a {
        self.ike_messages(src)
            .filter(move |m| m.is(&exchange, false))
    }

    /// Responses of `exchange` sent by `src` (any role if `None`).
    pub fn ike_responses<'a>(
        &'a self,
        exchange: Exchange,
        src: Option<&'a str>,
    ) -> impl Iterator<Item = IkeMessage<'a>> + 'a {
        self.ike_messages(src)
            .filter(move |m| m.is(&exchange, true))
    }
}
