# SPDX-License-Identifier: GPL-2.0-or-later
"""live_flood.py - no unprivileged flood can hide a load. Several processes as nobody call
finit_module flat out while kmodwatchd reads through a small queue and root makes paced calls:
every root call comes out exactly once; every call of nobody's is an event, a count in a
summary, or counted as dropped; every summary line is whole and right, in the output and the
store. Then the same through the plugin's pipe, from a log of a flood."""
import calendar
import json
import os
import re
import subprocess
import threading
import time

import kmwlive
from kmwlive import Modcall

NOBODY = 65534
ERRNOS = ("EPERM", "ENOSYS")  # ENOSYS on a kernel without module support


def check_summary(c, what, s, interval):
    """One summary line, field by field (doc/schema.md)."""
    c.eq(what + ": kind", s.get("kind"), "summary")
    c.eq(what + ": schema_version", s.get("schema_version"), 1)
    m = s.get("summary") or {}
    c.true(what + ": syscall", m.get("syscall") in ("finit_module", "init_module", "delete_module"))
    c.true(what + ": arch", m.get("arch") in ("x86_64", "i386"))
    c.true(what + ": uid", isinstance(m.get("uid"), int))
    c.true(what + ": errno", m.get("errno") in ERRNOS)
    c.true(what + ": count", isinstance(m.get("count"), int) and m["count"] > 0)
    c.true(what + ": first <= last", isinstance(m.get("first"), str) and
           re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", m["first"]) and
           m["first"] <= m.get("last", ""))
    c.true(what + ": serials", 0 < m.get("first_serial", 0) <= m.get("last_serial", 0))
    c.eq(what + ": interval_s", m.get("interval_s"), interval)
    c.true(what + ": exe", isinstance(m.get("exe"), str) or m.get("exe_merged"))
    c.true(what + ": node", isinstance(m.get("node"), str) and m["node"])
    r = s.get("risk") or {}
    c.eq(what + ": risk.level", r.get("level"), "medium")
    c.eq(what + ": risk reason", [x.get("code") for x in r.get("reasons", [])], ["flood"])
    c.eq(what + ": technique", (r.get("technique") or {}).get("id"), "T1562")


def interval_of(iso, interval):
    """The start of the summary interval an ISO 8601 UTC time falls in (epoch seconds)."""
    t = calendar.timegm(time.strptime(iso[:19], "%Y-%m-%dT%H:%M:%S"))
    return t - t % interval


def stop_counts(err):
    """From the stopping line: calls read, one by one, summarised, dropped by the queue."""
    stop = [l for l in err.splitlines() if "stopping:" in l]
    m = stop and re.search(r"(\d+) module calls read: (\d+) events one by one \((\d+) protected\), (\d+) "
                  r"summarised in (\d+) summaries, (\d+) dropped by the queue", stop[-1])
    return [int(x) for x in m.groups()] if m else None


def netlink_flood(live, c):
    interval, budget, seconds = 2, 50, 5
    db = os.path.join(live.tmp, "flood.db")
    # the backlog doc/flood.md recommends (close() puts the old one back): at the kernel's 64
    # the flooders, and root's calls with them, can stall for the whole backlog_wait_time
    kmwlive.sh("auditctl", "-b", "8192")
    d = live.daemon("--queue-size", "1", "--summary-interval", str(interval), "--flood-budget",
                    str(budget), "--store", db, "--stats-interval", "2")
    root = Modcall(live)
    floods = [Modcall(live) for _ in range(3)]
    for f in floods:
        f.call("setuid %d" % NOBODY)
    made = {}

    def run(f):
        made[f.pid] = int(f.call("finit-loop /dev/null %d" % seconds)["calls"])

    threads = [threading.Thread(target=run, args=(f,)) for f in floods]
    for t in threads:
        t.start()
    time.sleep(0.3)
    rcalls = 40
    for i in range(rcalls):
        root.call("finit /dev/null %d" % (i % 4))
        time.sleep((seconds - 1) / rcalls)
    for t in threads:
        t.join(60)
    total = sum(made.values())
    kmwlive.log("flood: %d calls by nobody in %d s, %d by root" % (total, seconds, rcalls))
    c.true("the flood made calls", total > 10000)
    # the status while it runs: where the calls went
    time.sleep(2.5)
    st = subprocess.run([os.path.join(kmwlive.BUILD, "src", "kmodwatch"), "status",
                         "--format", "json"], capture_output=True, text=True)
    cons = json.loads(st.stdout)["consumers"] if st.stdout else []
    state = cons[0]["state"] if cons else {}
    c.true("status: the module calls read", state.get("module_calls", 0) > 0)
    c.true("status: the calls summarised", state.get("calls_summarised", 0) > 0)
    c.true("status: the backlog's high-water mark", "backlog_max" in state)
    c.eq("status: a flood that loses nothing is healthy", json.loads(st.stdout)["health"]
         if st.stdout else None, "healthy")
    # every summary is out once its interval is over; the last ones come at the stop
    for f in floods:
        f.close()
    root.close()
    c.eq("exit 0", d.stop(), 0)
    evs = d.events()
    mine = [e for e in evs if e["kind"] == "syscall" and e["process"]["pid"] == root.pid]
    c.eq("every root call out", len(mine), rcalls)
    c.eq("no root call twice", len({e["audit"]["serial"] for e in mine}), rcalls)
    c.true("root's calls are root's", all(e["process"]["uid"] == 0 for e in mine))
    ones = [e for e in evs if e["kind"] == "syscall" and e["process"]["uid"] == NOBODY]
    sums = [e for e in evs if e["kind"] == "summary"]
    c.true("summaries came", len(sums) > 0)
    for i, s in enumerate(sums):
        check_summary(c, "summary %d" % i, s, interval)
    c.true("the summaries are nobody's", all(s["summary"]["uid"] == NOBODY and
                                             s["summary"]["user"] == "nobody" and
                                             s["summary"]["exe"].endswith("/modcall")
                                             for s in sums))
    keys = [(s["summary"]["exe"], s["summary"]["syscall"], s["summary"]["errno"],
             interval_of(s["summary"]["first"], interval)) for s in sums]
    c.eq("one summary per key and interval", len(set(keys)), len(keys))
    summed = sum(s["summary"]["count"] for s in sums)
    err = d.stderr()
    counts = stop_counts(err)
    c.true("the stopping line says where the calls went", counts is not None)
    read, one, prot, summarised, nsum, dropped = counts or [0] * 6
    kmwlive.log("nobody: %d calls, %d events, %d summarised in %d summaries; %d dropped by the "
                "queue" % (total, len(ones), summed, len(sums), dropped))
    c.eq("every call of nobody's accounted for: events + summarised + dropped",
         len(ones) + summed + dropped, total)
    c.eq("the stopping line: read = one by one + summarised + dropped", read, one + summarised +
         dropped)
    c.eq("the stopping line: read = the calls made", read, total + rcalls)
    c.eq("the stopping line: summarised = the summaries' counts", summarised, summed)
    c.eq("the stopping line: summaries", nsum, len(sums))
    c.eq("protected: root's calls", prot, rcalls)
    m = re.search(r"(\d+) records lost by the kernel \(backlog at most (\d+) of (\d+)\)",
                  [l for l in err.splitlines() if "stopping:" in l][-1])
    c.true("the stopping line: the kernel's losses and backlog", m is not None)
    if m:
        kmwlive.log("kernel: %s records lost, backlog at most %s of %s" % m.groups())
        c.eq("the kernel lost nothing", m.group(1), "0")
    # at most the budget one by one per user and interval (a record late for its interval,
    # as CPUs interleave at its end, counts against the next one)
    per = {}
    for e in ones:
        k = int(e["audit"]["epoch"]) // interval
        per[k] = per.get(k, 0) + 1
    c.true("one by one at most the budget per interval (%s)" % sorted(per.values()),
           len(ones) <= budget * len(per))
    # the store holds the same lines
    q = subprocess.run([os.path.join(kmwlive.BUILD, "src", "kmodwatch"), "query", "--store", db,
                        "--kind", "summary", "--format", "json"], capture_output=True)
    stored = [json.loads(l) for l in q.stdout.splitlines() if l]
    c.eq("store: the summaries", sorted(json.dumps(s, sort_keys=True) for s in stored),
         sorted(json.dumps(s, sort_keys=True) for s in sums))
    q = subprocess.run([os.path.join(kmwlive.BUILD, "src", "kmodwatch"), "query", "--store", db,
                        "--kind", "syscall", "--uid", str(NOBODY), "--count"], capture_output=True)
    c.eq("store: nobody's events one by one", q.stdout.strip(), str(len(ones)).encode())


def flood_log(path, n, every):
    """A log of @n failed calls by nobody, a root success every @every of them: SYSCALL,
    (KERN_MODULE,) PROCTITLE, EOE each, 1 ms apart, as auditd writes them to a plugin."""
    t0 = int(time.time()) - 3600
    roots = 0
    with open(path, "w") as f:
        for i in range(n):
            ms = t0 * 1000 + i
            ts = "%d.%03d:%d" % (ms // 1000, ms % 1000, 1000 + i)
            if i % every == every - 1:
                roots += 1
                f.write("type=SYSCALL msg=audit(%s): arch=c000003e syscall=313 success=yes exit=0 "
                        "a0=3 a1=55d0 a2=0 a3=0 items=0 ppid=1 pid=4242 auid=0 uid=0 gid=0 euid=0 "
                        "suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=1 comm=\"insmod\" "
                        "exe=\"/usr/bin/kmod\" key=\"kmodwatch\"\n" % ts)
                f.write("type=KERN_MODULE msg=audit(%s): name=\"root_%d\"\n" % (ts, roots))
            else:
                f.write("type=SYSCALL msg=audit(%s): arch=c000003e syscall=313 success=no exit=-1 "
                        "a0=3 a1=55d0 a2=0 a3=0 items=0 ppid=1 pid=%d auid=1000 uid=65534 "
                        "gid=65534 euid=65534 suid=65534 fsuid=65534 egid=65534 sgid=65534 "
                        "fsgid=65534 tty=(none) ses=2 comm=\"x\" exe=\"/tmp/flood\" "
                        "key=\"kmodwatch\"\n" % (ts, 5000 + i % 7))
            f.write("type=PROCTITLE msg=audit(%s): proctitle=78\n" % ts)
            f.write("type=EOE msg=audit(%s): \n" % ts)
    return roots


def plugin_flood(live, c):
    log = os.path.join(live.tmp, "flood.log")
    n, every = 120000, 1000
    roots = flood_log(log, n, every)
    out = os.path.join(live.tmp, "plugin.json")
    err = out + ".err"
    p = subprocess.run("cat %s | %s --plugin --foreground --queue-size 1 --flood-budget 10 --output %s "
                       "--store none 2> %s" % (log, kmwlive.DAEMON, out, err), shell=True,
                       timeout=120)
    c.eq("plugin: exit 0", p.returncode, 0)
    evs = [json.loads(l) for l in open(out)]
    text = open(err).read()
    mine = [e for e in evs if e["kind"] == "syscall" and e["process"]["uid"] == 0]
    c.eq("plugin: every root load out", sorted(e["module"]["name"] for e in mine),
         sorted("root_%d" % i for i in range(1, roots + 1)))
    sums = [e for e in evs if e["kind"] == "summary"]
    for i, s in enumerate(sums):
        check_summary(c, "plugin summary %d" % i, s, 10)
    ones = [e for e in evs if e["kind"] == "syscall" and e["process"]["uid"] == NOBODY]
    counts = stop_counts(text)
    dropped = counts[5] if counts else -1
    summed = sum(s["summary"]["count"] for s in sums)
    kmwlive.log("plugin: %d calls by nobody: %d events, %d summarised in %d summaries, %d "
                "dropped" % (n - roots, len(ones), summed, len(sums), dropped))
    c.true("plugin: summaries came", summed > 0)
    c.eq("plugin: every call of nobody's accounted for", len(ones) + summed + dropped, n - roots)


def main(live, c):
    netlink_flood(live, c)
    plugin_flood(live, c)


kmwlive.run(main, "flood")
