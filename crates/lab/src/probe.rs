//! Readiness probes: real protocol exchanges with the peer, never a sleep.

use anyhow::{bail, Result};
use hickory_proto::op::{Message, MessageType, OpCode, Query, ResponseCode};
use hickory_proto::rr::{Name, RecordType};
use std::net::{Ipv6Addr, SocketAddr};
use std::str::FromStr;
use std::time::{Duration, Instant};
use tokio::net::UdpSocket;

/// Asks `server` for the SOA of `zone` until it answers authoritatively, or `timeout`.
pub async fn dns_soa(server: Ipv6Addr, zone: &str, timeout: Duration) -> Result<Duration> {
    let started = Instant::now();
    let name = Name::from_str(zone)?;
    let sock = UdpSocket::bind("[::]:0").await?;
    let dst = SocketAddr::from((server, 53));
    let mut last = String::from("no answer");
    while started.elapsed() < timeout {
        let id: u16 = rand::random();
        let mut q = Message::new(id, MessageType::Query, OpCode::Query);
        q.add_query(Query::query(name.clone(), RecordType::SOA));
        // The network may not be routable for a moment after the container starts.
        if let Err(e) = sock.send_to(&q.to_vec()?, dst).await {
            last = e.to_string();
            tokio::time::sleep(Duration::from_millis(200)).await;
            continue;
        }
        let mut buf = [0u8; 2048];
        match tokio::time::timeout(Duration::from_millis(300), sock.recv_from(&mut buf)).await {
            Ok(Ok((n, _))) => match Message::from_vec(&buf[..n]) {
                Ok(m)
                    if m.metadata.id == id
                        && m.metadata.response_code == ResponseCode::NoError
                        && m.metadata.authoritative
                        && !m.answers.is_empty() =>
                {
                    return Ok(started.elapsed())
                }
                Ok(m) => last = format!("answer {} without SOA", m.metadata.response_code),
                Err(e) => last = format!("undecodable answer: {e}"),
            },
            Ok(Err(e)) => last = e.to_string(),
            Err(_) => {}
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("DNS server {server} not ready for zone {zone} within {timeout:?}: {last}")
}
