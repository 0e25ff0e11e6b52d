//! SK payload sealing and opening (AES-CBC + HMAC-SHA2-256-128 and AES-GCM-16), tamper
//! detection, and the RFC 5026 IKE_AUTH exchange with CP and USE_ASSIGNED_HoA.

use mip6lab_wire::crypto::*;
use mip6lab_wire::ikev2::sk::{decrypt, decrypt_ike, encrypt, encrypt_padded};
use mip6lab_wire::ikev2::*;
use rstest::rstest;
use std::net::Ipv6Addr;

const ISPI: [u8; 8] = [0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88];
const RSPI: [u8; 8] = [0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x01];

fn keys(suite: Suite) -> IkeKeys {
    IkeKeys::from_shared_secret(suite, &[0x42; 256], &[1; 32], &[2; 32], &ISPI, &RSPI).unwrap()
}

fn header(exchange: u8, flags: u8, message_id: u32) -> Message {
    Message {
        ispi: ISPI,
        rspi: RSPI,
        version: VERSION_2_0,
        exchange,
        flags,
        message_id,
        payloads: vec![],
    }
}

fn hoa() -> Ipv6Addr {
    "2001:db8:1::1000".parse().unwrap()
}

fn ha() -> Ipv6Addr {
    "2001:db8:1::1".parse().unwrap()
}

/// IKE_AUTH request of an MN bootstrapping per RFC 5026: IDi (FQDN), AUTH, CP(CFG_REQUEST)
/// with zero-length INTERNAL_IP6_ADDRESS and MIP6_HOME_PREFIX, SA, TSi/TSr for MH BU/BA.
fn auth_request_payloads() -> Vec<Payload> {
    let esp = Proposal {
        number: 1,
        protocol_id: protocol_id::ESP,
        spi: vec![0xc0, 0, 0, 1],
        transforms: vec![
            Transform::new(transform_type::ENCR, 12).with_key_length(128),
            Transform::new(transform_type::INTEG, 12),
            Transform::new(transform_type::ESN, 0),
        ],
        ..Proposal::default()
    };
    vec![
        Payload::new(PayloadBody::IdI(Id::fqdn("mn1.example.com"))),
        Payload::new(PayloadBody::Auth(Auth::new(
            auth_method::SHARED_KEY_MIC,
            vec![0xab; 32],
        ))),
        Payload::new(PayloadBody::Cp(Cp::new(
            cfg_type::REQUEST,
            vec![
                CpAttribute::request(cp_attr::INTERNAL_IP6_ADDRESS),
                CpAttribute::request(cp_attr::MIP6_HOME_PREFIX),
            ],
        ))),
        Payload::new(PayloadBody::Sa(Sa {
            proposals: vec![esp],
        })),
        Payload::new(PayloadBody::TsI(Ts::new(vec![TrafficSelector::mh_range(
            hoa(),
            hoa(),
            5,
            6,
        )]))),
        Payload::new(PayloadBody::TsR(Ts::new(vec![TrafficSelector::mh_range(
            ha(),
            ha(),
            5,
            6,
        )]))),
        Payload::new(PayloadBody::Notify(Notify::new(
            notify_type::USE_TRANSPORT_MODE,
            vec![],
        ))),
    ]
}

#[test]
fn ike_auth_request_with_mip6_cp_cbc() {
    let k = keys(Suite::AES128_SHA256);
    let inner = auth_request_payloads();
    let iv = [0x5a; 16];
    let bytes = encrypt(
        &header(exchange::IKE_AUTH, flags::I, 1),
        &inner,
        &iv,
        &k.initiator(),
    )
    .unwrap();
    // Header length and SK framing.
    assert_eq!(
        u32::from_be_bytes(bytes[24..28].try_into().unwrap()) as usize,
        bytes.len()
    );
    assert_eq!(bytes[16], payload_type::SK);
    assert_eq!(
        bytes[28],
        payload_type::IDI,
        "SK's Next Payload names the first inner one"
    );
    let d = decrypt_ike(&bytes, &k).unwrap();
    assert_eq!(d.inner, inner);
    assert_eq!((chain_len(&inner) + 1 + d.padding.len()) % 16, 0);
    let cp = d.inner.iter().find_map(|p| match &p.body {
        PayloadBody::Cp(c) => Some(c),
        _ => None,
    });
    let cp = cp.unwrap();
    assert_eq!(
        cp.attribute(cp_attr::MIP6_HOME_PREFIX).unwrap().value.len(),
        0
    );
    // The zero-length attributes on the wire: 00 08 00 00 and 00 10 00 00.
    let cp_bytes = chain_to_bytes(&d.inner[2..3]);
    assert_eq!(&cp_bytes[4..], &[1, 0, 0, 0, 0, 8, 0, 0, 0, 0x10, 0, 0]);
    // MH selectors: BU..BA in the port fields' high octets.
    let ts = chain_to_bytes(&d.inner[4..5]);
    assert_eq!(&ts[8..14], &[8, 135, 0, 40, 0x05, 0x00]);
    assert_eq!(&ts[14..16], &[0x06, 0x00]);
    // Key length attribute 80 0E 00 80.
    let sa = chain_to_bytes(&d.inner[3..4]);
    assert!(sa.windows(4).any(|w| w == [0x80, 0x0e, 0x00, 0x80]));
}

#[test]
fn ike_auth_reply_with_home_prefix_gcm() {
    let k = keys(Suite::AES256GCM16_SHA256);
    let prefix = HomePrefix {
        lifetime: 3600,
        prefix: "2001:db8:1::".parse().unwrap(),
        prefix_len: 64,
    };
    let inner = vec![
        Payload::new(PayloadBody::IdR(Id::fqdn("ha.example.com"))),
        Payload::new(PayloadBody::Auth(Auth::new(2, vec![0xcd; 32]))),
        Payload::new(PayloadBody::Cp(Cp::new(
            cfg_type::REPLY,
            vec![
                CpAttribute::internal_ip6_address(hoa(), 64),
                CpAttribute::mip6_home_prefix(prefix),
            ],
        ))),
        Payload::new(PayloadBody::Notify(Notify::new(
            notify_type::USE_ASSIGNED_HOA,
            vec![],
        ))),
    ];
    let iv = [0x77; 8];
    let bytes = encrypt(
        &header(exchange::IKE_AUTH, flags::R, 1),
        &inner,
        &iv,
        &k.responder(),
    )
    .unwrap();
    let d = decrypt_ike(&bytes, &k).unwrap();
    assert_eq!(d.inner, inner);
    assert!(d.padding.is_empty(), "GCM needs no padding");
    let PayloadBody::Cp(cp) = &d.inner[2].body else {
        panic!()
    };
    let hp = cp.attribute(cp_attr::MIP6_HOME_PREFIX).unwrap();
    assert_eq!(hp.value.len(), 21);
    assert_eq!(hp.as_home_prefix(), Some(prefix));
    assert_eq!(&hp.value[..4], &3600u32.to_be_bytes());
    assert_eq!(hp.value[20], 64);
    assert_eq!(
        cp.attribute(cp_attr::INTERNAL_IP6_ADDRESS)
            .unwrap()
            .as_ip6_prefix(),
        Some((hoa(), 64))
    );
    let PayloadBody::Notify(n) = &d.inner[3].body else {
        panic!()
    };
    assert_eq!(n.notify_type, 42);
    assert_eq!(n.name(), Some("USE_ASSIGNED_HoA"));
    // Wrong direction's keys fail.
    assert_eq!(
        decrypt(&bytes, &k.initiator()).unwrap_err().what,
        "ICV mismatch"
    );
}

#[rstest]
#[case::aes128_sha256(Suite::AES128_SHA256)]
#[case::aes256gcm16_sha256(Suite::AES256GCM16_SHA256)]
fn every_flipped_byte_is_detected(#[case] suite: Suite) {
    let k = keys(suite);
    let iv = vec![3u8; suite.encr.iv_len()];
    let bytes = encrypt(
        &header(exchange::INFORMATIONAL, flags::I, 7),
        &[Payload::new(PayloadBody::Delete(Delete {
            protocol_id: 1,
            ..Delete::default()
        }))],
        &iv,
        &k.initiator(),
    )
    .unwrap();
    assert!(decrypt(&bytes, &k.initiator()).is_ok());
    for i in 0..bytes.len() {
        let mut t = bytes.clone();
        t[i] ^= 0x01;
        let e = decrypt(&t, &k.initiator()).unwrap_err();
        // Header/length/framing changes may fail the parse first; the rest is the ICV.
        if i >= 32 {
            assert_eq!(e.what, "ICV mismatch", "byte {i}");
            assert_eq!(e.offset, bytes.len() - k.initiator().icv_len());
        }
    }
}

#[test]
fn empty_informational_and_explicit_padding() {
    let k = keys(Suite::AES128_SHA256);
    let iv = [9u8; 16];
    let bytes = encrypt(
        &header(exchange::INFORMATIONAL, flags::I, 2),
        &[],
        &iv,
        &k.initiator(),
    )
    .unwrap();
    assert_eq!(bytes[28], 0);
    let d = decrypt(&bytes, &k.initiator()).unwrap();
    assert!(d.inner.is_empty());
    assert_eq!(d.padding.len(), 15);
    // A receiver accepts more padding than needed (any values).
    let bytes = encrypt_padded(
        &header(exchange::INFORMATIONAL, flags::I, 2),
        &[],
        &iv,
        &k.initiator(),
        &[0xee; 31],
    )
    .unwrap();
    assert_eq!(
        decrypt(&bytes, &k.initiator()).unwrap().padding,
        vec![0xee; 31]
    );
    assert!(encrypt_padded(&header(37, 8, 2), &[], &iv, &k.initiator(), &[0; 3]).is_err());
    assert!(
        encrypt(&header(37, 8, 2), &[], &[0; 8], &k.initiator()).is_err(),
        "bad IV length"
    );
}

/// Seals an arbitrary plaintext (not necessarily a valid trailer) with CBC + HMAC.
fn seal_raw(k: &DirectionKeys, pt: &[u8], first_inner: u8) -> Vec<u8> {
    let iv = [1u8; 16];
    let ct = aes_cbc_encrypt(&k.enc_key, &iv, pt).unwrap();
    let mut m = header(exchange::INFORMATIONAL, flags::I, 3);
    m.payloads.push(Payload::new(PayloadBody::Sk(Sk {
        first_inner,
        data: [&iv[..], &ct, &[0u8; 16]].concat(),
    })));
    let mut bytes = m.to_bytes();
    let n = bytes.len();
    let icv = k.integ.compute(&k.integ_key, &bytes[..n - 16]);
    bytes[n - 16..].copy_from_slice(&icv);
    bytes
}

#[test]
fn bad_plaintexts_are_named() {
    let k = keys(Suite::AES128_SHA256).initiator();
    let mut pt = [0u8; 16];
    pt[15] = 200;
    let e = decrypt(&seal_raw(&k, &pt, 0), &k).unwrap_err();
    assert_eq!(e.what, "pad length exceeds plaintext");
    // Inner chain says Notify but the plaintext holds only padding.
    pt[15] = 0;
    let e = decrypt(&seal_raw(&k, &pt, payload_type::N), &k).unwrap_err();
    assert!(e.what.contains("payload length"), "{e}");
    // Garbage in place of a message.
    assert!(decrypt(&[0u8; 10], &k).is_err());
    let plain = header(34, 8, 0).to_bytes();
    assert_eq!(decrypt(&plain, &k).unwrap_err().what, "no SK payload");
}

/// IKE_SA_INIT header and one Nonce payload (generic header at 28, its Length at 30).
fn nonce_message() -> Vec<u8> {
    let mut m = header(34, 8, 0);
    m.payloads
        .push(Payload::new(PayloadBody::Nonce(vec![1; 16])));
    m.to_bytes()
}

/// IKE_SA_INIT with one SA payload: the proposal's Last Substruc at 32, its Num Transforms
/// at 39.
fn sa_message() -> Vec<u8> {
    let sa = Sa {
        proposals: vec![Proposal {
            number: 1,
            protocol_id: 1,
            transforms: vec![Transform::new(1, 12).with_key_length(128)],
            ..Proposal::default()
        }],
    };
    let mut m = header(34, 8, 0);
    m.payloads.push(Payload::new(PayloadBody::Sa(sa)));
    m.to_bytes()
}

#[rstest]
#[case::shorter_than_the_header(|| vec![0u8; 27], 27, "IKE header")]
#[case::length_field_past_the_end(|| { let mut b = nonce_message(); b[27] += 1; b }, 24, "does not match")]
#[case::payload_length_below_4(|| { let mut b = nonce_message(); b[30] = 0; b[31] = 3; b }, 30, "below 4")]
#[case::payload_length_past_the_end(|| { let mut b = nonce_message(); b[30] = 0; b[31] = 200; b }, 30, "exceeds")]
#[case::last_substruc_wrong(|| { let mut b = sa_message(); b[32] = 2; b }, 32, "marked more")]
#[case::num_transforms_wrong(|| { let mut b = sa_message(); b[39] = 2; b }, 39, "says 2 transforms")]
fn malformed_messages_are_errors_at_offsets(
    #[case] bytes: fn() -> Vec<u8>,
    #[case] offset: usize,
    #[case] what: &str,
) {
    let e = Message::from_bytes(&bytes()).unwrap_err();
    assert_eq!(e.offset, offset, "{e}");
    assert!(e.what.contains(what), "{e}");
}

#[test]
fn curve25519_ke_payload_is_40_octets() {
    let ke = Payload::new(PayloadBody::Ke(Ke {
        group: 31,
        reserved: 0,
        data: vec![9; 32],
    }));
    assert_eq!(ke.buffer_len(), 40);
}

#[test]
fn header_view() {
    let b = header(exchange::IKE_SA_INIT, flags::I | flags::R, 0x01020304).to_bytes();
    let h = Packet::new_checked(&b[..]).unwrap();
    assert_eq!(h.ispi(), ISPI);
    assert_eq!(h.rspi(), RSPI);
    assert_eq!(h.version(), 0x20);
    assert_eq!(h.exchange(), 34);
    assert!(h.is_response() && h.is_initiator());
    assert_eq!(h.message_id(), 0x01020304);
    assert_eq!(h.length(), 28);
    assert_eq!(h.next_payload(), 0);
    assert_eq!(exchange_name(35), Some("IKE_AUTH"));
    assert_eq!(cp_attr_name(16), Some("MIP6_HOME_PREFIX"));
    assert_eq!(notify_name(16390), Some("COOKIE"));
}

#[test]
fn psk_auth_over_the_real_ike_sa_init() {
    // The initiator signs its own IKE_SA_INIT request, the responder's nonce and
    // prf(SK_pi, RestOfIDi), where RestOfIDi is the IDi payload body.
    let k = keys(Suite::AES128_SHA256);
    let nr = vec![2u8; 32];
    let mut init = header(exchange::IKE_SA_INIT, flags::I, 0);
    init.payloads
        .push(Payload::new(PayloadBody::Nonce(vec![1; 32])));
    let real = init.to_bytes();
    let idi = PayloadBody::IdI(Id::fqdn("mn1.example.com"));
    let rest = idi.body_bytes();
    assert_eq!(&rest[..4], &[2, 0, 0, 0]);
    let octets = signed_octets(Prf::HmacSha256, &real, &nr, &k.sk_pi, &rest);
    assert_eq!(octets.len(), real.len() + 32 + 32);
    let auth = psk_auth(Prf::HmacSha256, b"shared secret", &octets);
    assert_eq!(auth.len(), 32);
    // Signed octets of the other side differ (other key, other nonce).
    let other = signed_octets(Prf::HmacSha256, &real, &nr, &k.sk_pr, &rest);
    assert_ne!(psk_auth(Prf::HmacSha256, b"shared secret", &other), auth);
}
