//! RADIUS and EAP codecs: known answers from RFC 2865 §7.1 and from the RFC 3579 / RFC 2548
//! formulas (expected values computed independently with Python's hashlib/hmac), round trips
//! both ways, and malformed input.

use mip6lab_wire::eap::{self, Md5Challenge};
use mip6lab_wire::radius::{
    self, attr, code, decrypt_mppe_key, encrypt_mppe_key, hide_password, message_authenticator,
    msk_from_mppe, unhide_password, verify_message_authenticator, verify_response_authenticator,
    Attribute, Repr, Value,
};
use proptest::prelude::*;
use rstest::rstest;
use std::net::{Ipv4Addr, Ipv6Addr};

fn h(s: &str) -> Vec<u8> {
    hex::decode(s.replace(' ', "")).unwrap()
}

fn a16(s: &str) -> [u8; 16] {
    h(s).try_into().unwrap()
}

const RFC_SECRET: &[u8] = b"xyzzy5461";
const LAB_SECRET: &[u8] = b"mip6lab-radius-secret";

// ---------- RFC 2865 §7.1 ----------

const RFC2865_REQUEST: &str = "01 00 00 38 0f 40 3f 94 73 97 80 57 bd 83 d5 cb
    98 f4 22 7a 01 06 6e 65 6d 6f 02 12 0d be 70 8d 93 d4 13 ce 31 96 e4 3f 78 2a 0a ee
    04 06 c0 a8 01 10 05 06 00 00 00 03";
const RFC2865_ACCEPT: &str = "02 00 00 26 86 fe 22 0e 76 24 ba 2a 10 05 f6 bf 9b 55 e0 b2
    06 06 00 00 00 01 0f 06 00 00 00 00 0e 06 c0 a8 01 03";

#[test]
fn rfc2865_access_request_decodes_and_password_unhides() {
    let b = h(&RFC2865_REQUEST.replace('\n', " "));
    let r = Repr::from_bytes(&b).unwrap();
    assert_eq!(r.code, code::ACCESS_REQUEST);
    assert_eq!(r.code_name(), Some("Access-Request"));
    assert_eq!(r.identifier, 0);
    assert_eq!(r.attributes.len(), 4);
    assert_eq!(r.value(attr::USER_NAME), Some(&b"nemo"[..]));
    let hidden = r.value(attr::USER_PASSWORD).unwrap();
    assert_eq!(
        unhide_password(hidden, &r.authenticator, RFC_SECRET).unwrap(),
        b"arctangent"
    );
    assert_eq!(
        hide_password(b"arctangent", &r.authenticator, RFC_SECRET).unwrap(),
        hidden
    );
    assert_eq!(
        r.attribute(attr::NAS_IP_ADDRESS).unwrap().decode().unwrap(),
        Value::Ipv4(Ipv4Addr::new(192, 168, 1, 16))
    );
    assert_eq!(
        r.attribute(attr::NAS_PORT).unwrap().decode().unwrap(),
        Value::Integer(3)
    );
    assert_eq!(r.to_bytes().unwrap(), b);
}

#[test]
fn rfc2865_access_accept_response_authenticator() {
    let req = h(&RFC2865_REQUEST.replace('\n', " "));
    let req_auth: [u8; 16] = req[4..20].try_into().unwrap();
    let acc = h(&RFC2865_ACCEPT.replace('\n', " "));
    assert!(verify_response_authenticator(&acc, &req_auth, RFC_SECRET).unwrap());
    assert!(!verify_response_authenticator(&acc, &req_auth, b"xyzzy5462").unwrap());
    // Signing the same reply from scratch gives the RFC's octets.
    let mut r = Repr::from_bytes(&acc).unwrap();
    r.authenticator = [0; 16];
    assert_eq!(r.sign_response(&req_auth, RFC_SECRET, false).unwrap(), acc);
    assert_eq!(
        r.attribute(attr::LOGIN_IP_HOST).unwrap().decode().unwrap(),
        Value::Ipv4(Ipv4Addr::new(192, 168, 1, 3))
    );
    assert_eq!(
        r.attribute(attr::SERVICE_TYPE).unwrap().display_name(),
        "Service-Type"
    );
}

// ---------- RFC 3579 §3.2 Message-Authenticator ----------

fn eap_request_packet() -> Repr {
    let mut r = Repr::new(
        code::ACCESS_REQUEST,
        7,
        a16("000102030405060708090a0b0c0d0e0f"),
    );
    r.push(Attribute::text(attr::USER_NAME, "mn1@example.com"));
    let id = eap::Repr::response(0, eap::method::IDENTITY, &b"mn1@example.com"[..]);
    r.push_eap_message(&id.to_bytes().unwrap());
    r
}

#[test]
fn message_authenticator_of_an_access_request() {
    let mut r = eap_request_packet();
    let b = r.sign_request(LAB_SECRET).unwrap();
    assert_eq!(
        b,
        h("0107004d000102030405060708090a0b0c0d0e0f01116d6e31406578616d706c652e636f6d4f1602000014016d6e31406578616d706c652e636f6d5012b0505e2067c70fbf9d7ab56c1d18b84d")
    );
    assert_eq!(
        verify_message_authenticator(&b, &r.authenticator, LAB_SECRET).unwrap(),
        Some(true)
    );
    let mut bad = b.clone();
    bad[30] ^= 1;
    assert_eq!(
        verify_message_authenticator(&bad, &r.authenticator, LAB_SECRET).unwrap(),
        Some(false)
    );
    assert_eq!(Repr::from_bytes(&b).unwrap(), r);
}

#[test]
fn challenge_reply_is_signed_ma_first_then_response_authenticator() {
    let req_auth = a16("000102030405060708090a0b0c0d0e0f");
    let challenge: Vec<u8> = (0x10..0x20).collect();
    let eap_req = eap::Repr::request(
        1,
        eap::method::MD5_CHALLENGE,
        Md5Challenge {
            value: challenge.clone(),
            name: Vec::new(),
        }
        .to_bytes()
        .unwrap(),
    );
    let mut r = Repr::new(code::ACCESS_CHALLENGE, 7, [0; 16]);
    r.push_eap_message(&eap_req.to_bytes().unwrap());
    r.push(Attribute::new(attr::MESSAGE_AUTHENTICATOR, [0u8; 16]));
    r.push(Attribute::new(attr::STATE, &b"st01"[..]));
    let b = r.sign_response(&req_auth, LAB_SECRET, true).unwrap();
    assert_eq!(
        r.value(attr::MESSAGE_AUTHENTICATOR).unwrap(),
        h("32d41888e818c76a90f2bbd56250181f")
    );
    assert_eq!(r.authenticator, a16("14155b5fde2806d11f8851748b4b9fa5"));
    assert!(verify_response_authenticator(&b, &req_auth, LAB_SECRET).unwrap());
    assert_eq!(
        verify_message_authenticator(&b, &req_auth, LAB_SECRET).unwrap(),
        Some(true)
    );
    // The MA of a reply is over the Request Authenticator, not the reply's own.
    assert_eq!(
        verify_message_authenticator(&b, &r.authenticator, LAB_SECRET).unwrap(),
        Some(false)
    );
    let back = Repr::from_bytes(&b).unwrap();
    let e = eap::Repr::from_bytes(&back.eap_message().unwrap()).unwrap();
    assert_eq!(e.describe(), "Request/MD5-Challenge");
    let ans = eap::answer_md5_challenge(&e, b"mn1-secret", b"").unwrap();
    assert_eq!(
        ans.md5_challenge().unwrap().unwrap().value,
        h("8b585bcbb9e11f8fc40581d2dafed8d0")
    );
    assert_eq!(ans.identifier, 1);
    assert_eq!(ans.code, eap::code::RESPONSE);
}

#[test]
fn message_authenticator_absent_or_malformed() {
    let mut r = Repr::new(code::ACCESS_REQUEST, 1, [9; 16]);
    r.push(Attribute::text(attr::USER_NAME, "x"));
    let b = r.to_bytes().unwrap();
    assert_eq!(
        verify_message_authenticator(&b, &[9; 16], b"s").unwrap(),
        None
    );
    assert!(message_authenticator(&b, &[9; 16], b"s").is_err());
    r.push(Attribute::new(attr::MESSAGE_AUTHENTICATOR, [0u8; 4]));
    let b = r.to_bytes().unwrap();
    let e = verify_message_authenticator(&b, &[9; 16], b"s").unwrap_err();
    assert_eq!(e.offset, 24);
}

// ---------- RFC 2548 MPPE keys ----------

#[test]
fn mppe_key_encrypts_to_the_known_answer_and_back() {
    let ra = a16("000102030405060708090a0b0c0d0e0f");
    let key: Vec<u8> = (0x40..0x60).collect();
    let want = h("8123827ae3ce28cecfddd56e13d8860047bd7307861545494cfd2b2ea775047036dd2a4542df503605a38bdf57d214f1e368");
    assert_eq!(
        encrypt_mppe_key(&key, 0x0123, &ra, LAB_SECRET).unwrap(),
        want
    );
    assert_eq!(decrypt_mppe_key(&want, &ra, LAB_SECRET).unwrap(), key);
    // Salt without its high bit, bad lengths, wrong secret.
    let mut nohigh = want.clone();
    nohigh[0] &= 0x7f;
    assert!(decrypt_mppe_key(&nohigh, &ra, LAB_SECRET).is_err());
    assert!(decrypt_mppe_key(&want[..20], &ra, LAB_SECRET).is_err());
    let wrong = decrypt_mppe_key(&want, &ra, b"other");
    assert!(wrong.is_err() || wrong.unwrap() != key);
}

#[test]
fn msk_is_recv_key_then_send_key() {
    let ra = [3u8; 16];
    let recv = [0xaa; 32];
    let send = [0xbb; 32];
    let mut acc = Repr::new(code::ACCESS_ACCEPT, 1, [0; 16]);
    acc.push(Attribute::vendor(
        radius::VENDOR_MICROSOFT,
        radius::MS_MPPE_SEND_KEY,
        &encrypt_mppe_key(&send, 0x8001, &ra, LAB_SECRET).unwrap(),
    ));
    acc.push(Attribute::vendor(
        radius::VENDOR_MICROSOFT,
        radius::MS_MPPE_RECV_KEY,
        &encrypt_mppe_key(&recv, 0x8002, &ra, LAB_SECRET).unwrap(),
    ));
    let msk = msk_from_mppe(&acc, &ra, LAB_SECRET).unwrap().unwrap();
    assert_eq!(&msk[..32], &recv);
    assert_eq!(&msk[32..], &send);
    let vs = acc.attributes[0].vendor_specific().unwrap();
    assert_eq!(vs.vendor_id, 311);
    assert_eq!(vs.subs.as_ref().unwrap()[0].vendor_type, 16);
    assert_eq!(
        msk_from_mppe(&Repr::new(2, 1, [0; 16]), &ra, LAB_SECRET).unwrap(),
        None
    );
}

// ---------- RFC 2866 accounting ----------

/// An HA's Accounting-Request carrying the MN's FQDN-HoA pair (RFC 5026 §6 delegated DNS
/// update): authenticator and the server's reply computed independently with Python's hashlib.
#[test]
fn accounting_request_and_response_authenticators() {
    let hoa: Ipv6Addr = "2001:db8:1:100::8001".parse().unwrap();
    let mut r = Repr::new(code::ACCOUNTING_REQUEST, 7, [0xaa; 16]);
    r.push(Attribute::integer(
        attr::ACCT_STATUS_TYPE,
        radius::acct_status::START,
    ));
    r.push(Attribute::text(attr::USER_NAME, "mn1.example.com"));
    r.push(Attribute::ipv6(attr::FRAMED_IPV6_ADDRESS, hoa));
    r.push(Attribute::ipv6(
        attr::NAS_IPV6_ADDRESS,
        "2001:db8:1::a1".parse().unwrap(),
    ));
    r.push(Attribute::text(attr::ACCT_SESSION_ID, "ha1-1"));
    let b = r.sign_accounting_request(LAB_SECRET).unwrap();
    assert_eq!(b.len(), 86);
    assert_eq!(r.authenticator, a16("574570751b417e8a1d962ac2ddc4bfe7"));
    assert_eq!(&b[4..20], &r.authenticator);
    assert!(radius::verify_accounting_request(&b, LAB_SECRET).unwrap());
    assert!(!radius::verify_accounting_request(&b, b"other").unwrap());
    let parsed = Repr::from_bytes(&b).unwrap();
    assert_eq!(
        parsed
            .attribute(attr::FRAMED_IPV6_ADDRESS)
            .unwrap()
            .decode()
            .unwrap(),
        Value::Ipv6(hoa)
    );
    assert_eq!(
        parsed.attribute(attr::FRAMED_IPV6_ADDRESS).unwrap().name(),
        Some("Framed-IPv6-Address")
    );
    let mut resp = Repr::new(code::ACCOUNTING_RESPONSE, 7, [0; 16]);
    let rb = resp
        .sign_response(&r.authenticator, LAB_SECRET, false)
        .unwrap();
    assert_eq!(resp.authenticator, a16("300b0ddd4d94120e04a5817c291de87a"));
    assert!(verify_response_authenticator(&rb, &r.authenticator, LAB_SECRET).unwrap());
    assert_eq!(radius::acct_status_name(2), Some("Stop"));
    assert_eq!(radius::acct_status_name(99), None);
    // A truncated request is an error, not a panic.
    assert!(radius::verify_accounting_request(&b[..19], LAB_SECRET).is_err());
    assert!(Attribute::new(attr::FRAMED_IPV6_ADDRESS, vec![0; 8])
        .decode()
        .is_err());
}

// ---------- attributes ----------

#[test]
fn typed_values() {
    let p: Ipv6Addr = "2001:db8:1:100::".parse().unwrap();
    let a = Attribute::ipv6_prefix(attr::FRAMED_IPV6_PREFIX, p, 64);
    assert_eq!(a.value.len(), 10);
    assert_eq!(
        a.decode().unwrap(),
        Value::Ipv6Prefix {
            reserved: 0,
            len: 64,
            prefix: p
        }
    );
    let ha: Ipv6Addr = "2001:db8:1::a1".parse().unwrap();
    assert_eq!(
        Attribute::ipv6(attr::NAS_IPV6_ADDRESS, ha)
            .decode()
            .unwrap(),
        Value::Ipv6(ha)
    );
    assert_eq!(
        Attribute::text(attr::NAS_IDENTIFIER, "ha1").display_name(),
        "NAS-Identifier"
    );
    assert_eq!(Attribute::new(200, vec![1]).display_name(), "Attr-200");
    assert_eq!(
        Attribute::new(200, vec![1]).decode().unwrap(),
        Value::Octets(vec![1])
    );
    // Wrong sizes are errors with an offset, not panics.
    assert!(Attribute::new(attr::NAS_IPV6_ADDRESS, vec![1; 4])
        .decode()
        .is_err());
    assert!(Attribute::new(attr::NAS_PORT, vec![1; 3]).decode().is_err());
    assert!(Attribute::new(attr::FRAMED_IPV6_PREFIX, vec![0, 129])
        .decode()
        .is_err());
    assert!(Attribute::new(attr::VENDOR_SPECIFIC, vec![0, 0])
        .decode()
        .is_err());
    // A vendor String that is not sub-TLVs stays raw.
    let v = Attribute::new(attr::VENDOR_SPECIFIC, vec![0, 0, 0x60, 0xb5, 7, 9, 1])
        .vendor_specific()
        .unwrap();
    assert_eq!(v.vendor_id, 24757);
    assert_eq!(v.subs, None);
    assert_eq!(v.data, [7, 9, 1]);
}

#[test]
fn eap_message_splits_at_253_and_joins() {
    let eap: Vec<u8> = (0..600u32).map(|i| i as u8).collect();
    let attrs = radius::eap_message_attributes(&eap);
    assert_eq!(
        attrs.iter().map(|a| a.value.len()).collect::<Vec<_>>(),
        [253, 253, 94]
    );
    let mut r = Repr::new(code::ACCESS_REQUEST, 1, [0; 16]);
    r.push(Attribute::text(attr::USER_NAME, "u"));
    r.push_eap_message(&eap);
    r.push(Attribute::new(attr::STATE, vec![1]));
    let b = r.to_bytes().unwrap();
    assert_eq!(Repr::from_bytes(&b).unwrap().eap_message().unwrap(), eap);
    assert_eq!(Repr::new(1, 1, [0; 16]).eap_message(), None);
}

// ---------- malformed ----------

#[test]
fn every_truncation_is_an_error_within_the_buffer() {
    let b = h(&RFC2865_REQUEST.replace('\n', " "));
    for n in 0..b.len() {
        let e = Repr::from_bytes(&b[..n]).unwrap_err();
        assert!(e.offset <= n, "{n}: {e}");
    }
}

/// Edits of the RFC 2865 §7.1 Access-Request (56 octets: User-Name at 20, its Length at 21;
/// the NAS-Port attribute's Length at 51).
#[rstest]
#[case::shorter_than_the_header(|b: &mut Vec<u8>| b.truncate(10), 10, "RADIUS truncated")]
#[case::length_past_the_end(|b: &mut Vec<u8>| b.truncate(30), 2, "only 30 octets present")]
#[case::length_below_20(|b: &mut Vec<u8>| b[2..4].copy_from_slice(&19u16.to_be_bytes()), 2, "Length 19 outside")]
#[case::length_above_4096(|b: &mut Vec<u8>| b[2..4].copy_from_slice(&4097u16.to_be_bytes()), 2, "Length 4097 outside")]
#[case::attribute_length_1(|b: &mut Vec<u8>| b[21] = 1, 21, "with Length 1 (at least 2)")]
#[case::attribute_past_the_packet(|b: &mut Vec<u8>| b[51] = 9, 51, "runs past the packet")]
#[case::octets_after_length(|b: &mut Vec<u8>| b.extend_from_slice(&[0, 0]), 56, "after the packet's Length")]
fn malformed_packets_are_errors_at_offsets(
    #[case] edit: fn(&mut Vec<u8>),
    #[case] offset: usize,
    #[case] what: &str,
) {
    let mut b = h(&RFC2865_REQUEST.replace('\n', " "));
    edit(&mut b);
    let e = Repr::from_bytes(&b).unwrap_err();
    assert_eq!(e.offset, offset, "{e}");
    assert!(e.what.contains(what), "{e}");
}

#[test]
fn a_view_ignores_octets_after_length() {
    let b = h(&RFC2865_REQUEST.replace('\n', " "));
    let mut x = b.clone();
    x.extend_from_slice(&[0, 0]);
    let p = radius::Packet::new_checked(&x[..]).unwrap();
    assert_eq!(Repr::parse(&p).unwrap().to_bytes().unwrap(), b);
}

#[test]
fn unemittable_values_and_passwords_are_errors() {
    let mut r = Repr::new(1, 1, [0; 16]);
    r.push(Attribute::new(attr::STATE, vec![0; 254]));
    assert_eq!(r.to_bytes().unwrap_err().offset, 21);
    assert!(hide_password(&[1; 129], &[0; 16], b"s").is_err());
    assert!(unhide_password(&[1; 15], &[0; 16], b"s").is_err());
    assert_eq!(
        unhide_password(&hide_password(b"", &[0; 16], b"s").unwrap(), &[0; 16], b"s").unwrap(),
        b""
    );
}

#[rstest]
#[case::success(eap::Repr::success(5), &[3, 5, 0, 4])]
#[case::failure(eap::Repr::failure(6), &[4, 6, 0, 4])]
#[case::identity(eap::Repr::response(1, eap::method::IDENTITY, &b"mn"[..]), &[2, 1, 0, 7, 1, b'm', b'n'])]
#[case::unknown_type_kept(eap::Repr::request(9, 99, vec![1, 2, 3]), &[1, 9, 0, 8, 99, 1, 2, 3])]
#[case::unknown_code_kept(eap::Repr { code: 7, identifier: 9, method: None, data: vec![1, 2] }, &[7, 9, 0, 6, 1, 2])]
fn eap_layouts(#[case] repr: eap::Repr, #[case] wire: &[u8]) {
    assert_eq!(repr.to_bytes().unwrap(), wire);
    assert_eq!(eap::Repr::from_bytes(wire).unwrap(), repr);
}

#[test]
fn eap_descriptions() {
    let id = eap::Repr::response(1, eap::method::IDENTITY, &b"mn"[..]);
    assert_eq!(id.identity(), Some(&b"mn"[..]));
    assert_eq!(id.describe(), "Response/Identity");
    assert_eq!(
        eap::Repr::request(9, 99, vec![]).describe(),
        "Request/type 99"
    );
}

#[rstest]
#[case::request_without_a_type(&[1, 1, 0, 4], 2)]
#[case::length_past_the_end(&[1, 1, 0, 9, 4], 2)]
#[case::header_truncated(&[1, 1], 2)]
#[case::octets_after_length(&[3, 1, 0, 4, 0], 4)]
fn malformed_eap_is_an_error_at_an_offset(#[case] wire: &[u8], #[case] offset: usize) {
    assert_eq!(eap::Repr::from_bytes(wire).unwrap_err().offset, offset);
}

#[rstest]
#[case::empty(&[], 0)]
#[case::value_size_without_value(&[0], 0)]
#[case::value_size_past_the_end(&[5, 1, 2], 0)]
fn malformed_md5_challenges_are_errors(#[case] data: &[u8], #[case] offset: usize) {
    assert_eq!(Md5Challenge::parse(data).unwrap_err().offset, offset);
}

#[test]
fn md5_challenge_fields() {
    let c = Md5Challenge::parse(&[2, 9, 8, b'n']).unwrap();
    assert_eq!(
        (c.value.as_slice(), c.name.as_slice()),
        (&[9, 8][..], &b"n"[..])
    );
    let req = eap::Repr::request(1, eap::method::MD5_CHALLENGE, vec![3, 1]);
    assert!(eap::answer_md5_challenge(&req, b"x", b"").is_err());
}

// ---------- round trips ----------

fn attribute() -> impl Strategy<Value = Attribute> {
    (any::<u8>(), proptest::collection::vec(any::<u8>(), 0..=253))
        .prop_map(|(k, v)| Attribute::new(k, v))
}

proptest! {
    #[test]
    fn repr_round_trips(
        c in any::<u8>(), id in any::<u8>(), auth in any::<[u8; 16]>(),
        attrs in proptest::collection::vec(attribute(), 0..12),
    ) {
        let r = Repr { code: c, identifier: id, authenticator: auth, attributes: attrs };
        if let Ok(b) = r.to_bytes() {
            prop_assert_eq!(Repr::from_bytes(&b).unwrap(), r);
        }
    }

    #[test]
    fn bytes_that_parse_emit_the_same(b in proptest::collection::vec(any::<u8>(), 0..300)) {
        if let Ok(r) = Repr::from_bytes(&b) {
            prop_assert_eq!(r.to_bytes().unwrap(), b.clone());
            for a in &r.attributes { let _ = a.decode(); }
        }
        if let Ok(e) = eap::Repr::from_bytes(&b) {
            prop_assert_eq!(e.to_bytes().unwrap(), b);
        }
    }

    #[test]
    fn wellformed_header_with_random_attributes(
        id in any::<u8>(), body in proptest::collection::vec(any::<u8>(), 0..200),
    ) {
        let mut b = vec![1, id];
        b.extend_from_slice(&((20 + body.len()) as u16).to_be_bytes());
        b.extend_from_slice(&[0; 16]);
        b.extend_from_slice(&body);
        match Repr::from_bytes(&b) {
            Ok(r) => prop_assert_eq!(r.to_bytes().unwrap(), b),
            Err(e) => prop_assert!(e.offset >= 20 && e.offset < b.len()),
        }
    }

    #[test]
    fn eap_round_trips(c in 1u8..=6, id in any::<u8>(), t in any::<u8>(),
                       data in proptest::collection::vec(any::<u8>(), 0..300)) {
        let method = matches!(c, 1 | 2).then_some(t);
        let r = eap::Repr { code: c, identifier: id, method, data };
        let b = r.to_bytes().unwrap();
        prop_assert_eq!(eap::Repr::from_bytes(&b).unwrap(), r);
    }

    #[test]
    fn password_hiding_round_trips(p in proptest::collection::vec(1u8.., 0..=128),
                                   ra in any::<[u8; 16]>()) {
        let hdn = hide_password(&p, &ra, b"secret").unwrap();
        prop_assert_eq!(hdn.len() % 16, 0);
        prop_assert_eq!(unhide_password(&hdn, &ra, b"secret").unwrap(), p);
    }

    #[test]
    fn mppe_round_trips(k in proptest::collection::vec(any::<u8>(), 0..=64),
                        salt in any::<u16>(), ra in any::<[u8; 16]>()) {
        let c = encrypt_mppe_key(&k, salt, &ra, b"s").unwrap();
        prop_assert_eq!(decrypt_mppe_key(&c, &ra, b"s").unwrap(), k);
    }
}

// ---------- EAP-MSCHAPv2: RFC 2759 §9.2 and RFC 3079 §3.5.3 ----------

#[test]
fn mschapv2_known_answers() {
    use mip6lab_wire::eap::mschapv2::*;
    let user = b"User";
    let password = "clientPass";
    let ac = a16("5B5D7C7D7B3F2F3E3C2C602132262628");
    let pc = a16("21402324255E262A28295F2B3A337C7E");
    assert_eq!(
        challenge_hash(&pc, &ac, user).to_vec(),
        h("D02E4386BCE91226")
    );
    let ph = nt_password_hash(password);
    assert_eq!(ph.to_vec(), h("44EBBA8D5312B8D611474411F56989AE"));
    let nt = nt_response(&ac, &pc, user, password);
    assert_eq!(
        nt.to_vec(),
        h("82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF")
    );
    let hh = hash_nt_password_hash(&ph);
    assert_eq!(hh.to_vec(), h("41C00C584BD2D91C4017A2A12FA59F3F"));
    assert_eq!(
        authenticator_response(password, &nt, &pc, &ac, user),
        "S=407A5589115FD0D6209F510FE9C04566932CDA56"
    );
    let mk = master_key(&hh, &nt);
    assert_eq!(mk.to_vec(), h("FDECE3717A8C838CB388E527AE3CDD31"));
    // RFC 3079 §3.5.3's sample send key is the server's (Magic3: "on the server side, it is
    // the send key").
    assert_eq!(
        asymmetric_start_key(&mk, true, true).to_vec(),
        h("8B7CDC149B993A1BA118CB153F56DCCB")
    );
    // The server's receive key is the client's send key.
    assert_eq!(
        asymmetric_start_key(&mk, false, true),
        asymmetric_start_key(&mk, true, false)
    );
    assert_eq!(
        asymmetric_start_key(&mk, true, true),
        asymmetric_start_key(&mk, false, false)
    );
    // Type-Data layouts.
    let mut d = vec![16];
    d.extend_from_slice(&ac);
    d.extend_from_slice(b"srv");
    let ch = Packet::new(OP_CHALLENGE, 7, d);
    let b = ch.to_bytes();
    assert_eq!(&b[..4], &[1, 7, 0, 24]);
    assert_eq!(Packet::parse(&b).unwrap(), ch);
    assert_eq!(ch.challenge(), Some(ac));
    let r = response(&ch, &pc, user, password).unwrap();
    let rd = &r.header.as_ref().unwrap().data;
    assert_eq!(rd[0], 49);
    assert_eq!(&rd[25..49], &nt);
    assert_eq!(&rd[50..], user);
    assert_eq!(Packet::parse(&[3]).unwrap().to_bytes(), [3]);
    assert!(Packet::parse(&[]).is_err());
    assert_eq!(Packet::parse(&[1, 2]).unwrap_err().offset, 2);
}
