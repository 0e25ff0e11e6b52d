//! The DHCPv4 client, rule by rule and knob by knob; helpers shared with the relay tests.

use super::client::*;
use crate::io::{Datagram, SansIo, Transmit};
use mip6lab_wire::dhcpv4::{
    code, message_type, DhcpOption, Repr, BOOTREPLY, BOOTREQUEST, FLAG_BROADCAST,
};
use std::net::{Ipv4Addr, SocketAddr};

pub(super) const MAC: [u8; 6] = [0x02, 0x42, 0xc6, 0x33, 0x64, 0x0a];
pub(super) const SERVER: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 67);
pub(super) const COA: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 10);
pub(super) const FHA: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 1);

/// A deterministic random source (a linear congruential generator).
pub(super) fn rng(seed: u64) -> RngFn {
    let mut s = seed;
    Box::new(move |b: &mut [u8]| {
        for x in b {
            s = s
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            *x = (s >> 56) as u8;
        }
    })
}

pub(super) fn client_with(tweak: impl FnOnce(&mut ClientConfig)) -> Client {
    let mut c = ClientConfig::new(MAC);
    c.initial_delay = false;
    tweak(&mut c);
    Client::new(c, rng(7))
}

pub(super) fn parse(t: &Transmit) -> Repr {
    Repr::from_bytes(&t.payload).unwrap()
}

fn src() -> SocketAddr {
    SocketAddr::from((SERVER, 67))
}

/// A server's reply to `request` of type `kind`, offering [`COA`] with these options after
/// the type and the server identifier.
pub(super) fn reply(request: &Repr, kind: u8, extra: Vec<DhcpOption>) -> Repr {
    let mut r = Repr::new(BOOTREPLY, request.xid, MAC);
    r.flags = request.flags;
    r.giaddr = request.giaddr;
    if kind != message_type::NAK {
        r.yiaddr = COA;
    }
    r.options = vec![DhcpOption::MessageType(kind), DhcpOption::ServerId(SERVER)];
    r.options.extend(extra);
    r.options.push(DhcpOption::End);
    r
}

fn ack_options() -> Vec<DhcpOption> {
    vec![
        DhcpOption::LeaseTime(3600),
        DhcpOption::SubnetMask(Ipv4Addr::new(255, 255, 255, 0)),
        DhcpOption::Router(vec![Ipv4Addr::new(198, 51, 100, 1)]),
        DhcpOption::MobileIpHomeAgent(vec![FHA, Ipv4Addr::new(192, 0, 2, 2)]),
    ]
}

fn feed(c: &mut Client, now: u64, m: &Repr) -> (Vec<Transmit>, Vec<ClientEvent>) {
    c.handle_input(now, Datagram::new(src(), &m.to_bytes().unwrap()));
    c.drain()
}

fn one(t: Vec<Transmit>) -> Repr {
    assert_eq!(t.len(), 1, "{t:?}");
    parse(&t[0])
}

/// Starts `c` at 0 and answers with an OFFER; gives the DHCPDISCOVER and the DHCPREQUEST.
fn to_requesting(c: &mut Client) -> (Repr, Repr) {
    c.start(0);
    let discover = one(c.drain().0);
    let (t, _) = feed(
        c,
        500,
        &reply(&discover, message_type::OFFER, ack_options()),
    );
    (discover, one(t))
}

fn prl(m: &Repr) -> Vec<u8> {
    m.options
        .iter()
        .find_map(|o| match o {
            DhcpOption::ParameterRequestList(p) => Some(p.clone()),
            _ => None,
        })
        .unwrap()
}

#[test]
fn discover_offer_request_ack_binds_with_the_fha_and_the_coa() {
    let mut c = client_with(|c| c.client_id = Some([&[1][..], &MAC].concat()));
    c.start(0);
    let (t, e) = c.drain();
    assert_eq!(t[0].dst, SocketAddr::from((Ipv4Addr::BROADCAST, 67)));
    assert_eq!(t[0].payload.len(), MIN_MESSAGE_LEN);
    let discover = parse(&t[0]);
    assert_eq!(discover.op, BOOTREQUEST);
    assert_eq!(discover.flags, FLAG_BROADCAST, "§4.1 BROADCAST bit");
    assert_eq!(discover.ciaddr, Ipv4Addr::UNSPECIFIED);
    assert_eq!(discover.hardware_address(), MAC);
    assert_eq!(discover.message_type(), Some(message_type::DISCOVER));
    assert_eq!(prl(&discover), [1, 3, 51, 54, 68]);
    assert!(matches!(
        e[0],
        ClientEvent::Sent {
            message_type: 1,
            attempt: 1,
            ..
        }
    ));

    let offer = reply(&discover, message_type::OFFER, ack_options());
    let (t, e) = feed(&mut c, 2_500, &offer);
    assert_eq!(
        e[0],
        ClientEvent::Offered {
            server_id: SERVER,
            address: COA
        }
    );
    let request = one(t);
    assert_eq!(request.xid, discover.xid, "§4.4.1 xid from the DHCPOFFER");
    assert_eq!(request.secs, discover.secs, "§3.1 (3) same secs");
    assert_eq!(request.message_type(), Some(message_type::REQUEST));
    assert!(request.options.contains(&DhcpOption::RequestedAddress(COA)));
    assert_eq!(request.server_id(), Some(SERVER));
    assert_eq!(prl(&request), prl(&discover), "§4.4.1 the same list");
    assert!(request
        .options
        .contains(&DhcpOption::ClientId([&[1][..], &MAC].concat())));

    let (t, e) = feed(
        &mut c,
        3_000,
        &reply(&request, message_type::ACK, ack_options()),
    );
    assert!(t.is_empty());
    let ClientEvent::Bound(lease) = &e[0] else {
        panic!("{e:?}")
    };
    assert_eq!(lease.address, COA);
    assert_eq!(lease.fha(), Some(FHA));
    assert_eq!(lease.home_agents, [FHA, Ipv4Addr::new(192, 0, 2, 2)]);
    assert_eq!(lease.server_id, SERVER);
    assert_eq!(lease.subnet_mask, Some(Ipv4Addr::new(255, 255, 255, 0)));
    assert_eq!(lease.routers, [Ipv4Addr::new(198, 51, 100, 1)]);
    assert_eq!(
        lease.started_at, 2_500,
        "from the DHCPREQUEST's transmission"
    );
    assert_eq!(c.lease(), Some(lease));
    assert_eq!(c.next_timeout(), Some(2_500 + 3_600_000));

    // The lease runs out: INIT again, with a new xid.
    c.handle_timeout(2_500 + 3_600_000);
    let (t, e) = c.drain();
    assert_eq!(e[0], ClientEvent::LeaseExpired);
    let again = one(t);
    assert_eq!(again.message_type(), Some(message_type::DISCOVER));
    assert_ne!(again.xid, discover.xid);
}

#[test]
fn replies_that_do_not_fit_are_dropped_with_their_reason() {
    let mut c = client_with(|_| {});
    c.start(0);
    let discover = one(c.drain().0);
    let drop_of = |c: &mut Client, m: &Repr| -> ClientEvent { feed(c, 10, m).1.remove(0) };
    let mut wrong_xid = reply(&discover, message_type::OFFER, vec![]);
    wrong_xid.xid ^= 1;
    assert_eq!(
        drop_of(&mut c, &wrong_xid),
        ClientEvent::Dropped(DropReason::XidMismatch {
            got: discover.xid ^ 1
        })
    );
    // §4.4.1: "Any arriving DHCPACK messages must be silently discarded" while selecting.
    assert_eq!(
        drop_of(&mut c, &reply(&discover, message_type::ACK, vec![])),
        ClientEvent::Dropped(DropReason::Unexpected { message_type: 5 })
    );
    let mut other = reply(&discover, message_type::OFFER, vec![]);
    other.chaddr[5] ^= 1;
    assert_eq!(
        drop_of(&mut c, &other),
        ClientEvent::Dropped(DropReason::OtherClient)
    );
    let mut no_id = reply(&discover, message_type::OFFER, vec![]);
    no_id.options.remove(1);
    assert_eq!(
        drop_of(&mut c, &no_id),
        ClientEvent::Dropped(DropReason::NoServerId)
    );
    let mut no_address = reply(&discover, message_type::OFFER, vec![]);
    no_address.yiaddr = Ipv4Addr::UNSPECIFIED;
    assert_eq!(
        drop_of(&mut c, &no_address),
        ClientEvent::Dropped(DropReason::NoAddress)
    );
    assert_eq!(
        drop_of(&mut c, &discover),
        ClientEvent::Dropped(DropReason::NotReply(BOOTREQUEST))
    );
    let mut untyped = reply(&discover, message_type::OFFER, vec![]);
    untyped.options.remove(0);
    assert_eq!(
        drop_of(&mut c, &untyped),
        ClientEvent::Dropped(DropReason::NoMessageType)
    );
    c.handle_input(10, Datagram::new(src(), &[1, 2, 3]));
    assert!(matches!(
        c.drain().1[0],
        ClientEvent::Dropped(DropReason::Malformed(_))
    ));
    // Still selecting: the right offer is taken.
    let (t, _) = feed(&mut c, 20, &reply(&discover, message_type::OFFER, vec![]));
    assert_eq!(one(t).message_type(), Some(message_type::REQUEST));
}

#[test]
fn ack_from_another_server_is_dropped_and_nak_restarts() {
    let mut c = client_with(|_| {});
    let (discover, request) = to_requesting(&mut c);
    let mut foreign = reply(&request, message_type::ACK, vec![]);
    foreign.options[1] = DhcpOption::ServerId(Ipv4Addr::new(203, 0, 113, 99));
    let (_, e) = feed(&mut c, 600, &foreign);
    assert_eq!(
        e[0],
        ClientEvent::Dropped(DropReason::OtherServer {
            got: Ipv4Addr::new(203, 0, 113, 99)
        })
    );
    let mut nak = reply(&request, message_type::NAK, vec![]);
    nak.options.insert(
        2,
        DhcpOption::Other {
            code: 56,
            data: b"wrong network".to_vec(),
        },
    );
    let (t, e) = feed(&mut c, 700, &nak);
    assert_eq!(
        e[0],
        ClientEvent::Nak {
            server_id: Some(SERVER),
            message: Some("wrong network".into())
        }
    );
    let restarted = one(t);
    assert_eq!(restarted.message_type(), Some(message_type::DISCOVER));
    assert_ne!(
        restarted.xid, discover.xid,
        "§3.1 (5): the process restarts"
    );
}

/// The gaps between the transmissions of `c` over `until` ms, ticking at each timeout.
fn gaps(c: &mut Client, until: u64) -> Vec<u64> {
    let mut sent = vec![0];
    while let Some(t) = c.next_timeout().filter(|t| *t <= until) {
        c.handle_timeout(t);
        if !c.drain().0.is_empty() {
            sent.push(t);
        }
    }
    sent.windows(2).map(|w| w[1] - w[0]).collect()
}

#[test]
fn discover_backs_off_4_8_16_32_64_seconds_randomized_and_stays_at_64() {
    for seed in [1, 2, 3, 99] {
        let mut config = ClientConfig::new(MAC);
        config.initial_delay = false;
        let mut c = Client::new(config, rng(seed));
        c.start(0);
        c.drain();
        let g = gaps(&mut c, 400_000);
        assert!(g.len() >= 8, "{g:?}");
        for (i, gap) in g.iter().enumerate() {
            let base = (4_000u64 << i.min(4)).min(64_000);
            assert!(
                (base - 1_000..=base + 1_000).contains(gap),
                "gap {i} of {gap} ms, §4.1 wants {base} ± 1000 ({g:?})"
            );
        }
        // Randomized: not every gap sits on its base.
        assert!(g
            .iter()
            .enumerate()
            .any(|(i, gap)| *gap != (4_000u64 << i.min(4)).min(64_000)));
    }
}

#[test]
fn an_unanswered_request_is_sent_five_times_then_init_again() {
    let mut c = client_with(|_| {});
    let (discover, request) = to_requesting(&mut c);
    let mut requests = 1;
    let mut events = Vec::new();
    while let Some(t) = c.next_timeout().filter(|t| *t < 200_000) {
        c.handle_timeout(t);
        let (sent, e) = c.drain();
        events.extend(e);
        let Some(m) = sent.first().map(parse) else {
            continue;
        };
        if m.message_type() == Some(message_type::DISCOVER) {
            assert_ne!(m.xid, discover.xid);
            break;
        }
        assert_eq!((m.xid, m.secs), (request.xid, request.secs));
        requests += 1;
    }
    assert_eq!(requests, REQUEST_TRANSMISSIONS);
    assert!(events.contains(&ClientEvent::RequestUnanswered));
}

#[test]
fn the_first_discover_waits_one_to_ten_seconds() {
    for seed in 0..20 {
        let mut c = Client::new(ClientConfig::new(MAC), rng(seed));
        c.start(1_000);
        assert!(c.drain().0.is_empty());
        let at = c.next_timeout().unwrap();
        assert!((2_000..=11_000).contains(&at), "{at}");
        c.handle_timeout(at);
        assert_eq!(
            one(c.drain().0).message_type(),
            Some(message_type::DISCOVER)
        );
    }
}

/// Runs the exchange with a server that answers every DISCOVER and REQUEST with these
/// options; gives what the client sent and the lease.
fn bound(c: &mut Client, options: Vec<DhcpOption>) -> (Repr, Repr, Lease) {
    c.start(0);
    let discover = one(c.drain().0);
    let (t, _) = feed(
        c,
        10,
        &reply(&discover, message_type::OFFER, options.clone()),
    );
    let request = one(t);
    let (_, e) = feed(c, 20, &reply(&request, message_type::ACK, options));
    let Some(ClientEvent::Bound(lease)) = e.into_iter().last() else {
        panic!("not bound")
    };
    (discover, request, lease)
}

#[test]
fn knob_ignores_option68_loses_the_assigned_fha() {
    // draft §4.1.1: the MN takes the FHA the NAS/AAA assigned (here option 68).
    let (_, _, lease) = bound(&mut client_with(|_| {}), ack_options());
    assert_eq!(lease.fha(), Some(FHA));
    let (_, _, lease) = bound(
        &mut client_with(|c| c.ignore_option68 = true),
        ack_options(),
    );
    assert_eq!(lease.fha(), None, "mn.dhcp4_ignores_option68");
    assert_eq!(lease.address, COA, "the rest of the lease is unchanged");
}

#[test]
fn knob_no_option68_request_leaves_68_out_of_every_prl() {
    let (d, r, _) = bound(&mut client_with(|_| {}), ack_options());
    assert!(prl(&d).contains(&code::MOBILE_IP_HOME_AGENT));
    assert!(prl(&r).contains(&code::MOBILE_IP_HOME_AGENT));
    let (d, r, _) = bound(
        &mut client_with(|c| c.no_option68_request = true),
        ack_options(),
    );
    assert!(!prl(&d).contains(&code::MOBILE_IP_HOME_AGENT));
    assert!(!prl(&r).contains(&code::MOBILE_IP_HOME_AGENT));
}

#[test]
fn knob_no_server_id_drops_table_5_must() {
    let (_, r, _) = bound(&mut client_with(|_| {}), vec![]);
    assert_eq!(r.server_id(), Some(SERVER));
    let (_, r, _) = bound(&mut client_with(|c| c.omit_server_id = true), vec![]);
    assert_eq!(r.server_id(), None, "mn.dhcp4_no_server_id");
    assert!(r.options.contains(&DhcpOption::RequestedAddress(COA)));
}

#[test]
fn knob_no_backoff_retransmits_at_a_fixed_rate() {
    let mut c = client_with(|c| c.no_backoff = true);
    c.start(0);
    c.drain();
    let g = gaps(&mut c, 10_000);
    assert_eq!(
        g,
        vec![NO_BACKOFF_MS; 10],
        "§4.1 randomized exponential backoff broken"
    );
}
