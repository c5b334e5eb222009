# SPDX-License-Identifier: GPL-2.0-or-later
"""live_journald.py - the journald output: structured KMODWATCH_* fields, the JSON, the
priority from risk.level, read back with journalctl. Uses the running journald, or starts
systemd-journald for the test and removes what it made."""
import json
import os
import re
import shutil
import subprocess
import time

import kmwlive
from kmwlive import Modcall, wait_for

JOURNALD = "/lib/systemd/systemd-journald"


def journal(pid):
    r = subprocess.run(["journalctl", "-o", "json", "--no-pager", "-q",
                        "SYSLOG_IDENTIFIER=kmodwatch"], capture_output=True, text=True)
    out = []
    for l in r.stdout.splitlines():
        e = json.loads(l)
        if "KMODWATCH_JSON" in e and json.loads(e["KMODWATCH_JSON"])["process"]["pid"] == pid:
            out.append(e)
    return out


def no_journald(live, c):
    """A host without journald: sd_journal_send() drops the message without a word there, so
    the daemon looks for the socket itself. KMW_JOURNAL_SOCKET points it at a path that is
    not there: said at start, the event not counted as delivered but as undelivered."""
    os.environ["KMW_JOURNAL_SOCKET"] = os.path.join(live.tmp, "no-journal.socket")
    try:
        d = live.daemon("--journald")
    finally:
        del os.environ["KMW_JOURNAL_SOCKET"]
    c.true("no journald: said at start",
           "journald: cannot deliver now (no journald: " in d.stderr())
    c.true("the ready line lists every output", re.search(r"ready: .*, journald", d.stderr()))
    m = Modcall(live)
    m.call("finit /dev/null 3")
    c.eq("no journald: the event in the file output",
         len(d.wait_events(lambda e: e["process"]["pid"] == m.pid, 1)), 1)
    m.close()
    d.stop()
    text = d.stderr()
    got = re.search(r"(\d+) outputs undelivered", text)
    c.true("no journald: the event counted undelivered, not delivered",
           got is not None and int(got.group(1)) >= 1)


def main(live, c):
    if live.foreign_auditd:
        kmwlive.skip("another audit daemon runs; this test needs the audit pid free")
    if not shutil.which("journalctl") or not os.path.exists(JOURNALD):
        kmwlive.skip("systemd-journald and journalctl are needed (apt-get install systemd)")
    r = subprocess.run([kmwlive.DAEMON, "--journald", "--check-config"], capture_output=True, text=True)
    if "journald" in r.stderr and "no libsystemd" in r.stderr:
        kmwlive.skip("this build has no libsystemd (install libsystemd-dev and re-run configure)")
    no_journald(live, c)
    ours = None
    made = []
    running = subprocess.run(["pgrep", "-x", "systemd-journal"], capture_output=True).returncode == 0
    if not running:
        for d in ("/run/systemd/journal", "/run/log/journal", "/run/log"):
            if not os.path.exists(d):
                made.append(d)
        ours = live.spawn([JOURNALD], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not wait_for(lambda: os.path.exists("/run/systemd/journal/socket"), 10):
            raise RuntimeError("systemd-journald did not start")
    try:
        d = live.daemon("--journald")
        m = Modcall(live)
        m.call("delete kmw_journal_test 0x800")
        m.call("finit /dev/null 3")
        c.true("both events in the journal", wait_for(lambda: len(journal(m.pid)) >= 2, 10))
        m.close()
        d.stop()
        ents = journal(m.pid)
        by = {e["KMODWATCH_SYSCALL"]: e for e in ents}
        c.eq("one entry per event", sorted(by), ["delete_module", "finit_module"])
        dm = by.get("delete_module", {})
        c.eq("KMODWATCH_RESULT", dm.get("KMODWATCH_RESULT"), "ENOSYS")
        c.eq("KMODWATCH_EXE", dm.get("KMODWATCH_EXE"), os.path.realpath(kmwlive.MODCALL))
        ev = json.loads(dm.get("KMODWATCH_JSON", "{}"))
        level = ev.get("risk", {}).get("level")
        c.eq("KMODWATCH_RISK", dm.get("KMODWATCH_RISK"), level)
        c.eq("PRIORITY from risk.level", dm.get("PRIORITY"),
             str({"info": 6, "low": 5, "medium": 4, "high": 2}.get(level)))
        c.true("MESSAGE says what happened", "delete_module" in dm.get("MESSAGE", ""))
    finally:
        if ours:
            live.stop(ours)
            for p in made:
                subprocess.run(["rm", "-rf", p])


kmwlive.run(main, "journald")
