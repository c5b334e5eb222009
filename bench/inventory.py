#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""inventory.py - what the module inventory costs on a host with 200 modules, in time and in
system calls:

  - kmodwatchd's check (the views only: /proc/modules and a listing of /sys/module), which
    runs a few seconds after each load and every --inventory-interval seconds;
  - the full read (every module's sysfs files), at start and for `kmodwatch modules`;
  - `kmodwatch modules` itself: the inventory, the store's snapshot and loads, and for each
    module its file hashed, its signature read and its package looked up in this host's
    dpkg database (read once per run: it is the biggest part).

A host with 200 modules is made of files (this machine's kernel has no modules): /proc/modules
and /sys/module/* (200 loadable, 200 built-in) on tmpfs, 200 module files of 64 KiB, a store
with the load event of each. Real sysfs attributes cost more than tmpfs files to open; the
counts of system calls are what they are either way.

  python3 bench/inventory.py [BUILDDIR]
"""
import hashlib
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

BUILD = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("KMW_BUILDDIR", ".")
BENCH = os.path.join(BUILD, "bench", "inventory_bench")
CLI = os.path.join(BUILD, "src", "kmodwatch")
N = 200


def syscalls(cmd, env=None):
    """The system calls of @cmd by name, from strace -c -f."""
    out = tempfile.mktemp(prefix="kmw-strace-")
    subprocess.run(["strace", "-f", "-c", "-o", out] + cmd, capture_output=True, env=env)
    calls = {}
    for line in open(out):
        f = line.split()
        if len(f) >= 5 and f[0][0].isdigit() and not line.startswith("100.00"):
            calls[f[-1]] = int(f[3])
    os.unlink(out)
    return calls


def per_check(mode, tmp):
    """System calls of one check: ten checks less one, over nine."""
    env = dict(os.environ, KMW_BENCH_MODE=mode)
    a = syscalls([BENCH, os.path.join(tmp, "a" + mode), str(N), "1"], env)
    b = syscalls([BENCH, os.path.join(tmp, "b" + mode), str(N), "10"], env)
    return {k: (b.get(k, 0) - a.get(k, 0)) / 9 for k in b if b.get(k, 0) != a.get(k, 0)}


def host(tmp):
    """The tree of a host with N modules, a store with their loads; the environment for it."""
    bench_tree = os.path.join(tmp, "host")
    subprocess.run([BENCH, bench_tree, str(N), "1"], check=True, capture_output=True)
    with open(os.path.join(bench_tree, "proc", "stat"), "w") as f:
        f.write("btime 1000\n")
    mods = os.path.join(tmp, "lib", "modules", "6.1.0-57-amd64", "kernel")
    os.makedirs(mods)
    store = os.path.join(tmp, "events.db")
    subprocess.run([CLI, "import", "--store", store, "/dev/null"], check=True, capture_output=True)
    boot = open("/proc/sys/kernel/random/boot_id").read().strip()
    db = sqlite3.connect(store)
    db.execute("INSERT INTO module_snapshots (boot_id, name, time_ms, in_proc, in_sysfs)"
               " VALUES (?, '', 1000000, 0, 0)", (boot,))
    for i in range(N):
        path = os.path.join(mods, "mod_%03d.ko" % i)
        data = b"\x7fELF" + os.urandom(65532)
        with open(path, "wb") as f:
            f.write(data)
        db.execute("INSERT INTO events (boot_id, serial, time_ms, syscall, success, module, exe,"
                   " uid, user, path, sha256, risk, kind, json) VALUES (?, ?, ?, 'finit_module',"
                   " 1, ?, '/usr/bin/kmod', 0, 'root', ?, ?, 1, 'syscall', '{}')",
                   (boot, 100 + i, 1001000 + i, "mod_%03d" % i, path,
                    hashlib.sha256(data).hexdigest()))
    db.commit()
    db.close()
    env = dict(os.environ, KMW_PROC_ROOT=os.path.join(bench_tree, "proc"),
               KMW_SYS_ROOT=os.path.join(bench_tree, "sys"), KMW_MODULE_DIR=os.path.join(tmp, "x"))
    return env, store


def main():
    for exe in (BENCH, CLI):
        if not os.path.exists(exe):
            sys.exit("build first: %s is missing" % exe)
    if not shutil.which("strace"):
        sys.exit("strace is missing: apt-get install strace")
    base = "/dev/shm" if os.path.isdir("/dev/shm") else None
    tmp = tempfile.mkdtemp(prefix="kmw-inventory-bench-", dir=base)
    try:
        r = subprocess.run([BENCH, os.path.join(tmp, "t"), str(N), "2000"], capture_output=True,
                           text=True, check=True)
        print(r.stdout.strip())
        for mode, what in (("quick", "check (views only)"), ("full", "full read")):
            calls = per_check(mode, tmp)
            print("%s: %d system calls: %s" % (what, round(sum(calls.values())), ", ".join(
                "%s %d" % (k, round(v)) for k, v in sorted(calls.items(), key=lambda x: -x[1])
                if round(v))))
        env, store = host(tmp)
        dpkg = len([f for f in os.listdir("/var/lib/dpkg/info") if f.endswith(".list")]) \
            if os.path.isdir("/var/lib/dpkg/info") else 0
        times = []
        for _ in range(7):
            t0 = time.monotonic()
            r = subprocess.run([CLI, "modules", "--store", store, "--format", "json"],
                               capture_output=True, text=True, env=env)
            times.append(time.monotonic() - t0)
        rows = [json.loads(l) for l in r.stdout.splitlines() if l]
        calls = syscalls([CLI, "modules", "--store", store, "--format", "json"], env)
        print("kmodwatch modules: %d modules listed (%d with their load event), %d dpkg file "
              "lists read: median %.0f ms of %d runs (min %.0f, max %.0f); %d system calls "
              "(%s)" % (len(rows), sum(1 for m in rows if m["provenance"]["kind"] == "load_event"),
                        dpkg, statistics.median(times) * 1000, len(times), min(times) * 1000,
                        max(times) * 1000, sum(calls.values()), ", ".join(
                            "%s %d" % kv for kv in sorted(calls.items(), key=lambda x: -x[1])[:6])))
        env_nodpkg = dict(env, KMW_DPKG_ADMIN=os.path.join(tmp, "nodpkg"))
        times = []
        for _ in range(7):
            t0 = time.monotonic()
            subprocess.run([CLI, "modules", "--store", store, "--format", "json"],
                           capture_output=True, env=env_nodpkg)
            times.append(time.monotonic() - t0)
        print("kmodwatch modules without a dpkg database: median %.0f ms" % (
            statistics.median(times) * 1000))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
