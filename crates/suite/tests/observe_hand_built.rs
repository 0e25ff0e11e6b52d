//! The DHCPv6 and network-access views on hand-built transcripts: parts shaped as the
//! dissectors shape them, with pieces missing, malformed or out of order. The views answer
//! `None` or empty (or name what they could not read), never panic.

use mip6lab_capture::{Decoded, Entry, Part, Transcript};
use mip6lab_suite::observe::{
    dhcp_option, first_difference, same_message, ContainerKind, DhcpMessageType, DhcpOpt, EapCode,
    EapOutcome,
};
use mip6lab_suite::Observation;
use std::net::IpAddr;

const MN_LL: &str = "fe80::42:c6ff:fe33:6493";
const NAS_LL: &str = "fe80::42:c6ff:fe33:6492";

fn obs(entries: Vec<Entry>) -> Observation {
    Observation {
        transcript: Transcript {
            entries,
            ..Transcript::default()
        },
        ..Observation::default()
    }
}

/// An entry between two addresses, shown by role where one is given.
fn entry(frame: u64, src: (&str, &str), dst: (&str, &str), decoded: Decoded) -> Entry {
    Entry {
        frame,
        src: src.0.into(),
        dst: dst.0.into(),
        src_addr: src.1.parse().unwrap(),
        dst_addr: dst.1.parse().unwrap(),
        decoded,
    }
}

fn dhcp(kind: &str, t: u8) -> Part {
    Part::new("DHCPv6", kind).field("type", t)
}

fn opt(kind: &str) -> Part {
    Part::new("DHCPv6", kind)
}

fn information_request(xid: &str) -> Part {
    dhcp("INFORMATION-REQUEST", 11)
        .volatile("xid", xid)
        .child(
            opt("OPTION_CLIENTID")
                .field("duid", "LL")
                .field("hw_type", 1)
                .volatile("lladdr", "0242c6336493"),
        )
        .child(opt("OPTION_ORO").field("codes", "69,50,49"))
        .child(opt("OPTION_MIP6_HNIDF").field("fqdn", "example.com."))
}

fn idinf(haa: &str) -> Part {
    opt("OPTION_MIP6_IDINF")
        .child(opt("OPTION_MIP6_HNIDF").field("fqdn", "example.com."))
        .child(opt("OPTION_MIP6_HAA").field("address", haa))
        .child(opt("OPTION_MIP6_HNP").field("prefix", "2001:db8:1:100::/64"))
}

fn reply(xid: &str, haa: &str) -> Part {
    dhcp("REPLY", 7).volatile("xid", xid).child(idinf(haa))
}

fn relay(kind: &str, t: u8, inner: Part) -> Part {
    dhcp(kind, t)
        .field("hop_count", 0)
        .field("link", "2001:db8:10::a")
        .field("peer", MN_LL)
        .child(opt("OPTION_RELAY_MSG").child(inner))
}

fn mn() -> (&'static str, &'static str) {
    (MN_LL, MN_LL)
}

fn all_dhcp() -> (&'static str, &'static str) {
    ("ff02::1:2", "ff02::1:2")
}

#[test]
fn malformed_and_typeless_dhcp_entries_are_not_messages() {
    let o = obs(vec![
        entry(
            1,
            mn(),
            all_dhcp(),
            Decoded::malformed(
                "DHCPv6",
                "OPTION_MIP6_HNP option-len 16, must be 17 at offset 26",
            ),
        ),
        entry(
            2,
            mn(),
            all_dhcp(),
            Decoded::Message(opt("INFORMATION-REQUEST")),
        ),
        entry(3, mn(), all_dhcp(), Decoded::Unknown { length: 4 }),
    ]);
    assert_eq!(o.dhcp_messages().count(), 0);
    let bad = o.malformed_dhcp();
    assert_eq!(bad.len(), 1);
    assert_eq!(bad[0].0.frame, 1);
    assert!(bad[0].1.contains("OPTION_MIP6_HNP"));
    assert!(o.information_requests_from(MN_LL).is_empty());
}

#[test]
fn unnamed_link_local_addresses_stay_addresses_without_eapol() {
    let o = obs(vec![entry(
        1,
        mn(),
        all_dhcp(),
        Decoded::Message(information_request("0x1")),
    )]);
    assert!(o.information_requests_from("MN").is_empty());
    assert_eq!(o.information_requests_from(MN_LL).len(), 1);
    assert_eq!(o.role_of(&MN_LL.parse::<IpAddr>().unwrap()), None);
}

#[test]
fn eapol_frames_name_the_link_local_address_of_their_mac() {
    let eapol = Part::new("EAPOL", "EAP").field("version", 1).child(
        Part::new("EAP", "EAP Response/Identity")
            .volatile("id", 1)
            .field("identity", "\"mn\""),
    );
    let o = obs(vec![
        entry(
            1,
            ("MN", MN_LL),
            ("PAE-group", "fe80::180:c2ff:fe00:3"),
            Decoded::Message(eapol),
        ),
        entry(
            2,
            mn(),
            all_dhcp(),
            Decoded::Message(information_request("0x1")),
        ),
    ]);
    let irs = o.information_requests_from("MN");
    assert_eq!(irs.len(), 1);
    assert_eq!(irs[0].src, "MN");
    assert_eq!(
        irs[0].entry.src, MN_LL,
        "the entry itself is left as decoded"
    );
    assert_eq!(o.eap_identity_of("MN"), Some("mn"));
}

#[test]
fn options_that_do_not_read_are_named_not_dropped() {
    let ir = dhcp("INFORMATION-REQUEST", 11)
        .volatile("xid", "0xzz")
        .child(opt("OPTION_ORO").field("codes", "69,x"))
        .child(opt("OPTION_ORO").field("codes", ""))
        .child(opt("OPTION_CLIENTID"))
        .child(opt("OPTION_ELAPSED_TIME"))
        .child(opt("OPTION_RELAY_MSG"))
        .child(opt("option 65520").field("len", 1).field("data", "0xaa"))
        .child(opt("OPTION_DNS_SERVERS").field("len", 16))
        .child(
            opt("OPTION_MIP6_VDINF")
                .child(opt("OPTION_MIP6_HAA").field("address", "not-an-address"))
                .child(opt("OPTION_MIP6_HNP").field("prefix", "2001:db8::"))
                .child(opt("OPTION_MIP6_HAF").field("fqdn", "ha.example.com.")),
        );
    let o = obs(vec![entry(1, mn(), all_dhcp(), Decoded::Message(ir))]);
    let m = o.dhcp_messages().next().unwrap();
    assert_eq!(m.transaction_id, None);
    let codes: Vec<Option<u16>> = m.options.iter().map(DhcpOpt::code).collect();
    assert_eq!(
        codes,
        vec![
            Some(6),
            Some(6),
            Some(1),
            Some(8),
            Some(9),
            Some(65520),
            Some(23),
            Some(50)
        ]
    );
    assert!(matches!(m.options[0], DhcpOpt::Unreadable { code: 6, .. }));
    assert_eq!(m.options[1], DhcpOpt::Oro(vec![]));
    assert_eq!(m.oro(), Some(&[][..]), "the first ORO that reads");
    assert!(matches!(m.options[2], DhcpOpt::Unreadable { code: 1, .. }));
    assert_eq!(m.client_id(), None);
    assert!(matches!(m.options[4], DhcpOpt::Unreadable { code: 9, .. }));
    assert!(matches!(
        m.options[5],
        DhcpOpt::Other {
            code: Some(65520),
            ..
        }
    ));
    assert_eq!(m.count(dhcp_option::ORO), 2);
    let c = m.containers();
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].kind, ContainerKind::Vdinf);
    assert!(c[0].haas.is_empty() && c[0].hnp().is_none() && c[0].hnidf.is_none());
    assert_eq!(c[0].hafs, vec!["ha.example.com."]);
    assert_eq!(c[0].options.len(), 3);
    assert!(!c[0].names("example.com"));
    // Not a relay message: no relay header, nothing relayed, itself innermost.
    assert!(m.relay.is_none() && m.relayed().is_none() && m.rsoo().is_none());
    assert_eq!(
        m.innermost().map(|b| b.msg_type),
        Some(DhcpMessageType::InformationRequest)
    );
}

#[test]
fn relay_messages_nested_missing_or_empty() {
    let nested = relay(
        "RELAY-FORW",
        12,
        relay("RELAY-FORW", 12, information_request("0x1")),
    )
    .child(opt("OPTION_RSOO").child(idinf("2001:db8:1::a1")));
    let no_inner = dhcp("RELAY-REPL", 13).field("hop_count", 0);
    let empty_rsoo = relay("RELAY-FORW", 12, information_request("0x2")).child(opt("OPTION_RSOO"));
    let nas = ("NAS", "2001:db8:2::a");
    let server = ("DHCP", "2001:db8:2::47");
    let o = obs(vec![
        entry(1, nas, server, Decoded::Message(nested)),
        entry(2, server, nas, Decoded::Message(no_inner)),
        entry(3, nas, server, Decoded::Message(empty_rsoo)),
    ]);
    let fws = o.relay_forwards(Some("NAS"));
    assert_eq!(fws.len(), 2);
    assert_eq!(fws[0].relay_levels().len(), 2);
    let inner = fws[0].innermost().unwrap();
    assert_eq!(inner.msg_type, DhcpMessageType::InformationRequest);
    assert_eq!(inner.transaction_id, Some(1));
    assert_eq!(
        fws[0].relayed().unwrap().msg_type,
        DhcpMessageType::RelayForw
    );
    assert_eq!(
        fws[0].rsoo_containers()[0].haas,
        vec!["2001:db8:1::a1".parse::<std::net::Ipv6Addr>().unwrap()]
    );
    assert_eq!(fws[1].rsoo(), Some(&[][..]));
    assert!(fws[1].rsoo_containers().is_empty());
    let rr = o.relay_replies(Some("NAS"));
    assert_eq!(rr.len(), 1);
    assert!(rr[0].relayed().is_none() && rr[0].innermost().is_none());
    assert!(o.relayed_onward(&rr[0]).is_none(), "no peer-address");
    assert_eq!(rr[0].relay.unwrap().link_address, None);
    assert!(o.relay_replies(Some("MN")).is_empty());
}

#[test]
fn same_message_compares_every_field_and_option_order() {
    let nas = ("NAS", "2001:db8:2::a");
    let server = ("DHCP", "2001:db8:2::47");
    let to_mn = (NAS_LL, NAS_LL);
    let o = obs(vec![
        entry(
            1,
            server,
            nas,
            Decoded::Message(relay("RELAY-REPL", 13, reply("0x1", "2001:db8:1::a1"))),
        ),
        // Changed HAA, changed xid, options reordered, unknown msg-type.
        entry(
            2,
            to_mn,
            mn(),
            Decoded::Message(reply("0x1", "2001:db8:1::ff")),
        ),
        entry(
            3,
            to_mn,
            mn(),
            Decoded::Message(reply("0x2", "2001:db8:1::a1")),
        ),
        entry(
            4,
            to_mn,
            mn(),
            Decoded::Message(
                dhcp("REPLY", 7)
                    .volatile("xid", "0x1")
                    .child(idinf("2001:db8:1::a1"))
                    .child(opt("OPTION_MIP6_HNIDF").field("fqdn", "example.com.")),
            ),
        ),
        entry(
            5,
            to_mn,
            mn(),
            Decoded::Message(reply("0x1", "2001:db8:1::a1")),
        ),
        entry(
            6,
            to_mn,
            mn(),
            Decoded::Message(dhcp("msg-type 99", 99).field("len", 4)),
        ),
    ]);
    let rr = &o.relay_replies(None)[0];
    let relayed = rr.relayed().unwrap();
    assert_eq!(o.relayed_onward(rr).map(|m| m.entry.frame), Some(2));
    let replies: Vec<_> = o.dhcp_messages().skip(1).collect();
    let diff = |i: usize| first_difference(relayed, &replies[i].body);
    assert!(
        diff(0).unwrap().contains("OPTION_MIP6_HAA"),
        "{:?}",
        diff(0)
    );
    assert!(diff(1).unwrap().contains("xid=0x1"), "{:?}", diff(1));
    assert!(diff(2).unwrap().contains("options"), "{:?}", diff(2));
    assert!(same_message(relayed, &replies[3]));
    assert!(diff(4).is_some());
    assert_eq!(replies[4].msg_type, DhcpMessageType::Other(99));
    assert!(
        !same_message(&replies[4], &replies[4]),
        "undecoded bodies never compare equal"
    );
}

#[test]
fn reply_to_needs_the_transaction_id_and_a_later_reply() {
    let to_mn = (NAS_LL, NAS_LL);
    let o = obs(vec![
        entry(
            1,
            to_mn,
            mn(),
            Decoded::Message(reply("0x7", "2001:db8:1::a1")),
        ),
        entry(
            2,
            mn(),
            all_dhcp(),
            Decoded::Message(information_request("0x7")),
        ),
        entry(
            3,
            to_mn,
            mn(),
            Decoded::Message(reply("0x8", "2001:db8:1::a1")),
        ),
        entry(
            4,
            mn(),
            all_dhcp(),
            Decoded::Message(dhcp("INFORMATION-REQUEST", 11)),
        ),
    ]);
    let irs = o.information_requests_from(MN_LL);
    assert_eq!(irs.len(), 2);
    assert!(o.reply_to(&irs[0]).is_none(), "earlier reply, or other xid");
    assert!(o.reply_to(&irs[1]).is_none(), "no xid at all");
    assert_eq!(o.replies_to(MN_LL).len(), 2);
}

fn eapol(frame: u64, src: (&str, &str), dst: (&str, &str), eap: Part) -> Entry {
    entry(
        frame,
        src,
        dst,
        Decoded::Message(Part::new("EAPOL", "EAP").field("version", 2).child(eap)),
    )
}

fn radius(kind: &str, code: u8, id: u8) -> Part {
    Part::new("RADIUS", kind)
        .field("code", code)
        .volatile("id", id)
}

fn attr(name: &str, value: &str) -> Part {
    Part::new("RADIUS", name).field("value", value)
}

const NAS: (&str, &str) = ("NAS", "2001:db8:2::a");
const AAAV: (&str, &str) = ("AAAV", "2001:db8:2::19");
const NAS_PORT: (&str, &str) = ("NAS-access", NAS_LL);
const MN: (&str, &str) = ("MN", MN_LL);

fn access_request(id: u8, user: &str) -> Entry {
    entry(
        1,
        NAS,
        AAAV,
        Decoded::Message(
            radius("Access-Request", 1, id).child(attr("User-Name", &format!("{user:?}"))),
        ),
    )
}

fn accept(id: u8, prefix: &str) -> Entry {
    entry(
        2,
        AAAV,
        NAS,
        Decoded::Message(
            radius("Access-Accept", 2, id)
                .child(attr(
                    "MIP6-Feature-Vector",
                    "0x0000000000000001 (MIP6_INTEGRATED)",
                ))
                .child(
                    Part::new("RADIUS", "Vendor-Specific")
                        .field("vendor", 24757)
                        .child(attr("WiMAX-hHA-IP-MIP4", "192.0.2.1"))
                        .child(attr("WiMAX-vHA-IP-MIP6", "2001:db8:2::a2")),
                )
                .child(attr("MIP6-Home-Link-Prefix", prefix))
                .child(Part::new("EAP", "EAP Success").volatile("id", 3)),
        ),
    )
}

fn success() -> Entry {
    eapol(
        3,
        NAS_PORT,
        MN,
        Part::new("EAP", "EAP Success").volatile("id", 3),
    )
}

fn identity() -> Entry {
    eapol(
        0,
        MN,
        ("PAE-group", "fe80::180:c2ff:fe00:3"),
        Part::new("EAP", "EAP Response/Identity")
            .volatile("id", 1)
            .field("identity", "\"mn1\""),
    )
}

/// hostapd (`use_pae_group_addr`) sends the outcome to the PAE group address, not the MAC.
#[test]
fn an_outcome_to_the_pae_group_is_the_supplicants() {
    let mut group = success();
    group.dst = "PAE-group".into();
    let o = obs(vec![identity(), group]);
    assert!(o.eap_outcome_to("MN").is_some());
    let none = obs(vec![identity()]);
    assert!(none.eap_outcome_to("MN").is_none());
}

#[test]
fn success_before_the_accept_is_seen_in_order() {
    let in_order = obs(vec![
        identity(),
        access_request(5, "mn1"),
        accept(5, "2001:db8:1:100::/64"),
        success(),
    ]);
    assert_eq!(
        in_order.access_order("MN", "NAS").accept_first(),
        Some(true)
    );
    let early = obs(vec![
        identity(),
        access_request(5, "mn1"),
        success(),
        accept(5, "2001:db8:1:100::/64"),
    ]);
    let order = early.access_order("MN", "NAS");
    assert_eq!(order.accept_first(), Some(false));
    assert_eq!(order.frames(), vec![2, 3]);
    // No accept for the identity (another identifier, another user), or no outcome: no answer.
    let other_id = obs(vec![
        identity(),
        access_request(5, "mn1"),
        accept(6, "2001:db8:1:100::/64"),
        success(),
    ]);
    assert_eq!(other_id.access_order("MN", "NAS").accept_first(), None);
    let other_user = obs(vec![
        identity(),
        access_request(5, "mn2"),
        accept(5, "2001:db8:1:100::/64"),
        success(),
    ]);
    assert_eq!(other_user.access_order("MN", "NAS").accept_first(), None);
    let no_outcome = obs(vec![
        identity(),
        access_request(5, "mn1"),
        accept(5, "2001:db8:1:100::/64"),
    ]);
    assert!(no_outcome.eap_outcome_to("MN").is_none());
    assert_eq!(no_outcome.access_order("MN", "NAS").accept_first(), None);
    let no_identity = obs(vec![
        access_request(5, "mn1"),
        accept(5, "2001:db8:1:100::/64"),
        success(),
    ]);
    let order = no_identity.access_order("MN", "NAS");
    assert!(order.identity.is_none() && order.accept.is_none());
}

#[test]
fn failure_malformed_eap_and_other_eapol_types() {
    let o = obs(vec![
        entry(
            1,
            MN,
            NAS_PORT,
            Decoded::Message(Part::new("EAPOL", "Start").field("version", 1)),
        ),
        eapol(
            2,
            MN,
            NAS_PORT,
            Part::new("EAP", "EAP")
                .field("len", 3)
                .field("malformed", "short"),
        ),
        eapol(
            3,
            NAS_PORT,
            MN,
            Part::new("EAP", "EAP code 9").volatile("id", 1),
        ),
        eapol(
            4,
            NAS_PORT,
            MN,
            Part::new("EAP", "EAP Failure").volatile("id", 2),
        ),
        eapol(
            5,
            NAS_PORT,
            MN,
            Part::new("EAP", "EAP Success").volatile("id", 3),
        ),
    ]);
    let frames: Vec<_> = o.eapol_frames().collect();
    assert_eq!(frames.len(), 5);
    assert_eq!(frames[0].packet_type, "Start");
    assert!(frames[0].eap.is_none());
    let bad = frames[1].eap.as_ref().unwrap();
    assert_eq!(bad.code, EapCode::Other);
    assert_eq!(bad.malformed, Some("short"));
    assert_eq!(frames[2].eap.as_ref().unwrap().code, EapCode::Other);
    assert_eq!(
        o.eap_outcome_to("MN").map(|(f, o)| (f.entry.frame, o)),
        Some((4, EapOutcome::Failure))
    );
    assert!(o.eap_outcome_to("NAS-access").is_none());
    assert_eq!(o.eap_identity_of("MN"), None);
}

#[test]
fn ha_assignment_reads_every_profile_attribute_or_names_the_bad_one() {
    let good = obs(vec![
        access_request(5, "mn1"),
        accept(5, "2001:db8:1:100::/64"),
    ]);
    let a = good
        .access_accept_for("mn1", Some("NAS"))
        .unwrap()
        .ha_assignment()
        .unwrap();
    assert_eq!(a.feature_vector, Some(1));
    assert_eq!(a.home_agents, vec!["192.0.2.1".parse::<IpAddr>().unwrap()]);
    assert_eq!(
        a.visited_agents,
        vec!["2001:db8:2::a2".parse::<std::net::Ipv6Addr>().unwrap()]
    );
    assert_eq!(
        a.home_link_prefix,
        Some(("2001:db8:1:100::".parse().unwrap(), 64))
    );
    assert!(good.access_accept_for("mn1", Some("MN")).is_none());
    let bad = obs(vec![
        access_request(5, "mn1"),
        accept(5, "2001:db8:1:100::"),
    ]);
    let err = bad
        .access_accept_for("mn1", None)
        .unwrap()
        .ha_assignment()
        .unwrap_err();
    assert!(err.contains("MIP6-Home-Link-Prefix"), "{err}");
    // A message without code or attributes: nothing assigned, nothing found.
    let bare = obs(vec![entry(
        1,
        NAS,
        AAAV,
        Decoded::Message(Part::new("RADIUS", "code 0")),
    )]);
    let m = bare.radius_messages().next().unwrap();
    assert!(!m.is(2) && m.eap().is_none() && m.state().is_none());
    assert_eq!(m.ha_assignment().unwrap(), Default::default());
    assert!(bare.radius_response_to(&m).is_none());
}

fn times(micros: &[u64]) -> Vec<std::time::Duration> {
    micros
        .iter()
        .map(|m| std::time::Duration::from_micros(*m))
        .collect()
}

fn transcript(entries: Vec<Entry>, errors: Vec<(u64, String)>) -> Transcript {
    Transcript {
        entries,
        setup: 1,
        housekeeping: 2,
        errors,
    }
}

#[test]
fn links_merge_by_capture_time_ties_in_link_order() {
    let access_times = times(&[10, 30, 50]);
    let asp_times = times(&[20, 30, 40]);
    let at = |f: u64, link: &str| {
        let mut e = success();
        e.frame = f;
        e.src = link.into();
        e
    };
    let access = transcript(
        vec![
            at(1, "access"),
            at(2, "access"),
            at(3, "access"),
            at(9, "access"),
        ],
        vec![(4, "access error".into())],
    );
    let asp = transcript(vec![at(1, "asp"), at(2, "asp"), at(3, "asp")], vec![]);
    let link = |network: &str, transcript, frame_times| mip6lab_suite::LinkCapture {
        network: network.into(),
        pcap: format!("{network}.pcap"),
        transcript,
        frame_times,
    };
    let obs = Observation::from_links(vec![
        link("access", access, access_times),
        link("asp", asp, asp_times),
    ]);
    let merged = &obs.transcript;
    let order: Vec<(String, u64)> = merged
        .entries
        .iter()
        .map(|e| (e.src.clone(), e.frame))
        .collect();
    let want = [
        ("access", 1),
        ("asp", 1),
        ("access", 2),
        ("asp", 2),
        ("asp", 3),
        ("access", 3),
        // A frame the capture does not have keeps its place after the one before it.
        ("access", 9),
    ];
    assert_eq!(
        order,
        want.iter()
            .map(|(l, f)| (l.to_string(), *f))
            .collect::<Vec<_>>()
    );
    assert_eq!((merged.setup, merged.housekeeping), (2, 4));
    assert_eq!(merged.errors, vec![(4, "access error".to_string())]);
}
