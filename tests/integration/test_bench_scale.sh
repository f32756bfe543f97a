#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# scripts/bench at small scale (and --jumbo), on the binaries of the build meson runs this
# from (BL_BUILD_DIR, passed on as --build: the release build or build-asan):
#   - beamline-gen --source-per-key: one flow (src IP:port) per key, and one
#     l3fwd rule per key;
#   - --routes 20000 --msgs-per-frame 1 with beamline and l3fwd -E: both
#     tables hold 20000 entries, one lookup a packet;
#   - --routes 5000 --hops 2 --churn 2000 --base-routes 500 with beamline: the
#     plain, churned and 500-route rows, their ratios, the updates
#     acknowledged, none refused;
# every run exits 0 and every beamline run passes the loss check ('lost 0').
# Skips (77) when scripts/l3fwd-build cannot build l3fwd (no dpdk-doc).
#
# Run: meson test -C BUILD bench_scale
#   (or BL_BUILD_DIR=BUILD tests/integration/test_bench_scale.sh)
set -u

BUILD=${BL_BUILD_DIR:?set BL_BUILD_DIR to the meson build dir}
here=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$here/../.." && pwd)
GEN=$BUILD/perf/gen/beamline-gen
# l3fwd of this build dir's own: two builds' test runs never share a folder.
L3FWD_DIR=$BUILD/bench-l3fwd
T=$(mktemp -d /tmp/bl-test-bench-scale.XXXXXX)
trap 'rm -rf "$T"' EXIT

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
has() { grep -qF -- "$2" "$1"; } # has FILE TEXT

[ -x "$GEN" ] || { echo "FAIL: $GEN not built"; exit 1; }
if ! "$SRC/scripts/l3fwd-build" --out "$L3FWD_DIR" >"$T/l3fwd-build.log" 2>&1; then
	tail -5 "$T/l3fwd-build.log"
	echo "SKIP: scripts/l3fwd-build cannot build l3fwd"
	exit 77
fi

# --- beamline-gen --source-per-key -------------------------------------------
"$GEN" --out "$T/spk.pcap" --source-per-key --msgs-per-frame 1 --keys 3000 --frames 2000 \
	--dist uniform --l3fwd-rules "$T/spk.rules" >"$T/spk.sum" ||
	fail "--source-per-key generation exits 0"
check "one l3fwd rule per key, all distinct" test \
	"$(grep -c '^R' "$T/spk.rules")-$(sort -u "$T/spk.rules" | wc -l)" = "3000-3000"
check "each frame's source is its key's (10.1.0.1 + i / 25536, 40000 + i % 25536)" \
	python3 - "$here" "$T/spk.pcap" "$T/spk.rules" <<'EOF'
import sys
sys.path.insert(0, sys.argv[1])
import blpcap
rules = {tuple(l.split()[1:4:2]) for l in open(sys.argv[3])}  # (src ip, src port)
seen = 0
for pkt in blpcap.read_pcap(sys.argv[2]):
    p = blpcap.parse(pkt)
    assert len(p.msgs) == 1, "one message a frame"
    k = p.msgs[0][0]
    a = (10 << 24 | 1 << 16 | 1) + k // 25536
    ip = f"{a >> 24}.{a >> 16 & 255}.{a >> 8 & 255}.{a & 255}"
    assert (p.src_ip, p.sport) == (ip, 40000 + k % 25536), (k, p.src_ip, p.sport)
    assert (p.src_ip, str(p.sport)) in rules, (p.src_ip, p.sport)
    seen += 1
sys.exit(0 if seen == 2000 else 1)
EOF
"$GEN" --out "$T/x.pcap" --source-per-key >/dev/null 2>&1
check "--source-per-key without --msgs-per-frame 1: exit 2" test $? -eq 2

# --- scripts/bench -------------------------------------------------------------
bench() { # bench OUT ARGS...: scripts/bench on this build, short runs
	local out=$1
	shift
	"$SRC/scripts/bench" --build "$BUILD" --l3fwd-dir "$L3FWD_DIR" --quick --seconds 1 \
		--warmup 0.5 "$@" >"$out" 2>"$out.err"
	local rc=$?
	cat "$out"
	[ $rc -eq 0 ] || { echo "--- stderr:"; tail -30 "$out.err"; }
	return $rc
}

bench "$T/flows.txt" --routes 20000 --msgs-per-frame 1 --only beamline,l3fwd --plot "$T/flows.svg"
check "--routes 20000 --msgs-per-frame 1: exit 0" test $? -eq 0
check "--plot wrote an SVG naming both contenders" python3 - "$T/flows.svg" <<'PY'
import sys
s = open(sys.argv[1]).read()
sys.exit(0 if s.startswith("<?xml") and "<svg" in s and "beamline" in s and "l3fwd" in s else 1)
PY
check "l3fwd row" has "$T/flows.txt" "| l3fwd -E (exact match) | "
check "beamline row" has "$T/flows.txt" "| beamline | "
check "ratio row" has "$T/flows.txt" "| beamline / l3fwd | "
check "20000 routes against 20000 exact-match flows" has "$T/flows.txt" \
	"Tables: beamline 20000 routes over 1 next hop(s), l3fwd -E 20000 exact-match flows."
check "20000 frames of one message" has "$T/flows.txt" \
	"1 message(s) a frame, 20000 frames"
check "beamline loss check: lost 0" grep -qE '^\| beamline \| 1 \| lost 0 \|' "$T/flows.txt"

bench "$T/churn.txt" --routes 5000 --hops 2 --churn 2000 --base-routes 500 --only beamline
check "--routes 5000 --hops 2 --churn 2000 --base-routes 500: exit 0" test $? -eq 0
check "base row" has "$T/churn.txt" "| beamline, 500 routes (uniform keys) | "
check "scale ratio row" has "$T/churn.txt" "| beamline at --routes / at --base-routes | "
check "base loss check: lost 0" \
	grep -qE '^\| beamline, 500 routes \(uniform keys\) \| 1 \| lost 0 \|' "$T/churn.txt"
check "routes over 2 next hops" has "$T/churn.txt" "beamline 5000 routes over 2 next hop(s)"
check "plain row" has "$T/churn.txt" "| beamline | "
check "churned row" has "$T/churn.txt" "| beamline, 2000 route updates/s | "
check "churn ratio row" has "$T/churn.txt" "| beamline with route churn / beamline | "
check "updates acknowledged, none refused" \
	grep -qE '^Route churn: 2000 updates/s asked, [0-9]+/s acknowledged .* 0 refused\.$' \
	"$T/churn.txt"
check "loss check of both: lost 0" test \
	"$(grep -cE '^\| beamline(, 2000 route updates/s)? \| 1 \| lost 0 \|' "$T/churn.txt")" -eq 2

# --jumbo: 8,186-byte frames, beamline at --mtu 9000 forwarding them whole
# (none dropped: a chain would be counted segmented), beside testpmd io.
if command -v dpdk-testpmd >/dev/null; then
	bench "$T/jumbo.txt" --jumbo --only testpmd-io,beamline
	check "--jumbo: exit 0" test $? -eq 0
	check "--jumbo: the Gbit/s table" has "$T/jumbo.txt" "Frames of 8186 bytes (8 messages of 1000 bytes):"
	check "--jumbo: beamline's Gbit/s row" grep -qE '^\| beamline \| [0-9.]+ \| [0-9.]+\.\.[0-9.]+ \| [0-9.]+ \|$' "$T/jumbo.txt"
	check "--jumbo: beamline dropped nothing" grep -qE 'run 1/1 beamline .*\(dropped: 0 pkts, 0 msgs\)' "$T/jumbo.txt.err"
fi

echo "$FAILS failure(s)"
[ $FAILS -eq 0 ]
