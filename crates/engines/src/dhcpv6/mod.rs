//! DHCPv6 roles of the integrated scenario (RFC 6611 §4.2), sans-IO:
//!
//! - [`relay`]: the NAS's co-located relay agent (RFC 8415 §19), which adds the home agent
//!   information the AAA server assigned in a Relay-Supplied Options option (RFC 6422,
//!   RFC 6610 §4.2, RFC 6611 §4.2.1 (3)) and never touches a Relay-reply's payload;
//! - [`client`]: the mobile node's Information-request exchange (RFC 8415 §18.2.6, §15) with
//!   the RFC 6610 §4.1 client rules for the home network information it gets back;
//! - [`assignment`]: what the AAA side hands the NAS and how it becomes RFC 6610 options, and
//!   the domain-name comparison both roles use;
//! - [`relay_stimulus`]: a test relay sending fixed Relay-forward shapes to a server under test;
//! - [`stimulus`]: a test server answering Information-requests with a chosen reply shape,
//!   most of them malformed or rule-breaking, to test a client against;
//! - [`server`]: the reference DHCPv6 server of the integrated scenario (RFC 6611 §4.2.1 (4),
//!   §4.2.2 (4); RFC 6610 §4.3; RFC 6422 §6), the default IUT when a server is under test;
//! - [`encapsulation`]: the Relay-forward levels a server answers through (RFC 8415 §19.3).
//!
//! Bytes are built and read with `mip6lab_wire::dhcpv6`; nothing here opens a socket.

pub mod assignment;
pub mod client;
pub mod encapsulation;
pub mod relay;
pub mod relay_stimulus;
pub mod server;
pub mod stimulus;

pub use assignment::{same_fqdn, ClientIdentity, ClientMatch, HaAssignment, HomeNetworkAssignment};
pub use client::{Client, ClientConfig, ClientEvent, HomeNetworkRequest};
pub use relay::{AccessLink, Relay, RelayConfig, RelayEvent, RelayInput};
pub use stimulus::{Expectation, Shape, Stimulus, StimulusConfig, StimulusEvent, SHAPES};
