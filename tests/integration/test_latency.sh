#!/usr/bin/env bash
# beamctl latency on a running router: generated traffic forwarded on
# net_pcap; once every packet is in and out, the fast path's latency count
# per lcore equals the packets that lcore sent, the merged "all" row equals
# their sum, the percentiles are ordered and plausible, the text form
# shows the table, --reset starts again from zero, and rte_telemetry
# answers /beamline/latency with the same count. Then processes: keys
# routed to a forward process and (the rest) to a group of two forward
# processes; what they send is counted on the process and fan-out paths,
# and nothing else is sent.
set -euo pipefail
b=${BL_BUILD_DIR:?}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=daemon.sh
. "$here/daemon.sh"
bl_scratch latency

"$b/perf/gen/beamline-gen" --out "$work/gen.pcap" --frames 2000 --sources 8 --keys 64 \
	--dist uniform --msgs-per-frame 4 --payload 16-200 --seed 5 \
	--routes-out "$work/routes.conf" --route-port 0 >/dev/null

# EAL puts the telemetry socket under $RUNTIME_DIRECTORY.
mkdir -p "$work/rt"
export RUNTIME_DIRECTORY="$work/rt"
tsock="$work/rt/dpdk/bl-lat-$$/dpdk_telemetry.v2"
bl_start -l 0,1 --no-huge --no-shconf --no-pci -m 512 \
	--file-prefix "bl-lat-$$" --log-level=warning \
	--vdev "net_pcap_lat$$,rx_pcap=$work/gen.pcap,tx_pcap=$work/out.pcap" \
	-- --config "$work/routes.conf" --promisc

for _ in $(seq 300); do
	ctl --json stats >"$work/stats.json"
	python3 - "$work/stats.json" <<'PY' && break
import json, sys
t = json.load(open(sys.argv[1]))["totals"]
sys.exit(0 if t["rx_pkts"] == 2000 and t["buffered_msgs"] == 0 else 1)
PY
	sleep 0.1
done
ctl --json stats >"$work/stats.json"
ctl --json latency >"$work/lat.json"
ctl latency >"$work/lat.txt"
ctl top --iterations 1 </dev/null >"$work/top.txt"
ctl --json latency --reset >"$work/lat_reset.json"
ctl --json latency >"$work/lat_after.json"
python3 "$here/telemetry_client.py" query "$tsock" /beamline/latency >"$work/tel.json"
bl_stop

# --- processes: the process and fan-out paths ---------------------------------------
{
	echo "spawn forward name fwd lcore 1 port 0 mac 02:00:00:00:00:0a ip 10.0.0.10 udp 9000"
	echo "spawn forward group g count 2 lcore 1 port 0 mac 02:00:00:00:00:0b ip 10.0.0.11 udp 9000"
	for k in $(seq 0 31); do echo "route add $k process fwd"; done
	echo "route add default group g"
} >"$work/procs.conf"
bl_start -l 0,1 --no-huge --no-shconf --no-pci -m 512 \
	--file-prefix "bl-lat2-$$" --log-level=warning \
	--vdev "net_pcap_lat2$$,rx_pcap=$work/gen.pcap,tx_pcap=$work/out2.pcap" \
	-- --config "$work/procs.conf" --promisc
# Done when every packet is in and what the processes send stops moving.
last=""
for _ in $(seq 300); do
	ctl --json stats >"$work/stats2.json"
	now=$(python3 - "$work/stats2.json" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))["totals"]
ok = t["rx_pkts"] == 2000 and t["ptx_buffered"] == 0 and t["buffered_msgs"] == 0
print(f"{t['tx_pkts']}/{t['ptx_in']}" if ok else "busy")
PY
)
	[ "$now" != busy ] && [ "$now" = "$last" ] && break
	last=$now
	sleep 0.2
done
ctl --json latency >"$work/lat2.json"
ctl --json stats >"$work/stats2.json"
bl_stop

HERE="$here" python3 - "$work" <<'PY'
import json, os, sys
w = sys.argv[1]
stats = json.load(open(f"{w}/stats.json"))
lat = json.load(open(f"{w}/lat.json"))["latency"]
tx = {l["lcore"]: l["tx_pkts"] for l in stats["lcores"]}
rows = [r for r in lat if r["lcore"] != "all" and r["path"] == "fast"]
assert rows, lat
for r in rows:
    assert r["count"] == tx[r["lcore"]], (r, tx)
    assert 0 < r["p50_ns"] <= r["p90_ns"] <= r["p99_ns"] <= r["p999_ns"] <= r["max_ns"], r
    assert r["max_ns"] < 10_000_000_000, r   # under 10 s inside the router
    assert r["overflow"] == 0, r
allr = [r for r in lat if r["lcore"] == "all" and r["path"] == "fast"][0]
assert allr["count"] == sum(tx.values()) == stats["totals"]["tx_pkts"] > 0, (allr, tx)
# --reset answers what it counted, then the next answer starts from zero.
rs = json.load(open(f"{w}/lat_reset.json"))
assert rs["reset"] is True
assert [r["count"] for r in rs["latency"]] == [r["count"] for r in lat], (rs, lat)
after = json.load(open(f"{w}/lat_after.json"))["latency"]
assert all(r["count"] == 0 for r in after), after
# Telemetry, after the reset: the same rows (an array becomes an object
# keyed by index there), all zero.
tel = json.load(open(f"{w}/tel.json"))
rows_t = list(tel["latency"].values())
assert len(rows_t) == len(after) and all(r["count"] == 0 for r in rows_t), tel
text = open(f"{w}/lat.txt").read()
assert "P99_NS" in text and "fast" in text and "all" in text, text
# top shows each lcore's p99 in microseconds.
top = open(f"{w}/top.txt").read()
assert "P99_US" in top, top
p99 = {r["lcore"]: r["p99_ns"] for r in rows}
for lcore, ns in p99.items():
    assert any(line.split()[:1] == [str(lcore)] and f"{ns / 1000:.1f}" in line.split()
               for line in top.splitlines()), (top, p99)
# Processes: every packet they sent is on the process or fan-out path.
st2 = json.load(open(f"{w}/stats2.json"))
l2 = json.load(open(f"{w}/lat2.json"))
by = {r["path"]: r["count"] for r in l2["latency"] if r["lcore"] == "all"}
assert by["fast"] == 0, by
# The process (fwd) sends to ...:0a, the group's members to ...:0b: the
# frames on the wire say how many each path sent.
sys.path.insert(0, os.environ["HERE"])
import blpcap
dst = [f[0:6] for f in blpcap.read_pcap(f"{w}/out2.pcap")]
to_fwd = sum(1 for d in dst if d == bytes.fromhex("02000000000a"))
to_group = sum(1 for d in dst if d == bytes.fromhex("02000000000b"))
assert to_fwd + to_group == len(dst) == st2["totals"]["tx_pkts"], (to_fwd, to_group, len(dst))
assert (by["process"], by["fanout"]) == (to_fwd, to_group), (by, to_fwd, to_group)
assert by["process"] > 0 and by["fanout"] > 0, by
assert by["process"] + by["fanout"] + l2["unstamped"] == st2["totals"]["tx_pkts"], (by, st2["totals"])
assert l2["unstamped"] == 0, l2
for r in l2["latency"]:
    if r["count"]:
        assert 0 < r["p50_ns"] <= r["p99_ns"] <= r["max_ns"] < 10_000_000_000, r
print("latency: counts match tx_pkts", {r["lcore"]: r["count"] for r in rows})
PY
