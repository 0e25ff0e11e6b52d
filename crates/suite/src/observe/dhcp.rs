//! DHCPv6 messages (RFC 8415) with the RFC 6610 home network information options and the
//! RFC 6422 Relay-Supplied Options option, as judges read them.
//!
//! A [`DhcpMessage`] is one DHCPv6 packet on the wire; its [`DhcpBody`] is the message
//! itself, whose options form a typed tree in wire order ([`DhcpOpt`]): containers and the
//! RSOO hold their options, a Relay Message option holds the relayed message's body.
//!
//! Order: [`DhcpMessage::position`] is the entry's index in the observation's transcript,
//! which is capture order (see [`Observation::from_links`](crate::Observation::from_links) for several links); frame
//! numbers are evidence pointers only.

use super::{address_and_length, parsed};
use crate::Observation;
use mip6lab_capture::{Decoded, Entry, Part};
use mip6lab_wire::dhcpv6::{msg_type, option_name};
use std::net::{IpAddr, Ipv6Addr};

const PROTOCOL: &str = "DHCPv6";

/// A DHCPv6 message type (RFC 8415 §7.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DhcpMessageType {
    Solicit,
    Advertise,
    Request,
    Confirm,
    Renew,
    Rebind,
    Reply,
    Release,
    Decline,
    Reconfigure,
    InformationRequest,
    RelayForw,
    RelayRepl,
    /// A msg-type RFC 8415 does not define.
    Other(u8),
}

impl DhcpMessageType {
    pub fn from_code(t: u8) -> DhcpMessageType {
        use DhcpMessageType::*;
        match t {
            msg_type::SOLICIT => Solicit,
            msg_type::ADVERTISE => Advertise,
            msg_type::REQUEST => Request,
            msg_type::CONFIRM => Confirm,
            msg_type::RENEW => Renew,
            msg_type::REBIND => Rebind,
            msg_type::REPLY => Reply,
            msg_type::RELEASE => Release,
            msg_type::DECLINE => Decline,
            msg_type::RECONFIGURE => Reconfigure,
            msg_type::INFORMATION_REQUEST => InformationRequest,
            msg_type::RELAY_FORW => RelayForw,
            msg_type::RELAY_REPL => RelayRepl,
            other => Other(other),
        }
    }

    pub fn is_relay(self) -> bool {
        matches!(
            self,
            DhcpMessageType::RelayForw | DhcpMessageType::RelayRepl
        )
    }
}

/// A DUID (RFC 8415 §11) as the transcript keeps it: its type (`LLT`, `EN`, `LL`, `UUID` or
/// the number) and the other fields as shown, in wire order (`hw_type=1`, `lladdr=…`; the
/// volatile ones keep their values in the transcript).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duid {
    pub duid_type: String,
    pub fields: Vec<(String, String)>,
}

impl Duid {
    fn from_part(m: &Part) -> Option<Duid> {
        let duid_type = m.get("duid")?.to_owned();
        let fields = m
            .fields
            .iter()
            .filter(|f| f.name != "duid")
            .map(|f| (f.name.clone(), f.value.clone()))
            .collect();
        Some(Duid { duid_type, fields })
    }

    /// The link-layer address of a DUID-LLT or DUID-LL, hex.
    pub fn link_layer_address(&self) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == "lladdr")
            .map(|(_, v)| v.as_str())
    }
}

impl std::fmt::Display for Duid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.duid_type)?;
        for (n, v) in &self.fields {
            write!(f, " {n}={v}")?;
        }
        Ok(())
    }
}

/// One DHCPv6 option, typed; containers and the RSOO with their options in wire order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DhcpOpt<'a> {
    ClientId(Duid),
    ServerId(Duid),
    /// OPTION_ORO: the requested codes in the order sent.
    Oro(Vec<u16>),
    /// Hundredths of a second.
    ElapsedTime(u16),
    StatusCode {
        status: u16,
        message: String,
    },
    /// OPTION_INTERFACE_ID, as the transcript shows it (`0x` and hex).
    InterfaceId(String),
    InformationRefreshTime(u32),
    /// OPTION_MIP6_HNIDF (49): the FQDN as decoded (`example.com.`).
    Hnidf(String),
    /// OPTION_MIP6_HAF (73).
    Haf(String),
    /// OPTION_MIP6_HAA (72).
    Haa(Ipv6Addr),
    /// OPTION_MIP6_HNP (71): prefix as sent, and its length.
    Hnp(Ipv6Addr, u8),
    Vdinf(Vec<DhcpOpt<'a>>),
    Idinf(Vec<DhcpOpt<'a>>),
    Udinf(Vec<DhcpOpt<'a>>),
    Rsoo(Vec<DhcpOpt<'a>>),
    /// OPTION_RELAY_MSG: the relayed message.
    RelayMsg(Box<DhcpBody<'a>>),
    /// Any other option, known by name or not (`len`/`data` kept in the part).
    Other {
        code: Option<u16>,
        part: &'a Part,
    },
    /// A known option whose fields did not read as its type (a hand-edited transcript):
    /// named, so a judge can say what it could not read.
    Unreadable {
        code: u16,
        part: &'a Part,
    },
}

/// The option code a transcript kind names (`OPTION_ORO` → 6, `option 65520` → 65520).
pub fn option_code(kind: &str) -> Option<u16> {
    if let Some(n) = kind.strip_prefix("option ") {
        return n.parse().ok();
    }
    // Every named code is below 256.
    (0..=255u16).find(|c| option_name(*c) == Some(kind))
}

impl<'a> DhcpOpt<'a> {
    fn from_part(m: &'a Part) -> DhcpOpt<'a> {
        let code = option_code(&m.kind);
        let children = || m.children.iter().map(DhcpOpt::from_part).collect();
        let read = match m.kind.as_str() {
            "OPTION_CLIENTID" => Duid::from_part(m).map(DhcpOpt::ClientId),
            "OPTION_SERVERID" => Duid::from_part(m).map(DhcpOpt::ServerId),
            "OPTION_ORO" => m.get("codes").and_then(|c| {
                if c.is_empty() {
                    return Some(DhcpOpt::Oro(Vec::new()));
                }
                c.split(',')
                    .map(|n| n.parse().ok())
                    .collect::<Option<Vec<u16>>>()
                    .map(DhcpOpt::Oro)
            }),
            "OPTION_ELAPSED_TIME" => parsed(m, "elapsed").map(DhcpOpt::ElapsedTime),
            "OPTION_STATUS_CODE" => parsed(m, "status").map(|status| DhcpOpt::StatusCode {
                status,
                message: m.get("message").unwrap_or_default().to_owned(),
            }),
            "OPTION_INTERFACE_ID" => m.get("id").map(|i| DhcpOpt::InterfaceId(i.to_owned())),
            "OPTION_INFORMATION_REFRESH_TIME" => {
                parsed(m, "seconds").map(DhcpOpt::InformationRefreshTime)
            }
            "OPTION_MIP6_HNIDF" => m.get("fqdn").map(|n| DhcpOpt::Hnidf(n.to_owned())),
            "OPTION_MIP6_HAF" => m.get("fqdn").map(|n| DhcpOpt::Haf(n.to_owned())),
            "OPTION_MIP6_HAA" => parsed(m, "address").map(DhcpOpt::Haa),
            "OPTION_MIP6_HNP" => m
                .get("prefix")
                .and_then(address_and_length::<Ipv6Addr>)
                .map(|(p, l)| DhcpOpt::Hnp(p, l)),
            "OPTION_MIP6_VDINF" => Some(DhcpOpt::Vdinf(children())),
            "OPTION_MIP6_IDINF" => Some(DhcpOpt::Idinf(children())),
            "OPTION_MIP6_UDINF" => Some(DhcpOpt::Udinf(children())),
            "OPTION_RSOO" => Some(DhcpOpt::Rsoo(children())),
            "OPTION_RELAY_MSG" => m
                .children
                .first()
                .and_then(DhcpBody::from_part)
                .map(|b| DhcpOpt::RelayMsg(Box::new(b))),
            _ => return DhcpOpt::Other { code, part: m },
        };
        match (read, code) {
            (Some(o), _) => o,
            (None, Some(code)) => DhcpOpt::Unreadable { code, part: m },
            (None, None) => DhcpOpt::Other { code, part: m },
        }
    }

    /// The option code.
    pub fn code(&self) -> Option<u16> {
        use mip6lab_wire::dhcpv6::code;
        Some(match self {
            DhcpOpt::ClientId(_) => code::CLIENTID,
            DhcpOpt::ServerId(_) => code::SERVERID,
            DhcpOpt::Oro(_) => code::ORO,
            DhcpOpt::ElapsedTime(_) => code::ELAPSED_TIME,
            DhcpOpt::StatusCode { .. } => code::STATUS_CODE,
            DhcpOpt::InterfaceId(_) => code::INTERFACE_ID,
            DhcpOpt::InformationRefreshTime(_) => code::INFORMATION_REFRESH_TIME,
            DhcpOpt::Hnidf(_) => code::MIP6_HNIDF,
            DhcpOpt::Haf(_) => code::MIP6_HAF,
            DhcpOpt::Haa(_) => code::MIP6_HAA,
            DhcpOpt::Hnp(..) => code::MIP6_HNP,
            DhcpOpt::Vdinf(_) => code::MIP6_VDINF,
            DhcpOpt::Idinf(_) => code::MIP6_IDINF,
            DhcpOpt::Udinf(_) => code::MIP6_UDINF,
            DhcpOpt::Rsoo(_) => code::RSOO,
            DhcpOpt::RelayMsg(_) => code::RELAY_MSG,
            DhcpOpt::Other { code, .. } => return *code,
            DhcpOpt::Unreadable { code, .. } => *code,
        })
    }

    /// The home network information container this option is, if it is one.
    pub fn container(&self) -> Option<Container<'a>> {
        let (kind, opts) = match self {
            DhcpOpt::Vdinf(o) => (ContainerKind::Vdinf, o),
            DhcpOpt::Idinf(o) => (ContainerKind::Idinf, o),
            DhcpOpt::Udinf(o) => (ContainerKind::Udinf, o),
            _ => return None,
        };
        Some(Container::new(kind, opts))
    }
}

/// RFC 6610 §3.2's three containers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContainerKind {
    /// OPTION_MIP6_VDINF (50): the visited domain's HA.
    Vdinf,
    /// OPTION_MIP6_IDINF (69): the HA of the home network the client named (HNIDF).
    Idinf,
    /// OPTION_MIP6_UDINF (70): any HA the server chooses.
    Udinf,
}

/// A home network information container, read: its HNIDF (the first, as RFC 6610 allows
/// one), every HAA, HAF and HNP in wire order, and all its options for anything else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Container<'a> {
    pub kind: ContainerKind,
    pub hnidf: Option<String>,
    pub haas: Vec<Ipv6Addr>,
    pub hafs: Vec<String>,
    pub hnps: Vec<(Ipv6Addr, u8)>,
    pub options: Vec<DhcpOpt<'a>>,
}

impl<'a> Container<'a> {
    fn new(kind: ContainerKind, opts: &[DhcpOpt<'a>]) -> Container<'a> {
        let mut c = Container {
            kind,
            hnidf: None,
            haas: Vec::new(),
            hafs: Vec::new(),
            hnps: Vec::new(),
            options: opts.to_vec(),
        };
        for o in opts {
            match o {
                DhcpOpt::Hnidf(n) if c.hnidf.is_none() => c.hnidf = Some(n.clone()),
                DhcpOpt::Haa(a) => c.haas.push(*a),
                DhcpOpt::Haf(n) => c.hafs.push(n.clone()),
                DhcpOpt::Hnp(p, l) => c.hnps.push((*p, *l)),
                _ => {}
            }
        }
        c
    }

    /// The first HNP.
    pub fn hnp(&self) -> Option<(Ipv6Addr, u8)> {
        self.hnps.first().copied()
    }

    /// Whether the container's HNIDF names `fqdn` (case-insensitive, trailing dot or not).
    pub fn names(&self, fqdn: &str) -> bool {
        self.hnidf
            .as_deref()
            .is_some_and(|n| super::same_name(n, fqdn))
    }
}

/// The fields of a Relay-forward or Relay-reply header (RFC 8415 §9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RelayHeader {
    pub hop_count: Option<u8>,
    pub link_address: Option<Ipv6Addr>,
    pub peer_address: Option<Ipv6Addr>,
}

/// A DHCPv6 message, on the wire or relayed inside another: type, transaction ID (client and
/// server messages) or relay header, and options in wire order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DhcpBody<'a> {
    pub msg_type: DhcpMessageType,
    pub transaction_id: Option<u32>,
    pub relay: Option<RelayHeader>,
    pub options: Vec<DhcpOpt<'a>>,
    /// The transcript part, for [`same_message`] and for reasons that show the message.
    pub part: &'a Part,
}

impl<'a> DhcpBody<'a> {
    /// The body of a DHCPv6 transcript part; `None` for a part without a readable `type`.
    pub fn from_part(m: &'a Part) -> Option<DhcpBody<'a>> {
        if m.protocol != PROTOCOL {
            return None;
        }
        let msg_type = DhcpMessageType::from_code(parsed(m, "type")?);
        let relay = msg_type.is_relay().then(|| RelayHeader {
            hop_count: parsed(m, "hop_count"),
            link_address: parsed(m, "link"),
            peer_address: parsed(m, "peer"),
        });
        Some(DhcpBody {
            msg_type,
            transaction_id: m
                .get("xid")
                .and_then(|x| u32::from_str_radix(x.trim_start_matches("0x"), 16).ok()),
            relay,
            options: m.children.iter().map(DhcpOpt::from_part).collect(),
            part: m,
        })
    }

    pub fn is(&self, t: DhcpMessageType) -> bool {
        self.msg_type == t
    }

    /// The first option with `code`.
    pub fn option(&self, code: u16) -> Option<&DhcpOpt<'a>> {
        self.options.iter().find(|o| o.code() == Some(code))
    }

    /// How many options with `code` the message carries at its top level.
    pub fn count(&self, code: u16) -> usize {
        self.options
            .iter()
            .filter(|o| o.code() == Some(code))
            .count()
    }

    pub fn client_id(&self) -> Option<&Duid> {
        self.options.iter().find_map(|o| match o {
            DhcpOpt::ClientId(d) => Some(d),
            _ => None,
        })
    }

    pub fn server_id(&self) -> Option<&Duid> {
        self.options.iter().find_map(|o| match o {
            DhcpOpt::ServerId(d) => Some(d),
            _ => None,
        })
    }

    /// The codes of the (first) ORO.
    pub fn oro(&self) -> Option<&[u16]> {
        self.options.iter().find_map(|o| match o {
            DhcpOpt::Oro(c) => Some(c.as_slice()),
            _ => None,
        })
    }

    /// Every top-level HNIDF, in wire order.
    pub fn hnidfs(&self) -> Vec<&str> {
        self.options
            .iter()
            .filter_map(|o| match o {
                DhcpOpt::Hnidf(n) => Some(n.as_str()),
                _ => None,
            })
            .collect()
    }

    /// The top-level containers (VDINF, IDINF, UDINF), in wire order; not those inside an
    /// RSOO ([`DhcpBody::rsoo_containers`]) or a relayed message.
    pub fn containers(&self) -> Vec<Container<'a>> {
        self.options.iter().filter_map(DhcpOpt::container).collect()
    }

    /// The options of the (first) RSOO; `None` without one.
    pub fn rsoo(&self) -> Option<&[DhcpOpt<'a>]> {
        self.options.iter().find_map(|o| match o {
            DhcpOpt::Rsoo(c) => Some(c.as_slice()),
            _ => None,
        })
    }

    /// The containers inside the (first) RSOO; empty without one.
    pub fn rsoo_containers(&self) -> Vec<Container<'a>> {
        self.rsoo()
            .map(|o| o.iter().filter_map(DhcpOpt::container).collect())
            .unwrap_or_default()
    }

    /// The (first) Interface-Id, as shown (`0x…`).
    pub fn interface_id(&self) -> Option<&str> {
        self.options.iter().find_map(|o| match o {
            DhcpOpt::InterfaceId(i) => Some(i.as_str()),
            _ => None,
        })
    }

    /// The message a relay message carries in its (first) Relay Message option.
    pub fn relayed(&self) -> Option<&DhcpBody<'a>> {
        self.options.iter().find_map(|o| match o {
            DhcpOpt::RelayMsg(b) => Some(b.as_ref()),
            _ => None,
        })
    }

    /// Through every level of relaying: the client's message (or the server's answer to
    /// it); `self` when it is not a relay message; `None` when a relay message has no
    /// readable Relay Message option.
    pub fn innermost(&self) -> Option<&DhcpBody<'a>> {
        let mut b = self;
        while b.msg_type.is_relay() {
            b = b.relayed()?;
        }
        Some(b)
    }

    /// The relay messages around the innermost message, outermost first (`self` included
    /// when it is one): how deep the encapsulation goes.
    pub fn relay_levels(&self) -> Vec<&DhcpBody<'a>> {
        let mut out = Vec::new();
        let mut b = Some(self);
        while let Some(m) = b.filter(|m| m.msg_type.is_relay()) {
            out.push(m);
            b = m.relayed();
        }
        out
    }
}

impl DhcpBody<'_> {
    /// Every HAA anywhere in the message: at its top level, inside containers and RSOOs, and
    /// in relayed messages, in wire order (where a home agent address shows up at all).
    pub fn haas_anywhere(&self) -> Vec<Ipv6Addr> {
        fn collect(options: &[DhcpOpt], out: &mut Vec<Ipv6Addr>) {
            for o in options {
                match o {
                    DhcpOpt::Haa(a) => out.push(*a),
                    DhcpOpt::Vdinf(c)
                    | DhcpOpt::Idinf(c)
                    | DhcpOpt::Udinf(c)
                    | DhcpOpt::Rsoo(c) => collect(c, out),
                    DhcpOpt::RelayMsg(b) => collect(&b.options, out),
                    _ => {}
                }
            }
        }
        let mut out = Vec::new();
        collect(&self.options, &mut out);
        out
    }

    /// The names in the top-level OPTION_DOMAIN_LIST options (24, RFC 3646 §4: DNS names in
    /// wire format, one after another), in wire order, each as `label.label.`; a list that
    /// does not read as names gives what it read before the fault.
    pub fn domain_list(&self) -> Vec<String> {
        let mut names = Vec::new();
        for o in &self.options {
            let DhcpOpt::Other {
                code: Some(DOMAIN_LIST),
                part,
            } = o
            else {
                continue;
            };
            let Some(data) = part.get("data").and_then(octets_of_hex) else {
                continue;
            };
            let mut rest = data.as_slice();
            // Each name ends at its root label; the codec reads one name at a time.
            while let Some(end) = name_end(rest) {
                let Ok(name) = mip6lab_wire::dhcpv6::Fqdn::parse(&rest[..end], 0) else {
                    break;
                };
                names.push(name.to_string());
                rest = &rest[end..];
            }
        }
        names
    }
}

/// OPTION_DOMAIN_LIST (RFC 3646 §4).
const DOMAIN_LIST: u16 = 24;

/// The length of the first uncompressed DNS name in `b` (to its root label), if it ends there.
fn name_end(b: &[u8]) -> Option<usize> {
    let mut pos = 0;
    loop {
        let len = usize::from(*b.get(pos)?);
        pos += 1 + len;
        if len == 0 {
            return Some(pos);
        }
    }
}

/// `0x…` (or bare) hex as octets, as the transcript shows an opaque option's data.
fn octets_of_hex(s: &str) -> Option<Vec<u8>> {
    let h = s.strip_prefix("0x").unwrap_or(s);
    if h.len() % 2 != 0 {
        return None;
    }
    (0..h.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(h.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Whether two messages are the same message: their decoded trees are equal field by field,
/// volatile values (transaction ID, DUID contents, elapsed time) included, options in the same
/// order. The transcript does not keep raw octets; for the message types and options the
/// DHCPv6 dissector decodes, the tree determines the octets (unknown options keep their
/// data in hex, FQDNs are shown with every octet escaped or plain, HNP prefixes as sent), so
/// equal trees mean equal octets. Not so for a message of an unknown msg-type, whose body
/// the transcript keeps only as a length: such messages never count as the same.
pub fn same_message(a: &DhcpBody, b: &DhcpBody) -> bool {
    first_difference(a, b).is_none()
}

/// The first place where `b` differs from `a` (see [`same_message`]), in words for a reason:
/// `None` when they are the same message.
pub fn first_difference(a: &DhcpBody, b: &DhcpBody) -> Option<String> {
    if let DhcpMessageType::Other(t) = a.msg_type {
        return Some(format!(
            "msg-type {t} is not decoded, so the messages cannot be compared"
        ));
    }
    part_difference(a.part, b.part, &a.part.kind)
}

fn part_difference(a: &Part, b: &Part, at: &str) -> Option<String> {
    if a.kind != b.kind {
        return Some(format!("{at}: {} became {}", a.kind, b.kind));
    }
    let fields = |p: &Part| {
        p.fields
            .iter()
            .map(|f| format!("{}={}", f.name, f.value))
            .collect::<Vec<_>>()
    };
    let (fa, fb) = (fields(a), fields(b));
    if fa != fb {
        return Some(format!(
            "{at}: fields [{}] became [{}]",
            fa.join(" "),
            fb.join(" ")
        ));
    }
    if a.children.len() != b.children.len() {
        let names = |p: &Part| {
            p.children
                .iter()
                .map(|c| c.kind.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        return Some(format!(
            "{at}: options [{}] became [{}]",
            names(a),
            names(b)
        ));
    }
    a.children
        .iter()
        .zip(&b.children)
        .find_map(|(x, y)| part_difference(x, y, &format!("{at} > {}", x.kind)))
}

/// A DHCPv6 packet on the wire.
#[derive(Debug, Clone)]
pub struct DhcpMessage<'a> {
    pub entry: &'a Entry,
    /// Index of the entry in the observation's transcript: capture order.
    pub position: usize,
    /// The sender's role ([`Observation::role_of`] when the entry shows only an address).
    pub src: &'a str,
    pub dst: &'a str,
    pub body: DhcpBody<'a>,
}

impl<'a> std::ops::Deref for DhcpMessage<'a> {
    type Target = DhcpBody<'a>;
    fn deref(&self) -> &DhcpBody<'a> {
        &self.body
    }
}

impl DhcpMessage<'_> {
    pub fn frame(&self) -> u64 {
        self.entry.frame
    }
}

/// One client's request relayed to a server, and the server's answer: the first
/// Relay-forward for it, and the first later Relay-reply that answers it.
#[derive(Debug, Clone)]
pub struct RelayedExchange<'a> {
    pub forward: DhcpMessage<'a>,
    pub relay_reply: Option<DhcpMessage<'a>>,
}

impl<'a> RelayedExchange<'a> {
    /// The client's request the Relay-forward carries (through every relay level).
    pub fn request(&self) -> Option<&DhcpBody<'a>> {
        self.forward.innermost()
    }

    /// The server's answer to the client inside the Relay-reply (through every level).
    pub fn reply(&self) -> Option<&DhcpBody<'a>> {
        self.relay_reply.as_ref()?.innermost()
    }
}

impl Observation {
    /// The exchange `relay` had with `server` for the client whose DUID (LLT or LL) has the
    /// link-layer address `lladdr` (hex, as [`Duid::link_layer_address`] shows it): the first
    /// Relay-forward `relay` sent with that client's request inside, and the first later
    /// Relay-reply from `server` to `relay` whose innermost message carries that client's
    /// DUID or the request's transaction-id (so a Reply that lost the Client Identifier is
    /// still found).
    pub fn relayed_exchange<'a>(
        &'a self,
        relay: &str,
        server: &str,
        lladdr: &str,
    ) -> Option<RelayedExchange<'a>> {
        let of_client = |b: &DhcpBody| {
            b.client_id()
                .and_then(Duid::link_layer_address)
                .is_some_and(|a| a.eq_ignore_ascii_case(lladdr))
        };
        let forward = self
            .dhcp_of_type(DhcpMessageType::RelayForw, None)
            .find(|m| m.src == relay && m.innermost().is_some_and(of_client))?;
        let xid = forward.innermost().and_then(|r| r.transaction_id);
        let relay_reply = self
            .dhcp_of_type(DhcpMessageType::RelayRepl, None)
            .find(|m| {
                m.position > forward.position
                    && m.src == server
                    && m.dst == relay
                    && m.innermost()
                        .is_some_and(|r| of_client(r) || (xid.is_some() && r.transaction_id == xid))
            });
        Some(RelayedExchange {
            forward,
            relay_reply,
        })
    }

    /// Every DHCPv6 packet, in capture order (malformed ones are in
    /// [`Observation::malformed_dhcp`]).
    pub fn dhcp_messages(&self) -> impl Iterator<Item = DhcpMessage<'_>> + '_ {
        self.transcript
            .entries
            .iter()
            .enumerate()
            .filter_map(move |(position, e)| {
                let Decoded::Message(m) = &e.decoded else {
                    return None;
                };
                let body = DhcpBody::from_part(m)?;
                Some(DhcpMessage {
                    entry: e,
                    position,
                    src: self.role_or_name(&e.src, &e.src_addr),
                    dst: self.role_or_name(&e.dst, &e.dst_addr),
                    body,
                })
            })
    }

    /// DHCPv6 payloads the dissector rejected, with its reason: a judge that would conclude
    /// "no message" must look here first.
    pub fn malformed_dhcp(&self) -> Vec<(&Entry, &str)> {
        self.malformed_of(PROTOCOL)
    }

    /// DHCPv6 packets of type `t` sent by `src` (any role if `None`), in capture order.
    pub fn dhcp_of_type<'a>(
        &'a self,
        t: DhcpMessageType,
        src: Option<&'a str>,
    ) -> impl Iterator<Item = DhcpMessage<'a>> + 'a {
        self.dhcp_messages()
            .filter(move |m| m.msg_type == t && src.is_none_or(|s| m.src == s))
    }

    /// Information-requests `role` put on the wire, in capture order.
    pub fn information_requests_from<'a>(&'a self, role: &'a str) -> Vec<DhcpMessage<'a>> {
        self.dhcp_of_type(DhcpMessageType::InformationRequest, Some(role))
            .collect()
    }

    /// Replies sent on the wire to `role` (not relayed inside a Relay-reply), in capture
    /// order.
    pub fn replies_to<'a>(&'a self, role: &'a str) -> Vec<DhcpMessage<'a>> {
        self.dhcp_of_type(DhcpMessageType::Reply, None)
            .filter(|m| m.dst == role)
            .collect()
    }

    /// The first Reply after `request` (in capture order) to its sender, with its
    /// transaction ID.
    pub fn reply_to<'a>(&'a self, request: &DhcpMessage) -> Option<DhcpMessage<'a>> {
        let xid = request.transaction_id?;
        self.dhcp_of_type(DhcpMessageType::Reply, None).find(|m| {
            m.position > request.position
                && m.transaction_id == Some(xid)
                && m.entry.dst_addr == request.entry.src_addr
        })
    }

    /// What a relay sent on after `relay_reply`: the first later DHCPv6 message to the
    /// Relay-reply's peer-address (the client, or the next relay down). Compare it with the
    /// relayed message ([`same_message`]) to judge "passed on unchanged".
    pub fn relayed_onward<'a>(&'a self, relay_reply: &DhcpMessage) -> Option<DhcpMessage<'a>> {
        let peer = IpAddr::V6(relay_reply.relay?.peer_address?);
        self.dhcp_messages()
            .find(|m| m.position > relay_reply.position && m.entry.dst_addr == peer)
    }

    /// Relay-forward messages sent by `src` (any role if `None`), in capture order.
    pub fn relay_forwards<'a>(&'a self, src: Option<&'a str>) -> Vec<DhcpMessage<'a>> {
        self.dhcp_of_type(DhcpMessageType::RelayForw, src).collect()
    }

    /// Relay-reply messages sent to `dst` (any role if `None`), in capture order.
    pub fn relay_replies<'a>(&'a self, dst: Option<&'a str>) -> Vec<DhcpMessage<'a>> {
        self.dhcp_of_type(DhcpMessageType::RelayRepl, None)
            .filter(|m| dst.is_none_or(|d| m.dst == d))
            .collect()
    }
}
