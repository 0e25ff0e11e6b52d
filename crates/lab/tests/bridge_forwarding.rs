//! What crosses a lab bridge, measured on this kernel (issue #14 asks before RFC 6611's
//! access link is built): IEEE 802.1X EAPOL frames (to the reserved group address
//! 01:80:c2:00:00:03) and DHCPv6's All_DHCP_Relay_Agents_and_Servers multicast (ff02::1:2,
//! with the bridge's MLD snooping on, as the lab leaves it). Two nodes on one bridge, no
//! Docker: namespaces, a bridge and veths as the lab makes them.

use mip6lab_lab::netns::{mac_for, LabNet, Port};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddrV6, UdpSocket};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

const EAPOL: u16 = 0x888e;
const PAE_GROUP: [u8; 6] = [0x01, 0x80, 0xc2, 0x00, 0x00, 0x03];

/// A namespace with a process in it (the veth's node end needs a pid).
struct Node {
    net: LabNet,
    sleeper: Child,
}

impl Node {
    fn new(run: &str) -> Node {
        let net = LabNet::create(run).unwrap();
        let sleeper = Command::new("ip")
            .args(["netns", "exec", net.name(), "sleep", "60"])
            .spawn()
            .unwrap();
        // `ip netns exec` enters the namespace, then becomes `sleep`.
        let deadline = Instant::now() + Duration::from_secs(5);
        while std::fs::read_to_string(format!("/proc/{}/comm", sleeper.id()))
            .map_or(true, |c| c.trim() != "sleep")
        {
            assert!(Instant::now() < deadline, "sleep did not start");
            std::thread::sleep(Duration::from_millis(5));
        }
        Node { net, sleeper }
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.sleeper.kill();
        let _ = self.sleeper.wait();
        self.net.delete();
    }
}

/// A lab namespace with one bridge and nodes A and B on it.
struct Link {
    lab: LabNet,
    a: Node,
    b: Node,
}

impl Link {
    fn new(tag: &str, forward_eapol: bool) -> Link {
        let lab = LabNet::create(&format!("{tag}l")).unwrap();
        let v4 = |n: u8| Ipv4Addr::new(198, 51, 100, 240 + n);
        lab.add_bridge(
            "br0",
            mac_for(v4(1)),
            ("2001:db8:77::1".parse().unwrap(), 64),
            (v4(1), 28),
            forward_eapol,
        )
        .unwrap();
        let (a, b) = (Node::new(&format!("{tag}a")), Node::new(&format!("{tag}b")));
        for (i, node) in [&a, &b].into_iter().enumerate() {
            let n = i as u8 + 2;
            lab.attach(&Port {
                bridge: "br0",
                lab_end: &format!("v{n}"),
                pid: node.sleeper.id(),
                node_end: "eth0",
                mac: mac_for(v4(n)),
                ipv6: (format!("2001:db8:77::{n}").parse().unwrap(), 64),
                ipv4: (v4(n), 28),
                ipv4_gateway: Some(v4(1)),
                ipv6_gateway: None,
            })
            .unwrap();
        }
        Link { lab, a, b }
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        self.lab.delete();
    }
}

/// An AF_PACKET socket on `eth0` of the calling thread's namespace.
fn packet_socket() -> std::os::fd::OwnedFd {
    use std::os::fd::FromRawFd;
    // SAFETY: plain libc calls with checked results; the fd is owned right away.
    unsafe {
        let fd = libc::socket(
            libc::AF_PACKET,
            libc::SOCK_RAW,
            i32::from((libc::ETH_P_ALL as u16).to_be()),
        );
        assert!(fd >= 0, "AF_PACKET needs root");
        let sock = std::os::fd::OwnedFd::from_raw_fd(fd);
        let mut sll: libc::sockaddr_ll = std::mem::zeroed();
        sll.sll_family = libc::AF_PACKET as u16;
        sll.sll_protocol = (libc::ETH_P_ALL as u16).to_be();
        sll.sll_ifindex = libc::if_nametoindex(c"eth0".as_ptr()) as i32;
        let r = libc::bind(
            fd,
            &sll as *const _ as *const libc::sockaddr,
            std::mem::size_of::<libc::sockaddr_ll>() as u32,
        );
        assert_eq!(r, 0, "bind to eth0");
        let tv = libc::timeval {
            tv_sec: 0,
            tv_usec: 100_000,
        };
        libc::setsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_RCVTIMEO,
            &tv as *const _ as *const libc::c_void,
            std::mem::size_of::<libc::timeval>() as u32,
        );
        sock
    }
}

/// Whether an EAPOL-Start that A sends to the PAE group address reaches B.
fn eapol_crosses(link: &Link) -> bool {
    use std::os::fd::AsRawFd;
    let listening = std::sync::Arc::new(std::sync::Barrier::new(2));
    let ready = listening.clone();
    let b = link.b.net.clone();
    let receiver = std::thread::spawn(move || {
        b.run(move || {
            let sock = packet_socket();
            ready.wait();
            let mut buf = [0u8; 2048];
            let deadline = Instant::now() + Duration::from_secs(1);
            while Instant::now() < deadline {
                // SAFETY: recv into our buffer on our socket.
                let n =
                    unsafe { libc::recv(sock.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), 0) };
                if n >= 14 && buf[..6] == PAE_GROUP && buf[12..14] == EAPOL.to_be_bytes() {
                    return true;
                }
            }
            false
        })
        .unwrap()
    });
    listening.wait();
    link.a
        .net
        .run(|| {
            let sock = packet_socket();
            // EAPOL-Start (IEEE 802.1X-2004 §7.5): version 2, type 1, no body.
            let mut frame = PAE_GROUP.to_vec();
            frame.extend(mac_for(Ipv4Addr::new(198, 51, 100, 242)));
            frame.extend(EAPOL.to_be_bytes());
            frame.extend([2, 1, 0, 0]);
            frame.resize(60, 0);
            // SAFETY: send from our buffer on our bound socket.
            let n = unsafe {
                libc::send(
                    std::os::fd::AsRawFd::as_raw_fd(&sock),
                    frame.as_ptr().cast(),
                    frame.len(),
                    0,
                )
            };
            assert_eq!(n, 60, "EAPOL-Start sent");
        })
        .unwrap();
    receiver.join().unwrap()
}

/// Whether a UDP datagram A sends to [ff02::1:2]:547 reaches a socket on B that joined the
/// group (as a DHCPv6 server or relay does).
fn dhcpv6_multicast_crosses(link: &Link) -> bool {
    let group: Ipv6Addr = "ff02::1:2".parse().unwrap();
    let server = link
        .b
        .net
        .run(move || {
            let s = UdpSocket::bind("[::]:547").unwrap();
            // SAFETY: a NUL-terminated literal.
            let ifindex = unsafe { libc::if_nametoindex(c"eth0".as_ptr()) };
            s.join_multicast_v6(&group, ifindex).unwrap();
            s.set_read_timeout(Some(Duration::from_millis(300)))
                .unwrap();
            s
        })
        .unwrap();
    // The MLD report of the join travels first; a few tries cover the bridge learning it.
    for _ in 0..5 {
        link.a
            .net
            .run(move || {
                let c = UdpSocket::bind("[2001:db8:77::2]:546").unwrap();
                // SAFETY: a NUL-terminated literal.
                let ifindex = unsafe { libc::if_nametoindex(c"eth0".as_ptr()) };
                c.send_to(
                    b"information-request",
                    SocketAddrV6::new(group, 547, 0, ifindex),
                )
                .unwrap();
            })
            .unwrap();
        let mut buf = [0u8; 64];
        if let Ok((n, from)) = server.recv_from(&mut buf) {
            return &buf[..n] == b"information-request"
                && from.ip() == "2001:db8:77::2".parse::<Ipv6Addr>().unwrap();
        }
    }
    false
}

#[test]
#[ignore = "needs root (network namespaces, AF_PACKET): run with --include-ignored (just test)"]
fn eapol_crosses_only_with_group_forwarding_and_dhcpv6_multicast_always() {
    let tag = format!("{:05x}", std::process::id() & 0xfffff);
    let plain = Link::new(&format!("b{tag}p"), false);
    // The positive control first: the link carries frames at all.
    assert!(
        dhcpv6_multicast_crosses(&plain),
        "ff02::1:2 must cross a lab bridge with MLD snooping on"
    );
    assert!(
        !eapol_crosses(&plain),
        "a Linux bridge drops 01:80:c2:00:00:03 unless group_fwd_mask says otherwise"
    );
    drop(plain);
    let eapol = Link::new(&format!("b{tag}e"), true);
    assert!(
        eapol_crosses(&eapol),
        "with forward_eapol the bridge forwards EAPOL"
    );
    assert!(dhcpv6_multicast_crosses(&eapol));
}
