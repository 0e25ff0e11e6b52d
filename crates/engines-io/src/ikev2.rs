//! Drivers of the IKEv2 engine: UDP on port 500 with key-log files ([`udp`]), and Mobility
//! Header over userspace ESP on raw sockets ([`esp_io`]).

pub mod esp_io;
pub mod udp;
