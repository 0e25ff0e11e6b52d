//! Reference role `MIP6LAB_ROLE=fa`: the foreign agent of the dual-stack scenario
//! (draft-qin-mip6-dsbootstrapping §4.1.2, §4.2.2; `mip6lab_engines::mip4::fa`). Agent
//! Advertisements (and answers to Solicitations) on the MN's link
//! (`MIP6LAB_ACCESS_IFACE`) advertising its address on its first link (eth0) as the
//! care-of address; Registration Requests relayed to the foreign home agent from that
//! address, Replies relayed back.
//!
//! Delivery of a Reply: RFC 5944 §3.7.3.2 has the FA reach the MN at the link layer, as its
//! home address is not yet routable; in userspace the nearest equivalent is the IP source and
//! port the MN's Request came from on the access link, which this driver remembers per NAI.

use crate::config::Config;
use crate::events::emit;
use anyhow::{anyhow, Context, Result};
use mip6lab_contract::env::{self, EnvVar};
use mip6lab_engines::io::{Datagram, SansIo};
use mip6lab_engines::mip4::fa::{FaInput, ForeignAgent, ForeignAgentConfig};
use mip6lab_engines_io::icmp4::Icmp4Socket;
use mip6lab_wire::mip4::{Extension, Repr};
use serde_json::json;
use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::time::{Duration, Instant};
use tokio::net::UdpSocket;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaSettings {
    pub access_iface: String,
    /// realm → FHA, for Requests whose Home Agent field asks for any (RFC 4433).
    pub fha_by_realm: Vec<(String, Ipv4Addr)>,
}

impl FaSettings {
    pub fn from_vars(get: &dyn Fn(EnvVar) -> Option<String>) -> Result<FaSettings> {
        let fha_by_realm = get(env::FA_FHA_BY_REALM)
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|item| {
                let (realm, fha) = item.split_once('=').ok_or_else(|| {
                    anyhow!("{}: `{item}` is not realm=ipv4", env::FA_FHA_BY_REALM)
                })?;
                let fha = fha.trim().parse().map_err(|_| {
                    anyhow!("{}: `{fha}` is not an IPv4 address", env::FA_FHA_BY_REALM)
                })?;
                Ok((realm.trim().to_string(), fha))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(FaSettings {
            access_iface: get(env::ACCESS_IFACE).unwrap_or_else(|| "eth1".into()),
            fha_by_realm,
        })
    }
}

/// The NAI of a Registration Request or Reply, if it carries one.
fn nai(payload: &[u8]) -> Option<Vec<u8>> {
    let repr = Repr::from_bytes(payload).ok()?;
    repr.extensions().iter().find_map(|e| match e {
        Extension::Nai(n) => Some(n.clone()),
        _ => None,
    })
}

pub async fn run(cfg: &Config) -> Result<()> {
    let s = cfg.fa.as_ref().ok_or_else(|| anyhow!("not an FA"))?;
    let coa = crate::fha::wait_ipv4("eth0", cfg.net_timeout).await?;
    let own = crate::fha::wait_ipv4(&s.access_iface, cfg.net_timeout).await?;
    let mut c = ForeignAgentConfig::new(own, vec![coa]);
    c.fha_by_realm = s.fha_by_realm.clone();
    // Advertise often enough for a test to see the first one soon.
    c.adv_interval_ms = 3_000;
    c.adv_lifetime_s = 9;
    let mut fa = ForeignAgent::new(c, Box::new(|b: &mut [u8]| rand::fill(b)));
    let icmp = Icmp4Socket::open(&s.access_iface, own)
        .with_context(|| format!("raw ICMP socket on {}", s.access_iface))?;
    let udp = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, mip6lab_wire::mip4::PORT))
        .await
        .context("UDP 434")?;
    emit(
        "ready",
        json!({ "role": env::ROLE_FA, "address": own.to_string(), "coa": coa.to_string() }),
    );
    let started = Instant::now();
    let now = || started.elapsed().as_millis() as u64;
    fa.start(now());
    let mut mns: HashMap<Vec<u8>, SocketAddr> = HashMap::new();
    let mut buf = [0u8; 4096];
    loop {
        while let Some(t) = fa.poll_transmit() {
            let sent = match t.dst {
                SocketAddr::V4(d) if d.port() == 0 => icmp.send(*d.ip(), &t.payload).await,
                dst => {
                    // A Reply for an MN goes back where its Request came from (module doc).
                    let to = match (t.payload.first(), nai(&t.payload)) {
                        (Some(&3), Some(n)) => mns.get(&n).copied().unwrap_or(dst),
                        _ => dst,
                    };
                    udp.send_to(&t.payload, to).await.map(|_| ())
                }
            };
            if let Err(e) = sent {
                emit(
                    "error",
                    json!({ "send_to": t.dst.to_string(), "reason": e.to_string() }),
                );
            }
        }
        while let Some(e) = fa.poll_event() {
            emit("fa", serde_json::to_value(&e).unwrap_or_default());
        }
        let wait = fa
            .next_timeout()
            .map_or(1_000, |d| d.saturating_sub(now()).min(1_000));
        tokio::select! {
            r = icmp.recv() => {
                let m = r.context("ICMP receive")?;
                if m.src != own {
                    let from = SocketAddr::V4(SocketAddrV4::new(m.src, 0));
                    fa.handle_input(now(), FaInput::Icmp(Datagram::new(from, &m.icmp)));
                }
            }
            r = udp.recv_from(&mut buf) => {
                let (n, from) = r.context("UDP 434 receive")?;
                if buf.first() == Some(&1) {
                    if let Some(n) = nai(&buf[..n]) {
                        mns.insert(n, from);
                    }
                }
                fa.handle_input(now(), FaInput::Udp(Datagram::new(from, &buf[..n])));
            }
            _ = tokio::time::sleep(Duration::from_millis(wait)) => fa.handle_timeout(now()),
        }
    }
}
