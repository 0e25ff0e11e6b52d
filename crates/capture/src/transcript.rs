//! The normalized transcript: one entry per message under test, endpoints named by role.

use crate::dissect::{self, Context, Dissectors, Transport};
use crate::keylog::KeyLog;
use crate::read::Frame;
use crate::stream::Decoder;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::net::IpAddr;

/// The name transcripts give the IEEE 802.1X PAE group address (01:80:c2:00:00:03).
pub const PAE_GROUP: &str = "PAE-group";

/// Address → role name (e.g. `2001:db8:1::53` → `DNS`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Endpoints(pub BTreeMap<IpAddr, String>);

impl Endpoints {
    pub fn name(&self, a: &IpAddr) -> String {
        self.0.get(a).cloned().unwrap_or_else(|| a.to_string())
    }
    pub fn insert(&mut self, a: IpAddr, role: impl Into<String>) {
        self.0.insert(a, role.into());
    }
    /// The name of a link-layer endpoint (EAPOL frames have no IP addresses): the role of
    /// the address that stands for the MAC ([`dissect::eapol::mac_address`], see
    /// [`Endpoints::insert_mac`]); else, for a MAC of the lab's scheme (02:42 and the node's
    /// IPv4 address), the role of that IPv4 address; `PAE-group` for the IEEE 802.1X group
    /// address; else the MAC itself.
    pub fn name_mac(&self, mac: &[u8; 6]) -> String {
        if let Some(r) = self.0.get(&dissect::eapol::mac_address(mac)) {
            return r.clone();
        }
        if mac[..2] == [0x02, 0x42] {
            let v4 = IpAddr::V4([mac[2], mac[3], mac[4], mac[5]].into());
            if let Some(r) = self.0.get(&v4) {
                return r.clone();
            }
        }
        if *mac == mip6lab_wire::eapol::PAE_GROUP_ADDRESS {
            return PAE_GROUP.into();
        }
        mip6lab_wire::eapol::mac_text(mac)
    }

    /// Names a MAC address (for EAPOL entries), under the address that stands for it.
    pub fn insert_mac(&mut self, mac: &[u8; 6], role: impl Into<String>) {
        self.insert(dissect::eapol::mac_address(mac), role);
    }

    /// The address of a role, if the map has one: its IPv6 address (a topology's role
    /// address); an IPv4 address, which only names the role's MAC, when it has no other.
    pub fn address_of(&self, role: &str) -> Option<IpAddr> {
        let mut of_role = self.0.iter().filter(|(_, r)| r.as_str() == role);
        let first = of_role.next().map(|(a, _)| *a);
        first
            .filter(IpAddr::is_ipv6)
            .or_else(|| of_role.map(|(a, _)| *a).find(IpAddr::is_ipv6))
            .or(first)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DnsRecord {
    pub name: String,
    pub rtype: String,
    /// `IN`, or in an UPDATE `ANY` / `NONE` (RFC 2136 §2.5: deletions). Empty in transcripts
    /// recorded before the class was kept.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub class: String,
    pub ttl: u32,
    pub data: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DnsMessage {
    /// Kept for matching queries to responses; never shown in text.
    pub id: u16,
    pub response: bool,
    pub opcode: String,
    pub rcode: String,
    pub qname: String,
    pub qtype: String,
    pub answers: Vec<DnsRecord>,
    pub authorities: Vec<DnsRecord>,
    pub additionals: Vec<DnsRecord>,
    pub tsig: bool,
    /// The TSIG error field of a signed response (RFC 8945 §5.3: `BADSIG`, `BADKEY`,
    /// `BADTIME`, `BADTRUNC`, or the number); empty when there is no TSIG or no error.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub tsig_error: String,
}

/// A decoded message of any protocol other than DNS, or a part of one: its type and its
/// fields in wire order, with nested parts (mobility options, IKE payloads, CP attributes) as
/// children. (Not a codec's message: those are `mip6lab_wire` types such as
/// `ikev2::Message`.) A transcript entry holds one as [`Decoded::Message`].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Part {
    /// `MH`, `IKEv2`, `ESP`, …
    pub protocol: String,
    /// The message or part type as the spec names it: `BU`, `BA`, `IKE_SA_INIT request`, `CP`.
    pub kind: String,
    pub fields: Vec<Field>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<Part>,
}

/// A named field. `volatile` fields (SPIs, nonces, checksums, sequence numbers that differ
/// from run to run) keep their value in JSON and print as `*` in the text transcript.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Field {
    pub name: String,
    pub value: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub volatile: bool,
}

impl Part {
    pub fn new(protocol: &str, kind: impl Into<String>) -> Part {
        Part {
            protocol: protocol.into(),
            kind: kind.into(),
            ..Part::default()
        }
    }

    pub fn field(mut self, name: &str, value: impl ToString) -> Part {
        self.fields.push(Field {
            name: name.into(),
            value: value.to_string(),
            volatile: false,
        });
        self
    }

    pub fn volatile(mut self, name: &str, value: impl ToString) -> Part {
        self.fields.push(Field {
            name: name.into(),
            value: value.to_string(),
            volatile: true,
        });
        self
    }

    pub fn child(mut self, c: Part) -> Part {
        self.children.push(c);
        self
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.value.as_str())
    }

    /// Depth-first search for a part of the given kind (this one included).
    pub fn find(&self, kind: &str) -> Option<&Part> {
        if self.kind == kind {
            return Some(self);
        }
        self.children.iter().find_map(|c| c.find(kind))
    }

    /// `KIND a=1 b=* {CHILD …} {CHILD …}`: the normalized one-line form.
    pub fn render(&self) -> String {
        let mut s = self.kind.clone();
        for f in &self.fields {
            let v = if f.volatile { "*" } else { f.value.as_str() };
            let _ = write!(s, " {}={}", f.name, v);
        }
        for c in &self.children {
            let _ = write!(s, " {{{}}}", c.render());
        }
        s
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Decoded {
    Dns(DnsMessage),
    Message(Part),
    Icmpv6 { kind: u8 },
    Unknown { length: usize },
    Malformed { protocol: String, reason: String },
}

impl Decoded {
    /// A payload `protocol`'s parser rejected, with the parser's reason.
    pub fn malformed(protocol: &str, reason: impl std::fmt::Display) -> Decoded {
        Decoded::Malformed {
            protocol: protocol.into(),
            reason: reason.to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Frame number in the pcap (1-based): the evidence pointer.
    pub frame: u64,
    pub src: String,
    pub dst: String,
    pub src_addr: IpAddr,
    pub dst_addr: IpAddr,
    pub decoded: Decoded,
}

impl Entry {
    pub fn dns(&self) -> Option<&DnsMessage> {
        match &self.decoded {
            Decoded::Dns(m) => Some(m),
            _ => None,
        }
    }

    /// The entry's line in the text transcript, without the newline.
    pub fn text(&self) -> String {
        format!("{} -> {}  {}", self.src, self.dst, summary(&self.decoded))
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transcript {
    pub entries: Vec<Entry>,
    /// Frames captured while the lab was being set up (before the stimulus), not decoded.
    #[serde(default)]
    pub setup: u64,
    /// Frames left out as link housekeeping (ND, MLD, ARP): counted, not shown.
    pub housekeeping: u64,
    /// Frames that could not be sliced (or EAPOL frames that do not parse), with the reason.
    pub errors: Vec<(u64, String)>,
}

/// Link housekeeping: MLD (130–132, 143), RS/RA/NS/NA/Redirect (133–137), and IGMP from the
/// bridge; except DAD for addresses that are not link-local, which tests look at
/// ([`dissect::nd::shown`]).
pub(crate) fn is_housekeeping(pkt: &dissect::Packet, payload: &[u8]) -> bool {
    let t = &pkt.transport;
    (matches!(t, Transport::Icmpv6 { kind } if matches!(kind, 130..=137 | 143))
        && !dissect::nd::shown(pkt, payload))
        || matches!(t, Transport::Other { next_header: 2 })
}

pub fn decode_frames(frames: &[Frame], endpoints: &Endpoints) -> Transcript {
    decode_test_frames(frames, endpoints, 0)
}

/// Decodes the frames numbered above `setup`; the first `setup` frames are only counted.
pub fn decode_test_frames(frames: &[Frame], endpoints: &Endpoints, setup: u64) -> Transcript {
    decode_with(
        frames,
        endpoints,
        setup,
        &Dissectors::standard(),
        &mut Context::default(),
    )
}

/// Decodes with the standard dissectors, decrypting with `keys`; the frames numbered up to
/// `setup` are only counted.
pub fn decode_with_keys(
    frames: &[Frame],
    endpoints: &Endpoints,
    setup: u64,
    keys: KeyLog,
) -> Transcript {
    let mut ctx = Context {
        keys,
        ..Context::default()
    };
    decode_with(frames, endpoints, setup, &Dissectors::standard(), &mut ctx)
}

/// The general form: chosen dissectors, and a context that may carry keys.
pub fn decode_with(
    frames: &[Frame],
    endpoints: &Endpoints,
    setup: u64,
    dissectors: &Dissectors,
    ctx: &mut Context,
) -> Transcript {
    let mut decoder = Decoder::new(endpoints, setup, dissectors, ctx);
    let entries = frames.iter().filter_map(|f| decoder.decode(f)).collect();
    Transcript {
        entries,
        ..decoder.finish()
    }
}

impl Transcript {
    /// Stable text: no frame numbers, IDs, ports or times; records sorted, since servers
    /// may rotate RRset order.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for e in &self.entries {
            let _ = writeln!(out, "{}", e.text());
        }
        for (frame, err) in &self.errors {
            let _ = writeln!(out, "! frame {frame}: {err}");
        }
        out
    }

    pub fn dns(&self) -> impl Iterator<Item = (&Entry, &DnsMessage)> {
        self.entries.iter().filter_map(|e| e.dns().map(|m| (e, m)))
    }
}

/// A record's data as the text transcript shows it: an SOA's serial prints as `*`, because it
/// counts the updates a reused DNS server has seen, not anything the test's nodes did (the
/// JSON transcript keeps it).
fn shown_data(r: &DnsRecord) -> std::borrow::Cow<'_, str> {
    if r.rtype != "SOA" {
        return r.data.as_str().into();
    }
    // MNAME RNAME SERIAL REFRESH RETRY EXPIRE MINIMUM
    let mut f: Vec<&str> = r.data.split(' ').collect();
    if f.len() == 7 {
        f[2] = "*";
    }
    f.join(" ").into()
}

fn records(label: &str, rs: &[DnsRecord]) -> String {
    if rs.is_empty() {
        return String::new();
    }
    let mut v: Vec<String> = rs
        .iter()
        .map(|r| {
            let data = shown_data(r);
            match r.class.as_str() {
                // Class IN is the ordinary case; ANY / NONE (UPDATE deletions) are shown.
                "" | "IN" => format!("{} {} {data}", r.rtype, r.name),
                class => format!("{class} {} {} {data}", r.rtype, r.name),
            }
        })
        .collect();
    v.sort();
    format!(" {label}[{}]", v.join("; "))
}

pub fn summary(d: &Decoded) -> String {
    match d {
        Decoded::Dns(m) => {
            let kind = if m.response { "response" } else { "query" };
            let op = if m.opcode == "QUERY" {
                String::new()
            } else {
                format!(" {}", m.opcode)
            };
            let rcode = if m.response {
                format!(" {}", m.rcode)
            } else {
                String::new()
            };
            format!(
                "DNS {kind}{op}{rcode} {} {}{}{}{}{}",
                m.qtype,
                m.qname,
                records("an", &m.answers),
                records("ns", &m.authorities),
                records("ad", &m.additionals),
                match (m.tsig, m.tsig_error.as_str()) {
                    (false, _) => String::new(),
                    (true, "") => " tsig".to_owned(),
                    (true, e) => format!(" tsig error {e}"),
                }
            )
        }
        // A message whose kind is its protocol (ESP) prints the name once.
        Decoded::Message(m) if m.kind == m.protocol => m.render(),
        Decoded::Message(m) => format!("{} {}", m.protocol, m.render()),
        Decoded::Icmpv6 { kind } => format!("ICMPv6 type {kind}"),
        Decoded::Unknown { length } => format!("undecoded payload ({length} octets)"),
        Decoded::Malformed { protocol, reason } => format!("{protocol} malformed: {reason}"),
    }
}
