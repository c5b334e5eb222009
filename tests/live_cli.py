# SPDX-License-Identifier: GPL-2.0-or-later
"""live_cli.py - kmodwatch rules install/list/remove and status against the real kernel,
and query over a recorded log."""
import json
import os
import re
import subprocess

import kmwlive
from kmwlive import audit_rules

CLI = os.path.join(kmwlive.BUILD, "src", "kmodwatch")


def cli(*args):
    return subprocess.run([CLI] + list(args), capture_output=True, text=True)


def main(live, c):
    if live.foreign_auditd:
        kmwlive.skip("another audit daemon runs; the status test needs the audit pid free")
    r = cli("rules", "install")
    c.eq("rules install: exit", r.returncode, 0)
    c.eq("rules install: both arches", len([x for x in audit_rules() if "key=kmodwatch" in x]), 2)
    r = cli("rules", "install")
    c.true("rules install again: adds nothing", "0 rule(s) added" in r.stdout)
    r = cli("rules", "list")
    c.true("rules list: x86_64 line", "x86_64 init_module,delete_module,finit_module  key=kmodwatch"
           in r.stdout)
    c.true("rules list: i386 line", "i386   init_module,delete_module,finit_module  key=kmodwatch"
           in r.stdout)
    # rules removed stay removed: status is to see it
    d = live.daemon("--reinstall-rules=no")
    c.true("daemon reuses the installed rules", "2 arch(es) already covered" in d.stderr())
    r = cli("status")
    c.eq("status: healthy is exit 0", r.returncode, 0)
    c.true("status: says healthy", r.stdout.startswith("kmodwatch: healthy"))
    c.true("status: daemon running", "kmodwatchd: running, pid %d" % d.p.pid in r.stdout)
    c.true("status: its source", "source unicast" in r.stdout)
    c.true("status: audit enabled", re.search(r"^audit: +enabled", r.stdout, re.M))
    c.true("status: no epoch times", not re.search(r"=1[0-9]{9}\b", r.stdout))
    j = json.loads(cli("status", "--format", "json").stdout)
    c.eq("status json: health", j["health"], "healthy")
    c.eq("status json: the daemon", [(x["kind"], x["pid"]) for x in j["consumers"]],
         [("daemon", d.p.pid)])
    c.eq("status json: both arches covered", (j["rules"]["arches_covered"], j["rules"]["arches"]),
         (2, 2))
    # someone deletes the rules: capture is degraded, and status says why
    subprocess.run(["auditctl", "-D", "-k", "kmodwatch"], capture_output=True)
    r = cli("status")
    c.eq("status: degraded without rules is exit 1", r.returncode, 1)
    c.true("status: names the missing rules", "DEGRADED" in r.stdout and "arch" in r.stdout)
    cli("rules", "install")
    d.stop()
    c.eq("installed rules outlive the daemon",
         len([x for x in audit_rules() if "key=kmodwatch" in x]), 2)
    r = cli("rules", "remove")
    c.true("rules remove: 2 removed", "2 rule(s) with key kmodwatch removed" in r.stdout)
    c.eq("rules remove: none left", [x for x in audit_rules() if "key=kmodwatch" in x], [])
    r = cli("status")
    c.true("status: daemon not running", "kmodwatchd: not running" in r.stdout)
    c.eq("status: not running is exit 3", r.returncode, 3)

    log = os.path.join(kmwlive.SRC, "tests", "data", "real-6.1-netlink.log")
    r = cli("query", "--format", "json", "--audit-log", log)
    c.eq("query: exit 0 on matches", r.returncode, 0)
    c.eq("query: 14 events", len(r.stdout.splitlines()), 14)
    r = cli("query", "--audit-log", "/dev/null")
    c.eq("query: exit 1 without matches", r.returncode, 1)
    r = cli("query", "--audit-log", "/nonexistent")
    c.eq("query: exit 2 on a missing file", r.returncode, 2)
    c.true("query: names the file", "/nonexistent" in r.stderr)

    # the daemon's configuration file gives the CLI its store, key and risk levels
    conf = os.path.join(live.tmp, "kmodwatchd.conf")
    with open(conf, "w") as f:
        f.write("store = %s\nkey = clikey\nrisk = unsigned=high\n" % os.path.join(live.tmp, "no.db"))
    r = cli("--config=" + conf, "query")
    c.true("config: query uses its store", "no store at %s" % os.path.join(live.tmp, "no.db")
           in r.stderr)
    r = cli("--config=" + conf, "rules", "install")
    c.eq("config: rules install uses its key",
         len([x for x in audit_rules() if "key=clikey" in x]), 2)
    r = cli("--config=" + conf, "rules", "remove")
    c.eq("config: rules remove uses its key", [x for x in audit_rules() if "key=clikey" in x], [])
    with open(conf, "a") as f:
        f.write("bogus = 1\n")
    r = cli("--config=" + conf, "status")
    c.eq("config: a bad file is exit 6", r.returncode, 6)
    c.true("config: the line is named", "%s:4: unknown key 'bogus'" % conf in r.stderr)


kmwlive.run(main, "cli")
