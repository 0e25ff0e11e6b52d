//! The `MIP6LAB_*` environment variables: one constant per variable, with who reads it and
//! what it means. An IUT is configured only through these (`containers/iut/README.md` gives
//! defaults and examples); the harness-only ones steer the CLI, the lab and the tests.

use crate::IutRole::{self, Aaa, DhcpServer, Fa, Fha, Ha, Mn, NasRelay};

/// Who reads a variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    /// Part of the IUT contract: an IUT in one of these roles reads it.
    Iut(&'static [IutRole]),
    /// Only the reference implementation reads it (its knobs, its harness-only roles); a
    /// vendor IUT ignores it.
    Reference,
    /// The harness (CLI, lab, tests, scripts); never set on an IUT.
    Harness,
}

/// One environment variable of the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnvVar {
    pub name: &'static str,
    pub reader: Reader,
    pub meaning: &'static str,
}

impl EnvVar {
    /// Whether only the harness or the reference reads it (not a vendor IUT).
    pub fn harness_only(&self) -> bool {
        !matches!(self.reader, Reader::Iut(_))
    }
}

/// The variable's name, so that messages can say `{VAR} is not set`.
impl std::fmt::Display for EnvVar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

/// The value of `MIP6LAB_ROLE` for the reference's harness-only role: a node that defends
/// the addresses of a prefix against DAD probes (topology `split-ha-iut-dad`).
pub const ROLE_ND_DEFENDER: &str = "nd-defender";

/// The value of `MIP6LAB_ROLE` for the reference's harness-only stimulus DHCPv6 server: it
/// answers Information-requests with a chosen reply shape, most of them rule-breaking
/// (`mip6lab_engines::dhcpv6::stimulus`), for tests of a mobile node's DHCPv6 client.
pub const ROLE_DHCPV6_STIMULUS: &str = "dhcpv6-stimulus";

/// The value of `MIP6LAB_ROLE` for the reference's harness-only stimulus relay: it sends a
/// fixed series of Relay-forwards (`mip6lab_engines::dhcpv6::relay_stimulus`) from port 547 to
/// the first of `MIP6LAB_DHCP_SERVERS`, for tests of a DHCPv6 server (or, with
/// `MIP6LAB_RELAY_SHAPES=downstream`, of a relay above it); it reports
/// `relay_stimulus_reply` per shape and `relay_stimulus_done`, then exits 0.
pub const ROLE_DHCPV6_RELAY_STIMULUS: &str = "dhcpv6-relay-stimulus";

/// The value of `MIP6LAB_ROLE` for the foreign home agent of the dual-stack scenario
/// (draft-qin-mip6-dsbootstrapping; the reference's is `mip6lab_engines::mip4::fha`): Mobile
/// IPv4 registration on UDP 434, the MN checked with the AAA over RADIUS, the RRP with the
/// temporary IPv4 home address and the IPv6 items of the profile.
pub const ROLE_FHA: &str = IutRole::Fha.token();

/// The value of `MIP6LAB_ROLE` for the foreign agent of the dual-stack scenario (the
/// reference's is `mip6lab_engines::mip4::fa`): Agent Advertisements on its access link
/// (`MIP6LAB_ACCESS_IFACE`), Registration Requests relayed to the FHA and Replies back.
pub const ROLE_FA: &str = IutRole::Fa.token();

/// Declares each variable once: its constant and its row in [`ALL`].
macro_rules! env_vars {
    ($($(#[$meta:meta])* $konst:ident = $name:literal, $reader:expr, $meaning:literal;)*) => {
        $($(#[$meta])* pub const $konst: EnvVar = EnvVar {
            name: $name,
            reader: $reader,
            meaning: $meaning,
        };)*
        /// Every variable, in the order of the IUT README's tables.
        pub const ALL: &[EnvVar] = &[$($konst),*];
    };
}

const BOTH: Reader = Reader::Iut(&[Mn, Ha]);
const MN: Reader = Reader::Iut(&[Mn]);
const HA: Reader = Reader::Iut(&[Ha]);
const NAS: Reader = Reader::Iut(&[NasRelay]);
const HA_NAS: Reader = Reader::Iut(&[Ha, NasRelay]);
const DHCP: Reader = Reader::Iut(&[DhcpServer]);
const FA: Reader = Reader::Iut(&[Fa]);
const FHA: Reader = Reader::Iut(&[Fha]);
const FA_FHA: Reader = Reader::Iut(&[Fa, Fha]);
/// The roles with an identity of their own: IKE for the MN and the HA, the NAS-Identifier
/// of RADIUS for the NAS and the FHA.
const NAMED: Reader = Reader::Iut(&[Mn, Ha, NasRelay, Fha]);
/// Every node the lab gives an address: what each role needs to find its own.
const ADDRESSED: Reader = Reader::Iut(&IutRole::ALL);

env_vars! {
    ROLE = "MIP6LAB_ROLE", Reader::Iut(&IutRole::ALL),
        "`mn`, `ha`, `nas`, `dhcp-server`, `aaa`, `fa` or `fha` (the reference also \
         `nd-defender`, `dhcpv6-stimulus` and `dhcpv6-relay-stimulus`, harness peers)";
    ADDR = "MIP6LAB_ADDR", ADDRESSED,
        "this node's IPv6 address (the MN's care-of address; the DHCPv6 server serves there)";
    WAIT_ADDRS = "MIP6LAB_WAIT_ADDRS", ADDRESSED,
        "addresses the lab attaches after the start: wait until they are configured";
    DNS = "MIP6LAB_DNS", BOTH, "IPv6 address of the MSP's DNS server";
    ID = "MIP6LAB_ID", NAMED,
        "own identity: MN/HA: the IKE identity, an FQDN (MN: also the DNS name, RFC 5026 \
         §9.5); NAS/FHA: the NAS-Identifier of its RADIUS requests (RFC 2865 §5.32)";
    AUTH = "MIP6LAB_AUTH", BOTH,
        "`psk` (default), `cert` or `eap` (MN: EAP-MSCHAPv2; HA: relayed to RADIUS)";
    PSK = "MIP6LAB_PSK", BOTH, "the shared key (`psk`, and the HA's own AUTH with `eap`)";
    CERT = "MIP6LAB_CERT", BOTH, "own certificate, PEM, for `cert`";
    KEY = "MIP6LAB_KEY", BOTH, "the certificate's private key, PEM, for `cert`";
    CA = "MIP6LAB_CA", BOTH, "the CA certificate to trust, PEM, for `cert`";
    KEYLOG_DIR = "MIP6LAB_KEYLOG_DIR", BOTH,
        "where IKE and ESP keys are logged (default `/var/lib/mip6lab/keys`)";
    DOMAIN = "MIP6LAB_DOMAIN", BOTH,
        "MN: MSP domain for SRV discovery (§5.1.2); HA: the forward zone it updates";
    KNOBS = "MIP6LAB_KNOBS", Reader::Reference,
        "comma-separated `knob=value` mutations and stimuli (see `knobs`)";
    HA_NAME = "MIP6LAB_HA_NAME", MN,
        "HA FQDN for lookup by name (§5.1.1); when set, SRV is not used";
    HOA_MODE = "MIP6LAB_HOA_MODE", MN,
        "`assigned` (§5.3.1, default) or `autoconf` (§5.3.2)";
    MN_HOME_PREFIX = "MIP6LAB_MN_HOME_PREFIX", MN,
        "a pre-configured home prefix: propose a HoA from it (§5.3.2 first case)";
    SWITCH_TO_AUTOCONF = "MIP6LAB_SWITCH_TO_AUTOCONF", MN,
        "`yes`: once registered with an assigned HoA, Mobile Prefix Discovery over ESP, an \
         auto-configured HoA, CREATE_CHILD_SA and a BU for it (§5.3.2 MAY; default `no`)";
    HOA_COUNT = "MIP6LAB_HOA_COUNT", MN,
        "home addresses to ask for: INTERNAL_IP6_ADDRESS attributes in the CFG_REQUEST \
         (RFC 4877 §9; default 1)";
    DNS_UPDATE = "MIP6LAB_DNS_UPDATE", MN, "`yes` (default): DNS Update option in BUs (§6)";
    HOLD_SECS = "MIP6LAB_HOLD_SECS", MN,
        "time registered before deregistering (default 1)";
    RETRY_SECS = "MIP6LAB_RETRY_SECS", MN,
        "wait before trying the HA list again (§5.1.2, default 2)";
    IKE_TIMEOUT_SECS = "MIP6LAB_IKE_TIMEOUT_SECS", MN,
        "how long an HA has to complete IKE_SA_INIT/IKE_AUTH before the next is tried \
         (default 5)";
    EAP_USER = "MIP6LAB_EAP_USER", MN, "EAP identity (default: `MIP6LAB_ID`)";
    EAP_PASSWORD = "MIP6LAB_EAP_PASSWORD", MN, "EAP password";
    BOOTSTRAP = "MIP6LAB_BOOTSTRAP", MN,
        "`split` (default: HA discovery by DNS, RFC 5026), `integrated` (RFC 6611: network \
         access authentication, a DHCPv6 Information-request for home network information, \
         then RFC 5026 with the HA learned; DNS discovery when DHCPv6 gives none) or \
         `dualstack` (draft-qin-mip6-dsbootstrapping §4: Mobile IPv4 registration with a \
         foreign home agent, then RFC 5026 with the HA the Reply names)";
    ACCESS_USER = "MIP6LAB_ACCESS_USER", MN,
        "`integrated`, and `dualstack` with `MIP6LAB_DS_DHCP4`: the network access (IEEE \
         802.1X, EAP-MD5) identity; unset: no access authentication";
    ACCESS_PASSWORD = "MIP6LAB_ACCESS_PASSWORD", MN,
        "`integrated`, `dualstack`: the network access password";
    HOME_NETWORK_ID = "MIP6LAB_HOME_NETWORK_ID", MN,
        "`integrated`: the home network's FQDN, sent as Home Network ID FQDN (the MSP case, \
         RFC 6611 §4.2.1; several, comma-separated: one HNIDF each); unset: the ASP case, \
         asking for the visited network's HA (§4.2.2)";
    NO_HA_PREFERENCE = "MIP6LAB_NO_HA_PREFERENCE", MN,
        "`integrated`: `yes`: the MN has no preference as to its home network (RFC 6610 \
         §4.1.1, PICS `mn.dhcp.no_preference`); `MIP6LAB_HOME_NETWORK_ID` is then not used \
         (default `no`)";
    DHCP_WAIT_SECS = "MIP6LAB_DHCP_WAIT_SECS", MN,
        "`integrated`: how long the Information-request exchange may take before DNS \
         discovery takes over (default 10)";
    NAI = "MIP6LAB_NAI", MN,
        "`dualstack`: its NAI in the Mobile IPv4 Registration Request (RFC 2794)";
    MN_AAA_KEY = "MIP6LAB_MN_AAA_KEY", MN,
        "`dualstack`: the MN-AAA key (RFC 4721 §6 MN-AAA Authentication extension, SPI 2: \
         §8's CHAP-style authenticator the AAAH checks as RADIUS CHAP, a lab convention)";
    DS_MODE = "MIP6LAB_DS_MODE", MN,
        "`dualstack`: `co-located` (default: its own IPv4 address as the CoA, registering with \
         the FHA directly, draft §4.1.1) or `fa` (an FA CoA learned from Agent \
         Advertisements, registering through the FA with a reverse tunnel, draft §4.1.2)";
    DS_FHA = "MIP6LAB_DS_FHA", MN,
        "`dualstack`: the foreign home agent's IPv4 address (draft §4.1; not needed with \
         `MIP6LAB_DS_DHCP4`, which takes it from DHCPv4 option 68)";
    DS_DHCP4 = "MIP6LAB_DS_DHCP4", MN,
        "`dualstack`: `yes`: after network access (`MIP6LAB_ACCESS_USER`), take the \
         co-located CoA and the FHA (option 68) from DHCPv4 (draft §4.1.1 steps 1-3)";
    DS_ADV_WAIT_MS = "MIP6LAB_DS_ADV_WAIT_MS", MN,
        "PIXIT, `dualstack`, co-located CoA: wait this long (ms) for an Agent Advertisement \
         before registering directly; one with the R bit makes it register through that FA \
         (RFC 5944 §3.3; draft §4.1.2); default 0: at once";
    DS_ECHO = "MIP6LAB_DS_ECHO", MN,
        "`dualstack`, a lab convention: once registered, send ICMP echo requests to this \
         IPv4 address from the temporary IPv4 home address through its tunnel (to the FHA, or \
         through the FA); unset: none";
    MN_IPV4_HOA_REQUEST = "MIP6LAB_MN_IPV4_HOA_REQUEST", MN,
        "RFC 5555 §3.1.1: ask the HA for an IPv4 home address in the BU's IPv4 Home Address \
         option, `0.0.0.0` for any or a given address; unset: no option";
    MN_IPV4_COA_HA = "MIP6LAB_MN_IPV4_COA_HA", MN,
        "RFC 5555 §4.1: after registering from the Reply's IPv6 CoA, move the binding to its \
         IPv4 CoA, the BUs (and the deregistration) in UDP 4191 to this IPv4 address of the \
         HA; unset: stay on the IPv6 CoA";
    ACCESS_IFACE = "MIP6LAB_ACCESS_IFACE", Reader::Iut(&[NasRelay, Fa]),
        "the access link's interface: where the NAS authenticates MNs (IEEE 802.1X) and \
         relays their DHCP messages, where the FA sends Agent Advertisements (default `eth1`)";
    DHCP_SERVERS = "MIP6LAB_DHCP_SERVERS", NAS,
        "comma-separated DHCPv6 server addresses the relay forwards to";
    DHCP4_SERVER = "MIP6LAB_DHCP4_SERVER", NAS,
        "the dual-stack NAS (draft-qin-mip6-dsbootstrapping §4.1.1 steps 1-3): relay DHCPv4 to \
         this IPv4 server (option 82 with the RFC 4014 attributes of the Access-Accept, RFC \
         3527 link selection) instead of DHCPv6; unset: the DHCPv6 relay";
    HA_INFO_HOLD_SECS = "MIP6LAB_HA_INFO_HOLD_SECS", NAS,
        "how long the AAA-assigned HA information is held for the RSOO (default: while the \
         access session lasts)";
    RSOO_BLOCK_FORWARDS = "MIP6LAB_RSOO_BLOCK_FORWARDS", NAS,
        "`yes`: silently discard a Relay-forward from a downstream relay that carries an RSOO \
         in any of its encapsulations (RFC 6422 §5's switch, PICS `nas.rsoo.block_switch`; \
         default `no`)";
    DHCP_VDINF_HA = "MIP6LAB_DHCP_VDINF_HA", DHCP,
        "the home agent address the DHCPv6 server allocates in a VDINF for the ASP case \
         (RFC 6611 §4.2.2 (4) \"if configured to do so\"); unset: none configured";
    DHCP_UDINF_HA = "MIP6LAB_DHCP_UDINF_HA", DHCP,
        "the home agent the DHCPv6 server gives in a UDINF to a client asking for one (RFC \
         6610 §3.2.3, PICS `dhcp.udinf`): an IPv6 address (HAA) or a domain name (HAF); \
         unset: none configured";
    DHCP_HOME_NETWORKS = "MIP6LAB_DHCP_HOME_NETWORKS", DHCP,
        "the DHCPv6 server's Home Network ID FQDN table (RFC 6610 §4.3): comma-separated \
         `fqdn=ha-address` entries; unset: no table";
    DHCP_RSOO_ENABLED = "MIP6LAB_DHCP_RSOO_ENABLED", DHCP,
        "comma-separated option codes the DHCPv6 server takes as RSOO-enabled besides IANA's \
         list ({65}) (RFC 6422 §6; the lab sets `50,69`, INTERP-6611-4)";
    AAA_SECRET = "MIP6LAB_AAA_SECRET", Reader::Iut(&[Aaa]),
        "the RADIUS shared secret of every client of the AAA server (the AAAV, a NAS)";
    AAA_USERS = "MIP6LAB_AAA_USERS", Reader::Iut(&[Aaa]),
        "the subscribers, `nai:password:ha-address:prefix/len` separated by `,` (the HA \
         address may be bracketed, `[2001:db8:1::a1]`); `nai:password::` is a subscriber \
         allowed network access but not Mobile IPv6 service";
    HOME_PREFIX = "MIP6LAB_HOME_PREFIX", HA, "home prefix, e.g. `2001:db8:1:100::/64`";
    HA_AUTOCONF = "MIP6LAB_HA_AUTOCONF", HA,
        "`yes` (default): answer MIP6_HOME_PREFIX with the prefix; `no`: USE_ASSIGNED_HoA";
    MN_IDS = "MIP6LAB_MN_IDS", HA,
        "comma-separated MN identities the PSK is for (default `mn1.example.com`)";
    CONFIGURED_HOAS = "MIP6LAB_CONFIGURED_HOAS", HA,
        "`identity=address,…`: configured home addresses (RFC 5026 §9.2)";
    HOA_POOL_SIZE = "MIP6LAB_HOA_POOL_SIZE", HA,
        "addresses assigned to MNs asking for any (1..=32767, default 256)";
    TSIG_KEY = "MIP6LAB_TSIG_KEY", HA, "`name:base64-secret` for DNS updates (RFC 8945)";
    REVERSE_ZONE = "MIP6LAB_REVERSE_ZONE", HA, "the ip6.arpa zone of the home prefix";
    RADIUS = "MIP6LAB_RADIUS", HA_NAS,
        "AAA server `[addr]:port` (HA: for `eap` and DNS via AAA; NAS: network access)";
    RADIUS_SECRET = "MIP6LAB_RADIUS_SECRET", HA_NAS, "the AAA server's shared secret";
    DNS_FORWARD = "MIP6LAB_DNS_FORWARD", HA,
        "`self` (default): the HA updates the AAAA itself; `aaa`: it sends the FQDN-HoA pair \
         to its AAA server (RADIUS accounting), which has the forward update done (§6)";
    DAD_WAIT_MS = "MIP6LAB_DAD_WAIT_MS", HA,
        "proxy DAD wait for a defense of an auto-configured HoA (default 1000 = \
         RetransTimer, at most 10000)";
    HA_IPV4_HOA_POOL = "MIP6LAB_HA_IPV4_HOA_POOL", HA,
        "RFC 5555 (DSMIPv6) §2.5: the IPv4 home addresses it assigns to MNs asking for one in a \
         BU's IPv4 Home Address option, `first-last` (e.g. `198.18.200.10-198.18.200.250`); \
         unset: no RFC 5555 (IPv4 options skipped)";
    HA_IPV4_ADDRESS = "MIP6LAB_HA_IPV4_ADDRESS", HA,
        "RFC 5555 §4.1: its IPv4 address, where it takes BUs in UDP 4191 from MNs with IPv4 \
         care-of addresses and answers the same way; unset: no UDP encapsulation";
    FA_REGISTRATION_REQUIRED = "MIP6LAB_FA_REGISTRATION_REQUIRED", FA,
        "`yes`: advertise the R bit, registration required even for co-located CoAs (RFC \
         5944 §2.1.1, §3.7.2.2; default `no`)";
    FA_FHA_BY_REALM = "MIP6LAB_FA_FHA_BY_REALM", FA,
        "`realm=ipv4,…`: the FHA a Request asking for any home agent (Home Agent 0.0.0.0 or \
         255.255.255.255) goes to, by its NAI's realm (RFC 4433 §5.2; draft §4.1.2)";
    FA_HA_SA = "MIP6LAB_FA_HA_SA", FA_FHA,
        "the FA-HA security association (RFC 5944 §3.5.4, HMAC-MD5), `peer-ipv4 spi key`: at \
         the FA the FHA's address, at the FHA the FA's; unset: none";
    FHA_THOA_POOL = "MIP6LAB_FHA_THOA_POOL", FHA,
        "the temporary IPv4 home addresses it assigns in Registration Replies (draft §4.1), \
         `first-last` (e.g. `198.18.100.10-198.18.100.250`)";
    FHA_AAA = "MIP6LAB_FHA_AAA", FHA,
        "the RADIUS server `[addr]:port` it checks MNs with (AAAH, or the AAAF proxying by \
         realm; draft §4.2) and its secret after a space: `[2001:db8:30::18]:1812 secret`";
    FHA_IPV6_COA_PREFIX = "MIP6LAB_FHA_IPV6_COA_PREFIX", FHA,
        "the prefix the MNs' IPv6 care-of addresses in the Reply come from when the AAA names \
         none (`addr/len`; lab profile: the THoAv4 as interface identifier)";
    DEFEND_PREFIX = "MIP6LAB_DEFEND_PREFIX", Reader::Reference,
        "`nd-defender`: answer DAD probes for addresses of this prefix";
    DEFEND_SECS = "MIP6LAB_DEFEND_SECS", Reader::Reference,
        "`nd-defender`: how long to serve before exiting 0 (default 300)";
    RELAY_SHAPES = "MIP6LAB_RELAY_SHAPES", Reader::Reference,
        "`dhcpv6-relay-stimulus`: `server` (default: the 9 shapes towards a DHCPv6 server) or \
         `downstream` (3 shapes of a relay below a relay under test)";
    DHCP_SHAPE = "MIP6LAB_DHCP_SHAPE", Reader::Reference,
        "`dhcpv6-stimulus`: the reply shape (default `proper`; `--list-dhcp-shapes` lists them)";
    DHCP_HA = "MIP6LAB_DHCP_HA", Reader::Reference,
        "`dhcpv6-stimulus`: the home agent address a conforming client ends up using";
    DHCP_DECOY_HA = "MIP6LAB_DHCP_DECOY_HA", Reader::Reference,
        "`dhcpv6-stimulus`: the home agent address rule-breaking shapes carry, where a \
         conforming client must not take it from";
    DHCP_HA_NAME = "MIP6LAB_DHCP_HA_NAME", Reader::Reference,
        "`dhcpv6-stimulus`: the home agent FQDN shape `haf-only` sends as HAF (it should \
         resolve to `MIP6LAB_DHCP_HA`)";
    DHCP_PREFIX = "MIP6LAB_DHCP_PREFIX", Reader::Reference,
        "`dhcpv6-stimulus`: home link prefix `addr/len` sent as HNP next to home agents \
         (default: none)";
    DHCP_ANSWER_FROM = "MIP6LAB_DHCP_ANSWER_FROM", Reader::Reference,
        "`dhcpv6-stimulus`: answer the Nth Information-request received and later ones \
         (default 1; retransmissions count)";
    DHCP_ANSWER_LIMIT = "MIP6LAB_DHCP_ANSWER_LIMIT", Reader::Reference,
        "`dhcpv6-stimulus`: answer at most this many (default: no limit)";
    DHCP_DUID = "MIP6LAB_DHCP_DUID", Reader::Reference,
        "`dhcpv6-stimulus`: its DUID in hex, type included (default DUID-EN 32473 `stimulus`)";
    DHCP_SECS = "MIP6LAB_DHCP_SECS", Reader::Reference,
        "`dhcpv6-stimulus`: how long to serve before exiting 0 (default 300)";
    ROOT = "MIP6LAB_ROOT", Reader::Harness,
        "repository root (default: found by walking up from the current directory)";
    REFIMPL = "MIP6LAB_REFIMPL", Reader::Harness,
        "path to the mip6lab-refimpl binary (default: next to the mip6lab binary)";
    TIMING = "MIP6LAB_TIMING", Reader::Harness,
        "set: the lab prints where a test's time goes";
    HOST_SLOTS = "MIP6LAB_HOST_SLOTS", Reader::Harness,
        "labs this host runs at once, over all runs (default: 2 per core, at most one per 1.5 GiB of available memory); also the default of --jobs";
    UPDATE_BASELINE = "MIP6LAB_UPDATE_BASELINE", Reader::Harness,
        "`1`: the baseline test rewrites fixtures/baselines/reference.toml";
    HOLLOW_FULL_WINDOWS = "MIP6LAB_HOLLOW_FULL_WINDOWS", Reader::Harness,
        "set: the hollow-IUT tests observe each test for its whole window (CI caps them at 8 s)";
    DEBIAN_MIRROR = "MIP6LAB_DEBIAN_MIRROR", Reader::Harness,
        "Debian mirror for the lab's base image (default: the host's, from /etc/apt)";
}

/// The declared variable called `name`.
pub fn find(name: &str) -> Option<&'static EnvVar> {
    ALL.iter().find(|v| v.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_prefixed_and_found() {
        for (i, v) in ALL.iter().enumerate() {
            assert!(v.name.starts_with("MIP6LAB_"), "{}", v.name);
            assert!(
                ALL[..i].iter().all(|w| w.name != v.name),
                "{} twice",
                v.name
            );
            assert_eq!(find(v.name), Some(v));
        }
        assert!(find("MIP6LAB_NOPE").is_none());
        assert!(KNOBS.harness_only() && ROOT.harness_only() && !ROLE.harness_only());
    }
}
