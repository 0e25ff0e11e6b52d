//! MN under test in the integrated scenario (RFC 6611 §4.2, RFC 6610 §4.1): network access
//! at the harness's NAS (802.1X, EAP relayed to FreeRADIUS), the Information-request through
//! its relay to Kea (or to the stimulus server), and the HA the MN then bootstraps with. Every
//! verdict is read from the three links' captures.

use crate::{mn_under_test, same_fqdn, DECOY_HA, HOME_NETWORK, MSP_HA, STIMULUS_SERVER};
use mip6lab_suite::observe::{
    dns_queries_from, first_ike_sa_init, ContainerKind, DhcpMessage, DhcpOpt, EapOutcome, Exchange,
};
use mip6lab_suite::{try_step, Observation, Outcome, TestPurpose};
use std::net::{IpAddr, Ipv6Addr};

const TOPOLOGY: &str = "integrated-mn-iut";
/// The MSP case: the MN names its home network (RFC 6611 §4.2.1).
const MSP: &[(&str, &str)] = &[("MIP6LAB_HOME_NETWORK_ID", HOME_NETWORK)];
/// The ASP case: no home network named (§4.2.2).
const ASP: &[(&str, &str)] = &[];
/// The MSP case naming two home networks: the MN's own and one no server knows.
const TWO_NETWORKS: &[(&str, &str)] = &[("MIP6LAB_HOME_NETWORK_ID", "example.com,example.net")];
/// The NAS relays to the stimulus server, which answers with an IDINF for a network the MN
/// did not name, naming the decoy HA.
const UNMATCHED_IDINF: &[(&str, &str, &str)] = &[
    ("nas", "MIP6LAB_DHCP_SERVERS", STIMULUS_SERVER),
    ("stim", "MIP6LAB_DHCP_SHAPE", "idinf-unmatched"),
];
/// The NAS relays to the stimulus server, which answers with HNIDF, HNP, HAA (the decoy) and
/// HAF at the top level, outside any container.
const STRAY_OPTIONS: &[(&str, &str, &str)] = &[
    ("nas", "MIP6LAB_DHCP_SERVERS", STIMULUS_SERVER),
    ("stim", "MIP6LAB_DHCP_SHAPE", "stray-top-level"),
];
/// The NAS relays to the stimulus server, whose Reply holds an unusable container first, then
/// one with an IPv4-embedded HAA followed by the usable HA2.
const FIRST_USABLE: &[(&str, &str, &str)] = &[
    ("nas", "MIP6LAB_DHCP_SERVERS", STIMULUS_SERVER),
    ("stim", "MIP6LAB_DHCP_SHAPE", "first-usable"),
];
/// The NAS relays to an address where no server answers.
const HAF_ONLY: &[(&str, &str, &str)] = &[
    ("nas", "MIP6LAB_DHCP_SERVERS", STIMULUS_SERVER),
    ("stim", "MIP6LAB_DHCP_SHAPE", "haf-only"),
];
/// The name `haf-only` gives HA2 (topology integrated-mn-iut), and the address BIND has for it.
const HA2_NAME: &str = "ha2.example.com";
const HA2: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 2, 0, 0, 0, 0, 0xa2);
const NO_SERVER: &[(&str, &str, &str)] = &[("nas", "MIP6LAB_DHCP_SERVERS", "2001:db8:2::99")];
/// RFC 6610 §4.1.1: with a container, the client also asks for these.
const SUB_OPTIONS: [u16; 4] = [49, 71, 72, 73];

/// A test purpose with the MN under test ([`crate::test_purpose`]).
pub(crate) const fn tp(
    id: &'static str,
    title: &'static str,
    requirements: &'static [&'static str],
    iut_env: &'static [(&'static str, &'static str)],
    judge: fn(&Observation) -> Outcome,
) -> TestPurpose {
    crate::test_purpose(
        mn_under_test(TOPOLOGY),
        id,
        title,
        requirements,
        iut_env,
        judge,
    )
}

/// RFC 6611 §4.2.1 (1) and §4.1: the MN authenticates for network access at the NAS, and
/// only then asks for home network information.
#[mip6lab_suite::test_purpose]
pub fn access_before_dhcp() -> TestPurpose {
    tp(
        "TP-INT-MN-ACCESS-01",
        "MN authenticates for network access (802.1X) before its Information-request",
        &["RFC6611-4.2.1-MN-MUST-1", "RFC6611-4.1-MN-MUST-1"],
        MSP,
        judge_access_before_dhcp,
    )
    .pics(&["mn.access.8021x"])
}

pub fn judge_access_before_dhcp(obs: &Observation) -> Outcome {
    // The positive control: the NAS asked for an identity on the access link.
    let asked = obs.eapol_frames().find(|f| f.src() == "NAS-access");
    let Some(asked) = asked else {
        return Outcome::not_reached(
            "lab start",
            "the harness's NAS sent no EAP Request/Identity on the access link",
        );
    };
    let Some(identity) = obs.eap_identity_of("MN") else {
        return Outcome::fail("the MN answered no EAP Request/Identity (no 802.1X authentication)")
            .with_frames(obs.pcap_of(asked.position), [asked.entry.frame]);
    };
    let Some((outcome, result)) = obs.eap_outcome_to("MN") else {
        return Outcome::not_reached(
            format!("EAP Response/Identity `{identity}`"),
            "no EAP Success or Failure reached the MN",
        );
    };
    if result != EapOutcome::Success {
        return Outcome::not_reached(
            format!("EAP as `{identity}`"),
            "the AAA server refused the MN's credentials (EAP Failure)",
        );
    }
    let requests = obs.information_requests_from("MN");
    match requests.first() {
        Some(r) if r.position < outcome.position => Outcome::fail(
            "the MN sent an Information-request before its network access was authenticated",
        )
        .with_frames(obs.pcap_of(r.position), [r.frame()]),
        Some(r) => Outcome::pass(format!(
            "802.1X as `{identity}`, EAP Success, then the Information-request"
        ))
        .with_frames(obs.pcap_of(r.position), [outcome.entry.frame, r.frame()]),
        None => Outcome::fail("after EAP Success the MN sent no Information-request")
            .with_frames(obs.pcap_of(outcome.position), [outcome.entry.frame]),
    }
}

/// RFC 6611 §4.2.2 (1): in the ASP case too, the MN "executes the network access
/// authentication procedure" with the NAS before anything else.
#[mip6lab_suite::test_purpose]
pub fn access_before_dhcp_asp() -> TestPurpose {
    tp(
        "TP-INT-MN-ACCESS-ASP-01",
        "MN (ASP case) authenticates for network access (802.1X) before its Information-request",
        &["RFC6611-4.2.2-MN-MUST-2"],
        ASP,
        judge_access_before_dhcp,
    )
    .pics(&["mn.access.8021x", "mn.dhcp.asp"])
}

/// RFC 6610 §4.1.1: a client "may request information about more than one identified
/// domain" with one HNIDF each, and then "MUST request the Home Network ID option in the ORO".
#[mip6lab_suite::test_purpose]
pub fn several_home_networks() -> TestPurpose {
    tp(
        "TP-INT-MN-SEVERAL-HNIDF-01",
        "MN naming several home networks sends one HNIDF each and asks for 49 and 69 in the ORO",
        &["RFC6610-4.1.1-MN-MUST-4", "RFC6610-4.1.1-MN-MAY-2"],
        TWO_NETWORKS,
        judge_several_home_networks,
    )
    .pics(&["mn.dhcp.msp", "mn.dhcp.several_hnidf"])
}

pub fn judge_several_home_networks(obs: &Observation) -> Outcome {
    let r = try_step!(first_request(obs));
    let evidence = |o: Outcome| o.with_frames(obs.pcap_of(r.position), [r.frame()]);
    let hnidfs = r.hnidfs();
    let named = |n: &str| hnidfs.iter().any(|h| same_fqdn(h, n));
    if !(named(HOME_NETWORK) && named("example.net")) {
        return evidence(Outcome::fail(format!(
            "configured with two home networks, the MN sent the HNIDFs {hnidfs:?}, not one for \
             each of {HOME_NETWORK} and example.net"
        )));
    }
    let oro = r.oro().unwrap_or_default();
    if !oro.contains(&49) || !oro.contains(&69) {
        return evidence(Outcome::fail(format!(
            "with {} HNIDFs the ORO {oro:?} must hold 49 (HNIDF) and 69 (IDINF)",
            hnidfs.len()
        )));
    }
    evidence(Outcome::pass(format!("HNIDFs {hnidfs:?}, ORO {oro:?}")))
}

/// RFC 6610 §4.1.2: with several HNIDFs sent, the client "should be prepared to handle zero
/// or more" IDINFs: the server knows only the MN's own network, and the MN goes on with it.
#[mip6lab_suite::test_purpose]
pub fn several_home_networks_partial_answer() -> TestPurpose {
    tp(
        "TP-INT-MN-SEVERAL-HNIDF-02",
        "MN naming several home networks bootstraps with the one IDINF the server had",
        &["RFC6610-4.1.2-MN-SHOULD-2"],
        TWO_NETWORKS,
        judge_uses_idinf_ha,
    )
    .pics(&[
        "mn.dhcp.msp",
        "mn.dhcp.several_hnidf",
        "mn.integrated.bootstrap",
    ])
}

/// RFC 6610 §3.1: the HNIDF's FQDN "is encoded in accordance with RFC 3315, Section 8"
/// (DNS wire format, uncompressed); §4: the options follow RFC 3315's rules.
#[mip6lab_suite::test_purpose]
pub fn hnidf_well_formed() -> TestPurpose {
    tp(
        "TP-INT-MN-HNIDF-FORM-01",
        "MN encodes its HNIDF as an RFC 3315 §8 domain name, in a well-formed message",
        &["RFC6610-3.1-ANY-MUST-1", "RFC6610-4-ANY-MUST-1"],
        MSP,
        judge_hnidf_well_formed,
    )
    .pics(&["mn.dhcp.msp"])
}

pub fn judge_hnidf_well_formed(obs: &Observation) -> Outcome {
    // On the access link only the MN sends to All_DHCP_Relay_Agents_and_Servers.
    let all_servers = IpAddr::V6(Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 1, 2));
    if let Some((e, reason)) = obs
        .malformed_dhcp()
        .into_iter()
        .find(|(e, _)| e.src == "MN" || e.dst_addr == all_servers)
    {
        return obs.with_entries(
            Outcome::fail(format!(
                "the MN's DHCPv6 message does not parse as RFC 8415/6610 options: {reason}"
            )),
            &[e],
        );
    }
    let r = try_step!(first_request(obs));
    let evidence = |o: Outcome| o.with_frames(obs.pcap_of(r.position), [r.frame()]);
    match r.hnidfs().as_slice() {
        [] => evidence(Outcome::not_reached(
            "Information-request",
            "the MN sent no HNIDF (TP-INT-MN-IR-MSP-01 judges that)",
        )),
        names => evidence(Outcome::pass(format!(
            "HNIDF {names:?} in RFC 3315 §8 form, the message well-formed"
        ))),
    }
}

/// RFC 6610 §4.1.2: "The client must be prepared to handle home agent addresses in the form of
/// either the Home Agent Address option or the Home Agent FQDN option"; §3.5: the FQDN "is
/// used to look up one or more A or AAAA records". The stimulus server's IDINF names HA2 by
/// its FQDN only.
#[mip6lab_suite::test_purpose]
pub fn uses_haf() -> TestPurpose {
    tp(
        "TP-INT-MN-HAF-01",
        "MN given its HA as an FQDN (HAF) looks it up (AAAA) and bootstraps with that address",
        &["RFC6610-4.1.2-MN-MUST-2", "RFC6610-3.5-MN-MUST-1"],
        MSP,
        judge_uses_haf,
    )
    .peer_env(HAF_ONLY)
    .pics(&["mn.dhcp.msp", "mn.integrated.bootstrap"])
}

pub fn judge_uses_haf(obs: &Observation) -> Outcome {
    let r = try_step!(first_request(obs));
    let reply = try_step!(stimulus_reply(obs, &r));
    let reply_ev = (obs.pcap_of(reply.position), reply.frame());
    let named = reply.containers().iter().any(|c| {
        c.kind == ContainerKind::Idinf
            && c.haas.is_empty()
            && c.hafs.iter().any(|h| same_fqdn(h, HA2_NAME))
    });
    if !named {
        return Outcome::inconclusive(format!(
            "the Reply holds no IDINF naming {HA2_NAME} by HAF alone: the stimulus did not happen"
        ))
        .with_frames(reply_ev.0, [reply_ev.1]);
    }
    let lookup = dns_queries_from(obs, "MN")
        .find(|(_, m)| same_fqdn(&m.qname, HA2_NAME) && (m.qtype == "AAAA" || m.qtype == "A"));
    let Some((lookup, query)) = lookup else {
        return Outcome::fail(format!(
            "the Reply named the HA as {HA2_NAME} (HAF); the MN never looked the name up"
        ))
        .with_frames(reply_ev.0, [reply_ev.1]);
    };
    match first_ike_sa_init(obs, "MN") {
        Some(init) if init.entry.dst_addr == IpAddr::V6(HA2) => obs.with_entries(
            Outcome::pass(format!(
                "HAF {HA2_NAME}: {} query, then IKE_SA_INIT to {HA2}",
                query.qtype
            )),
            &[reply.entry, lookup, init.entry],
        ),
        Some(init) => obs.with_entries(
            Outcome::fail(format!(
                "the MN looked up {HA2_NAME} ({HA2}) but sent IKE_SA_INIT to {}",
                init.entry.dst_addr
            )),
            &[reply.entry, lookup, init.entry],
        ),
        None => obs.with_entries(
            Outcome::fail(format!(
                "the MN looked up {HA2_NAME} and then sent no IKE_SA_INIT"
            )),
            &[reply.entry, lookup],
        ),
    }
}

/// The MN's first Information-request, or why the flow did not get there.
/// The stimulus server's Reply to the MN's request `r`, or INCONCLUSIVE when none reached it.
pub(crate) fn stimulus_reply<'a>(
    obs: &'a Observation,
    r: &DhcpMessage,
) -> Result<DhcpMessage<'a>, Outcome> {
    obs.reply_to(r).ok_or_else(|| {
        Outcome::not_reached(
            "Information-request",
            "the harness's stimulus server's Reply did not reach the MN",
        )
    })
}

pub(crate) fn first_request(obs: &Observation) -> Result<DhcpMessage<'_>, Outcome> {
    if let Some(r) = obs.information_requests_from("MN").into_iter().next() {
        return Ok(r);
    }
    match obs.eap_outcome_to("MN") {
        Some((f, EapOutcome::Success)) => Err(Outcome::fail(
            "after EAP Success the MN sent no Information-request",
        )
        .with_frames(obs.pcap_of(f.position), [f.entry.frame])),
        _ => Err(Outcome::not_reached(
            "network access",
            "the MN was not (yet) authenticated for network access",
        )),
    }
}

/// RFC 6611 §4.2.1 (2): "an Information-request message to the All_DHCP_Relay_Agents_and_
/// Servers multicast address" with the VDINF code in the ORO (INTERP-6611-1), a Home Network
/// ID FQDN option and a Client Identifier; RFC 6610 §4.1.1: the container asked for in the
/// ORO, an HNIDF with a request for IDINF.
#[mip6lab_suite::test_purpose]
pub fn msp_information_request() -> TestPurpose {
    tp(
        "TP-INT-MN-IR-MSP-01",
        "MN's Information-request (MSP case): ff02::1:2, CLIENTID, ORO with the containers, HNIDF",
        &[
            "RFC6611-4.2.1-MN-MUST-2",
            "RFC6611-4.2.1-MN-SHALL-1",
            "RFC6611-4.2.1-MN-SHALL-2",
            "RFC6611-4.2.1-MN-SHALL-3",
            "RFC6610-4.1.1-MN-MUST-1",
            "RFC6610-4.1.1-MN-MUST-3",
            "RFC6610-3.1-MN-MUST-1",
        ],
        MSP,
        judge_msp_information_request,
    )
    .pics(&["mn.dhcp.msp"])
}

pub fn judge_msp_information_request(obs: &Observation) -> Outcome {
    let r = try_step!(first_request(obs));
    let evidence = |o: Outcome| o.with_frames(obs.pcap_of(r.position), [r.frame()]);
    let all_servers: IpAddr = IpAddr::V6(Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 1, 2));
    if r.entry.dst_addr != all_servers {
        return evidence(Outcome::fail(format!(
            "the Information-request went to {}, not ff02::1:2",
            r.entry.dst_addr
        )));
    }
    if r.client_id().is_none() {
        return evidence(Outcome::fail(
            "no Client Identifier option (OPTION_CLIENTID)",
        ));
    }
    let oro = r.oro().unwrap_or_default();
    if !oro.contains(&50) {
        return evidence(Outcome::fail(format!(
            "the ORO {oro:?} lacks OPTION_MIP6_VDINF (50), which RFC 6611 §4.2.1 (2) asks for"
        )));
    }
    if !oro.contains(&69) {
        return evidence(Outcome::fail(format!(
            "the ORO {oro:?} does not ask for OPTION_MIP6_IDINF (69), the MSP's information"
        )));
    }
    let hnidfs = r.hnidfs();
    if !hnidfs.iter().any(|h| same_fqdn(h, HOME_NETWORK)) {
        return evidence(Outcome::fail(format!(
            "no Home Network ID FQDN option naming {HOME_NETWORK} (HNIDFs: {hnidfs:?})"
        )));
    }
    evidence(Outcome::pass(format!(
        "to ff02::1:2 with CLIENTID, ORO {oro:?}, HNIDF {HOME_NETWORK}"
    )))
}

/// RFC 6610 §4.1.1: "the client MUST also include" 49, 71, 72 and 73 in the ORO.
#[mip6lab_suite::test_purpose]
pub fn oro_sub_options() -> TestPurpose {
    tp(
        "TP-INT-MN-ORO-01",
        "MN's ORO lists 49, 71, 72 and 73 with the containers",
        &["RFC6610-4.1.1-MN-MUST-2"],
        MSP,
        judge_oro_sub_options,
    )
    .pics(&["mn.dhcp.msp"])
}

pub fn judge_oro_sub_options(obs: &Observation) -> Outcome {
    let r = try_step!(first_request(obs));
    let oro = r.oro().unwrap_or_default();
    let missing: Vec<u16> = SUB_OPTIONS
        .into_iter()
        .filter(|c| !oro.contains(c))
        .collect();
    let o = if missing.is_empty() {
        Outcome::pass(format!("ORO {oro:?}"))
    } else {
        Outcome::fail(format!("the ORO {oro:?} lacks {missing:?}"))
    };
    o.with_frames(obs.pcap_of(r.position), [r.frame()])
}

/// RFC 6611 §4.2.1 (5) and §4.4: the MN uses the HA of the IDINF the server returned for its
/// home network, and goes on with RFC 5026 towards it.
#[mip6lab_suite::test_purpose]
pub fn uses_idinf_ha() -> TestPurpose {
    tp(
        "TP-INT-MN-USE-IDINF-01",
        "MN bootstraps (IKE_SA_INIT) with the HA of the IDINF for its home network",
        &[
            "RFC6611-4.2.1-MN-MUST-3",
            "RFC6611-4.4-ANY-MUST-1",
            "RFC6610-4.1.2-MN-MUST-5",
        ],
        MSP,
        judge_uses_idinf_ha,
    )
    .pics(&["mn.dhcp.msp", "mn.integrated.bootstrap"])
}

pub fn judge_uses_idinf_ha(obs: &Observation) -> Outcome {
    judge_uses_container_ha(obs, ContainerKind::Idinf)
}

/// The MN's next IKE_SA_INIT goes to the HA of the `kind` container of the Reply it got.
fn judge_uses_container_ha(obs: &Observation, kind: ContainerKind) -> Outcome {
    let r = try_step!(first_request(obs));
    let Some(reply) = obs.reply_to(&r) else {
        return Outcome::not_reached(
            "Information-request",
            "no Reply reached the MN (the harness's relay or server did not answer)",
        );
    };
    let offered: Vec<Ipv6Addr> = reply
        .containers()
        .iter()
        .filter(|c| c.kind == kind)
        .flat_map(|c| c.haas.clone())
        .collect();
    let Some(ha) = offered.first() else {
        return Outcome::inconclusive(format!(
            "the Reply the MN got holds no {kind:?} with an HA address: the harness's server \
             did not provide the information this test needs"
        ))
        .with_frames(obs.pcap_of(reply.position), [reply.frame()]);
    };
    let Some(init) = first_ike_sa_init(obs, "MN") else {
        return Outcome::fail(format!(
            "after the Reply naming HA {ha} the MN sent no IKE_SA_INIT"
        ))
        .with_frames(obs.pcap_of(reply.position), [reply.frame()]);
    };
    // Both on the access link, where the MN's own frames are first seen.
    let (pcap, frames) = (
        obs.pcap_of(reply.position),
        [reply.frame(), init.entry.frame],
    );
    if init.entry.dst_addr == IpAddr::V6(*ha) {
        Outcome::pass(format!(
            "the Reply's {kind:?} named {ha}; IKE_SA_INIT went there"
        ))
        .with_frames(pcap, frames)
    } else {
        Outcome::fail(format!(
            "the Reply's {kind:?} named {ha}, but the MN's IKE_SA_INIT went to {}",
            init.entry.dst_addr
        ))
        .with_frames(pcap, frames)
    }
}

/// RFC 6611 §4.2.2 (2): in the ASP case the MN asks for the visited network's information
/// (VDINF, no HNIDF, INTERP-6611-2), with a Client Identifier.
#[mip6lab_suite::test_purpose]
pub fn asp_information_request() -> TestPurpose {
    tp(
        "TP-INT-MN-IR-ASP-01",
        "MN's Information-request (ASP case): CLIENTID, ORO with VDINF and HNIDF, no HNIDF sent",
        &[
            "RFC6611-4.2.2-MN-MUST-1",
            "RFC6611-4.2.2-MN-SHALL-1",
            "RFC6611-4.2.2-MN-SHALL-2",
        ],
        ASP,
        judge_asp_information_request,
    )
    .pics(&["mn.dhcp.asp"])
}

pub fn judge_asp_information_request(obs: &Observation) -> Outcome {
    let r = try_step!(first_request(obs));
    let evidence = |o: Outcome| o.with_frames(obs.pcap_of(r.position), [r.frame()]);
    if r.client_id().is_none() {
        return evidence(Outcome::fail(
            "no Client Identifier option (OPTION_CLIENTID)",
        ));
    }
    let oro = r.oro().unwrap_or_default();
    if !oro.contains(&50) || !oro.contains(&49) {
        return evidence(Outcome::fail(format!(
            "the ORO {oro:?} must hold 50 (VDINF) and 49 (HNIDF) in the ASP case"
        )));
    }
    if !r.hnidfs().is_empty() {
        return evidence(Outcome::fail(format!(
            "an HNIDF ({:?}) in the ASP case asks for an identified network instead",
            r.hnidfs()
        )));
    }
    evidence(Outcome::pass(format!("CLIENTID, ORO {oro:?}, no HNIDF")))
}

/// RFC 6611 §4.2.2 (5): in the ASP case the MN bootstraps with the VDINF's HA.
#[mip6lab_suite::test_purpose]
pub fn asp_case() -> TestPurpose {
    tp(
        "TP-INT-MN-ASP-01",
        "MN (ASP case) bootstraps (IKE_SA_INIT) with the VDINF's HA",
        &["RFC6611-4.2.2-MN-MUST-3", "RFC6611-4.2.2-MN-MUST-4"],
        ASP,
        judge_asp_case,
    )
    .pics(&["mn.dhcp.asp", "mn.integrated.bootstrap"])
}

pub fn judge_asp_case(obs: &Observation) -> Outcome {
    judge_uses_container_ha(obs, ContainerKind::Vdinf)
}

/// RFC 6610 §4.1.2: "the client MUST silently discard" an IDINF without an HNIDF matching
/// one it sent. The stimulus server's IDINF names another network and a decoy HA; a
/// conforming MN never contacts the decoy, and goes on another way (DNS, RFC 6611 §4.3).
#[mip6lab_suite::test_purpose]
pub fn discards_unmatched_idinf() -> TestPurpose {
    tp(
        "TP-INT-MN-UNMATCHED-01",
        "MN discards an IDINF for a network it did not name (never contacts its HA)",
        &["RFC6610-4.1.2-MN-MUST-1"],
        MSP,
        judge_discards_unmatched_idinf,
    )
    .peer_env(UNMATCHED_IDINF)
    .pics(&["mn.dhcp.msp", "mn.integrated.bootstrap"])
}

pub fn judge_discards_unmatched_idinf(obs: &Observation) -> Outcome {
    judge_never_contacts_decoy(obs, "an IDINF for another network", |reply, decoy| {
        reply.containers().into_iter().any(|c| {
            c.kind == ContainerKind::Idinf
                && c.haas.contains(&decoy)
                && !c
                    .hnidf
                    .as_deref()
                    .is_some_and(|h| same_fqdn(h, HOME_NETWORK))
        })
    })
}

/// RFC 6610 §4.1.2: HNIDF, HNP, HAA and HAF found outside a container "MUST" be discarded.
/// The stimulus server sends them all at the top level, the HAA naming the decoy HA.
#[mip6lab_suite::test_purpose]
pub fn discards_stray_options() -> TestPurpose {
    tp(
        "TP-INT-MN-STRAY-01",
        "MN discards home network options found outside any container (never contacts their HA)",
        &["RFC6610-4.1.2-MN-MUST-4"],
        MSP,
        judge_discards_stray_options,
    )
    .peer_env(STRAY_OPTIONS)
    .pics(&["mn.dhcp.msp", "mn.integrated.bootstrap"])
}

pub fn judge_discards_stray_options(obs: &Observation) -> Outcome {
    judge_never_contacts_decoy(obs, "an HAA outside any container", |reply, decoy| {
        reply.option(72) == Some(&DhcpOpt::Haa(decoy))
    })
}

/// The Reply the MN got holds `what` (the stimulus), naming the decoy HA; the MN must never
/// contact it, and must go on elsewhere (the positive control: without it, a discard cannot
/// be told from a stall).
fn judge_never_contacts_decoy(
    obs: &Observation,
    what: &str,
    stimulus_in: impl Fn(&DhcpMessage, Ipv6Addr) -> bool,
) -> Outcome {
    let r = try_step!(first_request(obs));
    let decoy: Ipv6Addr = DECOY_HA.parse().expect("a constant address");
    let reply = try_step!(stimulus_reply(obs, &r));
    let pcap = obs.pcap_of(reply.position);
    if !stimulus_in(&reply, decoy) {
        return Outcome::inconclusive(format!(
            "the Reply holds no {what} naming the decoy HA: the stimulus did not happen"
        ))
        .with_frames(pcap, [reply.frame()]);
    }
    let to_decoy = obs
        .ike_requests(Exchange::IkeSaInit, Some("MN"))
        .find(|m| m.entry.dst_addr == IpAddr::V6(decoy));
    if let Some(m) = to_decoy {
        return Outcome::fail(format!(
            "the MN sent IKE_SA_INIT to {decoy}, the HA named only by {what}"
        ))
        .with_frames(pcap, [reply.frame(), m.entry.frame]);
    }
    match first_ike_sa_init(obs, "MN") {
        Some(init) => Outcome::pass(format!(
            "{what} named {decoy}, never contacted; the MN went to {}",
            init.entry.dst_addr
        ))
        .with_frames(pcap, [reply.frame(), init.entry.frame]),
        None => Outcome::inconclusive(
            "the MN contacted no HA at all after the Reply: a discard cannot be told from a stall",
        )
        .with_frames(pcap, [reply.frame()]),
    }
}

/// RFC 6610 §4.1.2: the client "SHOULD" choose the first candidate it can use, and "may only
/// use" an IPv4-embedded HAA over IPv4. The stimulus server offers an unmatched IDINF (decoy),
/// then an IDINF whose first HAA is IPv4-embedded (64:ff9b::/96) and second the usable HA2;
/// an MN bootstrapping over IPv6 goes to HA2.
#[mip6lab_suite::test_purpose]
pub fn first_usable_candidate() -> TestPurpose {
    tp(
        "TP-INT-MN-FIRST-USABLE-01",
        "MN takes the first HA it can use over IPv6 (skips an IPv4-embedded HAA)",
        &["RFC6610-4.1.2-MN-SHOULD-3", "RFC6610-4.1.2-MN-MAY-1"],
        MSP,
        judge_first_usable_candidate,
    )
    .peer_env(FIRST_USABLE)
    .pics(&["mn.dhcp.msp", "mn.integrated.bootstrap"])
}

pub fn judge_first_usable_candidate(obs: &Observation) -> Outcome {
    let r = try_step!(first_request(obs));
    let reply = try_step!(stimulus_reply(obs, &r));
    let pcap = obs.pcap_of(reply.position);
    // The container for the MN's own network, and its first HAA it can use over IPv6.
    let ipv4_embedded = |a: &Ipv6Addr| a.segments()[..6] == [0x64, 0xff9b, 0, 0, 0, 0];
    let offered: Vec<Ipv6Addr> = reply
        .containers()
        .into_iter()
        .filter(|c| c.kind == ContainerKind::Idinf)
        .filter(|c| {
            c.hnidf
                .as_deref()
                .is_some_and(|h| same_fqdn(h, HOME_NETWORK))
        })
        .flat_map(|c| c.haas)
        .collect();
    let (Some(first), Some(usable)) = (offered.first(), offered.iter().find(|a| !ipv4_embedded(a)))
    else {
        return Outcome::inconclusive(
            "the Reply holds no IDINF for the MN's network with an IPv6 HA: the stimulus did not happen",
        )
        .with_frames(pcap, [reply.frame()]);
    };
    if !ipv4_embedded(first) {
        return Outcome::inconclusive(
            "the IDINF's first HAA is not IPv4-embedded: the stimulus did not happen",
        )
        .with_frames(pcap, [reply.frame()]);
    }
    let Some(init) = first_ike_sa_init(obs, "MN") else {
        return Outcome::fail(format!(
            "after the Reply naming {usable} the MN contacted no HA"
        ))
        .with_frames(pcap, [reply.frame()]);
    };
    let frames = [reply.frame(), init.entry.frame];
    if init.entry.dst_addr == IpAddr::V6(*usable) {
        Outcome::pass(format!(
            "skipped the IPv4-embedded {first}; IKE_SA_INIT to {usable}"
        ))
        .with_frames(pcap, frames)
    } else {
        Outcome::fail(format!(
            "the first HA the MN could use over IPv6 was {usable}; its IKE_SA_INIT went to {}",
            init.entry.dst_addr
        ))
        .with_frames(pcap, frames)
    }
}

/// RFC 6611 §4.3: the MN MAY fall back to DNS discovery (RFC 5026) when DHCPv6 gives it no
/// home agent. The relay's server does not answer here.
#[mip6lab_suite::test_purpose]
pub fn dns_fallback() -> TestPurpose {
    tp(
        "TP-INT-MN-DNS-FALLBACK-01",
        "MN without a DHCPv6 answer discovers its HA by DNS and bootstraps with it",
        &["RFC6611-4.3-MN-MAY-1"],
        MSP,
        judge_dns_fallback,
    )
    .peer_env(NO_SERVER)
    .pics(&["mn.dhcp.dns_fallback", "mn.integrated.bootstrap"])
}

pub fn judge_dns_fallback(obs: &Observation) -> Outcome {
    let r = try_step!(first_request(obs));
    if let Some(reply) = obs.reply_to(&r) {
        return Outcome::inconclusive("a Reply reached the MN: DHCPv6 did not fail as planned")
            .with_frames(obs.pcap_of(reply.position), [reply.frame()]);
    }
    let Some((q, _)) = dns_queries_from(obs, "MN").find(|(_, m)| m.qtype == "SRV") else {
        return Outcome::fail("after an unanswered Information-request the MN made no SRV query")
            .with_frames(obs.pcap_of(r.position), [r.frame()]);
    };
    let expected: Ipv6Addr = MSP_HA.parse().expect("a constant address");
    // The MN's frames are first seen on its access link.
    let pcap = obs.pcap_of(r.position);
    match first_ike_sa_init(obs, "MN") {
        Some(init) if init.entry.dst_addr == IpAddr::V6(expected) => {
            Outcome::pass("no DHCPv6 answer; SRV query, then IKE_SA_INIT to the DNS-discovered HA1")
                .with_frames(pcap, [q.frame, init.entry.frame])
        }
        Some(init) => Outcome::fail(format!(
            "after DNS discovery the MN went to {}, not the SRV answer's HA1 {expected}",
            init.entry.dst_addr
        ))
        .with_frames(pcap, [init.entry.frame]),
        None => {
            Outcome::fail("the MN queried SRV but contacted no HA").with_frames(pcap, [q.frame])
        }
    }
}
