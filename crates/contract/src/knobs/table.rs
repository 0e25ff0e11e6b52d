//! The knob table: one row per knob (see the module above for what a row generates).
//! A new knob is one row here plus its behaviour in the reference.

use super::{knob_table, typed, Knob, KnobError, KnobKind::*, Values::*};
use crate::IutRole::*;
use std::net::Ipv6Addr;

knob_table! {
    /// Service label of the SRV QNAME (conforming: `_mip6`).
    srv_service: String {
        name: "mn.srv_service", roles: &[Mn],
        values: Text, default: "_mip6",
        kind: Mutant { value: "_mip4", breaks: &["RFC5026-5.1.2-MN-MUST-3"] },
        text: "SRV QNAME service label",
    },
    /// Protocol label of the SRV QNAME (conforming: `_ipv6`).
    srv_proto: String {
        name: "mn.srv_proto", roles: &[Mn],
        values: Text, default: "_ipv6",
        kind: Mutant { value: "_udp", breaks: &["RFC5026-5.1.2-MN-MUST-3"] },
        text: "SRV QNAME protocol label",
    },
    /// QTYPE used for lookup by name (conforming: `AAAA`).
    name_qtype: String {
        name: "mn.name_qtype", roles: &[Mn],
        values: RecordType, default: "AAAA",
        kind: Mutant { value: "A", breaks: &["RFC5026-5.1.1-MN-MUST-2"] },
        text: "QTYPE of the lookup by HA name",
    },
    /// `fqdn` (conforming), `ipv6` (IDi = the care-of address) or `hoa` (stimulus: IDi = the home
    /// address of `mn.request_hoa`, RFC 4877 §7.3).
    idi_type: String {
        name: "mn.idi_type", roles: &[Mn],
        values: OneOf(&["fqdn", "ipv6", "hoa"]), default: "fqdn",
        kind: Mutant { value: "ipv6", breaks: &["RFC5026-9.5-MN-MUST-1"] },
        text: "IDi is the MN's FQDN",
    },
    /// The FQDN in the DNS Update option (conforming: empty = own IDi).
    dns_fqdn: String {
        name: "mn.dns_fqdn", roles: &[Mn],
        values: Text, default: "",
        kind: Mutant { value: "other.example.com", breaks: &["RFC5026-9.5-MN-MUST-2"] },
        text: "the DNS Update FQDN equals IDi",
    },
    /// Status of the DNS Update option in BUs (conforming: 0).
    dns_bu_status: u8 {
        name: "mn.dns_bu_status", roles: &[Mn],
        values: Int { min: 0, max: 255 }, default: "0",
        kind: Mutant { value: "7", breaks: &["RFC5026-8.1-MN-MUST-1"] },
        text: "DNS Update Status 0 in a BU",
    },
    /// Send BUs without the Home Address option.
    no_hao: bool {
        name: "mn.no_hao", roles: &[Mn],
        values: Flag, default: "false",
        kind: Mutant { value: "true", breaks: &["RFC4877-4.2-MN-MUST-1"] },
        text: "Home Address option in BUs",
    },
    /// With an auto-configured HoA, send the BU on the IKE_AUTH Child SA instead of creating one
    /// for the new HoA.
    skip_create_child_sa: bool {
        name: "mn.skip_create_child_sa", roles: &[Mn],
        values: Flag, default: "false",
        kind: Mutant { value: "true", breaks: &["RFC5026-5.3.2-MN-MUST-5"] },
        text: "CREATE_CHILD_SA for the auto-configured HoA",
    },
    /// Keep the HoA after BA status 134.
    ignore_status_134: bool {
        name: "mn.ignore_status_134", roles: &[Mn],
        values: Flag, default: "false",
        kind: Mutant { value: "true", breaks: &["RFC5026-5.3.2-MN-MUST-8"] },
        text: "stop using the HoA after BA status 134",
    },
    /// Stay with the first HA when it does not answer.
    no_failover: bool {
        name: "mn.no_failover", roles: &[Mn],
        values: Flag, default: "false",
        kind: Mutant { value: "true", breaks: &["RFC5026-5.1.2-MN-SHOULD-1"] },
        text: "try the next HA when one does not answer",
    },
    /// Give up after one pass over the HA list.
    no_retry: bool {
        name: "mn.no_retry", roles: &[Mn],
        values: Flag, default: "false",
        kind: Mutant { value: "true", breaks: &["RFC5026-5.1.2-MN-SHOULD-2"] },
        text: "try again after a period when no HA answers",
    },
    /// Start over even when every HA refused authentication.
    retry_after_auth_failure: bool {
        name: "mn.retry_after_auth_failure", roles: &[Mn],
        values: Flag, default: "false",
        kind: Mutant { value: "true", breaks: &["RFC5026-5.1.2-MN-MUST-2"] },
        text: "authentication failing with every HA is unrecoverable",
    },
    /// Register a self-made HoA instead of the one the HA assigned.
    ignore_assigned_hoa: bool {
        name: "mn.ignore_assigned_hoa", roles: &[Mn],
        values: Flag, default: "false",
        kind: Mutant { value: "true", breaks: &["RFC5026-5.3.2-MN-MUST-2"] },
        text: "use the address the HA sent",
    },
    /// Put the DNS Update option (R = 1) in the deregistration BU.
    dereg_dns_remove: bool {
        name: "mn.dereg_dns_remove", roles: &[Mn],
        values: Flag, default: "true",
        kind: Mutant { value: "false", breaks: &["RFC5026-6-MN-MUST-1"] },
        text: "DNS Update with R set to remove the entry",
    },
    /// With a pre-configured prefix, propose a HoA in the CFG_REQUEST.
    propose_hoa: bool {
        name: "mn.propose_hoa", roles: &[Mn],
        values: Flag, default: "true",
        kind: Mutant { value: "false", breaks: &["RFC5026-5.3.2-MN-MUST-1"] },
        text: "propose a HoA from the pre-configured prefix",
    },
    /// Child SA selectors for all protocols instead of MH types 5–6.
    ts_all_traffic: bool {
        name: "mn.ts_all_traffic", roles: &[Mn],
        values: Flag, default: "false",
        kind: Mutant { value: "true", breaks: &["RFC4877-4.3-ANY-SHOULD-1"] },
        text: "MH message type as IPsec selector",
    },
    /// Send the Mobile Prefix Solicitation without ESP.
    mps_in_clear: bool {
        name: "mn.mps_in_clear", roles: &[Mn],
        values: Flag, default: "false",
        // The MAY is the switch the test exercises; the MUST is the ESP protection broken.
        kind: Mutant {
            value: "true",
            breaks: &["RFC5026-5.3.2-MN-MAY-1", "RFC4877-4.3-ANY-MUST-1"],
        },
        text: "the Mobile Prefix Solicitation protected by ESP",
    },
    /// Send BUs without the Alternate Care-of Address option.
    no_alt_coa: bool {
        name: "mn.no_alt_coa", roles: &[Mn],
        values: Flag, default: "false",
        kind: Mutant { value: "true", breaks: &["RFC4877-4.3-MN-MUST-1"] },
        text: "Alternate Care-of Address option in BUs",
    },
    /// These reserved bits (0..=0x7f) set in the DNS Update option.
    dns_opt_reserved: u8 {
        name: "mn.dns_opt_reserved", roles: &[Mn],
        values: Int { min: 0, max: 127 }, default: "0",
        kind: Mutant { value: "1", breaks: &["RFC5026-8.1-ANY-MUST-3"] },
        text: "DNS Update option Reserved bits 0",
    },
    /// With nothing to propose, an INTERNAL_IP6_ADDRESS holding `::/0` instead of a zero-length
    /// one.
    cfg_request_nonempty: bool {
        name: "mn.cfg_request_nonempty", roles: &[Mn],
        values: Flag, default: "false",
        kind: Mutant { value: "true", breaks: &["RFC4877-9-MN-SHOULD-1"] },
        text: "zero-length INTERNAL_IP6_ADDRESS when nothing is proposed",
    },
    /// Try SRV targets highest priority value first.
    srv_ignore_priority: bool {
        name: "mn.srv_ignore_priority", roles: &[Mn],
        values: Flag, default: "false",
        kind: Mutant { value: "true", breaks: &["RFC2782-Priority-MN-MUST-1", "RFC5026-5.1.2-MN-MUST-1"] },
        text: "pick the HA by SRV priority and weight (RFC 2782)",
    },
    /// Give up after INTERNAL_ADDRESS_FAILURE instead of a new IKE_SA_INIT (auto-configuration or
    /// another HA).
    no_retry_after_address_failure: bool {
        name: "mn.no_retry_after_address_failure", roles: &[Mn],
        values: Flag, default: "false",
        kind: Mutant { value: "true", breaks: &["RFC4877-9-MN-SHOULD-3"] },
        text: "a new IKE_SA_INIT and IKE_AUTH after INTERNAL_ADDRESS_FAILURE",
    },
    /// Once the HA assigned another address than the proposed one, still send a BU for the
    /// proposal after registering the assigned one.
    keep_old_hoa: bool {
        name: "mn.keep_old_hoa", roles: &[Mn],
        values: Flag, default: "false",
        kind: Mutant { value: "true", breaks: &["RFC4877-9-MN-MUST-1"] },
        text: "stop using the old HoA once the HA allocated another",
    },
    /// Look up this name instead of the configured HA name (empty: the configured one).
    name_qname: String {
        name: "mn.name_qname", roles: &[Mn],
        values: Text, default: "",
        kind: Mutant { value: "ha2.example.com", breaks: &["RFC5026-5.1.1-MN-MUST-1"] },
        text: "QNAME is the HA's name",
    },
    /// Ask for this address in INTERNAL_IP6_ADDRESS (stimulus).
    request_hoa: Option<Ipv6Addr> {
        name: "mn.request_hoa", roles: &[Mn],
        values: Ipv6, default: "",
        kind: Stimulus,
        text: "request a given home address in INTERNAL_IP6_ADDRESS",
    },
    /// BU transmissions before giving up (default 3).
    bu_transmissions: u8 {
        name: "mn.bu_transmissions", roles: &[Mn],
        values: Int { min: 1, max: 255 }, default: "3",
        kind: Stimulus,
        text: "how often a BU is sent before the MN gives up",
    },
    /// Put this address in the BU's HAO instead of the SA's HoA (stimulus: one MN's SA used for
    /// another's home address).
    bu_hoa: Option<Ipv6Addr> {
        name: "mn.bu_hoa", roles: &[Mn],
        values: Ipv6, default: "",
        kind: Stimulus,
        text: "a BU for another home address on this MN's SA",
    },
    /// After the BU for `mn.bu_hoa` (answered or not), register the SA's own HoA: a control BU
    /// the HA must answer, so that silence after the forged one is seen to be a refusal.
    bu_hoa_control: bool {
        name: "mn.bu_hoa_control", roles: &[Mn],
        values: Flag, default: "false",
        kind: Stimulus,
        text: "a BU for the SA's own HoA after the forged one",
    },
    /// DNS Update Status in the BA after a good update.
    ha_dns_status_on_success: u8 {
        name: "ha.dns_update_status_on_success", roles: &[Ha],
        values: Int { min: 0, max: 255 }, default: "0",
        kind: Mutant { value: "128", breaks: &["RFC5026-6-HA-MUST-3"] },
        text: "BA DNS Update Status 0 after the update",
    },
    /// Update DNS for any FQDN, not only the IDi.
    ha_skip_fqdn_authorization: bool {
        name: "ha.skip_fqdn_authorization", roles: &[Ha],
        values: Flag, default: "false",
        kind: Mutant { value: "true", breaks: &["RFC5026-9.5-ANY-MUST-1"] },
        text: "FQDN authorization before the update",
    },
    /// Leave the PTR entry alone.
    ha_skip_reverse_update: bool {
        name: "ha.skip_reverse_update", roles: &[Ha],
        values: Flag, default: "false",
        kind: Mutant { value: "true", breaks: &["RFC5026-6-HA-MUST-6"] },
        text: "the HA updates the reverse (PTR) entry",
    },
    /// Answer R = 1 without removing the entry.
    ha_keep_dns_on_dereg: bool {
        name: "ha.keep_dns_on_dereg", roles: &[Ha],
        values: Flag, default: "false",
        kind: Mutant { value: "true", breaks: &["RFC5026-6-HA-MUST-7"] },
        text: "R = 1 removes the DNS entry",
    },
    /// Send BAs without the type 2 routing header.
    ha_no_rh2: bool {
        name: "ha.no_rh2", roles: &[Ha],
        values: Flag, default: "false",
        kind: Mutant { value: "true", breaks: &["RFC4877-4.2-HA-MUST-3"] },
        text: "type 2 routing header in BAs",
    },
    /// Answer MIP6_HOME_PREFIX without the prefix attribute.
    ha_no_home_prefix: bool {
        name: "ha.no_home_prefix", roles: &[Ha],
        values: Flag, default: "false",
        kind: Mutant { value: "true", breaks: &["RFC5026-5.3.2-HA-MUST-3"] },
        text: "prefix information in the CFG_REPLY",
    },
    /// Accept an auto-configured HoA without probing the home link (so a defended HoA is
    /// bound too: without DAD no failure can reject the BU).
    ha_no_proxy_dad: bool {
        name: "ha.no_proxy_dad", roles: &[Ha],
        values: Flag, default: "false",
        kind: Mutant {
            value: "true",
            breaks: &["RFC5026-5.3.2-HA-MUST-6", "RFC5026-5.3.2-HA-MUST-7"],
        },
        text: "proxy DAD for the auto-configured HoA, and rejecting the BU when it fails",
    },
    /// Report proxy DAD failure (134) for the first auto-configured HoA (stimulus for an MN under
    /// test).
    ha_dad_fail_first: bool {
        name: "ha.dad_fail_first", roles: &[Ha],
        values: Flag, default: "false",
        kind: Stimulus,
        text: "BA status 134 for the first auto-configured HoA",
    },
    /// Skip the HoA-to-identity authorization (RFC 5026 §9.2).
    ha_accept_any_hoa: bool {
        name: "ha.accept_any_hoa", roles: &[Ha],
        values: Flag, default: "false",
        kind: Mutant { value: "true", breaks: &["RFC5026-9.2-HA-MUST-11"] },
        text: "no other MN's address",
    },
    /// Answer no IKEv2 at all (stimulus: an HA that is down).
    ha_silent: bool {
        name: "ha.silent", roles: &[Ha],
        values: Flag, default: "false",
        kind: Stimulus,
        text: "the HA answers no IKEv2 (it is down)",
    },
    /// Grant a requested home address that another identity holds (by IKE SA or binding).
    ha_fcfs_ignore_used: bool {
        name: "ha.fcfs_ignore_used", roles: &[Ha],
        values: Flag, default: "false",
        kind: Mutant { value: "true", breaks: &["RFC5026-9.2-HA-MUST-8"] },
        text: "no address used by another MN (FCFS)",
    },
    /// Out of addresses, answer a CFG_REPLY without one instead of INTERNAL_ADDRESS_FAILURE.
    ha_no_address_failure_notify: bool {
        name: "ha.no_address_failure_notify", roles: &[Ha],
        values: Flag, default: "false",
        kind: Mutant { value: "true", breaks: &["RFC4877-9-HA-MUST-1"] },
        text: "INTERNAL_ADDRESS_FAILURE when no address is left",
    },
    /// Wait this long before starting (stimulus: a second MN that acts while the first is
    /// registered).
    start_delay_ms: u32 {
        name: "mn.start_delay_ms", roles: &[Mn],
        values: Int { min: 0, max: 60_000 }, default: "0",
        kind: Stimulus,
        text: "start this many milliseconds late (a second MN)",
    },
    /// Leave once IKE_AUTH gave a home address, without a BU (stimulus: a second IKE SA of an
    /// identity that holds a binding).
    stop_after_ike: bool {
        name: "mn.stop_after_ike", roles: &[Mn],
        values: Flag, default: "false",
        kind: Stimulus,
        text: "leave after IKE_AUTH, without a BU",
    },
    /// Accept a BU for any HoA on any MN's SA.
    ha_skip_sa_hoa_check: bool {
        name: "ha.skip_sa_hoa_check", roles: &[Ha],
        values: Flag, default: "false",
        kind: Mutant { value: "true", breaks: &["RFC4877-4.2-HA-MUST-1"] },
        text: "one MN's SA cannot bind another home address",
    },
    /// No home address or prefix to give (stimulus: INTERNAL_ADDRESS_FAILURE).
    ha_no_address: bool {
        name: "ha.no_address", roles: &[Ha],
        values: Flag, default: "false",
        kind: Stimulus,
        text: "no home address or prefix to give (INTERNAL_ADDRESS_FAILURE)",
    },
    /// The HA bootstraps no home address: as `ha.no_address`, judged as the mutant of RFC 6611
    /// §4.4 (an MN that came through the integrated flow gets no HoA by RFC 5026).
    ha_no_home_address: bool {
        name: "ha.no_home_address", roles: &[Ha],
        values: Flag, default: "false",
        kind: Mutant { value: "true", breaks: &["RFC6611-4.4-ANY-MUST-1"] },
        text: "a home address or prefix for the MN in IKE_AUTH (RFC 5026 §5.3)",
    },
    /// Set the reserved bit of the CFG_REQUEST attributes (stimulus).
    cp_reserved_bit: bool {
        name: "mn.cp_reserved_bit", roles: &[Mn],
        values: Flag, default: "false",
        kind: Stimulus,
        text: "the reserved bit set on the CFG_REQUEST attributes",
    },
    /// Leave without deregistering (stimulus: a binding that expires).
    skip_dereg: bool {
        name: "mn.skip_dereg", roles: &[Mn],
        values: Flag, default: "false",
        kind: Stimulus,
        text: "leave without deregistering (a binding that expires)",
    },
    /// Requested BU lifetime in 4-s units (stimulus; default 150).
    lifetime_units: u16 {
        name: "mn.lifetime_units", roles: &[Mn],
        values: Int { min: 1, max: 65535 }, default: "150",
        kind: Stimulus,
        text: "the BU lifetime asked for, in 4-s units",
    },
    /// Add a mobility option of this (unassigned) type to BUs (stimulus: RFC 6275 §6.1.7, the HA
    /// skips options it does not understand).
    bu_unknown_option: Option<u8> {
        name: "mn.bu_unknown_option", roles: &[Mn],
        values: UnknownMhOption, default: "",
        kind: Stimulus,
        text: "BUs carry a mobility option of this unassigned type",
    },
    /// The same in BAs (stimulus for an MN under test, §6.1.8).
    ha_ba_unknown_option: Option<u8> {
        name: "ha.ba_unknown_option", roles: &[Ha],
        values: UnknownMhOption, default: "",
        kind: Stimulus,
        text: "BAs carry a mobility option of this unassigned type",
    },
    /// Discard a BU that carries an option it does not know (RFC 6275 §6.1.7, imported by
    /// RFC 5026 §8.1).
    ha_reject_unknown_option: bool {
        name: "ha.reject_unknown_option", roles: &[Ha],
        values: Flag, default: "false",
        kind: Mutant { value: "true", breaks: &["RFC6275-6.1.7-HA-MUST-1"] },
        text: "skip mobility options not understood in a BU",
    },
    /// Discard a BA that carries an option it does not know.
    reject_unknown_option: bool {
        name: "mn.reject_unknown_option", roles: &[Mn],
        values: Flag, default: "false",
        kind: Mutant { value: "true", breaks: &["RFC6275-6.1.8-MN-MUST-1"] },
        text: "skip mobility options not understood in a BA",
    },
    /// Never demand a COOKIE, however many IKE SAs are half open (the reference demands one
    /// past 4 half-open SAs).
    ha_no_cookies: bool {
        name: "ha.no_cookies", roles: &[Ha],
        values: Flag, default: "false",
        kind: Mutant { value: "true", breaks: &["RFC5026-9.1-HA-SHOULD-1"] },
        text: "COOKIE exchanges foil an IKE_SA_INIT flood",
    },
    /// Accept a certificate that does not name the peer's IDi.
    ha_skip_cert_id_binding: bool {
        name: "ha.skip_cert_id_binding", roles: &[Ha],
        values: Flag, default: "false",
        kind: Mutant { value: "true", breaks: &["RFC4877-7.3-HA-MUST-1"] },
        text: "an address in IDi must be an iPAddress of the certificate",
    },
    /// Before its own exchange, send this many IKE_SA_INIT requests that it never completes
    /// (stimulus: a moderate DoS on the HA, RFC 5026 §9.1).
    init_flood: u16 {
        name: "mn.init_flood", roles: &[Mn],
        values: Int { min: 0, max: 1000 }, default: "0",
        kind: Stimulus,
        text: "IKE_SA_INIT requests left half open before the MN's own exchange",
    },
    /// With `MIP6LAB_DNS_FORWARD=aaa`, send the AAA server the FQDN without the HoA (no Framed-
    /// IPv6-Address).
    ha_aaa_omit_hoa: bool {
        name: "ha.aaa_omit_hoa", roles: &[Ha],
        values: Flag, default: "false",
        kind: Mutant { value: "true", breaks: &["RFC5026-6-HA-MUST-5"] },
        text: "the FQDN-HoA pair in the AAA request (delegated DNS update)",
    },
    // RFC 6611, integrated scenario: the NAS/relay (engines `access`, `dhcpv6::relay`) and the
    // integrated MN's DHCPv6 client (`dhcpv6::client`). Their tests live in the integrated
    // suite; `mip6lab mutants` runs each knob in the suite whose catalog holds what it breaks.
    /// 802.1X: send EAP-Success as soon as the supplicant's identity arrives, before the AAA
    /// server answered (the relay goes on; only an Access-Accept authorizes).
    nas_success_before_accept: bool {
        name: "nas.success_before_accept", roles: &[NasRelay],
        values: Flag, default: "false",
        kind: Mutant { value: "true", breaks: &["RFC6611-4.2.1-NAS-MUST-1"] },
        text: "EAP-Success only once the AAA server accepted the MN",
    },
    /// Ignore the home-agent attributes of the Access-Accept: nothing for the RSOO.
    nas_drop_assignment: bool {
        name: "nas.drop_assignment", roles: &[NasRelay],
        values: Flag, default: "false",
        kind: Mutant { value: "true", breaks: &["RFC6611-4.2.1-NAS-MUST-3"] },
        text: "the AAA-assigned HA in an RSOO IDINF",
    },
    /// Keep inserting the RSOO after the held information expired.
    nas_rsoo_after_expiry: bool {
        name: "nas.rsoo_after_expiry", roles: &[NasRelay],
        values: Flag, default: "false",
        kind: Mutant { value: "true", breaks: &["RFC6611-4.2.1-NAS-MUST-NOT-1"] },
        text: "no RSOO once the HA information is no longer held",
    },
    /// Change the Relay-reply's message before handing it to the client.
    nas_modify_relay_reply: bool {
        name: "nas.modify_relay_reply", roles: &[NasRelay],
        values: Flag, default: "false",
        kind: Mutant {
            value: "true",
            breaks: &[
                "RFC6422-5-NAS-MUST-NOT-1",
                "RFC6611-4.2.1-NAS-MUST-4",
                "RFC6611-4.2.2-NAS-MUST-4",
            ],
        },
        text: "the Relay-reply's message reaches the client unchanged",
    },
    /// Leave the client's HNIDF out of the IDINF in the RSOO.
    nas_omit_hnidf_in_idinf: bool {
        name: "nas.omit_hnidf_in_idinf", roles: &[NasRelay],
        values: Flag, default: "false",
        kind: Mutant { value: "true", breaks: &["RFC6610-4.2-NAS-MUST-3"] },
        text: "the relay's IDINF carries the client's HNIDF",
    },
    /// Integrated MN: no OPTION_CLIENTID in the Information-request.
    mn_dhcp_omit_client_id: bool {
        name: "mn.dhcp_omit_client_id", roles: &[Mn],
        values: Flag, default: "false",
        kind: Mutant {
            value: "true",
            breaks: &["RFC6611-4.2.1-MN-SHALL-3", "RFC6611-4.2.2-MN-SHALL-2"],
        },
        text: "CLIENTID in the Information-request",
    },
    /// Integrated MN: ask for IDINF without sending an HNIDF.
    mn_dhcp_omit_hnidf: bool {
        name: "mn.dhcp_omit_hnidf", roles: &[Mn],
        values: Flag, default: "false",
        kind: Mutant {
            value: "true",
            breaks: &["RFC6610-4.1.1-MN-MUST-3", "RFC6611-4.2.1-MN-SHALL-2"],
        },
        text: "an HNIDF with a request for IDINF",
    },
    /// Integrated MN: list only the containers in the ORO (not 49, 71, 72, 73).
    mn_dhcp_oro_containers_only: bool {
        name: "mn.dhcp_oro_containers_only", roles: &[Mn],
        values: Flag, default: "false",
        kind: Mutant {
            value: "true",
            breaks: &["RFC6610-4.1.1-MN-MUST-2", "RFC6610-4.1.1-MN-MUST-4"],
        },
        text: "49, 71, 72 and 73 in the ORO with the containers",
    },
    /// Integrated MN: keep an IDINF whose HNIDF it did not send.
    mn_dhcp_keep_unmatched_idinf: bool {
        name: "mn.dhcp_keep_unmatched_idinf", roles: &[Mn],
        values: Flag, default: "false",
        kind: Mutant { value: "true", breaks: &["RFC6610-4.1.2-MN-MUST-1"] },
        text: "an IDINF without a matching HNIDF is discarded",
    },
    /// Integrated MN: take an HAA found outside any container as a home agent.
    mn_dhcp_use_stray_haa: bool {
        name: "mn.dhcp_use_stray_haa", roles: &[Mn],
        values: Flag, default: "false",
        kind: Mutant { value: "true", breaks: &["RFC6610-4.1.2-MN-MUST-4"] },
        text: "49, 71, 72, 73 outside a container are discarded",
    },
    /// NAS: supply the held network's HA under every HNIDF the client names, matching none.
    nas_idinf_for_unrequested_network: bool {
        name: "nas.idinf_for_unrequested_network", roles: &[NasRelay],
        values: Flag, default: "false",
        kind: Mutant { value: "true", breaks: &["RFC6610-4.2-NAS-MUST-2"] },
        text: "the relay's IDINFs only for the named networks it holds information for",
    },
    /// Integrated MN without a home network preference: ask for VDINF, not UDINF.
    mn_dhcp_no_preference_as_visited: bool {
        name: "mn.dhcp_no_preference_as_visited", roles: &[Mn],
        values: Flag, default: "false",
        kind: Mutant {
            value: "true",
            breaks: &["RFC6610-4.1.1-MN-SHOULD-1", "RFC6610-4.1.1-MN-SHOULD-NOT-1"],
        },
        text: "with no home network preference the MN asks for UDINF only",
    },
    /// Integrated MN: discard every container of a Reply holding more than one kind.
    mn_dhcp_single_container_kind: bool {
        name: "mn.dhcp_single_container_kind", roles: &[Mn],
        values: Flag, default: "false",
        kind: Mutant { value: "true", breaks: &["RFC6610-4.1.2-MN-SHOULD-1"] },
        text: "any container the MN requested is taken, whatever else the Reply holds",
    },
    /// Integrated MN: take a container naming no home agent as the answer, so no DNS
    /// fallback follows.
    mn_dhcp_keep_incomplete: bool {
        name: "mn.dhcp_keep_incomplete", roles: &[Mn],
        values: Flag, default: "false",
        kind: Mutant { value: "true", breaks: &["RFC6610-4.1.2-MN-MUST-3"] },
        text: "a container without complete information is discarded as if it had not come",
    },
    /// NAS: the RSOO blocking switch, when set, has no effect.
    nas_rsoo_block_ignored: bool {
        name: "nas.rsoo_block_ignored", roles: &[NasRelay],
        values: Flag, default: "false",
        kind: Mutant {
            value: "true",
            breaks: &["RFC6422-5-NAS-MUST-2", "RFC6422-5-NAS-MUST-3"],
        },
        text: "with the blocking switch set, a Relay-forward carrying an RSOO is discarded",
    },
    /// NAS: the blocking switch looks at the outer encapsulation only.
    nas_rsoo_block_outer_only: bool {
        name: "nas.rsoo_block_outer_only", roles: &[NasRelay],
        values: Flag, default: "false",
        kind: Mutant { value: "true", breaks: &["RFC6422-5-NAS-MUST-3"] },
        text: "the blocking switch examines every Relay-forward encapsulation",
    },
    /// NAS: each IDINF of the RSOO holds its HNIDF and nothing else.
    nas_empty_idinf: bool {
        name: "nas.empty_idinf", roles: &[NasRelay],
        values: Flag, default: "false",
        kind: Mutant { value: "true", breaks: &["RFC6610-3.2.2-ANY-MUST-1"] },
        text: "an IDINF holds the home network's information",
    },
    /// Integrated MN: each HNIDF as dotted text, not DNS wire format.
    mn_dhcp_hnidf_as_text: bool {
        name: "mn.dhcp_hnidf_as_text", roles: &[Mn],
        values: Flag, default: "false",
        kind: Mutant { value: "true", breaks: &["RFC6610-3.1-ANY-MUST-1"] },
        text: "the HNIDF's FQDN in DNS wire format (RFC 3315 §8)",
    },
    /// Integrated MN: take no home agent given as an HAF.
    mn_dhcp_ignore_haf: bool {
        name: "mn.dhcp_ignore_haf", roles: &[Mn],
        values: Flag, default: "false",
        kind: Mutant {
            value: "true",
            breaks: &["RFC6610-4.1.2-MN-MUST-2", "RFC6610-3.5-MN-MUST-1"],
        },
        text: "a home agent given as an HAF is looked up and used",
    },
    /// NAS: an IPv4 home agent as an IPv4-mapped address (::ffff:a.b.c.d) in the HAA.
    nas_ipv4_ha_mapped: bool {
        name: "nas.ipv4_ha_mapped", roles: &[NasRelay],
        values: Flag, default: "false",
        kind: Mutant { value: "true", breaks: &["RFC6610-3.4-ANY-MUST-1"] },
        text: "an IPv4 home agent as an IPv4-embedded address under 64:ff9b::/96",
    },
    /// NAS: the AAA's HA also as a bare HAA (72) inside the RSOO.
    nas_rsoo_bare_haa: bool {
        name: "nas.rsoo_bare_haa", roles: &[NasRelay],
        values: Flag, default: "false",
        kind: Mutant { value: "true", breaks: &["RFC6422-5-NAS-MUST-NOT-2"] },
        text: "only RSOO-enabled options inside the RSOO",
    },
    /// Integrated MN: take an IPv4-embedded HAA (64:ff9b::/96) as usable over IPv6.
    mn_dhcp_ipv4_embedded_over_ipv6: bool {
        name: "mn.dhcp_ipv4_embedded_over_ipv6", roles: &[Mn],
        values: Flag, default: "false",
        kind: Mutant {
            value: "true",
            breaks: &["RFC6610-4.1.2-MN-MAY-1", "RFC6610-4.1.2-MN-SHOULD-3"],
        },
        text: "an IPv4-embedded HAA is used over IPv4 only; the first usable candidate is taken",
    },
    // RFC 6611 §4.2.1 (4) / §4.2.2 (4), RFC 6610 §4.3, RFC 6422 §6: the reference DHCPv6
    // server (engines `dhcpv6::server`), judged by the integrated suite's server tests over
    // the relay stimulus's shapes (`msp` 1 … `no-rsoo` 8).
    /// Never look into an RSOO (shape 1 gets no IDINF).
    dhcp_ignore_rsoo: bool {
        name: "dhcp-server.ignore_rsoo", roles: &[DhcpServer],
        values: Flag, default: "false",
        kind: Mutant {
            value: "true",
            breaks: &["RFC6611-4.2.1-DHCP-MUST-3", "RFC6611-4.2.1-DHCP-MUST-4"],
        },
        text: "the AAA-assigned HA from the RSOO in the IDINF",
    },
    /// Send every IDINF without its HNIDF (shapes 1 and 7).
    dhcp_idinf_without_hnidf: bool {
        name: "dhcp-server.idinf_without_hnidf", roles: &[DhcpServer],
        values: Flag, default: "false",
        kind: Mutant {
            value: "true",
            breaks: &["RFC6610-3.1-DHCP-MUST-1", "RFC6610-4.3-DHCP-MUST-1"],
        },
        text: "the HNIDF of its home network inside each IDINF",
    },
    /// ASP case: the VDINF names the first HAA of the RSOO instead of the configured HA
    /// (shape 2: VDINF with the decoy).
    dhcp_vdinf_from_rsoo: bool {
        name: "dhcp-server.vdinf_from_rsoo", roles: &[DhcpServer],
        values: Flag, default: "false",
        kind: Mutant { value: "true", breaks: &["RFC6611-4.2.2-DHCP-MUST-NOT-1"] },
        text: "the ASP case ignores the RSOO's information",
    },
    /// Never send the configured VDINF (shape 2 gets none).
    dhcp_no_vdinf: bool {
        name: "dhcp-server.no_vdinf", roles: &[DhcpServer],
        values: Flag, default: "false",
        kind: Mutant { value: "true", breaks: &["RFC6611-4.2.2-DHCP-MUST-3"] },
        text: "the configured HA in a VDINF in the ASP case",
    },
    /// Take every option in an RSOO as RSOO-enabled (shape 3 passes option 24 on).
    dhcp_keep_non_rsoo_enabled: bool {
        name: "dhcp-server.keep_non_rsoo_enabled", roles: &[DhcpServer],
        values: Flag, default: "false",
        kind: Mutant {
            value: "true",
            breaks: &["RFC6422-6-DHCP-MUST-1", "RFC6422-6-DHCP-MUST-2"],
        },
        text: "options in an RSOO that are not RSOO-enabled are discarded",
    },
    /// Nested RSOOs: take the outermost relay's value (shape 4: IDINF with the decoy).
    dhcp_outermost_rsoo: bool {
        name: "dhcp-server.outermost_rsoo", roles: &[DhcpServer],
        values: Flag, default: "false",
        kind: Mutant { value: "true", breaks: &["RFC6422-6-DHCP-MUST-4"] },
        text: "the innermost of conflicting RSOO values",
    },
    /// Nested RSOOs: send every relay's value (shape 4: two IDINFs).
    dhcp_every_rsoo_value: bool {
        name: "dhcp-server.every_rsoo_value", roles: &[DhcpServer],
        values: Flag, default: "false",
        kind: Mutant {
            value: "true",
            breaks: &["RFC6422-6-DHCP-MUST-3", "RFC6422-6-DHCP-MUST-NOT-1"],
        },
        text: "at most one of conflicting RSOO values",
    },
    /// An RSOO option replaces the server's own candidate, the ASP case included (shape 5:
    /// VDINF with the decoy).
    dhcp_rsoo_over_own_candidate: bool {
        name: "dhcp-server.rsoo_over_own_candidate", roles: &[DhcpServer],
        values: Flag, default: "false",
        kind: Mutant {
            value: "true",
            breaks: &["RFC6422-6-DHCP-SHOULD-3", "RFC6611-4.2.2-DHCP-MUST-NOT-1"],
        },
        text: "an RSOO option the server has its own candidate for is discarded",
    },
    /// Send the IDINF of every table entry, asked for or not (shapes 1, 6, 8: IDINF for
    /// example.net).
    dhcp_idinf_for_every_table_entry: bool {
        name: "dhcp-server.idinf_for_every_table_entry", roles: &[DhcpServer],
        values: Flag, default: "false",
        // When the named network is unknown (shape 6), the table's other entries go out
        // instead of RFC 6610's "leave out what it does not have" (RFC 6611 §4.2.1 (4)).
        kind: Mutant {
            value: "true",
            breaks: &["RFC6610-4.3-DHCP-SHOULD-2", "RFC6611-4.2.1-DHCP-MUST-5"],
        },
        text: "an IDINF only for each HNIDF of the request that matches the table",
    },
    /// A CLIENTID not the client's in the Reply (every shape).
    dhcp_wrong_client_id: bool {
        name: "dhcp-server.wrong_client_id", roles: &[DhcpServer],
        values: Flag, default: "false",
        kind: Mutant {
            value: "true",
            breaks: &["RFC6611-4.2.1-DHCP-MUST-1", "RFC6611-4.2.2-DHCP-MUST-1"],
        },
        text: "the Reply echoes the client's CLIENTID",
    },
    /// Every container without its information (IDINF: its HNIDF only; VDINF empty).
    dhcp_empty_containers: bool {
        name: "dhcp-server.empty_containers", roles: &[DhcpServer],
        values: Flag, default: "false",
        kind: Mutant {
            value: "true",
            breaks: &[
                "RFC6610-3.2.1-ANY-MUST-1",
                "RFC6610-3.2.2-ANY-MUST-1",
                "RFC6610-3.2.3-ANY-MUST-1",
            ],
        },
        text: "each container holds its network's information",
    },
    /// Each container's HAAs also at the Reply's top level.
    dhcp_bare_haa_too: bool {
        name: "dhcp-server.bare_haa_too", roles: &[DhcpServer],
        values: Flag, default: "false",
        kind: Mutant { value: "true", breaks: &["RFC6610-3.4-ANY-SHOULD-1"] },
        text: "HAA only inside a Home Network Information option",
    },
    /// Each container's HAFs also at the Reply's top level.
    dhcp_bare_haf_too: bool {
        name: "dhcp-server.bare_haf_too", roles: &[DhcpServer],
        values: Flag, default: "false",
        kind: Mutant { value: "true", breaks: &["RFC6610-3.5-ANY-SHOULD-1"] },
        text: "HAF only inside a Home Network Information option",
    },
    /// Every HAF's name as dotted text.
    dhcp_haf_as_text: bool {
        name: "dhcp-server.haf_as_text", roles: &[DhcpServer],
        values: Flag, default: "false",
        kind: Mutant { value: "true", breaks: &["RFC6610-3.5-ANY-MUST-1"] },
        text: "the HAF's name in DNS wire format (RFC 3315 §8)",
    },
    // RFC 6611 step (1): the home AAA server (AAAH, engines `aaa::server`), under test in the
    // integrated suite's aaa_server module.
    /// AAAH: an Access-Accept without the HA assignment, even for a subscriber allowed Mobile
    /// IPv6.
    aaa_no_ha_assignment: bool {
        name: "aaa.no_ha_assignment", roles: &[Aaa],
        values: Flag, default: "false",
        kind: Mutant {
            value: "true",
            breaks: &[
                "RFC6611-4.2.1-AAA-MUST-1",
                "RFC6611-4.2.1-AAA-MUST-3",
                "RFC6611-4.2.2-AAA-MUST-2",
                "RFC6611-3-AAA-SHALL-1",
            ],
        },
        text: "the HA assignment in the Access-Accept of an MN allowed Mobile IPv6",
    },
    /// AAAH: assign a home agent to every subscriber, whether its profile allows Mobile IPv6
    /// or not.
    aaa_ignore_mip6_authorization: bool {
        name: "aaa.ignore_mip6_authorization", roles: &[Aaa],
        values: Flag, default: "false",
        kind: Mutant {
            value: "true",
            breaks: &["RFC6611-4.2.1-AAA-MUST-2", "RFC6611-4.2.2-AAA-MUST-1"],
        },
        text: "no HA assignment for a subscriber not allowed Mobile IPv6",
    },
    // RFC 5555 (DSMIPv6) in the binding engines (`engines::binding::dsmip`, `mn`), catalog
    // fixtures/requirements/rfc5555.toml. The HA's are read by the reference HA when
    // `MIP6LAB_HA_IPV4_HOA_POOL` is set; the MN's by the dual-stack MN's BU.
    /// Leave the IPv4 Address Acknowledgement out of a BA to a BU that asked for an IPv4 HoA.
    ha_ipv4_ack_missing: bool {
        name: "ha.ipv4_ack_missing", roles: &[Ha],
        values: Flag, default: "false",
        kind: Mutant {
            value: "true",
            breaks: &["RFC5555-2.3.1-HA-MUST-2", "RFC5555-4.5-HA-MUST-11"],
        },
        text: "an IPv4 Address Acknowledgement in the BA when the BU carried an IPv4 Home Address option",
    },
    /// Grant a requested IPv4 HoA that another MN's binding holds.
    ha_ipv4_hoa_in_use_granted: bool {
        name: "ha.ipv4_hoa_in_use_granted", roles: &[Ha],
        values: Flag, default: "false",
        kind: Mutant { value: "true", breaks: &["RFC5555-4.5-HA-MUST-7"] },
        text: "a requested IPv4 HoA only if it is allocated to this MN (not another's)",
    },
    /// IPv4 Address Acknowledgement status when no dynamic IPv4 HoA is left (conforming 132).
    ha_ipv4_exhausted_status: u8 {
        name: "ha.ipv4_exhausted_status", roles: &[Ha],
        values: Int { min: 0, max: 255 }, default: "132",
        kind: Mutant { value: "128", breaks: &["RFC5555-4.5-HA-MUST-9"] },
        text: "status 132 when no dynamic IPv4 HoA is available",
    },
    /// Leave the NAT Detection option out of a BA to a BU that came in UDP.
    ha_no_nat_detection: bool {
        name: "ha.no_nat_detection", roles: &[Ha],
        values: Flag, default: "false",
        kind: Mutant {
            value: "true",
            breaks: &["RFC5555-3.2.2-HA-MUST-1", "RFC5555-4.2-HA-MUST-2"],
        },
        text: "a NAT Detection option in the BA to a UDP-encapsulated BU",
    },
    /// Keep sending the IPv4 Home Address option to an HA whose BA did not acknowledge it.
    mn_ipv4_hoa_after_no_ack: bool {
        name: "mn.ipv4_hoa_after_no_ack", roles: &[Mn],
        values: Flag, default: "false",
        kind: Mutant { value: "true", breaks: &["RFC5555-2.3.1-MN-SHOULD-NOT-1"] },
        text: "no IPv4 Home Address option to an HA that did not acknowledge one",
    },
    // The dual-stack MN's Mobile IPv4 client (engines `mip4::mn`, draft-qin-mip6-
    // dsbootstrapping §4.1; catalogs dsbootstrap.toml and rfc5944.toml, the latter with the
    // imported RFC 2794/3024/3957 statements).
    /// Register directly although an Agent Advertisement with R came (co-located CoA).
    mn_mip4_ignore_r_bit: bool {
        name: "mn.mip4_ignore_r_bit", roles: &[Mn],
        values: Flag, default: "false",
        kind: Mutant {
            value: "true",
            breaks: &[
                "RFC5944-2.4.1-MN-SHOULD-1", "RFC5944-3.1-MN-SHOULD-1", "DSB-4-MN-MUST-5",
                "DSB-4.1.2-MN-MUST-1",
            ],
        },
        text: "a co-located MN registers through the FA that advertises R",
    },
    /// No NAI extension in a Request with Home Address 0.0.0.0.
    mn_mip4_no_nai: bool {
        name: "mn.mip4_no_nai", roles: &[Mn],
        values: Flag, default: "false",
        kind: Mutant {
            value: "true",
            breaks: &["DSB-4.1.1-MN-MUST-2", "DSB-2-MN-MUST-1", "RFC5944-3.6-MN-MAY-1"],
        },
        text: "the NAI extension in a Request with Home Address 0.0.0.0",
    },
    /// The NAI extension after the authentication extensions.
    mn_mip4_nai_after_auth: bool {
        name: "mn.mip4_nai_after_auth", roles: &[Mn],
        values: Flag, default: "false",
        kind: Mutant {
            value: "true",
            breaks: &["RFC2794-2-MN-MUST-1", "RFC5944-3.6.1.3-MN-REQUIRED-1"],
        },
        text: "the NAI extension before the authentication extensions",
    },
    /// Take a Reply whatever its Identification.
    mn_mip4_skip_identification_check: bool {
        name: "mn.mip4_skip_identification_check", roles: &[Mn],
        values: Flag, default: "false",
        kind: Mutant {
            value: "true",
            breaks: &[
                "RFC5944-3.6.2.1-MN-MUST-2", "RFC5944-3.6.2.1-MN-MUST-3", "RFC5944-5.7-MN-MUST-1",
            ],
        },
        text: "a Reply whose Identification does not match the Request's is discarded",
    },
    /// Read no IPv6 item (HoA, home prefix, HA, CoA) from the Reply.
    mn_mip4_ignore_ipv6_items: bool {
        name: "mn.mip4_ignore_ipv6_items", roles: &[Mn],
        values: Flag, default: "false",
        kind: Mutant { value: "true", breaks: &["DSB-4.1.1-MN-MUST-3", "DSB-4-MN-MUST-1"] },
        text: "the Reply's IPv6 bootstrap items are used for Mobile IPv6",
    },
    /// Retransmit a Request after 200 ms, without backoff.
    mn_mip4_fast_retransmit: bool {
        name: "mn.mip4_fast_retransmit", roles: &[Mn],
        values: Flag, default: "false",
        kind: Mutant {
            value: "true",
            breaks: &[
                "RFC5944-3.6.3-MN-MUST-NOT-1", "RFC5944-3.6.3-MN-SHOULD-1",
                "RFC5944-3.6-MN-MUST-NOT-1",
            ],
        },
        text: "Request retransmissions at least 1 s apart, with backoff",
    },
    /// Reuse the previous Identification in a new Request.
    mn_mip4_reuse_identification: bool {
        name: "mn.mip4_reuse_identification", roles: &[Mn],
        values: Flag, default: "false",
        kind: Mutant {
            value: "true",
            breaks: &["RFC5944-5.7-MN-MUST-NOT-1", "RFC5944-5.7.1-MN-MUST-2"],
        },
        text: "a new Identification in each new Request",
    },
    /// Ask for its own Lifetime even when the FA advertises a shorter one.
    mn_mip4_exceed_advertised_lifetime: bool {
        name: "mn.mip4_exceed_advertised_lifetime", roles: &[Mn],
        values: Flag, default: "false",
        kind: Mutant { value: "true", breaks: &["RFC5944-3.6.1.2-MN-SHOULD-NOT-1"] },
        text: "a requested Lifetime no longer than the FA advertises",
    },
    /// No MN-HA Key Generation Nonce Request although it has no MN-HA SA.
    mn_mip4_no_keygen_request: bool {
        name: "mn.mip4_no_keygen_request", roles: &[Mn],
        values: Flag, default: "false",
        kind: Mutant { value: "true", breaks: &["RFC3957-3-MN-MUST-1", "DSB-6-MN-MAY-1"] },
        text: "an MN-HA KeyGen Nonce Request when it has no MN-HA SA",
    },
    /// Take a Reply to a KeyGen Request without checking its KeyGen Reply or MN-HA.
    mn_mip4_skip_keygen_check: bool {
        name: "mn.mip4_skip_keygen_check", roles: &[Mn],
        values: Flag, default: "false",
        kind: Mutant { value: "true", breaks: &["RFC3957-3-MN-MUST-4", "RFC3957-3-MN-MUST-5"] },
        text: "a keyed Reply without a valid KeyGen Reply and MN-HA authenticator is discarded",
    },
    /// The Lifetime the MN asks for, seconds (with `mn.mip4_exceed_advertised_lifetime`, more
    /// than an FA allows: the FA's Lifetime check is then exercised).
    mn_mip4_lifetime_s: u16 {
        name: "mn.mip4_lifetime_s", roles: &[Mn],
        values: Int { min: 1, max: 65535 }, default: "1800",
        kind: Stimulus,
        text: "the Registration Request's Lifetime",
    },
    // The dual-stack MN's DHCPv4 client (engines `dhcpv4::client`, `MIP6LAB_DS_DHCP4=yes`).
    /// Leave the Mobile IP Home Agent option (68, the FHA) out of the lease.
    mn_dhcp4_ignores_option68: bool {
        name: "mn.dhcp4_ignores_option68", roles: &[Mn],
        values: Flag, default: "false",
        kind: Mutant { value: "true", breaks: &["DSB-4-MN-MUST-6", "DSB-4.1.1-MN-MUST-1"] },
        text: "the FHA the NAS/AAA assigned (DHCPv4 option 68) is the one registered with",
    },
    /// A DHCPREQUEST without the Server Identifier.
    mn_dhcp4_no_server_id: bool {
        name: "mn.dhcp4_no_server_id", roles: &[Mn],
        values: Flag, default: "false",
        kind: Mutant { value: "true", breaks: &["RFC2131-3.1-MN-MUST-1"] },
        text: "the Server Identifier in the DHCPREQUEST after an offer",
    },
    /// Retransmit DHCPv4 at a fixed short interval.
    mn_dhcp4_no_backoff: bool {
        name: "mn.dhcp4_no_backoff", roles: &[Mn],
        values: Flag, default: "false",
        kind: Mutant {
            value: "true",
            breaks: &["RFC2131-4.1-MN-MUST-1", "RFC2131-4.1-MN-SHOULD-1", "RFC2131-4.1-MN-SHOULD-2"],
        },
        text: "DHCPv4 retransmissions with randomized exponential backoff",
    },
    // The dual-stack NAS's DHCPv4 relay (engines `dhcpv4::relay`, `MIP6LAB_DHCP4_SERVER`).
    /// Never add the RADIUS Attributes sub-option (RFC 4014) that carries the AAA's FHA.
    nas_dhcp4_no_rfc4014: bool {
        name: "nas.dhcp4_no_rfc4014", roles: &[NasRelay],
        values: Flag, default: "false",
        kind: Mutant { value: "true", breaks: &["DSB-4.1.1-NAS-SHOULD-1"] },
        text: "the AAA-assigned FHA passed to the DHCPv4 server (RFC 4014 sub-option)",
    },
    /// Stimulus for an MN under test: the Reply's Identification off by one (low-order bits).
    fha_reply_identification_mismatch: bool {
        name: "fha.reply_identification_mismatch", roles: &[Fha],
        values: Flag, default: "false", kind: Stimulus,
        text: "a Reply whose Identification does not match the Request's",
    },
    /// Stimulus for an FA under test: the Reply's Foreign-Home authenticator made with another key.
    fha_fa_ha_auth_wrong_key: bool {
        name: "fha.fa_ha_auth_wrong_key", roles: &[Fha],
        values: Flag, default: "false", kind: Stimulus,
        text: "a Reply to the FA whose FA-HA authenticator does not verify",
    },
    /// Stimulus for an MN under test: the first N Registration Requests go unanswered.
    fha_ignore_first_requests: u8 {
        name: "fha.ignore_first_requests", roles: &[Fha],
        values: Int { min: 0, max: 10 }, default: "0", kind: Stimulus,
        text: "Registration Requests left unanswered before the first Reply",
    },
    // The dual-stack foreign agent (engines `mip4::fa`, `MIP6LAB_ROLE=fa`).
    /// Advertise without F.
    fa_clear_f_bit: bool {
        name: "fa.clear_f_bit", roles: &[Fa],
        values: Flag, default: "false",
        kind: Mutant {
            value: "true",
            breaks: &["RFC5944-2.1.1-FA-MUST-2", "RFC5944-2.1.1-FA-MUST-NOT-2", "DSB-4-FA-MUST-2"],
        },
        text: "F set in its Agent Advertisements",
    },
    /// Advertise F with no care-of address.
    fa_omit_care_of_addresses: bool {
        name: "fa.omit_care_of_addresses", roles: &[Fa],
        values: Flag, default: "false",
        kind: Mutant {
            value: "true",
            breaks: &["RFC5944-2.1.1-FA-MUST-1", "RFC5944-3.7.1-FA-MUST-1"],
        },
        text: "a care-of address in each advertisement with F",
    },
    /// Start the advertisement sequence at 0xfffd (so the wrap comes within seconds) and
    /// follow 0xffff with 0.
    fa_sequence_wraps_to_zero: bool {
        name: "fa.sequence_wraps_to_zero", roles: &[Fa],
        values: Flag, default: "false",
        kind: Mutant {
            value: "true",
            breaks: &["RFC5944-2.3.2-FA-MUST-1", "RFC5944-2.3.2-FA-MUST-2"],
        },
        text: "advertisement sequence 0 after booting, 256 after 0xffff",
    },
    /// Relay without the FA-HA extension although it has an FA-HA SA.
    fa_skip_fa_ha_auth: bool {
        name: "fa.skip_fa_ha_auth", roles: &[Fa],
        values: Flag, default: "false",
        kind: Mutant {
            value: "true",
            breaks: &["RFC5944-3.7.1-FA-MUST-3", "RFC5944-3.7.2.2-FA-MUST-2"],
        },
        text: "the FA-HA extension in a Request relayed to an HA it shares an SA with",
    },
    /// Relay a Reply whose FA-HA extension is missing or wrong.
    fa_skip_fa_ha_check: bool {
        name: "fa.skip_fa_ha_check", roles: &[Fa],
        values: Flag, default: "false",
        kind: Mutant {
            value: "true",
            breaks: &[
                "RFC5944-3.7.1-FA-MUST-4", "RFC5944-3.7.3.1-FA-MUST-5", "RFC5944-3.7.3.1-FA-MUST-6",
            ],
        },
        text: "a Reply without a valid FA-HA authenticator is discarded",
    },
    /// Relay a Request whose Lifetime is above its maximum.
    fa_ignore_lifetime_limit: bool {
        name: "fa.ignore_lifetime_limit", roles: &[Fa],
        values: Flag, default: "false",
        kind: Mutant {
            value: "true",
            breaks: &["RFC5944-3.7.2.3-FA-MUST-3", "RFC5944-2.1.1-FA-MUST-4"],
        },
        text: "a Request with a Lifetime above its maximum is denied (69)",
    },
    /// Lower a too-long Lifetime in the relayed Request instead of denying it.
    fa_clamp_lifetime_in_relay: bool {
        name: "fa.clamp_lifetime_in_relay", roles: &[Fa],
        values: Flag, default: "false",
        kind: Mutant {
            value: "true",
            breaks: &[
                "RFC5944-3.7.2.2-FA-MUST-NOT-1", "RFC5944-3.7.2.3-FA-MUST-3", "DSB-4.1.2-FA-MUST-1",
            ],
        },
        text: "the relayed Request's fixed fields unchanged; a too-long Lifetime denied",
    },
    /// Relay an accepted Reply to an NAI Request unchanged when it lacks the NAI, HA or HoA.
    fa_skip_nai_reply_checks: bool {
        name: "fa.skip_nai_reply_checks", roles: &[Fa],
        values: Flag, default: "false",
        kind: Mutant { value: "true", breaks: &["RFC2794-3-FA-SHOULD-1", "RFC2794-3-FA-SHOULD-2"] },
        text: "code 97/98/99 for an accepted Reply missing the NAI, HA or home address",
    },
    /// Relay the Reply's extensions after MN-HA.
    fa_keep_uncovered_extensions: bool {
        name: "fa.keep_uncovered_extensions", roles: &[Fa],
        values: Flag, default: "false",
        kind: Mutant { value: "true", breaks: &["RFC5944-3.7.3.2-FA-MUST-2"] },
        text: "extensions MN-HA does not cover removed from a relayed Reply",
    },
    /// Deny Requests with Home Address 0.0.0.0 (96): an FA that cannot key by NAI.
    fa_nai_keying_unsupported: bool {
        name: "fa.nai_keying_unsupported", roles: &[Fa],
        values: Flag, default: "false",
        kind: Mutant {
            value: "true",
            breaks: &["DSB-4.1.2-FA-MUST-1", "DSB-4-FA-MUST-1", "RFC5944-3.7.1-FA-MUST-2"],
        },
        text: "a Request with Home Address 0.0.0.0 and an NAI relayed (dynamic THoAv4)",
    },
    /// The longest Lifetime it advertises and accepts, seconds (shorter than the MN's: the
    /// MN's Lifetime choice is exercised).
    fa_registration_lifetime_s: u16 {
        name: "fa.registration_lifetime_s", roles: &[Fa],
        values: Int { min: 1, max: 65535 }, default: "1800",
        kind: Stimulus,
        text: "the Registration Lifetime it advertises and enforces",
    },
    // The dual-stack foreign home agent (engines `mip4::fha`, `MIP6LAB_ROLE=fha`).
    /// Leave the IPv6 HoA, home prefix, IPv6 HA and IPv6 CoA out of the Reply.
    fha_no_ipv6_items_in_rrp: bool {
        name: "fha.no_ipv6_items_in_rrp", roles: &[Fha],
        values: Flag, default: "false",
        kind: Mutant {
            value: "true",
            breaks: &["DSB-4.1.1-FHA-SHOULD-1", "DSB-4.1.1-FHA-MUST-3", "DSB-4.1.2-FHA-SHOULD-1"],
        },
        text: "the IPv6 HoA, HA and CoA in the Registration Reply",
    },
    /// Accept with Home Address 0.0.0.0 (no THoAv4).
    fha_no_thoa: bool {
        name: "fha.no_thoa", roles: &[Fha],
        values: Flag, default: "false",
        kind: Mutant {
            value: "true",
            breaks: &["RFC5944-3.8.1-FHA-MUST-2", "RFC2794-3-FHA-MUST-2", "DSB-4.1.1-FHA-SHOULD-1"],
        },
        text: "the assigned THoAv4 in the accepting Reply's Home Address",
    },
    /// Leave the NAI out of the Reply.
    fha_no_nai_echo: bool {
        name: "fha.no_nai_echo", roles: &[Fha],
        values: Flag, default: "false",
        kind: Mutant { value: "true", breaks: &["RFC2794-3-FHA-MUST-1", "DSB-4.1.1-FHA-MUST-3"] },
        text: "the MN's NAI extension in the Reply",
    },
    /// Grant more Lifetime than asked.
    fha_lifetime_raised: bool {
        name: "fha.lifetime_raised", roles: &[Fha],
        values: Flag, default: "false",
        kind: Mutant {
            value: "true",
            breaks: &[
                "RFC5944-3.8.2.2-FHA-MUST-NOT-1", "RFC5944-3.4-FHA-MUST-NOT-1",
                "RFC5944-3.8.3.2-FHA-MUST-1",
            ],
        },
        text: "a granted Lifetime no longer than the requested one",
    },
    /// Accept MN-AAA without asking the AAA server.
    fha_skip_aaa_check: bool {
        name: "fha.skip_aaa_check", roles: &[Fha],
        values: Flag, default: "false",
        kind: Mutant {
            value: "true",
            breaks: &[
                "DSB-2-FHA-MUST-1", "DSB-4.1.1-FHA-MUST-2", "DSB-4.1.1-FHA-SHOULD-2",
                "RFC5944-3.8.2.1-FHA-MUST-3",
            ],
        },
        text: "the MN-AAA authenticator checked by the AAAH before accepting",
    },
    /// Answer a KeyGen Request without the MN-HA AAA KeyGen Reply.
    fha_no_keygen_reply: bool {
        name: "fha.no_keygen_reply", roles: &[Fha],
        values: Flag, default: "false",
        // §6.4's "MUST appear ... before the MN-HA Authentication extension", read as: in a
        // Reply to a KeyGen Request, it appears at all.
        kind: Mutant { value: "true", breaks: &["RFC3957-6.4-FHA-MUST-1", "DSB-6-FHA-MAY-1"] },
        text: "an MN-HA KeyGen Reply in the Reply to a KeyGen Request",
    },
    /// Sign a keyed Reply's MN-HA with a key other than the derived one.
    fha_mn_ha_auth_wrong_key: bool {
        name: "fha.mn_ha_auth_wrong_key", roles: &[Fha],
        values: Flag, default: "false",
        kind: Mutant { value: "true", breaks: &["RFC3957-3-FHA-MUST-1", "DSB-6-FHA-MAY-1"] },
        text: "a keyed Reply's MN-HA authenticator made with the generated key",
    },
    /// Put the MN-HA KeyGen Reply after the MN-HA extension.
    fha_keygen_after_mn_ha: bool {
        name: "fha.keygen_after_mn_ha", roles: &[Fha],
        values: Flag, default: "false",
        kind: Mutant {
            value: "true",
            breaks: &["RFC3957-6.4-FHA-MUST-1", "RFC5944-3.8.3.3-FHA-MUST-1"],
        },
        text: "the MN-HA KeyGen Reply before the MN-HA authentication extension",
    },
}
