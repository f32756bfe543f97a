#!/usr/bin/env bash
# Live upgrade on a running router, built as a user would (issue 16 parts
# 4 and 7; docs/behaviours.md):
#  - the project is installed into a temporary prefix (meson install
#    --destdir); the two versions of docs/examples/upgrade (tally) are built
#    out of tree with its Makefile against that prefix's pkg-config file;
#  - v1 is loaded into a running router and a supervised pool of four of
#    its processes gets traffic by name (a pcap replayed without end);
#  - `beamctl upgrade` to v2 while the pcap replays; once the traffic is
#    stopped and drained, every message delivered was counted exactly once
#    (by v1, carried over in the state, or by v2), each process runs v2
#    and kept its v1 count, and v1's code was closed;
#  - refusals: `upgrade` of a name that is not loaded, a third version
#    while a process still runs the oldest; `upgrade --purge` kills it and
#    loads the third, whose code_change refuses 2.0.0's state: every pool
#    process exits upgrade_failed and its supervisor restarts it on 2.1.0;
#  - every mbuf back at the end.
#
# usage: test_upgrade.sh MESON DATADIR (DATADIR: prefix/datadir, as installed)
set -euo pipefail
b=${BL_BUILD_DIR:?}
src=${BL_SOURCE_DIR:?}
meson=${1:?usage: test_upgrade.sh MESON DATADIR}
datadir=${2:?usage: test_upgrade.sh MESON DATADIR}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=daemon.sh
. "$here/daemon.sh"
bl_scratch upgrade

fail() {
	echo "FAIL: $*"
	[ -f "$work/daemon.log" ] && tail -20 "$work/daemon.log"
	exit 1
}

# expect RC TEXT CMD...: CMD exits RC and its output (both streams) holds TEXT.
expect() {
	local want=$1 text=$2 rc=0
	shift 2
	"$@" >"$work/out" 2>&1 || rc=$?
	[ "$rc" = "$want" ] || fail "$* exited $rc, not $want: $(cat "$work/out")"
	grep -qF -- "$text" "$work/out" || fail "$*: output lacks '$text': $(cat "$work/out")"
}

for tool in make pkg-config cc; do
	command -v "$tool" >/dev/null 2>&1 || { echo "SKIP: no $tool"; exit 77; }
done

# --- install, then build the example against the installed SDK only.
dest=$work/dest
"$meson" install -C "$b" --no-rebuild --quiet --destdir "$dest" >"$work/install.log" 2>&1 ||
	fail "meson install --destdir: $(tail -5 "$work/install.log")"
cp -r "$src/docs/examples/upgrade" "$work/ex"
PKG_CONFIG_LIBDIR=$dest$datadir/pkgconfig PKG_CONFIG_PATH='' PKG_CONFIG_SYSROOT_DIR=$dest \
	make -C "$work/ex" all tally_v2_1.so >"$work/make.log" 2>&1 ||
	fail "the example does not build against the installed SDK: $(cat "$work/make.log")"
grep -q -- "-I$dest" "$work/make.log" || fail "make did not use the installed SDK: $(cat "$work/make.log")"
# A module of another name, for the refusal of an upgrade of a name not loaded.
cc -std=gnu11 -shared -fPIC -I"$src/sdk" -o "$work/stamp.so" "$src/tests/modules/stamp.c"

"$b/perf/gen/beamline-gen" --out "$work/in.pcap" --frames 64 --sources 4 --keys 4 \
	--dist uniform --msgs-per-frame 4 --payload 16 --seed 5 >/dev/null
{
	echo "load $work/ex/tally_v1.so"
	echo "sup new pool intensity 20 period 5000"
	for i in 0 1 2 3; do echo "sup child pool t$i tally name t$i lcore 1 mailbox_limit 65536"; done
	echo "sup start pool"
	echo "spawn tally name idle lcore 1"
	for i in 0 1 2 3; do echo "route add $i process t$i"; done
} >"$work/up.conf"

bl_start -l 0,1 --no-huge --no-shconf --no-pci -m 512 \
	--file-prefix "bl-upg-$$" --log-level=warning \
	--vdev "net_pcap_upg$$,rx_pcap=$work/in.pcap,infinite_rx=1" \
	-- --config "$work/up.conf" --promisc --check-mbufs

# seen_of NAME: the tally's own count in `info NAME`.
seen_of() { ctl --json info "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["tally"]["seen"])'; }

# --- traffic on v1, then the upgrade while the pcap replays.
n=0
for _ in $(seq 200); do
	n=$(seen_of t0)
	[ "$n" -ge 1000 ] && break
	sleep 0.05
done
[ "$n" -ge 1000 ] || fail "t0 counted only $n messages on v1"
expect 1 "no behaviour 'stamp' is loaded: load it first" ctl upgrade "$work/stamp.so"
expect 0 "2.0.0" ctl upgrade --lazy "$work/ex/tally_v2.so"
grep -q "old_version *1.0.0" "$work/out" || fail "upgrade reply: $(cat "$work/out")"
# --lazy, BEAM's way: processes with traffic move at their next turn; idle
# has none and stays.
for _ in $(seq 200); do
	ctl --json ps --top 100 >"$work/ps.json"
	python3 - "$work/ps.json" <<'PY' && break
import json, sys
v = {p["name"]: p["version"] for p in json.load(open(sys.argv[1]))["procs"] if p["behaviour"] == "tally"}
sys.exit(0 if all(v.get(f"t{i}") == "2.0.0" for i in range(4)) else 1)
PY
	sleep 0.05
done
n=$(seen_of t0)
for _ in $(seq 200); do [ "$(seen_of t0)" -ge $((n + 1000)) ] && break; sleep 0.05; done

# A third version while idle still runs 1.0.0: refused, and behaviours says why.
expect 1 "1 process still runs 'tally' version 1.0.0" ctl upgrade "$work/ex/tally_v2_1.so"
ctl --json behaviours >"$work/beh.json"
python3 - "$work/beh.json" <<'PY' || fail "behaviours during the upgrade: $(cat "$work/beh.json")"
import json, sys
rows = [r for r in json.load(open(sys.argv[1]))["behaviours"] if r["name"] == "tally"]
by = {r["version"]: r for r in rows}
assert sorted(by) == ["1.0.0", "2.0.0"], rows
assert by["2.0.0"]["upgrade"] == "current" and by["2.0.0"]["processes"] == 4, rows
assert by["1.0.0"]["upgrade"] == "old" and by["1.0.0"]["processes"] == 1, rows
PY

# --- stop the traffic, let it drain, count.
ctl route del 0 1 2 3 >/dev/null
prev=""
for _ in $(seq 100); do
	cur=$(for i in 0 1 2 3; do seen_of "t$i"; done | tr '\n' ' ')
	[ "$cur" = "$prev" ] && break
	prev=$cur
	sleep 0.1
done
ctl --json stats >"$work/stats.json"
for i in 0 1 2 3; do ctl --json info "t$i"; echo; done >"$work/infos.jsonl"
python3 - "$work/stats.json" "$work/infos.jsonl" <<'PY' || fail "counts: $(cat "$work/stats.json" "$work/infos.jsonl")"
import json, sys
st = json.load(open(sys.argv[1]))
t = st["totals"]
infos = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
seen = sum(i["tally"]["seen"] for i in infos)
v1 = sum(i["tally"]["from_v1"] for i in infos)
for i in infos:
    assert i["version"] == "2.0.0", i
    assert i["tally"]["from_v1"] > 0, ("no v1 count carried over", i)
    assert i["tally"]["seen"] > i["tally"]["from_v1"], ("nothing counted by v2", i)
    assert i["mailbox"] == 0, i
    assert i["reductions"] == i["tally"]["seen"], ("a message counted twice or not at all", i)
assert t["delivered_msgs"] == seen, ("delivered", t["delivered_msgs"], "counted", seen)
assert st["msg_drops"].get("mailbox_overflow", 0) == 0, st["msg_drops"]
print(f"upgrade: {seen} messages, {v1} counted by v1, {seen - v1} by v2, none lost or twice")
PY

# --- --purge: idle is killed, the third version loads; 2.0.0 -> 2.1.0 is a
# state its code_change refuses. The pool's processes get no message now:
# the upgrade itself gives each a turn (no --lazy), where each exits
# upgrade_failed and the supervisor restarts it on 2.1.0.
expect 0 "2.1.0" ctl upgrade --purge "$work/ex/tally_v2_1.so"
grep -q "purged *1" "$work/out" || fail "purge reply: $(cat "$work/out")"
ctl --json info idle >/dev/null 2>&1 && fail "idle survived the purge"
for _ in $(seq 100); do
	ctl --json ps --top 100 >"$work/ps.json"
	python3 - "$work/ps.json" <<'PY' && break
import json, sys
v = {p["name"]: p["version"] for p in json.load(open(sys.argv[1]))["procs"] if p["behaviour"] == "tally"}
sys.exit(0 if all(v.get(f"t{i}") == "2.1.0" for i in range(4)) else 1)
PY
	sleep 0.05
done
ctl --json ps --top 100 >"$work/ps.json"
ctl --json crashes >"$work/crashes.json"
python3 - "$work/ps.json" "$work/crashes.json" <<'PY' || fail "after the failed upgrade: $(cat "$work/ps.json" "$work/crashes.json")"
import json, sys
ps = [p for p in json.load(open(sys.argv[1]))["procs"] if p["behaviour"] == "tally"]
assert sorted(p["name"] for p in ps) == ["t0", "t1", "t2", "t3"], ps
assert all(p["version"] == "2.1.0" for p in ps), ps
cr = json.dumps(json.load(open(sys.argv[2])))
assert cr.count("upgrade_failed") >= 4, cr
PY
for _ in $(seq 100); do
	[ "$(ctl --json behaviours | python3 -c 'import json,sys; print(len([r for r in json.load(sys.stdin)["behaviours"] if r["name"] == "tally"]))')" = 1 ] && break
	sleep 0.05
done
ctl --json behaviours | python3 -c '
import json, sys
rows = [r for r in json.load(sys.stdin)["behaviours"] if r["name"] == "tally"]
assert len(rows) == 1 and rows[0]["version"] == "2.1.0" and rows[0]["processes"] == 4, rows
' || fail "behaviours after the restarts: $(ctl behaviours)"

bl_stop || fail "the daemon's exit"
echo "upgrade: ok"
