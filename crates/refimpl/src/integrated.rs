//! The reference MN's integrated-scenario front end (RFC 6611 §4.2): network access
//! authentication with a real supplicant (wpa_supplicant, IEEE 802.1X wired, EAP-MD5), then a
//! DHCPv6 Information-request for home network information (the engine
//! `dhcpv6::client`: ORO, CLIENTID, HNIDF; RFC 6610 §4.1.2 reply rules). The HA it learns
//! goes into the RFC 5026 bootstrap (`mn.rs`); when DHCPv6 gives none, DNS discovery does.

use crate::config::Config;
use crate::events::emit;
use crate::netwait::if_index;
use anyhow::{anyhow, bail, Context, Result};
use mip6lab_contract::env::{self, EnvVar};
use mip6lab_engines::dhcpv6::client::{
    Client, ClientConfig, ClientEvent, DiscardReason, HaCandidate as DhcpCandidate,
    HomeNetworkRequest,
};
use mip6lab_engines::discovery::HaCandidate;
use mip6lab_engines::io::{Datagram, SansIo};
use mip6lab_wire::dhcpv6::{code, Duid, Fqdn};
use serde_json::json;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::UdpSocket;
use tokio::process::{Child, Command};

/// How long the supplicant has for EAP-Success.
const ACCESS_TIMEOUT: Duration = Duration::from_secs(20);

#[derive(Debug, Clone)]
pub struct IntegratedSettings {
    /// (identity, password) for network access; `None`: the link needs none.
    pub access: Option<(String, String)>,
    /// The MSP case's home networks (one HNIDF each, in order); empty: the ASP case (VDINF).
    pub home_networks: Vec<Fqdn>,
    /// RFC 6610 §4.1.1: no preference as to the home network (UDINF).
    pub no_preference: bool,
    pub dhcp_wait: Duration,
    pub iface: String,
}

impl IntegratedSettings {
    /// `None` unless `MIP6LAB_BOOTSTRAP=integrated` (`dualstack`: the dual-stack MN, whose
    /// Mobile IPv6 half bootstraps from its Mobile IPv4 registration instead).
    pub fn from_vars(get: &dyn Fn(EnvVar) -> Option<String>) -> Result<Option<Self>> {
        match get(env::BOOTSTRAP).as_deref() {
            None | Some("split" | "dualstack") => return Ok(None),
            Some("integrated") => {}
            Some(o) => bail!("{} `{o}` is not split or integrated", env::BOOTSTRAP),
        }
        let access = match (get(env::ACCESS_USER), get(env::ACCESS_PASSWORD)) {
            (Some(u), Some(p)) => Some((u, p)),
            (None, None) => None,
            _ => bail!(
                "set both {} and {} (or neither: no access authentication)",
                env::ACCESS_USER,
                env::ACCESS_PASSWORD
            ),
        };
        let home_networks = get(env::HOME_NETWORK_ID)
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|h| !h.is_empty())
            .map(|h| {
                Fqdn::from_dotted(h)
                    .map_err(|e| anyhow!("{} `{h}` is not an FQDN: {e}", env::HOME_NETWORK_ID))
            })
            .collect::<Result<Vec<_>>>()?;
        let dhcp_wait = match get(env::DHCP_WAIT_SECS) {
            None => Duration::from_secs(10),
            Some(s) => Duration::from_secs(
                s.parse::<u64>()
                    .ok()
                    .filter(|n| (1..=600).contains(n))
                    .ok_or_else(|| anyhow!("{}: `{s}` is not 1..=600", env::DHCP_WAIT_SECS))?,
            ),
        };
        let no_preference = match get(env::NO_HA_PREFERENCE).as_deref() {
            None | Some("no" | "false" | "0") => false,
            Some("yes" | "true" | "1") => true,
            Some(o) => bail!("{}: `{o}` is not yes/no", env::NO_HA_PREFERENCE),
        };
        Ok(Some(IntegratedSettings {
            access,
            home_networks,
            no_preference,
            dhcp_wait,
            iface: "eth0".into(),
        }))
    }
}

/// What the front end leaves running: the supplicant keeps the port authorized (it answers
/// re-authentication) for as long as the MN lives.
pub struct Access {
    _supplicant: Option<Child>,
}

/// Network access, then home network information: the HAs to try, in order (empty: DHCPv6
/// gave none, and the caller falls back to DNS).
pub async fn bootstrap(cfg: &Config, s: &IntegratedSettings) -> Result<(Access, Vec<HaCandidate>)> {
    let supplicant = match &s.access {
        Some((user, password)) => Some(authenticate(&s.iface, user, password).await?),
        None => None,
    };
    let candidates = home_network_information(cfg, s).await?;
    Ok((
        Access {
            _supplicant: supplicant,
        },
        candidates,
    ))
}

/// Starts wpa_supplicant on the access link and waits for its EAP outcome.
pub(crate) async fn authenticate(iface: &str, user: &str, password: &str) -> Result<Child> {
    let conf = std::env::temp_dir().join("mip6lab-wpa_supplicant.conf");
    // ap_scan=0: a wired port, nothing to scan; eapol_flags=0: no dynamic WEP keys.
    std::fs::write(
        &conf,
        format!(
            "ap_scan=0\nnetwork={{\n  key_mgmt=IEEE8021X\n  eap=MD5\n  identity=\"{}\"\n  \
             password=\"{}\"\n  eapol_flags=0\n}}\n",
            quote(user),
            quote(password)
        ),
    )
    .context("writing the supplicant's configuration")?;
    let mut child = Command::new("wpa_supplicant")
        .args(["-D", "wired", "-i", iface, "-c"])
        .arg(&conf)
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .context("starting wpa_supplicant (the image needs the wpasupplicant package)")?;
    let stdout = child.stdout.take().context("supplicant output")?;
    let mut lines = BufReader::new(stdout).lines();
    let outcome = tokio::time::timeout(ACCESS_TIMEOUT, async {
        while let Some(line) = lines.next_line().await? {
            eprintln!("wpa_supplicant: {line}");
            if line.contains("CTRL-EVENT-EAP-SUCCESS") {
                return Ok(true);
            }
            if line.contains("CTRL-EVENT-EAP-FAILURE") {
                return Ok(false);
            }
        }
        Err(anyhow!("wpa_supplicant exited"))
    })
    .await;
    match outcome {
        Ok(Ok(true)) => {
            emit(
                "access_authorized",
                json!({ "identity": user, "method": "EAP-MD5" }),
            );
            // The rest of its output still goes to the log, so the pipe never fills.
            tokio::spawn(async move {
                while let Ok(Some(line)) = lines.next_line().await {
                    eprintln!("wpa_supplicant: {line}");
                }
            });
            Ok(child)
        }
        Ok(Ok(false)) => {
            emit("access_refused", json!({ "identity": user }));
            bail!("network access refused (EAP-Failure): nothing to bootstrap over")
        }
        Ok(Err(e)) => Err(e),
        Err(_) => {
            emit(
                "access_timed_out",
                json!({ "secs": ACCESS_TIMEOUT.as_secs() }),
            );
            bail!("no EAP outcome within {ACCESS_TIMEOUT:?}")
        }
    }
}

/// A value for wpa_supplicant's quoted strings (no quote or newline can end it early).
fn quote(s: &str) -> String {
    s.chars().filter(|c| *c != '"' && *c != '\n').collect()
}

/// RFC 6611 §4.2.1/§4.2.2 (2)–(5): one Information-request exchange, bounded by
/// `dhcp_wait` (the engine's MRD).
async fn home_network_information(
    cfg: &Config,
    s: &IntegratedSettings,
) -> Result<Vec<HaCandidate>> {
    let mac = std::fs::read_to_string(format!("/sys/class/net/{}/address", s.iface))
        .with_context(|| format!("the MAC of {}", s.iface))?;
    let mac: Vec<u8> = mac
        .trim()
        .split(':')
        .map(|h| u8::from_str_radix(h, 16))
        .collect::<Result<_, _>>()
        .context("parsing the MAC")?;
    let scope = if_index(&s.iface)?;
    let request = if s.no_preference && !cfg.knobs.mn_dhcp_no_preference_as_visited {
        HomeNetworkRequest::Unrestricted
    } else if s.no_preference || s.home_networks.is_empty() {
        HomeNetworkRequest::Visited
    } else {
        HomeNetworkRequest::Identified {
            home_networks: s.home_networks.clone(),
        }
    };
    let mut ccfg = ClientConfig::new(
        // DUID-LL (RFC 8415 §11.4): stable for the link, no clock.
        Duid::Ll {
            hardware_type: 1,
            link_layer_address: mac,
        },
        request,
        scope,
    );
    ccfg.max_duration_ms = Some(s.dhcp_wait.as_millis() as u64);
    ccfg.omit_client_id = cfg.knobs.mn_dhcp_omit_client_id;
    ccfg.omit_hnidf = cfg.knobs.mn_dhcp_omit_hnidf;
    ccfg.hnidf_as_text = cfg.knobs.mn_dhcp_hnidf_as_text;
    ccfg.ignore_haf = cfg.knobs.mn_dhcp_ignore_haf;
    ccfg.keep_unmatched_idinf = cfg.knobs.mn_dhcp_keep_unmatched_idinf;
    ccfg.single_container_kind = cfg.knobs.mn_dhcp_single_container_kind;
    ccfg.use_stray_haa = cfg.knobs.mn_dhcp_use_stray_haa;
    // The reference MN runs IKEv2 over IPv6 only: IPv4-embedded HAAs are not for it.
    ccfg.ipv4_transport = cfg.knobs.mn_dhcp_ipv4_embedded_over_ipv6;
    if cfg.knobs.mn_dhcp_oro_containers_only {
        let containers = [code::MIP6_VDINF, code::MIP6_IDINF, code::MIP6_UDINF];
        ccfg.oro_override = Some(
            ccfg.oro()
                .into_iter()
                .filter(|c| containers.contains(c))
                .collect(),
        );
    }
    let mut client = Client::new(ccfg, Box::new(|b: &mut [u8]| rand::fill(b)));
    let sock = UdpSocket::bind("[::]:546")
        .await
        .context("DHCPv6 client socket (port 546)")?;
    let started = Instant::now();
    let now = || started.elapsed().as_millis() as u64;
    client.start(now());
    let mut buf = [0u8; 4096];
    // The engine gives up at MRD; this bound only guards against a stuck timer.
    let deadline = started + s.dhcp_wait + Duration::from_secs(2);
    loop {
        while let Some(t) = client.poll_transmit() {
            let _ = sock.send_to(&t.payload, t.dst).await;
        }
        while let Some(e) = client.poll_event() {
            match e {
                ClientEvent::Configured(outcome) => {
                    let incomplete = outcome
                        .discarded
                        .iter()
                        .any(|d| d.reason == DiscardReason::Incomplete);
                    if outcome.chosen.is_none() && incomplete && cfg.knobs.mn_dhcp_keep_incomplete {
                        emit(
                            "dhcp_configured",
                            json!({ "home_agent": null, "incomplete": true }),
                        );
                        bail!("the home network information names no home agent");
                    }
                    let Some(chosen) = outcome.chosen.clone() else {
                        emit(
                            "dhcp_fallback",
                            json!({ "reason": "the Reply held no usable home agent",
                                    "discarded": format!("{:?}", outcome.discarded) }),
                        );
                        return Ok(Vec::new());
                    };
                    emit(
                        "dhcp_configured",
                        json!({ "kind": format!("{:?}", chosen.kind),
                                "home_agent": format!("{:?}", chosen.home_agent),
                                "prefix": chosen.prefix.map(|(l, p)| format!("{p}/{l}")),
                                "discarded": format!("{:?}", outcome.discarded) }),
                    );
                    return candidate(cfg, &chosen.home_agent);
                }
                ClientEvent::GaveUp { attempts } => {
                    emit(
                        "dhcp_fallback",
                        json!({ "reason": "no Reply", "attempts": attempts }),
                    );
                    return Ok(Vec::new());
                }
                other => eprintln!("mn: dhcpv6 {other:?}"),
            }
        }
        if Instant::now() >= deadline {
            emit("dhcp_fallback", json!({ "reason": "no Reply in time" }));
            return Ok(Vec::new());
        }
        let due = client
            .next_timeout()
            .map_or(500, |d| d.saturating_sub(now()));
        tokio::select! {
            r = sock.recv_from(&mut buf) => {
                let (n, from) = r.context("DHCPv6 receive")?;
                client.handle_input(now(), Datagram::new(from, &buf[..n]));
            }
            _ = tokio::time::sleep(Duration::from_millis(due)) => client.handle_timeout(now()),
        }
    }
}

/// The HA as the bootstrap takes it; an FQDN is looked up like `MIP6LAB_HA_NAME` (§5.1.1).
fn candidate(cfg: &Config, ha: &DhcpCandidate) -> Result<Vec<HaCandidate>> {
    match ha {
        DhcpCandidate::Address(a) => Ok(vec![HaCandidate {
            name: a.to_string(),
            address: *a,
        }]),
        DhcpCandidate::Fqdn(f) => crate::mn::discover_by_name(cfg, &f.to_string()),
    }
}
