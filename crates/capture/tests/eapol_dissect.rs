//! EAPOL frames in transcripts: an IEEE 802.1X EAP-MD5 exchange between a supplicant (the
//! MN) and a pass-through authenticator (the NAS), built with `mip6lab_wire`'s emitters into
//! a pcap in memory, decoded and snapshotted; a frame that does not parse goes to the errors.

use etherparse::PacketBuilder;
use mip6lab_capture::dissect::eapol::{mac_address, mac_of};
use mip6lab_capture::{decode_frames, read_bytes, Decoded, Endpoints, Transcript};
use mip6lab_wire::eap;
use mip6lab_wire::eapol::{self, packet_type, Repr, PAE_GROUP_ADDRESS};
use pcap_file::pcap::{PcapHeader, PcapPacket, PcapWriter};
use pcap_file::DataLink;
use std::net::IpAddr;
use std::time::Duration;

/// The lab's scheme: 02:42 and the node's IPv4 address.
const MN: [u8; 6] = [0x02, 0x42, 0xc6, 0x33, 0x64, 0x8a];
const NAS: [u8; 6] = [0x02, 0x42, 0xc6, 0x33, 0x64, 0x81];
const STRANGER: [u8; 6] = [0x0a, 0, 0, 0, 0, 1];

fn ethernet(dst: [u8; 6], src: [u8; 6], pdu: &[u8]) -> Vec<u8> {
    let mut f = [&dst[..], &src[..], &eapol::ETHERTYPE.to_be_bytes()[..], pdu].concat();
    // What a NIC does to a short frame (without the FCS).
    if f.len() < 60 {
        f.resize(60, 0);
    }
    f
}

fn eap_pdu(version: u8, e: eap::Repr) -> Vec<u8> {
    Repr::with_eap(version, &e).unwrap().to_bytes().unwrap()
}

fn frames() -> Vec<Vec<u8>> {
    let challenge = eap::Md5Challenge {
        value: vec![0x5a; 16],
        name: b"aaah".to_vec(),
    };
    let request = eap::Repr::request(2, eap::method::MD5_CHALLENGE, challenge.to_bytes().unwrap());
    let response = eap::answer_md5_challenge(&request, b"mn1-access-secret", b"").unwrap();
    let identity = &b"mn1-access@example.com"[..];
    vec![
        ethernet(
            PAE_GROUP_ADDRESS,
            MN,
            &Repr::empty(1, packet_type::START).to_bytes().unwrap(),
        ),
        ethernet(
            MN,
            NAS,
            &eap_pdu(2, eap::Repr::request(1, eap::method::IDENTITY, vec![])),
        ),
        ethernet(
            NAS,
            MN,
            &eap_pdu(1, eap::Repr::response(1, eap::method::IDENTITY, identity)),
        ),
        ethernet(MN, NAS, &eap_pdu(2, request)),
        ethernet(NAS, MN, &eap_pdu(1, response)),
        ethernet(MN, NAS, &eap_pdu(2, eap::Repr::success(2))),
        ethernet(
            PAE_GROUP_ADDRESS,
            MN,
            &Repr::empty(1, packet_type::LOGOFF).to_bytes().unwrap(),
        ),
        // An EAPOL-Key from an unnamed station, body raw.
        ethernet(PAE_GROUP_ADDRESS, STRANGER, &[2, 3, 0, 3, 1, 2, 3]),
        // Packet Body Length 200 with 2 octets present (no padding: a capture on the sender).
        [
            &PAE_GROUP_ADDRESS[..],
            &MN[..],
            &eapol::ETHERTYPE.to_be_bytes()[..],
            &[2, 0, 0, 200, 1, 2],
        ]
        .concat(),
        // An EAP packet that does not fill the body it is in.
        ethernet(NAS, MN, &[1, 0, 0, 6, 2, 1, 0, 5, 1, 0xee]),
    ]
}

fn pcap(frames: &[Vec<u8>]) -> Vec<u8> {
    let header = PcapHeader {
        datalink: DataLink::ETHERNET,
        ..Default::default()
    };
    let mut w = PcapWriter::with_header(Vec::new(), header).unwrap();
    for (i, f) in frames.iter().enumerate() {
        w.write_packet(&PcapPacket::new(
            Duration::from_millis(10 * i as u64),
            f.len() as u32,
            f,
        ))
        .unwrap();
    }
    w.into_writer()
}

fn transcript() -> Transcript {
    let mut e = Endpoints::default();
    // The MN by the IPv4 address its MAC carries, the NAS by its MAC.
    e.insert("198.51.100.138".parse::<IpAddr>().unwrap(), "MN");
    e.insert_mac(&NAS, "NAS");
    let read = read_bytes("eapol.pcap", &pcap(&frames())).unwrap();
    assert!(read.error.is_none());
    decode_frames(&read.frames, &e)
}

#[test]
fn an_eap_md5_authentication_over_eapol() {
    let t = transcript();
    assert_eq!(t.entries.len(), 8);
    assert_eq!(t.errors.len(), 2, "{:?}", t.errors);
    assert_eq!(t.housekeeping, 0);
    let start = &t.entries[0];
    assert_eq!(
        (start.src.as_str(), start.dst.as_str()),
        ("MN", "PAE-group")
    );
    assert_eq!(mac_of(&start.src_addr), Some(MN));
    assert_eq!(start.dst_addr, mac_address(&PAE_GROUP_ADDRESS));
    let Decoded::Message(m) = &t.entries[2].decoded else {
        panic!("{:?}", t.entries[2])
    };
    assert_eq!(
        m.children[0].get("identity"),
        Some("\"mn1-access@example.com\"")
    );
    // Errors name the frame and the offset in the EAPOL PDU.
    assert_eq!(t.errors[0].0, 9);
    assert!(t.errors[0].1.contains("at offset 2"), "{}", t.errors[0].1);
    assert_eq!(t.errors[1].0, 10);
    assert!(t.errors[1].1.contains("at offset 9"), "{}", t.errors[1].1);
    insta::assert_snapshot!("eapol_md5_exchange", t.to_text());
}

#[test]
fn frames_without_eapol_keep_their_old_reading() {
    // An Ethernet frame of another non-IP type stays link housekeeping.
    let arp = [&[0xff; 6][..], &MN[..], &[0x08, 0x06], &[0; 28]].concat();
    let ipv6 = {
        let b = PacketBuilder::ethernet2(MN, NAS)
            .ipv6(
                [0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
                [0xff; 16],
                64,
            )
            .udp(1, 2);
        let mut f = Vec::new();
        b.write(&mut f, &[1, 2, 3]).unwrap();
        f
    };
    let read = read_bytes("x.pcap", &pcap(&[arp, ipv6])).unwrap();
    let t = decode_frames(&read.frames, &Endpoints::default());
    assert_eq!(t.housekeeping, 1);
    assert_eq!(t.entries.len(), 1);
    assert_eq!(t.entries[0].src, "2001:db8::1");
}
