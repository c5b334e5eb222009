# SPDX-License-Identifier: GPL-2.0-or-later
"""live_store.py - the daemon and its store: no duplicate across a replay, a restart and a
backfill (counts against the answer key); a store on a read-only or full filesystem gives a
clear error while the events still reach the output, and what was not stored is counted."""
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time

import kmwlive
from kmwlive import Modcall, sh

GEN = kmwlive.GEN


def count(db):
    con = sqlite3.connect(db)
    try:
        return con.execute("SELECT count(*) FROM events").fetchone()[0]
    finally:
        con.close()


def plugin(live, db, data, out):
    # from a file: a pipe written faster than the plugin parses would overflow its queue
    feed = os.path.join(live.tmp, "feed.log")
    open(feed, "wb").write(data)
    with open(feed, "rb") as f:
        return subprocess.run([kmwlive.DAEMON, "--plugin", "--foreground", "--output", out,
                               "--store", db, "--backfill-dir", "none"],
                              stdin=f, capture_output=True, timeout=60)


def generate(live, name, *args):
    log = os.path.join(live.tmp, name + ".log")
    truth = os.path.join(live.tmp, name + ".truth")
    with open(log, "wb") as f:
        subprocess.run([sys.executable, GEN, "--truth", truth] + list(args), stdout=f, check=True)
    return log, [json.loads(l) for l in open(truth)]


def dedup(live, c):
    log, truth = generate(live, "d", "--events", "8000", "--seed", "21")
    lines = open(log, "rb").read().split(b"\n")
    db = os.path.join(live.tmp, "dedup.db")
    out = os.path.join(live.tmp, "dedup.json")
    # a first run that stops half-way, then a restart that is fed everything again
    plugin(live, db, b"\n".join(lines[:len(lines) // 2]) + b"\n", out)
    first = count(db)
    c.true("first half stored", 0 < first < len(truth))
    plugin(live, db, b"\n".join(lines) + b"\n", out)
    c.eq("restart with a replay: each event once", count(db), len(truth))
    # backfill from a rotated auditd log directory: everything is there already
    logdir = os.path.join(live.tmp, "audit")
    os.mkdir(logdir)
    half = len(lines) // 2
    open(os.path.join(logdir, "audit.log.1"), "wb").write(b"\n".join(lines[:half]) + b"\n")
    open(os.path.join(logdir, "audit.log"), "wb").write(b"\n".join(lines[half:]) + b"\n")
    d = live.daemon("--store", db, "--backfill-dir", logdir)
    c.true("backfill: nothing new", " 0 recovered" in d.stderr())
    d.stop()
    c.eq("backfill: still each event once", count(db), len(truth))
    # a fresh store recovers all of it, marked historical
    db2 = os.path.join(live.tmp, "fresh.db")
    d = live.daemon("--store", db2, "--backfill-dir", logdir)
    c.true("backfill into a new store: every event recovered",
           " %d recovered" % len(truth) in d.stderr())
    d.stop()
    con = sqlite3.connect(db2)
    c.eq("recovered events are historical",
         con.execute("SELECT count(*) FROM events WHERE historical = 1").fetchone()[0], len(truth))
    con.close()
    c.eq("recovered events also reached the output", len(d.events()), len(truth))
    d = live.daemon("--store", db2, "--backfill-dir", logdir)
    c.true("second start: nothing recovered", " 0 recovered" in d.stderr())
    d.stop()


def mount_tmpfs(live, path, opts):
    os.makedirs(path, exist_ok=True)
    sh("mount", "-t", "tmpfs", "-o", opts, "kmw-test", path)
    live.mounts.append(path)


def broken_store(live, c):
    ro = os.path.join(live.tmp, "ro")
    mount_tmpfs(live, ro, "size=1m,mode=0755")
    sh("mount", "-o", "remount,ro", ro)
    d = live.daemon("--store", os.path.join(ro, "events.db"))
    c.true("read-only: a clear error", "event store unavailable" in d.stderr() and
           "Read-only file system" in d.stderr())
    m = Modcall(live)
    m.call("delete kmw_ro_test 0")
    evs = d.wait_events(lambda e: e["process"]["pid"] == m.pid, 1)
    c.eq("read-only: the event still reaches the output", len(evs), 1)
    state = open("/run/kmodwatch/kmodwatchd.state").read() if os.path.exists(
        "/run/kmodwatch/kmodwatchd.state") else ""
    m.close()
    d.stop()
    c.true("read-only: counted as not stored", "1 not stored" in d.stderr())

    full = os.path.join(live.tmp, "full")
    mount_tmpfs(live, full, "size=2m,mode=0755")
    db = os.path.join(full, "events.db")
    d = live.daemon("--store", db)
    m = Modcall(live)
    m.call("delete kmw_before_full 0")
    d.wait_events(lambda e: e["process"]["pid"] == m.pid, 1)
    # committed by now: a failure takes the open transaction with it (doc/store.md), counted
    time.sleep(0.3)
    # fill the filesystem, then make calls: more than the write-ahead log's room left from
    # before (events go in a few at a time, doc/store.md)
    filler = os.path.join(full, "filler")
    subprocess.run(["dd", "if=/dev/zero", "of=" + filler, "bs=64k"], capture_output=True)
    for i in range(300):
        m.call("delete kmw_while_full_%d 0" % i)
    evs = d.wait_events(lambda e: e["process"]["pid"] == m.pid, 301)
    c.eq("full: every event still reaches the output", len(evs), 301)
    os.unlink(filler)
    time.sleep(0.2)
    m.call("delete kmw_after_full 0")
    evs = d.wait_events(lambda e: e["process"]["pid"] == m.pid, 302)
    m.close()
    d.stop()
    err = d.stderr()
    c.true("full: a clear error", "cannot store " in err and "full" in err.lower())
    stored = count(db)
    c.true("full: some not stored, and counted", "not stored" in err and
           "(%d stored" % stored in err)
    con = sqlite3.connect(db)
    stored_serials = [r[0] for r in con.execute("SELECT serial FROM events ORDER BY id")]
    con.close()
    evs.sort(key=lambda e: e["audit"]["serial"])
    c.true("full: the first one is there", evs[0]["audit"]["serial"] in stored_serials)
    c.true("full: the store takes events again once there is room",
           evs[-1]["audit"]["serial"] in stored_serials)


def main(live, c):
    live.mounts = []
    if live.foreign_auditd:
        kmwlive.skip("another audit daemon runs; these tests need the audit pid free")
    if not os.path.exists(GEN):
        kmwlive.skip("the log generator is not at %s (KMW_GEN_AUDIT_LOG)" % GEN)
    try:
        dedup(live, c)
        broken_store(live, c)
    finally:
        for p in reversed(live.mounts):
            subprocess.run(["umount", "-l", p])


kmwlive.run(main, "store")
