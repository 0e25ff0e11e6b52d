//! Reference home AAA server (AAAH) of RFC 6611 §4.2.1/§4.2.2 step (1): RADIUS on UDP 1812 of
//! `MIP6LAB_ADDR`, EAP-MD5 (and PAP) against the users of `MIP6LAB_AAA_USERS`, and in the
//! Access-Accept of a subscriber allowed Mobile IPv6 its home agent and home link prefix, in
//! the lab's RADIUS profile (`fixtures/requirements/radius-ha-assignment.md`). The protocol
//! logic is the engine `aaa::server`; this module owns the socket and the settings.

use crate::config::Config;
use crate::events::emit;
use anyhow::{anyhow, bail, Context, Result};
use mip6lab_contract::env::{self, EnvVar};
use mip6lab_engines::aaa::{AaaServer, Mip6Authorization, ServerConfig, ServerEvent, Subscriber};
use mip6lab_engines::io::{Datagram, SansIo};
use mip6lab_wire::radius;
use serde_json::json;
use std::net::{Ipv6Addr, SocketAddr};
use std::time::{Duration, Instant};
use tokio::net::UdpSocket;

/// How long the address may take to appear on the interface before binding fails.
const BIND_WAIT: Duration = Duration::from_secs(20);

#[derive(Debug, Clone)]
pub struct AaaSettings {
    pub addr: Ipv6Addr,
    pub secret: String,
    pub subscribers: Vec<Subscriber>,
}

impl AaaSettings {
    pub fn from_vars(get: &dyn Fn(EnvVar) -> Option<String>) -> Result<AaaSettings> {
        let addr = get(env::ADDR).ok_or_else(|| anyhow!("{} is not set", env::ADDR))?;
        let addr = addr
            .parse()
            .map_err(|_| anyhow!("{} `{addr}` is not an IPv6 address", env::ADDR))?;
        let secret =
            get(env::AAA_SECRET).ok_or_else(|| anyhow!("{} is not set", env::AAA_SECRET))?;
        let users = get(env::AAA_USERS).ok_or_else(|| anyhow!("{} is not set", env::AAA_USERS))?;
        Ok(AaaSettings {
            addr,
            secret,
            subscribers: parse_users(&users)?,
        })
    }
}

/// `MIP6LAB_AAA_USERS`: `nai:password:ha-address:prefix/len` entries separated by `,`;
/// `nai:password::` is a subscriber allowed network access only. The HA address may be
/// bracketed (`[2001:db8:1::a1]:2001:db8:1:100::/64`); unbracketed, it must split from the
/// prefix in exactly one way.
pub fn parse_users(text: &str) -> Result<Vec<Subscriber>> {
    let var = env::AAA_USERS;
    let mut out: Vec<Subscriber> = Vec::new();
    for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let (nai, rest) = entry
            .split_once(':')
            .ok_or_else(|| anyhow!("{var}: `{entry}` is not nai:password:ha-address:prefix/len"))?;
        let (password, rest) = rest.split_once(':').ok_or_else(|| {
            anyhow!("{var}: the entry of `{nai}` has no ha-address:prefix/len (or `::` for none)")
        })?;
        if nai.is_empty() || password.is_empty() {
            bail!("{var}: an entry has an empty NAI or password");
        }
        if out.iter().any(|s| s.nai == nai) {
            bail!("{var}: `{nai}` is listed twice");
        }
        let mip6 = match rest {
            ":" => None,
            _ => {
                Some(authorization(rest).map_err(|e| anyhow!("{var}: the entry of `{nai}`: {e}"))?)
            }
        };
        out.push(Subscriber {
            nai: nai.to_string(),
            password: password.as_bytes().to_vec(),
            mip6,
        });
    }
    if out.is_empty() {
        bail!("{var} lists no subscriber");
    }
    Ok(out)
}

/// `ha-address:prefix/len` (the HA address possibly bracketed).
fn authorization(s: &str) -> Result<Mip6Authorization> {
    let prefix = |p: &str| crate::config::parse_prefix(p).ok();
    if let Some(inner) = s.strip_prefix('[') {
        let (ha, p) = inner
            .split_once("]:")
            .ok_or_else(|| anyhow!("`{s}` is not [ha-address]:prefix/len"))?;
        let home_agent = ha
            .parse()
            .map_err(|_| anyhow!("`{ha}` is not an IPv6 address"))?;
        let home_link_prefix = prefix(p).ok_or_else(|| anyhow!("`{p}` is not prefix/len"))?;
        return Ok(Mip6Authorization {
            home_agent,
            home_link_prefix,
        });
    }
    let splits: Vec<Mip6Authorization> = s
        .match_indices(':')
        .filter_map(|(i, _)| {
            Some(Mip6Authorization {
                home_agent: s[..i].parse().ok()?,
                home_link_prefix: prefix(&s[i + 1..])?,
            })
        })
        .collect();
    match splits.as_slice() {
        [one] => Ok(*one),
        [] => Err(anyhow!("`{s}` is not ha-address:prefix/len")),
        _ => Err(anyhow!(
            "`{s}` splits into an address and a prefix in {} ways: bracket the HA address, `[ha]:prefix/len`",
            splits.len()
        )),
    }
}

pub async fn run(cfg: &Config) -> Result<()> {
    let s = cfg
        .aaa
        .as_ref()
        .ok_or_else(|| anyhow!("not an AAA server"))?;
    let at = SocketAddr::new(s.addr.into(), radius::AUTH_PORT);
    let sock = bind(at).await?;
    let mut server_cfg = ServerConfig::new(s.secret.as_bytes(), s.subscribers.clone());
    server_cfg.no_ha_assignment = cfg.knobs.aaa_no_ha_assignment;
    server_cfg.ignore_mip6_authorization = cfg.knobs.aaa_ignore_mip6_authorization;
    let mut server = AaaServer::new(server_cfg, rand::random::<[u8; 16]>);
    let started = Instant::now();
    let now = || started.elapsed().as_millis() as u64;
    emit(
        "ready",
        json!({ "radius": at.to_string(),
                "subscribers": s.subscribers.iter().map(|u| json!({
                    "nai": u.nai, "mip6": u.mip6.is_some() })).collect::<Vec<_>>() }),
    );
    let mut buf = [0u8; 4096];
    loop {
        while let Some(t) = server.poll_transmit() {
            let _ = sock.send_to(&t.payload, t.dst).await;
        }
        while let Some(e) = server.poll_event() {
            emit("aaa_answer", answer_json(&e));
        }
        let wait = server.next_timeout().map_or(Duration::from_secs(1), |t| {
            Duration::from_millis(t.saturating_sub(now()))
        });
        tokio::select! {
            r = sock.recv_from(&mut buf) => {
                let (n, from) = r.context("RADIUS receive")?;
                server.handle_input(now(), Datagram::new(from, &buf[..n]));
            }
            _ = tokio::time::sleep(wait) => server.handle_timeout(now()),
        }
    }
}

/// Binds `at`, waiting (bounded) for the address to be usable.
async fn bind(at: SocketAddr) -> Result<UdpSocket> {
    let deadline = Instant::now() + BIND_WAIT;
    loop {
        match UdpSocket::bind(at).await {
            Ok(s) => return Ok(s),
            Err(e)
                if e.kind() == std::io::ErrorKind::AddrNotAvailable
                    && Instant::now() < deadline =>
            {
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => return Err(e).with_context(|| format!("RADIUS socket on {at}")),
        }
    }
}

fn answer_json(e: &ServerEvent) -> serde_json::Value {
    match e {
        ServerEvent::Answered {
            client,
            code,
            user,
            assignment,
            reason,
        } => json!({ "client": client.to_string(),
                     "code": radius::code_name(*code).unwrap_or("?"),
                     "user": user, "reason": reason,
                     "assignment": assignment.as_ref().map(|a| format!("{a:?}")) }),
        ServerEvent::Repeated { client, identifier } => {
            json!({ "client": client.to_string(), "repeated": identifier })
        }
        ServerEvent::Discarded { client, reason } => {
            json!({ "client": client.to_string(), "discarded": reason })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_with_and_without_mobile_ipv6() {
        let u = parse_users(
            "mn1-access@example.com:mn1-access-secret:[2001:db8:1::a1]:2001:db8:1:100::/64, \
             mn2-access@example.com:mn2-access-secret::",
        )
        .unwrap();
        assert_eq!(u.len(), 2);
        assert_eq!(
            u[0].mip6,
            Some(Mip6Authorization {
                home_agent: "2001:db8:1::a1".parse().unwrap(),
                home_link_prefix: ("2001:db8:1:100::".parse().unwrap(), 64),
            })
        );
        assert_eq!(u[0].password, b"mn1-access-secret");
        assert_eq!(u[1].mip6, None);
        // Unbracketed, when only one split reads.
        let u = parse_users("a@b:pw:2001:db8:1:0:0:0:0:a1:2001:db8:1:100:0:0:0:0/64").unwrap();
        assert_eq!(u[0].mip6.unwrap().home_link_prefix.1, 64);
    }

    #[test]
    fn bad_users_name_the_variable() {
        for (text, says) in [
            ("", "lists no subscriber"),
            ("a@b", "is not nai:password"),
            ("a@b:pw", "no ha-address"),
            ("a@b:pw:2001:db8::1", "is not ha-address:prefix/len"),
            (
                "a@b:pw:2001:db8:1::a1:2001:db8:1:100::/64",
                "bracket the HA address",
            ),
            ("a@b:pw:[2001:db8::1]:x/64", "is not prefix/len"),
            ("a@b:pw::,a@b:pw::", "listed twice"),
        ] {
            let e = format!("{:#}", parse_users(text).unwrap_err());
            assert!(
                e.contains("MIP6LAB_AAA_USERS") && e.contains(says),
                "{text}: {e}"
            );
        }
    }

    #[test]
    fn the_role_reads_its_settings() {
        let vars = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<Vec<_>>()
                .into_iter()
        };
        let base = [
            ("MIP6LAB_ROLE", "aaa"),
            ("MIP6LAB_ADDR", "2001:db8:1::18"),
            ("MIP6LAB_AAA_SECRET", "s"),
            ("MIP6LAB_AAA_USERS", "a@b:pw::"),
        ];
        let c = Config::from_env(vars(&base)).unwrap();
        assert_eq!(c.role, crate::config::NodeRole::Aaa);
        assert_eq!(c.aaa.unwrap().subscribers.len(), 1);
        for missing in ["MIP6LAB_ADDR", "MIP6LAB_AAA_SECRET", "MIP6LAB_AAA_USERS"] {
            let rest: Vec<_> = base
                .iter()
                .copied()
                .filter(|(k, _)| *k != missing)
                .collect();
            let e = format!("{:#}", Config::from_env(vars(&rest)).unwrap_err());
            assert!(e.contains(missing), "{e}");
        }
    }
}
