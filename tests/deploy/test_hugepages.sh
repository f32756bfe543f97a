#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# scripts/hugepages against a fake /sys and /proc/mounts, with a fake `mount`
# and `umount` first on PATH: argument errors exit 2, dry runs print the exact
# commands and change nothing, real runs write only the fake tree.
# usage: test_hugepages.sh SCRIPT
HP=$1
. "$(dirname "$0")/lib.sh"

sys=$work/sys
bin=$work/bin
mkdir -p "$bin"
for kb in 2048 1048576; do
	for d in "$sys/kernel/mm/hugepages/hugepages-${kb}kB" \
		"$sys/devices/system/node/node0/hugepages/hugepages-${kb}kB"; do
		mkdir -p "$d"
		for f in nr_hugepages free_hugepages resv_hugepages surplus_hugepages; do
			echo 0 >"$d/$f"
		done
	done
done
: >"$work/mounts"
for t in mount umount; do
	cat >"$bin/$t" <<FAKE
#!/bin/bash
echo "$t \$*" >>"$work/cmds.log"
[ -z "\${FAKE_FAIL:-}" ]
FAKE
	chmod +x "$bin/$t"
done
export PATH="$bin:$PATH" BL_SYSFS=$sys BL_PROC_MOUNTS=$work/mounts
nr2=$sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages

# --- bad arguments: exit 2 with a message naming the problem ---
expect_exit 2 "$HP"
expect_err_has "missing command"
expect_exit 2 "$HP" frob
expect_err_has "unknown command 'frob'"
expect_exit 2 "$HP" reserve
expect_err_has "reserve needs a page count"
for n in 0 -3 abc 1.5 9999999999; do
	expect_exit 2 "$HP" reserve -- "$n"
done
expect_exit 2 "$HP" reserve abc
expect_err_has "positive integer"
expect_exit 2 "$HP" --size 4M reserve 8
expect_err_has "2M or 1G"
expect_exit 2 "$HP" --size
expect_err_has "needs a value"
expect_exit 2 "$HP" --node x reserve 8
expect_err_has "NUMA node number"
expect_exit 2 "$HP" --mount relative/dir reserve 8
expect_err_has "absolute path"
expect_exit 2 "$HP" --frob status
expect_err_has "unknown option"
expect_exit 2 "$HP" reserve 8 9
expect_err_has "unexpected argument"
expect_exit 0 "$HP" --help
expect_out_has "reserve N"

# --- dry run: exact commands, nothing written ---
expect_exit 0 "$HP" --dry-run reserve 512
expect_out_is "echo 512 > $nr2
mkdir -p /dev/hugepages
mount -t hugetlbfs -o pagesize=2M nodev /dev/hugepages"
[ "$(cat "$nr2")" = 0 ] || fail "dry run wrote nr_hugepages"
[ ! -e "$work/cmds.log" ] || fail "dry run ran a command"

expect_exit 0 "$HP" --dry-run --size 1G --node 0 reserve 4
expect_out_is "echo 4 > $sys/devices/system/node/node0/hugepages/hugepages-1048576kB/nr_hugepages
mkdir -p /dev/hugepages-1G
mount -t hugetlbfs -o pagesize=1G nodev /dev/hugepages-1G"

echo "nodev /dev/hugepages hugetlbfs rw,relatime,pagesize=2M 0 0" >"$work/mounts"
expect_exit 0 "$HP" --dry-run reserve 16
expect_out_is "echo 16 > $nr2
# /dev/hugepages is already a hugetlbfs mount"
expect_exit 0 "$HP" --dry-run release
expect_out_is "umount /dev/hugepages
echo 0 > $nr2"
: >"$work/mounts"

# --- checks that hold in dry runs too ---
expect_exit 1 "$HP" --dry-run --node 7 reserve 4
expect_err_has "no NUMA node 7"
mv "$sys/kernel/mm/hugepages/hugepages-1048576kB" "$work/1g"
expect_exit 1 "$HP" --dry-run --size 1G reserve 4
expect_err_has "offers no 1G hugepages"
mv "$work/1g" "$sys/kernel/mm/hugepages/hugepages-1048576kB"

# --- real run on the fake tree ---
expect_exit 0 "$HP" --mount "$work/mnt" reserve 64
[ "$(cat "$nr2")" = 64 ] || fail "nr_hugepages not written"
[ -d "$work/mnt" ] || fail "mount point not created"
grep -qx "mount -t hugetlbfs -o pagesize=2M nodev $work/mnt" "$work/cmds.log" ||
	fail "mount not called as expected"
expect_out_has "hugetlbfs mounts:"

FAKE_FAIL=1 expect_exit 1 "$HP" --mount "$work/mnt2" reserve 64
expect_err_has "failed: mount"

# The kernel grants fewer pages than asked: a clear error, exit 1.
ln -sf /dev/null "$sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages"
expect_exit 1 "$HP" --mount "$work/mnt" reserve 64
expect_err_has "the kernel granted 0"
rm "$sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages"
echo 0 >"$nr2"

# --- status ---
echo "nodev /mnt/huge hugetlbfs rw,pagesize=1G 0 0" >"$work/mounts"
echo 8 >"$nr2"
expect_exit 0 "$HP" status
expect_out_has "^2M  *8  *0 "
expect_out_has "^1G  *0  *0 "
expect_out_has "node0 2M: total 0 free 0"
expect_out_has "/mnt/huge (rw,pagesize=1G)"

echo "hugepages: all checks passed"
