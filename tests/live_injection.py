# SPDX-License-Identifier: GPL-2.0-or-later
"""live_injection.py - hostile bytes in every untrusted place (module file name, comm, argv,
parameters): newlines, quotes, terminal escapes, invalid UTF-8, 4 KB, the ENRICHED separator.
The JSON stays one valid line per event; the text and the syslog output cannot be made to show
a second event. Then the live capture once more under valgrind: no error, no leak."""
import json
import os
import shutil
import socket
import subprocess
import time

import kmwlive
from kmwlive import Modcall

HOSTILE = [b"evil\nfake=1 serial=1", b'q"uo\\te', b"\x1b[2J\x1b]0;pwned\x07", b"bad\xff\xfeutf8",
           b"gs\x1dUID=\"root\"", b"A" * 4000, b"nl\r\n{\"schema_version\":1}"]


def main(live, c):
    if live.foreign_auditd:
        kmwlive.skip("another audit daemon runs; this test needs the audit pid free")
    d_dir = os.path.join(live.tmp, "h")
    os.mkdir(d_dir)
    # a helper whose comm and argv[0] are hostile: run through a symlink of that name
    link = os.path.join(d_dir, "x\ny\x1b[31m")
    os.symlink(kmwlive.MODCALL, link)
    sock_path = os.path.join(live.tmp, "syslog.sock")
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    srv.bind(sock_path)
    srv.settimeout(0.2)
    text_out = os.path.join(live.tmp, "events.txt")
    d = live.daemon("--syslog", "unix:" + sock_path)
    d_text = live.daemon("--format", "text", "--second-consumer", output=text_out)
    m = live.spawn([link, "arg\nwith newline", "\x1b[31mred", "ok"],
                   stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    n = 0
    for i, name in enumerate(HOSTILE):
        fname = name[:200] if len(name) > 200 else name
        path = os.path.join(d_dir.encode(), b"m" + str(i).encode() + fname.replace(b"/", b"_") + b".ko")
        try:
            open(path, "wb").write(b"\x7fELF")
        except OSError:
            continue
        m.stdin.write(b"finit-hex %s 0 %s\n" % (path.hex().encode(), name[:500].hex().encode()))
        m.stdin.flush()
        m.stdout.readline()
        n += 1
    evs = d.wait_events(lambda e: e["process"]["pid"] == m.pid, n, timeout=15)
    c.eq("one event per call", len(evs), n)
    raw = open(d.out, "rb").read()
    lines = raw.split(b"\n")[:-1]
    c.true("JSON: every line parses, the whole is UTF-8",
           all(json.loads(l) is not None for l in lines) and raw.decode("utf-8") is not None)
    c.eq("JSON: one line per event", len([l for l in lines if b'"pid":%d' % m.pid in l]), n)
    for e in evs:
        if e["module"]["path"]:
            c.true("JSON: the hostile path comes back", e["module"]["path"].startswith(d_dir))
    c.true("JSON: hostile comm kept, escaped", any("\n" in (e["process"]["comm"] or "") for e in evs))
    # text: exactly one line per event, none of them forged
    # the second daemon reads multicast on its own: give it the time to catch up
    deadline = time.time() + 15
    while True:
        text = open(text_out, "rb").read()
        tl = [l for l in text.split(b"\n") if b"pid=%d " % m.pid in l]
        if len(tl) >= n or time.time() > deadline:
            break
        time.sleep(0.1)
    if len(tl) != n:
        kmwlive.log("text output: %r" % text[:3000])
    c.eq("text: one line per event", len(tl), n)
    c.true("text: no raw control byte", not any(ch in text for ch in (b"\x1b", b"\r", b"\x1d", b"\x07")))
    c.eq("text: no forged serial=1 line", sum(1 for l in text.split(b"\n") if l.startswith(b"fake=1")), 0)
    # syslog: one datagram per event, each one line of JSON
    grams = []
    while True:
        try:
            grams.append(srv.recv(65536))
        except socket.timeout:
            break
    mine = [g for g in grams if b'"pid":%d' % m.pid in g]
    c.eq("syslog: one message per event", len(mine), n)
    c.true("syslog: no newline inside a message", all(b"\n" not in g.rstrip(b"\n") for g in mine))
    c.true("syslog: the message is the JSON", all(json.loads(g.split(b": ", 1)[1]) for g in mine))
    m.stdin.close()
    m.wait(10)
    d.stop()
    d_text.stop()
    srv.close()

    # the live capture under valgrind (not for a sanitizer build: the two do not mix)
    if b"libasan" in subprocess.run(["ldd", kmwlive.DAEMON], capture_output=True).stdout:
        kmwlive.log("valgrind part not run: this build runs under AddressSanitizer already")
        return
    if not shutil.which("valgrind"):
        c.true("valgrind is installed (apt-get install valgrind)", False)
        return
    vlog = os.path.join(live.tmp, "valgrind.log")
    out = os.path.join(live.tmp, "vg.json")
    p = live.spawn(["valgrind", "--leak-check=full", "--errors-for-leak-kinds=definite",
                    "--error-exitcode=99", "--log-file=" + vlog, kmwlive.DAEMON, "--foreground",
                    "--output", out, "--store", os.path.join(live.tmp, "vg.db"),
                    "--backfill-dir", "none"], stderr=subprocess.PIPE)
    deadline = time.time() + 60
    while time.time() < deadline and not (os.path.exists(out) and
                                          "ready:" in open(vlog).read() + _err(p)):
        time.sleep(0.2)
        if os.path.exists(out):
            break
    time.sleep(3)
    mc = Modcall(live)
    mc.call("finit /dev/null 3")
    mc.call("delete kmw_vg 0")
    time.sleep(3)
    mc.close()
    rc = live.stop(p, timeout=60)
    log = open(vlog).read()
    c.eq("valgrind: exit 0 (no error)", rc, 0)
    c.true("valgrind: no error summary", "ERROR SUMMARY: 0 errors" in log)
    c.true("valgrind: nothing definitely lost", "definitely lost: 0 bytes" in log or
           "All heap blocks were freed" in log or "definitely lost" not in log)
    c.true("valgrind: the events came out", os.path.exists(out) and open(out).read().count("\n") >= 2)


def _err(p):
    return ""


kmwlive.run(main, "injection")
