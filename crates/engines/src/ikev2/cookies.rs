//! Responder cookies (RFC 7296 §2.6): a stateless check with a rotating secret.

use super::*;

impl IkeEngine {
    /// RFC 7296 §2.6: `<VersionIDofSecret> | Hash(Ni | IPi | SPIi | <secret>)`, here as an
    /// HMAC keyed with the secret; nothing is stored per request.
    pub(super) fn cookie_with(
        &self,
        version: u8,
        secret: &[u8; 32],
        ni: &[u8],
        ispi: &[u8; 8],
    ) -> Vec<u8> {
        let mut d = ni.to_vec();
        match self.from.map(|f| f.ip()) {
            Some(IpAddr::V6(a)) => d.extend_from_slice(&a.octets()),
            Some(IpAddr::V4(a)) => d.extend_from_slice(&a.octets()),
            None => {}
        }
        d.extend_from_slice(ispi);
        let mut c = vec![version];
        c.extend_from_slice(&Prf::HmacSha256.compute(secret, &d));
        c
    }

    /// Rotates the cookie secret once it is older than its lifetime, so that a harvested
    /// cookie soon stops working; the previous secret still verifies cookies handed out just
    /// before the change.
    pub(super) fn rotate_cookie_secret(&mut self) {
        let Some(pol) = self.cfg.responder.as_ref() else {
            return;
        };
        if self.now.saturating_sub(self.cookies.since) < pol.cookie_secret_lifetime_ms {
            return;
        }
        let mut next = [0u8; 32];
        (self.rng)(&mut next);
        let old = std::mem::replace(&mut self.cookies.current, next);
        self.cookies.previous = Some((self.cookies.version, old));
        self.cookies.version = self.cookies.version.wrapping_add(1);
        self.cookies.since = self.now;
    }

    pub(super) fn cookie_for(&self, ni: &[u8], ispi: &[u8; 8]) -> Vec<u8> {
        self.cookie_with(self.cookies.version, &self.cookies.current, ni, ispi)
    }

    pub(super) fn cookie_valid(&self, got: &[u8], ni: &[u8], ispi: &[u8; 8]) -> bool {
        let Some(&v) = got.first() else {
            return false;
        };
        if v == self.cookies.version {
            return got == self.cookie_for(ni, ispi).as_slice();
        }
        matches!(&self.cookies.previous, Some((pv, ps))
            if *pv == v && got == self.cookie_with(*pv, ps, ni, ispi).as_slice())
    }
}
