#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# beamline.service (as the build writes it from deploy/beamline.service.in),
# deploy/beamline.conf and deploy/beamline.env: the unit starts the installed
# daemon as the docs say and passes `systemd-analyze verify` without a single
# warning (skipped, exit 77, where systemd-analyze is missing); every line of
# the example config is a comment or a route command in the beamctl grammar;
# the example environment file sets the two variables the unit passes on.
# usage: test_unit.sh UNIT CONF ENV SBINDIR
UNIT=$1
CONF=$2
ENVFILE=$3
SBINDIR=$4
. "$(dirname "$0")/lib.sh"

# shellcheck disable=SC2016 # the $VARs are literal unit text
grep -qxF "ExecStart=$SBINDIR/beamline"' $BEAMLINE_EAL -- --config /etc/beamline/beamline.conf --socket /run/beamline/beamline.sock $BEAMLINE_OPTS' "$UNIT" ||
	fail "ExecStart is not the documented command line with $SBINDIR/beamline"
grep -q '@[A-Z_]*@' "$UNIT" && fail "unit has an unsubstituted @VAR@: $(grep '@[A-Z_]*@' "$UNIT")"
for want in 'Restart=on-failure' 'RestartPreventExitStatus=2' 'LimitMEMLOCK=infinity' \
	'RuntimeDirectory=beamline dpdk/beamline' 'NoNewPrivileges=yes' 'ProtectSystem=strict' \
	'DeviceAllow=char-vfio rw' 'EnvironmentFile=-/etc/beamline/beamline.env' \
	'UnsetEnvironment=RUNTIME_DIRECTORY'; do
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

# Example environment file: comments, blank lines, and each variable once,
# as systemd reads it (VAR=value, no quotes, no expansion).
for var in BEAMLINE_EAL BEAMLINE_OPTS; do
	[ "$(grep -c "^$var=" "$ENVFILE")" = 1 ] || fail "$ENVFILE does not set $var once"
done
if grep -Ev '^(#.*|BEAMLINE_(EAL|OPTS)=[^"'"'"'$]*|)$' "$ENVFILE" | grep -q .; then
	fail "env file lines that are neither comments nor BEAMLINE_EAL/OPTS=: $(grep -Ev '^(#.*|BEAMLINE_(EAL|OPTS)=.*|)$' "$ENVFILE")"
fi
grep '^BEAMLINE_EAL=' "$ENVFILE" | grep -q -- '--file-prefix beamline' ||
	fail "the example EAL arguments leave the runtime folder the unit allows (--file-prefix beamline)"

if ! command -v systemd-analyze >/dev/null 2>&1; then
	echo "systemd-analyze not found: unit verification skipped"
	exit 77
fi
# verify needs the ExecStart binary to exist: point it at a stand-in, nothing else changes.
printf '#!/bin/sh\nexit 0\n' >"$work/beamline"
chmod +x "$work/beamline"
sed "s|$SBINDIR/beamline|$work/beamline|" "$UNIT" >"$work/beamline.service"
# --man=no: the Documentation= pages are not installed yet; test_install.sh
# and test_package.sh verify the unit with them.
expect_exit 0 systemd-analyze verify --man=no "$work/beamline.service"
# verify exits 0 on unknown keys or bad values too: any message is a failure.
if grep -v "^$" "$work/err" | grep -q .; then
	fail "systemd-analyze verify complained: $(cat "$work/err")"
fi

# The check itself works: a misspelled key must be reported.
echo "RestartSecc=2s" >>"$work/beamline.service"
systemd-analyze verify --man=no "$work/beamline.service" 2>"$work/err2"
grep -q "RestartSecc" "$work/err2" || fail "systemd-analyze did not report a bad key: the check is blind"

echo "unit and config: all checks passed"
