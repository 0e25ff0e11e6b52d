//! EAPOL (IEEE 802.1X-2010 §11.3): a checked view ([`Packet`]) and an owned [`Repr`] of the
//! PDU carried in Ethernet frames of type [`ETHERTYPE`], usually to the [`PAE_GROUP_ADDRESS`].
//!
//! Layout: Protocol Version(1) ‖ Packet Type(1) ‖ Packet Body Length(2) ‖ Packet Body. Every
//! Protocol Version parses (1, 2 and 3 are in use: wpa_supplicant sends 1 by default, hostapd
//! 2). Octets after the body are not an error: a frame shorter than Ethernet's 60 octets is
//! padded by the sender's NIC, so they are kept raw as [`Repr::padding`] and re-emitted, and
//! every PDU that parses emits the same octets. The body of an EAPOL-EAP PDU decodes with
//! [`crate::eap`] on request ([`Repr::eap_packet`]); bodies of other types stay raw.

use crate::eap;
use crate::names::registry;
use crate::view::{buffer_view, require_len, room_for, view_fields};
use crate::{Error, Result};

/// The Ethernet type of EAPOL frames (IEEE 802.1X-2010 §11.1.4).
pub const ETHERTYPE: u16 = 0x888e;
/// The PAE group address (IEEE 802.1X-2010 Table 11-1), which a bridge does not forward
/// unless told to.
pub const PAE_GROUP_ADDRESS: [u8; 6] = [0x01, 0x80, 0xc2, 0x00, 0x00, 0x03];
/// Protocol Version, Packet Type, Packet Body Length.
pub const HEADER_LEN: usize = 4;

registry! {
    /// Packet Types (IEEE 802.1X-2010 Table 11-3).
    pub mod packet_type: u8;
    pub fn packet_type_name;
    EAP = 0 => "EAPOL-EAP",
    START = 1 => "EAPOL-Start",
    LOGOFF = 2 => "EAPOL-Logoff",
    KEY = 3 => "EAPOL-Key",
    ENCAPSULATED_ASF_ALERT = 4 => "EAPOL-Encapsulated-ASF-Alert",
    MKA = 5 => "EAPOL-MKA",
    ANNOUNCEMENT_GENERIC = 6 => "EAPOL-Announcement (Generic)",
    ANNOUNCEMENT_SPECIFIC = 7 => "EAPOL-Announcement (Specific)",
    ANNOUNCEMENT_REQ = 8 => "EAPOL-Announcement-Req",
}

buffer_view! {
    /// A view of an EAPOL PDU at the start of a buffer; octets after the body are padding.
    #[derive(Debug, Clone, PartialEq, Eq)]
    Packet, checked by check_len
}

view_fields!(Packet {
    version, set_version: u8 = 0;
    packet_type, set_packet_type: u8 = 1;
    body_length, set_body_length: u16 = 2..4;
});

impl<T: AsRef<[u8]>> Packet<T> {
    /// The 4-octet header present and the body it announces within the buffer.
    pub fn check_len(&self) -> Result<()> {
        let b = self.buffer.as_ref();
        require_len(b, HEADER_LEN, |n| {
            format!("EAPOL truncated: {n} octets, at least 4 needed")
        })?;
        let len = usize::from(self.body_length());
        if HEADER_LEN + len > b.len() {
            return Err(Error::new(
                2,
                format!(
                    "EAPOL Packet Body Length {len} announced, only {} octets follow the header",
                    b.len() - HEADER_LEN
                ),
            ));
        }
        Ok(())
    }

    /// The Packet Body.
    pub fn body(&self) -> &[u8] {
        &self.buffer.as_ref()[HEADER_LEN..HEADER_LEN + usize::from(self.body_length())]
    }

    /// What follows the body (Ethernet padding).
    pub fn padding(&self) -> &[u8] {
        &self.buffer.as_ref()[HEADER_LEN + usize::from(self.body_length())..]
    }
}

/// An owned EAPOL PDU.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Repr {
    pub version: u8,
    pub packet_type: u8,
    /// The Packet Body, raw (an EAP packet for [`packet_type::EAP`]).
    pub body: Vec<u8>,
    /// Octets after the body in the buffer parsed (Ethernet padding); empty when built.
    pub padding: Vec<u8>,
}

impl Repr {
    /// A PDU without body (EAPOL-Start, EAPOL-Logoff).
    pub fn empty(version: u8, packet_type: u8) -> Repr {
        Repr {
            version,
            packet_type,
            body: Vec::new(),
            padding: Vec::new(),
        }
    }

    /// An EAPOL-EAP PDU carrying `e`.
    pub fn with_eap(version: u8, e: &eap::Repr) -> Result<Repr> {
        let body = e.to_bytes().map_err(|err| err.shifted(HEADER_LEN))?;
        Ok(Repr {
            version,
            packet_type: packet_type::EAP,
            body,
            padding: Vec::new(),
        })
    }

    pub fn parse<T: AsRef<[u8]>>(p: &Packet<T>) -> Result<Repr> {
        p.check_len()?;
        Ok(Repr {
            version: p.version(),
            packet_type: p.packet_type(),
            body: p.body().to_vec(),
            padding: p.padding().to_vec(),
        })
    }

    /// Parses a whole buffer (trailing octets become [`Repr::padding`]).
    pub fn from_bytes(b: &[u8]) -> Result<Repr> {
        Repr::parse(&Packet::new_checked(b)?)
    }

    pub fn buffer_len(&self) -> usize {
        HEADER_LEN + self.body.len() + self.padding.len()
    }

    pub fn validate(&self) -> Result<()> {
        if self.body.len() > usize::from(u16::MAX) {
            return Err(Error::new(2, "EAPOL Packet Body over 65535 octets"));
        }
        Ok(())
    }

    /// Writes the PDU (and its padding) into the first [`Repr::buffer_len`] octets.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, p: &mut Packet<T>) -> Result<()> {
        self.validate()?;
        let len = self.buffer_len();
        let out = room_for(p.buffer.as_mut(), len, "EAPOL")?;
        out[0] = self.version;
        out[1] = self.packet_type;
        out[2..4].copy_from_slice(&(self.body.len() as u16).to_be_bytes());
        let end = HEADER_LEN + self.body.len();
        out[HEADER_LEN..end].copy_from_slice(&self.body);
        out[end..].copy_from_slice(&self.padding);
        Ok(())
    }

    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut v = vec![0u8; self.buffer_len()];
        self.emit(&mut Packet::new_unchecked(&mut v[..]))?;
        Ok(v)
    }

    /// The Packet Type's name (`EAPOL-Start`, …) or `type N`.
    pub fn type_name(&self) -> String {
        packet_type_name(self.packet_type)
            .map(str::to_owned)
            .unwrap_or_else(|| format!("type {}", self.packet_type))
    }

    /// The EAP packet of an EAPOL-EAP PDU (`None` for other types). The body must be exactly
    /// one EAP packet; `Err` offsets count from the start of the EAPOL PDU.
    pub fn eap_packet(&self) -> Option<Result<eap::Repr>> {
        (self.packet_type == packet_type::EAP)
            .then(|| eap::Repr::from_bytes(&self.body).map_err(|e| e.shifted(HEADER_LEN)))
    }
}

/// A MAC address as `02:42:c6:33:64:8a`.
pub fn mac_text(mac: &[u8; 6]) -> String {
    mac.iter()
        .map(|o| format!("{o:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn start_logoff_and_eap_as_wpa_supplicant_sends_them() {
        // EAPOL-Start, version 1 (wpa_supplicant's default eapol_version), padded to the
        // 46-octet minimum Ethernet payload.
        let mut frame = vec![1, 1, 0, 0];
        frame.resize(46, 0);
        let r = Repr::from_bytes(&frame).unwrap();
        assert_eq!(r.packet_type, packet_type::START);
        assert_eq!(r.version, 1);
        assert!(r.body.is_empty());
        assert_eq!(r.padding.len(), 42);
        assert_eq!(r.to_bytes().unwrap(), frame);
        assert_eq!(r.eap_packet(), None);
        assert_eq!(r.type_name(), "EAPOL-Start");

        let id = eap::Repr::response(1, eap::method::IDENTITY, &b"mn1-access@example.com"[..]);
        let pdu = Repr::with_eap(2, &id).unwrap().to_bytes().unwrap();
        assert_eq!(&pdu[..4], &[2, 0, 0, 27]);
        let back = Repr::from_bytes(&pdu).unwrap();
        assert_eq!(back.eap_packet().unwrap().unwrap(), id);
        assert!(back.padding.is_empty());

        assert_eq!(
            Repr::empty(3, packet_type::LOGOFF).to_bytes().unwrap(),
            [3, 2, 0, 0]
        );
    }

    #[test]
    fn errors_name_their_offset() {
        let e = Repr::from_bytes(&[2, 0, 0]).unwrap_err();
        assert_eq!(e.offset, 3);
        // Body Length 5, 4 octets present: the error is at the length field.
        let e = Repr::from_bytes(&[2, 0, 0, 5, 1, 2, 3, 4]).unwrap_err();
        assert_eq!(e.offset, 2);
        assert!(e.what.contains("Body Length 5"), "{e}");
        // An EAP packet whose Length (5) is short of the body: where the extra octet is,
        // 4 + 5.
        let bad = Repr {
            version: 2,
            packet_type: packet_type::EAP,
            body: vec![2, 1, 0, 5, 1, 0],
            padding: vec![],
        };
        let e = bad.eap_packet().unwrap().unwrap_err();
        assert_eq!(e.offset, 9, "{e}");
        // An unknown type keeps its body raw.
        let r = Repr::from_bytes(&[2, 9, 0, 2, 0xaa, 0xbb]).unwrap();
        assert_eq!(r.body, [0xaa, 0xbb]);
        assert_eq!(r.type_name(), "type 9");
        assert!(Packet::new_checked(&[0u8; 4][..]).is_ok());
    }

    #[test]
    fn emit_refuses_a_short_buffer_and_an_oversized_body() {
        let r = Repr::empty(2, packet_type::START);
        let mut small = [0u8; 3];
        assert!(r.emit(&mut Packet::new_unchecked(&mut small[..])).is_err());
        let big = Repr {
            body: vec![0; 65536],
            ..r
        };
        assert_eq!(big.to_bytes().unwrap_err().offset, 2);
    }

    #[test]
    fn mac_text_is_lower_case_colon_separated() {
        assert_eq!(mac_text(&PAE_GROUP_ADDRESS), "01:80:c2:00:00:03");
    }

    fn arb_repr() -> impl Strategy<Value = Repr> {
        (
            any::<u8>(),
            any::<u8>(),
            proptest::collection::vec(any::<u8>(), 0..80),
            proptest::collection::vec(any::<u8>(), 0..50),
        )
            .prop_map(|(version, packet_type, body, padding)| Repr {
                version,
                packet_type,
                body,
                padding,
            })
    }

    proptest! {
        #[test]
        fn repr_round_trips(r in arb_repr()) {
            let b = r.to_bytes().unwrap();
            prop_assert_eq!(b.len(), r.buffer_len());
            prop_assert_eq!(Repr::from_bytes(&b).unwrap(), r);
        }

        #[test]
        fn parsed_bytes_emit_identically(b in proptest::collection::vec(any::<u8>(), 0..120)) {
            if let Ok(r) = Repr::from_bytes(&b) {
                prop_assert_eq!(r.to_bytes().unwrap(), b.clone());
                if let Some(Ok(e)) = r.eap_packet() {
                    prop_assert_eq!(e.to_bytes().unwrap(), r.body);
                }
            }
        }

        #[test]
        fn eap_bodies_round_trip(id in any::<u8>(), method in 1u8.., data in proptest::collection::vec(any::<u8>(), 0..60), version in 1u8..=3) {
            let e = eap::Repr::request(id, method, data);
            let pdu = Repr::with_eap(version, &e).unwrap();
            let back = Repr::from_bytes(&pdu.to_bytes().unwrap()).unwrap();
            prop_assert_eq!(back.eap_packet().unwrap().unwrap(), e);
        }
    }
}
