//! EAPOL on one interface, for the IEEE 802.1X authenticator
//! (`mip6lab_engines::access::Authenticator`): an `AF_PACKET` socket for ethertype 0x888E,
//! joined to the PAE group address, non-blocking under tokio. Linux only; needs
//! `CAP_NET_RAW`.
//!
//! `SOCK_DGRAM` rather than `SOCK_RAW`: the kernel writes the Ethernet header (source = the
//! interface's address, the type) from the `sockaddr_ll` of each send and strips it on
//! receipt, giving the source in `sll_addr`, so no header is built or parsed here; what
//! goes out and comes in is exactly the EAPOL PDU the engine handles. Received PDUs keep any
//! Ethernet padding after the body, which the codec reads as padding. The kernel's copies of
//! this socket's own frames (`PACKET_OUTGOING`) and frames for other stations seen in
//! promiscuous mode (`PACKET_OTHERHOST`) are skipped.

use crate::ikev2::esp_io::sys::{bind_packet_socket, packet_recvfrom_ll, register, send_ready};
use mip6lab_wire::eapol::{ETHERTYPE, PAE_GROUP_ADDRESS};
use std::ffi::{c_int, c_void};
use std::io;
use std::mem::size_of;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use tokio::io::unix::AsyncFd;

/// Largest frame payload taken (jumbo frames included); a longer one is an error.
const MAX_PDU: usize = 9216;

/// An EAPOL socket on one interface.
pub struct EapolSocket {
    fd: AsyncFd<OwnedFd>,
    ifindex: c_int,
    own_mac: [u8; 6],
}

impl EapolSocket {
    /// Opens the socket on `ifname` and joins the PAE group address there. Call inside a
    /// tokio runtime.
    pub fn open(ifname: &str) -> io::Result<EapolSocket> {
        let (fd, ifindex) = bind_packet_socket(ifname, ETHERTYPE)?;
        join_group(fd.as_raw_fd(), ifindex, &PAE_GROUP_ADDRESS)?;
        let own_mac = bound_mac(fd.as_raw_fd())?;
        Ok(EapolSocket {
            fd: register(fd)?,
            ifindex,
            own_mac,
        })
    }

    /// The interface's MAC address (the source of what [`EapolSocket::send`] sends).
    pub fn own_mac(&self) -> [u8; 6] {
        self.own_mac
    }

    /// The next EAPOL PDU another station sent here (to this interface's address, the PAE
    /// group or broadcast): its source and the octets after the ethertype.
    pub async fn recv(&self) -> io::Result<([u8; 6], Vec<u8>)> {
        let mut buf = vec![0u8; MAX_PDU];
        loop {
            let mut g = self.fd.readable().await?;
            let (n, sll) = match g
                .try_io(|inner| packet_recvfrom_ll(inner.as_raw_fd(), &mut buf, libc::MSG_TRUNC))
            {
                Ok(r) => r?,
                Err(_would_block) => continue,
            };
            let for_us = matches!(
                sll.sll_pkttype,
                libc::PACKET_HOST | libc::PACKET_MULTICAST | libc::PACKET_BROADCAST
            );
            if !for_us || sll.sll_ifindex != self.ifindex || sll.sll_halen != 6 {
                continue;
            }
            if n > buf.len() {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("EAPOL frame of {n} octets, over {MAX_PDU}"),
                ));
            }
            let mut src = [0u8; 6];
            src.copy_from_slice(&sll.sll_addr[..6]);
            return Ok((src, buf[..n].to_vec()));
        }
    }

    /// Sends `pdu` (an EAPOL PDU) to `dst` with ethertype 0x888E.
    pub async fn send(&self, dst: [u8; 6], pdu: &[u8]) -> io::Result<()> {
        let to = link_address(self.ifindex, &dst);
        let n = send_ready(&self.fd, |fd| sendto_ll(fd, pdu, &to)).await?;
        if n != pdu.len() {
            return Err(io::Error::other(format!(
                "EAPOL PDU of {} octets, {n} sent",
                pdu.len()
            )));
        }
        Ok(())
    }
}

/// A `sockaddr_ll` naming `mac` on interface `ifindex` for EAPOL.
fn link_address(ifindex: c_int, mac: &[u8; 6]) -> libc::sockaddr_ll {
    // SAFETY: all-zero is a valid sockaddr_ll.
    let mut sll: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
    sll.sll_family = libc::AF_PACKET as u16;
    sll.sll_protocol = ETHERTYPE.to_be();
    sll.sll_ifindex = ifindex;
    sll.sll_halen = 6;
    sll.sll_addr[..6].copy_from_slice(mac);
    sll
}

fn sendto_ll(fd: RawFd, pdu: &[u8], to: &libc::sockaddr_ll) -> io::Result<usize> {
    // SAFETY: `pdu` and `to` live across the call and their sizes are passed.
    let n = unsafe {
        libc::sendto(
            fd,
            pdu.as_ptr() as *const c_void,
            pdu.len(),
            0,
            to as *const libc::sockaddr_ll as *const libc::sockaddr,
            size_of::<libc::sockaddr_ll>() as libc::socklen_t,
        )
    };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(n as usize)
}

/// PACKET_ADD_MEMBERSHIP of a multicast MAC address on the interface (the kernel programs
/// the NIC's filter; released when the socket closes).
fn join_group(fd: RawFd, ifindex: c_int, mac: &[u8; 6]) -> io::Result<()> {
    let mut mreq = libc::packet_mreq {
        mr_ifindex: ifindex,
        mr_type: libc::PACKET_MR_MULTICAST as u16,
        mr_alen: 6,
        mr_address: [0; 8],
    };
    mreq.mr_address[..6].copy_from_slice(mac);
    // SAFETY: `mreq` lives across the call and its size is passed.
    let r = unsafe {
        libc::setsockopt(
            fd,
            libc::SOL_PACKET,
            libc::PACKET_ADD_MEMBERSHIP,
            &mreq as *const libc::packet_mreq as *const c_void,
            size_of::<libc::packet_mreq>() as libc::socklen_t,
        )
    };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// The hardware address of the interface a bound AF_PACKET socket is on (`getsockname`
/// fills `sll_addr` with it), which works in any network namespace without sysfs.
fn bound_mac(fd: RawFd) -> io::Result<[u8; 6]> {
    // SAFETY: all-zero is a valid sockaddr_ll; it outlives the call and its size is passed.
    let mut sll: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
    let mut sl = size_of::<libc::sockaddr_ll>() as libc::socklen_t;
    let r = unsafe {
        libc::getsockname(
            fd,
            &mut sll as *mut libc::sockaddr_ll as *mut libc::sockaddr,
            &mut sl,
        )
    };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    if sll.sll_halen != 6 {
        return Err(io::Error::new(
            io::ErrorKind::Unsupported,
            format!(
                "link-layer address of {} octets, not Ethernet",
                sll.sll_halen
            ),
        ));
    }
    let mut mac = [0u8; 6];
    mac.copy_from_slice(&sll.sll_addr[..6]);
    Ok(mac)
}
