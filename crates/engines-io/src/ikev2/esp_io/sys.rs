//! The Linux socket calls under the ESP driver: raw IPv6 and AF_PACKET sockets, sendmsg
//! and recvmsg with ancillary data, readiness through the tokio reactor.

use super::*;

pub(crate) fn new_socket(domain: c_int, ty: c_int, proto: c_int) -> io::Result<OwnedFd> {
    // SAFETY: plain syscall; the descriptor is owned right away.
    let fd = unsafe { libc::socket(domain, ty | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC, proto) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: fd is a fresh descriptor nobody else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Registers an owned descriptor with the tokio reactor.
pub(crate) fn register(fd: OwnedFd) -> io::Result<AsyncFd<OwnedFd>> {
    // SAFETY: an OwnedFd is open for as long as it lives and always names the same
    // descriptor; the AsyncFd owns it from here on.
    Ok(unsafe { AsyncFd::register(fd) }?)
}

pub(super) fn set_int(fd: RawFd, level: c_int, name: c_int, v: c_int) -> io::Result<()> {
    // SAFETY: `v` lives across the call and its size is passed.
    let r = unsafe {
        libc::setsockopt(
            fd,
            level,
            name,
            &v as *const c_int as *const c_void,
            size_of::<c_int>() as libc::socklen_t,
        )
    };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

pub(super) fn sockaddr6(a: Ipv6Addr) -> libc::sockaddr_in6 {
    // SAFETY: all-zero is a valid sockaddr_in6.
    let mut sa: libc::sockaddr_in6 = unsafe { std::mem::zeroed() };
    sa.sin6_family = libc::AF_INET6 as libc::sa_family_t;
    // Port 0: raw sockets take it as "this socket's protocol".
    sa.sin6_addr.s6_addr = a.octets();
    sa
}

pub(super) fn bind6(fd: RawFd, a: Ipv6Addr) -> io::Result<()> {
    let sa = sockaddr6(a);
    // SAFETY: `sa` lives across the call and its size is passed.
    let r = unsafe {
        libc::bind(
            fd,
            &sa as *const libc::sockaddr_in6 as *const libc::sockaddr,
            size_of::<libc::sockaddr_in6>() as libc::socklen_t,
        )
    };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Whether `a` is an address of this host (a raw socket can bind it).
pub(super) fn is_local(a: Ipv6Addr) -> bool {
    new_socket(
        libc::AF_INET6,
        libc::SOCK_RAW,
        c_int::from(esp::IPPROTO_ESP),
    )
    .and_then(|fd| bind6(fd.as_raw_fd(), a))
    .is_ok()
}

/// A msghdr with `name` as the address and `iov` as the one buffer, no ancillary data: the
/// pointers are valid while `name` and `iov` are.
fn msghdr_for(name: &mut libc::sockaddr_in6, iov: &mut libc::iovec) -> libc::msghdr {
    // SAFETY: all-zero is a valid msghdr.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_name = name as *mut libc::sockaddr_in6 as *mut c_void;
    msg.msg_namelen = size_of::<libc::sockaddr_in6>() as libc::socklen_t;
    msg.msg_iov = iov;
    msg.msg_iovlen = 1;
    msg
}

/// One ancillary data item: level, type, data.
pub(super) type Cmsg = (c_int, c_int, Vec<u8>);

pub(super) fn sendmsg6(fd: RawFd, dst: Ipv6Addr, data: &[u8], cmsgs: &[Cmsg]) -> io::Result<usize> {
    let mut name = sockaddr6(dst);
    // SAFETY: CMSG_SPACE is pure arithmetic.
    let space: usize = cmsgs
        .iter()
        .map(|(_, _, d)| unsafe { libc::CMSG_SPACE(d.len() as u32) } as usize)
        .sum();
    // u64 storage keeps the control buffer aligned for cmsghdr.
    let mut control = vec![0u64; space.div_ceil(8).max(1)];
    let mut iov = libc::iovec {
        iov_base: data.as_ptr() as *mut c_void,
        iov_len: data.len(),
    };
    let mut msg = msghdr_for(&mut name, &mut iov);
    if space > 0 {
        msg.msg_control = control.as_mut_ptr() as *mut c_void;
        msg.msg_controllen = space as _;
        // SAFETY: the control buffer holds CMSG_SPACE(len) for every item, so each header
        // and its data fit; CMSG_NXTHDR is not dereferenced after the last item.
        unsafe {
            let mut c = libc::CMSG_FIRSTHDR(&msg);
            for (level, ty, d) in cmsgs {
                (*c).cmsg_level = *level;
                (*c).cmsg_type = *ty;
                (*c).cmsg_len = libc::CMSG_LEN(d.len() as u32) as _;
                std::ptr::copy_nonoverlapping(d.as_ptr(), libc::CMSG_DATA(c), d.len());
                c = libc::CMSG_NXTHDR(&msg, c);
            }
        }
    }
    // SAFETY: msg points at live buffers for the duration of the call.
    let n = unsafe { libc::sendmsg(fd, &msg, 0) };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(n as usize)
}

/// One datagram from a raw IPv6 socket with its ancillary data.
pub(super) struct RawMsg {
    pub(super) len: usize,
    pub(super) src: Ipv6Addr,
    pub(super) dst: Option<Ipv6Addr>,
    pub(super) dstopts: Vec<Vec<u8>>,
    pub(super) rthdrs: Vec<Vec<u8>>,
}

pub(super) fn recvmsg6(fd: RawFd, buf: &mut [u8]) -> io::Result<RawMsg> {
    // SAFETY: all-zero is a valid sockaddr_in6 / msghdr.
    let mut name: libc::sockaddr_in6 = unsafe { std::mem::zeroed() };
    let mut control = [0u64; 128];
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr() as *mut c_void,
        iov_len: buf.len(),
    };
    let mut msg = msghdr_for(&mut name, &mut iov);
    msg.msg_control = control.as_mut_ptr() as *mut c_void;
    msg.msg_controllen = size_of::<[u64; 128]>() as _;
    // SAFETY: msg points at live buffers for the duration of the call.
    let n = unsafe { libc::recvmsg(fd, &mut msg, 0) };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    if msg.msg_flags & libc::MSG_TRUNC != 0 {
        return Err(io::Error::other("ESP datagram truncated"));
    }
    let mut out = RawMsg {
        len: n as usize,
        src: Ipv6Addr::from(name.sin6_addr.s6_addr),
        dst: None,
        dstopts: Vec::new(),
        rthdrs: Vec::new(),
    };
    // SAFETY: the kernel filled msg_controllen octets of `control` with cmsghdrs; the
    // CMSG_* macros walk them within that length.
    unsafe {
        let mut c = libc::CMSG_FIRSTHDR(&msg);
        while !c.is_null() {
            let hdr_len = libc::CMSG_LEN(0) as usize;
            let len = ((*c).cmsg_len as usize).saturating_sub(hdr_len);
            let data = std::slice::from_raw_parts(libc::CMSG_DATA(c), len).to_vec();
            if (*c).cmsg_level == libc::IPPROTO_IPV6 {
                match (*c).cmsg_type {
                    libc::IPV6_PKTINFO if data.len() >= 16 => {
                        let mut a = [0u8; 16];
                        a.copy_from_slice(&data[..16]);
                        out.dst = Some(Ipv6Addr::from(a));
                    }
                    libc::IPV6_DSTOPTS => out.dstopts.push(data),
                    libc::IPV6_RTHDR => out.rthdrs.push(data),
                    _ => {}
                }
            }
            c = libc::CMSG_NXTHDR(&msg, c);
        }
    }
    Ok(out)
}

/// Writes with readiness: `f` is retried while the socket would block.
pub(crate) async fn send_ready(
    fd: &AsyncFd<OwnedFd>,
    mut f: impl FnMut(RawFd) -> io::Result<usize>,
) -> io::Result<usize> {
    loop {
        let mut g = fd.writable().await?;
        match g.try_io(|inner| f(inner.as_raw_fd())) {
            Ok(r) => return r,
            Err(_would_block) => continue,
        }
    }
}

/// An `AF_PACKET` datagram socket for IPv6 bound to `ifname` (needs `CAP_NET_RAW`), not yet
/// registered with the reactor, and the interface index.
pub fn open_packet_socket(ifname: &str) -> io::Result<(OwnedFd, c_int)> {
    bind_packet_socket(ifname, libc::ETH_P_IPV6 as u16)
}

/// An `AF_PACKET` datagram socket (the kernel writes and strips the link header) for frames
/// of `ethertype`, bound to `ifname`; not yet registered with the reactor. Needs
/// `CAP_NET_RAW`. Also gives the interface index.
pub(crate) fn bind_packet_socket(ifname: &str, ethertype: u16) -> io::Result<(OwnedFd, c_int)> {
    let name = CString::new(ifname)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "interface name"))?;
    // SAFETY: name is a valid C string.
    let ifindex = unsafe { libc::if_nametoindex(name.as_ptr()) } as c_int;
    if ifindex == 0 {
        return Err(io::Error::last_os_error());
    }
    let proto = ethertype.to_be();
    let fd = new_socket(libc::AF_PACKET, libc::SOCK_DGRAM, c_int::from(proto))?;
    // SAFETY: all-zero is a valid sockaddr_ll.
    let mut sll: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
    sll.sll_family = libc::AF_PACKET as u16;
    sll.sll_protocol = proto;
    sll.sll_ifindex = ifindex;
    // SAFETY: `sll` lives across the call and its size is passed.
    let r = unsafe {
        libc::bind(
            fd.as_raw_fd(),
            &sll as *const libc::sockaddr_ll as *const libc::sockaddr,
            size_of::<libc::sockaddr_ll>() as libc::socklen_t,
        )
    };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok((fd, ifindex))
}

/// One `recvfrom` on an AF_PACKET socket into `buf`: the length, the packet type
/// (`PACKET_OUTGOING` for this host's own copies) and the interface index.
pub fn packet_recvfrom(fd: RawFd, buf: &mut [u8]) -> io::Result<(usize, u8, c_int)> {
    let (n, sll) = packet_recvfrom_ll(fd, buf, 0)?;
    Ok((n, sll.sll_pkttype, sll.sll_ifindex))
}

/// One `recvfrom` on an AF_PACKET socket into `buf` with `flags`: the length (with
/// `MSG_TRUNC`, the frame's, which may exceed `buf`) and the link-layer address of the
/// frame (packet type, interface, source address).
pub(crate) fn packet_recvfrom_ll(
    fd: RawFd,
    buf: &mut [u8],
    flags: c_int,
) -> io::Result<(usize, libc::sockaddr_ll)> {
    // SAFETY: all-zero is a valid sockaddr_ll; the buffers outlive the call.
    let mut sll: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
    let mut sl = size_of::<libc::sockaddr_ll>() as libc::socklen_t;
    let n = unsafe {
        libc::recvfrom(
            fd,
            buf.as_mut_ptr() as *mut c_void,
            buf.len(),
            flags,
            &mut sll as *mut libc::sockaddr_ll as *mut libc::sockaddr,
            &mut sl,
        )
    };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok((n as usize, sll))
}
