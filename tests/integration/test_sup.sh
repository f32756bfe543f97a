#!/usr/bin/env bash
# Supervision end to end: the daemon starts a two-level tree from its config
# on a real port (net_af_packet on a veth whose other end sits in a network
# namespace). The test kills a process with beamctl and crashes another by
# sending it a poison message from the namespace with blmsg; it checks the
# restarts (one_for_all in the nested supervisor), the names moving to the
# new pids, the routes still delivering, the crash reports, escalation past
# the nested supervisor's intensity, beamctl's table and JSON forms, and a
# clean stop with every mbuf back. Needs root for the namespace: SKIP (77).
set -euo pipefail
b=${BL_BUILD_DIR:?}
work=$(mktemp -d /tmp/bl-test-sup.XXXXXX)
n=$(( $$ % 200 + 20 ))
ns="blsup$$"
vo="vso$$"
vi="vsi$$"
pid=""
made_ns=""
made_link=""
cleanup() {
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
	[ -n "$made_link" ] && ip link del "$vo" 2>/dev/null
	[ -n "$made_ns" ] && ip netns del "$ns" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
fail() {
	echo "test_sup: FAIL: $*"
	tail -30 "$work/daemon.log" 2>/dev/null || true
	exit 1
}

if [ "$(id -u)" != 0 ] || ! ip netns add "$ns" 2>"$work/ns.err"; then
	echo "SKIP: cannot create a network namespace (needs root): $(cat "$work/ns.err" 2>/dev/null)"
	exit 77
fi
made_ns=1
if ! ip link add "$vo" type veth peer name "$vi" 2>"$work/veth.err"; then
	echo "SKIP: cannot create a veth pair: $(cat "$work/veth.err")"
	exit 77
fi
made_link=1
sysctl -qw "net.ipv6.conf.$vo.disable_ipv6=1" 2>/dev/null || true
ip link set "$vi" netns "$ns"
ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 2>/dev/null || true
ip -n "$ns" addr add "10.79.$n.2/24" dev "$vi"
ip -n "$ns" link set "$vi" up
ip link set "$vo" up

cat >"$work/tree.conf" <<CONF
# root: one_for_one over a nested supervisor and an echo process
sup new root strategy one_for_one intensity 10 period 60000
sup new feeds parent root strategy one_for_all intensity 2 period 60000
sup child feeds fa fault name fault.a lcore 1 poison 99
sup child feeds cb counter name count.b lcore 1
sup child root ec echo name echo1 lcore 1
sup start root
route add 5 process fault.a
route add 99 process fault.a
route add 6 process count.b
CONF
sock="$work/ctl.sock"
"$b/control/beamline" -l 0,1 --no-huge --no-shconf --no-pci -m 512 --file-prefix "bl-sup-$$" \
	--log-level=warning --vdev "net_af_packet_sup$$,iface=$vo" \
	-- --config "$work/tree.conf" --socket "$sock" --port-ip "0=10.79.$n.1" --check-mbufs \
	--idle-sleep-us 100 \
	>"$work/daemon.log" 2>&1 &
pid=$!
ctl() { "$b/control/beamctl" -s "$sock" "$@"; }
for _ in $(seq 300); do [ -S "$sock" ] && break; kill -0 "$pid" || break; sleep 0.1; done
[ -S "$sock" ] || fail "daemon did not come up"
mac=$(ctl --json status | python3 -c "import json,sys; print(json.load(sys.stdin)['ports'][0]['mac'].lower())")
ip -n "$ns" neigh replace "10.79.$n.1" lladdr "$mac" dev "$vi" nud permanent
send() { ip netns exec "$ns" "$b/client/blmsg" send "10.79.$n.1:7447" "$@" >/dev/null; }

# tree_json: the tree as {id: node}
tree() { ctl --json sup tree | python3 -c "
import json, sys
print(json.dumps({n['node'].strip(): n for n in json.load(sys.stdin)['nodes']}))"; }
field() { python3 -c "import json, sys; d = json.load(sys.stdin); print($1)"; }
# wait_for PY: poll the tree until the python condition on t (the tree) holds.
wait_for() {
	for _ in $(seq 100); do
		tree >"$work/t.json"
		python3 -c "import json; t = json.load(open('$work/t.json')); import sys; sys.exit(0 if ($1) else 1)" && return 0
		sleep 0.1
	done
	cat "$work/t.json"
	fail "condition never held: $1"
}

# 1. The tree as configured: table and JSON.
wait_for "all(t[k]['state'] == 'running' for k in ('root', 'feeds', 'fa', 'cb', 'ec'))"
ctl sup tree | tee "$work/tree.txt"
grep -q "^  root .*supervisor .*one_for_one" "$work/tree.txt" || fail "table: root row"
grep -q "^      fa .*fault\.a .*fault .*running" "$work/tree.txt" || fail "table: nested child row"
fa0=$(python3 -c "import json; print(json.load(open('$work/t.json'))['fa']['pid'])")
cb0=$(python3 -c "import json; print(json.load(open('$work/t.json'))['cb']['pid'])")
ec0=$(python3 -c "import json; print(json.load(open('$work/t.json'))['ec']['pid'])")
[ "$(ctl --json info fault.a | field "d['pid']")" = "$fa0" ] || fail "fault.a is not $fa0"

# 2. beamctl kill: one_for_all restarts both children of feeds; names move.
ctl kill fault.a >/dev/null
wait_for "t['fa']['pid'] not in ('$fa0', '-') and t['cb']['pid'] not in ('$cb0', '-') and t['fa']['restarts'] == 1"
fa1=$(python3 -c "import json; print(json.load(open('$work/t.json'))['fa']['pid'])")
[ "$(ctl --json info fault.a | field "d['pid']")" = "$fa1" ] || fail "name fault.a did not move to $fa1"
[ "$(python3 -c "import json; print(json.load(open('$work/t.json'))['ec']['pid'])")" = "$ec0" ] ||
	fail "echo1 (another branch) was restarted"
ctl crashes | tee "$work/crashes1.txt"
grep -q "fault\.a .*fault .*killed" "$work/crashes1.txt" || fail "no crash report for the kill"

# 3. Routes still deliver to the restarted process (by name).
send --key 6 --payload hello --count 10
for _ in $(seq 100); do
	[ "$(ctl --json info count.b | field "d['counter']['msgs']")" = 10 ] && break
	sleep 0.1
done
[ "$(ctl --json info count.b | field "d['counter']['msgs']")" = 10 ] || fail "count.b did not count 10"

# 4. A poison message crashes fault.a; the report names it, the reason and the key.
send --key 5 --payload fine --count 3
send --key 99 --payload poison
wait_for "t['fa']['restarts'] == 2 and t['fa']['state'] == 'running'"
ctl --json crashes >"$work/crashes.json"
python3 - "$work/crashes.json" <<'PY' || fail "poison crash report"
import json, sys
c = json.load(open(sys.argv[1]))["crashes"]
last = [r for r in c if r["reason"] == "poison_message"]
assert last, c
r = last[-1]
assert r["name"] == "fault.a" and r["behaviour"] == "fault" and r["last_key"] == "99", r
assert r["reductions"] == 4, r  # three fine messages and the poison
assert r["heap_bytes"] > 0, r
print("crash report:", r)
PY

# 5. Escalation: a third restart within the period is past feeds' intensity
#    (2): feeds gives up, root restarts feeds (one_for_one) with fresh children.
feeds0=$(python3 -c "import json; print(json.load(open('$work/t.json'))['feeds']['pid'])")
send --key 99 --payload poison
wait_for "t['feeds']['pid'] not in ('$feeds0', '-') and t['feeds']['restarts'] == 1 and t['fa']['state'] == 'running'"
[ "$(python3 -c "import json; print(json.load(open('$work/t.json'))['ec']['pid'])")" = "$ec0" ] ||
	fail "escalation restarted echo1 too (root is one_for_one)"
ctl --json crashes | python3 -c "
import json, sys
c = json.load(sys.stdin)['crashes']
assert any(r['reason'] == 'reached_max_restart_intensity' for r in c) or \
       sum(1 for r in c if r['reason'] == 'poison_message') >= 2, c" || fail "escalation not reported"

# 6. exit with a reason, and sup stop/start of one child.
ctl exit echo1 shutdown >/dev/null
wait_for "t['ec']['pid'] not in ('$ec0', '-') and t['ec']['state'] == 'running'"
ctl sup stop cb >/dev/null
wait_for "t['cb']['state'] == 'stopped'"
ctl info count.b >/dev/null 2>&1 && fail "a stopped child keeps its name"
ctl sup start cb >/dev/null
wait_for "t['cb']['state'] == 'running'"
ctl --json info count.b >/dev/null || fail "count.b not back after sup start"
ctl ps --sort reductions --top 5
ctl --json ps --sort memory --top 3 | field "len(d['procs'])" | grep -qx 3 || fail "ps --top 3"

# 7. The other views: ports, lcores (an idle worker with --idle-sleep-us backs off: it
# slept), memory.
ctl ports | grep -q "net_af_packet_sup$$" || fail "ports table"
ctl --json lcores | field "d['lcores'][0]['sleeps'] > 0 and 'busy_pct' in d['lcores'][0]" |
	grep -qx True || fail "lcores: an idle worker should have slept"
ctl --json memory | field "d['processes']['count'] == 5 and d['mbufs']['size'] > 0" |
	grep -qx True || fail "memory"

# 8. Clean stop: trees shut down in order, every mbuf back.
kill -TERM "$pid"
set +e
wait "$pid"
rc=$?
set -e
pid=""
[ "$rc" = 0 ] || fail "beamline exited $rc"
grep -q "every mbuf is back in its pool" "$work/daemon.log" || fail "mbufs not back"
echo "test_sup: ok"
