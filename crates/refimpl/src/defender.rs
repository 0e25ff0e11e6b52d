//! Harness peer `MIP6LAB_ROLE=nd-defender`: a node on the home link that claims every address
//! of `MIP6LAB_DEFEND_PREFIX`, answering each DAD probe for one of them with a defending NA
//! (RFC 4862 §5.4.3), so that an HA's proxy DAD fails (RFC 5026 §5.3.2). Runs for
//! `MIP6LAB_DEFEND_SECS`, then exits 0.

use crate::config::Config;
use crate::events::emit;
use crate::{mhio, ndio};
use anyhow::{anyhow, Context, Result};
use mip6lab_engines::dad::Defender;
use mip6lab_engines::io::SansIo;
use mip6lab_wire::nd;
use serde_json::json;
use std::net::IpAddr;
use std::time::{Duration, Instant};

pub async fn run(cfg: &Config) -> Result<()> {
    let ds = cfg
        .defender
        .as_ref()
        .ok_or_else(|| anyhow!("not a defender"))?;
    let me = cfg.own_addr()?;
    let ifname = mhio::interface_of(me)?;
    let sock = ndio::NdSocket::open(&ifname).with_context(|| format!("AF_PACKET on {ifname}"))?;
    let mut d = Defender::new(
        ds.prefix,
        me,
        ndio::mac_of(&ifname).context("own MAC address")?,
    );
    let (p, l) = ds.prefix;
    emit(
        "ready",
        json!({ "role": "nd-defender", "address": me.to_string(), "prefix": format!("{p}/{l}") }),
    );
    let end = Instant::now() + ds.lifetime;
    let mut defended = 0u32;
    loop {
        let left = end.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        let Some(packet) = sock.recv(left).await? else {
            break;
        };
        d.handle_input(0, &packet);
        let (Some(na), Some(target)) = (d.poll_transmit(), d.poll_event()) else {
            continue;
        };
        let IpAddr::V6(dst) = na.dst.ip() else {
            continue;
        };
        let to = nd::multicast_mac(dst);
        match sock.send(&na.payload, to, Duration::from_secs(1)).await {
            Ok(()) => {
                defended += 1;
                emit("defended", json!({ "target": target.to_string() }));
            }
            Err(e) => emit(
                "error",
                json!({ "reason": format!("NA for {target}: {e}") }),
            ),
        }
    }
    emit("done", json!({ "defended": defended }));
    Ok(())
}
