//! Mobility Header messages (RFC 6275 §6.1) as judges read them: Binding Updates and
//! Acknowledgements with their mobility options, and the packet that carried them.

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

/// How the IPv6 packet holding a Mobility Header crossed an IPv4 network (RFC 5555 §4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ipv4Transport {
    /// IPv6 in IPv4 (protocol 41), from the outer IPv4 source.
    Ip6In4 { from: Option<Ipv4Addr> },
    /// IPv6 in UDP (port 4191), from the outer IPv4 source.
    Udp4191 { from: Option<Ipv4Addr> },
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
    /// RFC 5555 §3.1.1 IPv4 Home Address (29): the address asked for (0.0.0.0: any).
    Ipv4HomeAddress {
        address: Option<Ipv4Addr>,
        prefix_len: Option<u8>,
    },
    /// RFC 5555 §3.2.1 IPv4 Address Acknowledgement (30).
    Ipv4AddressAck {
        status: Option<u8>,
        address: Option<Ipv4Addr>,
        prefix_len: Option<u8>,
    },
    /// RFC 5555 §3.2.2 NAT Detection (31): F, and the refresh time (all ones: none given).
    NatDetection {
        force_udp: Option<bool>,
        refresh: Option<u32>,
    },
    /// RFC 5555 §3.1.2 IPv4 Care-of Address (32).
    Ipv4CareOf(Option<Ipv4Addr>),
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
            "IPv4-HoA" => MobilityOption::Ipv4HomeAddress {
                address: parsed(m, "address"),
                prefix_len: parsed(m, "prefix_len"),
            },
            "IPv4-AddrAck" => MobilityOption::Ipv4AddressAck {
                status: parsed(m, "status"),
                address: parsed(m, "address"),
                prefix_len: parsed(m, "prefix_len"),
            },
            "NAT-Detect" => MobilityOption::NatDetection {
                force_udp: parsed::<u8>(m, "f").map(|f| f == 1),
                refresh: parsed(m, "refresh"),
            },
            "IPv4-CoA" => MobilityOption::Ipv4CareOf(parsed(m, "address")),
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
    /// Set when the IPv6 packet travelled inside IPv4 (tunnelled).
    pub over_ipv4: Option<Ipv4Transport>,
}

impl MobilityMessage<'_> {
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

    /// RFC 5555: the IPv4 Home Address option's (address, prefix length), if present.
    pub fn ipv4_home_address(&self) -> Option<(Option<Ipv4Addr>, Option<u8>)> {
        self.options.iter().find_map(|o| match o {
            MobilityOption::Ipv4HomeAddress {
                address,
                prefix_len,
            } => Some((*address, *prefix_len)),
            _ => None,
        })
    }

    /// RFC 5555: the IPv4 Address Acknowledgement's (status, address, prefix length).
    pub fn ipv4_address_ack(&self) -> Option<(Option<u8>, Option<Ipv4Addr>, Option<u8>)> {
        self.options.iter().find_map(|o| match o {
            MobilityOption::Ipv4AddressAck {
                status,
                address,
                prefix_len,
            } => Some((*status, *address, *prefix_len)),
            _ => None,
        })
    }

    /// RFC 5555: the IPv4 Care-of Address option's address, if present.
    pub fn ipv4_care_of(&self) -> Option<Option<Ipv4Addr>> {
        self.options.iter().find_map(|o| match o {
            MobilityOption::Ipv4CareOf(a) => Some(*a),
            _ => None,
        })
    }

    /// RFC 5555: the NAT Detection option's (F, refresh time), if present.
    pub fn nat_detection(&self) -> Option<(Option<bool>, Option<u32>)> {
        self.options.iter().find_map(|o| match o {
            MobilityOption::NatDetection { force_udp, refresh } => Some((*force_udp, *refresh)),
            _ => None,
        })
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
        over_ipv4: over_ipv4(e),
    }
}

/// The tunnel the entry's IPv6 packet came through, as the dissector marks its top part.
fn over_ipv4(e: &Entry) -> Option<Ipv4Transport> {
    let Decoded::Message(m) = &e.decoded else {
        return None;
    };
    let from = parsed(m, "from");
    match m.get("via")? {
        "ip6in4" => Some(Ipv4Transport::Ip6In4 { from }),
        "udp4191" => Some(Ipv4Transport::Udp4191 { from }),
        _ => None,
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
