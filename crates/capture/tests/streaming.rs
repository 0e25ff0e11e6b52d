//! The streaming path against the whole-file one: `FrameReader` yields the frames pcap-file
//! reads from the whole file (pcap and pcapng, in reads of any size, cut anywhere), and the
//! streaming `Decoder` gives every recorded capture the same transcript, text and JSON as
//! `decode_with_keys`.

use mip6lab_capture::dissect::{Context, Dissectors};
use mip6lab_capture::keylog::KeyLog;
use mip6lab_capture::read::LinkType;
use mip6lab_capture::stream::{Decoder, FrameReader, StreamedTranscript};
use mip6lab_capture::{decode_with_keys, read_bytes, read_file, Frame, ReadError};
use pcap_file::pcap::PcapReader;
use pcap_file::pcapng::blocks::enhanced_packet::EnhancedPacketBlock;
use pcap_file::pcapng::blocks::interface_description::InterfaceDescriptionBlock;
use pcap_file::pcapng::PcapNgWriter;
use pcap_file::{DataLink, Endianness};
use rstest::rstest;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

mod support;

fn pcaps() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/pcaps")
}

/// The key log recorded beside a capture, if there is one.
fn keys_beside(pcap: &Path) -> KeyLog {
    let log = pcap.with_file_name("keys.log");
    if !log.exists() {
        return KeyLog::default();
    }
    KeyLog::load(&log).unwrap_or_else(|e| panic!("{}: {e}", log.display()))
}

/// What a frame is, for comparing (`Frame` has no `PartialEq`).
type Seen = (u64, Duration, LinkType, Vec<u8>);

fn seen(f: &Frame) -> Seen {
    (f.number, f.timestamp, f.link, f.data.clone())
}

/// Hands out at most `step` octets per read, as a pipe may: record boundaries fall anywhere.
struct Trickle<'a> {
    bytes: &'a [u8],
    step: usize,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.step.min(buf.len()).min(self.bytes.len());
        buf[..n].copy_from_slice(&self.bytes[..n]);
        self.bytes = &self.bytes[n..];
        Ok(n)
    }
}

/// Reads everything the reader yields: the frames, then the error (as text) if one ended them.
fn drain<R: Read>(reader: FrameReader<R>) -> (Vec<Seen>, Option<String>) {
    let mut frames = Vec::new();
    let mut error = None;
    for item in reader {
        assert!(error.is_none(), "something was yielded after the error");
        match item {
            Ok(f) => frames.push(seen(&f)),
            Err(e) => error = Some(e.to_string()),
        }
    }
    (frames, error)
}

/// pcap-file's own reading of a whole pcap, numbered from 1: the reference.
fn pcap_file_frames(bytes: &[u8]) -> Vec<Seen> {
    let mut reader = PcapReader::new(bytes).unwrap();
    let link = LinkType::from(reader.header().datalink);
    let mut out = Vec::new();
    while let Some(p) = reader.next_packet() {
        let p = p.unwrap();
        out.push((out.len() as u64 + 1, p.timestamp, link, p.data.into_owned()));
    }
    out
}

/// The same packets as a pcapng: one Ethernet interface, one enhanced packet block each.
fn as_pcapng(frames: &[Seen]) -> Vec<u8> {
    let mut w = PcapNgWriter::with_endianness(Vec::new(), Endianness::Little).unwrap();
    w.write_pcapng_block(InterfaceDescriptionBlock {
        linktype: DataLink::ETHERNET,
        snaplen: 65535,
        options: vec![],
    })
    .unwrap();
    for (_, timestamp, _, data) in frames {
        w.write_pcapng_block(EnhancedPacketBlock {
            interface_id: 0,
            timestamp: *timestamp,
            original_len: data.len() as u32,
            data: data.as_slice().into(),
            options: vec![],
        })
        .unwrap();
    }
    w.into_inner()
}

/// End offsets of the records of a pcap (24-octet file header, 16-octet record headers with
/// the captured length at offset 8, in the byte order the magic shows).
fn pcap_record_ends(bytes: &[u8]) -> Vec<usize> {
    let big_endian = bytes[0] == 0xa1;
    let word = |at: usize| {
        let w = bytes[at..at + 4].try_into().unwrap();
        if big_endian {
            u32::from_be_bytes(w)
        } else {
            u32::from_le_bytes(w)
        }
    };
    let mut ends = Vec::new();
    let mut at = 24;
    while at < bytes.len() {
        at += 16 + word(at + 8) as usize;
        ends.push(at);
    }
    assert_eq!(at, bytes.len(), "the fixture is a whole pcap");
    ends
}

/// End offsets of the enhanced packet blocks (type 6) of a little-endian pcapng, whose
/// blocks carry their total length at offset 4.
fn pcapng_packet_ends(bytes: &[u8]) -> Vec<usize> {
    let word = |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap());
    let mut ends = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let (kind, len) = (word(at), word(at + 4) as usize);
        at += len;
        if kind == 6 {
            ends.push(at);
        }
    }
    assert_eq!(at, bytes.len(), "a whole pcapng");
    ends
}

#[rstest]
#[case::srv_reference("split-discovery/srv-reference.pcap")]
#[case::srv_mutant_udp("split-discovery/srv-mutant-udp.pcap")]
#[case::name_reference("split-discovery/name-reference.pcap")]
#[case::name_mutant_a("split-discovery/name-mutant-a.pcap")]
#[case::ddns_tsig("ddns-bind/ddns-tsig.pcap")]
#[case::ikev2_strongswan("ikev2-strongswan/bootstrap.pcap")]
#[case::ikev2_strongswan_kat("ikev2-strongswan-kat/bootstrap.pcap")]
#[case::mh_scapy("mh-scapy/mh-scapy.pcap")]
fn streamed_transcript_is_the_whole_file_one(#[case] pcap: &str, #[values(0, 3)] setup: u64) {
    let path = pcaps().join(pcap);
    let endpoints = support::endpoints();
    let read = read_file(&path).unwrap();
    assert!(read.error.is_none(), "{:?}", read.error);
    let whole = decode_with_keys(&read.frames, &endpoints, setup, keys_beside(&path));
    assert!(!whole.entries.is_empty());

    // Entry by entry, straight from the file.
    let dissectors = Dissectors::standard();
    let mut ctx = Context {
        keys: keys_beside(&path),
        ..Context::default()
    };
    let mut decoder = Decoder::new(&endpoints, setup, &dissectors, &mut ctx);
    let mut entries = Vec::new();
    let mut text = String::new();
    for frame in FrameReader::open(&path).unwrap() {
        if let Some(entry) = decoder.decode(&frame.unwrap()) {
            text += &entry.text();
            text.push('\n');
            entries.push(entry);
        }
    }
    let tally = decoder.finish();
    assert!(tally.entries.is_empty());
    // The first `setup` frames are counted, never decoded.
    assert_eq!(tally.setup, setup);
    assert!(entries.iter().all(|e| e.frame > setup));
    assert_eq!(entries, whole.entries);
    assert_eq!(
        (tally.setup, tally.housekeeping, &tally.errors),
        (whole.setup, whole.housekeeping, &whole.errors)
    );
    // The text a streaming writer prints: each entry's line, then the tally's (errors).
    text += &tally.to_text();
    assert_eq!(text, whole.to_text());

    // JSON written while decoding: the same bytes and the same value.
    let mut ctx = Context {
        keys: keys_beside(&path),
        ..Context::default()
    };
    let frames = FrameReader::open(&path).unwrap().map(Result::unwrap);
    let streamed = StreamedTranscript::new(
        Decoder::new(&endpoints, setup, &dissectors, &mut ctx),
        frames,
    );
    let json = serde_json::to_string_pretty(&streamed).unwrap();
    let mut tally = whole.clone();
    tally.entries.clear();
    assert_eq!(streamed.finish(), tally);
    assert_eq!(json, serde_json::to_string_pretty(&whole).unwrap());
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&json).unwrap(),
        serde_json::to_value(&whole).unwrap()
    );
}

/// A decoder that meets frames it cannot slice keeps them as errors, and the streamed JSON
/// then carries them as the whole transcript's does.
#[test]
fn streamed_json_carries_slicing_errors() {
    let path = pcaps().join("mh-scapy/mh-scapy.pcap");
    let mut frames = read_file(&path).unwrap().frames;
    // Cut two frames inside their IPv6 header.
    for f in frames.iter_mut().take(2) {
        f.data.truncate(20);
    }
    let endpoints = support::endpoints();
    let whole = decode_with_keys(&frames, &endpoints, 0, KeyLog::default());
    assert_eq!(whole.errors.len(), 2, "{:?}", whole.errors);

    let dissectors = Dissectors::standard();
    let mut ctx = Context::default();
    let streamed = StreamedTranscript::new(
        Decoder::new(&endpoints, 0, &dissectors, &mut ctx),
        frames.into_iter(),
    );
    let json = serde_json::to_string_pretty(&streamed).unwrap();
    assert_eq!(json, serde_json::to_string_pretty(&whole).unwrap());
}

/// No entries at all: the JSON's empty list is written as the whole transcript's is.
#[test]
fn streamed_json_of_no_entries() {
    let endpoints = support::endpoints();
    let dissectors = Dissectors::standard();
    let mut ctx = Context::default();
    let streamed = StreamedTranscript::new(
        Decoder::new(&endpoints, 0, &dissectors, &mut ctx),
        std::iter::empty(),
    );
    let whole = decode_with_keys(&[], &endpoints, 0, KeyLog::default());
    assert_eq!(
        serde_json::to_string_pretty(&streamed).unwrap(),
        serde_json::to_string_pretty(&whole).unwrap()
    );
}

#[rstest]
#[case::srv_reference("split-discovery/srv-reference.pcap")]
#[case::ddns_tsig("ddns-bind/ddns-tsig.pcap")]
#[case::ikev2_strongswan("ikev2-strongswan/bootstrap.pcap")]
#[case::mh_scapy("mh-scapy/mh-scapy.pcap")]
fn reader_yields_the_frames_of_the_whole_file(
    #[case] pcap: &str,
    #[values(1, 7, 4096)] step: usize,
) {
    let bytes = std::fs::read(pcaps().join(pcap)).unwrap();
    let reference = pcap_file_frames(&bytes);
    assert!(!reference.is_empty());

    let pcap_reader = FrameReader::new(
        pcap,
        Trickle {
            bytes: &bytes,
            step,
        },
    )
    .unwrap();
    assert_eq!(drain(pcap_reader), (reference.clone(), None));

    let ng = as_pcapng(&reference);
    let ng_reader = FrameReader::new(pcap, Trickle { bytes: &ng, step }).unwrap();
    assert_eq!(drain(ng_reader), (reference.clone(), None));

    // The whole-file reader agrees on both formats.
    for file in [&bytes, &ng] {
        let whole = read_bytes(pcap, file).unwrap();
        assert!(whole.error.is_none());
        assert_eq!(whole.frames.iter().map(seen).collect::<Vec<_>>(), reference);
    }
}

/// Cut anywhere inside a record, a capture yields the frames before the cut, then one error
/// naming the frame it stopped at, in a pipe's small reads as from the whole file.
#[rstest]
fn a_cut_capture_yields_the_frames_before_the_cut_and_the_error(
    #[values(1, 4096)] step: usize,
    #[values(false, true)] pcapng: bool,
) {
    let pcap = std::fs::read(pcaps().join("split-discovery/srv-reference.pcap")).unwrap();
    let reference = pcap_file_frames(&pcap);
    let (bytes, ends) = if pcapng {
        let ng = as_pcapng(&reference);
        let ends = pcapng_packet_ends(&ng);
        (ng, ends)
    } else {
        let ends = pcap_record_ends(&pcap);
        (pcap, ends)
    };
    assert_eq!(ends.len(), reference.len());
    let whole_frames = ends.len();
    // Inside the third record, inside the last one, and seven octets short of the end.
    for cut in [ends[1] + 5, ends[whole_frames - 2] + 20, bytes.len() - 7] {
        let complete = ends.iter().filter(|&&end| end <= cut).count();
        let reader = FrameReader::new(
            "cut",
            Trickle {
                bytes: &bytes[..cut],
                step,
            },
        )
        .unwrap();
        let (frames, error) = drain(reader);
        assert_eq!(frames, reference[..complete], "cut at {cut}");
        let error = error.expect("a cut record must be reported").to_string();
        assert!(
            error.starts_with(&format!("cut: frame {}: damaged", complete + 1)),
            "{error}"
        );
        // The whole-file reader stops at the same frame with the same error.
        let whole = read_bytes("cut", &bytes[..cut]).unwrap();
        assert_eq!(whole.frames.len(), complete);
        assert_eq!(whole.error.unwrap().to_string(), error);
    }
}

#[test]
fn input_that_is_no_capture_is_refused_before_any_frame() {
    for bytes in [&b""[..], b"ab", b"GET / HTTP/1.1"] {
        match FrameReader::new("x", bytes) {
            Err(ReadError::NotPcap { magic, .. }) => {
                assert_eq!(magic, bytes[..bytes.len().min(4)]);
            }
            Err(e) => panic!("{e}"),
            Ok(_) => panic!("{bytes:?} read as a capture"),
        }
    }
}

/// A pcap magic with no header after it: one error at frame 0, then nothing.
#[test]
fn a_bare_magic_yields_one_header_error() {
    let (frames, error) = drain(FrameReader::new("bare", &[0xd4, 0xc3, 0xb2, 0xa1][..]).unwrap());
    assert!(frames.is_empty());
    let error = error.unwrap().to_string();
    assert!(
        error.starts_with("bare: frame 0: bad file header"),
        "{error}"
    );
}
