# The aaa role of the IUT contract for FreeRADIUS: RADIUS on MIP6LAB_ADDR port 1812 for any
# client with MIP6LAB_AAA_SECRET; MIP6LAB_AAA_USERS = `nai:password:ha:prefix/len,...` (empty ha
# and prefix: network access only, no Mobile IPv6 service). An authorized subscriber's
# Access-Accept carries MIP6-Feature-Vector (MIP6_INTEGRATED), WiMAX-hHA-IP-MIP6 and
# MIP6-Home-Link-Prefix.
set -euo pipefail
[ "${MIP6LAB_ROLE:-}" = aaa ] || { echo "this package is an AAA server only (MIP6LAB_ROLE=${MIP6LAB_ROLE:-unset})" >&2; exit 2; }
: "${MIP6LAB_ADDR:?MIP6LAB_ADDR is required}"
: "${MIP6LAB_AAA_SECRET:?MIP6LAB_AAA_SECRET is required}"
: "${MIP6LAB_AAA_USERS:?MIP6LAB_AAA_USERS is required}"
raddb=/etc/freeradius/3.0
hex6() {
    perl -MSocket=inet_pton,AF_INET6 -e 'my $a = inet_pton(AF_INET6, $ARGV[0]) or exit 1; print unpack("H*", $a)' "$1" ||
        { echo "MIP6LAB_AAA_USERS: \`$1\` is not an IPv6 address" >&2; exit 2; }
}
users="$raddb/mods-config/files/authorize"
: >"$users"
# `ha:prefix/len` with the address bracketed, or the one way an unbracketed pair splits.
split_assignment() {
    perl -MSocket=inet_pton,AF_INET6 -e '
        my $r = $ARGV[0];
        if ($r =~ /^\[([^\]]+)\]:(.+)$/) { print "$1 $2\n"; exit 0 }
        my @ways;
        for my $i (0 .. length($r) - 1) {
            next unless substr($r, $i, 1) eq ":";
            my ($ha, $p) = (substr($r, 0, $i), substr($r, $i + 1));
            my ($a, $l) = split m{/}, $p, 2;
            push @ways, "$ha $p" if inet_pton(AF_INET6, $ha) && defined $l
                && $l =~ /^\d+$/ && $l <= 128 && inet_pton(AF_INET6, $a);
        }
        exit 1 unless @ways == 1;
        print "$ways[0]\n";
    ' "$1"
}
IFS=, read -ra entries <<<"$MIP6LAB_AAA_USERS"
for e in "${entries[@]}"; do
    nai=${e%%:*}
    rest=${e#*:}
    password=${rest%%:*}
    rest=${rest#*:}
    [ -n "$nai" ] && [ -n "$password" ] && [ "$rest" != "$e" ] ||
        { echo "MIP6LAB_AAA_USERS: \`$e\` is not nai:password:ha:prefix/len" >&2; exit 2; }
    printf '"%s"\tCleartext-Password := "%s"\n' "$nai" "$password" >>"$users"
    if [ -n "$rest" ] && [ "$rest" != ":" ]; then
        pair=$(split_assignment "$rest") ||
            { echo "MIP6LAB_AAA_USERS: \`$rest\` is not ha:prefix/len (bracket the address)" >&2; exit 2; }
        ha=${pair% *}
        prefix=${pair#* }
        printf '\tMIP6-Feature-Vector := 1,\n\tWiMAX-hHA-IP-MIP6 := %s,\n\tMIP6-Home-Link-Prefix := 0x%02x%s\n' \
            "$ha" "${prefix#*/}" "$(hex6 "${prefix%/*}")" >>"$users"
    fi
    echo >>"$users"
done
cat >"$raddb/clients.conf" <<CONF
client any {
	ipv6addr = ::/0
	secret = $MIP6LAB_AAA_SECRET
	shortname = any
}
CONF
cat >"$raddb/mods-available/eap" <<'CONF'
eap {
	default_eap_type = md5
	timer_expire = 60
	ignore_unknown_eap_types = no
	max_sessions = 1024
	md5 {
	}
}
CONF
rm -f "$raddb"/sites-enabled/*
cat >"$raddb/sites-enabled/mip6lab" <<CONF
server mip6lab {
	listen {
		type = auth
		ipv6addr = $MIP6LAB_ADDR
		port = 1812
	}
	authorize {
		preprocess
		eap {
			ok = return
		}
		files
		pap
	}
	authenticate {
		Auth-Type PAP {
			pap
		}
		eap
	}
	post-auth {
		Post-Auth-Type REJECT {
			attr_filter.access_reject
			eap
		}
	}
}
CONF
chown -R freerad:freerad "$raddb"
freeradius -C -d "$raddb" >/dev/null 2>&1 || { freeradius -XC -d "$raddb"; exit 2; }
freeradius -X -d "$raddb" 2>&1 | while IFS= read -r line; do
    printf '%s\n' "$line"
    case "$line" in *"Ready to process requests"*) echo '{"event":"ready"}' ;; esac
done
