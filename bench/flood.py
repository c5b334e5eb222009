# SPDX-License-Identifier: GPL-2.0-or-later
"""flood.py - two processes call finit_module as fast as they can for DURATION seconds while
an execve rule logs a busy loop; every call must come out once, or the loss be counted.
Prints calls, events, losses, p50/p99 latency from the syscall (audit timestamp) to the line
being readable in the output, and the daemon's CPU. Run as root:
  python3 bench/flood.py BUILD_DIR [DURATION] [CALLS_PER_SECOND_PER_PROCESS]
FLOOD_STORE=none leaves the store out; FLOOD_ARGS adds options to kmodwatchd's command line.
FLOOD_KEEP=1 keeps the temporary folder (its path is printed)."""
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".")
duration = float(sys.argv[2]) if len(sys.argv) > 2 else 10.0
rate = int(sys.argv[3]) if len(sys.argv) > 3 else 0  # calls per second per process, 0: flat out
tmp = tempfile.mkdtemp(prefix="kmw-flood-")
out = os.path.join(tmp, "events.json")
mod = os.path.join(tmp, "flood.ko")
open(mod, "wb").write(b"\x7fELF flood\n")
HELPER = r"""
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
int main(int argc, char **argv) {
	double end = atof(argv[2]), t; long n = 0, rate = atol(argv[3]); struct timespec ts;
	int fd = open(argv[1], O_RDONLY);
	FILE *times = fopen(argv[4], "w");
	for (;;) {
		clock_gettime(CLOCK_REALTIME, &ts);
		t = ts.tv_sec + ts.tv_nsec / 1e9;
		if (t > end) break;
		syscall(SYS_finit_module, fd, "", 0); n++;
		/* when the call was made, precisely: the audit timestamp is a coarse clock's */
		fwrite(&t, sizeof(t), 1, times);
		if (rate) usleep(1000000 / rate);
	}
	fclose(times);
	printf("%ld\n", n); return 0;
}
"""
open(os.path.join(tmp, "h.c"), "w").write(HELPER)
subprocess.run(["gcc", "-O2", "-o", os.path.join(tmp, "h"), os.path.join(tmp, "h.c")], check=True)

subprocess.run(["auditctl", "-a", "always,exit", "-F", "arch=b64", "-S", "execve", "-k", "kmw-flood-noise"],
               check=True, capture_output=True)
d = subprocess.Popen([os.path.join(build, "src", "kmodwatchd"), "--foreground", "--output", out,
                      "--store", os.environ.get("FLOOD_STORE", os.path.join(tmp, "s.db")), "--backfill-dir", "none",
                      "--stats-interval", "2"] + os.environ.get("FLOOD_ARGS", "").split(), stderr=open(os.path.join(tmp, "d.err"), "w"))
try:
    while "ready:" not in open(os.path.join(tmp, "d.err")).read():
        time.sleep(0.05)
    arrivals = {}
    stop = threading.Event()

    def tail():
        pos = 0
        buf = b""
        while not stop.is_set() or pos < os.path.getsize(out):
            try:
                with open(out, "rb") as f:
                    f.seek(pos)
                    data = f.read()
            except FileNotFoundError:
                data = b""
            now = time.time()
            if data:
                pos += len(data)
                buf += data
                *lines, buf = buf.split(b"\n")
                for l in lines:
                    e = json.loads(l)
                    arrivals[(e["audit"]["serial"])] = (now, e["audit"]["epoch"], e["process"]["pid"],
                                                        e["audit"]["serial"])
            else:
                time.sleep(0.001)
    t = threading.Thread(target=tail)
    t.start()
    noise = subprocess.Popen(["sh", "-c", "end=$(( $(date +%%s) + %d )); while [ $(date +%%s) -lt $end ]; do /bin/true; done" % int(duration)])
    end = time.time() + duration
    cpu0 = sum(int(x) for x in open("/proc/%d/stat" % d.pid).read().rsplit(")", 1)[1].split()[11:13])
    hs = [subprocess.Popen([os.path.join(tmp, "h"), mod, str(end), str(rate), os.path.join(tmp, "t%d" % i)],
                           stdout=subprocess.PIPE)
          for i in range(2)]
    hpid = {h.pid: os.path.join(tmp, "t%d" % i) for i, h in enumerate(hs)}
    calls = {h.pid: int(h.communicate()[0]) for h in hs}
    noise.wait()
    # let the pipeline drain
    last = -1
    while len(arrivals) != last:
        last = len(arrivals)
        time.sleep(2)
    cpu1 = sum(int(x) for x in open("/proc/%d/stat" % d.pid).read().rsplit(")", 1)[1].split()[11:13])
    wall = time.time() - (end - duration)
    stop.set()
    t.join()
    d.terminate()
    d.wait(60)
finally:
    subprocess.run(["auditctl", "-d", "always,exit", "-F", "arch=b64", "-S", "execve", "-k", "kmw-flood-noise"],
                   capture_output=True)
err = open(os.path.join(tmp, "d.err")).read()
mine = [v for v in arrivals.values() if v[2] in calls]
lat = sorted((a - ep) * 1000 for a, ep, _, _ in mine)
# with every call of a process out, its k-th event (by serial) is its k-th call
import struct
exact = []
for pid, path in hpid.items():
    made = [x[0] for x in struct.iter_unpack("d", open(path, "rb").read())]
    evs = sorted((v for v in mine if v[2] == pid), key=lambda v: v[3])
    if len(evs) == len(made):
        exact += [(v[0] - t) * 1000 for v, t in zip(evs, made)]
exact.sort()
total = sum(calls.values())
stats = [l for l in err.splitlines() if "stats:" in l or "stopping:" in l]
hz = os.sysconf("SC_CLK_TCK")
print("flood: %.0f s, 2 processes calling finit_module %s, execve of a busy loop audited too" % (
    duration, "%d times a second each" % rate if rate else "as fast as they can"))
print("calls made: %d (%d/s); events out: %d; missing: %d" % (total, total / duration, len(mine), total - len(mine)))
if lat:
    print("latency audit timestamp -> line readable: p50 %.1f ms, p99 %.1f ms, max %.1f ms" % (
        lat[len(lat) // 2], lat[int(len(lat) * 0.99)], lat[-1]))
if exact:
    print("latency call -> line readable: p50 %.2f ms, p99 %.2f ms, max %.2f ms (%d calls)" % (
        exact[len(exact) // 2], exact[int(len(exact) * 0.99)], exact[-1], len(exact)))
print("kmodwatchd CPU: %.0f%% of one core over %.0f s" % ((cpu1 - cpu0) / hz / wall * 100, wall))
print(stats[-2] if len(stats) > 1 else "")
print(stats[-1] if stats else "")
if os.environ.get("FLOOD_KEEP"):
    print("kept:", tmp)
else:
    subprocess.run(["rm", "-rf", tmp])
