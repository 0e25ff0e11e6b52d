//! The HA's RADIUS accounting client for a forward DNS update delegated to the MSA's AAA server
//! (RFC 5026 §6, §7, §9.5). RFC 5026 leaves the HA-AAA interface open; here it is an
//! Accounting-Request (RFC 2866) with User-Name = the MN's FQDN and Framed-IPv6-Address
//! (RFC 6911) = its HoA: Start on registration, Stop on removal. The MSP's AAA server proxies
//! it to the MSA's, which updates DNS and then answers: the Accounting-Response is the HA's
//! "AAA answer" of the §7 flow.

use mip6lab_wire::radius::{self, attr, code, Attribute, Repr};
use std::net::{Ipv6Addr, SocketAddr};
use std::time::Duration;
use tokio::net::UdpSocket;

/// One FQDN-HoA pair to report.
pub struct Report<'a> {
    /// [`radius::acct_status::START`] (add the entry) or [`radius::acct_status::STOP`] (remove it).
    pub status: u32,
    pub fqdn: &'a str,
    /// `None` only for the mutant `ha.aaa_omit_hoa`.
    pub hoa: Option<Ipv6Addr>,
    /// The HA's own address and identity (the NAS).
    pub nas: Ipv6Addr,
    pub nas_id: &'a str,
    /// Equal for the Start and Stop of one binding (RFC 2866 §5.5).
    pub session_id: String,
}

/// The Acct-Session-Id of the binding of `hoa`: the same for its Start and Stop, unique across
/// restarts of the HA (its first use's clock reading is part of it).
pub fn session_id(hoa: Ipv6Addr) -> String {
    static BOOT: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    let boot = BOOT.get_or_init(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
    });
    format!("{:08x}-{:016x}", *boot as u32, u128::from(hoa) as u64)
}

/// A signed Accounting-Request, with what checking its answer needs.
pub struct Request {
    pub bytes: Vec<u8>,
    pub id: u8,
    /// The Request Authenticator.
    pub auth: [u8; 16],
}

pub fn request(id: u8, r: &Report, secret: &[u8]) -> mip6lab_wire::Result<Request> {
    let mut p = Repr::new(code::ACCOUNTING_REQUEST, id, [0; 16]);
    p.push(Attribute::integer(attr::ACCT_STATUS_TYPE, r.status));
    // The DNS name without the root dot: the name the MN sent in its DNS Update option.
    p.push(Attribute::text(
        attr::USER_NAME,
        r.fqdn.trim_end_matches('.'),
    ));
    if let Some(hoa) = r.hoa {
        p.push(Attribute::ipv6(attr::FRAMED_IPV6_ADDRESS, hoa));
    }
    p.push(Attribute::ipv6(attr::NAS_IPV6_ADDRESS, r.nas));
    p.push(Attribute::text(attr::NAS_IDENTIFIER, r.nas_id));
    p.push(Attribute::text(attr::ACCT_SESSION_ID, &r.session_id));
    let bytes = p.sign_accounting_request(secret)?;
    Ok(Request {
        bytes,
        id,
        auth: p.authenticator,
    })
}

/// Whether `reply` is the authentic Accounting-Response to request `id` with authenticator
/// `auth` (RFC 2866 §3). Anything else (another code or ID, a bad authenticator, garbage) is
/// not, and is ignored by the caller.
pub fn is_answer(reply: &[u8], id: u8, auth: &[u8; 16], secret: &[u8]) -> bool {
    match Repr::from_bytes(reply) {
        Ok(r) if r.code == code::ACCOUNTING_RESPONSE && r.identifier == id => {
            radius::verify_response_authenticator(reply, auth, secret).unwrap_or(false)
        }
        _ => false,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Answered,
    TimedOut,
}

/// Sends the request up to `sends` times, `timeout` apart (the same packet: the ID and
/// Acct-Delay-Time do not change, RFC 5080 §2.2.1), until the server answers it.
pub async fn exchange(
    server: SocketAddr,
    source: SocketAddr,
    req: &Request,
    secret: &[u8],
    timeout: Duration,
    sends: u8,
) -> std::io::Result<Outcome> {
    let sock = UdpSocket::bind(source).await?;
    let mut buf = vec![0u8; radius::MAX_LEN];
    for _ in 0..sends.max(1) {
        sock.send_to(&req.bytes, server).await?;
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            match tokio::time::timeout_at(deadline, sock.recv_from(&mut buf)).await {
                Err(_) => break,
                Ok(Ok((n, from)))
                    if from == server && is_answer(&buf[..n], req.id, &req.auth, secret) =>
                {
                    return Ok(Outcome::Answered)
                }
                Ok(Ok(_)) => {}
                Ok(Err(e)) => return Err(e),
            }
        }
    }
    Ok(Outcome::TimedOut)
}

#[cfg(test)]
mod tests {
    use super::*;
    use mip6lab_wire::radius::acct_status;

    fn report(hoa: Option<Ipv6Addr>) -> Report<'static> {
        Report {
            status: acct_status::START,
            fqdn: "mn1.example.com.",
            hoa,
            nas: "2001:db8:1::a1".parse().unwrap(),
            nas_id: "ha1.example.com",
            session_id: "s1".into(),
        }
    }

    #[test]
    fn the_request_carries_the_pair_and_is_signed() {
        let hoa: Ipv6Addr = "2001:db8:1:100::8001".parse().unwrap();
        let Request { bytes: b, auth, .. } = request(3, &report(Some(hoa)), b"k").unwrap();
        assert!(radius::verify_accounting_request(&b, b"k").unwrap());
        let r = Repr::from_bytes(&b).unwrap();
        assert_eq!(r.authenticator, auth);
        assert_eq!(r.value(attr::USER_NAME), Some(&b"mn1.example.com"[..]));
        assert_eq!(r.value(attr::FRAMED_IPV6_ADDRESS), Some(&hoa.octets()[..]));
        assert_eq!(
            r.value(attr::ACCT_STATUS_TYPE),
            Some(&acct_status::START.to_be_bytes()[..])
        );
        let b = request(3, &report(None), b"k").unwrap().bytes;
        assert!(Repr::from_bytes(&b)
            .unwrap()
            .attribute(attr::FRAMED_IPV6_ADDRESS)
            .is_none());
    }

    #[test]
    fn only_the_authentic_answer_counts() {
        let auth = request(3, &report(None), b"k").unwrap().auth;
        // An answer to request 3 (secret k) with `id`, signed with `secret`, of code `c`.
        let accepted = |id: u8, secret: &[u8], c: u8| {
            let answer = Repr::new(c, id, [0; 16])
                .sign_response(&auth, secret, false)
                .unwrap();
            is_answer(&answer, 3, &auth, b"k")
        };
        assert!(accepted(3, b"k", code::ACCOUNTING_RESPONSE));
        assert!(!accepted(4, b"k", code::ACCOUNTING_RESPONSE));
        assert!(!accepted(3, b"x", code::ACCOUNTING_RESPONSE));
        assert!(!accepted(3, b"k", code::ACCESS_ACCEPT));
        assert!(!is_answer(&[5, 3, 0], 3, &auth, b"k"));
    }
}
