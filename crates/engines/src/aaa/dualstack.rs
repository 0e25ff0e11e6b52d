//! RADIUS for the dual-stack bootstrapping of draft-qin-mip6-dsbootstrapping-00: where the
//! draft's items sit in an Access-Accept, read and written through the encoding profile
//! (`mip6lab_wire::dsprofile`, `fixtures/profiles/dualstack.md`), never by hard-coded numbers.
//!
//! - [`NasDualStackAssignment`]: what the NAS takes from its AAA's Access-Accept at network
//!   access (draft §4.1.1 step 3: "NAS and AAAH should assign the proper Foreign Home Agent
//!   and the co-located address"; §4.2.1: the AAAF assigns them) — lowercase "should" in the
//!   draft, which also leaves the encoding open (its §5 has no IANA considerations).
//! - [`FhaAuthorization`]: what the FHA takes from the AAAH's Access-Accept (draft §4.1.1
//!   "after the mobile node is authenticated by the FHA and AAAH", §4.2.1 "provided by the
//!   AAAH server"): THoAv4, IPv6 HoA, home prefix, IPv6 HA, IPv6 CoA, and the RFC 3957
//!   key material (the MN-HA key, hidden, and its Key Generation Nonce; a lab convention).
//! - The MN-AAA authenticator as RADIUS CHAP ([`mn_aaa_chap_attributes`]): **a lab
//!   convention**. RFC 4721 §8 defines the CHAP_SPI computation "used by many RADIUS servers"
//!   but no RFC says which attributes carry it (the draft's \[MIP4RD\] expired; the profile's
//!   "Not covered" list says so). The lab maps it onto RFC 2865 CHAP so that a stock
//!   FreeRADIUS `users` entry with a `Cleartext-Password` (the MN's MN-AAA key) verifies it
//!   with its `chap` module: CHAP-Password (3) = the challenge's high-order octet as CHAP Ident
//!   ‖ the authenticator, CHAP-Challenge (60) = `MD5(RRQ through the SPI) ‖ last 237 octets of
//!   the challenge` ([`mip6lab_wire::mip4::auth::chap_radius_parts`]). RADIUS CHAP then
//!   computes exactly RFC 4721 §8's `MD5(challenge[0] ‖ key ‖ MD5(…) ‖ challenge tail)`.

use mip6lab_wire::dsprofile::{Carrier, Item, Message, Profile};
use mip6lab_wire::mip4::auth;
use mip6lab_wire::radius::{self, attr, AttrType, Attribute, Repr};
use std::net::{Ipv4Addr, Ipv6Addr};

/// The challenge a co-located MN uses with CHAP_SPI (RFC 4721 §3.5 recommends the value 0,
/// §8 "the Challenge value 0 is used"): one zero octet.
pub const CO_LOCATED_CHALLENGE: [u8; 1] = [0];

/// The raw value of `item` in the RADIUS `message` `repr`, where `profile` puts it; `None`
/// when the profile has no RADIUS carrier for it there or the attribute is absent.
pub fn profile_value(
    profile: &Profile,
    repr: &Repr,
    item: Item,
    message: Message,
) -> Option<Vec<u8>> {
    match *profile.carrier_of(item, message)? {
        Carrier::RadiusAttribute(t) => repr.value(t).map(<[u8]>::to_vec),
        Carrier::RadiusVendor { vendor, kind } => repr.vendor_attribute(vendor, kind),
        _ => None,
    }
}

/// The attribute carrying `value` for `item` in `message`; `None` when the profile has no
/// RADIUS carrier for it there.
pub fn profile_attribute(
    profile: &Profile,
    item: Item,
    message: Message,
    value: &[u8],
) -> Option<Attribute> {
    match *profile.carrier_of(item, message)? {
        Carrier::RadiusAttribute(t) => Some(Attribute::new(t, value)),
        Carrier::RadiusVendor { vendor, kind } => Some(Attribute::vendor(vendor, kind, value)),
        _ => None,
    }
}

/// The octets of an IPv4 address for the attribute that carries `item` in `message`: the
/// RFC 6572 §4.12 prefix form (6 octets, length 32) where the dictionary types the attribute
/// so (PMIP6-Home-IPv4-HoA), otherwise the 4 address octets.
pub fn ipv4_value(profile: &Profile, item: Item, message: Message, a: Ipv4Addr) -> Vec<u8> {
    let prefix_form = matches!(
        profile.carrier_of(item, message),
        Some(Carrier::RadiusAttribute(t)) if radius::attr_info(*t).map(|(_, ty)| ty)
            == Some(AttrType::Ipv4Prefix)
    );
    let mut v = if prefix_form { vec![0, 32] } else { vec![] };
    v.extend_from_slice(&a.octets());
    v
}

fn ipv4_of(item: Item, v: &[u8]) -> Result<Ipv4Addr, String> {
    match v.len() {
        4 => Ok(Ipv4Addr::new(v[0], v[1], v[2], v[3])),
        // RFC 6572 §4.12 as the dictionary reads it: reserved/length, then the address.
        6 => Ok(Ipv4Addr::new(v[2], v[3], v[4], v[5])),
        n => Err(format!(
            "{item}: {n} octets (an IPv4 address: 4, or 6 in prefix form)"
        )),
    }
}

fn ipv6_of(item: Item, v: &[u8]) -> Result<Ipv6Addr, String> {
    <[u8; 16]>::try_from(v)
        .map(Ipv6Addr::from)
        .map_err(|_| format!("{item}: {} octets (an IPv6 address: 16)", v.len()))
}

/// `prefix-len(1) ‖ prefix(16)` (RFC 5447 §4.2.4; the profile's home-prefix layout).
fn prefix_of(item: Item, v: &[u8]) -> Result<(Ipv6Addr, u8), String> {
    if v.len() != 17 || v[0] > 128 {
        return Err(format!(
            "{item}: {} octets (prefix length ≤ 128, then 16 octets)",
            v.len()
        ));
    }
    Ok((ipv6_of(item, &v[1..])?, v[0]))
}

/// The value of a home prefix in the profile's layout (RFC 5447 §4.2.4).
pub fn prefix_value(prefix: Ipv6Addr, len: u8) -> Vec<u8> {
    let mut v = vec![len];
    v.extend_from_slice(&prefix.octets());
    v
}

/// What the NAS learns from its AAA at network access (draft §4.1.1 step 3, §4.2.1) and
/// passes to the MN (the "Access Rep.", access-technology specific).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NasDualStackAssignment {
    /// The Foreign Home Agent (profile: `fha-address` in `access-accept`).
    pub fha_address: Option<Ipv4Addr>,
    /// The co-located care-of address (profile: `co-located-coa` in `access-accept`).
    pub co_located_coa: Option<Ipv4Addr>,
}

impl NasDualStackAssignment {
    /// Reads an Access-Accept; an item whose attribute is absent stays `None`, one of the
    /// wrong length is an `Err` naming it.
    pub fn from_accept(profile: &Profile, accept: &Repr) -> Result<Self, String> {
        let get = |item| {
            profile_value(profile, accept, item, Message::AccessAccept)
                .map(|v| ipv4_of(item, &v))
                .transpose()
        };
        Ok(NasDualStackAssignment {
            fha_address: get(Item::FhaAddress)?,
            co_located_coa: get(Item::CoLocatedCoa)?,
        })
    }

    /// The attributes an AAA server puts in its Access-Accept for this assignment.
    pub fn to_attributes(&self, profile: &Profile) -> Vec<Attribute> {
        [
            (Item::FhaAddress, self.fha_address),
            (Item::CoLocatedCoa, self.co_located_coa),
        ]
        .into_iter()
        .filter_map(|(item, a)| {
            let v = ipv4_value(profile, item, Message::AccessAccept, a?);
            profile_attribute(profile, item, Message::AccessAccept, &v)
        })
        .collect()
    }
}

/// What the AAAH's Access-Accept gives the FHA (draft §4.1.1, §4.2.1); every field where the
/// profile's `fha-access-accept` rows put it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FhaAuthorization {
    pub thoa_v4: Option<Ipv4Addr>,
    pub ipv6_hoa: Option<Ipv6Addr>,
    pub ipv6_home_prefix: Option<(Ipv6Addr, u8)>,
    pub ipv6_ha: Option<Ipv6Addr>,
    pub ipv6_coa: Option<Ipv6Addr>,
    /// The MN-HA key for the FHA (RFC 3957 §5 derives it; the profile's VSA carries it, hidden
    /// the Tunnel-Password way: [`FhaAuthorization::from_accept`] reveals it).
    pub mn_ha_key: Option<Vec<u8>>,
    /// The Key Generation Nonce the key came from (RFC 3957 §5), for the MN-HA AAA KeyGen
    /// Reply (profile: `mn-ha-keygen-reply` in `fha-access-accept`).
    pub keygen_nonce: Option<Vec<u8>>,
}

impl FhaAuthorization {
    /// Reads an Access-Accept that answers the Access-Request with Request Authenticator
    /// `request_auth`, sent with `secret`; `Err` names an item whose value has the wrong form
    /// (a hidden MN-HA key that does not reveal is one). A THoAv4 of 0.0.0.0 counts as absent
    /// (RFC 6572 §4.12 uses it to ask, not to assign).
    pub fn from_accept(
        profile: &Profile,
        accept: &Repr,
        request_auth: &[u8; 16],
        secret: &[u8],
    ) -> Result<Self, String> {
        let raw = |item| profile_value(profile, accept, item, Message::FhaAccessAccept);
        let v6 = |item| raw(item).map(|v| ipv6_of(item, &v)).transpose();
        // The key is hidden as FreeRADIUS `encrypt=2` hides it: the MS-MPPE-Key layout (RFC
        // 2548 §2.4.2), which is RFC 2868 §3.5's Tunnel-Password without its Tag octet.
        let mn_ha_key = raw(Item::MnHaKey)
            .map(|v| radius::decrypt_mppe_key(&v, request_auth, secret))
            .transpose()
            .map_err(|e| format!("{}: {e}", Item::MnHaKey))?;
        Ok(FhaAuthorization {
            thoa_v4: raw(Item::ThoaV4)
                .map(|v| ipv4_of(Item::ThoaV4, &v))
                .transpose()?
                .filter(|a| !a.is_unspecified()),
            ipv6_hoa: v6(Item::Ipv6HomeAddress)?,
            ipv6_home_prefix: raw(Item::Ipv6HomePrefix)
                .map(|v| prefix_of(Item::Ipv6HomePrefix, &v))
                .transpose()?,
            ipv6_ha: v6(Item::Ipv6HaAddress)?,
            ipv6_coa: v6(Item::Ipv6CareOf)?,
            mn_ha_key,
            keygen_nonce: raw(Item::MnHaKeygenReply),
        })
    }

    /// The attributes an AAAH puts in its Access-Accept to the FHA for this authorization
    /// (for the lab's AAA roles and tests), answering the Access-Request with Request
    /// Authenticator `request_auth`; the MN-HA key is hidden with `secret` and `salt` (its
    /// high bit is set here). `Err` for a key too long to hide (over 240 octets).
    pub fn to_attributes(
        &self,
        profile: &Profile,
        request_auth: &[u8; 16],
        secret: &[u8],
        salt: u16,
    ) -> Result<Vec<Attribute>, String> {
        let m = Message::FhaAccessAccept;
        let mut items: Vec<(Item, Vec<u8>)> = Vec::new();
        if let Some(a) = self.thoa_v4 {
            items.push((Item::ThoaV4, ipv4_value(profile, Item::ThoaV4, m, a)));
        }
        let v6 = [
            (Item::Ipv6HomeAddress, self.ipv6_hoa),
            (Item::Ipv6HaAddress, self.ipv6_ha),
            (Item::Ipv6CareOf, self.ipv6_coa),
        ];
        items.extend(
            v6.into_iter()
                .filter_map(|(i, a)| Some((i, a?.octets().to_vec()))),
        );
        if let Some((p, l)) = self.ipv6_home_prefix {
            items.push((Item::Ipv6HomePrefix, prefix_value(p, l)));
        }
        if let Some(k) = &self.mn_ha_key {
            let hidden = radius::encrypt_mppe_key(k, salt, request_auth, secret)
                .map_err(|e| format!("{}: {e}", Item::MnHaKey))?;
            items.push((Item::MnHaKey, hidden));
        }
        if let Some(n) = &self.keygen_nonce {
            items.push((Item::MnHaKeygenReply, n.clone()));
        }
        Ok(items
            .into_iter()
            .filter_map(|(i, v)| profile_attribute(profile, i, m, &v))
            .collect())
    }
}

/// The CHAP-Password and CHAP-Challenge attributes carrying the MN-AAA authenticator of the
/// registration `rrq` whose MN-AAA extension (SPI CHAP_SPI) is at `at` (lab convention, see
/// the module doc). `challenge` is the MN-FA Challenge's value, or [`CO_LOCATED_CHALLENGE`].
pub fn mn_aaa_chap_attributes(
    rrq: &[u8],
    at: usize,
    challenge: &[u8],
    authenticator: &[u8],
) -> Result<[Attribute; 2], String> {
    if authenticator.len() != auth::AUTHENTICATOR_LEN {
        return Err(format!(
            "MN-AAA authenticator of {} octets (16 for CHAP_SPI, RFC 4721 §8)",
            authenticator.len()
        ));
    }
    let (ident, chap_challenge) =
        auth::chap_radius_parts(rrq, at, challenge).map_err(|e| e.to_string())?;
    let mut password = vec![ident];
    password.extend_from_slice(authenticator);
    Ok([
        Attribute::new(attr::CHAP_PASSWORD, password),
        Attribute::new(attr::CHAP_CHALLENGE, chap_challenge),
    ])
}

/// How a RADIUS server checks a CHAP-Password (RFC 2865 §5.3, §5.40) against `password`:
/// `None` if the request carries none (or one that is not 17 octets).
pub fn verify_chap_password(request: &Repr, password: &[u8]) -> Option<bool> {
    let cp = request.value(attr::CHAP_PASSWORD)?;
    if cp.len() != 17 {
        return None;
    }
    let challenge = request
        .value(attr::CHAP_CHALLENGE)
        .map(<[u8]>::to_vec)
        .unwrap_or_else(|| request.authenticator.to_vec());
    let want = radius::chap_response(cp[0], password, &challenge);
    Some(want[..] == cp[1..])
}

#[cfg(test)]
mod tests {
    use super::*;
    use mip6lab_wire::radius::code;

    /// The Request Authenticator the Accepts answer.
    const RA: [u8; 16] = [0x42; 16];

    fn accept() -> Repr {
        Repr::new(code::ACCESS_ACCEPT, 1, [0; 16])
    }

    #[test]
    fn nas_assignment_round_trips_through_the_profile() {
        let p = Profile::lab();
        let want = NasDualStackAssignment {
            fha_address: Some(Ipv4Addr::new(192, 0, 2, 10)),
            co_located_coa: Some(Ipv4Addr::new(198, 51, 100, 20)),
        };
        let mut r = accept();
        for a in want.to_attributes(&p) {
            r.push(a);
        }
        // Framed-IP-Address (8) and WiMAX 24757/64 in the lab profile.
        assert_eq!(
            r.value(attr::FRAMED_IP_ADDRESS),
            Some(&[198, 51, 100, 20][..])
        );
        assert_eq!(r.vendor_attribute(24757, 64), Some(vec![192, 0, 2, 10]));
        let r = Repr::from_bytes(&r.to_bytes().unwrap()).unwrap();
        assert_eq!(NasDualStackAssignment::from_accept(&p, &r).unwrap(), want);
        assert_eq!(
            NasDualStackAssignment::from_accept(&p, &accept()).unwrap(),
            NasDualStackAssignment::default()
        );
        let mut bad = accept();
        bad.push(Attribute::new(attr::FRAMED_IP_ADDRESS, [1, 2, 3]));
        let e = NasDualStackAssignment::from_accept(&p, &bad).unwrap_err();
        assert!(e.contains("co-located-coa"), "{e}");
    }

    #[test]
    fn fha_authorization_round_trips_and_reads_the_prefix_forms() {
        let p = Profile::lab();
        let want = FhaAuthorization {
            thoa_v4: Some(Ipv4Addr::new(203, 0, 113, 7)),
            ipv6_hoa: Some("2001:db8:1:100::7".parse().unwrap()),
            ipv6_home_prefix: Some(("2001:db8:1:100::".parse().unwrap(), 64)),
            ipv6_ha: Some("2001:db8:1::a1".parse().unwrap()),
            ipv6_coa: Some("2001:db8:77::7".parse().unwrap()),
            mn_ha_key: Some(b"k".to_vec()),
            keygen_nonce: Some(vec![7; 16]),
        };
        let mut r = accept();
        for a in want.to_attributes(&p, &RA, b"s", 0x1234).unwrap() {
            r.push(a);
        }
        // PMIP6-Home-IPv4-HoA in the RFC 6572 §4.12 form the dictionary reads.
        assert_eq!(
            r.value(attr::PMIP6_HOME_IPV4_HOA),
            Some(&[0, 32, 203, 0, 113, 7][..])
        );
        // The key hidden (salt with its high bit, one block), the nonce in the clear.
        let hidden = r.vendor_attribute(32473, 2).unwrap();
        assert_eq!((hidden.len(), &hidden[..2]), (18, &[0x92, 0x34][..]));
        assert_eq!(r.vendor_attribute(32473, 3), Some(vec![7; 16]));
        let r = Repr::from_bytes(&r.to_bytes().unwrap()).unwrap();
        assert_eq!(
            FhaAuthorization::from_accept(&p, &r, &RA, b"s").unwrap(),
            want
        );
        // Another secret reveals garbage or nothing, never the key.
        assert_ne!(
            FhaAuthorization::from_accept(&p, &r, &RA, b"other").map(|a| a.mn_ha_key),
            Ok(want.mn_ha_key.clone())
        );
        // 0.0.0.0 asks rather than assigns; a 4-octet address reads too.
        let mut z = accept();
        z.push(Attribute::new(
            attr::PMIP6_HOME_IPV4_HOA,
            [0, 32, 0, 0, 0, 0],
        ));
        assert_eq!(
            FhaAuthorization::from_accept(&p, &z, &RA, b"s")
                .unwrap()
                .thoa_v4,
            None
        );
        let mut four = accept();
        four.push(Attribute::new(attr::PMIP6_HOME_IPV4_HOA, [10, 0, 0, 1]));
        assert_eq!(
            FhaAuthorization::from_accept(&p, &four, &RA, b"s")
                .unwrap()
                .thoa_v4,
            Some(Ipv4Addr::new(10, 0, 0, 1))
        );
        let mut bad = accept();
        bad.push(Attribute::new(attr::MIP6_HOME_LINK_PREFIX, [200; 17]));
        assert!(FhaAuthorization::from_accept(&p, &bad, &RA, b"s").is_err());
        let mut short = accept();
        short.push(Attribute::vendor(32473, 2, &[0x80, 1, 2]));
        let e = FhaAuthorization::from_accept(&p, &short, &RA, b"s").unwrap_err();
        assert!(e.contains("mn-ha-key"), "{e}");
    }

    #[test]
    fn the_chap_mapping_verifies_as_rfc_4721_section_8() {
        use mip6lab_wire::mip4::{ext::reg_ext, RegistrationRequest, Repr as Mip4, RrqFlags};
        let rrq = Mip4::Request(RegistrationRequest {
            flags: RrqFlags(RrqFlags::D),
            lifetime: 600,
            home_address: Ipv4Addr::UNSPECIFIED,
            home_agent: Ipv4Addr::new(192, 0, 2, 10),
            care_of_address: Ipv4Addr::new(198, 51, 100, 20),
            identification: 7,
            extensions: vec![mip6lab_wire::mip4::Extension::Nai(
                b"mn@example.com".to_vec(),
            )],
        });
        let mut b = rrq.to_bytes().unwrap();
        let at = b.len();
        b.extend_from_slice(&[reg_ext::GENERALIZED_AUTH, 1, 0, 20, 0, 0, 0, 2]);
        b.extend_from_slice(&[0; 16]);
        let a = auth::chap_authenticator(&b, at, b"aaa-key", &CO_LOCATED_CHALLENGE).unwrap();
        let [pw, ch] = mn_aaa_chap_attributes(&b, at, &CO_LOCATED_CHALLENGE, &a).unwrap();
        let mut req = Repr::new(code::ACCESS_REQUEST, 1, [9; 16]);
        req.push(pw).push(ch);
        assert_eq!(verify_chap_password(&req, b"aaa-key"), Some(true));
        assert_eq!(verify_chap_password(&req, b"other"), Some(false));
        assert_eq!(verify_chap_password(&accept(), b"aaa-key"), None);
        assert!(mn_aaa_chap_attributes(&b, at, &CO_LOCATED_CHALLENGE, &a[..8]).is_err());
    }
}
