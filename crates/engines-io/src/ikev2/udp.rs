//! A thin tokio driver for the [`IkeEngine`]: one UDP socket (port 500), datagrams and timer ticks
//! in, datagrams out, key-log lines appended to files. Every wait is bounded by the caller's
//! deadline.

use mip6lab_engines::ikev2::{Event, IkeEngine, InitiateRequest, KeyLogEntry, SaId};
use mip6lab_engines::io::Datagram;
use std::io::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tokio::net::UdpSocket;

/// Where the key logs go: `keys.log` (mip6lab format), `ikev2_decryption_table` and `esp_sa`
/// (Wireshark) in one directory.
#[derive(Debug, Clone)]
pub struct KeyLogFiles {
    pub dir: PathBuf,
}

impl KeyLogFiles {
    pub fn new(dir: impl AsRef<Path>) -> KeyLogFiles {
        KeyLogFiles {
            dir: dir.as_ref().to_path_buf(),
        }
    }

    pub fn own(&self) -> PathBuf {
        self.dir.join("keys.log")
    }

    fn append(&self, name: &str, line: &str) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.dir)?;
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join(name))?;
        writeln!(f, "{line}")
    }

    /// Writes one entry to the own log and to the matching Wireshark table.
    pub fn write(&self, e: &KeyLogEntry) -> std::io::Result<()> {
        self.append("keys.log", &e.own)?;
        let table = if e.is_ike {
            "ikev2_decryption_table"
        } else {
            "esp_sa"
        };
        self.append(table, &e.wireshark)
    }
}

/// Gives the engine the system's wall-clock time (for certificate validity).
fn set_wall_clock(engine: &mut IkeEngine) {
    if let Ok(d) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        engine.set_unix_time(d.as_secs());
    }
}

/// The socket side of an engine.
pub struct Driver {
    socket: UdpSocket,
    /// The responder of [`Driver::initiate`] (overrides the request's), or the last peer
    /// that wrote to us. Datagrams go where the engine says.
    pub peer: Option<SocketAddr>,
    start: Instant,
    keylog: Option<KeyLogFiles>,
    /// Every event seen so far.
    pub events: Vec<Event>,
}

impl Driver {
    /// Binds `local` (e.g. `[2001:db8:1::1]:500`).
    pub async fn bind(
        local: SocketAddr,
        peer: Option<SocketAddr>,
        keylog: Option<KeyLogFiles>,
    ) -> std::io::Result<Driver> {
        Ok(Driver {
            socket: UdpSocket::bind(local).await?,
            peer,
            start: Instant::now(),
            keylog,
            events: Vec::new(),
        })
    }

    /// The bound address (for port 0: the port the system chose).
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.socket.local_addr()
    }

    /// Milliseconds since the driver started: the engine's clock.
    pub fn now(&self) -> u64 {
        self.start.elapsed().as_millis() as u64
    }

    async fn flush(&mut self, engine: &mut IkeEngine) -> std::io::Result<()> {
        while let Some(t) = engine.poll_transmit() {
            self.socket.send_to(&t.payload, t.dst).await?;
        }
        Ok(())
    }

    /// Runs the engine until `stop` returns true for an event or `timeout` passes; returns
    /// whether `stop` fired. Key-log entries are written as they come.
    pub async fn run_until(
        &mut self,
        engine: &mut IkeEngine,
        timeout: Duration,
        mut stop: impl FnMut(&Event) -> bool,
    ) -> std::io::Result<bool> {
        let deadline = Instant::now() + timeout;
        let mut buf = vec![0u8; 65536];
        loop {
            self.flush(engine).await?;
            let mut done = false;
            while let Some(e) = engine.poll_event() {
                if let (Event::KeyLog(k), Some(files)) = (&e, &self.keylog) {
                    files.write(k)?;
                }
                done |= stop(&e);
                self.events.push(e);
            }
            if done {
                self.flush(engine).await?;
                return Ok(true);
            }
            let now_i = Instant::now();
            if now_i >= deadline {
                return Ok(false);
            }
            let mut wait = deadline - now_i;
            if let Some(t) = engine.next_timeout() {
                let d = Duration::from_millis(t.saturating_sub(self.now()));
                wait = wait.min(d.max(Duration::from_millis(1)));
            }
            match tokio::time::timeout(wait, self.socket.recv_from(&mut buf)).await {
                Ok(Ok((n, from))) => {
                    if self.peer.is_none() || engine.config().responder.is_some() {
                        self.peer = Some(from);
                    }
                    let now = self.now();
                    set_wall_clock(engine);
                    engine.handle_input(now, Datagram::new(from, &buf[..n]));
                }
                Ok(Err(e)) => return Err(e),
                Err(_) => {}
            }
            let now = self.now();
            set_wall_clock(engine);
            engine.handle_timeout(now);
        }
    }

    /// Starts an IKE SA and runs until it is established (and its IKE_AUTH Child SA settled)
    /// or failed, bounded by `timeout`.
    pub async fn initiate(
        &mut self,
        engine: &mut IkeEngine,
        mut req: InitiateRequest,
        timeout: Duration,
    ) -> std::io::Result<InitiateOutcome> {
        if let Some(p) = self.peer {
            req.peer = p;
        }
        let want_child = req.child.is_some();
        set_wall_clock(engine);
        let sa = engine.initiate(self.now(), req);
        let mut up = false;
        let settled = self
            .run_until(engine, timeout, |e| match e {
                Event::IkeSaEstablished { sa: s, .. } if *s == sa => {
                    up = true;
                    !want_child
                }
                Event::ChildSaEstablished { sa: s, .. } | Event::ChildSaFailed { sa: s, .. }
                    if *s == sa =>
                {
                    true
                }
                Event::Failed { sa: s, .. } if *s == sa => true,
                _ => false,
            })
            .await?;
        Ok(InitiateOutcome {
            sa,
            established: up,
            settled,
        })
    }
}

/// What [`Driver::initiate`] got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InitiateOutcome {
    pub sa: SaId,
    pub established: bool,
    /// False if the timeout ran out first.
    pub settled: bool,
}
