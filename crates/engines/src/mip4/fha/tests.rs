//! Every rule and knob of the FHA, an end-to-end registration against a fake AAA built with the
//! RADIUS codec, and arbitrary input.

use super::*;
use crate::aaa::dualstack::{self, FhaAuthorization, CO_LOCATED_CHALLENGE};
use mip6lab_wire::mip4::{
    auth, ext::reg_ext, Extension, RegistrationReply, RegistrationRequest, Repr, RrqFlags,
    VendorExtension,
};
use mip6lab_wire::radius::{self, attr, code};
use proptest::prelude::*;

const FHA: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 10);
const CCOA: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 20);
const NAI: &str = "mn1@example.com";
const AAA_KEY: &[u8] = b"mn1-aaa-secret";
const HA_KEY: &[u8] = b"mn1-fha-key";
const SECRET: &[u8] = b"radius-secret";
/// NTP seconds at now = 0.
const T0: u64 = 3_900_000_000;

fn mn() -> SocketAddr {
    SocketAddr::new(CCOA.into(), 434)
}

fn aaa_addr() -> SocketAddr {
    "192.0.2.1:1812".parse().unwrap()
}

fn cfg() -> FhaConfig {
    let mut c = FhaConfig::new(
        FHA,
        FhaIpv4Pool {
            first: Ipv4Addr::new(10, 9, 0, 1),
            count: 2,
        },
    );
    c.ntp_at_zero = T0;
    c.ipv6_ha = Some("2001:db8:1::a1".parse().unwrap());
    c.ipv6_hoa = Some("2001:db8:1:100::99".parse().unwrap());
    c.ipv6_coa_prefix = Some(("2001:db8:77::".parse().unwrap(), 64));
    c.mn_ha = vec![FhaMnHaSa {
        nai: NAI.into(),
        spi: 0x100,
        key: HA_KEY.to_vec(),
    }];
    c.aaa = Some(FhaAaaPeer {
        server: aaa_addr(),
        secret: SECRET.to_vec(),
        nas_identifier: Some("fha".into()),
        retransmit_ms: 1000,
        max_retransmits: 2,
    });
    c
}

fn fha(c: FhaConfig) -> Fha {
    let mut n = 0u8;
    Fha::new(
        c,
        Box::new(move || {
            n = n.wrapping_add(1);
            [n; 16]
        }),
    )
}

/// An Identification with the timestamp `secs` after T0.
fn id_at(secs: u64, low: u32) -> u64 {
    ((T0 + secs) << 32) | u64::from(low)
}

fn rrq(lifetime: u16, hoa: Ipv4Addr, id: u64, extensions: Vec<Extension>) -> RegistrationRequest {
    RegistrationRequest {
        flags: RrqFlags(RrqFlags::D),
        lifetime,
        home_address: hoa,
        home_agent: FHA,
        care_of_address: CCOA,
        identification: id,
        extensions,
    }
}

fn nai_ext() -> Extension {
    Extension::Nai(NAI.as_bytes().to_vec())
}

fn bytes(r: &RegistrationRequest) -> Vec<u8> {
    Repr::Request(r.clone()).to_bytes().unwrap()
}

/// Signed with MN-HA (SPI 0x100).
fn with_mn_ha(r: &RegistrationRequest, key: &[u8]) -> Vec<u8> {
    Repr::Request(r.clone())
        .to_bytes_signed(reg_ext::MN_HA_AUTH, 0x100, key)
        .unwrap()
}

/// Signed with MN-AAA, SPI CHAP_SPI (RFC 4721 §8), the co-located challenge unless given.
fn with_mn_aaa(r: &RegistrationRequest, challenge: Option<&[u8]>) -> Vec<u8> {
    let mut b = bytes(r);
    let at = b.len();
    b.extend_from_slice(&[reg_ext::GENERALIZED_AUTH, 1, 0, 20, 0, 0, 0, 2]);
    b.extend_from_slice(&[0; 16]);
    let c = challenge.unwrap_or(&CO_LOCATED_CHALLENGE);
    let a = auth::chap_authenticator(&b, at, AAA_KEY, c).unwrap();
    let n = b.len();
    b[n - 16..].copy_from_slice(&a);
    b
}

fn send(f: &mut Fha, now: u64, src: SocketAddr, b: &[u8]) -> (Vec<Transmit>, Vec<FhaEvent>) {
    f.handle_input(now, FhaInput::Registration(Datagram::new(src, b)));
    f.drain()
}

fn reply_of(t: &Transmit) -> RegistrationReply {
    match Repr::from_bytes(&t.payload).unwrap() {
        Repr::Reply(r) => r,
        r => panic!("not a reply: {r:?}"),
    }
}

/// The single reply sent, with its code.
fn one_reply(t: &[Transmit]) -> RegistrationReply {
    assert_eq!(t.len(), 1, "{t:?}");
    assert_eq!(t[0].dst, mn());
    reply_of(&t[0])
}

fn nvse(r: &RegistrationReply, vendor_type: u16) -> Option<Vec<u8>> {
    r.extensions.iter().find_map(|e| match e {
        Extension::Nvse(VendorExtension {
            vendor_id: 32473,
            vendor_type: t,
            value,
            ..
        }) if *t == vendor_type => Some(value.clone()),
        _ => None,
    })
}

/// The fake AAA: checks the Access-Request as FreeRADIUS' `chap` module would and answers
/// with `authz` (Accept) or a Reject.
fn fake_aaa(request: &[u8], accept: Option<&FhaAuthorization>) -> Vec<u8> {
    let req = radius::Repr::from_bytes(request).unwrap();
    assert_eq!(req.code, code::ACCESS_REQUEST);
    assert_eq!(
        radius::verify_message_authenticator(request, &req.authenticator, SECRET).unwrap(),
        Some(true)
    );
    assert_eq!(req.value(attr::USER_NAME), Some(NAI.as_bytes()));
    assert_eq!(req.value(attr::NAS_IP_ADDRESS), Some(&FHA.octets()[..]));
    let ok = dualstack::verify_chap_password(&req, AAA_KEY) == Some(true);
    let mut r = match (ok, accept) {
        (true, Some(a)) => {
            let mut r = radius::Repr::new(code::ACCESS_ACCEPT, req.identifier, [0; 16]);
            let profile = mip6lab_wire::dsprofile::Profile::lab();
            for at in a
                .to_attributes(&profile, &req.authenticator, SECRET, 0x1234)
                .unwrap()
            {
                r.push(at);
            }
            r
        }
        _ => radius::Repr::new(code::ACCESS_REJECT, req.identifier, [0; 16]),
    };
    r.sign_response(&req.authenticator, SECRET, true).unwrap()
}

fn authz() -> FhaAuthorization {
    FhaAuthorization {
        thoa_v4: Some(Ipv4Addr::new(10, 9, 9, 9)),
        ipv6_hoa: Some("2001:db8:1:100::7".parse().unwrap()),
        ipv6_home_prefix: Some(("2001:db8:1:100::".parse().unwrap(), 64)),
        ipv6_ha: Some("2001:db8:1::a2".parse().unwrap()),
        ipv6_coa: Some("2001:db8:77::7".parse().unwrap()),
        mn_ha_key: None,
        keygen_nonce: None,
    }
}

fn radius_in(f: &mut Fha, now: u64, b: &[u8]) -> (Vec<Transmit>, Vec<FhaEvent>) {
    f.handle_input(now, FhaInput::Radius(Datagram::new(aaa_addr(), b)));
    f.drain()
}

fn denied(t: &[Transmit], ev: &[FhaEvent], want: ReplyCode) -> RegistrationReply {
    let r = one_reply(t);
    assert_eq!(r.code, want, "{ev:?}");
    assert!(
        ev.iter()
            .any(|e| matches!(e, FhaEvent::Denied { code, .. } if *code == want)),
        "{ev:?}"
    );
    assert_eq!(r.home_agent, FHA);
    r
}

fn discarded(t: &[Transmit], ev: &[FhaEvent]) {
    assert!(t.is_empty(), "{t:?}");
    assert!(
        ev.iter().any(|e| matches!(e, FhaEvent::Discarded { .. })),
        "{ev:?}"
    );
}

#[test]
fn co_located_mn_aaa_registration_end_to_end_with_a_fake_aaa() {
    let mut f = fha(cfg());
    let req = rrq(
        600,
        Ipv4Addr::UNSPECIFIED,
        id_at(1, 0xabcd),
        vec![nai_ext()],
    );
    let (t, ev) = send(&mut f, 1000, mn(), &with_mn_aaa(&req, None));
    assert_eq!(t.len(), 1);
    assert_eq!(t[0].dst, aaa_addr());
    assert!(matches!(&ev[..], [FhaEvent::AaaRequest { attempt: 0, .. }]));
    assert_eq!(f.pending_aaa(), 1);

    let answer = fake_aaa(&t[0].payload, Some(&authz()));
    let (t, ev) = radius_in(&mut f, 1100, &answer);
    let r = one_reply(&t);
    assert_eq!(r.code, ReplyCode::Accepted);
    assert_eq!(
        r.home_address,
        Ipv4Addr::new(10, 9, 9, 9),
        "the AAAH's THoAv4"
    );
    assert_eq!(r.home_agent, FHA);
    assert_eq!(r.lifetime, 600);
    assert_eq!(r.identification, id_at(1, 0xabcd));
    assert_eq!(r.extensions[0], nai_ext(), "NAI echoed first (RFC 2794 §3)");
    let a = authz();
    assert_eq!(nvse(&r, 1), Some(a.ipv6_hoa.unwrap().octets().to_vec()));
    assert_eq!(
        nvse(&r, 2),
        Some(dualstack::prefix_value(
            "2001:db8:1:100::".parse().unwrap(),
            64
        ))
    );
    assert_eq!(nvse(&r, 3), Some(a.ipv6_ha.unwrap().octets().to_vec()));
    assert_eq!(nvse(&r, 4), Some(a.ipv6_coa.unwrap().octets().to_vec()));
    // MN-HA too, since the FHA has an SA for the NAI.
    let at = auth::find_extension(&t[0].payload, reg_ext::MN_HA_AUTH).unwrap();
    assert!(auth::verify(&t[0].payload, at, HA_KEY).unwrap());
    assert!(ev.contains(&FhaEvent::TunnelUp {
        thoa: Ipv4Addr::new(10, 9, 9, 9),
        fha: FHA,
        coa: CCOA,
        reverse: false
    }));
    let b = f.binding_of(NAI).unwrap();
    assert_eq!(
        (b.coa, b.lifetime, b.expires_at),
        (CCOA, 600, Some(601_100))
    );
    assert_eq!(b.ipv6.ha, a.ipv6_ha);
    assert_eq!(f.pending_aaa(), 0);
    assert_eq!(f.next_timeout(), Some(601_100));
}

#[test]
fn access_reject_is_129_and_a_wrong_mn_aaa_key_too() {
    let mut f = fha(cfg());
    let req = rrq(600, Ipv4Addr::UNSPECIFIED, id_at(1, 1), vec![nai_ext()]);
    let (t, _) = send(&mut f, 0, mn(), &with_mn_aaa(&req, None));
    let (t, ev) = radius_in(&mut f, 5, &fake_aaa(&t[0].payload, None));
    denied(&t, &ev, ReplyCode::HaAdminProhibited);
    // Wrong key at the MN: the fake AAA's CHAP check fails, so Reject.
    let mut b = with_mn_aaa(
        &rrq(600, Ipv4Addr::UNSPECIFIED, id_at(2, 1), vec![nai_ext()]),
        None,
    );
    let n = b.len();
    b[n - 1] ^= 1;
    let (t, _) = send(&mut f, 10, mn(), &b);
    let (t, ev) = radius_in(&mut f, 15, &fake_aaa(&t[0].payload, Some(&authz())));
    denied(&t, &ev, ReplyCode::HaAdminProhibited);
    assert!(f.bindings().is_empty());
}

#[test]
fn the_access_request_is_retransmitted_unchanged_then_given_up() {
    let mut f = fha(cfg());
    let req = rrq(600, Ipv4Addr::UNSPECIFIED, id_at(1, 1), vec![nai_ext()]);
    let (t, _) = send(&mut f, 0, mn(), &with_mn_aaa(&req, None));
    let first = t[0].payload.clone();
    assert_eq!(f.next_timeout(), Some(1000));
    // The MN's retransmission does not start a second round.
    let (t2, ev) = send(&mut f, 10, mn(), &with_mn_aaa(&req, None));
    discarded(&t2, &ev);
    for (n, at) in [(1, 1000), (2, 2000)] {
        f.handle_timeout(at);
        let (t, ev) = f.drain();
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].payload, first);
        assert!(ev.contains(&FhaEvent::AaaRequest {
            nai: NAI.into(),
            attempt: n
        }));
    }
    f.handle_timeout(3000);
    let (t, ev) = f.drain();
    assert!(t.is_empty());
    assert_eq!(ev, vec![FhaEvent::AaaTimedOut { nai: NAI.into() }]);
    assert_eq!(f.next_timeout(), None);
}

#[test]
fn radius_replies_that_are_not_authentic_or_not_ours_are_discarded() {
    let mut f = fha(cfg());
    let req = rrq(600, Ipv4Addr::UNSPECIFIED, id_at(1, 1), vec![nai_ext()]);
    let (t, _) = send(&mut f, 0, mn(), &with_mn_aaa(&req, None));
    let mut good = fake_aaa(&t[0].payload, Some(&authz()));
    good[4] ^= 1; // Response Authenticator
    let (t2, ev) = radius_in(&mut f, 1, &good);
    discarded(&t2, &ev);
    // From another address.
    good[4] ^= 1;
    let other: SocketAddr = "192.0.2.2:1812".parse().unwrap();
    f.handle_input(2, FhaInput::Radius(Datagram::new(other, &good)));
    let (t2, ev) = f.drain();
    discarded(&t2, &ev);
    // Garbage.
    let (t2, ev) = radius_in(&mut f, 3, &[1, 2, 3]);
    discarded(&t2, &ev);
    assert_eq!(f.pending_aaa(), 1);
    let (t2, _) = radius_in(&mut f, 4, &good);
    assert_eq!(one_reply(&t2).code, ReplyCode::Accepted);
}

#[test]
fn mn_ha_registration_uses_the_pool_the_configured_items_and_signs_the_reply() {
    let mut f = fha(cfg());
    let req = rrq(5000, Ipv4Addr::UNSPECIFIED, id_at(0, 7), vec![nai_ext()]);
    let (t, ev) = send(&mut f, 0, mn(), &with_mn_ha(&req, HA_KEY));
    let r = one_reply(&t);
    assert_eq!(r.code, ReplyCode::Accepted, "{ev:?}");
    assert_eq!(r.home_address, Ipv4Addr::new(10, 9, 0, 1));
    assert_eq!(
        r.lifetime, 1800,
        "capped at max_lifetime (RFC 5944 §3.8.2.2)"
    );
    let c = cfg();
    assert_eq!(nvse(&r, 1), Some(c.ipv6_hoa.unwrap().octets().to_vec()));
    assert_eq!(nvse(&r, 2), None, "no prefix configured");
    assert_eq!(
        nvse(&r, 4),
        Some(
            "2001:db8:77::a09:1"
                .parse::<Ipv6Addr>()
                .unwrap()
                .octets()
                .to_vec()
        ),
        "CoA = prefix ‖ THoAv4"
    );
    let at = auth::find_extension(&t[0].payload, reg_ext::MN_HA_AUTH).unwrap();
    assert!(auth::verify(&t[0].payload, at, HA_KEY).unwrap());
    // Renewal with the THoAv4 keeps the tunnel: no second TunnelUp.
    let renew = rrq(
        300,
        Ipv4Addr::new(10, 9, 0, 1),
        id_at(1, 8),
        vec![nai_ext()],
    );
    let (t, ev) = send(&mut f, 1000, mn(), &with_mn_ha(&renew, HA_KEY));
    assert_eq!(one_reply(&t).lifetime, 300);
    assert!(!ev.iter().any(|e| matches!(e, FhaEvent::TunnelUp { .. })));
    assert_eq!(f.bindings().len(), 1);
}

#[test]
fn mn_ha_failures() {
    let mut f = fha(cfg());
    let req = rrq(600, Ipv4Addr::UNSPECIFIED, id_at(0, 1), vec![nai_ext()]);
    let (t, ev) = send(&mut f, 0, mn(), &with_mn_ha(&req, b"wrong"));
    denied(&t, &ev, ReplyCode::HaMnFailedAuth);
    let at = auth::find_extension(&t[0].payload, reg_ext::MN_HA_AUTH).unwrap();
    assert!(auth::verify(&t[0].payload, at, HA_KEY).unwrap(), "signed");
    // Unknown SPI: no SA, silently discarded.
    let b = Repr::Request(req.clone())
        .to_bytes_signed(reg_ext::MN_HA_AUTH, 9, HA_KEY)
        .unwrap();
    let (t, ev) = send(&mut f, 0, mn(), &b);
    discarded(&t, &ev);
    // No authorization-enabling extension at all.
    let (t, ev) = send(&mut f, 0, mn(), &bytes(&req));
    discarded(&t, &ev);
    // MN-AAA with an SPI other than CHAP_SPI.
    let b = Repr::Request(req)
        .to_bytes_signed(reg_ext::GENERALIZED_AUTH, 3, AAA_KEY)
        .unwrap();
    let (t, ev) = send(&mut f, 0, mn(), &b);
    discarded(&t, &ev);
}

#[test]
fn request_format_rules() {
    let mut f = fha(cfg());
    let ok = |id| rrq(600, Ipv4Addr::UNSPECIFIED, id_at(0, id), vec![nai_ext()]);
    // HoA 0.0.0.0 without the NAI: 97 (RFC 2794 §5 code, answered by the FHA).
    let (t, ev) = send(
        &mut f,
        0,
        mn(),
        &with_mn_ha(&rrq(600, Ipv4Addr::UNSPECIFIED, 1, vec![]), HA_KEY),
    );
    denied(&t, &ev, ReplyCode::MissingNai);
    // Reserved bits.
    let mut r = ok(2);
    r.flags = RrqFlags(RrqFlags::D | RrqFlags::RESERVED_X);
    let (t, ev) = send(&mut f, 0, mn(), &with_mn_ha(&r, HA_KEY));
    assert_eq!(
        denied(&t, &ev, ReplyCode::HaPoorlyFormedRequest).extensions[0],
        nai_ext()
    );
    // Not this FHA.
    let mut r = ok(3);
    r.home_agent = Ipv4Addr::new(192, 0, 2, 99);
    let (t, ev) = send(&mut f, 0, mn(), &with_mn_ha(&r, HA_KEY));
    denied(&t, &ev, ReplyCode::HaUnknownHaAddress);
    // GRE asked.
    let mut r = ok(4);
    r.flags = RrqFlags(RrqFlags::G);
    let (t, ev) = send(&mut f, 0, mn(), &with_mn_ha(&r, HA_KEY));
    denied(&t, &ev, ReplyCode::HaEncapsulationUnavailable);
    // The NAI after MN-HA.
    let mut b = with_mn_ha(&rrq(600, Ipv4Addr::UNSPECIFIED, 5, vec![]), HA_KEY);
    b.extend_from_slice(&[reg_ext::NAI, NAI.len() as u8]);
    b.extend_from_slice(NAI.as_bytes());
    let (t, ev) = send(&mut f, 0, mn(), &b);
    denied(&t, &ev, ReplyCode::HaPoorlyFormedRequest);
    // A truncated extension: 134 from the fixed part.
    let mut b = bytes(&ok(6));
    b.extend_from_slice(&[reg_ext::MN_HA_AUTH, 40, 0]);
    let (t, ev) = send(&mut f, 0, mn(), &b);
    assert_eq!(
        denied(&t, &ev, ReplyCode::HaPoorlyFormedRequest).identification,
        id_at(0, 6)
    );
    // An unknown extension below 128: silently discarded (RFC 5944 §1.8).
    let mut b = bytes(&ok(7));
    b.extend_from_slice(&[100, 0]);
    let (t, ev) = send(&mut f, 0, mn(), &b);
    discarded(&t, &ev);
    // A non-zero Home Address the FHA never gave: 129.
    let r = rrq(
        600,
        Ipv4Addr::new(10, 1, 1, 1),
        id_at(0, 8),
        vec![nai_ext()],
    );
    let (t, ev) = send(&mut f, 0, mn(), &with_mn_ha(&r, HA_KEY));
    denied(&t, &ev, ReplyCode::HaAdminProhibited);
    // A Reply, or garbage: discarded.
    let rrp = Repr::Reply(RegistrationReply {
        code: ReplyCode::Accepted,
        lifetime: 1,
        home_address: CCOA,
        home_agent: FHA,
        identification: 1,
        extensions: vec![],
    });
    let (t, ev) = send(&mut f, 0, mn(), &rrp.to_bytes().unwrap());
    discarded(&t, &ev);
    let (t, ev) = send(&mut f, 0, mn(), &[1, 2]);
    discarded(&t, &ev);
}

#[test]
fn identification_is_checked_as_a_timestamp() {
    let mut f = fha(cfg());
    // 10 s ahead of the FHA's clock (window 7): 133, the FHA's time in the high bits.
    let r = rrq(
        600,
        Ipv4Addr::UNSPECIFIED,
        id_at(10, 0x1234),
        vec![nai_ext()],
    );
    let (t, ev) = send(&mut f, 0, mn(), &with_mn_ha(&r, HA_KEY));
    let d = denied(&t, &ev, ReplyCode::HaIdentificationMismatch);
    assert_eq!(d.identification, (T0 << 32) | 0x1234);
    // Within the window: accepted; the same Identification again: 133.
    let r = rrq(600, Ipv4Addr::UNSPECIFIED, id_at(5, 1), vec![nai_ext()]);
    let (t, _) = send(&mut f, 0, mn(), &with_mn_ha(&r, HA_KEY));
    assert_eq!(one_reply(&t).code, ReplyCode::Accepted);
    let r = rrq(
        600,
        Ipv4Addr::new(10, 9, 0, 1),
        id_at(5, 1),
        vec![nai_ext()],
    );
    let (t, ev) = send(&mut f, 1000, mn(), &with_mn_ha(&r, HA_KEY));
    denied(&t, &ev, ReplyCode::HaIdentificationMismatch);
    // Behind by more than the window.
    let r = rrq(
        600,
        Ipv4Addr::new(10, 9, 0, 1),
        id_at(6, 1),
        vec![nai_ext()],
    );
    let (t, ev) = send(&mut f, 20_000, mn(), &with_mn_ha(&r, HA_KEY));
    denied(&t, &ev, ReplyCode::HaIdentificationMismatch);
}

#[test]
fn deregistration_and_expiry_remove_the_binding_and_the_tunnel() {
    let mut f = fha(cfg());
    let r = rrq(600, Ipv4Addr::UNSPECIFIED, id_at(0, 1), vec![nai_ext()]);
    send(&mut f, 0, mn(), &with_mn_ha(&r, HA_KEY));
    let thoa = Ipv4Addr::new(10, 9, 0, 1);
    let d = rrq(0, thoa, id_at(1, 2), vec![nai_ext()]);
    let (t, ev) = send(&mut f, 1000, mn(), &with_mn_ha(&d, HA_KEY));
    let r = one_reply(&t);
    assert_eq!(
        (r.code, r.lifetime, r.home_address),
        (ReplyCode::Accepted, 0, thoa)
    );
    assert!(ev.contains(&FhaEvent::TunnelDown {
        thoa,
        coa: CCOA,
        why: FhaTunnelDown::Deregistered
    }));
    assert!(f.bindings().is_empty());
    assert_eq!(f.next_timeout(), None);

    let r = rrq(2, Ipv4Addr::UNSPECIFIED, id_at(2, 3), vec![nai_ext()]);
    send(&mut f, 2000, mn(), &with_mn_ha(&r, HA_KEY));
    assert_eq!(f.next_timeout(), Some(4000));
    f.handle_timeout(3999);
    assert_eq!(f.drain(), (vec![], vec![]));
    f.handle_timeout(4000);
    let (t, ev) = f.drain();
    assert!(t.is_empty(), "no reply on expiry (RFC 5944 §3.8)");
    assert_eq!(
        ev,
        vec![FhaEvent::TunnelDown {
            thoa,
            coa: CCOA,
            why: FhaTunnelDown::Expired
        }]
    );
}

#[test]
fn a_new_coa_replaces_the_tunnel_and_s_gets_code_1() {
    let mut f = fha(cfg());
    let r = rrq(600, Ipv4Addr::UNSPECIFIED, id_at(0, 1), vec![nai_ext()]);
    send(&mut f, 0, mn(), &with_mn_ha(&r, HA_KEY));
    let mut r = rrq(
        600,
        Ipv4Addr::new(10, 9, 0, 1),
        id_at(1, 2),
        vec![nai_ext()],
    );
    r.care_of_address = Ipv4Addr::new(198, 51, 100, 21);
    r.flags = RrqFlags(RrqFlags::S | RrqFlags::T);
    let (t, ev) = send(&mut f, 1000, mn(), &with_mn_ha(&r, HA_KEY));
    assert_eq!(
        one_reply(&t).code,
        ReplyCode::AcceptedNoSimultaneousBindings
    );
    assert!(ev.iter().any(|e| matches!(
        e,
        FhaEvent::TunnelDown {
            why: FhaTunnelDown::Replaced,
            ..
        }
    )));
    assert!(ev.iter().any(|e| matches!(
        e,
        FhaEvent::TunnelUp {
            reverse: true,
            coa,
            ..
        } if *coa == Ipv4Addr::new(198, 51, 100, 21)
    )));
    assert_eq!(f.bindings().len(), 1);
}

#[test]
fn the_pool_runs_out_with_130() {
    let mut c = cfg();
    c.thoa_pool.count = 1;
    c.mn_ha.push(FhaMnHaSa {
        nai: "mn2@example.com".into(),
        spi: 0x100,
        key: HA_KEY.to_vec(),
    });
    let mut f = fha(c);
    let r = rrq(600, Ipv4Addr::UNSPECIFIED, id_at(0, 1), vec![nai_ext()]);
    send(&mut f, 0, mn(), &with_mn_ha(&r, HA_KEY));
    let r2 = rrq(
        600,
        Ipv4Addr::UNSPECIFIED,
        id_at(0, 1),
        vec![Extension::Nai(b"mn2@example.com".to_vec())],
    );
    let (t, ev) = send(&mut f, 0, mn(), &with_mn_ha(&r2, HA_KEY));
    denied(&t, &ev, ReplyCode::HaInsufficientResources);
}

#[test]
fn a_relaying_fa_with_an_sa_must_sign_and_the_challenge_is_echoed() {
    let fa: SocketAddr = "198.51.100.1:434".parse().unwrap();
    let mut c = cfg();
    c.fa_ha = vec![FhaFaHaSa {
        fa: Ipv4Addr::new(198, 51, 100, 1),
        spi: 0x200,
        key: b"fa-key".to_vec(),
    }];
    let mut f = fha(c);
    let challenge = vec![7u8; 8];
    let r = rrq(
        600,
        Ipv4Addr::UNSPECIFIED,
        id_at(0, 1),
        vec![nai_ext(), Extension::MnFaChallenge(challenge.clone())],
    );
    let mut b = with_mn_aaa(&r, Some(&challenge));
    // Without FA-HA: 132.
    f.handle_input(0, FhaInput::Registration(Datagram::new(fa, &b)));
    let (t, ev) = f.drain();
    assert_eq!(reply_of(&t[0]).code, ReplyCode::HaFaFailedAuth, "{ev:?}");
    auth::append_authenticated(&mut b, reg_ext::FA_HA_AUTH, 0x200, b"fa-key").unwrap();
    f.handle_input(1, FhaInput::Registration(Datagram::new(fa, &b)));
    let (t, _) = f.drain();
    assert_eq!(t[0].dst, aaa_addr());
    // The fake AAA's CHAP check passes only if the FA's challenge went into CHAP.
    let (t, _) = radius_in(&mut f, 2, &fake_aaa(&t[0].payload, Some(&authz())));
    assert_eq!(t[0].dst, fa);
    let r = reply_of(&t[0]);
    assert_eq!(r.code, ReplyCode::Accepted);
    let kinds: Vec<u8> = r.extensions.iter().map(Extension::kind).collect();
    let n = kinds.len();
    assert_eq!(
        &kinds[n - 3..],
        &[
            reg_ext::MN_HA_AUTH,
            reg_ext::MN_FA_CHALLENGE,
            reg_ext::FA_HA_AUTH
        ],
        "RFC 5944 §3.8.3.3 order, RFC 4721 §3.4"
    );
    let at = auth::find_extension(&t[0].payload, reg_ext::FA_HA_AUTH).unwrap();
    assert!(auth::verify(&t[0].payload, at, b"fa-key").unwrap());
    // FA-HA from an FA the FHA has no SA with: discarded.
    let stranger: SocketAddr = "198.51.100.2:434".parse().unwrap();
    let r = rrq(600, Ipv4Addr::UNSPECIFIED, id_at(1, 2), vec![nai_ext()]);
    let mut b = with_mn_ha(&r, HA_KEY);
    auth::append_authenticated(&mut b, reg_ext::FA_HA_AUTH, 0x200, b"fa-key").unwrap();
    f.handle_input(3, FhaInput::Registration(Datagram::new(stranger, &b)));
    let (t, ev) = f.drain();
    discarded(&t, &ev);
}

#[test]
fn knobs_break_one_rule_each() {
    let accept = |knobs: FhaKnobs| {
        let mut c = cfg();
        c.knobs = knobs;
        let mut f = fha(c);
        let r = rrq(600, Ipv4Addr::UNSPECIFIED, id_at(0, 1), vec![nai_ext()]);
        let (t, _) = send(&mut f, 0, mn(), &with_mn_ha(&r, HA_KEY));
        one_reply(&t)
    };
    let plain = accept(FhaKnobs::default());
    assert!(nvse(&plain, 1).is_some());
    let r = accept(FhaKnobs {
        no_ipv6_items_in_rrp: true,
        ..Default::default()
    });
    assert!((1..=4).all(|t| nvse(&r, t).is_none()));
    let r = accept(FhaKnobs {
        no_thoa: true,
        ..Default::default()
    });
    assert_eq!(
        (r.code, r.home_address),
        (ReplyCode::Accepted, Ipv4Addr::UNSPECIFIED)
    );
    let r = accept(FhaKnobs {
        no_nai_echo: true,
        ..Default::default()
    });
    assert!(!r.extensions.contains(&nai_ext()));
    let r = accept(FhaKnobs {
        lifetime_raised: true,
        ..Default::default()
    });
    assert!(r.lifetime > 600);
    // skip_aaa_check: MN-AAA accepted without any RADIUS.
    let mut c = cfg();
    c.knobs.skip_aaa_check = true;
    let mut f = fha(c);
    let r = rrq(600, Ipv4Addr::UNSPECIFIED, id_at(0, 1), vec![nai_ext()]);
    let (t, _) = send(&mut f, 0, mn(), &with_mn_aaa(&r, None));
    assert_eq!(one_reply(&t).code, ReplyCode::Accepted);
    assert_eq!(f.pending_aaa(), 0);
}

#[test]
fn without_an_aaa_server_mn_aaa_is_discarded() {
    let mut c = cfg();
    c.aaa = None;
    let mut f = fha(c);
    let r = rrq(600, Ipv4Addr::UNSPECIFIED, id_at(0, 1), vec![nai_ext()]);
    let (t, ev) = send(&mut f, 0, mn(), &with_mn_aaa(&r, None));
    discarded(&t, &ev);
}

proptest! {
    #[test]
    fn arbitrary_input_never_panics_and_timers_stay_bounded(
        inputs in proptest::collection::vec(
            (any::<bool>(), proptest::collection::vec(any::<u8>(), 0..120), 0u64..5000),
            1..12,
        ),
        signed in any::<bool>(),
    ) {
        let mut f = fha(cfg());
        let mut now = 0u64;
        for (radius, mut b, step) in inputs {
            now += step;
            if signed && !radius && b.len() >= 24 {
                // Make some of them well-formed, signed requests.
                b[0] = 1;
                b.truncate(24);
                b.extend_from_slice(&[reg_ext::NAI, NAI.len() as u8]);
                b.extend_from_slice(NAI.as_bytes());
                let _ = auth::append_authenticated(&mut b, reg_ext::MN_HA_AUTH, 0x100, HA_KEY);
            }
            let input = if radius {
                FhaInput::Radius(Datagram::new(aaa_addr(), &b))
            } else {
                FhaInput::Registration(Datagram::new(mn(), &b))
            };
            f.handle_input(now, input);
            if let Some(t) = f.next_timeout() {
                // A Lifetime (at most max_lifetime) or a retransmission away.
                prop_assert!(t <= now + 1_800_000 && t >= now.saturating_sub(5000));
            }
            f.handle_timeout(now);
            f.drain();
        }
    }
}

#[test]
fn stimuli_for_mns_and_fas_under_test() {
    // A Reply whose Identification's low-order bits are not the Request's (RFC 5944 §5.7).
    let mut c = cfg();
    c.knobs.reply_identification_mismatch = true;
    let mut f = fha(c);
    let id = id_at(0, 1);
    let r = rrq(600, Ipv4Addr::UNSPECIFIED, id, vec![nai_ext()]);
    let (t, _) = send(&mut f, 0, mn(), &with_mn_ha(&r, HA_KEY));
    let reply = one_reply(&t);
    assert_ne!(reply.identification as u32, id as u32);
    // Its MN-HA authenticator still verifies: only the Identification is wrong.
    let at = auth::find_extension(&t[0].payload, reg_ext::MN_HA_AUTH).unwrap();
    assert!(auth::verify(&t[0].payload, at, HA_KEY).unwrap());

    // A Reply to the FA whose FA-HA authenticator does not verify with the SA's key.
    let fa: SocketAddr = "198.51.100.1:434".parse().unwrap();
    let mut c = cfg();
    c.fa_ha = vec![FhaFaHaSa {
        fa: Ipv4Addr::new(198, 51, 100, 1),
        spi: 0x200,
        key: b"fa-key".to_vec(),
    }];
    c.knobs.fa_ha_auth_wrong_key = true;
    let mut f = fha(c);
    let r = rrq(600, Ipv4Addr::UNSPECIFIED, id_at(0, 2), vec![nai_ext()]);
    let mut b = with_mn_ha(&r, HA_KEY);
    auth::append_authenticated(&mut b, reg_ext::FA_HA_AUTH, 0x200, b"fa-key").unwrap();
    let (t, _) = send(&mut f, 0, fa, &b);
    assert_eq!(t[0].dst, fa);
    let at = auth::find_extension(&t[0].payload, reg_ext::FA_HA_AUTH).unwrap();
    assert!(!auth::verify(&t[0].payload, at, b"fa-key").unwrap());
}
