//! DHCPv6 dissector: UDP to or from ports 546 (client) and 547 (server, relay), decoded with
//! `mip6lab_wire::dhcpv6` (RFC 8415, RFC 6610 MIP6 options, RFC 6422 RSOO).
//!
//! Message kind: the RFC 8415 §7.3 name (`INFORMATION-REQUEST`, `REPLY`, `RELAY-FORW`, …,
//! `msg-type N` otherwise). Fields: `type`; client/server messages `xid` (volatile: random
//! per exchange); relay messages `hop_count`, `link`, `peer`. One child per option in wire
//! order, kind = its RFC name (`OPTION_CLIENTID`, `OPTION_MIP6_IDINF`, `option N` if
//! unnamed):
//! - CLIENTID/SERVERID: `duid` (LLT, EN, LL, UUID or the type number), `hw_type`,
//!   `enterprise`; the time, link-layer address and identifiers are volatile (DUIDs are made
//!   when a node first starts);
//! - ORO `codes`; ELAPSED_TIME `elapsed` (volatile, hundredths of a second); STATUS_CODE
//!   `status`, `name`, `message`; INTERFACE_ID `id`; INFORMATION_REFRESH_TIME `seconds`;
//! - MIP6_HNIDF/MIP6_HAF `fqdn`; MIP6_HNP `prefix` (`address/len` as sent); MIP6_HAA
//!   `address`, plus `ipv4` for a 64:ff9b::/96 IPv4-embedded address (RFC 6610 §3.4);
//! - RELAY_MSG: the relayed message as its child; RSOO, MIP6_VDINF/IDINF/UDINF: the
//!   encapsulated options as children;
//! - others: `len` and `data` (hex).

use super::{Context, Dissector, Packet, Transport};
use crate::transcript::{Decoded, Part};
use mip6lab_wire::dhcpv6::{
    self, ipv4_embedded, message_name, option_name, status_name, DhcpOption, Duid, Repr,
};

const PROTOCOL: &str = "DHCPv6";

pub struct Dhcpv6;

impl Dissector for Dhcpv6 {
    fn name(&self) -> &'static str {
        PROTOCOL
    }

    fn claims(&self, pkt: &Packet, _: &[u8]) -> bool {
        let port = |p: u16| p == dhcpv6::CLIENT_PORT || p == dhcpv6::SERVER_PORT;
        matches!(pkt.transport, Transport::Udp { sport, dport } if port(sport) || port(dport))
    }

    fn dissect(&self, _: &Packet, payload: &[u8], _: &mut Context) -> Decoded {
        dissect_dhcpv6(payload)
    }
}

/// Decodes one DHCPv6 message (a UDP payload).
pub fn dissect_dhcpv6(payload: &[u8]) -> Decoded {
    match Repr::from_bytes(payload) {
        Ok(r) => Decoded::Message(message(&r)),
        Err(e) => Decoded::malformed(PROTOCOL, e),
    }
}

/// A message and everything in it, relayed messages included.
pub fn message(r: &Repr) -> Part {
    let t = r.msg_type();
    let kind = message_name(t)
        .map(str::to_owned)
        .unwrap_or_else(|| format!("msg-type {t}"));
    let mut m = Part::new(PROTOCOL, kind).field("type", t);
    match r {
        Repr::ClientServer { transaction_id, .. } => {
            m = m.volatile("xid", format!("0x{transaction_id:06x}"));
        }
        Repr::Relay {
            hop_count,
            link_address,
            peer_address,
            ..
        } => {
            m = m
                .field("hop_count", hop_count)
                .field("link", link_address)
                .field("peer", peer_address);
        }
        Repr::Other { body, .. } => m = m.field("len", 1 + body.len()),
    }
    for o in r.options() {
        m = m.child(option(o));
    }
    m
}

fn option(o: &DhcpOption) -> Part {
    let code = o.code();
    let m = Part::new(
        PROTOCOL,
        option_name(code)
            .map(str::to_owned)
            .unwrap_or_else(|| format!("option {code}")),
    );
    match o {
        DhcpOption::ClientId(d) | DhcpOption::ServerId(d) => duid(m, d),
        DhcpOption::Oro(codes) => m.field(
            "codes",
            codes
                .iter()
                .map(u16::to_string)
                .collect::<Vec<_>>()
                .join(","),
        ),
        DhcpOption::ElapsedTime(t) => m.volatile("elapsed", t),
        DhcpOption::RelayMsg(inner) => m.child(message(inner)),
        DhcpOption::StatusCode { status, message } => {
            let m = m.field("status", status);
            let m = match status_name(*status) {
                Some(n) => m.field("name", n),
                None => m,
            };
            m.field("message", format!("{message:?}"))
        }
        DhcpOption::InterfaceId(id) => m.field("id", format!("0x{}", hex::encode(id))),
        DhcpOption::InformationRefreshTime(s) => m.field("seconds", s),
        DhcpOption::Rsoo(inner)
        | DhcpOption::Mip6Vdinf(inner)
        | DhcpOption::Mip6Idinf(inner)
        | DhcpOption::Mip6Udinf(inner) => inner.iter().fold(m, |m, o| m.child(option(o))),
        DhcpOption::Mip6Hnidf(n) | DhcpOption::Mip6Haf(n) => m.field("fqdn", n),
        DhcpOption::Mip6Hnp { prefix_len, prefix } => {
            m.field("prefix", format!("{prefix}/{prefix_len}"))
        }
        DhcpOption::Mip6Haa(a) => {
            let m = m.field("address", a);
            match ipv4_embedded(a) {
                Some(v4) => m.field("ipv4", v4),
                None => m,
            }
        }
        DhcpOption::Other { data, .. } => m
            .field("len", data.len())
            .field("data", format!("0x{}", hex::encode(data))),
    }
}

fn duid(m: Part, d: &Duid) -> Part {
    let m = m.field("duid", d.type_name());
    match d {
        Duid::Llt {
            hardware_type,
            time,
            link_layer_address,
        } => m
            .field("hw_type", hardware_type)
            .volatile("time", time)
            .volatile("lladdr", hex::encode(link_layer_address)),
        Duid::En {
            enterprise_number,
            identifier,
        } => m
            .field("enterprise", enterprise_number)
            .volatile("identifier", hex::encode(identifier)),
        Duid::Ll {
            hardware_type,
            link_layer_address,
        } => m
            .field("hw_type", hardware_type)
            .volatile("lladdr", hex::encode(link_layer_address)),
        Duid::Uuid(u) => m.volatile("uuid", hex::encode(u)),
        Duid::Other { data, .. } => m.volatile("data", hex::encode(data)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Relay-forward (hop-count 0) around an Information-request with CLIENTID (DUID-LL),
    /// ORO and HNIDF, plus an RSOO holding an IDINF with HNIDF and an IPv4-embedded HAA: all
    /// octets by hand.
    const RELAY_FORW: &[u8] = &[
        12, 0, // RELAY-FORW, hop-count
        0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, // link 2001:db8:1::1
        0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, // peer fe80::2
        0, 9, 0, 36, // OPTION_RELAY_MSG, 36
        11, 0xab, 0xcd, 0xef, // INFORMATION-REQUEST
        0, 1, 0, 10, 0, 3, 0, 1, 2, 0, 0, 0, 0, 1, // CLIENTID DUID-LL Ethernet
        0, 6, 0, 4, 0, 70, 0, 49, // ORO 70 49
        0, 49, 0, 6, 2, b'h', b'n', 1, b'x', 0, // HNIDF hn.x.
        0, 66, 0, 34, // OPTION_RSOO, 34
        0, 69, 0, 30, // OPTION_MIP6_IDINF, 30
        0, 49, 0, 6, 2, b'h', b'n', 1, b'x', 0, // HNIDF hn.x.
        0, 72, 0, 16, 0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0, 192, 0, 2, 1, // HAA
        0xff, 0xf0, 0, 1, 0xaa, // unassigned code 65520
    ];

    #[test]
    fn relay_forward_with_rsoo_renders_as_a_tree() {
        let Decoded::Message(m) = dissect_dhcpv6(RELAY_FORW) else {
            panic!("{:?}", dissect_dhcpv6(RELAY_FORW))
        };
        assert_eq!(
            m.render(),
            "RELAY-FORW type=12 hop_count=0 link=2001:db8:1::1 peer=fe80::2 \
             {OPTION_RELAY_MSG {INFORMATION-REQUEST type=11 xid=* \
             {OPTION_CLIENTID duid=LL hw_type=1 lladdr=*} {OPTION_ORO codes=70,49} \
             {OPTION_MIP6_HNIDF fqdn=hn.x.}}} \
             {OPTION_RSOO {OPTION_MIP6_IDINF {OPTION_MIP6_HNIDF fqdn=hn.x.} \
             {OPTION_MIP6_HAA address=64:ff9b::c000:201 ipv4=192.0.2.1}}} \
             {option 65520 len=1 data=0xaa}"
        );
        let inner = m.find("INFORMATION-REQUEST").unwrap();
        assert_eq!(inner.get("xid"), Some("0xabcdef"), "kept for judges");
        assert_eq!(
            m.find("OPTION_CLIENTID").unwrap().get("lladdr"),
            Some("020000000001")
        );
    }

    #[test]
    fn reply_fields_and_malformed_input() {
        let reply = [
            7, 0, 0, 1, // REPLY
            0, 13, 0, 4, 0, 6, b'n', b'o', // STATUS_CODE NoPrefixAvail "no"
            0, 32, 0, 4, 0, 1, 0x51, 0x80, // IRT 86400
            0, 70, 0, 21, // UDINF
            0, 71, 0, 17, 48, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        ];
        let Decoded::Message(m) = dissect_dhcpv6(&reply) else {
            panic!()
        };
        assert_eq!(
            m.render(),
            "REPLY type=7 xid=* {OPTION_STATUS_CODE status=6 name=NoPrefixAvail message=\"no\"} \
             {OPTION_INFORMATION_REFRESH_TIME seconds=86400} \
             {OPTION_MIP6_UDINF {OPTION_MIP6_HNP prefix=2001:db8::/48}}"
        );
        // The HNP one octet short: malformed, with the offset of its option-len.
        let mut short = reply.to_vec();
        short[23] = 20;
        short[27] = 16;
        short.pop();
        assert_eq!(
            dissect_dhcpv6(&short),
            Decoded::Malformed {
                protocol: "DHCPv6".into(),
                reason: "OPTION_MIP6_HNP option-len 16, must be 17 at offset 26".into()
            }
        );
    }

    proptest::proptest! {
        /// Any bytes, and the hand-built Relay-forward with octets changed, give a message or
        /// a Malformed entry, never a panic.
        #[test]
        fn any_payload_dissects(
            b in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..80),
            edits in proptest::collection::vec((0..RELAY_FORW.len(), proptest::prelude::any::<u8>()), 1..4),
        ) {
            let _ = dissect_dhcpv6(&b);
            let mut r = RELAY_FORW.to_vec();
            for (i, v) in edits {
                r[i] = v;
            }
            match dissect_dhcpv6(&r) {
                Decoded::Message(m) => proptest::prop_assert!(!m.kind.is_empty()),
                Decoded::Malformed { protocol, .. } => proptest::prop_assert_eq!(protocol, "DHCPv6"),
                other => proptest::prop_assert!(false, "{:?}", other),
            }
        }
    }
}
