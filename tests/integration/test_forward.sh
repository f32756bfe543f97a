#!/usr/bin/env bash
# End to end: generated traffic (plus one malformed packet per drop reason)
# -> beamline on net_pcap (rx file in, tx file out) -> every output frame
# checked byte for byte by an independent checker, the accounting identities
# checked from `beamctl --json stats`, and every mbuf back in its pool.
set -euo pipefail
b=${BL_BUILD_DIR:?}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/bl-test-forward.XXXXXX)
pid=""
cleanup() {
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT

"$b/perf/gen/beamline-gen" --out "$work/gen.pcap" --frames 600 --sources 8 --keys 64 \
	--dist uniform --msgs-per-frame 4 --payload 16-330 --seed 11 --mtu 1500 >/dev/null
python3 "$here/check_forward.py" make "$work"

sock="$work/ctl.sock"
"$b/control/beamline" -l 0,1 --no-huge --no-shconf --no-pci -m 512 \
	--file-prefix "bl-fwd-$$" --log-level=warning \
	--vdev "net_pcap_fwd$$,rx_pcap=$work/in.pcap,tx_pcap=$work/out.pcap" \
	-- --config "$work/routes.conf" --socket "$sock" --promisc --check-mbufs \
	>"$work/daemon.log" 2>&1 &
pid=$!

ctl() { "$b/control/beamctl" -s "$sock" "$@"; }
for _ in $(seq 300); do [ -S "$sock" ] && break; kill -0 "$pid" || break; sleep 0.1; done
[ -S "$sock" ] || { cat "$work/daemon.log"; echo "daemon did not come up"; exit 1; }

# Wait until every input packet is in and nothing is left in TX buffers.
want=$(python3 -c "import sys; sys.path.insert(0, '$here'); import blpcap; print(len(blpcap.read_pcap('$work/in.pcap')))")
for _ in $(seq 300); do
	ctl --json stats >"$work/stats.json"
	python3 - "$work/stats.json" "$want" <<'PY' && break
import json, sys
t = json.load(open(sys.argv[1]))["totals"]
sys.exit(0 if t["rx_pkts"] == int(sys.argv[2]) and t["buffered_msgs"] == 0 else 1)
PY
	sleep 0.1
done
ctl --json status >"$work/status.json"

kill -TERM "$pid"
set +e
wait "$pid"
rc=$?
set -e
pid=""
cat "$work/daemon.log"
[ "$rc" = 0 ] || { echo "beamline exited $rc (3 = mbufs missing from the pool)"; exit 1; }
grep -q "every mbuf is back in its pool" "$work/daemon.log"
python3 "$here/check_forward.py" verify "$work"
