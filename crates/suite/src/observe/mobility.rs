//! Mobility Header messages (RFC 6275 §6.1) as judges read them: Binding Updates and
//! Acknowledgements with their mobility options, and the packet that carried them.
//!
//! A BU or BA that came through a tunnel (IPv6-in-IPv4, DSMIPv6's UDP 4191) is here like any
//! other: the entry's message is the inner ESP or MH part, the entry's roles the outer ones;
//! [`Observation::tunnel_of`] on its entry says which tunnel. RFC 5555's IPv4 options are read
//! by [`MobilityMessage::ipv4_care_of_address`] and its siblings.

use super::parsed;
use crate::Observation;
use mip6lab_capture::{Decoded, Entry, Part};
use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

/// How a Mobility Header travelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Carrier {
    /// In the clear (IPv6 next header 135).
    Plain,
    /// Inside an ESP packet the harness decrypted; `next_header` is ESP's trailer field.
    Esp { next_header: Option<u8> },
}

/// The flag letters a message carries (`AHK`, `K`, …), in RFC order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Flags(pub String);

impl Flags {
    pub fn has(&self, letter: char) -> bool {
        self.0.contains(letter)
    }
}

impl fmt::Display for Flags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The DNS Update mobility option (RFC 5026 §8.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsUpdateOption {
    pub status: Option<u8>,
    /// The R flag: remove the entry.
    pub remove: Option<bool>,
    /// The Reserved bits, when not zero (as the transcript shows them, e.g. `0x05`).
    pub reserved: Option<String>,
    pub fqdn: Option<String>,
}

/// One mobility option of a BU or BA.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MobilityOption {
    DnsUpdate(DnsUpdateOption),
    AlternateCoa(Option<Ipv6Addr>),
    /// An option type the dissector does not know (e.g. an unassigned one, 200).
    Unknown {
        option_type: u8,
        len: Option<usize>,
    },
    /// Any other known option (`Pad1`, `PadN`, `BRA`, `NonceIdx`, `BAD`, `MN-ID`).
    Other(String),
}

impl MobilityOption {
    fn from_part(m: &Part) -> MobilityOption {
        match m.kind.as_str() {
            "DNS-Update" => MobilityOption::DnsUpdate(DnsUpdateOption {
                status: parsed(m, "status"),
                remove: parsed::<u8>(m, "r").and_then(|r| match r {
                    0 => Some(false),
                    1 => Some(true),
                    _ => None,
                }),
                reserved: m.get("reserved").map(str::to_owned),
                fqdn: m.get("fqdn").map(str::to_owned),
            }),
            "AltCoA" => MobilityOption::AlternateCoa(parsed(m, "address")),
            kind => match kind.strip_prefix("opt ").and_then(|t| t.parse().ok()) {
                Some(option_type) => MobilityOption::Unknown {
                    option_type,
                    len: parsed(m, "len"),
                },
                None => MobilityOption::Other(kind.to_owned()),
            },
        }
    }
}

/// What BUs and BAs share: where they were seen, how they travelled, their options.
#[derive(Debug, Clone)]
pub struct MobilityMessage<'a> {
    pub entry: &'a Entry,
    pub carrier: Carrier,
    pub seq: Option<u16>,
    pub flags: Flags,
    pub lifetime: Option<u16>,
    /// `Some(true)` when the MH checksum verified (with HAO/RH2 in the pseudo-header).
    pub checksum_ok: Option<bool>,
    pub options: Vec<MobilityOption>,
    /// The BU or BA part, for what the view does not type.
    pub part: &'a Part,
}

/// The IPv4 Home Address option of a BU (RFC 5555 §3.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ipv4HomeAddressOption {
    pub prefix_len: Option<u8>,
    /// The P flag: a mobile network prefix is requested.
    pub prefix_requested: Option<bool>,
    /// 0.0.0.0 asks the HA to assign one.
    pub address: Option<Ipv4Addr>,
}

/// The IPv4 Address Acknowledgement option of a BA (RFC 5555 §3.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ipv4AddressAck {
    /// Below 128: success.
    pub status: Option<u8>,
    pub prefix_len: Option<u8>,
    pub address: Option<Ipv4Addr>,
}

/// The NAT Detection option of a BA (RFC 5555 §3.2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NatDetection {
    /// The F flag: the MN must use UDP encapsulation even without a NAT.
    pub force_udp: Option<bool>,
    pub refresh_time: Option<u32>,
}

fn flag(m: &Part, name: &str) -> Option<bool> {
    match parsed::<u8>(m, name)? {
        0 => Some(false),
        1 => Some(true),
        _ => None,
    }
}

impl MobilityMessage<'_> {
    /// The first mobility option part called `kind` (as the MH dissector names it).
    fn option_part(&self, kind: &str) -> Option<&Part> {
        self.part.children.iter().find(|c| c.kind == kind)
    }

    /// The IPv4 Home Address option (RFC 5555 §3.1.1).
    pub fn ipv4_home_address(&self) -> Option<Ipv4HomeAddressOption> {
        let m = self.option_part("IPv4-HoA")?;
        Some(Ipv4HomeAddressOption {
            prefix_len: parsed(m, "prefix_len"),
            prefix_requested: flag(m, "p"),
            address: parsed(m, "address"),
        })
    }

    /// The IPv4 Care-of Address option's address (RFC 5555 §3.1.2): present when the BU
    /// registers an IPv4 CoA (sent in UDP 4191 or IPv4).
    pub fn ipv4_care_of_address(&self) -> Option<Ipv4Addr> {
        parsed(self.option_part("IPv4-CoA")?, "address")
    }

    /// The IPv4 Address Acknowledgement option (RFC 5555 §3.2.1).
    pub fn ipv4_address_ack(&self) -> Option<Ipv4AddressAck> {
        let m = self.option_part("IPv4-AddrAck")?;
        Some(Ipv4AddressAck {
            status: parsed(m, "status"),
            prefix_len: parsed(m, "prefix_len"),
            address: parsed(m, "address"),
        })
    }

    /// The NAT Detection option (RFC 5555 §3.2.2).
    pub fn nat_detection(&self) -> Option<NatDetection> {
        let m = self.option_part("NAT-Detect")?;
        Some(NatDetection {
            force_udp: flag(m, "f"),
            refresh_time: parsed(m, "refresh"),
        })
    }

    /// The tunnel the message's IPv6 packet came through (RFC 5555 §4.1: IPv6 in IPv4, UDP
    /// 4191); `None` when it came in the clear.
    pub fn tunnel(&self) -> Option<super::Tunnel> {
        match &self.entry.decoded {
            Decoded::Message(m) => super::Tunnel::of_part(m),
            _ => None,
        }
    }

    /// The DNS Update option, if the message carries one.
    pub fn dns_update(&self) -> Option<&DnsUpdateOption> {
        self.options.iter().find_map(|o| match o {
            MobilityOption::DnsUpdate(d) => Some(d),
            _ => None,
        })
    }

    /// The address of the (first) Alternate Care-of Address option, if present.
    pub fn alternate_coa(&self) -> Option<Ipv6Addr> {
        self.options.iter().find_map(|o| match o {
            MobilityOption::AlternateCoa(a) => Some(*a),
            _ => None,
        })?
    }

    /// Whether an option of the unknown type `option_type` is present.
    pub fn has_unknown_option(&self, option_type: u8) -> bool {
        self.options.iter().any(
            |o| matches!(o, MobilityOption::Unknown { option_type: t, .. } if *t == option_type),
        )
    }

    /// A registration (lifetime given and not zero), as opposed to a deregistration.
    pub fn registers(&self) -> bool {
        self.lifetime.is_some_and(|l| l != 0)
    }

    /// A deregistration: lifetime 0.
    pub fn deregisters(&self) -> bool {
        self.lifetime == Some(0)
    }

    /// ESP's next header, when the message came in ESP.
    pub fn esp_next_header(&self) -> Option<u8> {
        match self.carrier {
            Carrier::Esp { next_header } => next_header,
            Carrier::Plain => None,
        }
    }

    pub fn frame(&self) -> u64 {
        self.entry.frame
    }
}

/// A Binding Update (RFC 6275 §6.1.7).
#[derive(Debug, Clone)]
pub struct BindingUpdate<'a> {
    pub mh: MobilityMessage<'a>,
    /// The Home Address destination option's address (the HoA being registered).
    pub home_address: Option<Ipv6Addr>,
}

/// A Binding Acknowledgement (RFC 6275 §6.1.8).
#[derive(Debug, Clone)]
pub struct BindingAck<'a> {
    pub mh: MobilityMessage<'a>,
    pub status: Option<u8>,
    /// The type 2 routing header's address (the HoA the BA is for).
    pub routed_to: Option<Ipv6Addr>,
}

impl<'a> std::ops::Deref for BindingUpdate<'a> {
    type Target = MobilityMessage<'a>;
    fn deref(&self) -> &MobilityMessage<'a> {
        &self.mh
    }
}

impl<'a> std::ops::Deref for BindingAck<'a> {
    type Target = MobilityMessage<'a>;
    fn deref(&self) -> &MobilityMessage<'a> {
        &self.mh
    }
}

impl BindingAck<'_> {
    /// Status below 128: the binding was accepted (RFC 6275 §6.1.8).
    pub fn accepted(&self) -> bool {
        self.status.is_some_and(|s| s < 128)
    }
}

/// The MH part of `kind` in an entry, with its carrier: a plain MH packet or a decrypted ESP
/// packet holding it.
fn mobility_part<'a>(e: &'a Entry, kind: &str) -> Option<(Carrier, &'a Part)> {
    let Decoded::Message(m) = &e.decoded else {
        return None;
    };
    let carrier = match m.protocol.as_str() {
        "MH" => Carrier::Plain,
        "ESP" => Carrier::Esp {
            next_header: parsed(m, "next_header"),
        },
        _ => return None,
    };
    m.find(kind).map(|inner| (carrier, inner))
}

fn mobility_message<'a>(e: &'a Entry, carrier: Carrier, m: &'a Part) -> MobilityMessage<'a> {
    MobilityMessage {
        entry: e,
        carrier,
        seq: parsed(m, "seq"),
        flags: Flags(m.get("flags").unwrap_or_default().to_owned()),
        lifetime: parsed(m, "lifetime"),
        checksum_ok: m.get("checksum_ok").and_then(super::yes_no),
        options: m.children.iter().map(MobilityOption::from_part).collect(),
        part: m,
    }
}

impl Observation {
    /// Binding Updates sent by `src` (any role if `None`), in capture order.
    pub fn binding_updates<'a>(
        &'a self,
        src: Option<&'a str>,
    ) -> impl Iterator<Item = BindingUpdate<'a>> + 'a {
        self.transcript
            .entries
            .iter()
            .filter(move |e| src.is_none_or(|s| e.src == s))
            .filter_map(|e| {
                let (carrier, m) = mobility_part(e, "BU")?;
                Some(BindingUpdate {
                    mh: mobility_message(e, carrier, m),
                    home_address: parsed(m, "hao"),
                })
            })
    }

    /// Binding Updates sent by `role`.
    pub fn binding_updates_from<'a>(
        &'a self,
        role: &'a str,
    ) -> impl Iterator<Item = BindingUpdate<'a>> + 'a {
        self.binding_updates(Some(role))
    }

    /// Binding Acknowledgements sent by `role`, in capture order.
    pub fn binding_acks_from<'a>(
        &'a self,
        role: &'a str,
    ) -> impl Iterator<Item = BindingAck<'a>> + 'a {
        self.transcript
            .entries
            .iter()
            .filter(move |e| e.src == role)
            .filter_map(|e| {
                let (carrier, m) = mobility_part(e, "BA")?;
                Some(BindingAck {
                    mh: mobility_message(e, carrier, m),
                    status: parsed(m, "status"),
                    routed_to: parsed(m, "rh2"),
                })
            })
    }
}
