#!/bin/sh
# Puts a running BIND back to the zones as the lab rendered them, for the next test of a
# reused lab: dynamic updates of the last test (and their journals) are dropped. Exits 0
# only once every zone answers with its original serial (at most about 2 s).
set -eu
rndc sync -clean >/dev/null
rndc freeze >/dev/null
cp /etc/mip6lab/*.zone /var/lib/mip6lab/
rm -f /var/lib/mip6lab/*.jnl
chown -R bind:bind /var/lib/mip6lab
rndc thaw >/dev/null
# "zone example.com/IN: loaded serial 1" for each zone of the configuration.
named-checkconf -z -t / /etc/mip6lab/named.conf 2>/dev/null \
  | sed -n 's#^zone \([^/]*\)/IN: loaded serial \([0-9]*\).*#\1 \2#p' \
  | while read -r zone serial; do
      i=0
      until [ "$(dig @::1 +short "$zone" SOA | cut -d' ' -f3)" = "$serial" ]; do
        i=$((i + 1))
        if [ "$i" -gt 40 ]; then
          echo "zone $zone: serial still not $serial after reset" >&2
          exit 1
        fi
        sleep 0.05
      done
    done
