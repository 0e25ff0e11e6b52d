# IEEE 802.1X pass-through authenticator for the third-party NAS packages (RFC 6611 §4.2.1 (1)):
# sourced by their entrypoints (copied into each image by `mip6lab interop`). hostapd, wired
# driver, RADIUS to the contract's MIP6LAB_RADIUS ([addr]:port) with MIP6LAB_RADIUS_SECRET.
# `authenticator_8021x IFACE` starts it in the background and returns once it is up (≤ 15 s).
authenticator_8021x() {
    iface=$1
    : "${MIP6LAB_RADIUS:?MIP6LAB_RADIUS is required ([address]:port of the AAA server)}"
    : "${MIP6LAB_RADIUS_SECRET:?MIP6LAB_RADIUS_SECRET is required}"
    radius_addr=$(printf '%s' "$MIP6LAB_RADIUS" | sed -n 's/^\[\(.*\)\]:[0-9]*$/\1/p')
    radius_port=$(printf '%s' "$MIP6LAB_RADIUS" | sed -n 's/^\[.*\]:\([0-9]*\)$/\1/p')
    [ -n "$radius_addr" ] && [ -n "$radius_port" ] ||
        { echo "MIP6LAB_RADIUS must be [address]:port, not $MIP6LAB_RADIUS" >&2; exit 2; }
    conf=/tmp/hostapd.conf
    cat >"$conf" <<CONF
interface=$iface
driver=wired
ieee8021x=1
use_pae_group_addr=1
eap_reauth_period=0
nas_identifier=${MIP6LAB_ID:-nas}
auth_server_addr=$radius_addr
auth_server_port=$radius_port
auth_server_shared_secret=$MIP6LAB_RADIUS_SECRET
logger_stdout=-1
logger_stdout_level=1
CONF
    hostapd_log=/tmp/hostapd.log
    hostapd "$conf" >"$hostapd_log" 2>&1 &
    hostapd_pid=$!
    i=0
    while [ "$i" -lt 150 ]; do
        if grep -q "AP-ENABLED" "$hostapd_log"; then
            return 0
        fi
        kill -0 "$hostapd_pid" 2>/dev/null || break
        sleep 0.1
        i=$((i + 1))
    done
    sed 's/^/hostapd: /' "$hostapd_log" >&2
    echo "hostapd did not come up on $iface" >&2
    exit 1
}
