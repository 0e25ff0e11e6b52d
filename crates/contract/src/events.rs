//! Machine-readable event lines on an IUT's stdout: `MIP6LAB-EVENT {"data":…,"event":…}`.
//! Events may end an observation early or annotate a report; no verdict rests on them.
//! The names are those the reference emits; a vendor IUT may emit any of them, or none.

/// The line prefix the lab looks for in a container's log.
pub const PREFIX: &str = "MIP6LAB-EVENT ";

/// Declares each event name once: its constant and its entry in [`ALL`].
macro_rules! event_names {
    ($($(#[$meta:meta])* $konst:ident = $name:literal;)*) => {
        $($(#[$meta])* pub const $konst: &str = $name;)*
        /// Every event name the reference emits.
        pub const ALL: &[&str] = &[$($konst),*];
    };
}

event_names! {
    /// HA: IKEv2 is accepted (the IUT contract's readiness line); MN: likewise for a peer.
    READY = "ready";
    /// The node's flow is over (MN: deregistered or gave up; defender: served its time).
    DONE = "done";
    /// An unrecoverable error, with its reason.
    ERROR = "error";
    /// MN: the HA it chose by discovery.
    HA_SELECTED = "ha_selected";
    /// MN: an HA did not answer; the next is tried.
    HA_FAILOVER = "ha_failover";
    /// MN: no HA of the list could be used.
    HA_UNAVAILABLE = "ha_unavailable";
    /// MN: waiting before another pass over the HA list.
    RETRY_WAIT = "retry_wait";
    /// MN: after INTERNAL_ADDRESS_FAILURE, a new exchange to auto-configure.
    RETRY_AUTOCONF = "retry_autoconf";
    /// MN: IKE_SA_INIT requests sent half open (stimulus `mn.init_flood`).
    INIT_FLOOD = "init_flood";
    /// MN: waited before starting (stimulus `mn.start_delay_ms`).
    START_DELAY = "start_delay";
    /// MN: the IKE SA is up.
    IKE_ESTABLISHED = "ike_established";
    /// MN: the HA answered INTERNAL_ADDRESS_FAILURE.
    INTERNAL_ADDRESS_FAILURE = "internal_address_failure";
    /// MN: the home address it uses, and how it got it.
    HOA = "hoa";
    /// MN: a Child SA for the HoA (CREATE_CHILD_SA).
    CHILD_SA = "child_sa";
    /// MN: a Child SA with ICMPv6 selectors for Mobile Prefix Discovery.
    MPD_CHILD_SA = "mpd_child_sa";
    /// MN: a Binding Update went out.
    BU_SENT = "bu_sent";
    /// A Binding Acknowledgement (MN: received; HA: sent).
    BA = "ba";
    /// MN: a BA it discarded.
    BA_DISCARDED = "ba_discarded";
    /// MN: the DNS Update Status of a BA.
    DNS_STATUS = "dns_status";
    /// MN: the HA rejected the BU (status ≥ 128).
    REJECTED = "rejected";
    /// MN: no BA after every transmission.
    NO_BINDING_ACK = "no_binding_ack";
    /// MN: the binding is accepted.
    REGISTERED = "registered";
    /// MN: the binding is removed.
    DEREGISTERED = "deregistered";
    /// MN: proxy DAD failed for its auto-configured HoA (BA status 134).
    DAD_FAILED = "dad_failed";
    /// MN: a Mobile Prefix Solicitation went out.
    MPS_SENT = "mps_sent";
    /// A Mobile Prefix Advertisement (MN: received; HA: sent).
    MPA = "mpa";
    /// MN: an MPA it discarded.
    MPA_DISCARDED = "mpa_discarded";
    /// MN: no MPA came.
    MPA_TIMEOUT = "mpa_timeout";
    /// MN: the MPA carried no usable prefix.
    MPD_NO_PREFIX = "mpd_no_prefix";
    /// MN: what DNS holds for its FQDN once registered.
    DNS_CHECK_REGISTERED = "dns_check_registered";
    /// MN: what DNS holds after deregistering.
    DNS_CHECK_DEREGISTERED = "dns_check_deregistered";
    /// MN: what DNS holds after switching to an auto-configured HoA.
    DNS_CHECK_SWITCHED = "dns_check_switched";
    /// HA: an IKE SA with a peer identity.
    IKE_SA = "ike_sa";
    /// HA: an IKE exchange failed.
    IKE_FAILED = "ike_failed";
    /// HA: the configuration payload it answered.
    CONFIG_ASSIGNED = "config_assigned";
    /// HA: an ESP packet it could not open.
    ESP_DROPPED = "esp_dropped";
    /// HA: a Mobility Header message it ignored.
    MH_IGNORED = "mh_ignored";
    /// HA: a Binding Update received.
    BU = "bu";
    /// HA: a BU it discarded.
    BU_DISCARDED = "bu_discarded";
    /// HA: a Binding Cache change.
    BINDING_CACHE = "binding_cache";
    /// HA: an IPv4 home address bound with a binding or released (RFC 5555); MN: the IPv4
    /// Address Acknowledgement of its BA, or its absence.
    IPV4_HOA = "ipv4_hoa";
    /// HA: proxy DAD for an auto-configured HoA.
    PROXY_DAD = "proxy_dad";
    /// HA: a DNS update it made.
    DNS_UPDATE = "dns_update";
    /// HA: the DNS entry removed when a binding expired.
    DNS_EXPIRY_REMOVAL = "dns_expiry_removal";
    /// HA: the FQDN-HoA pair sent to its AAA server.
    AAA_DNS_FORWARD = "aaa_dns_forward";
    /// HA: a Mobile Prefix Solicitation received.
    MPS = "mps";
    /// HA: an MPS it ignored.
    MPS_IGNORED = "mps_ignored";
    /// ND defender: a DAD probe answered.
    DEFENDED = "defended";
    /// MN (integrated): network access authentication succeeded; NAS: it authorized a
    /// supplicant (with the AAA's HA assignment, if any).
    ACCESS_AUTHORIZED = "access_authorized";
    /// Network access authentication failed (MN: EAP-Failure; NAS: Access-Reject).
    ACCESS_REFUSED = "access_refused";
    /// NAS: the AAA server did not answer; MN: no EAP-Success in time.
    ACCESS_TIMED_OUT = "access_timed_out";
    /// NAS: the supplicant logged off, or an EAPOL frame it did not act on.
    ACCESS_NOTE = "access_note";
    /// AAA server: a RADIUS request answered (code, user, the HA assigned if any) or
    /// discarded, and why.
    AAA_ANSWER = "aaa_answer";
    /// NAS: what its DHCPv6 relay did (forwarded with or without RSOO, relayed, dropped).
    DHCP_RELAY = "dhcp_relay";
    /// MN (integrated): the home network information it took from a DHCPv6 Reply.
    DHCP_CONFIGURED = "dhcp_configured";
    /// MN (integrated): DHCPv6 gave no usable HA; DNS discovery takes over.
    DHCP_FALLBACK = "dhcp_fallback";
    /// DHCPv6 stimulus: an Information-request answered (shape, options, home agents, what a
    /// conforming client must do). DHCPv6 server: an Information-request answered (the case,
    /// each option sent with where it came from, what of the RSOOs it discarded and why).
    DHCP_ANSWERED = "dhcp_answered";
    /// DHCPv6 stimulus: an Information-request left unanswered, and why.
    DHCP_WITHHELD = "dhcp_withheld";
    /// DHCPv6 stimulus or server: a datagram it does not answer, and why.
    DHCP_IGNORED = "dhcp_ignored";
    /// DHCPv6 relay stimulus: a shape's Relay-forward sent (shape, number, attempt).
    RELAY_STIMULUS_SENT = "relay_stimulus_sent";
    /// DHCPv6 relay stimulus: a shape's exchange ended (shape, number, answered: bool).
    RELAY_STIMULUS_REPLY = "relay_stimulus_reply";
    /// DHCPv6 relay stimulus: a datagram that answers no pending shape.
    RELAY_STIMULUS_IGNORED = "relay_stimulus_ignored";
    /// DHCPv6 relay stimulus: every shape sent; it exits 0 next.
    RELAY_STIMULUS_DONE = "relay_stimulus_done";
    /// Foreign home agent (dual-stack): what its engine did (registered, denied, AAA request,
    /// tunnel up or down).
    FHA = "fha";
    /// Foreign agent (dual-stack): what its engine did (advertisement sent, Request relayed,
    /// Reply relayed, denied, discarded, visitor added or gone).
    FA = "fa";
    /// MN (dual-stack): what its Mobile IPv4 client did (request sent, reply dropped,
    /// registered, gave up).
    MIP4 = "mip4";
    /// MN (dual-stack): the registration the RRP granted, with the profile's items.
    DS_REGISTERED = "ds_registered";
    /// Dual-stack roles: the userspace tunnel device opened.
    TUNNEL = "tunnel";
    /// MN (dual-stack): the echo through the MN–FHA tunnel answered (round trip).
    TUNNEL_ECHO = "tunnel_echo";
    /// MN (dual-stack): the Mobile IPv6 half starts over the MN–FHA tunnel (the IPv6 CoA,
    /// HA and HoA from the Registration Reply).
    DS_MIP6 = "ds_mip6";
    /// Dual-stack NAS and MN: DHCPv4 relay events, the MN's lease (co-located CoA, FHA).
    DHCP4 = "dhcp4";
}

/// One event line: `PREFIX` and `{"data":…,"event":…}` (serde_json's compact form, keys in
/// order), without the newline.
pub fn line(kind: &str, data: serde_json::Value) -> String {
    let body = serde_json::json!({ "event": kind, "data": data });
    format!("{PREFIX}{body}")
}

/// One event read from a log.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub kind: String,
    /// `None` when the line has no `data` member.
    pub data: Option<serde_json::Value>,
}

/// The event on one log line, if it holds one. The prefix may follow other text (a log
/// driver's timestamp).
pub fn parse_line(line: &str) -> Option<Event> {
    let (_, json) = line.split_once(PREFIX)?;
    let mut v = serde_json::from_str::<serde_json::Value>(json).ok()?;
    let kind = v.get("event")?.as_str()?.to_string();
    let data = v.get_mut("data").map(serde_json::Value::take);
    Some(Event { kind, data })
}

/// The data of the first `kind` event in a log; `None` when there is none or it has no data.
pub fn find(logs: &str, kind: &str) -> Option<serde_json::Value> {
    logs.lines()
        .filter_map(parse_line)
        .find(|e| e.kind == kind)
        .and_then(|e| e.data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_round_trips_and_keeps_the_readiness_bytes() {
        let l = line(READY, serde_json::json!({}));
        // The IUT contract's readiness match is on these exact bytes.
        assert_eq!(l, r#"MIP6LAB-EVENT {"data":{},"event":"ready"}"#);
        let e = parse_line(&format!("2026-01-01T00:00:00Z {l}")).unwrap();
        assert_eq!(
            (e.kind.as_str(), e.data),
            (READY, Some(serde_json::json!({})))
        );
        assert!(parse_line("MIP6LAB-EVENT {not json").is_none());
        assert!(parse_line(r#"{"event":"ready"}"#).is_none());
    }

    #[test]
    fn find_returns_the_first_event_of_a_kind() {
        let logs = format!(
            "noise\n{}\n{}\n{}\n",
            line(HOA, serde_json::json!({"address": "a"})),
            line(DONE, serde_json::json!({})),
            line(HOA, serde_json::json!({"address": "b"})),
        );
        assert_eq!(find(&logs, HOA), Some(serde_json::json!({"address": "a"})));
        assert_eq!(find(&logs, REGISTERED), None);
        // The first event of the kind decides, even without data.
        let logs = format!(
            "MIP6LAB-EVENT {{\"event\":\"done\"}}\n{}",
            line(DONE, 1.into())
        );
        assert_eq!(find(&logs, DONE), None);
    }

    #[test]
    fn names_are_unique() {
        for (i, n) in ALL.iter().enumerate() {
            assert!(!ALL[..i].contains(n), "{n} twice");
        }
    }
}
