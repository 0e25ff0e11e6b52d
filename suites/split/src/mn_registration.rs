//! MN under test after discovery: IKEv2 with the harness's HA (the reference HA at HA1),
//! home address, ESP-protected BU with the DNS Update option, deregistration
//! (RFC 5026 §5.2, §5.3, §6, §8, §9.5; RFC 4877 §4, §7.3, §8, §9).
//!
//! Every verdict rests on the decrypted capture: the harness HA logs its IKE and ESP keys.

use mip6lab_suite::observe::{all_of, ike, mh, undecrypted_ike};
use mip6lab_suite::{Entry, Message};
use mip6lab_suite::{Observation, Outcome, TestPurpose};

const TOPOLOGY: &str = "split-mn-iut";
const FQDN: &str = "mn1.example.com";

/// A test purpose on the MN-IUT topology; `iut_env`/`peer_env` vary the setup.
pub(crate) const fn tp(
    id: &'static str,
    title: &'static str,
    requirements: &'static [&'static str],
    judge: fn(&Observation) -> Outcome,
) -> TestPurpose {
    TestPurpose::new(
        crate::mn_under_test(TOPOLOGY),
        id,
        title,
        requirements,
        judge,
    )
    .iut_env(&[("MIP6LAB_DOMAIN", "example.com")])
}

pub(crate) type Found<'a> = Result<(&'a Entry, &'a Message), Outcome>;

pub(crate) fn pcap(obs: &Observation) -> &str {
    obs.pcap.as_str()
}

/// The MN's first IKE_AUTH request, decrypted.
pub(crate) fn ike_auth_request(obs: &Observation) -> Found<'_> {
    let Some((e, m)) = ike(obs, "IKE_AUTH request", Some("MN")).next() else {
        let init = ike(obs, "IKE_SA_INIT request", Some("MN")).next();
        return Err(match init {
            None => Outcome::fail(
                "the MN never started IKEv2 (no IKE_SA_INIT) with the HA it discovered",
            ),
            Some((e, _)) => Outcome::inconclusive(
                "the MN sent IKE_SA_INIT but no IKE_AUTH followed (the harness HA did not \
                 answer?)",
            )
            .with_frames(pcap(obs), [e.frame]),
        });
    };
    if m.find("SK").and_then(|s| s.get("decrypted")) != Some("yes") {
        return Err(Outcome::inconclusive(format!(
            "IKE_AUTH not decrypted (frames {:?}): no key log from the harness HA",
            undecrypted_ike(obs)
        ))
        .with_frames(pcap(obs), [e.frame]));
    }
    Ok((e, m))
}

/// The MN's BUs (decrypted ESP) in order, registration first.
pub(crate) fn bus(obs: &Observation) -> Vec<(&Entry, &Message, &Message)> {
    mh(obs, "BU", Some("MN")).collect()
}

pub(crate) fn first_registration_bu(
    obs: &Observation,
) -> Result<(&Entry, &Message, &Message), Outcome> {
    bus(obs)
        .into_iter()
        .find(|(_, _, b)| b.get("lifetime").is_some_and(|l| l != "0"))
        .ok_or_else(|| {
            Outcome::fail("the MN sent no Binding Update (lifetime > 0) to the HA after IKEv2")
        })
}

pub(crate) fn same_name(a: &str, b: &str) -> bool {
    a.trim_end_matches('.')
        .eq_ignore_ascii_case(b.trim_end_matches('.'))
}

// ------------------------------------------------------------------ IKE identity (§9.5)

/// §5.2: "If the Mobile Node wants the HA to register the Home Address in the DNS, it MUST
/// use the FQDN as the initiator identity in the IKE_AUTH step"; §9.5: "the Mobile Node MUST
/// use a FQDN as the IDi … The FQDN MUST be the same as the FQDN that will be provided by
/// the Mobile Node in the DNS Update Option."
#[mip6lab_suite::test_purpose]
pub fn idi_is_fqdn() -> TestPurpose {
    tp(
        "TP-SPLIT-MN-IKE-IDI-01",
        "MN uses its FQDN as IDi, the same FQDN as in the DNS Update option",
        &[
            "RFC5026-5.2-MN-MUST-1",
            "RFC5026-5.2-MN-MUST-2",
            "RFC5026-9.5-MN-MUST-1",
            "RFC5026-9.5-MN-MUST-2",
            "RFC4877-7.3-MN-MUST-1",
            "RFC5026-9.1-MN-MUST-1",
        ],
        judge_idi_is_fqdn,
    )
}

pub fn judge_idi_is_fqdn(obs: &Observation) -> Outcome {
    let (e, m) = match ike_auth_request(obs) {
        Ok(x) => x,
        Err(o) => return o,
    };
    let Some(idi) = m.find("IDi") else {
        return Outcome::fail("the MN's IKE_AUTH request carries no IDi")
            .with_frames(pcap(obs), [e.frame]);
    };
    let (ty, id) = (
        idi.get("id_type").unwrap_or("?"),
        idi.get("id").unwrap_or(""),
    );
    if ty != "2" {
        return Outcome::fail(format!(
            "IDi has ID type {ty} (`{id}`), not ID_FQDN (2): the HA cannot authorize a DNS \
             update for it"
        ))
        .with_frames(pcap(obs), [e.frame]);
    }
    let (be, _, bu) = match first_registration_bu(obs) {
        Ok(x) => x,
        Err(o) => return o.with_frames(pcap(obs), [e.frame]),
    };
    // BUs come after the IKE SA that protects them (§9.1).
    if be.frame < e.frame {
        return Outcome::fail("the MN sent a BU before IKE_AUTH")
            .with_frames(pcap(obs), [be.frame]);
    }
    let Some(dns) = bu.find("DNS-Update") else {
        return Outcome::inconclusive(
            "the MN's BU has no DNS Update option, so there is no FQDN to compare with IDi",
        )
        .with_frames(pcap(obs), [e.frame, be.frame]);
    };
    let fqdn = dns.get("fqdn").unwrap_or("");
    if !same_name(fqdn, id) {
        return Outcome::fail(format!("DNS Update FQDN `{fqdn}` differs from IDi `{id}`"))
            .with_frames(pcap(obs), [e.frame, be.frame]);
    }
    Outcome::pass(format!(
        "IDi is ID_FQDN `{id}`, and the BU's DNS Update option names the same FQDN"
    ))
    .with_frames(pcap(obs), [e.frame, be.frame])
}

// ------------------------------------------------------------ HoA assigned (§5.3.1)

/// §5.3.1: the MN "can request a HoA through the Configuration Payload in the IKE_AUTH
/// exchange by including an INTERNAL_IP6_ADDRESS attribute"; RFC 4877 §9: a zero-length
/// attribute (SHOULD), and the MN uses the address the HA returns (§5.3.2, RFC 4877 §9).
#[mip6lab_suite::test_purpose]
pub fn hoa_assigned() -> TestPurpose {
    tp(
        "TP-SPLIT-MN-HOA-ASSIGNED-01",
        "MN asks for a HoA with INTERNAL_IP6_ADDRESS and registers the one the HA assigns",
        &[
            "RFC5026-5.3.1-MN-MAY-1",
            "RFC5026-5.3-ANY-MUST-1",
            "RFC5026-5.3.2-MN-MUST-2",
            "RFC4877-9-MN-MUST-1",
            "RFC4877-9-MN-MUST-2",
        ],
        judge_hoa_assigned,
    )
}

pub(crate) fn cp_of<'a>(m: &'a Message, cfg_type: &str) -> Option<&'a Message> {
    all_of(m, "CP")
        .into_iter()
        .find(|c| c.get("cfg_type") == Some(cfg_type))
}

pub fn judge_hoa_assigned(obs: &Observation) -> Outcome {
    let (e, m) = match ike_auth_request(obs) {
        Ok(x) => x,
        Err(o) => return o,
    };
    let Some(req) = cp_of(m, "CFG_REQUEST") else {
        return Outcome::fail("the MN's IKE_AUTH request has no CFG_REQUEST")
            .with_frames(pcap(obs), [e.frame]);
    };
    let Some(attr) = req.find("INTERNAL_IP6_ADDRESS") else {
        return Outcome::fail("the CFG_REQUEST has no INTERNAL_IP6_ADDRESS attribute")
            .with_frames(pcap(obs), [e.frame]);
    };
    let Some((re, rm)) = ike(obs, "IKE_AUTH response", Some("HA1")).last() else {
        return Outcome::inconclusive("the harness HA did not answer IKE_AUTH")
            .with_frames(pcap(obs), [e.frame]);
    };
    let assigned = cp_of(rm, "CFG_REPLY")
        .and_then(|c| c.find("INTERNAL_IP6_ADDRESS"))
        .and_then(|a| a.get("value"))
        .and_then(|v| v.split('/').next())
        .map(str::to_string);
    let Some(assigned) = assigned else {
        return Outcome::inconclusive("the harness HA's CFG_REPLY assigned no address")
            .with_frames(pcap(obs), [e.frame, re.frame]);
    };
    let (be, _, bu) = match first_registration_bu(obs) {
        Ok(x) => x,
        Err(o) => return o.with_frames(pcap(obs), [e.frame, re.frame]),
    };
    let hao = bu.get("hao").unwrap_or("none");
    if hao != assigned {
        return Outcome::fail(format!(
            "the HA assigned {assigned}, but the MN's BU is for HoA {hao}"
        ))
        .with_frames(pcap(obs), [e.frame, re.frame, be.frame]);
    }
    Outcome::pass(format!(
        "CFG_REQUEST with INTERNAL_IP6_ADDRESS (length {}); the MN registered the assigned HoA \
         {assigned}",
        attr.get("len").unwrap_or("?")
    ))
    .with_frames(pcap(obs), [e.frame, re.frame, be.frame])
}

/// RFC 4877 §9: "The mobile node should include a zero-length INTERNAL_IP6_ADDRESS attribute
/// in the CFG_REQUEST payload" when it has no address to propose. A SHOULD on its own, so its
/// verdict is advisory; same setup as TP-SPLIT-MN-HOA-ASSIGNED-01 (one lab run for both).
#[mip6lab_suite::test_purpose]
pub fn empty_address_request() -> TestPurpose {
    tp(
        "TP-SPLIT-MN-CFG-EMPTY-01",
        "MN with no address to propose asks with a zero-length INTERNAL_IP6_ADDRESS",
        &["RFC4877-9-MN-SHOULD-1"],
        judge_empty_address_request,
    )
}

pub fn judge_empty_address_request(obs: &Observation) -> Outcome {
    let (e, m) = match ike_auth_request(obs) {
        Ok(x) => x,
        Err(o) => return o,
    };
    let Some(attr) = cp_of(m, "CFG_REQUEST").and_then(|r| r.find("INTERNAL_IP6_ADDRESS")) else {
        return Outcome::fail("the CFG_REQUEST has no INTERNAL_IP6_ADDRESS attribute")
            .with_frames(pcap(obs), [e.frame]);
    };
    // This setup gives the MN no prefix and no address of its own: nothing to propose.
    match attr.get("len").unwrap_or("?") {
        "0" => Outcome::pass("CFG_REQUEST with a zero-length INTERNAL_IP6_ADDRESS")
            .with_frames(pcap(obs), [e.frame]),
        len => Outcome::fail(format!(
            "the MN, with no home address to propose, sent INTERNAL_IP6_ADDRESS of length {len} \
             ({}) instead of a zero-length one",
            attr.get("value").unwrap_or("?")
        ))
        .with_frames(pcap(obs), [e.frame]),
    }
}

// --------------------------------------------------------- protected BU (RFC 4877 §4)

/// RFC 4877 §4.1: ESP for BUs "MUST be supported and used"; §4.2: the MN "MUST use the
/// Home Address destination option in Binding Updates"; §4.3: the Alternate Care-of Address
/// option; §4.4: the care-of address as source.
#[mip6lab_suite::test_purpose]
pub fn bu_protected() -> TestPurpose {
    tp(
        "TP-SPLIT-MN-BU-ESP-01",
        "MN's BU is ESP-protected, from its care-of address, with HAO and Alternate CoA",
        &[
            "RFC5026-4-ANY-MUST-1",
            "RFC4877-4.1-ANY-MUST-1",
            "RFC4877-4.2-MN-MUST-1",
            "RFC4877-4.3-MN-MUST-1",
            "RFC4877-4.4-MN-MUST-1",
            "RFC4877-3-ANY-MUST-1",
        ],
        judge_bu_protected,
    )
}

pub fn judge_bu_protected(obs: &Observation) -> Outcome {
    // Any MH the MN sent outside ESP is a failure of "MUST be used".
    if let Some((e, _, _)) = mh(obs, "BU", Some("MN")).find(|(_, outer, _)| outer.protocol == "MH")
    {
        return Outcome::fail("the MN sent a BU without ESP").with_frames(pcap(obs), [e.frame]);
    }
    let (e, outer, bu) = match first_registration_bu(obs) {
        Ok(x) => x,
        Err(o) => {
            // An ESP packet the harness could not open is not a failure of the MN.
            if let Some((e, _)) = mip6lab_suite::observe::messages(obs, "ESP", Some("MN"))
                .find(|(_, m)| m.get("decrypted") != Some("yes"))
            {
                return Outcome::inconclusive("the MN's ESP packets could not be decrypted")
                    .with_frames(pcap(obs), [e.frame]);
            }
            return o;
        }
    };
    if outer.get("next_header") != Some("135") {
        return Outcome::fail("the ESP payload is not a Mobility Header (next header ≠ 135)")
            .with_frames(pcap(obs), [e.frame]);
    }
    let coa = e.src_addr.to_string();
    let Some(hao) = bu.get("hao") else {
        return Outcome::fail("the BU has no Home Address option (sent from the care-of address)")
            .with_frames(pcap(obs), [e.frame]);
    };
    if hao == coa {
        return Outcome::fail("the BU's source is the HoA itself, not a care-of address")
            .with_frames(pcap(obs), [e.frame]);
    }
    let acoa = bu.find("AltCoA").and_then(|a| a.get("address"));
    if acoa != Some(coa.as_str()) {
        return Outcome::fail(format!(
            "the BU's Alternate Care-of Address option is {:?}, the source address is {coa}",
            acoa
        ))
        .with_frames(pcap(obs), [e.frame]);
    }
    if bu.get("checksum_ok") != Some("yes") {
        return Outcome::fail("the BU's MH checksum is wrong (pseudo-header with the HoA)")
            .with_frames(pcap(obs), [e.frame]);
    }
    Outcome::pass(format!(
        "BU in ESP (next header 135) from care-of address {coa}, HAO {hao}, Alternate CoA \
         {coa}, checksum correct"
    ))
    .with_frames(pcap(obs), [e.frame])
}

// ------------------------------------------------------ DNS Update option (§6, §8.1)

/// §6: "the Mobile Node MAY include … the DNS Update option, with the flag R not set";
/// "To remove a DNS entry, the Mobile Node includes … the DNS Update mobility option, with
/// the flag R set"; §8.1: Status "MUST be set to 0" in a BU, Reserved "MUST be set to 0",
/// type 17 and the FQDN of the MN.
#[mip6lab_suite::test_purpose]
pub fn dns_update_option() -> TestPurpose {
    tp(
        "TP-SPLIT-MN-DNS-OPT-01",
        "MN's BU carries DNS Update (R=0, Status 0); its deregistration carries R=1",
        &[
            "RFC5026-6-MN-MAY-1",
            "RFC5026-6-MN-MUST-1",
            "RFC5026-8.1-MN-MUST-1",
            "RFC5026-8.1-ANY-MUST-1",
            "RFC5026-8.1-ANY-MUST-2",
            "RFC5026-8.1-ANY-MUST-3",
            "RFC5026-8.1-MN-MUST-2",
        ],
        judge_dns_update_option,
    )
}

pub fn judge_dns_update_option(obs: &Observation) -> Outcome {
    let (e, _, bu) = match first_registration_bu(obs) {
        Ok(x) => x,
        Err(o) => return o,
    };
    let Some(d) = bu.find("DNS-Update") else {
        return Outcome::fail(
            "the MN (configured to have its name registered) sent a BU without the DNS Update \
             option (type 17)",
        )
        .with_frames(pcap(obs), [e.frame]);
    };
    let status = d.get("status").unwrap_or("?");
    if status != "0" {
        return Outcome::fail(format!("DNS Update Status in the BU is {status}, not 0"))
            .with_frames(pcap(obs), [e.frame]);
    }
    if let Some(r) = d.get("reserved") {
        return Outcome::fail(format!("DNS Update Reserved bits are {r}, not 0"))
            .with_frames(pcap(obs), [e.frame]);
    }
    if d.get("r") != Some("0") {
        return Outcome::fail("the registration BU's DNS Update option has R set")
            .with_frames(pcap(obs), [e.frame]);
    }
    if !same_name(d.get("fqdn").unwrap_or(""), FQDN) {
        return Outcome::fail(format!(
            "DNS Update names `{}`, not the MN's FQDN {FQDN}",
            d.get("fqdn").unwrap_or("")
        ))
        .with_frames(pcap(obs), [e.frame]);
    }
    let dereg = bus(obs)
        .into_iter()
        .find(|(x, _, b)| x.frame > e.frame && b.get("lifetime") == Some("0"));
    let Some((de, _, db)) = dereg else {
        return Outcome::inconclusive("the MN did not deregister within the observation")
            .with_frames(pcap(obs), [e.frame]);
    };
    match db.find("DNS-Update") {
        Some(o) if o.get("r") == Some("1") && o.get("status") == Some("0") => Outcome::pass(
            "registration BU: DNS Update R=0 Status 0 with the MN's FQDN; deregistration BU: \
             R=1",
        )
        .with_frames(pcap(obs), [e.frame, de.frame]),
        Some(o) => Outcome::fail(format!(
            "the deregistration BU's DNS Update option has r={} status={}",
            o.get("r").unwrap_or("?"),
            o.get("status").unwrap_or("?")
        ))
        .with_frames(pcap(obs), [e.frame, de.frame]),
        None => Outcome::fail(
            "the deregistration BU has no DNS Update option with R set: the name stays in DNS",
        )
        .with_frames(pcap(obs), [e.frame, de.frame]),
    }
}

/// RFC 6275 §6.1.8, relied on by RFC 5026 §8.1 (the DNS Update option rides in BAs among
/// other options): "The receiver MUST ignore and skip any options that it does not
/// understand." The harness HA's BAs carry an option of the unassigned type 200.
#[mip6lab_suite::test_purpose]
pub fn unknown_option_skipped() -> TestPurpose {
    tp(
        "TP-SPLIT-MN-UNKNOWN-OPT-01",
        "MN skips a mobility option it does not understand and accepts the BA",
        &["RFC6275-6.1.8-MN-MUST-1"],
        judge_unknown_option_skipped,
    )
    .peer_env(&[("ha", "MIP6LAB_KNOBS", "ha.ba_unknown_option=200")])
}

pub fn judge_unknown_option_skipped(obs: &Observation) -> Outcome {
    let Some((ae, _, ba)) = mh(obs, "BA", Some("HA1")).find(|(_, _, b)| {
        b.find("opt 200").is_some() && b.get("lifetime").is_some_and(|l| l != "0")
    }) else {
        return Outcome::inconclusive(
            "no BA with an option of type 200 reached the MN (did it register with HA1?)",
        );
    };
    let hoa = ba.get("rh2").unwrap_or("");
    if ba.get("status") != Some("0") {
        return Outcome::inconclusive(format!(
            "the harness HA's BA has Status {}, not 0",
            ba.get("status").unwrap_or("?")
        ))
        .with_frames(pcap(obs), [ae.frame]);
    }
    let bus = bus(obs);
    // The BA acknowledged the registration: another BU registering the same HoA right after
    // it (a retransmission, whatever its sequence number) means the MN threw the BA away.
    let again = |b: &Message| b.get("hao") == Some(hoa) && b.get("lifetime") != Some("0");
    if let Some((re, _, _)) = bus.iter().find(|(e, _, b)| e.frame > ae.frame && again(b)) {
        return Outcome::fail(
            "the MN sent its BU again after a BA (Status 0) that carried an option of type 200: \
             it did not accept the BA",
        )
        .with_frames(pcap(obs), [ae.frame, re.frame]);
    }
    // Something the MN sent later (its DNS check, the deregistration) shows it went on with
    // the binding; a capture that ends at the BA shows nothing either way.
    match obs
        .transcript
        .entries
        .iter()
        .find(|e| e.frame > ae.frame && e.src == "MN")
        .filter(|e| !bus.iter().any(|(b, _, m)| b.frame == e.frame && again(m)))
    {
        Some(next) => Outcome::pass(
            "BA (Status 0) with an option of unassigned type 200 accepted: the BU was not sent \
             again, and the MN went on",
        )
        .with_frames(pcap(obs), [ae.frame, next.frame]),
        None => Outcome::inconclusive(
            "the observation ended at the BA carrying an option of type 200: no later traffic \
             from the MN to judge by",
        )
        .with_frames(pcap(obs), [ae.frame]),
    }
}
