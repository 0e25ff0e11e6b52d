//! RADIUS attributes as tshark 4.0 shows them (`-V`) and as our transcript shows them, in
//! one form to compare: the HA-attribute cross-check on built packets
//! (`radius_tshark.rs`) and the cross-check on committed captures (`tshark_crosscheck.rs`).

use super::Tally;
use mip6lab_capture::Part;
use mip6lab_wire::radius::{self, attr, vendor, Repr};
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::Path;
use std::process::Command;

/// One attribute or vendor sub-attribute as a decoder shows it, in wire order (a
/// Vendor-Specific first, then its sub-attributes).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Shown {
    pub name: String,
    pub number: u8,
    pub len: usize,
    /// WiMAX's continuation octet, `0x..`.
    pub continuation: Option<String>,
    /// The Vendor-Id of a Vendor-Specific.
    pub vendor: Option<u32>,
    /// The Vendor-Id of the Vendor-Specific a sub-attribute is in.
    pub in_vendor: Option<u32>,
    pub value: Option<String>,
}

impl Shown {
    /// Whether this is one of the attributes that carry home-agent assignment: RFC 5447's
    /// 124/125, RFC 6572's 145–162, RFC 6911's 168–172, or a WiMAX or 3GPP2 sub-attribute.
    pub fn carries_ha_assignment(&self) -> bool {
        match self.in_vendor {
            Some(v) => v == vendor::WIMAX || v == vendor::THREE_GPP2,
            None => {
                self.vendor.is_none() && matches!(self.number, 124 | 125 | 145..=162 | 168..=172)
            }
        }
    }
}

/// tshark's `-V` lines `AVP: t=NAME(N) l=L [vnd=…(ID)] [val=V]` and
/// `VSA: t=NAME(N) l=L [C=0x..] val=V`, by frame number, for the RADIUS frames of `pcap`.
pub fn tshark_attributes(pcap: &Path) -> BTreeMap<u64, Vec<Shown>> {
    let out = Command::new("tshark")
        .arg("-r")
        .arg(pcap)
        .args(["-Y", "radius", "-V"])
        .output()
        .unwrap_or_else(|e| panic!("cannot run tshark ({e}): apt-get install tshark"));
    assert!(
        out.status.success(),
        "tshark -r {}: {}",
        pcap.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let mut frames: BTreeMap<u64, Vec<Shown>> = BTreeMap::new();
    let mut frame = None;
    let mut in_vendor = None;
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        if let Some(rest) = line.strip_prefix("Frame ") {
            let n: u64 = rest.split(':').next().unwrap().parse().unwrap();
            frames.insert(n, Vec::new());
            frame = Some(n);
            continue;
        }
        let line = line.trim_start();
        let (rest, is_sub) = match (line.strip_prefix("AVP: t="), line.strip_prefix("VSA: t=")) {
            (Some(r), _) => (r, false),
            (_, Some(r)) => (r, true),
            _ => continue,
        };
        let (head, tail) = rest.split_once(" l=").expect("AVP line with a length");
        let (name, number) = head.rsplit_once('(').expect("AVP name(number)");
        let (len, mut tail) = tail.split_once(' ').unwrap_or((tail, ""));
        let mut shown = Shown {
            name: name.to_owned(),
            number: number.trim_end_matches(')').parse().unwrap(),
            len: len.parse().unwrap(),
            in_vendor: if is_sub { in_vendor } else { None },
            ..Shown::default()
        };
        if let Some(t) = tail.strip_prefix("C=") {
            let (c, t) = t.split_once(' ').unwrap_or((t, ""));
            shown.continuation = Some(c.to_owned());
            tail = t;
        }
        if let Some(v) = tail.strip_prefix("vnd=") {
            let id = v.rsplit_once('(').unwrap().1.trim_end_matches(')');
            shown.vendor = Some(id.parse().unwrap());
        }
        if !is_sub {
            in_vendor = shown.vendor;
        }
        if let Some(v) = tail.strip_prefix("val=") {
            shown.value = Some(v.to_owned());
        }
        let n = frame.expect("an AVP inside a frame");
        frames.get_mut(&n).unwrap().push(shown);
    }
    frames
}

/// An enumerated value shown with its name, `Framed(2)`, as its number; anything else as is
/// (one side may name a value the other shows as a number).
fn enum_number(v: &str) -> &str {
    v.strip_suffix(')')
        .and_then(|x| x.rsplit_once('('))
        .map(|(_, n)| n)
        .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        .unwrap_or(v)
}

/// The standard or vendor type number our decode names `kind`.
fn number_of(kind: &str, vendor_id: Option<u32>) -> u8 {
    if let Some(n) = kind
        .strip_prefix("vsa ")
        .or_else(|| kind.strip_prefix("Attr-"))
    {
        return n.parse().unwrap();
    }
    (0..=255u8)
        .find(|t| match vendor_id {
            Some(v) => radius::vendor_attr_info(v, *t).map(|(n, _)| n) == Some(kind),
            None => radius::attr_name(*t) == Some(kind),
        })
        .unwrap_or_else(|| panic!("{kind} is not in our tables"))
}

/// Attributes whose value tshark 4.0 prints as hex octets (its dictionary types them
/// `octets`, `integer64`, `ifid` or the `ipv4prefix` it does not decode), while we decode
/// them: our value put back into that form.
fn as_tshark_hex(name: &str, ours: &str) -> Option<String> {
    let prefix = |s: &str| {
        let (p, len) = s.split_once('/').unwrap();
        (p.to_owned(), len.parse::<u8>().unwrap())
    };
    Some(match name {
        "MIP6-Feature-Vector" | "PMIP6-Home-Interface-ID" | "PMIP6-Visited-Interface-ID" => {
            // `0x…`, the Feature Vector followed by its flag names.
            ours.split(' ')
                .next()
                .unwrap()
                .trim_start_matches("0x")
                .to_owned()
        }
        "MIP6-Home-Link-Prefix" => {
            let (p, len) = prefix(ours);
            let p: Ipv6Addr = p.parse().unwrap();
            format!("{len:02x}{}", hex::encode(p.octets()))
        }
        "PMIP6-Home-IPv4-HoA" | "PMIP6-Visited-IPv4-HoA" => {
            // The transcript does not show the 10 reserved bits: 0 in what we compare.
            let (p, len) = prefix(ours);
            let p: Ipv4Addr = p.parse().unwrap();
            format!("{len:04x}{}", hex::encode(p.octets()))
        }
        "Mobile-Node-Identifier" => hex::encode(ours.trim_matches('"').as_bytes()),
        "3GPP2-Home-Agent-IP-Address" => match ours.parse::<IpAddr>().unwrap() {
            IpAddr::V4(a) => hex::encode(a.octets()),
            IpAddr::V6(a) => hex::encode(a.octets()),
        },
        _ => return None,
    })
}

/// Our value in tshark's presentation: hex where tshark prints hex, text unquoted, octets
/// without `0x`, a named integer as tshark names it (`CMIP6(4)`).
fn in_tshark_form(name: &str, ours: &str) -> String {
    if let Some(h) = as_tshark_hex(name, ours) {
        return h;
    }
    if let Some((n, label)) = ours.split_once(" (") {
        return format!("{}({n})", label.trim_end_matches(')'));
    }
    if let Some(h) = ours.strip_prefix("0x") {
        return h.to_owned();
    }
    ours.trim_matches('"').to_owned()
}

/// Our transcript's attributes of one RADIUS message, lengths from our codec's parse of the
/// same payload. Consecutive EAP-Messages, one `EAP …` part in the transcript, come out as
/// one row each without a value.
pub fn our_attributes(m: &Part, payload: &[u8]) -> Vec<Shown> {
    // A UDP payload may pad past the packet's Length (RFC 2865 §3).
    let repr = radius::Packet::new_checked(payload)
        .and_then(|p| Repr::parse(&p))
        .unwrap();
    let mut parts = m.children.iter();
    let mut out = Vec::new();
    let mut eap_rows = 0;
    for (i, a) in repr.attributes.iter().enumerate() {
        if a.kind == attr::EAP_MESSAGE {
            if eap_rows == 0 {
                parts.next().expect("an EAP part");
                eap_rows = repr.attributes[i..]
                    .iter()
                    .take_while(|x| x.kind == attr::EAP_MESSAGE)
                    .count();
            }
            eap_rows -= 1;
            out.push(Shown {
                name: "EAP-Message".into(),
                number: attr::EAP_MESSAGE,
                len: a.wire_len(),
                ..Shown::default()
            });
            continue;
        }
        let part = parts.next().expect("a part per attribute");
        let vendor_id = part.get("vendor").map(|v| v.parse::<u32>().unwrap());
        out.push(Shown {
            name: part.kind.clone(),
            number: number_of(&part.kind, None),
            len: a.wire_len(),
            vendor: vendor_id,
            value: part.get("value").map(|v| in_tshark_form(&part.kind, v)),
            ..Shown::default()
        });
        let Some(vendor_id) = vendor_id else { continue };
        let Some(subs) = a.vendor_specific().ok().and_then(|v| v.subs) else {
            continue;
        };
        for (sub, s) in part.children.iter().zip(&subs) {
            out.push(Shown {
                name: sub.kind.clone(),
                number: number_of(&sub.kind, Some(vendor_id)),
                len: 2 + usize::from(s.continuation.is_some()) + s.value.len(),
                continuation: s
                    .continuation
                    .map(|_| sub.get("continuation").unwrap_or("0x00").to_owned()),
                in_vendor: Some(vendor_id),
                value: sub.get("value").map(|v| in_tshark_form(&sub.kind, v)),
                ..Shown::default()
            });
        }
    }
    out
}

impl Tally {
    /// Compares two rows of the same place, field by field; the value only where ours has
    /// one (a volatile or joined value has none). Counts under `RADIUS <field>`.
    pub fn cmp_radius(&mut self, at: &str, ours: &Shown, theirs: &Shown) {
        let mut one =
            |what: &'static str, same: bool, o: &dyn std::fmt::Debug, t: &dyn std::fmt::Debug| {
                if same {
                    *self.agree.entry(what).or_default() += 1;
                } else {
                    self.disagree.push(format!(
                        "{at} {}: {what}: ours {o:?}, tshark {t:?}",
                        ours.name
                    ));
                }
            };
        one(
            "RADIUS name",
            ours.name == theirs.name,
            &ours.name,
            &theirs.name,
        );
        one(
            "RADIUS type",
            ours.number == theirs.number,
            &ours.number,
            &theirs.number,
        );
        one(
            "RADIUS length",
            ours.len == theirs.len,
            &ours.len,
            &theirs.len,
        );
        one(
            "RADIUS vendor",
            ours.vendor == theirs.vendor,
            &ours.vendor,
            &theirs.vendor,
        );
        one(
            "RADIUS continuation",
            ours.continuation == theirs.continuation,
            &ours.continuation,
            &theirs.continuation,
        );
        // tshark cannot show a hidden value (User-Password) without the shared secret.
        if ours.value.is_some() && theirs.value.as_deref() != Some("Encrypted") {
            one(
                "RADIUS value",
                ours.value.as_deref().map(enum_number) == theirs.value.as_deref().map(enum_number)
                    // A time (Event-Timestamp): ours in seconds, tshark's as a date.
                    || ours.value.as_deref().and_then(|v| v.parse().ok()).map(super::tshark_time_text)
                        == theirs.value,
                &ours.value,
                &theirs.value,
            );
        }
    }

    /// Compares two attribute lists row by row; a different count is one disagreement.
    pub fn cmp_radius_rows(&mut self, at: &str, ours: &[Shown], theirs: &[Shown]) {
        if ours.len() != theirs.len() {
            self.disagree.push(format!(
                "{at}: {} attribute row(s) ours, {} tshark's\nours {ours:#?}\ntshark {theirs:#?}",
                ours.len(),
                theirs.len()
            ));
            return;
        }
        for (o, t) in ours.iter().zip(theirs) {
            self.cmp_radius(at, o, t);
        }
    }
}
