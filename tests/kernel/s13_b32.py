# SPDX-License-Identifier: GPL-2.0-or-later
"""s13: the b32 rule: a 32-bit program loads a module through the compat finit_module and
unloads it; both events are i386, decoded, and the file read through the loader's fd."""
import kcheck
import kmwlive


def check(c, run, evs):
    if "no modcall32" in run.scenario_output("13"):
        kmwlive.skip("tests/modcall32-static was not built (install gcc-multilib, re-run "
                    "configure): no 32-bit program in the guest")
    c.eq("two events", len(evs), 2)
    if len(evs) != 2:
        return
    load, unload = evs
    kcheck.common(c, load, "b32 finit", "finit_module", True, exe="/usr/bin/modcall32",
                  module="crc16", arch="i386")
    c.eq("b32 finit: syscall.nr (i386 numbering)", load["syscall"]["nr"], 350)
    c.eq("b32 finit: module.path", load["module"]["path"], "/mods/crc16.ko")
    c.eq("b32 finit: read through the fd", load["module"]["file_source"], "proc_fd")
    c.true("b32 finit: hashed", (load["module"]["hash"] or {}).get("sha256"))
    c.eq("b32 finit: no flags", load["args"]["flag_names"], [])
    kcheck.common(c, unload, "b32 delete", "delete_module", True, exe="/usr/bin/modcall32",
                  module="crc16", arch="i386")
    c.eq("b32 delete: syscall.nr", unload["syscall"]["nr"], 129)
    helper = run.helper("13")
    c.eq("helper: both calls succeeded", [h.get("ret") for h in helper], [0, 0])


kcheck.main("13", check)
