//! DHCPv4 dissector: UDP to or from ports 67 (server, relay) and 68 (client), decoded with
//! `mip6lab_wire::dhcpv4` (RFC 2131; options of RFC 2132; option 82 of RFC 3046 with the
//! RFC 4014 RADIUS Attributes sub-option).
//!
//! Message kind: the DHCP Message Type's RFC 2131 name (`DHCPDISCOVER`, `DHCPACK`, …;
//! `message type N` if unnamed; `BOOTREQUEST`/`BOOTREPLY` without the option). Fields: `op`,
//! `hops`, `xid` (volatile: random per exchange), `secs` (volatile), `flags` (`0x8000` is the
//! BROADCAST bit), `ciaddr`, `yiaddr`, `siaddr`, `giaddr`, `chaddr` (volatile: a container's
//! MAC), `htype`/`hlen` when not Ethernet's 1/6, `sname`/`file` when not empty. One child per
//! option in wire order (Pad and End left out), kind = its RFC 2132 name (`option N` if
//! unnamed):
//! - DHCP Message Type `value` (`1 (DHCPDISCOVER)`); Subnet Mask, Requested IP Address,
//!   Server Identifier `address`; Router and Mobile IP Home Agent `addresses` (comma-joined,
//!   empty for the zero-length form); IP Address Lease Time `seconds`; Parameter Request List
//!   `codes`; Client-identifier `type` and `id` (volatile, hex); Option Overload `value`;
//! - Relay Agent Information: one child per sub-option — Agent Circuit ID / Agent Remote ID
//!   `id` (hex), RADIUS Attributes with the attributes as children, named and typed as the
//!   RADIUS dissector shows them (`Vendor-Specific vendor=24757 {WiMAX-vHA-IP-MIP4 …}`);
//! - others: `len` and `data` (hex).

use super::radius::attribute_message;
use super::{Context, Dissector, Packet, Transport};
use crate::transcript::{Decoded, Part};
use mip6lab_wire::dhcpv4::{
    self, message_name, option_name, suboption_name, DhcpOption, RelaySubOption, Repr,
};
use mip6lab_wire::dsprofile::Profile;

const PROTOCOL: &str = "DHCPv4";

pub struct Dhcpv4;

impl Dissector for Dhcpv4 {
    fn name(&self) -> &'static str {
        PROTOCOL
    }

    fn claims(&self, pkt: &Packet, _: &[u8]) -> bool {
        let port = |p: u16| p == dhcpv4::SERVER_PORT || p == dhcpv4::CLIENT_PORT;
        matches!(pkt.transport, Transport::Udp { sport, dport } if port(sport) || port(dport))
    }

    fn dissect(&self, _: &Packet, payload: &[u8], ctx: &mut Context) -> Decoded {
        dissect_dhcpv4_with(payload, &ctx.profile)
    }
}

/// Decodes one DHCPv4 message (a UDP payload), RFC 4014 vendor attributes named by the lab's
/// dual-stack profile.
pub fn dissect_dhcpv4(payload: &[u8]) -> Decoded {
    dissect_dhcpv4_with(payload, &Profile::lab())
}

/// [`dissect_dhcpv4`] with the dual-stack profile in use.
pub fn dissect_dhcpv4_with(payload: &[u8], profile: &Profile) -> Decoded {
    match Repr::from_bytes(payload) {
        Ok(r) => Decoded::Message(message(&r, profile)),
        Err(e) => Decoded::malformed(PROTOCOL, e),
    }
}

/// The text of a NUL-terminated header field (`sname`, `file`), lossy, quoted.
fn header_text(b: &[u8]) -> Option<String> {
    let end = b.iter().position(|&o| o == 0).unwrap_or(b.len());
    (end > 0).then(|| format!("{:?}", String::from_utf8_lossy(&b[..end])))
}

/// A message and its options.
pub fn message(r: &Repr, profile: &Profile) -> Part {
    let kind = match r.message_type() {
        Some(t) => message_name(t)
            .map(str::to_owned)
            .unwrap_or_else(|| format!("message type {t}")),
        None if r.op == dhcpv4::BOOTREQUEST => "BOOTREQUEST".into(),
        None if r.op == dhcpv4::BOOTREPLY => "BOOTREPLY".into(),
        None => format!("op {}", r.op),
    };
    let mut m = Part::new(PROTOCOL, kind)
        .field("op", r.op)
        .field("hops", r.hops)
        .volatile("xid", format!("0x{:08x}", r.xid))
        .volatile("secs", r.secs)
        .field("flags", format!("0x{:04x}", r.flags))
        .field("ciaddr", r.ciaddr)
        .field("yiaddr", r.yiaddr)
        .field("siaddr", r.siaddr)
        .field("giaddr", r.giaddr)
        .volatile("chaddr", colon_hex(r.hardware_address()));
    if (r.htype, r.hlen) != (dhcpv4::HTYPE_ETHERNET, 6) {
        m = m.field("htype", r.htype).field("hlen", r.hlen);
    }
    if let Some(s) = header_text(&r.sname) {
        m = m.field("sname", s);
    }
    if let Some(s) = header_text(&r.file) {
        m = m.field("file", s);
    }
    for o in r.options.iter().filter(|o| !o.is_single_octet()) {
        m = m.child(option(o, profile));
    }
    m
}

fn colon_hex(b: &[u8]) -> String {
    b.iter()
        .map(|o| format!("{o:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

fn joined<T: ToString>(items: &[T]) -> String {
    items.iter().map(T::to_string).collect::<Vec<_>>().join(",")
}

fn option(o: &DhcpOption, profile: &Profile) -> Part {
    let code = o.code();
    let m = Part::new(
        PROTOCOL,
        option_name(code)
            .map(str::to_owned)
            .unwrap_or_else(|| format!("option {code}")),
    );
    match o {
        DhcpOption::Pad | DhcpOption::End => m,
        DhcpOption::MessageType(t) => m.field(
            "value",
            match message_name(*t) {
                Some(n) => format!("{t} ({n})"),
                None => t.to_string(),
            },
        ),
        DhcpOption::SubnetMask(a) | DhcpOption::RequestedAddress(a) | DhcpOption::ServerId(a) => {
            m.field("address", a)
        }
        DhcpOption::Router(list) | DhcpOption::MobileIpHomeAgent(list) => {
            m.field("addresses", joined(list))
        }
        DhcpOption::LeaseTime(s) => m.field("seconds", s),
        DhcpOption::Overload(v) => m.field("value", v),
        DhcpOption::ParameterRequestList(codes) => m.field("codes", joined(codes)),
        DhcpOption::ClientId(id) => {
            // Parsing guarantees the type octet; a hand-built empty one shows as type 0.
            let (kind, rest) = id.split_first().unwrap_or((&0, &[]));
            m.field("type", kind)
                .volatile("id", format!("0x{}", hex::encode(rest)))
        }
        DhcpOption::RelayAgentInformation(subs) => subs
            .iter()
            .fold(m, |m, s| m.child(relay_suboption(s, profile))),
        DhcpOption::Other { data, .. } => m
            .field("len", data.len())
            .field("data", format!("0x{}", hex::encode(data))),
    }
}

fn relay_suboption(s: &RelaySubOption, profile: &Profile) -> Part {
    let code = s.code();
    let m = Part::new(
        PROTOCOL,
        suboption_name(code)
            .map(str::to_owned)
            .unwrap_or_else(|| format!("sub-option {code}")),
    );
    match s {
        RelaySubOption::CircuitId(id) | RelaySubOption::RemoteId(id) => {
            m.field("id", format!("0x{}", hex::encode(id)))
        }
        RelaySubOption::LinkSelection(a) => m.field("subnet", a),
        RelaySubOption::RadiusAttributes(attrs) => attrs
            .iter()
            .fold(m, |m, a| m.child(attribute_message(a, profile))),
        RelaySubOption::Other { data, .. } => m
            .field("len", data.len())
            .field("data", format!("0x{}", hex::encode(data))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mip6lab_wire::dhcpv4::{message_type, BOOTREPLY, BOOTREQUEST, FLAG_BROADCAST};
    use mip6lab_wire::radius::{attr, vendor, wimax, Attribute};
    use std::net::Ipv4Addr;

    const MAC: [u8; 6] = [0x02, 0x42, 0xc6, 0x33, 0x64, 0x0a];

    fn v4(s: &str) -> Ipv4Addr {
        s.parse().unwrap()
    }

    fn relayed_discover() -> Repr {
        let mut r = Repr::new(BOOTREQUEST, 0x1234_5678, MAC);
        r.hops = 1;
        r.flags = FLAG_BROADCAST;
        r.giaddr = v4("198.51.100.1");
        r.options = vec![
            DhcpOption::MessageType(message_type::DISCOVER),
            DhcpOption::ClientId([&[1][..], &MAC].concat()),
            DhcpOption::ParameterRequestList(vec![1, 3, 51, 54, 68]),
            DhcpOption::RelayAgentInformation(vec![
                RelaySubOption::CircuitId(b"eth1".to_vec()),
                RelaySubOption::RadiusAttributes(vec![
                    Attribute::vendor(vendor::WIMAX, wimax::VHA_IP_MIP4, &[192, 0, 2, 1]),
                    Attribute::new(attr::FRAMED_IP_ADDRESS, [198, 51, 100, 10]),
                ]),
                RelaySubOption::Other {
                    code: 9,
                    data: vec![0xaa],
                },
            ]),
            DhcpOption::End,
        ];
        r
    }

    #[test]
    fn relayed_discover_renders_the_rfc4014_attributes_by_name() {
        let b = relayed_discover().to_bytes().unwrap();
        let Decoded::Message(m) = dissect_dhcpv4(&b) else {
            panic!("{:?}", dissect_dhcpv4(&b))
        };
        assert_eq!(
            m.render(),
            "DHCPDISCOVER op=1 hops=1 xid=* secs=* flags=0x8000 ciaddr=0.0.0.0 \
             yiaddr=0.0.0.0 siaddr=0.0.0.0 giaddr=198.51.100.1 chaddr=* \
             {DHCP Message Type value=1 (DHCPDISCOVER)} {Client-identifier type=1 id=*} \
             {Parameter Request List codes=1,3,51,54,68} \
             {Relay Agent Information {Agent Circuit ID id=0x65746831} \
             {RADIUS Attributes {Vendor-Specific vendor=24757 \
             {WiMAX-vHA-IP-MIP4 value=192.0.2.1}} {Framed-IP-Address value=198.51.100.10}} \
             {sub-option 9 len=1 data=0xaa}}"
        );
        assert_eq!(m.get("xid"), Some("0x12345678"), "kept for judges");
        assert_eq!(m.get("chaddr"), Some("02:42:c6:33:64:0a"));
    }

    #[test]
    fn ack_with_home_agent_and_malformed_input() {
        let mut ack = Repr::new(BOOTREPLY, 1, MAC);
        ack.yiaddr = v4("198.51.100.10");
        ack.htype = 6;
        ack.sname[..3].copy_from_slice(b"kea");
        ack.options = vec![
            DhcpOption::MessageType(message_type::ACK),
            DhcpOption::ServerId(v4("198.51.100.2")),
            DhcpOption::LeaseTime(3600),
            DhcpOption::SubnetMask(v4("255.255.255.0")),
            DhcpOption::Router(vec![v4("198.51.100.1")]),
            DhcpOption::MobileIpHomeAgent(vec![v4("192.0.2.1"), v4("192.0.2.2")]),
            DhcpOption::MobileIpHomeAgent(vec![]),
            DhcpOption::Other {
                code: 2,
                data: vec![0, 0, 0, 1],
            },
            DhcpOption::End,
        ];
        let b = ack.to_bytes().unwrap();
        let Decoded::Message(m) = dissect_dhcpv4(&b) else {
            panic!()
        };
        assert_eq!(
            m.render(),
            "DHCPACK op=2 hops=0 xid=* secs=* flags=0x0000 ciaddr=0.0.0.0 \
             yiaddr=198.51.100.10 siaddr=0.0.0.0 giaddr=0.0.0.0 chaddr=* htype=6 hlen=6 \
             sname=\"kea\" {DHCP Message Type value=5 (DHCPACK)} \
             {Server Identifier address=198.51.100.2} {IP Address Lease Time seconds=3600} \
             {Subnet Mask address=255.255.255.0} {Router addresses=198.51.100.1} \
             {Mobile IP Home Agent addresses=192.0.2.1,192.0.2.2} \
             {Mobile IP Home Agent addresses=} {option 2 len=4 data=0x00000001}"
        );
        // Option 68 of 6 octets: malformed at its Len octet.
        let mut bad = b[..240].to_vec();
        bad.extend_from_slice(&[68, 6, 1, 2, 3, 4, 5, 6]);
        assert_eq!(
            dissect_dhcpv4(&bad),
            Decoded::Malformed {
                protocol: "DHCPv4".into(),
                reason: "Mobile IP Home Agent (68) Len 6, must be a multiple of 4 at offset 241"
                    .into()
            }
        );
    }

    proptest::proptest! {
        /// Any bytes after a valid header, and the relayed DISCOVER with octets changed, give
        /// a message or a Malformed entry, never a panic.
        #[test]
        fn any_payload_dissects(
            b in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..80),
            edits in proptest::collection::vec((0usize..400, proptest::prelude::any::<u8>()), 1..4),
        ) {
            let _ = dissect_dhcpv4(&b);
            let mut r = relayed_discover().to_bytes().unwrap();
            let mut tail = r[..240].to_vec();
            tail.extend_from_slice(&b);
            let _ = dissect_dhcpv4(&tail);
            for (i, v) in edits {
                let at = i % r.len();
                r[at] = v;
            }
            match dissect_dhcpv4(&r) {
                Decoded::Message(m) => proptest::prop_assert!(!m.kind.is_empty()),
                Decoded::Malformed { protocol, .. } => proptest::prop_assert_eq!(protocol, "DHCPv4"),
                other => proptest::prop_assert!(false, "{:?}", other),
            }
        }
    }
}
