//! The IKEv2 engine against itself, in memory: IKE_SA_INIT, IKE_AUTH with PSK and CP, MH
//! Child SAs, an ESP-protected BU/BA, CREATE_CHILD_SA, INFORMATIONAL, cookies,
//! INVALID_KE_PAYLOAD, retransmission and its limit.

mod ikev2_common;
mod payloads;

use ikev2_common::*;
use mip6lab_engines::ikev2::{
    ChildRequest, ChildSa, DhGroup, Event, Hooks, IkeRole, InitiateRequest, Outgoing,
    ResponderPolicy,
};
use mip6lab_wire::esp;
use mip6lab_wire::ikev2::{cp_attr, notify_type, Id, Message, PayloadBody, TrafficSelector};
use mip6lab_wire::mh;
use payloads::internal_ip6_address;
use std::net::Ipv6Addr;

fn config_reply(ev: &[Event]) -> (mip6lab_wire::ikev2::Cp, bool) {
    let (cp, use_assigned) = ev
        .iter()
        .find_map(Event::config_reply)
        .expect("a CFG_REPLY");
    (cp.clone(), use_assigned)
}

/// MN sends a BU from `hoa` to the HA under `mn_sa`, the HA opens it with `ha_sa`, answers a
/// BA, the MN opens that.
fn bu_ba_over_esp(mn_sa: &ChildSa, ha_sa: &ChildSa, hoa: Ipv6Addr) {
    assert_eq!(mn_sa.outbound_spi, ha_sa.inbound_spi);
    assert_eq!(ha_sa.outbound_spi, mn_sa.inbound_spi);
    let bu = mh::Repr::build(
        mh::MhMessage::Bu(mh::BindingUpdate {
            seq: 7,
            flags: mh::BuFlags(mh::BuFlags::A | mh::BuFlags::H | mh::BuFlags::K),
            reserved: 0,
            lifetime: 100,
        }),
        &[],
    );
    let bu_bytes = bu.to_bytes_with_checksum(&hoa, &ha_addr()).unwrap();
    let iv = vec![0x42; mn_sa.outbound.encr.iv_len()];
    let pkt =
        esp::encapsulate(mn_sa.outbound_spi, 1, 135, &bu_bytes, &iv, &mn_sa.outbound).unwrap();
    // The HA: SPI lookup, replay window, decapsulation, MH parse.
    let spi = esp::Packet::new_checked(&pkt[..]).unwrap().spi();
    assert_eq!(spi, ha_sa.inbound_spi);
    let mut win = esp::ReplayWindow::new();
    win.check(1).unwrap();
    let (nh, payload) = esp::decapsulate(&pkt, &ha_sa.inbound).unwrap();
    win.update(1).unwrap();
    assert_eq!(nh, 135);
    let got = mh::Repr::from_bytes(&payload).unwrap();
    let mh::MhMessage::Bu(b) = got.message else {
        panic!("not a BU: {got:?}")
    };
    assert_eq!(b.seq, 7);
    let ba = mh::Repr::build(
        mh::MhMessage::Ba(mh::BindingAck {
            status: 0,
            flags: mh::BaFlags(mh::BaFlags::K),
            seq: b.seq,
            lifetime: b.lifetime,
        }),
        &[],
    );
    let ba_bytes = ba.to_bytes_with_checksum(&ha_addr(), &hoa).unwrap();
    let iv = vec![0x24; ha_sa.outbound.encr.iv_len()];
    let pkt =
        esp::encapsulate(ha_sa.outbound_spi, 1, 135, &ba_bytes, &iv, &ha_sa.outbound).unwrap();
    let (nh, payload) = esp::decapsulate(&pkt, &mn_sa.inbound).unwrap();
    assert_eq!(nh, 135);
    let got = mh::Repr::from_bytes(&payload).unwrap();
    assert!(matches!(got.message, mh::MhMessage::Ba(a) if a.seq == 7 && a.status == 0));
    // The wrong direction's keys do not open it.
    assert!(esp::decapsulate(&pkt, &ha_sa.inbound).is_err());
}

#[test]
fn dynamic_hoa_from_pool_and_esp_bu_ba() {
    let mut t = Pair::default();
    let sa = t.initiate_and_run(InitiateRequest::dynamic_hoa(ha_addr()));
    assert!(established(&t.mn_events), "{:#?}", t.mn_events);
    assert!(established(&t.ha_events), "{:#?}", t.ha_events);
    assert!(t.mn.is_established(sa));
    let (cp, use_assigned) = config_reply(&t.mn_events);
    assert!(!use_assigned);
    let (hoa, plen) = internal_ip6_address(&cp);
    assert_eq!(hoa, "2001:db8:1:100::1".parse::<Ipv6Addr>().unwrap());
    assert_eq!(plen, 64);
    let mn_c = children(&t.mn_events);
    let ha_c = children(&t.ha_events);
    assert_eq!((mn_c.len(), ha_c.len()), (1, 1));
    let (m, h) = (&mn_c[0], &ha_c[0]);
    assert!(m.transport && h.transport, "transport mode on both ends");
    // TSi narrowed to the HoA, TSr to the HA, protocol MH, BU..BA.
    assert_eq!(
        m.tsi,
        vec![TrafficSelector::mh_range(hoa, hoa, 5, 6)],
        "TSi narrowed to the HoA"
    );
    assert_eq!(
        m.tsr,
        vec![TrafficSelector::mh_range(ha_addr(), ha_addr(), 5, 6)]
    );
    assert_eq!(m.outbound, h.inbound);
    assert_eq!(m.inbound, h.outbound);
    bu_ba_over_esp(m, h, hoa);
    // Both sides log the IKE SA and two ESP directions, in both formats.
    for ev in [&t.mn_events, &t.ha_events] {
        let logs: Vec<_> = ev
            .iter()
            .filter_map(|e| match e {
                Event::KeyLog(k) => Some(k.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(logs.len(), 3);
        let text: String = logs
            .iter()
            .map(|k| format!("{}\n{}\n", k.own, k.wireshark))
            .collect();
        let parsed = mip6lab_capture::keylog::KeyLog::parse("engine", &text).unwrap();
        assert_eq!((parsed.ike.len(), parsed.esp.len()), (2, 4), "{text}");
        assert!(parsed.skipped.is_empty());
    }
}

#[test]
fn gcm_suites_work_too() {
    let mut mn = mn_config();
    mn.ike_suites = vec![mip6lab_wire::crypto::Suite::AES256GCM16_SHA256];
    mn.esp_suites = vec![mip6lab_engines::ikev2::EspSuite::AES128GCM16];
    mn.groups = vec![DhGroup::Ecp256];
    let mut t = Pair::new(mn, ha_config());
    t.initiate_and_run(InitiateRequest::dynamic_hoa(ha_addr()));
    let ev = t
        .mn_events
        .iter()
        .find_map(|e| match e {
            Event::IkeSaEstablished { keys, group, .. } => Some((keys.clone(), *group)),
            _ => None,
        })
        .unwrap();
    assert!(ev.0.suite.encr.is_aead());
    assert_eq!(ev.1, DhGroup::Ecp256);
    let (m, h) = (&children(&t.mn_events)[0], &children(&t.ha_events)[0]);
    assert!(m.outbound.encr.is_aead());
    let hoa = m.tsi[0].clone();
    let TrafficSelector::Ipv6 { start, .. } = hoa else {
        panic!()
    };
    bu_ba_over_esp(m, h, start);
}

/// The MN asks the default HA for `want` in its CFG_REQUEST and for its MH Child SA.
fn asking_for(want: Ipv6Addr) -> Pair {
    let mut t = Pair::default();
    let mut req = InitiateRequest::dynamic_hoa(ha_addr());
    req.cfg_request = Some(vec![
        mip6lab_wire::ikev2::CpAttribute::internal_ip6_address(want, 64),
    ]);
    req.child = Some(ChildRequest::mh(Some(want), ha_addr()));
    t.initiate_and_run(req);
    t
}

#[test]
fn requested_address_is_kept_or_replaced() {
    let want: Ipv6Addr = "2001:db8:1:100::77".parse().unwrap();
    let t = asking_for(want);
    let (cp, _) = config_reply(&t.mn_events);
    assert_eq!(internal_ip6_address(&cp).0, want);
    // Outside the pool: the HA assigns another (RFC 5026 §5.3.1) and the TSi for the
    // outside address is then refused.
    let t = asking_for("2001:db8:9::5".parse().unwrap());
    let (cp, _) = config_reply(&t.mn_events);
    let got = internal_ip6_address(&cp).0;
    assert_eq!(got, "2001:db8:1:100::1".parse::<Ipv6Addr>().unwrap());
    assert!(t.mn_events.iter().any(|e| matches!(e,
        Event::ChildSaFailed { notify_type: n, .. } if *n == notify_type::TS_UNACCEPTABLE)));
    assert!(
        established(&t.mn_events),
        "the IKE SA stays up (RFC 7296 §2.21.2)"
    );
}

#[test]
fn home_prefix_then_create_child_for_autoconfigured_hoa() {
    let mut ha = ha_config();
    ha.responder.as_mut().unwrap().home_prefix = Some(home_prefix());
    let mut t = Pair::new(mn_config(), ha);
    let sa = t.initiate_and_run(InitiateRequest::home_prefix(ha_addr()));
    let (cp, use_assigned) = config_reply(&t.mn_events);
    assert!(!use_assigned);
    let a = cp
        .attribute(cp_attr::MIP6_HOME_PREFIX)
        .expect("MIP6_HOME_PREFIX");
    assert_eq!(a.value.len(), 21);
    let hp = a.as_home_prefix().unwrap();
    assert_eq!(hp, home_prefix());
    // The IKE_AUTH Child SA covers the home prefix.
    let first = &children(&t.mn_events)[0];
    let TrafficSelector::Ipv6 { start, end, .. } = first.tsi[0] else {
        panic!()
    };
    assert_eq!(start, hp.prefix);
    assert_eq!(
        end,
        "2001:db8:1:200:ffff:ffff:ffff:ffff"
            .parse::<Ipv6Addr>()
            .unwrap()
    );
    // Auto-configure a HoA in the prefix, then CREATE_CHILD_SA for it (RFC 5026 §5.3.2).
    let hoa: Ipv6Addr = "2001:db8:1:200:a8bb:ccff:fedd:eeff".parse().unwrap();
    t.mn.create_child(t.now, sa, ChildRequest::mh(Some(hoa), ha_addr()))
        .unwrap();
    t.run();
    let mn_c = children(&t.mn_events);
    let ha_c = children(&t.ha_events);
    assert_eq!((mn_c.len(), ha_c.len()), (2, 2));
    assert_eq!(mn_c[1].tsi, vec![TrafficSelector::mh_range(hoa, hoa, 5, 6)]);
    bu_ba_over_esp(&mn_c[1], &ha_c[1], hoa);
    // An address outside the prefix is refused.
    let bad: Ipv6Addr = "2001:db8:7::1".parse().unwrap();
    t.mn.create_child(t.now, sa, ChildRequest::mh(Some(bad), ha_addr()))
        .unwrap();
    t.run();
    assert!(t.mn_events.iter().any(|e| matches!(e,
        Event::ChildSaFailed { notify_type: n, sent_by_us: false, .. } if *n == notify_type::TS_UNACCEPTABLE)));
}

#[test]
fn home_prefix_refused_with_use_assigned_hoa() {
    // No prefix configured: the HA answers N(USE_ASSIGNED_HoA) + INTERNAL_IP6_ADDRESS in the
    // IKE_AUTH response; the MN uses that address in CREATE_CHILD_SA.
    let mut t = Pair::default();
    let sa = t.initiate_and_run(InitiateRequest::home_prefix(ha_addr()));
    let (cp, use_assigned) = config_reply(&t.mn_events);
    assert!(use_assigned, "{:#?}", t.mn_events);
    assert!(cp.attribute(cp_attr::MIP6_HOME_PREFIX).is_none());
    let hoa = internal_ip6_address(&cp).0;
    // The notify is in the IKE_AUTH response on the wire (decrypted with the HA's keys).
    let keys = t.mn.ike_keys(sa).unwrap();
    let auth_resp = t
        .to_mn
        .iter()
        .find(|b| b[18] == 35)
        .expect("IKE_AUTH response");
    let d = mip6lab_wire::ikev2::sk::decrypt(auth_resp, &keys.responder()).unwrap();
    assert!(d.inner.iter().any(|p| matches!(&p.body,
        PayloadBody::Notify(n) if n.notify_type == notify_type::USE_ASSIGNED_HOA)));
    // The IKE_AUTH Child SA is already narrowed to the assigned address.
    assert_eq!(
        children(&t.mn_events)[0].tsi,
        vec![TrafficSelector::mh_range(hoa, hoa, 5, 6)]
    );
    t.mn.create_child(t.now, sa, ChildRequest::mh(Some(hoa), ha_addr()))
        .unwrap();
    t.run();
    let (m, h) = (children(&t.mn_events), children(&t.ha_events));
    assert_eq!(m.len(), 2);
    bu_ba_over_esp(&m[1], &h[1], hoa);
}

#[test]
fn cookie_is_demanded_and_returned() {
    let mut ha = ha_config();
    ha.responder.as_mut().unwrap().cookie_threshold = Some(0);
    let mut t = Pair::new(mn_config(), ha);
    t.initiate_and_run(InitiateRequest::dynamic_hoa(ha_addr()));
    assert!(t
        .mn_events
        .iter()
        .any(|e| matches!(e, Event::InitRetry { reason, .. } if reason.contains("COOKIE"))));
    assert!(established(&t.mn_events));
    // The second IKE_SA_INIT starts with N(COOKIE) and is the one AUTH signs.
    let m = Message::from_bytes(&t.to_ha[1]).unwrap();
    assert!(matches!(&m.payloads[0].body,
        PayloadBody::Notify(n) if n.notify_type == notify_type::COOKIE && n.data.len() == 33));
}

#[test]
fn invalid_ke_retries_with_the_requested_group() {
    let mut ha = ha_config();
    ha.groups = vec![DhGroup::Ecp256];
    let mut t = Pair::new(mn_config(), ha);
    t.initiate_and_run(InitiateRequest::dynamic_hoa(ha_addr()));
    let first = Message::from_bytes(&t.to_mn[0]).unwrap();
    assert!(matches!(&first.payloads[0].body,
        PayloadBody::Notify(n) if n.notify_type == notify_type::INVALID_KE_PAYLOAD && n.data == 19u16.to_be_bytes()));
    assert!(t.mn_events.iter().any(|e| matches!(
        e,
        Event::IkeSaEstablished {
            group: DhGroup::Ecp256,
            ..
        }
    )));
    // A responder with no common group at all: NO_PROPOSAL_CHOSEN, the MN fails.
    let mut mn = mn_config();
    mn.groups = vec![DhGroup::Curve25519];
    let mut t = Pair::new(mn, {
        let mut h = ha_config();
        h.groups = vec![DhGroup::Modp2048];
        h
    });
    t.initiate_and_run(InitiateRequest::dynamic_hoa(ha_addr()));
    assert!(
        failed_with(&t.mn_events, "NO_PROPOSAL_CHOSEN"),
        "{:#?}",
        t.mn_events
    );
}

#[test]
fn modp2048_works() {
    let mut mn = mn_config();
    mn.groups = vec![DhGroup::Modp2048];
    let mut t = Pair::new(mn, ha_config());
    t.initiate_and_run(InitiateRequest::dynamic_hoa(ha_addr()));
    assert!(t.mn_events.iter().any(|e| matches!(
        e,
        Event::IkeSaEstablished {
            group: DhGroup::Modp2048,
            ..
        }
    )));
}

#[test]
fn wrong_psk_fails_authentication() {
    let mut ha = ha_config();
    ha.psks[0].1 = b"another".to_vec();
    let mut t = Pair::new(mn_config(), ha);
    t.initiate_and_run(InitiateRequest::dynamic_hoa(ha_addr()));
    t.assert_both_failed("AUTHENTICATION_FAILED");
}

#[test]
fn retransmission_backs_off_and_stops_at_its_limit() {
    let mut t = Pair::default();
    let sa =
        t.mn.initiate(t.now, InitiateRequest::dynamic_hoa(ha_addr()));
    let first = t.mn.send().unwrap();
    let start = t.now;
    let mut sent_at = Vec::new();
    for ms in (start..start + 60_000).step_by(50) {
        t.mn.handle_timeout(ms);
        while let Some(d) = t.mn.send() {
            assert_eq!(d, first, "a retransmission is the same datagram");
            sent_at.push(ms - start);
        }
    }
    // 500, +1000, +2000, +4000, +4000 (capped) → 5 retransmissions, then failure.
    assert_eq!(sent_at, vec![500, 1500, 3500, 7500, 11500]);
    t.collect();
    assert!(t.mn_events.iter().any(|e| matches!(e, Event::Failed { sa: s, reason } if *s == sa && reason.contains("5 retransmissions"))));
    assert_eq!(t.mn.sa_count(), 0);
    assert_eq!(t.mn.next_timeout(), None);
}

#[test]
fn lost_response_is_resent_from_cache() {
    let mut t = Pair::default();
    t.mn.initiate(t.now, InitiateRequest::dynamic_hoa(ha_addr()));
    // INIT goes through.
    let init = t.mn.send().unwrap();
    t.ha.recv(t.now, &init);
    let r = t.ha.send().unwrap();
    t.mn.recv(t.now, &r);
    // AUTH request reaches the HA; its response is lost.
    let auth = t.mn.send().unwrap();
    t.ha.recv(t.now, &auth);
    let resp1 = t.ha.send().unwrap();
    // The MN retransmits; the HA answers with the same bytes, without a second SA.
    t.now += 600;
    t.mn.handle_timeout(t.now);
    let again = t.mn.send().unwrap();
    assert_eq!(again, auth);
    t.ha.recv(t.now, &again);
    let resp2 = t.ha.send().unwrap();
    assert_eq!(resp1, resp2);
    t.mn.recv(t.now, &resp2);
    t.collect();
    assert!(established(&t.mn_events));
    assert_eq!(children(&t.ha_events).len(), 1);
}

#[test]
fn rekey_delete_child_liveness_and_delete_ike() {
    let mut t = Pair::default();
    let sa = t.initiate_and_run(InitiateRequest::dynamic_hoa(ha_addr()));
    let old = children(&t.mn_events)[0].clone();
    t.mn.rekey_child(t.now, sa, old.inbound_spi).unwrap();
    t.run();
    let mn_c = children(&t.mn_events);
    assert_eq!(mn_c.len(), 2);
    assert_eq!(mn_c[1].rekeyed, Some(old.inbound_spi));
    assert_ne!(mn_c[1].outbound, old.outbound, "fresh keys");
    // The old one was deleted by an INFORMATIONAL after the rekey, on both sides.
    assert!(t.mn_events.iter().any(|e| matches!(e, Event::ChildSaDeleted { inbound_spi, by_peer: false, .. } if *inbound_spi == old.inbound_spi)));
    assert!(t.ha_events.iter().any(|e| matches!(e, Event::ChildSaDeleted { inbound_spi, by_peer: true, .. } if *inbound_spi == old.outbound_spi)));
    assert_eq!(t.mn.children(sa).len(), 1);
    // An HA-initiated liveness check (the HA's own request window).
    let ha_sa = t
        .ha_events
        .iter()
        .find_map(|e| match e {
            Event::IkeSaEstablished {
                sa,
                role: IkeRole::Responder,
                ..
            } => Some(*sa),
            _ => None,
        })
        .unwrap();
    t.ha.liveness_check(t.now, ha_sa).unwrap();
    t.run();
    assert!(t
        .ha_events
        .iter()
        .any(|e| matches!(e, Event::LivenessOk { .. })));
    t.mn.liveness_check(t.now, sa).unwrap();
    t.run();
    assert!(t
        .mn_events
        .iter()
        .any(|e| matches!(e, Event::LivenessOk { .. })));
    // Delete the remaining child, then the IKE SA.
    let cur = t.mn.children(sa)[0].inbound_spi;
    t.mn.delete_child(t.now, sa, cur).unwrap();
    t.run();
    assert!(t.mn.children(sa).is_empty());
    assert!(t.ha.children(ha_sa).is_empty());
    t.mn.delete_ike(t.now, sa).unwrap();
    t.run();
    assert!(t
        .mn_events
        .iter()
        .any(|e| matches!(e, Event::IkeSaDeleted { by_peer: false, .. })));
    assert!(t
        .ha_events
        .iter()
        .any(|e| matches!(e, Event::IkeSaDeleted { by_peer: true, .. })));
    assert_eq!((t.mn.sa_count(), t.ha.sa_count()), (0, 0));
}

#[test]
fn hooks_alter_outgoing_messages() {
    // Set a reserved flag bit and append an unknown non-critical payload to IKE_SA_INIT; the
    // responder still answers (RFC 7296 §2.5: unknown non-critical payloads are skipped).
    let mut t = Pair::default();
    t.mn.set_hooks(Hooks {
        repr: Some(Box::new(|o: &mut Outgoing| {
            if o.inner.is_none() {
                o.message
                    .payloads
                    .push(mip6lab_wire::ikev2::Payload::new(PayloadBody::Unknown {
                        payload_type: 200,
                        data: vec![1, 2, 3],
                    }));
            }
        })),
        bytes: Some(Box::new(|o: &Outgoing, b: &mut Vec<u8>| {
            // After sealing, only unencrypted messages can change without breaking the ICV.
            if o.inner.is_none() {
                b[19] |= 0x01;
            }
        })),
    });
    t.initiate_and_run(InitiateRequest::dynamic_hoa(ha_addr()));
    assert_eq!(t.to_ha[0][19], 0x09);
    assert!(established(&t.ha_events));
    // A critical unknown payload is refused with UNSUPPORTED_CRITICAL_PAYLOAD.
    let mut t = Pair::default();
    t.mn.set_hooks(Hooks {
        repr: Some(Box::new(|o: &mut Outgoing| {
            let mut pl = mip6lab_wire::ikev2::Payload::new(PayloadBody::Unknown {
                payload_type: 201,
                data: vec![],
            });
            pl.flags = 0x80;
            o.message.payloads.insert(0, pl);
        })),
        bytes: None,
    });
    t.initiate_and_run(InitiateRequest::dynamic_hoa(ha_addr()));
    let r = Message::from_bytes(&t.to_mn[0]).unwrap();
    assert!(matches!(&r.payloads[0].body,
        PayloadBody::Notify(n) if n.notify_type == notify_type::UNSUPPORTED_CRITICAL_PAYLOAD && n.data == [201]));
}

#[test]
fn half_open_sas_are_capped_and_expire() {
    let mut ha = ha_config();
    ha.limits.max_half_open = 4;
    let mut ha = mip6lab_engines::ikev2::IkeEngine::new(ha, rng(9));
    for s in 0..10u64 {
        let mut mn = mip6lab_engines::ikev2::IkeEngine::new(mn_config(), rng(100 + s));
        mn.initiate(0, InitiateRequest::dynamic_hoa(ha_addr()));
        let d = mn.send().unwrap();
        ha.recv(0, &d);
    }
    assert_eq!(ha.half_open_count(), 4);
    ha.handle_timeout(31_000);
    assert_eq!(ha.sa_count(), 0);
}

#[test]
fn higher_major_version_gets_invalid_major_version() {
    let mut t = Pair::default();
    t.mn.set_hooks(Hooks {
        repr: None,
        bytes: Some(Box::new(|o: &Outgoing, b: &mut Vec<u8>| {
            if o.inner.is_none() {
                b[17] = 0x30;
            }
        })),
    });
    t.initiate_and_run(InitiateRequest::dynamic_hoa(ha_addr()));
    let r = Message::from_bytes(&t.to_mn[0]).unwrap();
    assert_eq!(r.version, 0x20);
    assert!(matches!(&r.payloads[0].body,
        PayloadBody::Notify(n) if n.notify_type == notify_type::INVALID_MAJOR_VERSION));
    assert_eq!(t.ha.sa_count(), 0);
}

#[test]
fn ha_initiated_rekey_keeps_both_ends_in_step() {
    let mut t = Pair::default();
    t.initiate_and_run(InitiateRequest::dynamic_hoa(ha_addr()));
    let ha_sa = established_sa(&t.ha_events).unwrap();
    let old = children(&t.ha_events)[0].clone();
    t.ha.rekey_child(t.now, ha_sa, old.inbound_spi).unwrap();
    t.run();
    let (m, h) = (children(&t.mn_events), children(&t.ha_events));
    assert_eq!((m.len(), h.len()), (2, 2));
    assert_eq!(m[1].outbound, h[1].inbound);
    assert_eq!(m[1].inbound, h[1].outbound);
    assert_eq!(m[1].outbound_spi, h[1].inbound_spi);
    let hoa = "2001:db8:1:100::1".parse().unwrap();
    bu_ba_over_esp(&m[1], &h[1], hoa);
    // The old pair is gone on both ends.
    let mn_sa = established_sa(&t.mn_events).unwrap();
    assert_eq!(t.mn.children(mn_sa).len(), 1);
    assert_eq!(t.ha.children(ha_sa).len(), 1);
}

/// RFC 5026 §9.2, configured mode: an MN asking for any address gets its configured one;
/// another MN's configured address is never handed out, whether asked for or next in the pool.
#[test]
fn configured_addresses_are_returned_to_their_owner_only() {
    let assigned_to = |mn_id: &str, want: Option<Ipv6Addr>| -> Ipv6Addr {
        let mine: Ipv6Addr = "2001:db8:1:100::1".parse().unwrap();
        let theirs: Ipv6Addr = "2001:db8:1:100::2".parse().unwrap();
        let mut ha = ikev2_common::ha_config();
        let mut addresses = ResponderPolicy::pool(ikev2_common::pool(), 64, 256);
        assert!(addresses.configure("mn1.example.com", mine));
        assert!(addresses.configure("mn2.example.com", theirs));
        ha.responder.as_mut().unwrap().addresses = addresses.into();
        let mut mn = ikev2_common::mn_config();
        mn.local_id = Id::fqdn(mn_id);
        ha.psks.push((Id::fqdn(mn_id), ha.psks[0].1.clone()));
        let mut t = Pair::new(mn, ha);
        let mut req = InitiateRequest::dynamic_hoa(ha_addr());
        if let Some(w) = want {
            req.cfg_request = Some(vec![
                mip6lab_wire::ikev2::CpAttribute::internal_ip6_address(w, 64),
            ]);
        }
        t.initiate_and_run(req);
        let (cp, _) = config_reply(&t.mn_events);
        internal_ip6_address(&cp).0
    };
    let mine: Ipv6Addr = "2001:db8:1:100::1".parse().unwrap();
    let theirs: Ipv6Addr = "2001:db8:1:100::2".parse().unwrap();
    assert_eq!(assigned_to("mn1.example.com", None), mine);
    let other = assigned_to("mn3.example.com", Some(theirs));
    assert!(other != theirs && other != mine, "mn3 got {other}");
    // The pool's first addresses are configured ones: a newcomer gets neither.
    let next = assigned_to("mn3.example.com", None);
    assert!(next != theirs && next != mine, "mn3 got {next}");
}

/// RFC 7296 §2.6 / RFC 5026 §9.1: the cookie is computed, not stored; it is bound to the
/// initiator's address, and a rotated secret keeps working for one more period only.
#[test]
fn cookies_are_stateless_bound_to_the_address_and_rotate() {
    use std::net::IpAddr;
    let mut cfg = ha_config();
    let pol = cfg.responder.as_mut().unwrap();
    pol.cookie_threshold = Some(0);
    pol.cookie_secret_lifetime_ms = 1_000;
    let mut ha = mip6lab_engines::ikev2::IkeEngine::new(cfg, rng(9));
    let a: IpAddr = "2001:db8:1::100".parse().unwrap();
    let b: IpAddr = "2001:db8:1::666".parse().unwrap();
    let request = |seed: u64| {
        let mut mn = mip6lab_engines::ikev2::IkeEngine::new(mn_config(), rng(seed));
        mn.initiate(0, InitiateRequest::dynamic_hoa(ha_addr()));
        mn.send().unwrap()
    };
    let (first, second, third) = (request(7), request(8), request(11));
    let cookie_of = |d: &[u8]| -> Option<Vec<u8>> {
        let m = Message::from_bytes(d).unwrap();
        match &m.payloads.first()?.body {
            PayloadBody::Notify(n) if n.notify_type == notify_type::COOKIE => Some(n.data.clone()),
            _ => None,
        }
    };
    // A request with `cookie` in front, as the initiator would repeat it.
    let with_cookie = |req: &[u8], cookie: &[u8]| -> Vec<u8> {
        let mut m = Message::from_bytes(req).unwrap();
        m.payloads.insert(
            0,
            mip6lab_wire::ikev2::Payload::new(PayloadBody::Notify(
                mip6lab_wire::ikev2::Notify::new(notify_type::COOKIE, cookie.to_vec()),
            )),
        );
        m.to_bytes()
    };
    ha.recv_from(0, a, &first);
    let reply = ha.send().unwrap();
    let cookie = cookie_of(&reply).expect("N(COOKIE) demanded");
    assert_eq!(Message::from_bytes(&reply).unwrap().rspi, [0; 8]);
    assert_eq!(ha.sa_count(), 0, "no state for a request without a cookie");
    // The same cookie from another address is demanded again.
    ha.recv_from(10, b, &with_cookie(&first, &cookie));
    assert!(cookie_of(&ha.send().unwrap()).is_some());
    assert_eq!(ha.sa_count(), 0);
    ha.recv_from(20, a, &second);
    let cookie2 = cookie_of(&ha.send().unwrap()).unwrap();
    // After one rotation the old cookie still opens an SA from its own address...
    ha.recv_from(1_500, a, &third);
    let newer = cookie_of(&ha.send().unwrap()).unwrap();
    assert_ne!(
        newer[0], cookie[0],
        "a new secret version after its lifetime"
    );
    ha.recv_from(1_600, a, &with_cookie(&first, &cookie));
    let r = Message::from_bytes(&ha.send().unwrap()).unwrap();
    assert_ne!(r.rspi, [0; 8], "accepted: a full IKE_SA_INIT response");
    assert_eq!(ha.sa_count(), 1);
    // ...but not once a second rotation has retired its secret.
    ha.recv_from(3_000, a, &third);
    let _ = ha.send();
    ha.recv_from(3_100, a, &with_cookie(&second, &cookie2));
    assert!(cookie_of(&ha.send().unwrap()).is_some());
    assert_eq!(ha.sa_count(), 1);
}
