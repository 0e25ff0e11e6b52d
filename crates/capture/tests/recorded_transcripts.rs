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

/// Role names of topology `record-integrated` (IPv6 hosts, and the IPv4 addresses that name
/// each node's MAC on a link, for EAPOL entries).
fn integrated_endpoints() -> Endpoints {
    let mut e = Endpoints::default();
    for (addr, role) in [
        ("2001:db8:1::1", "lab"),
        ("2001:db8:1::53", "DNS"),
        ("2001:db8:1::18", "AAA"),
        ("2001:db8:1::a1", "HA1"),
        ("2001:db8:1::a", "NAS-home"),
        ("2001:db8:2::a", "NAS"),
        ("2001:db8:2::1", "lab-asp"),
        ("2001:db8:2::19", "AAAV"),
        ("2001:db8:2::47", "DHCP"),
        ("2001:db8:2::48", "STIM"),
        ("2001:db8:2::a2", "HA2"),
        ("2001:db8:10::a", "NAS-access"),
        ("2001:db8:10::100", "MN"),
        ("198.51.100.146", "NAS-access"),
        ("198.51.100.147", "MN"),
    ] {
        e.insert(addr.parse::<IpAddr>().unwrap(), role);
    }
    e
}

/// RFC 6611's three flows run by the reference roles around FreeRADIUS 3.2 and Kea 2.2
/// (fixtures/pcaps/integrated-reference/, `just record-integrated`): each link of each flow,
/// decrypted with the MN's key log. What each flow is about is asserted before the snapshot.
#[test]
fn integrated_reference_flows() {
    let dir = pcaps().join("integrated-reference");
    for flow in ["msp", "asp", "dns"] {
        let keys = KeyLog::load(dir.join(flow).join("keys.log")).unwrap();
        let mut text = String::new();
        for link in ["access", "asp", "home"] {
            let read = read_file(&dir.join(flow).join(format!("{link}.pcap"))).unwrap();
            assert!(read.error.is_none(), "{flow}/{link}: {:?}", read.error);
            let t = decode_with_keys(&read.frames, &integrated_endpoints(), 0, keys.clone());
            assert!(t.errors.is_empty(), "{flow}/{link}: {:?}", t.errors);
            text.push_str(&format!("== {link}\n{}", t.to_text()));
        }
        let has = |needle: &str| text.contains(needle);
        // Every flow: 802.1X with EAP-MD5 relayed to the AAAV, proxied to the AAAH, which
        // assigns HA1.
        assert!(has("MN -> PAE-group  EAPOL EAP"), "{flow}: {text}");
        assert!(
            has("NAS-access -> MN  EAPOL EAP version=2 {EAP Success"),
            "{flow}"
        );
        assert!(has("AAAV -> AAA  RADIUS Access-Request"), "{flow}");
        assert!(has("AAAV -> NAS  RADIUS Access-Accept"), "{flow}");
        assert!(has("{WiMAX-hHA-IP-MIP6 value=2001:db8:1::a1}"), "{flow}");
        let ike_to = |ha: &str| has(&format!("MN -> {ha}  IKEv2 IKE_SA_INIT request"));
        match flow {
            // §4.2.1: the RSOO's IDINF (HA1) reaches Kea and comes back to the MN.
            "msp" => {
                assert!(has("{OPTION_MIP6_HNIDF fqdn=example.com.}"), "{text}");
                assert!(has("NAS -> DHCP  DHCPv6 RELAY-FORW"), "{text}");
                assert!(has("{OPTION_RSOO {OPTION_MIP6_IDINF"), "{text}");
                assert!(ike_to("HA1") && !ike_to("HA2"), "{text}");
            }
            // §4.2.2: no HNIDF, so no RSOO; Kea's VDINF names HA2.
            "asp" => {
                assert!(has("NAS -> DHCP  DHCPv6 RELAY-FORW"), "{text}");
                assert!(!has("OPTION_RSOO"), "{text}");
                assert!(has(
                    "{OPTION_MIP6_VDINF {OPTION_MIP6_HAA address=2001:db8:2::a2}}"
                ));
                assert!(ike_to("HA2") && !ike_to("HA1"), "{text}");
            }
            // No Reply (the relay's server is absent): SRV discovery, then HA1.
            "dns" => {
                // (Kea's Reply to the lab's readiness probe is on the ASP link.)
                let access = text.split("== asp").next().unwrap();
                assert!(!access.contains("DHCPv6 REPLY"), "{access}");
                assert!(
                    has("MN -> DNS  DNS query SRV _mip6._ipv6.example.com."),
                    "{text}"
                );
                assert!(ike_to("HA1"), "{text}");
            }
            _ => unreachable!(),
        }
        assert!(has("status_name=Binding Update accepted"), "{flow}");
        insta::assert_snapshot!(format!("integrated_reference_{flow}"), text);
    }
}

/// The dual-stack scenario's Mobile IPv4 registrations, run by the reference MNs, FA and FHA
/// around FreeRADIUS 3.2 (fixtures/pcaps/dualstack-reference/, `mip6lab record
/// record-dualstack`): MN with a co-located CoA straight to the FHA, MN-FA through the foreign
/// agent (Agent Advertisement, Solicitation, the relayed Request and Reply); the FHA's RADIUS
/// CHAP check with the AAAH, the NAS's 802.1X with the AAAH (`integrated`) or with the ASP's
/// AAA server proxying by realm and assigning the FHA (`asp`, draft §4.2.1); each RRP with its temporary IPv4 home address and the IPv6 items named
/// by the lab's profile; then, through the MN–FHA tunnel, the co-located MN's echo and its
/// Mobile IPv6 half (IKEv2 and BU/BA with the HA on the home link, from the Reply's IPv6 CoA),
/// and MN-FA's the same through the FA's reverse tunnel (RFC 3024 §5.2), decrypted with the
/// MNs' key logs, on the visited and access links (inside IPv6-in-IPv4) and the home link;
/// then the co-located MN's move to its IPv4 CoA, BUs in UDP 4191 (RFC 5555 §4.1).
#[test]
fn dualstack_reference_flows() {
    let mut e = Endpoints::default();
    for (addr, role) in [
        ("2001:db8:30::1", "lab"),
        ("2001:db8:30::18", "AAA"),
        ("2001:db8:30::19", "AAAV"),
        ("2001:db8:30::2", "FHA-core"),
        ("198.18.2.2", "FHA"),
        ("198.18.2.3", "MN"),
        // Its co-located CoA, from Kea through the NAS's relay.
        ("198.18.2.100", "MN-CoA"),
        ("198.18.2.5", "NAS-access"),
        ("198.18.3.5", "NAS"),
        ("198.18.3.6", "DHCP4"),
        ("2001:db8:30::5", "NAS"),
        ("198.18.2.4", "FA"),
        ("198.18.1.2", "FA-visited"),
        ("198.18.1.3", "MN-FA"),
        ("198.18.1.4", "MN-R"),
        ("2001:db8:31::1", "lab-home"),
        ("2001:db8:31::2", "FHA-home"),
        ("2001:db8:31::a1", "HA"),
        ("198.18.2.6", "HA-access"),
        ("2001:db8:32::c612:640a", "MN-CoA6"),
        ("2001:db8:32::c612:640b", "MN-FA-CoA6"),
    ] {
        e.insert(addr.parse::<IpAddr>().unwrap(), role);
    }
    for flow in ["integrated", "asp"] {
        let dir = pcaps().join("dualstack-reference").join(flow);
        let keys = KeyLog::load(dir.join("keys.log")).unwrap();
        let mut text = String::new();
        for link in ["visited", "access", "core", "home"] {
            let read = read_file(&dir.join(format!("{link}.pcap"))).unwrap();
            assert!(read.error.is_none(), "{flow}/{link}: {:?}", read.error);
            // Userspace tunnels leak no ICMP errors (e.g. Protocol Unreachable for a tunnelled
            // packet that came before its tunnel was up).
            let leaked =
                mip6lab_capture::dissect::icmp_errors(&read.frames, setup_frames(&dir, link));
            assert!(leaked.is_empty(), "{flow}/{link}: {leaked:?}");
            let t = decode_with_keys(&read.frames, &e, 0, keys.clone());
            assert!(t.errors.is_empty(), "{flow}/{link}: {:?}", t.errors);
            text.push_str(&format!("== {link}\n{}", t.to_text()));
        }
        let has = |needle: &str| text.contains(needle);
        assert!(
            has("MN-CoA -> FHA  MIPv4 RRQ flags=D lifetime=1800 hoa=0.0.0.0 ha=198.18.2.2 coa=198.18.2.100"),
            "{text}"
        );
        assert!(has("{NAI value=\"mn-ds@example.com\"}"), "{text}");
        assert!(has("(MN-AAA) spi=2"), "{text}");
        assert!(has("{CHAP-Password len=17"), "{text}");
        // Through the FA: its advertisement with the F bit and its care-of address, the
        // relayed Request and the Reply back.
        assert!(has("FA-visited -> 224.0.0.1  MIPv4 AgentAdv"), "{text}");
        assert!(has("flags=RFT coa=198.18.2.4"), "{text}");
        // A co-located CoA behind the FA's R bit: the Request (D set) goes through the FA
        // (draft §4.1.2; RFC 5944 §3.3), and so does the Reply.
        assert!(
            has("MN-R -> FA-visited  MIPv4 RRQ flags=D lifetime=1800 hoa=0.0.0.0 ha=198.18.2.2 coa=198.18.1.4"),
            "{text}"
        );
        assert!(
            has("FA-visited -> MN-R  MIPv4 RRP code=0 (accepted)"),
            "{text}"
        );
        assert!(has("MN-FA -> FA-visited  MIPv4 RRQ flags=T lifetime=1800 hoa=0.0.0.0 ha=198.18.2.2 coa=198.18.2.4"), "{text}");
        assert!(has("FA -> FHA  MIPv4 RRQ"), "{text}");
        assert!(has("FHA -> FA  MIPv4 RRP code=0 (accepted)"), "{text}");
        assert!(
            has("FA-visited -> MN-FA  MIPv4 RRP code=0 (accepted)"),
            "{text}"
        );
        match flow {
            "integrated" => {
                assert!(has("FHA-core -> AAA  RADIUS Access-Request"), "{text}");
                assert!(has("AAA -> FHA-core  RADIUS Access-Accept"), "{text}");
            }
            _ => {
                // §4.2.1: the NAS asks the AAAF, which proxies to the AAAH; the FHA asks the
                // AAAH itself.
                assert!(has("NAS -> AAAV  RADIUS Access-Request"), "{text}");
                assert!(has("AAAV -> AAA  RADIUS Access-Request"), "{text}");
                assert!(has("AAAV -> NAS  RADIUS Access-Accept"), "{text}");
                assert!(has("FHA-core -> AAA  RADIUS Access-Request"), "{text}");
                assert!(!has("FHA-core -> AAAV"), "{text}");
            }
        }
        assert!(has("FHA -> MN-CoA  MIPv4 RRP code=0 (accepted)"), "{text}");
        // Then the MN–FHA tunnel (userspace IP-in-IP) carries an echo from the THoAv4.
        assert!(has("MN-CoA -> FHA  IP-in-IP inner via=ipip from=198.18.2.100 inner_src=198.18.100.10 inner_dst=198.18.3.4 next_header=1 len=39 icmp_type=8"), "{text}");
        assert!(has("FHA -> MN-CoA  IP-in-IP inner via=ipip from=198.18.2.2 inner_src=198.18.3.4 inner_dst=198.18.100.10 next_header=1 len=39 icmp_type=0"), "{text}");
        for item in [
            "ipv6-hoa",
            "ipv6-home-prefix",
            "ipv6-ha-address",
            "ipv6-coa",
        ] {
            assert!(has(&format!("profile_item={item}")), "{item}: {text}");
        }
        // The Mobile IPv6 half through the tunnel: IKEv2 from the IPv6 CoA, the CFG_REPLY's
        // home address (the AAAH's, proposed by the MN), the BU and BA decrypted, on both links.
        for needle in [
            "MN-CoA -> FHA  IKEv2 IKE_SA_INIT request via=ip6in4 from=198.18.2.100 inner_src=2001:db8:32::c612:640a inner_dst=2001:db8:31::a1",
            "MN-CoA6 -> HA  IKEv2 IKE_AUTH request",
            "{INTERNAL_IP6_ADDRESS len=17 value=2001:db8:31:100::8001/64}",
            "MN-CoA -> FHA  ESP via=ip6in4 from=198.18.2.100 inner_src=2001:db8:32::c612:640a inner_dst=2001:db8:31::a1 spi=* seq=1 decrypted=yes next_header=135 {BU type=5 seq=* flags=AHK lifetime=150 hao=2001:db8:31:100::8001",
            "FHA -> MN-CoA  ESP via=ip6in4 from=198.18.2.2 inner_src=2001:db8:31::a1 inner_dst=2001:db8:32::c612:640a spi=* seq=1 decrypted=yes next_header=135 {BA type=6 status=0",
            "MN-CoA6 -> HA  ESP spi=* seq=1 decrypted=yes next_header=135 {BU",
            "HA -> MN-CoA6  ESP spi=* seq=1 decrypted=yes next_header=135 {BA type=6 status=0",
            // MN-FA's, tunnelled to the FA from its THoAv4 (RFC 3024 §5.2) and re-tunnelled.
            "198.18.100.11 -> FA-visited  ESP via=ip6in4 from=198.18.100.11 inner_src=2001:db8:32::c612:640b inner_dst=2001:db8:31::a1 spi=* seq=1 decrypted=yes next_header=135 {BU",
            "FA -> FHA  ESP via=ip6in4 from=198.18.2.4 inner_src=2001:db8:32::c612:640b inner_dst=2001:db8:31::a1 spi=* seq=1 decrypted=yes next_header=135 {BU",
            "FHA -> FA  ESP via=ip6in4 from=198.18.2.2 inner_src=2001:db8:31::a1 inner_dst=2001:db8:32::c612:640b spi=* seq=1 decrypted=yes next_header=135 {BA type=6 status=0",
            "MN-FA-CoA6 -> HA  ESP spi=* seq=1 decrypted=yes next_header=135 {BU",
            // Network access (draft §4.1.1 steps 1-3): 802.1X with the NAS, whose AAAH assigns
            // the FHA; DHCPv4 through the NAS's relay (RFC 4014 attributes, RFC 3527 link
            // selection) to Kea, whose OFFER gives the co-located CoA and the FHA in option 68.
            "NAS-access -> MN  EAPOL EAP version=2 {EAP Success id=*}",
            "RADIUS Access-Accept code=2 id=* authenticator=* {Vendor-Specific vendor=24757 {WiMAX-vHA-IP-MIP4 value=198.18.2.2}}",
            "NAS -> DHCP4  DHCPv4 DHCPDISCOVER op=1 hops=1",
            "giaddr=198.18.3.5",
            "{Relay Agent Information {Agent Circuit ID id=0x65746831} {Link Selection subnet=198.18.2.5} {RADIUS Attributes {Vendor-Specific vendor=24757 {WiMAX-vHA-IP-MIP4 value=198.18.2.2}}}}",
            "DHCPOFFER op=2 hops=1 xid=* secs=* flags=0x8000 ciaddr=0.0.0.0 yiaddr=198.18.2.100",
            "{Mobile IP Home Agent addresses=198.18.2.2}",
            // The FA and the FHA authenticate to each other (RFC 5944 §3.5.4) both ways.
            "FA -> FHA  MIPv4 RRQ flags=T",
            "{FA-HA Auth spi=1024 authenticator=*}",
            // RFC 3957: each MN asks for an MN-HA key; the AAAH's key material reaches the FHA
            // (the key hidden, the nonce clear) and each Reply carries the nonce before the
            // MN-HA authenticator made with the derived key.
            "{MN-HA KeyGen Request subtype=1 mn_spi=256}",
            "{Vendor-Specific vendor=32473 {vsa 2 len=34 value=*}}",
            "{MN-HA KeyGen Reply subtype=1 lifetime=3600 aaa_spi=2 ha_spi=256 algorithm=1 replay=2 nonce=*} {MN-HA Auth spi=256 authenticator=*}",
            // RFC 5555 at the HA: MN asks for any IPv4 home address and gets one.
            "{IPv4-HoA prefix_len=32 p=0 address=0.0.0.0}",
            "{IPv4-AddrAck status=0 status_name=Success prefix_len=32 address=198.18.200.10}",
            // RFC 5555 §4.1, §4.2: then MN moves the binding to its IPv4 CoA: BU in UDP to the
            // HA's IPv4 address, from the HoA without HAO, with the IPv4 CoA option; the BA
            // back the same way with NAT detection (no NAT); the deregistration likewise.
            "MN-CoA -> HA-access  ESP via=udp4191 from=198.18.2.100 sport=* inner_src=2001:db8:31:100::8001 inner_dst=2001:db8:31::a1 spi=* seq=2 decrypted=yes next_header=135 {BU type=5 seq=* flags=AHK lifetime=150 checksum=* checksum_ok=yes {IPv4-HoA prefix_len=32 p=0 address=198.18.200.10} {IPv4-CoA address=198.18.2.100}",
            "HA-access -> MN-CoA  ESP via=udp4191 from=198.18.2.6 sport=* inner_src=2001:db8:31::a1 inner_dst=2001:db8:31:100::8001 spi=* seq=2 decrypted=yes next_header=135 {BA type=6 status=0 status_name=Binding Update accepted flags= seq=* lifetime=150 checksum=* checksum_ok=yes {IPv4-AddrAck status=0 status_name=Success prefix_len=32 address=198.18.200.10} {NAT-Detect f=0 refresh=4294967295}",
            "MN-CoA -> HA-access  ESP via=udp4191 from=198.18.2.100 sport=* inner_src=2001:db8:31:100::8001 inner_dst=2001:db8:31::a1 spi=* seq=3 decrypted=yes next_header=135 {BU type=5 seq=* flags=AHK lifetime=0",
            "HA-access -> MN-CoA  ESP via=udp4191 from=198.18.2.6 sport=* inner_src=2001:db8:31::a1 inner_dst=2001:db8:31:100::8001 spi=* seq=3 decrypted=yes next_header=135 {BA type=6 status=0 status_name=Binding Update accepted flags= seq=* lifetime=0",
        ] {
            assert!(has(needle), "{needle}: {text}");
        }
        // RFC 3046: the relay takes option 82 out of what it delivers on the access link.
        let to_mn: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with("NAS-access -> 255.255.255.255  DHCPv4"))
            .collect();
        assert_eq!(to_mn.len(), 2, "OFFER and ACK: {text}");
        assert!(
            to_mn.iter().all(|l| !l.contains("Relay Agent Information")),
            "{to_mn:?}"
        );
        insta::assert_snapshot!(format!("dualstack_reference_{flow}"), text);
    }
}

/// A recording's setup frames on `link` (its `record.json`).
fn setup_frames(dir: &std::path::Path, link: &str) -> u64 {
    let text = std::fs::read_to_string(dir.join("record.json")).unwrap();
    let record: serde_json::Value = serde_json::from_str(&text).unwrap();
    record["pcaps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["file"] == format!("{link}.pcap").as_str())
        .and_then(|p| p["setup_frames"].as_u64())
        .unwrap()
}
