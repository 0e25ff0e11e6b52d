#!/bin/sh
# usage: mip6lab-strongswan respond
#        mip6lab-strongswan initiate IKE[:CHILD] [IKE[:CHILD] ...]
# Starts charon in the foreground, loads /etc/swanctl (rendered by the lab), then either
# answers until stopped (responder) or initiates each connection in turn and exits: 0 when
# every IKE_SA came up (a failed CHILD_SA install is expected on kernels without ESP).
set -u
/usr/lib/ipsec/charon &
charon=$!
# charon opens its VICI socket once its plugins are loaded; a local wait, not a network one.
i=0
until swanctl --stats >/dev/null 2>&1; do
    i=$((i + 1))
    if [ "$i" -gt 100 ] || ! kill -0 "$charon" 2>/dev/null; then
        echo "mip6lab-strongswan: charon did not come up" >&2
        exit 1
    fi
    sleep 0.1
done
swanctl --load-all --noprompt || exit 1

mode=${1:-respond}
[ $# -gt 0 ] && shift
case "$mode" in
respond)
    trap 'kill -TERM "$charon"' TERM INT
    wait "$charon"
    ;;
initiate)
    rc=0
    for conn in "$@"; do
        ike=${conn%%:*}
        child=${conn#*:}
        [ "$child" = "$conn" ] && child=$ike
        echo "mip6lab-strongswan: initiating IKE_SA $ike with CHILD_SA $child"
        swanctl --initiate --ike "$ike" --child "$child" --timeout 20 \
            || echo "mip6lab-strongswan: CHILD_SA $child not established"
        if swanctl --list-sas --ike "$ike" | grep -q ESTABLISHED; then
            echo "MIP6LAB-EVENT {\"event\":\"ike_established\",\"data\":{\"ike\":\"$ike\"}}"
            swanctl --list-sas --ike "$ike"
        else
            echo "mip6lab-strongswan: IKE_SA $ike not established" >&2
            rc=1
        fi
        # Close the SA: the INFORMATIONAL Delete exchange is part of the recording.
        swanctl --terminate --ike "$ike" --timeout 10 >/dev/null 2>&1 || true
    done
    kill -TERM "$charon"
    wait "$charon"
    exit "$rc"
    ;;
*)
    echo "mip6lab-strongswan: unknown mode $mode (respond | initiate IKE[:CHILD]...)" >&2
    exit 2
    ;;
esac
