# SPDX-License-Identifier: GPL-2.0-or-later
"""s16: the modules loaded now against what audit saw, with modules that hide as rootkits do:
kmw_hide_pre (loaded before the daemon, unlinked from the module list), kmw_hide_now (unlinked
in its init), kmw_hide_later (unlinked from the list and sysfs two seconds after its load) each
give exactly one hidden_module alert; nls_utf8, loaded while the rules were removed (the daemon
runs with --reinstall-rules=no, so that they stay removed), one unaudited_load that says which
counter moved and which act hid it; the removal itself one audit_tampered. An ordinary load and unload, a failed load and
a module loaded before the daemon give none, here and in every other scenario's daemon.
`kmodwatch modules` in the guest lists each with where it came from. A restart with the same
store says none of them again."""
import json

import kcheck

HIDERS = ("kmw_hide_now", "kmw_hide_later", "kmw_hide_pre")


def check(c, run, evs):
    alerts = run.alerts("inventory")
    for a in alerts:
        kcheck.log("alert: " + json.dumps(a, sort_keys=True))
    mname = lambda a: (a.get("module") or {}).get("name") or ""
    found = sorted((mname(a), a["alert"]["code"]) for a in alerts)
    c.eq("the alerts: one per hiding module, one unaudited load, the act, nothing else", found,
         sorted([(h, "hidden_module") for h in HIDERS] + [("nls_utf8", "unaudited_load"),
                                                          ("", "audit_tampered")]))
    by = {mname(a): a for a in alerts}
    loads = {e["module"]["name"]: e for e in evs
             if e["syscall"]["name"] == "finit_module" and e["syscall"]["success"]}

    for name in HIDERS:
        a = by.get(name)
        if not a:
            continue
        ev = a["alert"]["evidence"]
        c.eq(name + ": risk", a["risk"]["level"], "high")
        c.eq(name + ": reasons", [r["code"] for r in a["risk"]["reasons"]], ["hidden_module"])
        c.eq(name + ": techniques", a["risk"]["techniques"], ["T1014", "T1547.006"])
        c.eq(name + ": not in /proc/modules", ev["proc_modules"], False)
        c.true(name + ": seen at two checks at least", ev["checks"] >= 2)
        c.eq(name + ": no gap of audit's", ev["gaps"]["rules_removed"] + ev["gaps"]["kernel_lost"] +
             ev["gaps"]["dropped_calls"], 0)
        c.true(name + ": says why", bool(a["alert"]["why"]))
    if "kmw_hide_now" in by:
        ev = by["kmw_hide_now"]["alert"]["evidence"]
        c.eq("kmw_hide_now: sysfs still has it", ev["sys_module"], True)
        c.eq("kmw_hide_now: audit saw it loaded", ev["audit"], "loaded")
        c.eq("kmw_hide_now: the load event's serial",
             ev["load_serial"], loads.get("kmw_hide_now", {}).get("audit", {}).get("serial"))
        c.eq("kmw_hide_now: its file", ev["load_path"], "/mods/kmw_hide_now.ko")
        c.eq("kmw_hide_now: not there at the start", ev["at_start"], False)
    if "kmw_hide_later" in by:
        ev = by["kmw_hide_later"]["alert"]["evidence"]
        c.eq("kmw_hide_later: gone from sysfs too", ev["sys_module"], False)
        c.eq("kmw_hide_later: audit saw it loaded", ev["audit"], "loaded")
        c.eq("kmw_hide_later: the load event's serial",
             ev["load_serial"], loads.get("kmw_hide_later", {}).get("audit", {}).get("serial"))
    if "kmw_hide_pre" in by:
        ev = by["kmw_hide_pre"]["alert"]["evidence"]
        c.eq("kmw_hide_pre: there when the daemon started", ev["at_start"], True)
        c.eq("kmw_hide_pre: audit never saw it (loaded before, with init_module)", ev["audit"],
             "never")
        c.eq("kmw_hide_pre: sysfs still has it", ev["sys_module"], True)
    if "nls_utf8" in by:
        a = by["nls_utf8"]
        ev = a["alert"]["evidence"]
        c.eq("nls_utf8: risk", a["risk"]["level"], "medium")
        c.eq("nls_utf8: in both views", (ev["proc_modules"], ev["sys_module"]), (True, True))
        c.eq("nls_utf8: audit never saw it", ev["audit"], "never")
        c.eq("nls_utf8: the counter that moved: rules removed", ev["gaps"]["rules_removed"], 1)
        c.true("nls_utf8: the act that hid it", "rules_removed" in (ev.get("hidden_by") or ""))
        c.eq("nls_utf8: no load event of it", [e for e in evs if e["module"]["name"] == "nls_utf8"
                                              and e["syscall"]["success"]], [])

    # the ordinary: no alert for them, here or in the other daemons' runs
    for name in ("crc16", "crc_itu_t", "crc7"):
        c.true("no alert of " + name, name not in by)
    c.true("the failed load came", any(not e["syscall"]["success"] and
                                       e["syscall"]["errno"] == "ENOEXEC" for e in evs))
    for mode in ("unicast", "multicast", "immutable"):
        c.eq("no alert in the %s daemon's run (scenarios 01-15)" % mode,
             [(a["module"]["name"], a["alert"]["code"]) for a in run.alerts(mode)], [])

    # a restart in the same boot, with the store: nothing said again, though audit's records
    # of the time down are lost (no auditd ran to log them)
    err2 = run.text("inventory2.err")
    c.eq("after a restart: no alert said again", [(a["module"]["name"], a["alert"]["code"])
                                                 for a in run.alerts("inventory2")], [])
    c.true("after a restart: it says it is one, and what it cannot know",
           "a restart; what came or went while down is unknown" in err2)
    c.true("after a restart: it checked", "0 alerts (" in err2 and " 0 module checks" not in err2)

    # the store has them, and query --kind alert finds them and nothing else
    stored = [json.loads(l) for l in run.text("alerts.json").splitlines() if l.strip()]
    c.eq("query --kind alert: the same alerts", sorted((mname(a), a["alert"]["code"])
                                                       for a in stored), found)
    err = run.text("inventory.err")
    c.true("the daemon said the rules were removed", "audit_tampered: rules_removed" in err)
    c.true("the daemon counted the alerts", "5 alerts" in err)

    # kmodwatch modules, in the guest
    mods = {m["name"]: m for m in (json.loads(l) for l in run.text("modules.json").splitlines()
                                   if l.strip())}
    kcheck.log("kmodwatch modules:\n" + run.text("modules.txt"))
    c.true("kmodwatch modules: exit 0", "modules json exit=0" in run.text("modules.err"))
    c.true("kmodwatch modules (text): exit 0", "modules exit=0" in run.text("modules.txt"))
    for name in HIDERS:
        m = mods.get(name, {})
        c.true(name + ": listed, hidden", "hidden_module" in m.get("risk", {}).get("reasons", []))
        c.eq(name + ": not in /proc/modules", m.get("views", {}).get("proc_modules"), False)
    c.eq("kmw_hide_later: in neither view", mods.get("kmw_hide_later", {}).get("views"),
         {"proc_modules": False, "sys_module": False})
    c.eq("kmw_hide_now: its load event", mods.get("kmw_hide_now", {}).get("provenance", {}).get(
        "serial"), loads.get("kmw_hide_now", {}).get("audit", {}).get("serial"))
    m = mods.get("nls_utf8", {})
    c.eq("nls_utf8: provenance", m.get("provenance", {}).get("kind"), "unaudited")
    c.true("nls_utf8: unaudited_load", "unaudited_load" in m.get("risk", {}).get("reasons", []))
    c.eq("nls_utf8: its file, signed by Debian", (m.get("file", {}).get("source"),
                                                  m.get("file", {}).get("signed")),
         ("kmod_lookup", True))
    if "crc_itu_t" in mods:
        c.eq("crc_itu_t: loaded before monitoring", mods["crc_itu_t"]["provenance"]["kind"],
             "before_monitoring")
    c.eq("crc7: loaded before monitoring", mods.get("crc7", {}).get("provenance", {}).get("kind"),
         "before_monitoring")
    c.eq("the loads before the daemon: two, done", [h["ret"] for h in run.helper("16pre")], [0, 0])
    c.eq("crc7: signed by Debian's key, in both views, no reason", (
        mods.get("crc7", {}).get("file", {}).get("signed"), mods.get("crc7", {}).get("views"),
        mods.get("crc7", {}).get("risk", {}).get("reasons")),
        (True, {"proc_modules": True, "sys_module": True}, []))
    c.true("crc16 is not listed: it was unloaded", "crc16" not in mods)


kcheck.main("16", check)
