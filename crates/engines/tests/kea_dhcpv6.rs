//! Container test: the integrated-mode MN's DHCPv6 client ([`mip6lab_engines::dhcpv6::client`])
//! against the integrated scenario's DHCPv6 server, Kea 2.2 (`fixtures/topologies/dhcp.toml`,
//! `fixtures/kea/kea-dhcp6.conf`). The host plays the MN on the home link: RFC 6611 §4.2.2,
//! home agent in the ASP — an Information-request asking for VDINF, answered from Kea's
//! configuration with the ASP's HA — and RFC 6611 §4.2.1, home agent in the MSP: the NAS's
//! relay ([`mip6lab_engines::dhcpv6::relay`]) adds the AAA-assigned HA in an RSOO and Kea
//! returns it in an IDINF. It needs Docker, so plain `cargo test` lists it as ignored;
//! `just test` runs it.

mod lab_common;
mod payloads;
use lab_common::{home_port_text, lab_up, root};
use mip6lab_engines::dhcpv6::assignment::{ClientMatch, HaAssignment, HomeNetworkAssignment};
use mip6lab_engines::dhcpv6::client::{
    Client, ClientConfig, ClientEvent, HaCandidate, HomeNetworkRequest, InfoKind, ReplyOutcome,
};
use mip6lab_engines::dhcpv6::relay::{AccessLink, Relay, RelayConfig, RelayInput};
use mip6lab_engines::io::{Datagram, SansIo};
use mip6lab_wire::dhcpv6::{Duid, Fqdn};
use std::net::{Ipv6Addr, SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

#[test]
#[ignore = "needs Docker: run with --include-ignored (just test)"]
fn kea_answers_the_asp_case_with_its_configured_visited_home_agent() {
    let out = std::env::temp_dir()
        .join("mip6lab-tests")
        .join(format!("kea-{}", std::process::id()));
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (outcome, artifacts, topology) = rt.block_on(async {
        let topo =
            mip6lab_lab::Topology::load(&root().join("fixtures/topologies/dhcp.toml")).unwrap();
        // Ready once Kea answered an Information-request with VDINF (the topology's probe).
        let lab = lab_up(&topo, &out).await;
        let topology = lab.topology.clone();
        // This thread is in the lab's namespace (lab_up): the MN's socket is on the link.
        let sock = UdpSocket::bind(SocketAddr::from((topology.hosts["lab"], 546))).unwrap();
        sock.set_read_timeout(Some(Duration::from_millis(100)))
            .unwrap();
        let scope = lab.netns().ifindex("br0-home").unwrap();
        let mut client = mn_client(HomeNetworkRequest::Visited, scope);
        let t0 = Instant::now();
        let now = || t0.elapsed().as_millis() as u64;
        client.start(now());
        let mut configured = None;
        let mut buf = [0u8; 2048];
        while configured.is_none() && t0.elapsed() < Duration::from_secs(10) {
            while let Some(t) = client.poll_transmit() {
                sock.send_to(&t.payload, t.dst).unwrap();
            }
            while let Some(e) = client.poll_event() {
                if let ClientEvent::Configured(o) = e {
                    configured = Some(o);
                }
            }
            match sock.recv_from(&mut buf) {
                Ok((n, from)) => client.handle_input(now(), Datagram::new(from, &buf[..n])),
                Err(_) => client.handle_timeout(now()),
            }
        }
        while let Some(e) = client.poll_event() {
            if let ClientEvent::Configured(o) = e {
                configured = configured.or(Some(o));
            }
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        let artifacts = lab.down().await.unwrap();
        (configured, artifacts, topology)
    });
    let outcome = outcome.expect("a Reply the client took within 10 s");
    let chosen = outcome.chosen.expect("a usable home agent");
    assert_eq!(chosen.kind, InfoKind::Visited);
    assert_eq!(
        chosen.home_agent,
        HaCandidate::Address("2001:db8:1::a2".parse::<Ipv6Addr>().unwrap())
    );
    // The capture, decoded by the DHCPv6 dissector: the MN's exchange (port 546), from its
    // first request on (the readiness probe's exchange before it is setup: its retries vary).
    let text: String = home_port_text(&artifacts, &topology, 546)
        .lines()
        .skip_while(|l| !l.contains("OPTION_ORO codes=50,49"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert!(
        text.contains("OPTION_MIP6_VDINF {OPTION_MIP6_HAA address=2001:db8:1::a2}"),
        "{text}"
    );
    insta::assert_snapshot!("kea_asp_case", text);
    let _ = std::fs::remove_dir_all(&out);
}

/// The MN's client with a fixed DUID and random source (runs are reproducible).
fn mn_client(request: HomeNetworkRequest, scope: u32) -> Client {
    let duid = Duid::Ll {
        hardware_type: 1,
        link_layer_address: vec![0x02, 0x42, 0xc6, 0x33, 0x64, 0x8a],
    };
    let mut cfg = ClientConfig::new(duid, request, scope);
    cfg.initial_delay = false;
    let mut seed = 7u8;
    Client::new(
        cfg,
        Box::new(move |b: &mut [u8]| {
            for x in b {
                seed = seed.wrapping_mul(31).wrapping_add(1);
                *x = seed;
            }
        }),
    )
}

/// RFC 6611 §4.2.1 (2)–(5): the MN asks for its MSP's home network information; the NAS's
/// relay, holding the AAAH's assignment (HA1, the MSP's home link prefix), forwards the
/// request to Kea with an RSOO carrying an IDINF; Kea returns that IDINF (RSOO option 69 is
/// on its `relay-supplied-options` list, INTERP-6611-4); the relay hands the inner Reply to
/// the MN unchanged, and the MN takes the AAA-assigned HA over Kea's own VDINF.
#[test]
#[ignore = "needs Docker: run with --include-ignored (just test)"]
fn kea_returns_the_aaa_assigned_home_agent_the_relay_supplied() {
    let out = std::env::temp_dir()
        .join("mip6lab-tests")
        .join(format!("kea-msp-{}", std::process::id()));
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (outcome, relayed, artifacts, topology) = rt.block_on(async {
        let topo =
            mip6lab_lab::Topology::load(&root().join("fixtures/topologies/dhcp.toml")).unwrap();
        let lab = lab_up(&topo, &out).await;
        let topology = lab.topology.clone();
        let lab_addr = topology.hosts["lab"];
        // The relay's server side, on the lab's address (this thread is in the lab namespace).
        let relay_sock = UdpSocket::bind(SocketAddr::from((lab_addr, 547))).unwrap();
        relay_sock
            .set_read_timeout(Some(Duration::from_millis(100)))
            .unwrap();
        let scope = lab.netns().ifindex("br0-home").unwrap();
        let msp = Fqdn::from_dotted("example.com").unwrap();
        let mut client = mn_client(
            HomeNetworkRequest::Identified {
                home_networks: vec![msp.clone()],
            },
            scope,
        );
        let mut cfg = RelayConfig::new(vec![AccessLink {
            name: "access".into(),
            link_address: lab_addr,
            interface_id: b"access".to_vec(),
            scope_id: scope,
        }]);
        cfg.servers = vec![topology.hosts["DHCP"]];
        let mut relay = Relay::new(cfg);
        let t0 = Instant::now();
        let now = || t0.elapsed().as_millis() as u64;
        // (1) The AAAH's assignment reached the NAS.
        relay.handle_input(
            now(),
            RelayInput::Assignment(HaAssignment {
                client: ClientMatch::Interface("access".into()),
                networks: vec![HomeNetworkAssignment {
                    home_network_id: Some(msp.clone()),
                    ha_addresses: vec!["2001:db8:1::a1".parse().unwrap()],
                    ha_fqdn: None,
                    home_link_prefix: Some((64, "2001:db8:1:100::".parse().unwrap())),
                }],
                expires_at: None,
            }),
        );
        client.start(now());
        let mut configured: Option<ReplyOutcome> = None;
        let mut relayed = Vec::new();
        let mut buf = [0u8; 4096];
        while configured.is_none() && t0.elapsed() < Duration::from_secs(10) {
            // (2) The MN's request goes to the relay (the access link is this thread).
            while let Some(t) = client.poll_transmit() {
                relay.handle_input(
                    now(),
                    RelayInput::Client {
                        interface: "access",
                        src: "fe80::42:c6ff:fe33:648a".parse().unwrap(),
                        payload: &t.payload,
                    },
                );
            }
            // (3) Relay-forwards go to Kea; (5) replies for the MN go to the client.
            while let Some(t) = relay.poll_transmit() {
                if t.dst.port() == 547 {
                    relay_sock.send_to(&t.payload, t.dst).unwrap();
                } else {
                    client.handle_input(now(), Datagram::new(t.dst, &t.payload));
                }
            }
            while let Some(e) = relay.poll_event() {
                relayed.push(format!("{e:?}"));
            }
            while let Some(e) = client.poll_event() {
                if let ClientEvent::Configured(o) = e {
                    configured = Some(o);
                }
            }
            if configured.is_some() {
                break;
            }
            match relay_sock.recv_from(&mut buf) {
                Ok((n, from)) => relay.handle_input(
                    now(),
                    RelayInput::Server {
                        src: from,
                        payload: &buf[..n],
                    },
                ),
                Err(_) => client.handle_timeout(now()),
            }
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        let artifacts = lab.down().await.unwrap();
        (configured, relayed, artifacts, topology)
    });
    let outcome = outcome.expect("a Reply the client took within 10 s");
    let chosen = outcome.chosen.expect("a usable home agent");
    assert_eq!(chosen.kind, InfoKind::Identified, "{relayed:?}");
    assert_eq!(
        chosen.home_agent,
        HaCandidate::Address("2001:db8:1::a1".parse::<Ipv6Addr>().unwrap())
    );
    assert_eq!(
        chosen.prefix,
        Some((64, "2001:db8:1:100::".parse().unwrap()))
    );
    // The relay's side of the capture: Relay-forward with the RSOO, Relay-reply with the IDINF.
    let text = home_port_text(&artifacts, &topology, 547);
    let relay_lines: String = text
        .lines()
        .filter(|l| l.contains("RELAY"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert!(relay_lines.contains("OPTION_RSOO"), "{text}");
    insta::assert_snapshot!("kea_msp_case", relay_lines);
    let _ = std::fs::remove_dir_all(&out);
}
