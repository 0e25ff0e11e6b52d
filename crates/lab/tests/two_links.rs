//! Container test: a node on two links (`more_links`, `router`), as the integrated scenario's
//! NAS between the access and the ASP link will be (`fixtures/topologies/two-links.toml`).
//! Its second interface has its role's address on the second network, IPv6 forwarding is on,
//! the first link keeps the default route, and both links' captures see it. Needs Docker,
//! so plain `cargo test` lists it as ignored; `just test` runs it.

use mip6lab_lab::lab::Iut;
use mip6lab_lab::{Lab, LabOptions, Topology};
use std::path::PathBuf;
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `cmd` run in the network namespace of process `pid`.
fn in_node(pid: u32, cmd: &[&str]) -> String {
    let out = Command::new("nsenter")
        .arg(format!("--net=/proc/{pid}/ns/net"))
        .args(cmd)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
#[ignore = "needs Docker: run with --include-ignored (just test)"]
fn a_node_on_two_links_has_both_addresses_and_forwards() {
    let out = std::env::temp_dir()
        .join("mip6lab-tests")
        .join(format!("two-links-{}", std::process::id()));
    let topo = Topology::load(&root().join("fixtures/topologies/two-links.toml")).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (eth0, eth1, forwarding, routes, art) = rt.block_on(async {
        let lab = Lab::up(
            topo,
            LabOptions {
                root: root(),
                out_dir: out.clone(),
                iut: Iut::None,
            },
        )
        .await
        .unwrap_or_else(|e| panic!("lab up (needs Docker): {e:#}"));
        let pid = lab.holder_pid("nas").await.unwrap();
        let eth0 = in_node(pid, &["ip", "-o", "addr", "show", "dev", "eth0"]);
        let eth1 = in_node(pid, &["ip", "-o", "addr", "show", "dev", "eth1"]);
        let forwarding = in_node(pid, &["cat", "/proc/sys/net/ipv6/conf/all/forwarding"]);
        let routes = in_node(pid, &["ip", "-4", "route"]);
        let art = lab.down().await.unwrap();
        (eth0, eth1, forwarding, routes, art)
    });
    assert!(eth0.contains("2001:db8:1::47/64"), "{eth0}");
    assert!(eth0.contains("198.51.100.130/28"), "{eth0}");
    assert!(eth1.contains("2001:db8:10::a/64"), "{eth1}");
    // First (and only) node on the access link: the address after the lab host's.
    assert!(eth1.contains("198.51.100.146/28"), "{eth1}");
    assert_eq!(forwarding.trim(), "1");
    assert!(
        routes.contains("default via 198.51.100.129 dev eth0"),
        "the default route stays on the first link: {routes}"
    );
    assert!(!routes.contains("default via 198.51.100.145"), "{routes}");
    // One capture per link; the access link saw the node's second interface come up.
    assert_eq!(art.pcaps.len(), 2);
    let access = mip6lab_capture::read_file(&art.pcaps[1]).unwrap();
    assert!(!access.frames.is_empty(), "nothing on the access link");
    let _ = std::fs::remove_dir_all(&out);
}
