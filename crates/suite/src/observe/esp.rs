//! ESP packets (RFC 4303) as judges read them.

use super::{parsed, yes_no};
use crate::Observation;
use mip6lab_capture::{Entry, Part};

/// An ESP packet (or a NAT-keepalive on UDP 4500).
#[derive(Debug, Clone)]
pub struct EspPacket<'a> {
    pub entry: &'a Entry,
    pub spi: Option<u32>,
    /// Whether the harness had the SA's keys and the ICV verified.
    pub decrypted: bool,
    /// The inner protocol, once decrypted (135 for MH, 58 for ICMPv6).
    pub next_header: Option<u8>,
    /// The decoded inner message, if any (an MH message, an MPS/MPA, …).
    pub inner: Option<&'a Part>,
}

impl Observation {
    /// ESP packets sent by `src` (any role if `None`), in capture order.
    pub fn esp_packets<'a>(
        &'a self,
        src: Option<&'a str>,
    ) -> impl Iterator<Item = EspPacket<'a>> + 'a {
        super::messages(self, "ESP", src).map(|(e, m)| EspPacket {
            entry: e,
            spi: m
                .get("spi")
                .and_then(|s| u32::from_str_radix(s.trim_start_matches("0x"), 16).ok()),
            decrypted: m.get("decrypted").and_then(yes_no) == Some(true),
            next_header: parsed(m, "next_header"),
            inner: m.children.first(),
        })
    }

    /// The ESP packet in `frame`, if that frame holds one.
    pub fn esp_packet_in(&self, frame: u64) -> Option<EspPacket<'_>> {
        self.esp_packets(None).find(|p| p.entry.frame == frame)
    }
}
