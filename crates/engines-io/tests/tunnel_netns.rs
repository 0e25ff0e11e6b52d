//! The userspace tunnel driver between three throwaway network namespaces
//! (`tuntest-<pid>-1..3`, deleted on every path by guards): A and C, two mobile nodes, each on
//! a veth to B, the FHA, whose ends share a bridge. UDP echoes through IPv4-in-IPv4,
//! IPv6-in-IPv4 and RFC 5555 UDP 4191 tunnels, round-trip times against the bare veth
//! (printed: run with `--nocapture`), peers replaced and removed at runtime, two peers at B at
//! once, and no ICMP on any link while the drivers run. A control step first shows that the
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

/// One namespace's tunnel endpoint: outer address, veth (or bridge), inner addresses.
#[derive(Clone, Copy)]
struct Node {
    dev: &'static str,
    out: Ipv4Addr,
    in4: Ipv4Addr,
    in6: Ipv6Addr,
}

const A: Node = Node {
    dev: "tv0",
    out: A_OUT,
    in4: A_IN4,
    in6: A_IN6,
};
const B: Node = Node {
    dev: "br0",
    out: B_OUT,
    in4: B_IN4,
    in6: B_IN6,
};
const C: Node = Node {
    dev: "tv2",
    out: Ipv4Addr::new(198, 18, 250, 3),
    in4: Ipv4Addr::new(198, 18, 253, 1),
    in6: Ipv6Addr::new(0x2001, 0xdb8, 0x18, 0, 0, 0, 0, 1),
};

/// The inner prefixes behind a node.
fn behind(n: Node) -> Vec<Prefix> {
    vec![Prefix::V4(n.in4, 24), Prefix::V6(n.in6, 64)]
}

/// A tunnel from `local` to `remote`, carrying what is behind `remote`.
fn peer(local: Node, remote: Node, e: Encapsulation) -> Peer {
    Peer {
        remote: remote.out,
        local: local.out,
        encapsulation: e,
        routes: behind(remote),
    }
}

/// Opens a node's capture and driver (TUN routes to what is behind `far`) in the calling
/// thread's namespace.
async fn open_node(n: Node, far: &[Node]) -> (Seen, TunnelDriver) {
    let seen = capture(n.dev);
    let settings = DriverSettings {
        tun: TunSettings {
            name: "tun0".into(),
            link_mtu: 1500,
            ipv4: vec![(n.in4, 24)],
            ipv6: vec![(n.in6, 64)],
            routes: far.iter().flat_map(|f| behind(*f)).collect(),
        },
        codec: Config::default(),
        locals: vec![n.out],
        udp: true,
    };
    let drv = TunnelDriver::open(settings).await.expect("driver");
    (seen, drv)
}

/// UDP clients from a node's outer, inner IPv4 and inner IPv6 addresses.
async fn clients(n: Node) -> [UdpSocket; 3] {
    [
        bind(SocketAddr::new(IpAddr::V4(n.out), 0)).await,
        bind(SocketAddr::new(IpAddr::V4(n.in4), 0)).await,
        bind(SocketAddr::new(IpAddr::V6(n.in6), 0)).await,
    ]
}

/// The control step, from A: protocol 4 to B while B has no raw socket for it must draw an
/// ICMP Protocol Unreachable that A's capture sees.
async fn control(seen: &Seen, b: &str) {
    let mut probe = Tunnels::new(Config::default(), vec![A_OUT]);
    probe.add_peer(peer(A, B, Encapsulation::Ip)).unwrap();
    let e = probe.encapsulate_to(B_OUT, &tunnel_probe_inner()).unwrap();
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
        "control: protocol 4 to B with no raw socket there -> ICMP type 3 code 2 seen on \
         the veth; B InUnknownProtos {} -> {}, OutDestUnreachs {} -> {}",
        before.0, after.0, before.1, after.1
    );
    seen.lock().unwrap().clear();
}

fn run(names: &[String; 3]) {
    let [a, b, c] = [&names[0], &names[1], &names[2]];
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    // Each namespace's sockets and TUN are made while the thread is in it.
    enter(a);
    let (seen_a, drv_a, [a_bare, a4, a6]) = rt.block_on(async {
        let seen = capture(A.dev);
        control(&seen, b).await;
        drop(seen);
        let (seen, drv) = open_node(A, &[B]).await;
        (seen, drv, clients(A).await)
    });
    enter(c);
    let (seen_c, drv_c, [_, c4, c6]) = rt.block_on(async {
        let (seen, drv) = open_node(C, &[B]).await;
        (seen, drv, clients(C).await)
    });
    enter(b);
    let (seen_b, drv_b) = rt.block_on(async {
        let r = open_node(B, &[A, C]).await;
        echo_server(SocketAddr::new(IpAddr::V4(B_OUT), ECHO_PORT)).await;
        echo_server(SocketAddr::new(IpAddr::V4(B_IN4), ECHO_PORT)).await;
        let v6 = bind(SocketAddr::new(IpAddr::V6(B_IN6), ECHO_PORT)).await;
        drop(v6);
        echo_server(SocketAddr::new(IpAddr::V6(B_IN6), ECHO_PORT)).await;
        r
    });
    let snmp_before = [snmp(a), snmp(b), snmp(c)];
    rt.block_on(async {
        let (ha, hb, hc) = (drv_a.handle(), drv_b.handle(), drv_c.handle());
        let mut stops = Vec::new();
        let mut joins = Vec::new();
        for d in [drv_a, drv_b, drv_c] {
            let (stop, rx) = tokio::sync::oneshot::channel::<()>();
            stops.push(stop);
            joins.push(tokio::spawn(d.run(async move {
                let _ = rx.await;
            })));
        }
        let b4 = SocketAddr::new(IpAddr::V4(B_IN4), ECHO_PORT);
        let b6 = SocketAddr::new(IpAddr::V6(B_IN6), ECHO_PORT);
        let mut results = Vec::new();
        let bare = SocketAddr::new(IpAddr::V4(B_OUT), ECHO_PORT);
        results.push(stats(
            "A bare veth (IPv4/UDP)",
            round_trips(&a_bare, bare).await,
        ));

        let udp = Encapsulation::Udp {
            port: UDP_TUNNEL_PORT,
        };
        for (mode, l4, l6) in [
            (
                Encapsulation::Ip,
                "A IPv4-in-IPv4 (proto 4)",
                "A IPv6-in-IPv4 (proto 41)",
            ),
            (udp, "A IPv4 in UDP 4191", "A IPv6 in UDP 4191"),
        ] {
            // Same outer address: the peer is replaced, as a re-registration would.
            ha.add_peer(peer(A, B, mode)).unwrap();
            hb.add_peer(peer(B, A, mode)).unwrap();
            results.push(stats(l4, round_trips(&a4, b4).await));
            results.push(stats(l6, round_trips(&a6, b6).await));
        }
        // A second MN at B, IPv4-in-IPv4 while A stays on UDP: B picks the peer by the
        // inner destination; both at once, then C's IPv6 alone.
        hc.add_peer(peer(C, B, Encapsulation::Ip)).unwrap();
        // At B through attach, as a driver of the FHA's TunnelUp events would.
        for prefix in behind(C) {
            hb.attach(C.out, B.out, Encapsulation::Ip, prefix).unwrap();
        }
        let (ra, rc) = tokio::join!(round_trips(&a4, b4), round_trips(&c4, b4));
        results.push(stats("A UDP 4191, C beside", ra));
        results.push(stats("C IPv4-in-IPv4, A beside", rc));
        results.push(stats("C IPv6-in-IPv4", round_trips(&c6, b6).await));

        let counters = [
            ("A", ha.counters()),
            ("B", hb.counters()),
            ("C", hc.counters()),
        ];
        for (n, (codec, io)) in &counters {
            println!("{n} codec {codec:?}\n{n} io {io:?}");
            assert_eq!(io.send_errors, 0, "{n}");
            // Only the TUN's own IPv6 chatter (router solicitations, MLD) may find no peer.
            let other: u64 = codec
                .drops
                .iter()
                .filter(|(k, _)| **k != "no-peer")
                .map(|(_, v)| v)
                .sum();
            assert_eq!(other, 0, "{n}: unexpected drops {:?}", codec.drops);
        }
        let per_run = (WARMUP + ECHOES) as u64;
        let (a_c, b_c, c_c) = (&counters[0].1 .0, &counters[1].1 .0, &counters[2].1 .0);
        assert!(a_c.encapsulated >= 5 * per_run && a_c.decapsulated >= 5 * per_run);
        assert!(c_c.encapsulated >= 2 * per_run && c_c.decapsulated >= 2 * per_run);
        assert!(b_c.decapsulated >= 7 * per_run && b_c.encapsulated >= 7 * per_run);

        // Removing the peer stops the traffic, counted as no-peer.
        let no_peer = a_c.dropped("no-peer");
        assert!(ha.remove_peer(B_OUT));
        a4.send_to(b"gone", b4).await.unwrap();
        let mut buf = [0u8; 64];
        let r = tokio::time::timeout(Duration::from_millis(300), a4.recv_from(&mut buf)).await;
        assert!(r.is_err(), "an answer came with no peer: {r:?}");
        assert_eq!(ha.counters().0.dropped("no-peer"), no_peer + 1);
        // C is unaffected.
        assert_eq!(round_trips(&c4, b4).await.len(), ECHOES);

        for s in stops {
            let _ = s.send(());
        }
        for j in joins {
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
    let snmp_after = [snmp(a), snmp(b), snmp(c)];
    println!(
        "snmp (InUnknownProtos, OutDestUnreachs) A,B,C: before {snmp_before:?} after \
         {snmp_after:?}"
    );
    assert_eq!(
        snmp_before, snmp_after,
        "the kernel answered tunnel packets"
    );
    for (side, seen) in [("A", &seen_a), ("B", &seen_b), ("C", &seen_c)] {
        let s = seen.lock().unwrap();
        assert!(s.is_empty(), "ICMP on the link ({side}): {s:?}");
    }
    println!("ICMP on the links while the drivers ran: none (captures on A, B's bridge, C)");
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
    let guards = [Netns::add(1), Netns::add(2), Netns::add(3)];
    let names = guards.each_ref().map(|g| g.0.clone());
    let [a, b, c] = [&names[0], &names[1], &names[2]];
    // A and C (two MNs) each on a veth to B (the FHA), whose ends share a bridge.
    ip(&[
        "-n",
        b,
        "link",
        "add",
        "br0",
        "type",
        "bridge",
        "forward_delay",
        "0",
    ]);
    for (ns, dev, peer_dev) in [(a, "tv0", "tv1"), (c, "tv2", "tv3")] {
        ip(&[
            "-n", ns, "link", "add", dev, "type", "veth", "peer", "name", peer_dev, "netns", b,
        ]);
        ip(&["-n", b, "link", "set", peer_dev, "master", "br0", "up"]);
    }
    for (ns, dev, addr) in [
        (a, "tv0", "198.18.250.1/24"),
        (b, "br0", "198.18.250.2/24"),
        (c, "tv2", "198.18.250.3/24"),
    ] {
        ip(&["-n", ns, "addr", "add", addr, "dev", dev]);
        ip(&["-n", ns, "link", "set", dev, "up"]);
        ip(&["-n", ns, "link", "set", "lo", "up"]);
    }
    let run_names = names.clone();
    let t = std::thread::spawn(move || run(&run_names));
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
    drop(guards);
    let list = Command::new("ip").args(["netns", "list"]).output().unwrap();
    let list = String::from_utf8_lossy(&list.stdout);
    for n in &names {
        assert!(!list.contains(n.as_str()), "{n} left behind: {list}");
    }
    println!("namespaces {names:?} deleted");
}
