//! HA under test: the harness's MN (the reference MN, started once the HA is ready) drives
//! IKEv2, BUs with the DNS Update option and deregistration against it, with BIND and
//! FreeRADIUS around (RFC 5026 §5.3, §6, §8, §9; RFC 4877 §4).
//!
//! Every verdict rests on the decrypted capture: the tester MN logs its IKE and ESP keys, so
//! the HA's messages are readable even when a vendor HA logs none. What the tester did wrong
//! (it never reached the HA, its keys are missing) is INCONCLUSIVE, never a FAIL of the HA.

use mip6lab_suite::observe::{
    dns_queries_from, in_prefix, notify, or_unknown, pcap, response_to, reverse_name, same_name,
    sorted_frames as sorted, BindingAck, BindingUpdate, Carrier, CfgType, CpAttribute,
    CpAttributeType, DnsRcode, DnsUpdateOption, DnsView, Exchange, IkeMessage, RData,
    SecurityProtocol, UpdateOperation,
};
use mip6lab_suite::{DnsMessage, Entry, Stimulus};
use mip6lab_suite::{Observation, Outcome, TestPurpose, Verdict};
use std::net::{IpAddr, Ipv6Addr};

const TOPOLOGY: &str = "split-ha-iut";
/// The home link prefix the topology gives the HA (`MIP6LAB_HOME_PREFIX`).
const HOME_PREFIX: (Ipv6Addr, u8) = (Ipv6Addr::new(0x2001, 0xdb8, 1, 0x100, 0, 0, 0, 0), 64);
/// The tester MN's IKE identity (IDi), hence the FQDN it may have registered (§9.5).
const MN_FQDN: &str = "mn1.example.com";
/// The FQDN the tester names in the FQDN-authorization test: not its IDi.
const FOREIGN_FQDN: &str = "other.example.com";

/// Every scenario here needs the HA to authenticate the tester's PSK.
const PICS_ASSIGNED: &[&str] = &["ha.auth.psk", "ha.hoa.assigned"];
const PICS_AUTOCONF: &[&str] = &["ha.auth.psk", "ha.hoa.autoconf"];
const PICS_DNS: &[&str] = &["ha.auth.psk", "ha.hoa.assigned", "ha.dns_update"];

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
const DEFAULT_TESTER: &[(&str, &str)] = &[];
const AUTOCONF_TESTER: &[(&str, &str)] = &[("MIP6LAB_HOA_MODE", "autoconf")];
const HA_NO_AUTOCONF: &[(&str, &str)] = &[("MIP6LAB_HA_AUTOCONF", "no")];
const FOREIGN_FQDN_TESTER: &[(&str, &str)] = &[("MIP6LAB_KNOBS", "mn.dns_fqdn=other.example.com")];
const BU_STATUS_TESTER: &[(&str, &str)] = &[("MIP6LAB_KNOBS", "mn.dns_bu_status=7")];

fn in_home_prefix(a: Ipv6Addr) -> bool {
    in_prefix(a, HOME_PREFIX.0, HOME_PREFIX.1)
}

/// The `addr/plen` value of a CP attribute, when it is an IPv6 prefix.
fn cp_value(a: &CpAttribute) -> Option<(Ipv6Addr, u8)> {
    match a.prefix()? {
        (IpAddr::V6(addr), plen) => Some((addr, plen)),
        _ => None,
    }
}

/// (type, name) of each Notify with a readable type.
fn notifies<'m>(m: &'m IkeMessage) -> Vec<(u16, &'m str)> {
    m.notifies
        .iter()
        .filter_map(|n| Some((n.notify_type?, n.name.as_str())))
        .collect()
}

/// A verdict that rests on a step this test does not judge: what would be a FAIL there is
/// only INCONCLUSIVE here (the requirement was never exercised).
fn unexercised(o: Outcome, what: &str) -> Outcome {
    if o.verdict != Verdict::Fail {
        return o;
    }
    Outcome {
        verdict: Verdict::Inconclusive,
        reason: format!("{what} was never exercised: {}", o.reason),
        evidence: o.evidence,
    }
}

// ------------------------------------------------------------------------- IKEv2 steps

/// The tester's first IKE_AUTH request and the HA's IKE_AUTH response, both decrypted.
struct IkeAuth<'a> {
    req: IkeMessage<'a>,
    resp: IkeMessage<'a>,
}

fn ike_auth(obs: &Observation) -> Result<IkeAuth<'_>, Outcome> {
    let Some(req) = obs.ike_requests(Exchange::IkeAuth, Some("MN")).next() else {
        let init = obs.ike_requests(Exchange::IkeSaInit, Some("MN")).next();
        let answers: Vec<_> = obs
            .ike_responses(Exchange::IkeSaInit, Some("HA1"))
            .collect();
        return Err(match (init, answers.last()) {
            (None, _) => Outcome::inconclusive(
                "the tester MN never started IKEv2 with the HA (see logs/mn.log: name lookup \
                 of ha1.example.com?)",
            ),
            (Some(i), None) => Outcome::fail("the HA did not answer the tester's IKE_SA_INIT")
                .with_frames(pcap(obs), [i.frame()]),
            (Some(i), Some(m)) => {
                let (e, r) = (i.entry, m.entry);
                let n: Vec<String> = notifies(m)
                    .iter()
                    .map(|(t, n)| format!("{n}({t})"))
                    .collect();
                Outcome::fail(format!(
                    "the HA's IKE_SA_INIT answer did not lead to IKE_AUTH (notifies: {})",
                    if n.is_empty() {
                        "none".into()
                    } else {
                        n.join(", ")
                    }
                ))
                .with_frames(pcap(obs), [e.frame, r.frame])
            }
        });
    };
    if !req.decrypted() {
        return Err(Outcome::inconclusive(
            "the tester's IKE_AUTH was not decrypted: no key log from the tester MN",
        )
        .with_frames(pcap(obs), [req.frame()]));
    }
    // With EAP there are several round trips; the last answer holds the CP and the SA.
    let Some(resp) = obs.ike_responses(Exchange::IkeAuth, Some("HA1")).last() else {
        return Err(Outcome::fail("the HA did not answer the tester's IKE_AUTH")
            .with_frames(pcap(obs), [req.frame()]));
    };
    if !resp.decrypted() {
        return Err(Outcome::inconclusive(
            "the HA's IKE_AUTH response was not decrypted with the tester's keys",
        )
        .with_frames(pcap(obs), [req.frame(), resp.frame()]));
    }
    if !resp.has_auth() {
        // Notify 42 is an error type by number but not a refusal (§5.3.2).
        let errs: Vec<String> = notifies(&resp)
            .iter()
            .filter(|(t, _)| *t < notify::FIRST_STATUS_TYPE && *t != notify::USE_ASSIGNED_HOA)
            .map(|(t, n)| format!("{n}({t})"))
            .collect();
        return Err(Outcome::fail(format!(
            "the HA refused the tester's IKE_AUTH (no AUTH; notifies: {})",
            if errs.is_empty() {
                "none".into()
            } else {
                errs.join(", ")
            }
        ))
        .with_frames(pcap(obs), [req.frame(), resp.frame()]));
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
fn ba_for<'a>(obs: &'a Observation, bu: &BindingUpdate, before: u64) -> Option<BindingAck<'a>> {
    let all: Vec<_> = obs
        .binding_acks_from("HA1")
        .filter(|b| b.frame() > bu.frame())
        .collect();
    all.iter()
        .find(|b| bu.seq.is_some() && b.seq == bu.seq)
        .or_else(|| all.iter().find(|b| b.frame() < before))
        .cloned()
}

fn binding<'a>(obs: &'a Observation, bu: BindingUpdate<'a>, before: u64) -> Binding<'a> {
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
fn bindings(obs: &Observation) -> Result<(Binding<'_>, Option<Binding<'_>>), Outcome> {
    let auth = ike_auth(obs)?;
    let bus: Vec<_> = obs.binding_updates_from("MN").collect();
    let Some(reg) = bus.iter().find(|b| b.registers()) else {
        let frames = [auth.req.frame(), auth.resp.frame()];
        if auth.resp.tsi.is_none() {
            return Err(Outcome::fail(
                "the HA's IKE_AUTH response set up no Child SA (no TSi), so no BU can reach it",
            )
            .with_frames(pcap(obs), sorted(frames)));
        }
        if let Some(p) = obs.esp_packets(Some("MN")).find(|p| !p.decrypted) {
            return Err(Outcome::inconclusive(
                "the tester's ESP packets could not be decrypted (no key log from it)",
            )
            .with_frames(pcap(obs), [p.entry.frame]));
        }
        return Err(Outcome::inconclusive(
            "the tester MN sent no Binding Update after IKEv2 (see logs/mn.log)",
        )
        .with_frames(pcap(obs), sorted(frames)));
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
        if obs.esp_packets(Some("HA1")).any(|p| !p.decrypted) {
            return Err(Outcome::inconclusive(
                "the HA's ESP packets after the BU could not be decrypted",
            )
            .with_frames(pcap(obs), [reg.bu.frame()]));
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
type Upd<'a> = (
    (&'a Entry, &'a DnsMessage),
    Option<(&'a Entry, &'a DnsMessage)>,
);

fn updates(obs: &Observation) -> Vec<Upd<'_>> {
    obs.transcript
        .dns()
        .filter(|(e, m)| e.src == "HA1" && !m.response && m.is_update())
        .map(|(e, m)| ((e, m), response_to(obs, e)))
        .collect()
}

fn accepted(u: &Upd) -> bool {
    u.1.is_some_and(|(_, r)| r.response_code() == DnsRcode::NoError)
}

fn rcode(u: &Upd) -> String {
    u.1.map_or("no response".into(), |(_, r)| r.rcode.clone())
}

/// Adds `<fqdn> AAAA <hoa>` (RFC 2136 §2.5.1: a record with a TTL).
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

/// Deletes the AAAA of `fqdn` (RFC 2136 §2.5.2–2.5.4: TTL 0, the RRset, all RRsets, or the
/// one RR with the HoA).
pub(crate) fn deletes_aaaa(m: &DnsMessage, fqdn: &str, hoa: Ipv6Addr) -> bool {
    m.authority_records().iter().any(|r| {
        r.operation() == UpdateOperation::Delete
            && matches!(r.rtype, "AAAA" | "ANY")
            && r.owned_by(fqdn)
            && match r.data {
                RData::Aaaa(a) => a == hoa,
                _ => true,
            }
    })
}

pub(crate) fn deletes_ptr(m: &DnsMessage, hoa: Ipv6Addr, fqdn: &str) -> bool {
    let owner = reverse_name(hoa);
    m.authority_records().iter().any(|r| {
        r.operation() == UpdateOperation::Delete
            && matches!(r.rtype, "PTR" | "ANY")
            && r.owned_by(&owner)
            && match &r.data {
                RData::Ptr(n) => same_name(n, fqdn),
                _ => true,
            }
    })
}

/// Names anywhere in an UPDATE (zone, update section, PTR targets).
fn mentions(m: &DnsMessage, fqdn: &str) -> bool {
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

// ------------------------------------------------------------ HoA assigned (§5.3.1)

/// §5.3.1: "When the Home Agent processes the message, it allocates a HoA and sends it a
/// CFG_REPLY message"; RFC 4877 §4.1: "it must reply with a valid home address"; §4.4: SAs
/// based on the home address.
#[mip6lab_suite::test_purpose]
pub fn hoa_assigned() -> TestPurpose {
    tp(
        "TP-SPLIT-HA-HOA-ASSIGNED-01",
        "HA answers INTERNAL_IP6_ADDRESS with a HoA on the home prefix; Child SA TSi = HoA",
        &[
            "RFC5026-5.3.1-HA-MUST-1",
            "RFC4877-4.1-HA-MUST-1",
            "RFC4877-4.4-ANY-MUST-1",
        ],
        PICS_ASSIGNED,
        &[],
        DEFAULT_TESTER,
        judge_hoa_assigned,
    )
}

pub fn judge_hoa_assigned(obs: &Observation) -> Outcome {
    let a = match ike_auth(obs) {
        Ok(a) => a,
        Err(o) => return o,
    };
    let frames = [a.req.frame(), a.resp.frame()];
    let asked = a
        .req
        .config(CfgType::Request)
        .and_then(|c| c.first(&CpAttributeType::InternalIp6Address));
    if asked.is_none() {
        return Outcome::inconclusive(
            "the tester's IKE_AUTH carries no CFG_REQUEST with INTERNAL_IP6_ADDRESS",
        )
        .with_frames(pcap(obs), sorted(frames));
    }
    let Some(reply) = a.resp.config(CfgType::Reply) else {
        return Outcome::fail("the HA's IKE_AUTH response has no CFG_REPLY")
            .with_frames(pcap(obs), sorted(frames));
    };
    let Some(attr) = reply.first(&CpAttributeType::InternalIp6Address) else {
        return Outcome::fail("the HA's CFG_REPLY has no INTERNAL_IP6_ADDRESS")
            .with_frames(pcap(obs), sorted(frames));
    };
    let Some((hoa, plen)) = cp_value(attr).filter(|_| attr.len == Some(17)) else {
        return Outcome::fail(format!(
            "the CFG_REPLY's INTERNAL_IP6_ADDRESS is not an address and prefix length \
             (len={}, value={})",
            or_unknown(attr.len),
            attr.value
                .as_ref()
                .map_or_else(|| "none".to_owned(), |v| v.to_string())
        ))
        .with_frames(pcap(obs), sorted(frames));
    };
    if !in_home_prefix(hoa) {
        return Outcome::fail(format!(
            "the HA assigned {hoa}, outside the home prefix {}/{}",
            HOME_PREFIX.0, HOME_PREFIX.1
        ))
        .with_frames(pcap(obs), sorted(frames));
    }
    // The Subnet-Router anycast address is no host's address (RFC 4291 §2.6.1).
    if hoa == HOME_PREFIX.0 {
        return Outcome::fail(format!(
            "the HA assigned {hoa}, the home prefix's Subnet-Router anycast address"
        ))
        .with_frames(pcap(obs), sorted(frames));
    }
    let tsi = a.resp.tsi.clone().unwrap_or_default();
    if tsi.is_empty() {
        return Outcome::fail(format!(
            "the HA assigned {hoa} but its IKE_AUTH response has no TSi (no Child SA)"
        ))
        .with_frames(pcap(obs), sorted(frames));
    }
    let hoa_ip = Some(IpAddr::V6(hoa));
    if let Some(t) = tsi.iter().find(|t| t.start != hoa_ip || t.end != hoa_ip) {
        return Outcome::fail(format!(
            "the Child SA's TSi is {}-{}, not narrowed to the assigned HoA {hoa}",
            or_unknown(t.start),
            or_unknown(t.end)
        ))
        .with_frames(pcap(obs), sorted(frames));
    }
    // §4.4: the other end of the SA is the HA's own address, not a range with the CoA.
    let ha = a.resp.entry.src_addr;
    let tsr = a.resp.tsr.clone().unwrap_or_default();
    if tsr.is_empty() {
        return Outcome::fail("the HA's IKE_AUTH response has TSi but no TSr")
            .with_frames(pcap(obs), sorted(frames));
    }
    if let Some(t) = tsr
        .iter()
        .find(|t| t.start != Some(ha) || t.end != Some(ha))
    {
        return Outcome::fail(format!(
            "the Child SA's TSr is {}-{}, not the HA's address {ha}",
            or_unknown(t.start),
            or_unknown(t.end)
        ))
        .with_frames(pcap(obs), sorted(frames));
    }
    Outcome::pass(format!(
        "CFG_REPLY assigns {hoa}/{plen} on the home prefix; the Child SA's selectors are that \
         HoA and the HA's address {ha}"
    ))
    .with_frames(pcap(obs), sorted(frames))
}

// -------------------------------------------------------- home prefix (§5.3.2, §8.2)

pub fn judge_home_prefix(obs: &Observation) -> Outcome {
    let a = match ike_auth(obs) {
        Ok(a) => a,
        Err(o) => return o,
    };
    let frames = [a.req.frame(), a.resp.frame()];
    let asked = a
        .req
        .config(CfgType::Request)
        .and_then(|c| c.first(&CpAttributeType::Mip6HomePrefix));
    if asked.is_none() {
        return Outcome::inconclusive(
            "the tester's IKE_AUTH carries no CFG_REQUEST with MIP6_HOME_PREFIX \
             (MIP6LAB_HOA_MODE=autoconf not applied?)",
        )
        .with_frames(pcap(obs), sorted(frames));
    }
    let Some(reply) = a.resp.config(CfgType::Reply) else {
        return Outcome::fail("the HA's IKE_AUTH response has no CFG_REPLY")
            .with_frames(pcap(obs), sorted(frames));
    };
    let prefixes: Vec<_> = reply.all(&CpAttributeType::Mip6HomePrefix).collect();
    let Some(attr) = prefixes.first() else {
        let n: Vec<String> = notifies(&a.resp)
            .iter()
            .filter(|(t, _)| *t < notify::FIRST_STATUS_TYPE)
            .map(|(t, n)| format!("{n}({t})"))
            .collect();
        let kinds: Vec<&str> = reply.attributes.iter().map(|c| c.name.as_str()).collect();
        return Outcome::fail(format!(
            "the HA's CFG_REPLY has no MIP6_HOME_PREFIX attribute (type 16); it holds [{}]{}",
            kinds.join(", "),
            if n.is_empty() {
                String::new()
            } else {
                format!(", with {}", n.join(", "))
            }
        ))
        .with_frames(pcap(obs), sorted(frames));
    };
    if prefixes.len() > 1 {
        return Outcome::fail(format!(
            "the CFG_REPLY holds {} MIP6_HOME_PREFIX attributes, not one",
            prefixes.len()
        ))
        .with_frames(pcap(obs), sorted(frames));
    }
    if attr.len != Some(21) {
        return Outcome::fail(format!(
            "MIP6_HOME_PREFIX in the CFG_REPLY has Length {}, not 21",
            or_unknown(attr.len)
        ))
        .with_frames(pcap(obs), sorted(frames));
    }
    if attr.reserved_bit {
        return Outcome::fail("MIP6_HOME_PREFIX in the CFG_REPLY has the R bit set")
            .with_frames(pcap(obs), sorted(frames));
    }
    let Some((prefix, plen)) = cp_value(attr) else {
        return Outcome::fail("MIP6_HOME_PREFIX in the CFG_REPLY does not decode")
            .with_frames(pcap(obs), sorted(frames));
    };
    if (prefix, plen) != HOME_PREFIX {
        return Outcome::fail(format!(
            "the CFG_REPLY offers {prefix}/{plen}, not the home link's prefix {}/{}",
            HOME_PREFIX.0, HOME_PREFIX.1
        ))
        .with_frames(pcap(obs), sorted(frames));
    }
    let lifetime = or_unknown(attr.lifetime);
    if attr.lifetime == Some(0) {
        return Outcome::fail(format!(
            "the CFG_REPLY offers {prefix}/{plen} with Prefix Lifetime 0 (not valid)"
        ))
        .with_frames(pcap(obs), sorted(frames));
    }
    Outcome::pass(format!(
        "CFG_REPLY carries one MIP6_HOME_PREFIX (type 16, Length 21, R = 0): {prefix}/{plen}, \
         lifetime {lifetime} s"
    ))
    .with_frames(pcap(obs), sorted(frames))
}

// ------------------------------------------------ USE_ASSIGNED_HoA (§5.3.2, §10)

pub fn judge_use_assigned_hoa(obs: &Observation) -> Outcome {
    let a = match ike_auth(obs) {
        Ok(a) => a,
        Err(o) => return o,
    };
    let frames = [a.req.frame(), a.resp.frame()];
    if a.req
        .config(CfgType::Request)
        .and_then(|c| c.first(&CpAttributeType::Mip6HomePrefix))
        .is_none()
    {
        return Outcome::inconclusive(
            "the tester's IKE_AUTH carries no CFG_REQUEST with MIP6_HOME_PREFIX",
        )
        .with_frames(pcap(obs), sorted(frames));
    }
    let ns = notifies(&a.resp);
    if !ns.iter().any(|(t, _)| *t == notify::USE_ASSIGNED_HOA) {
        let shown: Vec<String> = ns.iter().map(|(t, n)| format!("{n}({t})")).collect();
        return Outcome::fail(format!(
            "the HA (auto-configuration off) sent no Notify USE_ASSIGNED_HoA (42); notifies: {}",
            if shown.is_empty() {
                "none".into()
            } else {
                shown.join(", ")
            }
        ))
        .with_frames(pcap(obs), sorted(frames));
    }
    let assigned = a
        .resp
        .config(CfgType::Reply)
        .and_then(|c| c.first(&CpAttributeType::InternalIp6Address))
        .and_then(cp_value);
    let Some((hoa, plen)) = assigned else {
        return Outcome::fail(
            "the HA sent USE_ASSIGNED_HoA without an INTERNAL_IP6_ADDRESS in a CFG_REPLY",
        )
        .with_frames(pcap(obs), sorted(frames));
    };
    if !in_home_prefix(hoa) || hoa == HOME_PREFIX.0 {
        return Outcome::fail(format!(
            "USE_ASSIGNED_HoA names {hoa}, not a host address on the home prefix {}/{}",
            HOME_PREFIX.0, HOME_PREFIX.1
        ))
        .with_frames(pcap(obs), sorted(frames));
    }
    Outcome::pass(format!(
        "IKE_AUTH response: Notify USE_ASSIGNED_HoA (type 42) and CFG_REPLY \
         INTERNAL_IP6_ADDRESS {hoa}/{plen}"
    ))
    .with_frames(pcap(obs), sorted(frames))
}

// ------------------------------------------------- DNS update on registration (§6)

/// §6: the HA "MUST update the DNS entry with the identifier provided by the Mobile Node and
/// the Home Address included in the Home Address Option" (RFC 2136), does the reverse entry
/// too, and "As soon as the Home Agent has updated the DNS, it MUST send a Binding
/// Acknowledgement … including the DNS Update mobility option with the correct value in the
/// Status field"; §8.1: Status 0 "DNS update performed", < 128 only on success.
#[mip6lab_suite::test_purpose]
pub fn dns_registration() -> TestPurpose {
    tp(
        "TP-SPLIT-HA-DNS-ADD-01",
        "HA adds AAAA and PTR for the MN's FQDN and HoA, then sends a BA with DNS Update \
         Status 0",
        &[
            "RFC5026-6-HA-MUST-1",
            "RFC5026-6-HA-MUST-2",
            "RFC5026-6-HA-MUST-3",
            "RFC5026-6-HA-MUST-4",
            "RFC5026-6-HA-MUST-6",
            "RFC5026-8.1-HA-MUST-2",
            "RFC5026-8.1-HA-MUST-4",
            "RFC5026-8.1-ANY-MUST-1",
            "RFC5026-8.1-ANY-MUST-2",
            "RFC5026-8.1-ANY-MUST-3",
        ],
        PICS_DNS,
        &[],
        DEFAULT_TESTER,
        judge_dns_registration,
    )
}

/// The checks of a registration whose DNS Update the HA should perform: the AAAA (and,
/// when `want_ptr`, the PTR) UPDATE accepted by BIND before the BA, and the BA's option.
/// On success: the frames and a description of what the HA did.
fn registration_updated(
    obs: &Observation,
    reg: &Binding,
    want_ptr: bool,
) -> Result<(Vec<u64>, String), Outcome> {
    let p = pcap(obs);
    let Some(fqdn) = reg.fqdn() else {
        return Err(Outcome::inconclusive(
            "the tester's registration BU carries no DNS Update option",
        )
        .with_frames(p, reg.frames()));
    };
    let hoa = reg.hoa;
    let Some(ba) = &reg.ba else {
        return Err(
            Outcome::fail("the HA sent no Binding Acknowledgement to the tester's BU")
                .with_frames(p, reg.frames()),
        );
    };
    let ba_e = ba.entry;
    let ups = updates(obs);
    let after: Vec<&Upd> = ups
        .iter()
        .filter(|u| u.0 .0.frame > reg.bu.frame())
        .collect();
    let mut frames = reg.frames();
    let Some(aaaa) = after.iter().find(|u| adds_aaaa(u.0 .1, fqdn, hoa)) else {
        return Err(Outcome::fail(format!(
            "after the BU the HA sent no DNS UPDATE adding {fqdn} AAAA {hoa} ({} UPDATE(s) \
             from it)",
            after.len()
        ))
        .with_frames(p, sorted(frames)));
    };
    frames.push(aaaa.0 .0.frame);
    frames.extend(aaaa.1.map(|(e, _)| e.frame));
    if !accepted(aaaa) {
        return Err(Outcome::fail(format!(
            "the MSP's DNS did not accept the HA's AAAA UPDATE ({}): {fqdn} was not added",
            rcode(aaaa)
        ))
        .with_frames(p, sorted(frames)));
    }
    let ptr = after.iter().find(|u| adds_ptr(u.0 .1, hoa, fqdn));
    match ptr {
        Some(u) => {
            frames.push(u.0 .0.frame);
            frames.extend(u.1.map(|(e, _)| e.frame));
            if want_ptr && !accepted(u) {
                return Err(Outcome::fail(format!(
                    "the MSP's DNS did not accept the HA's PTR UPDATE ({})",
                    rcode(u)
                ))
                .with_frames(p, sorted(frames)));
            }
        }
        None if want_ptr => {
            return Err(Outcome::fail(format!(
                "the HA added {fqdn} AAAA {hoa} but no PTR {} -> {fqdn} (the reverse entry is \
                 always the HA's, §6)",
                reverse_name(hoa)
            ))
            .with_frames(p, sorted(frames)))
        }
        None => {}
    }
    // "As soon as the Home Agent has updated the DNS": the BA comes after BIND's answer.
    let done = aaaa.1.map_or(u64::MAX, |(e, _)| e.frame);
    if ba_e.frame < done {
        return Err(Outcome::fail(
            "the HA sent the BA before the MSP's DNS had answered its UPDATE",
        )
        .with_frames(p, sorted(frames)));
    }
    let Some(opt) = ba.dns_update() else {
        return Err(Outcome::fail(
            "the HA's BA carries no DNS Update option (type 17) after updating DNS",
        )
        .with_frames(p, sorted(frames)));
    };
    let status: u16 = opt.status.map_or(999, u16::from);
    if status != 0 {
        let why = if status >= 128 {
            "which says the update was not completed, yet the MSP's DNS accepted it"
        } else {
            "not the defined success value 0"
        };
        return Err(
            Outcome::fail(format!("the BA's DNS Update Status is {status}, {why}"))
                .with_frames(p, sorted(frames)),
        );
    }
    if let Some(r) = &opt.reserved {
        return Err(
            Outcome::fail(format!("the BA's DNS Update option has Reserved = {r}"))
                .with_frames(p, sorted(frames)),
        );
    }
    if opt.remove != Some(false) || !same_name(opt.fqdn.as_deref().unwrap_or(""), fqdn) {
        return Err(Outcome::fail(format!(
            "the BA's DNS Update option has r={} fqdn={}, not the BU's R = 0 and {fqdn}",
            or_unknown(opt.remove.map(u8::from)),
            or_unknown(opt.fqdn.as_ref())
        ))
        .with_frames(p, sorted(frames)));
    }
    let what = format!(
        "UPDATE {fqdn} AAAA {hoa}{} accepted, then BA with DNS Update (type 17, R = 0, same \
         FQDN) Status 0",
        if ptr.is_some() { " and its PTR" } else { "" }
    );
    Ok((frames, what))
}

pub fn judge_dns_registration(obs: &Observation) -> Outcome {
    let (reg, dereg) = match answered_registration(obs) {
        Ok(x) => x,
        Err(o) => return o,
    };
    let (mut frames, what) = match registration_updated(obs, &reg, true) {
        Ok(x) => x,
        Err(o) => return o,
    };
    let p = pcap(obs);
    let fqdn = reg.fqdn().unwrap_or(MN_FQDN);
    let hoa = reg.hoa;
    // What DNS then answers the tester, before it deregisters.
    let from = reg.last_frame();
    let to = dereg.as_ref().map_or(u64::MAX, |d| d.bu.frame());
    let aaaa = lookup(obs, "AAAA", fqdn, from, to);
    let ptr = lookup(obs, "PTR", &reverse_name(hoa), from, to);
    for l in aaaa.iter().chain(&ptr) {
        frames.extend(&l.frames);
    }
    if let Some(l) = &aaaa {
        if !l.data.contains(&RData::Aaaa(hoa)) {
            return Outcome::fail(format!(
                "after the BA, DNS answers {fqdn} AAAA with [{}], not the HoA {hoa}",
                l.shown()
            ))
            .with_frames(p, sorted(frames));
        }
    }
    if let Some(l) = &ptr {
        if !l
            .data
            .iter()
            .any(|d| matches!(d, RData::Ptr(n) if same_name(n, fqdn)))
        {
            return Outcome::fail(format!(
                "after the BA, DNS answers PTR {hoa} with [{}], not {fqdn}",
                l.shown()
            ))
            .with_frames(p, sorted(frames));
        }
    }
    let confirmed = match (&aaaa, &ptr) {
        (Some(_), Some(_)) => "; the tester's AAAA and PTR lookups then return the HoA and FQDN",
        _ => "; (the tester's lookups are not in the capture: judged on BIND's UPDATE answers)",
    };
    Outcome::pass(format!("{what}{confirmed}")).with_frames(p, sorted(frames))
}

// ---------------------------------------------------------- secured updates (§6, §9.5)

/// §6: "the node performing this update must share a security association with the DNS
/// server"; §9.5: the HA "MUST have a security association of some type with the DNS
/// server", "REQUIRED even if the DNS server is in the same administrative domain".
#[mip6lab_suite::test_purpose]
pub fn dns_secured() -> TestPurpose {
    tp(
        "TP-SPLIT-HA-DNS-SEC-01",
        "Every DNS UPDATE of the HA is signed (TSIG/SIG(0)) and accepted by the MSP's DNS",
        &[
            "RFC5026-6-ANY-MUST-1",
            "RFC5026-6-ANY-MUST-2",
            "RFC5026-9.5-HA-MUST-1",
            "RFC5026-9.5-HA-REQUIRED-1",
        ],
        PICS_DNS,
        &[],
        DEFAULT_TESTER,
        judge_dns_secured,
    )
}

/// Each of `ups` is signed, and BIND (which verifies the signature) answered NOERROR with
/// its own signature; Ok holds their frames.
fn signed_updates(obs: &Observation, ups: &[&Upd]) -> Result<Vec<u64>, Outcome> {
    let p = pcap(obs);
    let mut frames = Vec::new();
    for u in ups {
        let ((e, m), resp) = u;
        frames.push(e.frame);
        if !m.tsig {
            return Err(Outcome::fail(format!(
                "the HA sent an unsigned DNS UPDATE for zone {}",
                m.qname
            ))
            .with_frames(p, [e.frame]));
        }
        let Some((re, rm)) = resp else {
            return Err(Outcome::inconclusive(format!(
                "the MSP's DNS did not answer the HA's signed UPDATE for zone {}",
                m.qname
            ))
            .with_frames(p, [e.frame]));
        };
        frames.push(re.frame);
        // BIND answers NOTAUTH (BADSIG/BADKEY/BADTIME) to a signature it cannot verify.
        if rm.response_code() != DnsRcode::NoError || !rm.tsig {
            return Err(Outcome::fail(format!(
                "the MSP's DNS did not accept the HA's signed UPDATE for zone {} ({}{})",
                m.qname,
                rm.rcode,
                if rm.tsig { "" } else { ", unsigned answer" }
            ))
            .with_frames(p, [e.frame, re.frame]));
        }
    }
    Ok(frames)
}

pub fn judge_dns_secured(obs: &Observation) -> Outcome {
    let ups = updates(obs);
    if ups.is_empty() {
        let why = match answered_registration(obs) {
            Err(o) => o.reason,
            Ok(_) => "the HA sent no DNS UPDATE at all".into(),
        };
        return Outcome::inconclusive(format!("no DNS UPDATE from the HA to judge: {why}"));
    }
    let all: Vec<&Upd> = ups.iter().collect();
    match signed_updates(obs, &all) {
        Ok(frames) => Outcome::pass(format!(
            "all {} DNS UPDATE(s) of the HA carry a TSIG/SIG(0) signature, and the MSP's DNS \
             accepted each with a signed NOERROR",
            ups.len()
        ))
        .with_frames(pcap(obs), sorted(frames)),
        Err(o) => o,
    }
}

/// §6: "it is RECOMMENDED that the Home Agent perform DNS entry updates for the Mobile
/// Node"; "The dynamic DNS update SHOULD be performed in a secure way; … the usage of TKEY
/// and TSEC or DNSSEC is recommended", for registration and for removal; §9.5: "MAY be
/// established either using DNSSEC or TSIG/TKEY".
#[mip6lab_suite::test_purpose]
pub fn dns_by_ha_secured() -> TestPurpose {
    tp(
        "TP-SPLIT-HA-DNS-SEC-02",
        "HA itself updates DNS for the MN, registration and removal secured by TSIG or SIG(0)",
        &[
            "RFC5026-6-HA-RECOMMENDED-1",
            "RFC5026-6-HA-SHOULD-1",
            "RFC5026-6-HA-RECOMMENDED-2",
            "RFC5026-6-HA-SHOULD-2",
            "RFC5026-6-HA-RECOMMENDED-3",
            "RFC5026-9.5-HA-MAY-1",
        ],
        PICS_DNS,
        &[],
        DEFAULT_TESTER,
        judge_dns_by_ha_secured,
    )
}

pub fn judge_dns_by_ha_secured(obs: &Observation) -> Outcome {
    let (reg, dereg) = match bindings(obs) {
        Ok(x) => x,
        Err(o) => return o,
    };
    let p = pcap(obs);
    let Some(fqdn) = reg.fqdn() else {
        return Outcome::inconclusive("the tester's registration BU carries no DNS Update option")
            .with_frames(p, reg.frames());
    };
    let ups = updates(obs);
    let adds: Vec<&Upd> = ups
        .iter()
        .filter(|u| u.0 .0.frame > reg.bu.frame() && adds_aaaa(u.0 .1, fqdn, reg.hoa))
        .collect();
    if adds.is_empty() {
        // The AAA server may do the forward update (§6), but none reached the DNS either.
        return Outcome::fail(format!(
            "after the tester's BU with DNS Update, the HA sent no UPDATE adding {fqdn}"
        ))
        .with_frames(p, reg.frames());
    }
    let Some(dereg) = dereg.filter(Binding::removes_dns) else {
        return Outcome::inconclusive(
            "the tester did not deregister with R set, so no removal to judge",
        )
        .with_frames(p, reg.frames());
    };
    let removals: Vec<&Upd> = ups
        .iter()
        .filter(|u| u.0 .0.frame > dereg.bu.frame() && deletes_aaaa(u.0 .1, fqdn, reg.hoa))
        .collect();
    if removals.is_empty() {
        return Outcome::inconclusive(format!(
            "the HA sent no UPDATE removing {fqdn} after R = 1 (TP-SPLIT-HA-DNS-DEL-01 judges \
             that), so no removal to judge"
        ))
        .with_frames(p, dereg.frames());
    }
    let mut frames = match signed_updates(obs, &adds) {
        Ok(f) => f,
        Err(o) => return o,
    };
    match signed_updates(obs, &removals) {
        Ok(f) => frames.extend(f),
        Err(o) => return o,
    }
    Outcome::pass(format!(
        "the HA itself added and removed {fqdn}; both UPDATEs were TSIG/SIG(0)-signed and \
         accepted with a signed answer"
    ))
    .with_frames(p, sorted(frames))
}

// --------------------------------------------------- DNS removal on deregistration (§6)

/// §6: "the Home Agent MUST remove the DNS entry identified by the FQDN provided by the
/// Mobile Node and the Home Address included in the Home Address Option" (RFC 2136).
#[mip6lab_suite::test_purpose]
pub fn dns_removal() -> TestPurpose {
    tp(
        "TP-SPLIT-HA-DNS-DEL-01",
        "On a deregistration BU with R = 1 the HA deletes the AAAA and PTR it added",
        &["RFC5026-6-HA-MUST-7", "RFC5026-6-HA-MUST-8"],
        PICS_DNS,
        &[],
        DEFAULT_TESTER,
        judge_dns_removal,
    )
}

/// RFC 4877 §4.1: ESP for BAs "MUST be supported and used"; §4.2: the HA "MUST use the Type
/// 2 Routing header in Binding Acknowledgements" with transport mode; §4.3: transport mode
/// and a non-null authentication algorithm; RFC 3776 §3 packet format.
#[mip6lab_suite::test_purpose]
pub fn ba_protected() -> TestPurpose {
    tp(
        "TP-SPLIT-HA-BA-ESP-01",
        "HA's BAs go in transport-mode ESP with integrity, to the CoA, with a type 2 routing \
         header holding the HoA",
        &[
            "RFC4877-4.2-HA-MUST-3",
            "RFC4877-4.1-ANY-MUST-1",
            "RFC4877-4.1-ANY-MUST-2",
            "RFC4877-4.3-ANY-MUST-1",
            "RFC4877-4.3-ANY-MUST-2",
            "RFC4877-3-ANY-MUST-1",
            "RFC5026-4-ANY-MUST-1",
        ],
        PICS_ASSIGNED,
        &[],
        DEFAULT_TESTER,
        judge_ba_protected,
    )
}

/// §5.3.2: the HA "MUST include in the CFG_REPLY payload prefix information for one prefix
/// on the home link"; §8.2: type 16, R bit 0, Length 21 in a CFG_REPLY.
#[mip6lab_suite::test_purpose]
pub fn home_prefix() -> TestPurpose {
    tp(
        "TP-SPLIT-HA-HOME-PREFIX-01",
        "HA answers MIP6_HOME_PREFIX with one home-link prefix (type 16, length 21, R = 0)",
        &[
            "RFC5026-5.3.2-HA-MUST-3",
            "RFC5026-8.2-HA-MUST-1",
            "RFC5026-8.2-ANY-MUST-1",
            "RFC5026-8.2-ANY-MUST-3",
        ],
        PICS_AUTOCONF,
        &[],
        AUTOCONF_TESTER,
        judge_home_prefix,
    )
}

/// §5.3.2: an HA that does not allow auto-configuration answers MIP6_HOME_PREFIX with
/// "a Notify Payload type USE_ASSIGNED_HoA and the related Home Address in a
/// INTERNAL_IP6_ADDRESS attribute"; §10: its number is 42.
#[mip6lab_suite::test_purpose]
pub fn use_assigned_hoa() -> TestPurpose {
    tp(
        "TP-SPLIT-HA-USE-ASSIGNED-01",
        "HA without auto-configuration answers MIP6_HOME_PREFIX with N(USE_ASSIGNED_HoA) and \
         an INTERNAL_IP6_ADDRESS",
        &[
            "RFC5026-5.3.2-HA-MUST-4",
            "RFC5026-5.3.2-HA-MUST-5",
            "RFC5026-10-ANY-MUST-1",
        ],
        PICS_ASSIGNED,
        HA_NO_AUTOCONF,
        AUTOCONF_TESTER,
        judge_use_assigned_hoa,
    )
}

pub fn judge_dns_removal(obs: &Observation) -> Outcome {
    let (reg, dereg) = match answered_registration(obs) {
        Ok(x) => x,
        Err(o) => return o,
    };
    let p = pcap(obs);
    let Some(fqdn) = reg.fqdn() else {
        return Outcome::inconclusive("the tester's registration BU carries no DNS Update option")
            .with_frames(p, reg.frames());
    };
    let hoa = reg.hoa;
    let ups = updates(obs);
    let added = ups
        .iter()
        .find(|u| u.0 .0.frame > reg.bu.frame() && adds_aaaa(u.0 .1, fqdn, hoa) && accepted(u));
    let Some(added) = added else {
        return Outcome::inconclusive(format!(
            "the HA never added {fqdn} AAAA {hoa} (TP-SPLIT-HA-DNS-ADD-01 judges that), so \
             there is nothing to remove"
        ))
        .with_frames(p, reg.frames());
    };
    let ptr_added = ups
        .iter()
        .any(|u| u.0 .0.frame > reg.bu.frame() && adds_ptr(u.0 .1, hoa, fqdn) && accepted(u));
    let Some(dereg) = dereg else {
        return Outcome::inconclusive("the tester did not deregister within the observation")
            .with_frames(p, reg.frames());
    };
    let mut frames = vec![added.0 .0.frame, dereg.bu.frame()];
    if !dereg.removes_dns() {
        return Outcome::inconclusive(
            "the tester's deregistration BU has no DNS Update with R set",
        )
        .with_frames(p, sorted(frames));
    }
    let after: Vec<&Upd> = ups
        .iter()
        .filter(|u| u.0 .0.frame > dereg.bu.frame())
        .collect();
    let Some(del) = after.iter().find(|u| deletes_aaaa(u.0 .1, fqdn, hoa)) else {
        return Outcome::fail(format!(
            "after the BU with R = 1 the HA sent no DNS UPDATE deleting {fqdn} AAAA {hoa} ({} \
             UPDATE(s) from it)",
            after.len()
        ))
        .with_frames(p, sorted(frames));
    };
    frames.push(del.0 .0.frame);
    frames.extend(del.1.map(|(e, _)| e.frame));
    if !accepted(del) {
        return Outcome::fail(format!(
            "the MSP's DNS did not accept the HA's deletion of {fqdn} ({})",
            rcode(del)
        ))
        .with_frames(p, sorted(frames));
    }
    let ptr_del = after.iter().find(|u| deletes_ptr(u.0 .1, hoa, fqdn));
    if ptr_added && !ptr_del.is_some_and(|u| accepted(u)) {
        return Outcome::fail(format!(
            "the HA deleted {fqdn} AAAA but left the PTR {} -> {fqdn} it had added",
            reverse_name(hoa)
        ))
        .with_frames(p, sorted(frames));
    }
    if let Some(u) = ptr_del {
        frames.push(u.0 .0.frame);
        frames.extend(u.1.map(|(e, _)| e.frame));
    }
    // What the tester's lookups then get back.
    let from = dereg.last_frame();
    let aaaa = lookup(obs, "AAAA", fqdn, from, u64::MAX);
    let ptr = lookup(obs, "PTR", &reverse_name(hoa), from, u64::MAX);
    for l in aaaa.iter().chain(&ptr) {
        frames.extend(&l.frames);
    }
    if let Some(l) = aaaa.as_ref().filter(|l| !l.data.is_empty()) {
        return Outcome::fail(format!(
            "after deregistration DNS still answers {fqdn} AAAA [{}]",
            l.shown()
        ))
        .with_frames(p, sorted(frames));
    }
    if let Some(l) = ptr.as_ref().filter(|l| !l.data.is_empty()) {
        return Outcome::fail(format!(
            "after deregistration DNS still answers PTR {hoa} [{}]",
            l.shown()
        ))
        .with_frames(p, sorted(frames));
    }
    let ba = match dereg.ba_dns() {
        Some(o) => format!("; BA DNS Update Status {}", or_unknown(o.status)),
        None if dereg.ba.is_some() => "; BA without DNS Update option".into(),
        None => "; no BA".into(),
    };
    let seen = if aaaa.is_some() && ptr.is_some() {
        "; the tester's AAAA and PTR lookups then get no record"
    } else {
        "; (no tester lookups in the capture: judged on BIND's UPDATE answers)"
    };
    Outcome::pass(format!(
        "after R = 1 the HA deleted {fqdn} AAAA{} (accepted){ba}{seen}",
        if ptr_del.is_some() {
            " and the PTR"
        } else {
            ""
        }
    ))
    .with_frames(p, sorted(frames))
}

// ------------------------------------------------------- FQDN authorization (§9.5)

/// §9.5: "the authorization of the Mobile Node to update a FQDN MUST be checked prior to the
/// performance of the update"; §8.1: "Values greater than or equal to 128 indicate that the
/// dynamic DNS update was not completed by the HA" (129: Administratively prohibited).
#[mip6lab_suite::test_purpose]
pub fn fqdn_authorization() -> TestPurpose {
    tp(
        "TP-SPLIT-HA-DNS-AUTHZ-01",
        "HA refuses a DNS Update for an FQDN other than the MN's IDi: no UPDATE, BA Status >= \
         128",
        &["RFC5026-9.5-ANY-MUST-1", "RFC5026-8.1-HA-MUST-3"],
        PICS_DNS,
        &[],
        FOREIGN_FQDN_TESTER,
        judge_fqdn_authorization,
    )
}

pub fn judge_fqdn_authorization(obs: &Observation) -> Outcome {
    let p = pcap(obs);
    let a = match ike_auth(obs) {
        Ok(a) => a,
        Err(o) => return unexercised(o, "the FQDN authorization"),
    };
    let idi = a
        .req
        .idi
        .as_ref()
        .map_or_else(String::new, |i| i.id.clone());
    let (reg, _) = match bindings(obs) {
        Ok(x) => x,
        Err(o) => return unexercised(o, "the FQDN authorization"),
    };
    let Some(fqdn) = reg.fqdn().filter(|f| same_name(f, FOREIGN_FQDN)) else {
        return Outcome::inconclusive(format!(
            "the tester's BU does not name {FOREIGN_FQDN} (DNS Update: {:?}; knob not applied?)",
            reg.fqdn()
        ))
        .with_frames(p, reg.frames());
    };
    if same_name(&idi, fqdn) {
        return Outcome::inconclusive(format!("the tester's IDi is {idi} itself"))
            .with_frames(p, reg.frames());
    }
    let mut frames = vec![a.req.frame()];
    frames.extend(reg.frames());
    if let Some(u) = updates(obs).iter().find(|u| mentions(u.0 .1, fqdn)) {
        frames.push(u.0 .0.frame);
        return Outcome::fail(format!(
            "the HA sent a DNS UPDATE for {fqdn}, which the MN (IDi {idi}) is not authorized \
             for ({})",
            rcode(u)
        ))
        .with_frames(p, sorted(frames));
    }
    // A BU that gets no BA at all tells the MN nothing: §8.1 fails here too.
    if let Err(o) = answered_registration(obs) {
        return o;
    }
    let Some(opt) = reg.ba_dns() else {
        let st = or_unknown(reg.ba.as_ref().and_then(|b| b.status));
        return Outcome::fail(format!(
            "no UPDATE for {fqdn}, but the BA (Status {st}) has no DNS Update option telling \
             the MN that the update was not done"
        ))
        .with_frames(p, sorted(frames));
    };
    let status: u16 = opt.status.map_or(0, u16::from);
    if status < 128 {
        return Outcome::fail(format!(
            "no UPDATE for {fqdn}, yet the BA's DNS Update Status is {status} (< 128: \
             performed)"
        ))
        .with_frames(p, sorted(frames));
    }
    let name = match status {
        129 => "Administratively prohibited, as expected",
        128 => "Reason unspecified (129 would name the refusal)",
        130 => "DNS update failed (129 would name the refusal)",
        _ => "not a defined value (129 would name the refusal)",
    };
    Outcome::pass(format!(
        "IDi {idi} asked for {fqdn}: no UPDATE for it reached the DNS, and the BA's DNS Update \
         Status is {status}, {name}"
    ))
    .with_frames(p, sorted(frames))
}

// ---------------------------------------------------------- Status in a BU (§8.1)

/// §8.1: Status "MUST be set to 0 and ignored by the receiver when the DNS Update mobility
/// option is included in a Binding Update message".
#[mip6lab_suite::test_purpose]
pub fn bu_status_ignored() -> TestPurpose {
    tp(
        "TP-SPLIT-HA-DNS-BU-STATUS-01",
        "HA ignores a non-zero Status in the BU's DNS Update option: it updates DNS, BA Status \
         0",
        &["RFC5026-8.1-HA-MUST-1"],
        PICS_DNS,
        &[],
        BU_STATUS_TESTER,
        judge_bu_status_ignored,
    )
}

pub fn judge_bu_status_ignored(obs: &Observation) -> Outcome {
    let (reg, _) = match answered_registration(obs) {
        Ok(x) => x,
        Err(o) => return o,
    };
    let p = pcap(obs);
    let sent = reg
        .dns_option()
        .and_then(|o| o.status)
        .map_or_else(|| "none".to_owned(), |s| s.to_string());
    if sent == "0" || sent == "none" {
        return Outcome::inconclusive(format!(
            "the tester's BU has DNS Update Status {sent}, not the non-zero value of the \
             stimulus (knob not applied?)"
        ))
        .with_frames(p, reg.frames());
    }
    match registration_updated(obs, &reg, false) {
        Ok((frames, what)) => Outcome::pass(format!("BU with DNS Update Status {sent}: {what}"))
            .with_frames(p, sorted(frames)),
        Err(o) => Outcome {
            reason: format!("BU with DNS Update Status {sent}: {}", o.reason),
            ..o
        },
    }
}

/// An unassigned mobility option type: no implementation understands it.
const UNKNOWN_OPTION: u8 = 200;

/// RFC 6275 §6.1.7, relied on by RFC 5026 §8.1 (the DNS Update option rides in BUs among
/// other options): "The receiver MUST ignore and skip any options that it does not
/// understand." The tester's BU carries an option of the unassigned type 200.
#[mip6lab_suite::test_purpose]
pub fn unknown_option_skipped() -> TestPurpose {
    tp(
        "TP-SPLIT-HA-UNKNOWN-OPT-01",
        "HA skips a mobility option it does not understand and processes the BU",
        &["RFC6275-6.1.7-HA-MUST-1"],
        PICS_DNS,
        &[],
        &[("MIP6LAB_KNOBS", "mn.bu_unknown_option=200")],
        judge_unknown_option_skipped,
    )
}

pub fn judge_unknown_option_skipped(obs: &Observation) -> Outcome {
    let (reg, _) = match answered_registration(obs) {
        Ok(x) => x,
        Err(o) => return o,
    };
    let p = pcap(obs);
    if !reg.bu.has_unknown_option(UNKNOWN_OPTION) {
        return Outcome::inconclusive(
            "the tester's BU carries no option of type 200 (knob not applied?)",
        )
        .with_frames(p, reg.frames());
    }
    match registration_updated(obs, &reg, false) {
        Ok((frames, what)) => {
            Outcome::pass(format!("BU with an option of unassigned type 200: {what}"))
                .with_frames(p, sorted(frames))
        }
        Err(o) => Outcome {
            reason: format!("BU with an option of unassigned type 200: {}", o.reason),
            ..o
        },
    }
}

// ------------------------------------------------ BA protected and routed (RFC 4877 §4)

pub fn judge_ba_protected(obs: &Observation) -> Outcome {
    let p = pcap(obs);
    // A BA outside ESP fails "MUST be used", whatever else happened.
    if let Some(b) = obs
        .binding_acks_from("HA1")
        .find(|b| b.carrier == Carrier::Plain)
    {
        return Outcome::fail("the HA sent a Binding Acknowledgement without ESP")
            .with_frames(p, [b.frame()]);
    }
    let a = match ike_auth(obs) {
        Ok(a) => a,
        Err(o) => return o,
    };
    let (reg, dereg) = match answered_registration(obs) {
        Ok(x) => x,
        Err(o) => return o,
    };
    let mut frames = vec![a.resp.frame()];
    // The Child SA the BAs use: transport mode, ESP with integrity (or an AEAD cipher).
    if !a.resp.has_notify(notify::USE_TRANSPORT_MODE) {
        return Outcome::fail(
            "the HA's IKE_AUTH response has no USE_TRANSPORT_MODE: the MH Child SA is not in \
             transport mode",
        )
        .with_frames(p, sorted(frames));
    }
    let chosen = a
        .resp
        .proposals
        .first()
        .filter(|pr| pr.protocol == SecurityProtocol::Esp);
    let Some(chosen) = chosen else {
        return Outcome::fail("the HA's IKE_AUTH response accepts no ESP proposal for MH")
            .with_frames(p, sorted(frames));
    };
    let transforms = chosen.transforms_text();
    let aead = chosen.transforms.iter().any(|t| t.is_aead());
    let integ = chosen.transforms.iter().any(|t| t.is_integrity());
    if !aead && !integ {
        return Outcome::fail(format!(
            "the ESP Child SA has no payload authentication ({transforms})"
        ))
        .with_frames(p, sorted(frames));
    }
    let mut checked = 0;
    for b in std::iter::once(&reg).chain(dereg.as_ref()) {
        let Some(ba) = &b.ba else { continue };
        let e = ba.entry;
        frames.extend(b.frames());
        let coa = b.bu.entry.src_addr;
        if e.dst_addr != coa {
            return Outcome::fail(format!(
                "the BA goes to {}, not the care-of address {coa} the BU came from",
                e.dst_addr
            ))
            .with_frames(p, sorted(frames));
        }
        if ba.esp_next_header() != Some(135) {
            return Outcome::fail(format!(
                "the ESP payload of the BA has next header {}, not MH (135): not transport \
                 mode",
                or_unknown(ba.esp_next_header())
            ))
            .with_frames(p, sorted(frames));
        }
        match ba.routed_to {
            None => {
                return Outcome::fail(format!(
                    "the BA to {coa} has no type 2 routing header (HoA {})",
                    b.hoa
                ))
                .with_frames(p, sorted(frames))
            }
            Some(r) if r != b.hoa => {
                return Outcome::fail(format!(
                    "the BA's type 2 routing header holds {r}, not the HoA {}",
                    b.hoa
                ))
                .with_frames(p, sorted(frames))
            }
            Some(_) => {}
        }
        if ba.checksum_ok != Some(true) {
            return Outcome::fail("the BA's MH checksum is wrong (pseudo-header with the HoA)")
                .with_frames(p, sorted(frames));
        }
        checked += 1;
    }
    Outcome::pass(format!(
        "{checked} BA(s) in transport-mode ESP ({transforms}) to the CoA {}, type 2 routing \
         header = HoA {}, checksum correct",
        reg.bu.entry.src_addr, reg.hoa
    ))
    .with_frames(p, sorted(frames))
}

/// This module's test purposes in run order, for its tests.
#[cfg(test)]
fn all() -> Vec<TestPurpose> {
    crate::SUITE.tests_in(module_path!())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_capture_is_inconclusive_everywhere() {
        // The tester never reached the HA: nothing may pass or fail on that.
        let obs = Observation::default();
        for t in all() {
            let o = (t.judge)(&obs);
            assert_eq!(o.verdict, Verdict::Inconclusive, "{}: {}", t.id, o.reason);
        }
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

    fn update(records: &[(&str, &str, u32, &str)]) -> DnsMessage {
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
                .map(|(name, rtype, ttl, data)| mip6lab_capture::DnsRecord {
                    name: name.to_string(),
                    rtype: rtype.to_string(),
                    ttl: *ttl,
                    data: data.to_string(),
                })
                .collect(),
            additionals: vec![],
            tsig: true,
        }
    }

    #[test]
    fn additions_and_deletions_are_told_apart_by_ttl_and_data() {
        let hoa: Ipv6Addr = "2001:db8:1:100::8001".parse().unwrap();
        let other: Ipv6Addr = "2001:db8:1:100::9".parse().unwrap();
        let rev = reverse_name(hoa);
        let f = "mn1.example.com.";
        let add = update(&[(f, "AAAA", 300, "2001:db8:1:100::8001")]);
        assert!(adds_aaaa(&add, MN_FQDN, hoa) && !adds_aaaa(&add, MN_FQDN, other));
        assert!(!deletes_aaaa(&add, MN_FQDN, hoa));
        // RRset deletion (class ANY shows as data UPDATE), one RR, another RR.
        assert!(deletes_aaaa(
            &update(&[(f, "AAAA", 0, "UPDATE")]),
            MN_FQDN,
            hoa
        ));
        assert!(deletes_aaaa(
            &update(&[(f, "AAAA", 0, "2001:db8:1:100::8001")]),
            MN_FQDN,
            hoa
        ));
        assert!(!deletes_aaaa(
            &update(&[(f, "AAAA", 0, "2001:db8:1:100::9")]),
            MN_FQDN,
            hoa
        ));
        let ptr = update(&[(rev.as_str(), "PTR", 300, f)]);
        assert!(adds_ptr(&ptr, hoa, MN_FQDN) && !adds_ptr(&ptr, other, MN_FQDN));
        assert!(deletes_ptr(
            &update(&[(rev.as_str(), "PTR", 0, "UPDATE")]),
            hoa,
            MN_FQDN
        ));
        assert!(mentions(&ptr, MN_FQDN) && !mentions(&ptr, FOREIGN_FQDN));
    }
}
