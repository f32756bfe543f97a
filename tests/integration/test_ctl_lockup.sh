#!/usr/bin/env bash
# Nobody can lock the control socket up. A daemon with a short idle timeout
# (--ctl-idle-timeout 2): 64 clients (the maximum) connect and send nothing
# or half a request; `beamctl status` still answers at once (it takes the
# slot of the least active client, counted as evicted), then every idle
# client is closed by the daemon after the idle time and counted as
# idle_closed; the counters show in `beamctl status`, text and --json; an
# oversized line is counted as too_big; the daemon stops cleanly.
set -euo pipefail
b=${BL_BUILD_DIR:?}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=daemon.sh
. "$here/daemon.sh"
bl_scratch lockup
fail() { echo "test_ctl_lockup: FAIL: $*"; [ -f "$work/daemon.log" ] && cat "$work/daemon.log"; exit 1; }

idle=2
bl_start -l 0,1 --no-huge --no-shconf --no-pci -m 256 --log-level=error \
	--file-prefix "bl-lockup-$$" --vdev "net_ring_lk$$" \
	-- --check-mbufs --ctl-idle-timeout "$idle"

# Before the attack: the counters are there, the idle time is the one given.
ctl --json status | python3 -c '
import json, sys
c = json.load(sys.stdin)["control"]
want = {"clients", "max_clients", "idle_timeout_ms", "accepted", "requests", "errors", "busy",
        "evicted", "idle_closed", "slow_dropped", "too_big", "bad_request", "unknown_command"}
assert set(c) == want, sorted(c)
assert c["max_clients"] == 64 and c["idle_timeout_ms"] == '"$idle"'000, c
assert c["clients"] == 1 and c["busy"] == c["evicted"] == c["idle_closed"] == 0, c
' || fail "status before: $(ctl --json status)"

python3 - "$sock" "$b/control/beamctl" "$idle" <<'PY' || fail "idle clients"
import json, select, socket, subprocess, sys, time

path, beamctl, idle = sys.argv[1], sys.argv[2], float(sys.argv[3])
MAX = 64

def status():
    out = subprocess.run([beamctl, "-s", path, "--timeout", "3000", "--json", "status"],
                         capture_output=True, text=True, timeout=10)
    assert out.returncode == 0, (out.returncode, out.stderr)
    return json.loads(out.stdout)["control"]

# The maximum number of clients, all idle: most send nothing, some half a line.
socks = []
for i in range(MAX):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    if i % 8 == 7:
        s.sendall(b'{"cmd":"sta')
    socks.append(s)
t0 = time.monotonic()
time.sleep(0.3)  # let the daemon accept them all

# The table is full of idle clients, and beamctl is still answered.
c = status()
assert time.monotonic() - t0 < idle, "too slow to test before the idle time"
assert c["clients"] == MAX, c          # 63 idle ones and beamctl itself
assert c["evicted"] == 1, c            # the least active one made room
assert c["busy"] == 0 and c["idle_closed"] == 0, c
# The evicted one is the first that connected: closed by the daemon.
r, _, _ = select.select([socks[0]], [], [], 2)
assert r and socks[0].recv(16) == b"", "the first client was not closed"

# After the idle time every idle client is closed by the daemon.
deadline = t0 + idle + 5
for i, s in enumerate(socks[1:], 1):
    r, _, _ = select.select([s], [], [], max(0.0, deadline - time.monotonic()))
    assert r, f"client {i} still open {time.monotonic() - t0:.1f} s after connecting"
    assert s.recv(16) == b"", f"client {i} got data instead of being closed"
    s.close()
socks[0].close()
took = time.monotonic() - t0
assert took >= idle - 0.5, f"closed after {took:.1f} s, before the idle time"

c = status()
assert c["idle_closed"] == MAX - 1, c
assert c["clients"] == 1 and c["evicted"] == 1 and c["busy"] == 0, c

# A client that keeps asking is never idle: 3 idle times of requests on one connection.
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(path)
f = s.makefile("rwb")
end = time.monotonic() + 3 * idle
while time.monotonic() < end:
    f.write(b'{"cmd":"help"}\n'); f.flush()
    assert json.loads(f.readline())["ok"] is True
    time.sleep(idle / 4)
# An oversized request line is refused and counted; the connection stays usable.
f.write(b'{"cmd":"status","pad":"' + b"x" * 70000 + b'"}\n'); f.flush()
r = json.loads(f.readline())
assert r["error"] == "too_big", r
f.write(b'{"cmd":"status"}\n'); f.flush()
r = json.loads(f.readline())
assert r["ok"] is True and r["control"]["too_big"] == 1, r["control"]
assert r["control"]["idle_closed"] == MAX - 1, r["control"]
s.close()
PY

# The text form shows the same block.
ctl status >"$work/status.txt"
grep -qE '^control$' "$work/status.txt" || fail "status text has no control block: $(cat "$work/status.txt")"
grep -qE '^  idle_closed +63$' "$work/status.txt" || fail "status text: $(cat "$work/status.txt")"
grep -qE '^  evicted +1$' "$work/status.txt" || fail "status text: $(cat "$work/status.txt")"
grep -qE '^  idle_timeout_ms +2000$' "$work/status.txt" || fail "status text: $(cat "$work/status.txt")"

# A bad value for the option is refused before anything starts.
set +e
"$b/control/beamline" -l 0,1 --no-huge --no-shconf --no-pci -m 256 --log-level=error \
	--file-prefix "bl-lockup-bad$$" --vdev "net_ring_lkb$$" -- --ctl-idle-timeout soon \
	>"$work/bad.txt" 2>&1; rc=$?
set -e
[ "$rc" = 2 ] || fail "--ctl-idle-timeout soon: exit $rc"
grep -q "bad value 'soon' for --ctl-idle-timeout" "$work/bad.txt" || fail "$(cat "$work/bad.txt")"

bl_stop
echo "test_ctl_lockup: ok"
