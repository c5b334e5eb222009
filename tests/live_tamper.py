# SPDX-License-Identifier: GPL-2.0-or-later
"""live_tamper.py - blinding audit on this machine's kernel, as an attacker with root would,
while kmodwatchd runs: a never rule in front of the rules, every rule deleted, audit disabled
and enabled again at once, a rate limit, a never rule of the task list, a program that tries
to take the audit pid. Each is an alert with who did it, in every output (the file, syslog)
and the store within seconds, and what can be undone is (the rules back, first; audit on);
the next call is audited. The auditd plugin says the same from auditd's stream."""
import json
import os
import socket
import subprocess
import threading
import time

import kmwlive
import sigma_check
from kmwlive import Modcall, audit_rules, sh, wait_for

CLI = os.path.join(kmwlive.BUILD, "src", "kmodwatch")


class Syslog:
    """A syslog socket of our own (datagrams): what the daemon sends to it."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.sock.settimeout(0.2)
        self.msgs = []
        self.stop = False
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def run(self):
        while not self.stop:
            try:
                self.msgs.append(self.sock.recv(65536).decode("utf-8", "replace"))
            except socket.timeout:
                continue

    def close(self):
        self.stop = True
        self.t.join(2)
        self.sock.close()


def alerts(d):
    return [e for e in d.events() if e.get("kind") == "alert"]


def act_alert(d, act, timeout=8):
    """The alert of @act, waited for."""
    wait_for(lambda: [a for a in alerts(d) if a["alert"]["evidence"].get("act") == act], timeout)
    got = [a for a in alerts(d) if a["alert"]["evidence"].get("act") == act]
    return got[-1] if got else None


def check_alert(c, what, a, words, response, t0):
    c.true(what + ": an alert", a is not None)
    if not a:
        return
    p = a.get("process") or {}
    c.true(what + ": auditctl did it", (p.get("exe") or "").endswith("auditctl"))
    c.true(what + ": its command line %r" % p.get("cmdline"),
           all(w in (p.get("cmdline") or []) for w in words))
    c.eq(what + ": the response", a["alert"]["evidence"]["response"], response)
    c.true(what + ": within seconds", time.time() - t0 < 10)


def daemon_acts(live, c):
    sock = os.path.join(live.tmp, "syslog.sock")
    syslog = Syslog(sock)
    store = os.path.join(live.tmp, "tamper.db")
    d = live.daemon("--source", "unicast", "--syslog", "unix:" + sock, "--store", store)
    m = Modcall(live)
    try:
        # a never rule in front: put behind kmodwatch's own, first
        t0 = time.time()
        sh("auditctl", "-A", "never,exit", "-F", "arch=b64", "-S", "finit_module")
        a = act_alert(d, "never_rule")
        check_alert(c, "never rule", a, ["-A", "never,exit", "finit_module"],
                    "kmodwatch's rules put back, in front of the never rule", t0)
        # the Sigma rule shipped for it fires on the real alert, and no other of them does
        rules_fired = sorted(n for n, r in sigma_check.load_rules().items()
                             if a and sigma_check.matches(r, a))
        c.eq("never rule: the Sigma rules that fire", rules_fired,
             ["kmodwatch_audit_tampered.yml"])
        rules = audit_rules()
        c.true("never rule: ours first now", rules and "key=kmodwatch" in rules[0] and
               "arch=b64" in rules[0])
        r = subprocess.run([CLI, "status"], capture_output=True, text=True)
        c.eq("never rule out-ranked: status healthy", r.returncode, 0)
        m.call("finit /dev/null 0")
        c.eq("never rule: the next call is audited",
             len(d.wait_events(lambda e: e.get("kind") == "syscall" and
                               e["process"]["pid"] == m.pid, 1)), 1)
        sh("auditctl", "-d", "never,exit", "-F", "arch=b64", "-S", "finit_module")

        t0 = time.time()
        sh("auditctl", "-D")
        a = act_alert(d, "rules_removed")
        check_alert(c, "all rules deleted", a, ["-D"], "kmodwatch's rules put back", t0)
        c.eq("all rules deleted: ours back", len([r for r in audit_rules() if "key=kmodwatch" in r]), 2)

        # disabled and enabled again before any sample: the record says it
        t0 = time.time()
        sh("auditctl", "-e", "0")
        sh("auditctl", "-e", "1")
        a = act_alert(d, "audit_disabled")
        check_alert(c, "disabled a moment", a, ["-e", "0"], "audit enabled again", t0)
        c.eq("disabled a moment: enabled", kmwlive.audit_status().get("enabled"), 1)

        t0 = time.time()
        sh("auditctl", "-r", "1")
        a = act_alert(d, "rate_limit")
        sh("auditctl", "-r", "0")
        # one record a second: its own PROCTITLE is past the limit, the SYSCALL says who
        check_alert(c, "rate limit", a, [], None, t0)

        t0 = time.time()
        sh("auditctl", "-a", "never,task")
        a = act_alert(d, "task_never_rule")
        sh("auditctl", "-d", "never,task")
        check_alert(c, "never rule of the task list", a, ["-a", "never,task"],
                    "none: kmodwatchd deletes no rule of others; remove it (auditctl -l shows it)",
                    t0)

        # another program takes the audit daemon's place: refused, and said
        t = Modcall(live)
        try:
            t.call("setpid 1")
        except RuntimeError:
            pass
        a = act_alert(d, "audit_pid_attempt")
        c.true("audit pid: an alert", a is not None)
        if a:
            c.eq("audit pid: the program", (a["process"]["comm"], a["process"]["pid"]),
                 ("modcall", t.pid))
            c.eq("audit pid: medium", a["risk"]["level"], "medium")
        t.close()

        # every output and the store have every alert
        want = sorted(a["id"] for a in alerts(d))
        c.eq("six alerts", len(want), 6)
        c.true("syslog has them", wait_for(lambda: all(any(i in msg for msg in syslog.msgs)
                                                       for i in want), 5))
        def stored():
            r = subprocess.run([CLI, "query", "--store", store, "--kind", "alert", "--format",
                                "json"], capture_output=True, text=True)
            return sorted(json.loads(l)["id"] for l in r.stdout.splitlines())

        # the store commits within PERSIST_COMMIT_MS (50 ms) of an output (doc/store.md)
        wait_for(lambda: stored() == want, 5)
        c.eq("the store has them", stored(), want)
        time.sleep(2.5)	# the state file is written every 2 s
        st = json.loads(subprocess.run([CLI, "status", "--format", "json"], capture_output=True,
                                       text=True).stdout)
        c.eq("status counts them", [x["state"]["tamper_alerts"] for x in st["consumers"]], [6])
    finally:
        m.close()
        c.eq("exit 0", d.stop(), 0)
        syslog.close()


def plugin_acts(live, c):
    out = os.path.join(live.tmp, "plugin.json")
    kconf = os.path.join(live.tmp, "kmodwatchd.conf")
    with open(kconf, "w") as f:
        f.write("output = %s\nstore = %s\nbackfill-dir = none\nmetrics-file = none\n" % (
            out, os.path.join(live.tmp, "p.db")))
    conf = ("active = yes\ndirection = out\npath = %s\ntype = always\n"
            "args = --plugin --config=%s\nformat = string\n" % (kmwlive.DAEMON, kconf))
    sh(CLI, "rules", "install")
    live.start_auditd(plugins={"kmodwatch.conf": conf})
    time.sleep(1)
    sh("auditctl", "-A", "never,exit", "-F", "arch=b64", "-S", "finit_module")

    def plugin_alerts():
        if not os.path.exists(out):
            return []
        return [json.loads(l) for l in open(out, "rb").read().split(b"\n")[:-1]
                if l and b'"kind":"alert"' in l]
    c.true("plugin: the never rule said", wait_for(
        lambda: any(a["alert"]["evidence"].get("act") == "never_rule" for a in plugin_alerts()), 10))
    got = [a for a in plugin_alerts() if a["alert"]["evidence"].get("act") == "never_rule"]
    if got:
        c.eq("plugin: it changes no rule", got[0]["alert"]["evidence"]["response"],
             "none: the rules in force are not kmodwatchd's (plugin, or --no-rules)")
        c.true("plugin: who", (got[0]["process"]["exe"] or "").endswith("auditctl"))
    sh("auditctl", "-d", "never,exit", "-F", "arch=b64", "-S", "finit_module")
    live.stop(live.auditd)
    sh(CLI, "rules", "remove")


def main(live, c):
    if live.foreign_auditd:
        kmwlive.skip("another audit daemon runs: the unicast daemon needs the audit pid free")
    daemon_acts(live, c)
    plugin_acts(live, c)


kmwlive.run(main, "tamper")
