//! Mobile IPv4 frames for the dissector test and the tshark cross-check: registration
//! messages over Ethernet/IPv4/UDP 434 and Agent Advertisement / Solicitation as ICMP, built
//! by our own emitter, written to a pcap.

use etherparse::{IpNumber, PacketBuilder};
use mip6lab_wire::mip4::{
    self, agent, ext, AdvFlags, AgentAdvertisement, AgentSolicitation, Extension, IcmpRepr,
    MobilityAgentAdvertisement, RawExtension, RegistrationReply, RegistrationRequest, ReplyCode,
    Repr, RouterAddress, RrqFlags, VendorExtension,
};
use pcap_file::pcap::{PcapHeader, PcapPacket, PcapWriter};
use pcap_file::DataLink;
use std::net::Ipv4Addr;
use std::path::Path;
use std::time::Duration;

pub const MN: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 2);
pub const FA: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 1);
pub const HA: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 1);
pub const HOA: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 100);
pub const KEY: &[u8] = b"mn-ha-secret";
/// Identifications as NTP timestamps (RFC 5944 §5.7.1), whole seconds: 2020-02-13 17:04:00
/// UTC and an hour later.
pub const ID: u64 = 0xe1f0_0000_0000_0000;
pub const BUSY_ID: u64 = 0xe1f0_0e10_0000_0000;
/// Seconds from the NTP era (1900) to the Unix epoch.
pub const NTP_UNIX: u64 = 2_208_988_800;

/// One Mobile IPv4 message as a frame would carry it.
pub enum Msg {
    /// A UDP 434 payload from `src` (port 434 when the agent sends) to `dst`.
    Udp {
        src: Ipv4Addr,
        dst: Ipv4Addr,
        payload: Vec<u8>,
    },
    /// An ICMP message with the IP TTL.
    Icmp {
        src: Ipv4Addr,
        dst: Ipv4Addr,
        ttl: u8,
        icmp: Vec<u8>,
    },
}

pub fn request() -> Repr {
    Repr::Request(RegistrationRequest {
        flags: RrqFlags(RrqFlags::S | RrqFlags::T),
        lifetime: 1800,
        home_address: Ipv4Addr::UNSPECIFIED,
        home_agent: HA,
        care_of_address: FA,
        identification: ID,
        extensions: vec![Extension::Nai(b"mn@example.com".to_vec())],
    })
}

pub fn reply() -> Repr {
    Repr::Reply(RegistrationReply {
        code: ReplyCode::Accepted,
        lifetime: 1200,
        home_address: HOA,
        home_agent: HA,
        identification: ID,
        extensions: vec![Extension::Nai(b"mn@example.com".to_vec())],
    })
}

/// A request with the other typed extensions Wireshark reads as we do, the skippable
/// unknown 200 and, when signed by [`messages`], MN-HA then MN-AAA authenticators. Its Dynamic
/// HA extension is in the short form (Type, Length, Sub-Type), the one Wireshark knows.
pub fn busy_request() -> Repr {
    Repr::Request(RegistrationRequest {
        flags: RrqFlags(RrqFlags::D | RrqFlags::G),
        lifetime: 0,
        home_address: HOA,
        home_agent: Ipv4Addr::BROADCAST,
        care_of_address: MN,
        identification: BUSY_ID,
        extensions: vec![
            Extension::Nai(b"mn2@example.com".to_vec()),
            Extension::Cvse(VendorExtension {
                reserved: 0,
                vendor_id: 5535,
                vendor_type: 1,
                value: vec![0xca, 0xfe],
            }),
            Extension::Nvse(VendorExtension {
                reserved: 0,
                vendor_id: 24757,
                vendor_type: 3,
                value: vec![1, 2, 3],
            }),
            Extension::DynamicHa {
                subtype: ext::DYNAMIC_HA_REDIRECTED,
                address: HA,
                short_form: true,
            },
            Extension::MnFaChallenge(vec![0xde, 0xad, 0xbe, 0xef]),
            Extension::Raw(RawExtension {
                kind: 200,
                form: mip4::Form::Plain,
                data: vec![9],
            }),
        ],
    })
}

/// A request with the extensions in the long form that Wireshark 4.0 does not read so:
/// MN-HA KeyGen Request (42, RFC 3957 §6.3) and Dynamic HA as RFC 4433 §3.4 draws it.
pub fn long_form_request() -> Repr {
    Repr::Request(RegistrationRequest {
        flags: RrqFlags(0),
        lifetime: 600,
        home_address: Ipv4Addr::UNSPECIFIED,
        home_agent: Ipv4Addr::UNSPECIFIED,
        care_of_address: FA,
        identification: ID,
        extensions: vec![
            Extension::Nai(b"mn3@example.com".to_vec()),
            Extension::KeyGen {
                kind: ext::reg_ext::MN_HA_KEYGEN_REQUEST,
                subtype: ext::KEYGEN_FROM_AAA,
                body: 0x0101u32.to_be_bytes().to_vec(),
            },
            Extension::DynamicHa {
                subtype: ext::DYNAMIC_HA_REQUESTED,
                address: HA,
                short_form: false,
            },
        ],
    })
}

pub fn advertisement() -> IcmpRepr {
    IcmpRepr::Advertisement(AgentAdvertisement {
        code: agent::CODE_NOT_COMMON_TRAFFIC,
        lifetime: 1800,
        addr_entry_size: 2,
        routers: vec![RouterAddress {
            address: FA,
            preference: 0,
            extra: vec![],
        }],
        extensions: vec![
            Extension::MobilityAgent(MobilityAgentAdvertisement {
                sequence: 5,
                registration_lifetime: 600,
                flags: AdvFlags(AdvFlags::R | AdvFlags::F | AdvFlags::T),
                care_of_addresses: vec![FA],
            }),
            Extension::PrefixLengths(vec![24]),
            Extension::AdvChallenge(vec![1, 2, 3, 4]),
            Extension::Padding,
        ],
    })
}

/// RRQ signed with MN-HA, RRQ with MN-HA then MN-AAA, RRP signed, advertisement,
/// solicitation: what Wireshark reads as we do.
pub fn messages() -> Vec<Msg> {
    let mut busy = busy_request().to_bytes_signed(32, 300, KEY).unwrap();
    mip4::auth::append_authenticated(&mut busy, 36, 3, b"aaa").unwrap();
    vec![
        Msg::Udp {
            src: MN,
            dst: FA,
            payload: request().to_bytes_signed(32, 256, KEY).unwrap(),
        },
        Msg::Udp {
            src: MN,
            dst: HA,
            payload: busy,
        },
        Msg::Udp {
            src: HA,
            dst: FA,
            payload: reply().to_bytes_signed(32, 256, KEY).unwrap(),
        },
        Msg::Icmp {
            src: FA,
            dst: agent::ALL_SYSTEMS,
            ttl: 1,
            icmp: advertisement().to_bytes().unwrap(),
        },
        Msg::Icmp {
            src: MN,
            dst: Ipv4Addr::new(224, 0, 0, 2),
            ttl: 1,
            icmp: IcmpRepr::Solicitation(AgentSolicitation::default())
                .to_bytes()
                .unwrap(),
        },
    ]
}

/// [`messages`], then the long-form request (signed) from the MN to the HA.
pub fn all_messages() -> Vec<Msg> {
    let mut m = messages();
    m.push(Msg::Udp {
        src: MN,
        dst: HA,
        payload: long_form_request().to_bytes_signed(32, 256, KEY).unwrap(),
    });
    m
}

/// Ethernet frames of `msgs`; a UDP message to an agent goes from port 40000, one from an
/// agent from 434 back to 40000.
pub fn write_pcap(path: &Path, msgs: &[Msg]) {
    let file = std::fs::File::create(path).unwrap();
    let header = PcapHeader {
        datalink: DataLink::ETHERNET,
        ..Default::default()
    };
    let mut w = PcapWriter::with_header(file, header).unwrap();
    for (i, m) in msgs.iter().enumerate() {
        let eth = PacketBuilder::ethernet2([2, 0, 0, 0, 0, 2], [2, 0, 0, 0, 0, 1]);
        let mut frame = Vec::new();
        match m {
            Msg::Udp { src, dst, payload } => {
                let (sport, dport) = if *src == HA || *src == FA {
                    (mip4::PORT, 40000)
                } else {
                    (40000, mip4::PORT)
                };
                eth.ipv4(src.octets(), dst.octets(), 64)
                    .udp(sport, dport)
                    .write(&mut frame, payload)
                    .unwrap();
            }
            Msg::Icmp {
                src,
                dst,
                ttl,
                icmp,
            } => eth
                .ipv4(src.octets(), dst.octets(), *ttl)
                .write(&mut frame, IpNumber::ICMP, icmp)
                .unwrap(),
        }
        w.write_packet(&PcapPacket::new(
            Duration::from_secs(1 + i as u64),
            frame.len() as u32,
            &frame,
        ))
        .unwrap();
    }
}
