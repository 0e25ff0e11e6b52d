//! Reading pcap and pcapng files into frames.

use crate::stream::FrameReader;
use pcap_file::DataLink;
use std::io::Read;
use std::path::Path;
use std::time::Duration;

/// Link layer of a frame, as far as the dissectors care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkType {
    Ethernet,
    /// Raw IP (DLT_RAW / LINKTYPE_IPV4 / LINKTYPE_IPV6).
    RawIp,
    LinuxSll,
    Other(u32),
}

impl From<DataLink> for LinkType {
    fn from(d: DataLink) -> Self {
        match d {
            DataLink::ETHERNET => LinkType::Ethernet,
            DataLink::RAW | DataLink::IPV4 | DataLink::IPV6 => LinkType::RawIp,
            DataLink::LINUX_SLL => LinkType::LinuxSll,
            other => LinkType::Other(u32::from(other)),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Frame {
    /// 1-based, as Wireshark numbers frames.
    pub number: u64,
    pub timestamp: Duration,
    pub link: LinkType,
    pub data: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The I/O error is in the message, not chained: `{:#}` would print it twice.
    #[error("{path}: cannot open: {io}")]
    Open { path: String, io: std::io::Error },
    #[error("{path}: not a pcap or pcapng file (magic {magic:02x?})")]
    NotPcap { path: String, magic: Vec<u8> },
    #[error("{path}: frame {frame}: {reason}")]
    Frame {
        path: String,
        frame: u64,
        reason: String,
    },
}

/// The frames of a file, plus the error that stopped reading early, if any. Frames before a
/// damaged record are kept: a truncated capture still tells most of the story.
#[derive(Debug)]
pub struct ReadOutcome {
    pub frames: Vec<Frame>,
    pub error: Option<ReadError>,
}

pub fn read_file(path: &Path) -> Result<ReadOutcome, ReadError> {
    Ok(FrameReader::open(path)?.into_outcome())
}

pub fn read_bytes(name: &str, bytes: &[u8]) -> Result<ReadOutcome, ReadError> {
    Ok(FrameReader::new(name, bytes)?.into_outcome())
}

/// Reads any `Read` fully; handy for stdin.
pub fn read_all(mut r: impl Read) -> std::io::Result<Vec<u8>> {
    let mut v = Vec::new();
    r.read_to_end(&mut v)?;
    Ok(v)
}
