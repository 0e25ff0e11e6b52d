//! Authentication in IKE_AUTH (shared key, certificates) and the IKE_AUTH Child SA.

use super::*;

impl IkeEngine {
    /// This end's CERT (with a certificate) and AUTH over `so`; `psk` for a shared key.
    pub(super) fn my_auth(
        &self,
        sa_id: SaId,
        prf: Prf,
        so: &[u8],
        psk: &[u8],
    ) -> (Option<Payload>, Payload) {
        match &self.cfg.auth {
            AuthConfig::Cert(c) => {
                let rfc7427 = self.cfg.rfc7427
                    && self.sas[sa_id]
                        .peer_hashes
                        .contains(&cert::hash_alg::SHA2_256);
                let method = if rfc7427 {
                    cert::AUTH_DIGITAL_SIGNATURE
                } else {
                    cert::AUTH_ECDSA_SHA256_P256
                };
                (
                    Some(p(PayloadBody::Cert(Cert {
                        encoding: cert::CERT_X509_SIGNATURE,
                        data: c.cert_der().to_vec(),
                    }))),
                    p(PayloadBody::Auth(Auth::new(method, c.sign(method, so)))),
                )
            }
            AuthConfig::Psk => (
                None,
                p(PayloadBody::Auth(Auth::new(
                    auth_method::SHARED_KEY_MIC,
                    psk_auth(prf, psk, so),
                ))),
            ),
        }
    }

    /// CERTREQ naming the trusted CAs (SHA-1 of their SubjectPublicKeyInfo), if any.
    pub(super) fn certreq(&self) -> Option<Payload> {
        if self.cfg.trust_anchors.is_empty() {
            return None;
        }
        let data = self
            .cfg
            .trust_anchors
            .iter()
            .flat_map(|a| a.spki_sha1())
            .collect();
        Some(p(PayloadBody::CertReq(Cert {
            encoding: cert::CERT_X509_SIGNATURE,
            data,
        })))
    }

    /// SIGNATURE_HASH_ALGORITHMS for IKE_SA_INIT, when certificates are in use.
    pub(super) fn hash_notify(&self) -> Option<Payload> {
        (self.cfg.rfc7427 && self.cfg.uses_certs()).then(|| {
            let data: Vec<u8> = cert::SUPPORTED_HASHES
                .iter()
                .flat_map(|h| h.to_be_bytes())
                .collect();
            notify(cert::SIGNATURE_HASH_ALGORITHMS, data)
        })
    }

    /// Verifies the peer's AUTH over `so`: a shared key against `psk`, a signature (methods 9
    /// and 14) with the first X.509 CERT, which must chain to a trust anchor and bind `id`.
    pub(super) fn verify_peer_auth(
        &self,
        prf: Prf,
        auth: &Auth,
        inner: &[Payload],
        id: &Id,
        so: &[u8],
        psk: Option<&[u8]>,
    ) -> Result<(), String> {
        if auth.method == auth_method::SHARED_KEY_MIC {
            let psk = psk
                .filter(|k| !k.is_empty())
                .ok_or("no shared key for the peer's ID")?;
            return if psk_auth(prf, psk, so) == auth.data {
                Ok(())
            } else {
                Err("AUTH does not verify".into())
            };
        }
        if self.cfg.trust_anchors.is_empty() {
            return Err(format!("AUTH method {}, and no trusted CA", auth.method));
        }
        let c = inner
            .iter()
            .find_map(|x| match &x.body {
                PayloadBody::Cert(c) if c.encoding == cert::CERT_X509_SIGNATURE => Some(c),
                _ => None,
            })
            .ok_or("signature AUTH without a CERT (X.509 Certificate - Signature)")?;
        let bound = self.cfg.cert_binds_id.then_some(id);
        let key = cert::verify_peer_cert(&c.data, &self.cfg.trust_anchors, self.unix_time, bound)?;
        cert::verify_auth(auth.method, &auth.data, &key, so)
            .map_err(|e| format!("AUTH (method {}) does not verify: {e}", auth.method))
    }

    /// Initiator: the responder failed authentication. Tells it in an INFORMATIONAL with
    /// N(AUTHENTICATION_FAILED) (RFC 7296 §2.21.2), not waiting for an answer, and fails.
    pub(super) fn initiator_auth_failed(&mut self, sa_id: SaId, why: String) {
        let sa = &self.sas[sa_id];
        let msg_id = sa.next_req_id;
        let m = Self::header(sa, exchange::INFORMATIONAL, false, msg_id);
        if let Some(k) = sa.my_keys() {
            let inner = vec![notify(notify_type::AUTHENTICATION_FAILED, vec![])];
            let b = self.build(m, Some(inner), Some(&k));
            self.send_on(sa_id, b);
        }
        self.fail(sa_id, why);
    }

    /// Initiator: the responder is authenticated; the IKE SA is up, then CP and Child SA.
    pub(super) fn initiator_complete(
        &mut self,
        sa_id: SaId,
        inner: Vec<Payload>,
        idr: Id,
        keys: IkeKeys,
    ) {
        let id = SaId(self.sas[sa_id].ispi);
        let req = self.sas[sa_id].auth_req.clone();
        let sa = &mut self.sas[sa_id];
        sa.state = State::Established;
        sa.peer_id = Some(idr.clone());
        self.report_established(sa_id, id, IkeRole::Initiator, idr, &keys);
        let use_assigned = find_notify(&inner, notify_type::USE_ASSIGNED_HOA).is_some();
        if let Some(cp) = find_body!(inner, Cp) {
            self.event(Event::ConfigReply {
                sa: id,
                cp: cp.clone(),
                use_assigned_hoa: use_assigned,
            });
        }
        if let Some(c) = req.and_then(|r| r.child) {
            let ni = self.sas[sa_id].ni.clone();
            let nr = self.sas[sa_id].nr.clone();
            let spi = self.sas[sa_id].auth_child_spi;
            self.finish_child(sa_id, &inner, spi, &ni, &nr, &c, None);
        }
        self.pump(sa_id);
    }

    /// Completes a Child SA from a response (IKE_AUTH or CREATE_CHILD_SA) as initiator of
    /// the exchange.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn finish_child(
        &mut self,
        sa_id: SaId,
        inner: &[Payload],
        my_spi: u32,
        ni: &[u8],
        nr: &[u8],
        req: &ChildRequest,
        rekey_of: Option<u32>,
    ) {
        let id = sa_id;
        let err = inner.iter().find_map(|x| match &x.body {
            PayloadBody::Notify(n)
                if n.is_error() && n.notify_type != notify_type::USE_ASSIGNED_HOA =>
            {
                Some(n.clone())
            }
            _ => None,
        });
        if let Some(n) = err {
            return self.event(Event::ChildSaFailed {
                sa: id,
                notify_type: n.notify_type,
                notify_data: n.data,
                sent_by_us: false,
            });
        }
        let (Some(sa_p), Some(tsi), Some(tsr)) = (
            find_body!(inner, Sa),
            find_body!(inner, TsI),
            find_body!(inner, TsR),
        ) else {
            return self.event(Event::ChildSaFailed {
                sa: id,
                notify_type: notify_type::INVALID_SYNTAX,
                notify_data: b"response lacks SA, TSi or TSr".to_vec(),
                sent_by_us: false,
            });
        };
        let chosen = chosen_esp(sa_p).filter(|(s, _)| self.cfg.esp_suites.contains(s));
        let Some((suite, peer_spi)) = chosen else {
            return self.event(Event::ChildSaFailed {
                sa: id,
                notify_type: notify_type::NO_PROPOSAL_CHOSEN,
                notify_data: b"responder chose an ESP proposal not offered".to_vec(),
                sent_by_us: true,
            });
        };
        let transport = find_notify(inner, notify_type::USE_TRANSPORT_MODE).is_some();
        let sa = &self.sas[sa_id];
        let keys = sa.keys.as_ref().expect("keys");
        let Ok(ck) = ChildKeys::derive(
            keys.suite.prf,
            &keys.sk_d,
            None,
            ni,
            nr,
            suite.encr,
            suite.integ,
        ) else {
            return;
        };
        // This end started the exchange: it is the "initiator" of the Child SA's KEYMAT.
        let child = ChildSa {
            inbound_spi: my_spi,
            outbound_spi: peer_spi,
            inbound: ck.responder,
            outbound: ck.initiator,
            tsi: tsi.selectors.clone(),
            tsr: tsr.selectors.clone(),
            transport: transport && req.transport,
            rekeyed: rekey_of,
        };
        self.add_child(sa_id, child);
        if let Some(old) = rekey_of {
            self.queue(sa_id, PendingReq::DeleteChildren(vec![old]));
        }
    }

    pub(super) fn add_child(&mut self, sa_id: SaId, child: ChildSa) {
        let id = sa_id;
        let (l, r) = (self.cfg.local_addr, self.cfg.peer_addr);
        self.event(Event::KeyLog(keylog::esp_entry(
            child.outbound_spi,
            l,
            r,
            &child.outbound,
        )));
        self.event(Event::KeyLog(keylog::esp_entry(
            child.inbound_spi,
            r,
            l,
            &child.inbound,
        )));
        let sa = &mut self.sas[sa_id];
        if sa.children.len() >= self.cfg.limits.max_children {
            sa.children.remove(0);
        }
        sa.children.push(child.clone());
        self.event(Event::ChildSaEstablished { sa: id, child });
    }
}
