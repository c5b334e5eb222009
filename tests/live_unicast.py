# SPDX-License-Identifier: GPL-2.0-or-later
"""live_unicast.py - kmodwatchd alone: it becomes the audit daemon and captures every call."""
import kmwlive


def main(live, c):
    if live.foreign_auditd:
        kmwlive.skip("another audit daemon (pid %d) runs: the unicast test needs the audit pid free"
                     % live.foreign_auditd)
    kmwlive.capture_scenario(live, c, "unicast")
    c.eq("audit pid released", kmwlive.audit_status().get("pid"), 0)


kmwlive.run(main, "unicast")
