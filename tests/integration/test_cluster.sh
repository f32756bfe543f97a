#!/usr/bin/env bash
# A cluster of two beamline nodes on a real etcd (loopback, ports of its
# own, data in the scratch folder): each lists the other as a member; a
# cluster route added on A is applied on B and listed there as "cluster";
# a local route on B wins over it and, deleted, gives its place back; a
# cluster delete reaches both; etcd stopped: both keep their routes, say
# "degraded", refuse cluster writes; a route changed in etcd meanwhile is
# right on both once etcd is back, and a route deleted meanwhile is gone;
# a compaction while a node watches makes it resync whole; node B killed:
# its lease expires and A's member list drops it.
# Skips (77) when etcd is not installed (Debian: etcd-server).
set -euo pipefail
b=${BL_BUILD_DIR:?}
etcd_bin=$(command -v etcd || true)
[ -n "$etcd_bin" ] || { echo "SKIP: no etcd (Debian package etcd-server) to run a cluster against"; exit 77; }
command -v curl >/dev/null || { echo "SKIP: no curl to write to etcd directly"; exit 77; }

work=$(mktemp -d /tmp/bl-test-cluster.XXXXXX)
pid_a="" pid_b="" pid_etcd=""
cleanup() {
	for p in $pid_a $pid_b $pid_etcd; do
		if kill -0 "$p" 2>/dev/null; then kill -KILL "$p" 2>/dev/null || true; fi
	done
	rm -rf "$work"
}
trap cleanup EXIT
fail() {
	echo "test_cluster: FAIL: $*"
	for f in "$work"/*.log; do echo "--- $f"; tail -n 30 "$f"; done
	exit 1
}

# Two free loopback ports for etcd (client, peer): bound by the kernel, then freed.
read -r cport pport < <(python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])
for x in s: x.close()')
E="http://127.0.0.1:$cport"
cluster="t$$"

start_etcd() {
	"$etcd_bin" --name n1 --data-dir "$work/etcd" \
		--listen-client-urls "$E" --advertise-client-urls "$E" \
		--listen-peer-urls "http://127.0.0.1:$pport" --initial-advertise-peer-urls "http://127.0.0.1:$pport" \
		--initial-cluster "n1=http://127.0.0.1:$pport" >>"$work/etcd.log" 2>&1 &
	pid_etcd=$!
	for _ in $(seq 100); do
		curl -s -m 1 "$E/health" 2>/dev/null | grep -q '"health":"true"' && return 0
		kill -0 "$pid_etcd" 2>/dev/null || break
		sleep 0.1
	done
	fail "etcd did not come up"
}
stop_etcd() {
	kill -TERM "$pid_etcd"
	wait "$pid_etcd" || true
	pid_etcd=""
}
b64() { printf %s "$1" | base64 -w0; }
etcd_put() { curl -sf -m 2 "$E/v3/kv/put" -d "{\"key\":\"$(b64 "$1")\",\"value\":\"$(b64 "$2")\"}" >/dev/null; }

eal=(--no-huge --no-shconf --no-pci -m 256 --log-level=error)
# Node A's config writes a cluster route: the config form of route add --cluster.
printf 'route add 200 drop --cluster\nroute add 201 drop\n' >"$work/a.conf"
: >"$work/b.conf"
start_node() { # name, lcores
	local n=$1
	"$b/control/beamline" -l "$2" "${eal[@]}" --file-prefix "bl-cl-$n$$" --vdev "net_ring_$n$$" \
		-- --socket "$work/$n.sock" --cluster "$cluster" --node "$n" --etcd "$E" \
		--cluster-ttl 3 --config "$work/$n.conf" --check-mbufs >"$work/node-$n.log" 2>&1 &
	eval "pid_$n=\$!"
	for _ in $(seq 300); do [ -S "$work/$n.sock" ] && return 0; sleep 0.1; done
	fail "node $n did not come up"
}
ctl() { local n=$1; shift; "$b/control/beamctl" -s "$work/$n.sock" "$@"; }
# wait_for SECONDS DESCRIPTION COMMAND...: until the command succeeds.
wait_for() {
	local t=$1 what=$2; shift 2
	for _ in $(seq $((t * 10))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
	fail "$what (after ${t}s)"
}
step() { echo "[${SECONDS}s] $*"; }
py() { python3 -c "import json,sys; d=json.load(sys.stdin); $1"; }
members_are() { # node, names...
	local n=$1; shift
	ctl "$n" --json cluster | py "assert sorted(m['node'] for m in d['members']) == sorted('$*'.split()), d"
}
route_is() { # node, key, origin, action
	ctl "$1" --json route list | py "r = [x for x in d['routes'] if str(x['key']) == '$2']; assert r and r[0]['origin'] == '$3' and r[0]['action'] == '$4', r"
}
no_route() { # node, key
	ctl "$1" --json route list | py "assert not [x for x in d['routes'] if str(x['key']) == '$2'], d['routes']"
}
state_is() { ctl "$1" --json status | py "assert d['cluster']['state'] == '$2', d['cluster']"; }

start_etcd
start_node a 0,1
start_node b 0,1

# --- membership, both ways -------------------------------------------------------
step "membership, both ways"
wait_for 10 "A lists A and B" members_are a a b
wait_for 10 "B lists A and B" members_are b a b
ctl a --json cluster | py "
m = {x['node']: x for x in d['members']}
assert m['a']['self'] and not m['b']['self'], m
assert m['b']['reachable'] and m['b']['addr'] == '10.0.0.1' and m['b']['port'] == 7447, m
assert 0 <= m['b']['lease_age_s'] <= 3 and m['b']['lease_ttl_s'] == 3, m
assert d['state'] == 'joined' and d['name'] == '$cluster', d" || fail "cluster.members fields"
ctl a cluster >"$work/cluster.txt" || fail "beamctl cluster"
grep -q "REACHABLE" "$work/cluster.txt" || fail "beamctl cluster table: $(cat "$work/cluster.txt")"
state_is a joined || fail "status: A not joined"

# --- cluster routes ---------------------------------------------------------------
step "cluster routes"
wait_for 5 "A's config cluster route 200 on B" route_is b 200 cluster drop
route_is a 201 local drop || fail "A's config local route 201"
no_route b 201 || fail "A's local route reached B"
ctl a route add 100 drop --cluster >/dev/null || fail "route add --cluster on A"
wait_for 5 "cluster route 100 on B" route_is b 100 cluster drop
wait_for 5 "cluster route 100 on A" route_is a 100 cluster drop
ctl b route list | grep -E '^ +100 +drop.* cluster$' >/dev/null || fail "route list table: no ORIGIN cluster: $(ctl b route list)"
# Local wins on B; A keeps the cluster's.
ctl b route add 100 process nobody >/dev/null
route_is b 100 local process || fail "local route over a cluster one"
ctl a route add 100 group g1 --cluster >/dev/null
wait_for 5 "changed cluster route 100 on A" route_is a 100 cluster group
sleep 0.5
route_is b 100 local process || fail "a cluster change overrode B's local route"
# The cluster route cannot be deleted locally on A; B's local delete gives it back.
if ctl a route del 100 >"$work/out.txt" 2>&1; then fail "local delete of a cluster route on A succeeded"; fi
grep -q -- "--cluster" "$work/out.txt" || fail "refusal does not say how: $(cat "$work/out.txt")"
ctl b route del 100 >/dev/null
route_is b 100 cluster group || fail "B's held cluster route did not come back"
# A cluster delete reaches both.
ctl b route del 100 --cluster >/dev/null
wait_for 5 "cluster delete on A" no_route a 100
wait_for 5 "cluster delete on B" no_route b 100
# Bad values written into etcd by hand are skipped, counted, never a crash.
etcd_put "/beamline/$cluster/routes/77" '{"route":{"key":78,"action":"drop"}}'
etcd_put "/beamline/$cluster/routes/79" 'garbage'
ctl a route add 101 drop --cluster >/dev/null
ctl a route add 102 drop --cluster >/dev/null
wait_for 5 "route 102 on B" route_is b 102 cluster drop
no_route b 77 && no_route b 78 && no_route b 79 || fail "a bad value was applied"
ctl b --json status | py "assert d['cluster']['counters']['bad_values'] >= 2, d['cluster']" || fail "bad values not counted"

# --- etcd away: forwarding state kept, degraded, then resynced ------------------
step "etcd away: forwarding state kept, degraded, then resynced"
stop_etcd
wait_for 10 "A degraded" state_is a degraded
wait_for 10 "B degraded" state_is b degraded
route_is b 101 cluster drop || fail "B lost a cluster route while etcd was away"
if ctl a route add 103 drop --cluster >"$work/out.txt" 2>&1; then fail "cluster write accepted while degraded"; fi
grep -q "not reachable" "$work/out.txt" || fail "degraded refusal: $(cat "$work/out.txt")"
ctl a route add 5 drop >/dev/null || fail "local routes must still work while degraded"
start_etcd
# Changed while the nodes are still away (they retry every half second).
etcd_put "/beamline/$cluster/routes/101" '{"route":{"key":101,"action":"group","name":"back"}}'
curl -sf -m 2 "$E/v3/kv/deleterange" -d "{\"key\":\"$(b64 "/beamline/$cluster/routes/102")\"}" >/dev/null
wait_for 15 "A joined again" state_is a joined
wait_for 15 "B joined again" state_is b joined
wait_for 5 "route 101 changed on B" route_is b 101 cluster group
wait_for 5 "route 101 changed on A" route_is a 101 cluster group
wait_for 5 "route 102 gone from B" no_route b 102
wait_for 5 "route 102 gone from A" no_route a 102

# --- compaction: a node whose watch start is compacted reads everything again ----
step "compaction: a node whose watch start is compacted reads everything again"
stop_etcd
wait_for 10 "B degraded again" state_is b degraded
start_etcd
# Before the nodes come back: a delete, then compact the history it is in.
curl -sf -m 2 "$E/v3/kv/deleterange" -d "{\"key\":\"$(b64 "/beamline/$cluster/routes/101")\"}" >/dev/null
etcd_put "/beamline/$cluster/routes/104" '{"route":{"key":104,"action":"drop"}}'
rev=$(curl -sf -m 2 "$E/v3/kv/range" -d "{\"key\":\"$(b64 x)\"}" | py "print(d['header']['revision'])")
curl -sf -m 2 "$E/v3/kv/compaction" -d "{\"revision\":\"$rev\",\"physical\":true}" >/dev/null
wait_for 15 "B joined after the compaction" state_is b joined
wait_for 5 "route 101 gone from B" no_route b 101
wait_for 5 "route 104 on B" route_is b 104 cluster drop
# The race with the nodes' retry may let one resume before the compaction; either way the
# routes are right. Resyncs: at least the first full read.
ctl b --json status | py "assert d['cluster']['counters']['resyncs'] >= 1, d['cluster']"

# --- etcd replaced by an empty one: its revisions start again; the nodes read whole --
step "etcd replaced by an empty one"
stop_etcd
rm -rf "$work/etcd"
start_etcd
wait_for 15 "B joined the new etcd" state_is b joined
wait_for 15 "A joined the new etcd" state_is a joined
wait_for 5 "route 104 gone from B" no_route b 104
wait_for 5 "route 104 gone from A" no_route a 104
route_is a 5 local drop || fail "A's local route went with the cluster's"
ctl a route add 105 drop --cluster >/dev/null
wait_for 5 "a new cluster route on B" route_is b 105 cluster drop

# --- B killed: its lease expires, A drops it ----------------------------------------
step "B killed: its lease expires, A drops it"
kill -KILL "$pid_b"
wait "$pid_b" 2>/dev/null || true
pid_b=""
wait_for 10 "A drops B after its lease" members_are a a

# A stops cleanly: every mbuf back.
step "A stops cleanly: every mbuf back."
kill -TERM "$pid_a"
set +e
wait "$pid_a"
rc=$?
set -e
pid_a=""
[ "$rc" = 0 ] || fail "node A exited $rc"
grep -q "every mbuf is back in its pool" "$work/node-a.log" || fail "node A: mbufs missing"
stop_etcd
echo "cluster: membership, cluster routes, local wins, outage and resync, compaction, an empty etcd, lease expiry: all as expected"
