#!/usr/bin/env bash
# docs/client.md's namespace recipe, run as written: the sh block under "On
# one machine: the namespace recipe", with the names made unique (namespaces,
# interfaces, socket, file prefix) and the binaries taken from this build.
# 100 messages must reach the receiver with no gap, and the router must
# count them forwarded. Needs root for the namespaces; skips (77) without.
set -euo pipefail
b=${BL_BUILD_DIR:?}
src=${BL_SOURCE_DIR:?}
work=$(mktemp -d /tmp/bl-test-recipe.XXXXXX)
id=$(($$ % 100000))
ns_s="crS$id" ns_r="crR$id"
rpid=""
cleanup() {
	# The recipe runs in a process group of its own: what it started goes with it.
	if [ -n "$rpid" ]; then kill -KILL -- "-$rpid" 2>/dev/null || true; fi
	ip netns del "$ns_s" 2>/dev/null || true
	ip netns del "$ns_r" 2>/dev/null || true
	ip link del "c${id}sO" 2>/dev/null || true
	ip link del "c${id}rO" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "test_client_recipe: FAIL: $*"; cat "$work/out.txt" 2>/dev/null; exit 1; }

if [ "$(id -u)" != 0 ] || ! ip netns add "$ns_s" 2>/dev/null; then
	echo "SKIP: needs root and network namespaces"
	exit 77
fi
ip netns del "$ns_s"

python3 - "$src/docs/client.md" "$work/recipe.sh" "$id" <<'PY'
import re, sys
doc, out, i = open(sys.argv[1]).read(), sys.argv[2], sys.argv[3]
sec = doc[doc.index("### On one machine: the namespace recipe"):]
m = re.search(r"```sh\n(.*?)\n```", sec, re.S)
block = m.group(1)
for a, b in [("blsO", f"c{i}sO"), ("blsI", f"c{i}sI"), ("blrO", f"c{i}rO"), ("blrI", f"c{i}rI"),
             ("snd", f"crS{i}"), ("rcv", f"crR{i}"), ("bl-veth", f"bl-recipe-{i}")]:
    block = block.replace(a, b)
open(out, "w").write(block + "\n")
PY
grep -q "blmsg send" "$work/recipe.sh" || fail "no recipe found in docs/client.md"
sed -i "s|/tmp/bl-recipe-$id.sock|$work/ctl.sock|g" "$work/recipe.sh"
(cd "$b" && exec setsid bash "$work/recipe.sh") >"$work/out.txt" 2>&1 &
rpid=$!
for _ in $(seq 900); do kill -0 "$rpid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$rpid" 2>/dev/null && fail "the recipe did not end within 90 s"
set +e
wait "$rpid"
rc=$?
set -e
rpid=""
[ "$rc" = 0 ] || fail "the recipe exited $rc"
grep -q "^total msgs=100 .* gaps=0 lost=0 dups=0" "$work/out.txt" || fail "blmsg recv did not get the 100 messages"
grep -qE "^  rx_msgs +100$" "$work/out.txt" || fail "the router did not count 100 messages in"
grep -qE "^  fwd_msgs +100$" "$work/out.txt" || fail "the router did not forward 100 messages"
grep -q "every mbuf is back in its pool" "$work/out.txt" || fail "the daemon's exit"
echo "test_client_recipe: ok"
