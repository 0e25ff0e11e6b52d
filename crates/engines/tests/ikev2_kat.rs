//! Known answers from the committed strongSwan recording (fixtures/pcaps/ikev2-strongswan:
//! charon MN ↔ charon HA, PSK, CP). The key log holds SK_e*/SK_a* only, not SK_d/SK_p*, and
//! SKEYSEED needs a DH private value that never left charon: so the AUTH values of that
//! recording cannot be recomputed offline. What is checked here is what can be: the decrypted
//! IKE_AUTH exchange has the shape our engine expects (AUTH method 2 with a PRF-sized MIC,
//! IDr, CFG_REPLY, the Child SA error), and our responder accepts charon's real IKE_SA_INIT
//! request. The AUTH known-answer check against charon runs live in interop_strongswan.rs,
//! where our key log has SK_pr.

mod ikev2_common;
mod payloads;

use ikev2_common::*;
use mip6lab_capture::dissect::udp_payloads;
use mip6lab_capture::keylog::KeyLog;
use mip6lab_capture::read_file;
use mip6lab_engines::ikev2::{DhGroup, Event, IkeEngine};
use mip6lab_wire::ikev2::{exchange, notify_type, sk, Message, PayloadBody};
use payloads::{first_payload, internal_ip6_address};
use std::path::PathBuf;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/pcaps/ikev2-strongswan")
}

fn ike_datagrams() -> Vec<Vec<u8>> {
    udp_payloads(
        &read_file(&dir().join("bootstrap.pcap")).unwrap().frames,
        500,
    )
}

#[test]
fn charon_ike_auth_response_has_the_expected_shape() {
    let keys = KeyLog::load(dir().join("keys.log")).unwrap();
    let msgs = ike_datagrams();
    let mut checked = 0;
    for b in msgs
        .iter()
        .filter(|b| b.len() > 28 && b[18] == exchange::IKE_AUTH && b[19] & 0x20 != 0)
    {
        let m = Message::from_bytes(b).unwrap();
        let k = keys.ike_sa(&m.ispi, &m.rspi).expect("keys for this IKE SA");
        let d = sk::decrypt(b, &k.responder()).unwrap();
        let auth = first_payload!(d.inner, PayloadBody::Auth).unwrap();
        assert_eq!(auth.method, 2, "shared key MIC");
        assert_eq!(auth.data.len(), 32, "prf-hmac-sha2-256 output");
        let idr = first_payload!(d.inner, PayloadBody::IdR).unwrap();
        assert_eq!(idr.data, b"ha1.example.com");
        let cp = first_payload!(d.inner, PayloadBody::Cp).unwrap();
        let (a, _) = internal_ip6_address(&cp);
        assert_eq!(a.segments()[..4], [0x2001, 0xdb8, 1, 0x100]);
        // No ESP in the recording kernel: charon keeps the IKE SA, refuses the Child SA.
        assert!(d.inner.iter().any(|p| matches!(&p.body,
            PayloadBody::Notify(n) if n.notify_type == notify_type::NO_PROPOSAL_CHOSEN)));
        checked += 1;
    }
    assert_eq!(checked, 2, "the CBC and the GCM exchange");
}

#[test]
fn our_responder_accepts_charons_ike_sa_init_request() {
    let first = ike_datagrams()
        .into_iter()
        .find(|b| b.len() > 28 && b[18] == exchange::IKE_SA_INIT && b[19] & 0x20 == 0)
        .unwrap();
    let mut cfg = ha_config();
    cfg.groups = vec![DhGroup::Modp2048];
    let mut ha = IkeEngine::new(cfg, rng(3));
    ha.recv(0, &first);
    let out = ha.send().expect("a response");
    while let Some(e) = ha.poll_event() {
        assert!(!matches!(e, Event::Dropped { .. }), "{e:?}");
    }
    let m = Message::from_bytes(&out).unwrap();
    assert!(m.is_response());
    assert_ne!(m.rspi, [0; 8]);
    let sa =
        first_payload!(m.payloads, PayloadBody::Sa).expect("an SA payload, not an error notify");
    assert_eq!(sa.proposals.len(), 1);
    let ke = first_payload!(m.payloads, PayloadBody::Ke).unwrap();
    assert_eq!((ke.group, ke.data.len()), (14, 256));
    assert_eq!(ha.half_open_count(), 1);
}
