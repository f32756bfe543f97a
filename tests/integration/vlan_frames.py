#!/usr/bin/env python3
"""VLANs through the router (test_vlan.sh): the input crafted with scapy,
the output read back with tshark (and its tags read off the raw bytes).

  vlan_frames.py make WORK     write WORK/in.pcap and WORK/routes.conf
  vlan_frames.py verify WORK   check WORK/out.pcap and WORK/stats.json

Port 0 accepts untagged frames, VLAN 100 (with its own addresses
10.100.0.1 and 2001:db8:100::1) and the QinQ pair 300.400 (the port's own
addresses). The input: untagged frames to a hop on VLAN 100, tagged ones
to an untagged hop, QinQ ones to a QinQ hop, IPv6 inside a tag to an IPv6
hop on VLAN 100, a tagged frame split between a tagged and an untagged
hop, and frames on VLANs the port does not accept (vlan_unknown) or with
a broken stack (vlan_bad_tag). Scapy fills in every length and checksum;
tshark verifies the IPv4 header checksums and the IPv6 UDP checksums of
what comes out, through the tags.
"""
import json
import os
import subprocess
import sys
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import blpcap as P  # noqa: E402

warnings.filterwarnings("ignore")  # scapy's cryptography deprecation notices
try:
    from scapy.all import IP, UDP, Dot1AD, Dot1Q, Ether, IPv6, Raw, wrpcap
except ImportError:  # Debian's python3-scapy, when python3 is another Python
    sys.path.append("/usr/lib/python3/dist-packages")
    from scapy.all import IP, UDP, Dot1AD, Dot1Q, Ether, IPv6, Raw, wrpcap

ROUTER_MAC = "02:00:00:00:00:01"
ROUTER4, ROUTER6 = "10.0.0.1", "2001:db8::1"
VLAN4, VLAN6 = "10.100.0.1", "2001:db8:100::1"  # VLAN 100's own
# key: (mac, ip, udp, vlan as the route says it, tags expected out)
HOPS = {
    4: ("02:00:00:00:00:04", "10.0.0.4", 9004, None, ()),
    5: ("02:00:00:00:00:05", "10.100.0.5", 9005, "100", (0x8100, 100)),
    7: ("02:00:00:00:00:07", "10.0.0.7", 9007, "300.400", (0x88a8, 300, 0x8100, 400)),
    6: ("02:00:00:00:00:06", "2001:db8:100::6", 9006, "100", (0x8100, 100)),
}


def eth(tags):
    """Ether and its tags: () untagged, (v,) 802.1Q, (o, i) QinQ."""
    e = Ether(src="02:00:00:00:01:01", dst=ROUTER_MAC)
    if len(tags) == 2:
        return e / Dot1AD(vlan=tags[0]) / Dot1Q(vlan=tags[1])
    if len(tags) == 1:
        return e / Dot1Q(vlan=tags[0], prio=3)
    return e


def v4(tags, dst, payload):
    return eth(tags) / IP(src="10.9.9.9", dst=dst) / UDP(sport=50001, dport=7447) / Raw(payload)


def v6(tags, dst, payload):
    return (eth(tags) / IPv6(src="2001:db8:9::9", dst=dst) / UDP(sport=50002, dport=7447) /
            Raw(payload))


def plan():
    """(packets, what must come out, bad packets by drop reason): out is a
    list of (hop key, keys)."""
    pkts, out = [], []
    for i in range(5):
        pkts.append(v4((), ROUTER4, P.frame(i, [(5, bytes([i]) * (9 + i)), (5, b"")])))
        out.append((5, [5, 5]))
    for i in range(5):
        pkts.append(v4((100,), VLAN4, P.frame(10 + i, [(4, b"from vlan 100")])))
        out.append((4, [4]))
    for i in range(3):
        pkts.append(v4((300, 400), ROUTER4, P.frame(20 + i, [(7, b"qinq" * (i + 1))])))
        out.append((7, [7]))
    for i in range(3):
        pkts.append(v6((100,), VLAN6, P.frame(30 + i, [(6, b"six" * 20)])))
        out.append((6, [6]))
    pkts.append(v4((100,), VLAN4, P.frame(40, [(5, b"a" * 40), (4, b"b" * 5), (5, b"c")])))
    out.append((5, [5, 5]))
    out.append((4, [4]))
    good = P.frame(1, [(4, b"never")])
    broken = bytearray(bytes(v4((300,), ROUTER4, good)))
    broken[12:14] = b"\x88\xa8"  # an 802.1ad tag with IPv4 right behind it
    bad = {
        "vlan_unknown": [v4((101,), VLAN4, good), v4((300, 401), ROUTER4, good),
                         v4((400,), ROUTER4, good)],
        "vlan_bad_tag": [Ether(bytes(broken))],
        # VLAN 100 has its own address: the port's is not for us there
        "not_for_us": [v4((100,), ROUTER4, good)],
    }
    return pkts, out, bad


def make(work):
    pkts, _, bad = plan()
    wrpcap(os.path.join(work, "in.pcap"), pkts + [p for ps in bad.values() for p in ps])
    with open(os.path.join(work, "routes.conf"), "w") as f:
        for key, (mac, ip, udp, vlan, _) in HOPS.items():
            f.write("route add %d port 0 mac %s ip %s udp %d%s\n" %
                    (key, mac, ip, udp, " vlan " + vlan if vlan else ""))


def tshark(pcap):
    fields = ["eth.dst", "ip.src", "ip.dst", "ip.checksum.status", "ipv6.src", "ipv6.dst",
              "udp.dstport", "udp.checksum.status", "data.data"]
    args = ["tshark", "-r", pcap, "-o", "udp.check_checksum:TRUE",
            "-o", "ip.check_checksum:TRUE", "-T", "fields"]
    for f in fields:
        args += ["-e", f]
    res = subprocess.run(args, capture_output=True, text=True, check=True)
    return [dict(zip(fields, line.split("\t"))) for line in res.stdout.splitlines()]


def tags_of(raw):
    """The tag stack of a raw frame: (tpid, vid, ...)."""
    tags, off = [], 12
    while raw[off:off + 2] in (b"\x81\x00", b"\x88\xa8"):
        tags += [int.from_bytes(raw[off:off + 2], "big"),
                 int.from_bytes(raw[off + 2:off + 4], "big") & 0xfff]
        off += 4
    return tuple(tags)


def frame_keys(data_hex):
    b = bytes.fromhex(data_hex.replace(":", ""))
    assert b[:4] == b"BLM1", b[:4]
    count = int.from_bytes(b[4:6], "big")
    off, keys = 16, []
    for _ in range(count):
        ln = int.from_bytes(b[off:off + 4], "big")
        keys.append(int.from_bytes(b[off + 8:off + 16], "big"))
        off += 16 + ln
    assert off == len(b), (off, len(b))
    return keys


def verify(work):
    _, want, bad = plan()
    out = os.path.join(work, "out.pcap")
    got, raws = tshark(out), P.read_pcap(out)
    assert len(got) == len(want) == len(raws), "%d frames out, %d planned" % (len(got),
                                                                            len(want))
    for i, (g, raw, (key, keys)) in enumerate(zip(got, raws, want)):
        mac, ip, udp, _, tags = HOPS[key]
        where = "frame %d (%s)" % (i, g)
        assert tags_of(raw) == tags, "%s: tags %s, want %s" % (where, tags_of(raw), tags)
        assert g["eth.dst"] == mac and int(g["udp.dstport"]) == udp, where
        src4 = VLAN4 if tags == (0x8100, 100) else ROUTER4
        if ":" in ip:
            assert g["ipv6.dst"] == ip and g["ipv6.src"] == VLAN6, where
            assert g["udp.checksum.status"] == "1", where  # tshark summed it: right
        else:
            assert g["ip.dst"] == ip and g["ip.src"] == src4, where
            assert g["ip.checksum.status"] == "1", where  # 1: tshark summed it: right
        assert frame_keys(g["data.data"]) == keys, where
    st = json.load(open(os.path.join(work, "stats.json")))
    drops = st["pkt_drops"]
    for reason, ps in bad.items():
        assert drops[reason] == len(ps), "%s: %d" % (reason, drops[reason])
    t = st["totals"]
    n_bad = sum(len(ps) for ps in bad.values())
    assert t["rx_pkts"] == len(plan()[0]) + n_bad, t
    assert t["drop_pkts"] == n_bad, t
    assert t["drop_msgs"] == 0 and t["fwd_msgs"] == t["rx_msgs"], t
    print("vlan: %d frames out checked (tags, addresses, checksums), drops %s" %
          (len(got), {r: drops[r] for r in bad}))


if __name__ == "__main__":
    {"make": make, "verify": verify}[sys.argv[1]](sys.argv[2])
