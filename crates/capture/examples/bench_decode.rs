//! Decode throughput: our read + dissect + transcript against tshark, on one large pcap of
//! the split mix (DNS SRV/AAAA/UPDATE with TSIG, IKEv2, MH) made from the committed real
//! captures; both the whole-file path (all frames, then the transcript) and the streaming one
//! `mip6lab decode` takes (a frame and an entry at a time). `just bench-decode` runs it in
//! release mode.
//!
//!     cargo run --release -p mip6lab-capture --example bench_decode [-- PACKETS] [--verbose]
//!
//! The pcap is built once and cached as target/bench/split-mix-<PACKETS>.pcap.

use mip6lab_capture::dissect::{Context, Dissectors};
use mip6lab_capture::stream::{Decoder, FrameReader};
use mip6lab_capture::{decode_frames, read_file, Decoded, Endpoints};
use pcap_file::pcap::{PcapHeader, PcapPacket, PcapWriter};
use pcap_file::DataLink;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Frames of the committed captures that carry a message under test (no ND/MLD), in order.
fn source_frames() -> Vec<Vec<u8>> {
    let pcaps = root().join("fixtures/pcaps");
    let mut out = Vec::new();
    for f in [
        "split-discovery/srv-reference.pcap",
        "split-discovery/name-reference.pcap",
        "ddns-bind/ddns-tsig.pcap",
        "ikev2-strongswan/bootstrap.pcap",
        "mh-scapy/mh-scapy.pcap",
    ] {
        let read = read_file(&pcaps.join(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
        let t = decode_frames(&read.frames, &Endpoints::default());
        for e in &t.entries {
            if matches!(e.decoded, Decoded::Dns(_) | Decoded::Message(_)) {
                out.push(read.frames[e.frame as usize - 1].data.clone());
            }
        }
    }
    out
}

fn make(path: &Path, packets: usize) {
    let frames = source_frames();
    assert!(!frames.is_empty());
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let tmp = path.with_extension("tmp");
    let file = std::io::BufWriter::new(std::fs::File::create(&tmp).unwrap());
    let header = PcapHeader {
        datalink: DataLink::ETHERNET,
        snaplen: 65535,
        ..Default::default()
    };
    let mut w = PcapWriter::with_header(file, header).unwrap();
    let start = Duration::from_secs(1_700_000_000);
    for i in 0..packets {
        let data = &frames[i % frames.len()];
        // Round-robin over the real frames; time advances 100 µs per frame.
        let ts = start + Duration::from_micros(100 * i as u64);
        w.write_packet(&PcapPacket::new(ts, data.len() as u32, data))
            .unwrap();
    }
    drop(w);
    std::fs::rename(&tmp, path).unwrap();
}

/// The streaming path of `mip6lab decode`: frames read, sliced and dissected one at a time.
/// Returns how many messages it decoded.
fn streamed(path: &Path, packets: usize) -> usize {
    let (endpoints, dissectors) = (Endpoints::default(), Dissectors::standard());
    let mut ctx = Context::default();
    let mut decoder = Decoder::new(&endpoints, 0, &dissectors, &mut ctx);
    let (mut frames, mut decoded) = (0, 0);
    for frame in FrameReader::open(path).unwrap() {
        frames += 1;
        if let Some(e) = decoder.decode(&frame.unwrap()) {
            if matches!(e.decoded, Decoded::Dns(_) | Decoded::Message(_)) {
                decoded += 1;
            }
        }
    }
    assert_eq!(frames, packets);
    assert!(decoder.finish().errors.is_empty());
    decoded
}

fn time_tshark(file: &Path, args: &[&str]) -> Option<Duration> {
    let t = Instant::now();
    let st = Command::new("tshark")
        .arg("-r")
        .arg(file)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    match st {
        Ok(s) if s.success() => Some(t.elapsed()),
        Ok(s) => {
            eprintln!("tshark {args:?} failed: {s}");
            None
        }
        Err(e) => {
            eprintln!("tshark not runnable ({e}): apt-get install tshark");
            None
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let packets: usize = args
        .iter()
        .find_map(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let verbose = args.iter().any(|a| a == "--verbose");
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"));
    let path = target.join(format!("bench/split-mix-{packets}.pcap"));
    if !path.exists() {
        let t = Instant::now();
        make(&path, packets);
        eprintln!("made {} in {:.1?}", path.display(), t.elapsed());
    }
    let size = std::fs::metadata(&path).unwrap().len();
    println!(
        "file: {} ({packets} packets, {:.1} MB)",
        path.display(),
        size as f64 / 1e6
    );

    let t = Instant::now();
    let read = read_file(&path).unwrap();
    let read_time = t.elapsed();
    let transcript = decode_frames(&read.frames, &Endpoints::default());
    let ours = t.elapsed();
    assert_eq!(read.frames.len(), packets);
    assert!(transcript.errors.is_empty());
    // Keep the work observable so it is not optimized away.
    let decoded = transcript
        .entries
        .iter()
        .filter(|e| matches!(e.decoded, Decoded::Dns(_) | Decoded::Message(_)))
        .count();

    drop((read, transcript));

    let t = Instant::now();
    let streamed_decoded = streamed(&path, packets);
    let streamed_time = t.elapsed();
    assert_eq!(streamed_decoded, decoded);

    let rate = |d: Duration| packets as f64 / d.as_secs_f64();
    println!(
        "mip6lab  read+dissect+transcript: {:>8.2?}  {:>10.0} packets/s  (read {:.2?}; {decoded} messages decoded)",
        ours,
        rate(ours),
        read_time
    );
    println!(
        "mip6lab  streamed, frame by frame:  {:>8.2?}  {:>10.0} packets/s",
        streamed_time,
        rate(streamed_time),
    );
    let ratios = |ts: Duration| {
        format!(
            "tshark/mip6lab {:.1}x, streamed {:.1}x",
            ts.as_secs_f64() / ours.as_secs_f64(),
            ts.as_secs_f64() / streamed_time.as_secs_f64()
        )
    };
    if let Some(ts) = time_tshark(&path, &["-T", "fields", "-e", "frame.number"]) {
        println!(
            "tshark   -T fields -e frame.number: {:>8.2?}  {:>10.0} packets/s  ({})",
            ts,
            rate(ts),
            ratios(ts)
        );
    }
    if verbose {
        if let Some(ts) = time_tshark(&path, &["-V"]) {
            println!(
                "tshark   -V:                        {:>8.2?}  {:>10.0} packets/s  ({})",
                ts,
                rate(ts),
                ratios(ts)
            );
        }
    }
}
