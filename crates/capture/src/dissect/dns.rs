//! DNS (UDP port 53) through hickory-proto: queries, answers, UPDATE and TSIG.

use super::{Context, Dissector, Packet, Transport};
use crate::transcript::{Decoded, DnsMessage, DnsRecord};
use hickory_proto::op::{Message, MessageType};
use hickory_proto::rr::RecordType;

pub struct Dns;

impl Dissector for Dns {
    fn name(&self) -> &'static str {
        "DNS"
    }

    fn claims(&self, pkt: &Packet, _: &[u8]) -> bool {
        matches!(pkt.transport, Transport::Udp { sport, dport } if sport == 53 || dport == 53)
    }

    fn dissect(&self, _: &Packet, payload: &[u8], _: &mut Context) -> Decoded {
        match dns(payload) {
            Ok(m) => Decoded::Dns(m),
            Err(e) => Decoded::Malformed {
                protocol: "DNS".into(),
                reason: e,
            },
        }
    }
}

pub fn dns(payload: &[u8]) -> Result<DnsMessage, String> {
    let m = Message::from_vec(payload).map_err(|e| e.to_string())?;
    // hickory may leave a TSIG (RFC 8945) or SIG(0) record among the additionals instead
    // of in `signature`; either way it is the message's signature, shown as `tsig`, and its
    // MAC and time (different in every run) stay out of the records.
    let is_sig = |r: &hickory_proto::rr::Record| {
        matches!(r.record_type(), RecordType::TSIG | RecordType::SIG)
    };
    let records = |rs: &[hickory_proto::rr::Record]| -> Vec<DnsRecord> {
        rs.iter()
            .filter(|r| !is_sig(r))
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
        tsig: m.signature.is_some() || m.additionals.iter().any(is_sig),
    })
}
