//! Mobile IPv4 dissector: a synthetic pcap of registration messages and agent discovery
//! decoded into transcript lines; malformed and not-understood messages stay visible.

use mip6lab_capture::dissect::mip4::{dissect_agent, dissect_registration};
use mip6lab_capture::{decode_frames, read_file, Decoded, Endpoints};
use std::net::IpAddr;
use support::mip4::{all_messages, write_pcap, Msg, FA, HA, MN};

mod support;

fn endpoints() -> Endpoints {
    let mut e = Endpoints::default();
    e.insert(IpAddr::V4(MN), "MN");
    e.insert(IpAddr::V4(FA), "FA");
    e.insert(IpAddr::V4(HA), "HA");
    e
}

fn pcap_text(msgs: &[Msg], name: &str) -> String {
    let dir = std::env::temp_dir().join(format!("mip6lab-mip4-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("mip4.pcap");
    write_pcap(&path, msgs);
    let frames = read_file(&path).unwrap().frames;
    std::fs::remove_dir_all(&dir).unwrap();
    decode_frames(&frames, &endpoints()).to_text()
}

#[test]
fn a_registration_and_agent_discovery_pcap_reads_as_transcript_lines() {
    let text = pcap_text(&all_messages(), "std");
    let want = [
        "MN -> FA  MIPv4 RRQ flags=ST lifetime=1800 hoa=0.0.0.0 ha=192.0.2.1 coa=198.51.100.1 \
         id=* {NAI value=\"mn@example.com\"} {MN-HA Auth spi=256 authenticator=*}",
        "MN -> HA  MIPv4 RRQ flags=DG lifetime=0 hoa=192.0.2.100 ha=255.255.255.255 \
         coa=198.51.100.2 id=* {NAI value=\"mn2@example.com\"} \
         {CVSE vendor=5535 vendor_type=1 value=0xcafe} \
         {NVSE vendor=24757 vendor_type=3 value=0x010203} \
         {Dynamic HA subtype=2 (redirected) address=192.0.2.1 form=short} \
         {MN-FA Challenge value=*} {ext 200 data=0x09} {MN-HA Auth spi=300 authenticator=*} \
         {Generalized Auth subtype=1 (MN-AAA) spi=3 authenticator=*}",
        "HA -> FA  MIPv4 RRP code=0 (accepted) lifetime=1200 hoa=192.0.2.100 ha=192.0.2.1 \
         id=* {NAI value=\"mn@example.com\"} {MN-HA Auth spi=256 authenticator=*}",
        "FA -> 224.0.0.1  MIPv4 AgentAdv code=16 lifetime=1800 routers=198.51.100.1 \
         checksum=* checksum_ok=yes {Mobility Agent Advertisement seq=* reg_lifetime=600 \
         flags=RFT coa=198.51.100.1} {Prefix-Lengths value=24} {Challenge value=*} {Padding}",
        "MN -> 224.0.0.2  MIPv4 AgentSol checksum=* checksum_ok=yes",
        "MN -> HA  MIPv4 RRQ lifetime=600 hoa=0.0.0.0 ha=0.0.0.0 coa=198.51.100.1 id=* \
         {NAI value=\"mn3@example.com\"} {MN-HA KeyGen Request subtype=1 mn_spi=257} \
         {Dynamic HA subtype=1 (requested) address=192.0.2.1} \
         {MN-HA Auth spi=256 authenticator=*}",
    ];
    assert_eq!(text, want.join("\n") + "\n");
}

#[test]
fn unreadable_and_not_understood_messages_are_reported() {
    let mut truncated = support::mip4::request().to_bytes().unwrap();
    truncated.extend_from_slice(&[131, 9, b'm']);
    let mut critical = support::mip4::reply().to_bytes().unwrap();
    critical.extend_from_slice(&[100, 1, 0]);
    let mut bad_sum = support::mip4::advertisement().to_bytes().unwrap();
    bad_sum[2] ^= 0xff;
    let msgs = [
        Msg::Udp {
            src: MN,
            dst: FA,
            payload: truncated,
        },
        Msg::Udp {
            src: HA,
            dst: FA,
            payload: critical,
        },
        Msg::Udp {
            src: MN,
            dst: HA,
            payload: vec![4, 0, 0, 0, 17],
        },
        Msg::Icmp {
            src: FA,
            dst: MN,
            ttl: 1,
            icmp: bad_sum,
        },
        Msg::Icmp {
            src: FA,
            dst: MN,
            ttl: 1,
            icmp: vec![9, 0, 0, 0, 3, 2, 0, 0],
        },
        // Shorter than ICMP's 8 octets: etherparse cannot slice it, the frame is an error.
        Msg::Icmp {
            src: FA,
            dst: MN,
            ttl: 1,
            icmp: vec![9, 0, 0, 0, 3, 2],
        },
    ];
    let lines: Vec<String> = pcap_text(&msgs, "bad").lines().map(str::to_owned).collect();
    assert_eq!(lines.len(), 6, "{lines:#?}");
    assert_eq!(
        lines[0],
        "MN -> FA  MIPv4 malformed: extension 131: Length 9 runs past the message \
         (1 octets left) at offset 41"
    );
    assert!(lines[1].contains("RRP code=0 (accepted)") && lines[1].contains("discard=100"));
    assert!(lines[1].ends_with("{ext 100 data=0x00}"), "{}", lines[1]);
    assert_eq!(lines[2], "MN -> HA  MIPv4 type 4 len=5");
    assert!(lines[3].contains("AgentAdv") && lines[3].contains("checksum_ok=no"));
    assert_eq!(
        lines[4],
        "FA -> MN  MIPv4 malformed: 3 router entries of 2 words need 32 octets, 8 present \
         at offset 8"
    );
    assert!(lines[5].starts_with("! frame 6: "), "{}", lines[5]);
}

#[test]
fn dissectors_never_panic_on_short_input() {
    for n in 0..40 {
        let b: Vec<u8> = (0..n as u8).collect();
        for first in [1u8, 3, 9, 10] {
            let mut b = b.clone();
            if let Some(x) = b.first_mut() {
                *x = first;
            }
            let _ = dissect_registration(&b);
            let _ = dissect_agent(&b);
        }
    }
    assert!(matches!(
        dissect_registration(&[]),
        Decoded::Malformed { .. }
    ));
}

/// The dual-stack profile (fixtures/profiles/dualstack.toml) names the vendor extensions it
/// places: NVSE 134, organization 32473, vendor type 1 is the RRP's IPv6 home address.
#[test]
fn a_profile_item_is_named_and_its_address_shown() {
    use mip6lab_wire::mip4::{Extension, Repr, VendorExtension};
    let mut reply = support::mip4::reply();
    let Repr::Reply(r) = &mut reply else {
        unreachable!("a reply")
    };
    let hoa: std::net::Ipv6Addr = "2001:db8:31:100::1".parse().unwrap();
    r.extensions.push(Extension::Nvse(VendorExtension {
        reserved: 0,
        vendor_id: 32473,
        vendor_type: 1,
        value: hoa.octets().to_vec(),
    }));
    let Decoded::Message(part) = dissect_registration(&reply.to_bytes().unwrap()) else {
        panic!("the reply decodes")
    };
    let text = part.render();
    assert!(
        text.contains("{NVSE vendor=32473 vendor_type=1 value=0x20010db8003101000000000000000001 profile_item=ipv6-hoa address=2001:db8:31:100::1}"),
        "{text}"
    );
}
