//! `MIP6LAB_ROLE=dhcp-server`: the reference DHCPv6 server of RFC 6611's integrated scenario
//! (`mip6lab_engines::dhcpv6::server`), the default IUT when a DHCPv6 server is under test.
//! It serves UDP 547 on its interface (joined to ff02::1:2 and ff05::1:3), answers
//! Information-requests sent directly or relayed, taking the AAA-assigned home agent from the
//! relay's RSOO (MSP case) or its configured one (`MIP6LAB_DHCP_VDINF_HA`, ASP case), and its
//! Home Network ID table (`MIP6LAB_DHCP_HOME_NETWORKS`). Prints `ready`, then one
//! `dhcp_answered` or `dhcp_ignored` line per datagram; serves until the lab removes it.

use crate::config::{Config, Knobs};
use crate::dhcpio::{link_layer_address, open_server_socket, ServerSocket};
use crate::events::emit;
use anyhow::{anyhow, Context, Result};
use mip6lab_contract::env::{self, EnvVar};
use mip6lab_engines::dhcpv6::server::{
    Answer, Case, HomeAgentRef, HomeNetworkEntry, IgnoreReason, RsooDiscard, SentOption, Server,
    ServerConfig, ServerEvent, ServerMutations, Source,
};
use mip6lab_engines::io::{Datagram, SansIo};
use mip6lab_wire::dhcpv6::{Duid, Fqdn};
use serde_json::{json, Value};
use std::net::{Ipv6Addr, SocketAddr};
use std::time::Instant;

/// The role's settings (`MIP6LAB_DHCP_VDINF_HA`, `_HOME_NETWORKS`, `_RSOO_ENABLED`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DhcpServerSettings {
    pub vdinf_ha: Option<Ipv6Addr>,
    pub udinf_ha: Option<HomeAgentRef>,
    pub home_networks: Vec<HomeNetworkEntry>,
    pub rsoo_enabled: Vec<u16>,
}

impl DhcpServerSettings {
    /// Reads its variables (blank counts as unset); an error names the variable.
    pub fn from_vars(get: &dyn Fn(EnvVar) -> Option<String>) -> Result<DhcpServerSettings> {
        let vdinf_ha = get(env::DHCP_VDINF_HA)
            .map(|v| {
                v.parse::<Ipv6Addr>()
                    .map_err(|_| anyhow!("{}: `{v}` is not an IPv6 address", env::DHCP_VDINF_HA))
            })
            .transpose()?;
        let udinf_ha = get(env::DHCP_UDINF_HA)
            .map(|v| HomeAgentRef::parse(&v).map_err(|e| anyhow!("{}: {e}", env::DHCP_UDINF_HA)))
            .transpose()?;
        let home_networks = items(get(env::DHCP_HOME_NETWORKS))
            .map(|item| table_entry(&item).context(env::DHCP_HOME_NETWORKS))
            .collect::<Result<Vec<_>>>()?;
        let rsoo_enabled = items(get(env::DHCP_RSOO_ENABLED))
            .map(|code| {
                code.parse::<u16>().map_err(|_| {
                    anyhow!(
                        "{}: `{code}` is not an option code (0..=65535)",
                        env::DHCP_RSOO_ENABLED
                    )
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(DhcpServerSettings {
            vdinf_ha,
            udinf_ha,
            home_networks,
            rsoo_enabled,
        })
    }

    /// The engine's configuration: its DUID, the interface index, the knobs' mutations.
    pub fn engine_config(&self, duid: Duid, scope_id: u32, knobs: &Knobs) -> ServerConfig {
        let mut c = ServerConfig::new(duid, scope_id);
        c.vdinf_ha = self.vdinf_ha;
        c.udinf_ha = self.udinf_ha.clone();
        c.home_networks = self.home_networks.clone();
        c.rsoo_enabled = self.rsoo_enabled.clone();
        c.mutations = mutations(knobs);
        c
    }
}

/// The comma-separated items of a variable, blanks left out.
fn items(value: Option<String>) -> impl Iterator<Item = String> {
    value
        .unwrap_or_default()
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .into_iter()
}

/// `fqdn=ha-address`.
fn table_entry(item: &str) -> Result<HomeNetworkEntry> {
    let (network, ha) = item
        .split_once('=')
        .ok_or_else(|| anyhow!("`{item}` is not fqdn=ha-address"))?;
    Ok(HomeNetworkEntry {
        network: Fqdn::from_dotted(network.trim())
            .map_err(|e| anyhow!("`{item}`: `{}` is not a domain name: {e}", network.trim()))?,
        ha: ha
            .trim()
            .parse()
            .map_err(|_| anyhow!("`{item}`: `{}` is not an IPv6 address", ha.trim()))?,
    })
}

/// The `dhcp-server.*` knobs as the engine's mutations.
fn mutations(k: &Knobs) -> ServerMutations {
    ServerMutations {
        ignore_rsoo: k.dhcp_ignore_rsoo,
        idinf_without_hnidf: k.dhcp_idinf_without_hnidf,
        vdinf_from_rsoo: k.dhcp_vdinf_from_rsoo,
        no_vdinf: k.dhcp_no_vdinf,
        keep_non_rsoo_enabled: k.dhcp_keep_non_rsoo_enabled,
        outermost_rsoo: k.dhcp_outermost_rsoo,
        every_rsoo_value: k.dhcp_every_rsoo_value,
        rsoo_over_own_candidate: k.dhcp_rsoo_over_own_candidate,
        idinf_for_every_table_entry: k.dhcp_idinf_for_every_table_entry,
        wrong_client_id: k.dhcp_wrong_client_id,
        empty_containers: k.dhcp_empty_containers,
        bare_haa_too: k.dhcp_bare_haa_too,
        bare_haf_too: k.dhcp_bare_haf_too,
        haf_as_text: k.dhcp_haf_as_text,
    }
}

/// Its DUID: DUID-LL of the interface's MAC (RFC 8415 §11.4: stable while the interface
/// is), or DUID-EN with the documentation enterprise number (RFC 5612) when it has none.
fn server_duid(ifname: &str) -> Duid {
    match link_layer_address(ifname) {
        Some(mac) => Duid::Ll {
            hardware_type: 1,
            link_layer_address: mac,
        },
        None => Duid::En {
            enterprise_number: 32473,
            identifier: b"mip6lab-dhcp-server".to_vec(),
        },
    }
}

pub async fn run(cfg: &Config) -> Result<()> {
    let s = cfg
        .dhcp_server
        .as_ref()
        .ok_or_else(|| anyhow!("not a DHCPv6 server"))?;
    let ServerSocket {
        sock,
        ifname,
        ifindex,
    } = open_server_socket(cfg).await?;
    let duid = server_duid(&ifname);
    let mut engine = Server::new(s.engine_config(duid.clone(), ifindex, &cfg.knobs));
    emit(
        "ready",
        json!({
            "role": "dhcp-server",
            "interface": ifname,
            "duid": hex(&duid_octets(&duid)),
            "vdinf_ha": s.vdinf_ha.map(|a| a.to_string()),
            "udinf_ha": s.udinf_ha.as_ref().map(|h| format!("{h:?}")),
            "home_networks": s.home_networks.iter()
                .map(|e| format!("{}={}", e.network, e.ha)).collect::<Vec<_>>(),
            "rsoo_enabled": engine.config().rsoo_enabled,
        }),
    );
    let start = Instant::now();
    let mut buf = vec![0u8; 65_536];
    loop {
        let (n, from) = sock
            .recv_from(&mut buf)
            .await
            .context("receive on port 547")?;
        engine.handle_input(
            start.elapsed().as_millis() as u64,
            Datagram::new(from, &buf[..n]),
        );
        crate::dhcpio::send_queued(&sock, &mut engine).await;
        while let Some(event) = engine.poll_event() {
            match &event {
                ServerEvent::Answered(a) => emit("dhcp_answered", answered_json(a)),
                ServerEvent::Ignored { from, reason } => {
                    emit("dhcp_ignored", ignored_json(*from, reason))
                }
            }
        }
    }
}

fn duid_octets(d: &Duid) -> Vec<u8> {
    let mut b = vec![0u8; d.buffer_len()];
    d.emit(&mut b);
    b
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn source_json(s: Source) -> Value {
    match s {
        Source::Configured => json!({ "from": "configured" }),
        Source::Table => json!({ "from": "table" }),
        Source::Rsoo { relay } => json!({ "from": "rsoo", "relay": relay }),
    }
}

fn sent_json(o: &SentOption) -> Value {
    json!({
        "code": o.code,
        "source": source_json(o.source),
        "network": o.network.as_ref().map(|n| n.to_string()),
        "home_agents": o.home_agents.iter().map(|a| a.to_string()).collect::<Vec<_>>(),
    })
}

fn discarded_json(d: &RsooDiscard) -> Value {
    json!({
        "relay": d.relay,
        "code": d.code,
        "network": d.network.as_ref().map(|n| n.to_string()),
        "reason": d.reason.token(),
    })
}

/// `dhcp_answered` data.
fn answered_json(a: &Answer) -> Value {
    json!({
        "from": a.from.ip().to_string(),
        "to": a.to.to_string(),
        "relay_hops": a.relay_hops,
        "transaction_id": a.transaction_id,
        "client_id": a.client_id.as_ref().map(|d| hex(&duid_octets(d))),
        "case": match a.case { Case::Msp => "msp", Case::Asp => "asp" },
        "hnidfs": a.hnidfs.iter().map(|h| h.to_string()).collect::<Vec<_>>(),
        "oro": a.oro,
        "rsoo_examined": a.rsoo_examined,
        "sent": a.sent.iter().map(sent_json).collect::<Vec<_>>(),
        "rsoo_discarded": a.rsoo_discarded.iter().map(discarded_json).collect::<Vec<_>>(),
        "options": a.option_codes,
    })
}

/// `dhcp_ignored` data.
fn ignored_json(from: SocketAddr, reason: &IgnoreReason) -> Value {
    let reason = match reason {
        IgnoreReason::Malformed(e) => format!("malformed: {e}"),
        IgnoreReason::NoRelayMessage => "Relay-forward without a Relay Message option".into(),
        IgnoreReason::NotInformationRequest(t) => format!(
            "not an Information-request: {}",
            mip6lab_wire::dhcpv6::message_name(*t)
                .map(str::to_string)
                .unwrap_or_else(|| format!("type {t}"))
        ),
        IgnoreReason::ForAnotherServer => {
            "Information-request for another server (RFC 8415 §16.12)".into()
        }
        IgnoreReason::CarriesIa(c) => {
            format!("Information-request with IA option {c} (RFC 8415 §16.12)")
        }
    };
    json!({ "from": from.ip().to_string(), "reason": reason })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::NodeRole;

    fn env(pairs: &[(&str, &str)]) -> impl Iterator<Item = (String, String)> {
        let mut v: Vec<(String, String)> = vec![("MIP6LAB_ROLE".into(), "dhcp-server".into())];
        v.extend(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        v.into_iter()
    }

    fn error(pairs: &[(&str, &str)]) -> String {
        format!("{:#}", Config::from_env(env(pairs)).unwrap_err())
    }

    #[test]
    fn the_role_needs_nothing_and_reads_its_four_variables() {
        let c = Config::from_env(env(&[])).unwrap();
        assert_eq!(c.role, NodeRole::DhcpServer);
        assert_eq!(
            c.dhcp_server.unwrap(),
            DhcpServerSettings {
                vdinf_ha: None,
                udinf_ha: None,
                home_networks: vec![],
                rsoo_enabled: vec![],
            }
        );
        let c = Config::from_env(env(&[
            ("MIP6LAB_DHCP_VDINF_HA", " 2001:db8:2::a2 "),
            (
                "MIP6LAB_DHCP_HOME_NETWORKS",
                "example.net=2001:db8:2::a2, example.org.=2001:db8:3::a3",
            ),
            ("MIP6LAB_DHCP_RSOO_ENABLED", "50,69"),
            ("MIP6LAB_DHCP_UDINF_HA", "ha2.example.com"),
            ("MIP6LAB_KNOBS", "dhcp-server.outermost_rsoo=true"),
        ]))
        .unwrap();
        let s = c.dhcp_server.clone().unwrap();
        assert_eq!(
            s.udinf_ha,
            Some(HomeAgentRef::Name(
                Fqdn::from_dotted("ha2.example.com").unwrap()
            ))
        );
        assert_eq!(s.vdinf_ha, Some("2001:db8:2::a2".parse().unwrap()));
        assert_eq!(s.home_networks.len(), 2);
        assert_eq!(s.home_networks[1].network.to_string(), "example.org.");
        assert_eq!(s.rsoo_enabled, vec![50, 69]);
        let e = s.engine_config(
            Duid::Uuid([7; 16]),
            4,
            &Knobs::parse("dhcp-server.outermost_rsoo=true").unwrap(),
        );
        assert!(e.mutations.outermost_rsoo && !e.mutations.every_rsoo_value);
        assert_eq!((e.scope_id, e.vdinf_ha), (4, s.vdinf_ha));
        assert!(e.is_rsoo_enabled(69) && e.is_rsoo_enabled(65) && !e.is_rsoo_enabled(24));
    }

    #[test]
    fn bad_settings_name_their_variable() {
        for (k, v, says) in [
            ("MIP6LAB_DHCP_UDINF_HA", "not a..name", "neither"),
            (
                "MIP6LAB_DHCP_VDINF_HA",
                "ha.example.net",
                "`ha.example.net`",
            ),
            (
                "MIP6LAB_DHCP_HOME_NETWORKS",
                "example.net",
                "fqdn=ha-address",
            ),
            (
                "MIP6LAB_DHCP_HOME_NETWORKS",
                "example.net=2001:db8::zz",
                "2001:db8::zz",
            ),
            ("MIP6LAB_DHCP_HOME_NETWORKS", "a..b=2001:db8::1", "a..b"),
            ("MIP6LAB_DHCP_RSOO_ENABLED", "50,idinf", "`idinf`"),
            ("MIP6LAB_DHCP_RSOO_ENABLED", "70000", "`70000`"),
        ] {
            let e = error(&[(k, v)]);
            assert!(e.contains(k) && e.contains(says), "{k}={v}: {e}");
        }
    }

    #[test]
    fn every_dhcp_server_knob_reaches_the_engine() {
        let all = mip6lab_contract::knobs::KNOBS
            .iter()
            .filter(|k| k.name.starts_with("dhcp-server."))
            .filter_map(|k| k.mutant())
            .collect::<Vec<_>>();
        assert_eq!(all.len(), 14);
        let conforming = mutations(&Knobs::default());
        assert_eq!(conforming, ServerMutations::default());
        for m in &all {
            let changed = mutations(&Knobs::parse(m).unwrap());
            assert_ne!(changed, conforming, "{m} reaches nothing");
        }
        let every = mutations(&Knobs::parse(&all.join(",")).unwrap());
        assert!(
            every.ignore_rsoo
                && every.idinf_without_hnidf
                && every.vdinf_from_rsoo
                && every.no_vdinf
                && every.keep_non_rsoo_enabled
                && every.outermost_rsoo
                && every.every_rsoo_value
                && every.rsoo_over_own_candidate
                && every.idinf_for_every_table_entry
                && every.wrong_client_id
        );
    }

    #[test]
    fn event_data_says_where_each_option_came_from() {
        let a = Answer {
            from: "[2001:db8:2::b]:547".parse().unwrap(),
            to: "[2001:db8:2::b]:547".parse().unwrap(),
            relay_hops: 2,
            transaction_id: 7,
            client_id: Some(Duid::Ll {
                hardware_type: 1,
                link_layer_address: vec![0, 0, 0x5e, 0, 0x53, 4],
            }),
            case: Case::Msp,
            hnidfs: vec![Fqdn::from_dotted("example.com").unwrap()],
            oro: vec![69],
            rsoo_examined: true,
            sent: vec![SentOption {
                code: 69,
                source: Source::Rsoo { relay: 1 },
                network: Some(Fqdn::from_dotted("example.com").unwrap()),
                home_agents: vec!["2001:db8:1::a1".parse().unwrap()],
            }],
            rsoo_discarded: vec![RsooDiscard {
                relay: 2,
                code: 69,
                network: Some(Fqdn::from_dotted("example.com").unwrap()),
                reason: mip6lab_engines::dhcpv6::server::RsooDropReason::Conflict,
            }],
            option_codes: vec![2, 1, 69],
        };
        let j = answered_json(&a);
        assert_eq!(j["case"], "msp");
        assert_eq!(j["client_id"], "0003000100005e005304");
        assert_eq!(
            j["sent"][0]["source"],
            json!({ "from": "rsoo", "relay": 1 })
        );
        assert_eq!(j["sent"][0]["home_agents"], json!(["2001:db8:1::a1"]));
        assert_eq!(j["rsoo_discarded"][0]["reason"], "conflict");
        assert_eq!(j["options"], json!([2, 1, 69]));
        let i = ignored_json(a.from, &IgnoreReason::CarriesIa(3));
        assert!(i["reason"].as_str().unwrap().contains("16.12"));
    }
}
