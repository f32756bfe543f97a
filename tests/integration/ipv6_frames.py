#!/usr/bin/env python3
"""IPv6 through the router (test_ipv6.sh): the input crafted with scapy,
the output read back with tshark.

  ipv6_frames.py make WORK     write WORK/in.pcap and WORK/routes.conf
  ipv6_frames.py verify WORK MODE   check WORK/out.pcap (tshark) and
                                   WORK/stats.json, the router run with
                                   --udp6-check MODE (used or all)

The input mixes both families on one port: IPv6 frames for an IPv6 next
hop and for an IPv4 one, IPv4 frames for the IPv6 hop, one frame split
between the two hops, and one malformed IPv6 packet per IPv6 drop reason.
Scapy fills in every length and checksum of the good ones (the router must
agree with it); tshark verifies the UDP checksum of every IPv6 frame that
comes out (the router computed it, or updated the sender's: a frame with
a bit error that is forwarded whole leaves with its checksum still wrong,
docs/wire-format.md section 6).
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
    from scapy.all import IP, UDP, Ether, IPv6, IPv6ExtHdrFragment, IPv6ExtHdrRouting, Raw, wrpcap
except ImportError:  # Debian's python3-scapy, when python3 is another Python
    sys.path.append("/usr/lib/python3/dist-packages")
    from scapy.all import IP, UDP, Ether, IPv6, IPv6ExtHdrFragment, IPv6ExtHdrRouting, Raw, wrpcap

ROUTER6 = "2001:db8::1"
ROUTER4 = "10.0.0.1"
HOP6 = ("02:00:00:00:00:06", "2001:db8::2", 9006)
HOP4 = ("02:00:00:00:00:04", "10.0.0.4", 9004)
KEY6, KEY4 = 6, 4
SRC6 = ["2001:db8:1::%x" % i for i in (1, 2)]


def v6(src, payload, sport=50000, **ip):
    return (Ether(src="02:00:00:00:01:01", dst="02:00:00:00:00:01") /
            IPv6(src=src, dst=ROUTER6, **ip) / UDP(sport=sport, dport=7447) / Raw(payload))


def v4(payload):
    return (Ether(src="02:00:00:00:01:01", dst="02:00:00:00:00:01") /
            IP(src="10.9.9.9", dst=ROUTER4) / UDP(sport=50001, dport=7447) / Raw(payload))


def plan():
    """(packets, what must come out): out is a list of (family, hop, keys)."""
    pkts, out = [], []
    for i in range(20):
        src = SRC6[i % 2]
        seq = 100 + i // 2 * 3
        msgs = [(KEY6, bytes([i]) * (5 + i)), (KEY6, b"ab"), (KEY6, b"")]
        pkts.append(v6(src, P.frame(seq, msgs)))
        out.append(("6", HOP6, [KEY6] * 3))
    pkts.append(v6(SRC6[0], P.frame(130, [(KEY4, b"to v4" * 30)])))  # seqs run on
    out.append(("4", HOP4, [KEY4]))
    # A bit error in the payload of a frame forwarded whole: not summed by
    # the router, its checksum carried on (updated) for the receiver to find.
    carried = v6(SRC6[0], P.frame(131, [(KEY6, b"carried" * 9)]))
    carried[UDP].chksum = 0x1234
    pkts.append(carried)
    out.append(("6-bad", HOP6, [KEY6]))
    for i in range(5):
        pkts.append(v4(P.frame(i, [(KEY6, b"v4 in" * (i + 1))])))
        out.append(("6", HOP6, [KEY6]))
    pkts.append(v6(SRC6[1], P.frame(130, [(KEY6, b"x" * 33), (KEY4, b"y" * 7), (KEY6, b"z")])))
    out.append(("6", HOP6, [KEY6, KEY6]))
    out.append(("4", HOP4, [KEY4]))
    good = P.frame(1, [(KEY6, b"never")])
    bad = {
        # to the IPv4 hop: re-headed, so summed first
        "udp_bad_checksum": v6(SRC6[0], P.frame(1, [(KEY4, b"never")])).copy(),
        "ip6_hop_limit": v6(SRC6[0], good, hlim=0),
        "ip6_ext_header": (Ether(dst="02:00:00:00:00:01") / IPv6(src=SRC6[0], dst=ROUTER6) /
                           IPv6ExtHdrRouting() / UDP(dport=7447) / Raw(good)),
        "ip_fragment": (Ether(dst="02:00:00:00:00:01") / IPv6(src=SRC6[0], dst=ROUTER6) /
                        IPv6ExtHdrFragment() / UDP(dport=7447) / Raw(good)),
        "ip6_bad_payload_length": v6(SRC6[0], good, plen=2000),
        "not_udp": (Ether(dst="02:00:00:00:00:01") / IPv6(src=SRC6[0], dst=ROUTER6, nh=6) /
                    Raw(b"\0" * 20)),
    }
    bad["udp_bad_checksum"][UDP].chksum = 0x1234
    return pkts, out, bad


def make(work):
    pkts, _, bad = plan()
    wrpcap(os.path.join(work, "in.pcap"), pkts + list(bad.values()))
    with open(os.path.join(work, "routes.conf"), "w") as f:
        f.write("route add %d port 0 mac %s ip %s udp %d\n" % ((KEY6,) + HOP6))
        f.write("route add %d port 0 mac %s ip %s udp %d\n" % ((KEY4,) + HOP4))


def tshark(pcap):
    fields = ["eth.type", "eth.dst", "ipv6.src", "ipv6.dst", "ipv6.hlim", "ip.dst",
              "udp.dstport", "udp.checksum.status", "udp.length", "data.data"]
    args = ["tshark", "-r", pcap, "-o", "udp.check_checksum:TRUE", "-T", "fields"]
    for f in fields:
        args += ["-e", f]
    res = subprocess.run(args, capture_output=True, text=True, check=True)
    return [dict(zip(fields, line.split("\t"))) for line in res.stdout.splitlines()]


def frame_keys(data_hex):
    """The keys of a beamline frame (tshark's data.data, hex), and its seq."""
    b = bytes.fromhex(data_hex.replace(":", ""))
    assert b[:4] == b"BLM1", b[:4]
    count = int.from_bytes(b[4:6], "big")
    seq = int.from_bytes(b[8:16], "big")
    off, keys = 16, []
    for _ in range(count):
        ln = int.from_bytes(b[off:off + 4], "big")
        keys.append(int.from_bytes(b[off + 8:off + 16], "big"))
        off += 16 + ln
    assert off == len(b), (off, len(b))
    return keys, seq


def verify(work, mode):
    _, want, bad = plan()
    if mode == "all":  # the carried bit error is summed and dropped too
        want = [w for w in want if w[0] != "6-bad"]
    got = tshark(os.path.join(work, "out.pcap"))
    assert len(got) == len(want), "%d frames out, %d planned" % (len(got), len(want))
    seqs = {}
    for i, (g, (fam, hop, keys)) in enumerate(zip(got, want)):
        where = "frame %d (%s)" % (i, g)
        assert g["eth.dst"] == hop[0], where
        assert int(g["udp.dstport"]) == hop[2], where
        if fam.startswith("6"):
            assert g["eth.type"] == "0x86dd", where
            assert g["ipv6.src"] == ROUTER6 and g["ipv6.dst"] == hop[1], where
            assert g["ipv6.hlim"] == "64", where
            # tshark computed the checksum: 1 right, 0 wrong (the carried
            # bit error, still there for the receiver to drop).
            assert g["udp.checksum.status"] == ("0" if fam == "6-bad" else "1"), where
        else:
            assert g["eth.type"] == "0x0800" and g["ip.dst"] == hop[1], where
        k, seq = frame_keys(g["data.data"])
        assert k == keys, where
        # One gapless outgoing stream per hop, whatever family came in.
        if hop in seqs:
            assert seq == seqs[hop], "%s: seq %d, want %d" % (where, seq, seqs[hop])
        seqs[hop] = seq + len(k)
    st = json.load(open(os.path.join(work, "stats.json")))
    drops = st["pkt_drops"]
    carried = 1 if mode == "all" else 0
    for reason in bad:
        want_n = 1 + (carried if reason == "udp_bad_checksum" else 0)
        assert drops[reason] == want_n, "%s: %d" % (reason, drops[reason])
    t = st["totals"]
    n_in = len(plan()[0]) + len(bad)
    assert t["rx_pkts"] == n_in, t
    assert t["drop_pkts"] == len(bad) + carried, t
    assert t["drop_msgs"] == 0 and t["fwd_msgs"] == t["rx_msgs"], t
    # Sources: the two IPv6 senders and the IPv4 one, each tracked apart.
    assert st["seq"]["sources"] == 3, st["seq"]
    assert st["seq"]["gaps"] == 0 and st["seq"]["dups"] == 0, st["seq"]
    print("ipv6 (--udp6-check %s): %d frames out checked (UDP checksums by tshark), drops %s" %
          (mode, len(got), {r: drops[r] for r in bad}))


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2])
    else:
        verify(sys.argv[2], sys.argv[3])
