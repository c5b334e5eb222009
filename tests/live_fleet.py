#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""live_fleet.py - forwarding to a real central rsyslog, started privately on loopback with
certificates made here by openssl: syslog over TLS (events arrive and parse; a wrong CA, a
wrong host name, a collector that wants our certificate: refused, said why, nothing in plain
text), mutual TLS, RELP with the collector SIGKILLed mid-stream (every event arrives, copies
told by id), and the fleet query over what two simulated hosts sent through the collector."""
import collections
import gzip
import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time

import kmwlive
from kmwlive import BUILD, DAEMON, Modcall, free_port, wait_for

CLI = os.path.join(BUILD, "src", "kmodwatch")


def openssl(*args, cwd):
    subprocess.run(["openssl"] + list(args), cwd=cwd, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)


def make_certs(d):
    """A CA, the collector's certificate for localhost, an agent's for mutual TLS, and an
    impostor: another CA with its own certificate for localhost."""
    for ca in ("ca", "evilca"):
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca + ".key",
                "-out", ca + ".pem", "-days", "2", "-subj", "/CN=kmw test " + ca,
                "-addext", "basicConstraints=critical,CA:TRUE",
                "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=d)
    for name, ca, san, eku in (("server", "ca", "DNS:localhost", "serverAuth"),
                               ("client", "ca", "DNS:kmw-agent", "clientAuth"),
                               ("evilserver", "evilca", "DNS:localhost", "serverAuth")):
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key", "-out",
                name + ".csr", "-subj", "/CN=" + name, cwd=d)
        with open(os.path.join(d, name + ".ext"), "w") as f:
            f.write("subjectAltName=%s\nextendedKeyUsage=%s\nbasicConstraints=CA:FALSE\n" % (san, eku))
        openssl("x509", "-req", "-in", name + ".csr", "-CA", ca + ".pem", "-CAkey", ca + ".key",
                "-CAcreateserial", "-out", name + ".pem", "-days", "2", "-extfile", name + ".ext",
                cwd=d)


class Collector:
    """A central rsyslog: TLS (server-only and mutual), RELP (plain and TLS), each event's
    message into hosts/HOSTNAME/kmodwatch.json; Direct queues, so that an acknowledged RELP
    message is in the file."""

    def __init__(self, live, d, cert="server"):
        self.live, self.dir = live, d
        self.hosts = os.path.join(d, "hosts")
        os.makedirs(self.hosts, exist_ok=True)
        self.ports = {k: free_port() for k in ("tls", "mtls", "relp", "relptls")}
        self.conf = os.path.join(d, "rsyslog.conf")
        v = dict(self.ports, d=d, cert=cert)
        with open(self.conf, "w") as f:
            f.write("""
global(workDirectory="%(d)s" maxMessageSize="64k"
       DefaultNetstreamDriverCAFile="%(d)s/ca.pem"
       DefaultNetstreamDriverCertFile="%(d)s/%(cert)s.pem"
       DefaultNetstreamDriverKeyFile="%(d)s/%(cert)s.key")
module(load="imtcp" StreamDriver.Name="ossl" StreamDriver.Mode="1" StreamDriver.AuthMode="anon")
input(type="imtcp" address="127.0.0.1" port="%(tls)d" ruleset="fleet")
input(type="imtcp" address="127.0.0.1" port="%(mtls)d" ruleset="fleet"
      StreamDriver.AuthMode="x509/certvalid")
module(load="imrelp" tls.tlslib="openssl")
input(type="imrelp" address="127.0.0.1" port="%(relp)d" ruleset="fleet")
input(type="imrelp" address="127.0.0.1" port="%(relptls)d" ruleset="fleet" tls="on"
      tls.cacert="%(d)s/ca.pem" tls.mycert="%(d)s/%(cert)s.pem" tls.myprivkey="%(d)s/%(cert)s.key"
      tls.authmode="certvalid")
template(name="perhost" type="string" string="%(d)s/hosts/%%hostname%%/kmodwatch.json")
template(name="body" type="string" string="%%msg%%\\n")
ruleset(name="fleet" queue.type="Direct") {
    action(type="omfile" dynaFile="perhost" template="body" dirCreateMode="0750"
           fileCreateMode="0640")
}
""" % v)
        self.p = None

    def start(self):
        self.p = self.live.spawn(["rsyslogd", "-n", "-f", self.conf, "-i",
                                  os.path.join(self.dir, "rsyslog.pid")],
                                 stdout=subprocess.DEVNULL,
                                 stderr=open(os.path.join(self.dir, "rsyslog.err"), "a"))

        def up():
            try:
                for port in self.ports.values():
                    socket.create_connection(("127.0.0.1", port), 0.2).close()
                return True
            except OSError:
                return False
        if not wait_for(up, 15):
            raise RuntimeError("rsyslogd did not start: " +
                               open(os.path.join(self.dir, "rsyslog.err")).read())

    def kill(self):
        self.p.send_signal(signal.SIGKILL)
        self.p.wait()

    def stop(self):
        self.live.stop(self.p)

    def lines(self, host):
        path = os.path.join(self.hosts, host, "kmodwatch.json")
        if not os.path.exists(path):
            return []
        with open(path, errors="replace") as f:
            return [l for l in f.read().split("\n")[:-1] if l.strip()]

    def all_lines(self):
        return [l for h in os.listdir(self.hosts) for l in self.lines(h)]


def parse(lines):
    return [json.loads(l[l.index("{"):]) for l in lines]


def mine(lines, pid):
    return [e for e in parse(lines) if e.get("process", {}).get("pid") == pid]


def calls(m, prefix, n):
    for i in range(n):
        m.call("delete %s%d 0" % (prefix, i))


def tls_tests(live, c, col, d, host):
    ca = os.path.join(d, "ca.pem")
    # server-only TLS: events arrive whole and parse, with the fleet fields
    dm = live.daemon("--syslog", "tls:localhost:%d" % col.ports["tls"], "--syslog-ca", ca,
                     "--syslog-format", "json")
    m = Modcall(live)
    calls(m, "kmw_fleet_tls", 10)
    got = wait_for(lambda: len(mine(col.lines(host), m.pid)) >= 10, 20)
    evs = mine(col.lines(host), m.pid)
    c.eq("tls: every event arrives once", len(evs), 10)
    c.eq("tls: in order, as audit numbered them", [e["audit"]["serial"] for e in evs],
         sorted(e["audit"]["serial"] for e in evs))
    c.true("tls: each has the stable id boot:serial:time", got and all(
        e["id"] == "%s:%d:%.3f" % (e["audit"]["boot_id"], e["audit"]["serial"], e["audit"]["epoch"])
        for e in evs))
    boot = open("/proc/sys/kernel/random/boot_id").read().strip()
    c.true("tls: the boot is this one", all(e["audit"]["boot_id"] == boot for e in evs))
    mid = open("/etc/machine-id").read().strip() if os.path.exists("/etc/machine-id") else None
    c.true("tls: host.machine_id is /etc/machine-id", all(e["host"]["machine_id"] == mid for e in evs))
    c.true("tls: no delivery failure logged", "cannot deliver" not in dm.stderr())
    # the collector dies; what comes meanwhile waits, and goes over a new session
    col.kill()
    calls(m, "kmw_fleet_tls_down", 5)
    time.sleep(0.5)
    col.start()
    c.true("tls: the events kept while the collector was down arrive after its restart",
           wait_for(lambda: len(mine(col.lines(host), m.pid)) >= 15, 30))
    # SIGHUP reopens the outputs: a new TLS session, and on
    dm.p.send_signal(signal.SIGHUP)
    wait_for(lambda: "outputs reopened" in dm.stderr(), 10)
    calls(m, "kmw_fleet_tls_hup", 3)
    c.true("tls: after SIGHUP the events go over a new session",
           wait_for(lambda: len(mine(col.lines(host), m.pid)) >= 18, 20))
    c.true("tls: the reopen is no failure", "cannot reopen" not in dm.stderr())
    evs = mine(col.lines(host), m.pid)
    c.eq("tls: each once", len({e["id"] for e in evs}), len(evs))
    m.close()
    dm.stop()

    # what must be refused: a CA that did not sign the collector, a name it does not carry,
    # a collector that wants our certificate. Said why; nothing reaches it.
    cases = (
        ("a wrong CA", ["--syslog", "tls:localhost:%d" % col.ports["tls"], "--syslog-ca",
                        os.path.join(d, "evilca.pem")],
         "self-signed certificate in certificate chain"),
        ("an address the certificate does not name",
         ["--syslog", "tls:127.0.0.1:%d" % col.ports["tls"], "--syslog-ca", ca],
         "IP address mismatch"),
        ("a wrong host name", ["--syslog", "tls:localhost:%d" % col.ports["tls"], "--syslog-ca", ca,
                               "--syslog-peer-name", "collector.example"], "hostname mismatch"),
        ("mutual TLS without our certificate",
         ["--syslog", "tls:localhost:%d" % col.ports["mtls"], "--syslog-ca", ca],
         "certificate required"),
    )
    for what, args, reason in cases:
        before = len(col.all_lines())
        dm = live.daemon(*args)
        m = Modcall(live)
        calls(m, "kmw_fleet_refused", 3)
        wait_for(lambda: reason in dm.stderr(), 10)
        time.sleep(0.5)
        m.close()
        dm.stop()
        err = dm.stderr()
        c.true("refused, %s: the log names the reason (%s)" % (what, reason), reason in err)
        c.true("refused, %s: it says nothing was sent" % what, "nothing sent" in err)
        c.eq("refused, %s: nothing reached the collector" % what, len(col.all_lines()), before)
        c.true("refused, %s: the events were kept, then counted undelivered" % what,
               "could not be delivered before exit" in err)

    # mutual TLS with our certificate: taken
    dm = live.daemon("--syslog", "tls:localhost:%d" % col.ports["mtls"], "--syslog-ca", ca,
                     "--syslog-cert", os.path.join(d, "client.pem"),
                     "--syslog-key", os.path.join(d, "client.key"))
    m = Modcall(live)
    calls(m, "kmw_fleet_mtls", 5)
    c.true("mutual TLS: with our certificate the events arrive",
           wait_for(lambda: len(mine(col.lines(host), m.pid)) >= 5, 20))
    m.close()
    dm.stop()


def plaintext_test(live, c, d):
    """A listener that is no TLS server: kmodwatchd's only bytes are a TLS ClientHello,
    never an event."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(4)
    srv.settimeout(10)
    port = srv.getsockname()[1]
    got = []

    def serve():
        try:
            while len(got) < 2:
                conn, _ = srv.accept()
                conn.settimeout(5)
                data = b""
                try:
                    while True:
                        chunk = conn.recv(65536)
                        if not chunk:
                            break
                        data += chunk
                        # answer like a plain-text service would, once
                        if len(got) == 1 and b"HTTP" not in data:
                            conn.sendall(b"HTTP/1.0 400 Bad Request\r\n\r\n")
                except OSError:
                    pass
                got.append(data)
                conn.close()
        except OSError:
            pass
    t = threading.Thread(target=serve, daemon=True)
    t.start()
    dm = live.daemon("--syslog", "tls:localhost:%d" % port, "--syslog-ca", os.path.join(d, "ca.pem"))
    m = Modcall(live)
    calls(m, "kmw_fleet_plain", 3)
    wait_for(lambda: len(got) >= 2, 20)
    m.close()
    dm.stop()
    srv.close()
    c.true("plain listener: kmodwatchd connected (twice)", len(got) >= 2)
    # each connection got a ClientHello: empty captures would prove nothing
    c.true("plain listener: it sent TLS handshakes only (0x16 0x03)",
           len(got) >= 2 and all(g[:1] == b"\x16" and g[1:2] == b"\x03" for g in got))
    c.true("plain listener: no event in plain text", not any(b"kmw_fleet_plain" in g or
                                                             b"schema_version" in g for g in got))
    c.true("plain listener: the failure is named", "TLS" in dm.stderr() and
           "nothing sent" in dm.stderr())


def relp_test(live, c, col, host, target, extra, n=300):
    """Events stream over RELP; the collector is SIGKILLed a third of the way, restarted a
    second later. Every event arrives; the copies are the same event, told by id."""
    dm = live.daemon("--syslog", target, *extra)
    m = Modcall(live)
    prefix = "kmw_fleet_relp%d_" % len(live.procs)

    def stream():
        for i in range(n):
            m.call("delete %s%d 0" % (prefix, i))
            if i == n // 3:
                col.kill()
            if i == n // 2:
                col.start()
            time.sleep(0.005)
    t = threading.Thread(target=stream)
    t.start()
    t.join()

    def serials():
        return {e["audit"]["serial"] for e in mine(col.lines(host), m.pid)}
    wait_for(lambda: len(serials()) >= n, 60)
    # the recovery is said at the next tick once nothing waits
    wait_for(lambda: "delivering again" in dm.stderr(), 15)
    evs = mine(col.lines(host), m.pid)
    m.close()
    dm.stop()
    what = target.split(":")[0]
    c.eq("%s: every event arrived after the kill and restart" % what, len(serials()), n)
    by_id = collections.defaultdict(list)
    for e in evs:
        by_id[e["id"]].append(e)
    c.eq("%s: one id per event" % what, len(by_id), n)
    c.true("%s: every copy of an id is the same event" % what,
           all(all(x == v[0] for x in v) for v in by_id.values()))
    kmwlive.log("%s: %d events, %d lines, %d duplicates" % (what, n, len(evs), len(evs) - len(by_id)))
    c.true("%s: the break is logged, and the recovery" % what,
           "kept to retry" in dm.stderr() and "delivering again" in dm.stderr())


def plugin_host(live, col, d, name, log, args):
    """A simulated host: its own UTS namespace and host name, kmodwatchd as its auditd
    plugin reading @log, forwarding to the collector. Returns its own output's events."""
    out = os.path.join(d, "%s-%d.json" % (name, len(live.procs)))
    cmd = ["unshare", "--uts", "sh", "-c", 'hostname "$0" && exec "$@"', name, DAEMON,
           "--foreground", "--plugin", "--second-consumer", "--store", "none", "--metrics-file",
           "none", "--output", out] + args
    with open(log, "rb") as f:
        p = live.spawn(cmd, stdin=f, stdout=subprocess.DEVNULL,
                       stderr=open(out + ".err", "w"))
        p.wait(60)
    with open(out) as f:
        return [json.loads(l) for l in f if l.strip()]


def query(*args):
    r = subprocess.run([CLI, "query", "--events"] + list(args), capture_output=True, text=True)
    return r


def fleet_test(live, c, col, d):
    """Two hosts send through the collector (web-01 over TLS, in two runs with a rotation
    between; web-02 over RELP with TLS); the query answers over the collector's files."""
    gen = kmwlive.generator()
    logs = {}
    for name, seed in (("web-01", 11), ("web-02", 12)):
        logs[name] = os.path.join(d, name + ".log")
        with open(logs[name], "wb") as f:
            subprocess.run([gen, "--events", "4000", "--seed", str(seed), "--module-share", "0.05",
                            "--ima-share", "0.5"], check=True, stdout=f)
    # web-01's log in two halves: the collector's file is rotated between them
    with open(logs["web-01"], "rb") as f:
        lines = f.read().split(b"\n")
    half = len(lines) // 2
    while half < len(lines) and not lines[half].startswith(b"type=SYSCALL"):
        half += 1
    for part, chunk in ((1, lines[:half]), (2, lines[half:])):
        with open(logs["web-01"] + ".%d" % part, "wb") as f:
            f.write(b"\n".join(chunk).rstrip(b"\n") + b"\n")
    tls = ["--syslog", "tls:localhost:%d" % col.ports["tls"], "--syslog-ca", os.path.join(d, "ca.pem")]
    sent = {"web-01": plugin_host(live, col, d, "web-01", logs["web-01"] + ".1", tls)}
    cur = os.path.join(col.hosts, "web-01", "kmodwatch.json")
    wait_for(lambda: len(col.lines("web-01")) >= len(sent["web-01"]), 20)
    os.rename(cur, cur + ".1")
    col.p.send_signal(signal.SIGHUP)    # rsyslog closes its files: the next line opens a new one
    time.sleep(0.5)
    with open(cur + ".1", "rb") as f, gzip.open(cur + ".1.gz", "wb") as g:
        shutil.copyfileobj(f, g)
    os.unlink(cur + ".1")
    sent["web-01"] += plugin_host(live, col, d, "web-01", logs["web-01"] + ".2", tls)
    relp = ["--syslog", "relp+tls:localhost:%d" % col.ports["relptls"], "--syslog-ca",
            os.path.join(d, "ca.pem"), "--syslog-cert", os.path.join(d, "client.pem"),
            "--syslog-key", os.path.join(d, "client.key")]
    sent["web-02"] = plugin_host(live, col, d, "web-02", logs["web-02"], relp)
    total = sum(len(v) for v in sent.values())
    c.true("fleet: both hosts sent events", all(len(v) > 50 for v in sent.values()))
    wait_for(lambda: len(col.lines("web-01")) + len(col.lines("web-02")) >= total - len(sent["web-01"]) // 2, 20)
    c.true("fleet: the collector keeps a file per host, web-01's rotated and gzipped",
           sorted(os.listdir(os.path.join(col.hosts, "web-01"))) == ["kmodwatch.json", "kmodwatch.json.1.gz"]
           and os.path.exists(os.path.join(col.hosts, "web-02", "kmodwatch.json")))

    # the collector's directory also holds this machine's own (the tests above): the two
    # hosts' directories, then all of it with --host
    dirs = [os.path.join(col.hosts, h) for h in sent]
    r = query(*dirs, "--count")
    c.eq("fleet: --count over both hosts' files", r.stdout.strip(), str(total))
    c.eq("fleet: exit 0 when events match", r.returncode, 0)
    r = query(col.hosts, "--host", "web-02", "--format", "json")
    got = [json.loads(l) for l in r.stdout.splitlines()]
    c.eq("fleet: --host web-02 gives web-02's events, by id", [e["id"] for e in got],
         [e["id"] for e in sent["web-02"]])
    # "which hosts loaded this sha256": the kernel's hash (IMA), on both hosts
    hashes = collections.defaultdict(set)
    for host, evs in sent.items():
        for e in evs:
            ima = e["module"].get("ima") if isinstance(e.get("module"), dict) else None
            if ima and ima.get("algo") == "sha256" and e["syscall"]["success"]:
                hashes[ima["hash"]].add(host)
    both = [h for h, hs in hashes.items() if len(hs) == 2] or list(hashes)
    c.true("fleet: the logs hold IMA hashes to ask for", bool(both))
    if both:
        h = both[0]
        r = query(col.hosts, "--sha256", h, "--result", "success", "--format", "json")
        hosts = {json.loads(l)["audit"]["node"] for l in r.stdout.splitlines()}
        c.eq("fleet: which hosts loaded this sha256", hosts, hashes[h])
        want = sum(1 for evs in sent.values() for e in evs
                   if (e["module"].get("ima") or {}).get("hash") == h and e["syscall"]["success"])
        c.eq("fleet: ... and how often", len(r.stdout.splitlines()), want)
        r = query(col.hosts, "--sha256", h, "--result", "success", "--wide")
        head = r.stdout.splitlines()[0] if r.stdout else ""
        c.true("fleet: the table has a HOST column, and names each host",
               "HOST" in head and all(hn in r.stdout for hn in hashes[h]))
    r = query(col.hosts, "--host", "web-01", "--result", "failure", "--count")
    c.eq("fleet: filters combine (--host --result)", r.stdout.strip(),
         str(sum(1 for e in sent["web-01"] if e["kind"] == "syscall" and not e["syscall"]["success"])))
    r = query(col.hosts, "--host", "nowhere")
    c.eq("fleet: no match exits 1", r.returncode, 1)
    # a collector file holding something else: said, skipped, the rest still read
    with open(os.path.join(col.hosts, "web-02", "junk.json"), "w") as f:
        f.write("not json\n{\"ecs\": {\"version\": \"8.11.0\"}}\n")
    r = query(*dirs, "--count")
    c.eq("fleet: bad lines cost no event", r.stdout.strip(), str(total))
    c.true("fleet: bad lines are named", "junk.json:1:" in r.stderr and "ECS document" in r.stderr)
    r = query(os.path.join(d, "no-such-dir"))
    c.eq("fleet: an input that cannot be read: exit 2", r.returncode, 2)


def main(live, c):
    for tool in ("rsyslogd", "openssl", "unshare"):
        if not kmwlive.shutil_which(tool):
            c.true("%s is installed" % tool, False)
            return
    if not os.path.exists("/usr/lib/x86_64-linux-gnu/rsyslog/lmnsd_ossl.so") or \
            not os.path.exists("/usr/lib/x86_64-linux-gnu/rsyslog/imrelp.so"):
        c.true("rsyslog-openssl and rsyslog-relp are installed", False)
        return
    if live.foreign_auditd:
        kmwlive.skip("another audit daemon runs; these tests need the audit pid free")
    d = os.path.join(live.tmp, "fleet")
    os.makedirs(d)
    make_certs(d)
    col = Collector(live, d)
    col.start()
    host = socket.gethostname()
    tls_tests(live, c, col, d, host)
    plaintext_test(live, c, d)
    relp_test(live, c, col, host, "relp:127.0.0.1:%d" % col.ports["relp"], [])
    relp_test(live, c, col, host, "relp+tls:localhost:%d" % col.ports["relptls"],
              ["--syslog-ca", os.path.join(d, "ca.pem"), "--syslog-cert", os.path.join(d, "client.pem"),
               "--syslog-key", os.path.join(d, "client.key")], n=150)
    fleet_test(live, c, col, d)
    col.stop()


kmwlive.run(main, "fleet")
