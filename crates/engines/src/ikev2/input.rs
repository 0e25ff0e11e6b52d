//! Incoming datagrams: dispatch to an SA, responses, and requests after IKE_AUTH.

use super::*;

impl IkeEngine {
    /// Takes one input: a received IKE datagram (UDP payload on port 500, no non-ESP
    /// marker) with its sender (answers go back there, and a responder binds its cookies to
    /// it), or the driver's EAP backend's answer.
    pub fn handle_input<'a>(&mut self, now: u64, input: impl Into<IkeInput<'a>>) {
        self.now = now;
        match input.into() {
            IkeInput::Datagram(d) => {
                self.from = Some(d.src);
                self.handle_datagram(now, d.payload);
                self.from = None;
            }
            IkeInput::EapAnswer { sa, step } => self.on_eap_answer(sa, step),
        }
    }

    fn handle_datagram(&mut self, now: u64, bytes: &[u8]) {
        self.now = now;
        let h = match mip6lab_wire::ikev2::Packet::new_checked(bytes) {
            Ok(h) => h,
            Err(e) => return self.drop_in(format!("not IKE: {e}")),
        };
        if h.version() >> 4 != 2 {
            // A higher major version in a request: INVALID_MAJOR_VERSION, sent as 2.0 and
            // unprotected (RFC 7296 §2.5, §3.1). Anything else with a bad version is dropped.
            if h.version() >> 4 > 2 && !h.is_response() && self.cfg.responder.is_some() {
                let m = Message {
                    ispi: h.ispi(),
                    rspi: h.rspi(),
                    version: VERSION_2_0,
                    exchange: h.exchange(),
                    flags: flags::R,
                    message_id: h.message_id(),
                    payloads: vec![notify(notify_type::INVALID_MAJOR_VERSION, vec![])],
                };
                let b = self.build(m, None, None);
                self.reply_raw(b);
            }
            return self.drop_in(format!("IKE major version {}", h.version() >> 4));
        }
        let from_initiator = h.is_initiator();
        let response = h.is_response();
        if h.exchange() == exchange::IKE_SA_INIT && !response {
            if !from_initiator || h.rspi() != [0; 8] || h.message_id() != 0 {
                return self.drop_in("IKE_SA_INIT request with bad flags, SPIr or Message ID");
            }
            // A retransmission of a request we answered?
            if let Some(sa_id) = self
                .sas
                .find(|s| s.role == IkeRole::Responder && s.ispi == h.ispi())
            {
                let sa = &self.sas[sa_id];
                if sa.init_request == bytes && sa.state == State::HalfOpen {
                    let r = sa.my_init.clone();
                    self.reply_raw(r);
                } else {
                    self.drop_in("IKE_SA_INIT for an SPIi that has an SA already");
                }
                return;
            }
            return self.responder_init(bytes);
        }
        let my_spi = if from_initiator { h.rspi() } else { h.ispi() };
        let want_role = if from_initiator {
            IkeRole::Responder
        } else {
            IkeRole::Initiator
        };
        let Some(sa_id) = self
            .sas
            .get(SaId(my_spi))
            .filter(|s| s.role == want_role)
            .map(|_| SaId(my_spi))
        else {
            return self.drop_in("unknown IKE SA");
        };
        let m = match Message::from_bytes(bytes) {
            Ok(m) => m,
            Err(e) => return self.drop_in(format!("malformed: {e}")),
        };
        if h.exchange() == exchange::IKE_SA_INIT {
            // A response to our IKE_SA_INIT.
            let sa = &self.sas[sa_id];
            if sa.state != State::InitSent || h.message_id() != 0 {
                return self.drop_in("IKE_SA_INIT response out of state");
            }
            if unsupported_critical(&m.payloads).is_some() {
                return self.fail(
                    sa_id,
                    "IKE_SA_INIT response with an unsupported critical payload",
                );
            }
            return self.on_init_response(sa_id, bytes, m);
        }
        if self.sas[sa_id].keys.is_none() {
            return self.drop_in("encrypted message before keys");
        }
        if h.rspi() != self.sas[sa_id].rspi {
            return self.drop_in("SPIr mismatch");
        }
        if response {
            let Some(o) = &self.sas[sa_id].outstanding else {
                return self.drop_in("response without a request");
            };
            if o.msg_id != h.message_id() {
                return self.drop_in("response with an unexpected Message ID");
            }
            let keys = self.sas[sa_id].peer_keys().expect("keys");
            let d = match sk::decrypt(bytes, &keys) {
                Ok(d) => d,
                Err(e) => return self.drop_in(format!("cannot open SK: {e}")),
            };
            self.follow_peer(sa_id);
            let o = self.sas[sa_id].outstanding.take().expect("outstanding");
            self.on_response(sa_id, o, d.inner);
        } else {
            let sa = &self.sas[sa_id];
            let mid = h.message_id();
            if let Some((last_id, last)) = &sa.last_response {
                if *last_id == mid {
                    let r = last.clone();
                    return self.reply_raw(r);
                }
            }
            if mid != sa.peer_next_id {
                return self.drop_in("request outside the window");
            }
            if sa
                .eap
                .as_ref()
                .and_then(|c| c.awaiting.as_ref())
                .is_some_and(|(m, _)| *m == mid)
            {
                return self.drop_in("request still with the EAP backend");
            }
            let keys = sa.peer_keys().expect("keys");
            let d = match sk::decrypt(bytes, &keys) {
                Ok(d) => d,
                Err(e) => return self.drop_in(format!("cannot open SK: {e}")),
            };
            self.follow_peer(sa_id);
            self.on_request(sa_id, h.exchange(), mid, d.inner);
        }
    }

    /// A responder sends to wherever the initiator's last authenticated message came from;
    /// an initiator keeps the address it was given.
    fn follow_peer(&mut self, sa_id: SaId) {
        if let (Some(from), IkeRole::Responder) = (self.from, self.sas[sa_id].role) {
            self.sas[sa_id].peer = from;
        }
    }

    pub(super) fn on_response(&mut self, sa_id: SaId, o: Outstanding, inner: Vec<Payload>) {
        let id = sa_id;
        match o.kind {
            ReqKind::Init => {}
            ReqKind::Auth | ReqKind::AuthEap | ReqKind::AuthFinal => {
                return self.on_auth_response(sa_id, o.kind, inner)
            }
            ReqKind::CreateChild {
                spi,
                nonce,
                req,
                rekey_of,
            } => {
                let nr = find_body!(inner, Nonce).cloned();
                match nr {
                    Some(nr) if first_error_notify(&inner).is_none() => {
                        self.finish_child(sa_id, &inner, spi, &nonce, &nr, &req, rekey_of)
                    }
                    _ => self.finish_child(sa_id, &inner, spi, &nonce, &[], &req, rekey_of),
                }
            }
            ReqKind::DeleteIke => {
                self.remove_sa(sa_id);
                return self.event(Event::IkeSaDeleted {
                    sa: id,
                    by_peer: false,
                });
            }
            ReqKind::DeleteChildren(spis) => {
                for s in spis {
                    self.sas[sa_id].children.retain(|c| c.inbound_spi != s);
                    self.event(Event::ChildSaDeleted {
                        sa: id,
                        inbound_spi: s,
                        by_peer: false,
                    });
                }
            }
            ReqKind::Liveness => self.event(Event::LivenessOk { sa: id }),
        }
        self.pump(sa_id);
    }

    pub(super) fn respond(&mut self, sa_id: SaId, exch: u8, msg_id: u32, inner: Vec<Payload>) {
        let sa = &self.sas[sa_id];
        let m = Self::header(sa, exch, true, msg_id);
        let k = sa.my_keys().expect("keys");
        let bytes = self.build(m, Some(inner), Some(&k));
        let sa = &mut self.sas[sa_id];
        sa.peer_next_id = msg_id.wrapping_add(1);
        sa.last_response = Some((msg_id, bytes.clone()));
        self.send_on(sa_id, bytes);
    }

    pub(super) fn on_request(&mut self, sa_id: SaId, exch: u8, msg_id: u32, inner: Vec<Payload>) {
        if let Some(t) = unsupported_critical(&inner) {
            return self.respond(
                sa_id,
                exch,
                msg_id,
                vec![notify(notify_type::UNSUPPORTED_CRITICAL_PAYLOAD, vec![t])],
            );
        }
        match (exch, self.sas[sa_id].state) {
            (exchange::IKE_AUTH, State::HalfOpen) if self.sas[sa_id].role == IkeRole::Responder => {
                self.responder_auth(sa_id, msg_id, inner)
            }
            (exchange::INFORMATIONAL, State::Established) => {
                self.on_informational(sa_id, msg_id, inner)
            }
            (exchange::CREATE_CHILD_SA, State::Established) => {
                self.on_create_child(sa_id, msg_id, inner)
            }
            _ => self.drop_in("request of an unexpected exchange in this state"),
        }
    }

    pub(super) fn on_informational(&mut self, sa_id: SaId, msg_id: u32, inner: Vec<Payload>) {
        let id = sa_id;
        let mut reply = Vec::new();
        let mut delete_ike = false;
        let mut gone = Vec::new();
        if find_notify(&inner, notify_type::AUTHENTICATION_FAILED).is_some() {
            // The initiator refused our authentication (RFC 7296 §2.21.2).
            self.respond(sa_id, exchange::INFORMATIONAL, msg_id, vec![]);
            return self.fail(sa_id, "peer sent AUTHENTICATION_FAILED in an INFORMATIONAL");
        }
        for d in inner.iter().filter_map(|x| match &x.body {
            PayloadBody::Delete(d) => Some(d),
            _ => None,
        }) {
            if d.protocol_id == protocol_id::IKE {
                delete_ike = true;
            } else if d.protocol_id == protocol_id::ESP {
                for s in d.spi_list().into_iter().filter_map(esp_spi_from) {
                    // The peer names its inbound SPI, which is our outbound one.
                    if let Some(c) = self.sas[sa_id]
                        .children
                        .iter()
                        .find(|c| c.outbound_spi == s)
                    {
                        gone.push(c.inbound_spi);
                    }
                }
            }
        }
        if delete_ike {
            self.respond(sa_id, exchange::INFORMATIONAL, msg_id, vec![]);
            self.remove_sa(sa_id);
            return self.event(Event::IkeSaDeleted {
                sa: id,
                by_peer: true,
            });
        }
        if !gone.is_empty() {
            let mut b = Vec::new();
            for s in &gone {
                b.extend_from_slice(&s.to_be_bytes());
            }
            reply.push(p(PayloadBody::Delete(Delete {
                protocol_id: protocol_id::ESP,
                spi_size: 4,
                num_spis: gone.len() as u16,
                spis: b,
            })));
            for s in &gone {
                self.sas[sa_id].children.retain(|c| c.inbound_spi != *s);
                self.event(Event::ChildSaDeleted {
                    sa: id,
                    inbound_spi: *s,
                    by_peer: true,
                });
            }
        }
        self.respond(sa_id, exchange::INFORMATIONAL, msg_id, reply);
    }

    pub(super) fn on_create_child(&mut self, sa_id: SaId, msg_id: u32, inner: Vec<Payload>) {
        let id = sa_id;
        let fail = |e: &mut IkeEngine, t: u16, why: &str| {
            e.respond(
                sa_id,
                exchange::CREATE_CHILD_SA,
                msg_id,
                vec![notify(t, vec![])],
            );
            e.event(Event::ChildSaFailed {
                sa: id,
                notify_type: t,
                notify_data: why.as_bytes().to_vec(),
                sent_by_us: true,
            });
        };
        if find_body!(inner, Ke).is_some() {
            // PFS is not implemented; a KE we cannot use means no acceptable proposal.
            return fail(
                self,
                notify_type::NO_PROPOSAL_CHOSEN,
                "KE (PFS) not supported",
            );
        }
        let (Some(sa_p), Some(ni), Some(tsi), Some(tsr)) = (
            find_body!(inner, Sa),
            find_body!(inner, Nonce),
            find_body!(inner, TsI),
            find_body!(inner, TsR),
        ) else {
            return fail(
                self,
                notify_type::INVALID_SYNTAX,
                "missing SA/Nonce/TSi/TSr",
            );
        };
        if sa_p
            .proposals
            .iter()
            .any(|p| p.protocol_id == protocol_id::IKE)
        {
            return fail(
                self,
                notify_type::NO_ADDITIONAL_SAS,
                "IKE SA rekey not supported",
            );
        }
        if !(16..=256).contains(&ni.len()) {
            return fail(self, notify_type::INVALID_SYNTAX, "bad nonce length");
        }
        let rekey_of = inner.iter().find_map(|x| match &x.body {
            PayloadBody::Notify(n) if n.notify_type == notify_type::REKEY_SA => {
                esp_spi_from(&n.spi)
            }
            _ => None,
        });
        let old = rekey_of.and_then(|s| {
            self.sas[sa_id]
                .children
                .iter()
                .find(|c| c.outbound_spi == s)
                .map(|c| c.inbound_spi)
        });
        if rekey_of.is_some() && old.is_none() {
            return fail(
                self,
                notify_type::CHILD_SA_NOT_FOUND,
                "REKEY_SA of an unknown SA",
            );
        }
        let (ni, sa_p, tsi, tsr) = (ni.clone(), sa_p.clone(), tsi.clone(), tsr.clone());
        let transport = find_notify(&inner, notify_type::USE_TRANSPORT_MODE).is_some();
        let (tsi_n, tsr_n) = match self.narrow_child(sa_id, &tsi.selectors, &tsr.selectors) {
            Ok(x) => x,
            Err(why) => return fail(self, notify_type::TS_UNACCEPTABLE, &why),
        };
        let my_spi = self.random_esp_spi();
        let Some((prop, suite, peer_spi)) = pick_esp(&sa_p, &self.cfg.esp_suites, my_spi) else {
            return fail(
                self,
                notify_type::NO_PROPOSAL_CHOSEN,
                "no acceptable ESP proposal",
            );
        };
        let nr = self.random(self.cfg.nonce_len.clamp(16, 256));
        let keys = self.sas[sa_id].keys.clone().expect("keys");
        let Ok(ck) = ChildKeys::derive(
            keys.suite.prf,
            &keys.sk_d,
            None,
            &ni,
            &nr,
            suite.encr,
            suite.integ,
        ) else {
            return fail(self, notify_type::NO_PROPOSAL_CHOSEN, "key derivation");
        };
        let child = ChildSa::accepted((my_spi, peer_spi), ck, (tsi_n, tsr_n), transport, old);
        let reply = child.acceptance(prop, Some(nr));
        self.respond(sa_id, exchange::CREATE_CHILD_SA, msg_id, reply);
        let mpd = child.tsi.iter().any(|t| t.icmp6_types().is_some());
        self.add_child(sa_id, child);
        // RFC 5026 §5.3.2: after Mobile Prefix Discovery an MN with an assigned HoA may
        // auto-configure one from the home prefix and ask for its MH SA; allowed only where
        // the HA allows auto-configuration at all (it would advertise the prefix).
        let prefix = self
            .cfg
            .responder
            .as_ref()
            .and_then(|p| p.home_prefix)
            .filter(|_| self.sas[sa_id].role == IkeRole::Responder);
        if let (true, Some(hp)) = (mpd, prefix) {
            self.sas[sa_id].allowed_tsi = Some(prefix_range(hp.prefix, hp.prefix_len));
        }
    }
}
