//! The integrated suite's offline observations: the committed recordings of the reference
//! roles (fixtures/pcaps/integrated-reference/{msp,asp,dns}, `just record-integrated`), read
//! as a test's captures are, and the same recordings with their RADIUS rewritten, decoded
//! by the same decoder, for the cases no reference run shows (an AAA server that assigns no
//! home agent, a subscriber it refuses).

use mip6lab_capture::dissect::{Context, Dissectors};
use mip6lab_capture::keylog::KeyLog;
use mip6lab_capture::read::LinkType;
use mip6lab_capture::{decode_with, read_file, Frame};
use mip6lab_lab::Topology;
use mip6lab_suite::{LinkCapture, Observation};
use mip6lab_wire::radius::{self, Repr};
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn flow_dir(flow: &str) -> PathBuf {
    root()
        .join("fixtures/pcaps/integrated-reference")
        .join(flow)
}

fn topology() -> Topology {
    Topology::load(&root().join("fixtures/topologies/record-integrated.toml")).unwrap()
}

/// The recording of `flow` as a test observes it.
pub fn recorded(flow: &str) -> Observation {
    let dir = flow_dir(flow);
    Observation::from_recording(&dir, &topology(), &[dir.join("keys.log")]).unwrap()
}

/// What to do with one RADIUS datagram of a recording.
pub enum Edit {
    Keep,
    /// Drop the frame, as if it was never sent.
    Drop,
}

/// The recording of `flow` with every RADIUS datagram (UDP port 1812 on either side, on
/// every link) passed through `edit`, which may change it (re-emitted as it is left: no
/// authenticator is recomputed, as no judge checks one) or drop its frame; then decoded as
/// [`recorded`] decodes.
pub fn recorded_with(flow: &str, edit: impl Fn(&mut Repr) -> Edit) -> Observation {
    let dir = flow_dir(flow);
    let topo = topology();
    let mut ctx = Context::default();
    let keys = KeyLog::load(dir.join("keys.log")).unwrap();
    ctx.keys.ike.extend(keys.ike);
    ctx.keys.esp.extend(keys.esp);
    let links = topo
        .networks
        .iter()
        .map(|n| {
            let pcap = dir.join(format!("{}.pcap", n.name));
            let frames: Vec<Frame> = read_file(&pcap)
                .unwrap()
                .frames
                .into_iter()
                .filter_map(|f| rewrite(f, &edit))
                .collect();
            let transcript = decode_with(
                &frames,
                &topo.endpoints(),
                0,
                &Dissectors::standard(),
                &mut ctx,
            );
            LinkCapture {
                network: n.name.clone(),
                pcap: pcap.display().to_string(),
                transcript,
                frame_times: frames.iter().map(|f| f.timestamp).collect(),
            }
        })
        .collect();
    Observation::from_links(links)
}

/// Ethernet ‖ IPv6 (no extension header) ‖ UDP ‖ RADIUS: the frame with its RADIUS passed
/// through `edit` and the lengths set again (UDP checksum 0: the dissectors do not judge it);
/// other frames as they are. Frames keep their numbers, dropped ones leave a gap.
fn rewrite(mut f: Frame, edit: &impl Fn(&mut Repr) -> Edit) -> Option<Frame> {
    const IP: usize = 14;
    const UDP: usize = IP + 40;
    const PAYLOAD: usize = UDP + 8;
    let d = &f.data;
    let is_radius = f.link == LinkType::Ethernet
        && d.len() > PAYLOAD
        && d[12..14] == [0x86, 0xdd]
        && d[IP + 6] == 17
        && [&d[UDP..UDP + 2], &d[UDP + 2..UDP + 4]]
            .iter()
            .any(|p| **p == radius::AUTH_PORT.to_be_bytes());
    if !is_radius {
        return Some(f);
    }
    let Ok(mut r) = Repr::from_bytes(&d[PAYLOAD..]) else {
        return Some(f);
    };
    if let Edit::Drop = edit(&mut r) {
        return None;
    }
    let payload = r.to_bytes().unwrap();
    let udp_len = (payload.len() + 8) as u16;
    f.data.truncate(PAYLOAD);
    f.data.extend_from_slice(&payload);
    f.data[IP + 4..IP + 6].copy_from_slice(&udp_len.to_be_bytes());
    f.data[UDP + 4..UDP + 6].copy_from_slice(&udp_len.to_be_bytes());
    f.data[UDP + 6..UDP + 8].copy_from_slice(&[0, 0]);
    Some(f)
}
