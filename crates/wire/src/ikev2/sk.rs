//! Sealing and opening the SK payload (RFC 7296 §3.14; AES-GCM per RFC 5282 §5).
//!
//! Both work on a whole IKE message because the ICV (CBC + HMAC) covers the message from the
//! IKE header through Pad Length after encryption, and the GCM AAD is the IKE header through
//! the SK generic header.

use super::{chain_to_bytes, parse_chain, payload_type, Message, Payload, PayloadBody, Sk};
use crate::crypto::{aes_cbc_decrypt, aes_cbc_encrypt, DirectionKeys, IkeKeys};
use crate::error::{Error, Result};

/// An opened message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decrypted {
    /// The message as received, SK still sealed as its last payload.
    pub message: Message,
    /// The inner payloads.
    pub inner: Vec<Payload>,
    /// The Padding octets (their values are the sender's choice).
    pub padding: Vec<u8>,
}

/// Seals `inner` into an SK payload appended to `outer`'s payloads (usually none) and returns
/// the whole message. Uses the minimum padding (zero octets): CBC pads to the block, GCM does
/// not pad. `iv` must be [`crate::crypto::Encr::iv_len`] octets.
pub fn encrypt(
    outer: &Message,
    inner: &[Payload],
    iv: &[u8],
    keys: &DirectionKeys,
) -> Result<Vec<u8>> {
    let inner_len = super::chain_len(inner);
    let block = keys.encr.block_len();
    let pad = (block - (inner_len + 1) % block) % block;
    encrypt_padded(outer, inner, iv, keys, &vec![0; pad])
}

/// Like [`encrypt`] with the Padding octets given (0–255 of them; for CBC the plaintext must
/// come out in whole blocks).
pub fn encrypt_padded(
    outer: &Message,
    inner: &[Payload],
    iv: &[u8],
    keys: &DirectionKeys,
    padding: &[u8],
) -> Result<Vec<u8>> {
    keys.check()?;
    if iv.len() != keys.encr.iv_len() {
        return Err(Error::new(0, "IV has the wrong length"));
    }
    if padding.len() > 255 {
        return Err(Error::new(0, "more than 255 octets of padding"));
    }
    let mut pt = chain_to_bytes(inner);
    pt.extend_from_slice(padding);
    pt.push(padding.len() as u8);
    if pt.len() % keys.encr.block_len() != 0 {
        return Err(Error::new(0, "padding does not fill the last cipher block"));
    }
    let icv_len = keys.icv_len();
    let data_len = iv.len() + pt.len() + icv_len;
    if data_len + 4 > usize::from(u16::MAX) {
        return Err(Error::new(0, "SK payload longer than 65535 octets"));
    }
    let mut msg = outer.clone();
    msg.payloads.push(Payload::new(PayloadBody::Sk(Sk {
        first_inner: inner
            .first()
            .map_or(payload_type::NONE, |p| p.body.payload_type()),
        data: vec![0; data_len],
    })));
    let mut bytes = msg.to_bytes();
    let total = bytes.len();
    let data_at = total - data_len;
    bytes[data_at..data_at + iv.len()].copy_from_slice(iv);
    let ct_at = data_at + iv.len();
    if keys.encr.is_aead() {
        let sealed = keys.gcm_seal(iv, &bytes[..data_at], &pt)?;
        bytes[ct_at..].copy_from_slice(&sealed);
    } else {
        let ct = aes_cbc_encrypt(&keys.enc_key, iv, &pt)?;
        bytes[ct_at..ct_at + ct.len()].copy_from_slice(&ct);
        let icv = keys
            .integ
            .compute(&keys.integ_key, &bytes[..total - icv_len]);
        bytes[total - icv_len..].copy_from_slice(&icv);
    }
    Ok(bytes)
}

/// Verifies and opens the SK payload of a whole message with one direction's keys.
/// Errors name what failed (`ICV mismatch`, `pad length exceeds plaintext`, …) at the offset
/// in `bytes` where it was found.
pub fn decrypt(bytes: &[u8], keys: &DirectionKeys) -> Result<Decrypted> {
    let message = Message::from_bytes(bytes)?;
    let (first_inner, data) = match message.payloads.last().map(|p| &p.body) {
        Some(PayloadBody::Sk(sk)) => (sk.first_inner, sk.data.as_slice()),
        Some(PayloadBody::Skf(_)) => {
            return Err(Error::new(
                super::HEADER_LEN,
                "SKF reassembly is not supported",
            ))
        }
        _ => return Err(Error::new(super::HEADER_LEN, "no SK payload")),
    };
    keys.check()?;
    let total = bytes.len();
    let data_at = total - data.len();
    let iv_len = keys.encr.iv_len();
    let icv_len = keys.icv_len();
    if data.len() < iv_len + icv_len + 1 {
        return Err(Error::new(
            data_at,
            "SK payload shorter than IV + ICV + pad length",
        ));
    }
    let iv = &data[..iv_len];
    let ct_at = data_at + iv_len;
    let pt = if keys.encr.is_aead() {
        keys.gcm_open(iv, &bytes[..data_at], &data[iv_len..])
            .map_err(|e| e.shifted(total - icv_len))?
    } else {
        let ct = &data[iv_len..data.len() - icv_len];
        if ct.len() % keys.encr.block_len() != 0 {
            return Err(Error::new(ct_at, "ciphertext is not whole cipher blocks"));
        }
        if !keys.integ.verify(
            &keys.integ_key,
            &bytes[..total - icv_len],
            &data[data.len() - icv_len..],
        ) {
            return Err(Error::new(total - icv_len, "ICV mismatch"));
        }
        aes_cbc_decrypt(&keys.enc_key, iv, ct).map_err(|e| e.shifted(ct_at))?
    };
    let Some((&pad_len, rest)) = pt.split_last() else {
        return Err(Error::new(ct_at, "empty plaintext"));
    };
    let pad_len = usize::from(pad_len);
    if pad_len > rest.len() {
        return Err(Error::new(
            ct_at + rest.len(),
            "pad length exceeds plaintext",
        ));
    }
    let (inner_bytes, padding) = rest.split_at(rest.len() - pad_len);
    // Offsets inside the plaintext are reported at the matching ciphertext position.
    let inner = parse_chain(inner_bytes, first_inner).map_err(|e| e.shifted(ct_at))?;
    Ok(Decrypted {
        message,
        inner,
        padding: padding.to_vec(),
    })
}

/// Opens a message of an IKE SA, choosing SK_ei/SK_ai or SK_er/SK_ar from the I flag.
pub fn decrypt_ike(bytes: &[u8], keys: &IkeKeys) -> Result<Decrypted> {
    let h = super::Packet::new_checked(bytes)?;
    if h.is_initiator() {
        decrypt(bytes, &keys.initiator())
    } else {
        decrypt(bytes, &keys.responder())
    }
}
