//! What the container tests share: paths, randomness, binding the lab host's IKE port,
//! running the harness against charon either way, and decoding the lab capture.
#![allow(dead_code)] // each test binary uses its own subset

use crate::payloads::{first_payload, internal_ip6_address};
use mip6lab_capture::dissect::{frames_on_udp_port, udp_payloads};
use mip6lab_capture::keylog::KeyLog;
use mip6lab_capture::{decode_frames, decode_with_keys, read_file, Transcript};
use mip6lab_engines::ikev2::{
    ChildRequest, Config, Event, IkeEngine, InitiateRequest, ResponderPolicy, RngFn,
};
use mip6lab_engines_io::ikev2::udp::{Driver, KeyLogFiles};
use mip6lab_lab::lab::{Artifacts, Iut, NodeHandle};
use mip6lab_lab::{Lab, LabOptions, Topology};
use mip6lab_wire::crypto::{signed_octets, IkeKeys};
use mip6lab_wire::ikev2::{exchange, sk, Auth, Id, Message, Payload, PayloadBody};
use std::net::Ipv6Addr;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Both tests bind [2001:db8:1::1]:500: one at a time.
pub static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// The repository root: MIP6LAB_ROOT, else this crate's grandparent.
pub fn root() -> PathBuf {
    match std::env::var_os("MIP6LAB_ROOT") {
        Some(r) => PathBuf::from(r),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.."),
    }
    .canonicalize()
    .unwrap()
}

/// Random octets from the OS (a real peer must not see predictable SPIs and nonces).
pub fn os_rng() -> RngFn {
    use std::io::Read;
    let mut f = std::fs::File::open("/dev/urandom").unwrap();
    Box::new(move |b: &mut [u8]| f.read_exact(b).unwrap())
}

/// One lab run: its output directory (emptied), the harness's key log directory in it and
/// the topology `fixtures/topologies/{name}.toml`.
pub struct Run {
    pub out: PathBuf,
    pub keydir: PathBuf,
    pub topo: Topology,
}

impl Run {
    pub fn new(name: &str) -> Run {
        let out = std::env::temp_dir().join("mip6lab-tests").join(name);
        let _ = std::fs::remove_dir_all(&out);
        let topology = root().join(format!("fixtures/topologies/{name}.toml"));
        Run {
            keydir: out.join("harness-keys"),
            out,
            topo: Topology::load(&topology).unwrap(),
        }
    }

    pub fn key_files(&self) -> KeyLogFiles {
        KeyLogFiles::new(&self.keydir)
    }

    pub fn key_log(&self) -> PathBuf {
        self.keydir.join("keys.log")
    }

    pub fn host(&self, role: &str) -> Ipv6Addr {
        self.topo.hosts[role]
    }
}

/// Binds `local` once the bridge has the address (DAD may delay it).
pub async fn bind(
    local: SocketAddr,
    peer: Option<SocketAddr>,
    keys: Option<KeyLogFiles>,
) -> Driver {
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

/// Binds UDP 500 on the lab host's address.
pub async fn bind_500(keys: Option<KeyLogFiles>, peer: Option<SocketAddr>) -> Driver {
    bind("[2001:db8:1::1]:500".parse().unwrap(), peer, keys).await
}

pub fn transcript(pcap: &Path, keys: &Path, topo: &Topology) -> Transcript {
    let read = read_file(pcap).unwrap();
    decode_with_keys(
        &read.frames,
        &topo.endpoints(),
        0,
        KeyLog::load(keys).unwrap(),
    )
}

/// IKE datagrams of the capture, in order.
pub fn ike_datagrams(pcap: &Path) -> Vec<Vec<u8>> {
    udp_payloads(&read_file(pcap).unwrap().frames, 500)
}

/// Only the IKE lines, without the ND/MLD of the containers starting. (The lengths of DER
/// ECDSA signatures vary from run to run; the transcript masks them itself.)
pub fn ike_text(t: &Transcript) -> String {
    t.to_text()
        .lines()
        .filter(|l| l.contains("IKEv2"))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// Consecutive identical lines once.
pub fn fold_repeats(text: &str) -> String {
    let mut out = String::new();
    let mut last = None;
    for l in text.lines() {
        if last != Some(l) {
            out.push_str(l);
            out.push('\n');
        }
        last = Some(l);
    }
    out
}

/// Asserts that `line` holds each of `parts`.
pub fn assert_holds(line: &str, parts: &[&str]) {
    for part in parts {
        assert!(line.contains(part), "{part} not in: {line}");
    }
}

/// Asserts that one line of `text` starts with `prefix`, and that it holds each of `parts`.
pub fn assert_only_line(text: &str, prefix: &str, parts: &[&str]) {
    let v: Vec<&str> = text.lines().filter(|l| l.starts_with(prefix)).collect();
    assert_eq!(v.len(), 1, "{prefix}: {v:?}");
    assert_holds(v[0], parts);
}

/// Random octets from the OS for RADIUS Request Authenticators and MSCHAPv2 challenges.
pub fn random16() -> [u8; 16] {
    use std::io::Read;
    let mut a = [0u8; 16];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut a))
        .unwrap();
    a
}

/// The capture of the home link.
pub fn home_pcap(artifacts: &Artifacts) -> &Path {
    artifacts
        .pcaps
        .iter()
        .find(|p| p.ends_with("home.pcap"))
        .expect("home.pcap")
}

/// The home link's capture cut to the harness's UDP `port`, decoded (printed; no decoding
/// errors).
pub fn home_port_text(artifacts: &Artifacts, topo: &Topology, port: u16) -> String {
    let read = read_file(home_pcap(artifacts)).unwrap();
    let frames = frames_on_udp_port(&read.frames, port);
    let t = decode_frames(&frames, &topo.endpoints());
    let text = t.to_text();
    eprintln!("{text}");
    assert!(t.errors.is_empty(), "{:?}", t.errors);
    text
}

/// The IKE lines of the home link's capture, decrypted with the harness's key log (printed).
pub fn home_ike_text(run: &Run, artifacts: &Artifacts) -> String {
    let t = transcript(home_pcap(artifacts), &run.key_log(), &run.topo);
    let text = ike_text(&t);
    println!("{text}");
    text
}

/// `events` but the key log entries, each on a line after `prefix`.
pub fn print_events(prefix: &str, events: &[Event]) {
    for e in events {
        if !matches!(e, Event::KeyLog(_)) {
            println!("{prefix}: {e:?}");
        }
    }
}

pub fn print_exits(exits: &[(NodeHandle, Option<i64>)]) {
    println!(
        "charon exits: {:?}",
        exits
            .iter()
            .map(|(n, c)| (n.name.clone(), *c))
            .collect::<Vec<_>>()
    );
}

/// The exit codes of charon's containers once they end (30 s at most).
pub async fn charon_exits(lab: &Lab) -> Vec<(NodeHandle, Option<i64>)> {
    lab.wait_exited(Duration::from_secs(30))
        .await
        .unwrap_or_default()
}

/// A peers-only lab of `topo` writing into `out` (the harness plays the IUT from the host).
/// The lab, with this thread moved into its network namespace: the sockets a test opens
/// from here on (on the thread driving its runtime) are on the lab's links, as the lab host.
pub async fn lab_up(topo: &Topology, out: &Path) -> Lab {
    let lab = Lab::up(
        topo.clone(),
        LabOptions {
            root: root(),
            out_dir: out.to_path_buf(),
            iut: Iut::None,
        },
    )
    .await
    .unwrap_or_else(|e| panic!("lab up (needs Docker): {e:#}"));
    lab.netns().enter_current_thread().unwrap();
    lab
}

/// The harness MN against charon's `ha` profile: IKE_SA with an MH Child SA and a CFG
/// request for a home address, then, if the SA came up, its deletion.
pub async fn mn_initiate_then_delete(
    drv: &mut Driver,
    mut cfg: Config,
    lab: Ipv6Addr,
    ha: Ipv6Addr,
) {
    cfg.local_addr = Some(IpAddr::V6(lab));
    cfg.peer_addr = Some(IpAddr::V6(ha));
    let mut mn = IkeEngine::new(cfg, os_rng());
    let mut req = InitiateRequest::dynamic_hoa(ha);
    req.peer_id = Some(Id::fqdn("ha1.example.com"));
    req.child = Some(ChildRequest::mh(None, ha));
    initiate_then_delete(drv, &mut mn, req).await;
}

/// `mn` initiates `req`; if the IKE SA comes up, it deletes it again.
pub async fn initiate_then_delete(drv: &mut Driver, mn: &mut IkeEngine, req: InitiateRequest) {
    let o = drv
        .initiate(mn, req, Duration::from_secs(30))
        .await
        .unwrap();
    if o.established {
        mn.delete_ike(drv.now(), o.sa).unwrap();
        drv.run_until(mn, Duration::from_secs(10), |e| {
            matches!(e, Event::IkeSaDeleted { .. } | Event::Failed { .. })
        })
        .await
        .unwrap();
    }
}

/// The harness MN (on the lab host) against charon's HA1, with each of `configs` in turn:
/// every event, printed, and the lab's artifacts.
pub fn harness_initiates(run: &Run, configs: Vec<Config>) -> (Vec<Event>, Artifacts) {
    let ha = run.host("HA1");
    let lab_addr = run.host("lab");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (events, artifacts) = rt.block_on(async {
        let lab = lab_up(&run.topo, &run.out).await;
        let mut drv = bind_500(
            Some(run.key_files()),
            Some(SocketAddr::new(IpAddr::V6(ha), 500)),
        )
        .await;
        for cfg in configs {
            mn_initiate_then_delete(&mut drv, cfg, lab_addr, ha).await;
        }
        let a = lab.down().await.unwrap();
        (drv.events, a)
    });
    print_events("event", &events);
    (events, artifacts)
}

/// What charon's MN run against the harness responder leaves: the responder's events, the
/// exit codes of charon's containers and the lab's artifacts.
pub struct ResponderRun {
    pub events: Vec<Event>,
    pub exits: Vec<(NodeHandle, Option<i64>)>,
    pub artifacts: Artifacts,
}

/// The harness HA (`cfg`, answering on the lab host with home addresses of
/// 2001:db8:1:100::/64) until charon's MN has its IKE SA deleted or failed; then charon's
/// exit. Events and exits are printed.
pub fn charon_initiates(run: &Run, mut cfg: Config) -> ResponderRun {
    let lab_addr = run.host("lab");
    cfg.local_addr = Some(IpAddr::V6(lab_addr));
    cfg.peer_addr = Some(IpAddr::V6(run.host("MN")));
    cfg.responder = Some(ResponderPolicy::new(
        lab_addr,
        "2001:db8:1:100::".parse().unwrap(),
    ));
    let rt = tokio::runtime::Runtime::new().unwrap();
    let r = rt.block_on(async {
        // Lab::up starts charon (the stimulus) and returns; the responder binds right after.
        // charon retransmits its IKE_SA_INIT (about 4 s, then 7 s later), so a first request
        // sent before the bind is answered on a retransmission.
        let lab = lab_up(&run.topo, &run.out).await;
        let mut drv = bind_500(Some(run.key_files()), None).await;
        let mut ha = IkeEngine::new(cfg, os_rng());
        drv.run_until(&mut ha, Duration::from_secs(60), |e| {
            matches!(e, Event::IkeSaDeleted { .. } | Event::Failed { .. })
        })
        .await
        .unwrap();
        let exits = charon_exits(&lab).await;
        ResponderRun {
            events: drv.events,
            exits,
            artifacts: lab.down().await.unwrap(),
        }
    });
    print_events("event", &r.events);
    print_exits(&r.exits);
    r
}

/// The notify types with which the peer refused Child SAs.
pub fn child_sa_failures(events: &[Event]) -> Vec<u16> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::ChildSaFailed { notify_type, .. } => Some(*notify_type),
            _ => None,
        })
        .collect()
}

/// The address in the first CFG_REPLY the harness HA sent (panics without one).
pub fn assigned_home_address(events: &[Event]) -> Ipv6Addr {
    let cp = events
        .iter()
        .find_map(|e| match e {
            Event::ConfigAssigned { cp, .. } => Some(cp),
            _ => None,
        })
        .expect("the harness HA assigned a home address");
    internal_ip6_address(cp).0
}

/// The responder's AUTH of an IKE SA, from the captured datagrams.
pub struct ResponderAuth {
    /// The payloads of its IKE_AUTH response, decrypted.
    pub payloads: Vec<Payload>,
    pub idr: Id,
    pub auth: Auth,
    /// What AUTH signs or MACs (RFC 7296 §2.15): its IKE_SA_INIT response (the one with
    /// KE) | Ni | prf(SK_pr, IDr body).
    pub signed_octets: Vec<u8>,
}

pub fn responder_auth(keys: &IkeKeys, ispi: &[u8; 8], msgs: &[Vec<u8>]) -> ResponderAuth {
    let of_sa = |b: &&Vec<u8>| b[..8] == ispi[..];
    let is_resp = |b: &&Vec<u8>| b[19] & 0x20 != 0;
    let init_resp = msgs
        .iter()
        .filter(of_sa)
        .filter(is_resp)
        .filter(|b| b[18] == exchange::IKE_SA_INIT)
        .find(|b| {
            Message::from_bytes(b)
                .unwrap()
                .payloads
                .iter()
                .any(|p| matches!(p.body, PayloadBody::Ke(_)))
        })
        .expect("IKE_SA_INIT response with KE");
    let init_req = msgs
        .iter()
        .filter(of_sa)
        .rfind(|b| b[18] == exchange::IKE_SA_INIT && b[19] & 0x20 == 0)
        .unwrap();
    let ni = first_payload!(
        Message::from_bytes(init_req).unwrap().payloads,
        PayloadBody::Nonce
    )
    .unwrap();
    let auth_resp = msgs
        .iter()
        .filter(of_sa)
        .filter(is_resp)
        .find(|b| b[18] == exchange::IKE_AUTH)
        .unwrap();
    let payloads = sk::decrypt(auth_resp, &keys.responder()).unwrap().inner;
    let idr = first_payload!(payloads, PayloadBody::IdR).expect("IDr");
    let auth = first_payload!(payloads, PayloadBody::Auth).expect("AUTH");
    let idr_body = PayloadBody::IdR(idr.clone()).body_bytes();
    let signed_octets = signed_octets(keys.suite.prf, init_resp, &ni, &keys.sk_pr, &idr_body);
    ResponderAuth {
        payloads,
        idr,
        auth,
        signed_octets,
    }
}
