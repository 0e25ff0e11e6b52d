//! EAP in IKE_AUTH (RFC 7296 §2.16) between the harness initiator and responder, with a toy
//! challenge-response method (experimental EAP type 255): response = HMAC-SHA-256(password,
//! challenge), MSK = HMAC-SHA-256(password, "msk" | challenge) twice (64 octets).

mod ikev2_common;

use ikev2_common::*;
use mip6lab_engines::ikev2::{
    EapBackend, EapClient, EapForBackend, EapStep, Event, IkeInput, InitiateRequest,
};
use mip6lab_wire::crypto::Prf;
use mip6lab_wire::ikev2::{Eap, Id, PayloadBody};

const TYPE: u8 = 255;
const CHALLENGE: [u8; 16] = [7; 16];

fn eap(code: u8, id: u8, data: Vec<u8>) -> Vec<u8> {
    PayloadBody::Eap(Eap {
        code,
        identifier: id,
        data,
    })
    .body_bytes()
}

fn msk(pw: &[u8]) -> Vec<u8> {
    let a = Prf::HmacSha256.compute(pw, &[b"msk".as_slice(), &CHALLENGE].concat());
    let b = Prf::HmacSha256.compute(pw, &a);
    [a, b].concat()
}

struct Server {
    pw: Vec<u8>,
    identity: Vec<u8>,
}

fn server() -> Server {
    Server {
        pw: b"eap-password".to_vec(),
        identity: Vec::new(),
    }
}

impl EapBackend for Server {
    fn start(&mut self, identity: &[u8]) -> EapStep {
        self.identity = identity.to_vec();
        EapStep::Send(eap(1, 1, [vec![TYPE], CHALLENGE.to_vec()].concat()))
    }
    fn step(&mut self, m: &[u8]) -> EapStep {
        let e = Eap::parse(m).unwrap();
        let want = Prf::HmacSha256.compute(&self.pw, &CHALLENGE);
        if e.code == 2 && e.data.first() == Some(&TYPE) && e.data[1..] == want[..] {
            EapStep::Success {
                msk: msk(&self.pw),
                final_msg: eap(3, e.identifier, vec![]),
            }
        } else {
            EapStep::Failure(eap(4, e.identifier, vec![]))
        }
    }
}

struct Client {
    pw: Vec<u8>,
    done: bool,
}

impl EapClient for Client {
    fn step(&mut self, req: &[u8]) -> Option<Vec<u8>> {
        let e = Eap::parse(req).ok()?;
        (e.data.first() == Some(&TYPE)).then_some(())?;
        self.done = true;
        let v = Prf::HmacSha256.compute(&self.pw, &e.data[1..]);
        Some(eap(2, e.identifier, [vec![TYPE], v].concat()))
    }
    fn msk(&self) -> Option<Vec<u8>> {
        self.done.then(|| msk(&self.pw))
    }
}

/// An MN with the EAP client and an HA; `local_backend`: the HA's backend runs inside the
/// engine, else the test answers the HA's EAP events as a driver would.
fn pair(client_pw: &'static [u8], local_backend: bool, ha_knows_psk: bool) -> Pair {
    let mut ha = ha_config();
    if !ha_knows_psk {
        ha.psks = vec![(Id::fqdn("someone-else"), b"x".to_vec())];
    }
    let mut t = Pair::new(mn_config(), ha);
    if local_backend {
        t.ha.set_eap_backend(Box::new(move || Box::new(server())));
    } else {
        t.ha.set_eap_via_driver();
    }
    t.mn.set_eap_client(Box::new(move || {
        Box::new(Client {
            pw: client_pw.to_vec(),
            done: false,
        })
    }));
    t
}

fn eap_request() -> InitiateRequest {
    let mut r = InitiateRequest::dynamic_hoa(ha_addr());
    r.eap = true;
    r
}

#[test]
fn eap_then_msk_auth_sets_up_ike_and_child_sa() {
    let mut t = pair(b"eap-password", true, true);
    t.initiate_and_run(eap_request());
    assert!(established(&t.mn_events), "{:#?}", t.mn_events);
    assert!(established(&t.ha_events), "{:#?}", t.ha_events);
    assert_eq!(children(&t.mn_events).len(), 1);
    assert!(t
        .mn_events
        .iter()
        .any(|e| matches!(e, Event::ConfigReply { .. })));
    // IKE_AUTH went msg 1 (no AUTH), 2 (EAP response), 3 (AUTH with the MSK).
    let auths: Vec<u32> = t
        .to_ha
        .iter()
        .filter(|b| b[18] == 35)
        .map(|b| u32::from_be_bytes([b[20], b[21], b[22], b[23]]))
        .collect();
    assert_eq!(auths, vec![1, 2, 3]);
}

#[test]
fn eap_only_responder_with_the_drivers_backend() {
    // The HA has no shared key for the MN: its only AUTH is the final one, with the MSK. Its
    // EAP backend is the driver's: each EAP message comes out as an event, and nothing
    // answers the MN until the driver feeds the backend's answer back in.
    let mut t = pair(b"eap-password", false, false);
    let mut backend = server();
    t.initiate_and_run(eap_request());
    let mut asked = Vec::new();
    let mut ha_events = Vec::new();
    for _ in 0..4 {
        ha_events.append(&mut t.ha_events);
        let requests: Vec<_> = ha_events
            .iter()
            .filter_map(|e| match e.clone() {
                Event::EapForBackend { sa, message } => Some((sa, message)),
                _ => None,
            })
            .collect();
        let Some((sa, message)) = requests.into_iter().nth(asked.len()) else {
            break;
        };
        let sent_to_mn = t.to_mn.len();
        t.now += 10;
        t.ha.handle_timeout(t.now);
        t.run();
        assert_eq!(t.to_mn.len(), sent_to_mn, "the HA waits for its backend");
        let step = match &message {
            EapForBackend::Start { identity } => backend.start(identity),
            EapForBackend::Response { eap } => backend.step(eap),
        };
        asked.push(matches!(message, EapForBackend::Start { .. }));
        t.ha.handle_input(t.now, IkeInput::EapAnswer { sa, step });
        t.run();
    }
    assert_eq!(asked, [true, false], "the identity, then the MN's response");
    assert_eq!(backend.identity, b"mn1.example.com");
    assert!(established(&t.mn_events), "{:#?}", t.mn_events);
    ha_events.append(&mut t.ha_events);
    assert!(established(&ha_events), "{ha_events:#?}");
}

#[test]
fn wrong_eap_password_fails_both_ends() {
    let mut t = pair(b"wrong", true, true);
    t.initiate_and_run(eap_request());
    t.assert_both_failed("EAP Failure");
}

#[test]
fn no_backend_means_authentication_failed() {
    let mut t = Pair::default();
    t.mn.set_eap_client(Box::new(|| {
        Box::new(Client {
            pw: b"p".to_vec(),
            done: false,
        })
    }));
    t.initiate_and_run(eap_request());
    assert!(
        failed_with(&t.mn_events, "AUTHENTICATION_FAILED"),
        "{:#?}",
        t.mn_events
    );
}
