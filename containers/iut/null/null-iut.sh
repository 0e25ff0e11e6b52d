#!/bin/sh
# Sends nothing, ever. It follows the contract only where the harness needs it to observe at
# all: a missing role is a configuration error (exit 2), and an HA, a NAS, a DHCPv6 server or
# an AAA server prints its ready line (without it every such test would stop at the ERROR "not
# ready", judging nothing).
case "$MIP6LAB_ROLE" in
  mn) ;;
  ha|nas|dhcp-server|aaa) echo 'MIP6LAB-EVENT {"data":{},"event":"ready"}' ;;
  *) echo "null IUT: MIP6LAB_ROLE must be mn, ha, nas, dhcp-server or aaa" >&2; exit 2 ;;
esac
exec sleep infinity
