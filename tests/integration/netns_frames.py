#!/usr/bin/env python3
"""Traffic plan and checks for test_netns.sh (the kernel path through veth).

The plan is the single source of truth: which keys are routed, which
messages each `blmsg send` job sends (deterministic payloads, one per stdin
line), and a few hand-built frames that mix routed, unrouted and drop-routed
keys (so the router has to split them). After a run, `verify` decodes what
tshark saw on both sides of the router and checks it against the plan and
against the router's own counters.

  netns_frames.py plan WORK            write WORK/plan.json and the jobs' stdin
                                       files; print one line per blmsg job:
                                       "KEY FILE COUNT BATCH"
  netns_frames.py counts PLAN           print "MESSAGES ROUTED": all the plan
                                       sends, and those routed to the receiver
  netns_frames.py mixed PLAN HOST PORT send the mixed frames from a fresh UDP
                                       socket; print "mixed frames=N msgs=M"
  netns_frames.py verify PLAN IN.tsv OUT.tsv STATS.json RECV.txt SENT_FRAMES
                         ROUTER_MAC RCV_MAC
                                       check every captured frame ("-" for no
                                       capture) and every counter

The frame decoder is written here from docs/wire-format.md on purpose: it is
an independent reading of the format, not the router's codec.
"""
import json
import os
import socket
import struct
import sys

MAGIC = 0x424C4D31
FRAME_HDR = struct.Struct(">IHHQ")  # magic, count, flags, seq
MSG_HDR = struct.Struct(">IHHQ")  # len, kind, flags, key

# Addresses of the test topology (test_netns.sh sets them up the same way).
SND_IP, RTR_IN_IP = "10.77.1.2", "10.77.1.1"
RCV_IP, RTR_OUT_IP = "10.77.2.2", "10.77.2.1"
ROUTER_UDP = 7447
RCV_UDP = 7500

ROUTE_LO, ROUTE_HI = 1000, 1063  # route batch: every key here -> receiver
DROP_KEY = 0xDEAD  # route add 0xdead drop
NOROUTE_KEY = 0xBEEF  # no route and no default: no_route

FILL = b"abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def payload(key, i, size):
    """Deterministic printable payload of exactly max(size, prefix) bytes."""
    head = b"k%d/i%d/" % (key, i)
    size = max(size, len(head))
    body = bytes(FILL[(i + j) % len(FILL)] for j in range(size - len(head)))
    return head + body


def route_of(key):
    if ROUTE_LO <= key <= ROUTE_HI:
        return "fwd"
    if key == DROP_KEY:
        return "drop"
    return "none"


# (key, count, batch, min size, max size): small, > 64 B, near-MTU, unrouted,
# drop-routed. Batches pack several messages per frame.
JOBS = [
    (1000, 40, 8, 12, 60),
    (1001, 30, 4, 65, 300),
    (1063, 12, 3, 400, 1400),
    (NOROUTE_KEY, 25, 8, 1, 40),
    (DROP_KEY, 10, 5, 70, 90),
]


def mixed_frames():
    """Frames whose messages go to different verdicts: the router splits
    them, copying short runs and attaching the 700-byte one by reference."""
    frames = []
    for f in range(6):
        frames.append([
            (1002, payload(1002, 3 * f, 20)),
            (NOROUTE_KEY, payload(NOROUTE_KEY, 100 + f, 30)),
            (1002, payload(1002, 3 * f + 1, 700)),
            (DROP_KEY, payload(DROP_KEY, 100 + f, 10)),
            (1003, payload(1003, f, 100 + f)),
        ])
    return frames


def cmd_plan(work):
    jobs = []
    for key, count, batch, lo, hi in JOBS:
        msgs = [payload(key, i, lo + (i * 37 + key) % (hi - lo + 1)) for i in range(count)]
        name = os.path.join(work, "job-%d.txt" % key)
        with open(name, "wb") as f:
            f.write(b"".join(m + b"\n" for m in msgs))
        jobs.append({"key": key, "file": name, "count": count, "batch": batch,
                     "payloads": [m.hex() for m in msgs]})
        print(key, name, count, batch)
    plan = {"jobs": jobs,
            "mixed": [[[k, p.hex()] for k, p in fr] for fr in mixed_frames()]}
    with open(os.path.join(work, "plan.json"), "w") as f:
        json.dump(plan, f)


def planned(plan):
    """Every message the plan sends, in sending order, as (key, payload)."""
    msgs = [(j["key"], bytes.fromhex(p)) for j in plan["jobs"] for p in j["payloads"]]
    return msgs + [(k, bytes.fromhex(p)) for fr in plan["mixed"] for k, p in fr]


def cmd_counts(plan_path):
    msgs = planned(json.load(open(plan_path)))
    print(len(msgs), sum(1 for k, _ in msgs if route_of(k) == "fwd"))


def encode_frame(seq, msgs):
    out = [FRAME_HDR.pack(MAGIC, len(msgs), 0, seq)]
    for key, p in msgs:
        out.append(MSG_HDR.pack(len(p), 0, 0, key))
        out.append(p)
    return b"".join(out)


def cmd_mixed(plan_path, host, port):
    plan = json.load(open(plan_path))
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect((host, int(port)))
    seq = n = 0
    for fr in plan["mixed"]:
        msgs = [(k, bytes.fromhex(p)) for k, p in fr]
        s.send(encode_frame(seq, msgs))
        seq += len(msgs)
        n += len(msgs)
    s.close()
    print("mixed frames=%d msgs=%d" % (len(plan["mixed"]), n))


def decode_frame(data):
    """(seq, flags, [(key, payload)]) of one wire-format v1 frame; raises
    ValueError naming the first thing that is wrong."""
    if len(data) < FRAME_HDR.size:
        raise ValueError("frame truncated (%d bytes)" % len(data))
    magic, count, flags, seq = FRAME_HDR.unpack_from(data, 0)
    if magic != MAGIC:
        raise ValueError("bad magic %#x" % magic)
    if count == 0:
        raise ValueError("zero count")
    off, msgs = FRAME_HDR.size, []
    for i in range(count):
        if off + MSG_HDR.size > len(data):
            raise ValueError("message %d header truncated" % i)
        ln, kind, mflags, key = MSG_HDR.unpack_from(data, off)
        off += MSG_HDR.size
        if kind != 0 or mflags != 0:
            raise ValueError("message %d kind %d flags %d" % (i, kind, mflags))
        if off + ln > len(data):
            raise ValueError("message %d payload overflows the frame" % i)
        msgs.append((key, data[off:off + ln]))
        off += ln
    if off != len(data):
        raise ValueError("%d bytes after the last message" % (len(data) - off))
    return seq, flags, msgs


FIELDS = ["frame.number", "eth.src", "eth.dst", "ip.src", "ip.dst", "ip.ttl",
          "udp.srcport", "udp.dstport", "udp.length", "udp.checksum", "udp.payload"]


def read_tsv(path):
    rows = []
    for line in open(path):
        cols = line.rstrip("\n").split("\t")
        if len(cols) != len(FIELDS):
            raise SystemExit("%s: %d columns, want %d: %r" % (path, len(cols), len(FIELDS), line))
        r = dict(zip(FIELDS, cols))
        r["payload"] = bytes.fromhex(r["udp.payload"].replace(":", ""))
        rows.append(r)
    return rows


def check(cond, what):
    if not cond:
        raise SystemExit("netns_frames verify: FAIL: " + what)


def verify_capture(want_in, in_tsv, out_tsv, sent_frames, router_mac, rcv_mac):
    """Check both captures; return the number of frames out of the router."""
    # What entered the router: frames as the sender namespace's kernel sent them.
    rows_in = read_tsv(in_tsv)
    check(len(rows_in) == sent_frames,
          "captured %d frames into the router, the senders reported %d" % (len(rows_in), sent_frames))
    got_in, in_frames, next_seq = [], [], {}
    for r in rows_in:
        where = "in frame %s" % r["frame.number"]
        check((r["ip.src"], r["ip.dst"], r["udp.dstport"]) == (SND_IP, RTR_IN_IP, str(ROUTER_UDP)),
              "%s: %s -> %s:%s" % (where, r["ip.src"], r["ip.dst"], r["udp.dstport"]))
        check(int(r["udp.length"]) == 8 + len(r["payload"]), where + ": udp.length")
        try:
            seq, _, msgs = decode_frame(r["payload"])
        except ValueError as e:
            raise SystemExit("netns_frames verify: FAIL: %s: %s" % (where, e))
        src = r["udp.srcport"]
        check(seq == next_seq.get(src, 0), "%s: seq %d, want %d" % (where, seq, next_seq.get(src, 0)))
        next_seq[src] = seq + len(msgs)
        got_in += msgs
        in_frames.append(msgs)
    check(got_in == want_in, "the messages sent differ from the plan (%d sent, %d planned)"
          % (len(got_in), len(want_in)))

    # What the router must have sent: each input frame's routed messages, in
    # order, as one frame (whole frames rewritten in place, mixed ones split).
    want_out = [[m for m in fr if route_of(m[0]) == "fwd"] for fr in in_frames]
    want_out = [fr for fr in want_out if fr]
    rows_out = read_tsv(out_tsv)
    check(len(rows_out) == len(want_out),
          "captured %d frames out of the router, want %d" % (len(rows_out), len(want_out)))
    seq = 0
    for r, want in zip(rows_out, want_out):
        where = "out frame %s" % r["frame.number"]
        got = (r["eth.src"].lower(), r["eth.dst"].lower(), r["ip.src"], r["ip.dst"], r["ip.ttl"],
               r["udp.srcport"], r["udp.dstport"], int(r["udp.checksum"], 16))
        exp = (router_mac.lower(), rcv_mac.lower(), RTR_OUT_IP, RCV_IP, "64",
               str(ROUTER_UDP), str(RCV_UDP), 0)
        check(got == exp, "%s: headers %s, want %s" % (where, got, exp))
        check(int(r["udp.length"]) == 8 + len(r["payload"]), where + ": udp.length")
        try:
            fseq, flags, msgs = decode_frame(r["payload"])
        except ValueError as e:
            raise SystemExit("netns_frames verify: FAIL: %s: %s" % (where, e))
        check(flags == 0, where + ": frame flags %d" % flags)
        check(fseq == seq, "%s: seq %d, want %d (one gapless stream per worker and hop)"
              % (where, fseq, seq))
        seq += len(msgs)
        check(msgs == want, "%s: messages differ from the routed part of its input frame" % where)
    print("capture: %d frames / %d msgs in, %d frames / %d msgs out, checked field by field "
          "and byte for byte" % (len(rows_in), len(got_in), len(rows_out), seq))
    return len(rows_out)


def cmd_verify(plan_path, in_tsv, out_tsv, stats_path, recv_txt, sent_frames, router_mac, rcv_mac):
    """IN/OUT.tsv are tshark's fields of the two captures, or "-" when there
    is no capture: then only the counters are checked."""
    plan = json.load(open(plan_path))
    sent_frames = int(sent_frames)
    want_in = planned(plan)
    count = {"fwd": 0, "none": 0, "drop": 0}
    for k, _ in want_in:
        count[route_of(k)] += 1
    frames_out = None
    if in_tsv != "-":
        frames_out = verify_capture(want_in, in_tsv, out_tsv, sent_frames, router_mac, rcv_mac)

    # The router's counters: every message forwarded or dropped under its name.
    st = json.load(open(stats_path))
    t, md, pd = st["totals"], st["msg_drops"], st["pkt_drops"]
    # No process routes in this traffic: nothing may be delivered to one.
    check(t.get("delivered_msgs", 0) == 0, "delivered_msgs %s" % t.get("delivered_msgs"))
    check(t["rx_msgs"] == t["fwd_msgs"] + t["drop_msgs"] + t["buffered_msgs"],
          "rx_msgs != fwd + drop + buffered: %s" % t)
    check(t["rx_pkts"] == t["acc_pkts"] + t["drop_pkts"], "rx_pkts != acc + drop: %s" % t)
    check(t["rx_msgs"] == len(want_in), "rx_msgs %d, sent %d" % (t["rx_msgs"], len(want_in)))
    check(t["fwd_msgs"] == count["fwd"], "fwd_msgs %d, want %d" % (t["fwd_msgs"], count["fwd"]))
    check(t["buffered_msgs"] == 0, "buffered_msgs %d after the traffic" % t["buffered_msgs"])
    # Accepted: the senders' frames, and any ARP or ND frame a kernel sent on
    # its own (a bridge's or a tap's kernel side), which the router takes to
    # its neighbour table (neigh_punts) rather than dropping.
    punts = t.get("neigh_punts", 0)
    check(t["acc_pkts"] == sent_frames + punts, "acc_pkts %d, sent %d frames, %d neighbour punts"
          % (t["acc_pkts"], sent_frames, punts))
    check(md["no_route"] == count["none"], "no_route %d, want %d" % (md["no_route"], count["none"]))
    check(md["route_drop"] == count["drop"],
          "route_drop %d, want %d" % (md["route_drop"], count["drop"]))
    other = {k: v for k, v in md.items() if k not in ("no_route", "route_drop") and v}
    check(not other, "unexpected message drops %s" % other)
    check(t["drop_msgs"] == count["none"] + count["drop"], "drop_msgs %d" % t["drop_msgs"])
    # Every frame the senders sent was accepted (acc_pkts above); the only
    # packet drops are what the kernels send on their own (ARP, IPv6, IGMP
    # reports from a tap's kernel side), each under its name.
    noise = ("not_ipv4", "not_udp")
    bad = {k: v for k, v in pd.items() if k not in noise and v}
    check(not bad, "unexpected packet drops %s" % bad)
    check(t["drop_pkts"] == sum(pd[k] for k in noise), "drop_pkts %d, named %s"
          % (t["drop_pkts"], {k: pd[k] for k in noise}))
    check(t["split_frames"] == len(plan["mixed"]),
          "split_frames %d, want %d" % (t["split_frames"], len(plan["mixed"])))
    check(t["ref_segs"] > 0, "no payload run was sent by reference (the chained-TX path)")
    tx1 = st["ports"][1]["tx_pkts"]
    check(frames_out is None or tx1 == frames_out, "port 1 tx_pkts %d, captured %d" % (tx1, frames_out or 0))

    # blmsg recv: every forwarded message, in the frames port 1 sent, from
    # one gapless source (the router).
    totals = [ln for ln in open(recv_txt) if ln.startswith("total ")]
    check(len(totals) == 1, "blmsg recv printed no totals")
    f = dict(kv.split("=") for kv in totals[0].split()[1:])
    want_rx = {"msgs": str(count["fwd"]), "frames": str(tx1), "malformed": "0",
               "sources": "1", "gaps": "0", "lost": "0", "dups": "0"}
    got_rx = {k: f.get(k) for k in want_rx}
    check(got_rx == want_rx, "blmsg recv %s, want %s" % (got_rx, want_rx))

    print("counters: %d frames / %d msgs in, %d forwarded in %d frames; no_route=%d "
          "route_drop=%d split_frames=%d ref_segs=%d; other packets: not_ipv4=%d not_udp=%d"
          % (sent_frames, len(want_in), t["fwd_msgs"], tx1, md["no_route"], md["route_drop"],
             t["split_frames"], t["ref_segs"], pd["not_ipv4"], pd["not_udp"]))


def main(argv):
    if len(argv) == 3 and argv[1] == "plan":
        cmd_plan(argv[2])
    elif len(argv) == 3 and argv[1] == "counts":
        cmd_counts(argv[2])
    elif len(argv) == 5 and argv[1] == "mixed":
        cmd_mixed(*argv[2:])
    elif len(argv) == 10 and argv[1] == "verify":
        cmd_verify(*argv[2:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
