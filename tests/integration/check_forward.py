#!/usr/bin/env python3
"""Check what beamline forwarded against what it had to forward.

  check_forward.py make   WORK      -> writes WORK/in.pcap and WORK/routes.conf
  check_forward.py verify WORK      -> reads WORK/out.pcap, WORK/stats.json, WORK/status.json

`make` takes the generator's pcap (WORK/gen.pcap), adds malformed packets of
every packet-level drop reason, and writes routes to two next hops on port 0,
a drop route and unrouted keys, so that frames mix hops and must be split.
`verify` computes, independently of the router, the exact messages each hop
must receive, in order, and compares every output frame: Ethernet, IPv4
(checksum, TTL, lengths), UDP ports, frame header, seq numbering, keys and
payload bytes; then the counters: every message and packet accounted for.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import blpcap as P  # noqa: E402

ROUTER_MAC_IN = "02:00:00:00:00:01"
ROUTER_IP = "10.0.0.1"
HOPS = {
    "A": ("02:00:00:00:00:0a", "10.0.0.10", 7447),
    "B": ("02:00:00:00:00:0b", "10.0.0.11", 9000),
}
KEYS = 64


def route_of(key):
    """The route table the test installs, as a function of the key."""
    if key % 16 == 15:
        return None  # unrouted
    if key % 16 == 14:
        return "drop"
    return "A" if key % 2 == 0 else "B"


def bad_packets():
    """One packet per packet-level drop reason, with the reason's name."""
    good = P.frame(1, [(1, b"x" * 20)])
    src = ("02:00:00:00:01:99", ROUTER_MAC_IN, "10.9.9.9", ROUTER_IP, 50000, 7447)
    pk = P.packet(*src, good)
    out = [
        ("eth_truncated", pk[:10]),
        # An ethertype of no family (ARP is the neighbour table's, IPv6 is parsed).
        ("not_ipv4", P.packet(*src, good, ethertype=0x88B5)),
        ("not_for_us", P.packet(*src[:5], 7448, good)),
        ("ip_truncated", pk[:14 + 12]),
        ("ip_bad_header", pk[:14] + bytes([0x65]) + pk[15:]),
        ("ip_bad_checksum", P.packet(*src, good, csum=0x1234)),
        ("ip_bad_length", P.packet(*src, good, ip_len=2000)),
        ("ip_fragment", P.packet(*src, good, frag=0x2000)),
        ("not_udp", P.packet(*src, good, proto=6)),
        ("udp_bad_length", P.packet(*src, good, udp_len=9)),
        ("frame_truncated", P.packet(*src, good[:10])),
        ("bad_magic", P.packet(*src, b"XXXX" + good[4:])),
        ("zero_count", P.packet(*src, good[:4] + b"\0\0" + good[6:16])),
        ("msg_truncated", P.packet(*src, good[:16 + 8])),
        ("length_overflow", P.packet(*src, good[:-1])),
        ("count_mismatch", P.packet(*src, good + b"extra")),
    ]
    return out


def make(work):
    gen = P.read_pcap(os.path.join(work, "gen.pcap"))
    bad = bad_packets()
    pkts = list(gen)
    # Interleave the bad ones so they arrive among good traffic.
    for i, (_, b) in enumerate(bad):
        pkts.insert(min(len(pkts), 7 * (i + 1)), b)
    # A frame with a reserved kind next to a data message: bad_kind is counted per message.
    p0 = P.parse(gen[0])
    pkts.append(P.packet(p0.src_mac, p0.dst_mac, p0.src_ip, p0.dst_ip, p0.sport, p0.dport,
                         P.frame(10**6, [(2, b"k" * 30, 7), (4, b"d" * 30)])))
    P.write_pcap(os.path.join(work, "in.pcap"), pkts)
    with open(os.path.join(work, "routes.conf"), "w") as f:
        f.write("# written by check_forward.py\n")
        for key in range(KEYS):
            r = route_of(key)
            if r is None:
                continue
            if r == "drop":
                f.write(f"route add {key} drop\n")
            else:
                mac, ip, udp = HOPS[r]
                f.write(f"route add {key} port 0 mac {mac} ip {ip} udp {udp}\n")
    with open(os.path.join(work, "expect_bad.json"), "w") as f:
        json.dump([name for name, _ in bad], f)


def fail(msg):
    print(f"check_forward: FAIL: {msg}")
    sys.exit(1)


def verify(work):
    inp = P.read_pcap(os.path.join(work, "in.pcap"))
    out = P.read_pcap(os.path.join(work, "out.pcap"))
    stats = json.load(open(os.path.join(work, "stats.json")))
    status = json.load(open(os.path.join(work, "status.json")))
    bad_names = json.load(open(os.path.join(work, "expect_bad.json")))
    port = status["ports"][0]

    # What must come out, per hop, in order.
    expect = {h: [] for h in HOPS}
    n_msgs = no_route = route_drop = bad_kind = 0
    n_good_pkts = 0
    for pk in inp:
        try:
            p = P.parse(pk)
        except (AssertionError, Exception):  # the malformed ones
            continue
        if p.dst_ip != ROUTER_IP or p.dport != 7447:
            continue
        n_good_pkts += 1
        for key, payload, kind in p.msgs:
            n_msgs += 1
            if kind != 0:
                bad_kind += 1
                continue
            r = route_of(key)
            if r is None:
                no_route += 1
            elif r == "drop":
                route_drop += 1
            else:
                expect[r].append((key, payload))

    got = {h: [] for h in HOPS}
    by_dst = {(HOPS[h][1], HOPS[h][2]): h for h in HOPS}
    next_seq = {}
    for i, pk in enumerate(out):
        try:
            p = P.parse(pk)
        except AssertionError as e:
            fail(f"output packet {i}: {e}")
        h = by_dst.get((p.dst_ip, p.dport))
        if h is None:
            fail(f"output packet {i}: unexpected destination {p.dst_ip}:{p.dport}")
        if p.dst_mac != HOPS[h][0]:
            fail(f"output packet {i}: dst MAC {p.dst_mac}, want {HOPS[h][0]}")
        if p.src_mac != port["mac"] or p.src_ip != port["ip"]:
            fail(f"output packet {i}: source {p.src_mac} {p.src_ip}, want {port['mac']} {port['ip']}")
        if p.ttl != 64:
            fail(f"output packet {i}: TTL {p.ttl}")
        if p.sport != 7447:  # the router's UDP port + worker index 0
            fail(f"output packet {i}: source UDP port {p.sport}")
        stream = (p.sport, h)
        want_seq = next_seq.get(stream, 0)
        if p.seq != want_seq:
            fail(f"output packet {i}: seq {p.seq}, want {want_seq} (stream to hop {h})")
        next_seq[stream] = p.seq + len(p.msgs)
        for key, payload, kind in p.msgs:
            if kind != 0:
                fail(f"output packet {i}: forwarded a kind {kind} message")
            got[h].append((key, payload))

    for h in HOPS:
        if len(got[h]) != len(expect[h]):
            fail(f"hop {h}: {len(got[h])} messages out, {len(expect[h])} expected")
        for j, (g, e) in enumerate(zip(got[h], expect[h])):
            if g != e:
                fail(f"hop {h}: message {j} is key {g[0]} ({len(g[1])} bytes), "
                     f"want key {e[0]} ({len(e[1])} bytes)")

    t = stats["totals"]
    pd, md = stats["pkt_drops"], stats["msg_drops"]
    checks = [
        ("rx_pkts", t["rx_pkts"], len(inp)),
        ("acc_pkts", t["acc_pkts"], n_good_pkts),
        ("drop_pkts", t["drop_pkts"], len(bad_names)),
        ("rx_msgs", t["rx_msgs"], n_msgs),
        ("fwd_msgs", t["fwd_msgs"], sum(len(v) for v in expect.values())),
        ("no_route", md["no_route"], no_route),
        ("route_drop", md["route_drop"], route_drop),
        ("bad_kind", md["bad_kind"], bad_kind),
        ("buffered_msgs", t["buffered_msgs"], 0),
        ("tx_pkts", t["tx_pkts"], len(out)),
        ("identity rx_pkts = acc_pkts + drop_pkts", t["rx_pkts"], t["acc_pkts"] + t["drop_pkts"]),
        ("identity rx_msgs = fwd + dropped", t["rx_msgs"], t["fwd_msgs"] + t["drop_msgs"]),
        ("sum of msg drops", t["drop_msgs"], sum(md.values())),
        ("sum of pkt drops", t["drop_pkts"], sum(pd.values())),
    ]
    for lc in stats["lcores"]:
        n = f"lcore {lc['lcore']}"
        checks.append((f"{n}: rx_pkts = acc_pkts + drop_pkts", lc["rx_pkts"],
                       lc["acc_pkts"] + lc["drop_pkts"]))
        checks.append((f"{n}: rx_msgs = fwd + dropped + buffered", lc["rx_msgs"],
                       lc["fwd_msgs"] + lc["drop_msgs"] + lc["buffered_msgs"]))
    for key in ("rx_pkts", "rx_msgs", "fwd_msgs", "drop_msgs", "tx_pkts"):
        checks.append((f"sum over lcores of {key}", sum(lc[key] for lc in stats["lcores"]),
                       t[key]))
    for name in set(bad_names):
        checks.append((f"pkt drop {name}", pd.get(name), bad_names.count(name)))
    for name, g, w in checks:
        if g != w:
            fail(f"{name}: got {g}, want {w}")
    if t["split_frames"] == 0:
        fail("no frame was split: the test traffic must mix next hops")
    if port.get("multiseg_tx") and t["ref_segs"] == 0:
        fail("the port takes chains but no payload went by reference")
    print(f"check_forward: OK: {len(out)} frames, "
          f"{sum(len(v) for v in got.values())} messages checked byte for byte; "
          f"{t['split_frames']} split frames, {t['ref_segs']} by-reference runs; "
          f"{len(bad_names)} malformed packets counted by reason")


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("make", "verify"):
        print(__doc__)
        sys.exit(2)
    (make if sys.argv[1] == "make" else verify)(sys.argv[2])
