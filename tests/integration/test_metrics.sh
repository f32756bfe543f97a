#!/usr/bin/env bash
# beamline --metrics on a forwarding router: generated traffic on net_pcap;
# once every packet is in and out, /metrics is fetched and `promtool check
# metrics` must report nothing (its lint warnings count as failures here);
# the counters equal `beamctl --json stats`. Then a real Prometheus server on
# loopback scrapes the router every second and answers a query for
# beamline_rx_packets_total with the same total, and every query of the
# Grafana dashboard (docs/examples/grafana-beamline.json) is valid there and
# names only metrics it scraped. Also: bad --metrics values
# exit 2, and a port in use is a start-up error.
set -euo pipefail
b=${BL_BUILD_DIR:?}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=daemon.sh
. "$here/daemon.sh"
bl_scratch metrics
for tool in promtool prometheus curl; do
	command -v "$tool" >/dev/null || { echo "SKIP: $tool not installed (Debian: prometheus, curl)"; exit 77; }
done
prom_pid=""
cleanup_all() {
	if [ -n "$prom_pid" ]; then kill "$prom_pid" 2>/dev/null || true; wait "$prom_pid" 2>/dev/null || true; fi
	bl_cleanup
}
trap cleanup_all EXIT

# A free loopback port: bind 0, read it, close (the daemon binds it next).
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

eal=(-l 0,1 --no-huge --no-shconf --no-pci -m 512 --log-level=warning)

# --- bad values: exit 2 with a clear message --------------------------------------
for bad in 65536 x1 '1.2.3:80'; do
	set +e
	"$b/control/beamline" "${eal[@]}" --file-prefix "bl-mbad-$$" --vdev "net_null_mb$$" \
		-- --metrics "$bad" --socket "$work/bad.sock" >"$work/bad.log" 2>&1
	rc=$?
	set -e
	[ "$rc" = 2 ] || { cat "$work/bad.log"; echo "--metrics '$bad' exited $rc, not 2"; exit 1; }
	grep -q -- "--metrics:" "$work/bad.log" || { cat "$work/bad.log"; exit 1; }
done

"$b/perf/gen/beamline-gen" --out "$work/gen.pcap" --frames 2000 --sources 8 --keys 64 \
	--dist uniform --msgs-per-frame 4 --payload 16-200 --seed 7 \
	--routes-out "$work/routes.conf" --route-port 0 >/dev/null

port=$(free_port)
bl_start "${eal[@]}" --file-prefix "bl-met-$$" \
	--vdev "net_pcap_met$$,rx_pcap=$work/gen.pcap,tx_pcap=$work/out.pcap" \
	-- --config "$work/routes.conf" --promisc --metrics "$port" --check-mbufs
# The socket exists before the config runs; the line comes once the workers run.
for _ in $(seq 300); do grep -q "metrics at http://127.0.0.1:$port/metrics" "$work/daemon.log" && break; sleep 0.1; done
grep -q "metrics at http://127.0.0.1:$port/metrics" "$work/daemon.log"

# --- a port in use: the second daemon refuses to start ----------------------------
set +e
"$b/control/beamline" "${eal[@]}" --file-prefix "bl-mbusy-$$" --vdev "net_null_mbusy$$" \
	-- --metrics "127.0.0.1:$port" --socket "$work/busy.sock" >"$work/busy.log" 2>&1
rc=$?
set -e
[ "$rc" = 1 ] && grep -q "Address already in use" "$work/busy.log" ||
	{ cat "$work/busy.log"; echo "port in use: exit $rc"; exit 1; }

for _ in $(seq 300); do
	ctl --json stats >"$work/stats.json"
	python3 - "$work/stats.json" <<'PY' && break
import json, sys
t = json.load(open(sys.argv[1]))["totals"]
sys.exit(0 if t["rx_pkts"] == 2000 and t["buffered_msgs"] == 0 else 1)
PY
	sleep 0.1
done
curl -sS -D "$work/headers" "http://127.0.0.1:$port/metrics" >"$work/metrics.txt"
ctl --json stats >"$work/stats.json"
ctl --json lcores >"$work/lcores.json"
grep -qi '^content-type: text/plain; version=0.0.4' "$work/headers"
# promtool prints lint problems and exits non-zero; anything printed fails too.
promtool check metrics <"$work/metrics.txt" >"$work/promtool.out" 2>&1 ||
	{ cat "$work/promtool.out"; echo "promtool check metrics failed"; exit 1; }
[ ! -s "$work/promtool.out" ] || { cat "$work/promtool.out"; exit 1; }
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/nope")" = 404 ]
[ "$(curl -s -o /dev/null -w '%{http_code}' -d x=y "http://127.0.0.1:$port/metrics")" = 405 ]

python3 - "$work" <<'PY'
import json, re, sys
w = sys.argv[1]
st = json.load(open(f"{w}/stats.json"))
text = open(f"{w}/metrics.txt").read()
samples = {}
for line in text.splitlines():
    if line.startswith("#") or not line:
        continue
    name, value = line.rsplit(" ", 1)
    samples[name] = float(value)
t = st["totals"]
for key, name in [("rx_pkts", "beamline_rx_packets_total"), ("tx_pkts", "beamline_tx_packets_total"),
                  ("rx_msgs", "beamline_rx_messages_total"),
                  ("fwd_msgs", "beamline_forwarded_messages_total"),
                  ("drop_msgs", "beamline_dropped_messages_total")]:
    assert samples[name] == t[key], (name, samples[name], t[key])
assert t["rx_pkts"] == 2000, t
for reason, v in st["msg_drops"].items():
    assert samples[f'beamline_message_drops_total{{reason="{reason}"}}'] == v, reason
p0 = st["ports"][0]
assert samples[f'beamline_port_rx_packets_total{{port="0",name="{p0["name"]}"}}'] == p0["rx_pkts"]
# The latency histogram: every forwarded packet counted, buckets cumulative.
lc = st["lcores"][0]["lcore"]
count = samples[f'beamline_latency_seconds_count{{lcore="{lc}",path="fast"}}']
assert count == t["tx_pkts"], (count, t["tx_pkts"])
buckets = [(k, v) for k, v in samples.items()
           if k.startswith(f'beamline_latency_seconds_bucket{{lcore="{lc}",path="fast"')]
vals = [v for _, v in buckets]
assert vals == sorted(vals) and vals[-1] == count and '+Inf' in buckets[-1][0], buckets
for fam in ["beamline_processes", "beamline_process_heap_bytes", "beamline_binary_bytes",
            'beamline_routes{action="forward"}', "beamline_control_requests_total",
            f'beamline_lcore_busy_seconds_total{{lcore="{lc}"}}']:
    assert fam in samples, fam
assert samples['beamline_routes{action="forward"}'] == 64
# Cycles become seconds: busy time stops growing with the traffic.
hz = json.load(open(f"{w}/lcores.json"))["tsc_hz"]
busy = samples["beamline_busy_seconds_total"]
assert abs(busy - t["busy_tsc"] / hz) <= 0.01 * busy + 1e-6, (busy, t["busy_tsc"], hz)
assert "# TYPE beamline_latency_seconds histogram" in text
assert "# TYPE beamline_supervisor_restarts_total counter" in text
print("metrics: promtool clean;", len(samples), "samples; rx_packets", t["rx_pkts"])
PY

# --- a real Prometheus scrapes the router ------------------------------------------
pport=$(free_port)
cat >"$work/prometheus.yml" <<EOF2
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: beamline
    static_configs:
      - targets: ['127.0.0.1:$port']
EOF2
promtool check config "$work/prometheus.yml" >/dev/null
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
	--web.listen-address="127.0.0.1:$pport" --log.level=warn >"$work/prometheus.log" 2>&1 &
prom_pid=$!
want=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["totals"]["rx_pkts"])' "$work/stats.json")
got=""
for _ in $(seq 200); do
	kill -0 "$prom_pid" 2>/dev/null || { cat "$work/prometheus.log"; echo "prometheus died"; exit 1; }
	got=$(curl -s "http://127.0.0.1:$pport/api/v1/query?query=beamline_rx_packets_total" 2>/dev/null |
		python3 -c 'import json,sys
try:
    r = json.load(sys.stdin)["data"]["result"]
    print(r[0]["value"][1] if r else "")
except Exception:
    print("")') || true
	[ -n "$got" ] && break
	sleep 0.2
done
[ "$got" = "$want" ] || { cat "$work/prometheus.log"; echo "prometheus: beamline_rx_packets_total '$got', stats '$want'"; exit 1; }
up=$(curl -s "http://127.0.0.1:$pport/api/v1/query?query=up" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["result"][0]["value"][1])')
[ "$up" = 1 ]
# The Grafana dashboard of docs/operations.md asks this Prometheus: every
# panel's query is valid PromQL here (status success), and every metric it
# names is a family the router exposes (a # TYPE line on its /metrics),
# most with series Prometheus scraped (a labelled family with no label
# values yet, such as restarts by tree with no tree running, has none).
python3 - "$here/../../docs/examples/grafana-beamline.json" "$pport" "$port" <<'PY'
import json, re, sys, urllib.parse, urllib.request
dash, port = json.load(open(sys.argv[1])), sys.argv[2]
with urllib.request.urlopen("http://127.0.0.1:%s/metrics" % sys.argv[3], timeout=10) as r:
    exposed = set(re.findall(r"^# TYPE (\S+) ", r.read().decode(), re.M))
def query(q):
    url = "http://127.0.0.1:%s/api/v1/query?%s" % (port, urllib.parse.urlencode({"query": q}))
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return json.load(r)
    except urllib.error.HTTPError as e:  # a bad query: 400 with the error in the body
        return json.load(e)
exprs = [t["expr"] for p in dash["panels"] for t in p.get("targets", [])]
assert exprs, "the dashboard has no queries"
names = set()
for e in exprs:
    q = e.replace("$instance", ".*")
    r = query(q)
    assert r.get("status") == "success", "dashboard query refused: %s: %s" % (q, r.get("error"))
    names.update(re.findall(r"\bbeamline_[a-z0-9_]+", q))
scraped = 0
for n in sorted(names):
    family = re.sub(r"_(bucket|sum|count)$", "", n) if n not in exposed else n
    assert family in exposed, "the dashboard's %s: the router exposes no such metric" % n
    r = query('count({__name__="%s"})' % n)
    assert r["status"] == "success", r
    scraped += bool(r["data"]["result"])
assert scraped >= len(names) - 1, "most of the dashboard's metrics have no series"
print("grafana dashboard: %d queries valid; its %d metrics exposed, %d with series"
      % (len(exprs), len(names), scraped))
PY
kill "$prom_pid"
wait "$prom_pid" || true
prom_pid=""
echo "prometheus: beamline_rx_packets_total = $got = beamctl stats rx_pkts"
bl_stop
