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
    /// The link's IPv4 subnet (a documentation range): the lab host's address and one per
    /// node on it.
    pub ipv4: String,
    /// IEEE 802.1X: the bridge forwards EAPOL (to 01:80:c2:00:00:03), which a Linux bridge
    /// drops by default (IEEE 802.1D reserves the group address), so a supplicant on one node
    /// reaches an authenticator on another.
    #[serde(default)]
    pub forward_eapol: bool,
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
    /// Arguments replacing the image's CMD (its ENTRYPOINT stays), e.g. a peer's profile.
    #[serde(default)]
    pub command: Option<Vec<String>>,
    /// `exit`: the node runs a finite exchange; a recording ends when all such nodes exit.
    #[serde(default)]
    pub wait: Option<Wait>,
    /// Extra Linux capabilities. Only those in [`ALLOWED_CAPS`]: a peer gets what its
    /// protocol stack needs inside its own network namespace, nothing host-wide.
    #[serde(default)]
    pub cap_add: Vec<String>,
    /// Commands run inside the node just before teardown; their output is the peer's state
    /// in the evidence (e.g. a zone transfer: what DNS holds after the test).
    #[serde(default)]
    pub state: Vec<Vec<String>>,
    /// A command printing the peer's software version (its first line goes into the run's
    /// `peer_versions`, keyed by image), e.g. `["named", "-v"]`.
    #[serde(default)]
    pub version: Option<Vec<String>>,
    /// Started by the runner once the IUT is ready (the stimulus towards an HA under test),
    /// not by [`crate::Lab::up`].
    #[serde(default)]
    pub after_iut: bool,
    /// The peer outlives one test: consecutive tests whose topologies declare the same peer
    /// (same image, address, settings and rendered files) on the same networks share the
    /// running container, put back in its starting state by `reset` and checked by `ready`.
    #[serde(default)]
    pub reuse: bool,
    /// Commands that return a reused peer to its starting state (e.g. reload the original
    /// zones, dropping dynamic updates); each must exit 0.
    #[serde(default)]
    pub reset: Vec<Vec<String>>,
    /// Further links of a node that sits between networks (a NAS between the access and the
    /// ASP link): `eth1`, `eth2`, … in this order, each with its role's address.
    #[serde(default)]
    pub more_links: Vec<LinkSpec>,
    /// The node forwards IPv6 between its links (`net.ipv6.conf.all.forwarding = 1`).
    #[serde(default)]
    pub router: bool,
}

/// One more link of a node: the network, and the role whose `[hosts]` address it has there.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct LinkSpec {
    pub network: String,
    pub role: String,
}

/// Capabilities a node may ask for. NET_ADMIN stays inside the container's network
/// namespace; charon needs it to use the kernel's XFRM interface at all.
pub const ALLOWED_CAPS: &[&str] = &["NET_ADMIN", "NET_RAW"];

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Wait {
    /// The node's exit marks the end of what it contributes (a client, an initiator).
    Exit,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum Readiness {
    /// A DNS server is ready when it answers SOA for this zone authoritatively.
    DnsSoa(String),
    /// Ready when this text appears in the node's log. For daemons whose only network
    /// probe would change their state (an IKE responder answers before its connections
    /// are loaded, and a probe would leave a half-open IKE SA behind).
    Log(String),
    /// A RADIUS server is ready when it answers a PAP Access-Request (RFC 2865) for `user`
    /// with an Access-Accept whose Response Authenticator checks out with `secret`. The
    /// request leaves from the lab's gateway address, which the server must list as a client.
    RadiusAccess {
        user: String,
        password: String,
        secret: String,
    },
    /// A DHCPv6 server is ready when it answers an Information-request (RFC 8415 §18.2.6,
    /// sent to ff02::1:2 from the lab's address on the link) with a Reply carrying `option`,
    /// which the request's ORO asks for.
    Dhcpv6Info { option: u16 },
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
            // 198.51.100.0/25 is Docker's default bridge here, and 192.0.2.0/24 and
            // 203.0.113.0/24 are in use on these machines: the lab keeps to the rest.
            let lab_range = (o[0], o[1], o[2]) == (198, 51, 100) && o[3] >= 128
                || (o[0], o[1] & 0xfe) == (198, 18);
            if !lab_range || v4.len < 24 {
                bail!(
                    "network {}: {} is outside the lab's IPv4 ranges (198.51.100.128/25, \
                     198.18.0.0/15; /24 or longer)",
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
            let mut links = vec![(node.network.as_str(), *addr)];
            for l in &node.more_links {
                let Some(a) = self.hosts.get(&l.role) else {
                    bail!(
                        "node `{}`: link role `{}` has no entry in [hosts]",
                        node.name,
                        l.role
                    );
                };
                links.push((l.network.as_str(), *a));
            }
            let mut seen = std::collections::BTreeSet::new();
            for (network, addr) in links {
                if !seen.insert(network) {
                    bail!("node `{}`: two links on network `{network}`", node.name);
                }
                let Some(net) = self.networks.iter().find(|n| n.name == network) else {
                    bail!("node `{}`: unknown network `{network}`", node.name);
                };
                let cidr: Cidr<Ipv6Addr> = net.ipv6.parse()?;
                if !cidr.contains(&addr) {
                    bail!(
                        "node `{}`: address {addr} is not in network {} ({})",
                        node.name,
                        net.name,
                        net.ipv6
                    );
                }
            }
        }
        // Suites run one IUT per topology; recordings run peers only, with no IUT.
        if self.nodes.iter().filter(|n| n.image == "iut").count() > 1 {
            bail!("a topology has at most one node with image = \"iut\"");
        }
        for node in &self.nodes {
            if node.command.as_ref().is_some_and(|c| c.is_empty()) {
                bail!(
                    "node `{}`: command = [] (leave it out to use the image's own)",
                    node.name
                );
            }
            if let Some(cap) = node
                .cap_add
                .iter()
                .find(|c| !ALLOWED_CAPS.contains(&c.as_str()))
            {
                bail!(
                    "node `{}`: capability {cap} is not allowed (allowed: {})",
                    node.name,
                    ALLOWED_CAPS.join(", ")
                );
            }
            if node.reuse && (node.image == "iut" || node.after_iut || node.wait.is_some()) {
                bail!(
                    "node `{}`: reuse is for peers that run through the test (not the iut, \
                     not after_iut, no wait)",
                    node.name
                );
            }
            if !node.reset.is_empty() && !node.reuse {
                bail!("node `{}`: reset without reuse", node.name);
            }
            if node.after_iut && (node.image == "iut" || node.wait.is_some()) {
                bail!(
                    "node `{}`: after_iut is for peers the runner starts (no wait, not the iut)",
                    node.name
                );
            }
            if node.image == "iut" && node.wait.is_some() {
                // The runner decides how long it watches the IUT (per test purpose).
                bail!(
                    "node `{}`: wait applies to peers, not to the iut",
                    node.name
                );
            }
        }
        Ok(())
    }

    /// Nodes whose exit ends a recording.
    pub fn exit_waited(&self) -> impl Iterator<Item = &NodeSpec> {
        self.nodes.iter().filter(|n| n.wait == Some(Wait::Exit))
    }

    pub fn address(&self, node: &NodeSpec) -> Ipv6Addr {
        self.hosts[&node.role]
    }

    /// The node's links in `eth` order: (network, address) — its `network` first, then
    /// `more_links`.
    pub fn links(&self, node: &NodeSpec) -> Vec<(String, Ipv6Addr)> {
        let mut v = vec![(node.network.clone(), self.address(node))];
        v.extend(
            node.more_links
                .iter()
                .map(|l| (l.network.clone(), self.hosts[&l.role])),
        );
        v
    }

    /// The IPv6 router of `network` for `node`: the address on that link of another node with
    /// `router = true` (the integrated scenario's NAS routes between its links); `None`
    /// when the link has none, and the node stays on-link only as before.
    pub fn ipv6_router(&self, network: &str, node: &NodeSpec) -> Option<Ipv6Addr> {
        self.nodes
            .iter()
            .filter(|n| n.router && n.name != node.name)
            .find_map(|r| {
                self.links(r)
                    .into_iter()
                    .find(|(net, _)| net == network)
                    .map(|(_, a)| a)
            })
    }

    /// The node's place among the nodes on `network` (its first link's or a further one's),
    /// in topology order: where its IPv4 address on that link comes from.
    pub fn position_on(&self, network: &str, node: &NodeSpec) -> Option<usize> {
        self.nodes
            .iter()
            .filter(|n| n.network == network || n.more_links.iter().any(|l| l.network == network))
            .position(|n| n.name == node.name)
    }

    /// The implementation under test; `None` in a peers-only topology (a recording).
    pub fn iut(&self) -> Option<&NodeSpec> {
        self.nodes.iter().find(|n| n.image == "iut")
    }

    /// Fills `${ROLE}` with that role's address (`${ROLE:hex}`: its octets in hex).
    pub fn render(&self, template: &str) -> Result<String> {
        let mut out = String::with_capacity(template.len());
        let mut rest = template;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after
                .find('}')
                .with_context(|| "unterminated ${ in template")?;
            // `${ROLE:hex}`: the address's 16 octets in hex, for configurations that take an
            // option's data as hex (Kea's RFC 6610 options).
            let (key, hex) = match after[..end].strip_suffix(":hex") {
                Some(k) => (k, true),
                None => (&after[..end], false),
            };
            match self.hosts.get(key) {
                Some(a) if hex => a
                    .octets()
                    .iter()
                    .for_each(|b| out.push_str(&format!("{b:02x}"))),
                Some(a) => out.push_str(&a.to_string()),
                None => bail!("template names `${{{key}}}`, which is not in [hosts]"),
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }

    /// The node's IPv4 address on `network`: after the lab host's, in topology order, so
    /// the same in every run (the lab derives the node's MAC on that link from it).
    pub fn ipv4_on(&self, network: &str, node: &NodeSpec) -> Result<std::net::Ipv4Addr> {
        let net = self
            .networks
            .iter()
            .find(|n| n.name == network)
            .context("node on an unknown network")?;
        let v4: Cidr<std::net::Ipv4Addr> = net.ipv4.parse()?;
        let nth = self
            .position_on(network, node)
            .context("node not in its topology")?;
        Ok(v4.host(2 + nth as u32))
    }

    /// Role names for transcripts: each host's IPv6 address, and each node's IPv4 address
    /// on each of its links (which also names its MAC there, for link-layer entries such as
    /// EAPOL's).
    pub fn endpoints(&self) -> mip6lab_capture::Endpoints {
        let mut e = mip6lab_capture::Endpoints::default();
        for (role, a) in &self.hosts {
            e.insert(IpAddr::V6(*a), role.clone());
        }
        for node in &self.nodes {
            let roles = std::iter::once((&node.network, &node.role))
                .chain(node.more_links.iter().map(|l| (&l.network, &l.role)));
            for (network, role) in roles {
                if let Ok(v4) = self.ipv4_on(network, node) {
                    e.insert(IpAddr::V4(v4), role.clone());
                }
            }
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
    /// The first host address: the lab host's own, on the bridge.
    pub fn gateway(&self) -> Ipv6Addr {
        Ipv6Addr::from(u128::from(self.addr) + 1)
    }
}

impl Cidr<Ipv4Addr> {
    /// The `n`th address of the subnet (1: the lab host's, on the bridge).
    pub fn host(&self, n: u32) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(self.addr).wrapping_add(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

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
        assert_eq!(t.iut().unwrap().name, "mn");
    }

    /// Two peers and no IUT: the shape of a recording.
    const RECORDING: &str = r#"
        name = "r"
        [[network]]
        name = "link"
        ipv6 = "2001:db8:1::/64"
        ipv4 = "198.51.100.128/28"
        [hosts]
        HA1 = "2001:db8:1::a1"
        MN = "2001:db8:1::100"
        [[node]]
        name = "ha"
        role = "HA1"
        network = "link"
        image = "strongswan"
        command = ["respond"]
        cap_add = ["NET_ADMIN"]
        ready = { log = "loaded connection 'ha'" }
        [[node]]
        name = "mn"
        role = "MN"
        network = "link"
        image = "strongswan"
        command = ["initiate", "mn-cbc"]
        wait = "exit"
    "#;

    #[test]
    fn a_topology_without_iut_validates_for_recording() {
        let t: Topology = toml::from_str(RECORDING).unwrap();
        t.validate().unwrap();
        assert!(t.iut().is_none());
        let waited: Vec<&str> = t.exit_waited().map(|n| n.name.as_str()).collect();
        assert_eq!(waited, ["mn"]);
        assert_eq!(
            t.nodes[0].ready,
            Some(Readiness::Log("loaded connection 'ha'".into()))
        );
        assert_eq!(
            t.nodes[1].command.as_deref().unwrap(),
            ["initiate", "mn-cbc"]
        );
        assert_eq!(t.nodes[0].cap_add, ["NET_ADMIN"]);
    }

    #[test]
    fn radius_access_readiness_reads_from_toml() {
        let t: Topology = toml::from_str(&GOOD.replace(
            "ready = { dns_soa = \"example.com.\" }",
            "ready = { radius_access = { user = \"probe\", password = \"pw\", secret = \"s3\" } }",
        ))
        .unwrap();
        t.validate().unwrap();
        assert_eq!(
            t.nodes[0].ready,
            Some(Readiness::RadiusAccess {
                user: "probe".into(),
                password: "pw".into(),
                secret: "s3".into(),
            })
        );
    }

    #[test]
    fn the_aaa_topology_loads() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/topologies/aaa.toml");
        let t = Topology::load(&path).unwrap();
        let aaa = t.nodes.iter().find(|n| n.name == "aaa").unwrap();
        assert_eq!(aaa.image, "freeradius");
        assert!(matches!(aaa.ready, Some(Readiness::RadiusAccess { .. })));
        assert!(t.iut().is_none());
        for template in aaa.files.values() {
            let text = std::fs::read_to_string(t.fixtures_dir.join(template)).unwrap();
            t.render(&text).unwrap();
        }
    }

    /// The integrated recording: three links routed by the NAS; every other node's IPv6
    /// default route points at the NAS's address on its own link; every file renders
    /// (`${HA2:hex}` in Kea's configuration included).
    #[test]
    fn the_integrated_topology_routes_through_the_nas_and_renders() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../fixtures/topologies/record-integrated.toml");
        let t = Topology::load(&path).unwrap();
        let node = |name: &str| t.nodes.iter().find(|n| n.name == name).unwrap();
        let via = |name: &str| t.ipv6_router(&node(name).network, node(name));
        assert_eq!(via("mn"), Some("2001:db8:10::a".parse().unwrap()));
        assert_eq!(via("kea"), Some("2001:db8:2::a".parse().unwrap()));
        assert_eq!(via("aaa"), Some("2001:db8:1::a".parse().unwrap()));
        // The router itself has no router.
        assert_eq!(via("nas"), None);
        for n in &t.nodes {
            for template in n.files.values() {
                let text = std::fs::read_to_string(t.fixtures_dir.join(template)).unwrap();
                t.render(&text).unwrap();
            }
        }
        assert_eq!(
            t.render("${HA2:hex} ${HA2}").unwrap(),
            "20010db80002000000000000000000a2 2001:db8:2::a2"
        );
        assert!(t.render("${NOPE:hex}").is_err());
    }

    /// An edit of a valid topology that still parses but fails validation, naming why:
    /// `base` with `from` replaced by `to`.
    #[rstest]
    #[case::ipv6_outside_the_documentation_prefix(
        GOOD,
        "2001:db8:1::/64",
        "fd00::/64",
        "2001:db8::/32"
    )]
    #[case::ipv4_outside_the_lab_ranges(GOOD, "198.51.100.128/28", "10.0.0.0/24", "lab's IPv4")]
    #[case::ipv4_on_dockers_bridge(GOOD, "198.51.100.128/28", "198.51.100.0/28", "lab's IPv4")]
    #[case::ipv4_in_a_range_taken_here(GOOD, "198.51.100.128/28", "192.0.2.0/24", "lab's IPv4")]
    #[case::host_outside_its_network(
        GOOD,
        "MN = \"2001:db8:1::100\"",
        "MN = \"2001:db8:2::100\"",
        "not in network"
    )]
    #[case::two_iut_nodes(RECORDING, "image = \"strongswan\"", "image = \"iut\"", "at most one")]
    #[case::wait_on_the_iut(
        GOOD,
        "image = \"iut\"",
        "image = \"iut\"\nwait = \"exit\"",
        "not to the iut"
    )]
    #[case::empty_command(RECORDING, "command = [\"respond\"]", "command = []", "command = []")]
    #[case::capability_not_allowed(
        RECORDING,
        "\"NET_ADMIN\"",
        "\"SYS_ADMIN\"",
        "SYS_ADMIN is not allowed"
    )]
    fn validation_refuses(
        #[case] base: &str,
        #[case] from: &str,
        #[case] to: &str,
        #[case] reason: &str,
    ) {
        assert!(base.contains(from), "the edit must apply: {from}");
        let t: Topology = toml::from_str(&base.replace(from, to)).unwrap();
        let err = t.validate().unwrap_err().to_string();
        assert!(err.contains(reason), "{err}");
    }

    /// The benchmark range (RFC 2544) the dual-stack links use is the lab's too.
    #[test]
    fn a_network_in_198_18_is_accepted() {
        let t: Topology =
            toml::from_str(&GOOD.replace("198.51.100.128/28", "198.19.4.0/24")).unwrap();
        t.validate().unwrap();
    }

    /// An edit of a valid topology that no longer parses: `base` with `from` replaced by `to`.
    #[rstest]
    #[case::wait_other_than_exit(RECORDING, "wait = \"exit\"", "wait = \"ready\"")]
    #[case::unknown_key(GOOD, "name = \"t\"", "name = \"t\"\nnodes = 3")]
    // radius_access takes all three keys and no others.
    #[case::radius_access_without_secret(
        GOOD,
        "ready = { dns_soa = \"example.com.\" }",
        "ready = { radius_access = { user = \"probe\", password = \"pw\" } }"
    )]
    #[case::radius_access_with_a_port(
        GOOD,
        "ready = { dns_soa = \"example.com.\" }",
        "ready = { radius_access = { user = \"p\", password = \"pw\", secret = \"s\", port = 1 } }"
    )]
    fn parsing_refuses(#[case] base: &str, #[case] from: &str, #[case] to: &str) {
        assert!(base.contains(from), "the edit must apply: {from}");
        assert!(toml::from_str::<Topology>(&base.replace(from, to)).is_err());
    }
}
