//! Judges of optional (MAY) behaviour on recorded reference observations: the recording
//! passes, and the same traffic edited as a non-conforming MN would send it does not.

mod support;

use mip6lab_capture::transcript::Decoded;
use mip6lab_capture::{Part, Transcript};
use mip6lab_suite::Observation;
use mip6lab_suite::Verdict;
use mip6lab_suite_split::mn_bootstrap;
use rstest::rstest;
use std::path::PathBuf;
use support::assert_verdict;

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
        ..Observation::default()
    }
}

/// Applies `f` to every decoded message part of kind `kind`, depth first.
fn edit(obs: &mut Observation, kind: &str, f: &dyn Fn(&mut Part)) {
    fn walk(m: &mut Part, kind: &str, f: &dyn Fn(&mut Part)) {
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
    assert_verdict(&o, Verdict::Fail, "has 1 INTERNAL_IP6_ADDRESS");
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
    assert_verdict(&o, Verdict::Fail, "unsigned");
    // No UPDATE from the MSA's AAA server at all (nor BIND's answers to it).
    let mut missing = obs.clone();
    missing
        .transcript
        .entries
        .retain(|e| !(is_msa_update(e) || (e.dst == "AAA2" && e.src == "DNS")));
    let o = judge_aaa_updates_dns(&missing);
    assert_verdict(&o, Verdict::Fail, "sent no DNS UPDATE");
    // The MSP's AAA server keeping the request to itself.
    let mut unproxied = obs.clone();
    unproxied
        .transcript
        .entries
        .retain(|e| !(e.src == "AAA" && e.dst == "AAA2"));
    let o = judge_aaa_updates_dns(&unproxied);
    assert_verdict(&o, Verdict::Fail, "did not proxy");
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
    assert_verdict(&o, Verdict::Fail, "Framed-IPv6-Address=absent");
    let mut no_ptr = obs.clone();
    no_ptr
        .transcript
        .entries
        .retain(|e| !(e.src == "HA1" && e.dns().is_some_and(|m| m.opcode == "UPDATE")));
    let o = judge_ha_delegates(&no_ptr);
    assert_verdict(&o, Verdict::Fail, "added no PTR");
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

// ---------------------------------------------------------------- MN judges, three outcomes
//
// Each changed MN judge on the recorded reference registration (certificate run, split-mn-iut:
// SRV, IKE_SA_INIT 48/49, IKE_AUTH 50/51, BU 52, BA 59, deregistration BU 64, BA 69, IKE SA
// deleted 74), edited into what another MN or another flow would put on the wire: observed
// met (PASS), observed violated (FAIL), never reached or unreadable (INCONCLUSIVE).

mod mn {
    use super::*;
    use mip6lab_capture::Entry;
    use mip6lab_suite::Outcome;
    use mip6lab_suite_split::{mn_bootstrap as b, mn_registration as r};

    fn run() -> Observation {
        recorded("TP-SPLIT-MN-CERT-FQDN-01")
    }

    /// The run up to and including `frame`.
    fn until(mut obs: Observation, frame: u64) -> Observation {
        obs.transcript.entries.retain(|e| e.frame <= frame);
        obs
    }

    fn entry(obs: &Observation, frame: u64) -> Entry {
        obs.transcript
            .entries
            .iter()
            .find(|e| e.frame == frame)
            .unwrap()
            .clone()
    }

    fn message(e: &mut Entry) -> &mut Part {
        match &mut e.decoded {
            Decoded::Message(m) => m,
            _ => panic!("frame {} is not a message", e.frame),
        }
    }

    /// Sets field `name` of every part of `kind` in `frame` (adding it where it is absent).
    fn set(mut obs: Observation, frame: u64, kind: &str, name: &str, value: &str) -> Observation {
        fn walk(m: &mut Part, kind: &str, name: &str, value: &str) {
            if m.kind == kind {
                match m.fields.iter_mut().find(|f| f.name == name) {
                    Some(f) => f.value = value.into(),
                    None => m.fields.push(mip6lab_capture::transcript::Field {
                        name: name.into(),
                        value: value.into(),
                        volatile: false,
                    }),
                }
            }
            for c in &mut m.children {
                walk(c, kind, name, value);
            }
        }
        for e in obs
            .transcript
            .entries
            .iter_mut()
            .filter(|e| e.frame == frame)
        {
            walk(message(e), kind, name, value);
        }
        obs
    }

    /// Adds a Notify of `ty` to the SK payload of `frame`.
    fn notify(mut obs: Observation, frame: u64, ty: u16, name: &str) -> Observation {
        for e in obs
            .transcript
            .entries
            .iter_mut()
            .filter(|e| e.frame == frame)
        {
            let sk = message(e)
                .children
                .iter_mut()
                .find(|c| c.kind == "SK")
                .unwrap();
            sk.children.push(
                Part::new("IKEv2", "N")
                    .field("type", ty)
                    .field("name", name),
            );
        }
        obs
    }

    /// A copy of `frame` as frame `at`, between the MN and `ha` (`to_ha`: sent by the MN).
    fn copy(mut obs: Observation, frame: u64, at: u64, ha: &str, to_ha: bool) -> Observation {
        let addr: std::net::IpAddr = match ha {
            "HA1" => "2001:db8:1::a1",
            _ => "2001:db8:1::a2",
        }
        .parse()
        .unwrap();
        let mut e = entry(&obs, frame);
        e.frame = at;
        if to_ha {
            (e.dst, e.dst_addr) = (ha.into(), addr);
        } else {
            (e.src, e.src_addr) = (ha.into(), addr);
        }
        obs.transcript.entries.push(e);
        obs.transcript.entries.sort_by_key(|e| e.frame);
        obs
    }

    fn exited(mut obs: Observation, code: i64) -> Observation {
        obs.iut_exit = Some(code);
        obs
    }

    /// An MN frame the harness could not read at `frame`.
    fn unreadable(mut obs: Observation, frame: u64) -> Observation {
        obs.transcript.errors.push((frame, "truncated ESP".into()));
        obs
    }

    fn check(o: &Outcome, verdict: Verdict, says: &str) {
        assert_verdict(o, verdict, says);
        if says.starts_with("not exercised") {
            assert!(o.not_reached.is_some(), "{}", o.reason);
        }
    }

    #[rstest]
    #[case::fqdn_and_same_name_in_the_bu(run(), Verdict::Pass, "IDi is ID_FQDN")]
    #[case::ipv6_idi(set(run(), 50, "IDi", "id_type", "5"), Verdict::Fail, "not ID_FQDN")]
    #[case::other_fqdn_in_the_bu(
        set(run(), 52, "DNS-Update", "fqdn", "other.example.com"),
        Verdict::Fail,
        "differs from IDi"
    )]
    // The issue's case: IDi an FQDN, then the HA refused the Child SA: no BU, not a FAIL.
    #[case::child_sa_refused(
        notify(until(run(), 51), 51, 14, "NO_PROPOSAL_CHOSEN"),
        Verdict::Inconclusive,
        "not exercised: the flow stopped after HA1's IKE_AUTH response to MN (frame 51): HA1 answered NO_PROPOSAL_CHOSEN"
    )]
    #[case::silent_after_ike_auth(
        until(run(), 51),
        Verdict::Inconclusive,
        "silence: a Binding Update (lifetime > 0) from the MN never came"
    )]
    #[case::exit_after_ike_auth(
        exited(until(run(), 51), 1),
        Verdict::Inconclusive,
        "exited with code 1"
    )]
    #[case::unreadable_after_ike_auth(
        unreadable(until(run(), 51), 52),
        Verdict::Inconclusive,
        "cannot judge"
    )]
    #[case::never_started_ike(until(run(), 45), Verdict::Inconclusive, "not exercised")]
    fn idi_is_fqdn(#[case] obs: Observation, #[case] verdict: Verdict, #[case] says: &str) {
        check(&r::judge_idi_is_fqdn(&obs), verdict, says);
    }

    #[rstest]
    #[case::bu_ba_types(run(), Verdict::Pass, "narrowed to the BU/BA types")]
    // Ports 0–65535: MH types 0–255, every MH message.
    #[case::wildcard(
        set(
            set(run(), 50, "TS", "ports", "0-65535"),
            50,
            "TS",
            "mh_types",
            "0-255"
        ),
        Verdict::Fail,
        "MH types 0-255"
    )]
    #[case::more_than_bu_ba(set(run(), 50, "TS", "mh_types", "1-6"), Verdict::Fail, "MH types 1-6")]
    #[case::any_protocol(set(run(), 50, "TS", "proto", "0"), Verdict::Fail, "protocol 0")]
    #[case::no_ike_auth(until(run(), 49), Verdict::Inconclusive, "not exercised")]
    fn mh_type_selectors(#[case] obs: Observation, #[case] verdict: Verdict, #[case] says: &str) {
        check(&b::judge_mh_type_selectors(&obs), verdict, says);
    }

    /// The certificate is the lab's; the MN is judged on naming itself by its dNSName.
    #[rstest]
    #[case::idi_is_the_dns_name(run(), Verdict::Pass, "names itself in IDi")]
    #[case::idi_another_name(
        set(run(), 50, "IDi", "id", "mn7.example.com"),
        Verdict::Fail,
        "IDi `mn7.example.com` is not the dNSName"
    )]
    #[case::idi_not_an_fqdn(
        set(run(), 50, "IDi", "id_type", "9"),
        Verdict::Inconclusive,
        "not ID_FQDN"
    )]
    #[case::no_ike_auth(until(run(), 49), Verdict::Inconclusive, "not exercised")]
    fn cert_fqdn(#[case] obs: Observation, #[case] verdict: Verdict, #[case] says: &str) {
        check(&b::judge_cert_fqdn(&obs), verdict, says);
    }

    #[rstest]
    #[case::both_bus_carry_the_option(run(), Verdict::Pass, "deregistration BU: R=1")]
    #[case::dereg_without_r(set(run(), 64, "DNS-Update", "r", "0"), Verdict::Fail, "r=0")]
    #[case::no_deregistration(
        until(run(), 63),
        Verdict::Inconclusive,
        "the MN's deregistration BU"
    )]
    #[case::no_bu(until(run(), 51), Verdict::Inconclusive, "not exercised")]
    fn dns_update_option(#[case] obs: Observation, #[case] verdict: Verdict, #[case] says: &str) {
        check(&r::judge_dns_update_option(&obs), verdict, says);
    }

    #[rstest]
    #[case::assigned_hoa_registered(run(), Verdict::Pass, "registered the assigned HoA")]
    #[case::other_hoa(
        set(run(), 52, "BU", "hao", "2001:db8:1:100::99"),
        Verdict::Fail,
        "HoA 2001:db8:1:100::99"
    )]
    #[case::refused(
        notify(
            set(until(run(), 51), 51, "CP", "cfg_type", "CFG_ACK"),
            51,
            36,
            "INTERNAL_ADDRESS_FAILURE"
        ),
        Verdict::Inconclusive,
        "HA1 answered INTERNAL_ADDRESS_FAILURE"
    )]
    fn hoa_assigned(#[case] obs: Observation, #[case] verdict: Verdict, #[case] says: &str) {
        check(&r::judge_hoa_assigned(&obs), verdict, says);
    }

    #[rstest]
    #[case::protected(run(), Verdict::Pass, "BU in ESP")]
    #[case::no_hao(
        set(run(), 52, "BU", "hao", ""),
        Verdict::Fail,
        "no Home Address option"
    )]
    #[case::bu_unreadable(
        unreadable(until(run(), 51), 52),
        Verdict::Inconclusive,
        "cannot judge"
    )]
    fn bu_protected(#[case] obs: Observation, #[case] verdict: Verdict, #[case] says: &str) {
        check(&r::judge_bu_protected(&obs), verdict, says);
    }

    /// After HA1's IKE_AUTH response, the MN's INFORMATIONAL Delete (recorded at frame 74).
    fn deletes_the_ike_sa() -> Observation {
        let full = run();
        let mut o = until(full.clone(), 51);
        let mut delete = entry(&full, 74);
        delete.frame = 52;
        o.transcript.entries.push(delete);
        o
    }

    /// HA1's certificate is untrusted in the real test; here the refusal is what the MN
    /// does after HA1's IKE_AUTH response (frame 51).
    #[rstest]
    #[case::deletes_the_sa(deletes_the_ike_sa(), Verdict::Pass, "told HA1")]
    #[case::turns_to_ha2(
        copy(until(run(), 51), 48, 52, "HA2", true),
        Verdict::Pass,
        "started IKEv2 anew"
    )]
    #[case::goes_on_with_ha1(run(), Verdict::Fail, "went on with HA1")]
    // Silence proves nothing: the MN may never have checked the certificate.
    #[case::silence(until(run(), 51), Verdict::Inconclusive, "not exercised")]
    #[case::exit_without_a_word(
        exited(until(run(), 51), 1),
        Verdict::Inconclusive,
        "exited with code 1"
    )]
    #[case::unreadable(
        unreadable(until(run(), 51), 52),
        Verdict::Inconclusive,
        "cannot judge"
    )]
    fn untrusted_ha(#[case] obs: Observation, #[case] verdict: Verdict, #[case] says: &str) {
        check(&b::judge_untrusted_ha_certificate(&obs), verdict, says);
    }

    /// HA1 refuses (frames 48–51), the MN moves on to HA2 (80–83), which refuses too.
    fn refused_by_both() -> Observation {
        let o = notify(until(run(), 51), 51, 24, "AUTHENTICATION_FAILED");
        let o = copy(copy(o, 48, 80, "HA2", true), 49, 81, "HA2", false);
        copy(copy(o, 50, 82, "HA2", true), 51, 83, "HA2", false)
    }

    #[rstest]
    #[case::stops(refused_by_both(), Verdict::Pass, "no new IKE SA")]
    #[case::stops_and_exits(exited(refused_by_both(), 1), Verdict::Pass, "exit code 1")]
    #[case::tries_again(
        copy(refused_by_both(), 48, 90, "HA1", true),
        Verdict::Fail,
        "started IKEv2 again"
    )]
    #[case::never_moved_on(
        notify(until(run(), 51), 51, 24, "AUTHENTICATION_FAILED"),
        Verdict::Inconclusive,
        "not exercised"
    )]
    #[case::unreadable(
        unreadable(refused_by_both(), 90),
        Verdict::Inconclusive,
        "cannot judge"
    )]
    fn unrecoverable(#[case] obs: Observation, #[case] verdict: Verdict, #[case] says: &str) {
        check(&b::judge_unrecoverable(&obs), verdict, says);
    }

    fn refused_by_ha1() -> Observation {
        notify(until(run(), 51), 51, 24, "AUTHENTICATION_FAILED")
    }

    #[rstest]
    #[case::next_ha(
        copy(refused_by_ha1(), 48, 80, "HA2", true),
        Verdict::Pass,
        "started IKEv2 with HA2"
    )]
    #[case::gives_up(
        exited(refused_by_ha1(), 1),
        Verdict::Fail,
        "exited (code 1) without an IKE_SA_INIT to HA2"
    )]
    #[case::silent(refused_by_ha1(), Verdict::Inconclusive, "not exercised")]
    #[case::no_refusal(until(run(), 51), Verdict::Inconclusive, "HA1's AUTHENTICATION_FAILED")]
    fn failover_auth(#[case] obs: Observation, #[case] verdict: Verdict, #[case] says: &str) {
        check(&b::judge_failover_auth_failed(&obs), verdict, says);
    }

    /// The MN's IKE_SA_INITs only (no HA answers): HA1, HA2, then HA1 on a new SPI.
    fn unanswered(again: bool) -> Observation {
        let o = copy(until(run(), 48), 48, 60, "HA2", true);
        if !again {
            return o;
        }
        let o = copy(o, 48, 70, "HA1", true);
        set(o, 70, "IKE_SA_INIT request", "ispi", "0000000000000070")
    }

    #[rstest]
    #[case::tries_the_list_again(unanswered(true), Verdict::Pass, "new IKE SA with HA1")]
    #[case::gives_up(exited(unanswered(false), 1), Verdict::Fail, "exited (code 1)")]
    #[case::still_waiting(unanswered(false), Verdict::Inconclusive, "not exercised")]
    fn retry(#[case] obs: Observation, #[case] verdict: Verdict, #[case] says: &str) {
        check(&b::judge_retry_after_period(&obs), verdict, says);
    }

    fn no_address() -> Observation {
        notify(until(run(), 51), 51, 36, "INTERNAL_ADDRESS_FAILURE")
    }

    #[rstest]
    #[case::another_ha(
        set(
            copy(no_address(), 48, 60, "HA2", true),
            60,
            "IKE_SA_INIT request",
            "ispi",
            "0000000000000060"
        ),
        Verdict::Pass,
        "a new IKE SA with HA2"
    )]
    #[case::gives_up(exited(no_address(), 1), Verdict::Fail, "exited (code 1)")]
    #[case::silent(no_address(), Verdict::Inconclusive, "not exercised")]
    fn internal_address_failure(
        #[case] obs: Observation,
        #[case] verdict: Verdict,
        #[case] says: &str,
    ) {
        check(&b::judge_internal_address_failure(&obs), verdict, says);
    }

    /// Renames every part of `kind` in `frame` to `to` (e.g. the CP attribute's type).
    fn rename(mut obs: Observation, frame: u64, kind: &str, to: &str) -> Observation {
        fn walk(m: &mut Part, kind: &str, to: &str) {
            if m.kind == kind {
                m.kind = to.into();
            }
            for c in &mut m.children {
                walk(c, kind, to);
            }
        }
        for e in obs
            .transcript
            .entries
            .iter_mut()
            .filter(|e| e.frame == frame)
        {
            walk(message(e), kind, to);
        }
        obs
    }

    /// Moves the entry at `frame` to `to`.
    fn renumber(mut obs: Observation, frame: u64, to: u64) -> Observation {
        for e in obs
            .transcript
            .entries
            .iter_mut()
            .filter(|e| e.frame == frame)
        {
            e.frame = to;
        }
        obs.transcript.entries.sort_by_key(|e| e.frame);
        obs
    }

    /// The run as an auto-configuring MN's: MIP6_HOME_PREFIX asked (length 0) and returned.
    fn autoconf() -> Observation {
        let o = rename(run(), 50, "INTERNAL_IP6_ADDRESS", "MIP6_HOME_PREFIX");
        let o = rename(o, 51, "INTERNAL_IP6_ADDRESS", "MIP6_HOME_PREFIX");
        set(o, 51, "MIP6_HOME_PREFIX", "value", "2001:db8:1:100::/64")
    }

    /// …then a CREATE_CHILD_SA for HoA 2001:db8:1:100::8001 (frame 53) before its BU (54).
    fn autoconf_with_child_sa() -> Observation {
        child_sa(renumber(autoconf(), 52, 54), 53, "2001:db8:1:100::8001")
    }

    #[rstest]
    #[case::child_sa_then_bu(
        autoconf_with_child_sa(),
        Verdict::Pass,
        "auto-configured from the reply"
    )]
    #[case::prefix_asked_with_a_length(
        set(autoconf(), 50, "MIP6_HOME_PREFIX", "len", "16"),
        Verdict::Fail,
        "length 16, not 0"
    )]
    // A BU after the reply shows the MN went on without SAs for its new HoA.
    #[case::bu_without_child_sa(autoconf(), Verdict::Fail, "without a CREATE_CHILD_SA")]
    #[case::silent_after_the_reply(until(autoconf(), 51), Verdict::Inconclusive, "not exercised")]
    #[case::child_sa_refused(
        notify(until(autoconf_with_child_sa(), 53), 51, 14, "NO_PROPOSAL_CHOSEN"),
        Verdict::Inconclusive,
        "HA1 answered NO_PROPOSAL_CHOSEN"
    )]
    fn hoa_autoconf(#[case] obs: Observation, #[case] verdict: Verdict, #[case] says: &str) {
        check(&b::judge_hoa_autoconf(&obs), verdict, says);
    }

    #[rstest]
    #[case::verified(run(), Verdict::Pass, "the HA verified the certificate")]
    #[case::refused(
        notify(run(), 51, 24, "AUTHENTICATION_FAILED"),
        Verdict::Fail,
        "refused the MN's certificate"
    )]
    #[case::no_answer(until(run(), 50), Verdict::Inconclusive, "not exercised")]
    fn auth_cert(#[case] obs: Observation, #[case] verdict: Verdict, #[case] says: &str) {
        check(&b::judge_auth_cert(&obs), verdict, says);
    }

    /// The MN proposes 2001:db8:1:100::100; the HA assigns ::8001 instead (as recorded).
    fn proposes() -> Observation {
        let o = set(
            run(),
            50,
            "INTERNAL_IP6_ADDRESS",
            "value",
            "2001:db8:1:100::100/64",
        );
        set(o, 50, "INTERNAL_IP6_ADDRESS", "len", "17")
    }

    #[rstest]
    #[case::uses_the_assigned(proposes(), Verdict::Pass, "the MN registered 2001:db8:1:100::8001")]
    #[case::keeps_its_own(
        set(proposes(), 52, "BU", "hao", "2001:db8:1:100::100"),
        Verdict::Fail,
        "sent a BU for its own proposal"
    )]
    #[case::no_bu(until(proposes(), 51), Verdict::Inconclusive, "not exercised")]
    fn hoa_reassigned(#[case] obs: Observation, #[case] verdict: Verdict, #[case] says: &str) {
        check(&b::judge_hoa_reassigned(&obs), verdict, says);
    }

    #[test]
    fn several_home_addresses_without_a_bu_is_not_reached() {
        let obs = recorded("TP-SPLIT-MN-HOA-MULTI-01");
        let first_bu = obs
            .binding_updates_from("MN")
            .next()
            .map(|b| b.frame())
            .unwrap();
        let o = b::judge_several_home_addresses(&until(obs, first_bu - 1));
        check(&o, Verdict::Inconclusive, "not exercised");
    }

    /// HA1's BA (frame 59) with an option of the unassigned type 200, as the stimulus sends it.
    fn ba_with_option_200() -> Observation {
        let mut o = run();
        for e in o.transcript.entries.iter_mut().filter(|e| e.frame == 59) {
            let ba = message(e)
                .children
                .iter_mut()
                .find(|c| c.kind == "BA")
                .unwrap();
            ba.children.push(Part::new("MH", "opt 200").field("len", 2));
        }
        o
    }

    #[rstest]
    #[case::went_on(ba_with_option_200(), Verdict::Pass, "accepted")]
    #[case::sent_the_bu_again(
        copy(ba_with_option_200(), 52, 60, "HA1", true),
        Verdict::Fail,
        "did not accept the BA"
    )]
    #[case::ended_at_the_ba(
        until(ba_with_option_200(), 59),
        Verdict::Inconclusive,
        "not exercised"
    )]
    #[case::no_such_ba(run(), Verdict::Inconclusive, "not exercised")]
    fn unknown_option(#[case] obs: Observation, #[case] verdict: Verdict, #[case] says: &str) {
        check(&r::judge_unknown_option_skipped(&obs), verdict, says);
    }

    /// A CREATE_CHILD_SA request at `at` (a copy of the IKE_AUTH request) for HoA `hoa`.
    fn child_sa(obs: Observation, at: u64, hoa: &str) -> Observation {
        let full = run();
        let mut o = obs;
        let mut e = entry(&full, 50);
        e.frame = at;
        o.transcript.entries.push(e);
        o.transcript.entries.sort_by_key(|e| e.frame);
        let o = rename(o, at, "IKE_AUTH request", "CREATE_CHILD_SA request");
        let o = set(o, at, "TS", "start", hoa);
        set(o, at, "TS", "end", hoa)
    }

    /// A BU at `at` (a copy of the registration BU) for HoA `hoa`.
    fn bu_for(obs: Observation, at: u64, hoa: &str) -> Observation {
        let full = run();
        let mut o = obs;
        let mut e = entry(&full, 52);
        e.frame = at;
        o.transcript.entries.push(e);
        o.transcript.entries.sort_by_key(|e| e.frame);
        set(o, at, "BU", "hao", hoa)
    }

    /// HA1's IKE_AUTH response (frame 51) says USE_ASSIGNED_HoA with ::8001.
    fn told_use_assigned() -> Observation {
        notify(until(run(), 51), 51, 42, "USE_ASSIGNED_HoA")
    }

    #[rstest]
    #[case::uses_it(
        bu_for(
            child_sa(told_use_assigned(), 53, "2001:db8:1:100::8001"),
            54,
            "2001:db8:1:100::8001"
        ),
        Verdict::Pass,
        "uses it as TSi"
    )]
    #[case::another_address(
        child_sa(told_use_assigned(), 53, "2001:db8:1:100::9"),
        Verdict::Fail,
        "TSi is 2001:db8:1:100::9"
    )]
    #[case::bu_without_child_sa(
        bu_for(told_use_assigned(), 52, "2001:db8:1:100::8001"),
        Verdict::Fail,
        "without a CREATE_CHILD_SA"
    )]
    #[case::silent(told_use_assigned(), Verdict::Inconclusive, "not exercised")]
    fn use_assigned_hoa(#[case] obs: Observation, #[case] verdict: Verdict, #[case] says: &str) {
        check(&b::judge_use_assigned_hoa(&obs), verdict, says);
    }

    /// HA1's BA (frame 59) for ::8001 with status 134.
    fn dad_failed() -> Observation {
        set(until(run(), 59), 59, "BA", "status", "134")
    }

    #[rstest]
    #[case::new_hoa(
        bu_for(
            child_sa(dad_failed(), 60, "2001:db8:1:100::9"),
            61,
            "2001:db8:1:100::9"
        ),
        Verdict::Pass,
        "new HoA 2001:db8:1:100::9"
    )]
    #[case::keeps_the_refused_hoa(
        bu_for(dad_failed(), 60, "2001:db8:1:100::8001"),
        Verdict::Fail,
        "for the refused HoA"
    )]
    #[case::ike_sa_init_again(
        copy(dad_failed(), 48, 60, "HA1", true),
        Verdict::Fail,
        "IKE_SA_INIT again"
    )]
    #[case::silent(dad_failed(), Verdict::Inconclusive, "not exercised")]
    #[case::no_bu_for_the_new_hoa(
        child_sa(dad_failed(), 60, "2001:db8:1:100::9"),
        Verdict::Inconclusive,
        "not exercised"
    )]
    #[case::no_134(until(run(), 59), Verdict::Inconclusive, "not exercised")]
    fn dad_failed_134(#[case] obs: Observation, #[case] verdict: Verdict, #[case] says: &str) {
        check(&b::judge_dad_failed_134(&obs), verdict, says);
    }

    /// HA1 (silent) got the MN's IKE_SA_INIT (frame 48) and never answered.
    fn ha1_silent() -> Observation {
        until(run(), 48)
    }

    #[rstest]
    #[case::next_ha(
        copy(ha1_silent(), 48, 60, "HA2", true),
        Verdict::Pass,
        "started IKEv2 with HA2"
    )]
    #[case::gives_up(exited(ha1_silent(), 1), Verdict::Fail, "exited (code 1)")]
    // Still retransmitting to HA1 on its own schedule when the observation ended.
    #[case::still_waiting(ha1_silent(), Verdict::Inconclusive, "not exercised")]
    #[case::ha1_answered(
        until(run(), 49),
        Verdict::Inconclusive,
        "the stimulus (a silent HA) did not happen"
    )]
    fn failover_silent(#[case] obs: Observation, #[case] verdict: Verdict, #[case] says: &str) {
        check(&b::judge_failover_no_answer(&obs), verdict, says);
    }

    /// An ESP packet at `at` (a copy of the BU's, 52, or the BA's, 59) carrying `inner`.
    fn esp(obs: Observation, at: u64, from_mn: bool, inner: Part) -> Observation {
        let full = run();
        let mut o = obs;
        let mut e = entry(&full, if from_mn { 52 } else { 59 });
        e.frame = at;
        message(&mut e).children = vec![inner];
        o.transcript.entries.push(e);
        o.transcript.entries.sort_by_key(|e| e.frame);
        o
    }

    fn mps() -> Part {
        Part::new("ICMPv6", "MPS")
            .field("identifier", 7)
            .field("hao", "2001:db8:1:100::8001")
    }

    /// Registered (up to the BA, 59), then MPS (60) and MPA (61) over ESP.
    fn prefix_discovered() -> Observation {
        let mpa = Part::new("ICMPv6", "MPA").field("identifier", 7).child(
            Part::new("ICMPv6", "PrefixInfo")
                .field("prefix", "2001:db8:1:100::/64")
                .field("flags", "LA"),
        );
        esp(esp(until(run(), 59), 60, true, mps()), 61, false, mpa)
    }

    fn mps_in_clear() -> Observation {
        let mut o = until(run(), 59);
        let mut e = entry(&run(), 52);
        e.frame = 60;
        e.decoded = Decoded::Message(mps());
        o.transcript.entries.push(e);
        o
    }

    #[rstest]
    #[case::switches(
        bu_for(
            child_sa(prefix_discovered(), 62, "2001:db8:1:100::9"),
            63,
            "2001:db8:1:100::9"
        ),
        Verdict::Pass,
        "BU for 2001:db8:1:100::9"
    )]
    #[case::mps_in_clear(mps_in_clear(), Verdict::Fail, "without ESP")]
    #[case::child_sa_for_the_hoa_in_use(
        child_sa(prefix_discovered(), 62, "2001:db8:1:100::8001"),
        Verdict::Fail,
        "the HoA in use"
    )]
    #[case::no_mps(until(run(), 59), Verdict::Inconclusive, "not exercised")]
    #[case::no_child_sa(prefix_discovered(), Verdict::Inconclusive, "not exercised")]
    #[case::mps_unreadable(
        unreadable(until(run(), 59), 60),
        Verdict::Inconclusive,
        "cannot judge"
    )]
    fn mpd_switch(#[case] obs: Observation, #[case] verdict: Verdict, #[case] says: &str) {
        check(&b::judge_mpd_switch(&obs), verdict, says);
    }
}
