use super::*;
use crate::io::event_after_timeout;

fn key() -> TsigKey {
    TsigKey::from_base64("ha-update.", "bWlwNmxhYi1oYS11cGRhdGUta2V5LWxhYi1vbmx5IQ==").unwrap()
}

const HOA: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 1, 0x100, 0, 0, 0, 0x1234);

#[test]
fn reverse_name_is_nibbles_reversed() {
    assert_eq!(
        reverse_name(HOA),
        "4.3.2.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa."
    );
}

#[test]
fn add_aaaa_decodes_as_rfc2136_sections() {
    let wire = Update::add_aaaa("example.com", "mn1.example.com", HOA, 300)
        .prerequisite(Prerequisite::NameNotInUse("mn1.example.com".into()))
        .encode(0x1234)
        .unwrap();
    let m = Message::from_vec(&wire).unwrap();
    assert_eq!(m.metadata.id, 0x1234);
    assert_eq!(m.metadata.op_code, OpCode::Update);
    assert_eq!(m.metadata.message_type, MessageType::Query);
    // Zone section.
    assert_eq!(m.queries.len(), 1);
    assert_eq!(m.queries[0].name().to_ascii(), "example.com.");
    assert_eq!(m.queries[0].query_type(), RecordType::SOA);
    assert_eq!(m.queries[0].query_class(), DNSClass::IN);
    // Prerequisite section (answers): name not in use = NONE ANY, empty.
    assert_eq!(m.answers.len(), 1);
    let p = &m.answers[0];
    assert_eq!(p.dns_class, DNSClass::NONE);
    assert_eq!(p.record_type(), RecordType::ANY);
    assert_eq!(p.ttl, 0);
    assert!(matches!(p.data, RData::Update0(RecordType::ANY)));
    // Update section (authorities).
    assert_eq!(m.authorities.len(), 1);
    let u = &m.authorities[0];
    assert_eq!(u.name.to_ascii(), "mn1.example.com.");
    assert_eq!(u.dns_class, DNSClass::IN);
    assert_eq!(u.ttl, 300);
    assert_eq!(u.data, RData::AAAA(AAAA::from(HOA)));
    assert!(m.additionals.is_empty());
}

#[test]
fn delete_is_an_rrset_delete() {
    let wire = Update::delete_ptr("1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa", HOA)
        .encode(7)
        .unwrap();
    let m = Message::from_vec(&wire).unwrap();
    let u = &m.authorities[0];
    assert_eq!(u.name.to_ascii(), reverse_name(HOA));
    assert_eq!(u.dns_class, DNSClass::ANY);
    assert_eq!(u.record_type(), RecordType::PTR);
    assert_eq!(u.ttl, 0);
    assert!(matches!(u.data, RData::Update0(RecordType::PTR)));
    // RDLENGTH 0: the record ends the message.
    assert_eq!(&wire[wire.len() - 2..], &[0, 0]);
}

#[test]
fn signed_request_verifies_and_tampering_does_not() {
    let k = key();
    let s = Update::add_ptr(
        "1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa",
        HOA,
        "mn1.example.com",
        300,
    )
    .sign(0xbeef, &k, 1_700_000_000)
    .unwrap();
    let t = verify_message(&s.wire, &k, None, 1_700_000_100).unwrap();
    assert_eq!(t.original_id, 0xbeef);
    assert_eq!(t.fudge, 300);
    assert_eq!(t.mac, s.mac);
    // hickory sees it as the last additional record.
    let m = Message::from_vec(&s.wire).unwrap();
    assert_eq!(m.authorities.len(), 1);
    let mut bad = s.wire.clone();
    bad[20] ^= 1;
    assert!(verify_message(&bad, &k, None, 1_700_000_000).is_err());
    assert_eq!(
        verify_message(&s.wire, &k, None, 1_700_000_301),
        Err(TsigFailure::BadTime {
            time_signed: 1_700_000_000,
            now: 1_700_000_301
        })
    );
    let other = TsigKey::hmac_sha256("ha-update.", b"another secret");
    assert_eq!(
        verify_message(&s.wire, &other, None, 1_700_000_000),
        Err(TsigFailure::BadSig)
    );
}

/// A response as a server would sign it (RFC 8945 §5.3).
fn respond(req: &SignedUpdate, rc: u16, key: &TsigKey, sign: bool) -> Vec<u8> {
    let mut m = req.wire[..find_tsig(&req.wire).unwrap().unwrap().offset].to_vec();
    let ar = u16::from_be_bytes([m[10], m[11]]) - 1;
    m[10..12].copy_from_slice(&ar.to_be_bytes());
    // Header only + zone: QR, opcode UPDATE, rcode; drop the update section.
    m[2] = 0x80 | (5 << 3);
    m[3] = rc as u8;
    m[8..10].copy_from_slice(&0u16.to_be_bytes());
    let zlen = skip_name(&m, 12).unwrap() + 4;
    m.truncate(zlen);
    if sign {
        append_tsig(&m, key, Some(&req.mac), req.time_signed, 300, 0)
            .unwrap()
            .0
    } else {
        m
    }
}

#[test]
fn response_outcomes() {
    let k = key();
    let req = Update::add_aaaa("example.com", "mn1.example.com", HOA, 300)
        .sign(42, &k, 1_700_000_000)
        .unwrap();
    let now = 1_700_000_001;
    assert_eq!(
        check_response(&req, &respond(&req, 0, &k, true), now),
        UpdateOutcome::Ok
    );
    assert_eq!(
        check_response(&req, &respond(&req, 5, &k, true), now),
        UpdateOutcome::Refused
    );
    assert_eq!(
        check_response(&req, &respond(&req, 2, &k, true), now),
        UpdateOutcome::ServFail
    );
    assert_eq!(
        check_response(&req, &respond(&req, 8, &k, true), now),
        UpdateOutcome::Other(8)
    );
    // Unsigned NOERROR: discarded.
    assert!(matches!(
        check_response(&req, &respond(&req, 0, &k, false), now),
        UpdateOutcome::BadResponse(_)
    ));
    // Signed with another secret: discarded unless NOTAUTH.
    let other = TsigKey::hmac_sha256("ha-update.", b"x");
    assert!(matches!(
        check_response(&req, &respond(&req, 0, &other, true), now),
        UpdateOutcome::BadResponse(_)
    ));
    assert_eq!(
        check_response(&req, &respond(&req, 9, &other, true), now),
        UpdateOutcome::NotAuth
    );
    // Wrong ID.
    let mut r = respond(&req, 0, &k, true);
    r[1] ^= 1;
    assert!(matches!(
        check_response(&req, &r, now),
        UpdateOutcome::BadResponse(_)
    ));
}

/// The DNS server of the transaction tests.
fn server() -> SocketAddr {
    "[2001:db8::53]:53".parse().unwrap()
}

/// The transmit's payload, checking it goes to the server.
fn sent(tx: &mut UpdateTransaction) -> Option<Vec<u8>> {
    let t = tx.poll_transmit()?;
    assert_eq!(t.dst, server());
    Some(t.payload)
}

/// `bytes` from `from` at `now` (ms), then the outcome reported, if any.
fn answer(
    tx: &mut UpdateTransaction,
    now: u64,
    from: SocketAddr,
    bytes: &[u8],
) -> Option<UpdateOutcome> {
    tx.set_unix_time(1_700_000_001);
    tx.handle_input(now, Datagram::new(from, bytes));
    tx.poll_event()
}

/// The timers at `now` (ms), then the outcome reported, if any.
#[test]
fn transaction_retransmits_the_same_bytes_then_gives_up() {
    let k = key();
    let req = Update::delete_aaaa("example.com", "mn1.example.com")
        .sign(1, &k, 1_700_000_000)
        .unwrap();
    let policy = Retransmit {
        timeout: Duration::from_secs(1),
        max_sends: 3,
    };
    let mut tx = UpdateTransaction::start(req.clone(), server(), policy, 0);
    assert_eq!(sent(&mut tx), Some(req.wire.clone()));
    assert_eq!(sent(&mut tx), None);
    assert_eq!(tx.next_timeout(), Some(1_000));
    assert_eq!(event_after_timeout(&mut tx, 500), None);
    assert_eq!(sent(&mut tx), None, "not due yet");
    assert_eq!(event_after_timeout(&mut tx, 1_000), None);
    assert_eq!(sent(&mut tx), Some(req.wire.clone()));
    assert_eq!(tx.next_timeout(), Some(3_000));
    // An unsigned answer is discarded, the wait goes on; so is a signed one from elsewhere.
    assert_eq!(
        answer(&mut tx, 2_000, server(), &respond(&req, 0, &k, false)),
        None
    );
    let elsewhere: SocketAddr = "[2001:db8::66]:53".parse().unwrap();
    assert_eq!(
        answer(&mut tx, 2_000, elsewhere, &respond(&req, 0, &k, true)),
        None
    );
    assert_eq!(event_after_timeout(&mut tx, 3_000), None);
    assert_eq!(sent(&mut tx), Some(req.wire.clone()));
    assert!(matches!(
        event_after_timeout(&mut tx, 7_000),
        Some(UpdateOutcome::BadResponse(_))
    ));
    assert_eq!(tx.poll_event(), None, "reported once");
    assert_eq!(tx.sends(), 3);
    assert_eq!(tx.next_timeout(), None);

    let mut tx = UpdateTransaction::start(req.clone(), server(), Retransmit::default(), 0);
    assert_eq!(
        answer(&mut tx, 10, server(), &respond(&req, 0, &k, true)),
        Some(UpdateOutcome::Ok)
    );
    let mut tx = UpdateTransaction::start(req, server(), Retransmit::default(), 0);
    assert_eq!(event_after_timeout(&mut tx, 1_000), None);
    assert_eq!(event_after_timeout(&mut tx, 3_000), None);
    assert_eq!(
        event_after_timeout(&mut tx, 7_000),
        Some(UpdateOutcome::TimedOut)
    );
    assert_eq!(tx.sends(), 3);
}

/// Class, type and TTL of each record of a section.
fn class_type_ttl(section: &[Record]) -> Vec<(DNSClass, RecordType, u32)> {
    section
        .iter()
        .map(|r| (r.dns_class, r.record_type(), r.ttl))
        .collect()
}

#[test]
fn prerequisites_encode_as_rfc2136_section_2_4() {
    let n = "mn1.example.com";
    let wire = Update::new("example.com")
        .prerequisite(Prerequisite::RrsetExists {
            name: n.into(),
            rtype: RecordType::AAAA,
        })
        .prerequisite(Prerequisite::RrExists {
            name: n.into(),
            data: RecordData::Aaaa(HOA),
        })
        .prerequisite(Prerequisite::RrsetDoesNotExist {
            name: n.into(),
            rtype: RecordType::PTR,
        })
        .prerequisite(Prerequisite::NameInUse(n.into()))
        .change(Change::DeleteName(n.into()))
        .change(Change::DeleteRr {
            name: n.into(),
            data: RecordData::Aaaa(HOA),
        })
        .encode(1)
        .unwrap();
    let m = Message::from_vec(&wire).unwrap();
    assert_eq!(
        class_type_ttl(&m.answers),
        [
            (DNSClass::ANY, RecordType::AAAA, 0),
            (DNSClass::IN, RecordType::AAAA, 0),
            (DNSClass::NONE, RecordType::PTR, 0),
            (DNSClass::ANY, RecordType::ANY, 0),
        ]
    );
    assert_eq!(m.answers[1].data, RData::AAAA(AAAA::from(HOA)));
    assert_eq!(
        class_type_ttl(&m.authorities),
        [
            (DNSClass::ANY, RecordType::ANY, 0),
            (DNSClass::NONE, RecordType::AAAA, 0),
        ]
    );
}

#[test]
fn signed_badtime_notauth_is_notauth() {
    let k = key();
    let req = Update::add_aaaa("example.com", "mn1.example.com", HOA, 300)
        .sign(9, &k, 1_700_000_000)
        .unwrap();
    let mut m = respond(&req, 9, &k, false);
    m[3] = 9;
    let (wire, _) = append_tsig(
        &m,
        &k,
        Some(&req.mac),
        1_700_009_000,
        300,
        tsig_error::BADTIME,
    )
    .unwrap();
    assert_eq!(
        check_response(&req, &wire, 1_700_000_001),
        UpdateOutcome::NotAuth
    );
    assert_eq!(response_tsig_error(&wire), Some(tsig_error::BADTIME));
}

proptest::proptest! {
    #[test]
    fn parsing_untrusted_answers_never_panics(
        bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300),
    ) {
        let k = key();
        let req = Update::delete_aaaa("example.com", "mn1.example.com")
            .sign(u16::from_be_bytes([bytes.first().copied().unwrap_or(0), 0]), &k, 1)
            .unwrap();
        let _ = find_tsig(&bytes);
        let _ = check_response(&req, &bytes, 1);
        // A real signed message with one octet changed anywhere but the ID (which the
        // MAC does not cover: the original ID in the TSIG stands for it, RFC 8945 §4.3.2).
        let mut w = req.wire.clone();
        if !bytes.is_empty() {
            let at = 2 + usize::from(bytes[0]) % (w.len() - 2);
            w[at] ^= bytes.get(1).copied().unwrap_or(1) | 1;
            proptest::prop_assert!(verify_message(&w, &k, None, 1).is_err());
        }
    }
}
