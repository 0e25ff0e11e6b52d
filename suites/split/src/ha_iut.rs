//! HA under test, what its test modules (`ha_home_address`, `ha_dns`, `ha_binding`) share:
//! the harness's MN (the reference MN, started once the HA is ready) drives
//! IKEv2, BUs with the DNS Update option and deregistration against it, with BIND and
//! FreeRADIUS around (RFC 5026 §5.3, §6, §8, §9; RFC 4877 §4).
//!
//! Every verdict rests on the decrypted capture: the tester MN logs its IKE and ESP keys, so
//! the HA's messages are readable even when a vendor HA logs none. What the tester did wrong
//! (it never reached the HA, its keys are missing) is INCONCLUSIVE, never a FAIL of the HA.

use mip6lab_suite::observe::{
    dns_queries_from, in_prefix, notify, pcap, response_to, reverse_name, same_name,
    sorted_frames as sorted, BindingAck, BindingUpdate, CpAttribute, DnsRcode, DnsUpdateOption,
    DnsView, Exchange, IkeMessage, RData, UpdateOperation,
};
use mip6lab_suite::{DnsMessage, Entry, Stimulus};
use mip6lab_suite::{Observation, Outcome, TestPurpose};
use std::net::{IpAddr, Ipv6Addr};

pub(crate) const TOPOLOGY: &str = "split-ha-iut";
/// The home link prefix the topology gives the HA (`MIP6LAB_HOME_PREFIX`).
pub(crate) const HOME_PREFIX: (Ipv6Addr, u8) =
    (Ipv6Addr::new(0x2001, 0xdb8, 1, 0x100, 0, 0, 0, 0), 64);
/// The tester MN's IKE identity (IDi), hence the FQDN it may have registered (§9.5).
pub(crate) const MN_FQDN: &str = "mn1.example.com";
/// The FQDN the tester names in the FQDN-authorization test: not its IDi.
pub(crate) const FOREIGN_FQDN: &str = "other.example.com";

/// Every scenario here needs the HA to authenticate the tester's PSK.
pub(crate) const PICS_ASSIGNED: &[&str] = &["ha.auth.psk", "ha.hoa.assigned"];
pub(crate) const PICS_AUTOCONF: &[&str] = &["ha.auth.psk", "ha.hoa.autoconf"];
pub(crate) const PICS_DNS: &[&str] = &["ha.auth.psk", "ha.hoa.assigned", "ha.dns_update"];

/// A test purpose on the HA-IUT topology: the tester MN is the stimulus, and its `done`
/// event (after deregistration and the IKE SA deletion) ends the observation.
pub(crate) const fn tp(
    id: &'static str,
    title: &'static str,
    requirements: &'static [&'static str],
    pics: &'static [&'static str],
    iut_env: &'static [(&'static str, &'static str)],
    tester_env: &'static [(&'static str, &'static str)],
    judge: fn(&Observation) -> Outcome,
) -> TestPurpose {
    driven_by_tester(TOPOLOGY, id, title, requirements, judge)
        .pics(pics)
        .iut_env(iut_env)
        .stimulus(Stimulus {
            node: "mn",
            env: tester_env,
        })
}

/// A test purpose with an HA under test in `topology`, driven by the tester MN `mn` with
/// its default settings; its `done` event ends the observation.
pub(crate) const fn driven_by_tester(
    topology: &'static str,
    id: &'static str,
    title: &'static str,
    requirements: &'static [&'static str],
    judge: fn(&Observation) -> Outcome,
) -> TestPurpose {
    TestPurpose::new(
        crate::ha_under_test(topology),
        id,
        title,
        requirements,
        judge,
    )
    .stimulus(Stimulus {
        node: "mn",
        env: &[],
    })
}

/// Tester settings of the scenarios (test purposes with equal settings share a lab run).
pub(crate) const DEFAULT_TESTER: &[(&str, &str)] = &[];
pub(crate) const AUTOCONF_TESTER: &[(&str, &str)] = &[("MIP6LAB_HOA_MODE", "autoconf")];
pub(crate) const HA_NO_AUTOCONF: &[(&str, &str)] = &[("MIP6LAB_HA_AUTOCONF", "no")];
pub(crate) const FOREIGN_FQDN_TESTER: &[(&str, &str)] =
    &[("MIP6LAB_KNOBS", "mn.dns_fqdn=other.example.com")];
pub(crate) const BU_STATUS_TESTER: &[(&str, &str)] = &[("MIP6LAB_KNOBS", "mn.dns_bu_status=7")];

pub(crate) fn in_home_prefix(a: Ipv6Addr) -> bool {
    in_prefix(a, HOME_PREFIX.0, HOME_PREFIX.1)
}

/// The `addr/plen` value of a CP attribute, when it is an IPv6 prefix.
pub(crate) fn cp_value(a: &CpAttribute) -> Option<(Ipv6Addr, u8)> {
    match a.prefix()? {
        (IpAddr::V6(addr), plen) => Some((addr, plen)),
        _ => None,
    }
}

/// (type, name) of each Notify with a readable type.
pub(crate) fn notifies<'m>(m: &'m IkeMessage) -> Vec<(u16, &'m str)> {
    m.notifies
        .iter()
        .filter_map(|n| Some((n.notify_type?, n.name.as_str())))
        .collect()
}

// ------------------------------------------------------------------------- IKEv2 steps

/// The tester's first IKE_AUTH request and the HA's IKE_AUTH response, both decrypted.
pub(crate) struct IkeAuth<'a> {
    pub(crate) req: IkeMessage<'a>,
    pub(crate) resp: IkeMessage<'a>,
}

/// Error notifies of `m` (RFC 7296 §3.10.1) as reasons name them, `none` without one.
/// Notify 42 is an error type by number but not a refusal (§5.3.2).
pub(crate) fn error_notifies(m: &IkeMessage) -> String {
    let errs: Vec<String> = notifies(m)
        .iter()
        .filter(|(t, _)| *t < notify::FIRST_STATUS_TYPE && *t != notify::USE_ASSIGNED_HOA)
        .map(|(t, n)| format!("{n}({t})"))
        .collect();
    if errs.is_empty() {
        "none".into()
    } else {
        errs.join(", ")
    }
}

/// The tester's IKE_AUTH and the HA's answer with AUTH. Where the flow stops earlier the
/// requirement of the test was never exercised: INCONCLUSIVE, naming the last step and what
/// stopped it (the tests that judge IKEv2 itself read the messages directly).
pub(crate) fn ike_auth(obs: &Observation) -> Result<IkeAuth<'_>, Outcome> {
    let p = pcap(obs);
    let Some(req) = obs.ike_requests(Exchange::IkeAuth, Some("MN")).next() else {
        let init = obs.ike_requests(Exchange::IkeSaInit, Some("MN")).next();
        let answers: Vec<_> = obs
            .ike_responses(Exchange::IkeSaInit, Some("HA1"))
            .collect();
        return Err(match (init, answers.last()) {
            (None, _) => Outcome::not_reached(
                "the start of the test",
                "the tester MN never sent IKE_SA_INIT to the HA (see logs/mn.log: name lookup \
                 of ha1.example.com?)",
            ),
            (Some(i), None) => Outcome::not_reached(
                "the tester's IKE_SA_INIT",
                "silence: the HA did not answer it",
            )
            .with_frames(p, [i.frame()]),
            (Some(i), Some(m)) => Outcome::not_reached(
                "the HA's IKE_SA_INIT answer",
                format!(
                    "it did not lead to IKE_AUTH (notifies: {})",
                    error_notifies(m)
                ),
            )
            .with_frames(p, [i.frame(), m.frame()]),
        });
    };
    if !req.decrypted() {
        return Err(Outcome::inconclusive(
            "the tester's IKE_AUTH was not decrypted: no key log from the tester MN",
        )
        .with_frames(p, [req.frame()]));
    }
    // With EAP there are several round trips; the last answer holds the CP and the SA.
    let Some(resp) = obs.ike_responses(Exchange::IkeAuth, Some("HA1")).last() else {
        return Err(Outcome::not_reached(
            "the tester's IKE_AUTH request",
            "silence: the HA did not answer it",
        )
        .with_frames(p, [req.frame()]));
    };
    if !resp.decrypted() {
        return Err(Outcome::inconclusive(
            "the HA's IKE_AUTH response was not decrypted with the tester's keys",
        )
        .with_frames(p, [req.frame(), resp.frame()]));
    }
    if !resp.has_auth() {
        return Err(Outcome::not_reached(
            "the tester's IKE_AUTH request",
            format!(
                "the HA refused it (no AUTH; notifies: {})",
                error_notifies(&resp)
            ),
        )
        .with_frames(p, [req.frame(), resp.frame()]));
    }
    Ok(IkeAuth { req, resp })
}

// ----------------------------------------------------------------- binding (BU / BA)

/// A BU of the tester and the HA's BA to it, if any.
pub(crate) struct Binding<'a> {
    pub(crate) bu: BindingUpdate<'a>,
    pub(crate) hoa: Ipv6Addr,
    pub(crate) ba: Option<BindingAck<'a>>,
}

impl Binding<'_> {
    pub(crate) fn dns_option(&self) -> Option<&DnsUpdateOption> {
        self.bu.dns_update()
    }
    pub(crate) fn fqdn(&self) -> Option<&str> {
        self.dns_option().and_then(|d| d.fqdn.as_deref())
    }
    /// [`Binding::fqdn`] of a registration; without one, INCONCLUSIVE: the tester did not
    /// ask for DNS.
    pub(crate) fn registered_fqdn(&self, obs: &Observation) -> Result<&str, Outcome> {
        self.fqdn().ok_or_else(|| {
            Outcome::inconclusive("the tester's registration BU carries no DNS Update option")
                .with_frames(pcap(obs), self.frames())
        })
    }
    pub(crate) fn ba_dns(&self) -> Option<&DnsUpdateOption> {
        self.ba.as_ref().and_then(|b| b.dns_update())
    }
    /// Whether the BU's DNS Update option asks for removal (R set).
    pub(crate) fn removes_dns(&self) -> bool {
        self.dns_option().and_then(|o| o.remove) == Some(true)
    }
    /// The frame of the BA, or else of the BU.
    pub(crate) fn last_frame(&self) -> u64 {
        self.ba.as_ref().map_or(self.bu.frame(), |b| b.frame())
    }
    pub(crate) fn frames(&self) -> Vec<u64> {
        let mut v = vec![self.bu.frame()];
        v.extend(self.ba.as_ref().map(|b| b.frame()));
        v
    }
}

/// The HA's BA to `bu`: same sequence number, later; else the first BA after it.
pub(crate) fn ba_for<'a>(
    obs: &'a Observation,
    bu: &BindingUpdate,
    before: u64,
) -> Option<BindingAck<'a>> {
    let all: Vec<_> = obs
        .binding_acks_from("HA1")
        .filter(|b| b.frame() > bu.frame())
        .collect();
    all.iter()
        .find(|b| bu.seq.is_some() && b.seq == bu.seq)
        .or_else(|| all.iter().find(|b| b.frame() < before))
        .cloned()
}

pub(crate) fn binding<'a>(obs: &'a Observation, bu: BindingUpdate<'a>, before: u64) -> Binding<'a> {
    let hoa = bu
        .home_address
        .or(match bu.entry.src_addr {
            IpAddr::V6(a) => Some(a),
            IpAddr::V4(_) => None,
        })
        .unwrap_or(Ipv6Addr::UNSPECIFIED);
    let ba = ba_for(obs, &bu, before);
    Binding { bu, hoa, ba }
}

/// The registration (first BU with a lifetime) and the deregistration after it, if any.
pub(crate) fn bindings(obs: &Observation) -> Result<(Binding<'_>, Option<Binding<'_>>), Outcome> {
    let auth = ike_auth(obs)?;
    let bus: Vec<_> = obs.binding_updates_from("MN").collect();
    let Some(reg) = bus.iter().find(|b| b.registers()) else {
        let frames = sorted([auth.req.frame(), auth.resp.frame()]);
        if auth.resp.tsi.is_none() {
            return Err(Outcome::not_reached(
                "IKE_AUTH completed",
                format!(
                    "the HA set up no Child SA for the BU (no TSi; notifies: {})",
                    error_notifies(&auth.resp)
                ),
            )
            .with_frames(pcap(obs), frames));
        }
        if let Some(o) = obs.cannot_judge(Some("MN"), auth.resp.frame(), "the tester's BU") {
            return Err(o);
        }
        return Err(Outcome::not_reached(
            "IKE_AUTH completed",
            "the tester MN sent no Binding Update (see logs/mn.log)",
        )
        .with_frames(pcap(obs), frames));
    };
    let dereg = bus
        .iter()
        .find(|b| b.frame() > reg.frame() && b.deregisters());
    let end = dereg.map_or(u64::MAX, |b| b.frame());
    Ok((
        binding(obs, reg.clone(), end),
        dereg.map(|b| binding(obs, b.clone(), u64::MAX)),
    ))
}

/// The registration with its BA, which every DNS test needs.
pub(crate) fn answered_registration(
    obs: &Observation,
) -> Result<(Binding<'_>, Option<Binding<'_>>), Outcome> {
    let (reg, dereg) = bindings(obs)?;
    if reg.ba.is_none() {
        if let Some(o) = obs.cannot_judge(Some("HA1"), reg.bu.frame(), "the HA's answer to the BU")
        {
            return Err(o);
        }
        return Err(
            Outcome::fail("the HA sent no Binding Acknowledgement to the tester's BU")
                .with_frames(pcap(obs), [reg.bu.frame()]),
        );
    }
    Ok((reg, dereg))
}

// ------------------------------------------------------------------------ DNS traffic

/// UPDATE messages the HA sent, with BIND's response.
pub(crate) type Upd<'a> = (
    (&'a Entry, &'a DnsMessage),
    Option<(&'a Entry, &'a DnsMessage)>,
);

pub(crate) fn updates(obs: &Observation) -> Vec<Upd<'_>> {
    obs.transcript
        .dns()
        .filter(|(e, m)| e.src == "HA1" && !m.response && m.is_update())
        .map(|(e, m)| ((e, m), response_to(obs, e)))
        .collect()
}

/// BIND accepted the update: NOERROR and no TSIG error (RFC 8945 §5.3).
pub(crate) fn accepted(u: &Upd) -> bool {
    u.1.is_some_and(|(_, r)| update_accepted(r))
}

pub(crate) fn update_accepted(r: &DnsMessage) -> bool {
    r.response_code() == DnsRcode::NoError && r.tsig_error().is_none()
}

/// How the server answered: its RCODE, and the TSIG error that says why a signed update was
/// refused (NOTAUTH with BADSIG, BADKEY or BADTIME).
pub(crate) fn rcode(u: &Upd) -> String {
    u.1.map_or("no response".into(), |(_, r)| answer_code(r))
}

pub(crate) fn answer_code(r: &DnsMessage) -> String {
    match r.tsig_error() {
        Some(e) => format!("{}, TSIG error {e}", r.rcode),
        None => r.rcode.clone(),
    }
}

/// Adds `<fqdn> AAAA <hoa>` (RFC 2136 §2.5.1: a record of the zone's class).
pub(crate) fn adds_aaaa(m: &DnsMessage, fqdn: &str, hoa: Ipv6Addr) -> bool {
    m.authority_records().iter().any(|r| {
        r.operation() == UpdateOperation::Add && r.owned_by(fqdn) && r.data == RData::Aaaa(hoa)
    })
}

/// Adds `<reverse(hoa)> PTR <fqdn>`.
pub(crate) fn adds_ptr(m: &DnsMessage, hoa: Ipv6Addr, fqdn: &str) -> bool {
    let owner = reverse_name(hoa);
    m.authority_records().iter().any(|r| {
        r.operation() == UpdateOperation::Add
            && r.owned_by(&owner)
            && matches!(&r.data, RData::Ptr(n) if same_name(n, fqdn))
    })
}

/// Deletes the AAAA of `fqdn`, by class (RFC 2136 §2.5.2–2.5.4): class ANY deletes the AAAA
/// RRset (or every RRset, type ANY); class NONE deletes the one RR, which must be the HoA's.
pub(crate) fn deletes_aaaa(m: &DnsMessage, fqdn: &str, hoa: Ipv6Addr) -> bool {
    m.authority_records().iter().any(|r| {
        r.owned_by(fqdn)
            && match r.operation() {
                UpdateOperation::DeleteRrset => matches!(r.rtype, "AAAA" | "ANY"),
                UpdateOperation::DeleteRr => r.data == RData::Aaaa(hoa),
                UpdateOperation::Add => false,
            }
    })
}

pub(crate) fn deletes_ptr(m: &DnsMessage, hoa: Ipv6Addr, fqdn: &str) -> bool {
    let owner = reverse_name(hoa);
    m.authority_records().iter().any(|r| {
        r.owned_by(&owner)
            && match r.operation() {
                UpdateOperation::DeleteRrset => matches!(r.rtype, "PTR" | "ANY"),
                UpdateOperation::DeleteRr => {
                    matches!(&r.data, RData::Ptr(n) if same_name(n, fqdn))
                }
                UpdateOperation::Add => false,
            }
    })
}

/// Names anywhere in an UPDATE (zone, update section, PTR targets).
pub(crate) fn mentions(m: &DnsMessage, fqdn: &str) -> bool {
    same_name(&m.qname, fqdn)
        || m.answer_records()
            .iter()
            .chain(&m.authority_records())
            .any(|r| r.owned_by(fqdn) || r.data.name().is_some_and(|n| same_name(n, fqdn)))
}

/// What the tester's query for `qtype qname` between frames `from` and `to` got back:
/// the query frame, the response frame and its answer data.
pub(crate) struct Lookup {
    pub(crate) frames: Vec<u64>,
    pub(crate) data: Vec<RData>,
}

impl Lookup {
    /// The answer data as the transcript shows it, comma-separated.
    pub(crate) fn shown(&self) -> String {
        self.data
            .iter()
            .map(RData::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

pub(crate) fn lookup(
    obs: &Observation,
    qtype: &str,
    qname: &str,
    from: u64,
    to: u64,
) -> Option<Lookup> {
    let (q, _) = dns_queries_from(obs, "MN")
        .filter(|(e, _)| e.frame > from && e.frame < to)
        .find(|(_, m)| m.qtype == qtype && same_name(&m.qname, qname))?;
    let (r, rm) = response_to(obs, q)?;
    Some(Lookup {
        frames: vec![q.frame, r.frame],
        data: rm
            .answer_records()
            .into_iter()
            .filter(|a| a.rtype == qtype && a.owned_by(qname))
            .map(|a| a.data)
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_capture_is_inconclusive_everywhere() {
        // The tester never reached the HA: nothing may pass or fail on that.
        crate::assert_empty_capture_inconclusive(&["ha_home_address", "ha_dns", "ha_binding"]);
    }

    #[test]
    fn reverse_names_and_the_home_prefix() {
        let hoa: Ipv6Addr = "2001:db8:1:100::8001".parse().unwrap();
        assert_eq!(
            reverse_name(hoa),
            "1.0.0.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa."
        );
        assert!(in_home_prefix(hoa));
        assert!(!in_home_prefix("2001:db8:1::100".parse().unwrap()));
    }

    fn update(records: &[(&str, &str, &str, u32, &str)]) -> DnsMessage {
        DnsMessage {
            id: 1,
            response: false,
            opcode: "UPDATE".into(),
            rcode: "No Error".into(),
            qname: "example.com.".into(),
            qtype: "SOA".into(),
            answers: vec![],
            authorities: records
                .iter()
                .map(
                    |(name, rtype, class, ttl, data)| mip6lab_capture::DnsRecord {
                        name: name.to_string(),
                        rtype: rtype.to_string(),
                        class: class.to_string(),
                        ttl: *ttl,
                        data: data.to_string(),
                    },
                )
                .collect(),
            additionals: vec![],
            tsig: true,
            tsig_error: String::new(),
        }
    }

    #[test]
    fn additions_and_deletions_are_told_apart_by_class() {
        let hoa: Ipv6Addr = "2001:db8:1:100::8001".parse().unwrap();
        let other: Ipv6Addr = "2001:db8:1:100::9".parse().unwrap();
        let rev = reverse_name(hoa);
        let f = "mn1.example.com.";
        let add = update(&[(f, "AAAA", "IN", 300, "2001:db8:1:100::8001")]);
        assert!(adds_aaaa(&add, MN_FQDN, hoa) && !adds_aaaa(&add, MN_FQDN, other));
        assert!(!deletes_aaaa(&add, MN_FQDN, hoa));
        // A TTL of 0 in class IN is still an addition, not a deletion.
        let add_ttl0 = update(&[(f, "AAAA", "IN", 0, "2001:db8:1:100::8001")]);
        assert!(adds_aaaa(&add_ttl0, MN_FQDN, hoa) && !deletes_aaaa(&add_ttl0, MN_FQDN, hoa));
        // RRset deletion (class ANY), all RRsets, one RR (class NONE), another RR.
        assert!(deletes_aaaa(
            &update(&[(f, "AAAA", "ANY", 0, "UPDATE")]),
            MN_FQDN,
            hoa
        ));
        assert!(deletes_aaaa(
            &update(&[(f, "ANY", "ANY", 0, "UPDATE")]),
            MN_FQDN,
            hoa
        ));
        assert!(deletes_aaaa(
            &update(&[(f, "AAAA", "NONE", 0, "2001:db8:1:100::8001")]),
            MN_FQDN,
            hoa
        ));
        assert!(!deletes_aaaa(
            &update(&[(f, "AAAA", "NONE", 0, "2001:db8:1:100::9")]),
            MN_FQDN,
            hoa
        ));
        let ptr = update(&[(rev.as_str(), "PTR", "IN", 300, f)]);
        assert!(adds_ptr(&ptr, hoa, MN_FQDN) && !adds_ptr(&ptr, other, MN_FQDN));
        assert!(deletes_ptr(
            &update(&[(rev.as_str(), "PTR", "ANY", 0, "UPDATE")]),
            hoa,
            MN_FQDN
        ));
        assert!(!deletes_ptr(&ptr, hoa, MN_FQDN));
        assert!(mentions(&ptr, MN_FQDN) && !mentions(&ptr, FOREIGN_FQDN));
    }
}
