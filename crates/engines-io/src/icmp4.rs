//! A raw ICMPv4 socket on one interface, for Mobile IPv4 agent discovery (RFC 5944 §2: Agent
//! Advertisements and Solicitations are ICMP Router Discovery messages, types 9 and 10). The
//! kernel writes the IP header on send; received datagrams come with theirs, which `recv`
//! strips, giving the ICMP message and its IP source and TTL. Needs `CAP_NET_RAW`.

use crate::ikev2::esp_io::sys::{new_socket, register, send_ready};
use std::ffi::CString;
use std::io;
use std::net::Ipv4Addr;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use tokio::io::unix::AsyncFd;

/// Largest ICMP message taken.
const MAX_LEN: usize = 2048;

pub struct Icmp4Socket {
    fd: AsyncFd<OwnedFd>,
}

/// One ICMP message received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Icmp4Message {
    pub src: Ipv4Addr,
    pub dst: Ipv4Addr,
    pub ttl: u8,
    /// From the ICMP type on.
    pub icmp: Vec<u8>,
}

impl Icmp4Socket {
    /// Opens the socket bound to `ifname` (only its traffic, and multicast sent out of it),
    /// multicast TTL 1 (RFC 5944 §2.1: advertisements stay on the link). Call inside a tokio
    /// runtime.
    pub fn open(ifname: &str, own: Ipv4Addr) -> io::Result<Icmp4Socket> {
        let fd = new_socket(libc::AF_INET, libc::SOCK_RAW, libc::IPPROTO_ICMP)?;
        let raw = fd.as_raw_fd();
        let name = CString::new(ifname)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "interface name"))?;
        setsockopt(
            raw,
            libc::SOL_SOCKET,
            libc::SO_BINDTODEVICE,
            name.as_bytes_with_nul(),
        )?;
        setsockopt(raw, libc::IPPROTO_IP, libc::IP_MULTICAST_TTL, &[1u8])?;
        let own_in = libc::in_addr {
            s_addr: u32::from(own).to_be(),
        };
        // SAFETY: in_addr is plain data; its bytes are what the kernel reads.
        let bytes = unsafe {
            std::slice::from_raw_parts(
                &own_in as *const libc::in_addr as *const u8,
                std::mem::size_of::<libc::in_addr>(),
            )
        };
        setsockopt(raw, libc::IPPROTO_IP, libc::IP_MULTICAST_IF, bytes)?;
        setsockopt(
            raw,
            libc::SOL_SOCKET,
            libc::SO_BROADCAST,
            &1i32.to_ne_bytes(),
        )?;
        Ok(Icmp4Socket { fd: register(fd)? })
    }

    /// The next ICMP message that arrived on the interface (any type; the caller filters).
    pub async fn recv(&self) -> io::Result<Icmp4Message> {
        let mut buf = vec![0u8; MAX_LEN];
        loop {
            let mut g = self.fd.readable().await?;
            let n = match g.try_io(|inner| {
                // SAFETY: `buf` outlives the call and its length is passed.
                let n = unsafe {
                    libc::recv(
                        inner.as_raw_fd(),
                        buf.as_mut_ptr().cast(),
                        buf.len(),
                        libc::MSG_TRUNC,
                    )
                };
                if n < 0 {
                    Err(io::Error::last_os_error())
                } else {
                    Ok(n as usize)
                }
            }) {
                Ok(r) => r?,
                Err(_would_block) => continue,
            };
            if let Some(m) = split_ipv4(&buf[..n.min(buf.len())]) {
                return Ok(m);
            }
        }
    }

    /// Sends the ICMP message `icmp` (checksum already set) to `dst`.
    pub async fn send(&self, dst: Ipv4Addr, icmp: &[u8]) -> io::Result<()> {
        let to = libc::sockaddr_in {
            sin_family: libc::AF_INET as libc::sa_family_t,
            sin_port: 0,
            sin_addr: libc::in_addr {
                s_addr: u32::from(dst).to_be(),
            },
            sin_zero: [0; 8],
        };
        let n = send_ready(&self.fd, |fd| {
            // SAFETY: `icmp` and `to` live across the call and their sizes are passed.
            let n = unsafe {
                libc::sendto(
                    fd,
                    icmp.as_ptr().cast(),
                    icmp.len(),
                    0,
                    (&to as *const libc::sockaddr_in).cast(),
                    std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t,
                )
            };
            if n < 0 {
                Err(io::Error::last_os_error())
            } else {
                Ok(n as usize)
            }
        })
        .await?;
        if n != icmp.len() {
            return Err(io::Error::other(format!(
                "ICMP message of {} octets, {n} sent",
                icmp.len()
            )));
        }
        Ok(())
    }
}

pub(crate) fn setsockopt(
    fd: RawFd,
    level: libc::c_int,
    name: libc::c_int,
    value: &[u8],
) -> io::Result<()> {
    // SAFETY: `value` lives across the call and its length is passed.
    let r = unsafe {
        libc::setsockopt(
            fd,
            level,
            name,
            value.as_ptr().cast(),
            value.len() as libc::socklen_t,
        )
    };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// The IPv4 header's source, destination and TTL, and the ICMP message after it; `None` for
/// what is not a whole IPv4 datagram.
pub fn split_ipv4(d: &[u8]) -> Option<Icmp4Message> {
    let first = *d.first()?;
    let ihl = usize::from(first & 0x0f) * 4;
    if first >> 4 != 4 || ihl < 20 || d.len() < ihl {
        return None;
    }
    let addr = |at: usize| Ipv4Addr::new(d[at], d[at + 1], d[at + 2], d[at + 3]);
    Some(Icmp4Message {
        src: addr(12),
        dst: addr(16),
        ttl: d[8],
        icmp: d[ihl..].to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ip_header_is_stripped_and_bad_ones_refused() {
        let mut d = vec![0x45, 0, 0, 28, 0, 0, 0, 0, 1, 1, 0, 0];
        d.extend([198, 18, 1, 2, 224, 0, 0, 1, 9, 0, 0, 0, 1, 2, 3, 4]);
        let m = split_ipv4(&d).unwrap();
        assert_eq!(
            (m.src, m.dst, m.ttl, m.icmp.as_slice()),
            (
                Ipv4Addr::new(198, 18, 1, 2),
                Ipv4Addr::new(224, 0, 0, 1),
                1,
                &[9, 0, 0, 0, 1, 2, 3, 4][..]
            )
        );
        assert!(split_ipv4(&[]).is_none());
        assert!(split_ipv4(&[0x46, 0, 0]).is_none());
        assert!(split_ipv4(&[0x65; 40]).is_none());
    }
}
