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

/// The attributes that carry home-agent assignment from the AAAH to the NAS, by name with
/// typed values: RFC 5447's RADIUS twins, RFC 6572, RFC 6911, WiMAX and 3GPP2 VSAs.
#[test]
fn home_agent_assignment_attributes() {
    use mip6lab_wire::radius::{feature, gpp2, vendor, wimax, Value};
    let ha: std::net::Ipv6Addr = "2001:db8:1::a1".parse().unwrap();
    let mut r = Repr::new(code::ACCESS_ACCEPT, 3, [0; 16]);
    r.push(Attribute::new(
        attr::MIP6_FEATURE_VECTOR,
        (feature::MIP6_INTEGRATED | feature::LOCAL_HOME_AGENT_ASSIGNMENT).to_be_bytes(),
    ));
    r.push(
        Attribute::typed(
            attr::MIP6_HOME_LINK_PREFIX,
            &Value::HomeLinkPrefix {
                len: 64,
                prefix: "2001:db8:1:100::".parse().unwrap(),
            },
        )
        .unwrap(),
    );
    r.push(Attribute::ipv6(attr::PMIP6_HOME_LMA_IPV6_ADDRESS, ha));
    r.push(Attribute::ipv6_prefix(
        attr::PMIP6_HOME_HN_PREFIX,
        "2001:db8:1:100::".parse().unwrap(),
        64,
    ));
    r.push(Attribute::new(
        attr::PMIP6_HOME_INTERFACE_ID,
        0x8001u64.to_be_bytes(),
    ));
    r.push(
        Attribute::typed(
            attr::PMIP6_HOME_IPV4_HOA,
            &Value::Ipv4Prefix {
                reserved: 0,
                len: 24,
                prefix: "192.0.2.0".parse().unwrap(),
            },
        )
        .unwrap(),
    );
    r.push(Attribute::ipv6(
        attr::FRAMED_IPV6_ADDRESS,
        "2001:db8:1:100::8001".parse().unwrap(),
    ));
    r.push(Attribute::vendor(
        vendor::WIMAX,
        wimax::HHA_IP_MIP6,
        &ha.octets(),
    ));
    r.push(Attribute::vendor(
        vendor::WIMAX,
        wimax::IP_TECHNOLOGY,
        &4u32.to_be_bytes(),
    ));
    r.push(Attribute::vendor(
        vendor::WIMAX,
        wimax::MN_HHA_MIP6_KEY,
        &[9; 18],
    ));
    r.push(Attribute::vendor(
        vendor::THREE_GPP2,
        gpp2::HOME_AGENT_IP_ADDRESS,
        &ha.octets(),
    ));
    r.push(Attribute::vendor(
        vendor::THREE_GPP2,
        gpp2::VAAA_ASSIGNED_MIP6_HL,
        &[0x40, 1, 2],
    ));
    // An unlisted WiMAX type with the C bit, a malformed 3GPP2 address.
    r.push(Attribute::new(
        attr::VENDOR_SPECIFIC,
        [&24757u32.to_be_bytes()[..], &[99, 5, 0x80, 0xaa, 0xbb]].concat(),
    ));
    r.push(Attribute::vendor(
        vendor::THREE_GPP2,
        gpp2::VAAA_ASSIGNED_MIP6_HA,
        &[1, 2, 3],
    ));
    let b = r.to_bytes().unwrap();
    assert_eq!(
        render(&b),
        "Access-Accept code=2 id=* authenticator=* \
         {MIP6-Feature-Vector value=0x0000000000000003 (MIP6_INTEGRATED|LOCAL_HOME_AGENT_ASSIGNMENT)} \
         {MIP6-Home-Link-Prefix value=2001:db8:1:100::/64} \
         {PMIP6-Home-LMA-IPv6-Address value=2001:db8:1::a1} \
         {PMIP6-Home-HN-Prefix value=2001:db8:1:100::/64} \
         {PMIP6-Home-Interface-ID value=0x0000000000008001} \
         {PMIP6-Home-IPv4-HoA value=192.0.2.0/24} \
         {Framed-IPv6-Address value=2001:db8:1:100::8001} \
         {Vendor-Specific vendor=24757 {WiMAX-hHA-IP-MIP6 value=2001:db8:1::a1}} \
         {Vendor-Specific vendor=24757 {WiMAX-IP-Technology value=4 (CMIP6)}} \
         {Vendor-Specific vendor=24757 {WiMAX-MN-hHA-MIP6-Key len=18 value=*}} \
         {Vendor-Specific vendor=5535 {3GPP2-Home-Agent-IP-Address value=2001:db8:1::a1}} \
         {Vendor-Specific vendor=5535 {3GPP2-VAAA-Assigned-MIP6-HL value=0x400102}} \
         {Vendor-Specific vendor=24757 {vsa 99 continuation=0x80 value=0xaabb}} \
         {Vendor-Specific vendor=5535 {3GPP2-VAAA-Assigned-MIP6-HA malformed=3GPP2-VAAA-Assigned-MIP6-HA value of 3 octets, 16 expected at offset 3}}"
    );
    // The JSON transcript carries the same names and values.
    let Decoded::Message(m) = dissect_radius(&b) else {
        panic!("not a message")
    };
    let json = serde_json::to_value(&m).unwrap();
    let wimax_ha = &json["children"][7]["children"][0];
    assert_eq!(wimax_ha["kind"], "WiMAX-hHA-IP-MIP6");
    assert_eq!(wimax_ha["fields"][0]["name"], "value");
    assert_eq!(wimax_ha["fields"][0]["value"], "2001:db8:1::a1");
    assert_eq!(
        m.find("MIP6-Home-Link-Prefix").unwrap().get("value"),
        Some("2001:db8:1:100::/64")
    );
}

/// An Access-Request as FreeRADIUS 3.2.1's encoder writes these attributes (Debian
/// bookworm's radclient, the library of the lab's FreeRADIUS, given them by dictionary
/// name): its own reading of them, as radclient printed it, is what we must show.
const FREERADIUS_3_2_REQUEST: &str = "017c00f4c022bdc7cc8600def546a546b4e4d7d501156d6e31406d73702e6578616d706c652e6e65747c0a00000000000000037d134020010db8003001000000000000000000931220010db80030000000000000000000a19714004020010db8003001000000000000000000990a00000000000080019b080018c0000200a81220010db80030010000000000000080011a19000060b507130020010db80030000000000000000000a11a19000060b541130020010db80020000000000000000000a21a0d000060b5060700c00002011a0d000060b5170700000000041a0c0000159f0706c00002011a0c0000159fa90600000001";

#[test]
fn freeradius_encoding_of_the_ha_attributes() {
    let b = hex::decode(FREERADIUS_3_2_REQUEST).unwrap();
    assert_eq!(
        render(&b),
        "Access-Request code=1 id=* authenticator=* {User-Name value=\"mn1@msp.example.net\"} \
         {MIP6-Feature-Vector value=0x0000000000000003 (MIP6_INTEGRATED|LOCAL_HOME_AGENT_ASSIGNMENT)} \
         {MIP6-Home-Link-Prefix value=2001:db8:30:100::/64} \
         {PMIP6-Home-LMA-IPv6-Address value=2001:db8:30::a1} \
         {PMIP6-Home-HN-Prefix value=2001:db8:30:100::/64} \
         {PMIP6-Home-Interface-ID value=0x0000000000008001} \
         {PMIP6-Home-IPv4-HoA value=192.0.2.0/24} \
         {Framed-IPv6-Address value=2001:db8:30:100::8001} \
         {Vendor-Specific vendor=24757 {WiMAX-hHA-IP-MIP6 value=2001:db8:30::a1}} \
         {Vendor-Specific vendor=24757 {WiMAX-vHA-IP-MIP6 value=2001:db8:20::a2}} \
         {Vendor-Specific vendor=24757 {WiMAX-hHA-IP-MIP4 value=192.0.2.1}} \
         {Vendor-Specific vendor=24757 {WiMAX-IP-Technology value=4 (CMIP6)}} \
         {Vendor-Specific vendor=5535 {3GPP2-Home-Agent-IP-Address value=192.0.2.1}} \
         {Vendor-Specific vendor=5535 {3GPP2-HA-Authorised value=1}}"
    );
    // FreeRADIUS sends the HN prefix with all 16 prefix octets; the codec keeps them.
    let r = Repr::from_bytes(&b).unwrap();
    assert_eq!(r.to_bytes().unwrap(), b);
    assert_eq!(r.value(attr::PMIP6_HOME_HN_PREFIX).unwrap().len(), 18);
}

/// The dual-stack profile's RFC 3957 key material (MN-HA key, salted; nonce, random) differs
/// every run: value hidden, length kept. The IPv6 CoA beside them is stable.
#[test]
fn the_profiles_key_material_is_volatile() {
    let mut r = Repr::new(code::ACCESS_ACCEPT, 1, [0; 16]);
    r.push(Attribute::vendor(32473, 1, &[0x20; 16]));
    r.push(Attribute::vendor(32473, 2, &[0x81; 18]));
    r.push(Attribute::vendor(32473, 3, &[0x11; 16]));
    let text = render(&r.to_bytes().unwrap());
    assert!(
        text.contains("{vsa 1 value=0x20202020202020202020202020202020}"),
        "{text}"
    );
    assert!(text.contains("{vsa 2 len=18 value=*}"), "{text}");
    assert!(text.contains("{vsa 3 len=16 value=*}"), "{text}");
}
