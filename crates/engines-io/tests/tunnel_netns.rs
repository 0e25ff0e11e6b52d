//! The userspace tunnel driver between two throwaway network namespaces
//! (`tuntest-<pid>-1` and `-2`, joined by a veth pair, deleted on every path by a guard):
//! UDP echoes through IPv4-in-IPv4, IPv6-in-IPv4 and RFC 5555 UDP 4191 tunnels, round-trip
//! times against the bare veth (printed: run with `--nocapture`), peers swapped and removed
//! at runtime, and no ICMP on the veth while the drivers run. A control step first shows the
//! capture sees the ICMP Protocol Unreachable a namespace without a protocol-4 raw socket
//! sends, so "no ICMP" afterwards is a measurement, not a blind spot. Needs root
//! (CAP_NET_ADMIN for namespaces and TUN, CAP_NET_RAW for the sockets), so plain `cargo test`
//! lists it as ignored; `just test` (root, --include-ignored) runs it, and fails it without
//! the privileges: a skip is never a pass.

use mip6lab_engines::tunnel::{Config, Encapsulation, Peer, Prefix, Tunnels, UDP_TUNNEL_PORT};
use mip6lab_engines_io::tunnel::{send_raw_ipv4, DriverSettings, TunSettings, TunnelDriver};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::unix::AsyncFd;
use tokio::net::UdpSocket;

const A_OUT: Ipv4Addr = Ipv4Addr::new(198, 18, 250, 1);
const B_OUT: Ipv4Addr = Ipv4Addr::new(198, 18, 250, 2);
const A_IN4: Ipv4Addr = Ipv4Addr::new(198, 18, 251, 1);
const B_IN4: Ipv4Addr = Ipv4Addr::new(198, 18, 252, 1);
const A_IN6: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0x16, 0, 0, 0, 0, 1);
const B_IN6: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0x17, 0, 0, 0, 0, 1);
const ECHO_PORT: u16 = 7007;
const ECHOES: usize = 200;
const WARMUP: usize = 20;

/// A namespace, deleted when dropped (also when the test panics).
struct Netns(String);

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.0]).status();
    }
}

impl Netns {
    /// Creates it, failing (not skipping) without the privileges.
    fn add(n: u32) -> Netns {
        let name = format!("tuntest-{}-{n}", std::process::id());
        match Command::new("ip").args(["netns", "add", &name]).output() {
            Ok(o) if o.status.success() => Netns(name),
            Ok(o) => panic!(
                "cannot create a network namespace (root needed): {}",
                String::from_utf8_lossy(&o.stderr)
            ),
            Err(e) => panic!("no `ip` command (apt-get install iproute2): {e}"),
        }
    }
}

fn ip(args: &[&str]) {
    let out = Command::new("ip").args(args).output().expect("ip");
    assert!(
        out.status.success(),
        "ip {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Moves the calling thread into the namespace (sockets and TUN devices opened afterwards
/// belong to it, and stay there when the thread moves on).
fn enter(ns: &str) {
    let f = std::fs::File::open(format!("/run/netns/{ns}")).expect("netns file");
    // SAFETY: a valid descriptor of a network namespace; affects the calling thread.
    let r = unsafe { libc::setns(f.as_raw_fd(), libc::CLONE_NEWNET) };
    assert_eq!(r, 0, "setns: {}", std::io::Error::last_os_error());
}

/// `Ip: InUnknownProtos` and `Icmp: OutDestUnreachs` of a namespace's /proc/net/snmp.
fn snmp(ns: &str) -> (u64, u64) {
    let out = Command::new("ip")
        .args(["netns", "exec", ns, "cat", "/proc/net/snmp"])
        .output()
        .expect("ip netns exec");
    let text = String::from_utf8_lossy(&out.stdout);
    let field = |proto: &str, name: &str| -> u64 {
        let mut rows = text.lines().filter(|l| l.starts_with(&format!("{proto}:")));
        let (Some(h), Some(v)) = (rows.next(), rows.next()) else {
            panic!("no {proto} rows in /proc/net/snmp of {ns}");
        };
        let i = h.split_whitespace().position(|c| c == name).expect(name);
        v.split_whitespace().nth(i).unwrap().parse().unwrap()
    };
    (
        field("Ip", "InUnknownProtos"),
        field("Icmp", "OutDestUnreachs"),
    )
}

/// ICMP seen on one interface: (IP version, type, code).
type Seen = Arc<Mutex<Vec<(u8, u8, u8)>>>;

/// Reads every frame of `ifname` (both directions) with AF_PACKET and keeps the ICMP ones
/// (ICMPv6 only for errors, types under 128: neighbour discovery is not an error).
fn capture(ifname: &str) -> Seen {
    let proto = (libc::ETH_P_ALL as u16).to_be();
    // SAFETY: plain syscall; the descriptor is owned right away.
    let fd = unsafe {
        libc::socket(
            libc::AF_PACKET,
            libc::SOCK_RAW | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
            i32::from(proto),
        )
    };
    assert!(fd >= 0, "AF_PACKET: {}", std::io::Error::last_os_error());
    // SAFETY: a fresh descriptor.
    let fd = unsafe { OwnedFd::from_raw_fd(fd) };
    let name = std::ffi::CString::new(ifname).unwrap();
    // SAFETY: all-zero is a valid sockaddr_ll; `name` is a valid C string.
    let mut sll: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
    sll.sll_family = libc::AF_PACKET as u16;
    sll.sll_protocol = proto;
    sll.sll_ifindex = unsafe { libc::if_nametoindex(name.as_ptr()) } as i32;
    assert!(sll.sll_ifindex > 0, "no interface {ifname}");
    // SAFETY: `sll` lives across the call and its size is passed.
    let r = unsafe {
        libc::bind(
            fd.as_raw_fd(),
            &sll as *const libc::sockaddr_ll as *const libc::sockaddr,
            std::mem::size_of::<libc::sockaddr_ll>() as u32,
        )
    };
    assert_eq!(r, 0, "bind: {}", std::io::Error::last_os_error());
    // SAFETY: an OwnedFd stays open and names the same descriptor while the AsyncFd owns it.
    let fd = unsafe { AsyncFd::register(fd) }.unwrap();
    let seen: Seen = Arc::default();
    let out = seen.clone();
    tokio::spawn(async move {
        let mut buf = vec![0u8; 65_536];
        loop {
            let Ok(mut g) = fd.readable().await else {
                return;
            };
            // SAFETY: `buf` is valid for its length during the call.
            let r = g.try_io(|f| {
                let n = unsafe { libc::recv(f.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), 0) };
                if n < 0 {
                    Err(std::io::Error::last_os_error())
                } else {
                    Ok(n as usize)
                }
            });
            let Ok(Ok(n)) = r else { continue };
            if let Some(icmp) = icmp_of(&buf[..n]) {
                out.lock().unwrap().push(icmp);
            }
        }
    });
    seen
}

/// The ICMP in an Ethernet frame, if any.
fn icmp_of(f: &[u8]) -> Option<(u8, u8, u8)> {
    let ethertype = u16::from_be_bytes([*f.get(12)?, *f.get(13)?]);
    let ip = f.get(14..)?;
    match ethertype {
        0x0800 if *ip.get(9)? == 1 => {
            let ihl = usize::from(ip[0] & 0x0f) * 4;
            Some((4, *ip.get(ihl)?, *ip.get(ihl + 1)?))
        }
        0x86dd if *ip.get(6)? == 58 && *ip.get(40)? < 128 => Some((6, ip[40], *ip.get(41)?)),
        _ => None,
    }
}

async fn echo_server(addr: SocketAddr) {
    let s = UdpSocket::bind(addr).await.expect("echo bind");
    tokio::spawn(async move {
        let mut buf = [0u8; 2048];
        while let Ok((n, from)) = s.recv_from(&mut buf).await {
            let _ = s.send_to(&buf[..n], from).await;
        }
    });
}

/// Binds `addr`, retrying while an IPv6 address may still be settling.
async fn bind(addr: SocketAddr) -> UdpSocket {
    let end = Instant::now() + Duration::from_secs(3);
    loop {
        match UdpSocket::bind(addr).await {
            Ok(s) => return s,
            Err(e) if Instant::now() > end => panic!("bind {addr}: {e}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

/// `ECHOES` round trips (after `WARMUP` unmeasured ones), each bounded by a second.
async fn round_trips(s: &UdpSocket, to: SocketAddr) -> Vec<Duration> {
    let mut times = Vec::with_capacity(ECHOES);
    let mut buf = [0u8; 2048];
    for i in 0..(WARMUP + ECHOES) as u32 {
        let mut msg = [0u8; 64];
        msg[..4].copy_from_slice(&i.to_be_bytes());
        let t0 = Instant::now();
        s.send_to(&msg, to).await.expect("send");
        loop {
            let r = tokio::time::timeout(Duration::from_secs(1), s.recv_from(&mut buf)).await;
            let (n, from) = r
                .unwrap_or_else(|_| panic!("echo {i} to {to}: no answer within 1 s"))
                .expect("recv");
            if from == to && n == 64 && buf[..4] == i.to_be_bytes() {
                break;
            }
        }
        if i as usize >= WARMUP {
            times.push(t0.elapsed());
        }
    }
    times
}

struct Stats {
    label: &'static str,
    median_us: f64,
    p99_us: f64,
}

fn stats(label: &'static str, mut t: Vec<Duration>) -> Stats {
    t.sort();
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    Stats {
        label,
        median_us: us(t[t.len() / 2]),
        p99_us: us(t[(t.len() * 99 / 100).min(t.len() - 1)]),
    }
}

fn settings(local: Ipv4Addr, in4: Ipv4Addr, in6: Ipv6Addr, routes: Vec<Prefix>) -> DriverSettings {
    DriverSettings {
        tun: TunSettings {
            name: "tun0".into(),
            link_mtu: 1500,
            ipv4: vec![(in4, 24)],
            ipv6: vec![(in6, 64)],
            routes,
        },
        codec: Config::default(),
        locals: vec![local],
        udp: true,
    }
}

fn peer(remote: Ipv4Addr, local: Ipv4Addr, e: Encapsulation, in4: Ipv4Addr, in6: Ipv6Addr) -> Peer {
    Peer {
        remote,
        local,
        encapsulation: e,
        routes: vec![Prefix::V4(in4, 24), Prefix::V6(in6, 64)],
    }
}

fn run(a: &str, b: &str) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    // Namespace A: capture, then the control step while B has no protocol-4 raw socket.
    enter(a);
    let (seen_a, drv_a, c_bare, c4, c6) = rt.block_on(async {
        let seen = capture("tv0");
        let mut probe = Tunnels::new(Config::default(), vec![A_OUT]);
        let p = peer(B_OUT, A_OUT, Encapsulation::Ip, B_IN4, B_IN6);
        probe.add_peer(p).unwrap();
        let inner = tunnel_probe_inner();
        let e = probe.encapsulate_to(B_OUT, &inner).unwrap();
        let before = snmp(b);
        send_raw_ipv4(&e.packet, B_OUT).expect("raw send");
        let deadline = Instant::now() + Duration::from_secs(3);
        while !seen.lock().unwrap().contains(&(4, 3, 2)) {
            assert!(
                Instant::now() < deadline,
                "control: no ICMP Protocol Unreachable seen"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let after = snmp(b);
        println!(
            "control: protocol 4 with no raw socket in B -> ICMP type 3 code 2 seen on the veth; \
             B InUnknownProtos {} -> {}, OutDestUnreachs {} -> {}",
            before.0, after.0, before.1, after.1
        );
        seen.lock().unwrap().clear();
        let routes = vec![Prefix::V4(B_IN4, 24), Prefix::V6(B_IN6, 64)];
        let drv = TunnelDriver::open(settings(A_OUT, A_IN4, A_IN6, routes))
            .await
            .expect("driver A");
        let bare = bind(SocketAddr::new(IpAddr::V4(A_OUT), 0)).await;
        let c4 = bind(SocketAddr::new(IpAddr::V4(A_IN4), 0)).await;
        let c6 = bind(SocketAddr::new(IpAddr::V6(A_IN6), 0)).await;
        (seen, drv, bare, c4, c6)
    });
    enter(b);
    let (seen_b, drv_b) = rt.block_on(async {
        let seen = capture("tv1");
        let routes = vec![Prefix::V4(A_IN4, 24), Prefix::V6(A_IN6, 64)];
        let drv = TunnelDriver::open(settings(B_OUT, B_IN4, B_IN6, routes))
            .await
            .expect("driver B");
        echo_server(SocketAddr::new(IpAddr::V4(B_OUT), ECHO_PORT)).await;
        echo_server(SocketAddr::new(IpAddr::V4(B_IN4), ECHO_PORT)).await;
        // The IPv6 address may be settling for a moment.
        let end = Instant::now() + Duration::from_secs(3);
        loop {
            let a = SocketAddr::new(IpAddr::V6(B_IN6), ECHO_PORT);
            if UdpSocket::bind(a).await.is_ok() || Instant::now() > end {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        echo_server(SocketAddr::new(IpAddr::V6(B_IN6), ECHO_PORT)).await;
        (seen, drv)
    });
    let snmp_before = (snmp(a), snmp(b));
    rt.block_on(async {
        let (ha, hb) = (drv_a.handle(), drv_b.handle());
        let (stop_a, rx_a) = tokio::sync::oneshot::channel::<()>();
        let (stop_b, rx_b) = tokio::sync::oneshot::channel::<()>();
        let ja = tokio::spawn(drv_a.run(async move {
            let _ = rx_a.await;
        }));
        let jb = tokio::spawn(drv_b.run(async move {
            let _ = rx_b.await;
        }));
        let b4 = SocketAddr::new(IpAddr::V4(B_IN4), ECHO_PORT);
        let b6 = SocketAddr::new(IpAddr::V6(B_IN6), ECHO_PORT);
        let mut results = Vec::new();
        let bare = SocketAddr::new(IpAddr::V4(B_OUT), ECHO_PORT);
        results.push(stats(
            "bare veth (IPv4/UDP)",
            round_trips(&c_bare, bare).await,
        ));

        let udp = Encapsulation::Udp {
            port: UDP_TUNNEL_PORT,
        };
        for (mode, l4, l6) in [
            (
                Encapsulation::Ip,
                "IPv4-in-IPv4 (proto 4)",
                "IPv6-in-IPv4 (proto 41)",
            ),
            (udp, "IPv4 in UDP 4191", "IPv6 in UDP 4191"),
        ] {
            // Same outer address: the peer is replaced, as a re-registration would.
            ha.add_peer(peer(B_OUT, A_OUT, mode, B_IN4, B_IN6)).unwrap();
            hb.add_peer(peer(A_OUT, B_OUT, mode, A_IN4, A_IN6)).unwrap();
            results.push(stats(l4, round_trips(&c4, b4).await));
            results.push(stats(l6, round_trips(&c6, b6).await));
        }
        let (ca, ia) = ha.counters();
        let (cb, ib) = hb.counters();
        println!("A codec {ca:?}\nA io {ia:?}\nB codec {cb:?}\nB io {ib:?}");
        let echoed = (WARMUP + ECHOES) as u64 * 4;
        assert!(ca.encapsulated >= echoed && cb.decapsulated >= echoed);
        assert!(cb.encapsulated >= echoed && ca.decapsulated >= echoed);
        for c in [&ca, &cb] {
            // Only the TUN's own IPv6 chatter (router solicitations, MLD) finds no peer.
            let other: u64 = c
                .drops
                .iter()
                .filter(|(k, _)| **k != "no-peer")
                .map(|(_, v)| v)
                .sum();
            assert_eq!(other, 0, "unexpected drops {:?}", c.drops);
        }
        assert_eq!((ia.send_errors, ib.send_errors), (0, 0));

        // Removing the peer stops the traffic, counted as no-peer.
        let no_peer = ca.dropped("no-peer");
        assert!(ha.remove_peer(B_OUT));
        c4.send_to(b"gone", b4).await.unwrap();
        let mut buf = [0u8; 64];
        let r = tokio::time::timeout(Duration::from_millis(300), c4.recv_from(&mut buf)).await;
        assert!(r.is_err(), "an answer came with no peer: {r:?}");
        assert_eq!(ha.counters().0.dropped("no-peer"), no_peer + 1);

        let _ = (stop_a.send(()), stop_b.send(()));
        for j in [ja, jb] {
            tokio::time::timeout(Duration::from_secs(2), j)
                .await
                .expect("driver did not stop")
                .unwrap()
                .expect("driver failed");
        }
        println!("round trips over {ECHOES} UDP echoes of 64 octets (after {WARMUP} unmeasured):");
        for s in &results {
            println!(
                "  {:<26} median {:>7.1} us   p99 {:>7.1} us",
                s.label, s.median_us, s.p99_us
            );
        }
    });
    let snmp_after = (snmp(a), snmp(b));
    println!(
        "snmp (InUnknownProtos, OutDestUnreachs) A,B: before {snmp_before:?} after {snmp_after:?}"
    );
    assert_eq!(
        snmp_before, snmp_after,
        "the kernel answered tunnel packets"
    );
    for (side, seen) in [("A", &seen_a), ("B", &seen_b)] {
        let s = seen.lock().unwrap();
        assert!(s.is_empty(), "ICMP on the veth ({side}): {s:?}");
    }
    println!("ICMP on the veth while the drivers ran: none (A and B captures)");
}

/// An IPv4 packet from A's inner address to B's, to wrap for the control step.
fn tunnel_probe_inner() -> Vec<u8> {
    let mut p = Vec::new();
    mip6lab_engines::tunnel::OuterHeader {
        tos: 0,
        total: 20,
        id: 1,
        df: false,
        ttl: 64,
        protocol: 59,
        src: A_IN4,
        dst: B_IN4,
    }
    .emit(&mut p);
    p
}

#[test]
#[ignore = "needs root (network namespaces, TUN, raw sockets): run with --include-ignored (just test)"]
fn tunnels_between_two_namespaces() {
    let (a, b) = (Netns::add(1), Netns::add(2));
    let names = [a.0.clone(), b.0.clone()];
    ip(&[
        "-n", &a.0, "link", "add", "tv0", "type", "veth", "peer", "name", "tv1", "netns", &b.0,
    ]);
    for (ns, dev, addr) in [
        (&a.0, "tv0", "198.18.250.1/24"),
        (&b.0, "tv1", "198.18.250.2/24"),
    ] {
        ip(&["-n", ns, "addr", "add", addr, "dev", dev]);
        ip(&["-n", ns, "link", "set", dev, "up"]);
        ip(&["-n", ns, "link", "set", "lo", "up"]);
    }
    let (na, nb) = (a.0.clone(), b.0.clone());
    let t = std::thread::spawn(move || run(&na, &nb));
    // Bounded: the thread's own waits are all bounded; this catches anything missed.
    let end = Instant::now() + Duration::from_secs(120);
    while !t.is_finished() {
        assert!(Instant::now() < end, "the namespace test took over 120 s");
        std::thread::sleep(Duration::from_millis(50));
    }
    // A panic in the thread fails the test here; the guards delete the namespaces either way.
    if let Err(p) = t.join() {
        std::panic::resume_unwind(p);
    }
    drop((a, b));
    let list = Command::new("ip").args(["netns", "list"]).output().unwrap();
    let list = String::from_utf8_lossy(&list.stdout);
    for n in &names {
        assert!(!list.contains(n.as_str()), "{n} left behind: {list}");
    }
}
