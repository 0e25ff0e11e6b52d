//! Diffie-Hellman groups of the IKEv2 engine (RFC 7296 §3.3.2 transform type 4):
//! MODP-2048 (group 14, RFC 3526 §3), ECP-256 (group 19, RFC 5903) and Curve25519
//! (group 31, RFC 8031). Private values come from the caller's random source.
//!
//! The MODP prime below was checked when it was written against its defining formula
//! `2^2048 - 2^1984 - 1 + 2^64 * (floor(2^1918 * pi) + 124476)` and for being a safe prime;
//! the unit test re-checks the cheap properties (length, top and bottom 64 bits, `p mod 24`).
//! The MODP arithmetic is not constant time: fine for a test harness, not for production.

use num_bigint::BigUint;
use p256::elliptic_curve::sec1::ToEncodedPoint;

/// A supported Diffie-Hellman group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DhGroup {
    /// 2048-bit MODP group (RFC 3526 §3).
    Modp2048,
    /// 256-bit random ECP group (RFC 5903 §3.1).
    Ecp256,
    /// Curve25519 (RFC 8031).
    Curve25519,
}

/// The group 14 prime, big-endian hex.
pub const MODP2048_P_HEX: &str = concat!(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74",
    "020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437",
    "4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED",
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05",
    "98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB",
    "9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B",
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718",
    "3995497CEA956AE515D2261898FA051015728E5A8AACAA68FFFFFFFFFFFFFFFF",
);

fn modp_p() -> BigUint {
    BigUint::parse_bytes(MODP2048_P_HEX.as_bytes(), 16).expect("constant hex")
}

impl DhGroup {
    pub fn id(self) -> u16 {
        match self {
            DhGroup::Modp2048 => 14,
            DhGroup::Ecp256 => 19,
            DhGroup::Curve25519 => 31,
        }
    }

    pub fn from_id(id: u16) -> Option<DhGroup> {
        Some(match id {
            14 => DhGroup::Modp2048,
            19 => DhGroup::Ecp256,
            31 => DhGroup::Curve25519,
            _ => return None,
        })
    }

    /// Length of the KE data (public value) in octets.
    pub fn public_len(self) -> usize {
        match self {
            DhGroup::Modp2048 => 256,
            DhGroup::Ecp256 => 64,
            DhGroup::Curve25519 => 32,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            DhGroup::Modp2048 => "modp2048",
            DhGroup::Ecp256 => "ecp256",
            DhGroup::Curve25519 => "curve25519",
        }
    }
}

/// A private DH value and its public value (the KE data).
#[derive(Clone)]
pub struct DhKey {
    pub group: DhGroup,
    secret: Vec<u8>,
    pub public: Vec<u8>,
}

impl std::fmt::Debug for DhKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DhKey")
            .field("group", &self.group)
            .field("public_len", &self.public.len())
            .finish_non_exhaustive()
    }
}

fn left_pad(mut v: Vec<u8>, len: usize) -> Vec<u8> {
    if v.len() < len {
        let mut out = vec![0; len - v.len()];
        out.append(&mut v);
        out
    } else {
        v
    }
}

impl DhKey {
    /// A fresh key pair; `fill` supplies random octets.
    pub fn generate(group: DhGroup, fill: &mut dyn FnMut(&mut [u8])) -> DhKey {
        match group {
            DhGroup::Modp2048 => {
                // A 256-bit exponent: twice the strength the group gives (RFC 3526 §8).
                let mut x = vec![0u8; 32];
                fill(&mut x);
                x[0] |= 0x80;
                let p = modp_p();
                let y = BigUint::from(2u8).modpow(&BigUint::from_bytes_be(&x), &p);
                DhKey {
                    group,
                    public: left_pad(y.to_bytes_be(), 256),
                    secret: x,
                }
            }
            DhGroup::Ecp256 => {
                let mut tries = 0;
                loop {
                    let mut x = [0u8; 32];
                    fill(&mut x);
                    tries += 1;
                    if tries > 64 {
                        // A random source that never yields a valid scalar: use 1 (tests only).
                        x = [0; 32];
                        x[31] = 1;
                    }
                    if let Ok(sk) = p256::SecretKey::from_slice(&x) {
                        let pt = sk.public_key().to_encoded_point(false);
                        return DhKey {
                            group,
                            public: pt.as_bytes()[1..].to_vec(),
                            secret: x.to_vec(),
                        };
                    }
                }
            }
            DhGroup::Curve25519 => {
                let mut x = [0u8; 32];
                fill(&mut x);
                let sk = x25519_dalek::StaticSecret::from(x);
                let pk = x25519_dalek::PublicKey::from(&sk);
                DhKey {
                    group,
                    public: pk.as_bytes().to_vec(),
                    secret: x.to_vec(),
                }
            }
        }
    }

    /// g^ir from the peer's KE data; `Err` names why the peer value is unacceptable.
    pub fn shared(&self, peer: &[u8]) -> Result<Vec<u8>, String> {
        if peer.len() != self.group.public_len() {
            return Err(format!(
                "KE data for {} is {} octets, expected {}",
                self.group.name(),
                peer.len(),
                self.group.public_len()
            ));
        }
        match self.group {
            DhGroup::Modp2048 => {
                let p = modp_p();
                let y = BigUint::from_bytes_be(peer);
                let one = BigUint::from(1u8);
                if y <= one || y >= &p - &one {
                    return Err("MODP public value out of range (1, p-1)".into());
                }
                let s = y.modpow(&BigUint::from_bytes_be(&self.secret), &p);
                Ok(left_pad(s.to_bytes_be(), 256))
            }
            DhGroup::Ecp256 => {
                let mut sec1 = vec![4u8];
                sec1.extend_from_slice(peer);
                let pk = p256::PublicKey::from_sec1_bytes(&sec1)
                    .map_err(|_| "ECP-256 public value is not a curve point".to_string())?;
                let sk = p256::SecretKey::from_slice(&self.secret)
                    .map_err(|_| "bad ECP-256 private value".to_string())?;
                let ss = p256::ecdh::diffie_hellman(sk.to_nonzero_scalar(), pk.as_affine());
                Ok(ss.raw_secret_bytes().to_vec())
            }
            DhGroup::Curve25519 => {
                let mut x = [0u8; 32];
                x.copy_from_slice(&self.secret);
                let mut p = [0u8; 32];
                p.copy_from_slice(peer);
                let ss = x25519_dalek::StaticSecret::from(x)
                    .diffie_hellman(&x25519_dalek::PublicKey::from(p));
                if ss.as_bytes().iter().all(|b| *b == 0) {
                    return Err("Curve25519 shared secret is all zero (RFC 8031 §2)".into());
                }
                Ok(ss.as_bytes().to_vec())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counter_rng(seed: u8) -> impl FnMut(&mut [u8]) {
        let mut n = seed;
        move |b: &mut [u8]| {
            for x in b {
                n = n.wrapping_mul(31).wrapping_add(7);
                *x = n;
            }
        }
    }

    #[test]
    fn modp_prime_shape() {
        let p = modp_p();
        assert_eq!(p.bits(), 2048);
        let b = p.to_bytes_be();
        assert!(b[..8].iter().all(|x| *x == 0xff));
        assert!(b[248..].iter().all(|x| *x == 0xff));
        // A safe prime > 3 is 23 mod 24.
        assert_eq!(&p % BigUint::from(24u8), BigUint::from(23u8));
    }

    #[test]
    fn all_groups_agree() {
        for g in [DhGroup::Modp2048, DhGroup::Ecp256, DhGroup::Curve25519] {
            let a = DhKey::generate(g, &mut counter_rng(1));
            let b = DhKey::generate(g, &mut counter_rng(2));
            assert_eq!(a.public.len(), g.public_len());
            let s1 = a.shared(&b.public).unwrap();
            let s2 = b.shared(&a.public).unwrap();
            assert_eq!(s1, s2, "{g:?}");
            assert!(a.shared(&[0u8; 3]).is_err());
        }
        let a = DhKey::generate(DhGroup::Modp2048, &mut counter_rng(3));
        assert!(a.shared(&[0u8; 256]).is_err());
        let e = DhKey::generate(DhGroup::Ecp256, &mut counter_rng(3));
        assert!(e.shared(&[1u8; 64]).is_err());
    }
}
