//! DNS (UDP port 53) through hickory-proto: queries, answers, UPDATE and TSIG.

use super::{Context, Dissector, Packet, Transport};
use crate::transcript::{Decoded, DnsMessage, DnsRecord};
use hickory_proto::op::{Message, MessageType};
use hickory_proto::rr::rdata::tsig::TsigError;
use hickory_proto::rr::{RData, RecordType};

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
            Err(e) => Decoded::malformed("DNS", e),
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
                class: r.dns_class.to_string(),
                ttl: r.ttl,
                data: r.data.to_string(),
            })
            .collect()
    };
    // The TSIG error (RFC 8945 §5.3) says why a signed update was refused; it is not the
    // message's RCODE.
    let tsig_error = m
        .signature
        .as_deref()
        .map(|s| s.data.error)
        .or_else(|| {
            m.additionals.iter().find_map(|r| match &r.data {
                RData::TSIG(t) => Some(t.error),
                _ => None,
            })
        })
        .flatten()
        .map(tsig_error_name)
        .unwrap_or_default();
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
        tsig_error,
    })
}

/// RFC 8945 §5.3 / IANA DNS RCODEs mnemonics of the TSIG error field.
fn tsig_error_name(e: TsigError) -> String {
    match e {
        TsigError::BadSig => "BADSIG".into(),
        TsigError::BadKey => "BADKEY".into(),
        TsigError::BadTime => "BADTIME".into(),
        TsigError::BadTrunc => "BADTRUNC".into(),
        TsigError::Unknown(0) => String::new(),
        TsigError::Unknown(n) => n.to_string(),
    }
}
