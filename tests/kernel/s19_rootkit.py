# SPDX-License-Identifier: GPL-2.0-or-later
"""s19: the rootkit. A module that drops its own audit record and hides from both views,
loaded by init_module (no IMA record: the taint alone tells, C new) and by finit_module
(IMA's INTEGRITY_RULE alone tells); one whose init sleeps past the wait (an alert, then its
event); decoys whose names forge /proc/modules lines before a module that unlinks itself;
hostile and long parameters; a module file changed after its load; an image from anonymous
memory; the taint cleared; kernel.modules_disabled set back from inside the kernel."""
import json
import re

import kcheck


def check(c, run, evs):
    out = run.scenario_output("19")
    sums = dict((p, h) for h, p in re.findall(r"^([0-9a-f]{64})  (\S+)$", out, re.M))
    alerts = run.alerts("attack")
    code = lambda k: [a for a in alerts if a["alert"]["code"] == k]
    mark = [e for e in run.streams["attack"] if e.get("kind") == "syscall" and
            e["module"]["name"] == "kmw_mark_19"]
    t0 = kcheck.seconds(mark[0]["audit"]["timestamp"]) if mark else 0

    taint = code("unexplained_taint")
    c.eq("the silent load without IMA: one taint alert", len(taint), 1)
    if taint:
        c.true("... C is the new flag", "C" in taint[0]["alert"]["evidence"]["flags_new"])
        dt = kcheck.seconds(taint[0]["alert"]["time"]) - t0
        c.true("... within 15 s (%.1f s)" % dt, 0 <= dt <= 15)
    sup = {a["alert"]["evidence"]["file"]: a for a in code("suppressed_load")}
    c.eq("suppressed loads: the silent one and the sleepy one",
         sorted(sup), ["/mods/kmw_silent_ima.ko", "/mods/kmw_sleepy.ko"])
    s = sup.get("/mods/kmw_silent_ima.ko")
    if s:
        ev = s["alert"]["evidence"]
        c.eq("silent: the kernel's hash", ev["hash"], sums.get("/mods/kmw_silent_ima.ko"))
        c.eq("silent: sha256", ev["algo"], "sha256")
        c.eq("silent: no record lost meanwhile", ev["records_lost_meanwhile"], 0)
        c.eq("silent: who loaded it", (s["process"]["comm"], s["process"]["exe"]),
             ("insmod", "/usr/bin/kmod"))
        c.true("silent: its pid and uid", s["process"]["pid"] > 0 and s["process"]["uid"] == 0)
        c.eq("silent: the module the file holds", s["module"]["name"], "kmw_silent_ima")
        c.eq("silent: high", s["risk"]["level"], "high")
        c.eq("silent: a rootkit", s["risk"]["technique"]["id"], "T1014")
        dt = kcheck.seconds(s["alert"]["time"]) - t0
        c.true("silent: within 15 s of the scenario's start (%.1f s)" % dt, 0 <= dt <= 15)
    loads = {e["module"]["name"]: e for e in evs if e["syscall"]["name"] == "finit_module"}
    c.true("no event of the silent loads", "kmw_silent_ima" not in loads)
    sl = loads.get("kmw_sleepy")
    c.true("sleepy: its event came after all, late", sl is not None and sl["syscall"]["success"])
    if sl:
        c.eq("sleepy: with its IMA record", sl["module"]["ima"]["source"], "record")

    # names that forge lines
    odd = sorted(a["module"]["name"] for a in code("odd_module_name"))
    c.eq("the decoys' odd names, said", odd, sorted(["d\nkmw_hide_lst 1 0 - Live 0",
                                                    'q"\\\nghost 4096 0 - Live 0x0']))
    # and those scenario 16 left hiding, said by this daemon too
    hidden = sorted(a["module"]["name"] for a in code("hidden_module"))
    c.eq("the module that unlinks itself is found hiding", hidden,
         ["kmw_hide_lst", "kmw_hide_now", "kmw_hide_pre"])
    c.eq("no module named ghost", [a for a in alerts
                                   if (a.get("module") or {}).get("name") == "ghost"], [])
    c.eq("no unaudited load of what the forged line names",
         [a["module"]["name"] for a in code("unaudited_load")], [])
    for name in ("d\nkmw_hide_lst 1 0 - Live 0", 'q"\\\nghost 4096 0 - Live 0x0'):
        e = loads.get(name)
        c.true("decoy load event, its name exact: %r" % name, e is not None)
        if e:
            c.true("... odd_module_name", "odd_module_name" in
                   [r["code"] for r in e["risk"]["reasons"]])

    # parameters
    par = [e for e in evs if e["module"]["name"] == "kmw_params" and
           e["syscall"]["name"] == "finit_module"]
    c.eq("three loads with parameters", len(par), 3)
    if len(par) == 3:
        m = par[0]["module"]
        c.eq("a control byte: every byte shown", m["param_values"], "secret=4242 x\x01=1")
        c.eq("... and said", m.get("param_values_control_bytes"), True)
        c.eq("... the kernel's view agrees", m.get("param_values_check"), "kernel_agrees")
        c.true("... a reason of its own", "odd_parameters" in
               [r["code"] for r in par[0]["risk"]["reasons"]])
        m = par[1]["module"]
        c.eq("4,116 bytes: whole", m["param_values"], "pad=" + "A" * 4100 + " secret=1337")
        c.eq("... not cut", m.get("param_values_truncated"), None)
        c.eq("... the kernel agrees (secret=1337)", m.get("param_values_check"), "kernel_agrees")
        m = par[2]["module"]
        c.eq("20,000 bytes: cut at the bound", len(m["param_values"]), 16384)
        c.eq("... and marked", (m.get("param_values_truncated"), m.get("param_values_bound")),
             (True, 16384))

    # a file changed after its load
    ch = code("changed_since_load")
    c.eq("the changed file: one alert", [(a["module"]["name"], a["module"]["file"]) for a in ch],
         [("crc16", "/mods/crc16-chg.ko")])
    rows = [json.loads(l) for l in run.text("attack-modules.json").splitlines() if l.startswith("{")]
    row = [r for r in rows if r.get("name") == "crc16"]
    c.eq("modules: crc16 listed", len(row), 1)
    if row:
        codes = row[0]["risk"]["reasons"]
        c.eq("modules: the file does not match the load", row[0]["file"]["matches_load"], False)
        c.true("modules: changed_since_load, high", "changed_since_load" in codes and
               row[0]["risk"]["level"] == "high")
        c.true("modules: not a stripped signature", "signature_stripped" not in codes)

    anon = [e for e in evs if e["syscall"]["name"] == "init_module" and
            e["module"]["name"] == "tcp_nv"]
    c.true("init_module from anonymous memory: a reason of its own", anon and
           "anonymous_image" in [r["code"] for r in anon[0]["risk"]["reasons"]])
    cl = code("taint_cleared")
    c.eq("the taint cleared: one alert", len(cl), 1)
    if cl:
        c.true("... the flags that went", cl[0]["alert"]["evidence"]["flags_gone"] != "" and
               cl[0]["alert"]["evidence"]["taint_now"] == 0)
    pw = code("posture_weakened")
    c.eq("kernel.modules_disabled back to 0: one alert", len(pw), 1)
    if pw:
        c.true("... says which", "modules_disabled went from 1 to 0" in
               pw[0]["alert"]["evidence"]["detail"])
    st = run.text("attack-status.txt")
    c.true("status: the posture", "posture: lockdown none" in st and
           "IMA audits module loads yes" in st)
    stored = [json.loads(l) for l in run.text("attack-stored.json").splitlines() if l.strip()]
    c.true("every alert so far is in the store", {a["id"] for a in alerts
                                                  if kcheck.seconds(a["alert"]["time"]) < t0 + 40}
           <= {a["id"] for a in stored})


kcheck.main("19", check)
