# SPDX-License-Identifier: GPL-2.0-or-later
"""s07: rmmod: delete_module success with the name and decoded flags; then busybox rmmod of
a module that is gone: ENOENT, and KERN_MODULE still names it."""
import kcheck


def check(c, run, evs):
    # crc7 is loaded first when an earlier scenario did not leave it loaded
    evs = [e for e in evs if e["syscall"]["name"] == "delete_module"]
    c.eq("two unloads", len(evs), 2)
    ok, gone = evs[0], evs[1]
    kcheck.common(c, ok, "kmod rmmod", "delete_module", True, exe="/usr/bin/kmod", module="crc7")
    c.eq("kmod flags", ok["args"]["flags"], 0x800)
    c.eq("kmod flag names", ok["args"]["flag_names"], ["O_NONBLOCK"])
    c.eq("kmod unknown flags", ok["args"]["unknown_flags"], "0x0")
    kcheck.common(c, gone, "busybox rmmod absent", "delete_module", False, errno="ENOENT",
                  exe="/bin/busybox", module="crc7")
    c.eq("busybox flags", gone["args"]["flags"], 0x880)
    c.eq("busybox flag names", gone["args"]["flag_names"], ["O_NONBLOCK"])
    c.eq("busybox unknown flags kept", gone["args"]["unknown_flags"], "0x80")


kcheck.main("07", check)
