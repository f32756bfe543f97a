#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# beamline-gen: generate pcaps and check them from the outside with tshark
# and a small wire-format v1 decoder: frame count, addresses, UDP lengths and
# checksums, per-source seq numbering, zipf skew, determinism, side outputs,
# bad arguments, and the port mode sending the very same frames.
#
# Run: meson test -C BUILD gen   (or BL_BUILD_DIR=BUILD tests/integration/test_gen.sh)
set -u

BUILD=${BL_BUILD_DIR:?set BL_BUILD_DIR to the meson build dir}
GEN=$BUILD/perf/gen/beamline-gen
T=$(mktemp -d /tmp/bl-test-gen.XXXXXX)
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill -KILL "$p" 2>/dev/null
	done
	rm -rf "$T"
}
trap cleanup EXIT

FAILS=0
ok() { echo "ok   - $*"; }
fail() {
	echo "FAIL - $*"
	FAILS=$((FAILS + 1))
}
check() { # check DESCRIPTION COMMAND...
	local what=$1
	shift
	if "$@"; then ok "$what"; else fail "$what"; fi
}

for tool in tshark python3; do
	command -v $tool >/dev/null || { echo "SKIP: $tool not installed"; exit 77; }
done
[ -x "$GEN" ] || { echo "FAIL: $GEN not built"; exit 1; }

fields() { # fields PCAP FIELD...
	local f=$1
	shift
	local args=()
	for x in "$@"; do args+=(-e "$x"); done
	tshark -r "$f" -T fields "${args[@]}" 2>/dev/null
}

# --- default traffic --------------------------------------------------------
"$GEN" --out "$T/def.pcap" --seed 5 >"$T/def.sum" || fail "default generation exits 0"
check "summary line" grep -q '^beamline-gen: wrote frames=4096 msgs=32768 ' "$T/def.sum"
check "4096 frames" test "$(fields "$T/def.pcap" frame.number | wc -l)" -eq 4096
check "dst MAC/IP/UDP are the defaults" test \
	"$(fields "$T/def.pcap" eth.dst ip.dst udp.dstport | sort -u)" = \
	"$(printf '02:00:00:00:00:01\t10.0.0.1\t7447')"
# 8 messages of 16 + 64 bytes after a 16-byte frame header and 8-byte UDP header
check "UDP length 664, IPv4 total 684" test \
	"$(fields "$T/def.pcap" udp.length ip.len | sort -u)" = "$(printf '664\t684')"
check "IPv4 and UDP checksums valid" test "$(tshark -r "$T/def.pcap" -o ip.check_checksum:TRUE \
	-o udp.check_checksum:TRUE -T fields -e ip.checksum.status -e udp.checksum.status \
	2>/dev/null | sort -u)" = "$(printf '1\t1')"
check "64 sources, ports follow IPs from 10.1.0.1:40000" python3 - "$T/def.pcap" <<'EOF'
import subprocess, sys
out = subprocess.run(["tshark", "-r", sys.argv[1], "-T", "fields", "-e", "ip.src",
                      "-e", "udp.srcport"], capture_output=True, text=True).stdout.split("\n")
pairs = {tuple(l.split("\t")) for l in out if l}
ok = len(pairs) == 64
for ip, port in pairs:
    a, b, c, d = map(int, ip.split("."))
    idx = ((a << 24 | b << 16 | c << 8 | d) - (10 << 24 | 1 << 16 | 1))
    ok &= 0 <= idx < 64 and int(port) == 40000 + idx
sys.exit(0 if ok else 1)
EOF

# A wire-format v1 decoder written independently of the C code under test.
cat >"$T/decode.py" <<'EOF'
import collections, json, struct, subprocess, sys
pcap, mpf = sys.argv[1], int(sys.argv[2])
out = subprocess.run(["tshark", "-r", pcap, "-T", "fields", "-e", "ip.src", "-e", "udp.srcport",
                      "-e", "udp.payload"], capture_output=True, text=True).stdout
seqs = collections.defaultdict(list)
keys = collections.Counter()
bad = 0
lens = []
for line in out.splitlines():
    ip, port, hexp = line.split("\t")
    p = bytes.fromhex(hexp)
    magic, count, flags, seq = struct.unpack(">IHHQ", p[:16])
    bad += magic != 0x424C4D31 or count != mpf or flags != 0
    off = 16
    for _ in range(count):
        ln, kind, mflags, key = struct.unpack(">IHHQ", p[off:off + 16])
        off += 16
        body = p[off:off + ln]
        bad += kind != 0 or mflags != 0 or len(body) != ln
        bad += body != bytes((key + j) & 0xFF for j in range(ln))
        off += ln
        keys[key] += 1
        lens.append(ln)
    bad += off != len(p)
    seqs[(ip, port)].append(seq)
skipped = 0
backwards = 0
for s in seqs.values():
    # every source starts at seq 1; a gap may come before its first frame
    backwards += s[0] < 1
    skipped += s[0] - 1
    for a, b in zip(s, s[1:]):
        if b < a + mpf:
            backwards += 1
        skipped += b - (a + mpf)
top_key, top_n = keys.most_common(1)[0]
print(json.dumps({"bad": bad, "backwards": backwards, "skipped": skipped, "msgs": sum(keys.values()),
                  "top_key": top_key, "top_share": top_n / sum(keys.values()),
                  "min_key": min(keys), "max_key": max(keys), "min_len": min(lens),
                  "max_len": max(lens), "keys": {str(k): n for k, n in keys.items()}}))
EOF
jget() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$@"; }

python3 "$T/decode.py" "$T/def.pcap" 8 >"$T/def.json" || fail "decoder runs"
check "every frame is well-formed wire v1 with the payload pattern" test "$(jget "$T/def.json" bad)" = 0
check "each source's seq advances by exactly its message count" test \
	"$(jget "$T/def.json" backwards) $(jget "$T/def.json" skipped)" = "0 0"
check "keys stay in 0..999" test \
	"$(jget "$T/def.json" min_key) $(jget "$T/def.json" max_key)" = "0 999"
check "zipf: key 0 is the most frequent" test "$(jget "$T/def.json" top_key)" = 0
check "zipf: top key share is far above uniform (>5%)" python3 -c \
	"import sys; sys.exit(0 if $(jget "$T/def.json" top_share) > 0.05 else 1)"

"$GEN" --out "$T/uni.pcap" --seed 5 --dist uniform --keys 1000 >/dev/null
python3 "$T/decode.py" "$T/uni.pcap" 8 >"$T/uni.json"
check "uniform: top key share stays near 1/1000 (<1%)" python3 -c \
	"import sys; sys.exit(0 if $(jget "$T/uni.json" top_share) < 0.01 else 1)"

# --- determinism ------------------------------------------------------------
"$GEN" --out "$T/def2.pcap" --seed 5 >/dev/null
check "same seed gives an identical file" cmp -s "$T/def.pcap" "$T/def2.pcap"
"$GEN" --out "$T/def3.pcap" --seed 6 >/dev/null
check "another seed gives another file" bash -c "! cmp -s '$T/def.pcap' '$T/def3.pcap'"

# --- options shape the traffic ----------------------------------------------
"$GEN" --out "$T/opt.pcap" --frames 300 --sources 3 --src-ip 192.168.7.10 --keys 50 \
	--key-base 1000000 --msgs-per-frame 3 --payload 10-20 --dist zipf:2 \
	--dst-ip 10.9.9.9 --dst-udp 9000 --dst-mac 0a:0b:0c:0d:0e:0f --src-mac 02:11:22:33:44:55 \
	--seed 9 >/dev/null || fail "option run exits 0"
check "300 frames" test "$(fields "$T/opt.pcap" frame.number | wc -l)" -eq 300
check "addresses follow the options" test \
	"$(fields "$T/opt.pcap" eth.src eth.dst ip.dst udp.dstport | sort -u)" = \
	"$(printf '02:11:22:33:44:55\t0a:0b:0c:0d:0e:0f\t10.9.9.9\t9000')"
check "3 sources from 192.168.7.10:40000" test \
	"$(fields "$T/opt.pcap" ip.src udp.srcport | sort -u | tr '\t\n' ': ')" = \
	"192.168.7.10:40000 192.168.7.11:40001 192.168.7.12:40002 "
python3 "$T/decode.py" "$T/opt.pcap" 3 >"$T/opt.json"
check "decoded: well-formed, seq consecutive" test \
	"$(jget "$T/opt.json" bad) $(jget "$T/opt.json" backwards) $(jget "$T/opt.json" skipped)" = "0 0 0"
check "payload lengths span 10..20" test \
	"$(jget "$T/opt.json" min_len) $(jget "$T/opt.json" max_len)" = "10 20"
check "keys in key-base..key-base+49" python3 -c "import sys; sys.exit(0 if \
	$(jget "$T/opt.json" min_key) >= 1000000 and $(jget "$T/opt.json" max_key) <= 1000049 else 1)"
check "UDP lengths agree with payload range" python3 - "$T/opt.pcap" <<'EOF'
import subprocess, sys
out = subprocess.run(["tshark", "-r", sys.argv[1], "-T", "fields", "-e", "udp.length"],
                     capture_output=True, text=True).stdout.split()
sys.exit(0 if all(8 + 16 + 3 * 26 <= int(x) <= 8 + 16 + 3 * 36 for x in out) else 1)
EOF

# --- gaps -------------------------------------------------------------------
"$GEN" --out "$T/gap.pcap" --gaps 100 --seed 3 >"$T/gap.sum"
GAPS_SKIPPED=$(sed -n 's/.* skipped=\([0-9]*\) .*/\1/p' "$T/gap.sum")
python3 "$T/decode.py" "$T/gap.pcap" 8 >"$T/gap.json"
check "gaps: some seq numbers skipped" test "${GAPS_SKIPPED:-0}" -gt 0
check "gaps: decoder counts exactly the skipped numbers the summary reports" test \
	"$(jget "$T/gap.json" skipped)" = "$GAPS_SKIPPED"
check "gaps: seq never goes backwards" test "$(jget "$T/gap.json" backwards)" = 0

# --- side outputs -------------------------------------------------------------
"$GEN" --out "$T/side.pcap" --seed 4 --routes-out "$T/routes.cfg" --l3fwd-rules "$T/l3.rules" \
	--route-port 2 --route-mac 02:aa:bb:cc:dd:ee --route-ip 10.5.0.1 --route-udp 7000 \
	--route-drop-permille 100 --unrouted-permille 100 >"$T/side.sum"
check "routes: a next-hop line has every field" grep -qx \
	'route add [0-9]* port 2 mac 02:aa:bb:cc:dd:ee ip 10.5.0.1 udp 7000' "$T/routes.cfg"
check "routes: some drop routes" grep -qx 'route add [0-9]* drop' "$T/routes.cfg"
check "routes: nothing but comments, next hops and drops" bash -c "! grep -vxE \
	'#.*|route add [0-9]+ (drop|port 2 mac 02:aa:bb:cc:dd:ee ip 10.5.0.1 udp 7000)' '$T/routes.cfg'"
python3 "$T/decode.py" "$T/side.pcap" 8 >"$T/side.json"
check "routes: message counts per route class match the summary" python3 - \
	"$T/routes.cfg" "$T/side.json" "$T/side.sum" <<'EOF'
import json, re, sys
routes = {}
for line in open(sys.argv[1]):
    m = re.match(r"route add (\d+) (drop|port)", line)
    if m:
        routes[int(m.group(1))] = m.group(2)
keys = json.load(open(sys.argv[2]))["keys"]
n = {"port": 0, "drop": 0, None: 0}
for k, c in keys.items():
    n[routes.get(int(k))] += c
summ = dict(kv.split("=") for kv in open(sys.argv[3]).read().split()[2:])
want = (int(summ["routed_msgs"]), int(summ["drop_msgs"]), int(summ["unrouted_msgs"]))
got = (n["port"], n["drop"], n[None])
unrouted_keys = 1000 - len(routes)
print(f"# per class routed/drop/unrouted: traffic {got}, summary {want}; unrouted keys {unrouted_keys}")
sys.exit(0 if got == want and min(got) > 0 and 50 < unrouted_keys < 150 else 1)
EOF
check "l3fwd: one exact-match rule per flow, to port 2" test \
	"$(grep -cxE 'R10\.0\.0\.1 10\.1\.0\.[0-9]+ 7447 400[0-9]{2} 0x11 2' "$T/l3.rules")" -eq 64
check "l3fwd: rules cover exactly the flows in the pcap" test \
	"$(awk '{print $2 "\t" $4}' "$T/l3.rules" | sort)" = \
	"$(fields "$T/side.pcap" ip.src udp.srcport | sort -u)"

# --- bad arguments: one clear line, exit 2 ------------------------------------
bad_args() { # bad_args DESCRIPTION ARGS...
	local what=$1
	shift
	"$GEN" "$@" >"$T/bad.out" 2>"$T/bad.err"
	local rc=$?
	if [ $rc -eq 2 ] && [ "$(wc -l <"$T/bad.err")" -eq 1 ] && grep -q beamline-gen "$T/bad.err"; then
		ok "bad args: $what -> exit 2: $(cat "$T/bad.err")"
	else
		fail "bad args: $what -> rc=$rc, stderr: $(cat "$T/bad.err")"
	fi
}
bad_args "no mode" --frames 10
bad_args "unknown option" --out "$T/x.pcap" --bogus 1
bad_args "missing value" --out "$T/x.pcap" --keys
bad_args "non-number" --out "$T/x.pcap" --frames lots
bad_args "zero frames" --out "$T/x.pcap" --frames 0
bad_args "zero keys" --out "$T/x.pcap" --keys 0
bad_args "negative" --out "$T/x.pcap" --sources -1
bad_args "too many sources" --out "$T/x.pcap" --sources 30000
bad_args "bad dist" --out "$T/x.pcap" --dist zipf:abc
bad_args "bad dist name" --out "$T/x.pcap" --dist pareto
bad_args "payload range reversed" --out "$T/x.pcap" --payload 50-10
bad_args "frame above MTU" --out "$T/x.pcap" --msgs-per-frame 20 --payload 100
bad_args "bad MAC" --out "$T/x.pcap" --dst-mac 02:00:00:00:00
bad_args "bad IP" --out "$T/x.pcap" --dst-ip 10.0.0.256
bad_args "permille sum" --out "$T/x.pcap" --route-drop-permille 600 --unrouted-permille 500
bad_args "gaps above 1000" --out "$T/x.pcap" --gaps 1001
bad_args "--port without EAL args" --port 0
bad_args "stray argument" --out "$T/x.pcap" extra
check "bad args leave no file behind" test ! -e "$T/x.pcap"
"$GEN" --help >"$T/help.out" 2>&1
check "--help exits 0 and shows usage" grep -q '^usage: beamline-gen' "$T/help.out"

# --- port mode ----------------------------------------------------------------
EAL=(--no-huge --no-shconf --no-pci -m 512 --log-level=error -l 0)
"$GEN" "${EAL[@]}" --file-prefix "bl_test_gen_a$$" --vdev "net_pcap_bltgen$$,tx_pcap=$T/port.pcap" \
	-- --port 0 --frames 5000 --seed 5 >"$T/port.out" 2>&1 &
PIDS+=($!)
wait $!
check "port mode: --frames 5000 exits 0" test $? -eq 0
check "port mode: port counters say 5000 sent" grep -q 'opackets=5000 ' "$T/port.out"
check "port mode: 5000 frames on the wire" test "$(fields "$T/port.pcap" frame.number | wc -l)" -eq 5000
check "port mode: the first 4096 frames equal the pcap mode's, byte for byte" test \
	"$(fields "$T/port.pcap" frame.len eth.src eth.dst ip.src ip.id udp.srcport udp.payload | head -4096 | md5sum)" = \
	"$(fields "$T/def.pcap" frame.len eth.src eth.dst ip.src ip.id udp.srcport udp.payload | md5sum)"
check "port mode: then the ring repeats from its first frame" test \
	"$(fields "$T/port.pcap" udp.payload | sed -n 4097p)" = "$(fields "$T/def.pcap" udp.payload | head -1)"

"$GEN" "${EAL[@]}" --file-prefix "bl_test_gen_b$$" --vdev "net_null_bltgen$$" \
	-- --port 0 --ring 64 >"$T/sig.out" 2>&1 &
SIGPID=$!
PIDS+=($SIGPID)
# wait until it is sending (it prints a per-second line), then stop it by pid
for _ in $(seq 1 100); do
	grep -q 't=1 ' "$T/sig.out" && break
	sleep 0.1
done
kill -INT $SIGPID
wait $SIGPID
check "port mode: SIGINT stops it cleanly (exit 0)" test $? -eq 0
check "port mode: totals printed at the end" grep -q '^beamline-gen: sent seconds=' "$T/sig.out"
check "port mode: per-second rates printed" grep -q '^beamline-gen: t=1 frames/s=[0-9]* msgs/s=' "$T/sig.out"

"$GEN" "${EAL[@]}" --file-prefix "bl_test_gen_c$$" -- --port 3 >"$T/noport.out" 2>&1 &
PIDS+=($!)
wait $!
check "port mode: a port that does not exist is a clear error, exit 1" test $? -eq 1

echo "# $FAILS failure(s)"
[ $FAILS -eq 0 ]
