#!/usr/bin/env bash
# Processes on the packet path, end to end: a pcap's messages go to a group
# of 100 counter processes spread over two lcores (every member's count is
# checked), to a pool (one member per source, counts checked), to an echo
# process (its answers read back from the output pcap), and to a name nobody
# holds (counted drops). At the end every mbuf must be back in its pool.
set -euo pipefail
b=${BL_BUILD_DIR:?}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=daemon.sh
. "$here/daemon.sh"
bl_scratch group

# Two lcores for the group: two workers where the machine has the cores,
# else the worker and the control thread's own scheduler (lcore 0). The
# pcap arrives in one burst (no pacing), so the cross-lcore rings are made
# deep enough to hold its fan-out (--proc-ring); shallower rings would count
# ring_full drops, which the test would catch.
if [ "$(nproc)" -ge 3 ]; then lcores=0,1,2; la=1; lb=2; else lcores=0,1; la=1; lb=0; fi

"$b/perf/gen/beamline-gen" --out "$work/in.pcap" --frames 400 --sources 6 --keys 32 \
	--dist uniform --msgs-per-frame 4 --payload 8-340 --seed 5 --mtu 1500 >/dev/null
python3 "$here/check_group.py" expect "$work/in.pcap" >"$work/expect.json"

cat >"$work/procs.conf" <<CONF
spawn counter count 50 lcore $la group g max_keys 64
spawn counter count 50 lcore $lb group g max_keys 64
spawn counter count 3 lcore $la group p
spawn echo name e1 lcore $la
CONF
for k in $(seq 0 15); do echo "route add $k group g"; done >>"$work/procs.conf"
for k in $(seq 16 23); do echo "route add $k pool p"; done >>"$work/procs.conf"
for k in $(seq 24 27); do echo "route add $k process e1"; done >>"$work/procs.conf"
for k in $(seq 28 31); do echo "route add $k process nobody"; done >>"$work/procs.conf"

bl_start -l "$lcores" --no-huge --no-shconf --no-pci -m 512 \
	--file-prefix "bl-grp-$$" --log-level=warning \
	--vdev "net_pcap_grp$$,rx_pcap=$work/in.pcap,tx_pcap=$work/out.pcap" \
	-- --config "$work/procs.conf" --promisc --check-mbufs --proc-ring 65536

# Wait for the traffic to be in and every message handled: messages for
# members on another lcore may still be in a ring, so count what the
# processes handled (reductions), not what sits in mailboxes.
for _ in $(seq 300); do
	ctl --json stats >"$work/stats.json"
	ctl --json ps --top 1000 >"$work/ps.json"
	python3 - "$work/stats.json" "$work/ps.json" "$work/expect.json" <<'PY' && break
import json, sys
t = json.load(open(sys.argv[1]))["totals"]
ps = json.load(open(sys.argv[2]))["procs"]
e = json.load(open(sys.argv[3]))
handled = sum(p["reductions"] for p in ps)
want = 100 * e["group"]["msgs"] + sum(e["pool_by_source"].values()) + e["echo"]
ok = (t["rx_msgs"] == e["total"] and handled == want
      and t["buffered_msgs"] == 0 and t["ptx_buffered"] == 0)
sys.exit(0 if ok else 1)
PY
	sleep 0.1
done
ctl --json ps --top 1000 >"$work/ps.json"
ctl ps --sort reductions --top 5
python3 - "$work/ps.json" >"$work/pids.txt" <<'PY'
import json, sys
for p in json.load(open(sys.argv[1]))["procs"]:
    if p["behaviour"] == "counter":
        print(p["pid"], p["lcore"])
PY
while read -r p l; do ctl --json info "$p" | python3 -c "
import json, sys
i = json.load(sys.stdin)
print(json.dumps({'pid': i['pid'], 'lcore': i['lcore'], 'groups': i['groups'], 'counter': i['counter']}))"
done <"$work/pids.txt" >"$work/infos.jsonl"
ctl group list

python3 - "$work" <<'PY'
import json, sys
w = sys.argv[1]
e = json.load(open(f"{w}/expect.json"))
st = json.load(open(f"{w}/stats.json"))
t = st["totals"]
infos = [json.loads(l) for l in open(f"{w}/infos.jsonl")]
g = [i for i in infos if "g" in i["groups"]]
p = [i for i in infos if "p" in i["groups"]]
assert len(g) == 100, f"{len(g)} group members"
assert len({i["lcore"] for i in g}) == 2, "the group spans two lcores"
for i in g:
    c = i["counter"]
    assert c["msgs"] == e["group"]["msgs"] and c["bytes"] == e["group"]["bytes"], \
        f"member {i['pid']} counted {c}, expected {e['group']}"
# Pool: each source lands on one member, so every member's count is a sum of
# whole sources and the counts add up to the pool's messages.
counts = sorted(i["counter"]["msgs"] for i in p)
srcs = list(e["pool_by_source"].values())
assert sum(counts) == sum(srcs), f"pool counted {sum(counts)}, sent {sum(srcs)}"
def partition(ss, bins):
    if not ss:
        return all(b == 0 for b in bins)
    for k in range(len(bins)):
        if bins[k] >= ss[0]:
            bins[k] -= ss[0]
            if partition(ss[1:], bins):
                return True
            bins[k] += ss[0]
    return False
assert partition(sorted(srcs, reverse=True), list(counts)), \
    f"pool counts {counts} are not whole sources {srcs}"
# Accounting: every message is forwarded, dropped under a reason, or delivered.
assert t["rx_msgs"] == t["fwd_msgs"] + t["drop_msgs"] + t["buffered_msgs"] + t["delivered_msgs"]
assert t["drop_msgs"] == e["nobody"] and st["msg_drops"]["no_process"] == e["nobody"], st["msg_drops"]
assert t["delivered_msgs"] == e["group"]["msgs"] + sum(srcs) + e["echo"]
assert t["deliveries"] == 100 * e["group"]["msgs"] + sum(srcs) + e["echo"]
assert all(v == 0 for v in st["proc_drops"].values()), st["proc_drops"]
assert t["ptx_in"] == e["echo"] == t["ptx_msgs"], (t["ptx_in"], t["ptx_msgs"], e["echo"])
print(f"group: 100 members x {e['group']['msgs']} messages; pool {counts}; "
      f"echo {e['echo']}; no_process {e['nobody']}")
PY

bl_stop
python3 "$here/check_group.py" echo "$work/in.pcap" "$work/out.pcap"
echo "test_group: ok"
