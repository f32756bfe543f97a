#!/usr/bin/env bash
# Neighbours against the kernel: a Linux host (a veth end in a network
# namespace) reaches the router by ARP and by IPv6 neighbour discovery with
# no static entry, and the router resolves the host's MAC itself for routes
# given without `mac`, over both families; then the entry ages (stale,
# probe) and is confirmed again by the host's kernel; a next hop nobody
# answers for fails, and the frames held for it are dropped as unresolved;
# an echo process answers the host's IPv6 socket over IPv6, and blmsg
# pings and sends over IPv6.
#
#   host ns                        root ns
#   blnI (10.78.1.2, fd78::2) ==veth== blnO -- net_af_packet (port 0:
#                                              10.78.1.1, fd78::1) beamline
#
# tcpdump captures the host's side; tshark reads it back: the router's ARP
# reply and neighbour advertisement, its ARP request and solicitation, and
# the forwarded frames addressed to the host's MAC.
#
# Needs root (namespaces, veth) and tcpdump/tshark; without them: SKIP (77).
set -euo pipefail
b=${BL_BUILD_DIR:?}
beamline="$b/control/beamline"
beamctl="$b/control/beamctl"
blmsg="$b/client/blmsg"

n=$$
ns="bl-nb-$n"
v_o="blnO$n" v_i="blnI$n"
work=$(mktemp -d /tmp/bl-test-neigh.XXXXXX)
sock="$work/ctl.sock"
pids=()
made_ns=""
made_link=""

stop_pid() {
	local p=$1 sig=${2:-TERM} _ rc=0
	kill -"$sig" "$p" 2>/dev/null || true
	for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$p" 2>/dev/null && kill -KILL "$p" 2>/dev/null
	wait "$p" 2>/dev/null || rc=$?
	local keep=() q
	for q in "${pids[@]}"; do [ "$q" = "$p" ] || keep+=("$q"); done
	pids=("${keep[@]}")
	return "$rc"
}

cleanup() {
	set +e
	local i
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
		kill -0 "${pids[i]}" 2>/dev/null && stop_pid "${pids[i]}" KILL
	done
	[ -n "$made_ns" ] && ip netns del "$made_ns" 2>/dev/null
	[ -n "$made_link" ] && ip link del "$made_link" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

fail() {
	echo "test_neigh: FAIL: $*"
	local f
	for f in "$work"/*.log "$work"/*.err "$work"/*.txt; do
		[ -s "$f" ] && { echo "--- $f"; tail -30 "$f"; }
	done
	exit 1
}

for t in tcpdump tshark ethtool; do
	command -v "$t" >/dev/null || { echo "SKIP: $t not installed"; exit 77; }
done
# shellcheck source-path=SCRIPTDIR source=netns.sh
. "$(cd "$(dirname "$0")" && pwd)/netns.sh"
bl_netns_host "$ns" "$v_o" "$v_i" 10.78.1.2/24
if ! ip -n "$ns" addr add fd78::2/64 dev "$v_i" nodad 2>"$work/ip6.err"; then
	echo "SKIP: no IPv6 in the namespace: $(cat "$work/ip6.err")"
	exit 77
fi
host_mac=$(ip netns exec "$ns" cat "/sys/class/net/$v_i/address")

ctl() { "$beamctl" -s "$sock" "$@"; }
jq_() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

# Every frame the host's side sees, both ways, written as it comes.
ip netns exec "$ns" tcpdump -i "$v_i" -U --immediate-mode -Z root -n -s 0 -w "$work/host.pcap" \
	>/dev/null 2>"$work/tcpdump.err" &
cap=$!
pids+=("$cap")
for _ in $(seq 100); do grep -q "listening on" "$work/tcpdump.err" 2>/dev/null && break; sleep 0.05; done

# Retransmits 1 s apart: a probe's three tries then span 3 s, which a loaded
# machine's kernel answers in (a neighbour that answers must never go failed).
"$beamline" -l 0,1 --no-huge --no-shconf --no-pci -m 512 --file-prefix "bl-neigh-$n" \
	--log-level=warning --vdev "net_af_packet_nb$n,iface=$v_o" \
	-- --socket "$sock" --port-ip 0=10.78.1.1 --port-ip 0=fd78::1 --check-mbufs \
	--neigh-reachable-ms 1500 --neigh-retrans-ms 1000 >"$work/daemon.log" 2>&1 &
daemon=$!
pids+=("$daemon")
for _ in $(seq 300); do [ -S "$sock" ] && break; kill -0 "$daemon" 2>/dev/null || break; sleep 0.1; done
[ -S "$sock" ] || fail "beamline did not come up"
router_mac=$(ctl --json ports | jq_ "d['ports'][0]['mac'].lower()")

# --- 1. the host reaches the router: ARP and ND answered ------------------------------
# A datagram to each of the router's addresses makes the host's kernel ask for
# its MAC; nothing static anywhere.
ip netns exec "$ns" python3 - <<'PY' || fail "host: cannot send"
import socket, time
for fam, addr in ((socket.AF_INET, "10.78.1.1"), (socket.AF_INET6, "fd78::1")):
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.sendto(b"x", (addr, 7447))
time.sleep(0.1)
PY
for addr in 10.78.1.1 fd78::1; do
	got=""
	deadline=$((SECONDS + 20))
	while [ $SECONDS -lt $deadline ]; do
		got=$(ip -n "$ns" neigh show to "$addr" dev "$v_i" | awk '{print $3" "$NF}')
		case $got in "$router_mac "*) case $got in *FAILED* | *INCOMPLETE*) ;; *) break ;; esac ;; esac
		sleep 0.05
	done
	case $got in
	"$router_mac "*) echo "host: $addr is at $got" ;;
	*) fail "host's neighbour entry for $addr: '$got' (router $router_mac)" ;;
	esac
done

# --- 2. the router resolves the host: routes without mac -------------------------------
ctl route add 5 port 0 ip 10.78.1.2 udp 9999 >/dev/null || fail "route add without mac (IPv4)"
ctl route add 6 port 0 ip fd78::2 udp 9999 >/dev/null || fail "route add without mac (IPv6)"
states=""
deadline=$((SECONDS + 20))
while [ $SECONDS -lt $deadline ]; do
	ctl --json neigh >"$work/neigh.json"
	states=$(jq_ "' '.join(sorted(n['ip']+'='+n['state']+'/'+str(n['mac']).lower() for n in d['neighbours']))" <"$work/neigh.json")
	[ "$states" = "10.78.1.2=reachable/$host_mac fd78::2=reachable/$host_mac" ] && break
	sleep 0.05
done
[ "$states" = "10.78.1.2=reachable/$host_mac fd78::2=reachable/$host_mac" ] ||
	fail "router's neighbours: '$states' (host $host_mac)"
echo "router: $states"
ctl route list >"$work/routes.txt"
grep -q "NEIGH" "$work/routes.txt" && grep -qE "10\.78\.1\.2 .*(reachable|stale|probe)" "$work/routes.txt" ||
	fail "route list does not show the neighbour's state"
ctl neigh >"$work/neigh.txt"
grep -q "fd78::2" "$work/neigh.txt" || fail "beamctl neigh does not list fd78::2"

# Messages to both keys reach the host, to its MAC.
out=$(ip netns exec "$ns" "$blmsg" send 10.78.1.1:7447 --key 5 --payload v4 --count 3) || fail "send key 5"
out=$(ip netns exec "$ns" "$blmsg" send 10.78.1.1:7447 --key 6 --payload v6 --count 3) || fail "send key 6"

# --- 3. aging: stale, probe, confirmed again by the host's kernel ---------------------
# seen is the sequence of states, one word per change (reachable stale
# probe reachable ...): the entry is confirmed again once reachable follows
# stale or probe in it. Time-bound, not count-bound: each round is a beamctl
# and a python start, slow on a loaded machine.
seen="" last=""
deadline=$((SECONDS + 40))
while [ $SECONDS -lt $deadline ]; do
	st=$(ctl --json neigh | jq_ "[n['state'] for n in d['neighbours'] if n['ip']=='10.78.1.2'][0]")
	[ "$st" = "$last" ] || { seen="$seen $st"; last=$st; }
	case $seen in *probe*reachable* | *stale*reachable*) [ "$st" = reachable ] && break ;; esac
	sleep 0.05
done
case $seen in *stale* | *probe*) ;; *) fail "the entry never aged: states seen:$seen" ;; esac
[ "$st" = reachable ] || fail "the entry was not confirmed again: states seen:$seen"
echo "aging: states seen:$seen"
# The IPv6 entry aged the same way and was confirmed by the host's
# advertisements (which answer a unicast probe without a link-layer option).
nfail=$(ctl --json neigh | jq_ "d['stats']['failed']")
[ "$nfail" = 0 ] || fail "a neighbour that answers went failed ($nfail): $(ctl neigh)"

# --- 4. failed: nobody at 10.78.1.9; its frames are held, then dropped ----------------
unres0=$(ctl --json neigh | jq_ "d['stats']['unresolved_msgs']")
ctl route add 7 port 0 ip 10.78.1.9 udp 9999 >/dev/null || fail "route add 7"
ip netns exec "$ns" "$blmsg" send 10.78.1.1:7447 --key 7 --payload lost --count 2 >/dev/null ||
	fail "send key 7 (unresolved)"
st="" unres=$unres0
deadline=$((SECONDS + 30))
while [ $SECONDS -lt $deadline ]; do
	ctl --json neigh >"$work/neigh.json"
	st=$(jq_ "[n['state'] for n in d['neighbours'] if n['ip']=='10.78.1.9'][0]" <"$work/neigh.json")
	unres=$(jq_ "d['stats']['unresolved_msgs']" <"$work/neigh.json")
	[ "$st" = failed ] && [ "$unres" -ge $((unres0 + 2)) ] && break
	sleep 0.05
done
[ "$st" = failed ] || fail "10.78.1.9 did not fail (state $st)"
[ "$unres" -ge $((unres0 + 2)) ] || fail "held messages not dropped as unresolved ($unres0 -> $unres)"
echo "failed: 10.78.1.9 unanswered, its 2 held messages dropped as neigh_unresolved"

# --- 5. answers to an IPv6 host: an echo's answer goes back over IPv6 ----------------
# The host's kernel is the peer: a connected IPv6 UDP socket gets the answer
# only if it comes from the address and port it sent to, with a right UDP
# checksum (mandatory over IPv6; the kernel drops a wrong one).
ctl spawn echo name e6 >/dev/null || fail "spawn echo"
ctl route add 8 process e6 >/dev/null || fail "route add 8 process e6"
# A veth leaves the UDP checksum of what the host sends to be filled by
# a NIC that is not there (checksum offload), and net_af_packet does not
# say so: the host's kernel fills it itself once offload is off.
ip netns exec "$ns" ethtool -K "$v_i" tx off >/dev/null || fail "ethtool -K $v_i tx off"
ip netns exec "$ns" python3 - <<'PY' >"$work/echo6.txt" 2>&1 || fail "IPv6 echo: $(cat "$work/echo6.txt"); stats: $(ctl stats | grep -vE ' 0$')"
import socket, struct
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.settimeout(2.0)
s.connect(("fd78::1", 7447))
got = 0
for seq in range(5):
    body = b"ping over IPv6 %d" % seq
    frame = struct.pack(">IHHQ", 0x424C4D31, 1, 0, seq) + struct.pack(">IHHQ", len(body), 0, 0, 8) + body
    s.send(frame)
    a = s.recv(2048)
    magic, count = struct.unpack(">IH", a[:6])
    ln, kind, _, key = struct.unpack(">IHHQ", a[16:32])
    assert magic == 0x424C4D31 and count == 1 and kind == 0 and key == 8, a
    assert a[32:32 + ln] == body, a
    got += 1
print("echo6: %d of 5 answered over IPv6" % got)
PY
cat "$work/echo6.txt"
# blmsg over IPv6: pings answered, and a send counted by a counter.
out=$(ip netns exec "$ns" "$blmsg" ping "[fd78::1]:7447" --key 8 --count 10 --interval 10 \
	--timeout 2000 2>&1) || fail "blmsg ping over IPv6: $out"
echo "$out" | grep -q "^ping sent=10 received=10 lost=0 " || fail "blmsg ping over IPv6: $out"
echo "$out" | grep -q "from \[fd78::1\]:7447" || fail "blmsg ping: answers not from [fd78::1]:7447: $out"
echo "$out" | tail -1
ctl spawn counter name c6 >/dev/null || fail "spawn counter"
ctl route add 9 process c6 >/dev/null || fail "route add 9 process c6"
ip netns exec "$ns" "$blmsg" send "[fd78::1]:7447" --key 9 --payload six --count 100 >/dev/null ||
	fail "blmsg send over IPv6"
got=""
for _ in $(seq 50); do
	got=$(ctl --json call c6 9 q --timeout 2000 | jq_ "d['data']")
	case $got in "key 9: 100 messages"*) break ;; esac
	sleep 0.1
done
case $got in "key 9: 100 messages"*) echo "blmsg send over IPv6: $got" ;; *) fail "counter after 100 sent over IPv6: $got" ;; esac

# --- 6. stop; read the host's side back -------------------------------------------
sleep 0.3
stop_pid "$daemon" TERM || fail "beamline exited non-zero (3: mbufs missing)"
grep -q "every mbuf is back in its pool" "$work/daemon.log" || fail "mbufs not all back"
stop_pid "$cap" TERM || true

tshark -r "$work/host.pcap" -T fields -E separator=' ' -e eth.src -e eth.dst -e arp.opcode \
	-e arp.dst.proto_ipv4 -e icmpv6.type -e icmpv6.nd.ns.target_address \
	-e icmpv6.nd.na.target_address -e udp.dstport -e ip.dst -e ipv6.dst \
	>"$work/frames.txt" 2>"$work/tshark.err" || fail "tshark"
from_router() { awk -v r="$router_mac" '$1 == r' "$work/frames.txt"; }
from_router | grep -qE "^$router_mac $host_mac 2 " || fail "no ARP reply from the router to the host"
from_router | grep -qE " 1 10\.78\.1\.2( |$)" || fail "no ARP request from the router for 10.78.1.2"
from_router | grep -qE " 136 .*fd78::1" || fail "no neighbour advertisement of fd78::1"
from_router | grep -qE " 135 fd78::2" || fail "no neighbour solicitation for fd78::2"
v4=$(from_router | grep -cE "^$router_mac $host_mac .* 9999 10\.78\.1\.2" || true)
v6=$(from_router | grep -cE "^$router_mac $host_mac .* 9999 +fd78::2" || true)
[ "$v4" -ge 1 ] || fail "no forwarded IPv4 frame to the host's MAC"
[ "$v6" -ge 1 ] || fail "no forwarded IPv6 frame to the host's MAC"
echo "wire: ARP reply, NA, ARP request, NS, $v4 IPv4 and $v6 IPv6 frames to $host_mac"
echo "test_neigh: OK"
