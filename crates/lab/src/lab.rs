//! A running lab: its own network namespace with a bridge per link ([`crate::netns`]), a
//! capture per link, peers ready, and the IUT.

use crate::engine::{
    remove_run_blocking, ContainerSpec, Engine, NetworkMode, LABEL_PID, LABEL_RUN,
};
use crate::images::{ContainerImages, ImageResolver};
use crate::netns::{mac_for, LabNet, Port};
use crate::probe;
use crate::teardown::{clear_leftovers, register_run, unregister_run, SHUTTING_DOWN};
use crate::topology::{NodeSpec, Readiness, Topology, Wait};
use anyhow::{anyhow, bail, Context, Result};
use mip6lab_capture::live::LiveCapture;
use std::collections::HashMap;
use std::net::{Ipv6Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Which implementation plays the topology's `iut` node.
#[derive(Debug, Clone)]
pub enum Iut {
    /// The built-in reference, packaged from this binary.
    Reference { binary: PathBuf },
    /// A ready image following the IUT contract.
    Image(String),
    /// No IUT: a peers-only topology, as `mip6lab record` runs.
    None,
}

#[derive(Debug, Clone)]
pub struct LabOptions {
    /// Repository root: `containers/` and `fixtures/` are found here.
    pub root: PathBuf,
    /// Where captures, logs and rendered files go (absolute; bind-mounted into containers).
    pub out_dir: PathBuf,
    pub iut: Iut,
}

#[derive(Debug, Clone)]
pub struct NodeHandle {
    pub name: String,
    pub role: String,
    pub id: String,
    /// The container holding the node's network namespace.
    pub holder: String,
    pub address: Ipv6Addr,
}

/// What a finished lab leaves behind.
#[derive(Debug, Clone)]
pub struct Artifacts {
    pub pcaps: Vec<PathBuf>,
    /// Per pcap: how many of its first frames were captured before the IUT started.
    pub setup_frames: Vec<u64>,
    pub logs: Vec<PathBuf>,
    /// Peer state dumps (`state/<node>.txt`).
    pub state: Vec<PathBuf>,
    /// Image name → first line of the node's `version` command.
    pub versions: std::collections::BTreeMap<String, String>,
    /// Key logs written by the IUT and the harness's own peers (`keys/<node>/keys.log`),
    /// so the capture can be decrypted.
    pub keylogs: Vec<PathBuf>,
}

/// Where the IUT and the reference peers write their IKE/ESP key logs (`MIP6LAB_KEYLOG_DIR`).
pub const KEYLOG_DIR: &str = "/var/lib/mip6lab/keys";

pub struct Lab {
    engine: Engine,
    pub topology: Topology,
    pub run_id: String,
    opts: LabOptions,
    /// Names (and builds) the image of each node.
    images: Arc<dyn ImageResolver>,
    /// The lab's namespace and its bridges, one per topology network, in topology order.
    net: LabNet,
    bridges: Vec<String>,
    /// Veths made so far: numbers their lab ends.
    veths: std::sync::atomic::AtomicU32,
    captures: Vec<LiveCapture>,
    setup_frames: Vec<u64>,
    pub nodes: Vec<NodeHandle>,
    /// Containers created while the peers came up, not yet started: (node, extra env, handle).
    prepared: Vec<(Prepare, NodeHandle)>,
    /// Bytes of each reused peer's log that belong to earlier tests.
    log_offsets: HashMap<String, usize>,
    /// [`Lab::end_test`] left only the reused peers: [`Lab::next_test`] may follow.
    between_tests: bool,
    _slot: crate::slots::Slot,
    torn_down: bool,
}

/// A node the caller will start later with this extra environment ([`Lab::up_with`]).
pub type Prepare = (String, Vec<(String, String)>);

type ReadyFuture<'a> = std::pin::Pin<Box<dyn std::future::Future<Output = Result<()>> + Send + 'a>>;

/// What a reusable peer is: two topologies with equal fingerprints for it can share its
/// running container. `None` when a file cannot be read or rendered.
fn peer_fingerprint(t: &Topology, n: &NodeSpec) -> Option<String> {
    let net = t.networks.iter().find(|x| x.name == n.network)?;
    let mut s = format!(
        "{}|{}|{}|{}|{}|{}|{}|{:?}|{:?}|{:?}|{:?}",
        n.name,
        n.role,
        n.image,
        net.ipv6,
        net.ipv4,
        t.hosts.get(&n.role)?,
        n.network,
        n.command,
        n.cap_add,
        n.ready,
        n.reset
    );
    s.push_str(&format!("|links {:?}|router {}", t.links(n), n.router));
    for (k, v) in &n.env {
        s.push_str(&format!("|env {k}={}", t.render(v).ok()?));
    }
    for (target, template) in &n.files {
        let text = std::fs::read_to_string(t.fixtures_dir.join(template)).ok()?;
        s.push_str(&format!("|file {target}={}", t.render(&text).ok()?));
    }
    Some(s)
}

const READY_TIMEOUT: Duration = Duration::from_secs(30);

/// How often a node's log or state is read while waiting on it: each wait ends a phase of
/// every test, so a coarse poll adds up over a suite.
const POLL: Duration = Duration::from_millis(30);

impl Lab {
    /// Creates the networks, starts their captures, starts every peer (all nodes but the
    /// IUT) and waits until each answers its readiness probe. Peers with `wait = "exit"`
    /// (clients, initiators: the stimulus of a recording) start last, once the others are
    /// ready and the captures are confirmed; frames before them count as setup.
    /// Images come from `containers/` ([`ContainerImages`]); a lab with the reference IUT
    /// or its peers needs [`Lab::up_with`].
    pub async fn up(topology: Topology, opts: LabOptions) -> Result<Lab> {
        Lab::up_with(topology, opts, Vec::new(), Arc::new(ContainerImages)).await
    }

    /// [`Lab::up`] with the images `images` names, and meanwhile creates (without starting)
    /// the containers of `prepare` (the IUT and the stimulus, with the settings they will be
    /// started with): creating overlaps the peers' start-up, and starting them later costs
    /// only the start.
    pub async fn up_with(
        topology: Topology,
        opts: LabOptions,
        prepare: Vec<Prepare>,
        images: Arc<dyn ImageResolver>,
    ) -> Result<Lab> {
        std::fs::create_dir_all(&opts.out_dir)
            .with_context(|| format!("cannot create {}", opts.out_dir.display()))?;
        let engine = Engine::connect().await?;
        if SHUTTING_DOWN.load(std::sync::atomic::Ordering::SeqCst) {
            bail!("interrupted: no new lab");
        }
        let slot = crate::slots::Slot::acquire(Duration::from_secs(900)).await?;
        clear_leftovers(&engine).await;
        let run_id = format!("{:08x}", rand::random::<u32>());
        register_run(&run_id);
        let net = LabNet::create(&run_id)?;
        let mut lab = Lab {
            engine,
            topology,
            run_id,
            opts,
            images,
            net,
            bridges: Vec::new(),
            veths: Default::default(),
            captures: Vec::new(),
            setup_frames: Vec::new(),
            nodes: Vec::new(),
            prepared: Vec::new(),
            log_offsets: HashMap::new(),
            between_tests: false,
            _slot: slot,
            torn_down: false,
        };
        if SHUTTING_DOWN.load(std::sync::atomic::Ordering::SeqCst) {
            bail!("interrupted: no new lab");
        }
        let t_net = Instant::now();
        lab.create_networks().await?;
        if std::env::var_os("MIP6LAB_TIMING").is_some() {
            eprintln!("timing: networks and captures in {:?}", t_net.elapsed());
        }
        lab.start_peers(prepare, Vec::new()).await?;
        Ok(lab)
    }

    /// Starts the topology's peers that are not already running (`reused`: kept from the
    /// last test, reset here), creates the `prepare` containers meanwhile, and checks that
    /// the captures see the link.
    async fn start_peers(
        &mut self,
        prepare: Vec<Prepare>,
        reused: Vec<(NodeSpec, NodeHandle)>,
    ) -> Result<()> {
        let (stimulus, peers): (Vec<NodeSpec>, Vec<NodeSpec>) = self
            .topology
            .nodes
            .iter()
            .filter(|n| n.image != "iut" && !n.after_iut)
            .filter(|n| !reused.iter().any(|(r, _)| r.name == n.name))
            .cloned()
            .partition(|n| n.wait == Some(Wait::Exit));
        // Peers start one after another but become ready together: their readiness waits
        // (daemons loading zones, RADIUS, …) overlap instead of adding up.
        let t0 = Instant::now();
        let created =
            futures_util::future::join_all(peers.iter().map(|n| self.create_node(n, &[]))).await;
        let mut started = Vec::new();
        let mut first_error = None;
        for (node, r) in peers.iter().zip(created) {
            match r {
                Ok(h) => {
                    self.nodes.push(h.clone());
                    started.push((node, h));
                }
                Err(e) => first_error = first_error.or(Some(e)),
            }
        }
        if let Some(e) = first_error {
            return Err(e);
        }
        if std::env::var_os("MIP6LAB_TIMING").is_some() {
            eprintln!(
                "timing: {} peers created in {:?}",
                peers.len(),
                t0.elapsed()
            );
        }
        // Reused peers are put back in their starting state, then checked like new ones.
        let mut waits: Vec<_> = started
            .iter()
            .map(|(n, h)| Box::pin(self.wait_ready(n, h)) as ReadyFuture<'_>)
            .collect();
        waits.extend(
            reused
                .iter()
                .map(|(n, h)| Box::pin(self.reset_peer(n, h)) as ReadyFuture<'_>),
        );
        let later: Vec<(NodeSpec, Vec<(String, String)>)> = prepare
            .into_iter()
            .filter_map(|(name, env)| {
                let n = self.topology.nodes.iter().find(|n| n.name == name)?;
                Some((n.clone(), env))
            })
            .collect();
        let creates = later.iter().map(|(n, env)| self.create_stopped(n, env));
        let (ready, created) = futures_util::future::join(
            futures_util::future::join_all(waits),
            futures_util::future::join_all(creates),
        )
        .await;
        for ((n, env), h) in later.iter().zip(created) {
            // A container that could not be created is simply made again when started.
            if let Ok(h) = h {
                self.prepared.push(((n.name.clone(), env.clone()), h));
            }
        }
        for r in ready {
            r?;
        }
        if std::env::var_os("MIP6LAB_TIMING").is_some() {
            eprintln!("timing: {} peers ready in {:?}", peers.len(), t0.elapsed());
        }
        if !peers.is_empty() || stimulus.is_empty() {
            self.confirm_capture().await?;
        }
        if !stimulus.is_empty() {
            self.setup_frames = self.captures.iter().map(|c| c.frames()).collect();
            for node in &stimulus {
                self.start_node(node, &[]).await?;
            }
            if peers.is_empty() {
                self.confirm_capture().await?;
            }
        }
        Ok(())
    }

    /// Runs a reused peer's `reset` commands, then its readiness check.
    async fn reset_peer(&self, node: &NodeSpec, handle: &NodeHandle) -> Result<()> {
        for cmd in &node.reset {
            self.engine
                .exec_ok(&handle.id, cmd, Duration::from_secs(10))
                .await
                .with_context(|| format!("resetting peer {}", node.name))?;
        }
        self.wait_ready(node, handle).await
    }

    /// Whether the next test's `topology` can run on this lab's running peers: the same
    /// networks, and exactly the same `reuse` peers (name, role, image, address, settings,
    /// rendered files), after [`Lab::end_test`].
    pub fn reusable_for(&self, topology: &Topology) -> bool {
        if !self.between_tests
            || self.torn_down
            || SHUTTING_DOWN.load(std::sync::atomic::Ordering::SeqCst)
        {
            return false;
        }
        let nets = |t: &Topology| {
            t.networks
                .iter()
                .map(|n| {
                    (
                        n.name.clone(),
                        n.ipv6.clone(),
                        n.ipv4.clone(),
                        n.forward_eapol,
                    )
                })
                .collect::<Vec<_>>()
        };
        if nets(&self.topology) != nets(topology) {
            return false;
        }
        let prints = |t: &Topology| -> Option<Vec<String>> {
            let mut v = t
                .nodes
                .iter()
                .filter(|n| n.reuse)
                .map(|n| peer_fingerprint(t, n))
                .collect::<Option<Vec<_>>>()?;
            v.sort();
            Some(v)
        };
        let running = self
            .topology
            .nodes
            .iter()
            .filter(|n| n.reuse)
            .all(|n| self.nodes.iter().any(|h| h.name == n.name));
        match (prints(&self.topology), prints(topology)) {
            (Some(a), Some(b)) => running && !a.is_empty() && a == b,
            _ => false,
        }
    }

    /// The next test on this lab ([`Lab::reusable_for`] said yes): new captures in the new
    /// output directory, the reused peers reset, the other peers started, `prepare`
    /// containers created.
    pub async fn next_test(
        &mut self,
        topology: Topology,
        opts: LabOptions,
        prepare: Vec<Prepare>,
    ) -> Result<()> {
        if SHUTTING_DOWN.load(std::sync::atomic::Ordering::SeqCst) {
            bail!("interrupted: no new test");
        }
        if !self.reusable_for(&topology) {
            bail!("this lab cannot run topology {}", topology.name);
        }
        std::fs::create_dir_all(&opts.out_dir)
            .with_context(|| format!("cannot create {}", opts.out_dir.display()))?;
        self.topology = topology;
        self.opts = opts;
        self.between_tests = false;
        self.setup_frames.clear();
        self.start_captures()?;
        let reused: Vec<(NodeSpec, NodeHandle)> = self
            .topology
            .nodes
            .iter()
            .filter(|n| n.reuse)
            .filter_map(|n| {
                let h = self.nodes.iter().find(|h| h.name == n.name)?;
                Some((n.clone(), h.clone()))
            })
            .collect();
        self.start_peers(prepare, reused).await
    }

    /// Ends a test but keeps the lab for the next: the test's artifacts as [`Lab::down`]
    /// gives them, then every container but the `reuse` peers removed; the networks stay.
    pub async fn end_test(&mut self) -> Result<Artifacts> {
        let t0 = Instant::now();
        let art = self.collect().await?;
        let keep: Vec<String> = self
            .nodes
            .iter()
            .filter(|h| {
                self.topology
                    .nodes
                    .iter()
                    .any(|n| n.name == h.name && n.reuse)
            })
            .flat_map(|h| [h.id.clone(), h.holder.clone()])
            .collect();
        let mut found = self.engine.find(Some(&self.run_id)).await?;
        found.containers.retain(|(id, _, _)| !keep.contains(id));
        found.holders.retain(|(id, _, _)| !keep.contains(id));
        self.engine.remove(&found).await?;
        self.nodes.retain(|h| keep.contains(&h.id));
        self.prepared.clear();
        self.between_tests = true;
        if std::env::var_os("MIP6LAB_TIMING").is_some() {
            eprintln!("timing: end of test in {:?}", t0.elapsed());
        }
        Ok(art)
    }

    /// Removes everything the lab made, keeping no artifacts (after [`Lab::end_test`]).
    pub async fn close(mut self) -> Result<()> {
        for cap in std::mem::take(&mut self.captures) {
            let _ = cap.stop();
        }
        let found = self.engine.find(Some(&self.run_id)).await?;
        self.engine.remove(&found).await?;
        self.net.delete();
        self.torn_down = true;
        unregister_run(&self.run_id);
        Ok(())
    }

    fn start_captures(&mut self) -> Result<()> {
        for (n, bridge) in self.topology.networks.iter().zip(&self.bridges) {
            let pcap = self.opts.out_dir.join(format!("{}.pcap", n.name));
            let b = bridge.clone();
            // Opened inside the lab's namespace, where the bridge is; the socket stays there.
            let cap = self
                .net
                .run(move || LiveCapture::start(&b, &pcap))?
                .with_context(|| format!("capture on bridge {bridge} of network {}", n.name))?;
            self.captures.push(cap);
        }
        Ok(())
    }

    fn labels(&self) -> HashMap<String, String> {
        HashMap::from([
            (LABEL_RUN.to_string(), self.run_id.clone()),
            (LABEL_PID.to_string(), std::process::id().to_string()),
        ])
    }

    /// One bridge per network, named after it (unique in the lab's namespace, 15
    /// characters at most), with the lab host's addresses.
    async fn create_networks(&mut self) -> Result<()> {
        for (i, n) in self.topology.networks.iter().enumerate() {
            let bridge: String = format!("br{i}-{}", n.name).chars().take(15).collect();
            let v6: crate::topology::Cidr<Ipv6Addr> = n.ipv6.parse()?;
            let v4: crate::topology::Cidr<std::net::Ipv4Addr> = n.ipv4.parse()?;
            self.net.add_bridge(
                &bridge,
                mac_for(v4.host(1)),
                (v6.gateway(), v6.len),
                (v4.host(1), v4.len),
                n.forward_eapol,
            )?;
            self.bridges.push(bridge);
        }
        self.start_captures()
    }

    /// Containers joining a link send MLD and ND; a capture that saw none of that by the
    /// time the peers are ready is not running.
    async fn confirm_capture(&self) -> Result<()> {
        let deadline = Instant::now() + Duration::from_secs(5);
        for cap in &self.captures {
            while cap.frames() == 0 {
                if Instant::now() >= deadline {
                    bail!(
                        "capture on {} saw no frame while peers started: it is not capturing",
                        cap.interface
                    );
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        Ok(())
    }

    /// Renders the node's files and returns bind mounts for them.
    fn render_files(&self, node: &NodeSpec) -> Result<Vec<(String, String)>> {
        let dir = self.opts.out_dir.join("files").join(&node.name);
        std::fs::create_dir_all(&dir)?;
        let mut binds = Vec::new();
        for (target, template) in &node.files {
            let src = self.topology.fixtures_dir.join(template);
            let text = std::fs::read_to_string(&src)
                .with_context(|| format!("node {}: template {}", node.name, src.display()))?;
            let rendered = self
                .topology
                .render(&text)
                .with_context(|| format!("rendering {}", src.display()))?;
            let file = Path::new(target)
                .file_name()
                .ok_or_else(|| anyhow!("node {}: bad file target {target}", node.name))?;
            let host = dir.join(file);
            std::fs::write(&host, rendered)?;
            binds.push((host.display().to_string(), target.clone()));
        }
        Ok(binds)
    }

    async fn start_node(
        &mut self,
        node: &NodeSpec,
        env: &[(String, String)],
    ) -> Result<NodeHandle> {
        let t0 = Instant::now();
        let r = self.start_node_inner(node, env, true).await;
        if std::env::var_os("MIP6LAB_TIMING").is_some() {
            eprintln!("timing: node {} up in {:?}", node.name, t0.elapsed());
        }
        r
    }

    async fn start_node_inner(
        &mut self,
        node: &NodeSpec,
        env: &[(String, String)],
        wait_ready: bool,
    ) -> Result<NodeHandle> {
        let prepared = self
            .prepared
            .iter()
            .position(|((n, e), _)| *n == node.name && e == env)
            .map(|i| self.prepared.remove(i).1);
        let handle = match prepared {
            Some(h) => {
                if SHUTTING_DOWN.load(std::sync::atomic::Ordering::SeqCst) {
                    bail!("interrupted: node {} not started", node.name);
                }
                self.engine
                    .start_container(&h.id, &format!("mip6lab-{}-{}", self.run_id, node.name))
                    .await?;
                h
            }
            None => self.create_node(node, env).await?,
        };
        self.nodes.push(handle.clone());
        if wait_ready {
            self.wait_ready(node, &handle).await?;
        }
        Ok(handle)
    }

    /// Creates and starts the node's container (no readiness wait, not yet in `nodes`).
    async fn create_node(&self, node: &NodeSpec, env: &[(String, String)]) -> Result<NodeHandle> {
        let h = self.create_stopped(node, env).await?;
        self.engine
            .start_container(&h.id, &format!("mip6lab-{}-{}", self.run_id, node.name))
            .await?;
        Ok(h)
    }

    /// Creates the node's container (labelled, so teardown removes it) without starting it.
    async fn create_stopped(
        &self,
        node: &NodeSpec,
        env: &[(String, String)],
    ) -> Result<NodeHandle> {
        let image = self.images.resolve(&self.engine, &self.opts, node).await?;
        if SHUTTING_DOWN.load(std::sync::atomic::Ordering::SeqCst) {
            bail!("interrupted: node {} not started", node.name);
        }
        let mut binds = self.render_files(node)?;
        let address = self.topology.address(node);
        let keylog = matches!(node.image.as_str(), "iut" | "refimpl");
        if keylog {
            let dir = self.opts.out_dir.join("keys").join(&node.name);
            std::fs::create_dir_all(&dir)?;
            // The container may run as another user; the directory only holds lab keys.
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777))?;
            binds.push((dir.display().to_string(), KEYLOG_DIR.to_string()));
        }
        let mut vars: Vec<String> = node
            .env
            .iter()
            .map(|(k, v)| Ok(format!("{k}={}", self.topology.render(v)?)))
            .collect::<Result<_>>()?;
        vars.extend(env.iter().map(|(k, v)| format!("{k}={v}")));
        vars.push(format!("MIP6LAB_WAIT_ADDRS={address}"));
        vars.push(format!("MIP6LAB_ADDR={address}"));
        if keylog {
            vars.push(format!("MIP6LAB_KEYLOG_DIR={KEYLOG_DIR}"));
        }
        let name = format!("mip6lab-{}-{}", self.run_id, node.name);
        let holder = self.create_holder(node, &name).await?;
        let created = self
            .engine
            .create_container(ContainerSpec {
                name,
                image,
                network: NetworkMode::JoinHolder(&holder),
                env: vars,
                binds,
                labels: self.labels(),
                cmd: node.command.clone(),
                cap_add: capabilities(node),
            })
            .await;
        let id = match created {
            Ok(id) => id,
            Err(e) => {
                self.engine.remove_container(&holder).await;
                return Err(e);
            }
        };
        let handle = NodeHandle {
            name: node.name.clone(),
            role: node.role.clone(),
            id,
            holder,
            address,
        };
        Ok(handle)
    }

    /// Starts the container that holds the node's network namespace and wires its `eth0`
    /// to the node's bridge. The node's own container joins it: its processes find their
    /// addresses in place from the first instruction, whatever the image.
    async fn create_holder(&self, node: &NodeSpec, name: &str) -> Result<String> {
        let id = self
            .engine
            .create_container(ContainerSpec {
                name: format!("{name}-net"),
                image: crate::images::HOLDER_IMAGE.to_string(),
                network: NetworkMode::Holder {
                    hostname: name,
                    router: node.router,
                },
                env: Vec::new(),
                binds: Vec::new(),
                labels: self.labels(),
                cmd: Some(vec!["sleep".into(), "infinity".into()]),
                cap_add: Vec::new(),
            })
            .await?;
        let wired = match self
            .engine
            .start_container(&id, &format!("{name}-net"))
            .await
        {
            Ok(()) => match self.engine.pid(&id).await {
                Ok(pid) => self.wire(node, pid),
                Err(e) => Err(e),
            },
            Err(e) => Err(e),
        };
        if let Err(e) = wired {
            // Not left behind for a retry to trip over (the name would be taken).
            self.engine.remove_container(&id).await;
            return Err(e);
        }
        Ok(id)
    }

    /// Wires each of the node's links (`eth0` on its network, then `more_links`) into the
    /// namespace of process `pid`. Nodes take the addresses after the lab host's, in
    /// topology order, so a node's IPv4 address (and the MAC derived from it) on a link is
    /// the same in every run; the default routes are on `eth0` (IPv6: via the link's router node, if any).
    fn wire(&self, node: &NodeSpec, pid: u32) -> Result<()> {
        for (i, (network, ipv6)) in self.topology.links(node).into_iter().enumerate() {
            let (index, net) = self
                .topology
                .networks
                .iter()
                .enumerate()
                .find(|(_, n)| n.name == network)
                .context("node on an unknown network")?;
            let v6: crate::topology::Cidr<Ipv6Addr> = net.ipv6.parse()?;
            let v4: crate::topology::Cidr<std::net::Ipv4Addr> = net.ipv4.parse()?;
            let ipv4 = self.topology.ipv4_on(&network, node)?;
            // A fresh name each time: the last test's veth of this node may outlive its
            // namespace for a moment (the kernel dismantles namespaces asynchronously).
            let serial = self
                .veths
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let lab_end: String = format!("v{serial}-{}", node.name)
                .chars()
                .take(15)
                .collect();
            self.net.attach(&Port {
                bridge: &self.bridges[index],
                lab_end: &lab_end,
                pid,
                node_end: &format!("eth{i}"),
                mac: mac_for(ipv4),
                ipv6: (ipv6, v6.len),
                ipv4: (ipv4, v4.len),
                ipv4_gateway: (i == 0).then(|| v4.host(1)),
                ipv6_gateway: (i == 0)
                    .then(|| self.topology.ipv6_router(&network, node))
                    .flatten(),
            })?;
        }
        Ok(())
    }

    /// The host pid of a node's network namespace holder (to look into the node's links,
    /// e.g. `nsenter --net=/proc/<pid>/ns/net`).
    pub async fn holder_pid(&self, node: &str) -> Result<u32> {
        let h = self.node(node).with_context(|| format!("no node {node}"))?;
        self.engine.pid(&h.holder).await
    }

    /// Waits for the node's readiness probe, if it has one.
    async fn wait_ready(&self, node: &NodeSpec, handle: &NodeHandle) -> Result<()> {
        let address = handle.address;
        if let Some(ready) = &node.ready {
            let res = match ready {
                Readiness::DnsSoa(zone) => {
                    let sock = self.probe_socket(node)?;
                    probe::dns_soa(address, sock, zone, READY_TIMEOUT)
                        .await
                        .map(|_| ())
                }
                Readiness::Log(text) => self.wait_log(handle, text, READY_TIMEOUT).await,
                Readiness::Dhcpv6Info { option } => {
                    let sock = self.probe_socket_on(node, 546)?;
                    let bridge = self.bridge_of(node)?;
                    let scope = self.net.ifindex(&bridge)?;
                    probe::dhcpv6_info(sock, scope, *option, READY_TIMEOUT)
                        .await
                        .map(|_| ())
                }
                Readiness::RadiusAccess {
                    user,
                    password,
                    secret,
                } => {
                    let sock = self.probe_socket(node)?;
                    probe::radius_access(address, sock, user, password, secret, READY_TIMEOUT)
                        .await
                        .map(|_| ())
                }
            };
            if let Err(e) = res {
                let logs = self.engine.logs(&handle.id).await.unwrap_or_default();
                bail!(
                    "node {} is not ready: {e:#}\n--- its log ---\n{logs}",
                    node.name
                );
            }
        }
        Ok(())
    }

    /// A probe's socket: on the lab host's address of the node's network, in the lab's
    /// namespace.
    fn probe_socket(&self, node: &NodeSpec) -> Result<tokio::net::UdpSocket> {
        self.probe_socket_on(node, 0)
    }

    /// [`Lab::probe_socket`] on a given port (a DHCPv6 client's is 546).
    fn probe_socket_on(&self, node: &NodeSpec, port: u16) -> Result<tokio::net::UdpSocket> {
        let sock = self.bind_udp(SocketAddr::from((self.gateway_of(node)?, port)))?;
        sock.set_nonblocking(true)?;
        Ok(tokio::net::UdpSocket::from_std(sock)?)
    }

    /// A UDP socket on the lab host's side of its links (in the lab's namespace): how a
    /// test talks to the lab's nodes from the harness.
    pub fn bind_udp(&self, local: SocketAddr) -> Result<std::net::UdpSocket> {
        self.net.bind_udp(local)
    }

    /// The lab's network namespace (for a test that opens its own sockets there).
    pub fn netns(&self) -> &LabNet {
        &self.net
    }

    /// The bridge of the node's network.
    fn bridge_of(&self, node: &NodeSpec) -> Result<String> {
        self.topology
            .networks
            .iter()
            .position(|n| n.name == node.network)
            .and_then(|i| self.bridges.get(i).cloned())
            .context("node on an unknown network")
    }

    /// The lab host's address on the node's network (the bridge's, the first host address).
    fn gateway_of(&self, node: &NodeSpec) -> Result<Ipv6Addr> {
        let net = self
            .topology
            .networks
            .iter()
            .find(|n| n.name == node.network)
            .context("node on an unknown network")?;
        let cidr: crate::topology::Cidr<Ipv6Addr> = net.ipv6.parse()?;
        Ok(cidr.gateway())
    }

    /// Polls the node's log for `text`; fails early if the node exits first.
    async fn wait_log(&self, node: &NodeHandle, text: &str, timeout: Duration) -> Result<()> {
        let deadline = Instant::now() + timeout;
        loop {
            if self.engine.logs(&node.id).await?.contains(text) {
                return Ok(());
            }
            let (running, code) = self.engine.state(&node.id).await?;
            if !running {
                bail!("exited (code {code:?}) before logging `{text}`");
            }
            if Instant::now() >= deadline {
                bail!("`{text}` not in its log within {timeout:?}");
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits until every `wait = "exit"` node has exited, or `timeout` in all. Returns each
    /// such node with its exit code (`None`: still running when the time was up).
    pub async fn wait_exited(&self, timeout: Duration) -> Result<Vec<(NodeHandle, Option<i64>)>> {
        let deadline = Instant::now() + timeout;
        let waited: Vec<&NodeHandle> = self
            .nodes
            .iter()
            .filter(|h| self.topology.exit_waited().any(|n| n.name == h.name))
            .collect();
        let mut out = Vec::new();
        for h in waited {
            let left = deadline.saturating_duration_since(Instant::now());
            self.wait_exit(h, left).await?;
            let (running, code) = self.engine.state(&h.id).await?;
            out.push((h.clone(), (!running).then(|| code.unwrap_or(-1))));
        }
        Ok(out)
    }

    /// Starts the IUT node with extra environment (test settings, knobs).
    pub async fn start_iut(&mut self, env: &[(String, String)]) -> Result<NodeHandle> {
        let node = self
            .topology
            .iut()
            .context("the topology has no iut node")?
            .clone();
        // Frames up to here are setup (readiness probes): kept in the pcap, left out of the
        // transcript, so the transcript holds the test and nothing that varies with timing.
        // The capture thread may still be writing a probe's last answer: count once it is
        // quiet.
        self.setup_frames = self.settled_frame_counts().await;
        self.start_node(&node, env).await
    }

    /// Starts an `after_iut` peer (the stimulus) with extra environment.
    pub async fn start_after_iut(
        &mut self,
        name: &str,
        env: &[(String, String)],
    ) -> Result<NodeHandle> {
        let node = self
            .topology
            .nodes
            .iter()
            .find(|n| n.name == name && n.after_iut)
            .with_context(|| format!("the topology has no after_iut node `{name}`"))?
            .clone();
        self.start_node(&node, env).await
    }

    /// Waits until no capture has taken a frame for 100 ms (at most 1 s): what was in flight
    /// when the watched node reported is then in the pcap.
    pub async fn settle_captures(&self) {
        self.settled_frame_counts().await;
    }

    /// Frame counts of the captures once they have not moved for 100 ms (at most 1 s).
    async fn settled_frame_counts(&self) -> Vec<u64> {
        let deadline = Instant::now() + Duration::from_secs(1);
        let mut last: Vec<u64> = self.captures.iter().map(|c| c.frames()).collect();
        while Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(100)).await;
            let now: Vec<u64> = self.captures.iter().map(|c| c.frames()).collect();
            if now == last {
                break;
            }
            last = now;
        }
        last
    }

    pub fn node(&self, name: &str) -> Option<&NodeHandle> {
        self.nodes.iter().find(|n| n.name == name)
    }

    pub async fn logs(&self, node: &NodeHandle) -> Result<String> {
        self.engine.logs(&node.id).await
    }

    /// When the IUT has exited with code 2 (a configuration error, per the contract): the
    /// last line it wrote on stderr. None while it runs, or when it ended otherwise.
    pub async fn iut_configuration_error(&self) -> Option<String> {
        let node = self.node(&self.topology.iut()?.name)?;
        match self.engine.state(&node.id).await.ok()? {
            (false, Some(2)) => {}
            _ => return None,
        }
        let stderr = self.engine.stderr(&node.id).await.unwrap_or_default();
        Some(last_line(&stderr))
    }

    /// Waits for `MIP6LAB-EVENT {"event": kind, ...}` in the node's log. Returns `None` when
    /// the node exited or `timeout` passed without it.
    pub async fn wait_event(
        &self,
        node: &NodeHandle,
        kind: &str,
        timeout: Duration,
    ) -> Result<Option<serde_json::Value>> {
        let deadline = Instant::now() + timeout;
        loop {
            let logs = self.engine.logs(&node.id).await?;
            if let Some(ev) = find_event(&logs, kind) {
                return Ok(Some(ev));
            }
            let (running, _) = self.engine.state(&node.id).await?;
            if !running {
                // Read once more: the event may have been written just before the exit.
                let logs = self.engine.logs(&node.id).await?;
                return Ok(find_event(&logs, kind));
            }
            if Instant::now() >= deadline {
                return Ok(None);
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits until the node exits or `timeout`; returns the exit code if it exited.
    pub async fn wait_exit(&self, node: &NodeHandle, timeout: Duration) -> Result<Option<i64>> {
        let deadline = Instant::now() + timeout;
        loop {
            let (running, code) = self.engine.state(&node.id).await?;
            if !running {
                return Ok(code);
            }
            if Instant::now() >= deadline {
                return Ok(None);
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Stops the captures, saves every node's log, removes containers and networks.
    pub async fn down(self) -> Result<Artifacts> {
        let t0 = Instant::now();
        let r = self.down_inner().await;
        if std::env::var_os("MIP6LAB_TIMING").is_some() {
            eprintln!("timing: down in {:?}", t0.elapsed());
        }
        r
    }

    async fn down_inner(mut self) -> Result<Artifacts> {
        let timing = std::env::var_os("MIP6LAB_TIMING").is_some();
        let t0 = Instant::now();
        let art = self.collect().await?;
        let found = self.engine.find(Some(&self.run_id)).await?;
        self.engine.remove(&found).await?;
        self.net.delete();
        if timing {
            eprintln!(
                "timing:   containers and networks removed in {:?}",
                t0.elapsed()
            );
        }
        self.torn_down = true;
        unregister_run(&self.run_id);
        Ok(art)
    }

    /// The test's evidence: peer state dumps, versions, logs (a reused peer's from where the
    /// test began), the finished captures, key logs.
    async fn collect(&mut self) -> Result<Artifacts> {
        let timing = std::env::var_os("MIP6LAB_TIMING").is_some();
        let t0 = Instant::now();
        let state = self.dump_state().await?;
        let versions = self.peer_versions().await;
        if timing {
            eprintln!("timing:   state and versions in {:?}", t0.elapsed());
        }
        let mut logs = Vec::new();
        let log_dir = self.opts.out_dir.join("logs");
        std::fs::create_dir_all(&log_dir)?;
        let texts =
            futures_util::future::join_all(self.nodes.iter().map(|n| self.engine.logs(&n.id)))
                .await;
        for (n, text) in self.nodes.iter().zip(texts) {
            let text = text.unwrap_or_else(|e| format!("(no log: {e})"));
            // What an earlier test of a reused peer logged is that test's evidence.
            let from = self.log_offsets.get(&n.name).copied().unwrap_or(0);
            self.log_offsets.insert(n.name.clone(), text.len());
            let text = text.get(from..).unwrap_or(&text).to_string();
            let p = log_dir.join(format!("{}.log", n.name));
            std::fs::write(&p, text)?;
            logs.push(p);
        }
        let mut pcaps = Vec::new();
        for cap in std::mem::take(&mut self.captures) {
            let path = cap.path.clone();
            cap.stop()
                .with_context(|| format!("finishing {}", path.display()))?;
            pcaps.push(path);
        }
        if timing {
            eprintln!("timing:   logs and captures in {:?}", t0.elapsed());
        }
        let mut setup_frames = std::mem::take(&mut self.setup_frames);
        setup_frames.resize(pcaps.len(), 0);
        let keylogs = self
            .nodes
            .iter()
            .map(|n| {
                self.opts
                    .out_dir
                    .join("keys")
                    .join(&n.name)
                    .join("keys.log")
            })
            .filter(|p| p.exists())
            .collect();
        Ok(Artifacts {
            pcaps,
            setup_frames,
            logs,
            state,
            versions,
            keylogs,
        })
    }

    /// Each peer's answer to its `version` command; a peer that cannot say is left out.
    async fn peer_versions(&self) -> std::collections::BTreeMap<String, String> {
        let mut out = std::collections::BTreeMap::new();
        for spec in &self.topology.nodes {
            let (Some(cmd), Some(node)) = (
                &spec.version,
                self.nodes.iter().find(|n| n.name == spec.name),
            ) else {
                continue;
            };
            // One image, one version: asked once per process.
            static SEEN: Mutex<Vec<(String, String)>> = Mutex::new(Vec::new());
            if let Some(v) = SEEN.lock().ok().and_then(|m| {
                m.iter()
                    .find(|(i, _)| *i == spec.image)
                    .map(|(_, v)| v.clone())
            }) {
                out.insert(spec.image.clone(), v);
                continue;
            }
            if let Ok(text) = self
                .engine
                .exec(&node.id, cmd, Duration::from_secs(5))
                .await
            {
                if let Some(line) = text.lines().map(str::trim).find(|l| !l.is_empty()) {
                    out.insert(spec.image.clone(), line.to_string());
                    if let Ok(mut m) = SEEN.lock() {
                        m.push((spec.image.clone(), line.to_string()));
                    }
                }
            }
        }
        out
    }

    /// Runs each node's `state` commands and saves their output as `state/<node>.txt`: what
    /// the peers hold at the end of the test, for the evidence. A failing command is written
    /// down, not fatal: the test's own verdict does not depend on it.
    async fn dump_state(&self) -> Result<Vec<PathBuf>> {
        let mut files = Vec::new();
        for spec in &self.topology.nodes {
            let Some(node) = self.nodes.iter().find(|n| n.name == spec.name) else {
                continue;
            };
            if spec.state.is_empty() {
                continue;
            }
            // The commands only read; run together, they cost one exec's latency.
            let outs = futures_util::future::join_all(
                spec.state
                    .iter()
                    .map(|cmd| self.engine.exec(&node.id, cmd, Duration::from_secs(10))),
            )
            .await;
            let mut text = String::new();
            for (cmd, out) in spec.state.iter().zip(outs) {
                text.push_str(&format!("$ {}\n", cmd.join(" ")));
                match out {
                    Ok(out) => text.push_str(&out),
                    Err(e) => text.push_str(&format!("(not captured: {e:#})\n")),
                }
            }
            let dir = self.opts.out_dir.join("state");
            std::fs::create_dir_all(&dir)?;
            let p = dir.join(format!("{}.txt", spec.name));
            std::fs::write(&p, text)?;
            files.push(p);
        }
        Ok(files)
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        if !self.torn_down {
            // Error or panic path: captures flush on their own drop; containers and
            // networks go by label.
            self.captures.clear();
            remove_run_blocking(&self.run_id);
            unregister_run(&self.run_id);
        }
    }
}

/// The data of the first `kind` event in a node's log (the contract's event-line format).
pub use mip6lab_contract::events::find as find_event;

/// The capabilities a node's container gets: its topology's, and for the IUT always the
/// two the contract promises (`NET_ADMIN`, `NET_RAW`), whatever the topology says.
pub fn capabilities(node: &NodeSpec) -> Vec<String> {
    let mut caps = node.cap_add.clone();
    if node.image == "iut" {
        for cap in IUT_CAPABILITIES {
            if !caps.iter().any(|c| c == cap) {
                caps.push(cap.to_string());
            }
        }
    }
    caps
}

/// What the IUT contract grants every IUT (containers/iut/README.md).
pub const IUT_CAPABILITIES: [&str; 2] = ["NET_ADMIN", "NET_RAW"];

/// The last non-empty line of a log, trimmed (`(nothing on stderr)` when there is none).
pub fn last_line(log: &str) -> String {
    log.lines()
        .map(str::trim)
        .rfind(|l| !l.is_empty())
        .unwrap_or("(nothing on stderr)")
        .to_string()
}

/// Progress and warnings go to stderr; a closed stderr must not turn into a panic in the
/// middle of a teardown.
pub(crate) fn note(msg: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{msg}");
}
