//! DHCPv4 options (RFC 2132 §2: `Code(1) ‖ Len(1) ‖ value`, Pad and End a lone octet) and the
//! Relay Agent Information option's sub-options (RFC 3046 §2.0), parsed in wire order with
//! duplicates kept and unknown codes raw.
//!
//! Parsing is strict about the options it types (a wrong length is an [`Error`] at the
//! option's Len octet); emitting writes what the value holds, so a test can send what parsing
//! rejects. `parse(emit(o)) == o` holds for every option parsing can give.

use crate::names::registry;
use crate::radius::{self, Attribute};
use crate::tlv::{Format, TlvError};
use crate::{Error, Result};
use std::net::Ipv4Addr;

registry! {
    /// Option codes typed here (RFC 2132 §3.1, §3.5, §9.1–§9.6, §9.8, §9.14, §8.13 for 68;
    /// RFC 3046 §2.0 for 82). Numbers as Kea's `dhcp4.h` lists them.
    pub mod code: u8;
    /// The option's name, from the RFC 2132 / RFC 3046 section title; `None` for codes not
    /// listed.
    pub fn option_name;
    PAD = 0 => "Pad",
    SUBNET_MASK = 1 => "Subnet Mask",
    ROUTER = 3 => "Router",
    DOMAIN_NAME_SERVER = 6 => "Domain Name Server",
    HOST_NAME = 12 => "Host Name",
    DOMAIN_NAME = 15 => "Domain Name",
    BROADCAST_ADDRESS = 28 => "Broadcast Address",
    REQUESTED_ADDRESS = 50 => "Requested IP Address",
    LEASE_TIME = 51 => "IP Address Lease Time",
    OVERLOAD = 52 => "Option Overload",
    MESSAGE_TYPE = 53 => "DHCP Message Type",
    SERVER_ID = 54 => "Server Identifier",
    PARAMETER_REQUEST_LIST = 55 => "Parameter Request List",
    MESSAGE = 56 => "Message",
    MAX_MESSAGE_SIZE = 57 => "Maximum DHCP Message Size",
    RENEWAL_TIME = 58 => "Renewal (T1) Time Value",
    REBINDING_TIME = 59 => "Rebinding (T2) Time Value",
    VENDOR_CLASS_ID = 60 => "Vendor class identifier",
    CLIENT_ID = 61 => "Client-identifier",
    MOBILE_IP_HOME_AGENT = 68 => "Mobile IP Home Agent",
    RELAY_AGENT_INFORMATION = 82 => "Relay Agent Information",
    END = 255 => "End",
}

registry! {
    /// DHCP Message Type values (RFC 2132 §9.6; Kea's `DHCPMessageType`).
    pub mod message_type: u8;
    /// The message type's name as RFC 2131 writes it (`DHCPDISCOVER`, …).
    pub fn message_name;
    DISCOVER = 1 => "DHCPDISCOVER",
    OFFER = 2 => "DHCPOFFER",
    REQUEST = 3 => "DHCPREQUEST",
    DECLINE = 4 => "DHCPDECLINE",
    ACK = 5 => "DHCPACK",
    NAK = 6 => "DHCPNAK",
    RELEASE = 7 => "DHCPRELEASE",
    INFORM = 8 => "DHCPINFORM",
}

registry! {
    /// Relay Agent Information sub-option codes (RFC 3046 §2.0; RFC 4014 for 7; Kea's
    /// `RAISubOptionType`).
    pub mod suboption: u8;
    /// The sub-option's name as its RFC titles it.
    pub fn suboption_name;
    AGENT_CIRCUIT_ID = 1 => "Agent Circuit ID",
    AGENT_REMOTE_ID = 2 => "Agent Remote ID",
    LINK_SELECTION = 5 => "Link Selection",
    RADIUS_ATTRIBUTES = 7 => "RADIUS Attributes",
}

/// One option.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DhcpOption {
    /// Pad (0, RFC 2132 §3.1): a lone octet.
    Pad,
    /// End (255, RFC 2132 §3.2): a lone octet, the last option.
    End,
    /// Subnet Mask (1, RFC 2132 §3.3): length 4.
    SubnetMask(Ipv4Addr),
    /// Router (3, RFC 2132 §3.5): one or more addresses, in order of preference.
    Router(Vec<Ipv4Addr>),
    /// Requested IP Address (50, RFC 2132 §9.1): length 4.
    RequestedAddress(Ipv4Addr),
    /// IP Address Lease Time (51, RFC 2132 §9.2): seconds, length 4.
    LeaseTime(u32),
    /// Option Overload (52, RFC 2132 §9.3): 1 `file`, 2 `sname`, 3 both; length 1.
    Overload(u8),
    /// DHCP Message Type (53, RFC 2132 §9.6): length 1.
    MessageType(u8),
    /// Server Identifier (54, RFC 2132 §9.7): length 4.
    ServerId(Ipv4Addr),
    /// Parameter Request List (55, RFC 2132 §9.8): option codes, at least one.
    ParameterRequestList(Vec<u8>),
    /// Client-identifier (61, RFC 2132 §9.14): a type octet and the identifier, length ≥ 2;
    /// kept whole (type first).
    ClientId(Vec<u8>),
    /// Mobile IP Home Agent (68, RFC 2132 §8.13): addresses in order of preference, a
    /// multiple of 4 octets; length 0 says "none" (Kea's `mobile-ip-home-agent` may be empty).
    MobileIpHomeAgent(Vec<Ipv4Addr>),
    /// Relay Agent Information (82, RFC 3046 §2.0): sub-options in wire order.
    RelayAgentInformation(Vec<RelaySubOption>),
    /// Any other code, value raw. Also the way to send a known option malformed.
    Other { code: u8, data: Vec<u8> },
}

/// One sub-option of the Relay Agent Information option.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RelaySubOption {
    /// Agent Circuit ID (1, RFC 3046 §2.0): opaque, names the circuit the request came in on.
    CircuitId(Vec<u8>),
    /// Agent Remote ID (2, RFC 3046 §2.0): opaque.
    RemoteId(Vec<u8>),
    /// Link Selection (5, RFC 3527 §3): an address of the client's subnet, which picks the
    /// subnet when `giaddr` is a relay address the server can reach but off that subnet.
    /// Another length is kept as [`RelaySubOption::Other`].
    LinkSelection(Ipv4Addr),
    /// RADIUS Attributes (7, RFC 4014): RADIUS attributes (`Type ‖ Length ‖ Value`, RFC 2865
    /// §5) from the client's Access-Accept, raw. Which attributes RFC 4014 permits is the
    /// sender's business (not checked here).
    RadiusAttributes(Vec<Attribute>),
    /// Any other sub-option, value raw.
    Other { code: u8, data: Vec<u8> },
}

fn addresses(b: &[u8]) -> Vec<Ipv4Addr> {
    b.chunks_exact(4)
        .map(|a| Ipv4Addr::new(a[0], a[1], a[2], a[3]))
        .collect()
}

fn put_addresses(out: &mut [u8], list: &[Ipv4Addr]) {
    for (chunk, a) in out.chunks_exact_mut(4).zip(list) {
        chunk.copy_from_slice(&a.octets());
    }
}

impl RelaySubOption {
    pub fn code(&self) -> u8 {
        match self {
            RelaySubOption::CircuitId(_) => suboption::AGENT_CIRCUIT_ID,
            RelaySubOption::RemoteId(_) => suboption::AGENT_REMOTE_ID,
            RelaySubOption::LinkSelection(_) => suboption::LINK_SELECTION,
            RelaySubOption::RadiusAttributes(_) => suboption::RADIUS_ATTRIBUTES,
            RelaySubOption::Other { code, .. } => *code,
        }
    }

    /// Octets of the value.
    pub fn data_len(&self) -> usize {
        match self {
            RelaySubOption::CircuitId(d)
            | RelaySubOption::RemoteId(d)
            | RelaySubOption::Other { data: d, .. } => d.len(),
            RelaySubOption::LinkSelection(_) => 4,
            RelaySubOption::RadiusAttributes(a) => a.iter().map(Attribute::wire_len).sum(),
        }
    }

    /// Octets on the wire, header included.
    pub fn buffer_len(&self) -> usize {
        2 + self.data_len()
    }

    fn value(&self) -> Vec<u8> {
        match self {
            RelaySubOption::CircuitId(d)
            | RelaySubOption::RemoteId(d)
            | RelaySubOption::Other { data: d, .. } => d.clone(),
            RelaySubOption::LinkSelection(a) => a.octets().to_vec(),
            RelaySubOption::RadiusAttributes(attrs) => {
                let mut v = Vec::with_capacity(self.data_len());
                for a in attrs {
                    // Length counts the header (RFC 2865 §5); a value over 253 octets cannot
                    // be written, and the sub-option's own length check reports it.
                    v.push(a.kind);
                    v.push(a.wire_len().min(255) as u8);
                    v.extend_from_slice(&a.value);
                }
                v
            }
        }
    }

    /// Writes the sub-option at the start of `out`; fails when the value exceeds 255 octets
    /// (or a RADIUS attribute inside exceeds 253).
    pub fn emit(&self, out: &mut [u8], base: usize) -> Result<usize> {
        if let RelaySubOption::RadiusAttributes(attrs) = self {
            let mut at = base + 2;
            for a in attrs {
                if a.value.len() > radius::MAX_VALUE_LEN {
                    return Err(Error::new(
                        at,
                        format!(
                            "RADIUS attribute {} value of {} octets (at most 253)",
                            a.kind,
                            a.value.len()
                        ),
                    ));
                }
                at += a.wire_len();
            }
        }
        Format::DHCPV4_SUBOPTIONS
            .emit(u16::from(self.code()), &self.value(), out)
            .map_err(|e| e.shifted(base))
    }
}

impl DhcpOption {
    pub fn code(&self) -> u8 {
        match self {
            DhcpOption::Pad => code::PAD,
            DhcpOption::End => code::END,
            DhcpOption::SubnetMask(_) => code::SUBNET_MASK,
            DhcpOption::Router(_) => code::ROUTER,
            DhcpOption::RequestedAddress(_) => code::REQUESTED_ADDRESS,
            DhcpOption::LeaseTime(_) => code::LEASE_TIME,
            DhcpOption::Overload(_) => code::OVERLOAD,
            DhcpOption::MessageType(_) => code::MESSAGE_TYPE,
            DhcpOption::ServerId(_) => code::SERVER_ID,
            DhcpOption::ParameterRequestList(_) => code::PARAMETER_REQUEST_LIST,
            DhcpOption::ClientId(_) => code::CLIENT_ID,
            DhcpOption::MobileIpHomeAgent(_) => code::MOBILE_IP_HOME_AGENT,
            DhcpOption::RelayAgentInformation(_) => code::RELAY_AGENT_INFORMATION,
            DhcpOption::Other { code, .. } => *code,
        }
    }

    /// Whether the option is a lone octet (Pad, End).
    pub fn is_single_octet(&self) -> bool {
        matches!(self, DhcpOption::Pad | DhcpOption::End)
    }

    /// Octets of the value (0 for Pad and End).
    pub fn data_len(&self) -> usize {
        match self {
            DhcpOption::Pad | DhcpOption::End => 0,
            DhcpOption::SubnetMask(_)
            | DhcpOption::RequestedAddress(_)
            | DhcpOption::ServerId(_)
            | DhcpOption::LeaseTime(_) => 4,
            DhcpOption::Overload(_) | DhcpOption::MessageType(_) => 1,
            DhcpOption::Router(a) | DhcpOption::MobileIpHomeAgent(a) => 4 * a.len(),
            DhcpOption::ParameterRequestList(d)
            | DhcpOption::ClientId(d)
            | DhcpOption::Other { data: d, .. } => d.len(),
            DhcpOption::RelayAgentInformation(s) => s.iter().map(RelaySubOption::buffer_len).sum(),
        }
    }

    /// Octets on the wire: 1 for Pad and End, else Code, Len and the value.
    pub fn buffer_len(&self) -> usize {
        if self.is_single_octet() {
            1
        } else {
            2 + self.data_len()
        }
    }

    /// Writes the option at the start of `out` (at least [`DhcpOption::buffer_len`] octets);
    /// fails when the value exceeds 255 octets (`base`: where `out` starts in the outermost
    /// buffer, for the error). Returns the octets written.
    pub fn emit(&self, out: &mut [u8], base: usize) -> Result<usize> {
        if self.is_single_octet() {
            out[0] = self.code();
            return Ok(1);
        }
        let len = self.data_len();
        if len > 255 {
            return Err(Error::new(
                base + 1,
                format!("option {} value of {len} octets (at most 255)", self.code()),
            ));
        }
        out[0] = self.code();
        out[1] = len as u8;
        let data = &mut out[2..2 + len];
        match self {
            DhcpOption::Pad | DhcpOption::End => {}
            DhcpOption::SubnetMask(a)
            | DhcpOption::RequestedAddress(a)
            | DhcpOption::ServerId(a) => data.copy_from_slice(&a.octets()),
            DhcpOption::LeaseTime(t) => data.copy_from_slice(&t.to_be_bytes()),
            DhcpOption::Overload(v) | DhcpOption::MessageType(v) => data[0] = *v,
            DhcpOption::Router(a) | DhcpOption::MobileIpHomeAgent(a) => put_addresses(data, a),
            DhcpOption::ParameterRequestList(d)
            | DhcpOption::ClientId(d)
            | DhcpOption::Other { data: d, .. } => data.copy_from_slice(d),
            DhcpOption::RelayAgentInformation(subs) => {
                let mut pos = 0;
                for s in subs {
                    pos += s.emit(&mut data[pos..], base + 2 + pos)?;
                }
            }
        }
        Ok(2 + len)
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

/// Parses the options area after the cookie (`base`: its offset in the message): the options
/// up to and including End, and the octets after End (none when there is no End).
pub fn parse_options(b: &[u8], base: usize) -> Result<(Vec<DhcpOption>, &[u8])> {
    let mut options = Vec::new();
    let mut pos = 0;
    while pos < b.len() {
        let kind = b[pos];
        match kind {
            code::PAD => {
                options.push(DhcpOption::Pad);
                pos += 1;
            }
            code::END => {
                options.push(DhcpOption::End);
                return Ok((options, &b[pos + 1..]));
            }
            _ => {
                let Some(&len) = b.get(pos + 1) else {
                    return Err(Error::new(
                        base + pos,
                        format!("option {kind} truncated: no Len octet"),
                    ));
                };
                let len = usize::from(len);
                let Some(value) = b.get(pos + 2..pos + 2 + len) else {
                    return Err(Error::new(
                        base + pos + 1,
                        format!(
                            "option {kind} Len {len} runs past the end ({} octets left)",
                            b.len() - pos - 2
                        ),
                    ));
                };
                options.push(parse_option(kind, value, base + pos)?);
                pos += 2 + len;
            }
        }
    }
    Ok((options, &[]))
}

/// One option's value; `offset` is the option's Code octet in the outermost buffer.
fn parse_option(kind: u8, data: &[u8], offset: usize) -> Result<DhcpOption> {
    let name = || option_name(kind).unwrap_or("option");
    let bad_len = |rule: &str| {
        Error::new(
            offset + 1,
            format!("{} ({kind}) Len {}, {rule}", name(), data.len()),
        )
    };
    let exact = |n: usize| -> Result<()> {
        if data.len() == n {
            Ok(())
        } else {
            Err(bad_len(&format!("must be {n}")))
        }
    };
    let address = || Ipv4Addr::new(data[0], data[1], data[2], data[3]);
    let address_list = |min: usize| -> Result<Vec<Ipv4Addr>> {
        if data.len() % 4 != 0 || data.len() < min {
            let rule = if min == 0 {
                "must be a multiple of 4".to_owned()
            } else {
                format!("must be a multiple of 4, at least {min}")
            };
            return Err(bad_len(&rule));
        }
        Ok(addresses(data))
    };
    Ok(match kind {
        code::SUBNET_MASK => {
            exact(4)?;
            DhcpOption::SubnetMask(address())
        }
        code::REQUESTED_ADDRESS => {
            exact(4)?;
            DhcpOption::RequestedAddress(address())
        }
        code::SERVER_ID => {
            exact(4)?;
            DhcpOption::ServerId(address())
        }
        code::LEASE_TIME => {
            exact(4)?;
            DhcpOption::LeaseTime(u32::from_be_bytes([data[0], data[1], data[2], data[3]]))
        }
        code::OVERLOAD => {
            exact(1)?;
            DhcpOption::Overload(data[0])
        }
        code::MESSAGE_TYPE => {
            exact(1)?;
            DhcpOption::MessageType(data[0])
        }
        // RFC 2132 §3.5: one or more routers.
        code::ROUTER => DhcpOption::Router(address_list(4)?),
        // RFC 2132 §8.13: zero or more home agents (its figure, as PcapDotNet quotes it).
        code::MOBILE_IP_HOME_AGENT => DhcpOption::MobileIpHomeAgent(address_list(0)?),
        code::PARAMETER_REQUEST_LIST => {
            if data.is_empty() {
                return Err(bad_len("at least 1"));
            }
            DhcpOption::ParameterRequestList(data.to_vec())
        }
        code::CLIENT_ID => {
            if data.len() < 2 {
                return Err(bad_len("at least 2 (type and identifier)"));
            }
            DhcpOption::ClientId(data.to_vec())
        }
        code::RELAY_AGENT_INFORMATION => {
            DhcpOption::RelayAgentInformation(parse_suboptions(data, offset + 2)?)
        }
        _ => DhcpOption::Other {
            code: kind,
            data: data.to_vec(),
        },
    })
}

/// The sub-option walker's faults in RFC 3046 words.
fn suboption_error(e: TlvError) -> Error {
    let what = match e {
        TlvError::HeaderTruncated { left, .. } => {
            format!("sub-option header truncated ({left} of 2 octets)")
        }
        TlvError::Overrun {
            kind, length, left, ..
        } => format!(
            "sub-option {kind} Len {length} runs past the option ({} octets left)",
            left.saturating_sub(2)
        ),
        // Len counts only the value here: the walker never reports this.
        TlvError::LengthTooSmall { .. } => return Error::from(e),
    };
    Error::new(e.offset(), what)
}

/// The sub-options of a Relay Agent Information option's value at `base`.
pub fn parse_suboptions(b: &[u8], base: usize) -> Result<Vec<RelaySubOption>> {
    Format::DHCPV4_SUBOPTIONS
        .items(b, base)
        .map(|item| {
            let item = item.map_err(suboption_error)?;
            let data = item.value;
            Ok(match item.kind as u8 {
                suboption::AGENT_CIRCUIT_ID => RelaySubOption::CircuitId(data.to_vec()),
                suboption::AGENT_REMOTE_ID => RelaySubOption::RemoteId(data.to_vec()),
                suboption::LINK_SELECTION if data.len() == 4 => {
                    RelaySubOption::LinkSelection(Ipv4Addr::new(data[0], data[1], data[2], data[3]))
                }
                suboption::RADIUS_ATTRIBUTES => RelaySubOption::RadiusAttributes(
                    radius::parse_attributes(data, item.value_offset())?,
                ),
                code => RelaySubOption::Other {
                    code,
                    data: data.to_vec(),
                },
            })
        })
        .collect()
}
