# SPDX-License-Identifier: GPL-2.0-or-later
"""s12: /sys/module facts on success, the signature and .modinfo of the file loaded, and the
loaded-versus-on-disk check: a copy of tcp_nv with another srcversion is flagged."""
import os
import re
import subprocess

import kcheck


def modinfo(path, field):
    r = subprocess.run(["modinfo", "-F", field, path], capture_output=True, text=True)
    return r.stdout.strip()


def check(c, run, evs):
    loads = [e for e in evs if e["syscall"]["name"] == "finit_module"]
    c.eq("two loads", len(loads), 2)
    if len(loads) != 2:
        return
    out = run.scenario_output("12")
    real_src = re.search(r"^srcversion=(\S+)", out, re.M).group(1)
    alt_src = re.search(r"altered_srcversion=(\S+)", out).group(1)
    genuine, altered = loads
    kcheck.common(c, genuine, "genuine", "finit_module", True, exe="/usr/bin/modcall",
                  module="tcp_nv")
    m = genuine["module"]
    # the loader held its fd: the file is the one the kernel read, not an inference
    c.eq("file source", m["file_source"], "proc_fd")
    c.eq("file exact", m["file_exact"], True)
    c.eq("path", m["path"], "/lib/modules/%s/kernel/net/ipv4/tcp_nv.ko" % run.kver)
    c.true("sysfs read", m["sysfs"] is not None)
    if m["sysfs"]:
        c.eq("sysfs srcversion", m["sysfs"]["srcversion"], real_src)
        c.eq("sysfs parameter as set", m["sysfs"]["parameters"].get("nv_pad"), "5")
        c.eq("sysfs initstate", m["sysfs"]["initstate"], "live")
        c.true("sysfs coresize", (m["sysfs"]["coresize"] or 0) > 0)
    c.eq("param_values", m["param_values"], "nv_pad=5")
    c.eq("param_values read from the loader", m["param_values_source"], "process_memory")
    c.eq("loaded matches disk", m["loaded_matches_disk"], True)
    c.eq("on-disk path from libkmod", m["ondisk_path"],
         "/lib/modules/%s/kernel/net/ipv4/tcp_nv.ko" % run.kver)
    # what the host's own tools say of the same file, from the kernel cache
    cache = os.environ.get("KMW_KERNEL_CACHE", "/var/cache/kmodwatch-tests")
    host_file = None
    for d in sorted(os.listdir(cache)) if os.path.isdir(cache) else []:
        p = os.path.join(cache, d, "modules", "kernel/net/ipv4/tcp_nv.ko")
        if d.endswith(run.kver) and os.path.exists(p):
            host_file = p
    c.true("the kernel cache has the file", host_file)
    if host_file and m["signature"]:
        import hashlib
        c.eq("sha256 as sha256sum", m["hash"]["sha256"],
             hashlib.sha256(open(host_file, "rb").read()).hexdigest())
        c.eq("modinfo srcversion", m["modinfo"]["srcversion"], modinfo(host_file, "srcversion"))
        c.eq("signer", m["signature"]["signer"], modinfo(host_file, "signer"))
        c.eq("key id", m["signature"]["key_id"], modinfo(host_file, "sig_key"))
        c.eq("hash algo", m["signature"]["hash_algo"], modinfo(host_file, "sig_hashalgo"))

    kcheck.common(c, altered, "altered copy", "finit_module", True, exe="/usr/bin/kmod",
                  module="tcp_nv")
    a = altered["module"]
    c.true("srcversions differ", alt_src != real_src)
    c.eq("altered: sysfs srcversion", (a["sysfs"] or {}).get("srcversion"), alt_src)
    c.eq("altered: on-disk srcversion", a["ondisk_srcversion"], real_src)
    c.eq("altered: loaded differs from disk", a["loaded_matches_disk"], False)
    codes = [r["code"] for r in altered["risk"]["reasons"]]
    c.true("altered: risk reason", "loaded_differs_from_disk" in codes)
    c.eq("altered: risk level", altered["risk"]["level"], "high")
    c.true("altered: taint E", "E" in ((a["sysfs"] or {}).get("taint") or ""))


kcheck.main("12", check)
