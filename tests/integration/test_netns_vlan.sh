#!/usr/bin/env bash
# VLANs against the Linux kernel: beamline on net_af_packet at the outer end
# of a veth pair whose inner end, in a network namespace, has an untagged
# address and VLAN sub-interfaces (`ip link add ... type vlan id 100`).
#
#   namespace                                   root ns
#   blvI   10.78.1.2   (untagged) ==veth== blvO -- net_af_packet (port 0)
#   blvI.100 10.78.100.2 (VLAN 100)                beamline: 10.78.1.1,
#   blvI.200 10.78.200.2 (VLAN 200)                VLAN 100 10.78.100.1
#
# blmsg sends untagged to a key routed to the VLAN 100 address (untagged in,
# tagged out: the kernel's VLAN device must take it), and on VLAN 100 to a
# key routed to the untagged address (tagged in, untagged out); frames on
# VLAN 200, which the port does not accept, are counted vlan_unknown. The
# port asks for the VLAN insert offload, which net_af_packet offers (it
# inserts in software), so that path is the one taken here.
#
# Needs root, veth and the 8021q module; without them: SKIP, exit 77.
set -euo pipefail
b=${BL_BUILD_DIR:?}
n=$$
ns="bl-vlan-$n"
v_o="blvO$n" v_i="blvI$n" v_100="blvA$n" v_200="blvB$n"
work=$(mktemp -d /tmp/bl-test-netns-vlan.XXXXXX)
sock="$work/ctl.sock"
pids=()
made_ns=""
made_link=""

cleanup() {
	set +e
	local p
	for p in "${pids[@]}"; do
		kill -TERM "$p" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	[ -n "$made_ns" ] && ip netns del "$made_ns" 2>/dev/null
	[ -n "$made_link" ] && ip link del "$made_link" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

fail() {
	echo "test_netns_vlan: FAIL: $*"
	local f
	for f in "$work"/*.log "$work"/*.err; do
		[ -s "$f" ] && { echo "--- $f"; tail -30 "$f"; }
	done
	exit 1
}
skip() {
	echo "SKIP: $*"
	exit 77
}

[ "$(id -u)" = 0 ] || skip "needs root for network namespaces"
ip netns add "$ns" 2>"$work/netns.err" || skip "cannot create a namespace: $(cat "$work/netns.err")"
made_ns=$ns
ip link add "$v_o" type veth peer name "$v_i" 2>"$work/veth.err" ||
	skip "cannot create veth pairs: $(cat "$work/veth.err")"
made_link=$v_o
ip link set "$v_i" netns "$ns"
ip -n "$ns" link add link "$v_i" name "$v_100" type vlan id 100 2>"$work/vlan.err" ||
	skip "cannot create a VLAN device (8021q): $(cat "$work/vlan.err")"
ip -n "$ns" link add link "$v_i" name "$v_200" type vlan id 200
ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
ip -n "$ns" addr add 10.78.1.2/24 dev "$v_i"
ip -n "$ns" addr add 10.78.100.2/24 dev "$v_100"
ip -n "$ns" addr add 10.78.200.2/24 dev "$v_200"
for l in lo "$v_i" "$v_100" "$v_200"; do ip -n "$ns" link set "$l" up; done
ip link set "$v_o" up
mac_i=$(ip netns exec "$ns" cat "/sys/class/net/$v_i/address")

"$b/control/beamline" -l 0,1 --no-huge --no-shconf --no-pci -m 512 --file-prefix "bl-nsvlan-$n" \
	--log-level=warning --vdev "net_af_packet_v$n,iface=$v_o" \
	-- --socket "$sock" --port-ip 0=10.78.1.1 --port-vlans 0=100 \
	--port-vlan-ip 0.100=10.78.100.1 --check-mbufs >"$work/daemon.log" 2>&1 &
daemon=$!
pids+=("$daemon")
for _ in $(seq 300); do [ -S "$sock" ] && break; kill -0 "$daemon" 2>/dev/null || break; sleep 0.1; done
[ -S "$sock" ] || fail "beamline did not come up on net_af_packet"
ctl() { "$b/control/beamctl" -s "$sock" "$@"; }
jfield() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

mac0=$(ctl --json status | jfield "d['ports'][0]['mac'].lower()")
ctl route add 1100 port 0 mac "$mac_i" ip 10.78.100.2 udp 7600 vlan 100 >/dev/null ||
	fail "route add with vlan"
ctl route add 1200 port 0 mac "$mac_i" ip 10.78.1.2 udp 7601 >/dev/null || fail "route add"
# The router does not answer ARP: static neighbours, on each VLAN too.
for a in 10.78.1.1:"$v_i" 10.78.100.1:"$v_100" 10.78.200.1:"$v_200"; do
	ip -n "$ns" neigh replace "${a%%:*}" lladdr "$mac0" dev "${a#*:}" nud permanent
done

count=40
ip netns exec "$ns" "$b/client/blmsg" recv --bind 10.78.100.2:7600 --count "$count" --seconds 20 \
	--quiet >"$work/recv100.log" 2>"$work/recv100.err" &
r100=$!
pids+=("$r100")
ip netns exec "$ns" "$b/client/blmsg" recv --bind 10.78.1.2:7601 --count "$count" --seconds 20 \
	--quiet >"$work/recv0.log" 2>"$work/recv0.err" &
r0=$!
pids+=("$r0")
for f in recv100 recv0; do
	for _ in $(seq 200); do grep -q "listening on" "$work/$f.err" 2>/dev/null && break; sleep 0.05; done
done

send() { ip netns exec "$ns" "$b/client/blmsg" send "$1" --key "$2" --payload "vlan test $2" \
	--count "$count" --batch 4 >>"$work/send.log" 2>&1 || fail "blmsg send $1 key $2"; }
send 10.78.1.1:7447 1100   # untagged in, tagged out (VLAN 100)
send 10.78.100.1:7447 1200 # tagged in (VLAN 100), untagged out
send 10.78.200.1:7447 1200 # VLAN 200: not accepted

rc=0
wait "$r100" || rc=$?
[ "$rc" = 0 ] || fail "the VLAN 100 receiver got fewer than $count messages (exit $rc)"
wait "$r0" || rc=$?
[ "$rc" = 0 ] || fail "the untagged receiver got fewer than $count messages (exit $rc)"

ctl --json stats >"$work/stats.json"
python3 - "$work/stats.json" "$count" <<'PY' || fail "stats"
import json, sys
st, count = json.load(open(sys.argv[1])), int(sys.argv[2])
t, d = st["totals"], st["pkt_drops"]
frames = count // 4
assert t["fwd_msgs"] == 2 * count, t
assert d["vlan_unknown"] == frames, d
print("netns vlan: %d messages each way through VLAN 100, %d frames vlan_unknown" %
      (count, d["vlan_unknown"]))
PY

kill -TERM "$daemon"
rc=0
wait "$daemon" || rc=$?
pids=()
[ "$rc" = 0 ] || fail "beamline exited $rc after SIGTERM (3: mbufs missing)"
grep -q "every mbuf is back in its pool" "$work/daemon.log" || fail "mbufs not all back"
echo "test_netns_vlan: ok"
