# SPDX-License-Identifier: GPL-2.0-or-later
"""package.py DEB - the Debian package on this machine, as a sysadmin meets it: apt installs
it; dpkg -L lists what it should; nothing runs and the plugin is inactive; the daemon started
as the installed unit starts it sees a module call; the installed plugin, enabled with
`kmodwatch plugin enable`, under a real auditd sees one too; status says healthy while it
runs; a purge leaves nothing behind. Run by .ci/run (it installs and purges a package, so it
is not in make check); restores the audit state it touched."""
import json
import os
import re
import shutil
import shlex
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kmwlive  # noqa: E402
from kmwlive import audit_rules, wait_for  # noqa: E402

EXPECTED = [
    "/usr/sbin/kmodwatchd", "/usr/bin/kmodwatch",
    "/etc/audit/plugins.d/kmodwatch.conf", "/usr/share/kmodwatch/70-kmodwatch.rules",
    "/etc/kmodwatch/kmodwatchd.conf", "/etc/logrotate.d/kmodwatch",
    "/lib/systemd/system/kmodwatchd.service",
    "/usr/share/bash-completion/completions/kmodwatch",
    "/usr/share/bash-completion/completions/kmodwatchd",
    "/usr/share/man/man8/kmodwatchd.8.gz", "/usr/share/man/man8/kmodwatch.8.gz",
    "/usr/share/man/man5/kmodwatchd.conf.5.gz",
    "/usr/share/doc/kmodwatch/copyright", "/usr/share/doc/kmodwatch/README.Debian",
    "/usr/share/doc/kmodwatch/schema.md.gz", "/usr/share/kmodwatch/kmodwatch.ima-policy",
    "/usr/share/kmodwatch/auditd-kmodwatch.conf",
]
LEFT_BEHIND = ["/etc/kmodwatch", "/etc/audit/plugins.d/kmodwatch.conf",
               "/etc/audit/rules.d/70-kmodwatch.rules", "/var/lib/kmodwatch", "/var/log/kmodwatch",
               "/usr/sbin/kmodwatchd", "/etc/logrotate.d/kmodwatch", "/run/kmodwatch"]
EVENTS = "/var/log/kmodwatch/events.json"
FINIT = 313  # x86_64


def sh(*cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def call_finit():
    """One finit_module(2) of /dev/null from a process of its own: its pid."""
    code = ("import ctypes, os; fd = os.open('/dev/null', os.O_RDONLY); "
            "ctypes.CDLL(None, use_errno=True).syscall(%d, fd, b'', 0); "
            "print(os.getpid(), flush=True); import sys; sys.stdin.read(1)" % FINIT)
    p = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, text=True)
    pid = int(p.stdout.readline())
    return p, pid


def pid_in(path, pid):
    try:
        return any(json.loads(l).get("process", {}).get("pid") == pid
                   for l in open(path).read().splitlines() if l.startswith("{"))
    except OSError:
        return False


def events_of(pid):
    try:
        lines = open(EVENTS).read().splitlines()
    except OSError:
        return []
    out = []
    for line in lines:
        try:
            e = json.loads(line)
        except ValueError:
            continue
        if e.get("kind") == "syscall" and e["process"]["pid"] == pid:
            out.append(e)
    return out


def complete(line):
    """What bash completion offers for @line, with the installed completion file."""
    words = line.split(" ")
    script = ('. /usr/share/bash-completion/bash_completion; '
              '. /usr/share/bash-completion/completions/%s; '
              'COMP_LINE=%s; COMP_POINT=${#COMP_LINE}; COMP_WORDS=(%s); COMP_CWORD=%d; '
              '_%s; printf "%%s\\n" "${COMPREPLY[@]}"'
              % (words[0], shlex.quote(line), " ".join(shlex.quote(w) for w in words),
                 len(words) - 1, words[0]))
    return sh("bash", "-c", script).stdout.split()


def installed_daemon(live, c):
    """The daemon as the installed unit starts it (its ExecStart, run here in the foreground)."""
    unit = open("/lib/systemd/system/kmodwatchd.service").read()
    cmd = shlex.split(re.search(r"^ExecStart=(.*)$", unit, re.M).group(1))
    c.eq("the unit runs the installed daemon", cmd[0], "/usr/sbin/kmodwatchd")
    err = os.path.join(live.tmp, "daemon.err")
    p = live.spawn(cmd, stdout=subprocess.DEVNULL, stderr=open(err, "w"))
    c.true("installed daemon ready", wait_for(lambda: "ready:" in open(err).read()))
    st = sh("kmodwatch", "status", "--format", "json")
    j = json.loads(st.stdout) if st.stdout.startswith("{") else {}
    c.eq("status: healthy with the daemon", (j.get("health"), st.returncode), ("healthy", 0))
    m, pid = call_finit()
    c.true("installed daemon: the event", wait_for(lambda: len(events_of(pid)) == 1))
    m.communicate("x")
    # the installed logrotate snippet: rotate now; the daemon reopens on its SIGHUP, and
    # another process named kmodwatchd (here a sleep under that name) is left alone
    decoy_exe = os.path.join(live.tmp, "kmodwatchd")
    shutil.copy("/bin/sleep", decoy_exe)
    decoy = live.spawn([decoy_exe, "60"])
    r = sh("logrotate", "-f", "-s", os.path.join(live.tmp, "logrotate.state"),
           "/etc/logrotate.d/kmodwatch")
    c.eq("logrotate: the snippet runs", (r.returncode, r.stderr), (0, ""))
    time.sleep(0.2)
    c.eq("logrotate: another kmodwatchd not signalled", decoy.poll(), None)
    c.true("logrotate: the old file kept", pid_in(EVENTS + ".1", pid))
    m2, pid2 = call_finit()
    c.true("logrotate: the next event in a new file", wait_for(lambda: len(events_of(pid2)) == 1))
    m2.communicate("x")
    q = sh("kmodwatch", "query", "--format", "json", "--syscall", "finit_module")
    c.true("query: the installed store has it",
           any(json.loads(l)["process"]["pid"] == pid for l in q.stdout.splitlines()))
    # one consumer a host: the plugin switch refuses while the daemon runs, with the daemon's
    # own code for that conflict
    r = sh("kmodwatch", "plugin", "enable")
    c.eq("plugin enable beside the daemon: exit 5", r.returncode, 5)
    c.true("plugin enable beside the daemon: says why", "runs as a daemon" in r.stderr)
    c.true("plugin enable beside the daemon: still inactive",
           re.search(r"^active = no$", open("/etc/audit/plugins.d/kmodwatch.conf").read(), re.M))
    c.eq("installed daemon: exit 0", live.stop(p), 0)
    c.eq("installed daemon: its rules gone", [r for r in audit_rules() if "key=kmodwatch" in r],
         [])
    kmwlive.log(open(err).read())


def installed_plugin(live, c):
    """kmodwatch plugin enable, then auditd with the installed plugin file."""
    r = sh("kmodwatch", "plugin", "enable")
    c.eq("plugin enable: exit 0", r.returncode, 0)
    conf = open("/etc/audit/plugins.d/kmodwatch.conf").read()
    c.true("plugin enable: active", re.search(r"^active = yes$", conf, re.M))
    sh("kmodwatch", "rules", "install")
    ad = live.start_auditd(plugins={"kmodwatch.conf": conf})
    m, pid = call_finit()
    c.true("installed plugin: the event", wait_for(lambda: len(events_of(pid)) == 1, 20))
    m.communicate("x")
    time.sleep(2.5)
    st = sh("kmodwatch", "status", "--format", "json")
    j = json.loads(st.stdout) if st.stdout.startswith("{") else {}
    c.eq("status: the plugin runs", [x["kind"] for x in j.get("consumers", []) if x["running"]],
         ["plugin"])
    text = sh("kmodwatch", "status").stdout
    c.eq("status text: one plugin line", len(re.findall(r"^plugin:", text, re.M)), 1)
    c.true("status text: the plugin file's state with it", "plugin file active (" in text)
    # the plugin reads the kernel's status where it may: a backlog of a limit, or says so
    c.true("status text: no 'backlog at most 0 of 0'",
           "of 0;" not in text and ("backlog not read (auditd's)" in text or
                                    re.search(r"backlog at most \d+ of [1-9]", text)))
    r = sh("/usr/sbin/kmodwatchd", "--foreground", "--output", os.path.join(live.tmp, "x.json"))
    c.eq("the daemon beside the active plugin: refused, exit 5", r.returncode, 5)
    c.eq("auditd stopped", live.stop(ad), 0)
    sh("kmodwatch", "rules", "remove")
    r = sh("kmodwatch", "plugin", "disable")
    c.eq("plugin disable: exit 0", r.returncode, 0)


def module_package(live):
    """A package of our own that ships a real module file (crc7.ko of the harness's kernel)
    under /usr/lib/modules, installed: its path, its sha256. None when there is no kernel."""
    import hashlib
    import shutil
    sys.path.insert(0, os.path.join(kmwlive.SRC, "tests", "kernel"))
    import vm
    try:
        kdir = vm.fetch_kernel()
    except SystemExit:
        return None, None
    rel = "usr/lib/modules/kmw-sandbox-test/extra/kmw_crc7.ko"
    root = os.path.join(live.tmp, "pkgroot")
    os.makedirs(os.path.join(root, os.path.dirname(rel)))
    os.makedirs(os.path.join(root, "DEBIAN"))
    shutil.copy(os.path.join(kdir, "modules", "kernel", "lib", "crc7.ko"), os.path.join(root, rel))
    data = open(os.path.join(root, rel), "rb").read()
    with open(os.path.join(root, "DEBIAN", "control"), "w") as f:
        f.write("Package: kmw-sandbox-test\nVersion: 1\nArchitecture: all\nMaintainer: kmodwatch "
                "tests <tests@example.invalid>\nDescription: a module file for kmodwatch's tests\n")
    with open(os.path.join(root, "DEBIAN", "md5sums"), "w") as f:
        f.write("%s  %s\n" % (hashlib.md5(data).hexdigest(), rel))
    deb = os.path.join(live.tmp, "kmw-sandbox-test.deb")
    if sh("dpkg-deb", "--root-owner-group", "--build", root, deb).returncode or \
            sh("dpkg", "-i", deb).returncode:
        return None, None
    return "/" + rel, hashlib.sha256(data).hexdigest()


def sandboxed_plugin(live, c):
    """The installed plugin under auditd in a mount namespace where /usr/lib/modules is an
    inaccessible node, as Debian's auditd.service (ProtectKernelModules=yes) makes it: the
    loader's fd still gives the file, its package and its hash; what needs a path says why it
    could not, and never calls a packaged file unpackaged or modified."""
    mod, sha = module_package(live)
    if not mod:
        c.true("a packaged module file for the sandbox test (no kernel: vm.py says why)", False)
        return
    try:
        sh("kmodwatch", "plugin", "enable")
        conf = open("/etc/audit/plugins.d/kmodwatch.conf").read()
        sh("kmodwatch", "rules", "install")
        ad = live.start_auditd(plugins={"kmodwatch.conf": conf}, sandbox=["/usr/lib/modules"])
        # a loader that holds its fd: everything from it
        m = kmwlive.Modcall(live)
        r = m.call("finit %s 0" % mod)
        c.true("sandbox: the event", wait_for(lambda: len(events_of(m.pid)) == 1, 20))
        evs = events_of(m.pid)
        if evs:
            mo = evs[0]["module"]
            c.eq("sandbox: the file, by the loader's fd", (mo["path"], mo["file_source"]),
                 (mod, "proc_fd"))
            c.eq("sandbox: its hash", (mo["hash"] or {}).get("sha256"), sha)
            c.eq("sandbox: its package, checked by the digest of the bytes read",
                 (mo["package"] or {}).get("provenance"), "packaged")
            c.eq("sandbox: the package's name", (mo["package"] or {}).get("name"),
                 "kmw-sandbox-test")
        m.close()
        # a loader named insmod that exits at once: when the plugin loses it, the file by its
        # path, which the sandbox hides: unknown, and why; never unpackaged or modified
        bindir = os.path.join(live.tmp, "bin")
        os.makedirs(bindir, exist_ok=True)
        os.symlink(os.path.join(kmwlive.BUILD, "tests", "loadexit"), os.path.join(bindir, "insmod"))
        p = subprocess.Popen([os.path.join(bindir, "insmod"), mod])
        p.wait()
        c.true("sandbox: the quick loader's event", wait_for(lambda: len(events_of(p.pid)) == 1, 20))
        evs = events_of(p.pid)
        if evs:
            mo, skipped = evs[0]["module"], evs[0]["enrichment"]["skipped"]
            prov = (mo["package"] or {}).get("provenance")
            c.true("sandbox: never a wrong verdict (%s)" % prov, prov in ("packaged", None))
            if prov is None:
                c.true("sandbox: why, in words", any("inaccessible" in s for s in skipped))
        time.sleep(2.5)
        st = json.loads(sh("kmodwatch", "status", "--format", "json").stdout or "{}")
        got = [x["state"]["module_dir"] for x in st.get("consumers", []) if x["kind"] == "plugin"]
        c.true("sandbox: status says what it costs", got and "ProtectKernelModules" in got[0])
        text = sh("kmodwatch", "status").stdout
        c.true("sandbox: in words too", "module files: the module directory is made inaccessible"
               in text)
        c.eq("sandbox: auditd stopped", live.stop(ad), 0)
    finally:
        sh("kmodwatch", "rules", "remove")
        sh("kmodwatch", "plugin", "disable")
        sh("dpkg", "--purge", "kmw-sandbox-test")


def main(live, c):
    deb = os.path.abspath(sys.argv[1])
    if sh("dpkg-query", "-W", "kmodwatch").returncode == 0:
        kmwlive.skip("a kmodwatch package is installed already: this test would replace it")
    if live.foreign_auditd:
        kmwlive.skip("another audit daemon runs; this test needs the audit pid free")
    r = sh("apt-get", "install", "-y", "-q", deb, env=dict(os.environ,
                                                          DEBIAN_FRONTEND="noninteractive"))
    c.eq("apt-get install ./kmodwatch_*.deb", r.returncode, 0)
    if r.returncode:
        kmwlive.log(r.stdout + r.stderr)
        return
    try:
        listed = set(sh("dpkg", "-L", "kmodwatch").stdout.split())
        for path in EXPECTED:
            c.true("dpkg -L: " + path, path in listed)
        conffiles = sh("dpkg-query", "-W", "-f", "${Conffiles}", "kmodwatch").stdout
        for path in ["/etc/audit/plugins.d/kmodwatch.conf", "/etc/kmodwatch/kmodwatchd.conf"]:
            c.true("conffile: " + path, path in conffiles)
        c.true("installed: the plugin inactive",
               "inactive" in sh("kmodwatch", "plugin", "status").stdout)
        c.eq("installed: nothing runs", sh("pgrep", "-x", "kmodwatchd").stdout, "")
        example = open("/etc/kmodwatch/kmodwatchd.conf").read()
        c.eq("installed config: every option commented out",
             [l for l in example.splitlines() if l and not l.startswith("#")], [])
        c.true("installed config: the daemon takes it",
               sh("/usr/sbin/kmodwatchd", "--config", "/etc/kmodwatch/kmodwatchd.conf",
                  "--check-config").returncode == 0)
        c.true("man kmodwatchd", "kmodwatchd" in sh("man", "-P", "cat", "kmodwatchd").stdout)
        for line, want in [("kmodwatch qu", "query"), ("kmodwatch query --st", "--store"),
                           ("kmodwatch rules ", "install"), ("kmodwatchd --metrics", "--metrics-file"),
                           ("kmodwatch status --format ", "json"),
                           # the values of a filter, from the filter table (query --values)
                           ("kmodwatch query --flag O_", "O_NONBLOCK"),
                           ("kmodwatch query --kind ", "alert"),
                           ("kmodwatch modules --risk ", "medium")]:
            c.true("bash completion: %r offers %s" % (line, want), want in complete(line))
        installed_daemon(live, c)
        installed_plugin(live, c)
        sandboxed_plugin(live, c)
        c.true("installed: the rules file in place for augenrules",
               os.path.exists("/etc/audit/rules.d/70-kmodwatch.rules"))
        # purge with auditd running and kmodwatch's rules in the kernel and in audit.rules,
        # as `kmodwatch rules install` and augenrules leave them
        sh("kmodwatch", "rules", "install")
        if shutil.which("augenrules"):
            sh("augenrules")
        pid = kmwlive.audit_status().get("pid", 0)
        if not (pid and kmwlive.pid_alive(pid)):
            live.start_auditd()
    finally:
        r = sh("apt-get", "purge", "-y", "-q", "kmodwatch",
               env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
        c.eq("apt-get purge", r.returncode, 0)
    c.eq("purged: not installed", sh("dpkg-query", "-W", "kmodwatch").returncode, 1)
    c.eq("purged: nothing left", [p for p in LEFT_BEHIND if os.path.exists(p)], [])
    c.eq("purged: no kmodwatch rule in the kernel",
         [r for r in audit_rules() if "key=kmodwatch" in r], [])
    if os.path.exists("/etc/audit/audit.rules"):
        c.eq("purged: none in /etc/audit/audit.rules",
             [l for l in open("/etc/audit/audit.rules") if "key=kmodwatch" in l], [])


kmwlive.run(main, "package")
