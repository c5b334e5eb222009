# SPDX-License-Identifier: GPL-2.0-or-later
"""s14: two processes as nobody call finit_module flat out (EPERM) while root loads and unloads
crc16 with kmod: the load and the unload are both reported, and every call of the flood is an
event, a count in a summary, or counted as dropped."""
import re

import kcheck


def check(c, run, evs):
    loads = [e for e in evs if e["process"]["uid"] == 0 and e["syscall"]["success"]]
    kcheck.common(c, loads[0] if loads else {"syscall": {}, "audit": {}}, "root's load",
                  "finit_module", True, module="crc16") if loads else c.true("root's load", False)
    unloads = [e for e in loads if e["syscall"]["name"] == "delete_module"]
    c.eq("root's load and unload, once each", [(e["syscall"]["name"], e["module"]["name"])
                                               for e in loads],
         [("finit_module", "crc16"), ("delete_module", "crc16")])
    c.eq("the unload: one", len(unloads), 1)
    made = [int(m.group(1)) for m in re.finditer(r"^14 flood done pid=\d+ calls=(\d+)",
                                                   run.text("helper.log"), re.M)]
    c.eq("two flooders ran", len(made), 2)
    total = sum(made)
    c.true("the flood made calls (%d)" % total, total > 1000)
    ones = [e for e in run.streams["unicast"] if e.get("kind") == "syscall" and
            e["process"]["uid"] == 65534]
    c.true("nobody's calls one by one: EPERM", all(e["syscall"]["errno"] == "EPERM" for e in ones))
    sums = [s for s in run.summaries() if s["summary"]["uid"] == 65534]
    c.true("summaries came", len(sums) > 0)
    for s in sums:
        m = s["summary"]
        c.eq("summary: errno", m["errno"], "EPERM")
        c.eq("summary: user", m["user"], "nobody")
        c.eq("summary: exe", m["exe"], "/usr/bin/modcall")
        c.eq("summary: risk", [r["code"] for r in s["risk"]["reasons"]], ["flood"])
    stop = [l for l in run.text("unicast.err").splitlines() if "stopping:" in l]
    d = re.search(r"(\d+) dropped by the queue", stop[-1]) if stop else None
    dropped = int(d.group(1)) if d else -1
    summed = sum(s["summary"]["count"] for s in sums)
    kcheck.log("flood: %d calls; %d events, %d summarised in %d summaries, %d dropped" % (
        total, len(ones), summed, len(sums), dropped))
    c.eq("every call of the flood accounted for", len(ones) + summed + dropped, total)


kcheck.main("14", check)
