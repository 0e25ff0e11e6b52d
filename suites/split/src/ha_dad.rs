//! HA under test: proxy duplicate address detection for an auto-configured home address
//! (RFC 5026 §5.3.2; RFC 6275 §10.4.1 and RFC 4862 §5.4 for how). The tester MN asks for the
//! home prefix and registers a HoA of its own making; the HA must probe the home link for it
//! before the BA, and refuse it with status 134 when a node there defends it.
//!
//! The probe is sent from :: (RFC 4862 §5.4.2), so the capture cannot name its sender: it is
//! taken as the HA's when it comes after the BU and before the BA, and nothing else on the
//! link has a reason to probe that address.

use mip6lab_suite::observe::{all_of, ike, messages, mh};
use mip6lab_suite::{Entry, Message, Observation, Outcome, TestPurpose};
use std::net::{IpAddr, Ipv6Addr};

/// The node of `split-ha-iut-dad` that defends every address of the home prefix.
const DEFENDER: &str = "DEF";
const HOME_PREFIX: &str = "2001:db8:1:100::/64";
const PICS_AUTOCONF: &[&str] = &["ha.auth.psk", "ha.hoa.autoconf"];
const AUTOCONF_TESTER: &[(&str, &str)] = &[("MIP6LAB_HOA_MODE", "autoconf")];

fn pcap(obs: &Observation) -> &str {
    obs.pcap.as_str()
}

fn sorted(v: impl IntoIterator<Item = u64>) -> Vec<u64> {
    let mut v: Vec<u64> = v.into_iter().collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// ff02::1:ffXX:XXXX of `a` (RFC 4291 §2.7.1).
fn solicited_node(a: Ipv6Addr) -> Ipv6Addr {
    Ipv6Addr::from(0xff02_0000_0000_0000_0000_0001_ff00_0000u128 | (u128::from(a) & 0xff_ffff))
}

fn reverse_name(a: Ipv6Addr) -> String {
    let mut s = String::with_capacity(73);
    for b in a.octets().iter().rev() {
        s.push_str(&format!("{:x}.{:x}.", b & 0xf, b >> 4));
    }
    s.push_str("ip6.arpa.");
    s
}

/// The tester's registration: its first BU with a lifetime, the HoA (HAO) and the HA's BA
/// to it (same sequence number; else the first BA after it).
struct Registration<'a> {
    bu: &'a Entry,
    hoa: Ipv6Addr,
    ba: Option<(&'a Entry, &'a Message)>,
}

impl Registration<'_> {
    fn ba_frame(&self) -> u64 {
        self.ba.map_or(u64::MAX, |(e, _)| e.frame)
    }
    fn ba_status(&self) -> Option<u16> {
        self.ba
            .and_then(|(_, b)| b.get("status"))
            .and_then(|s| s.parse().ok())
    }
}

fn registration(obs: &Observation) -> Result<Registration<'_>, Outcome> {
    let Some((bu, _, m)) =
        mh(obs, "BU", Some("MN")).find(|(_, _, b)| b.get("lifetime").is_some_and(|l| l != "0"))
    else {
        return Err(Outcome::inconclusive(
            "the tester MN sent no (decryptable) registration BU to the HA (see logs/mn.log)",
        ));
    };
    let Some(hoa) = m.get("hao").and_then(|h| h.parse::<Ipv6Addr>().ok()) else {
        return Err(Outcome::inconclusive(
            "the tester's registration BU carries no Home Address option",
        )
        .with_frames(pcap(obs), [bu.frame]));
    };
    // §5.3.2 concerns a HoA the MN made itself: one the HA assigned is not probed.
    let assigned = ike(obs, "IKE_AUTH response", Some("HA1")).any(|(_, r)| {
        all_of(r, "CP")
            .into_iter()
            .filter(|c| c.get("cfg_type") == Some("CFG_REPLY"))
            .flat_map(|c| all_of(c, "INTERNAL_IP6_ADDRESS"))
            .filter_map(|a| a.get("value")?.split('/').next()?.parse::<Ipv6Addr>().ok())
            .any(|a| a == hoa)
    });
    if assigned {
        return Err(Outcome::inconclusive(format!(
            "the HA assigned {hoa} in its CFG_REPLY: not an auto-configured HoA \
             (MIP6LAB_HOA_MODE=autoconf not applied, or the HA does not allow it)"
        ))
        .with_frames(pcap(obs), [bu.frame]));
    }
    let seq = m.get("seq");
    let bas: Vec<_> = mh(obs, "BA", Some("HA1"))
        .filter(|(e, _, _)| e.frame > bu.frame)
        .map(|(e, _, b)| (e, b))
        .collect();
    let ba = bas
        .iter()
        .find(|(_, b)| seq.is_some() && b.get("seq") == seq)
        .or_else(|| bas.first())
        .copied();
    Ok(Registration { bu, hoa, ba })
}

/// ND messages of `kind` (`NS`, `NA`) for `target`, in capture order.
fn nd<'a>(
    obs: &'a Observation,
    kind: &'a str,
    target: Ipv6Addr,
) -> impl Iterator<Item = (&'a Entry, &'a Message)> + 'a {
    let t = target.to_string();
    messages(obs, "ICMPv6", None)
        .filter(move |(_, m)| m.kind == kind && m.get("target") == Some(t.as_str()))
}

/// DAD probes (NS from ::) for `hoa`.
fn probes(obs: &Observation, hoa: Ipv6Addr) -> Vec<(&Entry, &Message)> {
    nd(obs, "NS", hoa)
        .filter(|(e, _)| e.src_addr == IpAddr::V6(Ipv6Addr::UNSPECIFIED))
        .collect()
}

/// What is wrong with a probe, by RFC 4861 §7.1.1 and RFC 4862 §5.4.2.
fn probe_fault(e: &Entry, m: &Message, hoa: Ipv6Addr) -> Option<String> {
    let group = solicited_node(hoa);
    if e.dst_addr != IpAddr::V6(group) {
        return Some(format!(
            "goes to {}, not the solicited-node address {group}",
            e.dst_addr
        ));
    }
    if m.get("hop_limit") != Some("255") {
        return Some(format!(
            "has hop limit {}, not 255",
            m.get("hop_limit").unwrap_or("?")
        ));
    }
    if m.get("checksum_ok") != Some("yes") {
        return Some("has a wrong ICMPv6 checksum".into());
    }
    if m.find("SLLA").is_some() {
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
    let reg = match registration(obs) {
        Ok(r) => r,
        Err(o) => return o,
    };
    let hoa = reg.hoa;
    let mut frames = vec![reg.bu.frame];
    frames.extend(reg.ba.map(|(e, _)| e.frame));
    let all = probes(obs, hoa);
    let within = all
        .iter()
        .find(|(e, _)| e.frame > reg.bu.frame && e.frame < reg.ba_frame());
    let Some((e, m)) = within else {
        if let Some((late, _)) = all.iter().find(|(e, _)| e.frame > reg.ba_frame()) {
            frames.push(late.frame);
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
    frames.push(e.frame);
    if let Some(fault) = probe_fault(e, m, hoa) {
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
                && m.opcode == "UPDATE"
                && m.authorities.iter().any(|r| {
                    r.data.parse::<Ipv6Addr>() == Ok(hoa)
                        || r.name
                            .trim_end_matches('.')
                            .eq_ignore_ascii_case(rev.trim_end_matches('.'))
                })
        })
        .map(|(e, _)| e)
}

pub fn judge_dad_failure_rejected(obs: &Observation) -> Outcome {
    let p = pcap(obs);
    let reg = match registration(obs) {
        Ok(r) => r,
        Err(o) => return o,
    };
    let hoa = reg.hoa;
    let mut frames = vec![reg.bu.frame];
    frames.extend(reg.ba.map(|(e, _)| e.frame));
    let probe = probes(obs, hoa)
        .into_iter()
        .find(|(e, _)| e.frame > reg.bu.frame && e.frame < reg.ba_frame());
    frames.extend(probe.map(|(e, _)| e.frame));
    let defense = nd(obs, "NA", hoa)
        .find(|(e, _)| e.src == DEFENDER && e.frame > reg.bu.frame && e.frame < reg.ba_frame());
    frames.extend(defense.map(|(e, _)| e.frame));
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

/// This module's test purposes in run order, for its tests.
#[cfg(test)]
fn all() -> Vec<TestPurpose> {
    crate::SUITE.tests_in(module_path!())
}

#[cfg(test)]
mod tests {
    use super::*;
    use mip6lab_capture::Decoded;
    use mip6lab_suite::{Transcript, Verdict};

    const HOA: &str = "2001:db8:1:100::100";
    const MN: &str = "2001:db8:1::100";
    const HA: &str = "2001:db8:1::a1";
    const DEF: &str = "2001:db8:1::d0";

    fn entry(frame: u64, src: (&str, &str), dst: (&str, &str), m: Message) -> Entry {
        Entry {
            frame,
            src: src.0.into(),
            dst: dst.0.into(),
            src_addr: src.1.parse().unwrap(),
            dst_addr: dst.1.parse().unwrap(),
            decoded: Decoded::Message(m),
        }
    }

    fn esp(inner: Message) -> Message {
        Message::new("ESP", "ESP").child(inner)
    }

    fn bu(frame: u64) -> Entry {
        let m = Message::new("MH", "BU")
            .field("seq", 7)
            .field("lifetime", 150)
            .field("hao", HOA);
        entry(frame, ("MN", MN), ("HA1", HA), esp(m))
    }

    fn ba(frame: u64, status: u8) -> Entry {
        let m = Message::new("MH", "BA")
            .field("status", status)
            .field("seq", 7);
        entry(frame, ("HA1", HA), ("MN", MN), esp(m))
    }

    fn probe(frame: u64, hop_limit: u8) -> Entry {
        let m = Message::new("ICMPv6", "NS")
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
        let m = Message::new("ICMPv6", "NA")
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
        for t in all() {
            let o = (t.judge)(&Observation::default());
            assert_eq!(o.verdict, Verdict::Inconclusive, "{}: {}", t.id, o.reason);
        }
    }

    #[test]
    fn the_probe_must_come_between_bu_and_ba() {
        let o = judge_proxy_dad(&obs(vec![bu(10), probe(11, 255), ba(12, 0)]));
        assert_eq!(o.verdict, Verdict::Pass, "{}", o.reason);
        let o = judge_proxy_dad(&obs(vec![bu(10), ba(12, 0)]));
        assert_eq!(o.verdict, Verdict::Fail, "{}", o.reason);
        assert!(o.reason.contains("no DAD probe"), "{}", o.reason);
        let o = judge_proxy_dad(&obs(vec![bu(10), ba(12, 0), probe(13, 255)]));
        assert_eq!(o.verdict, Verdict::Fail, "{}", o.reason);
        let o = judge_proxy_dad(&obs(vec![bu(10), probe(11, 64), ba(12, 0)]));
        assert_eq!(o.verdict, Verdict::Fail, "{}", o.reason);
        assert!(o.reason.contains("hop limit 64"), "{}", o.reason);
    }

    #[test]
    fn a_defended_hoa_must_get_134_and_no_dns() {
        let o = judge_dad_failure_rejected(&obs(vec![
            bu(10),
            probe(11, 255),
            defense(12),
            ba(13, 134),
        ]));
        assert_eq!(o.verdict, Verdict::Pass, "{}", o.reason);
        let o = judge_dad_failure_rejected(&obs(vec![bu(10), ba(13, 0)]));
        assert_eq!(o.verdict, Verdict::Fail, "{}", o.reason);
        assert!(o.reason.contains("without probing"), "{}", o.reason);
        let o =
            judge_dad_failure_rejected(&obs(vec![bu(10), probe(11, 255), defense(12), ba(13, 0)]));
        assert_eq!(o.verdict, Verdict::Fail, "{}", o.reason);
        let o = judge_dad_failure_rejected(&obs(vec![bu(10), probe(11, 255), ba(13, 0)]));
        assert_eq!(o.verdict, Verdict::Inconclusive, "{}", o.reason);
        let o = judge_dad_failure_rejected(&obs(vec![bu(10), probe(11, 255), ba(13, 134)]));
        assert_eq!(o.verdict, Verdict::Inconclusive, "{}", o.reason);
        let o = judge_dad_failure_rejected(&obs(vec![
            bu(10),
            probe(11, 255),
            defense(12),
            ba(13, 129),
        ]));
        assert_eq!(o.verdict, Verdict::Fail, "{}", o.reason);
    }

    #[test]
    fn solicited_node_and_reverse_names() {
        let a: Ipv6Addr = "2001:db8:1:100:200::1100".parse().unwrap();
        assert_eq!(solicited_node(a).to_string(), "ff02::1:ff00:1100");
        assert!(reverse_name(a).starts_with("0.0.1.1.0.0.0.0"));
    }
}
