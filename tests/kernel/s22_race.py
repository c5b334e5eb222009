# SPDX-License-Identifier: GPL-2.0-or-later
"""s22: the race for the loader's file. Loaders that exit right after their finit_module: 30
successes, 30 EEXIST, 30 unprivileged EPERM. The reader reads the fd as the SYSCALL record
comes: the file is won (kmodwatchd's own fd of it, file_source proc_fd) about as often as the
build before the pipeline redesign (8bf1a4f) won it: bench/race.py, 1 vCPU, 100 of each kind
(README, Benchmarks): 8bf1a4f 298 of 300 (99%) on a quiet machine and 73 of 90 (81%) beside
.ci/run, this build 300 of 300 and 88 of 90. The floor is between the two, so that a busy CI
host does not fail it and a return of the old loss does. An EPERM's module name comes from
the file it won."""
import kcheck

FLOOR = 0.95


def check(c, run, evs):
    loads = [e for e in evs if e["syscall"]["name"] == "finit_module" and
             (e["process"]["exe"] or "").endswith("loadexit")]
    by = {}
    for e in loads:
        by.setdefault(e["syscall"]["errno"] or "success", []).append(e)
    c.eq("30 of each kind", sorted((k, len(v)) for k, v in by.items()),
         [("EEXIST", 30), ("EPERM", 30), ("success", 30)])
    won = [e for e in loads if e["module"]["file_source"] == "proc_fd"]
    rate = len(won) / len(loads) if loads else 0
    for k, v in sorted(by.items()):
        kcheck.log("%s: %d of %d won" % (k, sum(e["module"]["file_source"] == "proc_fd"
                                                for e in v), len(v)))
    c.true("the file won at least as often as before the redesign: %d of %d (%.0f%%, floor "
           "%.0f%%)" % (len(won), len(loads), 100 * rate, 100 * FLOOR), rate >= FLOOR)
    early = [e for e in won if e["process"].get("captured_after_us") is not None]
    c.true("won by the reader, as the record came", len(early) >= len(won) * 0.9)
    eperm = [e for e in by.get("EPERM", []) if e["module"]["file_source"] == "proc_fd"]
    c.true("an EPERM won: its module name from the file's .modinfo",
           all(e["module"]["name"] == "crc16" and e["module"]["name_source"] == "modinfo"
               for e in eperm))


kcheck.main("22", check)
