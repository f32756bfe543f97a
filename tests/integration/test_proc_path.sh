#!/usr/bin/env bash
# The process path end to end: a pcap's frames -> beamline on net_pcap -> a
# forward process that every key routes to -> the output pcap, checked by
# check_proc_path.py (messages unchanged and in order, headers, seq, frames
# delivered whole and sent in place, accounting), and every mbuf back.
set -euo pipefail
b=${BL_BUILD_DIR:?}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/bl-test-procpath.XXXXXX)
pid=""
cleanup() {
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT

python3 "$here/check_proc_path.py" make "$work"
sock="$work/ctl.sock"
"$b/control/beamline" -l 0,1 --no-huge --no-shconf --no-pci -m 512 \
	--file-prefix "bl-procpath-$$" --log-level=warning \
	--vdev "net_pcap_pp$$,rx_pcap=$work/in.pcap,tx_pcap=$work/out.pcap" \
	-- --config "$work/procs.conf" --socket "$sock" --promisc --check-mbufs \
	>"$work/daemon.log" 2>&1 &
pid=$!

ctl() { "$b/control/beamctl" -s "$sock" "$@"; }
for _ in $(seq 300); do [ -S "$sock" ] && break; kill -0 "$pid" || break; sleep 0.1; done
[ -S "$sock" ] || { cat "$work/daemon.log"; echo "daemon did not come up"; exit 1; }

# Wait until every packet is in and every process-sent message has left.
want=$(python3 -c "import sys; sys.path.insert(0, '$here'); import blpcap; print(len(blpcap.read_pcap('$work/in.pcap')))")
for _ in $(seq 300); do
	ctl --json stats >"$work/stats.json"
	python3 - "$work/stats.json" "$want" <<'PY' && break
import json, sys
t = json.load(open(sys.argv[1]))["totals"]
sys.exit(0 if t["acc_pkts"] == int(sys.argv[2]) and t["ptx_in"] == t["delivered_msgs"]
         and t["ptx_buffered"] == 0 and t["buffered_msgs"] == 0 else 1)
PY
	sleep 0.1
done

kill -TERM "$pid"
set +e
wait "$pid"
rc=$?
set -e
pid=""
[ "$rc" = 0 ] || { cat "$work/daemon.log"; echo "beamline exited $rc (3 = mbufs missing from the pool)"; exit 1; }
grep -q "every mbuf is back in its pool" "$work/daemon.log"
python3 "$here/check_proc_path.py" verify "$work"
echo "test_proc_path: ok"
