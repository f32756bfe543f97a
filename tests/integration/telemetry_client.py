#!/usr/bin/env python3
"""Checks of beamline's /beamline/ telemetry commands against `beamctl --json`.

The client talks to the telemetry socket the way dpdk-telemetry.py does:
SOCK_SEQPACKET, read the info object first, then one command per message
and one JSON reply per message.

    telemetry_client.py query SOCKET CMD...          print each reply (JSON)
    telemetry_client.py check SOCKET --beamctl B --ctl CTLSOCK --pid PID --rx-pkts N
    telemetry_client.py many SOCKET --beamctl B --ctl CTLSOCK
    telemetry_client.py script-output FILE --beamctl B --ctl CTLSOCK

to_tel() states the conversion rules of control/telemetry.c independently:
a reply from beamctl --json, put through it, must equal what the telemetry
socket returns for the same command.
"""
import argparse
import json
import socket
import subprocess
import sys
import threading

LIST_MAX = 100
OUT_MAX = 16384
NAME_OK = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_/")
INT_MIN, INT_MAX = -(2**31), 2**31 - 1


class Telemetry:
    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.sock.connect(path)
        self.info = json.loads(self.sock.recv(1024).decode())
        self.max_len = self.info["max_output_len"]

    def raw(self, cmd):
        self.sock.send(cmd.encode())
        return self.sock.recv(self.max_len * 2)

    def query(self, cmd):
        reply = json.loads(self.raw(cmd).decode())
        name = cmd.split(",", 1)[0]
        assert list(reply) == [name], (cmd, reply)
        return reply[name]

    def close(self):
        self.sock.close()


def cut(s, limit=127):
    b = s.encode()
    if len(b) <= limit:
        return s
    b = b[:limit]
    while b and (b[-1] & 0xC0) == 0x80:
        b = b[:-1]
    return b.decode("utf-8", "ignore")


def name(k):
    return "".join(c if c in NAME_OK else "_" for c in k[:127]) or "_"


def text(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "null"
    if isinstance(v, float):
        return "%.15g" % v
    if isinstance(v, int):
        return str(v)
    return cut(v)


def to_tel(v, depth=0):
    """A JSON value as the telemetry reply shows it."""
    if isinstance(v, dict):
        return {name(k): to_tel(e, depth + 1) for k, e in v.items()}
    if isinstance(v, list):
        if all(not isinstance(e, (dict, list)) for e in v):
            ints = [int(e) for e in v if isinstance(e, int)]
            if len(ints) == len(v) and (all(x >= 0 for x in ints) or all(INT_MIN <= x <= INT_MAX for x in ints)):
                return ints
            return [text(e) for e in v]
        return {str(i): to_tel(e, depth + 1) for i, e in enumerate(v)}
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, int) and v >= INT_MIN:
        return v
    return text(v)


def reply_to_tel(reply, truncated=0):
    out = to_tel({k: v for k, v in reply.items() if k != "truncated"})
    out["truncated"] = truncated
    return out


class Beamctl:
    def __init__(self, exe, sock):
        self.exe, self.sock = exe, sock

    def json(self, *words):
        out = subprocess.run([self.exe, "-s", self.sock, "--json"] + list(words),
                             check=True, capture_output=True, text=True).stdout
        return json.loads(out)


def between(lo, x, hi, path="reply"):
    """x has lo's shape, equal strings, and numbers within [lo, hi]: the
    counters and clocks move while the daemon runs, so the telemetry reply,
    read between two beamctl readings, lies between them."""
    if isinstance(lo, dict):
        assert isinstance(x, dict) and set(x) == set(lo) == set(hi), (path, sorted(lo), sorted(x))
        for k in lo:
            between(lo[k], x[k], hi[k], path + "." + k)
    elif isinstance(lo, list):
        assert isinstance(x, list) and len(x) == len(lo) == len(hi), (path, lo, x)
        for i, e in enumerate(lo):
            between(e, x[i], hi[i], "%s[%d]" % (path, i))
    elif isinstance(lo, int) and not isinstance(lo, bool):
        assert type(x) is int and min(lo, hi) <= x <= max(lo, hi), (path, lo, x, hi)
    else:
        assert x == lo, (path, lo, x)


def read_between(tel, cmd, bc, *words):
    lo = reply_to_tel(bc.json(*words))
    got = tel.query(cmd)
    hi = reply_to_tel(bc.json(*words))
    between(lo, got, hi)
    return got


def expect_error(tel, cmd, err, fragment):
    r = tel.query(cmd)
    assert r.get("ok") == 0 and r.get("error") == err, (cmd, r)
    assert fragment in r.get("message", ""), (cmd, fragment, r)


def check(args):
    bc = Beamctl(args.beamctl, args.ctl)
    tel = Telemetry(args.socket)
    n_bad = 0

    # The info object, then / and /info as DPDK defines them.
    assert tel.info["pid"] == args.pid, tel.info
    assert tel.info["version"].startswith("DPDK "), tel.info
    assert tel.max_len == OUT_MAX, tel.info
    assert tel.query("/info") == tel.info
    cmds = tel.query("/")
    for c in ("status", "stats", "routes", "ps", "memory", "lcores", "telemetry"):
        assert "/beamline/" + c in cmds, (c, cmds)
    assert "/ethdev/list" in cmds, "DPDK's own commands are still there"
    helps = tel.query("/help,/beamline/routes")
    assert "limit" in helps["/beamline/routes"], helps

    # status: what beamctl shows (the uptime between two beamctl readings).
    # The control server's "clients" is a gauge, not a counter: beamctl is a
    # socket client while it asks, a telemetry request is none.
    lo = reply_to_tel(bc.json("status"))
    got = tel.query("/beamline/status")
    hi = reply_to_tel(bc.json("status"))
    assert lo["control"]["clients"] == hi["control"]["clients"] == 1, (lo, hi)
    assert got["control"]["clients"] == 0, got["control"]
    for r in (lo, got, hi):
        del r["control"]["clients"]
    between(lo, got, hi)
    assert got["ok"] == 1 and got["pid"] == args.pid and got["lcores"] == [1], got
    assert isinstance(got["ports"], dict) and got["ports"]["0"]["port"] == 0, got

    # stats: the traffic is all in; the loop and cycle counters still move.
    got = read_between(tel, "/beamline/stats", bc, "stats")
    t = got["totals"]
    assert t["rx_pkts"] == args.rx_pkts > 0, t
    assert t["rx_msgs"] == t["fwd_msgs"] + t["drop_msgs"] + t["buffered_msgs"], t
    assert got["msg_drops"]["no_route"] > 0, got["msg_drops"]
    assert got["lcores"]["0"]["lcore"] == 1, got["lcores"]

    # routes: the same list as beamctl, keys past 2^63 as strings there and here.
    got = tel.query("/beamline/routes")
    want = reply_to_tel(bc.json("route", "list"))
    assert got == want, (got, want)
    assert got["total"] == 3 and len(got["routes"]) == 3 and got["truncated"] == 0, got
    assert got["routes"]["0"] == {"key": "default", "action": "drop", "origin": "local"}, got
    by_key = {r["key"]: r for r in got["routes"].values()}
    assert by_key[42] == {"key": 42, "action": "forward", "port": 0, "mac": "02:00:00:00:00:2a",
                          "ip": "10.0.0.42", "udp": 9000, "origin": "local"}, by_key
    assert by_key["18446744073709551615"] == {"key": "18446744073709551615", "action": "drop",
                                              "origin": "local"}, by_key
    got = tel.query("/beamline/routes,limit=1")
    assert got["total"] == 3 and list(got["routes"]) == ["0"] and got["truncated"] == 1, got

    # Bad parameters: an error reply that names the problem, never a crash.
    bad = [
        ("/beamline/status,a=1", "takes no parameters"),
        ("/beamline/stats,x", "takes no parameters"),
        ("/beamline/routes,limit=abc", "limit must be an integer 1..100"),
        ("/beamline/routes,limit=101", "limit must be an integer 1..100"),
        ("/beamline/routes,limit=-1", "limit must be an integer 1..100"),
        ("/beamline/routes,limit=0", "limit must be an integer 1..100"),
        ("/beamline/routes,limit", "needs a value"),
        ("/beamline/routes,limit=", "needs a value"),
        ("/beamline/routes,limit=1,,", "empty parameter"),
        ("/beamline/routes,limit=1,limit=2", "given twice"),
        ("/beamline/routes,cmd=stats", "does not take parameter 'cmd'"),
        ("/beamline/routes,sort=key", "does not take parameter 'sort' (takes: limit)"),
        ("/beamline/routes,Li-mit=1", "bad parameter name"),
        ("/beamline/ps,cmd=status", "reserved"),
    ]
    for cmd, frag in bad:
        expect_error(tel, cmd, "invalid_argument", frag)
        n_bad += 1
    # Still serving after all that.
    assert tel.query("/beamline/status")["ok"] == 1

    # ps / memory / lcores: checked against beamctl once the daemon has them,
    # a clear unknown_command error until then.
    listed = {c["cmd"] for c in bc.json("help")["commands"]}
    for c in ("ps", "memory", "lcores"):
        got = tel.query("/beamline/" + c)
        if c in listed:
            want = reply_to_tel(bc.json(c))
            assert got["ok"] == 1, (c, got)
            assert set(got) == set(want), (c, sorted(got), sorted(want))
            for k, v in want.items():
                assert type(got[k]) is type(v), (c, k, got[k], v)
        else:
            assert got == {"ok": 0, "error": "unknown_command",
                           "message": "unknown command '%s' (try help)" % c}, (c, got)
    if "ps" not in listed:  # parameters still go through to the control request
        got = tel.query("/beamline/ps,top=10,sort=memory")
        assert got["error"] == "unknown_command" and "'ps'" in got["message"], got
    n_trunc = 1  # the limit= route list above
    if "ps" in listed and "spawn" in listed:
        # More processes than one reply shows: the first of ps's own list, and "truncated".
        bc.json("spawn", "counter", "count", "150")
        raw = tel.raw("/beamline/ps")
        assert len(raw) < OUT_MAX, len(raw)
        got = json.loads(raw.decode())["/beamline/ps"]
        assert got["total"] == 150 and got["truncated"] == 1, {k: got[k] for k in ("total", "truncated")}
        assert 0 < len(got["procs"]) <= LIST_MAX, len(got["procs"])
        want = reply_to_tel(bc.json("ps", "top", str(LIST_MAX)))["procs"]  # idle: nothing moves
        assert got["procs"] == {k: want[k] for k in got["procs"]}, (got["procs"], want)
        # Parameters reach ps: top and sort, and its own errors come back.
        lo = reply_to_tel(bc.json("ps", "top", "2", "sort", "memory"), truncated=1)
        got = tel.query("/beamline/ps,top=2,sort=memory")
        between(lo, got, lo)
        assert got["sort"] == "memory" and len(got["procs"]) == 2, got
        n_trunc += 2
        expect_error(tel, "/beamline/ps,sort=bogus", "invalid_argument", "'bogus'")
        expect_error(tel, "/beamline/ps,top=0", "invalid_argument",
                     '"top" must be an integer in 1..10000, not 0')
        # Parameters the command does not take are refused by the daemon's command.
        expect_error(tel, "/beamline/memory,x=1", "invalid_argument",
                     'unknown field "x" for memory (it takes none)')

    # Several telemetry clients at once: each served, in its own DPDK thread,
    # through the one control thread.
    errors = []

    def hammer():
        try:
            t2 = Telemetry(args.socket)
            for _ in range(25):
                r = t2.query("/beamline/status")
                assert r["ok"] == 1 and r["pid"] == args.pid, r
            t2.close()
        except Exception as e:  # reported below
            errors.append(repr(e))

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors, errors

    st = tel.query("/beamline/telemetry")
    assert st["bad_params"] == n_bad, st
    assert st["timeouts"] == 0 and st["closed"] == 0, st
    assert st["served"] >= 100 + 8, st
    assert st["truncated_replies"] == n_trunc, (n_trunc, st)
    assert st["requests"] == st["served"] + st["bad_params"] + st["timeouts"] + st["closed"] + 1, st
    tel.close()
    print("telemetry_client: check OK")


def many(args):
    """After the test added 150 more routes: bounded replies, truncated flag."""
    bc = Beamctl(args.beamctl, args.ctl)
    tel = Telemetry(args.socket)
    total = bc.json("status")["routes"] + 1  # plus the default route
    raw = tel.raw("/beamline/routes")
    assert len(raw) < OUT_MAX, len(raw)
    got = json.loads(raw.decode())["/beamline/routes"]
    want = reply_to_tel(bc.json("route", "list", "limit", str(LIST_MAX)), truncated=1)
    assert got == want, (got, want)
    assert got["total"] == total > LIST_MAX and len(got["routes"]) == LIST_MAX, (total, len(got["routes"]))
    got = tel.query("/beamline/routes,limit=3")
    want = reply_to_tel(bc.json("route", "list", "limit", "3"), truncated=1)
    assert got == want, (got, want)
    tel.close()
    print("telemetry_client: many OK")


def script_output(args):
    """dpdk-telemetry.py fed /beamline/status and /beamline/routes,limit=2 on stdin."""
    bc = Beamctl(args.beamctl, args.ctl)
    lines = [json.loads(line) for line in open(args.file) if line.strip()]
    assert len(lines) == 2, lines
    st = lines[0]["/beamline/status"]
    now = reply_to_tel(bc.json("status"))
    # The control server's counters were at most what they are now; no socket client then.
    ctl_then, ctl_now = st.pop("control"), now.pop("control")
    assert ctl_then["clients"] == 0, ctl_then
    between(ctl_now | {"clients": 0}, ctl_then, {k: 0 for k in ctl_now})
    between(now, st, now | {"uptime_s": 0})  # the uptime was at most what it is now
    rt = lines[1]["/beamline/routes"]
    assert rt == reply_to_tel(bc.json("route", "list", "limit", "2"), truncated=1), rt
    print("telemetry_client: dpdk-telemetry.py output OK")


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="what", required=True)
    q = sub.add_parser("query")
    q.add_argument("socket")
    q.add_argument("cmds", nargs="+")
    for n in ("check", "many", "script-output"):
        s = sub.add_parser(n)
        s.add_argument("file" if n == "script-output" else "socket")
        s.add_argument("--beamctl", required=True)
        s.add_argument("--ctl", required=True)
        if n == "check":
            s.add_argument("--pid", type=int, required=True)
            s.add_argument("--rx-pkts", type=int, required=True)
    a = p.parse_args()
    if a.what == "query":
        tel = Telemetry(a.socket)
        for c in a.cmds:
            print(json.dumps(tel.query(c)))
        tel.close()
    elif a.what == "check":
        check(a)
    elif a.what == "many":
        many(a)
    else:
        script_output(a)


if __name__ == "__main__":
    try:
        main()
    except AssertionError as e:
        print("telemetry_client: FAIL:", e, file=sys.stderr)
        raise
