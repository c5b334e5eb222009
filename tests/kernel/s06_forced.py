# SPDX-License-Identifier: GPL-2.0-or-later
"""s06: a forced load (IGNORE_VERMAGIC|IGNORE_MODVERSIONS): the result and the flag names."""
import kcheck


def check(c, run, evs):
    h = run.helper("06")
    loads = [e for e in evs if e["syscall"]["name"] == "finit_module"]
    c.eq("one load", len(loads), 1)
    e = loads[0]
    ok = bool(h) and h[0]["ret"] == 0
    c.true("the kernel allowed it (CONFIG_MODULE_FORCE_LOAD)", ok)
    kcheck.common(c, e, "forced load", "finit_module", ok, exe="/usr/bin/modcall",
                  module="nls_utf8")
    c.eq("flags", e["args"]["flags"], 3)
    c.eq("flag names", e["args"]["flag_names"],
         ["MODULE_INIT_IGNORE_MODVERSIONS", "MODULE_INIT_IGNORE_VERMAGIC"])
    c.true("tainted F", "taint=F" in run.scenario_output("06"))


kcheck.main("06", check)
