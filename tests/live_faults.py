# SPDX-License-Identifier: GPL-2.0-or-later
"""live_faults.py - faults production brings: kmodwatchd killed with SIGKILL during a flood and
started again (the store recovers the gap from auditd's log: every module call once); auditd
restarted while kmodwatchd listens on multicast (it keeps working, and reports any gap); a flood
flat out through a small queue (every call comes out once, or is counted exactly)."""
import os
import re
import signal
import sqlite3
import subprocess
import time

import kmwlive
from kmwlive import Modcall


def flood(live, n, tag):
    """n delete_module calls from one helper, as fast as it goes; returns its pid."""
    p = live.spawn([kmwlive.MODCALL], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
    p.stdin.write(("".join("delete kmw_%s_%d 0\n" % (tag, i) for i in range(n))).encode())
    p.stdin.close()
    return p


def stored_for(db, pids):
    con = sqlite3.connect(db)
    try:
        rows = con.execute("SELECT pid, serial, time_ms FROM events WHERE pid IN (%s)" %
                           ",".join(str(p) for p in pids)).fetchall()
    finally:
        con.close()
    return rows


def kill_and_backfill(live, c):
    live.start_auditd()
    db = os.path.join(live.tmp, "faults.db")
    logdir = os.path.dirname(live.auditd_log)
    d = live.daemon("--store", db, "--backfill-dir", logdir)
    a = flood(live, 3000, "a")
    time.sleep(0.15)
    d.p.send_signal(signal.SIGKILL)  # mid-flood
    d.p.wait()
    # what the store can lose to a kill: the transaction open then (doc/store.md), the last
    # events the output has, 1,000 at most; never one the output lacks
    out_a = sorted(e["audit"]["serial"] for e in d.events() if e["process"]["pid"] == a.pid)
    st_a = set(r[1] for r in stored_for(db, [a.pid]))
    missing = [s for s in out_a if s not in st_a]
    c.true("SIGKILL: the store has nothing the output lacks", st_a <= set(out_a))
    c.true("SIGKILL: the store lacks at most the open transaction, the last events (%d)" %
           len(missing), len(missing) <= 1000 and (not missing or not st_a or
                                                  min(missing) > max(st_a)))
    b = flood(live, 1000, "b")
    a.wait(60)
    b.wait(60)
    time.sleep(1.5)  # auditd writes its log in the background
    c.eq("SIGKILL: its rules are left", len([r for r in kmwlive.audit_rules()
                                             if "key=kmodwatch" in r]), 2)
    d2 = live.daemon("--store", db, "--backfill-dir", logdir)
    c.true("restart: the backfill recovered the gap", " recovered" in d2.stderr() and
           " 0 recovered" not in d2.stderr())
    c.true("restart: the killed daemon's rules taken over",
           "removed 2 audit rule(s) with key kmodwatch" in d2.stderr())
    time.sleep(0.5)
    d2.stop()
    c.eq("restart: no rule left after it stops", [r for r in kmwlive.audit_rules()
                                                  if "key=kmodwatch" in r], [])
    rows = stored_for(db, [a.pid, b.pid])
    keys = [(r[1], r[2]) for r in rows]
    c.eq("every module call stored", len(rows), 4000)
    c.eq("none twice", len(set(keys)), len(keys))
    live.stop(live.auditd)


def auditd_restart(live, c):
    ad = live.start_auditd()
    d = live.daemon("--source", "multicast", "--stats-interval", "2")
    m = Modcall(live)
    for i in range(50):
        m.call("delete kmw_before_%d 0" % i)
    live.stop(ad)  # auditd goes away: no audit daemon for a moment
    for i in range(50):
        m.call("delete kmw_between_%d 0" % i)
    live.start_auditd()
    for i in range(50):
        m.call("delete kmw_after_%d 0" % i)
    evs = d.wait_events(lambda e: e["process"]["pid"] == m.pid, 150, timeout=15)
    m.close()
    time.sleep(2.5)  # one stats line at least
    d.stop()
    serials = [e["audit"]["serial"] for e in evs]
    c.eq("auditd restart: every call seen", len(set(serials)), 150)
    err = d.stderr()
    c.true("auditd restart: still the multicast source", "ready: source multicast" in err)
    c.true("auditd restart: losses reported", "events by serial" in err)
    live.stop(live.auditd)


def flood_accounting(live, c):
    """Two helpers call finit_module as fast as they can for 3 s while an execve rule logs a busy
    shell loop, through a 1 MiB queue. Every call is an event exactly once, or counted: the
    queue's dropped module calls, or (only when the kernel lost records) lost serials."""
    mod = os.path.join(live.tmp, "flood.ko")
    with open(mod, "wb") as f:
        f.write(b"\x7fELF flood\n")
    kmwlive.sh("auditctl", "-a", "always,exit", "-F", "arch=b64", "-S", "execve", "-k",
               "kmw-flood-noise")
    d = live.daemon("--queue-size", "1")
    noise = live.spawn(["sh", "-c", "end=$(( $(date +%s) + 3 )); "
                        "while [ $(date +%s) -lt $end ]; do /bin/true; done"])
    helpers = [Modcall(live) for _ in range(2)]
    threads, made = [], {}

    def run(m):
        made[m.pid] = int(m.call("finit-loop %s 3" % mod)["calls"])

    import threading
    for m in helpers:
        threads.append(threading.Thread(target=run, args=(m,)))
        threads[-1].start()
    for t in threads:
        t.join(60)
    noise.wait(30)
    total = sum(made.values())
    # drained when nothing new comes for a second
    last = -1
    while True:
        n = len(d.events())
        if n == last:
            break
        last = n
        time.sleep(1)
    for m in helpers:
        m.close()
    d.stop()
    evs = [e for e in d.events() if e["process"]["pid"] in made]
    serials = [e["audit"]["serial"] for e in evs]
    err = d.stderr()
    m = re.search(r"(\d+) events lost by serial, \d+ ENOBUFS overruns \(\d+ records dropped\), "
                  r"\d+ events recovered from auditd's log, (\d+) records "
                  r"\((\d+) module calls\) lost to queue overflow", err)
    c.true("flood: the stopping line says what was lost", m is not None)
    by_serial, dropped = (int(m.group(1)), int(m.group(3))) if m else (0, 0)
    kmwlive.log("flood: %d calls, %d events, %d module calls dropped by the queue, %d events "
                "lost by serial" % (total, len(evs), dropped, by_serial))
    c.true("flood: calls were made", total > 1000)
    c.eq("flood: no event twice", len(set(serials)), len(serials))
    if by_serial == 0:
        c.eq("flood: every call out once, or counted as dropped", len(evs) + dropped, total)
    else:
        c.true("flood: the missing are within what was counted",
               total - dropped <= len(evs) + by_serial and len(evs) + dropped <= total)


def main(live, c):
    if live.foreign_auditd:
        kmwlive.skip("another audit daemon runs; these tests start their own auditd")
    kill_and_backfill(live, c)
    auditd_restart(live, c)
    flood_accounting(live, c)


kmwlive.run(main, "faults")
