# SPDX-License-Identifier: GPL-2.0-or-later
"""live_metrics.py - the counters for Prometheus: the daemon writes --metrics-file in the
textfile-collector format; Debian's real prometheus-node-exporter reads that directory and
serves it over HTTP on loopback, where the scrape sees kmodwatch's counters with the module
calls just made; the file goes when the daemon stops."""
import os
import shutil
import subprocess
import time
import urllib.request

import kmwlive
from kmwlive import Modcall, free_port, wait_for

EXPORTER = "/usr/bin/prometheus-node-exporter"


def scrape(port):
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=5) as r:
            return r.read().decode()
    except OSError:
        return ""


def value(text, name, **labels):
    """The value of the sample NAME{labels...}, or None."""
    for line in text.splitlines():
        if line.startswith(name + " ") and not labels:
            return float(line.rsplit(" ", 1)[1])
        if not line.startswith(name + "{"):
            continue
        lab = line[len(name) + 1:line.index("}")]
        have = dict(kv.split("=", 1) for kv in lab.split(",") if "=" in kv)
        if all(have.get(k) == '"%s"' % v for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return None


def main(live, c):
    if not os.access(EXPORTER, os.X_OK):
        kmwlive.skip("no %s (apt-get install prometheus-node-exporter)" % EXPORTER)
    if live.foreign_auditd:
        kmwlive.skip("another audit daemon runs; this test needs the audit pid free")
    tdir = os.path.join(live.tmp, "textfile")
    os.mkdir(tdir)
    prom = os.path.join(tdir, "kmodwatch.prom")
    port = free_port()
    live.spawn([EXPORTER, "--web.listen-address=127.0.0.1:%d" % port,
                "--collector.disable-defaults", "--collector.textfile",
                "--collector.textfile.directory=" + tdir],
               stdout=subprocess.DEVNULL, stderr=open(os.path.join(live.tmp, "exporter.log"), "w"))
    c.true("the node exporter serves", wait_for(lambda: "node_textfile" in scrape(port), 15))

    d = live.daemon("--metrics-file", prom)
    m = Modcall(live)
    for i in range(3):
        m.call("finit /dev/null %d" % i)
    m.call("delete kmw_metrics_test 0")
    c.eq("four events", len(d.wait_events(lambda e: e["process"]["pid"] == m.pid, 4)), 4)
    m.close()
    # the file is rewritten every 2 s: wait for the one that counts the calls
    text = ""
    deadline = time.time() + 15
    while time.time() < deadline:
        text = scrape(port)
        n = value(text, "kmodwatch_module_calls_total", mode="daemon")
        if n is not None and n >= 4:
            break
        time.sleep(0.5)
    c.true("scrape: module calls counted", (value(text, "kmodwatch_module_calls_total",
                                                  mode="daemon") or 0) >= 4)
    c.true("scrape: events counted", (value(text, "kmodwatch_events_total", mode="daemon") or 0) >= 4)
    for name in ["kmodwatch_records_total", "kmodwatch_kernel_lost_total",
                 "kmodwatch_serial_gaps_total", "kmodwatch_queue_dropped_records_total",
                 "kmodwatch_output_failures_total", "kmodwatch_backlog_max",
                 "kmodwatch_losses_last_minute", "kmodwatch_start_time_seconds"]:
        c.true("scrape: %s" % name, value(text, name, mode="daemon") is not None)
    c.eq("scrape: nothing lost", value(text, "kmodwatch_losses_last_minute", mode="daemon"), 0.0)
    c.true("scrape: the output's deliveries",
           (value(text, "kmodwatch_output_delivered_total", mode="daemon") or 0) >= 4)
    c.eq("scrape: the exporter read the file without error",
         value(text, "node_textfile_scrape_error"), 0.0)
    c.true("scrape: the exporter saw the file", value(text, "node_textfile_mtime_seconds",
                                                      file=prom) is not None)
    c.true("HELP and TYPE lines", "# TYPE kmodwatch_events_total counter" in text)
    c.eq("the file is world-readable (the exporter's own user)", oct(os.stat(prom).st_mode & 0o777),
         "0o644")
    c.eq("no temporary files left", sorted(os.listdir(tdir)), ["kmodwatch.prom"])
    c.eq("exit 0", d.stop(), 0)
    c.eq("the file goes with the daemon", os.path.exists(prom), False)

    # auto: the Debian directory when it exists, nothing when it does not
    r = subprocess.run([kmwlive.DAEMON, "--check-config"], capture_output=True, text=True)
    c.true("--check-config: metrics-file auto", "metrics-file = auto" in r.stdout)
    shutil.rmtree(tdir, ignore_errors=True)


kmwlive.run(main, "metrics")
