use super::server::*;
use super::{EapRelay, RelayConfig, RelayEvent};
use crate::access::{Authenticator, AuthenticatorConfig, AuthenticatorEvent, AuthenticatorInput};
use crate::io::{Datagram, SansIo};
use mip6lab_wire::radius::{self, attr, code, Attribute, HaAssignment, Repr};
use mip6lab_wire::{eap, eapol};
use std::net::{IpAddr, Ipv6Addr, SocketAddr};

const SECRET: &[u8] = b"mip6lab-aaav-secret";
const MN1: &str = "mn1-access@example.com";
const MN2: &str = "mn2-access@example.com";

fn client() -> SocketAddr {
    "[2001:db8:2::19]:41000".parse().unwrap()
}

fn ha1() -> Mip6Authorization {
    Mip6Authorization {
        home_agent: "2001:db8:1::a1".parse().unwrap(),
        home_link_prefix: ("2001:db8:1:100::".parse().unwrap(), 64),
    }
}

/// mn1 allowed Mobile IPv6 with HA1, mn2 network access only (the lab's users).
fn config() -> ServerConfig {
    ServerConfig::new(
        SECRET,
        vec![
            Subscriber {
                nai: MN1.into(),
                password: b"mn1-access-secret".to_vec(),
                mip6: Some(ha1()),
            },
            Subscriber {
                nai: MN2.into(),
                password: b"mn2-access-secret".to_vec(),
                mip6: None,
            },
        ],
    )
}

fn server(cfg: ServerConfig) -> AaaServer<impl FnMut() -> [u8; 16]> {
    let mut n = 0u8;
    AaaServer::new(cfg, move || {
        n = n.wrapping_add(1);
        [n; 16]
    })
}

/// The lab profile's assignment of HA1 (as fixtures/freeradius/users writes it).
fn lab_assignment() -> HaAssignment {
    HaAssignment {
        feature_vector: Some(1),
        home_agents: vec![IpAddr::V6("2001:db8:1::a1".parse().unwrap())],
        visited_agents: vec![],
        home_link_prefix: Some(("2001:db8:1:100::".parse::<Ipv6Addr>().unwrap(), 64)),
    }
}

/// One request in, its reply and event out.
fn ask<R: FnMut() -> [u8; 16]>(
    s: &mut AaaServer<R>,
    now: u64,
    datagram: &[u8],
) -> (Option<Vec<u8>>, ServerEvent) {
    s.handle_input(now, Datagram::new(client(), datagram));
    let (transmits, mut events) = s.drain();
    assert_eq!(events.len(), 1, "{events:?}");
    assert!(transmits.len() <= 1);
    assert!(transmits.iter().all(|t| t.dst == client()));
    (
        transmits.into_iter().next().map(|t| t.payload),
        events.remove(0),
    )
}

/// The NAS side's relay (the HA's EAP relay serves as a RADIUS client here).
fn relay() -> EapRelay {
    EapRelay::new(RelayConfig::new(SECRET))
}

/// EAP-MD5 from the identity to the outcome through `relay`, the peer knowing `password`.
fn authenticate<R: FnMut() -> [u8; 16]>(
    s: &mut AaaServer<R>,
    user: &str,
    password: &[u8],
) -> (RelayEvent, Vec<ServerEvent>) {
    let mut r = relay();
    let mut events = Vec::new();
    let mut datagram = r.start(user.as_bytes(), 1, [7; 16]).unwrap();
    for round in 2u8.. {
        let (reply, ev) = ask(s, 0, &datagram);
        events.push(ev);
        match r.on_reply(&reply.expect("a reply")) {
            RelayEvent::Challenge { eap: e } => {
                let req = eap::Repr::from_bytes(&e).unwrap();
                let answer = eap::answer_md5_challenge(&req, password, b"").unwrap();
                datagram = r
                    .request(&answer.to_bytes().unwrap(), round, [round; 16])
                    .unwrap();
            }
            other => return (other, events),
        }
    }
    unreachable!()
}

#[test]
fn a_subscriber_allowed_mip6_is_accepted_with_the_ha_assignment() {
    let mut s = server(config());
    let (outcome, events) = authenticate(&mut s, MN1, b"mn1-access-secret");
    let RelayEvent::Accept { eap: e, msk, reply } = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(e, Some(vec![eap::code::SUCCESS, 1, 0, 4]));
    // EAP-MD5 derives no key.
    assert_eq!(msk, None);
    assert_eq!(HaAssignment::from_repr(&reply).unwrap(), lab_assignment());
    // Challenge, then Accept.
    let codes: Vec<u8> = events
        .iter()
        .map(|e| match e {
            ServerEvent::Answered { code, .. } => *code,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(codes, [code::ACCESS_CHALLENGE, code::ACCESS_ACCEPT]);
    let ServerEvent::Answered {
        user, assignment, ..
    } = &events[1]
    else {
        unreachable!()
    };
    assert_eq!(user.as_deref(), Some(MN1));
    assert_eq!(assignment.as_ref(), Some(&lab_assignment()));
}

#[test]
fn network_access_only_is_an_accept_without_any_assignment_attribute() {
    let mut s = server(config());
    let (outcome, _) = authenticate(&mut s, MN2, b"mn2-access-secret");
    let RelayEvent::Accept { reply, .. } = outcome else {
        panic!("{outcome:?}")
    };
    let a = HaAssignment::from_repr(&reply).unwrap();
    assert_eq!(a, HaAssignment::default(), "not even the feature vector");
}

#[test]
fn a_wrong_password_an_unknown_user_and_a_nak_are_refused_with_eap_failure() {
    let mut s = server(config());
    let (outcome, _) = authenticate(&mut s, MN1, b"guess");
    assert!(
        matches!(&outcome, RelayEvent::Reject { eap: Some(e), .. } if e[0] == eap::code::FAILURE),
        "{outcome:?}"
    );
    let (outcome, events) = authenticate(&mut s, "nobody@example.com", b"x");
    assert!(matches!(outcome, RelayEvent::Reject { .. }), "{outcome:?}");
    assert!(
        matches!(&events[0], ServerEvent::Answered { reason, .. } if reason == "unknown identity")
    );
    // A Nak for another method: EAP-MD5 is all there is.
    let mut r = relay();
    let d = r.start(MN1.as_bytes(), 1, [1; 16]).unwrap();
    let (reply, _) = ask(&mut s, 0, &d);
    let RelayEvent::Challenge { eap: ch } = r.on_reply(&reply.unwrap()) else {
        panic!()
    };
    let id = eap::Repr::from_bytes(&ch).unwrap().identifier;
    let nak = eap::Repr::response(id, eap::method::NAK, vec![eap::method::MSCHAPV2]);
    let d = r.request(&nak.to_bytes().unwrap(), 2, [2; 16]).unwrap();
    let (reply, _) = ask(&mut s, 0, &d);
    assert!(matches!(
        r.on_reply(&reply.unwrap()),
        RelayEvent::Reject { .. }
    ));
}

#[test]
fn the_mutants_drop_or_invent_the_assignment() {
    let mut cfg = config();
    cfg.no_ha_assignment = true;
    let (outcome, _) = authenticate(&mut server(cfg), MN1, b"mn1-access-secret");
    let RelayEvent::Accept { reply, .. } = outcome else {
        panic!("{outcome:?}")
    };
    assert!(!HaAssignment::from_repr(&reply).unwrap().assigns());
    let mut cfg = config();
    cfg.ignore_mip6_authorization = true;
    let (outcome, _) = authenticate(&mut server(cfg), MN2, b"mn2-access-secret");
    let RelayEvent::Accept { reply, .. } = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(HaAssignment::from_repr(&reply).unwrap(), lab_assignment());
}

/// An Access-Request as a proxy (the AAAV) sends it: two Proxy-States.
fn proxied_identity_request(identifier: u8, authenticator: [u8; 16]) -> Vec<u8> {
    let mut q = Repr::new(code::ACCESS_REQUEST, identifier, authenticator);
    q.push(Attribute::text(attr::USER_NAME, MN1));
    let id = eap::Repr::response(3, eap::method::IDENTITY, MN1.as_bytes());
    q.push_eap_message(&id.to_bytes().unwrap());
    q.push(Attribute::new(attr::PROXY_STATE, b"first".to_vec()));
    q.push(Attribute::new(attr::PROXY_STATE, b"second".to_vec()));
    q.sign_request(SECRET).unwrap()
}

#[test]
fn proxy_states_are_echoed_in_order_and_replies_are_signed() {
    let mut s = server(config());
    let d = proxied_identity_request(9, [4; 16]);
    let (reply, _) = ask(&mut s, 0, &d);
    let reply = reply.unwrap();
    assert_eq!(
        radius::verify_response_authenticator(&reply, &[4; 16], SECRET),
        Ok(true)
    );
    assert_eq!(
        radius::verify_message_authenticator(&reply, &[4; 16], SECRET),
        Ok(Some(true))
    );
    let r = Repr::from_bytes(&reply).unwrap();
    assert_eq!((r.code, r.identifier), (code::ACCESS_CHALLENGE, 9));
    let proxy: Vec<&[u8]> = r
        .attributes
        .iter()
        .filter(|a| a.kind == attr::PROXY_STATE)
        .map(|a| a.value.as_slice())
        .collect();
    assert_eq!(proxy, [&b"first"[..], &b"second"[..]]);
    assert_eq!(r.value(attr::STATE).map(<[u8]>::len), Some(16));
    let e = eap::Repr::from_bytes(&r.eap_message().unwrap()).unwrap();
    assert_eq!(
        (e.code, e.identifier, e.method),
        (eap::code::REQUEST, 4, Some(eap::method::MD5_CHALLENGE))
    );
}

#[test]
fn a_retransmission_gets_the_same_reply_and_opens_no_second_conversation() {
    let mut s = server(config());
    let d = proxied_identity_request(9, [4; 16]);
    let (first, _) = ask(&mut s, 0, &d);
    let (again, ev) = ask(&mut s, 500, &d);
    assert_eq!(first, again);
    assert_eq!(
        ev,
        ServerEvent::Repeated {
            client: client(),
            identifier: 9
        }
    );
    assert_eq!(s.next_timeout(), Some(SESSION_TIMEOUT_MS));
}

#[test]
fn unauthentic_or_unserved_requests_are_discarded() {
    let mut s = server(config());
    // Another secret: the Message-Authenticator is wrong.
    let mut q = Repr::new(code::ACCESS_REQUEST, 1, [1; 16]);
    let id = eap::Repr::response(1, eap::method::IDENTITY, MN1.as_bytes());
    q.push_eap_message(&id.to_bytes().unwrap());
    let forged = q.clone().sign_request(b"other").unwrap();
    // EAP without any Message-Authenticator.
    let bare = q.to_bytes().unwrap();
    let mut acct = Repr::new(code::ACCOUNTING_REQUEST, 2, [0; 16]);
    let acct = acct.sign_accounting_request(SECRET).unwrap();
    for d in [forged, bare, acct, vec![1, 2, 3]] {
        let (reply, ev) = ask(&mut s, 0, &d);
        assert_eq!(reply, None);
        assert!(matches!(ev, ServerEvent::Discarded { .. }), "{ev:?}");
    }
}

#[test]
fn pap_answers_probes() {
    let mut s = server(config());
    let pap = |password: &[u8]| {
        let mut q = Repr::new(code::ACCESS_REQUEST, 5, [5; 16]);
        q.push(Attribute::text(attr::USER_NAME, MN2));
        q.push(Attribute::new(
            attr::USER_PASSWORD,
            radius::hide_password(password, &[5; 16], SECRET).unwrap(),
        ));
        q.to_bytes().unwrap()
    };
    let (reply, _) = ask(&mut s, 0, &pap(b"mn2-access-secret"));
    assert_eq!(
        Repr::from_bytes(&reply.unwrap()).unwrap().code,
        code::ACCESS_ACCEPT
    );
    let mut s = server(config());
    let (reply, _) = ask(&mut s, 0, &pap(b"wrong"));
    assert_eq!(
        Repr::from_bytes(&reply.unwrap()).unwrap().code,
        code::ACCESS_REJECT
    );
}

/// The NAS (the 802.1X authenticator) authenticates a simulated supplicant against the
/// server and learns the assignment from the Access-Accept.
mod with_the_nas {
    use super::*;

    const MN: [u8; 6] = [0x02, 0x42, 0xc6, 0x33, 0x64, 0x8a];
    const NAS: [u8; 6] = [0x02, 0x42, 0xc6, 0x33, 0x64, 0x81];

    fn aaa_address() -> SocketAddr {
        "[2001:db8:1::18]:1812".parse().unwrap()
    }

    /// The supplicant's answers to each EAP Request until the authenticator's event.
    fn access(user: &str, password: &[u8]) -> Vec<AuthenticatorEvent> {
        let cfg = AuthenticatorConfig::new(NAS, RelayConfig::new(SECRET), aaa_address());
        let mut n = 100u8;
        let mut nas = Authenticator::new(
            cfg,
            move || {
                n = n.wrapping_add(1);
                [n; 16]
            },
            0,
        );
        let mut aaa = server(config());
        let start = eapol::Repr::empty(1, eapol::packet_type::START)
            .to_bytes()
            .unwrap();
        nas.handle_input(
            0,
            AuthenticatorInput::Frame {
                src: MN,
                payload: &start,
            },
        );
        for now in 1..20 {
            while let Some(t) = nas.poll_transmit() {
                assert_eq!(t.dst, aaa_address());
                // The server answers the NAS's address.
                let from: SocketAddr = "[2001:db8:1::a]:40000".parse().unwrap();
                aaa.handle_input(now, Datagram::new(from, &t.payload));
                while let Some(reply) = aaa.poll_transmit() {
                    assert_eq!(reply.dst, from);
                    nas.handle_input(
                        now,
                        AuthenticatorInput::Radius(Datagram::new(aaa_address(), &reply.payload)),
                    );
                }
            }
            let events: Vec<_> = std::iter::from_fn(|| nas.poll_event()).collect();
            if !events.is_empty() {
                return events;
            }
            let frames: Vec<_> = std::iter::from_fn(|| nas.poll_frame()).collect();
            for f in frames.iter().filter(|f| f.dst == MN) {
                let pdu = eapol::Repr::from_bytes(&f.payload).unwrap();
                let Some(Ok(req)) = pdu.eap_packet() else {
                    continue;
                };
                let answer = match req.method {
                    Some(eap::method::IDENTITY) => {
                        eap::Repr::response(req.identifier, eap::method::IDENTITY, user.as_bytes())
                    }
                    _ => eap::answer_md5_challenge(&req, password, b"").unwrap(),
                };
                let pdu = eapol::Repr::with_eap(1, &answer)
                    .unwrap()
                    .to_bytes()
                    .unwrap();
                nas.handle_input(
                    now,
                    AuthenticatorInput::Frame {
                        src: MN,
                        payload: &pdu,
                    },
                );
            }
        }
        panic!("no outcome")
    }

    #[test]
    fn the_nas_learns_the_assignment_of_a_subscriber_allowed_mip6() {
        match access(MN1, b"mn1-access-secret").as_slice() {
            [AuthenticatorEvent::Authorized {
                supplicant,
                identity,
                assignment,
                assignment_error,
                ..
            }] => {
                assert_eq!(*supplicant, MN);
                assert_eq!(identity, MN1.as_bytes());
                assert_eq!(assignment.as_ref(), Some(&lab_assignment()));
                assert_eq!(*assignment_error, None);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_nas_authorizes_network_access_only_without_an_assignment() {
        match access(MN2, b"mn2-access-secret").as_slice() {
            [AuthenticatorEvent::Authorized { assignment, .. }] => {
                assert!(!assignment.as_ref().is_some_and(HaAssignment::assigns));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            access(MN2, b"wrong").as_slice(),
            [AuthenticatorEvent::Refused { .. }]
        ));
    }
}

mod arbitrary_input {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Random datagrams, and random attribute lists in a well-formed, signed
        /// Access-Request: no panic, at most one reply each.
        #[test]
        fn random_datagrams_never_panic(
            raw in proptest::collection::vec(any::<u8>(), 0..300),
            attrs in proptest::collection::vec(
                (any::<u8>(), proptest::collection::vec(any::<u8>(), 0..40)), 0..8),
            signed in any::<bool>(),
        ) {
            let mut s = server(config());
            s.handle_input(0, Datagram::new(client(), &raw));
            let mut q = Repr::new(code::ACCESS_REQUEST, 1, [9; 16]);
            for (kind, value) in attrs {
                q.push(Attribute::new(kind, value));
            }
            let d = if signed { q.sign_request(SECRET) } else { q.to_bytes() };
            if let Ok(d) = d {
                s.handle_input(1, Datagram::new(client(), &d));
            }
            let (transmits, events) = s.drain();
            prop_assert!(transmits.len() <= events.len());
            prop_assert!(events.len() <= 2);
        }
    }
}
