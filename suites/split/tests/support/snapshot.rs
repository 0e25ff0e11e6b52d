//! Recorded reference runs, read back from the text transcripts of the lab snapshots
//! (`tests/snapshots/lab__<TP>.snap`), so that HA judges can be tried offline on what the
//! reference put on the wire, as recorded and edited. The text form drops what varies from
//! run to run (SPIs, sequence numbers, DNS IDs and TTLs show as `*` or not at all): tests
//! that need them set them on the parsed entries.

use mip6lab_capture::transcript::{Decoded, Field};
use mip6lab_capture::{DnsMessage, DnsRecord, Entry, Part, Transcript};
use mip6lab_suite::Observation;
use std::net::IpAddr;
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The addresses of the roles in `topology` (transcripts name roles, judges also addresses);
/// hosts without a role are shown by address.
fn address(topology: &str, role: &str) -> IpAddr {
    if let Ok(a) = role.parse() {
        return a;
    }
    let t = mip6lab_lab::Topology::load(
        &root().join(format!("../../fixtures/topologies/{topology}.toml")),
    )
    .unwrap();
    t.endpoints().address_of(role).unwrap_or_else(|| {
        panic!("role {role} not in {topology}");
    })
}

/// The transcript lines recorded for test purpose `tp`, to be edited and then read with
/// [`observe`].
pub fn lines(tp: &str) -> Vec<String> {
    let p = root().join(format!("tests/snapshots/lab__{tp}.snap"));
    let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    // After the insta header (two `---` lines) come the transcript lines.
    let body = text.splitn(3, "---\n").nth(2).unwrap_or_default();
    body.lines()
        .filter(|l| l.contains(" -> "))
        .map(str::to_owned)
        .collect()
}

/// The observation of transcript `lines` on `topology`, frames numbered from 1.
pub fn observe(topology: &str, lines: &[String]) -> Observation {
    let entries = lines
        .iter()
        .enumerate()
        .map(|(i, l)| entry(topology, i as u64 + 1, l))
        .collect();
    Observation {
        transcript: Transcript {
            entries,
            ..Transcript::default()
        },
        pcap: "recorded.pcap".into(),
        iut_event: None,
        iut_exit: None,
        ..Observation::default()
    }
}

/// One line `SRC -> DST  PROTOCOL …`.
pub fn entry(topology: &str, frame: u64, line: &str) -> Entry {
    let (src, rest) = line.split_once(" -> ").unwrap();
    let (dst, what) = rest.split_once("  ").unwrap();
    let decoded = match what.strip_prefix("DNS ") {
        Some(d) => Decoded::Dns(dns(d)),
        None => {
            let (protocol, body) = what.split_once(' ').unwrap_or((what, ""));
            Decoded::Message(message(protocol, &format!("{protocol} {body}"), true))
        }
    };
    Entry {
        frame,
        src: src.trim().into(),
        dst: dst.trim().into(),
        src_addr: address(topology, src.trim()),
        dst_addr: address(topology, dst.trim()),
        decoded,
    }
}

/// Splits at spaces outside braces and quotes; a `{…}` group is one token.
fn tokens(s: &str) -> Vec<String> {
    let (mut out, mut cur, mut depth, mut quoted) = (Vec::new(), String::new(), 0, false);
    for c in s.chars() {
        match c {
            '"' => quoted = !quoted,
            '{' if !quoted => depth += 1,
            '}' if !quoted => depth -= 1,
            ' ' if depth == 0 && !quoted => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// `KIND f=v … {CHILD}`: the kind is the words before the first field; a word without `=`
/// after a field continues its value (`status_name=Binding Update accepted`). At the top
/// level `PROTOCOL KIND …` (ESP, whose kind is its protocol, is named once).
fn message(protocol: &str, s: &str, top: bool) -> Part {
    let mut toks = tokens(s).into_iter().peekable();
    if top {
        toks.next();
    }
    let mut kind = Vec::new();
    while let Some(t) = toks.peek() {
        if t.contains('=') || t.starts_with('{') {
            break;
        }
        kind.push(toks.next().unwrap());
    }
    let mut m = Part::new(
        protocol,
        if kind.is_empty() {
            protocol.to_owned()
        } else {
            kind.join(" ")
        },
    );
    for t in toks {
        if let Some(inner) = t.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
            m.children.push(message(protocol, inner, false));
        } else if let Some((name, value)) = t.split_once('=') {
            m.fields.push(Field {
                name: name.into(),
                value: value.into(),
                volatile: value == "*",
            });
        } else if let Some(f) = m.fields.last_mut() {
            f.value.push(' ');
            f.value.push_str(&t);
        }
    }
    m
}

/// RCODE texts as hickory prints them, longest first (some contain spaces).
const RCODES: &[&str] = &[
    "RR Set should not exist",
    "RR Set does not exist",
    "Name should not exist",
    "Non-Existent Domain",
    "Name not in zone",
    "Not authorized",
    "Server Failure",
    "Not Implemented",
    "Query Refused",
    "Form Error",
    "No Error",
];

/// `query|response [OPCODE] [RCODE] QTYPE QNAME [an[…]] [ns[…]] [ad[…]] [tsig [error E]]`.
fn dns(s: &str) -> DnsMessage {
    let (kind, mut rest) = s.split_once(' ').unwrap();
    let response = kind == "response";
    let mut opcode = "QUERY".to_owned();
    if let Some(r) = rest.strip_prefix("UPDATE ") {
        opcode = "UPDATE".into();
        rest = r;
    }
    let mut rcode = "No Error".to_owned();
    if response {
        if let Some(rc) = RCODES.iter().find(|rc| rest.starts_with(&format!("{rc} "))) {
            rcode = (*rc).into();
            rest = &rest[rc.len() + 1..];
        }
    }
    let (mut tsig, mut tsig_error) = (false, String::new());
    if let Some(i) = rest.find(" tsig") {
        tsig = true;
        tsig_error = rest[i + 5..]
            .trim()
            .strip_prefix("error ")
            .unwrap_or_default()
            .into();
        rest = &rest[..i];
    }
    let section = |label: &str| -> Vec<DnsRecord> {
        let Some(i) = rest.find(&format!(" {label}[")) else {
            return Vec::new();
        };
        let body = &rest[i + label.len() + 2..];
        let body = &body[..body.find(']').unwrap()];
        body.split("; ").map(record).collect()
    };
    let head: Vec<&str> = rest
        .split(" an[")
        .next()
        .unwrap()
        .split(" ns[")
        .next()
        .unwrap()
        .split(" ad[")
        .next()
        .unwrap()
        .split(' ')
        .collect();
    DnsMessage {
        id: 0,
        response,
        opcode,
        rcode,
        qtype: head.first().copied().unwrap_or_default().into(),
        qname: head.get(1).copied().unwrap_or_default().into(),
        answers: section("an"),
        authorities: section("ns"),
        additionals: section("ad"),
        tsig,
        tsig_error,
    }
}

/// `[CLASS] TYPE NAME DATA`: class ANY / NONE shown, IN not. Text recorded before classes
/// were shown has none: the record gets no class and the TTL an UPDATE deletion has (0) when
/// its data is `UPDATE`.
fn record(s: &str) -> DnsRecord {
    let mut w: Vec<&str> = s.splitn(4, ' ').collect();
    let class = match w[0] {
        "ANY" | "NONE" if w.len() == 4 => w.remove(0).to_owned(),
        _ => {
            w = s.splitn(3, ' ').collect();
            String::new()
        }
    };
    let data = w.get(2).copied().unwrap_or_default();
    DnsRecord {
        rtype: w[0].into(),
        name: w[1].into(),
        ttl: if class.is_empty() && data != "UPDATE" {
            300
        } else {
            0
        },
        class: if class.is_empty() && data != "UPDATE" {
            "IN".into()
        } else {
            class
        },
        data: data.into(),
    }
}
