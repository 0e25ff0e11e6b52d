//! The roles of addresses the topology does not name (several links' transcripts are merged
//! in capture-time order by [`Observation::from_links`]).
//! Frame numbers stay those of each link's capture: they point into that link's pcap
//! ([`Observation::pcap_of`]) and compare only within one link. Views give the order as
//! `position` (the index in the merged transcript).

use crate::Observation;
use std::net::IpAddr;

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
