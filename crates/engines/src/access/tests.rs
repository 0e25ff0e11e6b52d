use super::*;
use crate::aaa::RelayConfig;
use crate::io::{Datagram, SansIo};
use mip6lab_wire::eap;
use mip6lab_wire::eapol::{self, packet_type, PAE_GROUP_ADDRESS};
use mip6lab_wire::radius::{self, attr, code, Attribute, HaAssignment, Repr};
use std::net::{IpAddr, Ipv6Addr, SocketAddr};

const SECRET: &[u8] = b"mip6lab-radius-secret";
const PASSWORD: &[u8] = b"mn1-access-secret";
const IDENTITY: &[u8] = b"mn1-access@example.com";
const MN: [u8; 6] = [0x02, 0x42, 0xc6, 0x33, 0x64, 0x8a];
const NAS: [u8; 6] = [0x02, 0x42, 0xc6, 0x33, 0x64, 0x81];
const OTHER: [u8; 6] = [0x02, 0x42, 0xc6, 0x33, 0x64, 0x8b];
const CHALLENGE: [u8; 16] = [0x5a; 16];

fn server() -> SocketAddr {
    "[2001:db8:3::18]:1812".parse().unwrap()
}

fn config() -> AuthenticatorConfig {
    let mut radius = RelayConfig::new(SECRET);
    radius.nas_identifier = Some("nas".into());
    AuthenticatorConfig::new(NAS, radius, server())
}

fn authenticator(cfg: AuthenticatorConfig) -> Authenticator {
    let mut n = 0u8;
    Authenticator::new(
        cfg,
        move || {
            n = n.wrapping_add(1);
            [n; 16]
        },
        0,
    )
}

/// The HA assignment of fixtures/freeradius/users for mn1-access: 124 = 1, the MSP's HA1 as
/// WiMAX-hHA-IP-MIP6, 125 = 2001:db8:1:100::/64.
fn lab_assignment() -> HaAssignment {
    HaAssignment {
        feature_vector: Some(1),
        home_agents: vec![IpAddr::V6("2001:db8:1::a1".parse().unwrap())],
        visited_agents: vec![],
        home_link_prefix: Some(("2001:db8:1:100::".parse::<Ipv6Addr>().unwrap(), 64)),
    }
}

/// A fake home AAA server doing EAP-MD5 as FreeRADIUS does: Access-Challenge with an
/// MD5-Challenge (Identifier one above the Response/Identity's) and State, then Accept
/// (EAP-Success and `accept_attributes`) or Reject (EAP-Failure) by the password; replies
/// signed with Response and Message-Authenticator.
struct FakeAaa {
    accept_attributes: Vec<Attribute>,
    requests: Vec<Repr>,
}

impl FakeAaa {
    fn new() -> FakeAaa {
        FakeAaa {
            accept_attributes: lab_assignment().attributes().unwrap(),
            requests: Vec::new(),
        }
    }

    fn answer(&mut self, datagram: &[u8]) -> Vec<u8> {
        let q = Repr::from_bytes(datagram).unwrap();
        assert_eq!(
            radius::verify_message_authenticator(datagram, &q.authenticator, SECRET).unwrap(),
            Some(true)
        );
        let e = eap::Repr::from_bytes(&q.eap_message().unwrap()).unwrap();
        self.requests.push(q.clone());
        let (c, reply_eap, attrs) = if e.identity().is_some() {
            let ch = eap::Md5Challenge {
                value: CHALLENGE.to_vec(),
                name: b"aaah".to_vec(),
            };
            let r = eap::Repr::request(
                e.identifier.wrapping_add(1),
                eap::method::MD5_CHALLENGE,
                ch.to_bytes().unwrap(),
            );
            let state = Attribute::new(attr::STATE, b"state-1".to_vec());
            (code::ACCESS_CHALLENGE, r, vec![state])
        } else {
            let got = e.md5_challenge().unwrap().unwrap().value;
            let want = eap::md5_challenge_response(e.identifier, PASSWORD, &CHALLENGE);
            if got == want {
                let attrs = self.accept_attributes.clone();
                (code::ACCESS_ACCEPT, eap::Repr::success(e.identifier), attrs)
            } else {
                let f = eap::Repr::failure(e.identifier);
                (code::ACCESS_REJECT, f, vec![])
            }
        };
        let mut r = Repr::new(c, q.identifier, [0; 16]);
        for a in attrs {
            r.push(a);
        }
        r.push_eap_message(&reply_eap.to_bytes().unwrap());
        r.sign_response(&q.authenticator, SECRET, true).unwrap()
    }
}

/// What came out: EAPOL frames (destination and PDU), RADIUS datagrams, events.
#[derive(Debug, Default)]
struct Out {
    frames: Vec<([u8; 6], eapol::Repr)>,
    datagrams: Vec<Vec<u8>>,
    events: Vec<AuthenticatorEvent>,
}

impl Out {
    fn eap(&self, i: usize) -> ([u8; 6], eap::Repr) {
        let (dst, pdu) = &self.frames[i];
        assert_eq!(pdu.packet_type, packet_type::EAP);
        assert_eq!(pdu.version, 2);
        (*dst, pdu.eap_packet().unwrap().unwrap())
    }
}

fn drain(a: &mut Authenticator) -> Out {
    let mut o = Out::default();
    while let Some(f) = a.poll_frame() {
        o.frames
            .push((f.dst, eapol::Repr::from_bytes(&f.payload).unwrap()));
    }
    while let Some(t) = a.poll_transmit() {
        assert_eq!(t.dst, server());
        o.datagrams.push(t.payload);
    }
    while let Some(e) = a.poll_event() {
        o.events.push(e);
    }
    o
}

fn frame(a: &mut Authenticator, now: u64, src: [u8; 6], pdu: &[u8]) -> Out {
    a.handle_input(now, AuthenticatorInput::Frame { src, payload: pdu });
    drain(a)
}

fn eap_frame(a: &mut Authenticator, now: u64, src: [u8; 6], e: &eap::Repr) -> Out {
    // As wpa_supplicant sends them: EAPOL version 1.
    let pdu = eapol::Repr::with_eap(1, e).unwrap().to_bytes().unwrap();
    frame(a, now, src, &pdu)
}

fn radius_reply(a: &mut Authenticator, now: u64, d: &[u8]) -> Out {
    a.handle_input(now, AuthenticatorInput::Radius(Datagram::new(server(), d)));
    drain(a)
}

fn timeout(a: &mut Authenticator, now: u64) -> Out {
    a.handle_timeout(now);
    drain(a)
}

/// The supplicant's side from its Response/Identity to the Request `request` on: answers
/// each relayed Request (with `password`), the server answers each Access-Request, until
/// the authenticator stops relaying. Returns the last output.
fn authenticate(
    a: &mut Authenticator,
    aaa: &mut FakeAaa,
    request: &eap::Repr,
    password: &[u8],
    mut now: u64,
) -> Out {
    let mut answer = eap::Repr::response(request.identifier, eap::method::IDENTITY, IDENTITY);
    loop {
        let o = eap_frame(a, now, MN, &answer);
        assert!(o.events.is_empty(), "{:?}", o.events);
        assert_eq!(o.datagrams.len(), 1, "{o:?}");
        now += 10;
        let o = radius_reply(a, now, &aaa.answer(&o.datagrams[0]));
        let (dst, e) = o.eap(o.frames.len() - 1);
        assert_eq!(dst, MN, "to the supplicant's own address");
        if e.code != eap::code::REQUEST {
            return o;
        }
        answer = eap::answer_md5_challenge(&e, password, b"").unwrap();
        now += 10;
    }
}

/// The Request/Identity the port sends to the group at `now`.
fn group_request(a: &mut Authenticator, now: u64) -> eap::Repr {
    let o = timeout(a, now);
    assert_eq!(o.frames.len(), 1, "{o:?}");
    let (dst, e) = o.eap(0);
    assert_eq!(dst, PAE_GROUP_ADDRESS);
    assert_eq!(
        (e.code, e.method),
        (eap::code::REQUEST, Some(eap::method::IDENTITY))
    );
    e
}

fn authorized(o: &Out) -> (&[u8], &Option<HaAssignment>, &Option<String>, &Repr) {
    match o.events.as_slice() {
        [AuthenticatorEvent::Authorized {
            supplicant,
            identity,
            assignment,
            assignment_error,
            accept,
        }] => {
            assert_eq!(*supplicant, MN);
            (identity, assignment, assignment_error, accept)
        }
        other => panic!("{other:?}"),
    }
}

fn ignored(o: &Out) -> &str {
    match o.events.as_slice() {
        [AuthenticatorEvent::Ignored { reason, .. }] => reason,
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_eap_md5_authentication_authorizes_with_the_assigned_home_agent() {
    let mut a = authenticator(config());
    let mut aaa = FakeAaa::new();
    assert_eq!(a.next_timeout(), Some(0));
    let req = group_request(&mut a, 0);
    assert_eq!(a.next_timeout(), Some(1000));
    let o = authenticate(&mut a, &mut aaa, &req, PASSWORD, 100);
    let (e_dst, success) = o.eap(0);
    assert_eq!((e_dst, success.code), (MN, eap::code::SUCCESS));
    let (identity, assignment, error, accept) = authorized(&o);
    assert_eq!(identity, IDENTITY);
    assert_eq!(assignment.as_ref(), Some(&lab_assignment()));
    assert_eq!(*error, None);
    assert_eq!(accept.code, code::ACCESS_ACCEPT);
    assert_eq!(a.authorized(), Some(MN));
    // Authorized: no more Requests to the group, no timer.
    assert_eq!(a.next_timeout(), None);
    assert!(timeout(&mut a, 60_000).frames.is_empty());

    // The Access-Requests: the supplicant's own Response/Identity, its MAC as
    // Calling-Station-Id, the NAS's as Called-Station-Id, State echoed in the second.
    let [first, second] = &aaa.requests[..] else {
        panic!("{:?}", aaa.requests)
    };
    let id = eap::Repr::response(req.identifier, eap::method::IDENTITY, IDENTITY);
    assert_eq!(first.eap_message().unwrap(), id.to_bytes().unwrap());
    assert_eq!(first.value(attr::USER_NAME), Some(IDENTITY));
    assert_eq!(
        first.value(attr::CALLING_STATION_ID),
        Some(&b"02-42-C6-33-64-8A"[..])
    );
    assert_eq!(
        first.value(attr::CALLED_STATION_ID),
        Some(&b"02-42-C6-33-64-81"[..])
    );
    assert_eq!(first.value(attr::NAS_IDENTIFIER), Some(&b"nas"[..]));
    assert_eq!(first.value(attr::STATE), None);
    assert_eq!(second.value(attr::STATE), Some(&b"state-1"[..]));
}

#[test]
fn eapol_start_logoff_and_reauthentication() {
    let mut a = authenticator(config());
    let mut aaa = FakeAaa::new();
    let start = eapol::Repr::empty(1, packet_type::START)
        .to_bytes()
        .unwrap();
    let o = frame(&mut a, 5, MN, &start);
    let (dst, req) = o.eap(0);
    assert_eq!(dst, MN, "the answer to EAPOL-Start goes to the supplicant");
    assert_eq!(req.method, Some(eap::method::IDENTITY));
    assert_eq!(a.authenticating(), Some(MN));
    // The group is not asked while someone authenticates; the supplicant has 30 s.
    assert_eq!(a.next_timeout(), Some(30_005));
    let o = authenticate(&mut a, &mut aaa, &req, PASSWORD, 10);
    authorized(&o);

    let logoff = eapol::Repr::empty(1, packet_type::LOGOFF)
        .to_bytes()
        .unwrap();
    let o = frame(&mut a, 2000, MN, &logoff);
    assert!(matches!(
        o.events.as_slice(),
        [AuthenticatorEvent::Logoff { supplicant }] if *supplicant == MN
    ));
    assert_eq!(a.authorized(), None);
    // Asking the group again, at once.
    assert_eq!(a.next_timeout(), Some(2000));
    let req = group_request(&mut a, 2000);
    // Re-authentication through EAPOL-Start instead of the group's Request.
    let o = frame(&mut a, 2100, MN, &start);
    let (_, req2) = o.eap(0);
    assert_ne!(
        req2.identifier, req.identifier,
        "a new Identifier per Request"
    );
    let o = authenticate(&mut a, &mut aaa, &req2, PASSWORD, 2200);
    authorized(&o);
    // An old answer to the group's Request is not taken for one to this session.
    let stale = eap::Repr::response(req.identifier, eap::method::IDENTITY, IDENTITY);
    assert!(ignored(&eap_frame(&mut a, 3000, MN, &stale)).contains("answers no Request"));
}

#[test]
fn a_reject_is_relayed_as_failure_and_leaves_the_port_unauthorized() {
    let mut a = authenticator(config());
    let mut aaa = FakeAaa::new();
    let req = group_request(&mut a, 0);
    let o = authenticate(&mut a, &mut aaa, &req, b"wrong", 100);
    let (dst, f) = o.eap(0);
    assert_eq!((dst, f.code), (MN, eap::code::FAILURE));
    assert!(matches!(
        o.events.as_slice(),
        [AuthenticatorEvent::Refused { supplicant, identity }]
            if *supplicant == MN && identity == IDENTITY
    ));
    assert_eq!(a.authorized(), None);
    assert_eq!(a.authenticating(), None);
    // The group is asked again a txPeriod later.
    assert_eq!(a.next_timeout(), Some(130 + 1000));
}

#[test]
fn a_silent_aaa_server_gets_retransmissions_then_the_port_asks_again() {
    let mut a = authenticator(config());
    let req = group_request(&mut a, 0);
    let id = eap::Repr::response(req.identifier, eap::method::IDENTITY, IDENTITY);
    let first = eap_frame(&mut a, 100, MN, &id).datagrams;
    assert_eq!(first.len(), 1);
    assert_eq!(a.next_timeout(), Some(2100));
    // A repeated Response while the server has not answered is not relayed twice.
    let o = eap_frame(&mut a, 200, MN, &id);
    assert!(o.datagrams.is_empty());
    assert!(ignored(&o).contains("not answered"));
    let mut now = 2100;
    for _ in 0..3 {
        let o = timeout(&mut a, now);
        assert_eq!(o.datagrams, first, "the same datagram again");
        now += 2000;
    }
    let o = timeout(&mut a, now);
    assert!(matches!(
        o.events.as_slice(),
        [AuthenticatorEvent::AaaTimedOut { supplicant, discarded }]
            if *supplicant == MN && discarded.is_empty()
    ));
    // Back to asking the group, at once.
    let (dst, req2) = o.eap(0);
    assert_eq!(dst, PAE_GROUP_ADDRESS);
    assert_ne!(req2.identifier, req.identifier);
    // A late reply finds nobody waiting.
    let late = FakeAaa::new().answer(&first[0]);
    let o = radius_reply(&mut a, now + 1, &late);
    assert!(matches!(
        o.events.as_slice(),
        [AuthenticatorEvent::RadiusIgnored { .. }]
    ));
}

#[test]
fn a_response_with_the_wrong_identifier_is_ignored() {
    let mut a = authenticator(config());
    let mut aaa = FakeAaa::new();
    let req = group_request(&mut a, 0);
    let id = eap::Repr::response(req.identifier, eap::method::IDENTITY, IDENTITY);
    let d = eap_frame(&mut a, 100, MN, &id).datagrams;
    let o = radius_reply(&mut a, 110, &aaa.answer(&d[0]));
    let (_, challenge) = o.eap(0);
    let mut wrong = eap::answer_md5_challenge(&challenge, PASSWORD, b"").unwrap();
    wrong.identifier = challenge.identifier.wrapping_add(7);
    let o = eap_frame(&mut a, 120, MN, &wrong);
    assert!(o.datagrams.is_empty());
    assert!(
        ignored(&o).contains("does not match the last Request"),
        "{o:?}"
    );
    // The right one still goes through.
    let right = eap::answer_md5_challenge(&challenge, PASSWORD, b"").unwrap();
    assert_eq!(eap_frame(&mut a, 130, MN, &right).datagrams.len(), 1);
}

#[test]
fn unparsable_and_unhandled_frames_are_ignored_with_a_reason() {
    let mut a = authenticator(config());
    group_request(&mut a, 0);
    let cases: [(&[u8], &str); 4] = [
        (&[2, 0, 0, 9, 1], "unparsable EAPOL"),
        (&[2, 0, 0, 5, 2, 1, 0, 9, 1], "unparsable EAP"),
        (&[2, 3, 0, 1, 0], "EAPOL-Key is not handled"),
        (&[2, 0, 0, 4, 3, 1, 0, 4], "not an EAP Response"),
    ];
    for (pdu, why) in cases {
        let o = frame(&mut a, 10, MN, pdu);
        assert!(ignored(&o).contains(why), "{why}: {o:?}");
        assert!(o.frames.is_empty() && o.datagrams.is_empty());
    }
    let logoff = eapol::Repr::empty(2, packet_type::LOGOFF)
        .to_bytes()
        .unwrap();
    assert!(ignored(&frame(&mut a, 10, MN, &logoff)).contains("not on the port"));
    assert!(ignored(&frame(&mut a, 10, NAS, &logoff)).contains("own"));
    // After EAPOL-Start, only a Response/Identity starts the relay.
    let start = eapol::Repr::empty(1, packet_type::START)
        .to_bytes()
        .unwrap();
    let (_, r) = frame(&mut a, 15, MN, &start).eap(0);
    let nak = eap::Repr::response(r.identifier, eap::method::NAK, vec![4]);
    let o = eap_frame(&mut a, 16, MN, &nak);
    assert!(
        ignored(&o).contains("before the Response/Identity"),
        "{o:?}"
    );
    assert!(o.datagrams.is_empty());
    let req = r;
    // Nothing of that disturbed the port: the Response/Identity still goes to the server.
    let id = eap::Repr::response(req.identifier, eap::method::IDENTITY, IDENTITY);
    assert_eq!(eap_frame(&mut a, 20, MN, &id).datagrams.len(), 1);
}

#[test]
fn a_second_supplicant_is_ignored_while_one_authenticates_or_is_authorized() {
    let mut a = authenticator(config());
    let req = group_request(&mut a, 0);
    let id = eap::Repr::response(req.identifier, eap::method::IDENTITY, IDENTITY);
    let d = eap_frame(&mut a, 10, MN, &id).datagrams;
    let start = eapol::Repr::empty(1, packet_type::START)
        .to_bytes()
        .unwrap();
    assert!(
        ignored(&frame(&mut a, 20, OTHER, &start)).contains("authenticating for 02:42:c6:33:64:8a")
    );
    assert!(ignored(&eap_frame(&mut a, 20, OTHER, &id)).contains("authenticating"));
    assert_eq!(a.authenticating(), Some(MN));
    // The first supplicant's authentication goes on: the Challenge goes to it.
    let o = radius_reply(&mut a, 30, &FakeAaa::new().answer(&d[0]));
    let (dst, challenge) = o.eap(0);
    assert_eq!(
        (dst, challenge.method),
        (MN, Some(eap::method::MD5_CHALLENGE))
    );
}

#[test]
fn another_supplicant_cannot_log_off_or_restart_an_authorized_port() {
    let mut a = authenticator(config());
    let mut aaa = FakeAaa::new();
    let req = group_request(&mut a, 0);
    authorized(&authenticate(&mut a, &mut aaa, &req, PASSWORD, 10));
    for t in [packet_type::START, packet_type::LOGOFF] {
        let pdu = eapol::Repr::empty(1, t).to_bytes().unwrap();
        assert!(ignored(&frame(&mut a, 100, OTHER, &pdu)).contains("authorized for"));
    }
    assert_eq!(a.authorized(), Some(MN));
}

#[test]
fn mutation_success_before_accept_sends_success_before_the_server_answers() {
    let mut cfg = config();
    cfg.success_before_accept = true;
    let mut a = authenticator(cfg);
    let req = group_request(&mut a, 0);
    let id = eap::Repr::response(req.identifier, eap::method::IDENTITY, IDENTITY);
    let o = eap_frame(&mut a, 10, MN, &id);
    assert_eq!(o.datagrams.len(), 1, "the relay goes on");
    let (dst, s) = o.eap(0);
    assert_eq!((dst, s.code), (MN, eap::code::SUCCESS));
    assert!(o.events.is_empty(), "only an Access-Accept authorizes");
    assert_eq!(a.authorized(), None);
    // The correct authenticator sends nothing to the supplicant at that point.
    let mut a = authenticator(config());
    let req = group_request(&mut a, 0);
    let id = eap::Repr::response(req.identifier, eap::method::IDENTITY, IDENTITY);
    assert!(eap_frame(&mut a, 10, MN, &id).frames.is_empty());
}

#[test]
fn mutation_drop_assignment_forgets_the_home_agent() {
    let mut cfg = config();
    cfg.drop_assignment = true;
    let mut a = authenticator(cfg);
    let req = group_request(&mut a, 0);
    let o = authenticate(&mut a, &mut FakeAaa::new(), &req, PASSWORD, 10);
    let (_, assignment, error, accept) = authorized(&o);
    assert_eq!((assignment, error), (&None, &None));
    // The Accept did carry it.
    assert_eq!(HaAssignment::from_repr(accept).unwrap(), lab_assignment());
}

#[test]
fn an_accept_without_or_with_a_malformed_assignment() {
    let mut a = authenticator(config());
    let mut aaa = FakeAaa::new();
    aaa.accept_attributes = vec![];
    let req = group_request(&mut a, 0);
    let o = authenticate(&mut a, &mut aaa, &req, PASSWORD, 10);
    assert_eq!(authorized(&o).1, &None);
    assert_eq!(authorized(&o).2, &None);

    let mut a = authenticator(config());
    let mut aaa = FakeAaa::new();
    // MIP6-Home-Link-Prefix with a prefix length of 200: authorized all the same.
    aaa.accept_attributes = vec![Attribute::new(attr::MIP6_HOME_LINK_PREFIX, vec![200, 0x20])];
    let req = group_request(&mut a, 0);
    let o = authenticate(&mut a, &mut aaa, &req, PASSWORD, 10);
    let (_, assignment, error, _) = authorized(&o);
    assert_eq!(assignment, &None);
    assert!(
        error.as_deref().is_some_and(|e| e.contains("offset")),
        "{error:?}"
    );
    assert_eq!(a.authorized(), Some(MN));
}

#[test]
fn identity_requests_are_bounded_and_a_silent_supplicant_is_given_up() {
    let mut cfg = config();
    cfg.max_identity_requests = Some(2);
    let mut a = authenticator(cfg);
    let first = group_request(&mut a, 0);
    let second = group_request(&mut a, 1000);
    assert_eq!(second.identifier, first.identifier.wrapping_add(1));
    assert_eq!(a.next_timeout(), None);
    assert!(timeout(&mut a, 5000).frames.is_empty());
    // EAPOL-Start, then silence: suppTimeout, then the group is asked again (a new count).
    let start = eapol::Repr::empty(1, packet_type::START)
        .to_bytes()
        .unwrap();
    frame(&mut a, 6000, MN, &start);
    assert!(timeout(&mut a, 35_999).events.is_empty());
    let o = timeout(&mut a, 36_000);
    assert!(matches!(
        o.events.as_slice(),
        [AuthenticatorEvent::SupplicantTimedOut { supplicant }] if *supplicant == MN
    ));
    assert_eq!(o.eap(0).0, PAE_GROUP_ADDRESS);
    assert_eq!(a.authenticating(), None);
    group_request(&mut a, 37_000);
    assert_eq!(a.next_timeout(), None);
}

#[test]
fn calling_station_id_is_rfc_3580s_form() {
    assert_eq!(calling_station_id(&MN), "02-42-C6-33-64-8A");
}

mod arbitrary_input {
    use super::*;
    use proptest::prelude::*;

    #[derive(Debug, Clone)]
    enum Op {
        Frame(bool, Vec<u8>),
        Start(bool),
        Logoff(bool),
        Identity(bool, u8),
        Radius(Vec<u8>),
        Wait(u64),
    }

    fn op() -> impl Strategy<Value = Op> {
        let bytes = proptest::collection::vec(any::<u8>(), 0..40);
        prop_oneof![
            (any::<bool>(), bytes.clone()).prop_map(|(m, b)| Op::Frame(m, b)),
            any::<bool>().prop_map(Op::Start),
            any::<bool>().prop_map(Op::Logoff),
            (any::<bool>(), any::<u8>()).prop_map(|(m, id)| Op::Identity(m, id)),
            bytes.prop_map(Op::Radius),
            (0u64..40_000).prop_map(Op::Wait),
        ]
    }

    proptest! {
        /// Whatever comes in, in whatever order: no panic, every frame out is a parsable
        /// EAPOL-EAP PDU, every datagram goes to the server, and with a server that never answers authentically nobody is
        /// ever authorized.
        #[test]
        fn no_input_sequence_panics_or_authorizes_without_the_server(
            ops in proptest::collection::vec(op(), 0..40)
        ) {
            let mut a = authenticator(config());
            let mut now = 0;
            for o in ops {
                let src = |mn: bool| if mn { MN } else { OTHER };
                match o {
                    Op::Frame(m, b) => { frame(&mut a, now, src(m), &b); }
                    Op::Start(m) => {
                        let p = eapol::Repr::empty(1, packet_type::START).to_bytes().unwrap();
                        frame(&mut a, now, src(m), &p);
                    }
                    Op::Logoff(m) => {
                        let p = eapol::Repr::empty(1, packet_type::LOGOFF).to_bytes().unwrap();
                        frame(&mut a, now, src(m), &p);
                    }
                    Op::Identity(m, id) => {
                        let e = eap::Repr::response(id, eap::method::IDENTITY, IDENTITY);
                        eap_frame(&mut a, now, src(m), &e);
                    }
                    Op::Radius(b) => { radius_reply(&mut a, now, &b); }
                    Op::Wait(d) => {
                        now += d;
                        timeout(&mut a, now);
                    }
                }
                prop_assert_eq!(a.authorized(), None);
                // Once the timers due are served, none lies at or before now.
                a.handle_timeout(now);
                drain(&mut a);
                prop_assert!(a.next_timeout().is_none_or(|t| t > now), "{:?}", a.next_timeout());
            }
        }
    }
}
