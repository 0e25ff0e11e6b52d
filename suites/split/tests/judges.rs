//! Judges of optional (MAY) behaviour on recorded reference observations: the recording
//! passes, and the same traffic edited as a non-conforming MN would send it does not.

use mip6lab_capture::transcript::Decoded;
use mip6lab_capture::{Message, Transcript};
use mip6lab_suite::Observation;
use mip6lab_suite::Verdict;
use mip6lab_suite_split::mn_bootstrap;
use rstest::rstest;
use std::path::PathBuf;

fn recorded(tp: &str) -> Observation {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/transcripts")
        .join(format!("{tp}.json"));
    let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    let transcript: Transcript = serde_json::from_str(&text).unwrap();
    Observation {
        transcript,
        pcap: "home.pcap".into(),
        iut_event: None,
        iut_exit: None,
        peer_versions: Default::default(),
    }
}

/// Applies `f` to every decoded message part of kind `kind`, depth first.
fn edit(obs: &mut Observation, kind: &str, f: &dyn Fn(&mut Message)) {
    fn walk(m: &mut Message, kind: &str, f: &dyn Fn(&mut Message)) {
        if m.kind == kind {
            f(m);
        }
        for c in &mut m.children {
            walk(c, kind, f);
        }
    }
    for e in &mut obs.transcript.entries {
        if let Decoded::Message(m) = &mut e.decoded {
            walk(m, kind, f);
        }
    }
}

#[test]
fn several_home_addresses_pass_as_recorded_and_one_fails() {
    let obs = recorded("TP-SPLIT-MN-HOA-MULTI-01");
    let o = mn_bootstrap::judge_several_home_addresses(&obs);
    assert_eq!(o.verdict, Verdict::Pass, "{}", o.reason);
    // The same MN asking for a single address.
    let mut one = obs.clone();
    edit(&mut one, "CP", &|cp| {
        if cp.get("cfg_type") == Some("CFG_REQUEST") {
            let mut kept = false;
            cp.children.retain(|a| {
                let drop = a.kind == "INTERNAL_IP6_ADDRESS" && kept;
                kept |= a.kind == "INTERNAL_IP6_ADDRESS";
                !drop
            });
        }
    });
    let o = mn_bootstrap::judge_several_home_addresses(&one);
    assert_eq!(o.verdict, Verdict::Fail, "{}", o.reason);
    assert!(
        o.reason.contains("has 1 INTERNAL_IP6_ADDRESS"),
        "{}",
        o.reason
    );
}

#[test]
fn fqdn_in_the_certificate_passes_and_another_name_fails() {
    let obs = recorded("TP-SPLIT-MN-CERT-FQDN-01");
    let o = mn_bootstrap::judge_cert_fqdn(&obs);
    assert_eq!(o.verdict, Verdict::Pass, "{}", o.reason);
    let set_san = |san: &'static str| {
        let mut o = obs.clone();
        edit(&mut o, "CERT", &|c| {
            for f in &mut c.fields {
                if f.name == "san" {
                    f.value = san.into();
                }
            }
        });
        mn_bootstrap::judge_cert_fqdn(&o)
    };
    let other = set_san("DNS:mn7.example.com");
    assert_eq!(other.verdict, Verdict::Fail, "{}", other.reason);
    // No dNSName at all: the option is not used, which is no failure of a MAY.
    let none = set_san("IP:2001:db8:1::100");
    assert_eq!(none.verdict, Verdict::Inconclusive, "{}", none.reason);
}

/// The AAA chain of a delegated forward DNS update (RFC 5026 §6, §9.5) is the lab's own peers,
/// so no knob breaks it: the recording passes, and edited into what a broken MSP/MSA AAA would
/// put on the wire, it fails.
#[test]
fn aaa_dns_update_passes_as_recorded_and_fails_unsigned_missing_or_unproxied() {
    use mip6lab_suite_split::ha_aaa_dns::judge_aaa_updates_dns;
    let obs = recorded("TP-SPLIT-AAA-DNS-UPDATE-01");
    let o = judge_aaa_updates_dns(&obs);
    assert_eq!(o.verdict, Verdict::Pass, "{}", o.reason);
    let is_msa_update = |e: &mip6lab_capture::Entry| {
        e.src == "AAA2" && e.dns().is_some_and(|m| m.opcode == "UPDATE" && !m.response)
    };
    // Unsigned: BIND (which names only keys in allow-update) would refuse it.
    let mut unsigned = obs.clone();
    for e in &mut unsigned.transcript.entries {
        if is_msa_update(e) {
            if let Decoded::Dns(m) = &mut e.decoded {
                m.tsig = false;
            }
        }
    }
    let o = judge_aaa_updates_dns(&unsigned);
    assert_eq!(o.verdict, Verdict::Fail, "{}", o.reason);
    assert!(o.reason.contains("unsigned"), "{}", o.reason);
    // No UPDATE from the MSA's AAA server at all (nor BIND's answers to it).
    let mut missing = obs.clone();
    missing
        .transcript
        .entries
        .retain(|e| !(is_msa_update(e) || (e.dst == "AAA2" && e.src == "DNS")));
    let o = judge_aaa_updates_dns(&missing);
    assert_eq!(o.verdict, Verdict::Fail, "{}", o.reason);
    assert!(o.reason.contains("sent no DNS UPDATE"), "{}", o.reason);
    // The MSP's AAA server keeping the request to itself.
    let mut unproxied = obs.clone();
    unproxied
        .transcript
        .entries
        .retain(|e| !(e.src == "AAA" && e.dst == "AAA2"));
    let o = judge_aaa_updates_dns(&unproxied);
    assert_eq!(o.verdict, Verdict::Fail, "{}", o.reason);
    assert!(o.reason.contains("did not proxy"), "{}", o.reason);
}

/// The HA's side on the same recording: the pair without the HoA, or no PTR, fails (live, the
/// knobs `ha.aaa_omit_hoa` and `ha.skip_reverse_update` show the same).
#[test]
fn ha_delegation_fails_without_the_hoa_or_the_ptr() {
    use mip6lab_suite_split::ha_aaa_dns::judge_ha_delegates;
    let obs = recorded("TP-SPLIT-AAA-DNS-UPDATE-01");
    let o = judge_ha_delegates(&obs);
    assert_eq!(o.verdict, Verdict::Pass, "{}", o.reason);
    let mut no_hoa = obs.clone();
    for e in &mut no_hoa.transcript.entries {
        if let (true, Decoded::Message(m)) = (e.src == "HA1", &mut e.decoded) {
            m.children.retain(|c| c.kind != "Framed-IPv6-Address");
        }
    }
    let o = judge_ha_delegates(&no_hoa);
    assert_eq!(o.verdict, Verdict::Fail, "{}", o.reason);
    assert!(
        o.reason.contains("Framed-IPv6-Address=absent"),
        "{}",
        o.reason
    );
    let mut no_ptr = obs.clone();
    no_ptr
        .transcript
        .entries
        .retain(|e| !(e.src == "HA1" && e.dns().is_some_and(|m| m.opcode == "UPDATE")));
    let o = judge_ha_delegates(&no_ptr);
    assert_eq!(o.verdict, Verdict::Fail, "{}", o.reason);
    assert!(o.reason.contains("added no PTR"), "{}", o.reason);
}

/// The typed views judges read, on recorded JSON transcripts: the same registration read
/// from three runs (IKE_AUTH, BU, BA frames), with what the transcript text shows.
#[rstest]
#[case("TP-SPLIT-AAA-DNS-UPDATE-01", 53, 55, 73)]
#[case("TP-SPLIT-MN-CERT-FQDN-01", 50, 52, 59)]
#[case("TP-SPLIT-MN-HOA-MULTI-01", 48, 50, 57)]
fn typed_views_read_recorded_transcripts(
    #[case] tp: &str,
    #[case] ike_auth: u64,
    #[case] bu_frame: u64,
    #[case] ba_frame: u64,
) {
    use mip6lab_suite::observe::{id_type, notify, Carrier, CfgType, DnsRcode, DnsView, Exchange};
    let obs = recorded(tp);
    let hoa: std::net::Ipv6Addr = "2001:db8:1:100::8001".parse().unwrap();
    let req = obs
        .ike_requests(Exchange::IkeAuth, Some("MN"))
        .next()
        .unwrap();
    assert_eq!(req.frame(), ike_auth);
    assert!(req.decrypted());
    let idi = req.idi.as_ref().unwrap();
    assert_eq!(
        (idi.id_type, idi.id.as_str()),
        (Some(id_type::ID_FQDN), "mn1.example.com")
    );
    let resp = obs
        .ike_responses(Exchange::IkeAuth, Some("HA1"))
        .next()
        .unwrap();
    assert!(resp.has_notify(notify::USE_TRANSPORT_MODE));
    assert_eq!(
        resp.config(CfgType::Reply)
            .and_then(|c| c.internal_address()),
        Some(hoa.into())
    );
    let bus: Vec<_> = obs.binding_updates_from("MN").collect();
    let (reg, dereg) = (&bus[0], &bus[1]);
    assert_eq!(reg.frame(), bu_frame);
    assert_eq!(
        reg.carrier,
        Carrier::Esp {
            next_header: Some(135)
        }
    );
    assert_eq!(reg.home_address, Some(hoa));
    assert_eq!(
        reg.alternate_coa(),
        Some("2001:db8:1::100".parse().unwrap())
    );
    let opt = reg.dns_update().unwrap();
    assert_eq!(
        (opt.status, opt.remove, opt.fqdn.as_deref()),
        (Some(0), Some(false), Some("mn1.example.com"))
    );
    assert!(dereg.deregisters());
    assert_eq!(dereg.dns_update().and_then(|o| o.remove), Some(true));
    let ba = obs.binding_acks_from("HA1").next().unwrap();
    assert_eq!(ba.frame(), ba_frame);
    assert_eq!(
        (ba.status, ba.seq, ba.routed_to),
        (Some(0), reg.seq, Some(hoa))
    );
    assert!(obs
        .ike_requests(Exchange::Informational, Some("MN"))
        .any(|m| m.has_delete));
    // Every UPDATE was accepted; the lookups after deregistration find nothing.
    let answers: Vec<DnsRcode> = obs
        .transcript
        .dns()
        .filter(|(e, m)| e.src == "DNS" && m.response)
        .map(|(_, m)| m.response_code())
        .collect();
    assert!(answers.iter().filter(|r| **r == DnsRcode::NoError).count() > 4);
    assert_eq!(answers.last(), Some(&DnsRcode::NxDomain));
}

/// SRV answers read as typed records (priority, weight, port, target) from recorded runs.
#[rstest]
#[case("TP-SPLIT-MN-CERT-FQDN-01")]
#[case("TP-SPLIT-MN-HOA-MULTI-01")]
fn srv_answers_are_typed_records(#[case] tp: &str) {
    use mip6lab_suite::observe::DnsView;
    let obs = recorded(tp);
    let (_, answer) = obs
        .transcript
        .dns()
        .find(|(_, m)| m.response && m.qtype == "SRV")
        .unwrap();
    let mut srv: Vec<_> = answer
        .srv_answers(Some("_mip6._ipv6.example.com."))
        .into_iter()
        .map(|s| (s.priority, s.weight, s.port, s.target))
        .collect();
    // The server may rotate the RRset.
    srv.sort();
    assert_eq!(
        srv,
        [
            (10, 60, 0, "ha1.example.com.".to_string()),
            (20, 40, 0, "ha2.example.com.".to_string())
        ]
    );
}
