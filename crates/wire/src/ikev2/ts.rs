//! Traffic Selector payloads, TSi and TSr (RFC 7296 §3.13), and the selectors Mobile IPv6
//! narrows to (MH types, ICMPv6 types for Mobile Prefix Discovery: RFC 4877 §4.3).

use super::be16;
use super::payload::{emit_list, list_len, reserved3};
use super::registry::*;
use crate::error::{Error, Result};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Traffic Selector payload, TSi or TSr (RFC 7296 §3.13). Number of TSs is derived.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Ts {
    pub reserved: [u8; 3],
    pub selectors: Vec<TrafficSelector>,
}

/// One traffic selector. Unknown TS types keep octet 1 and the data after the length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrafficSelector {
    Ipv4 {
        ip_protocol: u8,
        start_port: u16,
        end_port: u16,
        start: Ipv4Addr,
        end: Ipv4Addr,
    },
    Ipv6 {
        ip_protocol: u8,
        start_port: u16,
        end_port: u16,
        start: Ipv6Addr,
        end: Ipv6Addr,
    },
    Unknown {
        ts_type: u8,
        octet1: u8,
        data: Vec<u8>,
    },
}

/// What IPv4 and IPv6 range selectors hold alike (RFC 7296 §3.13.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SelectorRange<A> {
    pub ip_protocol: u8,
    pub start_port: u16,
    pub end_port: u16,
    pub start: A,
    pub end: A,
}

fn ip_octets(a: IpAddr) -> Vec<u8> {
    match a {
        IpAddr::V4(a) => a.octets().to_vec(),
        IpAddr::V6(a) => a.octets().to_vec(),
    }
}

/// IP protocol number of the Mobility Header.
pub const IPPROTO_MH: u8 = 135;
/// IP protocol number of ICMPv6.
pub const IPPROTO_ICMPV6: u8 = 58;

impl TrafficSelector {
    /// An IPv6 selector for MH messages of one type: protocol 135, the MH type in the high
    /// octet of both port fields and 0 in the low octet (RFC 4877 §4.3, RFC 7296 §3.13.1).
    pub fn mh(start: Ipv6Addr, end: Ipv6Addr, mh_type: u8) -> TrafficSelector {
        TrafficSelector::mh_range(start, end, mh_type, mh_type)
    }

    /// MH selector covering types `first..=last` (e.g. BU 5 and BA 6 in one SA).
    pub fn mh_range(start: Ipv6Addr, end: Ipv6Addr, first: u8, last: u8) -> TrafficSelector {
        TrafficSelector::Ipv6 {
            ip_protocol: IPPROTO_MH,
            start_port: u16::from(first) << 8,
            end_port: u16::from(last) << 8,
            start,
            end,
        }
    }

    /// The MH type range of an MH selector.
    pub fn mh_types(&self) -> Option<(u8, u8)> {
        self.type_range(IPPROTO_MH)
    }

    /// An IPv6 selector for ICMPv6 types `first..=last`, any code: type in the high octet,
    /// code in the low one (start code 0, end code 255; RFC 7296 §3.13.1). Mobile Prefix
    /// Discovery is 146..=147 (RFC 4877 §4.3: ICMPv6 message type as a selector).
    pub fn icmp6_range(start: Ipv6Addr, end: Ipv6Addr, first: u8, last: u8) -> TrafficSelector {
        TrafficSelector::Ipv6 {
            ip_protocol: IPPROTO_ICMPV6,
            start_port: u16::from(first) << 8,
            end_port: (u16::from(last) << 8) | 0xff,
            start,
            end,
        }
    }

    /// The ICMPv6 type range of an ICMPv6 selector.
    pub fn icmp6_types(&self) -> Option<(u8, u8)> {
        self.type_range(IPPROTO_ICMPV6)
    }

    /// The high octets of the port range of an IPv6 selector for `protocol` (MH and ICMPv6
    /// put the message type there).
    fn type_range(&self, protocol: u8) -> Option<(u8, u8)> {
        let r = self.ipv6_range().filter(|r| r.ip_protocol == protocol)?;
        Some(((r.start_port >> 8) as u8, (r.end_port >> 8) as u8))
    }

    /// Protocol, ports and addresses of an IPv4 or IPv6 selector; `None` for an unknown type.
    pub fn range(&self) -> Option<SelectorRange<IpAddr>> {
        let (start, end) = match *self {
            TrafficSelector::Ipv4 { start, end, .. } => (IpAddr::V4(start), IpAddr::V4(end)),
            TrafficSelector::Ipv6 { start, end, .. } => (IpAddr::V6(start), IpAddr::V6(end)),
            TrafficSelector::Unknown { .. } => return None,
        };
        let (TrafficSelector::Ipv4 {
            ip_protocol,
            start_port,
            end_port,
            ..
        }
        | TrafficSelector::Ipv6 {
            ip_protocol,
            start_port,
            end_port,
            ..
        }) = *self
        else {
            return None;
        };
        Some(SelectorRange {
            ip_protocol,
            start_port,
            end_port,
            start,
            end,
        })
    }

    /// [`TrafficSelector::range`] of an IPv6 selector.
    pub fn ipv6_range(&self) -> Option<SelectorRange<Ipv6Addr>> {
        let r = self.range()?;
        let (IpAddr::V6(start), IpAddr::V6(end)) = (r.start, r.end) else {
            return None;
        };
        Some(SelectorRange {
            ip_protocol: r.ip_protocol,
            start_port: r.start_port,
            end_port: r.end_port,
            start,
            end,
        })
    }

    pub fn ts_type(&self) -> u8 {
        match self {
            TrafficSelector::Ipv4 { .. } => ts_type::IPV4_ADDR_RANGE,
            TrafficSelector::Ipv6 { .. } => ts_type::IPV6_ADDR_RANGE,
            TrafficSelector::Unknown { ts_type, .. } => *ts_type,
        }
    }

    fn buffer_len(&self) -> usize {
        match self {
            TrafficSelector::Ipv4 { .. } => 16,
            TrafficSelector::Ipv6 { .. } => 40,
            TrafficSelector::Unknown { data, .. } => 4 + data.len(),
        }
    }

    fn emit(&self, out: &mut [u8]) {
        out[0] = self.ts_type();
        out[2..4].copy_from_slice(&(self.buffer_len() as u16).to_be_bytes());
        if let TrafficSelector::Unknown { octet1, data, .. } = self {
            out[1] = *octet1;
            out[4..].copy_from_slice(data);
        } else if let Some(r) = self.range() {
            out[1] = r.ip_protocol;
            out[4..6].copy_from_slice(&r.start_port.to_be_bytes());
            out[6..8].copy_from_slice(&r.end_port.to_be_bytes());
            let (start, end) = (ip_octets(r.start), ip_octets(r.end));
            let n = start.len();
            out[8..8 + n].copy_from_slice(&start);
            out[8 + n..8 + 2 * n].copy_from_slice(&end);
        }
    }
}

impl Ts {
    pub fn new(selectors: Vec<TrafficSelector>) -> Ts {
        Ts {
            reserved: [0; 3],
            selectors,
        }
    }

    pub fn parse(b: &[u8]) -> Result<Ts> {
        if b.len() < 4 {
            return Err(Error::new(b.len(), "truncated TS payload"));
        }
        let num = usize::from(b[0]);
        let mut selectors = Vec::new();
        let mut at = 4;
        while at < b.len() {
            let t = b[at];
            let len = usize::from(be16(b, at + 2, "traffic selector")?);
            if len < 4 {
                return Err(Error::new(at + 2, "selector length below 4"));
            }
            let s = b
                .get(at..at + len)
                .ok_or_else(|| Error::new(at + 2, "selector length exceeds TS payload"))?;
            let ports = || {
                (
                    u16::from_be_bytes([s[4], s[5]]),
                    u16::from_be_bytes([s[6], s[7]]),
                )
            };
            let sel = match t {
                ts_type::IPV4_ADDR_RANGE => {
                    if len != 16 {
                        return Err(Error::new(at + 2, "IPv4 selector length is not 16"));
                    }
                    let (start_port, end_port) = ports();
                    TrafficSelector::Ipv4 {
                        ip_protocol: s[1],
                        start_port,
                        end_port,
                        start: Ipv4Addr::new(s[8], s[9], s[10], s[11]),
                        end: Ipv4Addr::new(s[12], s[13], s[14], s[15]),
                    }
                }
                ts_type::IPV6_ADDR_RANGE => {
                    if len != 40 {
                        return Err(Error::new(at + 2, "IPv6 selector length is not 40"));
                    }
                    let (start_port, end_port) = ports();
                    let mut a = [0u8; 16];
                    let mut z = [0u8; 16];
                    a.copy_from_slice(&s[8..24]);
                    z.copy_from_slice(&s[24..40]);
                    TrafficSelector::Ipv6 {
                        ip_protocol: s[1],
                        start_port,
                        end_port,
                        start: a.into(),
                        end: z.into(),
                    }
                }
                _ => TrafficSelector::Unknown {
                    ts_type: t,
                    octet1: s[1],
                    data: s[4..].to_vec(),
                },
            };
            selectors.push(sel);
            at += len;
        }
        if selectors.len() != num {
            return Err(Error::new(
                0,
                format!("TS payload says {num} selectors, holds {}", selectors.len()),
            ));
        }
        Ok(Ts {
            reserved: reserved3(b),
            selectors,
        })
    }

    pub fn buffer_len(&self) -> usize {
        4 + list_len(&self.selectors, TrafficSelector::buffer_len)
    }

    pub fn emit(&self, out: &mut [u8]) {
        out[0] = self.selectors.len() as u8;
        out[1..4].copy_from_slice(&self.reserved);
        emit_list(
            &mut out[4..],
            &self.selectors,
            TrafficSelector::buffer_len,
            |s, o, _| s.emit(o),
        );
    }
}
