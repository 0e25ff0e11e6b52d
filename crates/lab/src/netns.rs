//! The lab's own links. Each lab gets a network namespace of its own (`mip6lab-<run>-<pid>`)
//! holding one Linux bridge per topology network, with the lab host's addresses on it; each
//! node's namespace (held by a small holder container) is wired to its bridge by a veth.
//!
//! Why not Docker networks: one Docker daemon refuses overlapping subnets, and every lab uses
//! the documented addresses (`2001:db8:1::/64`, …). In namespaces of their own, any number of
//! labs keep those addresses at once, and the harness owns the bridge knobs (802.1X group
//! forwarding, ip6tables on bridged frames) the next suites need.

use anyhow::{anyhow, bail, Context, Result};
use std::io::Write;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// Where `ip netns` keeps named namespaces.
const NETNS_DIR: &str = "/run/netns";
/// Every lab namespace's name starts so; `mip6lab gc` and the CI leftover check look for it.
pub const NETNS_PREFIX: &str = "mip6lab-";

/// One lab's namespace. Cloning shares the name; [`LabNet::delete`] removes it.
#[derive(Debug, Clone)]
pub struct LabNet {
    name: String,
}

/// One end of a node's link, as the node sees it.
pub struct Port<'a> {
    /// The bridge (in the lab namespace) the node joins.
    pub bridge: &'a str,
    /// The veth end left in the lab namespace (unique there, at most 15 characters).
    pub lab_end: &'a str,
    /// A process in the node's namespace (the holder container's init).
    pub pid: u32,
    /// The interface's name in the node (`eth0`, `eth1`, …).
    pub node_end: &'a str,
    pub mac: [u8; 6],
    pub ipv6: (Ipv6Addr, u8),
    pub ipv4: (Ipv4Addr, u8),
    /// The IPv4 default route's gateway on this link, if it carries the default route
    /// (Docker's bridge networks gave every container one, on its first link).
    pub ipv4_gateway: Option<Ipv4Addr>,
    /// The IPv6 default route's next hop on this link (a router node of the topology).
    pub ipv6_gateway: Option<Ipv6Addr>,
}

impl LabNet {
    /// Creates the namespace of lab `run` owned by this process.
    pub fn create(run: &str) -> Result<LabNet> {
        let name = format!("{NETNS_PREFIX}{run}-{}", std::process::id());
        ip(&["netns", "add", &name]).context(
            "creating the lab's network namespace (needs root and iproute2: apt-get install iproute2)",
        )?;
        let net = LabNet { name };
        net.batch(&["link set lo up".to_string()])?;
        Ok(net)
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    fn path(&self) -> PathBuf {
        Path::new(NETNS_DIR).join(&self.name)
    }

    /// A bridge with the lab host's addresses on it: the first address of each subnet, added
    /// without DAD (the bridge is the lab's own and the address unique on it; DAD would hold
    /// every probe from it for a second).
    pub fn add_bridge(
        &self,
        bridge: &str,
        mac: [u8; 6],
        ipv6: (Ipv6Addr, u8),
        ipv4: (Ipv4Addr, u8),
        forward_eapol: bool,
    ) -> Result<()> {
        // Bit 3 of group_fwd_mask: 01:80:c2:00:00:03, the 802.1X PAE address.
        let mask = if forward_eapol { 8 } else { 0 };
        self.batch(&[
            format!(
                "link add {bridge} address {} type bridge group_fwd_mask {mask}",
                mac_text(mac)
            ),
            format!("addr add {}/{} dev {bridge} nodad", ipv6.0, ipv6.1),
            format!("addr add {}/{} dev {bridge}", ipv4.0, ipv4.1),
            format!("link set {bridge} up"),
        ])
        .with_context(|| format!("bridge {bridge} in {}", self.name))
    }

    /// Wires a node's namespace to a bridge: a veth whose node end (`eth0`, …) has the
    /// node's addresses on that link (no DAD: lab addresses are unique by construction), up,
    /// with the IPv4 default route if the port carries it.
    pub fn attach(&self, port: &Port<'_>) -> Result<()> {
        let pid = port.pid.to_string();
        let dev = port.node_end;
        self.batch(&[
            format!(
                "link add {} type veth peer name {dev} address {} netns {pid}",
                port.lab_end,
                mac_text(port.mac)
            ),
            format!("link set {} master {} up", port.lab_end, port.bridge),
        ])
        .with_context(|| format!("veth {} to {}", port.lab_end, port.bridge))?;
        let node_ns = format!("--net=/proc/{pid}/ns/net");
        run_batch(
            Command::new("nsenter").args([node_ns.as_str(), "ip", "-batch", "-"]),
            &[
                format!("addr add {}/{} dev {dev} nodad", port.ipv6.0, port.ipv6.1),
                format!("addr add {}/{} dev {dev}", port.ipv4.0, port.ipv4.1),
                format!("link set {dev} up"),
            ]
            .into_iter()
            .chain(
                port.ipv4_gateway
                    .map(|gw| format!("route add default via {gw} dev {dev}")),
            )
            .chain(
                port.ipv6_gateway
                    .map(|gw| format!("route add default via {gw} dev {dev}")),
            )
            .collect::<Vec<_>>(),
        )
        .with_context(|| format!("configuring {dev} of the node behind {}", port.lab_end))
    }

    /// Runs `f` on a thread inside the lab's namespace: sockets it opens stay there.
    pub fn run<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> Result<T> {
        let path = self.path();
        std::thread::spawn(move || -> Result<T> {
            enter(&path)?;
            Ok(f())
        })
        .join()
        .map_err(|_| anyhow!("a thread in the lab namespace panicked"))?
    }

    /// Moves the calling thread into the lab's namespace for good: every socket it opens
    /// from now on is on the lab's links. For a test driving the lab from its own thread;
    /// the harness itself uses [`LabNet::run`].
    pub fn enter_current_thread(&self) -> Result<()> {
        enter(&self.path())
    }

    /// A UDP socket bound in the lab's namespace (the lab host's side of its links).
    pub fn bind_udp(&self, local: SocketAddr) -> Result<std::net::UdpSocket> {
        self.run(move || std::net::UdpSocket::bind(local))?
            .with_context(|| format!("binding {local} in the lab namespace"))
    }

    /// The index of interface `name` in the lab's namespace (a link-local destination's
    /// scope).
    pub fn ifindex(&self, name: &str) -> Result<u32> {
        let cname = std::ffi::CString::new(name)?;
        // SAFETY: a NUL-terminated name; the call only reads it.
        let index = self.run(move || unsafe { libc::if_nametoindex(cname.as_ptr()) })?;
        if index == 0 {
            bail!("no interface {name} in the lab namespace");
        }
        Ok(index)
    }

    /// Removes the namespace: its bridges and the lab ends of its veths go with it (a node's
    /// `eth0` goes when its peer end does).
    pub fn delete(&self) {
        delete_named(&self.name);
    }

    fn batch(&self, cmds: &[String]) -> Result<()> {
        run_batch(
            Command::new("ip").args(["-n", &self.name, "-batch", "-"]),
            cmds,
        )
    }
}

fn delete_named(name: &str) {
    if let Err(e) = ip(&["netns", "delete", name]) {
        if Path::new(NETNS_DIR).join(name).exists() {
            crate::lab::note(&format!(
                "mip6lab: cannot remove network namespace {name}: {e:#}"
            ));
        }
    }
}

/// Removes the namespaces of `run` (whatever process made them); returns how many.
pub fn delete_run(run: &str) -> usize {
    let prefix = format!("{NETNS_PREFIX}{run}-");
    let names: Vec<String> = list()
        .into_iter()
        .filter(|n| n.starts_with(&prefix))
        .collect();
    names.iter().for_each(|n| delete_named(n));
    names.len()
}

/// Lab namespaces on this host, with the pid of the process that made each.
pub fn list_with_owner() -> Vec<(String, u32)> {
    list()
        .into_iter()
        .filter_map(|n| {
            let pid = n.rsplit('-').next()?.parse().ok()?;
            Some((n, pid))
        })
        .collect()
}

/// Removes the namespaces of runs whose process is gone; returns their names.
pub fn delete_orphans() -> Vec<String> {
    let gone: Vec<String> = list_with_owner()
        .into_iter()
        .filter(|(_, pid)| !Path::new(&format!("/proc/{pid}")).exists())
        .map(|(n, _)| n)
        .collect();
    gone.iter().for_each(|n| delete_named(n));
    gone
}

fn list() -> Vec<String> {
    let Ok(dir) = std::fs::read_dir(NETNS_DIR) else {
        return Vec::new();
    };
    let mut v: Vec<String> = dir
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with(NETNS_PREFIX))
        .collect();
    v.sort();
    v
}

/// Moves the calling thread into the namespace at `path`.
fn enter(path: &Path) -> Result<()> {
    use std::os::fd::AsRawFd;
    let f = std::fs::File::open(path)
        .with_context(|| format!("opening network namespace {}", path.display()))?;
    // SAFETY: setns on an fd we hold open; it only changes this thread's namespace.
    if unsafe { libc::setns(f.as_raw_fd(), libc::CLONE_NEWNET) } != 0 {
        bail!(
            "entering network namespace {}: {}",
            path.display(),
            std::io::Error::last_os_error()
        );
    }
    Ok(())
}

fn mac_text(m: [u8; 6]) -> String {
    m.iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// Docker's scheme, kept so link-layer addresses read as before: 02:42 and the IPv4 address.
pub fn mac_for(ipv4: Ipv4Addr) -> [u8; 6] {
    let o = ipv4.octets();
    [0x02, 0x42, o[0], o[1], o[2], o[3]]
}

fn ip(args: &[&str]) -> Result<()> {
    let out = bounded(Command::new("ip").args(args), None)?;
    if !out.status.success() {
        bail!(
            "`ip {}`: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

/// Runs an `ip -batch -` command with `cmds` on its stdin; the first failing line fails it.
fn run_batch(cmd: &mut Command, cmds: &[String]) -> Result<()> {
    let input = cmds.join("\n") + "\n";
    let out = bounded(cmd, Some(input.as_bytes()))?;
    if !out.status.success() {
        bail!("{}", String::from_utf8_lossy(&out.stderr).trim());
    }
    Ok(())
}

/// Runs a command with a 10 s bound (a wedged `ip` must not hang the lab).
fn bounded(cmd: &mut Command, stdin: Option<&[u8]>) -> Result<std::process::Output> {
    let prog = format!("{:?}", cmd.get_program());
    let mut child = cmd
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("running {prog} (iproute2 and util-linux must be installed)"))?;
    if let (Some(data), Some(mut pipe)) = (stdin, child.stdin.take()) {
        pipe.write_all(data)?;
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        if child.try_wait()?.is_some() {
            return Ok(child.wait_with_output()?);
        }
        if std::time::Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            bail!("{prog} did not finish within 10 s");
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macs_follow_dockers_scheme() {
        assert_eq!(
            mac_text(mac_for("198.51.100.130".parse().unwrap())),
            "02:42:c6:33:64:82"
        );
    }
}
