//! The reference MN's dual-stack bootstrap (`MIP6LAB_BOOTSTRAP=dualstack`,
//! draft-qin-mip6-dsbootstrapping §4.1.1, co-located CoA; `mip6lab_engines::mip4::mn`): a
//! Mobile IPv4 registration with the foreign home agent (`MIP6LAB_DS_FHA`) from its own IPv4
//! address as the co-located CoA, identified by its NAI (`MIP6LAB_NAI`, home address
//! 0.0.0.0, RFC 2794) and authenticated by MN-AAA (`MIP6LAB_MN_AAA_KEY`, SPI 2, which the
//! FHA has the AAAH check). The Registration Reply's temporary IPv4 home address and IPv6
//! items are reported (`ds_registered`). With `MIP6LAB_DS_MODE=fa` it registers through a
//! foreign agent instead (§4.1.2): it listens for Agent Advertisements (soliciting when none
//! comes) and sends its Request to the FA, which relays it; then it asks for a reverse tunnel
//! in RFC 3024's Encapsulating Delivery Style (T bit, extension 130). Once registered, its
//! tunnel (to the FHA from the co-located CoA, or to the FA from the THoAv4) carries its IPv4
//! echo (`MIP6LAB_DS_ECHO`) and, with `MIP6LAB_HA_NAME` set, the Mobile IPv6 half: IKEv2 and
//! BU/BA with the HA from the Reply. With `MIP6LAB_DS_DHCP4=yes` network access comes first:
//! 802.1X, then DHCPv4 for the co-located CoA and the FHA (`crate::dsaccess`); with
//! `MIP6LAB_DS_ADV_WAIT_MS`, a co-located MN that hears an FA's R bit registers through it.

use crate::config::{Config, Knobs, MnSettings};
use crate::events::emit;
use anyhow::{anyhow, bail, Context, Result};
use mip6lab_contract::env::{self, EnvVar};
use mip6lab_engines::io::{Datagram, SansIo};
use mip6lab_engines::mip4::mn::{CoaMode, Mip4Client, Mip4ClientConfig, MnEvent, MnInput};
use mip6lab_engines::mip4::{Registration, SecurityAssociation};
use mip6lab_engines::tunnel::{Encapsulation, Prefix};
use mip6lab_engines_io::icmp4::Icmp4Socket;
use mip6lab_wire::dsprofile::Profile;
use mip6lab_wire::mip4::auth::CHAP_SPI;
use serde_json::json;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::net::UdpSocket;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DsMnSettings {
    pub nai: String,
    pub mn_aaa_key: String,
    /// `MIP6LAB_DS_FHA`; with DHCPv4 the lease's option 68 is taken first.
    pub fha: Option<Ipv4Addr>,
    /// Network access first (`MIP6LAB_DS_DHCP4=yes`): 802.1X with these credentials, if
    /// any, then DHCPv4 for the co-located CoA and the FHA (`crate::dsaccess`).
    pub dhcp4: Option<Option<(String, String)>>,
    /// Through a foreign agent (an FA CoA) rather than with its own address as the CoA.
    pub via_fa: bool,
    /// After registering with a co-located CoA: an address to ping through the MN–FHA
    /// tunnel from the temporary IPv4 home address (`MIP6LAB_DS_ECHO`).
    pub echo: Option<Ipv4Addr>,
    /// Co-located CoA: how long to listen for an Agent Advertisement (one with R sends the
    /// registration through that FA) before registering directly (`MIP6LAB_DS_ADV_WAIT_MS`).
    pub adv_wait_ms: u64,
}

impl DsMnSettings {
    pub fn from_vars(get: &dyn Fn(EnvVar) -> Option<String>) -> Result<DsMnSettings> {
        let need = |k: EnvVar| get(k).ok_or_else(|| anyhow!("{k} is not set"));
        let dhcp4 = match get(env::DS_DHCP4).as_deref() {
            None | Some("no" | "false" | "0") => None,
            Some("yes" | "true" | "1") => {
                Some(match (get(env::ACCESS_USER), get(env::ACCESS_PASSWORD)) {
                    (Some(u), Some(p)) => Some((u, p)),
                    (None, None) => None,
                    _ => bail!(
                        "set both {} and {} (or neither: no network access authentication)",
                        env::ACCESS_USER,
                        env::ACCESS_PASSWORD
                    ),
                })
            }
            Some(o) => bail!("{}: `{o}` is not yes/no", env::DS_DHCP4),
        };
        let fha = get(env::DS_FHA)
            .map(|f| {
                f.parse()
                    .map_err(|_| anyhow!("{}: `{f}` is not an IPv4 address", env::DS_FHA))
            })
            .transpose()?;
        if fha.is_none() && dhcp4.is_none() {
            bail!(
                "{} is not set (nor {}=yes, which takes the FHA from DHCPv4)",
                env::DS_FHA,
                env::DS_DHCP4
            );
        }
        Ok(DsMnSettings {
            nai: need(env::NAI)?,
            mn_aaa_key: need(env::MN_AAA_KEY)?,
            fha,
            dhcp4,
            echo: get(env::DS_ECHO)
                .map(|e| {
                    e.parse()
                        .map_err(|_| anyhow!("{}: `{e}` is not an IPv4 address", env::DS_ECHO))
                })
                .transpose()?,
            adv_wait_ms: get(env::DS_ADV_WAIT_MS)
                .map(|v| {
                    v.parse()
                        .map_err(|_| anyhow!("{}: `{v}` is not milliseconds", env::DS_ADV_WAIT_MS))
                })
                .transpose()?
                .unwrap_or(0),
            via_fa: match get(env::DS_MODE).as_deref() {
                None | Some("co-located") => false,
                Some("fa") => true,
                Some(o) => bail!("{}: `{o}` is neither co-located nor fa", env::DS_MODE),
            },
        })
    }
}

impl DsMnSettings {
    /// The Mobile IPv4 client's configuration: `mode`, its MN-AAA SA, the reverse tunnel when
    /// its own traffic needs one (`mip6`: the Mobile IPv6 half follows), and the `mn.mip4_*`
    /// knobs.
    pub fn client_config(&self, mode: CoaMode, mip6: bool, knobs: &Knobs) -> Mip4ClientConfig {
        let mut c = Mip4ClientConfig::new(self.nai.clone(), mode, Profile::lab());
        c.colocated_wait_ms = self.adv_wait_ms;
        // Through an FA, the MN's own traffic (the echo, the Mobile IPv6 half) goes back
        // through the FA in a reverse tunnel that it encapsulates itself (RFC 3024 §3.2, §3.3,
        // §5.2).
        if self.via_fa && (mip6 || self.echo.is_some()) {
            c.reverse_tunnel = true;
            c.encapsulating_delivery = true;
        }
        c.mn_aaa = Some(SecurityAssociation::new(
            CHAP_SPI,
            self.mn_aaa_key.as_bytes().to_vec(),
        ));
        c.lifetime_s = knobs.mn_mip4_lifetime_s;
        c.ignore_r_bit = knobs.mn_mip4_ignore_r_bit;
        c.no_nai = knobs.mn_mip4_no_nai;
        c.nai_after_auth = knobs.mn_mip4_nai_after_auth;
        c.skip_identification_check = knobs.mn_mip4_skip_identification_check;
        c.ignore_ipv6_items = knobs.mn_mip4_ignore_ipv6_items;
        c.fast_retransmit = knobs.mn_mip4_fast_retransmit;
        c.reuse_identification = knobs.mn_mip4_reuse_identification;
        c.exceed_advertised_lifetime = knobs.mn_mip4_exceed_advertised_lifetime;
        c.no_keygen_request = knobs.mn_mip4_no_keygen_request;
        c.skip_keygen_check = knobs.mn_mip4_skip_keygen_check;
        c
    }
}

/// How long the registration may take, retransmissions included.
const REGISTRATION_BOUND: Duration = Duration::from_secs(30);

pub async fn run(cfg: &Config) -> Result<()> {
    let s = cfg
        .dsmn
        .as_ref()
        .ok_or_else(|| anyhow!("not a dual-stack MN"))?;
    let lab_address = crate::fha::wait_ipv4("eth0", cfg.net_timeout).await?;
    // The co-located CoA: from the access network's DHCPv4, else the lab's address.
    let (own, fha, _access) = match &s.dhcp4 {
        Some(credentials) => {
            let a = crate::dsaccess::attach("eth0", credentials.as_ref(), &cfg.knobs).await?;
            let fha = a.fha.or(s.fha).ok_or_else(|| {
                anyhow!("the DHCPv4 lease named no FHA (option 68) and MIP6LAB_DS_FHA is not set")
            })?;
            (a.coa, fha, Some(a))
        }
        None => {
            let fha = s.fha.ok_or_else(|| anyhow!("{} is not set", env::DS_FHA))?;
            (lab_address, fha, None)
        }
    };
    let mode = if s.via_fa {
        CoaMode::ViaForeignAgent { fha: Some(fha) }
    } else {
        CoaMode::CoLocated { coa: own, fha }
    };
    let c = s.client_config(mode, cfg.mn.is_some(), &cfg.knobs);
    // Identification: NTP seconds in the high half (RFC 5944 §5.7.1 timestamps), the low half
    // from the clock's sub-second part and the engine's time.
    let unix = SystemTime::now().duration_since(UNIX_EPOCH)?;
    let ntp_at_zero = unix.as_secs() + 2_208_988_800;
    let ids = Box::new(move |now: u64| ((ntp_at_zero + now / 1000) << 32) | (now & 0xffff_ffff));
    let mut mn = Mip4Client::new(c, ids, Box::new(|b: &mut [u8]| rand::fill(b)));
    let sock = UdpSocket::bind((own, 0)).await.context("UDP socket")?;
    // Agent discovery (FA mode): Advertisements in, Solicitations out.
    let icmp = Icmp4Socket::open("eth0", own).context("raw ICMP socket on eth0")?;
    emit(
        "ready",
        json!({ "bootstrap": "dualstack", "address": own.to_string(), "fha": fha.to_string(),
                "nai": s.nai, "via_fa": s.via_fa }),
    );
    let started = Instant::now();
    let now = || started.elapsed().as_millis() as u64;
    mn.start(now());
    let mut buf = [0u8; 4096];
    loop {
        while let Some(t) = mn.poll_transmit() {
            let sent = match t.dst {
                SocketAddr::V4(d) if d.port() == 0 => icmp.send(*d.ip(), &t.payload).await,
                dst => sock.send_to(&t.payload, dst).await.map(|_| ()),
            };
            if let Err(e) = sent {
                emit(
                    "error",
                    json!({ "send_to": t.dst.to_string(), "reason": e.to_string() }),
                );
            }
        }
        while let Some(e) = mn.poll_event() {
            emit("mip4", serde_json::to_value(&e).unwrap_or_default());
            match e {
                MnEvent::Registered(r) => {
                    emit(
                        "ds_registered",
                        serde_json::to_value(&r).unwrap_or_default(),
                    );
                    return after_registration(cfg, s, own, &r).await;
                }
                MnEvent::GaveUp { .. } => bail!("the Mobile IPv4 registration went unanswered"),
                _ => {}
            }
        }
        if started.elapsed() > REGISTRATION_BOUND {
            bail!("no registration within {REGISTRATION_BOUND:?}");
        }
        let wait = mn
            .next_timeout()
            .map_or(1_000, |d| d.saturating_sub(now()).min(1_000));
        tokio::select! {
            r = sock.recv_from(&mut buf) => {
                let (n, from) = r.context("UDP receive")?;
                mn.handle_input(now(), MnInput::Udp(Datagram::new(from, &buf[..n])));
            }
            r = icmp.recv() => {
                let m = r.context("ICMP receive")?;
                if m.src != own {
                    let from = SocketAddr::V4(SocketAddrV4::new(m.src, 0));
                    mn.handle_input(now(), MnInput::Icmp(Datagram::new(from, &m.icmp)));
                }
            }
            _ = tokio::time::sleep(Duration::from_millis(wait)) => mn.handle_timeout(now()),
        }
    }
}

/// What the MN does once registered: its tunnel (its THoAv4 and the Reply's IPv6 CoA on a TUN
/// device, the echo target and the IPv6 HA routed into it) — to the FHA from its co-located
/// CoA, or, through an FA, to the FA from its home address (RFC 3024 §5.2 Encapsulating
/// Delivery Style, the outer destination the source of the FA's Reply; the FA re-tunnels to
/// the FHA) — the echo through it (`MIP6LAB_DS_ECHO`), then the Mobile IPv6 half
/// (`MIP6LAB_HA_NAME` set): IKEv2 and BU/BA with the HA the Reply named, from the Reply's IPv6
/// CoA, through the tunnel.
async fn after_registration(
    cfg: &Config,
    s: &DsMnSettings,
    own: Ipv4Addr,
    r: &Registration,
) -> Result<()> {
    let mip6 = match &cfg.mn {
        Some(ms) => {
            let it = &r.items;
            let need = |v: Option<Ipv6Addr>, what: &str| {
                v.ok_or_else(|| anyhow!("the Registration Reply gave no IPv6 {what}"))
            };
            Some((
                ms,
                need(it.ipv6_coa, "CoA")?,
                need(it.ipv6_ha, "HA")?,
                it.ipv6_hoa,
            ))
        }
        None => None,
    };
    let mut routes = Vec::new();
    routes.extend(s.echo.map(|t| Prefix::V4(t, 32)));
    routes.extend(mip6.map(|(_, _, ha, _)| Prefix::V6(ha, 128)));
    if !routes.is_empty() {
        let v6 = mip6.map(|(_, coa, _, _)| (coa, 128)).into_iter().collect();
        let (peer, local) = match r.via_foreign_agent {
            Some(fa) => (fa, r.home_address),
            None => (r.home_agent, own),
        };
        let (h, dev) = crate::dstunnel::open(
            "dsmn%d",
            vec![(r.home_address, 32)],
            v6,
            routes.clone(),
            vec![local],
        )
        .await?;
        // Through an FA the outer source is the THoAv4, the inner one's too (RFC 3024 §5.2.2).
        h.set_host(r.via_foreign_agent.is_some());
        for p in routes {
            h.attach(peer, local, Encapsulation::Ip, p)
                .map_err(|e| anyhow!("tunnel to {peer}: {e:?}"))?;
        }
        if let Some(target) = s.echo {
            if let Err(e) = crate::dstunnel::echo(&dev, r.home_address, target).await {
                // What the tunnel saw tells where the echo got lost.
                let (codec, io) = h.counters();
                bail!("{e:#} (tunnel: {codec:?}, {io:?})");
            }
        }
        if let Some((ms, coa, ha, hoa)) = mip6 {
            // The kernel finishes (skipped) DAD on the TUN device's address asynchronously;
            // until then it cannot be bound.
            crate::netwait::wait_for_addresses(&[coa], cfg.net_timeout)?;
            emit(
                "ds_mip6",
                json!({ "coa": coa.to_string(), "ha": ha.to_string(),
                        "hoa": hoa.map(|a| a.to_string()), "device": dev }),
            );
            let ms = MnSettings {
                preferred_hoa: hoa,
                // RFC 5555: a co-located CoA is the MN's own; an FA's is not.
                ipv4_coa: r.via_foreign_agent.is_none().then_some(own),
                ..ms.clone()
            };
            // It reports `done` itself once deregistered.
            return crate::mn::attach_through_tunnel(cfg, &ms, coa, ha).await;
        }
    }
    emit("done", json!({ "thoa": r.home_address.to_string() }));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{assert_mutants_reach, KnobField};

    fn settings(via_fa: bool) -> DsMnSettings {
        DsMnSettings {
            nai: "mn1@example.com".into(),
            mn_aaa_key: "lab-key".into(),
            fha: Some(Ipv4Addr::new(198, 18, 0, 1)),
            dhcp4: None,
            via_fa,
            echo: None,
            adv_wait_ms: 0,
        }
    }

    fn build(k: &Knobs) -> Mip4ClientConfig {
        let mode = CoaMode::CoLocated {
            coa: Ipv4Addr::new(198, 18, 1, 2),
            fha: Ipv4Addr::new(198, 18, 0, 1),
        };
        settings(false).client_config(mode, true, k)
    }

    #[test]
    fn every_mip4_mutant_reaches_the_client_and_none_by_default() {
        let fields: [KnobField<Mip4ClientConfig>; 10] = [
            ("mn.mip4_ignore_r_bit", |c| c.ignore_r_bit),
            ("mn.mip4_no_nai", |c| c.no_nai),
            ("mn.mip4_nai_after_auth", |c| c.nai_after_auth),
            ("mn.mip4_skip_identification_check", |c| {
                c.skip_identification_check
            }),
            ("mn.mip4_ignore_ipv6_items", |c| c.ignore_ipv6_items),
            ("mn.mip4_fast_retransmit", |c| c.fast_retransmit),
            ("mn.mip4_reuse_identification", |c| c.reuse_identification),
            ("mn.mip4_exceed_advertised_lifetime", |c| {
                c.exceed_advertised_lifetime
            }),
            ("mn.mip4_no_keygen_request", |c| c.no_keygen_request),
            ("mn.mip4_skip_keygen_check", |c| c.skip_keygen_check),
        ];
        assert_mutants_reach("mn.mip4_", &fields, build);
    }

    #[test]
    fn the_conforming_client_is_the_engines_and_the_lifetime_stimulus_reaches_it() {
        let engine =
            Mip4ClientConfig::new("x", CoaMode::ViaForeignAgent { fha: None }, Profile::lab());
        let c = build(&Knobs::default());
        assert_eq!(c.lifetime_s, engine.lifetime_s);
        assert!(c.mn_aaa.is_some() && !c.reverse_tunnel);
        let c = build(&Knobs::parse("mn.mip4_lifetime_s=65534").unwrap());
        assert_eq!(c.lifetime_s, 65534);
        // Through an FA with the Mobile IPv6 half: the reverse tunnel it encapsulates itself.
        let fa = CoaMode::ViaForeignAgent { fha: None };
        let c = settings(true).client_config(fa, true, &Knobs::default());
        assert!(c.reverse_tunnel && c.encapsulating_delivery);
    }
}
