# SPDX-License-Identifier: GPL-2.0-or-later
"""s05: finit_module with MODULE_INIT_COMPRESSED_FILE on a .ko.xz: EOPNOTSUPP in 6.1;
then kmod insmod of the same file decompresses in user space: init_module success."""
import kcheck


def check(c, run, evs):
    h = run.helper("05")
    c.eq("helper saw EOPNOTSUPP", [x["errno"] for x in h], [95])
    finit = [e for e in evs if e["syscall"]["name"] == "finit_module"]
    init = [e for e in evs if e["syscall"]["name"] == "init_module"]
    c.eq("one finit_module", len(finit), 1)
    c.eq("one init_module", len(init), 1)
    if finit:
        e = finit[0]
        kcheck.common(c, e, "finit compressed", "finit_module", False, errno="EOPNOTSUPP",
                      exe="/usr/bin/modcall", module="crc16", name_source="modinfo")
        c.eq("flags", e["args"]["flags"], 4)
        c.eq("flag names", e["args"]["flag_names"], ["MODULE_INIT_COMPRESSED_FILE"])
        c.eq("unknown flags", e["args"]["unknown_flags"], "0x0")
        c.eq("pid matches the helper", e["process"]["pid"], h[0]["pid"] if h else None)
        c.eq("path of the held fd", e["module"]["path"], "/mods/crc16.ko.xz")
    if init:
        e = init[0]
        kcheck.common(c, e, "kmod insmod .xz", "init_module", True, exe="/usr/bin/kmod",
                      module="crc16")
        c.true("decompressed image length", e["args"]["len"] > 1000)
        m = e["module"]
        # IMA measures files: an image passed in memory has no kernel-attested identity
        c.eq("init_module: no IMA record", m["ima"], None)
        c.eq("init_module: and it says why", m["ima_absent"], "init_module")
        # kmod read the .xz, decompressed it, and passed the image: we hash that image
        if m["file_source"] == "process_memory":
            import glob
            import hashlib
            import os
            cache = os.environ.get("KMW_KERNEL_CACHE", "/var/cache/kmodwatch-tests")
            host = glob.glob(os.path.join(cache, "*" + run.kver, "modules", "kernel/lib/crc16.ko"))
            if host:
                c.eq("sha256 of the image = sha256sum of crc16.ko", m["hash"]["sha256"],
                     hashlib.sha256(open(host[0], "rb").read()).hexdigest())
            c.eq("the image is signed", m["signature"]["present"], True)
            c.eq(".modinfo name", m["modinfo"]["name"], "crc16")
        else:
            c.true("image not read: a reason", m["file_source"] in ("kmod_lookup", "argv"))


kcheck.main("05", check)
