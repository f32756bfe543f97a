#!/usr/bin/env python3
"""The process path end to end: every message through one forward process.

  check_proc_path.py make   WORK  -> writes WORK/in.pcap and WORK/procs.conf
  check_proc_path.py verify WORK  -> reads WORK/out.pcap and WORK/stats.json

`make` writes frames from four sources (1 to 6 messages, payloads of 0 to
300 bytes); one frame in seven has a message with non-zero wire flags, which
a process cannot pass on as it came (it sends flags 0), so those frames are
repacked message by message. Every key routes to one forward process.
`verify` checks that the messages come out unchanged and in order, with
flags 0, in frames with the hop's headers and a gapless seq; that every
received frame reached the process whole; that exactly the clean frames
left in their own mbuf (ptx_inplace); and the accounting identities.
"""
import json
import os
import random
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import blpcap as P  # noqa: E402

ROUTER_MAC = "02:00:00:00:00:01"
ROUTER_IP = "10.0.0.1"
HOP = ("02:00:00:00:00:0a", "10.0.0.10", 9000)
FRAMES = 420


def flagged(fr, index):
    """Frame bytes with message `index`'s wire flags set to 1."""
    off = 16
    for _ in range(index):
        (ln,) = struct.unpack_from("!I", fr, off)
        off += 16 + ln
    return fr[:off + 6] + struct.pack("!H", 1) + fr[off + 8:]


def make(work):
    rnd = random.Random(7)
    pkts, meta = [], {"clean": 0, "flagged": 0}
    seq = {}
    for i in range(FRAMES):
        src = i % 4
        msgs = [(rnd.randrange(1 << 40), bytes(rnd.randrange(256) for _ in range(rnd.choice(
            [0, 5, 64, 65, 200, 300])))) for _ in range(rnd.randint(1, 6))]
        fr = P.frame(seq.get(src, 1), msgs)
        seq[src] = seq.get(src, 1) + len(msgs)
        if i % 7 == 3:
            fr = flagged(fr, rnd.randrange(len(msgs)))
            meta["flagged"] += 1
        else:
            meta["clean"] += 1
        pkts.append(P.packet(f"02:00:00:00:01:{src:02x}", ROUTER_MAC, f"10.1.0.{src + 1}",
                             ROUTER_IP, 40000 + src, 7447, fr))
    P.write_pcap(os.path.join(work, "in.pcap"), pkts)
    with open(os.path.join(work, "procs.conf"), "w") as f:
        f.write("# written by check_proc_path.py\n")
        f.write(f"spawn forward name fwd lcore {os.environ.get('BL_LCORE', '1')} port 0 "
                f"mac {HOP[0]} ip {HOP[1]} udp {HOP[2]}\n")
        f.write("route add default process fwd\n")
    with open(os.path.join(work, "meta.json"), "w") as f:
        json.dump(meta, f)


def fail(msg):
    print(f"check_proc_path: FAIL: {msg}")
    sys.exit(1)


def verify(work):
    inp = [P.parse(pk) for pk in P.read_pcap(os.path.join(work, "in.pcap"))]
    out_raw = P.read_pcap(os.path.join(work, "out.pcap"))
    meta = json.load(open(os.path.join(work, "meta.json")))
    t = json.load(open(os.path.join(work, "stats.json")))["totals"]
    want = [(k, pl) for p in inp for k, pl, _ in p.msgs]
    got, next_seq = [], None
    for i, raw in enumerate(out_raw):
        try:
            p = P.parse(raw)
        except AssertionError as e:
            fail(f"output packet {i}: {e}")
        if (p.dst_mac, p.dst_ip, p.dport) != HOP:
            fail(f"output packet {i} goes to {p.dst_mac} {p.dst_ip}:{p.dport}, not {HOP}")
        if p.src_ip != ROUTER_IP or p.ttl != 64:
            fail(f"output packet {i}: source {p.src_ip}, ttl {p.ttl}")
        if next_seq is not None and p.seq != next_seq:
            fail(f"output packet {i}: seq {p.seq}, want {next_seq}")
        next_seq = p.seq + len(p.msgs)
        off = 42 + 16
        for key, payload, kind in p.msgs:
            (flags,) = struct.unpack_from("!H", raw, off + 6)
            if kind != 0 or flags != 0:
                fail(f"output packet {i}: message kind {kind} flags {flags}")
            off += 16 + len(payload)
            got.append((key, payload))
    if len(got) != len(want):
        fail(f"{len(got)} messages out, {len(want)} in")
    for j, (g, w) in enumerate(zip(got, want)):
        if g != w:
            fail(f"message {j}: key {g[0]} ({len(g[1])} bytes), want key {w[0]} "
                 f"({len(w[1])} bytes)")
    checks = [
        ("acc_pkts", t["acc_pkts"], len(inp)),
        ("frame_deliveries (every frame whole to the process)", t["frame_deliveries"], len(inp)),
        ("delivered_msgs", t["delivered_msgs"], len(want)),
        ("ptx_in", t["ptx_in"], len(want)),
        ("ptx_msgs", t["ptx_msgs"], len(want)),
        ("ptx_inplace (clean frames sent in their own mbuf)", t["ptx_inplace"], meta["clean"]),
        ("ptx_frames", t["ptx_frames"], len(out_raw)),
        ("tx_pkts", t["tx_pkts"], len(out_raw)),
        ("drop_msgs", t["drop_msgs"], 0),
        ("ptx_drop_msgs", t["ptx_drop_msgs"], 0),
        ("identity rx_msgs = fwd + drop + buffered + delivered", t["rx_msgs"],
         t["fwd_msgs"] + t["drop_msgs"] + t["buffered_msgs"] + t["delivered_msgs"]),
    ]
    for name, g, w in checks:
        if g != w:
            fail(f"{name}: got {g}, want {w}")
    if len(out_raw) <= meta["clean"]:
        fail(f"{len(out_raw)} frames out: the flagged frames were not repacked")
    print(f"check_proc_path: ok: {len(want)} messages in {len(inp)} frames; "
          f"{meta['clean']} sent in place, {len(out_raw) - meta['clean']} repacked")


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("make", "verify"):
        sys.exit(__doc__)
    (make if sys.argv[1] == "make" else verify)(sys.argv[2])
