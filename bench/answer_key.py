# SPDX-License-Identifier: GPL-2.0-or-later
"""answer_key.py - compare kmodwatch JSON events with tests/gen-audit-log's answer key (--truth),
field by field, matching events by serial and time (events come out as they complete).

  python3 answer_key.py EVENTS.json TRUTH.jsonl     prints a summary, exit 0 when equal
"""
import json
import sys

# the answer key's names, and where the kmodwatch schema keeps each
FIELDS = {
    "arch": ("syscall", "arch"), "syscall": ("syscall", "name"), "success": ("syscall", "success"),
    "exit": ("syscall", "exit"), "errno": ("syscall", "errno"), "fd": ("args", "fd"),
    "flags": ("args", "flags"), "len": ("args", "len"), "key": ("audit", "key"),
    "module": ("module", "name"), "pid": ("process", "pid"), "ppid": ("process", "ppid"),
    "uid": ("process", "uid"), "auid": ("process", "auid"), "comm": ("process", "comm"),
    "exe": ("process", "exe"), "serial": ("audit", "serial"), "node": ("audit", "node"),
    "ima": ("module", "ima"),
}


def load(path):
    with open(path, "rb") as f:
        return [json.loads(l) for l in f.read().split(b"\n") if l.strip()]


def differences(evs, truth, limit=5):
    """A list of human-readable differences (empty when the events match the key)."""
    out = []
    serials = sorted(e["audit"]["serial"] for e in evs)
    want = sorted(t["serial"] for t in truth)
    if serials != want:
        missing = sorted(set(want) - set(serials))[:limit]
        extra = sorted(set(serials) - set(want))[:limit]
        out.append("%d events, want %d (missing %s, unexpected %s, duplicates %d)" % (
            len(evs), len(truth), missing, extra, len(serials) - len(set(serials))))
    by_id = {(e["audit"]["serial"], "%.3f" % e["audit"]["epoch"]): e for e in evs}
    for t in truth:
        e = by_id.get((t["serial"], t["time"]))
        if e is None:
            continue
        for k, v in t.items():
            if k == "time":
                continue
            a, b = FIELDS.get(k, (None, None))
            got = e[a].get(b) if a else ("unknown field", k)
            # an object of the key (module.ima) names the members it vouches for
            if isinstance(v, dict) and isinstance(got, dict):
                got = {m: got.get(m) for m in v}
            if got != v:
                out.append("serial %s %s: got %r, want %r" % (t["serial"], k, got, v))
    return out


def main(argv):
    evs, truth = load(argv[1]), load(argv[2])
    diff = differences(evs, truth)
    for d in diff[:20]:
        print("  " + d)
    print("%d events, %d in the answer key, %d differences" % (len(evs), len(truth), len(diff)))
    return 1 if diff else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
