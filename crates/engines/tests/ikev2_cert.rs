//! Certificate authentication (ECDSA P-256) between two engines in memory, with the lab PKI
//! of `fixtures/pki/`: both ways with RFC 7427 (method 14) and RFC 4754 (method 9); the
//! failures: a subjectAltName that does not bind the ID (either end), a certificate from
//! another CA, a tampered AUTH, an expired certificate, no wall-clock time.

mod ikev2_common;

use ikev2_common::{ha_addr, pool, Pair, PSK};
use mip6lab_engines::ikev2::cert::{self, SIGNATURE_HASH_ALGORITHMS};
use mip6lab_engines::ikev2::{
    Config, Credential, Event, Hooks, IkeEngine, InitiateRequest, Outgoing, ResponderPolicy,
    TrustAnchor,
};
use mip6lab_wire::crypto::IkeKeys;
use mip6lab_wire::ikev2::{exchange, sk, Id, Message, Payload, PayloadBody};
use std::path::PathBuf;

/// 2030-01-01T00:00:00Z: inside the lab certificates' validity.
const T2030: u64 = 1_893_456_000;

fn pki(name: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/pki")
        .join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn cred(name: &str) -> Credential {
    Credential::from_pem(&pki(&format!("{name}.pem")), &pki(&format!("{name}.key"))).unwrap()
}

fn ca() -> TrustAnchor {
    TrustAnchor::from_pem(&pki("ca.pem")).unwrap()
}

fn mn_cfg(cert: &str) -> Config {
    Config::with_cert(Id::fqdn("mn1.example.com"), cred(cert), ca())
}

fn ha_cfg(cert: &str) -> Config {
    let mut c = Config::with_cert(Id::fqdn("ha1.example.com"), cred(cert), ca());
    c.responder = Some(ResponderPolicy::new(ha_addr(), pool()));
    c
}

fn pair(mn: Config, ha: Config) -> Pair {
    let mut p = Pair::new(mn, ha);
    p.mn.set_unix_time(T2030);
    p.ha.set_unix_time(T2030);
    p
}

fn start(p: &mut Pair) {
    let mut req = InitiateRequest::dynamic_hoa(ha_addr());
    req.peer_id = Some(Id::fqdn("ha1.example.com"));
    p.initiate_and_run(req);
}

fn ike_keys(ev: &[Event]) -> Option<IkeKeys> {
    ev.iter().find_map(|e| match e {
        Event::IkeSaEstablished { keys, .. } => Some(keys.clone()),
        _ => None,
    })
}

fn failed(ev: &[Event]) -> Option<String> {
    ev.iter().find_map(|e| match e {
        Event::Failed { reason, .. } => Some(reason.clone()),
        _ => None,
    })
}

/// The decrypted payloads of the first message of `exch` in `msgs`.
fn inner_of(
    msgs: &[Vec<u8>],
    exch: u8,
    keys: &mip6lab_wire::crypto::DirectionKeys,
) -> Vec<Payload> {
    let m = msgs.iter().find(|b| b[18] == exch).expect("message");
    sk::decrypt(m, keys).unwrap().inner
}

fn auth_method(inner: &[Payload]) -> u8 {
    inner
        .iter()
        .find_map(|x| match &x.body {
            PayloadBody::Auth(a) => Some(a.method),
            _ => None,
        })
        .expect("AUTH")
}

fn has_cert(inner: &[Payload], der: &[u8]) -> bool {
    inner
        .iter()
        .any(|x| matches!(&x.body, PayloadBody::Cert(c) if c.encoding == 4 && c.data == der))
}

#[test]
fn certificates_both_ways_with_rfc7427() {
    let mut p = pair(mn_cfg("mn1"), ha_cfg("ha1"));
    start(&mut p);
    assert!(failed(&p.mn_events).is_none(), "{:?}", p.mn_events);
    let keys = ike_keys(&p.mn_events).expect("MN: IKE SA up");
    let ha_peer = p.ha_events.iter().find_map(|e| match e {
        Event::IkeSaEstablished { peer_id, .. } => Some(peer_id.clone()),
        _ => None,
    });
    assert_eq!(ha_peer, Some(Id::fqdn("mn1.example.com")));
    assert_eq!(ikev2_common::children(&p.mn_events).len(), 1);

    // IKE_SA_INIT: both announce SHA2-256/384/512; the HA asks for a certificate of the CA.
    let init_req = Message::from_bytes(&p.to_ha[0]).unwrap();
    let init_resp = Message::from_bytes(&p.to_mn[0]).unwrap();
    for m in [&init_req, &init_resp] {
        let n = m
            .payloads
            .iter()
            .find_map(|x| match &x.body {
                PayloadBody::Notify(n) if n.notify_type == SIGNATURE_HASH_ALGORITHMS => Some(n),
                _ => None,
            })
            .expect("SIGNATURE_HASH_ALGORITHMS");
        assert_eq!(n.data, [0, 2, 0, 3, 0, 4]);
    }
    let certreq = init_resp
        .payloads
        .iter()
        .find_map(|x| match &x.body {
            PayloadBody::CertReq(c) => Some(c.clone()),
            _ => None,
        })
        .expect("CERTREQ in the IKE_SA_INIT response");
    assert_eq!(certreq.encoding, 4);
    assert_eq!(certreq.data, ca().spki_sha1());

    // IKE_AUTH: IDi, CERT, CERTREQ, …, AUTH method 14 (and the same back).
    let req = inner_of(&p.to_ha, exchange::IKE_AUTH, &keys.initiator());
    let resp = inner_of(&p.to_mn, exchange::IKE_AUTH, &keys.responder());
    assert!(matches!(req[0].body, PayloadBody::IdI(_)));
    assert!(has_cert(&req, cred("mn1").cert_der()));
    assert!(matches!(req[2].body, PayloadBody::CertReq(_)));
    assert!(matches!(resp[0].body, PayloadBody::IdR(_)));
    assert!(has_cert(&resp, cred("ha1").cert_der()));
    assert_eq!(auth_method(&req), 14);
    assert_eq!(auth_method(&resp), 14);
}

#[test]
fn method_9_without_rfc7427() {
    let mut mn = mn_cfg("mn1");
    mn.rfc7427 = false;
    let mut p = pair(mn, ha_cfg("ha1"));
    start(&mut p);
    let keys = ike_keys(&p.mn_events).expect("MN: IKE SA up");
    assert!(ike_keys(&p.ha_events).is_some());
    let req = inner_of(&p.to_ha, exchange::IKE_AUTH, &keys.initiator());
    let resp = inner_of(&p.to_mn, exchange::IKE_AUTH, &keys.responder());
    assert_eq!(auth_method(&req), 9);
    assert_eq!(auth_method(&resp), 9, "the HA got no hash list: RFC 4754");
}

#[test]
fn ha_certificate_and_mn_shared_key() {
    // RFC 4877: the HA with a certificate, the MN with a shared key.
    let mut mn = Config::new(
        Id::fqdn("mn1.example.com"),
        vec![(Id::fqdn("ha1.example.com"), PSK.to_vec())],
    );
    mn.trust_anchors = vec![ca()];
    let mut ha = ha_cfg("ha1");
    ha.psks = vec![(Id::fqdn("mn1.example.com"), PSK.to_vec())];
    let mut p = pair(mn, ha);
    start(&mut p);
    let keys = ike_keys(&p.mn_events).expect("MN: IKE SA up");
    assert!(ike_keys(&p.ha_events).is_some());
    let req = inner_of(&p.to_ha, exchange::IKE_AUTH, &keys.initiator());
    let resp = inner_of(&p.to_mn, exchange::IKE_AUTH, &keys.responder());
    assert_eq!(auth_method(&req), 2);
    assert_eq!(auth_method(&resp), 14);
}

fn assert_ha_refuses(p: &Pair, why: &str) {
    let mn = failed(&p.mn_events).expect("MN fails");
    assert!(mn.contains("AUTHENTICATION_FAILED"), "{mn}");
    let ha = failed(&p.ha_events).expect("HA fails");
    assert!(ha.contains(why), "{ha}");
    assert!(ike_keys(&p.mn_events).is_none() && ike_keys(&p.ha_events).is_none());
    assert_eq!(p.mn.sa_count() + p.ha.sa_count(), 0);
}

#[test]
fn mn_certificate_not_binding_its_id_is_refused() {
    // The MN claims mn1.example.com with the HA's certificate (SAN ha1.example.com).
    let mut p = pair(mn_cfg("ha1"), ha_cfg("ha1"));
    start(&mut p);
    assert_ha_refuses(&p, "does not bind the peer's ID mn1.example.com");
    let last = p.to_mn.last().unwrap();
    assert_eq!(last[18], exchange::IKE_AUTH);
}

#[test]
fn ha_certificate_not_binding_its_id_is_refused() {
    // The HA claims ha1.example.com with the MN's certificate (SAN mn1.example.com).
    let mut p = pair(mn_cfg("mn1"), ha_cfg("mn1"));
    start(&mut p);
    let mn = failed(&p.mn_events).expect("MN fails");
    assert!(
        mn.contains("does not bind the peer's ID ha1.example.com"),
        "{mn}"
    );
    // The MN tells the HA in an INFORMATIONAL with N(AUTHENTICATION_FAILED).
    let ha = failed(&p.ha_events).expect("HA fails");
    assert!(ha.contains("AUTHENTICATION_FAILED"), "{ha}");
    let last = p.to_ha.last().unwrap();
    assert_eq!(last[18], exchange::INFORMATIONAL);
}

#[test]
fn certificate_from_another_ca_is_refused() {
    let mut p = pair(mn_cfg("mn1-other"), ha_cfg("ha1"));
    start(&mut p);
    assert_ha_refuses(&p, "not a trusted CA");
}

#[test]
fn expired_certificate_is_refused() {
    let mut p = pair(mn_cfg("mn1"), ha_cfg("ha1"));
    p.ha.set_unix_time(T2030 + 40 * 365 * 86_400);
    start(&mut p);
    assert_ha_refuses(&p, "not valid at Unix time");
}

#[test]
fn no_wall_clock_no_certificates() {
    let mut p = Pair::new(mn_cfg("mn1"), ha_cfg("ha1"));
    p.mn.set_unix_time(T2030);
    start(&mut p);
    assert_ha_refuses(&p, "no wall-clock time");
}

fn tamper_auth(mn: &mut IkeEngine) {
    mn.set_hooks(Hooks {
        repr: Some(Box::new(|o: &mut Outgoing| {
            if o.message.exchange != exchange::IKE_AUTH {
                return;
            }
            for x in o.inner.iter_mut().flatten() {
                if let PayloadBody::Auth(a) = &mut x.body {
                    let n = a.data.len();
                    a.data[n - 5] ^= 0x01;
                }
            }
        })),
        bytes: None,
    });
}

#[test]
fn tampered_auth_is_refused() {
    for rfc7427 in [true, false] {
        let mut mn = mn_cfg("mn1");
        mn.rfc7427 = rfc7427;
        let mut p = pair(mn, ha_cfg("ha1"));
        tamper_auth(&mut p.mn);
        start(&mut p);
        assert_ha_refuses(&p, "does not verify");
    }
}

#[test]
fn tampered_responder_auth_is_refused() {
    let mut p = pair(mn_cfg("mn1"), ha_cfg("ha1"));
    tamper_auth(&mut p.ha);
    start(&mut p);
    let mn = failed(&p.mn_events).expect("MN fails");
    assert!(mn.contains("does not verify"), "{mn}");
    let ha = failed(&p.ha_events).expect("HA told");
    assert!(ha.contains("AUTHENTICATION_FAILED"), "{ha}");
}

#[test]
fn psk_only_configurations_send_no_certificate_payloads() {
    let mut p = Pair::default();
    start(&mut p);
    let keys = ike_keys(&p.mn_events).unwrap();
    for b in p.to_ha.iter().chain(&p.to_mn).take(2) {
        let m = Message::from_bytes(b).unwrap();
        assert!(m.payloads.iter().all(|x| !matches!(
            &x.body,
            PayloadBody::CertReq(_)
                | PayloadBody::Notify(mip6lab_wire::ikev2::Notify {
                    notify_type: SIGNATURE_HASH_ALGORITHMS,
                    ..
                })
        )));
    }
    let req = inner_of(&p.to_ha, exchange::IKE_AUTH, &keys.initiator());
    assert!(req
        .iter()
        .all(|x| !matches!(x.body, PayloadBody::Cert(_) | PayloadBody::CertReq(_))));
}

#[test]
fn the_lab_pki_parses_and_chains() {
    let anchors = [ca()];
    for (name, fqdn) in [("ha1", "ha1.example.com"), ("mn1", "mn1.example.com")] {
        let c = cred(name);
        cert::verify_peer_cert(c.cert_der(), &anchors, Some(T2030), Some(&Id::fqdn(fqdn))).unwrap();
        let so = b"signed octets";
        for m in [9, 14] {
            let sig = c.sign(m, so);
            let key =
                cert::verify_peer_cert(c.cert_der(), &anchors, Some(T2030), Some(&Id::fqdn(fqdn)))
                    .unwrap();
            cert::verify_auth(m, &sig, &key, so).unwrap();
            assert!(cert::verify_auth(m, &sig, &key, b"other octets").is_err());
        }
    }
    // A key that does not match its certificate is refused.
    assert!(Credential::from_pem(&pki("ha1.pem"), &pki("mn1.key")).is_err());
    let other = cred("mn1-other");
    assert!(cert::verify_peer_cert(
        other.cert_der(),
        &anchors,
        Some(T2030),
        Some(&Id::fqdn("mn1.example.com"))
    )
    .unwrap_err()
    .contains("not a trusted CA"));
}

// ------------------------------------------------------------ EAP with the HA's certificate

/// A toy EAP method (experimental type 255): the peer echoes the challenge; MSK fixed.
struct EchoServer;
struct EchoClient(bool);

const MSK: [u8; 64] = [0x5a; 64];

fn eap_bytes(code: u8, id: u8, data: Vec<u8>) -> Vec<u8> {
    PayloadBody::Eap(mip6lab_wire::ikev2::Eap {
        code,
        identifier: id,
        data,
    })
    .body_bytes()
}

impl mip6lab_engines::ikev2::EapBackend for EchoServer {
    fn start(&mut self, _identity: &[u8]) -> mip6lab_engines::ikev2::EapStep {
        mip6lab_engines::ikev2::EapStep::Send(eap_bytes(1, 1, vec![255, 1, 2, 3]))
    }
    fn step(&mut self, m: &[u8]) -> mip6lab_engines::ikev2::EapStep {
        let e = mip6lab_wire::ikev2::Eap::parse(m).unwrap();
        if e.code == 2 && e.data == [255, 1, 2, 3] {
            mip6lab_engines::ikev2::EapStep::Success {
                msk: MSK.to_vec(),
                final_msg: eap_bytes(3, e.identifier, vec![]),
            }
        } else {
            mip6lab_engines::ikev2::EapStep::Failure(eap_bytes(4, e.identifier, vec![]))
        }
    }
}

impl mip6lab_engines::ikev2::EapClient for EchoClient {
    fn step(&mut self, req: &[u8]) -> Option<Vec<u8>> {
        let e = mip6lab_wire::ikev2::Eap::parse(req).ok()?;
        self.0 = true;
        Some(eap_bytes(2, e.identifier, e.data))
    }
    fn msk(&self) -> Option<Vec<u8>> {
        self.0.then(|| MSK.to_vec())
    }
}

fn eap_pair(ha_cert: &str) -> Pair {
    // RFC 4877 §4.4 / RFC 5026: the HA authenticates with its certificate, the MN with EAP.
    let mut mn = Config::new(Id::fqdn("mn1.example.com"), Vec::new());
    mn.trust_anchors = vec![ca()];
    let mut p = pair(mn, ha_cfg(ha_cert));
    p.ha.set_eap_backend(Box::new(|| Box::new(EchoServer)));
    p.mn.set_eap_client(Box::new(|| Box::new(EchoClient(false))));
    let mut req = InitiateRequest::dynamic_hoa(ha_addr());
    req.peer_id = Some(Id::fqdn("ha1.example.com"));
    req.eap = true;
    p.initiate_and_run(req);
    p
}

#[test]
fn eap_peer_with_ha_certificate() {
    let p = eap_pair("ha1");
    assert!(failed(&p.mn_events).is_none(), "{:?}", p.mn_events);
    let keys = ike_keys(&p.mn_events).expect("MN: IKE SA up");
    assert!(ike_keys(&p.ha_events).is_some());
    // The first IKE_AUTH response: IDr, CERT, AUTH (signature), EAP Request.
    let resp = inner_of(&p.to_mn, exchange::IKE_AUTH, &keys.responder());
    assert!(matches!(resp[0].body, PayloadBody::IdR(_)));
    assert!(has_cert(&resp, cred("ha1").cert_der()));
    assert_eq!(auth_method(&resp), 14);
    assert!(matches!(resp.last().unwrap().body, PayloadBody::Eap(_)));
}

#[test]
fn eap_peer_refuses_ha_certificate_not_binding_its_id() {
    let p = eap_pair("mn1");
    let mn = failed(&p.mn_events).expect("MN fails");
    assert!(
        mn.contains("does not bind the peer's ID ha1.example.com"),
        "{mn}"
    );
    assert!(ike_keys(&p.mn_events).is_none());
}

/// RFC 4877 §7.3: an address in IDi must be an iPAddress subjectAltName of the certificate;
/// mn1's certificate names only its FQDN.
#[test]
fn an_address_id_needs_an_ip_address_in_the_certificate() {
    let anchors = [ca()];
    let mn1 = cred("mn1");
    let hoa: std::net::Ipv6Addr = "2001:db8:1:100::77".parse().unwrap();
    let err = cert::verify_peer_cert(mn1.cert_der(), &anchors, Some(T2030), Some(&Id::ipv6(hoa)))
        .unwrap_err();
    assert!(err.contains("does not bind"), "{err}");
    // Unbound (the mutant's setting) it would pass: the check is what refuses it.
    assert!(cert::verify_peer_cert(mn1.cert_der(), &anchors, Some(T2030), None).is_ok());
}
