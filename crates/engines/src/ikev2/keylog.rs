//! Key-log lines for the SAs the engine sets up, in the three formats that
//! `mip6lab_capture::keylog` reads: mip6lab's own (`IKE …` / `ESP …` lines) and Wireshark's
//! `ikev2_decryption_table` and `esp_sa` rows.

use mip6lab_wire::crypto::{DirectionKeys, Encr, IkeKeys, Integ};
use std::fmt::Write as _;
use std::net::IpAddr;

fn hex(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len() * 2);
    for x in b {
        let _ = write!(s, "{x:02x}");
    }
    s
}

/// One SA's key-log lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyLogEntry {
    /// mip6lab's own format, one line without the newline.
    pub own: String,
    /// A Wireshark row: `ikev2_decryption_table` for an IKE SA, `esp_sa` for an ESP SA.
    pub wireshark: String,
    /// Whether this is an IKE SA (else one direction of an ESP SA).
    pub is_ike: bool,
}

fn ws_encr_ike(e: Encr) -> String {
    match e {
        Encr::AesCbc { key_len } => format!("AES-CBC-{} [RFC3602]", key_len * 8),
        Encr::AesGcm16 { key_len } => {
            format!("AES-GCM-{} with 16 octet ICV [RFC5282]", key_len * 8)
        }
    }
}

fn ws_integ_ike(i: Integ) -> &'static str {
    match i {
        Integ::None => "NONE [RFC4306]",
        Integ::HmacSha1_96 => "HMAC_SHA1_96 [RFC2404]",
        Integ::HmacSha256_128 => "HMAC_SHA2_256_128 [RFC4868]",
        Integ::HmacSha384_192 => "HMAC_SHA2_384_192 [RFC4868]",
        Integ::HmacSha512_256 => "HMAC_SHA2_512_256 [RFC4868]",
    }
}

fn ws_encr_esp(e: Encr) -> &'static str {
    match e {
        Encr::AesCbc { .. } => "AES-CBC [RFC3602]",
        Encr::AesGcm16 { .. } => "AES-GCM with 16 octet ICV [RFC4106]",
    }
}

fn ws_integ_esp(i: Integ) -> &'static str {
    match i {
        Integ::None => "NULL",
        Integ::HmacSha1_96 => "HMAC-SHA-1-96 [RFC2404]",
        Integ::HmacSha256_128 => "HMAC-SHA-256-128 [RFC4868]",
        Integ::HmacSha384_192 => "HMAC-SHA-384-192 [RFC4868]",
        Integ::HmacSha512_256 => "HMAC-SHA-512-256 [RFC4868]",
    }
}

/// The lines of an IKE SA.
pub fn ike_entry(ispi: &[u8; 8], rspi: &[u8; 8], k: &IkeKeys) -> KeyLogEntry {
    let integ = if k.suite.encr.is_aead() {
        Integ::None
    } else {
        k.suite.integ
    };
    let mut own = format!(
        "IKE {} {} {} {} SK_ei={} SK_er={}",
        hex(ispi),
        hex(rspi),
        k.suite.encr.name(),
        integ.name(),
        hex(&k.sk_ei),
        hex(&k.sk_er)
    );
    if integ != Integ::None {
        let _ = write!(own, " SK_ai={} SK_ar={}", hex(&k.sk_ai), hex(&k.sk_ar));
    }
    let wireshark = format!(
        "\"{}\",\"{}\",\"{}\",\"{}\",\"{}\",\"{}\",\"{}\",\"{}\"",
        hex(ispi),
        hex(rspi),
        hex(&k.sk_ei),
        hex(&k.sk_er),
        ws_encr_ike(k.suite.encr),
        hex(&k.sk_ai),
        hex(&k.sk_ar),
        ws_integ_ike(integ)
    );
    KeyLogEntry {
        own,
        wireshark,
        is_ike: true,
    }
}

/// The lines of one direction of an ESP SA; `None` addresses are written as `*`.
pub fn esp_entry(
    spi: u32,
    src: Option<IpAddr>,
    dst: Option<IpAddr>,
    k: &DirectionKeys,
) -> KeyLogEntry {
    let integ = if k.encr.is_aead() {
        Integ::None
    } else {
        k.integ
    };
    let a = |x: Option<IpAddr>| x.map_or("*".to_string(), |a| a.to_string());
    let mut own = format!(
        "ESP {:08x} {} {} {} {} enc={}",
        spi,
        a(src),
        a(dst),
        k.encr.name(),
        integ.name(),
        hex(&k.enc_key)
    );
    if integ != Integ::None {
        let _ = write!(own, " auth={}", hex(&k.integ_key));
    }
    let family = match src.or(dst) {
        Some(IpAddr::V4(_)) => "IPv4",
        _ => "IPv6",
    };
    let wireshark = format!(
        "\"{}\",\"{}\",\"{}\",\"0x{:08x}\",\"{}\",\"0x{}\",\"{}\",\"{}\"",
        family,
        a(src),
        a(dst),
        spi,
        ws_encr_esp(k.encr),
        hex(&k.enc_key),
        ws_integ_esp(integ),
        if integ == Integ::None {
            String::new()
        } else {
            format!("0x{}", hex(&k.integ_key))
        }
    );
    KeyLogEntry {
        own,
        wireshark,
        is_ike: false,
    }
}
