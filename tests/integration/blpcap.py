"""Small pcap and wire-format helpers for beamline's integration tests.

Written from the formats' specifications (classic pcap, Ethernet II, IPv4,
UDP, beamline wire format v1) so the tests check the router with code that
shares nothing with it.
"""
import struct

ETH_IPV4 = 0x0800
MAGIC = 0x424C4D31


def read_pcap(path):
    """Return the list of packets (bytes) in a classic pcap file."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        raise ValueError(f"{path}: not a pcap file (too short)")
    magic = struct.unpack_from("<I", data, 0)[0]
    if magic in (0xA1B2C3D4, 0xA1B23C4D):
        e = "<"
    elif magic in (0xD4C3B2A1, 0x4D3CB2A1):
        e = ">"
    else:
        raise ValueError(f"{path}: bad pcap magic {magic:#x}")
    off, pkts = 24, []
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack_from(e + "IIII", data, off)
        off += 16
        pkts.append(data[off:off + incl])
        off += incl
    return pkts


def write_pcap(path, pkts):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, p in enumerate(pkts):
            f.write(struct.pack("<IIII", i, 0, len(p), len(p)))
            f.write(p)


def ip_checksum(hdr):
    if len(hdr) % 2:
        hdr += b"\0"
    s = sum(struct.unpack(f"!{len(hdr) // 2}H", hdr))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def mac_bytes(s):
    return bytes(int(x, 16) for x in s.split(":"))


def mac_str(b):
    return ":".join(f"{x:02x}" for x in b)


def ip_bytes(s):
    return bytes(int(x) for x in s.split("."))


def ip_str(b):
    return ".".join(str(x) for x in b)


def frame(seq, msgs):
    """Wire-format frame bytes: msgs is a list of (key, payload[, kind])."""
    out = struct.pack("!IHHQ", MAGIC, len(msgs), 0, seq)
    for m in msgs:
        key, payload = m[0], m[1]
        kind = m[2] if len(m) > 2 else 0
        out += struct.pack("!IHHQ", len(payload), kind, 0, key) + payload
    return out


def packet(src_mac, dst_mac, src_ip, dst_ip, sport, dport, payload, ttl=64, frag=0x4000,
           proto=17, ethertype=ETH_IPV4, csum=None, ip_len=None, udp_len=None):
    """An Ethernet/IPv4/UDP packet carrying payload (fields overridable to break it)."""
    udp_len = 8 + len(payload) if udp_len is None else udp_len
    tot = 20 + 8 + len(payload) if ip_len is None else ip_len
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, tot, 1, frag, ttl, proto, 0,
                     ip_bytes(src_ip), ip_bytes(dst_ip))
    c = ip_checksum(ip) if csum is None else csum
    ip = ip[:10] + struct.pack("!H", c) + ip[12:]
    udp = struct.pack("!HHHH", sport, dport, udp_len, 0)
    eth = mac_bytes(dst_mac) + mac_bytes(src_mac) + struct.pack("!H", ethertype)
    return eth + ip + udp + payload


class Parsed:
    pass


def parse(pkt):
    """Parse a packet the router emitted; raise AssertionError on any defect."""
    p = Parsed()
    assert len(pkt) >= 14 + 20 + 8 + 16, f"short packet ({len(pkt)} bytes)"
    p.dst_mac, p.src_mac = mac_str(pkt[0:6]), mac_str(pkt[6:12])
    (etype,) = struct.unpack_from("!H", pkt, 12)
    assert etype == ETH_IPV4, f"ethertype {etype:#x}"
    ip = pkt[14:34]
    vihl, _, tot, _, frag, ttl, proto, _ = struct.unpack_from("!BBHHHBBH", ip)
    assert vihl == 0x45, f"version/IHL {vihl:#x}"
    assert ip_checksum(ip) == 0, "bad IPv4 header checksum"
    assert tot == len(pkt) - 14, f"IPv4 total length {tot} vs {len(pkt) - 14}"
    assert frag & 0x3FFF == 0, "fragment"
    assert proto == 17
    p.ttl = ttl
    p.src_ip, p.dst_ip = ip_str(ip[12:16]), ip_str(ip[16:20])
    p.sport, p.dport, ulen, _ = struct.unpack_from("!HHHH", pkt, 34)
    assert ulen == tot - 20, f"UDP length {ulen} vs {tot - 20}"
    fr = pkt[42:]
    magic, count, _, p.seq = struct.unpack_from("!IHHQ", fr)
    assert magic == MAGIC, "bad magic"
    assert count >= 1, "zero count"
    off, p.msgs = 16, []
    for _ in range(count):
        ln, kind, _, key = struct.unpack_from("!IHHQ", fr, off)
        off += 16
        assert off + ln <= len(fr), "message runs past the frame"
        p.msgs.append((key, fr[off:off + ln], kind))
        off += ln
    assert off == len(fr), "frame lengths do not add up"
    return p

