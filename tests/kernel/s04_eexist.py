# SPDX-License-Identifier: GPL-2.0-or-later
"""s04: loading a module that is already loaded: EEXIST, and the kernel still names it."""
import kcheck


def check(c, run, evs):
    loads = [e for e in evs if e["syscall"]["name"] == "finit_module"]
    c.eq("two loads", len(loads), 2)
    kcheck.common(c, loads[0], "first load", "finit_module", True, exe="/usr/bin/kmod",
                  module="crc16")
    kcheck.common(c, loads[1], "second load", "finit_module", False, errno="EEXIST",
                  exe="/usr/bin/kmod", module="crc16")
    c.eq("exit", loads[1]["syscall"]["exit"], -17)


kcheck.main("04", check)
