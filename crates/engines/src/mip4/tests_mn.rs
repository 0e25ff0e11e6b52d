//! The MN registration client, rule by rule and knob by knob; helpers shared with the FA tests.

use super::mn::*;
use super::*;
use crate::io::{Datagram, SansIo, Transmit};
use mip6lab_wire::mip4::{
    auth, ext, reg_ext, AdvFlags, AgentAdvertisement, IcmpRepr, MobilityAgentAdvertisement,
    RegistrationReply, ReplyCode, Repr, RouterAddress, RrqFlags,
};
use proptest::prelude::*;
use std::net::SocketAddr;

pub(super) const COA: Ipv4Addr = Ipv4Addr::new(198, 18, 1, 10);
pub(super) const FHA: Ipv4Addr = Ipv4Addr::new(198, 18, 2, 1);
pub(super) const FA: Ipv4Addr = Ipv4Addr::new(198, 18, 1, 1);
pub(super) const FA_COA: Ipv4Addr = Ipv4Addr::new(198, 18, 1, 2);
pub(super) const THOA: Ipv4Addr = Ipv4Addr::new(198, 19, 0, 20);
pub(super) const NAI: &str = "mn1@ds.example";
pub(super) const MN_HA_KEY: &[u8] = b"mn-fha-secret";

pub(super) fn mn_ha() -> SecurityAssociation {
    SecurityAssociation::new(0x100, MN_HA_KEY)
}

pub(super) fn v6(s: &str) -> Ipv6Addr {
    s.parse().unwrap()
}

pub(super) fn items() -> ProfileItems {
    ProfileItems {
        thoa_v4: Some(THOA),
        fha_address: Some(FHA),
        ipv6_hoa: Some(v6("2001:db8:1:100::20")),
        ipv6_home_prefix: Some((64, v6("2001:db8:1:100::"))),
        ipv6_ha: Some(v6("2001:db8:1:100::1")),
        ipv6_coa: Some(v6("2001:db8:9::20")),
        problems: Vec::new(),
    }
}

pub(super) fn config(mode: CoaMode) -> Mip4ClientConfig {
    let mut c = Mip4ClientConfig::new(NAI, mode, Profile::lab());
    c.mn_ha = Some(mn_ha());
    c
}

pub(super) fn client(c: Mip4ClientConfig) -> Mip4Client {
    // Identification: seconds in the high half, milliseconds in the low half.
    Mip4Client::new(
        c,
        Box::new(|now| ((3_900_000_000 + now / 1000) << 32) | (now & 0xffff_ffff)),
        Box::new(|b| b.fill(0x80)),
    )
}

pub(super) fn colocated() -> CoaMode {
    CoaMode::CoLocated { coa: COA, fha: FHA }
}

pub(super) fn sock(a: Ipv4Addr, port: u16) -> SocketAddr {
    SocketAddr::V4(std::net::SocketAddrV4::new(a, port))
}

/// An Agent Advertisement from `FA`.
pub(super) fn adv(flags: u16, seq: u16, lifetime: u16, challenge: Option<&[u8]>) -> Vec<u8> {
    let mut extensions = vec![Extension::MobilityAgent(MobilityAgentAdvertisement {
        sequence: seq,
        registration_lifetime: lifetime,
        flags: AdvFlags(flags),
        care_of_addresses: vec![FA_COA, Ipv4Addr::new(198, 18, 1, 3)],
    })];
    extensions.extend(challenge.map(|c| Extension::AdvChallenge(c.to_vec())));
    IcmpRepr::Advertisement(AgentAdvertisement {
        code: 0,
        lifetime: 90,
        addr_entry_size: 2,
        routers: vec![RouterAddress {
            address: FA,
            preference: 0,
            extra: Vec::new(),
        }],
        extensions,
    })
    .to_bytes()
    .unwrap()
}

pub(super) fn request(t: &Transmit) -> RegistrationRequest {
    match Repr::from_bytes(&t.payload).unwrap() {
        Repr::Request(r) => r,
        r => panic!("not a request: {r:?}"),
    }
}

/// The FHA's reply to `req`: the items written through the profile, signed MN-HA.
pub(super) fn fha_reply(
    req: &RegistrationRequest,
    code: u8,
    sa: Option<&SecurityAssociation>,
) -> Vec<u8> {
    let mut r = RegistrationReply {
        code: code.into(),
        lifetime: req.lifetime,
        home_address: Ipv4Addr::UNSPECIFIED,
        home_agent: Ipv4Addr::UNSPECIFIED,
        identification: req.identification,
        extensions: vec![Extension::Nai(NAI.as_bytes().to_vec())],
    };
    if ReplyCode::from(code).is_accepted() {
        write_items(&Profile::lab(), &items(), &mut r);
    } else {
        r.home_address = req.home_address;
        r.home_agent = req.home_agent;
    }
    let repr = Repr::Reply(r);
    match sa {
        Some(sa) => repr
            .to_bytes_signed(reg_ext::MN_HA_AUTH, sa.spi, &sa.key)
            .unwrap(),
        None => repr.to_bytes().unwrap(),
    }
}

fn udp(m: &mut Mip4Client, now: u64, from: Ipv4Addr, b: &[u8]) {
    m.handle_input(now, MnInput::Udp(Datagram::new(sock(from, 434), b)));
}

fn icmp(m: &mut Mip4Client, now: u64, b: &[u8]) {
    m.handle_input(now, MnInput::Icmp(Datagram::new(sock(FA, 0), b)));
}

fn registered(events: &[MnEvent]) -> Option<&Registration> {
    events.iter().find_map(|e| match e {
        MnEvent::Registered(r) => Some(r),
        _ => None,
    })
}

#[test]
fn colocated_registers_directly_with_the_fha() {
    let mut m = client(config(colocated()));
    m.start(0);
    let (tx, ev) = m.drain();
    assert_eq!(tx.len(), 1);
    assert_eq!(tx[0].dst, sock(FHA, 434));
    let r = request(&tx[0]);
    assert_eq!(r.home_address, Ipv4Addr::UNSPECIFIED, "RFC 2794 §2");
    assert_eq!((r.home_agent, r.care_of_address), (FHA, COA));
    assert!(r.flags.has(RrqFlags::D) && !r.flags.has(RrqFlags::T));
    assert_eq!(r.extensions[0], Extension::Nai(NAI.as_bytes().to_vec()));
    assert_eq!(r.extensions.last().unwrap().kind(), reg_ext::MN_HA_AUTH);
    let at = auth::find_extension(&tx[0].payload, reg_ext::MN_HA_AUTH).unwrap();
    assert!(auth::verify(&tx[0].payload, at, MN_HA_KEY).unwrap());
    assert!(
        matches!(ev[0], MnEvent::RequestSent { src, via_foreign_agent: false, .. } if src == COA)
    );
}

#[test]
fn r_bit_makes_a_colocated_mn_register_via_the_fa() {
    // Before the start.
    let mut m = client(config(colocated()));
    icmp(&mut m, 0, &adv(AdvFlags::F | AdvFlags::R, 0, 600, None));
    m.start(0);
    let (tx, _) = m.drain();
    assert_eq!(tx[0].dst, sock(FA, 434), "RFC 5944 §3.1, draft §4.1.2");
    let r = request(&tx[0]);
    assert_eq!(r.care_of_address, COA, "the co-located CoA, D set");
    assert!(r.flags.has(RrqFlags::D));
    assert_eq!(r.lifetime, 600, "no longer than advertised");
    // After a direct registration started.
    let mut m = client(config(colocated()));
    m.start(0);
    m.drain();
    icmp(&mut m, 10, &adv(AdvFlags::F | AdvFlags::R, 0, 600, None));
    let (tx, _) = m.drain();
    assert_eq!(tx.len(), 1);
    assert_eq!(tx[0].dst, sock(FA, 434));
    // Without R it stays direct.
    let mut m = client(config(colocated()));
    m.start(0);
    m.drain();
    icmp(&mut m, 10, &adv(AdvFlags::F, 0, 600, None));
    assert!(m.drain().0.is_empty());
}

#[test]
fn knob_ignore_r_bit_registers_directly() {
    let mut c = config(colocated());
    c.ignore_r_bit = true;
    let mut m = client(c);
    icmp(&mut m, 0, &adv(AdvFlags::F | AdvFlags::R, 0, 600, None));
    m.start(0);
    assert_eq!(m.drain().0[0].dst, sock(FHA, 434));
}

#[test]
fn fa_mode_solicits_with_backoff_then_registers_with_the_first_coa() {
    let mut m = client(config(CoaMode::ViaForeignAgent { fha: Some(FHA) }));
    m.start(0);
    assert!(m.drain().0.is_empty());
    let mut at = Vec::new();
    for _ in 0..6 {
        let t = m.next_timeout().unwrap();
        m.handle_timeout(t);
        let (tx, _) = m.drain();
        assert_eq!(tx[0].dst, sock(ALL_MOBILITY_AGENTS, 0));
        assert!(matches!(
            IcmpRepr::from_bytes(&tx[0].payload),
            Ok(IcmpRepr::Solicitation(_))
        ));
        at.push(t);
    }
    let gaps: Vec<u64> = at.windows(2).map(|w| w[1] - w[0]).collect();
    // Three at one per second, then doubling (RFC 5944 §2.4); this rng's jitter is ~0.
    for (g, want) in gaps.iter().zip([1000, 1000, 2000, 4000, 8000]) {
        assert!(g.abs_diff(want) * 100 <= want, "{gaps:?}");
    }
    icmp(&mut m, 20_000, &adv(AdvFlags::F, 3, 300, None));
    let (tx, _) = m.drain();
    let r = request(&tx[0]);
    assert_eq!(tx[0].dst, sock(FA, 434));
    assert_eq!(r.care_of_address, FA_COA, "§2.4: the first advertised CoA");
    assert!(
        !r.flags.has(RrqFlags::D),
        "§3.6.1.2: D MUST NOT be set with an FA CoA"
    );
    assert_eq!(r.lifetime, 300);
    assert_eq!(r.home_agent, FHA);
}

#[test]
fn knob_exceed_advertised_lifetime() {
    let mut c = config(CoaMode::ViaForeignAgent { fha: Some(FHA) });
    c.exceed_advertised_lifetime = true;
    let mut m = client(c);
    icmp(&mut m, 0, &adv(AdvFlags::F, 0, 300, None));
    m.start(0);
    assert_eq!(request(&m.drain().0[0]).lifetime, 1800);
}

#[test]
fn busy_or_non_fa_advertisements_are_ignored() {
    let mut m = client(config(CoaMode::ViaForeignAgent { fha: None }));
    m.start(0);
    icmp(&mut m, 1, &adv(AdvFlags::H, 0, 300, None));
    icmp(&mut m, 2, &adv(AdvFlags::F | AdvFlags::B, 0, 300, None));
    let mut bad = adv(AdvFlags::F, 0, 300, None);
    bad[2] ^= 1;
    icmp(&mut m, 3, &bad);
    let (tx, ev) = m.drain();
    assert!(tx.is_empty());
    assert_eq!(
        ev.iter()
            .filter(|e| matches!(e, MnEvent::AdvertisementIgnored { .. }))
            .count(),
        3
    );
}

#[test]
fn accepted_reply_gives_the_registration_with_the_profile_items() {
    let mut m = client(config(colocated()));
    m.start(1_000);
    let req = request(&m.drain().0[0]);
    udp(&mut m, 1_300, FHA, &fha_reply(&req, 0, Some(&mn_ha())));
    let (_, ev) = m.drain();
    let reg = registered(&ev).expect("registered");
    assert_eq!(reg.home_address, THOA);
    assert_eq!(reg.home_agent, FHA);
    assert_eq!(reg.items.thoa_v4, Some(THOA));
    assert_eq!(reg.items.ipv6_hoa, items().ipv6_hoa);
    assert_eq!(reg.items.ipv6_home_prefix, items().ipv6_home_prefix);
    assert_eq!(reg.items.ipv6_ha, items().ipv6_ha);
    assert_eq!(reg.items.ipv6_coa, items().ipv6_coa);
    assert!(reg.items.complete_for_mip6());
    // §3.6.2.2: timed from the send, not the reply.
    assert_eq!(reg.expires_at, Some(1_000 + 1_800_000));
    // Re-registration before expiry, with the assigned HoA and HA.
    let t = m.next_timeout().unwrap();
    assert!(t < 1_801_000 && t > 1_000);
    m.handle_timeout(t);
    let r = request(&m.drain().0[0]);
    assert_eq!((r.home_address, r.home_agent), (THOA, FHA));
    assert!(r.identification > req.identification);
}

#[test]
fn items_after_the_mn_ha_authenticator_are_not_taken() {
    let mut m = client(config(colocated()));
    m.start(0);
    let req = request(&m.drain().0[0]);
    let mut r = RegistrationReply {
        code: ReplyCode::Accepted,
        lifetime: 60,
        home_address: THOA,
        home_agent: FHA,
        identification: req.identification,
        extensions: vec![Extension::Nai(NAI.as_bytes().to_vec())],
    };
    let mut b = Repr::Reply(r.clone())
        .to_bytes_signed(reg_ext::MN_HA_AUTH, 0x100, MN_HA_KEY)
        .unwrap();
    write_items(&Profile::lab(), &items(), &mut r);
    for e in r.extensions.into_iter().skip(1) {
        b = push_extension(&b, e);
    }
    udp(&mut m, 5, FHA, &b);
    let reg = registered(&m.drain().1).cloned().unwrap();
    assert_eq!(reg.items.thoa_v4, Some(THOA));
    assert_eq!(reg.items.ipv6_hoa, None, "not covered by MN-HA");
}

#[test]
fn knob_ignore_ipv6_items() {
    let mut c = config(colocated());
    c.ignore_ipv6_items = true;
    let mut m = client(c);
    m.start(0);
    let req = request(&m.drain().0[0]);
    udp(&mut m, 5, FHA, &fha_reply(&req, 0, Some(&mn_ha())));
    let reg = registered(&m.drain().1).cloned().unwrap();
    assert_eq!(reg.items.thoa_v4, Some(THOA));
    assert_eq!((reg.items.ipv6_hoa, reg.items.ipv6_ha), (None, None));
}

#[test]
fn identification_mismatch_is_dropped_unless_the_knob() {
    for skip in [false, true] {
        let mut c = config(colocated());
        c.skip_identification_check = skip;
        let mut m = client(c);
        m.start(0);
        let mut req = request(&m.drain().0[0]);
        req.identification ^= 1;
        udp(&mut m, 5, FHA, &fha_reply(&req, 0, Some(&mn_ha())));
        let ev = m.drain().1;
        assert_eq!(registered(&ev).is_some(), skip);
        if !skip {
            assert!(matches!(
                ev[0],
                MnEvent::ReplyDropped {
                    reason: DropReason::IdentificationMismatch { .. },
                    ..
                }
            ));
        }
    }
}

#[test]
fn bad_or_missing_mn_ha_is_dropped_unless_the_knob() {
    for skip in [false, true] {
        let mut c = config(colocated());
        c.skip_mn_ha_check = skip;
        let mut m = client(c);
        m.start(0);
        let req = request(&m.drain().0[0]);
        let wrong = SecurityAssociation::new(0x100, b"other".to_vec());
        udp(&mut m, 5, FHA, &fha_reply(&req, 0, Some(&wrong)));
        udp(&mut m, 6, FHA, &fha_reply(&req, 0, None));
        let ev = m.drain().1;
        assert_eq!(registered(&ev).is_some(), skip, "RFC 5944 §3.6.2.1 b");
    }
    // An FA denial carries no MN-HA and is still taken.
    let mut m = client(config(colocated()));
    m.start(0);
    let req = request(&m.drain().0[0]);
    udp(&mut m, 5, FHA, &fha_reply(&req, 65, None));
    assert!(m.drain().1.iter().any(|e| matches!(
        e,
        MnEvent::Denied {
            code: 65,
            by_home_agent: false,
            ..
        }
    )));
}

#[test]
fn retransmission_backs_off_with_new_identifications_then_gives_up() {
    let mut m = client(config(colocated()));
    m.start(0);
    let mut ids = vec![request(&m.drain().0[0]).identification];
    let mut times = vec![0];
    loop {
        let t = m.next_timeout().unwrap();
        m.handle_timeout(t);
        let (tx, ev) = m.drain();
        if let Some(MnEvent::GaveUp { attempts }) = ev.first() {
            assert_eq!(*attempts, 4);
            break;
        }
        ids.push(request(&tx[0]).identification);
        times.push(t);
    }
    let gaps: Vec<u64> = times.windows(2).map(|w| w[1] - w[0]).collect();
    assert_eq!(gaps, vec![1000, 2000, 4000], "§3.6.3: doubled from 1 s");
    assert!(ids.windows(2).all(|w| w[1] > w[0]), "§5.7.1: increasing");
    assert_eq!(m.next_timeout(), None);
}

#[test]
fn knob_fast_retransmit() {
    let mut c = config(colocated());
    c.fast_retransmit = true;
    let mut m = client(c);
    m.start(0);
    m.drain();
    assert_eq!(m.next_timeout(), Some(200));
    m.handle_timeout(200);
    m.drain();
    assert_eq!(m.next_timeout(), Some(400));
}

#[test]
fn knob_reuse_identification() {
    let mut c = config(colocated());
    c.reuse_identification = true;
    let mut m = client(c);
    m.start(0);
    let a = request(&m.drain().0[0]).identification;
    m.handle_timeout(1_000);
    assert_eq!(request(&m.drain().0[0]).identification, a);
}

#[test]
fn denials_are_reported_and_69_133_repaired() {
    let mut m = client(config(colocated()));
    m.start(0);
    let req = request(&m.drain().0[0]);
    udp(&mut m, 5, FHA, &fha_reply(&req, 129, Some(&mn_ha())));
    let ev = m.drain().1;
    assert!(matches!(
        &ev[0],
        MnEvent::Denied {
            code: 129,
            by_home_agent: true,
            ..
        }
    ));
    assert_eq!(m.next_timeout(), None);

    // 69: again with the FA's maximum, no sooner than a second after the last Request.
    let mut m = client(config(colocated()));
    m.start(0);
    let req = request(&m.drain().0[0]);
    let mut deny = RegistrationReply {
        code: ReplyCode::FaLifetimeTooLong,
        lifetime: 120,
        home_address: req.home_address,
        home_agent: req.home_agent,
        identification: req.identification,
        extensions: Vec::new(),
    };
    udp(
        &mut m,
        5,
        FHA,
        &Repr::Reply(deny.clone()).to_bytes().unwrap(),
    );
    assert!(m.drain().0.is_empty());
    assert_eq!(m.next_timeout(), Some(1_000));
    m.handle_timeout(1_000);
    let again = request(&m.drain().0[0]);
    assert_eq!(again.lifetime, 120);

    // 133: the HA's high 32 bits resynchronise Identification.
    deny.code = ReplyCode::HaIdentificationMismatch;
    deny.identification = (4_000_000_000u64 << 32) | u64::from(low32(again.identification));
    let b = Repr::Reply(deny)
        .to_bytes_signed(reg_ext::MN_HA_AUTH, 0x100, MN_HA_KEY)
        .unwrap();
    udp(&mut m, 1_100, FHA, &b);
    m.handle_timeout(2_000);
    let third = request(&m.drain().0[0]);
    assert_eq!(
        third.identification >> 32,
        4_000_000_001,
        "one second later on the HA's clock"
    );
}

#[test]
fn knobs_no_nai_and_nai_after_auth() {
    let mut c = config(colocated());
    c.no_nai = true;
    let mut m = client(c);
    m.start(0);
    let r = request(&m.drain().0[0]);
    assert!(r.extensions.iter().all(|e| e.kind() != reg_ext::NAI));

    let mut c = config(colocated());
    c.nai_after_auth = true;
    let mut m = client(c);
    m.start(0);
    let r = request(&m.drain().0[0]);
    let kinds: Vec<u8> = r.extensions.iter().map(Extension::kind).collect();
    assert_eq!(kinds, vec![reg_ext::MN_HA_AUTH, reg_ext::NAI]);
}

#[test]
fn all_zero_one_home_agent_names_the_fha_in_a_requested_ha_extension() {
    for (field, want) in [
        (HaField::Unspecified, Ipv4Addr::UNSPECIFIED),
        (HaField::HomeDomain, Ipv4Addr::BROADCAST),
    ] {
        let mut c = config(colocated());
        c.ha_field = field;
        let mut m = client(c);
        m.start(0);
        let tx = m.drain().0;
        let r = request(&tx[0]);
        assert_eq!(r.home_agent, want);
        assert_eq!(tx[0].dst, sock(FHA, 434));
        assert!(
            r.extensions.contains(&Extension::DynamicHa {
                subtype: ext::DYNAMIC_HA_REQUESTED,
                address: FHA,
                short_form: false
            }),
            "RFC 4433 §5.1.2"
        );
    }
}

#[test]
fn mn_aaa_with_the_fa_challenge_and_mn_fa() {
    let mut c = config(CoaMode::ViaForeignAgent { fha: Some(FHA) });
    c.mn_aaa = Some(SecurityAssociation::new(0x200, b"aaa".to_vec()));
    c.mn_fa = Some(SecurityAssociation::new(0x300, b"fa".to_vec()));
    let mut m = client(c);
    icmp(&mut m, 0, &adv(AdvFlags::F, 0, 600, Some(&[7; 8])));
    m.start(0);
    let tx = m.drain().0;
    let r = request(&tx[0]);
    let kinds: Vec<u8> = r.extensions.iter().map(Extension::kind).collect();
    assert_eq!(
        kinds,
        vec![
            reg_ext::NAI,
            32,
            reg_ext::MN_FA_CHALLENGE,
            reg_ext::GENERALIZED_AUTH,
            33
        ],
        "RFC 5944 §3.6.1.3, RFC 4721 §3.1"
    );
    let at = auth::find_extension(&tx[0].payload, reg_ext::GENERALIZED_AUTH).unwrap();
    assert!(auth::verify(&tx[0].payload, at, b"aaa").unwrap());
}

#[test]
fn fa_reboot_triggers_a_new_registration() {
    let mut m = client(config(CoaMode::ViaForeignAgent { fha: Some(FHA) }));
    icmp(&mut m, 0, &adv(AdvFlags::F, 500, 600, None));
    m.start(0);
    let req = request(&m.drain().0[0]);
    udp(&mut m, 5, FA, &fha_reply(&req, 0, Some(&mn_ha())));
    m.drain();
    icmp(&mut m, 10, &adv(AdvFlags::F, 501, 600, None));
    assert!(m.drain().0.is_empty());
    icmp(&mut m, 20, &adv(AdvFlags::F, 2, 600, None));
    assert_eq!(m.drain().0.len(), 1, "§2.4.4: below 256 means a reboot");
}

#[test]
fn events_are_serializable() {
    fn is_serialize<T: serde::Serialize>(_: &T) {}
    is_serialize(&MnEvent::GaveUp { attempts: 1 });
}

proptest! {
    #[test]
    fn arbitrary_input_never_panics(b in proptest::collection::vec(any::<u8>(), 0..200), icmp_in in any::<bool>()) {
        let mut m = client(config(CoaMode::ViaForeignAgent { fha: None }));
        m.start(0);
        let mut b = b;
        if let Some(x) = b.first_mut() { if !icmp_in { *x %= 4; } }
        let d = Datagram::new(sock(FA, 434), &b);
        m.handle_input(1, if icmp_in { MnInput::Icmp(d) } else { MnInput::Udp(d) });
        let t = m.next_timeout();
        prop_assert!(t.is_some());
        m.handle_timeout(t.unwrap());
        m.drain();
    }
}

/// RFC 4721 §8: with SPI CHAP_SPI the MN-AAA authenticator is the CHAP-style value over the
/// co-located challenge 0, which an AAA server checks as RADIUS CHAP.
#[test]
fn a_colocated_mn_aaa_with_chap_spi_signs_the_chap_value() {
    let mut c = config(colocated());
    c.mn_ha = None;
    c.mn_aaa = Some(SecurityAssociation::new(
        auth::CHAP_SPI,
        b"mn-aaa-key".to_vec(),
    ));
    let mut m = client(c);
    m.start(0);
    let (tx, _) = m.drain();
    let rrq = &tx.first().expect("an RRQ").payload;
    let at = auth::find_extension(rrq, reg_ext::GENERALIZED_AUTH).unwrap();
    assert!(auth::verify_chap(rrq, at, b"mn-aaa-key", &[0]).unwrap());
    assert!(!auth::verify(rrq, at, b"mn-aaa-key").unwrap());
}
