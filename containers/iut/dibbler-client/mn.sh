# The MN role of the IUT contract (containers/iut/README.md) for the Dibbler client: 802.1X,
# then a stateless exchange (Information-request) with RFC 6610's options: the HNIDF (49) sent
# as an extra option in the MSP case (MIP6LAB_HOME_NETWORK_ID), and the codes asked for.
set -eu
[ "${MIP6LAB_ROLE:-}" = mn ] || { echo "this package is an MN only (MIP6LAB_ROLE=${MIP6LAB_ROLE:-unset})" >&2; exit 2; }
. /usr/local/lib/mip6lab/access-8021x.sh
iface=eth0
access_8021x "$iface"
wait_link_local "$iface"
mkdir -p /etc/dibbler /var/lib/dibbler
conf=/etc/dibbler/client.conf
if [ -n "${MIP6LAB_HOME_NETWORK_ID:-}" ]; then
    # `option N hex VALUE` sends N (one line per home network named); `option N hex` asks
    # for N (ORO). Dibbler sends its Information-request only with a standard option to ask
    # for: dns-server.
    extra="  option dns-server"
    for network in ${MIP6LAB_HOME_NETWORK_ID//,/ }; do
        extra="$extra
  option 49 hex 0x$(fqdn_wire "$network" | tr -d :)"
    done
    extra="$extra
  option 69 hex
  option 50 hex
  option 71 hex
  option 72 hex
  option 73 hex"
else
    extra="  option dns-server
  option 50 hex
  option 49 hex
  option 71 hex
  option 72 hex
  option 73 hex"
fi
cat >"$conf" <<CONF
log-level 8
log-mode short
iface $iface {
  stateless
$extra
}
CONF
sed 's/^/client.conf: /' "$conf"
# run: foreground. It would idle after the Reply; like `dhclient -1`, this package ends after
# one exchange (so a test's observation need not wait out its window), at most 40 s.
log=/tmp/dibbler-client.log
dibbler-client run >"$log" 2>&1 &
pid=$!
i=0
while [ "$i" -lt 400 ] && kill -0 "$pid" 2>/dev/null; do
    grep -q "Received REPLY" "$log" && break
    sleep 0.1
    i=$((i + 1))
done
sleep 0.5
kill "$pid" 2>/dev/null || true
cat "$log"
