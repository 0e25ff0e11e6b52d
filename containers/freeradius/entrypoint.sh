#!/bin/sh
# The lab mounts rendered configuration under /etc/mip6lab: clients.conf, users, eap,
# site. They replace the packaged ones; every other module keeps Debian's defaults.
# Optional, for the AAA roles of the delegated DNS update (RFC 5026 §6): proxy.conf (the
# MSP's realms), ddns-module (an exec module, enabled) and ddns.sh (the program it runs).
set -eu
raddb=/etc/freeradius/3.0
cp /etc/mip6lab/clients.conf "$raddb/clients.conf"
cp /etc/mip6lab/users "$raddb/mods-config/files/authorize"
cp /etc/mip6lab/eap "$raddb/mods-available/eap"
rm -f "$raddb"/sites-enabled/*
cp /etc/mip6lab/site "$raddb/sites-enabled/mip6lab"
# Optional: the lab's vendor dictionary (vendor 32473, the dual-stack profile's items).
if [ -f /etc/mip6lab/dictionary ]; then
    cp /etc/mip6lab/dictionary "$raddb/dictionary.mip6lab"
    grep -q 'dictionary.mip6lab' "$raddb/dictionary" || echo '$INCLUDE dictionary.mip6lab' >>"$raddb/dictionary"
fi
if [ -f /etc/mip6lab/proxy.conf ]; then
    cp /etc/mip6lab/proxy.conf "$raddb/proxy.conf"
fi
if [ -f /etc/mip6lab/ddns-module ]; then
    cp /etc/mip6lab/ddns-module "$raddb/mods-enabled/mip6lab_ddns"
fi
if [ -f /etc/mip6lab/ddns.sh ]; then
    install -m 0755 /etc/mip6lab/ddns.sh /usr/local/bin/mip6lab-msa-ddns
fi
chown -R freerad:freerad "$raddb"
# Check the configuration first: a config error is reported as such, not as a probe timeout.
freeradius -C -d "$raddb" || { freeradius -XC -d "$raddb"; exit 1; }
# -X: foreground, debug log to stdout (a lab log: it shows every attribute, secrets included).
exec freeradius -X -d "$raddb"
