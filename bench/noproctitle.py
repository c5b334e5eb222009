#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""noproctitle.py N PER_MS - an audit log of N finit_module events without PROCTITLE (as from
a kernel or rule set that gives none), PER_MS of them sharing each millisecond: the case that
once made the parser scan a long list per record (bench/run.sh times it)."""
import sys

n, per_ms = int(sys.argv[1]), int(sys.argv[2])
out = sys.stdout
for i in range(n):
    ms = 1790000000000 + i // per_ms
    stamp = "%d.%03d:%d" % (ms // 1000, ms % 1000, 1000 + i)
    out.write('type=SYSCALL msg=audit(%s): arch=c000003e syscall=313 success=yes exit=0 a0=3 '
              'a1=7ffd a2=0 a3=0 items=0 ppid=1 pid=%d auid=0 uid=0 gid=0 euid=0 suid=0 fsuid=0 '
              'egid=0 sgid=0 fsgid=0 tty=(none) ses=1 comm="insmod" exe="/usr/bin/kmod" '
              'key="module"\n' % (stamp, 5000 + i % 30000))
    out.write('type=KERN_MODULE msg=audit(%s): name="m%d"\n' % (stamp, i))
    out.write('type=EOE msg=audit(%s): \n' % stamp)
