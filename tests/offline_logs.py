# SPDX-License-Identifier: GPL-2.0-or-later
"""offline_logs.py - kmodwatch query --audit-log against the generator's answer key (several
seeds, RAW and ENRICHED, heavy interleaving, rotated and gzipped sets), and bad lines that
cost nothing but themselves."""
import gzip
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kmwlive import check, summary  # noqa: E402
from offline_common import GEN, compare, generate, query  # noqa: E402


def main():
    if not os.path.exists(GEN):
        print("SKIP: the log generator is not at %s (KMW_GEN_AUDIT_LOG)" % GEN)
        return 77
    tmp = tempfile.mkdtemp(prefix="kmw-offline-")
    try:
        for seed in (1, 2, 3):
            for fmt in ("raw", "enriched"):
                log, truth = generate(tmp, "s%d%s" % (seed, fmt), "--events", "20000",
                                      "--seed", str(seed), "--format", fmt)
                r, evs = query(log)
                check("seed %d %s: exit" % (seed, fmt), r.returncode, 0)
                compare("seed %d %s" % (seed, fmt), evs, truth)
        # every event starting before the last ended
        log, truth = generate(tmp, "inter", "--events", "20000", "--seed", "9",
                              "--interleave", "0.9", "--module-share", "0.05")
        r, evs = query(log)
        compare("interleave 0.9", evs, truth)
        # IMA records, node= prefixes, many 32-bit callers, the EOE of a netlink stream
        keys = {}
        for name, extra in (("ima-node", ["--ima-share", "0.6", "--node", "web-01"]),
                            ("i386-eoe", ["--i386-share", "0.5", "--eoe", "--format", "raw"])):
            log2, keys[name] = generate(tmp, name, "--events", "20000", "--seed", "17",
                                        "--module-share", "0.05", *extra)
            r, evs = query(log2)
            check("%s: exit" % name, r.returncode, 0)
            compare(name, evs, keys[name])
        check("ima-node: the key holds IMA facts and nodes",
              (any("ima" in t for t in keys["ima-node"]),
               all(t.get("node") == "web-01" for t in keys["ima-node"])), (True, True))
        check("i386-eoe: the key holds 32-bit calls",
              sum(t["arch"] == "i386" for t in keys["i386-eoe"]) > 100, True)
        # stdin
        r, evs = query("-", stdin=open(log, "rb").read())
        compare("stdin", evs, truth)

        # a rotated set, the middle one gzipped, named in the wrong order
        lines = open(log, "rb").read().split(b"\n")[:-1]
        third = len(lines) // 3
        parts = [lines[:third], lines[third:2 * third], lines[2 * third:]]
        base = os.path.join(tmp, "audit.log")
        open(base + ".2", "wb").write(b"\n".join(parts[0]) + b"\n")
        with gzip.open(base + ".1.gz", "wb") as f:
            f.write(b"\n".join(parts[1]) + b"\n")
        open(base, "wb").write(b"\n".join(parts[2]) + b"\n")
        r, evs = query(base, base + ".1.gz", base + ".2")
        # an event cut by the rotation may lose records, never the event
        check("rotated set: events", len(evs), len(truth))
        compare("rotated set", evs, truth)

        # bad lines, one of each kind, placed inside module events too
        log, truth = generate(tmp, "bad", "--events", "3000", "--seed", "5")
        lines = open(log, "rb").read().split(b"\n")[:-1]
        bad = [b"type=SYSCALL msg=audit(1790000", b"\x00\x01\x02garbage\xff\xfe binary",
               b"type=PATH msg=audit(1.1:1): name=" + b"A" * 100000,
               b"type=CWD msg=audit(1790000000.1:5): cwd=\"/\x00x\"", b"just some text",
               b"node=lonely"]
        out, injected, k = [], 0, 0
        for i, l in enumerate(lines):
            out.append(l)
            if l.startswith(b"type=SYSCALL") and b"syscall=313" in l and injected < 12:
                # right after a module SYSCALL record, before its other records
                out.append(bad[k % len(bad)])
                k += 1
                injected += 1
        out.append(b"type=EOE msg=audit(")  # a cut last line, without newline
        injected += 1
        path = os.path.join(tmp, "bad-mixed.log")
        open(path, "wb").write(b"\n".join(out))
        r, evs = query(path)
        compare("bad lines", evs, truth)
        errs = [l for l in r.stderr.decode("utf-8", "replace").splitlines() if "skipped" in l
                and ":" in l and "bad line(s)" not in l]
        check("bad lines: one error each", len(errs), injected)
        check("bad lines: counted", ("%d bad line(s) skipped" % injected) in r.stderr.decode(), True)
        check("bad lines: exit status", r.returncode, 0)
    finally:
        subprocess.run(["rm", "-rf", tmp])
    return summary()


sys.exit(main())
