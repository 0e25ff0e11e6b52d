//! Capture: frames in (a live interface or a pcap/pcapng file), a normalized transcript out.
//!
//! The transcript is what tests assert on and what snapshots hold, so it names endpoints by
//! their lab role and leaves out what changes from run to run (IDs, ports, timestamps).

pub mod dissect;
pub mod keylog;
pub mod live;
pub mod read;
pub mod stream;
pub mod transcript;

pub use read::{read_bytes, read_file, Frame, ReadError};
pub use transcript::{
    decode_frames, decode_test_frames, decode_with, decode_with_keys, Decoded, DnsMessage,
    DnsRecord, Endpoints, Entry, Field, Part, Transcript,
};
