# SPDX-License-Identifier: BSD-3-Clause
"""The bench's traffic in other dresses: the same frames over IPv6
(`scripts/bench --family ipv6`) or with an 802.1Q tag (`--vlan`), made from
beamline-gen's IPv4 pcap so that every variant carries exactly the same
messages, and what each contender then needs (routes, rules, options).

IPv6: each IPv4/UDP frame becomes an IPv6/UDP one (next header 17, hop
limit 64) from fd00:1::<the IPv4 source's low 16 bits> to port 0's IPv6
address, with the UDP checksum (mandatory over IPv6) computed; the routes
send every key to an IPv6 next hop on port 1, and l3fwd -E gets one
exact-match IPv6 rule a flow, so both look up every frame. VLAN: a 4-byte
802.1Q tag (VLAN 100) after the MAC addresses; the routes send to hops on
VLAN 100, and both ports accept it."""
import array
import os
import struct

PORT0_IP6 = "fd00::1"      # beamline's default IPv6 address of port 0
HOP_IP6 = "2001:db8::2"    # the next hop the IPv6 routes name
SRC_PREFIX = bytes.fromhex("fd000001") + bytes(10)  # fd00:1::/112
VLAN = 100


def _read(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack_from("<I", data, 0)[0]
    e = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    recs, off = [], 24
    while off + 16 <= len(data):
        ts, tsu, incl, orig = struct.unpack_from(e + "IIII", data, off)
        recs.append((ts, tsu, data[off + 16:off + 16 + incl]))
        off += 16 + incl
    return data[:24], e, recs


def _write(path, head, e, recs):
    out = [head]
    for ts, tsu, pkt in recs:
        out.append(struct.pack(e + "IIII", ts, tsu, len(pkt), len(pkt)))
        out.append(pkt)
    with open(path, "wb") as f:
        f.write(b"".join(out))


def tag_pcap(path, vid=VLAN, out=None):
    """Put an 802.1Q tag with VLAN id vid on every packet of a pcap file
    (in place, or into `out`)."""
    head, e, recs = _read(path)
    recs = [(ts, tsu, pkt[:12] + struct.pack(">HH", 0x8100, vid) + pkt[12:])
            for ts, tsu, pkt in recs]
    _write(out or path, head, e, recs)


def _csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(array.array("H", data))  # native order; folded and swapped below
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    s = ~s & 0xFFFF
    # array("H") read the words in the machine's order: give it back in the
    # wire's (a one's-complement sum commutes with the byte swap).
    if struct.pack("=H", 1) == b"\x01\x00":
        s = ((s & 0xFF) << 8) | (s >> 8)
    return s or 0xFFFF


def ipv6_pcap(path, out):
    """Write `out`: path's IPv4/UDP frames as IPv6/UDP ones (others kept).
    Returns the flows, (src, dst, sport, dport) with addresses in text."""
    import ipaddress
    head, e, recs = _read(path)
    dst = ipaddress.IPv6Address(PORT0_IP6).packed
    flows, res = set(), []
    for ts, tsu, pkt in recs:
        if len(pkt) < 42 or pkt[12:14] != b"\x08\x00" or pkt[23] != 17:
            res.append((ts, tsu, pkt))
            continue
        ihl = (pkt[14] & 0x0F) * 4
        udp = bytearray(pkt[14 + ihl:])
        src = SRC_PREFIX + pkt[28:30]  # the IPv4 source's low 16 bits
        sport, dport, ulen = struct.unpack_from(">HHH", udp, 0)
        udp[6:8] = b"\0\0"
        pseudo = src + dst + struct.pack(">IxxxB", ulen, 17)
        struct.pack_into(">H", udp, 6, _csum(pseudo + bytes(udp)))
        ip6 = struct.pack(">IHBB", 6 << 28, ulen, 17, 64) + src + dst
        res.append((ts, tsu, pkt[:12] + b"\x86\xdd" + ip6 + bytes(udp)))
        flows.add((str(ipaddress.IPv6Address(src)), PORT0_IP6, sport, dport))
    _write(out, head, e, res)
    return sorted(flows)


def l3fwd_rules6(flows, path, port=1):
    """l3fwd -E IPv6 rules, one a flow: R<dst> <src> <dst port> <src port> <proto> <port>."""
    with open(path, "w") as f:
        for src, dst, sport, dport in flows:
            f.write(f"R{dst} {src} {dport} {sport} 0x11 {port}\n")
        if not flows:
            f.write(f"R{HOP_IP6} {HOP_IP6} 9 9 0x11 0\n")


def routes_variant(path, out, ip6=False, vlan=False):
    """The routes file with its forwarding routes' next hop over IPv6
    (ip HOP_IP6) and/or on VLAN 100."""
    import re
    with open(path) as f:
        lines = f.read().splitlines()
    res = []
    for ln in lines:
        if " port " in ln:
            if ip6:
                ln = re.sub(r" ip \S+", f" ip {HOP_IP6}", ln)
            if vlan:
                ln += f" vlan {VLAN}"
        res.append(ln)
    with open(out, "w") as f:
        f.write("\n".join(res) + "\n")


def vlan_args():
    """The daemon options that make both ports accept VLAN 100."""
    return ["--port-vlans", f"0={VLAN}", "--port-vlans", f"1={VLAN}"]


def variants(env, names):
    """The IPv6 and VLAN dresses of the traffic the contenders `names` need,
    into the bench's env (work folder, pcap and routes in; paths out)."""
    if names & {"beamline-ipv6", "l3fwd-ipv6"}:
        env["pcap6"] = os.path.join(env["work"], "traffic6.pcap")
        flows = ipv6_pcap(env["pcap"], env["pcap6"])
        env["routes6"] = os.path.join(env["work"], "routes6.conf")
        routes_variant(env["routes"], env["routes6"], ip6=True)
        env["l3fwd_rules6_flows"] = os.path.join(env["work"], "l3fwd-v6-flows.rules")
        l3fwd_rules6(flows, env["l3fwd_rules6_flows"])
    if "beamline-vlan" in names:
        env["pcap_vlan"] = os.path.join(env["work"], "traffic-vlan.pcap")
        tag_pcap(env["pcap"], out=env["pcap_vlan"])
        env["routes_vlan"] = os.path.join(env["work"], "routes-vlan.conf")
        routes_variant(env["routes"], env["routes_vlan"], vlan=True)
        env["vlan_args"] = vlan_args()
