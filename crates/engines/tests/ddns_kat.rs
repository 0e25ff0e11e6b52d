//! Known answers for [`mip6lab_engines::ddns`] from a real exchange: nsupdate (BIND 9.18)
//! against named, recorded in fixtures/pcaps/ddns-bind/ddns-tsig.pcap. The TSIG MACs of the
//! requests are recomputed from their bytes and the `ha-update.` key of
//! fixtures/dns/named.conf; the responses' MACs from the request MACs (RFC 8945 §4.3.1).

use mip6lab_capture::dissect::udp_payloads;
use mip6lab_engines::ddns::{
    self, check_response, compute_mac, find_tsig, tsig_error, verify_message, SignedUpdate,
    TsigFailure, TsigKey, Update, UpdateOutcome,
};
use std::net::Ipv6Addr;
use std::path::PathBuf;

const SECRET: &str = "bWlwNmxhYi1oYS11cGRhdGUta2V5LWxhYi1vbmx5IQ==";
const WRONG: &str = "d3Jvbmcta2V5LXdyb25nLWtleS13cm9uZy1rZXkhIQ==";
const HOA: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 1, 0x100, 0, 0, 0, 0x1234);
const REVERSE_ZONE: &str = "1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa";

fn key() -> TsigKey {
    TsigKey::from_base64("ha-update.", SECRET).unwrap()
}

/// The secret as named.conf has it, so the test follows the fixture.
fn secret_from_named_conf() -> String {
    let conf = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/dns/named.conf"),
    )
    .unwrap();
    let at = conf
        .find("key \"ha-update.\"")
        .expect("key ha-update. in named.conf");
    let rest = &conf[at..];
    let s = rest.find("secret \"").unwrap() + 8;
    let e = rest[s..].find('"').unwrap();
    rest[s..s + e].to_string()
}

/// UDP payloads to and from port 53 carrying an UPDATE (opcode 5), in capture order.
fn updates() -> Vec<Vec<u8>> {
    let pcap = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/pcaps/ddns-bind/ddns-tsig.pcap");
    let read = mip6lab_capture::read_file(&pcap).unwrap();
    udp_payloads(&read.frames, 53)
        .into_iter()
        .filter(|m| m.len() >= 12 && (m[2] >> 3) & 0xf == 5)
        .collect()
}

/// The captured request as a [`SignedUpdate`], to check its captured answer against.
fn as_signed(req: &[u8], key: &TsigKey) -> SignedUpdate {
    let t = find_tsig(req).unwrap().unwrap();
    SignedUpdate {
        wire: req.to_vec(),
        id: u16::from_be_bytes([req[0], req[1]]),
        mac: t.mac,
        time_signed: t.time_signed,
        key: key.clone(),
    }
}

#[test]
fn the_fixture_key_is_the_one_tested() {
    assert_eq!(secret_from_named_conf(), SECRET);
}

#[test]
fn request_macs_of_nsupdate_recomputed() {
    let msgs = updates();
    // 4 good exchanges (add AAAA, add PTR, delete AAAA, delete PTR) and the wrong-key one.
    assert_eq!(msgs.len(), 10, "5 UPDATEs and their answers");
    let key = key();
    for (i, pair) in msgs.chunks(2).enumerate() {
        let req = &pair[0];
        assert_eq!(req[2] & 0x80, 0, "request first");
        let t = find_tsig(req).unwrap().expect("nsupdate signs");
        assert_eq!(t.fudge, 300);
        assert_eq!(t.mac.len(), 32, "HMAC-SHA256, untruncated");
        let now = t.time_signed;
        if i < 4 {
            // The MAC recomputed from the bytes equals nsupdate's.
            let v = verify_message(req, &key, None, now).unwrap();
            assert_eq!(v.mac, t.mac);
        } else {
            // The last one was signed with the wrong secret, and verifies with that one only.
            assert_eq!(
                verify_message(req, &key, None, now),
                Err(TsigFailure::BadSig)
            );
            let wrong = TsigKey::from_base64("ha-update.", WRONG).unwrap();
            verify_message(req, &wrong, None, now).unwrap();
        }
    }
}

#[test]
fn request_mac_by_hand_equals_the_captured_one() {
    // The digest of RFC 8945 §4.3 spelled out on the first captured request: the message
    // before the TSIG RR with ARCOUNT - 1, then the TSIG variables.
    let req = &updates()[0];
    let t = find_tsig(req).unwrap().unwrap();
    let mut msg = req[..t.offset].to_vec();
    msg[11] -= 1;
    let mut vars = Vec::new();
    vars.extend_from_slice(b"\x09ha-update\x00");
    vars.extend_from_slice(&[0, 255, 0, 0, 0, 0]); // CLASS ANY, TTL 0
    vars.extend_from_slice(b"\x0bhmac-sha256\x00");
    vars.extend_from_slice(&t.time_signed.to_be_bytes()[2..]);
    vars.extend_from_slice(&300u16.to_be_bytes());
    vars.extend_from_slice(&[0, 0, 0, 0]); // error, other len
    let secret = data_encoding_free_base64(SECRET);
    assert_eq!(compute_mac(&secret, None, &msg, &vars), t.mac);
}

/// Independent of the engine's base64: a plain decoder for the test.
fn data_encoding_free_base64(s: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => unreachable!(),
    };
    let bits: Vec<u8> = s.bytes().filter(|c| *c != b'=').map(val).collect();
    let mut out = Vec::new();
    let mut acc = 0u32;
    let mut n = 0;
    for b in bits {
        acc = (acc << 6) | u32::from(b);
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((acc >> n) as u8);
        }
    }
    out
}

#[test]
fn our_requests_match_nsupdate_byte_for_byte() {
    // Same ID and time as the capture. In the forward zone the engine's UPDATEs are the very
    // bytes nsupdate sent, TSIG and MAC included; in the reverse zone hickory compresses the
    // ip6.arpa owner name further than BIND does, so only the decoded sections compare.
    let msgs = updates();
    let key = key();
    let builds = [
        Update::add_aaaa("example.com", "mn1.example.com", HOA, 300),
        Update::add_ptr(REVERSE_ZONE, HOA, "mn1.example.com", 300),
        Update::delete_aaaa("example.com", "mn1.example.com"),
        Update::delete_ptr(REVERSE_ZONE, HOA),
    ];
    for (i, u) in builds.iter().enumerate() {
        let cap = &msgs[2 * i];
        let t = find_tsig(cap).unwrap().unwrap();
        let id = u16::from_be_bytes([cap[0], cap[1]]);
        let ours = u.sign(id, &key, t.time_signed).unwrap();
        // Semantics first: same sections once decoded.
        let a = hickory_proto::op::Message::from_vec(&ours.wire).unwrap();
        let b = hickory_proto::op::Message::from_vec(cap).unwrap();
        assert_eq!(a.queries, b.queries, "zone, UPDATE {i}");
        assert_eq!(a.answers, b.answers, "prerequisites, UPDATE {i}");
        assert_eq!(a.authorities, b.authorities, "updates, UPDATE {i}");
        if i % 2 == 0 {
            assert_eq!(ours.wire, *cap, "forward-zone UPDATE {i}, byte for byte");
            assert_eq!(ours.mac, t.mac);
        } else {
            verify_message(&ours.wire, &key, None, t.time_signed).unwrap();
        }
    }
}

#[test]
fn bind_responses_verify_with_the_request_mac() {
    let msgs = updates();
    let key = key();
    for (i, pair) in msgs.chunks(2).enumerate() {
        let (req, resp) = (&pair[0], &pair[1]);
        let t = find_tsig(resp).unwrap().expect("BIND answers with a TSIG");
        let now = t.time_signed;
        if i < 4 {
            let signed = as_signed(req, &key);
            verify_message(resp, &key, Some(&signed.mac), now).unwrap();
            assert_eq!(check_response(&signed, resp, now), UpdateOutcome::Ok);
            // The response MAC covers the request MAC: another request MAC fails.
            let other = as_signed(&msgs[(2 * i + 2) % 8], &key);
            assert_eq!(
                verify_message(resp, &key, Some(&other.mac), now),
                Err(TsigFailure::BadSig)
            );
        } else {
            // Wrong secret: NOTAUTH, TSIG error BADSIG, unsigned (RFC 8945 §5.3.2).
            let wrong = TsigKey::from_base64("ha-update.", WRONG).unwrap();
            let signed = as_signed(req, &wrong);
            assert!(t.mac.is_empty());
            assert_eq!(t.error, tsig_error::BADSIG);
            assert_eq!(ddns::response_tsig_error(resp), Some(tsig_error::BADSIG));
            assert_eq!(check_response(&signed, resp, now), UpdateOutcome::NotAuth);
        }
    }
}
