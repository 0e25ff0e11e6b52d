//! Reading pcap and pcapng files into frames.

use pcap_file::pcap::PcapReader;
use pcap_file::pcapng::{Block, PcapNgReader};
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
    #[error("{path}: cannot open: {source}")]
    Open {
        path: String,
        source: std::io::Error,
    },
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
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| ReadError::Open {
        path: name.clone(),
        source,
    })?;
    read_bytes(&name, &bytes)
}

pub fn read_bytes(name: &str, bytes: &[u8]) -> Result<ReadOutcome, ReadError> {
    const PCAPNG: [u8; 4] = [0x0a, 0x0d, 0x0d, 0x0a];
    match bytes.get(..4) {
        Some(m) if m == PCAPNG => Ok(read_pcapng(name, bytes)),
        Some(m)
            if [
                [0xd4, 0xc3, 0xb2, 0xa1],
                [0xa1, 0xb2, 0xc3, 0xd4],
                [0x4d, 0x3c, 0xb2, 0xa1],
                [0xa1, 0xb2, 0x3c, 0x4d],
            ]
            .iter()
            .any(|x| x == m) =>
        {
            Ok(read_pcap(name, bytes))
        }
        m => Err(ReadError::NotPcap {
            path: name.to_string(),
            magic: m.unwrap_or(bytes).to_vec(),
        }),
    }
}

fn frame_error(name: &str, frame: u64, reason: impl ToString) -> Option<ReadError> {
    Some(ReadError::Frame {
        path: name.to_string(),
        frame,
        reason: reason.to_string(),
    })
}

/// A capture whose first header does not parse: no frames.
fn unreadable(name: &str, header: &str, e: impl std::fmt::Display) -> ReadOutcome {
    ReadOutcome {
        frames: Vec::new(),
        error: frame_error(name, 0, format!("bad {header}: {e}")),
    }
}

fn read_pcap(name: &str, bytes: &[u8]) -> ReadOutcome {
    let mut reader = match PcapReader::new(bytes) {
        Ok(r) => r,
        Err(e) => return unreadable(name, "file header", e),
    };
    let mut frames = Vec::new();
    let link = LinkType::from(reader.header().datalink);
    let mut error = None;
    while let Some(pkt) = reader.next_packet() {
        let number = frames.len() as u64 + 1;
        match pkt {
            Ok(p) => frames.push(Frame {
                number,
                timestamp: p.timestamp,
                link,
                data: p.data.into_owned(),
            }),
            Err(e) => {
                // A damaged record header leaves no reliable way to find the next record.
                error = frame_error(name, number, format!("damaged record: {e}"));
                break;
            }
        }
    }
    ReadOutcome { frames, error }
}

fn read_pcapng(name: &str, bytes: &[u8]) -> ReadOutcome {
    let mut reader = match PcapNgReader::new(bytes) {
        Ok(r) => r,
        Err(e) => return unreadable(name, "section header", e),
    };
    let mut frames = Vec::new();
    let mut links: Vec<LinkType> = Vec::new();
    let mut error = None;
    while let Some(block) = reader.next_block() {
        let number = frames.len() as u64 + 1;
        let block = match block {
            Ok(b) => b,
            Err(e) => {
                error = frame_error(name, number, format!("damaged block: {e}"));
                break;
            }
        };
        match block {
            Block::InterfaceDescription(idb) => links.push(idb.linktype.into()),
            Block::EnhancedPacket(epb) => {
                let link = links
                    .get(epb.interface_id as usize)
                    .copied()
                    .unwrap_or(LinkType::Other(u32::MAX));
                frames.push(Frame {
                    number,
                    timestamp: epb.timestamp,
                    link,
                    data: epb.data.into_owned(),
                });
            }
            Block::SimplePacket(spb) => frames.push(Frame {
                number,
                timestamp: Duration::ZERO,
                link: links.first().copied().unwrap_or(LinkType::Other(u32::MAX)),
                data: spb.data.into_owned(),
            }),
            _ => {}
        }
    }
    ReadOutcome { frames, error }
}

/// Reads any `Read` fully; handy for stdin.
pub fn read_all(mut r: impl Read) -> std::io::Result<Vec<u8>> {
    let mut v = Vec::new();
    r.read_to_end(&mut v)?;
    Ok(v)
}
