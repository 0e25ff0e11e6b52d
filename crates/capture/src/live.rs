//! Live capture of one link (a bridge) into a pcap file, on Linux AF_PACKET.
//!
//! The bridge is put in promiscuous mode through the socket membership (dropped again when
//! the socket closes), so frames between two containers are seen, not only the host's own.

use pcap_file::pcap::{PcapHeader, PcapPacket, PcapWriter};
use pcap_file::DataLink;
use std::fs::File;
use std::io::{self, BufWriter};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub struct LiveCapture {
    stop: Arc<AtomicBool>,
    frames: Arc<AtomicU64>,
    thread: Option<JoinHandle<io::Result<()>>>,
    pub path: PathBuf,
    pub interface: String,
}

impl LiveCapture {
    /// Opens the socket and starts writing `path`. When this returns Ok the socket is bound
    /// and every later frame on the link lands in the file.
    pub fn start(interface: &str, path: &Path) -> io::Result<LiveCapture> {
        let sock = PacketSocket::open(interface)?;
        let file = File::create(path)?;
        let header = PcapHeader {
            datalink: DataLink::ETHERNET,
            snaplen: 65535,
            ..Default::default()
        };
        let mut writer = PcapWriter::with_header(BufWriter::new(file), header)
            .map_err(|e| io::Error::other(e.to_string()))?;
        let stop = Arc::new(AtomicBool::new(false));
        let frames = Arc::new(AtomicU64::new(0));
        let (stop2, frames2) = (stop.clone(), frames.clone());
        let thread = std::thread::Builder::new()
            .name(format!("capture-{interface}"))
            .spawn(move || {
                let mut buf = vec![0u8; 65536];
                while !stop2.load(Ordering::Relaxed) {
                    let (n, stamp) = match sock.recv(&mut buf) {
                        Ok(r) => r,
                        Err(e)
                            if matches!(
                                e.kind(),
                                io::ErrorKind::WouldBlock
                                    | io::ErrorKind::TimedOut
                                    | io::ErrorKind::Interrupted
                            ) =>
                        {
                            continue
                        }
                        Err(e) => return Err(e),
                    };
                    // The kernel's receive time, not the time this thread got to the frame:
                    // each link has its own thread, and only the kernel's stamps order the
                    // frames of different links as they happened.
                    let ts = stamp.unwrap_or_else(|| {
                        SystemTime::now()
                            .duration_since(UNIX_EPOCH)
                            .unwrap_or_default()
                    });
                    let pkt = PcapPacket::new(ts, n as u32, &buf[..n]);
                    writer
                        .write_packet(&pkt)
                        .map_err(|e| io::Error::other(e.to_string()))?;
                    frames2.fetch_add(1, Ordering::Relaxed);
                }
                use std::io::Write;
                writer.into_writer().flush()
            })?;
        Ok(LiveCapture {
            stop,
            frames,
            thread: Some(thread),
            path: path.to_path_buf(),
            interface: interface.to_string(),
        })
    }

    /// Frames written so far.
    pub fn frames(&self) -> u64 {
        self.frames.load(Ordering::Relaxed)
    }

    /// Stops and flushes. Bounded: the socket wakes at least every 100 ms.
    pub fn stop(mut self) -> io::Result<u64> {
        self.finish()
    }

    fn finish(&mut self) -> io::Result<u64> {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            t.join()
                .map_err(|_| io::Error::other("capture thread panicked"))??;
        }
        Ok(self.frames())
    }
}

impl Drop for LiveCapture {
    fn drop(&mut self) {
        let _ = self.finish();
    }
}

/// An AF_PACKET socket bound to one interface, promiscuous, with a 100 ms receive timeout.
struct PacketSocket(std::os::fd::OwnedFd);

impl PacketSocket {
    fn open(interface: &str) -> io::Result<PacketSocket> {
        use std::os::fd::FromRawFd;
        let cname = std::ffi::CString::new(interface)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "interface name has NUL"))?;
        // SAFETY: plain libc calls with checked results; the fd is owned right after creation.
        unsafe {
            let ifindex = libc::if_nametoindex(cname.as_ptr());
            if ifindex == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::NotFound,
                    format!("no interface `{interface}` on this host"),
                ));
            }
            let proto = (libc::ETH_P_ALL as u16).to_be();
            let fd = libc::socket(libc::AF_PACKET, libc::SOCK_RAW, i32::from(proto));
            if fd < 0 {
                let e = io::Error::last_os_error();
                return Err(io::Error::new(
                    e.kind(),
                    format!("AF_PACKET socket (needs root or CAP_NET_RAW): {e}"),
                ));
            }
            let sock = PacketSocket(std::os::fd::OwnedFd::from_raw_fd(fd));
            let mut sll: libc::sockaddr_ll = std::mem::zeroed();
            sll.sll_family = libc::AF_PACKET as u16;
            sll.sll_protocol = proto;
            sll.sll_ifindex = ifindex as i32;
            check(libc::bind(
                fd,
                &sll as *const _ as *const libc::sockaddr,
                std::mem::size_of::<libc::sockaddr_ll>() as u32,
            ))?;
            let mut mreq: libc::packet_mreq = std::mem::zeroed();
            mreq.mr_ifindex = ifindex as i32;
            mreq.mr_type = libc::PACKET_MR_PROMISC as u16;
            set_option(fd, libc::SOL_PACKET, libc::PACKET_ADD_MEMBERSHIP, &mreq)?;
            let tv = libc::timeval {
                tv_sec: 0,
                tv_usec: 100_000,
            };
            set_option(fd, libc::SOL_SOCKET, libc::SO_RCVTIMEO, &tv)?;
            // Each frame comes with the kernel's receive time (one clock for every link).
            set_option(fd, libc::SOL_SOCKET, SO_TIMESTAMPNS, &1 as &libc::c_int)?;
            Ok(sock)
        }
    }

    /// The next frame into `buf`: its length and, if the kernel gave it, its receive time.
    fn recv(&self, buf: &mut [u8]) -> io::Result<(usize, Option<Duration>)> {
        use std::os::fd::AsRawFd;
        // Room for one SCM_TIMESTAMPNS control message (a timespec), u64-aligned.
        let mut control = [0u64; 8];
        let mut iov = libc::iovec {
            iov_base: buf.as_mut_ptr() as *mut libc::c_void,
            iov_len: buf.len(),
        };
        // SAFETY: an all-zero msghdr is valid; its pointers are set to live buffers below.
        let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control.as_mut_ptr() as *mut libc::c_void;
        msg.msg_controllen = std::mem::size_of_val(&control) as _;
        // SAFETY: msg points at buf and control, both valid for the lengths given.
        let n = unsafe { libc::recvmsg(self.0.as_raw_fd(), &mut msg, 0) };
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        let mut stamp = None;
        // SAFETY: the CMSG macros walk the control buffer the kernel filled.
        unsafe {
            let mut c = libc::CMSG_FIRSTHDR(&msg);
            while !c.is_null() {
                if (*c).cmsg_level == libc::SOL_SOCKET && (*c).cmsg_type == SO_TIMESTAMPNS {
                    let ts = std::ptr::read_unaligned(libc::CMSG_DATA(c) as *const libc::timespec);
                    stamp = Some(Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32));
                }
                c = libc::CMSG_NXTHDR(&msg, c);
            }
        }
        Ok((n as usize, stamp))
    }
}

/// SO_TIMESTAMPNS (asm-generic/socket.h, the `_OLD` number: a timespec of the native time_t
/// on 64-bit targets); also its control message's type, SCM_TIMESTAMPNS.
const SO_TIMESTAMPNS: libc::c_int = 35;

/// `setsockopt` with `value` as the option's value.
///
/// # Safety
/// `fd` is an open socket and `T` is the type the option `(level, name)` takes.
unsafe fn set_option<T>(
    fd: libc::c_int,
    level: libc::c_int,
    name: libc::c_int,
    value: &T,
) -> io::Result<()> {
    check(libc::setsockopt(
        fd,
        level,
        name,
        value as *const T as *const libc::c_void,
        std::mem::size_of::<T>() as u32,
    ))
}

fn check(rc: libc::c_int) -> io::Result<()> {
    if rc < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// Waits until `cond` holds or `timeout` passes; true when it held.
pub fn wait_until(timeout: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = std::time::Instant::now() + timeout;
    loop {
        if cond() {
            return true;
        }
        if std::time::Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
