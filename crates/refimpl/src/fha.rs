//! Reference role `MIP6LAB_ROLE=fha`: the foreign home agent of the dual-stack scenario
//! (draft-qin-mip6-dsbootstrapping §4, `mip6lab_engines::mip4::fha`). Mobile IPv4
//! registration on UDP 434 of its IPv4 address, the MN checked with the AAA server over
//! RADIUS (`MIP6LAB_FHA_AAA`), the Registration Reply with the temporary IPv4 home address
//! (`MIP6LAB_FHA_THOA_POOL`) and the IPv6 items of the profile. Each registration's THoAv4 and
//! IPv6 CoA are attached to the userspace IP-in-IP tunnel to its CoA; in the lab topology the
//! FHA is the router of the HA's link, so the HA's answers to the IPv6 CoA come back through it.

use crate::config::{Config, Knobs};
use crate::events::emit;
use anyhow::{anyhow, bail, Context, Result};
use mip6lab_contract::env::{self, EnvVar};
use mip6lab_engines::io::{Datagram, SansIo};
use mip6lab_engines::mip4::fha::{
    Fha, FhaAaaPeer, FhaConfig, FhaEvent, FhaFaHaSa, FhaInput, FhaIpv4Pool, FhaKnobs,
};
use mip6lab_engines::tunnel::{Encapsulation, Prefix};
use serde_json::json;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::net::UdpSocket;

/// Seconds from the NTP era (1900) to the Unix epoch: Identification timestamps are NTP's
/// (RFC 5944 §5.7.1).
const NTP_UNIX_OFFSET: u64 = 2_208_988_800;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FhaSettings {
    pub pool: FhaIpv4Pool,
    pub aaa: (SocketAddr, String),
    pub ipv6_coa_prefix: Option<(Ipv6Addr, u8)>,
    /// `MIP6LAB_FA_HA_SA`: the FA-HA SA with a foreign agent.
    pub fa_ha: Option<FhaFaHaSa>,
}

impl FhaSettings {
    pub fn from_vars(get: &dyn Fn(EnvVar) -> Option<String>) -> Result<FhaSettings> {
        let pool =
            get(env::FHA_THOA_POOL).ok_or_else(|| anyhow!("{} is not set", env::FHA_THOA_POOL))?;
        let pool = parse_pool(&pool).with_context(|| env::FHA_THOA_POOL.to_string())?;
        let aaa = get(env::FHA_AAA).ok_or_else(|| anyhow!("{} is not set", env::FHA_AAA))?;
        let (server, secret) = aaa
            .split_once(' ')
            .ok_or_else(|| anyhow!("{}: `{aaa}` is not `[addr]:port secret`", env::FHA_AAA))?;
        let server: SocketAddr = server
            .parse()
            .map_err(|_| anyhow!("{}: `{server}` is not [addr]:port", env::FHA_AAA))?;
        let ipv6_coa_prefix = get(env::FHA_IPV6_COA_PREFIX)
            .map(|p| crate::config::parse_prefix(&p).context(env::FHA_IPV6_COA_PREFIX))
            .transpose()?;
        Ok(FhaSettings {
            pool,
            aaa: (server, secret.trim().to_string()),
            ipv6_coa_prefix,
            fa_ha: crate::fa::fa_ha_sa(get)?.map(|(fa, sa)| FhaFaHaSa {
                fa,
                spi: sa.spi,
                key: sa.key,
            }),
        })
    }
}

impl FhaSettings {
    /// The engine's configuration: its address, these settings, the node's id as the
    /// NAS-Identifier, its clock (`ntp_at_zero`) and the `fha.*` knobs.
    pub fn engine_config(
        &self,
        address: Ipv4Addr,
        id: &str,
        ntp_at_zero: u64,
        k: &Knobs,
    ) -> FhaConfig {
        let mut c = FhaConfig::new(address, self.pool);
        c.ipv6_coa_prefix = self.ipv6_coa_prefix;
        c.fa_ha = self.fa_ha.clone().into_iter().collect();
        c.aaa = Some(FhaAaaPeer {
            server: self.aaa.0,
            secret: self.aaa.1.as_bytes().to_vec(),
            nas_identifier: Some(id.to_string()).filter(|i| !i.is_empty()),
            retransmit_ms: 1_000,
            max_retransmits: 3,
        });
        c.ntp_at_zero = ntp_at_zero;
        c.knobs = fha_knobs(k);
        c
    }
}

/// The `fha.*` knobs as the engine's.
fn fha_knobs(k: &Knobs) -> FhaKnobs {
    FhaKnobs {
        no_ipv6_items_in_rrp: k.fha_no_ipv6_items_in_rrp,
        no_thoa: k.fha_no_thoa,
        no_nai_echo: k.fha_no_nai_echo,
        lifetime_raised: k.fha_lifetime_raised,
        skip_aaa_check: k.fha_skip_aaa_check,
        no_keygen_reply: k.fha_no_keygen_reply,
        mn_ha_auth_wrong_key: k.fha_mn_ha_auth_wrong_key,
        keygen_after_mn_ha: k.fha_keygen_after_mn_ha,
        reply_identification_mismatch: k.fha_reply_identification_mismatch,
        fa_ha_auth_wrong_key: k.fha_fa_ha_auth_wrong_key,
    }
}

/// `first-last`.
pub(crate) fn parse_pool(s: &str) -> Result<FhaIpv4Pool> {
    let (a, b) = s
        .split_once('-')
        .ok_or_else(|| anyhow!("`{s}` is not first-last"))?;
    let first: Ipv4Addr = a.trim().parse().map_err(|_| anyhow!("`{a}`: not IPv4"))?;
    let last: Ipv4Addr = b.trim().parse().map_err(|_| anyhow!("`{b}`: not IPv4"))?;
    let count = u32::from(last)
        .checked_sub(u32::from(first))
        .ok_or_else(|| anyhow!("`{s}`: the last address is before the first"))?;
    Ok(FhaIpv4Pool {
        first,
        count: count + 1,
    })
}

/// The first IPv4 address of `iface`.
pub(crate) fn ipv4_address(iface: &str) -> Result<Ipv4Addr> {
    let mut found = None;
    // SAFETY: getifaddrs hands back a list this function walks and then frees; nothing
    // outlives the call.
    unsafe {
        let mut head: *mut libc::ifaddrs = std::ptr::null_mut();
        if libc::getifaddrs(&mut head) != 0 {
            bail!("getifaddrs: {}", std::io::Error::last_os_error());
        }
        let mut p = head;
        while !p.is_null() {
            let ifa = &*p;
            let addr = ifa.ifa_addr;
            if !addr.is_null() && i32::from((*addr).sa_family) == libc::AF_INET {
                let name = std::ffi::CStr::from_ptr(ifa.ifa_name).to_string_lossy();
                if name == iface && found.is_none() {
                    let sin = &*(addr as *const libc::sockaddr_in);
                    found = Some(Ipv4Addr::from(u32::from_be(sin.sin_addr.s_addr)));
                }
            }
            p = ifa.ifa_next;
        }
        libc::freeifaddrs(head);
    }
    found.ok_or_else(|| anyhow!("{iface} has no IPv4 address"))
}

pub async fn run(cfg: &Config) -> Result<()> {
    let s = cfg.fha.as_ref().ok_or_else(|| anyhow!("not an FHA"))?;
    let address = wait_ipv4("eth0", cfg.net_timeout).await?;
    let unix = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
    let c = s.engine_config(address, &cfg.id, unix + NTP_UNIX_OFFSET, &cfg.knobs);
    let mut fha = Fha::new(c, Box::new(rand::random::<[u8; 16]>));
    let reg = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, mip6lab_wire::mip4::PORT))
        .await
        .context("UDP 434")?;
    let radius = match s.aaa.0 {
        SocketAddr::V4(_) => UdpSocket::bind("0.0.0.0:0").await,
        SocketAddr::V6(_) => UdpSocket::bind("[::]:0").await,
    }
    .context("RADIUS socket")?;
    emit(
        "ready",
        json!({ "role": env::ROLE_FHA, "address": address.to_string(),
                "aaa": s.aaa.0.to_string(), "pool_first": s.pool.first.to_string(),
                "pool_size": s.pool.count }),
    );
    let started = Instant::now();
    let now = || started.elapsed().as_millis() as u64;
    let (mut rbuf, mut abuf) = ([0u8; 4096], [0u8; 4096]);
    // The MN–FHA tunnels (opened at the first registration): the THoAv4 pool is routed into
    // the TUN device, each binding attaches its home address to its care-of address.
    let mut tunnel: Option<mip6lab_engines_io::tunnel::TunnelHandle> = None;
    let pool_prefix = Prefix::V4(s.pool.first, 24);
    // The IPv6 CoAs it assigns are routed into the same device: the HA's packets to an MN's
    // IPv6 CoA go through the MN–FHA tunnel (draft §3: the MN's IPv6 traffic in the IPv4
    // tunnel). Per THoAv4, the IPv6 CoA attached with it.
    let mut tun_routes = vec![pool_prefix];
    tun_routes.extend(s.ipv6_coa_prefix.map(|(p, l)| Prefix::V6(p, l)));
    let mut ipv6_coas: std::collections::HashMap<Ipv4Addr, Ipv6Addr> = Default::default();
    let mut ignored = 0u8;
    loop {
        // Events first: a visitor's tunnel is up before its Reply goes out, so its first
        // tunnelled packet finds it (else the kernel answers Protocol Unreachable).
        while let Some(e) = fha.poll_event() {
            emit("fha", event_json(&e));
            match e {
                FhaEvent::TunnelUp {
                    thoa,
                    fha: own,
                    coa,
                    ..
                } => {
                    if tunnel.is_none() {
                        let (h, dev) = crate::dstunnel::open(
                            "dsfha%d",
                            vec![],
                            vec![],
                            tun_routes.clone(),
                            vec![own],
                        )
                        .await?;
                        emit("tunnel", json!({ "device": dev }));
                        tunnel = Some(h);
                    }
                    if let Some(h) = &tunnel {
                        if let Err(e) = h.attach(coa, own, Encapsulation::Ip, Prefix::V4(thoa, 32))
                        {
                            emit("error", json!({ "tunnel_attach": format!("{e:?}") }));
                        }
                    }
                }
                FhaEvent::Registered { binding, .. } => {
                    if let (Some(h), Some(coa6)) = (&tunnel, binding.ipv6.coa) {
                        let up = h.attach(
                            binding.coa,
                            address,
                            Encapsulation::Ip,
                            Prefix::V6(coa6, 128),
                        );
                        match up {
                            Ok(()) => {
                                ipv6_coas.insert(binding.thoa, coa6);
                            }
                            Err(e) => emit("error", json!({ "tunnel_attach": format!("{e:?}") })),
                        }
                    }
                }
                FhaEvent::TunnelDown { thoa, coa, .. } => {
                    if let Some(h) = &tunnel {
                        h.detach(coa, Prefix::V4(thoa, 32));
                        if let Some(coa6) = ipv6_coas.remove(&thoa) {
                            h.detach(coa, Prefix::V6(coa6, 128));
                        }
                    }
                }
                _ => {}
            }
        }
        while let Some(t) = fha.poll_transmit() {
            let sock = if t.dst == s.aaa.0 { &radius } else { &reg };
            if let Err(e) = sock.send_to(&t.payload, t.dst).await {
                emit(
                    "error",
                    json!({ "send_to": t.dst.to_string(), "reason": e.to_string() }),
                );
            }
        }
        // Every wait has a bound: the engine's next timer, else a second.
        let wait = fha
            .next_timeout()
            .map_or(1_000, |d| d.saturating_sub(now()).min(1_000));
        tokio::select! {
            r = reg.recv_from(&mut rbuf) => {
                let (n, from) = r.context("UDP 434 receive")?;
                // Stimulus `fha.ignore_first_requests`: the first N Requests go unanswered.
                if rbuf.first() == Some(&1) && ignored < cfg.knobs.fha_ignore_first_requests {
                    ignored += 1;
                    emit("fha", json!({ "event": "request_ignored", "count": ignored }));
                    continue;
                }
                fha.handle_input(now(), FhaInput::Registration(Datagram::new(from, &rbuf[..n])));
            }
            r = radius.recv_from(&mut abuf) => {
                let (n, from) = r.context("RADIUS receive")?;
                fha.handle_input(now(), FhaInput::Radius(Datagram::new(from, &abuf[..n])));
            }
            _ = tokio::time::sleep(Duration::from_millis(wait)) => fha.handle_timeout(now()),
        }
    }
}

/// The node's IPv4 address on `iface`, once the lab has configured it.
pub(crate) async fn wait_ipv4(iface: &str, bound: Duration) -> Result<Ipv4Addr> {
    let deadline = Instant::now() + bound;
    loop {
        match ipv4_address(iface) {
            Ok(a) => return Ok(a),
            Err(e) if Instant::now() >= deadline => return Err(e),
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}

fn event_json(e: &FhaEvent) -> serde_json::Value {
    match e {
        FhaEvent::Registered { binding, code } => json!({
            "registered": binding.nai, "code": u8::from(*code), "thoa": binding.thoa.to_string(),
            "coa": binding.coa.to_string(), "lifetime": binding.lifetime,
            "ipv6": format!("{:?}", binding.ipv6),
        }),
        other => json!({ "event": format!("{other:?}") }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{assert_mutants_reach, KnobField};

    #[test]
    fn every_fha_mutant_reaches_the_engine_and_none_by_default() {
        let s = FhaSettings {
            pool: parse_pool("198.18.100.10-198.18.100.20").unwrap(),
            aaa: ("[2001:db8:9::1]:1812".parse().unwrap(), "secret".into()),
            ipv6_coa_prefix: None,
            fa_ha: None,
        };
        let build = |k: &Knobs| s.engine_config(Ipv4Addr::new(198, 18, 0, 1), "fha", 0, k);
        assert_eq!(build(&Knobs::default()).knobs, FhaKnobs::default());
        let fields: [KnobField<FhaConfig>; 8] = [
            ("fha.no_ipv6_items_in_rrp", |c| c.knobs.no_ipv6_items_in_rrp),
            ("fha.no_thoa", |c| c.knobs.no_thoa),
            ("fha.no_nai_echo", |c| c.knobs.no_nai_echo),
            ("fha.lifetime_raised", |c| c.knobs.lifetime_raised),
            ("fha.skip_aaa_check", |c| c.knobs.skip_aaa_check),
            ("fha.no_keygen_reply", |c| c.knobs.no_keygen_reply),
            ("fha.mn_ha_auth_wrong_key", |c| c.knobs.mn_ha_auth_wrong_key),
            ("fha.keygen_after_mn_ha", |c| c.knobs.keygen_after_mn_ha),
        ];
        assert_mutants_reach("fha.", &fields, build);
    }

    #[test]
    fn pools_parse_and_bad_ones_say_why() {
        let p = parse_pool("198.18.100.10-198.18.100.250").unwrap();
        assert_eq!((p.first, p.count), (Ipv4Addr::new(198, 18, 100, 10), 241));
        assert!(parse_pool("198.18.100.10").is_err());
        assert!(parse_pool("198.18.100.10-198.18.100.9").is_err());
        assert!(parse_pool("x-198.18.100.9").is_err());
    }
}
