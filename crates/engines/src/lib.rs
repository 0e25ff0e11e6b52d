//! Sans-IO protocol engines. Each module takes parsed inputs (and, where a choice is random,
//! a caller-supplied random source) and returns decisions; [`io`] is the vocabulary the
//! engines share. No sockets, clocks or threads here: the drivers of `mip6lab-engines-io`
//! and the reference implementations do the I/O.

pub mod aaa;
pub mod access;
pub mod addresses;
pub mod binding;
pub mod dad;
pub mod ddns;
pub mod dhcpv4;
pub mod dhcpv6;
pub mod discovery;
pub mod ikev2;
pub mod io;
pub mod mip4;
pub mod tunnel;
