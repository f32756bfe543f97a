#!/usr/bin/env bash
# DPDK's tools on a live beamline. The telemetry socket of a daemon run with
# the test suite's EAL arguments (--no-huge --no-shconf): /, /info and the
# /beamline/ commands checked value for value against `beamctl --json`, bad
# parameters answered with errors, a bounded route list with its truncated
# flag, several clients at once, and DPDK's own dpdk-telemetry.py driven
# through stdin. Then --pdump: refused with the reason where capture cannot
# work (--no-shconf, --no-huge), and where hugepages exist a real capture by
# dpdk-dumpcap of traffic the daemon forwards, read back with tshark.
set -euo pipefail
b=${BL_BUILD_DIR:?}
src=${BL_SOURCE_DIR:?}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/bl-test-tel.XXXXXX)
pid=""
cprefix=""
cleanup() {
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
	# EAL leaves its hugepage files behind (they hold the pages): remove ours.
	if [ -n "$cprefix" ]; then
		awk '$3 == "hugetlbfs" { print $2 }' /proc/mounts | while read -r dir; do
			rm -f "$dir/${cprefix}map_"*
		done
	fi
	rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "test_telemetry: FAIL: $*"; [ -f "$work/daemon.log" ] && cat "$work/daemon.log"; exit 1; }

if ! grep -q "bl_telemetry_register" "$src/control/beamline.c"; then
	echo "test_telemetry: SKIP: control/beamline.c does not call bl_telemetry_register yet"
	exit 77
fi

# EAL puts its runtime directory (and the telemetry socket in it) under
# $RUNTIME_DIRECTORY when set; the directory itself must exist.
mkdir -p "$work/rt"
export RUNTIME_DIRECTORY="$work/rt"
prefix="bl-tel-$$"
tsock="$work/rt/dpdk/$prefix/dpdk_telemetry.v2"
sock="$work/ctl.sock"
ctl() { "$b/control/beamctl" -s "$sock" "$@"; }
client() { python3 "$here/telemetry_client.py" "$@"; }
npkts() { python3 -c "import sys; sys.path.insert(0, '$here'); import blpcap; print(len(blpcap.read_pcap('$1')))"; }
wait_rx() { # wait until the daemon took in $1 packets
	for _ in $(seq 300); do
		[ "$(ctl --json stats | python3 -c 'import json,sys; print(json.load(sys.stdin)["totals"]["rx_pkts"])')" = "$1" ] && return 0
		sleep 0.1
	done
	return 1
}
stop_daemon() {
	kill -TERM "$pid"
	set +e; wait "$pid"; local rc=$?; set -e
	pid=""
	[ "$rc" = 0 ] || fail "daemon exit $rc after SIGTERM"
	grep -q "every mbuf is back in its pool" "$work/daemon.log" || fail "mbufs not all back"
}

# --- telemetry with the test suite's EAL arguments ------------------------------------
"$b/perf/gen/beamline-gen" --out "$work/in.pcap" --frames 200 --sources 4 --keys 16 \
	--dist uniform --msgs-per-frame 3 --payload 16-64 --seed 5 >/dev/null
want=$(npkts "$work/in.pcap")
"$b/control/beamline" -l 0,1 --no-huge --no-shconf --no-pci -m 256 --log-level=error \
	--file-prefix "$prefix" --vdev "net_pcap_tel$$,rx_pcap=$work/in.pcap,tx_pcap=$work/out.pcap" \
	-- --socket "$sock" --promisc --check-mbufs --run-seconds 200 >"$work/daemon.log" 2>&1 &
pid=$!
for _ in $(seq 300); do [ -S "$sock" ] && [ -S "$tsock" ] && break; kill -0 "$pid" || break; sleep 0.1; done
[ -S "$sock" ] || fail "daemon did not come up"
[ -S "$tsock" ] || fail "no telemetry socket at $tsock with --no-huge --no-shconf"
wait_rx "$want" || fail "the daemon did not take in all $want packets"

ctl route add 42 port 0 mac 02:00:00:00:00:2a ip 10.0.0.42 udp 9000 >/dev/null
ctl route add 0xffffffffffffffff drop >/dev/null
ctl route add default drop >/dev/null
client check "$tsock" --beamctl "$b/control/beamctl" --ctl "$sock" --pid "$pid" --rx-pkts "$want" ||
	fail "telemetry checks"

# DPDK's own client, non-interactive: commands on stdin, one JSON reply a line.
printf '/beamline/status\n/beamline/routes,limit=2\nquit\n' |
	python3 /usr/bin/dpdk-telemetry.py -f "$prefix" >"$work/script.out" 2>"$work/script.err" ||
	{ cat "$work/script.err"; fail "dpdk-telemetry.py exit $?"; }
client script-output "$work/script.out" --beamctl "$b/control/beamctl" --ctl "$sock" ||
	{ cat "$work/script.out"; fail "dpdk-telemetry.py output"; }

# More routes than one reply may hold: the first 100, and "truncated".
for k in $(seq 1000 1149); do echo "add $k port 0 mac 02:00:00:00:00:01 ip 10.0.1.1"; done >"$work/batch.txt"
ctl route batch "$work/batch.txt" >/dev/null
client many "$tsock" --beamctl "$b/control/beamctl" --ctl "$sock" || fail "bounded route list"

stop_daemon
[ ! -e "$tsock" ] || fail "telemetry socket left behind"

# --- packet capture ---------------------------------------------------------------------
if ! grep -q "bl_pdump_setup" "$src/control/beamline.c"; then
	echo "test_telemetry: OK (--pdump not wired in control/beamline.c yet: capture not tested)"
	exit 0
fi
expect_refusal() { # name, expected message fragment, args...
	local name=$1 frag=$2; shift 2
	set +e
	"$b/control/beamline" "$@" >"$work/out.txt" 2>&1
	local rc=$?
	set -e
	[ "$rc" != 0 ] || fail "$name: exit 0"
	grep -q -- "$frag" "$work/out.txt" || { cat "$work/out.txt"; fail "$name: no '$frag' in the message"; }
}
expect_refusal "--pdump with --no-shconf" "no multi-process channel" -l 0,1 --no-huge --no-shconf \
	--no-pci -m 256 --log-level=error --file-prefix "$prefix-a" --vdev "net_ring_pa$$" \
	-- --socket "$work/a.sock" --pdump
expect_refusal "--pdump with --no-huge" "--pdump needs hugepages" -l 0,1 --no-huge \
	--no-pci -m 256 --log-level=error --file-prefix "$prefix-b" --vdev "net_ring_pb$$" \
	-- --socket "$work/b.sock" --pdump

# A real capture needs hugepages: free 2 MB pages and a mounted hugetlbfs.
free_pages=$(awk '/^HugePages_Free:/ {print $2}' /proc/meminfo)
if [ "${free_pages:-0}" -lt 160 ] || ! grep -q hugetlbfs /proc/mounts; then
	echo "test_telemetry: OK (capture by dpdk-dumpcap not run: no hugepages here, and DPDK 22.11" \
		"secondaries cannot attach to a --no-huge primary; see docs/operations.md)"
	exit 0
fi
"$b/perf/gen/beamline-gen" --out "$work/cap-in.pcap" --frames 64 --sources 2 --keys 8 \
	--dist uniform --msgs-per-frame 2 --payload 32 --seed 9 --routes-out "$work/cap.conf" \
	--route-port 1 --route-ip 10.0.9.9 >/dev/null
cprefix="bl-tel-cap-$$"
"$b/control/beamline" -l 0,1 --no-pci -m 256 --log-level=error --file-prefix "$cprefix" \
	--vdev "net_pcap_cap$$,rx_pcap=$work/cap-in.pcap,infinite_rx=1" --vdev "net_null_cap$$" \
	-- --socket "$sock" --config "$work/cap.conf" --promisc --pdump --check-mbufs \
	--run-seconds 200 >"$work/daemon.log" 2>&1 &
pid=$!
for _ in $(seq 300); do [ -S "$sock" ] && break; kill -0 "$pid" || break; sleep 0.1; done
[ -S "$sock" ] || fail "daemon with --pdump did not come up"
# dpdk-dumpcap is a secondary process of the daemon's --file-prefix; it stops after -c packets.
# Port 0 receives the generated frames (to us, 10.0.0.1); port 1 sends what the
# routes forward (to the hop, 10.0.9.9).
for p in 0 1; do
	timeout 60 dpdk-dumpcap --file-prefix="$cprefix" -q -i "$p" -c 50 -w "$work/cap$p.pcapng" \
		>"$work/dumpcap.log" 2>&1 || { cat "$work/dumpcap.log"; fail "dpdk-dumpcap -i $p"; }
done
stop_daemon
for p in 0 1; do
	tshark -r "$work/cap$p.pcapng" -T fields -e ip.dst -e udp.dstport -e udp.length \
		>"$work/cap$p.txt" 2>/dev/null || fail "tshark cannot read the capture of port $p"
done
python3 - "$work/cap0.txt" "$work/cap1.txt" <<'PY' || { cat "$work/cap0.txt" "$work/cap1.txt"; fail "capture contents"; }
import sys
for path, dst in zip(sys.argv[1:], ("10.0.0.1", "10.0.9.9")):
    rows = [l.split("\t") for l in open(path).read().split("\n") if l]
    assert len(rows) >= 50, (path, len(rows))  # -c counts whole bursts
    assert all(r[0] == dst and r[1] == "7447" and int(r[2]) > 8 + 16 for r in rows), (path, rows[:3])
PY
echo "test_telemetry: OK (with a dpdk-dumpcap capture)"
