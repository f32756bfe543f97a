#!/usr/bin/env bash
# Global names across three nodes (docs/cluster.md, "Global names"), on a
# real etcd cluster of three members and a real link. Each node runs in a
# network namespace of its own: A (10.81.0.1), B (10.81.0.2) and C
# (10.81.0.3), each a net_af_packet port on a veth end in its namespace,
# the other ends on one Linux bridge in a fourth, "fabric" namespace:
#
#   host ns  10.81.1.2 --veth-- port 1 (10.81.1.1)  A ns  port 0 --veth--+
#                                                   B ns  port 0 --veth--+- bridge (fabric ns)
#                                                   C ns  port 0 --veth--+
#   A, B, C ns  10.82.M.1, .2, .3 --veth-- management bridge 10.82.M.254 (root ns)
#
# The bridge is in a namespace rather than the root one so that no data
# frame passes through the root namespace: whatever the machine runs there
# (a firewall or br_netfilter on bridged frames, a network manager) never
# sees the data plane, and deleting the namespaces takes all of it away.
# The etcd members stay in the root namespace, talking to each other on
# loopback; a node's namespace cannot reach the root's 127.0.0.1, so each
# node has a management veth to a bridge in the root namespace, and the
# members listen for clients on that bridge's address as well as on
# 127.0.0.1 (the test's own health checks). M is picked per run, skipping a
# /24 the root namespace already routes, so two runs at once do not share
# a subnet there. No link the test makes has IPv6, so no kernel chatter
# reaches a port (the host's own side keeps it, as a host would).
#
# C registers its counter `svc` cluster-wide; A gets a stand-in under the
# name, so that:
#   - `beamctl send svc ...` on A and on B reaches C's counter (a process
#     sends to a global name as to a local one), and A reaches B's `bsvc`;
#   - `beamctl call svc` on A crosses to C's counter and brings its answer;
#   - the nodes hear each other's heartbeats, with round trips, and A sees
#     C's link go down (when C is killed) before C's lease runs out; what
#     it sends C's name meanwhile is counted (node_down), not lost;
#   - a route on A, `route add 6 process svc`, takes frames that C's own
#     forward process sends to A back to C's counter (a route to a global
#     name), each message counted once at C;
#   - a host (a network namespace behind A's second port) pings C's echo
#     `esvc` through a route on A: every answer comes back to the host, from
#     A's address (C's echo answers a relay token, which takes the answer
#     back to A's stand-in, which sends it to the host);
#   - a group spanning the three nodes: a route on A to it reaches each
#     node's own member once, a copy crossing to B and to C and going no
#     further;
#   - a name refused: A cannot register svc; C cannot register a name no
#     process holds;
#   - the etcd member both nodes talk to first is killed: both go on with
#     the two left, keep their leases (no name or member flaps), and a
#     cluster route written after it reaches both;
#   - B loses etcd (its management link is cut): it keeps forwarding on
#     what it knew, reports itself degraded, and on its return has the
#     cluster routes changed meanwhile, with no stale one left;
#   - C gives the name up: A's stand-in goes, and what A's route sends to
#     svc is counted no_process there;
#   - C registers it again, then is killed: its lease expires and A and B
#     drop the name and their stand-ins.
# Skips (77) without etcd (Debian: etcd-server) or without root (namespaces,
# veth, bridges).
set -euo pipefail
b=${BL_BUILD_DIR:?}
etcd_bin=$(command -v etcd || true)
[ -n "$etcd_bin" ] || { echo "SKIP: no etcd (Debian package etcd-server) to run a cluster against"; exit 77; }
n=$$
work=$(mktemp -d /tmp/bl-test-gnames.XXXXXX)
# Namespaces: the nodes' bl-gn{a,b,c}-$n, the fabric's and the host's.
ns_f="bl-gnf-$n" ns="bl-gn-$n"
# Interfaces (at most 15 characters with a 7-digit pid): node x's port gn{A,B,C}$n
# (its bridge end ...f), A's second port gnH$n (the host's end gnh$n), node
# x's management end gnm{a,b,c}$n (its root end ...r), the bridges.
v_a="gnA$n" v_b="gnB$n" v_c="gnC$n" v_h="gnH$n" v_hi="gnh$n" br="gnBr$n" mbr="gnMg$n"
pid_a="" pid_b="" pid_c="" pid_e1="" pid_e2="" pid_e3="" made_links=() made_br="" made_ns=()
cleanup() {
	set +e
	for p in $pid_a $pid_b $pid_c $pid_e1 $pid_e2 $pid_e3; do
		if kill -0 "$p" 2>/dev/null; then kill -KILL "$p" 2>/dev/null; wait "$p" 2>/dev/null; fi
	done
	# The root namespace's links first (each takes its peer with it), then
	# the namespaces, with every link left in them.
	for l in "${made_links[@]}"; do ip link del "$l" 2>/dev/null; done
	[ -n "$made_br" ] && ip link del "$made_br" 2>/dev/null
	for s in "${made_ns[@]}"; do ip netns del "$s" 2>/dev/null; done
	for x in a b c; do rm -rf "/var/run/dpdk/bl-gn-$x$n" 2>/dev/null; done # EAL's runtime folders
	rm -rf "$work"
}
trap cleanup EXIT
fail() {
	echo "test_global_names: FAIL: $*"
	for f in "$work"/*.log; do echo "--- $f"; tail -n 30 "$f"; done
	exit 1
}
no_ipv6() { # namespace: no IPv6 on any link in it, now or later
	ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 2>/dev/null || true
}
if [ "$(id -u)" != 0 ] || ! ip netns add "$ns_f" 2>"$work/ns.err"; then
	echo "SKIP: cannot create network namespaces (needs root): $(cat "$work/ns.err" 2>/dev/null)"
	exit 77
fi
made_ns+=("$ns_f")
no_ipv6 "$ns_f"
if ! ip -n "$ns_f" link add "$br" type bridge 2>"$work/br.err"; then
	echo "SKIP: cannot create a bridge: $(cat "$work/br.err")"
	exit 77
fi
ip -n "$ns_f" link set "$br" up
# The management bridge, on a /24 nothing in the root namespace routes yet.
ip link add "$mbr" type bridge || fail "management bridge"
made_br=$mbr
sysctl -qw "net.ipv6.conf.$mbr.disable_ipv6=1" 2>/dev/null || true
m=$((n % 250))
for _ in $(seq 250); do
	[ -z "$(ip -4 route show root "10.82.$m.0/24")" ] && break
	m=$(((m + 1) % 250))
done
mgmt="10.82.$m"
ip addr add "$mgmt.254/24" dev "$mbr"
ip link set "$mbr" up
# Each node's namespace: its port, a veth to the fabric's bridge; its
# management veth to the root namespace's bridge.
i=0
for x in a b c; do
	i=$((i + 1))
	rns="bl-gn$x-$n" vn="v_$x" vm="gnm$x$n"
	v=${!vn}
	ip netns add "$rns" || fail "ip netns add $rns"
	made_ns+=("$rns")
	no_ipv6 "$rns"
	ip -n "$rns" link set lo up
	ip link add "$v" netns "$rns" type veth peer name "${v}f" netns "$ns_f" || fail "veth $v"
	ip -n "$ns_f" link set "${v}f" master "$br" up
	ip -n "$rns" link set "$v" up
	ip link add "${vm}r" type veth peer name "$vm" netns "$rns" || fail "veth $vm"
	made_links+=("${vm}r")
	sysctl -qw "net.ipv6.conf.${vm}r.disable_ipv6=1" 2>/dev/null || true
	ip link set "${vm}r" master "$mbr" up
	ip -n "$rns" addr add "$mgmt.$i/24" dev "$vm"
	ip -n "$rns" link set "$vm" up
done
# The host: a namespace behind A's second port.
ip netns add "$ns" || fail "ip netns add"
made_ns+=("$ns")
ip link add "$v_h" netns "bl-gna-$n" type veth peer name "$v_hi" netns "$ns" || fail "veth for the host"
ip -n "$ns" link set lo up
ip -n "$ns" addr add 10.81.1.2/24 dev "$v_hi"
ip -n "$ns" link set "$v_hi" up
ip -n "bl-gna-$n" link set "$v_h" up

# Six free ports (a client and a peer port for each member): bound by the
# kernel on every address, then freed.
read -r c1 p1 c2 p2 c3 p3 < <(python3 -c '
import socket
s = [socket.socket() for _ in range(6)]
for x in s: x.bind(("", 0))
print(*[x.getsockname()[1] for x in s])
for x in s: x.close()')
peers="e1=http://127.0.0.1:$p1,e2=http://127.0.0.1:$p2,e3=http://127.0.0.1:$p3"
start_member() { # name, client port, peer port
	"$etcd_bin" --name "$1" --data-dir "$work/$1" \
		--listen-client-urls "http://127.0.0.1:$2,http://$mgmt.254:$2" \
		--advertise-client-urls "http://$mgmt.254:$2,http://127.0.0.1:$2" \
		--listen-peer-urls "http://127.0.0.1:$3" --initial-advertise-peer-urls "http://127.0.0.1:$3" \
		--initial-cluster "$peers" --initial-cluster-state new >>"$work/$1.log" 2>&1 &
	eval "pid_$1=\$!"
}
start_member e1 "$c1" "$p1"
start_member e2 "$c2" "$p2"
start_member e3 "$c3" "$p3"
E="http://$mgmt.254:$c1,http://$mgmt.254:$c2,http://$mgmt.254:$c3"
for c in "$c1" "$c2" "$c3"; do
	for _ in $(seq 200); do
		curl -s -m 1 "http://127.0.0.1:$c/health" 2>/dev/null | grep -q '"health":"true"' && break
		sleep 0.1
	done
done
for x in a b c; do
	ip netns exec "bl-gn$x-$n" curl -s -m 2 "http://$mgmt.254:$c1/health" 2>/dev/null | grep -q '"health":"true"' ||
		fail "node $x's namespace cannot reach etcd at $mgmt.254:$c1"
done

start_node() { # name, interface, address, [more EAL and daemon words]
	local x=$1 iface=$2 addr=$3 p
	shift 3
	# ip netns exec execs the daemon: $! is the daemon's own pid.
	ip netns exec "bl-gn$x-$n" "$b/control/beamline" -l 0,1 --no-huge --no-shconf --no-pci -m 256 --log-level=error \
		--file-prefix "bl-gn-$x$n" --vdev "net_af_packet_gn$x$n,iface=$iface" "$@" \
		-- --socket "$work/$x.sock" --port-ip "0=$addr" --cluster "g$n" --node "$x" --etcd "$E" \
		--cluster-ttl 3 --check-mbufs ${more_opts:-} >"$work/node-$x.log" 2>&1 &
	p=$!
	eval "pid_$x=\$p"
	for _ in $(seq 300); do
		if [ -S "$work/$x.sock" ]; then
			if [ "$(readlink /proc/"$p"/exe)" != "$(readlink -f "$b/control/beamline")" ] ||
				[ "$(ip netns identify "$p")" != "bl-gn$x-$n" ]; then
				fail "node $x: pid $p is not beamline in bl-gn$x-$n"
			fi
			return 0
		fi
		sleep 0.1
	done
	fail "node $x did not come up"
}
ctl() { local x=$1; shift; "$b/control/beamctl" -s "$work/$x.sock" "$@"; }
py() { python3 -c "import json,sys; d=json.load(sys.stdin); $1"; }
wait_for() { # seconds, what, command...
	local t=$1 what=$2; shift 2
	for _ in $(seq $((t * 10))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
	fail "$what (after ${t}s)"
}
step() { echo "[${SECONDS}s] $*"; }
# stand_in_on NODE NAME [OWNER]: NODE runs a stand-in for NAME, OWNER's (c).
stand_in_on() {
	ctl "$1" --json global list | py "
e = [x for x in d['names'] if x['name'] == '$2']
assert e and not e[0]['local'] and e[0]['node'] == '${3:-c}', d
assert isinstance(e[0]['pid'], str) and e[0]['pid'], e" &&
		ctl "$1" --json info "$2" >/dev/null
}
no_name_on() { # node, name
	ctl "$1" --json global list | py "assert not [x for x in d['names'] if x['name'] == '$2'], d" &&
		! ctl "$1" --json info "$2" >/dev/null 2>&1
}
counted() { # key, count [node name]: C's svc (or NODE's NAME) counted so many for key
	ctl "${3:-c}" --json call "${4:-svc}" "$1" q --timeout 2000 |
		py "assert d['data'].startswith('key $1: $2 messages'), d"
}

more_opts="--port-ip 1=10.81.1.1 --metrics 127.0.0.1:9464" start_node a "$v_a" 10.81.0.1 --vdev "net_af_packet_gnh$n,iface=$v_h"
start_node b "$v_b" 10.81.0.2
start_node c "$v_c" 10.81.0.3
a_mac=$(ctl a --json ports | py "print(d['ports'][0]['mac'])")

step "C registers svc cluster-wide; A gets a stand-in"
ctl c spawn counter name svc >/dev/null || fail "spawn svc on C"
wait_for 10 "C joined" sh -c "'$b/control/beamctl' -s '$work/c.sock' --json status | grep -q '\"state\": *\"joined\"'"
out=$(ctl c --json global register svc) || fail "global register svc: $out"
echo "$out" | py "assert d['name'] == 'svc' and 0 <= d['index'] < 1024, d" || fail "register reply: $out"
wait_for 10 "A's stand-in for svc" stand_in_on a svc
ctl a global list >"$work/list.txt" || fail "global list"
cat "$work/list.txt"
grep -qE "^ +svc +c " "$work/list.txt" || fail "global list table: $(cat "$work/list.txt")"

step "a process send on A and on B reaches svc on C; A reaches B's bsvc"
for i in 1 2 3; do ctl a send svc 5 "hello $i" >/dev/null || fail "send svc on A"; done
wait_for 10 "C's counter got A's 3 messages" counted 5 3
wait_for 10 "B's stand-in for svc" stand_in_on b svc
for i in 1 2; do ctl b send svc 9 "from b $i" >/dev/null || fail "send svc on B"; done
wait_for 10 "C's counter got B's 2 messages" counted 9 2
ctl b spawn counter name bsvc >/dev/null || fail "spawn bsvc on B"
ctl b global register bsvc >/dev/null || fail "global register bsvc on B"
wait_for 10 "A's stand-in for bsvc" stand_in_on a bsvc b
ctl a send bsvc 4 "to b" >/dev/null || fail "send bsvc on A"
wait_for 10 "B's bsvc got A's message" counted 4 1 b bsvc

step "a call on A crosses to C's svc and its answer comes back"
out=$(ctl a --json call svc 5 q --timeout 3000) || fail "call svc on A: $out"
echo "$out" | py "assert d['status'] == 'ok' and d['data'].startswith('key 5: 3 messages'), d" ||
	fail "A's call to svc: $out"
ctl a --json info svc | py "assert d['remote']['calls'] >= 1 and d['remote']['answered'] >= 1, d" ||
	fail "A's stand-in did not carry the call: $(ctl a --json info svc)"

step "heartbeats: each node hears the other two, with a round trip"
hears() { # node, the two others
	ctl "$1" --json cluster | py "
m = {x['node']: x for x in d['members']}
for o in ('$2', '$3'):
    h = m[o]
    assert h['link'] == 'up' and h['hb_received'] > 0 and h['hb_sent'] > 0 and h['rtt_us'] > 0, h"
}
wait_for 10 "A hears B and C" hears a b c
wait_for 10 "B hears A and C" hears b a c
wait_for 10 "C hears A and B" hears c a b
ctl a cluster | sed -n '/^members/,$p'
# The same on A's Prometheus page (A's namespace has its own loopback).
ip netns exec "bl-gna-$n" curl -sf -m 5 http://127.0.0.1:9464/metrics >"$work/metrics.txt" ||
	fail "A's metrics page"
promtool check metrics <"$work/metrics.txt" >"$work/promtool.out" 2>&1 ||
	fail "promtool: $(cat "$work/promtool.out")"
for x in 10.81.0.2 10.81.0.3; do
	grep -q "^beamline_node_link_up{addr=\"$x\"} 1$" "$work/metrics.txt" ||
		fail "A's metrics: no link up to $x: $(grep beamline_node_ "$work/metrics.txt")"
	grep -qE "^beamline_node_rtt_seconds\{addr=\"$x\"\} [0-9.e-]+$" "$work/metrics.txt" ||
		fail "A's metrics: no round trip to $x"
done
ctl b --json stats | py "assert d['totals']['node_heartbeats'] > 0, d['totals']" ||
	fail "B's workers counted no heartbeat: $(ctl b --json stats)"

step "a route on A to svc"
ctl a route add 6 process svc >/dev/null || fail "route add 6 process svc on A"
ctl c spawn forward name toa port 0 ip 10.81.0.1 mac "$a_mac" >/dev/null || fail "spawn forward on C"
for i in 1 2 3 4; do ctl c send toa 6 "via A $i" >/dev/null || fail "send toa on C"; done
wait_for 10 "C's counter got the 4 messages A routed to svc" counted 6 4

step "a host pings C's echo through a route on A: answers come back"
ctl c spawn echo name esvc >/dev/null || fail "spawn echo on C"
ctl c global register esvc >/dev/null || fail "global register esvc"
wait_for 10 "A's stand-in for esvc" stand_in_on a esvc
ctl a route add 7 process esvc >/dev/null || fail "route add 7 process esvc on A"
out=$(ip netns exec "$ns" "$b/client/blmsg" ping 10.81.1.1:7447 --key 7 --count 20 --interval 20 \
	--size 48 --timeout 2000 2>&1) || {
	for x in a c; do
		ctl "$x" info esvc >"$work/info-$x.log" 2>&1
		ctl "$x" --json global list >"$work/global-$x.log" 2>&1
		ctl "$x" --json cluster >>"$work/global-$x.log" 2>&1
		ctl "$x" stats | grep -vE " 0$" >"$work/stats-$x.log" 2>&1
	done
	fail "ping through A to C's echo: $out"
}
echo "$out" | tail -2
echo "$out" | grep -q "^ping sent=20 received=20 lost=0 " || fail "not every ping answered: $out"
ctl a --json info esvc | py "assert d['remote']['answered'] >= 20, d" || fail "A's stand-in did not count its answers: $(ctl a --json info esvc)"

step "a group across the three nodes: each node's member gets each message once"
for x in a b c; do
	ctl "$x" spawn counter name "g$x" >/dev/null || fail "spawn g$x on $x"
	ctl "$x" group join G "g$x" >/dev/null || fail "group join G on $x"
	ctl "$x" global group G >/dev/null || fail "global group G on $x"
done
group_stand_ins() { # node, the two other nodes
	ctl "$1" --json global list | py "
s = sorted(x['name'] for x in d['names'] if x.get('group') == 'G' and x['pid'])
assert s == ['G@$2', 'G@$3'], d"
}
wait_for 10 "A's stand-ins for G" group_stand_ins a b c
wait_for 10 "B's stand-ins for G" group_stand_ins b a c
wait_for 10 "C's stand-ins for G" group_stand_ins c a b
ctl a route add 20 group G >/dev/null || fail "route add 20 group G on A"
for i in 1 2 3; do ctl c send toa 20 "to G $i" >/dev/null || fail "send toa 20 on C"; done
for x in a b c; do wait_for 10 "$x's member of G got 3" counted 20 3 "$x" "g$x"; done
sleep 1 # a copy sent round would arrive by now
for x in a b c; do counted 20 3 "$x" "g$x" || fail "$x's member of G got more than 3"; done
ctl b --json info G@c | py "assert d['remote']['kept'] >= 3 and d['remote']['sent'] == 0, d" ||
	fail "B's stand-in for C sent on what came from A: $(ctl b --json info G@c)"

step "refusals"
out=$(ctl a global register svc 2>&1) && fail "A registered C's svc: $out"
echo "$out" | grep -q "global name of node c" || fail "A's refusal: $out"
out=$(ctl c global register nosuch 2>&1) && fail "C registered a name nobody holds: $out"
echo "$out" | grep -q "no process is registered here under nosuch" || fail "C's refusal: $out"

step "an etcd member dies: the nodes go on with the other two"
started=$(ctl a --json global list | py "print(d['stand_ins_started'])")
kill -KILL "$pid_e1"
wait "$pid_e1" 2>/dev/null || true
pid_e1=""
route_on() { ctl "$1" --json route list | py "assert [x for x in d['routes'] if str(x['key']) == '$2'], d"; }
wait_for 20 "a cluster route written after the kill on A" sh -c \
	"'$b/control/beamctl' -s '$work/c.sock' route add 301 drop --cluster >/dev/null 2>&1; '$b/control/beamctl' -s '$work/a.sock' --json route list | grep -q '\"key\": *301'"
route_on c 301 || fail "C lacks its own cluster route 301"
for x in a b c; do
	wait_for 10 "node $x joined again" sh -c "'$b/control/beamctl' -s '$work/$x.sock' --json status | grep -q '\"state\": *\"joined\"'"
	ctl "$x" --json status | py "assert d['cluster']['counters']['leases_kept'] >= 1, d['cluster']" ||
		fail "node $x took a new lease: $(ctl "$x" --json status)"
done
ctl a --json global list | py "assert d['stand_ins_started'] == $started, d" ||
	fail "svc's stand-in was started again: the name flapped"
ctl a send svc 5 "after the member died" >/dev/null || fail "send svc on A after the kill"
wait_for 10 "C's counter got it" counted 5 4

step "B loses etcd (its management link cut): it forwards on, degraded; back, it resyncs"
state_is() { ctl "$1" --json status | py "assert d['cluster']['state'] == '$2', d['cluster']"; }
no_route_on() { ctl "$1" --json route list | py "assert not [x for x in d['routes'] if str(x['key']) == '$2'], d"; }
ctl a route add 401 drop --cluster >/dev/null || fail "route add 401 --cluster on A"
wait_for 10 "route 401 on B" route_on b 401
ip -n "bl-gnb-$n" link set "gnmb$n" down
wait_for 20 "B degraded" state_is b degraded
route_on b 401 || fail "B dropped a cluster route while cut off from etcd"
ctl b send svc 9 "from b, cut off" >/dev/null || fail "send svc on B while degraded"
wait_for 10 "C's counter got B's message sent while B was cut off" counted 9 3
# Changed on etcd while B is away.
ctl a route del 401 --cluster >/dev/null || fail "route del 401 --cluster on A"
ctl a route add 402 drop --cluster >/dev/null || fail "route add 402 --cluster on A"
wait_for 10 "route 402 on C" route_on c 402
ip -n "bl-gnb-$n" link set "gnmb$n" up
wait_for 20 "B joined again" state_is b joined
wait_for 10 "route 401 gone from B" no_route_on b 401
wait_for 10 "route 402 on B" route_on b 402
wait_for 10 "A's stand-in for B's bsvc after B's return" stand_in_on a bsvc b

step "C gives svc up: A's stand-in goes; A's route counts no_process"
ctl c global unregister svc >/dev/null || fail "global unregister svc"
wait_for 10 "A dropped svc" no_name_on a svc
np0=$(ctl a --json stats | py "print(d['msg_drops']['no_process'])")
for i in 1 2; do ctl c send toa 6 "lost $i" >/dev/null || fail "send toa on C"; done
wait_for 10 "A counted 2 no_process" sh -c "[ \$('$b/control/beamctl' -s '$work/a.sock' --json stats | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"msg_drops\"][\"no_process\"])') -ge $((np0 + 2)) ]"
counted 6 4 || fail "C's counter counted messages sent after svc was given up"

step "C registers again, then dies: A drops svc within the lease"
ctl c global register svc >/dev/null || fail "register svc again"
wait_for 10 "A's stand-in for svc again" stand_in_on a svc
kill -KILL "$pid_c"
wait "$pid_c" 2>/dev/null || true
pid_c=""
# The link is seen down within a second, while the lease still lists C.
c_down() {
	ctl a --json cluster | py "
m = {x['node']: x for x in d['members']}
assert 'c' in m and m['c']['link'] == 'down', m.get('c')"
}
wait_for 3 "A sees C's heartbeats stop while its lease still runs" c_down
# Meanwhile what A's route sends C's name is counted on A (node_down while
# the stand-in stands, no_process once the name has gone), never lost.
drops_a() { ctl a --json stats | py "print(d['ptx_drops']['node_down'], d['msg_drops']['no_process'])"; }
read -r nd0 np0 < <(drops_a)
ip netns exec "$ns" "$b/client/blmsg" send 10.81.1.1:7447 --key 6 --payload "to a dead node" \
	--count 3 >/dev/null || fail "host's send to key 6 while C is down"
counted_on_a() { read -r nd np < <(drops_a) && [ $((nd - nd0 + np - np0)) -ge 3 ]; }
wait_for 10 "A counted the 3 messages for the dead node's name" counted_on_a
read -r nd np < <(drops_a)
echo "messages for C's name while C is down: node_down $((nd - nd0)), no_process $((np - np0))"
wait_for 10 "A dropped the dead node's svc" no_name_on a svc
wait_for 10 "B dropped the dead node's svc" no_name_on b svc
stand_in_on a bsvc b || fail "A lost B's bsvc when C died"
ctl a --json global list | py "assert d['stand_ins_started'] >= 2 and d['stand_ins_stopped'] >= 2, d" ||
	fail "stand-in counts: $(ctl a --json global list)"

for x in a b; do
	eval "p=\$pid_$x"
	kill -TERM "$p"
	rc=0
	wait "$p" || rc=$?
	eval "pid_$x=''"
	[ "$rc" = 0 ] || fail "node $x exited $rc"
	grep -q "every mbuf is back in its pool" "$work/node-$x.log" || fail "$x: mbufs not all back"
done
echo "test_global_names: OK"
