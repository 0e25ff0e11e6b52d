//! DHCPv4 roles of the dual-stack access network (draft-qin-mip6-dsbootstrapping-00 §4.1.1:
//! "NAS and AAAH should assign the proper Foreign Home Agent and the co-located address"),
//! sans-IO:
//!
//! - [`client`]: the mobile node's DHCPDISCOVER → DHCPOFFER → DHCPREQUEST → DHCPACK exchange
//!   (RFC 2131 §3.1, §4.4.1) with the §4.1 retransmission backoff; its [`client::Lease`] holds
//!   the co-located care-of address (`yiaddr`) and the Foreign Home Agent (the first address
//!   of the Mobile IP Home Agent option, 68);
//! - [`relay`]: the NAS's relay agent (RFC 2131 §4.1, RFC 3046) in front of the DHCPv4 server
//!   (Kea in the lab): it sets `giaddr`, adds option 82 with the Agent Circuit ID and the
//!   RFC 4014 RADIUS Attributes sub-option carrying what the AAA's Access-Accept assigned
//!   (the FHA, the co-located CoA), strips option 82 from replies and tells the driver how to
//!   deliver each reply on the access link (broadcast, or unicast to `yiaddr` at `chaddr`).
//!
//! The server between them copies the FHA out of the RFC 4014 sub-option into option 68
//! (in the lab, Kea's `flex_option` hook); nothing here plays the server.
//!
//! Bytes are built and read with `mip6lab_wire::dhcpv4`; nothing here opens a socket.

pub mod client;
pub mod relay;

#[cfg(test)]
mod tests_client;
#[cfg(test)]
mod tests_relay;

pub use client::{Client, ClientConfig, ClientEvent, Lease};
pub use relay::{
    rfc4014_attributes, AccessLink, ClientDelivery, Relay, RelayConfig, RelayEvent, RelayInput,
};
