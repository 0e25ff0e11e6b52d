//! Readiness probes: real protocol exchanges with the peer, never a sleep.

use anyhow::{bail, Result};
use hickory_proto::op::{Message, MessageType, OpCode, Query, ResponseCode};
use hickory_proto::rr::{Name, RecordType};
use std::net::{Ipv6Addr, SocketAddr};
use std::str::FromStr;
use std::time::{Duration, Instant};
use tokio::net::UdpSocket;

/// Asks `server` for the SOA of `zone` until it answers authoritatively, or `timeout`.
/// Queries leave from `sock`, bound on the lab side of the link so that probe traffic
/// carries only lab addresses.
pub async fn dns_soa(
    server: Ipv6Addr,
    sock: UdpSocket,
    zone: &str,
    timeout: Duration,
) -> Result<Duration> {
    let started = Instant::now();
    let name = Name::from_str(zone)?;
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
        // Drain answers to earlier tries until this try's answer or a short deadline, so a
        // backlog of late answers can never starve the check.
        // Short: until the daemon binds its port, its kernel answers a query with an ICMP
        // error that this unconnected socket never reports, so a try just times out.
        let try_deadline = tokio::time::Instant::now() + Duration::from_millis(100);
        let mut buf = [0u8; 2048];
        loop {
            let got = tokio::time::timeout_at(try_deadline, sock.recv_from(&mut buf)).await;
            let Ok(got) = got else { break };
            match got {
                Ok((n, _)) => match Message::from_vec(&buf[..n]) {
                    Ok(m) if m.metadata.id != id => continue,
                    Ok(m)
                        if m.metadata.response_code == ResponseCode::NoError
                            && m.metadata.authoritative
                            && m.answers.iter().any(|r| r.record_type() == RecordType::SOA) =>
                    {
                        return Ok(started.elapsed())
                    }
                    Ok(m) => {
                        last = format!(
                            "answer {} (authoritative: {}) without SOA",
                            m.metadata.response_code, m.metadata.authoritative
                        );
                        break;
                    }
                    Err(e) => last = format!("undecodable answer: {e}"),
                },
                Err(e) => {
                    last = e.to_string();
                    break;
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    bail!("DNS server {server} not ready for zone {zone} within {timeout:?}: {last}")
}

/// Sends PAP Access-Requests (RFC 2865: User-Name, hidden User-Password, NAS-Identifier,
/// Message-Authenticator) for `user` to `server`:1812 until one is answered with an
/// Access-Accept whose Response Authenticator is right for `secret`, or `timeout`. An
/// Access-Reject ends the probe at once (the server runs, but the probe user is refused: a
/// fixture error, not a slow start). Requests leave from `sock`, bound on the lab's side of the
/// link: the server must list that address as a client.
pub async fn radius_access(
    server: Ipv6Addr,
    sock: UdpSocket,
    user: &str,
    password: &str,
    secret: &str,
    timeout: Duration,
) -> Result<Duration> {
    use mip6lab_wire::radius::{self, attr, code, Attribute, Repr};
    let started = Instant::now();
    let dst = SocketAddr::from((server, radius::AUTH_PORT));
    let mut last = String::from("no answer");
    while started.elapsed() < timeout {
        let id: u8 = rand::random();
        let auth: [u8; 16] = rand::random();
        let mut req = Repr::new(code::ACCESS_REQUEST, id, auth);
        req.push(Attribute::text(attr::USER_NAME, user));
        req.push(Attribute::new(
            attr::USER_PASSWORD,
            radius::hide_password(password.as_bytes(), &auth, secret.as_bytes())?,
        ));
        req.push(Attribute::text(attr::NAS_IDENTIFIER, "mip6lab-probe"));
        let bytes = req.sign_request(secret.as_bytes())?;
        if let Err(e) = sock.send_to(&bytes, dst).await {
            last = e.to_string();
            tokio::time::sleep(Duration::from_millis(200)).await;
            continue;
        }
        // Only this try's answer counts; late answers to earlier tries are drained.
        let try_deadline = tokio::time::Instant::now() + Duration::from_millis(150);
        let mut buf = [0u8; radius::MAX_LEN];
        loop {
            let got = tokio::time::timeout_at(try_deadline, sock.recv_from(&mut buf)).await;
            let Ok(got) = got else { break };
            let n = match got {
                Ok((n, _)) => n,
                Err(e) => {
                    last = e.to_string();
                    break;
                }
            };
            let reply = match radius::Packet::new_checked(&buf[..n]).and_then(|p| Repr::parse(&p)) {
                Ok(r) if r.identifier != id => continue,
                Ok(r) => r,
                Err(e) => {
                    last = format!("undecodable answer: {e}");
                    continue;
                }
            };
            if !radius::verify_response_authenticator(&buf[..n], &auth, secret.as_bytes())? {
                last = format!(
                    "{} with a wrong Response Authenticator (shared secret mismatch?)",
                    reply.code_name().unwrap_or("answer")
                );
                break;
            }
            match reply.code {
                code::ACCESS_ACCEPT => return Ok(started.elapsed()),
                code::ACCESS_REJECT => bail!(
                    "RADIUS server {server} rejected the probe user `{user}` (check its users \
                     file and clients)"
                ),
                c => {
                    last = format!("answer code {c} instead of Access-Accept");
                    break;
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    bail!(
        "RADIUS server {server} did not accept the probe user `{user}` within {timeout:?}: {last}"
    )
}

/// Sends DHCPv6 Information-requests (RFC 8415 §18.2.6: Client Identifier, ORO asking for
/// `option`, Elapsed Time) to All_DHCP_Relay_Agents_and_Servers (ff02::1:2) on the link with
/// scope `scope`, from `sock` (port 546 on the lab's address), until a Reply to one of them
/// carries `option`, or `timeout`. A Reply without it is remembered as the reason.
pub async fn dhcpv6_info(
    sock: UdpSocket,
    scope: u32,
    option: u16,
    timeout: Duration,
) -> Result<Duration> {
    use mip6lab_wire::dhcpv6::{msg_type, DhcpOption, Duid, Repr};
    let started = Instant::now();
    let dst = std::net::SocketAddrV6::new("ff02::1:2".parse().expect("literal"), 547, 0, scope);
    let mut last = String::from("no answer");
    while started.elapsed() < timeout {
        let xid = rand::random::<u32>() & 0x00ff_ffff;
        let req = Repr::ClientServer {
            msg_type: msg_type::INFORMATION_REQUEST,
            transaction_id: xid,
            options: vec![
                DhcpOption::ClientId(Duid::Ll {
                    hardware_type: 1,
                    link_layer_address: vec![0x02, 0x42, 0, 0, 0, 1],
                }),
                DhcpOption::Oro(vec![option]),
                DhcpOption::ElapsedTime(0),
            ],
        };
        if let Err(e) = sock.send_to(&req.to_bytes()?, dst).await {
            last = e.to_string();
            tokio::time::sleep(Duration::from_millis(200)).await;
            continue;
        }
        // Until the server binds, a request goes unanswered: short tries, answers to earlier
        // tries drained.
        let try_deadline = tokio::time::Instant::now() + Duration::from_millis(250);
        let mut buf = [0u8; 2048];
        while let Ok(got) = tokio::time::timeout_at(try_deadline, sock.recv_from(&mut buf)).await {
            let Ok((n, _)) = got else { break };
            match Repr::from_bytes(&buf[..n]) {
                Ok(Repr::ClientServer {
                    msg_type: msg_type::REPLY,
                    transaction_id,
                    options,
                }) if transaction_id == xid => {
                    if options.iter().any(|o| o.code() == option) {
                        return Ok(started.elapsed());
                    }
                    last = format!("a Reply without option {option}");
                }
                Ok(_) => continue,
                Err(e) => last = format!("a malformed answer: {e}"),
            }
        }
    }
    bail!("DHCPv6 server not ready within {timeout:?}: {last}")
}
