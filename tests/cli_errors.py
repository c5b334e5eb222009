# SPDX-License-Identifier: GPL-2.0-or-later
"""cli_errors.py - every error a sysadmin met on a fresh install names its real cause and
exits with the code the help promises: a missing input, no privilege (as nobody), a store
that cannot be read, bad syslog destinations, --help on every subcommand, options that need
their argument, unknown options; --check-config prints every setting. Nothing here touches
audit state: the commands run as nobody cannot, and the rest only read."""
import os
import shutil
import subprocess
import sys
import tempfile

BUILD = os.environ.get("KMW_BUILDDIR", os.getcwd())
SRC = os.environ.get("KMW_SRCDIR", os.getcwd())
CLI = os.path.join(BUILD, "src", "kmodwatch")
DAEMON = os.path.join(BUILD, "src", "kmodwatchd")

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kmwlive import check, summary, skip  # noqa: E402

EXIT_PRIV, EXIT_USAGE, EXIT_CONFIG = 4, 2, 6
SUBCOMMANDS = ["query", "import", "modules", "rules", "status", "plugin", "ima"]


def run(args, user=None, stdin=subprocess.DEVNULL, env=None):
    if user:
        args = ["runuser", "-u", user, "--"] + ["env"] + ["%s=%s" % kv for kv in
                                                         (env or {}).items()] + args
    return subprocess.run(args, capture_output=True, text=True, stdin=stdin, timeout=60,
                          env=dict(os.environ, TZ="UTC", NO_COLOR="1", **(env or {})))


def main():
    if os.geteuid() != 0:
        skip("needs root, to run commands as nobody")
    if not shutil.which("runuser"):
        skip("no runuser (util-linux) to run commands as nobody")
    tmp = tempfile.mkdtemp(prefix="kmw-errors-")
    os.chmod(tmp, 0o755)
    try:
        errors(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def errors(tmp):
    log = os.path.join(SRC, "tests", "data", "real-6.1-netlink.log")
    store = os.path.join(tmp, "s.db")

    # import of a missing file: said, exit 2, and no empty store left behind
    x = os.path.join(tmp, "x.db")
    r = run([CLI, "import", "--store", x, "/nonexistent"])
    check("import missing: exit 2", r.returncode, EXIT_USAGE)
    check("import missing: names the file and the cause",
          "cannot read /nonexistent: No such file or directory" in r.stderr, True)
    check("import missing: no store created", os.path.exists(x), False)

    # rules list as nobody: no privilege, exit 4
    r = run([CLI, "rules", "list"], user="nobody")
    check("rules list as nobody: exit 4", r.returncode, EXIT_PRIV)
    check("rules list as nobody: names the cause",
          "Operation not permitted" in r.stderr and "CAP_AUDIT_CONTROL" in r.stderr, True)
    check("rules list as nobody: no I/O error", "Input/output error" in r.stderr, False)

    # a store that exists but cannot be read is not "no store"
    r = run([CLI, "import", "--store", store, log])
    check("import: exit 0", r.returncode, 0)
    os.chmod(store, 0o600)
    r = run([CLI, "query", "--store", store], user="nobody")
    check("query unreadable store: exit 4", r.returncode, EXIT_PRIV)
    check("query unreadable store: EACCES named",
          "cannot read %s: Permission denied" % store in r.stderr, True)
    check("query unreadable store: not 'no store'", "no store" in r.stderr, False)
    check("query unreadable store: no output", r.stdout, "")
    r = run([CLI, "query", "--store", os.path.join(tmp, "none.db")])
    check("query no store: exit 2", r.returncode, EXIT_USAGE)
    check("query no store: said so", "no store at" in r.stderr, True)

    # the plugin as nobody: the default output cannot be made; said, exit 4
    r = run([DAEMON, "--plugin", "--store", "none"], user="nobody")
    check("plugin as nobody: exit 4", r.returncode, EXIT_PRIV)
    check("plugin as nobody: names the cause",
          "cannot create /var/log/kmodwatch" in r.stderr and "Permission denied" in r.stderr,
          True)
    r = run([DAEMON, "--plugin", "--store", "none", "--output", os.path.join(tmp, "o.json")],
            user="nobody")
    check("plugin as nobody, own output: exit 4", r.returncode, EXIT_PRIV)
    check("plugin as nobody, own output: names it",
          "cannot open output %s: Permission denied" % os.path.join(tmp, "o.json") in r.stderr,
          True)

    # syslog destinations: the form, the port and the host, at --check-config
    for dest, why in [("tcp:nohost", "no port"), ("udp:1.2.3.4:99999", "1 to 65535"),
                      ("udp:1.2.3.4:0", "1 to 65535"), ("tcp:[::1:514", "HOST:PORT"),
                      ("tcp:no-such-host.invalid:514", "no-such-host.invalid")]:
        r = run([DAEMON, "--syslog", dest, "--check-config"])
        # the form is a usage error; a host that does not resolve fails the check itself
        want = EXIT_CONFIG if "invalid" in dest else EXIT_USAGE
        check("--check-config --syslog %s: exit %d" % (dest, want), r.returncode, want)
        check("--check-config --syslog %s: says why" % dest, why in r.stderr, True)
    conf = os.path.join(tmp, "bad.conf")
    with open(conf, "w") as f:
        f.write("syslog = udp:localhost:99999\n")
    r = run([DAEMON, "--config", conf, "--check-config"])
    check("config file bad syslog: exit 6", r.returncode, EXIT_CONFIG)
    check("config file bad syslog: the line", "%s:1" % conf in r.stderr, True)
    r = run([DAEMON, "--syslog", "udp:127.0.0.1:514", "--check-config"])
    check("--check-config good syslog: exit 0", r.returncode, 0)

    # --check-config prints every setting, syslog, journald and rotation among them
    r = run([DAEMON, "--check-config"])
    keys = {l.lstrip("# ").split(" = ")[0] for l in r.stdout.splitlines() if " = " in l}
    for k in ["output", "output-rotate-size", "output-rotate-keep", "syslog", "syslog-rfc",
              "syslog-facility", "syslog-severity", "syslog-app-name", "syslog-format",
              "journald", "store", "retention-days", "queue-size", "inventory-interval",
              "second-consumer"]:
        check("--check-config prints %s" % k, k in keys, True)

    # query of a missing audit log: the error only, no header, no "no event matches"
    r = run([CLI, "query", "--audit-log", "/nonexistent"])
    check("query missing log: exit 2", r.returncode, EXIT_USAGE)
    check("query missing log: the error", "cannot read /nonexistent" in r.stderr, True)
    check("query missing log: no table", r.stdout, "")
    check("query missing log: no 'no event matches'", "no event" in r.stderr, False)

    # --help on every subcommand, and `help CMD`
    for sub in SUBCOMMANDS:
        r = run([CLI, sub, "--help"])
        check("%s --help: exit 0" % sub, r.returncode, 0)
        check("%s --help: its usage" % sub, sub in r.stdout and "Usage" in r.stdout, True)
        check("%s --help: no error" % sub, r.stderr, "")
        r2 = run([CLI, "help", sub])
        check("help %s: the same" % sub, r2.stdout, r.stdout)

    # options with a separate argument are taken; unknown options are errors
    r = run([CLI, "status", "--store", store])
    check("status --store X: that store", store in r.stdout, True)
    r = run([CLI, "status", "--bogus"])
    check("status --bogus: exit 2", r.returncode, EXIT_USAGE)
    check("status --bogus: named", "--bogus" in r.stderr, True)
    r = run([CLI, "query", "--bogus"])
    check("query --bogus: exit 2", r.returncode, EXIT_USAGE)
    # a mistake gets one line and where the help is, not the whole help
    for args, name in (([CLI, "query", "--bogus"], "kmodwatch query"),
                       ([CLI, "status", "--bogus"], "kmodwatch status"),
                       ([CLI, "nosuchcommand"], "kmodwatch"),
                       ([DAEMON, "--bogus"], "kmodwatchd")):
        r = run(args)
        what = " ".join([os.path.basename(args[0])] + args[1:])
        check("%s: exit 2" % what, r.returncode, EXIT_USAGE)
        check("%s: two lines at most" % what, len(r.stderr.splitlines()) <= 2, True)
        check("%s: says where the help is" % what,
              "Try '%s --help' for more information." % name in r.stderr, True)
    r = run([CLI, "nosuchcommand"])
    check("unknown command: named", "nosuchcommand" in r.stderr, True)

    # input with no audit record in it is an error, said as such
    for args in (["query", "--audit-log", "/etc/passwd"],
                 ["import", "--store", os.path.join(tmp, "p.db"), "/etc/passwd"]):
        r = run([CLI] + args)
        check("%s /etc/passwd: exit 2" % args[0], r.returncode, EXIT_USAGE)
        check("%s /etc/passwd: no audit record, said" % args[0],
              "no audit record in the input" in r.stderr, True)
    # an empty log is no such error
    empty = os.path.join(tmp, "empty.log")
    open(empty, "w").close()
    r = run([CLI, "query", "--audit-log", empty])
    check("query of an empty log: exit 1 (no match)", r.returncode, 1)

    # an output whose directory is missing: the 4 the help promises, the cause named
    r = run([DAEMON, "--plugin", "--output", "/nonexistent/dir/x.json", "--store", "none",
             "--metrics-file", "none"],
            env={"KMW_STATE_FILE": os.path.join(tmp, "d.state"),
                 "KMW_PLUGIN_STATE_FILE": os.path.join(tmp, "p.state")})
    check("--output /nonexistent/dir/x.json: exit 4", r.returncode, EXIT_PRIV)
    check("--output /nonexistent/dir/x.json: the cause",
          "No such file or directory" in r.stderr, True)

    # the plugin's switch: the installed file is inactive; enable and disable keep the rest
    conf = os.path.join(tmp, "plugin.conf")
    shutil.copy(os.path.join(BUILD, "init", "kmodwatch.conf"), conf)
    orig = open(conf).read()
    # no consumer runs, whatever a live test beside this one runs
    env = {"KMW_PLUGIN_CONF": conf, "KMW_STATE_FILE": os.path.join(tmp, "d.state"),
           "KMW_PLUGIN_STATE_FILE": os.path.join(tmp, "p.state")}
    check("plugin: inactive as installed", "\nactive = no\n" in orig, True)
    r = run([CLI, "plugin", "status"], env=env)
    check("plugin status: inactive", (r.returncode, "inactive" in r.stdout), (0, True))
    r = run([CLI, "plugin", "enable"], env=env)
    check("plugin enable: exit 0", r.returncode, 0)
    check("plugin enable: active = yes", open(conf).read(), orig.replace("\nactive = no\n",
                                                                          "\nactive = yes\n"))
    r = run([CLI, "plugin", "disable"], env=env)
    check("plugin disable: back as it was", (r.returncode, open(conf).read()), (0, orig))
    r = run([CLI, "plugin", "enable"], env={"KMW_PLUGIN_CONF": os.path.join(tmp, "no.conf")})
    check("plugin enable, no file: exit 2 and why", (r.returncode, "No such file" in r.stderr),
          (2, True))
    r = run([CLI, "plugin", "enable"], user="nobody", env=env)
    check("plugin enable as nobody: exit 4", r.returncode, EXIT_PRIV)


main()
sys.exit(summary())
