# SPDX-License-Identifier: GPL-2.0-or-later
"""cli_modules.py - `kmodwatch modules`: on this machine's kernel (no module support) it says
so and exits 1; on fake /proc, /sys and dpkg trees with a store, every module gets its views,
provenance (load event, before monitoring, unaudited, hidden from both), package provenance
and risk; the filters, the formats and the exit codes are those of query."""
import csv
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

BUILD = os.environ.get("KMW_BUILDDIR", os.getcwd())
CLI = os.path.join(BUILD, "src", "kmodwatch")

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kmwlive import check, summary  # noqa: E402

KVER = "6.1.0-57-amd64"


def cli(env, *args):
    r = subprocess.run([CLI, "modules"] + list(args), capture_output=True, text=True,
                       env=dict(os.environ, TZ="UTC", NO_COLOR="1", **env))
    return r


def put(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w" if isinstance(data, str) else "wb") as f:
        f.write(data)


def md5(data):
    import hashlib
    return hashlib.md5(data).hexdigest()


def sha256(data):
    import hashlib
    return hashlib.sha256(data).hexdigest()


def sysmod(root, name, taint=""):
    d = os.path.join(root, "sys", "module", name)
    put(os.path.join(d, "initstate"), "live\n")
    put(os.path.join(d, "taint"), taint + "\n")
    put(os.path.join(d, "coresize"), "16384\n")
    put(os.path.join(d, "refcnt"), "0\n")


def tree(tmp):
    """A host with five modules; returns (env, store, boot id, the files' bytes)."""
    proc, mods = os.path.join(tmp, "proc"), os.path.join(tmp, "lib", "modules", KVER)
    put(os.path.join(proc, "modules"),
        "crc16 16384 0 - Live 0x0000000000000000\n"
        "zfs 4194304 1 - Live 0x0000000000000000 (POE)\n"
        "evil 16384 0 - Live 0x0000000000000000\n"
        "sneaky 16384 0 - Live 0x0000000000000000 (OE)\n")
    put(os.path.join(proc, "stat"), "cpu 0 0 0 0\nbtime 1000\n")
    for name, taint in (("crc16", ""), ("zfs", "POE"), ("evil", ""), ("sneaky", "OE"),
                        ("rk", "OE")):
        sysmod(tmp, name, taint)
    files = {
        "crc16": (os.path.join(mods, "kernel/lib/crc16.ko"), b"\x7fELF crc16 as shipped"),
        "zfs": (os.path.join(mods, "updates/dkms/zfs.ko"), b"\x7fELF zfs built here"),
        "evil": (os.path.join(mods, "kernel/fs/evil.ko"), b"\x7fELF changed after install"),
        "rk": (os.path.join(tmp, "tmp", "rk.ko"), b"\x7fELF a rootkit"),
        "gone": (os.path.join(tmp, "tmp", "gone.ko"), b"\x7fELF hidden from both"),
    }
    for path, data in files.values():
        put(path, data)
    info = os.path.join(tmp, "dpkg", "info")
    put(os.path.join(info, "linux-image-%s.list" % KVER),
        "/.\n%s\n%s\n" % (files["crc16"][0], files["evil"][0]))
    put(os.path.join(info, "linux-image-%s.md5sums" % KVER),
        "%s  %s\n%s  %s\n" % (md5(files["crc16"][1]), files["crc16"][0][1:],
                              md5(b"the bytes as shipped"), files["evil"][0][1:]))
    boot = open("/proc/sys/kernel/random/boot_id").read().strip()
    store = os.path.join(tmp, "events.db")
    r = subprocess.run([CLI, "import", "--store", store, "/dev/null"], capture_output=True,
                       text=True)
    if r.returncode != 0:
        raise RuntimeError("cannot make a store: " + r.stderr)
    db = sqlite3.connect(store)
    # the first start of this boot: crc16 there already, rk in sysfs only
    for name in ("", "crc16", "rk"):
        db.execute("INSERT INTO module_snapshots (boot_id, name, time_ms, in_proc, in_sysfs)"
                   " VALUES (?, ?, ?, ?, ?)", (boot, name, 1001000, name == "crc16", name != ""))

    def event(serial, ms, syscall, module, path=None, sha=None, kind="syscall", errno=None,
              risk=2, success=1):
        db.execute("INSERT INTO events (boot_id, serial, time_ms, syscall, success, errno, module,"
                   " exe, uid, user, path, sha256, risk, kind, json) VALUES"
                   " (?, ?, ?, ?, ?, ?, ?, '/usr/bin/kmod', 0, 'root', ?, ?, ?, ?, '{}')",
                   (boot, serial, ms, syscall, success, errno, module, path, sha, risk, kind))
    event(10, 1002000, "finit_module", "zfs", files["zfs"][0], sha256(files["zfs"][1]), risk=1)
    event(11, 1003000, "finit_module", "rk", files["rk"][0], sha256(files["rk"][1]), risk=2)
    event(12, 1004000, "finit_module", "evil", files["evil"][0], sha256(b"other bytes"), risk=0)
    # loaded, unloaded, loaded again: the second life is the one that counts
    event(13, 1005000, "finit_module", "gone", files["gone"][0], sha256(files["gone"][1]))
    event(14, 1006000, "delete_module", "gone")
    event(15, 1007000, "finit_module", "gone", files["gone"][0], sha256(files["gone"][1]))
    event(1 << 62 | 5, 1009000, "none", "gone", kind="alert", errno="hidden_module", risk=3,
          success=0)
    # a failed load of sneaky: no provenance
    event(16, 1008000, "finit_module", "sneaky", success=0, errno="EPERM")
    db.commit()
    db.close()
    env = {"KMW_PROC_ROOT": proc, "KMW_SYS_ROOT": os.path.join(tmp, "sys"),
           "KMW_DPKG_ADMIN": os.path.join(tmp, "dpkg"), "KMW_DKMS_DIR": os.path.join(tmp, "dkms"),
           "KMW_MODULE_DIR": os.path.join(tmp, "nomoddir")}
    return env, store, boot, files


def main():
    # this machine: no module support; it says so, and "no match"
    r = cli({}, "--store", "/nonexistent/events.db")
    check("this kernel: exit 1 (nothing to list)", r.returncode, 1)
    check("this kernel: says so", "no loadable-module support" in r.stdout, True)
    r = cli({}, "--format", "json")
    check("this kernel, json: nothing on stdout", r.stdout, "")
    check("this kernel, json: the reason on stderr", "no loadable-module support" in r.stderr,
          True)
    check("bad --format: exit 2", cli({}, "--format", "yaml").returncode, 2)
    check("bad --risk: exit 2", cli({}, "--risk", "extreme").returncode, 2)
    check("bad --since: exit 2", cli({}, "--since", "the day before").returncode, 2)
    check("an argument: exit 2", cli({}, "extra").returncode, 2)

    tmp = tempfile.mkdtemp(prefix="kmw-modules-")
    try:
        env, store, boot, files = tree(tmp)
        r = cli(env, "--store", store, "--format", "json")
        check("json: exit 0", r.returncode, 0)
        mods = {m["name"]: m for m in (json.loads(l) for l in r.stdout.splitlines() if l)}
        check("json: every module, and the one hidden from both", sorted(mods),
              ["crc16", "evil", "gone", "rk", "sneaky", "zfs"])
        m = mods.get("crc16", {})
        check("crc16: before monitoring", m.get("provenance", {}).get("kind"), "before_monitoring")
        check("crc16: both views", m.get("views"), {"proc_modules": True, "sys_module": True})
        m = mods.get("zfs", {})
        check("zfs: its load event", (m.get("provenance", {}).get("kind"),
                                      m.get("provenance", {}).get("serial"),
                                      m.get("provenance", {}).get("loader"),
                                      m.get("provenance", {}).get("user")),
              ("load_event", 10, "/usr/bin/kmod", "root"))
        check("zfs: the load's file", m.get("file", {}).get("path"), files["zfs"][0])
        check("zfs: the file is the one loaded", m.get("file", {}).get("matches_load"), True)
        check("zfs: dkms", m.get("package", {}).get("provenance"), "dkms")
        check("zfs: taint", m.get("taint"), "POE")
        check("zfs: unsigned (taint E)", "unsigned" in m.get("risk", {}).get("reasons", []), True)
        m = mods.get("evil", {})
        check("evil: packaged, modified", (m.get("package", {}).get("provenance"),
                                          m.get("package", {}).get("name")),
              ("packaged_modified", "linux-image-" + KVER))
        check("evil: high", m.get("risk", {}).get("level"), "high")
        check("evil: the file is not the one loaded", m.get("file", {}).get("matches_load"), False)
        m = mods.get("rk", {})
        check("rk: sysfs only", m.get("views"), {"proc_modules": False, "sys_module": True})
        check("rk: hidden", "hidden_module" in m.get("risk", {}).get("reasons", []), True)
        check("rk: unpackaged", m.get("package", {}).get("provenance"), "unpackaged")
        check("rk: its load event", m.get("provenance", {}).get("serial"), 11)
        m = mods.get("gone", {})
        check("gone: neither view", m.get("views"), {"proc_modules": False, "sys_module": False})
        check("gone: its second life's load", m.get("provenance", {}).get("serial"), 15)
        check("gone: hidden from both, as kmodwatchd found",
              "hidden_module" in m.get("risk", {}).get("reasons", []), True)
        m = mods.get("sneaky", {})
        check("sneaky: unaudited (a failed load is no provenance)",
              m.get("provenance", {}).get("kind"), "unaudited")
        check("sneaky: unaudited_load", "unaudited_load" in m.get("risk", {}).get("reasons", []),
              True)
        check("sneaky: no file known", m.get("file", {}).get("path"), None)

        # the table: a line each, and the count
        r = cli(env, "--store", store)
        lines = r.stdout.splitlines()
        check("text: exit 0", r.returncode, 0)
        check("text: header", lines[0].split()[:4] if lines else [], ["MODULE", "STATE", "SIZE",
                                                                    "REFS"])
        check("text: rk is HIDDEN", any(l.startswith("rk ") and " HIDDEN " in l for l in lines),
              True)
        check("text: the count", lines[-1] if lines else "", "6 of 6 module(s)")
        # CSV: RFC 4180, every column
        r = cli(env, "--store", store, "--format", "csv")
        rows = list(csv.DictReader(io.StringIO(r.stdout)))
        check("csv: a row each", len(rows), 6)
        check("csv: provenance column", sorted(x["provenance"] for x in rows),
              sorted(["before_monitoring", "load_event", "load_event", "load_event", "load_event",
                      "unaudited"]))
        # filters, as query has them
        r = cli(env, "--store", store, "--format", "json", "--risk", "high")
        check("--risk high", sorted(json.loads(l)["name"] for l in r.stdout.splitlines()),
              ["evil", "gone", "rk"])
        r = cli(env, "--store", store, "--format", "json", "--unsigned")
        check("--unsigned", sorted(json.loads(l)["name"] for l in r.stdout.splitlines()),
              ["rk", "sneaky", "zfs"])
        r = cli(env, "--store", store, "--format", "json", "--since", "1004")
        check("--since: loaded at or after", sorted(json.loads(l)["name"]
                                                    for l in r.stdout.splitlines()),
              ["evil", "gone"])
        r = cli(env, "--store", store, "--format", "json", "--module", "zfs")
        check("--module", [json.loads(l)["name"] for l in r.stdout.splitlines()], ["zfs"])
        r = cli(env, "--store", store, "--module", "nosuch")
        check("no match: exit 1", r.returncode, 1)
        # without the store: the modules, and where they came from is unknown
        r = cli(env, "--store", os.path.join(tmp, "none.db"), "--format", "json")
        check("no store: exit 0", r.returncode, 0)
        check("no store: says why", "unknown" in r.stderr, True)
        check("no store: provenance unknown", sorted({json.loads(l)["provenance"]["kind"]
                                                      for l in r.stdout.splitlines()}),
              ["unknown"])
        rk = [json.loads(l) for l in r.stdout.splitlines() if json.loads(l)["name"] == "rk"]
        check("no store: rk still hidden (sysfs only), unsigned (taint E); its file unknown",
              rk[0]["risk"]["reasons"] if rk else None, ["unsigned", "hidden_module"])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
