#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# scripts/nic-bind against a fake /sys, with fake `ip`, dpdk-devbind.py and
# modprobe first on PATH (they only log their arguments), so no real NIC or
# driver is touched. Checks: argument errors exit 2; interfaces with an
# address or a route are refused without --force; dry runs print the exact
# commands and run nothing; real runs call dpdk-devbind.py as printed.
# usage: test_nic_bind.sh SCRIPT
NB=$1
. "$(dirname "$0")/lib.sh"

sys=$work/sys
bin=$work/bin
ipdir=$work/ip
mkdir -p "$bin" "$ipdir" "$sys/class/net" "$sys/bus/pci/devices" "$sys/module"

# add_nic IFACE PCI: a PCI network device with its kernel interface.
add_nic() {
	mkdir -p "$sys/devices/pci0000:00/$2/net/$1"
	ln -s "../../../devices/pci0000:00/$2" "$sys/bus/pci/devices/$2"
	mkdir -p "$sys/class/net/$1"
	ln -s "../../../devices/pci0000:00/$2" "$sys/class/net/$1/device"
}
add_nic eth1 0000:03:00.0 # unused
add_nic eth2 0000:04:00.0 # has an IPv4 address
add_nic eth3 0000:05:00.0 # carries a route, no address
add_nic eth4 0000:06:00.0 # IPv6 link-local only: unused
mkdir -p "$sys/devices/pci0000:00/0000:07:00.0" # bound to DPDK: no netdev
ln -s "../../../devices/pci0000:00/0000:07:00.0" "$sys/bus/pci/devices/0000:07:00.0"
mkdir -p "$sys/class/net/veth0" # virtual: no device link

echo '[{"ifname":"eth2","addr_info":[{"family":"inet","local":"192.0.2.10","prefixlen":24,"scope":"global"}]}]' >"$ipdir/eth2.addr"
echo '[{"dst":"192.0.2.0/24","protocol":"kernel","scope":"link"}]' >"$ipdir/eth2.route"
echo '[{"dst":"198.51.100.0/24","gateway":"10.9.9.9"}]' >"$ipdir/eth3.route"
echo '[{"ifname":"eth4","addr_info":[{"family":"inet6","local":"fe80::1","prefixlen":64,"scope":"link"}]}]' >"$ipdir/eth4.addr"
echo '[{"dst":"fe80::/64","protocol":"kernel"},{"dst":"multicast ff00::/8","table":"local"}]' >"$ipdir/eth4.route6"

# Fake ip: "ip -j [-6] (addr|route) show dev IFACE" -> the file for it, else [].
cat >"$bin/ip" <<FAKE
#!/bin/bash
echo "ip \$*" >>"$work/ip.log"
fam=
[ "\$2" = -6 ] && { fam=6; shift; }
case \$2 in addr) kind=addr ;; route) kind=route\$fam ;; *) exit 1 ;; esac
f="$ipdir/\$5.\$kind"
if [ -f "\$f" ]; then cat "\$f"; else echo '[]'; fi
FAKE
cat >"$bin/dpdk-devbind.py" <<FAKE
#!/bin/bash
echo "dpdk-devbind.py \$*" >>"$work/devbind.log"
[ "\$1" = --status-dev ] && echo "Network devices using DPDK-compatible driver"
[ -z "\${FAKE_FAIL:-}" ]
FAKE
cat >"$bin/modprobe" <<FAKE
#!/bin/bash
echo "modprobe \$*" >>"$work/modprobe.log"
FAKE
chmod +x "$bin"/*
export PATH="$bin:$PATH" BL_SYSFS=$sys

no_calls() {
	[ ! -e "$work/devbind.log" ] || fail "dpdk-devbind.py was run: $(cat "$work/devbind.log")"
	[ ! -e "$work/modprobe.log" ] || fail "modprobe was run"
}

# --- bad arguments ---
expect_exit 2 "$NB"
expect_err_has "missing command"
expect_exit 2 "$NB" zap eth1
expect_err_has "unknown command 'zap'"
expect_exit 2 "$NB" bind
expect_err_has "bind needs"
expect_exit 2 "$NB" bind 'eth1;reboot'
expect_err_has "neither an interface name nor a PCI address"
expect_exit 2 "$NB" unbind eth1
expect_err_has "takes a PCI address"
expect_exit 2 "$NB" --driver 'vfio pci' bind eth1
expect_err_has "not a driver name"
expect_exit 2 "$NB" --driver
expect_err_has "needs a value"
expect_exit 2 "$NB" --yes bind eth1
expect_err_has "unknown option"
expect_exit 2 "$NB" bind eth1 eth2
expect_err_has "unexpected argument"
expect_exit 2 "$NB" status eth1
expect_err_has "takes no device"
expect_exit 0 "$NB" --help
expect_out_has "bind IFACE|PCI"
no_calls

# --- unknown or unsuitable devices: exit 1 ---
expect_exit 1 "$NB" bind eth9
expect_err_has "no network interface 'eth9'"
expect_exit 1 "$NB" bind veth0
expect_err_has "not a PCI device"
expect_exit 1 "$NB" bind 0000:99:00.0
expect_err_has "no PCI device 0000:99:00.0"
no_calls

# --- in use: refused without --force, whether dry run or not ---
expect_exit 1 "$NB" bind eth2
expect_err_has "refusing to bind eth2 (0000:04:00.0)"
expect_err_has "address 192.0.2.10/24"
expect_err_has "route 192.0.2.0/24"
expect_exit 1 "$NB" --dry-run bind 0000:04:00.0
expect_err_has "refusing to bind eth2"
expect_exit 1 "$NB" bind eth3
expect_err_has "route 198.51.100.0/24"
no_calls
grep -q "ip -j addr show dev eth3" "$work/ip.log" || fail "addresses not checked with ip -j addr"
grep -q "ip -j -6 route show dev eth3" "$work/ip.log" || fail "IPv6 routes not checked"

# --- dry runs: exact commands ---
expect_exit 0 "$NB" --dry-run bind eth1
expect_out_is "modprobe vfio-pci
dpdk-devbind.py --bind=vfio-pci 0000:03:00.0"
expect_exit 0 "$NB" --dry-run bind 03:00.0
expect_out_is "modprobe vfio-pci
dpdk-devbind.py --bind=vfio-pci 0000:03:00.0"
expect_exit 0 "$NB" --dry-run --force bind eth2
expect_out_is "modprobe vfio-pci
dpdk-devbind.py --force --bind=vfio-pci 0000:04:00.0"
expect_err_has "in use"
expect_exit 0 "$NB" --dry-run bind eth4
expect_out_is "modprobe vfio-pci
dpdk-devbind.py --bind=vfio-pci 0000:06:00.0"
expect_exit 0 "$NB" --dry-run --driver igb_uio bind eth1
expect_out_is "dpdk-devbind.py --bind=igb_uio 0000:03:00.0"
expect_exit 0 "$NB" --dry-run unbind 0000:07:00.0
expect_out_is "dpdk-devbind.py --unbind 0000:07:00.0"
expect_exit 0 "$NB" --dry-run --driver ixgbe unbind 07:00.0
expect_out_is "dpdk-devbind.py --bind=ixgbe 0000:07:00.0"
no_calls

# --- real runs: the fakes see exactly the printed commands ---
expect_exit 0 "$NB" bind eth1
grep -qx "modprobe vfio-pci" "$work/modprobe.log" || fail "vfio-pci not loaded"
grep -qx "dpdk-devbind.py --bind=vfio-pci 0000:03:00.0" "$work/devbind.log" || fail "bind not run"
mkdir -p "$sys/module/vfio_pci" # now loaded: no second modprobe
rm -f "$work/modprobe.log"
expect_exit 0 "$NB" bind eth4
[ ! -e "$work/modprobe.log" ] || fail "modprobe run although vfio_pci is loaded"
expect_exit 0 "$NB" status
expect_out_has "Network devices using DPDK-compatible driver"
grep -qx "dpdk-devbind.py --status-dev net" "$work/devbind.log" || fail "status not run"
FAKE_FAIL=1 expect_exit 1 "$NB" unbind 0000:07:00.0
expect_err_has "failed: dpdk-devbind.py --unbind 0000:07:00.0"

# --- dpdk-devbind.py missing: a clear error naming the package ---
mkdir -p "$work/bin2"
for t in bash python3 basename readlink ls dirname cat grep sed paste sort; do
	p=$(command -v "$t") && ln -sf "$p" "$work/bin2/$t"
done
ln -sf "$bin/ip" "$work/bin2/ip"
PATH="$work/bin2" expect_exit 1 "$NB" --dry-run bind eth1
expect_err_has "dpdk-devbind.py not found"

echo "nic-bind: all checks passed"
