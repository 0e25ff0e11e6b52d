//! `mip6lab record record-dualstack`: the dual-stack scenario run by the reference MNs, FA, FHA
//! and HA around FreeRADIUS, as `just record-dualstack` runs it; each link decoded by
//! `mip6lab decode` with the MNs' keys. The co-located MN gets network access from the NAS
//! (802.1X, then DHCPv4 through its relay: the co-located CoA and the FHA the AAA assigned),
//! registers with that FHA, pings through
//! the MN–FHA tunnel, and does IKEv2 and BU/BA with the HA from the Reply's IPv6 CoA through
//! it; the MN behind the foreign agent does the same through a reverse tunnel in RFC 3024's
//! Encapsulating Delivery Style, which the FA re-tunnels to the FHA. A wrong MN-AAA key is the
//! control: the FHA denies that MN's registration and nothing of it reaches the HA.

mod common;
use common::fresh_dir;
use std::path::Path;

/// Records one run of the topology into `out`.
fn record(out: &Path, env: &[&str]) -> (Option<i32>, String) {
    common::record("record-dualstack", out, env)
}

/// The transcript of one link, decrypted with the MN's keys.
fn transcript(out: &Path, link: &str) -> String {
    common::transcript("record-dualstack", out, link, &["mn", "mn-fa"])
}

#[test]
// Not a skip: ignored only under plain `cargo test` because it needs Docker; `just test`
// and CI run it with --include-ignored, where a missing prerequisite fails it.
#[ignore = "needs Docker: run with --include-ignored (just test)"]
fn the_dualstack_flows_record_with_the_reference_roles() {
    let base = fresh_dir("record-dualstack");

    let ok = base.join("integrated");
    let (code, log) = record(&ok, &[]);
    assert_eq!(code, Some(0), "{log}");
    let access = transcript(&ok, "access");
    for needle in [
        // Network access first: 802.1X with the NAS, then DHCPv4 through its relay, the
        // co-located CoA and the FHA (option 68) from Kea.
        "NAS-access -> MN  EAPOL EAP version=2 {EAP Success id=*}",
        "yiaddr=198.18.2.100",
        "{Mobile IP Home Agent addresses=198.18.2.2}",
        "198.18.2.100 -> FHA  MIPv4 RRQ flags=D lifetime=1800 hoa=0.0.0.0 ha=198.18.2.2 coa=198.18.2.100",
        "FHA -> 198.18.2.100  MIPv4 RRP code=0 (accepted)",
        "FHA -> FA  MIPv4 RRP code=0 (accepted)",
        // RFC 3957: the Reply's nonce, then MN-HA with the key both derive.
        "{MN-HA KeyGen Reply subtype=1 lifetime=3600 aaa_spi=2 ha_spi=256 algorithm=1 replay=2 nonce=*} {MN-HA Auth spi=256 authenticator=*}",
        // The echo through the tunnel, then the Mobile IPv6 half inside IPv6-in-IPv4.
        "FHA -> 198.18.2.100  IP-in-IP inner via=ipip from=198.18.2.2 inner_src=198.18.3.4 inner_dst=198.18.100.10",
        "198.18.2.100 -> FHA  IKEv2 IKE_AUTH request via=ip6in4",
        "198.18.2.100 -> FHA  ESP via=ip6in4 from=198.18.2.100 inner_src=2001:db8:32::c612:640a inner_dst=2001:db8:31::a1 spi=* seq=1 decrypted=yes next_header=135 {BU",
        "FHA -> 198.18.2.100  ESP via=ip6in4 from=198.18.2.2 inner_src=2001:db8:31::a1 inner_dst=2001:db8:32::c612:640a spi=* seq=1 decrypted=yes next_header=135 {BA type=6 status=0",
    ] {
        assert!(access.contains(needle), "{needle}\n{access}");
    }
    // Through the FA: tunnelled from the THoAv4 to the FA, which re-tunnels from its CoA.
    let visited = transcript(&ok, "visited");
    for needle in [
        "MN-FA -> FA-visited  MIPv4 RRQ flags=T",
        // The co-located MN behind the FA's R bit registers through the FA.
        "MN-R -> FA-visited  MIPv4 RRQ flags=D",
        "FA-visited -> MN-R  MIPv4 RRP code=0 (accepted)",
        "{Encapsulating Delivery Style",
        "198.18.100.11 -> FA-visited  ESP via=ip6in4 from=198.18.100.11 inner_src=2001:db8:32::c612:640b inner_dst=2001:db8:31::a1 spi=* seq=1 decrypted=yes next_header=135 {BU",
        "FA-visited -> 198.18.100.11  ESP via=ip6in4 from=198.18.1.2 inner_src=2001:db8:31::a1 inner_dst=2001:db8:32::c612:640b spi=* seq=1 decrypted=yes next_header=135 {BA type=6 status=0",
    ] {
        assert!(visited.contains(needle), "{needle}\n{visited}");
    }
    assert!(
        access
            .contains("FA -> FHA  ESP via=ip6in4 from=198.18.2.4 inner_src=2001:db8:32::c612:640b"),
        "{access}"
    );
    assert!(
        !access.contains("FA -> FHA  MIPv4 RRQ flags=T lifetime=1800 hoa=0.0.0.0 ha=198.18.2.2 coa=198.18.2.4 id=* {NAI value=\"mn-ds2@example.com\"} {Generalized Auth subtype=1 (MN-AAA) spi=2 authenticator=*} {Encapsulating"),
        "the FA consumes the extension (RFC 3024 §3.3)"
    );
    let home = transcript(&ok, "home");
    assert!(
        home.contains(
            "HA -> MN-CoA6  ESP spi=* seq=1 decrypted=yes next_header=135 {BA type=6 status=0"
        ),
        "{home}"
    );
    // RFC 5555: MN asked for an IPv4 home address in its BU and the HA's BA granted one.
    assert!(
        home.contains(
            "{IPv4-AddrAck status=0 status_name=Success prefix_len=32 address=198.18.200.10}"
        ),
        "{home}"
    );
    // RFC 5555 §4.1: the move to the IPv4 CoA, BU and BA in UDP 4191 on the access link.
    for needle in [
        "198.18.2.100 -> HA-access  ESP via=udp4191 from=198.18.2.100 sport=* inner_src=2001:db8:31:100::8001 inner_dst=2001:db8:31::a1 spi=* seq=2 decrypted=yes next_header=135 {BU type=5 seq=* flags=AHK lifetime=150 checksum=* checksum_ok=yes {IPv4-HoA prefix_len=32 p=0 address=198.18.200.10} {IPv4-CoA address=198.18.2.100}",
        "HA-access -> 198.18.2.100  ESP via=udp4191 from=198.18.2.6 sport=* inner_src=2001:db8:31::a1 inner_dst=2001:db8:31:100::8001 spi=* seq=2 decrypted=yes next_header=135 {BA type=6 status=0",
    ] {
        assert!(access.contains(needle), "{needle}\n{access}");
    }
    // Userspace tunnels leak no ICMP errors on any link.
    for link in ["access", "visited", "core", "home"] {
        let read = mip6lab_capture::read_file(&ok.join(format!("{link}.pcap"))).unwrap();
        let record: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(ok.join("record.json")).unwrap())
                .unwrap();
        let setup = record["pcaps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["file"] == format!("{link}.pcap").as_str())
            .and_then(|p| p["setup_frames"].as_u64())
            .unwrap();
        let leaked = mip6lab_capture::dissect::icmp_errors(&read.frames, setup);
        assert!(leaked.is_empty(), "{link}: {leaked:?}");
    }
    // The HA granted the home address the AAAH gave in the Reply.
    assert!(
        home.contains("{INTERNAL_IP6_ADDRESS len=17 value=2001:db8:31:100::8001/64}"),
        "{home}"
    );

    // The control: the FHA's AAA check fails for MN, its Reply denies, and no IKEv2 of its
    // goes anywhere (MN-FA, unchanged, still registers and binds).
    let denied = base.join("denied");
    let (code, log) = record(&denied, &["mn:MIP6LAB_MN_AAA_KEY=not-the-key"]);
    assert_ne!(code, Some(0), "{log}");
    let access = transcript(&denied, "access");
    assert!(
        access.contains("FHA -> 198.18.2.100  MIPv4 RRP code="),
        "{access}"
    );
    assert!(
        !access.contains("FHA -> 198.18.2.100  MIPv4 RRP code=0"),
        "{access}"
    );
    assert!(!access.contains("198.18.2.100 -> FHA  IKEv2"), "{access}");
    assert!(access.contains("FA -> FHA  IKEv2"), "{access}");
    // (The pool's first THoAv4, and so the IPv6 CoA named MN-CoA6, is MN-FA's this time.)
    let home = transcript(&denied, "home");
    assert!(!home.contains("id=mn1.example.com"), "{home}");
    assert!(
        home.contains("{IDi id_type=2 id=mn2.example.com}"),
        "{home}"
    );
}
