//! The EAPOL driver on a veth pair in a throwaway network namespace
//! (`mip6lab-eapoltest-<pid>`, deleted on every path by a guard): the authenticator's
//! Request/Identity to the PAE group reaches the other end, a supplicant's unicast answer
//! comes back with its source, and a socket never reads its own frames. Needs root
//! (CAP_NET_ADMIN for the namespace, CAP_NET_RAW for the sockets), so plain `cargo test`
//! lists it as ignored; `just test` (root, --include-ignored) runs it, and fails it without
//! the privileges: a skip is never a pass.

use mip6lab_engines::aaa::RelayConfig;
use mip6lab_engines::access::{Authenticator, AuthenticatorConfig};
use mip6lab_engines_io::eapol::EapolSocket;
use mip6lab_wire::eap;
use mip6lab_wire::eapol::{self, PAE_GROUP_ADDRESS};
use std::os::fd::AsRawFd;
use std::process::Command;
use std::time::Duration;

const NAS: [u8; 6] = [0x02, 0x42, 0xc6, 0x33, 0x64, 0x81];
const MN: [u8; 6] = [0x02, 0x42, 0xc6, 0x33, 0x64, 0x8a];

/// The namespace, deleted when dropped (also when the test panics).
struct Netns(String);

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.0]).status();
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

/// Enters the namespace on the calling thread only (setns on a thread's own fs view).
fn enter(ns: &str) {
    let f = std::fs::File::open(format!("/run/netns/{ns}")).expect("netns file");
    // SAFETY: a valid descriptor of a network namespace; affects the calling thread.
    let r = unsafe { libc::setns(f.as_raw_fd(), libc::CLONE_NEWNET) };
    assert_eq!(r, 0, "setns: {}", std::io::Error::last_os_error());
}

async fn exchange() {
    let nas = EapolSocket::open("eap0").unwrap();
    let mn = EapolSocket::open("eap1").unwrap();
    assert_eq!((nas.own_mac(), mn.own_mac()), (NAS, MN));

    // The engine's first Request/Identity goes to the group; the MN's socket gets it.
    let server = "[2001:db8:3::18]:1812".parse().unwrap();
    let cfg = AuthenticatorConfig::new(NAS, RelayConfig::new(b"s".to_vec()), server);
    let mut a = Authenticator::new(cfg, || [7; 16], 0);
    mip6lab_engines::io::SansIo::handle_timeout(&mut a, 0);
    let f = a.poll_frame().unwrap();
    assert_eq!(f.dst, PAE_GROUP_ADDRESS);
    nas.send(f.dst, &f.payload).await.unwrap();
    let (src, pdu) = mn.recv().await.unwrap();
    assert_eq!(src, NAS);
    assert_eq!(pdu, f.payload, "veth does not pad");
    let req = eapol::Repr::from_bytes(&pdu)
        .unwrap()
        .eap_packet()
        .unwrap()
        .unwrap();
    assert_eq!(req.method, Some(eap::method::IDENTITY));

    // The supplicant answers the NAS individually.
    let resp = eap::Repr::response(req.identifier, eap::method::IDENTITY, &b"mn1"[..]);
    let answer = eapol::Repr::with_eap(1, &resp).unwrap().to_bytes().unwrap();
    mn.send(NAS, &answer).await.unwrap();
    assert_eq!(nas.recv().await.unwrap(), (MN, answer));

    // Neither socket read back what it sent.
    for s in [&nas, &mn] {
        let r = tokio::time::timeout(Duration::from_millis(200), s.recv()).await;
        assert!(r.is_err(), "unexpected frame {r:?}");
    }
}

#[test]
#[ignore = "needs root (a network namespace): run with --include-ignored (just test)"]
fn eapol_socket_on_a_veth_pair() {
    let ns = Netns(format!("mip6lab-eapoltest-{}", std::process::id()));
    let added = Command::new("ip").args(["netns", "add", &ns.0]).output();
    match added {
        Ok(o) if o.status.success() => {}
        Ok(o) => panic!(
            "cannot create a network namespace (root needed): {}",
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(e) => panic!("no `ip` command (apt-get install iproute2): {e}"),
    }
    let n = ns.0.as_str();
    ip(&[
        "-n", n, "link", "add", "eap0", "type", "veth", "peer", "name", "eap1",
    ]);
    ip(&[
        "-n",
        n,
        "link",
        "set",
        "eap0",
        "address",
        "02:42:c6:33:64:81",
        "up",
    ]);
    ip(&[
        "-n",
        n,
        "link",
        "set",
        "eap1",
        "address",
        "02:42:c6:33:64:8a",
        "up",
    ]);
    let name = ns.0.clone();
    let run = std::thread::spawn(move || {
        enter(&name);
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            tokio::time::timeout(Duration::from_secs(10), exchange())
                .await
                .expect("the exchange took over 10 s");
        });
    });
    // A panic in the thread fails the test here; the guard deletes the namespace either way.
    if let Err(p) = run.join() {
        std::panic::resume_unwind(p);
    }
}
