//! A stimulus relay agent, sans-IO: it plays the NAS's DHCPv6 relay (and, for one shape, a
//! second relay outside it) towards a DHCPv6 server under test, sending one complete
//! Relay-forward per [`Shape`] — each around an Information-request from its own client — and
//! noting which the server answers. The tests of a server (RFC 6611 §4.2.1 (4), §4.2.2 (4),
//! RFC 6610 §3.1/§4.3/§4.4, RFC 6422 §6) read the Relay-forwards and Relay-replies on the wire.
//!
//! # The shapes
//!
//! Each shape's client has the DUID-LL 00:00:5e:00:53:NN (the IANA documentation MAC range of
//! RFC 7042 §2.1.2, NN = the shape's number), its Information-request the transaction-id
//! [`TRANSACTION_ID_BASE`] + NN, so a judge finds a shape's exchange by either. HA1 is the
//! AAA-assigned MSP home agent a relay supplies, HA2 the server's own (its configured VDINF
//! and its table's `example.net` entry), the decoy an address a conforming server never sends.
//!
//! | # | shape | the Relay-forward | a conforming server's Reply |
//! |---|---|---|---|
//! | 1 | `msp` | RSOO{IDINF{HNIDF example.com, HAA HA1, HNP}}, IR{ORO[69], HNIDF example.com} | IDINF{HNIDF example.com, HAA HA1, HNP} |
//! | 2 | `asp` | RSOO{IDINF{HNIDF example.com, HAA decoy}}, IR{ORO[50]}, no HNIDF | VDINF{HAA HA2}; the decoy nowhere |
//! | 3 | `not-enabled` | as `msp`, the RSOO also holding option 24 `rsoo-decoy.example.` | as `msp`; no option 24 with that name |
//! | 4 | `nested` | RF{RSOO{IDINF{example.com, HAA decoy}}, RF{RSOO{IDINF{example.com, HAA HA1}}, IR as `msp`}} | one IDINF, HAA HA1 (the innermost) |
//! | 5 | `own-candidate` | RSOO{VDINF{HAA decoy}}, IR{ORO[50]} | VDINF{HAA HA2} only |
//! | 6 | `unknown-network` | IR{ORO[69], HNIDF unknown.example}, no RSOO | no IDINF, no home agent |
//! | 7 | `two-networks` | RSOO{IDINF{example.com, HAA HA1}}, IR{ORO[69], HNIDF example.com, HNIDF example.net} | one IDINF per network, each with its HNIDF (example.net → HA2) |
//! | 8 | `no-rsoo` | IR as `msp`, no RSOO | no IDINF for example.com with an HA it was not configured with |
//! | 12 | `unrestricted` | IR{ORO[70]}, no HNIDF, no RSOO | UDINF with the home agent it is configured with for one (the lab: HAF `ha2.example.com`) |
//!
//! Every Information-request carries CLIENTID, ELAPSED_TIME 0 and the ORO; every outermost
//! Relay-forward an Interface-Id (`shape-NN`), which the Relay-reply must copy (RFC 8415
//! §18.3.10).
//!
//! # Downstream shapes
//!
//! [`DOWNSTREAM_SHAPES`] play relays *below* a relay under test (the NAS), on its access link,
//! for RFC 6422 §5's blocking switch; the IR in each is `msp`'s, the decoy in every RSOO:
//!
//! | # | shape | the Relay-forward | a relay with the switch set |
//! |---|---|---|---|
//! | 9 | `downstream-plain` | RF{IR}, no RSOO | relays it (the control) |
//! | 10 | `downstream-rsoo` | RF{RSOO{IDINF{example.com, HAA decoy}}, IR} | silently discards it |
//! | 11 | `downstream-nested` | RF{RF{RSOO{…}, IR}}: the RSOO only in the inner encapsulation | silently discards it |
//!
//! # Driving
//!
//! [`RelayStimulus`] sends the shapes in order, one at a time: the Relay-forward, and once
//! more unchanged if no matching Relay-reply came within [`RelayStimulusConfig::wait_ms`];
//! after a second wait the shape counts as unanswered. A Relay-reply matches when its
//! innermost message is a Reply with the shape's transaction-id and client DUID. After the
//! last shape: [`RelayEvent::Done`].

use crate::io::{Datagram, SansIo, Transmit};
use mip6lab_wire::dhcpv6::{msg_type, DhcpOption, Duid, Fqdn, Repr};
use std::collections::VecDeque;
use std::fmt;
use std::net::{Ipv6Addr, SocketAddr};

/// HA1: the MSP's home agent the AAAH assigned, which the relay supplies in an RSOO.
pub const HA1: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 1, 0, 0, 0, 0, 0xa1);
/// HA2: the server's own home agent (its VDINF, and its table's `example.net` entry).
pub const HA2: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 2, 0, 0, 0, 0, 0xa2);
/// Where a conforming server puts nothing.
pub const DECOY_HA: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 2, 0, 0, 0, 0, 0xdec0);
/// The home link prefix the AAAH assigned with HA1 (prefix-len, prefix).
pub const MSP_PREFIX: (u8, Ipv6Addr) = (64, Ipv6Addr::new(0x2001, 0xdb8, 1, 0x100, 0, 0, 0, 0));
/// The MSP's home network (the MN's NAI realm).
pub const HOME_NETWORK: &str = "example.com.";
/// The network in the server's Home Network ID FQDN table (RFC 6610 §4.3), served by HA2.
pub const TABLE_NETWORK: &str = "example.net.";
/// A network no one knows.
pub const UNKNOWN_NETWORK: &str = "unknown.example.";
/// The domain in the non-RSOO-enabled option (24, Domain Search List) of `not-enabled`.
pub const RSOO_DECOY_DOMAIN: &str = "rsoo-decoy.example.";
/// OPTION_DOMAIN_LIST (RFC 3646), which no specification made RSOO-enabled.
pub const DOMAIN_LIST: u16 = 24;
/// The first octets of every shape client's link-layer address: 00:00:5e:00:53 (RFC 7042).
pub const CLIENT_MAC_PREFIX: [u8; 5] = [0x00, 0x00, 0x5e, 0x00, 0x53];
/// A shape's transaction-id is this plus its number.
pub const TRANSACTION_ID_BASE: u32 = 0x66_1100;
/// The address of the relay inside the tester's, in `nested` (the access side's NAS).
pub const INNER_RELAY: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0x10, 0, 0, 0, 0, 0xa);

/// The relay below the tester in `downstream-nested`, on the far side of the access link.
pub const FAR_RELAY: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0x10, 0, 0, 0, 0, 0xb0);

/// One Relay-forward recipe; see the module documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Shape {
    Msp = 1,
    Asp = 2,
    NotEnabled = 3,
    Nested = 4,
    OwnCandidate = 5,
    UnknownNetwork = 6,
    TwoNetworks = 7,
    NoRsoo = 8,
    DownstreamPlain = 9,
    DownstreamRsoo = 10,
    DownstreamNested = 11,
    Unrestricted = 12,
}

/// Every shape, in the order sent.
pub const SHAPES: [Shape; 9] = [
    Shape::Msp,
    Shape::Asp,
    Shape::NotEnabled,
    Shape::Nested,
    Shape::OwnCandidate,
    Shape::UnknownNetwork,
    Shape::TwoNetworks,
    Shape::NoRsoo,
    Shape::Unrestricted,
];

/// The shapes of a relay below a relay under test, in the order sent; see the module
/// documentation.
pub const DOWNSTREAM_SHAPES: [Shape; 3] = [
    Shape::DownstreamPlain,
    Shape::DownstreamRsoo,
    Shape::DownstreamNested,
];

impl Shape {
    pub fn number(self) -> u8 {
        self as u8
    }

    pub fn from_number(n: u8) -> Option<Shape> {
        SHAPES
            .into_iter()
            .chain(DOWNSTREAM_SHAPES)
            .find(|s| s.number() == n)
    }

    pub fn name(self) -> &'static str {
        match self {
            Shape::Msp => "msp",
            Shape::Asp => "asp",
            Shape::NotEnabled => "not-enabled",
            Shape::Nested => "nested",
            Shape::OwnCandidate => "own-candidate",
            Shape::UnknownNetwork => "unknown-network",
            Shape::TwoNetworks => "two-networks",
            Shape::NoRsoo => "no-rsoo",
            Shape::DownstreamPlain => "downstream-plain",
            Shape::DownstreamRsoo => "downstream-rsoo",
            Shape::DownstreamNested => "downstream-nested",
            Shape::Unrestricted => "unrestricted",
        }
    }

    /// The client's link-layer address, 00:00:5e:00:53:NN.
    pub fn client_mac(self) -> [u8; 6] {
        let p = CLIENT_MAC_PREFIX;
        [p[0], p[1], p[2], p[3], p[4], self.number()]
    }

    /// The client's DUID-LL (RFC 8415 §11.4), hardware type 1 (Ethernet).
    pub fn client_duid(self) -> Duid {
        Duid::Ll {
            hardware_type: 1,
            link_layer_address: self.client_mac().to_vec(),
        }
    }

    /// The client's link-local address (modified EUI-64 of its MAC), the Relay-forward's
    /// peer-address.
    pub fn client_link_local(self) -> Ipv6Addr {
        let m = self.client_mac();
        Ipv6Addr::new(
            0xfe80,
            0,
            0,
            0,
            u16::from_be_bytes([m[0] ^ 0x02, m[1]]),
            u16::from_be_bytes([m[2], 0xff]),
            u16::from_be_bytes([0xfe, m[3]]),
            u16::from_be_bytes([m[4], m[5]]),
        )
    }

    pub fn transaction_id(self) -> u32 {
        TRANSACTION_ID_BASE + u32::from(self.number())
    }

    /// The client's Information-request.
    pub fn information_request(self) -> Repr {
        let (oro, hnidfs): (u16, &[&str]) = match self {
            Shape::Asp | Shape::OwnCandidate => (code_of::VDINF, &[]),
            Shape::Unrestricted => (code_of::UDINF, &[]),
            Shape::UnknownNetwork => (code_of::IDINF, &[UNKNOWN_NETWORK]),
            Shape::TwoNetworks => (code_of::IDINF, &[HOME_NETWORK, TABLE_NETWORK]),
            Shape::Msp
            | Shape::NotEnabled
            | Shape::Nested
            | Shape::NoRsoo
            | Shape::DownstreamPlain
            | Shape::DownstreamRsoo
            | Shape::DownstreamNested => (code_of::IDINF, &[HOME_NETWORK]),
        };
        let mut options = vec![
            DhcpOption::ClientId(self.client_duid()),
            DhcpOption::ElapsedTime(0),
            DhcpOption::Oro(vec![oro]),
        ];
        options.extend(hnidfs.iter().map(|h| DhcpOption::Mip6Hnidf(fqdn(h))));
        Repr::ClientServer {
            msg_type: msg_type::INFORMATION_REQUEST,
            transaction_id: self.transaction_id(),
            options,
        }
    }

    /// The options of the RSOO the relay closest to the client adds (`None`: no RSOO).
    fn inner_rsoo(self) -> Option<Vec<DhcpOption>> {
        let idinf = |ha: Ipv6Addr, prefix: bool| {
            let mut o = vec![
                DhcpOption::Mip6Hnidf(fqdn(HOME_NETWORK)),
                DhcpOption::Mip6Haa(ha),
            ];
            if prefix {
                o.push(DhcpOption::Mip6Hnp {
                    prefix_len: MSP_PREFIX.0,
                    prefix: MSP_PREFIX.1,
                });
            }
            DhcpOption::Mip6Idinf(o)
        };
        Some(match self {
            Shape::Msp => vec![idinf(HA1, true)],
            Shape::Asp | Shape::DownstreamRsoo | Shape::DownstreamNested => {
                vec![idinf(DECOY_HA, false)]
            }
            Shape::NotEnabled => vec![
                idinf(HA1, true),
                DhcpOption::Other {
                    code: DOMAIN_LIST,
                    data: fqdn(RSOO_DECOY_DOMAIN).to_bytes(),
                },
            ],
            Shape::Nested | Shape::TwoNetworks => vec![idinf(HA1, false)],
            Shape::OwnCandidate => vec![DhcpOption::Mip6Vdinf(vec![DhcpOption::Mip6Haa(DECOY_HA)])],
            Shape::UnknownNetwork
            | Shape::NoRsoo
            | Shape::DownstreamPlain
            | Shape::Unrestricted => return None,
        })
    }

    /// The complete Relay-forward the tester sends; `link_address` is its own address.
    pub fn relay_forward(self, link_address: Ipv6Addr) -> Repr {
        let interface_id = DhcpOption::InterfaceId(format!("shape-{:02}", self.number()).into());
        let relay = |hop_count, link_address, peer_address, options| Repr::Relay {
            msg_type: msg_type::RELAY_FORW,
            hop_count,
            link_address,
            peer_address,
            options,
        };
        let with_rsoo = |mut options: Vec<DhcpOption>, rsoo: Option<Vec<DhcpOption>>| {
            options.extend(rsoo.map(DhcpOption::Rsoo));
            options
        };
        let relayed = DhcpOption::RelayMsg(Box::new(self.information_request()));
        if self == Shape::DownstreamNested {
            // The RSOO only where a relay checking the outer encapsulation alone misses it.
            let inner = relay(
                0,
                FAR_RELAY,
                self.client_link_local(),
                with_rsoo(vec![relayed], self.inner_rsoo()),
            );
            return relay(
                1,
                link_address,
                FAR_RELAY,
                vec![interface_id, DhcpOption::RelayMsg(Box::new(inner))],
            );
        }
        if self == Shape::Nested {
            let inner = relay(
                0,
                INNER_RELAY,
                self.client_link_local(),
                with_rsoo(vec![relayed], self.inner_rsoo()),
            );
            let outer_rsoo = vec![DhcpOption::Mip6Idinf(vec![
                DhcpOption::Mip6Hnidf(fqdn(HOME_NETWORK)),
                DhcpOption::Mip6Haa(DECOY_HA),
            ])];
            return relay(
                1,
                link_address,
                INNER_RELAY,
                with_rsoo(
                    vec![interface_id, DhcpOption::RelayMsg(Box::new(inner))],
                    Some(outer_rsoo),
                ),
            );
        }
        relay(
            0,
            link_address,
            self.client_link_local(),
            with_rsoo(vec![interface_id, relayed], self.inner_rsoo()),
        )
    }

    /// Whether `reply` (a Relay-reply, any nesting) answers this shape's request: its
    /// innermost message is a Reply with the shape's transaction-id and client DUID.
    pub fn is_answered_by(self, reply: &Repr) -> bool {
        if reply.msg_type() != msg_type::RELAY_REPL {
            return false;
        }
        let inner = reply.innermost();
        let client_id = inner.options().iter().find_map(|o| match o {
            DhcpOption::ClientId(d) => Some(d),
            _ => None,
        });
        matches!(inner, Repr::ClientServer { msg_type, transaction_id, .. }
            if *msg_type == msg_type::REPLY && *transaction_id == self.transaction_id())
            && client_id == Some(&self.client_duid())
    }
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The RFC 6610 container codes, for the ORO.
mod code_of {
    pub const VDINF: u16 = mip6lab_wire::dhcpv6::code::MIP6_VDINF;
    pub const IDINF: u16 = mip6lab_wire::dhcpv6::code::MIP6_IDINF;
    pub const UDINF: u16 = mip6lab_wire::dhcpv6::code::MIP6_UDINF;
}

fn fqdn(name: &str) -> Fqdn {
    Fqdn::from_dotted(name).expect("the shapes' names are valid FQDNs")
}

/// The driver's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelayStimulusConfig {
    /// The tester's own address: the Relay-forwards' link-address.
    pub own_address: Ipv6Addr,
    /// The server under test (port 547).
    pub server: SocketAddr,
    /// How long to wait for each Relay-reply before sending again (once) or moving on.
    pub wait_ms: u64,
    /// What to send, in order: [`SHAPES`] towards a server, [`DOWNSTREAM_SHAPES`] towards a
    /// relay.
    pub shapes: &'static [Shape],
}

/// What the driver reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RelayEvent {
    /// A shape's Relay-forward went out (`attempt` 1, or 2 for the copy).
    Sent { shape: Shape, attempt: u8 },
    /// A shape's exchange ended: with the matching Relay-reply, or unanswered.
    Finished { shape: Shape, reply: Option<Repr> },
    /// A datagram that answers no pending shape (late, malformed, another message).
    Ignored { from: SocketAddr, reason: String },
    /// Every shape was sent.
    Done,
}

struct Pending {
    shape: Shape,
    attempt: u8,
    deadline: u64,
}

/// Sends the shapes one after another; see the module documentation.
pub struct RelayStimulus {
    cfg: RelayStimulusConfig,
    next: usize,
    pending: Option<Pending>,
    started: bool,
    transmits: VecDeque<Transmit>,
    events: VecDeque<RelayEvent>,
}

impl RelayStimulus {
    pub fn new(cfg: RelayStimulusConfig) -> RelayStimulus {
        RelayStimulus {
            cfg,
            next: 0,
            pending: None,
            started: false,
            transmits: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    /// Sends the first shape.
    pub fn start(&mut self, now: u64) {
        if !self.started {
            self.started = true;
            self.send_next(now);
        }
    }

    /// Whether every shape has been sent and settled.
    pub fn is_done(&self) -> bool {
        self.started && self.pending.is_none() && self.next >= self.cfg.shapes.len()
    }

    fn send(&mut self, now: u64, shape: Shape, attempt: u8) {
        let payload = shape
            .relay_forward(self.cfg.own_address)
            .to_bytes()
            .expect("the shapes encode");
        self.transmits.push_back(Transmit {
            dst: self.cfg.server,
            payload,
        });
        self.events.push_back(RelayEvent::Sent { shape, attempt });
        self.pending = Some(Pending {
            shape,
            attempt,
            deadline: now + self.cfg.wait_ms,
        });
    }

    fn send_next(&mut self, now: u64) {
        match self.cfg.shapes.get(self.next) {
            Some(&shape) => {
                self.next += 1;
                self.send(now, shape, 1);
            }
            None => {
                self.pending = None;
                self.events.push_back(RelayEvent::Done);
            }
        }
    }

    fn finish(&mut self, now: u64, shape: Shape, reply: Option<Repr>) {
        self.pending = None;
        self.events.push_back(RelayEvent::Finished { shape, reply });
        self.send_next(now);
    }
}

impl SansIo for RelayStimulus {
    type Input<'a> = Datagram<'a>;
    type Event = RelayEvent;

    fn handle_input(&mut self, now: u64, input: Datagram<'_>) {
        let ignore = |reason: String| RelayEvent::Ignored {
            from: input.src,
            reason,
        };
        let repr = match Repr::from_bytes(input.payload) {
            Ok(r) => r,
            Err(e) => {
                self.events.push_back(ignore(format!("malformed: {e}")));
                return;
            }
        };
        match &self.pending {
            Some(p) if p.shape.is_answered_by(&repr) => {
                let shape = p.shape;
                self.finish(now, shape, Some(repr));
            }
            _ => self.events.push_back(ignore(
                "not a Relay-reply answering the pending shape's request".into(),
            )),
        }
    }

    fn handle_timeout(&mut self, now: u64) {
        let Some(p) = &self.pending else {
            return;
        };
        if now < p.deadline {
            return;
        }
        let (shape, attempt) = (p.shape, p.attempt);
        if attempt < 2 {
            self.send(now, shape, attempt + 1);
        } else {
            self.finish(now, shape, None);
        }
    }

    fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    fn poll_event(&mut self) -> Option<RelayEvent> {
        self.events.pop_front()
    }

    fn next_timeout(&self) -> Option<u64> {
        self.pending.as_ref().map(|p| p.deadline)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mip6lab_wire::dhcpv6::code;

    const TESTER: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 2, 0, 0, 0, 0, 0xb);

    fn server() -> SocketAddr {
        "[2001:db8:2::47]:547".parse().unwrap()
    }

    fn decoded(shape: Shape) -> Repr {
        let bytes = shape.relay_forward(TESTER).to_bytes().unwrap();
        Repr::from_bytes(&bytes).unwrap()
    }

    /// Every HAA anywhere in the options, nested ones included.
    fn haas(options: &[DhcpOption]) -> Vec<Ipv6Addr> {
        options
            .iter()
            .flat_map(|o| match o {
                DhcpOption::Mip6Haa(a) => vec![*a],
                other => other.contained().map(haas).unwrap_or_default(),
            })
            .collect()
    }

    fn rsoo(r: &Repr) -> Option<&[DhcpOption]> {
        r.options_with(code::RSOO)
            .next()
            .and_then(|o| o.contained())
    }

    #[test]
    fn every_shape_encodes_and_decodes_back_with_its_client() {
        for shape in SHAPES.into_iter().chain(DOWNSTREAM_SHAPES) {
            let r = decoded(shape);
            assert_eq!(r, shape.relay_forward(TESTER), "{shape}");
            assert_eq!(r.msg_type(), msg_type::RELAY_FORW);
            let ir = r.innermost();
            assert_eq!(ir.msg_type(), msg_type::INFORMATION_REQUEST, "{shape}");
            assert!(ir
                .options()
                .contains(&DhcpOption::ClientId(shape.client_duid())));
            let Repr::ClientServer { transaction_id, .. } = ir else {
                panic!("{shape}: not a client message")
            };
            assert_eq!(*transaction_id, 0x66_1100 + u32::from(shape.number()));
            assert_eq!(
                shape.client_mac(),
                [0, 0, 0x5e, 0, 0x53, shape.number()],
                "{shape}"
            );
            assert_eq!(Shape::from_number(shape.number()), Some(shape));
        }
        let names: std::collections::HashSet<_> = SHAPES
            .iter()
            .chain(&DOWNSTREAM_SHAPES)
            .map(|s| s.name())
            .collect();
        assert_eq!(names.len(), SHAPES.len() + DOWNSTREAM_SHAPES.len());
        assert_eq!(Shape::from_number(13), None);
        assert_eq!(
            Shape::Msp.client_link_local(),
            "fe80::200:5eff:fe00:5301".parse::<Ipv6Addr>().unwrap()
        );
    }

    #[test]
    fn msp_relays_the_aaa_assignment_in_an_idinf() {
        let r = decoded(Shape::Msp);
        let Repr::Relay {
            hop_count,
            link_address,
            peer_address,
            ..
        } = &r
        else {
            panic!("not a relay message")
        };
        assert_eq!(
            (*hop_count, *link_address, *peer_address),
            (0, TESTER, Shape::Msp.client_link_local())
        );
        assert!(r
            .options()
            .contains(&DhcpOption::InterfaceId(b"shape-01".to_vec())));
        let rsoo = rsoo(&r).unwrap();
        assert_eq!(
            rsoo,
            &[DhcpOption::Mip6Idinf(vec![
                DhcpOption::Mip6Hnidf(fqdn("example.com")),
                DhcpOption::Mip6Haa(HA1),
                DhcpOption::Mip6Hnp {
                    prefix_len: 64,
                    prefix: "2001:db8:1:100::".parse().unwrap()
                },
            ])]
        );
        let ir = r.innermost();
        assert!(ir.options().contains(&DhcpOption::Oro(vec![69])));
        assert_eq!(ir.options_with(code::MIP6_HNIDF).count(), 1);
    }

    #[test]
    fn asp_and_own_candidate_ask_for_vdinf_without_hnidf_and_carry_only_the_decoy() {
        for shape in [Shape::Asp, Shape::OwnCandidate] {
            let r = decoded(shape);
            let ir = r.innermost();
            assert!(ir.options().contains(&DhcpOption::Oro(vec![50])), "{shape}");
            assert_eq!(ir.options_with(code::MIP6_HNIDF).count(), 0, "{shape}");
            assert_eq!(haas(rsoo(&r).unwrap()), vec![DECOY_HA], "{shape}");
        }
        let own = rsoo(&decoded(Shape::OwnCandidate)).unwrap()[0].code();
        assert_eq!(own, code::MIP6_VDINF);
    }

    #[test]
    fn not_enabled_adds_a_domain_list_to_the_msp_rsoo() {
        let r = decoded(Shape::NotEnabled);
        let rsoo = rsoo(&r).unwrap();
        assert_eq!(rsoo.len(), 2);
        assert_eq!(rsoo[0], self::rsoo(&decoded(Shape::Msp)).unwrap()[0]);
        let DhcpOption::Other { code, data } = &rsoo[1] else {
            panic!("not an opaque option")
        };
        assert_eq!(*code, 24);
        assert_eq!(Fqdn::parse(data, 0).unwrap(), fqdn("rsoo-decoy.example"));
    }

    #[test]
    fn nested_puts_the_assignment_inside_and_the_decoy_outside() {
        let r = decoded(Shape::Nested);
        let Repr::Relay {
            hop_count,
            peer_address,
            ..
        } = &r
        else {
            panic!("not a relay message")
        };
        assert_eq!((*hop_count, *peer_address), (1, INNER_RELAY));
        assert_eq!(haas(rsoo(&r).unwrap()), vec![DECOY_HA]);
        let inner = r.relayed().unwrap();
        let Repr::Relay {
            msg_type,
            hop_count,
            peer_address,
            ..
        } = inner
        else {
            panic!("the relayed message is not a Relay-forward")
        };
        assert_eq!(
            (*msg_type, *hop_count, *peer_address),
            (msg_type::RELAY_FORW, 0, Shape::Nested.client_link_local())
        );
        assert_eq!(haas(rsoo(inner).unwrap()), vec![HA1]);
        assert_eq!(
            inner.relayed().unwrap().msg_type(),
            msg_type::INFORMATION_REQUEST
        );
        assert_eq!(r.innermost().options().len(), 4);
    }

    /// Every RSOO level of a Relay-forward, outermost first.
    fn rsoo_levels(r: &Repr) -> Vec<bool> {
        let mut levels = Vec::new();
        let mut level = Some(r);
        while let Some(m) = level.filter(|m| m.msg_type() == msg_type::RELAY_FORW) {
            levels.push(rsoo(m).is_some());
            level = m.relayed();
        }
        levels
    }

    #[test]
    fn downstream_shapes_put_the_rsoo_nowhere_outside_or_inside_only() {
        assert_eq!(rsoo_levels(&decoded(Shape::DownstreamPlain)), [false]);
        assert_eq!(rsoo_levels(&decoded(Shape::DownstreamRsoo)), [true]);
        let nested = decoded(Shape::DownstreamNested);
        assert_eq!(rsoo_levels(&nested), [false, true]);
        let Repr::Relay {
            hop_count,
            peer_address,
            ..
        } = &nested
        else {
            panic!("not a relay message")
        };
        assert_eq!((*hop_count, *peer_address), (1, FAR_RELAY));
        for shape in DOWNSTREAM_SHAPES {
            let r = decoded(shape);
            assert!(haas(r.options()).iter().all(|a| *a == DECOY_HA), "{shape}");
            assert_eq!(
                r.innermost().options(),
                Shape::Msp
                    .information_request()
                    .options()
                    .iter()
                    .map(|o| match o {
                        DhcpOption::ClientId(_) => DhcpOption::ClientId(shape.client_duid()),
                        o => o.clone(),
                    })
                    .collect::<Vec<_>>(),
                "{shape}: msp's request from its own client"
            );
        }
    }

    #[test]
    fn the_rsoo_less_shapes_and_the_two_networks() {
        for shape in [Shape::UnknownNetwork, Shape::NoRsoo] {
            assert!(rsoo(&decoded(shape)).is_none(), "{shape}");
        }
        let unknown = decoded(Shape::UnknownNetwork);
        assert!(unknown
            .innermost()
            .options()
            .contains(&DhcpOption::Mip6Hnidf(fqdn("unknown.example"))));
        let two = decoded(Shape::TwoNetworks);
        let hnidfs: Vec<_> = two
            .innermost()
            .options_with(code::MIP6_HNIDF)
            .cloned()
            .collect();
        assert_eq!(
            hnidfs,
            [
                DhcpOption::Mip6Hnidf(fqdn("example.com")),
                DhcpOption::Mip6Hnidf(fqdn("example.net"))
            ]
        );
        assert_eq!(haas(rsoo(&two).unwrap()), vec![HA1]);
    }

    /// A Relay-reply to `shape`'s Relay-forward, its Reply carrying `client` and `xid`.
    fn relay_reply(shape: Shape, client: Duid, xid: u32) -> Vec<u8> {
        Repr::Relay {
            msg_type: msg_type::RELAY_REPL,
            hop_count: 0,
            link_address: TESTER,
            peer_address: shape.client_link_local(),
            options: vec![DhcpOption::RelayMsg(Box::new(Repr::ClientServer {
                msg_type: msg_type::REPLY,
                transaction_id: xid,
                options: vec![DhcpOption::ClientId(client)],
            }))],
        }
        .to_bytes()
        .unwrap()
    }

    fn driver() -> RelayStimulus {
        RelayStimulus::new(RelayStimulusConfig {
            shapes: &SHAPES,
            own_address: TESTER,
            server: server(),
            wait_ms: 2000,
        })
    }

    #[test]
    fn a_matching_reply_moves_on_and_others_are_ignored() {
        let mut d = driver();
        assert_eq!(d.next_timeout(), None);
        d.start(0);
        let (tx, ev) = d.drain();
        assert_eq!(tx.len(), 1);
        assert_eq!(tx[0].dst, server());
        assert_eq!(
            Repr::from_bytes(&tx[0].payload).unwrap(),
            Shape::Msp.relay_forward(TESTER)
        );
        assert_eq!(
            ev,
            [RelayEvent::Sent {
                shape: Shape::Msp,
                attempt: 1
            }]
        );
        assert_eq!(d.next_timeout(), Some(2000));
        let from = server();
        // Another client's DUID, then the wrong transaction-id, then garbage: no match.
        for bad in [
            relay_reply(
                Shape::Msp,
                Shape::Asp.client_duid(),
                Shape::Msp.transaction_id(),
            ),
            relay_reply(
                Shape::Msp,
                Shape::Msp.client_duid(),
                Shape::Asp.transaction_id(),
            ),
            vec![13, 0],
        ] {
            d.handle_input(10, Datagram::new(from, &bad));
            let (tx, ev) = d.drain();
            assert!(tx.is_empty());
            assert!(matches!(ev[..], [RelayEvent::Ignored { .. }]), "{ev:?}");
        }
        let good = relay_reply(
            Shape::Msp,
            Shape::Msp.client_duid(),
            Shape::Msp.transaction_id(),
        );
        d.handle_input(20, Datagram::new(from, &good));
        let (tx, ev) = d.drain();
        assert_eq!(tx.len(), 1);
        assert!(
            matches!(
                &ev[..],
                [
                    RelayEvent::Finished {
                        shape: Shape::Msp,
                        reply: Some(_)
                    },
                    RelayEvent::Sent {
                        shape: Shape::Asp,
                        attempt: 1
                    }
                ]
            ),
            "{ev:?}"
        );
        assert_eq!(d.next_timeout(), Some(2020));
    }

    #[test]
    fn silence_means_one_copy_then_the_next_shape_and_finally_done() {
        let mut d = driver();
        d.start(0);
        d.drain();
        let mut now = 0;
        for (i, shape) in SHAPES.into_iter().enumerate() {
            d.handle_timeout(now + 1999);
            assert!(d.drain().0.is_empty(), "nothing before the wait is over");
            now += 2000;
            d.handle_timeout(now);
            let (tx, ev) = d.drain();
            assert_eq!(
                Repr::from_bytes(&tx[0].payload).unwrap(),
                shape.relay_forward(TESTER),
                "the copy is the same message"
            );
            assert_eq!(ev, [RelayEvent::Sent { shape, attempt: 2 }]);
            now += 2000;
            d.handle_timeout(now);
            let (tx, ev) = d.drain();
            assert_eq!(ev[0], RelayEvent::Finished { shape, reply: None });
            if i + 1 < SHAPES.len() {
                assert_eq!(tx.len(), 1);
                assert!(!d.is_done());
            } else {
                assert!(tx.is_empty());
                assert_eq!(ev[1], RelayEvent::Done);
                assert!(d.is_done());
                assert_eq!(d.next_timeout(), None);
            }
        }
    }
}
