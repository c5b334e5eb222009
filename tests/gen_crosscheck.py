# SPDX-License-Identifier: GPL-2.0-or-later
"""gen_crosscheck.py - tests/gen-audit-log checked once against the real tools: ausearch finds
in its logs (RAW, ENRICHED, with node=, interleaved, a gzipped rotated set) exactly the
module events of its answer key, and libauparse (Debian's python3-audit, apart from
kmodwatch's own code) parses every event of them, the module events' fields equal to the
key's. Deterministic: the same seed gives the same bytes."""
import glob
import gzip
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kmwlive import GEN, check, summary  # noqa: E402

MODULE_CALLS = {("c000003e", 175), ("c000003e", 176), ("c000003e", 313),
                ("40000003", 128), ("40000003", 129), ("40000003", 350)}
SYSTEM_PYTHON = "/usr/bin/python3"

# run by Debian's python3 (its auparse module): every event, and the module events' fields
AUPARSE = r'''
import auparse, json, sys
p = auparse.AuParser(auparse.AUSOURCE_FILE, sys.argv[1])
events, mods = 0, []
while p.parse_next_event():
    events += 1
    p.first_record()
    fields = {}
    while True:
        if p.get_type_name() == "SYSCALL":
            p.first_field()
            while True:
                fields[p.get_field_name()] = p.get_field_str()
                if not p.next_field():
                    break
        if p.get_type_name() == "KERN_MODULE":
            fields["kern_module"] = p.find_field("name") and p.interpret_field()
        if p.get_type_name() == "INTEGRITY_RULE":
            fields["ima_hash"] = p.find_field("hash")
        if not p.next_record():
            break
    if (fields.get("arch"), int(fields.get("syscall", "-1"))) in %r:
        ts = p.get_timestamp()
        fields["serial"] = ts.serial
        mods.append(fields)
print(json.dumps({"events": events, "modules": mods}))
''' % (MODULE_CALLS,)


def gen(tmp, name, *args):
    log, key = os.path.join(tmp, name + ".log"), os.path.join(tmp, name + ".key")
    with open(log, "wb") as f:
        subprocess.run([sys.executable, GEN, "--truth", key] + list(args), stdout=f, check=True)
    return log, [json.loads(l) for l in open(key)]


def serials_in(path):
    serials = set()
    for line in open(path, errors="replace"):
        i = line.find("msg=audit(")
        if i >= 0:
            serials.add(int(line[i:].split(":", 1)[1].split(")", 1)[0]))
    return serials


def ausearch_module_serials(log):
    """The serials of the SYSCALL records ausearch prints whose call is a module syscall."""
    r = subprocess.run(["ausearch", "--input", log, "--raw", "-m", "SYSCALL"],
                       capture_output=True, text=True)
    found = set()
    for line in r.stdout.splitlines():
        if "type=SYSCALL" not in line:
            continue
        f = dict(kv.split("=", 1) for kv in line.split() if "=" in kv)
        if (f.get("arch"), int(f.get("syscall", -1))) in MODULE_CALLS:
            found.add(int(line.split("msg=audit(")[1].split(":")[1].split(")")[0]))
    return found


def crosscheck(tmp, name, *args):
    log, key = gen(tmp, name, *args)
    want = {k["serial"] for k in key}
    check("%s: module events in the key" % name, len(want) > 50, True)
    check("%s: ausearch finds exactly the key's module events" % name,
          sorted(ausearch_module_serials(log) ^ want)[:5], [])
    # ausearch -sc resolves a name for the native arch only
    r = subprocess.run(["ausearch", "--input", log, "--raw", "-sc", "finit_module"],
                       capture_output=True, text=True)
    native = {k["serial"] for k in key if k["syscall"] == "finit_module" and k["arch"] == "x86_64"}
    check("%s: ausearch -sc finit_module" % name, serials_in_text(r.stdout) == native, True)
    if not os.access(SYSTEM_PYTHON, os.X_OK) or subprocess.run(
            [SYSTEM_PYTHON, "-c", "import auparse"], capture_output=True).returncode:
        check("%s: python3-audit (auparse) installed" % name, False, True)
        return
    r = subprocess.run([SYSTEM_PYTHON, "-c", AUPARSE, log], capture_output=True, text=True)
    check("%s: auparse ran" % name, (r.returncode, r.stderr[-300:]), (0, ""))
    if r.returncode:
        return
    got = json.loads(r.stdout)
    check("%s: auparse parses every event" % name, got["events"], len(serials_in(log)))
    by_serial = {int(m["serial"]): m for m in got["modules"]}
    check("%s: auparse's module events are the key's" % name, set(by_serial), want)
    bad = []
    for k in key:
        m = by_serial.get(k["serial"], {})
        have = {"pid": int(m.get("pid", -1)), "uid": int(m.get("uid", -1)),
                "auid": int(m.get("auid", -1)), "exit": int(m.get("exit", 0)),
                "success": m.get("success") == "yes",
                "module": (m.get("kern_module") or "").strip('"') or None,
                "ima": m.get("ima_hash", "").strip('"').split(":")[-1] or None}
        for f in ("pid", "uid", "auid", "exit", "success", "module"):
            if have[f] != k[f]:
                bad.append((k["serial"], f, have[f], k[f]))
        if have["ima"] != (k.get("ima") or {}).get("hash"):
            bad.append((k["serial"], "ima", have["ima"], k.get("ima")))
    check("%s: auparse's fields equal the key's" % name, bad[:5], [])


def serials_in_text(text):
    out = set()
    for line in text.splitlines():
        if "msg=audit(" in line:
            out.add(int(line.split("msg=audit(")[1].split(":")[1].split(")")[0]))
    return out


def main():
    if not shutil.which("ausearch"):
        print("SKIP: no ausearch (apt-get install auditd)")
        return 77
    tmp = tempfile.mkdtemp(prefix="kmw-gen-")
    try:
        common = ["--events", "8000", "--module-share", "0.05", "--ima-share", "0.5",
                  "--i386-share", "0.2"]
        crosscheck(tmp, "raw", "--seed", "31", "--format", "raw", *common)
        crosscheck(tmp, "enriched", "--seed", "32", "--format", "enriched", "--interleave", "0.8",
                   *common)
        crosscheck(tmp, "node", "--seed", "33", "--node", "web-01", *common)
        # deterministic
        a, _ = gen(tmp, "again", "--seed", "31", "--format", "raw", *common)
        check("the same seed, the same bytes",
              hashlib.sha256(open(a, "rb").read()).hexdigest(),
              hashlib.sha256(open(os.path.join(tmp, "raw.log"), "rb").read()).hexdigest())
        # a rotated set, gzipped past .1: together the whole log, each event in one file
        out = os.path.join(tmp, "set")
        subprocess.run([sys.executable, GEN, "--events", "6000", "--seed", "34", "--split", "4",
                        "--gzip", "--out", out, "--module-share", "0.05", "--truth",
                        os.path.join(tmp, "set.key")], check=True)
        names = sorted(os.path.basename(p) for p in glob.glob(os.path.join(out, "*")))
        check("rotated set: the files", names, ["audit.log", "audit.log.1", "audit.log.2.gz",
                                                "audit.log.3.gz"])
        whole = os.path.join(tmp, "set.log")
        with open(whole, "wb") as f:
            for n in ["audit.log.3.gz", "audit.log.2.gz", "audit.log.1", "audit.log"]:
                p = os.path.join(out, n)
                f.write(gzip.open(p).read() if n.endswith(".gz") else open(p, "rb").read())
        key = {json.loads(l)["serial"] for l in open(os.path.join(tmp, "set.key"))}
        check("rotated set: ausearch finds the key's events across it",
              ausearch_module_serials(whole) == key, True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return summary()


sys.exit(main())
