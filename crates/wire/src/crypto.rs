//! IKEv2 and ESP cryptography: the PRFs, prf+, SKEYSEED and the SK_* split (RFC 7296 §2.13,
//! §2.14), Child SA KEYMAT (§2.17), AUTH for a shared key (§2.15), HMAC integrity (RFC 4868,
//! RFC 2404), AES-CBC (RFC 3602) and AES-GCM with a 16-octet ICV (RFC 4106, RFC 5282).
//!
//! Everything here is deterministic: keys, IVs and nonces come in as parameters. Failures are
//! [`Error`]s at offset 0 (callers that know the position of the data shift them).

use crate::error::{Error, Result};
use aes::cipher::{
    block_padding::NoPadding, BlockCipher, BlockDecryptMut, BlockEncryptMut, KeyIvInit,
};
use aes_gcm::aead::consts::U12;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{AesGcm, Nonce};
use hmac::{Hmac, Mac};
use subtle::ConstantTimeEq;

/// A pseudo-random function, transform type 2 (RFC 7296 §3.3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Prf {
    HmacSha1,
    HmacSha256,
    HmacSha384,
    HmacSha512,
}

impl Prf {
    /// The IANA transform ID.
    pub fn id(self) -> u16 {
        match self {
            Prf::HmacSha1 => 2,
            Prf::HmacSha256 => 5,
            Prf::HmacSha384 => 6,
            Prf::HmacSha512 => 7,
        }
    }

    pub fn from_id(id: u16) -> Option<Prf> {
        Some(match id {
            2 => Prf::HmacSha1,
            5 => Prf::HmacSha256,
            6 => Prf::HmacSha384,
            7 => Prf::HmacSha512,
            _ => return None,
        })
    }

    /// Output length, which is also the preferred key length (SK_d, SK_pi, SK_pr; §2.14).
    pub fn output_len(self) -> usize {
        match self {
            Prf::HmacSha1 => 20,
            Prf::HmacSha256 => 32,
            Prf::HmacSha384 => 48,
            Prf::HmacSha512 => 64,
        }
    }

    /// `prf(key, data)`. HMAC takes keys of any length, so this cannot fail.
    pub fn compute(self, key: &[u8], data: &[u8]) -> Vec<u8> {
        match self {
            Prf::HmacSha1 => hmac::<sha1::Sha1>(key, data),
            Prf::HmacSha256 => hmac::<sha2::Sha256>(key, data),
            Prf::HmacSha384 => hmac::<sha2::Sha384>(key, data),
            Prf::HmacSha512 => hmac::<sha2::Sha512>(key, data),
        }
    }

    /// `prf+(key, seed)` cut to `len` octets (RFC 7296 §2.13): T1 = prf(K, S | 0x01),
    /// Tn = prf(K, Tn-1 | S | n). The counter is one octet, so at most 255 blocks.
    pub fn plus(self, key: &[u8], seed: &[u8], len: usize) -> Result<Vec<u8>> {
        let out_len = self.output_len();
        if len > out_len * 255 {
            return Err(Error::new(0, "prf+ output longer than 255 blocks"));
        }
        let mut out = Vec::with_capacity(len + out_len);
        let mut t: Vec<u8> = Vec::new();
        let mut n: u8 = 1;
        while out.len() < len {
            let mut input = Vec::with_capacity(t.len() + seed.len() + 1);
            input.extend_from_slice(&t);
            input.extend_from_slice(seed);
            input.push(n);
            t = self.compute(key, &input);
            out.extend_from_slice(&t);
            n = n.wrapping_add(1);
        }
        out.truncate(len);
        Ok(out)
    }

    pub fn name(self) -> &'static str {
        match self {
            Prf::HmacSha1 => "prf-hmac-sha1",
            Prf::HmacSha256 => "prf-hmac-sha2-256",
            Prf::HmacSha384 => "prf-hmac-sha2-384",
            Prf::HmacSha512 => "prf-hmac-sha2-512",
        }
    }
}

fn hmac<D>(key: &[u8], data: &[u8]) -> Vec<u8>
where
    D: hmac::digest::core_api::CoreProxy,
    D::Core: hmac::digest::HashMarker
        + hmac::digest::core_api::UpdateCore
        + hmac::digest::core_api::FixedOutputCore
        + hmac::digest::core_api::BufferKindUser<BufferKind = hmac::digest::block_buffer::Eager>
        + Default
        + Clone,
    <D::Core as hmac::digest::core_api::BlockSizeUser>::BlockSize:
        hmac::digest::typenum::IsLess<hmac::digest::typenum::U256>,
    hmac::digest::typenum::Le<
        <D::Core as hmac::digest::core_api::BlockSizeUser>::BlockSize,
        hmac::digest::typenum::U256,
    >: hmac::digest::typenum::NonZero,
{
    // HMAC accepts keys of any length; new_from_slice only fails for fixed-key MACs.
    let mut mac = <Hmac<D> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// An integrity algorithm, transform type 3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Integ {
    /// No separate integrity (AEAD ciphers).
    None,
    HmacSha1_96,
    HmacSha256_128,
    HmacSha384_192,
    HmacSha512_256,
}

impl Integ {
    pub fn id(self) -> u16 {
        match self {
            Integ::None => 0,
            Integ::HmacSha1_96 => 2,
            Integ::HmacSha256_128 => 12,
            Integ::HmacSha384_192 => 13,
            Integ::HmacSha512_256 => 14,
        }
    }

    pub fn from_id(id: u16) -> Option<Integ> {
        Some(match id {
            0 => Integ::None,
            2 => Integ::HmacSha1_96,
            12 => Integ::HmacSha256_128,
            13 => Integ::HmacSha384_192,
            14 => Integ::HmacSha512_256,
            _ => return None,
        })
    }

    /// Key length: the hash output length (RFC 4868 §2.1.1, RFC 2404).
    pub fn key_len(self) -> usize {
        match self {
            Integ::None => 0,
            Integ::HmacSha1_96 => 20,
            Integ::HmacSha256_128 => 32,
            Integ::HmacSha384_192 => 48,
            Integ::HmacSha512_256 => 64,
        }
    }

    /// Length of the truncated output (the ICV).
    pub fn icv_len(self) -> usize {
        match self {
            Integ::None => 0,
            Integ::HmacSha1_96 => 12,
            Integ::HmacSha256_128 => 16,
            Integ::HmacSha384_192 => 24,
            Integ::HmacSha512_256 => 32,
        }
    }

    /// The ICV of `data`: the HMAC cut to [`Integ::icv_len`].
    pub fn compute(self, key: &[u8], data: &[u8]) -> Vec<u8> {
        let mut full = match self {
            Integ::None => return Vec::new(),
            Integ::HmacSha1_96 => hmac::<sha1::Sha1>(key, data),
            Integ::HmacSha256_128 => hmac::<sha2::Sha256>(key, data),
            Integ::HmacSha384_192 => hmac::<sha2::Sha384>(key, data),
            Integ::HmacSha512_256 => hmac::<sha2::Sha512>(key, data),
        };
        full.truncate(self.icv_len());
        full
    }

    /// Whether `icv` is the ICV of `data`, compared in constant time.
    pub fn verify(self, key: &[u8], data: &[u8], icv: &[u8]) -> bool {
        let expected = self.compute(key, data);
        expected.len() == icv.len() && bool::from(expected.as_slice().ct_eq(icv))
    }

    /// Short name used by the key logs: `none`, `hmac-sha1-96`, `hmac-sha2-256-128`, ….
    pub fn name(self) -> &'static str {
        match self {
            Integ::None => "none",
            Integ::HmacSha1_96 => "hmac-sha1-96",
            Integ::HmacSha256_128 => "hmac-sha2-256-128",
            Integ::HmacSha384_192 => "hmac-sha2-384-192",
            Integ::HmacSha512_256 => "hmac-sha2-512-256",
        }
    }

    pub fn from_name(s: &str) -> Option<Integ> {
        [
            Integ::None,
            Integ::HmacSha1_96,
            Integ::HmacSha256_128,
            Integ::HmacSha384_192,
            Integ::HmacSha512_256,
        ]
        .into_iter()
        .find(|i| i.name().eq_ignore_ascii_case(s))
    }
}

/// An encryption algorithm, transform type 1, with its key length in octets (16, 24 or 32).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Encr {
    /// ENCR_AES_CBC (12): 16-octet IV, needs a separate integrity algorithm.
    AesCbc { key_len: usize },
    /// ENCR_AES_GCM_16 (20): 8-octet IV, 16-octet ICV, 4-octet salt after the key.
    AesGcm16 { key_len: usize },
}

impl Encr {
    pub fn id(self) -> u16 {
        match self {
            Encr::AesCbc { .. } => 12,
            Encr::AesGcm16 { .. } => 20,
        }
    }

    /// From a transform ID and its Key Length attribute (in bits).
    pub fn from_id(id: u16, key_bits: u16) -> Option<Encr> {
        let key_len = match key_bits {
            128 | 192 | 256 => usize::from(key_bits / 8),
            _ => return None,
        };
        match id {
            12 => Some(Encr::AesCbc { key_len }),
            20 => Some(Encr::AesGcm16 { key_len }),
            _ => None,
        }
    }

    pub fn key_len(self) -> usize {
        match self {
            Encr::AesCbc { key_len } | Encr::AesGcm16 { key_len } => key_len,
        }
    }

    /// Octets of keying material taken from prf+/KEYMAT: the key plus the salt for GCM
    /// (RFC 5282 §7.1, RFC 4106 §8.1).
    pub fn keymat_len(self) -> usize {
        self.key_len() + self.salt_len()
    }

    pub fn salt_len(self) -> usize {
        match self {
            Encr::AesCbc { .. } => 0,
            Encr::AesGcm16 { .. } => 4,
        }
    }

    /// IV on the wire: 16 for CBC (RFC 3602 §2.1), 8 for GCM (RFC 4106 §3.1).
    pub fn iv_len(self) -> usize {
        match self {
            Encr::AesCbc { .. } => 16,
            Encr::AesGcm16 { .. } => 8,
        }
    }

    /// What the plaintext must be a multiple of: the block for CBC, 1 for GCM (a stream mode).
    pub fn block_len(self) -> usize {
        match self {
            Encr::AesCbc { .. } => 16,
            Encr::AesGcm16 { .. } => 1,
        }
    }

    pub fn is_aead(self) -> bool {
        matches!(self, Encr::AesGcm16 { .. })
    }

    /// The AEAD tag length (0 for CBC, whose ICV comes from [`Integ`]).
    pub fn icv_len(self) -> usize {
        match self {
            Encr::AesCbc { .. } => 0,
            Encr::AesGcm16 { .. } => 16,
        }
    }

    /// Short name used by the key logs: `aes-cbc-128`, `aes-gcm16-256`, ….
    pub fn name(self) -> String {
        match self {
            Encr::AesCbc { key_len } => format!("aes-cbc-{}", key_len * 8),
            Encr::AesGcm16 { key_len } => format!("aes-gcm16-{}", key_len * 8),
        }
    }

    pub fn from_name(s: &str) -> Option<Encr> {
        let s = s.to_ascii_lowercase();
        let (kind, bits) = s.rsplit_once('-')?;
        let key_len = match bits {
            "128" => 16,
            "192" => 24,
            "256" => 32,
            _ => return None,
        };
        match kind {
            "aes-cbc" => Some(Encr::AesCbc { key_len }),
            "aes-gcm16" | "aes-gcm" => Some(Encr::AesGcm16 { key_len }),
            _ => None,
        }
    }
}

/// AES-CBC encryption of whole blocks, no padding (callers pad as their protocol says).
pub fn aes_cbc_encrypt(key: &[u8], iv: &[u8], plaintext: &[u8]) -> Result<Vec<u8>> {
    if plaintext.len() % 16 != 0 {
        return Err(Error::new(0, "CBC plaintext is not whole blocks"));
    }
    match key.len() {
        16 => cbc_encrypt::<aes::Aes128>(key, iv, plaintext),
        24 => cbc_encrypt::<aes::Aes192>(key, iv, plaintext),
        32 => cbc_encrypt::<aes::Aes256>(key, iv, plaintext),
        _ => Err(Error::new(0, "bad AES-CBC key length")),
    }
}

/// AES-CBC decryption of whole blocks, no padding removed.
pub fn aes_cbc_decrypt(key: &[u8], iv: &[u8], ciphertext: &[u8]) -> Result<Vec<u8>> {
    if ciphertext.len() % 16 != 0 {
        return Err(Error::new(0, "CBC ciphertext is not whole blocks"));
    }
    match key.len() {
        16 => cbc_decrypt::<aes::Aes128>(key, iv, ciphertext),
        24 => cbc_decrypt::<aes::Aes192>(key, iv, ciphertext),
        32 => cbc_decrypt::<aes::Aes256>(key, iv, ciphertext),
        _ => Err(Error::new(0, "bad AES-CBC key length")),
    }
}

fn cbc_encrypt<C>(key: &[u8], iv: &[u8], plaintext: &[u8]) -> Result<Vec<u8>>
where
    C: BlockCipher + BlockEncryptMut,
    cbc::Encryptor<C>: KeyIvInit + BlockEncryptMut,
{
    Ok(cbc::Encryptor::<C>::new_from_slices(key, iv)
        .map_err(|_| Error::new(0, "bad AES-CBC key or IV length"))?
        .encrypt_padded_vec_mut::<NoPadding>(plaintext))
}

fn cbc_decrypt<C>(key: &[u8], iv: &[u8], ciphertext: &[u8]) -> Result<Vec<u8>>
where
    C: BlockCipher + BlockDecryptMut,
    cbc::Decryptor<C>: KeyIvInit + BlockDecryptMut,
{
    cbc::Decryptor::<C>::new_from_slices(key, iv)
        .map_err(|_| Error::new(0, "bad AES-CBC key or IV length"))?
        .decrypt_padded_vec_mut::<NoPadding>(ciphertext)
        .map_err(|_| Error::new(0, "CBC ciphertext is not whole blocks"))
}

type Aes192Gcm = AesGcm<aes::Aes192, U12>;

/// AES-GCM with a 12-octet nonce and a 16-octet tag: returns ciphertext ‖ tag.
pub fn aes_gcm_seal(key: &[u8], nonce: &[u8], aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>> {
    if nonce.len() != 12 {
        return Err(Error::new(0, "GCM nonce must be 12 octets"));
    }
    let p = Payload {
        msg: plaintext,
        aad,
    };
    aes_gcm_by_key_len(key, Nonce::from_slice(nonce), p, GcmOp::Seal)
}

/// AES-GCM open of ciphertext ‖ 16-octet tag. A wrong tag is "ICV mismatch".
pub fn aes_gcm_open(key: &[u8], nonce: &[u8], aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>> {
    if nonce.len() != 12 {
        return Err(Error::new(0, "GCM nonce must be 12 octets"));
    }
    if sealed.len() < 16 {
        return Err(Error::new(0, "GCM ciphertext shorter than its ICV"));
    }
    let p = Payload { msg: sealed, aad };
    aes_gcm_by_key_len(key, Nonce::from_slice(nonce), p, GcmOp::Open)
}

#[derive(Clone, Copy)]
enum GcmOp {
    Seal,
    Open,
}

/// `op` with the AES-GCM whose key size is `key`'s length.
fn aes_gcm_by_key_len(key: &[u8], n: &Nonce<U12>, p: Payload, op: GcmOp) -> Result<Vec<u8>> {
    match key.len() {
        16 => aes_gcm_with::<aes_gcm::Aes128Gcm>(key, n, p, op),
        24 => aes_gcm_with::<Aes192Gcm>(key, n, p, op),
        32 => aes_gcm_with::<aes_gcm::Aes256Gcm>(key, n, p, op),
        _ => Err(Error::new(0, "bad AES-GCM key length")),
    }
}

fn aes_gcm_with<C: KeyInit + Aead<NonceSize = U12>>(
    key: &[u8],
    n: &Nonce<U12>,
    p: Payload,
    op: GcmOp,
) -> Result<Vec<u8>> {
    let cipher = C::new_from_slice(key).map_err(|_| Error::new(0, "bad AES-GCM key length"))?;
    match op {
        GcmOp::Seal => cipher
            .encrypt(n, p)
            .map_err(|_| Error::new(0, "AES-GCM encryption failed")),
        GcmOp::Open => cipher
            .decrypt(n, p)
            .map_err(|_| Error::new(0, "ICV mismatch")),
    }
}

/// The negotiated IKE SA algorithms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Suite {
    pub encr: Encr,
    /// [`Integ::None`] with an AEAD cipher.
    pub integ: Integ,
    pub prf: Prf,
}

impl Suite {
    /// AES-CBC-128, HMAC-SHA2-256-128, PRF-HMAC-SHA2-256.
    pub const AES128_SHA256: Suite = Suite {
        encr: Encr::AesCbc { key_len: 16 },
        integ: Integ::HmacSha256_128,
        prf: Prf::HmacSha256,
    };
    /// AES-GCM-16-256, PRF-HMAC-SHA2-256.
    pub const AES256GCM16_SHA256: Suite = Suite {
        encr: Encr::AesGcm16 { key_len: 32 },
        integ: Integ::None,
        prf: Prf::HmacSha256,
    };
}

/// One direction's protection: the keys an SK payload or an ESP packet is sealed with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectionKeys {
    pub encr: Encr,
    pub integ: Integ,
    /// Cipher key, followed by the salt for GCM ([`Encr::keymat_len`] octets).
    pub enc_key: Vec<u8>,
    /// Empty for AEAD.
    pub integ_key: Vec<u8>,
}

impl DirectionKeys {
    /// Checks the key lengths against the algorithms.
    pub fn check(&self) -> Result<()> {
        if self.enc_key.len() != self.encr.keymat_len() {
            return Err(Error::new(0, "encryption key has the wrong length"));
        }
        let integ = if self.encr.is_aead() {
            Integ::None
        } else {
            self.integ
        };
        if integ == Integ::None && !self.encr.is_aead() {
            return Err(Error::new(0, "CBC needs an integrity algorithm"));
        }
        if self.integ_key.len() != integ.key_len() {
            return Err(Error::new(0, "integrity key has the wrong length"));
        }
        Ok(())
    }

    /// The cipher key without the GCM salt, and the salt.
    pub fn split_salt(&self) -> (&[u8], &[u8]) {
        let k = self.encr.key_len().min(self.enc_key.len());
        self.enc_key.split_at(k)
    }

    /// AES-GCM with this direction's key, the nonce its salt ‖ `iv` (RFC 4106 §4, RFC 5282
    /// §4): the ciphertext and tag.
    pub fn gcm_seal(&self, iv: &[u8], aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>> {
        let (key, salt) = self.split_salt();
        aes_gcm_seal(key, &[salt, iv].concat(), aad, plaintext)
    }

    /// [`DirectionKeys::gcm_seal`] undone: the tag checked, the plaintext.
    pub fn gcm_open(&self, iv: &[u8], aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>> {
        let (key, salt) = self.split_salt();
        aes_gcm_open(key, &[salt, iv].concat(), aad, sealed)
    }

    /// The ICV length on the wire.
    pub fn icv_len(&self) -> usize {
        if self.encr.is_aead() {
            self.encr.icv_len()
        } else {
            self.integ.icv_len()
        }
    }
}

/// The keys of an IKE SA (RFC 7296 §2.14).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IkeKeys {
    pub suite: Suite,
    pub sk_d: Vec<u8>,
    pub sk_ai: Vec<u8>,
    pub sk_ar: Vec<u8>,
    pub sk_ei: Vec<u8>,
    pub sk_er: Vec<u8>,
    pub sk_pi: Vec<u8>,
    pub sk_pr: Vec<u8>,
}

/// `SKEYSEED = prf(Ni | Nr, g^ir)` (§2.14). `ni`, `nr` are the nonce values only.
pub fn skeyseed(prf: Prf, ni: &[u8], nr: &[u8], g_ir: &[u8]) -> Vec<u8> {
    let mut k = ni.to_vec();
    k.extend_from_slice(nr);
    prf.compute(&k, g_ir)
}

impl IkeKeys {
    /// `{SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr)`.
    /// With an AEAD cipher SK_ai/SK_ar are empty (RFC 5282 §7.1).
    pub fn derive(
        suite: Suite,
        skeyseed: &[u8],
        ni: &[u8],
        nr: &[u8],
        spi_i: &[u8; 8],
        spi_r: &[u8; 8],
    ) -> Result<IkeKeys> {
        let prf_len = suite.prf.output_len();
        let integ_len = if suite.encr.is_aead() {
            0
        } else {
            suite.integ.key_len()
        };
        let enc_len = suite.encr.keymat_len();
        let mut seed = Vec::with_capacity(ni.len() + nr.len() + 16);
        seed.extend_from_slice(ni);
        seed.extend_from_slice(nr);
        seed.extend_from_slice(spi_i);
        seed.extend_from_slice(spi_r);
        let total = 3 * prf_len + 2 * integ_len + 2 * enc_len;
        let km = suite.prf.plus(skeyseed, &seed, total)?;
        let mut at = 0;
        let mut take = |n: usize| {
            let v = km[at..at + n].to_vec();
            at += n;
            v
        };
        Ok(IkeKeys {
            suite,
            sk_d: take(prf_len),
            sk_ai: take(integ_len),
            sk_ar: take(integ_len),
            sk_ei: take(enc_len),
            sk_er: take(enc_len),
            sk_pi: take(prf_len),
            sk_pr: take(prf_len),
        })
    }

    /// SKEYSEED then the split, from the Diffie-Hellman shared secret.
    pub fn from_shared_secret(
        suite: Suite,
        g_ir: &[u8],
        ni: &[u8],
        nr: &[u8],
        spi_i: &[u8; 8],
        spi_r: &[u8; 8],
    ) -> Result<IkeKeys> {
        let seed = skeyseed(suite.prf, ni, nr, g_ir);
        IkeKeys::derive(suite, &seed, ni, nr, spi_i, spi_r)
    }

    /// Keys protecting messages sent by the original initiator (SK_ei, SK_ai).
    pub fn initiator(&self) -> DirectionKeys {
        DirectionKeys {
            encr: self.suite.encr,
            integ: self.suite.integ,
            enc_key: self.sk_ei.clone(),
            integ_key: self.sk_ai.clone(),
        }
    }

    /// Keys protecting messages sent by the original responder (SK_er, SK_ar).
    pub fn responder(&self) -> DirectionKeys {
        DirectionKeys {
            encr: self.suite.encr,
            integ: self.suite.integ,
            enc_key: self.sk_er.clone(),
            integ_key: self.sk_ar.clone(),
        }
    }
}

/// `KEYMAT = prf+(SK_d, [g^ir (new) |] Ni | Nr)` (§2.17), `len` octets.
pub fn child_keymat(
    prf: Prf,
    sk_d: &[u8],
    g_ir_new: Option<&[u8]>,
    ni: &[u8],
    nr: &[u8],
    len: usize,
) -> Result<Vec<u8>> {
    let mut seed = Vec::new();
    if let Some(g) = g_ir_new {
        seed.extend_from_slice(g);
    }
    seed.extend_from_slice(ni);
    seed.extend_from_slice(nr);
    prf.plus(sk_d, &seed, len)
}

/// The two directions of a Child SA.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildKeys {
    /// Initiator → responder.
    pub initiator: DirectionKeys,
    /// Responder → initiator.
    pub responder: DirectionKeys,
}

impl ChildKeys {
    /// Splits KEYMAT (§2.17): initiator→responder SA first, then the other; inside each, the
    /// encryption key (with salt for GCM) before the integrity key.
    pub fn derive(
        prf: Prf,
        sk_d: &[u8],
        g_ir_new: Option<&[u8]>,
        ni: &[u8],
        nr: &[u8],
        encr: Encr,
        integ: Integ,
    ) -> Result<ChildKeys> {
        let integ = if encr.is_aead() { Integ::None } else { integ };
        let (e, a) = (encr.keymat_len(), integ.key_len());
        let km = child_keymat(prf, sk_d, g_ir_new, ni, nr, 2 * (e + a))?;
        let dir = |base: usize| DirectionKeys {
            encr,
            integ,
            enc_key: km[base..base + e].to_vec(),
            integ_key: km[base + e..base + e + a].to_vec(),
        };
        Ok(ChildKeys {
            initiator: dir(0),
            responder: dir(e + a),
        })
    }
}

/// The 17-octet pad string of §2.15, no terminating NUL.
pub const KEY_PAD: &[u8] = b"Key Pad for IKEv2";

/// `RealMessage | NonceData | prf(SK_p, RestOfID)` (§2.15). `real_message` is the whole
/// IKE_SA_INIT message the signer sent (no 4500 marker), `peer_nonce` the other side's nonce
/// value, `rest_of_id` the ID payload body (type, 3 reserved octets, data).
pub fn signed_octets(
    prf: Prf,
    real_message: &[u8],
    peer_nonce: &[u8],
    sk_p: &[u8],
    rest_of_id: &[u8],
) -> Vec<u8> {
    let mut v = real_message.to_vec();
    v.extend_from_slice(peer_nonce);
    v.extend_from_slice(&prf.compute(sk_p, rest_of_id));
    v
}

/// Shared Key MIC: `prf(prf(Shared Secret, "Key Pad for IKEv2"), SignedOctets)`.
pub fn psk_auth(prf: Prf, psk: &[u8], signed_octets: &[u8]) -> Vec<u8> {
    prf.compute(&prf.compute(psk, KEY_PAD), signed_octets)
}
