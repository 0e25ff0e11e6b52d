//! Helpers the capture tests share: hand-built frames and the lab's addresses, and for the
//! tshark cross-checks running tshark over a pcap, reading its numbers and tallying.
// Each test binary compiles this module and uses only some of it.
#![allow(dead_code)]

pub mod mip4;
pub mod radius;

use mip6lab_capture::dissect::slice;
use mip6lab_capture::read::LinkType;
use mip6lab_capture::{decode_frames, read_file, Decoded, Endpoints, Frame, Part};
use mip6lab_wire::mh::{BindingUpdate, BuFlags, MhMessage, MobilityOption, Repr as MhRepr};
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

pub const HA: &str = "2001:db8:1::1";
pub const HOA: &str = "2001:db8:1::100";
pub const COA: &str = "2001:db8:2::100";

pub fn addr(s: &str) -> Ipv6Addr {
    s.parse().unwrap()
}

/// The HA and the MN's two addresses under their lab names.
pub fn endpoints() -> Endpoints {
    let mut e = Endpoints::default();
    e.insert(IpAddr::V6(addr(HA)), "HA");
    e.insert(IpAddr::V6(addr(COA)), "MN-CoA");
    e.insert(IpAddr::V6(addr(HOA)), "MN-HoA");
    e
}

/// An IPv6 packet: the fixed header (traffic class and flow label 0), then `payload`.
pub fn ipv6(
    src: Ipv6Addr,
    dst: Ipv6Addr,
    next_header: u8,
    hop_limit: u8,
    payload: &[u8],
) -> Vec<u8> {
    let mut d = vec![0x60, 0, 0, 0];
    d.extend_from_slice(&(payload.len() as u16).to_be_bytes());
    d.extend_from_slice(&[next_header, hop_limit]);
    d.extend_from_slice(&src.octets());
    d.extend_from_slice(&dst.octets());
    d.extend_from_slice(payload);
    d
}

/// A UDP datagram; the checksum is left 0 (the dissectors do not judge it).
pub fn udp(sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
    let mut u = Vec::new();
    u.extend_from_slice(&sport.to_be_bytes());
    u.extend_from_slice(&dport.to_be_bytes());
    u.extend_from_slice(&((payload.len() + 8) as u16).to_be_bytes());
    u.extend_from_slice(&[0, 0]);
    u.extend_from_slice(payload);
    u
}

/// Frame `number`, captured `number` seconds in: an Ethernet header around an IPv6 packet.
pub fn ethernet_frame(number: u64, ipv6_packet: &[u8]) -> Frame {
    let mut data = vec![0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x86, 0xdd];
    data.extend_from_slice(ipv6_packet);
    Frame {
        number,
        timestamp: Duration::from_secs(number),
        link: LinkType::Ethernet,
        data,
    }
}

/// A BU with these fields and options (reserved octet 0).
pub fn binding_update(seq: u16, flags: u8, lifetime: u16, options: &[MobilityOption]) -> MhRepr {
    let bu = BindingUpdate {
        seq,
        flags: BuFlags(flags),
        reserved: 0,
        lifetime,
    };
    MhRepr::build(MhMessage::Bu(bu), options)
}

/// The values tshark prints for `fields` in each frame of `file`, by frame number; the first
/// field must be `frame.number`. Repeats of a field are joined with `,`; empty ones are left
/// out.
pub fn tshark_fields(
    file: &Path,
    fields: &[&'static str],
) -> BTreeMap<u64, BTreeMap<&'static str, String>> {
    tshark_fields_with(file, &[], fields)
}

/// As [`tshark_fields`], with extra tshark arguments first (e.g. `-d` decode-as rules).
pub fn tshark_fields_with(
    file: &Path,
    args: &[&str],
    fields: &[&'static str],
) -> BTreeMap<u64, BTreeMap<&'static str, String>> {
    let mut cmd = Command::new("tshark");
    cmd.args(args)
        .arg("-r")
        .arg(file)
        .args(["-T", "fields", "-E", "separator=\t"])
        .args(["-E", "occurrence=a", "-E", "aggregator=,"]);
    for f in fields {
        cmd.args(["-e", f]);
    }
    let out = match cmd.output() {
        Ok(o) => o,
        Err(e) => panic!("cannot run tshark ({e}): apt-get install tshark"),
    };
    assert!(
        out.status.success(),
        "tshark -r {}: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|line| {
            let cols: Vec<&str> = line.split('\t').collect();
            let values = fields[1..]
                .iter()
                .zip(&cols[1..])
                .filter(|(_, v)| !v.is_empty())
                .map(|(k, v)| (*k, v.to_string()))
                .collect();
            (cols[0].parse().unwrap(), values)
        })
        .collect()
}

/// `0x1f`, `31`, `True`/`False` → a number.
pub fn num(s: &str) -> Option<u64> {
    let s = s.trim();
    match s {
        "True" => Some(1),
        "False" => Some(0),
        _ => match s.strip_prefix("0x") {
            Some(h) => u64::from_str_radix(h, 16).ok(),
            None => s.parse().ok(),
        },
    }
}

/// Fields that agree (counted by a key: a protocol or a field name) and the disagreements;
/// each cross-check adds its own `cmp`.
#[derive(Default)]
pub struct Tally {
    pub agree: BTreeMap<&'static str, u64>,
    pub disagree: Vec<String>,
}

impl Tally {
    pub fn assert_no_disagreement(&self) {
        assert!(
            self.disagree.is_empty(),
            "{} disagreement(s):\n{}",
            self.disagree.len(),
            self.disagree.join("\n")
        );
    }
}

/// Seconds since 1970 as tshark prints an absolute time (`Dec  7, 2026 13:51:48.000000000 UTC`).
pub fn tshark_time_text(unix: i64) -> String {
    let (days, secs) = (unix.div_euclid(86_400), unix.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (proleptic Gregorian, 400-year eras).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    // tshark pads the day to two places with a space ("Dec  7").
    format!(
        "{} {day:>2}, {year} {:02}:{:02}:{:02}.000000000 UTC",
        MONTHS[(month - 1) as usize],
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// An IPv4 packet (no options, TTL 64, header checksum filled in), then `payload`.
pub fn ipv4(src: Ipv4Addr, dst: Ipv4Addr, protocol: u8, payload: &[u8]) -> Vec<u8> {
    let mut h = vec![0x45, 0];
    h.extend_from_slice(&((20 + payload.len()) as u16).to_be_bytes());
    h.extend_from_slice(&[0, 0, 0x40, 0, 64, protocol, 0, 0]);
    h.extend_from_slice(&src.octets());
    h.extend_from_slice(&dst.octets());
    let sum = mip6lab_wire::checksum::internet_checksum(&h);
    h[10..12].copy_from_slice(&sum.to_be_bytes());
    h.extend_from_slice(payload);
    h
}

/// Frame `number`: an Ethernet header around an IPv4 packet.
pub fn ethernet_v4_frame(number: u64, ipv4_packet: &[u8]) -> Frame {
    let mut data = vec![0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00];
    data.extend_from_slice(ipv4_packet);
    Frame {
        number,
        timestamp: Duration::from_secs(number),
        link: LinkType::Ethernet,
        data,
    }
}

/// One frame of a cross-check: its number, our transcript of it, its UDP payload (for what the
/// transcript leaves out) and tshark's fields.
pub struct Paired<'a> {
    pub frame: u64,
    pub ours: &'a Part,
    pub payload: &'a [u8],
    pub theirs: &'a BTreeMap<&'static str, String>,
}

/// Every frame of `pcap` that our decoder reads as `protocol` or for which tshark shows
/// `their_key`, handed to `each` with the tally; a frame only one side reads is a
/// disagreement. Gives the tally and how many frames were compared.
pub fn compare_frames(
    pcap: &Path,
    fields: &[&'static str],
    protocol: &str,
    their_key: &str,
    mut each: impl FnMut(&Paired<'_>, &mut Tally),
) -> (Tally, usize) {
    let frames = read_file(pcap).unwrap().frames;
    let ours = decode_frames(&frames, &Endpoints::default());
    let theirs = tshark_fields(pcap, fields);
    let mut t = Tally::default();
    let mut compared = 0;
    for e in &ours.entries {
        let ours_reads = matches!(&e.decoded, Decoded::Message(m) if m.protocol == protocol);
        let w = &theirs[&e.frame];
        if !ours_reads && !w.contains_key(their_key) {
            continue;
        }
        let Decoded::Message(m) = &e.decoded else {
            t.disagree.push(format!(
                "frame {}: tshark reads {protocol}, we do not",
                e.frame
            ));
            continue;
        };
        compared += 1;
        let frame = frames.iter().find(|f| f.number == e.frame).unwrap();
        let (_, payload) = slice(frame).unwrap().unwrap();
        let paired = Paired {
            frame: e.frame,
            ours: m,
            payload,
            theirs: w,
        };
        each(&paired, &mut t);
    }
    (t, compared)
}

/// Writes Ethernet `frames` to a pcap file at `path`, one a second from t = 1 s.
pub fn write_ethernet_pcap(path: &Path, frames: &[Vec<u8>]) {
    use pcap_file::pcap::{PcapHeader, PcapPacket, PcapWriter};
    let file = std::fs::File::create(path).unwrap();
    let header = PcapHeader {
        datalink: pcap_file::DataLink::ETHERNET,
        ..Default::default()
    };
    let mut w = PcapWriter::with_header(file, header).unwrap();
    for (i, frame) in frames.iter().enumerate() {
        w.write_packet(&PcapPacket::new(
            Duration::from_secs(1 + i as u64),
            frame.len() as u32,
            frame,
        ))
        .unwrap();
    }
}
