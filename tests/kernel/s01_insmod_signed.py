# SPDX-License-Identifier: GPL-2.0-or-later
"""s01: kmod insmod of a Debian-signed module: success, the name from KERN_MODULE, flags 0;
IMA's record gives the exact path and the kernel's hash even though insmod exits at once, and
the same event is read back from the record log with `kmodwatch query --audit-log`."""
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
    path = "/lib/modules/%s/kernel/lib/crc7.ko" % run.kver
    # the path: from /proc when the loader was still there, else from IMA: never none
    c.eq("path, from /proc or IMA", m["path"], path)
    c.true("path source", m["path_source"] in ("proc_fd", "ima"))
    data = kcheck.host_module(run, "kernel/lib/crc7.ko")
    c.true("the kernel cache has crc7.ko", data is not None)
    ima = m["ima"] or {}
    c.eq("IMA: the record's", ima.get("source"), "record")
    c.eq("IMA: the file", ima.get("file"), path)
    c.eq("IMA: sha256", ima.get("algo"), "sha256")
    if data:
        c.eq("IMA: the kernel's hash = sha256sum of crc7.ko", ima.get("hash"), kcheck.sha256(data))
    c.eq("IMA: kmodwatchd read the same bytes", ima.get("matches_file"), True)
    c.eq("so the file's facts are exact, whichever way it was reached", m["file_exact"], True)
    c.true("no change since the load", "changed_since_load" not in
           [r["code"] for r in e["risk"]["reasons"]])
    # the same from the record log, as a log read later
    past = [x for x in kcheck.query_log(run, "unicast.records", "--module", "crc7",
                                        "--syscall", "finit_module")
            if x["audit"]["serial"] == e["audit"]["serial"]]
    c.eq("record log: the event", len(past), 1)
    if past:
        pm = past[0]["module"]
        c.eq("record log: historical", past[0]["historical"], True)
        c.eq("record log: the path from IMA", (pm["path"], pm["path_source"]), (path, "ima"))
        c.eq("record log: the kernel's hash", (pm["ima"] or {}).get("hash"), ima.get("hash"))


kcheck.main("01", check)
