//! What the strongSwan interop tests share: paths, randomness, binding the lab host's IKE
//! port, and decoding the lab capture with the harness's key log.
#![allow(dead_code)] // each test binary uses its own subset

use mip6lab_capture::dissect::{udp_payloads, Context, Dissectors};
use mip6lab_capture::keylog::KeyLog;
use mip6lab_capture::{decode_with, read_file, Endpoints, Transcript};
use mip6lab_engines::ikev2::{ChildRequest, Config, Event, IkeEngine, InitiateRequest, RngFn};
use mip6lab_engines_io::ikev2::udp::{Driver, KeyLogFiles};
use mip6lab_lab::lab::Iut;
use mip6lab_lab::{Lab, LabOptions, Topology};
use mip6lab_wire::ikev2::Id;
use std::net::Ipv6Addr;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Both tests bind [2001:db8:1::1]:500: one at a time.
pub static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// Random octets from the OS (a real peer must not see predictable SPIs and nonces).
pub fn os_rng() -> RngFn {
    use std::io::Read;
    let mut f = std::fs::File::open("/dev/urandom").unwrap();
    Box::new(move |b: &mut [u8]| f.read_exact(b).unwrap())
}

pub fn endpoints(topo: &Topology) -> Endpoints {
    let mut e = Endpoints::default();
    for (role, a) in &topo.hosts {
        e.insert(IpAddr::V6(*a), role.clone());
    }
    e
}

/// Binds UDP 500 on the lab host's address once the bridge has it (DAD may delay it).
pub async fn bind_500(keys: Option<KeyLogFiles>, peer: Option<SocketAddr>) -> Driver {
    let local: SocketAddr = "[2001:db8:1::1]:500".parse().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        match Driver::bind(local, peer, keys.clone()).await {
            Ok(d) => return d,
            Err(_) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(e) => panic!("cannot bind {local}: {e}"),
        }
    }
}

pub fn transcript(pcap: &Path, keys: &Path, topo: &Topology) -> Transcript {
    let read = read_file(pcap).unwrap();
    let mut ctx = Context::default();
    ctx.keys.merge(KeyLog::load(keys).unwrap());
    decode_with(
        &read.frames,
        &endpoints(topo),
        0,
        &Dissectors::standard(),
        &mut ctx,
    )
}

/// IKE datagrams of the capture, in order.
pub fn ike_datagrams(pcap: &Path) -> Vec<Vec<u8>> {
    udp_payloads(&read_file(pcap).unwrap().frames, 500)
}

/// Only the IKE lines, without the ND/MLD of the containers starting.
pub fn ike_text(t: &Transcript) -> String {
    t.to_text()
        .lines()
        .filter(|l| l.contains("IKEv2"))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// A peers-only lab of `topo` writing into `out` (the harness plays the IUT from the host).
pub async fn lab_up(topo: &Topology, out: &Path) -> Lab {
    Lab::up(
        topo.clone(),
        LabOptions {
            root: root(),
            out_dir: out.to_path_buf(),
            iut: Iut::None,
        },
    )
    .await
    .unwrap()
}

/// The harness MN against charon's `ha` profile: IKE_SA with an MH Child SA and a CFG
/// request for a home address, then, if the SA came up, its deletion. Returns every event.
pub async fn mn_initiate_then_delete(
    drv: &mut Driver,
    mut cfg: Config,
    lab: Ipv6Addr,
    ha: Ipv6Addr,
) -> Vec<Event> {
    cfg.local_addr = Some(IpAddr::V6(lab));
    cfg.peer_addr = Some(IpAddr::V6(ha));
    let mut mn = IkeEngine::new(cfg, os_rng());
    let mut req = InitiateRequest::dynamic_hoa(ha);
    req.peer_id = Some(Id::fqdn("ha1.example.com"));
    req.child = Some(ChildRequest::mh(None, ha));
    let o = drv
        .initiate(&mut mn, req, Duration::from_secs(30))
        .await
        .unwrap();
    if o.established {
        mn.delete_ike(drv.now(), o.sa).unwrap();
        drv.run_until(&mut mn, Duration::from_secs(10), |e| {
            matches!(e, Event::IkeSaDeleted { .. } | Event::Failed { .. })
        })
        .await
        .unwrap();
    }
    drv.events.clone()
}
