//! Observations of several links: their transcripts merged into one in capture-time order,
//! and the roles of addresses the topology does not name.
//!
//! The lab captures every link on the host's bridges, so the frames of all links carry
//! timestamps of one clock (the host kernel's, in microseconds). Merged by timestamp, a
//! message that causes another on a second link (the NAS relaying an Information-request, or
//! sending EAP Success once the Access-Accept came) comes before it: the two are at least the
//! node's processing time apart, far above the clock's microsecond. Frames with the same
//! timestamp keep the order of the links as given, and within a link the capture's order.
//!
//! Frame numbers stay those of each link's capture: they point into that link's pcap, and
//! compare only within one link. Views give the order as `position` (the index in the merged
//! transcript).

use crate::Observation;
use mip6lab_capture::{Frame, Transcript};
use std::net::IpAddr;
use std::time::Duration;

/// The entries of several links' transcripts (each decoded from `frames`, the capture they
/// came from) in one transcript, in capture-time order (see the module's note); their
/// errors, in link order; setup and housekeeping frames summed.
pub fn merge_in_capture_order(links: Vec<(&[Frame], Transcript)>) -> Transcript {
    let mut keyed = Vec::new();
    let mut out = Transcript::default();
    for (link, (frames, t)) in links.into_iter().enumerate() {
        // An entry whose frame is not among `frames` takes the time of the one before it.
        let mut last = Duration::ZERO;
        for (i, e) in t.entries.into_iter().enumerate() {
            if let Ok(at) = frames.binary_search_by_key(&e.frame, |f| f.number) {
                last = frames[at].timestamp;
            }
            keyed.push(((last, link, i), e));
        }
        out.errors.extend(t.errors);
        out.setup += t.setup;
        out.housekeeping += t.housekeeping;
    }
    keyed.sort_by_key(|(k, _)| *k);
    out.entries = keyed.into_iter().map(|(_, e)| e).collect();
    out
}

impl Observation {
    /// The role the observation's entries give `addr`: an entry that names it (its sender or
    /// receiver shown as a role, not as the address). A node's link-local address is not in
    /// the topology, but its EAPOL frames name its MAC, which stands in as exactly the
    /// EUI-64 link-local address a node forms from that MAC; so a supplicant's DHCPv6
    /// messages from its link-local address get its role.
    pub fn role_of(&self, addr: &IpAddr) -> Option<&str> {
        let named = |name: &str, a: &IpAddr| a == addr && name.parse::<IpAddr>().ok() != Some(*a);
        self.transcript.entries.iter().find_map(|e| {
            if named(&e.src, &e.src_addr) {
                Some(e.src.as_str())
            } else if named(&e.dst, &e.dst_addr) {
                Some(e.dst.as_str())
            } else {
                None
            }
        })
    }

    /// `name` as an entry shows it, or the role [`Observation::role_of`] finds when the entry
    /// shows only the address.
    pub(crate) fn role_or_name<'a>(&'a self, name: &'a str, addr: &IpAddr) -> &'a str {
        if name.parse::<IpAddr>().ok() == Some(*addr) {
            self.role_of(addr).unwrap_or(name)
        } else {
            name
        }
    }
}
