//! UDP over IPv4 on one interface, for DHCPv4 (RFC 2131 §4.1: clients and relays exchange
//! broadcasts on the access link, so the socket must be tied to that link and allowed to
//! send to 255.255.255.255). Two such sockets may share a port (one per link).

use crate::icmp4::setsockopt;
use crate::ikev2::esp_io::sys::new_socket;
use std::ffi::CString;
use std::io;
use std::net::{Ipv4Addr, SocketAddrV4};
use std::os::fd::{AsRawFd, IntoRawFd};
use std::os::unix::io::FromRawFd;
use tokio::net::UdpSocket;

/// A UDP socket on `0.0.0.0:port`, bound to interface `ifname` when given (only its traffic;
/// broadcasts leave through it), with `SO_BROADCAST` and `SO_REUSEADDR`. Needs `CAP_NET_RAW`
/// for the interface binding. Call inside a tokio runtime.
pub fn udp4_on(ifname: Option<&str>, port: u16) -> io::Result<UdpSocket> {
    let fd = new_socket(libc::AF_INET, libc::SOCK_DGRAM, libc::IPPROTO_UDP)?;
    let raw = fd.as_raw_fd();
    setsockopt(
        raw,
        libc::SOL_SOCKET,
        libc::SO_REUSEADDR,
        &1i32.to_ne_bytes(),
    )?;
    setsockopt(
        raw,
        libc::SOL_SOCKET,
        libc::SO_BROADCAST,
        &1i32.to_ne_bytes(),
    )?;
    if let Some(name) = ifname {
        let name = CString::new(name)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "interface name"))?;
        setsockopt(
            raw,
            libc::SOL_SOCKET,
            libc::SO_BINDTODEVICE,
            name.as_bytes_with_nul(),
        )?;
    }
    // SAFETY: all-zero is a valid sockaddr_in.
    let mut sa: libc::sockaddr_in = unsafe { std::mem::zeroed() };
    sa.sin_family = libc::AF_INET as libc::sa_family_t;
    sa.sin_port = port.to_be();
    let addr = SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, port);
    // SAFETY: `sa` outlives the call and its size is passed.
    let r = unsafe {
        libc::bind(
            raw,
            &sa as *const libc::sockaddr_in as *const libc::sockaddr,
            std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t,
        )
    };
    if r < 0 {
        let e = io::Error::last_os_error();
        return Err(io::Error::new(e.kind(), format!("bind {addr}: {e}")));
    }
    // SAFETY: the descriptor is a bound, non-blocking UDP socket handed over whole.
    let std_sock = unsafe { std::net::UdpSocket::from_raw_fd(fd.into_raw_fd()) };
    UdpSocket::from_std(std_sock)
}
