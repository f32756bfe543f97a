# shellcheck shell=bash
# Sourced by the integration tests that run one beamline daemon over a pcap:
# a scratch folder removed at exit, the daemon started with its control
# socket, stopped by its pid, and its exit checked (0, every mbuf back).
#
#   bl_scratch NAME          work=/tmp/bl-test-NAME.XXXXXX, cleaned up at exit
#   bl_start ARGS...         beamline ARGS (EAL args -- options, without
#                            --socket), log in $work/daemon.log; waits for
#                            $sock; sets pid
#   ctl ARGS...              beamctl on $sock
#   bl_stop                  SIGTERM, wait, then exit 0 and "every mbuf is
#                            back" required (run with --check-mbufs)
# Needs b (the build folder).
: "${b:?daemon.sh needs b, the build folder}"

bl_scratch() {
	work=$(mktemp -d "/tmp/bl-test-$1.XXXXXX")
	sock="$work/ctl.sock"
	pid=""
	trap bl_cleanup EXIT
}

bl_cleanup() {
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
	rm -rf "$work"
}

bl_start() {
	"$b/control/beamline" "$@" --socket "$sock" >"$work/daemon.log" 2>&1 &
	pid=$!
	for _ in $(seq 300); do [ -S "$sock" ] && break; kill -0 "$pid" || break; sleep 0.1; done
	[ -S "$sock" ] || { cat "$work/daemon.log"; echo "daemon did not come up"; exit 1; }
}

ctl() { "$b/control/beamctl" -s "$sock" "$@"; }

bl_stop() {
	local rc

	kill -TERM "$pid"
	set +e
	wait "$pid"
	rc=$?
	set -e
	pid=""
	[ "$rc" = 0 ] || { cat "$work/daemon.log"; echo "beamline exited $rc (3 = mbufs missing from the pool)"; exit 1; }
	grep -q "every mbuf is back in its pool" "$work/daemon.log"
}
