# The MN role of the IUT contract (containers/iut/README.md) for ISC dhclient -6: 802.1X, then
# a stateless Information-request (-S) asking for RFC 6610's options. With
# MIP6LAB_HOME_NETWORK_ID (the MSP case) it sends that FQDN as an HNIDF (49) and asks for
# IDINF (69) and the sub-options RFC 6610 §4.1.1 lists; without it (the ASP case), for VDINF (50).
set -eu
[ "${MIP6LAB_ROLE:-}" = mn ] || { echo "this package is an MN only (MIP6LAB_ROLE=${MIP6LAB_ROLE:-unset})" >&2; exit 2; }
. /usr/local/lib/mip6lab/access-8021x.sh
iface=eth0
access_8021x "$iface"
wait_link_local "$iface"
conf=/tmp/dhclient6.conf
cat >"$conf" <<CONF
option dhcp6.mip6-hnidf code 49 = string;
option dhcp6.mip6-vdinf code 50 = string;
option dhcp6.mip6-idinf code 69 = string;
option dhcp6.mip6-udinf code 70 = string;
option dhcp6.mip6-hnp code 71 = string;
option dhcp6.mip6-haa code 72 = string;
option dhcp6.mip6-haf code 73 = string;
CONF
if [ -n "${MIP6LAB_HOME_NETWORK_ID:-}" ]; then
    # dhclient sends one instance of an option: the first network named (PICS: not several).
    cat >>"$conf" <<CONF
send dhcp6.mip6-hnidf $(fqdn_wire "${MIP6LAB_HOME_NETWORK_ID%%,*}");
also request dhcp6.mip6-idinf, dhcp6.mip6-vdinf, dhcp6.mip6-hnidf, dhcp6.mip6-hnp, dhcp6.mip6-haa, dhcp6.mip6-haf;
CONF
else
    echo "also request dhcp6.mip6-vdinf, dhcp6.mip6-hnidf, dhcp6.mip6-hnp, dhcp6.mip6-haa, dhcp6.mip6-haf;" >>"$conf"
fi
sed 's/^/dhclient.conf: /' "$conf"
# -d: foreground, logging to stderr; -1: one attempt (it retransmits per RFC 8415 inside it).
exec dhclient -6 -S -d -v -1 -cf "$conf" -lf /tmp/dhclient6.leases -pf /tmp/dhclient6.pid "$iface"
