//! RADIUS dissector: known layouts through `dissect_radius`, volatile fields, EAP inside
//! EAP-Message, Vendor-Specific, and malformed input.

use mip6lab_capture::dissect::radius::dissect_radius;
use mip6lab_capture::Decoded;
use mip6lab_wire::eap;
use mip6lab_wire::radius::{self, attr, code, Attribute, Repr};

fn render(b: &[u8]) -> String {
    match dissect_radius(b) {
        Decoded::Message(m) => m.render(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn access_request_with_eap_identity() {
    let mut r = Repr::new(code::ACCESS_REQUEST, 42, [5; 16]);
    r.push(Attribute::text(attr::USER_NAME, "mn1@example.com"));
    r.push(Attribute::ipv6(
        attr::NAS_IPV6_ADDRESS,
        "2001:db8:1::a1".parse().unwrap(),
    ));
    r.push(Attribute::ipv6_prefix(
        attr::FRAMED_IPV6_PREFIX,
        "2001:db8:1:100::".parse().unwrap(),
        64,
    ));
    let id = eap::Repr::response(3, eap::method::IDENTITY, &b"mn1@example.com"[..]);
    r.push_eap_message(&id.to_bytes().unwrap());
    r.push(Attribute::new(200, vec![1, 2]));
    let b = r.sign_request(b"s").unwrap();
    assert_eq!(
        render(&b),
        "Access-Request code=1 id=* authenticator=* {User-Name value=\"mn1@example.com\"} \
         {NAS-IPv6-Address value=2001:db8:1::a1} {Framed-IPv6-Prefix value=2001:db8:1:100::/64} \
         {EAP Response/Identity id=* identity=\"mn1@example.com\"} {Attr-200 value=0x0102} \
         {Message-Authenticator len=16 value=*}"
    );
}

#[test]
fn fragmented_eap_and_vendor_attributes() {
    let mut r = Repr::new(code::ACCESS_ACCEPT, 1, [0; 16]);
    let big = eap::Repr::request(9, 99, vec![7; 400]).to_bytes().unwrap();
    r.push_eap_message(&big);
    r.push(Attribute::vendor(
        radius::VENDOR_MICROSOFT,
        radius::MS_MPPE_RECV_KEY,
        &[0x80; 34],
    ));
    r.push(Attribute::new(attr::VENDOR_SPECIFIC, vec![0, 0, 0, 9, 1]));
    let text = render(&r.to_bytes().unwrap());
    assert_eq!(
        text,
        "Access-Accept code=2 id=* authenticator=* {EAP Request/type 99 id=* len=400 fragments=2} \
         {Vendor-Specific vendor=311 {MS-MPPE-Recv-Key len=34 value=*}} \
         {Vendor-Specific vendor=9 data=0x01}"
    );
}

#[test]
fn malformed_packets_and_attributes() {
    match dissect_radius(&[1, 2, 0, 30]) {
        Decoded::Malformed { protocol, reason } => {
            assert_eq!(protocol, "RADIUS");
            assert!(reason.contains("offset 4"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    let mut r = Repr::new(code::ACCESS_REQUEST, 1, [0; 16]);
    r.push(Attribute::new(attr::NAS_PORT, vec![1]));
    r.push(Attribute::new(attr::EAP_MESSAGE, vec![2, 1, 0, 9]));
    let text = render(&r.to_bytes().unwrap());
    assert!(text.contains("{NAS-Port malformed="), "{text}");
    assert!(text.contains("{EAP len=4 malformed="), "{text}");
}

/// RFC 5026 §6 delegated DNS update: the HA's Accounting-Request with the FQDN-HoA pair, as a
/// proxy forwards it (Proxy-State, Acct-Delay-Time), and the answer.
#[test]
fn accounting_request_and_response() {
    let mut r = Repr::new(code::ACCOUNTING_REQUEST, 9, [0; 16]);
    r.push(Attribute::integer(
        attr::ACCT_STATUS_TYPE,
        radius::acct_status::START,
    ));
    r.push(Attribute::text(attr::USER_NAME, "mn1.example.com"));
    r.push(Attribute::ipv6(
        attr::FRAMED_IPV6_ADDRESS,
        "2001:db8:1:100::8001".parse().unwrap(),
    ));
    r.push(Attribute::text(attr::ACCT_SESSION_ID, "ha1-5f3a-1"));
    r.push(Attribute::integer(attr::ACCT_DELAY_TIME, 1));
    r.push(Attribute::new(attr::PROXY_STATE, b"3".to_vec()));
    r.push(Attribute::integer(attr::ACCT_STATUS_TYPE, 77));
    let b = r.sign_accounting_request(b"s").unwrap();
    assert_eq!(
        render(&b),
        "Accounting-Request code=4 id=* authenticator=* {Acct-Status-Type value=1 (Start)} \
         {User-Name value=\"mn1.example.com\"} {Framed-IPv6-Address value=2001:db8:1:100::8001} \
         {Acct-Session-Id len=10 value=*} {Acct-Delay-Time len=4 value=*} \
         {Proxy-State len=* value=*} {Acct-Status-Type value=77}"
    );
    let mut resp = Repr::new(code::ACCOUNTING_RESPONSE, 9, [0; 16]);
    let rb = resp.sign_response(&r.authenticator, b"s", false).unwrap();
    assert_eq!(
        render(&rb),
        "Accounting-Response code=5 id=* authenticator=*"
    );
    // A short Framed-IPv6-Address is shown as malformed, not a panic.
    let mut bad = Repr::new(code::ACCOUNTING_REQUEST, 1, [0; 16]);
    bad.push(Attribute::new(attr::FRAMED_IPV6_ADDRESS, vec![0x20, 1]));
    bad.push(Attribute::new(attr::ACCT_STATUS_TYPE, vec![0, 1]));
    let text = render(&bad.to_bytes().unwrap());
    assert!(text.contains("{Framed-IPv6-Address malformed="), "{text}");
    assert!(text.contains("{Acct-Status-Type malformed="), "{text}");
}
