//! The container engine: Docker's API through bollard, with the API version negotiated so
//! that the Docker that Debian ships (20.10, API 1.41) works as well as newer ones.
//!
//! Everything the lab creates carries the labels below; cleanup goes by label, so it works
//! the same from a normal teardown, a panic, a signal or `mip6lab gc` after a SIGKILL.

use anyhow::{anyhow, bail, Context, Result};
use bollard::models::{
    ContainerCreateBody, EndpointIpamConfig, EndpointSettings, HostConfig, Ipam, IpamConfig,
    NetworkCreateRequest, NetworkingConfig,
};
use bollard::query_parameters::{
    BuildImageOptionsBuilder, CreateContainerOptionsBuilder, ListContainersOptionsBuilder,
    ListNetworksOptionsBuilder, LogsOptionsBuilder, RemoveContainerOptionsBuilder,
};
use bollard::Docker;
use futures_util::StreamExt;
use std::collections::HashMap;
use std::net::Ipv6Addr;
use std::path::Path;

pub const LABEL_RUN: &str = "mip6lab.run";
pub const LABEL_PID: &str = "mip6lab.pid";

#[derive(Clone)]
pub struct Engine {
    docker: Docker,
}

/// What a container needs to start.
pub struct ContainerSpec<'a> {
    pub name: String,
    pub image: String,
    pub network: &'a str,
    pub ipv6: Ipv6Addr,
    pub env: Vec<String>,
    /// Host path → container path, read-only.
    pub binds: Vec<(String, String)>,
    pub labels: HashMap<String, String>,
    /// Replaces the image's CMD; `None` keeps it.
    pub cmd: Option<Vec<String>>,
    pub cap_add: Vec<String>,
}

/// Lab objects found by label.
#[derive(Debug, Default)]
pub struct Leftovers {
    pub containers: Vec<(String, String, u32)>,
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
        if self.docker.inspect_image(&tag).await.is_ok() {
            return Ok(tag);
        }
        if self
            .docker
            .inspect_image("debian:bookworm-slim")
            .await
            .is_err()
        {
            bail!(
                "base image debian:bookworm-slim is missing: run `bash containers/base/ensure-base.sh` \
                 (it pulls the image or bootstraps it with debootstrap)"
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

    pub async fn create_network(
        &self,
        name: &str,
        bridge: &str,
        ipv6: &str,
        ipv4: &str,
        labels: HashMap<String, String>,
    ) -> Result<()> {
        let req = NetworkCreateRequest {
            name: name.to_string(),
            driver: Some("bridge".into()),
            internal: Some(true),
            enable_ipv6: Some(true),
            ipam: Some(Ipam {
                driver: Some("default".into()),
                config: Some(vec![
                    IpamConfig {
                        subnet: Some(ipv6.into()),
                        ..Default::default()
                    },
                    IpamConfig {
                        subnet: Some(ipv4.into()),
                        ..Default::default()
                    },
                ]),
                options: None,
            }),
            options: Some(HashMap::from([(
                "com.docker.network.bridge.name".to_string(),
                bridge.to_string(),
            )])),
            labels: Some(labels),
            ..Default::default()
        };
        self.docker.create_network(req).await.map_err(|e| {
            let hint = if e.to_string().contains("overlap") {
                " (an earlier run may have left its network behind: run `mip6lab gc`)"
            } else {
                ""
            };
            anyhow!("creating network {name} ({ipv6}, {ipv4}): {e}{hint}")
        })?;
        Ok(())
    }

    pub async fn start_container(&self, id: &str, name: &str) -> Result<()> {
        self.docker
            .start_container(id, None)
            .await
            .with_context(|| format!("starting container {name}"))?;
        Ok(())
    }

    /// Creates the container without starting it (it joins its network only when started).
    pub async fn create_container(&self, spec: ContainerSpec<'_>) -> Result<String> {
        let host_config = HostConfig {
            network_mode: Some(spec.network.to_string()),
            binds: Some(
                spec.binds
                    .iter()
                    // Rendered files are read-only; the key-log directory is the one
                    // writable mount (the node's own evidence).
                    .map(|(h, c)| {
                        if c == crate::lab::KEYLOG_DIR {
                            format!("{h}:{c}:rw")
                        } else {
                            format!("{h}:{c}:ro")
                        }
                    })
                    .collect(),
            ),
            // Lab links need no DAD: addresses are unique by construction, and DAD would
            // delay every start by a second or more.
            sysctls: Some(HashMap::from([
                (
                    "net.ipv6.conf.all.disable_ipv6".to_string(),
                    "0".to_string(),
                ),
                ("net.ipv6.conf.all.accept_dad".to_string(), "0".to_string()),
                (
                    "net.ipv6.conf.default.accept_dad".to_string(),
                    "0".to_string(),
                ),
            ])),
            init: Some(true),
            cap_add: (!spec.cap_add.is_empty()).then_some(spec.cap_add),
            ..Default::default()
        };
        let networking = NetworkingConfig {
            endpoints_config: Some(HashMap::from([(
                spec.network.to_string(),
                EndpointSettings {
                    ipam_config: Some(EndpointIpamConfig {
                        ipv6_address: Some(spec.ipv6.to_string()),
                        ..Default::default()
                    }),
                    ..Default::default()
                },
            )])),
        };
        let body = ContainerCreateBody {
            image: Some(spec.image.clone()),
            cmd: spec.cmd,
            env: Some(spec.env),
            labels: Some(spec.labels),
            hostname: Some(spec.name.chars().take(63).collect()),
            host_config: Some(host_config),
            networking_config: Some(networking),
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
        Ok(Leftovers {
            containers: cs
                .iter()
                .map(|c| {
                    let (run, pid) = meta(c.labels.as_ref());
                    (c.id.clone().unwrap_or_default(), run, pid)
                })
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

    /// Removes containers first (a network in use cannot go), then networks.
    pub async fn remove(&self, l: &Leftovers) -> Result<(usize, usize)> {
        let opts = RemoveContainerOptionsBuilder::default()
            .force(true)
            .v(true)
            .build();
        let mut removed = (0, 0);
        // All containers at once: each removal waits for its container to stop.
        let results = futures_util::future::join_all(
            l.containers
                .iter()
                .map(|(id, _, _)| self.docker.remove_container(id, Some(opts.clone()))),
        )
        .await;
        for ((id, _, _), r) in l.containers.iter().zip(results) {
            match r {
                Ok(()) => removed.0 += 1,
                Err(e) if is_not_found(&e) => {}
                Err(e) => crate::lab::note(&format!("mip6lab: cannot remove container {id}: {e}")),
            }
        }
        for (name, _, _) in &l.networks {
            match self.docker.remove_network(name).await {
                Ok(()) => removed.1 += 1,
                Err(e) if is_not_found(&e) => {}
                Err(e) => crate::lab::note(&format!("mip6lab: cannot remove network {name}: {e}")),
            }
        }
        Ok(removed)
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
    let t = std::thread::spawn(move || -> Result<(usize, usize)> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        rt.block_on(async {
            let engine = Engine::connect().await?;
            let found = engine.find(Some(&run)).await?;
            engine.remove(&found).await
        })
    });
    match t.join() {
        Ok(Ok((c, n))) => c + n,
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
