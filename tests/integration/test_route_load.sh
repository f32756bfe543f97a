#!/usr/bin/env bash
# scripts/route-load with 20000 routes: exit 0, every line it promises, and
# the table's memory back after the deletes.
set -u
src=${BL_SOURCE_DIR:?}
out=$("$src/scripts/route-load" --routes 20000 --build "${BL_BUILD_DIR:?}" 2>&1)
rc=$?
echo "$out"
fail() { echo "test_route_load: FAIL: $*"; exit 1; }
[ "$rc" = 0 ] || fail "exit $rc"
for want in "config of 20000 route add lines:" "route batch, 20000 adds:" \
	"route batch, 20000 replaces:" "route batch, 20000 deletes:" "route_bytes_per_route"; do
	grep -qF "$want" <<<"$out" || fail "no line '$want'"
done
before=$(grep -m1 '^  route_bytes ' <<<"$out" | awk '{print $2}')
after=$(grep '^  route_bytes ' <<<"$out" | tail -1 | awk '{print $2}')
[ "$after" -lt "$before" ] || fail "route_bytes $before -> $after after deleting every route"
echo "test_route_load: ok"
