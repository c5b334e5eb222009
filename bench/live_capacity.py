# SPDX-License-Identifier: GPL-2.0-or-later
"""live_capacity.py - the live capture's capacity, as root, on this machine's kernel.

P callers (bench/floodcall) make root finit_module calls at a fixed rate in all for S
seconds (ENOSYS on this machine's kernel; audit records each), and one consumer at a time
takes the records:
  bare         bench/netlink_reader: the audit daemon that only reads (the kernel's limit)
  auditd       auditd writing its log (Debian's defaults: ENRICHED, INCREMENTAL_ASYNC)
  kmw-store    kmodwatchd, unicast, its store on
  kmw-nostore  kmodwatchd, unicast, --store none
The consumers of one rate run one after the other, the rates in turn (interleaved). For each:
calls made and delivered, records the kernel lost, the lag after the callers stopped (until
the last call came out), latency p50 and p99 (from each call to its record read, or its line
readable in the file), CPU seconds per 10,000 events (all threads), bytes written per event
(wchar: every write and pwrite, to files and the store), peak RSS.

Every run uses kmodwatch's own rule set (key kmodwatch, b32 and b64), installed for the run:
kmodwatchd finds it in place and adds none, so each consumer gets the same records. The
backlog limit is 8192 (auditd's rules set it) during the runs. The audit state (rules,
enabled flag, backlog limit, audit pid) is put back at the end.

  python3 bench/live_capacity.py BUILD [--rates 5000,10000,20000,30000,40000] [--seconds 10]
          [--procs 4] [--consumers bare,auditd,kmw-store,kmw-nostore] [--args "..."]
Prints one line a run as it goes, then a Markdown table."""
import argparse
import os
import re
import signal
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import flood  # noqa: E402

HZ = os.sysconf("SC_CLK_TCK")
RULES = [["-a", "always,exit", "-F", "arch=%s" % a, "-S", "init_module,delete_module,finit_module",
          "-F", "key=kmodwatch"] for a in ("b32", "b64")]
AUDITD_CONF = """local_events = yes
write_logs = yes
log_file = {log}
log_group = root
log_format = ENRICHED
flush = INCREMENTAL_ASYNC
freq = 50
max_log_file = 2000
num_logs = 2
priority_boost = 4
name_format = NONE
max_log_file_action = ROTATE
space_left = 75
space_left_action = IGNORE
admin_space_left = 50
admin_space_left_action = IGNORE
disk_full_action = IGNORE
disk_error_action = IGNORE
verify_email = no
action_mail_acct = root
use_libwrap = no
tcp_client_max_idle = 0
transport = TCP
distribute_network = no
q_depth = 2000
overflow_action = SYSLOG
max_restarts = 10
plugin_dir = {plugins}
end_of_event_timeout = 2
"""


def rules():
    return [l for l in subprocess.run(["auditctl", "-l"], capture_output=True,
                                      text=True).stdout.splitlines() if l != "No rules"]


def cpu_ticks(pid):
    f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return int(f[11]) + int(f[12])


def io(pid, key="wchar"):
    for line in open("/proc/%d/io" % pid):
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def hwm_kb(pid):
    for line in open("/proc/%d/status" % pid):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


class Tail(flood.Tail):
    """The (pid, time) of each line of a growing file that names a pid (@pid_re)."""

    def __init__(self, path, pid_re):
        pid = re.compile(pid_re)

        def keep(line):
            m = pid.search(line)
            return int(m.group(1)) if m else None

        super().__init__(path, keep=keep)

    @property
    def arrivals(self):
        return [(p, t) for t, p in self.lines]

    def count(self):
        return len(self.lines)


class BinTail:
    """The bare reader's (pid, time) records."""

    def __init__(self, path):
        self.path = path

    def count(self):
        try:
            return os.path.getsize(self.path) // 16
        except OSError:
            return 0

    @property
    def arrivals(self):
        data = open(self.path, "rb").read()
        return [(int(p), t) for p, t in struct.iter_unpack("dd", data[:len(data) // 16 * 16])]


def wait_for(pred, timeout, what):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return
        time.sleep(0.02)
    raise RuntimeError("timed out waiting for " + what)


def start_consumer(kind, build, tmp, extra):
    """The consumer's process and what reads its output."""
    if kind == "bare":
        out = os.path.join(tmp, "bare.bin")
        p = subprocess.Popen([os.path.join(build, "bench", "netlink_reader"), out],
                             stdout=subprocess.PIPE, text=True)
        if p.stdout.readline().strip() != "ready":
            raise RuntimeError("netlink_reader did not start")
        return p, BinTail(out)
    if kind == "auditd":
        d = os.path.join(tmp, "auditd")
        os.makedirs(os.path.join(d, "plugins.d"))
        log = os.path.join(d, "audit.log")
        with open(os.path.join(d, "auditd.conf"), "w") as f:
            f.write(AUDITD_CONF.format(log=log, plugins=os.path.join(d, "plugins.d")))
        os.chmod(os.path.join(d, "auditd.conf"), 0o600)
        p = subprocess.Popen(["auditd", "-n", "-c", d], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        wait_for(lambda: flood.audit_status().get("pid") == p.pid, 10, "auditd")
        t = Tail(log, rb"^type=SYSCALL .* pid=(\d+) ")
        t.start()
        return p, t
    out = os.path.join(tmp, "events.json")
    err = os.path.join(tmp, "kmodwatchd.err")
    args = [os.path.join(build, "src", "kmodwatchd"), "--foreground", "--output", out,
            "--source", "unicast", "--backfill-dir", "none", "--metrics-file", "none",
            "--stats-interval", "0",
            "--store", os.path.join(tmp, "s.db") if kind == "kmw-store" else "none"] + extra
    p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=open(err, "w"))
    wait_for(lambda: "ready:" in open(err).read() or p.poll() is not None, 20, "kmodwatchd")
    if p.poll() is not None:
        raise RuntimeError(open(err).read())
    t = Tail(out, rb'"process":\{"pid":(\d+),')
    t.start()
    return p, t


def pct(v, p):
    return v[min(len(v) - 1, int(len(v) * p))] if v else float("nan")


def run(build, kind, rate, seconds, procs, extra):
    tmp = tempfile.mkdtemp(prefix="kmw-cap-")
    os.chmod(tmp, 0o755)
    mod = os.path.join(tmp, "cap.ko")
    open(mod, "wb").write(b"\x7fELF capacity\n")
    helper = os.path.join(build, "bench", "floodcall")
    p, tail = start_consumer(kind, build, tmp, extra)
    try:
        time.sleep(0.5)
        cpu0, w0, lost0 = cpu_ticks(p.pid), io(p.pid), flood.audit_status().get("lost", 0)
        t0 = time.time()
        callers = []
        for i in range(procs):
            tf = os.path.join(tmp, "t%d" % i)
            callers.append((subprocess.Popen([helper, mod, str(seconds), str(rate / procs), tf],
                                             stdout=subprocess.PIPE, text=True), tf))
        made = {c.pid: int(c.communicate()[0]) for c, _ in callers}
        t_end = time.time()
        total = sum(made.values())
        # drained: every call out, or nothing new for 3 s (60 s at most)
        last, last_change = -1, time.time()
        while time.time() - t_end < 60:
            n = tail.count()
            if n >= total:
                break
            if n != last:
                last, last_change = n, time.time()
            elif time.time() - last_change > 3:
                break
            time.sleep(0.05)
        cpu1, w1, lost1, hwm = cpu_ticks(p.pid), io(p.pid), flood.audit_status().get("lost", 0), hwm_kb(p.pid)
        # what the output took, and what the store keeps (its pages), to tell the store's
        # writes from the output's
        out_bytes = sum(os.path.getsize(os.path.join(tmp, f)) for f in ("events.json",)
                        if os.path.exists(os.path.join(tmp, f)))
        # kmodwatchd's own record-to-capture latency (its state file, written every 2 s)
        cap = {}
        if kind.startswith("kmw"):
            time.sleep(2.2)
            for l in open("/run/kmodwatch/kmodwatchd.state"):
                k, _, v = l.strip().partition("=")
                if k in ("capture_p50_us", "capture_p99_us"):
                    cap[k] = int(v)
        db = os.path.join(tmp, "s.db")
        db_bytes = sum(os.path.getsize(db + x) for x in ("", "-wal") if os.path.exists(db + x))
    finally:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(60)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        if isinstance(tail, Tail):
            tail.stop.set()
            tail.join()
    byp = {}
    for pid, t in tail.arrivals:
        byp.setdefault(pid, []).append(t)
    lat, delivered, last_arrival = [], 0, t_end
    for c, tf in callers:
        arr = byp.get(c.pid, [])
        delivered += min(len(arr), made[c.pid])
        calls = [x[0] for x in struct.iter_unpack("d", open(tf, "rb").read())]
        lat += [(a - t) * 1000 for a, t in zip(arr, calls)]
        if arr:
            last_arrival = max(last_arrival, arr[-1])
    lat.sort()
    subprocess.run(["rm", "-rf", tmp])
    return {"kind": kind, "rate": rate, "made": total, "delivered": delivered,
            "kernel_lost": lost1 - lost0, "lag": last_arrival - t_end,
            "p50": pct(lat, 0.5), "p99": pct(lat, 0.99),
            "cpu10k": (cpu1 - cpu0) / HZ * 10000 / max(1, delivered),
            "bytes": (w1 - w0) / max(1, delivered), "rss": hwm / 1024,
            "store_written": (w1 - w0 - out_bytes) / max(1, delivered) if db_bytes else 0,
            "store_kept": db_bytes / max(1, delivered),
            "cap_p99": cap.get("capture_p99_us", -1),
            "achieved": total / seconds}


def line(r):
    store = "%.1f/%.1f" % (r["store_written"] / 1024, r["store_kept"] / 1024) if r[
        "store_kept"] else "-"
    return ("| %s | %d | %.0f | %d/%d | %d | %d | %.2f | %.2f | %.2f | %s | %.2f | %.1f | %s | "
            "%.1f |" % (r["kind"], r["rate"], r["achieved"], r["delivered"], r["made"],
                        r["made"] - r["delivered"], r["kernel_lost"], r["lag"], r["p50"],
                        r["p99"], "%d" % r["cap_p99"] if r["cap_p99"] >= 0 else "-",
                        r["cpu10k"], r["bytes"] / 1024, store, r["rss"]))


HEADER = ("| consumer | rate/s | made/s | delivered | lost | kernel lost | lag s | p50 ms | "
          "p99 ms | capture p99 µs | CPU s/10k | KB written/event | store KB written/kept "
          "per event | peak RSS MB |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--rates", default="5000,10000,20000,30000,40000")
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--procs", type=int, default=4)
    ap.add_argument("--consumers", default="bare,auditd,kmw-store,kmw-nostore")
    ap.add_argument("--args", default="", help="more kmodwatchd options")
    a = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("live_capacity: run as root")
    build = os.path.abspath(a.build)
    before_rules, before = rules(), flood.audit_status()
    if before.get("pid") and os.path.exists("/proc/%d" % before["pid"]):
        sys.exit("live_capacity: an audit daemon runs (pid %d): stop it first" % before["pid"])
    results = []
    try:
        subprocess.run(["auditctl", "-b", "8192"], capture_output=True)
        subprocess.run(["auditctl", "-e", "1"], capture_output=True)
        for r in RULES:
            subprocess.run(["auditctl"] + r, capture_output=True)
        for rate in [int(x) for x in a.rates.split(",")]:
            for kind in a.consumers.split(","):
                res = run(build, kind, rate, a.seconds, a.procs, a.args.split())
                results.append(res)
                print(line(res))
                sys.stdout.flush()
    finally:
        for r in RULES:
            subprocess.run(["auditctl", "-d"] + r[1:], capture_output=True)
        for r in rules():
            if r not in before_rules:
                subprocess.run(["auditctl", "-d"] + r.split()[1:], capture_output=True)
        subprocess.run(["auditctl", "-b", str(before.get("backlog_limit", 64))], capture_output=True)
        subprocess.run(["auditctl", "-e", str(before.get("enabled", 0))], capture_output=True)
        if flood.audit_status().get("pid"):
            print("live_capacity: the audit pid is %d, was %d" % (flood.audit_status()["pid"], before.get("pid", 0)))
    print()
    print(HEADER)
    for r in results:
        print(line(r))


if __name__ == "__main__":
    main()
