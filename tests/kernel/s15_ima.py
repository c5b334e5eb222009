# SPDX-License-Identifier: GPL-2.0-or-later
"""s15: IMA, the kernel's own hash of what it read. A copy of crc7 overwritten in place right
after finit_module returns: changed_since_load, with the kernel's hash and the file's now. Then
crc16 again, which IMA audited in scenario 04 and does not audit twice: the earlier record
stands, and says so."""
import kcheck


def check(c, run, evs):
    loads = [e for e in evs if e["syscall"]["name"] == "finit_module"]
    c.eq("two loads", [(e["module"]["name"], e["syscall"]["success"]) for e in loads],
         [("crc7", True), ("crc16", True)])
    if len(loads) != 2:
        return
    over, again = loads
    orig = kcheck.host_module(run, "kernel/lib/crc7.ko")
    c.true("the kernel cache has crc7.ko", orig is not None)
    m = over["module"]
    ima = m["ima"] or {}
    c.eq("overwritten: the record's", ima.get("source"), "record")
    c.eq("overwritten: the file", ima.get("file"), "/mods/crc7-over.ko")
    if orig:
        now = b"overwritten!!!!!" + orig[16:]
        c.eq("overwritten: the kernel's hash is of the bytes it read", ima.get("hash"),
             kcheck.sha256(orig))
        c.eq("overwritten: the file's hash now", ima.get("file_hash_now"), kcheck.sha256(now))
        c.eq("overwritten: module.hash is the file's now", (m["hash"] or {}).get("sha256"),
             kcheck.sha256(now))
    c.eq("overwritten: does not match", ima.get("matches_file"), False)
    c.eq("overwritten: the facts are not the loaded bytes'", m["file_exact"], False)
    codes = [r["code"] for r in over["risk"]["reasons"]]
    c.true("overwritten: changed_since_load", "changed_since_load" in codes)
    c.eq("overwritten: high", over["risk"]["level"], "high")

    first = [e for e in run.events("04") if e["syscall"]["name"] == "finit_module"][:1]
    c.eq("scenario 04 loaded crc16 first", len(first), 1)
    m = again["module"]
    ima = m["ima"] or {}
    c.eq("again: no record of its own, the earlier one", ima.get("source"), "earlier_record")
    if first:
        c.eq("again: the earlier record is scenario 04's", ima.get("record_serial"),
             first[0]["audit"]["serial"])
        c.eq("again: its hash", ima.get("hash"), (first[0]["module"]["ima"] or {}).get("hash"))
    data = kcheck.host_module(run, "kernel/lib/crc16.ko")
    if data:
        c.eq("again: = sha256sum of crc16.ko", ima.get("hash"), kcheck.sha256(data))
    c.eq("again: the same bytes", ima.get("matches_file"), True)
    c.eq("again: the file is the attested one", m["file_exact"], True)

    # kmodwatch ima: the policy loaded at boot, and no second write on this kernel
    out = run.scenario_output("15")
    c.true("ima status: a policy loaded this boot", "a policy was loaded this boot" in out)
    c.true("ima enable: refused, and why", "takes one write of it per boot" in out and
           "/etc/ima/ima-policy" in out)
    c.true("ima enable: exit 1", "ima enable exit=1" in out)


kcheck.main("15", check)
