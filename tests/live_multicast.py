# SPDX-License-Identifier: GPL-2.0-or-later
"""live_multicast.py - beside a real auditd: kmodwatchd reads the multicast group."""
import kmwlive


def main(live, c):
    if not live.foreign_auditd:
        ad = live.start_auditd()
    kmwlive.capture_scenario(live, c, "multicast")
    st = kmwlive.audit_status()
    c.eq("auditd still the audit daemon", st.get("pid"), live.foreign_auditd or ad.pid)


kmwlive.run(main, "multicast")
