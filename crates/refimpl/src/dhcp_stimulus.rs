//! Harness peer `MIP6LAB_ROLE=dhcpv6-stimulus`: a DHCPv6 server on UDP port 547 of its
//! interface (joined to ff02::1:2 and ff05::1:3) that answers every Information-request, sent
//! directly or relayed, with the reply shape `MIP6LAB_DHCP_SHAPE`
//! (`mip6lab_engines::dhcpv6::stimulus`: most shapes are replies Kea cannot be made to send).
//! One event line per Information-request (`dhcp_answered` or `dhcp_withheld`) and per other
//! datagram (`dhcp_ignored`) says what it got and sent, and what a conforming client does
//! with it. Runs for `MIP6LAB_DHCP_SECS`, then exits 0.

use crate::config::{parse_prefix, Config};
use crate::dhcpio::{open_server_socket, ServerSocket};
use crate::events::emit;
use anyhow::{anyhow, bail, Context, Result};
use mip6lab_contract::env::{
    EnvVar, DHCP_ANSWER_FROM, DHCP_ANSWER_LIMIT, DHCP_DECOY_HA, DHCP_DUID, DHCP_HA, DHCP_HA_NAME,
    DHCP_PREFIX, DHCP_SECS, DHCP_SHAPE,
};
use mip6lab_engines::dhcpv6::stimulus::{
    Answer, Expectation, IgnoreReason, OfferedHa, RequestSummary, WithheldReason,
};
use mip6lab_engines::dhcpv6::{Shape, Stimulus, StimulusConfig, StimulusEvent, SHAPES};
use mip6lab_engines::io::{Datagram, SansIo};
use mip6lab_wire::dhcpv6::{Duid, Fqdn};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::net::{Ipv6Addr, SocketAddr};
use std::time::{Duration, Instant};

/// The DUID when `MIP6LAB_DHCP_DUID` is unset: DUID-EN with enterprise number 32473, the one
/// RFC 5612 reserves for documentation.
pub fn default_duid() -> Duid {
    Duid::En {
        enterprise_number: 32473,
        identifier: b"stimulus".to_vec(),
    }
}

/// The role's settings (the `DHCP_*` rows of `mip6lab_contract::env`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DhcpStimulusSettings {
    pub shape: Shape,
    pub ha: Ipv6Addr,
    pub decoy_ha: Ipv6Addr,
    /// (prefix-len, prefix).
    pub home_link_prefix: Option<(u8, Ipv6Addr)>,
    /// The HAF `haf-only` sends.
    pub ha_name: Option<Fqdn>,
    pub answer_from: u32,
    pub answer_limit: Option<u32>,
    pub duid: Duid,
    pub lifetime: Duration,
}

impl DhcpStimulusSettings {
    /// Reads its variables (blank counts as unset).
    pub fn from_env(vars: &HashMap<String, String>) -> Result<DhcpStimulusSettings> {
        let get = |k: EnvVar| {
            vars.get(k.name)
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
        };
        let address = |k: EnvVar| -> Result<Ipv6Addr> {
            let v = get(k).ok_or_else(|| anyhow!("{k} is not set"))?;
            v.parse()
                .map_err(|_| anyhow!("{k}: `{v}` is not an IPv6 address"))
        };
        let count = |k: EnvVar| -> Result<Option<u32>> {
            get(k)
                .map(|v| {
                    v.parse::<u32>()
                        .ok()
                        .filter(|n| *n >= 1)
                        .ok_or_else(|| anyhow!("{k}: `{v}` is not a number from 1"))
                })
                .transpose()
        };
        let shape = match get(DHCP_SHAPE) {
            None => Shape::Proper,
            Some(s) => s.parse().map_err(|e| anyhow!("{DHCP_SHAPE}: {e}"))?,
        };
        let ha = address(DHCP_HA)?;
        let decoy_ha = address(DHCP_DECOY_HA)?;
        if ha == decoy_ha {
            bail!("{DHCP_HA} and {DHCP_DECOY_HA} are the same address: a test could not tell them apart");
        }
        let home_link_prefix = get(DHCP_PREFIX)
            .map(|p| parse_prefix(&p).context(DHCP_PREFIX))
            .transpose()?
            .map(|(prefix, len)| (len, prefix));
        let ha_name = get(DHCP_HA_NAME)
            .map(|n| Fqdn::from_dotted(&n).map_err(|e| anyhow!("{DHCP_HA_NAME}: `{n}`: {e}")))
            .transpose()?;
        let duid = match get(DHCP_DUID) {
            None => default_duid(),
            Some(h) => {
                let bytes = from_hex(&h).ok_or_else(|| anyhow!("{DHCP_DUID}: `{h}` is not hex"))?;
                Duid::parse(&bytes, 0).map_err(|e| anyhow!("{DHCP_DUID}: {e}"))?
            }
        };
        let secs = get(DHCP_SECS)
            .map(|s| {
                s.parse::<u64>()
                    .map_err(|_| anyhow!("{DHCP_SECS}: `{s}` is not a number of seconds"))
            })
            .transpose()?
            .unwrap_or(300);
        Ok(DhcpStimulusSettings {
            shape,
            ha,
            decoy_ha,
            home_link_prefix,
            ha_name,
            answer_from: count(DHCP_ANSWER_FROM)?.unwrap_or(1),
            answer_limit: count(DHCP_ANSWER_LIMIT)?,
            duid,
            lifetime: Duration::from_secs(secs),
        })
    }

    /// The engine's configuration for the interface with index `scope_id`.
    pub fn engine_config(&self, scope_id: u32) -> StimulusConfig {
        let mut c = StimulusConfig::new(
            self.duid.clone(),
            self.ha,
            self.decoy_ha,
            self.shape,
            scope_id,
        );
        c.home_link_prefix = self.home_link_prefix;
        c.ha_name = self.ha_name.clone();
        c.answer_from = self.answer_from;
        c.answer_limit = self.answer_limit;
        c
    }
}

/// Hex octets, with `:` or `-` separators allowed (`00:02:…` or `0002…`).
fn from_hex(s: &str) -> Option<Vec<u8>> {
    let digits: Vec<char> = s.chars().filter(|c| !matches!(c, ':' | '-')).collect();
    if digits.is_empty() || digits.len() % 2 != 0 {
        return None;
    }
    digits
        .chunks(2)
        .map(|p| u8::from_str_radix(&p.iter().collect::<String>(), 16).ok())
        .collect()
}

/// `--list-dhcp-shapes`: name, what the Reply holds, what a conforming client does.
pub fn print_shapes() {
    for s in SHAPES {
        println!("{:<22} {} → {}", s.name, s.summary, s.conforming_client);
    }
}

pub async fn run(cfg: &Config) -> Result<()> {
    let s = cfg
        .dhcp_stimulus
        .as_ref()
        .ok_or_else(|| anyhow!("not a DHCPv6 stimulus"))?;
    let ServerSocket {
        sock,
        ifname,
        ifindex,
    } = open_server_socket(cfg).await?;
    let mut engine = Stimulus::new(s.engine_config(ifindex));
    emit(
        "ready",
        json!({
            "role": "dhcpv6-stimulus",
            "interface": ifname,
            "shape": s.shape.name(),
            "ha": s.ha.to_string(),
            "decoy_ha": s.decoy_ha.to_string(),
            "answer_from": s.answer_from,
        }),
    );
    let start = Instant::now();
    let end = start + s.lifetime;
    let mut buf = vec![0u8; 65_536];
    let (mut answered, mut withheld) = (0u32, 0u32);
    loop {
        let left = end.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        let Ok(received) = tokio::time::timeout(left, sock.recv_from(&mut buf)).await else {
            break;
        };
        let (n, from) = received.context("receive on port 547")?;
        let now = start.elapsed().as_millis() as u64;
        engine.handle_input(now, Datagram::new(from, &buf[..n]));
        crate::dhcpio::send_queued(&sock, &mut engine).await;
        while let Some(event) = engine.poll_event() {
            match &event {
                StimulusEvent::Answered(a) => {
                    answered += 1;
                    emit("dhcp_answered", answered_json(a));
                }
                StimulusEvent::Withheld {
                    request, reason, ..
                } => {
                    withheld += 1;
                    emit("dhcp_withheld", withheld_json(s.shape, request, *reason));
                }
                StimulusEvent::Ignored { from, reason } => {
                    emit("dhcp_ignored", ignored_json(*from, reason))
                }
            }
        }
    }
    emit(
        "done",
        json!({ "answered": answered, "withheld": withheld }),
    );
    Ok(())
}

fn request_json(r: &RequestSummary) -> Value {
    json!({
        "count": r.count,
        "from": r.from.ip().to_string(),
        "transaction_id": r.transaction_id,
        "elapsed_cs": r.elapsed_cs,
        "relay_hops": r.relay_hops,
        "relayed_for": r.relayed_for.map(|a| a.to_string()),
        "rsoo": r.rsoo,
        "options": r.option_codes,
        "oro": r.oro,
        "hnidfs": r.hnidfs.iter().map(|h| h.to_string()).collect::<Vec<_>>(),
    })
}

fn expectation_json(e: Expectation) -> Value {
    match e {
        Expectation::UseHomeAgent(a) => json!({ "do": e.token(), "ha": a.to_string() }),
        _ => json!({ "do": e.token() }),
    }
}

fn offered_json(h: &OfferedHa) -> Value {
    json!({ "container": h.container, "address": h.address.to_string() })
}

/// `dhcp_answered` data.
fn answered_json(a: &Answer) -> Value {
    json!({
        "shape": a.shape.name(),
        "request": request_json(&a.request),
        "to": a.to.to_string(),
        "copies": a.copies,
        "transaction_id": a.reply.transaction_id,
        "options": a.reply.option_codes,
        "home_agents": a.reply.home_agents.iter().map(offered_json).collect::<Vec<_>>(),
        "conforming_client": expectation_json(a.reply.expectation),
    })
}

/// `dhcp_withheld` data.
fn withheld_json(shape: Shape, r: &RequestSummary, reason: WithheldReason) -> Value {
    let reason = match reason {
        WithheldReason::Silent => "silent",
        WithheldReason::BeforeAnswerFrom => "before_answer_from",
        WithheldReason::LimitReached => "limit_reached",
    };
    json!({
        "shape": shape.name(),
        "request": request_json(r),
        "reason": reason,
        "conforming_client": expectation_json(Expectation::Retransmit),
    })
}

/// `dhcp_ignored` data.
fn ignored_json(from: SocketAddr, reason: &IgnoreReason) -> Value {
    let reason = match reason {
        IgnoreReason::Malformed(e) => format!("malformed: {e}"),
        IgnoreReason::NotInformationRequest(t) => format!(
            "not an Information-request: {}",
            mip6lab_wire::dhcpv6::message_name(*t)
                .map(str::to_string)
                .unwrap_or_else(|| format!("type {t}"))
        ),
        IgnoreReason::NoRelayMessage => "Relay-forward without a Relay Message option".into(),
    };
    json!({ "from": from.ip().to_string(), "reason": reason })
}

#[cfg(test)]
mod tests {
    use super::*;
    use mip6lab_engines::dhcpv6::stimulus::BuiltReply;

    fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    const BASE: [(&str, &str); 2] = [
        ("MIP6LAB_DHCP_HA", "2001:db8:f::1"),
        ("MIP6LAB_DHCP_DECOY_HA", "2001:db8:d::dec0"),
    ];

    fn with(extra: &[(&str, &str)]) -> Result<DhcpStimulusSettings> {
        let mut v = BASE.to_vec();
        v.extend_from_slice(extra);
        DhcpStimulusSettings::from_env(&vars(&v))
    }

    fn error(extra: &[(&str, &str)]) -> String {
        format!("{:#}", with(extra).unwrap_err())
    }

    #[test]
    fn defaults_answer_every_request_properly() {
        let s = with(&[]).unwrap();
        assert_eq!(s.shape, Shape::Proper);
        assert_eq!(s.ha, "2001:db8:f::1".parse::<Ipv6Addr>().unwrap());
        assert_eq!((s.answer_from, s.answer_limit), (1, None));
        assert_eq!(s.home_link_prefix, None);
        assert_eq!(s.duid, default_duid());
        assert_eq!(s.lifetime, Duration::from_secs(300));
        let c = s.engine_config(9);
        assert_eq!(
            (c.scope_id, c.shape, c.decoy_ha),
            (9, Shape::Proper, s.decoy_ha)
        );
    }

    #[test]
    fn every_setting_is_read() {
        let s = with(&[
            ("MIP6LAB_DHCP_SHAPE", " idinf-unmatched "),
            ("MIP6LAB_DHCP_PREFIX", "2001:db8:1:100::/64"),
            ("MIP6LAB_DHCP_ANSWER_FROM", "3"),
            ("MIP6LAB_DHCP_ANSWER_LIMIT", "2"),
            ("MIP6LAB_DHCP_DUID", "00:03:00:01:02:00:00:00:00:05"),
            ("MIP6LAB_DHCP_SECS", "60"),
        ])
        .unwrap();
        assert_eq!(s.shape, Shape::IdinfUnmatched);
        assert_eq!(
            s.home_link_prefix,
            Some((64, "2001:db8:1:100::".parse().unwrap()))
        );
        assert_eq!((s.answer_from, s.answer_limit), (3, Some(2)));
        assert_eq!(
            s.duid,
            Duid::Ll {
                hardware_type: 1,
                link_layer_address: vec![2, 0, 0, 0, 0, 5]
            }
        );
        assert_eq!(s.lifetime, Duration::from_secs(60));
        let c = s.engine_config(2);
        assert_eq!(
            (c.home_link_prefix, c.answer_from, c.answer_limit),
            (s.home_link_prefix, 3, Some(2))
        );
    }

    #[test]
    fn an_unknown_shape_names_every_valid_one() {
        let e = error(&[("MIP6LAB_DHCP_SHAPE", "rude")]);
        assert!(
            e.contains("MIP6LAB_DHCP_SHAPE") && e.contains("`rude`"),
            "{e}"
        );
        for s in SHAPES {
            assert!(e.contains(s.name), "{e}");
        }
    }

    #[test]
    fn bad_or_missing_settings_name_their_variable() {
        let e = format!(
            "{:#}",
            DhcpStimulusSettings::from_env(&vars(&BASE[1..])).unwrap_err()
        );
        assert!(e.contains("MIP6LAB_DHCP_HA is not set"), "{e}");
        let e = error(&[("MIP6LAB_DHCP_DECOY_HA", "2001:db8:f::1")]);
        assert!(e.contains("same address"), "{e}");
        for (k, v) in [
            ("MIP6LAB_DHCP_PREFIX", "2001:db8::"),
            ("MIP6LAB_DHCP_ANSWER_FROM", "0"),
            ("MIP6LAB_DHCP_ANSWER_LIMIT", "many"),
            ("MIP6LAB_DHCP_DUID", "0003zz"),
            ("MIP6LAB_DHCP_DUID", "0003"),
            ("MIP6LAB_DHCP_SECS", "-1"),
        ] {
            let e = error(&[(k, v)]);
            assert!(e.contains(k), "{k}={v}: {e}");
        }
        let mut bad_ha = BASE.to_vec();
        bad_ha[0] = ("MIP6LAB_DHCP_HA", "ha.example.net");
        let e = format!(
            "{:#}",
            DhcpStimulusSettings::from_env(&vars(&bad_ha)).unwrap_err()
        );
        assert!(e.contains("MIP6LAB_DHCP_HA: `ha.example.net`"), "{e}");
    }

    #[test]
    fn the_role_is_chosen_without_dns_and_its_settings_checked() {
        let mut v: Vec<(String, String)> = BASE
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        v.push(("MIP6LAB_ROLE".into(), "dhcpv6-stimulus".into()));
        let c = Config::from_env(v.clone().into_iter()).unwrap();
        assert_eq!(c.role, crate::config::NodeRole::DhcpStimulus);
        assert_eq!(c.dhcp_stimulus.unwrap().shape, Shape::Proper);
        v.push(("MIP6LAB_DHCP_SHAPE".into(), "nope".into()));
        let e = format!("{:#}", Config::from_env(v.into_iter()).unwrap_err());
        assert!(e.contains("first-usable"), "{e}");
    }

    fn request() -> RequestSummary {
        RequestSummary {
            from: "[fe80::1%7]:546".parse().unwrap(),
            count: 2,
            transaction_id: 0xabcdef,
            relay_hops: 1,
            relayed_for: Some("fe80::2".parse().unwrap()),
            rsoo: true,
            option_codes: vec![1, 8, 6, 49],
            client_id: None,
            oro: vec![69, 50],
            hnidfs: vec![mip6lab_wire::dhcpv6::Fqdn::from_dotted("msp.example.net").unwrap()],
            elapsed_cs: Some(110),
        }
    }

    #[test]
    fn event_data_says_what_was_got_and_sent() {
        let ha: Ipv6Addr = "2001:db8:f::1".parse().unwrap();
        let a = Answer {
            request: request(),
            shape: Shape::FirstUsable,
            to: "[2001:db8:5::1]:547".parse().unwrap(),
            copies: 1,
            reply: BuiltReply {
                payload: vec![],
                transaction_id: 0xabcdef,
                option_codes: vec![2, 69, 69],
                home_agents: vec![OfferedHa {
                    container: Some(69),
                    address: ha,
                }],
                expectation: Expectation::UseHomeAgent(ha),
            },
        };
        let j = answered_json(&a);
        assert_eq!(j["shape"], "first-usable");
        assert_eq!(j["to"], "[2001:db8:5::1]:547");
        assert_eq!(j["options"], json!([2, 69, 69]));
        assert_eq!(
            j["home_agents"],
            json!([{ "container": 69, "address": "2001:db8:f::1" }])
        );
        assert_eq!(
            j["conforming_client"],
            json!({ "do": "use_home_agent", "ha": "2001:db8:f::1" })
        );
        assert_eq!(j["request"]["hnidfs"], json!(["msp.example.net."]));
        assert_eq!(j["request"]["from"], "fe80::1");
        assert_eq!(j["request"]["relayed_for"], "fe80::2");
        assert_eq!(j["request"]["elapsed_cs"], 110);
        let w = withheld_json(Shape::Silent, &request(), WithheldReason::Silent);
        assert_eq!(
            (w["reason"].clone(), w["conforming_client"]["do"].clone()),
            (json!("silent"), json!("retransmit"))
        );
        let i = ignored_json(
            "[fe80::1%7]:546".parse().unwrap(),
            &IgnoreReason::NotInformationRequest(1),
        );
        assert_eq!(i["reason"], "not an Information-request: SOLICIT");
    }
}
