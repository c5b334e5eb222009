# SPDX-License-Identifier: GPL-2.0-or-later
"""s10: beside a running auditd, kmodwatchd joins the multicast group; auditd logs the same
events, and the unicast run before it was the audit daemon itself; IMA's record of the load is
in both, and `kmodwatch query --audit-log` reads it from auditd's ENRICHED log."""
import kcheck


def check(c, run, evs):
    c.true("unicast run chose unicast", "ready: source unicast" in run.text("unicast.err"))
    c.true("multicast run chose multicast", "ready: source multicast" in run.text("multicast.err"))
    c.true("both runs exited 0", run.text("unicast.err").count("exit status 0") == 1 and
           run.text("multicast.err").count("exit status 0") == 1)
    c.eq("two events", [e["syscall"]["name"] for e in evs], ["finit_module", "delete_module"])
    if len(evs) == 2:
        kcheck.common(c, evs[0], "insmod", "finit_module", True, exe="/usr/bin/kmod", module="crc16")
        kcheck.common(c, evs[1], "rmmod", "delete_module", True, exe="/usr/bin/kmod", module="crc16")
        log = run.text("audit.log")
        for e in evs:
            c.true("auditd logged serial %d too" % e["audit"]["serial"],
                   ":%d):" % e["audit"]["serial"] in log)
        data = kcheck.host_module(run, "kernel/lib/crc16.ko")
        ima = evs[0]["module"]["ima"] or {}
        c.eq("IMA beside auditd: the file", ima.get("file"), "/mods/crc16-s10.ko")
        if data:
            c.eq("IMA beside auditd: the kernel's hash", ima.get("hash"), kcheck.sha256(data))
        past = [x for x in kcheck.query_log(run, "audit.log", "--syscall", "finit_module")
                if x["audit"]["serial"] == evs[0]["audit"]["serial"]]
        c.eq("auditd's log read back: the event", len(past), 1)
        if past:
            c.eq("auditd's log: the IMA record", (past[0]["module"]["ima"] or {}).get("hash"),
                 ima.get("hash"))
            c.eq("auditd's log: the path from it", past[0]["module"]["path"], "/mods/crc16-s10.ko")
    c.true("auditd was the audit daemon", "pid 0" not in run.text("auditctl-s.txt"))


kcheck.main("10", check)
