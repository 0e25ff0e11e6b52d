//! Container test: the integrated-mode MN's DHCPv6 client ([`mip6lab_engines::dhcpv6::client`])
//! against the integrated scenario's DHCPv6 server, Kea 2.2 (`fixtures/topologies/dhcp.toml`,
//! `fixtures/kea/kea-dhcp6.conf`). The host plays the MN on the home link: RFC 6611 §4.2.2,
//! home agent in the ASP — an Information-request asking for VDINF, answered from Kea's
//! configuration with the ASP's HA. It needs Docker, so plain `cargo test` lists it as
//! ignored; `just test` runs it.

mod lab_common;
mod payloads;
use lab_common::{home_port_text, lab_up, root};
use mip6lab_engines::dhcpv6::client::{
    Client, ClientConfig, ClientEvent, HaCandidate, HomeNetworkRequest, InfoKind,
};
use mip6lab_engines::io::{Datagram, SansIo};
use mip6lab_wire::dhcpv6::Duid;
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
        let duid = Duid::Ll {
            hardware_type: 1,
            link_layer_address: vec![0x02, 0x42, 0xc6, 0x33, 0x64, 0x8a],
        };
        let mut cfg = ClientConfig::new(duid, HomeNetworkRequest::Visited, scope);
        cfg.initial_delay = false;
        let mut seed = 7u8;
        let mut client = Client::new(
            cfg,
            Box::new(move |b: &mut [u8]| {
                for x in b {
                    seed = seed.wrapping_mul(31).wrapping_add(1);
                    *x = seed;
                }
            }),
        );
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
