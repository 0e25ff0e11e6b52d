//! Whole IPv6 packets with ESP for tunnels (RFC 5555 UDP 4191): what one end seals, the other
//! opens with the packet facts, and the anti-replay window still applies.

use mip6lab_engines_io::ikev2::esp_io::{
    open_ipv6_packet, seal_ipv6_packet, Inbound, InboundSa, InboundSas, MhFlow, OutboundSa,
    RecvError, Via,
};
use mip6lab_wire::crypto::{DirectionKeys, Encr, Integ};
use mip6lab_wire::mh::{self, BindingUpdate, BuFlags, MhMessage};
use std::net::Ipv6Addr;

fn keys() -> DirectionKeys {
    DirectionKeys {
        encr: Encr::AesCbc { key_len: 16 },
        integ: Integ::HmacSha256_128,
        enc_key: vec![0x11; 16],
        integ_key: vec![0x22; 32],
    }
}

#[test]
fn sealed_bu_opens_at_the_other_end_once() {
    let (hoa, ha): (Ipv6Addr, Ipv6Addr) = (
        "2001:db8:31::10".parse().unwrap(),
        "2001:db8:31::a1".parse().unwrap(),
    );
    let mut out = OutboundSa::new(0x1234, keys());
    let bu = BindingUpdate {
        seq: 7,
        flags: BuFlags(BuFlags::A | BuFlags::H),
        reserved: 0,
        lifetime: 150,
    };
    let repr = mh::Repr::build(MhMessage::Bu(bu), &[]);
    // RFC 5555 §4.2: over an IPv4 CoA the inner source is the HoA, without a HAO.
    let flow = MhFlow::plain(hoa, ha);
    let (packet, report) = seal_ipv6_packet(&mut out, &repr, &flow, &[0x33; 16]).unwrap();
    assert_eq!(packet[0] >> 4, 6);
    assert_eq!(&packet[40..], &report.esp[..]);

    let mut sas = InboundSas::new();
    sas.insert(InboundSa::new(0x1234, keys()));
    let Ok(Some(Inbound::Mh(got))) = open_ipv6_packet(&mut sas, &packet) else {
        panic!("the sealed BU does not open");
    };
    assert_eq!(
        (got.via, got.src, got.dst, got.hao),
        (Via::Tunnel, hoa, Some(ha), None)
    );
    assert_eq!(
        (got.spi, got.seq, got.checksum_ok),
        (0x1234, report.seq, Some(true))
    );
    assert_eq!(got.repr.message, MhMessage::Bu(bu));
    // The same packet again is a replay, not a second BU.
    assert!(matches!(
        open_ipv6_packet(&mut sas, &packet),
        Err(RecvError::Replay { .. })
    ));
    // Another SPI is not this receiver's; a packet without ESP is malformed.
    assert!(matches!(
        open_ipv6_packet(&mut InboundSas::new(), &packet),
        Ok(None)
    ));
    let mut not_esp = packet.clone();
    not_esp[6] = 59;
    assert!(matches!(
        open_ipv6_packet(&mut sas, &not_esp),
        Err(RecvError::Malformed(_))
    ));
}
