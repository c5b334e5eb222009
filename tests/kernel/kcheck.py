# SPDX-License-Identifier: GPL-2.0-or-later
"""kcheck.py - host side of the real-kernel scenarios: reads what vm.py collected from the
guest, splits the event stream at the marker events, and checks one scenario."""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from kmwlive import Checks, log  # noqa: E402

BUILD = os.environ.get("KMW_BUILDDIR", os.getcwd())
OUT = os.path.join(BUILD, "tests", "kernel", "out")
MARK = "kmw_mark_"


class Run:
    def __init__(self):
        skipfile = os.path.join(OUT, "skip")
        if os.path.exists(skipfile):
            log("SKIP: the VM did not run: " + open(skipfile).read().strip())
            sys.exit(77)
        if not os.path.exists(os.path.join(OUT, "unicast.json")):
            log("FAIL: no results from the VM: see tests/kernel/vm.log and %s/serial.log" % OUT)
            sys.exit(1)
        only = os.environ.get("KMW_SCENARIOS")
        self.only = only.split(",") if only else None
        self.streams = {m: self._load(m + ".json") for m in (
            "unicast", "multicast", "immutable", "inventory", "inventory2", "tamper", "attack",
            "attack2", "attack3")}
        self.kver = open(os.path.join(OUT, "kver")).read().strip()

    def _load(self, name):
        path = os.path.join(OUT, name)
        if not os.path.exists(path):
            return []
        return [json.loads(l) for l in open(path, "rb").read().split(b"\n") if l.strip()]

    def text(self, name):
        path = os.path.join(OUT, name)
        return open(path, errors="replace").read() if os.path.exists(path) else ""

    def events(self, nn, mode="unicast"):
        """The events after the marker of scenario nn, up to the next marker."""
        out, inside, seen = [], False, False
        for e in self.streams[mode]:
            if e.get("kind") != "syscall":
                continue	# summaries come when their interval ends: see summaries()
            name = e["module"]["name"] or ""
            if e["syscall"]["name"] == "delete_module" and name.startswith(MARK):
                inside = name == MARK + nn
                seen = seen or inside
                continue
            if inside:
                out.append(e)
        if not seen:
            raise RuntimeError("no marker event for scenario %s in %s.json" % (nn, mode))
        return out

    def alerts(self, mode="unicast"):
        """Every alert line of a daemon's run."""
        return [e for e in self.streams[mode] if e.get("kind") == "alert"]

    def summaries(self, mode="unicast"):
        """Every summary line of a daemon's run."""
        return [e for e in self.streams[mode] if e.get("kind") == "summary"]

    def helper(self, nn):
        """The modcall answers of scenario nn: dicts of pid, fd, ret, errno."""
        res = []
        for line in self.text("helper.log").splitlines():
            parts = line.split()
            if parts[:2] == [nn, "done"]:
                res.append({k: int(v) for k, v in (p.split("=") for p in parts[2:])})
        return res

    def scenario_output(self, nn):
        """What the scenario's commands printed, up to its 'NN exit=' line."""
        lines, cur = [], []
        for line in self.text("scenarios.log").splitlines():
            if line.startswith(nn + " exit="):
                return "\n".join(cur)
            if " exit=" in line and line[:2].isdigit():
                cur = []
                continue
            cur.append(line)
        return ""


def host_module(run, rel):
    """The bytes of a module of the guest's kernel, from the host's kernel cache, or None."""
    import glob
    cache = os.environ.get("KMW_KERNEL_CACHE", "/var/cache/kmodwatch-tests")
    found = glob.glob(os.path.join(cache, "*" + run.kver, "modules", rel))
    return open(found[0], "rb").read() if found else None


def query_log(run, name, *args):
    """The events kmodwatch query reads from a log the guest sent back (historical)."""
    import subprocess
    r = subprocess.run([os.path.join(BUILD, "src", "kmodwatch"), "query", "--audit-log",
                        os.path.join(OUT, name), "--format", "json"] + list(args),
                       capture_output=True)
    return [json.loads(l) for l in r.stdout.splitlines() if l.strip()]


def seconds(iso):
    """Epoch seconds of an ISO time as the events write it (2026-12-04T07:45:24.591Z)."""
    import calendar
    import time
    whole, frac = iso.rstrip("Z").split(".") if "." in iso else (iso.rstrip("Z"), "0")
    return calendar.timegm(time.strptime(whole, "%Y-%m-%dT%H:%M:%S")) + float("0." + frac)


def sha256(data):
    import hashlib
    return hashlib.sha256(data).hexdigest()


# a scenario the guest could not run says why in a file of its own
skips = {"16": "inventory-skip", "17": "attack-skip", "18": "attack-skip", "19": "attack-skip",
         "20": "attack-skip", "21": "attack-skip"}
# the daemon whose stream holds a scenario's events
streams = {"10": "multicast", "11": "immutable", "16": "inventory", "17": "tamper",
           "18": "attack", "19": "attack", "20": "attack2", "21": "attack3"}


def main(nn, check):
    """Run check(c, run, events) for scenario nn; exit 0, 1 or 77."""
    run = Run()
    if run.only and nn not in run.only:
        log("SKIP: scenario %s not selected by KMW_SCENARIOS=%s" % (nn, ",".join(run.only)))
        sys.exit(77)
    c = Checks()
    why = run.text(skips.get(nn, "-")).strip() if nn in skips else ""
    if why:
        log("SKIP: scenario %s cannot run: %s" % (nn, why))
        sys.exit(77)
    try:
        evs = run.events(nn, streams.get(nn, "unicast")) if nn not in ("20", "21") else []
        log("scenario %s: %d events" % (nn, len(evs)))
        for e in evs:
            log("  " + json.dumps(e, sort_keys=True))
        check(c, run, evs)
    except Exception:
        import traceback
        traceback.print_exc()
        c.failed += 1
    log("%d checks passed, %d failed" % (c.passed, c.failed))
    sys.exit(1 if c.failed else 0)


def common(c, e, what, name, ok, errno=None, exe=None, module=None, key="kmodwatch",
           arch="x86_64", name_source="kern_module"):
    """The fields every scenario looks at."""
    c.eq(what + ": syscall.name", e["syscall"]["name"], name)
    c.eq(what + ": syscall.arch", e["syscall"]["arch"], arch)
    c.eq(what + ": syscall.success", e["syscall"]["success"], ok)
    c.eq(what + ": syscall.errno", e["syscall"]["errno"], errno)
    if ok:
        c.eq(what + ": syscall.exit", e["syscall"]["exit"], 0)
    if exe:
        c.eq(what + ": process.exe", e["process"]["exe"], exe)
    if module is not None:
        c.eq(what + ": module.name", e["module"]["name"], module)
        c.eq(what + ": module.name_source", e["module"]["name_source"],
             name_source if module else None)
    c.eq(what + ": audit.key", e["audit"]["key"], key)
