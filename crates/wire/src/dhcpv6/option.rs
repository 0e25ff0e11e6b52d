//! DHCPv6 options (RFC 8415 §21) and the ones of RFC 6610 (MIPv6 bootstrapping) and
//! RFC 6422 (RSOO): parsed in wire order, duplicates kept, unknown codes kept raw.
//!
//! Parsing is strict about the options it knows (a wrong option-len, a short DUID, a bad
//! label is an [`Error`] at its offset); emitting writes what the value holds, so a test can
//! send what parsing rejects. `parse(emit(o)) == o` holds for every option parsing can give.

use super::fqdn::Fqdn;
use super::{check_depth, Repr};
use crate::tlv::{Format, TlvError};
use crate::{Error, Result};
use std::net::{Ipv4Addr, Ipv6Addr};

/// Option codes (RFC 8415 §21 and §24; RFC 6610 §6; RFC 6422 §3).
pub mod code {
    pub const CLIENTID: u16 = 1;
    pub const SERVERID: u16 = 2;
    pub const ORO: u16 = 6;
    pub const ELAPSED_TIME: u16 = 8;
    pub const RELAY_MSG: u16 = 9;
    pub const STATUS_CODE: u16 = 13;
    pub const INTERFACE_ID: u16 = 18;
    pub const INFORMATION_REFRESH_TIME: u16 = 32;
    pub const MIP6_HNIDF: u16 = 49;
    pub const MIP6_VDINF: u16 = 50;
    pub const RSOO: u16 = 66;
    pub const MIP6_IDINF: u16 = 69;
    pub const MIP6_UDINF: u16 = 70;
    pub const MIP6_HNP: u16 = 71;
    pub const MIP6_HAA: u16 = 72;
    pub const MIP6_HAF: u16 = 73;
}

/// The option's name as RFC 8415 (§21, and the registry table of §24), RFC 6422 and
/// RFC 6610 spell it; `None` for codes not listed here.
pub fn option_name(code: u16) -> Option<&'static str> {
    Some(match code {
        1 => "OPTION_CLIENTID",
        2 => "OPTION_SERVERID",
        3 => "OPTION_IA_NA",
        4 => "OPTION_IA_TA",
        5 => "OPTION_IAADDR",
        6 => "OPTION_ORO",
        7 => "OPTION_PREFERENCE",
        8 => "OPTION_ELAPSED_TIME",
        9 => "OPTION_RELAY_MSG",
        11 => "OPTION_AUTH",
        12 => "OPTION_UNICAST",
        13 => "OPTION_STATUS_CODE",
        14 => "OPTION_RAPID_COMMIT",
        15 => "OPTION_USER_CLASS",
        16 => "OPTION_VENDOR_CLASS",
        17 => "OPTION_VENDOR_OPTS",
        18 => "OPTION_INTERFACE_ID",
        19 => "OPTION_RECONF_MSG",
        20 => "OPTION_RECONF_ACCEPT",
        23 => "OPTION_DNS_SERVERS",
        24 => "OPTION_DOMAIN_LIST",
        25 => "OPTION_IA_PD",
        26 => "OPTION_IAPREFIX",
        32 => "OPTION_INFORMATION_REFRESH_TIME",
        49 => "OPTION_MIP6_HNIDF",
        50 => "OPTION_MIP6_VDINF",
        66 => "OPTION_RSOO",
        69 => "OPTION_MIP6_IDINF",
        70 => "OPTION_MIP6_UDINF",
        71 => "OPTION_MIP6_HNP",
        72 => "OPTION_MIP6_HAA",
        73 => "OPTION_MIP6_HAF",
        82 => "OPTION_SOL_MAX_RT",
        83 => "OPTION_INF_MAX_RT",
        _ => return None,
    })
}

/// DUID types (RFC 8415 §11.1).
pub mod duid_type {
    pub const LLT: u16 = 1;
    pub const EN: u16 = 2;
    pub const LL: u16 = 3;
    pub const UUID: u16 = 4;
}

/// Octets of DUID data after the type: at least 1, at most 128 (RFC 8415 §11.1).
pub const DUID_MAX_DATA: usize = 128;

/// A DHCP Unique Identifier (RFC 8415 §11).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Duid {
    /// §11.2: hardware type, seconds since 2000-01-01 UTC mod 2^32, link-layer address.
    Llt {
        hardware_type: u16,
        time: u32,
        link_layer_address: Vec<u8>,
    },
    /// §11.3: IANA Private Enterprise Number and the vendor's identifier.
    En {
        enterprise_number: u32,
        identifier: Vec<u8>,
    },
    /// §11.4: hardware type and link-layer address.
    Ll {
        hardware_type: u16,
        link_layer_address: Vec<u8>,
    },
    /// §11.5 (RFC 6355): a 128-bit UUID.
    Uuid([u8; 16]),
    /// Any other DUID type, data raw (§11: DUIDs must not be restricted to known types).
    Other { duid_type: u16, data: Vec<u8> },
}

impl Duid {
    pub fn duid_type(&self) -> u16 {
        match self {
            Duid::Llt { .. } => duid_type::LLT,
            Duid::En { .. } => duid_type::EN,
            Duid::Ll { .. } => duid_type::LL,
            Duid::Uuid(_) => duid_type::UUID,
            Duid::Other { duid_type, .. } => *duid_type,
        }
    }

    /// `LLT`, `EN`, `LL`, `UUID` (RFC 8415 §11 names), or the number.
    pub fn type_name(&self) -> String {
        match self {
            Duid::Llt { .. } => "LLT".into(),
            Duid::En { .. } => "EN".into(),
            Duid::Ll { .. } => "LL".into(),
            Duid::Uuid(_) => "UUID".into(),
            Duid::Other { duid_type, .. } => duid_type.to_string(),
        }
    }

    /// Octets on the wire, type included.
    pub fn buffer_len(&self) -> usize {
        2 + match self {
            Duid::Llt {
                link_layer_address, ..
            } => 6 + link_layer_address.len(),
            Duid::En { identifier, .. } => 4 + identifier.len(),
            Duid::Ll {
                link_layer_address, ..
            } => 2 + link_layer_address.len(),
            Duid::Uuid(_) => 16,
            Duid::Other { data, .. } => data.len(),
        }
    }

    /// Reads a DUID filling all of `b` (an option's data at `base`). The data after the type
    /// must be 1 to 128 octets and hold its type's fixed fields; a UUID is exactly 16.
    pub fn parse(b: &[u8], base: usize) -> Result<Duid> {
        if b.len() < 3 || b.len() > 2 + DUID_MAX_DATA {
            return Err(Error::new(
                base,
                format!(
                    "DUID of {} octets (type and 1 to {DUID_MAX_DATA} octets of data)",
                    b.len()
                ),
            ));
        }
        let kind = u16::from_be_bytes([b[0], b[1]]);
        let data = &b[2..];
        let need = |n: usize, name: &str| -> Result<()> {
            if data.len() < n {
                Err(Error::new(
                    base + 2,
                    format!(
                        "DUID-{name} with {} octets of data, needs at least {n}",
                        data.len()
                    ),
                ))
            } else {
                Ok(())
            }
        };
        Ok(match kind {
            duid_type::LLT => {
                need(6, "LLT")?;
                Duid::Llt {
                    hardware_type: u16::from_be_bytes([data[0], data[1]]),
                    time: u32::from_be_bytes([data[2], data[3], data[4], data[5]]),
                    link_layer_address: data[6..].to_vec(),
                }
            }
            duid_type::EN => {
                need(4, "EN")?;
                Duid::En {
                    enterprise_number: u32::from_be_bytes([data[0], data[1], data[2], data[3]]),
                    identifier: data[4..].to_vec(),
                }
            }
            duid_type::LL => {
                need(2, "LL")?;
                Duid::Ll {
                    hardware_type: u16::from_be_bytes([data[0], data[1]]),
                    link_layer_address: data[2..].to_vec(),
                }
            }
            duid_type::UUID => {
                let uuid: [u8; 16] = data.try_into().map_err(|_| {
                    Error::new(
                        base + 2,
                        format!("DUID-UUID with {} octets, not 16", data.len()),
                    )
                })?;
                Duid::Uuid(uuid)
            }
            _ => Duid::Other {
                duid_type: kind,
                data: data.to_vec(),
            },
        })
    }

    /// Writes the DUID into the first [`Duid::buffer_len`] octets of `out`.
    pub fn emit(&self, out: &mut [u8]) {
        out[..2].copy_from_slice(&self.duid_type().to_be_bytes());
        let rest = &mut out[2..self.buffer_len()];
        match self {
            Duid::Llt {
                hardware_type,
                time,
                link_layer_address,
            } => {
                rest[..2].copy_from_slice(&hardware_type.to_be_bytes());
                rest[2..6].copy_from_slice(&time.to_be_bytes());
                rest[6..].copy_from_slice(link_layer_address);
            }
            Duid::En {
                enterprise_number,
                identifier,
            } => {
                rest[..4].copy_from_slice(&enterprise_number.to_be_bytes());
                rest[4..].copy_from_slice(identifier);
            }
            Duid::Ll {
                hardware_type,
                link_layer_address,
            } => {
                rest[..2].copy_from_slice(&hardware_type.to_be_bytes());
                rest[2..].copy_from_slice(link_layer_address);
            }
            Duid::Uuid(u) => rest.copy_from_slice(u),
            Duid::Other { data, .. } => rest.copy_from_slice(data),
        }
    }
}

/// Status codes of RFC 8415 §21.13 (Table 3).
pub fn status_name(code: u16) -> Option<&'static str> {
    Some(match code {
        0 => "Success",
        1 => "UnspecFail",
        2 => "NoAddrsAvail",
        3 => "NoBinding",
        4 => "NotOnLink",
        5 => "UseMulticast",
        6 => "NoPrefixAvail",
        _ => return None,
    })
}

/// The Well-Known Prefix 64:ff9b::/96 (RFC 6052 §2.1), which RFC 6610 §3.4 uses to carry an
/// IPv4 home agent address in OPTION_MIP6_HAA.
pub const WELL_KNOWN_PREFIX: Ipv6Addr = Ipv6Addr::new(0x64, 0xff9b, 0, 0, 0, 0, 0, 0);

/// `v4` as an IPv4-embedded IPv6 address under the Well-Known Prefix (RFC 6052 §2.2, /96:
/// the IPv4 address in the last 32 bits), as RFC 6610 §3.4 carries an IPv4 home agent.
pub fn embed_ipv4(v4: Ipv4Addr) -> Ipv6Addr {
    let mut o = WELL_KNOWN_PREFIX.octets();
    o[12..].copy_from_slice(&v4.octets());
    Ipv6Addr::from(o)
}

/// The IPv4 address an IPv4-embedded IPv6 address under 64:ff9b::/96 carries (RFC 6052 §2.2,
/// /96 form: the last 32 bits).
pub fn ipv4_embedded(a: &Ipv6Addr) -> Option<Ipv4Addr> {
    let o = a.octets();
    (o[..12] == WELL_KNOWN_PREFIX.octets()[..12]).then(|| Ipv4Addr::new(o[12], o[13], o[14], o[15]))
}

/// One DHCPv6 option.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DhcpOption {
    /// OPTION_CLIENTID (1, §21.2).
    ClientId(Duid),
    /// OPTION_SERVERID (2, §21.3).
    ServerId(Duid),
    /// OPTION_ORO (6, §21.7): requested option codes in the order sent.
    Oro(Vec<u16>),
    /// OPTION_ELAPSED_TIME (8, §21.9): hundredths of a second, 0xffff for longer.
    ElapsedTime(u16),
    /// OPTION_RELAY_MSG (9, §21.10): the relayed message, decoded by its own msg-type
    /// (a client/server message or another relay message).
    RelayMsg(Box<Repr>),
    /// OPTION_STATUS_CODE (13, §21.13): code and UTF-8 message.
    StatusCode { status: u16, message: String },
    /// OPTION_INTERFACE_ID (18, §21.18): opaque.
    InterfaceId(Vec<u8>),
    /// OPTION_INFORMATION_REFRESH_TIME (32, §21.23): seconds, 0xffffffff for infinity.
    InformationRefreshTime(u32),
    /// OPTION_RSOO (66, RFC 6422 §3): options a relay supplies for the server to use.
    Rsoo(Vec<DhcpOption>),
    /// OPTION_MIP6_HNIDF (49, RFC 6610 §3.1): Home Network Identifier FQDN.
    Mip6Hnidf(Fqdn),
    /// OPTION_MIP6_VDINF (50, RFC 6610 §3.2.1): Visited Home Network Information.
    Mip6Vdinf(Vec<DhcpOption>),
    /// OPTION_MIP6_IDINF (69, RFC 6610 §3.2.2): Identified Home Network Information.
    Mip6Idinf(Vec<DhcpOption>),
    /// OPTION_MIP6_UDINF (70, RFC 6610 §3.2.3): Unrestricted Home Network Information.
    Mip6Udinf(Vec<DhcpOption>),
    /// OPTION_MIP6_HNP (71, RFC 6610 §3.3): prefix-len(1) ‖ prefix(16), option-len 17. The
    /// prefix is kept as sent (bits past `prefix_len` included).
    Mip6Hnp { prefix_len: u8, prefix: Ipv6Addr },
    /// OPTION_MIP6_HAA (72, RFC 6610 §3.4): the home agent's address; an IPv4 one as
    /// 64:ff9b::/96 IPv4-embedded ([`ipv4_embedded`]).
    Mip6Haa(Ipv6Addr),
    /// OPTION_MIP6_HAF (73, RFC 6610 §3.5): Home Agent FQDN.
    Mip6Haf(Fqdn),
    /// Any other code, data raw. Also the way to send a known option malformed: emitting
    /// writes `code` and `data` as they are.
    Other { code: u16, data: Vec<u8> },
}

const HEADER_LEN: usize = 4;
const HNP_LEN: usize = 17;

fn u16_at(b: &[u8], i: usize) -> u16 {
    u16::from_be_bytes([b[i], b[i + 1]])
}

impl DhcpOption {
    pub fn code(&self) -> u16 {
        match self {
            DhcpOption::ClientId(_) => code::CLIENTID,
            DhcpOption::ServerId(_) => code::SERVERID,
            DhcpOption::Oro(_) => code::ORO,
            DhcpOption::ElapsedTime(_) => code::ELAPSED_TIME,
            DhcpOption::RelayMsg(_) => code::RELAY_MSG,
            DhcpOption::StatusCode { .. } => code::STATUS_CODE,
            DhcpOption::InterfaceId(_) => code::INTERFACE_ID,
            DhcpOption::InformationRefreshTime(_) => code::INFORMATION_REFRESH_TIME,
            DhcpOption::Rsoo(_) => code::RSOO,
            DhcpOption::Mip6Hnidf(_) => code::MIP6_HNIDF,
            DhcpOption::Mip6Vdinf(_) => code::MIP6_VDINF,
            DhcpOption::Mip6Idinf(_) => code::MIP6_IDINF,
            DhcpOption::Mip6Udinf(_) => code::MIP6_UDINF,
            DhcpOption::Mip6Hnp { .. } => code::MIP6_HNP,
            DhcpOption::Mip6Haa(_) => code::MIP6_HAA,
            DhcpOption::Mip6Haf(_) => code::MIP6_HAF,
            DhcpOption::Other { code, .. } => *code,
        }
    }

    /// The encapsulated options of a container (RSOO, VDINF, IDINF, UDINF).
    pub fn contained(&self) -> Option<&[DhcpOption]> {
        match self {
            DhcpOption::Rsoo(o)
            | DhcpOption::Mip6Vdinf(o)
            | DhcpOption::Mip6Idinf(o)
            | DhcpOption::Mip6Udinf(o) => Some(o),
            _ => None,
        }
    }

    /// Octets of option-data (the header's 4 excluded).
    pub fn data_len(&self) -> usize {
        match self {
            DhcpOption::ClientId(d) | DhcpOption::ServerId(d) => d.buffer_len(),
            DhcpOption::Oro(codes) => 2 * codes.len(),
            DhcpOption::ElapsedTime(_) => 2,
            DhcpOption::RelayMsg(m) => m.buffer_len(),
            DhcpOption::StatusCode { message, .. } => 2 + message.len(),
            DhcpOption::InterfaceId(d) | DhcpOption::Other { data: d, .. } => d.len(),
            DhcpOption::InformationRefreshTime(_) => 4,
            DhcpOption::Rsoo(o)
            | DhcpOption::Mip6Vdinf(o)
            | DhcpOption::Mip6Idinf(o)
            | DhcpOption::Mip6Udinf(o) => options_len(o),
            DhcpOption::Mip6Hnidf(n) | DhcpOption::Mip6Haf(n) => n.wire_len(),
            DhcpOption::Mip6Hnp { .. } => HNP_LEN,
            DhcpOption::Mip6Haa(_) => 16,
        }
    }

    /// Octets on the wire, header included.
    pub fn buffer_len(&self) -> usize {
        HEADER_LEN + self.data_len()
    }

    /// Writes the option at the start of `out` (at least [`DhcpOption::buffer_len`] octets);
    /// fails only when option-data exceeds 65535 octets (`base`: where `out` starts in the
    /// outermost buffer, for the error).
    pub fn emit(&self, out: &mut [u8], base: usize) -> Result<usize> {
        let len = self.data_len();
        let header = Format::DHCPV6_OPTIONS
            .emit_header(self.code(), len, out)
            .map_err(|e| e.shifted(base))?;
        let data = &mut out[header..header + len];
        let data_base = base + header;
        match self {
            DhcpOption::ClientId(d) | DhcpOption::ServerId(d) => d.emit(data),
            DhcpOption::Oro(codes) => {
                for (i, c) in codes.iter().enumerate() {
                    data[2 * i..2 * i + 2].copy_from_slice(&c.to_be_bytes());
                }
            }
            DhcpOption::ElapsedTime(t) => data.copy_from_slice(&t.to_be_bytes()),
            DhcpOption::RelayMsg(m) => m.emit_into(data, data_base)?,
            DhcpOption::StatusCode { status, message } => {
                data[..2].copy_from_slice(&status.to_be_bytes());
                data[2..].copy_from_slice(message.as_bytes());
            }
            DhcpOption::InterfaceId(d) | DhcpOption::Other { data: d, .. } => {
                data.copy_from_slice(d)
            }
            DhcpOption::InformationRefreshTime(t) => data.copy_from_slice(&t.to_be_bytes()),
            DhcpOption::Rsoo(o)
            | DhcpOption::Mip6Vdinf(o)
            | DhcpOption::Mip6Idinf(o)
            | DhcpOption::Mip6Udinf(o) => emit_options(o, data, data_base)?,
            DhcpOption::Mip6Hnidf(n) | DhcpOption::Mip6Haf(n) => n.emit(data),
            DhcpOption::Mip6Hnp { prefix_len, prefix } => {
                data[0] = *prefix_len;
                data[1..].copy_from_slice(&prefix.octets());
            }
            DhcpOption::Mip6Haa(a) => data.copy_from_slice(&a.octets()),
        }
        Ok(header + len)
    }
}

/// Octets of a list of options on the wire.
pub fn options_len(options: &[DhcpOption]) -> usize {
    options.iter().map(DhcpOption::buffer_len).sum()
}

/// Writes `options` in order into `out`, which holds exactly [`options_len`] octets.
pub fn emit_options(options: &[DhcpOption], out: &mut [u8], base: usize) -> Result<()> {
    let mut pos = 0;
    for o in options {
        pos += o.emit(&mut out[pos..], base + pos)?;
    }
    Ok(())
}

/// The TLV walker's faults in DHCPv6 words.
fn tlv_error(e: TlvError) -> Error {
    let what = match e {
        TlvError::HeaderTruncated { left, .. } => {
            format!("option header truncated ({left} of 4 octets)")
        }
        TlvError::Overrun {
            kind, length, left, ..
        } => format!(
            "option {kind} option-len {length} runs past the end ({} octets of data left)",
            left.saturating_sub(HEADER_LEN)
        ),
        // DHCPv6 option-len counts only the data: the walker never reports this.
        TlvError::LengthTooSmall { .. } => return Error::from(e),
    };
    Error::new(e.offset(), what)
}

/// Parses a whole options area in wire order. `base` is its offset in the outermost buffer;
/// `depth` counts the messages and containers around it (see [`super::MAX_NESTING`]).
pub fn parse_options(b: &[u8], base: usize, depth: usize) -> Result<Vec<DhcpOption>> {
    Format::DHCPV6_OPTIONS
        .items(b, base)
        .map(|item| {
            let item = item.map_err(tlv_error)?;
            parse_option(item.kind, item.value, item.offset, depth)
        })
        .collect()
}

/// One option's data; `offset` is the option's first octet in the outermost buffer.
fn parse_option(kind: u16, data: &[u8], offset: usize, depth: usize) -> Result<DhcpOption> {
    let at = offset + HEADER_LEN;
    let exact = |n: usize| -> Result<()> {
        if data.len() == n {
            Ok(())
        } else {
            Err(Error::new(
                offset + 2,
                format!(
                    "{} option-len {}, must be {n}",
                    option_name(kind).unwrap_or("option"),
                    data.len()
                ),
            ))
        }
    };
    let container = |data: &[u8]| -> Result<Vec<DhcpOption>> {
        check_depth(depth + 1, offset)?;
        parse_options(data, at, depth + 1)
    };
    Ok(match kind {
        code::CLIENTID => DhcpOption::ClientId(Duid::parse(data, at)?),
        code::SERVERID => DhcpOption::ServerId(Duid::parse(data, at)?),
        code::ORO => {
            if data.len() % 2 != 0 {
                return Err(Error::new(
                    offset + 2,
                    format!("OPTION_ORO option-len {} is odd", data.len()),
                ));
            }
            DhcpOption::Oro((0..data.len() / 2).map(|i| u16_at(data, 2 * i)).collect())
        }
        code::ELAPSED_TIME => {
            exact(2)?;
            DhcpOption::ElapsedTime(u16_at(data, 0))
        }
        code::RELAY_MSG => {
            check_depth(depth + 1, offset)?;
            DhcpOption::RelayMsg(Box::new(Repr::parse_at(data, at, depth + 1)?))
        }
        code::STATUS_CODE => {
            if data.len() < 2 {
                return Err(Error::new(
                    offset + 2,
                    format!("OPTION_STATUS_CODE option-len {}, at least 2", data.len()),
                ));
            }
            let message = std::str::from_utf8(&data[2..]).map_err(|e| {
                Error::new(
                    at + 2 + e.valid_up_to(),
                    "status-message is not UTF-8 (RFC 8415 §21.13)",
                )
            })?;
            DhcpOption::StatusCode {
                status: u16_at(data, 0),
                message: message.to_owned(),
            }
        }
        code::INTERFACE_ID => DhcpOption::InterfaceId(data.to_vec()),
        code::INFORMATION_REFRESH_TIME => {
            exact(4)?;
            DhcpOption::InformationRefreshTime(u32::from_be_bytes([
                data[0], data[1], data[2], data[3],
            ]))
        }
        code::RSOO => DhcpOption::Rsoo(container(data)?),
        code::MIP6_VDINF => DhcpOption::Mip6Vdinf(container(data)?),
        code::MIP6_IDINF => DhcpOption::Mip6Idinf(container(data)?),
        code::MIP6_UDINF => DhcpOption::Mip6Udinf(container(data)?),
        code::MIP6_HNIDF => DhcpOption::Mip6Hnidf(Fqdn::parse(data, at)?),
        code::MIP6_HAF => DhcpOption::Mip6Haf(Fqdn::parse(data, at)?),
        code::MIP6_HNP => {
            exact(HNP_LEN)?;
            let mut a = [0u8; 16];
            a.copy_from_slice(&data[1..]);
            DhcpOption::Mip6Hnp {
                prefix_len: data[0],
                prefix: Ipv6Addr::from(a),
            }
        }
        code::MIP6_HAA => {
            exact(16)?;
            let mut a = [0u8; 16];
            a.copy_from_slice(data);
            DhcpOption::Mip6Haa(Ipv6Addr::from(a))
        }
        _ => DhcpOption::Other {
            code: kind,
            data: data.to_vec(),
        },
    })
}
