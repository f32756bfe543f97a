#!/usr/bin/env bash
# End to end: generated traffic (plus one malformed packet per drop reason)
# -> beamline on net_pcap (rx file in, tx file out) -> every output frame
# checked byte for byte by an independent checker, the accounting identities
# checked from `beamctl --json stats`, and every mbuf back in its pool.
set -euo pipefail
b=${BL_BUILD_DIR:?}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=daemon.sh
. "$here/daemon.sh"
bl_scratch forward

"$b/perf/gen/beamline-gen" --out "$work/gen.pcap" --frames 600 --sources 8 --keys 64 \
	--dist uniform --msgs-per-frame 4 --payload 16-330 --seed 11 --mtu 1500 >/dev/null
python3 "$here/check_forward.py" make "$work"

bl_start -l 0,1 --no-huge --no-shconf --no-pci -m 512 \
	--file-prefix "bl-fwd-$$" --log-level=warning \
	--vdev "net_pcap_fwd$$,rx_pcap=$work/in.pcap,tx_pcap=$work/out.pcap" \
	-- --config "$work/routes.conf" --promisc --check-mbufs

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

bl_stop
cat "$work/daemon.log"
python3 "$here/check_forward.py" verify "$work"
