//! Layer 2–4 dissection with etherparse, then the application protocol by port.
//! Later protocols (MH, IKEv2, ESP, DHCPv6, RADIUS, MIPv4) plug in at [`dissect_payload`].

use crate::read::{Frame, LinkType};
use crate::transcript::{Decoded, DnsMessage, DnsRecord};
use etherparse::{NetSlice, SlicedPacket, TransportSlice};
use hickory_proto::op::{Message, MessageType};
use std::net::IpAddr;

/// What the lower layers say about a frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packet {
    pub src: IpAddr,
    pub dst: IpAddr,
    pub transport: Transport,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transport {
    Udp { sport: u16, dport: u16 },
    Tcp { sport: u16, dport: u16 },
    Icmpv6 { kind: u8 },
    Other { next_header: u8 },
}

/// L2–L4 of a frame and its application payload; `Err` says why it could not be sliced.
pub fn slice(frame: &Frame) -> Result<Option<(Packet, &[u8])>, String> {
    let sliced = match frame.link {
        LinkType::Ethernet => SlicedPacket::from_ethernet(&frame.data),
        LinkType::RawIp => SlicedPacket::from_ip(&frame.data),
        LinkType::LinuxSll => SlicedPacket::from_linux_sll(&frame.data),
        LinkType::Other(t) => return Err(format!("link type {t} is not supported")),
    }
    .map_err(|e| e.to_string())?;
    let (src, dst, next_header) = match &sliced.net {
        Some(NetSlice::Ipv6(v6)) => {
            let h = v6.header();
            (
                IpAddr::V6(h.source_addr()),
                IpAddr::V6(h.destination_addr()),
                v6.payload().ip_number.0,
            )
        }
        Some(NetSlice::Ipv4(v4)) => {
            let h = v4.header();
            (
                IpAddr::V4(h.source_addr()),
                IpAddr::V4(h.destination_addr()),
                v4.payload().ip_number.0,
            )
        }
        // ARP and non-IP frames are link housekeeping, not messages under test.
        _ => return Ok(None),
    };
    let (transport, payload): (Transport, &[u8]) = match &sliced.transport {
        Some(TransportSlice::Udp(u)) => (
            Transport::Udp {
                sport: u.source_port(),
                dport: u.destination_port(),
            },
            u.payload(),
        ),
        Some(TransportSlice::Tcp(t)) => (
            Transport::Tcp {
                sport: t.source_port(),
                dport: t.destination_port(),
            },
            t.payload(),
        ),
        Some(TransportSlice::Icmpv6(i)) => (Transport::Icmpv6 { kind: i.type_u8() }, i.payload()),
        _ => (Transport::Other { next_header }, &[][..]),
    };
    Ok(Some((
        Packet {
            src,
            dst,
            transport,
        },
        payload,
    )))
}

/// Chooses the application dissector.
pub fn dissect_payload(pkt: &Packet, payload: &[u8]) -> Decoded {
    match pkt.transport {
        Transport::Udp { sport, dport } if sport == 53 || dport == 53 => match dns(payload) {
            Ok(m) => Decoded::Dns(m),
            Err(e) => Decoded::Malformed {
                protocol: "DNS".into(),
                reason: e,
            },
        },
        Transport::Icmpv6 { kind } => Decoded::Icmpv6 { kind },
        Transport::Udp { .. } | Transport::Tcp { .. } | Transport::Other { .. } => {
            Decoded::Unknown {
                length: payload.len(),
            }
        }
    }
}

pub fn dns(payload: &[u8]) -> Result<DnsMessage, String> {
    let m = Message::from_vec(payload).map_err(|e| e.to_string())?;
    let records = |rs: &[hickory_proto::rr::Record]| -> Vec<DnsRecord> {
        rs.iter()
            .map(|r| DnsRecord {
                name: r.name.to_ascii(),
                rtype: r.record_type().to_string(),
                ttl: r.ttl,
                data: r.data.to_string(),
            })
            .collect()
    };
    let q = m.queries.first();
    Ok(DnsMessage {
        id: m.metadata.id,
        response: m.metadata.message_type == MessageType::Response,
        opcode: m.metadata.op_code.to_string(),
        rcode: m.metadata.response_code.to_string(),
        qname: q.map(|q| q.name.to_ascii()).unwrap_or_default(),
        qtype: q.map(|q| q.query_type.to_string()).unwrap_or_default(),
        answers: records(&m.answers),
        authorities: records(&m.authorities),
        additionals: records(&m.additionals),
        tsig: m.signature.is_some(),
    })
}
