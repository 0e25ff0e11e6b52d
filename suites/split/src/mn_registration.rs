//! MN under test after discovery: IKEv2 with the harness's HA (the reference HA at HA1),
//! home address, ESP-protected BU with the DNS Update option, deregistration
//! (RFC 5026 §5.2, §5.3, §6, §8, §9.5; RFC 4877 §4, §7.3, §8, §9).
//!
//! Every verdict rests on the decrypted capture: the harness HA logs its IKE and ESP keys.

use mip6lab_suite::observe::{
    id_type, in_prefix, notify, or_unknown, pcap, same_name, stopped_by, undecrypted_ike,
    BindingUpdate, Carrier, CfgType, ConfigPayload, CpAttribute, CpAttributeType, Exchange,
    IkeMessage, IkeSpi, MobilePrefixMessage,
};
use mip6lab_suite::try_step;
use mip6lab_suite::{Observation, Outcome, TestPurpose};
use std::net::{IpAddr, Ipv6Addr};

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

fn exchange_name(x: &Exchange) -> &str {
    match x {
        Exchange::IkeSaInit => "IKE_SA_INIT",
        Exchange::IkeAuth => "IKE_AUTH",
        Exchange::CreateChildSa => "CREATE_CHILD_SA",
        Exchange::Informational => "INFORMATIONAL",
        Exchange::Other(name) => name,
    }
}

/// The last step of the MN's flow with an HA on the wire (IKEv2, BU, BA), described for a
/// reason: `HA1's IKE_AUTH response to MN (frame 9)`.
fn last_step(obs: &Observation) -> Option<(u64, String)> {
    let ike = obs
        .ike_messages(None)
        .filter(|m| m.entry.src == "MN" || m.entry.dst == "MN")
        .map(|m| {
            let dir = if m.response { "response" } else { "request" };
            (m.entry, format!("{} {dir}", exchange_name(&m.exchange)))
        });
    let bu = obs
        .binding_updates_from("MN")
        .map(|b| (b.entry, "BU".to_owned()));
    let ba = ["HA1", "HA2"].into_iter().flat_map(|ha| {
        obs.binding_acks_from(ha)
            .filter(|b| b.entry.dst == "MN")
            .map(|b| (b.entry, "BA".to_owned()))
    });
    ike.chain(bu)
        .chain(ba)
        .max_by_key(|(e, _)| e.frame)
        .map(|(e, what)| {
            (
                e.frame,
                format!("{}'s {what} to {} (frame {})", e.src, e.dst, e.frame),
            )
        })
}

/// `next`, a step the requirement needs, never came: INCONCLUSIVE, naming the last step of
/// the MN's flow on the wire and what stopped it there — an error notify in an HA's last IKE
/// answer, the MN's exit, or silence. An MN frame after that step that the harness could not
/// read makes it "cannot judge" instead: it may be the very step.
pub(crate) fn flow_stopped(obs: &Observation, next: &str) -> Outcome {
    let last = last_step(obs);
    let after = last.as_ref().map_or(0, |(f, _)| *f);
    if let Some(o) = obs.cannot_judge(Some("MN"), after, next) {
        return o;
    }
    let refusal = obs
        .ike_messages(None)
        .filter(|m| m.response && m.entry.dst == "MN")
        .last()
        .and_then(|m| {
            let n = m
                .notifies
                .iter()
                .find(|n| n.notify_type.is_some_and(|t| t < notify::FIRST_STATUS_TYPE))?;
            Some(format!(
                "{} answered {} (notify type {}) in frame {}",
                m.entry.src,
                n.name,
                or_unknown(n.notify_type),
                m.frame()
            ))
        });
    let cause = refusal.unwrap_or_else(|| stopped_by(obs, next));
    let (frames, last_step) = match last {
        Some((f, text)) => (vec![f], text),
        None => (
            Vec::new(),
            "the MN's start (no IKEv2 on the wire)".to_owned(),
        ),
    };
    Outcome::not_reached(last_step, cause).with_frames(pcap(obs), frames)
}

/// The MN's first IKE_AUTH request, decrypted; when the flow never got there, why.
pub(crate) fn ike_auth_request(obs: &Observation) -> Result<IkeMessage<'_>, Outcome> {
    let Some(m) = obs.ike_requests(Exchange::IkeAuth, Some("MN")).next() else {
        let next = if obs
            .ike_requests(Exchange::IkeSaInit, Some("MN"))
            .next()
            .is_some()
        {
            "the MN's IKE_AUTH request"
        } else {
            "the MN's IKE_SA_INIT request"
        };
        return Err(flow_stopped(obs, next));
    };
    if !m.decrypted() {
        return Err(Outcome::inconclusive(format!(
            "IKE_AUTH not decrypted (frames {:?}): no key log from the harness HA",
            undecrypted_ike(obs)
        ))
        .with_frames(pcap(obs), [m.frame()]));
    }
    Ok(m)
}

/// HA1's last IKE_AUTH response; when there is none, the flow stopped after the MN's request
/// in frame `request`.
pub(crate) fn ha1_ike_auth_response(
    obs: &Observation,
    request: u64,
) -> Result<IkeMessage<'_>, Outcome> {
    obs.ike_responses(Exchange::IkeAuth, Some("HA1"))
        .last()
        .ok_or_else(|| {
            flow_stopped(obs, "HA1's IKE_AUTH response").with_frames(pcap(obs), [request])
        })
}

/// The first `attr_type` attribute (`name`) of the MN's CFG_REQUEST in `m`; without one, or
/// without a CFG_REQUEST, FAIL.
pub(crate) fn requested_attribute<'a>(
    obs: &Observation,
    m: &'a IkeMessage<'_>,
    attr_type: &CpAttributeType,
    name: &str,
) -> Result<&'a CpAttribute, Outcome> {
    m.config(CfgType::Request)
        .and_then(|c| c.first(attr_type))
        .ok_or_else(|| {
            Outcome::fail(format!("the CFG_REQUEST has no {name} attribute"))
                .with_frames(pcap(obs), [m.entry.frame])
        })
}

/// The MN's BUs (decrypted ESP) in order, registration first.
pub(crate) fn bus(obs: &Observation) -> Vec<BindingUpdate<'_>> {
    obs.binding_updates_from("MN").collect()
}

/// The MN's first registering BU; when there is none, why the flow never got there.
pub(crate) fn first_registration_bu(obs: &Observation) -> Result<BindingUpdate<'_>, Outcome> {
    bus(obs)
        .into_iter()
        .find(|b| b.registers())
        .ok_or_else(|| flow_stopped(obs, "a Binding Update (lifetime > 0) from the MN"))
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
    let m = try_step!(ike_auth_request(obs));
    let e = m.entry;
    let Some(idi) = &m.idi else {
        return Outcome::fail("the MN's IKE_AUTH request carries no IDi")
            .with_frames(pcap(obs), [e.frame]);
    };
    let (ty, id) = (idi.id_type, idi.id.as_str());
    if ty != Some(id_type::ID_FQDN) {
        return Outcome::fail(format!(
            "IDi has ID type {} (`{id}`), not ID_FQDN (2): the HA cannot authorize a DNS \
             update for it",
            or_unknown(ty)
        ))
        .with_frames(pcap(obs), [e.frame]);
    }
    // IDi is judged; the FQDN comparison needs the BU, which may never come (the HA refused
    // the Child SA, say): then that part is not reached, whatever IDi was.
    let bu = match first_registration_bu(obs) {
        Ok(x) => x,
        Err(o) => return o.with_frames(pcap(obs), [e.frame]),
    };
    let be = bu.entry;
    // BUs come after the IKE SA that protects them (§9.1).
    if be.frame < e.frame {
        return Outcome::fail("the MN sent a BU before IKE_AUTH")
            .with_frames(pcap(obs), [be.frame]);
    }
    let Some(dns) = bu.dns_update() else {
        return Outcome::inconclusive(
            "the MN's BU has no DNS Update option, so there is no FQDN to compare with IDi",
        )
        .with_frames(pcap(obs), [e.frame, be.frame]);
    };
    let fqdn = dns.fqdn.as_deref().unwrap_or("");
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

pub fn judge_hoa_assigned(obs: &Observation) -> Outcome {
    let m = try_step!(ike_auth_request(obs));
    let e = m.entry;
    let Some(req) = m.config(CfgType::Request) else {
        return Outcome::fail("the MN's IKE_AUTH request has no CFG_REQUEST")
            .with_frames(pcap(obs), [e.frame]);
    };
    let Some(attr) = req.first(&CpAttributeType::InternalIp6Address) else {
        return Outcome::fail("the CFG_REQUEST has no INTERNAL_IP6_ADDRESS attribute")
            .with_frames(pcap(obs), [e.frame]);
    };
    let rm = try_step!(ha1_ike_auth_response(obs, e.frame));
    let re = rm.entry;
    let Some(assigned) = rm
        .config(CfgType::Reply)
        .and_then(ConfigPayload::internal_address)
    else {
        return flow_stopped(obs, "a home address in HA1's CFG_REPLY")
            .with_frames(pcap(obs), [e.frame, re.frame]);
    };
    let bu = match first_registration_bu(obs) {
        Ok(x) => x,
        Err(o) => return o.with_frames(pcap(obs), [e.frame, re.frame]),
    };
    let be = bu.entry;
    if bu.home_address.map(std::net::IpAddr::V6) != Some(assigned) {
        return Outcome::fail(format!(
            "the HA assigned {assigned}, but the MN's BU is for HoA {}",
            bu.home_address
                .map_or_else(|| "none".to_owned(), |h| h.to_string())
        ))
        .with_frames(pcap(obs), [e.frame, re.frame, be.frame]);
    }
    Outcome::pass(format!(
        "CFG_REQUEST with INTERNAL_IP6_ADDRESS (length {}); the MN registered the assigned HoA \
         {assigned}",
        or_unknown(attr.len)
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
    let m = try_step!(ike_auth_request(obs));
    let e = m.entry;
    let attr = try_step!(requested_attribute(
        obs,
        &m,
        &CpAttributeType::InternalIp6Address,
        "INTERNAL_IP6_ADDRESS"
    ));
    // This setup gives the MN no prefix and no address of its own: nothing to propose.
    match attr.len {
        Some(0) => Outcome::pass("CFG_REQUEST with a zero-length INTERNAL_IP6_ADDRESS")
            .with_frames(pcap(obs), [e.frame]),
        len => Outcome::fail(format!(
            "the MN, with no home address to propose, sent INTERNAL_IP6_ADDRESS of length {} \
             ({}) instead of a zero-length one",
            or_unknown(len),
            or_unknown(attr.value.as_ref())
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
    if let Some(b) = obs
        .binding_updates_from("MN")
        .find(|b| b.carrier == Carrier::Plain)
    {
        return Outcome::fail("the MN sent a BU without ESP").with_frames(pcap(obs), [b.frame()]);
    }
    // Without a BU: not reached, or an ESP packet the harness could not open ("cannot
    // judge"), never a failure of the MN.
    let bu = try_step!(first_registration_bu(obs));
    let e = bu.entry;
    if bu.esp_next_header() != Some(135) {
        return Outcome::fail("the ESP payload is not a Mobility Header (next header ≠ 135)")
            .with_frames(pcap(obs), [e.frame]);
    }
    let coa = e.src_addr.to_string();
    let Some(hao) = bu.home_address.map(|h| h.to_string()) else {
        return Outcome::fail("the BU has no Home Address option (sent from the care-of address)")
            .with_frames(pcap(obs), [e.frame]);
    };
    if hao == coa {
        return Outcome::fail("the BU's source is the HoA itself, not a care-of address")
            .with_frames(pcap(obs), [e.frame]);
    }
    let acoa = bu.alternate_coa().map(|a| a.to_string());
    if acoa.as_deref() != Some(coa.as_str()) {
        return Outcome::fail(format!(
            "the BU's Alternate Care-of Address option is {:?}, the source address is {coa}",
            acoa.as_deref()
        ))
        .with_frames(pcap(obs), [e.frame]);
    }
    if bu.checksum_ok != Some(true) {
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
    // The DNS Update option is a MAY for the MN (§6): only an MN that declares it is judged.
    .pics(&["mn.dns_update"])
}

pub fn judge_dns_update_option(obs: &Observation) -> Outcome {
    let bu = try_step!(first_registration_bu(obs));
    let e = bu.entry;
    let Some(d) = bu.dns_update() else {
        return Outcome::fail(
            "the MN (configured to have its name registered) sent a BU without the DNS Update \
             option (type 17)",
        )
        .with_frames(pcap(obs), [e.frame]);
    };
    if d.status != Some(0) {
        return Outcome::fail(format!(
            "DNS Update Status in the BU is {}, not 0",
            or_unknown(d.status)
        ))
        .with_frames(pcap(obs), [e.frame]);
    }
    if let Some(r) = &d.reserved {
        return Outcome::fail(format!("DNS Update Reserved bits are {r}, not 0"))
            .with_frames(pcap(obs), [e.frame]);
    }
    if d.remove != Some(false) {
        return Outcome::fail("the registration BU's DNS Update option has R set")
            .with_frames(pcap(obs), [e.frame]);
    }
    let fqdn = d.fqdn.as_deref().unwrap_or("");
    if !same_name(fqdn, FQDN) {
        return Outcome::fail(format!(
            "DNS Update names `{fqdn}`, not the MN's FQDN {FQDN}"
        ))
        .with_frames(pcap(obs), [e.frame]);
    }
    let dereg = bus(obs)
        .into_iter()
        .find(|b| b.frame() > e.frame && b.deregisters());
    let Some(db) = dereg else {
        return flow_stopped(obs, "the MN's deregistration BU").with_frames(pcap(obs), [e.frame]);
    };
    let de = db.entry;
    match db.dns_update() {
        Some(o) if o.remove == Some(true) && o.status == Some(0) => Outcome::pass(
            "registration BU: DNS Update R=0 Status 0 with the MN's FQDN; deregistration BU: \
             R=1",
        )
        .with_frames(pcap(obs), [e.frame, de.frame]),
        Some(o) => Outcome::fail(format!(
            "the deregistration BU's DNS Update option has r={} status={}",
            or_unknown(o.remove.map(u8::from)),
            or_unknown(o.status)
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
    let Some(ba) = obs
        .binding_acks_from("HA1")
        .find(|b| b.has_unknown_option(200) && b.registers())
    else {
        return flow_stopped(obs, "HA1's BA carrying an option of type 200");
    };
    let ae = ba.entry;
    let hoa = ba.routed_to;
    if ba.status != Some(0) {
        return Outcome::inconclusive(format!(
            "the harness HA's BA has Status {}, not 0",
            or_unknown(ba.status)
        ))
        .with_frames(pcap(obs), [ae.frame]);
    }
    let bus = bus(obs);
    // The BA acknowledged the registration: another BU registering the same HoA right after
    // it (a retransmission, whatever its sequence number) means the MN threw the BA away.
    let again = |b: &BindingUpdate| hoa.is_some() && b.home_address == hoa && !b.deregisters();
    if let Some(re) = bus
        .iter()
        .find(|b| b.frame() > ae.frame && again(b))
        .map(|b| b.entry)
    {
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
        .filter(|e| !bus.iter().any(|b| b.frame() == e.frame && again(b)))
    {
        Some(next) => Outcome::pass(
            "BA (Status 0) with an option of unassigned type 200 accepted: the BU was not sent \
             again, and the MN went on",
        )
        .with_frames(pcap(obs), [ae.frame, next.frame]),
        None => flow_stopped(
            obs,
            "traffic from the MN after the BA carrying option type 200",
        )
        .with_frames(pcap(obs), [ae.frame]),
    }
}

// ------------------------------------------------------------- shared by the MN judges

/// `next` never came after `what` happened: a FAIL when the MN shows it gave up (it exited;
/// its exit code is the evidence), else not reached (still silent when the observation
/// ended, or an unreadable frame).
pub(crate) fn gave_up(obs: &Observation, what: &str, next: &str, frames: &[u64]) -> Outcome {
    match obs.iut_exit {
        Some(code) => Outcome::fail(format!(
            "{what}; the MN exited (code {code}) without {next}"
        ))
        .with_frames(pcap(obs), frames.iter().copied()),
        None => flow_stopped(obs, next).with_frames(pcap(obs), frames.iter().copied()),
    }
}

/// How long an MN may keep retransmitting IKE_SA_INIT to a silent HA before it gives up.
/// RFC 7296 §2.4 leaves it to the implementation ("The number of retries and length of
/// timeouts are not covered in this specification"), suggesting "at least a dozen times over
/// a period of at least several minutes". `MIP6LAB_IKE_TIMEOUT_SECS` is the PIXIT that
/// shortens it; an MN keeping a default schedule of up to five minutes still fits. The
/// reference honours the PIXIT (1 s), so its observation ends long before.
pub(crate) const IKE_GIVE_UP_BOUND: std::time::Duration = std::time::Duration::from_secs(300);

/// An IPv6 prefix and its length.
pub(crate) type Prefix = (Ipv6Addr, u8);

pub(crate) fn v6(a: IpAddr) -> Option<Ipv6Addr> {
    match a {
        IpAddr::V6(a) => Some(a),
        IpAddr::V4(_) => None,
    }
}

pub(crate) fn prefix_of(m: &IkeMessage) -> Option<Prefix> {
    let (a, l) = m
        .config(CfgType::Reply)?
        .first(&CpAttributeType::Mip6HomePrefix)?
        .prefix()?;
    Some((v6(a)?, l))
}

pub(crate) fn within(a: Ipv6Addr, (prefix, len): Prefix) -> bool {
    in_prefix(a, prefix, len)
}

/// IDi's identification data (empty without IDi).
pub(crate) fn idi_text<'m>(m: &'m IkeMessage) -> &'m str {
    m.idi.as_ref().map_or("", |i| i.id.as_str())
}

/// The single TSi address of a CREATE_CHILD_SA request, if it names one.
pub(crate) fn tsi_address(m: &IkeMessage) -> Option<Ipv6Addr> {
    m.first_tsi()?.single_address().and_then(v6)
}

/// The MN's CREATE_CHILD_SA requests after frame `after`.
pub(crate) fn child_requests(obs: &Observation, after: u64) -> Vec<IkeMessage<'_>> {
    obs.ike_requests(Exchange::CreateChildSa, Some("MN"))
        .filter(|m| m.frame() > after)
        .collect()
}

/// The first address of the first INTERNAL_IP6_ADDRESS in `m`'s CP of `cfg_type`.
pub(crate) fn internal_address(m: &IkeMessage, cfg_type: CfgType) -> Option<Ipv6Addr> {
    m.config(cfg_type)?.internal_address().and_then(v6)
}

/// Mobile Prefix Solicitations (`advertisement == false`) or Advertisements sent by `src`.
pub(crate) fn mpd_messages<'a>(
    obs: &'a Observation,
    advertisement: bool,
    src: &'a str,
) -> Vec<MobilePrefixMessage<'a>> {
    obs.mobile_prefix_from(src)
        .filter(|m| m.advertisement == advertisement)
        .collect()
}

pub(crate) fn failover(obs: &Observation, why: &str) -> Outcome {
    let p = pcap(obs);
    let inits = || obs.ike_requests(Exchange::IkeSaInit, Some("MN"));
    let Some(e1) = inits().find(|m| m.entry.dst == "HA1").map(|m| m.entry) else {
        return flow_stopped(obs, "the MN's IKE_SA_INIT to HA1, the preferred HA");
    };
    match inits().find(|m| m.entry.dst == "HA2").map(|m| m.entry) {
        Some(e2) if e2.frame > e1.frame => Outcome::pass(format!(
            "HA1 {why}; the MN then started IKEv2 with HA2, the next HA of the SRV answer"
        ))
        .with_frames(p, [e1.frame, e2.frame]),
        _ => gave_up(
            obs,
            &format!("HA1 {why}"),
            "an IKE_SA_INIT to HA2, the next HA of the SRV answer",
            &[e1.frame],
        ),
    }
}

pub(crate) fn proposed(m: &IkeMessage) -> Option<Ipv6Addr> {
    internal_address(m, CfgType::Request)
}

pub(crate) fn assigned(m: &IkeMessage) -> Option<Ipv6Addr> {
    internal_address(m, CfgType::Reply)
}

pub(crate) fn distinct_ike_sas_to(obs: &Observation, role: &str) -> Vec<(u64, Option<IkeSpi>)> {
    let mut seen: Vec<(u64, Option<IkeSpi>)> = Vec::new();
    for m in obs
        .ike_requests(Exchange::IkeSaInit, Some("MN"))
        .filter(|m| m.entry.dst == role)
    {
        if !seen.iter().any(|(_, s)| *s == m.ispi) {
            seen.push((m.frame(), m.ispi));
        }
    }
    seen
}
