# SPDX-License-Identifier: GPL-2.0-or-later
"""s03: a module whose signature was stripped still loads (and taints the kernel E)."""
import kcheck


def check(c, run, evs):
    c.eq("one event", len(evs), 1)
    kcheck.common(c, evs[0], "insmod unsigned", "finit_module", True, exe="/usr/bin/kmod",
                  module="crc_itu_t")
    c.true("the kernel marked it E", "taint=E" in run.scenario_output("03"))
    m = evs[0]["module"]
    if m["signature"] is not None:
        c.eq("no signature in the file", m["signature"]["present"], False)
        c.eq("in-tree per .modinfo", m["modinfo"]["intree"], "Y")
        c.true("risk: signature stripped", "signature_stripped" in
               [r["code"] for r in evs[0]["risk"]["reasons"]])
        c.eq("sysfs taint", (m["sysfs"] or {}).get("taint"), "E")
    else:
        c.true("no file facts: the loader was gone, and the event says why",
               m["file_source"] in ("argv", "kmod_lookup", None))


kcheck.main("03", check)
