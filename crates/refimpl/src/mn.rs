//! Reference mobile node. For now: HA discovery (RFC 5026 §5.1), reporting the chosen HA.

use crate::config::{Config, Discovery};
use crate::{dns, events};
use anyhow::{anyhow, bail, Result};
use hickory_proto::op::Message;
use hickory_proto::rr::{RData, RecordType};
use mip6lab_engines::discovery::{order_srv, srv_qname_with, HaCandidate, SrvTarget};
use std::net::Ipv6Addr;
use std::str::FromStr;

pub fn run(cfg: &Config) -> Result<()> {
    let candidates = match &cfg.discovery {
        Discovery::Srv { domain } => discover_by_srv(cfg, domain)?,
        Discovery::Name { ha_name } => discover_by_name(cfg, ha_name)?,
    };
    let chosen = candidates
        .first()
        .ok_or_else(|| anyhow!("discovery found no usable home agent"))?;
    events::emit(
        "ha_selected",
        serde_json::json!({ "name": chosen.name, "address": chosen.address.to_string(),
                            "candidates": candidates }),
    );
    Ok(())
}

fn discover_by_srv(cfg: &Config, domain: &str) -> Result<Vec<HaCandidate>> {
    let qname = srv_qname_with(&cfg.knobs.srv_service, &cfg.knobs.srv_proto, domain);
    let resp = dns::query(cfg.dns, &qname, RecordType::SRV)?;
    let targets: Vec<SrvTarget> = resp
        .answers
        .iter()
        .filter_map(|r| match &r.data {
            RData::SRV(s) => Some(SrvTarget {
                priority: s.priority,
                weight: s.weight,
                port: s.port,
                target: s.target.to_ascii(),
            }),
            _ => None,
        })
        .collect();
    if targets.is_empty() {
        bail!("{qname} SRV: the answer holds no SRV record");
    }
    let ordered = order_srv(&targets, |n| rand::random_range(0..n));
    let mut out = Vec::new();
    for t in ordered {
        // Prefer the additional-section AAAA (§5.1.2); otherwise ask for it.
        let mut addrs = aaaa_for(&resp, &t.target);
        if addrs.is_empty() {
            match dns::query(cfg.dns, &t.target, RecordType::AAAA) {
                Ok(r) => addrs = aaaa_for(&r, &t.target),
                Err(e) => eprintln!("mn: {e:#}"),
            }
        }
        out.extend(addrs.into_iter().map(|address| HaCandidate {
            name: t.target.clone(),
            address,
        }));
    }
    Ok(out)
}

fn discover_by_name(cfg: &Config, ha_name: &str) -> Result<Vec<HaCandidate>> {
    let qtype = RecordType::from_str(&cfg.knobs.name_qtype).map_err(|_| {
        anyhow!(
            "mn.name_qtype `{}` is not a record type",
            cfg.knobs.name_qtype
        )
    })?;
    let resp = dns::query(cfg.dns, ha_name, qtype)?;
    let name = absolute(ha_name);
    Ok(aaaa_for(&resp, &name)
        .into_iter()
        .map(|address| HaCandidate {
            name: name.clone(),
            address,
        })
        .collect())
}

fn absolute(name: &str) -> String {
    if name.ends_with('.') {
        name.to_string()
    } else {
        format!("{name}.")
    }
}

/// AAAA records for `name` found in any section of `msg`.
fn aaaa_for(msg: &Message, name: &str) -> Vec<Ipv6Addr> {
    msg.answers
        .iter()
        .chain(msg.additionals.iter())
        .filter(|r| r.name.to_ascii().eq_ignore_ascii_case(name))
        .filter_map(|r| match &r.data {
            RData::AAAA(a) => Some(a.0),
            _ => None,
        })
        .collect()
}
