//! Reference NAS with its DHCPv6 relay (RFC 6611 §4.2 steps (1)–(5)): on the access link it
//! is the IEEE 802.1X authenticator, passing the MN's EAP through to the AAAH over RADIUS
//! (RFC 3579) and keeping the home agent the Access-Accept assigns (the lab's RADIUS profile,
//! `fixtures/requirements/radius-ha-assignment.md`); it relays the MN's DHCPv6 messages to
//! the configured servers and, while it holds that assignment, adds an RSOO with an IDINF
//! for the MN's home network (RFC 6422 §5, RFC 6610 §4.2). The protocol logic is in the
//! engines (`access::authenticator`, `dhcpv6::relay`); this module owns the sockets.

use crate::config::Config;
use crate::events::emit;
use crate::netwait::{global_address, if_index};
use anyhow::{anyhow, bail, Context, Result};
use mip6lab_contract::env::{self, EnvVar};
use mip6lab_engines::access::{
    Authenticator, AuthenticatorConfig, AuthenticatorEvent, AuthenticatorInput,
};
use mip6lab_engines::dhcpv6::assignment::{ClientMatch, HaAssignment, HomeNetworkAssignment};
use mip6lab_engines::dhcpv6::relay::{AccessLink, Relay, RelayConfig, RelayEvent, RelayInput};
use mip6lab_engines::io::{Datagram, SansIo};
use mip6lab_engines_io::eapol::EapolSocket;
use mip6lab_wire::dhcpv6::{Fqdn, ALL_RELAY_AGENTS_AND_SERVERS};
use mip6lab_wire::eapol::mac_text;
use mip6lab_wire::radius;
use serde_json::json;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::time::{Duration, Instant};
use tokio::net::UdpSocket;

/// The name the relay gives the access link (its Interface-Id option).
const ACCESS_LINK: &str = "access";

#[derive(Debug, Clone)]
pub struct NasSettings {
    pub access_iface: String,
    pub radius: SocketAddr,
    pub radius_secret: String,
    pub dhcp_servers: Vec<Ipv6Addr>,
    /// `None`: held while the access session lasts.
    pub hold: Option<Duration>,
    /// RFC 6422 §5's switch: discard Relay-forwards carrying an RSOO.
    pub block_forwards_with_rsoo: bool,
    /// The dual-stack NAS: relay DHCPv4 to this server instead of DHCPv6 (`crate::nas4`).
    pub dhcp4_server: Option<std::net::Ipv4Addr>,
}

impl NasSettings {
    pub fn from_vars(get: &dyn Fn(EnvVar) -> Option<String>) -> Result<NasSettings> {
        let radius = get(env::RADIUS).ok_or_else(|| anyhow!("{} is not set", env::RADIUS))?;
        let radius = radius
            .parse::<SocketAddr>()
            .with_context(|| format!("{} `{radius}` is not [addr]:port", env::RADIUS))?;
        let dhcp4_server = get(env::DHCP4_SERVER)
            .map(|a| {
                a.parse()
                    .map_err(|_| anyhow!("{}: `{a}` is not an IPv4 address", env::DHCP4_SERVER))
            })
            .transpose()?;
        // The dual-stack NAS relays DHCPv4 only.
        let dhcp_servers = match dhcp4_server {
            Some(_) => Vec::new(),
            None => dhcp_servers(get)?,
        };
        let hold = get(env::HA_INFO_HOLD_SECS)
            .map(|s| {
                s.parse::<u64>()
                    .map(Duration::from_secs)
                    .with_context(|| format!("{}: `{s}`", env::HA_INFO_HOLD_SECS))
            })
            .transpose()?;
        Ok(NasSettings {
            access_iface: get(env::ACCESS_IFACE).unwrap_or_else(|| "eth1".into()),
            radius,
            radius_secret: get(env::RADIUS_SECRET)
                .ok_or_else(|| anyhow!("{} is not set", env::RADIUS_SECRET))?,
            dhcp_servers,
            hold,
            block_forwards_with_rsoo: match get(env::RSOO_BLOCK_FORWARDS).as_deref() {
                None | Some("no" | "false" | "0") => false,
                Some("yes" | "true" | "1") => true,
                Some(o) => bail!("{}: `{o}` is not yes/no", env::RSOO_BLOCK_FORWARDS),
            },
            dhcp4_server,
        })
    }
}

/// `MIP6LAB_DHCP_SERVERS`: the DHCPv6 servers a relay sends to (at least one).
pub(crate) fn dhcp_servers(get: &dyn Fn(EnvVar) -> Option<String>) -> Result<Vec<Ipv6Addr>> {
    let servers =
        get(env::DHCP_SERVERS).ok_or_else(|| anyhow!("{} is not set", env::DHCP_SERVERS))?;
    let dhcp_servers = servers
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<Ipv6Addr>()
                .with_context(|| format!("{}: `{s}` is not an IPv6 address", env::DHCP_SERVERS))
        })
        .collect::<Result<Vec<_>>>()?;
    if dhcp_servers.is_empty() {
        bail!("{} names no server", env::DHCP_SERVERS);
    }
    Ok(dhcp_servers)
}

/// The IEEE 802.1X authenticator both NAS kinds run, its RADIUS to `ns.radius`.
pub(crate) fn authenticator(
    cfg: &Config,
    ns: &NasSettings,
    mac: [u8; 6],
    now: u64,
) -> Authenticator {
    let mut radius_cfg = mip6lab_engines::aaa::RelayConfig::new(ns.radius_secret.as_bytes());
    radius_cfg.nas_identifier = Some(cfg.id.clone());
    radius_cfg.nas_ipv6_address = cfg.addr;
    let mut auth_cfg = AuthenticatorConfig::new(mac, radius_cfg, ns.radius);
    auth_cfg.radius_retransmit_ms = 1000;
    auth_cfg.success_before_accept = cfg.knobs.nas_success_before_accept;
    auth_cfg.drop_assignment = cfg.knobs.nas_drop_assignment;
    Authenticator::new(auth_cfg, rand::random::<[u8; 16]>, now)
}

pub async fn run(cfg: &Config) -> Result<()> {
    let ns = cfg.nas.as_ref().ok_or_else(|| anyhow!("not a NAS"))?;
    if let Some(server) = ns.dhcp4_server {
        return crate::nas4::run(cfg, ns, server).await;
    }
    let ifindex = if_index(&ns.access_iface)?;
    let link_address = global_address(&ns.access_iface)?;
    let eapol = EapolSocket::open(&ns.access_iface)
        .with_context(|| format!("EAPOL on {}", ns.access_iface))?;
    let radius_sock = UdpSocket::bind("[::]:0").await.context("RADIUS socket")?;
    let dhcp = UdpSocket::bind("[::]:547")
        .await
        .context("DHCPv6 relay socket (port 547)")?;
    dhcp.join_multicast_v6(&ALL_RELAY_AGENTS_AND_SERVERS, ifindex)
        .context("joining ff02::1:2 on the access link")?;

    let started = Instant::now();
    let now = || started.elapsed().as_millis() as u64;
    let mut auth = authenticator(cfg, ns, eapol.own_mac(), now());
    let mut relay_cfg = RelayConfig::new(vec![AccessLink {
        name: ACCESS_LINK.into(),
        link_address,
        interface_id: ns.access_iface.as_bytes().to_vec(),
        scope_id: ifindex,
    }]);
    relay_cfg.servers = ns.dhcp_servers.clone();
    relay_cfg.hold_ms = ns.hold.map(|d| d.as_millis() as u64);
    relay_cfg.rsoo_even_when_expired = cfg.knobs.nas_rsoo_after_expiry;
    relay_cfg.modify_relay_reply = cfg.knobs.nas_modify_relay_reply;
    relay_cfg.omit_hnidf_in_idinf = cfg.knobs.nas_omit_hnidf_in_idinf;
    relay_cfg.idinf_for_unrequested_network = cfg.knobs.nas_idinf_for_unrequested_network;
    relay_cfg.rsoo_bare_haa = cfg.knobs.nas_rsoo_bare_haa;
    relay_cfg.empty_idinf = cfg.knobs.nas_empty_idinf;
    relay_cfg.block_forwards_with_rsoo =
        ns.block_forwards_with_rsoo && !cfg.knobs.nas_rsoo_block_ignored;
    relay_cfg.block_checks_outer_only = cfg.knobs.nas_rsoo_block_outer_only;
    let mut relay = Relay::new(relay_cfg);
    emit(
        "ready",
        json!({ "access": ns.access_iface, "link_address": link_address.to_string(),
                "servers": ns.dhcp_servers, "aaa": ns.radius.to_string() }),
    );

    let mut radius_buf = [0u8; 4096];
    let mut dhcp_buf = [0u8; 4096];
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
            on_access_event(&mut relay, now(), e, cfg.knobs.nas_ipv4_ha_mapped);
        }
        while let Some(t) = relay.poll_transmit() {
            let _ = dhcp.send_to(&t.payload, t.dst).await;
        }
        while let Some(e) = relay.poll_event() {
            emit("dhcp_relay", relay_event_json(&e));
        }
        let due = [auth.next_timeout(), relay.next_timeout()]
            .into_iter()
            .flatten()
            .min();
        // With no timer pending, wake up now and then anyway: every wait has a bound.
        let wait = Duration::from_millis(due.map_or(1000, |d| d.saturating_sub(now())));
        tokio::select! {
            r = eapol.recv() => {
                let (src, pdu) = r.context("EAPOL receive")?;
                auth.handle_input(now(), AuthenticatorInput::Frame { src, payload: &pdu });
            }
            r = radius_sock.recv_from(&mut radius_buf) => {
                let (n, from) = r.context("RADIUS receive")?;
                auth.handle_input(now(), AuthenticatorInput::Radius(Datagram::new(from, &radius_buf[..n])));
            }
            r = dhcp.recv_from(&mut dhcp_buf) => {
                let (n, from) = r.context("DHCPv6 receive")?;
                let payload = &dhcp_buf[..n];
                let input = match from {
                    SocketAddr::V6(s) if ns.dhcp_servers.contains(s.ip()) => {
                        RelayInput::Server { src: from, payload }
                    }
                    // Everything else arrives on the access link: the only link the socket
                    // listens on for multicast, and where clients and downstream relays are.
                    SocketAddr::V6(s) => RelayInput::Client { interface: ACCESS_LINK, src: *s.ip(), payload },
                    SocketAddr::V4(_) => continue,
                };
                relay.handle_input(now(), input);
            }
            _ = tokio::time::sleep(wait) => {
                auth.handle_timeout(now());
                relay.handle_timeout(now());
            }
        }
    }
}

/// The authenticator's outcome, reported, and the AAA's assignment handed to the relay.
fn on_access_event(relay: &mut Relay, now: u64, e: AuthenticatorEvent, ipv4_mapped: bool) {
    match e {
        AuthenticatorEvent::Authorized {
            supplicant,
            identity,
            assignment,
            assignment_error,
            ..
        } => {
            let identity = String::from_utf8_lossy(&identity).into_owned();
            let networks = assignment
                .as_ref()
                .map(|a| home_networks(a, &identity, ipv4_mapped))
                .unwrap_or_default();
            emit(
                "access_authorized",
                json!({ "supplicant": mac_text(&supplicant), "identity": identity,
                        "assignment": assignment.as_ref().map(|a| format!("{a:?}")),
                        "assignment_error": assignment_error,
                        "home_networks": networks.iter().map(network_json).collect::<Vec<_>>() }),
            );
            if !networks.is_empty() {
                relay.handle_input(
                    now,
                    RelayInput::Assignment(HaAssignment {
                        // Port-based 802.1X: the authorized port is the session, whatever
                        // DUID the MN's DHCPv6 client uses.
                        client: ClientMatch::Interface(ACCESS_LINK.into()),
                        networks,
                        expires_at: None,
                    }),
                );
            }
        }
        AuthenticatorEvent::Logoff { supplicant } => {
            report_access_event(AuthenticatorEvent::Logoff { supplicant });
            relay.handle_input(
                now,
                RelayInput::SessionEnded(ClientMatch::Interface(ACCESS_LINK.into())),
            );
        }
        other => report_access_event(other),
    }
}

/// Reports an authenticator event (both NAS kinds; the DHCPv6 NAS reports authorizations
/// with their assignment itself).
pub(crate) fn report_access_event(e: AuthenticatorEvent) {
    match e {
        AuthenticatorEvent::Authorized {
            supplicant,
            identity,
            ..
        } => emit(
            "access_authorized",
            json!({ "supplicant": mac_text(&supplicant),
                    "identity": String::from_utf8_lossy(&identity) }),
        ),
        AuthenticatorEvent::Logoff { supplicant } => emit(
            "access_note",
            json!({ "supplicant": mac_text(&supplicant), "logoff": true }),
        ),
        AuthenticatorEvent::Refused {
            supplicant,
            identity,
        } => emit(
            "access_refused",
            json!({ "supplicant": mac_text(&supplicant),
                    "identity": String::from_utf8_lossy(&identity) }),
        ),
        AuthenticatorEvent::AaaTimedOut {
            supplicant,
            discarded,
        } => emit(
            "access_timed_out",
            json!({ "supplicant": mac_text(&supplicant), "discarded": discarded }),
        ),
        AuthenticatorEvent::SupplicantTimedOut { supplicant } => emit(
            "access_note",
            json!({ "supplicant": mac_text(&supplicant), "supplicant_timed_out": true }),
        ),
        AuthenticatorEvent::Ignored { src, reason } => emit(
            "access_note",
            json!({ "from": mac_text(&src), "ignored": reason }),
        ),
        AuthenticatorEvent::RadiusIgnored { src, reason } => emit(
            "access_note",
            json!({ "radius_from": src.to_string(), "ignored": reason }),
        ),
    }
}

/// The AAA's assignment as the relay's home network: the network is the realm of the NAI
/// the MN authenticated with (its MSP, RFC 6611 §4.2.1), so an IDINF answers only an HNIDF
/// naming that realm. An IPv4 home agent (dual stack) goes in as an IPv4-embedded address
/// under 64:ff9b::/96 (RFC 6610 §3.4).
fn home_networks(
    a: &radius::HaAssignment,
    identity: &str,
    ipv4_mapped: bool,
) -> Vec<HomeNetworkAssignment> {
    let ha_addresses: Vec<Ipv6Addr> = a
        .home_agents
        .iter()
        .map(|h| match h {
            IpAddr::V6(v6) => *v6,
            // Knob: the IPv4-mapped form (::ffff:0:0/96), which is no RFC 6052 embedding.
            IpAddr::V4(v4) if ipv4_mapped => v4.to_ipv6_mapped(),
            IpAddr::V4(v4) => mip6lab_wire::dhcpv6::option::embed_ipv4(*v4),
        })
        .collect();
    if ha_addresses.is_empty() {
        return Vec::new();
    }
    let home_network_id = identity
        .rsplit_once('@')
        .and_then(|(_, realm)| Fqdn::from_dotted(realm).ok());
    vec![HomeNetworkAssignment {
        home_network_id,
        ha_addresses,
        ha_fqdn: None,
        home_link_prefix: a.home_link_prefix.map(|(p, len)| (len, p)),
    }]
}

fn network_json(n: &HomeNetworkAssignment) -> serde_json::Value {
    json!({ "home_network_id": n.home_network_id.as_ref().map(|f| f.to_string()),
            "home_agents": n.ha_addresses.iter().map(|a| a.to_string()).collect::<Vec<_>>(),
            "home_link_prefix": n.home_link_prefix.map(|(l, p)| format!("{p}/{l}")) })
}

fn relay_event_json(e: &RelayEvent) -> serde_json::Value {
    match e {
        RelayEvent::Forwarded {
            peer,
            rsoo_networks,
            hop_count,
            ..
        } => json!({ "forwarded": peer.to_string(), "hop_count": hop_count,
                     "rsoo": rsoo_networks.iter().map(|n| n.to_string()).collect::<Vec<_>>() }),
        RelayEvent::RsooWithheld { peer, reason } => {
            json!({ "rsoo_withheld": peer.to_string(), "reason": format!("{reason:?}") })
        }
        RelayEvent::Relayed { to, msg_type, .. } => {
            json!({ "relayed": to.to_string(), "msg_type": msg_type })
        }
        RelayEvent::Dropped { side, reason } => {
            json!({ "dropped": format!("{side:?}"), "reason": format!("{reason:?}") })
        }
        RelayEvent::AssignmentStored { expires_at, .. } => {
            json!({ "assignment_stored": true, "expires_at_ms": expires_at })
        }
        RelayEvent::AssignmentExpired { .. } => json!({ "assignment_expired": true }),
    }
}
