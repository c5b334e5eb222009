# SPDX-License-Identifier: GPL-2.0-or-later
"""flood.py - kmodwatchd under load, as root, on this machine's kernel (its calls fail with
ENOSYS there; audit records each). Two kinds of run:

  paced: P root processes call finit_module at R calls a second in all, for S seconds, while
         an execve rule logs a busy shell loop: are all calls events, and how soon?
  flood: F processes as nobody call flat out (the unprivileged flood), while root makes
         paced calls: are root's calls all out, and how soon; where did the flood go?
  readme: the figures of the README: the flood at the kernel's backlog of 64 and at 8192
         (put back after), with the default queue and a 1 MiB one; then paced runs from
         1,700 to 12,000 calls a second

  python3 bench/flood.py BUILD paced [--rate R] [--procs P] [--seconds S] [options]
  python3 bench/flood.py BUILD flood [--flooders F] [--root-rate R] [--seconds S] [options]
  python3 bench/flood.py BUILD readme [--no-noise]
options: --queue-size MB (default kmodwatchd's), --store none|db (default db, a private one),
--no-noise, --args "EXTRA KMODWATCHD OPTIONS".
Latency: from each call (its helper takes the time just before it) to its line being
readable in the output file, which a thread here tails; the audit timestamp is a coarse
clock's and would hide a few ms."""
import argparse
import json
import os
import re
import struct
import subprocess
import sys
import tempfile
import threading
import time

HZ = os.sysconf("SC_CLK_TCK")


def cpu_of(pid):
    """utime+stime of each thread of @pid by name, in ticks."""
    out = {}
    for t in os.listdir("/proc/%d/task" % pid):
        try:
            name = open("/proc/%d/task/%s/comm" % (pid, t)).read().strip()
            f = open("/proc/%d/task/%s/stat" % (pid, t)).read().rsplit(")", 1)[1].split()
            out[name] = out.get(name, 0) + int(f[11]) + int(f[12])
        except OSError:
            pass
    return out


def audit_status():
    st = {}
    for line in subprocess.run(["auditctl", "-s"], capture_output=True, text=True).stdout.splitlines():
        k = line.split()
        if len(k) >= 2 and k[1].lstrip("-").isdigit():
            st[k[0]] = int(k[1])
    return st


def pct(sorted_ms, p):
    return sorted_ms[min(len(sorted_ms) - 1, int(len(sorted_ms) * p))] if sorted_ms else float("nan")


class Tail(threading.Thread):
    """Reads a file as it grows: (the time each whole line became readable, keep(line)) for
    every line keep does not turn to None (by default the non-empty lines themselves)."""

    def __init__(self, path, keep=lambda l: l or None):
        super().__init__(daemon=True)
        self.path, self.stop, self.lines, self.keep = path, threading.Event(), [], keep

    def run(self):
        pos, buf = 0, b""
        while True:
            try:
                with open(self.path, "rb") as f:
                    f.seek(pos)
                    data = f.read()
            except FileNotFoundError:
                data = b""
            now = time.time()
            if data:
                pos += len(data)
                buf += data
                *whole, buf = buf.split(b"\n")
                self.lines += [(now, k) for k in map(self.keep, whole) if k is not None]
            elif self.stop.is_set():
                return
            else:
                time.sleep(0.0005)


def run(build, kind, seconds=10.0, rate=1000, procs=2, flooders=3, root_rate=20, queue=None,
        store="db", noise=True, extra=""):
    tmp = tempfile.mkdtemp(prefix="kmw-flood-")
    os.chmod(tmp, 0o755)
    mod = os.path.join(tmp, "flood.ko")
    open(mod, "wb").write(b"\x7fELF flood\n")
    os.chmod(mod, 0o644)
    out = os.path.join(tmp, "events.json")
    errp = os.path.join(tmp, "d.err")
    helper = os.path.join(build, "bench", "floodcall")
    args = os.environ.get("FLOOD_WRAP", "").split() + [os.path.join(build, "src", "kmodwatchd"), "--foreground", "--output", out,
            "--store", "none" if store == "none" else os.path.join(tmp, "s.db"),
            "--backfill-dir", "none", "--stats-interval", "2"]
    if queue:
        args += ["--queue-size", str(queue)]
    args += extra.split()
    noise_rule = ["-a", "always,exit", "-F", "arch=b64", "-S", "execve", "-k", "kmw-flood-noise"]
    if noise:
        subprocess.run(["auditctl"] + noise_rule, check=True, capture_output=True)
    d = subprocess.Popen(args, stderr=open(errp, "w"))
    try:
        while "ready:" not in open(errp).read():
            if d.poll() is not None:
                raise RuntimeError(open(errp).read())
            time.sleep(0.05)
        tail = Tail(out)
        tail.start()
        busy = subprocess.Popen(["sh", "-c", "end=$(( $(date +%%s) + %d )); while [ $(date +%%s) "
                                 "-lt $end ]; do /bin/true; done" % int(seconds)]) if noise else None
        cpu0, t0, st0 = cpu_of(d.pid), time.time(), audit_status()
        hs = []  # (popen, times file, class)
        if kind == "paced":
            for i in range(procs):
                tf = os.path.join(tmp, "t%d" % i)
                hs.append((subprocess.Popen([helper, mod, str(seconds), str(rate / procs), tf],
                                            stdout=subprocess.PIPE), tf, "root"))
        else:
            for i in range(flooders):
                hs.append((subprocess.Popen([helper, mod, str(seconds), "0", "-", "65534"],
                                            stdout=subprocess.PIPE), None, "nobody"))
            tf = os.path.join(tmp, "root")
            hs.append((subprocess.Popen([helper, mod, str(seconds), str(root_rate), tf],
                                        stdout=subprocess.PIPE), tf, "root"))
        made = {h.pid: int(h.communicate()[0]) for h, _, _ in hs}
        if busy:
            busy.wait()
        # drained: nothing new for two seconds
        last = -1
        while len(tail.lines) != last:
            last = len(tail.lines)
            time.sleep(2)
        cpu1, t1, st1 = cpu_of(d.pid), time.time(), audit_status()
        d.terminate()
        d.wait(120)
        tail.stop.set()
        tail.join()
    finally:
        if noise:
            subprocess.run(["auditctl", "-d"] + noise_rule[1:], capture_output=True)
        if d.poll() is None:
            d.kill()
    err = open(errp).read()
    byline = {}
    summarised = 0
    for now, l in tail.lines:
        e = json.loads(l)
        if e.get("kind") == "summary":
            summarised += e["summary"]["count"]
            continue
        byline.setdefault(e["process"]["pid"], []).append((e["audit"]["serial"], now, e["audit"]["epoch"]))
    res = {"kind": kind, "seconds": seconds, "queue": queue or 64, "store": store}
    lat, stamp = [], []
    root_made = root_out = nobody_made = nobody_out = 0
    for h, tf, cls in hs:
        evs = sorted(byline.get(h.pid, []))
        if cls == "root":
            root_made += made[h.pid]
            root_out += len(evs)
            calls = [x[0] for x in struct.iter_unpack("d", open(tf, "rb").read())]
            if len(calls) == len(evs):
                lat += [(now - t) * 1000 for (_, now, _), t in zip(evs, calls)]
                stamp += [(ep - t) * 1000 for (_, _, ep), t in zip(evs, calls)]
        else:
            nobody_made += made[h.pid]
            nobody_out += len(evs)
    lat.sort()
    stamp.sort()
    stop = [l for l in err.splitlines() if "stopping:" in l]
    m = re.search(r"\((\d+) module calls\) lost to queue overflow", stop[-1]) if stop else None
    b = re.search(r"backlog at most (\d+) of (\d+)", stop[-1]) if stop else None
    k = re.search(r"(\d+) records lost by the kernel", stop[-1]) if stop else None
    cpu = {t: (cpu1.get(t, 0) - cpu0.get(t, 0)) / HZ / (t1 - t0) * 100 for t in cpu1}
    cpu_s = sum(cpu1.get(t, 0) - cpu0.get(t, 0) for t in cpu1) / HZ
    res.update(root_made=root_made, root_out=root_out, nobody_made=nobody_made,
               nobody_out=nobody_out, summarised=summarised,
               dropped=int(m.group(1)) if m else None,
               backlog_max=int(b.group(1)) if b else None, backlog_limit=int(b.group(2)) if b else None,
               kernel_lost=int(k.group(1)) if k else None,
               waited_ms=st1.get("backlog_wait_time_actual", 0) - st0.get("backlog_wait_time_actual", 0),
               p50=pct(lat, 0.5), p99=pct(lat, 0.99), max=lat[-1] if lat else float("nan"),
               cpu_us_per_event=cpu_s * 1e6 / max(1, len(tail.lines)),
               timed=len(lat), stamp_p50=pct(stamp, 0.5), stamp_p99=pct(stamp, 0.99),
               cpu_total=sum(cpu.values()),
               cpu_threads=" ".join("%s %.0f%%" % (t.replace("kmw-", ""), v)
                                    for t, v in sorted(cpu.items())),
               stop=stop[-1] if stop else err[-2000:])
    subprocess.run(["rm", "-rf", tmp])
    return res


def show(r):
    if r["kind"] == "paced":
        print("paced %.0f s: %d root calls (%d/s), %d events, %d missing, %s dropped; latency p50 "
              "%.2f ms p99 %.2f ms max %.1f ms; kmodwatchd %.0f%% CPU (%s), %.0f us a line; backlog max %s"
              " of %s, kernel lost %s, callers waited %s ms on it" % (r["seconds"], r["root_made"], r["root_made"] / r["seconds"],
              r["root_out"], r["root_made"] - r["root_out"], r["dropped"], r["p50"], r["p99"],
              r["max"], r["cpu_total"], r["cpu_threads"], r["cpu_us_per_event"], r["backlog_max"],
              r["backlog_limit"], r["kernel_lost"], r["waited_ms"]))
    else:
        print("flood %.0f s, queue %s MB: nobody %d calls (%d/s): %d events, %d summarised, %s "
              "dropped, %d unaccounted; root %d/%d out, latency p50 %.2f ms p99 %.2f ms max %.1f ms;"
              " kmodwatchd %.0f%% CPU (%s); backlog max %s of %s, kernel lost %s, callers waited %s ms on"
              " it" % (r["seconds"], r["queue"], r["nobody_made"], r["nobody_made"] / r["seconds"],
                  r["nobody_out"], r["summarised"], r["dropped"],
                  r["nobody_made"] - r["nobody_out"] - r["summarised"] - (r["dropped"] or 0),
                  r["root_out"], r["root_made"], r["p50"], r["p99"], r["max"], r["cpu_total"],
                  r["cpu_threads"], r["backlog_max"], r["backlog_limit"], r["kernel_lost"],
                  r["waited_ms"]))
    sys.stdout.flush()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("kind", choices=["paced", "flood", "readme"])
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--rate", type=float, default=1000)
    ap.add_argument("--procs", type=int, default=4)
    ap.add_argument("--flooders", type=int, default=3)
    ap.add_argument("--root-rate", type=float, default=100)
    ap.add_argument("--queue-size", type=int)
    ap.add_argument("--store", default="db")
    ap.add_argument("--no-noise", action="store_true")
    ap.add_argument("--args", default="")
    ap.add_argument("--verbose", action="store_true")
    a = ap.parse_args()
    build = os.path.abspath(a.build)
    if a.kind == "readme":
        # the flood at the kernel's default backlog and at the recommended one, both queues
        old = audit_status().get("backlog_limit", 64)
        try:
            for b in (64, 8192):
                subprocess.run(["auditctl", "-b", str(b)], capture_output=True)
                for q in (None, 1):
                    show(run(build, "flood", a.seconds, flooders=a.flooders, root_rate=a.root_rate,
                             queue=q, store=a.store, noise=not a.no_noise, extra=a.args))
        finally:
            subprocess.run(["auditctl", "-b", str(old)], capture_output=True)
        for rate in (1700, 4000, 8000, 10000, 12000):
            show(run(build, "paced", a.seconds, rate=rate, procs=a.procs, store=a.store,
                     noise=not a.no_noise, extra=a.args))
        return
    r = run(build, a.kind, a.seconds, a.rate, a.procs, a.flooders, a.root_rate, a.queue_size,
            a.store, not a.no_noise, a.args)
    show(r)
    if a.verbose:
        print("call -> audit timestamp (the syscall's entry, a coarse clock): p50 %.2f ms, p99 "
              "%.2f ms" % (r["stamp_p50"], r["stamp_p99"]))
        print(r["stop"])


if __name__ == "__main__":
    main()
