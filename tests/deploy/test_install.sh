#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# `meson install --destdir` of the build under test puts every file in its
# FHS place and nothing outside the prefix (and the unit folder):
#  - the daemon in sbin, beamctl and blmsg in bin, all executable;
#  - libblmsg with its headers and blmsg.pc: pkg-config reads the installed
#    .pc, and a small C program that includes <blmsg.h> compiles, links
#    against the installed library (shared and static) and round-trips a
#    message through it;
#  - the behaviour SDK, <beamline/behaviour.h> and beamline-behaviour.pc: a
#    module (tests/modules/stamp.c) builds against them alone with
#    `cc -shared -fPIC $(pkg-config --cflags beamline-behaviour)` and needs
#    no bl_ function the daemon does not export; the functions the header
#    declares, sdk/beamline-behaviour.dynlist and the installed daemon's
#    exported bl_ symbols are one and the same list;
#  - beamline(8), beamctl(8), blmsg(1): man renders each without a warning,
#    and each names every option the binary's help lists (and beamctl(8)
#    every command);
#  - beamline.service naming the installed daemon, accepted by
#    `systemd-analyze verify`;
#  - the example beamline.conf and beamline.env under share/doc;
#  - bash completion for beamctl that offers every command of
#    `beamctl --help` (`beamctl ro<TAB>` gives `route`).
# A check whose tool is missing here says `SKIP <check>: why` and the rest
# still runs. Nothing outside the temporary directory is touched.
#
# usage: test_install.sh NAME=VALUE... with build, source, meson, version,
# prefix, bindir, sbindir, libdir, includedir, mandir, datadir (absolute),
# unitdir (empty: no unit), man (true|false), sanitize (b_sanitize's value).
. "$(dirname "$0")/lib.sh"

declare -A cfg
for a in "$@"; do
	cfg[${a%%=*}]=${a#*=}
done
for k in build source meson version prefix bindir sbindir libdir includedir mandir datadir man sanitize; do
	[ -n "${cfg[$k]:-}" ] || fail "missing argument $k=..."
done
dest=$work/root
prefix=${cfg[prefix]}

# --no-rebuild: meson test has built everything; a ninja run from inside a
# test would fight over the build directory with other tests.
"${cfg[meson]}" install -C "${cfg[build]}" --no-rebuild --destdir "$dest" >"$work/install.log" 2>&1 ||
	fail "meson install --destdir failed"

# want_file PATH [-x]: PATH (under the prefix, absolute) is installed.
want_file() {
	[ -f "$dest$1" ] || fail "not installed: $1"
	if [ "${2:-}" = -x ]; then
		[ -x "$dest$1" ] || fail "not executable: $1"
	fi
}

# --- binaries: the daemon is a system program (sbin), the tools are users'.
want_file "${cfg[sbindir]}/beamline" -x
want_file "${cfg[bindir]}/beamctl" -x
want_file "${cfg[bindir]}/blmsg" -x
[ -e "$dest${cfg[bindir]}/beamline" ] && fail "beamline is also in ${cfg[bindir]}: the daemon goes to sbin only"
[ "$(head -c 4 "$dest${cfg[sbindir]}/beamline" | od -An -c | tr -d ' ')" = '177ELF' ] ||
	fail "the installed beamline is not an ELF program"
expect_exit 0 "$dest${cfg[bindir]}/beamctl" --help
cp "$work/out" "$work/beamctl-help.txt"
expect_out_has 'usage: beamctl'
# Its commands: the first word, and the second for route, group and sup.
sed -n '/^Commands:/,/^$/p' "$work/beamctl-help.txt" | awk 'NF >= 2 && $1 != "Commands:" {
	if ($1 == "route" || $1 == "group" || $1 == "sup") print $1 " " $2; else print $1 }' |
	sort -u >"$work/commands.txt"
[ "$(wc -l <"$work/commands.txt")" -ge 20 ] || fail "too few commands parsed from beamctl --help"
expect_exit 0 "$dest${cfg[bindir]}/blmsg" help
cp "$work/out" "$work/blmsg-help.txt"
expect_out_has 'blmsg send'

# --- the client library, its headers and pkg-config file.
lib=${cfg[libdir]}
want_file "$lib/libblmsg.so.0.1.0"
[ -L "$dest$lib/libblmsg.so.0" ] || fail "no soname link $lib/libblmsg.so.0"
[ -L "$dest$lib/libblmsg.so" ] || fail "no development link $lib/libblmsg.so"
want_file "$lib/libblmsg.a"
want_file "${cfg[includedir]}/beamline/blmsg.h"
want_file "${cfg[includedir]}/beamline/wire/wire_fmt.h"
want_file "$lib/pkgconfig/blmsg.pc"

if ! command -v pkg-config >/dev/null 2>&1 || ! command -v cc >/dev/null 2>&1; then
	echo "SKIP pkg-config and compile: no pkg-config or cc"
else
	# Only the installed .pc, with its paths moved under the DESTDIR.
	export PKG_CONFIG_LIBDIR=$dest$lib/pkgconfig PKG_CONFIG_PATH='' PKG_CONFIG_SYSROOT_DIR=$dest
	expect_exit 0 pkg-config --modversion blmsg
	expect_out_is "${cfg[version]}"
	expect_exit 0 pkg-config --cflags --libs blmsg
	read -r -a pc_flags <"$work/out"
	expect_out_has "-I$dest${cfg[includedir]}/beamline"
	expect_out_has "-L$dest$lib"
	expect_out_has '-lblmsg'

	cat >"$work/hello.c" <<'EOF'
/* A client of the installed library: batch one message, decode it back. */
#include <blmsg.h>
#include <stdio.h>

int main(void)
{
	struct bl_client_batch *b = bl_client_batch_create(1472, 0, 7);
	struct bl_client_receiver *r = bl_client_receiver_create(4);
	struct sockaddr_in src = { .sin_family = AF_INET, .sin_port = htons(9) };
	struct bl_client_msg m;
	const uint8_t *frame;
	size_t len;
	int ok;

	if (b == NULL || r == NULL || bl_client_batch_add(b, 42, "hi", 2) != 0 ||
	    bl_client_batch_seal(b, &frame, &len) != 1)
		return 1;
	ok = bl_client_receiver_feed(r, frame, len, &src) == 1 &&
	     bl_client_receiver_next(r, &m) == 1 && m.key == 42 && m.seq == 7 && m.len == 2 &&
	     memcmp(m.payload, "hi", 2) == 0;
	printf("%s\n", ok ? "round trip ok" : "round trip FAILED");
	bl_client_receiver_destroy(r);
	bl_client_batch_destroy(b);
	return ok ? 0 : 1;
}
EOF
	# A sanitized library needs its runtime in the program too.
	san=()
	[ "${cfg[sanitize]}" != none ] && san=("-fsanitize=${cfg[sanitize]}")
	expect_exit 0 cc -std=c11 -Wall -Wextra -Werror "${san[@]}" -o "$work/hello" "$work/hello.c" "${pc_flags[@]}"
	expect_exit 0 env LD_LIBRARY_PATH="$dest$lib" "$work/hello"
	expect_out_is 'round trip ok'
	# It really ran against the installed shared library.
	LD_LIBRARY_PATH="$dest$lib" ldd "$work/hello" >"$work/out" 2>&1
	expect_out_has "libblmsg.so.0 => $dest$lib/libblmsg.so.0"
	# And linked statically from the installed archive.
	expect_exit 0 cc -std=c11 -Wall -Wextra -Werror "${san[@]}" -o "$work/hello-static" "$work/hello.c" \
		"-I$dest${cfg[includedir]}/beamline" "$dest$lib/libblmsg.a"
	expect_exit 0 "$work/hello-static"
	unset PKG_CONFIG_LIBDIR PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR
fi

# --- the behaviour SDK: its header and beamline-behaviour.pc; a module
# builds out of tree against them alone and needs only what the daemon
# exports to modules (sdk/beamline-behaviour.dynlist).
want_file "${cfg[includedir]}/beamline/behaviour.h"
want_file "${cfg[datadir]}/pkgconfig/beamline-behaviour.pc"
if ! command -v pkg-config >/dev/null 2>&1 || ! command -v cc >/dev/null 2>&1; then
	echo "SKIP behaviour SDK compile: no pkg-config or cc"
else
	export PKG_CONFIG_LIBDIR=$dest${cfg[datadir]}/pkgconfig PKG_CONFIG_PATH='' PKG_CONFIG_SYSROOT_DIR=$dest
	expect_exit 0 pkg-config --modversion beamline-behaviour
	expect_out_is "${cfg[version]}"
	expect_exit 0 pkg-config --variable=behaviour_abi beamline-behaviour
	expect_out_is "$(sed -n 's/^#define BL_BEHAVIOUR_ABI \([0-9]*\)u$/\1/p' "${cfg[source]}/sdk/beamline/behaviour.h")"
	expect_exit 0 pkg-config --cflags beamline-behaviour
	read -r -a sdk_flags <"$work/out"
	expect_out_has "-I$dest${cfg[includedir]}"
	expect_exit 0 cc -std=gnu11 -Wall -Wextra -Werror -shared -fPIC "${sdk_flags[@]}" \
		-o "$work/stamp.so" "${cfg[source]}/tests/modules/stamp.c"
	unset PKG_CONFIG_LIBDIR PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR
	# Every function the header declares is one the daemon exports, and no other.
	grep -E '^[a-z].*[ *]bl_[a-z_]+\(' "$dest${cfg[includedir]}/beamline/behaviour.h" | grep -v '^static' |
		sed -E 's/.*[ *](bl_[a-z_]+)\(.*/\1/' | sort >"$work/declared.txt"
	sed -n 's/^[[:space:]]*\(bl_[a-z_]*\);$/\1/p' "${cfg[source]}/sdk/beamline-behaviour.dynlist" |
		sort >"$work/listed.txt"
	[ "$(wc -l <"$work/declared.txt")" -ge 20 ] || fail "too few functions read from behaviour.h"
	cmp -s "$work/declared.txt" "$work/listed.txt" ||
		fail "behaviour.h and beamline-behaviour.dynlist disagree: $(diff "$work/declared.txt" "$work/listed.txt" | tr '\n' ' ')"
	if command -v nm >/dev/null 2>&1; then
		nm -D --defined-only "$dest${cfg[sbindir]}/beamline" | awk '{ print $3 }' | grep '^bl_' |
			sort >"$work/daemon-exports.txt"
		cmp -s "$work/daemon-exports.txt" "$work/listed.txt" ||
			fail "the daemon does not export exactly the SDK's functions: $(diff "$work/daemon-exports.txt" "$work/listed.txt" | tr '\n' ' ')"
		nm -D --defined-only "$work/stamp.so" | grep -q ' bl_behaviour_module$' ||
			fail "the module does not export its descriptor bl_behaviour_module"
		sed -n 's/^[[:space:]]*\(bl_[a-z_]*\);$/\1/p' "${cfg[source]}/sdk/beamline-behaviour.dynlist" |
			sort >"$work/exported.txt"
		nm -D --undefined-only "$work/stamp.so" | awk '{ print $2 }' | grep '^bl_' | sort >"$work/needed.txt"
		[ -s "$work/needed.txt" ] || fail "the module needs no bl_ function: nm read nothing"
		missing=$(comm -23 "$work/needed.txt" "$work/exported.txt")
		[ -z "$missing" ] || fail "the module needs functions the daemon does not export: $missing"
	fi
fi

# --- man pages.
# long_opts FILE: the --options a help text names, one a line.
long_opts() {
	grep -o -- '--[a-z][a-z-]*[a-z]' "$1" | sort -u
}
if [ "${cfg[man]}" != true ]; then
	echo "SKIP man pages: built with -Dman=disabled"
else
	want_file "${cfg[mandir]}/man8/beamline.8"
	want_file "${cfg[mandir]}/man8/beamctl.8"
	want_file "${cfg[mandir]}/man1/blmsg.1"
	# The daemon's own options: its usage text (running `beamline -- --help`
	# would start EAL, which writes DPDK's runtime folder outside $work).
	sed -n '/^static void usage(/,/^}/p' "${cfg[source]}/control/daemon_opts.c" >"$work/beamline-help.txt"
	grep -q -- '--config' "$work/beamline-help.txt" || fail "cannot find beamline's usage text in control/daemon_opts.c"
	for page in man8/beamline.8:beamline-help.txt man8/beamctl.8:beamctl-help.txt man1/blmsg.1:blmsg-help.txt; do
		file=$dest${cfg[mandir]}/${page%%:*}
		help=$work/${page#*:}
		if command -v man >/dev/null 2>&1; then
			# Wide lines: no hyphenation splits an option name; ascii: a hyphen is '-'.
			MANWIDTH=1000 MANPAGER=cat PAGER=cat man --warnings -E ascii -l "$file" >"$work/page.txt" 2>"$work/err" ||
				fail "man -l ${page%%:*} failed: $(cat "$work/err")"
		elif command -v groff >/dev/null 2>&1; then
			groff -man -Tascii -ww -P-cbou -rLL=1000n "$file" >"$work/page.txt" 2>"$work/err" ||
				fail "groff ${page%%:*} failed: $(cat "$work/err")"
		else
			echo "SKIP man rendering: neither man nor groff"
			break
		fi
		[ -s "$work/err" ] && fail "rendering ${page%%:*} warns: $(cat "$work/err")"
		grep -q '^NAME' "$work/page.txt" || fail "${page%%:*} has no NAME section"
		while read -r opt; do
			grep -q -- "$opt" "$work/page.txt" || fail "${page%%:*} does not document $opt (in its --help)"
		done < <(long_opts "$help")
	done
	if [ -f "$work/page.txt" ]; then
		# beamctl(8) names every command of the help, with its subcommand.
		MANWIDTH=1000 MANPAGER=cat man -E ascii -l "$dest${cfg[mandir]}/man8/beamctl.8" >"$work/page.txt" 2>/dev/null ||
			groff -man -Tascii -P-cbou -rLL=1000n "$dest${cfg[mandir]}/man8/beamctl.8" >"$work/page.txt"
		while read -r c; do
			grep -q -- "^ *$c\b" "$work/page.txt" || fail "beamctl(8) lacks the command '$c'"
		done <"$work/commands.txt"
	fi
fi

# --- the systemd unit.
if [ -z "${cfg[unitdir]:-}" ]; then
	echo "SKIP unit: built with -Dinstall_systemd=false"
else
	unit=${cfg[unitdir]}/beamline.service
	want_file "$unit"
	grep -qF "ExecStart=${cfg[sbindir]}/beamline " "$dest$unit" || fail "the unit does not start ${cfg[sbindir]}/beamline"
	for want in 'EnvironmentFile=-/etc/beamline/beamline.env' 'RuntimeDirectory=beamline dpdk/beamline' \
		'RuntimeDirectoryMode=0700' 'UMask=0077'; do
		grep -qx -- "$want" "$dest$unit" || fail "installed unit lacks '$want'"
	done
	grep -q -- '--config /etc/beamline/beamline.conf --socket /run/beamline/beamline.sock' "$dest$unit" ||
		fail "installed unit does not read /etc/beamline/beamline.conf or serve /run/beamline/beamline.sock"
	if ! command -v systemd-analyze >/dev/null 2>&1; then
		echo "SKIP systemd-analyze verify: systemd-analyze not found"
	else
		# verify wants ExecStart's program to exist: point it at the one in the
		# DESTDIR, so the check also proves the unit names the installed file.
		sed "s|ExecStart=${cfg[sbindir]}/beamline |ExecStart=$dest${cfg[sbindir]}/beamline |" \
			"$dest$unit" >"$work/beamline.service"
		# Its Documentation= names man pages: verify runs man on them, which
		# finds the installed ones through MANPATH (none with -Dman=disabled).
		man_check=(--man=no)
		[ "${cfg[man]}" = true ] && man_check=()
		expect_exit 0 env MANPATH="$dest${cfg[mandir]}" systemd-analyze verify "${man_check[@]}" "$work/beamline.service"
		if grep -v '^$' "$work/err" | grep -q .; then
			fail "systemd-analyze verify complained: $(cat "$work/err")"
		fi
	fi
fi

# --- examples: never in /etc, which belongs to the operator.
want_file "${cfg[datadir]}/doc/beamline/examples/beamline.conf"
want_file "${cfg[datadir]}/doc/beamline/examples/beamline.env"
if [ -e "$dest/etc" ] || [ -e "$dest$prefix/etc" ]; then
	fail "install wrote into etc: $(find "$dest" -path '*/etc*')"
fi

# --- bash completion.
comp=${cfg[datadir]}/bash-completion/completions/beamctl
want_file "$comp"
expect_exit 0 bash -n "$dest$comp"
# complete WORD...: what completing the last WORD offers, one a line.
complete_words() {
	bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _beamctl; printf "%s\n" "${COMPREPLY[@]}"' \
		complete "$dest$comp" "$@"
}
bash -c 'source "$1"; complete -p beamctl' x "$dest$comp" >"$work/out" 2>&1
expect_out_has 'complete -F _beamctl beamctl'
complete_words beamctl ro >"$work/out"
expect_out_is route
complete_words beamctl '' >"$work/all.txt"
while read -r c; do
	grep -qx -- "$c" "$work/all.txt" || fail "completion does not offer the command '$c'"
done < <(awk '{ print $1 }' "$work/commands.txt" | sort -u)
for parent in route group sup; do
	complete_words beamctl -s /tmp/x "$parent" '' >"$work/sub.txt"
	while read -r s; do
		grep -qx -- "$s" "$work/sub.txt" || fail "completion does not offer '$parent $s'"
	done < <(awk -v p="$parent" '$1 == p { print $2 }' "$work/commands.txt")
done
complete_words beamctl - >"$work/opts.txt"
sed -n '/^Options:/,/^$/p' "$work/beamctl-help.txt" >"$work/beamctl-options.txt"
grep -q -- --socket "$work/beamctl-options.txt" || fail "no Options: block in beamctl --help"
while read -r o; do
	grep -qx -- "$o" "$work/opts.txt" || fail "completion does not offer the option $o"
done < <(long_opts "$work/beamctl-options.txt")
complete_words beamctl route add 1 '' >"$work/out"
expect_out_has port
expect_out_has drop

# --- nothing outside the prefix and the unit folder.
find "$dest" \( -type f -o -type l \) | sed "s|^$dest||" >"$work/installed.txt"
while read -r f; do
	case $f in
	"$prefix"/*) ;;
	"${cfg[unitdir]:-/nonexistent}"/*) ;;
	*) fail "installed outside $prefix: $f" ;;
	esac
done <"$work/installed.txt"

echo "install: $(wc -l <"$work/installed.txt") files in place under $prefix; all checks passed"
