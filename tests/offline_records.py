# SPDX-License-Identifier: GPL-2.0-or-later
"""offline_records.py - records as real auditd setups write them, each a defect an outside
review found: node= prefixes, records before their SYSCALL, timestamp 0, duplicate fields,
a cut .gz, a binary file as a log, an over-long last line, many events in one millisecond
without PROCTITLE, and the path of a historical finit_module."""
import gzip
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kmwlive import check, summary  # noqa: E402
from offline_common import CLI, GEN, compare, generate, query  # noqa: E402

EVENT = (b'type=SYSCALL msg=audit(%s:%d): arch=c000003e syscall=313 success=yes exit=0 a0=3 '
         b'a1=7ffd a2=0 a3=0 items=0 ppid=1 pid=3335 auid=0 uid=0 gid=0 euid=0 suid=0 fsuid=0 '
         b'egid=0 sgid=0 fsgid=0 tty=(none) ses=1 comm="modprobe" exe="/usr/bin/kmod" '
         b'key="kmodwatch"\n'
         b'type=KERN_MODULE msg=audit(%s:%d): name="dummy_mod"\n'
         b'type=PROCTITLE msg=audit(%s:%d): proctitle=6D6F6470726F6265\n')


def event(stamp=b"1790000000.100", serial=100):
    return EVENT % (stamp, serial, stamp, serial, stamp, serial)


def write(tmp, name, data):
    path = os.path.join(tmp, name)
    open(path, "wb").write(data)
    return path


def without(ev, *keys):
    ev = json.loads(json.dumps(ev))
    for k in keys:
        part, field = k.split(".")
        ev[part].pop(field, None)
    return ev


def node_prefix(tmp):
    """auditd with name_format writes node=NAME before every record: the same events."""
    log, truth = generate(tmp, "plain", "--events", "20000", "--seed", "11",
                          "--interleave", "0.5")
    lines = open(log, "rb").read().splitlines(True)
    nlog = write(tmp, "node.log", b"".join(b"node=h1 " + l for l in lines))
    _, plain = query(log)
    r, named = query(nlog)
    check("node=: exit", r.returncode, 0)
    check("node=: every event names the node", all(e["audit"]["node"] == "h1" for e in named),
          True)
    check("node=: events equal apart from audit.node",
          [without(e, "audit.node") for e in named], [without(e, "audit.node") for e in plain])
    compare("node=", named, truth)
    r, evs = query(write(tmp, "node3.log", b"".join(b"node=h1 " + l
                                                    for l in event().splitlines(True))))
    check("node=: 3-line event keeps name and cmdline",
          [(e["module"]["name"], e["process"]["cmdline"]) for e in evs],
          [("dummy_mod", ["modprobe"])])


def early_records(tmp):
    """PROCTITLE and KERN_MODULE before their SYSCALL (LAUREL's record-syscall-nullkey)."""
    log, truth = generate(tmp, "early", "--events", "5000", "--seed", "12")
    lines = open(log, "rb").read().splitlines(True)
    ident = re.compile(rb"msg=audit\(([0-9.]+:[0-9]+)\)")
    out, moved = [], 0
    at = {}
    for l in lines:
        m = ident.search(l)
        key = m.group(1) if m else None
        if l.startswith(b"type=SYSCALL"):
            at[key] = len(out)
        if key in at and (l.startswith(b"type=PROCTITLE") or l.startswith(b"type=KERN_MODULE")):
            out.insert(at[key], l)
            at[key] += 1
            moved += 1
            continue
        out.append(l)
    r, evs = query(write(tmp, "early-moved.log", b"".join(out)))
    check("early records: some moved", moved > 100, True)
    compare("early records", evs, truth)


def time_zero(tmp):
    r, evs = query(write(tmp, "zero.log", event(b"0.940") + event(b"7.500", 101)))
    check("timestamp 0: both events",
          [(e["audit"]["timestamp"], e["module"]["name"]) for e in evs],
          [("1970-01-01T00:00:00.940Z", "dummy_mod"), ("1970-01-01T00:00:07.500Z", "dummy_mod")])


def duplicates(tmp):
    """The first value wins, as in ausearch and auparse, and the event says so."""
    ev = event().replace(b"success=yes exit=0", b"success=no pid=9 success=yes exit=0")
    ev = ev.replace(b"arch=c000003e", b"arch=c000003e arch=40000003", 1)
    r, evs = query(write(tmp, "dup.log", ev))
    check("duplicates: one event", len(evs), 1)
    if evs:
        e = evs[0]
        check("duplicates: first values", (e["syscall"]["success"], e["process"]["pid"],
                                           e["syscall"]["arch"]), (False, 9, "x86_64"))
        notes = " ".join(e["audit"].get("parse_notes") or [])
        check("duplicates: noted", all(f in notes for f in ("pid=", "success=", "arch=")), True)


def cut_gzip(tmp):
    """A cut .gz is an error naming it; nothing from the cut is emitted; the whole file later
    adds what the cut one left out."""
    log, truth = generate(tmp, "cut", "--events", "20000", "--seed", "13",
                          "--module-share", "0.2")
    data = open(log, "rb").read()
    gz = gzip.compress(data)
    full, cut = os.path.join(tmp, "full", "audit.log.1.gz"), os.path.join(tmp, "audit.log.1.gz")
    os.makedirs(os.path.dirname(full))
    open(full, "wb").write(gz)
    open(cut, "wb").write(gz[:len(gz) * 7 // 10])
    r, evs = query(cut)
    err = r.stderr.decode("utf-8", "replace")
    check("cut gz: exit 2", r.returncode, 2)
    check("cut gz: says so, naming the file", cut + " is cut" in err, True)
    check("cut gz: fewer events", 0 < len(evs) < len(truth), True)
    compare("cut gz: each event emitted is whole", evs, truth[:len(evs)])
    db = os.path.join(tmp, "cut.db")
    r1 = subprocess.run([CLI, "import", "--store", db, cut], capture_output=True)
    r2 = subprocess.run([CLI, "import", "--store", db, full], capture_output=True)
    check("cut gz: import exit 2, then 0", (r1.returncode, r2.returncode), (2, 0))
    n = sqlite3.connect(db).execute("SELECT count(*) FROM events").fetchone()[0]
    check("cut gz: the whole file completes the store", n, len(truth))


def bad_input(tmp):
    r, evs = query("/bin/ls")
    err = r.stderr.decode("utf-8", "replace").splitlines()
    # not one audit record in it: an error, said as such (an empty log is no match, exit 1)
    check("binary log: no events, exit 2", (len(evs), r.returncode), (0, 2))
    check("binary log: said", any("no audit record in the input" in l for l in err), True)
    check("binary log: stderr capped", len(err) <= 23, True)
    check("binary log: a summary line", any("more bad lines follow" in l for l in err), True)
    long_last = write(tmp, "long.log", event().splitlines(True)[0] + b"A" * 100000)
    r, _ = query(long_last)
    err = r.stderr.decode()
    check("over-long last line: its own number", long_last + ":2: line too long" in err, True)


def one_millisecond(tmp):
    """20,000 events in one millisecond, none with PROCTITLE: each found, each whole (the
    time it takes is in bench/)."""
    n = 20000
    out = []
    for i in range(n):
        ev = event(b"1790000000.100", 1000 + i).splitlines(True)
        out += [ev[0].replace(b"pid=3335", b"pid=%d" % (5000 + i)),
                ev[1].replace(b"dummy_mod", b"m%d" % i),
                b"type=EOE msg=audit(1790000000.100:%d): \n" % (1000 + i)]
    r = subprocess.run([CLI, "query", "--format", "json", "--audit-log",
                        write(tmp, "ms.log", b"".join(out))], capture_output=True, timeout=600)
    evs = [json.loads(l) for l in r.stdout.splitlines()]
    check("one millisecond: every event", len(evs), n)
    check("one millisecond: each with its own name and pid",
          all(e["module"]["name"] == "m%d" % (e["process"]["pid"] - 5000) for e in evs), True)


def historical_path(tmp):
    r, evs = query(write(tmp, "hist.log", event()))
    check("historical finit: path_error", [e["module"]["path_error"] for e in evs],
          ["not_in_records"])


def main():
    if not os.path.exists(GEN):
        print("SKIP: the log generator is not at %s (KMW_GEN_AUDIT_LOG)" % GEN)
        return 77
    tmp = tempfile.mkdtemp(prefix="kmw-records-")
    try:
        node_prefix(tmp)
        early_records(tmp)
        time_zero(tmp)
        duplicates(tmp)
        cut_gzip(tmp)
        bad_input(tmp)
        one_millisecond(tmp)
        historical_path(tmp)
    finally:
        subprocess.run(["rm", "-rf", tmp])
    return summary()


sys.exit(main())
