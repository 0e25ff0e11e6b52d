//! Authenticators of the registration messages.
//!
//! - MN-HA (32), MN-FA (33), FA-HA (34): the default algorithm, HMAC-MD5 keyed with the
//!   Mobility Security Association's secret over the message from its first octet through
//!   the Type, Length and SPI of the extension, the Authenticator itself and the UDP header
//!   left out (RFC 5944 §3.5.1).
//! - MN-AAA, the Generalized Authentication extension (36) with subtype 1: RFC 4721 §6 (as
//!   RFC 3012 §6 before it) names HMAC-MD5 the default, over "Preceding Mobile IP data ‖
//!   Type, Subtype, Length, SPI", so the same computation with the long form's 4-octet
//!   header. That is what [`authenticator`] does for type 36. RFC 4721 §8 also defines the
//!   CHAP_SPI (SPI 2) algorithm some RADIUS servers use, which needs the FA's challenge:
//!   [`chap_authenticator`].
//!
//! Every function takes the encoded message (a UDP 434 payload) and the offset of the
//! authentication extension in it ([`find_extension`] finds one). Checks compare in constant
//! time.

use super::ext::{extension_offsets, reg_ext, Space};
use super::{Packet, Repr};
use crate::{Error, Result};
use hmac::{Hmac, Mac};
use md5::{Digest, Md5};
use subtle::ConstantTimeEq;

/// SPI reserved for the RFC 4721 §8 algorithm (CHAP_SPI, §9 default 2).
pub const CHAP_SPI: u32 = 2;
/// Octets of an HMAC-MD5 authenticator.
pub const AUTHENTICATOR_LEN: usize = 16;

/// The offset of the first extension of type `kind` in `msg`; `Err` if `msg` is not a
/// Registration Request or Reply, or has none.
pub fn find_extension(msg: &[u8], kind: u8) -> Result<usize> {
    let p = Packet::new_checked(msg)?;
    extension_offsets(p.extensions(), p.extensions_at(), Space::Registration)?
        .into_iter()
        .find(|(_, k)| *k == kind)
        .map(|(at, _)| at)
        .ok_or_else(|| Error::new(msg.len(), format!("no extension of type {kind}")))
}

/// The octets an authenticator at `at` covers (through its SPI) and where the authenticator
/// lies. `Err` unless an authentication extension (32–34 or 36) whose SPI fits is at `at`.
fn covered(msg: &[u8], at: usize) -> Result<(usize, core::ops::Range<usize>)> {
    let kind = *msg
        .get(at)
        .ok_or_else(|| Error::new(msg.len(), format!("no extension at offset {at}")))?;
    let (header, len) = match kind {
        reg_ext::MN_HA_AUTH..=reg_ext::FA_HA_AUTH => (2, msg.get(at + 1).map(|l| usize::from(*l))),
        reg_ext::GENERALIZED_AUTH => (
            4,
            msg.get(at + 2..at + 4)
                .map(|l| usize::from(u16::from_be_bytes([l[0], l[1]]))),
        ),
        _ => {
            return Err(Error::new(
                at,
                format!("extension type {kind} is not an authentication extension"),
            ))
        }
    };
    let end = len.map(|l| at + header + l).filter(|&e| e <= msg.len());
    match end {
        Some(end) if end >= at + header + 4 => Ok((at + header + 4, at + header + 4..end)),
        _ => Err(Error::new(
            at + 1,
            format!("authentication extension {kind} truncated or shorter than its SPI"),
        )),
    }
}

fn hmac_md5(key: &[u8], data: &[u8]) -> [u8; 16] {
    let mut mac = <Hmac<Md5> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// The default (HMAC-MD5) authenticator of the extension at `at` in `msg` (RFC 5944 §3.5.1;
/// RFC 4721 §6 for type 36). Whatever the extension holds as authenticator is ignored.
pub fn authenticator(msg: &[u8], at: usize, key: &[u8]) -> Result<[u8; 16]> {
    let (end, _) = covered(msg, at)?;
    Ok(hmac_md5(key, &msg[..end]))
}

/// The MN-HA key of RFC 3957 §5: `HMAC-SHA1(AAA-key, Key Generation Nonce ‖ mobile node
/// identifier)`, the identifier being the NAI when the Request carried one (else the Home
/// Address octets). The MN computes it from the nonce of the MN-HA AAA KeyGen Reply; the AAA
/// server computes the same for the home agent.
pub fn mn_ha_key_from_aaa(aaa_key: &[u8], nonce: &[u8], mn_identifier: &[u8]) -> [u8; 20] {
    let mut mac =
        <Hmac<sha1::Sha1> as Mac>::new_from_slice(aaa_key).expect("HMAC takes any key length");
    mac.update(nonce);
    mac.update(mn_identifier);
    mac.finalize().into_bytes().into()
}

/// Whether the extension at `at` carries the right HMAC-MD5 authenticator for `key`. An
/// authenticator that is not 16 octets is wrong. Constant time in the authenticator's value.
pub fn verify(msg: &[u8], at: usize, key: &[u8]) -> Result<bool> {
    let (end, auth) = covered(msg, at)?;
    let want = hmac_md5(key, &msg[..end]);
    Ok(want[..].ct_eq(&msg[auth]).into())
}

/// The RFC 4721 §8 (CHAP_SPI) authenticator of the extension at `at`:
/// `MD5(challenge[0] ‖ key ‖ MD5(message through Type, Subtype, Length, SPI) ‖ the last 237
/// octets of the challenge)` — the whole challenge when it is shorter (its first octet then
/// counts twice, as the RFC notes). `Err` for an empty challenge.
pub fn chap_authenticator(msg: &[u8], at: usize, key: &[u8], challenge: &[u8]) -> Result<[u8; 16]> {
    let (end, _) = covered(msg, at)?;
    let Some(&first) = challenge.first() else {
        return Err(Error::new(0, "CHAP_SPI authenticator needs a challenge"));
    };
    let inner: [u8; 16] = Md5::digest(&msg[..end]).into();
    let tail = &challenge[challenge.len().saturating_sub(237)..];
    let mut h = Md5::new();
    h.update([first]);
    h.update(key);
    h.update(inner);
    h.update(tail);
    Ok(h.finalize().into())
}

/// The RFC 4721 §8 computation split the way RADIUS CHAP (RFC 2865 §5.3, §5.40; RFC 1994
/// §4.1) computes `MD5(Identifier ‖ secret ‖ Challenge)`: the CHAP Identifier is the
/// challenge's high-order octet and the CHAP Challenge is `MD5(message through Type, Subtype,
/// Length, SPI) ‖ the last 237 octets of the challenge` (at most 253 octets, so it fits one
/// RADIUS attribute, which is why RFC 4721 §8 hashes the message). A RADIUS server holding the
/// key as the user's password then verifies the authenticator as a CHAP-Password. `Err` for
/// an empty challenge.
pub fn chap_radius_parts(msg: &[u8], at: usize, challenge: &[u8]) -> Result<(u8, Vec<u8>)> {
    let (end, _) = covered(msg, at)?;
    let Some(&first) = challenge.first() else {
        return Err(Error::new(0, "CHAP_SPI authenticator needs a challenge"));
    };
    let mut c: Vec<u8> = Md5::digest(&msg[..end]).to_vec();
    c.extend_from_slice(&challenge[challenge.len().saturating_sub(237)..]);
    Ok((first, c))
}

/// Whether the extension at `at` carries the RFC 4721 §8 authenticator for `key` and
/// `challenge`. Constant time in the authenticator's value.
pub fn verify_chap(msg: &[u8], at: usize, key: &[u8], challenge: &[u8]) -> Result<bool> {
    let want = chap_authenticator(msg, at, key, challenge)?;
    let (_, auth) = covered(msg, at)?;
    Ok(want[..].ct_eq(&msg[auth]).into())
}

/// Appends to the Registration Request or Reply `msg` an authentication extension of type
/// `kind` (32, 33, 34; or 36, written as MN-AAA, subtype 1) carrying `spi` and the HMAC-MD5
/// authenticator keyed with `key` over everything before it. Returns the extension's offset.
pub fn append_authenticated(msg: &mut Vec<u8>, kind: u8, spi: u32, key: &[u8]) -> Result<usize> {
    // The message must be one this codec reads, or the covered octets mean nothing.
    Repr::from_bytes(msg)?;
    let at = msg.len();
    match kind {
        reg_ext::MN_HA_AUTH..=reg_ext::FA_HA_AUTH => {
            msg.extend_from_slice(&[kind, (4 + AUTHENTICATOR_LEN) as u8]);
        }
        reg_ext::GENERALIZED_AUTH => {
            msg.extend_from_slice(&[kind, super::ext::GEN_AUTH_MN_AAA]);
            msg.extend_from_slice(&((4 + AUTHENTICATOR_LEN) as u16).to_be_bytes());
        }
        _ => {
            return Err(Error::new(
                at,
                format!("extension type {kind} is not an authentication extension"),
            ))
        }
    }
    msg.extend_from_slice(&spi.to_be_bytes());
    msg.extend_from_slice(&[0; AUTHENTICATOR_LEN]);
    let a = authenticator(msg, at, key)?;
    let n = msg.len();
    msg[n - AUTHENTICATOR_LEN..].copy_from_slice(&a);
    Ok(at)
}
