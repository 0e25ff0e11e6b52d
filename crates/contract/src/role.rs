//! The roles an implementation under test can take across the three scenarios.

use std::fmt;
use std::str::FromStr;

/// A role a vendor may bring as the IUT. The split scenario uses `Mn` and `Ha`; the
/// integrated scenario adds the NAS/DHCPv6 relay, the DHCPv6 server and the AAA server; the
/// dual-stack scenario adds the Foreign Agent and the Foreign Home Agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IutRole {
    Mn,
    Ha,
    NasRelay,
    DhcpServer,
    Aaa,
    Fa,
    Fha,
}

impl IutRole {
    pub const ALL: [IutRole; 7] = [
        IutRole::Mn,
        IutRole::Ha,
        IutRole::NasRelay,
        IutRole::DhcpServer,
        IutRole::Aaa,
        IutRole::Fa,
        IutRole::Fha,
    ];

    /// The token used in `MIP6LAB_ROLE`, PICS items (`role.<token>`) and CLI flags.
    pub const fn token(self) -> &'static str {
        match self {
            IutRole::Mn => "mn",
            IutRole::Ha => "ha",
            IutRole::NasRelay => "nas",
            IutRole::DhcpServer => "dhcp-server",
            IutRole::Aaa => "aaa",
            IutRole::Fa => "fa",
            IutRole::Fha => "fha",
        }
    }

    /// A topology node's role (`MN`, `MN2`, `HA1`, `AAA`, `FA`, `FHA`, …) as the IUT role it plays (or
    /// the harness's reference plays in its place); `None` for node roles no IUT can take
    /// (`DNS`, `DEF`, `RELAY`, `AAAV`: the visited AAA proxy is always the harness's; `DHCP4`:
    /// the dual-stack access network's DHCPv4 server, Kea, is not the DHCPv6 server role).
    pub fn of_node_role(node_role: &str) -> Option<IutRole> {
        match node_role {
            "DHCP4" => None,
            r if r.starts_with("MN") => Some(IutRole::Mn),
            r if r.starts_with("HA") => Some(IutRole::Ha),
            r if r.starts_with("NAS") => Some(IutRole::NasRelay),
            r if r.starts_with("DHCP") => Some(IutRole::DhcpServer),
            "AAA" => Some(IutRole::Aaa),
            r if r.starts_with("FHA") => Some(IutRole::Fha),
            r if r.starts_with("FA") => Some(IutRole::Fa),
            _ => None,
        }
    }

    /// The PICS item that says whether an IUT plays this role at all.
    pub fn pics_item(self) -> String {
        format!("role.{}", self.token())
    }
}

impl fmt::Display for IutRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.token())
    }
}

/// An unknown role token, with the list of known ones for the error line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownRole(pub String);

impl fmt::Display for UnknownRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let known: Vec<&str> = IutRole::ALL.iter().map(|r| r.token()).collect();
        write!(f, "unknown role `{}` (known: {})", self.0, known.join(", "))
    }
}

impl std::error::Error for UnknownRole {}

impl FromStr for IutRole {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<IutRole, UnknownRole> {
        IutRole::ALL
            .into_iter()
            .find(|r| r.token() == s)
            .ok_or_else(|| UnknownRole(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_unknown_is_named() {
        for r in IutRole::ALL {
            assert_eq!(r.token().parse::<IutRole>(), Ok(r));
        }
        assert_eq!(IutRole::of_node_role("HA2"), Some(IutRole::Ha));
        assert_eq!(IutRole::of_node_role("MN"), Some(IutRole::Mn));
        assert_eq!(IutRole::of_node_role("MN2"), Some(IutRole::Mn));
        assert_eq!(IutRole::of_node_role("DNS"), None);
        assert_eq!(IutRole::of_node_role("DHCP"), Some(IutRole::DhcpServer));
        assert_eq!(IutRole::of_node_role("RELAY"), None);
        assert_eq!("dhcp-server".parse(), Ok(IutRole::DhcpServer));
        assert_eq!(IutRole::of_node_role("AAA"), Some(IutRole::Aaa));
        assert_eq!(IutRole::of_node_role("AAAV"), None);
        // The dual-stack nodes: the MN behind an FA is an MN, the FA and the FHA their own.
        assert_eq!(IutRole::of_node_role("FA"), Some(IutRole::Fa));
        assert_eq!(IutRole::of_node_role("FHA"), Some(IutRole::Fha));
        assert_eq!(IutRole::of_node_role("MN-FA"), Some(IutRole::Mn));
        assert_eq!(IutRole::of_node_role("MN-CO"), Some(IutRole::Mn));
        assert_eq!(IutRole::of_node_role("MN-R"), Some(IutRole::Mn));
        assert_eq!(IutRole::of_node_role("DHCP4"), None);
        let e = "router".parse::<IutRole>().unwrap_err();
        assert!(e.to_string().contains("router") && e.to_string().contains("mn, ha"));
    }
}
