//! DNS messages as judges read them: the response code as an enum and records with typed
//! data (SRV, AAAA, PTR), UPDATE sections with what each record does (RFC 2136 §2.5).

use super::same_name;
use mip6lab_capture::{DnsMessage, DnsRecord};
use std::fmt;
use std::net::Ipv6Addr;

/// RCODE (RFC 1035 §4.1.1, RFC 2136 §2.2), parsed once from either spelling a transcript may
/// hold: hickory's text (`No Error`, `Not authorized`) or the mnemonic (`NOERROR`, `NOTAUTH`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DnsRcode {
    NoError,
    FormErr,
    ServFail,
    NxDomain,
    NotImp,
    Refused,
    YxDomain,
    YxRrset,
    NxRrset,
    NotAuth,
    NotZone,
    /// Anything else, as written.
    Other(String),
}

impl DnsRcode {
    pub fn parse(s: &str) -> DnsRcode {
        match s {
            "No Error" | "NOERROR" => DnsRcode::NoError,
            "Form Error" | "FORMERR" => DnsRcode::FormErr,
            "Server Failure" | "SERVFAIL" => DnsRcode::ServFail,
            "Non-Existent Domain" | "NXDOMAIN" => DnsRcode::NxDomain,
            "Not Implemented" | "NOTIMP" => DnsRcode::NotImp,
            "Query Refused" | "REFUSED" => DnsRcode::Refused,
            "Name should not exist" | "YXDOMAIN" => DnsRcode::YxDomain,
            "RR Set should not exist" | "YXRRSET" => DnsRcode::YxRrset,
            "RR Set does not exist" | "NXRRSET" => DnsRcode::NxRrset,
            "Not authorized" | "NOTAUTH" => DnsRcode::NotAuth,
            "Name not in zone" | "NOTZONE" => DnsRcode::NotZone,
            other => DnsRcode::Other(other.to_owned()),
        }
    }
}

/// An SRV record's data (RFC 2782).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Srv {
    pub priority: u16,
    pub weight: u16,
    pub port: u16,
    pub target: String,
}

/// Record data, typed for the record types the judges read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RData {
    Aaaa(Ipv6Addr),
    Ptr(String),
    Srv(Srv),
    /// No data: an UPDATE's RRset deletion or prerequisite (shown as `UPDATE`).
    Empty,
    /// Anything else, as shown.
    Other(String),
}

impl RData {
    fn parse(rtype: &str, data: &str) -> RData {
        if data.is_empty() || data == "UPDATE" {
            return RData::Empty;
        }
        let typed = match rtype {
            "AAAA" => data.parse().ok().map(RData::Aaaa),
            "PTR" => Some(RData::Ptr(data.to_owned())),
            "SRV" => {
                let f: Vec<&str> = data.split_whitespace().collect();
                match f[..] {
                    [p, w, port, target] => (|| {
                        Some(RData::Srv(Srv {
                            priority: p.parse().ok()?,
                            weight: w.parse().ok()?,
                            port: port.parse().ok()?,
                            target: target.to_owned(),
                        }))
                    })(),
                    _ => None,
                }
            }
            _ => None,
        };
        typed.unwrap_or_else(|| RData::Other(data.to_owned()))
    }

    /// A domain name the data holds: a PTR target, or other data as shown.
    pub fn name(&self) -> Option<&str> {
        match self {
            RData::Ptr(n) | RData::Other(n) => Some(n),
            _ => None,
        }
    }
}

impl fmt::Display for RData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RData::Aaaa(a) => write!(f, "{a}"),
            RData::Ptr(n) | RData::Other(n) => f.write_str(n),
            RData::Srv(s) => write!(f, "{} {} {} {}", s.priority, s.weight, s.port, s.target),
            RData::Empty => f.write_str("UPDATE"),
        }
    }
}

/// What a record in an UPDATE's update section does (RFC 2136 §2.5), read from its class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateOperation {
    /// Class of the zone (IN): add the RR.
    Add,
    /// Class ANY: delete the RRset (or, with type ANY, all RRsets of the name).
    DeleteRrset,
    /// Class NONE: delete the one RR that matches.
    DeleteRr,
}

impl UpdateOperation {
    /// Either kind of deletion.
    pub fn deletes(self) -> bool {
        matches!(
            self,
            UpdateOperation::DeleteRrset | UpdateOperation::DeleteRr
        )
    }
}

/// The TSIG error of a signed response (RFC 8945 §5.3), which says why an update was refused
/// when the RCODE is NOTAUTH.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TsigError {
    BadSig,
    BadKey,
    BadTime,
    BadTrunc,
    /// Any other value, as written.
    Other(String),
}

impl fmt::Display for TsigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TsigError::BadSig => "BADSIG",
            TsigError::BadKey => "BADKEY",
            TsigError::BadTime => "BADTIME",
            TsigError::BadTrunc => "BADTRUNC",
            TsigError::Other(s) => s,
        })
    }
}

/// One resource record with typed data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record<'a> {
    pub name: &'a str,
    pub rtype: &'a str,
    /// `IN`, `ANY`, `NONE`; empty in transcripts recorded before the class was kept.
    pub class: &'a str,
    pub ttl: u32,
    pub data: RData,
}

impl<'a> Record<'a> {
    fn of(r: &'a DnsRecord) -> Record<'a> {
        Record {
            name: &r.name,
            rtype: &r.rtype,
            class: &r.class,
            ttl: r.ttl,
            data: RData::parse(&r.rtype, &r.data),
        }
    }

    /// In an UPDATE's update section: what the record does, from its class (RFC 2136 §2.5).
    /// A transcript without classes (recorded before they were kept) falls back to what the
    /// class implies for the TTL: deletions carry TTL 0, ANY without data, NONE with data.
    pub fn operation(&self) -> UpdateOperation {
        match self.class {
            "ANY" => UpdateOperation::DeleteRrset,
            "NONE" => UpdateOperation::DeleteRr,
            "" if self.ttl == 0 && self.data == RData::Empty => UpdateOperation::DeleteRrset,
            "" if self.ttl == 0 => UpdateOperation::DeleteRr,
            _ => UpdateOperation::Add,
        }
    }

    /// Whether the owner is `name` (case and the root dot ignored).
    pub fn owned_by(&self, name: &str) -> bool {
        same_name(self.name, name)
    }
}

/// Typed reading of a [`DnsMessage`].
pub trait DnsView {
    fn response_code(&self) -> DnsRcode;
    /// The TSIG error of a signed response, if it has one.
    fn tsig_error(&self) -> Option<TsigError>;
    fn is_update(&self) -> bool;
    /// The answer section (an UPDATE's prerequisites).
    fn answer_records(&self) -> Vec<Record<'_>>;
    /// The authority section (an UPDATE's update section).
    fn authority_records(&self) -> Vec<Record<'_>>;
    fn additional_records(&self) -> Vec<Record<'_>>;
    /// SRV records of the answer section owned by `owner` (any owner if `None`).
    fn srv_answers(&self, owner: Option<&str>) -> Vec<Srv>;
}

impl DnsView for DnsMessage {
    fn response_code(&self) -> DnsRcode {
        DnsRcode::parse(&self.rcode)
    }
    fn tsig_error(&self) -> Option<TsigError> {
        match self.tsig_error.as_str() {
            "" => None,
            "BADSIG" => Some(TsigError::BadSig),
            "BADKEY" => Some(TsigError::BadKey),
            "BADTIME" => Some(TsigError::BadTime),
            "BADTRUNC" => Some(TsigError::BadTrunc),
            other => Some(TsigError::Other(other.to_owned())),
        }
    }
    fn is_update(&self) -> bool {
        self.opcode == "UPDATE"
    }
    fn answer_records(&self) -> Vec<Record<'_>> {
        self.answers.iter().map(Record::of).collect()
    }
    fn authority_records(&self) -> Vec<Record<'_>> {
        self.authorities.iter().map(Record::of).collect()
    }
    fn additional_records(&self) -> Vec<Record<'_>> {
        self.additionals.iter().map(Record::of).collect()
    }
    fn srv_answers(&self, owner: Option<&str>) -> Vec<Srv> {
        self.answer_records()
            .into_iter()
            .filter(|r| owner.is_none_or(|o| r.name.eq_ignore_ascii_case(o)))
            .filter_map(|r| match r.data {
                RData::Srv(s) => Some(s),
                _ => None,
            })
            .collect()
    }
}
