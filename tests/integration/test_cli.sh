#!/usr/bin/env bash
# beamctl against a live beamline: routes added, replaced, listed, deleted
# (one and batch), in table and JSON forms; errors that name what was wrong;
# a malformed and an oversized request that the daemon survives; and the
# daemon's own refusals of bad start-up arguments and config lines.
set -euo pipefail
b=${BL_BUILD_DIR:?}
work=$(mktemp -d /tmp/bl-test-cli.XXXXXX)
pid=""
cleanup() {
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "test_cli: FAIL: $*"; [ -f "$work/daemon.log" ] && cat "$work/daemon.log"; exit 1; }

eal=(--no-huge --no-shconf --no-pci -m 256 --log-level=error)
sock="$work/ctl.sock"
ctl() { "$b/control/beamctl" -s "$sock" "$@"; }
jq_() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

# --- refusals at start: one clear message, non-zero exit ------------------------
expect_refusal() { # name, expected message fragment, args...
	local name=$1 frag=$2; shift 2
	set +e
	"$b/control/beamline" "$@" >"$work/out.txt" 2>&1
	local rc=$?
	set -e
	[ "$rc" != 0 ] || fail "$name: exit 0"
	grep -q -- "$frag" "$work/out.txt" || { cat "$work/out.txt"; fail "$name: no '$frag' in the message"; }
}
expect_refusal "no ports" "no ports" -l 0,1 "${eal[@]}" --file-prefix "bl-cli-a$$" -- --socket "$work/a.sock"
expect_refusal "no worker" "no worker lcore" -l 0 "${eal[@]}" --file-prefix "bl-cli-b$$" \
	--vdev "net_ring_b$$" -- --socket "$work/b.sock"
expect_refusal "bad option" "bad value" -l 0,1 "${eal[@]}" --file-prefix "bl-cli-c$$" \
	--vdev "net_ring_c$$" -- --udp-port 70000
printf 'route add 1 drop\nroute add 2 port 9 mac 02:00:00:00:00:01 ip 10.0.0.2\n' >"$work/bad.conf"
expect_refusal "bad config line" "bad.conf:2" -l 0,1 "${eal[@]}" --file-prefix "bl-cli-d$$" \
	--vdev "net_ring_d$$" -- --socket "$work/d.sock" --config "$work/bad.conf"
printf 'route add 1 drop\nroute frobnicate\n' >"$work/bad2.conf"
expect_refusal "unknown word in config" "bad2.conf:2" -l 0,1 "${eal[@]}" --file-prefix "bl-cli-e$$" \
	--vdev "net_ring_e$$" -- --socket "$work/e.sock" --config "$work/bad2.conf"

# --- a live daemon ------------------------------------------------------------------
printf '# start-up routes\nroute add 7 port 0 mac 02:00:00:00:00:07 ip 10.0.0.7\nroute add default drop\n' >"$work/good.conf"
"$b/control/beamline" -l 0,1 "${eal[@]}" --file-prefix "bl-cli-$$" --vdev "net_ring_l$$" \
	-- --socket "$sock" --config "$work/good.conf" --check-mbufs >"$work/daemon.log" 2>&1 &
pid=$!
for _ in $(seq 300); do [ -S "$sock" ] && break; kill -0 "$pid" || break; sleep 0.1; done
[ -S "$sock" ] || fail "daemon did not come up"
[ "$(stat -c %a "$sock")" = 600 ] || fail "socket mode $(stat -c %a "$sock"), want 600"

ctl status | grep -q "net_ring_l$$" || fail "status table lacks the port"
[ "$(ctl --json status | jq_ 'd["routes"]')" = 1 ] || fail "status: routes != 1"
[ "$(ctl --json status | jq_ 'd["default_route"]')" = True ] || fail "status: no default route"

ctl route add 42 port 0 mac 02:00:00:00:00:2a ip 10.0.0.42 udp 9000 >/dev/null
ctl route add 0xffffffffffffffff drop >/dev/null
out=$(ctl --json route add 42 port 0 mac 02:00:00:00:00:2b ip 10.0.0.43)
[ "$(echo "$out" | jq_ 'd["replaced"]')" = 1 ] || fail "replace not reported: $out"
ctl route list >"$work/list.txt"
grep -q "10.0.0.43" "$work/list.txt" || fail "route list table lacks the replaced hop"
grep -q "18446744073709551615" "$work/list.txt" || fail "route list lacks the 2^64-1 key"
ctl --json route list | python3 -c '
import json, sys
d = json.load(sys.stdin)
keys = [r["key"] for r in d["routes"]]
assert d["total"] == 4, d
assert keys[0] == "default", keys
assert "18446744073709551615" in keys and 42 in keys and 7 in keys, keys
r42 = [r for r in d["routes"] if r["key"] == 42][0]
assert r42 == {"key": 42, "action": "forward", "port": 0, "mac": "02:00:00:00:00:2b",
               "ip": "10.0.0.43", "udp": 7447}, r42
' || fail "route list JSON"

# Batch: 1000 adds and one delete as one change.
{ for k in $(seq 1000 1999); do echo "add $k port 0 mac 02:00:00:00:00:01 ip 10.0.1.1"; done; echo "del 7"; } >"$work/batch.txt"
out=$(ctl --json route batch "$work/batch.txt")
[ "$(echo "$out" | jq_ 'd["added"], d["deleted"]' | tr '\n' ' ')" = "1000 1 " ] || fail "batch: $out"
# A batch with one bad op changes nothing and names the line.
{ echo "add 5000 drop"; echo "del 123456"; } >"$work/batch2.txt"
set +e
ctl route batch "$work/batch2.txt" 2>"$work/err.txt"; rc=$?
set -e
[ "$rc" = 1 ] || fail "bad batch exit $rc"
grep -q "123456" "$work/err.txt" || fail "bad batch message: $(cat "$work/err.txt")"
[ "$(ctl --json status | jq_ 'd["routes"]')" = 1002 ] || fail "bad batch changed the table"

# Errors name what was wrong, with exit 1 (daemon) or 2 (usage).
set +e
ctl route add 1 port 5 mac 02:00:00:00:00:01 ip 10.0.0.1 2>"$work/err.txt"; rc1=$?
ctl route del 99999 2>"$work/err2.txt"; rc2=$?
ctl route add 1 port 0 mac 02:00:00:00:00 ip 10.0.0.1 2>"$work/err3.txt"; rc3=$?
set -e
[ "$rc1" = 1 ] && grep -q "port 5 does not exist" "$work/err.txt" || fail "bad port: $rc1 $(cat "$work/err.txt")"
[ "$rc2" = 1 ] && grep -q "no such route" "$work/err2.txt" || fail "del missing: $rc2 $(cat "$work/err2.txt")"
[ "$rc3" = 2 ] || fail "bad MAC should be a usage error, got $rc3"

# Malformed and oversized requests: error replies, the daemon keeps serving.
python3 - "$sock" <<'PY' || fail "raw socket requests"
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
f = s.makefile("rwb")
def ask(raw):
    f.write(raw + b"\n"); f.flush()
    return json.loads(f.readline())
r = ask(b"{not json")
assert r["ok"] is False and r["error"] == "bad_request", r
r = ask(b'{"cmd":"route.add","routes":[' + b'1,' * 40000 + b'1]}')
assert r["ok"] is False and r["error"] == "too_big", r
r = ask(b'{"cmd":"no.such"}')
assert r["ok"] is False and r["error"] == "unknown_command", r
r = ask(b'{"cmd":"route.add","routes":[{"key":1,"action":"teleport"}]}')
assert r["ok"] is False and r["error"] == "invalid_argument", r
r = ask(b'{"cmd":"status"}')
assert r["ok"] is True, r
PY

# Stats hold the accounting identities (no traffic on this port: all zero).
ctl --json stats | python3 -c '
import json, sys
d = json.load(sys.stdin); t = d["totals"]
assert t["rx_pkts"] == t["acc_pkts"] + t["drop_pkts"], t
assert t["rx_msgs"] == t["fwd_msgs"] + t["drop_msgs"] + t["buffered_msgs"], t
assert set(d["msg_drops"]) >= {"no_route", "route_drop", "tx_full"}, d["msg_drops"]
assert d["mempool"]["size"] > 0
' || fail "stats JSON"
ctl stats | grep -q "mempool" || fail "stats table"

kill -TERM "$pid"
set +e; wait "$pid"; rc=$?; set -e
pid=""
[ "$rc" = 0 ] || fail "daemon exit $rc after SIGTERM"
grep -q "every mbuf is back in its pool" "$work/daemon.log" || fail "mbufs not all back"
[ ! -e "$sock" ] || fail "socket left behind"
echo "test_cli: OK"
