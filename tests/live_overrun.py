# SPDX-License-Identifier: GPL-2.0-or-later
"""live_overrun.py - beside a real auditd, kmodwatchd is stopped (SIGSTOP) while a loader
floods finit_module: its multicast socket overruns and records are lost. The loss is counted
by serial even when nothing else follows (the marker record), and the store is made whole
from auditd's log: live, and at the next start when the daemon exits first."""
import glob
import os
import re
import signal
import sqlite3
import subprocess
import time

import kmwlive
from kmwlive import Modcall, wait_for


def stored(db, pid):
    try:
        con = sqlite3.connect(db, timeout=10)
        try:
            return con.execute("SELECT count(*) FROM events WHERE pid = ?", (pid,)).fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error:
        return -1


def flood_while_stopped(live, d, seconds):
    """SIGSTOP the daemon, loop finit_module, SIGCONT: the calls made."""
    m = Modcall(live)
    d.p.send_signal(signal.SIGSTOP)
    try:
        calls = int(m.call("finit-loop /dev/null %d" % seconds)["calls"])
    finally:
        d.p.send_signal(signal.SIGCONT)
    m.close()
    return m.pid, calls


def logged(live, pid):
    """finit_module calls of @pid in auditd's logs, the rotated one too (a flood of 100,000
    calls passes max_log_file): what a backfill can recover."""
    n = 0
    for path in glob.glob(live.auditd_log + "*"):
        with open(path, "rb") as f:
            for line in f:
                if line.startswith(b"type=SYSCALL") and b" syscall=313 " in line and \
                        (b" pid=%d " % pid) in line:
                    n += 1
    return n


def lost_by_serial(text):
    m = re.findall(r"(\d+) events lost by serial", text)
    return int(m[-1]) if m else None


def main(live, c):
    if live.foreign_auditd:
        kmwlive.skip("another audit daemon runs: this test needs a private auditd's log")
    live.start_auditd()
    logdir = os.path.dirname(live.auditd_log)
    db = os.path.join(live.tmp, "overrun.db")

    # 1. live: counted, then recovered while running
    d = live.daemon("--source", "multicast", "--store", db, "--backfill-dir", logdir,
                    ready_timeout=120)
    pid, calls = flood_while_stopped(live, d, 3)
    kmwlive.log("flood: %d calls in 3 s with the daemon stopped" % calls)
    c.true("live: the flood made calls", calls > 1000)
    c.true("live: auditd logged them all",
           wait_for(lambda: logged(live, pid) == calls, timeout=90))
    whole = wait_for(lambda: stored(db, pid) == calls, timeout=40)
    c.true("live: the store is made whole from auditd's log (%d of %d)" %
           (stored(db, pid), calls), whole)
    c.eq("live: exit 0", d.stop(), 0)
    err = d.stderr()
    c.true("live: records were lost (an overrun)", "ENOBUFS" in err and
           not re.search(r" 0 ENOBUFS overruns", err))
    lost = lost_by_serial(err) or 0
    c.true("live: losses counted by serial", lost > 0)
    m = re.search(r"(\d+) events recovered from auditd's log", err)
    rec = int(m.group(1)) if m else 0
    # the serials count events of which no record came; an event that lost some records is
    # no module event to the capture either, and comes back from auditd's log all the same
    c.true("live: events recovered (%d; %d lost by serial)" % (rec, lost), rec > 0)
    c.true("live: a backfill after the loss", "after records were lost" in err)
    con = sqlite3.connect(db)
    c.eq("live: no gap left open", con.execute("SELECT count(*) FROM gaps").fetchone()[0], 0)
    con.close()

    # 2. the daemon exits before it recovers: the gap waits in the store for the next start
    d = live.daemon("--source", "multicast", "--store", db, "--backfill-dir", logdir,
                    ready_timeout=120)
    pid, calls = flood_while_stopped(live, d, 3)
    c.eq("exit first: exit 0", d.stop(), 0)
    n_before = stored(db, pid)
    con = sqlite3.connect(db)
    gaps = con.execute("SELECT count(*) FROM gaps").fetchone()[0]
    con.close()
    c.true("exit first: some events missing (%d of %d)" % (n_before, calls), n_before < calls)
    c.true("exit first: the gap is kept in the store", gaps > 0)
    st = subprocess.run([os.path.join(kmwlive.BUILD, "src", "kmodwatch"), "status",
                         "--store=" + db], capture_output=True, text=True)
    c.true("exit first: kmodwatch status shows the gap",
           "capture gap(s) not yet backfilled" in st.stdout)
    wait_for(lambda: logged(live, pid) == calls, timeout=30)
    # the newest stored event is after the gap: only the kept gap leads the backfill there
    d = live.daemon("--source", "multicast", "--store", db, "--backfill-dir", logdir,
                    ready_timeout=120)
    c.eq("restart: the store is whole", stored(db, pid), calls)
    c.true("restart: backfilled from the gap", "at start" in d.stderr())
    c.eq("restart: exit 0", d.stop(), 0)
    con = sqlite3.connect(db)
    c.eq("restart: no gap left open", con.execute("SELECT count(*) FROM gaps").fetchone()[0], 0)
    con.close()


kmwlive.run(main, "overrun")
