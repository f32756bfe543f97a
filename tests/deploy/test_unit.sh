#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# deploy/beamline.service and deploy/beamline.conf: the unit starts the
# daemon as the docs say and passes `systemd-analyze verify` without a single
# warning (skipped, exit 77, where systemd-analyze is missing); every line of
# the example config is a comment or a route command in the beamctl grammar.
# usage: test_unit.sh UNIT CONF
UNIT=$1
CONF=$2
. "$(dirname "$0")/lib.sh"

# shellcheck disable=SC2016 # the $VARs are literal unit text
grep -qx 'ExecStart=/usr/local/bin/beamline $BEAMLINE_EAL -- --config /etc/beamline/beamline.conf --socket /run/beamline/beamline.sock $BEAMLINE_OPTS' "$UNIT" ||
	fail "ExecStart is not the documented command line"
for want in 'Restart=on-failure' 'RestartPreventExitStatus=2' 'LimitMEMLOCK=infinity' \
	'RuntimeDirectory=beamline dpdk/beamline' 'NoNewPrivileges=yes' 'ProtectSystem=strict' \
	'DeviceAllow=char-vfio rw' 'EnvironmentFile=-/etc/beamline/beamline.env'; do
	grep -qx -- "$want" "$UNIT" || fail "unit lacks '$want'"
done

# Example config: only comments, blank lines and well-formed routes.
n=0
while IFS= read -r line; do
	case $line in
	'' | '#'*) continue ;;
	esac
	key='(0x[0-9a-fA-F]+|[0-9]+|default)'
	mac='([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}'
	ip='([0-9]{1,3}\.){3}[0-9]{1,3}'
	fwd="^route add $key port [0-9]+ mac $mac ip $ip( udp [0-9]+)?$"
	drop="^route add $key drop$"
	[[ $line =~ $fwd || $line =~ $drop ]] || fail "config line is not a route command: $line"
	n=$((n + 1))
done <"$CONF"
[ "$n" -ge 2 ] || fail "the example config has no routes"

if ! command -v systemd-analyze >/dev/null 2>&1; then
	echo "systemd-analyze not found: unit verification skipped"
	exit 77
fi
# verify needs the ExecStart binary to exist: point it at a stand-in, nothing else changes.
printf '#!/bin/sh\nexit 0\n' >"$work/beamline"
chmod +x "$work/beamline"
sed "s|/usr/local/bin/beamline|$work/beamline|" "$UNIT" >"$work/beamline.service"
expect_exit 0 systemd-analyze verify "$work/beamline.service"
# verify exits 0 on unknown keys or bad values too: any message is a failure.
if grep -v "^$" "$work/err" | grep -q .; then
	fail "systemd-analyze verify complained: $(cat "$work/err")"
fi

# The check itself works: a misspelled key must be reported.
echo "RestartSecc=2s" >>"$work/beamline.service"
systemd-analyze verify "$work/beamline.service" 2>"$work/err2"
grep -q "RestartSecc" "$work/err2" || fail "systemd-analyze did not report a bad key: the check is blind"

echo "unit and config: all checks passed"
