#!/usr/bin/env bash
# Behaviour modules on a live daemon (docs/behaviours.md):
#  - a module built here with cc against the in-tree SDK header alone
#    (tests/modules/stamp.c, an argument of every type);
#  - `beamctl load` on the running router; `beamctl behaviours` lists it
#    with its version, source and arguments; refusals: another ABI, a name
#    taken, a bad argument (each naming its field), the module's own check;
#  - a process of it spawned with arguments gets traffic (a pcap replayed
#    without end, routed to it by name), passes every second message on to
#    a counter as a copy with its key moved, and the counts agree;
#  - `unload` refused while the process runs, allowed after it is killed;
#    refused while a supervisor's child spec names it;
#  - 100 rounds of load and unload (under ASan the daemon's exit checks for
#    leaks), `--load` and a config's `load` line, a bad `--load` refused at
#    start; every mbuf back at the end.
#
# usage: test_modules.sh BAD_ABI_MODULE (tests/modules' bad_abi, built by meson)
set -euo pipefail
b=${BL_BUILD_DIR:?}
src=${BL_SOURCE_DIR:?}
bad_abi=${1:?usage: test_modules.sh BAD_ABI_MODULE}
# meson runs tests in the build folder and may name it relative to there;
# the daemon reports a path made absolute.
bad_abi=$(realpath "$bad_abi")
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=daemon.sh
. "$here/daemon.sh"
bl_scratch modules

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

# The module, out of tree: the SDK header and nothing else of the router.
cc -std=gnu11 -Wall -Wextra -Werror -shared -fPIC -I"$src/sdk" \
	-o "$work/stamp.so" "$src/tests/modules/stamp.c" || fail "the module does not build"

"$b/perf/gen/beamline-gen" --out "$work/in.pcap" --frames 64 --sources 1 --keys 2 \
	--dist uniform --msgs-per-frame 4 --payload 16 --seed 3 >/dev/null
cat >"$work/procs.conf" <<'CONF'
spawn counter name sink lcore 1 mailbox_limit 65536
route add 0 process st
route add 1 process st
CONF

bl_start -l 0,1 --no-huge --no-shconf --no-pci -m 512 \
	--file-prefix "bl-mod-$$" --log-level=warning \
	--vdev "net_pcap_mod$$,rx_pcap=$work/in.pcap,infinite_rx=1" \
	-- --config "$work/procs.conf" --promisc --check-mbufs

# --- load, list, refusals.
expect 0 "stamp" ctl load "$work/stamp.so"
expect 1 "No such file" ctl load "$work/stamp.so.missing"
expect 1 "exists already (version 0.3.1, from $work/stamp.so)" ctl load "$work/stamp.so"
expect 1 "built for behaviour ABI 999; this router speaks ABI 1" ctl load "$bad_abi"
ctl --json behaviours >"$work/behaviours.json"
python3 - "$work/behaviours.json" "$work/stamp.so" <<'PY' || fail "behaviours: $(cat "$work/behaviours.json")"
import json, sys
rows = {r["name"]: r for r in json.load(open(sys.argv[1]))["behaviours"]}
assert sorted(rows) == ["batch", "breaker", "counter", "echo", "ets_counter", "fault", "forward", "ratelimit", "relay", "remote", "stamp"], sorted(rows)
s = rows["stamp"]
assert s["version"] == "0.3.1" and s["source"] == sys.argv[2] and s["processes"] == 0, s
assert s["args"].startswith("to:pid [every:u64=1] [offset:i64=0] [limit:size=1G]"), s["args"]
assert rows["counter"]["source"] == "built-in" and rows["counter"]["version"] == "1.0"
assert rows["counter"]["processes"] == 1
PY
ctl behaviours | grep -q "^ *stamp *0.3.1 *$work/stamp.so" || fail "beamctl behaviours table: $(ctl behaviours)"
expect 1 'missing "to"' ctl spawn stamp
expect 1 '"every" must be an integer in 1..1000, not 0' ctl spawn stamp to sink every 0
expect 1 '"offset" must be an integer in -1000..1000, not -5000' ctl spawn stamp to sink mode copy offset -5000
expect 1 '"mode" must be forward or copy, not '"'"'paste'"'" ctl spawn stamp to sink mode paste
expect 1 '"idle" must be a duration in 0..3600000 ms' ctl spawn stamp to sink idle soon
expect 1 '"limit" must be a size' ctl spawn stamp to sink limit lots
expect 1 '"verbose" must be true or false' ctl spawn stamp to sink verbose perhaps
expect 1 '"to" must be a pid <L.S.G> or a registered name' ctl spawn stamp to 1.2
expect 1 '"offset" needs mode copy' ctl spawn stamp to sink offset 5
expect 1 'unknown field "color" for stamp (it takes: to, every, offset' ctl spawn stamp to sink color red

# --- a process of it, with arguments, on the traffic.
expect 0 "stamp" ctl spawn stamp name st lcore 1 to sink every 2 mode copy offset 100 \
	limit 1G idle 0 stop 0xfffffffffffffff0 verbose on label st tag t1
n=0
for _ in $(seq 200); do
	n=$(ctl --json info st | python3 -c 'import json,sys; print(json.load(sys.stdin)["reductions"])')
	[ "$n" -ge 2000 ] && break
	sleep 0.05
done
[ "$n" -ge 2000 ] || fail "the stamp process handled only $n messages"
# Stop the traffic to it, let it drain, and compare: the counter got every second one.
ctl route del 0 1 >/dev/null
prev=-1
for _ in $(seq 100); do
	ctl --json info st >"$work/st.json"
	ctl --json info sink >"$work/sink.json"
	cur=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["reductions"])' "$work/st.json")
	[ "$cur" = "$prev" ] && break
	prev=$cur
	sleep 0.1
done
python3 - "$work/st.json" "$work/sink.json" <<'PY' || fail "counts: $(cat "$work/st.json" "$work/sink.json")"
import json, sys
st = json.load(open(sys.argv[1]))
sink = json.load(open(sys.argv[2]))
assert st["behaviour"] == "stamp", st["behaviour"]
assert st["mailbox"] == 0, st
assert sink["counter"]["msgs"] == st["reductions"] // 2, (sink["counter"], st["reductions"])
assert sink["counter"]["bytes"] == 16 * (st["reductions"] // 2), sink["counter"]
PY
ctl behaviours | grep -q "^ *stamp *0.3.1 .* 1 " || fail "behaviours does not count the process: $(ctl behaviours)"

# --- unload: refused while it runs, done once it is gone.
expect 1 "unload stamp: 1 process runs 'stamp': stop it first" ctl unload stamp
expect 1 "'counter' is built in" ctl unload counter
expect 1 "no behaviour 'nope'" ctl unload nope
ctl kill st >/dev/null
for _ in $(seq 100); do ctl unload stamp >"$work/out" 2>&1 && break; sleep 0.05; done
grep -q unloaded "$work/out" || fail "unload after kill: $(cat "$work/out")"
expect 1 "unknown behaviour 'stamp' (known: batch, breaker, counter, echo, ets_counter, fault, forward, ratelimit, relay, remote)" ctl spawn stamp to sink

# --- 100 rounds of load and unload (ASan checks the daemon's heap at exit).
for _ in $(seq 100); do
	ctl load "$work/stamp.so" >/dev/null || fail "load round"
	ctl unload stamp >/dev/null || fail "unload round"
done

# --- a supervisor's child spec that names it keeps it loaded.
ctl load "$work/stamp.so" >/dev/null
ctl sup new t >/dev/null
expect 0 "stamp" ctl sup child t c1 stamp to sink
expect 1 '"every" must be an integer in 1..1000, not 5000' ctl sup child t c2 stamp to sink every 5000
expect 1 "unload stamp: the child 'c1' of supervisor 't' names it" ctl unload stamp
bl_stop

# --- --load and a config's `load` line; a bad --load stops the start.
printf 'load %s\nspawn stamp name s1 lcore 1 to sink\nspawn counter name sink lcore 1\n' \
	"$work/stamp.so" >"$work/load.conf"
bl_start -l 0,1 --no-huge --no-shconf --no-pci -m 512 \
	--file-prefix "bl-mod2-$$" --log-level=warning --vdev "net_null_mod$$" \
	-- --config "$work/load.conf" --check-mbufs
expect 0 "s1" ctl info s1
bl_stop
sock2=$work/ctl2.sock
expect 1 "beamline: --load: refused $bad_abi: built for behaviour ABI 999" \
	"$b/control/beamline" -l 0,1 --no-huge --no-shconf --no-pci -m 512 \
	--file-prefix "bl-mod3-$$" --log-level=warning --vdev "net_null_mod3$$" \
	-- --socket "$sock2" --load "$bad_abi"
rm -f "$work/in.pcap"
echo "test_modules: ok"
