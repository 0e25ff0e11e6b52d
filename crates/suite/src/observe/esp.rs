//! ESP packets (RFC 4303) and RADIUS messages (RFC 2865, 2866) as judges read them.

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

    /// RADIUS messages in capture order.
    pub fn radius_messages(&self) -> impl Iterator<Item = RadiusMessage<'_>> + '_ {
        super::messages(self, "RADIUS", None).map(|(e, m)| RadiusMessage {
            entry: e,
            code: parsed(m, "code"),
            name: &m.kind,
            identifier: parsed(m, "id"),
            attributes: m
                .children
                .iter()
                .map(|c| RadiusAttribute {
                    name: &c.kind,
                    value: c.get("value"),
                })
                .collect(),
        })
    }
}

/// A RADIUS message: its code (and the code's name, e.g. `Accounting-Request`), identifier and
/// attributes in order. EAP-Message attributes appear joined as one `EAP …` attribute.
#[derive(Debug, Clone)]
pub struct RadiusMessage<'a> {
    pub entry: &'a Entry,
    pub code: Option<u8>,
    pub name: &'a str,
    pub identifier: Option<u8>,
    pub attributes: Vec<RadiusAttribute<'a>>,
}

/// One attribute: its RFC name (`User-Name`, `Attr-N` when unknown) and its value as the
/// transcript shows it (text in quotes, `1 (Start)` for Acct-Status-Type).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RadiusAttribute<'a> {
    pub name: &'a str,
    pub value: Option<&'a str>,
}

/// RADIUS codes (RFC 2865 §3, RFC 2866 §3) and Acct-Status-Type values (RFC 2866 §5.1), as
/// the wire crate defines them.
pub use mip6lab_wire::radius::{acct_status, code as radius_code};

impl<'a> RadiusMessage<'a> {
    /// Whether this message has the RADIUS `code`.
    pub fn is(&self, code: u8) -> bool {
        self.code == Some(code)
    }

    /// The shown value of the first attribute called `name`.
    pub fn attribute(&self, name: &str) -> Option<&'a str> {
        self.attributes
            .iter()
            .find(|a| a.name == name)
            .and_then(|a| a.value)
    }

    /// User-Name, without the quotes around text.
    pub fn user_name(&self) -> Option<&'a str> {
        self.attribute("User-Name").map(|v| v.trim_matches('"'))
    }

    /// Framed-IPv6-Address (RFC 6911).
    pub fn framed_ipv6_address(&self) -> Option<std::net::Ipv6Addr> {
        self.attribute("Framed-IPv6-Address")
            .and_then(|v| v.parse().ok())
    }

    /// Acct-Status-Type's number (shown as `1 (Start)`).
    pub fn acct_status(&self) -> Option<u32> {
        self.attribute("Acct-Status-Type")
            .and_then(|v| v.split_whitespace().next())
            .and_then(|n| n.parse().ok())
    }
}
