//! Domain names in DHCPv6 options: RFC 8415 §10 encodes them as RFC 1035 §3.1 labels (a
//! length octet, then that many octets; a zero length ends the name) and forbids compression.
//! RFC 6610 §3.1 and §3.5 (HNIDF, HAF) use this encoding by reference to RFC 3315 §8.

use crate::{Error, Result};
use std::fmt;

/// Longest label (RFC 1035 §2.3.4).
pub const MAX_LABEL_LEN: usize = 63;
/// Longest name on the wire, length octets and root label included (RFC 1035 §3.1).
pub const MAX_NAME_LEN: usize = 255;

/// A fully qualified domain name as its labels, the root excluded. Every label holds 1 to 63
/// octets and the wire form is at most 255 octets: [`Fqdn::new`] and [`Fqdn::parse`] check
/// both, so every `Fqdn` emits a name that parses back. To send a malformed name, send the
/// option raw ([`super::DhcpOption::Other`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Fqdn {
    labels: Vec<Vec<u8>>,
}

impl Fqdn {
    /// The name of these labels; an empty list is the root name.
    pub fn new(labels: Vec<Vec<u8>>) -> Result<Fqdn> {
        let mut at = 0;
        for l in &labels {
            if l.is_empty() || l.len() > MAX_LABEL_LEN {
                return Err(Error::new(
                    at,
                    format!("label of {} octets (1 to {MAX_LABEL_LEN})", l.len()),
                ));
            }
            at += 1 + l.len();
        }
        let name = Fqdn { labels };
        if name.wire_len() > MAX_NAME_LEN {
            return Err(Error::new(
                0,
                format!(
                    "domain name of {} octets (at most {MAX_NAME_LEN})",
                    name.wire_len()
                ),
            ));
        }
        Ok(name)
    }

    /// `ha.example.net` or `ha.example.net.` (no escapes); `.` or an empty string is the root.
    pub fn from_dotted(name: &str) -> Result<Fqdn> {
        let trimmed = name.strip_suffix('.').unwrap_or(name);
        if trimmed.is_empty() {
            return Fqdn::new(Vec::new());
        }
        Fqdn::new(trimmed.split('.').map(|l| l.as_bytes().to_vec()).collect())
    }

    pub fn labels(&self) -> &[Vec<u8>] {
        &self.labels
    }

    /// Octets on the wire: each label with its length octet, and the root label.
    pub fn wire_len(&self) -> usize {
        self.labels.iter().map(|l| 1 + l.len()).sum::<usize>() + 1
    }

    /// Reads a name that fills all of `b` exactly; `base` is the offset of `b` in the
    /// outermost buffer (errors are reported there).
    pub fn parse(b: &[u8], base: usize) -> Result<Fqdn> {
        let mut labels = Vec::new();
        let mut pos = 0;
        loop {
            let Some(&len) = b.get(pos) else {
                return Err(Error::new(
                    base + pos,
                    "domain name ends without the root label",
                ));
            };
            let len = usize::from(len);
            if len == 0 {
                pos += 1;
                break;
            }
            if len & 0xc0 == 0xc0 {
                return Err(Error::new(
                    base + pos,
                    "compression pointer in a domain name (RFC 8415 §10 forbids compression)",
                ));
            }
            if len > MAX_LABEL_LEN {
                return Err(Error::new(
                    base + pos,
                    format!("label length octet 0x{len:02x} (labels hold 1 to {MAX_LABEL_LEN})"),
                ));
            }
            let label = b.get(pos + 1..pos + 1 + len).ok_or_else(|| {
                Error::new(
                    base + pos,
                    format!("label of {len} octets runs past the end of the name"),
                )
            })?;
            labels.push(label.to_vec());
            pos += 1 + len;
        }
        if pos > MAX_NAME_LEN {
            return Err(Error::new(
                base,
                format!("domain name of {pos} octets (at most {MAX_NAME_LEN})"),
            ));
        }
        if pos != b.len() {
            return Err(Error::new(
                base + pos,
                format!("{} octets after the root label", b.len() - pos),
            ));
        }
        Ok(Fqdn { labels })
    }

    /// Writes the name into the first [`Fqdn::wire_len`] octets of `out` (the caller sized it).
    pub fn emit(&self, out: &mut [u8]) {
        let mut pos = 0;
        for l in &self.labels {
            out[pos] = l.len() as u8;
            out[pos + 1..pos + 1 + l.len()].copy_from_slice(l);
            pos += 1 + l.len();
        }
        out[pos] = 0;
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut b = vec![0; self.wire_len()];
        self.emit(&mut b);
        b
    }
}

/// Dotted with a trailing dot (`ha.example.net.`); octets other than letters, digits, `-`
/// and `_` print as `\DDD` (RFC 1035 §5.1 master-file escapes), so two different names never
/// print the same.
impl fmt::Display for Fqdn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.labels.is_empty() {
            return f.write_str(".");
        }
        for l in &self.labels {
            for &o in l {
                if o.is_ascii_alphanumeric() || o == b'-' || o == b'_' {
                    write!(f, "{}", o as char)?;
                } else {
                    write!(f, "\\{o:03}")?;
                }
            }
            f.write_str(".")?;
        }
        Ok(())
    }
}
