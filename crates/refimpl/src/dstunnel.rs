//! The dual-stack roles' userspace tunnels (`mip6lab_engines_io::tunnel`: this kernel has no
//! IP-in-IP): the MN with a co-located CoA and the FHA each run one TUN device and the driver
//! in a task; registrations attach and detach the inner prefixes of each peer; the FA relays
//! between its visitors and their FHA (RFC 3024 §5.2 reverse tunnels). And the MN's
//! check that the tunnel carries traffic: an ICMP echo from its temporary IPv4 home address
//! through the tunnel (`MIP6LAB_DS_ECHO`).

use crate::events::emit;
use anyhow::{anyhow, Context, Result};
use mip6lab_engines::tunnel::{Config, Prefix};
use mip6lab_engines_io::icmp4::Icmp4Socket;
use mip6lab_engines_io::tunnel::{DriverSettings, TunSettings, TunnelDriver, TunnelHandle};
use serde_json::json;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::time::{Duration, Instant};

/// The lab's links are Ethernet bridges.
const LINK_MTU: u32 = 1500;

/// Opens the TUN device `name` with these inner addresses and routes into it, tunnels ending
/// at `locals`, and runs the driver in a task for the life of the process. Gives the handle
/// and the device's name.
pub async fn open(
    name: &str,
    ipv4: Vec<(Ipv4Addr, u8)>,
    ipv6: Vec<(Ipv6Addr, u8)>,
    routes: Vec<Prefix>,
    locals: Vec<Ipv4Addr>,
) -> Result<(TunnelHandle, String)> {
    let driver = TunnelDriver::open(DriverSettings {
        tun: TunSettings {
            name: name.into(),
            link_mtu: LINK_MTU,
            ipv4,
            ipv6,
            routes,
        },
        codec: Config {
            id_seed: rand::random(),
            ..Config::default()
        },
        locals,
        udp: false,
    })
    .await
    .with_context(|| format!("tunnel device {name}"))?;
    let (handle, dev) = (driver.handle(), driver.name().to_string());
    tokio::spawn(async move {
        if let Err(e) = driver.run(std::future::pending()).await {
            emit("error", json!({ "tunnel": e.to_string() }));
        }
    });
    Ok((handle, dev))
}

/// Echo Requests from `from` (an address of the TUN device `dev`) to `to`, up to three, each
/// waiting a second for its Reply; reports `tunnel_echo` with the round trip, or fails when
/// none came.
pub async fn echo(dev: &str, from: Ipv4Addr, to: Ipv4Addr) -> Result<()> {
    let sock = Icmp4Socket::open(dev, from).with_context(|| format!("ICMP socket on {dev}"))?;
    let id: u16 = rand::random();
    for seq in 1..=3u16 {
        let mut m = vec![8, 0, 0, 0];
        m.extend_from_slice(&id.to_be_bytes());
        m.extend_from_slice(&seq.to_be_bytes());
        m.extend_from_slice(b"mip6lab dual-stack tunnel check");
        let c = mip6lab_wire::checksum::internet_checksum(&m);
        m[2..4].copy_from_slice(&c.to_be_bytes());
        let sent = Instant::now();
        sock.send(to, &m).await.context("echo request")?;
        let wait = async {
            loop {
                let r = sock.recv().await?;
                if r.icmp.first() == Some(&0) && r.src == to && r.icmp.get(4..8) == Some(&m[4..8]) {
                    return Ok::<_, std::io::Error>(());
                }
            }
        };
        if let Ok(r) = tokio::time::timeout(Duration::from_secs(1), wait).await {
            r.context("echo reply")?;
            emit(
                "tunnel_echo",
                json!({ "from": from.to_string(), "to": to.to_string(), "seq": seq,
                        "rtt_us": sent.elapsed().as_micros() as u64 }),
            );
            return Ok(());
        }
    }
    Err(anyhow!(
        "no echo reply from {to} through the tunnel from {from}"
    ))
}
