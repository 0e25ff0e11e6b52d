//! Home agent assignment as the NAS gets it from the AAA side (RFC 6611 §4.2.1 (1): "The AAAH
//! assigns a home agent in the home MSP, and it assigns one or more home agents in other
//! authorized MSPs and returns this information to the NAS"), and its translation into the
//! RFC 6610 options the relay supplies.
//!
//! Which RADIUS attributes carry it is the AAA driver's business; here it is already decoded:
//! per home network its identifier, the home agent address(es) (RFC 5447 MIP-Home-Agent-Address,
//! up to two), the home agent's name and the home link prefix (MIP6-Home-Link-Prefix).

use mip6lab_wire::dhcpv6::{DhcpOption, Duid, Fqdn};
use std::net::Ipv6Addr;

/// Which clients an assignment is for: the NAS knows the MN from its access session, the
/// relay sees a DHCPv6 message; this says how the two are tied together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientMatch {
    /// Any client on this access link (a point-to-point or per-port authenticated link, as
    /// with IEEE 802.1X, where the link is the session). The link's [`super::AccessLink`] name.
    Interface(String),
    /// The client message's source address (the Relay-forward's peer-address).
    PeerAddress(Ipv6Addr),
    /// The DUID in the client's OPTION_CLIENTID.
    Duid(Duid),
    /// The link-layer address the NAS authenticated (e.g. the 802.1X supplicant's MAC), found
    /// in a DUID-LLT or DUID-LL (RFC 8415 §11.2, §11.4) in the client's OPTION_CLIENTID.
    LinkLayerAddress(Vec<u8>),
}

/// What a relay knows about the sender of a client message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIdentity<'a> {
    /// The access link it arrived on.
    pub interface: &'a str,
    /// The client's address: the source of a client message, or the innermost peer-address of
    /// a Relay-forward from a downstream relay.
    pub peer: Ipv6Addr,
    /// The DUID of the client's OPTION_CLIENTID, if it sent one.
    pub duid: Option<&'a Duid>,
}

impl ClientMatch {
    pub fn matches(&self, who: &ClientIdentity<'_>) -> bool {
        match self {
            ClientMatch::Interface(name) => name == who.interface,
            ClientMatch::PeerAddress(a) => *a == who.peer,
            ClientMatch::Duid(d) => who.duid == Some(d),
            ClientMatch::LinkLayerAddress(l) => match who.duid {
                Some(Duid::Llt {
                    link_layer_address, ..
                })
                | Some(Duid::Ll {
                    link_layer_address, ..
                }) => link_layer_address == l,
                _ => false,
            },
        }
    }
}

/// The assignment for one home network.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HomeNetworkAssignment {
    /// The home network's identifier. `None`: the AAA side named none, and the assignment is
    /// taken as being for the MSP the client names in its first HNIDF (RFC 6611 §4.2.1 (1): the
    /// AAAH assigns the HA "in the home MSP", the one the MN identifies).
    pub home_network_id: Option<Fqdn>,
    /// Home agent addresses, in the AAA's order (an IPv4 one as 64:ff9b::/96, RFC 6610 §3.4).
    pub ha_addresses: Vec<Ipv6Addr>,
    /// The home agent's FQDN.
    pub ha_fqdn: Option<Fqdn>,
    /// The home link prefix: prefix-len and prefix.
    pub home_link_prefix: Option<(u8, Ipv6Addr)>,
}

impl HomeNetworkAssignment {
    /// Whether it names a home agent: without one an IDINF lacks the "complete configuration
    /// information" a client needs and would discard (RFC 6610 §4.1.2), so a relay does not
    /// supply it.
    pub fn names_a_home_agent(&self) -> bool {
        !self.ha_addresses.is_empty() || self.ha_fqdn.is_some()
    }

    /// Whether it is for the network `hnidf` identifies (see [`Self::home_network_id`] for
    /// `None`, which the caller resolves by offering only the client's first HNIDF).
    pub fn is_for(&self, hnidf: &Fqdn) -> bool {
        self.home_network_id
            .as_ref()
            .is_none_or(|id| same_fqdn(id, hnidf))
    }

    /// The IDINF (RFC 6610 §3.2.2) for it: the client's own HNIDF first, copied as the client
    /// sent it ("a Home Network ID FQDN option identical to the one sent by the client",
    /// RFC 6610 §4.2) unless `hnidf` is `None`, then the HAA options, the HNP and the HAF.
    pub fn to_idinf(&self, hnidf: Option<&Fqdn>) -> DhcpOption {
        let mut inner = Vec::new();
        if let Some(h) = hnidf {
            inner.push(DhcpOption::Mip6Hnidf(h.clone()));
        }
        inner.extend(self.ha_addresses.iter().map(|a| DhcpOption::Mip6Haa(*a)));
        if let Some((prefix_len, prefix)) = self.home_link_prefix {
            inner.push(DhcpOption::Mip6Hnp { prefix_len, prefix });
        }
        if let Some(n) = &self.ha_fqdn {
            inner.push(DhcpOption::Mip6Haf(n.clone()));
        }
        DhcpOption::Mip6Idinf(inner)
    }
}

/// What the AAA side delivered for one client's session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HaAssignment {
    pub client: ClientMatch,
    /// The home networks, in the order the AAA gave them.
    pub networks: Vec<HomeNetworkAssignment>,
    /// When the AAA side says it stops being valid (e.g. from Session-Timeout), on the
    /// engine's clock; `None`: only the relay's own hold time applies.
    pub expires_at: Option<u64>,
}

/// Two domain names are the same when their labels are, ignoring ASCII case (RFC 4343 §3).
pub fn same_fqdn(a: &Fqdn, b: &Fqdn) -> bool {
    a.labels().len() == b.labels().len()
        && a.labels()
            .iter()
            .zip(b.labels())
            .all(|(x, y)| x.eq_ignore_ascii_case(y))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(s: &str) -> Fqdn {
        Fqdn::from_dotted(s).unwrap()
    }

    #[test]
    fn names_compare_without_case_but_label_by_label() {
        assert!(same_fqdn(
            &name("MSP.Example.NET"),
            &name("msp.example.net.")
        ));
        assert!(!same_fqdn(
            &name("msp.example.net"),
            &name("msp.example.org")
        ));
        assert!(!same_fqdn(&name("a.b"), &name("a.b.c")));
    }

    #[test]
    fn link_layer_match_reads_llt_and_ll_duids_only() {
        let mac = vec![2, 0, 0, 0, 0, 1];
        let m = ClientMatch::LinkLayerAddress(mac.clone());
        fn who(duid: Option<&Duid>) -> ClientIdentity<'_> {
            ClientIdentity {
                interface: "acc0",
                peer: Ipv6Addr::LOCALHOST,
                duid,
            }
        }
        let ll = Duid::Ll {
            hardware_type: 1,
            link_layer_address: mac.clone(),
        };
        let en = Duid::En {
            enterprise_number: 1,
            identifier: mac,
        };
        assert!(m.matches(&who(Some(&ll))));
        assert!(!m.matches(&who(Some(&en))));
        assert!(!m.matches(&who(None)));
    }
}
