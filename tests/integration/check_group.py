#!/usr/bin/env python3
"""Expected figures for test_group.sh, from the input pcap alone.

  check_group.py expect IN.pcap       -> JSON of what every process must have counted
  check_group.py echo IN.pcap OUT.pcap -> check the echo answers on the wire

Keys: 0..15 go to group g (every member counts every message), 16..23 to
pool p (one member per source), 24..27 to the echo process, 28..31 to a
process name nobody has (counted as no_process drops).
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import blpcap  # noqa: E402


def messages(path):
    for pkt in blpcap.read_pcap(path):
        p = blpcap.parse(pkt)
        for key, payload, _ in p.msgs:
            yield p, key, payload


def expect(path):
    group = {"msgs": 0, "bytes": 0}
    pool_by_source = {}
    echo = 0
    nobody = 0
    total = 0
    for p, key, payload in messages(path):
        total += 1
        if key < 16:
            group["msgs"] += 1
            group["bytes"] += len(payload)
        elif key < 24:
            src = f"{p.src_ip}:{p.sport}"
            pool_by_source[src] = pool_by_source.get(src, 0) + 1
        elif key < 28:
            echo += 1
        else:
            nobody += 1
    return {"total": total, "group": group, "pool_by_source": pool_by_source,
            "echo": echo, "nobody": nobody}


def echo_check(inp, out):
    sent = []
    macs = {}
    for pkt in blpcap.read_pcap(inp):
        p = blpcap.parse(pkt)
        for key, payload, _ in p.msgs:
            if 24 <= key < 28:
                sent.append((p.src_ip, p.sport, key, payload))
                macs[p.src_ip] = p.src_mac
    got = []
    for pkt in blpcap.read_pcap(out):
        p = blpcap.parse(pkt)
        for key, payload, kind in p.msgs:
            assert kind == 0
            assert p.dst_mac == macs.get(p.dst_ip), \
                f"answer to {p.dst_ip} sent to MAC {p.dst_mac}, not {macs.get(p.dst_ip)}"
            got.append((p.dst_ip, p.dport, key, payload))
    # Per source the answers keep the order of the questions.
    def by_src(items):
        d = {}
        for ip, port, key, payload in items:
            d.setdefault((ip, port), []).append((key, payload))
        return d
    s, g = by_src(sent), by_src(got)
    assert s.keys() == g.keys(), f"answered sources {sorted(g)} != {sorted(s)}"
    for src in s:
        assert s[src] == g[src], f"answers to {src} differ from what it sent"
    print(f"echo: {len(got)} answers to {len(s)} sources match, in order")


if __name__ == "__main__":
    if sys.argv[1] == "expect":
        print(json.dumps(expect(sys.argv[2])))
    elif sys.argv[1] == "echo":
        echo_check(sys.argv[2], sys.argv[3])
    else:
        sys.exit("usage: check_group.py expect IN | echo IN OUT")
