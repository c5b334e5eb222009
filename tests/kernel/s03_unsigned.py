# SPDX-License-Identifier: GPL-2.0-or-later
"""s03: a module whose signature was stripped still loads (and taints the kernel E)."""
import kcheck


def check(c, run, evs):
    c.eq("one event", len(evs), 1)
    kcheck.common(c, evs[0], "insmod unsigned", "finit_module", True, exe="/usr/bin/kmod",
                  module="crc_itu_t")
    c.true("the kernel marked it E", "taint=E" in run.scenario_output("03"))


kcheck.main("03", check)
