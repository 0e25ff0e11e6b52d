//! The mobile node's Binding Update List for home registrations (RFC 6275 §11.7.1, §11.7.3,
//! §11.8, §12, §13; RFC 5026 §5.3.2, §6).
//!
//! One entry per HA. Each transmission (first send, retransmission, refresh) uses a new sequence
//! number, one more than the last (§11.8: "Retransmitted Binding Updates MUST use a Sequence
//! Number value greater than that used for the previous transmission"). The first number is the
//! caller's. Retransmission starts at InitialBindackTimeoutFirstReg (1.5 s) for a first
//! registration and INITIAL_BINDACK_TIMEOUT (1 s) otherwise, doubles each time up to
//! MAX_BINDACK_TIMEOUT (32 s), and gives up after [`MnConfig::max_transmissions`].
//!
//! A BA is taken (§11.7.3) only while a BU is outstanding and its Sequence matches one sent in
//! the current attempt — except status 135, which carries the HA's last accepted number: the MN
//! then continues from that number. Status < 128 → registered, remaining lifetime counted from
//! when the matched BU was sent (`max(L_remain − (L_update − L_ack), 0)`). Status 1 → also
//! solicit prefixes. Status 134 → the HoA is never used again, and RFC 5026 §5.3.2 says the MN
//! configures a new HoA and runs CREATE_CHILD_SA (not a new IKE_SA):
//! [`MnAction::NewHoaViaCreateChildSa`]. Other statuses ≥ 128 stop the attempt.
//!
//! In the [`SansIo`] vocabulary: [`BindingUpdateList::register`] and
//! [`BindingUpdateList::deregister`] are commands, a BA is the input ([`BaInput`]), and
//! everything the driver must do or know comes out as [`MnAction`] events — BUs too
//! ([`MnAction::SendBu`]): they go over ESP with a HAO, which the driver builds, so there are
//! no plain transmits.
//!
//! RFC 5555: with [`MnConfig::ipv4_hoa_request`] every registration BU (not a deregistration)
//! carries an IPv4 Home Address option (§4.4.2: the MN MUST include it when it has or needs an
//! IPv4 HoA): 0.0.0.0 asks for a dynamic address, another address for that one; once granted,
//! refreshes carry the granted address and prefix length (§3.1.1). An accepting BA's IPv4
//! Address Acknowledgement comes out as [`MnAction::Ipv4HoaAck`] (before
//! [`MnAction::Registered`]); success binds the address ([`BindingUpdateList::ipv4_hoa`]),
//! failure binds none (§4.4.2 MUST NOT) and the request stays (MAY). An accepting BA without the
//! option means the HA lacks the IPv4 HoA option (§2.3.1 MUST): [`MnAction::Ipv4HoaUnsupported`],
//! and that HA is not asked again (SHOULD NOT). The IPv4 HoA goes with deregistration, expiry
//! and a new IPv6 HoA.

use crate::binding::lifetime_ms;
use crate::io::{SansIo, Transmit};
use mip6lab_wire::mh::options::{lay_out, MobilityOption};
use mip6lab_wire::mh::{
    ba_status, BaFlags, BindingAck, BindingUpdate, BuFlags, DnsUpdate, FqdnForm, Ipv4AckStatus,
    Ipv4CareOf, Ipv4HomeAddress,
};
use std::collections::{BTreeMap, VecDeque};
use std::net::{Ipv4Addr, Ipv6Addr};

/// MN timers and BU contents.
#[derive(Debug, Clone)]
pub struct MnConfig {
    /// InitialBindackTimeoutFirstReg (RFC 6275 §13: 1.5 s).
    pub initial_timeout_first_reg_ms: u64,
    /// INITIAL_BINDACK_TIMEOUT (§12: 1 s).
    pub initial_timeout_ms: u64,
    /// MAX_BINDACK_TIMEOUT (§12: 32 s).
    pub max_timeout_ms: u64,
    /// Transmissions of one BU attempt (first send included) before giving up.
    pub max_transmissions: u32,
    /// Requested Lifetime, 4-s units (must be non-zero, §11.7.1).
    pub lifetime_units: u16,
    /// Set K (the MN can move its IKE endpoint, §11.7.1).
    pub k: bool,
    /// Refresh when this percentage of the granted lifetime has passed.
    pub refresh_percent: u8,
    /// How the DNS Update option writes the FQDN.
    pub fqdn_form: FqdnForm,
    /// RFC 5555: ask for an IPv4 home address in registration BUs (0.0.0.0: a dynamic one);
    /// `None`: no IPv4 Home Address option.
    pub ipv4_hoa_request: Option<Ipv4Addr>,
    /// Mutant `mn.ipv4_hoa_after_no_ack`: go on asking an HA whose BA had no IPv4 Address
    /// Acknowledgement (RFC 5555 §2.3.1 SHOULD NOT).
    pub ipv4_hoa_after_no_ack: bool,
}

impl Default for MnConfig {
    fn default() -> Self {
        MnConfig {
            initial_timeout_first_reg_ms: 1_500,
            initial_timeout_ms: 1_000,
            max_timeout_ms: 32_000,
            max_transmissions: 6,
            lifetime_units: 150,
            k: true,
            refresh_percent: 75,
            fqdn_form: FqdnForm::Text,
            ipv4_hoa_request: None,
            ipv4_hoa_after_no_ack: false,
        }
    }
}

/// What the MN's driver must do or know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MnAction {
    /// Send this BU (ESP-protected, HAO = `hoa`, source `coa`). With `ipv4_coa` it goes in
    /// UDP 4191 from that address to the HA's IPv4 address (RFC 5555 §4.1 MUST), `coa` is the
    /// HoA and there is no HAO (§4.2: the inner source is the HoA).
    SendBu {
        ha: Ipv6Addr,
        hoa: Ipv6Addr,
        coa: Ipv6Addr,
        ipv4_coa: Option<Ipv4Addr>,
        bu: BindingUpdate,
        options: Vec<MobilityOption>,
    },
    Registered {
        ha: Ipv6Addr,
        lifetime_units: u16,
        expires_ms: u64,
        /// The BA had K = 1: IKE endpoints may be moved.
        ike_endpoint_movable: bool,
    },
    Deregistered {
        ha: Ipv6Addr,
    },
    /// BA status ≥ 128 (other than 134 and 135).
    Rejected {
        ha: Ipv6Addr,
        status: u8,
    },
    /// No BA after `max_transmissions`.
    RegistrationFailed {
        ha: Ipv6Addr,
    },
    /// Status 134: stop using `old_hoa`, configure a new HoA, create SAs for it with
    /// CREATE_CHILD_SA on the existing IKE SA, then [`BindingUpdateList::set_hoa`] and register.
    NewHoaViaCreateChildSa {
        ha: Ipv6Addr,
        old_hoa: Ipv6Addr,
    },
    /// Status 135: the HA's last accepted number; the next BU uses one more.
    SeqResync {
        ha: Ipv6Addr,
        seq: u16,
    },
    /// The BA's DNS Update option Status (RFC 5026 §8.1).
    DnsStatus {
        ha: Ipv6Addr,
        status: u8,
        remove: bool,
    },
    /// Status 1 (§11.7.3: SHOULD send a Mobile Prefix Solicitation).
    SendMobilePrefixSolicitation {
        ha: Ipv6Addr,
    },
    BindingExpired {
        ha: Ipv6Addr,
    },
    /// The accepting BA's IPv4 Address Acknowledgement (RFC 5555 §3.2.1): on success
    /// `address`/`prefix_len` is the IPv4 HoA now bound; on failure `prefix_len` is meaningless
    /// and nothing is bound.
    Ipv4HoaAck {
        ha: Ipv6Addr,
        status: Ipv4AckStatus,
        address: Ipv4Addr,
        prefix_len: u8,
    },
    /// The BU asked for an IPv4 HoA and the accepting BA had no IPv4 Address Acknowledgement:
    /// the HA does not support the option (RFC 5555 §2.3.1); it is not asked again.
    Ipv4HoaUnsupported {
        ha: Ipv6Addr,
    },
}

/// Caller errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MnError {
    UnknownHa,
    AlreadyKnown,
    /// The HoA got status 134 before and must not be used again (RFC 6275 §11.7.1).
    HoaRefused,
}

/// Where one HA's entry stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BulState {
    Idle,
    Pending { dereg: bool },
    Registered,
    Failed,
}

#[derive(Debug, Clone)]
struct Outstanding {
    /// (seq, sent_ms) of each transmission of this attempt.
    sent: Vec<(u16, u64)>,
    next_retx_ms: u64,
    timeout_ms: u64,
    dereg: bool,
    coa: CareOf,
    dns: Option<DnsUpdate>,
    /// The IPv4 Home Address option of this attempt (RFC 5555).
    ipv4: Option<Ipv4HomeAddress>,
}

#[derive(Debug, Clone)]
struct Registration {
    expires_ms: u64,
    refresh_ms: u64,
    coa: CareOf,
}

/// Where a BU is sent from: an IPv6 care-of address, or an IPv4 one (RFC 5555).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CareOf {
    V6(Ipv6Addr),
    V4(Ipv4Addr),
}

#[derive(Debug, Clone)]
struct Entry {
    hoa: Ipv6Addr,
    next_seq: u16,
    outstanding: Option<Outstanding>,
    registered: Option<Registration>,
    ever_registered: bool,
    failed: bool,
    refused_hoas: Vec<Ipv6Addr>,
    /// The IPv4 HoA (and prefix length) bound at this HA (RFC 5555).
    ipv4_hoa: Option<(Ipv4Addr, u8)>,
    /// This HA answered an IPv4 Home Address option without acknowledging it.
    ipv4_unsupported: bool,
}

/// The Binding Update List, keyed by HA address.
#[derive(Debug, Clone)]
pub struct BindingUpdateList {
    cfg: MnConfig,
    entries: BTreeMap<Ipv6Addr, Entry>,
    events: VecDeque<MnAction>,
}

/// A BA from `ha`, already IPsec-verified by the caller, with its mobility options.
#[derive(Debug, Clone, Copy)]
pub struct BaInput<'a> {
    pub ha: Ipv6Addr,
    pub ba: &'a BindingAck,
    pub options: &'a [MobilityOption],
}

impl BindingUpdateList {
    pub fn new(cfg: MnConfig) -> BindingUpdateList {
        BindingUpdateList {
            cfg,
            entries: BTreeMap::new(),
            events: VecDeque::new(),
        }
    }

    /// Adds an HA with the MN's HoA there and the first sequence number to use.
    pub fn add_ha(&mut self, ha: Ipv6Addr, hoa: Ipv6Addr, initial_seq: u16) -> Result<(), MnError> {
        if self.entries.contains_key(&ha) {
            return Err(MnError::AlreadyKnown);
        }
        self.entries.insert(
            ha,
            Entry {
                hoa,
                next_seq: initial_seq,
                outstanding: None,
                registered: None,
                ever_registered: false,
                failed: false,
                refused_hoas: Vec::new(),
                ipv4_hoa: None,
                ipv4_unsupported: false,
            },
        );
        Ok(())
    }

    /// A new HoA at `ha` (after CREATE_CHILD_SA for it). Refused for a HoA that got 134.
    pub fn set_hoa(&mut self, ha: Ipv6Addr, hoa: Ipv6Addr) -> Result<(), MnError> {
        let e = self.entries.get_mut(&ha).ok_or(MnError::UnknownHa)?;
        if e.refused_hoas.contains(&hoa) {
            return Err(MnError::HoaRefused);
        }
        e.hoa = hoa;
        e.registered = None;
        e.outstanding = None;
        e.ever_registered = false;
        e.failed = false;
        e.ipv4_hoa = None;
        Ok(())
    }

    pub fn hoa(&self, ha: &Ipv6Addr) -> Option<Ipv6Addr> {
        self.entries.get(ha).map(|e| e.hoa)
    }

    /// The IPv4 home address and prefix length bound at `ha` (RFC 5555), if any.
    pub fn ipv4_hoa(&self, ha: &Ipv6Addr) -> Option<(Ipv4Addr, u8)> {
        self.entries.get(ha).and_then(|e| e.ipv4_hoa)
    }

    /// The sequence number the next BU to `ha` will carry.
    pub fn next_seq(&self, ha: &Ipv6Addr) -> Option<u16> {
        self.entries.get(ha).map(|e| e.next_seq)
    }

    pub fn state(&self, ha: &Ipv6Addr) -> Option<BulState> {
        self.entries
            .get(ha)
            .map(|e| match (&e.outstanding, &e.registered) {
                (Some(o), _) => BulState::Pending { dereg: o.dereg },
                (None, _) if e.failed => BulState::Failed,
                (None, Some(_)) => BulState::Registered,
                (None, None) => BulState::Idle,
            })
    }

    /// Registers (or re-registers from a new CoA). `dns_fqdn`: add a DNS Update option (R = 0).
    /// The BU comes out as [`MnAction::SendBu`].
    pub fn register(
        &mut self,
        ha: Ipv6Addr,
        coa: Ipv6Addr,
        dns_fqdn: Option<&str>,
        now_ms: u64,
    ) -> Result<(), MnError> {
        self.register_from(ha, CareOf::V6(coa), dns_fqdn, now_ms)
    }

    /// Registers from an IPv4 care-of address (RFC 5555 §4.1, §4.2): the BU carries the IPv4
    /// Care-of Address option and goes out in UDP ([`MnAction::SendBu`] with `ipv4_coa`).
    pub fn register_from_ipv4(
        &mut self,
        ha: Ipv6Addr,
        coa: Ipv4Addr,
        dns_fqdn: Option<&str>,
        now_ms: u64,
    ) -> Result<(), MnError> {
        self.register_from(ha, CareOf::V4(coa), dns_fqdn, now_ms)
    }

    fn register_from(
        &mut self,
        ha: Ipv6Addr,
        coa: CareOf,
        dns_fqdn: Option<&str>,
        now_ms: u64,
    ) -> Result<(), MnError> {
        let form = self.cfg.fqdn_form;
        let e = self.entries.get(&ha).ok_or(MnError::UnknownHa)?;
        if e.refused_hoas.contains(&e.hoa) {
            return Err(MnError::HoaRefused);
        }
        let dns = dns_fqdn.and_then(|f| DnsUpdate::new(0, false, f, form).ok());
        let actions = self.start(ha, coa, false, dns, now_ms);
        self.events.extend(actions);
        Ok(())
    }

    /// Deregisters (Lifetime 0). `dns_remove`: add a DNS Update option with R = 1 (RFC 5026 §6).
    pub fn deregister(
        &mut self,
        ha: Ipv6Addr,
        coa: Ipv6Addr,
        dns_remove: Option<&str>,
        now_ms: u64,
    ) -> Result<(), MnError> {
        let form = self.cfg.fqdn_form;
        if !self.entries.contains_key(&ha) {
            return Err(MnError::UnknownHa);
        }
        let dns = dns_remove.and_then(|f| DnsUpdate::new(0, true, f, form).ok());
        // Where the binding is: a deregistration after an IPv4 registration goes that way too.
        let from = match self.entries.get(&ha).and_then(|e| e.registered.as_ref()) {
            Some(Registration {
                coa: v4 @ CareOf::V4(_),
                ..
            }) => *v4,
            _ => CareOf::V6(coa),
        };
        let actions = self.start(ha, from, true, dns, now_ms);
        self.events.extend(actions);
        Ok(())
    }

    fn start(
        &mut self,
        ha: Ipv6Addr,
        coa: CareOf,
        dereg: bool,
        dns: Option<DnsUpdate>,
        now_ms: u64,
    ) -> Vec<MnAction> {
        let first = self.cfg.initial_timeout_first_reg_ms;
        let later = self.cfg.initial_timeout_ms;
        let (request, keep_asking) = (self.cfg.ipv4_hoa_request, self.cfg.ipv4_hoa_after_no_ack);
        let Some(e) = self.entries.get_mut(&ha) else {
            return Vec::new();
        };
        e.failed = false;
        let ipv4 = request
            .filter(|_| !dereg && (!e.ipv4_unsupported || keep_asking))
            .map(|asked| match e.ipv4_hoa {
                // §3.1.1: after the grant, the address and the prefix length allocated.
                Some((a, len)) => Ipv4HomeAddress {
                    prefix_len: len,
                    ..Ipv4HomeAddress::single(a)
                },
                None => Ipv4HomeAddress::single(asked),
            });
        let timeout_ms = if !e.ever_registered && !dereg {
            first
        } else {
            later
        };
        e.outstanding = Some(Outstanding {
            sent: Vec::new(),
            next_retx_ms: now_ms,
            timeout_ms,
            dereg,
            coa,
            dns,
            ipv4,
        });
        vec![self.transmit(ha, now_ms)]
    }

    /// Sends (or resends) the outstanding BU with a fresh sequence number.
    fn transmit(&mut self, ha: Ipv6Addr, now_ms: u64) -> MnAction {
        let cfg = &self.cfg;
        let e = self.entries.get_mut(&ha).expect("entry exists");
        let hoa = e.hoa;
        let seq = e.next_seq;
        e.next_seq = e.next_seq.wrapping_add(1);
        let o = e.outstanding.as_mut().expect("outstanding BU");
        let first_send = o.sent.is_empty();
        o.sent.push((seq, now_ms));
        if !first_send {
            o.timeout_ms = (o.timeout_ms.saturating_mul(2)).min(cfg.max_timeout_ms);
        }
        o.next_retx_ms = now_ms.saturating_add(o.timeout_ms);
        let mut flags = BuFlags::A | BuFlags::H;
        if cfg.k {
            flags |= BuFlags::K;
        }
        let mut opts = Vec::new();
        // RFC 5555 §4.2: an IPv4 CoA travels in its option; the inner source is the HoA.
        let (coa, ipv4_coa) = match o.coa {
            CareOf::V4(a) => (hoa, Some(a)),
            CareOf::V6(c) => (c, None),
        };
        // RFC 4877 §4.3: the ACoA option away from home; not when deregistering at home.
        if ipv4_coa.is_none() && coa != hoa {
            opts.push(MobilityOption::AlternateCoa(coa));
        }
        if let Some(h) = o.ipv4 {
            opts.push(MobilityOption::Ipv4HomeAddress(h));
        }
        // After the IPv4 HoA, as in RFC 5555 §4.2's figure.
        opts.extend(ipv4_coa.map(|a| MobilityOption::Ipv4CareOf(Ipv4CareOf::new(a))));
        if let Some(d) = &o.dns {
            opts.push(MobilityOption::DnsUpdate(d.clone()));
        }
        MnAction::SendBu {
            ha,
            hoa,
            coa,
            ipv4_coa,
            bu: BindingUpdate {
                seq,
                flags: BuFlags(flags),
                reserved: 0,
                lifetime: if o.dereg { 0 } else { cfg.lifetime_units },
            },
            options: lay_out(12, &opts),
        }
    }

    /// What a BA from `ha` (already IPsec-verified by the caller) means.
    fn ba_actions(
        &mut self,
        ha: Ipv6Addr,
        ba: &BindingAck,
        options: &[MobilityOption],
        now_ms: u64,
    ) -> Vec<MnAction> {
        let pct = u64::from(self.cfg.refresh_percent.min(100));
        let mut out = Vec::new();
        let Some(e) = self.entries.get_mut(&ha) else {
            return out;
        };
        let Some(o) = e.outstanding.as_ref() else {
            return out;
        };
        if ba.status == ba_status::SEQUENCE_OUT_OF_WINDOW {
            e.next_seq = ba.seq.wrapping_add(1);
            out.push(MnAction::SeqResync { ha, seq: ba.seq });
            if o.sent.len() as u32 >= self.cfg.max_transmissions {
                e.outstanding = None;
                e.failed = true;
                out.push(MnAction::RegistrationFailed { ha });
            } else {
                out.push(self.transmit(ha, now_ms));
            }
            return out;
        }
        let Some(&(_, sent_ms)) = o.sent.iter().find(|(s, _)| *s == ba.seq) else {
            return out;
        };
        let o = e.outstanding.take().expect("checked");
        for opt in options {
            if let MobilityOption::DnsUpdate(d) = opt {
                out.push(MnAction::DnsStatus {
                    ha,
                    status: d.status,
                    remove: d.remove(),
                });
            }
        }
        match ba.status {
            s if s < 128 => {
                if o.dereg {
                    e.registered = None;
                    e.ipv4_hoa = None;
                    out.push(MnAction::Deregistered { ha });
                } else {
                    if o.ipv4.is_some() {
                        out.push(ipv4_outcome(ha, e, options));
                    }
                    let granted_ms = lifetime_ms(ba.lifetime);
                    let mut refresh_after = granted_ms * pct / 100;
                    for opt in options {
                        if let MobilityOption::BindingRefreshAdvice { interval } = opt {
                            refresh_after = refresh_after.min(lifetime_ms(*interval));
                        }
                    }
                    // Never refresh sooner than 1 s after the BU (a zero Refresh Interval or
                    // refresh percentage would otherwise make a BU storm).
                    refresh_after = refresh_after.max(1_000);
                    let expires_ms = sent_ms.saturating_add(granted_ms);
                    e.registered = Some(Registration {
                        expires_ms,
                        refresh_ms: sent_ms.saturating_add(refresh_after),
                        coa: o.coa,
                    });
                    e.ever_registered = true;
                    out.push(MnAction::Registered {
                        ha,
                        lifetime_units: ba.lifetime,
                        expires_ms,
                        ike_endpoint_movable: ba.flags.contains(BaFlags::K),
                    });
                    if s == ba_status::ACCEPTED_PREFIX_DISCOVERY {
                        out.push(MnAction::SendMobilePrefixSolicitation { ha });
                    }
                }
            }
            ba_status::DAD_FAILED => {
                let old = e.hoa;
                if !e.refused_hoas.contains(&old) {
                    e.refused_hoas.push(old);
                }
                e.registered = None;
                e.failed = true;
                out.push(MnAction::NewHoaViaCreateChildSa { ha, old_hoa: old });
            }
            status => {
                e.failed = true;
                out.push(MnAction::Rejected { ha, status });
            }
        }
        out
    }

    /// Earliest time [`SansIo::handle_timeout`] has something to do.
    fn earliest_timer(&self) -> Option<u64> {
        self.entries
            .values()
            .flat_map(|e| {
                let refresh_due = e.outstanding.is_none() && !e.failed;
                [
                    e.outstanding.as_ref().map(|o| o.next_retx_ms),
                    e.registered.as_ref().map(|r| {
                        if refresh_due {
                            r.refresh_ms.min(r.expires_ms)
                        } else {
                            r.expires_ms
                        }
                    }),
                ]
            })
            .flatten()
            .min()
    }

    /// Retransmissions, refreshes and expiry due at `now_ms`.
    fn timer_actions(&mut self, now_ms: u64) -> Vec<MnAction> {
        let mut out = Vec::new();
        let has: Vec<Ipv6Addr> = self.entries.keys().copied().collect();
        for ha in has {
            let max = self.cfg.max_transmissions;
            let e = self.entries.get_mut(&ha).expect("listed");
            if let Some(r) = &e.registered {
                if r.expires_ms <= now_ms {
                    e.registered = None;
                    e.ipv4_hoa = None;
                    out.push(MnAction::BindingExpired { ha });
                }
            }
            if let Some(o) = &e.outstanding {
                if o.next_retx_ms <= now_ms {
                    if o.sent.len() as u32 >= max {
                        e.outstanding = None;
                        e.failed = true;
                        out.push(MnAction::RegistrationFailed { ha });
                    } else {
                        out.push(self.transmit(ha, now_ms));
                    }
                }
                continue;
            }
            if let Some(r) = &e.registered {
                if r.refresh_ms <= now_ms && !e.failed {
                    let coa = r.coa;
                    out.extend(self.start(ha, coa, false, None, now_ms));
                }
            }
        }
        out
    }
}

/// What an accepting BA says of the IPv4 HoA asked for (RFC 5555 §2.3.1, §4.4.2), recorded in
/// the HA's entry.
fn ipv4_outcome(ha: Ipv6Addr, e: &mut Entry, options: &[MobilityOption]) -> MnAction {
    let ack = options.iter().find_map(|o| match o {
        MobilityOption::Ipv4AddressAck(a) => Some(*a),
        _ => None,
    });
    let Some(a) = ack else {
        e.ipv4_hoa = None;
        e.ipv4_unsupported = true;
        return MnAction::Ipv4HoaUnsupported { ha };
    };
    e.ipv4_hoa = a.status.is_success().then_some((a.address, a.prefix_len));
    MnAction::Ipv4HoaAck {
        ha,
        status: a.status,
        address: a.address,
        prefix_len: a.prefix_len,
    }
}

impl SansIo for BindingUpdateList {
    type Input<'a> = BaInput<'a>;
    type Event = MnAction;

    fn handle_input(&mut self, now: u64, input: BaInput<'_>) {
        let actions = self.ba_actions(input.ha, input.ba, input.options, now);
        self.events.extend(actions);
    }

    fn handle_timeout(&mut self, now: u64) {
        let actions = self.timer_actions(now);
        self.events.extend(actions);
    }

    /// None: BUs are [`MnAction::SendBu`] events (ESP with a HAO, built by the driver).
    fn poll_transmit(&mut self) -> Option<Transmit> {
        None
    }

    fn poll_event(&mut self) -> Option<MnAction> {
        self.events.pop_front()
    }

    fn next_timeout(&self) -> Option<u64> {
        self.earliest_timer()
    }
}
