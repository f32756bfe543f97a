"""Parts of scripts/bench kept apart so that each file stays readable: the
route-churn client (--churn) and the text that --routes/--churn runs add
under the results table, and the machine line. See scripts/bench.
"""
import json
import os
import re
import selectors
import socket
import statistics
import subprocess
import threading
import time

CHURN_BATCH = 256        # routes per route.batch request at most (~16 KB, under 64 KiB)
CHURN_INFLIGHT = 64      # requests sent and not yet answered, at most


class Churn(threading.Thread):
    """Route updates at `rate` a second over one control connection.

    Every ~1 ms tick the routes due since the last one go out as route.batch
    requests of at most CHURN_BATCH routes; replies are read as they come,
    in order, so the pipe stays full. At most CHURN_INFLIGHT requests wait
    for their reply: when the daemon falls behind, what it could not take
    is dropped from the schedule, not owed (at most 10 ms of updates wait),
    so `acked` says what it really did. Keys walk 0..keys-1 in a scattered
    order (a prime stride, above any key count, so every key comes once a
    round). Each update moves its key to another of the --hops next hops
    (MACs on the same port; key k's in round r is (k + r + 1) % hops; with
    one hop, rounds swap it with a second MAC), so every update really
    changes a route (the daemon skips a route replaced by itself)."""

    def __init__(self, sock_path, rate, keys, hops, next_hop, offset=0):
        super().__init__(daemon=True)
        self.sock_path, self.rate, self.keys = sock_path, rate, keys
        self.stride = 1000003  # prime, and keys <= 1000000: coprime with keys
        self.cursor = 0
        self.sent = self.acked = self.requests = self.replies = self.errors = 0
        self.first_error = self.fail = None
        self.halt = threading.Event()
        self.made = 0
        self.offset = offset  # churn keys k + offset: 0, the traffic's own keys
        # Key k's hop in round r: (k + r + 1) % hops, a change every time;
        # with one hop in routes.conf, rounds swap it with a second MAC.
        self.hops, self.spread = max(hops, 2), hops > 1
        base = next_hop["mac"].rsplit(":", 1)
        self.route = (f'add %d port {next_hop["port"]} mac {base[0]}:%02x '
                      f'ip {next_hop["ip"]} udp {next_hop["udp"]}\\n')
        self.mac_last = int(base[1], 16)

    def request(self, n):
        keys = []
        for _ in range(n):
            k = self.cursor
            hop = ((k if self.spread else 0) + self.made // self.keys + 1) % self.hops
            keys.append(self.route % (k + self.offset, (self.mac_last + hop) & 0xff))
            self.made += 1
            self.cursor = (self.cursor + self.stride) % self.keys
        return ('{"cmd":"route.batch","text":"' + "".join(keys) + '"}\n').encode()

    def take_replies(self, buf):
        *lines, rest = buf.split(b"\n")
        for line in lines:
            if not line.strip():
                continue
            self.replies += 1
            rep = json.loads(line)
            if rep.get("ok"):
                self.acked += int(rep.get("added", 0)) + int(rep.get("replaced", 0))
            else:
                self.errors += 1
                if self.first_error is None:
                    self.first_error = f"{rep.get('error')}: {rep.get('message')}"
        return rest

    def run(self):
        # On the control plane's core (the daemon's main lcore, CPU 0), as a
        # deployment's route feed would be: never on the worker's.
        if hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(0, {0})
        try:
            self.loop()
        except (OSError, ValueError) as e:
            self.fail = f"churn client: {e}"

    def loop(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(self.sock_path)
        s.setblocking(False)
        sel = selectors.DefaultSelector()
        sel.register(s, selectors.EVENT_READ)
        out, inbuf = b"", b""
        credit, cap = 0.0, max(CHURN_BATCH, self.rate / 100)
        last = time.monotonic()
        drain_until = None  # once halted: wait this long for the last replies
        try:
            while True:
                now = time.monotonic()
                if not self.halt.is_set():
                    credit = min(credit + self.rate * (now - last), cap)
                    while credit >= 1 and self.requests - self.replies < CHURN_INFLIGHT:
                        n = int(min(credit, CHURN_BATCH))
                        out += self.request(n)
                        self.sent += n
                        self.requests += 1
                        credit -= n
                else:
                    drain_until = drain_until or now + 5.0
                    if self.replies >= self.requests or now > drain_until:
                        break
                last = now
                if out:
                    try:
                        out = out[s.send(out):]
                    except BlockingIOError:
                        pass
                sel.modify(s, selectors.EVENT_READ | (selectors.EVENT_WRITE if out else 0))
                for _key, ev in sel.select(timeout=max(0.0, 0.001 - (time.monotonic() - now))):
                    if not ev & selectors.EVENT_READ:
                        continue
                    try:
                        data = s.recv(1 << 20)
                    except BlockingIOError:
                        continue
                    if not data:
                        raise OSError("the daemon closed the control connection")
                    inbuf = self.take_replies(inbuf + data)
        finally:
            sel.close()
            s.close()


def scale_text(env, contenders, results, args, t):
    """What a --routes/--churn run adds under the table: the traffic and the
    tables' sizes, the churn achieved, and the loss check of every beamline
    run. Returns (text, failed): failed when a message was lost or a route
    update refused."""
    with open(env["l3fwd_rules"]) as f:
        rules = sum(1 for line in f if line.startswith("R"))
    pcap_mb = os.path.getsize(env["pcap"]) / 1e6
    src = "one source (5-tuple) per key" if t.get("source_per_key") else f"{t['sources']} sources"
    lines = ["", f"Traffic: {t['keys']} keys ({t['dist']}), {t['msgs_per_frame']} message(s) "
             f"a frame, {t['frames']} frames ({pcap_mb:.0f} MB of pcap), {src}; "
             f"{t['frames'] * t['msgs_per_frame']} messages, {env['gen_flows']} distinct flows "
             f"in the pcap. Tables: beamline {t['keys']} routes over {t['hops']} next hop(s), "
             f"l3fwd -E {rules} exact-match flows."]
    failed = False
    churned = [r for r in results if r["ok"] and "churn" in r]
    if args.churn:
        if churned:
            acked = [r["churn"]["acked_per_s"] for r in churned]
            errors = sum(r["churn"]["errors"] for r in churned)
            first = next((r["churn"]["first_error"] for r in churned
                          if r["churn"]["first_error"]), None)
            lines += ["", f"Route churn: {args.churn:g} updates/s asked, "
                      f"{statistics.median(acked):.0f}/s acknowledged (median; "
                      f"{min(acked):.0f}..{max(acked):.0f}) over the measured seconds; "
                      f"each a route.batch line moving a key "
                      f"{'the traffic never uses' if args.churn_offset else 'in the traffic'} "
                      f"to another next hop; "
                      f"{errors} refused" + (f" (first: {first})" if first else "") + "."]
            failed |= errors > 0
        else:
            lines += ["", "Route churn: no run of beamline with churn succeeded."]
    checked = [c for c in contenders if any("loss" in r for r in results if r["name"] == c.name)]
    if checked:
        lines += ["", "| loss check | runs | lost (at exit: rx - fwd - drop) "
                  "| live read: rx - (fwd + drop + buffered + delivered) | drops by reason |",
                  "|---|---:|---:|---:|---|"]
    for c in checked:
        rs = [r for r in results if r["name"] == c.name and "loss" in r]
        lost = sum(r["loss"]["lost"] for r in rs)
        live = [r["loss_live"]["in_flight"] for r in rs]
        drops = {}
        for r in rs:
            for k, n in r["loss_live"]["drops"].items():
                drops[k] = drops.get(k, 0) + n
        dtext = ", ".join(f"{k} {n}" for k, n in sorted(drops.items())) or "none"
        lines.append(f"| {c.label} | {len(rs)} | lost {lost} | {min(live)}..{max(live)} "
                     f"| {dtext} |")
        failed |= lost != 0
    if checked:
        lines.append("(The live read is racy while frames stream in: a burst's counters are "
                     "not all written at once. The exit totals are exact.)")
    return "\n".join(lines), failed


def machine():
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            m = re.search(r"^model name\s*:\s*(.*)$", f.read(), re.M)
            if m:
                cpu = m.group(1).strip()
    except OSError:
        pass
    dpdk = subprocess.run(["pkg-config", "--modversion", "libdpdk"], capture_output=True,
                          text=True).stdout.strip() or "?"
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    return (f"{cpu}, {os.cpu_count()} cores, DPDK {dpdk}, no hugepages (--no-huge); "
            f"load average at the end {load} (other work on the machine skews the figures)")


def plot(path, rows, names, title):
    """The contenders' median rates as bars, their run-to-run spread as
    error bars, into path (SVG or PNG by its extension). matplotlib comes
    from Debian (python3-matplotlib); a Python of its own (pyenv, a venv)
    finds it in Debian's dist-packages."""
    try:
        import matplotlib
    except ImportError:
        import sys
        sys.path.append("/usr/lib/python3/dist-packages")
        try:
            import matplotlib
        except ImportError as e:
            raise RuntimeError("--plot needs matplotlib (Debian: apt-get install "
                               f"python3-matplotlib): {e}") from e
    matplotlib.use("Agg")
    matplotlib.rcParams["svg.fonttype"] = "none"  # text stays text: small, searchable
    import matplotlib.pyplot as plt

    shown = [n for n in names if rows.get(n)]
    med = [rows[n]["mpps"] for n in shown]
    lo = [rows[n]["mpps"] - rows[n]["mpps_min"] for n in shown]
    hi = [rows[n]["mpps_max"] - rows[n]["mpps"] for n in shown]
    fig, ax = plt.subplots(figsize=(8, 0.55 * len(shown) + 1.4))
    y = list(range(len(shown)))[::-1]
    ax.barh(y, med, xerr=[lo, hi], color="#4c72b0", ecolor="#333333", capsize=4)
    ax.set_yticks(y)
    ax.set_yticklabels(shown)
    for yi, n in zip(y, shown):
        ax.text(rows[n]["mpps_max"], yi, f"  {rows[n]['mpps']:.2f} Mpps, "
                f"{rows[n]['mmsgs']:.1f} Mmsg/s", va="center", fontsize=8)
    ax.set_xlabel("packets forwarded, Mpps (median; bars: min..max of the runs)")
    ax.set_xlim(0, max(r["mpps_max"] for r in (rows[n] for n in shown)) * 1.45)
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


# --- the runs' figures: medians, spreads, ratios ---

def summarize(results, names):
    rows = {}
    for n in names:
        ok = [r for r in results if r["name"] == n and r["ok"]]
        if not ok:
            rows[n] = None
            continue
        mpps = [r["mpps"] for r in ok]
        mmsgs = [r["mmsgs"] for r in ok]
        rows[n] = {"runs": len(ok), "fails": sum(1 for r in results if r["name"] == n) - len(ok),
                   "mpps": statistics.median(mpps), "mpps_min": min(mpps), "mpps_max": max(mpps),
                   "mmsgs": statistics.median(mmsgs), "mmsgs_min": min(mmsgs),
                   "mmsgs_max": max(mmsgs)}
        dl = [r["mdeliveries"] for r in ok if "mdeliveries" in r]
        if dl:
            rows[n]["mdeliveries"] = statistics.median(dl)
    return rows


def paired_ratios(results, mine, other):
    """mine / other in each repeat where both ran: runs side by side share
    the machine's mood, so these drift less than a ratio of medians."""
    by_rep = {}
    for r in results:
        if r["ok"]:
            by_rep.setdefault(r["rep"], {})[r["name"]] = r["mpps"]
    return [v[mine] / v[other] for v in by_rep.values() if mine in v and other in v]


def ratio_row(results, label, mine, m, other, o):
    pr = paired_ratios(results, mine, other)
    per_run = f"{statistics.median(pr):.2f} ({min(pr):.2f}..{max(pr):.2f})" if pr else "-"
    return (f"| {label} | {m['mpps'] / o['mpps']:.2f} | "
            f"{m['mmsgs'] / o['mmsgs']:.2f} | {per_run} |")


def gbits_table(rows, contenders, traffic):
    """--jumbo: each contender's rate in Gbit/s, from its packets a second
    and the frame's bytes (Ethernet, IPv4, UDP, frame header and the
    messages; no FCS, preamble or gap), and the ratio to testpmd io."""
    frame = 14 + 20 + 8 + 16 + traffic["msgs_per_frame"] * (16 + traffic["payload"])
    lines = ["", f"Frames of {frame} bytes ({traffic['msgs_per_frame']} messages of "
             f"{traffic['payload']} bytes):", "",
             "| contender | Gbit/s (median) | spread (min..max) | / testpmd io |",
             "|---|---:|---:|---:|"]
    io = rows.get("testpmd-io")
    for c in contenders:
        r = rows.get(c.name)
        if r is None:
            continue
        g = lambda mpps: mpps * 1e6 * frame * 8 / 1e9
        rel = f"{r['mpps'] / io['mpps']:.2f}" if io else "-"
        lines.append(f"| {c.label} | {g(r['mpps']):.2f} | {g(r['mpps_min']):.2f}.."
                     f"{g(r['mpps_max']):.2f} | {rel} |")
    return lines


STOP_LINE = re.compile(r"beamline: stopped: (\d+) packets in, (\d+) messages in, "
                       r"(\d+) forwarded, (\d+) dropped")


def loss_live(st):
    """The accounting identity on a live stats reply, and the drops by reason.
    Read while frames stream in, the counters of one burst are not all
    written yet (rx_msgs is added at the burst's end, buffered_msgs packet by
    packet), so the difference is what was in flight at the read, a burst's
    messages or so; the exact check is loss_at_exit's."""
    t = st["totals"]
    drops = {}
    for group in ("pkt_drops", "msg_drops", "ptx_drops", "proc_drops"):
        for reason, n in st.get(group, {}).items():
            if n:
                drops[f"{group[:-6] or group}:{reason}"] = n
    return {"rx_msgs": t["rx_msgs"], "fwd_msgs": t["fwd_msgs"], "drop_msgs": t["drop_msgs"],
            "buffered_msgs": t["buffered_msgs"], "delivered_msgs": t["delivered_msgs"],
            "in_flight": t["rx_msgs"] - (t["fwd_msgs"] + t["drop_msgs"] + t["buffered_msgs"] +
                                         t["delivered_msgs"]),
            "drops": drops, "seq": st.get("seq", {})}


def loss_at_exit(logpath):
    """The daemon's totals once its workers stopped and flushed their TX
    buffers (buffered_msgs 0; delivered_msgs is 0 on the fast path): lost =
    rx_msgs - fwd_msgs - drop_msgs, exactly. None if it printed no such line."""
    with open(logpath) as f:
        m = None
        for m in STOP_LINE.finditer(f.read()):
            pass
    if m is None:
        return None
    _pkts, rx, fwd, drop = (int(x) for x in m.groups())
    return {"rx_msgs": rx, "fwd_msgs": fwd, "drop_msgs": drop, "lost": rx - fwd - drop}


def table(rows, contenders, results, traffic, against, fanout, jumbo_payload):
    """scripts/bench's tables: the contenders' rates, the ratios between
    them, and with --jumbo their Gbit/s."""
    lines = ["| contender | Mpps (TX, median) | spread (min..max) | Mmsg/s (median) "
             "| spread (min..max) | runs |",
             "|---|---:|---:|---:|---:|---:|"]
    for c in contenders:
        r = rows.get(c.name)
        if r is None:
            lines.append(f"| {c.label} | - | - | - | - | failed |")
            continue
        runs = f"{r['runs']}" + (f" (+{r['fails']} failed)" if r["fails"] else "")
        lines.append(f"| {c.label} | {r['mpps']:.3f} | {r['mpps_min']:.3f}..{r['mpps_max']:.3f} "
                     f"| {r['mmsgs']:.2f} | {r['mmsgs_min']:.2f}..{r['mmsgs_max']:.2f} | {runs} |")
    fan = rows.get("beamline-fanout")
    if fan and "mdeliveries" in fan:
        lines += ["", f"beamline-fanout: {fan['mdeliveries']:.2f} M mailbox deliveries/s "
                  f"(each message to {fanout} counters; Mpps there is packets taken in)."]
    ratios = []
    for mine, other, label in (("beamline-ipv6", "beamline", "beamline over IPv6 / over IPv4"),
                               ("beamline-ipv6", "l3fwd-ipv6", "beamline / l3fwd, both IPv6"),
                               ("beamline-vlan", "beamline", "beamline on VLAN 100 / untagged")):
        if rows.get(mine) and rows.get(other):
            ratios.append(ratio_row(results, label, mine, rows[mine], other, rows[other]))
    for mine in ("beamline", "beamline-proc"):
        bl = rows.get(mine)
        for other, label in (("l3fwd", f"{mine} / l3fwd"),
                             ("testpmd-macswap", f"{mine} / testpmd macswap"),
                             (mine + against, f"{mine} / the same, --against build")):
            o = rows.get(other)
            if bl and o:
                ratios.append(ratio_row(results, label, mine, bl, other, o))
    if rows.get("beamline-base") and rows.get("beamline"):
        ratios.append(ratio_row(results, "beamline at --routes / at --base-routes",
                                "beamline", rows["beamline"],
                                "beamline-base", rows["beamline-base"]))
    if rows.get("beamline-churn") and rows.get("beamline"):
        ratios.append(ratio_row(results, "beamline with route churn / beamline",
                                "beamline-churn", rows["beamline-churn"],
                                "beamline", rows["beamline"]))
    if ratios:
        lines += ["", "| ratio | packets (of medians) | messages (of medians) "
                  "| packets, run by run: median (min..max) |", "|---|---:|---:|---:|"] + ratios
    if traffic["payload"] == jumbo_payload:
        lines += gbits_table(rows, contenders, traffic)
    return "\n".join(lines)
