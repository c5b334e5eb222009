# SPDX-License-Identifier: GPL-2.0-or-later
"""live_privileges.py - the running daemon holds exactly the capabilities its mode needs, in
every thread, with the bounding set cleared (read from /proc/PID/task/*/status)."""
import os
import subprocess
import time

import kmwlive
from kmwlive import Modcall

CAP = {"dac_read_search": 2, "sys_ptrace": 19, "audit_write": 29, "audit_control": 30, "audit_read": 37}


def mask(*names):
    return sum(1 << CAP[n] for n in names)


def caps_of(pid):
    out = []
    for t in sorted(os.listdir("/proc/%d/task" % pid)):
        st = {}
        for line in open("/proc/%d/task/%s/status" % (pid, t)):
            k, _, v = line.partition(":")
            if k in ("CapInh", "CapPrm", "CapEff", "CapBnd", "Uid", "NoNewPrivs"):
                st[k] = v.strip()
        out.append(st)
    return out


def check_mode(c, what, pid, want):
    tasks = caps_of(pid)
    c.true(what + ": several threads checked", len(tasks) >= 2)
    for i, st in enumerate(tasks):
        c.eq("%s thread %d: CapEff" % (what, i), int(st["CapEff"], 16), want)
        c.eq("%s thread %d: CapPrm" % (what, i), int(st["CapPrm"], 16), want)
        c.eq("%s thread %d: CapInh" % (what, i), int(st["CapInh"], 16), 0)
        c.eq("%s thread %d: CapBnd cleared" % (what, i), int(st["CapBnd"], 16), 0)
        c.eq("%s thread %d: NoNewPrivs" % (what, i), st.get("NoNewPrivs"), "1")


def main(live, c):
    if live.foreign_auditd:
        kmwlive.skip("another audit daemon runs; the unicast check needs the audit pid free")
    d = live.daemon("--source", "unicast")
    check_mode(c, "unicast", d.p.pid, mask("audit_control", "audit_write", "sys_ptrace", "dac_read_search"))
    # still able to do its work: capture, enrichment, and rule removal at exit
    m = Modcall(live)
    m.call("finit /dev/null 0")
    evs = d.wait_events(lambda e: e["process"]["pid"] == m.pid, 1)
    c.eq("unicast: capture works after the drop", len(evs), 1)
    m.close()
    c.eq("unicast: exit 0", d.stop(), 0)
    c.eq("unicast: rules removed with what was kept",
         [r for r in kmwlive.audit_rules() if "key=kmodwatch" in r], [])

    live.start_auditd()
    d = live.daemon("--source", "multicast")
    check_mode(c, "multicast", d.p.pid,
               mask("audit_control", "audit_read", "audit_write", "sys_ptrace", "dac_read_search"))
    c.eq("multicast: exit 0", d.stop(), 0)
    d = live.daemon("--source", "multicast", "--no-rules")
    # audit_control to read the rules in force, where tampering is seen; never to change them
    check_mode(c, "multicast --no-rules", d.p.pid, mask("audit_control", "audit_read",
                                                        "audit_write", "sys_ptrace",
                                                        "dac_read_search"))
    c.eq("multicast --no-rules: exit 0", d.stop(), 0)
    live.stop(live.auditd)

    out = os.path.join(live.tmp, "plugin.json")
    p = live.spawn([kmwlive.DAEMON, "--plugin", "--foreground", "--output", out, "--store", "none"],
                   stdin=subprocess.PIPE, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    check_mode(c, "plugin", p.pid, mask("audit_control", "sys_ptrace", "dac_read_search"))
    p.stdin.close()
    c.eq("plugin: exit 0 at EOF", p.wait(10), 0)


kmwlive.run(main, "privileges")
