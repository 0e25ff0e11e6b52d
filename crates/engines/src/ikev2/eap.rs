//! EAP in IKE_AUTH (RFC 7296 §2.16): the backend and client traits, and both ends' EAP
//! rounds.

use super::*;

/// One step of the responder's EAP backend (RFC 7296 §2.16).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EapStep {
    /// Send this EAP message to the peer.
    Send(Vec<u8>),
    /// EAP succeeded: the MSK and the EAP-Success to send.
    Success { msk: Vec<u8>, final_msg: Vec<u8> },
    /// EAP failed: the EAP-Failure to send.
    Failure(Vec<u8>),
}

/// What the responder asks of an EAP backend the driver runs ([`Event::EapForBackend`]); the
/// driver answers with [`IkeInput::EapAnswer`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EapForBackend {
    /// The first IKE_AUTH arrived without AUTH: start EAP for this IDi (its data).
    Start { identity: Vec<u8> },
    /// The peer's EAP message (a whole EAP packet).
    Response { eap: Vec<u8> },
}

/// Who answers the responder's EAP: a backend inside the engine, or the driver.
pub(super) enum EapResponder {
    /// A backend per IKE SA, asked synchronously.
    Local(EapBackendFactory),
    /// The driver, through events and inputs.
    Driver,
}

/// The responder's EAP authenticator, one per IKE SA (a RADIUS relay implements it).
/// Messages are whole EAP packets (code, identifier, length, data).
pub trait EapBackend {
    /// The first IKE_AUTH arrived without AUTH: start EAP for this IDi (its data).
    fn start(&mut self, identity: &[u8]) -> EapStep;
    /// The peer's EAP message.
    fn step(&mut self, eap_msg: &[u8]) -> EapStep;
}

/// The initiator's EAP peer method, one per IKE SA.
pub trait EapClient {
    /// The answer to an EAP Request (whole EAP packets); `None` gives up.
    fn step(&mut self, eap_request: &[u8]) -> Option<Vec<u8>>;
    /// The MSK once the method has derived it.
    fn msk(&self) -> Option<Vec<u8>>;
}

/// Makes the EAP backend of a new responder IKE SA.
pub type EapBackendFactory = Box<dyn FnMut() -> Box<dyn EapBackend + Send> + Send>;

/// Makes the EAP client of a new initiator IKE SA.
pub type EapClientFactory = Box<dyn FnMut() -> Box<dyn EapClient + Send> + Send>;

pub(super) struct EapCtx {
    pub(super) backend: Option<Box<dyn EapBackend + Send>>,
    pub(super) client: Option<Box<dyn EapClient + Send>>,
    /// Responder: the first IKE_AUTH request (its CP, SA, TSi, TSr are answered at the end).
    pub(super) first_inner: Vec<Payload>,
    pub(super) idi: Option<Id>,
    pub(super) msk: Option<Vec<u8>>,
    /// Responder: the request waiting on the driver's backend, and the payloads to put
    /// before EAP.
    pub(super) awaiting: Option<(u32, Vec<Payload>)>,
}

impl IkeEngine {
    /// Initiator: the EAP payload of an IKE_AUTH response.
    pub(super) fn initiator_eap(&mut self, sa_id: SaId, inner: &[Payload]) {
        let Some(eap) = find_body!(inner, Eap).cloned() else {
            return self.fail(sa_id, "IKE_AUTH response (EAP) without an EAP payload");
        };
        let bytes = PayloadBody::Eap(eap.clone()).body_bytes();
        match eap.code {
            1 => {
                let answer = self.sas[sa_id]
                    .eap
                    .as_mut()
                    .and_then(|c| c.client.as_mut())
                    .and_then(|c| c.step(&bytes));
                match answer.map(|a| mip6lab_wire::ikev2::Eap::parse(&a)) {
                    Some(Ok(e)) => {
                        self.send_auth_msg(sa_id, vec![p(PayloadBody::Eap(e))], ReqKind::AuthEap)
                    }
                    _ => self.fail(sa_id, "the EAP client has no (valid) answer"),
                }
            }
            3 => {
                let msk = self.sas[sa_id]
                    .eap
                    .as_ref()
                    .and_then(|c| c.client.as_ref())
                    .and_then(|c| c.msk());
                let Some(msk) = msk else {
                    return self.fail(sa_id, "EAP Success but the method has no MSK");
                };
                let sa = &mut self.sas[sa_id];
                let keys = sa.keys.clone().expect("keys");
                let rest = PayloadBody::IdI(self.cfg.local_id.clone()).body_bytes();
                let so = signed_octets(keys.suite.prf, &sa.my_init, &sa.nr, &keys.sk_pi, &rest);
                let auth = psk_auth(keys.suite.prf, &msk, &so);
                if let Some(c) = sa.eap.as_mut() {
                    c.msk = Some(msk);
                }
                self.send_auth_msg(
                    sa_id,
                    vec![p(PayloadBody::Auth(Auth::new(
                        auth_method::SHARED_KEY_MIC,
                        auth,
                    )))],
                    ReqKind::AuthFinal,
                )
            }
            4 => self.fail(sa_id, "EAP Failure"),
            c => self.fail(sa_id, format!("unexpected EAP code {c}")),
        }
    }

    /// Responder: an IKE_AUTH request during EAP.
    pub(super) fn responder_eap(&mut self, sa_id: SaId, msg_id: u32, inner: Vec<Payload>) {
        let auth_fail = |e: &mut IkeEngine, why: &str| {
            e.refuse_auth(sa_id, msg_id, format!("IKE_AUTH (EAP): {why}"));
        };
        self.sas[sa_id].created = self.now;
        let ctx = self.sas[sa_id].eap.as_ref().expect("EAP context");
        if let Some(msk) = ctx.msk.clone() {
            let (first, idi) = (ctx.first_inner.clone(), ctx.idi.clone());
            let (Some(auth), Some(idi)) = (find_body!(inner, Auth), idi) else {
                return auth_fail(self, "expected AUTH after EAP Success");
            };
            let keys = self.sas[sa_id].keys.clone().expect("keys");
            let sa = &self.sas[sa_id];
            let rest = PayloadBody::IdI(idi.clone()).body_bytes();
            let so = signed_octets(keys.suite.prf, &sa.peer_init, &sa.nr, &keys.sk_pi, &rest);
            if psk_auth(keys.suite.prf, &msk, &so) != auth.data {
                return auth_fail(self, "AUTH (MSK) does not verify");
            }
            return self.responder_complete(sa_id, msg_id, first, msk, idi, false);
        }
        let Some(eap) = find_body!(inner, Eap) else {
            return auth_fail(self, "expected an EAP payload");
        };
        let bytes = PayloadBody::Eap(eap.clone()).body_bytes();
        let local = self.sas[sa_id]
            .eap
            .as_mut()
            .and_then(|c| c.backend.as_mut());
        match (local, &self.eap_backend) {
            (Some(b), _) => {
                let step = b.step(&bytes);
                self.responder_eap_step(sa_id, msg_id, step, vec![]);
            }
            (None, Some(EapResponder::Driver)) => self.ask_eap_driver(
                sa_id,
                msg_id,
                EapForBackend::Response { eap: bytes },
                vec![],
            ),
            (None, _) => auth_fail(self, "no EAP backend"),
        }
    }

    /// Hands an EAP message to the driver's backend; the request `msg_id` waits for
    /// [`IkeInput::EapAnswer`], with `head` to go before the EAP payload of the answer.
    pub(super) fn ask_eap_driver(
        &mut self,
        sa_id: SaId,
        msg_id: u32,
        message: EapForBackend,
        head: Vec<Payload>,
    ) {
        if let Some(c) = self.sas[sa_id].eap.as_mut() {
            c.awaiting = Some((msg_id, head));
        }
        self.event(Event::EapForBackend { sa: sa_id, message });
    }

    /// The driver's backend answered (see [`IkeInput::EapAnswer`]).
    pub(super) fn on_eap_answer(&mut self, sa_id: SaId, step: EapStep) {
        let waiting = self
            .sas
            .get_mut(sa_id)
            .and_then(|s| s.eap.as_mut())
            .and_then(|c| c.awaiting.take());
        match waiting {
            Some((msg_id, head)) => self.responder_eap_step(sa_id, msg_id, step, head),
            None => self.drop_in("an EAP answer no IKE SA waits for"),
        }
    }

    /// Responder: answers with what the EAP backend said.
    pub(super) fn responder_eap_step(
        &mut self,
        sa_id: SaId,
        msg_id: u32,
        step: EapStep,
        head: Vec<Payload>,
    ) {
        let mut reply = head;
        let eap_payload =
            |m: &[u8]| mip6lab_wire::ikev2::Eap::parse(m).map(|e| p(PayloadBody::Eap(e)));
        match step {
            EapStep::Send(m) => match eap_payload(&m) {
                Ok(x) => {
                    reply.push(x);
                    self.respond(sa_id, exchange::IKE_AUTH, msg_id, reply);
                }
                Err(_) => {
                    self.respond(
                        sa_id,
                        exchange::IKE_AUTH,
                        msg_id,
                        vec![notify(notify_type::AUTHENTICATION_FAILED, vec![])],
                    );
                    self.fail(sa_id, "the EAP backend sent a malformed EAP message");
                }
            },
            EapStep::Success { msk, final_msg } => {
                if let Ok(x) = eap_payload(&final_msg) {
                    reply.push(x);
                }
                if let Some(c) = self.sas[sa_id].eap.as_mut() {
                    c.msk = Some(msk);
                }
                self.respond(sa_id, exchange::IKE_AUTH, msg_id, reply);
            }
            EapStep::Failure(m) => {
                if let Ok(x) = eap_payload(&m) {
                    reply.push(x);
                }
                self.respond(sa_id, exchange::IKE_AUTH, msg_id, reply);
                self.fail(sa_id, "EAP Failure");
            }
        }
    }
}
