#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# scripts/package builds the three Debian packages from debian/, and each
# holds what it should:
#  - beamline: the daemon in /usr/sbin, beamctl, blmsg and beamline-gen in
#    /usr/bin, the unit at /lib/systemd/system/beamline.service, the three
#    man pages, bash completion and the example configuration; its
#    maintainer scripts neither enable nor start the service (the daemon
#    needs hugepages and a bound NIC first);
#  - libblmsg0: libblmsg.so.0 (the SONAME) and its file, nothing for
#    development;
#  - libblmsg-dev: blmsg.h, wire/wire_fmt.h, blmsg.pc, libblmsg.a and the
#    libblmsg.so link;
#  - lintian reports no error on the .changes;
#  - `systemd-analyze verify` accepts the unit taken from the .deb, with
#    ExecStart pointed at the daemon extracted from the same .deb;
#  - the package's files laid over /usr in a container whose PID 1 is
#    systemd, the unit starts, answers, stops and restarts after a crash
#    (test_systemd.sh deb=...).
# Skips (77) when dpkg-buildpackage, debhelper or lintian is not installed
# or a build dependency is missing. A full compile: about 1-3 minutes.
#
# usage: test_package.sh SOURCE_ROOT
. "$(dirname "$0")/lib.sh"

src=${1:?usage: test_package.sh SOURCE_ROOT}
for tool in dpkg-buildpackage dh lintian dpkg-deb; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "SKIP: $tool not found (scripts/setup installs dpkg-dev, debhelper and lintian)"
		exit 77
	fi
done
if ! (cd "$src" && dpkg-checkbuilddeps) >"$work/deps.log" 2>&1; then
	echo "SKIP: build dependencies missing: $(cat "$work/deps.log")"
	exit 77
fi

out=$work/out-deb
expect_exit 0 "$src/scripts/package" --out "$out"
[ "$(tail -n 1 "$work/out")" = "$out" ] || fail "scripts/package does not print its output folder last"
grep -q '^E: ' "$out/lintian.txt" && fail "lintian errors: $(grep '^E: ' "$out/lintian.txt")"
grep -q 'lintian warnings, no error' "$work/out" || fail "scripts/package did not report its lintian check"

# deb NAME: the one NAME_*.deb built, in $found (not a $(...): fail must
# end the test, not a subshell).
deb() {
	local f=("$out/$1"_*.deb)
	if [ ${#f[@]} != 1 ] || [ ! -f "${f[0]}" ]; then
		fail "expected one $1_*.deb in $out, found: $(ls "$out")"
	fi
	found=${f[0]}
}
deb beamline; daemon_deb=$found
deb libblmsg0; lib_deb=$found
deb libblmsg-dev; dev_deb=$found

# has DEB PATH...: dpkg-deb -c lists each PATH (as ./PATH, file or link).
has() {
	local d=$1 p
	shift
	dpkg-deb -c "$d" | awk '{ print $6 }' >"$work/list.txt"
	for p in "$@"; do
		grep -qx -- "./$p" "$work/list.txt" || fail "$(basename "$d") lacks $p; it holds:
$(cat "$work/list.txt")"
	done
}
lacks() {
	local d=$1 p
	shift
	dpkg-deb -c "$d" | awk '{ print $6 }' >"$work/list.txt"
	for p in "$@"; do
		grep -q -- "$p" "$work/list.txt" && fail "$(basename "$d") should not hold $p"
	done
	return 0
}

multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
libdir=usr/lib/$multiarch
has "$daemon_deb" usr/sbin/beamline usr/bin/beamctl usr/bin/blmsg usr/bin/beamline-gen \
	lib/systemd/system/beamline.service \
	usr/share/man/man8/beamline.8.gz usr/share/man/man8/beamctl.8.gz usr/share/man/man1/blmsg.1.gz \
	usr/share/bash-completion/completions/beamctl \
	usr/share/doc/beamline/examples/beamline.conf usr/share/doc/beamline/examples/beamline.env \
	usr/share/doc/beamline/copyright
lacks "$daemon_deb" libblmsg '^./etc/'
has "$lib_deb" "$libdir/libblmsg.so.0" "$libdir/libblmsg.so.0.1.0" usr/share/doc/libblmsg0/copyright
lacks "$lib_deb" 'libblmsg.so$' 'libblmsg.a' '\.h$' '\.pc$'
has "$dev_deb" usr/include/beamline/blmsg.h usr/include/beamline/wire/wire_fmt.h \
	"$libdir/pkgconfig/blmsg.pc" "$libdir/libblmsg.a" "$libdir/libblmsg.so"
dpkg-deb -f "$dev_deb" Depends | grep -q 'libblmsg0 (= 0.1.0)' || fail "libblmsg-dev does not depend on its libblmsg0"

# The package name carries the SONAME.
root=$work/root
dpkg-deb -x "$daemon_deb" "$root"
dpkg-deb -x "$lib_deb" "$root"
objdump -p "$root/$libdir/libblmsg.so.0.1.0" 2>/dev/null | grep -q 'SONAME *libblmsg.so.0$' ||
	fail "libblmsg.so.0.1.0's SONAME is not libblmsg.so.0"

# Installing must not enable or start the daemon.
dpkg-deb -e "$daemon_deb" "$work/control"
if [ -f "$work/control/postinst" ]; then
	grep -q 'deb-systemd-invoke' "$work/control/postinst" && fail "postinst starts beamline.service"
	grep -q 'systemctl .*\(start\|enable\)' "$work/control/postinst" && fail "postinst runs systemctl start or enable"
	# dh_installsystemd --no-enable re-enables only a unit the admin had
	# enabled, inside `deb-systemd-helper debian-installed`; the default
	# snippet enables it on first install, with no such guard.
	if grep -q 'deb-systemd-helper enable' "$work/control/postinst" &&
		! grep -q 'deb-systemd-helper debian-installed' "$work/control/postinst"; then
		fail "postinst enables beamline.service on install: $(cat "$work/control/postinst")"
	fi
fi

# The unit, as packaged.
unit=$root/lib/systemd/system/beamline.service
grep -qF 'ExecStart=/usr/sbin/beamline ' "$unit" || fail "the packaged unit does not start /usr/sbin/beamline"
grep -qx 'EnvironmentFile=-/etc/beamline/beamline.env' "$unit" || fail "the packaged unit lacks its environment file"
if ! command -v systemd-analyze >/dev/null 2>&1; then
	echo "SKIP systemd-analyze verify: systemd-analyze not found"
else
	# verify wants ExecStart's program to exist: the one from the .deb.
	sed "s|ExecStart=/usr/sbin/beamline |ExecStart=$root/usr/sbin/beamline |" "$unit" >"$work/beamline.service"
	# Its Documentation= names man pages: verify runs man on them, which
	# finds the packaged ones through MANPATH.
	expect_exit 0 env MANPATH="$root/usr/share/man" systemd-analyze verify "$work/beamline.service"
	if grep -v '^$' "$work/err" | grep -q .; then
		fail "systemd-analyze verify complained: $(cat "$work/err")"
	fi
fi

# Installed, the package's unit starts, answers, stops and restarts under a
# real systemd: test_systemd.sh with the .deb's files over /usr.
"$(dirname "$0")/test_systemd.sh" deb="$daemon_deb" lib="$lib_deb" >"$work/systemd.txt" 2>&1
rc=$?
case $rc in
0) tail -n 1 "$work/systemd.txt" ;;
77) echo "SKIP the package under systemd: $(grep SKIP "$work/systemd.txt")" ;;
*) fail "the package's unit under systemd: $(cat "$work/systemd.txt")" ;;
esac

echo "package: $(basename "$daemon_deb") $(basename "$lib_deb") $(basename "$dev_deb") checked;" \
	"lintian: $(grep -c '^W: ' "$out/lintian.txt") warnings, no error"
