#!/usr/bin/env bash
# beamctl against a live beamline: routes added, replaced, listed, deleted
# (one and batch), in table and JSON forms; errors that name what was wrong;
# 25000 routes from a config listed page by page, each key once, and counted;
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
expect_refusal "bad --udp6-check" "for --udp6-check: 'used' or 'all'" -l 0,1 "${eal[@]}" \
	--file-prefix "bl-cli-c6$$" --vdev "net_ring_c6$$" -- --udp6-check sometimes
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
               "ip": "10.0.0.43", "udp": 7447, "origin": "local"}, r42
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
# The daemon reads a batch's "text" with the CLI's grammar: a bad line is
# named by its number and nothing of the request is applied.
set +e
ctl --raw '{"cmd":"route.batch","text":"add 5001 drop\nadd 5002 port 0 mac zz ip 10.0.0.9\n"}' \
	2>"$work/err.txt"; rc=$?
ctl --raw '{"cmd":"route.batch","text":"add 5003 drop\n","ops":[]}' 2>"$work/err2.txt"; rc2=$?
set -e
[ "$rc" = 1 ] || fail "bad text batch exit $rc"
grep -q "text line 2: add: bad MAC 'zz'" "$work/err.txt" || fail "bad text message: $(cat "$work/err.txt")"
[ "$rc2" = 1 ] || fail "text and ops together: exit $rc2"
grep -q 'either a string "text" or an array "ops"' "$work/err2.txt" ||
	fail "text and ops message: $(cat "$work/err2.txt")"
[ "$(ctl --json status | jq_ 'd["routes"]')" = 1002 ] || fail "bad text batch changed the table"
ctl --raw '{"cmd":"route.batch","text":"# two\nadd 5001 drop\ndel 5001\n"}' >/dev/null 2>&1 &&
	fail "a key twice in one text batch was accepted"
ctl --raw '{"cmd":"route.batch","text":"add 5001 drop\n\nadd 5002 drop"}' >"$work/out.txt" ||
	fail "text batch: $(cat "$work/out.txt")"
[ "$(ctl --json status | jq_ 'd["routes"]')" = 1004 ] || fail "text batch did not add 2 routes"
ctl route del 5001 5002 >/dev/null

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

# --- 25000 routes from a config: route list walks every page -----------------------
# 20000 drop and 5000 forward routes (keys 1..25000) and a default route.
awk 'BEGIN { for (k = 1; k <= 25000; k++)
	if (k % 5 == 0) printf "add %d port 0 mac 02:00:00:00:00:01 ip 10.0.%d.%d\n", k, k % 250, k % 200 + 1
	else printf "add %d drop\n", k }' >"$work/routes.txt"
printf 'route add default drop\nroute batch %s\n' "$work/routes.txt" >"$work/big.conf"
sock="$work/big.sock"
"$b/control/beamline" -l 0,1 "${eal[@]}" --file-prefix "bl-cli-big$$" --vdev "net_ring_big$$" \
	-- --socket "$sock" --config "$work/big.conf" --check-mbufs >"$work/daemon.log" 2>&1 &
pid=$!
for _ in $(seq 300); do [ -S "$sock" ] && break; kill -0 "$pid" || break; sleep 0.1; done
[ -S "$sock" ] || fail "daemon with 25000 routes did not come up"

{ seq 1 25000; echo default; } | sort >"$work/want.txt"
ctl route list >"$work/big.txt" || fail "route list exit $?"
[ "$(grep -c '^  KEY ' "$work/big.txt")" = 1 ] || fail "route list: the header is not there once"
tail -n 1 "$work/big.txt" | grep -qx "25001 of 25001 routes shown" || fail "route list footer: $(tail -n 1 "$work/big.txt")"
awk '/^  / && $1 != "KEY" { print $1 }' "$work/big.txt" | sort >"$work/got.txt"
[ -z "$(uniq -d "$work/got.txt")" ] || fail "route list: keys listed twice: $(uniq -d "$work/got.txt" | head -5 | tr '\n' ' ')"
[ "$(wc -l <"$work/got.txt")" = 25001 ] || fail "route list: $(wc -l <"$work/got.txt") keys, want 25001"
cmp -s "$work/got.txt" "$work/want.txt" || fail "route list: not the keys loaded"
[ "$(awk '/^  / && $1 != "KEY" { print $1; exit }' "$work/big.txt")" = default ] ||
	fail "route list: the default route is not first"

# --json: one reply per page, one per line; together every key once.
ctl --json route list | python3 -c '
import json, sys
pages = [json.loads(l) for l in sys.stdin]
assert len(pages) == 3, len(pages)
assert all(p["ok"] and p["total"] == 25001 for p in pages)
assert [p["next"] is None for p in pages] == [False, False, True]
keys = [r["key"] for p in pages for r in p["routes"]]
assert len(keys) == len(set(keys)) == 25001, len(keys)
assert set(keys) == set(range(1, 25001)) | {"default"}
fwd = [r for p in pages for r in p["routes"] if r["action"] == "forward"]
assert len(fwd) == 5000 and all(r["key"] % 5 == 0 for r in fwd)
' || fail "route list --json pages"

# route count: 25000 routes besides the default one.
ctl route count >"$work/count.txt"
grep -qE '^total +25000$' "$work/count.txt" || fail "route count: $(cat "$work/count.txt")"
grep -qE '^default_route +true$' "$work/count.txt" || fail "route count: no default route"
ctl --json route count | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["total"] == 25000 and d["default_route"] is True, d
assert d["by_action"] == {"drop": 20000, "forward": 5000, "process": 0, "group": 0, "pool": 0}, d
' || fail "route count --json"

# One page at a time with limit and cursor, the table changing between pages:
# every route present throughout is listed once.
python3 - "$b/control/beamctl" "$sock" <<'PY' || fail "paging with limit and cursor"
import json, subprocess, sys
ctl = [sys.argv[1], "-s", sys.argv[2]]
def run(*words, stdin=None):
    return subprocess.run(ctl + list(words), input=stdin, capture_output=True, text=True,
                          check=True).stdout
seen, cursor, pages, new = [], None, 0, 100000
while True:
    words = ["--json", "route", "list", "limit", "4000"] + (["cursor", cursor] if cursor else [])
    page = json.loads(run(*words))
    seen += [r["key"] for r in page["routes"]]
    pages += 1
    # Between pages: 2000 new routes, and 200 of the original ones deleted.
    ops = "".join("add %d drop\n" % k for k in range(new, new + 2000))
    ops += "".join("del %d\n" % k for k in range(pages * 200 - 199, pages * 200 + 1))
    new += 2000
    run("route", "batch", "-", stdin=ops)
    cursor = page["next"]
    if cursor is None:
        break
    assert len(cursor) == 24, cursor
deleted = set(range(1, pages * 200 + 1))
stable = (set(range(1, 25001)) - deleted) | {"default"}
assert len(seen) == len(set(seen)), "a key listed twice"
assert stable <= set(seen), "missing: %s" % sorted(stable - set(seen))[:5]
assert pages >= 7, pages
out = run("route", "list", "limit", "2")
assert "of %d routes shown" % (25001 - len(deleted) + 2000 * pages) in out, out
assert "next page: beamctl route list limit 2 cursor " in out, out
PY

kill -TERM "$pid"
set +e; wait "$pid"; rc=$?; set -e
pid=""
[ "$rc" = 0 ] || fail "daemon with 25000 routes exit $rc after SIGTERM"
grep -q "every mbuf is back in its pool" "$work/daemon.log" || fail "mbufs not all back (25000 routes)"
echo "test_cli: OK"
