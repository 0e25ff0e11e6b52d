//! Known answers for the IKEv2 key schedule and PSK AUTH, from a real strongSwan exchange
//! (fixtures/pcaps/ikev2-strongswan-kat): charon logged the shared Diffie-Hellman secret of
//! each IKE SA (dh-secrets.txt) and its SK_e/SK_a keys (keys.log). From the captured nonces
//! and SPIs plus that secret, our SKEYSEED/prf+ must give charon's keys, and our AUTH over the
//! captured IKE_SA_INIT must equal the AUTH charon sent.

use mip6lab_capture::dissect::udp_payloads;
use mip6lab_capture::keylog::KeyLog;
use mip6lab_capture::read_file;
use mip6lab_wire::crypto::{psk_auth, signed_octets, IkeKeys, Prf, Suite};
use mip6lab_wire::ikev2::{sk, Message, PayloadBody};
use std::path::PathBuf;

const PSK: &[u8] = b"mip6lab-mn1-psk-lab-only"; // fixtures/strongswan/mn.swanctl.conf

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/pcaps/ikev2-strongswan-kat")
}

/// Every IKE message of the capture (UDP 500), raw, in frame order.
fn ike_messages() -> Vec<Vec<u8>> {
    udp_payloads(
        &read_file(&dir().join("bootstrap.pcap")).unwrap().frames,
        500,
    )
}

fn nonce(m: &Message) -> Vec<u8> {
    m.payloads
        .iter()
        .find_map(|p| match &p.body {
            PayloadBody::Nonce(n) => Some(n.clone()),
            _ => None,
        })
        .expect("IKE_SA_INIT without a nonce")
}

#[test]
fn skeyseed_prf_plus_and_psk_auth_match_charon() {
    let secrets: Vec<Vec<u8>> = std::fs::read_to_string(dir().join("dh-secrets.txt"))
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| hex::decode(l.split_whitespace().nth(1).unwrap()).unwrap())
        .collect();
    let log = KeyLog::load(dir().join("keys.log")).unwrap();
    let raw = ike_messages();
    let msgs: Vec<Message> = raw
        .iter()
        .map(|b| Message::from_bytes(b).unwrap())
        .collect();

    // IKE_SA_INIT requests that got a response with an established responder SPI, in order.
    let mut checked = 0;
    for (i, req) in msgs.iter().enumerate() {
        if req.exchange != 34 || req.is_response() || req.rspi != [0; 8] {
            continue;
        }
        let Some((_, resp)) = msgs.iter().enumerate().skip(i + 1).find(|(_, m)| {
            m.exchange == 34 && m.is_response() && m.ispi == req.ispi && m.rspi != [0; 8]
        }) else {
            continue;
        };
        let Some(charon) = log.ike_sa(&resp.ispi, &resp.rspi) else {
            continue; // e.g. an INVALID_KE round
        };
        let g_ir = &secrets[checked];
        let suite = Suite {
            encr: charon.encr,
            integ: charon.integ,
            prf: Prf::HmacSha256,
        };
        let (ni, nr) = (nonce(req), nonce(resp));
        let ours =
            IkeKeys::from_shared_secret(suite, g_ir, &ni, &nr, &resp.ispi, &resp.rspi).unwrap();
        assert_eq!(ours.sk_ei, charon.sk_ei, "SK_ei of SA {checked}");
        assert_eq!(ours.sk_er, charon.sk_er, "SK_er of SA {checked}");
        assert_eq!(ours.sk_ai, charon.sk_ai, "SK_ai of SA {checked}");
        assert_eq!(ours.sk_ar, charon.sk_ar, "SK_ar of SA {checked}");

        // The initiator's IKE_AUTH: decrypt with our keys, recompute its AUTH (RFC 7296 §2.15).
        let (k, _) = msgs
            .iter()
            .enumerate()
            .find(|(_, m)| m.exchange == 35 && !m.is_response() && m.ispi == resp.ispi)
            .expect("no IKE_AUTH request");
        let inner = sk::decrypt_ike(&raw[k], &ours).unwrap().inner;
        let (idi, auth) = (
            inner.iter().find_map(|p| match &p.body {
                PayloadBody::IdI(id) => Some(id.clone()),
                _ => None,
            }),
            inner.iter().find_map(|p| match &p.body {
                PayloadBody::Auth(a) => Some(a.clone()),
                _ => None,
            }),
        );
        let (idi, auth) = (idi.expect("IDi"), auth.expect("AUTH"));
        let mut rest_of_id = vec![idi.id_type];
        rest_of_id.extend_from_slice(&idi.reserved);
        rest_of_id.extend_from_slice(&idi.data);
        let octets = signed_octets(suite.prf, &raw[i], &nr, &ours.sk_pi, &rest_of_id);
        assert_eq!(auth.method, 2, "shared key MIC");
        assert_eq!(
            psk_auth(suite.prf, PSK, &octets),
            auth.data,
            "AUTH of SA {checked}"
        );
        checked += 1;
    }
    assert_eq!(checked, secrets.len(), "every logged DH secret was checked");
    assert!(checked >= 2, "both the CBC and the GCM SA");
}
