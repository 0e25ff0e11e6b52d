//! The foreign agent, rule by rule and knob by knob, and the MN ↔ FA ↔ FHA exchange.

use super::fa::*;
use super::mn::{push_extension, MnInput};
use super::tests_mn::*;
use super::*;
use crate::io::{Datagram, SansIo, Transmit};
use mip6lab_wire::mip4::agent::ALL_SYSTEMS;
use mip6lab_wire::mip4::{
    auth, ext, reg_ext, AdvFlags, AgentSolicitation, IcmpRepr, RegistrationReply, ReplyCode, Repr,
    RrqFlags,
};
use proptest::prelude::*;

const MN: Ipv4Addr = Ipv4Addr::UNSPECIFIED;
const MN_PORT: u16 = 40000;
const FA_HA_KEY: &[u8] = b"fa-fha-secret";

fn fa_config() -> ForeignAgentConfig {
    let mut c = ForeignAgentConfig::new(FA, vec![FA_COA]);
    c.fa_ha = vec![(FHA, SecurityAssociation::new(0x400, FA_HA_KEY))];
    c.fha_by_realm = vec![("ds.example".into(), FHA)];
    c
}

fn fa(c: ForeignAgentConfig) -> ForeignAgent {
    let mut f = ForeignAgent::new(c, Box::new(|b| b.fill(0x80)));
    f.start(0);
    f.drain();
    f
}

/// A Request from the MN: HoA 0, NAI, MN-HA.
fn rrq(flags: u8, lifetime: u16, ha: Ipv4Addr, coa: Ipv4Addr, id: u64) -> Vec<u8> {
    Repr::Request(RegistrationRequest {
        flags: RrqFlags(flags),
        lifetime,
        home_address: Ipv4Addr::UNSPECIFIED,
        home_agent: ha,
        care_of_address: coa,
        identification: id,
        extensions: vec![Extension::Nai(NAI.as_bytes().to_vec())],
    })
    .to_bytes_signed(reg_ext::MN_HA_AUTH, 0x100, MN_HA_KEY)
    .unwrap()
}

fn from_mn(f: &mut ForeignAgent, now: u64, b: &[u8]) -> (Vec<Transmit>, Vec<FaEvent>) {
    f.handle_input(now, FaInput::Udp(Datagram::new(sock(MN, MN_PORT), b)));
    f.drain()
}

fn from_ha(f: &mut ForeignAgent, now: u64, b: &[u8]) -> (Vec<Transmit>, Vec<FaEvent>) {
    f.handle_input(now, FaInput::Udp(Datagram::new(sock(FHA, 434), b)));
    f.drain()
}

fn reply(t: &Transmit) -> RegistrationReply {
    match Repr::from_bytes(&t.payload).unwrap() {
        Repr::Reply(r) => r,
        r => panic!("not a reply: {r:?}"),
    }
}

fn denial_code(tx: &[Transmit]) -> u8 {
    assert_eq!(tx.len(), 1, "one denial");
    u8::from(reply(&tx[0]).code)
}

fn mobility(t: &Transmit) -> (u16, u16, Vec<Ipv4Addr>, u16) {
    let IcmpRepr::Advertisement(a) = IcmpRepr::from_bytes(&t.payload).unwrap() else {
        panic!()
    };
    let m = a.mobility_agent().unwrap().clone();
    (
        m.sequence,
        m.flags.0,
        m.care_of_addresses,
        m.registration_lifetime,
    )
}

#[test]
fn advertises_periodically_with_f_coas_and_sequence() {
    let mut f = ForeignAgent::new(fa_config(), Box::new(|b| b.fill(0x80)));
    f.start(0);
    let (tx, _) = f.drain();
    assert_eq!(tx[0].dst, sock(ALL_SYSTEMS, 0));
    let (seq, flags, coas, life) = mobility(&tx[0]);
    assert_eq!(
        (seq, coas, life),
        (0, vec![FA_COA], 1800),
        "§2.3.2: 0 first"
    );
    assert!(AdvFlags(flags).has(AdvFlags::F) && !AdvFlags(flags).has(AdvFlags::R));
    let t = f.next_timeout().unwrap();
    assert!((27_000..=33_000).contains(&t));
    f.handle_timeout(t);
    assert_eq!(mobility(&f.drain().0[0]).0, 1);
}

#[test]
fn sequence_wraps_to_256_unless_the_knob() {
    for (knob, want) in [(false, 256), (true, 0)] {
        let mut c = fa_config();
        c.initial_sequence = 0xffff;
        c.sequence_wraps_to_zero = knob;
        let mut f = ForeignAgent::new(c, Box::new(|b| b.fill(0)));
        f.start(0);
        assert_eq!(mobility(&f.drain().0[0]).0, 0xffff);
        let t = f.next_timeout().unwrap();
        f.handle_timeout(t);
        assert_eq!(mobility(&f.drain().0[0]).0, want, "RFC 5944 §2.3.2");
    }
}

#[test]
fn r_bit_and_flag_knobs() {
    let mut c = fa_config();
    c.registration_required = true;
    let mut f = ForeignAgent::new(c.clone(), Box::new(|b| b.fill(0)));
    f.start(0);
    let flags = AdvFlags(mobility(&f.drain().0[0]).1);
    assert!(flags.has(AdvFlags::R) && flags.has(AdvFlags::F));
    c.clear_f_bit = true;
    c.omit_care_of_addresses = true;
    let mut f = ForeignAgent::new(c, Box::new(|b| b.fill(0)));
    f.start(0);
    let (_, flags, coas, _) = mobility(&f.drain().0[0]);
    assert!(!AdvFlags(flags).has(AdvFlags::F) && coas.is_empty());
}

#[test]
fn solicitations_are_answered() {
    let mut f = fa(fa_config());
    let sol = IcmpRepr::Solicitation(AgentSolicitation::default())
        .to_bytes()
        .unwrap();
    let mn = Ipv4Addr::new(198, 18, 1, 50);
    f.handle_input(5, FaInput::Icmp(Datagram::new(sock(mn, 0), &sol)));
    assert_eq!(f.drain().0[0].dst, sock(mn, 0));
    // From 0.0.0.0: multicast, at most once a second.
    f.handle_input(500, FaInput::Icmp(Datagram::new(sock(MN, 0), &sol)));
    assert!(f.drain().0.is_empty());
    f.handle_input(1_000, FaInput::Icmp(Datagram::new(sock(MN, 0), &sol)));
    assert_eq!(f.drain().0[0].dst, sock(ALL_SYSTEMS, 0));
}

#[test]
fn relays_to_the_home_agent_with_fa_ha_and_without_fa_only_extensions() {
    let mut c = fa_config();
    c.mn_fa = vec![(NAI.into(), SecurityAssociation::new(0x300, b"fa".to_vec()))];
    let mut f = fa(c);
    let mut b = rrq(0, 600, FHA, FA_COA, 7);
    auth::append_authenticated(&mut b, reg_ext::MN_FA_AUTH, 0x300, b"fa").unwrap();
    let (tx, ev) = from_mn(&mut f, 1, &b);
    assert_eq!(tx[0].dst, sock(FHA, 434));
    let plain = rrq(0, 600, FHA, FA_COA, 7);
    assert_eq!(
        &tx[0].payload[..plain.len()],
        &plain[..],
        "§3.7.2.2: unchanged through MN-HA"
    );
    let at = auth::find_extension(&tx[0].payload, reg_ext::FA_HA_AUTH).unwrap();
    assert_eq!(at, plain.len(), "MN-FA removed, FA-HA appended");
    assert!(auth::verify(&tx[0].payload, at, FA_HA_KEY).unwrap());
    assert!(matches!(&ev[0], FaEvent::Relayed { fa_ha: true, .. }));
    assert_eq!(f.pending_count(), 1);
}

#[test]
fn knob_skip_fa_ha_auth() {
    let mut c = fa_config();
    c.skip_fa_ha_auth = true;
    let mut f = fa(c);
    let (tx, _) = from_mn(&mut f, 1, &rrq(0, 600, FHA, FA_COA, 7));
    assert!(auth::find_extension(&tx[0].payload, reg_ext::FA_HA_AUTH).is_err());
}

#[test]
fn all_zero_one_home_agent_goes_to_the_requested_ha_or_the_realm_fha_else_90() {
    let mut f = fa(fa_config());
    let (tx, _) = from_mn(&mut f, 1, &rrq(0, 600, Ipv4Addr::BROADCAST, FA_COA, 1));
    assert_eq!(tx[0].dst, sock(FHA, 434), "realm map");
    let other = Ipv4Addr::new(198, 18, 3, 1);
    let mut r = Repr::from_bytes(&rrq(0, 600, Ipv4Addr::UNSPECIFIED, FA_COA, 2)).unwrap();
    r.extensions_mut().insert(
        1,
        Extension::DynamicHa {
            subtype: ext::DYNAMIC_HA_REQUESTED,
            address: other,
            short_form: false,
        },
    );
    let b = r.to_bytes().unwrap();
    let (tx, _) = from_mn(&mut f, 2, &b);
    assert_eq!(tx[0].dst, sock(other, 434), "RFC 4433 §5.2");
    let mut c = fa_config();
    c.fha_by_realm.clear();
    let mut f = fa(c);
    let (tx, _) = from_mn(&mut f, 1, &rrq(0, 600, Ipv4Addr::UNSPECIFIED, FA_COA, 3));
    assert_eq!(denial_code(&tx), 90);
}

#[test]
fn denials_of_the_fa() {
    let cases: Vec<(Vec<u8>, u8)> = vec![
        (rrq(RrqFlags::RESERVED_X, 600, FHA, FA_COA, 1), 70),
        (rrq(0, 600, FHA, Ipv4Addr::new(1, 2, 3, 4), 1), 77),
        (rrq(0, 4000, FHA, FA_COA, 1), 69),
        (rrq(0, 600, FA, FA_COA, 1), 194),
        (
            Repr::Request(RegistrationRequest {
                flags: RrqFlags(0),
                lifetime: 600,
                home_address: Ipv4Addr::UNSPECIFIED,
                home_agent: FHA,
                care_of_address: FA_COA,
                identification: 1,
                extensions: vec![Extension::Nai(NAI.into())],
            })
            .to_bytes()
            .unwrap(),
            70,
        ),
    ];
    for (b, code) in cases {
        let mut f = fa(fa_config());
        let (tx, _) = from_mn(&mut f, 1, &b);
        assert_eq!(denial_code(&tx), code);
        let r = reply(&tx[0]);
        assert_eq!(r.identification, 1, "§3.7.2.3: copied");
        assert_eq!(tx[0].dst, sock(Ipv4Addr::BROADCAST, MN_PORT));
        if code == 69 {
            assert_eq!(r.lifetime, 1800, "the maximum");
        }
    }
    // NAI after MN-HA.
    let mut r = Repr::from_bytes(&rrq(0, 600, FHA, FA_COA, 1)).unwrap();
    r.extensions_mut().remove(0);
    let b = push_extension(&r.to_bytes().unwrap(), Extension::Nai(NAI.into()));
    let (tx, _) = from_mn(&mut fa(fa_config()), 1, &b);
    assert_eq!(denial_code(&tx), 70, "RFC 2794 §2");
    // T without reverse tunnels; no T when mandatory.
    let mut c = fa_config();
    c.reverse_tunnel = false;
    let (tx, _) = from_mn(&mut fa(c), 1, &rrq(RrqFlags::T, 600, FHA, FA_COA, 1));
    assert_eq!(denial_code(&tx), 74);
    let mut c = fa_config();
    c.reverse_tunnel_mandatory = true;
    let (tx, _) = from_mn(&mut fa(c), 1, &rrq(0, 600, FHA, FA_COA, 1));
    assert_eq!(denial_code(&tx), 75);
    // NONZERO_HOMEADDR_REQD from an FA that cannot key by NAI.
    let mut c = fa_config();
    c.nai_keying_unsupported = true;
    let (tx, _) = from_mn(&mut fa(c), 1, &rrq(0, 600, FHA, FA_COA, 1));
    assert_eq!(denial_code(&tx), 96);
}

#[test]
fn denials_to_one_mn_are_rate_limited() {
    let mut f = fa(fa_config());
    assert_eq!(from_mn(&mut f, 1, &rrq(0, 600, FA, FA_COA, 1)).0.len(), 1);
    let (tx, ev) = from_mn(&mut f, 500, &rrq(0, 600, FA, FA_COA, 2));
    assert!(tx.is_empty());
    assert!(matches!(&ev[0], FaEvent::Denied { sent: false, .. }));
    assert_eq!(
        from_mn(&mut f, 1_001, &rrq(0, 600, FA, FA_COA, 3)).0.len(),
        1
    );
}

#[test]
fn lifetime_knobs() {
    let mut c = fa_config();
    c.ignore_lifetime_limit = true;
    let (tx, _) = from_mn(&mut fa(c), 1, &rrq(0, 4000, FHA, FA_COA, 1));
    assert_eq!(tx[0].dst, sock(FHA, 434));
    assert_eq!(request(&tx[0]).lifetime, 4000);
    let mut c = fa_config();
    c.clamp_lifetime_in_relay = true;
    let (tx, _) = from_mn(&mut fa(c), 1, &rrq(0, 4000, FHA, FA_COA, 1));
    assert_eq!(request(&tx[0]).lifetime, 1800);
    let at = auth::find_extension(&tx[0].payload, reg_ext::MN_HA_AUTH).unwrap();
    assert!(
        !auth::verify(&tx[0].payload, at, MN_HA_KEY).unwrap(),
        "MN-HA now fails at the HA"
    );
}

#[test]
fn mn_fa_is_checked_when_an_sa_exists_unless_the_knob() {
    for skip in [false, true] {
        let mut c = fa_config();
        c.mn_fa = vec![(NAI.into(), SecurityAssociation::new(0x300, b"fa".to_vec()))];
        c.skip_mn_fa_check = skip;
        let mut f = fa(c);
        let (tx, ev) = from_mn(&mut f, 1, &rrq(0, 600, FHA, FA_COA, 1));
        if skip {
            assert_eq!(tx[0].dst, sock(FHA, 434));
        } else {
            assert!(matches!(ev[0], FaEvent::Discarded { .. }));
            assert_eq!(denial_code(&tx), 67);
            let at = auth::find_extension(&tx[0].payload, reg_ext::MN_FA_AUTH).unwrap();
            assert!(
                auth::verify(&tx[0].payload, at, b"fa").unwrap(),
                "§3.7.1: MN-FA added"
            );
        }
    }
}

/// The FHA's reply to the relayed request, signed MN-HA and FA-HA.
fn ha_reply(relayed: &Transmit, code: u8, fa_ha: bool) -> Vec<u8> {
    let req = request(relayed);
    let mut b = fha_reply(&req, code, Some(&mn_ha()));
    if fa_ha {
        auth::append_authenticated(&mut b, reg_ext::FA_HA_AUTH, 0x400, FA_HA_KEY).unwrap();
    }
    b
}

#[test]
fn relays_the_reply_by_nai_and_keeps_a_visitor() {
    let mut f = fa(fa_config());
    let (tx, _) = from_mn(&mut f, 1, &rrq(0, 600, FHA, FA_COA, 9));
    let (tx, ev) = from_ha(&mut f, 2, &ha_reply(&tx[0], 0, true));
    assert_eq!(
        tx[0].dst,
        sock(THOA, MN_PORT),
        "§3.7.2.3: the reply's Home Address"
    );
    let r = reply(&tx[0]);
    assert_eq!(r.code, ReplyCode::Accepted);
    assert_eq!(
        r.extensions.last().unwrap().kind(),
        reg_ext::MN_HA_AUTH,
        "FA-HA removed"
    );
    let at = auth::find_extension(&tx[0].payload, reg_ext::MN_HA_AUTH).unwrap();
    assert!(auth::verify(&tx[0].payload, at, MN_HA_KEY).unwrap());
    assert!(ev.iter().any(|e| matches!(e, FaEvent::VisitorAdded { .. })));
    assert_eq!(f.visitors(), vec![(Some(NAI.into()), THOA, FA_COA)]);
    assert_eq!(f.pending_count(), 0);
    // The visitor leaves when its lifetime runs out.
    f.handle_timeout(2 + 600_000);
    assert!(f.visitors().is_empty());
}

#[test]
fn unmatched_replies_are_discarded() {
    let mut f = fa(fa_config());
    let (tx, _) = from_mn(&mut f, 1, &rrq(0, 600, FHA, FA_COA, 9));
    let mut req = request(&tx[0]);
    req.identification = 10;
    let mut b = fha_reply(&req, 0, Some(&mn_ha()));
    auth::append_authenticated(&mut b, reg_ext::FA_HA_AUTH, 0x400, FA_HA_KEY).unwrap();
    let (tx, ev) = from_ha(&mut f, 2, &b);
    assert!(tx.is_empty());
    assert!(matches!(ev[0], FaEvent::Discarded { .. }));
}

#[test]
fn bad_fa_ha_denies_with_68_unless_the_knob() {
    for skip in [false, true] {
        let mut c = fa_config();
        c.skip_fa_ha_check = skip;
        let mut f = fa(c);
        let (tx, _) = from_mn(&mut f, 1, &rrq(0, 600, FHA, FA_COA, 9));
        let (tx, _) = from_ha(&mut f, 2, &ha_reply(&tx[0], 0, false));
        let code = u8::from(reply(&tx[0]).code);
        assert_eq!(code, if skip { 0 } else { 68 }, "RFC 5944 §3.7.3.1");
    }
}

#[test]
fn nai_reply_checks_rewrite_the_code_unless_the_knob() {
    for skip in [false, true] {
        let mut c = fa_config();
        c.skip_nai_reply_checks = skip;
        let mut f = fa(c);
        let (tx, _) = from_mn(&mut f, 1, &rrq(0, 600, FHA, FA_COA, 9));
        let req = request(&tx[0]);
        let r = RegistrationReply {
            code: ReplyCode::Accepted,
            lifetime: 600,
            home_address: Ipv4Addr::UNSPECIFIED,
            home_agent: FHA,
            identification: req.identification,
            extensions: vec![Extension::Nai(NAI.into())],
        };
        let mut b = Repr::Reply(r)
            .to_bytes_signed(32, 0x100, MN_HA_KEY)
            .unwrap();
        auth::append_authenticated(&mut b, reg_ext::FA_HA_AUTH, 0x400, FA_HA_KEY).unwrap();
        let (tx, ev) = from_ha(&mut f, 2, &b);
        let code = u8::from(reply(&tx[0]).code);
        assert_eq!(
            code,
            if skip { 0 } else { 99 },
            "RFC 2794 §3 MISSING_HOMEADDR"
        );
        assert_eq!(tx[0].dst, sock(Ipv4Addr::BROADCAST, MN_PORT));
        if !skip {
            assert!(matches!(
                ev[0],
                FaEvent::ReplyRelayed {
                    code_rewritten: Some(0),
                    ..
                }
            ));
        }
    }
}

#[test]
fn uncovered_reply_extensions_are_removed_unless_the_knob() {
    for keep in [false, true] {
        let mut c = fa_config();
        c.keep_uncovered_extensions = keep;
        let mut f = fa(c);
        let (tx, _) = from_mn(&mut f, 1, &rrq(0, 600, FHA, FA_COA, 9));
        let mut b = fha_reply(&request(&tx[0]), 0, Some(&mn_ha()));
        b = push_extension(
            &b,
            Extension::Nvse(mip6lab_wire::mip4::VendorExtension {
                reserved: 0,
                vendor_id: 32473,
                vendor_type: 9,
                value: vec![1],
            }),
        );
        auth::append_authenticated(&mut b, reg_ext::FA_HA_AUTH, 0x400, FA_HA_KEY).unwrap();
        let (tx, _) = from_ha(&mut f, 2, &b);
        let last = reply(&tx[0]).extensions.last().unwrap().kind();
        assert_eq!(last, if keep { 134 } else { 32 }, "RFC 5944 §3.7.3.2");
    }
}

#[test]
fn pending_times_out_with_78_and_unreachable_ha_with_88() {
    let mut f = fa(fa_config());
    from_mn(&mut f, 1, &rrq(0, 600, FHA, FA_COA, 9));
    f.handle_timeout(7_001);
    let (tx, _) = f.drain();
    let d: Vec<&Transmit> = tx.iter().filter(|t| t.dst.port() == MN_PORT).collect();
    assert_eq!(u8::from(reply(d[0]).code), 78);
    let mut f = fa(fa_config());
    from_mn(&mut f, 1, &rrq(0, 600, FHA, FA_COA, 9));
    f.handle_input(2, FaInput::HaUnreachable { home_agent: FHA });
    assert_eq!(denial_code(&f.drain().0), 88);
}

#[test]
fn too_many_pending_is_66() {
    let mut c = fa_config();
    c.max_pending = 1;
    let mut f = fa(c);
    from_mn(&mut f, 1, &rrq(0, 600, FHA, FA_COA, 9));
    let mut r = Repr::from_bytes(&rrq(0, 600, FHA, FA_COA, 10)).unwrap();
    r.extensions_mut()[0] = Extension::Nai(b"mn2@ds.example".to_vec());
    let b = Repr::from_bytes(&r.to_bytes().unwrap())
        .unwrap()
        .to_bytes()
        .unwrap();
    assert_eq!(denial_code(&from_mn(&mut f, 2, &b).0), 66);
}

#[test]
fn mn_registers_through_the_fa_with_the_fha_items() {
    let mut c = config(CoaMode::ViaForeignAgent { fha: None });
    c.ha_field = HaField::HomeDomain;
    // With a reverse tunnel in the Encapsulating Delivery Style (RFC 3024 §3.3).
    c.reverse_tunnel = true;
    c.encapsulating_delivery = true;
    let mut m = client(c);
    let mut f = ForeignAgent::new(fa_config(), Box::new(|b| b.fill(0x80)));
    m.start(0);
    f.start(0);
    let (adv, _) = f.drain();
    m.handle_input(
        0,
        MnInput::Icmp(Datagram::new(sock(FA, 0), &adv[0].payload)),
    );
    let (rrq, _) = m.drain();
    assert_eq!(rrq[0].dst, sock(FA, 434));
    let kinds: Vec<u8> = match Repr::from_bytes(&rrq[0].payload).unwrap() {
        Repr::Request(q) => {
            assert!(q.flags.has(RrqFlags::T));
            q.extensions.iter().map(|e| e.kind()).collect()
        }
        _ => panic!("not a Request"),
    };
    let eds = kinds
        .iter()
        .position(|k| *k == reg_ext::ENCAPSULATING_DELIVERY)
        .expect("extension 130 sent");
    let home_auth = kinds
        .iter()
        .position(|k| *k == reg_ext::MN_HA_AUTH)
        .expect("MN-HA sent");
    assert!(eds > home_auth, "after the MN-HA authentication: {kinds:?}");
    let (relayed, _) = from_mn(&mut f, 1, &rrq[0].payload);
    assert_eq!(relayed[0].dst, sock(FHA, 434), "realm → FHA");
    let (to_mn, ev) = from_ha(&mut f, 2, &ha_reply(&relayed[0], 0, true));
    let visitor_items = ev.iter().find_map(|e| match e {
        FaEvent::VisitorAdded {
            items,
            encapsulating_delivery: true,
            ..
        } => Some(items.clone()),
        _ => None,
    });
    assert_eq!(
        visitor_items,
        Some(items()),
        "the FA reads the Reply's items"
    );
    m.handle_input(
        3,
        MnInput::Udp(Datagram::new(sock(FA, 434), &to_mn[0].payload)),
    );
    let reg = m.registration().cloned().expect("registered");
    assert_eq!(reg.via_foreign_agent, Some(FA));
    assert_eq!(reg.care_of_address, FA_COA);
    assert_eq!(reg.items, items());
}

proptest! {
    #[test]
    fn arbitrary_input_never_panics(b in proptest::collection::vec(any::<u8>(), 0..200), which in 0u8..3) {
        let mut f = fa(fa_config());
        let mut b = b;
        if let Some(x) = b.first_mut() { if which != 0 { *x %= 4; } }
        let d = Datagram::new(sock(FHA, 434), &b);
        match which {
            0 => f.handle_input(1, FaInput::Icmp(d)),
            _ => f.handle_input(1, FaInput::Udp(d)),
        }
        let t = f.next_timeout();
        prop_assert!(t.is_some());
        f.handle_timeout(t.unwrap());
        f.drain();
    }
}

/// RFC 3024 §3.3: the Encapsulating Delivery Style extension after MN-HA is for the FA only:
/// consumed (not relayed), and the visitor is marked for re-tunnelling (§5.2.1); without the
/// extension, or without T, it is not.
#[test]
fn encapsulating_delivery_is_consumed_and_marks_the_visitor() {
    let eds = Extension::Raw(ext::RawExtension {
        kind: reg_ext::ENCAPSULATING_DELIVERY,
        form: ext::Form::Plain,
        data: Vec::new(),
    });
    for (flags, with_ext, marked) in [
        (RrqFlags::T, true, true),
        (RrqFlags::T, false, false),
        (0, true, false),
    ] {
        let mut f = fa(fa_config());
        let mut b = rrq(flags, 600, FHA, FA_COA, 9);
        if with_ext {
            b = push_extension(&b, eds.clone());
        }
        let (tx, _) = from_mn(&mut f, 1, &b);
        assert!(
            auth::find_extension(&tx[0].payload, reg_ext::ENCAPSULATING_DELIVERY).is_err(),
            "relayed without it"
        );
        let (_, ev) = from_ha(&mut f, 2, &ha_reply(&tx[0], 0, true));
        let got = ev.iter().find_map(|e| match e {
            FaEvent::VisitorAdded {
                encapsulating_delivery,
                home_agent,
                ..
            } => Some((*encapsulating_delivery, *home_agent)),
            _ => None,
        });
        assert_eq!(got, Some((marked, FHA)), "flags {flags} ext {with_ext}");
    }
}
