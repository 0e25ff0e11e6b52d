//! EAP over RADIUS on a tokio UDP socket: the rounds of a
//! [`RadiusEap`](mip6lab_engines::aaa::RadiusEap) engine, for a driver that must not block.

use mip6lab_engines::aaa::{EapOutcome, RadiusEap, RadiusEapInput};
use mip6lab_engines::io::{Datagram, SansIo};
use std::time::{Duration, Instant};

/// Runs one round (`input`: the start or the peer's next EAP Response) on `sock` until the
/// engine reports its outcome: transmits sent, datagrams fed in, the engine's timer honoured.
/// `sock` `None` (it could not be bound): nothing is sent and every timer fires at once, so
/// the round ends in a time-out without waiting. `started` is the engine's clock origin.
pub async fn round_udp<R>(
    eap: &mut RadiusEap<R>,
    input: RadiusEapInput<'_>,
    sock: Option<&tokio::net::UdpSocket>,
    started: Instant,
) -> EapOutcome
where
    R: FnMut() -> [u8; 16],
{
    // Without a socket the clock jumps to each deadline instead of sleeping to it.
    let mut skipped = 0u64;
    let now = |skipped: u64| started.elapsed().as_millis() as u64 + skipped;
    eap.handle_input(now(skipped), input);
    let mut buf = [0u8; 4096];
    loop {
        while let Some(t) = eap.poll_transmit() {
            if let Some(s) = sock {
                // A failed send is a lost datagram: the timer retransmits.
                let _ = s.send_to(&t.payload, t.dst).await;
            }
        }
        if let Some(outcome) = eap.poll_event() {
            return outcome;
        }
        let Some(due) = eap.next_timeout() else {
            // Unreachable for a round that began: a request always has a timer.
            return EapOutcome::TimedOut {
                discarded: vec!["no request pending".into()],
            };
        };
        let left = Duration::from_millis(due.saturating_sub(now(skipped)));
        match sock {
            Some(s) => match tokio::time::timeout(left, s.recv_from(&mut buf)).await {
                Ok(Ok((n, from))) => eap.handle_input(
                    now(skipped),
                    RadiusEapInput::Datagram(Datagram::new(from, &buf[..n])),
                ),
                Ok(Err(_)) => {
                    tokio::time::sleep(left).await;
                    eap.handle_timeout(now(skipped));
                }
                Err(_) => eap.handle_timeout(now(skipped)),
            },
            None => {
                skipped += left.as_millis() as u64;
                eap.handle_timeout(now(skipped));
            }
        }
    }
}
