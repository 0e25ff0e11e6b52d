//! Reference mobile node (RFC 5026 split scenario): HA discovery by DNS (§5.1), IKEv2 with
//! the HA (§5.2) with a home address assigned (§5.3.1) or auto-configured from
//! MIP6_HOME_PREFIX (§5.3.2), an ESP-protected BU with the DNS Update option (§6), a check
//! of what DNS then holds, and deregistration with R set.

use crate::config::{Config, Discovery, HoaMode, MnSettings};
use crate::dns;
use crate::dsmip_udp::{self, UdpEncapsulation};
use crate::events::emit;
use crate::ike;
use crate::mhio;
use anyhow::{anyhow, bail, Context, Result};
use hickory_proto::op::Message;
use hickory_proto::rr::{RData, RecordType};
use mip6lab_engines::binding::{BaInput, BindingUpdateList, MnAction, MnConfig};
use mip6lab_engines::discovery::{order_srv, srv_qname_with, HaCandidate, SrvTarget};
use mip6lab_engines::ikev2::keylog::esp_entry;
use mip6lab_engines::ikev2::{
    ChildRequest, ChildSa, DhGroup, Event, IkeEngine, InitiateRequest, SaId,
};
use mip6lab_engines::io::SansIo;
use mip6lab_engines::tunnel::UDP_TUNNEL_PORT;
use mip6lab_engines_io::ikev2::esp_io::{
    ipv6_packet_with, EspSocket, Inbound, InboundSa, InboundSas, MhFlow, OutboundSa, PacketTap,
    RecvError,
};
use mip6lab_engines_io::ikev2::udp::{Driver, KeyLogFiles};
use mip6lab_wire::ikev2::payload::PayloadBody;
use mip6lab_wire::ikev2::{cp_attr, notify_type, CpAttribute, Id, TrafficSelector};
use mip6lab_wire::mh::{
    self,
    options::{DnsUpdate, MobilityOption},
};
use mip6lab_wire::mpd;
use serde_json::json;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4};
use std::str::FromStr;
use std::time::{Duration, Instant};

pub async fn run(cfg: &Config) -> Result<()> {
    let ms = cfg.mn.as_ref().ok_or_else(|| anyhow!("not an MN"))?;
    if cfg.knobs.start_delay_ms > 0 {
        // Stimulus: a second tester MN acts only once the first is registered.
        emit("start_delay", json!({ "ms": cfg.knobs.start_delay_ms }));
        tokio::time::sleep(Duration::from_millis(cfg.knobs.start_delay_ms.into())).await;
    }
    // RFC 6611: network access and DHCPv6 first; DNS discovery if that names no HA.
    let (_access, mut candidates) = match &ms.integrated {
        Some(s) => {
            let (access, c) = crate::integrated::bootstrap(cfg, s).await?;
            (Some(access), c)
        }
        None => (None, Vec::new()),
    };
    if candidates.is_empty() {
        candidates = match &ms.discovery {
            Discovery::Srv { domain } => discover_by_srv(cfg, domain)?,
            Discovery::Name { ha_name } => discover_by_name(cfg, ha_name)?,
        };
    }
    if candidates.is_empty() {
        bail!("discovery found no usable home agent");
    }
    emit(
        "ha_selected",
        json!({ "name": candidates[0].name, "address": candidates[0].address.to_string(),
                "candidates": candidates }),
    );
    let coa = cfg.own_addr()?;
    eprintln!("mn: {}", mhio::suppress_parameter_problems());
    // §5.1.2: the next HA when one does not answer or authentication fails; the whole list
    // once more after the configured period if none answered; authentication failing with
    // every HA is unrecoverable (no retry).
    for round in 0..2 {
        let mut auth_failures = 0;
        for (i, ha) in candidates.iter().enumerate() {
            if i > 0 {
                emit(
                    "ha_failover",
                    json!({ "to": ha.name, "address": ha.address.to_string() }),
                );
            }
            let mut result = attach(cfg, ms, coa, ha, ms.hoa_mode).await;
            if matches!(result, Err(Attach::NoAddress)) && cfg.knobs.no_retry_after_address_failure
            {
                // Mutant: no new IKE_SA_INIT, neither for auto-configuration nor elsewhere.
                bail!(
                    "INTERNAL_ADDRESS_FAILURE from {} and mn.no_retry_after_address_failure is set",
                    ha.name
                );
            }
            if matches!(result, Err(Attach::NoAddress)) && ms.hoa_mode == HoaMode::Assigned {
                // RFC 4877 §9: after INTERNAL_ADDRESS_FAILURE, a new IKE_SA_INIT and
                // IKE_AUTH to auto-configure a home address instead.
                emit("retry_autoconf", json!({ "ha": ha.name }));
                result = attach(cfg, ms, coa, ha, HoaMode::Autoconf).await;
            }
            match result {
                Ok(()) => return Ok(()),
                Err(Attach::NoAddress) => {
                    // RFC 4877 §9 MAY: another home agent.
                    emit(
                        "ha_unavailable",
                        json!({ "ha": ha.name, "address": ha.address.to_string(),
                                "reason": "INTERNAL_ADDRESS_FAILURE", "authentication_failed": false }),
                    );
                }
                Err(Attach::Unreachable { why, auth }) => {
                    auth_failures += usize::from(auth);
                    emit(
                        "ha_unavailable",
                        json!({ "ha": ha.name, "address": ha.address.to_string(),
                                "reason": why, "authentication_failed": auth }),
                    );
                    if cfg.knobs.no_failover {
                        bail!("{} could not be used and mn.no_failover is set", ha.name);
                    }
                }
                Err(Attach::Fatal(e)) => return Err(e),
            }
        }
        if auth_failures == candidates.len() && !cfg.knobs.retry_after_auth_failure {
            bail!("IKEv2 authentication failed with every home agent (unrecoverable, RFC 5026 §5.1.2)");
        }
        if round == 0 && cfg.knobs.no_retry {
            break;
        }
        if round == 0 {
            emit("retry_wait", json!({ "secs": ms.retry.as_secs() }));
            tokio::time::sleep(ms.retry).await;
        }
    }
    bail!("no home agent could be used (unrecoverable, RFC 5026 §5.1.2)")
}

/// The dual-stack MN's Mobile IPv6 half (draft-qin-mip6-dsbootstrapping §4, "BU … BA" after
/// the Mobile IPv4 registration): IKEv2 and the home registration with the HA its
/// Registration Reply named, from the IPv6 care-of address it gave, through the MN–FHA
/// tunnel. The HA's IKE identity is `MIP6LAB_HA_NAME` (the Reply gives only its address);
/// the Reply's IPv6 home address is proposed in the CFG_REQUEST (`MnSettings::preferred_hoa`).
pub async fn attach_through_tunnel(
    cfg: &Config,
    ms: &MnSettings,
    coa: Ipv6Addr,
    ha: Ipv6Addr,
) -> Result<()> {
    let Discovery::Name { ha_name } = &ms.discovery else {
        bail!("the dual-stack MN needs the HA's IKE identity (MIP6LAB_HA_NAME)");
    };
    let cand = HaCandidate {
        name: ha_name.clone(),
        address: ha,
    };
    emit(
        "ha_selected",
        json!({ "name": cand.name, "address": ha.to_string(), "candidates": [&cand] }),
    );
    eprintln!("mn: {}", mhio::suppress_parameter_problems());
    match attach(cfg, ms, coa, &cand, ms.hoa_mode).await {
        Ok(()) => Ok(()),
        Err(Attach::NoAddress) => bail!("{ha_name} had no home address (INTERNAL_ADDRESS_FAILURE)"),
        Err(Attach::Unreachable { why, .. }) => bail!("{ha_name} could not be used: {why}"),
        Err(Attach::Fatal(e)) => Err(e),
    }
}

enum Attach {
    /// No answer to IKE_SA_INIT, or authentication failed (`auth`): try the next HA.
    Unreachable {
        why: String,
        auth: bool,
    },
    /// The HA had no home address (INTERNAL_ADDRESS_FAILURE); the IKE SA is deleted.
    NoAddress,
    Fatal(anyhow::Error),
}

impl From<anyhow::Error> for Attach {
    fn from(e: anyhow::Error) -> Self {
        Attach::Fatal(e)
    }
}

fn unix_id(cfg: &Config, coa: Ipv6Addr) -> Id {
    match cfg.knobs.idi_type.as_str() {
        "ipv6" => Id::ipv6(coa),
        "hoa" => Id::ipv6(cfg.knobs.request_hoa.unwrap_or(coa)),
        _ => Id::fqdn(&cfg.id),
    }
}

/// One HA, from IKE_SA_INIT to the deletion of the IKE SA.
async fn attach(
    cfg: &Config,
    ms: &MnSettings,
    coa: Ipv6Addr,
    cand: &HaCandidate,
    hoa_mode: HoaMode,
) -> std::result::Result<(), Attach> {
    let ha = cand.address;
    let ha_id = cand.name.trim_end_matches('.').to_string();
    let keys = KeyLogFiles::new(&cfg.keylog_dir);
    let mut engine = ike::mn_engine(cfg, unix_id(cfg, coa), &ha_id, (coa, ha))?;
    let mut drv = bind_driver(coa, ha, keys).await?;
    let mut req = match hoa_mode {
        HoaMode::Assigned => InitiateRequest::dynamic_hoa(ha),
        HoaMode::Autoconf => InitiateRequest::home_prefix(ha),
    };
    // §5.3.2 first case: a HoA made from a pre-configured prefix, proposed in the
    // CFG_REQUEST; the HA returns it or another one, and the MN uses what it returns.
    let proposed = cfg.knobs.request_hoa.or(ms.preferred_hoa).or(ms
        .home_prefix
        .filter(|_| cfg.knobs.propose_hoa)
        .map(|(p, _)| Ipv6Addr::from(u128::from(p) | (u128::from(coa) & 0xffff_ffff_ffff_ffff))));
    if let (Some(want), HoaMode::Assigned) = (proposed, hoa_mode) {
        let len = ms.home_prefix.map_or(64, |(_, l)| l);
        req.cfg_request = Some(vec![CpAttribute::internal_ip6_address(want, len)]);
    }
    if let (true, None, HoaMode::Assigned) = (cfg.knobs.cfg_request_nonempty, proposed, hoa_mode) {
        // Mutant: a value with nothing to propose (`::/0`, which the HA replaces) where
        // RFC 4877 §9 wants a zero-length attribute.
        req.cfg_request = Some(vec![CpAttribute::internal_ip6_address(
            Ipv6Addr::UNSPECIFIED,
            0,
        )]);
    }
    if hoa_mode == HoaMode::Assigned {
        // RFC 4877 §9: more home addresses are asked for with more (empty) attributes; the
        // MN registers the first one the HA returns.
        if let Some(attrs) = req.cfg_request.as_mut() {
            while attrs.len() < usize::from(ms.hoa_count) {
                attrs.push(CpAttribute::request(cp_attr::INTERNAL_IP6_ADDRESS));
            }
        }
    }
    req.peer_id = Some(Id::fqdn(&ha_id));
    if cfg.knobs.cp_reserved_bit {
        // Stimulus: the reserved bit that RFC 5026 §8.2 says the receiver ignores.
        for a in req.cfg_request.iter_mut().flatten() {
            a.r = true;
        }
    }
    if cfg.knobs.ts_all_traffic {
        // Mutant: any protocol between any address and the HA, not MH types 5–6.
        let any = |a: Ipv6Addr, b: Ipv6Addr| TrafficSelector::Ipv6 {
            ip_protocol: 0,
            start_port: 0,
            end_port: 0xffff,
            start: a,
            end: b,
        };
        if let Some(c) = req.child.as_mut() {
            c.tsi = vec![any(Ipv6Addr::UNSPECIFIED, Ipv6Addr::from(u128::MAX))];
            c.tsr = vec![any(ha, ha)];
        }
    }
    req.eap = cfg.auth.mode == crate::config::AuthMode::Eap;
    // Kept open until this HA is done with, so the HA's answers to the flood are not met
    // with port unreachable.
    let _flood = flood(cfg, coa, ha, &ha_id).await?;
    let out = drv
        .initiate(&mut engine, req, ms.ike_timeout)
        .await
        .context("IKE")?;
    if !out.established {
        let why = drv
            .events
            .iter()
            .find_map(|e| match e {
                Event::Failed { reason, .. } => Some(reason.clone()),
                _ => None,
            })
            .unwrap_or_else(|| "no answer to IKE_SA_INIT".into());
        // Anything but silence from IKE_SA_INIT onwards counts as failed authentication.
        let auth = drv.events.iter().any(|e| matches!(e, Event::Failed { .. }))
            && !why.contains("retransmi");
        if auth {
            // A refusal of ours went in an INFORMATIONAL we do not wait for (RFC 7296
            // §2.21.2): a short bounded read takes in the HA's answer before the next HA is
            // tried, so it neither meets a closed port nor lands amid that HA's traffic.
            drv.run_until(&mut engine, Duration::from_millis(300), |_| false)
                .await
                .context("IKE")?;
        }
        return Err(Attach::Unreachable { why, auth });
    }
    let sa = out.sa;
    emit(
        "ike_established",
        json!({ "ha": ha_id, "address": ha.to_string() }),
    );
    let no_address = drv.events.iter().any(|e| {
        matches!(e, Event::ChildSaFailed { notify_type, .. }
            if *notify_type == mip6lab_wire::ikev2::notify_type::INTERNAL_ADDRESS_FAILURE)
    });
    if no_address {
        // RFC 4877 §9 SHOULD: end this IKE SA.
        emit("internal_address_failure", json!({ "ha": ha_id }));
        if engine.delete_ike(drv.now(), sa).is_ok() {
            let _ = drv
                .run_until(&mut engine, Duration::from_secs(2), |e| {
                    matches!(e, Event::IkeSaDeleted { .. })
                })
                .await;
        }
        return Err(Attach::NoAddress);
    }
    let mut child = drv
        .events
        .iter()
        .find_map(|e| match e {
            Event::ChildSaEstablished { child, .. } => Some(child.clone()),
            _ => None,
        })
        .ok_or_else(|| anyhow!("IKE_AUTH set up no Child SA for MH"))?;
    let ms_mode = MnSettings {
        hoa_mode,
        ..ms.clone()
    };
    let (mut hoa, via) = home_address(&ms_mode, &drv.events, coa)?;
    if cfg.knobs.ignore_assigned_hoa && via != "autoconf" {
        // Mutant: a HoA of its own making (the proposal, or one from the CoA's identifier).
        hoa = proposed.unwrap_or_else(|| {
            Ipv6Addr::from((u128::from(hoa) & !0xffff_ffff_ffff_ffff) | (u128::from(coa) & 0xffff))
        });
    }
    emit("hoa", json!({ "address": hoa.to_string(), "via": via }));
    if cfg.knobs.stop_after_ike {
        // Stimulus: only the allocation was wanted; the IKE SA goes, no binding is made.
        if engine.delete_ike(drv.now(), sa).is_ok() {
            let _ = drv
                .run_until(&mut engine, Duration::from_secs(3), |e| {
                    matches!(e, Event::IkeSaDeleted { .. })
                })
                .await;
        }
        emit(
            "done",
            json!({ "hoa": hoa.to_string(), "registered": false }),
        );
        return Ok(());
    }
    if via == "autoconf" || via == "use_assigned_hoa" {
        // §5.3.2: SAs for the new HoA with CREATE_CHILD_SA.
        if !cfg.knobs.skip_create_child_sa {
            child = create_child(&mut drv, &mut engine, sa, hoa, ha, ms.ike_timeout).await?;
        }
    }
    let mut m = Mobility::open(cfg, coa, ha, hoa, &child).await?;
    let fqdn = (ms.dns_update).then(|| {
        if cfg.knobs.dns_fqdn.is_empty() {
            cfg.id.clone()
        } else {
            cfg.knobs.dns_fqdn.clone()
        }
    });
    // Registration; status 134 means a new HoA and a new Child SA on the same IKE SA.
    let mut attempts = 0;
    loop {
        attempts += 1;
        let result = m.exchange(cfg, Exchange::Register(fqdn.as_deref())).await?;
        if cfg.knobs.bu_hoa_control && m.forged_hoa.take().is_some() {
            // Stimulus: whatever became of the forged BU, a BU for the SA's own HoA follows,
            // which the HA must answer: the control that it was alive and reading BUs.
            m.bul = BindingUpdateList::new(mn_config(cfg));
            m.bul
                .add_ha(ha, m.hoa, rand::random())
                .map_err(|e| anyhow!("{e:?}"))?;
            attempts -= 1;
            continue;
        }
        match result {
            Done::NewHoa if attempts < 3 => {
                if cfg.knobs.ignore_status_134 {
                    // Mutant: keep the refused HoA.
                    m.bul = BindingUpdateList::new(mn_config(cfg));
                    m.bul
                        .add_ha(ha, m.hoa, rand::random())
                        .map_err(|e| anyhow!("{e:?}"))?;
                    continue;
                }
                let new = autoconf_address(m.hoa, true);
                emit(
                    "hoa",
                    json!({ "address": new.to_string(), "via": "after_dad_failure" }),
                );
                let c = create_child(&mut drv, &mut engine, sa, new, ha, ms.ike_timeout).await?;
                m.use_child(&c, new);
                m.bul.set_hoa(ha, new).map_err(|e| anyhow!("{e:?}"))?;
            }
            Done::Ok => break,
            other => return Err(anyhow!("registration ended with {other:?}").into()),
        }
    }
    if let (true, Some(old)) = (cfg.knobs.keep_old_hoa, proposed.filter(|p| *p != m.hoa)) {
        // Mutant: the refused proposal still used, in a BU of its own after the new HoA's.
        if let Some((bu, options)) = m.last_bu.clone() {
            m.send_bu(cfg, old, coa, bu, options).await?;
        }
    }
    if let Some(f) = &fqdn {
        dns_check(cfg, "dns_check_registered", f, m.hoa);
    }
    // §5.3.2 MAY: from the assigned HoA to one auto-configured after Mobile Prefix Discovery.
    let mut switched = None;
    if ms.switch_to_autoconf && via == "assigned" {
        switched =
            switch_to_autoconf(cfg, ms, &mut drv, &mut engine, sa, &mut m, fqdn.as_deref()).await?;
    }
    if let (Some(coa4), Some(ha4)) = (ms.ipv4_coa, ms.ipv4_coa_ha) {
        m.move_to_ipv4(cfg, coa4, ha4).await?;
        match m.exchange(cfg, Exchange::Register(fqdn.as_deref())).await? {
            Done::Ok => {}
            other => return Err(anyhow!("registration from {coa4} ended with {other:?}").into()),
        }
    }
    tokio::time::sleep(ms.hold).await;
    if cfg.knobs.skip_dereg {
        // Stimulus: gone without a word; the binding (and its DNS entry) is left to expire.
        emit(
            "done",
            json!({ "hoa": m.hoa.to_string(), "deregistered": false }),
        );
        return Ok(());
    }
    if let Some(m2) = switched.as_mut() {
        // The auto-configured HoA first: R set removes the name's AAAA and its own PTR; the
        // assigned HoA's deregistration then removes its PTR.
        let result = m2.deregister(cfg, fqdn.as_deref()).await?;
        if result != Done::Ok {
            return Err(anyhow!("deregistration of {} ended with {result:?}", m2.hoa).into());
        }
    }
    let result = m.deregister(cfg, fqdn.as_deref()).await?;
    if result != Done::Ok {
        return Err(anyhow!("deregistration ended with {result:?}").into());
    }
    // A clean end: the IKE SA goes with an INFORMATIONAL Delete.
    if engine.delete_ike(drv.now(), sa).is_ok() {
        let _ = drv
            .run_until(&mut engine, Duration::from_secs(3), |e| {
                matches!(e, Event::IkeSaDeleted { .. })
            })
            .await;
    }
    emit("done", json!({ "hoa": m.hoa.to_string() }));
    Ok(())
}

/// Stimulus `mn.init_flood`: IKE_SA_INIT requests (fresh SPIs and nonces) from another
/// port, never continued, so that each leaves a half-open SA at an HA that keeps state. The
/// flood adapts to the HA's DH group: a request answered with INVALID_KE_PAYLOAD left no
/// state (RFC 7296 §1.2), so it does not count, and the rest use the group the HA named.
async fn flood(
    cfg: &Config,
    coa: Ipv6Addr,
    ha: Ipv6Addr,
    ha_id: &str,
) -> Result<Option<tokio::net::UdpSocket>> {
    let n = cfg.knobs.init_flood;
    if n == 0 {
        return Ok(None);
    }
    let sock = tokio::net::UdpSocket::bind(SocketAddr::from((coa, 0)))
        .await
        .context("bind the flood socket")?;
    let mut group = None;
    let mut group_changes = 0;
    let mut sent = 0;
    while sent < n {
        let mut e = ike::mn_engine_with_group(cfg, Id::fqdn(&cfg.id), ha_id, (coa, ha), group)?;
        e.initiate(0, InitiateRequest::dynamic_hoa(ha));
        let Some(t) = e.poll_transmit() else {
            break;
        };
        sock.send_to(&t.payload, t.dst).await?;
        // One at a time: each answer (a half-open SA, or a COOKIE demand) comes back before
        // the next request, so the exchange reads the same in every capture.
        let mut buf = [0u8; 2048];
        let answer =
            tokio::time::timeout(Duration::from_millis(200), sock.recv_from(&mut buf)).await;
        if let Ok(Ok((len, _))) = answer {
            // At most two changes: an HA that keeps asking for another group is judged as is.
            match wanted_group(&buf[..len]) {
                Some(g) if Some(g) != group && group_changes < 2 => {
                    group_changes += 1;
                    group = Some(g);
                    continue;
                }
                _ => {}
            }
        }
        sent += 1;
    }
    emit("init_flood", json!({ "requests": n, "ha": ha.to_string() }));
    // Let the HA take them in before the real request arrives.
    tokio::time::sleep(Duration::from_millis(200)).await;
    Ok(Some(sock))
}

/// The DH group an IKE_SA_INIT answer asks for with INVALID_KE_PAYLOAD (RFC 7296 §3.10.1:
/// the notify data is the group number), if the MN supports it.
fn wanted_group(answer: &[u8]) -> Option<DhGroup> {
    let m = mip6lab_wire::ikev2::Message::from_bytes(answer).ok()?;
    m.payloads.iter().find_map(|p| match &p.body {
        PayloadBody::Notify(n)
            if n.notify_type == notify_type::INVALID_KE_PAYLOAD && n.data.len() == 2 =>
        {
            DhGroup::from_id(u16::from_be_bytes([n.data[0], n.data[1]]))
        }
        _ => None,
    })
}

async fn bind_driver(coa: Ipv6Addr, ha: Ipv6Addr, keys: KeyLogFiles) -> Result<Driver> {
    Driver::bind(
        SocketAddr::from((coa, 500)),
        Some(SocketAddr::from((ha, 500))),
        Some(keys),
    )
    .await
    .context("bind UDP 500 on the care-of address")
}

/// The HoA from the CFG_REPLY: the assigned address (§5.3.1, or USE_ASSIGNED_HoA), or one
/// auto-configured from MIP6_HOME_PREFIX (§5.3.2).
fn home_address(
    ms: &MnSettings,
    events: &[Event],
    coa: Ipv6Addr,
) -> Result<(Ipv6Addr, &'static str)> {
    let (cp, use_assigned) = events
        .iter()
        .find_map(Event::config_reply)
        .ok_or_else(|| anyhow!("the HA sent no CFG_REPLY"))?;
    let assigned = cp
        .attribute(cp_attr::INTERNAL_IP6_ADDRESS)
        .and_then(|a| a.as_ip6_prefix())
        .map(|(a, _)| a);
    let prefix = cp
        .attribute(cp_attr::MIP6_HOME_PREFIX)
        .and_then(|a| a.as_home_prefix());
    match (ms.hoa_mode, use_assigned, assigned, prefix) {
        (HoaMode::Autoconf, true, Some(a), _) => Ok((a, "use_assigned_hoa")),
        (HoaMode::Autoconf, _, _, Some(p)) => {
            let a = autoconf_address(
                Ipv6Addr::from(u128::from(p.prefix) | (u128::from(coa) & 0xffff_ffff_ffff_ffff)),
                false,
            );
            Ok((a, "autoconf"))
        }
        (_, _, Some(a), _) => Ok((a, "assigned")),
        _ => bail!("the CFG_REPLY holds no home address and no home prefix: {cp:?}"),
    }
}

/// `base` as is, or (`fresh`) another interface identifier in the same /64. Derived, not
/// random, so that the reference's transcripts are stable snapshots; a real MN would pick a
/// random or CGA identifier (§5.3.2).
fn autoconf_address(base: Ipv6Addr, fresh: bool) -> Ipv6Addr {
    if !fresh {
        return base;
    }
    Ipv6Addr::from(u128::from(base) ^ 0x0200_0000_0000_1000)
}

async fn create_child(
    drv: &mut Driver,
    engine: &mut IkeEngine,
    sa: SaId,
    hoa: Ipv6Addr,
    ha: Ipv6Addr,
    timeout: Duration,
) -> std::result::Result<ChildSa, Attach> {
    let req = ChildRequest::mh(Some(hoa), ha);
    create_child_for(drv, engine, sa, req, hoa, "child_sa", timeout).await
}

/// CREATE_CHILD_SA for `req` (selectors for `hoa`); `event` names it in the log.
async fn create_child_for(
    drv: &mut Driver,
    engine: &mut IkeEngine,
    sa: SaId,
    req: ChildRequest,
    hoa: Ipv6Addr,
    event: &str,
    timeout: Duration,
) -> std::result::Result<ChildSa, Attach> {
    engine
        .create_child(drv.now(), sa, req)
        .map_err(|e| anyhow!("CREATE_CHILD_SA: {e}"))?;
    let mut got = None;
    let mut failed = None;
    drv.run_until(engine, timeout, |e| match e {
        Event::ChildSaEstablished { child, .. } if child.rekeyed.is_none() => {
            got = Some(child.clone());
            true
        }
        Event::ChildSaFailed { notify_type, .. } => {
            failed = Some(*notify_type);
            true
        }
        _ => false,
    })
    .await
    .context("CREATE_CHILD_SA")?;
    match (got, failed) {
        (Some(c), _) => {
            emit(event, json!({ "hoa": hoa.to_string() }));
            Ok(c)
        }
        (None, Some(n)) => Err(anyhow!("CREATE_CHILD_SA for {hoa} refused (notify {n})").into()),
        (None, None) => Err(anyhow!("CREATE_CHILD_SA for {hoa}: no answer").into()),
    }
}

/// RFC 5026 §5.3.2 MAY: with an assigned HoA registered (`m`), an MPS/MPA Child SA for it,
/// Mobile Prefix Discovery over it, a HoA auto-configured from the advertised prefix, its MH
/// Child SA (CREATE_CHILD_SA) and its registration. `None` when no usable advertisement came
/// (the assigned HoA stays in use).
async fn switch_to_autoconf(
    cfg: &Config,
    ms: &MnSettings,
    drv: &mut Driver,
    engine: &mut IkeEngine,
    sa: SaId,
    m: &mut Mobility,
    fqdn: Option<&str>,
) -> std::result::Result<Option<Mobility>, Attach> {
    let (coa, ha) = (m.coa, m.ha);
    let req = ChildRequest::mobile_prefix(m.hoa, ha);
    let mpd_sa =
        create_child_for(drv, engine, sa, req, m.hoa, "mpd_child_sa", ms.ike_timeout).await?;
    let Some(p) = m.discover_prefix(cfg, &mpd_sa).await? else {
        emit("mpd_no_prefix", json!({ "hoa": m.hoa.to_string() }));
        return Ok(None);
    };
    // The interface identifier of the CoA on the advertised /64, as for §5.3.2's
    // MIP6_HOME_PREFIX; another one if that is the HoA in use.
    let mut new =
        Ipv6Addr::from(u128::from(p.network()) | (u128::from(coa) & 0xffff_ffff_ffff_ffff));
    if new == m.hoa {
        new = autoconf_address(new, true);
    }
    emit(
        "hoa",
        json!({ "address": new.to_string(), "via": "mobile_prefix_discovery",
                "prefix": format!("{}/{}", p.network(), p.prefix_len) }),
    );
    let child = create_child(drv, engine, sa, new, ha, ms.ike_timeout).await?;
    let mut m2 = Mobility::open(cfg, coa, ha, new, &child).await?;
    match m2.exchange(cfg, Exchange::Register(fqdn)).await? {
        Done::Ok => {}
        other => {
            return Err(
                anyhow!("registration of the auto-configured {new} ended with {other:?}").into(),
            )
        }
    }
    if let Some(f) = fqdn {
        dns_check(cfg, "dns_check_switched", f, new);
    }
    Ok(Some(m2))
}

fn mn_config(cfg: &Config) -> MnConfig {
    MnConfig {
        // Bounded: with 3, a BU that gets no BA fails in 1.5 + 3 + 6 s.
        max_transmissions: u32::from(cfg.knobs.bu_transmissions),
        lifetime_units: cfg.knobs.lifetime_units,
        ipv4_hoa_request: cfg.mn.as_ref().and_then(|m| m.ipv4_hoa_request),
        ipv4_hoa_after_no_ack: cfg.knobs.mn_ipv4_hoa_after_no_ack,
        ..MnConfig::default()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Exchange<'a> {
    Register(Option<&'a str>),
    Deregister(Option<&'a str>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Done {
    Ok,
    NewHoa,
    Rejected(u8),
    NoAnswer,
}

/// The Binding Update List over userspace ESP.
struct Mobility {
    coa: Ipv6Addr,
    ha: Ipv6Addr,
    hoa: Ipv6Addr,
    bul: BindingUpdateList,
    tap: PacketTap,
    sock: EspSocket,
    inbound: InboundSas,
    /// The inbound SPI of the Child SA BUs and BAs use now.
    inbound_spi: u32,
    out: OutboundSa,
    start: Instant,
    /// The last BU sent and its options (mutant `mn.keep_old_hoa` sends it again).
    last_bu: Option<(mh::BindingUpdate, Vec<MobilityOption>)>,
    /// Stimulus `mn.bu_hoa`: the HAO BUs carry instead of the SA's HoA, until the control.
    forged_hoa: Option<Ipv6Addr>,
    /// RFC 5555 §4.1: BUs in UDP from this IPv4 CoA to the HA's IPv4 address.
    udp: Option<(UdpEncapsulation, Ipv4Addr, Ipv4Addr)>,
}

impl Mobility {
    async fn open(
        cfg: &Config,
        coa: Ipv6Addr,
        ha: Ipv6Addr,
        hoa: Ipv6Addr,
        child: &ChildSa,
    ) -> Result<Mobility> {
        let ifname = mhio::interface_of(coa)?;
        let tap = PacketTap::open(&ifname).with_context(|| format!("AF_PACKET on {ifname}"))?;
        let sock = EspSocket::open(Some(coa)).context("raw ESP socket")?;
        let mut bul = BindingUpdateList::new(mn_config(cfg));
        bul.add_ha(ha, hoa, rand::random())
            .map_err(|e| anyhow!("{e:?}"))?;
        let mut inbound = InboundSas::new();
        inbound.insert(InboundSa::from_child(child));
        Ok(Mobility {
            coa,
            ha,
            hoa,
            bul,
            tap,
            sock,
            inbound,
            inbound_spi: child.inbound_spi,
            out: OutboundSa::from_child(child),
            start: Instant::now(),
            last_bu: None,
            forged_hoa: cfg.knobs.bu_hoa,
            udp: None,
        })
    }

    fn use_child(&mut self, child: &ChildSa, hoa: Ipv6Addr) {
        self.inbound.insert(InboundSa::from_child(child));
        self.inbound_spi = child.inbound_spi;
        self.out = OutboundSa::from_child(child);
        self.hoa = hoa;
    }

    /// RFC 5555 §4.1: BUs in UDP from the IPv4 CoA `coa4` to the HA's IPv4 address from now
    /// on. Inside, the SA runs between the HoA and the HA (§4.2), so the key log names that
    /// pair too, for the capture's decryption.
    async fn move_to_ipv4(&mut self, cfg: &Config, coa4: Ipv4Addr, ha4: Ipv4Addr) -> Result<()> {
        let keys = KeyLogFiles::new(&cfg.keylog_dir);
        let (hoa, ha) = (Some(self.hoa.into()), Some(self.ha.into()));
        let inbound = self.inbound.get(self.inbound_spi).map(|sa| sa.keys.clone());
        let entries = [(self.out.spi, hoa, ha, Some(self.out.keys.clone()))]
            .into_iter()
            .chain([(self.inbound_spi, ha, hoa, inbound)]);
        for (spi, src, dst, k) in entries {
            if let Some(k) = k {
                keys.write(&esp_entry(spi, src, dst, &k))?;
            }
        }
        self.udp = Some((UdpEncapsulation::bind(coa4).await?, coa4, ha4));
        Ok(())
    }

    fn now(&self) -> u64 {
        self.start.elapsed().as_millis() as u64
    }

    /// Mobile Prefix Discovery on `sa` (RFC 6275 §11.4.2–11.4.3): an MPS from the CoA with
    /// HAO = HoA and a random Identifier, up to 3 times a second apart, until an MPA from the
    /// HA with an RH2 and the same Identifier arrives on that SA. Its first autonomous /64
    /// Prefix Information, if any.
    async fn discover_prefix(
        &mut self,
        cfg: &Config,
        sa: &ChildSa,
    ) -> Result<Option<mpd::PrefixInfo>> {
        self.inbound.insert(InboundSa::from_child(sa));
        let mut out = OutboundSa::from_child(sa);
        let mut id = [0u8; 2];
        crate::ike::fill_random(&mut id);
        let identifier = u16::from_be_bytes(id);
        let mps = mpd::Repr::Solicitation {
            identifier,
            options: Vec::new(),
        };
        let flow = MhFlow::bu_from_care_of(self.coa, self.ha, self.hoa);
        for attempt in 1..=3 {
            if cfg.knobs.mps_in_clear {
                // Mutant: the MPS without ESP, straight on the wire.
                let (s, d) = flow.checksum_addrs();
                let icmp = mps.to_bytes(s, d).map_err(|e| anyhow!("MPS: {e}"))?;
                let pkt = ipv6_packet_with(&flow, mip6lab_wire::nd::NEXT_HEADER_ICMPV6, &icmp)?;
                self.sock.send_ipv6(&pkt, mhio::SEND_TIMEOUT).await?;
            } else {
                mhio::send(&self.sock, &mut out, &mps, &flow).await?;
            }
            emit(
                "mps_sent",
                json!({ "hoa": self.hoa.to_string(), "attempt": attempt,
                        "esp": !cfg.knobs.mps_in_clear }),
            );
            let until = Instant::now() + Duration::from_secs(1);
            loop {
                let left = until.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    break;
                }
                match self.tap.recv_any(&mut self.inbound, left).await {
                    Ok(Inbound::Mpd(r)) => {
                        let solicited = matches!(&r.repr,
                            mpd::Repr::Advertisement { identifier: i, .. } if *i == identifier);
                        if r.spi != sa.inbound_spi
                            || r.src != self.ha
                            || r.rh2.is_none()
                            || !solicited
                        {
                            // §11.4.3: anything else is silently discarded.
                            emit("mpa_discarded", json!({ "src": r.src.to_string() }));
                            continue;
                        }
                        let p = r
                            .repr
                            .prefixes()
                            .find(|p| p.autonomous && p.prefix_len == 64)
                            .copied();
                        emit(
                            "mpa",
                            json!({ "prefixes": r.repr.prefixes()
                                        .map(|p| format!("{}/{}", p.network(), p.prefix_len))
                                        .collect::<Vec<_>>() }),
                        );
                        return Ok(p);
                    }
                    Ok(Inbound::Mh(_)) | Err(RecvError::TimedOut) => {}
                    Err(e) => emit("esp_dropped", json!({ "reason": e.to_string() })),
                }
            }
        }
        emit("mpa_timeout", json!({ "hoa": self.hoa.to_string() }));
        Ok(None)
    }

    /// Deregisters (asking the HA to remove `fqdn`'s DNS entries when the knobs say so); after
    /// a clean end, reports what DNS answers for the name. Gives how the exchange ended.
    async fn deregister(&mut self, cfg: &Config, fqdn: Option<&str>) -> Result<Done> {
        let removing = fqdn.filter(|_| cfg.knobs.dereg_dns_remove);
        let result = self.exchange(cfg, Exchange::Deregister(removing)).await?;
        if let (Done::Ok, Some(f)) = (&result, fqdn) {
            dns_check(cfg, "dns_check_deregistered", f, self.hoa);
        }
        Ok(result)
    }

    /// Sends the BU (and its retransmissions) and waits for the answer.
    async fn exchange(&mut self, cfg: &Config, x: Exchange<'_>) -> Result<Done> {
        let now = self.now();
        match x {
            Exchange::Register(f) => match &self.udp {
                Some((_, coa4, _)) => self.bul.register_from_ipv4(self.ha, *coa4, f, now),
                None => self.bul.register(self.ha, self.coa, f, now),
            },
            Exchange::Deregister(f) => self.bul.deregister(self.ha, self.coa, f, now),
        }
        .map_err(|e| anyhow!("binding update list: {e:?}"))?;
        let mut actions: Vec<MnAction> = std::iter::from_fn(|| self.bul.poll_event()).collect();
        loop {
            let mut done = None;
            for a in std::mem::take(&mut actions) {
                match a {
                    MnAction::SendBu {
                        hoa,
                        coa,
                        bu,
                        options,
                        ipv4_coa,
                        ..
                    } => match (ipv4_coa, &self.udp) {
                        (Some(_), Some((udp, _, ha4))) => {
                            // §4.2: from the HoA, no HAO, the IPv4 CoA in its option.
                            let to = SocketAddrV4::new(*ha4, UDP_TUNNEL_PORT);
                            let repr = mh::Repr::build(mh::MhMessage::Bu(bu), &options);
                            let flow = MhFlow::plain(hoa, self.ha);
                            udp.send(&mut self.out, &repr, &flow, to).await?;
                            emit(
                                "bu_sent",
                                json!({ "seq": bu.seq, "lifetime": bu.lifetime,
                                        "hoa": hoa.to_string(), "udp": to.to_string() }),
                            );
                        }
                        _ => self.send_bu(cfg, hoa, coa, bu, options).await?,
                    },
                    MnAction::Registered { lifetime_units, .. } => {
                        emit(
                            "registered",
                            json!({ "hoa": self.hoa.to_string(),
                                                   "lifetime_units": lifetime_units }),
                        );
                        done = Some(Done::Ok);
                    }
                    MnAction::Deregistered { .. } => {
                        emit("deregistered", json!({ "hoa": self.hoa.to_string() }));
                        done = Some(Done::Ok);
                    }
                    MnAction::DnsStatus { status, remove, .. } => {
                        emit("dns_status", json!({ "status": status, "remove": remove }));
                    }
                    MnAction::NewHoaViaCreateChildSa { old_hoa, .. } => {
                        emit("dad_failed", json!({ "hoa": old_hoa.to_string() }));
                        done = Some(Done::NewHoa);
                    }
                    MnAction::Rejected { status, .. } => {
                        emit("rejected", json!({ "status": status }));
                        done = Some(Done::Rejected(status));
                    }
                    MnAction::RegistrationFailed { .. } => {
                        emit("no_binding_ack", json!({ "hoa": self.hoa.to_string() }));
                        done = Some(Done::NoAnswer);
                    }
                    MnAction::Ipv4HoaAck {
                        status,
                        address,
                        prefix_len,
                        ..
                    } => emit(
                        "ipv4_hoa",
                        json!({ "change": if status.is_success() { "acknowledged" } else { "refused" },
                                "status": status.code(), "ipv4_hoa": address.to_string(),
                                "prefix_len": prefix_len, "hoa": self.hoa.to_string() }),
                    ),
                    MnAction::Ipv4HoaUnsupported { .. } => emit(
                        "ipv4_hoa",
                        json!({ "change": "unsupported", "hoa": self.hoa.to_string() }),
                    ),
                    other => eprintln!("mn: {other:?}"),
                }
            }
            if let Some(d) = done {
                return Ok(d);
            }
            let now = self.now();
            let wait = self
                .bul
                .next_timeout()
                .map(|t| Duration::from_millis(t.saturating_sub(now).max(1)))
                .unwrap_or(Duration::from_secs(1));
            let udp = self.udp.as_ref().map(|(u, _, _)| u);
            let got = tokio::select! {
                r = self.tap.recv(&mut self.inbound, wait) => r,
                d = dsmip_udp::recv_if(udp) => match d?.open(&mut self.inbound) {
                    Ok(Some(Inbound::Mh(got))) => Ok(got),
                    Ok(_) => continue,
                    Err(e) => Err(e),
                },
            };
            match got {
                Ok(got) => {
                    let unknown = got
                        .repr
                        .options
                        .iter()
                        .any(|o| matches!(o, MobilityOption::Unknown { .. }));
                    if cfg.knobs.reject_unknown_option && unknown {
                        // Mutant: RFC 6275 §6.1.8 says skip the option, not the BA.
                        emit(
                            "ba_discarded",
                            json!({ "reason": "unknown mobility option" }),
                        );
                    } else if let mh::MhMessage::Ba(ba) = got.repr.message {
                        let rh2 = got.rh2.map(|r| r.home_address.to_string());
                        emit(
                            "ba",
                            json!({ "status": ba.status, "seq": ba.seq, "rh2": rh2 }),
                        );
                        let input = BaInput {
                            ha: self.ha,
                            ba: &ba,
                            options: &got.repr.options,
                        };
                        self.bul.handle_input(self.now(), input);
                    }
                }
                Err(RecvError::TimedOut) => {}
                Err(e) => emit("esp_dropped", json!({ "reason": e.to_string() })),
            }
            self.bul.handle_timeout(self.now());
            actions.extend(std::iter::from_fn(|| self.bul.poll_event()));
        }
    }

    async fn send_bu(
        &mut self,
        cfg: &Config,
        hoa: Ipv6Addr,
        coa: Ipv6Addr,
        bu: mh::BindingUpdate,
        mut options: Vec<MobilityOption>,
    ) -> Result<()> {
        for o in &mut options {
            if let MobilityOption::DnsUpdate(d) = o {
                d.status = cfg.knobs.dns_bu_status;
                // Mutant when non-zero: reserved bits beside R (§8.1 wants them 0).
                d.flags = (d.flags & DnsUpdate::R) | cfg.knobs.dns_opt_reserved;
            }
        }
        if cfg.knobs.no_alt_coa {
            // Mutant: the HA then takes the (unprotected) source address as the CoA.
            options.retain(|o| !matches!(o, MobilityOption::AlternateCoa(_)));
        }
        if let Some(kind) = cfg.knobs.bu_unknown_option {
            // Stimulus: an option no implementation knows, which the HA must skip.
            options.push(MobilityOption::Unknown {
                kind,
                data: vec![0x6d, 0x36],
            });
        }
        self.last_bu = Some((bu, options.clone()));
        let repr = mh::Repr::build(mh::MhMessage::Bu(bu), &options);
        let hoa = self.forged_hoa.unwrap_or(hoa);
        let flow = if cfg.knobs.no_hao {
            MhFlow::plain(coa, self.ha)
        } else {
            MhFlow::bu_from_care_of(coa, self.ha, hoa)
        };
        mhio::send(&self.sock, &mut self.out, &repr, &flow).await?;
        emit(
            "bu_sent",
            json!({ "seq": bu.seq, "lifetime": bu.lifetime, "hoa": hoa.to_string() }),
        );
        Ok(())
    }
}

/// What DNS holds for the MN now (AAAA of the FQDN, PTR of the HoA), as the IUT sees it.
fn dns_check(cfg: &Config, event: &str, fqdn: &str, hoa: Ipv6Addr) {
    let aaaa = dns_answers(cfg, fqdn, RecordType::AAAA, |d| match d {
        RData::AAAA(a) => Some(a.0.to_string()),
        _ => None,
    });
    let rev = mip6lab_engines::ddns::reverse_name(hoa);
    let ptr = dns_answers(cfg, &rev, RecordType::PTR, |d| match d {
        RData::PTR(p) => Some(p.0.to_ascii()),
        _ => None,
    });
    emit(event, json!({ "fqdn": fqdn, "aaaa": aaaa, "ptr": ptr }));
}

/// The answers of type `rtype` for `name`, as `text` renders them; none when the query fails.
fn dns_answers(
    cfg: &Config,
    name: &str,
    rtype: RecordType,
    text: impl Fn(&RData) -> Option<String>,
) -> Vec<String> {
    dns::query_any(cfg.dns, name, rtype)
        .map(|m| m.answers.iter().filter_map(|r| text(&r.data)).collect())
        .unwrap_or_default()
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
    let mut ordered = order_srv(&targets, |n| rand::random_range(0..n));
    if cfg.knobs.srv_ignore_priority {
        // Mutant: the highest priority value (least preferred, RFC 2782) first.
        ordered.sort_by_key(|t| std::cmp::Reverse(t.priority));
    }
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

pub fn discover_by_name(cfg: &Config, ha_name: &str) -> Result<Vec<HaCandidate>> {
    let qtype = RecordType::from_str(&cfg.knobs.name_qtype).map_err(|_| {
        anyhow!(
            "mn.name_qtype `{}` is not a record type",
            cfg.knobs.name_qtype
        )
    })?;
    // Mutant `mn.name_qname`: another name than the configured one.
    let qname = if cfg.knobs.name_qname.is_empty() {
        ha_name
    } else {
        cfg.knobs.name_qname.as_str()
    };
    let resp = dns::query(cfg.dns, qname, qtype)?;
    let name = absolute(qname);
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
