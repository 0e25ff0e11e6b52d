//! Requests after IKE_AUTH (CREATE_CHILD_SA, INFORMATIONAL) through the window of one,
//! and the timers (retransmission, half-open expiry).

use super::*;

impl IkeEngine {
    pub(super) fn queue(&mut self, sa_id: SaId, r: PendingReq) {
        let max = self.cfg.limits.max_pending_requests;
        let sa = &mut self.sas[sa_id];
        if sa.pending.len() >= max {
            return;
        }
        sa.pending.push_back(r);
        self.pump(sa_id);
    }

    /// Sends the next queued request if the window is free.
    pub(super) fn pump(&mut self, sa_id: SaId) {
        if !self.sas.contains(sa_id) {
            return;
        }
        let sa = &self.sas[sa_id];
        if sa.state != State::Established || sa.outstanding.is_some() {
            return;
        }
        let Some(r) = self.sas[sa_id].pending.pop_front() else {
            return;
        };
        let (exch, inner, kind) = match r {
            PendingReq::Liveness => (exchange::INFORMATIONAL, vec![], ReqKind::Liveness),
            PendingReq::DeleteIke => (
                exchange::INFORMATIONAL,
                vec![p(PayloadBody::Delete(Delete {
                    protocol_id: protocol_id::IKE,
                    spi_size: 0,
                    num_spis: 0,
                    spis: vec![],
                }))],
                ReqKind::DeleteIke,
            ),
            PendingReq::DeleteChildren(spis) => {
                let mut b = Vec::new();
                for s in &spis {
                    b.extend_from_slice(&s.to_be_bytes());
                }
                (
                    exchange::INFORMATIONAL,
                    vec![p(PayloadBody::Delete(Delete {
                        protocol_id: protocol_id::ESP,
                        spi_size: 4,
                        num_spis: spis.len() as u16,
                        spis: b,
                    }))],
                    ReqKind::DeleteChildren(spis),
                )
            }
            PendingReq::CreateChild { req, rekey_of } => {
                let spi = self.random_esp_spi();
                let nonce = self.random(self.cfg.nonce_len.clamp(16, 256));
                let mut inner = Vec::new();
                if let Some(old) = rekey_of {
                    inner.push(p(PayloadBody::Notify(Notify {
                        protocol_id: protocol_id::ESP,
                        spi: old.to_be_bytes().to_vec(),
                        notify_type: notify_type::REKEY_SA,
                        data: vec![],
                    })));
                }
                if req.transport {
                    inner.push(notify(notify_type::USE_TRANSPORT_MODE, vec![]));
                }
                inner.push(p(PayloadBody::Sa(esp_proposals(&self.cfg.esp_suites, spi))));
                inner.push(p(PayloadBody::Nonce(nonce.clone())));
                inner.push(p(PayloadBody::TsI(Ts::new(req.tsi.clone()))));
                inner.push(p(PayloadBody::TsR(Ts::new(req.tsr.clone()))));
                (
                    exchange::CREATE_CHILD_SA,
                    inner,
                    ReqKind::CreateChild {
                        spi,
                        nonce,
                        req,
                        rekey_of,
                    },
                )
            }
        };
        self.send_request(sa_id, exch, inner, kind);
    }

    pub(super) fn with_sa(&mut self, now: u64, sa: SaId, r: PendingReq) -> Result<(), String> {
        self.now = now;
        let sa_id = Some(sa)
            .filter(|s| self.sas.contains(*s))
            .ok_or("no such IKE SA")?;
        if self.sas[sa_id].state != State::Established {
            return Err("IKE SA not established".into());
        }
        self.queue(sa_id, r);
        Ok(())
    }

    /// CREATE_CHILD_SA for a new Child SA (e.g. for an auto-configured HoA,
    /// RFC 5026 §5.3.2).
    pub fn create_child(&mut self, now: u64, sa: SaId, req: ChildRequest) -> Result<(), String> {
        self.with_sa(
            now,
            sa,
            PendingReq::CreateChild {
                req,
                rekey_of: None,
            },
        )
    }

    /// CREATE_CHILD_SA rekeying the Child SA whose inbound SPI is `inbound_spi`; the old one
    /// is deleted once the new one is up.
    pub fn rekey_child(&mut self, now: u64, sa: SaId, inbound_spi: u32) -> Result<(), String> {
        let sa_id = Some(sa)
            .filter(|s| self.sas.contains(*s))
            .ok_or("no such IKE SA")?;
        let c = self.sas[sa_id]
            .children
            .iter()
            .find(|c| c.inbound_spi == inbound_spi)
            .ok_or("no such Child SA")?;
        let req = ChildRequest {
            tsi: if self.sas[sa_id].role == IkeRole::Initiator {
                c.tsi.clone()
            } else {
                c.tsr.clone()
            },
            tsr: if self.sas[sa_id].role == IkeRole::Initiator {
                c.tsr.clone()
            } else {
                c.tsi.clone()
            },
            transport: c.transport,
        };
        self.with_sa(
            now,
            sa,
            PendingReq::CreateChild {
                req,
                rekey_of: Some(inbound_spi),
            },
        )
    }

    pub fn delete_child(&mut self, now: u64, sa: SaId, inbound_spi: u32) -> Result<(), String> {
        self.with_sa(now, sa, PendingReq::DeleteChildren(vec![inbound_spi]))
    }

    pub fn delete_ike(&mut self, now: u64, sa: SaId) -> Result<(), String> {
        self.with_sa(now, sa, PendingReq::DeleteIke)
    }

    /// An empty INFORMATIONAL request (liveness check, RFC 7296 §1.4).
    pub fn liveness_check(&mut self, now: u64, sa: SaId) -> Result<(), String> {
        self.with_sa(now, sa, PendingReq::Liveness)
    }

    /// Retransmits, gives up, and expires half-open SAs.
    pub fn handle_timeout(&mut self, now: u64) {
        self.now = now;
        for sa_id in self.sas.ids() {
            let Some(sa) = self.sas.get(sa_id) else {
                continue;
            };
            if sa.state == State::HalfOpen
                && now
                    >= sa
                        .created
                        .saturating_add(self.cfg.limits.half_open_timeout_ms)
            {
                self.fail(sa_id, "half-open IKE SA expired before IKE_AUTH completed");
                continue;
            }
            if let Some(o) = &sa.outstanding {
                let due = o.sent_at.saturating_add(self.backoff(o.retransmits));
                if now >= due {
                    if o.retransmits >= self.cfg.retransmit.max_retransmits {
                        let what = format!(
                            "no response to message {} after {} retransmissions",
                            o.msg_id, o.retransmits
                        );
                        self.fail(sa_id, what);
                        continue;
                    }
                    let bytes = o.bytes.clone();
                    let o = self.sas[sa_id].outstanding.as_mut().expect("outstanding");
                    o.retransmits += 1;
                    o.sent_at = now;
                    self.send_on(sa_id, bytes);
                }
            }
        }
    }
}
