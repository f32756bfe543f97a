#!/usr/bin/env bash
# Flow control on the wire (docs/wire-format.md section 8), against the
# kernel: a sender in a network namespace asks for 1,000,000 msg/s to a
# process that handles 10,000 a second (a counter with a rate, mailbox
# policy block), through a veth pair and net_af_packet.
#
#   sender ns                       root ns
#   blfI (10.79.1.2) ==veth== blfO -- net_af_packet (port 0, 10.79.1.1) beamline
#
# 1. blmsg send honours the router's PAUSE and RESUME: it settles near the
#    process's rate and not one message is lost (the counter counts them
#    all, no drop anywhere).
# 2. blmsg send --flow ignore goes on regardless: what fills the mailbox to
#    its cap is dropped and counted flow_control, and counted once:
#    handled + flow_control (+ frames the port missed) = sent.
#
# Needs root (namespaces, veth); without it: SKIP (77).
set -euo pipefail
b=${BL_BUILD_DIR:?}
beamline="$b/control/beamline"
beamctl="$b/control/beamctl"
blmsg="$b/client/blmsg"

n=$$
ns="bl-fw-$n"
v_o="blfO$n" v_i="blfI$n"
work=$(mktemp -d /tmp/bl-test-flow.XXXXXX)
sock="$work/ctl.sock"
daemon=""
made_ns=""
made_link=""

cleanup() {
	set +e
	if [ -n "$daemon" ] && kill -0 "$daemon" 2>/dev/null; then
		kill -KILL "$daemon"
		wait "$daemon" 2>/dev/null
	fi
	[ -n "$made_ns" ] && ip netns del "$made_ns" 2>/dev/null
	[ -n "$made_link" ] && ip link del "$made_link" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

fail() {
	echo "test_flow_wire: FAIL: $*"
	local f
	for f in "$work"/*.log "$work"/*.txt; do
		[ -s "$f" ] && { echo "--- $f"; tail -30 "$f"; }
	done
	exit 1
}

# shellcheck source-path=SCRIPTDIR source=netns.sh
. "$(cd "$(dirname "$0")" && pwd)/netns.sh"
bl_netns_host "$ns" "$v_o" "$v_i" 10.79.1.2/24

ctl() { "$beamctl" -s "$sock" "$@"; }
jq_() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

# A ring of 4096 frames: what an honest sender still has in flight when
# its PAUSE comes, and a worker that the kernel did not run for a while,
# must not overflow it (the kernel would drop them; the router would see
# the gap).
"$beamline" -l 0,1 --no-huge --no-shconf --no-pci -m 512 --file-prefix "bl-fw-$n" \
	--log-level=warning --vdev "net_af_packet_fw$n,iface=$v_o,framecnt=4096" \
	-- --socket "$sock" --port-ip 0=10.79.1.1 --check-mbufs >"$work/daemon.log" 2>&1 &
daemon=$!
for _ in $(seq 300); do [ -S "$sock" ] && break; kill -0 "$daemon" 2>/dev/null || break; sleep 0.1; done
[ -S "$sock" ] || fail "beamline did not come up"

# Two slow consumers: 10,000 messages a second, a mailbox of 100 entries
# (a frame of messages to one process is one entry), policy block.
for name in slow deaf; do
	ctl spawn counter name "$name" mailbox_limit 100 overflow block rate 10000 >/dev/null ||
		fail "spawn counter $name"
done
ctl route add 5 process slow >/dev/null || fail "route add 5"
ctl route add 7 process deaf >/dev/null || fail "route add 7"

# drained NAME: wait until NAME's mailbox is empty (at 10,000 a second).
drained() {
	local _ m=""
	for _ in $(seq 600); do
		m=$(ctl --json info "$1" | jq_ "d.get('mailbox', -1)")
		[ "$m" = 0 ] && return 0
		sleep 0.1
	done
	fail "$1's mailbox did not drain (still $m)"
}
# handled NAME KEY: how many messages NAME counted for KEY.
handled() {
	ctl --json call "$1" "$2" q --timeout 5000 |
		jq_ "int(d['data'].split(':')[1].split()[0]) if d.get('ok') else -1"
}
stat() { ctl --json stats | jq_ "$1"; }

# --- 1. an honouring sender settles at the consumer's rate, nothing lost ----------------
sent=50000
t0=$(date +%s.%N)
out=$(ip netns exec "$ns" "$blmsg" send 10.79.1.1:7447 --key 5 --payload x --count $sent \
	--rate 1000000 --batch 10) || fail "blmsg send (block): $out"
t1=$(date +%s.%N)
echo "$out" >"$work/send1.txt"
echo "block: $out"
case $out in *"sent msgs=$sent "*" errors=0 dropped=0"*) ;; *) fail "blmsg did not send them all" ;; esac
pauses=$(echo "$out" | sed -n 's/^flow pauses=\([0-9]*\) .*/\1/p')
[ -n "$pauses" ] && [ "$pauses" -gt 0 ] || fail "the sender was never paused"
rate=$(python3 -c "print(round($sent / ($t1 - $t0)))")
echo "block: $sent messages in $(python3 -c "print(round($t1 - $t0, 2))") s: $rate msg/s (asked for 1000000)"
# Near 10,000: the mailbox's 100 entries of 10 are taken at once, the rest
# at the consumer's pace.
[ "$rate" -ge 7000 ] && [ "$rate" -le 14000 ] || fail "the sender did not settle near 10k msg/s: $rate"
drained slow
got=$(handled slow 5)
ctl stats | grep -vE " 0$" >"$work/stats1.txt" # what fail shows
[ "$got" = "$sent" ] || fail "the counter handled $got of $sent"
ctl --json stats >"$work/stats1.json"
python3 - "$work/stats1.json" <<'PY' || fail "router counters after the honouring sender"
import json, sys
d = json.load(open(sys.argv[1]))
# not_udp: the host's ICMP port unreachable for a RESUME that came after
# blmsg had exited; not a message.
bad = {k: v for o in ("pkt_drops", "msg_drops", "proc_drops", "ptx_drops")
       for k, v in d[o].items() if v and k != "not_udp"}
assert not bad, f"drops: {bad}"
assert d["wire_pauses"] > 0 and d["wire_resumes"] > 0, (d["wire_pauses"], d["wire_resumes"])
print(f"router: wire_pauses={d['wire_pauses']} wire_resumes={d['wire_resumes']}, no drop")
PY

# --- 2. a sender that ignores it: the excess counted flow_control -------------------
miss0=$(stat "sum(p['rx_missed'] + p['rx_errors'] for p in d['ports'])")
sent=20000
out=$(ip netns exec "$ns" "$blmsg" send 10.79.1.1:7447 --key 7 --payload x --count $sent \
	--rate 200000 --batch 1 --flow ignore) || fail "blmsg send (ignore): $out"
echo "ignore: $out"
case $out in *"sent msgs=$sent "*" errors=0 dropped=0"*) ;; *) fail "blmsg did not send them all" ;; esac
case $out in *"flow pauses="*) fail "an ignoring sender saw pauses" ;; esac
drained deaf
got=$(handled deaf 7)
fc=$(stat "d['proc_drops']['flow_control']")
missed=$(($(stat "sum(p['rx_missed'] + p['rx_errors'] for p in d['ports'])") - miss0))
echo "ignore: handled $got, flow_control $fc, missed by the port $missed, of $sent"
[ "$fc" -gt 0 ] || fail "nothing was counted flow_control"
[ $((got + fc + missed)) = "$sent" ] || fail "handled $got + flow_control $fc + missed $missed != $sent"
mf=$(stat "d['proc_drops']['mailbox_full']")
[ "$mf" = 0 ] || fail "mailbox_full $mf: the wire's excess must count as flow_control"

# --- 3. stop: every mbuf back -------------------------------------------------------
kill -TERM "$daemon"
rc=0
wait "$daemon" || rc=$?
daemon=""
[ "$rc" = 0 ] || fail "beamline exited $rc"
grep -q "every mbuf is back in its pool" "$work/daemon.log" || fail "mbufs not all back"
echo "test_flow_wire: OK"
