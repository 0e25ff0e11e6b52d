//! ESP transport mode: round trips with both suites, padding rules, tamper/bad-padding
//! rejection, and the anti-replay window.

use mip6lab_wire::crypto::*;
use mip6lab_wire::esp::*;
use rstest::rstest;

fn cbc_sa() -> DirectionKeys {
    DirectionKeys {
        encr: Encr::AesCbc { key_len: 16 },
        integ: Integ::HmacSha256_128,
        enc_key: vec![0x10; 16],
        integ_key: vec![0x20; 32],
    }
}

fn gcm_sa() -> DirectionKeys {
    DirectionKeys {
        encr: Encr::AesGcm16 { key_len: 16 },
        integ: Integ::None,
        enc_key: [vec![0x30; 16], vec![1, 2, 3, 4]].concat(),
        integ_key: vec![],
    }
}

#[rstest]
#[case::aes_cbc_hmac_sha256(cbc_sa())]
#[case::aes_gcm16(gcm_sa())]
fn round_trips_every_length(#[case] sa: DirectionKeys) {
    let iv = vec![0xa5; sa.encr.iv_len()];
    for n in 0..70 {
        let payload: Vec<u8> = (0..n as u8).collect();
        let pkt = encapsulate(0x1234_5678, n as u32 + 1, 135, &payload, &iv, &sa).unwrap();
        let ct_len = pkt.len() - HEADER_LEN - iv.len() - sa.icv_len();
        assert_eq!(ct_len % sa.encr.block_len().max(4), 0);
        let p = Packet::new_checked(&pkt[..]).unwrap();
        assert_eq!((p.spi(), p.seq()), (0x1234_5678, n as u32 + 1));
        assert_eq!(decapsulate(&pkt, &sa).unwrap(), (135, payload.clone()));
        let d = open(&pkt, &sa).unwrap();
        assert_eq!(d.padding, default_padding(d.padding.len()));
        assert_eq!(Repr::from_bytes(&pkt).unwrap().to_bytes(), pkt);
    }
}

#[test]
fn gcm_aad_is_spi_and_seq() {
    let sa = gcm_sa();
    let pkt = encapsulate(7, 1, 59, b"abcd", &[0; 8], &sa).unwrap();
    // Recompute with the primitives: nonce = salt || IV, AAD = SPI || seq.
    let (key, salt) = sa.split_salt();
    let nonce = [salt, &[0u8; 8]].concat();
    let pt = [&b"abcd"[..], &[1, 2], &[2, 59]].concat();
    let sealed = aes_gcm_seal(key, &nonce, &pkt[..8], &pt).unwrap();
    assert_eq!(&pkt[16..], &sealed[..]);
}

#[rstest]
#[case::aes_cbc_hmac_sha256(cbc_sa())]
#[case::aes_gcm16(gcm_sa())]
fn tampering_is_an_icv_mismatch(#[case] sa: DirectionKeys) {
    let iv = vec![1; sa.encr.iv_len()];
    let pkt = encapsulate(0x100, 1, 135, b"binding update", &iv, &sa).unwrap();
    for i in 0..pkt.len() {
        let mut t = pkt.clone();
        t[i] ^= 0x80;
        let e = decapsulate(&t, &sa).unwrap_err();
        assert_eq!(e.what, "ICV mismatch", "byte {i}");
        assert_eq!(e.offset, pkt.len() - sa.icv_len());
    }
}

#[test]
fn bad_padding_and_short_packets_are_errors() {
    let sa = cbc_sa();
    let iv = [2u8; 16];
    // Seal a plaintext with padding 1,2,9 and pad length 3 by hand.
    let mut pt = b"hello world".to_vec();
    pt.extend([1, 2, 9, 3, 135]);
    let ct = aes_cbc_encrypt(&sa.enc_key, &iv, &pt).unwrap();
    let mut pkt = [&0x100u32.to_be_bytes()[..], &1u32.to_be_bytes(), &iv, &ct].concat();
    let icv = sa.integ.compute(&sa.integ_key, &pkt);
    pkt.extend(icv);
    let e = decapsulate(&pkt, &sa).unwrap_err();
    assert!(e.what.contains("bad ESP padding"), "{e}");
    assert_eq!(e.offset, 8 + 16 + 11);
    // Pad length larger than the plaintext.
    let mut pt = vec![0u8; 14];
    pt.extend([200, 135]);
    let ct = aes_cbc_encrypt(&sa.enc_key, &iv, &pt).unwrap();
    let mut pkt = [&0x100u32.to_be_bytes()[..], &1u32.to_be_bytes(), &iv, &ct].concat();
    let icv = sa.integ.compute(&sa.integ_key, &pkt);
    pkt.extend(icv);
    assert_eq!(
        decapsulate(&pkt, &sa).unwrap_err().what,
        "pad length exceeds plaintext"
    );
    assert_eq!(Repr::from_bytes(&[0; 7]).unwrap_err().offset, 7);
    // Wrong IV length and wrong key length.
    assert!(encapsulate(1, 1, 59, b"", &[0; 8], &sa).is_err());
    let mut short = cbc_sa();
    short.integ_key.pop();
    assert!(encapsulate(1, 1, 59, b"", &iv, &short).is_err());
}

#[rstest]
#[case::aes_cbc_hmac_sha256(cbc_sa())]
#[case::aes_gcm16(gcm_sa())]
fn packets_too_short_for_anything_are_errors(#[case] sa: DirectionKeys) {
    for n in 0..40 {
        assert!(decapsulate(&vec![0u8; n], &sa).is_err(), "{n} octets");
    }
}

#[test]
fn replay_window() {
    let mut w = ReplayWindow::new();
    assert_eq!(w.check(0), Err(Replay::Zero));
    assert!(w.update(1).is_ok());
    assert_eq!(w.update(1), Err(Replay::Duplicate));
    assert!(w.update(3).is_ok());
    assert!(w.update(2).is_ok(), "late but inside the window");
    assert_eq!(w.check(2), Err(Replay::Duplicate));
    assert!(w.update(100).is_ok());
    assert_eq!(w.check(36), Err(Replay::TooOld));
    assert!(w.check(37).is_ok());
    assert!(w.update(37).is_ok());
    assert_eq!(w.check(37), Err(Replay::Duplicate));
    assert!(w.update(1000).is_ok());
    assert_eq!(w.bitmap, 1);
    assert_eq!(w.check(100), Err(Replay::TooOld));
    assert!(w.update(u32::MAX).is_ok());
    assert_eq!(w.check(u32::MAX), Err(Replay::Duplicate));
}

mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

        #[test]
        fn any_payload_round_trips(
            gcm in any::<bool>(),
            spi in 256u32..,
            seq in 1u32..,
            nh in any::<u8>(),
            payload in proptest::collection::vec(any::<u8>(), 0..300),
            iv in any::<[u8; 16]>(),
        ) {
            let sa = if gcm { gcm_sa() } else { cbc_sa() };
            let iv = &iv[..sa.encr.iv_len()];
            let pkt = encapsulate(spi, seq, nh, &payload, iv, &sa).unwrap();
            let d = open(&pkt, &sa).unwrap();
            prop_assert_eq!((d.spi, d.seq, d.next_header), (spi, seq, nh));
            prop_assert_eq!(d.payload, payload);
        }

        #[test]
        fn garbage_never_opens(b in proptest::collection::vec(any::<u8>(), 0..120)) {
            prop_assert!(decapsulate(&b, &cbc_sa()).is_err());
            prop_assert!(decapsulate(&b, &gcm_sa()).is_err());
            if let Ok(r) = Repr::from_bytes(&b) {
                prop_assert_eq!(r.to_bytes(), b);
            }
        }
    }
}
