//! EAP over RADIUS on UDP ([`round_udp`] driving a [`RadiusEap`]): the same Access-Requests as the blocking relay
//! of `mip6lab_engines::aaa`, against a scripted AAA server.

use mip6lab_engines::aaa::{EapOutcome, RadiusEap, RadiusEapInput, RelayBackend, RelayConfig};
use mip6lab_engines_io::aaa::round_udp;
use mip6lab_wire::eap;
use mip6lab_wire::radius::{code, Repr};
use std::sync::{Arc, Mutex};

const SECRET: &[u8] = b"mip6lab-radius-secret";

/// A scripted AAA server: answers each Access-Request with the next (code, EAP message).
fn fake_transport(
    mut script: Vec<(u8, Vec<u8>)>,
) -> impl FnMut(Option<&[u8]>) -> Option<Vec<u8>> + Send {
    script.reverse();
    move |d: Option<&[u8]>| {
        let q = Repr::from_bytes(d?).unwrap();
        let (c, e) = script.pop()?;
        let mut r = Repr::new(c, q.identifier, [0; 16]);
        r.push_eap_message(&e);
        Some(r.sign_response(&q.authenticator, SECRET, true).unwrap())
    }
}

/// A predictable random source: 1…1, 2…2, …
fn counter() -> impl FnMut() -> [u8; 16] + Send {
    let mut n = 0u8;
    move || {
        n = n.wrapping_add(1);
        [n; 16]
    }
}

fn md5_request(id: u8) -> Vec<u8> {
    let ch = eap::Md5Challenge {
        value: vec![0x11; 16],
        name: b"aaa".to_vec(),
    };
    eap::Repr::request(id, eap::method::MD5_CHALLENGE, ch.to_bytes().unwrap())
        .to_bytes()
        .unwrap()
}

fn md5_response(id: u8) -> Vec<u8> {
    eap::Repr::response(id, eap::method::MD5_CHALLENGE, vec![16; 17])
        .to_bytes()
        .unwrap()
}

/// A driver's round over UDP ([`round_udp`] on a [`RadiusEap`]) puts the same
/// Access-Requests on the wire as the blocking relay with the same random source, and gets
/// the same outcomes; a datagram from elsewhere is not the answer, and the request goes again
/// when its timer fires.
#[tokio::test]
async fn udp_rounds_send_the_blocking_relays_bytes() {
    use tokio::net::UdpSocket;
    let script = || {
        vec![
            (code::ACCESS_CHALLENGE, md5_request(1)),
            (code::ACCESS_REJECT, vec![4, 1, 0, 4]),
        ]
    };
    // The blocking relay, its requests recorded.
    let sent = Arc::new(Mutex::new(Vec::new()));
    let record = sent.clone();
    let mut server = fake_transport(script());
    let transport = move |d: Option<&[u8]>| {
        if let Some(d) = d {
            record.lock().unwrap().push(d.to_vec());
        }
        server(d)
    };
    let mut blocking = RelayBackend::new(RelayConfig::new(SECRET), transport, counter());
    let want = vec![
        blocking.start(b"mn1@example.com"),
        blocking.step(&md5_response(1)),
    ];
    let want_sent = sent.lock().unwrap().clone();

    // The same over UDP: a fake AAA server answering from a socket, and a stray sender.
    let aaa = UdpSocket::bind("[::1]:0").await.unwrap();
    let server_addr = aaa.local_addr().unwrap();
    let nas = UdpSocket::bind("[::1]:0").await.unwrap();
    let nas_addr = nas.local_addr().unwrap();
    let stray = UdpSocket::bind("[::1]:0").await.unwrap();
    let seen = tokio::spawn(async move {
        let mut answer = fake_transport(script());
        let mut got = Vec::new();
        let mut buf = [0u8; 4096];
        let mut first = true;
        while got.len() < 3 {
            let (n, from) = aaa.recv_from(&mut buf).await.unwrap();
            got.push(buf[..n].to_vec());
            if std::mem::take(&mut first) {
                // Not the server: the relay sends the same request again.
                stray.send_to(b"noise", from).await.unwrap();
                continue;
            }
            let reply = answer(Some(&buf[..n])).unwrap();
            aaa.send_to(&reply, from).await.unwrap();
        }
        got
    });
    let mut eap = RadiusEap::new(RelayConfig::new(SECRET), server_addr, 300, counter());
    let t0 = std::time::Instant::now();
    let start = RadiusEapInput::Start {
        identity: b"mn1@example.com",
    };
    let first = round_udp(&mut eap, start, Some(&nas), t0).await;
    // The stray datagram did not hasten the retransmission.
    assert!(t0.elapsed() >= std::time::Duration::from_millis(300));
    let answer = md5_response(1);
    let step = RadiusEapInput::Response { eap: &answer };
    let second = round_udp(&mut eap, step, Some(&nas), t0).await;
    assert_eq!(vec![first, second], want);
    let got = seen.await.unwrap();
    assert_eq!(
        got,
        [
            want_sent[0].clone(),
            want_sent[0].clone(),
            want_sent[1].clone()
        ],
        "same bytes, the first sent twice"
    );
    assert_ne!(nas_addr, server_addr);
}

/// Without a socket every wait fires at once: retransmissions run out, then a time-out.
#[tokio::test]
async fn a_udp_round_without_a_socket_times_out() {
    let server = "[::1]:1812".parse().unwrap();
    let mut eap = RadiusEap::new(RelayConfig::new(SECRET), server, 2000, counter());
    let t0 = std::time::Instant::now();
    let out = round_udp(
        &mut eap,
        RadiusEapInput::Start { identity: b"mn1" },
        None,
        t0,
    )
    .await;
    assert_eq!(out, EapOutcome::TimedOut { discarded: vec![] });
    assert!(
        t0.elapsed() < std::time::Duration::from_secs(1),
        "no real wait"
    );
    assert_eq!(eap.session().failure_message(), vec![4, 0, 0, 4]);
}
