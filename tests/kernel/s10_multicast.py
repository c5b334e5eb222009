# SPDX-License-Identifier: GPL-2.0-or-later
"""s10: beside a running auditd, kmodwatchd joins the multicast group; auditd logs the same
events, and the unicast run before it was the audit daemon itself."""
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
    c.true("auditd was the audit daemon", "pid 0" not in run.text("auditctl-s.txt"))


kcheck.main("10", check)
