# SPDX-License-Identifier: GPL-2.0-or-later
"""s01: kmod insmod of a Debian-signed module: success, the name from KERN_MODULE, flags 0."""
import kcheck


def check(c, run, evs):
    c.eq("one event", len(evs), 1)
    e = evs[0]
    kcheck.common(c, e, "insmod crc7", "finit_module", True, exe="/usr/bin/kmod", module="crc7")
    c.eq("flags", e["args"]["flags"], 0)
    c.eq("flag names", e["args"]["flag_names"], [])
    c.eq("cmdline", e["process"]["cmdline"],
         ["/sbin/insmod", "/lib/modules/%s/kernel/lib/crc7.ko" % run.kver])
    m = e["module"]
    if m["signature"] is not None:
        c.eq("signature present", m["signature"]["present"], True)
        c.eq("signature type", m["signature"]["id_type"], "PKCS#7")
        c.eq("modinfo name", m["modinfo"]["name"], "crc7")
        c.eq("sysfs initstate", (m["sysfs"] or {}).get("initstate"), "live")
        c.eq("risk: a signed module from kmod", e["risk"]["level"], "info")
    if e["module"]["path"] is not None:
        c.eq("path, when the loader was still there", e["module"]["path"],
             "/lib/modules/%s/kernel/lib/crc7.ko" % run.kver)
    else:
        c.true("no path: a reason", e["module"]["path_error"] in ("process_gone", "fd_closed"))


kcheck.main("01", check)
