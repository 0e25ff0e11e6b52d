//! A minimal stub resolver: one question, UDP, bounded retries. hickory-proto does the
//! message encoding; this file only moves bytes.

use anyhow::{bail, Context, Result};
use hickory_proto::op::{Message, MessageType, OpCode, Query, ResponseCode};
use hickory_proto::rr::{Name, RecordType};
use std::net::{Ipv6Addr, SocketAddr, UdpSocket};
use std::str::FromStr;
use std::time::Duration;

const TRIES: usize = 3;
const TIMEOUT: Duration = Duration::from_secs(2);

/// The answer, which must be NOERROR.
pub fn query(server: Ipv6Addr, qname: &str, qtype: RecordType) -> Result<Message> {
    let resp = query_any(server, qname, qtype)?;
    if resp.metadata.response_code != ResponseCode::NoError {
        bail!(
            "{qname} {qtype}: server answered {}",
            resp.metadata.response_code
        );
    }
    Ok(resp)
}

/// The answer, whatever its RCODE (NXDOMAIN is an answer too).
pub fn query_any(server: Ipv6Addr, qname: &str, qtype: RecordType) -> Result<Message> {
    let name = Name::from_str(qname).with_context(|| format!("bad QNAME `{qname}`"))?;
    let sock = UdpSocket::bind("[::]:0").context("bind UDP socket")?;
    sock.set_read_timeout(Some(TIMEOUT))?;
    let server = SocketAddr::from((server, 53));
    for attempt in 1..=TRIES {
        let id: u16 = rand::random();
        let mut msg = Message::new(id, MessageType::Query, OpCode::Query);
        msg.metadata.recursion_desired = true;
        msg.add_query(Query::query(name.clone(), qtype));
        let bytes = msg.to_vec().context("encode DNS query")?;
        sock.send_to(&bytes, server)
            .with_context(|| format!("send DNS query to {server}"))?;
        let mut buf = [0u8; 4096];
        // Keep reading until the matching ID arrives or the timeout fires.
        loop {
            match sock.recv_from(&mut buf) {
                Ok((n, from)) if from == server => {
                    let Ok(resp) = Message::from_vec(&buf[..n]) else {
                        continue;
                    };
                    if resp.metadata.id != id || resp.metadata.message_type != MessageType::Response
                    {
                        continue;
                    }
                    return Ok(resp);
                }
                Ok(_) => continue,
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) =>
                {
                    break
                }
                Err(e) => return Err(e).context("receive DNS response"),
            }
        }
        eprintln!("dns: no answer from {server} for {qname} {qtype} (try {attempt}/{TRIES})");
    }
    bail!("{qname} {qtype}: no answer from {server} after {TRIES} tries")
}
