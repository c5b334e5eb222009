# SPDX-License-Identifier: GPL-2.0-or-later
"""s20: kmodwatchd killed with SIGKILL while a load is in the kernel. The kernel keeps what
it had not delivered, and the SYSCALL record went with the dead socket: the restarted daemon
gets KERN_MODULE, PROCTITLE and EOE. It says what came, marked, and no alert claims that
audit never reported the load."""
import kcheck


def check(c, run, evs):
    got = [e for e in run.streams["attack2"] if e.get("kind") == "syscall" and
           e["module"]["name"] == "kmw_sleepy2"]
    c.eq("the load is an event of the restarted daemon", len(got), 1)
    if got:
        e = got[0]
        whole = e["syscall"]["name"] == "finit_module"
        # the kernel lost the SYSCALL record in every run so far; a whole event is right too
        c.true("missing its SYSCALL record, and marked so (or whole)",
               whole or (e["syscall"].get("record_missing") is True and
                         e["syscall"]["success"] is None))
        if not whole:
            c.eq("the loader's command line", e["process"]["cmdline"][:2],
                 ["/sbin/insmod", "/mods/kmw_sleepy2.ko"])
            c.true("said in the notes", any("no SYSCALL record" in n
                                             for n in e["audit"]["parse_notes"]))
    c.eq("no alert that audit never reported it",
         [a["alert"]["code"] for a in run.alerts("attack2")
          if (a.get("module") or {}).get("name") == "kmw_sleepy2"], [])


kcheck.main("20", check)
