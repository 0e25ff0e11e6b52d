//! The I/O beside the sans-IO engines of `mip6lab-engines` (as quinn beside quinn-proto):
//! tokio UDP drivers, raw-socket ESP, AF_PACKET EAPOL, userspace IPv4 tunnels (TUN and raw
//! sockets) and the socket calls under them. Modules mirror the engines they drive.

pub mod aaa;
pub mod ddns;
pub mod eapol;
pub mod icmp4;
pub mod ikev2;
pub mod tunnel;
pub mod udp4;
