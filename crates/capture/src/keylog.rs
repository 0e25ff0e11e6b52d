//! Keys for decrypting captures: IKE SA and ESP SA keys, loaded from mip6lab's own key log or
//! from Wireshark's `ikev2_decryption_table` and `esp_sa` files (strongSwan's save-keys
//! plugin writes those two). Each line is sniffed on its own, so one file may mix formats.
//!
//! # mip6lab key log format
//!
//! One SA per line; blank lines and lines starting with `#` are ignored; fields are separated
//! by white space; hex is case-insensitive, with or without `0x`.
//!
//! ```text
//! IKE <ispi> <rspi> <encr> <integ> SK_ei=<hex> SK_er=<hex> [SK_ai=<hex> SK_ar=<hex>]
//! ESP <spi> <src|*> <dst|*> <encr> <integ> enc=<hex> [auth=<hex>]
//! ```
//!
//! - `ispi`/`rspi`: the 8-octet IKE SPIs (16 hex digits); `spi`: the 4-octet ESP SPI.
//! - `encr`: `aes-cbc-128`, `aes-cbc-192`, `aes-cbc-256`, `aes-gcm16-128`, `aes-gcm16-192`,
//!   `aes-gcm16-256`. For GCM the key includes the 4-octet salt at its end.
//! - `integ`: `none` (with GCM), `hmac-sha1-96`, `hmac-sha2-256-128`, `hmac-sha2-384-192`,
//!   `hmac-sha2-512-256`.
//! - `src`/`dst`: the ESP packet's addresses; `*` matches any.
//!
//! # Wireshark CSV files
//!
//! Every field double-quoted, comma-separated (what Wireshark's UAT files hold):
//!
//! - `ikev2_decryption_table`: `"ispi","rspi","SK_ei","SK_er","encr","SK_ai","SK_ar","integ"`,
//!   SPIs as 16 hex digits, algorithm names as Wireshark lists them, e.g.
//!   `AES-CBC-128 [RFC3602]`, `AES-GCM-256 with 16 octet ICV [RFC5282]`,
//!   `HMAC_SHA2_256_128 [RFC4868]`, `NONE [RFC4306]`.
//! - `esp_sa`: `"IPv6","src","dst","0xSPI","encr","0xkey","auth","0xkey"`, e.g.
//!   `AES-CBC [RFC3602]`, `AES-GCM with 16 octet ICV [RFC4106]`, `HMAC-SHA-256-128 [RFC4868]`,
//!   `NULL`. The AES key size comes from the key's length. Columns after the eighth are
//!   ignored. An address with `*` in it is taken as matching any address (a simplification
//!   of Wireshark's partial wildcards).
//!
//! These column orders and names are written from memory of Wireshark's and strongSwan's
//! conventions, not checked against their sources here (UNCONFIRMED); the name matching is
//! therefore loose: case, punctuation and the bracketed RFC are ignored. SAs whose algorithms
//! this crate cannot decrypt (3DES, AES-CTR, GCM with short ICVs, …) are skipped with a
//! note in [`KeyLog::skipped`] instead of failing the whole file.

use mip6lab_wire::crypto::{DirectionKeys, Encr, Integ};
use std::net::IpAddr;
use std::path::Path;

/// Keys of one IKE SA.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IkeSaKeys {
    pub ispi: [u8; 8],
    pub rspi: [u8; 8],
    pub encr: Encr,
    pub integ: Integ,
    pub sk_ei: Vec<u8>,
    pub sk_er: Vec<u8>,
    pub sk_ai: Vec<u8>,
    pub sk_ar: Vec<u8>,
}

impl IkeSaKeys {
    /// Keys of messages the original initiator sends.
    pub fn initiator(&self) -> DirectionKeys {
        DirectionKeys {
            encr: self.encr,
            integ: self.integ,
            enc_key: self.sk_ei.clone(),
            integ_key: self.sk_ai.clone(),
        }
    }

    /// Keys of messages the original responder sends.
    pub fn responder(&self) -> DirectionKeys {
        DirectionKeys {
            encr: self.encr,
            integ: self.integ,
            enc_key: self.sk_er.clone(),
            integ_key: self.sk_ar.clone(),
        }
    }
}

/// Keys of one ESP SA (one direction).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EspSaKeys {
    pub spi: u32,
    /// `None` matches any address.
    pub src: Option<IpAddr>,
    pub dst: Option<IpAddr>,
    pub encr: Encr,
    pub integ: Integ,
    pub enc_key: Vec<u8>,
    pub auth_key: Vec<u8>,
}

impl EspSaKeys {
    pub fn keys(&self) -> DirectionKeys {
        DirectionKeys {
            encr: self.encr,
            integ: self.integ,
            enc_key: self.enc_key.clone(),
            integ_key: self.auth_key.clone(),
        }
    }
}

#[derive(Debug, Default, Clone)]
pub struct KeyLog {
    pub ike: Vec<IkeSaKeys>,
    pub esp: Vec<EspSaKeys>,
    /// Lines skipped because their algorithms are not supported (`file:line: why`).
    pub skipped: Vec<String>,
}

/// A key log that could not be read: the file, the line (1-based, 0 for I/O) and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {what}")]
pub struct KeyLogError {
    pub file: String,
    pub line: usize,
    pub what: String,
}

enum LineError {
    Bad(String),
    Unsupported(String),
}

type LineResult<T> = Result<T, LineError>;

fn bad<T>(s: impl Into<String>) -> LineResult<T> {
    Err(LineError::Bad(s.into()))
}

impl KeyLog {
    /// Reads a key log file in any of the three formats.
    pub fn load(path: impl AsRef<Path>) -> Result<KeyLog, KeyLogError> {
        let path = path.as_ref();
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| KeyLogError {
            file: name.clone(),
            line: 0,
            what: format!("cannot read: {e}"),
        })?;
        KeyLog::parse(&name, &text)
    }

    /// Parses key log text; `file` names it in errors.
    pub fn parse(file: &str, text: &str) -> Result<KeyLog, KeyLogError> {
        let mut log = KeyLog::default();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            // Wireshark's tables quote some columns and leave hex bare, so a comma-separated
            // line is CSV whatever its first character.
            let own = line.starts_with("IKE ") || line.starts_with("ESP ");
            let r = if !own && (line.starts_with('"') || line.contains(',')) {
                parse_csv(line).and_then(|f| {
                    if f.first().is_some_and(|p| {
                        ["ipv4", "ipv6", "any"].contains(&p.to_ascii_lowercase().as_str())
                    }) {
                        esp_sa_row(&f).map(|e| log.esp.push(e))
                    } else {
                        ikev2_row(&f).map(|k| log.ike.push(k))
                    }
                })
            } else {
                let words: Vec<&str> = line.split_whitespace().collect();
                match words[0] {
                    "IKE" => own_ike(&words[1..]).map(|k| log.ike.push(k)),
                    "ESP" => own_esp(&words[1..]).map(|k| log.esp.push(k)),
                    other => bad(format!("unknown line type {other:?}")),
                }
            };
            match r {
                Ok(()) => {}
                Err(LineError::Unsupported(why)) => {
                    log.skipped.push(format!("{file}:{}: {why}", i + 1))
                }
                Err(LineError::Bad(what)) => {
                    return Err(KeyLogError {
                        file: file.to_string(),
                        line: i + 1,
                        what,
                    })
                }
            }
        }
        Ok(log)
    }

    /// Adds another log's SAs (later entries do not replace earlier ones; lookups take the
    /// first match).
    pub fn merge(&mut self, other: KeyLog) {
        self.ike.extend(other.ike);
        self.esp.extend(other.esp);
        self.skipped.extend(other.skipped);
    }

    /// The IKE SA with these SPIs.
    pub fn ike_sa(&self, ispi: &[u8; 8], rspi: &[u8; 8]) -> Option<&IkeSaKeys> {
        self.ike.iter().find(|k| &k.ispi == ispi && &k.rspi == rspi)
    }

    /// The ESP SA for this SPI and these addresses.
    pub fn esp_sa(&self, spi: u32, src: IpAddr, dst: IpAddr) -> Option<&EspSaKeys> {
        self.esp.iter().find(|k| {
            k.spi == spi && k.src.is_none_or(|a| a == src) && k.dst.is_none_or(|a| a == dst)
        })
    }

    /// The log in mip6lab's own format (what [`KeyLog::parse`] reads back).
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        for k in &self.ike {
            s.push_str(&format!(
                "IKE {} {} {} {} SK_ei={} SK_er={}",
                hex::encode(k.ispi),
                hex::encode(k.rspi),
                k.encr.name(),
                k.integ.name(),
                hex::encode(&k.sk_ei),
                hex::encode(&k.sk_er)
            ));
            if k.integ != Integ::None {
                s.push_str(&format!(
                    " SK_ai={} SK_ar={}",
                    hex::encode(&k.sk_ai),
                    hex::encode(&k.sk_ar)
                ));
            }
            s.push('\n');
        }
        let addr = |a: &Option<IpAddr>| a.map_or("*".to_string(), |a| a.to_string());
        for k in &self.esp {
            s.push_str(&format!(
                "ESP {:08x} {} {} {} {} enc={}",
                k.spi,
                addr(&k.src),
                addr(&k.dst),
                k.encr.name(),
                k.integ.name(),
                hex::encode(&k.enc_key)
            ));
            if k.integ != Integ::None {
                s.push_str(&format!(" auth={}", hex::encode(&k.auth_key)));
            }
            s.push('\n');
        }
        s
    }
}

fn unhex(s: &str, what: &str) -> LineResult<Vec<u8>> {
    let s = s.trim();
    let s = s
        .strip_prefix("0x")
        .or_else(|| s.strip_prefix("0X"))
        .unwrap_or(s);
    hex::decode(s).or_else(|_| bad(format!("{what} is not hex: {s:?}")))
}

fn spi8(s: &str, what: &str) -> LineResult<[u8; 8]> {
    let v = unhex(s, what)?;
    v.as_slice()
        .try_into()
        .or_else(|_| bad(format!("{what} must be 8 octets (16 hex digits)")))
}

fn spi4(s: &str) -> LineResult<u32> {
    let t = s.trim();
    let t = t
        .strip_prefix("0x")
        .or_else(|| t.strip_prefix("0X"))
        .unwrap_or(t);
    // Short forms ("0x1") are fine; more than 8 digits is not an ESP SPI.
    if t.is_empty() || t.len() > 8 {
        return bad(format!("ESP SPI must be 1 to 8 hex digits: {s:?}"));
    }
    u32::from_str_radix(t, 16).or_else(|_| bad(format!("SPI is not hex: {s:?}")))
}

fn addr(s: &str) -> LineResult<Option<IpAddr>> {
    let s = s.trim();
    if s.is_empty() || s.contains('*') {
        return Ok(None);
    }
    s.parse()
        .map(Some)
        .or_else(|_| bad(format!("bad address {s:?}")))
}

/// Checks key lengths, so a wrong key shows up at load time, not as an ICV failure.
fn check_len(key: &[u8], want: usize, what: &str) -> LineResult<()> {
    if key.len() != want {
        return bad(format!("{what} is {} octets, expected {want}", key.len()));
    }
    Ok(())
}

/// The encryption and integrity algorithms a line names (integrity `none` with an AEAD).
fn algorithms(encr: &str, integ: &str) -> LineResult<(Encr, Integ)> {
    let e =
        Encr::from_name(encr).map_or_else(|| bad(format!("unknown encryption {encr:?}")), Ok)?;
    let i =
        Integ::from_name(integ).map_or_else(|| bad(format!("unknown integrity {integ:?}")), Ok)?;
    Ok((e, if e.is_aead() { Integ::None } else { i }))
}

/// Reads a line's `NAME=hex` words in order, handing each name and value to `store`.
fn read_keys(
    words: &[&str],
    mut store: impl FnMut(&str, Vec<u8>) -> LineResult<()>,
) -> LineResult<()> {
    for kv in words {
        let (name, v) = kv
            .split_once('=')
            .map_or_else(|| bad(format!("expected NAME=hex, got {kv:?}")), Ok)?;
        store(name, unhex(v, name)?)?;
    }
    Ok(())
}

/// CBC keys come with an integrity algorithm.
fn check_integrity(encr: Encr, integ: Integ) -> LineResult<()> {
    if !encr.is_aead() && integ == Integ::None {
        return bad("CBC needs an integrity algorithm");
    }
    Ok(())
}

fn own_ike(w: &[&str]) -> LineResult<IkeSaKeys> {
    if w.len() < 6 {
        return bad("IKE line needs: ispi rspi encr integ SK_ei=… SK_er=… [SK_ai=… SK_ar=…]");
    }
    let (encr, integ) = algorithms(w[2], w[3])?;
    let mut k = IkeSaKeys {
        ispi: spi8(w[0], "ispi")?,
        rspi: spi8(w[1], "rspi")?,
        encr,
        integ,
        sk_ei: vec![],
        sk_er: vec![],
        sk_ai: vec![],
        sk_ar: vec![],
    };
    read_keys(&w[4..], |name, v| {
        match name.to_ascii_lowercase().as_str() {
            "sk_ei" => k.sk_ei = v,
            "sk_er" => k.sk_er = v,
            "sk_ai" => k.sk_ai = v,
            "sk_ar" => k.sk_ar = v,
            _ => return bad(format!("unknown key {name:?}")),
        }
        Ok(())
    })?;
    check_ike(&k)?;
    Ok(k)
}

fn check_ike(k: &IkeSaKeys) -> LineResult<()> {
    check_len(&k.sk_ei, k.encr.keymat_len(), "SK_ei")?;
    check_len(&k.sk_er, k.encr.keymat_len(), "SK_er")?;
    check_len(&k.sk_ai, k.integ.key_len(), "SK_ai")?;
    check_len(&k.sk_ar, k.integ.key_len(), "SK_ar")?;
    check_integrity(k.encr, k.integ)
}

fn own_esp(w: &[&str]) -> LineResult<EspSaKeys> {
    if w.len() < 6 {
        return bad("ESP line needs: spi src dst encr integ enc=… [auth=…]");
    }
    let (encr, integ) = algorithms(w[3], w[4])?;
    let mut k = EspSaKeys {
        spi: spi4(w[0])?,
        src: addr(w[1])?,
        dst: addr(w[2])?,
        encr,
        integ,
        enc_key: vec![],
        auth_key: vec![],
    };
    read_keys(&w[5..], |name, v| {
        match name.to_ascii_lowercase().as_str() {
            "enc" => k.enc_key = v,
            "auth" => k.auth_key = v,
            _ => return bad(format!("unknown key {name:?}")),
        }
        Ok(())
    })?;
    check_esp(&k)?;
    Ok(k)
}

fn check_esp(k: &EspSaKeys) -> LineResult<()> {
    check_len(&k.enc_key, k.encr.keymat_len(), "encryption key")?;
    check_len(&k.auth_key, k.integ.key_len(), "authentication key")?;
    check_integrity(k.encr, k.integ)
}

/// Splits one line of double-quoted, comma-separated fields (`""` inside a field is a quote).
fn parse_csv(line: &str) -> LineResult<Vec<String>> {
    let mut fields = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let mut f = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next() {
                    Some('"') if chars.peek() == Some(&'"') => {
                        chars.next();
                        f.push('"');
                    }
                    Some('"') => break,
                    Some(c) => f.push(c),
                    None => return bad("unterminated quoted field"),
                }
            }
            while chars.peek().is_some_and(|c| c.is_whitespace()) {
                chars.next();
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == ',' {
                    break;
                }
                f.push(c);
                chars.next();
            }
            f = f.trim().to_string();
        }
        fields.push(f);
        match chars.next() {
            Some(',') => continue,
            None => return Ok(fields),
            Some(c) => return bad(format!("unexpected {c:?} after a quoted field")),
        }
    }
}

/// Lower-case letters and digits only: `AES-CBC-128 [RFC3602]` → `aescbc128`.
fn squash(s: &str) -> String {
    let s = s.split('[').next().unwrap_or(s);
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// A Wireshark encryption name; `key_octets` sizes AES when the name does not.
fn ws_encr(name: &str, key_octets: usize) -> LineResult<Encr> {
    let s = squash(name);
    let gcm = s.contains("gcm");
    if !s.contains("aes") || !(gcm || s.contains("cbc")) || s.contains("ctr") {
        return Err(LineError::Unsupported(format!(
            "encryption {name:?} not supported"
        )));
    }
    if gcm && (s.contains("8octet") || s.contains("12octet")) {
        return Err(LineError::Unsupported(format!(
            "encryption {name:?} not supported (only a 16-octet ICV)"
        )));
    }
    let salt = if gcm { 4 } else { 0 };
    let key_len = if s.contains("128") {
        16
    } else if s.contains("192") {
        24
    } else if s.contains("256") {
        32
    } else {
        key_octets.saturating_sub(salt)
    };
    if ![16, 24, 32].contains(&key_len) {
        return bad(format!("cannot size AES key for {name:?}"));
    }
    Ok(if gcm {
        Encr::AesGcm16 { key_len }
    } else {
        Encr::AesCbc { key_len }
    })
}

fn ws_integ(name: &str) -> LineResult<Integ> {
    let s = squash(name);
    Ok(if s.is_empty() || s == "none" || s == "null" {
        Integ::None
    } else if s.contains("sha1") && s.contains("96") {
        Integ::HmacSha1_96
    } else if s.contains("256128") {
        Integ::HmacSha256_128
    } else if s.contains("384192") {
        Integ::HmacSha384_192
    } else if s.contains("512256") {
        Integ::HmacSha512_256
    } else {
        return Err(LineError::Unsupported(format!(
            "integrity {name:?} not supported"
        )));
    })
}

fn ikev2_row(f: &[String]) -> LineResult<IkeSaKeys> {
    if f.len() < 8 {
        return bad(format!(
            "ikev2_decryption_table row has {} fields, expected 8",
            f.len()
        ));
    }
    let sk_ei = unhex(&f[2], "SK_ei")?;
    let encr = ws_encr(&f[4], sk_ei.len())?;
    let integ = if encr.is_aead() {
        Integ::None
    } else {
        ws_integ(&f[7])?
    };
    let k = IkeSaKeys {
        ispi: spi8(&f[0], "ispi")?,
        rspi: spi8(&f[1], "rspi")?,
        encr,
        integ,
        sk_er: unhex(&f[3], "SK_er")?,
        sk_ai: if integ == Integ::None {
            vec![]
        } else {
            unhex(&f[5], "SK_ai")?
        },
        sk_ar: if integ == Integ::None {
            vec![]
        } else {
            unhex(&f[6], "SK_ar")?
        },
        sk_ei,
    };
    check_ike(&k)?;
    Ok(k)
}

fn esp_sa_row(f: &[String]) -> LineResult<EspSaKeys> {
    if f.len() < 8 {
        return bad(format!("esp_sa row has {} fields, expected 8", f.len()));
    }
    let enc_key = unhex(&f[5], "encryption key")?;
    let encr = ws_encr(&f[4], enc_key.len())?;
    let integ = if encr.is_aead() {
        Integ::None
    } else {
        ws_integ(&f[6])?
    };
    let k = EspSaKeys {
        spi: spi4(&f[3])?,
        src: addr(&f[1])?,
        dst: addr(&f[2])?,
        encr,
        integ,
        enc_key,
        auth_key: if integ == Integ::None {
            vec![]
        } else {
            unhex(&f[7], "authentication key")?
        },
    };
    check_esp(&k)?;
    Ok(k)
}

#[cfg(test)]
mod tests {
    use super::*;

    const OWN: &str = "\
# comment
IKE 0102030405060708 090a0b0c0d0e0f10 aes-cbc-128 hmac-sha2-256-128 SK_ei=000102030405060708090a0b0c0d0e0f SK_er=0x101112131415161718191a1b1c1d1e1f SK_ai=2020202020202020202020202020202020202020202020202020202020202020 SK_ar=3030303030303030303030303030303030303030303030303030303030303030

ESP c0000001 2001:db8::1 * aes-gcm16-256 none enc=4040404040404040404040404040404040404040404040404040404040404040deadbeef
";

    #[test]
    fn own_format_round_trips_through_to_text() {
        let log = KeyLog::parse("own", OWN).unwrap();
        assert_eq!(log.ike.len(), 1);
        assert_eq!(log.esp.len(), 1);
        let ike = &log.ike[0];
        assert_eq!(ike.encr, Encr::AesCbc { key_len: 16 });
        assert_eq!(ike.sk_er[0], 0x10);
        assert!(log.ike_sa(&ike.ispi, &ike.rspi).is_some());
        assert!(log.ike_sa(&ike.rspi, &ike.ispi).is_none());
        let esp = &log.esp[0];
        assert_eq!(esp.spi, 0xc000_0001);
        assert_eq!(esp.dst, None);
        let src: IpAddr = "2001:db8::1".parse().unwrap();
        let other: IpAddr = "2001:db8::2".parse().unwrap();
        assert!(log.esp_sa(0xc000_0001, src, other).is_some());
        assert!(log.esp_sa(0xc000_0001, other, src).is_none());
        let again = KeyLog::parse("again", &log.to_text()).unwrap();
        assert_eq!(again.ike, log.ike);
        assert_eq!(again.esp, log.esp);
    }

    #[test]
    fn errors_name_file_and_line() {
        let e = KeyLog::parse("f.keys", "# ok\n\nIKE 01 02 aes-cbc-128 none\n").unwrap_err();
        assert_eq!((e.file.as_str(), e.line), ("f.keys", 3));
        let e = KeyLog::parse("f", "FOO bar\n").unwrap_err();
        assert!(e.to_string().starts_with("f:1: unknown line type"));
        let bad_len = OWN.replace("SK_ei=00", "SK_ei=");
        let e = KeyLog::parse("f", &bad_len).unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.what.contains("SK_ei is 15 octets"), "{}", e.what);
        let e = KeyLog::parse("f", "\"a\",\"b").unwrap_err();
        assert!(e.what.contains("unterminated"));
        let e = KeyLog::load("/nonexistent/keys").unwrap_err();
        assert_eq!(e.line, 0);
    }

    #[test]
    fn wireshark_tables() {
        let k16 = "00112233445566778899aabbccddeeff";
        let k32 = format!("{k16}{k16}");
        let text = format!(
            "\"0102030405060708\",\"090a0b0c0d0e0f10\",\"{k16}\",\"{k16}\",\"AES-CBC-128 [RFC3602]\",\"{k32}\",\"{k32}\",\"HMAC_SHA2_256_128 [RFC4868]\"\n\
             \"1102030405060708\",\"190a0b0c0d0e0f10\",\"{k32}aabbccdd\",\"{k32}aabbccdd\",\"AES-GCM-256 with 16 octet ICV [RFC5282]\",\"\",\"\",\"NONE [RFC4306]\"\n\
             \"2102030405060708\",\"290a0b0c0d0e0f10\",\"0011223344556677\",\"0011223344556677\",\"3DES [RFC2451]\",\"\",\"\",\"NONE [RFC4306]\"\n\
             \"IPv6\",\"2001:db8::1\",\"2001:db8::2\",\"0x00000100\",\"AES-CBC [RFC3602]\",\"0x{k16}\",\"HMAC-SHA-256-128 [RFC4868]\",\"0x{k32}\"\n\
             \"IPv4\",\"*\",\"*\",\"0x200\",\"AES-GCM with 16 octet ICV [RFC4106]\",\"0x{k16}01020304\",\"NULL\",\"\",\"extra\"\n"
        );
        let log = KeyLog::parse("ws", &text).unwrap();
        assert_eq!(log.ike.len(), 2);
        assert_eq!(log.ike[1].encr, Encr::AesGcm16 { key_len: 32 });
        assert_eq!(log.ike[1].integ, Integ::None);
        assert_eq!(log.skipped.len(), 1);
        assert!(log.skipped[0].starts_with("ws:3:"));
        assert_eq!(log.esp.len(), 2);
        assert_eq!(log.esp[0].encr, Encr::AesCbc { key_len: 16 });
        assert_eq!(log.esp[0].integ, Integ::HmacSha256_128);
        assert_eq!(log.esp[1].spi, 0x200);
        assert_eq!(log.esp[1].encr, Encr::AesGcm16 { key_len: 16 });

        let mut merged = KeyLog::parse("own", OWN).unwrap();
        merged.merge(log);
        assert_eq!((merged.ike.len(), merged.esp.len()), (3, 3));
    }

    #[test]
    fn load_reads_a_file() {
        let path = std::env::temp_dir().join(format!("mip6lab-keylog-{}.txt", std::process::id()));
        std::fs::write(&path, OWN).unwrap();
        let log = KeyLog::load(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(log.ike.len(), 1);
    }
}
