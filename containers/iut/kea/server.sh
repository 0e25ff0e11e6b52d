# The dhcp-server role of the IUT contract for Kea: MIP6LAB_ADDR (unicast from relays, RFC 8415
# §19.1, and ff02::1:2 on the same interface), MIP6LAB_DHCP_VDINF_HA (VDINF 50 {HAA 72} from
# configuration, sent when asked for), MIP6LAB_DHCP_RSOO_ENABLED (Kea's relay-supplied-options,
# added to its default {65}), MIP6LAB_DHCP_UDINF_HA (UDINF 70 {HAA 72 or HAF 73}, the name in
# RFC 3315 §8 wire form). MIP6LAB_DHCP_HOME_NETWORKS has no Kea equivalent: it is ignored,
# and the PICS declares dhcp.hnidf_table false.
set -euo pipefail
[ "${MIP6LAB_ROLE:-}" = dhcp-server ] || { echo "this package is a DHCPv6 server only (MIP6LAB_ROLE=${MIP6LAB_ROLE:-unset})" >&2; exit 2; }
: "${MIP6LAB_ADDR:?MIP6LAB_ADDR is required}"
iface=$(ip -o -6 addr show 2>/dev/null | awk -v a="$MIP6LAB_ADDR" '{split($4, p, "/"); if (p[1] == a) print $2}' | head -1 || true)
iface=${iface:-eth0}
hex6() {
    perl -MSocket=inet_pton,AF_INET6 -e 'my $a = inet_pton(AF_INET6, $ARGV[0]) or exit 1; print unpack("H*", $a)' "$1" ||
        { echo "$2: \`$1\` is not an IPv6 address" >&2; exit 2; }
}
options=""
if [ -n "${MIP6LAB_DHCP_VDINF_HA:-}" ]; then
    ha=$(hex6 "$MIP6LAB_DHCP_VDINF_HA" MIP6LAB_DHCP_VDINF_HA)
    options="{ \"code\": 50, \"space\": \"dhcp6\", \"csv-format\": false, \"data\": \"00480010$ha\" }"
fi
# A domain name in DNS wire form, hex: each label's length and octets, then the root.
hexname() {
    perl -e 'my $h = ""; for my $l (grep { length } split /\./, $ARGV[0]) { exit 1 if length($l) > 63; $h .= sprintf("%02x", length $l) . unpack("H*", $l) } print $h . "00"' "$1" ||
        { echo "$2: \`$1\` is not a domain name" >&2; exit 2; }
}
if [ -n "${MIP6LAB_DHCP_UDINF_HA:-}" ]; then
    if [[ "$MIP6LAB_DHCP_UDINF_HA" == *:* ]]; then
        inner="00480010$(hex6 "$MIP6LAB_DHCP_UDINF_HA" MIP6LAB_DHCP_UDINF_HA)"
    else
        name=$(hexname "$MIP6LAB_DHCP_UDINF_HA" MIP6LAB_DHCP_UDINF_HA)
        inner=$(printf '0049%04x%s' $((${#name} / 2)) "$name")
    fi
    options="${options:+$options, }{ \"code\": 70, \"space\": \"dhcp6\", \"csv-format\": false, \"data\": \"$inner\" }"
fi
rsoo="\"65\""
for c in ${MIP6LAB_DHCP_RSOO_ENABLED//,/ }; do
    [[ "$c" =~ ^[0-9]+$ ]] || { echo "MIP6LAB_DHCP_RSOO_ENABLED: \`$c\` is not an option code" >&2; exit 2; }
    rsoo="$rsoo, \"$c\""
done
if [ -n "${MIP6LAB_DHCP_HOME_NETWORKS:-}" ]; then
    echo "Kea has no Home Network ID FQDN table (RFC 6610 §4.3): MIP6LAB_DHCP_HOME_NETWORKS ignored" >&2
fi
conf=/tmp/kea-dhcp6.conf
cat >"$conf" <<CONF
{ "Dhcp6": {
    "interfaces-config": { "interfaces": [ "$iface/$MIP6LAB_ADDR" ] },
    "lease-database": { "type": "memfile", "persist": false },
    "relay-supplied-options": [ $rsoo ],
    "option-data": [ $options ],
    "subnet6": [ { "id": 1, "subnet": "2001:db8::/32", "interface": "$iface" } ],
    "loggers": [ { "name": "kea-dhcp6", "output_options": [ { "output": "stdout" } ], "severity": "INFO" } ]
} }
CONF
sed 's/^/kea-dhcp6.conf: /' "$conf"
kea-dhcp6 -t "$conf" >/dev/null || { kea-dhcp6 -t "$conf"; exit 2; }
# The readiness line once Kea says it has started (its sockets are open by then).
kea-dhcp6 -c "$conf" 2>&1 | while IFS= read -r line; do
    printf '%s\n' "$line"
    case "$line" in *DHCP6_STARTED*) echo '{"event":"ready"}' ;; esac
done
