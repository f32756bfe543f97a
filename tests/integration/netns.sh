# shellcheck shell=bash
# Sourced by the tests that put a Linux host in a network namespace behind
# a veth pair whose other end is a router's net_af_packet port.
#
# bl_netns_host NS V_OUT V_IN ADDR/PREFIX: make namespace NS and the veth
# pair V_OUT (this namespace: the router's side, kept quiet: no IPv6 of its
# own) - V_IN (moved into NS, given ADDR/PREFIX); both up, NS's lo too.
# Sets made_ns and made_link for the caller's cleanup. Without root or veth
# support: SKIP, exit 77. Needs $work (a scratch folder).
bl_netns_host() {
	local ns=$1 v_o=$2 v_i=$3 addr=$4
	if [ "$(id -u)" != 0 ] || ! ip netns add "$ns" 2>"$work/netns.err"; then
		echo "SKIP: cannot create network namespaces (needs root): $(cat "$work/netns.err" 2>/dev/null)"
		exit 77
	fi
	made_ns=$ns
	if ! ip link add "$v_o" type veth peer name "$v_i" 2>"$work/veth.err"; then
		echo "SKIP: cannot create veth pairs: $(cat "$work/veth.err")"
		exit 77
	fi
	made_link=$v_o
	sysctl -qw "net.ipv6.conf.$v_o.disable_ipv6=1" 2>/dev/null || true
	ip link set "$v_i" netns "$ns"
	ip -n "$ns" link set lo up
	ip -n "$ns" addr add "$addr" dev "$v_i"
	ip -n "$ns" link set "$v_i" up
	ip link set "$v_o" up
}
