#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# blmsg end to end on loopback: bad arguments exit 2; recv counts what send
# sent (batched, from stdin, paced); malformed datagrams are counted by reason;
# ping computes loss, duplicates and percentiles against a tiny UDP echo.
# Every process started here is stopped by its pid on exit.
#
# usage: test_blmsg_cli.sh BLMSG UDP_ECHO_PY [PYTHON3]
set -u

BLMSG=$1
ECHO_PY=$2
PY=${3:-}
work=$(mktemp -d)
pids=()

cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	rm -rf "$work"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	for f in "$work"/*.out "$work"/*.err; do
		[ -s "$f" ] && { echo "--- $f" >&2; head -50 "$f" >&2; }
	done
	exit 1
}

# expect_exit CODE CMD...: run, capture to $work/cmd.{out,err}, check the code.
expect_exit() {
	local want=$1 rc
	shift
	"$@" >"$work/cmd.out" 2>"$work/cmd.err"
	rc=$?
	[ "$rc" -eq "$want" ] || fail "exit $rc, want $want: $*"
}

# expect_usage MESSAGE_PART ARGS...: exit 2 and one clear message naming the problem.
expect_usage() {
	local part=$1
	shift
	expect_exit 2 "$BLMSG" "$@"
	grep -q -- "$part" "$work/cmd.err" || fail "no '$part' in the error of: blmsg $*"
}

# Wait (bounded) until FILE contains PATTERN; the bound is a hang guard, not a timing check.
wait_for() {
	local file=$1 pattern=$2 _
	for _ in $(seq 1 200); do
		grep -q -- "$pattern" "$file" 2>/dev/null && return 0
		sleep 0.05
	done
	fail "timed out waiting for '$pattern' in $file"
}

# start_recv NAME ARGS...: blmsg recv on 127.0.0.1:<kernel-chosen port>; sets recv_pid, port.
start_recv() {
	local name=$1
	shift
	"$BLMSG" recv --bind 127.0.0.1:0 "$@" >"$work/$name.out" 2>"$work/$name.err" &
	recv_pid=$!
	pids+=("$recv_pid")
	wait_for "$work/$name.err" "listening on"
	port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$work/$name.err")
	[ -n "$port" ] || fail "no port in $work/$name.err"
}

# finish_recv: wait for recv to stop by itself (--count or --seconds) and check exit 0.
finish_recv() {
	wait "$recv_pid"
	local rc=$?
	[ "$rc" -eq 0 ] || fail "recv exited $rc"
}

has() {
	grep -q -- "$2" "$1" || fail "no '$2' in $1"
}

# --- bad input: one clear message, exit 2 --------------------------------
expect_exit 2 "$BLMSG"
expect_usage "unknown command" frobnicate
expect_usage "missing HOST:PORT" send --key 1
expect_usage "--key is required" send 127.0.0.1:9
expect_usage "not HOST:PORT" send 127.0.0.1 --key 1
expect_usage "not HOST:PORT" send 127.0.0.1:70000 --key 1
expect_usage "not HOST:PORT" send 127.0.0.1:0 --key 1
expect_usage "--key" send 127.0.0.1:9 --key -1
expect_usage "--key" send 127.0.0.1:9 --key 0xZZ
expect_usage "--count" send 127.0.0.1:9 --key 1 --count 0
expect_usage "--rate" send 127.0.0.1:9 --key 1 --rate -5
expect_usage "--size" send 127.0.0.1:9 --key 1 --size 10
expect_usage "--mtu" send 127.0.0.1:9 --key 1 --mtu 59
expect_usage "--mtu" send 127.0.0.1:9 --key 1 --mtu 65536
expect_usage "not both" send 127.0.0.1:9 --key 1 --size 256 --mtu 1500
expect_usage "does not fit" send 127.0.0.1:9 --key 1 --mtu 92 --payload "$(printf '%040d' 0)"
expect_usage "exclude each other" send 127.0.0.1:9 --key 1 --payload x --stdin
expect_usage "does not fit" send 127.0.0.1:9 --key 1 --size 64 --payload "$(printf '%040d' 0)"
expect_usage "cannot read" send 127.0.0.1:9 --key 1 --file "$work/no-such-file"
expect_usage "unknown option" send 127.0.0.1:9 --key 1 --bogus
expect_usage "needs a value" send 127.0.0.1:9 --key
expect_usage "unexpected argument" send 127.0.0.1:9 127.0.0.1:10 --key 1
expect_usage "--bind" recv --bind 127.0.0.1:99999
expect_usage "exclude each other" recv --print --quiet
expect_usage "--seconds" recv --seconds 0
expect_usage "--key is required" ping 127.0.0.1:9
expect_usage "--size" ping 127.0.0.1:9 --key 1 --size 10
expect_usage "--interval" ping 127.0.0.1:9 --key 1 --interval x
expect_exit 0 "$BLMSG" help
has "$work/cmd.out" "blmsg send HOST:PORT"

# --- batched send, counted by recv ---------------------------------------
start_recv batch --count 100 --seconds 30 --quiet
expect_exit 0 "$BLMSG" send "127.0.0.1:$port" --key 0x2a --payload hello --count 100 --batch 7
has "$work/cmd.out" "sent msgs=100 frames=15 "
finish_recv
has "$work/batch.out" "total msgs=100 frames=15 bytes=500 dgrams=15 malformed=0 sources=1"
has "$work/batch.out" "gaps=0 lost=0 dups=0"
has "$work/batch.out" "next_seq=100 gaps=0 lost=0 dups=0"
! grep -q "seq=" <(grep -v "^source\|^total" "$work/batch.out") || fail "--quiet printed messages"

# --- size limit: 100 x 100-byte messages in 256-byte datagrams: 2 per frame ---
start_recv size --count 100 --seconds 30 --quiet
expect_exit 0 "$BLMSG" send "127.0.0.1:$port" --key 1 --payload "$(printf '%0100d' 7)" \
	--count 100 --size 256
has "$work/cmd.out" "sent msgs=100 frames=50 "
finish_recv
has "$work/size.out" "total msgs=100 frames=50 bytes=10000"

# --- a path MTU: --mtu 284 is 256-byte datagrams (284 - 20 - 8), as above;
# --mtu 9000 (jumbo) packs eight 1000-byte messages a datagram of at most
# 8972 bytes (16 + 8 x 1016 = 8144; a ninth would make 9160) --------------
start_recv mtu --count 100 --seconds 30 --quiet
expect_exit 0 "$BLMSG" send "127.0.0.1:$port" --key 1 --payload "$(printf '%0100d' 7)" \
	--count 100 --mtu 284
has "$work/cmd.out" "sent msgs=100 frames=50 "
finish_recv
has "$work/mtu.out" "total msgs=100 frames=50 bytes=10000"
start_recv jumbo --count 80 --seconds 30 --quiet
expect_exit 0 "$BLMSG" send "127.0.0.1:$port" --key 1 --payload "$(printf '%01000d' 7)" \
	--count 80 --mtu 9000
has "$work/cmd.out" "sent msgs=80 frames=10 "
finish_recv
has "$work/jumbo.out" "total msgs=80 frames=10 bytes=80000"

# --- one message per stdin line, printed as text or hex ------------------
start_recv stdin --count 3 --seconds 30 --print
printf 'alpha\nbe"ta\n\001\002\n' | expect_exit 0 "$BLMSG" send "127.0.0.1:$port" --key 77 --stdin
finish_recv
has "$work/stdin.out" 'seq=0 key=77 len=5 text="alpha"'
has "$work/stdin.out" 'seq=1 key=77 len=5 text="be\\"ta"'
has "$work/stdin.out" 'seq=2 key=77 len=2 hex=0102'

# --- payload from a file, paced ------------------------------------------
head -c 300 /dev/zero >"$work/payload.bin"
start_recv file --count 5 --seconds 30 --quiet
expect_exit 0 "$BLMSG" send "127.0.0.1:$port" --key 5 --file "$work/payload.bin" --count 5 \
	--rate 500
finish_recv
has "$work/file.out" "total msgs=5 "
has "$work/file.out" "bytes=1500 "

# --- malformed datagrams are counted by reason, then good ones still flow ---
start_recv bad --count 1 --seconds 30 --print
printf 'junk' >"/dev/udp/127.0.0.1/$port"
printf 'XXXXXXXXXXXXXXXXXXXX' >"/dev/udp/127.0.0.1/$port"
expect_exit 0 "$BLMSG" send "127.0.0.1:$port" --key 3 --payload ok
finish_recv
has "$work/bad.out" "total msgs=1 frames=1 bytes=2 dgrams=3 malformed=2"
has "$work/bad.out" "malformed frame_truncated=1 bad_magic=1"

# --- --seconds with no traffic, and SIGTERM: both end with totals, exit 0 ---
start_recv idle --seconds 0.3
finish_recv
has "$work/idle.out" "total msgs=0 "
start_recv term
kill -TERM "$recv_pid"
finish_recv
has "$work/term.out" "total msgs=0 "

# --- ping ------------------------------------------------------------------
if [ -z "$PY" ]; then
	echo "python3 not found: ping checks skipped"
	exit 0
fi

# start_echo NAME ARGS...: the python echo; sets echo_pid, echo_port.
start_echo() {
	local name=$1
	shift
	"$PY" "$ECHO_PY" "$work/$name.port" "$@" >"$work/$name-echo.out" 2>"$work/$name-echo.err" &
	echo_pid=$!
	pids+=("$echo_pid")
	wait_for "$work/$name.port" "[0-9]"
	echo_port=$(cat "$work/$name.port")
}

stop_echo() {
	kill "$echo_pid" 2>/dev/null
	wait "$echo_pid" 2>/dev/null
}

# Check "latency_us min=A p50=B p90=C p99=D max=E" is ordered and non-negative.
check_latency_line() {
	local line
	line=$(grep '^latency_us ' "$1") || fail "no latency line in $1"
	echo "$line" | awk '{
		for (i = 2; i <= 6; i++) { split($i, kv, "="); v[i] = kv[2] + 0 }
		if (v[2] < 0) exit 1
		for (i = 3; i <= 6; i++) if (v[i] < v[i - 1]) exit 1
	}' || fail "latency percentiles not ordered: $line"
}

start_echo clean
expect_exit 0 "$BLMSG" ping "127.0.0.1:$echo_port" --key 9 --count 20 --interval 2 \
	--timeout 3000 --size 64
cp "$work/cmd.out" "$work/ping-clean.out"
has "$work/ping-clean.out" "ping sent=20 received=20 lost=0 loss=0.0% dups=0 foreign=0"
[ "$(grep -c '^reply id=.* len=64 ' "$work/ping-clean.out")" -eq 20 ] || fail "want 20 reply lines"
check_latency_line "$work/ping-clean.out"
stop_echo

# Every 5th probe unanswered, probe 3 answered twice, one garbage datagram first.
start_echo lossy --drop-every 5 --dup-id 3 --garbage
expect_exit 0 "$BLMSG" ping "127.0.0.1:$echo_port" --key 9 --count 20 --interval 2 \
	--timeout 500
cp "$work/cmd.out" "$work/ping-lossy.out"
has "$work/ping-lossy.out" "ping sent=20 received=16 lost=4 loss=20.0% dups=1 foreign=1"
! grep -q '^reply id=4 ' "$work/ping-lossy.out" || fail "probe 4 must be lost"
check_latency_line "$work/ping-lossy.out"
stop_echo

# Nobody answers: 100% loss is a runtime failure (exit 1).
start_recv silent --seconds 30 --quiet
expect_exit 1 "$BLMSG" ping "127.0.0.1:$port" --key 9 --count 2 --interval 10 --timeout 100
has "$work/cmd.out" "ping sent=2 received=0 lost=2 loss=100.0%"
has "$work/cmd.err" "no reply"
kill -TERM "$recv_pid"
finish_recv
# The probes are well-formed frames: recv saw 2 messages of 32 bytes with key 9.
has "$work/silent.out" "total msgs=2 frames=2 bytes=64"

echo "blmsg CLI: all checks passed"
