# SPDX-License-Identifier: GPL-2.0-or-later
"""kmwlive.py - shared harness of the live tests: audit state snapshot and restore,
a private auditd, kmodwatchd in the foreground, and the modcall helper."""
import fcntl
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

SKIP = 77
BUILD = os.environ.get("KMW_BUILDDIR", os.getcwd())
SRC = os.environ.get("KMW_SRCDIR", os.getcwd())
DAEMON = os.path.join(BUILD, "src", "kmodwatchd")
MODCALL = os.path.join(BUILD, "tests", "modcall")
MODCALL32 = os.path.join(BUILD, "tests", "modcall32")
LOCK = "/run/lock/kmodwatch-live-tests.lock"


# the audit log generator of the tests and benchmarks: the project's own, unless
# KMW_GEN_AUDIT_LOG names another with the same options
GEN = os.environ.get("KMW_GEN_AUDIT_LOG", os.path.join(SRC, "tests", "gen-audit-log"))


def generator():
    """The audit log generator (GEN); an error naming it when it is not there."""
    if not os.path.exists(GEN):
        raise RuntimeError("the log generator is not at %s (KMW_GEN_AUDIT_LOG)" % GEN)
    return GEN


def shutil_which(name):
    import shutil
    return shutil.which(name)


def log(*a):
    print(*a, flush=True)


def skip(why):
    log("SKIP: " + why)
    sys.exit(SKIP)


def sh(*cmd, check=True):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if check and r.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (" ".join(cmd), r.returncode, r.stderr.strip()))
    return r


def audit_status():
    out = sh("auditctl", "-s").stdout
    st = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[1].lstrip("-").isdigit():
            st[parts[0]] = int(parts[1])
    return st


def audit_rules():
    out = sh("auditctl", "-l").stdout
    return [l.strip() for l in out.splitlines() if l.startswith("-")]


MODULE_SYSCALLS = ("init_module", "finit_module", "delete_module")


def module_rule(rule):
    """Whether an exit-list rule of `auditctl -l` picks module syscalls (or every syscall)."""
    w = rule.split()
    if "-S" not in w or not any(a.endswith(",exit") for a in w):
        return False
    calls = set(",".join(w[i + 1] for i, a in enumerate(w[:-1]) if a == "-S").split(","))
    return "all" in calls or bool(calls & set(MODULE_SYSCALLS))


def pid_alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


class Live:
    """Everything a live test touches, restored by close() whatever happened."""

    def __init__(self, name):
        if os.geteuid() != 0:
            skip("live tests talk to the kernel's audit subsystem and need root")
        if sh("auditctl", "-s", check=False).returncode != 0:
            skip("this kernel has no audit support (auditctl -s fails)")
        if not os.path.exists(DAEMON):
            raise RuntimeError("build first: %s is missing" % DAEMON)
        os.makedirs(os.path.dirname(LOCK), exist_ok=True)
        self.lockf = open(LOCK, "w")
        # live tests share one kernel: one at a time
        fcntl.flock(self.lockf, fcntl.LOCK_EX)
        self.tmp = tempfile.mkdtemp(prefix="kmw-%s-" % name)
        self.procs = []
        self.before_rules = audit_rules()
        self.before = audit_status()
        if self.before.get("enabled") == 2:
            skip("audit is immutable on this machine (enabled 2): rules cannot be changed")
        if self.before.get("pid", 0) and pid_alive(self.before["pid"]):
            # someone else's audit daemon: the unicast tests cannot run beside it
            self.foreign_auditd = self.before["pid"]
        else:
            self.foreign_auditd = 0
        log("audit before: enabled=%s pid=%s rules=%d" % (
            self.before.get("enabled"), self.before.get("pid"), len(self.before_rules)))
        # Rules already auditing module calls (a distribution's audit.rules, `kmodwatch rules
        # install`, or the rules of a kmodwatchd killed on a machine whose /run was wiped since)
        # change what every daemon here adds and removes: set aside for the test, and put back
        # by close() with the rest of the state it restores.
        for r in self.before_rules:
            if module_rule(r):
                log("set aside for the test, put back after: " + r)
                sh("auditctl", *(["-d"] + r.split()[1:]), check=False)

    # -- processes ---------------------------------------------------------
    def spawn(self, args, **kw):
        p = subprocess.Popen(args, **kw)
        self.procs.append(p)
        return p

    def start_auditd(self, plugins=None, sandbox=None):
        """A private auditd (its own configuration, log and plugins), as the audit daemon.
        @sandbox: paths made inaccessible to it and its plugins, in a mount namespace of its
        own, as systemd's InaccessiblePaths= (ProtectKernelModules=yes) makes them."""
        d = os.path.join(self.tmp, "auditd")
        os.makedirs(os.path.join(d, "plugins.d"), exist_ok=True)
        for name, text in (plugins or {}).items():
            with open(os.path.join(d, "plugins.d", name), "w") as f:
                f.write(text)
            os.chmod(os.path.join(d, "plugins.d", name), 0o640)
        with open(os.path.join(d, "auditd.conf"), "w") as f:
            f.write(AUDITD_CONF.format(log=os.path.join(d, "audit.log"),
                                       plugins=os.path.join(d, "plugins.d")))
        os.chmod(os.path.join(d, "auditd.conf"), 0o600)
        self.auditd_log = os.path.join(d, "audit.log")
        # as every auditd set-up does (-b 8192 in audit.rules): the kernel's default backlog
        # of 64 fills in a flood, and a caller that then misses the kernel's wakeup sleeps
        # the whole backlog_wait_time (60 s); close() puts the old limit back
        sh("auditctl", "-b", "8192", check=False)
        cmd = ["auditd", "-n", "-c", d]
        if sandbox:
            # systemd's inaccessible node: an empty directory of mode 000, bound over each
            node = os.path.join(self.tmp, "inaccessible")
            os.makedirs(node, exist_ok=True)
            os.chmod(node, 0)
            script = "".join("mount --bind %s %s && " % (node, p) for p in sandbox)
            cmd = ["unshare", "-m", "--propagation", "private", "sh", "-c",
                   script + "exec " + " ".join(cmd)]
        p = self.spawn(cmd, stdout=subprocess.DEVNULL,
                       stderr=open(os.path.join(d, "auditd.err"), "w"))
        deadline = time.time() + 10
        while time.time() < deadline:
            if audit_status().get("pid") == p.pid:
                log("auditd started, pid %d" % p.pid)
                self.auditd = p
                return p
            if p.poll() is not None:
                break
            time.sleep(0.05)
        raise RuntimeError("auditd did not become the audit daemon: %s" %
                           open(os.path.join(d, "auditd.err")).read())

    def stop(self, p, sig=signal.SIGTERM, timeout=10):
        if p.poll() is None:
            p.send_signal(sig)
            try:
                p.wait(timeout)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        return p.returncode

    def daemon(self, *args, output=None, ready_timeout=15):
        """@ready_timeout: a backfill of big logs at start comes before ready (slower under
        sanitizers)."""
        return Daemon(self, list(args), output, ready_timeout)

    # -- restore -----------------------------------------------------------
    def close(self):
        errors = []
        for p in reversed(self.procs):
            try:
                self.stop(p)
            except Exception as e:  # keep restoring
                errors.append(str(e))
        now = audit_rules()
        for r in now:
            if r not in self.before_rules:
                log("restore: deleting rule left behind: " + r)
                sh("auditctl", *(["-d"] + r.split()[1:]), check=False)
        for r in self.before_rules:
            if r not in audit_rules():
                log("restore: re-adding rule: " + r)
                sh("auditctl", *r.split(), check=False)
        st = audit_status()
        if st.get("enabled") != self.before.get("enabled") and st.get("enabled") != 2:
            log("restore: enabled %s -> %s" % (st.get("enabled"), self.before.get("enabled")))
            sh("auditctl", "-e", str(self.before.get("enabled")), check=False)
        st = audit_status()
        if st.get("backlog_limit") != self.before.get("backlog_limit") and st.get("enabled") != 2:
            log("restore: backlog_limit %s -> %s" % (st.get("backlog_limit"),
                                                     self.before.get("backlog_limit")))
            sh("auditctl", "-b", str(self.before.get("backlog_limit")), check=False)
        st = audit_status()
        if st.get("rate_limit") != self.before.get("rate_limit") and st.get("enabled") != 2:
            log("restore: rate_limit %s -> %s" % (st.get("rate_limit"),
                                                  self.before.get("rate_limit")))
            sh("auditctl", "-r", str(self.before.get("rate_limit")), check=False)
        st = audit_status()
        if st.get("pid") != self.before.get("pid"):
            errors.append("audit pid is %s, was %s" % (st.get("pid"), self.before.get("pid")))
        self.lockf.close()
        subprocess.run(["rm", "-rf", self.tmp])
        if errors:
            raise RuntimeError("; ".join(errors))


AUDITD_CONF = """local_events = yes
write_logs = yes
log_file = {log}
log_group = root
log_format = ENRICHED
flush = INCREMENTAL_ASYNC
freq = 20
max_log_file = 50
num_logs = 2
priority_boost = 0
name_format = NONE
max_log_file_action = ROTATE
space_left = 75
space_left_action = IGNORE
admin_space_left = 50
admin_space_left_action = IGNORE
disk_full_action = IGNORE
disk_error_action = IGNORE
verify_email = no
action_mail_acct = root
use_libwrap = no
tcp_client_max_idle = 0
transport = TCP
distribute_network = no
q_depth = 2000
overflow_action = SYSLOG
max_restarts = 10
plugin_dir = {plugins}
end_of_event_timeout = 2
"""


class Daemon:
    def __init__(self, live, args, output, ready_timeout=15):
        self.live = live
        self.out = output or os.path.join(live.tmp, "events-%d.json" % len(live.procs))
        self.err = self.out + ".err"
        # a private store, and no backfill from this machine's own audit logs
        if not any(a.startswith("--store") for a in args):
            args = args + ["--store", os.path.join(live.tmp, "events-%d.db" % len(live.procs))]
        if not any(a.startswith("--backfill-dir") for a in args):
            args = args + ["--backfill-dir", "none"]
        # nor the metrics of this machine's node exporter
        if not any(a.startswith("--metrics-file") for a in args):
            args = args + ["--metrics-file", "none"]
        cmd = [DAEMON, "--foreground", "--output", self.out] + args
        log("start: " + " ".join(cmd))
        self.p = live.spawn(cmd, stdout=subprocess.DEVNULL, stderr=open(self.err, "w"))
        deadline = time.time() + ready_timeout
        while time.time() < deadline:
            text = self.stderr()
            m = re.search(r"ready: source (\w+)", text)
            if m:
                self.mode = m.group(1)
                return
            if self.p.poll() is not None:
                raise RuntimeError("kmodwatchd exited %d before ready:\n%s" % (self.p.returncode, text))
            time.sleep(0.02)
        raise RuntimeError("kmodwatchd not ready after %d s:\n%s" % (ready_timeout, self.stderr()))

    def stderr(self):
        with open(self.err) as f:
            return f.read()

    def events(self):
        try:
            with open(self.out, "rb") as f:
                data = f.read()
        except FileNotFoundError:
            return []
        evs = []
        # a line still being written has no newline yet: only whole lines count
        for line in data.split(b"\n")[:-1]:
            if line:
                evs.append(json.loads(line))
        return evs

    def wait_events(self, pred, n, timeout=10):
        deadline = time.time() + timeout
        while True:
            evs = [e for e in self.events() if pred(e)]
            if len(evs) >= n or time.time() > deadline:
                return evs
            time.sleep(0.02)

    def stop(self):
        rc = self.live.stop(self.p)
        log("kmodwatchd stopped, exit %d; its log:\n%s" % (rc, self.stderr()))
        return rc


class Modcall:
    """The helper: one syscall per command; holds every fd until close()."""

    def __init__(self, live, exe=MODCALL):
        self.p = live.spawn([exe], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.pid = self.p.pid

    def call(self, cmd):
        self.p.stdin.write(cmd + "\n")
        self.p.stdin.flush()
        line = self.p.stdout.readline().strip()
        if not line.startswith("done"):
            raise RuntimeError("modcall %r: %s" % (cmd, line))
        return dict(kv.split("=") for kv in line.split()[1:])

    def close(self):
        self.p.stdin.close()
        self.p.wait(10)


def free_port():
    """A TCP port on 127.0.0.1 that nobody listens on now."""
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_for(pred, timeout=15):
    """Poll @pred until it holds or @timeout seconds pass; its last answer."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return True
        time.sleep(0.05)
    return pred()


class Checks:
    """Collects failed assertions so that one run reports all of them."""

    def __init__(self):
        self.failed = 0
        self.passed = 0

    def eq(self, what, got, want):
        if got == want:
            self.passed += 1
        else:
            self.failed += 1
            log("FAIL: %s: got %.300r, want %.300r" % (what, got, want))

    def true(self, what, cond):
        self.eq(what, bool(cond), True)


_default = None


def check(what, got, want):
    """For tests that need no Live: one shared Checks."""
    global _default
    if _default is None:
        _default = Checks()
    _default.eq(what, got, want)


def summary():
    """Print the counts of check(); the exit status for them."""
    c = _default or Checks()
    log("%d checks passed, %d failed" % (c.passed, c.failed))
    return 1 if c.failed else 0


def run(main, name):
    """Run main(live, checks) with restore guaranteed; exit 0, 1 or 77."""
    live = Live(name)
    checks = Checks()
    crashed = None
    try:
        main(live, checks)
    except Exception as e:  # report, then restore
        import traceback
        traceback.print_exc()
        crashed = e
    finally:
        try:
            live.close()
        except Exception as e:
            log("FAIL: restoring audit state: %s" % e)
            checks.failed += 1
    after = audit_status()
    log("audit after: enabled=%s pid=%s rules=%d" % (after.get("enabled"), after.get("pid"),
                                                     len(audit_rules())))
    log("%d checks passed, %d failed" % (checks.passed, checks.failed))
    sys.exit(1 if crashed or checks.failed else 0)


FOREIGN_RULE = ["-a", "always,exit", "-F", "arch=b64", "-S", "acct", "-F", "key=kmw-test-other"]


def capture_scenario(live, c, want_mode):
    """Every module syscall the helper makes gives exactly one right event."""
    sh("auditctl", *FOREIGN_RULE)
    foreign = "-a always,exit -F arch=b64 -S acct -F key=kmw-test-other"
    sh("auditctl", "-e", "0")  # the daemon must enable audit and restore it
    d = live.daemon("--source", "auto")
    c.eq("source chosen by auto", d.mode, want_mode)
    rules = audit_rules()
    c.eq("kmodwatch rules installed", sorted(r for r in rules if "key=kmodwatch" in r), [
        "-a always,exit -F arch=b32 -S init_module,delete_module,finit_module -F key=kmodwatch",
        "-a always,exit -F arch=b64 -S init_module,delete_module,finit_module -F key=kmodwatch",
    ])
    c.eq("audit enabled while running", audit_status().get("enabled"), 1)

    mod = os.path.join(live.tmp, "dummy.ko")
    with open(mod, "wb") as f:
        f.write(b"\x7fELF not really a module\n")
    st = os.stat(mod)
    m = Modcall(live)
    calls = []  # (command, checks for the event)

    def finit(target, flags, params="", names=(), unknown="0x0", path=None, deleted=False,
              err=None):
        r = m.call("finit %s %s %s" % (target, flags, params))
        calls.append(("finit %s %s" % (target, flags), dict(
            syscall="finit_module", fd=int(r["fd"]), flags=int(flags, 0), names=list(names),
            unknown=unknown, path=path, deleted=deleted, err=err, params=params.split(" ")[0])))

    finit(mod, "0", path=mod)
    finit(mod, "1", names=["MODULE_INIT_IGNORE_MODVERSIONS"], path=mod)
    finit(mod, "2", names=["MODULE_INIT_IGNORE_VERMAGIC"], path=mod)
    finit(mod, "3", names=["MODULE_INIT_IGNORE_MODVERSIONS", "MODULE_INIT_IGNORE_VERMAGIC"], path=mod)
    finit(mod, "4", names=["MODULE_INIT_COMPRESSED_FILE"], path=mod)
    finit(mod, "8", unknown="0x8", path=mod)
    finit(mod, "0x80000000", unknown="0x80000000", path=mod)
    finit(mod, "0", "debug=1 x=foo", path=mod)
    finit("@memfd", "0", path="/memfd:kmw-test-memfd", deleted=True)
    delpath = os.path.join(live.tmp, "deleted.ko")
    finit("@deleted:" + delpath, "0", path=delpath, deleted=True)
    finit("@badfd", "0", err="fd_closed")
    r = m.call("finit-close %s 0" % mod)
    calls.append(("finit-close", dict(syscall="finit_module", fd=int(r["fd"]), flags=0, names=[],
                                      unknown="0x0", path="either", deleted=False, err=None,
                                      params="")))
    m.call("init 64 x=1")
    calls.append(("init", dict(syscall="init_module", len=64, params="x=1")))
    m.call("delete kmw_no_such_mod 0x800")
    calls.append(("delete", dict(syscall="delete_module", flags=0x800, names=["O_NONBLOCK"],
                                 unknown="0x0", module="kmw_no_such_mod")))

    evs = d.wait_events(lambda e: e["process"]["pid"] == m.pid, len(calls))
    time.sleep(0.3)  # a duplicate would show up now
    evs = sorted([e for e in d.events() if e["process"]["pid"] == m.pid],
                 key=lambda e: e["audit"]["serial"])
    c.eq("one event per native call", len(evs), len(calls))
    for (what, want), ev in zip(calls, evs):
        check_event(c, what, ev, want, m.pid, "x86_64", st)

    m.close()

    rc = d.stop()
    c.eq("kmodwatchd exit status on SIGTERM", rc, 0)
    rules = audit_rules()
    c.eq("kmodwatch rules removed at exit", [r for r in rules if "key=kmodwatch" in r], [])
    c.true("foreign rule untouched", foreign in rules)
    c.eq("enabled flag restored", audit_status().get("enabled"), 0)
    sh("auditctl", "-d", *FOREIGN_RULE[1:])
    return d


def can_run_32():
    """None when this kernel runs the 32-bit helper, else why it cannot."""
    if not os.path.exists(MODCALL32):
        return None
    try:
        subprocess.run([MODCALL32], stdin=subprocess.DEVNULL, capture_output=True, timeout=10)
    except OSError as e:
        return "this kernel cannot run 32-bit x86 programs (%s)" % e.strerror
    return None


def b32_scenario(live, c, d, mod, st):
    """The b32 rule: each call of the 32-bit helper gives one right i386 event."""
    if not os.path.exists(MODCALL32):
        c.true("b32 helper built (install gcc-multilib)", False)
        return
    m32 = Modcall(live, MODCALL32)
    m32.call("finit %s 3" % mod)
    m32.call("init 32")
    m32.call("delete kmw_no_such_mod32 0")
    n32 = 3
    e32 = d.wait_events(lambda e: e["process"]["pid"] == m32.pid, n32)
    e32.sort(key=lambda e: e["audit"]["serial"])
    c.eq("one event per b32 call", len(e32), n32)
    if len(e32) == n32:
        check_event(c, "b32 finit", e32[0], dict(
            syscall="finit_module", fd=3, flags=3, names=["MODULE_INIT_IGNORE_MODVERSIONS",
            "MODULE_INIT_IGNORE_VERMAGIC"], unknown="0x0", path=mod, deleted=False, params=""),
            m32.pid, "i386", st)
        check_event(c, "b32 init", e32[1], dict(syscall="init_module", len=32), m32.pid, "i386", st)
        check_event(c, "b32 delete", e32[2], dict(syscall="delete_module", flags=0, names=[],
                                                  unknown="0x0"), m32.pid, "i386", st)
    m32.close()


def check_event(c, what, ev, want, pid, arch, st):
    sc = ev["syscall"]
    c.eq(what + ": syscall.name", sc["name"], want["syscall"])
    c.eq(what + ": syscall.arch", sc["arch"], arch)
    c.eq(what + ": syscall.success", sc["success"], False)
    c.eq(what + ": syscall.exit", sc["exit"], -38)
    c.eq(what + ": syscall.errno", sc["errno"], "ENOSYS")
    c.eq(what + ": process.pid", ev["process"]["pid"], pid)
    c.eq(what + ": process.ppid", ev["process"]["ppid"], os.getpid())
    c.true(what + ": process.exe", ev["process"]["exe"].endswith("/modcall" if arch == "x86_64"
                                                                 else "/modcall32"))
    c.eq(what + ": process.uid", ev["process"]["uid"], 0)
    c.eq(what + ": process.user", ev["process"]["user"], "root")
    c.true(what + ": process.cmdline", isinstance(ev["process"]["cmdline"], list) and
           ev["process"]["cmdline"] and ev["process"]["cmdline"][0].endswith("modcall" if
                                                                               arch == "x86_64" else "modcall32"))
    c.eq(what + ": audit.key", ev["audit"]["key"], "kmodwatch")
    # the helper lives until the test ends: its context comes from /proc
    p = ev["process"]
    c.eq(what + ": process.context_source", p["context_source"], "proc")
    # its command line is short: the record's own PROCTITLE is whole
    c.eq(what + ": process.cmdline_source", p["cmdline_source"], "proctitle")
    c.eq(what + ": process.cwd", p["cwd"], os.getcwd())
    c.eq(what + ": process.parent.pid", (p["parent"] or {}).get("pid"), os.getpid())
    c.eq(what + ": process.parent.exe", (p["parent"] or {}).get("exe"), os.path.realpath(sys.executable))
    c.true(what + ": audit.serial", ev["audit"]["serial"] > 0)
    a = ev["args"]
    if want["syscall"] == "finit_module":
        c.eq(what + ": args.fd", a["fd"], want["fd"])
        c.eq(what + ": args.flags", a["flags"], want["flags"])
        c.eq(what + ": args.flag_names", a["flag_names"], want["names"])
        c.eq(what + ": args.unknown_flags", a["unknown_flags"], want["unknown"])
        c.true(what + ": args.param_values_ptr", a["param_values_ptr"].startswith("0x"))
        mo = ev["module"]
        c.eq(what + ": module.param_values", mo["param_values"], want["params"])
        c.eq(what + ": module.param_values_source", mo["param_values_source"], "process_memory")
        if want.get("path") == "either":
            # closed right after the call: resolved if kmodwatchd was quicker, else a reason
            c.true(what + ": path or fd_closed", mo["path"] is not None or
                   mo["path_error"] == "fd_closed")
        elif want.get("path"):
            c.eq(what + ": module.path", mo["path"], want["path"])
            c.eq(what + ": module.path_source", mo["path_source"], "proc_fd")
            c.eq(what + ": module.path_deleted", mo["path_deleted"], want["deleted"])
            if not want["deleted"]:
                c.eq(what + ": module.inode", mo.get("inode"), st.st_ino)
                c.eq(what + ": module.dev", mo.get("dev"), st.st_dev)
                c.eq(what + ": module.size", mo.get("size"), st.st_size)
                c.eq(what + ": module.mode", mo.get("mode"), "%04o" % (st.st_mode & 0o7777))
                c.eq(what + ": module.path_replaced", mo.get("path_replaced"), False)
            # the bytes the kernel read, hashed through our own fd of the loader's file
            c.eq(what + ": module.file_source", mo["file_source"], "proc_fd")
            # the helper writes "\x7fELF" into its memfd, and nothing into its deleted file
            data = b"\x7fELF" if want["path"].startswith("/memfd:") else \
                b"" if want["deleted"] else open(want["path"], "rb").read()
            c.eq(what + ": module.hash.sha256", (mo["hash"] or {}).get("sha256"),
                 hashlib.sha256(data).hexdigest())
            codes = [r["code"] for r in ev["risk"]["reasons"]]
            c.true(what + ": risk: unusual loader", "unusual_loader" in codes)
            c.true(what + ": risk: memfd or deleted",
                   ("memfd_or_deleted" in codes) == bool(want["deleted"]))
            if not want["deleted"]:
                c.true(what + ": risk: writable dir (/tmp)", "writable_dir" in codes)
            c.eq(what + ": risk level", ev["risk"]["level"], "high")
        else:
            c.eq(what + ": module.path", mo["path"], None)
            c.eq(what + ": module.path_error", mo["path_error"], want["err"])
    elif want["syscall"] == "init_module":
        c.eq(what + ": args.len", a["len"], want["len"])
        if "params" in want:
            c.eq(what + ": module.param_values", ev["module"]["param_values"], want["params"])
    else:
        c.eq(what + ": args.flags", a["flags"], want["flags"])
        c.eq(what + ": args.flag_names", a["flag_names"], want["names"])
        c.eq(what + ": args.unknown_flags", a["unknown_flags"], want["unknown"])
        if "module" in want:
            # the kernel logs the name past its checks only; else the caller's argument
            c.eq(what + ": module.name (the argument, where the kernel logged none)",
                 (ev["module"]["name"], ev["module"]["name_source"] in
                  ("kern_module", "process_memory")), (want["module"], True))
