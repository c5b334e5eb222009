# SPDX-License-Identifier: GPL-2.0-or-later
"""s08: finit_module of a file that is not a module: ENOEXEC, no KERN_MODULE."""
import kcheck


def check(c, run, evs):
    c.eq("one event", len(evs), 1)
    e = evs[0]
    kcheck.common(c, e, "finit busybox", "finit_module", False, errno="ENOEXEC",
                  exe="/usr/bin/modcall", module=None)
    c.eq("exit", e["syscall"]["exit"], -8)
    c.eq("path", e["module"]["path"], "/bin/busybox")


kcheck.main("08", check)
