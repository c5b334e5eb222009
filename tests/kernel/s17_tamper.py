# SPDX-License-Identifier: GPL-2.0-or-later
"""s17: blinding audit, each act held (--reinstall-rules=no): audit disabled for a load and
enabled again at once, a never rule in front of the rules, every rule deleted; each time a
module loads while audit is blind. Each act is an alert naming who did it (its CONFIG_CHANGE,
SYSCALL and PROCTITLE), in the output and the store; each load it hid is found within seconds
(not at the 30 s check) and names the act; status is degraded while the never rule stands."""
import json
import os

import kcheck

ACTS = [("audit_disabled", ["-e", "0"], "crc7"), ("never_rule", ["-A", "never,exit"], "nls_utf8"),
        ("rules_removed", ["-D"], "tcp_nv")]


def ms(e):
    return e["alert"]["time"]


def check(c, run, evs):
    alerts = run.alerts("tamper")
    tamper = [a for a in alerts if a["alert"]["code"] == "audit_tampered"]
    c.eq("one alert per act, in order", [a["alert"]["evidence"]["act"] for a in tamper],
         [a for a, _, _ in ACTS])
    for a, (act, words, mod) in zip(tamper, ACTS):
        p = a.get("process") or {}
        c.true(act + ": auditctl did it", (p.get("exe") or "").endswith("auditctl"))
        c.true(act + ": its command line", all(w in (p.get("cmdline") or []) for w in words))
        c.true(act + ": its pid", isinstance(p.get("pid"), int))
        c.eq(act + ": nothing undone (--reinstall-rules=no)", a["alert"]["evidence"]["response"],
             "none (--reinstall-rules=no)")
        c.eq(act + ": high", a["risk"]["level"], "high")
        c.eq(act + ": ATT&CK", a["risk"]["technique"]["id"], "T1562.012")
        hid = [x for x in alerts if x["alert"]["code"] == "unaudited_load" and
               x["module"]["name"] == mod]
        c.eq(act + ": the load it hid (%s) is found" % mod, len(hid), 1)
        if hid:
            c.true(act + ": ... and names the act", act in (hid[0]["alert"]["evidence"].get(
                "hidden_by") or ""))
            # checked every tick while audit is blind: seconds, not the 30 s interval
            dt = kcheck.seconds(ms(hid[0])) - kcheck.seconds(ms(a))
            c.true(act + ": ... within 12 s (%.1f s)" % dt, 0 <= dt <= 12)
    loads = [e for e in evs if e["syscall"]["name"] == "finit_module"]
    c.eq("the loads were not audited", [e["module"]["name"] for e in loads], [])
    status = run.text("status-never.txt")
    c.true("status while the never rule stands: degraded, and why",
           "DEGRADED" in status and "suppressed by the rule in front" in status and
           "status exit=1" in status)
    c.true("status: the never rule is one with no condition",
           "no condition: no call is audited" in status)
    stored = [json.loads(l) for l in run.text("tamper-stored.json").splitlines() if l.strip()]
    c.eq("every alert is in the store", sorted(a["id"] for a in stored),
         sorted(a["id"] for a in alerts))


kcheck.main("17", check)
