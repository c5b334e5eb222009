# SPDX-License-Identifier: GPL-2.0-or-later
"""live_daemon.py - daemon behaviours: privileges, existing rules, text format, SIGHUP,
loader gone before the event, bad options."""
import os
import shutil
import signal
import subprocess
import sys
import time

import kmwlive
from kmwlive import Modcall, audit_rules, audit_status, sh

MODULE_LOAD_RULES = [
    "-a always,exit -F arch=b32 -S init_module,finit_module -F key=module-load",
    "-a always,exit -F arch=b64 -S init_module,finit_module -F key=module-load",
    "-a always,exit -F arch=b32 -S delete_module -F key=module-unload",
    "-a always,exit -F arch=b64 -S delete_module -F key=module-unload",
]


def no_privileges(live, c):
    r = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                        "--inh-caps=-all", kmwlive.DAEMON, "--foreground"],
                       capture_output=True, text=True)
    c.eq("unprivileged: exit code", r.returncode, 4)
    c.true("unprivileged: says which capability", "CAP_AUDIT_CONTROL" in r.stderr)
    r = subprocess.run([kmwlive.DAEMON, "--source", "sideways"], capture_output=True, text=True)
    c.eq("bad --source: exit code", r.returncode, 2)
    c.true("bad --source: names the value", "sideways" in r.stderr)


def existing_rules(live, c):
    """audit's own 43-module-load.rules already cover everything: add nothing."""
    for r in MODULE_LOAD_RULES:
        sh("auditctl", *r.split())
    d = live.daemon()
    c.eq("existing rules: none added", [r for r in audit_rules() if "key=kmodwatch" in r], [])
    c.true("existing rules: log says covered", "2 arch(es) already covered" in d.stderr())
    m = Modcall(live)
    m.call("finit /dev/null 0")
    m.call("delete kmw_nosuch 0")
    evs = sorted(d.wait_events(lambda e: e["process"]["pid"] == m.pid, 2),
                 key=lambda e: e["audit"]["serial"])
    c.eq("existing rules: events keys", [e["audit"]["key"] for e in evs],
         ["module-load", "module-unload"])
    m.close()
    c.eq("existing rules: exit 0", d.stop(), 0)
    c.eq("existing rules: untouched", [r for r in audit_rules() if "module-" in r],
         MODULE_LOAD_RULES)
    for r in MODULE_LOAD_RULES:
        sh("auditctl", "-d", *r.split()[1:])


def text_and_sighup(live, c):
    out = os.path.join(live.tmp, "events.txt")
    d = live.daemon("--format", "text", output=out)
    m = Modcall(live)
    m.call("finit /dev/null 5")
    deadline = time.time() + 10
    while time.time() < deadline and "finit_module" not in open(out).read():
        time.sleep(0.02)
    lines = open(out).read().splitlines()
    c.eq("text: one line", len([l for l in lines if "pid=%d " % m.pid in l]), 1)
    c.true("text: flags decoded", any("flags=0x5<MODULE_INIT_IGNORE_MODVERSIONS|"
                                      "MODULE_INIT_COMPRESSED_FILE>" in l for l in lines))
    c.true("text: errno named", any("failed ENOSYS" in l for l in lines))
    # external rotation: rename, then SIGHUP makes the daemon open a fresh file
    os.rename(out, out + ".1")
    d.p.send_signal(signal.SIGHUP)
    deadline = time.time() + 5
    while time.time() < deadline and "outputs reopened" not in d.stderr():
        time.sleep(0.02)
    m.call("delete kmw_after_hup 0")
    deadline = time.time() + 10
    while time.time() < deadline and not (os.path.exists(out) and "delete_module" in open(out).read()):
        time.sleep(0.02)
    c.true("SIGHUP: new file has the next event", os.path.exists(out) and
           "delete_module" in open(out).read())
    c.true("SIGHUP: old file does not", "delete_module" not in open(out + ".1").read())
    m.close()
    c.eq("text: exit 0", d.stop(), 0)


def loader_gone(live, c):
    """A loader that exits at once: the event still comes, and says why there is no path."""
    d = live.daemon()
    pids = []
    for _ in range(5):
        p = subprocess.run([kmwlive.MODCALL], input="finit /dev/null 0\n", capture_output=True,
                           text=True)
        pids.append(int(p.stdout.split("pid=")[1].split()[0]))
    evs = d.wait_events(lambda e: e["process"]["pid"] in pids, 5)
    c.eq("loader gone: one event per call", len(evs), 5)
    for e in evs:
        mo = e["module"]
        c.true("loader gone: path or a reason", mo["path"] == "/dev/null" or
               mo["path_error"] in ("process_gone", "fd_closed", "pid_reused"))
        if mo["path"] is None:
            c.eq("loader gone: no source without a path", mo["path_source"], None)
    c.eq("loader gone: exit 0", d.stop(), 0)


def params_reused(live, c):
    """The loader frees its parameter string before the daemon reads it, and the heap reuses
    it (a modprobe run in the real kernel once gave param_values '\\xf8\\xc9\\xdfb\\x05'):
    the bytes are shown, escaped, and said to be no string of parameters."""
    d = live.daemon()
    m = Modcall(live)
    m.call("finit /dev/null 0 kept=1")
    m.call("finit-scribble /dev/null reused=1")
    evs = sorted(d.wait_events(lambda e: e["process"]["pid"] == m.pid, 2),
                 key=lambda e: e["audit"]["serial"])
    m.close()
    c.eq("params: two events", len(evs), 2)
    if len(evs) == 2:
        kept, gone = evs[0]["module"], evs[1]["module"]
        c.eq("params: intact string read", (kept["param_values"], kept["param_values_source"]),
             ("kept=1", "process_memory"))
        # every byte shown, and said not to be parameters: no reason of hostile ones
        c.eq("params: reused memory shown", gone["param_values"], "\\xf8\\xc9\\xdfb\x05")
        c.eq("params: reused memory told apart", gone.get("param_values_check"), "not_parameters")
        c.true("params: no odd_parameters for a reused heap", "odd_parameters" not in
               [r["code"] for r in evs[1]["risk"]["reasons"]])
    c.eq("params: exit 0", d.stop(), 0)


def config_reload(live, c):
    """SIGHUP: a valid new configuration is swapped in; an invalid one is refused, named by
    file and line, and the running one stays."""
    conf = os.path.join(live.tmp, "k.conf")
    out1, out2 = os.path.join(live.tmp, "r1.json"), os.path.join(live.tmp, "r2.json")
    open(conf, "w").write("output = %s\n" % out1)
    d = live.daemon("--config", conf, output=out1)
    m = Modcall(live)
    m.call("delete kmw_reload_1 0")
    d.wait_events(lambda e: e["process"]["pid"] == m.pid, 1)
    # the command line's --output would win: this test's daemon has one, so use format
    open(conf, "w").write("output = %s\nformat = ecs\n" % out2)
    d.p.send_signal(signal.SIGHUP)
    deadline = time.time() + 5
    while time.time() < deadline and "configuration reloaded" not in d.stderr():
        time.sleep(0.05)
    c.true("reload: swapped in", "configuration reloaded" in d.stderr())
    m.call("delete kmw_reload_2 0")
    time.sleep(0.5)
    lines = open(out1).read().splitlines()
    # the command line's output stays r1.json, which holds JSON lines already: the new format
    # is refused there (a file of two schemas is read by neither), the rest swapped in
    c.true("reload: a new format into the same file refused, said",
           "format changed (ecs, was json), but %s holds json lines already" % out1 in d.stderr())
    c.true("reload: the file keeps its format", len(lines) >= 2 and
           '"ecs":{"version"' not in lines[-1] and lines[-1].startswith('{'))
    open(conf, "w").write("format = json\nbogus_key = 1\n")
    d.p.send_signal(signal.SIGHUP)
    deadline = time.time() + 5
    while time.time() < deadline and "reload failed" not in d.stderr():
        time.sleep(0.05)
    c.true("reload: a bad file is refused, naming file and line",
           "reload failed" in d.stderr() and "k.conf:2: unknown key 'bogus_key'" in d.stderr())
    m.call("delete kmw_reload_3 0")
    time.sleep(0.5)
    lines = open(out1).read().splitlines()
    c.true("reload: the running configuration stays (still json)",
           '"ecs":{"version"' not in lines[-1] and '"pid":%d,' % m.pid in lines[-1])
    m.close()
    c.eq("reload: exit 0", d.stop(), 0)


def rules_deleted(live, c):
    """auditctl -D while it runs: an alert; by default the rules come back, with
    --reinstall-rules=no they stay away."""
    for reinstall in (True, False):
        args = ["--stats-interval", "2"] + ([] if reinstall else ["--reinstall-rules=no"])
        d = live.daemon(*args)
        sh("auditctl", "-D")
        deadline = time.time() + 8
        while time.time() < deadline and "audit_tampered: rules_removed" not in d.stderr():
            time.sleep(0.1)
        what = "reinstall" if reinstall else "alert only"
        c.true(what + ": alert", "audit_tampered: rules_removed" in d.stderr())
        time.sleep(0.5)
        ours = [r for r in audit_rules() if "key=kmodwatch" in r]
        c.eq(what + ": rules after", len(ours), 2 if reinstall else 0)
        deadline = time.time() + 5
        while time.time() < deadline and "stats:" not in d.stderr():
            time.sleep(0.1)
        c.true(what + ": periodic stats with the losses", "stats:" in d.stderr() and
               "events by serial" in d.stderr() and "lost: kernel" in d.stderr()
               and "queue overflow" in d.stderr())
        c.eq(what + ": exit 0", d.stop(), 0)
        c.eq(what + ": nothing left", [r for r in audit_rules() if "key=kmodwatch" in r], [])
        state_ok = "cannot remove the rules" not in d.stderr()
        c.true(what + ": no error removing rules at exit", state_ok)


def refused_name_from_modinfo(live, c):
    """A refused load (ENOSYS here) of a real crc7.ko: the kernel never names it, the file's
    .modinfo does; query --module then finds the attempt."""
    sys.path.insert(0, os.path.join(kmwlive.SRC, "tests", "kernel"))
    import vm
    try:
        kdir = vm.fetch_kernel()
    except SystemExit:
        c.eq("a real crc7.ko to load (tests/kernel/out/skip says why)", False, True)
        return
    mod = os.path.join(live.tmp, "renamed.ko")
    shutil.copy(os.path.join(kdir, "modules", "kernel", "lib", "crc7.ko"), mod)
    store = os.path.join(live.tmp, "modinfo.db")
    d = live.daemon("--store", store)
    m = Modcall(live)
    m.call("finit %s 0" % mod)
    evs = d.wait_events(lambda e: e["process"]["pid"] == m.pid, 1)
    m.close()
    c.eq("modinfo name: exit 0", d.stop(), 0)
    if evs:
        e = evs[0]
        c.eq("modinfo name: refused", e["syscall"]["errno"], "ENOSYS")
        c.eq("modinfo name: from .modinfo", (e["module"]["name"], e["module"]["name_source"]),
             ("crc7", "modinfo"))
    q = subprocess.run([os.path.join(kmwlive.BUILD, "src", "kmodwatch"), "query", "--store", store, "--module", "crc7", "--format",
                        "json"], capture_output=True, text=True)
    c.eq("modinfo name: query --module finds the attempt", (q.returncode,
         len(q.stdout.splitlines())), (0, 1))


def no_rules_option(live, c):
    d = live.daemon("--no-rules")
    c.eq("--no-rules: no rule added", [r for r in audit_rules() if "key=kmodwatch" in r], [])
    c.eq("--no-rules: exit 0", d.stop(), 0)


def main(live, c):
    no_privileges(live, c)
    if live.foreign_auditd:
        kmwlive.skip("another audit daemon runs; these tests need the audit pid free")
    existing_rules(live, c)
    text_and_sighup(live, c)
    loader_gone(live, c)
    params_reused(live, c)
    config_reload(live, c)
    rules_deleted(live, c)
    no_rules_option(live, c)
    refused_name_from_modinfo(live, c)


kmwlive.run(main, "daemon")
