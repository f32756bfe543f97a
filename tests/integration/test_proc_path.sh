#!/usr/bin/env bash
# The process path end to end: a pcap's frames -> beamline on net_pcap -> a
# forward process that every key routes to -> the output pcap, checked by
# check_proc_path.py (messages unchanged and in order, headers, seq, frames
# delivered whole and sent in place, accounting), and every mbuf back.
set -euo pipefail
b=${BL_BUILD_DIR:?}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=daemon.sh
. "$here/daemon.sh"
bl_scratch procpath

python3 "$here/check_proc_path.py" make "$work"
bl_start -l 0,1 --no-huge --no-shconf --no-pci -m 512 \
	--file-prefix "bl-procpath-$$" --log-level=warning \
	--vdev "net_pcap_pp$$,rx_pcap=$work/in.pcap,tx_pcap=$work/out.pcap" \
	-- --config "$work/procs.conf" --promisc --check-mbufs

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

bl_stop
python3 "$here/check_proc_path.py" verify "$work"
echo "test_proc_path: ok"
