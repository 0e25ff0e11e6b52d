//! Known-answer tests: RFC 4868 (HMAC-SHA-256/384/512 PRF and -256-128 ICV), RFC 3602 §4
//! (AES-CBC), the GCM specification's test cases 1 and 2 (AES-128-GCM, all-zero key), and
//! prf+ / key splits computed by hand from single prf calls.

use mip6lab_wire::crypto::*;
use rstest::rstest;

fn h(s: &str) -> Vec<u8> {
    hex::decode(s.replace([' ', '\n'], "")).unwrap()
}

/// RFC 4868 §2.7.1 test cases, as PRFs.
#[rstest]
#[case::sha256_case1(Prf::HmacSha256, &[0x0b; 20], b"Hi There", "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")]
#[case::sha384_case1(Prf::HmacSha384, &[0x0b; 20], b"Hi There", "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6")]
#[case::sha512_case1(Prf::HmacSha512, &[0x0b; 20], b"Hi There", "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854")]
#[case::sha256_case2(
    Prf::HmacSha256,
    b"Jefe",
    b"what do ya want for nothing?",
    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
)]
#[case::sha256_32_octet_key(Prf::HmacSha256, &[0x0b; 32], b"Hi There", "198a607eb44bfbc69903a0f1cf2bbdc5ba0aa3f3d9ae3c1c7a3b1696a0b68cf7")]
fn rfc4868_prf_vectors(
    #[case] prf: Prf,
    #[case] key: &[u8],
    #[case] data: &[u8],
    #[case] want: &str,
) {
    assert_eq!(prf.compute(key, data), h(want));
}

/// RFC 4868 §2.7.2.1 test cases for HMAC-SHA-256-128.
#[rstest]
#[case::case1(&[0x0b; 32], b"Hi There", "198a607eb44bfbc69903a0f1cf2bbdc5")]
#[case::case2(
    b"JefeJefeJefeJefeJefeJefeJefeJefe",
    b"what do ya want for nothing?",
    "167f928588c5cc2eef8e3093caa0e87c"
)]
#[case::case3(&[0xaa; 32], &[0xdd; 50], "cdcb1220d1ecccea91e53aba3092f962")]
fn rfc4868_hmac_sha256_128_vectors(#[case] key: &[u8], #[case] data: &[u8], #[case] want: &str) {
    let i = Integ::HmacSha256_128;
    assert_eq!(i.compute(key, data), h(want));
    assert!(i.verify(key, data, &h(want)));
}

#[test]
fn hmac_sha256_128_sizes_and_verify() {
    let i = Integ::HmacSha256_128;
    assert_eq!(i.icv_len(), 16);
    assert_eq!(i.key_len(), 32);
    let (k3, d3) = (vec![0xaa; 32], vec![0xdd; 50]);
    assert!(!i.verify(&k3, &d3, &h("cdcb1220d1ecccea91e53aba3092f963")));
    assert!(!i.verify(&k3, &d3, &h("cdcb1220d1ecccea91e53aba3092f9")));
    // SHA1-96 truncates to 12 octets.
    assert_eq!(Integ::HmacSha1_96.compute(&[1; 20], b"x").len(), 12);
}

#[test]
fn rfc3602_aes_cbc_vectors() {
    let ct = aes_cbc_encrypt(
        &h("06a9214036b8a15b512e03d534120006"),
        &h("3dafba429d9eb430b422da802c9fac41"),
        b"Single block msg",
    )
    .unwrap();
    assert_eq!(ct, h("e353779c1079aeb82708942dbe77181a"));
    let key = h("c286696d887c9aa0611bbb3e2025a45a");
    let iv = h("562e17996d093d28ddb3ba695a2e6f58");
    let pt = h("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
    let ct = aes_cbc_encrypt(&key, &iv, &pt).unwrap();
    assert_eq!(
        ct,
        h("d296cd94c2cccf8a3a863028b5e1dc0a7586602d253cfff91b8266bea6d61ab1")
    );
    assert_eq!(aes_cbc_decrypt(&key, &iv, &ct).unwrap(), pt);
    assert!(aes_cbc_encrypt(&key, &iv, &pt[..5]).is_err());
    assert!(aes_cbc_encrypt(&key[..5], &iv, &pt).is_err());
    assert!(aes_cbc_decrypt(&key, &iv[..3], &ct).is_err());
}

#[test]
fn gcm_spec_test_cases_1_and_2() {
    // McGrew & Viega, "The Galois/Counter Mode of Operation", Test Cases 1 and 2.
    let k = [0u8; 16];
    let iv = [0u8; 12];
    assert_eq!(
        aes_gcm_seal(&k, &iv, &[], &[]).unwrap(),
        h("58e2fccefa7e3061367f1d57a4e7455a")
    );
    let sealed = aes_gcm_seal(&k, &iv, &[], &[0u8; 16]).unwrap();
    assert_eq!(
        sealed,
        h("0388dace60b6a392f328c2b971b2fe78ab6e47d42cec13bdf53a67b21257bddf")
    );
    assert_eq!(aes_gcm_open(&k, &iv, &[], &sealed).unwrap(), vec![0u8; 16]);
    let mut bad = sealed.clone();
    bad[3] ^= 1;
    assert_eq!(
        aes_gcm_open(&k, &iv, &[], &bad).unwrap_err().what,
        "ICV mismatch"
    );
    assert!(aes_gcm_open(&k, &iv, b"aad", &sealed).is_err());
    assert!(aes_gcm_open(&k, &iv, &[], &sealed[..10]).is_err());
    // 256-bit keys: self-consistency only (no vector in the local RFCs).
    let k32 = [7u8; 32];
    let s = aes_gcm_seal(&k32, &iv, b"a", b"hello").unwrap();
    assert_eq!(aes_gcm_open(&k32, &iv, b"a", &s).unwrap(), b"hello");
}

#[test]
fn prf_plus_by_hand() {
    let prf = Prf::HmacSha256;
    let key = b"some key";
    let seed = b"seed octets";
    let t1 = prf.compute(key, &[&seed[..], &[1]].concat());
    let t2 = prf.compute(key, &[&t1[..], &seed[..], &[2]].concat());
    let t3 = prf.compute(key, &[&t2[..], &seed[..], &[3]].concat());
    let all = [t1.clone(), t2, t3].concat();
    assert_eq!(prf.plus(key, seed, 80).unwrap(), all[..80].to_vec());
    assert_eq!(prf.plus(key, seed, 32).unwrap(), t1);
    assert_eq!(prf.plus(key, seed, 0).unwrap(), Vec::<u8>::new());
    assert_eq!(prf.plus(key, seed, 255 * 32).unwrap().len(), 255 * 32);
    assert!(prf.plus(key, seed, 255 * 32 + 1).is_err());
}

#[test]
fn ike_key_split_order_and_lengths() {
    let ni = [1u8; 32];
    let nr = [2u8; 32];
    let spi_i = [3u8; 8];
    let spi_r = [4u8; 8];
    let g_ir = [5u8; 256];
    let suite = Suite::AES128_SHA256;
    let keys = IkeKeys::from_shared_secret(suite, &g_ir, &ni, &nr, &spi_i, &spi_r).unwrap();
    let seed = Prf::HmacSha256.compute(&[ni, nr].concat(), &g_ir);
    assert_eq!(skeyseed(Prf::HmacSha256, &ni, &nr, &g_ir), seed);
    let km = Prf::HmacSha256
        .plus(
            &seed,
            &[&ni[..], &nr, &spi_i, &spi_r].concat(),
            32 * 3 + 32 * 2 + 16 * 2,
        )
        .unwrap();
    assert_eq!(keys.sk_d, km[0..32]);
    assert_eq!(keys.sk_ai, km[32..64]);
    assert_eq!(keys.sk_ar, km[64..96]);
    assert_eq!(keys.sk_ei, km[96..112]);
    assert_eq!(keys.sk_er, km[112..128]);
    assert_eq!(keys.sk_pi, km[128..160]);
    assert_eq!(keys.sk_pr, km[160..192]);

    // GCM: no integrity keys, SK_e carries key + 4-octet salt.
    let g = IkeKeys::derive(Suite::AES256GCM16_SHA256, &seed, &ni, &nr, &spi_i, &spi_r).unwrap();
    assert!(g.sk_ai.is_empty() && g.sk_ar.is_empty());
    assert_eq!(g.sk_ei.len(), 36);
    let km = Prf::HmacSha256
        .plus(
            &seed,
            &[&ni[..], &nr, &spi_i, &spi_r].concat(),
            32 + 72 + 64,
        )
        .unwrap();
    assert_eq!(g.sk_ei, km[32..68]);
    assert_eq!(g.sk_pr, km[136..168]);
}

#[test]
fn child_keymat_split() {
    let sk_d = [9u8; 32];
    let (ni, nr) = ([1u8; 16], [2u8; 16]);
    let c = ChildKeys::derive(
        Prf::HmacSha256,
        &sk_d,
        None,
        &ni,
        &nr,
        Encr::AesCbc { key_len: 16 },
        Integ::HmacSha256_128,
    )
    .unwrap();
    let km = Prf::HmacSha256
        .plus(&sk_d, &[ni, nr].concat(), 2 * (16 + 32))
        .unwrap();
    assert_eq!(c.initiator.enc_key, km[0..16]);
    assert_eq!(c.initiator.integ_key, km[16..48]);
    assert_eq!(c.responder.enc_key, km[48..64]);
    assert_eq!(c.responder.integ_key, km[64..96]);
    let g = [7u8; 32];
    let km2 = child_keymat(Prf::HmacSha256, &sk_d, Some(&g), &ni, &nr, 40).unwrap();
    assert_eq!(
        km2,
        Prf::HmacSha256
            .plus(&sk_d, &[&g[..], &ni, &nr].concat(), 40)
            .unwrap()
    );
}

#[test]
fn psk_auth_by_hand() {
    let prf = Prf::HmacSha256;
    assert_eq!(KEY_PAD.len(), 17);
    let signed = signed_octets(
        prf,
        b"message one",
        b"nonce-r",
        b"skpi",
        b"\x02\0\0\0mn.example",
    );
    let mut expect = b"message onenonce-r".to_vec();
    expect.extend(prf.compute(b"skpi", b"\x02\0\0\0mn.example"));
    assert_eq!(signed, expect);
    let inner = prf.compute(b"secret", b"Key Pad for IKEv2");
    assert_eq!(
        psk_auth(prf, b"secret", &signed),
        prf.compute(&inner, &signed)
    );
}

#[rstest]
#[case(Encr::AesCbc { key_len: 16 })]
#[case(Encr::AesCbc { key_len: 32 })]
#[case(Encr::AesGcm16 { key_len: 16 })]
#[case(Encr::AesGcm16 { key_len: 32 })]
fn encryption_names_and_ids_round_trip(#[case] e: Encr) {
    assert_eq!(Encr::from_name(&e.name()), Some(e));
    assert_eq!(Encr::from_id(e.id(), (e.key_len() * 8) as u16), Some(e));
}

#[rstest]
#[case(Integ::None)]
#[case(Integ::HmacSha1_96)]
#[case(Integ::HmacSha256_128)]
fn integrity_names_and_ids_round_trip(#[case] i: Integ) {
    assert_eq!(Integ::from_name(i.name()), Some(i));
    assert_eq!(Integ::from_id(i.id()), Some(i));
}

#[test]
fn prf_from_id() {
    assert_eq!(Prf::from_id(5), Some(Prf::HmacSha256));
}
