//! Harness peer `MIP6LAB_ROLE=dhcpv6-relay-stimulus`: plays the relay agent(s) in front of a
//! DHCPv6 server under test. From UDP port 547 of `MIP6LAB_ADDR` it sends each shape of
//! `mip6lab_engines::dhcpv6::relay_stimulus` to the first of `MIP6LAB_DHCP_SERVERS` (port
//! 547), one at a time: a shape gets [`WAIT`] for its Relay-reply, is sent once more unchanged,
//! gets [`WAIT`] again. Events: `ready`, `relay_stimulus_sent` per datagram,
//! `relay_stimulus_reply` per shape (`shape`, `number`, `answered`), `relay_stimulus_ignored`
//! per datagram that answers nothing pending, and `relay_stimulus_done`; then it exits 0.

use crate::config::Config;
use crate::events::emit;
use crate::netwait::wait_for_addresses;
use anyhow::{anyhow, Context, Result};
use mip6lab_contract::env::EnvVar;
use mip6lab_engines::dhcpv6::relay_stimulus::{
    RelayEvent, RelayStimulus, RelayStimulusConfig, Shape, DOWNSTREAM_SHAPES, SHAPES,
};
use mip6lab_engines::io::{Datagram, SansIo};
use mip6lab_wire::dhcpv6::SERVER_PORT;
use serde_json::{json, Value};
use std::net::{Ipv6Addr, SocketAddr, SocketAddrV6};
use std::time::{Duration, Instant};

/// How long each shape waits for its Relay-reply, per attempt.
pub const WAIT: Duration = Duration::from_secs(2);

/// The role's settings: its own address (the Relay-forwards' link-address and source) and
/// the server under test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelayStimulusSettings {
    pub own_address: Ipv6Addr,
    pub server: Ipv6Addr,
    /// `MIP6LAB_RELAY_SHAPES`: towards a server (the default) or a relay above.
    pub shapes: &'static [Shape],
}

impl RelayStimulusSettings {
    /// `addr` is the node's `MIP6LAB_ADDR`, already read.
    pub fn from_vars(
        addr: Option<Ipv6Addr>,
        get: &dyn Fn(EnvVar) -> Option<String>,
    ) -> Result<RelayStimulusSettings> {
        let own_address =
            addr.ok_or_else(|| anyhow!("{} is not set", mip6lab_contract::env::ADDR))?;
        let server = crate::nas::dhcp_servers(get)?[0];
        let shapes: &'static [Shape] = match get(mip6lab_contract::env::RELAY_SHAPES).as_deref() {
            None | Some("server") => &SHAPES,
            Some("downstream") => &DOWNSTREAM_SHAPES,
            Some(other) => anyhow::bail!(
                "{}: `{other}` is neither `server` nor `downstream`",
                mip6lab_contract::env::RELAY_SHAPES
            ),
        };
        Ok(RelayStimulusSettings {
            own_address,
            server,
            shapes,
        })
    }

    pub fn engine_config(&self) -> RelayStimulusConfig {
        RelayStimulusConfig {
            own_address: self.own_address,
            server: SocketAddr::V6(SocketAddrV6::new(self.server, SERVER_PORT, 0, 0)),
            wait_ms: WAIT.as_millis() as u64,
            shapes: self.shapes,
        }
    }
}

pub async fn run(cfg: &Config) -> Result<()> {
    let s = cfg
        .relay_stimulus
        .as_ref()
        .ok_or_else(|| anyhow!("not a DHCPv6 relay stimulus"))?;
    // Its address must be configured (not tentative) before it can be the source.
    wait_for_addresses(&[s.own_address], cfg.net_timeout)?;
    let bind = SocketAddrV6::new(s.own_address, SERVER_PORT, 0, 0);
    let sock = tokio::net::UdpSocket::bind(bind)
        .await
        .with_context(|| format!("bind {bind}"))?;
    let mut engine = RelayStimulus::new(s.engine_config());
    emit(
        "ready",
        json!({
            "role": mip6lab_contract::env::ROLE_DHCPV6_RELAY_STIMULUS,
            "address": s.own_address.to_string(),
            "server": s.server.to_string(),
            "shapes": s.shapes.iter().map(|s| s.name()).collect::<Vec<_>>(),
        }),
    );
    let start = Instant::now();
    let now = || start.elapsed().as_millis() as u64;
    engine.start(now());
    let mut buf = vec![0u8; 65_536];
    loop {
        crate::dhcpio::send_queued(&sock, &mut engine).await;
        while let Some(event) = engine.poll_event() {
            let (kind, data) = event_json(&event);
            emit(kind, data);
        }
        if engine.is_done() {
            return Ok(());
        }
        // Every wait is bounded by the engine's deadline (each shape's WAIT).
        let Some(deadline) = engine.next_timeout() else {
            return Err(anyhow!("the relay stimulus stopped before its last shape"));
        };
        let left = Duration::from_millis(deadline.saturating_sub(now()));
        match tokio::time::timeout(left, sock.recv_from(&mut buf)).await {
            Ok(Ok((n, from))) => engine.handle_input(now(), Datagram::new(from, &buf[..n])),
            // A receive error (an ICMP error surfacing) ends no shape early: the deadline does.
            Ok(Err(e)) => {
                emit(
                    "error",
                    json!({ "reason": format!("receive on port 547: {e}") }),
                );
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            Err(_) => engine.handle_timeout(now()),
        }
    }
}

/// The event line for one engine event.
fn event_json(e: &RelayEvent) -> (&'static str, Value) {
    match e {
        RelayEvent::Sent { shape, attempt } => (
            "relay_stimulus_sent",
            json!({ "shape": shape.name(), "number": shape.number(), "attempt": attempt }),
        ),
        RelayEvent::Finished { shape, reply } => {
            let inner = reply.as_ref().map(|r| r.innermost());
            (
                "relay_stimulus_reply",
                json!({
                    "shape": shape.name(),
                    "number": shape.number(),
                    "answered": reply.is_some(),
                    "options": inner.map(|m| m.options().iter().map(|o| o.code()).collect::<Vec<_>>()),
                }),
            )
        }
        RelayEvent::Ignored { from, reason } => (
            "relay_stimulus_ignored",
            json!({ "from": from.ip().to_string(), "reason": reason }),
        ),
        RelayEvent::Done => ("relay_stimulus_done", json!({})),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mip6lab_engines::dhcpv6::relay_stimulus::Shape;
    use mip6lab_wire::dhcpv6::{msg_type, DhcpOption, Repr};

    fn config(pairs: &[(&str, &str)]) -> Result<Config> {
        let mut v = vec![(
            "MIP6LAB_ROLE".to_string(),
            "dhcpv6-relay-stimulus".to_string(),
        )];
        v.extend(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        Config::from_env(v.into_iter())
    }

    #[test]
    fn the_role_reads_its_address_and_the_first_server() {
        let c = config(&[
            ("MIP6LAB_ADDR", "2001:db8:2::b"),
            ("MIP6LAB_DHCP_SERVERS", " 2001:db8:2::47 , 2001:db8:2::48"),
        ])
        .unwrap();
        assert_eq!(c.role, crate::config::NodeRole::DhcpRelayStimulus);
        let s = c.relay_stimulus.unwrap();
        assert_eq!(s.server, "2001:db8:2::47".parse::<Ipv6Addr>().unwrap());
        let e = s.engine_config();
        assert_eq!(e.server, "[2001:db8:2::47]:547".parse().unwrap());
        assert_eq!(
            (e.own_address, e.wait_ms),
            ("2001:db8:2::b".parse().unwrap(), 2000)
        );
    }

    #[test]
    fn missing_or_bad_settings_name_their_variable() {
        for (pairs, needle) in [
            (
                vec![("MIP6LAB_DHCP_SERVERS", "2001:db8:2::47")],
                "MIP6LAB_ADDR is not set",
            ),
            (
                vec![("MIP6LAB_ADDR", "2001:db8:2::b")],
                "MIP6LAB_DHCP_SERVERS is not set",
            ),
            (
                vec![
                    ("MIP6LAB_ADDR", "relay"),
                    ("MIP6LAB_DHCP_SERVERS", "2001:db8:2::47"),
                ],
                "MIP6LAB_ADDR is not an IPv6 address",
            ),
            (
                vec![
                    ("MIP6LAB_ADDR", "2001:db8:2::b"),
                    ("MIP6LAB_DHCP_SERVERS", ","),
                ],
                "names no server",
            ),
        ] {
            let e = format!("{:#}", config(&pairs).unwrap_err());
            assert!(e.contains(needle), "{pairs:?}: {e}");
        }
    }

    #[test]
    fn event_lines_name_the_shape_and_whether_it_was_answered() {
        let (kind, j) = event_json(&RelayEvent::Finished {
            shape: Shape::Nested,
            reply: None,
        });
        assert_eq!(kind, "relay_stimulus_reply");
        assert_eq!(
            j,
            json!({ "shape": "nested", "number": 4, "answered": false, "options": null })
        );
        let reply = Repr::Relay {
            msg_type: msg_type::RELAY_REPL,
            hop_count: 0,
            link_address: Ipv6Addr::UNSPECIFIED,
            peer_address: Ipv6Addr::UNSPECIFIED,
            options: vec![DhcpOption::RelayMsg(Box::new(Repr::ClientServer {
                msg_type: msg_type::REPLY,
                transaction_id: 1,
                options: vec![DhcpOption::Mip6Idinf(vec![])],
            }))],
        };
        let (_, j) = event_json(&RelayEvent::Finished {
            shape: Shape::Msp,
            reply: Some(reply),
        });
        assert_eq!(
            (j["answered"].clone(), j["options"].clone()),
            (json!(true), json!([69]))
        );
        assert_eq!(event_json(&RelayEvent::Done).0, "relay_stimulus_done");
        let (kind, j) = event_json(&RelayEvent::Sent {
            shape: Shape::NoRsoo,
            attempt: 2,
        });
        assert_eq!(
            (kind, j),
            (
                "relay_stimulus_sent",
                json!({ "shape": "no-rsoo", "number": 8, "attempt": 2 })
            )
        );
    }
}
