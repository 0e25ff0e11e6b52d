//! Neighbor Discovery on the link below IPv6: an `AF_PACKET` datagram socket sends whole IPv6
//! packets the socket API would not build (an NS from ::, RFC 4862 §5.4.2, for an address the
//! node does not hold) and reads every IPv6 packet the interface receives. The packets are
//! made and judged in `mip6lab_wire::nd` and `mip6lab_engines::dad`.

use std::ffi::{c_int, c_void};
use std::io;
use std::mem::size_of;
use std::os::fd::{AsRawFd, OwnedFd};
use std::time::Duration;
use tokio::io::unix::AsyncFd;

pub struct NdSocket {
    fd: AsyncFd<OwnedFd>,
    ifindex: c_int,
}

const ETH_P_IPV6: u16 = libc::ETH_P_IPV6 as u16;

impl NdSocket {
    /// Bound to `ifname`; needs `CAP_NET_RAW`. Open before sending what an answer is
    /// awaited for. Call inside a tokio runtime.
    pub fn open(ifname: &str) -> io::Result<NdSocket> {
        let (fd, ifindex) = mip6lab_engines_io::ikev2::esp_io::open_packet_socket(ifname)?;
        Ok(NdSocket {
            // SAFETY: an OwnedFd is open for as long as it lives and always names the same
            // descriptor; the AsyncFd owns it from here on.
            fd: unsafe { AsyncFd::register(fd) }?,
            ifindex,
        })
    }

    /// Sends a whole IPv6 packet to the link-layer address `dst_mac`, bounded by `timeout`.
    pub async fn send(&self, packet: &[u8], dst_mac: [u8; 6], timeout: Duration) -> io::Result<()> {
        let sll = sockaddr_ll(self.ifindex, Some(dst_mac));
        let fut = async {
            loop {
                let mut g = self.fd.writable().await?;
                // SAFETY: `packet` and `sll` outlive the call; sizes are passed.
                let r = g.try_io(|inner| {
                    let n = unsafe {
                        libc::sendto(
                            inner.as_raw_fd(),
                            packet.as_ptr() as *const c_void,
                            packet.len(),
                            0,
                            &sll as *const libc::sockaddr_ll as *const libc::sockaddr,
                            size_of::<libc::sockaddr_ll>() as libc::socklen_t,
                        )
                    };
                    if n < 0 {
                        return Err(io::Error::last_os_error());
                    }
                    Ok(())
                });
                match r {
                    Ok(r) => return r,
                    Err(_would_block) => continue,
                }
            }
        };
        tokio::time::timeout(timeout, fut)
            .await
            .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "ND send timed out"))?
    }

    /// The next IPv6 packet another node sent on the link (this node's outgoing copies are
    /// skipped), or `None` once `timeout` has passed.
    pub async fn recv(&self, timeout: Duration) -> io::Result<Option<Vec<u8>>> {
        let fut = async {
            let mut buf = vec![0u8; 2048];
            loop {
                let mut g = self.fd.readable().await?;
                let r = g.try_io(|inner| {
                    mip6lab_engines_io::ikev2::esp_io::packet_recvfrom(inner.as_raw_fd(), &mut buf)
                });
                let (n, pkttype, _) = match r {
                    Ok(r) => r?,
                    Err(_would_block) => continue,
                };
                if pkttype != libc::PACKET_OUTGOING {
                    return Ok(buf[..n].to_vec());
                }
            }
        };
        match tokio::time::timeout(timeout, fut).await {
            Ok(r) => r.map(Some),
            Err(_) => Ok(None),
        }
    }
}

fn sockaddr_ll(ifindex: c_int, mac: Option<[u8; 6]>) -> libc::sockaddr_ll {
    // SAFETY: all-zero is a valid sockaddr_ll.
    let mut sll: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
    sll.sll_family = libc::AF_PACKET as u16;
    sll.sll_protocol = ETH_P_IPV6.to_be();
    sll.sll_ifindex = ifindex;
    if let Some(m) = mac {
        sll.sll_halen = 6;
        sll.sll_addr[..6].copy_from_slice(&m);
    }
    sll
}

/// The interface's MAC address (`/sys/class/net/<if>/address`).
pub fn mac_of(ifname: &str) -> io::Result<[u8; 6]> {
    let text = std::fs::read_to_string(format!("/sys/class/net/{ifname}/address"))?;
    let bytes: Vec<u8> = text
        .trim()
        .split(':')
        .filter_map(|h| u8::from_str_radix(h, 16).ok())
        .collect();
    bytes.try_into().map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{ifname} has no 6-octet MAC address ({})", text.trim()),
        )
    })
}
