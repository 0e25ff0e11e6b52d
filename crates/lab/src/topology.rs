//! Topologies: which nodes, on which links, with which addresses. Read from
//! `fixtures/topologies/<name>.toml`; the files they name are templates under `fixtures/`.

use anyhow::{bail, Context, Result};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Topology {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(rename = "network")]
    pub networks: Vec<NetworkSpec>,
    /// Role name → address. Every address a fixture or a transcript names is here, so
    /// templates use `${ROLE}` and transcripts print the role instead of the address.
    pub hosts: BTreeMap<String, Ipv6Addr>,
    #[serde(rename = "node")]
    pub nodes: Vec<NodeSpec>,
    /// Where the topology file was read from; templates resolve against its fixtures dir.
    #[serde(skip)]
    pub fixtures_dir: PathBuf,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkSpec {
    pub name: String,
    /// Must lie in 2001:db8::/32 (documentation prefix).
    pub ipv6: String,
    /// Docker wants an IPv4 subnet on every bridge; it must lie in a documentation range.
    pub ipv4: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeSpec {
    pub name: String,
    /// Key into `hosts`: the node's address and its name in transcripts.
    pub role: String,
    pub network: String,
    /// A directory name under `containers/`, or `iut` for the implementation under test.
    pub image: String,
    /// Container path → template path relative to the fixtures directory.
    #[serde(default)]
    pub files: BTreeMap<String, String>,
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    #[serde(default)]
    pub ready: Option<Readiness>,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum Readiness {
    /// A DNS server is ready when it answers SOA for this zone authoritatively.
    DnsSoa(String),
}

impl Topology {
    pub fn load(path: &Path) -> Result<Topology> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read topology {}", path.display()))?;
        let mut t: Topology =
            toml::from_str(&text).with_context(|| format!("topology {}", path.display()))?;
        // fixtures/topologies/x.toml → fixtures/
        t.fixtures_dir = path
            .parent()
            .and_then(Path::parent)
            .map(Path::to_path_buf)
            .unwrap_or_default();
        t.validate()
            .with_context(|| format!("topology {}", path.display()))?;
        Ok(t)
    }

    pub fn validate(&self) -> Result<()> {
        for n in &self.networks {
            let v6: Cidr<Ipv6Addr> = n.ipv6.parse()?;
            if v6.addr.segments()[..2] != [0x2001, 0x0db8] || v6.len < 32 {
                bail!(
                    "network {}: {} is outside 2001:db8::/32, the only IPv6 range a lab may use",
                    n.name,
                    n.ipv6
                );
            }
            let v4: Cidr<Ipv4Addr> = n.ipv4.parse()?;
            let o = v4.addr.octets();
            let doc = matches!(
                (o[0], o[1], o[2]),
                (192, 0, 2) | (198, 51, 100) | (203, 0, 113)
            );
            if !doc || v4.len < 24 {
                bail!(
                    "network {}: {} is outside the IPv4 documentation ranges",
                    n.name,
                    n.ipv4
                );
            }
        }
        for (role, addr) in &self.hosts {
            if addr.segments()[..2] != [0x2001, 0x0db8] {
                bail!("host {role}: {addr} is outside 2001:db8::/32");
            }
        }
        let mut names = std::collections::BTreeSet::new();
        for node in &self.nodes {
            if !names.insert(&node.name) {
                bail!("node `{}` is defined twice", node.name);
            }
            let Some(addr) = self.hosts.get(&node.role) else {
                bail!(
                    "node `{}`: role `{}` has no entry in [hosts]",
                    node.name,
                    node.role
                );
            };
            let Some(net) = self.networks.iter().find(|n| n.name == node.network) else {
                bail!("node `{}`: unknown network `{}`", node.name, node.network);
            };
            let cidr: Cidr<Ipv6Addr> = net.ipv6.parse()?;
            if !cidr.contains(addr) {
                bail!(
                    "node `{}`: address {addr} is not in network {} ({})",
                    node.name,
                    net.name,
                    net.ipv6
                );
            }
        }
        if self.nodes.iter().filter(|n| n.image == "iut").count() != 1 {
            bail!("a topology has exactly one node with image = \"iut\"");
        }
        Ok(())
    }

    pub fn address(&self, node: &NodeSpec) -> Ipv6Addr {
        self.hosts[&node.role]
    }

    pub fn iut(&self) -> &NodeSpec {
        self.nodes
            .iter()
            .find(|n| n.image == "iut")
            .expect("validated")
    }

    /// Fills `${ROLE}` with that role's address.
    pub fn render(&self, template: &str) -> Result<String> {
        let mut out = String::with_capacity(template.len());
        let mut rest = template;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after
                .find('}')
                .with_context(|| "unterminated ${ in template")?;
            let key = &after[..end];
            match self.hosts.get(key) {
                Some(a) => out.push_str(&a.to_string()),
                None => bail!("template names `${{{key}}}`, which is not in [hosts]"),
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }

    /// Role names for transcripts.
    pub fn endpoints(&self) -> mip6lab_capture::Endpoints {
        let mut e = mip6lab_capture::Endpoints::default();
        for (role, a) in &self.hosts {
            e.insert(IpAddr::V6(*a), role.clone());
        }
        e
    }
}

/// An address with a prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr<A> {
    pub addr: A,
    pub len: u8,
}

impl<A: std::str::FromStr> std::str::FromStr for Cidr<A> {
    type Err = anyhow::Error;
    fn from_str(s: &str) -> Result<Self> {
        let (a, l) = s
            .split_once('/')
            .with_context(|| format!("`{s}` is not address/length"))?;
        let addr = a
            .parse()
            .map_err(|_| anyhow::anyhow!("`{a}` is not an address"))?;
        let len = l
            .parse()
            .with_context(|| format!("`{l}` is not a prefix length"))?;
        Ok(Cidr { addr, len })
    }
}

impl Cidr<Ipv6Addr> {
    pub fn contains(&self, a: &Ipv6Addr) -> bool {
        let mask = u128::MAX
            .checked_shl(128 - u32::from(self.len))
            .unwrap_or(0);
        u128::from(*a) & mask == u128::from(self.addr) & mask
    }
    /// The first host address, which Docker gives the bridge (the lab's own address).
    pub fn gateway(&self) -> Ipv6Addr {
        Ipv6Addr::from(u128::from(self.addr) + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
        name = "t"
        [[network]]
        name = "home"
        ipv6 = "2001:db8:1::/64"
        ipv4 = "198.51.100.128/28"
        [hosts]
        DNS = "2001:db8:1::53"
        MN = "2001:db8:1::100"
        [[node]]
        name = "dns"
        role = "DNS"
        network = "home"
        image = "bind"
        ready = { dns_soa = "example.com." }
        [[node]]
        name = "mn"
        role = "MN"
        network = "home"
        image = "iut"
    "#;

    #[test]
    fn a_good_topology_validates_and_renders() {
        let t: Topology = toml::from_str(GOOD).unwrap();
        t.validate().unwrap();
        assert_eq!(t.render("ns ${DNS} x").unwrap(), "ns 2001:db8:1::53 x");
        assert!(t.render("${HA9}").unwrap_err().to_string().contains("HA9"));
        assert_eq!(t.iut().name, "mn");
    }

    #[test]
    fn addresses_outside_documentation_ranges_are_refused() {
        let bad = GOOD.replace("2001:db8:1::/64", "fd00::/64");
        let t: Topology = toml::from_str(&bad).unwrap();
        assert!(t
            .validate()
            .unwrap_err()
            .to_string()
            .contains("2001:db8::/32"));
        let bad = GOOD.replace("198.51.100.128/28", "10.0.0.0/24");
        let t: Topology = toml::from_str(&bad).unwrap();
        assert!(t
            .validate()
            .unwrap_err()
            .to_string()
            .contains("documentation"));
        let bad = GOOD.replace("MN = \"2001:db8:1::100\"", "MN = \"2001:db8:2::100\"");
        let t: Topology = toml::from_str(&bad).unwrap();
        assert!(t
            .validate()
            .unwrap_err()
            .to_string()
            .contains("not in network"));
    }

    #[test]
    fn unknown_keys_are_errors() {
        let bad = GOOD.replace("name = \"t\"", "name = \"t\"\nnodes = 3");
        assert!(toml::from_str::<Topology>(&bad).is_err());
    }
}
