#!/usr/bin/env bash
# VLANs end to end: tagged and QinQ frames crafted with scapy
# (vlan_frames.py) on one net_pcap port that accepts untagged frames, VLAN
# 100 (with its own addresses) and QinQ 300.400, through beamline to hops
# untagged, on a VLAN and on a QinQ pair; the output read back with tshark
# and its tags off the raw bytes, vlan_unknown and vlan_bad_tag counted,
# and every mbuf back in its pool.
set -euo pipefail
b=${BL_BUILD_DIR:?}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=daemon.sh
. "$here/daemon.sh"
command -v tshark >/dev/null || { echo "SKIP: no tshark"; exit 77; }
bl_scratch vlan

python3 "$here/vlan_frames.py" make "$work"

bl_start -l 0,1 --no-huge --no-shconf --no-pci -m 512 \
	--file-prefix "bl-vlan-$$" --log-level=warning \
	--vdev "net_pcap_vlan$$,rx_pcap=$work/in.pcap,tx_pcap=$work/out.pcap" \
	-- --config "$work/routes.conf" --promisc --check-mbufs \
	--port-ip 0=10.0.0.1 --port-ip 0=2001:db8::1 --port-vlans 0=100,300.400 \
	--port-vlan-ip 0.100=10.100.0.1 --port-vlan-ip 0.100=2001:db8:100::1

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
ctl route list >"$work/routes.txt"
grep -q "300.400" "$work/routes.txt" || { cat "$work/routes.txt"; echo "route list without the QinQ hop"; exit 1; }
ctl --json status >"$work/info.json"
grep -q '"vlan": *"300.400"' "$work/info.json" || { cat "$work/info.json"; echo "status without the port's VLANs"; exit 1; }

bl_stop
python3 "$here/vlan_frames.py" verify "$work"
