//! Observations of synthesised UDP datagrams, for judge tests without a lab: the datagrams
//! become Ethernet/IPv6/UDP frames in a pcap file, which is decoded as a test's captures are
//! ([`runner::decode_links`](crate::runner::decode_links)), so a judge reads them exactly as
//! it would read a lab's.

use crate::{LinkCapture, Observation};
use mip6lab_capture::Endpoints;
use pcap_file::pcap::{PcapHeader, PcapPacket, PcapWriter};
use pcap_file::DataLink;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// One UDP datagram on the link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UdpDatagram {
    pub src: (Ipv6Addr, u16),
    pub dst: (Ipv6Addr, u16),
    pub payload: Vec<u8>,
}

/// The observation of `datagrams` sent in this order (one per millisecond) on one link
/// named `network`, whose addresses `roles` names.
pub fn observation_of(
    network: &str,
    datagrams: &[UdpDatagram],
    roles: &[(Ipv6Addr, &str)],
) -> anyhow::Result<Observation> {
    static RUN: AtomicU64 = AtomicU64::new(0);
    let dir = std::env::temp_dir().join(format!(
        "mip6lab-synth-{}-{}",
        std::process::id(),
        RUN.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir)?;
    let pcap = dir.join(format!("{network}.pcap"));
    let links = write_pcap(&pcap, datagrams).and_then(|()| {
        let mut endpoints = Endpoints::default();
        for (a, role) in roles {
            endpoints.insert(IpAddr::V6(*a), *role);
        }
        crate::runner::decode_links(std::slice::from_ref(&pcap), &[], &[], &endpoints)
    });
    std::fs::remove_dir_all(&dir)?;
    let links: Vec<LinkCapture> = links?;
    Ok(Observation::from_links(links))
}

fn write_pcap(path: &std::path::Path, datagrams: &[UdpDatagram]) -> anyhow::Result<()> {
    let header = PcapHeader {
        datalink: DataLink::ETHERNET,
        ..Default::default()
    };
    let mut w = PcapWriter::with_header(std::fs::File::create(path)?, header)?;
    for (i, d) in datagrams.iter().enumerate() {
        let builder = etherparse::PacketBuilder::ethernet2([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2])
            .ipv6(d.src.0.octets(), d.dst.0.octets(), 64)
            .udp(d.src.1, d.dst.1);
        let mut frame = Vec::with_capacity(builder.size(d.payload.len()));
        builder.write(&mut frame, &d.payload)?;
        w.write_packet(&PcapPacket::new(
            Duration::from_millis(1 + i as u64),
            frame.len() as u32,
            &frame,
        ))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observe::DhcpMessageType;

    #[test]
    fn datagrams_come_back_decoded_with_their_roles_in_order() {
        let a: Ipv6Addr = "2001:db8:2::b".parse().unwrap();
        let b: Ipv6Addr = "2001:db8:2::47".parse().unwrap();
        // Information-request, xid 0x000001, no options; then a Reply.
        let datagrams = [
            UdpDatagram {
                src: (a, 546),
                dst: (b, 547),
                payload: vec![11, 0, 0, 1],
            },
            UdpDatagram {
                src: (b, 547),
                dst: (a, 546),
                payload: vec![7, 0, 0, 1],
            },
        ];
        let obs = observation_of("asp", &datagrams, &[(a, "RELAY"), (b, "DHCP")]).unwrap();
        let m: Vec<_> = obs.dhcp_messages().collect();
        assert_eq!(m.len(), 2);
        assert_eq!((m[0].src, m[0].dst), ("RELAY", "DHCP"));
        assert_eq!(m[0].msg_type, DhcpMessageType::InformationRequest);
        assert_eq!((m[1].msg_type, m[1].frame()), (DhcpMessageType::Reply, 2));
        assert!(obs.pcap_of(1).ends_with("asp.pcap"));
    }

    /// The server-test views on a relayed exchange: found by the client's DUID, every HAA at
    /// any depth, the names of an option 24.
    #[test]
    fn a_relayed_exchange_is_found_by_its_clients_duid() {
        use mip6lab_wire::dhcpv6::{msg_type, DhcpOption, Duid, Fqdn, Repr};
        let (relay, server): (Ipv6Addr, Ipv6Addr) = (
            "2001:db8:2::b".parse().unwrap(),
            "2001:db8:2::47".parse().unwrap(),
        );
        let ha = |n: u16| Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, n);
        let client = |last: u8| Duid::Ll {
            hardware_type: 1,
            link_layer_address: vec![0, 0, 0x5e, 0, 0x53, last],
        };
        let message = |t, xid, options| Repr::ClientServer {
            msg_type: t,
            transaction_id: xid,
            options,
        };
        let relayed = |t, options| Repr::Relay {
            msg_type: t,
            hop_count: 0,
            link_address: relay,
            peer_address: "fe80::1".parse().unwrap(),
            options,
        };
        let names = [
            Fqdn::from_dotted("a.example").unwrap().to_bytes(),
            Fqdn::from_dotted("b.example").unwrap().to_bytes(),
        ]
        .concat();
        let forward = |last| {
            relayed(
                msg_type::RELAY_FORW,
                vec![
                    DhcpOption::RelayMsg(Box::new(message(
                        msg_type::INFORMATION_REQUEST,
                        u32::from(last),
                        vec![DhcpOption::ClientId(client(last))],
                    ))),
                    DhcpOption::Rsoo(vec![DhcpOption::Mip6Vdinf(vec![DhcpOption::Mip6Haa(ha(
                        9,
                    ))])]),
                ],
            )
        };
        // Client 2's Reply lost its CLIENTID: found by its transaction-id.
        let reply = |last: u8, with_client: bool| {
            let mut options = vec![
                DhcpOption::Mip6Haa(ha(1)),
                DhcpOption::Mip6Idinf(vec![DhcpOption::Mip6Haa(ha(2))]),
                DhcpOption::Other {
                    code: 24,
                    data: names.clone(),
                },
            ];
            if with_client {
                options.insert(0, DhcpOption::ClientId(client(last)));
            }
            relayed(
                msg_type::RELAY_REPL,
                vec![DhcpOption::RelayMsg(Box::new(message(
                    msg_type::REPLY,
                    u32::from(last),
                    options,
                )))],
            )
        };
        let datagram = |src, dst, m: Repr| UdpDatagram {
            src: (src, 547),
            dst: (dst, 547),
            payload: m.to_bytes().unwrap(),
        };
        let obs = observation_of(
            "asp",
            &[
                datagram(relay, server, forward(1)),
                datagram(relay, server, forward(2)),
                datagram(server, relay, reply(2, false)),
                datagram(server, relay, reply(1, true)),
            ],
            &[(relay, "RELAY"), (server, "DHCP")],
        )
        .unwrap();
        let one = obs
            .relayed_exchange("RELAY", "DHCP", "00005E005301")
            .unwrap();
        assert_eq!(
            (
                one.forward.frame(),
                one.relay_reply.as_ref().unwrap().frame()
            ),
            (1, 4)
        );
        assert_eq!(one.forward.haas_anywhere(), [ha(9)]);
        let reply_one = one.reply().unwrap();
        assert_eq!(reply_one.haas_anywhere(), [ha(1), ha(2)]);
        assert_eq!(reply_one.domain_list(), ["a.example.", "b.example."]);
        let two = obs
            .relayed_exchange("RELAY", "DHCP", "00005e005302")
            .unwrap();
        assert_eq!(two.relay_reply.unwrap().frame(), 3);
        assert!(obs
            .relayed_exchange("RELAY", "DHCP", "00005e005303")
            .is_none());
        assert!(obs
            .relayed_exchange("DHCP", "RELAY", "00005e005301")
            .is_none());
    }
}
