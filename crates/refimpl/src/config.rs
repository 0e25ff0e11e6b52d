//! The IUT contract as environment variables, plus mutation knobs.
//!
//! | variable | meaning |
//! |---|---|
//! | `MIP6LAB_ROLE` | `mn` (the HA role comes with the IKEv2 engine) |
//! | `MIP6LAB_DNS` | IPv6 address of the DNS server |
//! | `MIP6LAB_DOMAIN` | MSP domain for SRV discovery (RFC 5026 §5.1.2) |
//! | `MIP6LAB_HA_NAME` | HA FQDN for lookup by name (§5.1.1); when set, SRV is not used |
//! | `MIP6LAB_WAIT_ADDRS` | comma-separated IPv6 addresses to wait for before sending |
//! | `MIP6LAB_KNOBS` | comma-separated `knob=value` mutations (see [`Knobs`]) |

use anyhow::{anyhow, bail, Context, Result};
use std::net::Ipv6Addr;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Mn,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Discovery {
    /// §5.1.2: SRV on `_mip6._ipv6.<domain>`.
    Srv { domain: String },
    /// §5.1.1: AAAA on the HA's FQDN.
    Name { ha_name: String },
}

/// Mutation knobs: each one makes the reference break exactly one requirement, so that the
/// suite can prove its tests discriminate. Defaults are the conforming behaviour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Knobs {
    /// `mn.srv_service`: service label of the SRV QNAME (conforming: `_mip6`).
    pub srv_service: String,
    /// `mn.srv_proto`: protocol label of the SRV QNAME (conforming: `_ipv6`).
    pub srv_proto: String,
    /// `mn.name_qtype`: QTYPE used for lookup by name (conforming: `AAAA`).
    pub name_qtype: String,
}

impl Default for Knobs {
    fn default() -> Self {
        Knobs {
            srv_service: mip6lab_engines::discovery::MIP6_SRV_SERVICE.into(),
            srv_proto: mip6lab_engines::discovery::MIP6_SRV_PROTO.into(),
            name_qtype: "AAAA".into(),
        }
    }
}

impl Knobs {
    /// Every knob this binary understands, with the requirement it breaks.
    pub const CATALOG: &'static [(&'static str, &'static str)] = &[
        (
            "mn.srv_service",
            "RFC5026-5.1.2-MN-MUST-3: SRV QNAME service label",
        ),
        (
            "mn.srv_proto",
            "RFC5026-5.1.2-MN-MUST-3: SRV QNAME protocol label",
        ),
        (
            "mn.name_qtype",
            "RFC5026-5.1.1-MN-MUST-2: QTYPE of the lookup by HA name",
        ),
    ];

    /// For each knob, a setting that breaks its requirement: the mutants `mip6lab mutants`
    /// runs. Every knob in [`Self::CATALOG`] has one (checked by a test).
    pub const MUTANTS: &'static [&'static str] = &[
        "mn.srv_service=_mip4",
        "mn.srv_proto=_udp",
        "mn.name_qtype=A",
    ];

    pub fn parse(spec: &str) -> Result<Knobs> {
        let mut k = Knobs::default();
        for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (name, value) = item
                .split_once('=')
                .ok_or_else(|| anyhow!("knob `{item}` is not of the form name=value"))?;
            match name.trim() {
                "mn.srv_service" => k.srv_service = value.trim().into(),
                "mn.srv_proto" => k.srv_proto = value.trim().into(),
                "mn.name_qtype" => k.name_qtype = value.trim().to_ascii_uppercase(),
                other => {
                    let known: Vec<_> = Self::CATALOG.iter().map(|(n, _)| *n).collect();
                    bail!("unknown knob `{other}`; known knobs: {}", known.join(", "))
                }
            }
        }
        Ok(k)
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub role: Role,
    pub dns: Ipv6Addr,
    pub discovery: Discovery,
    pub wait_addrs: Vec<Ipv6Addr>,
    pub net_timeout: Duration,
    pub knobs: Knobs,
}

impl Config {
    pub fn from_env(vars: impl Iterator<Item = (String, String)>) -> Result<Config> {
        let vars: std::collections::HashMap<String, String> = vars.collect();
        let get = |k: &str| {
            vars.get(k)
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
        };
        let role = match get("MIP6LAB_ROLE").as_deref() {
            Some("mn") => Role::Mn,
            Some(other) => bail!("MIP6LAB_ROLE `{other}` is not supported (supported: mn)"),
            None => bail!("MIP6LAB_ROLE is not set"),
        };
        let dns = get("MIP6LAB_DNS")
            .ok_or_else(|| anyhow!("MIP6LAB_DNS is not set"))?
            .parse()
            .context("MIP6LAB_DNS is not an IPv6 address")?;
        let discovery = match (get("MIP6LAB_HA_NAME"), get("MIP6LAB_DOMAIN")) {
            (Some(ha_name), _) => Discovery::Name { ha_name },
            (None, Some(domain)) => Discovery::Srv { domain },
            (None, None) => bail!("set MIP6LAB_DOMAIN (SRV discovery) or MIP6LAB_HA_NAME"),
        };
        let wait_addrs = get("MIP6LAB_WAIT_ADDRS")
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse()
                    .with_context(|| format!("MIP6LAB_WAIT_ADDRS: bad address `{s}`"))
            })
            .collect::<Result<_>>()?;
        let knobs = Knobs::parse(&get("MIP6LAB_KNOBS").unwrap_or_default())?;
        Ok(Config {
            role,
            dns,
            discovery,
            wait_addrs,
            net_timeout: Duration::from_secs(20),
            knobs,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_knob_has_one_valid_mutant() {
        for (name, _) in Knobs::CATALOG {
            let n = Knobs::MUTANTS
                .iter()
                .filter(|m| m.split_once('=').map(|(k, _)| k) == Some(*name))
                .count();
            assert_eq!(n, 1, "knob {name} has {n} mutants");
        }
        for m in Knobs::MUTANTS {
            let k = Knobs::parse(m).unwrap();
            assert_ne!(k, Knobs::default(), "{m} changes nothing");
        }
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
        assert_eq!(
            c.discovery,
            Discovery::Srv {
                domain: "example.com".into()
            }
        );
        assert_eq!(c.knobs, Knobs::default());
    }

    #[test]
    fn unknown_knobs_and_missing_settings_are_clear_errors() {
        let e = Knobs::parse("mn.bogus=1").unwrap_err().to_string();
        assert!(
            e.contains("unknown knob `mn.bogus`") && e.contains("mn.srv_proto"),
            "{e}"
        );
        let e = Config::from_env(env(&[("MIP6LAB_ROLE", "mn")]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("MIP6LAB_DNS"), "{e}");
    }
}
