# SPDX-License-Identifier: GPL-2.0-or-later
"""s02: modprobe through a modules.dep made by depmod, with a parameter: param_values."""
import kcheck


def check(c, run, evs):
    loads = [e for e in evs if e["syscall"]["name"] == "finit_module"]
    c.eq("one load", len(loads), 1)
    e = loads[0]
    kcheck.common(c, e, "modprobe dummy", "finit_module", True, exe="/usr/bin/kmod", module="dummy")
    c.eq("cmdline", e["process"]["cmdline"], ["/sbin/modprobe", "dummy", "numdummies=3"])
    c.eq("param_values as passed", e["module"]["param_values"], "numdummies=3")
    c.true("param_values source", e["module"]["param_values_source"] in ("process_memory", "argv"))
    c.true("the kernel made 3 devices", "dummy2" in run.scenario_output("02"))


kcheck.main("02", check)
