//! What the lab knows about RADIUS attributes: one registry per attribute space (the standard
//! space and the Vendor-Specific spaces of Microsoft, WiMAX and 3GPP2), each entry giving the
//! name and how its value is read ([`AttrType`]), and the typed [`Value`] that reading gives,
//! which emits back into value octets.
//!
//! Names are the dictionaries' (FreeRADIUS 3.2, Wireshark 4.0), which follow the RFCs.
//! Vendor attributes outside these tables keep their number and raw value.

use super::vsa::VendorSpecific;
use crate::names::{registry, typed_registry};
use crate::{Error, Result};
use std::net::{Ipv4Addr, Ipv6Addr};

/// How an attribute's value is read (RFC 2865 §5 data types, RFC 3162 §2, RFC 5447 §4.2.4,
/// RFC 6572 §4.12, RFC 8044 §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttrType {
    Text,
    Octets,
    Integer,
    Ipv4,
    Ipv6,
    /// `Reserved(1) ‖ Prefix-Length(1) ‖ Prefix(0..=16)` (RFC 3162 §2.3, RFC 6572 §4.8).
    Ipv6Prefix,
    /// 8 octets (Framed-Interface-Id, MIP6-Feature-Vector, the PMIP6 interface IDs).
    Integer64,
    Vendor,
    /// `Prefix-Length(1) ‖ Prefix(16)`, always 17 octets (RFC 5447 §4.2.4).
    HomeLinkPrefix,
    /// `Reserved(10 bits) ‖ Prefix-Len(6 bits) ‖ IPv4 address(4)` (RFC 6572 §4.12).
    Ipv4Prefix,
    /// An IPv4 (4 octets) or IPv6 (16 octets) address (WiMAX's `combo-ip`).
    ComboIp,
}

typed_registry! {
    /// Attribute types the lab names (RFC 2865 §5, RFC 2866 §5, RFC 2869 §5, RFC 3162 §2,
    /// RFC 3579 §3, RFC 5447 §7.1, RFC 6572 §9.1, RFC 6911 §3).
    pub mod attr: u8;
    /// The RFC name and value type of an attribute type; `None` for types not listed.
    pub fn attr_info -> AttrType;
    USER_NAME = 1 => "User-Name" Text,
    USER_PASSWORD = 2 => "User-Password" Octets,
    CHAP_PASSWORD = 3 => "CHAP-Password" Octets,
    NAS_IP_ADDRESS = 4 => "NAS-IP-Address" Ipv4,
    NAS_PORT = 5 => "NAS-Port" Integer,
    SERVICE_TYPE = 6 => "Service-Type" Integer,
    FRAMED_PROTOCOL = 7 => "Framed-Protocol" Integer,
    FRAMED_IP_ADDRESS = 8 => "Framed-IP-Address" Ipv4,
    FRAMED_IP_NETMASK = 9 => "Framed-IP-Netmask" Ipv4,
    FRAMED_ROUTING = 10 => "Framed-Routing" Integer,
    FILTER_ID = 11 => "Filter-Id" Text,
    FRAMED_MTU = 12 => "Framed-MTU" Integer,
    FRAMED_COMPRESSION = 13 => "Framed-Compression" Integer,
    LOGIN_IP_HOST = 14 => "Login-IP-Host" Ipv4,
    LOGIN_SERVICE = 15 => "Login-Service" Integer,
    REPLY_MESSAGE = 18 => "Reply-Message" Text,
    FRAMED_ROUTE = 22 => "Framed-Route" Text,
    STATE = 24 => "State" Octets,
    CLASS = 25 => "Class" Octets,
    VENDOR_SPECIFIC = 26 => "Vendor-Specific" Vendor,
    SESSION_TIMEOUT = 27 => "Session-Timeout" Integer,
    IDLE_TIMEOUT = 28 => "Idle-Timeout" Integer,
    TERMINATION_ACTION = 29 => "Termination-Action" Integer,
    CALLED_STATION_ID = 30 => "Called-Station-Id" Text,
    CALLING_STATION_ID = 31 => "Calling-Station-Id" Text,
    NAS_IDENTIFIER = 32 => "NAS-Identifier" Text,
    PROXY_STATE = 33 => "Proxy-State" Octets,
    ACCT_STATUS_TYPE = 40 => "Acct-Status-Type" Integer,
    ACCT_DELAY_TIME = 41 => "Acct-Delay-Time" Integer,
    ACCT_SESSION_ID = 44 => "Acct-Session-Id" Text,
    EVENT_TIMESTAMP = 55 => "Event-Timestamp" Integer,
    CHAP_CHALLENGE = 60 => "CHAP-Challenge" Octets,
    NAS_PORT_TYPE = 61 => "NAS-Port-Type" Integer,
    CONNECT_INFO = 77 => "Connect-Info" Text,
    EAP_MESSAGE = 79 => "EAP-Message" Octets,
    MESSAGE_AUTHENTICATOR = 80 => "Message-Authenticator" Octets,
    NAS_PORT_ID = 87 => "NAS-Port-Id" Text,
    FRAMED_POOL = 88 => "Framed-Pool" Text,
    NAS_IPV6_ADDRESS = 95 => "NAS-IPv6-Address" Ipv6,
    FRAMED_INTERFACE_ID = 96 => "Framed-Interface-Id" Integer64,
    FRAMED_IPV6_PREFIX = 97 => "Framed-IPv6-Prefix" Ipv6Prefix,
    LOGIN_IPV6_HOST = 98 => "Login-IPv6-Host" Ipv6,
    FRAMED_IPV6_ROUTE = 99 => "Framed-IPv6-Route" Text,
    FRAMED_IPV6_POOL = 100 => "Framed-IPv6-Pool" Text,
    /// RFC 5447 §4.2.5: 64 capability flags ([`super::feature`]).
    MIP6_FEATURE_VECTOR = 124 => "MIP6-Feature-Vector" Integer64,
    /// RFC 5447 §4.2.4: the MN's home link prefix, prefix length then 16 octets.
    MIP6_HOME_LINK_PREFIX = 125 => "MIP6-Home-Link-Prefix" HomeLinkPrefix,
    /// RFC 6572 §4.2: an NAI; type String, shown as text when it is UTF-8.
    MOBILE_NODE_IDENTIFIER = 145 => "Mobile-Node-Identifier" Text,
    SERVICE_SELECTION = 146 => "Service-Selection" Text,
    /// RFC 6572 §4.4: the home LMA (for MIPv6, the lab reads it as the assigned home HA).
    PMIP6_HOME_LMA_IPV6_ADDRESS = 147 => "PMIP6-Home-LMA-IPv6-Address" Ipv6,
    PMIP6_VISITED_LMA_IPV6_ADDRESS = 148 => "PMIP6-Visited-LMA-IPv6-Address" Ipv6,
    PMIP6_HOME_LMA_IPV4_ADDRESS = 149 => "PMIP6-Home-LMA-IPv4-Address" Ipv4,
    PMIP6_VISITED_LMA_IPV4_ADDRESS = 150 => "PMIP6-Visited-LMA-IPv4-Address" Ipv4,
    PMIP6_HOME_HN_PREFIX = 151 => "PMIP6-Home-HN-Prefix" Ipv6Prefix,
    PMIP6_VISITED_HN_PREFIX = 152 => "PMIP6-Visited-HN-Prefix" Ipv6Prefix,
    PMIP6_HOME_INTERFACE_ID = 153 => "PMIP6-Home-Interface-ID" Integer64,
    PMIP6_VISITED_INTERFACE_ID = 154 => "PMIP6-Visited-Interface-ID" Integer64,
    PMIP6_HOME_IPV4_HOA = 155 => "PMIP6-Home-IPv4-HoA" Ipv4Prefix,
    PMIP6_VISITED_IPV4_HOA = 156 => "PMIP6-Visited-IPv4-HoA" Ipv4Prefix,
    PMIP6_HOME_DHCP4_SERVER_ADDRESS = 157 => "PMIP6-Home-DHCP4-Server-Address" Ipv4,
    PMIP6_VISITED_DHCP4_SERVER_ADDRESS = 158 => "PMIP6-Visited-DHCP4-Server-Address" Ipv4,
    PMIP6_HOME_DHCP6_SERVER_ADDRESS = 159 => "PMIP6-Home-DHCP6-Server-Address" Ipv6,
    PMIP6_VISITED_DHCP6_SERVER_ADDRESS = 160 => "PMIP6-Visited-DHCP6-Server-Address" Ipv6,
    PMIP6_HOME_IPV4_GATEWAY = 161 => "PMIP6-Home-IPv4-Gateway" Ipv4,
    PMIP6_VISITED_IPV4_GATEWAY = 162 => "PMIP6-Visited-IPv4-Gateway" Ipv4,
    /// RFC 6911 §3.1: one IPv6 address of the user (here the MN's home address).
    FRAMED_IPV6_ADDRESS = 168 => "Framed-IPv6-Address" Ipv6,
    DNS_SERVER_IPV6_ADDRESS = 169 => "DNS-Server-IPv6-Address" Ipv6,
    ROUTE_IPV6_INFORMATION = 170 => "Route-IPv6-Information" Ipv6Prefix,
    DELEGATED_IPV6_PREFIX_POOL = 171 => "Delegated-IPv6-Prefix-Pool" Text,
    STATEFUL_IPV6_ADDRESS_POOL = 172 => "Stateful-IPv6-Address-Pool" Text,
}

registry! {
    /// MIP6-Feature-Vector capability flags (RFC 5447 §4.2.5, RFC 5779 §5.5, RFC 6572 §4.1).
    pub mod feature: u64;
    /// The token of one capability flag; `None` for bits not registered here.
    pub fn feature_name;
    MIP6_INTEGRATED = 0x0000_0000_0000_0001 => "MIP6_INTEGRATED",
    LOCAL_HOME_AGENT_ASSIGNMENT = 0x0000_0000_0000_0002 => "LOCAL_HOME_AGENT_ASSIGNMENT",
    PMIP6_SUPPORTED = 0x0000_0100_0000_0000 => "PMIP6_SUPPORTED",
    IP4_HOA_SUPPORTED = 0x0000_0200_0000_0000 => "IP4_HOA_SUPPORTED",
    LOCAL_MAG_ROUTING_SUPPORTED = 0x0000_0400_0000_0000 => "LOCAL_MAG_ROUTING_SUPPORTED",
    IP4_TRANSPORT_SUPPORTED = 0x0000_8000_0000_0000 => "IP4_TRANSPORT_SUPPORTED",
    IP4_HOA_ONLY_SUPPORTED = 0x0001_0000_0000_0000 => "IP4_HOA_ONLY_SUPPORTED",
}

/// The set flags of a MIP6-Feature-Vector by token, lowest bit first, joined with `|`;
/// unregistered bits as `0x…`; `none` for 0.
pub fn feature_flags(v: u64) -> String {
    if v == 0 {
        return "none".into();
    }
    (0..64)
        .map(|bit| 1u64 << bit)
        .filter(|b| v & b != 0)
        .map(|b| feature_name(b).map_or_else(|| format!("{b:#x}"), str::to_owned))
        .collect::<Vec<_>>()
        .join("|")
}

registry! {
    /// SMI Private Enterprise Numbers of the vendors whose attributes the lab names.
    pub mod vendor: u32;
    /// The vendor's name as the dictionaries write it.
    pub fn vendor_name;
    MICROSOFT = 311 => "Microsoft",
    /// 3GPP2 (X.S0011-005).
    THREE_GPP2 = 5535 => "3GPP2",
    /// WiMAX Forum (NWG Stage 3); its VSAs have the `1,1,c` format ([`super::VendorSpecific`]).
    WIMAX = 24757 => "WiMAX",
}

typed_registry! {
    /// Microsoft vendor types (RFC 2548 §2); values shown raw.
    pub mod ms: u8;
    /// Name and value type of a Microsoft vendor type.
    pub fn ms_attr_info -> AttrType;
    MPPE_ENCRYPTION_POLICY = 7 => "MS-MPPE-Encryption-Policy" Octets,
    MPPE_ENCRYPTION_TYPES = 8 => "MS-MPPE-Encryption-Types" Octets,
    CHAP_CHALLENGE = 11 => "MS-CHAP-Challenge" Octets,
    MPPE_SEND_KEY = 16 => "MS-MPPE-Send-Key" Octets,
    MPPE_RECV_KEY = 17 => "MS-MPPE-Recv-Key" Octets,
    CHAP2_SUCCESS = 25 => "MS-CHAP2-Success" Octets,
    CHAP2_RESPONSE = 26 => "MS-CHAP2-Response" Octets,
}

typed_registry! {
    /// WiMAX vendor types that carry home-agent assignment and its keys (WiMAX NWG Stage 3,
    /// as FreeRADIUS 3.2's and Wireshark 4.0's dictionary.wimax list them; numbers and value
    /// types rechecked against FreeRADIUS's current dictionary.wimax, see "Sources checked" in
    /// fixtures/profiles/dualstack.md).
    pub mod wimax: u8;
    /// Name and value type of a WiMAX vendor type.
    pub fn wimax_attr_info -> AttrType;
    MSK = 5 => "WiMAX-MSK" Octets,
    HHA_IP_MIP4 = 6 => "WiMAX-hHA-IP-MIP4" Ipv4,
    /// The home HA's IPv6 address (CMIPv6).
    HHA_IP_MIP6 = 7 => "WiMAX-hHA-IP-MIP6" Ipv6,
    DHCPV4_SERVER = 8 => "WiMAX-DHCPv4-Server" ComboIp,
    DHCPV6_SERVER = 9 => "WiMAX-DHCPv6-Server" ComboIp,
    MN_HHA_MIP6_KEY = 12 => "WiMAX-MN-hHA-MIP6-Key" Octets,
    MN_HHA_MIP6_SPI = 13 => "WiMAX-MN-hHA-MIP6-SPI" Integer,
    IP_TECHNOLOGY = 23 => "WiMAX-IP-Technology" Integer,
    DNS_SERVER = 52 => "WiMAX-DNS-Server" ComboIp,
    VHA_IP_MIP4 = 64 => "WiMAX-vHA-IP-MIP4" Ipv4,
    /// A visited HA's IPv6 address.
    VHA_IP_MIP6 = 65 => "WiMAX-vHA-IP-MIP6" Ipv6,
    MN_VHA_MIP6_KEY = 70 => "WiMAX-MN-vHA-MIP6-Key" Octets,
    MN_VHA_MIP6_SPI = 72 => "WiMAX-MN-vHA-MIP6-SPI" Integer,
}

registry! {
    /// WiMAX-IP-Technology values.
    pub mod wimax_ip_technology: u32;
    /// The dictionary name of a WiMAX-IP-Technology value.
    pub fn wimax_ip_technology_name;
    PMIP4 = 2 => "PMIP4",
    CMIP4 = 3 => "CMIP4",
    CMIP6 = 4 => "CMIP6",
    ETHERNET_CS = 5 => "Ethernet-CS",
}

typed_registry! {
    /// 3GPP2 vendor types about MIPv6 home-agent assignment (X.S0011-005, as Wireshark 4.0's
    /// dictionary.3gpp2 lists them; FreeRADIUS 3.2 has 7, 168 and 169 of these).
    pub mod gpp2: u8;
    /// Name and value type of a 3GPP2 vendor type.
    pub fn gpp2_attr_info -> AttrType;
    /// IPv4 in FreeRADIUS 3.2; 4 or 16 octets in Wireshark's dictionary.
    HOME_AGENT_IP_ADDRESS = 7 => "3GPP2-Home-Agent-IP-Address" ComboIp,
    MIP6_HOME_AGENT_ADDRESS_FROM_BU = 118 => "3GPP2-MIP6-Home-Agent-Address-From-BU" Ipv6,
    MIP6_CARE_OF_ADDRESS = 119 => "3GPP2-MIP6-Care-of-Address" Ipv6,
    HOME_AGENT_NOT_AUTHORIZED = 120 => "3GPP2-Home-Agent-Not-Authorized" Integer,
    /// Layout not in the dictionaries (octets); shown raw.
    MIP6_HOME_LINK_PREFIX_ATTR_A = 128 => "3GPP2-MIP6-Home-Link-Prefix-Attr-A" Octets,
    MIP6_HOME_AGENT_ADDRESS_ATTR_B = 140 => "3GPP2-MIP6-Home-Agent-Address-Attr-B" Ipv6,
    MIP6_HOA_RECEIVED_FROM_BU = 141 => "3GPP2-MIP6-HOA-Received-From-BU" Ipv6,
    HA_REQUEST = 168 => "3GPP2-HA-Request" Integer,
    HA_AUTHORISED = 169 => "3GPP2-HA-Authorised" Integer,
    MIP6_HA_LOCAL_ASSIGNMENT_CAPABILITY = 179 => "3GPP2-MIP6-HA-Local-Assignment-Capblty" Integer,
    HAAA_MIP6_HA_PROTOCOL_CAPABILITY = 203 => "3GPP2-HAAA-MIP6-HA-Protocol-Capblty-Ind" Integer,
    VAAA_ASSIGNED_MIP6_HA = 205 => "3GPP2-VAAA-Assigned-MIP6-HA" Ipv6,
    /// Layout not in the dictionaries (octets); shown raw.
    VAAA_ASSIGNED_MIP6_HL = 206 => "3GPP2-VAAA-Assigned-MIP6-HL" Octets,
    VAAA_MIP6_HA_PROTOCOL_CAPABILITY = 207 => "3GPP2-VAAA-MIP6-HA-Protocol-Capblty-Ind" Integer,
}

/// Name and value type of vendor type `t` of vendor `vendor_id`; `None` when not listed.
pub fn vendor_attr_info(vendor_id: u32, t: u8) -> Option<(&'static str, AttrType)> {
    match vendor_id {
        vendor::MICROSOFT => ms_attr_info(t),
        vendor::WIMAX => wimax_attr_info(t),
        vendor::THREE_GPP2 => gpp2_attr_info(t),
        _ => None,
    }
}

/// The typed reading of an attribute value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Text(String),
    Octets(Vec<u8>),
    Integer(u32),
    Integer64(u64),
    Ipv4(Ipv4Addr),
    Ipv6(Ipv6Addr),
    /// Framed-IPv6-Prefix (RFC 3162 §2.3): reserved octet, prefix length, prefix (the octets
    /// present padded with zeros).
    Ipv6Prefix {
        reserved: u8,
        len: u8,
        prefix: Ipv6Addr,
    },
    Vendor(VendorSpecific),
    /// MIP6-Home-Link-Prefix (RFC 5447 §4.2.4).
    HomeLinkPrefix {
        len: u8,
        prefix: Ipv6Addr,
    },
    /// PMIP6-Home/Visited-IPv4-HoA (RFC 6572 §4.12): the 10 reserved bits, the 6-bit
    /// prefix length (0..=32) and the address.
    Ipv4Prefix {
        reserved: u16,
        len: u8,
        prefix: Ipv4Addr,
    },
}

fn fixed<const N: usize>(name: &str, v: &[u8]) -> Result<[u8; N]> {
    v.try_into().map_err(|_| {
        Error::new(
            v.len().min(N),
            format!("{name} value of {} octets, {N} expected", v.len()),
        )
    })
}

/// Reads value octets `v` of an attribute called `name` as type `ty` (the Vendor type is read
/// by [`VendorSpecific::parse`]). `Err` (offset within the value) when `v` does not have the
/// type's form.
pub fn decode_value(ty: AttrType, name: &str, v: &[u8]) -> Result<Value> {
    Ok(match ty {
        AttrType::Text => match std::str::from_utf8(v) {
            Ok(s) => Value::Text(s.to_owned()),
            // Text is UTF-8 (RFC 2865 §5); show anything else as octets.
            Err(_) => Value::Octets(v.to_vec()),
        },
        AttrType::Octets => Value::Octets(v.to_vec()),
        AttrType::Integer => Value::Integer(u32::from_be_bytes(fixed(name, v)?)),
        AttrType::Integer64 => Value::Integer64(u64::from_be_bytes(fixed(name, v)?)),
        AttrType::Ipv4 => Value::Ipv4(fixed::<4>(name, v)?.into()),
        AttrType::Ipv6 => Value::Ipv6(fixed::<16>(name, v)?.into()),
        AttrType::ComboIp => match v.len() {
            4 => Value::Ipv4(fixed::<4>(name, v)?.into()),
            16 => Value::Ipv6(fixed::<16>(name, v)?.into()),
            n => {
                return Err(Error::new(
                    n.min(4),
                    format!("{name} value of {n} octets, 4 or 16 expected"),
                ))
            }
        },
        AttrType::Ipv6Prefix => {
            if v.len() < 2 || v.len() > 18 {
                return Err(Error::new(
                    v.len().min(2),
                    format!("{name} value of {} octets, 2..=18 expected", v.len()),
                ));
            }
            let len = v[1];
            if len > 128 {
                return Err(Error::new(1, format!("prefix length {len} over 128")));
            }
            let mut a = [0u8; 16];
            a[..v.len() - 2].copy_from_slice(&v[2..]);
            Value::Ipv6Prefix {
                reserved: v[0],
                len,
                prefix: Ipv6Addr::from(a),
            }
        }
        AttrType::HomeLinkPrefix => {
            let b: [u8; 17] = fixed(name, v)?;
            if b[0] > 128 {
                return Err(Error::new(0, format!("prefix length {} over 128", b[0])));
            }
            let mut a = [0u8; 16];
            a.copy_from_slice(&b[1..]);
            Value::HomeLinkPrefix {
                len: b[0],
                prefix: Ipv6Addr::from(a),
            }
        }
        AttrType::Ipv4Prefix => {
            let b: [u8; 6] = fixed(name, v)?;
            let head = u16::from_be_bytes([b[0], b[1]]);
            let len = (head & 0x3f) as u8;
            if len > 32 {
                return Err(Error::new(1, format!("IPv4 prefix length {len} over 32")));
            }
            Value::Ipv4Prefix {
                reserved: head >> 6,
                len,
                prefix: Ipv4Addr::new(b[2], b[3], b[4], b[5]),
            }
        }
        AttrType::Vendor => Value::Vendor(VendorSpecific::parse(v)?),
    })
}

impl Value {
    /// The value octets this reading came from (the shortest form where the type allows
    /// several: an IPv6 prefix carries the octets its length needs, and non-zero ones past
    /// them, so that it reads back the same). `Err` at offset 0 for a
    /// value that has no such form (a prefix length out of range, reserved bits that do not
    /// fit, a vendor String over 249 octets).
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let too_long = |what: &str| Error::new(0, format!("{what} out of range"));
        Ok(match self {
            Value::Text(s) => s.as_bytes().to_vec(),
            Value::Octets(b) => b.clone(),
            Value::Integer(n) => n.to_be_bytes().to_vec(),
            Value::Integer64(n) => n.to_be_bytes().to_vec(),
            Value::Ipv4(a) => a.octets().to_vec(),
            Value::Ipv6(a) => a.octets().to_vec(),
            Value::Ipv6Prefix {
                reserved,
                len,
                prefix,
            } => {
                if *len > 128 {
                    return Err(too_long("IPv6 prefix length"));
                }
                // The octets the length needs, and any non-zero ones past them (bits past
                // the length, which RFC 3162 §2.3 forbids but a reading must keep).
                let octets = prefix.octets();
                let last_set = octets.iter().rposition(|b| *b != 0).map_or(0, |i| i + 1);
                let n = usize::from(*len).div_ceil(8).max(last_set);
                let mut v = vec![*reserved, *len];
                v.extend_from_slice(&octets[..n]);
                v
            }
            Value::HomeLinkPrefix { len, prefix } => {
                if *len > 128 {
                    return Err(too_long("home link prefix length"));
                }
                let mut v = vec![*len];
                v.extend_from_slice(&prefix.octets());
                v
            }
            Value::Ipv4Prefix {
                reserved,
                len,
                prefix,
            } => {
                if *len > 32 {
                    return Err(too_long("IPv4 prefix length"));
                }
                if *reserved >= 1 << 10 {
                    return Err(too_long("10-bit reserved field"));
                }
                let mut v = ((reserved << 6) | u16::from(*len)).to_be_bytes().to_vec();
                v.extend_from_slice(&prefix.octets());
                v
            }
            Value::Vendor(vs) => vs.to_bytes()?,
        })
    }
}
