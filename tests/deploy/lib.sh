# shellcheck shell=bash
# SPDX-License-Identifier: BSD-3-Clause
# Helpers shared by the deploy tests (sourced). Every test works in its own
# temporary directory, removed on exit, and touches no real system state.
set -u

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fail() {
	echo "FAIL: $*" >&2
	for f in "$work"/out "$work"/err "$work"/*.log; do
		[ -s "$f" ] && { echo "--- $f" >&2; cat "$f" >&2; }
	done
	exit 1
}

# expect_exit CODE CMD...: run with output in $work/out and $work/err.
expect_exit() {
	local want=$1 rc
	shift
	"$@" >"$work/out" 2>"$work/err"
	rc=$?
	[ "$rc" -eq "$want" ] || fail "exit $rc, want $want: $*"
}

# expect_err_has TEXT: stderr of the last command mentions TEXT.
expect_err_has() {
	grep -q -- "$1" "$work/err" || fail "stderr lacks '$1'"
}

expect_out_has() {
	grep -q -- "$1" "$work/out" || fail "stdout lacks '$1'"
}

# expect_out_is TEXT: stdout of the last command is exactly TEXT.
expect_out_is() {
	local want=$1
	[ "$(cat "$work/out")" = "$want" ] || fail "stdout is:
$(cat "$work/out")
want:
$want"
}
