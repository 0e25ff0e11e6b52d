//! Snapshots of the transcripts of the committed recordings of reference peers
//! (fixtures/pcaps/{ikev2-strongswan,ddns-bind,mh-scapy,dhcpv6-kea}, made as their README says), decoded
//! with the keys recorded beside them. A change in a dissector shows here as a snapshot diff
//! on traffic that real implementations produced.

use mip6lab_capture::keylog::KeyLog;
use mip6lab_capture::{decode_with_keys, read_file, Endpoints, Transcript};
use std::net::IpAddr;
use std::path::{Path, PathBuf};

fn pcaps() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/pcaps")
}

/// Role names of the recording topologies (record-ikev2, record-ddns) and of the scapy
/// frames. Built here rather than from the topologies: capture must not depend on lab.
fn endpoints() -> Endpoints {
    let mut e = Endpoints::default();
    for (addr, role) in [
        ("2001:db8:1::1", "lab"),
        ("2001:db8:1::53", "DNS"),
        ("2001:db8:1::47", "DHCP"),
        ("2001:db8:1::a1", "HA1"),
        ("2001:db8:1::a2", "HA2"),
        ("2001:db8:1::100", "MN"),
        ("2001:db8:1:100::1234", "MN-HoA"),
        ("2001:db8:2::100", "MN-CoA"),
        ("2001:db8:3::c", "CN"),
    ] {
        e.insert(addr.parse::<IpAddr>().unwrap(), role);
    }
    e
}

fn transcript(pcap: &Path, keys: Option<&Path>) -> Transcript {
    let read = read_file(pcap).unwrap();
    assert!(read.error.is_none(), "{:?}", read.error);
    let keys = keys.map_or_else(KeyLog::default, |k| {
        KeyLog::load(k).unwrap_or_else(|e| panic!("{}: {e}", k.display()))
    });
    let t = decode_with_keys(&read.frames, &endpoints(), 0, keys);
    assert!(t.errors.is_empty(), "{:?}", t.errors);
    t
}

#[test]
fn ikev2_strongswan_bootstrap() {
    let dir = pcaps().join("ikev2-strongswan");
    let t = transcript(&dir.join("bootstrap.pcap"), Some(&dir.join("keys.log")));
    insta::assert_snapshot!("ikev2_strongswan_bootstrap", t.to_text());
}

#[test]
fn ddns_bind_tsig() {
    let t = transcript(&pcaps().join("ddns-bind/ddns-tsig.pcap"), None);
    // What the recording is about, whatever the dissectors print: TSIG on every UPDATE,
    // and the wrongly signed one refused.
    let updates: Vec<_> = t.dns().filter(|(_, m)| m.opcode == "UPDATE").collect();
    assert_eq!(updates.len(), 10, "5 UPDATEs and 5 responses");
    assert!(updates.iter().all(|(_, m)| m.tsig));
    assert_eq!(
        updates
            .iter()
            .filter(|(_, m)| m.rcode == "Not authorized")
            .count(),
        1,
        "{}",
        t.to_text()
    );
    insta::assert_snapshot!("ddns_bind_tsig", t.to_text());
}

/// Kea 2.2 in the integrated scenario: the ASP case (VDINF from Kea's configuration) and the
/// MSP case through the NAS's relay (RSOO with the AAA-assigned IDINF, nested in the
/// Relay-forward; Kea's Relay-reply carrying it back).
#[test]
fn dhcpv6_kea() {
    for (name, pcap) in [
        ("dhcpv6_kea_asp_case", "dhcpv6-kea/asp-case.pcap"),
        (
            "dhcpv6_kea_msp_case_relayed",
            "dhcpv6-kea/msp-case-relayed.pcap",
        ),
    ] {
        let t = transcript(&pcaps().join(pcap), None);
        assert!(t.errors.is_empty(), "{:?}", t.errors);
        insta::assert_snapshot!(name, t.to_text());
    }
}

#[test]
fn mh_scapy() {
    let t = transcript(&pcaps().join("mh-scapy/mh-scapy.pcap"), None);
    assert_eq!(t.entries.len(), 10);
    insta::assert_snapshot!("mh_scapy", t.to_text());
}

/// The Wireshark-format tables charon's keys were also written to decrypt the same capture to
/// the same transcript as mip6lab's own key log.
#[test]
fn wireshark_key_tables_decrypt_like_the_own_key_log() {
    let dir = pcaps().join("ikev2-strongswan");
    let own = transcript(&dir.join("bootstrap.pcap"), Some(&dir.join("keys.log")));
    let ws = transcript(
        &dir.join("bootstrap.pcap"),
        Some(&dir.join("ikev2_decryption_table")),
    );
    assert_eq!(own.to_text(), ws.to_text());
    assert!(ws.to_text().contains("SK decrypted=yes"));
    let esp = KeyLog::load(dir.join("esp_sa")).unwrap();
    assert!(
        !esp.esp.is_empty(),
        "esp_sa yielded no SA (skipped: {:?})",
        esp.skipped
    );
}
