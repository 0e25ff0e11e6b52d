//! Reference home agent: IKEv2 responder (RFC 4877, RFC 5026 §5.2–5.3), Binding Cache with
//! HoA authorization (§9.2), DNS updates signed with TSIG (§6, §9.5), BUs and BAs over
//! userspace ESP. One task: IKE datagrams, ESP frames from the tap and engine timers.

use crate::acct;
use crate::config::{Config, DnsForward};
use crate::events::emit;
use crate::ike::{self, id_text};
use crate::{mhio, ndio};
use anyhow::{anyhow, Context, Result};
use mip6lab_engines::binding::{
    BaToSend, BindingCache, BuInput, CacheEvent, DnsAction, DnsOutcome, DsmipConfig, HaConfig,
    HaEvent, HaInput,
};
use mip6lab_engines::dad::{self, DadOutcome, ProxyDad};
use mip6lab_engines::ddns::{Retransmit, TsigKey, Update, UpdateOutcome};
use mip6lab_engines::ikev2::{EapStep, Event, IkeEngine, IkeInput, SaId};
use mip6lab_engines::io::{Datagram, SansIo};
use mip6lab_engines_io::ddns::send_update;
use mip6lab_engines_io::ikev2::esp_io::{
    EspSocket, Inbound, InboundSa, InboundSas, MhFlow, OutboundSa, PacketTap, ReceivedMpd,
    RecvError,
};
use mip6lab_engines_io::ikev2::udp::KeyLogFiles;
use mip6lab_wire::ikev2::TrafficSelector;
use mip6lab_wire::mh::{self, options::MobilityOption};
use mip6lab_wire::mpd;
use mip6lab_wire::radius::acct_status;
use serde_json::json;
use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr, SocketAddr, SocketAddrV4};
use std::time::{Duration, Instant};
use tokio::net::UdpSocket;

/// TTL of the records the HA writes.
const DNS_TTL: u32 = 300;

struct Child {
    ike: SaId,
    out: OutboundSa,
    /// The TSi range the SA was created for (one address, or the home prefix).
    tsi: (Ipv6Addr, Ipv6Addr),
    /// An SA for Mobile Prefix Discovery (ICMPv6 146/147 selectors), not for MH.
    mpd: bool,
}

struct Ha<'a> {
    cfg: &'a Config,
    me: Ipv6Addr,
    engine: IkeEngine,
    keys: KeyLogFiles,
    cache: BindingCache,
    /// EAP relayed to the AAA server, when there is one.
    radius: Option<ike::RadiusRelay>,
    inbound: InboundSas,
    children: HashMap<u32, Child>,
    identities: HashMap<SaId, String>,
    /// HoAs the engine handed out (the rest are auto-configured, §5.3.2).
    assigned: Vec<Ipv6Addr>,
    dad_failed_once: bool,
    /// When the last MPA went to each HoA (RFC 6275 §6.8: at most one a second).
    last_mpa: HashMap<Ipv6Addr, Instant>,
    /// RFC 5555 UDP 4191 on the HA's IPv4 address (`MIP6LAB_HA_IPV4_ADDRESS`).
    udp: Option<crate::dsmip_udp::UdpEncapsulation>,
    tsig: TsigKey,
    start: Instant,
}

fn tsi_range(ts: &[TrafficSelector]) -> Option<(Ipv6Addr, Ipv6Addr)> {
    ts.iter().find_map(|t| match t {
        TrafficSelector::Ipv6 { start, end, .. } => Some((*start, *end)),
        _ => None,
    })
}

pub async fn run(cfg: &Config) -> Result<()> {
    let hs = cfg.ha.as_ref().ok_or_else(|| anyhow!("not an HA"))?;
    let me = cfg.own_addr()?;
    eprintln!("ha: {}", mhio::suppress_parameter_problems());
    let ifname = mhio::interface_of(me)?;
    let mut tap = PacketTap::open(&ifname).with_context(|| format!("AF_PACKET on {ifname}"))?;
    let esp = EspSocket::open(Some(me)).context("raw ESP socket")?;
    let sock = UdpSocket::bind(SocketAddr::from((me, 500)))
        .await
        .context("bind UDP 500")?;
    // RFC 5555 §4.1: BUs from IPv4 care-of addresses come in UDP to this IPv4 address.
    let udp = match hs.ipv4_address {
        Some(a) => Some(crate::dsmip_udp::UdpEncapsulation::bind(a).await?),
        None => None,
    };
    let (prefix, len) = hs.home_prefix;
    // One provider: an address the IKE responder leases is used for bindings too, and the
    // other way round.
    let addresses = ike::ha_addresses(cfg)?;
    let mut ha = Ha {
        cfg,
        me,
        engine: ike::ha_engine(cfg, me, addresses.clone())?,
        keys: KeyLogFiles::new(&cfg.keylog_dir),
        cache: BindingCache::new(
            HaConfig {
                home_prefixes: vec![(prefix, len)],
                dsmip: hs.ipv4_hoa_pool.map(|p| dsmip_config(cfg, p)),
                ..HaConfig::default()
            },
            addresses,
        ),
        radius: ike::RadiusRelay::new(cfg, me),
        inbound: InboundSas::new(),
        children: HashMap::new(),
        identities: HashMap::new(),
        assigned: Vec::new(),
        dad_failed_once: false,
        last_mpa: HashMap::new(),
        udp,
        tsig: TsigKey::from_base64(&hs.tsig.0, &hs.tsig.1)
            .map_err(|e| anyhow!("MIP6LAB_TSIG_KEY: {e}"))?,
        start: Instant::now(),
    };
    emit(
        "ready",
        json!({ "role": "ha", "address": me.to_string(), "id": cfg.id,
                "home_prefix": format!("{prefix}/{len}") }),
    );
    let mut buf = vec![0u8; 65536];
    loop {
        // Each datagram goes where the engine says: the MN of its IKE SA, or the sender of
        // the request it answers, so two MNs (or a flood beside one) get their own answers.
        while let Some(t) = ha.engine.poll_transmit() {
            sock.send_to(&t.payload, t.dst).await?;
        }
        while let Some(e) = ha.engine.poll_event() {
            match (e, ha.radius.as_mut()) {
                (Event::EapForBackend { sa, message }, Some(radius)) => {
                    radius.ask(sa, message).await
                }
                (e, _) => ha.on_ike_event(e),
            }
        }
        let now = ha.now();
        // Nothing to poll: the sockets, a RADIUS answer or the next timer wake the loop.
        let mut wait = IDLE_WAIT;
        if let Some(t) = ha.engine.next_timeout() {
            wait = wait.min(Duration::from_millis(t.saturating_sub(now).max(1)));
        }
        if let Some(t) = ha.cache.next_timeout() {
            wait = wait.min(Duration::from_millis(t.saturating_sub(now).max(1)));
        }
        tokio::select! {
            r = sock.recv_from(&mut buf) => {
                let (n, from) = r?;
                if ha.cfg.knobs.ha_silent {
                    continue;
                }
                ha.set_clock();
                let now = ha.now();
                ha.engine.handle_input(now, Datagram::new(from, &buf[..n]));
            }
            (sa, step) = next_eap_answer(&mut ha.radius) => {
                ha.set_clock();
                let now = ha.now();
                ha.engine.handle_input(now, IkeInput::EapAnswer { sa, step });
            }
            r = crate::dsmip_udp::recv_if(ha.udp.as_ref()) => {
                let d = r?;
                if ha.cfg.knobs.ha_silent {
                    continue;
                }
                ha.set_clock();
                match d.open(&mut ha.inbound) {
                    Ok(Some(Inbound::Mh(got))) => ha.on_mh(&esp, got, Some(d.from)).await,
                    Ok(_) => {}
                    Err(e) => emit("esp_dropped", json!({ "reason": e.to_string(), "udp": d.from.to_string() })),
                }
            }
            r = tap.recv_any(&mut ha.inbound, wait) => match r {
                Ok(Inbound::Mh(got)) => ha.on_mh(&esp, got, None).await,
                Ok(Inbound::Mpd(got)) => ha.on_mpd(&esp, got).await,
                Err(RecvError::TimedOut) => {}
                Err(e) => emit("esp_dropped", json!({ "reason": e.to_string() })),
            },
        }
        let now = ha.now();
        ha.engine.handle_timeout(now);
        ha.cache.handle_timeout(now);
        while let Some(ev) = ha.cache.poll_event() {
            match ev {
                HaEvent::Binding(ev) => emit_cache(&ev),
                HaEvent::RemoveDns(action) => ha.remove_expired_dns(&action).await,
                // Only a BU input makes these, and its handler takes them all.
                HaEvent::Bu(_) | HaEvent::SendBa(_) | HaEvent::UpdateDns { .. } => {}
            }
        }
    }
}

/// The longest wait of the HA loop when no timer is due sooner.
const IDLE_WAIT: Duration = Duration::from_secs(3600);

/// The next RADIUS answer for the engine; never, without a RADIUS relay.
async fn next_eap_answer(radius: &mut Option<ike::RadiusRelay>) -> (SaId, EapStep) {
    match radius {
        Some(r) => r.next_answer().await,
        None => std::future::pending().await,
    }
}

/// RFC 5555 with the reference's IPv4 HoA pool, and the knobs that break it.
fn dsmip_config(cfg: &Config, pool: mip6lab_engines::mip4::fha::FhaIpv4Pool) -> DsmipConfig {
    let k = &cfg.knobs;
    DsmipConfig {
        omit_ipv4_ack: k.ha_ipv4_ack_missing,
        grant_ipv4_in_use: k.ha_ipv4_hoa_in_use_granted,
        exhausted_status: k.ha_ipv4_exhausted_status.into(),
        omit_nat_detection: k.ha_no_nat_detection,
        ..DsmipConfig::new(pool)
    }
}

fn emit_cache(ev: &CacheEvent) {
    let (kind, mut v) = match ev {
        CacheEvent::Created {
            identity, hoa, coa, ..
        } => (
            "binding_cache",
            json!({ "change": "created", "identity": identity, "hoa": hoa.to_string(),
                    "coa": coa.to_string() }),
        ),
        CacheEvent::Refreshed { hoa, coa, .. } => (
            "binding_cache",
            json!({ "change": "refreshed", "hoa": hoa.to_string(), "coa": coa.to_string() }),
        ),
        CacheEvent::Deleted { identity, hoa } => (
            "binding_cache",
            json!({ "change": "deleted", "identity": identity, "hoa": hoa.to_string() }),
        ),
        CacheEvent::Expired { identity, hoa } => (
            "binding_cache",
            json!({ "change": "expired", "identity": identity, "hoa": hoa.to_string() }),
        ),
        CacheEvent::Ipv4Assigned {
            identity,
            hoa,
            ipv4_hoa,
            prefix_len,
        } => (
            "ipv4_hoa",
            json!({ "change": "assigned", "identity": identity, "hoa": hoa.to_string(),
                    "ipv4_hoa": format!("{ipv4_hoa}/{prefix_len}") }),
        ),
        CacheEvent::Ipv4Released {
            identity,
            hoa,
            ipv4_hoa,
        } => (
            "ipv4_hoa",
            json!({ "change": "released", "identity": identity, "hoa": hoa.to_string(),
                    "ipv4_hoa": ipv4_hoa.to_string() }),
        ),
    };
    // RFC 5555: an IPv4 care-of address only when there is one (the lines stay as they were).
    if let (
        CacheEvent::Created {
            ipv4_coa: Some(c), ..
        }
        | CacheEvent::Refreshed {
            ipv4_coa: Some(c), ..
        },
        Some(o),
    ) = (ev, v.as_object_mut())
    {
        o.insert(
            "ipv4_coa".into(),
            json!({ "option": c.option.to_string(), "outer": c.outer.to_string(), "nat": c.nat }),
        );
    }
    emit(kind, v);
}

impl Ha<'_> {
    fn now(&self) -> u64 {
        self.start.elapsed().as_millis() as u64
    }

    /// The DNS removal owed for an expired binding (no BA follows).
    async fn remove_expired_dns(&mut self, action: &DnsAction) {
        let outcome = self.update_dns(action).await;
        emit(
            "dns_expiry_removal",
            json!({ "fqdn": action.fqdn(), "outcome": format!("{outcome:?}") }),
        );
    }

    fn forget_radius(&mut self, sa: SaId) {
        if let Some(r) = self.radius.as_mut() {
            r.forget(sa);
        }
    }

    fn set_clock(&mut self) {
        if let Ok(d) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
            self.engine.set_unix_time(d.as_secs());
        }
    }

    fn on_ike_event(&mut self, e: Event) {
        ike::log_keys(&self.keys, &e);
        match e {
            Event::IkeSaEstablished { sa, peer_id, .. } => {
                let id = id_text(&peer_id);
                emit("ike_sa", json!({ "peer_id": id }));
                self.identities.insert(sa, id);
            }
            Event::ConfigAssigned {
                cp,
                use_assigned_hoa,
                ..
            } => {
                let addrs: Vec<String> = cp
                    .attributes
                    .iter()
                    .filter_map(|a| a.as_ip6_prefix().map(|(a, l)| format!("{a}/{l}")))
                    .collect();
                for a in cp.attributes.iter().filter_map(|a| {
                    (a.attr_type == mip6lab_wire::ikev2::cp_attr::INTERNAL_IP6_ADDRESS)
                        .then(|| a.as_ip6_prefix().map(|(a, _)| a))
                        .flatten()
                }) {
                    self.assigned.push(a);
                }
                emit(
                    "config_assigned",
                    json!({ "attributes": addrs, "use_assigned_hoa": use_assigned_hoa }),
                );
            }
            Event::ChildSaEstablished { sa, child } => {
                let tsi =
                    tsi_range(&child.tsi).unwrap_or((Ipv6Addr::UNSPECIFIED, Ipv6Addr::UNSPECIFIED));
                emit(
                    "child_sa",
                    json!({ "tsi": format!("{}-{}", tsi.0, tsi.1), "transport": child.transport }),
                );
                if let Some(old) = child.rekeyed {
                    self.children.remove(&old);
                }
                self.inbound.insert(InboundSa::from_child(&child));
                self.children.insert(
                    child.inbound_spi,
                    Child {
                        ike: sa,
                        out: OutboundSa::from_child(&child),
                        tsi,
                        mpd: child.tsi.iter().any(|t| t.icmp6_types().is_some()),
                    },
                );
            }
            Event::ChildSaDeleted { inbound_spi, .. } => {
                self.children.remove(&inbound_spi);
            }
            Event::Failed { sa, reason } => {
                self.forget_radius(sa);
                emit("ike_failed", json!({ "reason": reason }))
            }
            Event::IkeSaDeleted { sa, .. } => self.forget_radius(sa),
            _ => {}
        }
    }

    /// A BU (ESP-protected), from the tap or, `outer` set, out of a UDP 4191 datagram.
    async fn on_mh(
        &mut self,
        esp: &EspSocket,
        got: mip6lab_engines_io::ikev2::esp_io::Received,
        outer: Option<SocketAddrV4>,
    ) {
        let mh::MhMessage::Bu(bu) = got.repr.message else {
            emit(
                "mh_ignored",
                json!({ "type": format!("{:?}", got.repr.message) }),
            );
            return;
        };
        if self.cfg.knobs.ha_reject_unknown_option
            && got
                .repr
                .options
                .iter()
                .any(|o| matches!(o, MobilityOption::Unknown { .. }))
        {
            // Mutant: RFC 6275 §6.1.7 says skip the option, not the BU.
            emit(
                "bu_discarded",
                json!({ "reason": "unknown mobility option" }),
            );
            return;
        }
        let Some(child) = self.children.get(&got.spi) else {
            return;
        };
        if child.mpd {
            // Its selectors are ICMPv6 146/147: a BU does not belong on it (RFC 4301 §5.2).
            emit(
                "mh_ignored",
                json!({ "reason": "BU on a Mobile Prefix Discovery SA" }),
            );
            return;
        }
        let identity = self.identities.get(&child.ike).cloned().unwrap_or_default();
        // The SA's HoA: its single TSi address; for an SA over the whole home prefix (the
        // IKE_AUTH SA of §5.3.2) there is none, so the BU cannot match it.
        let sa_hoa = if self.cfg.knobs.ha_skip_sa_hoa_check {
            // Mutant: whatever the BU claims.
            got.hao.unwrap_or(got.src)
        } else if child.tsi.0 == child.tsi.1 {
            child.tsi.0
        } else {
            Ipv6Addr::UNSPECIFIED
        };
        let options = got.repr.options.clone();
        let dns_fqdn = options.iter().find_map(|o| match o {
            MobilityOption::DnsUpdate(d) => d.fqdn(),
            _ => None,
        });
        // Knob: authorize the FQDN by itself instead of by IDi.
        let identity_for_bu = match (&dns_fqdn, self.cfg.knobs.ha_skip_fqdn_authorization) {
            (Some(f), true) => f.clone(),
            _ => identity.clone(),
        };
        let hoa = got.hao.unwrap_or(got.src);
        let autoconf = !self.assigned.contains(&hoa);
        // Stimulus `ha.dad_fail_first`: a simulated failure, no probe on the link.
        let simulated = self.cfg.knobs.ha_dad_fail_first && autoconf && !self.dad_failed_once;
        if simulated && bu.lifetime != 0 {
            self.dad_failed_once = true;
        }
        let mut input = BuInput {
            identity: &identity_for_bu,
            sa_hoa,
            src: got.src,
            hao: got.hao,
            bu,
            options: &options,
            dad_failed: simulated,
        };
        // RFC 5026 §5.3.2: proxy DAD for an auto-configured HoA before binding it.
        if !simulated
            && !self.cfg.knobs.ha_no_proxy_dad
            && dad::needs_proxy_dad(&self.cache, &input, autoconf)
        {
            input.dad_failed = self.proxy_dad(hoa).await;
        }
        let now = self.now();
        let input = match outer {
            Some(outer) => HaInput::BuOverUdp { bu: input, outer },
            None => HaInput::Bu(input),
        };
        self.cache.handle_input(now, input);
        // The BU's summary, binding changes, then the BA or first the DNS update it waits for.
        let mut dns_ok = false;
        while let Some(ev) = self.cache.poll_event() {
            match ev {
                HaEvent::Bu(r) => emit(
                    "bu",
                    json!({ "seq": bu.seq, "lifetime": bu.lifetime, "hoa": hoa.to_string(),
                            "src": got.src.to_string(), "identity": identity,
                            "udp": outer.map(|o| o.to_string()),
                            "status": r.status, "discarded": r.discarded.map(|d| format!("{d:?}")),
                            "denied": r.denied.map(|d| format!("{d:?}")),
                            "dns_notes": r.dns_notes.iter().map(|n| format!("{n:?}")).collect::<Vec<_>>() }),
                ),
                HaEvent::Binding(ev) => emit_cache(&ev),
                HaEvent::UpdateDns { ticket, action } => {
                    let outcome = self.update_dns(&action).await;
                    emit(
                        "dns_update",
                        json!({ "action": format!("{action:?}"), "outcome": format!("{outcome:?}") }),
                    );
                    dns_ok = outcome == DnsOutcome::Ok;
                    let now = self.now();
                    self.cache
                        .handle_input(now, HaInput::DnsDone { ticket, outcome });
                }
                HaEvent::SendBa(mut ba) => {
                    if dns_ok {
                        self.mutate_dns_status(&mut ba);
                    }
                    self.send_ba(esp, got.spi, ba).await;
                }
                HaEvent::RemoveDns(action) => self.remove_expired_dns(&action).await,
            }
        }
    }

    /// One DAD probe for `hoa` on the home link and a bounded wait for a defense (RFC 4862
    /// §5.4, RFC 6275 §10.4.1). True when the address is in use. The HA task waits here: the
    /// MN's first BU retransmission (1.5 s, RFC 6275 §13) comes after the default wait.
    async fn proxy_dad(&self, hoa: Ipv6Addr) -> bool {
        let wait = self
            .cfg
            .ha
            .as_ref()
            .map_or(Duration::from_millis(dad::RETRANS_TIMER_MS), |h| h.dad_wait);
        let started = Instant::now();
        let outcome = match self.probe(hoa, wait).await {
            Ok(o) => o,
            Err(e) => {
                // A link we cannot probe holds no evidence of a duplicate.
                emit(
                    "error",
                    json!({ "reason": format!("proxy DAD for {hoa}: {e:#}") }),
                );
                DadOutcome::Unique
            }
        };
        let by = match outcome {
            DadOutcome::Defended { by } => Some(by.to_string()),
            _ => None,
        };
        emit(
            "proxy_dad",
            json!({ "hoa": hoa.to_string(), "outcome": outcome.name(), "by": by,
                    "waited_ms": started.elapsed().as_millis() as u64 }),
        );
        outcome.failed()
    }

    async fn probe(&self, hoa: Ipv6Addr, wait: Duration) -> Result<DadOutcome> {
        let ifname = mhio::interface_of(self.me)?;
        let sock =
            ndio::NdSocket::open(&ifname).with_context(|| format!("AF_PACKET on {ifname}"))?;
        let t0 = Instant::now();
        let ms = |t: Instant| t.duration_since(t0).as_millis() as u64;
        let mut dad = ProxyDad::start(hoa, 0, wait.as_millis() as u64);
        while let Some(t) = dad.poll_transmit() {
            let IpAddr::V6(dst) = t.dst.ip() else {
                continue;
            };
            let to = mip6lab_wire::nd::multicast_mac(dst);
            sock.send(&t.payload, to, mhio::SEND_TIMEOUT)
                .await
                .context("send the DAD probe")?;
        }
        loop {
            dad.handle_timeout(ms(Instant::now()));
            if let Some(o) = dad.poll_event() {
                return Ok(o);
            }
            let next = dad.next_timeout().unwrap_or(0);
            let left = Duration::from_millis(next.saturating_sub(ms(Instant::now())).max(1));
            if let Some(p) = sock.recv(left).await? {
                dad.handle_input(ms(Instant::now()), &p);
                if let Some(o) = dad.poll_event() {
                    return Ok(o);
                }
            }
        }
    }

    /// Knob `ha.dns_update_status_on_success`: a wrong Status after a good update.
    fn mutate_dns_status(&self, ba: &mut BaToSend) {
        let s = self.cfg.knobs.ha_dns_status_on_success;
        if s == 0 {
            return;
        }
        for o in &mut ba.options {
            if let MobilityOption::DnsUpdate(d) = o {
                d.status = s;
            }
        }
    }

    async fn send_ba(&mut self, esp: &EspSocket, spi: u32, ba: BaToSend) {
        let me = self.me;
        let no_rh2 = self.cfg.knobs.ha_no_rh2;
        let Some(child) = self.children.get_mut(&spi) else {
            return;
        };
        let mut options = ba.options.clone();
        if let Some(kind) = self.cfg.knobs.ha_ba_unknown_option {
            // Stimulus: an option no implementation knows, which the MN must skip.
            options.push(MobilityOption::Unknown {
                kind,
                data: vec![0x6d, 0x36],
            });
        }
        let repr = mh::Repr::build(mh::MhMessage::Ba(ba.ba), &options);
        let flow = if no_rh2 || ba.dst == ba.hoa || ba.udp_ipv4.is_some() {
            MhFlow::plain(me, ba.dst)
        } else {
            MhFlow::ba_to_care_of(me, ba.dst, ba.hoa)
        };
        let mut line = json!({ "status": ba.ba.status, "seq": ba.ba.seq, "dst": ba.dst.to_string(),
                               "dns_status": ba.dns_update().map(|d| d.status) });
        // RFC 5555: the IPv4 Address Acknowledgements, only when the BA has some.
        let acks: Vec<_> = ba
            .ipv4_acks()
            .map(|a| {
                json!({ "status": a.status.code(), "address": a.address.to_string(),
                             "prefix_len": a.prefix_len })
            })
            .collect();
        if let (false, Some(o)) = (acks.is_empty(), line.as_object_mut()) {
            o.insert("ipv4_acks".into(), acks.into());
        }
        let sent = match (ba.udp_ipv4, &self.udp) {
            // RFC 5555 §4.2: back in UDP to where the BU came from, to the HoA inside.
            (Some(to), Some(udp)) => {
                if let Some(o) = line.as_object_mut() {
                    o.insert("udp".into(), to.to_string().into());
                }
                udp.send(&mut child.out, &repr, &flow, to).await.map(|_| ())
            }
            _ => mhio::send(esp, &mut child.out, &repr, &flow)
                .await
                .map(|_| ()),
        };
        match sent {
            Ok(()) => emit("ba", line),
            Err(e) => emit("error", json!({ "reason": format!("{e:#}") })),
        }
    }

    /// One DNS action as RFC 2136 updates signed with TSIG: the AAAA in the forward zone,
    /// then the PTR in the reverse zone (§6: the HA always does the reverse entry). With
    /// `MIP6LAB_DNS_FORWARD=aaa` the AAA server has the forward entry done (§6, §7) and only
    /// the PTR is the HA's own update.
    async fn update_dns(&mut self, action: &DnsAction) -> DnsOutcome {
        let hs = self.cfg.ha.as_ref().expect("HA settings");
        let k = &self.cfg.knobs;
        let fqdn = absolute(action.fqdn());
        if let DnsForward::Aaa(aaa) = hs.dns_forward {
            if !(matches!(action, DnsAction::Remove { .. }) && k.ha_keep_dns_on_dereg) {
                let o = self.forward_via_aaa(aaa, action).await;
                if o != DnsOutcome::Ok {
                    return o;
                }
            }
        }
        let by_self = hs.dns_forward == DnsForward::SelfUpdate;
        let mut updates = Vec::new();
        match action {
            DnsAction::Add { hoa, .. } => {
                if by_self {
                    updates.push(Update::add_aaaa(&hs.zone, &fqdn, *hoa, DNS_TTL));
                }
                if !k.ha_skip_reverse_update {
                    updates.push(Update::add_ptr(&hs.reverse_zone, *hoa, &fqdn, DNS_TTL));
                }
            }
            DnsAction::Remove { hoa, .. } => {
                if k.ha_keep_dns_on_dereg {
                    return DnsOutcome::Ok;
                }
                if by_self {
                    updates.push(Update::delete_aaaa(&hs.zone, &fqdn));
                }
                if !k.ha_skip_reverse_update {
                    updates.push(Update::delete_ptr(&hs.reverse_zone, *hoa));
                }
            }
        }
        let server = SocketAddr::from((self.cfg.dns, 53));
        let source = SocketAddr::from((self.me, 0));
        for u in updates {
            let id: u16 = rand::random();
            let unix = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0);
            let signed = match u.sign(id, &self.tsig, unix) {
                Ok(s) => s,
                Err(e) => {
                    emit("error", json!({ "reason": format!("DNS update: {e}") }));
                    return DnsOutcome::Other;
                }
            };
            let policy = Retransmit {
                timeout: Duration::from_secs(1),
                max_sends: 3,
            };
            let outcome = match send_update(server, source, &signed, policy).await {
                Ok(o) => o,
                Err(e) => {
                    emit("error", json!({ "reason": format!("DNS update: {e}") }));
                    return DnsOutcome::Other;
                }
            };
            let mapped = match outcome {
                UpdateOutcome::Ok => DnsOutcome::Ok,
                UpdateOutcome::Refused => DnsOutcome::Refused,
                UpdateOutcome::NotAuth | UpdateOutcome::BadResponse(_) => DnsOutcome::TsigFailure,
                UpdateOutcome::TimedOut => DnsOutcome::Timeout,
                UpdateOutcome::ServFail | UpdateOutcome::Other(_) => DnsOutcome::Refused,
            };
            if mapped != DnsOutcome::Ok {
                return mapped;
            }
        }
        DnsOutcome::Ok
    }
}

impl Ha<'_> {
    /// The FQDN-HoA pair to the AAA server (RFC 5026 §6): Accounting Start to add the entry,
    /// Stop to remove it; the answer comes once the MSA's AAA server has updated DNS.
    async fn forward_via_aaa(&self, server: SocketAddr, action: &DnsAction) -> DnsOutcome {
        let Some((_, secret)) = self.cfg.ha.as_ref().and_then(|h| h.radius.as_ref()) else {
            return DnsOutcome::Other;
        };
        let status = match action {
            DnsAction::Add { .. } => acct_status::START,
            DnsAction::Remove { .. } => acct_status::STOP,
        };
        let hoa = action.hoa();
        let report = acct::Report {
            status,
            fqdn: action.fqdn(),
            // Mutant `ha.aaa_omit_hoa`: the FQDN alone.
            hoa: (!self.cfg.knobs.ha_aaa_omit_hoa).then_some(hoa),
            nas: self.me,
            nas_id: &self.cfg.id,
            session_id: acct::session_id(hoa),
        };
        let req = match acct::request(rand::random(), &report, secret.as_bytes()) {
            Ok(r) => r,
            Err(e) => {
                emit("error", json!({ "reason": format!("AAA request: {e}") }));
                return DnsOutcome::Other;
            }
        };
        let source = SocketAddr::from((self.me, 0));
        // Bounded: 3 sends 2 s apart; the proxy chain and the MSA's DNS update take longer
        // than one DNS round trip.
        let r = acct::exchange(
            server,
            source,
            &req,
            secret.as_bytes(),
            Duration::from_secs(2),
            3,
        )
        .await;
        emit(
            "aaa_dns_forward",
            json!({ "fqdn": action.fqdn(), "hoa": hoa.to_string(), "status": status,
                    "outcome": format!("{r:?}") }),
        );
        match r {
            Ok(acct::Outcome::Answered) => DnsOutcome::Ok,
            Ok(acct::Outcome::TimedOut) => DnsOutcome::Timeout,
            Err(_) => DnsOutcome::Other,
        }
    }
}

impl Ha<'_> {
    /// RFC 6275 §10.6.3 / §11.4.3 on an MPS/MPA Child SA: an MPS whose HAO is the SA's HoA
    /// gets an MPA with the home prefix (when this HA allows auto-configuration), same
    /// Identifier, to the MPS's source with a type 2 routing header holding the HoA, over the
    /// SA's outbound half.
    async fn on_mpd(&mut self, esp: &EspSocket, got: ReceivedMpd) {
        let ignored = |why: &str| emit("mps_ignored", json!({ "reason": why }));
        let mpd::Repr::Solicitation { identifier, .. } = got.repr else {
            return ignored("not a Mobile Prefix Solicitation");
        };
        let Some(child) = self.children.get(&got.spi) else {
            return;
        };
        let hoa = got.hao.unwrap_or(got.src);
        emit(
            "mps",
            json!({ "hoa": hoa.to_string(), "src": got.src.to_string(),
                    "hao": got.hao.is_some(), "checksum_ok": got.checksum_ok }),
        );
        if !child.mpd || child.tsi != (hoa, hoa) {
            // RFC 4877 §4.2: the HAO counts as the source for the selector check.
            return ignored("the SA's selectors are not ICMPv6 146/147 for this home address");
        }
        if got.checksum_ok == Some(false) {
            return ignored("ICMPv6 checksum");
        }
        let hs = self.cfg.ha.as_ref().expect("HA settings");
        if !hs.autoconf || self.cfg.knobs.ha_no_home_prefix {
            return ignored("home address auto-configuration is not allowed here");
        }
        if self
            .last_mpa
            .get(&hoa)
            .is_some_and(|t| t.elapsed() < Duration::from_secs(1))
        {
            return ignored("an MPA went to this MN less than a second ago (RFC 6275 §6.8)");
        }
        let (prefix, prefix_len) = hs.home_prefix;
        let mpa = mpd::Repr::Advertisement {
            identifier,
            // No DHCPv6 behind this HA (RFC 6275 §6.8: then M and O are clear).
            managed: false,
            other: false,
            options: vec![mpd::MpdOption::PrefixInfo(mpd::PrefixInfo::home_prefix(
                prefix,
                prefix_len,
                MPA_LIFETIME,
            ))],
        };
        let flow = MhFlow::ba_to_care_of(self.me, got.src, hoa);
        let Some(child) = self.children.get_mut(&got.spi) else {
            return;
        };
        match mhio::send(esp, &mut child.out, &mpa, &flow).await {
            Ok(_) => {
                self.last_mpa.insert(hoa, Instant::now());
                emit(
                    "mpa",
                    json!({ "to": got.src.to_string(), "hoa": hoa.to_string(),
                            "prefix": format!("{prefix}/{prefix_len}") }),
                );
            }
            Err(e) => emit("error", json!({ "reason": format!("{e:#}") })),
        }
    }
}

/// Valid and preferred lifetime of the advertised home prefix (as in the CFG_REPLY).
const MPA_LIFETIME: u32 = 3600;

fn absolute(name: &str) -> String {
    if name.ends_with('.') {
        name.to_string()
    } else {
        format!("{name}.")
    }
}
