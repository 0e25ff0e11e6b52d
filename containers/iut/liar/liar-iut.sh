#!/bin/sh
# Tells the story of a successful run without sending a frame (the NAS: an authorized MN and
# a relayed request with an RSOO; the DHCPv6 server: an answer with the RSOO's HA; the AAA
# server: an Access-Accept with an HA): the MN discovers HA1, registers, deregisters and exits 0
# as the reference does; the HA says it is ready, then reports an IKE SA, a binding, a DNS
# update and the deregistration, and serves until removed.
id=${MIP6LAB_ID:-}
ev() { printf 'MIP6LAB-EVENT {"data":%s,"event":"%s"}\n' "$2" "$1"; sleep 0.2; }
hoa=2001:db8:1:100::8001
case "$MIP6LAB_ROLE" in
  mn)
    id=${id:-mn1.example.com}
    ev ha_selected '{"address":"2001:db8:1::a1","candidates":[{"address":"2001:db8:1::a1","name":"ha1.example.com."},{"address":"2001:db8:1::a2","name":"ha2.example.com."}],"name":"ha1.example.com."}'
    ev ike_established '{"address":"2001:db8:1::a1","ha":"ha1.example.com"}'
    ev hoa "{\"address\":\"$hoa\",\"via\":\"assigned\"}"
    ev child_sa "{\"transport\":true,\"tsi\":\"$hoa-$hoa\"}"
    ev bu_sent "{\"hoa\":\"$hoa\",\"lifetime\":150,\"seq\":1}"
    ev ba "{\"rh2\":\"$hoa\",\"seq\":1,\"status\":0}"
    ev dns_status '{"remove":false,"status":0}'
    ev registered "{\"hoa\":\"$hoa\",\"lifetime_units\":150}"
    ev dns_check_registered "{\"aaaa\":[\"$hoa\"],\"fqdn\":\"$id\",\"ptr\":[\"$id.\"]}"
    ev bu_sent "{\"hoa\":\"$hoa\",\"lifetime\":0,\"seq\":2}"
    ev ba "{\"rh2\":\"$hoa\",\"seq\":2,\"status\":0}"
    ev dns_status '{"remove":true,"status":0}'
    ev deregistered "{\"hoa\":\"$hoa\"}"
    ev dns_check_deregistered "{\"aaaa\":[],\"fqdn\":\"$id\",\"ptr\":[]}"
    ev done "{\"hoa\":\"$hoa\"}"
    exit 0
    ;;
  ha)
    id=${id:-ha1.example.com}
    ev ready "{\"address\":\"${MIP6LAB_ADDR:-2001:db8:1::a1}\",\"home_prefix\":\"2001:db8:1:100::/64\",\"id\":\"$id\",\"role\":\"ha\"}"
    # While the tester MN runs.
    sleep 3
    ev config_assigned "{\"attributes\":[\"$hoa/64\"],\"use_assigned_hoa\":false}"
    ev ike_sa '{"peer_id":"mn1.example.com"}'
    ev child_sa "{\"transport\":true,\"tsi\":\"$hoa-$hoa\"}"
    ev bu "{\"denied\":null,\"discarded\":null,\"dns_notes\":[],\"hoa\":\"$hoa\",\"identity\":\"mn1.example.com\",\"lifetime\":150,\"seq\":1,\"src\":\"2001:db8:1::100\",\"status\":0}"
    ev binding_cache "{\"change\":\"created\",\"coa\":\"2001:db8:1::100\",\"hoa\":\"$hoa\",\"identity\":\"mn1.example.com\"}"
    ev dns_update "{\"action\":\"Add { fqdn: \\\"mn1.example.com\\\", hoa: $hoa }\",\"outcome\":\"Ok\"}"
    ev ba '{"dns_status":0,"dst":"2001:db8:1::100","seq":1,"status":0}'
    ev bu "{\"denied\":null,\"discarded\":null,\"dns_notes\":[],\"hoa\":\"$hoa\",\"identity\":\"mn1.example.com\",\"lifetime\":0,\"seq\":2,\"src\":\"2001:db8:1::100\",\"status\":0}"
    ev binding_cache "{\"change\":\"deleted\",\"hoa\":\"$hoa\",\"identity\":\"mn1.example.com\"}"
    exec sleep infinity
    ;;
  nas)
    # A NAS that says it authorized the MN and relayed with an RSOO, and did nothing.
    ev ready '{"access":"eth1","aaa":"[2001:db8:2::19]:1812"}'
    sleep 3
    ev access_authorized '{"supplicant":"02:42:c6:33:64:93","identity":"mn1-access@example.com"}'
    ev dhcp_relay '{"forwarded":"fe80::42:c6ff:fe33:6493","hop_count":0,"rsoo":["example.com."]}'
    exec sleep infinity
    ;;
  dhcp-server)
    # A server that says it answered the MSP case from the RSOO, and sent nothing.
    ev ready '{"interface":"eth0","role":"dhcp-server","rsoo_enabled":[50,69]}'
    sleep 3
    ev dhcp_answered '{"case":"msp","from":"2001:db8:2::b","hnidfs":["example.com."],"options":[2,1,69],"relay_hops":1,"rsoo_discarded":[],"sent":[{"code":69,"home_agents":["2001:db8:1::a1"],"network":"example.com.","source":{"from":"rsoo","relay":1}}]}'
    exec sleep infinity
    ;;
  aaa)
    # An AAA server that says it assigned HA1 to the MN, and answered nothing.
    ev ready '{"radius":"[2001:db8:1::18]:1812"}'
    sleep 3
    ev aaa_answer '{"client":"[2001:db8:2::19]:1812","code":"Access-Accept","user":"mn1-access@example.com","assignment":"HA1"}'
    exec sleep infinity
    ;;
  fa)
    # A foreign agent that says it relayed a registration and opened a reverse tunnel.
    ev ready '{"role":"fa","address":"198.18.1.2","coa":"198.18.2.4"}'
    sleep 3
    ev fa '{"VisitorAdded":{"home_address":"198.18.100.11","home_agent":"198.18.2.2","encapsulating_delivery":true}}'
    ev tunnel '{"device":"dsfa0"}'
    exec sleep infinity
    ;;
  fha)
    # A foreign home agent that says it registered the MN with its IPv6 items.
    ev ready '{"role":"fha","address":"198.18.2.2"}'
    sleep 3
    ev fha '{"Registered":{"thoa":"198.18.100.10","coa":"198.18.2.100","ipv6_hoa":"2001:db8:31:100::8001"}}'
    ev tunnel '{"device":"dsfha0"}'
    exec sleep infinity
    ;;
  *) echo "liar IUT: MIP6LAB_ROLE must be mn, ha, nas, dhcp-server, aaa, fa or fha" >&2; exit 2 ;;
esac
