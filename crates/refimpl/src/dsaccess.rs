//! The dual-stack MN's network access (draft-qin-mip6-dsbootstrapping §4.1.1 steps 1–3, with
//! `MIP6LAB_DS_DHCP4=yes`): IEEE 802.1X with the NAS (the integrated scenario's supplicant,
//! when `MIP6LAB_ACCESS_USER` is set), then DHCPv4 through the NAS's relay
//! (`mip6lab_engines::dhcpv4::client`): the lease's address is the co-located CoA, added to
//! the access interface beside the address the lab gave it, and its option 68 the FHA the
//! AAA assigned. The DHCPv4 datagrams leave from the lab's address (RFC 2131 §4.1 wants
//! 0.0.0.0 from an unconfigured client; the lab's MN already has one).

use crate::config::Knobs;
use crate::events::emit;
use anyhow::{anyhow, bail, Context, Result};
use mip6lab_engines::dhcpv4::client::{Client, ClientConfig, ClientEvent, Lease};
use mip6lab_engines::io::{Datagram, SansIo};
use mip6lab_engines_io::udp4::udp4_on;
use mip6lab_wire::dhcpv4::CLIENT_PORT;
use serde_json::json;
use std::net::Ipv4Addr;
use std::time::{Duration, Instant};
use tokio::process::Child;

/// DHCPv4 from the first DISCOVER to the ACK, the initial random wait (≤ 10 s) included.
const LEASE_BOUND: Duration = Duration::from_secs(40);

/// What network access gave: the co-located CoA and the FHA, and the supplicant to keep
/// alive while the MN uses the link.
pub struct Access {
    pub coa: Ipv4Addr,
    pub fha: Option<Ipv4Addr>,
    _supplicant: Option<Child>,
}

/// 802.1X (with `access` = identity and password), then DHCPv4 on `iface`.
pub async fn attach(
    iface: &str,
    access: Option<&(String, String)>,
    knobs: &Knobs,
) -> Result<Access> {
    let supplicant = match access {
        Some((user, password)) => {
            Some(crate::integrated::authenticate(iface, user, password).await?)
        }
        None => None,
    };
    let lease = lease(iface, knobs).await?;
    let len = lease
        .subnet_mask
        .map_or(24, |m| u32::from(m).count_ones() as u8);
    mip6lab_engines_io::tunnel::add_ipv4_alias(iface, "coa", lease.address, len)
        .with_context(|| format!("adding the co-located CoA {} to {iface}", lease.address))?;
    emit(
        "dhcp4",
        json!({ "bound": lease.address.to_string(), "prefix_len": len,
                "server_id": lease.server_id.to_string(),
                "home_agents": lease.home_agents.iter().map(|a| a.to_string()).collect::<Vec<_>>() }),
    );
    Ok(Access {
        coa: lease.address,
        fha: lease.fha(),
        _supplicant: supplicant,
    })
}

fn mac_of(iface: &str) -> Result<[u8; 6]> {
    let text = std::fs::read_to_string(format!("/sys/class/net/{iface}/address"))
        .with_context(|| format!("the MAC address of {iface}"))?;
    let octets: Vec<u8> = text
        .trim()
        .split(':')
        .map(|h| u8::from_str_radix(h, 16))
        .collect::<Result<_, _>>()
        .map_err(|_| anyhow!("{iface}: `{}` is not a MAC address", text.trim()))?;
    octets
        .try_into()
        .map_err(|_| anyhow!("{iface}: `{}` is not a MAC address", text.trim()))
}

/// The DHCPv4 client's configuration: conforming, with the `mn.dhcp4_*` knobs.
fn client_config(mac: [u8; 6], k: &Knobs) -> ClientConfig {
    ClientConfig {
        ignore_option68: k.mn_dhcp4_ignores_option68,
        omit_server_id: k.mn_dhcp4_no_server_id,
        no_backoff: k.mn_dhcp4_no_backoff,
        ..ClientConfig::new(mac)
    }
}

async fn lease(iface: &str, knobs: &Knobs) -> Result<Lease> {
    let sock = udp4_on(Some(iface), CLIENT_PORT)
        .with_context(|| format!("DHCPv4 client socket on {iface}"))?;
    let mut client = Client::new(
        client_config(mac_of(iface)?, knobs),
        Box::new(|b: &mut [u8]| rand::fill(b)),
    );
    let started = Instant::now();
    let now = || started.elapsed().as_millis() as u64;
    client.start(now());
    let mut buf = [0u8; 2048];
    loop {
        while let Some(t) = client.poll_transmit() {
            if let Err(e) = sock.send_to(&t.payload, t.dst).await {
                emit(
                    "error",
                    json!({ "send_to": t.dst.to_string(), "reason": e.to_string() }),
                );
            }
        }
        while let Some(e) = client.poll_event() {
            match e {
                ClientEvent::Bound(lease) => return Ok(lease),
                other => emit("dhcp4", json!({ "client": format!("{other:?}") })),
            }
        }
        if started.elapsed() > LEASE_BOUND {
            bail!("no DHCPv4 lease within {LEASE_BOUND:?}");
        }
        let wait = client
            .next_timeout()
            .map_or(1_000, |d| d.saturating_sub(now()).min(1_000));
        tokio::select! {
            r = sock.recv_from(&mut buf) => {
                let (n, from) = r.context("DHCPv4 receive")?;
                client.handle_input(now(), Datagram::new(from, &buf[..n]));
            }
            _ = tokio::time::sleep(Duration::from_millis(wait)) => client.handle_timeout(now()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{assert_mutants_reach, KnobField};

    #[test]
    fn every_dhcp4_client_mutant_reaches_the_client_and_none_by_default() {
        let mac = [2, 0, 0, 0, 0, 1];
        assert_eq!(
            client_config(mac, &Knobs::default()),
            ClientConfig::new(mac)
        );
        let fields: [KnobField<ClientConfig>; 3] = [
            ("mn.dhcp4_ignores_option68", |c| c.ignore_option68),
            ("mn.dhcp4_no_server_id", |c| c.omit_server_id),
            ("mn.dhcp4_no_backoff", |c| c.no_backoff),
        ];
        assert_mutants_reach("mn.dhcp4_", &fields, |k| client_config(mac, k));
    }
}
