//! The I/O beside the sans-IO engines of `mip6lab-engines` (as quinn beside quinn-proto):
//! tokio UDP drivers, raw-socket ESP and the socket calls under it. Modules mirror the
//! engines they drive.

pub mod aaa;
pub mod ddns;
pub mod ikev2;
