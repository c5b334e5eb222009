# SPDX-License-Identifier: GPL-2.0-or-later
"""live_reload.py - SIGHUP with every key of the configuration file changed: each is said
once in the log, as the table says it reloads (at once, the outputs opened again, or at the
next start, the running value kept); and what each took, or kept, is seen: the new output,
format and prefix, the syslog collector, the metrics file, the stats interval, the risk
levels; the store, the rule key and the source kept; the state file and `kmodwatch status`
name the keys that wait for a restart. Then a reload a start would refuse (a CA that is not
there, beside a tls: collector) is refused, and the running configuration stays."""
import json
import os
import re
import signal
import socket
import subprocess
import time

import kmwlive
from kmwlive import Modcall, audit_rules, wait_for

CLI = os.path.join(kmwlive.BUILD, "src", "kmodwatch")
PHRASE = {"now": "in effect now", "outputs": "the outputs are opened again",
          "restart": "it takes effect at the next start"}


def classes():
    """Each option of the example file, and what a reload does with it (its comment)."""
    text = subprocess.run([kmwlive.DAEMON, "--example-config"], capture_output=True,
                          text=True, check=True).stdout
    out, cls = {}, None
    for line in text.splitlines():
        if "(a reload (SIGHUP)" in line:
            cls = "now" if "at once" in line else "outputs" if "outputs" in line else "restart"
        m = re.match(r"# ([a-z0-9-]+) = ", line)
        if m and cls:
            out[m.group(1)] = cls
            cls = None
    return out


def write(path, keys):
    with open(path, "w") as f:
        for k, v in keys.items():
            for one in v if isinstance(v, list) else [v]:
                f.write("%s = %s\n" % (k, one))


def main(live, c):
    t = live.tmp
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    udp.settimeout(0.2)
    port = udp.getsockname()[1]
    os.makedirs(os.path.join(t, "audit"))
    conf = os.path.join(t, "k.conf")
    first = {
        "foreground": "yes", "output": os.path.join(t, "one.json"), "store": os.path.join(t, "one.db"),
        "backfill-dir": "none", "metrics-file": os.path.join(t, "one.prom"),
    }
    every = {
        "foreground": "no", "output": os.path.join(t, "two.txt"), "format": "text",
        "output-prefix": "@cee:", "output-rotate-size": "5", "output-rotate-keep": "3",
        "output-group": "daemon", "syslog": "udp:127.0.0.1:%d" % port, "syslog-ca": "/etc/ssl/certs",
        "syslog-cert": os.path.join(t, "cert.pem"), "syslog-key": os.path.join(t, "key.pem"),
        "syslog-peer-name": "collector.example", "syslog-tls-min": "1.3", "syslog-ciphers": "HIGH",
        "syslog-rfc": "3164", "syslog-facility": "local3", "syslog-severity": "notice",
        "syslog-app-name": "kmw-reloaded", "syslog-format": "text", "journald": "yes",
        "reinstall-rules": "no", "stats-interval": "2", "queue-size": "32", "flood-budget": "5",
        "summary-interval": "20", "inventory-interval": "45", "priority-boost": "2",
        "reader-boost": "3", "user": "nobody", "source": "multicast", "no-rules": "yes",
        "second-consumer": "yes", "key": "kmw-reload", "record-log": os.path.join(t, "records.log"),
        "risk": "unusual_loader=high", "store": os.path.join(t, "two.db"),
        "metrics-file": os.path.join(t, "two.prom"), "retention-days": "30",
        "retention-size": "100", "backfill-dir": os.path.join(t, "audit"), "plugin": "yes",
    }
    cls = classes()
    c.eq("every option of the table is changed by this test", sorted(cls), sorted(every))
    write(conf, first)
    err = os.path.join(t, "d.err")
    p = live.spawn([kmwlive.DAEMON, "--config", conf], stdout=subprocess.DEVNULL,
                   stderr=open(err, "w"))
    log = lambda: open(err).read()
    c.true("started", wait_for(lambda: "ready:" in log(), 15))
    mode = re.search(r"ready: source (\w+)", log()).group(1)
    # a delete_module that fails (ENOSYS here) names no module: each phase's events are
    # known by the pid of a helper of its own
    m = Modcall(live)
    m.call("delete kmw_reload_a 0")
    c.true("first event, to the first output",
           wait_for(lambda: '"pid":%d,' % m.pid in open(first["output"]).read() if
                    os.path.exists(first["output"]) else False, 10))
    m.close()
    c.true("first metrics file", wait_for(lambda: os.path.exists(first["metrics-file"]), 5))

    write(conf, every)
    p.send_signal(signal.SIGHUP)
    c.true("reloaded", wait_for(lambda: "configuration reloaded (generation 2)" in log(), 10))
    text = log()
    for key, want in sorted(cls.items()):
        said = re.findall(r"configuration reload: %s changed \(.*?\): ([^\n]*)" % re.escape(key), text)
        c.eq("%s: said once, as the table says (%s)" % (key, want), [PHRASE[want] in s for s in said],
             [True])

    # what took effect
    m = Modcall(live)
    m.call("delete kmw_reload_b 0")
    mine = "pid=%d " % m.pid
    c.true("the new output, in text, with its prefix",
           wait_for(lambda: os.path.exists(every["output"]) and
                    (open(every["output"]).read().startswith("@cee:") and
                     mine in open(every["output"]).read()), 10))
    c.true("the old output has nothing new", '"pid":%d,' % m.pid not in open(first["output"]).read())
    got = b""
    deadline = time.time() + 10
    while time.time() < deadline and mine.encode() not in got:
        try:
            got += udp.recv(65536)
        except socket.timeout:
            pass
    # RFC 3164, local3 (19) and notice (5): <157>; the app name; the text format
    c.true("syslog: the new collector, RFC 3164 header, facility and severity",
           got.startswith(b"<157>") and b" kmw-reloaded[" in got and mine.encode() in got)
    c.true("metrics: the new file written", wait_for(lambda: os.path.exists(every["metrics-file"]), 5))
    c.true("metrics: the old file removed", not os.path.exists(first["metrics-file"]))
    c.true("stats every 2 s now", wait_for(lambda: "stats:" in log(), 8))
    # kept until a restart: the store (the event is in the first), the rules' key, the source
    r = subprocess.run([CLI, "query", "--store", first["store"], "--format", "json"],
                       capture_output=True, text=True)
    evs = [e for e in (json.loads(l) for l in r.stdout.splitlines() if l.strip())
           if e.get("process", {}).get("pid") == m.pid]
    m.close()
    c.eq("store kept: the event is in the first store", len(evs), 1)
    c.true("store kept: no second store", not os.path.exists(every["store"]))
    c.eq("risk taken at once: unusual_loader is high now", evs and evs[0]["risk"]["level"], "high")
    c.true("key kept: the rules are the running key's",
           any("key=kmodwatch" in r for r in audit_rules()) and
           not any("key=kmw-reload" in r for r in audit_rules()))
    c.true("source kept", "ready: source %s" % mode in log() and p.poll() is None)
    st = {}
    for line in open("/run/kmodwatch/kmodwatchd.state"):
        k, _, v = line.rstrip("\n").partition("=")
        st[k] = v
    c.eq("state: generation 2", st.get("config_generation"), "2")
    restart = sorted(k for k, v in cls.items() if v == "restart")
    c.eq("state: the keys waiting for a restart", sorted(st.get("config_pending", "").split(",")),
         restart)
    r = subprocess.run([CLI, "status"], capture_output=True, text=True)
    c.true("status: says what waits for a restart", "waiting for a restart: " in r.stdout and
           "queue-size" in r.stdout)

    # a reload that a start would refuse: the CA named is not there
    bad = dict(every, **{"syslog": ["udp:127.0.0.1:%d" % port, "tls:127.0.0.1:6514"],
                         "syslog-ca": "/nonexistent/ca.pem", "syslog-tls-min": "1.2"})
    write(conf, bad)
    p.send_signal(signal.SIGHUP)
    c.true("bad CA: the reload failed, naming the CA",
           wait_for(lambda: "configuration reload failed" in log(), 10) and
           "/nonexistent/ca.pem" in log())
    r = subprocess.run([kmwlive.DAEMON, "--config", conf, "--check-config"], capture_output=True,
                       text=True)
    c.eq("bad CA: a start refuses the same file", r.returncode, 6)
    m = Modcall(live)
    m.call("delete kmw_reload_c 0")
    c.true("bad CA: the running configuration stays (the text output)",
           wait_for(lambda: "pid=%d " % m.pid in open(every["output"]).read(), 10))
    st = dict(l.rstrip("\n").partition("=")[::2] for l in open("/run/kmodwatch/kmodwatchd.state"))
    c.eq("bad CA: still generation 2", st.get("config_generation"), "2")
    m.close()

    def delivered():
        out = {}
        for line in open("/run/kmodwatch/kmodwatchd.state"):
            g = re.search(r"sink=(\S+) delivered=(\d+)", line)
            if g:
                out[g.group(1)] = int(g.group(2))
        return out

    # the same text file asked to take JSON: refused (a file of two formats is read by
    # neither), the running format stays; and the outputs opened again keep their counts
    before = delivered()
    write(conf, dict(every, **{"format": "json", "output-prefix": "@json:"}))
    p.send_signal(signal.SIGHUP)
    c.true("format switch into the same file: refused, said",
           wait_for(lambda: "configuration reloaded (generation 3)" in log(), 10) and
           re.search(r"format changed \(json, was text\), but \S+two\.txt holds text lines "
                     r"already: the running format stays", log()) is not None)
    m = Modcall(live)
    m.call("delete kmw_reload_d 0")
    c.true("format switch refused: still text lines in the file",
           wait_for(lambda: "@json:pid=%d " % m.pid in open(every["output"]).read() or
                    "pid=%d " % m.pid in open(every["output"]).read(), 10) and
           '"pid":%d,' % m.pid not in open(every["output"]).read())
    m.close()
    # the state file written since: generation 3, and the event just made counted
    # (journald is not there on every machine: what delivered before, delivers one more)
    c.true("counts go on across a reload: every output that delivered, one more",
           any(before.values()) and wait_for(lambda: all(delivered().get(k, -1) > v
                                                          for k, v in before.items() if v), 10))
    kmwlive.log("delivered before the reload %s, after %s" % (before, delivered()))
    c.eq("exit 0", live.stop(p), 0)
    udp.close()


kmwlive.run(main, "reload")
