#!/usr/bin/env bash
# The kernel path: beamline between two network namespaces, through veth pairs.
#
#   sender ns                 root ns                          receiver ns
#   blsI (10.77.1.2) ==veth== blsO -- net_af_packet0 (port 0, 10.77.1.1)
#                                     beamline
#   blrI (10.77.2.2) ==veth== blrO -- net_af_packet1 (port 1, 10.77.2.1)
#
# The sender namespace runs `blmsg send` (several keys and sizes, batched) and
# a few hand-built mixed frames; the receiver namespace runs `blmsg recv`.
# tcpdump captures both sides of the router; tshark decodes the captures and
# netns_frames.py checks every header field and every message byte against the
# plan, and the router's `beamctl --json stats` against what was sent (every
# message forwarded or dropped under its name). Then the same through net_tap
# (the tap interfaces bridged to the outer veth ends), and, once the daemon
# has `spawn`, a ping round trip through an echo process.
#
# Needs root (namespaces, veth, bridges); without it: SKIP, exit 77.
set -euo pipefail
b=${BL_BUILD_DIR:?}
here=$(cd "$(dirname "$0")" && pwd)
helper="$here/netns_frames.py"
beamline="$b/control/beamline"
beamctl="$b/control/beamctl"
blmsg="$b/client/blmsg"

n=$$
ns_s="bl-snd-$n" ns_r="bl-rcv-$n"
v_so="blsO$n" v_si="blsI$n" v_ro="blrO$n" v_ri="blrI$n" # outer/inner ends (<= 15 chars)
br_s="blbS$n" br_r="blbR$n" tap_s="bltS$n" tap_r="bltR$n"
work=$(mktemp -d /tmp/bl-test-netns.XXXXXX)
sock="$work/ctl.sock"
pids=()
made_ns=()
made_links=()

# stop_pid PID [SIGNAL]: signal, wait up to 10 s, then SIGKILL; returns the exit status.
stop_pid() {
	local p=$1 sig=${2:-TERM} _ rc=0
	kill -"$sig" "$p" 2>/dev/null || true
	for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$p" 2>/dev/null; then
		echo "test_netns: pid $p ignored SIG$sig for 10 s, killing it"
		kill -KILL "$p" 2>/dev/null || true
	fi
	wait "$p" 2>/dev/null || rc=$?
	forget "$p"
	return "$rc"
}

# forget PID: drop a reaped pid from the list cleanup stops (pids get reused).
forget() {
	local keep=() q
	for q in "${pids[@]}"; do [ "$q" = "$1" ] || keep+=("$q"); done
	pids=("${keep[@]}")
}

cleanup() {
	set +e
	local i
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
		kill -0 "${pids[i]}" 2>/dev/null && stop_pid "${pids[i]}" KILL
	done
	for i in "${made_ns[@]}"; do ip netns del "$i" 2>/dev/null; done
	for i in "${made_links[@]}"; do ip link del "$i" 2>/dev/null; done
	rm -rf "$work"
}
trap cleanup EXIT

fail() {
	echo "test_netns: FAIL: $*"
	local f
	for f in "$work"/*.log "$work"/*.err; do
		[ -s "$f" ] && { echo "--- $f"; tail -40 "$f"; }
	done
	exit 1
}

# --- topology ------------------------------------------------------------------------
if [ "$(id -u)" != 0 ] || ! ip netns add "$ns_s" 2>"$work/netns.err"; then
	echo "SKIP: cannot create network namespaces (needs root and CAP_SYS_ADMIN): $(cat "$work/netns.err" 2>/dev/null)"
	exit 77
fi
made_ns+=("$ns_s")
ip netns add "$ns_r" || fail "ip netns add $ns_r"
made_ns+=("$ns_r")
if ! ip link add "$v_so" type veth peer name "$v_si" 2>"$work/veth.err"; then
	echo "SKIP: cannot create veth pairs: $(cat "$work/veth.err")"
	exit 77
fi
made_links+=("$v_so")
ip link add "$v_ro" type veth peer name "$v_ri"
made_links+=("$v_ro")

# No IPv6 anywhere here: its router solicitations would only be not_ipv4 noise.
for v in "$v_so" "$v_ro"; do sysctl -qw "net.ipv6.conf.$v.disable_ipv6=1" 2>/dev/null || true; done
ip link set "$v_si" netns "$ns_s"
ip link set "$v_ri" netns "$ns_r"
for ns in "$ns_s" "$ns_r"; do
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 \
		2>/dev/null || true
	ip -n "$ns" link set lo up
done
ip -n "$ns_s" addr add 10.77.1.2/24 dev "$v_si"
ip -n "$ns_r" addr add 10.77.2.2/24 dev "$v_ri"
ip -n "$ns_s" link set "$v_si" up
ip -n "$ns_r" link set "$v_ri" up
ip link set "$v_so" up
ip link set "$v_ro" up
rcv_mac=$(ip netns exec "$ns_r" cat "/sys/class/net/$v_ri/address")

ctl() { "$beamctl" -s "$sock" "$@"; }
jfield() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

# start_daemon TAG VDEV0 VDEV1: beamline on two ports with the test's addresses.
start_daemon() {
	local tag=$1
	rm -f "$sock"
	"$beamline" -l 0,1 --no-huge --no-shconf --no-pci -m 512 --file-prefix "bl-netns-$tag$n" \
		--log-level=warning --vdev "$2" --vdev "$3" \
		-- --socket "$sock" --port-ip 0=10.77.1.1 --port-ip 1=10.77.2.1 --check-mbufs \
		>"$work/daemon-$tag.log" 2>&1 &
	daemon=$!
	pids+=("$daemon")
	for _ in $(seq 300); do [ -S "$sock" ] && break; kill -0 "$daemon" 2>/dev/null || break; sleep 0.1; done
	[ -S "$sock" ]
}

# stop_daemon TAG: SIGTERM; it must exit 0 with every mbuf back in its pool.
stop_daemon() {
	local rc=0
	stop_pid "$daemon" TERM || rc=$?
	[ "$rc" = 0 ] || fail "$1: beamline exited $rc after SIGTERM (3: mbufs missing)"
	grep -q "every mbuf is back in its pool" "$work/daemon-$1.log" || fail "$1: mbufs not all back"
}

port_mac() { ctl --json status | jfield "d['ports'][$1]['mac'].lower()"; }

# wait_file_for FILE PATTERN: bounded wait (a hang guard, not a timing check).
wait_file_for() {
	for _ in $(seq 200); do grep -q -- "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
	fail "no '$2' in $1"
}

# capture NS IFACE DIR FILE: tcpdump of UDP in one direction; sets cap_pid.
capture() {
	ip netns exec "$1" tcpdump -i "$2" -Q "$3" -U --immediate-mode -Z root -n -s 0 \
		-w "$work/$4.pcap" udp >/dev/null 2>"$work/$4.err" &
	cap_pid=$!
	pids+=("$cap_pid")
	wait_file_for "$work/$4.err" "listening on"
}

# pcap_frames FILE: number of packets tcpdump has written so far.
pcap_frames() { tcpdump -r "$1" -n 2>/dev/null | wc -l; }

# traffic TAG: the plan's traffic through the running daemon, checked end to end.
traffic() {
	local tag=$1 mac0 mac1 recv_pid cap_in cap_out sent_frames=0 key file count batch out
	mac0=$(port_mac 0)
	mac1=$(port_mac 1)
	# Routes: a key range to the receiver (one batch), one drop route, no default.
	for k in $(seq 1000 1063); do echo "add $k port 1 mac $rcv_mac ip 10.77.2.2 udp 7500"; done \
		>"$work/routes.txt"
	echo "add 0xdead drop" >>"$work/routes.txt"
	ctl route batch "$work/routes.txt" >/dev/null || fail "$tag: route batch"
	# Static neighbours, so the senders need no ARP (the router answers it,
	# docs/deploy.md §5; test_neigh.sh covers that).
	ip -n "$ns_s" neigh replace 10.77.1.1 lladdr "$mac0" dev "$v_si" nud permanent
	ip -n "$ns_r" neigh replace 10.77.2.1 lladdr "$mac1" dev "$v_ri" nud permanent

	if [ -z "$cap_skip" ]; then
		capture "$ns_s" "$v_si" out "in-$tag"
		cap_in=$cap_pid
		capture "$ns_r" "$v_ri" in "out-$tag"
		cap_out=$cap_pid
	fi
	python3 "$helper" plan "$work" >"$work/jobs.txt"
	local want_in want_rx
	read -r want_in want_rx < <(python3 "$helper" counts "$work/plan.json")
	ip netns exec "$ns_r" "$blmsg" recv --bind 10.77.2.2:7500 --count "$want_rx" --seconds 30 --quiet \
		>"$work/recv-$tag.txt" 2>"$work/recv-$tag.err" &
	recv_pid=$!
	pids+=("$recv_pid")
	wait_file_for "$work/recv-$tag.err" "listening on"

	# Not paced (pacing sends each message in its own frame): a job is at most
	# 40 frames, well within the receiver's default socket buffer.
	while read -r key file count batch; do
		out=$(ip netns exec "$ns_s" "$blmsg" send 10.77.1.1:7447 --key "$key" --stdin \
			--count "$count" --batch "$batch" <"$file") || fail "$tag: blmsg send key $key"
		echo "$tag: key $key: $out"
		case $out in *" errors=0 dropped=0"*) ;; *) fail "$tag: send errors: $out" ;; esac
		sent_frames=$((sent_frames + $(echo "$out" | sed -n 's/.* frames=\([0-9]*\) .*/\1/p')))
	done <"$work/jobs.txt"
	out=$(ip netns exec "$ns_s" python3 "$helper" mixed "$work/plan.json" 10.77.1.1 7447) ||
		fail "$tag: mixed frames"
	echo "$tag: $out"
	sent_frames=$((sent_frames + $(echo "$out" | sed -n 's/.* frames=\([0-9]*\) .*/\1/p')))

	local rc=0
	for _ in $(seq 300); do kill -0 "$recv_pid" 2>/dev/null || break; sleep 0.1; done
	stop_pid "$recv_pid" TERM || rc=$?
	[ "$rc" = 0 ] || fail "$tag: blmsg recv exited $rc"
	cat "$work/recv-$tag.txt"

	# The router's figures once every sent message is in and nothing buffered.
	for _ in $(seq 100); do
		ctl --json stats >"$work/stats-$tag.json"
		jfield "d['totals']['rx_msgs'] == $want_in and d['totals']['buffered_msgs'] == 0 or sys.exit(1)" \
			<"$work/stats-$tag.json" >/dev/null && break
		sleep 0.1
	done
	local tx1 in_tsv=- out_tsv=-
	tx1=$(jfield "d['ports'][1]['tx_pkts']" <"$work/stats-$tag.json")
	if [ -z "$cap_skip" ]; then
		# Stop the captures once they hold what went through (bounded wait).
		for _ in $(seq 100); do
			[ "$(pcap_frames "$work/in-$tag.pcap")" -ge "$sent_frames" ] &&
				[ "$(pcap_frames "$work/out-$tag.pcap")" -ge "$tx1" ] && break
			sleep 0.05
		done
		stop_pid "$cap_in" INT || true
		stop_pid "$cap_out" INT || true
		local f=(-T fields -E separator=/t -e frame.number -e eth.src -e eth.dst -e ip.src -e ip.dst
			-e ip.ttl -e udp.srcport -e udp.dstport -e udp.length -e udp.checksum -e udp.payload)
		in_tsv="$work/in-$tag.tsv"
		out_tsv="$work/out-$tag.tsv"
		tshark -r "$work/in-$tag.pcap" -Y udp "${f[@]}" >"$in_tsv" 2>"$work/tshark.err" ||
			fail "$tag: tshark"
		tshark -r "$work/out-$tag.pcap" -Y udp "${f[@]}" >"$out_tsv" 2>"$work/tshark.err" ||
			fail "$tag: tshark"
	fi
	python3 "$helper" verify "$work/plan.json" "$in_tsv" "$out_tsv" \
		"$work/stats-$tag.json" "$work/recv-$tag.txt" "$sent_frames" "$mac1" "$rcv_mac" ||
		fail "$tag: verify (stats in $work/stats-$tag.json)"
	echo "$tag: OK"
}

# echo_check TAG: blmsg ping through the router to an echo process, when the daemon can spawn one.
echo_check() {
	local tag=$1
	if ! ctl help >"$work/help.txt" 2>&1 || ! grep -qw spawn "$work/help.txt"; then
		echo "SKIP $tag echo: the daemon has no 'spawn' command yet (beamctl help)"
		return 0
	fi
	ctl spawn echo name echo1 >/dev/null || fail "$tag echo: spawn echo name echo1"
	ctl route add 2000 process echo1 >/dev/null || fail "$tag echo: route add 2000 process echo1"
	ctl --json stats >"$work/stats-$tag-echo0.json"
	local out rc=0
	out=$(ip netns exec "$ns_s" "$blmsg" ping 10.77.1.1:7447 --key 2000 --count 50 --interval 5 \
		--size 200 --timeout 3000 2>&1) || rc=$?
	echo "$out" | tail -3
	[ "$rc" = 0 ] || fail "$tag echo: blmsg ping exited $rc"
	echo "$out" | grep -q "^ping sent=50 received=50 lost=0 loss=0.0% dups=0 foreign=0 send_errors=0$" ||
		fail "$tag echo: not every probe was answered once"
	echo "$out" | grep -Eq "^latency_us min=[0-9.]+ p50=[0-9.]+ p90=[0-9.]+ p99=[0-9.]+ max=[0-9.]+$" ||
		fail "$tag echo: no latency percentiles"
	[ "$(echo "$out" | grep -c '^reply id=[0-9]* from 10\.77\.1\.1:7447 len=200 ')" = 50 ] ||
		fail "$tag echo: not 50 replies from 10.77.1.1:7447 of 200 bytes"
	# Every probe reached the echo once and every answer left through the TX
	# queue; nothing else moved.
	for _ in $(seq 100); do
		ctl --json stats >"$work/stats-$tag-echo1.json"
		jfield "d['totals']['buffered_msgs'] == 0 and d['totals']['ptx_buffered'] == 0 or sys.exit(1)" \
			<"$work/stats-$tag-echo1.json" >/dev/null && break
		sleep 0.1
	done
	python3 - "$work/stats-$tag-echo0.json" "$work/stats-$tag-echo1.json" <<'PY' || fail "$tag echo: router counters"
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
t = b["totals"]
d = {k: t[k] - a["totals"][k] for k in t}
assert t["rx_msgs"] == t["fwd_msgs"] + t["drop_msgs"] + t["buffered_msgs"] + t["delivered_msgs"], t
assert d["rx_msgs"] == d["delivered_msgs"] == d["deliveries"] == 50, d
assert d["ptx_in"] == d["ptx_msgs"] == 50 and t["ptx_buffered"] == 0, d
assert d["fwd_msgs"] == d["drop_msgs"] == d["ptx_drop_msgs"] == 0, d
for group in ("msg_drops", "proc_drops", "ptx_drops"):
    moved = {k: v - a[group][k] for k, v in b.get(group, {}).items() if v != a[group][k]}
    assert not moved, (group, moved)
print("echo: 50 probes delivered to echo1, 50 answers sent (ptx_msgs)")
PY
	echo "$tag echo: OK"
}

# Captures: tcpdump writes each packet as it comes (so the test can wait until
# a capture is complete before stopping it; dumpcap buffers and loses the tail
# when stopped), tshark decodes.
cap_skip=""
for t in tcpdump tshark; do
	command -v "$t" >/dev/null || cap_skip="$cap_skip $t"
done
if [ -n "$cap_skip" ]; then
	cap_skip="not installed:$cap_skip"
	echo "SKIP capture: $cap_skip (the counters are still checked)"
fi

# --- 1. net_af_packet on the outer veth ends -------------------------------------------
start_daemon afp "net_af_packet_s$n,iface=$v_so" "net_af_packet_r$n,iface=$v_ro" ||
	fail "afp: beamline did not come up on net_af_packet"
traffic afp
echo_check afp
stop_daemon afp

# --- 2. net_tap: tap interfaces bridged to the outer veth ends --------------------------
# The tap's kernel side gets the PMD's MAC; a bridge would take frames for
# that MAC as its own, so the kernel side gets another one before joining.
tap_skip=""
if [ ! -c /dev/net/tun ]; then
	tap_skip="no /dev/net/tun"
elif ! ip link add "$br_s" type bridge 2>"$work/bridge.err"; then
	tap_skip="cannot create a bridge: $(cat "$work/bridge.err")"
fi
if [ -z "$tap_skip" ]; then
	made_links+=("$br_s")
	ip link add "$br_r" type bridge
	made_links+=("$br_r")
	for v in "$br_s" "$br_r"; do sysctl -qw "net.ipv6.conf.$v.disable_ipv6=1" 2>/dev/null || true; done
	ip link set "$v_so" master "$br_s"
	ip link set "$v_ro" master "$br_r"
	ip link set "$br_s" up
	ip link set "$br_r" up
	if ! start_daemon tap "net_tap_s$n,iface=$tap_s,mac=02:77:00:00:01:01" \
		"net_tap_r$n,iface=$tap_r,mac=02:77:00:00:02:01"; then
		tap_skip="beamline did not start on net_tap: $(grep -v '^EAL\|^TELEMETRY' "$work/daemon-tap.log" | head -3)"
		stop_pid "$daemon" KILL || true
	fi
fi
if [ -n "$tap_skip" ]; then
	echo "SKIP tap: $tap_skip"
else
	for t in "$tap_s" "$tap_r"; do sysctl -qw "net.ipv6.conf.$t.disable_ipv6=1" 2>/dev/null || true; done
	ip link set "$tap_s" address 02:77:00:00:01:fe
	ip link set "$tap_r" address 02:77:00:00:02:fe
	ip link set "$tap_s" master "$br_s"
	ip link set "$tap_r" master "$br_r"
	traffic tap
	echo_check tap
	stop_daemon tap
fi
echo "test_netns: OK"
