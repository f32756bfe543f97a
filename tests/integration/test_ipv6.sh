#!/usr/bin/env bash
# IPv6 end to end: frames crafted with scapy (ipv6_frames.py), both families
# on one net_pcap port, through beamline to an IPv6 and an IPv4 next hop;
# the output read back with tshark, every IPv6 frame's UDP checksum verified
# by it, every IPv6 drop reason counted once, and every mbuf back in its pool;
# twice: with --udp6-check used (the default) and all.
set -euo pipefail
b=${BL_BUILD_DIR:?}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=daemon.sh
. "$here/daemon.sh"
command -v tshark >/dev/null || { echo "SKIP: no tshark"; exit 77; }
bl_scratch ipv6

python3 "$here/ipv6_frames.py" make "$work"

# One pass through the router with --udp6-check $1 (used, the default:
# a frame forwarded whole carries a bit error on; all: it is dropped).
pass() {
	rm -f "$sock"
	bl_start -l 0,1 --no-huge --no-shconf --no-pci -m 512 \
		--file-prefix "bl-ip6-$1-$$" --log-level=warning \
		--vdev "net_pcap_ip6$1$$,rx_pcap=$work/in.pcap,tx_pcap=$work/out.pcap" \
		-- --config "$work/routes.conf" --promisc --check-mbufs --udp6-check "$1" \
		--port-ip 0=10.0.0.1 --port-ip 0=2001:db8::1

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
	grep -q "2001:db8::2" "$work/routes.txt" || { cat "$work/routes.txt"; echo "route list without the IPv6 hop"; exit 1; }

	bl_stop
	python3 "$here/ipv6_frames.py" verify "$work" "$1"
}

pass used
pass all
