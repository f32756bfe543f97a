#!/usr/bin/env bash
# Shared tables (ETS) on a running daemon: ets_counter processes on two
# lcores count into one public table; beamctl table list, info and get
# read it while they run, memory counts its entries; the owner's exit hands
# the table to its heir, the heir's exit takes it away; bad requests get one
# clear message each.
set -euo pipefail
b=${BL_BUILD_DIR:?}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=daemon.sh
. "$here/daemon.sh"
bl_scratch table
fail() { echo "test_table: FAIL: $*"; cat "$work/daemon.log"; exit 1; }

bl_start -l 0,1 --no-huge --no-shconf --no-pci -m 256 \
	--file-prefix "bl-table-$$" --log-level=warning --vdev "net_ring_t$$" -- --check-mbufs

# The heir first: it makes a table of its own, then the owner names it.
ctl spawn ets_counter name heir lcore 1 table spare >/dev/null
ctl spawn ets_counter name own lcore 1 table counts heir heir >/dev/null
# A second writer, on the control thread's lcore: the table is public.
ctl spawn ets_counter name other lcore 0 table counts >/dev/null
for _ in 1 2 3; do ctl send own 5 x >/dev/null; done
for _ in 1 2; do ctl send other 5 y >/dev/null; done
ctl send other 9 z >/dev/null
sleep 0.2

out=$(ctl table list)
echo "$out" | grep -qE "^ +counts +set +public" || fail "table list: $out"
echo "$out" | grep -qE "^ +spare " || fail "table list: $out"
ctl --json table list >"$work/list.json"
ctl --json table info counts >"$work/info.json"
ctl --json table get counts 5 >"$work/get5.json"
ctl --json table get counts 0x9 >"$work/get9.json"
ctl --json memory >"$work/mem.json"
ctl --json info own >"$work/own.json"
ctl --json info heir >"$work/heir.json"
python3 - "$work" <<'PY'
import json, sys
w = sys.argv[1]
ld = lambda n: json.load(open(f"{w}/{n}.json"))
lst, info, g5, g9, mem = ld("list"), ld("info"), ld("get5"), ld("get9"), ld("mem")
own, heir = ld("own"), ld("heir")
assert lst["count"] == 2, lst
t = {x["name"]: x for x in lst["tables"]}
assert t["counts"]["entries"] == 2 and t["spare"]["entries"] == 0, lst
assert info["owner"] == own["pid"] and info["heir"] == heir["pid"], (info, own, heir)
assert info["type"] == "set" and info["access"] == "public", info
assert info["keys"] == "u64" and info["values"] == "u64", info
assert info["entries"] == 2 and info["bytes"] == 2 * (40 + 8 + 8), info
assert info["max_entries"] == 16384 and info["refused"] == 0, info
assert g5["values"][0]["value"] == 5 and g5["values"][0]["bytes"] == 8, g5
assert g9["values"][0]["value"] == 1, g9
tb = mem["tables"]
assert tb["ets_tables"] == 2 and tb["ets_entries"] == 2, tb
assert tb["ets_bytes"] >= info["memory"], (tb, info)
PY
# A call reads the count from the table (any ets_counter answers for it).
ctl call other 5 x | grep -q "key 5: 5" || fail "call: $(ctl call other 5 x)"

# The owner goes: its heir has the table (the same entries), then takes it away.
ctl kill own >/dev/null
sleep 0.3
ctl --json table info counts >"$work/info2.json"
ctl --json info heir >"$work/heir2.json"
python3 - "$work/info2.json" "$work/heir2.json" <<'PY'
import json, sys
info, heir = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert info["owner"] == heir["pid"] and info["heir"] is None, (info, heir)
assert info["entries"] == 2, info
assert heir["ets_counter"]["inherited"] == 1, heir
PY
ctl kill heir >/dev/null
sleep 0.3
out=$(ctl --json table list)
python3 -c "
import json, sys
r = json.loads(sys.argv[1])
assert r['count'] == 0, r" "$out"
# The writer left counts again: its next message makes the table anew.
ctl send other 7 x >/dev/null
sleep 0.2
ctl --json table get counts 7 | python3 -c "
import json, sys
r = json.load(sys.stdin)
assert r['values'][0]['value'] == 1, r"

# bad input: one clear message each
for bad in "table info nosuch" "table get nosuch 1" "table get counts 12345" "table get counts -1" "table get counts abc" "table info" "table get counts" "table info bad^name x"; do
	set +e
	# shellcheck disable=SC2086
	msg=$(ctl $bad 2>&1)
	rc=$?
	set -e
	[ "$rc" != 0 ] || fail "'$bad' succeeded: $msg"
	[ "$(echo "$msg" | wc -l)" = 1 ] || fail "'$bad': more than one line: $msg"
done
bl_stop
echo "table: list, info, get, memory, heir, a table made again, refusals: all as expected"
