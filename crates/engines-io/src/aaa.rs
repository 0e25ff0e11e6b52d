//! EAP over RADIUS on a tokio UDP socket: the rounds of an
//! [`EapRelay`](mip6lab_engines::aaa::EapRelay) for a driver that must not block.

use mip6lab_engines::aaa::{round_event, EapOutcome, EapRelay};

/// [`exchange`] over a UDP socket to `server`: each wait for a reply is bounded by `wait`,
/// and a datagram from anyone else, a send error or silence counts as the timer firing (the
/// relay then retransmits or gives up). `sock` `None` (it could not be bound): every wait
/// fires at once.
pub async fn exchange_udp(
    relay: &mut EapRelay,
    datagram: Vec<u8>,
    sock: Option<&tokio::net::UdpSocket>,
    server: std::net::SocketAddr,
    wait: std::time::Duration,
) -> EapOutcome {
    let mut discarded = Vec::new();
    let mut send = Some(datagram);
    let mut buf = [0u8; 4096];
    loop {
        let got = match sock {
            None => None,
            Some(s) => {
                let sent = match send.take() {
                    Some(d) => s.send_to(&d, server).await.is_ok(),
                    None => true,
                };
                if sent {
                    match tokio::time::timeout(wait, s.recv_from(&mut buf)).await {
                        Ok(Ok((n, from))) if from == server => Some(buf[..n].to_vec()),
                        _ => None,
                    }
                } else {
                    None
                }
            }
        };
        match round_event(relay, got, &mut discarded) {
            Ok(outcome) => return outcome,
            Err(again) => send = again,
        }
    }
}
