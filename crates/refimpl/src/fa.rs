//! Reference role `MIP6LAB_ROLE=fa`: the foreign agent of the dual-stack scenario
//! (draft-qin-mip6-dsbootstrapping §4.1.2, §4.2.2; `mip6lab_engines::mip4::fa`). Agent
//! Advertisements (and answers to Solicitations) on the MN's link
//! (`MIP6LAB_ACCESS_IFACE`) advertising its address on its first link (eth0) as the
//! care-of address; Registration Requests relayed to the foreign home agent from that
//! address, Replies relayed back.
//!
//! Reverse tunnels (RFC 3024 §5.2, Encapsulating Delivery Style): for a visitor that asked
//! for one, what it tunnels to the FA from its home address is re-tunnelled to the FHA from the
//! care-of address, whatever the destination; what the FHA tunnels to the visitor's THoAv4 or
//! IPv6 CoA (the Reply's dual-stack items, draft §4.1.2) is tunnelled on to the visitor's home
//! address on the MN's link (a lab convention: RFC 5944 §4.2.3 delivers decapsulated at the
//! link layer, which userspace cannot do for IPv6 without neighbour entries; the MN's side
//! is the same tunnel it sends on).
//!
//! Delivery of a Reply: RFC 5944 §3.7.3.2 has the FA reach the MN at the link layer, as its
//! home address is not yet routable; in userspace the nearest equivalent is the IP source and
//! port the MN's Request came from on the access link, which this driver remembers per NAI.

use crate::config::{Config, Knobs};
use crate::events::emit;
use anyhow::{anyhow, bail, Context, Result};
use mip6lab_contract::env::{self, EnvVar};
use mip6lab_engines::io::{Datagram, SansIo};
use mip6lab_engines::mip4::fa::{FaEvent, FaInput, ForeignAgent, ForeignAgentConfig};
use mip6lab_engines::tunnel::{Encapsulation, Prefix};
use mip6lab_engines_io::icmp4::Icmp4Socket;
use mip6lab_engines_io::tunnel::TunnelHandle;
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
    /// `MIP6LAB_FA_HA_SA`: the FA-HA SA with an FHA.
    pub fa_ha: Option<(Ipv4Addr, mip6lab_engines::mip4::SecurityAssociation)>,
    /// `MIP6LAB_FA_REGISTRATION_REQUIRED`: the R bit in its advertisements.
    pub registration_required: bool,
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
            fa_ha: fa_ha_sa(get)?,
            registration_required: match get(env::FA_REGISTRATION_REQUIRED).as_deref() {
                None | Some("no" | "false" | "0") => false,
                Some("yes" | "true" | "1") => true,
                Some(o) => bail!("{}: `{o}` is not yes/no", env::FA_REGISTRATION_REQUIRED),
            },
        })
    }
}

/// The first advertisement sequence number under `fa.sequence_wraps_to_zero`: near the wrap,
/// so that a test sees it within a few advertisements (RFC 5944 §2.3.2).
const NEAR_SEQUENCE_WRAP: u16 = 0xfffd;

impl FaSettings {
    /// The engine's configuration: its address on the MN's link, the care-of address it
    /// offers, these settings and the `fa.*` knobs.
    pub fn engine_config(&self, own: Ipv4Addr, coa: Ipv4Addr, k: &Knobs) -> ForeignAgentConfig {
        let mut c = ForeignAgentConfig::new(own, vec![coa]);
        c.fha_by_realm = self.fha_by_realm.clone();
        c.fa_ha = self.fa_ha.clone().into_iter().collect();
        c.registration_required = self.registration_required;
        // Advertise often enough for a test to see the first one soon.
        c.adv_interval_ms = 3_000;
        c.adv_lifetime_s = 9;
        c.registration_lifetime_s = k.fa_registration_lifetime_s;
        c.clear_f_bit = k.fa_clear_f_bit;
        c.omit_care_of_addresses = k.fa_omit_care_of_addresses;
        c.sequence_wraps_to_zero = k.fa_sequence_wraps_to_zero;
        if k.fa_sequence_wraps_to_zero {
            c.initial_sequence = NEAR_SEQUENCE_WRAP;
        }
        c.skip_fa_ha_auth = k.fa_skip_fa_ha_auth;
        c.skip_fa_ha_check = k.fa_skip_fa_ha_check;
        c.ignore_lifetime_limit = k.fa_ignore_lifetime_limit;
        c.clamp_lifetime_in_relay = k.fa_clamp_lifetime_in_relay;
        c.skip_nai_reply_checks = k.fa_skip_nai_reply_checks;
        c.keep_uncovered_extensions = k.fa_keep_uncovered_extensions;
        c.nai_keying_unsupported = k.fa_nai_keying_unsupported;
        c
    }
}

/// Where a visitor's Reply goes back to: keyed by its NAI and by the low-order 32 bits of the
/// Identification (RFC 5944 §5.7: the home agent copies them), so that a Reply without the NAI
/// still reaches the MN that asked (RFC 2794 §3: the FA then rewrites its Code for the MN).
#[derive(Default)]
struct Visitors {
    by_nai: HashMap<Vec<u8>, SocketAddr>,
    by_id: HashMap<u32, SocketAddr>,
}

impl Visitors {
    fn note_request(&mut self, payload: &[u8], from: SocketAddr) {
        if let Some(n) = nai(payload) {
            self.by_nai.insert(n, from);
        }
        if let Some(id) = low_identification(payload) {
            self.by_id.insert(id, from);
        }
    }

    fn reply_to(&self, payload: &[u8]) -> Option<SocketAddr> {
        nai(payload)
            .and_then(|n| self.by_nai.get(&n).copied())
            .or_else(|| low_identification(payload).and_then(|id| self.by_id.get(&id).copied()))
    }
}

/// The low-order 32 bits of a Request's or Reply's Identification.
fn low_identification(payload: &[u8]) -> Option<u32> {
    Some(Repr::from_bytes(payload).ok()?.identification() as u32)
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
    let c = s.engine_config(own, coa, &cfg.knobs);
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
    let mut visitors = Visitors::default();
    let mut tunnel: Option<TunnelHandle> = None;
    let mut buf = [0u8; 4096];
    loop {
        // Events first: a visitor's tunnel is up before its Reply goes out, so its first
        // tunnelled packet finds it (else the kernel answers Protocol Unreachable).
        while let Some(e) = fa.poll_event() {
            emit("fa", serde_json::to_value(&e).unwrap_or_default());
            if let Err(err) = reverse_tunnel(&mut tunnel, &s.access_iface, own, coa, &e).await {
                emit("error", json!({ "tunnel": format!("{err:#}") }));
            }
        }
        while let Some(t) = fa.poll_transmit() {
            let sent = match t.dst {
                SocketAddr::V4(d) if d.port() == 0 => icmp.send(*d.ip(), &t.payload).await,
                dst => {
                    // A Reply for an MN goes back where its Request came from (module doc).
                    let to = match t.payload.first() {
                        Some(&3) => visitors.reply_to(&t.payload).unwrap_or(dst),
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
                    visitors.note_request(&buf[..n], from);
                }
                fa.handle_input(now(), FaInput::Udp(Datagram::new(from, &buf[..n])));
            }
            _ = tokio::time::sleep(Duration::from_millis(wait)) => fa.handle_timeout(now()),
        }
    }
}

/// Keeps the reverse tunnels in step with the visitor list (module doc): the tunnel device
/// opens at the first visitor that wants one.
async fn reverse_tunnel(
    tunnel: &mut Option<TunnelHandle>,
    access_iface: &str,
    own: Ipv4Addr,
    coa: Ipv4Addr,
    e: &FaEvent,
) -> Result<()> {
    match e {
        FaEvent::VisitorAdded {
            home_address,
            home_agent,
            encapsulating_delivery: true,
            items,
            ..
        } => {
            if tunnel.is_none() {
                let (h, dev) =
                    crate::dstunnel::open("dsfa%d", vec![], vec![], vec![], vec![own, coa]).await?;
                h.set_relay(true);
                emit("tunnel", json!({ "device": dev }));
                *tunnel = Some(h);
            }
            let h = tunnel.as_ref().expect("opened above");
            // The visitor's home address is on the MN's link (RFC 5944 §4.2.3).
            mip6lab_engines_io::tunnel::add_link_route_v4(access_iface, *home_address, 32)
                .with_context(|| format!("route to {home_address} on {access_iface}"))?;
            let mut to_visitor = vec![Prefix::V4(*home_address, 32)];
            to_visitor.extend(items.ipv6_coa.map(|a| Prefix::V6(a, 128)));
            for p in to_visitor {
                h.attach(*home_address, own, Encapsulation::Ip, p)
                    .map_err(|e| anyhow!("tunnel to {home_address}: {e:?}"))?;
            }
            // The FHA's end: its routes are not used (the visitor's packets go there by the
            // reverse tunnel), but a peer needs one.
            h.attach(
                *home_agent,
                coa,
                Encapsulation::Ip,
                Prefix::V4(*home_agent, 32),
            )
            .map_err(|e| anyhow!("tunnel to {home_agent}: {e:?}"))?;
            h.set_reverse_tunnel(*home_address, Some(*home_agent));
        }
        FaEvent::VisitorRemoved { home_address, .. } => {
            if let Some(h) = tunnel {
                h.set_reverse_tunnel(*home_address, None);
                h.remove_peer(*home_address);
            }
        }
        _ => {}
    }
    Ok(())
}

/// `MIP6LAB_FA_HA_SA`: `peer-ipv4 spi key` (shared by the FA and the FHA roles).
pub(crate) fn fa_ha_sa(
    get: &dyn Fn(EnvVar) -> Option<String>,
) -> Result<Option<(Ipv4Addr, mip6lab_engines::mip4::SecurityAssociation)>> {
    let Some(v) = get(env::FA_HA_SA) else {
        return Ok(None);
    };
    let bad = || anyhow!("{}: `{v}` is not `peer-ipv4 spi key`", env::FA_HA_SA);
    let mut parts = v.split_whitespace();
    let (Some(peer), Some(spi), Some(key), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad());
    };
    let peer: Ipv4Addr = peer.parse().map_err(|_| bad())?;
    let spi: u32 = spi.parse().map_err(|_| bad())?;
    // RFC 5944 §1.6: SPIs 0-255 are reserved.
    if spi < 256 {
        return Err(bad());
    }
    Ok(Some((
        peer,
        mip6lab_engines::mip4::SecurityAssociation::new(spi, key.as_bytes().to_vec()),
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{assert_mutants_reach, KnobField};

    fn build(k: &Knobs) -> ForeignAgentConfig {
        let s = FaSettings {
            access_iface: "eth1".into(),
            fha_by_realm: vec![],
            fa_ha: None,
            registration_required: false,
        };
        s.engine_config(
            Ipv4Addr::new(198, 18, 2, 1),
            Ipv4Addr::new(198, 18, 0, 2),
            k,
        )
    }

    #[test]
    fn every_fa_mutant_reaches_the_agent_and_none_by_default() {
        let fields: [KnobField<ForeignAgentConfig>; 10] = [
            ("fa.clear_f_bit", |c| c.clear_f_bit),
            ("fa.omit_care_of_addresses", |c| c.omit_care_of_addresses),
            ("fa.sequence_wraps_to_zero", |c| c.sequence_wraps_to_zero),
            ("fa.skip_fa_ha_auth", |c| c.skip_fa_ha_auth),
            ("fa.skip_fa_ha_check", |c| c.skip_fa_ha_check),
            ("fa.ignore_lifetime_limit", |c| c.ignore_lifetime_limit),
            ("fa.clamp_lifetime_in_relay", |c| c.clamp_lifetime_in_relay),
            ("fa.skip_nai_reply_checks", |c| c.skip_nai_reply_checks),
            ("fa.keep_uncovered_extensions", |c| {
                c.keep_uncovered_extensions
            }),
            ("fa.nai_keying_unsupported", |c| c.nai_keying_unsupported),
        ];
        assert_mutants_reach("fa.", &fields, build);
    }

    #[test]
    fn the_conforming_agent_is_the_engines_and_the_stimulus_and_wrap_reach_it() {
        let engine = ForeignAgentConfig::new(Ipv4Addr::LOCALHOST, vec![]);
        let c = build(&Knobs::default());
        assert_eq!(c.initial_sequence, 0);
        assert_eq!(c.registration_lifetime_s, engine.registration_lifetime_s);
        // The wrap comes within a few advertisements.
        let c = build(&Knobs::parse("fa.sequence_wraps_to_zero=true").unwrap());
        assert_eq!(c.initial_sequence, NEAR_SEQUENCE_WRAP);
        let c = build(&Knobs::parse("fa.registration_lifetime_s=600").unwrap());
        assert_eq!(c.registration_lifetime_s, 600);
    }
}
