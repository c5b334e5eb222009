# SPDX-License-Identifier: GPL-2.0-or-later
"""query_store.py - the event store and `kmodwatch query`: import and replay dedup against the
answer key, every filter against the key (store and raw logs must agree), output formats
(golden), exit codes and bad values, time expressions, and migration from schema version 1."""
import csv
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

BUILD = os.environ.get("KMW_BUILDDIR", os.getcwd())
SRC = os.environ.get("KMW_SRCDIR", os.getcwd())
CLI = os.path.join(BUILD, "src", "kmodwatch")
from kmwlive import GEN  # noqa: E402
ENV = dict(os.environ, TZ="UTC", NO_COLOR="1")

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kmwlive import check, summary  # noqa: E402


def cli(*args, stdin=None):
    return subprocess.run([CLI] + list(args), capture_output=True, env=ENV, input=stdin)


def serials(stdout):
    return sorted(json.loads(l)["audit"]["serial"] for l in stdout.split(b"\n") if l)


def main():
    if not os.path.exists(GEN):
        print("SKIP: the log generator is not at %s (KMW_GEN_AUDIT_LOG)" % GEN)
        return 77
    tmp = tempfile.mkdtemp(prefix="kmw-query-")
    try:
        return run(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run(tmp):
    now = int(time.time())
    start = now - 3 * 86400  # three days of events up to about now
    log = os.path.join(tmp, "a.log")
    truth_path = os.path.join(tmp, "a.truth")
    with open(log, "wb") as f:
        subprocess.run([sys.executable, GEN, "--events", "30000", "--seed", "11", "--start",
                        str(start), "--module-share", "0.02", "--truth", truth_path],
                       stdout=f, check=True)
    truth = [json.loads(l) for l in open(truth_path)]
    db = os.path.join(tmp, "s.db")

    r = cli("import", "--store", db, log)
    check("import: exit", r.returncode, 0)
    check("import: all new", r.stdout.decode().split(" module")[0], str(len(truth)))
    r = cli("import", "--store", db, log)
    check("replay: nothing new", b" 0 new to " in r.stdout, True)
    r = cli("query", "--store", db, "--count")
    check("store holds each event once", r.stdout.strip(), str(len(truth)).encode())
    check("store file mode 0640", oct(os.stat(db).st_mode & 0o777), "0o640")

    t = lambda e: float(e["time"])  # noqa: E731
    mid = start + 86400
    cases = [
        (["--module", "loop"], lambda e: e.get("module") == "loop"),
        (["--syscall", "delete_module"], lambda e: e["syscall"] == "delete_module"),
        (["--result", "success"], lambda e: e["success"]),
        (["--result", "failure"], lambda e: not e["success"]),
        (["--errno", "EPERM"], lambda e: e["errno"] == "EPERM"),
        (["--uid", "1000"], lambda e: e["uid"] == 1000),
        (["--auid", "unset"], lambda e: e["auid"] == 4294967295),
        (["--exe", "/usr/bin/kmod"], lambda e: e["exe"] == "/usr/bin/kmod"),
        (["--key", "module-unload"], lambda e: e["key"] == "module-unload"),
        (["--flag", "MODULE_INIT_COMPRESSED_FILE"],
         lambda e: e["syscall"] == "finit_module" and e["flags"] & 4),
        (["--flag", "O_NONBLOCK"], lambda e: e["syscall"] == "delete_module" and e["flags"] & 0o4000),
        (["--since", str(mid)], lambda e: t(e) >= mid),
        (["--until", str(mid)], lambda e: t(e) < mid),
        (["--since", time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(mid)), "--until",
          time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(mid + 3600))],
         lambda e: mid <= t(e) < mid + 3600),
        (["--since", "2 days ago", "--until", "1 day ago"],
         lambda e: now - 2 * 86400 <= t(e) < now - 86400 + 2),
        (["--module", "veth", "--result", "failure", "--uid", "0"],
         lambda e: e.get("module") == "veth" and not e["success"] and e["uid"] == 0),
        (["--user", "alice"], lambda e: e["uid"] == 1000),
        (["--path", "*"], lambda e: False),  # historical events carry no path
        (["--sha256", "ab"], lambda e: False),  # nor a hash
        (["--risk", "medium"], None),
    ]
    for args, pred in cases:
        what = " ".join(args)
        rs = cli("query", "--store", db, "--format", "json", *args)
        rl = cli("query", "--audit-log", log, "--format", "json", *args)
        got_s, got_l = serials(rs.stdout), serials(rl.stdout)
        check(what + ": store and raw logs agree", got_s, got_l)
        if pred is not None:
            want = sorted(e["serial"] for e in truth if pred(e))
            # the relative-time case tolerates events right at the edges
            if "ago" in what:
                check(what + ": about the answer key", abs(len(got_s) - len(want)) <= 2, True)
            else:
                check(what + ": as the answer key", got_s, want)
        check(what + ": exit status", rs.returncode, 0 if got_s else 1)
        rc = cli("query", "--store", db, "--count", *args)
        check(what + ": --count", rc.stdout.strip(), str(len(got_s)).encode())
    # risk: what the records support, and the levels are ordered
    high = serials(cli("query", "--store", db, "--format", "json", "--risk", "high").stdout)
    med = serials(cli("query", "--store", db, "--format", "json", "--risk", "medium").stdout)
    check("--risk high within --risk medium", set(high) <= set(med), True)

    # output formats, golden (TZ=UTC, not a terminal), on a log at a fixed time
    glog, gdb = os.path.join(tmp, "g.log"), os.path.join(tmp, "g.db")
    with open(glog, "wb") as f:
        subprocess.run([sys.executable, GEN, "--events", "20000", "--seed", "5", "--start",
                        "1790000000"], stdout=f, check=True)
    cli("import", "--store", gdb, glog)
    args = ["query", "--store", gdb, "--module", "zfs", "--result", "failure"]
    for fmt in ("text", "csv"):
        out = cli(*args, "--format", fmt).stdout.decode()
        out = out.replace(log, "LOG")
        golden = os.path.join(SRC, "tests", "expected", "query-zfs-failures.%s" % fmt)
        if os.environ.get("KMW_UPDATE_GOLDEN"):
            open(golden, "w").write(out)
        check("golden %s output" % fmt, out, open(golden).read() if os.path.exists(golden) else None)
    rows = list(csv.DictReader(io.StringIO(cli(*args, "--format", "csv").stdout.decode())))
    check("csv parses, one row per event", len(rows),
          int(cli(*args, "--count").stdout.strip() or 0))

    # exit codes and clear errors
    r = cli("query", "--store", db, "--module", "no_such_module")
    check("no match: exit 1", r.returncode, 1)
    for bad, word in ((["--since", "last tuesday"], b"last tuesday"), (["--result", "maybe"], b"maybe"),
                      (["--sha256", "xyz"], b"xyz"), (["--flag", "O_TRACE"], b"O_TRACE"),
                      (["--risk", "severe"], b"severe"), (["--uid", "-5"], b"-5"),
                      (["--syscall", "open"], b"open"), (["--format", "xml"], b"xml")):
        r = cli("query", "--store", db, *bad)
        check("bad %s: exit 2" % bad[0], r.returncode, 2)
        check("bad %s: names the value" % bad[0], word in r.stderr, True)
    r = cli("query", "--store", os.path.join(tmp, "none.db"))
    check("missing store: exit 2", r.returncode, 2)

    # migration from schema version 1
    old = os.path.join(tmp, "v1.db")
    con = sqlite3.connect(old)
    con.executescript("""
        CREATE TABLE events (id INTEGER PRIMARY KEY, boot_id TEXT NOT NULL,
          serial INTEGER NOT NULL, time_ms INTEGER NOT NULL, syscall TEXT NOT NULL,
          success INTEGER NOT NULL, errno TEXT, module TEXT, exe TEXT, uid INTEGER,
          auid INTEGER, json TEXT NOT NULL, UNIQUE (boot_id, serial, time_ms));
        CREATE INDEX events_time ON events (time_ms);
        PRAGMA user_version = 1;""")
    src = sqlite3.connect(db)
    n = 0
    for row in src.execute("SELECT boot_id, serial, time_ms, syscall, success, errno, module, exe,"
                           " uid, auid, json FROM events ORDER BY id LIMIT 500"):
        con.execute("INSERT INTO events (boot_id, serial, time_ms, syscall, success, errno, module,"
                    " exe, uid, auid, json) VALUES (?,?,?,?,?,?,?,?,?,?,?)", row)
        n += 1
    con.commit()
    con.close()
    want = serials(cli("query", "--store", db, "--format", "json", "--flag", "O_NONBLOCK").stdout)
    r = cli("query", "--store", old, "--format", "json", "--flag", "O_NONBLOCK")
    got = serials(r.stdout)
    check("migrated: a version-2 filter works on old rows", set(got) <= set(want) and len(got) > 0, True)
    con = sqlite3.connect(old)
    check("migrated: schema version 6", con.execute("PRAGMA user_version").fetchone()[0], 6)
    check("migrated: each flag in event_flags", con.execute(
        "SELECT count(*) FROM event_flags WHERE flag = 'O_NONBLOCK'").fetchone()[0], len(got))
    check("migrated: rows kept", con.execute("SELECT count(*) FROM events").fetchone()[0], n)
    con.close()
    return summary()


sys.exit(main())
