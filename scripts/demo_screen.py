#!/usr/bin/env python3
"""The live screen of scripts/demo, and its fault injection.

Once a second it asks the daemon (beamctl --json) for stats, ps, group list,
sup tree, crashes and latency, and prints one compact screen (80 columns):
rates, drops by reason, deliveries to the group and the pool, the busiest
processes, the supervisor's restarts and latest crash, latency per path. It
clears the screen only when stdout is a terminal; otherwise the screens follow
one another. Every --inject-every seconds it routes the poison key to the
fault process until the process has crashed (its supervisor restarts it),
then routes the key back where it went. It ends when the daemon does, or on
Ctrl-C.
"""
import argparse
import json
import os
import subprocess
import sys
import time


def ctl(a, *words):
    """One beamctl --json request; None if it failed (the daemon may be gone)."""
    try:
        out = subprocess.run([a.beamctl, "-s", a.socket, "--json", *words],
                             capture_output=True, text=True, timeout=5)
    except subprocess.TimeoutExpired:
        return None
    if out.returncode != 0:
        return None
    try:
        return json.loads(out.stdout.splitlines()[0])
    except (ValueError, IndexError):
        return None


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (exited, not yet reaped by the shell) counts as gone.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def si(v, unit=""):
    """1234567 -> '1.23M'."""
    for d, s in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(v) >= d:
            return f"{v / d:.2f}{s}{unit}"
    return f"{v:.0f} {unit.strip()}" if unit.strip() else f"{v:.0f}"


def us(ns):
    if ns >= 2**62:
        return "overflow"
    return f"{ns / 1000:.1f}us"


def restarts_of(tree, node_id):
    for n in (tree or {}).get("nodes", []):
        if n["node"].strip() == node_id:
            return n["restarts"]
    return None


def inject(a):
    """Route the poison key to the fault process until it has crashed."""
    tree = ctl(a, "sup", "tree")
    before = restarts_of(tree, a.fault_id)
    if before is None:
        return
    ctl(a, "route", "add", str(a.poison), "process", a.fault_name)
    try:
        for _ in range(50):
            time.sleep(0.01)
            r = restarts_of(ctl(a, "sup", "tree"), a.fault_id)
            if r is None or r > before:
                break
    finally:
        ctl(a, "route", "add", str(a.poison), *a.poison_route.split())


def rate(now, prev, key, dt):
    if prev is None or dt <= 0:
        return 0.0
    return max(0, now.get(key, 0) - prev.get(key, 0)) / dt


def wrap(head, items, sep, width=80):
    """Items after head, joined by sep, continued under head past width."""
    lines, line = [], head
    for i, item in enumerate(items):
        piece = (sep if line.strip() and line != head else "") + item
        if line != head and len(line) + len(piece) > width:
            lines.append(line)
            line, piece = " " * len(head), item
        if len(line) + len(piece) > width:  # one item wider than a line
            piece = piece[:max(0, width - len(line))]
        line += piece
    lines.append(line.rstrip())
    return lines


def screen(a, t, dt, st, pst, ps, pps, groups, tree, crashes, lat):
    tot = st["totals"]
    ptot = pst["totals"] if pst else None
    out = []
    w = out.append
    w(f"beamline demo  {t:4.0f} s   "
      + ("Ctrl-C stops" if a.seconds == 0 else f"stops after {a.seconds} s"))
    w(f"in    {si(rate(tot, ptot, 'rx_pkts', dt), ' pkt/s'):>13} "
      f"{si(rate(tot, ptot, 'rx_msgs', dt), ' msg/s'):>13}   "
      f"out {si(rate(tot, ptot, 'tx_pkts', dt), ' pkt/s'):>13} "
      f"{si(rate(tot, ptot, 'fwd_msgs', dt), ' msg/s'):>13}")
    w(f"to processes {si(rate(tot, ptot, 'delivered_msgs', dt), ' msg/s')}"
      f" ({si(rate(tot, ptot, 'deliveries', dt), ' deliveries/s')})")
    w(f"msgs so far: in {si(tot['rx_msgs'])} = fwd {si(tot['fwd_msgs'])}"
      f" + drop {si(tot['drop_msgs'])} + procs {si(tot['delivered_msgs'])}"
      f" + buf {tot['buffered_msgs']}")
    drops = []
    for kind in ("pkt_drops", "msg_drops", "proc_drops"):
        now = st.get(kind) or {}
        prev = (pst or {}).get(kind) or {}
        for reason, v in sorted(now.items()):
            if v:
                drops.append(f"{reason} {si(rate(now, prev, reason, dt))}/s ({v})")
    out.extend(wrap("drops ", drops or ["none"], "  "))
    # Deliveries to the group and the pool: the members' handled messages.
    red = {p["pid"]: p["reductions"] for p in ps["procs"]}
    pred = {p["pid"]: p["reductions"] for p in (pps or {}).get("procs", [])}
    for g in (groups or {}).get("groups", []):
        kind = {a.group: "group", a.pool: "pool"}.get(g["group"])
        if kind is None:
            continue
        members = g["first_members"]
        got = sum(red.get(m, 0) for m in members)
        r = sum(max(0, red.get(m, 0) - pred.get(m, red.get(m, 0))) for m in members)
        r = r / dt if pps and dt > 0 else 0.0
        if kind == "group":
            w(f"group {g['group']}: {g['members']} members, each gets all:"
              f" {si(r, ' deliveries/s')} ({si(got)} so far)")
        else:
            w(f"pool {g['group']}: {g['members']} members, one per source:"
              f" {si(r, ' msg/s')} ({si(got)} so far)")
    w("busiest processes (by reductions)")
    w(f"  {'PID':<12} {'NAME':<12} {'BEHAVIOUR':<10} {'LCORE':>5} "
      f"{'REDUCTIONS':>12} {'PER SEC':>10} {'MAILBOX':>7}")
    top = sorted(ps["procs"], key=lambda p: -p["reductions"])[:5]
    for p in top:
        r = (p["reductions"] - pred.get(p["pid"], p["reductions"])) / dt if pps and dt else 0
        w(f"  {p['pid']:<12} {(p.get('name') or '-')[:12]:<12} {p['behaviour'][:10]:<10} "
          f"{p['lcore']:>5} {p['reductions']:>12} {si(max(r, 0)):>10} "
          f"{p.get('mailbox_msgs', p.get('mailbox', 0)):>7}")
    nodes = (tree or {}).get("nodes", [])
    sup = [n for n in nodes if n["node"].strip() == a.tree]
    kids = [f"{n['node'].strip()} {n['restarts']}" for n in nodes
            if n["node"].strip() != a.tree and n["restarts"]]
    total = sum(n["restarts"] for n in nodes)
    state = sup[0]["state"] if sup else "not running"
    w(f"supervisor {a.tree} ({state}): restarts {total}"
      + (f" ({', '.join(kids)})" if kids else ""))
    cr = (crashes or {}).get("crashes", [])
    if cr:
        c = cr[-1]
        out.extend(wrap("latest crash: ", [
            f"{c['pid']} {c['name'] or '-'} {c['behaviour']} {c['reason']} key {c['last_key']}",
            f"(crashes so far {crashes.get('recorded', len(cr))})"], " "))
    else:
        w("latest crash: none yet")
    rows = [r for r in (lat or {}).get("latency", []) if r["lcore"] == "all" and r["count"]]
    parts = [f"{r['path']} p50 {us(r['p50_ns'])} p99 {us(r['p99_ns'])}" for r in rows]
    out.extend(wrap("latency ", parts or ["no samples yet"], " | "))
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--beamctl", required=True)
    p.add_argument("--socket", required=True)
    p.add_argument("--pid", type=int, required=True, help="the daemon's pid")
    p.add_argument("--seconds", type=int, default=0)
    p.add_argument("--tree", default="demo")
    p.add_argument("--fault-id", default="fault")
    p.add_argument("--fault-name", default="fault.demo")
    p.add_argument("--poison", type=int, required=True)
    p.add_argument("--poison-route", required=True, help="the key's route between injections")
    p.add_argument("--inject-every", type=int, default=2, help="seconds; 0: never")
    p.add_argument("--group", default="news")
    p.add_argument("--pool", default="workers")
    a = p.parse_args()
    tty = sys.stdout.isatty()
    start = time.monotonic()
    prev = None
    tick = 0
    base = (ctl(a, "stats"), ctl(a, "ps", "--sort", "reductions", "--top", "1000"))
    if base[0] is not None and base[1] is not None:
        prev = (time.monotonic(), *base)
    try:
        while alive(a.pid):
            if a.inject_every and tick % a.inject_every == 0:
                inject(a)
            tick += 1
            time.sleep(max(0.0, start + tick - time.monotonic()))
            now = time.monotonic()
            snap = (ctl(a, "stats"), ctl(a, "ps", "--sort", "reductions", "--top", "1000"),
                    ctl(a, "group", "list"), ctl(a, "sup", "tree"),
                    ctl(a, "crashes", "--top", "1"), ctl(a, "latency"))
            if snap[0] is None or snap[1] is None:
                continue  # stopping
            dt = now - prev[0] if prev else 0.0
            lines = screen(a, now - start, dt, snap[0], prev[1] if prev else None, snap[1],
                           prev[2] if prev else None, *snap[2:])
            if tty:
                sys.stdout.write("\x1b[H\x1b[2J")
            print("\n".join(lines) + ("" if tty else "\n"), flush=True)
            prev = (now, snap[0], snap[1])
    except KeyboardInterrupt:
        pass
    except BrokenPipeError:
        pass


if __name__ == "__main__":
    main()
