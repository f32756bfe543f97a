#!/usr/bin/env bash
# Small truths of the daemon. `beamline --help` (and `-- --help`,
# `--version`) answers before EAL starts, so it works where EAL could not
# (no hugepages, here a hugepage folder that does not exist). The exit line
# gives in, forwarded, dropped, delivered and buffered, and in = forwarded +
# dropped + delivered + buffered holds on it, with processes in use. No
# "lcore N stalled" at start-up: a daemon forwarding a pcap at memory speed,
# asked for its status by several beamctl at once as it starts, with a stall
# limit of 20 ms, reports none.
set -euo pipefail
b=${BL_BUILD_DIR:?}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=daemon.sh
. "$here/daemon.sh"
bl_scratch truths
fail() { echo "test_small_truths: FAIL: $*"; [ -f "$work/daemon.log" ] && cat "$work/daemon.log"; exit 1; }
eal=(--no-huge --no-shconf --no-pci --log-level=error)

# --- --help and --version before EAL --------------------------------------------------
for args in "--help" "-- --help" "-l 0,1 --huge-dir $work/no-such-dir -- --help" "-h" "--version" \
	"-l 0,1 --huge-dir $work/no-such-dir -- --socket x --version"; do
	# shellcheck disable=SC2086 # the words are meant to split
	timeout 10 "$b/control/beamline" $args >"$work/help.txt" 2>&1 || fail "beamline $args: exit $?: $(cat "$work/help.txt")"
	grep -q "^EAL:" "$work/help.txt" && fail "beamline $args started EAL: $(cat "$work/help.txt")"
	case "$args" in
	*--version) grep -qx "beamline [0-9.]*" "$work/help.txt" || fail "beamline $args: $(cat "$work/help.txt")" ;;
	*) grep -q "^usage: beamline" "$work/help.txt" && grep -q -- "--ctl-idle-timeout" "$work/help.txt" ||
		fail "beamline $args: $(cat "$work/help.txt")" ;;
	esac
done

# --- the exit line: in = forwarded + dropped + delivered + buffered -------------------
"$b/perf/gen/beamline-gen" --out "$work/mixed.pcap" --frames 300 --sources 4 --keys 40 \
	--dist uniform --msgs-per-frame 4 --payload 16 --seed 3 >/dev/null
{
	echo "spawn counter count 4 group g"
	echo "spawn counter count 2 group p"
	echo "spawn counter name c1"
	for k in $(seq 0 9); do echo "route add $k group g"; done
	for k in $(seq 10 14); do echo "route add $k pool p"; done
	for k in $(seq 15 19); do echo "route add $k process c1"; done
	for k in $(seq 20 29); do echo "route add $k port 0 mac 02:00:00:00:00:02 ip 10.0.0.2"; done
	for k in $(seq 30 34); do echo "route add $k drop"; done
} >"$work/mixed.conf" # keys 35..39: no route
bl_start -l 0,1 "${eal[@]}" -m 512 --file-prefix "bl-truth-a$$" \
	--vdev "net_pcap_ta$$,rx_pcap=$work/mixed.pcap,tx_pcap=$work/out.pcap" \
	-- --config "$work/mixed.conf" --promisc --check-mbufs
for _ in $(seq 300); do
	[ "$(ctl --json stats | python3 -c 'import json,sys; print(json.load(sys.stdin)["totals"]["rx_msgs"])')" = 1200 ] && break
	sleep 0.1
done
bl_stop
python3 - "$work/daemon.log" <<'PY' || fail "exit line"
import re, sys
log = open(sys.argv[1]).read()
m = re.search(r"beamline: stopped: (\d+) packets in, (\d+) messages in, (\d+) forwarded, "
              r"(\d+) dropped, (\d+) delivered, (\d+) buffered\n", log)
assert m, "no exit line with in, forwarded, dropped, delivered and buffered"
pkts, rx, fwd, drop, dlv, buf = map(int, m.groups())
assert (pkts, rx) == (300, 1200), (pkts, rx)
assert rx == fwd + drop + dlv + buf, f"{rx} != {fwd} + {drop} + {dlv} + {buf}"
assert fwd > 0 and drop > 0 and dlv > 0 and buf == 0, (fwd, drop, dlv, buf)
print(f"exit line: {rx} in = {fwd} forwarded + {drop} dropped + {dlv} delivered + {buf} buffered")
PY

# --- no stall report at start-up -----------------------------------------------------
"$b/perf/gen/beamline-gen" --out "$work/fwd.pcap" --frames 2048 --sources 16 --keys 200 \
	--msgs-per-frame 8 --payload 64 --seed 7 --routes-out "$work/fwd.conf" --route-port 0 \
	--route-mac 02:00:00:00:00:02 --route-ip 10.0.0.2 >/dev/null
bl_start -l 0,1 "${eal[@]}" -m 1024 --file-prefix "bl-truth-b$$" \
	--vdev "net_pcap_tb$$,rx_pcap=$work/fwd.pcap,infinite_rx=1" \
	-- --config "$work/fwd.conf" --promisc --check-mbufs --stall-ms 20
asks=()
for _ in 1 2 3 4 5; do
	ctl status >/dev/null &
	asks+=($!)
done
wait "${asks[@]}" # not a bare wait: the daemon is a child too
sleep 2
ctl --json lcores >"$work/lcores.json"
bl_stop
grep -q "stalled" "$work/daemon.log" && fail "a stall was reported"
python3 - "$work/lcores.json" "$work/daemon.log" <<'PY' || fail "lcores"
import json, re, sys
lc = json.load(open(sys.argv[1]))["lcores"][0]
assert lc["stalls"] == 0 and lc["stalled"] is False, lc
assert lc["loops"] > 0, lc
m = re.search(r"(\d+) messages in, (\d+) forwarded, (\d+) dropped", open(sys.argv[2]).read())
assert m and int(m.group(1)) > 0, "no traffic went through"
print(f"no stall: {lc['loops']} loops, {lc['preemptions']} preemption(s) counted, not reported")
PY
echo "test_small_truths: ok"
