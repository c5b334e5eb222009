# SPDX-License-Identifier: GPL-2.0-or-later
"""live_b32.py - the b32 rule: module syscalls of a 32-bit program are captured and decoded
as i386 (needs gcc-multilib, and a kernel that runs 32-bit x86 programs)."""
import os

import kmwlive


def main(live, c):
    if live.foreign_auditd:
        kmwlive.skip("another audit daemon (pid %d) runs: this test needs the audit pid free"
                     % live.foreign_auditd)
    why = kmwlive.can_run_32()
    if why:
        kmwlive.skip(why + ": here live_unicast.py checks the b32 rule is installed, and "
                     "tests/kernel/s13_b32.py makes b32 calls in the VM")
    d = live.daemon("--source", "auto")
    mod = os.path.join(live.tmp, "dummy.ko")
    with open(mod, "wb") as f:
        f.write(b"\x7fELF not really a module\n")
    kmwlive.b32_scenario(live, c, d, mod, os.stat(mod))
    c.eq("exit 0", d.stop(), 0)


kmwlive.run(main, "b32")
