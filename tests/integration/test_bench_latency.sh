#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# scripts/bench --latency, short, on the binaries of the build meson runs it
# from (BL_BUILD_DIR, passed on as --build):
#   - beamline-gen refuses bad --latency arguments (exit 2, one line);
#   - one repeat of 1 s runs: exit 0, a row for every contender at 10%, 50%
#     and 90% with numbers in order (0 < p50 <= p99 <= p99.9 <= max, below
#     a second) and a ratio to testpmd io for every other contender, and a
#     peak row for each; no run gets back more messages than it sent.
# Skips (77) only when net_memif cannot run between two processes here
# (a probe: the generator against testpmd io, or when dpdk-testpmd is
# missing); contenders that need l3fwd are left out when
# scripts/l3fwd-build cannot build it (no dpdk-doc).
#
# Run: meson test -C BUILD bench_latency_smoke
#   (or BL_BUILD_DIR=BUILD tests/integration/test_bench_latency.sh)
set -u

BUILD=${BL_BUILD_DIR:?set BL_BUILD_DIR to the meson build dir}
# meson test sets MALLOC_PERTURB_, and DPDK 22.11's net_memif then never
# creates its server socket (and the process ignores SIGINT): it reads
# malloc'd memory it did not clear. The contenders run without it.
unset MALLOC_PERTURB_
here=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$here/../.." && pwd)
GEN=$BUILD/perf/gen/beamline-gen
L3FWD_DIR=$BUILD/bench-l3fwd
T=$(mktemp -d /tmp/bl-test-bench-latency.XXXXXX)
# EAL's runtime folder of the bad-argument runs below (the bench removes its own)
if [ "$(id -u)" = 0 ]; then RT=/var/run/dpdk; else RT=${XDG_RUNTIME_DIR:-/tmp}/dpdk; fi
trap 'rm -rf "$T" "$RT/bllat-test-$$"' EXIT

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

[ -x "$GEN" ] || { echo "FAIL: $GEN not built"; exit 1; }
command -v dpdk-testpmd >/dev/null || { echo "SKIP: no dpdk-testpmd"; exit 77; }

# --- bad arguments: exit 2 before any EAL port is touched ------------------------
eal=(--no-huge --no-pci -m 256 --log-level=error --file-prefix "bllat-test-$$" --vdev net_null0)
bad() { # bad WHAT ARGS...: beamline-gen ARGS exits 2 with one line on stderr
	local what=$1
	shift
	"$GEN" "${eal[@]}" -- "$@" >/dev/null 2>"$T/bad.err"
	local rc=$?
	check "$what: exit 2, one line" test "$rc-$(wc -l <"$T/bad.err")" = "2-1"
}
bad "--latency without --rx-port" --latency --port 0 --seconds 1
bad "--latency without --seconds" --latency --port 0 --rx-port 0
bad "--latency with 8-byte payloads" --latency --port 0 --rx-port 0 --seconds 1 --payload 8
bad "--rate without --latency" --port 0 --seconds 1 --rate 100
bad "--rate -1" --latency --port 0 --rx-port 0 --seconds 1 --rate -1
bad "--rate empty" --latency --port 0 --rx-port 0 --seconds 1 --rate ""
"$GEN" --out "$T/x.pcap" --latency >/dev/null 2>&1
check "--latency in pcap mode: exit 2" test $? -eq 2

# --- can net_memif run here? The generator against testpmd io, 1 s ---------------
# l3fwd is left out here to keep the suite short (scripts/bench --latency
# runs it; the recorded table in docs/benchmarks.md has it).
only=testpmd-io,beamline,beamline-proc
"$SRC/scripts/bench" --latency --build "$BUILD" --only testpmd-io --seconds 0.5 \
	--warmup 0.3 --repeats 1 >"$T/probe.txt" 2>"$T/probe.err"
if [ $? -ne 0 ] && grep -qiE "memif|link still down|no memif socket" "$T/probe.err"; then
	tail -15 "$T/probe.err"
	echo "SKIP: net_memif cannot run between two DPDK processes here"
	exit 77
fi

# --- the short run -------------------------------------------------------------------
"$SRC/scripts/bench" --latency --build "$BUILD" --l3fwd-dir "$L3FWD_DIR" --only "$only" \
	--seconds 0.5 --warmup 0.3 --repeats 1 --json "$T/lat.json" >"$T/lat.txt" 2>"$T/lat.err"
rc=$?
cat "$T/lat.txt"
[ $rc -eq 0 ] || { echo "--- stderr:"; tail -30 "$T/lat.err"; }
check "scripts/bench --latency: exit 0" test $rc -eq 0
check "every contender's rows, in order, with sane numbers and ratios" \
	python3 - "$T/lat.txt" "$only" <<'EOF'
import sys
text = open(sys.argv[1]).read()
want = {"testpmd-io": "dpdk-testpmd io", "l3fwd": "l3fwd -E (exact match)",
        "beamline": "beamline", "beamline-proc": "beamline, process path (1 forward process)"}
names = [want[n] for n in sys.argv[2].split(",")]
rows = {}
peaks = {}
for line in text.splitlines():
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    if len(cells) == 13 and cells[1].endswith("%"):
        rows[(cells[0], cells[1])] = cells
    elif len(cells) == 5 and cells[0] in names:
        peaks[cells[0]] = cells
bad = []
for n in names:
    if n not in peaks or not float(peaks[n][1]) > 0:
        bad.append(f"{n}: no peak row")
    for load in ("10%", "50%", "90%"):
        c = rows.get((n, load))
        if c is None:
            bad.append(f"{n} {load}: no row")
            continue
        try:
            rate, p50, p99, p999, mx = (float(x) for x in c[2:7])
        except ValueError:
            bad.append(f"{n} {load}: not numbers: {c}")
            continue
        if not (rate > 0 and 0 < p50 <= p99 <= p999 <= mx < 1e6):
            bad.append(f"{n} {load}: out of order or absurd: {c}")
        ratios = c[7:10]
        if n != "dpdk-testpmd io" and "dpdk-testpmd io" in names:
            # A ratio is printed to two places: a contender a hundred times
            # the floor's speed (seen when the floor's run was disturbed)
            # shows 0.00. Present and a number is what is checked here.
            if any(not (0 <= float(r) < 1e4) for r in ratios if r != "-") or "-" in ratios:
                bad.append(f"{n} {load}: ratios {ratios}")
        if c[11] != "1":
            bad.append(f"{n} {load}: runs {c[11]}")
for b in bad:
    print("   ", b)
sys.exit(1 if bad else 0)
EOF
check "--json holds every run, none failed" python3 - "$T/lat.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
rs = d["results"]
sys.exit(0 if rs and not any("failed" in r for r in rs)
         and all(r["received_msgs"] > 0 for r in rs) else 1)
EOF
# Every message comes back at most once: a memif queue with no ring on the
# generator's side made frames loop through testpmd io and beamline and
# come back many times, stamps ever older (the generator's --duplex).
check "no run got back more than it sent, nor foreign frames" python3 - "$T/lat.json" <<'EOF'
import json, sys
rs = json.load(open(sys.argv[1]))["results"]
bad = [(r["name"], r["load"], r["sent_msgs"], r["received_msgs"], r["foreign_frames"])
       for r in rs if r["received_msgs"] > r["sent_msgs"] or r["foreign_frames"] != 0]
for b in bad:
    print("    %s at %s: sent %d msgs, got back %d, foreign frames %d" % b)
sys.exit(1 if bad else 0)
EOF

echo "$FAILS failure(s)"
[ $FAILS -eq 0 ]
