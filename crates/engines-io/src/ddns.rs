//! DNS UPDATE over UDP: the [`UpdateTransaction`] engine on a tokio socket.

use mip6lab_engines::ddns::{Retransmit, SignedUpdate, UpdateOutcome, UpdateTransaction};
use mip6lab_engines::io::{Datagram, SansIo};
use std::time::Duration;

/// Sends `request` from `source` to `server` over UDP and waits for its answer, retransmitting
/// the same datagram per `policy`; the TSIG clock is the system clock.
pub async fn send_update(
    server: std::net::SocketAddr,
    source: std::net::SocketAddr,
    request: &SignedUpdate,
    policy: Retransmit,
) -> std::io::Result<UpdateOutcome> {
    let sock = tokio::net::UdpSocket::bind(source).await?;
    let start = tokio::time::Instant::now();
    let now = || start.elapsed().as_millis() as u64;
    let mut tx = UpdateTransaction::start(request.clone(), server, policy, 0);
    let mut buf = vec![0u8; 65535];
    loop {
        while let Some(t) = tx.poll_transmit() {
            sock.send_to(&t.payload, t.dst).await?;
        }
        if let Some(o) = tx.poll_event() {
            return Ok(o);
        }
        let deadline = start + Duration::from_millis(tx.next_timeout().unwrap_or_default());
        match tokio::time::timeout_at(deadline, sock.recv_from(&mut buf)).await {
            Err(_) => tx.handle_timeout(now()),
            Ok(Ok((n, from))) => {
                tx.set_unix_time(unix_now());
                tx.handle_input(now(), Datagram::new(from, &buf[..n]));
            }
            Ok(Err(e)) => return Err(e),
        }
    }
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
