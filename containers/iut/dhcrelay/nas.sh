# The NAS role of the IUT contract (containers/iut/README.md) for ISC dhcrelay -6 behind hostapd:
# 802.1X on MIP6LAB_ACCESS_IFACE, DHCPv6 relayed from there to MIP6LAB_DHCP_SERVERS through the
# interface its route leaves by. The readiness line comes once both run.
set -euo pipefail
[ "${MIP6LAB_ROLE:-}" = nas ] || { echo "this package is a NAS only (MIP6LAB_ROLE=${MIP6LAB_ROLE:-unset})" >&2; exit 2; }
: "${MIP6LAB_ACCESS_IFACE:?MIP6LAB_ACCESS_IFACE is required}"
: "${MIP6LAB_DHCP_SERVERS:?MIP6LAB_DHCP_SERVERS is required}"
. /usr/local/lib/mip6lab/authenticator-8021x.sh
authenticator_8021x "$MIP6LAB_ACCESS_IFACE"
# Each server through the interface its route leaves by (dhcrelay wants `address%interface`).
servers=()
for s in ${MIP6LAB_DHCP_SERVERS//,/ }; do
    upper=$(ip -6 route get "$s" | sed -n 's/.* dev \([^ ]*\).*/\1/p' | head -1)
    [ -n "$upper" ] || { echo "no route to the DHCPv6 server $s" >&2; exit 1; }
    servers+=(-u "$s%$upper")
done
dhcrelay -6 -d -l "$MIP6LAB_ACCESS_IFACE" "${servers[@]}" >/tmp/dhcrelay.log 2>&1 &
relay_pid=$!
sleep 0.5
kill -0 "$relay_pid" 2>/dev/null || { sed 's/^/dhcrelay: /' /tmp/dhcrelay.log >&2; exit 1; }
echo '{"event":"ready"}'
# Both logs on stdout, for the lab's node log.
tail -n +1 -F /tmp/hostapd.log /tmp/dhcrelay.log &
wait -n "$hostapd_pid" "$relay_pid"
echo "hostapd or dhcrelay exited" >&2
exit 1
