# IEEE 802.1X network access for the third-party MN packages (RFC 6611 §4.2.1 (1)): sourced by
# their entrypoints (copied into each image by `mip6lab interop`). wpa_supplicant, wired
# driver, EAP-MD5 with the contract's MIP6LAB_ACCESS_USER / MIP6LAB_ACCESS_PASSWORD.
# `access_8021x IFACE` returns once EAP succeeded; exits 1 on EAP failure or after 30 s.
access_8021x() {
    iface=$1
    : "${MIP6LAB_ACCESS_USER:?MIP6LAB_ACCESS_USER is required (the NAI for network access)}"
    : "${MIP6LAB_ACCESS_PASSWORD:?MIP6LAB_ACCESS_PASSWORD is required}"
    conf=/tmp/wpa_supplicant.conf
    # ap_scan=0: a wired port; eapol_flags=0: no dynamic WEP keys.
    cat >"$conf" <<CONF
ap_scan=0
network={
  key_mgmt=IEEE8021X
  eap=MD5
  identity="$MIP6LAB_ACCESS_USER"
  password="$MIP6LAB_ACCESS_PASSWORD"
  eapol_flags=0
}
CONF
    log=/tmp/wpa_supplicant.log
    wpa_supplicant -D wired -i "$iface" -c "$conf" >"$log" 2>&1 &
    waited=0
    while [ "$waited" -lt 300 ]; do
        if grep -q "CTRL-EVENT-EAP-SUCCESS" "$log"; then
            sed 's/^/wpa_supplicant: /' "$log"
            return 0
        fi
        if grep -q "CTRL-EVENT-EAP-FAILURE" "$log"; then
            sed 's/^/wpa_supplicant: /' "$log"
            echo "network access refused (EAP-Failure)" >&2
            exit 1
        fi
        sleep 0.1
        waited=$((waited + 1))
    done
    sed 's/^/wpa_supplicant: /' "$log"
    echo "no EAP outcome within 30 s" >&2
    exit 1
}

# `wait_link_local IFACE`: DHCPv6 clients bind to the link-local address, which must have
# left DAD first (at most 10 s).
wait_link_local() {
    i=0
    while [ "$i" -lt 100 ]; do
        if ip -6 addr show dev "$1" scope link | grep -q inet6 &&
            ! ip -6 addr show dev "$1" scope link | grep -q tentative; then
            return 0
        fi
        sleep 0.1
        i=$((i + 1))
    done
    echo "no usable link-local address on $1 within 10 s" >&2
    exit 1
}

# `fqdn_wire NAME`: NAME in DNS wire format (RFC 1035 §3.1) as colon-separated hex, the way
# ISC's and dibbler's configuration files write an option's raw bytes.
fqdn_wire() {
    out=""
    old_ifs=$IFS
    IFS=.
    for label in $1; do
        [ -n "$label" ] || continue
        out="$out$(printf '%02x' "${#label}")"
        out="$out$(printf '%s' "$label" | od -An -tx1 | tr -d ' \n')"
    done
    IFS=$old_ifs
    out="${out}00"
    printf '%s' "$out" | sed 's/../&:/g; s/:$//'
}
