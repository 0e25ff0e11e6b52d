//! The original initiator: IKE_SA_INIT (with cookie and group retries) and IKE_AUTH.

use super::*;

impl IkeEngine {
    /// Starts an IKE SA as the original initiator; the first datagram is queued.
    pub fn initiate(&mut self, now: u64, req: InitiateRequest) -> SaId {
        self.now = now;
        let ispi = self.random_spi8();
        let group = self
            .cfg
            .groups
            .first()
            .copied()
            .unwrap_or(DhGroup::Curve25519);
        let dh = DhKey::generate(group, &mut *self.rng);
        let ni = self.random(self.cfg.nonce_len.clamp(16, 256));
        let psk = req
            .peer_id
            .as_ref()
            .and_then(|id| self.cfg.psks.iter().find(|(i, _)| i == id))
            .or(self.cfg.psks.first())
            .map(|(_, k)| k.clone())
            .unwrap_or_default();
        let sa = IkeSa {
            role: IkeRole::Initiator,
            state: State::InitSent,
            ispi,
            rspi: [0; 8],
            peer: req.peer,
            created: now,
            group,
            dh: Some(dh),
            ni,
            nr: Vec::new(),
            cookie: None,
            init_retries: 0,
            my_init: Vec::new(),
            peer_init: Vec::new(),
            init_request: Vec::new(),
            keys: None,
            psk,
            peer_id: None,
            auth_req: Some(req),
            auth_child_spi: 0,
            eap: None,
            next_req_id: 0,
            outstanding: None,
            pending: VecDeque::new(),
            peer_next_id: 0,
            last_response: None,
            children: Vec::new(),
            allowed_tsi: None,
            assigned: None,
            peer_hashes: Vec::new(),
        };
        if self.sas.len() >= self.cfg.limits.max_sas {
            if let Some(oldest) = self.sas.ids().first() {
                self.remove_sa(*oldest);
            }
        }
        let sa_id = self.sas.insert(sa);
        self.send_init(sa_id, now);
        sa_id
    }

    pub(super) fn send_init(&mut self, sa_id: SaId, now: u64) {
        let sa = &self.sas[sa_id];
        let mut payloads = Vec::new();
        if let Some(c) = &sa.cookie {
            payloads.push(notify(notify_type::COOKIE, c.clone()));
        }
        payloads.push(p(PayloadBody::Sa(ike_proposals(
            &self.cfg.ike_suites,
            &self.cfg.groups,
        ))));
        let dh = sa.dh.as_ref().expect("initiator has a DH key");
        payloads.push(p(PayloadBody::Ke(Ke {
            group: dh.group.id(),
            reserved: 0,
            data: dh.public.clone(),
        })));
        payloads.push(p(PayloadBody::Nonce(sa.ni.clone())));
        payloads.extend(self.hash_notify());
        let mut m = Self::header(sa, exchange::IKE_SA_INIT, false, 0);
        m.rspi = [0; 8];
        m.payloads = payloads;
        let bytes = self.build(m, None, None);
        self.sas[sa_id].my_init = bytes.clone();
        self.send_kept(sa_id, 0, bytes, ReqKind::Init, now);
    }

    pub(super) fn fail(&mut self, sa_id: SaId, reason: impl Into<String>) {
        self.remove_sa(sa_id);
        self.event(Event::Failed {
            sa: sa_id,
            reason: reason.into(),
        });
    }

    pub(super) fn on_init_response(&mut self, sa_id: SaId, bytes: &[u8], m: Message) {
        let id = SaId(self.sas[sa_id].ispi);
        if let Some(n) = find_notify(&m.payloads, notify_type::COOKIE) {
            let sa = &mut self.sas[sa_id];
            if sa.init_retries >= 3 || n.data.is_empty() || n.data.len() > 64 {
                return self.fail(sa_id, "COOKIE demanded again (or bad cookie)");
            }
            sa.init_retries += 1;
            sa.cookie = Some(n.data.clone());
            self.event(Event::InitRetry {
                sa: id,
                reason: "responder demanded a COOKIE".into(),
            });
            return self.send_init(sa_id, self.now);
        }
        if let Some(n) = find_notify(&m.payloads, notify_type::INVALID_KE_PAYLOAD) {
            let want = (n.data.len() == 2).then(|| u16::from_be_bytes([n.data[0], n.data[1]]));
            let g = want
                .and_then(DhGroup::from_id)
                .filter(|g| self.cfg.groups.contains(g));
            let sa = &mut self.sas[sa_id];
            match g {
                Some(g) if sa.init_retries < 3 && g != sa.group => {
                    sa.init_retries += 1;
                    sa.group = g;
                    sa.dh = Some(DhKey::generate(g, &mut *self.rng));
                    self.event(Event::InitRetry {
                        sa: id,
                        reason: format!("INVALID_KE_PAYLOAD: responder wants group {}", g.id()),
                    });
                    return self.send_init(sa_id, self.now);
                }
                _ => {
                    return self.fail(
                        sa_id,
                        format!("INVALID_KE_PAYLOAD asking for unsupported group {want:?}"),
                    )
                }
            }
        }
        if let Some(n) = first_error_notify(&m.payloads) {
            let name = n.name().unwrap_or("unknown error");
            return self.fail(
                sa_id,
                format!("IKE_SA_INIT refused: {name} ({})", n.notify_type),
            );
        }
        if m.rspi == [0; 8] {
            return self.drop_in("IKE_SA_INIT response with zero SPIr");
        }
        let (Some(sa_p), Some(ke), Some(nr)) = (
            find_body!(m.payloads, Sa),
            find_body!(m.payloads, Ke),
            find_body!(m.payloads, Nonce),
        ) else {
            return self.fail(sa_id, "IKE_SA_INIT response lacks SA, KE or Nonce");
        };
        if sa_p.proposals.len() != 1 || !(16..=256).contains(&nr.len()) {
            return self.fail(
                sa_id,
                "IKE_SA_INIT response: not one proposal, or bad nonce",
            );
        }
        let group = self.sas[sa_id].group;
        let Some((_, suite, groups)) = pick_ike(&sa_p.proposals[0], &[group]) else {
            return self.fail(sa_id, "responder chose a proposal we cannot use");
        };
        let offered = self.cfg.ike_suites.iter().any(|s| {
            s.encr == suite.encr
                && s.prf == suite.prf
                && (s.encr.is_aead() || s.integ == suite.integ)
        });
        if !offered || groups != [group] || ke.group != group.id() {
            return self.fail(sa_id, "responder's choice was not offered");
        }
        let sa = &mut self.sas[sa_id];
        let shared = match sa.dh.as_ref().map(|d| d.shared(&ke.data)) {
            Some(Ok(s)) => s,
            Some(Err(e)) => return self.fail(sa_id, format!("bad KE: {e}")),
            None => return self.fail(sa_id, "no DH key"),
        };
        sa.rspi = m.rspi;
        sa.nr = nr.clone();
        sa.peer_init = bytes.to_vec();
        sa.peer_hashes = find_notify(&m.payloads, cert::SIGNATURE_HASH_ALGORITHMS)
            .map(|n| cert::parse_hashes(&n.data))
            .unwrap_or_default();
        let keys =
            match IkeKeys::from_shared_secret(suite, &shared, &sa.ni, &sa.nr, &sa.ispi, &sa.rspi) {
                Ok(k) => k,
                Err(e) => return self.fail(sa_id, format!("key derivation: {e}")),
            };
        // Logged now, not at establishment: an IKE_AUTH that fails (wrong key, EAP
        // failure) must still be decryptable in the capture.
        let entry = keylog::ike_entry(&sa.ispi, &sa.rspi, &keys);
        sa.keys = Some(keys);
        sa.dh = None;
        sa.outstanding = None;
        self.event(Event::KeyLog(entry));
        self.send_auth(sa_id);
    }

    pub(super) fn send_auth(&mut self, sa_id: SaId) {
        let spi = self.random_esp_spi();
        let now = self.now;
        let sa = &mut self.sas[sa_id];
        sa.auth_child_spi = spi;
        let req = sa.auth_req.clone().unwrap_or(InitiateRequest {
            peer: sa.peer,
            peer_id: None,
            cfg_request: None,
            child: None,
            initial_contact: false,
            eap: false,
        });
        let keys = sa.keys.clone().expect("keys");
        let idi = self.cfg.local_id.clone();
        let rest = PayloadBody::IdI(idi.clone()).body_bytes();
        let so = signed_octets(keys.suite.prf, &sa.my_init, &sa.nr, &keys.sk_pi, &rest);
        let psk = sa.psk.clone();
        let (my_cert, my_auth) = self.my_auth(sa_id, keys.suite.prf, &so, &psk);
        let mut inner = vec![p(PayloadBody::IdI(idi))];
        if !req.eap {
            inner.extend(my_cert);
        }
        inner.extend(self.certreq());
        if req.initial_contact {
            inner.push(notify(notify_type::INITIAL_CONTACT, vec![]));
        }
        if let Some(idr) = &req.peer_id {
            inner.push(p(PayloadBody::IdR(idr.clone())));
        }
        if !req.eap {
            inner.push(my_auth);
        }
        if let Some(attrs) = &req.cfg_request {
            inner.push(p(PayloadBody::Cp(Cp::new(
                cfg_type::REQUEST,
                attrs.clone(),
            ))));
        }
        if let Some(c) = &req.child {
            if c.transport {
                inner.push(notify(notify_type::USE_TRANSPORT_MODE, vec![]));
            }
            inner.push(p(PayloadBody::Sa(esp_proposals(&self.cfg.esp_suites, spi))));
            inner.push(p(PayloadBody::TsI(Ts::new(c.tsi.clone()))));
            inner.push(p(PayloadBody::TsR(Ts::new(c.tsr.clone()))));
        }
        let sa = &self.sas[sa_id];
        let m = Self::header(sa, exchange::IKE_AUTH, false, 1);
        let k = keys.initiator();
        let bytes = self.build(m, Some(inner), Some(&k));
        let client = if req.eap {
            self.eap_client.as_mut().map(|f| f())
        } else {
            None
        };
        let sa = &mut self.sas[sa_id];
        if req.eap {
            sa.eap = Some(EapCtx {
                backend: None,
                client,
                first_inner: Vec::new(),
                idi: None,
                msk: None,
                awaiting: None,
            });
        }
        sa.state = State::AuthSent;
        self.send_kept(sa_id, 1, bytes, ReqKind::Auth, now);
    }

    /// Sends one more IKE_AUTH request (EAP rounds, the final AUTH).
    pub(super) fn send_auth_msg(&mut self, sa_id: SaId, inner: Vec<Payload>, kind: ReqKind) {
        self.send_request(sa_id, exchange::IKE_AUTH, inner, kind);
    }

    /// Sends an encrypted request on SA `sa_id` with its next message ID and keeps it for
    /// retransmission until the response comes.
    pub(super) fn send_request(
        &mut self,
        sa_id: SaId,
        exch: u8,
        inner: Vec<Payload>,
        kind: ReqKind,
    ) {
        let sa = &self.sas[sa_id];
        let msg_id = sa.next_req_id;
        let m = Self::header(sa, exch, false, msg_id);
        let k = sa.my_keys().expect("keys of an SA past IKE_SA_INIT");
        let bytes = self.build(m, Some(inner), Some(&k));
        self.send_kept(sa_id, msg_id, bytes, kind, self.now);
    }

    /// Sends request `msg_id` of SA `sa_id` (`bytes`, sent at `now`) and keeps it for
    /// retransmission until its response comes; the next request takes the next ID.
    fn send_kept(&mut self, sa_id: SaId, msg_id: u32, bytes: Vec<u8>, kind: ReqKind, now: u64) {
        let sa = &mut self.sas[sa_id];
        sa.next_req_id = msg_id.wrapping_add(1);
        sa.outstanding = Some(Outstanding {
            msg_id,
            bytes: bytes.clone(),
            kind,
            sent_at: now,
            retransmits: 0,
        });
        self.send_on(sa_id, bytes);
    }

    pub(super) fn on_auth_response(&mut self, sa_id: SaId, kind: ReqKind, inner: Vec<Payload>) {
        if let Some(n) = find_notify(&inner, notify_type::AUTHENTICATION_FAILED) {
            let _ = n;
            return self.fail(sa_id, "responder sent AUTHENTICATION_FAILED");
        }
        if self.sas[sa_id].eap.is_some() {
            match kind {
                ReqKind::Auth => {
                    let Some(idr) = find_body!(inner, IdR).cloned() else {
                        return self.fail(sa_id, "first IKE_AUTH response (EAP) without IDr");
                    };
                    // A responder AUTH here is checked with the shared key, if there is one.
                    if let Some(auth) = find_body!(inner, Auth) {
                        let sa = &self.sas[sa_id];
                        let keys = sa.keys.clone().expect("keys");
                        let rest = PayloadBody::IdR(idr.clone()).body_bytes();
                        let so = signed_octets(
                            keys.suite.prf,
                            &sa.peer_init,
                            &sa.ni,
                            &keys.sk_pr,
                            &rest,
                        );
                        let wanted = sa.auth_req.as_ref().and_then(|r| r.peer_id.clone());
                        if auth.method != auth_method::SHARED_KEY_MIC {
                            if let Some(w) = wanted.filter(|w| *w != idr) {
                                let why = format!(
                                    "responder is {}, not the IDr asked for ({})",
                                    idr.display(),
                                    w.display()
                                );
                                return self.initiator_auth_failed(sa_id, why);
                            }
                            if let Err(e) =
                                self.verify_peer_auth(keys.suite.prf, auth, &inner, &idr, &so, None)
                            {
                                let why = format!("responder's certificate AUTH: {e}");
                                return self.initiator_auth_failed(sa_id, why);
                            }
                        } else if !sa.psk.is_empty()
                            && psk_auth(keys.suite.prf, &sa.psk, &so) != auth.data
                        {
                            return self.fail(sa_id, "responder's AUTH does not verify");
                        }
                    }
                    self.sas[sa_id].peer_id = Some(idr);
                    return self.initiator_eap(sa_id, &inner);
                }
                ReqKind::AuthEap => return self.initiator_eap(sa_id, &inner),
                _ => {
                    let sa = &self.sas[sa_id];
                    let (Some(auth), Some(idr), Some(msk)) = (
                        find_body!(inner, Auth),
                        sa.peer_id.clone(),
                        sa.eap.as_ref().and_then(|c| c.msk.clone()),
                    ) else {
                        return self.fail(sa_id, "final IKE_AUTH response without AUTH");
                    };
                    let keys = sa.keys.clone().expect("keys");
                    let rest = PayloadBody::IdR(idr.clone()).body_bytes();
                    let so =
                        signed_octets(keys.suite.prf, &sa.peer_init, &sa.ni, &keys.sk_pr, &rest);
                    if psk_auth(keys.suite.prf, &msk, &so) != auth.data {
                        return self.fail(sa_id, "responder's AUTH (MSK) does not verify");
                    }
                    return self.initiator_complete(sa_id, inner, idr, keys);
                }
            }
        }
        let (Some(idr), Some(auth)) = (find_body!(inner, IdR), find_body!(inner, Auth)) else {
            let why = first_error_notify(&inner)
                .map(|n| format!("{} ({})", n.name().unwrap_or("error"), n.notify_type))
                .unwrap_or_else(|| "no IDr or AUTH".into());
            return self.fail(sa_id, format!("IKE_AUTH response without IDr/AUTH: {why}"));
        };
        let sa = &self.sas[sa_id];
        let keys = sa.keys.clone().expect("keys");
        let wanted = sa.auth_req.as_ref().and_then(|r| r.peer_id.clone());
        if auth.method != auth_method::SHARED_KEY_MIC {
            // A signature binds the responder to IDr through its certificate: it must be the
            // one asked for.
            if let Some(w) = wanted.filter(|w| w != idr) {
                let why = format!(
                    "responder is {}, not the IDr asked for ({})",
                    idr.display(),
                    w.display()
                );
                return self.initiator_auth_failed(sa_id, why);
            }
        }
        let rest = PayloadBody::IdR(idr.clone()).body_bytes();
        let so = signed_octets(keys.suite.prf, &sa.peer_init, &sa.ni, &keys.sk_pr, &rest);
        let psk = sa.psk.clone();
        if let Err(e) = self.verify_peer_auth(keys.suite.prf, auth, &inner, idr, &so, Some(&psk)) {
            let why = if auth.method == auth_method::SHARED_KEY_MIC {
                "responder's AUTH does not verify".to_string()
            } else {
                format!("responder's certificate AUTH: {e}")
            };
            return self.initiator_auth_failed(sa_id, why);
        }
        let idr = idr.clone();
        self.initiator_complete(sa_id, inner, idr, keys);
    }
}
