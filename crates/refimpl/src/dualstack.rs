//! The reference MN's dual-stack bootstrap (`MIP6LAB_BOOTSTRAP=dualstack`,
//! draft-qin-mip6-dsbootstrapping §4.1.1, co-located CoA; `mip6lab_engines::mip4::mn`): a
//! Mobile IPv4 registration with the foreign home agent (`MIP6LAB_DS_FHA`) from its own IPv4
//! address as the co-located CoA, identified by its NAI (`MIP6LAB_NAI`, home address
//! 0.0.0.0, RFC 2794) and authenticated by MN-AAA (`MIP6LAB_MN_AAA_KEY`, SPI 2, which the
//! FHA has the AAAH check). The Registration Reply's temporary IPv4 home address and IPv6
//! items are reported (`ds_registered`). Still to come (#16): the NAS assigning the FHA and
//! the CoA, the FA case, and the BU/BA through the MN–FHA tunnel.

use crate::config::Config;
use crate::events::emit;
use anyhow::{anyhow, bail, Context, Result};
use mip6lab_contract::env::{self, EnvVar};
use mip6lab_engines::io::{Datagram, SansIo};
use mip6lab_engines::mip4::mn::{CoaMode, Mip4Client, Mip4ClientConfig, MnEvent, MnInput};
use mip6lab_engines::mip4::SecurityAssociation;
use mip6lab_wire::dsprofile::Profile;
use mip6lab_wire::mip4::auth::CHAP_SPI;
use serde_json::json;
use std::net::Ipv4Addr;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::net::UdpSocket;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DsMnSettings {
    pub nai: String,
    pub mn_aaa_key: String,
    pub fha: Ipv4Addr,
}

impl DsMnSettings {
    pub fn from_vars(get: &dyn Fn(EnvVar) -> Option<String>) -> Result<DsMnSettings> {
        let need = |k: EnvVar| get(k).ok_or_else(|| anyhow!("{k} is not set"));
        let fha = need(env::DS_FHA)?;
        Ok(DsMnSettings {
            nai: need(env::NAI)?,
            mn_aaa_key: need(env::MN_AAA_KEY)?,
            fha: fha
                .parse()
                .map_err(|_| anyhow!("{}: `{fha}` is not an IPv4 address", env::DS_FHA))?,
        })
    }
}

/// How long the registration may take, retransmissions included.
const REGISTRATION_BOUND: Duration = Duration::from_secs(30);

pub async fn run(cfg: &Config) -> Result<()> {
    let s = cfg
        .dsmn
        .as_ref()
        .ok_or_else(|| anyhow!("not a dual-stack MN"))?;
    let coa = crate::fha::wait_ipv4("eth0", cfg.net_timeout).await?;
    let mut c = Mip4ClientConfig::new(
        s.nai.clone(),
        CoaMode::CoLocated { coa, fha: s.fha },
        Profile::lab(),
    );
    c.mn_aaa = Some(SecurityAssociation::new(
        CHAP_SPI,
        s.mn_aaa_key.as_bytes().to_vec(),
    ));
    // Identification: NTP seconds in the high half (RFC 5944 §5.7.1 timestamps), the low half
    // from the clock's sub-second part and the engine's time.
    let unix = SystemTime::now().duration_since(UNIX_EPOCH)?;
    let ntp_at_zero = unix.as_secs() + 2_208_988_800;
    let ids = Box::new(move |now: u64| ((ntp_at_zero + now / 1000) << 32) | (now & 0xffff_ffff));
    let mut mn = Mip4Client::new(c, ids, Box::new(|b: &mut [u8]| rand::fill(b)));
    let sock = UdpSocket::bind((coa, 0))
        .await
        .context("UDP socket on the CoA")?;
    emit(
        "ready",
        json!({ "bootstrap": "dualstack", "coa": coa.to_string(), "fha": s.fha.to_string(),
                "nai": s.nai }),
    );
    let started = Instant::now();
    let now = || started.elapsed().as_millis() as u64;
    mn.start(now());
    let mut buf = [0u8; 4096];
    loop {
        while let Some(t) = mn.poll_transmit() {
            if let Err(e) = sock.send_to(&t.payload, t.dst).await {
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
                    emit("done", json!({ "thoa": r.home_address.to_string() }));
                    return Ok(());
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
            _ = tokio::time::sleep(Duration::from_millis(wait)) => mn.handle_timeout(now()),
        }
    }
}
