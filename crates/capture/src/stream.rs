//! Streaming: frames read one at a time from any `Read`, and decoded one at a time, so a
//! capture of any length decodes in memory that does not grow with it. The whole-file
//! functions ([`crate::read_file`], [`crate::decode_with`]) collect what these yield.

use crate::dissect::{self, Context, Dissectors};
use crate::read::{Frame, LinkType, ReadError, ReadOutcome};
use crate::transcript::{is_housekeeping, Decoded, Endpoints, Entry, Transcript};
use pcap_file::pcap::PcapReader;
use pcap_file::pcapng::{Block, PcapNgReader};
use serde::ser::{Serialize, SerializeStruct, Serializer};
use std::cell::RefCell;
use std::fs::File;
use std::io::{Chain, Cursor, Read};
use std::path::Path;
use std::time::Duration;

const PCAPNG_MAGIC: [u8; 4] = [0x0a, 0x0d, 0x0d, 0x0a];
/// Microsecond and nanosecond pcap, in either byte order.
const PCAP_MAGICS: [[u8; 4]; 4] = [
    [0xd4, 0xc3, 0xb2, 0xa1],
    [0xa1, 0xb2, 0xc3, 0xd4],
    [0x4d, 0x3c, 0xb2, 0xa1],
    [0xa1, 0xb2, 0x3c, 0x4d],
];

/// The input as the pcap readers see it: the magic already taken to choose the format, then
/// the rest.
type Input<R> = Chain<Cursor<Vec<u8>>, R>;

/// Octets of a pcap file header and of each record header.
const PCAP_FILE_HEADER: u64 = 24;
const PCAP_RECORD_HEADER: u64 = 16;

enum Format<R: Read> {
    Pcap {
        reader: PcapReader<Input<R>>,
        link: LinkType,
        /// Where the next record starts: the 24-octet file header, then 16 octets of record
        /// header and the captured octets per record.
        offset: u64,
    },
    PcapNg {
        reader: PcapNgReader<Input<R>>,
        /// Link types of the interfaces described so far, by interface id.
        links: Vec<LinkType>,
    },
    /// Nothing more to read: the end, or the error that stopped reading, yielded once.
    Stopped(Option<ReadError>),
}

/// The frames of a pcap or pcapng input, one at a time. A damaged record ends the frames with
/// one `Err` (the frames before it have been yielded); nothing follows it.
pub struct FrameReader<R: Read> {
    name: String,
    format: Format<R>,
    /// Frames yielded so far; the next one is numbered one above.
    yielded: u64,
}

impl FrameReader<File> {
    pub fn open(path: &Path) -> Result<FrameReader<File>, ReadError> {
        let name = path.display().to_string();
        match File::open(path) {
            Ok(file) => FrameReader::new(&name, file),
            Err(io) => Err(ReadError::Open { path: name, io }),
        }
    }
}

impl<R: Read> FrameReader<R> {
    /// Reads the magic to tell pcap from pcapng; `name` is what errors call the input.
    pub fn new(name: &str, mut input: R) -> Result<FrameReader<R>, ReadError> {
        let mut magic = Vec::with_capacity(4);
        (&mut input)
            .take(4)
            .read_to_end(&mut magic)
            .map_err(|io| ReadError::Open {
                path: name.to_string(),
                io,
            })?;
        let is_pcapng = magic == PCAPNG_MAGIC;
        let is_pcap = PCAP_MAGICS.iter().any(|m| magic == m);
        if !is_pcapng && !is_pcap {
            return Err(ReadError::NotPcap {
                path: name.to_string(),
                magic,
            });
        }
        let input = Cursor::new(magic).chain(input);
        let format = if is_pcapng {
            match PcapNgReader::new(input) {
                Ok(reader) => Format::PcapNg {
                    reader,
                    links: Vec::new(),
                },
                Err(e) => Format::Stopped(Some(frame_error(
                    name,
                    0,
                    format!("bad section header: {e}"),
                ))),
            }
        } else {
            match PcapReader::new(input) {
                Ok(reader) => {
                    let link = LinkType::from(reader.header().datalink);
                    Format::Pcap {
                        reader,
                        link,
                        offset: PCAP_FILE_HEADER,
                    }
                }
                Err(e) => {
                    Format::Stopped(Some(frame_error(name, 0, format!("bad file header: {e}"))))
                }
            }
        };
        Ok(FrameReader {
            name: name.to_string(),
            format,
            yielded: 0,
        })
    }

    /// All the frames, and the error that stopped reading early, if any.
    pub fn into_outcome(self) -> ReadOutcome {
        let mut outcome = ReadOutcome {
            frames: Vec::new(),
            error: None,
        };
        for frame in self {
            match frame {
                Ok(f) => outcome.frames.push(f),
                Err(e) => outcome.error = Some(e),
            }
        }
        outcome
    }

    /// The next frame, or the reason reading cannot go on; `None` at the end.
    fn next_frame(&mut self, number: u64) -> Option<Result<Frame, String>> {
        match &mut self.format {
            Format::Stopped(_) => None,
            Format::Pcap {
                reader,
                link,
                offset,
            } => Some(match reader.next_packet()? {
                Ok(p) => {
                    *offset += PCAP_RECORD_HEADER + p.data.len() as u64;
                    Ok(Frame {
                        number,
                        timestamp: p.timestamp,
                        link: *link,
                        data: p.data.into_owned(),
                    })
                }
                // A damaged record header leaves no reliable way to find the next record.
                Err(e) => Err(format!("damaged record at byte {offset}: {e}")),
            }),
            Format::PcapNg { reader, links } => loop {
                let block = match reader.next_block()? {
                    Ok(b) => b,
                    Err(e) => return Some(Err(format!("damaged block: {e}"))),
                };
                match block {
                    Block::InterfaceDescription(idb) => links.push(idb.linktype.into()),
                    Block::EnhancedPacket(epb) => {
                        let link = links
                            .get(epb.interface_id as usize)
                            .copied()
                            .unwrap_or(LinkType::Other(u32::MAX));
                        return Some(Ok(Frame {
                            number,
                            timestamp: epb.timestamp,
                            link,
                            data: epb.data.into_owned(),
                        }));
                    }
                    Block::SimplePacket(spb) => {
                        return Some(Ok(Frame {
                            number,
                            timestamp: Duration::ZERO,
                            link: links.first().copied().unwrap_or(LinkType::Other(u32::MAX)),
                            data: spb.data.into_owned(),
                        }))
                    }
                    _ => {}
                }
            },
        }
    }
}

impl<R: Read> Iterator for FrameReader<R> {
    type Item = Result<Frame, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Format::Stopped(error) = &mut self.format {
            return error.take().map(Err);
        }
        let number = self.yielded + 1;
        match self.next_frame(number)? {
            Ok(frame) => {
                self.yielded = number;
                Some(Ok(frame))
            }
            Err(reason) => {
                // Drops the reader and its buffer: nothing more is read after an error.
                self.format = Format::Stopped(None);
                Some(Err(frame_error(&self.name, number, reason)))
            }
        }
    }
}

fn frame_error(name: &str, frame: u64, reason: String) -> ReadError {
    ReadError::Frame {
        path: name.to_string(),
        frame,
        reason,
    }
}

/// Decodes frames one at a time, keeping only what decoding needs across frames (the
/// dissectors' [`Context`]: keys and the SAs they open) and the counts of the frames that
/// make no entry.
pub struct Decoder<'a> {
    endpoints: &'a Endpoints,
    /// Frames numbered up to this were captured during set-up: counted, not decoded.
    setup: u64,
    dissectors: &'a Dissectors,
    ctx: &'a mut Context,
    /// Everything but the entries, which go to the caller as they are decoded.
    tally: Transcript,
}

impl<'a> Decoder<'a> {
    pub fn new(
        endpoints: &'a Endpoints,
        setup: u64,
        dissectors: &'a Dissectors,
        ctx: &'a mut Context,
    ) -> Decoder<'a> {
        Decoder {
            endpoints,
            setup,
            dissectors,
            ctx,
            tally: Transcript::default(),
        }
    }

    /// The frame's entry, or `None` for a frame that is only counted (set-up, housekeeping)
    /// or cannot be sliced (kept in the tally's errors).
    pub fn decode(&mut self, f: &Frame) -> Option<Entry> {
        let t = &mut self.tally;
        if f.number <= self.setup {
            t.setup += 1;
            return None;
        }
        if let Some((dst, src, pdu)) = eapol_frame(f) {
            return match dissect::eapol::dissect_eapol(pdu) {
                Ok(m) => Some(Entry {
                    frame: f.number,
                    src: self.endpoints.name_mac(&src),
                    dst: self.endpoints.name_mac(&dst),
                    src_addr: dissect::eapol::mac_address(&src),
                    dst_addr: dissect::eapol::mac_address(&dst),
                    decoded: Decoded::Message(m),
                }),
                Err(e) => {
                    t.errors.push((f.number, format!("EAPOL PDU: {e}")));
                    None
                }
            };
        }
        match dissect::slice(f) {
            Ok(Some((pkt, payload))) => {
                if is_housekeeping(&pkt, payload) {
                    t.housekeeping += 1;
                    return None;
                }
                Some(Entry {
                    frame: f.number,
                    src: self.endpoints.name(&pkt.src),
                    dst: self.endpoints.name(&pkt.dst),
                    src_addr: pkt.src,
                    dst_addr: pkt.dst,
                    decoded: self.dissectors.dissect(&pkt, payload, self.ctx),
                })
            }
            Ok(None) => {
                t.housekeeping += 1;
                None
            }
            Err(e) => {
                t.errors.push((f.number, e));
                None
            }
        }
    }

    /// The transcript so far without its entries: the counts and the slicing errors.
    pub fn tally(&self) -> &Transcript {
        &self.tally
    }

    pub fn finish(self) -> Transcript {
        self.tally
    }
}

/// The addresses and PDU of an EAPOL frame (Ethernet captures only: a Linux cooked capture
/// does not keep the destination).
fn eapol_frame(f: &Frame) -> Option<([u8; 6], [u8; 6], &[u8])> {
    match f.link {
        LinkType::Ethernet => dissect::eapol::ethernet_eapol(&f.data),
        _ => None,
    }
}

/// A transcript that is decoded while it is serialized: the same serialization as
/// [`Transcript`], holding one entry at a time. Serde writes `entries` first, pulling the
/// frames through the decoder, and the counts after, when they are complete. The frames are
/// consumed: serializing a second time gives no entries.
pub struct StreamedTranscript<'a, I> {
    decoder: RefCell<Decoder<'a>>,
    frames: RefCell<I>,
}

impl<'a, I: Iterator<Item = Frame>> StreamedTranscript<'a, I> {
    pub fn new(decoder: Decoder<'a>, frames: I) -> Self {
        StreamedTranscript {
            decoder: RefCell::new(decoder),
            frames: RefCell::new(frames),
        }
    }

    /// The counts and errors, once serialized.
    pub fn finish(self) -> Transcript {
        self.decoder.into_inner().finish()
    }
}

/// The entries of a [`StreamedTranscript`], as a sequence serde pulls.
struct StreamedEntries<'s, 'a, I>(&'s StreamedTranscript<'a, I>);

impl<I: Iterator<Item = Frame>> Serialize for StreamedEntries<'_, '_, I> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut frames = self.0.frames.borrow_mut();
        let mut decoder = self.0.decoder.borrow_mut();
        serializer.collect_seq(frames.by_ref().filter_map(|f| decoder.decode(&f)))
    }
}

impl<I: Iterator<Item = Frame>> Serialize for StreamedTranscript<'_, I> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // Field names and order as `Transcript` derives them.
        let mut s = serializer.serialize_struct("Transcript", 4)?;
        s.serialize_field("entries", &StreamedEntries(self))?;
        let decoder = self.decoder.borrow();
        let tally = decoder.tally();
        s.serialize_field("setup", &tally.setup)?;
        s.serialize_field("housekeeping", &tally.housekeeping)?;
        s.serialize_field("errors", &tally.errors)?;
        s.end()
    }
}
