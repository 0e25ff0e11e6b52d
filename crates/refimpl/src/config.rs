//! The IUT contract as environment variables, plus mutation knobs. The full contract, with
//! what a vendor image must do, is `containers/iut/README.md`.
//!
//! | variable | role | meaning |
//! |---|---|---|
//! | `MIP6LAB_ROLE` | both | `mn` or `ha` (harness only: `nd-defender`) |
//! | `MIP6LAB_ADDR` | both | this node's IPv6 address (the MN's care-of address) |
//! | `MIP6LAB_DNS` | both | IPv6 address of the MSP's DNS server |
//! | `MIP6LAB_ID` | both | own IKE identity, an FQDN (MN: also the DNS name, RFC 5026 §9.5) |
//! | `MIP6LAB_AUTH` | both | `psk` (default), `cert` or `eap` (MN: EAP-MSCHAPv2; HA: relayed to RADIUS) |
//! | `MIP6LAB_PSK` | both | the shared key (`psk`, and the HA's own AUTH with `eap`) |
//! | `MIP6LAB_CERT`, `MIP6LAB_KEY`, `MIP6LAB_CA` | both | PEM files for `cert` |
//! | `MIP6LAB_KEYLOG_DIR` | both | where IKE and ESP keys are logged (default `/var/lib/mip6lab/keys`) |
//! | `MIP6LAB_KNOBS` | both | comma-separated `knob=value` mutations (see [`Knobs`]) |
//! | `MIP6LAB_DOMAIN` | MN | MSP domain for SRV discovery (§5.1.2) |
//! | `MIP6LAB_HA_NAME` | MN | HA FQDN for lookup by name (§5.1.1); when set, SRV is not used |
//! | `MIP6LAB_HOA_MODE` | MN | `assigned` (§5.3.1, default) or `autoconf` (§5.3.2) |
//! | `MIP6LAB_DNS_UPDATE` | MN | `yes` (default): DNS Update option in BUs (§6) |
//! | `MIP6LAB_HOLD_SECS` | MN | time registered before deregistering (default 1) |
//! | `MIP6LAB_EAP_USER`, `MIP6LAB_EAP_PASSWORD` | MN | EAP credentials |
//! | `MIP6LAB_RETRY_SECS` | MN | wait before trying the HA list again (§5.1.2, default 2) |
//! | `MIP6LAB_IKE_TIMEOUT_SECS` | MN | how long an HA has to complete IKE_SA_INIT/IKE_AUTH before the next is tried (default 5) |
//! | `MIP6LAB_HOME_PREFIX` | HA | home prefix, e.g. `2001:db8:1:100::/64` |
//! | `MIP6LAB_HA_AUTOCONF` | HA | `yes` (default): answer MIP6_HOME_PREFIX with the prefix; `no`: USE_ASSIGNED_HoA |
//! | `MIP6LAB_MN_IDS` | HA | comma-separated MN identities the PSK is for (default `mn1.example.com`) |
//! | `MIP6LAB_CONFIGURED_HOAS` | HA | `identity=address,…`: configured home addresses (RFC 5026 §9.2) |
//! | `MIP6LAB_HOA_POOL_SIZE` | HA | addresses assigned to MNs asking for any (1..=32767, default 256) |
//! | `MIP6LAB_MN_HOME_PREFIX` | MN | a pre-configured home prefix: propose a HoA from it (§5.3.2 first case) |
//! | `MIP6LAB_SWITCH_TO_AUTOCONF` | MN | `yes`: once registered with an assigned HoA, Mobile Prefix Discovery over ESP, a HoA auto-configured from the advertised prefix, CREATE_CHILD_SA and a BU for it (RFC 5026 §5.3.2 MAY; default `no`) |
//! | `MIP6LAB_HOA_COUNT` | MN | home addresses to ask for: INTERNAL_IP6_ADDRESS attributes in the CFG_REQUEST (RFC 4877 §9; default 1) |
//! | `MIP6LAB_TSIG_KEY` | HA | `name:base64-secret` for DNS updates (RFC 8945) |
//! | `MIP6LAB_REVERSE_ZONE` | HA | the ip6.arpa zone of the home prefix |
//! | `MIP6LAB_RADIUS`, `MIP6LAB_RADIUS_SECRET` | HA | AAA server `[addr]:port` and secret for `eap` |
//! | `MIP6LAB_DNS_FORWARD` | HA | `self` (default): the HA updates the AAAA itself; `aaa`: it sends the FQDN-HoA pair to its AAA server (RADIUS accounting, port 1813 of `MIP6LAB_RADIUS`), which has the forward update done (RFC 5026 §6); the PTR stays the HA's |
//! | `MIP6LAB_DAD_WAIT_MS` | HA | proxy DAD wait for a defense of an auto-configured HoA (default 1000 = RetransTimer, at most 10000) |
//! | `MIP6LAB_DEFEND_PREFIX` | nd-defender | answer DAD probes for addresses of this prefix |
//! | `MIP6LAB_DEFEND_SECS` | nd-defender | how long to serve before exiting 0 (default 300) |

use anyhow::{anyhow, bail, Context, Result};
use std::collections::HashMap;
use std::net::{Ipv6Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Mn,
    Ha,
    /// Harness peer: defends the addresses of a prefix against DAD probes.
    NdDefender,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Discovery {
    /// §5.1.2: SRV on `_mip6._ipv6.<domain>`.
    Srv { domain: String },
    /// §5.1.1: AAAA on the HA's FQDN.
    Name { ha_name: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMode {
    Psk,
    Cert,
    Eap,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HoaMode {
    /// §5.3.1: INTERNAL_IP6_ADDRESS in CFG_REQUEST.
    Assigned,
    /// §5.3.2: MIP6_HOME_PREFIX, auto-configure, CREATE_CHILD_SA.
    Autoconf,
}

/// Mutation knobs: each one makes the reference break exactly one requirement, so that the
/// suite can prove its tests discriminate; the same knobs set on a tester peer are stimuli
/// (e.g. an MN that names a foreign FQDN). Defaults are the conforming behaviour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Knobs {
    /// `mn.srv_service`: service label of the SRV QNAME (conforming: `_mip6`).
    pub srv_service: String,
    /// `mn.srv_proto`: protocol label of the SRV QNAME (conforming: `_ipv6`).
    pub srv_proto: String,
    /// `mn.name_qtype`: QTYPE used for lookup by name (conforming: `AAAA`).
    pub name_qtype: String,
    /// `mn.idi_type`: `fqdn` (conforming), `ipv6` (IDi = the care-of address) or `hoa`
    /// (stimulus: IDi = the home address of `mn.request_hoa`, RFC 4877 §7.3).
    pub idi_type: String,
    /// `mn.dns_fqdn`: the FQDN in the DNS Update option (conforming: empty = own IDi).
    pub dns_fqdn: String,
    /// `mn.dns_bu_status`: Status of the DNS Update option in BUs (conforming: 0).
    pub dns_bu_status: u8,
    /// `mn.no_hao`: send BUs without the Home Address option.
    pub no_hao: bool,
    /// `mn.skip_create_child_sa`: with an auto-configured HoA, send the BU on the IKE_AUTH
    /// Child SA instead of creating one for the new HoA.
    pub skip_create_child_sa: bool,
    /// `mn.ignore_status_134`: keep the HoA after BA status 134.
    pub ignore_status_134: bool,
    /// `mn.no_failover`: stay with the first HA when it does not answer.
    pub no_failover: bool,
    /// `mn.no_retry`: give up after one pass over the HA list.
    pub no_retry: bool,
    /// `mn.retry_after_auth_failure`: start over even when every HA refused authentication.
    pub retry_after_auth_failure: bool,
    /// `mn.ignore_assigned_hoa`: register a self-made HoA instead of the one the HA assigned.
    pub ignore_assigned_hoa: bool,
    /// `mn.dereg_dns_remove`: put the DNS Update option (R = 1) in the deregistration BU.
    pub dereg_dns_remove: bool,
    /// `mn.propose_hoa`: with a pre-configured prefix, propose a HoA in the CFG_REQUEST.
    pub propose_hoa: bool,
    /// `mn.ts_all_traffic`: Child SA selectors for all protocols instead of MH types 5–6.
    pub ts_all_traffic: bool,
    /// `mn.mps_in_clear`: send the Mobile Prefix Solicitation without ESP.
    pub mps_in_clear: bool,
    /// `mn.no_alt_coa`: send BUs without the Alternate Care-of Address option.
    pub no_alt_coa: bool,
    /// `mn.dns_opt_reserved`: these reserved bits (0..=0x7f) set in the DNS Update option.
    pub dns_opt_reserved: u8,
    /// `mn.cfg_request_nonempty`: with nothing to propose, an INTERNAL_IP6_ADDRESS holding
    /// `::/0` instead of a zero-length one.
    pub cfg_request_nonempty: bool,
    /// `mn.srv_ignore_priority`: try SRV targets highest priority value first.
    pub srv_ignore_priority: bool,
    /// `mn.no_retry_after_address_failure`: give up after INTERNAL_ADDRESS_FAILURE instead
    /// of a new IKE_SA_INIT (auto-configuration or another HA).
    pub no_retry_after_address_failure: bool,
    /// `mn.keep_old_hoa`: once the HA assigned another address than the proposed one, still
    /// send a BU for the proposal after registering the assigned one.
    pub keep_old_hoa: bool,
    /// `mn.name_qname`: look up this name instead of the configured HA name (empty: the
    /// configured one).
    pub name_qname: String,
    /// `mn.request_hoa`: ask for this address in INTERNAL_IP6_ADDRESS (stimulus).
    pub request_hoa: Option<Ipv6Addr>,
    /// `mn.bu_transmissions`: BU transmissions before giving up (default 3).
    pub bu_transmissions: u8,
    /// `mn.bu_hoa`: put this address in the BU's HAO instead of the SA's HoA (stimulus: one
    /// MN's SA used for another's home address).
    pub bu_hoa: Option<Ipv6Addr>,
    /// `ha.dns_update_status_on_success`: DNS Update Status in the BA after a good update.
    pub ha_dns_status_on_success: u8,
    /// `ha.skip_fqdn_authorization`: update DNS for any FQDN, not only the IDi.
    pub ha_skip_fqdn_authorization: bool,
    /// `ha.skip_reverse_update`: leave the PTR entry alone.
    pub ha_skip_reverse_update: bool,
    /// `ha.keep_dns_on_dereg`: answer R = 1 without removing the entry.
    pub ha_keep_dns_on_dereg: bool,
    /// `ha.no_rh2`: send BAs without the type 2 routing header.
    pub ha_no_rh2: bool,
    /// `ha.no_home_prefix`: answer MIP6_HOME_PREFIX without the prefix attribute.
    pub ha_no_home_prefix: bool,
    /// `ha.no_proxy_dad`: accept an auto-configured HoA without probing the home link.
    pub ha_no_proxy_dad: bool,
    /// `ha.dad_fail_first`: report proxy DAD failure (134) for the first auto-configured HoA
    /// (stimulus for an MN under test).
    pub ha_dad_fail_first: bool,
    /// `ha.accept_any_hoa`: skip the HoA-to-identity authorization (RFC 5026 §9.2).
    pub ha_accept_any_hoa: bool,
    /// `ha.silent`: answer no IKEv2 at all (stimulus: an HA that is down).
    pub ha_silent: bool,
    /// `ha.skip_sa_hoa_check`: accept a BU for any HoA on any MN's SA.
    pub ha_skip_sa_hoa_check: bool,
    /// `ha.no_address`: no home address or prefix to give (stimulus: INTERNAL_ADDRESS_FAILURE).
    pub ha_no_address: bool,
    /// `mn.cp_reserved_bit`: set the reserved bit of the CFG_REQUEST attributes (stimulus).
    pub cp_reserved_bit: bool,
    /// `mn.skip_dereg`: leave without deregistering (stimulus: a binding that expires).
    pub skip_dereg: bool,
    /// `mn.lifetime_units`: requested BU lifetime in 4-s units (stimulus; default 150).
    pub lifetime_units: u16,
    /// `ha.fcfs_ignore_used`: grant a requested home address that another identity holds.
    pub ha_fcfs_ignore_used: bool,
    /// `ha.no_address_failure_notify`: out of addresses, answer a CFG_REPLY without one
    /// instead of INTERNAL_ADDRESS_FAILURE.
    pub ha_no_address_failure_notify: bool,
    /// `mn.start_delay_ms`: wait this long before starting (stimulus: a second MN that acts
    /// while the first is registered).
    pub start_delay_ms: u32,
    /// `mn.stop_after_ike`: leave once IKE_AUTH gave a home address, without a BU (stimulus:
    /// a second IKE SA of an identity that holds a binding).
    pub stop_after_ike: bool,
    /// `mn.init_flood`: before its own exchange, send this many IKE_SA_INIT requests that it
    /// never completes (stimulus: a moderate DoS on the HA, RFC 5026 §9.1).
    pub init_flood: u16,
    /// `ha.no_cookies`: never demand a COOKIE, however many IKE SAs are half open.
    pub ha_no_cookies: bool,
    /// `mn.bu_unknown_option`: add a mobility option of this (unassigned) type to BUs
    /// (stimulus: RFC 6275 §6.1.7, the HA skips options it does not understand).
    pub bu_unknown_option: Option<u8>,
    /// `ha.ba_unknown_option`: the same in BAs (stimulus for an MN under test, §6.1.8).
    pub ha_ba_unknown_option: Option<u8>,
    /// `ha.reject_unknown_option`: discard a BU that carries an option it does not know.
    pub ha_reject_unknown_option: bool,
    /// `mn.reject_unknown_option`: discard a BA that carries an option it does not know.
    pub reject_unknown_option: bool,
    /// `ha.skip_cert_id_binding`: accept a certificate that does not name the peer's IDi.
    pub ha_skip_cert_id_binding: bool,
    /// `ha.aaa_omit_hoa`: with `MIP6LAB_DNS_FORWARD=aaa`, send the AAA server the FQDN
    /// without the HoA (no Framed-IPv6-Address).
    pub ha_aaa_omit_hoa: bool,
}

impl Default for Knobs {
    fn default() -> Self {
        Knobs {
            srv_service: mip6lab_engines::discovery::MIP6_SRV_SERVICE.into(),
            srv_proto: mip6lab_engines::discovery::MIP6_SRV_PROTO.into(),
            name_qtype: "AAAA".into(),
            idi_type: "fqdn".into(),
            dns_fqdn: String::new(),
            dns_bu_status: 0,
            no_hao: false,
            skip_create_child_sa: false,
            ignore_status_134: false,
            no_failover: false,
            no_retry: false,
            retry_after_auth_failure: false,
            ignore_assigned_hoa: false,
            dereg_dns_remove: true,
            propose_hoa: true,
            ts_all_traffic: false,
            mps_in_clear: false,
            no_alt_coa: false,
            dns_opt_reserved: 0,
            cfg_request_nonempty: false,
            srv_ignore_priority: false,
            no_retry_after_address_failure: false,
            keep_old_hoa: false,
            name_qname: String::new(),
            request_hoa: None,
            bu_hoa: None,
            bu_transmissions: 3,
            ha_dns_status_on_success: 0,
            ha_skip_fqdn_authorization: false,
            ha_skip_reverse_update: false,
            ha_keep_dns_on_dereg: false,
            ha_no_rh2: false,
            ha_no_home_prefix: false,
            ha_no_proxy_dad: false,
            ha_dad_fail_first: false,
            ha_accept_any_hoa: false,
            ha_silent: false,
            ha_skip_sa_hoa_check: false,
            ha_no_address: false,
            cp_reserved_bit: false,
            skip_dereg: false,
            lifetime_units: 150,
            ha_fcfs_ignore_used: false,
            ha_no_address_failure_notify: false,
            start_delay_ms: 0,
            stop_after_ike: false,
            init_flood: 0,
            ha_no_cookies: false,
            bu_unknown_option: None,
            ha_ba_unknown_option: None,
            ha_reject_unknown_option: false,
            reject_unknown_option: false,
            ha_skip_cert_id_binding: false,
            ha_aaa_omit_hoa: false,
        }
    }
}

fn flag(name: &str, v: &str) -> Result<bool> {
    match v {
        "true" | "yes" | "1" => Ok(true),
        "false" | "no" | "0" => Ok(false),
        _ => bail!("knob `{name}`: `{v}` is not true/false"),
    }
}

impl Knobs {
    /// Every knob this binary understands, with the requirement it breaks (or, for a
    /// stimulus, what it provokes).
    pub const CATALOG: &'static [(&'static str, &'static str)] = &[
        (
            "mn.srv_service",
            "RFC5026-5.1.2-MN-MUST-3: SRV QNAME service label",
        ),
        (
            "mn.srv_proto",
            "RFC5026-5.1.2-MN-MUST-3: SRV QNAME protocol label",
        ),
        (
            "mn.name_qtype",
            "RFC5026-5.1.1-MN-MUST-2: QTYPE of the lookup by HA name",
        ),
        ("mn.idi_type", "RFC5026-9.5-MN-MUST-1: IDi is the MN's FQDN"),
        (
            "mn.dns_fqdn",
            "RFC5026-9.5-MN-MUST-2: the DNS Update FQDN equals IDi",
        ),
        (
            "mn.dns_bu_status",
            "RFC5026-8.1-MN-MUST-1: DNS Update Status 0 in a BU",
        ),
        (
            "mn.no_hao",
            "RFC4877-4.2-MN-MUST-1: Home Address option in BUs",
        ),
        (
            "mn.skip_create_child_sa",
            "RFC5026-5.3.2-MN-MUST-5: CREATE_CHILD_SA for the auto-configured HoA",
        ),
        (
            "mn.ignore_status_134",
            "RFC5026-5.3.2-MN-MUST-8: stop using the HoA after BA status 134",
        ),
        (
            "mn.no_failover",
            "RFC5026-5.1.2-MN-SHOULD-1: try the next HA when one does not answer",
        ),
        (
            "mn.no_retry",
            "RFC5026-5.1.2-MN-SHOULD-2: try again after a period when no HA answers",
        ),
        (
            "mn.retry_after_auth_failure",
            "RFC5026-5.1.2-MN-MUST-2: authentication failing with every HA is unrecoverable",
        ),
        (
            "mn.ignore_assigned_hoa",
            "RFC5026-5.3.2-MN-MUST-2: use the address the HA sent",
        ),
        (
            "mn.dereg_dns_remove",
            "RFC5026-6-MN-MUST-1: DNS Update with R set to remove the entry",
        ),
        (
            "mn.propose_hoa",
            "RFC5026-5.3.2-MN-MUST-1: propose a HoA from the pre-configured prefix",
        ),
        (
            "mn.ts_all_traffic",
            "RFC4877-4.3-ANY-SHOULD-1: MH message type as IPsec selector",
        ),
        (
            "mn.mps_in_clear",
            "RFC5026-5.3.2-MN-MAY-1: the Mobile Prefix Solicitation protected by ESP (RFC 4877 §4.3)",
        ),
        (
            "mn.no_alt_coa",
            "RFC4877-4.3-MN-MUST-1: Alternate Care-of Address option in BUs",
        ),
        (
            "mn.dns_opt_reserved",
            "RFC5026-8.1-ANY-MUST-3: DNS Update option Reserved bits 0",
        ),
        (
            "mn.cfg_request_nonempty",
            "RFC4877-9-MN-SHOULD-1: zero-length INTERNAL_IP6_ADDRESS when nothing is proposed",
        ),
        (
            "mn.srv_ignore_priority",
            "RFC5026-5.1.2-MN-MUST-1: pick the HA by SRV priority and weight (RFC 2782)",
        ),
        (
            "mn.no_retry_after_address_failure",
            "RFC4877-9-MN-SHOULD-3: a new IKE_SA_INIT and IKE_AUTH after INTERNAL_ADDRESS_FAILURE",
        ),
        (
            "mn.keep_old_hoa",
            "RFC4877-9-MN-MUST-1: stop using the old HoA once the HA allocated another",
        ),
        (
            "mn.name_qname",
            "RFC5026-5.1.1-MN-MUST-1: QNAME is the HA's name",
        ),
        (
            "mn.request_hoa",
            "stimulus: request a given home address in INTERNAL_IP6_ADDRESS",
        ),
        (
            "mn.bu_transmissions",
            "stimulus: how often a BU is sent before the MN gives up",
        ),
        (
            "mn.bu_hoa",
            "stimulus: a BU for another home address on this MN's SA",
        ),
        (
            "ha.dns_update_status_on_success",
            "RFC5026-6-HA-MUST-3: BA DNS Update Status 0 after the update",
        ),
        (
            "ha.skip_fqdn_authorization",
            "RFC5026-9.5-ANY-MUST-1: FQDN authorization before the update",
        ),
        (
            "ha.skip_reverse_update",
            "RFC5026-6-HA-MUST-6: the HA updates the reverse (PTR) entry",
        ),
        (
            "ha.keep_dns_on_dereg",
            "RFC5026-6-HA-MUST-7: R = 1 removes the DNS entry",
        ),
        (
            "ha.no_rh2",
            "RFC4877-4.2-HA-MUST-3: type 2 routing header in BAs",
        ),
        (
            "ha.no_home_prefix",
            "RFC5026-5.3.2-HA-MUST-3: prefix information in the CFG_REPLY",
        ),
        (
            "ha.no_proxy_dad",
            "RFC5026-5.3.2-HA-MUST-6: proxy DAD for the auto-configured HoA",
        ),
        (
            "ha.dad_fail_first",
            "stimulus: BA status 134 for the first auto-configured HoA",
        ),
        (
            "ha.accept_any_hoa",
            "RFC5026-9.2-HA-MUST-11: no other MN's address",
        ),
        (
            "ha.silent",
            "stimulus: the HA answers no IKEv2 (it is down)",
        ),
        (
            "ha.fcfs_ignore_used",
            "RFC5026-9.2-HA-MUST-8: no address used by another MN (FCFS)",
        ),
        (
            "ha.no_address_failure_notify",
            "RFC4877-9-HA-MUST-1: INTERNAL_ADDRESS_FAILURE when no address is left",
        ),
        (
            "mn.start_delay_ms",
            "stimulus: start this many milliseconds late (a second MN)",
        ),
        (
            "mn.stop_after_ike",
            "stimulus: leave after IKE_AUTH, without a BU",
        ),
        (
            "ha.skip_sa_hoa_check",
            "RFC4877-4.2-HA-MUST-1: one MN's SA cannot bind another home address",
        ),
        (
            "ha.no_address",
            "stimulus: no home address or prefix to give (INTERNAL_ADDRESS_FAILURE)",
        ),
        (
            "mn.cp_reserved_bit",
            "stimulus: the reserved bit set on the CFG_REQUEST attributes",
        ),
        (
            "mn.skip_dereg",
            "stimulus: leave without deregistering (a binding that expires)",
        ),
        (
            "mn.lifetime_units",
            "stimulus: the BU lifetime asked for, in 4-s units",
        ),
        (
            "mn.bu_unknown_option",
            "stimulus: BUs carry a mobility option of this unassigned type",
        ),
        (
            "ha.ba_unknown_option",
            "stimulus: BAs carry a mobility option of this unassigned type",
        ),
        (
            "ha.reject_unknown_option",
            "RFC6275-6.1.7-HA-MUST-1: skip mobility options not understood in a BU",
        ),
        (
            "mn.reject_unknown_option",
            "RFC6275-6.1.8-MN-MUST-1: skip mobility options not understood in a BA",
        ),
        (
            "ha.no_cookies",
            "RFC5026-9.1-HA-SHOULD-1: COOKIE exchanges foil an IKE_SA_INIT flood",
        ),
        (
            "ha.skip_cert_id_binding",
            "RFC4877-7.3-HA-MUST-1: an address in IDi must be an iPAddress of the certificate",
        ),
        (
            "mn.init_flood",
            "stimulus: IKE_SA_INIT requests left half open before the MN's own exchange",
        ),
        (
            "ha.aaa_omit_hoa",
            "RFC5026-6-HA-MUST-5: the FQDN-HoA pair in the AAA request (delegated DNS update)",
        ),
    ];

    /// For each knob that breaks a requirement, the setting that breaks it: the mutants
    /// `mip6lab mutants` runs. Stimulus knobs have none (checked by a test).
    pub const MUTANTS: &'static [&'static str] = &[
        "mn.srv_service=_mip4",
        "mn.srv_proto=_udp",
        "mn.name_qtype=A",
        "mn.idi_type=ipv6",
        "mn.dns_fqdn=other.example.com",
        "mn.dns_bu_status=7",
        "mn.no_hao=true",
        "mn.skip_create_child_sa=true",
        "mn.ignore_status_134=true",
        "mn.no_failover=true",
        "mn.no_retry=true",
        "mn.retry_after_auth_failure=true",
        "mn.ignore_assigned_hoa=true",
        "mn.dereg_dns_remove=false",
        "mn.propose_hoa=false",
        "mn.ts_all_traffic=true",
        "mn.mps_in_clear=true",
        "mn.no_alt_coa=true",
        "mn.dns_opt_reserved=1",
        "mn.cfg_request_nonempty=true",
        "mn.srv_ignore_priority=true",
        "mn.no_retry_after_address_failure=true",
        "mn.keep_old_hoa=true",
        "mn.name_qname=ha2.example.com",
        "ha.dns_update_status_on_success=128",
        "ha.skip_fqdn_authorization=true",
        "ha.skip_reverse_update=true",
        "ha.keep_dns_on_dereg=true",
        "ha.no_rh2=true",
        "ha.no_home_prefix=true",
        "ha.no_proxy_dad=true",
        "ha.accept_any_hoa=true",
        "ha.skip_sa_hoa_check=true",
        "ha.fcfs_ignore_used=true",
        "ha.no_address_failure_notify=true",
        "ha.no_cookies=true",
        "ha.reject_unknown_option=true",
        "mn.reject_unknown_option=true",
        "ha.skip_cert_id_binding=true",
        "ha.aaa_omit_hoa=true",
    ];

    #[cfg(test)]
    pub fn is_stimulus(name: &str) -> bool {
        Self::CATALOG
            .iter()
            .any(|(n, what)| *n == name && what.starts_with("stimulus:"))
    }

    pub fn parse(spec: &str) -> Result<Knobs> {
        let mut k = Knobs::default();
        for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (name, value) = item
                .split_once('=')
                .ok_or_else(|| anyhow!("knob `{item}` is not of the form name=value"))?;
            let (name, v) = (name.trim(), value.trim());
            let num = |what: &str| -> Result<u8> {
                v.parse()
                    .map_err(|_| anyhow!("knob `{what}`: `{v}` is not a number 0..=255"))
            };
            match name {
                "mn.srv_service" => k.srv_service = v.into(),
                "mn.srv_proto" => k.srv_proto = v.into(),
                "mn.name_qtype" => k.name_qtype = v.to_ascii_uppercase(),
                "mn.idi_type" => match v {
                    "fqdn" | "ipv6" | "hoa" => k.idi_type = v.into(),
                    _ => bail!("knob `mn.idi_type`: `{v}` is not fqdn, ipv6 or hoa"),
                },
                "mn.dns_fqdn" => k.dns_fqdn = v.into(),
                "mn.dns_bu_status" => k.dns_bu_status = num(name)?,
                "mn.no_hao" => k.no_hao = flag(name, v)?,
                "mn.skip_create_child_sa" => k.skip_create_child_sa = flag(name, v)?,
                "mn.ignore_status_134" => k.ignore_status_134 = flag(name, v)?,
                "mn.no_failover" => k.no_failover = flag(name, v)?,
                "mn.no_retry" => k.no_retry = flag(name, v)?,
                "mn.retry_after_auth_failure" => k.retry_after_auth_failure = flag(name, v)?,
                "mn.ignore_assigned_hoa" => k.ignore_assigned_hoa = flag(name, v)?,
                "mn.dereg_dns_remove" => k.dereg_dns_remove = flag(name, v)?,
                "mn.propose_hoa" => k.propose_hoa = flag(name, v)?,
                "mn.ts_all_traffic" => k.ts_all_traffic = flag(name, v)?,
                "mn.mps_in_clear" => k.mps_in_clear = flag(name, v)?,
                "mn.no_alt_coa" => k.no_alt_coa = flag(name, v)?,
                "mn.dns_opt_reserved" => {
                    // Only the 7 bits next to R: the knob must not flip R itself.
                    k.dns_opt_reserved = num(name)
                        .ok()
                        .filter(|n| *n <= 0x7f)
                        .ok_or_else(|| anyhow!("knob `{name}`: `{v}` is not 0..=127"))?
                }
                "mn.cfg_request_nonempty" => k.cfg_request_nonempty = flag(name, v)?,
                "mn.srv_ignore_priority" => k.srv_ignore_priority = flag(name, v)?,
                "mn.no_retry_after_address_failure" => {
                    k.no_retry_after_address_failure = flag(name, v)?
                }
                "mn.keep_old_hoa" => k.keep_old_hoa = flag(name, v)?,
                "mn.name_qname" => k.name_qname = v.into(),
                "mn.request_hoa" => {
                    k.request_hoa = Some(
                        v.parse()
                            .map_err(|_| anyhow!("knob `mn.request_hoa`: bad address `{v}`"))?,
                    )
                }
                "mn.bu_transmissions" => k.bu_transmissions = num(name)?.max(1),
                "mn.bu_hoa" => {
                    k.bu_hoa = Some(
                        v.parse()
                            .map_err(|_| anyhow!("knob `mn.bu_hoa`: bad address `{v}`"))?,
                    )
                }
                "ha.dns_update_status_on_success" => k.ha_dns_status_on_success = num(name)?,
                "ha.skip_fqdn_authorization" => k.ha_skip_fqdn_authorization = flag(name, v)?,
                "ha.skip_reverse_update" => k.ha_skip_reverse_update = flag(name, v)?,
                "ha.keep_dns_on_dereg" => k.ha_keep_dns_on_dereg = flag(name, v)?,
                "ha.no_rh2" => k.ha_no_rh2 = flag(name, v)?,
                "ha.no_home_prefix" => k.ha_no_home_prefix = flag(name, v)?,
                "ha.no_proxy_dad" => k.ha_no_proxy_dad = flag(name, v)?,
                "ha.dad_fail_first" => k.ha_dad_fail_first = flag(name, v)?,
                "ha.accept_any_hoa" => k.ha_accept_any_hoa = flag(name, v)?,
                "ha.silent" => k.ha_silent = flag(name, v)?,
                "ha.skip_sa_hoa_check" => k.ha_skip_sa_hoa_check = flag(name, v)?,
                "ha.no_address" => k.ha_no_address = flag(name, v)?,
                "mn.cp_reserved_bit" => k.cp_reserved_bit = flag(name, v)?,
                "mn.skip_dereg" => k.skip_dereg = flag(name, v)?,
                "ha.fcfs_ignore_used" => k.ha_fcfs_ignore_used = flag(name, v)?,
                "ha.no_address_failure_notify" => k.ha_no_address_failure_notify = flag(name, v)?,
                "mn.start_delay_ms" => {
                    k.start_delay_ms =
                        v.parse::<u32>()
                            .ok()
                            .filter(|n| *n <= 60_000)
                            .ok_or_else(|| {
                                anyhow!("knob `mn.start_delay_ms`: `{v}` is not 0..=60000")
                            })?
                }
                "mn.stop_after_ike" => k.stop_after_ike = flag(name, v)?,
                "mn.init_flood" => {
                    k.init_flood = v
                        .parse::<u16>()
                        .ok()
                        .filter(|n| *n <= 1000)
                        .ok_or_else(|| anyhow!("knob `mn.init_flood`: `{v}` is not 0..=1000"))?
                }
                "ha.no_cookies" => k.ha_no_cookies = flag(name, v)?,
                "mn.bu_unknown_option" | "ha.ba_unknown_option" => {
                    let t = v
                        .parse::<u8>()
                        .ok()
                        .filter(|t| !mip6lab_wire::mh::options::is_known(*t))
                        .ok_or_else(|| {
                            anyhow!("knob `{name}`: `{v}` is not an unassigned option type")
                        })?;
                    if name == "mn.bu_unknown_option" {
                        k.bu_unknown_option = Some(t);
                    } else {
                        k.ha_ba_unknown_option = Some(t);
                    }
                }
                "ha.reject_unknown_option" => k.ha_reject_unknown_option = flag(name, v)?,
                "mn.reject_unknown_option" => k.reject_unknown_option = flag(name, v)?,
                "ha.skip_cert_id_binding" => k.ha_skip_cert_id_binding = flag(name, v)?,
                "ha.aaa_omit_hoa" => k.ha_aaa_omit_hoa = flag(name, v)?,
                "mn.lifetime_units" => {
                    k.lifetime_units =
                        v.parse::<u16>().ok().filter(|l| *l > 0).ok_or_else(|| {
                            anyhow!("knob `mn.lifetime_units`: `{v}` is not 1..=65535")
                        })?
                }
                other => {
                    let known: Vec<_> = Self::CATALOG.iter().map(|(n, _)| *n).collect();
                    bail!("unknown knob `{other}`; known knobs: {}", known.join(", "))
                }
            }
        }
        Ok(k)
    }
}

/// Credentials for IKE_AUTH.
#[derive(Debug, Clone)]
pub struct Auth {
    pub mode: AuthMode,
    pub psk: Vec<u8>,
    pub cert: PathBuf,
    pub key: PathBuf,
    pub ca: PathBuf,
}

#[derive(Debug, Clone)]
pub struct MnSettings {
    pub discovery: Discovery,
    pub hoa_mode: HoaMode,
    pub dns_update: bool,
    pub hold: Duration,
    pub retry: Duration,
    pub ike_timeout: Duration,
    pub eap_user: String,
    pub eap_password: String,
    /// A pre-configured home prefix (§5.3.2): the MN proposes a HoA from it.
    pub home_prefix: Option<(Ipv6Addr, u8)>,
    /// INTERNAL_IP6_ADDRESS attributes in the CFG_REQUEST (RFC 4877 §9: an MN may ask for
    /// several home addresses).
    pub hoa_count: u8,
    /// After registering an assigned HoA, switch to one auto-configured from the prefix of a
    /// Mobile Prefix Advertisement (RFC 5026 §5.3.2 MAY).
    pub switch_to_autoconf: bool,
}

#[derive(Debug, Clone)]
pub struct HaSettings {
    pub home_prefix: (Ipv6Addr, u8),
    pub autoconf: bool,
    pub mn_ids: Vec<String>,
    /// (identity, address): RFC 5026 §9.2 configured home addresses.
    pub configured: Vec<(String, Ipv6Addr)>,
    /// Addresses assigned to MNs that ask for any (`MIP6LAB_HOA_POOL_SIZE`).
    pub pool_size: u32,
    /// (key name, base64 secret).
    pub tsig: (String, String),
    pub zone: String,
    pub reverse_zone: String,
    pub radius: Option<(SocketAddr, String)>,
    /// Who updates the forward (AAAA) entry (RFC 5026 §6).
    pub dns_forward: DnsForward,
    /// How long proxy DAD waits for a defense (RFC 4861 RetransTimer by default).
    pub dad_wait: Duration,
}

/// RFC 5026 §6: the HA updates the MN's forward entry itself, or, when the FQDN lies in the
/// MSA's domain, hands the FQDN-HoA pair to its AAA server, whose MSA side updates DNS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DnsForward {
    SelfUpdate,
    /// RADIUS accounting to this address (the AAA server's accounting port).
    Aaa(SocketAddr),
}

#[derive(Debug, Clone)]
pub struct DefenderSettings {
    pub prefix: (Ipv6Addr, u8),
    pub lifetime: Duration,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub role: Role,
    pub addr: Option<Ipv6Addr>,
    pub dns: Ipv6Addr,
    pub id: String,
    pub auth: Auth,
    pub keylog_dir: PathBuf,
    pub mn: Option<MnSettings>,
    pub ha: Option<HaSettings>,
    pub defender: Option<DefenderSettings>,
    pub wait_addrs: Vec<Ipv6Addr>,
    pub net_timeout: Duration,
    pub knobs: Knobs,
}

/// The lab-only PSK of the fixtures (fixtures/strongswan, crates/engines tests).
pub const LAB_PSK: &str = "mip6lab-mn1-psk-lab-only";

fn parse_prefix(s: &str) -> Result<(Ipv6Addr, u8)> {
    let (a, l) = s
        .split_once('/')
        .ok_or_else(|| anyhow!("`{s}` is not address/length"))?;
    let len: u8 = l
        .parse()
        .map_err(|_| anyhow!("bad prefix length in `{s}`"))?;
    if len > 128 {
        bail!("prefix length {len} > 128 in `{s}`");
    }
    Ok((a.parse().map_err(|_| anyhow!("bad address in `{s}`"))?, len))
}

impl Config {
    pub fn from_env(vars: impl Iterator<Item = (String, String)>) -> Result<Config> {
        let vars: HashMap<String, String> = vars.collect();
        let get = |k: &str| {
            vars.get(k)
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
        };
        let yes = |k: &str, default: bool| -> Result<bool> {
            match get(k).as_deref() {
                None => Ok(default),
                Some("yes" | "true" | "1") => Ok(true),
                Some("no" | "false" | "0") => Ok(false),
                Some(o) => bail!("{k}: `{o}` is not yes/no"),
            }
        };
        let role = match get("MIP6LAB_ROLE").as_deref() {
            Some("mn") => Role::Mn,
            Some("ha") => Role::Ha,
            Some("nd-defender") => Role::NdDefender,
            Some(other) => bail!(
                "MIP6LAB_ROLE `{other}` is not supported (supported: mn, ha; harness: nd-defender)"
            ),
            None => bail!("MIP6LAB_ROLE is not set"),
        };
        let dns = match get("MIP6LAB_DNS") {
            Some(d) => d.parse().context("MIP6LAB_DNS is not an IPv6 address")?,
            // The defender talks to no server.
            None if role == Role::NdDefender => Ipv6Addr::UNSPECIFIED,
            None => bail!("MIP6LAB_DNS is not set"),
        };
        let addr = get("MIP6LAB_ADDR")
            .map(|s| s.parse().context("MIP6LAB_ADDR is not an IPv6 address"))
            .transpose()?;
        let mode = match get("MIP6LAB_AUTH").as_deref().unwrap_or("psk") {
            "psk" => AuthMode::Psk,
            "cert" => AuthMode::Cert,
            "eap" => AuthMode::Eap,
            o => bail!("MIP6LAB_AUTH `{o}` is not psk, cert or eap"),
        };
        let pki = |k: &str, d: &str| PathBuf::from(get(k).unwrap_or_else(|| d.into()));
        let auth = Auth {
            mode,
            psk: get("MIP6LAB_PSK")
                .unwrap_or_else(|| LAB_PSK.into())
                .into_bytes(),
            cert: pki("MIP6LAB_CERT", "/etc/mip6lab/pki/cert.pem"),
            key: pki("MIP6LAB_KEY", "/etc/mip6lab/pki/key.pem"),
            ca: pki("MIP6LAB_CA", "/etc/mip6lab/pki/ca.pem"),
        };
        let id = get("MIP6LAB_ID").unwrap_or_else(|| match role {
            Role::Mn => "mn1.example.com".into(),
            Role::Ha => "ha1.example.com".into(),
            Role::NdDefender => String::new(),
        });
        let mut mn = None;
        let mut ha = None;
        let mut defender = None;
        match role {
            Role::NdDefender => {
                let prefix = parse_prefix(
                    &get("MIP6LAB_DEFEND_PREFIX")
                        .ok_or_else(|| anyhow!("MIP6LAB_DEFEND_PREFIX is not set"))?,
                )
                .context("MIP6LAB_DEFEND_PREFIX")?;
                let secs = get("MIP6LAB_DEFEND_SECS")
                    .map(|s| {
                        s.parse::<u64>()
                            .with_context(|| format!("MIP6LAB_DEFEND_SECS: `{s}`"))
                    })
                    .transpose()?
                    .unwrap_or(300);
                defender = Some(DefenderSettings {
                    prefix,
                    lifetime: Duration::from_secs(secs),
                });
            }
            Role::Mn => {
                let discovery = match (get("MIP6LAB_HA_NAME"), get("MIP6LAB_DOMAIN")) {
                    (Some(ha_name), _) => Discovery::Name { ha_name },
                    (None, Some(domain)) => Discovery::Srv { domain },
                    (None, None) => bail!("set MIP6LAB_DOMAIN (SRV discovery) or MIP6LAB_HA_NAME"),
                };
                let hoa_mode = match get("MIP6LAB_HOA_MODE").as_deref().unwrap_or("assigned") {
                    "assigned" => HoaMode::Assigned,
                    "autoconf" => HoaMode::Autoconf,
                    o => bail!("MIP6LAB_HOA_MODE `{o}` is not assigned or autoconf"),
                };
                let secs = |k: &str, d: u64| -> Result<Duration> {
                    get(k)
                        .map(|s| s.parse::<u64>().with_context(|| format!("{k}: `{s}`")))
                        .transpose()
                        .map(|v| Duration::from_secs(v.unwrap_or(d)))
                };
                mn = Some(MnSettings {
                    discovery,
                    hoa_mode,
                    dns_update: yes("MIP6LAB_DNS_UPDATE", true)?,
                    hold: secs("MIP6LAB_HOLD_SECS", 1)?,
                    retry: secs("MIP6LAB_RETRY_SECS", 2)?,
                    ike_timeout: secs("MIP6LAB_IKE_TIMEOUT_SECS", 5)?,
                    // The FQDN as EAP identity too: the AAA server then authorizes the name
                    // the MN will ask the HA to put in DNS (RFC 5026 §9.5).
                    eap_user: get("MIP6LAB_EAP_USER").unwrap_or_else(|| id.clone()),
                    eap_password: get("MIP6LAB_EAP_PASSWORD")
                        .unwrap_or_else(|| "mn1-secret".into()),
                    home_prefix: get("MIP6LAB_MN_HOME_PREFIX")
                        .map(|p| parse_prefix(&p).context("MIP6LAB_MN_HOME_PREFIX"))
                        .transpose()?,
                    switch_to_autoconf: yes("MIP6LAB_SWITCH_TO_AUTOCONF", false)?,
                    hoa_count: match get("MIP6LAB_HOA_COUNT") {
                        None => 1,
                        Some(v) => v
                            .parse::<u8>()
                            .ok()
                            .filter(|n| (1..=8).contains(n))
                            .ok_or_else(|| {
                                anyhow!("MIP6LAB_HOA_COUNT: `{v}` is not a number 1..=8")
                            })?,
                    },
                });
            }
            Role::Ha => {
                let home_prefix = parse_prefix(
                    &get("MIP6LAB_HOME_PREFIX")
                        .ok_or_else(|| anyhow!("MIP6LAB_HOME_PREFIX is not set"))?,
                )
                .context("MIP6LAB_HOME_PREFIX")?;
                let tsig = get("MIP6LAB_TSIG_KEY")
                    .ok_or_else(|| anyhow!("MIP6LAB_TSIG_KEY is not set (name:base64)"))?;
                let (kn, ks) = tsig
                    .split_once(':')
                    .ok_or_else(|| anyhow!("MIP6LAB_TSIG_KEY is not name:base64-secret"))?;
                let radius = match get("MIP6LAB_RADIUS") {
                    Some(r) => Some((
                        r.parse::<SocketAddr>()
                            .with_context(|| format!("MIP6LAB_RADIUS `{r}` is not [addr]:port"))?,
                        get("MIP6LAB_RADIUS_SECRET")
                            .ok_or_else(|| anyhow!("MIP6LAB_RADIUS_SECRET is not set"))?,
                    )),
                    None if mode == AuthMode::Eap => {
                        bail!("MIP6LAB_AUTH=eap needs MIP6LAB_RADIUS")
                    }
                    None => None,
                };
                let dns_forward = match get("MIP6LAB_DNS_FORWARD").as_deref().unwrap_or("self") {
                    "self" => DnsForward::SelfUpdate,
                    // The AAA server's accounting port (RFC 2866 §3) on the same host.
                    "aaa" => match &radius {
                        Some((a, _)) => DnsForward::Aaa(SocketAddr::new(
                            a.ip(),
                            mip6lab_wire::radius::ACCT_PORT,
                        )),
                        None => bail!("MIP6LAB_DNS_FORWARD=aaa needs MIP6LAB_RADIUS"),
                    },
                    o => bail!("MIP6LAB_DNS_FORWARD `{o}` is not self or aaa"),
                };
                ha = Some(HaSettings {
                    home_prefix,
                    autoconf: yes("MIP6LAB_HA_AUTOCONF", true)?,
                    mn_ids: get("MIP6LAB_MN_IDS")
                        .unwrap_or_else(|| "mn1.example.com".into())
                        .split(',')
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty())
                        .collect(),
                    configured: get("MIP6LAB_CONFIGURED_HOAS")
                        .unwrap_or_default()
                        .split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(|item| {
                            let (id, a) = item.split_once('=').ok_or_else(|| {
                                anyhow!("MIP6LAB_CONFIGURED_HOAS: `{item}` is not identity=address")
                            })?;
                            Ok((
                                id.trim().to_string(),
                                a.trim().parse().map_err(|_| {
                                    anyhow!("MIP6LAB_CONFIGURED_HOAS: bad address in `{item}`")
                                })?,
                            ))
                        })
                        .collect::<Result<_>>()?,
                    // The pool lies in the upper half of the prefix's first /112 (ike.rs).
                    pool_size: get("MIP6LAB_HOA_POOL_SIZE")
                        .map(|s| {
                            s.parse::<u32>()
                                .ok()
                                .filter(|n| (1..=32767).contains(n))
                                .ok_or_else(|| {
                                    anyhow!("MIP6LAB_HOA_POOL_SIZE: `{s}` is not 1..=32767")
                                })
                        })
                        .transpose()?
                        .unwrap_or(256),
                    tsig: (kn.to_string(), ks.to_string()),
                    zone: get("MIP6LAB_DOMAIN").unwrap_or_else(|| "example.com".into()),
                    reverse_zone: get("MIP6LAB_REVERSE_ZONE")
                        .ok_or_else(|| anyhow!("MIP6LAB_REVERSE_ZONE is not set"))?,
                    radius,
                    dns_forward,
                    dad_wait: Duration::from_millis(
                        get("MIP6LAB_DAD_WAIT_MS")
                            .map(|s| {
                                s.parse::<u64>()
                                    .ok()
                                    .filter(|ms| *ms <= 10_000)
                                    .ok_or_else(|| {
                                        anyhow!("MIP6LAB_DAD_WAIT_MS: `{s}` is not 0..=10000")
                                    })
                            })
                            .transpose()?
                            .unwrap_or(mip6lab_engines::dad::RETRANS_TIMER_MS),
                    ),
                });
            }
        }
        let wait_addrs = get("MIP6LAB_WAIT_ADDRS")
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse()
                    .with_context(|| format!("MIP6LAB_WAIT_ADDRS: bad address `{s}`"))
            })
            .collect::<Result<_>>()?;
        let knobs = Knobs::parse(&get("MIP6LAB_KNOBS").unwrap_or_default())?;
        Ok(Config {
            role,
            addr,
            dns,
            id,
            auth,
            keylog_dir: PathBuf::from(
                get("MIP6LAB_KEYLOG_DIR").unwrap_or_else(|| "/var/lib/mip6lab/keys".into()),
            ),
            mn,
            ha,
            defender,
            wait_addrs,
            net_timeout: Duration::from_secs(20),
            knobs,
        })
    }

    /// This node's address: `MIP6LAB_ADDR`, else the first awaited address.
    pub fn own_addr(&self) -> Result<Ipv6Addr> {
        self.addr
            .or_else(|| self.wait_addrs.first().copied())
            .ok_or_else(|| anyhow!("MIP6LAB_ADDR is not set"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_knob_has_one_valid_mutant_and_stimuli_have_none() {
        for (name, _) in Knobs::CATALOG {
            let n = Knobs::MUTANTS
                .iter()
                .filter(|m| m.split_once('=').map(|(k, _)| k) == Some(*name))
                .count();
            let want = usize::from(!Knobs::is_stimulus(name));
            assert_eq!(n, want, "knob {name} has {n} mutants");
        }
        for m in Knobs::MUTANTS {
            let k = Knobs::parse(m).unwrap();
            assert_ne!(k, Knobs::default(), "{m} changes nothing");
            let name = m.split_once('=').map_or(*m, |(k, _)| k);
            assert!(
                Knobs::CATALOG.iter().any(|(n, _)| *n == name),
                "mutant {m} is not in the catalog `mip6lab knobs` prints"
            );
        }
    }

    fn env(pairs: &[(&str, &str)]) -> impl Iterator<Item = (String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<Vec<_>>()
            .into_iter()
    }

    #[test]
    fn srv_discovery_is_chosen_when_only_a_domain_is_given() {
        let c = Config::from_env(env(&[
            ("MIP6LAB_ROLE", "mn"),
            ("MIP6LAB_DNS", "2001:db8:1::53"),
            ("MIP6LAB_DOMAIN", "example.com"),
        ]))
        .unwrap();
        let mn = c.mn.unwrap();
        assert_eq!(
            mn.discovery,
            Discovery::Srv {
                domain: "example.com".into()
            }
        );
        assert_eq!(mn.hoa_mode, HoaMode::Assigned);
        assert!(mn.dns_update);
        assert_eq!(c.knobs, Knobs::default());
    }

    #[test]
    fn ha_settings_are_checked() {
        let base = [
            ("MIP6LAB_ROLE", "ha"),
            ("MIP6LAB_DNS", "2001:db8:1::53"),
            ("MIP6LAB_HOME_PREFIX", "2001:db8:1:100::/64"),
            ("MIP6LAB_TSIG_KEY", "ha-update.:c2VjcmV0"),
            ("MIP6LAB_REVERSE_ZONE", "1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa"),
        ];
        let c = Config::from_env(env(&base)).unwrap();
        let ha = c.ha.unwrap();
        assert_eq!(ha.home_prefix.1, 64);
        assert_eq!(ha.tsig.0, "ha-update.");
        let mut eap = base.to_vec();
        eap.push(("MIP6LAB_AUTH", "eap"));
        let e = Config::from_env(env(&eap)).unwrap_err().to_string();
        assert!(e.contains("MIP6LAB_RADIUS"), "{e}");
        let mut bad = base.to_vec();
        bad[2] = ("MIP6LAB_HOME_PREFIX", "2001:db8:1:100::");
        let e = format!("{:#}", Config::from_env(env(&bad)).unwrap_err());
        assert!(e.contains("MIP6LAB_HOME_PREFIX"), "{e}");
        assert_eq!(ha.pool_size, 256);
        let mut one = base.to_vec();
        one.push(("MIP6LAB_HOA_POOL_SIZE", "1"));
        assert_eq!(
            Config::from_env(env(&one)).unwrap().ha.unwrap().pool_size,
            1
        );
        one.pop();
        one.push(("MIP6LAB_HOA_POOL_SIZE", "0"));
        let e = Config::from_env(env(&one)).unwrap_err().to_string();
        assert!(e.contains("MIP6LAB_HOA_POOL_SIZE"), "{e}");
        assert_eq!(ha.dns_forward, DnsForward::SelfUpdate);
        let mut aaa = base.to_vec();
        aaa.push(("MIP6LAB_DNS_FORWARD", "aaa"));
        let e = Config::from_env(env(&aaa)).unwrap_err().to_string();
        assert!(e.contains("MIP6LAB_RADIUS"), "{e}");
        aaa.push(("MIP6LAB_RADIUS", "[2001:db8:1::18]:1812"));
        aaa.push(("MIP6LAB_RADIUS_SECRET", "s"));
        assert_eq!(
            Config::from_env(env(&aaa)).unwrap().ha.unwrap().dns_forward,
            DnsForward::Aaa("[2001:db8:1::18]:1813".parse().unwrap())
        );
        aaa[5] = ("MIP6LAB_DNS_FORWARD", "msa");
        let e = Config::from_env(env(&aaa)).unwrap_err().to_string();
        assert!(e.contains("MIP6LAB_DNS_FORWARD"), "{e}");
    }

    #[test]
    fn unknown_knobs_and_missing_settings_are_clear_errors() {
        let e = Knobs::parse("mn.bogus=1").unwrap_err().to_string();
        assert!(
            e.contains("unknown knob `mn.bogus`") && e.contains("mn.srv_proto"),
            "{e}"
        );
        let e = Knobs::parse("mn.no_hao=maybe").unwrap_err().to_string();
        assert!(e.contains("true/false"), "{e}");
        let e = Config::from_env(env(&[("MIP6LAB_ROLE", "mn")]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("MIP6LAB_DNS"), "{e}");
    }

    #[test]
    fn proxy_dad_wait_and_the_defender_role() {
        let ha = [
            ("MIP6LAB_ROLE", "ha"),
            ("MIP6LAB_DNS", "2001:db8:1::53"),
            ("MIP6LAB_HOME_PREFIX", "2001:db8:1:100::/64"),
            ("MIP6LAB_TSIG_KEY", "ha-update.:c2VjcmV0"),
            ("MIP6LAB_REVERSE_ZONE", "1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa"),
        ];
        let c = Config::from_env(env(&ha)).unwrap();
        assert_eq!(c.ha.unwrap().dad_wait, Duration::from_millis(1000));
        let mut slow = ha.to_vec();
        slow.push(("MIP6LAB_DAD_WAIT_MS", "60000"));
        let e = Config::from_env(env(&slow)).unwrap_err().to_string();
        assert!(e.contains("MIP6LAB_DAD_WAIT_MS"), "{e}");
        // No DNS needed; the prefix is.
        let d = Config::from_env(env(&[
            ("MIP6LAB_ROLE", "nd-defender"),
            ("MIP6LAB_DEFEND_PREFIX", "2001:db8:1:100::/64"),
        ]))
        .unwrap();
        assert_eq!(d.role, Role::NdDefender);
        assert_eq!(d.defender.unwrap().lifetime, Duration::from_secs(300));
        let e = Config::from_env(env(&[("MIP6LAB_ROLE", "nd-defender")]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("MIP6LAB_DEFEND_PREFIX"), "{e}");
        assert!(
            Knobs::parse("ha.no_proxy_dad=true")
                .unwrap()
                .ha_no_proxy_dad
        );
    }
}
