#!/usr/bin/env bash
# scripts/demo as a smoke test, on the build under test (--build: no
# scripts/setup): four seconds of generated traffic to a next hop, a
# supervised tree with fault injection, a group and a pool. The screen must
# show a restart, deliveries to the group and the pool, a latency line, and
# the demo must exit 0 with the daemon's stop line.
set -euo pipefail
b=${BL_BUILD_DIR:?}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=$(mktemp /tmp/bl-test-demo.XXXXXX)
trap 'rm -f "$out"' EXIT
fail() { echo "test_demo: FAIL: $*"; cat "$out"; exit 1; }

set +e
timeout 90 "$root/scripts/demo" --seconds 4 --build "$b" >"$out" 2>&1
rc=$?
set -e
[ "$rc" = 0 ] || fail "scripts/demo exited $rc"
python3 - "$out" <<'PY' || fail "the screen lacks a figure"
import re, sys
text = open(sys.argv[1]).read()
restarts = [int(n) for n in re.findall(r"^supervisor demo \(running\): restarts (\d+)", text, re.M)]
assert restarts and max(restarts) > 0, f"restarts {restarts}"
assert re.search(r"^latest crash: \S+ fault\.demo fault poison_message key 9", text, re.M), "crash"
def delivered(kind):
    return [float(x) for x in re.findall(rf"^{kind} \S+: \d+ members.*: ([\d.]+)[kMG]? (?:deliveries|msg)/s", text, re.M)]
assert any(v > 0 for v in delivered("group")), "no group delivery"
assert any(v > 0 for v in delivered("pool")), "no pool delivery"
assert re.search(r"^latency fast p50 [\d.]+us p99 [\d.]+us", text, re.M), "no latency line"
assert re.search(r"^latency .*process p50", text, re.M), "no process-path latency"
assert re.search(r"^beamline: stopped: \d+ packets in", text, re.M), "no stop line"
assert "demo: beamline exited with status 0" in text
assert all(len(l) <= 80 for l in text.splitlines()
           if not l.startswith(("demo: beamline -l", "beamline"))), "a screen line is wider than 80"
print(f"test_demo: restarts {max(restarts)}")
PY
echo "test_demo: ok"
