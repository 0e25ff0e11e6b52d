# The NAS role of the IUT contract (containers/iut/README.md) for the Dibbler relay behind
# hostapd: 802.1X on MIP6LAB_ACCESS_IFACE, DHCPv6 relayed from there (Interface-Id 1) to the
# first of MIP6LAB_DHCP_SERVERS by unicast, through the interface its route leaves by.
set -euo pipefail
[ "${MIP6LAB_ROLE:-}" = nas ] || { echo "this package is a NAS only (MIP6LAB_ROLE=${MIP6LAB_ROLE:-unset})" >&2; exit 2; }
: "${MIP6LAB_ACCESS_IFACE:?MIP6LAB_ACCESS_IFACE is required}"
: "${MIP6LAB_DHCP_SERVERS:?MIP6LAB_DHCP_SERVERS is required}"
. /usr/local/lib/mip6lab/authenticator-8021x.sh
server=${MIP6LAB_DHCP_SERVERS%%,*}
upper=$(ip -6 route get "$server" | sed -n 's/.* dev \([^ ]*\).*/\1/p' | head -1)
[ -n "$upper" ] || { echo "no route to the DHCPv6 server $server" >&2; exit 1; }
authenticator_8021x "$MIP6LAB_ACCESS_IFACE"
mkdir -p /etc/dibbler /var/lib/dibbler
cat >/etc/dibbler/relay.conf <<CONF
log-level 8
log-mode short
iface $upper {
  server multicast no
  server unicast $server
}
iface $MIP6LAB_ACCESS_IFACE {
  client multicast yes
  interface-id 1
}
CONF
sed 's/^/relay.conf: /' /etc/dibbler/relay.conf
dibbler-relay run >/tmp/dibbler-relay.log 2>&1 &
relay_pid=$!
sleep 0.5
kill -0 "$relay_pid" 2>/dev/null || { sed 's/^/dibbler-relay: /' /tmp/dibbler-relay.log >&2; exit 1; }
echo '{"event":"ready"}'
tail -n +1 -F /tmp/hostapd.log /tmp/dibbler-relay.log &
wait -n "$hostapd_pid" "$relay_pid"
echo "hostapd or dibbler-relay exited" >&2
exit 1
