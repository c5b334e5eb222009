# SPDX-License-Identifier: GPL-2.0-or-later
"""s18: the same acts with the default: each is an alert and is undone at once (the rules put
back, in front of the never rule; audit enabled again), and the next load is audited; a
program that tries to take the audit pid from kmodwatchd is an alert too."""
import kcheck


def check(c, run, evs):
    alerts = [a for a in run.alerts("attack") if a["alert"]["code"] in
              ("audit_tampered", "audit_pid_changed")]
    c.eq("the acts, in order", [a["alert"]["evidence"]["act"] for a in alerts],
         ["audit_pid_attempt", "never_rule", "rules_removed", "audit_disabled"])
    by = {a["alert"]["evidence"]["act"]: a for a in alerts}
    pid = by.get("audit_pid_attempt")
    if pid:
        c.eq("audit pid: medium", pid["risk"]["level"], "medium")
        c.eq("audit pid: by the helper", (pid.get("process") or {}).get("comm"), "modcall")
        c.true("audit pid: refused, and said so", "refused" in pid["alert"]["evidence"]["detail"])
    want = {"never_rule": "kmodwatch's rules put back, in front of the never rule",
            "rules_removed": "kmodwatch's rules put back", "audit_disabled": "audit enabled again"}
    for act, response in want.items():
        if act in by:
            c.eq(act + ": undone", by[act]["alert"]["evidence"]["response"], response)
    rules = [l for l in run.text("rules-after-never.txt").splitlines() if l.startswith("-a")]
    c.true("ours in front of the never rule",
           len(rules) >= 2 and "key=kmodwatch" in rules[0] and "arch=b64" in rules[0] and
           rules[1].startswith("-a never,exit"))
    status = run.text("status-fixed.txt")
    c.true("status: healthy once undone", "kmodwatch: healthy" in status and "status exit=0" in status)
    loads = sorted(e["module"]["name"] for e in evs if e["syscall"]["name"] == "finit_module")
    c.eq("every load after each act was audited", loads, ["crc7", "nls_utf8", "tcp_nv"])
    c.eq("ordinary loads raise no alert",
         [a["alert"]["code"] for a in run.alerts("attack")
          if (a.get("module") or {}).get("name") in ("crc7", "nls_utf8", "tcp_nv")], [])


kcheck.main("18", check)
