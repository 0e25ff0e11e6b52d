# The MN role of the IUT contract (containers/iut/README.md) for dhcpcd: 802.1X, then a DHCPv6
# Information-request (--inform6) whose ORO asks for RFC 6610's options (`define6` + `option`).
# dhcpcd has no way to send an HNIDF, so MIP6LAB_HOME_NETWORK_ID cannot be honoured: the PICS
# declares the MSP case unsupported.
set -eu
[ "${MIP6LAB_ROLE:-}" = mn ] || { echo "this package is an MN only (MIP6LAB_ROLE=${MIP6LAB_ROLE:-unset})" >&2; exit 2; }
. /usr/local/lib/mip6lab/access-8021x.sh
iface=eth0
access_8021x "$iface"
wait_link_local "$iface"
conf=/tmp/dhcpcd.conf
cat >"$conf" <<CONF
ipv6only
noipv6rs
duid
define6 49 domain mip6_hnidf
define6 50 binhex mip6_vdinf
define6 69 binhex mip6_idinf
define6 70 binhex mip6_udinf
define6 71 binhex mip6_hnp
define6 72 ip6address mip6_haa
define6 73 domain mip6_haf
# `dhcp6_` + a define6 name asks for that DHCPv6 option (ORO).
option dhcp6_mip6_vdinf, dhcp6_mip6_hnidf, dhcp6_mip6_hnp, dhcp6_mip6_haa, dhcp6_mip6_haf
CONF
sed 's/^/dhcpcd.conf: /' "$conf"
# -B: foreground; -d: debug log; -1: one attempt, then exit; -t: its bound.
exec dhcpcd -B -d -1 -t 20 --noipv6rs --inform6 -f "$conf" "$iface"
