//! The DHCPv6 and network-access views on the committed integrated recordings
//! (fixtures/pcaps/integrated-reference/{msp,asp,dns}: the reference MN and NAS around Kea
//! and FreeRADIUS, three links each), as an integrated judge would read them: each flow's
//! links decoded with the topology's role names and merged in capture-time order.

use mip6lab_lab::Topology;
use mip6lab_suite::observe::{
    dhcp_option, same_message, ContainerKind, DhcpMessageType, DhcpOpt, EapCode, EapOutcome,
};
use mip6lab_suite::Observation;
use std::net::{IpAddr, Ipv6Addr};
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// One recorded flow: its access, ASP and home links in one observation.
fn recorded(flow: &str) -> Observation {
    let dir = root()
        .join("fixtures/pcaps/integrated-reference")
        .join(flow);
    let topo = Topology::load(&root().join("fixtures/topologies/record-integrated.toml")).unwrap();
    let obs = Observation::from_recording(&dir, &topo, &[dir.join("keys.log")]).unwrap();
    assert!(
        obs.transcript.errors.is_empty(),
        "{flow}: {:?}",
        obs.transcript.errors
    );
    obs
}

const EXAMPLE: &str = "example.com.";

fn ha1() -> Ipv6Addr {
    "2001:db8:1::a1".parse().unwrap()
}

fn home_prefix() -> (Ipv6Addr, u8) {
    ("2001:db8:1:100::".parse().unwrap(), 64)
}

#[test]
fn merged_links_keep_each_links_order_and_interleave_by_time() {
    let obs = recorded("msp");
    // The MN's Information-request (access link) comes before the NAS's Relay-forward of it
    // (ASP link), which comes before Kea's Relay-reply and the Reply to the MN.
    let ir = &obs.information_requests_from("MN")[0];
    let fw = &obs.relay_forwards(Some("NAS"))[0];
    let rr = &obs.relay_replies(Some("NAS"))[0];
    let reply = &obs.replies_to("MN")[0];
    assert!(ir.position < fw.position, "{} {}", ir.position, fw.position);
    assert!(fw.position < rr.position && rr.position < reply.position);
    // Within a link, capture order: frame numbers rise with position.
    let access: Vec<u64> = obs.eapol_frames().map(|f| f.entry.frame).collect();
    assert!(access.windows(2).all(|w| w[0] < w[1]), "{access:?}");
}

#[test]
fn msp_information_request_asks_for_the_home_network_information() {
    let obs = recorded("msp");
    let irs = obs.information_requests_from("MN");
    assert_eq!(
        irs.len(),
        1,
        "the MN's link-local address is named by its EAPOL frames"
    );
    let ir = &irs[0];
    assert_eq!(ir.msg_type, DhcpMessageType::InformationRequest);
    assert_eq!(ir.dst, "ff02::1:2");
    assert!(ir.transaction_id.is_some());
    let client = ir.client_id().expect("CLIENTID");
    assert_eq!(client.duid_type, "LL");
    assert!(client.link_layer_address().is_some());
    let oro = ir.oro().expect("ORO");
    for code in [69, 50, 49, 71, 72, 73] {
        assert!(oro.contains(&code), "{code} not in {oro:?}");
    }
    assert_eq!(ir.hnidfs(), vec![EXAMPLE]);
    assert!(matches!(
        ir.option(dhcp_option::ELAPSED_TIME),
        Some(DhcpOpt::ElapsedTime(_))
    ));
}

#[test]
fn msp_relay_forward_carries_the_aaa_assignment_in_an_rsoo_idinf() {
    let obs = recorded("msp");
    let fws = obs.relay_forwards(Some("NAS"));
    assert_eq!(fws.len(), 1);
    let fw = &fws[0];
    assert_eq!(fw.dst, "DHCP");
    let relay = fw.relay.unwrap();
    assert_eq!(relay.hop_count, Some(0));
    assert_eq!(relay.link_address, Some("2001:db8:10::a".parse().unwrap()));
    assert_eq!(fw.interface_id(), Some("0x65746831"));
    let rsoo = fw.rsoo_containers();
    assert_eq!(rsoo.len(), 1, "{:?}", fw.rsoo());
    let idinf = &rsoo[0];
    assert_eq!(idinf.kind, ContainerKind::Idinf);
    assert!(idinf.names("example.com"));
    assert_eq!(idinf.haas, vec![ha1()]);
    assert_eq!(idinf.hnp(), Some(home_prefix()));
    assert!(idinf.hafs.is_empty());
    // The relayed message is the MN's Information-request, unchanged.
    let inner = fw.relayed().expect("Relay Message");
    assert!(same_message(inner, &obs.information_requests_from("MN")[0]));
    assert_eq!(
        fw.innermost().unwrap().msg_type,
        DhcpMessageType::InformationRequest
    );
    assert_eq!(fw.relay_levels().len(), 1);
}

#[test]
fn msp_relay_reply_reaches_the_mn_unchanged() {
    let obs = recorded("msp");
    let rr = &obs.relay_replies(Some("NAS"))[0];
    assert_eq!(rr.src, "DHCP");
    let inner = rr.relayed().expect("Relay Message");
    let reply = obs
        .reply_to(&obs.information_requests_from("MN")[0])
        .unwrap();
    assert_eq!(reply.src, "NAS-access", "from the NAS's link-local address");
    assert_eq!(reply.dst, "MN");
    assert!(
        same_message(inner, &reply),
        "{:?}",
        mip6lab_suite::observe::first_difference(inner, &reply)
    );
    let onward = obs.relayed_onward(rr).expect("the NAS passed the Reply on");
    assert_eq!(onward.position, reply.position);
    // The Reply: a VDINF (Kea's own, HA2) and the IDINF from the RSOO (HA1).
    let c = reply.containers();
    let kinds: Vec<_> = c.iter().map(|c| c.kind).collect();
    assert_eq!(kinds, vec![ContainerKind::Vdinf, ContainerKind::Idinf]);
    assert_eq!(
        c[0].haas,
        vec!["2001:db8:2::a2".parse::<Ipv6Addr>().unwrap()]
    );
    assert!(c[1].names(EXAMPLE) && c[1].haas == vec![ha1()]);
    assert_eq!(c[1].hnp(), Some(home_prefix()));
    assert_eq!(
        reply.client_id(),
        obs.information_requests_from("MN")[0].client_id()
    );
}

#[test]
fn asp_flow_has_no_rsoo_and_a_vdinf_only() {
    let obs = recorded("asp");
    let ir = &obs.information_requests_from("MN")[0];
    assert!(ir.hnidfs().is_empty());
    let fw = &obs.relay_forwards(Some("NAS"))[0];
    assert_eq!(fw.rsoo(), None);
    assert!(fw.rsoo_containers().is_empty());
    let reply = &obs.replies_to("MN")[0];
    let c = reply.containers();
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].kind, ContainerKind::Vdinf);
    assert!(same_message(
        obs.relay_replies(Some("NAS"))[0].relayed().unwrap(),
        reply
    ));
}

#[test]
fn dns_flow_has_no_reply_to_the_mn() {
    let obs = recorded("dns");
    // Unanswered, the MN retransmits (RFC 8415 §15): same transaction ID, Elapsed Time up.
    let irs = obs.information_requests_from("MN");
    assert_eq!(irs.len(), 3);
    assert!(irs
        .iter()
        .all(|m| m.transaction_id == irs[0].transaction_id));
    let elapsed: Vec<u16> = irs
        .iter()
        .filter_map(|m| match m.option(dhcp_option::ELAPSED_TIME) {
            Some(DhcpOpt::ElapsedTime(t)) => Some(*t),
            _ => None,
        })
        .collect();
    assert!(
        elapsed.len() == 3 && elapsed.windows(2).all(|w| w[0] < w[1]),
        "{elapsed:?}"
    );
    assert!(obs.replies_to("MN").is_empty());
    assert!(irs.iter().all(|ir| obs.reply_to(ir).is_none()));
    assert!(obs.malformed_dhcp().is_empty());
}

#[test]
fn eapol_identity_and_success_after_the_access_accept() {
    for flow in ["msp", "asp", "dns"] {
        let obs = recorded(flow);
        assert_eq!(
            obs.eap_identity_of("MN"),
            Some("mn1-access@example.com"),
            "{flow}"
        );
        let first_response = obs
            .eapol_frames()
            .find(|f| f.src() == "MN")
            .and_then(|f| f.eap)
            .unwrap();
        assert_eq!(first_response.code, EapCode::Response);
        assert_eq!(first_response.method, Some("Identity"));
        assert!(first_response.identifier.is_some());
        let (success, outcome) = obs.eap_outcome_to("MN").expect("EAP outcome");
        assert_eq!(outcome, EapOutcome::Success);
        assert_eq!(success.src(), "NAS-access");
        assert_eq!(success.packet_type, "EAP");
        let order = obs.access_order("MN", "NAS");
        assert_eq!(order.accept_first(), Some(true), "{flow}");
        assert_eq!(order.accept.as_ref().unwrap().entry.src, "AAAV");
        assert_eq!(order.frames().len(), 2);
    }
}

#[test]
fn access_accept_carries_the_ha_assignment() {
    let obs = recorded("msp");
    let accepts = obs.access_accepts_for("mn1-access@example.com");
    // AAAH → AAAV (seen on the home and the ASP link) and AAAV → NAS.
    let hops: Vec<(&str, &str)> = accepts
        .iter()
        .map(|a| (a.entry.src.as_str(), a.entry.dst.as_str()))
        .collect();
    assert!(
        hops.contains(&("AAA", "AAAV")) && hops.contains(&("AAAV", "NAS")),
        "{hops:?}"
    );
    let to_nas = obs
        .access_accept_for("mn1-access@example.com", Some("NAS"))
        .unwrap();
    let a = to_nas.ha_assignment().unwrap();
    assert_eq!(a.home_agents, vec![IpAddr::V6(ha1())]);
    assert_eq!(a.home_link_prefix, Some(home_prefix()));
    assert_eq!(a.feature_vector, Some(1));
    assert!(a.visited_agents.is_empty());
    assert!(to_nas.has_message_authenticator());
    assert_eq!(to_nas.eap().map(|e| e.code), Some(EapCode::Success));
    // The request it answers: EAP inside, with a State from the challenge round.
    let req = obs
        .radius_messages()
        .filter(|m| {
            m.entry.src == "NAS" && m.is(mip6lab_suite::observe::radius_code::ACCESS_REQUEST)
        })
        .last()
        .unwrap();
    assert!(req.state().is_some() && req.eap().is_some());
    assert_eq!(
        obs.radius_response_to(&req).map(|r| r.position),
        Some(to_nas.position)
    );
    assert!(obs
        .access_accept_for("someone-else@example.com", None)
        .is_none());
}
