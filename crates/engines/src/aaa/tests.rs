use super::*;

const SECRET: &[u8] = b"mip6lab-radius-secret";

fn relay() -> EapRelay {
    let mut cfg = RelayConfig::new(SECRET);
    cfg.nas_identifier = Some("ha1".into());
    cfg.nas_ipv6_address = Some("2001:db8:1::a1".parse().unwrap());
    EapRelay::new(cfg)
}

/// What an AAA server would answer to `req` (a datagram from the relay).
fn answer(req: &[u8], code: u8, eap_msg: Option<&[u8]>, state: Option<&[u8]>) -> Vec<u8> {
    let q = Repr::from_bytes(req).unwrap();
    let mut r = Repr::new(code, q.identifier, [0; 16]);
    if let Some(e) = eap_msg {
        r.push_eap_message(e);
    }
    if let Some(s) = state {
        r.push(Attribute::new(attr::STATE, s.to_vec()));
    }
    r.sign_response(&q.authenticator, SECRET, true).unwrap()
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

#[test]
fn access_request_carries_identity_nas_and_message_authenticator() {
    let mut r = relay();
    let d = r.start(b"mn1@example.com", 5, [1; 16]).unwrap();
    let q = Repr::from_bytes(&d).unwrap();
    assert_eq!(q.code, code::ACCESS_REQUEST);
    assert_eq!(q.identifier, 5);
    assert_eq!(q.authenticator, [1; 16]);
    assert_eq!(q.value(attr::USER_NAME), Some(&b"mn1@example.com"[..]));
    assert_eq!(q.value(attr::NAS_IDENTIFIER), Some(&b"ha1"[..]));
    assert_eq!(q.value(attr::SERVICE_TYPE), Some(&[0, 0, 0, 2][..]));
    assert_eq!(q.value(attr::NAS_IPV6_ADDRESS).unwrap().len(), 16);
    assert_eq!(q.value(attr::STATE), None);
    let e = eap::Repr::from_bytes(&q.eap_message().unwrap()).unwrap();
    assert_eq!(e.identity(), Some(&b"mn1@example.com"[..]));
    assert_eq!(
        radius::verify_message_authenticator(&d, &[1; 16], SECRET).unwrap(),
        Some(true)
    );
    assert_eq!(r.request(&d, 6, [2; 16]), Err(RelayError::Busy));
}

#[test]
fn challenge_then_accept_echoes_state_and_recovers_the_msk() {
    let mut r = relay();
    let d1 = r.start(b"mn1@example.com", 1, [1; 16]).unwrap();
    let ev = r.on_reply(&answer(
        &d1,
        code::ACCESS_CHALLENGE,
        Some(&md5_request(2)),
        Some(b"state-1"),
    ));
    let RelayEvent::Challenge { eap: e } = ev else {
        panic!("{ev:?}")
    };
    let resp = eap::answer_md5_challenge(&eap::Repr::from_bytes(&e).unwrap(), b"pw", b"")
        .unwrap()
        .to_bytes()
        .unwrap();
    let d2 = r.request(&resp, 2, [2; 16]).unwrap();
    let q2 = Repr::from_bytes(&d2).unwrap();
    assert_eq!(q2.value(attr::STATE), Some(&b"state-1"[..]));
    assert_eq!(q2.value(attr::USER_NAME), Some(&b"mn1@example.com"[..]));
    // The Accept with MS-MPPE keys, encrypted with this request's authenticator.
    let mut acc = Repr::new(code::ACCESS_ACCEPT, 2, [0; 16]);
    acc.push_eap_message(&eap::Repr::success(2).to_bytes().unwrap());
    for (t, k) in [
        (radius::MS_MPPE_RECV_KEY, [0xa; 32]),
        (radius::MS_MPPE_SEND_KEY, [0xb; 32]),
    ] {
        let v = radius::encrypt_mppe_key(&k, 0x8000 | u16::from(t), &[2; 16], SECRET).unwrap();
        acc.push(Attribute::vendor(radius::VENDOR_MICROSOFT, t, &v));
    }
    let acc = acc.sign_response(&[2; 16], SECRET, true).unwrap();
    match r.on_reply(&acc) {
        RelayEvent::Accept { eap, msk, .. } => {
            assert_eq!(eap.unwrap(), [3, 2, 0, 4]);
            let msk = msk.unwrap();
            assert_eq!(&msk[..32], &[0xa; 32]);
            assert_eq!(&msk[32..], &[0xb; 32]);
        }
        ev => panic!("{ev:?}"),
    }
    assert!(r.is_finished());
    assert_eq!(r.request(&resp, 3, [3; 16]), Err(RelayError::Finished));
}

#[test]
fn forged_and_stray_replies_are_discarded_and_the_request_stays_pending() {
    let mut r = relay();
    let d = r.start(b"mn1", 9, [4; 16]).unwrap();
    let good = answer(&d, code::ACCESS_ACCEPT, Some(&[3, 1, 0, 4]), None);
    // Wrong Identifier.
    let mut x = good.clone();
    x[1] = 10;
    assert!(
        matches!(r.on_reply(&x), RelayEvent::Discarded { reason } if reason.contains("Identifier"))
    );
    // Tampered attribute: Response Authenticator fails.
    let mut x = good.clone();
    let n = x.len();
    x[n - 1] ^= 1;
    assert!(
        matches!(r.on_reply(&x), RelayEvent::Discarded { reason } if reason.contains("Response Authenticator"))
    );
    // Signed with another secret.
    let q = Repr::from_bytes(&d).unwrap();
    let mut forged = Repr::new(code::ACCESS_ACCEPT, 9, [0; 16]);
    forged.push_eap_message(&[3, 1, 0, 4]);
    let f = forged
        .sign_response(&q.authenticator, b"other", true)
        .unwrap();
    assert!(matches!(r.on_reply(&f), RelayEvent::Discarded { .. }));
    // Right Response Authenticator, wrong Message-Authenticator.
    let mut bad_ma = Repr::new(code::ACCESS_ACCEPT, 9, [0; 16]);
    bad_ma.push_eap_message(&[3, 1, 0, 4]);
    bad_ma.push(Attribute::new(attr::MESSAGE_AUTHENTICATOR, [7u8; 16]));
    bad_ma.authenticator = q.authenticator;
    let mut b = bad_ma.to_bytes().unwrap();
    let ra = radius::response_authenticator(&b, &q.authenticator, SECRET).unwrap();
    b[4..20].copy_from_slice(&ra);
    assert!(
        matches!(r.on_reply(&b), RelayEvent::Discarded { reason } if reason.contains("wrong Message-Authenticator"))
    );
    // EAP-Message without Message-Authenticator.
    let mut no_ma = Repr::new(code::ACCESS_ACCEPT, 9, [0; 16]);
    no_ma.push_eap_message(&[3, 1, 0, 4]);
    let b = no_ma
        .sign_response(&q.authenticator, SECRET, false)
        .unwrap();
    assert!(
        matches!(r.on_reply(&b), RelayEvent::Discarded { reason } if reason.contains("RFC 3579"))
    );
    assert!(
        matches!(r.on_reply(&[1, 2, 3]), RelayEvent::Discarded { reason } if reason.contains("malformed"))
    );
    assert!(r.is_pending());
    // The genuine reply still counts.
    assert!(matches!(
        r.on_reply(&good),
        RelayEvent::Accept { msk: None, .. }
    ));
}

#[test]
fn reject_ends_the_exchange() {
    let mut r = relay();
    let d = r.start(b"mn1", 1, [4; 16]).unwrap();
    let rej = answer(&d, code::ACCESS_REJECT, Some(&[4, 1, 0, 4]), None);
    assert!(
        matches!(r.on_reply(&rej), RelayEvent::Reject { eap: Some(e), .. } if e == [4, 1, 0, 4])
    );
    assert!(r.is_finished());
}

#[test]
fn retransmissions_repeat_the_datagram_and_are_bounded() {
    let mut r = relay();
    let d = r.start(b"mn1", 1, [4; 16]).unwrap();
    for _ in 0..3 {
        assert_eq!(r.on_timeout(), RelayEvent::Retransmit(d.clone()));
    }
    assert_eq!(r.on_timeout(), RelayEvent::TimedOut);
    assert!(r.is_finished());
    let mut sent = 0;
    let mut r = relay();
    let d = r.start(b"mn1", 1, [4; 16]).unwrap();
    let out = exchange(&mut r, d, &mut |s| {
        sent += usize::from(s.is_some());
        None
    });
    assert_eq!(out, EapOutcome::TimedOut { discarded: vec![] });
    assert_eq!(sent, 4);
}

#[test]
fn only_eap_responses_are_relayed() {
    let mut r = relay();
    assert!(matches!(
        r.request(&md5_request(1), 1, [0; 16]),
        Err(RelayError::NotAResponse(_))
    ));
    assert!(matches!(
        r.request(&[2, 1], 1, [0; 16]),
        Err(RelayError::NotAResponse(_))
    ));
}

#[test]
fn backend_runs_rounds_with_fresh_identifiers_and_authenticators() {
    let mut seen: Vec<(u8, [u8; 16])> = Vec::new();
    let mut n = 0u8;
    let mut b = RelayBackend::new(
        RelayConfig::new(SECRET),
        |d: Option<&[u8]>| {
            let d = d?;
            let q = Repr::from_bytes(d).unwrap();
            seen.push((q.identifier, q.authenticator));
            Some(match seen.len() {
                1 => answer(d, code::ACCESS_CHALLENGE, Some(&md5_request(7)), Some(b"s")),
                _ => answer(d, code::ACCESS_REJECT, Some(&[4, 7, 0, 4]), None),
            })
        },
        || {
            n += 1;
            [n; 16]
        },
    );
    assert_eq!(b.start(b"mn1"), EapOutcome::Continue(md5_request(7)));
    let resp = eap::Repr::response(7, eap::method::MD5_CHALLENGE, vec![1, 0])
        .to_bytes()
        .unwrap();
    assert_eq!(
        b.step(&resp),
        EapOutcome::Failure {
            eap: Some(vec![4, 7, 0, 4])
        }
    );
    assert_eq!(b.failure_message(), [4, 7, 0, 4]);
    assert!(matches!(
        b.step(&resp),
        EapOutcome::Invalid(RelayError::Finished)
    ));
    drop(b);
    // Identifiers count up from the first random octet; authenticators are fresh.
    assert_eq!(seen, [(1, [2; 16]), (2, [3; 16])]);
}

#[test]
fn exchange_skips_discarded_replies() {
    let mut r = relay();
    let d = r.start(b"mn1", 1, [4; 16]).unwrap();
    let good = answer(&d, code::ACCESS_CHALLENGE, Some(&md5_request(2)), None);
    let mut replies = vec![good, vec![0; 5]];
    let out = exchange(&mut r, d, &mut |_| replies.pop());
    assert_eq!(out, EapOutcome::Continue(md5_request(2)));
}

// ------------------------------------------------ the engine's EapBackend (adapter)

use crate::ikev2::{EapBackend, EapClient, EapStep};
use std::sync::{Arc, Mutex};

/// A fake AAA server behind a transport closure: answers each Access-Request with the
/// next scripted reply (code, EAP message, MS-MPPE keys).
type Script = Vec<(u8, Vec<u8>, Option<([u8; 16], [u8; 16])>)>;

fn fake_transport(mut script: Script) -> impl FnMut(Option<&[u8]>) -> Option<Vec<u8>> + Send {
    script.reverse();
    move |d: Option<&[u8]>| {
        let d = d?;
        let q = Repr::from_bytes(d).unwrap();
        let (c, e, keys) = script.pop()?;
        let mut r = Repr::new(c, q.identifier, [0; 16]);
        r.push_eap_message(&e);
        if let Some((rk, sk)) = keys {
            for (t, k) in [
                (radius::MS_MPPE_RECV_KEY, rk),
                (radius::MS_MPPE_SEND_KEY, sk),
            ] {
                let v =
                    radius::encrypt_mppe_key(&k, 0x8000 | u16::from(t), &q.authenticator, SECRET)
                        .unwrap();
                r.push(Attribute::vendor(radius::VENDOR_MICROSOFT, t, &v));
            }
        }
        Some(r.sign_response(&q.authenticator, SECRET, true).unwrap())
    }
}

fn counter() -> impl FnMut() -> [u8; 16] + Send {
    let mut n = 0u8;
    move || {
        n = n.wrapping_add(1);
        [n; 16]
    }
}

fn md5_response(id: u8) -> Vec<u8> {
    eap::Repr::response(id, eap::method::MD5_CHALLENGE, vec![16; 17])
        .to_bytes()
        .unwrap()
}

#[test]
fn adapter_maps_challenge_and_keyed_accept_to_send_and_success() {
    let script = vec![
        (code::ACCESS_CHALLENGE, md5_request(1), None),
        (
            code::ACCESS_ACCEPT,
            vec![3, 1, 0, 4],
            Some(([0xa; 16], [0xb; 16])),
        ),
    ];
    let notes: Notes = Arc::new(Mutex::new(Vec::new()));
    let relay = RelayBackend::new(RelayConfig::new(SECRET), fake_transport(script), counter());
    let mut b = RadiusEapBackend::inline(relay).with_notes(notes.clone());
    assert_eq!(b.start(b"mn1@example.com"), EapStep::Send(md5_request(1)));
    match b.step(&md5_response(1)) {
        EapStep::Success { msk, final_msg } => {
            assert_eq!(msk, [[0xa; 16], [0xb; 16]].concat());
            assert_eq!(final_msg, [3, 1, 0, 4]);
        }
        s => panic!("{s:?}"),
    }
    assert_eq!(
        *notes.lock().unwrap(),
        [
            "Access-Challenge: EAP Request/MD5-Challenge",
            "Access-Accept: MSK of 32 octets"
        ]
    );
}

#[test]
fn adapter_refuses_an_accept_without_msk() {
    // EAP-MD5: Access-Accept, EAP-Success, no MS-MPPE keys.
    let script = vec![
        (code::ACCESS_CHALLENGE, md5_request(1), None),
        (code::ACCESS_ACCEPT, vec![3, 1, 0, 4], None),
    ];
    let relay = RelayBackend::new(RelayConfig::new(SECRET), fake_transport(script), counter());
    let mut b = RadiusEapBackend::inline(relay);
    assert!(matches!(b.start(b"mn1"), EapStep::Send(_)));
    // The peer gets an EAP-Failure (same Identifier), never the Success.
    assert_eq!(b.step(&md5_response(1)), EapStep::Failure(vec![4, 1, 0, 4]));
    assert_eq!(b.last_reason(), Some(NO_MSK_REASON));
    assert!(NO_MSK_REASON.contains("key-generating"));
}

#[test]
fn adapter_maps_reject_time_out_and_invalid_to_failure() {
    // Reject without an EAP-Message: the adapter makes the EAP-Failure.
    let script = vec![(code::ACCESS_REJECT, vec![4, 0, 0, 4], None)];
    let relay = RelayBackend::new(RelayConfig::new(SECRET), fake_transport(script), counter());
    let mut b = RadiusEapBackend::inline(relay);
    assert_eq!(b.start(b"mn1"), EapStep::Failure(vec![4, 0, 0, 4]));
    assert_eq!(b.last_reason(), Some("Access-Reject"));
    // Finished: the next message is not relayed.
    assert_eq!(b.step(&md5_response(9)), EapStep::Failure(vec![4, 9, 0, 4]));
    assert!(b.last_reason().unwrap().starts_with("not relayed"));
    // Silent server: retransmissions, then failure.
    let relay = RelayBackend::new(RelayConfig::new(SECRET), |_: Option<&[u8]>| None, counter());
    let mut b = RadiusEapBackend::inline(relay);
    assert_eq!(b.start(b"mn1"), EapStep::Failure(vec![4, 0, 0, 4]));
    assert!(b.last_reason().unwrap().starts_with("no answer"));
    // Outcome mapping without an EAP-Success from the server.
    let (s, _) = outcome_to_step(
        EapOutcome::Success {
            eap: None,
            msk: Some(vec![1; 64]),
        },
        7,
    );
    assert_eq!(
        s,
        EapStep::Success {
            msk: vec![1; 64],
            final_msg: vec![3, 7, 0, 4]
        }
    );
}

#[test]
fn mschapv2_client_derives_the_servers_msk_and_checks_its_proof() {
    use mip6lab_wire::eap::mschapv2;
    let (user, pw) = (b"mn1@example.com", "mn1-secret");
    let mut c = MschapV2Client::new(user.to_vec(), pw, Box::new(|| [0x42; 16]));
    // MD5 offered first: Nak for MSCHAPv2.
    let nak = c.step(&md5_request(1)).unwrap();
    assert_eq!(nak, [2, 1, 0, 6, eap::method::NAK, eap::method::MSCHAPV2]);
    let ac = [0x11; 16];
    let ch = mschapv2::Packet::new(mschapv2::OP_CHALLENGE, 2, [&[16][..], &ac, b"aaa"].concat());
    let req = eap::Repr::request(2, eap::method::MSCHAPV2, ch.to_bytes())
        .to_bytes()
        .unwrap();
    let resp = eap::Repr::from_bytes(&c.step(&req).unwrap()).unwrap();
    let r = mschapv2::Packet::parse(&resp.data).unwrap();
    let nt: [u8; 24] = r.header.unwrap().data[25..49].try_into().unwrap();
    assert_eq!(nt, mschapv2::nt_response(&ac, &[0x42; 16], user, pw));
    assert_eq!(c.msk(), None);
    // A Success with a wrong proof: the client gives up.
    let bad = mschapv2::Packet::new(mschapv2::OP_SUCCESS, 2, b"S=00 M=ok".to_vec());
    let bad = eap::Repr::request(3, eap::method::MSCHAPV2, bad.to_bytes())
        .to_bytes()
        .unwrap();
    assert_eq!(c.step(&bad), None);
    let proof = mschapv2::authenticator_response(pw, &nt, &[0x42; 16], &ac, user);
    let ok = mschapv2::Packet::new(mschapv2::OP_SUCCESS, 2, proof.into_bytes());
    let ok = eap::Repr::request(3, eap::method::MSCHAPV2, ok.to_bytes())
        .to_bytes()
        .unwrap();
    assert_eq!(c.step(&ok).unwrap(), [2, 3, 0, 6, eap::method::MSCHAPV2, 3]);
    assert!(c.server_proved);
    let hh = mschapv2::hash_nt_password_hash(&mschapv2::nt_password_hash(pw));
    let mk = mschapv2::master_key(&hh, &nt);
    assert_eq!(
        c.msk().unwrap(),
        [
            mschapv2::asymmetric_start_key(&mk, false, true),
            mschapv2::asymmetric_start_key(&mk, true, true)
        ]
        .concat()
    );
}

mod sans_io {
    use super::*;
    use crate::io::{Datagram, SansIo};

    const SERVER: &str = "[2001:db8:1::18]:1812";

    fn engine() -> RadiusEap<impl FnMut() -> [u8; 16]> {
        let mut n = 0u8;
        RadiusEap::new(
            RelayConfig::new(SECRET),
            SERVER.parse().unwrap(),
            2000,
            move || {
                n = n.wrapping_add(1);
                [n; 16]
            },
        )
    }

    #[test]
    fn a_round_goes_to_the_server_and_ends_in_one_outcome() {
        let mut e = engine();
        e.handle_input(100, RadiusEapInput::Start { identity: b"mn1" });
        let t = e.poll_transmit().unwrap();
        assert_eq!(t.dst, SERVER.parse().unwrap());
        assert_eq!(e.next_timeout(), Some(2100));
        let reply = answer(
            &t.payload,
            code::ACCESS_CHALLENGE,
            Some(&md5_request(1)),
            None,
        );
        let from = SERVER.parse().unwrap();
        e.handle_input(150, RadiusEapInput::Datagram(Datagram::new(from, &reply)));
        assert_eq!(e.poll_event(), Some(EapOutcome::Continue(md5_request(1))));
        assert_eq!(e.next_timeout(), None, "no timer between rounds");
        assert_eq!(e.poll_transmit(), None);
    }

    #[test]
    fn the_timer_retransmits_the_same_bytes_then_gives_up() {
        let mut e = engine();
        e.handle_input(0, RadiusEapInput::Start { identity: b"mn1" });
        let first = e.poll_transmit().unwrap();
        // Early: nothing happens.
        e.handle_timeout(1999);
        assert_eq!(e.poll_transmit(), None);
        let mut now = 2000;
        for _ in 0..RelayConfig::new(SECRET).max_retransmits {
            e.handle_timeout(now);
            assert_eq!(e.poll_transmit(), Some(first.clone()));
            now += 2000;
        }
        e.handle_timeout(now);
        assert_eq!(e.poll_transmit(), None);
        assert_eq!(
            e.poll_event(),
            Some(EapOutcome::TimedOut { discarded: vec![] })
        );
    }

    #[test]
    fn a_stranger_or_a_forged_reply_neither_ends_the_round_nor_moves_the_timer() {
        let mut e = engine();
        e.handle_input(0, RadiusEapInput::Start { identity: b"mn1" });
        let t = e.poll_transmit().unwrap();
        let good = answer(&t.payload, code::ACCESS_REJECT, Some(&[4, 0, 0, 4]), None);
        let stranger = "[2001:db8:1::99]:1812".parse().unwrap();
        e.handle_input(10, RadiusEapInput::Datagram(Datagram::new(stranger, &good)));
        let mut forged = good.clone();
        forged[4] ^= 1;
        let from = SERVER.parse().unwrap();
        e.handle_input(20, RadiusEapInput::Datagram(Datagram::new(from, &forged)));
        assert_eq!(e.poll_event(), None);
        assert_eq!(e.next_timeout(), Some(2000));
        e.handle_input(30, RadiusEapInput::Datagram(Datagram::new(from, &good)));
        assert_eq!(
            e.poll_event(),
            Some(EapOutcome::Failure {
                eap: Some(vec![4, 0, 0, 4])
            })
        );
    }

    #[test]
    fn a_request_that_is_not_an_eap_response_is_invalid_and_sends_nothing() {
        let mut e = engine();
        e.handle_input(
            0,
            RadiusEapInput::Response {
                eap: &md5_request(1),
            },
        );
        assert!(matches!(
            e.poll_event(),
            Some(EapOutcome::Invalid(RelayError::NotAResponse(_)))
        ));
        assert_eq!(e.poll_transmit(), None);
        assert_eq!(e.next_timeout(), None);
    }
}
