#!/usr/bin/env bash
# beamctl drives processes: send puts messages in a counter's mailbox; call
# asks it for a key's counts and prints the reply (the counter answers
# calls); echo's reply carries the bytes back; a process that never answers
# gives timeout, a dead one noproc; bad requests get one clear message.
set -euo pipefail
b=${BL_BUILD_DIR:?}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=daemon.sh
. "$here/daemon.sh"
bl_scratch call
fail() { echo "test_call: FAIL: $*"; cat "$work/daemon.log"; exit 1; }

bl_start -l 0,1 --no-huge --no-shconf --no-pci -m 256 \
	--file-prefix "bl-call-$$" --log-level=warning --vdev "net_ring_k$$" -- --check-mbufs

ctl spawn counter name cnt lcore 1 >/dev/null
ctl spawn echo name ech lcore 1 >/dev/null
ctl spawn fault name mute lcore 1 poison 99 >/dev/null
ctl spawn counter name gone lcore 1 >/dev/null
for i in 1 2 3; do ctl send cnt 5 hello >/dev/null; done
ctl send cnt 6 x >/dev/null

out=$(ctl call cnt 5 get)
echo "$out" | grep -qE "^status +ok" || fail "call cnt: $out"
echo "$out" | grep -q "key 5: 3 messages, 15 bytes (all keys: 4)" || fail "call cnt: $out"
out=$(ctl --json call ech 7 'hello there')
python3 - "$out" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
assert r["ok"] and r["status"] == "ok" and r["key"] == 7, r
assert r["data"] == "hello there" and r["bytes"] == 11, r
PY
out=$(ctl --json call mute 1 x --timeout 200)
python3 -c "import json,sys; r=json.loads(sys.argv[1]); assert r['status']=='timeout' and r['ms']>=200, r" "$out"
ctl kill gone >/dev/null
sleep 0.2
# A name whose process is gone: refused before any call.
set +e
msg=$(ctl call gone 1 x 2>&1)
rc=$?
set -e
[ "$rc" != 0 ] || fail "call to a dead name succeeded: $msg"
echo "$msg" | grep -q "no process" || fail "dead name message: $msg"
# A callee that dies before it answers (fault crashes on its poison key): noproc.
out=$(ctl --json call mute 99 x)
python3 -c "import json,sys; r=json.loads(sys.argv[1]); assert r['status']=='noproc' and r['reason']=='poison_message', r" "$out"
# ratelimit and breaker, spawned with their arguments: a bucket of 5 for
# all lets 5 of 20 through, plus the one token a second it gains while the
# 20 sends last (a beamctl each: seconds under ASan on a busy machine); a
# breaker whose target crashed opens and sends on to its fallback.
ctl spawn counter name rl_sink lcore 1 >/dev/null
ctl spawn ratelimit name rl lcore 1 to rl_sink rate 1 burst 5 per all >/dev/null
t0=$(date +%s%N)
for i in $(seq 20); do ctl send rl "$i" x >/dev/null; done
t1=$(date +%s%N)
sleep 0.2
ctl --json info rl >"$work/rl.json"
ctl --json info rl_sink >"$work/sink.json"
python3 - "$work/rl.json" "$work/sink.json" "$(((t1 - t0) / 1000000))" <<'PY'
import json, sys
rl, sink = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
refill = int(sys.argv[3]) // 1000 + 1  # whole seconds the sends took, rounded up
r = rl["ratelimit"]
assert 5 <= r["passed"] <= 5 + refill and r["passed"] + r["limited"] == 20, (rl, refill)
assert sink["counter"]["msgs"] == r["passed"], sink
PY
ctl spawn fault name flaky lcore 1 poison 99 >/dev/null
ctl spawn counter name fb lcore 1 >/dev/null
ctl spawn breaker name br lcore 1 to flaky fallback fb failures 2 cooldown_ms 1h >/dev/null
ctl send br 99 x >/dev/null
sleep 0.2
for i in 1 2 3; do ctl send br 1 x >/dev/null; done
sleep 0.2
ctl --json info br >"$work/br.json"
python3 - "$work/br.json" <<'PY'
import json, sys
b = json.load(open(sys.argv[1]))["breaker"]
assert b.get("open") == 1 and b["opened"] == 1 and b["fallback"] >= 2, b
PY
# drills: a process linked to one that crashes goes with it, unless it
# traps exits; one that monitors it stays
ctl spawn counter name l1 lcore 1 >/dev/null
ctl spawn counter name l2 lcore 1 >/dev/null
ctl spawn counter name m1 lcore 1 >/dev/null
ctl spawn fault name f1 lcore 1 poison 99 >/dev/null
ctl spawn fault name f2 lcore 1 poison 99 >/dev/null
ctl link l1 f1 >/dev/null
ctl trap_exit l2 true >/dev/null
ctl link l2 f1 >/dev/null
ctl monitor m1 f2 >/dev/null
ctl send f1 99 x >/dev/null
ctl send f2 99 x >/dev/null
sleep 0.3
ctl --json ps >"$work/ps.json"
python3 - "$work/ps.json" "$(ctl --json info l2 | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')" <<'PY'
import json, sys
pids = {p["pid"] for p in json.load(open(sys.argv[1]))["procs"]}
assert sys.argv[2] in pids, "l2 traps exits: it stays"
PY
set +e
ctl info l1 >/dev/null 2>&1
rc=$?
set -e
[ "$rc" != 0 ] || fail "l1 was linked to f1 and should have gone with it"
ctl info m1 >/dev/null || fail "m1 only monitored f2: it stays"
# a least_loaded pool route, listed as given
ctl spawn counter count 2 lcore 1 group lp >/dev/null
ctl route add 5 pool lp least_loaded >/dev/null
ctl --json route list | python3 -c "
import json, sys
r = [x for x in json.load(sys.stdin)['routes'] if x['key'] == 5]
assert r and r[0]['action'] == 'pool' and r[0].get('pick') == 'least_loaded', r"
# bad input: one clear message each
for bad in "link cnt cnt" "monitor cnt nobody" "trap_exit cnt maybe" "spawn ratelimit to cnt" "spawn breaker to cnt mode sideways" "call cnt default x" "call cnt 1 x --timeout 0" "call cnt 1 x --timeout 100000" "send cnt" "call nobody 1 x"; do
	set +e
	# shellcheck disable=SC2086
	msg=$(ctl $bad 2>&1)
	rc=$?
	set -e
	[ "$rc" != 0 ] || fail "'$bad' succeeded: $msg"
	[ "$(echo "$msg" | wc -l)" = 1 ] || fail "'$bad': more than one line: $msg"
done
bl_stop
echo "call: send, call (ok, timeout, noproc), ratelimit, breaker, refusals: all as expected"
