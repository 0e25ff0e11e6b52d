//! The NAS's DHCPv4 relay agent, rule by rule and knob by knob, and the MN ↔ NAS ↔ server
//! exchange with a server that does what the lab's Kea `flex_option` setting does (the FHA
//! from the RFC 4014 sub-option into option 68).

use super::client::{Client, ClientEvent, Lease};
use super::relay::*;
use super::tests_client::{client_with, parse, reply, COA, FHA, MAC, SERVER};
use crate::io::{Datagram, SansIo, Transmit};
use mip6lab_wire::dhcpv4::{
    code, message_type, DhcpOption, RelaySubOption, Repr, BOOTREPLY, BOOTREQUEST, FLAG_BROADCAST,
};
use mip6lab_wire::dsprofile::Profile;
use mip6lab_wire::radius::{self, attr, vendor, wimax, Attribute};
use std::net::{Ipv4Addr, SocketAddr};

const NAS: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 1);
const NAS2: Ipv4Addr = Ipv4Addr::new(198, 51, 101, 1);

fn links() -> Vec<AccessLink> {
    vec![
        AccessLink {
            name: "eth1".into(),
            address: NAS,
            circuit_id: b"port-1".to_vec(),
            server_side: None,
        },
        AccessLink {
            name: "eth2".into(),
            address: NAS2,
            circuit_id: b"port-2".to_vec(),
            server_side: None,
        },
    ]
}

fn relay_with(tweak: impl FnOnce(&mut RelayConfig)) -> Relay {
    let mut c = RelayConfig::new(links(), vec![SERVER]);
    tweak(&mut c);
    Relay::new(c)
}

fn fha_vsa() -> Attribute {
    Attribute::vendor(vendor::WIMAX, wimax::VHA_IP_MIP4, &FHA.octets())
}

fn assigned() -> Vec<Attribute> {
    vec![
        fha_vsa(),
        Attribute::new(attr::FRAMED_IP_ADDRESS, COA.octets()),
    ]
}

/// The MN's DHCPDISCOVER as the reference client sends it (300 octets, BROADCAST bit).
fn discover() -> Repr {
    let mut c = client_with(|_| {});
    c.start(0);
    parse(&c.drain().0[0])
}

fn from_client(r: &mut Relay, interface: &str, m: &Repr) -> (Vec<Transmit>, Vec<RelayEvent>) {
    r.handle_input(
        0,
        RelayInput::Client {
            interface,
            payload: &m.to_bytes().unwrap(),
        },
    );
    r.drain()
}

fn from_server(r: &mut Relay, m: &Repr) -> (Vec<ClientDelivery>, Vec<RelayEvent>) {
    r.handle_input(
        0,
        RelayInput::Server {
            src: SocketAddr::from((SERVER, 67)),
            payload: &m.to_bytes().unwrap(),
        },
    );
    let deliveries = std::iter::from_fn(|| r.poll_delivery()).collect();
    (deliveries, r.drain().1)
}

fn hold(r: &mut Relay, attributes: Vec<Attribute>) {
    r.handle_input(
        0,
        RelayInput::Attributes {
            chaddr: MAC,
            attributes,
        },
    );
    r.drain();
}

fn forwarded(t: &[Transmit]) -> Repr {
    assert_eq!(t.len(), 1, "{t:?}");
    assert_eq!(t[0].dst, SocketAddr::from((SERVER, 67)));
    parse(&t[0])
}

#[test]
fn request_gets_giaddr_hops_and_option82_with_the_rfc4014_attributes_before_end() {
    let mut r = relay_with(|_| {});
    hold(&mut r, assigned());
    let d = discover();
    let (t, e) = from_client(&mut r, "eth1", &d);
    assert_eq!(
        t[0].payload.len(),
        300,
        "the option fits the client's padding"
    );
    let f = forwarded(&t);
    assert_eq!(f.giaddr, NAS, "RFC 2131 §4.1 giaddr");
    assert_eq!(f.hops, 1);
    let n = f.options.len();
    assert_eq!(f.options[n - 1], DhcpOption::End);
    assert_eq!(
        f.options[n - 2],
        DhcpOption::RelayAgentInformation(vec![
            RelaySubOption::CircuitId(b"port-1".to_vec()),
            RelaySubOption::RadiusAttributes(assigned()),
        ])
    );
    // Everything else as the client sent it.
    let mut back = f.clone();
    back.options.remove(n - 2);
    back.giaddr = Ipv4Addr::UNSPECIFIED;
    back.hops = 0;
    back.trailing.resize(d.trailing.len(), 0);
    assert_eq!(back, d);
    assert_eq!(
        e,
        vec![RelayEvent::Forwarded {
            interface: "eth1".into(),
            chaddr: MAC.to_vec(),
            hops: 1,
            added_option82: true,
            rfc4014_attributes: 2,
        }]
    );
}

#[test]
fn without_held_attributes_only_the_circuit_id_and_session_end_removes_them() {
    let mut r = relay_with(|_| {});
    let (t, _) = from_client(&mut r, "eth2", &discover());
    let f = forwarded(&t);
    assert_eq!(f.giaddr, NAS2);
    assert_eq!(
        f.relay_agent_information(),
        Some(&[RelaySubOption::CircuitId(b"port-2".to_vec())][..])
    );
    hold(&mut r, assigned());
    assert_eq!(r.attributes_for(&MAC), Some(&assigned()[..]));
    r.handle_input(0, RelayInput::SessionEnded { chaddr: MAC });
    assert_eq!(
        r.drain().1,
        vec![RelayEvent::AttributesRemoved { chaddr: MAC }]
    );
    let (t, e) = from_client(&mut r, "eth1", &discover());
    assert_eq!(forwarded(&t).relay_agent_information().unwrap().len(), 1);
    assert!(matches!(
        e[0],
        RelayEvent::Forwarded {
            rfc4014_attributes: 0,
            ..
        }
    ));
}

#[test]
fn requests_the_relay_must_not_forward_or_must_forward_untouched() {
    let mut r = relay_with(|_| {});
    let dropped = |e: Vec<RelayEvent>| match &e[..] {
        [RelayEvent::Dropped { reason, .. }] => reason.clone(),
        other => panic!("{other:?}"),
    };
    let mut hopped = discover();
    hopped.hops = 4;
    hopped.giaddr = Ipv4Addr::new(10, 0, 0, 1);
    let f = forwarded(&from_client(&mut r, "eth1", &hopped).0);
    assert_eq!(f.hops, 5);
    // RFC 3046 §2.1.1: from a relay below, no relay agent options of ours.
    assert_eq!(f.options_with(code::RELAY_AGENT_INFORMATION).count(), 0);
    // RFC 3046 §2.1.1: a giaddr naming this relay is a spoof.
    let mut spoofed = discover();
    spoofed.giaddr = NAS2;
    assert_eq!(
        dropped(from_client(&mut r, "eth1", &spoofed).1),
        DropReason::GiaddrSpoofed(NAS2)
    );
    hopped.hops = 5;
    let (t, e) = from_client(&mut r, "eth1", &hopped);
    assert!(t.is_empty());
    assert_eq!(dropped(e), DropReason::HopLimit(5));
    // RFC 3046 §2.1: giaddr 0 with an option 82 the client put there.
    let mut forged = discover();
    forged.options.insert(
        1,
        DhcpOption::RelayAgentInformation(vec![RelaySubOption::CircuitId(b"x".to_vec())]),
    );
    assert_eq!(
        dropped(from_client(&mut r, "eth1", &forged).1),
        DropReason::Option82FromClient
    );
    // From a relay below: giaddr kept, its option 82 kept, no second one.
    forged.giaddr = Ipv4Addr::new(10, 0, 0, 1);
    forged.hops = 1;
    let (t, e) = from_client(&mut r, "eth1", &forged);
    let f = forwarded(&t);
    assert_eq!((f.giaddr, f.hops), (Ipv4Addr::new(10, 0, 0, 1), 2));
    assert_eq!(f.options_with(code::RELAY_AGENT_INFORMATION).count(), 1);
    assert!(matches!(
        e[0],
        RelayEvent::Forwarded {
            added_option82: false,
            ..
        }
    ));
    assert_eq!(
        dropped(from_client(&mut r, "eth9", &discover()).1),
        DropReason::UnknownLink
    );
    let offer = reply(&discover(), message_type::OFFER, vec![]);
    assert_eq!(
        dropped(from_client(&mut r, "eth1", &offer).1),
        DropReason::NotRequest(BOOTREPLY)
    );
    r.handle_input(
        0,
        RelayInput::Client {
            interface: "eth1",
            payload: &[0; 10],
        },
    );
    assert!(matches!(dropped(r.drain().1), DropReason::Malformed(_)));
}

/// The server's answer to a forwarded request: option 82 echoed (RFC 3046 §2.2), `flags` and
/// `giaddr` as received.
fn server_reply(forwarded: &Repr, kind: u8) -> Repr {
    let mut m = reply(forwarded, kind, vec![]);
    if let Some(subs) = forwarded.relay_agent_information() {
        let end = m.options.len() - 1;
        m.options
            .insert(end, DhcpOption::RelayAgentInformation(subs.to_vec()));
    }
    m
}

#[test]
fn replies_lose_option82_and_go_out_as_rfc2131_4_1_says() {
    let mut r = relay_with(|_| {});
    hold(&mut r, assigned());
    let (t, _) = from_client(&mut r, "eth1", &discover());
    let f = forwarded(&t);
    let offer = server_reply(&f, message_type::OFFER);
    let (d, e) = from_server(&mut r, &offer);
    assert_eq!(d.len(), 1);
    assert_eq!((d[0].dst, d[0].broadcast), (Ipv4Addr::BROADCAST, true));
    assert_eq!(d[0].interface, "eth1");
    assert_eq!(d[0].chaddr, MAC);
    let delivered = Repr::from_bytes(&d[0].payload).unwrap();
    assert_eq!(delivered.relay_agent_information(), None, "RFC 3046 §2.2");
    let mut want = offer.clone();
    want.options
        .retain(|o| o.code() != code::RELAY_AGENT_INFORMATION);
    assert_eq!(delivered, want);
    assert!(matches!(
        &e[0],
        RelayEvent::Delivered {
            stripped_option82: true,
            message_type: Some(2),
            ..
        }
    ));
    // BROADCAST bit clear: unicast to yiaddr at chaddr; with ciaddr, to ciaddr.
    let mut unicast = offer.clone();
    unicast.flags = 0;
    let (d, _) = from_server(&mut r, &unicast);
    assert_eq!((d[0].dst, d[0].broadcast), (COA, false));
    unicast.ciaddr = Ipv4Addr::new(198, 51, 100, 77);
    let (d, _) = from_server(&mut r, &unicast);
    assert_eq!(d[0].dst, Ipv4Addr::new(198, 51, 100, 77));
    // A DHCPNAK has no address to unicast to.
    let mut nak = server_reply(&f, message_type::NAK);
    nak.flags = 0;
    let (d, _) = from_server(&mut r, &nak);
    assert_eq!((d[0].dst, d[0].broadcast), (Ipv4Addr::BROADCAST, true));
}

#[test]
fn replies_find_their_link_by_circuit_id_then_giaddr() {
    let mut r = relay_with(|_| {});
    let mut m = reply(&discover(), message_type::OFFER, vec![]);
    m.giaddr = NAS;
    m.options.insert(
        2,
        DhcpOption::RelayAgentInformation(vec![RelaySubOption::CircuitId(b"port-2".to_vec())]),
    );
    assert_eq!(from_server(&mut r, &m).0[0].interface, "eth2");
    m.options.remove(2);
    assert_eq!(from_server(&mut r, &m).0[0].interface, "eth1");
    m.giaddr = Ipv4Addr::new(10, 9, 9, 9);
    let (d, e) = from_server(&mut r, &m);
    assert!(d.is_empty());
    assert!(matches!(
        &e[0],
        RelayEvent::Dropped {
            reason: DropReason::UnknownLink,
            ..
        }
    ));
    let (d, e) = from_server(&mut r, &discover());
    assert!(d.is_empty());
    assert!(matches!(
        &e[0],
        RelayEvent::Dropped {
            reason: DropReason::NotReply(BOOTREQUEST),
            ..
        }
    ));
}

#[test]
fn rfc4014_attributes_are_the_profiles_fha_carrier_then_framed_ip_address() {
    let mut accept = radius::Repr::new(radius::code::ACCESS_ACCEPT, 1, [0; 16]);
    accept
        .push(Attribute::integer(attr::SESSION_TIMEOUT, 3600))
        .push(Attribute::new(attr::FRAMED_IP_ADDRESS, COA.octets()))
        .push(Attribute::vendor(
            vendor::WIMAX,
            wimax::HHA_IP_MIP6,
            &[0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
        ))
        .push(fha_vsa());
    assert_eq!(rfc4014_attributes(&accept, &Profile::lab()), assigned());
    let empty = radius::Repr::new(radius::code::ACCESS_ACCEPT, 1, [0; 16]);
    assert!(rfc4014_attributes(&empty, &Profile::lab()).is_empty());
}

#[test]
fn knob_no_rfc4014_leaves_the_aaa_assignment_out() {
    let mut conforming = relay_with(|_| {});
    hold(&mut conforming, assigned());
    let f = forwarded(&from_client(&mut conforming, "eth1", &discover()).0);
    assert!(f
        .relay_agent_information()
        .unwrap()
        .contains(&RelaySubOption::RadiusAttributes(assigned())));
    let mut mutant = relay_with(|c| c.omit_rfc4014 = true);
    hold(&mut mutant, assigned());
    let f = forwarded(&from_client(&mut mutant, "eth1", &discover()).0);
    assert_eq!(
        f.relay_agent_information(),
        Some(&[RelaySubOption::CircuitId(b"port-1".to_vec())][..]),
        "nas.dhcp4_no_rfc4014: draft §4.1.1's FHA never reaches the server"
    );
}

#[test]
fn knob_keeps_option82_breaks_rfc3046_2_2() {
    for (keep, present) in [(false, false), (true, true)] {
        let mut r = relay_with(|c| c.keep_option82 = keep);
        let f = forwarded(&from_client(&mut r, "eth1", &discover()).0);
        let (d, _) = from_server(&mut r, &server_reply(&f, message_type::OFFER));
        let delivered = Repr::from_bytes(&d[0].payload).unwrap();
        assert_eq!(delivered.relay_agent_information().is_some(), present);
    }
}

#[test]
fn knob_no_circuit_id_and_knob_ignores_broadcast_bit() {
    let mut r = relay_with(|c| c.omit_circuit_id = true);
    let f = forwarded(&from_client(&mut r, "eth1", &discover()).0);
    assert_eq!(f.relay_agent_information(), Some(&[][..]));
    let mut r = relay_with(|c| c.ignore_broadcast_bit = true);
    let f = forwarded(&from_client(&mut r, "eth1", &discover()).0);
    let offer = server_reply(&f, message_type::OFFER);
    assert_eq!(offer.flags, FLAG_BROADCAST);
    let (d, _) = from_server(&mut r, &offer);
    assert_eq!(
        (d[0].dst, d[0].broadcast),
        (COA, false),
        "nas.dhcp4_ignores_broadcast_bit: §4.1 SHOULD broadcast"
    );
}

/// What the lab's Kea does with `flex_option`: the FHA (the WiMAX VSA's address in the
/// RFC 4014 sub-option) into option 68; the co-located CoA from Framed-IP-Address, else
/// 198.51.100.200.
fn flex_option_server(request: &Repr) -> Repr {
    let kind = match request.message_type() {
        Some(message_type::DISCOVER) => message_type::OFFER,
        _ => message_type::ACK,
    };
    let attrs: Vec<Attribute> = request
        .relay_agent_information()
        .into_iter()
        .flatten()
        .filter_map(|s| match s {
            RelaySubOption::RadiusAttributes(a) => Some(a.clone()),
            _ => None,
        })
        .flatten()
        .collect();
    let fha = attrs.iter().find_map(|a| {
        let v = a.vendor_specific().ok()?;
        let sub = v
            .subs?
            .into_iter()
            .find(|s| s.vendor_type == wimax::VHA_IP_MIP4)?;
        <[u8; 4]>::try_from(sub.value.as_slice())
            .ok()
            .map(Ipv4Addr::from)
    });
    let coa = attrs
        .iter()
        .find(|a| a.kind == attr::FRAMED_IP_ADDRESS)
        .and_then(|a| <[u8; 4]>::try_from(a.value.as_slice()).ok())
        .map_or(Ipv4Addr::new(198, 51, 100, 200), Ipv4Addr::from);
    let mut extra = vec![DhcpOption::LeaseTime(3600)];
    extra.extend(fha.map(|f| DhcpOption::MobileIpHomeAgent(vec![f])));
    let mut m = server_reply(request, kind);
    m.yiaddr = coa;
    for o in extra.into_iter().rev() {
        m.options.insert(2, o);
    }
    m
}

/// MN → NAS → server → NAS → MN until the MN is bound.
fn run(client: &mut Client, relay: &mut Relay) -> Lease {
    client.start(0);
    for step in 0..4 {
        let t = client.drain().0;
        let (t, _) = from_client(relay, "eth1", &parse(&t[0]));
        let answer = flex_option_server(&forwarded(&t));
        let (d, _) = from_server(relay, &answer);
        client.handle_input(
            10 * step,
            Datagram::new(SocketAddr::from((NAS, 67)), &d[0].payload),
        );
        if let Some(l) = client.lease() {
            return l.clone();
        }
    }
    panic!("not bound: {:?}", client.drain().1)
}

#[test]
fn mn_gets_the_aaa_assigned_coa_and_fha_through_the_relay() {
    let mut relay = relay_with(|_| {});
    hold(&mut relay, assigned());
    let lease = run(&mut client_with(|_| {}), &mut relay);
    assert_eq!((lease.address, lease.fha()), (COA, Some(FHA)));
    // Each knob on one side loses the FHA the AAA assigned.
    let mut relay = relay_with(|c| c.omit_rfc4014 = true);
    hold(&mut relay, assigned());
    assert_eq!(run(&mut client_with(|_| {}), &mut relay).fha(), None);
    let mut relay = relay_with(|_| {});
    hold(&mut relay, assigned());
    let mut mn = client_with(|c| c.ignore_option68 = true);
    assert_eq!(run(&mut mn, &mut relay).fha(), None);
    assert!(!matches!(mn.poll_event(), Some(ClientEvent::Dropped(_))));
}

#[test]
fn a_long_request_grows_when_the_padding_is_short() {
    let mut r = relay_with(|_| {});
    hold(&mut r, assigned());
    let mut d = discover();
    d.trailing.truncate(5);
    let before = d.buffer_len();
    let f = forwarded(&from_client(&mut r, "eth1", &d).0);
    let added = f
        .options_with(code::RELAY_AGENT_INFORMATION)
        .next()
        .unwrap()
        .buffer_len();
    assert_eq!(f.buffer_len(), before + added - 5);
    assert!(f.trailing.is_empty());
}

/// RFC 3527: a link whose address the server cannot reach gets the relay's server-side
/// address as `giaddr` and its own in Link Selection; the reply to that `giaddr` finds the
/// link even without a circuit id.
#[test]
fn link_selection_when_the_server_cannot_reach_the_link() {
    const CORE: Ipv4Addr = Ipv4Addr::new(198, 51, 102, 5);
    let mut r = relay_with(|c| {
        c.links[0].server_side = Some(CORE);
        c.omit_circuit_id = true;
    });
    let (t, _) = from_client(&mut r, "eth1", &discover());
    let f = forwarded(&t);
    assert_eq!(f.giaddr, CORE);
    assert_eq!(
        f.relay_agent_information().unwrap(),
        &[RelaySubOption::LinkSelection(NAS)][..]
    );
    let (d, _) = from_server(&mut r, &server_reply(&f, message_type::OFFER));
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].interface, "eth1");
}
