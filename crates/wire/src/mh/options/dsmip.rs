//! The DSMIPv6 mobility options (RFC 5555 §3.1.1, §3.1.2, §3.2.1, §3.2.2): types 29–32, each
//! with Length 6 and 4n alignment. Every bit of the six data octets is kept (reserved fields
//! raw), so a parsed option re-emits the same octets. (RFC 5555 §8 says 29 for the IPv4
//! Address Acknowledgement too, an evident slip; §3.2.1 gives 30, which Wireshark decodes too.)

use super::MobilityOption;
use crate::{Error, Result};
use std::net::Ipv4Addr;

/// Option Length of all four options (RFC 5555 §3.1.1, §3.1.2, §3.2.1, §3.2.2).
pub(super) const LENGTH: usize = 6;

/// Name used in length errors.
pub(super) fn name(kind: u8) -> &'static str {
    match kind {
        super::IPV4_HOME_ADDRESS => "IPv4 Home Address",
        super::IPV4_ADDRESS_ACK => "IPv4 Address Acknowledgement",
        super::NAT_DETECTION => "NAT Detection",
        _ => "IPv4 Care-of Address",
    }
}

/// Decodes the six data octets of option `kind` (one of 29–32).
pub(super) fn decode(kind: u8, d: [u8; LENGTH]) -> MobilityOption {
    let address = Ipv4Addr::new(d[2], d[3], d[4], d[5]);
    let low16 = u16::from_be_bytes([d[0], d[1]]);
    match kind {
        super::IPV4_HOME_ADDRESS => MobilityOption::Ipv4HomeAddress(Ipv4HomeAddress {
            prefix_len: d[0] >> 2,
            p: d[0] & 0x02 != 0,
            reserved: low16 & Ipv4HomeAddress::RESERVED_MAX,
            address,
        }),
        super::IPV4_ADDRESS_ACK => MobilityOption::Ipv4AddressAck(Ipv4AddressAck {
            status: Ipv4AckStatus::from(d[0]),
            prefix_len: d[1] >> 2,
            reserved: d[1] & 0x03,
            address,
        }),
        super::NAT_DETECTION => MobilityOption::NatDetection(NatDetection {
            force_udp: d[0] & 0x80 != 0,
            reserved: low16 & NatDetection::RESERVED_MAX,
            refresh_time: u32::from_be_bytes([d[2], d[3], d[4], d[5]]),
        }),
        _ => MobilityOption::Ipv4CareOf(Ipv4CareOf {
            reserved: low16,
            address,
        }),
    }
}

fn check(ok: bool, what: impl FnOnce() -> String) -> Result<()> {
    if ok {
        Ok(())
    } else {
        Err(Error::new(0, what()))
    }
}

fn data(first: [u8; 2], rest: [u8; 4]) -> [u8; LENGTH] {
    [first[0], first[1], rest[0], rest[1], rest[2], rest[3]]
}

/// IPv4 Home Address option (RFC 5555 §3.1.1): `Prefix-len(6 bits) | P | Reserved(9 bits) |
/// IPv4 home address`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ipv4HomeAddress {
    /// 32 for a single address; 0 is an error the receiver must flag (§3.1.1). 6 bits.
    pub prefix_len: u8,
    /// P: the MN asks for a mobile network prefix.
    pub p: bool,
    /// The 9 reserved bits, raw (zero on send).
    pub reserved: u16,
    /// 0.0.0.0 asks the HA to allocate one (§2.5, §3.1.1).
    pub address: Ipv4Addr,
}

impl Ipv4HomeAddress {
    pub const RESERVED_MAX: u16 = 0x01ff;

    /// A request for `address` with prefix length 32, no P, zero reserved bits.
    pub fn single(address: Ipv4Addr) -> Ipv4HomeAddress {
        Ipv4HomeAddress {
            prefix_len: 32,
            p: false,
            reserved: 0,
            address,
        }
    }

    /// The MN asks for a dynamic IPv4 home address (0.0.0.0, §2.5).
    pub fn requests_dynamic(&self) -> bool {
        self.address.is_unspecified()
    }

    pub(super) fn validate(&self) -> Result<()> {
        check(self.prefix_len < 64, || {
            format!(
                "IPv4 HoA Prefix-len {} does not fit 6 bits",
                self.prefix_len
            )
        })?;
        check(self.reserved <= Self::RESERVED_MAX, || {
            format!(
                "IPv4 HoA Reserved 0x{:x} does not fit 9 bits",
                self.reserved
            )
        })
    }

    pub(super) fn to_data(self) -> [u8; LENGTH] {
        let first = (self.prefix_len << 2) | (u8::from(self.p) << 1) | (self.reserved >> 8) as u8;
        data([first, self.reserved as u8], self.address.octets())
    }
}

/// IPv4 Address Acknowledgement status (RFC 5555 §3.2.1): below 128 is success.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ipv4AckStatus {
    /// 0
    Success,
    /// 128
    ReasonUnspecified,
    /// 129
    AdministrativelyProhibited,
    /// 130
    IncorrectHomeAddress,
    /// 131
    InvalidAddress,
    /// 132
    DynamicUnavailable,
    /// 133
    PrefixUnauthorized,
    /// Any code RFC 5555 does not name. Never one of the codes above (that would not round-trip).
    Other(u8),
}

impl Ipv4AckStatus {
    const NAMED: [(Ipv4AckStatus, u8, &'static str); 7] = [
        (Ipv4AckStatus::Success, 0, "Success"),
        (
            Ipv4AckStatus::ReasonUnspecified,
            128,
            "Failure, reason unspecified",
        ),
        (
            Ipv4AckStatus::AdministrativelyProhibited,
            129,
            "Administratively prohibited",
        ),
        (
            Ipv4AckStatus::IncorrectHomeAddress,
            130,
            "Incorrect IPv4 home address",
        ),
        (Ipv4AckStatus::InvalidAddress, 131, "Invalid IPv4 address"),
        (
            Ipv4AckStatus::DynamicUnavailable,
            132,
            "Dynamic IPv4 home address assignment not available",
        ),
        (
            Ipv4AckStatus::PrefixUnauthorized,
            133,
            "Prefix allocation unauthorized",
        ),
    ];

    pub fn code(self) -> u8 {
        match self {
            Ipv4AckStatus::Other(c) => c,
            named => Self::NAMED
                .iter()
                .find(|(s, _, _)| *s == named)
                .map_or(0, |(_, c, _)| *c),
        }
    }

    /// The RFC 5555 §3.2.1 wording; `None` for `Other`.
    pub fn name(self) -> Option<&'static str> {
        Self::NAMED
            .iter()
            .find(|(s, _, _)| *s == self)
            .map(|(_, _, n)| *n)
    }

    /// Values 0–127 indicate success (§3.2.1).
    pub fn is_success(self) -> bool {
        self.code() < 128
    }
}

impl From<u8> for Ipv4AckStatus {
    fn from(code: u8) -> Ipv4AckStatus {
        Ipv4AckStatus::NAMED
            .iter()
            .find(|(_, c, _)| *c == code)
            .map_or(Ipv4AckStatus::Other(code), |(s, _, _)| *s)
    }
}

/// IPv4 Address Acknowledgement option (RFC 5555 §3.2.1): `Status | Pref-len(6 bits) |
/// Res(2 bits) | IPv4 home address`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ipv4AddressAck {
    pub status: Ipv4AckStatus,
    /// Valid on success only; zero on failure (§3.2.1). 6 bits.
    pub prefix_len: u8,
    /// The 2 reserved bits, raw.
    pub reserved: u8,
    /// The IPv4 HoA the HA binds (allocated, or copied from the BU).
    pub address: Ipv4Addr,
}

impl Ipv4AddressAck {
    pub(super) fn validate(&self) -> Result<()> {
        if let Ipv4AckStatus::Other(c) = self.status {
            check(Ipv4AckStatus::from(c) == self.status, || {
                format!("IPv4 Address Ack status Other({c}) is a named code")
            })?;
        }
        check(self.prefix_len < 64, || {
            format!(
                "IPv4 Address Ack Pref-len {} does not fit 6 bits",
                self.prefix_len
            )
        })?;
        check(self.reserved < 4, || {
            format!("IPv4 Address Ack Res {} does not fit 2 bits", self.reserved)
        })
    }

    pub(super) fn to_data(self) -> [u8; LENGTH] {
        data(
            [self.status.code(), (self.prefix_len << 2) | self.reserved],
            self.address.octets(),
        )
    }
}

/// NAT Detection option (RFC 5555 §3.2.2): `F | Reserved(15 bits) | Refresh time(32)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NatDetection {
    /// F: the MN must UDP-encapsulate even without a NAT.
    pub force_udp: bool,
    /// The 15 reserved bits, raw.
    pub reserved: u16,
    /// Seconds between NAT keepalives; 0 = ignore, all ones = no NAT (no keepalives).
    pub refresh_time: u32,
}

impl NatDetection {
    pub const RESERVED_MAX: u16 = 0x7fff;
    /// Refresh time meaning "no NAT was detected, no keepalives" (§3.2.2).
    pub const NO_NAT: u32 = u32::MAX;

    pub(super) fn validate(&self) -> Result<()> {
        check(self.reserved <= Self::RESERVED_MAX, || {
            format!(
                "NAT Detection Reserved 0x{:x} does not fit 15 bits",
                self.reserved
            )
        })
    }

    pub(super) fn to_data(self) -> [u8; LENGTH] {
        let first = (u16::from(self.force_udp) << 15) | self.reserved;
        data(first.to_be_bytes(), self.refresh_time.to_be_bytes())
    }
}

/// IPv4 Care-of Address option (RFC 5555 §3.1.2): `Reserved(16) | IPv4 care-of address`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ipv4CareOf {
    /// Raw (zero on send).
    pub reserved: u16,
    pub address: Ipv4Addr,
}

impl Ipv4CareOf {
    pub fn new(address: Ipv4Addr) -> Ipv4CareOf {
        Ipv4CareOf {
            reserved: 0,
            address,
        }
    }

    pub(super) fn to_data(self) -> [u8; LENGTH] {
        data(self.reserved.to_be_bytes(), self.address.octets())
    }
}

#[cfg(test)]
mod tests {
    use super::super::{parse_options, MobilityOption};
    use super::*;

    fn one(bytes: &[u8]) -> MobilityOption {
        let mut v = parse_options(bytes, 0).unwrap();
        assert_eq!(v.len(), 1);
        let o = v.remove(0);
        let mut out = vec![0; o.wire_len()];
        o.emit(&mut out).unwrap();
        assert_eq!(out, bytes, "re-emits the same octets");
        o
    }

    #[test]
    fn ipv4_home_address_layout() {
        // §3.1.1 Figure 1: prefix-len 32 in the top 6 bits, P = bit 6, one reserved bit set.
        let o = one(&[29, 6, (32 << 2) | 0x02 | 0x01, 0x80, 192, 0, 2, 7]);
        assert_eq!(
            o,
            MobilityOption::Ipv4HomeAddress(Ipv4HomeAddress {
                prefix_len: 32,
                p: true,
                reserved: 0x180,
                address: Ipv4Addr::new(192, 0, 2, 7),
            })
        );
        let dynamic = one(&[29, 6, 32 << 2, 0, 0, 0, 0, 0]);
        let MobilityOption::Ipv4HomeAddress(h) = dynamic else {
            panic!()
        };
        assert!(h.requests_dynamic());
        assert_eq!(h, Ipv4HomeAddress::single(Ipv4Addr::UNSPECIFIED));
    }

    #[test]
    fn ipv4_address_ack_layout_and_statuses() {
        let o = one(&[30, 6, 132, (24 << 2) | 0x01, 198, 51, 100, 9]);
        let MobilityOption::Ipv4AddressAck(a) = o else {
            panic!()
        };
        assert_eq!(a.status, Ipv4AckStatus::DynamicUnavailable);
        assert!(!a.status.is_success());
        assert_eq!((a.prefix_len, a.reserved), (24, 1));
        assert_eq!(a.address, Ipv4Addr::new(198, 51, 100, 9));
        // Every code of §3.2.1 has its own variant and name; others stay Other.
        for c in [0u8, 128, 129, 130, 131, 132, 133] {
            let s = Ipv4AckStatus::from(c);
            assert_eq!(s.code(), c);
            assert!(s.name().is_some() && !matches!(s, Ipv4AckStatus::Other(_)));
        }
        assert_eq!(Ipv4AckStatus::from(5), Ipv4AckStatus::Other(5));
        assert!(Ipv4AckStatus::Other(5).is_success());
        assert_eq!(Ipv4AckStatus::from(134).name(), None);
    }

    #[test]
    fn nat_detection_layout() {
        let o = one(&[31, 6, 0x80, 0x01, 0, 0, 0x00, 0x6e]);
        assert_eq!(
            o,
            MobilityOption::NatDetection(NatDetection {
                force_udp: true,
                reserved: 1,
                refresh_time: 110,
            })
        );
        let MobilityOption::NatDetection(n) = one(&[31, 6, 0, 0, 0xff, 0xff, 0xff, 0xff]) else {
            panic!()
        };
        assert_eq!(n.refresh_time, NatDetection::NO_NAT);
    }

    #[test]
    fn ipv4_care_of_layout() {
        let o = one(&[32, 6, 0, 0, 203, 0, 113, 5]);
        assert_eq!(
            o,
            MobilityOption::Ipv4CareOf(Ipv4CareOf::new(Ipv4Addr::new(203, 0, 113, 5)))
        );
    }

    #[test]
    fn wrong_length_is_an_error_at_the_length_octet() {
        for kind in 29..=32u8 {
            let e = parse_options(&[kind, 4, 0, 0, 0, 0], 10).unwrap_err();
            assert_eq!(e.offset, 11, "{e}");
            assert!(e.to_string().contains("must be 6"), "{e}");
        }
    }

    #[test]
    fn out_of_range_fields_do_not_emit() {
        let bad = [
            MobilityOption::Ipv4HomeAddress(Ipv4HomeAddress {
                prefix_len: 64,
                ..Ipv4HomeAddress::single(Ipv4Addr::LOCALHOST)
            }),
            MobilityOption::Ipv4HomeAddress(Ipv4HomeAddress {
                reserved: 0x200,
                ..Ipv4HomeAddress::single(Ipv4Addr::LOCALHOST)
            }),
            MobilityOption::Ipv4AddressAck(Ipv4AddressAck {
                status: Ipv4AckStatus::Other(0),
                prefix_len: 32,
                reserved: 0,
                address: Ipv4Addr::LOCALHOST,
            }),
            MobilityOption::Ipv4AddressAck(Ipv4AddressAck {
                status: Ipv4AckStatus::Success,
                prefix_len: 32,
                reserved: 4,
                address: Ipv4Addr::LOCALHOST,
            }),
            MobilityOption::NatDetection(NatDetection {
                force_udp: false,
                reserved: 0x8000,
                refresh_time: 0,
            }),
            MobilityOption::Unknown {
                kind: 31,
                data: vec![0; 6],
            },
        ];
        for o in bad {
            assert!(o.emit(&mut [0; 8]).is_err(), "{o:?}");
        }
    }
}
