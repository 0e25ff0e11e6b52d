//! DNS dynamic update of the MN's records by the HA (RFC 5026 §6, §9.5): RFC 2136 UPDATE
//! messages signed with TSIG (RFC 8945, HMAC-SHA256), and the checks on the server's answer.
//!
//! Sans-IO: [`Update`] describes what to change, [`Update::sign`] turns it into the exact
//! datagram (the caller supplies the message ID and the clock), [`check_response`] judges an
//! answer, and [`UpdateTransaction`] bounds retransmission of the same datagram on the caller's
//! timer. hickory-proto encodes the message body; the TSIG record and its MAC are built here
//! over the exact wire bytes (RFC 8945 §4.3), so what is signed is what is sent.
//! The tokio driver `mip6lab_engines_io::ddns::send_update` does the I/O.
//!
//! Mapping an [`UpdateOutcome`] to the RFC 5026 DNS Update mobility option status is the
//! binding engine's business, not this module's.

use crate::io::{Datagram, SansIo, Transmit};
use hickory_proto::op::{Message, MessageType, OpCode, Query, UpdateMessage};
use hickory_proto::rr::rdata::{AAAA, PTR};
use hickory_proto::rr::{DNSClass, Name, RData, Record, RecordType};
use hickory_proto::serialize::binary::BinEncodable;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::collections::VecDeque;
use std::fmt;
use std::net::{Ipv6Addr, SocketAddr};
use std::time::Duration;

/// TSIG RR type (RFC 8945 §4.1).
pub const TYPE_TSIG: u16 = 250;
/// CLASS ANY, the class of the TSIG RR.
const CLASS_ANY: u16 = 255;
/// Fudge the HA puts in its TSIG (RFC 8945 §10 recommends 300 s).
pub const DEFAULT_FUDGE: u16 = 300;
/// The only algorithm supported: `hmac-sha256.` (RFC 8945 §6, mandatory to implement).
pub const HMAC_SHA256: &str = "hmac-sha256.";

/// DNS RCODEs an UPDATE answer can carry (RFC 1035, RFC 2136 §2.2).
pub mod rcode {
    pub const NOERROR: u16 = 0;
    pub const FORMERR: u16 = 1;
    pub const SERVFAIL: u16 = 2;
    pub const NXDOMAIN: u16 = 3;
    pub const NOTIMP: u16 = 4;
    pub const REFUSED: u16 = 5;
    pub const YXDOMAIN: u16 = 6;
    pub const YXRRSET: u16 = 7;
    pub const NXRRSET: u16 = 8;
    pub const NOTAUTH: u16 = 9;
    pub const NOTZONE: u16 = 10;
}

/// TSIG error field values (RFC 8945 §3).
pub mod tsig_error {
    pub const BADSIG: u16 = 16;
    pub const BADKEY: u16 = 17;
    pub const BADTIME: u16 = 18;
    pub const BADTRUNC: u16 = 22;
}

/// Errors building or signing an UPDATE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DdnsError {
    /// A name that is not a valid domain name.
    Name(String),
    /// The TSIG secret is not valid base64.
    Secret(String),
    /// hickory could not encode the message.
    Encode(String),
}

impl fmt::Display for DdnsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DdnsError::Name(e) => write!(f, "bad domain name: {e}"),
            DdnsError::Secret(e) => write!(f, "bad TSIG secret: {e}"),
            DdnsError::Encode(e) => write!(f, "cannot encode the UPDATE: {e}"),
        }
    }
}

impl std::error::Error for DdnsError {}

/// A TSIG key: its name (as the server knows it) and its HMAC-SHA256 secret.
#[derive(Clone, PartialEq, Eq)]
pub struct TsigKey {
    /// Key name, e.g. `ha-update.`.
    pub name: String,
    pub secret: Vec<u8>,
}

impl fmt::Debug for TsigKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The secret stays out of logs.
        f.debug_struct("TsigKey")
            .field("name", &self.name)
            .field("algorithm", &HMAC_SHA256)
            .finish_non_exhaustive()
    }
}

impl TsigKey {
    pub fn hmac_sha256(name: &str, secret: &[u8]) -> TsigKey {
        TsigKey {
            name: name.into(),
            secret: secret.to_vec(),
        }
    }

    /// The key as BIND's `key { secret "..."; }` or `nsupdate -y` writes it: base64.
    pub fn from_base64(name: &str, secret: &str) -> Result<TsigKey, DdnsError> {
        let secret = data_encoding::BASE64
            .decode(secret.trim().as_bytes())
            .map_err(|e| DdnsError::Secret(e.to_string()))?;
        Ok(TsigKey::hmac_sha256(name, &secret))
    }

    fn name_wire(&self) -> Result<Vec<u8>, DdnsError> {
        canonical_wire(&self.name)
    }
}

/// RDATA of the records the HA manages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordData {
    Aaaa(Ipv6Addr),
    /// Target name of a PTR.
    Ptr(String),
}

impl RecordData {
    fn rdata(&self) -> Result<RData, DdnsError> {
        Ok(match self {
            RecordData::Aaaa(a) => RData::AAAA(AAAA::from(*a)),
            RecordData::Ptr(n) => RData::PTR(PTR(name(n)?)),
        })
    }
}

/// RFC 2136 §2.4 prerequisites (Prerequisite section, in order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prerequisite {
    /// §2.4.1 RRset exists (value independent): CLASS ANY, RDLENGTH 0.
    RrsetExists { name: String, rtype: RecordType },
    /// §2.4.2 RRset exists (value dependent): CLASS IN, the full RR.
    RrExists { name: String, data: RecordData },
    /// §2.4.3 RRset does not exist: CLASS NONE, RDLENGTH 0.
    RrsetDoesNotExist { name: String, rtype: RecordType },
    /// §2.4.4 Name is in use: CLASS ANY, TYPE ANY.
    NameInUse(String),
    /// §2.4.5 Name is not in use: CLASS NONE, TYPE ANY.
    NameNotInUse(String),
}

/// RFC 2136 §2.5 updates (Update section, in order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// §2.5.1 Add to an RRset.
    Add {
        name: String,
        ttl: u32,
        data: RecordData,
    },
    /// §2.5.2 Delete an RRset: CLASS ANY, TTL 0, RDLENGTH 0.
    DeleteRrset { name: String, rtype: RecordType },
    /// §2.5.3 Delete all RRsets from a name: CLASS ANY, TYPE ANY.
    DeleteName(String),
    /// §2.5.4 Delete one RR from an RRset: CLASS NONE, TTL 0.
    DeleteRr { name: String, data: RecordData },
}

/// One UPDATE for one zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Update {
    /// The zone (Zone section ZNAME, ZTYPE SOA, ZCLASS IN).
    pub zone: String,
    pub prerequisites: Vec<Prerequisite>,
    pub changes: Vec<Change>,
}

pub use mip6lab_wire::addr::reverse_name;

impl Update {
    pub fn new(zone: &str) -> Update {
        Update {
            zone: zone.into(),
            prerequisites: Vec::new(),
            changes: Vec::new(),
        }
    }

    pub fn prerequisite(mut self, p: Prerequisite) -> Update {
        self.prerequisites.push(p);
        self
    }

    pub fn change(mut self, c: Change) -> Update {
        self.changes.push(c);
        self
    }

    /// Registration in the forward zone: add `fqdn AAAA hoa` with `ttl`.
    pub fn add_aaaa(zone: &str, fqdn: &str, hoa: Ipv6Addr, ttl: u32) -> Update {
        Update::new(zone).change(Change::Add {
            name: fqdn.into(),
            ttl,
            data: RecordData::Aaaa(hoa),
        })
    }

    /// Registration in the reverse zone: add `<hoa>.ip6.arpa PTR fqdn` with `ttl`.
    pub fn add_ptr(reverse_zone: &str, hoa: Ipv6Addr, fqdn: &str, ttl: u32) -> Update {
        Update::new(reverse_zone).change(Change::Add {
            name: reverse_name(hoa),
            ttl,
            data: RecordData::Ptr(fqdn.into()),
        })
    }

    /// Deregistration in the forward zone: delete the AAAA RRset of `fqdn`.
    pub fn delete_aaaa(zone: &str, fqdn: &str) -> Update {
        Update::new(zone).change(Change::DeleteRrset {
            name: fqdn.into(),
            rtype: RecordType::AAAA,
        })
    }

    /// Deregistration in the reverse zone: delete the PTR RRset of `hoa`.
    pub fn delete_ptr(reverse_zone: &str, hoa: Ipv6Addr) -> Update {
        Update::new(reverse_zone).change(Change::DeleteRrset {
            name: reverse_name(hoa),
            rtype: RecordType::PTR,
        })
    }

    /// The UPDATE as hickory's message (no TSIG yet).
    pub fn to_message(&self, id: u16) -> Result<Message, DdnsError> {
        let mut m = Message::new(id, MessageType::Query, OpCode::Update);
        m.metadata.recursion_desired = false;
        let mut zone = Query::new();
        zone.set_name(name(&self.zone)?)
            .set_query_type(RecordType::SOA)
            .set_query_class(DNSClass::IN);
        m.add_zone(zone);
        for p in &self.prerequisites {
            let r = match p {
                Prerequisite::RrsetExists { name: n, rtype } => empty_rr(n, *rtype, DNSClass::ANY)?,
                Prerequisite::RrExists { name: n, data } => {
                    Record::from_rdata(name(n)?, 0, data.rdata()?)
                }
                Prerequisite::RrsetDoesNotExist { name: n, rtype } => {
                    empty_rr(n, *rtype, DNSClass::NONE)?
                }
                Prerequisite::NameInUse(n) => empty_rr(n, RecordType::ANY, DNSClass::ANY)?,
                Prerequisite::NameNotInUse(n) => empty_rr(n, RecordType::ANY, DNSClass::NONE)?,
            };
            m.add_pre_requisite(r);
        }
        for c in &self.changes {
            let r = match c {
                Change::Add { name: n, ttl, data } => {
                    Record::from_rdata(name(n)?, *ttl, data.rdata()?)
                }
                Change::DeleteRrset { name: n, rtype } => empty_rr(n, *rtype, DNSClass::ANY)?,
                Change::DeleteName(n) => empty_rr(n, RecordType::ANY, DNSClass::ANY)?,
                Change::DeleteRr { name: n, data } => {
                    let mut r = Record::from_rdata(name(n)?, 0, data.rdata()?);
                    r.dns_class = DNSClass::NONE;
                    r
                }
            };
            m.add_update(r);
        }
        Ok(m)
    }

    /// The unsigned wire form with message ID `id`.
    pub fn encode(&self, id: u16) -> Result<Vec<u8>, DdnsError> {
        self.to_message(id)?
            .to_vec()
            .map_err(|e| DdnsError::Encode(e.to_string()))
    }

    /// The wire form signed with `key` (RFC 8945 §5.1): time signed `now_unix`, fudge
    /// [`DEFAULT_FUDGE`], original ID = `id`.
    pub fn sign(&self, id: u16, key: &TsigKey, now_unix: u64) -> Result<SignedUpdate, DdnsError> {
        sign_message(&self.encode(id)?, key, now_unix, DEFAULT_FUDGE)
    }
}

fn name(s: &str) -> Result<Name, DdnsError> {
    let mut n = Name::from_ascii(s).map_err(|e| DdnsError::Name(format!("{s}: {e}")))?;
    n.set_fqdn(true);
    Ok(n)
}

/// A name in canonical wire form (RFC 4034 §6.2: uncompressed, lowercase).
fn canonical_wire(s: &str) -> Result<Vec<u8>, DdnsError> {
    name(s)?
        .to_lowercase()
        .to_bytes()
        .map_err(|e| DdnsError::Encode(e.to_string()))
}

/// An RR with no RDATA (RDLENGTH 0), TTL 0: RFC 2136 prerequisites and deletions.
fn empty_rr(n: &str, rtype: RecordType, class: DNSClass) -> Result<Record, DdnsError> {
    let mut r = Record::update0(name(n)?, 0, rtype);
    r.dns_class = class;
    Ok(r)
}

/// A signed request as sent, and what checking its answer needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedUpdate {
    /// The datagram: the UPDATE with its TSIG RR last in the additional section.
    pub wire: Vec<u8>,
    pub id: u16,
    /// The request MAC, which the response's MAC covers (RFC 8945 §4.3.1).
    pub mac: Vec<u8>,
    pub time_signed: u64,
    pub key: TsigKey,
}

/// RFC 8945 §4.3.3 TSIG variables in wire form.
fn tsig_variables(
    key_name: &[u8],
    algorithm: &[u8],
    time: u64,
    fudge: u16,
    error: u16,
    other: &[u8],
) -> Vec<u8> {
    let mut v = Vec::with_capacity(key_name.len() + algorithm.len() + 20 + other.len());
    v.extend_from_slice(key_name);
    v.extend_from_slice(&CLASS_ANY.to_be_bytes());
    v.extend_from_slice(&0u32.to_be_bytes()); // TTL
    v.extend_from_slice(algorithm);
    v.extend_from_slice(&time.to_be_bytes()[2..]); // 48 bits
    v.extend_from_slice(&fudge.to_be_bytes());
    v.extend_from_slice(&error.to_be_bytes());
    v.extend_from_slice(&(other.len() as u16).to_be_bytes());
    v.extend_from_slice(other);
    v
}

/// HMAC-SHA256 over the digest components of RFC 8945 §4.3: the request MAC (responses
/// only: its 2-octet length then the MAC), the DNS message as it was before the TSIG RR was
/// added (ID = original ID, ARCOUNT without the TSIG), and the TSIG variables.
pub fn compute_mac(
    secret: &[u8],
    request_mac: Option<&[u8]>,
    message: &[u8],
    variables: &[u8],
) -> Vec<u8> {
    let mut h = <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("HMAC takes any key size");
    if let Some(rm) = request_mac {
        h.update(&(rm.len() as u16).to_be_bytes());
        h.update(rm);
    }
    h.update(message);
    h.update(variables);
    h.finalize().into_bytes().to_vec()
}

/// Signs an encoded DNS message (no TSIG yet): appends the TSIG RR and counts it in ARCOUNT.
pub fn sign_message(
    unsigned: &[u8],
    key: &TsigKey,
    now_unix: u64,
    fudge: u16,
) -> Result<SignedUpdate, DdnsError> {
    let (wire, mac) = append_tsig(unsigned, key, None, now_unix, fudge, 0)?;
    Ok(SignedUpdate {
        id: u16::from_be_bytes([wire[0], wire[1]]),
        wire,
        mac,
        time_signed: now_unix,
        key: key.clone(),
    })
}

/// Appends a TSIG RR to `unsigned` (original ID = its ID), its MAC covering `request_mac`
/// when signing a response; returns the message and the MAC.
pub fn append_tsig(
    unsigned: &[u8],
    key: &TsigKey,
    request_mac: Option<&[u8]>,
    now_unix: u64,
    fudge: u16,
    error: u16,
) -> Result<(Vec<u8>, Vec<u8>), DdnsError> {
    if unsigned.len() < 12 {
        return Err(DdnsError::Encode("message shorter than a header".into()));
    }
    let key_name = key.name_wire()?;
    let alg = canonical_wire(HMAC_SHA256)?;
    let id = u16::from_be_bytes([unsigned[0], unsigned[1]]);
    let vars = tsig_variables(&key_name, &alg, now_unix, fudge, error, &[]);
    let mac = compute_mac(&key.secret, request_mac, unsigned, &vars);

    let mut wire = unsigned.to_vec();
    let ar = u16::from_be_bytes([wire[10], wire[11]]) + 1;
    wire[10..12].copy_from_slice(&ar.to_be_bytes());
    let mut rdata = Vec::with_capacity(alg.len() + 16 + mac.len());
    rdata.extend_from_slice(&alg);
    rdata.extend_from_slice(&now_unix.to_be_bytes()[2..]);
    rdata.extend_from_slice(&fudge.to_be_bytes());
    rdata.extend_from_slice(&(mac.len() as u16).to_be_bytes());
    rdata.extend_from_slice(&mac);
    rdata.extend_from_slice(&id.to_be_bytes()); // original ID
    rdata.extend_from_slice(&error.to_be_bytes());
    rdata.extend_from_slice(&0u16.to_be_bytes()); // other len
    wire.extend_from_slice(&key_name);
    wire.extend_from_slice(&TYPE_TSIG.to_be_bytes());
    wire.extend_from_slice(&CLASS_ANY.to_be_bytes());
    wire.extend_from_slice(&0u32.to_be_bytes());
    wire.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
    wire.extend_from_slice(&rdata);
    Ok((wire, mac))
}

/// The TSIG RR of a received message, as found on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TsigRecord {
    /// Key name, canonical wire form.
    pub key_name: Vec<u8>,
    /// Algorithm name, canonical wire form.
    pub algorithm: Vec<u8>,
    pub time_signed: u64,
    pub fudge: u16,
    pub mac: Vec<u8>,
    pub original_id: u16,
    pub error: u16,
    pub other: Vec<u8>,
    /// Offset of the TSIG RR in the message: the bytes before it are what was signed.
    pub offset: usize,
}

impl TsigRecord {
    /// The message the MAC covers (RFC 8945 §4.3.2): the bytes before the TSIG RR, with
    /// ARCOUNT one less and the ID set back to the original ID.
    fn signed_message(&self, msg: &[u8]) -> Vec<u8> {
        let mut m = msg[..self.offset].to_vec();
        m[..2].copy_from_slice(&self.original_id.to_be_bytes());
        let ar = u16::from_be_bytes([m[10], m[11]]).wrapping_sub(1);
        m[10..12].copy_from_slice(&ar.to_be_bytes());
        m
    }

    fn variables(&self) -> Vec<u8> {
        tsig_variables(
            &self.key_name,
            &self.algorithm,
            self.time_signed,
            self.fudge,
            self.error,
            &self.other,
        )
    }
}

/// Walks a DNS message's sections and returns its TSIG RR if the last additional record is
/// one; `Ok(None)` if it has none; `Err` if the message is malformed or the TSIG misplaced.
pub fn find_tsig(msg: &[u8]) -> Result<Option<TsigRecord>, String> {
    if msg.len() < 12 {
        return Err("shorter than a DNS header".into());
    }
    let count = |i: usize| usize::from(u16::from_be_bytes([msg[i], msg[i + 1]]));
    let (qd, an, ns, ar) = (count(4), count(6), count(8), count(10));
    let mut pos = 12;
    for _ in 0..qd {
        pos = skip_name(msg, pos)? + 4;
    }
    let mut last = None;
    for i in 0..an + ns + ar {
        let start = pos;
        let after_name = skip_name(msg, pos)?;
        let fixed = msg
            .get(after_name..after_name + 10)
            .ok_or("RR header truncated")?;
        let rtype = u16::from_be_bytes([fixed[0], fixed[1]]);
        let rdlen = usize::from(u16::from_be_bytes([fixed[8], fixed[9]]));
        pos = after_name + 10 + rdlen;
        if pos > msg.len() {
            return Err("RDATA truncated".into());
        }
        if rtype == TYPE_TSIG {
            if i != an + ns + ar - 1 {
                return Err("TSIG is not the last record (RFC 8945 §5.1)".into());
            }
            last = Some((start, after_name));
        }
    }
    if pos != msg.len() {
        return Err(format!("{} octets after the last record", msg.len() - pos));
    }
    let Some((start, after_name)) = last else {
        return Ok(None);
    };
    let (key_name, _) = read_name_canonical(msg, start)?;
    let class = u16::from_be_bytes([msg[after_name + 2], msg[after_name + 3]]);
    if class != CLASS_ANY {
        return Err(format!("TSIG CLASS {class}, not ANY"));
    }
    // The MAC covers TTL 0, not the TTL sent (RFC 8945 §4.3.3), so any other is refused.
    if msg[after_name + 4..after_name + 8] != [0, 0, 0, 0] {
        return Err("TSIG TTL is not 0".into());
    }
    let rd = after_name + 10;
    let (algorithm, mut p) = read_name_canonical(msg, rd)?;
    let get = |p: usize, n: usize| msg.get(p..p + n).ok_or("TSIG RDATA truncated");
    let t = get(p, 6)?;
    let time_signed = t.iter().fold(0u64, |a, b| (a << 8) | u64::from(*b));
    p += 6;
    let u16_at = |p: usize| get(p, 2).map(|b| u16::from_be_bytes([b[0], b[1]]));
    let fudge = u16_at(p)?;
    let mac_len = usize::from(u16_at(p + 2)?);
    let mac = get(p + 4, mac_len)?.to_vec();
    p += 4 + mac_len;
    let original_id = u16_at(p)?;
    let error = u16_at(p + 2)?;
    let other_len = usize::from(u16_at(p + 4)?);
    let other = get(p + 6, other_len)?.to_vec();
    p += 6 + other_len;
    if p != msg.len() {
        return Err("TSIG RDLENGTH does not match its fields".into());
    }
    Ok(Some(TsigRecord {
        key_name,
        algorithm,
        time_signed,
        fudge,
        mac,
        original_id,
        error,
        other,
        offset: start,
    }))
}

fn skip_name(msg: &[u8], mut pos: usize) -> Result<usize, String> {
    loop {
        let len = *msg.get(pos).ok_or("name truncated")?;
        match len {
            0 => return Ok(pos + 1),
            l if l & 0xc0 == 0xc0 => return Ok(pos + 2),
            l if l & 0xc0 != 0 => return Err(format!("label type {l:#x}")),
            l => pos += 1 + usize::from(l),
        }
    }
}

/// Reads a (possibly compressed) name at `pos`; returns it uncompressed and lowercased, and
/// the position after it.
fn read_name_canonical(msg: &[u8], pos: usize) -> Result<(Vec<u8>, usize), String> {
    let mut out = Vec::new();
    let mut p = pos;
    let mut end = None;
    for _ in 0..128 {
        let len = *msg.get(p).ok_or("name truncated")?;
        if len == 0 {
            out.push(0);
            return Ok((out, end.unwrap_or(p + 1)));
        }
        if len & 0xc0 == 0xc0 {
            let lo = *msg.get(p + 1).ok_or("pointer truncated")?;
            end.get_or_insert(p + 2);
            p = usize::from(u16::from_be_bytes([len & 0x3f, lo]));
            continue;
        }
        let label = msg
            .get(p + 1..p + 1 + usize::from(len))
            .ok_or("label truncated")?;
        out.push(len);
        out.extend(label.iter().map(u8::to_ascii_lowercase));
        p += 1 + usize::from(len);
    }
    Err("name pointer loop".into())
}

/// Why a signed message did not verify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TsigFailure {
    Missing,
    Malformed(String),
    /// Key name or algorithm other than the key's (BADKEY).
    WrongKey,
    /// MAC absent (an unsigned error answer, RFC 8945 §5.3.2) or wrong (BADSIG).
    BadSig,
    /// Time signed outside `now ± fudge` (BADTIME).
    BadTime {
        time_signed: u64,
        now: u64,
    },
}

/// Verifies the TSIG of `msg` with `key`: the request MAC is `None` for a request and the
/// request's MAC for its response (RFC 8945 §4.3.1). `now_unix` checks the time (§5.2.3).
pub fn verify_message(
    msg: &[u8],
    key: &TsigKey,
    request_mac: Option<&[u8]>,
    now_unix: u64,
) -> Result<TsigRecord, TsigFailure> {
    let t = find_tsig(msg)
        .map_err(TsigFailure::Malformed)?
        .ok_or(TsigFailure::Missing)?;
    let key_name = key
        .name_wire()
        .map_err(|e| TsigFailure::Malformed(e.to_string()))?;
    let alg = canonical_wire(HMAC_SHA256).expect("a valid name");
    if t.key_name != key_name || t.algorithm != alg {
        return Err(TsigFailure::WrongKey);
    }
    if t.mac.is_empty() {
        return Err(TsigFailure::BadSig);
    }
    let want = compute_mac(
        &key.secret,
        request_mac,
        &t.signed_message(msg),
        &t.variables(),
    );
    // RFC 8945 §5.2.2.1: a truncated MAC is at least half the output and 10 octets.
    let ok_len = t.mac.len() == want.len() || (t.mac.len() >= 16 && t.mac.len() < want.len());
    if !ok_len || !constant_time_eq(&want[..t.mac.len().min(want.len())], &t.mac) {
        return Err(TsigFailure::BadSig);
    }
    if now_unix.abs_diff(t.time_signed) > u64::from(t.fudge) {
        return Err(TsigFailure::BadTime {
            time_signed: t.time_signed,
            now: now_unix,
        });
    }
    Ok(t)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// What the server said to an UPDATE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpdateOutcome {
    /// NOERROR, with a response TSIG that verifies: the zone changed.
    Ok,
    /// REFUSED (policy: e.g. `allow-update` does not cover the key or the name).
    Refused,
    /// NOTAUTH: a TSIG failure (wrong key or secret, time; the TSIG error says which, see
    /// [`response_tsig_error`]) or a server not authoritative for the zone.
    NotAuth,
    /// SERVFAIL.
    ServFail,
    /// Any other RCODE (FORMERR, NXDOMAIN/YXDOMAIN/NXRRSET/YXRRSET from prerequisites,
    /// NOTZONE, …), signed and verified.
    Other(u16),
    /// No acceptable answer: unsigned, bad MAC, wrong ID, not a response, malformed. A
    /// transaction discards these and keeps waiting (RFC 8945 §5.4); if nothing better
    /// arrives this is its outcome, with the last reason.
    BadResponse(String),
    /// No answer at all after the last retransmission.
    TimedOut,
}

/// The TSIG error field of a response (e.g. [`tsig_error::BADSIG`]), if it carries a TSIG.
pub fn response_tsig_error(response: &[u8]) -> Option<u16> {
    find_tsig(response).ok().flatten().map(|t| t.error)
}

/// Judges `response` to `request` (RFC 2136 §3.8, RFC 8945 §5.4) at `now_unix`.
pub fn check_response(request: &SignedUpdate, response: &[u8], now_unix: u64) -> UpdateOutcome {
    let bad = |s: &str| UpdateOutcome::BadResponse(s.into());
    if response.len() < 12 {
        return bad("shorter than a DNS header");
    }
    let id = u16::from_be_bytes([response[0], response[1]]);
    if id != request.id {
        return UpdateOutcome::BadResponse(format!(
            "ID {id:#06x}, the request's is {:#06x}",
            request.id
        ));
    }
    let flags = u16::from_be_bytes([response[2], response[3]]);
    if flags & 0x8000 == 0 {
        return bad("QR = 0: not a response");
    }
    if (flags >> 11) & 0xf != 5 {
        return bad("OPCODE is not UPDATE");
    }
    // Extended RCODEs need OPT; UPDATE answers here carry none.
    let rc = flags & 0xf;
    match verify_message(response, &request.key, Some(&request.mac), now_unix) {
        Ok(_) => {}
        // RFC 8945 §5.4: an unverifiable answer is discarded unless its RCODE is NOTAUTH,
        // which is how a server reports a TSIG error (§5.3.2: unsigned).
        Err(_) if rc == rcode::NOTAUTH => return UpdateOutcome::NotAuth,
        Err(TsigFailure::Missing) => return bad("no TSIG on the response"),
        Err(TsigFailure::Malformed(e)) => {
            return UpdateOutcome::BadResponse(format!("malformed: {e}"))
        }
        Err(TsigFailure::WrongKey) => return bad("response signed with another key"),
        Err(TsigFailure::BadSig) => return bad("response MAC does not verify"),
        Err(TsigFailure::BadTime { time_signed, now }) => {
            return UpdateOutcome::BadResponse(format!(
                "response time signed {time_signed} is outside now {now} ± fudge"
            ))
        }
    }
    match rc {
        rcode::NOERROR => UpdateOutcome::Ok,
        rcode::REFUSED => UpdateOutcome::Refused,
        rcode::NOTAUTH => UpdateOutcome::NotAuth,
        rcode::SERVFAIL => UpdateOutcome::ServFail,
        other => UpdateOutcome::Other(other),
    }
}

/// Retransmission of one UPDATE: the same datagram again after `timeout`, doubling, at most
/// `max_sends` times in all (RFC 2136 §7.1: the requestor retries; same ID, same MAC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retransmit {
    pub timeout: Duration,
    pub max_sends: u32,
}

impl Default for Retransmit {
    fn default() -> Self {
        Retransmit {
            timeout: Duration::from_secs(1),
            max_sends: 3,
        }
    }
}

/// One UPDATE exchange with `server`, in the [`SansIo`] vocabulary: the request (first and
/// again) as transmits, the server's answers as input, and one [`UpdateOutcome`] event.
/// `now` is milliseconds on any monotonic clock.
#[derive(Debug, Clone)]
pub struct UpdateTransaction {
    request: SignedUpdate,
    server: SocketAddr,
    policy: Retransmit,
    sends: u32,
    deadline_ms: Option<u64>,
    last_discard: Option<String>,
    done: Option<UpdateOutcome>,
    reported: bool,
    out: VecDeque<Transmit>,
    /// Unix seconds for the TSIG time check of answers.
    unix_time: u64,
}

impl UpdateTransaction {
    /// Starts the exchange: the first transmission is queued.
    pub fn start(
        request: SignedUpdate,
        server: SocketAddr,
        policy: Retransmit,
        now: u64,
    ) -> UpdateTransaction {
        let mut tx = UpdateTransaction {
            request,
            server,
            policy,
            sends: 0,
            deadline_ms: None,
            last_discard: None,
            done: None,
            reported: false,
            out: VecDeque::new(),
            unix_time: 0,
        };
        tx.transmit(now);
        tx
    }

    pub fn request(&self) -> &SignedUpdate {
        &self.request
    }

    /// The wall-clock time (Unix seconds) against which answers' TSIG time is checked;
    /// drivers set it before passing input.
    pub fn set_unix_time(&mut self, unix_secs: u64) {
        self.unix_time = unix_secs;
    }

    fn transmit(&mut self, now: u64) {
        let wait = self.policy.timeout * 2u32.saturating_pow(self.sends.min(16));
        self.sends += 1;
        self.deadline_ms = Some(now.saturating_add(wait.as_millis() as u64));
        self.out.push_back(Transmit {
            dst: self.server,
            payload: self.request.wire.clone(),
        });
    }

    /// Number of times the request was sent.
    pub fn sends(&self) -> u32 {
        self.sends
    }

    /// Answers discarded so far: the last one's reason.
    pub fn last_discard(&self) -> Option<&str> {
        self.last_discard.as_deref()
    }

    /// The outcome once known (it stays).
    pub fn outcome(&self) -> Option<&UpdateOutcome> {
        self.done.as_ref()
    }
}

impl SansIo for UpdateTransaction {
    /// A datagram; only the server's count.
    type Input<'a> = Datagram<'a>;
    type Event = UpdateOutcome;

    fn handle_input(&mut self, _now: u64, input: Datagram<'_>) {
        if self.done.is_some() || input.src != self.server {
            return;
        }
        match check_response(&self.request, input.payload, self.unix_time) {
            UpdateOutcome::BadResponse(r) => self.last_discard = Some(r),
            o => self.done = Some(o),
        }
    }

    /// Sends the request again, or gives up after `max_sends` (the last discarded answer's
    /// reason, else a timeout).
    fn handle_timeout(&mut self, now: u64) {
        if self.done.is_some() {
            return;
        }
        match self.deadline_ms {
            Some(d) if now < d => {}
            _ if self.sends < self.policy.max_sends.max(1) => self.transmit(now),
            _ => {
                self.done = Some(match self.last_discard.take() {
                    Some(r) => UpdateOutcome::BadResponse(r),
                    None => UpdateOutcome::TimedOut,
                });
            }
        }
    }

    fn poll_transmit(&mut self) -> Option<Transmit> {
        self.out.pop_front()
    }

    /// The outcome, once.
    fn poll_event(&mut self) -> Option<UpdateOutcome> {
        let o = self.done.clone()?;
        (!std::mem::replace(&mut self.reported, true)).then_some(o)
    }

    /// When the request is due again; `None` once done.
    fn next_timeout(&self) -> Option<u64> {
        self.done.is_none().then_some(self.deadline_ms).flatten()
    }
}

#[cfg(test)]
mod tests;
