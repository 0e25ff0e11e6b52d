//! The reference's settings, read from the IUT contract's environment variables
//! (`mip6lab_contract::env`: each one with who reads it and what it means), plus its
//! mutation knobs (`mip6lab_contract::knobs`). The full contract, with what a vendor image
//! must do, is `containers/iut/README.md`.

use anyhow::{anyhow, bail, Context, Result};
use mip6lab_contract::IutRole;
use std::collections::HashMap;
use std::net::{Ipv6Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeRole {
    Mn,
    Ha,
    /// RFC 6611's NAS with its DHCPv6 relay.
    Nas,
    /// RFC 6611's home AAA server (AAAH): RADIUS, EAP-MD5, the HA assignment.
    Aaa,
    /// Harness peer: defends the addresses of a prefix against DAD probes.
    NdDefender,
    /// Harness peer: a DHCPv6 server answering with a chosen, often rule-breaking, shape.
    DhcpStimulus,
    /// RFC 6611's DHCPv6 server (the integrated scenario's server under test).
    DhcpServer,
    /// Harness peer: relay agent(s) sending fixed Relay-forwards to a DHCPv6 server under test.
    DhcpRelayStimulus,
    /// The dual-stack scenario's foreign home agent (reference, #16).
    Fha,
    /// The dual-stack scenario's foreign agent (reference, #16).
    Fa,
    /// The MN with `MIP6LAB_BOOTSTRAP=dualstack` (reference, #16).
    DualStackMn,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Discovery {
    /// §5.1.2: SRV on `_mip6._ipv6.<domain>`.
    Srv { domain: String },
    /// §5.1.1: AAAA on the HA's FQDN.
    Name { ha_name: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMode {
    Psk,
    Cert,
    Eap,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HoaMode {
    /// §5.3.1: INTERNAL_IP6_ADDRESS in CFG_REQUEST.
    Assigned,
    /// §5.3.2: MIP6_HOME_PREFIX, auto-configure, CREATE_CHILD_SA.
    Autoconf,
}

/// Mutation knobs and stimuli: declared once, with the requirements they break, in the
/// contract's knob table (`mip6lab_contract::knobs`).
pub use mip6lab_contract::knobs::Knobs;

/// Credentials for IKE_AUTH.
#[derive(Debug, Clone)]
pub struct Auth {
    pub mode: AuthMode,
    pub psk: Vec<u8>,
    pub cert: PathBuf,
    pub key: PathBuf,
    pub ca: PathBuf,
}

#[derive(Debug, Clone)]
pub struct MnSettings {
    pub discovery: Discovery,
    pub hoa_mode: HoaMode,
    pub dns_update: bool,
    pub hold: Duration,
    pub retry: Duration,
    pub ike_timeout: Duration,
    pub eap_user: String,
    pub eap_password: String,
    /// A pre-configured home prefix (§5.3.2): the MN proposes a HoA from it.
    pub home_prefix: Option<(Ipv6Addr, u8)>,
    /// INTERNAL_IP6_ADDRESS attributes in the CFG_REQUEST (RFC 4877 §9: an MN may ask for
    /// several home addresses).
    pub hoa_count: u8,
    /// After registering an assigned HoA, switch to one auto-configured from the prefix of a
    /// Mobile Prefix Advertisement (RFC 5026 §5.3.2 MAY).
    pub switch_to_autoconf: bool,
    /// RFC 6611: network access and DHCPv6 before the bootstrap (`MIP6LAB_BOOTSTRAP`).
    pub integrated: Option<crate::integrated::IntegratedSettings>,
    /// A home address to propose in the CFG_REQUEST (the dual-stack MN's, from its
    /// Registration Reply).
    pub preferred_hoa: Option<Ipv6Addr>,
    /// RFC 5555: the IPv4 Home Address option's address (0.0.0.0: any).
    pub ipv4_hoa_request: Option<std::net::Ipv4Addr>,
    /// RFC 5555 §4.1: the HA's IPv4 address; the dual-stack MN moves its binding to its IPv4
    /// CoA, BUs in UDP 4191 there (`MIP6LAB_MN_IPV4_COA_HA`).
    pub ipv4_coa_ha: Option<std::net::Ipv4Addr>,
    /// The dual-stack MN's co-located IPv4 CoA, once it has one (set at run time).
    pub ipv4_coa: Option<std::net::Ipv4Addr>,
}

#[derive(Debug, Clone)]
pub struct HaSettings {
    pub home_prefix: (Ipv6Addr, u8),
    pub autoconf: bool,
    pub mn_ids: Vec<String>,
    /// (identity, address): RFC 5026 §9.2 configured home addresses.
    pub configured: Vec<(String, Ipv6Addr)>,
    /// Addresses assigned to MNs that ask for any (`MIP6LAB_HOA_POOL_SIZE`).
    pub pool_size: u32,
    /// (key name, base64 secret).
    pub tsig: (String, String),
    pub zone: String,
    pub reverse_zone: String,
    pub radius: Option<(SocketAddr, String)>,
    /// Who updates the forward (AAAA) entry (RFC 5026 §6).
    pub dns_forward: DnsForward,
    /// How long proxy DAD waits for a defense (RFC 4861 RetransTimer by default).
    pub dad_wait: Duration,
    /// RFC 5555: the IPv4 home addresses to assign (`MIP6LAB_HA_IPV4_HOA_POOL`); `None`: no
    /// RFC 5555 support.
    pub ipv4_hoa_pool: Option<mip6lab_engines::mip4::fha::FhaIpv4Pool>,
    /// RFC 5555 §4.1: the IPv4 address where BUs come in UDP 4191
    /// (`MIP6LAB_HA_IPV4_ADDRESS`); `None`: no UDP encapsulation.
    pub ipv4_address: Option<std::net::Ipv4Addr>,
}

/// RFC 5026 §6: the HA updates the MN's forward entry itself, or, when the FQDN lies in the
/// MSA's domain, hands the FQDN-HoA pair to its AAA server, whose MSA side updates DNS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DnsForward {
    SelfUpdate,
    /// RADIUS accounting to this address (the AAA server's accounting port).
    Aaa(SocketAddr),
}

#[derive(Debug, Clone)]
pub struct DefenderSettings {
    pub prefix: (Ipv6Addr, u8),
    pub lifetime: Duration,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub role: NodeRole,
    pub addr: Option<Ipv6Addr>,
    pub dns: Ipv6Addr,
    pub id: String,
    pub auth: Auth,
    pub keylog_dir: PathBuf,
    pub mn: Option<MnSettings>,
    pub ha: Option<HaSettings>,
    pub defender: Option<DefenderSettings>,
    pub dhcp_stimulus: Option<crate::dhcp_stimulus::DhcpStimulusSettings>,
    pub dhcp_server: Option<crate::dhcp_server::DhcpServerSettings>,
    pub relay_stimulus: Option<crate::relay_stimulus::RelayStimulusSettings>,
    pub nas: Option<crate::nas::NasSettings>,
    pub aaa: Option<crate::aaa_server::AaaSettings>,
    pub fha: Option<crate::fha::FhaSettings>,
    pub fa: Option<crate::fa::FaSettings>,
    pub dsmn: Option<crate::dualstack::DsMnSettings>,
    pub wait_addrs: Vec<Ipv6Addr>,
    pub net_timeout: Duration,
    pub knobs: Knobs,
}

/// The lab-only PSK of the fixtures (fixtures/strongswan, crates/engines tests).
pub const LAB_PSK: &str = "mip6lab-mn1-psk-lab-only";

pub(crate) fn parse_prefix(s: &str) -> Result<(Ipv6Addr, u8)> {
    let (a, l) = s
        .split_once('/')
        .ok_or_else(|| anyhow!("`{s}` is not address/length"))?;
    let len: u8 = l
        .parse()
        .map_err(|_| anyhow!("bad prefix length in `{s}`"))?;
    if len > 128 {
        bail!("prefix length {len} > 128 in `{s}`");
    }
    Ok((a.parse().map_err(|_| anyhow!("bad address in `{s}`"))?, len))
}

impl Config {
    pub fn from_env(vars: impl Iterator<Item = (String, String)>) -> Result<Config> {
        // Every name comes from the contract; `{ROLE}` in a message prints the variable's name.
        use mip6lab_contract::env::*;
        let vars: HashMap<String, String> = vars.collect();
        let get = |k: EnvVar| {
            vars.get(k.name)
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
        };
        let yes = |k: EnvVar, default: bool| -> Result<bool> {
            match get(k).as_deref() {
                None => Ok(default),
                Some("yes" | "true" | "1") => Ok(true),
                Some("no" | "false" | "0") => Ok(false),
                Some(o) => bail!("{k}: `{o}` is not yes/no"),
            }
        };
        let role = match get(ROLE).as_deref() {
            Some(ROLE_ND_DEFENDER) => NodeRole::NdDefender,
            Some(ROLE_DHCPV6_STIMULUS) => NodeRole::DhcpStimulus,
            Some(ROLE_DHCPV6_RELAY_STIMULUS) => NodeRole::DhcpRelayStimulus,
            Some(ROLE_FHA) => NodeRole::Fha,
            Some(ROLE_FA) => NodeRole::Fa,
            Some(token)
                if token.parse() == Ok(IutRole::Mn)
                    && get(BOOTSTRAP).as_deref() == Some("dualstack") =>
            {
                NodeRole::DualStackMn
            }
            Some(token) if token.parse() == Ok(IutRole::Mn) => NodeRole::Mn,
            Some(token) if token.parse() == Ok(IutRole::Ha) => NodeRole::Ha,
            Some(token) if token.parse() == Ok(IutRole::NasRelay) => NodeRole::Nas,
            Some(token) if token.parse() == Ok(IutRole::DhcpServer) => NodeRole::DhcpServer,
            Some(token) if token.parse() == Ok(IutRole::Aaa) => NodeRole::Aaa,
            Some(other) => bail!(
                "{ROLE} `{other}` is not supported (supported: {}; harness: {ROLE_ND_DEFENDER}, {ROLE_DHCPV6_STIMULUS}, {ROLE_DHCPV6_RELAY_STIMULUS})",
                IutRole::ALL.map(IutRole::token).join(", ")
            ),
            None => bail!("{ROLE} is not set"),
        };
        let dns = match get(DNS) {
            Some(d) => d
                .parse()
                .with_context(|| format!("{DNS} is not an IPv6 address"))?,
            // The defender, the DHCPv6 stimulus and server, the NAS and the AAA server ask no
            // DNS server.
            None if matches!(
                role,
                NodeRole::NdDefender
                    | NodeRole::DhcpStimulus
                    | NodeRole::DhcpServer
                    | NodeRole::DhcpRelayStimulus
                    | NodeRole::Nas
                    | NodeRole::Aaa
                    | NodeRole::Fha
                    | NodeRole::Fa
                    | NodeRole::DualStackMn
            ) =>
            {
                Ipv6Addr::UNSPECIFIED
            }
            None => bail!("{DNS} is not set"),
        };
        let addr = get(ADDR)
            .map(|s| {
                s.parse()
                    .with_context(|| format!("{ADDR} is not an IPv6 address"))
            })
            .transpose()?;
        let mode = match get(AUTH).as_deref().unwrap_or("psk") {
            "psk" => AuthMode::Psk,
            "cert" => AuthMode::Cert,
            "eap" => AuthMode::Eap,
            o => bail!("{AUTH} `{o}` is not psk, cert or eap"),
        };
        let pki = |k: EnvVar, d: &str| PathBuf::from(get(k).unwrap_or_else(|| d.into()));
        let auth = Auth {
            mode,
            psk: get(PSK).unwrap_or_else(|| LAB_PSK.into()).into_bytes(),
            cert: pki(CERT, "/etc/mip6lab/pki/cert.pem"),
            key: pki(KEY, "/etc/mip6lab/pki/key.pem"),
            ca: pki(CA, "/etc/mip6lab/pki/ca.pem"),
        };
        let id = get(ID).unwrap_or_else(|| match role {
            NodeRole::Mn => "mn1.example.com".into(),
            NodeRole::Ha => "ha1.example.com".into(),
            NodeRole::Nas => "nas.example.net".into(),
            NodeRole::NdDefender
            | NodeRole::DhcpStimulus
            | NodeRole::DhcpServer
            | NodeRole::DhcpRelayStimulus
            | NodeRole::Fha
            | NodeRole::Fa
            | NodeRole::DualStackMn
            | NodeRole::Aaa => String::new(),
        });
        // The MN's Mobile IPv6 settings: the MN's, and the dual-stack MN's for its BU/BA
        // after the Mobile IPv4 registration (when it is given the HA's IKE identity).
        let parse_mn = || -> Result<MnSettings> {
            let integrated = crate::integrated::IntegratedSettings::from_vars(&get)?;
            let discovery = match (get(HA_NAME), get(DOMAIN)) {
                (Some(ha_name), _) => Discovery::Name { ha_name },
                (None, Some(domain)) => Discovery::Srv { domain },
                (None, None) => bail!("set {DOMAIN} (SRV discovery) or {HA_NAME}"),
            };
            let hoa_mode = match get(HOA_MODE).as_deref().unwrap_or("assigned") {
                "assigned" => HoaMode::Assigned,
                "autoconf" => HoaMode::Autoconf,
                o => bail!("{HOA_MODE} `{o}` is not assigned or autoconf"),
            };
            let secs = |k: EnvVar, d: u64| -> Result<Duration> {
                get(k)
                    .map(|s| s.parse::<u64>().with_context(|| format!("{k}: `{s}`")))
                    .transpose()
                    .map(|v| Duration::from_secs(v.unwrap_or(d)))
            };
            Ok(MnSettings {
                discovery,
                hoa_mode,
                dns_update: yes(DNS_UPDATE, true)?,
                hold: secs(HOLD_SECS, 1)?,
                retry: secs(RETRY_SECS, 2)?,
                ike_timeout: secs(IKE_TIMEOUT_SECS, 5)?,
                // The FQDN as EAP identity too: the AAA server then authorizes the name
                // the MN will ask the HA to put in DNS (RFC 5026 §9.5).
                eap_user: get(EAP_USER).unwrap_or_else(|| id.clone()),
                eap_password: get(EAP_PASSWORD).unwrap_or_else(|| "mn1-secret".into()),
                home_prefix: get(MN_HOME_PREFIX)
                    .map(|p| parse_prefix(&p).context(MN_HOME_PREFIX))
                    .transpose()?,
                switch_to_autoconf: yes(SWITCH_TO_AUTOCONF, false)?,
                integrated,
                hoa_count: match get(HOA_COUNT) {
                    None => 1,
                    Some(v) => v
                        .parse::<u8>()
                        .ok()
                        .filter(|n| (1..=8).contains(n))
                        .ok_or_else(|| anyhow!("{HOA_COUNT}: `{v}` is not a number 1..=8"))?,
                },
                preferred_hoa: None,
                ipv4_hoa_request: ipv4_var(&get, MN_IPV4_HOA_REQUEST)?,
                ipv4_coa_ha: ipv4_var(&get, MN_IPV4_COA_HA)?,
                ipv4_coa: None,
            })
        };
        let mut mn = None;
        let mut ha = None;
        let mut defender = None;
        let mut dhcp_stimulus = None;
        let mut dhcp_server = None;
        let mut relay_stimulus = None;
        let mut nas = None;
        let mut aaa = None;
        let mut fha = None;
        let mut fa = None;
        let mut dsmn = None;
        match role {
            NodeRole::Fha => fha = Some(crate::fha::FhaSettings::from_vars(&get)?),
            NodeRole::Fa => fa = Some(crate::fa::FaSettings::from_vars(&get)?),
            NodeRole::DualStackMn => {
                dsmn = Some(crate::dualstack::DsMnSettings::from_vars(&get)?);
                if get(HA_NAME).is_some() {
                    mn = Some(parse_mn()?);
                }
            }
            NodeRole::DhcpStimulus => {
                dhcp_stimulus = Some(crate::dhcp_stimulus::DhcpStimulusSettings::from_env(&vars)?);
            }
            NodeRole::Nas => nas = Some(crate::nas::NasSettings::from_vars(&get)?),
            NodeRole::DhcpServer => {
                dhcp_server = Some(crate::dhcp_server::DhcpServerSettings::from_vars(&get)?)
            }
            NodeRole::Aaa => aaa = Some(crate::aaa_server::AaaSettings::from_vars(&get)?),
            NodeRole::DhcpRelayStimulus => {
                relay_stimulus = Some(crate::relay_stimulus::RelayStimulusSettings::from_vars(
                    addr, &get,
                )?);
            }
            NodeRole::NdDefender => {
                let prefix = parse_prefix(
                    &get(DEFEND_PREFIX).ok_or_else(|| anyhow!("{DEFEND_PREFIX} is not set"))?,
                )
                .context(DEFEND_PREFIX)?;
                let secs = get(DEFEND_SECS)
                    .map(|s| {
                        s.parse::<u64>()
                            .with_context(|| format!("{DEFEND_SECS}: `{s}`"))
                    })
                    .transpose()?
                    .unwrap_or(300);
                defender = Some(DefenderSettings {
                    prefix,
                    lifetime: Duration::from_secs(secs),
                });
            }
            NodeRole::Mn => mn = Some(parse_mn()?),
            NodeRole::Ha => {
                let home_prefix = parse_prefix(
                    &get(HOME_PREFIX).ok_or_else(|| anyhow!("{HOME_PREFIX} is not set"))?,
                )
                .context(HOME_PREFIX)?;
                let tsig =
                    get(TSIG_KEY).ok_or_else(|| anyhow!("{TSIG_KEY} is not set (name:base64)"))?;
                let (kn, ks) = tsig
                    .split_once(':')
                    .ok_or_else(|| anyhow!("{TSIG_KEY} is not name:base64-secret"))?;
                let radius = match get(RADIUS) {
                    Some(r) => Some((
                        r.parse::<SocketAddr>()
                            .with_context(|| format!("{RADIUS} `{r}` is not [addr]:port"))?,
                        get(RADIUS_SECRET).ok_or_else(|| anyhow!("{RADIUS_SECRET} is not set"))?,
                    )),
                    None if mode == AuthMode::Eap => {
                        bail!("{AUTH}=eap needs {RADIUS}")
                    }
                    None => None,
                };
                let dns_forward = match get(DNS_FORWARD).as_deref().unwrap_or("self") {
                    "self" => DnsForward::SelfUpdate,
                    // The AAA server's accounting port (RFC 2866 §3) on the same host.
                    "aaa" => match &radius {
                        Some((a, _)) => DnsForward::Aaa(SocketAddr::new(
                            a.ip(),
                            mip6lab_wire::radius::ACCT_PORT,
                        )),
                        None => bail!("{DNS_FORWARD}=aaa needs {RADIUS}"),
                    },
                    o => bail!("{DNS_FORWARD} `{o}` is not self or aaa"),
                };
                ha = Some(HaSettings {
                    home_prefix,
                    autoconf: yes(HA_AUTOCONF, true)?,
                    mn_ids: get(MN_IDS)
                        .unwrap_or_else(|| "mn1.example.com".into())
                        .split(',')
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty())
                        .collect(),
                    configured: get(CONFIGURED_HOAS)
                        .unwrap_or_default()
                        .split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(|item| {
                            let (id, a) = item.split_once('=').ok_or_else(|| {
                                anyhow!("{CONFIGURED_HOAS}: `{item}` is not identity=address")
                            })?;
                            Ok((
                                id.trim().to_string(),
                                a.trim().parse().map_err(|_| {
                                    anyhow!("{CONFIGURED_HOAS}: bad address in `{item}`")
                                })?,
                            ))
                        })
                        .collect::<Result<_>>()?,
                    // The pool lies in the upper half of the prefix's first /112 (ike.rs).
                    pool_size: get(HOA_POOL_SIZE)
                        .map(|s| {
                            s.parse::<u32>()
                                .ok()
                                .filter(|n| (1..=32767).contains(n))
                                .ok_or_else(|| anyhow!("{HOA_POOL_SIZE}: `{s}` is not 1..=32767"))
                        })
                        .transpose()?
                        .unwrap_or(256),
                    tsig: (kn.to_string(), ks.to_string()),
                    zone: get(DOMAIN).unwrap_or_else(|| "example.com".into()),
                    reverse_zone: get(REVERSE_ZONE)
                        .ok_or_else(|| anyhow!("{REVERSE_ZONE} is not set"))?,
                    radius,
                    dns_forward,
                    dad_wait: Duration::from_millis(
                        get(DAD_WAIT_MS)
                            .map(|s| {
                                s.parse::<u64>()
                                    .ok()
                                    .filter(|ms| *ms <= 10_000)
                                    .ok_or_else(|| anyhow!("{DAD_WAIT_MS}: `{s}` is not 0..=10000"))
                            })
                            .transpose()?
                            .unwrap_or(mip6lab_engines::dad::RETRANS_TIMER_MS),
                    ),
                    ipv4_hoa_pool: get(HA_IPV4_HOA_POOL)
                        .map(|p| crate::fha::parse_pool(&p).context(HA_IPV4_HOA_POOL))
                        .transpose()?,
                    ipv4_address: ipv4_var(&get, HA_IPV4_ADDRESS)?,
                });
            }
        }
        let wait_addrs = get(WAIT_ADDRS)
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse()
                    .with_context(|| format!("{WAIT_ADDRS}: bad address `{s}`"))
            })
            .collect::<Result<_>>()?;
        let knobs = Knobs::parse(&get(KNOBS).unwrap_or_default())?;
        Ok(Config {
            role,
            addr,
            dns,
            id,
            auth,
            keylog_dir: PathBuf::from(
                get(KEYLOG_DIR).unwrap_or_else(|| "/var/lib/mip6lab/keys".into()),
            ),
            mn,
            ha,
            defender,
            dhcp_stimulus,
            dhcp_server,
            relay_stimulus,
            nas,
            aaa,
            fha,
            fa,
            dsmn,
            wait_addrs,
            net_timeout: Duration::from_secs(20),
            knobs,
        })
    }

    /// This node's address: `{ADDR}`, else the first awaited address.
    pub fn own_addr(&self) -> Result<Ipv6Addr> {
        self.addr
            .or_else(|| self.wait_addrs.first().copied())
            .ok_or_else(|| anyhow!("{} is not set", mip6lab_contract::env::ADDR))
    }
}

/// An optional IPv4 address setting.
fn ipv4_var(
    get: &dyn Fn(mip6lab_contract::env::EnvVar) -> Option<String>,
    var: mip6lab_contract::env::EnvVar,
) -> Result<Option<std::net::Ipv4Addr>> {
    get(var)
        .map(|a| {
            a.parse()
                .map_err(|_| anyhow!("{var}: `{a}` is not an IPv4 address"))
        })
        .transpose()
}

/// A mutant knob's name and the engine configuration field it sets.
#[cfg(test)]
pub(crate) type KnobField<C> = (&'static str, fn(&C) -> bool);

/// Checks a builder of an engine's configuration against the knob table: the mutants whose
/// names start with `prefix` are exactly `fields`' knobs, the conforming knobs set none of the
/// fields, and each mutant sets its own field and no other.
#[cfg(test)]
pub(crate) fn assert_mutants_reach<C>(
    prefix: &str,
    fields: &[KnobField<C>],
    build: impl Fn(&Knobs) -> C,
) {
    let mutants: Vec<&str> = mip6lab_contract::knobs::KNOBS
        .iter()
        .filter(|k| k.name.starts_with(prefix) && !k.is_stimulus())
        .map(|k| k.name)
        .collect();
    let named: Vec<&str> = fields.iter().map(|(n, _)| *n).collect();
    assert_eq!(
        mutants, named,
        "the {prefix}* mutants and the fields checked"
    );
    let set = |c: &C| -> Vec<&str> {
        fields
            .iter()
            .filter(|(_, f)| f(c))
            .map(|(n, _)| *n)
            .collect()
    };
    let conforming = build(&Knobs::default());
    assert!(
        set(&conforming).is_empty(),
        "conforming sets {:?}",
        set(&conforming)
    );
    for knob in mip6lab_contract::knobs::KNOBS
        .iter()
        .filter(|k| named.contains(&k.name))
    {
        let m = knob.mutant().expect("a mutant");
        let k = Knobs::parse(&m).unwrap_or_else(|e| panic!("{m}: {e}"));
        assert_eq!(set(&build(&k)), vec![knob.name], "{m}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_conforming_knob_defaults_are_the_engines_values() {
        // The contract cannot see the engines; this is where the two must agree.
        let k = Knobs::default();
        assert_eq!(k.srv_service, mip6lab_engines::discovery::MIP6_SRV_SERVICE);
        assert_eq!(k.srv_proto, mip6lab_engines::discovery::MIP6_SRV_PROTO);
    }

    fn env(pairs: &[(&str, &str)]) -> impl Iterator<Item = (String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<Vec<_>>()
            .into_iter()
    }

    #[test]
    fn srv_discovery_is_chosen_when_only_a_domain_is_given() {
        let c = Config::from_env(env(&[
            ("MIP6LAB_ROLE", "mn"),
            ("MIP6LAB_DNS", "2001:db8:1::53"),
            ("MIP6LAB_DOMAIN", "example.com"),
        ]))
        .unwrap();
        let mn = c.mn.unwrap();
        assert_eq!(
            mn.discovery,
            Discovery::Srv {
                domain: "example.com".into()
            }
        );
        assert_eq!(mn.hoa_mode, HoaMode::Assigned);
        assert!(mn.dns_update);
        assert_eq!(c.knobs, Knobs::default());
    }

    #[test]
    fn ha_settings_are_checked() {
        let base = [
            ("MIP6LAB_ROLE", "ha"),
            ("MIP6LAB_DNS", "2001:db8:1::53"),
            ("MIP6LAB_HOME_PREFIX", "2001:db8:1:100::/64"),
            ("MIP6LAB_TSIG_KEY", "ha-update.:c2VjcmV0"),
            ("MIP6LAB_REVERSE_ZONE", "1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa"),
        ];
        let c = Config::from_env(env(&base)).unwrap();
        let ha = c.ha.unwrap();
        assert_eq!(ha.home_prefix.1, 64);
        assert_eq!(ha.tsig.0, "ha-update.");
        let mut eap = base.to_vec();
        eap.push(("MIP6LAB_AUTH", "eap"));
        let e = Config::from_env(env(&eap)).unwrap_err().to_string();
        assert!(e.contains("MIP6LAB_RADIUS"), "{e}");
        let mut bad = base.to_vec();
        bad[2] = ("MIP6LAB_HOME_PREFIX", "2001:db8:1:100::");
        let e = format!("{:#}", Config::from_env(env(&bad)).unwrap_err());
        assert!(e.contains("MIP6LAB_HOME_PREFIX"), "{e}");
        assert_eq!(ha.pool_size, 256);
        let mut one = base.to_vec();
        one.push(("MIP6LAB_HOA_POOL_SIZE", "1"));
        assert_eq!(
            Config::from_env(env(&one)).unwrap().ha.unwrap().pool_size,
            1
        );
        one.pop();
        one.push(("MIP6LAB_HOA_POOL_SIZE", "0"));
        let e = Config::from_env(env(&one)).unwrap_err().to_string();
        assert!(e.contains("MIP6LAB_HOA_POOL_SIZE"), "{e}");
        assert_eq!(ha.dns_forward, DnsForward::SelfUpdate);
        let mut aaa = base.to_vec();
        aaa.push(("MIP6LAB_DNS_FORWARD", "aaa"));
        let e = Config::from_env(env(&aaa)).unwrap_err().to_string();
        assert!(e.contains("MIP6LAB_RADIUS"), "{e}");
        aaa.push(("MIP6LAB_RADIUS", "[2001:db8:1::18]:1812"));
        aaa.push(("MIP6LAB_RADIUS_SECRET", "s"));
        assert_eq!(
            Config::from_env(env(&aaa)).unwrap().ha.unwrap().dns_forward,
            DnsForward::Aaa("[2001:db8:1::18]:1813".parse().unwrap())
        );
        aaa[5] = ("MIP6LAB_DNS_FORWARD", "msa");
        let e = Config::from_env(env(&aaa)).unwrap_err().to_string();
        assert!(e.contains("MIP6LAB_DNS_FORWARD"), "{e}");
        // RFC 5555: no pool unless set; `first-last` checked.
        assert_eq!(ha.ipv4_hoa_pool, None);
        let mut v4 = base.to_vec();
        v4.push(("MIP6LAB_HA_IPV4_HOA_POOL", "198.18.200.10-198.18.200.12"));
        let pool = Config::from_env(env(&v4))
            .unwrap()
            .ha
            .unwrap()
            .ipv4_hoa_pool;
        assert_eq!(
            pool.map(|p| p.iter().collect::<Vec<_>>()),
            Some(vec![
                "198.18.200.10".parse().unwrap(),
                "198.18.200.11".parse().unwrap(),
                "198.18.200.12".parse().unwrap()
            ])
        );
        v4.pop();
        v4.push(("MIP6LAB_HA_IPV4_HOA_POOL", "198.18.200.12-198.18.200.10"));
        let e = format!("{:#}", Config::from_env(env(&v4)).unwrap_err());
        assert!(e.contains("MIP6LAB_HA_IPV4_HOA_POOL"), "{e}");
    }

    #[test]
    fn unknown_knobs_and_missing_settings_are_clear_errors() {
        let e = Knobs::parse("mn.bogus=1").unwrap_err().to_string();
        assert!(
            e.contains("unknown knob `mn.bogus`") && e.contains("mn.srv_proto"),
            "{e}"
        );
        let e = Knobs::parse("mn.no_hao=maybe").unwrap_err().to_string();
        assert!(e.contains("true/false"), "{e}");
        let e = Config::from_env(env(&[("MIP6LAB_ROLE", "mn")]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("MIP6LAB_DNS"), "{e}");
    }

    #[test]
    fn proxy_dad_wait_and_the_defender_role() {
        let ha = [
            ("MIP6LAB_ROLE", "ha"),
            ("MIP6LAB_DNS", "2001:db8:1::53"),
            ("MIP6LAB_HOME_PREFIX", "2001:db8:1:100::/64"),
            ("MIP6LAB_TSIG_KEY", "ha-update.:c2VjcmV0"),
            ("MIP6LAB_REVERSE_ZONE", "1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa"),
        ];
        let c = Config::from_env(env(&ha)).unwrap();
        assert_eq!(c.ha.unwrap().dad_wait, Duration::from_millis(1000));
        let mut slow = ha.to_vec();
        slow.push(("MIP6LAB_DAD_WAIT_MS", "60000"));
        let e = Config::from_env(env(&slow)).unwrap_err().to_string();
        assert!(e.contains("MIP6LAB_DAD_WAIT_MS"), "{e}");
        // No DNS needed; the prefix is.
        let d = Config::from_env(env(&[
            ("MIP6LAB_ROLE", "nd-defender"),
            ("MIP6LAB_DEFEND_PREFIX", "2001:db8:1:100::/64"),
        ]))
        .unwrap();
        assert_eq!(d.role, NodeRole::NdDefender);
        assert_eq!(d.defender.unwrap().lifetime, Duration::from_secs(300));
        let e = Config::from_env(env(&[("MIP6LAB_ROLE", "nd-defender")]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("MIP6LAB_DEFEND_PREFIX"), "{e}");
        assert!(
            Knobs::parse("ha.no_proxy_dad=true")
                .unwrap()
                .ha_no_proxy_dad
        );
    }
}
