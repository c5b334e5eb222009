#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""race.py - the race for the loader's file, in the real kernel of the test harness: loaders
that exit right after their finit_module (N successes, N EEXIST, N unprivileged EPERM, no IMA),
and how often kmodwatchd won the file (its own fd of the one the loader passed), this build
against a baseline commit (8bf1a4f: before the pipeline redesign), at 1 and 2 vCPUs. With the
record-to-capture latency of this build (process.captured_after_us: from the reader taking the
record to the end of the capture, on the reader's thread).

  sudo python3 bench/race.py [-n N] [--smp 1,2] [--baseline COMMIT]    (from a build tree)

Environment: KMW_BUILDDIR (the build, default .), KMW_SRCDIR (the sources, default the
script's). Prints a markdown table; each run's JSON stays in BUILD/bench-race/.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.environ.get("KMW_SRCDIR", os.path.dirname(HERE))
BUILD = os.path.abspath(os.environ.get("KMW_BUILDDIR", "."))
OUT = os.path.join(BUILD, "bench-race")


def baseline_daemon(commit):
    """kmodwatchd of @commit, built once in a worktree under OUT."""
    tree = os.path.join(OUT, "tree-" + commit)
    exe = os.path.join(tree, "src", "kmodwatchd")
    if os.path.exists(exe):
        return exe
    if not os.path.exists(tree):
        subprocess.run(["git", "-C", SRC, "worktree", "add", "--detach", tree, commit], check=True,
                       capture_output=True)
    for cmd in (["autoreconf", "-fi"], ["./configure"], ["make", "-j2", "src/kmodwatchd"]):
        r = subprocess.run(cmd, cwd=tree, capture_output=True, text=True)
        if r.returncode:
            sys.exit("building %s failed at %s:\n%s" % (commit, " ".join(cmd), r.stderr[-2000:]))
    return exe


def run(daemon, smp, n, label):
    env = dict(os.environ, KMW_GUEST_INIT=os.path.join(HERE, "race-guest.sh"),
               KMW_GUEST_DAEMON=daemon, KMW_VM_SMP=str(smp), KMW_VM_APPEND="kmw.race=%d" % n,
               KMW_BUILDDIR=BUILD, KMW_SRCDIR=SRC, KMW_SCENARIOS="")
    r = subprocess.run([sys.executable, os.path.join(SRC, "tests", "kernel", "vm.py")], env=env,
                       capture_output=True, text=True)
    if r.returncode:
        sys.exit("the guest failed (%s, %d vCPU):\n%s" % (label, smp, r.stdout[-3000:]))
    dst = os.path.join(OUT, "%s-smp%d.json" % (label, smp))
    shutil.copy(os.path.join(BUILD, "tests", "kernel", "out", "race.json"), dst)
    evs = [json.loads(l) for l in open(dst, "rb").read().split(b"\n") if l.strip()]
    return [e for e in evs if e.get("kind", "syscall") == "syscall" and
            e["syscall"]["name"] == "finit_module" and
            (e["process"].get("exe") or "").endswith("loadexit")]


def won(e):
    """kmodwatchd read the file through the loader's fd while it lived."""
    m = e["module"]
    return m.get("path") is not None and m.get("path_error") is None and \
        (m.get("file_source") in (None, "proc_fd") or m.get("path_source") == "proc_fd")


def kind(e):
    err = e["syscall"]["errno"]
    return "success" if err is None else err


def pct(vals, p):
    if not vals:
        return None
    vals = sorted(vals)
    return vals[min(len(vals) - 1, int(len(vals) * p / 100))]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=100)
    ap.add_argument("--smp", default="1,2")
    ap.add_argument("--baseline", default="8bf1a4f",
                    help="commits to compare with, comma-separated")
    a = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("race.py boots the harness's guest: run it as root")
    os.makedirs(OUT, exist_ok=True)
    daemons = [(b, baseline_daemon(b)) for b in a.baseline.split(",") if b] + \
        [("this build", os.path.join(BUILD, "src", "kmodwatchd"))]
    rows = []
    for smp in [int(x) for x in a.smp.split(",")]:
        for label, exe in daemons:
            evs = run(exe, smp, a.n, label.replace(" ", "-"))
            by = {}
            for e in evs:
                by.setdefault(kind(e), []).append(e)
            lat = [e["process"]["captured_after_us"] for e in evs
                   if e["process"].get("captured_after_us") is not None]
            rows.append((label, smp, {k: (sum(won(e) for e in v), len(v)) for k, v in by.items()},
                         pct(lat, 50), pct(lat, 99)))
    print("| build | vCPUs | success won | EEXIST won | EPERM won | all | capture p50 | p99 |")
    print("|---|---|---|---|---|---|---|---|")
    for label, smp, k, p50, p99 in rows:
        cells = []
        tw = tn = 0
        for name in ("success", "EEXIST", "EPERM"):
            w, n = k.get(name, (0, 0))
            tw += w
            tn += n
            cells.append("%d/%d" % (w, n))
        print("| %s | %d | %s | %d/%d (%.0f%%) | %s | %s |" % (
            label, smp, " | ".join(cells), tw, tn, 100.0 * tw / tn if tn else 0,
            "%d µs" % p50 if p50 is not None else "-", "%d µs" % p99 if p99 is not None else "-"))


if __name__ == "__main__":
    main()
