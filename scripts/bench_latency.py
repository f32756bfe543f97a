"""scripts/bench --latency: one-way latency end to end, side by side.

Each contender (dpdk-testpmd io, the floor; l3fwd -E; beamline's fast path;
beamline's process path) runs as its own DPDK process with two net_memif
server ports: port 0 in, port 1 out. beamline-gen --latency is a second
DPDK process, the memif client of both: it sends on port 0 at a TSC-paced
rate with a TSC stamp in every message's payload, and reads the frames
back on port 1, on the same core, so stamp and read share one clock. It
prints one JSON line: sent, received, lost, rates, p50/p90/p99/p99.9/max.

Why net_memif: it is the one pair of virtual ports two DPDK processes can
share (shared-memory rings between them; each process keeps its own EAL,
--file-prefix and mempool), so the generator never runs inside the
contender and every contender sees the same ports. It needs EAL's shared
config (no --no-shconf: its socket handling registers a multi-process
action). net_ring is one process only; net_pcap and net_null are not
round trips; af_packet/tap would add the kernel to every hop.

Queues: the generator gives each memif port a ring for every queue the
contender has there (port 0: one RX and one TX queue, as every contender
has; port 1: one RX queue, and with --duplex a TX queue too, for testpmd
and beamline, which poll both ports; l3fwd gives port 1 no RX queue). A
DPDK 22.11 memif server whose queue has no ring on the client side uses
another ring in its place: before this, testpmd io and beamline took their
own output on port 1 back in and sent it round again, so every frame came
back to the generator several times with an ever older stamp (p99 near
0.2 s at every load, the floor included).

Pinning (the machine has two CPUs): the generator's one lcore on CPU 0,
the contender's forwarding lcore on CPU 1 (-l 0,1 for testpmd and
beamline, whose main lcore, which only waits, shares CPU 0 with the
generator; -l 1 for l3fwd, whose main lcore forwards).

Rates: every generator run gets a fresh contender process (started,
waited for, stopped by its pid): DPDK 22.11's memif server can crash when
its client leaves while it polls, and no run inherits another's queues.
In each repeat a contender is first taken flat out (--rate 0) for
--seconds: the frames a second that come back are its peak in that
repeat. Its loads (10%, 50%, 90%) are of its peak in the first repeat,
so every repeat runs the same rates; each load runs --seconds after a
warm-up (--warmup, at the same rate, not recorded). testpmd io runs last
in each repeat, at its own loads and at every other contender's, so each
ratio compares two runs at the same rate. Repeats interleave contenders.

Stamps are taken as a burst is handed to the PMD: a frame the contender
cannot take yet (its memif ring full) waits in the generator unstamped,
so past a contender's sustainable rate the backlog is not counted; the
table's rate column is the rate achieved, and `refused` in --json says
how often that happened.

Slow mode: the two CPUs sometimes sit far apart (every figure at once
drops, the peaks by a third or more). A repeat whose testpmd io peak is
below SLOW_FRACTION of the best repeat's is put in a table of its own.
"""

import json
import os
import shutil
import statistics
import subprocess
import time

LOADS = (10, 50, 90)
SLOW_FRACTION = 0.7
LINK_WAIT = 10.0   # the generator waits this long for both links
EAL = ["--no-huge", "--no-pci", "-m", "1024", "--log-level=warning"]
GEN_EAL = ["--no-huge", "--no-pci", "-m", "512", "--log-level=warning"]
ORDER = ("l3fwd", "beamline", "beamline-proc", "testpmd-io")  # testpmd last: see above
SHOWN = ("testpmd-io", "l3fwd", "beamline", "beamline-proc")
LABELS = {"testpmd-io": "dpdk-testpmd io", "l3fwd": "l3fwd -E (exact match)",
          "beamline": "beamline", "beamline-proc": "beamline, process path (1 forward process)"}


class Lat:
    """One latency session; `b` is scripts/bench's namespace (start, stop, log,
    runtime_dir, TRAFFIC) so that both share one list of children."""

    def __init__(self, b, env, args):
        self.b, self.env, self.args = b, env, args
        self.seq = 0
        self.results = []

    def memif(self, role, tag):
        w = self.env["work"]
        return ["--vdev", f"net_memif0,role={role},id=0,socket-abstract=no,"
                f"socket={w}/{tag}-in.sock",
                "--vdev", f"net_memif1,role={role},id=0,socket-abstract=no,"
                f"socket={w}/{tag}-out.sock"]

    def contender_argv(self, name, prefix, tag):
        env = self.env
        eal = EAL + ["--file-prefix", prefix] + self.memif("server", tag)
        if name == "testpmd-io":
            return [env["testpmd"], "-l", "0,1"] + eal + [
                "--", "--forward-mode=io", "--auto-start", "--nb-cores=1",
                "--total-num-mbufs=16384", "--no-mlockall", "--stats-period", "3600"]
        if name == "l3fwd":
            return [env["l3fwd"], "-l", "1"] + eal + [
                "--", "-p", "0x3", "-E", "--parse-ptype", "--config", "(0,0,1)",
                "--rule_ipv4", env["l3fwd_rules"], "--rule_ipv6", env["l3fwd_rules6"]]
        conf = env["routes"] if name == "beamline" else env["proc_conf"]
        return [env["beamline"], "-l", "0,1"] + eal + [
            "--", "--config", conf, "--socket", env["sock"], "--promisc"]

    def gen_argv(self, name, prefix, tag, rate, seconds):
        t = self.b.TRAFFIC
        # --duplex: port 1 gets a TX queue too, for the contenders that poll
        # both ports (all but l3fwd): see "Queues" in the docstring.
        duplex = [] if name == "l3fwd" else ["--duplex"]
        return [self.env["gen"], "-l", "0"] + GEN_EAL + ["--file-prefix", prefix] + \
            self.memif("client", tag) + [
            "--", "--latency", "--port", "0", "--rx-port", "1"] + duplex + [
            "--rate", f"{rate:.0f}",
            "--seconds", f"{seconds:g}", "--warmup", f"{self.args.warmup:g}",
            "--ring", str(t["frames"]), "--msgs-per-frame", str(t["msgs_per_frame"]),
            "--payload", str(t["payload"]), "--sources", str(t["sources"]),
            "--keys", str(t["keys"]), "--dist", t["dist"], "--seed", str(t["seed"])]

    def gen_run(self, name, tag, rep, rate, load):
        """One generator run against the contender now up. Returns its JSON."""
        b = self.b
        self.seq += 1
        prefix = f"bllat-{os.getpid()}-gen-{self.seq}"
        logpath = os.path.join(self.env["work"], f"gen-{self.seq}-{name}-{rep}.log")
        proc = b.start(self.gen_argv(name, prefix, tag, rate, self.args.seconds), logpath)
        late = False
        try:
            proc.wait(timeout=LINK_WAIT + self.args.warmup + self.args.seconds + 20)
        except subprocess.TimeoutExpired:
            late = True  # its report after SIGINT covers part of the time only
        rc = b.stop(proc)
        shutil.rmtree(b.runtime_dir(prefix), ignore_errors=True)
        with open(logpath) as f:
            text = f.read()
        line = next((ln for ln in reversed(text.splitlines()) if ln.startswith("{")), None)
        if rc != 0 or line is None or late:
            tail = "\n    ".join(text.splitlines()[-8:])
            raise RuntimeError(f"beamline-gen {'overran its time' if late else f'exited {rc}'} "
                               f"at rate {rate:.0f}; its log "
                               f"{logpath}:\n    {tail}")
        r = json.loads(line)
        r.update(name=name, rep=rep, load=load, rate_target=rate, log=logpath)
        if r["received_msgs"] == 0:
            raise RuntimeError(f"no stamped message came back at rate {rate:.0f} "
                               f"(sent {r['sent']} frames; log {logpath})")
        return r

    def wait_ready(self, name, proc, tag, deadline):
        socks = [os.path.join(self.env["work"], f"{tag}-{d}.sock") for d in ("in", "out")]
        if name.startswith("beamline"):
            socks.append(self.env["sock"])
        while not all(os.path.exists(s) for s in socks):
            if proc.poll() is not None:
                raise RuntimeError(f"exited early with status {proc.returncode}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"no memif socket after {self.args.start_timeout:.0f} s")
            time.sleep(0.1)

    def one(self, name, rep, rate, load, whom):
        """Start the contender, run the generator once against it, stop it.
        A fresh contender for every run: net_memif in DPDK 22.11 may crash a
        server that is polling while its client leaves (seen with testpmd),
        and no run inherits another's queues. Returns the run's figures, or
        None when it failed (logged, and kept in the results)."""
        b = self.b
        self.seq += 1
        tag = f"c{self.seq}"
        prefix = f"bllat-{os.getpid()}-{name}-{self.seq}"
        logpath = os.path.join(self.env["work"], f"{name}-{rep}-{self.seq}.log")
        if name.startswith("beamline") and os.path.exists(self.env["sock"]):
            os.unlink(self.env["sock"])
        proc = b.start(self.contender_argv(name, prefix, tag), logpath)
        r = None
        try:
            self.wait_ready(name, proc, tag, time.monotonic() + self.args.start_timeout)
            r = self.gen_run(name, tag, rep, rate, load)
            r["for"] = whom
            if proc.poll() is not None:
                # After the generator's report: the figures stand; say so.
                r["contender_exit"] = proc.returncode
                b.log(f"bench: {name} exited with status {proc.returncode} as the "
                      f"generator left (log {logpath})")
            self.results.append(r)
        except (RuntimeError, OSError, ValueError, KeyError) as e:
            b.log(f"bench: {name} run {rep} at {load}: {e}")
            with open(logpath) as f:
                for line in f.read().splitlines()[-10:]:
                    b.log("    " + line)
            self.results.append({"name": name, "rep": rep, "load": load, "for": whom,
                                 "failed": str(e)})
            r = None
        finally:
            b.stop(proc)
            shutil.rmtree(b.runtime_dir(prefix), ignore_errors=True)
        return r

    def run(self, names):
        first = {}  # name -> peak of repeat 1: the loads' base
        self.peaks = {}  # (name, rep) -> peak
        n = self.args.repeats
        for rep in range(1, n + 1):
            for name in [x for x in ORDER if x in names]:
                r = self.one(name, rep, 0, "peak", name)
                if r is None:
                    continue
                peak = self.peaks[(name, rep)] = r["rx_rate"]
                first.setdefault(name, peak)
                self.b.log(f"bench: run {rep}/{n} {name:14s} flat out: {peak / 1e6:.3f} "
                           f"Mpps back, p99 {r['p99_ns'] / 1e3:.1f} us")
                todo = [(load, first[name] * load / 100, name) for load in LOADS]
                if name == "testpmd-io":
                    todo += [(load, first[o] * load / 100, o) for o in SHOWN
                             if o in first and o != name for load in LOADS]
                for load, rate, whom in todo:
                    r = self.one(name, rep, rate, load, whom)
                    if r is not None:
                        self.b.log(
                            f"bench: run {rep}/{n} {name:14s} {load:3d}% of {whom:14s} "
                            f"{rate / 1e6:.3f} Mpps (sent {r['rate'] / 1e6:.3f}): p50 "
                            f"{r['p50_ns'] / 1e3:.1f} p99 {r['p99_ns'] / 1e3:.1f} p99.9 "
                            f"{r['p999_ns'] / 1e3:.1f} max {r['max_ns'] / 1e3:.1f} us, "
                            f"lost {r['lost_msgs']}")
        return self.results


def _us(ns):
    return ns / 1e3


def _fmt(x):
    return f"{x:.1f}" if x < 100 else f"{x:.0f}"


def table(results, names, args, reps):
    """The markdown table of the runs of repeats `reps`."""
    ok = [r for r in results if "failed" not in r and r["rep"] in reps]
    lines = ["| contender | load | rate (Mpps) | p50 (µs) | p99 (µs) | p99.9 (µs) | max (µs) "
             "| p50 / io | p99 / io | p99.9 / io | lost msgs | runs | p99 spread (µs) |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]

    def runs(name, load, whom):
        return [r for r in ok if r["name"] == name and r["load"] == load and r["for"] == whom]

    def med(rs, k):
        return statistics.median(r[k] for r in rs)

    for name in (n for n in SHOWN if n in names):
        for load in LOADS:
            rs = runs(name, load, name)
            if not rs:
                lines.append(f"| {LABELS[name]} | {load}% | - | - | - | - | - | - | - | - "
                             f"| - | failed | - |")
                continue
            io = runs("testpmd-io", load, name)
            cells = [_fmt(_us(med(rs, k))) for k in ("p50_ns", "p99_ns", "p999_ns", "max_ns")]
            ratios = [f"{med(rs, k) / med(io, k):.2f}" if io and med(io, k) > 0 else "-"
                      for k in ("p50_ns", "p99_ns", "p999_ns")]
            p99 = [_us(r["p99_ns"]) for r in rs]
            lines.append(f"| {LABELS[name]} | {load}% | {med(rs, 'rate') / 1e6:.3f} | "
                         + " | ".join(cells) + " | " + " | ".join(ratios) +
                         f" | {sum(r['lost_msgs'] for r in rs)} | {len(rs)} | "
                         f"{_fmt(min(p99))}..{_fmt(max(p99))} |")
    lines += ["", "| contender | peak, flat out (Mpps back, median) | spread | "
              "p50 at peak (µs) | p99 at peak (µs) |", "|---|---:|---:|---:|---:|"]
    for name in (n for n in SHOWN if n in names):
        rs = runs(name, "peak", name)
        if not rs:
            continue
        pk = [r["rx_rate"] / 1e6 for r in rs]
        lines.append(f"| {LABELS[name]} | {statistics.median(pk):.3f} | {min(pk):.3f}.."
                     f"{max(pk):.3f} | {_fmt(_us(med(rs, 'p50_ns')))} | "
                     f"{_fmt(_us(med(rs, 'p99_ns')))} |")
    return "\n".join(lines)


def report(results, names, args, peaks):
    """Normal and slow-mode tables; returns (text, failed)."""
    reps = list(range(1, args.repeats + 1))
    slow = []
    io = {rep: peaks.get(("testpmd-io", rep)) for rep in reps}
    best = max((p for p in io.values() if p), default=None)
    if best:
        slow = [rep for rep in reps if io[rep] and io[rep] < SLOW_FRACTION * best]
    normal = [rep for rep in reps if rep not in slow]
    text = [f"Loads are of each contender's peak in repeat 1; rates are frames of "
            f"{args.msgs_per_frame_shown} messages a second; every figure is the median of "
            f"the runs; ratios are to dpdk-testpmd io at the same rate; lost counts messages "
            f"sent and not back within 0.2 s of the last send.", ""]
    text.append(table(results, names, args, normal))
    if slow:
        text += ["", f"Slow mode (repeats {', '.join(map(str, slow))}: testpmd io's peak "
                 f"below {SLOW_FRACTION:.0%} of the best repeat's), apart:", "",
                 table(results, names, args, slow)]
    exits = [r for r in results if "contender_exit" in r]
    if exits:
        text += ["", f"{len(exits)} run(s) whose contender exited by itself as the "
                 "generator left (its figures were complete): " +
                 ", ".join(f"{r['name']} at {r['load']}"
                           + ("%" if r["load"] != "peak" else "")
                           + f" (status {r['contender_exit']})" for r in exits)]
    failed = [r for r in results if "failed" in r]
    if failed:
        text += ["", f"{len(failed)} run(s) failed: " +
                 "; ".join(f"{r['name']} run {r['rep']} at {r['load']}: "
                           f"{r['failed'].splitlines()[0]}" for r in failed)]
    return "\n".join(text), bool(failed)


def main(b, env, args):
    """Entry from scripts/bench (b: its module namespace). Returns the exit status."""
    # DPDK 22.11's net_memif reads malloc'd memory it did not clear: under
    # glibc's MALLOC_PERTURB_ (meson test sets it) the server never creates
    # its socket. The children inherit our environment.
    os.environ.pop("MALLOC_PERTURB_", None)
    names = [n for n in SHOWN if n in args.only]
    if not names:
        b.die(f"--latency runs {', '.join(SHOWN)}: --only names none of them", 2)
    if "testpmd-io" in names and env["testpmd"] is None:
        b.log("bench: skipping testpmd-io (dpdk-testpmd not installed): no ratios")
        names.remove("testpmd-io")
    if any(n.startswith("beamline") for n in names) and not os.access(env["beamline"], os.X_OK):
        b.log(f"bench: skipping beamline ({env['beamline']} not built)")
        names = [n for n in names if not n.startswith("beamline")]
    if "l3fwd" in names:
        env["l3fwd"] = b.build_l3fwd(env)
        env["l3fwd_rules6"] = b.l3fwd_rules6(env)
        if env["l3fwd"] is None:
            b.log("bench: skipping l3fwd (scripts/l3fwd-build failed)")
            names.remove("l3fwd")
    if not names:
        b.die("no contender left to run")
    args.msgs_per_frame_shown = b.TRAFFIC["msgs_per_frame"]
    lat = Lat(b, env, args)
    results = lat.run(names)
    text, failed = report(results, names, args, lat.peaks)
    print(text)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"traffic": b.TRAFFIC, "seconds": args.seconds, "warmup": args.warmup,
                       "repeats": args.repeats, "results": results}, f, indent=1)
    return 1 if failed else 0
