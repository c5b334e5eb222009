# SPDX-License-Identifier: GPL-2.0-or-later
"""live_plugin.py - kmodwatchd as the plugin of a real auditd: module calls come out as
events with live enrichment; SIGHUP reopens the output; auditd's stop ends the plugin with
exit 0. Then the plugin alone: EOF on stdin flushes, bad lines are counted."""
import json
import os
import re
import signal
import subprocess
import sys
import time

import kmwlive
from kmwlive import Modcall, wait_for, audit_rules, sh

CLI = os.path.join(kmwlive.BUILD, "src", "kmodwatch")



def read_events(path):
    import json
    if not os.path.exists(path):
        return []
    # a line still being written has no newline yet: only whole lines count
    return [json.loads(l) for l in open(path, "rb").read().split(b"\n")[:-1] if l]


def under_auditd(live, c):
    out = os.path.join(live.tmp, "plugin.json")
    kconf = os.path.join(live.tmp, "kmodwatchd.conf")
    with open(kconf, "w") as f:
        f.write("# the plugin's own configuration: auditd passes it two arguments at most\n"
                "output = %s\nstore = %s\nbackfill_dir = none\n" % (out, os.path.join(live.tmp, "p.db")))
    conf = ("active = yes\ndirection = out\npath = %s\ntype = always\n"
            "args = --plugin --config=%s\nformat = string\n" % (kmwlive.DAEMON, kconf))
    sh(CLI, "rules", "install")
    ad = live.start_auditd(plugins={"kmodwatch.conf": conf})
    c.true("auditd started the plugin", wait_for(lambda: plugin_pid(ad.pid) is not None))
    m = Modcall(live)
    mod = os.path.join(live.tmp, "plugin.ko")
    open(mod, "wb").write(b"\x7fELF\n")
    m.call("finit %s 2 p=1" % mod)
    m.call("delete kmw_plugin_test 0")
    c.true("events arrive", wait_for(lambda: len([e for e in read_events(out)
                                                    if e["process"]["pid"] == m.pid]) >= 2))
    evs = [e for e in read_events(out) if e["process"]["pid"] == m.pid]
    c.eq("one event per call", [e["syscall"]["name"] for e in evs], ["finit_module", "delete_module"])
    if evs:
        e = evs[0]
        c.eq("live: not historical", e["historical"], False)
        c.eq("flags decoded", e["args"]["flag_names"], ["MODULE_INIT_IGNORE_VERMAGIC"])
        c.eq("fd resolved live", e["module"]["path"], mod)
        c.eq("params from the live process", e["module"]["param_values"], "p=1")
        c.eq("key", e["audit"]["key"], "kmodwatch")
        c.eq("user name", e["process"]["user"], "root")
    # SIGHUP from the administrator reaches the plugin through auditd, or directly
    pp = plugin_pid(ad.pid)
    os.rename(out, out + ".1")
    os.kill(pp, signal.SIGHUP)
    time.sleep(0.3)
    m.call("delete kmw_after_hup 0")
    c.true("SIGHUP: the next event in a new file", wait_for(lambda: len(read_events(out)) >= 1))
    # one consumer a host: status shows the plugin, and a daemon started beside it refuses
    c.true("plugin wrote its state", wait_for(lambda: os.path.exists("/run/kmodwatch/plugin.state")))
    time.sleep(2.5)
    st = subprocess.run([CLI, "status", "--format", "json"], capture_output=True, text=True)
    j = json.loads(st.stdout) if st.stdout.startswith("{") else {}
    c.eq("status: the plugin is the consumer",
         [(x["kind"], x["running"], x["pid"]) for x in j.get("consumers", [])],
         [("plugin", True, pp)])
    c.eq("status: healthy under auditd", (j.get("health"), st.returncode), ("healthy", 0))
    # the plugin's own messages have a place that is always there: its state, in status
    msgs = [x.get("messages", []) for x in j.get("consumers", []) if x["kind"] == "plugin"]
    c.true("status: the plugin's last messages, the reload among them",
           bool(msgs) and any("notice: configuration reloaded (generation 2)" in m
                              for m in msgs[0]))
    text = subprocess.run([CLI, "status"], capture_output=True, text=True).stdout
    c.true("status text: its last messages", "last messages (notice and above):" in text)
    r = subprocess.run([kmwlive.DAEMON, "--foreground", "--store", "none", "--output",
                        os.path.join(live.tmp, "second.json")], capture_output=True, text=True,
                       timeout=30)
    c.eq("a daemon beside the plugin: exit 5", r.returncode, 5)
    c.true("a daemon beside the plugin: says why",
           "runs as the auditd plugin (pid %d)" % pp in r.stderr and "twice" in r.stderr)
    c.true("a daemon beside the plugin: nothing written",
           not os.path.exists(os.path.join(live.tmp, "second.json")))
    m.close()
    rc = live.stop(ad)
    c.eq("auditd stopped", rc, 0)
    c.true("plugin gone with auditd", wait_for(lambda: not kmwlive.pid_alive(pp)))
    sh(CLI, "rules", "remove")
    c.eq("rules removed", [r for r in audit_rules() if "key=kmodwatch" in r], [])


def plugin_pid(parent):
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            stat = open("/proc/%s/stat" % pid).read()
            comm = open("/proc/%s/comm" % pid).read().strip()
        except OSError:
            continue
        if comm == "kmodwatchd" and int(stat.rsplit(")", 1)[1].split()[1]) == parent:
            return int(pid)
    return None


def alone(live, c):
    """EOF on stdin: flush and exit 0; bad lines counted, the events around them kept."""
    log = os.path.join(kmwlive.SRC, "tests", "data", "real-6.1-netlink.log")
    data = open(log, "rb").read().split(b"\n")
    data.insert(20, b"\x00garbage line")
    data.insert(40, b"type=SYSCALL msg=audit(17958")
    out = os.path.join(live.tmp, "alone.json")
    r = subprocess.run([kmwlive.DAEMON, "--plugin", "--foreground", "--output", out,
                        "--store", "none"],
                       input=b"\n".join(data), capture_output=True, timeout=30)
    c.eq("EOF: exit 0", r.returncode, 0)
    # and one alert: the fixture's recorder (not auditd) took the audit pid
    evs = read_events(out)
    c.eq("EOF: every event flushed", len([e for e in evs if e["kind"] == "syscall"]), 14)
    c.eq("EOF: the audit pid taken by a program that is not auditd",
         [(e["alert"]["code"], e["process"]["exe"]) for e in evs if e["kind"] == "alert"],
         [("audit_pid_changed", "/bin/auditrecv")])
    c.true("bad lines reported", b"2 bad lines" in r.stderr)
    c.true("plugin touched no rules", "key=kmodwatch" not in " ".join(audit_rules()))


def through_a_pipe(live, c):
    """auditd feeds its plugins through a pipe: a pipe faster than the plugin fills and drains
    the queue many times over (chunks unmapped as they go); every run must end well, and every
    module call of the log must be an event or counted among the dropped."""
    gen = kmwlive.generator()
    log = os.path.join(live.tmp, "pipe.log")
    truth = os.path.join(live.tmp, "pipe.truth")
    with open(log, "wb") as f:
        subprocess.run([sys.executable, gen, "--events", "50000", "--seed", "7", "--truth", truth],
                       stdout=f, check=True)
    calls = sum(1 for _ in open(truth))
    out = os.path.join(live.tmp, "pipe.json")
    crashed, unaccounted = 0, 0
    for i in range(12):
        if os.path.exists(out):
            os.unlink(out)
        with open(log, "rb") as f:
            cat = subprocess.Popen(["cat"], stdin=f, stdout=subprocess.PIPE)
            r = subprocess.run([kmwlive.DAEMON, "--plugin", "--foreground", "--output", out,
                                "--store", "none", "--backfill-dir", "none", "--queue-size", "4"],
                               stdin=cat.stdout, capture_output=True, timeout=120)
            cat.stdout.close()
            cat.wait()
        m = re.search(rb"\((\d+) module calls\) lost to queue overflow", r.stderr)
        if r.returncode != 0 or not m:
            crashed += 1
            kmwlive.log("run %d: exit %d: %s" % (i, r.returncode, r.stderr[-600:]))
            continue
        if len(read_events(out)) + int(m.group(1)) != calls:
            unaccounted += 1
            kmwlive.log("run %d: %d events + %s dropped != %d calls" % (
                i, len(read_events(out)), m.group(1), calls))
    c.eq("pipe: every run ends with exit 0", crashed, 0)
    c.eq("pipe: events + calls counted as dropped = calls in the log", unaccounted, 0)


def stdin_error(live, c):
    """A read error on stdin is no end of input: said, and exit 1 (the review saw exit 0)."""
    out = os.path.join(live.tmp, "err.json")
    d = os.open(live.tmp, os.O_RDONLY | os.O_DIRECTORY)   # read() fails with EISDIR
    try:
        r = subprocess.run([kmwlive.DAEMON, "--plugin", "--foreground", "--store", "none",
                            "--backfill-dir", "none", "--output", out], stdin=d,
                           capture_output=True, text=True, timeout=30)
    finally:
        os.close(d)
    c.eq("stdin error: exit 1", r.returncode, 1)
    c.true("stdin error: names the cause", "reading stdin: Is a directory" in r.stderr)


def main(live, c):
    if live.foreign_auditd:
        kmwlive.skip("another audit daemon runs; this test starts its own auditd")
    alone(live, c)
    through_a_pipe(live, c)
    stdin_error(live, c)
    under_auditd(live, c)


kmwlive.run(main, "plugin")
