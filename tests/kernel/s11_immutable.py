# SPDX-License-Identifier: GPL-2.0-or-later
"""s11: audit immutable (enabled 2) with only a b64 rule in place: kmodwatchd says clearly
that it cannot add the b32 rule, runs on, and reports the loads under the existing key."""
import kcheck


def check(c, run, evs):
    err = run.text("immutable.err")
    c.true("says audit is immutable", "audit is immutable (enabled 2)" in err)
    c.true("says the rule could not be added", "cannot add the module-syscall rule" in err)
    c.true("ran on: ready", "ready: source unicast" in err)
    c.true("exited 0", "exit status 0" in err)
    c.eq("two events", [e["syscall"]["name"] for e in evs], ["finit_module", "delete_module"])
    if len(evs) == 2:
        kcheck.common(c, evs[0], "insmod", "finit_module", True, exe="/usr/bin/kmod",
                      module="crc16", key="module-load")
        kcheck.common(c, evs[1], "rmmod", "delete_module", True, exe="/usr/bin/kmod",
                      module="crc16", key="module-load")
    c.eq("rules unchanged", run.text("immutable-rules.txt").strip(),
         "-a always,exit -F arch=b64 -S init_module,delete_module,finit_module -F key=module-load")


kcheck.main("11", check)
