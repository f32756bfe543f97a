#!/usr/bin/env bash
# Input hygiene on a live daemon. User text with control characters (a
# socket path, a config line, a pid or name, a request) is printed escaped
# (\xNN) by the daemon's log and by beamctl, never raw; next hops with a
# broadcast or multicast MAC, or a broadcast, multicast or zero IPv4
# address, are refused with a clear error by route add, route batch (words,
# text and ops), spawn forward and the config file; and every command the
# daemon serves refuses a field it does not take, the same way.
set -euo pipefail
b=${BL_BUILD_DIR:?}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=daemon.sh
. "$here/daemon.sh"
bl_scratch hygiene
fail() { echo "test_hygiene: FAIL: $*"; [ -f "$work/daemon.log" ] && cat -v "$work/daemon.log"; exit 1; }
eal=(--no-huge --no-shconf --no-pci -m 256 --log-level=error)
esc=$'\033'

# No raw control byte (newline and tab aside) in a file.
no_controls() {
	if LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$1"; then
		cat -v "$1"
		fail "raw control bytes in $2"
	fi
}
# Run, expecting the exit status $1 and a message with $2 on stderr.
expect() { # status fragment cmd...
	local want=$1 frag=$2 rc
	shift 2
	set +e
	"$@" >"$work/out.txt" 2>"$work/err.txt"
	rc=$?
	set -e
	[ "$rc" = "$want" ] || fail "$*: exit $rc, want $want: $(cat -v "$work/err.txt")"
	grep -qF -- "$frag" "$work/err.txt" || fail "$*: no '$frag' in: $(cat -v "$work/err.txt")"
	no_controls "$work/err.txt" "the message of $*"
}

# --- the config file: refusals name the line, escapes stay escaped ----------------
printf 'route add 1 drop\nroute add 2 port 0 mac 02:00:00:00:00:01 ip 10.0.0.1%s[2J\n' "$esc" >"$work/esc.conf"
expect 1 "esc.conf:2: route add: bad IPv4 address '10.0.0.1\\x1b[2J'" \
	"$b/control/beamline" -l 0,1 "${eal[@]}" --file-prefix "bl-hyg-a$$" --vdev "net_ring_hya$$" \
	-- --socket "$work/a.sock" --config "$work/esc.conf"
printf 'route add 2 port 0 mac ff:ff:ff:ff:ff:ff ip 10.0.0.1\n' >"$work/bcast.conf"
expect 1 "bcast.conf:1: route add: bad MAC 'ff:ff:ff:ff:ff:ff': the broadcast address is not a next hop" \
	"$b/control/beamline" -l 0,1 "${eal[@]}" --file-prefix "bl-hyg-b$$" --vdev "net_ring_hyb$$" \
	-- --socket "$work/b.sock" --config "$work/bcast.conf"
printf 'add 3 port 0 mac 02:00:00:00:00:01 ip 224.0.0.251\n' >"$work/mcast.txt"
printf 'route batch %s\n' "$work/mcast.txt" >"$work/mcast.conf"
expect 1 "a multicast address (224.0.0.0/4) is not a next hop" \
	"$b/control/beamline" -l 0,1 "${eal[@]}" --file-prefix "bl-hyg-c$$" --vdev "net_ring_hyc$$" \
	-- --socket "$work/c.sock" --config "$work/mcast.conf"
# A bad command-line value is echoed escaped too.
expect 2 "bad value '1\\x1b' for --stats-interval" \
	"$b/control/beamline" -l 0,1 "${eal[@]}" --file-prefix "bl-hyg-d$$" --vdev "net_ring_hyd$$" \
	-- --socket "$work/d.sock" --stats-interval "1$esc"

# --- a live daemon whose socket path holds an escape ---------------------------------
sock="$work/ctl${esc}[31m.sock"
bl_start -l 0,1 "${eal[@]}" --file-prefix "bl-hyg-$$" --vdev "net_ring_hy$$" -- --check-mbufs
grep -qF 'ctl\x1b[31m.sock' "$work/daemon.log" || fail "start line: $(cat -v "$work/daemon.log")"
no_controls "$work/daemon.log" "the daemon's log"

# beamctl's own messages and the daemon's error replies, escaped.
expect 1 "bad name 'x\\x1b]0;owned\\x07'" ctl info "x${esc}]0;owned"$'\a'
expect 2 "bad MAC 'zz\\x1b[2J'" ctl route add 1 port 0 mac "zz$esc[2J" ip 10.0.0.1
expect 3 "ctl\\x1b[31m.sock" "$b/control/beamctl" -s "$sock.gone" status

# Next hops: broadcast and multicast MACs, broadcast, multicast and zero IPs.
for bad in "mac ff:ff:ff:ff:ff:ff ip 10.0.0.2|the broadcast address is not a next hop" \
	"mac 01:00:5e:00:00:fb ip 10.0.0.2|a multicast address (first byte odd) is not a next hop" \
	"mac 02:00:00:00:00:02 ip 255.255.255.255|the broadcast address is not a next hop" \
	"mac 02:00:00:00:00:02 ip 239.1.2.3|a multicast address (224.0.0.0/4) is not a next hop" \
	"mac 02:00:00:00:00:02 ip 0.0.0.0|0.0.0.0 is not a next hop"; do
	words=${bad%|*} msg=${bad#*|}
	# shellcheck disable=SC2086 # the words are meant to split
	expect 2 "$msg" ctl route add 5 port 0 $words
	echo "add 5 port 0 $words" >"$work/one.txt"
	expect 2 "one.txt:1: add: " ctl route batch "$work/one.txt"
	mac=$(echo "$words" | cut -d' ' -f2) ip=$(echo "$words" | cut -d' ' -f4)
	expect 1 "$msg" ctl --raw "{\"cmd\":\"route.add\",\"routes\":[{\"key\":5,\"action\":\"forward\",\"port\":0,\"mac\":\"$mac\",\"ip\":\"$ip\"}]}"
	expect 1 "text line 1: add: " ctl --raw "{\"cmd\":\"route.batch\",\"text\":\"add 5 port 0 $words\\n\"}"
	expect 1 "$msg" ctl --raw "{\"cmd\":\"route.batch\",\"ops\":[{\"op\":\"add\",\"route\":{\"key\":5,\"action\":\"forward\",\"port\":0,\"mac\":\"$mac\",\"ip\":\"$ip\"}}]}"
	expect 1 "$msg" ctl --raw "{\"cmd\":\"spawn\",\"behaviour\":\"forward\",\"args\":{\"port\":0,\"mac\":\"$mac\",\"ip\":\"$ip\"}}"
done
[ "$(ctl --json route count | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')" = 0 ] ||
	fail "a refused next hop was added"
ctl route add 5 port 0 mac 02:00:00:00:00:02 ip 10.0.0.2 >/dev/null || fail "a unicast next hop was refused"

# Every command refuses a field it does not take, with the same message.
ctl --json help | python3 -c '
import json, sys
for c in json.load(sys.stdin)["commands"]:
    print(c["cmd"])' >"$work/cmds.txt"
[ "$(wc -l <"$work/cmds.txt")" -ge 20 ] || fail "help lists only $(wc -l <"$work/cmds.txt") commands"
while read -r cmd; do
	expect 1 "beamctl: invalid_argument: unknown field \"frobnicate\" for $cmd (it takes" \
		ctl --raw "{\"cmd\":\"$cmd\",\"frobnicate\":1}"
done <"$work/cmds.txt"

bl_stop
no_controls "$work/daemon.log" "the daemon's log"
echo "test_hygiene: ok ($(wc -l <"$work/cmds.txt") commands refuse unknown fields)"
