#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Loopback UDP echo for the blmsg ping test ONLY (the router's echo is the real one).

Contract it mimics: every data message of a valid wire-format v1 frame is sent
back, as its own frame with the same key and payload, to the sender's address.
Written from DESIGN section 4 independently of the C codec, so the test also
checks that blmsg's frames follow the spec.

Options (to exercise ping's accounting):
  --drop-every N  do not answer probes whose id % N == N - 1
  --dup-id K      answer the probe with id K twice
  --garbage       first send one malformed datagram, which ping must ignore
The bound port is written to PORT_FILE once the socket is ready.
"""
import argparse
import os
import socket
import struct

MAGIC = 0x424C4D31


def messages(data):
    """Yield (key, kind, payload) of a valid frame, or nothing if malformed."""
    if len(data) < 16:
        return []
    magic, count, _flags, _seq = struct.unpack_from(">IHHQ", data, 0)
    if magic != MAGIC or count == 0:
        return []
    out, off = [], 16
    for _ in range(count):
        if len(data) - off < 16:
            return []
        length, kind, _mflags, key = struct.unpack_from(">IHHQ", data, off)
        off += 16
        if length > len(data) - off:
            return []
        out.append((key, kind, data[off:off + length]))
        off += length
    return out if off == len(data) else []


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("port_file")
    ap.add_argument("--drop-every", type=int, default=0)
    ap.add_argument("--dup-id", type=int, default=-1)
    ap.add_argument("--garbage", action="store_true")
    args = ap.parse_args()

    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    with open(args.port_file + ".tmp", "w") as f:
        f.write("%d\n" % sock.getsockname()[1])
    # Rename so the test never reads a half-written file.
    os.rename(args.port_file + ".tmp", args.port_file)

    seq = 0
    garbage = args.garbage
    while True:
        data, src = sock.recvfrom(65535)
        for key, kind, payload in messages(data):
            if kind != 0:
                continue
            pid = struct.unpack_from(">Q", payload, 8)[0] if len(payload) >= 16 else -1
            if args.drop_every and pid % args.drop_every == args.drop_every - 1:
                continue
            if garbage:
                sock.sendto(b"not a frame", src)
                garbage = False
            frame = struct.pack(">IHHQ", MAGIC, 1, 0, seq) + \
                struct.pack(">IHHQ", len(payload), 0, 0, key) + payload
            seq += 1
            for _ in range(2 if pid == args.dup_id else 1):
                sock.sendto(frame, src)


if __name__ == "__main__":
    main()
