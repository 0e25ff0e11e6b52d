//! EAPOL (IEEE 802.1X) frames: Ethernet frames of type 0x888E, below IP, decoded with
//! `mip6lab_wire::eapol` and the EAP they carry with `mip6lab_wire::eap`.
//!
//! A transcript entry is named by IP address, and an EAPOL frame has none; its MAC addresses
//! stand in as the IPv6 link-local addresses with the modified EUI-64 interface identifier
//! of RFC 4291 Appendix A ([`mac_address`], reversed by [`mac_of`]): `02:42:c6:33:64:8a`
//! is `fe80::42:c6ff:fe33:648a` in an entry's `src_addr`/`dst_addr`. The mapping is one to
//! one, so the MAC is recoverable exactly, and for a node that forms its link-local address
//! from its MAC it is that very address. [`crate::Endpoints::name_mac`] names the endpoints.
//!
//! Entries print as `EAPOL Start version=1`, `EAPOL EAP version=2 {EAP Response/Identity
//! id=* identity="…"}` (the Packet Type's name without its `EAPOL-` prefix; the EAP part as
//! the RADIUS dissector shows EAP-Message).

use crate::transcript::Part;
use mip6lab_wire::eapol::{self, packet_type, Repr};
use std::net::{IpAddr, Ipv6Addr};

/// IEEE 802.1Q C-tag, which may sit between the MAC addresses and the EAPOL type.
const VLAN_TPID: u16 = 0x8100;

/// An Ethernet frame of type EAPOL: destination, source and the EAPOL PDU (with any
/// padding); `None` for other frames. One 802.1Q tag is looked through.
pub fn ethernet_eapol(frame: &[u8]) -> Option<([u8; 6], [u8; 6], &[u8])> {
    let dst: [u8; 6] = frame.get(..6)?.try_into().ok()?;
    let src: [u8; 6] = frame.get(6..12)?.try_into().ok()?;
    let ty = |at: usize| {
        frame
            .get(at..at + 2)
            .map(|t| u16::from_be_bytes([t[0], t[1]]))
    };
    let pdu_at = match ty(12)? {
        eapol::ETHERTYPE => 14,
        VLAN_TPID if ty(16)? == eapol::ETHERTYPE => 18,
        _ => return None,
    };
    Some((dst, src, &frame[pdu_at..]))
}

/// The EAPOL PDU as a transcript part, or the parser's error (offsets in the PDU).
pub fn dissect_eapol(pdu: &[u8]) -> Result<Part, mip6lab_wire::Error> {
    let r = Repr::from_bytes(pdu)?;
    let name = r.type_name();
    let kind = name.strip_prefix("EAPOL-").unwrap_or(&name);
    let mut m = Part::new("EAPOL", kind).field("version", r.version);
    match r.eap_packet() {
        Some(e) => {
            e?;
            m = m.child(super::radius::eap_message(&r.body));
        }
        None if r.packet_type == packet_type::START || r.packet_type == packet_type::LOGOFF => {
            if !r.body.is_empty() {
                m = m.field("len", r.body.len());
            }
        }
        None => m = m.field("len", r.body.len()),
    }
    // Padding is left out: whether a NIC padded the frame depends on where it was captured.
    Ok(m)
}

/// The IPv6 link-local address with the modified EUI-64 interface identifier of `mac`
/// (RFC 4291 Appendix A): what EAPOL entries carry as their addresses.
pub fn mac_address(mac: &[u8; 6]) -> IpAddr {
    let mut a = [0u8; 16];
    a[..2].copy_from_slice(&[0xfe, 0x80]);
    a[8..11].copy_from_slice(&mac[..3]);
    a[8] ^= 0x02;
    a[11..13].copy_from_slice(&[0xff, 0xfe]);
    a[13..].copy_from_slice(&mac[3..]);
    IpAddr::V6(Ipv6Addr::from(a))
}

/// The MAC address behind a [`mac_address`], `None` for any other address.
pub fn mac_of(a: &IpAddr) -> Option<[u8; 6]> {
    let IpAddr::V6(a) = a else { return None };
    let o = a.octets();
    if o[..8] != [0xfe, 0x80, 0, 0, 0, 0, 0, 0] || o[11..13] != [0xff, 0xfe] {
        return None;
    }
    Some([o[8] ^ 0x02, o[9], o[10], o[13], o[14], o[15]])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mac_addresses_are_eui64_link_locals_and_back() {
        let mac = [0x02, 0x42, 0xc6, 0x33, 0x64, 0x8a];
        let a = mac_address(&mac);
        assert_eq!(a, "fe80::42:c6ff:fe33:648a".parse::<IpAddr>().unwrap());
        assert_eq!(mac_of(&a), Some(mac));
        let g = mac_address(&eapol::PAE_GROUP_ADDRESS);
        assert_eq!(mac_of(&g), Some(eapol::PAE_GROUP_ADDRESS));
        assert_eq!(mac_of(&"fe80::1".parse().unwrap()), None);
        assert_eq!(mac_of(&"192.0.2.1".parse().unwrap()), None);
    }

    #[test]
    fn ethernet_frames_of_other_types_are_not_eapol() {
        let mut f = vec![0u8; 12];
        f.extend_from_slice(&0x86ddu16.to_be_bytes());
        assert_eq!(ethernet_eapol(&f), None);
        assert_eq!(ethernet_eapol(&f[..13]), None);
        // Tagged: 8100, TCI, 888e.
        let mut t = vec![1u8; 12];
        t.extend_from_slice(&[0x81, 0x00, 0x00, 0x05, 0x88, 0x8e, 2, 1, 0, 0]);
        assert_eq!(
            ethernet_eapol(&t),
            Some(([1; 6], [1; 6], &[2, 1, 0, 0][..]))
        );
    }
}
