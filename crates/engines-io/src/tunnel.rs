//! Userspace IPv4 tunnels for kernels without `ipip`, `sit` or `fou` (the lab's: no module
//! can be loaded): a TUN device carries the inner packets, [`mip6lab_engines::tunnel`]
//! decides, and raw or UDP sockets carry the outer ones. Linux only; needs `CAP_NET_ADMIN`
//! (TUN, addresses, routes) and `CAP_NET_RAW` (raw sockets).
//!
//! - **TUN**: `IFF_TUN | IFF_NO_PI`, so a read is one bare IP packet and a write hands one to
//!   the stack, which reads the version nibble. Its MTU leaves room for the largest outer
//!   header ([`MAX_OVERHEAD`], IPv4 + UDP), so every inner packet the kernel routes there fits
//!   the link once wrapped. Addresses, MTU and routes are set with the classic ioctls, which
//!   need neither netlink code nor `ip` in the container.
//! - **Sending**: one `IPPROTO_RAW` socket (which implies `IP_HDRINCL`) writes the outer
//!   header the codec built, for protocols 4 and 41 alike. Chosen over letting the kernel
//!   build the header because RFC 2003 §3.1 makes the outer header depend on each inner
//!   packet (DF copied, TOS copied): with `IP_HDRINCL` the packet on the wire is exactly the
//!   codec's, which its unit tests pin. The kernel still fills the checksum and, only if it
//!   is 0, the Identification; it does not fragment (the codec refuses what exceeds the MTU).
//!   UDP peers go through a UDP socket bound to the tunnel port (the kernel builds IPv4+UDP).
//! - **Receiving**: raw sockets of protocol 4 and 41 get every such packet addressed to this
//!   namespace, outer header included. Because a raw socket takes them, the kernel does not
//!   answer with ICMP Protocol Unreachable although no protocol handler exists (raw delivery
//!   counts as delivery); the namespace test measures this on the wire. Packets the codec
//!   drops are counted, never answered.
//!
//! The peer table can change while [`TunnelDriver::run`] goes on, through a
//! [`TunnelHandle`]. Every wait is bounded: a blocked write gives up after [`SEND_TIMEOUT`]
//! and counts the packet lost; `run` ends when its shutdown future does.

use crate::ikev2::esp_io::sys::{new_socket, register, send_ready};
use mip6lab_engines::tunnel::{Config, Counters, Encapsulation, Peer, PeerError, Prefix, Tunnels};
pub use mip6lab_engines::tunnel::{MAX_OVERHEAD, UDP_TUNNEL_PORT};
use std::ffi::{c_char, c_int, c_short, c_ulong, c_ushort, c_void, CString};
use std::future::Future;
use std::io;
use std::mem::size_of;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::io::unix::AsyncFd;
use tokio::net::UdpSocket;

/// How long one write may wait for room before the packet is counted lost.
pub const SEND_TIMEOUT: Duration = Duration::from_millis(500);
/// Largest packet read (an IPv4 total length).
const MAX_PACKET: usize = 65_535;
/// Packets handled per readiness event before the other sources get a turn.
const BATCH: usize = 64;
const TUN_PATH: &str = "/dev/net/tun";

/// The TUN device of a tunnel endpoint and its configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TunSettings {
    /// Requested name (`%d` lets the kernel number it); the driver reports the one given.
    pub name: String,
    /// The link MTU the outer packets cross; the TUN gets this minus [`MAX_OVERHEAD`].
    pub link_mtu: u32,
    pub ipv4: Vec<(Ipv4Addr, u8)>,
    pub ipv6: Vec<(Ipv6Addr, u8)>,
    /// Inner destinations routed into the TUN (the caller's: a prefix the peers serve, a
    /// default route at an MN that reverse-tunnels everything).
    pub routes: Vec<Prefix>,
}

/// What the driver opens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DriverSettings {
    pub tun: TunSettings,
    /// The codec's settings; `max_outer` is capped at the TUN's `link_mtu`.
    pub codec: Config,
    /// This node's outer addresses; the first one also carries UDP encapsulation.
    pub locals: Vec<Ipv4Addr>,
    /// Whether to open the UDP socket on `codec.udp_port` (RFC 5555 §4.1).
    pub udp: bool,
}

/// Failures of the sockets under the codec.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IoCounters {
    pub tun_reads: u64,
    pub tun_writes: u64,
    pub sent: u64,
    pub received: u64,
    /// Sends refused by the kernel (no route, EMSGSIZE) or timed out.
    pub send_errors: u64,
    pub tun_write_errors: u64,
    /// UDP datagrams from a non-IPv4 source (cannot happen on an IPv4 socket; counted
    /// rather than assumed).
    pub udp_other: u64,
    /// ICMP errors the UDP socket reported instead of a datagram.
    pub udp_errors: u64,
}

struct Shared {
    tunnels: Tunnels,
    io: IoCounters,
}

/// Changes the peer table and reads the counters while the driver runs.
#[derive(Clone)]
pub struct TunnelHandle(Arc<Mutex<Shared>>);

impl TunnelHandle {
    fn lock(&self) -> MutexGuard<'_, Shared> {
        // A panic elsewhere must not take the table with it: the data stays consistent
        // (every update is one call).
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn add_peer(&self, peer: Peer) -> Result<(), PeerError> {
        self.lock().tunnels.add_peer(peer)
    }

    pub fn remove_peer(&self, remote: Ipv4Addr) -> bool {
        self.lock().tunnels.remove_peer(remote)
    }

    /// [`Tunnels::attach`]: one more inner prefix to `remote`, the peer created if missing.
    pub fn attach(
        &self,
        remote: Ipv4Addr,
        local: Ipv4Addr,
        encapsulation: Encapsulation,
        prefix: Prefix,
    ) -> Result<(), PeerError> {
        self.lock()
            .tunnels
            .attach(remote, local, encapsulation, prefix)
    }

    /// [`Tunnels::detach`]: the prefix off `remote`, the peer gone with its last route.
    /// See [`mip6lab_engines::tunnel::Tunnels::set_relay`].
    pub fn set_relay(&self, on: bool) {
        self.lock().tunnels.set_relay(on)
    }

    /// See [`mip6lab_engines::tunnel::Tunnels::set_host`].
    pub fn set_host(&self, on: bool) {
        self.lock().tunnels.set_host(on)
    }

    /// See [`mip6lab_engines::tunnel::Tunnels::set_reverse_tunnel`].
    pub fn set_reverse_tunnel(&self, visitor: Ipv4Addr, home_agent: Option<Ipv4Addr>) {
        self.lock().tunnels.set_reverse_tunnel(visitor, home_agent)
    }

    pub fn detach(&self, remote: Ipv4Addr, prefix: Prefix) -> bool {
        self.lock().tunnels.detach(remote, prefix)
    }

    pub fn peers(&self) -> Vec<Peer> {
        self.lock().tunnels.peers().cloned().collect()
    }

    pub fn counters(&self) -> (Counters, IoCounters) {
        let s = self.lock();
        (s.tunnels.counters().clone(), s.io.clone())
    }
}

/// A running tunnel endpoint: TUN device, raw and UDP sockets, the codec.
pub struct TunnelDriver {
    name: String,
    tun: AsyncFd<OwnedFd>,
    tx: AsyncFd<OwnedFd>,
    rx4: AsyncFd<OwnedFd>,
    rx41: AsyncFd<OwnedFd>,
    udp: Option<(Ipv4Addr, UdpSocket)>,
    shared: TunnelHandle,
}

impl TunnelDriver {
    /// Creates and configures the TUN device and opens the sockets, in the calling thread's
    /// network namespace. Call inside a tokio runtime.
    pub async fn open(s: DriverSettings) -> io::Result<TunnelDriver> {
        let (tun, name) = open_tun(&s.tun.name)?;
        configure(&name, &s.tun)?;
        let raw = |proto| new_socket(libc::AF_INET, libc::SOCK_RAW, proto);
        let tx = raw(libc::IPPROTO_RAW)?;
        let rx4 = raw(libc::IPPROTO_IPIP)?;
        let rx41 = raw(libc::IPPROTO_IPV6)?;
        let udp = match (s.udp, s.locals.first()) {
            (true, Some(&a)) => {
                let sock = UdpSocket::bind(SocketAddrV4::new(a, s.codec.udp_port)).await?;
                Some((a, sock))
            }
            (true, None) => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "UDP encapsulation needs a local address",
                ))
            }
            _ => None,
        };
        // The raw socket does not fragment: nothing over the link MTU leaves.
        let codec = Config {
            max_outer: s.codec.max_outer.min(s.tun.link_mtu as usize),
            ..s.codec
        };
        let shared = Shared {
            tunnels: Tunnels::new(codec, s.locals),
            io: IoCounters::default(),
        };
        Ok(TunnelDriver {
            name,
            tun: register(tun)?,
            tx: register(tx)?,
            rx4: register(rx4)?,
            rx41: register(rx41)?,
            udp,
            shared: TunnelHandle(Arc::new(Mutex::new(shared))),
        })
    }

    /// The TUN device's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn handle(&self) -> TunnelHandle {
        self.shared.clone()
    }

    /// Moves packets until `shutdown` completes. An error is a socket that cannot be read
    /// any more; failed sends are counted, not errors.
    pub async fn run(self, shutdown: impl Future<Output = ()>) -> io::Result<()> {
        tokio::pin!(shutdown);
        let mut buf = vec![0u8; MAX_PACKET];
        let mut ubuf = vec![0u8; MAX_PACKET];
        loop {
            tokio::select! {
                _ = &mut shutdown => return Ok(()),
                g = self.tun.readable() => {
                    let mut g = g?;
                    for _ in 0..BATCH {
                        match g.try_io(|fd| read_fd(fd.as_raw_fd(), &mut buf)) {
                            Ok(r) => self.on_tun_packet(&buf[..r?]).await,
                            Err(_would_block) => break,
                        }
                    }
                }
                g = self.rx4.readable() => self.drain_raw(g?, &mut buf).await?,
                g = self.rx41.readable() => self.drain_raw(g?, &mut buf).await?,
                r = udp_recv(&self.udp, &mut ubuf) => match r {
                    Ok((n, from)) => self.on_udp_datagram(from, n, &ubuf).await,
                    // An ICMP error queued on the socket: a peer's problem, not this loop's.
                    Err(e) if matches!(
                        e.kind(),
                        io::ErrorKind::ConnectionRefused | io::ErrorKind::ConnectionReset
                    ) => self.shared.lock().io.udp_errors += 1,
                    Err(e) => return Err(e),
                }
            }
        }
    }

    async fn drain_raw(
        &self,
        mut g: tokio::io::unix::AsyncFdReadyGuard<'_, OwnedFd>,
        buf: &mut [u8],
    ) -> io::Result<()> {
        for _ in 0..BATCH {
            match g.try_io(|fd| read_fd(fd.as_raw_fd(), buf)) {
                Ok(r) => self.on_raw_packet(&buf[..r?]).await,
                Err(_would_block) => break,
            }
        }
        Ok(())
    }

    /// An inner packet the kernel routed into the TUN: wrap and send it.
    async fn on_tun_packet(&self, inner: &[u8]) {
        let out = {
            let mut s = self.shared.lock();
            s.io.tun_reads += 1;
            s.tunnels.encapsulate(inner)
        };
        if let Ok(e) = out {
            self.send_encapsulated(&e).await;
        }
    }

    async fn send_encapsulated(&self, e: &mip6lab_engines::tunnel::Encapsulated) {
        let sent = match (e.udp_datagram(), &self.udp) {
            (Some((to, payload)), Some((_, sock))) => {
                timed(sock.send_to(payload, SocketAddr::V4(to))).await
            }
            // A UDP peer without the UDP socket: the settings' mistake, counted as a failure.
            (Some(_), None) => Err(io::Error::other("no UDP socket")),
            (None, _) => {
                let to = sockaddr_v4(e.remote);
                timed(send_ready(&self.tx, |fd| sendto_v4(fd, &e.packet, &to))).await
            }
        };
        let mut s = self.shared.lock();
        match sent {
            Ok(_) => s.io.sent += 1,
            Err(_) => s.io.send_errors += 1,
        }
    }

    /// A packet from a raw socket (outer IPv4 header included).
    async fn on_raw_packet(&self, outer: &[u8]) {
        let inner = {
            let mut s = self.shared.lock();
            s.io.received += 1;
            s.tunnels
                .decapsulate(outer)
                .map(|d| (d.peer, d.packet.to_vec()))
        };
        if let Ok((from, p)) = inner {
            self.deliver(from, &p).await;
        }
    }

    /// A decapsulated packet: to the next tunnel when the codec relays it (a foreign agent),
    /// else to the local stack through the TUN.
    async fn deliver(&self, from: Ipv4Addr, inner: &[u8]) {
        let relayed = {
            let mut s = self.shared.lock();
            s.tunnels
                .relay_target(from, inner)
                .map(|to| s.tunnels.encapsulate_to(to, inner))
        };
        match relayed {
            Some(Ok(e)) => self.send_encapsulated(&e).await,
            // Counted by the codec.
            Some(Err(_)) => {}
            None => self.to_tun(inner).await,
        }
    }

    async fn on_udp_datagram(&self, from: SocketAddr, n: usize, buf: &[u8]) {
        let (SocketAddr::V4(from), Some((local, _))) = (from, &self.udp) else {
            self.shared.lock().io.udp_other += 1;
            return;
        };
        let inner = {
            let mut s = self.shared.lock();
            s.io.received += 1;
            s.tunnels
                .decapsulate_udp(from, *local, &buf[..n])
                .map(|d| (d.peer, d.packet.to_vec()))
        };
        if let Ok((from, p)) = inner {
            self.deliver(from, &p).await;
        }
    }

    async fn to_tun(&self, inner: &[u8]) {
        let r = timed(send_ready(&self.tun, |fd| write_fd(fd, inner))).await;
        let mut s = self.shared.lock();
        match r {
            Ok(_) => s.io.tun_writes += 1,
            Err(_) => s.io.tun_write_errors += 1,
        }
    }
}

async fn udp_recv(
    udp: &Option<(Ipv4Addr, UdpSocket)>,
    buf: &mut [u8],
) -> io::Result<(usize, SocketAddr)> {
    match udp {
        Some((_, s)) => s.recv_from(buf).await,
        None => std::future::pending().await,
    }
}

async fn timed<T>(f: impl Future<Output = io::Result<T>>) -> io::Result<T> {
    tokio::time::timeout(SEND_TIMEOUT, f)
        .await
        .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "send timed out"))?
}

fn read_fd(fd: RawFd, buf: &mut [u8]) -> io::Result<usize> {
    // SAFETY: `buf` is valid for `buf.len()` octets during the call.
    let n = unsafe { libc::read(fd, buf.as_mut_ptr() as *mut c_void, buf.len()) };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(n as usize)
}

fn write_fd(fd: RawFd, data: &[u8]) -> io::Result<usize> {
    // SAFETY: `data` is valid for `data.len()` octets during the call.
    let n = unsafe { libc::write(fd, data.as_ptr() as *const c_void, data.len()) };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(n as usize)
}

fn sockaddr_v4(a: Ipv4Addr) -> libc::sockaddr_in {
    // SAFETY: all-zero is a valid sockaddr_in.
    let mut sa: libc::sockaddr_in = unsafe { std::mem::zeroed() };
    sa.sin_family = libc::AF_INET as libc::sa_family_t;
    sa.sin_addr.s_addr = u32::from(a).to_be();
    sa
}

/// One `sendto` of a whole IPv4 packet on an `IP_HDRINCL` socket.
pub fn sendto_v4(fd: RawFd, packet: &[u8], to: &libc::sockaddr_in) -> io::Result<usize> {
    // SAFETY: `packet` and `to` live across the call and their sizes are passed.
    let n = unsafe {
        libc::sendto(
            fd,
            packet.as_ptr() as *const c_void,
            packet.len(),
            0,
            to as *const libc::sockaddr_in as *const libc::sockaddr,
            size_of::<libc::sockaddr_in>() as libc::socklen_t,
        )
    };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(n as usize)
}

/// Sends one whole IPv4 packet (header written by the caller) from the calling thread's
/// namespace: the tests' way to put a tunnel packet on the wire with no driver running.
pub fn send_raw_ipv4(packet: &[u8], dst: Ipv4Addr) -> io::Result<usize> {
    let fd = new_socket(libc::AF_INET, libc::SOCK_RAW, libc::IPPROTO_RAW)?;
    sendto_v4(fd.as_raw_fd(), packet, &sockaddr_v4(dst))
}

/// Opens `/dev/net/tun` (creating the node, c 10 200, when missing: containers usually lack
/// it but may create it) and attaches a TUN interface named after `name`.
fn open_tun(name: &str) -> io::Result<(OwnedFd, String)> {
    let fd = match open_tun_node() {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            make_tun_node().map_err(|m| {
                io::Error::new(
                    m.kind(),
                    format!(
                        "{TUN_PATH} is missing and creating it (mknod c 10 200) failed: {m}; \
                         a container needs CAP_MKNOD or the device passed in"
                    ),
                )
            })?;
            open_tun_node()?
        }
        r => r?,
    };
    let mut ifr = ifreq_named(name)?;
    ifr.ifr_ifru.ifru_flags = (libc::IFF_TUN | libc::IFF_NO_PI) as c_short;
    // SAFETY: `ifr` is a valid ifreq for TUNSETIFF and outlives the call.
    if unsafe { libc::ioctl(fd.as_raw_fd(), libc::TUNSETIFF, &mut ifr) } < 0 {
        return Err(ctx(io::Error::last_os_error(), "TUNSETIFF"));
    }
    let given: Vec<u8> = ifr
        .ifr_name
        .iter()
        .take_while(|&&c| c != 0)
        .map(|&c| c as u8)
        .collect();
    Ok((fd, String::from_utf8_lossy(&given).into_owned()))
}

fn open_tun_node() -> io::Result<OwnedFd> {
    let path = CString::new(TUN_PATH).map_err(io::Error::other)?;
    let flags = libc::O_RDWR | libc::O_NONBLOCK | libc::O_CLOEXEC;
    // SAFETY: a valid C string; the descriptor is owned right away.
    let fd = unsafe { libc::open(path.as_ptr(), flags) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: a fresh descriptor nobody else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

fn make_tun_node() -> io::Result<()> {
    std::fs::create_dir_all("/dev/net")?;
    let path = CString::new(TUN_PATH).map_err(io::Error::other)?;
    // SAFETY: a valid C string; mknod has no other inputs.
    let r = unsafe { libc::mknod(path.as_ptr(), libc::S_IFCHR | 0o666, libc::makedev(10, 200)) };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

fn ctx(e: io::Error, what: &str) -> io::Error {
    io::Error::new(e.kind(), format!("{what}: {e}"))
}

fn ifreq_named(name: &str) -> io::Result<libc::ifreq> {
    if name.len() >= libc::IFNAMSIZ || name.as_bytes().contains(&0) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("interface name {name:?}"),
        ));
    }
    // SAFETY: all-zero is a valid ifreq.
    let mut ifr: libc::ifreq = unsafe { std::mem::zeroed() };
    for (d, s) in ifr.ifr_name.iter_mut().zip(name.bytes()) {
        *d = s as c_char;
    }
    Ok(ifr)
}

fn ioctl_ifreq(fd: RawFd, req: c_ulong, ifr: &mut libc::ifreq, what: &str) -> io::Result<()> {
    // SAFETY: `ifr` is a valid ifreq for these SIOC* requests and outlives the call.
    if unsafe { libc::ioctl(fd, req as _, ifr as *mut libc::ifreq) } < 0 {
        return Err(ctx(io::Error::last_os_error(), what));
    }
    Ok(())
}

fn sockaddr_into(slot: &mut libc::sockaddr, a: Ipv4Addr) {
    let sin = sockaddr_v4(a);
    // SAFETY: sockaddr and sockaddr_in are both 16 octets; the slot is plain data.
    unsafe { std::ptr::write(slot as *mut libc::sockaddr as *mut libc::sockaddr_in, sin) };
}

fn mask_v4(len: u8) -> Ipv4Addr {
    Ipv4Addr::from(
        u32::MAX
            .checked_shl(32 - u32::from(len.min(32)))
            .unwrap_or(0),
    )
}

/// Linux's `struct rtentry` (uapi/linux/route.h), for SIOCADDRT on an IPv4 socket.
#[repr(C)]
struct RtEntry {
    rt_pad1: c_ulong,
    rt_dst: libc::sockaddr,
    rt_gateway: libc::sockaddr,
    rt_genmask: libc::sockaddr,
    rt_flags: c_ushort,
    rt_pad2: c_short,
    rt_pad3: c_ulong,
    rt_pad4: *mut c_void,
    rt_metric: c_short,
    rt_dev: *mut c_char,
    rt_mtu: c_ulong,
    rt_window: c_ulong,
    rt_irtt: c_ushort,
}

/// Linux's `struct in6_rtmsg` (uapi/linux/ipv6_route.h; libc keeps its fields private).
#[repr(C)]
struct In6RtMsg {
    dst: libc::in6_addr,
    src: libc::in6_addr,
    gateway: libc::in6_addr,
    kind: u32,
    dst_len: u16,
    src_len: u16,
    metric: u32,
    info: c_ulong,
    flags: u32,
    ifindex: c_int,
}

/// Sets MTU and addresses, brings the device up, adds the routes.
fn configure(name: &str, t: &TunSettings) -> io::Result<()> {
    let link_overhead = MAX_OVERHEAD as u32;
    let mtu = t.link_mtu.checked_sub(link_overhead).ok_or_else(|| {
        io::Error::new(io::ErrorKind::InvalidInput, "link MTU under the overhead")
    })?;
    if !t.ipv6.is_empty() && mtu < 1280 {
        // Linux disables IPv6 on a device under the IPv6 minimum MTU (RFC 8200 §5).
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("TUN MTU {mtu} is under IPv6's 1280"),
        ));
    }
    let s4 = new_socket(libc::AF_INET, libc::SOCK_DGRAM, 0)?;
    let fd4 = s4.as_raw_fd();
    let mut ifr = ifreq_named(name)?;
    ifr.ifr_ifru.ifru_mtu = mtu as c_int;
    ioctl_ifreq(fd4, libc::SIOCSIFMTU, &mut ifr, "SIOCSIFMTU")?;
    for &(a, len) in &t.ipv4 {
        let mut ifr = ifreq_named(name)?;
        // SAFETY: writing a union field of plain data.
        sockaddr_into(unsafe { &mut ifr.ifr_ifru.ifru_addr }, a);
        ioctl_ifreq(fd4, libc::SIOCSIFADDR, &mut ifr, "SIOCSIFADDR")?;
        let mut ifr = ifreq_named(name)?;
        // SAFETY: as above.
        sockaddr_into(unsafe { &mut ifr.ifr_ifru.ifru_netmask }, mask_v4(len));
        ioctl_ifreq(fd4, libc::SIOCSIFNETMASK, &mut ifr, "SIOCSIFNETMASK")?;
    }
    let cname = CString::new(name).map_err(io::Error::other)?;
    // SAFETY: a valid C string.
    let ifindex = unsafe { libc::if_nametoindex(cname.as_ptr()) } as c_int;
    if ifindex == 0 {
        return Err(ctx(io::Error::last_os_error(), "if_nametoindex"));
    }
    let s6 = if t.ipv6.is_empty() && !t.routes.iter().any(|r| matches!(r, Prefix::V6(..))) {
        None
    } else {
        Some(new_socket(libc::AF_INET6, libc::SOCK_DGRAM, 0)?)
    };
    for &(a, len) in &t.ipv6 {
        let mut req = libc::in6_ifreq {
            ifr6_addr: libc::in6_addr {
                s6_addr: a.octets(),
            },
            ifr6_prefixlen: u32::from(len),
            ifr6_ifindex: ifindex,
        };
        let fd6 = s6.as_ref().map_or(-1, |s| s.as_raw_fd());
        // SAFETY: `req` is a valid in6_ifreq and outlives the call.
        if unsafe { libc::ioctl(fd6, libc::SIOCSIFADDR as _, &mut req) } < 0 {
            return Err(ctx(io::Error::last_os_error(), "SIOCSIFADDR (IPv6)"));
        }
    }
    let mut ifr = ifreq_named(name)?;
    ioctl_ifreq(fd4, libc::SIOCGIFFLAGS, &mut ifr, "SIOCGIFFLAGS")?;
    // SAFETY: the flags field was just filled by the kernel.
    unsafe { ifr.ifr_ifru.ifru_flags |= libc::IFF_UP as c_short };
    ioctl_ifreq(fd4, libc::SIOCSIFFLAGS, &mut ifr, "SIOCSIFFLAGS")?;
    for r in &t.routes {
        match *r {
            Prefix::V4(a, len) => add_route_v4(fd4, &cname, a, len)?,
            Prefix::V6(a, len) => {
                let fd6 = s6.as_ref().map_or(-1, |s| s.as_raw_fd());
                add_route_v6(fd6, ifindex, a, len)?
            }
        }
    }
    Ok(())
}

/// Adds `a/len` to interface `dev` as a second IPv4 address, under the alias label
/// `dev:label` (the classic ioctls: a label's SIOCSIFADDR adds an address instead of
/// replacing the first) — an MN's co-located CoA from DHCP beside the address the lab gave it.
/// Needs `CAP_NET_ADMIN`.
pub fn add_ipv4_alias(dev: &str, label: &str, a: Ipv4Addr, len: u8) -> io::Result<()> {
    let name = format!("{dev}:{label}");
    let s = new_socket(libc::AF_INET, libc::SOCK_DGRAM, 0)?;
    let mut ifr = ifreq_named(&name)?;
    // SAFETY: writing a union field of plain data.
    sockaddr_into(unsafe { &mut ifr.ifr_ifru.ifru_addr }, a);
    ioctl_ifreq(
        s.as_raw_fd(),
        libc::SIOCSIFADDR,
        &mut ifr,
        "SIOCSIFADDR (alias)",
    )?;
    let mut ifr = ifreq_named(&name)?;
    // SAFETY: as above.
    sockaddr_into(unsafe { &mut ifr.ifr_ifru.ifru_netmask }, mask_v4(len));
    ioctl_ifreq(
        s.as_raw_fd(),
        libc::SIOCSIFNETMASK,
        &mut ifr,
        "SIOCSIFNETMASK (alias)",
    )
}

/// An on-link IPv4 route to `a/len` on interface `dev` (no gateway): a foreign agent's way
/// to a visitor's home address on its link (RFC 5944 §4.2.3 delivers there directly).
/// Needs `CAP_NET_ADMIN`; a route that exists already is not an error.
pub fn add_link_route_v4(dev: &str, a: Ipv4Addr, len: u8) -> io::Result<()> {
    let cname = CString::new(dev).map_err(io::Error::other)?;
    let s = new_socket(libc::AF_INET, libc::SOCK_DGRAM, 0)?;
    match add_route_v4(s.as_raw_fd(), &cname, a, len) {
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        r => r,
    }
}

fn add_route_v4(fd: RawFd, dev: &CString, a: Ipv4Addr, len: u8) -> io::Result<()> {
    let mask = mask_v4(len);
    // The kernel refuses a destination with bits outside the mask.
    let net = Ipv4Addr::from(u32::from(a) & u32::from(mask));
    // SAFETY: all-zero is a valid rtentry (null pointers included).
    let mut rt: RtEntry = unsafe { std::mem::zeroed() };
    sockaddr_into(&mut rt.rt_dst, net);
    sockaddr_into(&mut rt.rt_genmask, mask);
    rt.rt_flags = libc::RTF_UP | if len == 32 { libc::RTF_HOST } else { 0 };
    // The kernel only reads the name.
    rt.rt_dev = dev.as_ptr() as *mut c_char;
    // SAFETY: `rt` and the name it points at outlive the call.
    if unsafe { libc::ioctl(fd, libc::SIOCADDRT as _, &mut rt) } < 0 {
        let e = io::Error::last_os_error();
        return Err(ctx(e, &format!("SIOCADDRT {net}/{len}")));
    }
    Ok(())
}

fn add_route_v6(fd: RawFd, ifindex: c_int, a: Ipv6Addr, len: u8) -> io::Result<()> {
    let mask = u128::MAX
        .checked_shl(128 - u32::from(len.min(128)))
        .unwrap_or(0);
    let net = Ipv6Addr::from(u128::from(a) & mask);
    let mut rt = In6RtMsg {
        dst: libc::in6_addr {
            s6_addr: net.octets(),
        },
        src: libc::in6_addr { s6_addr: [0; 16] },
        gateway: libc::in6_addr { s6_addr: [0; 16] },
        kind: 0,
        dst_len: u16::from(len),
        src_len: 0,
        metric: 1,
        info: 0,
        flags: u32::from(libc::RTF_UP),
        ifindex,
    };
    // SAFETY: `rt` outlives the call.
    if unsafe { libc::ioctl(fd, libc::SIOCADDRT as _, &mut rt) } < 0 {
        let e = io::Error::last_os_error();
        return Err(ctx(e, &format!("SIOCADDRT {net}/{len}")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interface_names() {
        assert!(ifreq_named("tun0").is_ok());
        assert!(ifreq_named("mip%d").is_ok());
        assert!(
            ifreq_named("sixteen-octets-x").is_err(),
            "IFNAMSIZ holds 15 + NUL"
        );
        assert!(ifreq_named("a\0b").is_err());
    }

    #[test]
    fn masks() {
        assert_eq!(mask_v4(0), Ipv4Addr::UNSPECIFIED);
        assert_eq!(mask_v4(24), Ipv4Addr::new(255, 255, 255, 0));
        assert_eq!(mask_v4(32), Ipv4Addr::BROADCAST);
        assert_eq!(mask_v4(40), Ipv4Addr::BROADCAST);
    }

    #[test]
    fn layouts_match_the_kernel() {
        // x86_64 and aarch64 (LP64): uapi/linux/route.h and ipv6_route.h.
        if size_of::<c_ulong>() == 8 {
            assert_eq!(size_of::<RtEntry>(), 120);
            assert_eq!(size_of::<In6RtMsg>(), 80);
        }
    }
}
