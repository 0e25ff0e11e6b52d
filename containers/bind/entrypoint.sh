#!/bin/sh
# The lab mounts named.conf and zone files read-only under /etc/mip6lab. Zones take
# dynamic updates, so named needs writable copies (it writes journals beside them).
set -eu
# With arguments the container is a DNS client (nsupdate, dig) running them instead.
if [ $# -gt 0 ]; then
    exec "$@"
fi
mkdir -p /var/lib/mip6lab
cp /etc/mip6lab/*.zone /var/lib/mip6lab/
chown -R bind:bind /var/lib/mip6lab
named-checkconf /etc/mip6lab/named.conf
exec named -g -u bind -c /etc/mip6lab/named.conf
