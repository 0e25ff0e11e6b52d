//! EAP-MSCHAPv2 (EAP type 26): the Type-Data layout (draft-kamath-pppext-eap-mschapv2),
//! the MS-CHAPv2 computations of RFC 2759 §8, and the MPPE key derivation of RFC 3079 §3
//! that gives the method its keys (hence an MSK, which EAP-MD5 lacks).
//!
//! Type-Data: OpCode(1) ‖ MS-CHAPv2-ID(1) ‖ MS-Length(2, OpCode to end) ‖ data; a
//! Success or Failure Response is the OpCode alone.

use crate::{Error, Result};
use des::cipher::{BlockEncrypt, KeyInit};
use md4::{Digest as _, Md4};
use sha1::Sha1;

pub const OP_CHALLENGE: u8 = 1;
pub const OP_RESPONSE: u8 = 2;
pub const OP_SUCCESS: u8 = 3;
pub const OP_FAILURE: u8 = 4;
pub const OP_CHANGE_PASSWORD: u8 = 7;

/// EAP-MSCHAPv2 Type-Data.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Packet {
    pub opcode: u8,
    /// `None` for the one-octet Success/Failure Response.
    pub header: Option<Header>,
}

/// The part after the OpCode in all but the one-octet form.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Header {
    pub ms_chapv2_id: u8,
    /// As received (a sender sets it to the Type-Data length).
    pub ms_length: u16,
    pub data: Vec<u8>,
}

impl Packet {
    pub fn parse(d: &[u8]) -> Result<Packet> {
        let Some(&opcode) = d.first() else {
            return Err(Error::new(0, "EAP-MSCHAPv2 without OpCode"));
        };
        if d.len() == 1 {
            return Ok(Packet {
                opcode,
                header: None,
            });
        }
        if d.len() < 4 {
            return Err(Error::new(
                d.len(),
                format!("EAP-MSCHAPv2 header truncated ({} octets)", d.len()),
            ));
        }
        Ok(Packet {
            opcode,
            header: Some(Header {
                ms_chapv2_id: d[1],
                ms_length: u16::from_be_bytes([d[2], d[3]]),
                data: d[4..].to_vec(),
            }),
        })
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut v = vec![self.opcode];
        if let Some(h) = &self.header {
            v.push(h.ms_chapv2_id);
            v.extend_from_slice(&h.ms_length.to_be_bytes());
            v.extend_from_slice(&h.data);
        }
        v
    }

    /// A packet with MS-Length set to its Type-Data length.
    pub fn new(opcode: u8, ms_chapv2_id: u8, data: Vec<u8>) -> Packet {
        Packet {
            opcode,
            header: Some(Header {
                ms_chapv2_id,
                ms_length: (4 + data.len()) as u16,
                data,
            }),
        }
    }

    /// A Challenge's 16-octet authenticator challenge (Value-Size 16 ‖ Challenge ‖ Name).
    pub fn challenge(&self) -> Option<[u8; 16]> {
        let h = self.header.as_ref()?;
        if self.opcode != OP_CHALLENGE || h.data.len() < 17 || h.data[0] != 16 {
            return None;
        }
        h.data[1..17].try_into().ok()
    }
}

/// NtPasswordHash (RFC 2759 §8.3): MD4 of the password in UTF-16LE.
pub fn nt_password_hash(password: &str) -> [u8; 16] {
    let mut h = Md4::new();
    for u in password.encode_utf16() {
        h.update(u.to_le_bytes());
    }
    h.finalize().into()
}

/// HashNtPasswordHash (RFC 2759 §8.4).
pub fn hash_nt_password_hash(hash: &[u8; 16]) -> [u8; 16] {
    Md4::digest(hash).into()
}

/// ChallengeHash (RFC 2759 §8.2): the first 8 octets of
/// SHA1(PeerChallenge ‖ AuthenticatorChallenge ‖ UserName).
pub fn challenge_hash(peer: &[u8; 16], authenticator: &[u8; 16], user: &[u8]) -> [u8; 8] {
    let d = Sha1::new()
        .chain_update(peer)
        .chain_update(authenticator)
        .chain_update(user)
        .finalize();
    d[..8].try_into().expect("8 of 20")
}

/// A DES key from 7 octets: 56 bits spread over 8 octets, low (parity) bit 0.
fn des_key(k7: &[u8]) -> [u8; 8] {
    let bits = k7.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
    let mut k = [0u8; 8];
    for (i, o) in k.iter_mut().enumerate() {
        *o = (((bits >> (49 - 7 * i)) & 0x7f) as u8) << 1;
    }
    k
}

/// ChallengeResponse (RFC 2759 §8.5): the 8-octet challenge DES-encrypted under the three
/// 7-octet thirds of the zero-padded 21-octet password hash.
pub fn challenge_response(challenge: &[u8; 8], password_hash: &[u8; 16]) -> [u8; 24] {
    let mut z = [0u8; 21];
    z[..16].copy_from_slice(password_hash);
    let mut out = [0u8; 24];
    for i in 0..3 {
        let c = des::Des::new_from_slice(&des_key(&z[7 * i..7 * i + 7])).expect("8-octet key");
        let mut block = des::cipher::generic_array::GenericArray::clone_from_slice(challenge);
        c.encrypt_block(&mut block);
        out[8 * i..8 * i + 8].copy_from_slice(&block);
    }
    out
}

/// GenerateNTResponse (RFC 2759 §8.1).
pub fn nt_response(
    authenticator_challenge: &[u8; 16],
    peer_challenge: &[u8; 16],
    user: &[u8],
    password: &str,
) -> [u8; 24] {
    let ch = challenge_hash(peer_challenge, authenticator_challenge, user);
    challenge_response(&ch, &nt_password_hash(password))
}

/// GenerateAuthenticatorResponse (RFC 2759 §8.7): `S=` and 40 upper-case hex digits.
pub fn authenticator_response(
    password: &str,
    nt_response: &[u8; 24],
    peer_challenge: &[u8; 16],
    authenticator_challenge: &[u8; 16],
    user: &[u8],
) -> String {
    const MAGIC1: &[u8] = b"Magic server to client signing constant";
    const MAGIC2: &[u8] = b"Pad to make it do more than one iteration";
    let hh = hash_nt_password_hash(&nt_password_hash(password));
    let d = Sha1::new()
        .chain_update(hh)
        .chain_update(nt_response)
        .chain_update(MAGIC1)
        .finalize();
    let ch = challenge_hash(peer_challenge, authenticator_challenge, user);
    let d = Sha1::new()
        .chain_update(d)
        .chain_update(ch)
        .chain_update(MAGIC2)
        .finalize();
    let hex: String = d.iter().map(|b| format!("{b:02X}")).collect();
    format!("S={hex}")
}

/// GetMasterKey (RFC 3079 §3.4): 16 octets from the password hash's hash and the NT-Response.
pub fn master_key(password_hash_hash: &[u8; 16], nt_response: &[u8; 24]) -> [u8; 16] {
    let d = Sha1::new()
        .chain_update(password_hash_hash)
        .chain_update(nt_response)
        .chain_update(b"This is the MPPE Master Key")
        .finalize();
    d[..16].try_into().expect("16 of 20")
}

/// GetAsymmetricStartKey (RFC 3079 §3.4), 128-bit keys: the send or receive key as the
/// client (`is_server` false) or the server sees it.
pub fn asymmetric_start_key(master_key: &[u8; 16], is_send: bool, is_server: bool) -> [u8; 16] {
    const MAGIC2: &[u8] =
        b"On the client side, this is the send key; on the server side, it is the receive key.";
    const MAGIC3: &[u8] =
        b"On the client side, this is the receive key; on the server side, it is the send key.";
    let magic = if is_send == is_server { MAGIC3 } else { MAGIC2 };
    let d = Sha1::new()
        .chain_update(master_key)
        .chain_update([0u8; 40])
        .chain_update(magic)
        .chain_update([0xf2u8; 40])
        .finalize();
    d[..16].try_into().expect("16 of 20")
}

/// The Response Type-Data for a Challenge: `Value-Size 49 ‖ PeerChallenge ‖ 8 zero octets ‖
/// NT-Response ‖ Flags 0 ‖ Name`.
pub fn response(
    challenge: &Packet,
    peer_challenge: &[u8; 16],
    user: &[u8],
    password: &str,
) -> Result<Packet> {
    let ac = challenge
        .challenge()
        .ok_or_else(|| Error::new(0, "not an EAP-MSCHAPv2 Challenge with a 16-octet value"))?;
    let id = challenge.header.as_ref().map_or(0, |h| h.ms_chapv2_id);
    let mut d = vec![49];
    d.extend_from_slice(peer_challenge);
    d.extend_from_slice(&[0; 8]);
    d.extend_from_slice(&nt_response(&ac, peer_challenge, user, password));
    d.push(0);
    d.extend_from_slice(user);
    Ok(Packet::new(OP_RESPONSE, id, d))
}
