//! The Mobile IPv4, tunnel and RFC 5555 views on the committed dual-stack recordings
//! (fixtures/pcaps/dualstack-reference/{integrated,asp}: the reference MNs, FA and FHA around
//! FreeRADIUS, four links each), as a dual-stack judge would read them: each flow's links
//! decoded with the topology's role names and merged in capture-time order.

use mip6lab_lab::Topology;
use mip6lab_suite::observe::{
    dhcp4_message_type as dhcp4, AdvFlags, KeyGenPeer, Mip4Extension, Mip4ExtensionKind as Ext,
    Mip4Message, ProfileItem, ReplyCode, RrqFlags, Via,
};
use mip6lab_suite::Observation;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::PathBuf;

const FLOWS: [&str; 2] = ["integrated", "asp"];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// One recorded flow: its visited, access, core and home links in one observation.
fn recorded(flow: &str) -> Observation {
    let dir = root().join("fixtures/pcaps/dualstack-reference").join(flow);
    let topo = Topology::load(&root().join("fixtures/topologies/record-dualstack.toml")).unwrap();
    let obs = Observation::from_recording(&dir, &topo, &[dir.join("keys.log")]).unwrap();
    assert!(
        obs.transcript.errors.is_empty(),
        "{flow}: {:?}",
        obs.transcript.errors
    );
    assert!(obs.malformed_mip4().is_empty(), "{flow}");
    obs
}

fn v4(a: &str) -> Ipv4Addr {
    a.parse().unwrap()
}

fn v6(a: &str) -> Ipv6Addr {
    a.parse().unwrap()
}

/// The FHA's IPv4 address on the access link: the MNs' home agent.
fn fha() -> Ipv4Addr {
    v4("198.18.2.2")
}

/// The co-located MN's care-of address (Kea's lease; the topology does not name it).
fn colocated_coa() -> Ipv4Addr {
    v4("198.18.2.100")
}

/// The co-located MN's care-of address as a judge finds it: the MN's DHCPv4 lease, which
/// came from Kea through the NAS's relay with the FHA in option 68.
#[test]
fn colocated_coa_is_the_mns_dhcpv4_lease_through_the_relay() {
    for flow in FLOWS {
        let obs = recorded(flow);
        assert!(obs.malformed_dhcp4().is_empty());
        let ack = obs.dhcp4_lease("MN").expect("the MN's DHCPACK");
        assert!(ack.is(dhcp4::ACK) && ack.is_reply() && ack.name() == "DHCPACK");
        assert_eq!(
            (ack.src, ack.dst),
            ("NAS-access", "255.255.255.255"),
            "{flow}"
        );
        assert_eq!(ack.yiaddr(), Some(colocated_coa()));
        assert_eq!(ack.mobile_ip_home_agents(), Some(vec![fha()]));
        assert_eq!(ack.server_identifier(), Some(v4("198.18.3.6")));
        assert_eq!(
            (ack.lease_time(), ack.broadcast()),
            (Some(3600), Some(true))
        );
        assert_eq!(ack.giaddr(), Some(v4("198.18.3.5")));
        // RFC 3046: the relay takes option 82 out of what it delivers.
        assert!(ack.relay_agent_information().is_none());
        // The MN registers from that address.
        assert_eq!(
            colocated_request(&obs).care_of_address(),
            ack.yiaddr(),
            "{flow}"
        );
        let discover = obs
            .dhcp4_of_type(dhcp4::DISCOVER, Some("MN"))
            .next()
            .unwrap();
        assert_eq!(
            discover.parameter_request_list(),
            Some(vec![1, 3, 51, 54, 68])
        );
        assert_eq!(
            (discover.hops(), discover.giaddr()),
            (Some(0), Some(Ipv4Addr::UNSPECIFIED))
        );
        let offers = obs.dhcp4_replies_to(&discover);
        let hops: Vec<(&str, &str)> = offers.iter().map(|m| (m.src, m.dst)).collect();
        assert_eq!(
            hops,
            [("DHCP4", "NAS"), ("NAS-access", "255.255.255.255")],
            "{flow}"
        );
        assert!(offers
            .iter()
            .all(|m| m.is(dhcp4::OFFER) && m.xid() == discover.xid()));
        // The relayed copy to Kea: option 82 with the circuit, the client's link and the
        // AAAH's FHA assignment (RFC 4014).
        let relayed = obs
            .dhcp4_of_type(dhcp4::DISCOVER, Some("NAS"))
            .next()
            .unwrap();
        assert_eq!((relayed.dst, relayed.hops()), ("DHCP4", Some(1)));
        assert_eq!(relayed.xid(), discover.xid());
        let rai = relayed.relay_agent_information().unwrap();
        assert_eq!(rai.circuit_id(), Some("0x65746831"));
        assert_eq!(rai.remote_id(), None);
        assert_eq!(rai.link_selection(), Some(v4("198.18.2.5")));
        assert_eq!(
            rai.vendor_attribute(24757, "WiMAX-vHA-IP-MIP4"),
            Some("198.18.2.2")
        );
        assert_eq!(rai.radius_attributes().len(), 1);
    }
}

/// The co-located MN's Request: the one from its care-of address.
fn colocated_request(obs: &Observation) -> Mip4Message<'_> {
    let rrqs: Vec<_> = obs
        .registration_requests(None)
        .into_iter()
        .filter(|m| m.entry.src_addr == IpAddr::V4(colocated_coa()))
        .collect();
    assert_eq!(rrqs.len(), 1, "{rrqs:?}");
    rrqs.into_iter().next().unwrap()
}

#[test]
fn colocated_request_asks_for_a_home_address_with_nai_and_mn_aaa() {
    for flow in FLOWS {
        let obs = recorded(flow);
        let rrq = colocated_request(&obs);
        assert_eq!(rrq.dst, "FHA", "{flow}");
        assert!(rrq.is_request() && !rrq.is_reply());
        assert_eq!(rrq.flags(), Some(RrqFlags(RrqFlags::D)), "{flow}");
        assert_eq!(rrq.has_flag(RrqFlags::T), Some(false));
        assert_eq!(rrq.lifetime(), Some(1800));
        assert_eq!(rrq.home_address(), Some(Ipv4Addr::UNSPECIFIED));
        assert_eq!(rrq.home_agent(), Some(fha()));
        assert_eq!(rrq.care_of_address(), Some(colocated_coa()));
        assert!(rrq.identification().is_some(), "kept behind the `*`");
        assert_eq!(rrq.nai(), Some("mn-ds@example.com"));
        assert_eq!(
            rrq.extension_kinds(),
            vec![Ext::Nai, Ext::MnHaKeyGenRequest, Ext::MnAaaAuth]
        );
        assert_eq!(rrq.spi_of(Ext::MnAaaAuth), Some(2));
        assert!(rrq.extension_index(Ext::Nai) < rrq.extension_index(Ext::MnAaaAuth));
        assert_eq!(
            rrq.extension(Ext::MnHaKeyGenRequest),
            Some(&Mip4Extension::KeyGenRequest {
                peer: KeyGenPeer::HomeAgent,
                subtype: Some(1),
                mn_spi: Some(256)
            })
        );
        assert!(rrq.tunnel.is_none() && rrq.discard().is_none());
        // Reply-only and advertisement-only fields are absent, not made up.
        assert_eq!((rrq.code(), rrq.router_lifetime()), (None, None));
        assert!(rrq.mobility_agent().is_none() && rrq.routers().is_none());
    }
}

#[test]
fn fha_reply_gives_thoa_and_the_four_ipv6_items() {
    for flow in FLOWS {
        let obs = recorded(flow);
        let rrq = colocated_request(&obs);
        let reg = obs.registration_of(&rrq);
        assert!(!reg.through_agent(), "{flow}: straight to the FHA");
        let rrp = reg.reply.as_ref().expect("the FHA's Reply");
        assert_eq!(
            reg.home_reply.as_ref().map(|m| m.position),
            Some(rrp.position)
        );
        assert_eq!(
            (rrp.src, rrp.entry.dst_addr),
            ("FHA", IpAddr::V4(colocated_coa()))
        );
        assert!(rrp.position > rrq.position);
        assert_eq!(rrp.identification(), rrq.identification());
        assert_eq!(rrp.code(), Some(0));
        assert_eq!(rrp.reply_code(), Some(ReplyCode::Accepted));
        assert_eq!(rrp.code_name(), Some("accepted"));
        assert!(rrp.accepted());
        assert_eq!(rrp.home_address(), Some(v4("198.18.100.10")), "THoAv4");
        assert_eq!(rrp.home_agent(), Some(fha()));
        assert_eq!(rrp.care_of_address(), None, "a Reply has none");
        assert_eq!(rrp.nai(), Some("mn-ds@example.com"));
        let items: Vec<_> = rrp
            .profile_items()
            .iter()
            .map(|v| v.profile_item.unwrap())
            .collect();
        assert_eq!(
            items,
            [
                "ipv6-hoa",
                "ipv6-home-prefix",
                "ipv6-ha-address",
                "ipv6-coa"
            ]
        );
        assert!(rrp
            .profile_items()
            .iter()
            .all(|v| !v.critical && v.vendor == Some(32473)));
        assert_eq!(rrp.ipv6_home_address(), Some(v6("2001:db8:31:100::8001")));
        assert_eq!(rrp.ipv6_home_prefix(), Some((v6("2001:db8:31:100::"), 64)));
        assert_eq!(rrp.ipv6_home_agent(), Some(v6("2001:db8:31::a1")));
        assert_eq!(
            rrp.ipv6_care_of_address(),
            Some(v6("2001:db8:32::c612:640a"))
        );
        assert_eq!(
            rrp.profile_item(ProfileItem::Ipv6HomePrefix)
                .and_then(|v| v.vendor_type),
            Some(2)
        );
        let kg = rrp
            .keygen_reply(KeyGenPeer::HomeAgent)
            .expect("KeyGen Reply");
        assert_eq!(
            (
                kg.lifetime,
                kg.aaa_spi,
                kg.peer_spi,
                kg.algorithm,
                kg.replay
            ),
            (Some(3600), Some(2), Some(256), Some(1), Some(2))
        );
        // RFC 3957: the nonce before the MN-HA authenticator made with the derived key.
        assert_eq!(rrp.spi_of(Ext::MnHaAuth), Some(256));
        assert!(rrp.extension_index(Ext::MnHaKeyGenReply) < rrp.extension_index(Ext::MnHaAuth));
        assert_eq!(reg.frames(), vec![rrq.frame(), rrp.frame()]);
    }
}

#[test]
fn fa_relays_the_request_with_fa_ha_auth_and_the_reply_back() {
    for flow in FLOWS {
        let obs = recorded(flow);
        let reg = obs
            .registration_by_nai("MN-FA", "mn-ds2@example.com")
            .expect("MN-FA's Request");
        let rrq = &reg.request;
        assert_eq!(rrq.dst, "FA-visited");
        assert_eq!(rrq.flags(), Some(RrqFlags(RrqFlags::T)), "{flow}");
        assert_eq!(
            rrq.care_of_address(),
            Some(v4("198.18.2.4")),
            "the FA's CoA"
        );
        assert!(rrq.has_extension(Ext::EncapsulatingDelivery));
        assert!(reg.through_agent());
        let relayed = reg.relayed_request.as_ref().unwrap();
        assert_eq!((relayed.src, relayed.dst), ("FA", "FHA"), "{flow}");
        assert!(relayed.position > rrq.position);
        assert_eq!(relayed.identification(), rrq.identification());
        assert_eq!(
            relayed.has_flag(RrqFlags::T),
            Some(true),
            "the T-bit request"
        );
        assert_eq!(relayed.care_of_address(), rrq.care_of_address());
        // RFC 5944 §3.5.4: the FA-HA authenticator last; RFC 3024 §3.3: the FA consumes the
        // Encapsulating Delivery Style extension.
        assert_eq!(
            relayed.extension_kinds().last(),
            Some(&Ext::FaHaAuth),
            "{:?}",
            relayed.extension_kinds()
        );
        assert_eq!(relayed.spi_of(Ext::FaHaAuth), Some(1024));
        assert!(!relayed.has_extension(Ext::EncapsulatingDelivery));
        assert!(!rrq.has_extension(Ext::FaHaAuth));
        let home_reply = reg.home_reply.as_ref().unwrap();
        assert_eq!((home_reply.src, home_reply.dst), ("FHA", "FA"));
        assert_eq!(home_reply.spi_of(Ext::FaHaAuth), Some(1024));
        assert_eq!(home_reply.home_address(), Some(v4("198.18.100.11")));
        let reply = reg.reply.as_ref().unwrap();
        assert_eq!((reply.src, reply.dst), ("FA-visited", "MN-FA"));
        assert!(reply.accepted() && reply.position > home_reply.position);
        assert_eq!(reply.home_address(), Some(v4("198.18.100.11")));
        assert_eq!(
            obs.relayed_reply(home_reply).map(|m| m.position),
            Some(reply.position)
        );
        assert_eq!(
            reply.ipv6_care_of_address(),
            Some(v6("2001:db8:32::c612:640b"))
        );
        assert_eq!(reg.frames().len(), 4);
        // The co-located MN behind the R bit goes through the FA too, its D bit kept.
        let r = obs
            .registration_by_nai("MN-R", "mn-ds3@example.com")
            .unwrap();
        assert_eq!(r.request.has_flag(RrqFlags::D), Some(true));
        let relayed = r.relayed_request.as_ref().unwrap();
        assert_eq!(relayed.has_flag(RrqFlags::D), Some(true));
        assert_eq!(relayed.nai(), Some("mn-ds3@example.com"));
        assert!(r.reply.as_ref().is_some_and(Mip4Message::accepted));
        // Nothing relays a relayed copy or a Reply to an MN further.
        assert!(obs.relayed_request(relayed).is_none());
        assert!(obs.relayed_reply(reply).is_none());
        assert!(obs.relayed_request(reply).is_none(), "not a Request");
    }
}

#[test]
fn fa_advertises_r_and_f_with_its_care_of_address() {
    for flow in FLOWS {
        let obs = recorded(flow);
        let ads = obs.agent_advertisements(Some("FA-visited"));
        assert!(ads.len() >= 2, "{flow}: {}", ads.len());
        for ad in &ads {
            assert!(ad.is_agent_advertisement());
            assert_eq!(ad.dst, "224.0.0.1");
            let flags = ad.agent_flags().unwrap();
            assert!(flags.has(AdvFlags::R) && flags.has(AdvFlags::F) && flags.has(AdvFlags::T));
            assert!(!flags.has(AdvFlags::H), "a foreign agent only");
            assert_eq!(ad.has_agent_flag(AdvFlags::R), Some(true));
            assert_eq!(ad.registration_lifetime(), Some(1800));
            assert_eq!(ad.care_of_addresses(), Some(vec![v4("198.18.2.4")]));
            assert_eq!(ad.routers(), Some(vec![v4("198.18.1.2")]));
            assert_eq!(ad.router_lifetime(), Some(9));
            assert_eq!(ad.checksum_ok(), Some(true));
            assert!(ad.advertisement_sequence().is_some());
            assert_eq!(ad.flags(), None, "RRQ flags are a Request's");
        }
        let sols = obs.agent_solicitations(Some("MN-FA"));
        assert!(!sols.is_empty(), "{flow}");
        assert!(sols[0].is_solicitation() && sols[0].checksum_ok() == Some(true));
        assert!(sols[0].position < obs.registration_requests(Some("MN-FA"))[0].position);
    }
}

#[test]
fn binding_updates_through_the_fha_tunnel_then_in_udp_4191() {
    for flow in FLOWS {
        let obs = recorded(flow);
        let rrp = obs.registration_reply_to(&colocated_request(&obs)).unwrap();
        let coa = IpAddr::V4(colocated_coa());
        let from_coa: Vec<_> = obs
            .binding_updates(None)
            .filter(|bu| bu.entry.src_addr == coa)
            .collect();
        assert_eq!(
            from_coa.len(),
            3,
            "{flow}: registration, move, deregistration"
        );
        // Through the MN–FHA tunnel, from the Reply's IPv6 CoA to its IPv6 HA.
        let first = &from_coa[0];
        let t = obs.tunnel_of(first.entry).expect("tunnelled");
        assert_eq!(t.via(), Via::Ipv6InIpv4);
        assert_eq!((t.src, t.dst), ("198.18.2.100", "FHA"));
        assert_eq!(t.tunnel.from, Some(coa));
        assert_eq!(
            t.tunnel.inner_src,
            rrp.ipv6_care_of_address().map(IpAddr::V6)
        );
        assert_eq!(t.tunnel.inner_dst, rrp.ipv6_home_agent().map(IpAddr::V6));
        assert!(t.between(IpAddr::V4(fha()), coa) && t.position > rrp.position);
        assert_eq!((t.inner_protocol(), t.is_opaque()), ("ESP", false));
        assert!(t.find("BU").is_some());
        assert_eq!(first.home_address, rrp.ipv6_home_address());
        assert_eq!(first.alternate_coa(), rrp.ipv6_care_of_address());
        let hoa4 = first.ipv4_home_address().unwrap();
        assert_eq!(
            (hoa4.address, hoa4.prefix_len, hoa4.prefix_requested),
            (Some(Ipv4Addr::UNSPECIFIED), Some(32), Some(false))
        );
        assert_eq!(first.ipv4_care_of_address(), None);
        // RFC 5555 §4.1: then in UDP 4191 to the HA's IPv4 address with the IPv4 CoA option,
        // from the HoA without HAO.
        let moved = &from_coa[1];
        let t = obs.tunnel_of(moved.entry).unwrap();
        assert_eq!((t.via(), t.dst), (Via::Udp4191, "HA-access"));
        assert!(t.tunnel.sport.is_some());
        assert_eq!(t.tunnel.inner_src, rrp.ipv6_home_address().map(IpAddr::V6));
        assert_eq!(moved.ipv4_care_of_address(), Some(colocated_coa()));
        assert_eq!(
            moved.ipv4_home_address().and_then(|h| h.address),
            Some(v4("198.18.200.10"))
        );
        assert_eq!(moved.home_address, None);
        assert!(moved.registers() && from_coa[2].deregisters());
        // The BA back the same way, acknowledging the IPv4 home address; no NAT.
        let ba = obs
            .binding_acks_from("HA-access")
            .find(|ba| ba.entry.dst_addr == coa)
            .unwrap();
        assert_eq!(obs.tunnel_of(ba.entry).map(|t| t.via()), Some(Via::Udp4191));
        let ack = ba.ipv4_address_ack().unwrap();
        assert_eq!(
            (ack.status, ack.address),
            (Some(0), Some(v4("198.18.200.10")))
        );
        let nat = ba.nat_detection().unwrap();
        assert_eq!(
            (nat.force_udp, nat.refresh_time),
            (Some(false), Some(u32::MAX))
        );
        // A BU on the home link came in the clear.
        let home = obs.binding_updates(Some("MN-CoA6")).next().unwrap();
        assert!(obs.tunnel_of(home.entry).is_none());
    }
}

#[test]
fn tunnelled_echo_from_the_thoa_is_opaque_icmp() {
    for flow in FLOWS {
        let obs = recorded(flow);
        let echoes: Vec<_> = obs
            .tunnelled_packets(None)
            .filter(|p| p.via() == Via::IpInIp && p.icmp_type() == Some(8))
            .collect();
        let from_thoa = |thoa: &str| {
            echoes
                .iter()
                .filter(|p| p.tunnel.inner_src == Some(IpAddr::V4(v4(thoa))))
                .count()
        };
        // The co-located MN's (to the FHA); MN-FA's to the FA and re-tunnelled to the FHA.
        assert_eq!(
            (from_thoa("198.18.100.10"), from_thoa("198.18.100.11")),
            (1, 2)
        );
        assert!(echoes
            .iter()
            .all(|p| p.is_opaque() && p.next_header() == Some(1)));
        let via_fa: Vec<_> = obs
            .tunnelled_packets(Some("FA"))
            .filter(|p| p.dst == "FHA")
            .map(|p| p.via())
            .collect();
        assert!(via_fa.contains(&Via::IpInIp) && via_fa.contains(&Via::Ipv6InIpv4));
    }
}
