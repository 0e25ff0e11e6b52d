//! Certificate authentication for the IKEv2 engine: ECDSA P-256 credentials, trust anchors,
//! peer certificate checks, and the signature AUTH methods.
//!
//! - AUTH method 9, "ECDSA with SHA-256 on the P-256 curve" (RFC 4754): `r | s`, 64 octets.
//! - AUTH method 14, "Digital Signature" (RFC 7427): one octet of length, the ASN.1
//!   AlgorithmIdentifier (`ecdsa-with-SHA256/384/512`, RFC 7427 Appendix A.3), then the DER
//!   ECDSA-Sig-Value. Used when the peer's SIGNATURE_HASH_ALGORITHMS lists SHA2-256.
//! - CERT encoding 4 (X.509 Certificate - Signature), CERTREQ with the SHA-1 of each trusted
//!   CA's SubjectPublicKeyInfo (RFC 7296 §3.6, §3.7).
//! - The peer's end-entity certificate must be signed by a trust anchor (no intermediates),
//!   be within its validity at the caller's wall-clock time, allow digitalSignature when it
//!   has a keyUsage, and bind the peer's ID: an ID_FQDN must equal a subjectAltName dNSName
//!   (case-insensitive), ID_RFC822_ADDR an rfc822Name, ID_IPV4/IPV6_ADDR an iPAddress,
//!   ID_DER_ASN1_DN the subject (RFC 4877 §4.4, RFC 5026 §5.2).

use der::asn1::ObjectIdentifier;
use der::{Decode, Encode};
use mip6lab_wire::ikev2::{id_type, Id};
use p256::ecdsa::signature::hazmat::PrehashVerifier;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
use sha2::Digest;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{KeyUsage, SubjectAltName};
use x509_cert::Certificate;

/// AUTH method 9: ECDSA with SHA-256 on the P-256 curve (RFC 4754).
pub const AUTH_ECDSA_SHA256_P256: u8 = 9;
/// AUTH method 14: Digital Signature (RFC 7427).
pub use mip6lab_wire::ikev2::auth_method::DIGITAL_SIGNATURE as AUTH_DIGITAL_SIGNATURE;
/// Notify SIGNATURE_HASH_ALGORITHMS (RFC 7427 §4).
pub use mip6lab_wire::ikev2::notify_type::SIGNATURE_HASH_ALGORITHMS;
/// CERT/CERTREQ encoding 4: X.509 Certificate - Signature.
pub const CERT_X509_SIGNATURE: u8 = 4;

/// Hash algorithm identifiers of SIGNATURE_HASH_ALGORITHMS (RFC 7427 §7).
pub mod hash_alg {
    pub const SHA2_256: u16 = 2;
    pub const SHA2_384: u16 = 3;
    pub const SHA2_512: u16 = 4;
}

/// The hashes this engine signs and verifies with.
pub const SUPPORTED_HASHES: [u16; 3] = [hash_alg::SHA2_256, hash_alg::SHA2_384, hash_alg::SHA2_512];

const OID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const OID_P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const OID_ECDSA_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
const OID_ECDSA_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.3");
const OID_ECDSA_SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.4");

/// The AlgorithmIdentifier of ecdsa-with-SHA256, parameters absent (RFC 7427 A.3.2).
pub const ALGID_ECDSA_SHA256: [u8; 12] = [
    0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02,
];

/// This end's certificate and ECDSA P-256 key.
#[derive(Clone)]
pub struct Credential {
    cert_der: Vec<u8>,
    key: SigningKey,
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credential")
            .field("cert_len", &self.cert_der.len())
            .field("key", &"<P-256 private key>")
            .finish()
    }
}

impl Credential {
    /// A DER certificate and its key (SEC1 or PKCS#8 DER); the key must match the
    /// certificate's public key.
    pub fn from_der(cert_der: &[u8], key_der: &[u8]) -> Result<Credential, String> {
        use p256::pkcs8::DecodePrivateKey;
        let key = SigningKey::from_pkcs8_der(key_der)
            .or_else(|_| p256::SecretKey::from_sec1_der(key_der).map(SigningKey::from))
            .map_err(|e| format!("not a P-256 private key: {e}"))?;
        Credential::new(cert_der.to_vec(), key)
    }

    /// PEM certificate and key (`EC PRIVATE KEY` or `PRIVATE KEY`).
    pub fn from_pem(cert_pem: &str, key_pem: &str) -> Result<Credential, String> {
        use p256::pkcs8::DecodePrivateKey;
        let cert_der = pem_cert(cert_pem)?;
        let key = SigningKey::from_pkcs8_pem(key_pem)
            .or_else(|_| p256::SecretKey::from_sec1_pem(key_pem).map(SigningKey::from))
            .map_err(|e| format!("not a P-256 private key: {e}"))?;
        Credential::new(cert_der, key)
    }

    fn new(cert_der: Vec<u8>, key: SigningKey) -> Result<Credential, String> {
        let cert = Certificate::from_der(&cert_der).map_err(|e| format!("bad certificate: {e}"))?;
        let public = p256_key(&cert)?;
        if public != *key.verifying_key() {
            return Err("the key does not match the certificate".into());
        }
        Ok(Credential { cert_der, key })
    }

    pub fn cert_der(&self) -> &[u8] {
        &self.cert_der
    }

    /// The AUTH data of `method` (9 or 14 with SHA-256) over `signed_octets`.
    pub fn sign(&self, method: u8, signed_octets: &[u8]) -> Vec<u8> {
        let sig: Signature = self.key.sign(signed_octets);
        if method == AUTH_DIGITAL_SIGNATURE {
            let mut v = vec![ALGID_ECDSA_SHA256.len() as u8];
            v.extend_from_slice(&ALGID_ECDSA_SHA256);
            v.extend_from_slice(sig.to_der().as_bytes());
            v
        } else {
            sig.to_bytes().to_vec()
        }
    }
}

/// A trusted CA certificate.
#[derive(Clone)]
pub struct TrustAnchor {
    cert: Certificate,
    key: VerifyingKey,
    spki_sha1: [u8; 20],
}

impl std::fmt::Debug for TrustAnchor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrustAnchor")
            .field("subject", &self.cert.tbs_certificate.subject.to_string())
            .finish()
    }
}

impl TrustAnchor {
    /// A CA certificate (DER) with an ECDSA P-256 key.
    pub fn from_der(der: &[u8]) -> Result<TrustAnchor, String> {
        use sha1::Digest as _;
        let cert = Certificate::from_der(der).map_err(|e| format!("bad CA certificate: {e}"))?;
        let key = p256_key(&cert)?;
        let spki = cert
            .tbs_certificate
            .subject_public_key_info
            .to_der()
            .map_err(|e| e.to_string())?;
        let spki_sha1: [u8; 20] = sha1::Sha1::digest(&spki).into();
        Ok(TrustAnchor {
            cert,
            key,
            spki_sha1,
        })
    }

    pub fn from_pem(pem: &str) -> Result<TrustAnchor, String> {
        TrustAnchor::from_der(&pem_cert(pem)?)
    }

    /// The CERTREQ Certification Authority value: SHA-1 of the SubjectPublicKeyInfo.
    pub fn spki_sha1(&self) -> [u8; 20] {
        self.spki_sha1
    }
}

/// The DER of the first CERTIFICATE block of a PEM text.
pub fn pem_cert(pem: &str) -> Result<Vec<u8>, String> {
    use der::DecodePem;
    let c = Certificate::from_pem(pem.as_bytes()).map_err(|e| format!("bad PEM: {e}"))?;
    c.to_der().map_err(|e| e.to_string())
}

fn p256_key(cert: &Certificate) -> Result<VerifyingKey, String> {
    let spki = &cert.tbs_certificate.subject_public_key_info;
    let curve = spki
        .algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
    if spki.algorithm.oid != OID_EC_PUBLIC_KEY || curve != Some(OID_P256) {
        return Err("the certificate's key is not ECDSA P-256".into());
    }
    VerifyingKey::from_sec1_bytes(spki.subject_public_key.raw_bytes())
        .map_err(|_| "bad P-256 public key".into())
}

/// One DER TLV at the start of `b`: (header length, content length).
fn tlv(b: &[u8]) -> Option<(usize, usize)> {
    let l0 = *b.get(1)? as usize;
    if l0 < 0x80 {
        return Some((2, l0));
    }
    let n = l0 & 0x7f;
    if n == 0 || n > 4 {
        return None;
    }
    let mut len = 0usize;
    for k in 0..n {
        len = (len << 8) | *b.get(2 + k)? as usize;
    }
    Some((2 + n, len))
}

/// The TBSCertificate octets exactly as received (what the CA signed).
fn raw_tbs(cert_der: &[u8]) -> Option<&[u8]> {
    let (h, _) = tlv(cert_der)?;
    let rest = cert_der.get(h..)?;
    let (th, tl) = tlv(rest)?;
    rest.get(..th + tl)
}

fn verify_prehashed(
    key: &VerifyingKey,
    alg: ObjectIdentifier,
    msg: &[u8],
    sig: &Signature,
) -> Result<(), String> {
    let digest: Vec<u8> = if alg == OID_ECDSA_SHA256 {
        sha2::Sha256::digest(msg).to_vec()
    } else if alg == OID_ECDSA_SHA384 {
        sha2::Sha384::digest(msg).to_vec()
    } else if alg == OID_ECDSA_SHA512 {
        sha2::Sha512::digest(msg).to_vec()
    } else {
        return Err(format!("signature algorithm {alg} not supported"));
    };
    key.verify_prehash(&digest, sig)
        .map_err(|_| "bad signature".into())
}

fn seconds(t: &x509_cert::time::Time) -> u64 {
    t.to_unix_duration().as_secs()
}

/// Checks the peer's end-entity certificate (see the module documentation) and returns its
/// public key.
pub fn verify_peer_cert(
    cert_der: &[u8],
    anchors: &[TrustAnchor],
    unix_time: Option<u64>,
    id: Option<&Id>,
) -> Result<VerifyingKey, String> {
    let cert = Certificate::from_der(cert_der).map_err(|e| format!("bad certificate: {e}"))?;
    let tbs = &cert.tbs_certificate;
    let anchor = anchors
        .iter()
        .find(|a| a.cert.tbs_certificate.subject == tbs.issuer)
        .ok_or_else(|| format!("certificate issuer {} is not a trusted CA", tbs.issuer))?;
    if cert.signature_algorithm != tbs.signature {
        return Err("certificate signature algorithms differ".into());
    }
    let sig = Signature::from_der(cert.signature.raw_bytes())
        .map_err(|_| "certificate signature is not an ECDSA-Sig-Value")?;
    let raw = raw_tbs(cert_der).ok_or("certificate without TBSCertificate")?;
    verify_prehashed(&anchor.key, cert.signature_algorithm.oid, raw, &sig)
        .map_err(|e| format!("certificate not signed by {}: {e}", tbs.issuer))?;
    let now = unix_time.ok_or("no wall-clock time to check certificate validity")?;
    for (what, v) in [
        ("certificate", &tbs.validity),
        ("CA certificate", &anchor.cert.tbs_certificate.validity),
    ] {
        if now < seconds(&v.not_before) || now > seconds(&v.not_after) {
            return Err(format!("{what} not valid at Unix time {now}"));
        }
    }
    if let Ok(Some((_, ku))) = tbs.get::<KeyUsage>() {
        if !ku.digital_signature() {
            return Err("certificate keyUsage lacks digitalSignature".into());
        }
    }
    let names = match tbs.get::<SubjectAltName>() {
        Ok(Some((_, san))) => san.0,
        Ok(None) => Vec::new(),
        Err(e) => return Err(format!("bad subjectAltName: {e}")),
    };
    // `None`: the caller does not bind the certificate to the peer's ID (a mutant only).
    let Some(id) = id else {
        return p256_key(&cert);
    };
    let bound = match id.id_type {
        id_type::FQDN => names.iter().any(|n| match n {
            GeneralName::DnsName(d) => d.as_str().as_bytes().eq_ignore_ascii_case(&id.data),
            _ => false,
        }),
        id_type::RFC822_ADDR => names.iter().any(|n| match n {
            GeneralName::Rfc822Name(d) => d.as_str().as_bytes().eq_ignore_ascii_case(&id.data),
            _ => false,
        }),
        id_type::IPV4_ADDR | id_type::IPV6_ADDR => names.iter().any(|n| match n {
            GeneralName::IpAddress(a) => a.as_bytes() == id.data.as_slice(),
            _ => false,
        }),
        id_type::DER_ASN1_DN => tbs.subject.to_der().is_ok_and(|d| d == id.data),
        _ => false,
    };
    if !bound {
        return Err(format!(
            "certificate does not bind the peer's ID {} (subjectAltName {:?})",
            id.display(),
            names
                .iter()
                .filter_map(|n| match n {
                    GeneralName::DnsName(d) => Some(d.as_str().to_string()),
                    _ => None,
                })
                .collect::<Vec<_>>()
        ));
    }
    p256_key(&cert)
}

/// Verifies a signature AUTH (method 9 or 14) over `signed_octets` with `key`.
pub fn verify_auth(
    method: u8,
    data: &[u8],
    key: &VerifyingKey,
    signed_octets: &[u8],
) -> Result<(), String> {
    match method {
        AUTH_ECDSA_SHA256_P256 => {
            let sig = Signature::from_slice(data).map_err(|_| "method 9 AUTH is not r|s")?;
            verify_prehashed(key, OID_ECDSA_SHA256, signed_octets, &sig)
        }
        AUTH_DIGITAL_SIGNATURE => {
            let (&n, rest) = data.split_first().ok_or("empty AUTH")?;
            let n = n as usize;
            if rest.len() < n {
                return Err("truncated AlgorithmIdentifier".into());
            }
            let alg = x509_cert::spki::AlgorithmIdentifierOwned::from_der(&rest[..n])
                .map_err(|e| format!("bad AlgorithmIdentifier: {e}"))?;
            if alg.parameters.is_some() {
                return Err("ECDSA AlgorithmIdentifier with parameters".into());
            }
            let sig = Signature::from_der(&rest[n..]).map_err(|_| "bad ECDSA-Sig-Value")?;
            verify_prehashed(key, alg.oid, signed_octets, &sig)
        }
        m => Err(format!("AUTH method {m} not supported")),
    }
}

/// The hash algorithms of a SIGNATURE_HASH_ALGORITHMS notify.
pub fn parse_hashes(data: &[u8]) -> Vec<u16> {
    data.chunks_exact(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect()
}
