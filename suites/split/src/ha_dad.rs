//! HA under test: proxy duplicate address detection for an auto-configured home address
//! (RFC 5026 §5.3.2; RFC 6275 §10.4.1 and RFC 4862 §5.4 for how). The tester MN asks for the
//! home prefix and registers a HoA of its own making; the HA must probe the home link for it
//! before the BA, and refuse it with status 134 when a node there defends it.
//!
//! The probe is sent from :: (RFC 4862 §5.4.2), so the capture cannot name its sender: it is
//! taken as the HA's when it comes after the BU and before the BA, and nothing else on the
//! link has a reason to probe that address.

use mip6lab_suite::observe::{
    or_unknown, pcap, reverse_name, same_name, solicited_node, sorted_frames as sorted, BindingAck,
    CfgType, CpAttributeType, DnsView, Exchange, NeighborMessage, RData,
};
use mip6lab_suite::try_step;
use mip6lab_suite::{Entry, Observation, Outcome, TestPurpose};
use std::net::{IpAddr, Ipv6Addr};

/// The node of `split-ha-iut-dad` that defends every address of the home prefix.
const DEFENDER: &str = "DEF";
const HOME_PREFIX: &str = "2001:db8:1:100::/64";
const PICS_AUTOCONF: &[&str] = &["ha.auth.psk", "ha.hoa.autoconf"];
const AUTOCONF_TESTER: &[(&str, &str)] = &[("MIP6LAB_HOA_MODE", "autoconf")];

/// The tester's registration: its first BU with a lifetime, the HoA (HAO) and the HA's BA
/// to it (same sequence number; else the first BA after it).
struct Registration<'a> {
    bu: &'a Entry,
    hoa: Ipv6Addr,
    ba: Option<BindingAck<'a>>,
}

impl Registration<'_> {
    fn ba_frame(&self) -> u64 {
        self.ba.as_ref().map_or(u64::MAX, |b| b.frame())
    }
    fn ba_status(&self) -> Option<u16> {
        self.ba.as_ref().and_then(|b| b.status).map(u16::from)
    }
}

fn registration(obs: &Observation) -> Result<Registration<'_>, Outcome> {
    let Some(m) = obs.binding_updates_from("MN").find(|b| b.registers()) else {
        return Err(Outcome::inconclusive(
            "the tester MN sent no (decryptable) registration BU to the HA (see logs/mn.log)",
        ));
    };
    let bu = m.entry;
    let Some(hoa) = m.home_address else {
        return Err(Outcome::inconclusive(
            "the tester's registration BU carries no Home Address option",
        )
        .with_frames(pcap(obs), [bu.frame]));
    };
    // §5.3.2 concerns a HoA the MN made itself: one the HA assigned is not probed.
    let assigned = obs.ike_responses(Exchange::IkeAuth, Some("HA1")).any(|r| {
        r.configs
            .iter()
            .filter(|c| c.cfg_type == CfgType::Reply)
            .flat_map(|c| c.all(&CpAttributeType::InternalIp6Address))
            .any(|a| a.address() == Some(IpAddr::V6(hoa)))
    });
    if assigned {
        return Err(Outcome::inconclusive(format!(
            "the HA assigned {hoa} in its CFG_REPLY: not an auto-configured HoA \
             (MIP6LAB_HOA_MODE=autoconf not applied, or the HA does not allow it)"
        ))
        .with_frames(pcap(obs), [bu.frame]));
    }
    let bas: Vec<_> = obs
        .binding_acks_from("HA1")
        .filter(|b| b.frame() > bu.frame)
        .collect();
    let ba = bas
        .iter()
        .find(|b| m.seq.is_some() && b.seq == m.seq)
        .or_else(|| bas.first())
        .cloned();
    Ok(Registration { bu, hoa, ba })
}

/// Neighbor Solicitations (`advertisement == false`) or Advertisements for `target`, in
/// capture order.
fn nd(
    obs: &Observation,
    advertisement: bool,
    target: Ipv6Addr,
) -> impl Iterator<Item = NeighborMessage<'_>> + '_ {
    obs.neighbor_discovery()
        .filter(move |m| m.advertisement == advertisement && m.target == Some(target))
}

/// DAD probes (NS from ::) for `hoa`.
fn probes(obs: &Observation, hoa: Ipv6Addr) -> Vec<NeighborMessage<'_>> {
    nd(obs, false, hoa)
        .filter(|m| m.entry.src_addr == IpAddr::V6(Ipv6Addr::UNSPECIFIED))
        .collect()
}

/// What is wrong with a probe, by RFC 4861 §7.1.1 and RFC 4862 §5.4.2.
fn probe_fault(m: &NeighborMessage, hoa: Ipv6Addr) -> Option<String> {
    let group = solicited_node(hoa);
    if m.entry.dst_addr != IpAddr::V6(group) {
        return Some(format!(
            "goes to {}, not the solicited-node address {group}",
            m.entry.dst_addr
        ));
    }
    if m.hop_limit != Some(255) {
        return Some(format!(
            "has hop limit {}, not 255",
            or_unknown(m.hop_limit)
        ));
    }
    if m.checksum_ok != Some(true) {
        return Some("has a wrong ICMPv6 checksum".into());
    }
    if m.source_link_layer {
        return Some("from :: carries a source link-layer address option".into());
    }
    None
}

// ------------------------------------------------------------- proxy DAD (MUST-6)

/// §5.3.2: "When the Home Agent receives a Binding Update for the Mobile Node, it performs
/// proxy DAD for the auto-configured Home Address."
#[mip6lab_suite::test_purpose]
pub fn proxy_dad() -> TestPurpose {
    crate::ha_iut::tp(
        "TP-SPLIT-HA-PROXY-DAD-01",
        "HA probes the home link for an auto-configured HoA (DAD NS from ::) between the BU and \
         the BA",
        &["RFC5026-5.3.2-HA-MUST-6"],
        PICS_AUTOCONF,
        &[],
        AUTOCONF_TESTER,
        judge_proxy_dad,
    )
}

pub fn judge_proxy_dad(obs: &Observation) -> Outcome {
    let p = pcap(obs);
    let reg = try_step!(registration(obs));
    let hoa = reg.hoa;
    let mut frames = vec![reg.bu.frame];
    frames.extend(reg.ba.as_ref().map(|b| b.frame()));
    let all = probes(obs, hoa);
    let within = all
        .iter()
        .find(|m| m.entry.frame > reg.bu.frame && m.entry.frame < reg.ba_frame());
    let Some(m) = within else {
        if let Some(late) = all.iter().find(|m| m.entry.frame > reg.ba_frame()) {
            frames.push(late.entry.frame);
            return Outcome::fail(format!(
                "the DAD probe for {hoa} came only after the HA's BA: the HoA was answered \
                 before the home link was checked"
            ))
            .with_frames(p, sorted(frames));
        }
        let answer = match reg.ba_status() {
            Some(s) => format!("then answered the BU with status {s}"),
            None => "and sent no BA".into(),
        };
        return Outcome::fail(format!(
            "after the BU for the auto-configured HoA {hoa} the HA sent no DAD probe (NS from \
             :: with target {hoa}) on the home link, {answer}"
        ))
        .with_frames(p, sorted(frames));
    };
    frames.push(m.entry.frame);
    if let Some(fault) = probe_fault(m, hoa) {
        return Outcome::fail(format!("the DAD probe for {hoa} {fault}"))
            .with_frames(p, sorted(frames));
    }
    let ba = match reg.ba_status() {
        Some(s) => format!(", then the BA (status {s})"),
        None => String::new(),
    };
    Outcome::pass(format!(
        "BU for the auto-configured HoA {hoa}, then a DAD probe on the home link (NS from :: \
         to {}, target {hoa}, hop limit 255){ba}",
        solicited_node(hoa)
    ))
    .with_frames(p, sorted(frames))
}

// ------------------------------------------------- DAD fails: BU rejected (MUST-7)

/// §5.3.2: "If DAD fails, the Home Agent rejects the Binding Update"; RFC 6275 §10.4.1: with
/// status 134. A harness node on the home link defends every address of the home prefix.
#[mip6lab_suite::test_purpose]
pub fn dad_failure_rejected() -> TestPurpose {
    crate::ha_iut::driven_by_tester(
        "split-ha-iut-dad",
        "TP-SPLIT-HA-DAD-REJECT-01",
        "HA rejects the BU with status 134, and updates no DNS, when a node on the home \
         link defends the auto-configured HoA",
        &["RFC5026-5.3.2-HA-MUST-7"],
        judge_dad_failure_rejected,
    )
    .pics(PICS_AUTOCONF)
    .stimulus(mip6lab_suite::Stimulus {
        node: "mn",
        env: AUTOCONF_TESTER,
    })
}

/// UPDATEs of the HA after frame `from` that add or name `hoa` (AAAA data or PTR owner).
fn dns_for(obs: &Observation, hoa: Ipv6Addr, from: u64) -> Option<&Entry> {
    let rev = reverse_name(hoa);
    obs.transcript
        .dns()
        .find(|(e, m)| {
            e.src == "HA1"
                && e.frame > from
                && !m.response
                && m.is_update()
                && m.authority_records()
                    .iter()
                    .any(|r| r.data == RData::Aaaa(hoa) || same_name(r.name, &rev))
        })
        .map(|(e, _)| e)
}

pub fn judge_dad_failure_rejected(obs: &Observation) -> Outcome {
    let p = pcap(obs);
    let reg = try_step!(registration(obs));
    let hoa = reg.hoa;
    let mut frames = vec![reg.bu.frame];
    frames.extend(reg.ba.as_ref().map(|b| b.frame()));
    let probe = probes(obs, hoa)
        .into_iter()
        .find(|m| m.entry.frame > reg.bu.frame && m.entry.frame < reg.ba_frame());
    frames.extend(probe.as_ref().map(|m| m.entry.frame));
    let defense = nd(obs, true, hoa).find(|m| {
        m.entry.src == DEFENDER && m.entry.frame > reg.bu.frame && m.entry.frame < reg.ba_frame()
    });
    frames.extend(defense.as_ref().map(|m| m.entry.frame));
    let Some(status) = reg.ba_status() else {
        return Outcome::fail(format!(
            "the HA sent no BA to the BU for {hoa}{}: a rejection is a BA with status 134",
            if defense.is_some() {
                format!(", which {DEFENDER} defended on the home link")
            } else {
                String::new()
            }
        ))
        .with_frames(p, sorted(frames));
    };
    if status < 128 {
        let why = match (probe, defense) {
            (_, Some(_)) => format!("although {DEFENDER} defended it on the home link (NA)"),
            (None, None) => format!(
                "without probing the home link for it, where {DEFENDER} defends every address \
                 of {HOME_PREFIX}"
            ),
            (Some(_), None) => {
                return Outcome::inconclusive(format!(
                    "the HA probed for {hoa} but {DEFENDER} did not defend it (see \
                     logs/defender.log), so DAD did not fail; the HA accepted (status {status})"
                ))
                .with_frames(p, sorted(frames))
            }
        };
        let mut o = Outcome::fail(format!(
            "the HA accepted the BU for {hoa} (status {status}) {why}"
        ));
        if let Some(u) = dns_for(obs, hoa, reg.bu.frame) {
            frames.push(u.frame);
            o.reason.push_str(", and updated DNS for it");
        }
        return o.with_frames(p, sorted(frames));
    }
    if status != 134 {
        return Outcome::fail(format!(
            "the HA refused the BU for {hoa} with status {status}, not 134 (Duplicate Address \
             Detection failed)"
        ))
        .with_frames(p, sorted(frames));
    }
    if defense.is_none() {
        return Outcome::inconclusive(format!(
            "the HA answered status 134 for {hoa}, but no defending NA from {DEFENDER} came \
             before it: the refusal cannot be tied to a failed DAD"
        ))
        .with_frames(p, sorted(frames));
    }
    if let Some(u) = dns_for(obs, hoa, reg.bu.frame) {
        frames.push(u.frame);
        return Outcome::fail(format!(
            "the HA refused {hoa} with status 134 but still sent a DNS UPDATE for it: a binding \
             (and its DNS entry) must not be created"
        ))
        .with_frames(p, sorted(frames));
    }
    Outcome::pass(format!(
        "BU for {hoa}, DAD probe, {DEFENDER} defended it (NA), BA status 134; no DNS UPDATE \
         for {hoa} from the HA"
    ))
    .with_frames(p, sorted(frames))
}

#[cfg(test)]
mod tests {
    use super::*;
    use mip6lab_capture::Decoded;
    use mip6lab_suite::{Part, Transcript, Verdict};
    use rstest::rstest;

    const HOA: &str = "2001:db8:1:100::100";
    const MN: &str = "2001:db8:1::100";
    const HA: &str = "2001:db8:1::a1";
    const DEF: &str = "2001:db8:1::d0";

    fn entry(frame: u64, src: (&str, &str), dst: (&str, &str), m: Part) -> Entry {
        Entry {
            frame,
            src: src.0.into(),
            dst: dst.0.into(),
            src_addr: src.1.parse().unwrap(),
            dst_addr: dst.1.parse().unwrap(),
            decoded: Decoded::Message(m),
        }
    }

    fn esp(inner: Part) -> Part {
        Part::new("ESP", "ESP").child(inner)
    }

    fn bu(frame: u64) -> Entry {
        let m = Part::new("MH", "BU")
            .field("seq", 7)
            .field("lifetime", 150)
            .field("hao", HOA);
        entry(frame, ("MN", MN), ("HA1", HA), esp(m))
    }

    fn ba(frame: u64, status: u8) -> Entry {
        let m = Part::new("MH", "BA")
            .field("status", status)
            .field("seq", 7);
        entry(frame, ("HA1", HA), ("MN", MN), esp(m))
    }

    fn probe(frame: u64, hop_limit: u8) -> Entry {
        let m = Part::new("ICMPv6", "NS")
            .field("target", HOA)
            .field("src", "::")
            .field("hop_limit", hop_limit)
            .field("checksum_ok", "yes");
        entry(
            frame,
            ("::", "::"),
            ("ff02::1:ff00:100", "ff02::1:ff00:100"),
            m,
        )
    }

    fn defense(frame: u64) -> Entry {
        let m = Part::new("ICMPv6", "NA")
            .field("flags", "O")
            .field("target", HOA)
            .field("hop_limit", 255)
            .field("checksum_ok", "yes");
        entry(frame, ("DEF", DEF), ("ff02::1", "ff02::1"), m)
    }

    fn obs(entries: Vec<Entry>) -> Observation {
        Observation {
            transcript: Transcript {
                entries,
                ..Transcript::default()
            },
            ..Observation::default()
        }
    }

    #[test]
    fn an_empty_capture_is_inconclusive() {
        crate::assert_empty_capture_inconclusive(&["ha_dad"]);
    }

    /// Each judge on the order and content of the HA's DAD exchange around its BA.
    #[rstest]
    #[case::probe_between_bu_and_ba(
        judge_proxy_dad,
        vec![bu(10), probe(11, 255), ba(12, 0)],
        Verdict::Pass,
        ""
    )]
    #[case::no_probe(judge_proxy_dad, vec![bu(10), ba(12, 0)], Verdict::Fail, "no DAD probe")]
    #[case::probe_after_the_ba(
        judge_proxy_dad,
        vec![bu(10), ba(12, 0), probe(13, 255)],
        Verdict::Fail,
        ""
    )]
    #[case::probe_with_hop_limit_64(
        judge_proxy_dad,
        vec![bu(10), probe(11, 64), ba(12, 0)],
        Verdict::Fail,
        "hop limit 64"
    )]
    #[case::defended_hoa_refused_with_134(
        judge_dad_failure_rejected,
        vec![bu(10), probe(11, 255), defense(12), ba(13, 134)],
        Verdict::Pass,
        ""
    )]
    #[case::accepted_without_probing(
        judge_dad_failure_rejected,
        vec![bu(10), ba(13, 0)],
        Verdict::Fail,
        "without probing"
    )]
    #[case::defended_hoa_accepted(
        judge_dad_failure_rejected,
        vec![bu(10), probe(11, 255), defense(12), ba(13, 0)],
        Verdict::Fail,
        ""
    )]
    #[case::undefended_hoa_accepted(
        judge_dad_failure_rejected,
        vec![bu(10), probe(11, 255), ba(13, 0)],
        Verdict::Inconclusive,
        ""
    )]
    #[case::undefended_hoa_refused(
        judge_dad_failure_rejected,
        vec![bu(10), probe(11, 255), ba(13, 134)],
        Verdict::Inconclusive,
        ""
    )]
    #[case::defended_hoa_refused_with_another_status(
        judge_dad_failure_rejected,
        vec![bu(10), probe(11, 255), defense(12), ba(13, 129)],
        Verdict::Fail,
        ""
    )]
    fn dad_around_the_ba(
        #[case] judge: fn(&Observation) -> Outcome,
        #[case] entries: Vec<Entry>,
        #[case] verdict: Verdict,
        #[case] reason_has: &str,
    ) {
        let o = judge(&obs(entries));
        assert_eq!(o.verdict, verdict, "{}", o.reason);
        assert!(o.reason.contains(reason_has), "{}", o.reason);
    }
}
