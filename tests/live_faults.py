# SPDX-License-Identifier: GPL-2.0-or-later
"""live_faults.py - faults production brings: kmodwatchd killed with SIGKILL during a flood and
started again (the store recovers the gap from auditd's log: every module call once); auditd
restarted while kmodwatchd listens on multicast (it keeps working, and reports any gap)."""
import os
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
    b = flood(live, 1000, "b")
    a.wait(60)
    b.wait(60)
    time.sleep(1.5)  # auditd writes its log in the background
    d2 = live.daemon("--store", db, "--backfill-dir", logdir)
    c.true("restart: the backfill recovered the gap", " recovered" in d2.stderr() and
           " 0 recovered" not in d2.stderr())
    time.sleep(0.5)
    d2.stop()
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


def main(live, c):
    if live.foreign_auditd:
        kmwlive.skip("another audit daemon runs; these tests start their own auditd")
    kill_and_backfill(live, c)
    auditd_restart(live, c)


kmwlive.run(main, "faults")
