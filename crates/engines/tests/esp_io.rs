//! The ESP driver for MH over ESP (ikev2::esp_io) on loopback `::1`: a BU with HAO and a BA
//! with RH2 on the wire (read back with the AF_PACKET tap, since a kernel without MIPv6
//! drops both before raw-socket delivery), plain ESP through two raw ESP sockets, sequence
//! numbers, a replayed and a tampered packet.
//!
//! Needs CAP_NET_RAW (root in the lab machines and CI; no Docker): every run of these tests
//! uses raw sockets, and a missing capability is a failure that says so, never a skip.
#![cfg(target_os = "linux")]

use mip6lab_engines::ikev2::{ChildSa, EspSuite};
use mip6lab_engines_io::ikev2::esp_io::{
    ipv6_packet, EspSocket, InboundSa, InboundSas, MhFlow, OutboundSa, PacketTap, RecvError,
    RthdrPath, Via,
};
use mip6lab_wire::crypto::{ChildKeys, Prf};
use mip6lab_wire::esp::Replay;
use mip6lab_wire::ipv6ext;
use mip6lab_wire::mh;
use std::io;
use std::net::Ipv6Addr;
use std::time::Duration;

const T: Duration = Duration::from_secs(2);
const LO: Ipv6Addr = Ipv6Addr::LOCALHOST;

fn hoa() -> Ipv6Addr {
    "2001:db8:1::100".parse().unwrap()
}

/// MN and HA halves of one Child SA (MN = initiator).
fn pair(suite: EspSuite, spi_base: u32) -> (ChildSa, ChildSa) {
    let k = ChildKeys::derive(
        Prf::HmacSha256,
        &[0x11; 32],
        None,
        &[1; 32],
        &[2; 32],
        suite.encr,
        suite.integ,
    )
    .unwrap();
    let (mn_in, ha_in) = (spi_base + 1, spi_base + 2);
    let mn = ChildSa {
        inbound_spi: mn_in,
        outbound_spi: ha_in,
        inbound: k.responder.clone(),
        outbound: k.initiator.clone(),
        tsi: vec![],
        tsr: vec![],
        transport: true,
        rekeyed: None,
    };
    let ha = ChildSa {
        inbound_spi: ha_in,
        outbound_spi: mn_in,
        inbound: k.initiator,
        outbound: k.responder,
        tsi: vec![],
        tsr: vec![],
        transport: true,
        rekeyed: None,
    };
    (mn, ha)
}

fn sas(c: &ChildSa) -> InboundSas {
    let mut s = InboundSas::new();
    s.insert(InboundSa::from_child(c));
    s
}

/// Raw sockets need CAP_NET_RAW; without it the test fails and says so.
fn permitted<T>(r: io::Result<T>, what: &str) -> T {
    match r {
        Ok(v) => v,
        Err(e) if e.kind() == io::ErrorKind::PermissionDenied => panic!(
            "{what}: {e} — raw sockets (AF_INET6/SOCK_RAW/50, AF_PACKET) need CAP_NET_RAW (run as root)"
        ),
        Err(e) => panic!("{what}: {e}"),
    }
}

fn bu(seq: u16) -> mh::Repr {
    mh::Repr::build(
        mh::MhMessage::Bu(mh::BindingUpdate {
            seq,
            flags: mh::BuFlags(mh::BuFlags::A | mh::BuFlags::H | mh::BuFlags::K),
            reserved: 0,
            lifetime: 100,
        }),
        &[],
    )
}

fn ba(seq: u16) -> mh::Repr {
    mh::Repr::build(
        mh::MhMessage::Ba(mh::BindingAck {
            status: mh::ba_status::ACCEPTED,
            flags: mh::BaFlags(mh::BaFlags::K),
            seq,
            lifetime: 100,
        }),
        &[],
    )
}

/// BU with HAO (MN → HA) and BA with RH2 (HA → MN) on the wire, read back from `lo`.
async fn hao_and_rh2(suite: EspSuite, spi_base: u32) {
    let mut tap = permitted(PacketTap::open("lo"), "AF_PACKET tap on lo");
    let mn = permitted(EspSocket::open(Some(LO)), "raw ESP socket");
    let mut ha = EspSocket::open(Some(LO)).unwrap();
    let (mn_sa, ha_sa) = pair(suite, spi_base);
    let (mut mn_out, mut ha_out) = (
        OutboundSa::from_child(&mn_sa),
        OutboundSa::from_child(&ha_sa),
    );
    let (mut mn_in, mut ha_in) = (sas(&mn_sa), sas(&ha_sa));
    let iv = vec![0x42; mn_sa.outbound.encr.iv_len()];

    // MN → HA: BU from the care-of address ::1 with HAO = home address.
    let flow = MhFlow::bu_from_care_of(LO, LO, hoa());
    let sent = mn
        .send_message(&mut mn_out, &bu(7), &flow, &iv, T)
        .await
        .unwrap();
    assert_eq!(
        (sent.spi, sent.seq, sent.rthdr),
        (ha_sa.inbound_spi, 1, None)
    );
    let got = tap.recv(&mut ha_in, T).await.unwrap();
    assert_eq!(got.via, Via::Tap);
    // IPV6_DSTOPTS went after any RH, right before ESP: IPv6 → DestOpt(HAO) → ESP.
    assert_eq!(got.ext_headers, vec![ipv6ext::DESTINATION_OPTIONS]);
    assert_eq!(got.hao, Some(hoa()));
    assert_eq!((got.src, got.dst), (LO, Some(LO)));
    assert_eq!((got.spi, got.seq), (ha_sa.inbound_spi, 1));
    assert_eq!(
        got.checksum_ok,
        Some(true),
        "MH checksum with the HoA as source"
    );
    let mh::MhMessage::Bu(b) = got.repr.message else {
        panic!("not a BU: {:?}", got.repr)
    };
    assert_eq!(b.seq, 7);
    // What the raw ESP socket of the HA saw: nothing on a kernel without CONFIG_IPV6_MIP6
    // (the unknown option 0xC9 makes it drop the packet), the BU with its HAO on one with.
    match ha.recv(&mut sas(&ha_sa), Duration::from_millis(300)).await {
        Err(RecvError::TimedOut) => {
            eprintln!("kernel: BU with HAO not delivered to the raw ESP socket (no MIPv6)")
        }
        Ok(r) => {
            eprintln!("kernel: BU with HAO delivered to the raw ESP socket");
            assert_eq!(r.hao, Some(hoa()));
        }
        Err(e) => panic!("raw socket: {e}"),
    }

    // HA → MN: BA to the care-of address with RH2 = home address.
    let flow = MhFlow::ba_to_care_of(LO, LO, hoa());
    let iv = vec![0x24; ha_sa.outbound.encr.iv_len()];
    let sent = ha
        .send_message(&mut ha_out, &ba(7), &flow, &iv, T)
        .await
        .unwrap();
    eprintln!("RH2 sent via {:?}", sent.rthdr);
    // Without CONFIG_IPV6_MIP6 the kernel refuses IPV6_RTHDR type 2 (EINVAL) and the
    // driver writes the headers itself on an IPV6_HDRINCL socket.
    let want = if ha.kernel_refuses_rh2() {
        RthdrPath::HdrIncl
    } else {
        RthdrPath::Cmsg
    };
    assert_eq!(sent.rthdr, Some(want));
    assert_eq!(sent.seq, 1);
    let got = tap.recv(&mut mn_in, T).await.unwrap();
    assert_eq!(got.ext_headers, vec![ipv6ext::ROUTING]);
    let rh2 = got.rh2.expect("RH2 on the wire");
    assert_eq!((rh2.home_address, rh2.segments_left), (hoa(), 1));
    assert_eq!(got.dst, Some(LO), "IPv6 destination = care-of address");
    assert_eq!((got.spi, got.seq), (mn_sa.inbound_spi, 1));
    assert_eq!(
        got.checksum_ok,
        Some(true),
        "MH checksum with the HoA as destination"
    );
    assert!(matches!(got.repr.message, mh::MhMessage::Ba(a) if a.seq == 7 && a.status == 0));

    // A BA from a source that is not ours: the kernel's EINVAL is reported, not hidden by
    // the IPV6_HDRINCL path (which would forge the source), and no sequence number is lost
    // silently (it is consumed: gaps are allowed).
    let not_ours = MhFlow::ba_to_care_of("2001:db8:ffff::1".parse().unwrap(), LO, hoa());
    let e = ha
        .send_message(&mut ha_out, &ba(7), &not_ours, &iv, T)
        .await
        .unwrap_err();
    assert_eq!(
        e.kind(),
        io::ErrorKind::InvalidInput,
        "EINVAL expected: {e}"
    );
    assert_eq!(ha_out.next_seq, 3);

    // The next BU carries ESP sequence number 2; its replay is refused.
    let flow = MhFlow::bu_from_care_of(LO, LO, hoa());
    let sent = mn
        .send_message(&mut mn_out, &bu(8), &flow, &iv, T)
        .await
        .unwrap();
    assert_eq!(sent.seq, 2);
    let got = tap.recv(&mut ha_in, T).await.unwrap();
    assert_eq!(got.seq, 2);
    assert!(matches!(got.repr.message, mh::MhMessage::Bu(b) if b.seq == 8));
    mn.send_esp(&sent.esp, &flow, T).await.unwrap();
    match tap.recv(&mut ha_in, T).await {
        Err(RecvError::Replay { seq: 2, why, .. }) => assert_eq!(why, Replay::Duplicate),
        other => panic!("replayed BU not refused: {other:?}"),
    }
}

#[tokio::test]
async fn bu_hao_ba_rh2_on_wire_cbc() {
    hao_and_rh2(EspSuite::AES128_SHA256, 0x1000_0000).await;
}

#[tokio::test]
async fn bu_hao_ba_rh2_on_wire_gcm() {
    hao_and_rh2(EspSuite::AES128GCM16, 0x2000_0000).await;
}

/// Plain `IPv6 → ESP` between two raw ESP sockets: delivered by a kernel without an ESP
/// handler; sequence numbers, replay and tampering.
#[tokio::test]
async fn raw_sockets_sequence_replay_tamper() {
    let mn = permitted(EspSocket::open(Some(LO)), "raw ESP socket");
    let mut ha = EspSocket::open(Some(LO)).unwrap();
    let (mn_sa, ha_sa) = pair(EspSuite::AES128_SHA256, 0x3000_0000);
    let mut mn_out = OutboundSa::from_child(&mn_sa);
    let mut ha_in = sas(&ha_sa);
    let iv = vec![0x42; 16];
    let flow = MhFlow::plain(LO, LO);

    let first = mn
        .send_message(&mut mn_out, &bu(1), &flow, &iv, T)
        .await
        .unwrap();
    let got = ha.recv(&mut ha_in, T).await.unwrap();
    assert_eq!(got.via, Via::RawSocket);
    assert_eq!(
        (got.src, got.dst),
        (LO, Some(LO)),
        "source and IPV6_PKTINFO"
    );
    assert_eq!((got.seq, got.hao, got.rh2), (1, None, None));
    assert!(got.ext_headers.is_empty());
    assert_eq!(got.checksum_ok, Some(true));
    assert_eq!(got.payload, first.mh);
    assert!(matches!(got.repr.message, mh::MhMessage::Bu(b) if b.seq == 1));

    let second = mn
        .send_message(&mut mn_out, &bu(2), &flow, &iv, T)
        .await
        .unwrap();
    assert_eq!(second.seq, 2);
    let got = ha.recv(&mut ha_in, T).await.unwrap();
    assert_eq!(got.seq, 2);

    // Replay of packet 1.
    mn.send_esp(&first.esp, &flow, T).await.unwrap();
    match ha.recv(&mut ha_in, T).await {
        Err(RecvError::Replay { seq: 1, why, .. }) => assert_eq!(why, Replay::Duplicate),
        other => panic!("replay not refused: {other:?}"),
    }
    // A flipped ciphertext bit with a fresh sequence number: ICV failure, window untouched.
    let mut bad = mn
        .send_message(&mut mn_out, &bu(3), &flow, &iv, T)
        .await
        .unwrap()
        .esp;
    assert_eq!(mn_out.next_seq, 4);
    let _ = ha.recv(&mut ha_in, T).await.unwrap(); // seq 3, genuine
    bad[4..8].copy_from_slice(&9u32.to_be_bytes());
    mn.send_esp(&bad, &flow, T).await.unwrap();
    match ha.recv(&mut ha_in, T).await {
        Err(RecvError::Integrity { seq: 9, .. }) => {}
        other => panic!("tampered packet not refused: {other:?}"),
    }
    assert_eq!(ha_in.get(ha_sa.inbound_spi).unwrap().window.top, 3);
    // Nothing else waiting: the wait is bounded.
    assert!(matches!(
        ha.recv(&mut ha_in, Duration::from_millis(100)).await,
        Err(RecvError::TimedOut)
    ));
}

/// The raw socket's ancillary-data path for the RH2 (`IPV6_RECVRTHDR`). A kernel without
/// MIPv6 drops an RH2 with Segments Left 1 (unknown routing type) but delivers one with
/// Segments Left 0, so this hand-made packet (IPV6_HDRINCL) has 0: the header comes back in
/// ancillary data and the MH checksum is checked against its home address.
#[tokio::test]
async fn raw_socket_rh2_from_ancillary_data() {
    let ha = permitted(EspSocket::open(Some(LO)), "raw ESP socket");
    let mut mn = EspSocket::open(Some(LO)).unwrap();
    let (mn_sa, ha_sa) = pair(EspSuite::AES128GCM16, 0x4000_0000);
    let mut ha_out = OutboundSa::from_child(&ha_sa);
    let mut mn_in = sas(&mn_sa);
    let flow = MhFlow::ba_to_care_of(LO, LO, hoa());
    let (cs, cd) = flow.checksum_addrs();
    assert_eq!((cs, cd), (LO, hoa()));
    let mh_bytes = ba(9).to_bytes_with_checksum(&cs, &cd).unwrap();
    let seq = ha_out.take_seq().unwrap();
    let esp =
        mip6lab_wire::esp::encapsulate(ha_out.spi, seq, 135, &mh_bytes, &[7; 8], &ha_out.keys)
            .unwrap();
    let mut pkt = ipv6_packet(&flow, &esp).unwrap();
    assert_eq!(
        (pkt[6], pkt[40 + 2], pkt[40 + 3]),
        (43, 2, 1),
        "IPv6 → RH2(SL 1)"
    );
    pkt[40 + 3] = 0; // Segments Left 0: delivered by a kernel without MIPv6
    ha.send_ipv6(&pkt, T).await.unwrap();
    let got = mn.recv(&mut mn_in, T).await.unwrap();
    assert_eq!(got.via, Via::RawSocket);
    assert_eq!(got.ext_headers, vec![ipv6ext::ROUTING]);
    let rh2 = got.rh2.expect("RH2 from IPV6_RECVRTHDR");
    assert_eq!((rh2.home_address, rh2.segments_left), (hoa(), 0));
    assert_eq!(got.checksum_ok, Some(true));
    assert!(matches!(got.repr.message, mh::MhMessage::Ba(a) if a.seq == 9));
}

/// Mobile Prefix Discovery over ESP on `lo`: an MPS with HAO (MN → HA) and an MPA with RH2
/// (HA → MN), read back with `recv_any`; an MH receiver refuses the ICMPv6 (not MH), and
/// the ICMPv6 checksum is over the HoA as source / final destination.
#[tokio::test]
async fn mps_hao_mpa_rh2_on_wire() {
    use mip6lab_engines_io::ikev2::esp_io::Inbound;
    use mip6lab_wire::mpd::{self, MpdOption, PrefixInfo};
    let mut tap = permitted(PacketTap::open("lo"), "AF_PACKET tap on lo");
    let mn = permitted(EspSocket::open(Some(LO)), "raw ESP socket");
    let ha = EspSocket::open(Some(LO)).unwrap();
    let (mn_sa, ha_sa) = pair(EspSuite::AES128_SHA256, 0x5000_0000);
    let (mut mn_out, mut ha_out) = (
        OutboundSa::from_child(&mn_sa),
        OutboundSa::from_child(&ha_sa),
    );
    let (mut mn_in, mut ha_in) = (sas(&mn_sa), sas(&ha_sa));
    let iv = vec![0x42; mn_sa.outbound.encr.iv_len()];
    let mps = mpd::Repr::Solicitation {
        identifier: 0x4242,
        options: vec![],
    };
    let flow = MhFlow::bu_from_care_of(LO, LO, hoa());
    mn.send_message(&mut mn_out, &mps, &flow, &iv, T)
        .await
        .unwrap();
    let Inbound::Mpd(got) = tap.recv_any(&mut ha_in, T).await.unwrap() else {
        panic!("not Mobile Prefix Discovery")
    };
    assert_eq!(got.ext_headers, vec![ipv6ext::DESTINATION_OPTIONS]);
    assert_eq!((got.hao, got.checksum_ok), (Some(hoa()), Some(true)));
    assert_eq!(got.repr, mps);
    let prefix = PrefixInfo::home_prefix("2001:db8:1:100::".parse().unwrap(), 64, 3600);
    let mpa = mpd::Repr::Advertisement {
        identifier: 0x4242,
        managed: false,
        other: false,
        options: vec![MpdOption::PrefixInfo(prefix)],
    };
    let flow = MhFlow::ba_to_care_of(LO, LO, hoa());
    let iv = vec![0x24; ha_sa.outbound.encr.iv_len()];
    ha.send_message(&mut ha_out, &mpa, &flow, &iv, T)
        .await
        .unwrap();
    let Inbound::Mpd(got) = tap.recv_any(&mut mn_in, T).await.unwrap() else {
        panic!("not Mobile Prefix Discovery")
    };
    assert_eq!(got.ext_headers, vec![ipv6ext::ROUTING]);
    assert_eq!(
        got.checksum_ok,
        Some(true),
        "checksum to the HoA of the RH2"
    );
    assert_eq!(got.repr, mpa);
    // An MH-only receive consumes it as "not MH".
    ha.send_message(&mut ha_out, &mpa, &flow, &iv, T)
        .await
        .unwrap();
    match tap.recv(&mut mn_in, T).await {
        Err(RecvError::NotMh {
            next_header: 58, ..
        }) => {}
        other => panic!("an MPA given to an MH receiver: {other:?}"),
    }
}
