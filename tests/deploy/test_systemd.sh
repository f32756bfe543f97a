#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# beamline.service under a real systemd: `meson install --destdir` of the
# build under test, its prefix bound read-only into a container made from
# this host (its /usr read-only, a copy of its /etc) whose PID 1 is systemd
# (systemd-nspawn -b, no network but loopback), then:
#  - systemd finds the installed unit, starts it with an /etc/beamline/
#    beamline.conf of a few routes and a beamline.env of virtual ports (no
#    hugepages, no NIC), and the service is active;
#  - /run/beamline is 0700, its control socket 0600, and the installed
#    beamctl answers `status` and lists the config's routes through it;
#  - EAL's runtime files (config, mp_socket, telemetry) are in
#    /run/dpdk/beamline, the folder the unit makes for them;
#  - MainPID is the installed daemon;
#  - `systemctl stop` leaves it inactive (not failed) within TimeoutStopSec,
#    and the journal has the daemon's clean exit ("every mbuf is back in its
#    pool");
#  - started again and killed with SIGSEGV, Restart=on-failure brings it
#    back under a new MainPID.
# Skips (77) without root, systemd-nspawn, nsenter or /lib/systemd/systemd,
# without a unit, or with the prefix /usr (it cannot be bound over the
# host's /usr; deploy_package checks that layout).
# Nothing outside the temporary directory is touched: the container's
# mounts live in its own mount namespace and it is stopped on exit.
#
# The same for the Debian package (test_package.sh calls it with deb=):
# the .deb's files, unpacked, laid over the host's /usr (an overlay, read
# only), the unit in /lib/systemd/system and the daemon in /usr/sbin.
#
# usage: test_systemd.sh NAME=VALUE... with build, meson, prefix, bindir,
# sbindir, unitdir (absolute; empty: no unit), sanitize (b_sanitize's value);
# or deb (the beamline_*.deb), lib (the libblmsg0_*.deb), sanitize=none.
. "$(dirname "$0")/lib.sh"

declare -A cfg
for a in "$@"; do
	cfg[${a%%=*}]=${a#*=}
done
deb=${cfg[deb]:-}
if [ -n "$deb" ]; then
	# What the package installs: the paths of Debian's layout.
	cfg[prefix]=/usr cfg[bindir]=/usr/bin cfg[sbindir]=/usr/sbin
	cfg[unitdir]=/lib/systemd/system cfg[sanitize]=${cfg[sanitize]:-none}
	cfg[build]=- cfg[meson]=-
fi
for k in build meson prefix bindir sbindir sanitize; do
	[ -n "${cfg[$k]:-}" ] || fail "missing argument $k=..."
done
prefix=${cfg[prefix]}
unitdir=${cfg[unitdir]:-}

skip() {
	echo "SKIP: $*"
	exit 77
}
[ "$(id -u)" = 0 ] || skip "not root (systemd-nspawn needs root)"
command -v systemd-nspawn >/dev/null 2>&1 || skip "no systemd-nspawn (apt-get install systemd-container)"
command -v nsenter >/dev/null 2>&1 || skip "no nsenter (util-linux)"
[ -x /lib/systemd/systemd ] || skip "no /lib/systemd/systemd to boot"
[ -n "$unitdir" ] || skip "built with -Dinstall_systemd=false: no unit"
# The container shares the host's /usr; the stage's prefix is bound over
# its own folder, which cannot be /usr itself (deploy_package runs this
# test on the .deb, whose files are laid over /usr instead).
if [ -z "$deb" ]; then
	case $prefix in
	/usr | /) skip "prefix $prefix: the stage cannot be bound over the host's /usr" ;;
	esac
	case $unitdir in
	"$prefix"/*) ;;
	*) skip "unit folder $unitdir is outside the prefix $prefix" ;;
	esac
fi

stage=$work/stage
root=$work/root
name=bl-systemd-$$
nspawn_pid=
pid1=

# The container is stopped as systemd-nspawn asks it (SIGTERM: an orderly
# poweroff), then killed; only then are its files removed, and never across
# a mount (there should be none outside its namespace).
cleanup() {
	local i
	if [ -n "$nspawn_pid" ] && kill -0 "$nspawn_pid" 2>/dev/null; then
		kill -TERM "$nspawn_pid" 2>/dev/null
		for ((i = 0; i < 50; i++)); do
			kill -0 "$nspawn_pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$nspawn_pid" 2>/dev/null
		# The container's PID 1 takes every process of the container with it.
		[ -n "$pid1" ] && kill -KILL "$pid1" 2>/dev/null
		wait "$nspawn_pid" 2>/dev/null
	fi
	if awk -v r="$root" '$5 == r || index($5, r "/") == 1 { found = 1 } END { exit !found }' /proc/self/mountinfo; then
		echo "WARNING: mounts left under $root: not removing $work" >&2
		return
	fi
	rm -rf --one-file-system "$work"
}
trap cleanup EXIT

# ct CMD...: run CMD in the container (all its namespaces: its root, its
# PID 1's view of /run, its systemd).
ct() {
	nsenter -t "$pid1" -a "$@"
}

# wait_quiet SECONDS CMD...: retry CMD every 0.2 s until it succeeds;
# 1 if it never does.
wait_quiet() {
	local secs=$1 i
	shift
	for ((i = 0; i < secs * 5; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	return 1
}

# wait_for SECONDS WHAT CMD...: wait_quiet, or fail naming WHAT.
wait_for() {
	local secs=$1 what=$2
	shift 2
	wait_quiet "$secs" "$@" || fail "timed out after ${secs} s waiting for $what"
}

# --- the installed tree: meson's, or the package's. The package's /lib goes
# under usr/lib (the host's /lib is a link to it, so is the container's).
unit=$unitdir/beamline.service
if [ -n "$deb" ]; then
	dpkg-deb -x "$deb" "$stage" || fail "dpkg-deb -x $deb"
	if [ -n "${cfg[lib]:-}" ]; then
		dpkg-deb -x "${cfg[lib]}" "$stage" || fail "dpkg-deb -x ${cfg[lib]}"
	fi
	if [ -d "$stage/lib" ]; then
		mkdir -p "$stage/usr/lib"
		cp -a "$stage/lib/." "$stage/usr/lib/"
		rm -rf "$stage/lib"
	fi
	[ -f "$stage/usr$unit" ] || fail "not in the package: $unit"
	usr_mount=(--overlay-ro="/usr:$stage/usr:/usr")
else
	"${cfg[meson]}" install -C "${cfg[build]}" --no-rebuild --destdir "$stage" >"$work/install.log" 2>&1 ||
		fail "meson install --destdir failed"
	[ -f "$stage$unit" ] || fail "not installed: $unit"
	usr_mount=(--bind-ro=/usr --bind-ro="$stage$prefix:$prefix")
fi
beamctl=${cfg[bindir]}/beamctl
daemon=${cfg[sbindir]}/beamline

# --- the container's root: the host's /usr (bound read-only at boot), a copy
# of its /etc, empty /var, /tmp and /root.
mkdir -p "$root"/{usr,var,tmp,root,run,proc,sys,dev}
for l in bin lib lib64 sbin; do
	ln -s "usr/$l" "$root/$l"
done
cp -a /etc "$root/etc"
rm -f "$root/etc/os-release"
cp /usr/lib/os-release "$root/etc/os-release"
: >"$root/etc/machine-id"
# The host's own services (databases, etcd, prometheus, timers...) are not
# this test's: they would only slow the boot.
rm -f "$root"/etc/systemd/system/{multi-user,sockets,timers,getty}.target.wants/*

# systemd reads units from /etc/systemd/system, /usr/local/lib/systemd/system
# and /usr/lib/systemd/system (and /lib's); an installed unit elsewhere is
# linked in, as `systemctl link` would.
case $unitdir in
/usr/local/lib/systemd/system | /usr/lib/systemd/system | /lib/systemd/system) ;;
*) ln -s "$unit" "$root/etc/systemd/system/beamline.service" ;;
esac
# The host's own /etc/beamline (the package's conffiles, if it is
# installed here) is not this test's.
rm -rf "$root/etc/beamline"

# The site's files: a few routes, and EAL on two null ports with no
# hugepages or PCI. Each start takes 256 MiB of ordinary memory (-m 256
# with --no-huge). Unlike the other tests, no --no-shconf: EAL writes its
# runtime folder as on a server, in /run/dpdk/beamline, the one the unit
# lets it write (hence --file-prefix beamline: the container's /run is its
# own, so no other DPDK program shares it).
mkdir -p "$root/etc/beamline"
cat >"$root/etc/beamline/beamline.conf" <<'EOF'
# deploy_systemd: two forwarded keys and a dropped one.
route add 1001 port 0 mac 3c:fd:fe:a0:11:01 ip 10.20.0.11 udp 7447
route add 0x2000 port 1 mac 3c:fd:fe:a0:22:02 ip 10.30.0.21 udp 9000
route add 0xdead drop
EOF
cat >"$root/etc/beamline/beamline.env" <<'EOF'
BEAMLINE_EAL=-l 0-1 --no-huge --no-pci -m 256 --file-prefix beamline --vdev net_null0 --vdev net_null1
BEAMLINE_OPTS=--port-ip 0=10.20.0.1 --port-ip 1=10.30.0.1
EOF

dropin=$root/etc/systemd/system/beamline.service.d
mkdir -p "$dropin"
{
	# None of the unit's hardening is relaxed: it all works in the container
	# (the one gap, /sys/module, is the container's: see the boot below).
	echo "# deploy_systemd's changes to the installed unit, for this container only."
	echo "[Service]"
	# A sanitized build's reports must reach the journal and fail the
	# service, as they fail every other test (tests/meson.build's options).
	if [ "${cfg[sanitize]}" != none ]; then
		echo "Environment=ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:halt_on_error=1"
		echo "Environment=UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1"
	fi
} >"$dropin/test.conf"

# --- boot. No network but loopback: nothing in the container reaches the
# host's. A private network gets a /sys without /sys/module (nspawn shows
# block, bus, class, dev, devices and kernel only), and EAL will not start
# without it ("Could not get loaded module details!", "Cannot init VFIO"):
# a server has it, so the host's is bound in, read-only.
systemd-nspawn -D "$root" "${usr_mount[@]}" --bind-ro=/sys/module \
	--private-network --register=no --keep-unit -M "$name" --console=pipe -b \
	</dev/null >"$work/nspawn.log" 2>&1 &
nspawn_pid=$!

# find_pid1: the container's PID 1, the child of systemd-nspawn running systemd.
find_pid1() {
	local c
	# shellcheck disable=SC2013 # the file is one line of pids
	for c in $(cat /proc/"$nspawn_pid"/task/*/children 2>/dev/null); do
		if [ "$(cat "/proc/$c/comm" 2>/dev/null)" = systemd ]; then
			pid1=$c
			return 0
		fi
	done
	return 1
}
wait_for 20 "the container's systemd to start" find_pid1

# booted: the container's systemd is done starting (some of the host's
# units fail in a container: degraded is as good as running here).
booted() {
	local state
	state=$(ct systemctl is-system-running 2>/dev/null)
	[ "$state" = running ] || [ "$state" = degraded ]
}
wait_for 60 "the container to boot" booted
ct systemctl daemon-reload || fail "systemctl daemon-reload failed in the container"
echo "booted: the container's PID 1 is host pid $pid1 ($(ct systemctl is-system-running))"

# journal: beamline.service's journal in $work/journal.log.
journal() {
	ct journalctl -u beamline --no-pager >"$work/journal.log" 2>&1
}

# started: active, and the control socket is there.
started() {
	[ "$(ct systemctl is-active beamline)" = active ] && ct test -S /run/beamline/beamline.sock
}

# start: systemctl start, then wait for the socket.
start() {
	ct systemctl start beamline >"$work/out" 2>"$work/err" || {
		journal
		fail "systemctl start beamline failed"
	}
	if ! wait_quiet 20 started; then
		journal
		ct systemctl status beamline --no-pager >"$work/status.log" 2>&1
		fail "beamline.service not active with its socket after 20 s"
	fi
}

main_pid() {
	ct systemctl show -p MainPID --value beamline
}

# --- start, and use it.
ct systemctl cat beamline >"$work/out" 2>&1 || fail "systemd in the container does not find beamline.service"
# (Debian's systemd finds /lib's units by either name: /lib is a link.)
grep -qE "^# (/usr)?${unit#/usr}$" "$work/out" || fail "systemctl cat does not show $unit: $(head -1 "$work/out")"
expect_out_has "ExecStart=$daemon "
start

expect_exit 0 ct stat -c %A /run/beamline/beamline.sock
expect_out_is 'srw-------'
expect_exit 0 ct stat -c %a /run/beamline
expect_out_is 700

expect_exit 0 ct "$beamctl" --socket /run/beamline/beamline.sock status
status_out=$(cat "$work/out")
expect_exit 0 ct "$beamctl" --socket /run/beamline/beamline.sock route list
# KEY (in decimal) and ACTION of each route, between the header and the count.
awk 'NR > 1 && $1 ~ /^[0-9]+$/ && $2 != "of" { print $1, $2 }' "$work/out" | sort >"$work/routes.txt"
printf '%s\n' "1001 forward" "$((0x2000)) forward" "$((0xdead)) drop" | sort >"$work/want-routes.txt"
cmp -s "$work/routes.txt" "$work/want-routes.txt" ||
	fail "route list is not the config's routes: $(cat "$work/out")"
expect_out_has '3 of 3 routes shown'

# EAL's runtime files are in the folder the unit made for them, where
# dpdk-telemetry.py and dpdk-dumpcap look (not under $RUNTIME_DIRECTORY:
# the unit unsets it).
for f in config mp_socket dpdk_telemetry.v2; do
	ct test -e "/run/dpdk/beamline/$f" || fail "EAL's runtime file /run/dpdk/beamline/$f is missing"
done

pid=$(main_pid)
if [ -z "$pid" ] || [ "$pid" = 0 ]; then
	fail "no MainPID"
fi
[ "$(ct readlink "/proc/$pid/exe")" = "$daemon" ] ||
	fail "MainPID $pid is $(ct readlink "/proc/$pid/exe"), not $daemon"
echo "started: MainPID $pid is $daemon; socket 0600 in /run/beamline 0700; EAL's files in /run/dpdk/beamline"

# --- stop: cleanly, in time.
t0=$(date +%s)
ct systemctl stop beamline || fail "systemctl stop beamline failed"
t=$(($(date +%s) - t0))
timeout=$(ct systemctl show -p TimeoutStopUSec --value beamline)
[[ $timeout =~ ^[0-9]+s$ ]] || fail "TimeoutStopUSec is '$timeout', not whole seconds"
state=$(ct systemctl is-active beamline)
[ "$state" = inactive ] || { journal; fail "after stop, beamline is $state, not inactive"; }
result=$(ct systemctl show -p Result --value beamline)
[ "$result" = success ] || { journal; fail "after stop, beamline's result is $result, not success"; }
[ "$t" -lt "${timeout%s}" ] || fail "stop took $t s (TimeoutStopSec=$timeout)"
journal
grep -q 'beamline: every mbuf is back in its pool' "$work/journal.log" ||
	fail "the journal lacks the daemon's clean exit line"
for d in /run/beamline /run/dpdk/beamline; do
	ct test -e "$d" && fail "$d is left after stop"
done
echo "stopped in ${t} s (TimeoutStopSec $timeout): inactive, every mbuf back in its pool"

# --- a crash: restarted by Restart=on-failure.
start
pid=$(main_pid)
ct kill -SEGV "$pid" || fail "cannot send SIGSEGV to $pid"
# restarted: active again under another MainPID, with its socket.
restarted() {
	local now
	now=$(main_pid)
	[ -n "$now" ] && [ "$now" != 0 ] && [ "$now" != "$pid" ] && started
}
if ! wait_quiet 20 restarted; then
	journal
	fail "beamline.service was not restarted after SIGSEGV (MainPID $(main_pid), $(ct systemctl is-active beamline))"
fi
restarts=$(ct systemctl show -p NRestarts --value beamline)
[ "$restarts" = 1 ] || fail "NRestarts is $restarts, want 1"
journal
grep -q 'beamline.service: Scheduled restart job, restart counter is at 1' "$work/journal.log" ||
	fail "the journal does not show systemd restarting beamline"
expect_exit 0 ct "$beamctl" --socket /run/beamline/beamline.sock status
echo "crashed (SIGSEGV to $pid): restarted as MainPID $(main_pid), NRestarts $restarts"

echo "systemd: $unit started, answered ($(echo "$status_out" | head -1 | tr -s ' '), the config's 3 routes), stopped cleanly, restarted after a crash"
