//! `mip6lab decode` output, written while the capture is decoded: one entry in memory at a
//! time, whatever the length of the capture.

use mip6lab_capture::stream::{Decoder, StreamedTranscript};
use mip6lab_capture::Frame;
use std::io::Write;

/// The text transcript: each entry's line as it is decoded, then the frames that could not
/// be sliced, as `Transcript::to_text` prints them.
pub fn write_text(
    out: &mut impl Write,
    mut decoder: Decoder,
    frames: impl Iterator<Item = Frame>,
) -> std::io::Result<()> {
    for frame in frames {
        if let Some(entry) = decoder.decode(&frame) {
            writeln!(out, "{}", entry.text())?;
        }
    }
    // The tally has no entries: its text is the error lines.
    out.write_all(decoder.finish().to_text().as_bytes())
}

/// The JSON transcript, the same bytes as `serde_json::to_string_pretty` of the whole
/// `Transcript` and a newline.
pub fn write_json(
    out: &mut impl Write,
    decoder: Decoder,
    frames: impl Iterator<Item = Frame>,
) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &StreamedTranscript::new(decoder, frames))?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use mip6lab_capture::dissect::{Context, Dissectors};
    use mip6lab_capture::keylog::KeyLog;
    use mip6lab_capture::{decode_with_keys, read_file, Endpoints, Transcript};
    use std::path::{Path, PathBuf};

    fn fixture(path: &str) -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../fixtures/pcaps")
            .join(path)
    }

    type Writer = fn(&mut Vec<u8>, Decoder, std::vec::IntoIter<Frame>) -> std::io::Result<()>;

    /// What a writer prints for a capture, and the whole-file transcript of it.
    fn written(pcap: &Path, keys: Option<&Path>, write: Writer) -> (String, Transcript) {
        let keys = || keys.map_or_else(KeyLog::default, |k| KeyLog::load(k).unwrap());
        let frames = read_file(pcap).unwrap().frames;
        let whole = decode_with_keys(&frames, &Endpoints::default(), 0, keys());
        let (endpoints, dissectors) = (Endpoints::default(), Dissectors::standard());
        let mut ctx = Context {
            keys: keys(),
            ..Context::default()
        };
        let mut out = Vec::new();
        let decoder = Decoder::new(&endpoints, 0, &dissectors, &mut ctx);
        write(&mut out, decoder, frames.into_iter()).unwrap();
        (String::from_utf8(out).unwrap(), whole)
    }

    #[test]
    fn json_is_the_whole_transcripts() {
        let dir = fixture("ikev2-strongswan");
        let (json, whole) = written(
            &dir.join("bootstrap.pcap"),
            Some(&dir.join("keys.log")),
            write_json,
        );
        // Decrypted: the keys reached the decoder.
        assert!(json.contains("IKE_AUTH"), "{json}");
        assert_eq!(json, serde_json::to_string_pretty(&whole).unwrap() + "\n");
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&json).unwrap(),
            serde_json::to_value(&whole).unwrap()
        );
    }

    #[test]
    fn text_is_the_whole_transcripts() {
        let (text, whole) = written(&fixture("mh-scapy/mh-scapy.pcap"), None, write_text);
        assert_eq!(text.lines().count(), whole.entries.len());
        assert_eq!(text, whole.to_text());
    }
}
