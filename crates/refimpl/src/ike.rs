//! IKEv2 engines for both roles, built from the contract's credentials, and the key log.

use crate::config::{AuthMode, Config};
use anyhow::{anyhow, Context, Result};
use mip6lab_engines::aaa::{
    outcome_to_step, MschapV2Client, RadiusEap, RadiusEapInput, RelayConfig,
};
use mip6lab_engines::addresses::SharedAddresses;
use mip6lab_engines::binding::{HoaAuthorizer, HoaPolicy, LeasePool};
use mip6lab_engines::ikev2::{
    Config as IkeConfig, Credential, DhGroup, EapClient, EapForBackend, EapStep, Event, IkeEngine,
    ResponderPolicy, RngFn, SaId, TrustAnchor,
};
use mip6lab_engines_io::aaa::round_udp;
use mip6lab_engines_io::ikev2::udp::KeyLogFiles;
use mip6lab_wire::ikev2::payload::HomePrefix;
use mip6lab_wire::ikev2::Id;
use std::collections::HashMap;
use std::io::Read;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::time::Duration;
use tokio::sync::mpsc;

pub fn os_rng() -> RngFn {
    Box::new(|b: &mut [u8]| fill_random(b))
}

pub fn fill_random(b: &mut [u8]) {
    // /dev/urandom never blocks after boot; a failure here is a broken container.
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(b))
        .expect("read /dev/urandom");
}

pub fn random16() -> [u8; 16] {
    let mut a = [0u8; 16];
    fill_random(&mut a);
    a
}

/// An identity as text: FQDN and RFC 822 names as they are, addresses formatted.
pub fn id_text(id: &Id) -> String {
    use mip6lab_wire::ikev2::id_type;
    match id.id_type {
        id_type::IPV6_ADDR if id.data.len() == 16 => {
            let o: [u8; 16] = id.data[..].try_into().unwrap_or([0; 16]);
            Ipv6Addr::from(o).to_string()
        }
        _ => String::from_utf8_lossy(&id.data).into_owned(),
    }
}

fn read(p: &std::path::Path) -> Result<String> {
    std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))
}

/// The engine configuration for `local_id`; `peers` are the identities the PSK is for.
fn base(cfg: &Config, local_id: Id, peers: &[Id]) -> Result<IkeConfig> {
    let mut c = match cfg.auth.mode {
        AuthMode::Cert => {
            let cred = Credential::from_pem(&read(&cfg.auth.cert)?, &read(&cfg.auth.key)?)
                .map_err(|e| anyhow!("credential {}: {e}", cfg.auth.cert.display()))?;
            let ca = TrustAnchor::from_pem(&read(&cfg.auth.ca)?)
                .map_err(|e| anyhow!("CA {}: {e}", cfg.auth.ca.display()))?;
            IkeConfig::with_cert(local_id, cred, ca)
        }
        AuthMode::Psk | AuthMode::Eap => IkeConfig::new(
            local_id,
            peers
                .iter()
                .map(|p| (p.clone(), cfg.auth.psk.clone()))
                .collect(),
        ),
    };
    c.local_addr = cfg.own_addr().ok().map(IpAddr::V6);
    Ok(c)
}

/// The MN's initiator from its care-of address `coa` towards `ha` (IDr `ha_id`).
pub fn mn_engine(
    cfg: &Config,
    idi: Id,
    ha_id: &str,
    (coa, ha): (Ipv6Addr, Ipv6Addr),
) -> Result<IkeEngine> {
    mn_engine_with_group(cfg, idi, ha_id, (coa, ha), None)
}

/// [`mn_engine`] whose KE is for `first_group` (when the MN supports it): the group an HA
/// asked for with INVALID_KE_PAYLOAD, so that a new exchange needs no second round.
pub fn mn_engine_with_group(
    cfg: &Config,
    idi: Id,
    ha_id: &str,
    (coa, ha): (Ipv6Addr, Ipv6Addr),
    first_group: Option<DhGroup>,
) -> Result<IkeEngine> {
    let mut c = base(cfg, idi, &[Id::fqdn(ha_id)])?;
    // The CoA, not the interface's address: the dual-stack MN's is on its tunnel device.
    c.local_addr = Some(IpAddr::V6(coa));
    c.peer_addr = Some(IpAddr::V6(ha));
    if let Some(g) = first_group.filter(|g| c.groups.contains(g)) {
        c.groups.retain(|x| *x != g);
        c.groups.insert(0, g);
    }
    let mut e = IkeEngine::new(c, os_rng());
    if cfg.auth.mode == AuthMode::Eap {
        let mn = cfg.mn.as_ref().ok_or_else(|| anyhow!("not an MN"))?;
        let (user, pw) = (mn.eap_user.clone(), mn.eap_password.clone());
        e.set_eap_client(Box::new(move || {
            Box::new(MschapV2Client::new(
                user.clone(),
                pw.clone(),
                Box::new(random16),
            )) as Box<dyn EapClient + Send>
        }));
    }
    Ok(e)
}

/// Half-open IKE SAs the reference HA allows before it demands cookies.
pub const HALF_OPEN_BEFORE_COOKIES: usize = 4;

/// The HA's home addresses, one provider for its IKE responder and its Binding Cache (RFC
/// 5026 §9.2, both modes): FCFS from the home prefix plus the configured addresses.
pub fn ha_addresses(cfg: &Config) -> Result<SharedAddresses> {
    let hs = cfg.ha.as_ref().ok_or_else(|| anyhow!("not an HA"))?;
    let (p, len) = hs.home_prefix;
    let mut auth = HoaAuthorizer::new(HoaPolicy::Fcfs);
    auth.add_pool(p, len);
    for (id, a) in &hs.configured {
        auth.configure(id, *a);
    }
    auth.set_guard_configured(!cfg.knobs.ha_accept_any_hoa);
    // Assigned addresses come from the upper half of the prefix's first /112, away from
    // the interface identifiers MNs auto-configure (derived from their care-of address).
    let mut leases = LeasePool::new(Ipv6Addr::from(u128::from(p) | 0x8000), len, hs.pool_size);
    leases.guard_used = !cfg.knobs.ha_fcfs_ignore_used;
    if cfg.knobs.ha_no_address || cfg.knobs.ha_no_home_address {
        leases.size = 0;
        leases.use_configured = false;
    }
    auth.set_lease_pool(leases);
    Ok(SharedAddresses::new(auth))
}

/// The HA's responder: home addresses from `addresses`, the prefix itself for
/// MIP6_HOME_PREFIX when auto-configuration is allowed, EAP relayed to RADIUS.
pub fn ha_engine(cfg: &Config, me: Ipv6Addr, addresses: SharedAddresses) -> Result<IkeEngine> {
    let hs = cfg.ha.as_ref().ok_or_else(|| anyhow!("not an HA"))?;
    let peers: Vec<Id> = hs.mn_ids.iter().map(|s| Id::fqdn(s)).collect();
    let mut c = base(cfg, Id::fqdn(&cfg.id), &peers)?;
    c.cert_binds_id = !cfg.knobs.ha_skip_cert_id_binding;
    let (p, len) = hs.home_prefix;
    let mut pol = ResponderPolicy::with_addresses(me, addresses);
    if hs.autoconf && !cfg.knobs.ha_no_home_prefix {
        pol.home_prefix = Some(HomePrefix {
            lifetime: 3600,
            prefix: p,
            prefix_len: len,
        });
    }
    pol.address_failure_notify = !cfg.knobs.ha_no_address_failure_notify;
    // RFC 5026 §9.1: past a handful of half-open SAs (well below the engine's cap of 16, which
    // would drop requests), an initiator must first prove it receives at its address.
    pol.cookie_threshold = (!cfg.knobs.ha_no_cookies).then_some(HALF_OPEN_BEFORE_COOKIES);
    if cfg.knobs.ha_no_address || cfg.knobs.ha_no_home_address {
        pol.home_prefix = None;
    }
    c.responder = Some(pol);
    let mut e = IkeEngine::new(c, os_rng());
    if hs.radius.is_some() {
        // EAP goes to the HA's RADIUS relay (`RadiusRelay`), which answers asynchronously.
        e.set_eap_via_driver();
    }
    Ok(e)
}

/// How long the relay waits for each RADIUS reply before it retransmits.
const RADIUS_WAIT: Duration = Duration::from_secs(2);

/// The HA's EAP relay to the AAA server (RFC 5026 §5.2): one RADIUS session and client
/// socket per IKE SA, each round run as a task whose result comes back to the HA loop.
pub struct RadiusRelay {
    me: Ipv6Addr,
    aaa: SocketAddr,
    config: RelayConfig,
    /// Per IKE SA; `None` while a round is out.
    sessions: HashMap<SaId, Option<RadiusSession>>,
    done_tx: mpsc::UnboundedSender<RadiusRound>,
    done_rx: mpsc::UnboundedReceiver<RadiusRound>,
}

/// One IKE SA's RADIUS engine and client socket (`None` if it could not be bound: every round
/// then times out, as a relay without a path to the server would).
pub struct RadiusSession {
    eap: RadiusEap<fn() -> [u8; 16]>,
    sock: Option<tokio::net::UdpSocket>,
    /// The engine's clock origin.
    started: std::time::Instant,
}

/// A finished RADIUS round: the session back, and the step for the engine.
struct RadiusRound {
    sa: SaId,
    session: RadiusSession,
    step: EapStep,
}

impl RadiusRelay {
    pub fn new(cfg: &Config, me: Ipv6Addr) -> Option<RadiusRelay> {
        let (aaa, secret) = cfg.ha.as_ref()?.radius.clone()?;
        let mut config = RelayConfig::new(secret.as_bytes().to_vec());
        config.nas_identifier = Some(cfg.id.clone());
        config.nas_ipv6_address = Some(me);
        let (done_tx, done_rx) = mpsc::unbounded_channel();
        Some(RadiusRelay {
            me,
            aaa,
            config,
            sessions: HashMap::new(),
            done_tx,
            done_rx,
        })
    }

    /// Starts the round for the engine's EAP message: a task sends the Access-Request and
    /// waits for the answer (retransmitting per the relay), then hands the step back.
    pub async fn ask(&mut self, sa: SaId, message: EapForBackend) {
        let session = match self.sessions.remove(&sa) {
            Some(Some(s)) => s,
            // A round is still out for this SA: the engine does not ask twice.
            Some(None) => return,
            None => RadiusSession {
                eap: RadiusEap::new(
                    self.config.clone(),
                    self.aaa,
                    RADIUS_WAIT.as_millis() as u64,
                    random16 as fn() -> [u8; 16],
                ),
                sock: tokio::net::UdpSocket::bind(SocketAddr::from((self.me, 0)))
                    .await
                    .ok(),
                started: std::time::Instant::now(),
            },
        };
        self.sessions.insert(sa, None);
        let done = self.done_tx.clone();
        tokio::spawn(async move {
            let mut s = session;
            let input = match &message {
                EapForBackend::Start { identity } => RadiusEapInput::Start { identity },
                EapForBackend::Response { eap } => RadiusEapInput::Response { eap },
            };
            let outcome = round_udp(&mut s.eap, input, s.sock.as_ref(), s.started).await;
            let (step, _why) = outcome_to_step(outcome, s.eap.session().last_eap_id);
            let _ = done.send(RadiusRound {
                sa,
                session: s,
                step,
            });
        });
    }

    /// The answer of the next finished round whose IKE SA is still there, for
    /// [`IkeInput::EapAnswer`]; the SA's session is kept for its next round. Cancel-safe.
    pub async fn next_answer(&mut self) -> (SaId, EapStep) {
        loop {
            let r = self.done_rx.recv().await.expect("the relay holds a sender");
            if let Some(slot) = self.sessions.get_mut(&r.sa) {
                *slot = Some(r.session);
                return (r.sa, r.step);
            }
        }
    }

    /// The IKE SA is gone: so is its RADIUS session (a round still out is dropped).
    pub fn forget(&mut self, sa: SaId) {
        self.sessions.remove(&sa);
    }
}

/// Writes key-log events; the lab reads the directory at teardown to decrypt the capture.
pub fn log_keys(files: &KeyLogFiles, e: &Event) {
    if let Event::KeyLog(k) = e {
        if let Err(err) = files.write(k) {
            eprintln!("keylog: {err}");
        }
    }
}
