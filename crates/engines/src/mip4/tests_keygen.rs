//! RFC 3957 MN-HA key generation end to end: the MN client, the FHA and a fake AAAH that
//! derives the key as the lab's FreeRADIUS policy does (`fixtures/freeradius/site-ds`), plus
//! each knob caught for its reason.

use super::fha::{Fha, FhaAaaPeer, FhaConfig, FhaEvent, FhaInput, FhaIpv4Pool, FhaKnobs};
use super::keygen::keyed_sa;
use super::mn::*;
use super::*;
use crate::aaa::dualstack::{self, FhaAuthorization};
use crate::io::{Datagram, SansIo, Transmit};
use mip6lab_wire::mip4::{auth, ext, reg_ext, KeyGen, RegistrationReply, ReplyCode, Repr};
use mip6lab_wire::radius::{self, attr, code};
use std::net::SocketAddr;

const NAI: &str = "mn-ds@example.com";
const AAA_KEY: &[u8] = b"mn-ds-aaa-key";
const SECRET: &[u8] = b"mip6lab-fha-secret";
const COA: Ipv4Addr = Ipv4Addr::new(198, 18, 1, 10);
const FHA: Ipv4Addr = Ipv4Addr::new(198, 18, 2, 2);
/// NTP seconds at now = 0, on both clocks unless a test skews the FHA's.
const T0: u64 = 3_900_000_000;
/// The nonce the fake AAAH hands out first (then it counts up).
const NONCE: [u8; 16] = [0x11; 16];

fn aaa_addr() -> SocketAddr {
    "198.18.3.1:1812".parse().unwrap()
}

fn mn_addr() -> SocketAddr {
    SocketAddr::new(COA.into(), 434)
}

fn fha_addr() -> SocketAddr {
    SocketAddr::new(FHA.into(), 434)
}

fn fha_config(knobs: FhaKnobs) -> FhaConfig {
    let mut c = FhaConfig::new(
        FHA,
        FhaIpv4Pool {
            first: Ipv4Addr::new(198, 19, 0, 20),
            count: 4,
        },
    );
    c.ntp_at_zero = T0;
    c.ipv6_ha = Some("2001:db8:31::a1".parse().unwrap());
    c.ipv6_hoa = Some("2001:db8:31:100::8001".parse().unwrap());
    c.aaa = Some(FhaAaaPeer {
        server: aaa_addr(),
        secret: SECRET.to_vec(),
        nas_identifier: None,
        retransmit_ms: 1000,
        max_retransmits: 2,
    });
    c.knobs = knobs;
    c
}

fn fha(c: FhaConfig) -> Fha {
    Fha::new(c, Box::new(|| [7; 16]))
}

fn mn_config() -> Mip4ClientConfig {
    let mut c = Mip4ClientConfig::new(
        NAI,
        CoaMode::CoLocated { coa: COA, fha: FHA },
        Profile::lab(),
    );
    c.mn_aaa = Some(SecurityAssociation::new(auth::CHAP_SPI, AAA_KEY.to_vec()));
    c.lifetime_s = 600;
    c
}

fn mn(c: Mip4ClientConfig) -> Mip4Client {
    Mip4Client::new(
        c,
        Box::new(|now| ((T0 + now / 1000) << 32) | (now & 0xffff_ffff)),
        Box::new(|b| b.fill(0x80)),
    )
}

/// The fake AAAH: checks CHAP as FreeRADIUS's `chap` module does and accepts with the RFC 3957
/// key material for `nonce` (none when `nonce` is `None`), the key hidden the encrypt=2 way.
fn fake_aaa(request: &[u8], nonce: Option<&[u8]>) -> Vec<u8> {
    let req = radius::Repr::from_bytes(request).unwrap();
    assert_eq!(req.code, code::ACCESS_REQUEST);
    assert_eq!(dualstack::verify_chap_password(&req, AAA_KEY), Some(true));
    let user = req.value(attr::USER_NAME).unwrap().to_vec();
    let authz = FhaAuthorization {
        mn_ha_key: nonce.map(|n| auth::mn_ha_key_from_aaa(AAA_KEY, n, &user).to_vec()),
        keygen_nonce: nonce.map(<[u8]>::to_vec),
        ..FhaAuthorization::default()
    };
    let mut r = radius::Repr::new(code::ACCESS_ACCEPT, req.identifier, [0; 16]);
    for a in authz
        .to_attributes(&Profile::lab(), &req.authenticator, SECRET, 0x0102)
        .unwrap()
    {
        r.push(a);
    }
    r.sign_response(&req.authenticator, SECRET, true).unwrap()
}

/// Datagrams between the three until the MN's side goes quiet; the fake AAAH answers with
/// `nonce` (`None`: no key material). Returns what the MN and the FHA reported and the FHA's
/// replies.
struct Run {
    mn_events: Vec<MnEvent>,
    fha_events: Vec<FhaEvent>,
    requests: Vec<Vec<u8>>,
    replies: Vec<Vec<u8>>,
}

fn exchange(m: &mut Mip4Client, f: &mut Fha, now: u64, nonce: Option<&[u8]>) -> Run {
    let mut run = Run {
        mn_events: Vec::new(),
        fha_events: Vec::new(),
        requests: Vec::new(),
        replies: Vec::new(),
    };
    let mut to_fha: Vec<Transmit> = Vec::new();
    loop {
        let (t, ev) = m.drain();
        run.mn_events.extend(ev);
        to_fha.extend(t);
        let Some(rrq) = to_fha.pop() else { break };
        run.requests.push(rrq.payload.clone());
        f.handle_input(
            now,
            FhaInput::Registration(Datagram::new(mn_addr(), &rrq.payload)),
        );
        let mut out = f.drain();
        while let Some(i) = out.0.iter().position(|t| t.dst == aaa_addr()) {
            let answer = fake_aaa(&out.0.remove(i).payload, nonce);
            run.fha_events.append(&mut out.1);
            f.handle_input(now, FhaInput::Radius(Datagram::new(aaa_addr(), &answer)));
            let more = f.drain();
            out.0.extend(more.0);
            out.1.extend(more.1);
        }
        run.fha_events.extend(out.1);
        for rrp in out.0 {
            assert_eq!(rrp.dst, mn_addr());
            run.replies.push(rrp.payload.clone());
            m.handle_input(now, MnInput::Udp(Datagram::new(fha_addr(), &rrp.payload)));
        }
    }
    run
}

fn reply(b: &[u8]) -> RegistrationReply {
    match Repr::from_bytes(b).unwrap() {
        Repr::Reply(r) => r,
        r => panic!("not a reply: {r:?}"),
    }
}

fn kinds(b: &[u8]) -> Vec<u8> {
    Repr::from_bytes(b)
        .unwrap()
        .extensions()
        .iter()
        .map(Extension::kind)
        .collect()
}

fn registered(ev: &[MnEvent]) -> Option<&Registration> {
    ev.iter().find_map(|e| match e {
        MnEvent::Registered(r) => Some(r),
        _ => None,
    })
}

fn keygen_drop(ev: &[MnEvent]) -> Option<&str> {
    ev.iter().find_map(|e| match e {
        MnEvent::ReplyDropped {
            reason: DropReason::KeyGeneration(why),
            ..
        } => Some(why.as_str()),
        _ => None,
    })
}

#[test]
fn the_mn_asks_derives_and_checks_and_reuses_the_key() {
    let (mut m, mut f) = (mn(mn_config()), fha(fha_config(FhaKnobs::default())));
    m.start(0);
    let run = exchange(&mut m, &mut f, 0, Some(&NONCE));
    // RFC 3957 §3 steps 2-3, §6.3: KeyGen Request (SPI 256) before MN-AAA, no MN-HA.
    assert_eq!(
        kinds(&run.requests[0]),
        vec![
            reg_ext::NAI,
            reg_ext::MN_HA_KEYGEN_REQUEST,
            reg_ext::GENERALIZED_AUTH
        ]
    );
    let rrq = Repr::from_bytes(&run.requests[0]).unwrap();
    assert_eq!(
        rrq.extensions()[1],
        Extension::mn_ha_aaa_keygen_request(256)
    );
    // The reply: 43 right before MN-HA (RFC 3957 §6.4), MN-HA made with the key computed here
    // independently of both engines' code paths (RFC 3957 §5).
    let rrp_bytes = &run.replies[0];
    let rrp = reply(rrp_bytes);
    assert!(rrp.code.is_accepted(), "{:?}", run.fha_events);
    let k = kinds(rrp_bytes);
    let at43 = k
        .iter()
        .position(|&t| t == reg_ext::MN_HA_KEYGEN_REPLY)
        .unwrap();
    assert_eq!(k[at43 + 1], reg_ext::MN_HA_AUTH);
    assert_eq!(
        rrp.extensions[at43].keygen(),
        Some(KeyGen::MnHaAaaReply {
            lifetime: 3600,
            aaa_spi: auth::CHAP_SPI,
            ha_spi: 256,
            algorithm: ext::KEYGEN_ALGORITHM_HMAC_MD5,
            replay_method: ext::KEYGEN_REPLAY_TIMESTAMPS,
            nonce: &NONCE,
        })
    );
    let key = auth::mn_ha_key_from_aaa(AAA_KEY, &NONCE, NAI.as_bytes());
    let at = auth::find_extension(rrp_bytes, reg_ext::MN_HA_AUTH).unwrap();
    assert!(auth::verify(rrp_bytes, at, &key).unwrap());
    assert!(run.mn_events.contains(&MnEvent::MnHaKeyDerived {
        spi: 256,
        lifetime_s: 3600
    }));
    let reg = registered(&run.mn_events).expect("registered");
    assert!(
        reg.items.ipv6_ha.is_some(),
        "items covered by MN-HA are taken"
    );
    assert_eq!(
        f.derived_mn_ha(0, NAI).map(|s| s.key.clone()),
        Some(key.to_vec())
    );
    assert_eq!(m.mn_ha_sa(0).map(|s| s.key.clone()), Some(key.to_vec()));

    // Re-registration at 3/4 of 600 s: MN-HA with the derived SA, MN-AAA again, no request.
    m.handle_timeout(450_000);
    let run = exchange(&mut m, &mut f, 450_000, Some(&[0x22; 16]));
    assert_eq!(
        kinds(&run.requests[0]),
        vec![reg_ext::NAI, reg_ext::MN_HA_AUTH, reg_ext::GENERALIZED_AUTH]
    );
    let at = auth::find_extension(&run.requests[0], reg_ext::MN_HA_AUTH).unwrap();
    assert!(auth::verify(&run.requests[0], at, &key).unwrap());
    assert!(registered(&run.mn_events).is_some(), "{:?}", run.mn_events);
    assert!(!kinds(&run.replies[0]).contains(&reg_ext::MN_HA_KEYGEN_REPLY));
    let at = auth::find_extension(&run.replies[0], reg_ext::MN_HA_AUTH).unwrap();
    assert!(
        auth::verify(&run.replies[0], at, &key).unwrap(),
        "the same key"
    );
}

#[test]
fn an_expired_key_is_asked_for_again() {
    let mut c = fha_config(FhaKnobs::default());
    c.keygen_lifetime_s = 100;
    let (mut m, mut f) = (mn(mn_config()), fha(c));
    m.start(0);
    let run = exchange(&mut m, &mut f, 0, Some(&NONCE));
    assert!(registered(&run.mn_events).is_some());
    assert!(m.mn_ha_sa(99_999).is_some());
    assert!(m.mn_ha_sa(100_000).is_none(), "RFC 3957 §6.4 Lifetime");
    m.handle_timeout(450_000);
    let run = exchange(&mut m, &mut f, 450_000, Some(&[0x33; 16]));
    assert_eq!(kinds(&run.requests[0])[1], reg_ext::MN_HA_KEYGEN_REQUEST);
    assert!(registered(&run.mn_events).is_some());
    let key = auth::mn_ha_key_from_aaa(AAA_KEY, &[0x33; 16], NAI.as_bytes());
    assert_eq!(
        m.mn_ha_sa(450_000).map(|s| s.key.clone()),
        Some(key.to_vec())
    );
}

/// A 133 after the Accept carries the key material too, so the MN can check it, adopt the
/// key and repair with MN-HA (RFC 5944 §3.6.2.3; RFC 3957 §3 step 8).
#[test]
fn a_denial_after_the_accept_is_keyed_and_the_repair_uses_the_key() {
    let mut c = fha_config(FhaKnobs::default());
    c.ntp_at_zero = T0 + 100;
    let (mut m, mut f) = (mn(mn_config()), fha(c));
    m.start(0);
    let run = exchange(&mut m, &mut f, 0, Some(&NONCE));
    let first = reply(&run.replies[0]);
    assert_eq!(first.code, ReplyCode::HaIdentificationMismatch);
    assert!(kinds(&run.replies[0]).contains(&reg_ext::MN_HA_KEYGEN_REPLY));
    assert!(run
        .mn_events
        .iter()
        .any(|e| matches!(e, MnEvent::Repairing { code: 133, .. })));
    // The repair goes out one second later.
    m.handle_timeout(1_000);
    let run = exchange(&mut m, &mut f, 1_000, Some(&[0x44; 16]));
    assert_eq!(kinds(&run.requests[0])[1], reg_ext::MN_HA_AUTH);
    assert!(registered(&run.mn_events).is_some(), "{:?}", run.fha_events);
}

#[test]
fn an_accept_without_key_material_is_128_and_the_mn_discards_it() {
    let (mut m, mut f) = (mn(mn_config()), fha(fha_config(FhaKnobs::default())));
    m.start(0);
    let run = exchange(&mut m, &mut f, 0, None);
    assert_eq!(reply(&run.replies[0]).code, ReplyCode::HaUnspecified);
    assert!(run.fha_events.iter().any(|e| matches!(e,
        FhaEvent::Denied { code: ReplyCode::HaUnspecified, why, .. } if why.contains("RFC 3957"))));
    // No 43 in it: RFC 3957 §3 step 8, the MN discards.
    assert!(keygen_drop(&run.mn_events).is_some(), "{:?}", run.mn_events);
    assert!(!run
        .mn_events
        .iter()
        .any(|e| matches!(e, MnEvent::Denied { .. })));
    assert!(f.derived_mn_ha(0, NAI).is_none());
}

/// Requests the MN engine would not send, straight to the FHA.
fn request_with(extensions: Vec<Extension>, sign: &[(u8, u32, &[u8])]) -> Vec<u8> {
    let mut b = Repr::Request(mip6lab_wire::mip4::RegistrationRequest {
        flags: mip6lab_wire::mip4::RrqFlags(mip6lab_wire::mip4::RrqFlags::D),
        lifetime: 600,
        home_address: Ipv4Addr::UNSPECIFIED,
        home_agent: FHA,
        care_of_address: COA,
        identification: T0 << 32,
        extensions,
    })
    .to_bytes()
    .unwrap();
    for (kind, spi, key) in sign {
        auth::append_authenticated(&mut b, *kind, *spi, key).unwrap();
    }
    b
}

#[test]
fn keygen_requests_the_fha_cannot_serve_are_denied_with_the_rfc_codes() {
    let mut c = fha_config(FhaKnobs::default());
    c.mn_ha = vec![super::fha::FhaMnHaSa {
        nai: NAI.into(),
        spi: 0x300,
        key: b"configured".to_vec(),
    }];
    let mut f = fha(c);
    let nai = Extension::Nai(NAI.as_bytes().to_vec());
    let mn_ha: (u8, u32, &[u8]) = (reg_ext::MN_HA_AUTH, 0x300, b"configured");
    // RFC 3957 §3 step 3: MN-AAA MUST come with a KeyGen Request.
    let b = request_with(
        vec![nai.clone(), Extension::mn_ha_aaa_keygen_request(256)],
        &[mn_ha],
    );
    f.handle_input(0, FhaInput::Registration(Datagram::new(mn_addr(), &b)));
    let (t, ev) = f.drain();
    assert_eq!(
        reply(&t[0].payload).code,
        ReplyCode::HaPoorlyFormedRequest,
        "{ev:?}"
    );
    // Another subtype: nothing this FHA can do (RFC 3957 §6.3 defines only 1).
    let other = Extension::KeyGen {
        kind: reg_ext::MN_HA_KEYGEN_REQUEST,
        subtype: 9,
        body: vec![0, 0, 1, 0],
    };
    let b = request_with(vec![nai, other], &[mn_ha]);
    f.handle_input(1, FhaInput::Registration(Datagram::new(mn_addr(), &b)));
    let (t, _) = f.drain();
    assert_eq!(reply(&t[0].payload).code, ReplyCode::HaUnspecified);
}

#[test]
fn knob_fha_no_keygen_reply_is_discarded_by_the_mn() {
    let knobs = FhaKnobs {
        no_keygen_reply: true,
        ..FhaKnobs::default()
    };
    let (mut m, mut f) = (mn(mn_config()), fha(fha_config(knobs)));
    m.start(0);
    let run = exchange(&mut m, &mut f, 0, Some(&NONCE));
    assert!(!kinds(&run.replies[0]).contains(&reg_ext::MN_HA_KEYGEN_REPLY));
    let why = keygen_drop(&run.mn_events).expect("dropped");
    assert!(why.contains("step 8"), "{why}");
    assert!(registered(&run.mn_events).is_none());
}

#[test]
fn knob_fha_mn_ha_auth_wrong_key_fails_the_mn_check() {
    let knobs = FhaKnobs {
        mn_ha_auth_wrong_key: true,
        ..FhaKnobs::default()
    };
    let (mut m, mut f) = (mn(mn_config()), fha(fha_config(knobs)));
    m.start(0);
    let run = exchange(&mut m, &mut f, 0, Some(&NONCE));
    assert!(kinds(&run.replies[0]).contains(&reg_ext::MN_HA_KEYGEN_REPLY));
    assert!(run.mn_events.iter().any(|e| matches!(
        e,
        MnEvent::ReplyDropped {
            reason: DropReason::Authentication { kind: 32, count: 1 },
            ..
        }
    )));
    assert!(registered(&run.mn_events).is_none());
    assert!(
        m.mn_ha_sa(0).is_none(),
        "RFC 3957 §3 step 9: the new SA is discarded"
    );
}

#[test]
fn knob_fha_keygen_after_mn_ha_is_not_covered_and_discarded() {
    let knobs = FhaKnobs {
        keygen_after_mn_ha: true,
        ..FhaKnobs::default()
    };
    let (mut m, mut f) = (mn(mn_config()), fha(fha_config(knobs)));
    m.start(0);
    let run = exchange(&mut m, &mut f, 0, Some(&NONCE));
    let k = kinds(&run.replies[0]);
    let pos = |t| k.iter().position(|&x| x == t).unwrap();
    assert!(pos(reg_ext::MN_HA_KEYGEN_REPLY) > pos(reg_ext::MN_HA_AUTH));
    let why = keygen_drop(&run.mn_events).expect("dropped");
    assert!(why.contains("§6.4"), "{why}");
}

#[test]
fn knob_mn_skip_keygen_check_takes_an_unkeyed_reply() {
    let knobs = FhaKnobs {
        no_keygen_reply: true,
        ..FhaKnobs::default()
    };
    let mut c = mn_config();
    c.skip_keygen_check = true;
    let (mut m, mut f) = (mn(c), fha(fha_config(knobs)));
    m.start(0);
    let run = exchange(&mut m, &mut f, 0, Some(&NONCE));
    assert!(registered(&run.mn_events).is_some());
    assert!(m.mn_ha_sa(0).is_none(), "nothing derived");
}

#[test]
fn knob_mn_no_keygen_request_leaves_the_mn_without_an_mn_ha_sa() {
    let mut c = mn_config();
    c.no_keygen_request = true;
    let (mut m, mut f) = (mn(c), fha(fha_config(FhaKnobs::default())));
    m.start(0);
    let run = exchange(&mut m, &mut f, 0, Some(&NONCE));
    // RFC 3957 §3 step 2: with no MN-HA SA the Request MUST carry the KeyGen Request.
    assert!(!kinds(&run.requests[0]).contains(&reg_ext::MN_HA_KEYGEN_REQUEST));
    // So the reply has no MN-HA at all (RFC 5944 §3.8.3.3 c unmet), as before key generation.
    assert!(!kinds(&run.replies[0]).contains(&reg_ext::MN_HA_AUTH));
    assert!(registered(&run.mn_events).is_some());
}

/// The MN's own checks of a KeyGen Reply, one field wrong at a time (RFC 3957 §6.4).
#[test]
fn keyed_sa_rejects_each_wrong_field() {
    let mn_aaa = SecurityAssociation::new(auth::CHAP_SPI, AAA_KEY.to_vec());
    let good = KeyGen::MnHaAaaReply {
        lifetime: 60,
        aaa_spi: auth::CHAP_SPI,
        ha_spi: 256,
        algorithm: 1,
        replay_method: 2,
        nonce: &NONCE,
    };
    let signed = |body: KeyGen<'_>, extra: Option<Extension>| {
        let key = auth::mn_ha_key_from_aaa(AAA_KEY, &NONCE, NAI.as_bytes());
        let mut exts = vec![Extension::mn_ha_aaa_keygen_reply(&body)];
        exts.extend(extra);
        Repr::Reply(RegistrationReply {
            code: ReplyCode::Accepted,
            lifetime: 600,
            home_address: Ipv4Addr::new(198, 19, 0, 20),
            home_agent: FHA,
            identification: 1,
            extensions: exts,
        })
        .to_bytes_signed(reg_ext::MN_HA_AUTH, 256, &key)
        .unwrap()
    };
    let check = |b: &[u8]| {
        let r = Repr::from_bytes(b).unwrap();
        keyed_sa(b, r.extensions(), &mn_aaa, NAI.as_bytes())
    };
    let (sa, lifetime) = check(&signed(good.clone(), None)).unwrap();
    assert_eq!((sa.spi, lifetime), (256, 60));
    let with = |f: &dyn Fn(&mut KeyGen<'static>)| {
        let mut b = KeyGen::MnHaAaaReply {
            lifetime: 60,
            aaa_spi: auth::CHAP_SPI,
            ha_spi: 256,
            algorithm: 1,
            replay_method: 2,
            nonce: &NONCE,
        };
        f(&mut b);
        check(&signed(b, None))
    };
    let set = |field: &'static str, v: u32| {
        move |k: &mut KeyGen<'static>| {
            if let KeyGen::MnHaAaaReply {
                aaa_spi,
                algorithm,
                replay_method,
                nonce,
                ..
            } = k
            {
                match field {
                    "aaa_spi" => *aaa_spi = v,
                    "algorithm" => *algorithm = v as u16,
                    "replay" => *replay_method = v as u16,
                    _ => *nonce = &NONCE[..v as usize],
                }
            }
        }
    };
    for (field, v, says) in [
        ("aaa_spi", 3, "AAA SPI"),
        ("algorithm", 2, "algorithm"),
        ("replay", 3, "replay"),
        ("nonce", 15, "nonce"),
    ] {
        match with(&set(field, v)) {
            Err(DropReason::KeyGeneration(why)) => assert!(why.contains(says), "{why}"),
            other => panic!("{field}: {other:?}"),
        }
    }
    // Two replies, or another subtype.
    let twice = signed(good.clone(), Some(Extension::mn_ha_aaa_keygen_reply(&good)));
    assert!(matches!(check(&twice), Err(DropReason::KeyGeneration(_))));
    let mut sub2 = Extension::mn_ha_aaa_keygen_reply(&good);
    if let Extension::KeyGen { subtype, .. } = &mut sub2 {
        *subtype = 2;
    }
    let b = Repr::Reply(RegistrationReply {
        code: ReplyCode::Accepted,
        lifetime: 600,
        home_address: Ipv4Addr::new(198, 19, 0, 20),
        home_agent: FHA,
        identification: 1,
        extensions: vec![sub2],
    })
    .to_bytes_signed(reg_ext::MN_HA_AUTH, 256, b"x")
    .unwrap();
    assert!(matches!(check(&b), Err(DropReason::KeyGeneration(_))));
    // The identifier is part of the key: another NAI's key fails the authenticator.
    let b = signed(good, None);
    let r = Repr::from_bytes(&b).unwrap();
    assert!(matches!(
        keyed_sa(&b, r.extensions(), &mn_aaa, b"other@example.com"),
        Err(DropReason::Authentication { kind: 32, .. })
    ));
}

/// Through the foreign agent (draft §4.1.2): the FA relays the KeyGen Request and keeps the
/// KeyGen Reply, which MN-HA covers (RFC 5944 §3.7.3.2), so the MN derives the same key.
#[test]
fn key_generation_through_the_foreign_agent() {
    use super::fa::{FaInput, ForeignAgent, ForeignAgentConfig};
    use super::fha::FhaFaHaSa;
    const FA: Ipv4Addr = Ipv4Addr::new(198, 18, 1, 1);
    const FA_COA: Ipv4Addr = Ipv4Addr::new(198, 18, 2, 4);
    let fa_ha = SecurityAssociation::new(0x400, b"fa-fha-secret".to_vec());
    let mut fc = ForeignAgentConfig::new(FA, vec![FA_COA]);
    fc.fa_ha = vec![(FHA, fa_ha.clone())];
    let mut fa = ForeignAgent::new(fc, Box::new(|b| b.fill(0x80)));
    let mut hc = fha_config(FhaKnobs::default());
    hc.fa_ha = vec![FhaFaHaSa {
        fa: FA,
        spi: fa_ha.spi,
        key: fa_ha.key.clone(),
    }];
    let mut f = fha(hc);
    let mut c = mn_config();
    c.mode = CoaMode::ViaForeignAgent { fha: Some(FHA) };
    let mut m = mn(c);
    m.start(0);
    fa.start(0);
    let adv = fa.drain().0.remove(0).payload;
    m.handle_input(
        0,
        MnInput::Icmp(Datagram::new(SocketAddr::new(FA.into(), 0), &adv)),
    );
    let (rrq, _) = m.drain();
    let mn_src: SocketAddr = "0.0.0.0:40000".parse().unwrap();
    fa.handle_input(1, FaInput::Udp(Datagram::new(mn_src, &rrq[0].payload)));
    let relayed = fa.drain().0.remove(0);
    assert!(kinds(&relayed.payload).contains(&reg_ext::MN_HA_KEYGEN_REQUEST));
    let fa_src = SocketAddr::new(FA.into(), 434);
    f.handle_input(
        2,
        FhaInput::Registration(Datagram::new(fa_src, &relayed.payload)),
    );
    let to_aaa = f.drain().0.remove(0);
    let answer = fake_aaa(&to_aaa.payload, Some(&NONCE));
    f.handle_input(3, FhaInput::Radius(Datagram::new(aaa_addr(), &answer)));
    let (rrp, ev) = f.drain();
    assert_eq!(rrp[0].dst, fa_src, "{ev:?}");
    fa.handle_input(4, FaInput::Udp(Datagram::new(fha_addr(), &rrp[0].payload)));
    let to_mn = fa.drain().0.remove(0);
    assert!(kinds(&to_mn.payload).contains(&reg_ext::MN_HA_KEYGEN_REPLY));
    m.handle_input(5, MnInput::Udp(Datagram::new(fa_src, &to_mn.payload)));
    let (_, ev) = m.drain();
    assert!(ev.contains(&MnEvent::MnHaKeyDerived {
        spi: 256,
        lifetime_s: 3600
    }));
    assert_eq!(registered(&ev).and_then(|r| r.via_foreign_agent), Some(FA));
}
