# SPDX-License-Identifier: GPL-2.0-or-later
"""s09: a load attempt by uid 1000 with its login uid set: EPERM, with ids and names; the
kernel refused it before it logged the module's name, and the name comes from the file's
.modinfo (name_source modinfo), so that a query by name finds the attempt."""
import kcheck


def check(c, run, evs):
    c.eq("one event", len(evs), 1)
    e = evs[0]
    # the name needs the file: read through the helper's fd, which it holds a moment
    kcheck.common(c, e, "unprivileged finit", "finit_module", False, errno="EPERM",
                  exe="/usr/bin/modcall", module="crc16", name_source="modinfo")
    p = e["process"]
    for k, v in (("uid", 1000), ("euid", 1000), ("gid", 1000), ("auid", 1000)):
        c.eq("process." + k, p[k], v)
    for k in ("user", "euser", "auser"):
        c.eq("process." + k, p[k], "tester")
    c.eq("process.group", p["group"], "tester")
    codes = [r["code"] for r in e["risk"]["reasons"]]
    c.true("risk: refused", "refused" in codes)
    c.true("risk: interactive user", "interactive_user" in codes)
    if e["module"]["path"] is None:
        c.true("no path: a reason", e["module"]["path_error"] in ("process_gone", "fd_closed"))


kcheck.main("09", check)
