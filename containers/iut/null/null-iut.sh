#!/bin/sh
# Sends nothing, ever. It follows the contract only where the harness needs it to observe at
# all: a missing role is a configuration error (exit 2), and an HA, a NAS, a DHCPv6 server,
# an AAA server, a foreign agent or a foreign home agent prints its ready line (without it every such test would stop at the ERROR "not
# ready", judging nothing).
case "$MIP6LAB_ROLE" in
  mn) ;;
  ha|nas|dhcp-server|aaa|fa|fha) echo 'MIP6LAB-EVENT {"data":{},"event":"ready"}' ;;
  *) echo "null IUT: MIP6LAB_ROLE must be mn, ha, nas, dhcp-server, aaa, fa or fha" >&2; exit 2 ;;
esac
exec sleep infinity
