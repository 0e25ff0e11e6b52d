//! The FHA's request processing: local checks, the RADIUS round, the decision (the order is in
//! the parent module's doc).

use super::reply::{reply_bytes, Fields, ReplyTo};
use super::{
    Fha, FhaBinding, FhaEvent, FhaIpv6Items, FhaMnHaSa, FhaTunnelDown, PendingAaa,
    LIFETIME_INFINITE,
};
use crate::aaa::dualstack::{self, FhaAuthorization, CO_LOCATED_CHALLENGE};
use crate::io::{Datagram, Transmit};
use mip6lab_wire::dsprofile::{Item, Message};
use mip6lab_wire::mip4::{
    auth, ext, ext::reg_ext, ext::GEN_AUTH_MN_AAA, Extension, KeyGen, Packet, RegistrationRequest,
    ReplyCode, Repr, RrqFlags, REGISTRATION_REQUEST,
};
use mip6lab_wire::radius::{self, attr, code, Attribute};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// A request that passed the local checks, with what its reply needs.
#[derive(Debug, Clone)]
pub(crate) struct Checked {
    pub req: RegistrationRequest,
    pub raw: Vec<u8>,
    pub nai: String,
    pub to: ReplyTo,
    /// The MN-HA AAA KeyGen Request's MN SPI and the MN-AAA SPI (RFC 3957 §6.3, §6.4).
    pub keygen: Option<(u32, u32)>,
}

/// Octets of the shortest Key Generation Nonce RFC 3957 §5 allows (128 bits).
const MIN_NONCE_LEN: usize = 16;

fn v4_of(src: SocketAddr) -> Option<Ipv4Addr> {
    match src.ip() {
        IpAddr::V4(a) => Some(a),
        IpAddr::V6(a) => a.to_ipv4_mapped(),
    }
}

/// The IPv6 CoA from `prefix` with the THoAv4 in the last 32 bits (lab choice, see
/// `FhaConfig::ipv6_coa_prefix`).
fn coa_from_prefix((prefix, len): (Ipv6Addr, u8), thoa: Ipv4Addr) -> Option<Ipv6Addr> {
    if len > 96 {
        return None;
    }
    let mut o = prefix.octets();
    o[12..].copy_from_slice(&thoa.octets());
    Some(Ipv6Addr::from(o))
}

impl Fha {
    pub(super) fn on_registration(&mut self, now: u64, d: Datagram<'_>) {
        let src = d.src;
        let Ok(p) = Packet::new_checked(d.payload) else {
            return self.discard(src, "not a Mobile IPv4 registration message");
        };
        if p.msg_type() != REGISTRATION_REQUEST {
            return self.discard(src, "a Registration Reply, not a Request");
        }
        let mut to = ReplyTo {
            src,
            nai: None,
            mn_ha: None,
            fa_ha: None,
            challenge: None,
            keygen: None,
        };
        let req = match Repr::parse(&p) {
            Ok(Repr::Request(r)) => r,
            Ok(Repr::Reply(_)) => return self.discard(src, "a Registration Reply"),
            Err(e) => {
                // The fixed part reads: say what is wrong (RFC 5944 §3.8.2.3, 134).
                let (hoa, id) = (p.home_address(), p.identification());
                return self.deny(
                    &to,
                    hoa,
                    id,
                    ReplyCode::HaPoorlyFormedRequest,
                    e.to_string(),
                );
            }
        };
        let whole = Repr::Request(req.clone());
        if let Some(x) = whole.must_discard() {
            let why = format!("extension {} not understood (RFC 5944 §1.8)", x.kind());
            return self.discard(src, why);
        }
        to.nai = whole.nai();
        to.challenge = req.extensions.iter().find_map(|e| match e {
            Extension::MnFaChallenge(c) => Some(c.clone()),
            _ => None,
        });
        let fa_sa = v4_of(src).and_then(|a| self.cfg.fa_ha.iter().find(|s| s.fa == a).cloned());
        // Denials before authentication are signed with what the FHA has for the NAI.
        to.mn_ha = to.nai.as_deref().and_then(|n| self.mn_ha_sa(now, n, None));
        to.fa_ha = fa_sa.clone();
        let (hoa, id) = (req.home_address, req.identification);
        let deny = |s: &mut Fha, to: &ReplyTo, code, why: &str| s.deny(to, hoa, id, code, why);

        if req.flags.0 & (RrqFlags::RESERVED_R | RrqFlags::RESERVED_X) != 0 {
            let why = "reserved flag bits set (RFC 5944 §3.8.2.3)";
            return deny(self, &to, ReplyCode::HaPoorlyFormedRequest, why);
        }
        if req.home_agent != self.cfg.address {
            let why = format!("Home Agent {} is not this FHA", req.home_agent);
            return deny(self, &to, ReplyCode::HaUnknownHaAddress, &why);
        }
        if req.flags.has(RrqFlags::M) || req.flags.has(RrqFlags::G) {
            let why = "minimal or GRE encapsulation asked; only IP-in-IP here (RFC 5944 §4.1)";
            return deny(self, &to, ReplyCode::HaEncapsulationUnavailable, why);
        }
        let Some(nai) = to.nai.clone() else {
            if hoa.is_unspecified() {
                let why = "Home Address 0.0.0.0 without an NAI (RFC 2794 §2)";
                return deny(self, &to, ReplyCode::MissingNai, why);
            }
            return self.discard(src, "no NAI: no security association to look up");
        };
        let pos = |f: &dyn Fn(&Extension) -> bool| req.extensions.iter().position(f);
        let nai_at = pos(&|e| matches!(e, Extension::Nai(_)));
        let auth_at = pos(&|e| {
            matches!(e, Extension::Auth { kind, .. }
                if *kind == reg_ext::MN_HA_AUTH || *kind == reg_ext::MN_FA_AUTH)
        });
        if let (Some(n), Some(a)) = (nai_at, auth_at) {
            if a < n {
                let why = "the NAI follows MN-HA/MN-FA authentication (RFC 2794 §2)";
                return deny(self, &to, ReplyCode::HaPoorlyFormedRequest, why);
            }
        }
        if !hoa.is_unspecified() && self.binding_of(&nai).map(|b| b.thoa) != Some(hoa) {
            let why = format!("Home Address {hoa} is not the THoAv4 of {nai} (RFC 5944 §3.8.3.2)");
            return deny(self, &to, ReplyCode::HaAdminProhibited, &why);
        }

        // Authentication (RFC 5944 §3.8.2.1 a).
        let raw = d.payload.to_vec();
        let mn_ha_spi = req.extensions.iter().find_map(|e| match e {
            Extension::Auth { kind, spi, .. } if *kind == reg_ext::MN_HA_AUTH => Some(*spi),
            _ => None,
        });
        let mn_aaa_spi = req.extensions.iter().find_map(|e| match e {
            Extension::GeneralizedAuth { subtype, spi, .. } if *subtype == GEN_AUTH_MN_AAA => {
                Some(*spi)
            }
            _ => None,
        });
        if mn_ha_spi.is_none() && mn_aaa_spi.is_none() {
            return self.discard(
                src,
                "no authorization-enabling extension (RFC 5944 §3.8.2.1)",
            );
        }
        if let Some(spi) = mn_ha_spi {
            let Some(sa) = self.mn_ha_sa(now, &nai, Some(spi)) else {
                let why = format!("no MN-HA security association for {nai} SPI {spi}");
                return self.discard(src, why);
            };
            let ok = auth::find_extension(&raw, reg_ext::MN_HA_AUTH)
                .and_then(|at| auth::verify(&raw, at, &sa.key))
                .unwrap_or(false);
            to.mn_ha = Some(sa);
            if !ok {
                let why = "MN-HA authenticator wrong (RFC 5944 §3.8.2.1 a)";
                return deny(self, &to, ReplyCode::HaMnFailedAuth, why);
            }
        }
        // The FA (RFC 5944 §3.8.2.1 c, d).
        let fa_exts: Vec<u32> = req
            .extensions
            .iter()
            .filter_map(|e| match e {
                Extension::Auth { kind, spi, .. } if *kind == reg_ext::FA_HA_AUTH => Some(*spi),
                _ => None,
            })
            .collect();
        match &fa_sa {
            Some(sa) if req.lifetime != 0 => {
                let ok = fa_exts == [sa.spi]
                    && auth::find_extension(&raw, reg_ext::FA_HA_AUTH)
                        .and_then(|at| auth::verify(&raw, at, &sa.key))
                        .unwrap_or(false);
                if !ok {
                    let why = "FA-HA authentication missing, repeated or wrong (§3.8.2.1 c)";
                    return deny(self, &to, ReplyCode::HaFaFailedAuth, why);
                }
            }
            None if !fa_exts.is_empty() => {
                return self.discard(src, "FA-HA extension from an FA without an SA (§3.8.2.1 d)")
            }
            _ => {}
        }
        // Key generation (RFC 3957 §6.3): subtype 1 only, and never without MN-AAA (§3 step 3).
        let keygen = req
            .extensions
            .iter()
            .find(|e| e.kind() == reg_ext::MN_HA_KEYGEN_REQUEST);
        let keygen = match keygen.map(|e| (e, e.keygen())) {
            None => None,
            Some((Extension::KeyGen { subtype, .. }, _)) if *subtype != ext::KEYGEN_FROM_AAA => {
                let why = format!(
                    "MN-HA KeyGen Request subtype {subtype}: only 1, from AAA (RFC 3957 §6.3)"
                );
                return deny(self, &to, ReplyCode::HaUnspecified, &why);
            }
            Some((_, Some(KeyGen::Request { mn_spi, .. }))) => match mn_aaa_spi {
                Some(aaa_spi) => Some((mn_spi, aaa_spi)),
                None => {
                    let why = "MN-HA KeyGen Request without MN-AAA (RFC 3957 §3 step 3)";
                    return deny(self, &to, ReplyCode::HaPoorlyFormedRequest, why);
                }
            },
            Some(_) => {
                let why = "MN-HA KeyGen Request shorter than its SPI (RFC 3957 §6.3)";
                return deny(self, &to, ReplyCode::HaPoorlyFormedRequest, why);
            }
        };
        let checked = Checked {
            req,
            raw,
            nai,
            to,
            keygen,
        };
        match mn_aaa_spi {
            Some(_) if self.cfg.knobs.skip_aaa_check => self.finish(now, checked, None),
            Some(spi) if mn_ha_spi.is_none() && spi != auth::CHAP_SPI => {
                let why = format!("MN-AAA SPI {spi}: only CHAP_SPI goes to the AAA server");
                self.discard(src, why)
            }
            Some(auth::CHAP_SPI) if self.cfg.aaa.is_some() => self.ask_aaa(now, checked),
            Some(_) if mn_ha_spi.is_none() => {
                self.discard(src, "MN-AAA without an AAA server configured")
            }
            _ => self.finish(now, checked, None),
        }
    }

    /// Sends the Access-Request for `c` (MN-AAA with CHAP_SPI).
    fn ask_aaa(&mut self, now: u64, c: Checked) {
        let Some(peer) = self.cfg.aaa.clone() else {
            return;
        };
        let (hoa, id) = (c.req.home_address, c.req.identification);
        if self
            .pending
            .values()
            .any(|p| p.ctx.nai == c.nai && p.ctx.req.identification == id)
        {
            return self.discard(c.to.src, "a retransmission while the AAA server is asked");
        }
        let Some(rid) = (0..=255u8)
            .map(|i| self.next_radius_id.wrapping_add(i))
            .find(|i| !self.pending.contains_key(i))
        else {
            let why = "256 RADIUS requests outstanding";
            return self.deny(&c.to, hoa, id, ReplyCode::HaInsufficientResources, why);
        };
        self.next_radius_id = rid.wrapping_add(1);
        let challenge = c.to.challenge.clone();
        let chap = auth::find_extension(&c.raw, reg_ext::GENERALIZED_AUTH)
            .map_err(|e| e.to_string())
            .and_then(|at| {
                let authenticator = c.req.extensions.iter().find_map(|e| match e {
                    Extension::GeneralizedAuth { authenticator, .. } => Some(authenticator),
                    _ => None,
                });
                dualstack::mn_aaa_chap_attributes(
                    &c.raw,
                    at,
                    challenge.as_deref().unwrap_or(&CO_LOCATED_CHALLENGE),
                    authenticator.map_or(&[][..], |a| a.as_slice()),
                )
            });
        let chap = match chap {
            Ok(a) => a,
            Err(e) => {
                let why = format!("MN-AAA cannot go to RADIUS: {e}");
                return self.deny(&c.to, hoa, id, ReplyCode::HaPoorlyFormedRequest, why);
            }
        };
        let authenticator = (self.random)();
        let mut r = radius::Repr::new(code::ACCESS_REQUEST, rid, authenticator);
        let user = dualstack::profile_attribute(
            &self.cfg.profile,
            Item::Nai,
            Message::FhaAccessRequest,
            c.nai.as_bytes(),
        );
        // CHAP needs the user's name; User-Name is RFC 2865's when the profile has no row.
        r.push(user.unwrap_or_else(|| Attribute::text(attr::USER_NAME, &c.nai)));
        for a in chap {
            r.push(a);
        }
        r.push(Attribute::new(
            attr::NAS_IP_ADDRESS,
            self.cfg.address.octets(),
        ));
        r.push(Attribute::integer(
            attr::SERVICE_TYPE,
            radius::service_type::FRAMED,
        ));
        if let Some(n) = &peer.nas_identifier {
            r.push(Attribute::text(attr::NAS_IDENTIFIER, n));
        }
        let datagram = match r.sign_request(&peer.secret) {
            Ok(d) => d,
            Err(e) => {
                let why = format!("Access-Request not built: {e}");
                return self.deny(&c.to, hoa, id, ReplyCode::HaUnspecified, why);
            }
        };
        self.transmits.push_back(Transmit {
            dst: peer.server,
            payload: datagram.clone(),
        });
        self.events.push_back(FhaEvent::AaaRequest {
            nai: c.nai.clone(),
            attempt: 0,
        });
        self.pending.insert(
            rid,
            PendingAaa {
                ctx: c,
                datagram,
                authenticator,
                deadline: now.saturating_add(peer.retransmit_ms.max(1)),
                retransmits: 0,
            },
        );
    }

    pub(super) fn on_radius(&mut self, now: u64, d: Datagram<'_>) {
        let Some(peer) = self.cfg.aaa.clone() else {
            return self.discard(d.src, "RADIUS datagram without an AAA server configured");
        };
        if d.src != peer.server {
            return self.discard(d.src, "RADIUS datagram not from the AAA server");
        }
        let reply = match radius::Repr::from_bytes(d.payload) {
            Ok(r) => r,
            Err(e) => return self.discard(d.src, format!("RADIUS: {e}")),
        };
        let Some(p) = self.pending.get(&reply.identifier) else {
            return self.discard(d.src, "RADIUS reply for no pending request");
        };
        let auth = p.authenticator;
        let response_ok =
            radius::verify_response_authenticator(d.payload, &auth, &peer.secret).unwrap_or(false);
        let ma_ok = !matches!(
            radius::verify_message_authenticator(d.payload, &auth, &peer.secret),
            Ok(Some(false)) | Err(_)
        );
        if !response_ok || !ma_ok {
            return self.discard(d.src, "RADIUS reply not authentic (RFC 2865 §3, RFC 3579)");
        }
        if !matches!(
            reply.code,
            code::ACCESS_ACCEPT | code::ACCESS_REJECT | code::ACCESS_CHALLENGE
        ) {
            return self.discard(d.src, format!("RADIUS code {} answers nothing", reply.code));
        }
        let Some(p) = self.pending.remove(&reply.identifier) else {
            return;
        };
        let c = p.ctx;
        let (hoa, id) = (c.req.home_address, c.req.identification);
        let admin = ReplyCode::HaAdminProhibited;
        match reply.code {
            code::ACCESS_ACCEPT => {
                match FhaAuthorization::from_accept(&self.cfg.profile, &reply, &auth, &peer.secret)
                {
                    Ok(a) => self.finish(now, c, Some(a)),
                    Err(e) => self.deny(&c.to, hoa, id, admin, format!("Access-Accept: {e}")),
                }
            }
            code::ACCESS_REJECT => self.deny(&c.to, hoa, id, admin, "Access-Reject"),
            _ => self.deny(&c.to, hoa, id, admin, "Access-Challenge: no round for it"),
        }
    }

    /// Replay check, then the binding and the reply (authentication done).
    pub(super) fn finish(&mut self, now: u64, mut c: Checked, authz: Option<FhaAuthorization>) {
        if let Some((mn_spi, aaa_spi)) = c.keygen {
            if let Err(why) = self.keyed(now, &mut c, mn_spi, aaa_spi, authz.as_ref()) {
                let (hoa, id) = (c.req.home_address, c.req.identification);
                return self.deny(&c.to, hoa, id, ReplyCode::HaUnspecified, why);
            }
        }
        let (req, nai) = (&c.req, c.nai.clone());
        let (hoa, id) = (req.home_address, req.identification);
        // RFC 5944 §5.7.1: close to the FHA's clock and above every accepted one.
        let tod = self.time_of_day(now) as u32;
        let skew = ((id >> 32) as u32).wrapping_sub(tod) as i32;
        let fresh = skew.unsigned_abs() <= self.cfg.replay_window_s;
        let newer = self.last_id.get(&nai).is_none_or(|last| id > *last);
        if !fresh || !newer {
            let resync = (u64::from(tod) << 32) | (id & 0xffff_ffff);
            let why = if fresh {
                "Identification not above the last accepted one (RFC 5944 §5.7.1)".to_owned()
            } else {
                format!("timestamp {skew} s off the FHA's clock (RFC 5944 §5.7.1)")
            };
            return self.deny(&c.to, hoa, resync, ReplyCode::HaIdentificationMismatch, why);
        }
        self.last_id.insert(nai.clone(), id);
        if req.lifetime == 0 {
            return self.deregister(&c);
        }
        let authz = authz.unwrap_or_default();
        let current = self.binding_of(&nai).cloned();
        let taken = |a: Ipv4Addr| self.bindings.get(&a).is_some_and(|b| b.nai != nai);
        let thoa = match authz.thoa_v4 {
            Some(a) if taken(a) => {
                let why = format!("the AAAH's THoAv4 {a} is bound to another NAI");
                return self.deny(&c.to, hoa, id, ReplyCode::HaAdminProhibited, why);
            }
            Some(a) => Some(a),
            None => current.as_ref().map(|b| b.thoa).or_else(|| {
                let pool = self.cfg.thoa_pool;
                pool.iter().find(|a| !self.bindings.contains_key(a))
            }),
        };
        let Some(thoa) = thoa else {
            let why = "THoAv4 pool exhausted";
            return self.deny(&c.to, hoa, id, ReplyCode::HaInsufficientResources, why);
        };
        let ipv6 = FhaIpv6Items {
            hoa: authz.ipv6_hoa.or(self.cfg.ipv6_hoa),
            home_prefix: authz.ipv6_home_prefix.or(self.cfg.ipv6_home_prefix),
            ha: authz.ipv6_ha.or(self.cfg.ipv6_ha),
            coa: authz.ipv6_coa.or_else(|| {
                self.cfg
                    .ipv6_coa_prefix
                    .and_then(|p| coa_from_prefix(p, thoa))
            }),
        };
        let granted = if self.cfg.knobs.lifetime_raised {
            req.lifetime.saturating_add((req.lifetime / 2).max(1))
        } else {
            req.lifetime.min(self.cfg.max_lifetime)
        };
        let binding = FhaBinding {
            nai: nai.clone(),
            thoa,
            coa: req.care_of_address,
            via: c.to.src,
            identification: id,
            lifetime: granted,
            expires_at: (granted != LIFETIME_INFINITE)
                .then(|| now.saturating_add(u64::from(granted) * 1000)),
            reverse: req.flags.has(RrqFlags::T),
            ipv6: ipv6.clone(),
            aaa_mn_ha_key: authz.mn_ha_key,
        };
        let same_tunnel = current
            .as_ref()
            .is_some_and(|b| b.thoa == thoa && b.coa == binding.coa);
        if let Some(old) = current.filter(|_| !same_tunnel) {
            self.bindings.remove(&old.thoa);
            self.events.push_back(FhaEvent::TunnelDown {
                thoa: old.thoa,
                coa: old.coa,
                why: FhaTunnelDown::Replaced,
            });
        }
        let code = if req.flags.has(RrqFlags::S) {
            ReplyCode::AcceptedNoSimultaneousBindings
        } else {
            ReplyCode::Accepted
        };
        let fields = Fields {
            code,
            lifetime: granted,
            home_address: if self.cfg.knobs.no_thoa {
                Ipv4Addr::UNSPECIFIED
            } else {
                thoa
            },
            home_agent: self.cfg.address,
            identification: id,
        };
        if !self.send_reply(&c.to, fields, Some(&ipv6)) {
            return;
        }
        self.bindings.insert(thoa, binding.clone());
        if !same_tunnel {
            self.events.push_back(FhaEvent::TunnelUp {
                thoa,
                fha: self.cfg.address,
                coa: binding.coa,
                reverse: binding.reverse,
            });
        }
        self.events
            .push_back(FhaEvent::Registered { binding, code });
    }

    /// RFC 3957 key generation for `c`: the MN-HA SA from the Accept's key material (kept for
    /// the NAI), the MN-HA AAA KeyGen Reply for the reply, and the reply signed with the new
    /// key. `Err` says what the Accept lacked.
    fn keyed(
        &mut self,
        now: u64,
        c: &mut Checked,
        mn_spi: u32,
        aaa_spi: u32,
        authz: Option<&FhaAuthorization>,
    ) -> Result<(), String> {
        let key = authz.and_then(|a| a.mn_ha_key.clone());
        let nonce = authz.and_then(|a| a.keygen_nonce.clone());
        let (Some(key), Some(nonce)) = (key, nonce) else {
            return Err(
                "no MN-HA key material from the AAA server for the KeyGen Request \
                 (RFC 3957 §3 step 5; profile: mn-ha-key, mn-ha-keygen-reply)"
                    .into(),
            );
        };
        if nonce.len() < MIN_NONCE_LEN || key.is_empty() {
            return Err(format!(
                "the AAA server's nonce has {} octets, its key {} (RFC 3957 §5: a nonce of at \
                 least 128 bits)",
                nonce.len(),
                key.len()
            ));
        }
        let lifetime = self.cfg.keygen_lifetime_s;
        c.to.keygen = Some(Extension::mn_ha_aaa_keygen_reply(&KeyGen::MnHaAaaReply {
            lifetime,
            aaa_spi,
            ha_spi: mn_spi,
            algorithm: ext::KEYGEN_ALGORITHM_HMAC_MD5,
            replay_method: ext::KEYGEN_REPLAY_TIMESTAMPS,
            nonce: &nonce,
        }));
        let sa = FhaMnHaSa {
            nai: c.nai.clone(),
            spi: mn_spi,
            key,
        };
        let until = now.saturating_add(u64::from(lifetime) * 1000);
        self.derived.insert(c.nai.clone(), (sa.clone(), until));
        let mut signing = sa;
        if self.cfg.knobs.mn_ha_auth_wrong_key {
            signing.key.iter_mut().for_each(|b| *b ^= 0x5a);
        }
        c.to.mn_ha = Some(signing);
        Ok(())
    }

    /// Lifetime 0 (RFC 5944 §3.8.2.2): CoA = Home Address removes every binding of the NAI,
    /// another CoA only the one with that CoA.
    fn deregister(&mut self, c: &Checked) {
        let (req, nai) = (&c.req, &c.nai);
        let all = req.care_of_address == req.home_address;
        let gone: Vec<Ipv4Addr> = self
            .bindings
            .values()
            .filter(|b| b.nai == *nai && (all || b.coa == req.care_of_address))
            .map(|b| b.thoa)
            .collect();
        let fields = Fields {
            code: ReplyCode::Accepted,
            lifetime: 0,
            home_address: req.home_address,
            home_agent: self.cfg.address,
            identification: req.identification,
        };
        if !self.send_reply(&c.to, fields, None) {
            return;
        }
        for thoa in gone {
            if let Some(b) = self.bindings.remove(&thoa) {
                self.events.push_back(FhaEvent::TunnelDown {
                    thoa,
                    coa: b.coa,
                    why: FhaTunnelDown::Deregistered,
                });
            }
        }
    }

    /// A denial (RFC 5944 §3.8.2.3): Lifetime 0 (ignored on receipt, §3.4), the request's
    /// Home Address, this FHA as Home Agent.
    pub(super) fn deny(
        &mut self,
        to: &ReplyTo,
        home_address: Ipv4Addr,
        identification: u64,
        code: ReplyCode,
        why: impl Into<String>,
    ) {
        let fields = Fields {
            code,
            lifetime: 0,
            home_address,
            home_agent: self.cfg.address,
            identification,
        };
        if self.send_reply(to, fields, None) {
            self.events.push_back(FhaEvent::Denied {
                nai: to.nai.clone(),
                code,
                why: why.into(),
            });
        }
    }

    /// Queues the reply; `false` (and a Discarded event) if it cannot be built.
    fn send_reply(&mut self, to: &ReplyTo, f: Fields, ipv6: Option<&FhaIpv6Items>) -> bool {
        match reply_bytes(&self.cfg, to, f, ipv6) {
            Ok(payload) => {
                self.transmits.push_back(Transmit {
                    dst: to.src,
                    payload,
                });
                true
            }
            Err(e) => {
                self.discard(to.src, format!("reply not built: {e}"));
                false
            }
        }
    }
}
