//! ESP (RFC 4303) in transport mode with AES-CBC + HMAC (RFC 3602, RFC 4868) and AES-GCM with
//! a 16-octet ICV (RFC 4106), and the anti-replay window of RFC 4303 §3.4.3.
//!
//! Sequence numbers are 32 bits: Extended Sequence Numbers are not implemented (RFC 4877
//! needs no ESN for BU/BA; with ESN the high half would join the ICV input and the GCM AAD).
//! No randomness here: the IV is a parameter.

use crate::crypto::{aes_cbc_decrypt, aes_cbc_encrypt, DirectionKeys};
use crate::error::{Error, Result};
use crate::view::{buffer_view, view_fields};

/// IP protocol number of ESP.
pub const IPPROTO_ESP: u8 = 50;
/// ESP header length (SPI + sequence number).
pub const HEADER_LEN: usize = 8;

buffer_view! {
    /// A checked view of an ESP packet: header, then the sealed rest.
    #[derive(Debug, Clone, Copy)]
    Packet, at least HEADER_LEN, else |_| "truncated ESP header"
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// IV ‖ ciphertext ‖ ICV.
    pub fn sealed(&self) -> &[u8] {
        &self.buffer.as_ref()[HEADER_LEN..]
    }
}

view_fields!(Packet {
    spi, set_spi: u32 = 0..4;
    seq, set_seq: u32 = 4..8;
});

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    pub fn sealed_mut(&mut self) -> &mut [u8] {
        &mut self.buffer.as_mut()[HEADER_LEN..]
    }
}

/// An ESP packet with its protected part still sealed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Repr {
    pub spi: u32,
    pub seq: u32,
    /// IV ‖ ciphertext ‖ ICV.
    pub sealed: Vec<u8>,
}

impl Repr {
    /// Reads the packet in a checked view.
    pub fn parse<T: AsRef<[u8]>>(p: &Packet<T>) -> Result<Repr> {
        Ok(Repr {
            spi: p.spi(),
            seq: p.seq(),
            sealed: p.sealed().to_vec(),
        })
    }

    /// Parses `bytes`, all of which are the packet.
    pub fn from_bytes(bytes: &[u8]) -> Result<Repr> {
        Repr::parse(&Packet::new_checked(bytes)?)
    }

    pub fn buffer_len(&self) -> usize {
        HEADER_LEN + self.sealed.len()
    }

    /// Writes the packet into the first [`Repr::buffer_len`] octets of the view (which must
    /// hold that many).
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, p: &mut Packet<T>) {
        p.set_spi(self.spi);
        p.set_seq(self.seq);
        p.sealed_mut()[..self.sealed.len()].copy_from_slice(&self.sealed);
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut v = vec![0; self.buffer_len()];
        self.emit(&mut Packet::new_unchecked(&mut v[..]));
        v
    }
}

/// The trailer after the payload: Padding, Pad Length, Next Header (RFC 4303 §2.4–§2.6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trailer {
    pub padding: Vec<u8>,
    pub next_header: u8,
}

impl Trailer {
    /// The trailer with default padding that brings `payload_len` + trailer to a multiple of
    /// `align` (16 for AES-CBC, 4 otherwise, RFC 4303 §2.4).
    pub fn for_payload(payload_len: usize, align: usize, next_header: u8) -> Trailer {
        let align = align.max(1);
        let pad = (align - (payload_len + 2) % align) % align;
        Trailer {
            padding: default_padding(pad),
            next_header,
        }
    }

    pub fn buffer_len(&self) -> usize {
        self.padding.len() + 2
    }

    /// Appends Padding, Pad Length and Next Header.
    pub fn emit(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.padding);
        out.push(self.padding.len() as u8);
        out.push(self.next_header);
    }

    /// Splits a decrypted plaintext into payload and trailer; the padding must be the
    /// default 1, 2, 3, … (RFC 4303 §2.4 lets a receiver check it; this one does). Offsets
    /// are relative to the plaintext.
    pub fn split(plaintext: &[u8]) -> Result<(&[u8], Trailer)> {
        if plaintext.len() < 2 {
            return Err(Error::new(0, "plaintext shorter than the ESP trailer"));
        }
        let body_len = plaintext.len() - 2;
        let pad_len = usize::from(plaintext[body_len]);
        if pad_len > body_len {
            return Err(Error::new(body_len, "pad length exceeds plaintext"));
        }
        let (payload, padding) = plaintext[..body_len].split_at(body_len - pad_len);
        if padding != default_padding(pad_len).as_slice() {
            return Err(Error::new(
                payload.len(),
                "bad ESP padding (not 1, 2, 3, …)",
            ));
        }
        Ok((
            payload,
            Trailer {
                padding: padding.to_vec(),
                next_header: plaintext[body_len + 1],
            },
        ))
    }
}

/// Default ESP padding: the octets 1, 2, 3, … (RFC 4303 §2.4).
pub fn default_padding(n: usize) -> Vec<u8> {
    (1..=n).map(|i| i as u8).collect()
}

/// Seals `payload` into an ESP packet for one SA direction. Padding is the minimum that
/// aligns the plaintext: to the 16-octet block for CBC, to 4 octets for GCM (RFC 4303 §2.4).
pub fn encapsulate(
    spi: u32,
    seq: u32,
    next_header: u8,
    payload: &[u8],
    iv: &[u8],
    sa: &DirectionKeys,
) -> Result<Vec<u8>> {
    sa.check()?;
    if iv.len() != sa.encr.iv_len() {
        return Err(Error::new(0, "IV has the wrong length"));
    }
    let trailer = Trailer::for_payload(payload.len(), sa.encr.block_len().max(4), next_header);
    let mut pt = Vec::with_capacity(payload.len() + trailer.buffer_len());
    pt.extend_from_slice(payload);
    trailer.emit(&mut pt);
    let mut out = Vec::with_capacity(HEADER_LEN + iv.len() + pt.len() + sa.icv_len());
    out.extend_from_slice(&spi.to_be_bytes());
    out.extend_from_slice(&seq.to_be_bytes());
    out.extend_from_slice(iv);
    if sa.encr.is_aead() {
        // AAD = SPI ‖ 32-bit sequence number (RFC 4106 §5).
        let sealed = sa.gcm_seal(iv, &out[..HEADER_LEN], &pt)?;
        out.extend_from_slice(&sealed);
    } else {
        let ct = aes_cbc_encrypt(&sa.enc_key, iv, &pt)?;
        out.extend_from_slice(&ct);
        let icv = sa.integ.compute(&sa.integ_key, &out);
        out.extend_from_slice(&icv);
    }
    Ok(out)
}

/// An opened ESP packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decapsulated {
    pub spi: u32,
    pub seq: u32,
    pub next_header: u8,
    pub payload: Vec<u8>,
    pub padding: Vec<u8>,
}

/// Verifies and opens an ESP packet, returning `(next_header, payload)`.
pub fn decapsulate(bytes: &[u8], sa: &DirectionKeys) -> Result<(u8, Vec<u8>)> {
    let d = open(bytes, sa)?;
    Ok((d.next_header, d.payload))
}

/// Like [`decapsulate`], with the header fields and the padding too. The ICV is checked
/// (in constant time) before anything is decrypted, and the padding must be 1, 2, 3, ….
pub fn open(bytes: &[u8], sa: &DirectionKeys) -> Result<Decapsulated> {
    let p = Packet::new_checked(bytes)?;
    sa.check()?;
    let iv_len = sa.encr.iv_len();
    let icv_len = sa.icv_len();
    let total = bytes.len();
    if total < HEADER_LEN + iv_len + 2 + icv_len {
        return Err(Error::new(
            total,
            "ESP packet too short for IV, trailer and ICV",
        ));
    }
    let iv = &bytes[HEADER_LEN..HEADER_LEN + iv_len];
    let ct_at = HEADER_LEN + iv_len;
    let pt = if sa.encr.is_aead() {
        sa.gcm_open(iv, &bytes[..HEADER_LEN], &bytes[ct_at..])
            .map_err(|e| e.shifted(total - icv_len))?
    } else {
        if !sa.integ.verify(
            &sa.integ_key,
            &bytes[..total - icv_len],
            &bytes[total - icv_len..],
        ) {
            return Err(Error::new(total - icv_len, "ICV mismatch"));
        }
        let ct = &bytes[ct_at..total - icv_len];
        if ct.len() % sa.encr.block_len() != 0 {
            return Err(Error::new(ct_at, "ciphertext is not whole cipher blocks"));
        }
        aes_cbc_decrypt(&sa.enc_key, iv, ct).map_err(|e| e.shifted(ct_at))?
    };
    let (payload, trailer) = Trailer::split(&pt).map_err(|e| e.shifted(ct_at))?;
    Ok(Decapsulated {
        spi: p.spi(),
        seq: p.seq(),
        next_header: trailer.next_header,
        payload: payload.to_vec(),
        padding: trailer.padding,
    })
}

/// Receiver anti-replay window (RFC 4303 §3.4.3): the highest sequence number seen and a
/// 64-bit bitmap of the 64 numbers ending at it (bit 0 = the highest). Pure logic: call
/// [`ReplayWindow::check`] before the ICV check and [`ReplayWindow::update`] after it passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReplayWindow {
    /// Highest sequence number accepted so far (0 = none yet).
    pub top: u32,
    pub bitmap: u64,
}

/// Why a sequence number is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replay {
    /// Sequence number 0 is never sent (the first packet carries 1, RFC 4303 §2.2).
    Zero,
    /// Left of the window.
    TooOld,
    /// Seen already.
    Duplicate,
}

impl ReplayWindow {
    pub const SIZE: u32 = 64;

    pub fn new() -> ReplayWindow {
        ReplayWindow::default()
    }

    /// Whether `seq` may be accepted.
    pub fn check(&self, seq: u32) -> core::result::Result<(), Replay> {
        if seq == 0 {
            return Err(Replay::Zero);
        }
        if seq > self.top {
            return Ok(());
        }
        let diff = self.top - seq;
        if diff >= Self::SIZE {
            return Err(Replay::TooOld);
        }
        if self.bitmap & (1u64 << diff) != 0 {
            return Err(Replay::Duplicate);
        }
        Ok(())
    }

    /// Records an authenticated `seq` (checks it first; an error leaves the window as is).
    pub fn update(&mut self, seq: u32) -> core::result::Result<(), Replay> {
        self.check(seq)?;
        if seq > self.top {
            let shift = seq - self.top;
            self.bitmap = if shift >= Self::SIZE {
                0
            } else {
                self.bitmap << shift
            };
            self.bitmap |= 1;
            self.top = seq;
        } else {
            self.bitmap |= 1u64 << (self.top - seq);
        }
        Ok(())
    }
}
