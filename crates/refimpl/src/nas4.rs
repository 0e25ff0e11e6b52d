//! The dual-stack NAS (`MIP6LAB_ROLE=nas` with `MIP6LAB_DHCP4_SERVER`; draft-qin-mip6-
//! dsbootstrapping §4.1.1 steps 1–3: "NAS and AAAH should assign the proper Foreign Home Agent
//! and the co-located address"). On the access link it is the IEEE 802.1X authenticator, as the
//! integrated scenario's NAS; it relays the MN's DHCPv4 to the access network's server (RFC 2131
//! §4.1) with option 82 (RFC 3046): its circuit, the RADIUS attributes of the MN's
//! Access-Accept that carry the assignment (RFC 4014 sub-option 7: the FHA, by the dual-stack
//! profile), and, since the server reaches it on the core link only, its access address in a
//! Link Selection sub-option with `giaddr` its core address (RFC 3527). The server (Kea, with
//! `fixtures/kea/kea-dhcp4.conf`) gives the co-located CoA and puts the FHA in option 68. The
//! protocol logic is in the engines (`access::authenticator`, `dhcpv4::relay`).

use crate::config::{Config, Knobs};
use crate::events::emit;
use crate::nas::{authenticator, report_access_event, NasSettings};
use anyhow::{Context, Result};
use mip6lab_engines::access::{AuthenticatorEvent, AuthenticatorInput};
use mip6lab_engines::dhcpv4::relay::{
    rfc4014_attributes, AccessLink, Relay, RelayConfig, RelayEvent, RelayInput,
};
use mip6lab_engines::io::{Datagram, SansIo};
use mip6lab_engines_io::eapol::EapolSocket;
use mip6lab_engines_io::udp4::udp4_on;
use mip6lab_wire::dhcpv4::{CLIENT_PORT, SERVER_PORT};
use mip6lab_wire::dsprofile::Profile;
use mip6lab_wire::eapol::mac_text;
use serde_json::json;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};
use tokio::net::UdpSocket;

/// The interface of the server side (the node's first link).
const CORE_IFACE: &str = "eth0";

/// The relay's configuration: its one access link, the server, the `nas.dhcp4_*` knobs.
fn relay_config(link: AccessLink, server: Ipv4Addr, k: &Knobs) -> RelayConfig {
    RelayConfig {
        omit_rfc4014: k.nas_dhcp4_no_rfc4014,
        ..RelayConfig::new(vec![link], vec![server])
    }
}

pub async fn run(cfg: &Config, ns: &NasSettings, server: Ipv4Addr) -> Result<()> {
    let access4 = crate::fha::wait_ipv4(&ns.access_iface, cfg.net_timeout).await?;
    let core4 = crate::fha::wait_ipv4(CORE_IFACE, cfg.net_timeout).await?;
    let eapol = EapolSocket::open(&ns.access_iface)
        .with_context(|| format!("EAPOL on {}", ns.access_iface))?;
    let radius_sock = UdpSocket::bind("[::]:0").await.context("RADIUS socket")?;
    let clients = udp4_on(Some(&ns.access_iface), SERVER_PORT)
        .with_context(|| format!("DHCPv4 relay socket on {}", ns.access_iface))?;
    let servers = udp4_on(Some(CORE_IFACE), SERVER_PORT).context("DHCPv4 server-side socket")?;
    let started = Instant::now();
    let now = || started.elapsed().as_millis() as u64;
    let mut auth = authenticator(cfg, ns, eapol.own_mac(), now());
    let link = AccessLink {
        name: ns.access_iface.clone(),
        address: access4,
        circuit_id: ns.access_iface.as_bytes().to_vec(),
        server_side: Some(core4),
    };
    let mut relay = Relay::new(relay_config(link, server, &cfg.knobs));
    let profile = Profile::lab();
    emit(
        "ready",
        json!({ "access": ns.access_iface, "access_address": access4.to_string(),
                "core_address": core4.to_string(), "dhcp4_server": server.to_string(),
                "aaa": ns.radius.to_string() }),
    );
    let (mut radius_buf, mut client_buf, mut server_buf) = ([0u8; 4096], [0u8; 2048], [0u8; 2048]);
    loop {
        while let Some(f) = auth.poll_frame() {
            // A lost frame is the supplicant's retransmission to make up for.
            if let Err(e) = eapol.send(f.dst, &f.payload).await {
                eprintln!("nas: EAPOL send: {e}");
            }
        }
        while let Some(t) = auth.poll_transmit() {
            let _ = radius_sock.send_to(&t.payload, t.dst).await;
        }
        while let Some(e) = auth.poll_event() {
            match e {
                AuthenticatorEvent::Authorized {
                    supplicant,
                    identity,
                    accept,
                    ..
                } => {
                    let attributes = rfc4014_attributes(&accept, &profile);
                    emit(
                        "access_authorized",
                        json!({ "supplicant": mac_text(&supplicant),
                                "identity": String::from_utf8_lossy(&identity),
                                "rfc4014_attributes": attributes.len() }),
                    );
                    relay.handle_input(
                        now(),
                        RelayInput::Attributes {
                            chaddr: supplicant,
                            attributes,
                        },
                    );
                }
                AuthenticatorEvent::Logoff { supplicant } => {
                    report_access_event(AuthenticatorEvent::Logoff { supplicant });
                    relay.handle_input(now(), RelayInput::SessionEnded { chaddr: supplicant });
                }
                other => report_access_event(other),
            }
        }
        while let Some(t) = relay.poll_transmit() {
            if let Err(e) = servers.send_to(&t.payload, t.dst).await {
                emit(
                    "error",
                    json!({ "send_to": t.dst.to_string(), "reason": e.to_string() }),
                );
            }
        }
        while let Some(d) = relay.poll_delivery() {
            // The broadcast bit (or no address yet): the link's broadcast; else the address
            // the relay names (the client's, reachable once it answers ARP for it).
            let to = SocketAddr::from((d.dst, CLIENT_PORT));
            if let Err(e) = clients.send_to(&d.payload, to).await {
                emit(
                    "error",
                    json!({ "send_to": to.to_string(), "reason": e.to_string() }),
                );
            }
        }
        while let Some(e) = relay.poll_event() {
            emit("dhcp4", relay_event_json(&e));
        }
        let wait = auth
            .next_timeout()
            .map_or(1000, |d| d.saturating_sub(now()).min(1000));
        tokio::select! {
            r = eapol.recv() => {
                let (src, pdu) = r.context("EAPOL receive")?;
                auth.handle_input(now(), AuthenticatorInput::Frame { src, payload: &pdu });
            }
            r = radius_sock.recv_from(&mut radius_buf) => {
                let (n, from) = r.context("RADIUS receive")?;
                auth.handle_input(now(), AuthenticatorInput::Radius(Datagram::new(from, &radius_buf[..n])));
            }
            r = clients.recv_from(&mut client_buf) => {
                let (n, _) = r.context("DHCPv4 receive (access link)")?;
                let input = RelayInput::Client { interface: &ns.access_iface, payload: &client_buf[..n] };
                relay.handle_input(now(), input);
            }
            r = servers.recv_from(&mut server_buf) => {
                let (n, src) = r.context("DHCPv4 receive (server side)")?;
                relay.handle_input(now(), RelayInput::Server { src, payload: &server_buf[..n] });
            }
            _ = tokio::time::sleep(Duration::from_millis(wait)) => auth.handle_timeout(now()),
        }
    }
}

fn relay_event_json(e: &RelayEvent) -> serde_json::Value {
    match e {
        RelayEvent::Forwarded {
            chaddr,
            hops,
            rfc4014_attributes,
            ..
        } => {
            json!({ "forwarded": chaddr.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(":"), "hops": hops,
                     "rfc4014_attributes": rfc4014_attributes })
        }
        RelayEvent::Delivered {
            dst,
            broadcast,
            message_type,
            stripped_option82,
            ..
        } => json!({ "delivered": dst.to_string(), "broadcast": broadcast,
                     "message_type": message_type, "stripped_option82": stripped_option82 }),
        RelayEvent::Dropped { side, reason } => {
            json!({ "dropped": format!("{side:?}"), "reason": format!("{reason:?}") })
        }
        RelayEvent::AttributesStored { chaddr, count } => {
            json!({ "attributes_stored": mac_text(chaddr), "count": count })
        }
        RelayEvent::AttributesRemoved { chaddr } => {
            json!({ "attributes_removed": mac_text(chaddr) })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{assert_mutants_reach, KnobField};

    #[test]
    fn every_dhcp4_relay_mutant_reaches_the_relay_and_none_by_default() {
        let link = AccessLink {
            name: "eth1".into(),
            address: Ipv4Addr::new(198, 18, 10, 1),
            circuit_id: b"eth1".to_vec(),
            server_side: Some(Ipv4Addr::new(198, 18, 0, 10)),
        };
        let server = Ipv4Addr::new(198, 18, 0, 67);
        let build = |k: &Knobs| relay_config(link.clone(), server, k);
        assert_eq!(
            build(&Knobs::default()),
            RelayConfig::new(vec![link.clone()], vec![server])
        );
        let fields: [KnobField<RelayConfig>; 1] = [("nas.dhcp4_no_rfc4014", |c| c.omit_rfc4014)];
        assert_mutants_reach("nas.dhcp4_", &fields, build);
    }
}
