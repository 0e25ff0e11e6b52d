//! The container engine: Docker's API through bollard, with the API version negotiated so
//! that the Docker that Debian ships (20.10, API 1.41) works as well as newer ones.
//!
//! Everything the lab creates carries the labels below; cleanup goes by label, so it works
//! the same from a normal teardown, a panic, a signal or `mip6lab gc` after a SIGKILL.

use anyhow::{anyhow, bail, Context, Result};
use bollard::models::{ContainerCreateBody, HostConfig};
use bollard::query_parameters::{
    BuildImageOptionsBuilder, CreateContainerOptionsBuilder, ListContainersOptionsBuilder,
    ListNetworksOptionsBuilder, LogsOptionsBuilder, RemoveContainerOptionsBuilder,
};
use bollard::Docker;
use futures_util::StreamExt;
use std::collections::HashMap;
use std::path::Path;

pub const LABEL_RUN: &str = "mip6lab.run";
pub const LABEL_PID: &str = "mip6lab.pid";
/// On a node's holder container (it holds the node's network namespace).
pub const LABEL_HOLDER: &str = "mip6lab.holder";

#[derive(Clone)]
pub struct Engine {
    docker: Docker,
}

/// What a container needs to start.
pub struct ContainerSpec<'a> {
    pub name: String,
    pub image: String,
    pub network: NetworkMode<'a>,
    pub env: Vec<String>,
    /// Host path → container path, read-only.
    pub binds: Vec<(String, String)>,
    pub labels: HashMap<String, String>,
    /// Replaces the image's CMD; `None` keeps it.
    pub cmd: Option<Vec<String>>,
    pub cap_add: Vec<String>,
}

/// Where a container's network comes from.
pub enum NetworkMode<'a> {
    /// A holder: Docker gives it no network; the lab wires its `eth0`
    /// ([`crate::netns::LabNet::attach`]). Its hostname and sysctls are the node's.
    Holder { hostname: &'a str, router: bool },
    /// The node itself, in its holder's namespace (`container:<id>`).
    JoinHolder(&'a str),
}

/// Lab objects found by label (id or name, run, pid of the process that made it).
#[derive(Debug, Default)]
pub struct Leftovers {
    pub containers: Vec<(String, String, u32)>,
    /// Holder containers, removed after the containers that share their namespace.
    pub holders: Vec<(String, String, u32)>,
    /// Docker networks: earlier versions of the lab made them.
    pub networks: Vec<(String, String, u32)>,
}

impl Engine {
    pub async fn connect() -> Result<Engine> {
        let docker = Docker::connect_with_local_defaults().map_err(no_docker)?;
        let docker = tokio::time::timeout(
            std::time::Duration::from_secs(10),
            docker.negotiate_version(),
        )
        .await
        .map_err(|_| anyhow!("the Docker daemon did not answer within 10 s"))?
        .map_err(no_docker)?;
        Ok(Engine { docker })
    }

    /// Builds `containers/<dir>` (plus extra files) as `mip6lab/<name>:<content hash>`,
    /// unless an image with that tag exists: the tag changes exactly when the recipe does.
    pub async fn ensure_image(
        &self,
        name: &str,
        dir: &Path,
        extra: &[(&str, Vec<u8>)],
    ) -> Result<String> {
        let mut files: Vec<(String, Vec<u8>)> = Vec::new();
        for entry in
            std::fs::read_dir(dir).with_context(|| format!("image recipe {}", dir.display()))?
        {
            let entry = entry?;
            if entry.file_type()?.is_file() {
                let fname = entry.file_name().to_string_lossy().into_owned();
                if fname == "README.md" {
                    continue;
                }
                files.push((fname, std::fs::read(entry.path())?));
            }
        }
        files.extend(extra.iter().map(|(n, d)| (n.to_string(), d.clone())));
        files.sort();
        if !files.iter().any(|(n, _)| n == "Dockerfile") {
            bail!("{} has no Dockerfile", dir.display());
        }
        let tag = format!("mip6lab/{name}:{}", content_hash(&files));
        // Parallel labs ask for the same images at once: one builds, the others wait for it.
        static BUILDING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
        let _building = BUILDING.lock().await;
        if self.docker.inspect_image(&tag).await.is_ok() {
            return Ok(tag);
        }
        if self
            .docker
            .inspect_image(crate::images::BASE_IMAGE)
            .await
            .is_err()
        {
            bail!(
                "base image {} is missing: run `bash containers/base/ensure-base.sh` \
                 (it pulls the image or bootstraps it with debootstrap)",
                crate::images::BASE_IMAGE
            );
        }
        crate::lab::note(&format!(
            "mip6lab: building image {tag} (first run; later runs reuse it)"
        ));
        let mut tarball = tar::Builder::new(Vec::new());
        for (n, d) in &files {
            let mut h = tar::Header::new_gnu();
            h.set_size(d.len() as u64);
            h.set_mode(0o755);
            h.set_cksum();
            tarball.append_data(&mut h, n, d.as_slice())?;
        }
        let body = tarball.into_inner()?;
        let opts = BuildImageOptionsBuilder::default()
            .dockerfile("Dockerfile")
            .t(&tag)
            .rm(true)
            .forcerm(true)
            .build();
        let mut stream = self.docker.build_image(
            opts,
            None,
            Some(bollard::body_full(bytes::Bytes::from(body))),
        );
        let mut log = String::new();
        while let Some(item) = stream.next().await {
            let info = item.with_context(|| format!("building {tag}"))?;
            if let Some(s) = info.stream {
                log.push_str(&s);
            }
            if let Some(e) = info.error_detail.and_then(|d| d.message) {
                bail!("building {tag} failed: {e}\n{}", tail(&log, 30));
            }
        }
        self.docker
            .inspect_image(&tag)
            .await
            .with_context(|| format!("image {tag} missing after build:\n{}", tail(&log, 30)))?;
        self.prune_older(name, &tag).await;
        Ok(tag)
    }

    pub async fn image_exists(&self, tag: &str) -> bool {
        self.docker.inspect_image(tag).await.is_ok()
    }

    /// A new recipe makes the older builds of that image dead weight (each reference IUT
    /// build is another image): remove them. One still used by a container stays.
    async fn prune_older(&self, name: &str, keep: &str) {
        let filters = HashMap::from([("reference".to_string(), vec![format!("mip6lab/{name}")])]);
        let Ok(images) = self
            .docker
            .list_images(Some(
                bollard::query_parameters::ListImagesOptionsBuilder::default()
                    .filters(&filters)
                    .build(),
            ))
            .await
        else {
            return;
        };
        for img in images {
            for t in img.repo_tags.iter().filter(|t| t.as_str() != keep) {
                let _ = self
                    .docker
                    .remove_image(
                        t,
                        None::<bollard::query_parameters::RemoveImageOptions>,
                        None,
                    )
                    .await;
            }
        }
    }

    pub async fn start_container(&self, id: &str, name: &str) -> Result<()> {
        self.docker
            .start_container(id, None)
            .await
            .with_context(|| format!("starting container {name}"))?;
        Ok(())
    }

    /// Creates the container without starting it.
    pub async fn create_container(&self, spec: ContainerSpec<'_>) -> Result<String> {
        let binds = spec
            .binds
            .iter()
            // Rendered files are read-only; the key-log directory is the one writable
            // mount (the node's own evidence).
            .map(|(h, c)| {
                if c == crate::lab::KEYLOG_DIR {
                    format!("{h}:{c}:rw")
                } else {
                    format!("{h}:{c}:ro")
                }
            })
            .collect();
        let mut labels = spec.labels;
        let (network_mode, hostname, sysctls) = match spec.network {
            NetworkMode::Holder { hostname, router } => {
                labels.insert(LABEL_HOLDER.to_string(), "1".to_string());
                // Lab links need no DAD: addresses are unique by construction, and DAD
                // would delay every start by a second or more. `default` covers the eth0
                // the lab adds later.
                let mut sysctls = HashMap::from(
                    [
                        ("net.ipv6.conf.all.disable_ipv6", "0"),
                        ("net.ipv6.conf.default.disable_ipv6", "0"),
                        ("net.ipv6.conf.all.accept_dad", "0"),
                        ("net.ipv6.conf.default.accept_dad", "0"),
                        // dhcpcd sets it at start and stops when it cannot: /proc/sys is
                        // read-only in a container, so the holder sets it beforehand.
                        ("net.ipv4.conf.all.promote_secondaries", "1"),
                        ("net.ipv4.conf.default.promote_secondaries", "1"),
                    ]
                    .map(|(k, v)| (k.to_string(), v.to_string())),
                );
                if router {
                    sysctls.insert("net.ipv6.conf.all.forwarding".into(), "1".into());
                }
                (
                    "none".to_string(),
                    Some(hostname.chars().take(63).collect()),
                    Some(sysctls),
                )
            }
            // Docker refuses a hostname or net.* sysctls on a container sharing another's
            // namespace: the holder carries them.
            NetworkMode::JoinHolder(id) => (format!("container:{id}"), None, None),
        };
        let host_config = HostConfig {
            network_mode: Some(network_mode),
            binds: Some(binds),
            sysctls,
            init: Some(true),
            cap_add: (!spec.cap_add.is_empty()).then_some(spec.cap_add),
            ..Default::default()
        };
        let body = ContainerCreateBody {
            image: Some(spec.image.clone()),
            cmd: spec.cmd,
            env: Some(spec.env),
            labels: Some(labels),
            hostname,
            host_config: Some(host_config),
            ..Default::default()
        };
        let opts = CreateContainerOptionsBuilder::default()
            .name(&spec.name)
            .build();
        let created = self
            .docker
            .create_container(Some(opts), body)
            .await
            .with_context(|| format!("creating container {} from {}", spec.name, spec.image))?;
        Ok(created.id)
    }

    /// Whole stdout+stderr of a container so far.
    pub async fn logs(&self, id: &str) -> Result<String> {
        self.output(id, true).await
    }

    /// Whole stderr of a container so far.
    pub async fn stderr(&self, id: &str) -> Result<String> {
        self.output(id, false).await
    }

    async fn output(&self, id: &str, stdout: bool) -> Result<String> {
        let opts = LogsOptionsBuilder::default()
            .stdout(stdout)
            .stderr(true)
            .build();
        let mut s = self.docker.logs(id, Some(opts));
        let mut out = String::new();
        while let Some(chunk) = s.next().await {
            out.push_str(&chunk?.to_string());
        }
        Ok(out)
    }

    /// Runs `cmd` inside a running container and returns its stdout and stderr, bounded by
    /// `timeout` (a command that hangs does not hold up teardown).
    pub async fn exec(
        &self,
        id: &str,
        cmd: &[String],
        timeout: std::time::Duration,
    ) -> Result<String> {
        Ok(self.exec_code(id, cmd, timeout).await?.0)
    }

    /// [`Engine::exec`] that fails unless the command exits 0.
    pub async fn exec_ok(
        &self,
        id: &str,
        cmd: &[String],
        timeout: std::time::Duration,
    ) -> Result<String> {
        match self.exec_code(id, cmd, timeout).await? {
            (out, Some(0)) => Ok(out),
            (out, code) => bail!("`{}` exited with {code:?}: {}", cmd.join(" "), out.trim()),
        }
    }

    /// The output of `cmd` and its exit code.
    async fn exec_code(
        &self,
        id: &str,
        cmd: &[String],
        timeout: std::time::Duration,
    ) -> Result<(String, Option<i64>)> {
        let created = self
            .docker
            .create_exec(
                id,
                bollard::models::ExecConfig {
                    cmd: Some(cmd.to_vec()),
                    attach_stdout: Some(true),
                    attach_stderr: Some(true),
                    ..Default::default()
                },
            )
            .await?;
        let run = async {
            let mut out = String::new();
            if let bollard::exec::StartExecResults::Attached { mut output, .. } =
                self.docker.start_exec(&created.id, None).await?
            {
                while let Some(chunk) = output.next().await {
                    out.push_str(&chunk?.to_string());
                }
            }
            let code = self.docker.inspect_exec(&created.id).await?.exit_code;
            anyhow::Ok((out, code))
        };
        match tokio::time::timeout(timeout, run).await {
            Ok(r) => r,
            Err(_) => bail!("`{}` did not finish within {timeout:?}", cmd.join(" ")),
        }
    }

    /// Whether the container is still running, and its exit code if not.
    pub async fn state(&self, id: &str) -> Result<(bool, Option<i64>)> {
        let c = self.docker.inspect_container(id, None).await?;
        let st = c.state.unwrap_or_default();
        Ok((st.running.unwrap_or(false), st.exit_code))
    }

    /// The host pid of the container's init (its namespaces are reachable through it).
    pub async fn pid(&self, id: &str) -> Result<u32> {
        let c = self.docker.inspect_container(id, None).await?;
        match c.state.and_then(|s| s.pid) {
            Some(p) if p > 0 => Ok(p as u32),
            _ => bail!("container {id} has no process"),
        }
    }

    /// All lab objects carrying `mip6lab.run`, optionally only one run's.
    pub async fn find(&self, run: Option<&str>) -> Result<Leftovers> {
        let filter = match run {
            Some(r) => format!("{LABEL_RUN}={r}"),
            None => LABEL_RUN.to_string(),
        };
        let filters = HashMap::from([("label".to_string(), vec![filter])]);
        let cs = self
            .docker
            .list_containers(Some(
                ListContainersOptionsBuilder::default()
                    .all(true)
                    .filters(&filters)
                    .build(),
            ))
            .await?;
        let ns = self
            .docker
            .list_networks(Some(
                ListNetworksOptionsBuilder::default()
                    .filters(&filters)
                    .build(),
            ))
            .await?;
        let meta = |labels: Option<&HashMap<String, String>>| {
            let l = labels.cloned().unwrap_or_default();
            (
                l.get(LABEL_RUN).cloned().unwrap_or_default(),
                l.get(LABEL_PID).and_then(|p| p.parse().ok()).unwrap_or(0),
            )
        };
        let is_holder = |labels: Option<&HashMap<String, String>>| {
            labels.is_some_and(|l| l.contains_key(LABEL_HOLDER))
        };
        let entry = |c: &bollard::models::ContainerSummary| {
            let (run, pid) = meta(c.labels.as_ref());
            (c.id.clone().unwrap_or_default(), run, pid)
        };
        Ok(Leftovers {
            containers: cs
                .iter()
                .filter(|c| !is_holder(c.labels.as_ref()))
                .map(entry)
                .collect(),
            holders: cs
                .iter()
                .filter(|c| is_holder(c.labels.as_ref()))
                .map(entry)
                .collect(),
            networks: ns
                .iter()
                .map(|n| {
                    let (run, pid) = meta(n.labels.as_ref());
                    (n.name.clone().unwrap_or_default(), run, pid)
                })
                .collect(),
        })
    }

    /// Removes containers first, then their holders (a namespace in use stays until the
    /// last container in it goes), then networks. Returns (containers and holders, networks).
    pub async fn remove(&self, l: &Leftovers) -> Result<(usize, usize)> {
        let mut removed = (
            self.remove_containers(&l.containers).await + self.remove_containers(&l.holders).await,
            0,
        );
        for (name, _, _) in &l.networks {
            match self.docker.remove_network(name).await {
                Ok(()) => removed.1 += 1,
                Err(e) if is_not_found(&e) => {}
                Err(e) => crate::lab::note(&format!("mip6lab: cannot remove network {name}: {e}")),
            }
        }
        Ok(removed)
    }

    /// Removes one container, best effort (a failure is noted, not returned).
    pub async fn remove_container(&self, id: &str) {
        self.remove_containers(&[(id.to_string(), String::new(), 0)])
            .await;
    }

    /// Removes containers all at once (each removal waits for its container to stop).
    async fn remove_containers(&self, ids: &[(String, String, u32)]) -> usize {
        let opts = RemoveContainerOptionsBuilder::default()
            .force(true)
            .v(true)
            .build();
        let results = futures_util::future::join_all(
            ids.iter()
                .map(|(id, _, _)| self.docker.remove_container(id, Some(opts.clone()))),
        )
        .await;
        let mut removed = 0;
        for ((id, _, _), r) in ids.iter().zip(results) {
            match r {
                Ok(()) => removed += 1,
                Err(e) if is_not_found(&e) => {}
                Err(e) => crate::lab::note(&format!("mip6lab: cannot remove container {id}: {e}")),
            }
        }
        removed
    }

    pub async fn image_size(&self, tag: &str) -> Option<i64> {
        self.docker
            .inspect_image(tag)
            .await
            .ok()
            .and_then(|i| i.size)
    }
}

fn is_not_found(e: &bollard::errors::Error) -> bool {
    matches!(
        e,
        bollard::errors::Error::DockerResponseServerError {
            status_code: 404,
            ..
        }
    )
}

fn no_docker(e: bollard::errors::Error) -> anyhow::Error {
    anyhow!(
        "Docker is not available ({e}). The lab runs its peers in containers: install Docker \
         (Debian: `apt-get install docker.io`) and start the daemon (`dockerd &` or \
         `systemctl start docker`); `.ci/run` shows the whole setup."
    )
}

fn content_hash(files: &[(String, Vec<u8>)]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for (n, d) in files {
        h.update((n.len() as u64).to_be_bytes());
        h.update(n.as_bytes());
        h.update((d.len() as u64).to_be_bytes());
        h.update(d);
    }
    hex::encode(&h.finalize()[..6])
}

fn tail(s: &str, lines: usize) -> String {
    let v: Vec<&str> = s.lines().collect();
    v[v.len().saturating_sub(lines)..].join("\n")
}

/// Removes everything of `run` from synchronous code (Drop, signal handlers): a private
/// runtime on a private thread, so it works inside or outside an async context.
/// Removes the run's objects; returns how many were found (0: nothing was left).
pub fn remove_run_blocking(run: &str) -> usize {
    let run = run.to_string();
    let t = std::thread::spawn(move || -> Result<usize> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let containers = rt.block_on(async {
            let engine = Engine::connect().await?;
            let found = engine.find(Some(&run)).await?;
            engine.remove(&found).await
        });
        // After the containers, and even without Docker: the lab's links go with its
        // namespace.
        let spaces = crate::netns::delete_run(&run);
        containers.map(|(c, n)| c + n + spaces)
    });
    match t.join() {
        Ok(Ok(n)) => n,
        Ok(Err(e)) => {
            crate::lab::note(&format!("mip6lab: teardown: {e:#}"));
            0
        }
        Err(_) => {
            crate::lab::note("mip6lab: teardown thread panicked");
            0
        }
    }
}
