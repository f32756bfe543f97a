#!/usr/bin/env bash
# Jumbo frames end to end on net_pcap (docs/operations.md, Jumbo frames):
#  - --mtu refuses bad values before anything starts: exit 2, one clear line;
#    and with too little EAL memory for its mbufs the start fails saying
#    how much the pool needs; a port that cannot take the MTU (net_tap,
#    when root) stops the start naming the port and its range;
#  - with --mtu 9000 an 8 KB IPv4/UDP frame of eight 1000-byte messages is
#    received in one mbuf and forwarded whole (every byte checked by
#    blpcap.py, which shares no code with the router), the port reports
#    MTU 9000, and a 9300-byte IP packet (past the mbuf: net_pcap chains
#    it) is dropped and counted as `segmented`;
#  - without --mtu the same 8 KB frame is dropped as `segmented` too, as
#    before, and a small frame still goes through;
#  - each run ends with every mbuf back in its pool.
set -euo pipefail
b=${BL_BUILD_DIR:?}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=daemon.sh
. "$here/daemon.sh"
bl_scratch jumbo
fail() { echo "test_jumbo: FAIL: $*"; [ -f "$work/daemon.log" ] && cat "$work/daemon.log"; exit 1; }
eal=(-l "0,1" --no-huge --no-shconf --no-pci -m 512 --log-level=error)

# --- bad values: exit 2, one line naming the option and its range -----------------
n=0
for v in 67 9001 65536 0 abc -1 1500x ""; do
	n=$((n + 1))
	set +e
	"$b/control/beamline" "${eal[@]}" --file-prefix "bl-jumbo-bad$$-$n" --vdev "net_ring_jb$$" \
		-- --socket "$work/bad.sock" --mtu "$v" >"$work/bad.txt" 2>&1
	rc=$?
	set -e
	[ "$rc" = 2 ] || fail "--mtu '$v': exit $rc, want 2: $(cat "$work/bad.txt")"
	grep -qF "beamline: bad value '$v' for --mtu: an IP MTU 68..9000" "$work/bad.txt" ||
		fail "--mtu '$v': $(cat "$work/bad.txt")"
	echo "ok: --mtu '$v' refused: $(grep -F -- --mtu "$work/bad.txt")"
done

# --- EAL memory too small for jumbo mbufs: the start fails saying how much ---------
set +e
"$b/control/beamline" -l "0,1" --no-huge --no-shconf --no-pci -m 128 --log-level=error \
	--file-prefix "bl-jumbo-mem$$" --vdev "net_ring_jm$$" -- --socket "$work/mem.sock" --mtu 9000 \
	>"$work/mem.txt" 2>&1
rc=$?
set -e
[ "$rc" != 0 ] || fail "-m 128 --mtu 9000 started"
grep -qE "cannot create a pool of [0-9]+ mbufs of 9344 bytes \(about [0-9]+ MB\).*-m" "$work/mem.txt" ||
	fail "-m 128 --mtu 9000: $(cat "$work/mem.txt")"
echo "ok: -m 128 --mtu 9000 refused: $(grep -F pool "$work/mem.txt")"

# --- a port that cannot take the MTU: the start fails naming it and its range ----
# net_tap takes frames of 1522 bytes at most; it needs root and /dev/net/tun.
if [ "$(id -u)" = 0 ] && [ -c /dev/net/tun ]; then
	set +e
	"$b/control/beamline" "${eal[@]}" --file-prefix "bl-jumbo-tap$$" \
		--vdev "net_tap_jt$$,iface=bljt$$" -- --socket "$work/tap.sock" --mtu 9000 \
		>"$work/tap.txt" 2>&1
	rc=$?
	set -e
	[ "$rc" != 0 ] || fail "net_tap with --mtu 9000 started"
	grep -qE "port 0 \(net_tap_jt$$\): MTU 9000 is beyond the device: it takes [0-9]+\.\.[0-9]+" \
		"$work/tap.txt" || fail "net_tap --mtu 9000: $(cat "$work/tap.txt")"
	echo "ok: net_tap refuses --mtu 9000: $(grep -F beyond "$work/tap.txt")"
else
	echo "skip: net_tap's MTU refusal (needs root and /dev/net/tun)"
fi

# --- the traffic: 8 KB, 9300 bytes of IP, and a small frame, all to key 7 ---------
printf 'route add 7 port 0 mac 02:00:00:00:00:07 ip 10.0.0.7 udp 7447\n' >"$work/routes.conf"
python3 - "$work" "$here" <<'PY'
import sys
sys.path.insert(0, sys.argv[2])
import blpcap
work = sys.argv[1]
def pkt(seq, msgs):
    return blpcap.packet("02:00:00:00:01:01", "02:00:00:00:00:01", "10.0.1.1", "10.0.0.1",
                         40000, 7447, blpcap.frame(seq, msgs))
big = pkt(1, [(7, bytes((j * 31 + i) & 0xFF for i in range(1000))) for j in range(8)])
over = pkt(2, [(7, bytes(914)) for _ in range(10)])
small = pkt(3, [(7, b"hello")])
assert len(big) - 14 == 8172 and len(over) - 14 == 9344, (len(big), len(over))
blpcap.write_pcap(f"{work}/in.pcap", [big, over, small])
PY

# run NAME [daemon options...]: the pcap through beamline; stats and status kept.
run() {
	local name=$1
	shift
	bl_start "${eal[@]}" --file-prefix "bl-jumbo-$name$$" \
		--vdev "net_pcap_j$name$$,rx_pcap=$work/in.pcap,tx_pcap=$work/out-$name.pcap" \
		-- --config "$work/routes.conf" --promisc --check-mbufs "$@"
	for _ in $(seq 300); do
		ctl --json stats >"$work/stats-$name.json"
		python3 -c 'import json,sys; t=json.load(open(sys.argv[1]))["totals"]; sys.exit(0 if t["rx_pkts"]==3 and t["buffered_msgs"]==0 else 1)' \
			"$work/stats-$name.json" && break
		sleep 0.1
	done
	ctl --json status >"$work/status-$name.json"
	bl_stop || fail "$name: the daemon did not stop clean"
}

check() { # name, python over s (stats), st (status), out (packets sent)
	python3 - "$work" "$1" "$here" <<PY || fail "$1"
import json, sys
sys.path.insert(0, sys.argv[3])
import blpcap
work, name = sys.argv[1], sys.argv[2]
s = json.load(open(f"{work}/stats-{name}.json"))
st = json.load(open(f"{work}/status-{name}.json"))
out = [blpcap.parse(p) for p in blpcap.read_pcap(f"{work}/out-{name}.pcap")]
t, pd = s["totals"], s["pkt_drops"]
assert t["rx_pkts"] == 3, t
assert t["rx_pkts"] == t["acc_pkts"] + t["drop_pkts"], t
$2
PY
	echo "ok: $1"
}

run mtu9000 --mtu 9000
check mtu9000 '
assert st["ports"][0]["mtu"] == 9000, st["ports"][0]
assert pd["segmented"] == 1, pd
assert t["drop_pkts"] == 1, t
assert [len(p.msgs) for p in out] == [8, 1], [len(p.msgs) for p in out]
big = out[0]
assert big.dst_ip == "10.0.0.7" and big.dport == 7447, (big.dst_ip, big.dport)
for j, (key, payload, kind) in enumerate(big.msgs):
    assert key == 7 and kind == 0, (j, key, kind)
    assert payload == bytes((j * 31 + i) & 0xFF for i in range(1000)), j
assert out[1].msgs[0][1] == b"hello"
'

run default
check default '
assert st["ports"][0]["mtu"] == 1500, st["ports"][0]
assert pd["segmented"] == 2, pd
assert t["drop_pkts"] == 2, t
assert [len(p.msgs) for p in out] == [1], [len(p.msgs) for p in out]
assert out[0].msgs[0][1] == b"hello"
'
echo "test_jumbo: PASS"
