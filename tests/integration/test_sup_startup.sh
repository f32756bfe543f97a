#!/usr/bin/env bash
# Supervision trees from the config run before the first packet is taken:
# every key routes to a child of a tree the config starts, the pcap's 2000
# frames are all there from the first poll, and not one message may be
# dropped as no_process (the workers hold their ports' traffic until the
# trees run). Before, the first frames found no process.
set -euo pipefail
b=${BL_BUILD_DIR:?}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=daemon.sh
. "$here/daemon.sh"
bl_scratch supstart

"$b/perf/gen/beamline-gen" --out "$work/gen.pcap" --frames 2000 --sources 8 --keys 64 \
	--dist uniform --msgs-per-frame 4 --payload 16-200 --seed 9 >/dev/null
cat >"$work/tree.conf" <<CONF
sup new edge intensity 10 period 1000
sup child edge fwd forward name fwd lcore 1 port 0 mac 02:00:00:00:00:0a ip 10.0.0.10 udp 9000
sup child edge cnt counter name cnt lcore 1
sup start edge
route add default process fwd
route add 7 process cnt
CONF
bl_start -l 0,1 --no-huge --no-shconf --no-pci -m 512 \
	--file-prefix "bl-supstart-$$" --log-level=warning \
	--vdev "net_pcap_ss$$,rx_pcap=$work/gen.pcap,tx_pcap=$work/out.pcap" \
	-- --config "$work/tree.conf" --promisc --check-mbufs

for _ in $(seq 300); do
	ctl --json stats >"$work/stats.json"
	python3 - "$work/stats.json" <<'PY' && break
import json, sys
t = json.load(open(sys.argv[1]))["totals"]
sys.exit(0 if t["rx_pkts"] == 2000 and t["ptx_buffered"] == 0 and t["buffered_msgs"] == 0 else 1)
PY
	sleep 0.1
done
ctl --json stats >"$work/stats.json"
bl_stop
python3 - "$work/stats.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
t, drops = s["totals"], s["msg_drops"]
assert t["rx_pkts"] == 2000, t
assert drops.get("no_process", 0) == 0, drops
assert t["rx_msgs"] == 8000 and t["delivered_msgs"] == t["rx_msgs"], t
print("sup_startup: all", t["delivered_msgs"], "messages delivered, none dropped as no_process")
PY
