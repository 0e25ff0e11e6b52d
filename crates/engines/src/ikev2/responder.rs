//! The responder: IKE_SA_INIT answers and IKE_AUTH (CP, Child SA).

use super::*;
use crate::addresses::Lease;

impl IkeEngine {
    pub(super) fn responder_init(&mut self, bytes: &[u8]) {
        let Some(pol) = self.cfg.responder.clone() else {
            return self.drop_in("IKE_SA_INIT request but no responder policy");
        };
        let m = match Message::from_bytes(bytes) {
            Ok(m) => m,
            Err(e) => return self.drop_in(format!("malformed IKE_SA_INIT: {e}")),
        };
        let reply_plain = |e: &mut IkeEngine, payloads: Vec<Payload>| {
            let msg = Message {
                ispi: m.ispi,
                rspi: [0; 8],
                version: VERSION_2_0,
                exchange: exchange::IKE_SA_INIT,
                flags: flags::R,
                message_id: 0,
                payloads,
            };
            let b = e.build(msg, None, None);
            e.reply_raw(b);
        };
        if let Some(t) = unsupported_critical(&m.payloads) {
            return reply_plain(
                self,
                vec![notify(notify_type::UNSUPPORTED_CRITICAL_PAYLOAD, vec![t])],
            );
        }
        let (Some(sa_p), Some(ke), Some(ni)) = (
            find_body!(m.payloads, Sa),
            find_body!(m.payloads, Ke),
            find_body!(m.payloads, Nonce),
        ) else {
            return reply_plain(self, vec![notify(notify_type::INVALID_SYNTAX, vec![])]);
        };
        if !(16..=256).contains(&ni.len()) {
            return reply_plain(self, vec![notify(notify_type::INVALID_SYNTAX, vec![])]);
        }
        let half = self.half_open_count();
        if half >= self.cfg.limits.max_half_open || self.sas.len() >= self.cfg.limits.max_sas {
            return self.drop_in("too many IKE SAs: IKE_SA_INIT ignored");
        }
        if let Some(th) = pol.cookie_threshold {
            if half >= th {
                self.rotate_cookie_secret();
                let got = match m.payloads.first().map(|x| &x.body) {
                    Some(PayloadBody::Notify(n)) if n.notify_type == notify_type::COOKIE => {
                        Some(n.data.clone())
                    }
                    _ => None,
                };
                if !got.is_some_and(|g| self.cookie_valid(&g, ni, &m.ispi)) {
                    let want = self.cookie_for(ni, &m.ispi);
                    return reply_plain(self, vec![notify(notify_type::COOKIE, want)]);
                }
            }
        }
        let mut choice = None;
        for prop in &sa_p.proposals {
            if let Some(c) = pick_ike(prop, &self.cfg.groups) {
                choice = Some(c);
                break;
            }
        }
        let Some((mut prop, suite, groups)) = choice else {
            return reply_plain(self, vec![notify(notify_type::NO_PROPOSAL_CHOSEN, vec![])]);
        };
        let ke_group = DhGroup::from_id(ke.group).filter(|g| groups.contains(g));
        let Some(group) = ke_group else {
            // Our preferred group among those offered in the chosen proposal.
            let want = self
                .cfg
                .groups
                .iter()
                .find(|g| groups.contains(g))
                .copied()
                .unwrap_or(groups[0]);
            return reply_plain(
                self,
                vec![notify(
                    notify_type::INVALID_KE_PAYLOAD,
                    want.id().to_be_bytes(),
                )],
            );
        };
        if let Some(t) = prop
            .transforms
            .iter_mut()
            .find(|t| t.transform_type == transform_type::DH)
        {
            t.transform_id = group.id();
        }
        let dh = DhKey::generate(group, &mut *self.rng);
        let shared = match dh.shared(&ke.data) {
            Ok(s) => s,
            Err(_) => return reply_plain(self, vec![notify(notify_type::INVALID_SYNTAX, vec![])]),
        };
        let nr = self.random(self.cfg.nonce_len.clamp(16, 256));
        let rspi = self.random_spi8();
        let Ok(keys) = IkeKeys::from_shared_secret(suite, &shared, ni, &nr, &m.ispi, &rspi) else {
            return;
        };
        let peer_hashes = find_notify(&m.payloads, cert::SIGNATURE_HASH_ALGORITHMS)
            .map(|n| cert::parse_hashes(&n.data))
            .unwrap_or_default();
        let mut payloads = vec![
            p(PayloadBody::Sa(Sa {
                proposals: vec![prop],
            })),
            p(PayloadBody::Ke(Ke {
                group: group.id(),
                reserved: 0,
                data: dh.public.clone(),
            })),
            p(PayloadBody::Nonce(nr.clone())),
        ];
        payloads.extend(self.certreq());
        // RFC 7427 §4: sent back only to a peer that sent it.
        if find_notify(&m.payloads, cert::SIGNATURE_HASH_ALGORITHMS).is_some() {
            payloads.extend(self.hash_notify());
        }
        let msg = Message {
            ispi: m.ispi,
            rspi,
            version: VERSION_2_0,
            exchange: exchange::IKE_SA_INIT,
            flags: flags::R,
            message_id: 0,
            payloads,
        };
        let out = self.build(msg, None, None);
        let sa_id = self.sas.insert(IkeSa {
            role: IkeRole::Responder,
            state: State::HalfOpen,
            ispi: m.ispi,
            rspi,
            peer: self
                .from
                .unwrap_or(SocketAddr::from((Ipv6Addr::UNSPECIFIED, IKE_PORT))),
            created: self.now,
            group,
            dh: None,
            ni: ni.clone(),
            nr,
            cookie: None,
            init_retries: 0,
            my_init: out.clone(),
            peer_init: bytes.to_vec(),
            init_request: bytes.to_vec(),
            keys: Some(keys),
            psk: Vec::new(),
            peer_id: None,
            auth_req: None,
            auth_child_spi: 0,
            eap: None,
            next_req_id: 0,
            outstanding: None,
            pending: VecDeque::new(),
            peer_next_id: 1,
            last_response: None,
            children: Vec::new(),
            allowed_tsi: None,
            assigned: None,
            peer_hashes,
        });
        if let Some(k) = &self.sas[sa_id].keys.clone() {
            self.event(Event::KeyLog(keylog::ike_entry(&m.ispi, &rspi, k)));
        }
        self.reply_raw(out);
    }

    pub(super) fn responder_auth(&mut self, sa_id: SaId, msg_id: u32, inner: Vec<Payload>) {
        let auth_fail = |e: &mut IkeEngine, why: &str| {
            e.refuse_auth(sa_id, msg_id, format!("IKE_AUTH: {why}"));
        };
        if self.sas[sa_id].eap.is_some() {
            return self.responder_eap(sa_id, msg_id, inner);
        }
        let Some(idi) = find_body!(inner, IdI).cloned() else {
            return auth_fail(self, "no IDi");
        };
        let Some(auth) = find_body!(inner, Auth) else {
            // A local backend answers now; the driver's answers later.
            let (backend, step) = match self.eap_backend.as_mut() {
                Some(EapResponder::Local(f)) => {
                    let mut backend = f();
                    let step = backend.start(&idi.data);
                    (Some(backend), Some(step))
                }
                Some(EapResponder::Driver) => (None, None),
                None => return auth_fail(self, "no AUTH, and no EAP backend"),
            };
            let idr = self.cfg.local_id.clone();
            let mut head = vec![p(PayloadBody::IdR(idr.clone()))];
            // With a certificate, or a shared key for this IDi, the responder authenticates
            // with it now; without one, only the final MSK AUTH does (EAP-only, RFC 5998
            // style).
            if matches!(self.cfg.auth, AuthConfig::Cert(_)) {
                let keys = self.sas[sa_id].keys.clone().expect("keys");
                let sa = &self.sas[sa_id];
                let rest_r = PayloadBody::IdR(idr).body_bytes();
                let so_r = signed_octets(keys.suite.prf, &sa.my_init, &sa.ni, &keys.sk_pr, &rest_r);
                let (c, a) = self.my_auth(sa_id, keys.suite.prf, &so_r, &[]);
                head.extend(c);
                head.push(a);
            } else if let Some(psk) = self
                .cfg
                .psks
                .iter()
                .find(|(pid, _)| pid.id_type == idi.id_type && pid.data == idi.data)
                .map(|(_, k)| k.clone())
            {
                let keys = self.sas[sa_id].keys.clone().expect("keys");
                let sa = &self.sas[sa_id];
                let rest_r = PayloadBody::IdR(idr).body_bytes();
                let so_r = signed_octets(keys.suite.prf, &sa.my_init, &sa.ni, &keys.sk_pr, &rest_r);
                head.push(p(PayloadBody::Auth(Auth::new(
                    auth_method::SHARED_KEY_MIC,
                    psk_auth(keys.suite.prf, &psk, &so_r),
                ))));
            }
            let identity = idi.data.clone();
            self.sas[sa_id].eap = Some(EapCtx {
                backend,
                client: None,
                first_inner: inner.clone(),
                idi: Some(idi),
                msk: None,
                awaiting: None,
            });
            return match step {
                Some(step) => self.responder_eap_step(sa_id, msg_id, step, head),
                None => self.ask_eap_driver(sa_id, msg_id, EapForBackend::Start { identity }, head),
            };
        };
        let idi = &idi;
        let psk = self
            .cfg
            .psks
            .iter()
            .find(|(pid, _)| pid.id_type == idi.id_type && pid.data == idi.data)
            .map(|(_, k)| k.clone());
        if auth.method == auth_method::SHARED_KEY_MIC && psk.is_none() {
            return auth_fail(self, "unknown IDi");
        }
        let keys = self.sas[sa_id].keys.clone().expect("keys");
        let sa = &self.sas[sa_id];
        let rest = PayloadBody::IdI(idi.clone()).body_bytes();
        let so = signed_octets(keys.suite.prf, &sa.peer_init, &sa.nr, &keys.sk_pi, &rest);
        if let Err(e) =
            self.verify_peer_auth(keys.suite.prf, auth, &inner, idi, &so, psk.as_deref())
        {
            let why = if auth.method == auth_method::SHARED_KEY_MIC {
                "AUTH does not verify".to_string()
            } else {
                format!("certificate AUTH: {e}")
            };
            return auth_fail(self, &why);
        }
        let psk = match (psk, &self.cfg.auth) {
            (Some(k), _) => k,
            (None, AuthConfig::Cert(_)) => Vec::new(),
            (None, AuthConfig::Psk) => {
                return auth_fail(self, "no shared key to authenticate this end to IDi")
            }
        };
        let idi = idi.clone();
        self.responder_complete(sa_id, msg_id, inner, psk, idi, true);
    }

    /// Responder: the peer is authenticated with `key` (PSK or MSK); AUTH, CP and the Child
    /// SA of `inner` (the request that carried them) are answered.
    pub(super) fn responder_complete(
        &mut self,
        sa_id: SaId,
        msg_id: u32,
        inner: Vec<Payload>,
        psk: Vec<u8>,
        idi: Id,
        with_idr: bool,
    ) {
        let id = SaId(self.sas[sa_id].rspi);
        let pol = self
            .cfg
            .responder
            .clone()
            .expect("responder SA needs a policy");
        let keys = self.sas[sa_id].keys.clone().expect("keys");
        let sa = &self.sas[sa_id];
        let idr = self.cfg.local_id.clone();
        let rest_r = PayloadBody::IdR(idr.clone()).body_bytes();
        let so_r = signed_octets(keys.suite.prf, &sa.my_init, &sa.ni, &keys.sk_pr, &rest_r);
        let mut reply = Vec::new();
        if with_idr {
            // IDr, [CERT,] AUTH: the configured credential.
            reply.push(p(PayloadBody::IdR(idr)));
            let (c, a) = self.my_auth(sa_id, keys.suite.prf, &so_r, &psk);
            reply.extend(c);
            reply.push(a);
        } else {
            // After EAP: AUTH keyed by the MSK.
            reply.push(p(PayloadBody::Auth(Auth::new(
                auth_method::SHARED_KEY_MIC,
                psk_auth(keys.suite.prf, &psk, &so_r),
            ))));
        }
        {
            let sa = &mut self.sas[sa_id];
            sa.state = State::Established;
            sa.psk = psk;
            sa.peer_id = Some(idi.clone());
        }
        // CP (RFC 7296 §2.19, RFC 5026 §5.3).
        let cp_req = find_body!(inner, Cp).filter(|c| c.cfg_type == cfg_type::REQUEST);
        let mut child_error: Option<u16> = None;
        let mut use_assigned = false;
        if let Some(cp) = cp_req {
            let mut attrs = Vec::new();
            let wants_prefix = cp.attribute(cp_attr::MIP6_HOME_PREFIX).is_some();
            let wants_addr = cp.attribute(cp_attr::INTERNAL_IP6_ADDRESS);
            if let (true, Some(hp), None) = (wants_prefix, pol.home_prefix, wants_addr) {
                attrs.push(CpAttribute::mip6_home_prefix(hp));
                self.sas[sa_id].allowed_tsi = Some(prefix_range(hp.prefix, hp.prefix_len));
            } else if wants_prefix || wants_addr.is_some() {
                let want = wants_addr.and_then(|a| a.as_ip6_prefix()).map(|(a, _)| a);
                match self.lease(sa_id, &pol, want, &idi) {
                    Some(Lease {
                        addr: a,
                        prefix_len,
                    }) => {
                        attrs.push(CpAttribute::internal_ip6_address(a, prefix_len));
                        self.sas[sa_id].allowed_tsi = Some((a, a));
                        if wants_prefix && wants_addr.is_none() {
                            use_assigned = true;
                        }
                    }
                    None if pol.address_failure_notify => {
                        child_error = Some(notify_type::INTERNAL_ADDRESS_FAILURE)
                    }
                    // Mutant: a CFG_REPLY without an address; the Child SA then fails for
                    // want of a HoA (TS_UNACCEPTABLE), never naming the cause.
                    None => {}
                }
            }
            if cp.attribute(cp_attr::INTERNAL_IP6_DNS).is_some() {
                if let Some(d) = pol.dns {
                    attrs.push(CpAttribute::internal_ip6_dns(d));
                }
            }
            if child_error.is_none() {
                if use_assigned {
                    reply.push(notify(notify_type::USE_ASSIGNED_HOA, vec![]));
                }
                let cp = Cp::new(cfg_type::REPLY, attrs);
                reply.push(p(PayloadBody::Cp(cp.clone())));
                self.event(Event::ConfigAssigned {
                    sa: id,
                    cp,
                    use_assigned_hoa: use_assigned,
                });
            }
        } else if pol.require_cp {
            child_error = Some(notify_type::FAILED_CP_REQUIRED);
        }
        // Child SA.
        let child_req = (
            find_body!(inner, Sa),
            find_body!(inner, TsI),
            find_body!(inner, TsR),
        );
        let mut new_child = None;
        if let (Some(sa_p), Some(tsi), Some(tsr)) = child_req {
            let res = match child_error {
                Some(e) => Err(e),
                None => self
                    .narrow_child(sa_id, &tsi.selectors, &tsr.selectors)
                    .map_err(|_| notify_type::TS_UNACCEPTABLE),
            };
            let my_spi = self.random_esp_spi();
            match res.and_then(|ts| {
                pick_esp(sa_p, &self.cfg.esp_suites, my_spi)
                    .map(|c| (ts, c))
                    .ok_or(notify_type::NO_PROPOSAL_CHOSEN)
            }) {
                Ok(((tsi_n, tsr_n), (prop, suite, peer_spi))) => {
                    let transport = find_notify(&inner, notify_type::USE_TRANSPORT_MODE).is_some();
                    let sa = &self.sas[sa_id];
                    if let Ok(ck) = ChildKeys::derive(
                        keys.suite.prf,
                        &keys.sk_d,
                        None,
                        &sa.ni,
                        &sa.nr,
                        suite.encr,
                        suite.integ,
                    ) {
                        let child = ChildSa::accepted(
                            (my_spi, peer_spi),
                            ck,
                            (tsi_n, tsr_n),
                            transport,
                            None,
                        );
                        reply.extend(child.acceptance(prop, None));
                        new_child = Some(child);
                    }
                }
                Err(e) => child_error = Some(e),
            }
        }
        if let Some(e) = child_error {
            reply.push(notify(e, vec![]));
        }
        self.respond(sa_id, exchange::IKE_AUTH, msg_id, reply);
        self.report_established(sa_id, id, IkeRole::Responder, idi, &keys);
        if let Some(c) = new_child {
            self.add_child(sa_id, c);
        } else if let Some(e) = child_error {
            self.event(Event::ChildSaFailed {
                sa: id,
                notify_type: e,
                notify_data: vec![],
                sent_by_us: true,
            });
        }
    }
}

impl IkeEngine {
    /// Reports the IKE SA `sa_id` (`id` in events) established as `role` with `peer_id`.
    pub(super) fn report_established(
        &mut self,
        sa_id: SaId,
        id: SaId,
        role: IkeRole,
        peer_id: Id,
        keys: &IkeKeys,
    ) {
        let sa = &self.sas[sa_id];
        let (ispi, rspi, group) = (sa.ispi, sa.rspi, sa.group);
        self.event(Event::IkeSaEstablished {
            sa: id,
            role,
            ispi,
            rspi,
            peer_id,
            keys: keys.clone(),
            group,
        });
    }

    /// Answers the IKE_AUTH request `msg_id` with N(AUTHENTICATION_FAILED) and ends the SA
    /// for `reason`.
    pub(super) fn refuse_auth(&mut self, sa_id: SaId, msg_id: u32, reason: String) {
        self.respond(
            sa_id,
            exchange::IKE_AUTH,
            msg_id,
            vec![notify(notify_type::AUTHENTICATION_FAILED, vec![])],
        );
        self.fail(sa_id, reason);
    }
}

impl ChildSa {
    /// A Child SA this end accepts as responder: the peer started the exchange, so it is the
    /// KEYMAT "initiator" (RFC 7296 §2.17).
    pub(super) fn accepted(
        (inbound_spi, outbound_spi): (u32, u32),
        keys: ChildKeys,
        (tsi, tsr): (TrafficSelector, TrafficSelector),
        transport: bool,
        rekeyed: Option<u32>,
    ) -> ChildSa {
        ChildSa {
            inbound_spi,
            outbound_spi,
            inbound: keys.initiator,
            outbound: keys.responder,
            tsi: vec![tsi],
            tsr: vec![tsr],
            transport,
            rekeyed,
        }
    }

    /// The payloads that accept it: N(USE_TRANSPORT_MODE) when agreed, SA with `prop`, Nr
    /// when the exchange carries one (CREATE_CHILD_SA), TSi and TSr.
    pub(super) fn acceptance(&self, prop: Proposal, nr: Option<Vec<u8>>) -> Vec<Payload> {
        let mut out = Vec::new();
        if self.transport {
            out.push(notify(notify_type::USE_TRANSPORT_MODE, vec![]));
        }
        out.push(p(PayloadBody::Sa(Sa {
            proposals: vec![prop],
        })));
        out.extend(nr.map(|n| p(PayloadBody::Nonce(n))));
        out.push(p(PayloadBody::TsI(Ts::new(self.tsi.clone()))));
        out.push(p(PayloadBody::TsR(Ts::new(self.tsr.clone()))));
        out
    }
}
